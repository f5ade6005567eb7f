"""Finite-element operators of a discrete metric: Laplacian, mass, gradient.

All operators are built from an :class:`~geomflow.EdgeMetric`, that is from edge
lengths alone. The sparsity pattern of the vertex-to-vertex matrices is built
once per mesh and cached; assembling an operator for another metric of the
same mesh only refills the values.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ._validate import freeze
from .errors import GeomflowError
from .mesh import TriangleMesh
from .metric import EdgeMetric

__all__ = [
    "cotan_laplacian",
    "mass_matrix",
    "vertex_areas",
    "gradient_operator",
    "divergence_operator",
    "MASS_KINDS",
]

#: The mass matrices :func:`mass_matrix` can build.
MASS_KINDS = ("lumped", "barycentric", "voronoi", "full")


@dataclass(frozen=True)
class _Pattern:
    """CSR structure with the diagonal and one entry per edge in each direction."""

    indptr: np.ndarray
    indices: np.ndarray
    pos_ij: np.ndarray  # data position of entry (i, j), i < j, per edge
    pos_ji: np.ndarray  # data position of entry (j, i) per edge
    diag: np.ndarray  # data position of entry (i, i) per vertex

    @property
    def nnz(self) -> int:
        return len(self.indices)


_patterns: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _pattern(mesh: TriangleMesh) -> _Pattern:
    """The cached sparsity pattern of ``mesh`` (built on first use)."""
    pattern = _patterns.get(mesh)
    if pattern is None:
        from . import _kernels

        arrays = _kernels.symmetric_pattern(mesh.edges, mesh.n_vertices)
        pattern = _Pattern(*(freeze(a) for a in arrays))
        _patterns[mesh] = pattern
    return pattern


def _symmetric_from_edges(
    mesh: TriangleMesh, edge_weights: np.ndarray, off_sign: float, out=None
) -> sp.csr_matrix:
    """Fill the mesh pattern: ``off_sign * w`` off the diagonal, row sums on it."""
    from . import _kernels

    pattern = _pattern(mesh)
    if out is None:
        data = np.empty(pattern.nnz)
    else:
        _check_out(out, pattern)
        data = out.data
    _kernels.fill_symmetric(
        edge_weights,
        off_sign,
        mesh.edges,
        pattern.pos_ij,
        pattern.pos_ji,
        pattern.diag,
        pattern.indptr,
        data,
    )
    if out is not None:
        return out
    n = mesh.n_vertices
    matrix = sp.csr_matrix(
        (data, pattern.indices.copy(), pattern.indptr.copy()), shape=(n, n)
    )
    matrix.has_sorted_indices = True
    return matrix


def _check_out(out, pattern: _Pattern) -> None:
    if not (
        sp.issparse(out)
        and out.format == "csr"
        and out.indices.shape == pattern.indices.shape
        and np.array_equal(out.indptr, pattern.indptr)
    ):
        raise GeomflowError(
            "out must be a CSR matrix returned by an earlier call for the same mesh; "
            "omit out= to get a new matrix"
        )


def cotan_laplacian(metric: EdgeMetric, *, out: sp.csr_matrix | None = None):
    r"""The cotangent Laplacian: the positive semidefinite stiffness matrix ``L``.

    .. math::

        (L u)_i = \tfrac12 \sum_{j \sim i} (\cot\alpha_{ij} + \cot\beta_{ij})
                  (u_i - u_j)

    where :math:`\alpha_{ij}, \beta_{ij}` are the angles opposite edge
    :math:`ij` (one of them on the boundary). ``L`` is the Galerkin stiffness
    matrix of piecewise-linear hat functions, :math:`L_{ij} = \int \nabla
    \phi_i \cdot \nabla \phi_j`: symmetric, ``L @ 1 = 0``, and
    :math:`u^\top L u = \int |\nabla u|^2 \ge 0`.

    **Sign.** ``L`` is positive semidefinite; ``-M^{-1} L`` approximates the
    Laplace-Beltrami operator :math:`\Delta` (with :math:`M` a mass matrix).
    libigl's ``cotmatrix`` returns ``-L``; gpytoolbox, robust_laplacian and
    potpourri3d return ``L``.

    Parameters
    ----------
    metric : EdgeMetric
    out : scipy.sparse.csr_matrix, optional
        A matrix returned by an earlier call for the same mesh; its values are
        overwritten in place and it is returned. A flow that changes the metric
        at every step (curvature flow) reuses one matrix this way.

    Returns
    -------
    L : (n, n) scipy.sparse.csr_matrix
        Sorted indices, one stored entry per edge direction and per vertex.

    Raises
    ------
    DegenerateMetricError
        If a face has zero area.

    Notes
    -----
    Off-diagonal entries are negative only where the edge is locally Delaunay;
    on meshes with obtuse triangles some are positive, and the discrete maximum
    principle fails there (Bobenko and Springborn 2007).
    """
    return _symmetric_from_edges(metric.mesh, metric.cotan_weights(), -1.0, out)


def vertex_areas(metric: EdgeMetric, kind: str = "barycentric") -> np.ndarray:
    """``(n,)`` area assigned to each vertex; the areas sum to the total area.

    ``"barycentric"`` (equal to ``"lumped"``) gives each vertex a third of each
    of its faces; ``"voronoi"`` the mixed Voronoi area of Meyer et al. (2003).
    Vertices in no face get zero.
    """
    from . import _kernels

    mesh = metric.mesh
    if kind in ("barycentric", "lumped"):
        return _kernels.scatter_face_thirds(
            metric.face_areas(), mesh.faces, mesh.n_vertices
        )
    if kind != "voronoi":
        raise GeomflowError(
            "vertex area kind must be 'barycentric', 'lumped' or 'voronoi', "
            f"got {kind!r}"
        )
    corners = _kernels.voronoi_corner_areas(
        metric.face_side_lengths(), metric.face_areas(), metric.corner_cotangents()
    )
    return _kernels.scatter_corners_to_vertices(corners, mesh.faces, mesh.n_vertices)


def gaussian_curvature(metric: EdgeMetric, kind: str = "barycentric") -> np.ndarray:
    """``(n,)`` pointwise Gaussian curvature: the angle defect per vertex area.

    The angle defect is the curvature integrated over a vertex's share of the
    surface; dividing by that share (``kind`` as in :func:`vertex_areas`)
    gives a pointwise value, ``1 / R^2`` on a sphere of radius ``R``. At
    boundary vertices it is the geodesic curvature per area; vertices in no
    face get zero.
    """
    areas = vertex_areas(metric, kind)
    defects = metric.angle_defects()
    return np.divide(defects, areas, out=np.zeros_like(defects), where=areas > 0)


def mass_matrix(metric: EdgeMetric, kind: str = "lumped") -> sp.csr_matrix:
    r"""The mass matrix ``M`` of piecewise-linear functions.

    Parameters
    ----------
    metric : EdgeMetric
    kind : {"lumped", "barycentric", "voronoi", "full"}
        ``"full"`` is the Galerkin matrix :math:`M_{ij} = \int \phi_i \phi_j`
        (``A/6`` on the diagonal and ``A/12`` off it, per face). ``"lumped"``
        is its row-sum lumping, which equals ``"barycentric"`` (a third of each
        face per vertex). ``"voronoi"`` uses mixed Voronoi areas. The diagonal
        kinds are returned as CSR diagonals.

    Returns
    -------
    M : (n, n) scipy.sparse.csr_matrix
        Symmetric; ``1 @ M @ 1`` is the total area for every kind.
    """
    if kind == "full":
        weights = _face_sum_on_edges(metric, metric.face_areas() / 12.0)
        return _symmetric_from_edges(metric.mesh, weights, 1.0)
    if kind not in MASS_KINDS:
        raise GeomflowError(
            f"mass matrix kind must be one of {MASS_KINDS}, got {kind!r}"
        )
    return sp.diags(vertex_areas(metric, kind), format="csr")


def _face_sum_on_edges(metric: EdgeMetric, per_face: np.ndarray) -> np.ndarray:
    """Sum a per-face value over the (one or two) faces of every edge."""
    from . import _kernels

    corners = np.repeat(per_face[:, None], 3, axis=1)
    return _kernels.scatter_faces_to_edges(
        corners, metric.mesh.face_edges, metric.mesh.n_edges
    )


def face_frames_2d(metric: EdgeMetric) -> np.ndarray:
    """``(m, 3, 2)`` corner positions of each face laid out in its own plane.

    Corner 0 at the origin, corner 1 on the positive x-axis, corner 2 above
    it: an isometric copy of the face built from its side lengths only.
    """
    fl = metric.face_side_lengths()
    a, b, c = fl[:, 0], fl[:, 1], fl[:, 2]  # c = |01|, b = |02|, a = |12|
    area = metric.face_areas()
    corners = np.zeros((len(fl), 3, 2))
    corners[:, 1, 0] = c
    corners[:, 2, 0] = (c * c + b * b - a * a) / (2.0 * c)
    corners[:, 2, 1] = 2.0 * area / c
    return corners


def gradient_operator(metric: EdgeMetric) -> sp.csr_matrix:
    r"""The gradient of piecewise-linear functions, face by face.

    Returns ``G`` of shape ``(2 m, n)``: rows ``2 f`` and ``2 f + 1`` give the
    gradient of ``u`` on face ``f`` in that face's own frame (see
    :func:`face_frames_2d`). The hat function of corner ``k`` has gradient
    :math:`J e_k / (2A)`, with :math:`e_k` the side opposite ``k`` traversed
    counter-clockwise and ``J`` the rotation by +90 degrees. With
    ``T = diag(A_f)`` (each area twice), ``L = G^T T G``.

    Raises
    ------
    DegenerateMetricError
        If a face has zero area.
    """
    metric.corner_cotangents()  # raises on zero-area faces
    mesh = metric.mesh
    corners = face_frames_2d(metric)
    side = corners[:, [2, 0, 1]] - corners[:, [1, 2, 0]]  # e_k = p_{k+2} - p_{k+1}
    twice_area = 2.0 * metric.face_areas()[:, None]
    grad = np.stack([-side[..., 1], side[..., 0]], axis=-1) / twice_area[..., None]
    m = mesh.n_faces
    rows = np.broadcast_to(2 * np.arange(m)[:, None, None] + np.arange(2), (m, 3, 2))
    cols = np.repeat(mesh.faces[:, :, None], 2, axis=2)
    return sp.csr_matrix(
        (grad.ravel(), (rows.ravel(), cols.ravel())), shape=(2 * m, mesh.n_vertices)
    )


def divergence_operator(metric: EdgeMetric) -> sp.csr_matrix:
    r"""The integrated divergence of face vector fields, ``D = -G^T T``.

    Maps a tangent field given per face in the frames of
    :func:`face_frames_2d` (a ``(2 m,)`` vector) to ``(n,)`` values
    :math:`(D X)_i = \int \phi_i \,\mathrm{div} X = -\int \nabla\phi_i \cdot X`.
    With this sign ``D @ G = -L``, the discrete form of
    :math:`\mathrm{div}\,\nabla = \Delta`.
    """
    areas = np.repeat(metric.face_areas(), 2)
    return (-(gradient_operator(metric).T @ sp.diags(areas))).tocsr()
