"""Reading and writing meshes: exact round trips, STL welding, atomic saves."""

from __future__ import annotations

import logging
import subprocess
import sys
import warnings

import numpy as np
import pytest
from conftest import shared_mesh_path

import geomflow as gf
import geomflow.io as gio

#: Shared real meshes that construct, with (listed vertices, faces, chi).
SHARED_GOOD = {
    "g0_spot.obj": (2930, 5856, 2),
    "g0_bunny_remeshed.obj": (13198, 26392, 2),
    "g0_armadillo.obj": (43243, 86482, 2),
    "hg1_bob.obj": (5344, 10688, 0),
    "hg2_double_torus.obj": (3070, 6144, -2),
    "disk_face.obj": (17157, 34144, 1),
    "disk_lego_flat.obj": (1649, 3072, 1),
    "hard_bunny_scan.obj": (35947, 69451, -3),
}
#: Shared meshes with non-manifold edges, which geomflow must refuse.
SHARED_BAD = ["hard_house7_t10k96582.obj", "hard_sevenseg_t10k42722.obj"]


@pytest.fixture
def awkward_mesh(rng):
    """A bumpy sphere with coordinates over many magnitudes and a loose vertex."""
    base = gf.sample_mesh("bumpy_sphere", level=2)
    scales = 10.0 ** rng.uniform(-9, 6, size=(base.n_vertices, 1))
    vertices = np.vstack([base.vertices * scales, [[np.pi, -1e-300, 5e-324]]])
    with pytest.warns(gf.GeomflowWarning, match="belong to no face"):
        return gf.TriangleMesh(vertices, base.faces)


# ---------------------------------------------------------------------- round trips


@pytest.mark.parametrize("suffix", [".obj", ".ply", ".off", ".OBJ"])
def test_round_trip_is_exact(tmp_path, awkward_mesh, suffix):
    path = tmp_path / f"mesh{suffix}"
    gf.save_mesh(awkward_mesh, path)

    with pytest.warns(gf.GeomflowWarning, match="1 vertices belong to no face"):
        loaded = gf.load_mesh(path)

    np.testing.assert_array_equal(loaded.vertices, awkward_mesh.vertices)
    np.testing.assert_array_equal(loaded.faces, awkward_mesh.faces)
    assert loaded.vertices.dtype == np.float64 and loaded.faces.dtype == np.int64


@pytest.mark.parametrize("suffix", [".obj", ".ply", ".off"])
def test_round_trip_keeps_sample_meshes(tmp_path, suffix):
    mesh = gf.sample_mesh("genus2")
    path = tmp_path / f"genus2{suffix}"
    gf.save_mesh(mesh, path)

    loaded = gf.load_mesh(str(path))

    np.testing.assert_allclose(loaded.vertices, mesh.vertices, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(loaded.faces, mesh.faces)
    assert loaded.genus == 2


def test_obj_has_one_line_per_vertex_and_face(tmp_path):
    mesh = gf.sample_mesh("icosphere", level=1)
    path = tmp_path / "ico.obj"
    gf.save_mesh(mesh, path)

    lines = path.read_text().splitlines()
    assert lines[0].startswith("#")
    assert sum(line.startswith("v ") for line in lines) == mesh.n_vertices
    assert sum(line.startswith("f ") for line in lines) == mesh.n_faces
    assert lines[-1] == "f " + " ".join(str(i + 1) for i in mesh.faces[-1])


# ---------------------------------------------------------------------- STL


def _first_occurrence(faces: np.ndarray) -> np.ndarray:
    """Old vertex indices in order of first appearance in the face list."""
    flat = faces.ravel()
    _, first = np.unique(flat, return_index=True)
    return flat[np.sort(first)]


def test_stl_load_welds_coincident_corners(tmp_path, caplog):
    mesh = gf.sample_mesh("torus", n_major=12, n_minor=8)
    path = tmp_path / "torus.stl"
    gf.save_mesh(mesh, path)

    with caplog.at_level(logging.INFO, logger="geomflow.io"):
        loaded = gf.load_mesh(path)

    order = _first_occurrence(mesh.faces)
    assert loaded.n_vertices == mesh.n_vertices
    np.testing.assert_array_equal(order[loaded.faces], mesh.faces)
    # STL stores float32 corners.
    np.testing.assert_allclose(loaded.vertices, mesh.vertices[order], atol=1e-6)
    assert loaded.genus == 1 and loaded.is_closed
    assert any(
        "welded 576 corners into 96 vertices" in r.getMessage() for r in caplog.records
    )


def test_stl_ascii_soup_is_welded_in_first_occurrence_order(tmp_path):
    corners = [
        [(0, 0, 0), (1, 0, 0), (0, 1, 0)],
        [(1, 0, 0), (1, 1, 0), (0, 1, 0)],
    ]
    facets = "".join(
        "facet normal 0 0 1\nouter loop\n"
        + "".join(f"vertex {x} {y} {z}\n" for x, y, z in triangle)
        + "endloop\nendfacet\n"
        for triangle in corners
    )
    path = tmp_path / "square.stl"
    path.write_text(f"solid square\n{facets}endsolid square\n")

    loaded = gf.load_mesh(path)

    np.testing.assert_array_equal(
        loaded.vertices, [[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 1, 0]]
    )
    np.testing.assert_array_equal(loaded.faces, [[0, 1, 2], [1, 3, 2]])


# ---------------------------------------------------------------------- atomic saves


def _failing_writer(mesh, stream):
    stream.write(b"v 0 0 0\nv 1 0")  # half a file, then the export fails
    raise RuntimeError("disk full (simulated)")


def test_failed_save_leaves_no_temporary_and_no_partial_file(tmp_path, monkeypatch):
    monkeypatch.setitem(gio._WRITERS, ".obj", _failing_writer)

    with pytest.raises(RuntimeError, match="simulated"):
        gf.save_mesh(gf.sample_mesh("square_grid", n=2), tmp_path / "grid.obj")

    assert list(tmp_path.iterdir()) == []


def test_failed_save_keeps_the_previous_file(tmp_path, monkeypatch):
    path = tmp_path / "grid.obj"
    gf.save_mesh(gf.sample_mesh("square_grid", n=2), path)
    before = path.read_bytes()
    monkeypatch.setitem(gio._WRITERS, ".obj", _failing_writer)

    with pytest.raises(RuntimeError, match="simulated"):
        gf.save_mesh(gf.sample_mesh("square_grid", n=3), path)

    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["grid.obj"]


def test_successful_save_leaves_only_the_target(tmp_path):
    for suffix in (".obj", ".ply", ".off", ".stl"):
        gf.save_mesh(gf.sample_mesh("flat_disk", n_rings=2), tmp_path / f"d{suffix}")

    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "d.obj",
        "d.off",
        "d.ply",
        "d.stl",
    ]


