"""Plain numpy reference implementations, written independently of the kernels.

They compute from vertex positions (cross and dot products) where geomflow
works from edge lengths, so agreement checks both the formulas and the
length-only pipeline.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import trimesh

import geomflow as gf


def corner_vectors(vertices, faces):
    """For each corner k: vectors to the two other corners, (m, 3, 2, 3)."""
    p = vertices[faces]  # (m, 3, 3)
    return np.stack([np.roll(p, -1, axis=1) - p, np.roll(p, -2, axis=1) - p], axis=2)


def corner_angles(vertices, faces):
    """(m, 3) angles at each corner from positions."""
    vec = corner_vectors(vertices, faces)
    u, v = vec[:, :, 0], vec[:, :, 1]
    cross = np.linalg.norm(np.cross(u, v), axis=-1)
    return np.arctan2(cross, np.einsum("fkd,fkd->fk", u, v))


def face_areas(vertices, faces):
    p = vertices[faces]
    return 0.5 * np.linalg.norm(np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]), axis=1)


def cotan_laplacian(vertices, faces):
    """Dense-free per-triangle assembly of the positive semidefinite Laplacian."""
    vec = corner_vectors(vertices, faces)
    u, v = vec[:, :, 0], vec[:, :, 1]
    cot = np.einsum("fkd,fkd->fk", u, v) / np.linalg.norm(np.cross(u, v), axis=-1)
    n = len(vertices)
    rows, cols, vals = [], [], []
    for k in range(3):
        i, j = faces[:, (k + 1) % 3], faces[:, (k + 2) % 3]
        w = 0.5 * cot[:, k]
        rows += [i, j, i, j]
        cols += [j, i, i, j]
        vals += [-w, -w, w, w]
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(n, n),
    )


def icosphere(level: int) -> gf.TriangleMesh:
    """A unit icosphere from trimesh (an independent generator)."""
    tm = trimesh.creation.icosphere(subdivisions=level, radius=1.0)
    return gf.TriangleMesh(tm.vertices, tm.faces)


def perturbed_icosphere(level: int, rng, scale: float = 0.05) -> gf.TriangleMesh:
    mesh = icosphere(level)
    noise = rng.normal(scale=scale, size=(mesh.n_vertices, 1))
    return mesh.with_vertices(mesh.vertices * (1.0 + noise))


def random_disk(n_points: int, rng) -> gf.TriangleMesh:
    """A planar Delaunay disk of random points (many obtuse triangles)."""
    from scipy.spatial import Delaunay

    angle = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    rim = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    r = np.sqrt(rng.uniform(0, 0.9, n_points))
    t = rng.uniform(0, 2 * np.pi, n_points)
    inner = np.stack([r * np.cos(t), r * np.sin(t)], axis=1)
    points = np.vstack([rim, inner])
    tri = Delaunay(points).simplices
    xy = points[tri]
    d1, d2 = xy[:, 1] - xy[:, 0], xy[:, 2] - xy[:, 0]
    signed = d1[:, 0] * d2[:, 1] - d1[:, 1] * d2[:, 0]
    tri[signed < 0] = tri[signed < 0][:, ::-1]
    vertices = np.column_stack([points, 0.1 * rng.normal(size=len(points))])
    return gf.TriangleMesh(vertices, tri)
