r"""Refining a mesh by splitting every triangle into four.

Both schemes put one new vertex on every edge and cut each face ``(a, b, c)``
into the three corner triangles and the middle one, oriented like the face:

- ``"midpoint"`` puts the new vertex at the midpoint of the edge and moves
  nothing, so the refined mesh is the *same* polyhedral surface, with the same
  metric and the same curvature (the angle defects stay at the old vertices;
  the new ones are flat). A convergence study on a fixed surface refines
  this way: whatever changes with the level is discretization error.
- ``"loop"`` is Loop's smoothing scheme (closed meshes only): the surface
  moves towards a smooth limit surface, and the curvature spreads out.

A mesh with ``m`` faces has ``4**levels * m`` after ``levels`` steps.
"""

from __future__ import annotations

import numpy as np

from .errors import GeomflowError
from .mesh import TriangleMesh

__all__ = ["subdivide", "SCHEMES"]

#: The subdivision schemes :func:`subdivide` knows.
SCHEMES = ("midpoint", "loop")


def subdivide(mesh: TriangleMesh, levels: int = 1, scheme: str = "midpoint"):
    """Split every face into four, ``levels`` times.

    Parameters
    ----------
    mesh : TriangleMesh
    levels : int
        Number of subdivision steps, 0 or more (0 returns ``mesh`` itself).
    scheme : {"midpoint", "loop"}
        See the module docstring; ``"loop"`` needs a closed mesh.

    Returns
    -------
    TriangleMesh
        The old vertices keep their indices; the vertex of edge ``k`` of the
        input (``mesh.edges[k]``) is vertex ``n + k``.
    """
    if scheme not in SCHEMES:
        raise GeomflowError(f"unknown scheme {scheme!r}; use one of {SCHEMES}")
    whole = isinstance(levels, (int, np.integer)) and not isinstance(levels, bool)
    if not whole or levels < 0:
        raise GeomflowError(f"levels must be a whole number >= 0, got {levels!r}")
    step = _loop_step if scheme == "loop" else _midpoint_step
    for _ in range(int(levels)):
        mesh = TriangleMesh(*step(mesh))
    return mesh


def _split_faces(mesh: TriangleMesh) -> np.ndarray:
    """``(4m, 3)`` faces after putting vertex ``n + k`` on edge ``k``."""
    a, b, c = mesh.faces.T
    ma, mb, mc = (mesh.n_vertices + mesh.face_edges).T  # on the sides opposite a, b, c
    corners = ((a, mc, mb), (b, ma, mc), (c, mb, ma), (ma, mb, mc))
    return np.concatenate([np.stack(t, axis=1) for t in corners])


def _midpoint_step(mesh: TriangleMesh) -> tuple[np.ndarray, np.ndarray]:
    midpoints = mesh.vertices[mesh.edges].mean(axis=1)
    return np.concatenate([mesh.vertices, midpoints]), _split_faces(mesh)


def _loop_step(mesh: TriangleMesh) -> tuple[np.ndarray, np.ndarray]:
    """One step of Loop subdivision of a closed mesh.

    Edge points are ``3/8 (a + b) + 1/8 (c + d)`` with ``c, d`` opposite the
    edge; an old vertex of valence ``n`` moves to ``(1 - n beta) v + beta *
    (sum of neighbours)`` with ``beta = (5/8 - (3/8 + cos(2 pi / n) / 4)²) / n``.

    Notes
    -----
    C. Loop, *Smooth Subdivision Surfaces Based on Triangles*, M.S. thesis,
    University of Utah, 1987.
    """
    if not mesh.is_closed:
        raise GeomflowError(
            "Loop subdivision here needs a closed mesh (its boundary rules are not "
            "implemented); use scheme='midpoint' for a mesh with boundary"
        )
    vertices, faces, edges, n = mesh.vertices, mesh.faces, mesh.edges, mesh.n_vertices
    opposite = faces[mesh.edge_faces, mesh.edge_sides]
    edge_points = 0.375 * vertices[edges].sum(1) + 0.125 * vertices[opposite].sum(1)

    valence = np.bincount(edges.ravel(), minlength=n).astype(np.float64)
    around = np.zeros_like(vertices)
    for d in range(3):
        around[:, d] = np.bincount(edges[:, 0], vertices[edges[:, 1], d], n)
        around[:, d] += np.bincount(edges[:, 1], vertices[edges[:, 0], d], n)
    beta = (0.625 - (0.375 + 0.25 * np.cos(2 * np.pi / valence)) ** 2) / valence
    moved = (1 - valence * beta)[:, None] * vertices + beta[:, None] * around
    return np.concatenate([moved, edge_points]), _split_faces(mesh)
