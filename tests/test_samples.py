"""Sample meshes: topology, orientation, Gauss-Bonnet, exact spectra, files."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg as sla
from scipy.spatial import cKDTree

import geomflow as gf

MESHES = Path(__file__).resolve().parents[1] / "meshes"

#: name -> (V, F, chi, genus, boundary loops) at default parameters.
EXPECTED = {
    "icosphere": (642, 1280, 2, 0, 0),
    "uv_sphere": (482, 960, 2, 0, 0),
    "ellipsoid": (642, 1280, 2, 0, 0),
    "torus": (1000, 2000, 0, 1, 0),
    "flat_torus": (256, 512, 0, 1, 0),
    "flat_disk": (469, 864, 1, 0, 1),
    "square_grid": (289, 512, 1, 0, 1),
    "bumpy_sphere": (2562, 5120, 2, 0, 0),
    "genus2": (798, 1600, -2, 2, 0),
}

#: A few non-default parameter sets, to check the generators beyond defaults.
VARIANTS = [
    ("icosphere", {"frequency": 5, "radius": 2.5}),
    ("uv_sphere", {"n_lat": 3, "n_lon": 5}),
    ("ellipsoid", {"axes": (2.0, 1.0, 0.5), "level": 2}),
    ("torus", {"major_radius": 2.0, "minor_radius": 1.5, "n_major": 7, "n_minor": 5}),
    ("flat_torus", {"n": 3, "width": 2.0, "height": 0.5}),
    ("flat_disk", {"n_rings": 1}),
    ("square_grid", {"n": 1}),
    ("bumpy_sphere", {"level": 2, "amplitude": 0.9, "seed": 7}),
    ("genus2", {"level": 0}),
]


def _signed_volume(mesh) -> float:
    v, f = mesh.vertices, mesh.faces
    return (
        float(np.einsum("ij,ij->i", v[f[:, 0]], np.cross(v[f[:, 1]], v[f[:, 2]])).sum())
        / 6
    )


def _face_normals(mesh) -> np.ndarray:
    v, f = mesh.vertices, mesh.faces
    return np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])


def _check_gauss_bonnet(metric) -> None:
    """Angle defects sum to 2 pi chi: 1e-10 relative, or 1e-10 * F when chi = 0."""
    mesh = metric.mesh
    total = metric.angle_defects().sum()
    expected = 2 * np.pi * mesh.euler_characteristic
    tolerance = 1e-10 * (abs(expected) if expected else mesh.n_faces)
    assert abs(total - expected) <= tolerance


# ---------------------------------------------------------------------- registry


def test_registry_lists_every_sample_with_a_one_line_description():
    samples = gf.list_sample_meshes()

    assert list(samples) == list(EXPECTED)
    for name, text in samples.items():
        assert isinstance(text, str) and 20 < len(text) < 200, name
        assert "\n" not in text


@pytest.mark.parametrize("name", list(EXPECTED))
def test_sample_topology(name):
    mesh = gf.sample_mesh(name)
    n_vertices, n_faces, chi, genus, loops = EXPECTED[name]

    assert (mesh.n_vertices, mesh.n_faces) == (n_vertices, n_faces)
    assert mesh.euler_characteristic == chi
    assert mesh.genus == genus
    assert len(mesh.boundary_loops) == loops
    assert mesh.is_closed == (loops == 0)
    assert mesh.n_components == 1
    assert mesh.referenced_vertices.all()


@pytest.mark.parametrize("name", list(EXPECTED))
def test_samples_are_deterministic_and_read_only(name):
    first, second = gf.sample_mesh(name), gf.sample_mesh(name)

    np.testing.assert_array_equal(first.vertices, second.vertices)
    np.testing.assert_array_equal(first.faces, second.faces)
    assert not first.vertices.flags.writeable


@pytest.mark.parametrize(
    "name", ["icosphere", "uv_sphere", "ellipsoid", "bumpy_sphere"]
)
def test_star_shaped_samples_face_outward(name):
    mesh = gf.sample_mesh(name)
    centroids = mesh.vertices[mesh.faces].mean(axis=1)

    outward = np.einsum("ij,ij->i", _face_normals(mesh), centroids)
    assert (outward > 0).all()
    assert _signed_volume(mesh) > 0


@pytest.mark.parametrize("name", ["torus", "flat_torus"])
def test_tori_face_away_from_the_tube_axis(name):
    mesh = gf.sample_mesh(name)
    centroids = mesh.vertices[mesh.faces].mean(axis=1)
    major = 1.0  # the default major radius of both embeddings
    on_axis = centroids * [1, 1, 0]
    on_axis *= major / np.linalg.norm(on_axis, axis=1, keepdims=True)

    away = np.einsum("ij,ij->i", _face_normals(mesh), centroids - on_axis)
    assert (away > 0).all()
    assert _signed_volume(mesh) > 0


@pytest.mark.parametrize("name", ["flat_disk", "square_grid"])
def test_planar_samples_face_up(name):
    mesh = gf.sample_mesh(name)

    assert (mesh.vertices[:, 2] == 0).all()
    assert (_face_normals(mesh)[:, 2] > 0).all()


def _max_dihedral_degrees(mesh) -> float:
    normals = _face_normals(mesh)
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    pairs = mesh.edge_faces[mesh.edge_faces[:, 1] >= 0]
    cosines = np.einsum("ij,ij->i", normals[pairs[:, 0]], normals[pairs[:, 1]])
    return float(np.degrees(np.arccos(np.clip(cosines, -1, 1))).max())


def test_genus2_is_closed_outward_and_round():
    mesh = gf.sample_mesh("genus2")
    tm = mesh.to_trimesh()

    assert tm.is_watertight and tm.is_winding_consistent
    assert _signed_volume(mesh) > 0
    np.testing.assert_allclose(_signed_volume(mesh), tm.volume, rtol=1e-12)
    # The cubes' 90° creases are smoothed away by the Loop subdivisions.
    creases = [
        _max_dihedral_degrees(gf.sample_mesh("genus2", level=k)) for k in range(3)
    ]
    np.testing.assert_allclose(creases[0], 90.0, rtol=1e-12)
    assert creases[2] < creases[1] < 60.0 and creases[2] < 45.0


@pytest.mark.parametrize(("name", "params"), VARIANTS)
def test_variants_build_with_the_same_topology(name, params):
    mesh = gf.sample_mesh(name, **params)
    _, _, chi, genus, loops = EXPECTED[name]

    assert mesh.euler_characteristic == chi
    assert mesh.genus == genus
    assert len(mesh.boundary_loops) == loops
    if loops == 0:
        assert _signed_volume(mesh) > 0


# ---------------------------------------------------------------------- spheres


@pytest.mark.parametrize("frequency", [1, 2, 3, 5, 7])
def test_icosphere_frequency_counts(frequency):
    mesh = gf.sample_mesh("icosphere", frequency=frequency, radius=2.0)

    assert mesh.n_faces == 20 * frequency**2
    assert mesh.n_vertices == 10 * frequency**2 + 2
    assert mesh.euler_characteristic == 2
    np.testing.assert_allclose(np.linalg.norm(mesh.vertices, axis=1), 2.0, rtol=1e-14)


@pytest.mark.parametrize("level", [0, 1, 2, 3])
def test_icosphere_frequency_power_of_two_is_the_level(level):
    by_level = gf.sample_mesh("icosphere", level=level)
    by_frequency = gf.sample_mesh("icosphere", frequency=2**level)

    np.testing.assert_array_equal(by_level.vertices, by_frequency.vertices)
    np.testing.assert_array_equal(by_level.faces, by_frequency.faces)


def _naive_icosphere(level: int) -> tuple[np.ndarray, np.ndarray]:
    """Reference: split every flat face 4-to-1, ``level`` times, then project."""
    base = gf.sample_mesh("icosphere", level=0)
    points = [tuple(p) for p in base.vertices]
    faces = [tuple(f) for f in base.faces.tolist()]
    for _ in range(level):
        midpoint = {}

        def middle(a, b, midpoint=midpoint):
            key = (min(a, b), max(a, b))
            if key not in midpoint:
                midpoint[key] = len(points)
                points.append(tuple((np.array(points[a]) + points[b]) / 2))
            return midpoint[key]

        refined = []
        for a, b, c in faces:
            ab, bc, ca = middle(a, b), middle(b, c), middle(c, a)
            refined += [(a, ab, ca), (b, bc, ab), (c, ca, bc), (ab, bc, ca)]
        faces = refined
    points = np.array(points)
    return points / np.linalg.norm(points, axis=1, keepdims=True), np.array(faces)


def _canonical_faces(faces: np.ndarray) -> np.ndarray:
    """Rotate each face to start at its smallest index (keeps orientation), sort."""
    start = np.argmin(faces, axis=1)
    rolled = np.stack([faces[np.arange(len(faces)), (start + k) % 3] for k in range(3)])
    return np.unique(rolled.T, axis=0)


@pytest.mark.parametrize("level", [1, 2, 3])
def test_icosphere_matches_naive_recursive_subdivision(level):
    mesh = gf.sample_mesh("icosphere", level=level)
    points, faces = _naive_icosphere(level)

    distance, match = cKDTree(mesh.vertices).query(points)
    assert distance.max() < 1e-12
    assert len(np.unique(match)) == mesh.n_vertices == len(points)
    np.testing.assert_array_equal(
        _canonical_faces(match[faces]), _canonical_faces(mesh.faces)
    )


@pytest.mark.slow
def test_icosphere_of_a_million_faces():
    mesh = gf.sample_mesh("icosphere", frequency=224)

    assert mesh.n_faces == 1_003_520
    assert mesh.euler_characteristic == 2
    assert _signed_volume(mesh) > 0


def test_bumpy_sphere_radius_stays_within_the_amplitude():
    amplitude = 0.3
    mesh = gf.sample_mesh("bumpy_sphere", level=3, amplitude=amplitude, seed=3)
    radius = np.linalg.norm(mesh.vertices, axis=1)

    assert radius.min() >= 1 - amplitude and radius.max() <= 1 + amplitude
    assert radius.max() - radius.min() > 0.05  # the bumps are really there
    other = gf.sample_mesh("bumpy_sphere", level=3, amplitude=amplitude, seed=4)
    assert np.abs(other.vertices - mesh.vertices).max() > 1e-3


def test_bumpy_sphere_is_the_same_function_at_every_level():
    coarse = gf.sample_mesh("bumpy_sphere", level=2)
    fine = gf.sample_mesh("bumpy_sphere", level=4)
    distance, _ = cKDTree(fine.vertices).query(coarse.vertices)

    # Coarse vertices are fine vertices too, moved by the same radial factor.
    assert distance.max() < 1e-12


def test_bumpy_sphere_has_curvature_of_both_signs():
    defects = gf.sample_metric("bumpy_sphere").angle_defects()

    assert (defects < -1e-4).any() and (defects > 1e-4).any()


# ---------------------------------------------------------------------- tori


def _link_sign_changes(mesh, height: np.ndarray, vertex: int) -> int:
    """Sign changes of ``height - height[vertex]`` around the vertex's link."""
    faces = mesh.faces[(mesh.faces == vertex).any(axis=1)]
    following = {}
    for face in faces.tolist():
        k = face.index(vertex)
        following[face[(k + 1) % 3]] = face[(k + 2) % 3]
    start = next(iter(following))
    cycle, v = [start], following[start]
    while v != start:
        cycle.append(v)
        v = following[v]
    signs = np.sign(height[cycle] - height[vertex])
    assert (signs != 0).all()
    return int((signs != np.roll(signs, 1)).sum())


