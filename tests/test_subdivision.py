"""Subdivision: midpoint keeps the polyhedral surface, Loop smooths it."""

from __future__ import annotations

import numpy as np
import pytest

import geomflow as gf


@pytest.mark.parametrize("name", ["bumpy_sphere", "flat_disk", "torus"])
def test_midpoint_subdivision_keeps_the_surface_and_its_curvature(name):
    mesh = (
        gf.sample_mesh(name)
        if name != "bumpy_sphere"
        else gf.sample_mesh(name, level=2)
    )
    fine = gf.subdivide(mesh, levels=2)
    n = mesh.n_vertices
    assert fine.n_faces == 16 * mesh.n_faces
    assert fine.euler_characteristic == mesh.euler_characteristic
    np.testing.assert_array_equal(fine.vertices[:n], mesh.vertices)

    coarse_metric, fine_metric = (
        gf.EdgeMetric.from_mesh(mesh),
        gf.EdgeMetric.from_mesh(fine),
    )
    assert fine_metric.total_area() == pytest.approx(
        coarse_metric.total_area(), rel=1e-12
    )
    defects = fine_metric.angle_defects()
    np.testing.assert_allclose(defects[:n], coarse_metric.angle_defects(), atol=1e-11)
    np.testing.assert_allclose(defects[n:], 0.0, atol=1e-11)  # new vertices are flat


def test_edge_vertices_are_numbered_after_the_old_ones():
    mesh = gf.sample_mesh("icosphere", level=1)
    fine = gf.subdivide(mesh)
    midpoints = mesh.vertices[mesh.edges].mean(axis=1)
    np.testing.assert_allclose(fine.vertices[mesh.n_vertices :], midpoints, atol=0)


def test_loop_subdivision_smooths_towards_a_limit():
    """Loop moves the old vertices, and less at every level (the surface converges)."""
    mesh = gf.sample_mesh("icosphere", level=0)
    meshes = [gf.subdivide(mesh, levels=k, scheme="loop") for k in range(4)]
    moves = [
        np.abs(meshes[k + 1].vertices[:12] - meshes[k].vertices[:12]).max()
        for k in range(3)
    ]
    assert moves[0] > 0
    assert moves[1] < 0.5 * moves[0] and moves[2] < 0.5 * moves[1]
    curvature = gf.EdgeMetric.from_mesh(meshes[-1]).angle_defects()
    assert curvature.sum() == pytest.approx(4 * np.pi, rel=1e-12)
    assert curvature.max() < 0.05 * (4 * np.pi / 12)  # spread out, not kept at 12 cones


def test_zero_levels_return_the_mesh():
    mesh = gf.sample_mesh("icosphere", level=1)
    assert gf.subdivide(mesh, levels=0) is mesh


@pytest.mark.parametrize(
    ("kwargs", "pattern"),
    [
        ({"scheme": "butterfly"}, "unknown scheme"),
        ({"levels": -1}, "whole number"),
        ({"levels": 1.5}, "whole number"),
        ({"levels": True}, "whole number"),
    ],
)
def test_bad_arguments_are_named(kwargs, pattern):
    with pytest.raises(gf.GeomflowError, match=pattern):
        gf.subdivide(gf.sample_mesh("icosphere", level=0), **kwargs)


def test_loop_needs_a_closed_mesh():
    with pytest.raises(gf.GeomflowError, match="closed mesh"):
        gf.subdivide(gf.sample_mesh("flat_disk"), scheme="loop")
