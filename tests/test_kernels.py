"""Every numba kernel against a plain numpy computation of the same thing."""

from __future__ import annotations

import numpy as np
import pytest
import reference

import geomflow as gf
from geomflow import _kernels


def test_kernels_match_numpy(rng):
    mesh = reference.random_disk(300, rng)
    metric = gf.EdgeMetric.from_mesh(mesh)
    faces, edges, face_edges = mesh.faces, mesh.edges, mesh.face_edges
    n, e = mesh.n_vertices, mesh.n_edges

    lengths = np.linalg.norm(
        mesh.vertices[edges[:, 1]] - mesh.vertices[edges[:, 0]], axis=1
    )
    np.testing.assert_allclose(
        _kernels.edge_lengths(mesh.vertices, edges), lengths, rtol=1e-15
    )

    fl = metric.face_side_lengths()
    area = reference.face_areas(mesh.vertices, faces)
    np.testing.assert_allclose(_kernels.face_areas(fl), area, rtol=1e-12)

    cot = 1.0 / np.tan(reference.corner_angles(mesh.vertices, faces))
    weights = np.bincount(face_edges.ravel(), 0.5 * cot.ravel(), minlength=e)
    np.testing.assert_allclose(
        _kernels.cotan_edge_weights(fl, metric.face_areas(), face_edges, e),
        weights,
        rtol=1e-9,
        atol=1e-12,
    )
    np.testing.assert_allclose(
        _kernels.scatter_face_thirds(area, faces, n),
        np.bincount(faces.ravel(), np.repeat(area / 3, 3), minlength=n),
        rtol=1e-12,
    )
    values = rng.normal(size=(mesh.n_faces, 3))
    np.testing.assert_allclose(
        _kernels.scatter_corners_to_vertices(values, faces, n),
        np.bincount(faces.ravel(), values.ravel(), minlength=n),
        rtol=1e-12,
        atol=1e-12,
    )


def test_triangle_status_codes():
    fl = np.array([[3.0, 4.0, 5.0], [1.0, 1.0, 2.0], [1.0, 1.0, 3.0]])
    status = _kernels.triangle_status(fl)
    assert status.tolist() == [_kernels.VALID, _kernels.DEGENERATE, _kernels.VIOLATED]


def test_symmetric_pattern_and_fill_match_scipy(rng):
    import scipy.sparse as sp

    mesh = reference.random_disk(100, rng)
    edges, n = mesh.edges, mesh.n_vertices
    indptr, indices, pos_ij, pos_ji, diag = _kernels.symmetric_pattern(edges, n)
    w = rng.uniform(0.5, 2.0, size=len(edges))
    data = np.empty(len(indices))
    _kernels.fill_symmetric(w, -1.0, edges, pos_ij, pos_ji, diag, indptr, data)
    ours = sp.csr_matrix((data, indices, indptr), shape=(n, n))
    adjacency = sp.coo_matrix((w, (edges[:, 0], edges[:, 1])), shape=(n, n))
    adjacency = adjacency + adjacency.T
    expected = sp.diags(np.asarray(adjacency.sum(axis=1)).ravel()) - adjacency
    assert abs(ours - expected).max() < 1e-14
    assert ours.has_sorted_indices


def test_side_pattern_matches_a_sort_based_build(rng):
    """The multi-edge-tolerant pattern of intrinsic triangulations."""
    mesh = reference.perturbed_icosphere(2, rng)
    faces, n = mesh.faces, mesh.n_vertices
    faces = np.vstack([faces, faces[:3]])  # repeated sides, as after flips
    indptr, indices, positions = _kernels.side_pattern(faces, n)

    i, j = faces[:, [1, 2, 0]], faces[:, [2, 0, 1]]
    rows = np.stack([i, j, i, j], axis=-1).ravel()
    cols = np.stack([i, j, j, i], axis=-1).ravel()
    keys = np.unique(rows * n + cols)
    np.testing.assert_array_equal(indices, keys % n)
    np.testing.assert_array_equal(np.diff(indptr), np.bincount(keys // n, minlength=n))
    np.testing.assert_array_equal(
        positions.ravel(), np.searchsorted(keys, rows * n + cols)
    )


def test_flip_kernels_match_planar_quadrilaterals(rng):
    """Margins and flipped diagonals against quadrilaterals drawn in the plane."""
    for _ in range(200):
        i, j = np.array([0.0, 0.0]), np.array([1.0, 0.0])
        k = np.array([rng.uniform(-0.5, 1.5), rng.uniform(0.05, 1.5)])  # above ij
        l = np.array([rng.uniform(-0.5, 1.5), -rng.uniform(0.05, 1.5)])  # noqa: E741
        d = {
            name: np.linalg.norm(p - q)
            for name, p, q in [
                ("ij", i, j),
                ("ki", k, i),
                ("jk", j, k),
                ("il", i, l),
                ("lj", l, j),
            ]
        }
        sides = (d["ij"], d["ki"], d["jk"], d["il"], d["lj"])

        def cot(p, a, b):  # cotangent of the angle at p between a and b
            u, v = a - p, b - p
            return np.dot(u, v) / abs(u[0] * v[1] - u[1] * v[0])

        margin = cot(k, i, j) + cot(l, i, j)
        assert _kernels.delaunay_margin(*sides) == pytest.approx(margin, rel=1e-9)

        convex = (k[1] * l[0] - k[0] * l[1]) * (
            (k - j)[1] * (l - j)[0] - (k - j)[0] * (l - j)[1]
        ) < 0
        new, status = _kernels.flip_length(*sides, True)
        if convex:
            assert status == _kernels.FLIP_OK
            assert new == pytest.approx(np.linalg.norm(k - l), rel=1e-9)
        else:
            assert status == _kernels.FLIP_NOT_CONVEX
    new, status = _kernels.flip_length(1.0, 3.0, 1.0, 1.0, 1.0, True)
    assert status == _kernels.FLIP_BROKEN
