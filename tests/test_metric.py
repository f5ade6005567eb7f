"""EdgeMetric: angles, areas, cotangents and curvature from edge lengths alone."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import reference

import geomflow as gf


def single_triangle(lengths):
    mesh = gf.TriangleMesh(np.eye(3), [[0, 1, 2]])
    # mesh.edges are (0,1), (0,2), (1,2): give each its length.
    return gf.EdgeMetric(mesh, lengths)


@pytest.mark.parametrize("level", [1, 3])
def test_angles_and_areas_match_positions(level, rng):
    mesh = reference.perturbed_icosphere(level, rng)
    metric = gf.EdgeMetric.from_mesh(mesh)
    np.testing.assert_allclose(
        metric.corner_angles(),
        reference.corner_angles(mesh.vertices, mesh.faces),
        rtol=1e-12,
        atol=1e-14,
    )
    np.testing.assert_allclose(
        metric.face_areas(),
        reference.face_areas(mesh.vertices, mesh.faces),
        rtol=1e-12,
    )


def test_angles_of_random_disk_match_positions(rng):
    mesh = reference.random_disk(200, rng)
    metric = gf.EdgeMetric.from_mesh(mesh)
    expected = reference.corner_angles(mesh.vertices, mesh.faces)
    np.testing.assert_allclose(metric.corner_angles(), expected, rtol=1e-11)
    np.testing.assert_allclose(
        metric.corner_cotangents(), 1.0 / np.tan(expected), rtol=1e-9, atol=1e-12
    )


def test_kahan_needle_area_in_every_order():
    """Kahan's needle: the sorted-sides formula is exact to 1e-9 whatever the order."""
    sides = (100000.0, 99999.99979, 0.00029)
    for order in itertools.permutations(sides):
        area = single_triangle(order).face_areas()[0]
        assert area == pytest.approx(10.000000077, rel=1e-9)


def test_angle_sum_is_pi_per_face(rng):
    metric = gf.EdgeMetric.from_mesh(reference.random_disk(300, rng))
    np.testing.assert_allclose(metric.corner_angles().sum(axis=1), np.pi, rtol=1e-14)


def test_violated_triangle_inequality_names_faces():
    mesh = reference.icosphere(1)
    lengths = gf.EdgeMetric.from_mesh(mesh).lengths.copy()
    edge = mesh.face_edges[7, 0]
    lengths[edge] = 10.0
    with pytest.raises(gf.MetricError, match="violate the triangle inequality") as err:
        gf.EdgeMetric(mesh, lengths)
    for face in mesh.edge_faces[edge]:
        assert str(face) in str(err.value)


@pytest.mark.parametrize(
    "lengths, match",
    [
        ([1.0, 1.0], "shape"),
        ([1.0, -1.0, 1.0], "positive"),
        ([1.0, np.nan, 1.0], "NaN"),
        ([1.0, 0.0, 1.0], "positive"),
    ],
)
def test_bad_lengths_are_refused(lengths, match):
    with pytest.raises(gf.MetricError, match=match):
        single_triangle(lengths)


def test_degenerate_face_is_reported_not_infinite():
    metric = single_triangle([1.0, 1.0, 2.0])  # edges (0,1), (0,2), (1,2)
    assert metric.face_areas()[0] == 0.0
    assert metric.degenerate_faces().tolist() == [0]
    np.testing.assert_allclose(np.sort(metric.corner_angles()[0]), [0, 0, np.pi])
    with pytest.raises(gf.DegenerateMetricError, match=r"\[0\]"):
        metric.cotan_weights()
    with pytest.raises(gf.DegenerateMetricError):
        gf.cotan_laplacian(metric)


def test_conformal_rescaling(rng):
    mesh = reference.perturbed_icosphere(2, rng)
    metric = gf.EdgeMetric.from_mesh(mesh)
    u = rng.normal(scale=0.1, size=mesh.n_vertices)
    i, j = mesh.edges.T
    expected = metric.lengths * np.exp((u[i] + u[j]) / 2)
    np.testing.assert_allclose(metric.conformal(u).lengths, expected, rtol=1e-15)
    constant = metric.conformal(np.full(mesh.n_vertices, 0.3))
    np.testing.assert_allclose(
        constant.corner_angles(), metric.corner_angles(), rtol=1e-12, atol=1e-14
    )
    assert constant.total_area() == pytest.approx(
        np.exp(0.6) * metric.total_area(), rel=1e-13
    )


def test_conformal_rescaling_checks_triangle_inequality():
    mesh = reference.icosphere(1)
    u = np.zeros(mesh.n_vertices)
    i, j, _ = mesh.faces[0]
    u[i], u[j] = 6.0, -6.0  # side ik grows by e^3, side jk shrinks by e^-3
    with pytest.raises(gf.MetricError, match="triangle inequality"):
        gf.EdgeMetric.from_mesh(mesh).conformal(u)


def test_regular_icosahedron_curvature():
    mesh = reference.icosphere(0)
    defects = gf.EdgeMetric.from_mesh(mesh).angle_defects()
    np.testing.assert_allclose(defects, np.pi / 3, rtol=1e-13)


def test_gauss_bonnet_with_boundary(rng):
    mesh = reference.random_disk(500, rng)
    defects = gf.EdgeMetric.from_mesh(mesh).angle_defects()
    assert defects.sum() == pytest.approx(
        2 * np.pi * mesh.euler_characteristic, rel=1e-12
    )


def test_metric_forgets_positions(rng):
    """Lengths alone determine everything: other positions, same lengths, same L."""
    mesh = reference.perturbed_icosphere(2, rng)
    metric = gf.EdgeMetric.from_mesh(mesh)
    scrambled = mesh.with_vertices(rng.normal(size=mesh.vertices.shape))
    forgotten = gf.EdgeMetric(scrambled, metric.lengths)
    assert (gf.cotan_laplacian(forgotten) != gf.cotan_laplacian(metric)).nnz == 0
    np.testing.assert_array_equal(forgotten.angle_defects(), metric.angle_defects())


def test_derived_arrays_are_read_only(rng):
    metric = gf.EdgeMetric.from_mesh(reference.icosphere(1))
    for array in (metric.lengths, metric.corner_angles(), metric.cotan_weights()):
        with pytest.raises(ValueError):
            array[0] = 1.0
