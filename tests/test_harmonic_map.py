"""Harmonic maps to the sphere and the disk, and the map quality measures."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest
from conftest import shared_mesh_path

import geomflow as gf
from geomflow import map_quality as mq
from geomflow.flows.harmonic_map import _centre_gauge, _mobius, _tension


def centre_of_mass(mesh, f):
    areas = gf.vertex_areas(gf.EdgeMetric.from_mesh(mesh))
    return np.linalg.norm(areas @ f) / areas.sum()


def assert_monotone(energies):
    rises = np.diff(energies)
    assert rises.max() <= 1e-12 * np.abs(energies).max(), rises.max()


# ---------------------------------------------------------------------- sphere


@pytest.fixture(scope="module")
def bumpy():
    mesh = gf.sample_mesh("bumpy_sphere")
    start = time.perf_counter()
    result = gf.harmonic_map_to_sphere(mesh)
    return mesh, result, time.perf_counter() - start


@pytest.mark.parametrize("name", ["bumpy_sphere", "ellipsoid"])
def test_sphere_map_is_conformal_unfolded_and_centred(name, bumpy):
    if name == "bumpy_sphere":
        mesh, result, _ = bumpy
    else:
        mesh = gf.sample_mesh(name)
        result = gf.harmonic_map_to_sphere(mesh)
    assert result.converged and result.residuals[-1] < 1e-6
    np.testing.assert_allclose(np.linalg.norm(result.state, axis=1), 1.0, atol=1e-14)
    assert mq.conformality_gap(result.metric, result.state) < 1e-3
    assert len(mq.flipped_faces(mesh, result.state)) == 0
    assert centre_of_mass(mesh, result.state) < 1e-10
    assert result.centre_of_mass < 1e-10
    assert mq.sphere_map_degree(mesh, result.state) == pytest.approx(1.0, abs=1e-9)
    assert_monotone(result.energies)


@pytest.mark.parametrize("step", ["tangent", "heat"])
def test_energy_never_increases(step):
    mesh = gf.sample_mesh("bumpy_sphere", level=3)
    result = gf.harmonic_map_to_sphere(mesh, init="tutte", step=step, max_steps=60)
    assert result.n_steps > 5
    assert_monotone(result.energies)
    assert result.energies[-1] < result.energies[0]
    assert len(result.energies) == len(result.times) == len(result.step_sizes)


def test_energy_is_dirichlet_energy_and_result_fields(bumpy):
    mesh, result, _ = bumpy
    metric = result.metric
    assert result.energies[-1] == pytest.approx(
        mq.dirichlet_energy(metric, result.state), rel=1e-12
    )
    assert result.reason == "converged" and result.n_steps == len(result.times) - 1
    assert np.all(np.diff(result.times) > 0)
    # The energy of a degree-one map is at least the image area (about 4 pi).
    assert result.energies[-1] >= mq.image_area(mesh, result.state)


@pytest.mark.parametrize("level", [0, 1])
def test_symmetric_icosphere_identity_is_a_fixed_point(level):
    # Every vertex of the icosahedron and of its first subdivision lies on two
    # mirror planes of the icosahedral group, so L x is radial there and the
    # identity has zero tension (up to round-off). From level 2 on, vertices
    # lie on one mirror plane at most, and the tension is of the size of the
    # discretization error (the next test).
    mesh = gf.sample_mesh("icosphere", level=level)
    metric = gf.EdgeMetric.from_mesh(mesh)
    L, areas = gf.cotan_laplacian(metric), gf.vertex_areas(metric)
    assert _tension(L, areas, mesh.vertices) < 1e-12
    result = gf.harmonic_map_to_sphere(mesh, init="centroid")
    assert result.n_steps == 0 and result.converged
    np.testing.assert_allclose(result.state, mesh.vertices, atol=1e-12)


def test_icosphere_identity_is_nearly_harmonic():
    # On a subdivided icosphere the cotan Laplacian is not exactly radial, so
    # the identity is not an exact fixed point: the flow moves it a little.
    mesh = gf.sample_mesh("icosphere", level=3)
    result = gf.harmonic_map_to_sphere(mesh, init="centroid")
    assert result.converged and result.n_steps <= 10
    assert np.abs(result.state - mesh.vertices).max() < 0.05
    assert result.conformality_gap < 1e-5


def test_mobius_pushed_sphere_flows_back_to_a_conformal_map():
    mesh = gf.sample_mesh("icosphere", level=3)
    pushed = _mobius(mesh.vertices, np.array([0.5, 0.2, -0.3]))
    pushed /= np.linalg.norm(pushed, axis=1, keepdims=True)
    assert centre_of_mass(mesh, pushed) > 0.3
    result = gf.harmonic_map_to_sphere(mesh, init=pushed)
    assert result.converged
    assert result.conformality_gap < 1e-5
    assert centre_of_mass(mesh, result.state) < 1e-10
    # Back to the identity up to a rotation (the gauge leaves rotations free).
    u, _, vt = np.linalg.svd(mesh.vertices.T @ result.state)
    rotation = u @ vt
    assert np.linalg.det(rotation) > 0
    assert np.abs(mesh.vertices @ rotation - result.state).max() < 0.05


def test_without_gauge_the_flow_drifts():
    mesh = gf.sample_mesh("icosphere", level=2)
    pushed = _mobius(mesh.vertices, np.array([0.6, 0.0, 0.0]))
    result = gf.harmonic_map_to_sphere(mesh, init=pushed, gauge=False, max_steps=5)
    assert centre_of_mass(mesh, result.state) > 0.1


def test_centre_gauge_reaches_the_origin(rng):
    f = rng.normal(size=(500, 3)) + np.array([1.5, 0.0, 0.5])
    f /= np.linalg.norm(f, axis=1, keepdims=True)
    weights = rng.uniform(0.5, 1.5, size=500)
    g, remaining = _centre_gauge(f, weights)
    assert remaining < 1e-12
    assert np.linalg.norm(weights @ g) / weights.sum() < 1e-12
    np.testing.assert_allclose(np.linalg.norm(g, axis=1), 1.0, atol=1e-14)


def test_tutte_start_has_degree_one_on_spot():
    mesh = gf.load_mesh(shared_mesh_path("g0_spot.obj"))
    start = time.perf_counter()
    result = gf.harmonic_map_to_sphere(mesh, init="tutte")
    elapsed = time.perf_counter() - start
    assert result.converged and elapsed < 30
    assert result.degree == pytest.approx(1.0, abs=1e-9)
    assert len(result.flipped_faces) == 0
    assert result.conformality_gap < 1e-2
    assert result.centre_of_mass < 1e-10
    assert_monotone(result.energies)


def test_spot_gap_is_discretization_error_of_second_order():
    """Spot's gap of 4e-3 is the mesh's, not the flow's: it falls as h².

    Midpoint subdivision keeps spot's polyhedral surface (the same metric, the
    same cone angles), so its conformal map to the sphere is the same at every
    level and a gap that falls by 4 per level is discretization error.
    """
    mesh = gf.load_mesh(shared_mesh_path("g0_spot.obj"))
    gaps = []
    for level in range(3):
        result = gf.harmonic_map_to_sphere(gf.subdivide(mesh, level), tol=1e-7)
        assert result.converged and len(result.flipped_faces) == 0
        assert result.centre_of_mass < 1e-10
        assert_monotone(result.energies)
        gaps.append(result.conformality_gap)
    ratios = np.array(gaps[:-1]) / np.array(gaps[1:])
    assert np.all((ratios > 3.5) & (ratios < 4.5)), gaps
    assert gaps[0] < 1e-2 and gaps[2] < 1e-3


def test_auto_start_falls_back_to_tutte_on_spot():
    mesh = gf.load_mesh(shared_mesh_path("g0_spot.obj"))
    metric = gf.EdgeMetric.from_mesh(mesh)
    areas = gf.vertex_areas(metric)
    radial = mesh.vertices - areas @ mesh.vertices / areas.sum()
    radial /= np.linalg.norm(radial, axis=1, keepdims=True)
    assert len(mq.flipped_faces(mesh, radial)) > 0  # spot is not star-shaped
    result = gf.harmonic_map_to_sphere(mesh, init="auto")
    assert result.converged and len(result.flipped_faces) == 0


def test_callback_and_frames():
    mesh = gf.sample_mesh("ellipsoid", level=2)
    seen = []
    result = gf.harmonic_map_to_sphere(
        mesh,
        init="tutte",
        record_every=2,
        callback=lambda k, t, f, e: seen.append(k) or k == 3,
    )
    assert result.reason == "stopped" and seen == [1, 2, 3]
    assert [frame.step for frame in result.frames] == [0, 2, 3]
    assert result.frame_states.shape == (3, mesh.n_vertices, 3)


def test_wrong_degree_is_refused():
    mesh = gf.sample_mesh("icosphere", level=2)
    mirrored = mesh.vertices * np.array([-1.0, 1.0, 1.0])
    assert mq.sphere_map_degree(mesh, mirrored) == pytest.approx(-1.0)
    with pytest.raises(gf.GeomflowError, match="degree"):
        gf.harmonic_map_to_sphere(mesh, init=mirrored)


@pytest.mark.parametrize(
    "name, pattern",
    [("torus", "genus 1, 0 boundary"), ("flat_disk", "genus 0, 1 boundary")],
)
def test_sphere_map_refuses_wrong_topology(name, pattern):
    with pytest.raises(gf.TopologyError, match=pattern):
        gf.harmonic_map_to_sphere(gf.sample_mesh(name))


def test_bad_arguments():
    mesh = gf.sample_mesh("icosphere", level=1)
    with pytest.raises(gf.GeomflowError, match="init"):
        gf.harmonic_map_to_sphere(mesh, init="gauss")
    with pytest.raises(gf.GeomflowError, match="dt"):
        gf.harmonic_map_to_sphere(mesh, dt=-1.0)


# ---------------------------------------------------------------------- disk


def test_flat_unit_disk_maps_to_itself():
    mesh = gf.sample_mesh("flat_disk")
    result = gf.harmonic_map_to_disk(mesh)
    assert result.state.shape == (mesh.n_vertices, 2)
    assert len(result.folds) == 0 and result.converged
    # The outer ring is evenly spaced, so arc length puts it back in place
    # (its first vertex lies at angle 0), and a linear map is harmonic.
    np.testing.assert_allclose(result.state, mesh.vertices[:, :2], atol=1e-12)
    loop = result.boundary_loop
    np.testing.assert_allclose(np.linalg.norm(result.state[loop], axis=1), 1.0)


def test_scaled_rotated_disk_maps_to_the_unit_disk_up_to_rotation():
    mesh = gf.sample_mesh("flat_disk", n_rings=6)
    angle = 0.7
    rotation = np.array(
        [
            [np.cos(angle), -np.sin(angle), 0],
            [np.sin(angle), np.cos(angle), 0],
            [0, 0, 1],
        ]
    )
    moved = gf.TriangleMesh(3.0 * mesh.vertices @ rotation.T + 1.0, mesh.faces)
    f = gf.harmonic_map_to_disk(moved).state
    u, _, vt = np.linalg.svd(mesh.vertices[:, :2].T @ f)
    fit = mesh.vertices[:, :2] @ (u @ vt)
    np.testing.assert_allclose(fit, f, atol=1e-12)


def test_sphere_map_depends_on_the_metric_alone():
    """A metric is accepted, and scaling it changes nothing (conformal invariance)."""
    mesh = gf.sample_mesh("bumpy_sphere", level=3)
    metric = gf.EdgeMetric.from_mesh(mesh)
    scaled = gf.EdgeMetric(mesh, 3.0 * metric.lengths)
    direct = gf.harmonic_map_to_sphere(mesh, tol=1e-8)
    from_metric = gf.harmonic_map_to_sphere(scaled, tol=1e-8)
    assert from_metric.n_steps == direct.n_steps
    np.testing.assert_allclose(from_metric.state, direct.state, atol=1e-10)
    assert from_metric.metric is scaled


def test_disk_map_is_intrinsic():
    """The map of a lifted disk equals the map of its metric on the flat disk."""
    flat = gf.sample_mesh("flat_disk", n_rings=6)
    lifted = flat.vertices.copy()
    lifted[:, 2] = np.exp(-4.0 * (lifted[:, 0] ** 2 + lifted[:, 1] ** 2))
    surface = gf.TriangleMesh(lifted, flat.faces)
    metric = gf.EdgeMetric(flat, gf.EdgeMetric.from_mesh(surface).lengths)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", gf.GeomflowWarning)
        embedded = gf.harmonic_map_to_disk(surface)
        intrinsic = gf.harmonic_map_to_disk(metric)
    np.testing.assert_allclose(intrinsic.state, embedded.state, atol=1e-13)
    assert not np.allclose(intrinsic.state, gf.harmonic_map_to_disk(flat).state)


def test_maps_refuse_other_inputs():
    for harmonic_map in (gf.harmonic_map_to_sphere, gf.harmonic_map_to_disk):
        with pytest.raises(gf.GeomflowError, match="TriangleMesh or a gf.EdgeMetric"):
            harmonic_map(np.zeros((3, 3)))


def test_disk_flow_limit_equals_direct_solve():
    mesh = gf.sample_mesh("flat_disk", n_rings=8)
    bent = mesh.vertices.copy()
    bent[:, 2] = 0.5 * (bent[:, 0] ** 2 - bent[:, 1] ** 2)
    mesh = gf.TriangleMesh(bent, mesh.faces)
    with pytest.warns(gf.GeomflowWarning, match="negative"):
        direct = gf.harmonic_map_to_disk(mesh)
        flow = gf.harmonic_map_to_disk(mesh, method="flow", tol=1e-12, record_every=2)
    assert flow.converged and flow.n_steps > 1
    assert [frame.step for frame in flow.frames][:3] == [0, 2, 4]
    np.testing.assert_array_equal(flow.frames[-1].state, flow.state)
    np.testing.assert_allclose(flow.state, direct.state, atol=1e-8)
    assert_monotone(flow.energies)
    assert flow.energies[-1] == pytest.approx(direct.energies[-1], rel=1e-10)


def test_disk_warns_on_negative_cotan_weights():
    mesh = gf.load_mesh(shared_mesh_path("disk_face.obj"))
    with pytest.warns(gf.GeomflowWarning, match="negative"):
        result = gf.harmonic_map_to_disk(mesh)
    assert result.n_negative_weights > 0
    assert isinstance(result.folds, np.ndarray)


@pytest.mark.parametrize("name", ["icosphere", "torus"])
def test_disk_map_refuses_wrong_topology(name):
    with pytest.raises(gf.TopologyError, match="boundary loop"):
        gf.harmonic_map_to_disk(gf.sample_mesh(name))


# ---------------------------------------------------------------------- quality


def test_quality_of_linear_maps_of_a_flat_disk():
    mesh = gf.sample_mesh("flat_disk", n_rings=5)
    metric = gf.EdgeMetric.from_mesh(mesh)
    x = mesh.vertices[:, :2]
    assert mq.conformality_gap(metric, x) == pytest.approx(0.0, abs=1e-12)
    np.testing.assert_allclose(mq.beltrami_coefficients(metric, x), 0.0, atol=1e-12)
    np.testing.assert_allclose(mq.area_distortion(metric, 2.0 * x), 0.0, atol=1e-12)
    stretched = x * np.array([2.0, 1.0])
    np.testing.assert_allclose(mq.beltrami_coefficients(metric, stretched), 1.0 / 3.0)
    # E / A = (2^2 + 1) / 2 / 2 for singular values 2 and 1.
    assert mq.conformality_gap(metric, stretched) == pytest.approx(0.25)
    mirrored = x * np.array([-1.0, 1.0])
    assert len(mq.flipped_faces(mesh, mirrored)) == mesh.n_faces
    assert np.all(mq.beltrami_coefficients(metric, mirrored) > 1.0)
    stats = mq.angle_distortion(metric, stretched)
    assert stats["mean_mu"] == pytest.approx(1.0 / 3.0)
    assert stats["n_flipped"] == 0 and stats["max_angle_error"] > 0.1


def test_quality_of_the_sphere_identity():
    mesh = gf.sample_mesh("icosphere", level=2)
    metric = gf.EdgeMetric.from_mesh(mesh)
    x = mesh.vertices
    assert mq.sphere_map_degree(mesh, x) == pytest.approx(1.0, abs=1e-12)
    assert len(mq.flipped_faces(mesh, x)) == 0
    assert mq.image_area(mesh, x) == pytest.approx(metric.total_area())
    np.testing.assert_allclose(mq.beltrami_coefficients(metric, x), 0.0, atol=1e-12)
    assert mq.conformality_gap(metric, x) == pytest.approx(0.0, abs=1e-12)


def test_map_shape_is_checked():
    mesh = gf.sample_mesh("icosphere", level=1)
    with pytest.raises(gf.GeomflowError, match="shape"):
        mq.flipped_faces(mesh, np.zeros((3, 3)))


def test_remeshed_bunny_maps_conformally():
    """13k vertices: gap below 1e-3, no flips, centre of mass at the origin."""
    mesh = gf.load_mesh(shared_mesh_path("g0_bunny_remeshed.obj"))
    result = gf.harmonic_map_to_sphere(mesh, tol=1e-6)
    assert result.converged
    assert len(result.flipped_faces) == 0
    assert result.conformality_gap < 1e-3
    assert result.centre_of_mass < 1e-10
    assert_monotone(result.energies)