def test_torus_height_x_has_one_min_two_saddles_one_max():
    mesh = gf.sample_mesh("torus")
    height = mesh.vertices[:, 0]

    changes = np.array(
        [_link_sign_changes(mesh, height, v) for v in range(mesh.n_vertices)]
    )
    assert (changes == 0).sum() == 2  # the minimum and the maximum
    assert (changes == 4).sum() == 2  # two simple saddles
    assert set(np.unique(changes)) == {0, 2, 4}
    extrema = np.flatnonzero(changes == 0)
    assert set(extrema) == {int(np.argmin(height)), int(np.argmax(height))}


def test_flat_torus_metric_lengths():
    n, width, height = 6, 1.5, 0.75
    metric = gf.sample_metric("flat_torus", n=n, width=width, height=height)
    hx, hy = width / n, height / n

    values, counts = np.unique(metric.lengths, return_counts=True)
    np.testing.assert_allclose(values, sorted([hx, hy, np.hypot(hx, hy)]), rtol=1e-15)
    np.testing.assert_array_equal(counts, [n * n] * 3)
    assert metric.mesh.n_edges == 3 * n * n
    np.testing.assert_allclose(metric.total_area(), width * height, rtol=1e-13)
    np.testing.assert_allclose(metric.angle_defects(), 0.0, atol=1e-13)


