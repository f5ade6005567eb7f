"""The gradient-flow engine, heat flow and the phase-field flows."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
import scipy.sparse.linalg as sla

import geomflow as gf


@pytest.fixture(scope="module")
def sphere():
    return gf.sample_metric("bumpy_sphere", level=3)


def smallest_and_largest(metric):
    L, M = gf.cotan_laplacian(metric), gf.mass_matrix(metric)
    small = sla.eigsh(L.tocsc(), k=2, M=M.tocsc(), sigma=-1e-3, which="LM")[0]
    large = sla.eigsh(L.tocsc(), k=1, M=M.tocsc(), which="LM")[0]
    return np.sort(small)[1], large[0]


def test_energy_derivatives_match_finite_differences(sphere, rng):
    n = sphere.mesh.n_vertices
    V = rng.normal(size=n)
    energies = [
        gf.DirichletEnergy(sphere),
        gf.GinzburgLandauEnergy(sphere, epsilon=0.1),
        gf.DirichletEnergy(sphere) + gf.PotentialEnergy(sphere, V),
    ]
    u, v = rng.normal(size=n), rng.normal(size=n)
    h = 1e-6
    for energy in energies:
        slope = (energy.value(u + h * v) - energy.value(u - h * v)) / (2 * h)
        assert slope == pytest.approx(energy.gradient(u) @ v, rel=1e-6)
        curvature = (energy.gradient(u + h * v) - energy.gradient(u - h * v)) / (2 * h)
        np.testing.assert_allclose(
            curvature,
            energy.hessian(u) @ v,
            rtol=1e-5,
            atol=1e-6 * np.abs(curvature).max(),
        )


def test_heat_flow_conserves_heat_and_lowers_energy(sphere, rng):
    u0 = rng.normal(size=sphere.mesh.n_vertices)
    result = gf.heat_flow(sphere, u0, dt=1e-2, t_end=10.0)
    M = gf.mass_matrix(sphere)
    heat0, heat = (M @ u0).sum(), M @ result.state
    assert result.reason == "t_end" and result.n_steps == 1000
    assert abs(heat.sum() - heat0) <= 1e-12 * np.abs(M @ u0).sum()
    assert np.all(np.diff(result.energies) <= 1e-14 * result.energies[0])
    mean = heat0 / sphere.total_area()
    assert np.abs(result.state - mean).max() < 1e-6 * np.abs(u0 - mean).max()


def test_heat_flow_decays_at_the_first_eigenvalue(rng):
    """Late in the flow only the slowest mode is left: E ~ exp(-2 lambda_1 t).

    An ellipsoid keeps lambda_1 apart from lambda_2, so that the slowest mode
    wins within the run."""
    metric = gf.sample_metric("ellipsoid")
    lambda_1, _ = smallest_and_largest(metric)
    dt = 2e-3
    u0 = rng.normal(size=metric.mesh.n_vertices)
    u0 -= gf.vertex_areas(metric) @ u0 / metric.total_area()  # keeps E accurate
    energies = gf.heat_flow(metric, u0, dt=dt, t_end=7.0).energies
    measured = -np.log(energies[-1] / energies[-2]) / (2 * dt)
    backward_euler = np.log(1 + dt * lambda_1) / dt  # per step factor 1/(1+dt l)
    assert measured == pytest.approx(backward_euler, rel=1e-3)
    assert measured == pytest.approx(lambda_1, rel=1e-2)


def test_heat_flow_with_fixed_boundary_reaches_the_harmonic_extension():
    metric = gf.sample_metric("flat_disk")
    mesh = metric.mesh
    boundary = mesh.boundary_vertices
    x, y = mesh.vertices[:, 0], mesh.vertices[:, 1]
    u0 = np.where(boundary, x * x - y * y + x, 0.0)
    result = gf.heat_flow(metric, u0, dt=0.1, tol=1e-10, max_steps=2000, fixed=boundary)
    assert result.converged
    np.testing.assert_array_equal(result.state[boundary], u0[boundary])
    L = gf.cotan_laplacian(metric)
    free = ~boundary
    direct = sla.spsolve(L[free][:, free].tocsc(), -L[free][:, boundary] @ u0[boundary])
    np.testing.assert_allclose(result.state[free], direct, atol=1e-9)
    # x^2 - y^2 + x is harmonic: the discrete solution is close to it
    assert np.abs(result.state - (x * x - y * y + x)).max() < 2e-2


@pytest.mark.parametrize("factor, reason", [(0.95, "max_steps"), (1.05, "diverged")])
def test_explicit_euler_stability_limit(sphere, rng, factor, reason):
    _, lambda_max = smallest_and_largest(sphere)
    u0 = rng.normal(size=sphere.mesh.n_vertices)
    result = gf.heat_flow(
        sphere, u0, dt=factor * 2 / lambda_max, max_steps=3000, scheme="explicit"
    )
    assert result.reason == reason
    assert np.all(np.isfinite(result.state))
    if reason == "diverged":
        assert "raised the energy" in result.message
    else:
        assert np.all(np.diff(result.energies) <= 1e-14 * result.energies[0])


def test_adaptive_steps_recover_from_a_too_large_step(sphere, rng):
    _, lambda_max = smallest_and_largest(sphere)
    result = gf.gradient_flow(
        gf.DirichletEnergy(sphere),
        rng.normal(size=sphere.mesh.n_vertices),
        scheme="explicit",
        dt=1.5 * 2 / lambda_max,
        max_steps=500,
        adaptive=True,
    )
    assert result.reason == "max_steps" and result.n_rejected > 0
    assert np.all(np.diff(result.energies) <= 1e-12 * result.energies[0])


def test_non_finite_state_is_an_error_naming_the_step(sphere):
    count = {"steps": 0}

    def poison(x):
        count["steps"] += 1
        return x * np.nan if count["steps"] == 3 else x

    with pytest.raises(gf.FlowError, match="step 3"):
        gf.gradient_flow(
            gf.DirichletEnergy(sphere),
            sphere.mesh.vertices[:, 0],
            dt=0.1,
            max_steps=10,
            post_step=poison,
        )


def test_newton_solves_a_convex_quadratic_in_one_step(rng):
    n = 40
    R = sp.random(n, n, density=0.2, random_state=1)
    A = (R @ R.T + sp.identity(n)).tocsr()
    b = rng.normal(size=n)
    result = gf.gradient_flow(
        gf.QuadraticEnergy(A, b), np.zeros(n), scheme="newton", tol=1e-10, max_steps=5
    )
    assert result.converged and result.n_steps == 1
    np.testing.assert_allclose(A @ result.state, b, atol=1e-12)


def test_newton_converges_quadratically_on_ginzburg_landau(sphere):
    energy = gf.GinzburgLandauEnergy(sphere, epsilon=0.2)
    x = sphere.mesh.vertices
    u0 = 1.0 + 0.3 * np.sin(2 * x[:, 0]) * x[:, 1]
    result = gf.gradient_flow(energy, u0, scheme="newton", tol=1e-13, max_steps=20)
    assert result.converged
    np.testing.assert_allclose(result.state, 1.0, atol=1e-12)
    r = result.residuals
    ratios = r[2:-1] / r[1:-2] ** 2
    assert len(ratios) >= 2 and np.all(ratios < 10 * ratios[0] + 1)
    assert np.all(r[2:-1] < r[1:-2] ** 1.8)  # each step roughly squares the residual


def explicit_limit(energy, metric, u):
    M = gf.mass_matrix(metric)
    return 2 / sla.eigsh(energy.hessian(u).tocsc(), k=1, M=M.tocsc(), which="LM")[0][0]


def test_allen_cahn_and_cahn_hilliard(sphere, rng):
    """Same energy, same start, two metrics: only H^-1 conserves mass; both are
    energy stable at a step far above the explicit limit."""
    u0 = 0.1 * rng.normal(size=sphere.mesh.n_vertices) + 0.2
    epsilon = 0.1
    energy = gf.GinzburgLandauEnergy(sphere, epsilon)
    dt = 100 * explicit_limit(energy, sphere, u0)
    M = gf.mass_matrix(sphere)
    mass0 = (M @ u0).sum()
    ac = gf.allen_cahn(sphere, u0, epsilon=epsilon, dt=dt, max_steps=30)
    ch = gf.cahn_hilliard(sphere, u0, epsilon=epsilon, dt=dt, max_steps=30)
    for result in (ac, ch):
        assert result.reason == "max_steps"
        assert np.all(np.diff(result.energies) <= 1e-12 * result.energies[0])
        assert result.energies[-1] < 0.5 * result.energies[0]
    assert abs((M @ ch.state).sum() - mass0) <= 1e-10 * abs(mass0)
    assert abs((M @ ac.state).sum() - mass0) > 1e-2 * abs(mass0)


@pytest.mark.parametrize("name", ["euclidean", "l2", "h1", "h-1"])
def test_every_inner_product_lowers_the_dirichlet_energy(sphere, rng, name):
    u0 = rng.normal(size=sphere.mesh.n_vertices)
    result = gf.gradient_flow(
        gf.DirichletEnergy(sphere), u0, inner_product=name, dt=1e-2, max_steps=20
    )
    assert np.all(np.diff(result.energies) < 0)


def test_h_minus_1_velocity_has_zero_mean(sphere, rng):
    ip = gf.make_inner_product("h-1", sphere)
    velocity = ip.riesz(None, rng.normal(size=sphere.mesh.n_vertices))
    areas = gf.vertex_areas(sphere)
    assert abs(areas @ velocity) <= 1e-12 * np.abs(areas * velocity).sum()


def test_frames_are_recorded(sphere, rng):
    u0 = rng.normal(size=sphere.mesh.n_vertices)
    result = gf.heat_flow(sphere, u0, dt=1e-2, max_steps=25, record_every=10)
    assert [f.step for f in result.frames] == [0, 10, 20, 25]
    np.testing.assert_array_equal(result.frames[0].state, u0)
    np.testing.assert_array_equal(result.frames[-1].state, result.state)
    assert result.frame_states.shape == (4, sphere.mesh.n_vertices)


def test_bad_arguments_are_refused(sphere):
    energy = gf.DirichletEnergy(sphere)
    x0 = np.zeros(sphere.mesh.n_vertices)
    with pytest.raises(gf.GeomflowError, match="scheme"):
        gf.gradient_flow(energy, x0, scheme="rk4", dt=0.1, max_steps=1)
    with pytest.raises(gf.GeomflowError, match="dt"):
        gf.gradient_flow(energy, x0, dt=-1.0, max_steps=1)
    with pytest.raises(gf.GeomflowError, match="t_end, max_steps or tol"):
        gf.gradient_flow(energy, x0, dt=0.1)
    with pytest.raises(gf.GeomflowError, match="Hessian"):
        gf.gradient_flow(energy, x0, scheme="newton", inner_product="l2", max_steps=1)
    with pytest.raises(gf.GeomflowError, match="inner product"):
        gf.gradient_flow(energy, x0, inner_product="sobolev", dt=0.1, max_steps=1)


@pytest.fixture
def count(monkeypatch):
    """``count["factorizations"]``: how many the flow engine makes."""
    from geomflow.flows import engine

    count = {"factorizations": 0}
    original = engine.Factorization

    def counting(matrix, **options):
        count["factorizations"] += 1
        return original(matrix, **options)

    monkeypatch.setattr(engine, "Factorization", counting)
    return count


def test_stop_when_ends_newton_without_a_new_factorization(sphere, count):
    """A state passing stop_when is converged; its residual comes from the
    Hessian factorized one step back, so no factorization is spent on it."""
    energy = gf.GinzburgLandauEnergy(sphere, epsilon=0.2)
    x = sphere.mesh.vertices
    u0 = 1.0 + 0.3 * np.sin(2 * x[:, 0]) * x[:, 1]
    flow = gf.GradientFlow(
        energy,
        gf.HessianInnerProduct(energy, len(u0)),
        scheme="newton",
        fixed=np.array([0]),
        stop_when=lambda u, g: np.abs(g[1:]).max() < 1e-11,
    )
    result = flow.run(u0, max_steps=20)
    assert result.converged and np.abs(energy.gradient(result.state)[1:]).max() < 1e-11
    assert count["factorizations"] == result.n_steps  # none for the final state
    assert np.all(np.isfinite(result.residuals)) and result.residuals[-1] < 1e-9


@pytest.mark.parametrize("inner_product", ["l2", "h-1"])
def test_convex_concave_keeps_its_jacobian_and_solves_every_step(
    sphere, count, inner_product
):
    """At a fixed dt the chord Jacobian carries over from step to step, and
    every step still solves its implicit equation to round-off."""
    energy = gf.GinzburgLandauEnergy(sphere, epsilon=0.1)
    x = sphere.mesh.vertices
    u0 = 0.2 * np.sin(4 * x[:, 0]) * np.cos(3 * x[:, 1])
    dt = 1e-3 if inner_product == "l2" else 1e-5
    result = gf.gradient_flow(
        energy,
        u0,
        inner_product=inner_product,
        scheme="convex_concave",
        dt=dt,
        max_steps=30,
        record_every=1,
    )
    assert result.n_steps == 30 and count["factorizations"] <= 3

    A, B = gf.make_inner_product(inner_product, sphere).operators()
    convex, concave = energy.split()
    for before, after in zip(result.frames[:-1], result.frames[1:], strict=True):
        y, u = after.state, before.state
        step = A @ (y - u) + dt * (
            (convex.gradient(y) + concave.gradient(u))
            if B is None
            else B @ (convex.gradient(y) + concave.gradient(u))
        )
        assert np.abs(step).max() < 1e-11 * np.abs(A @ y).max()
