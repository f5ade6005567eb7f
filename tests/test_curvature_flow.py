"""Discrete conformal curvature flow: the energy, Newton's method, the explicit flow."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.integrate
from conftest import shared_mesh_path

import geomflow as gf
from geomflow.flows.curvature import (
    ConformalEnergy,
    DelaunayConformalEnergy,
    lobachevsky,
)

TOL = 1e-10
MAX_NEWTON = 15


def wavy_disk() -> gf.TriangleMesh:
    """The unit square grid lifted to a bump: a disk that is not flat."""
    mesh = gf.sample_mesh("square_grid", n=12)
    x, y = mesh.vertices[:, 0], mesh.vertices[:, 1]
    z = 0.3 * np.sin(np.pi * x) * np.sin(np.pi * y)
    return mesh.with_vertices(np.column_stack([x, y, z]))


def smooth_field(mesh: gf.TriangleMesh, rng) -> np.ndarray:
    """A smooth random function of the vertex positions (zero at vertex 0)."""
    a, b = rng.normal(size=3), rng.normal(size=3)
    p = mesh.vertices
    u = 0.3 * np.sin(p @ a) + 0.2 * (p @ b) ** 2
    return u - u[0]


def assert_quadratic(errors, C=10.0):
    """e_{k+1} <= C e_k^2 for the steps above the round-off floor."""
    pairs = [(a, b) for a, b in zip(errors[:-1], errors[1:], strict=True) if b > 1e-11]
    tail = [(a, b) for a, b in pairs if a < 0.05]
    assert tail, f"no step in the quadratic regime: errors {errors}"
    for a, b in tail:
        assert b <= C * a * a, f"not quadratic: {a:.3g} -> {b:.3g} in {errors}"


# ---------------------------------------------------------------------- Lobachevsky


def test_lobachevsky_matches_its_integral():
    for x in [1e-3, 0.1, np.pi / 6, 1.0, np.pi / 2 - 0.01, 2.0, 3.1]:
        integral, _ = scipy.integrate.quad(
            lambda t: np.log(abs(2.0 * np.sin(t))), 0.0, x, limit=200
        )
        assert lobachevsky(x) == pytest.approx(-integral, abs=1e-13)


def test_lobachevsky_special_values_and_symmetries():
    catalan = 0.915965594177219015054603514932
    assert lobachevsky(np.pi / 4) == pytest.approx(catalan / 2, abs=1e-15)
    np.testing.assert_allclose(
        lobachevsky(np.array([0.0, np.pi / 2, np.pi])), 0.0, atol=1e-15
    )
    x = np.linspace(0.05, 3.0, 40)
    np.testing.assert_allclose(lobachevsky(-x), -lobachevsky(x), atol=1e-15)
    np.testing.assert_allclose(lobachevsky(x + np.pi), lobachevsky(x), atol=1e-14)
    h = 1e-6
    slope = (lobachevsky(x + h) - lobachevsky(x - h)) / (2 * h)
    np.testing.assert_allclose(slope, -np.log(np.abs(2 * np.sin(x))), atol=1e-8)


# ---------------------------------------------------------------------- energy


@pytest.fixture(scope="module")
def bumpy():
    return gf.sample_metric("bumpy_sphere", level=3)


def test_energy_gradient_and_hessian_match_finite_differences(bumpy, rng):
    mesh = bumpy.mesh
    energy = ConformalEnergy(bumpy, np.full(mesh.n_vertices, 4 * np.pi / 642))
    u = 0.5 * smooth_field(mesh, rng)
    v = rng.normal(size=mesh.n_vertices)
    h = 1e-5

    slope = (energy.value(u + h * v) - energy.value(u - h * v)) / (2 * h)
    assert slope == pytest.approx(energy.gradient(u) @ v, rel=1e-7)

    change = (energy.gradient(u + h * v) - energy.gradient(u - h * v)) / (2 * h)
    H = energy.hessian(u).copy()
    np.testing.assert_allclose(change, H @ v, atol=1e-7 * np.abs(H @ v).max())


def test_energy_hessian_is_the_psd_cotan_laplacian_refilled(bumpy, rng):
    energy = ConformalEnergy(bumpy, bumpy.angle_defects())
    u = 0.3 * smooth_field(bumpy.mesh, rng)
    H = energy.hessian(u)
    L = gf.cotan_laplacian(bumpy.conformal(u))
    np.testing.assert_allclose(H.toarray(), L.toarray(), atol=1e-13)
    assert np.all(H.diagonal() > 0)
    np.testing.assert_allclose(H @ np.ones(H.shape[0]), 0.0, atol=1e-12)
    assert energy.hessian(np.zeros_like(u)) is H  # one matrix, refilled in place


def test_energy_gradient_is_curvature_minus_target(bumpy, rng):
    target = bumpy.angle_defects() + 0.01 * rng.normal(size=bumpy.mesh.n_vertices)
    energy = ConformalEnergy(bumpy, target)
    u = 0.2 * smooth_field(bumpy.mesh, rng)
    expected = bumpy.conformal(u).angle_defects() - target
    np.testing.assert_allclose(energy.gradient(u), expected, atol=1e-14)
    assert energy.value(np.zeros_like(u)) == 0.0


def test_energy_is_convex_along_a_line(bumpy, rng):
    energy = ConformalEnergy(bumpy, bumpy.angle_defects())
    u, v = 0.2 * smooth_field(bumpy.mesh, rng), 0.2 * smooth_field(bumpy.mesh, rng)
    values = np.array([energy.value(u + s * v) for s in np.linspace(-1, 1, 21)])
    assert np.all(np.diff(values, 2) > -1e-12)


# ---------------------------------------------------------------------- Newton


NEWTON_CASES = [
    ("icosphere", {"level": 3}, "uniform"),
    ("ellipsoid", {}, "uniform"),
    ("bumpy_sphere", {}, "uniform"),
    ("ellipsoid", {}, "area"),
    ("torus", {}, "flat"),
    ("genus2", {}, "uniform"),
]


@pytest.mark.parametrize(("name", "params", "target"), NEWTON_CASES)
def test_newton_converges_quadratically_on_samples(name, params, target):
    metric = gf.sample_metric(name, **params)
    result = gf.curvature_flow(metric, target=target, tol=TOL)

    assert result.converged, result.message
    assert result.n_steps <= MAX_NEWTON
    K = result.metric.angle_defects()
    assert np.abs(K - result.target).max() < TOL
    assert result.curvature_error[-1] < TOL
    assert len(result.curvature_error) == result.n_steps + 1
    assert np.all(np.diff(result.energies) <= 1e-9)
    assert_quadratic(result.curvature_error)


@pytest.mark.parametrize(
    ("file", "target"), [("g0_spot.obj", "uniform"), ("hg1_bob.obj", "flat")]
)
def test_newton_converges_on_shared_meshes(file, target):
    mesh = gf.load_mesh(shared_mesh_path(file))
    result = gf.curvature_flow(mesh, target=target, tol=TOL)

    assert result.converged, result.message
    assert result.n_steps <= MAX_NEWTON
    assert np.abs(result.metric.angle_defects() - result.target).max() < TOL
    assert_quadratic(result.curvature_error)


def test_gauss_bonnet_holds_at_every_recorded_step():
    for name, target in [("genus2", "uniform"), ("torus", "flat")]:
        metric = gf.sample_metric(name)
        result = gf.curvature_flow(metric, target=target, record_every=1)
        chi = metric.mesh.euler_characteristic
        assert len(result.frames) == result.n_steps + 1
        for frame in result.frames:
            total = metric.conformal(frame.state).angle_defects().sum()
            assert abs(total - 2 * np.pi * chi) < 1e-10


def test_flat_disk_holds_its_boundary():
    mesh = wavy_disk()
    result = gf.curvature_flow(mesh, target="flat")

    assert result.converged and 0 < result.n_steps <= MAX_NEWTON
    boundary = mesh.boundary_vertices
    np.testing.assert_array_equal(result.state[boundary], 0.0)
    assert np.abs(result.metric.angle_defects()[~boundary]).max() < TOL
    assert_quadratic(result.curvature_error)

    flat = gf.curvature_flow(gf.sample_mesh("flat_disk"), target="flat")
    assert flat.converged and flat.n_steps == 0


def test_regular_icosahedron_is_a_fixed_point():
    mesh = gf.sample_mesh("icosphere", level=0)
    assert mesh.n_vertices == 12
    result = gf.curvature_flow(mesh, target="uniform")

    assert result.converged and result.n_steps == 0
    np.testing.assert_allclose(result.metric.angle_defects(), np.pi / 3, atol=1e-14)
    np.testing.assert_array_equal(result.state, 0.0)


def test_rescaled_metric_returns_to_the_original(bumpy, rng):
    u = smooth_field(bumpy.mesh, rng)
    rescaled = bumpy.conformal(u)
    assert np.abs(rescaled.angle_defects() - bumpy.angle_defects()).max() > 1e-2

    result = gf.curvature_flow(rescaled, target=bumpy.angle_defects())

    assert result.converged and result.n_steps <= MAX_NEWTON
    np.testing.assert_allclose(result.state, -u, atol=1e-9)
    np.testing.assert_allclose(result.metric.lengths, bumpy.lengths, rtol=1e-9)


def test_mesh_and_its_metric_give_the_same_flow():
    mesh = gf.sample_mesh("ellipsoid", level=2)
    a = gf.curvature_flow(mesh)
    b = gf.curvature_flow(gf.EdgeMetric.from_mesh(mesh))
    np.testing.assert_array_equal(a.state, b.state)
    assert isinstance(a.metric, gf.EdgeMetric)


# ---------------------------------------------------------------------- explicit


@pytest.mark.parametrize("dt", [None, 0.02])
def test_explicit_flow_decreases_energy_and_error(dt):
    metric = gf.sample_metric("ellipsoid", level=2)
    result = gf.curvature_flow(metric, method="explicit", dt=dt, max_steps=150)

    assert result.n_rejected == 0
    assert np.all(np.diff(result.energies) <= 1e-12)
    errors = result.curvature_error
    assert np.all(np.diff(errors) <= 1e-15)
    assert errors[-1] < 0.5 * errors[0]
    assert abs(result.state.sum()) < 1e-10  # the mean of u is conserved


def test_explicit_and_newton_agree_up_to_scale():
    metric = gf.sample_metric("icosphere", level=2)
    explicit = gf.curvature_flow(metric, method="explicit", tol=1e-9, max_steps=500)
    newton = gf.curvature_flow(metric)

    assert explicit.converged, explicit.message
    ratio = explicit.metric.lengths / newton.metric.lengths
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-8)


def test_explicit_flow_halves_steps_that_break_triangles():
    metric = gf.sample_metric("ellipsoid", level=2)
    result = gf.curvature_flow(metric, method="explicit", dt=50.0, max_steps=20)

    assert result.n_rejected > 0
    assert np.all(np.diff(result.energies) <= 1e-12)
    assert result.curvature_error[-1] < result.curvature_error[0]


# ---------------------------------------------------------------------- errors


def test_flat_target_on_a_sphere_is_a_topology_error():
    with pytest.raises(gf.TopologyError, match=r"genus 0, 0 boundary loops"):
        gf.curvature_flow(gf.sample_mesh("icosphere", level=1), target="flat")
    with pytest.raises(gf.TopologyError, match=r"genus 2"):
        gf.curvature_flow(gf.sample_mesh("genus2", level=0), target="flat")


def test_target_violating_gauss_bonnet_is_refused():
    mesh = gf.sample_mesh("icosphere", level=1)
    target = np.full(mesh.n_vertices, 4 * np.pi / mesh.n_vertices)
    target[3] += 1e-3
    with pytest.raises(gf.GeomflowError, match=r"off by 0\.001"):
        gf.curvature_flow(mesh, target=target)

    torus = gf.sample_mesh("torus", n_major=12, n_minor=6)
    with pytest.raises(gf.GeomflowError, match="chi = 0"):
        gf.curvature_flow(torus, target=np.full(torus.n_vertices, 1e-6))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"target": "round"}, "unknown target"),
        ({"method": "implicit"}, "unknown method"),
        ({"dt": 0.1}, "dt is for method='explicit'"),
        ({"method": "explicit", "dt": -1.0}, "dt must be a positive"),
        ({"max_steps": -1}, "max_steps"),
        ({"target": np.zeros(5)}, "shape"),
    ],
)
def test_bad_arguments_raise(options, message):
    with pytest.raises(gf.GeomflowError, match=message):
        gf.curvature_flow(gf.sample_mesh("icosphere", level=1), **options)


def test_newton_flattens_the_face_disk_with_slivers():
    """A scanned face with four faces under 1 degree: flips keep Newton quadratic."""
    mesh = gf.load_mesh(shared_mesh_path("disk_face.obj"))
    result = gf.curvature_flow(mesh, target="flat", tol=TOL, record_every=1)

    assert result.converged, result.message
    assert result.n_steps <= MAX_NEWTON
    assert result.curvature_error[-1] < TOL
    assert np.all(np.diff(result.energies) <= 1e-9)
    assert_quadratic(result.curvature_error)
    np.testing.assert_array_equal(result.state[mesh.boundary_vertices], 0.0)

    # The flow's own Delaunay metric at every recorded u (the input
    # triangulation may not hold the intermediate metrics).
    energy = DelaunayConformalEnergy(gf.EdgeMetric.from_mesh(mesh), result.target)
    assert len(result.frames) == result.n_steps + 1
    for frame in result.frames:
        total = energy.curvature(frame.state).sum()
        assert abs(total - 2 * np.pi * mesh.euler_characteristic) < 1e-10
