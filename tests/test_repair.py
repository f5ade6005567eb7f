"""Tests of gf.repair: one small example per step, counts, and the failures."""

from __future__ import annotations

import dataclasses
import re
import warnings

import numpy as np
import pytest
import trimesh
from conftest import shared_mesh_path
from test_mesh import (
    check_connectivity,
    disjoint,
    flat_annulus,
    grid_torus,
    icosphere,
    strip,
    tetrahedron,
)

import geomflow as gf


def integers_in(message: str) -> set[int]:
    return {int(token) for token in re.findall(r"-?\d+", message)}


def repaired(vertices, faces, **options):
    """Run repair, insisting that it warns about nothing and returns a valid mesh."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mesh, report = gf.repair(vertices, faces, **options)
    check_connectivity(mesh)
    return mesh, report


def check_maps(vertices, faces, mesh, report):
    """The repaired faces sit where the input faces they came from sat."""
    vertices = np.asarray(vertices, dtype=float)
    faces = np.asarray(faces)
    np.testing.assert_array_equal(mesh.vertices, vertices[report.vertex_map])
    assert len(report.face_map) == mesh.n_faces
    source = faces[report.face_map]
    flipped = np.isin(report.face_map, report.flipped_faces)
    source[flipped] = source[flipped][:, [0, 2, 1]]
    if report.n_merged_vertices == 0:
        np.testing.assert_array_equal(report.vertex_map[mesh.faces], source)
    np.testing.assert_allclose(
        mesh.vertices[mesh.faces],
        vertices[source],
        rtol=0,
        atol=_tolerance_of(report, vertices),
    )


def _tolerance_of(report, vertices):
    """Largest distance a vertex moved by merging (zero for exact merges)."""
    if report.n_merged_vertices == 0:
        return 0.0
    moved = vertices[report.merged_vertices] - vertices[report.merged_into]
    return float(np.abs(moved).max())


def soup(vertices, faces):
    """Every face with its own three vertices, as an STL file stores them."""
    faces = np.asarray(faces)
    return np.asarray(vertices)[faces.ravel()], np.arange(faces.size).reshape(-1, 3)


def mobius_strip(segments=8, width=0.3):
    """A triangulated Möbius strip: top vertices 0..s-1, bottom s..2s-1."""
    t = 2 * np.pi * np.arange(segments) / segments
    radius = 1 + width * np.cos(t / 2)[:, None] * np.array([1, -1])
    height = width * np.sin(t / 2)[:, None] * np.array([1, -1])
    top = np.stack([radius[:, 0] * np.cos(t), radius[:, 0] * np.sin(t), height[:, 0]])
    bottom = np.stack(
        [radius[:, 1] * np.cos(t), radius[:, 1] * np.sin(t), height[:, 1]]
    )
    vertices = np.concatenate([top.T, bottom.T])
    faces = []
    for i in range(segments):
        a, b = i, segments + i
        c, d = (i + 1, segments + i + 1) if i < segments - 1 else (segments, 0)
        faces += [[a, b, d], [a, d, c]]
    return vertices, np.array(faces)


# ---------------------------------------------------------------------- no-op


@pytest.mark.parametrize(
    "build", [tetrahedron, strip, flat_annulus, grid_torus, icosphere]
)
def test_valid_mesh_comes_back_unchanged(build):
    v, f = build()
    mesh, report = repaired(v, f)
    np.testing.assert_array_equal(mesh.vertices, v)
    np.testing.assert_array_equal(mesh.faces, f)
    assert report.is_empty
    np.testing.assert_array_equal(report.vertex_map, np.arange(len(v)))
    np.testing.assert_array_equal(report.face_map, np.arange(len(f)))
    assert "nothing to repair" in report.summary()


def test_result_does_not_share_the_input_arrays():
    v, f = strip()
    mesh, _ = repaired(v, f)
    assert not np.shares_memory(mesh.vertices, v)
    assert not np.shares_memory(mesh.faces, f)
    assert v.flags.writeable and f.flags.writeable


def test_inward_oriented_mesh_is_left_inward():
    v, f = tetrahedron()
    mesh, report = repaired(v, f[:, ::-1])
    np.testing.assert_array_equal(mesh.faces, f[:, ::-1])
    assert report.is_empty


# ---------------------------------------------------------------------- merging


class TestMerge:
    def test_duplicate_vertex(self):
        v, f = tetrahedron()
        v = np.concatenate([v, v[[1]]])  # vertex 4 is vertex 1 again
        f = f.copy()
        f[3] = np.where(f[3] == 1, 4, f[3])
        mesh, report = repaired(v, f)
        np.testing.assert_array_equal(report.merged_vertices, [4])
        np.testing.assert_array_equal(report.merged_into, [1])
        assert report.n_merged_vertices == 1 and report.n_unreferenced_vertices == 0
        np.testing.assert_array_equal(mesh.faces, tetrahedron()[1])
        check_maps(v, f, mesh, report)

    def test_soup_is_welded(self):
        v, f = grid_torus()
        sv, sf = soup(v, f)
        mesh, report = repaired(sv, sf)
        assert report.n_merged_vertices == len(sv) - len(v)
        assert mesh.n_vertices == len(v) and mesh.genus == 1 and mesh.is_closed
        # Each welded vertex sits at the first corner that used it.
        first_use = np.unique(sf.ravel()[np.unique(f.ravel(), return_index=True)[1]])
        np.testing.assert_array_equal(np.sort(report.vertex_map), first_use)
        check_maps(sv, sf, mesh, report)

    def test_negative_zero_equals_zero(self):
        v, f = strip(2)
        v = np.concatenate([v, [[0.0, -0.0, -0.0]]])  # vertex 0 is (0, 0, 0)
        f = np.where(f == 0, len(v) - 1, f)
        f[1] = np.where(f[1] == len(v) - 1, 0, f[1])
        _, report = repaired(v, f)
        np.testing.assert_array_equal(report.merged_vertices, [len(v) - 1])
        np.testing.assert_array_equal(report.merged_into, [0])

    def test_no_merge_one_ulp_apart_at_zero_tolerance(self):
        v, f = strip(2)
        near = np.nextafter(v[[1, 4]], 2.0)  # vertices 6, 7 next to 1, 4
        v = np.concatenate([v, near])
        f = f.copy()
        f[2:] = np.select([f[2:] == 1, f[2:] == 4], [6, 7], f[2:])  # a crack
        mesh, report = repaired(v, f)
        assert report.n_merged_vertices == 0
        assert mesh.n_components == 2 and len(mesh.boundary_loops) == 2

    def test_within_tolerance(self, rng):
        v, f = grid_torus()
        sv, sf = soup(v, f)
        noisy = sv + rng.uniform(-1e-9, 1e-9, size=sv.shape)
        _, report = repaired(noisy, sf, merge_tolerance=0.0)  # stays a soup
        assert report.n_merged_vertices == 0 and report.n_flipped_faces == 0
        mesh, report = repaired(noisy, sf, merge_tolerance=1e-6)
        assert report.n_merged_vertices == len(sv) - len(v)
        assert mesh.genus == 1 and mesh.is_closed
        check_maps(noisy, sf, mesh, report)

    def test_tolerance_merges_chains(self):
        # 0 -- 3 -- 4 are 0.6 apart in a chain: all three merge at tolerance 0.7
        # although 0 and 4 are 1.2 apart (single linkage, documented).
        v = np.array(
            [[0, 0, 0], [5, 0, 0], [0, 5, 0], [0.6, 0, 0], [1.2, 0, 0], [5, 5, 0]]
        )
        f = np.array([[0, 1, 2], [1, 5, 4], [3, 2, 5]])
        _, report = gf.repair(v, f, merge_tolerance=0.7)
        np.testing.assert_array_equal(report.merged_vertices, [3, 4])
        np.testing.assert_array_equal(report.merged_into, [0, 0])

    @pytest.mark.parametrize("tolerance", [-1e-3, np.nan, np.inf])
    def test_bad_tolerance(self, tolerance):
        with pytest.raises(gf.MeshError, match="merge_tolerance"):
            gf.repair(*tetrahedron(), merge_tolerance=tolerance)


# ---------------------------------------------------------------------- faces


class TestDroppedFaces:
    def test_face_repeating_a_vertex(self):
        v, f = strip()
        f = np.concatenate([f[:5], [[2, 2, 13]], f[5:]])  # face 5 is bad
        mesh, report = repaired(v, f)
        np.testing.assert_array_equal(report.repeated_vertex_faces, [5])
        assert report.n_repeated_vertex_faces == 1
        np.testing.assert_array_equal(mesh.faces, strip()[1])
        check_maps(v, f, mesh, report)

    def test_face_repeating_a_vertex_after_merging(self):
        v, f = strip(3)
        v = np.concatenate([v, v[[1]]])  # vertex 8 duplicates vertex 1
        f = np.concatenate([f, [[1, 8, 5]]])  # face 6 collapses when they merge
        mesh, report = repaired(v, f)
        np.testing.assert_array_equal(report.merged_vertices, [8])
        np.testing.assert_array_equal(report.repeated_vertex_faces, [6])
        np.testing.assert_array_equal(mesh.faces, strip(3)[1])

    def test_collinear_face(self):
        v, f = strip()
        # Bottom vertices 0, 1, 2 lie on the x axis: a face through them is flat.
        f = np.concatenate([f, [[0, 1, 2]]])
        mesh, report = repaired(v, f)
        np.testing.assert_array_equal(report.zero_area_faces, [len(f) - 1])
        assert report.n_zero_area_faces == 1 and mesh.n_faces == len(f) - 1

    def test_face_with_two_coincident_corners_merged_by_tolerance(self):
        v, f = strip(2)
        v = np.concatenate([v, v[[4]] + [1e-9, 0, 0]])  # vertex 6 next to 4
        f = np.concatenate([f, [[4, 2, 6]]])
        _, report = repaired(v, f, merge_tolerance=1e-6)
        np.testing.assert_array_equal(report.repeated_vertex_faces, [4])

    def test_needle_and_tiny_faces_are_kept(self):
        # Area is zero only when Kahan's factor is: no threshold, no underflow.
        needle = [[0, 0, 0], [1, 0, 0], [0.5, 1e-6, 0]]
        tiny = [[0, 0, 0], [1e-150, 0, 0], [0, 1e-150, 0]]  # area**4 underflows
        for v in (needle, tiny):
            _, report = repaired(v, [[0, 1, 2]])
            assert report.is_empty

    def test_flatter_needle_is_zero_for_its_lengths(self):
        # Height 1e-9 on a base 1: the sides round to exactly 0.5, 0.5 and 1, so
        # the metric (and EdgeMetric) sees a flat triangle, and repair drops it.
        v = [[0, 0, 0], [1, 0, 0], [0.5, 1e-9, 0], [0, -1, 0]]
        _, report = repaired(v, [[0, 1, 2], [0, 3, 1]])
        np.testing.assert_array_equal(report.zero_area_faces, [0])

    def test_zero_area_agrees_with_edge_metric(self, rng):
        # Disjoint triangles, half of them exactly collinear with integer corners.
        k = 200
        corner = (
            rng.integers(-50, 50, size=(k, 1, 3)) + 1000 * np.arange(k)[:, None, None]
        )
        step = rng.integers(1, 5, size=(k, 1, 3)) * [[[1], [2], [3]]]
        collinear = rng.random(k) < 0.5
        free = rng.integers(-5, 5, size=(k, 3, 3))
        triangles = corner + np.where(collinear[:, None, None], step, free)
        v = triangles.reshape(-1, 3).astype(float)
        f = np.arange(3 * k).reshape(-1, 3)
        mesh, report = repaired(v, f)
        assert report.n_zero_area_faces > 0
        assert set(report.zero_area_faces) <= set(np.flatnonzero(collinear))

        # The library's own Kahan kernel sees no degenerate face in what is kept,
        # and a degenerate or impossible triangle in each face that was dropped.
        assert len(gf.EdgeMetric.from_mesh(mesh).degenerate_faces()) == 0
        for face in report.zero_area_faces:
            single = gf.TriangleMesh(v[f[face]], [[0, 1, 2]])
            try:
                metric = gf.EdgeMetric.from_mesh(single)
            except gf.MetricError:
                continue  # rounding made the lengths violate the inequality
            np.testing.assert_array_equal(metric.degenerate_faces(), [0])

    def test_collinear_face_with_irrational_sides_is_kept(self):
        # Documented limit of a length-based test: these three points are exactly
        # collinear, but their rounded lengths still form a proper triangle.
        v = [[0, 0, 0], [1, 1, 0], [3, 3, 0]]
        mesh, report = repaired(v, [[0, 1, 2]])
        assert report.n_zero_area_faces == 0 and mesh.n_faces == 1

    @pytest.mark.parametrize("order", [[0, 1, 2], [1, 2, 0], [2, 1, 0]])
    def test_duplicate_face_keeps_the_first(self, order):
        v, f = strip()
        f = np.concatenate([f, f[[4]][:, order], f[[9]]])
        mesh, report = repaired(v, f)
        np.testing.assert_array_equal(report.duplicate_faces, [20, 21])
        assert report.n_duplicate_faces == 2 and report.n_flipped_faces == 0
        np.testing.assert_array_equal(mesh.faces, strip()[1])

    def test_reversed_first_copy_is_kept_then_flipped(self):
        v, f = strip(3)
        f = np.concatenate([f[[2]][:, ::-1], f])  # the reversed copy comes first
        mesh, report = repaired(v, f)
        np.testing.assert_array_equal(report.duplicate_faces, [3])
        np.testing.assert_array_equal(report.flipped_faces, [0])
        check_maps(v, f, mesh, report)

    def test_every_face_degenerate(self):
        v = np.array([[0, 0, 0], [1, 0, 0], [2, 0, 0], [3, 0, 0]], dtype=float)
        with pytest.raises(gf.MeshError, match="empty") as info:
            gf.repair(v, [[0, 1, 2], [1, 2, 3]])
        assert info.value.report.n_zero_area_faces == 2


# ---------------------------------------------------------------------- orientation


class TestOrientation:
    def test_strip_with_flipped_faces(self):
        v, f = strip()
        bad = f.copy()
        bad[[3, 7, 13]] = bad[[3, 7, 13]][:, [0, 2, 1]]
        mesh, report = repaired(v, bad)
        np.testing.assert_array_equal(report.flipped_faces, [3, 7, 13])
        np.testing.assert_array_equal(mesh.faces, f)

    def test_flip_keeps_corner_zero(self):
        v, f = tetrahedron()
        bad = f.copy()
        bad[0] = [0, 1, 2]
        mesh, report = repaired(v, bad)
        np.testing.assert_array_equal(report.flipped_faces, [0])
        np.testing.assert_array_equal(mesh.faces[0], [0, 2, 1])

    def test_majority_wins(self, rng):
        v, f = icosphere()
        flip = rng.random(len(f)) < 0.3
        bad = f.copy()
        bad[flip] = bad[flip][:, [0, 2, 1]]
        mesh, report = repaired(v, bad)
        np.testing.assert_array_equal(report.flipped_faces, np.flatnonzero(flip))
        np.testing.assert_array_equal(mesh.faces, f)

    def test_tie_keeps_the_lowest_face(self):
        v, f = strip(1)
        bad = f.copy()
        bad[1] = bad[1, [0, 2, 1]]
        mesh, report = repaired(v, bad)
        np.testing.assert_array_equal(report.flipped_faces, [1])
        np.testing.assert_array_equal(mesh.faces, f)

    def test_components_are_oriented_separately(self):
        v, f = disjoint(tetrahedron(), strip(3))
        bad = f.copy()
        bad[:3] = bad[:3, ::-1]  # most of the tetrahedron turned inward
        bad[5] = bad[5, ::-1]  # one face of the strip
        mesh, report = repaired(v, bad)
        np.testing.assert_array_equal(report.flipped_faces, [3, 5])
        assert mesh.n_components == 2

    def test_soup_with_random_flips(self, rng):
        v, f = grid_torus(6, 9)
        flip = rng.random(len(f)) < 0.25
        bad = f.copy()
        bad[flip] = bad[flip][:, ::-1]
        sv, sf = soup(v, bad)
        mesh, report = repaired(sv, sf)
        assert report.n_flipped_faces == flip.sum()
        assert mesh.genus == 1 and mesh.is_closed
        check_maps(sv, sf, mesh, report)

    def test_mobius_strip_raises(self):
        v, f = mobius_strip()
        with pytest.raises(gf.MeshError, match="not orientable") as info:
            gf.repair(v, f)
        listed = re.search(r"input faces \[([\d, ]+)\]", str(info.value))
        clash = [int(face) for face in listed.group(1).split(",")]
        assert clash and all(0 <= face < len(f) for face in clash)
        # Flipping the named faces alone does not make the strip orientable.
        flipped = f.copy()
        flipped[clash] = flipped[clash][:, ::-1]
        with pytest.raises(gf.MeshError, match="not orientable"):
            gf.repair(v, flipped)

    def test_mobius_strip_beside_a_sphere_raises(self):
        v, f = disjoint(tetrahedron(), mobius_strip(10))
        with pytest.raises(gf.MeshError, match="not orientable"):
            gf.repair(v, f)

    def test_oriented_strip_closed_into_a_ring_is_fine(self):
        # The same construction without the twist: an orientable band.
        v, f = flat_annulus(8)
        mesh, report = repaired(v, f[:, ::-1])
        assert report.is_empty and len(mesh.boundary_loops) == 2


# ---------------------------------------------------------------------- vertices


def test_unreferenced_vertices_are_dropped():
    v, f = tetrahedron()
    v = np.concatenate([v[:1], [[9, 9, 9]], v[1:], [[-9, -9, -9]]])
    f = np.where(f > 0, f + 1, f)
    mesh, report = repaired(v, f)
    np.testing.assert_array_equal(report.unreferenced_vertices, [1, 5])
    np.testing.assert_array_equal(report.vertex_map, [0, 2, 3, 4])
    assert report.n_unreferenced_vertices == 2
    np.testing.assert_array_equal(mesh.faces, tetrahedron()[1])
    check_maps(v, f, mesh, report)


def test_vertices_freed_by_dropped_faces_are_dropped():
    v, f = strip(3)
    v = np.concatenate([v, [[1.5, 0.0, 0.0]]])  # vertex 8, on the bottom edge
    f = np.concatenate([f, [[1, 8, 2]]])  # a flat face, the only one using 8
    mesh, report = repaired(v, f)
    np.testing.assert_array_equal(report.zero_area_faces, [6])
    np.testing.assert_array_equal(report.unreferenced_vertices, [8])
    assert mesh.n_vertices == 8


# ---------------------------------------------------------------------- together


def test_all_defects_at_once(rng):
    v, f = icosphere()
    bad = f.copy()
    flip = rng.random(len(f)) < 0.2
    bad[flip] = bad[flip][:, [0, 2, 1]]
    sv, sf = soup(v, bad)
    extra = np.array([[0, 0, 0], [1, 0, 0], [2, 0, 0]], dtype=float) + 5  # far away
    sv = np.concatenate([sv, extra, [[7, 7, 7]]])
    n = len(sf) * 3
    sf = np.concatenate(
        [sf, sf[[10, 20]][:, [1, 2, 0]], [[n, n + 1, n + 2]], [[0, 0, 1]]]
    )
    mesh, report = repaired(sv, sf)
    m = len(f)
    assert report.n_merged_vertices == 3 * m - len(v)
    np.testing.assert_array_equal(report.duplicate_faces, [m, m + 1])
    np.testing.assert_array_equal(report.zero_area_faces, [m + 2])
    np.testing.assert_array_equal(report.repeated_vertex_faces, [m + 3])
    np.testing.assert_array_equal(report.flipped_faces, np.flatnonzero(flip))
    assert report.n_unreferenced_vertices == 4  # the flat face's corners, and one
    assert mesh.n_vertices == len(v) and mesh.n_faces == m
    assert mesh.euler_characteristic == 2 and mesh.is_closed
    check_maps(sv, sf, mesh, report)


# ---------------------------------------------------------------------- failures


def test_edge_with_three_faces_is_not_repaired():
    v, f = strip()
    v = np.concatenate([v, [[3.0, 0.5, 1.0]]])
    f = np.concatenate([f, f[[0]], [[3, 14, len(v) - 1]]])  # a copy, then a fin
    with pytest.raises(gf.MeshError, match="non-manifold") as info:
        gf.repair(v, f)
    message = str(info.value)
    assert message.startswith("repair:") and "(3, 14)" in message
    assert 21 in integers_in(message)  # the fin, in input numbering
    assert info.value.report.n_duplicate_faces == 1


def test_bow_tie_is_not_repaired():
    v = np.array([[0, 0, 0], [1, 0, 0], [3, 0, 0], [3, 1, 0], [2, 0.5, 0]])
    with pytest.raises(gf.MeshError, match="bow-tie") as info:
        gf.repair(v, [[0, 1, 4], [4, 2, 3]])
    assert info.value.report.is_empty
    assert 4 in integers_in(str(info.value))


@pytest.mark.parametrize(
    ("vertices", "faces", "words"),
    [
        ([[0, 0, 0], [1, 0, 0], [0, np.nan, 0]], [[0, 1, 2]], ["NaN", "[2]"]),
        ([[0, 0, 0], [1, 0, 0], [0, 1, 0]], [[0, 1, 2], [0, 3, 1]], ["[1]", "0..2"]),
        ([[0, 0, 0], [1, 0, 0], [0, 1, 0]], [[0, -1, 2]], ["[0]", "zero-based"]),
        ([[0, 0, 0], [1, 0, 0], [0, 1, 0]], np.zeros((0, 3), int), ["0 faces"]),
        ([[0, 0], [1, 0], [0, 1]], [[0, 1, 2]], ["vertices", "(3, 2)"]),
        ([[0, 0, 0], [1, 0, 0], [0, 1, 0]], [[0.0, 1.0, 2.0]], ["faces", "float"]),
    ],
)
def test_input_that_cannot_be_repaired(vertices, faces, words):
    with pytest.raises(gf.MeshError) as info:
        gf.repair(vertices, faces)
    for word in words:
        assert word in str(info.value)


# ---------------------------------------------------------------------- report


def test_report_is_frozen_and_read_only():
    v, f = tetrahedron()
    _, report = gf.repair(np.concatenate([v, v[[0]]]), f)
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.n_faces_in = 3
    for field in dataclasses.fields(report):
        value = getattr(report, field.name)
        if isinstance(value, np.ndarray):
            assert not value.flags.writeable, field.name
            assert value.dtype == np.int64, field.name


def test_summary_reads_well():
    v, f = strip()
    f = np.concatenate([f, f[[4, 5]], [[0, 1, 2]]])
    f[[3, 7]] = f[[3, 7]][:, ::-1]
    v = np.concatenate([v, [[50, 50, 50]]])
    _, report = repaired(v, f)
    text = report.summary()
    assert text.splitlines()[0] == (
        "repair: 23 vertices and 23 faces in, 22 vertices and 20 faces out"
    )
    assert "2 faces [20, 21]" in text  # duplicates
    assert "1 face [22]" in text  # zero area
    assert "2 faces [3, 7]" in text  # flipped
    assert "1 vertex [22]" in text  # unreferenced
    assert str(report) == text


def test_summary_elides_long_lists():
    v, f = grid_torus()
    _, report = repaired(*soup(v, f))
    line = next(s for s in report.summary().splitlines() if "merged" in s)
    assert line.endswith(", ...]") and str(report.n_merged_vertices) in line


@pytest.mark.slow
def test_large_soup():
    sphere = trimesh.creation.icosphere(subdivisions=7)
    v, f = np.asarray(sphere.vertices), np.asarray(sphere.faces)
    rng = np.random.default_rng(7)
    flip = rng.random(len(f)) < 0.1
    bad = f.copy()
    bad[flip] = bad[flip][:, [0, 2, 1]]
    mesh, report = gf.repair(*soup(v, bad))
    assert mesh.n_faces == len(f) and mesh.n_vertices == len(v)
    assert report.n_flipped_faces == flip.sum() and mesh.euler_characteristic == 2


def test_repair_of_the_scanned_bunny():
    # Counts from the independent analysis in ../shared/meshes/MANIFEST.md.
    scene = trimesh.load(
        shared_mesh_path("hard_bunny_scan.obj"),
        process=False,
        maintain_order=True,
        force="mesh",
    )
    mesh, report = repaired(np.asarray(scene.vertices), np.asarray(scene.faces))
    assert report.n_unreferenced_vertices == 35947 - 34834
    assert report.n_merged_vertices == 0 and report.n_flipped_faces == 0
    assert (mesh.n_vertices, mesh.n_faces) == (34834, 69451)
    assert mesh.euler_characteristic == -3 and len(mesh.boundary_loops) == 5
    assert sorted(len(loop) for loop in mesh.boundary_loops) == [22, 39, 40, 42, 80]