@pytest.mark.parametrize(
    ("n", "width", "height"), [(8, 1.0, 1.0), (16, 1.0, 1.0), (8, 2.0, 1.0)]
)
def test_flat_torus_spectrum_is_the_five_point_stencil(n, width, height):
    metric = gf.sample_metric("flat_torus", n=n, width=width, height=height)
    stiffness = gf.cotan_laplacian(metric).toarray()
    mass = gf.mass_matrix(metric, "lumped").toarray()

    computed = sla.eigh(stiffness, mass, eigvals_only=True)

    a, b = np.meshgrid(np.arange(n), np.arange(n))
    hx, hy = width / n, height / n
    expected = (4 / hx**2) * np.sin(np.pi * a / n) ** 2 + (4 / hy**2) * np.sin(
        np.pi * b / n
    ) ** 2
    np.testing.assert_allclose(computed, np.sort(expected.ravel()), rtol=0, atol=1e-10)


def test_flat_torus_spectrum_known_values():
    metric = gf.sample_metric("flat_torus", n=16)
    stiffness = gf.cotan_laplacian(metric).toarray()
    mass = gf.mass_matrix(metric, "lumped").toarray()

    computed = sla.eigh(stiffness, mass, eigvals_only=True)

    np.testing.assert_allclose(computed[1:5], 38.973679, atol=1e-6)
    np.testing.assert_allclose(computed[5:9], 77.947359, atol=1e-6)


