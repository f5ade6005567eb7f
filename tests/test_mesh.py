"""Tests of TriangleMesh: validation messages, connectivity invariants, topology."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
import trimesh
from conftest import shared_mesh_path

import geomflow as gf

# ---------------------------------------------------------------------- meshes
# Small meshes built by hand, every one consistently oriented (counter-clockwise
# seen from the outside, or from +z for the flat ones).


def tetrahedron():
    vertices = np.array([[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=float)
    faces = np.array([[0, 2, 1], [0, 1, 3], [0, 3, 2], [1, 2, 3]])
    return vertices, faces


def octahedron():
    vertices = np.array(
        [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]],
        dtype=float,
    )
    faces = []
    for sx in (1, -1):
        for sy in (1, -1):
            for sz in (1, -1):
                a, b, c = 0 if sx > 0 else 1, 2 if sy > 0 else 3, 4 if sz > 0 else 5
                faces.append([a, b, c] if sx * sy * sz > 0 else [a, c, b])
    return vertices, np.array(faces)


def strip(k=10):
    """A 1 x k strip of squares in the plane z = 0: 2 (k + 1) vertices, 2 k faces.

    Bottom vertex ``i`` is ``i``, top vertex ``i`` is ``k + 1 + i``.
    """
    x = np.arange(k + 1, dtype=float)
    bottom = np.stack([x, np.zeros_like(x), np.zeros_like(x)], axis=1)
    top = np.stack([x, np.ones_like(x), np.zeros_like(x)], axis=1)
    faces = []
    for i in range(k):
        b0, b1, t0, t1 = i, i + 1, k + 1 + i, k + 2 + i
        faces += [[b0, b1, t1], [b0, t1, t0]]
    return np.concatenate([bottom, top]), np.array(faces)


def disk(k=6, radius=1.0):
    """A fan of ``k`` triangles around vertex 0."""
    angle = 2 * np.pi * np.arange(k) / k
    rim = radius * np.stack([np.cos(angle), np.sin(angle), 0 * angle], axis=1)
    vertices = np.concatenate([np.zeros((1, 3)), rim])
    faces = [[0, 1 + i, 1 + (i + 1) % k] for i in range(k)]
    return vertices, np.array(faces)


def flat_annulus(k=12):
    """Rings of radius 1 (vertices 0..k-1) and 2 (k..2k-1) joined by 2 k faces."""
    angle = 2 * np.pi * np.arange(k) / k
    ring = np.stack([np.cos(angle), np.sin(angle), 0 * angle], axis=1)
    vertices = np.concatenate([ring, 2 * ring])
    faces = []
    for i in range(k):
        j = (i + 1) % k
        faces += [[i, k + i, k + j], [i, k + j, j]]
    return vertices, np.array(faces)


def grid_torus(rows=5, cols=7):
    """A periodic ``rows x cols`` grid of squares, each cut in two, on a torus."""
    u = 2 * np.pi * np.arange(rows) / rows
    v = 2 * np.pi * np.arange(cols) / cols
    uu, vv = np.meshgrid(u, v, indexing="ij")
    r = 3 + np.cos(vv)
    vertices = np.stack([r * np.cos(uu), r * np.sin(uu), np.sin(vv)], axis=-1)

    def index(i, j):
        return (i % rows) * cols + (j % cols)

    faces = []
    for i in range(rows):
        for j in range(cols):
            a, b = index(i, j), index(i + 1, j)
            c, d = index(i + 1, j + 1), index(i, j + 1)
            faces += [[a, b, c], [a, c, d]]
    return vertices.reshape(-1, 3), np.array(faces)


def disjoint(*meshes):
    """Put several meshes side by side in one vertex and face array."""
    vertices, faces, offset = [], [], 0
    for shift, (v, f) in enumerate(meshes):
        vertices.append(v + 10.0 * shift)
        faces.append(f + offset)
        offset += len(v)
    return np.concatenate(vertices), np.concatenate(faces)


def icosphere():
    sphere = trimesh.creation.icosphere(subdivisions=3)
    return np.asarray(sphere.vertices), np.asarray(sphere.faces)


def solid_annulus():
    ring = trimesh.creation.annulus(r_min=1.0, r_max=2.0, height=0.5)
    return np.asarray(ring.vertices), np.asarray(ring.faces)


# name: (builder, chi, genus, components, boundary loops, closed)
TOPOLOGY = {
    "tetrahedron": (tetrahedron, 2, 0, 1, 0, True),
    "octahedron": (octahedron, 2, 0, 1, 0, True),
    "strip": (strip, 1, 0, 1, 1, False),
    "disk": (disk, 1, 0, 1, 1, False),
    "flat_annulus": (flat_annulus, 0, 0, 1, 2, False),
    "grid_torus": (grid_torus, 0, 1, 1, 0, True),
    "icosphere": (icosphere, 2, 0, 1, 0, True),
    "solid_annulus": (solid_annulus, 0, 1, 1, 0, True),
    "two_tetrahedra": (
        lambda: disjoint(tetrahedron(), tetrahedron()),
        4,
        0,
        2,
        0,
        True,
    ),
    "torus_and_disk": (lambda: disjoint(grid_torus(), disk()), 1, 1, 2, 1, False),
}


# ---------------------------------------------------------------------- helpers


def integers_in(message: str) -> set[int]:
    return {int(token) for token in re.findall(r"-?\d+", message)}


def mesh_error(vertices, faces) -> str:
    """Build a mesh that must fail and return the message of its MeshError."""
    with pytest.raises(gf.MeshError) as info:
        gf.TriangleMesh(vertices, faces)
    assert isinstance(info.value, gf.GeomflowError)
    return str(info.value)


def reference_edges(faces: np.ndarray) -> np.ndarray:
    """Edges by a plain Python set, sorted: the slow reference."""
    pairs = {
        tuple(sorted((int(f[a]), int(f[b]))))
        for f in faces
        for a, b in ((0, 1), (1, 2), (2, 0))
    }
    return np.array(sorted(pairs), dtype=np.int64).reshape(-1, 2)


def check_connectivity(mesh: gf.TriangleMesh) -> None:
    """Every documented relation between faces, edges and boundary loops."""
    faces, edges = mesh.faces, mesh.edges
    face_edges, edge_faces, edge_sides = (
        mesh.face_edges,
        mesh.edge_faces,
        mesh.edge_sides,
    )
    n_edges = mesh.n_edges

    assert edges.dtype == np.int64 and face_edges.dtype == np.int64
    assert (edges[:, 0] < edges[:, 1]).all()
    key = edges[:, 0] * mesh.n_vertices + edges[:, 1]
    assert (np.diff(key) > 0).all()  # sorted lexicographically and unique
    np.testing.assert_array_equal(edges, reference_edges(faces))

    for k in range(3):
        side = np.sort(faces[:, [(k + 1) % 3, (k + 2) % 3]], axis=1)
        np.testing.assert_array_equal(edges[face_edges[:, k]], side)

    uses = np.bincount(face_edges.ravel(), minlength=n_edges)
    assert set(np.unique(uses)) <= {1, 2}
    np.testing.assert_array_equal(mesh.boundary_edges, np.flatnonzero(uses == 1))
    assert (edge_faces[:, 0] >= 0).all()
    np.testing.assert_array_equal(edge_faces[:, 1] >= 0, uses == 2)
    np.testing.assert_array_equal(edge_sides < 0, edge_faces < 0)
    for s in range(2):
        has = edge_faces[:, s] >= 0
        np.testing.assert_array_equal(
            face_edges[edge_faces[has, s], edge_sides[has, s]], np.flatnonzero(has)
        )

    edge_index = {tuple(e): i for i, e in enumerate(edges.tolist())}
    boundary = mesh.boundary_edges
    loops = mesh.boundary_loops
    assert sum(len(loop) for loop in loops) == len(boundary)
    assert [len(loop) for loop in loops] == sorted(
        (len(loop) for loop in loops), reverse=True
    )
    seen = set()
    for loop in loops:
        assert loop[0] == loop.min()
        for a, b in zip(loop, np.roll(loop, -1), strict=True):
            e = edge_index[(min(a, b), max(a, b))]
            assert edge_faces[e, 1] == -1  # a boundary edge
            f, k = edge_faces[e, 0], edge_sides[e, 0]
            assert (faces[f, (k + 1) % 3], faces[f, (k + 2) % 3]) == (a, b)
            seen.add(e)
    assert seen == set(boundary.tolist())
    on_loops = np.zeros(mesh.n_vertices, dtype=bool)
    if loops:
        on_loops[np.concatenate(loops)] = True
    np.testing.assert_array_equal(mesh.boundary_vertices, on_loops)

    chi = int(mesh.referenced_vertices.sum()) - n_edges + mesh.n_faces
    assert mesh.euler_characteristic == chi
    assert mesh.is_closed == (len(boundary) == 0)


# ---------------------------------------------------------------------- bad input


class TestShapesAndTypes:
    def test_vertices_with_two_columns(self):
        v, f = tetrahedron()
        message = mesh_error(v[:, :2], f)
        assert "vertices" in message and "(4, 2)" in message

    def test_faces_with_four_columns(self):
        v, f = tetrahedron()
        message = mesh_error(v, np.concatenate([f, f[:, :1]], axis=1))
        assert "faces" in message and "(4, 4)" in message

    def test_one_dimensional_arrays(self):
        v, f = tetrahedron()
        assert "vertices" in mesh_error(v.ravel(), f)
        assert "faces" in mesh_error(v, f.ravel())

    def test_float_faces(self):
        v, f = tetrahedron()
        message = mesh_error(v, f.astype(np.float64))
        assert "faces" in message and "float64" in message

    def test_bool_faces(self):
        v, f = tetrahedron()
        assert "faces" in mesh_error(v, f > 1)

    def test_complex_vertices(self):
        v, f = tetrahedron()
        assert "vertices" in mesh_error(v.astype(complex), f)

    def test_int32_faces_and_int_vertices_are_accepted(self):
        v, f = tetrahedron()
        mesh = gf.TriangleMesh(v.astype(np.int64), f.astype(np.int32))
        assert mesh.faces.dtype == np.int64 and mesh.vertices.dtype == np.float64

    @pytest.mark.parametrize("n_vertices", [0, 4])
    def test_empty(self, n_vertices):
        v, _ = tetrahedron()
        message = mesh_error(v[:n_vertices], np.zeros((0, 3), dtype=np.int64))
        assert "empty" in message and "0 faces" in message


class TestNonFinite:
    @pytest.mark.parametrize(("row", "value"), [(17, np.nan), (9, -np.inf)])
    def test_names_the_vertex_row(self, row, value):
        v, f = strip()
        v[row, 1] = value
        message = mesh_error(v, f)
        assert row in integers_in(message)
        assert "NaN" in message or "infinite" in message

    def test_names_every_bad_row(self):
        v, f = strip()
        v[[3, 12], 2] = [np.inf, np.nan]
        assert {3, 12} <= integers_in(mesh_error(v, f))


class TestFaceIndices:
    def test_negative_index(self):
        v, f = strip()
        f[11, 1] = -1
        message = mesh_error(v, f)
        assert {11, -1} <= integers_in(message)

    def test_index_past_the_end(self):
        v, f = strip()
        f[6, 2] = len(v)
        message = mesh_error(v, f)
        assert {6, len(v)} <= integers_in(message)

    def test_face_repeating_a_vertex(self):
        v, f = strip()
        f[8] = [4, 15, 4]
        message = mesh_error(v, f)
        assert 8 in integers_in(message) and "repeat" in message

    @pytest.mark.parametrize("order", [[0, 1, 2], [1, 2, 0], [2, 1, 0]])
    def test_duplicate_face_names_the_original(self, order):
        v, f = strip()
        f = np.concatenate([f, f[[4]][:, order]])
        message = mesh_error(v, f)
        assert 4 in integers_in(message) and "more than once" in message

    def test_duplicate_face_names_the_copy(self):
        v, f = strip()
        f = np.concatenate([f, f[[4]][:, [2, 1, 0]]])  # face 20 repeats face 4
        assert 20 in integers_in(mesh_error(v, f))


class TestManifold:
    def test_edge_with_three_faces(self):
        v, f = strip()
        v = np.concatenate([v, [[3.0, 0.5, 1.0]]])
        f = np.concatenate([f, [[3, 14, len(v) - 1]]])  # a fin on the rung (3, 14)
        message = mesh_error(v, f)
        assert "(3, 14)" in message and "non-manifold" in message
        assert 20 in integers_in(message)  # the fin's index

    def test_two_triangles_touching_at_a_corner(self):
        v = np.array([[0, 0, 0], [1, 0, 0], [3, 0, 0], [3, 1, 0], [2, 0.5, 0]])
        message = mesh_error(v, [[0, 1, 4], [4, 2, 3]])
        assert 4 in integers_in(message) and "bow-tie" in message

    def test_two_closed_cones_sharing_an_apex(self):
        v, f = tetrahedron()  # vertex 3 of the tetrahedron is the apex
        apex = 5
        lower = np.array([0, 1, 2, apex])[f]
        upper = np.array([3, 4, 6, apex])[f[:, [0, 2, 1]]]  # mirrored: re-oriented
        vertices = np.concatenate([v[:3], v[:2] + [0, 0, 2], v[3:], v[2:3] + [0, 0, 2]])
        message = mesh_error(vertices, np.concatenate([lower, upper]))
        assert apex in integers_in(message) and "bow-tie" in message

    def test_two_disks_sharing_their_centre(self):
        v1, f1 = disk(5)
        v2, f2 = disk(7)
        f2 = np.where(f2 == 0, 0, f2 + len(v1) - 1)  # vertex 0 is shared
        v = np.concatenate([v1, v2[1:] + [0, 0, 1]])
        assert 0 in integers_in(mesh_error(v, np.concatenate([f1, f2])))

    def test_two_closed_and_one_open_fan_at_a_vertex(self):
        # Three fans at vertex 0: two tetrahedra and one triangle.
        v, f = tetrahedron()
        second = np.array([0, 4, 5, 6])[f]
        third = [[0, 7, 8]]
        vertices = np.concatenate([v, v[1:] + 2, [[-1, 0, 0], [0, -1, 0]]])
        message = mesh_error(vertices, np.concatenate([f, second, third]))
        assert {0, 3} <= integers_in(message) and "bow-tie" in message


class TestOrientation:
    @pytest.mark.parametrize("flipped", [0, 3])
    def test_tetrahedron_with_one_face_flipped(self, flipped):
        v, f = tetrahedron()
        f[flipped] = f[flipped, ::-1]
        message = mesh_error(v, f)
        assert flipped in integers_in(message) and "orientation" in message

    def test_strip_with_one_face_flipped(self):
        v, f = strip()
        f[13] = f[13, [0, 2, 1]]
        message = mesh_error(v, f)
        assert 13 in integers_in(message) and "orientation" in message


# ---------------------------------------------------------------------- unreferenced


def tetrahedron_with_unused_vertices():
    """The tetrahedron with vertices 1 and 5 in no face."""
    v, f = tetrahedron()
    vertices = np.concatenate([v[:1], [[5, 5, 5]], v[1:], [[-5, -5, -5]]])
    faces = np.where(f > 0, f + 1, f)
    return vertices, faces


class TestUnreferencedVertices:
    def test_warning_lists_them(self):
        v, f = tetrahedron_with_unused_vertices()
        with pytest.warns(gf.GeomflowWarning) as record:
            gf.TriangleMesh(v, f)
        message = str(record[0].message)
        assert {1, 5} <= integers_in(message)
        assert "without_unreferenced_vertices" in message

    def test_topology_ignores_them(self):
        v, f = tetrahedron_with_unused_vertices()
        with pytest.warns(gf.GeomflowWarning):
            mesh = gf.TriangleMesh(v, f)
        assert mesh.euler_characteristic == 2
        assert mesh.n_components == 1 and mesh.genus == 0
        np.testing.assert_array_equal(
            mesh.referenced_vertices, [True, False, True, True, True, False]
        )
        check_connectivity(mesh)

    def test_without_unreferenced_vertices(self):
        v, f = tetrahedron_with_unused_vertices()
        with pytest.warns(gf.GeomflowWarning):
            mesh = gf.TriangleMesh(v, f)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            clean, kept = mesh.without_unreferenced_vertices()
        np.testing.assert_array_equal(kept, [0, 2, 3, 4])
        np.testing.assert_array_equal(clean.vertices, v[kept])
        np.testing.assert_array_equal(kept[clean.faces], f)
        assert clean.euler_characteristic == 2 and clean.referenced_vertices.all()
        check_connectivity(clean)


# ---------------------------------------------------------------------- structure


@pytest.mark.parametrize("name", list(TOPOLOGY))
def test_connectivity_invariants(name):
    mesh = gf.TriangleMesh(*TOPOLOGY[name][0]())
    check_connectivity(mesh)


@pytest.mark.parametrize("name", list(TOPOLOGY))
def test_topology(name):
    build, chi, genus, components, loops, closed = TOPOLOGY[name]
    mesh = gf.TriangleMesh(*build())
    assert mesh.euler_characteristic == chi
    assert mesh.genus == genus
    assert mesh.n_components == components
    assert len(mesh.boundary_loops) == loops
    assert mesh.is_closed is closed


def test_component_labels_of_two_tetrahedra():
    mesh = gf.TriangleMesh(*disjoint(tetrahedron(), tetrahedron()))
    np.testing.assert_array_equal(mesh.component_labels(), [0] * 4 + [1] * 4)


def test_annulus_loops_run_with_the_interior_on_the_left():
    k = 12
    mesh = gf.TriangleMesh(*flat_annulus(k))
    # Equal lengths: the loop through vertex 0 (the inner ring) comes first.
    inner, outer = mesh.boundary_loops
    np.testing.assert_array_equal(np.sort(inner), np.arange(k))
    np.testing.assert_array_equal(np.sort(outer), np.arange(k, 2 * k))

    def signed_area(loop):
        x, y = mesh.vertices[loop, 0], mesh.vertices[loop, 1]
        return 0.5 * np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)

    # Faces are counter-clockwise seen from +z: the outer loop turns the same way,
    # the inner one the other way.
    assert signed_area(outer) > 0 > signed_area(inner)


def test_loops_sorted_by_length_each_from_its_smallest_vertex():
    small, large = disk(4), disk(9)
    mesh = gf.TriangleMesh(*disjoint(small, large))
    lengths = [len(loop) for loop in mesh.boundary_loops]
    assert lengths == [9, 4]
    assert [int(loop[0]) for loop in mesh.boundary_loops] == [6, 1]


def test_tetrahedron_arrays_by_hand():
    mesh = gf.TriangleMesh(*tetrahedron())
    np.testing.assert_array_equal(
        mesh.edges, [[0, 1], [0, 2], [0, 3], [1, 2], [1, 3], [2, 3]]
    )
    # Face 0 = [0, 2, 1]: side 0 joins 2-1, side 1 joins 1-0, side 2 joins 0-2.
    np.testing.assert_array_equal(mesh.face_edges[0], [3, 0, 1])
    assert mesh.n_edges == 6 and mesh.is_closed


@pytest.mark.parametrize(
    "attribute",
    [
        "vertices",
        "faces",
        "edges",
        "face_edges",
        "edge_faces",
        "edge_sides",
        "referenced_vertices",
    ],
)
def test_arrays_are_read_only(attribute):
    mesh = gf.TriangleMesh(*strip())
    array = getattr(mesh, attribute)
    with pytest.raises(ValueError, match="read-only"):
        array[0] = array[1]


def test_boundary_loops_are_read_only():
    mesh = gf.TriangleMesh(*strip())
    with pytest.raises(ValueError, match="read-only"):
        mesh.boundary_loops[0][0] = 3


def test_mesh_does_not_see_later_edits_of_its_input():
    v, f = strip()
    base = np.concatenate([v, np.zeros((1, 3))])
    mesh = gf.TriangleMesh(base[: len(v)], f)  # a view of the writable `base`
    base[0, 0] = 42.0
    assert mesh.vertices[0, 0] == 0.0


def test_construction_leaves_the_callers_arrays_writable():
    v, f = strip()
    gf.TriangleMesh(v, f)
    assert v.flags.writeable and f.flags.writeable


def test_boundary_loops_list_cannot_be_changed_through_the_property():
    mesh = gf.TriangleMesh(*flat_annulus())
    mesh.boundary_loops.pop()
    assert len(mesh.boundary_loops) == 2


def test_with_vertices_keeps_the_connectivity(rng):
    v, f = grid_torus()
    mesh = gf.TriangleMesh(v, f)
    moved = mesh.with_vertices(v + rng.normal(scale=1e-3, size=v.shape))
    np.testing.assert_array_equal(moved.faces, mesh.faces)
    np.testing.assert_array_equal(moved.edges, mesh.edges)
    assert moved.genus == 1


# ---------------------------------------------------------------------- conversions


def test_from_trimesh_keeps_order():
    sphere = trimesh.creation.icosphere(subdivisions=2)
    mesh = gf.TriangleMesh.from_trimesh(sphere)
    np.testing.assert_array_equal(mesh.vertices, sphere.vertices)
    np.testing.assert_array_equal(mesh.faces, sphere.faces)


def test_from_trimesh_is_independent_of_the_trimesh():
    sphere = trimesh.creation.icosphere(subdivisions=1)
    mesh = gf.TriangleMesh.from_trimesh(sphere)
    before = mesh.vertices.copy()
    sphere.vertices[0] = [7.0, 7.0, 7.0]
    np.testing.assert_array_equal(mesh.vertices, before)


def test_to_trimesh_round_trip():
    mesh = gf.TriangleMesh(*grid_torus())
    back = gf.TriangleMesh.from_trimesh(mesh.to_trimesh())
    np.testing.assert_array_equal(back.vertices, mesh.vertices)
    np.testing.assert_array_equal(back.faces, mesh.faces)


def test_to_pyvista_round_trip():
    mesh = gf.TriangleMesh(*flat_annulus())
    back = gf.TriangleMesh.from_pyvista(mesh.to_pyvista())
    np.testing.assert_array_equal(back.vertices, mesh.vertices)
    np.testing.assert_array_equal(back.faces, mesh.faces)


def test_to_pyvista_does_not_share_the_vertices():
    mesh = gf.TriangleMesh(*strip())
    poly = mesh.to_pyvista()
    poly.points[0, 0] = 42.0
    assert mesh.vertices[0, 0] == 0.0


def test_from_pyvista_refuses_quads():
    pyvista = pytest.importorskip("pyvista")
    points = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [2, 0, 0]], float)
    poly = pyvista.PolyData(points, np.array([4, 0, 1, 2, 3, 3, 1, 4, 2]))
    with pytest.raises(gf.MeshError, match="triangulate"):
        gf.TriangleMesh.from_pyvista(poly)

    mesh = gf.TriangleMesh.from_pyvista(poly.triangulate())
    assert mesh.n_faces == 3 and mesh.n_vertices == 5
    np.testing.assert_array_equal(mesh.vertices, points)
    check_connectivity(mesh)


# ---------------------------------------------------------------------- real meshes

#: name: number of non-manifold edges found by the independent analysis in
#: ../shared/meshes/MANIFEST.md.
BROKEN = {"hard_house7_t10k96582.obj": 44, "hard_sevenseg_t10k42722.obj": 20}


def load_shared(name):
    scene = trimesh.load(
        shared_mesh_path(name), process=False, maintain_order=True, force="mesh"
    )
    return np.asarray(scene.vertices), np.asarray(scene.faces)


@pytest.mark.parametrize("name", list(BROKEN))
def test_broken_shared_mesh_is_refused(name):
    v, f = load_shared(name)
    message = mesh_error(v, f)
    assert "non-manifold" in message
    assert f"{BROKEN[name]} edges" in message


@pytest.mark.parametrize("name", list(BROKEN))
def test_repair_of_broken_shared_mesh(name):
    v, f = load_shared(name)
    try:
        mesh, report = gf.repair(v, f)
    except gf.MeshError as error:
        message = str(error)
        assert message.startswith("repair:")  # the summary of what was done
        assert "non-manifold" in message  # and what remains
        assert isinstance(error.report, gf.RepairReport)
    else:
        check_connectivity(mesh)
        assert mesh.n_faces == len(report.face_map)


def test_edge_index_finds_edges_in_either_order():
    mesh = gf.sample_mesh("icosphere", level=1)
    e = np.arange(mesh.n_edges)
    i, j = mesh.edges.T
    np.testing.assert_array_equal(mesh.edge_index(i, j), e)
    np.testing.assert_array_equal(mesh.edge_index(j, i), e)
    assert mesh.edge_index(int(i[5]), int(j[5])) == 5
    far = int(np.argmax(mesh.vertices @ mesh.vertices[0] < -0.9))
    with pytest.raises(gf.MeshError, match=f"vertices 0 and {far} are not joined"):
        mesh.edge_index([0], [far])
