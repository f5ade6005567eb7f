"""Layouts of flat metrics: isometric triangles, no flips, periods of tori."""

from __future__ import annotations

import numpy as np
import pytest

import geomflow as gf


def bumpy_disk(n: int = 12) -> gf.TriangleMesh:
    """The unit square grid lifted by a smooth Gaussian bump (not flat)."""
    mesh = gf.sample_mesh("square_grid", n=n)
    x, y = mesh.vertices[:, 0], mesh.vertices[:, 1]
    z = 0.4 * np.exp(-((x - 0.5) ** 2 + (y - 0.5) ** 2) / 0.05)
    return mesh.with_vertices(np.column_stack([x, y, z]))


def assert_isometric(layout: gf.Layout, metric: gf.EdgeMetric, atol=1e-10):
    """Every copy of every edge has the metric's length."""
    np.testing.assert_allclose(
        layout.face_side_lengths(), metric.face_side_lengths(), rtol=0, atol=atol
    )
    np.testing.assert_allclose(
        layout.edge_lengths(metric.mesh), metric.lengths, rtol=0, atol=atol
    )


@pytest.fixture(scope="module")
def flat_torus():
    metric = gf.sample_metric("flat_torus")
    return metric, gf.layout_flat(metric)


@pytest.fixture(scope="module")
def flattened_torus():
    result = gf.curvature_flow(
        gf.sample_mesh("torus", n_major=30, n_minor=12), target="flat"
    )
    assert result.converged
    return result.metric, gf.layout_flat(result.metric)


def test_flat_torus_lengths_and_orientation(flat_torus):
    metric, layout = flat_torus
    assert layout.kind == "torus"
    assert layout.corner_uv.shape == (metric.mesh.n_faces, 3, 2)
    assert layout.uv.shape == (metric.mesh.n_vertices, 2)
    assert_isometric(layout, metric)
    assert (layout.signed_areas() > 0).all()
    np.testing.assert_allclose(layout.signed_areas(), metric.face_areas(), atol=1e-14)


def test_flat_torus_periods_are_the_unit_square(flat_torus):
    _, layout = flat_torus
    p1, p2 = layout.periods
    assert np.linalg.norm(p1) == pytest.approx(1.0, abs=1e-10)
    assert np.linalg.norm(p2) == pytest.approx(1.0, abs=1e-10)
    assert p1 @ p2 == pytest.approx(0.0, abs=1e-10)
    assert np.linalg.det(layout.periods) > 0


def test_every_cut_translation_is_an_integer_combination(flat_torus):
    metric, layout = flat_torus
    # Euler: the cut holds E - (F - 1) = V + 1 edges on a torus.
    assert len(layout.cut_edges) == metric.mesh.n_vertices + 1
    coords = layout.lattice_coordinates(layout.translations)
    np.testing.assert_allclose(coords, np.round(coords), rtol=0, atol=1e-10)
    assert np.abs(np.round(coords)).sum(axis=1).max() >= 1  # the cut is not trivial
    assert layout.closure_error < 1e-12


def test_copies_of_a_vertex_differ_by_periods(flat_torus):
    metric, layout = flat_torus
    faces = metric.mesh.faces.ravel()
    offsets = layout.corner_uv.reshape(-1, 2) - layout.uv[faces]
    coords = layout.lattice_coordinates(offsets)
    np.testing.assert_allclose(coords, np.round(coords), rtol=0, atol=1e-10)


def test_flattened_torus_closes_up(flattened_torus):
    metric, layout = flattened_torus
    assert_isometric(layout, metric)
    assert (layout.signed_areas() > 0).all()
    cell = abs(np.linalg.det(layout.periods))
    assert cell == pytest.approx(metric.total_area(), abs=1e-8)
    coords = layout.lattice_coordinates(layout.translations)
    np.testing.assert_allclose(coords, np.round(coords), rtol=0, atol=1e-8)


def test_flattened_torus_has_the_conformal_modulus_of_its_revolution(flattened_torus):
    # A torus of revolution with radii R > r is conformal to the rectangle of
    # sides 2 pi and 2 pi r / sqrt(R^2 - r^2) (up to scale).
    _, layout = flattened_torus
    short, long = np.linalg.norm(layout.periods, axis=1)
    assert short / long == pytest.approx(0.4 / np.sqrt(1 - 0.4**2), rel=2e-2)
    p1, p2 = layout.periods
    assert abs(p1 @ p2) < 1e-8 * long * long


def test_flattened_bumpy_disk_lays_out_without_flips():
    result = gf.curvature_flow(bumpy_disk(), target="flat")
    assert result.converged
    layout = gf.layout_flat(result.metric)
    assert layout.kind == "disk" and layout.periods is None
    assert_isometric(layout, result.metric)
    assert (layout.signed_areas() > 0).all()
    assert layout.closure_error < 1e-12
    assert len(layout.cut_edges) == 0


def test_flat_disk_sample_is_laid_out_rigidly():
    metric = gf.sample_metric("flat_disk", n_rings=5)
    layout = gf.layout_flat(metric, seed_face=7)
    assert layout.parent[7] == -1 and layout.face_order[0] == 7
    # Same shape up to a rigid motion: compare all pairwise distances.
    d_layout = np.linalg.norm(layout.uv[:, None] - layout.uv[None], axis=2)
    xy = metric.mesh.vertices[:, :2]
    d_plane = np.linalg.norm(xy[:, None] - xy[None], axis=2)
    np.testing.assert_allclose(d_layout, d_plane, atol=1e-12)


def test_layout_of_a_curved_metric_names_the_worst_vertex():
    metric = gf.EdgeMetric.from_mesh(bumpy_disk())
    worst = int(
        np.argmax(np.abs(metric.angle_defects()) * ~metric.mesh.boundary_vertices)
    )
    with pytest.raises(gf.MetricError, match=f"worst vertex {worst} "):
        gf.layout_flat(metric)


@pytest.mark.parametrize("name", ["icosphere", "genus2"])
def test_wrong_topology_raises(name):
    with pytest.raises(gf.TopologyError, match="disk .* or a closed torus"):
        gf.layout_flat(gf.sample_metric(name, level=1))


def test_two_disks_raise():
    mesh = gf.sample_mesh("square_grid", n=2)
    n = mesh.n_vertices
    shifted = mesh.vertices + [2.0, 0.0, 0.0]
    two = gf.TriangleMesh(
        np.vstack([mesh.vertices, shifted]), np.vstack([mesh.faces, mesh.faces + n])
    )
    with pytest.raises(gf.TopologyError, match="2 components"):
        gf.layout_flat(gf.EdgeMetric.from_mesh(two))


def test_bad_arguments_raise(flat_torus):
    metric, _ = flat_torus
    with pytest.raises(gf.GeomflowError, match="seed_face"):
        gf.layout_flat(metric, seed_face=metric.mesh.n_faces)
    with pytest.raises(gf.GeomflowError, match="tol"):
        gf.layout_flat(metric, tol=-1.0)
    disk = gf.layout_flat(gf.sample_metric("flat_disk", n_rings=2))
    with pytest.raises(gf.GeomflowError, match="no periods"):
        disk.lattice_coordinates(np.zeros(2))