@pytest.mark.parametrize("name", [n for n in EXPECTED if n != "flat_torus"])
def test_sample_metric_is_the_embedding(name):
    metric = gf.sample_metric(name)
    mesh = metric.mesh
    edges = mesh.vertices[mesh.edges[:, 1]] - mesh.vertices[mesh.edges[:, 0]]

    np.testing.assert_allclose(metric.lengths, np.linalg.norm(edges, axis=1), rtol=0)


# ---------------------------------------------------------------------- Gauss-Bonnet


@pytest.mark.parametrize("name", list(EXPECTED))
def test_gauss_bonnet_on_samples(name):
    _check_gauss_bonnet(gf.sample_metric(name))


@pytest.mark.parametrize(("name", "params"), VARIANTS)
def test_gauss_bonnet_on_variants(name, params):
    _check_gauss_bonnet(gf.sample_metric(name, **params))


def test_planar_samples_have_zero_interior_curvature():
    for name in ("flat_disk", "square_grid"):
        metric = gf.sample_metric(name)
        interior = ~metric.mesh.boundary_vertices
        np.testing.assert_allclose(metric.angle_defects()[interior], 0.0, atol=1e-12)


# ---------------------------------------------------------------------- errors


def test_unknown_sample_lists_the_choices():
    with pytest.raises(gf.GeomflowError, match="icosphere.*genus2"):
        gf.sample_mesh("dodecahedron")
    with pytest.raises(gf.GeomflowError, match="unknown sample"):
        gf.sample_metric("dodecahedron")


