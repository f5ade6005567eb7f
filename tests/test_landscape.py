"""Critical points, descent paths, basins and saddle manifolds of PL functions."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import shared_mesh_path

import geomflow as gf
from geomflow.landscape import _one_rings


def _smooth_function(mesh: gf.TriangleMesh) -> np.ndarray:
    x, y, z = mesh.vertices.T
    return np.sin(3 * x) + np.cos(2 * y + z) + 0.3 * z


def _distance_to_polyline(points: np.ndarray, line: np.ndarray) -> np.ndarray:
    """``(p,)`` distance from each point to the nearest segment of ``line``."""
    line = np.vstack([line, line[-1:]])  # a single point is a zero-length segment
    a, d = line[:-1], np.diff(line, axis=0)
    t = np.einsum("psd,sd->ps", points[:, None] - a, d)
    t = np.clip(t / np.maximum((d * d).sum(axis=1), 1e-300), 0.0, 1.0)
    nearest = a + t[..., None] * d
    return np.linalg.norm(points[:, None] - nearest, axis=2).min(axis=1)


def _hausdorff(p: np.ndarray, q: np.ndarray) -> float:
    return max(_distance_to_polyline(p, q).max(), _distance_to_polyline(q, p).max())


# ---------------------------------------------------------------------- rings


@pytest.mark.parametrize("name", ["icosphere", "flat_disk", "square_grid"])
def test_one_rings_walk_the_faces_counter_clockwise(name):
    mesh = gf.sample_mesh(name)
    rings = _one_rings(mesh)
    assert np.array_equal(rings.closed, ~mesh.boundary_vertices)
    for v in range(mesh.n_vertices):
        neighbours, faces = rings.ring(v)
        assert len(set(neighbours.tolist())) == len(neighbours)
        for t, f in enumerate(faces):
            if f < 0:
                assert t == len(faces) - 1 and not rings.closed[v]
                continue
            corners = mesh.faces[f].tolist()
            k = corners.index(v)
            expected = [corners[(k + 1) % 3], corners[(k + 2) % 3]]
            assert [neighbours[t], neighbours[(t + 1) % len(neighbours)]] == expected


# ---------------------------------------------------------------------- critical


@pytest.mark.parametrize(
    "name, params",
    [
        ("icosphere", {"level": 2}),
        ("torus", {}),
        ("genus2", {}),
        ("flat_disk", {}),
        ("square_grid", {"n": 6}),
    ],
)
def test_morse_count_equals_euler_characteristic(name, params, rng):
    mesh = gf.sample_mesh(name, **params)
    for _ in range(5):
        points = gf.critical_points(mesh, rng.standard_normal(mesh.n_vertices))
        assert points.morse_count() == mesh.euler_characteristic
        assert points.index.sum() == mesh.euler_characteristic
    smooth = gf.critical_points(mesh, _smooth_function(mesh))
    assert smooth.morse_count() == mesh.euler_characteristic


@pytest.mark.parametrize(
    "file", ["g0_spot.obj", "hg1_bob.obj", "hg2_double_torus.obj", "disk_lego_flat.obj"]
)
def test_morse_count_on_shared_meshes(file, rng):
    mesh = gf.load_mesh(shared_mesh_path(file))
    points = gf.critical_points(mesh, rng.standard_normal(mesh.n_vertices))
    assert points.morse_count() == mesh.euler_characteristic
    height = gf.critical_points(mesh, mesh.vertices[:, 1])
    assert height.morse_count() == mesh.euler_characteristic


def test_constant_function_is_generic_after_perturbation():
    mesh = gf.sample_mesh("icosphere", level=2)
    points = gf.critical_points(mesh, np.zeros(mesh.n_vertices))
    assert points.morse_count() == 2
    # ties go by index: vertex 0 is the lowest of all, the last the highest
    assert 0 in points.minima and mesh.n_vertices - 1 in points.maxima


def test_height_on_the_torus_has_one_two_one():
    mesh = gf.sample_mesh("torus")
    points = gf.critical_points(mesh, mesh.vertices[:, 0])
    assert len(points.minima) == 1 and len(points.maxima) == 1
    assert points.multiplicity.tolist() == [1, 1]
    x = mesh.vertices[points.saddles, 0]
    assert sorted(np.round(x, 12).tolist()) == [-0.6, 0.6]  # inner equator


def test_monkey_saddle_counts_twice():
    mesh = gf.sample_mesh("flat_disk", n_rings=6)
    x, y = mesh.vertices[:, 0], mesh.vertices[:, 1]
    points = gf.critical_points(mesh, x**3 - 3 * x * y**2)  # Re (x + iy)^3
    assert 0 in points.saddles
    assert points.multiplicity[points.saddles.tolist().index(0)] == 2
    assert points.morse_count() == 1


def test_boundary_maximum_is_regular_and_boundary_minimum_counts():
    mesh = gf.sample_mesh("flat_disk")
    points = gf.critical_points(mesh, mesh.vertices[:, 0])
    assert len(points.minima) == 1 and mesh.boundary_vertices[points.minima[0]]
    assert len(points.maxima) == 0 and len(points.saddles) == 0


def test_saddle_of_y2_minus_x2_at_the_origin():
    mesh = gf.sample_mesh("flat_disk")
    assert np.allclose(mesh.vertices[0], 0.0)
    x, y = mesh.vertices[:, 0], mesh.vertices[:, 1]
    points = gf.critical_points(mesh, y**2 - x**2)
    assert points.saddles.tolist() == [0] and points.multiplicity.tolist() == [1]
    assert np.allclose(np.abs(mesh.vertices[points.minima, 0]), 1.0)
    assert points.kind(0) == "saddle" and points.kind(1) == "regular"


def test_critical_points_rejects_wrong_length():
    mesh = gf.sample_mesh("icosphere", level=1)
    with pytest.raises(gf.GeomflowError, match="shape"):
        gf.critical_points(mesh, np.zeros(3))


# ---------------------------------------------------------------------- descent


@pytest.mark.parametrize("name", ["icosphere", "torus", "flat_disk", "genus2"])
def test_descent_falls_strictly_to_a_minimum(name, rng):
    metric = gf.sample_metric(name)
    mesh = metric.mesh
    V = _smooth_function(mesh)
    minima = gf.critical_points(mesh, V).minima
    crossed_faces = 0
    for v in rng.integers(0, mesh.n_vertices, 30):
        path = gf.descent_path(metric, V, int(v))
        assert np.all(np.diff(path.values) < 0)
        assert path.end in minima and np.allclose(
            path.points[-1], mesh.vertices[path.end]
        )
        crossed_faces += np.count_nonzero((path.barycentric > 0).sum(axis=1) == 2)
    for f in rng.integers(0, mesh.n_faces, 30):
        start = (int(f), rng.dirichlet([1.0, 1.0, 1.0]))
        path = gf.descent_path(metric, V, start)
        assert np.all(np.diff(path.values) < 0) and path.end in minima
        up = gf.descent_path(metric, V, start, ascending=True)
        assert np.all(np.diff(up.values) > 0)
    assert crossed_faces > 100  # the paths run across faces, not only along edges


def test_descent_values_and_points_match_the_function():
    metric = gf.sample_metric("icosphere", level=3)
    mesh = metric.mesh
    V = _smooth_function(mesh)
    path = gf.descent_path(metric, V, 17)
    corners = mesh.faces[path.faces]
    assert np.allclose(np.einsum("pk,pk->p", path.barycentric, V[corners]), path.values)
    assert np.allclose(path.barycentric.sum(axis=1), 1.0)
    expected = np.einsum("pk,pkd->pd", path.barycentric, mesh.vertices[corners])
    assert np.allclose(path.points, expected)
    assert path.length() > 0


def test_descent_from_a_minimum_is_a_single_point():
    metric = gf.sample_metric("icosphere", level=2)
    V = metric.mesh.vertices[:, 2]
    bottom = int(np.argmin(V))
    path = gf.descent_path(metric, V, bottom)
    assert len(path) == 1 and path.end == bottom


def test_descent_on_random_functions(rng):
    metric = gf.EdgeMetric.from_mesh(gf.load_mesh(shared_mesh_path("g0_spot.obj")))
    V = rng.standard_normal(metric.mesh.n_vertices)
    minima = gf.critical_points(metric.mesh, V).minima
    for v in rng.integers(0, metric.mesh.n_vertices, 50):
        path = gf.descent_path(metric, V, int(v))
        assert np.all(np.diff(path.values) < 0) and path.end in minima


def test_descent_rejects_bad_starts():
    metric = gf.sample_metric("icosphere", level=1)
    V = metric.mesh.vertices[:, 0]
    with pytest.raises(gf.GeomflowError, match="start"):
        gf.descent_path(metric, V, 10_000)
    with pytest.raises(gf.GeomflowError, match="start"):
        gf.descent_path(metric, V, (0, [1.0, -1.0, 1.0]))
    with pytest.raises(gf.GeomflowError, match="EdgeMetric"):
        gf.descent_path(metric.mesh, V, 0)


def test_descent_stops_after_max_steps():
    metric = gf.sample_metric("icosphere", level=3)
    V = metric.mesh.vertices[:, 2]
    with pytest.raises(gf.FlowError, match="max_steps"):
        gf.descent_path(metric, V, int(np.argmax(V)), max_steps=2)


def _stretched_disk():
    """A disk metric stretched along y by up to 4 where x > 0, unchanged for x < 0."""
    metric = gf.sample_metric("flat_disk", n_rings=16)
    x, y, z = metric.mesh.vertices.T
    scale = 1.0 + 3.0 * np.clip(x / 0.5, 0.0, 1.0)
    moved = metric.mesh.with_vertices(np.stack([x, y * scale, z], axis=1))
    return metric, gf.EdgeMetric.from_mesh(moved)


def test_a_changed_metric_changes_the_paths_only_where_it_changed():
    metric, stretched = _stretched_disk()
    x, y = metric.mesh.vertices[:, 0], metric.mesh.vertices[:, 1]
    V = x + 0.3 * y  # descends towards -x: paths from x < 0 stay there
    h = metric.lengths.mean()

    def moved(v):
        before = gf.descent_path(metric, V, v).points
        return _hausdorff(before, gf.descent_path(stretched, V, v).points)

    near = [moved(v) for v in np.flatnonzero((x > 0.6) & (np.abs(y) < 0.5))]
    far = [moved(v) for v in np.flatnonzero(x < -0.2)]
    assert np.median(near) > 5 * h  # measured: 11 h
    assert max(far) == 0.0


def test_a_conformal_change_moves_the_paths_by_less_than_an_edge():
    # Gradient lines of a smooth function do not depend on a conformal factor
    # (the gradient only changes length); the discrete ones move by O(h).
    metric = gf.sample_metric("flat_disk", n_rings=16)
    x, y = metric.mesh.vertices[:, 0], metric.mesh.vertices[:, 1]
    u = 1.5 * np.exp(-((x - 0.5) ** 2 + y**2) / 0.1)
    rescaled = metric.conformal(u)
    V = x + 0.3 * y
    h = metric.lengths.mean()
    moved = [
        _hausdorff(
            gf.descent_path(metric, V, v).points,
            gf.descent_path(rescaled, V, v).points,
        )
        for v in np.flatnonzero((x > 0.6) & (np.abs(y) < 0.5))
    ]
    assert 0.0 < max(moved) < 0.5 * h  # measured: 0.2 h


# ---------------------------------------------------------------------- basins


@pytest.mark.parametrize("name", ["icosphere", "torus", "flat_disk"])
def test_basins_agree_with_descent_paths(name):
    metric = gf.sample_metric(name)
    mesh = metric.mesh
    V = _smooth_function(mesh)
    labels, face_labels = gf.basins(metric, V, per_face=True)
    minima = gf.critical_points(mesh, V).minima
    assert np.array_equal(labels[minima], minima)
    assert set(labels.tolist()) == set(minima.tolist())
    for v in range(0, mesh.n_vertices, 3):
        assert gf.descent_path(metric, V, v).end == labels[v]
    centre = np.full(3, 1.0 / 3.0)
    for f in range(0, mesh.n_faces, 25):
        assert gf.descent_path(metric, V, (f, centre)).end == face_labels[f]
    agree = (face_labels[:, None] == labels[mesh.faces]).any(axis=1)
    assert agree.mean() > 0.95


def test_torus_height_has_one_basin():
    metric = gf.sample_metric("torus", n_major=30, n_minor=12)
    labels = gf.basins(metric, metric.mesh.vertices[:, 0])
    assert len(np.unique(labels)) == 1


# ---------------------------------------------------------------------- saddles


def test_manifolds_of_y2_minus_x2_follow_the_axes():
    metric = gf.sample_metric("flat_disk")
    x, y = metric.mesh.vertices[:, 0], metric.mesh.vertices[:, 1]
    V = y**2 - x**2
    (saddle,) = gf.saddle_manifolds(metric, V)
    h = metric.lengths.max()
    assert saddle.vertex == 0
    assert len(saddle.descending) == 2 and len(saddle.ascending) == 2
    for path in saddle.descending:  # unstable manifold: V falls along +-x
        assert np.abs(path.points[:, 1]).max() <= h
        assert np.all(np.diff(path.values) < 0)
        assert np.hypot(*path.points[-1, :2]) == pytest.approx(1.0)
    ends = sorted(np.sign(p.points[-1, 0]) for p in saddle.descending)
    assert ends == [-1.0, 1.0]
    for path in saddle.ascending:  # stable manifold: V rises along +-y
        assert np.abs(path.points[:, 0]).max() <= h
        assert np.all(np.diff(path.values) > 0)
    ends = sorted(np.sign(p.points[-1, 1]) for p in saddle.ascending)
    assert ends == [-1.0, 1.0]


def test_monkey_saddle_has_three_descending_paths():
    metric = gf.sample_metric("flat_disk", n_rings=8)
    x, y = metric.mesh.vertices[:, 0], metric.mesh.vertices[:, 1]
    manifolds = gf.saddle_manifolds(metric, x**3 - 3 * x * y**2)
    at_origin = [s for s in manifolds if s.vertex == 0][0]
    assert len(at_origin.descending) == 3 and len(at_origin.ascending) == 3


def test_torus_saddle_manifolds_end_at_extrema():
    metric = gf.sample_metric("torus")
    V = metric.mesh.vertices[:, 0]
    points = gf.critical_points(metric.mesh, V)
    manifolds = gf.saddle_manifolds(metric, V)
    assert [s.vertex for s in manifolds] == points.saddles.tolist()
    for saddle in manifolds:
        assert {p.end for p in saddle.descending} <= set(points.minima.tolist())
        assert {p.end for p in saddle.ascending} <= set(points.maxima.tolist())


# ---------------------------------------------------------------------- experiments


def _experiment(name: str):
    import importlib

    return importlib.import_module(f"experiments.{name}")


def test_saddle_experiment(tmp_path):
    metrics = _experiment("saddle").main(tmp_path, n_rings=6)
    assert metrics["saddles"] == [0] and metrics["morse_count"] == 1
    assert metrics["descending_off_x_axis"] <= 1.0
    assert metrics["ascending_off_y_axis"] <= 1.0
    assert metrics["paths_strictly_falling"]
    assert (tmp_path / "saddle.png").exists() and (tmp_path / "metrics.json").exists()


def test_basins_experiment(tmp_path):
    metrics = _experiment("basins").main(
        tmp_path, level=3, n_major=30, n_minor=12, render=False
    )
    torus, bumpy = metrics["torus_height"], metrics["bumpy_radius"]
    assert (torus["minima"], torus["saddles"], torus["maxima"]) == (1, 2, 1)
    assert torus["basins"] == 1
    assert bumpy["morse_count"] == 2 and bumpy["basins"] == bumpy["minima"] > 1
    total = sum(bumpy["basin_area_fraction"].values())
    assert total == pytest.approx(1.0)
    assert (tmp_path / "metrics.json").exists()