# ---------------------------------------------------------------------- errors


def test_missing_file_names_the_path(tmp_path):
    path = tmp_path / "nowhere.obj"
    with pytest.raises(gf.GeomflowError, match="nowhere.obj.*does not exist"):
        gf.load_mesh(path)


def test_unknown_suffix_lists_the_formats(tmp_path):
    path = tmp_path / "points.xyz"
    path.write_text("0 0 0\n")

    with pytest.raises(gf.GeomflowError, match=r"'\.xyz'.*\.obj, \.ply, \.stl, \.off"):
        gf.load_mesh(path)
    with pytest.raises(gf.GeomflowError, match="points.xyz"):
        gf.save_mesh(gf.sample_mesh("square_grid", n=1), path)


def test_unreadable_file_names_the_path(tmp_path):
    path = tmp_path / "broken.ply"
    path.write_text("this is not a ply file\n")

    with pytest.raises(gf.GeomflowError, match="could not read.*broken.ply"):
        gf.load_mesh(path)


def test_malformed_mesh_raises_mesh_error(tmp_path):
    path = tmp_path / "fan.obj"  # three faces on the edge 1-2
    path.write_text(
        "v 0 0 0\nv 1 0 0\nv 0 1 0\nv 1 1 0\nv 1 1 1\nf 1 2 3\nf 2 4 3\nf 2 5 3\n"
    )

    with pytest.raises(
        gf.MeshError, match=r"edge \(1, 2\) is shared by faces \[0, 1, 2\]"
    ):
        gf.load_mesh(path)


def test_save_checks_its_arguments(tmp_path):
    mesh = gf.sample_mesh("square_grid", n=1)
    with pytest.raises(gf.GeomflowError, match="needs a gf.TriangleMesh"):
        gf.save_mesh(mesh.vertices, tmp_path / "a.obj")
    with pytest.raises(gf.GeomflowError, match="does not exist; create it"):
        gf.save_mesh(mesh, tmp_path / "missing" / "a.obj")


def test_import_does_not_load_trimesh():
    code = "import sys, geomflow; sys.exit('trimesh' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# ---------------------------------------------------------------------- shared meshes


@pytest.mark.parametrize("name", list(SHARED_GOOD))
def test_shared_mesh_loads_and_satisfies_gauss_bonnet(name):
    path = shared_mesh_path(name)
    n_vertices, n_faces, chi = SHARED_GOOD[name]

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mesh = gf.load_mesh(path)

    assert (mesh.n_vertices, mesh.n_faces, mesh.euler_characteristic) == (
        n_vertices,
        n_faces,
        chi,
    )
    loose = [w for w in caught if issubclass(w.category, gf.GeomflowWarning)]
    assert len(loose) == (1 if name == "hard_bunny_scan.obj" else 0)

    total = gf.EdgeMetric.from_mesh(mesh).angle_defects().sum()
    expected = 2 * np.pi * chi
    assert abs(total - expected) <= 1e-10 * (abs(expected) if chi else n_faces)


def test_bunny_scan_keeps_unreferenced_vertices_in_file_order():
    path = shared_mesh_path("hard_bunny_scan.obj")

    with pytest.warns(gf.GeomflowWarning, match="1113 vertices belong to no face"):
        mesh = gf.load_mesh(path)

    assert mesh.n_vertices == 35947
    assert int(mesh.referenced_vertices.sum()) == 34834
    first = next(line for line in path.open() if line.startswith("v "))
    np.testing.assert_array_equal(
        mesh.vertices[0], [float(x) for x in first.split()[1:]]
    )


@pytest.mark.parametrize("name", SHARED_BAD)
def test_non_manifold_shared_meshes_are_refused(name):
    path = shared_mesh_path(name)

    with pytest.raises(gf.MeshError, match=r"non-manifold.*faces \[\d+(, \d+)+\]"):
        gf.load_mesh(path)