def test_unknown_parameter_lists_the_parameters():
    with pytest.raises(gf.GeomflowError, match="n_major=50.*n_minor=20"):
        gf.sample_mesh("torus", n_ring=12)


@pytest.mark.parametrize(
    ("name", "params", "pattern"),
    [
        ("icosphere", {"level": -1}, "level must be an integer from 0"),
        ("icosphere", {"level": 2.0}, "level must be an integer"),
        ("icosphere", {"level": True}, "level must be an integer"),
        ("icosphere", {"level": 2, "frequency": 4}, "either level or frequency"),
        ("icosphere", {"frequency": 0}, "frequency must be an integer from 1"),
        ("icosphere", {"radius": -1.0}, "radius must be a positive number"),
        ("uv_sphere", {"n_lat": 1}, "n_lat"),
        ("ellipsoid", {"axes": (1.0, 2.0)}, "three semi-axis"),
        ("ellipsoid", {"axes": (1.0, 0.0, 1.0)}, r"axes\[1\]"),
        ("torus", {"minor_radius": 1.0}, "minor_radius.*below 1.0"),
        ("flat_torus", {"n": 2}, "n must be an integer from 3"),
        ("flat_torus", {"width": float("nan")}, "width"),
        ("bumpy_sphere", {"amplitude": 1.0}, "amplitude.*below 1.0"),
        ("bumpy_sphere", {"seed": -3}, "seed"),
        ("genus2", {"level": 9}, "level must be an integer from 0 to 6"),
    ],
)
def test_bad_parameters_raise(name, params, pattern):
    with pytest.raises(gf.GeomflowError, match=pattern):
        gf.sample_mesh(name, **params)


# ---------------------------------------------------------------------- files


def _make_samples_module():
    spec = importlib.util.spec_from_file_location(
        "make_samples", MESHES / "make_samples.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MAKE_SAMPLES = _make_samples_module()


@pytest.mark.parametrize(
    ("stem", "name", "params"),
    MAKE_SAMPLES.FILES,
    ids=[f[0] for f in MAKE_SAMPLES.FILES],
)
def test_committed_file_equals_the_generator(stem, name, params):
    stored = gf.load_mesh(MESHES / f"{stem}.obj")
    fresh = gf.sample_mesh(name, **params)

    np.testing.assert_array_equal(stored.faces, fresh.faces)
    np.testing.assert_allclose(stored.vertices, fresh.vertices, rtol=0, atol=1e-12)


def test_committed_flat_torus_lengths_equal_the_metric():
    stored = np.loadtxt(MESHES / MAKE_SAMPLES.LENGTHS_FILE)
    mesh = gf.load_mesh(MESHES / "flat_torus.obj")

    np.testing.assert_allclose(
        stored, gf.sample_metric("flat_torus").lengths, atol=1e-12
    )
    _check_gauss_bonnet(gf.EdgeMetric(mesh, stored))


def test_make_samples_writes_every_file(tmp_path):
    written = MAKE_SAMPLES.write_all(tmp_path)

    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(p.name for p in written)
    assert len(names) == len(MAKE_SAMPLES.FILES) + 2
    readme = (tmp_path / "README.md").read_text()
    assert "| `genus2.obj` |" in readme and "| -2 | 2 | 0 |" in readme
    assert readme == (MESHES / "README.md").read_text()
