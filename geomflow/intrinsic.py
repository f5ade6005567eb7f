r"""Intrinsic triangulations: triangles glued along edges, one length per edge.

An :class:`IntrinsicTriangulation` keeps the vertices of a surface but lets its
edges be flipped: the new edge of a flip is a geodesic (or, with Ptolemy's
rule, a decorated-hyperbolic) diagonal of the quadrilateral made by the two
triangles of the old one, and it need not be a straight segment in any
embedding. After flips two edges can join the same two vertices and a
triangle can be glued to itself, so the structure is face based: ``faces``
``(m, 3)`` with a twin map between *half-edges* instead of a
:class:`~geomflow.TriangleMesh`, which forbids both.

Conventions (those of :mod:`geomflow.mesh`): half-edge ``h = 3 f + k`` is side
``k`` of face ``f``, the side opposite corner ``k``, running from
``faces[f, (k + 1) % 3]`` to ``faces[f, (k + 2) % 3]``; ``twin[h]`` is the
half-edge of the neighbouring face along the same edge (``-1`` on the
boundary), and ``face_edges[f, k]`` the edge index of ``h``.

Two flip rules are offered:

``"euclidean"``
    the intrinsic (Euclidean) flip: the new length is the distance between the
    two opposite corners after unfolding the quadrilateral into the plane. It
    keeps the polyhedral metric, its angle sums and its area. Flipping every
    non-Delaunay edge ends at the intrinsic Delaunay triangulation (Bobenko and
    Springborn 2007).
``"ptolemy"``
    Ptolemy's relation on the quadrilateral ``k, i, l, j`` with diagonal ``ij``,

    .. math::

        \ell_{kl} = \frac{\ell_{ki} \ell_{lj} + \ell_{kj} \ell_{li}}{\ell_{ij}},

    the change of Penner coordinates :math:`\lambda = 2 \log \ell` of a
    decorated ideal hyperbolic surface. It agrees with the Euclidean flip on
    cyclic quadrilaterals, where a Delaunay edge can be flipped both ways, and
    commutes with conformal scaling :math:`\ell_{ij} e^{(u_i + u_j)/2}` (the
    factors cancel). It is the flip of the discrete conformal maps of
    Gillespie, Springborn and Crane (2021) and Campen et al. (2021).

The Delaunay test of an interior edge with opposite corners ``k`` and ``l`` is
``cot(theta_k) + cot(theta_l) >= 0``. Where a triangle breaks its triangle
inequality (possible in Penner coordinates) it uses the law-of-cosines form
``cos(theta_k) + cos(theta_l) >= 0``, which has the same sign on valid
triangles and stays defined on broken ones: it is the Delaunay condition of
the decorated hyperbolic surface (the horocyclic-arc condition of Penner).
"""

from __future__ import annotations

import hashlib
import logging
import math

import numpy as np
import scipy.sparse as sp

from ._validate import as_array
from .errors import (
    DegenerateMetricError,
    GeomflowError,
    MetricError,
    describe_indices,
)
from .mesh import NEXT, PREV, TriangleMesh
from .metric import EdgeMetric

__all__ = ["IntrinsicTriangulation", "FlipError", "FLIP_RULES"]

log = logging.getLogger(__name__)

#: Flip rules of :meth:`IntrinsicTriangulation.flip`.
FLIP_RULES = ("ptolemy", "euclidean")


class FlipError(GeomflowError, ValueError):
    """An edge cannot be flipped (boundary, self-glued, or a non-convex quad)."""


class IntrinsicTriangulation:
    r"""A mutable triangulation of a surface given by edge lengths alone.

    Parameters
    ----------
    metric : EdgeMetric
        The starting triangulation (``metric.mesh``) and its lengths. Edge
        ``e`` of the triangulation starts as ``metric.mesh.edges[e]``; a flip
        keeps the index of the flipped edge and changes its endpoints.

    Notes
    -----
    Flips keep the vertices, the number of faces and edges, the boundary
    (boundary edges are never flipped), the orientation of every face and
    hence the Euler characteristic. The lengths may break triangle
    inequalities (Ptolemy flips of a non-Delaunay triangulation do); geometric
    queries then raise :class:`~geomflow.MetricError`, and
    :meth:`make_delaunay` with ``rule="ptolemy"`` repairs them: on a Delaunay
    triangulation of a decorated surface every triangle inequality holds
    (Gillespie, Springborn and Crane 2021, section 4).

    References: A. Bobenko and B. Springborn, *A discrete Laplace-Beltrami
    operator for simplicial surfaces*, Discrete Comput. Geom. 38 (2007);
    M. Gillespie, B. Springborn and K. Crane, *Discrete conformal equivalence
    of polyhedral surfaces*, ACM TOG 40(4) (2021); M. Campen, R. Capouellez,
    H. Shen, L. Zhu, D. Panozzo and D. Zorin, *Efficient and robust discrete
    conformal equivalence with boundary*, ACM TOG 40(6) (2021).
    """

    def __init__(self, metric: EdgeMetric):
        if not isinstance(metric, EdgeMetric):
            raise GeomflowError(
                "IntrinsicTriangulation needs a gf.EdgeMetric, got "
                f"{type(metric).__name__}; use gf.EdgeMetric.from_mesh(mesh)"
            )
        mesh = metric.mesh
        self._n = mesh.n_vertices
        self._faces = np.array(mesh.faces, dtype=np.int64)
        self._lengths = np.array(metric.lengths, dtype=np.float64)
        self._face_edges = np.array(mesh.face_edges, dtype=np.int64)
        half = 3 * mesh.edge_faces + mesh.edge_sides
        self._edge_half = np.where(mesh.edge_faces >= 0, half, -1).astype(np.int64)
        self._twin = np.full(3 * mesh.n_faces, -1, dtype=np.int64)
        inner = self._edge_half[:, 1] >= 0
        h0, h1 = self._edge_half[inner, 0], self._edge_half[inner, 1]
        self._twin[h0], self._twin[h1] = h1, h0
        self._boundary = np.array(mesh.boundary_vertices)
        self._referenced = np.array(mesh.referenced_vertices)
        self._chi = mesh.euler_characteristic
        #: Number of flips performed on this object.
        self.n_flips = 0
        self._cache: dict = {}
        self._pattern = None

    # ------------------------------------------------------------------ access

    @property
    def n_vertices(self) -> int:
        return self._n

    @property
    def n_faces(self) -> int:
        return len(self._faces)

    @property
    def n_edges(self) -> int:
        return len(self._lengths)

    @property
    def faces(self) -> np.ndarray:
        """``(m, 3) int64`` corners of each face, counter-clockwise (read-only)."""
        return _read_only(self._faces)

    @property
    def lengths(self) -> np.ndarray:
        """``(e,) float64`` length of each edge (a read-only view)."""
        return _read_only(self._lengths)

    @property
    def face_edges(self) -> np.ndarray:
        """``(m, 3) int64``: edge index of side ``k`` (opposite corner ``k``)."""
        return _read_only(self._face_edges)

    @property
    def twin(self) -> np.ndarray:
        """``(3 m,) int64``: the half-edge glued to half-edge ``3 f + k``, or -1."""
        return _read_only(self._twin)

    @property
    def edge_halfedges(self) -> np.ndarray:
        """``(e, 2) int64``: the half-edges of each edge (``-1`` on the boundary)."""
        return _read_only(self._edge_half)

    @property
    def boundary_vertices(self) -> np.ndarray:
        """``(n,) bool``: vertices on the boundary (flips never change them)."""
        return _read_only(self._boundary)

    @property
    def euler_characteristic(self) -> int:
        return self._chi

    def edge_vertices(self) -> np.ndarray:
        """``(e, 2) int64`` endpoints of each edge, smaller index first.

        Both entries are equal for an edge that is a loop at one vertex.
        """
        f, k = np.divmod(self._edge_half[:, 0], 3)
        ends = np.stack([self._faces[f, NEXT[k]], self._faces[f, PREV[k]]], axis=1)
        return np.sort(ends, axis=1)

    def face_side_lengths(self) -> np.ndarray:
        """``(m, 3)``: ``[f, k]`` is the length of the side opposite corner ``k``."""
        return self._lengths[self._face_edges]

    def copy(self) -> IntrinsicTriangulation:
        """An independent copy (the flip counter starts again at zero)."""
        other = object.__new__(IntrinsicTriangulation)
        other.__dict__.update(self.__dict__)
        for name in ("_faces", "_lengths", "_face_edges", "_edge_half", "_twin"):
            setattr(other, name, getattr(self, name).copy())
        other.n_flips, other._cache = 0, {}
        return other

    def conformal(self, u) -> IntrinsicTriangulation:
        r"""A copy with the lengths :math:`\ell_{ij} e^{(u_i + u_j)/2}`.

        Parameters
        ----------
        u : (n,) array_like of float
            Log conformal factor per vertex.
        """
        u = np.asarray(u, dtype=np.float64)
        if u.shape != (self._n,) or not np.all(np.isfinite(u)):
            raise MetricError(
                f"u must be a finite array of shape ({self._n},), got shape {u.shape}"
            )
        other = self.copy()
        other._lengths = self._scaled_lengths(u)
        return other

    def to_edge_metric(self, vertices) -> EdgeMetric:
        """The triangulation as an :class:`EdgeMetric` on a :class:`TriangleMesh`.

        Parameters
        ----------
        vertices : (n, 3) array_like of float
            Positions for the new mesh (for display only: the metric is the
            lengths, not these positions).

        Raises
        ------
        MeshError
            If the triangulation is not a simplicial surface (two edges join
            the same vertices, an edge is a loop, or two faces coincide).
        MetricError
            If a triangle inequality fails.
        """
        mesh = TriangleMesh(vertices, self._faces)
        lengths = np.empty(mesh.n_edges)
        lengths[mesh.face_edges] = self.face_side_lengths()
        return EdgeMetric(mesh, lengths)

    def __repr__(self) -> str:
        return (
            f"IntrinsicTriangulation(n_vertices={self._n}, n_faces={self.n_faces}, "
            f"n_edges={self.n_edges}, n_flips={self.n_flips})"
        )

    # ------------------------------------------------------------------ geometry

    def triangle_status(self) -> np.ndarray:
        """``(m,) int8`` per face: 0 valid, 1 degenerate, 2 inequality broken."""
        from . import _kernels

        return self._cached(
            "status", lambda: _kernels.triangle_status(self.face_side_lengths())
        )

    def face_areas(self) -> np.ndarray:
        """``(m,)`` areas by Kahan's form of Heron's formula.

        Raises
        ------
        MetricError
            If a face breaks its triangle inequality.
        """
        from . import _kernels

        def compute():
            self._check_triangles()
            return _kernels.face_areas(self.face_side_lengths())

        return self._cached("area", compute)

    def corner_angles(self) -> np.ndarray:
        """``(m, 3)``: ``[f, k]`` is the angle at corner ``k`` of face ``f``."""
        from . import _kernels

        return self._cached(
            "angle",
            lambda: _kernels.corner_angles(self.face_side_lengths(), self.face_areas()),
        )

    def corner_cotangents(self) -> np.ndarray:
        """``(m, 3)`` cotangents of the corner angles.

        Raises
        ------
        DegenerateMetricError
            If a face has zero area.
        """
        from . import _kernels
        from ._kernels import DEGENERATE

        def compute():
            area = self.face_areas()
            flat = np.flatnonzero(self.triangle_status() == DEGENERATE)
            if len(flat):
                raise DegenerateMetricError(
                    f"faces {describe_indices(flat)} of the intrinsic triangulation "
                    "have zero area; make it Delaunay (make_delaunay) first"
                )
            return _kernels.corner_cotangents(self.face_side_lengths(), area)

        return self._cached("cot", compute)

    def angle_sums(self) -> np.ndarray:
        """``(n,)`` sum of the corner angles at each vertex."""
        from . import _kernels

        return self._cached(
            "angle_sum",
            lambda: _kernels.scatter_corners_to_vertices(
                self.corner_angles(), self._faces, self._n
            ),
        )

    def angle_defects(self) -> np.ndarray:
        """``(n,)`` angle defects: ``2 pi - sum`` inside, ``pi - sum`` on the boundary.

        Zero at vertices in no face. They sum to ``2 pi chi`` (Gauss-Bonnet).
        """
        full = np.where(self._boundary, np.pi, 2.0 * np.pi)
        return np.where(self._referenced, full - self.angle_sums(), 0.0)

    def total_area(self) -> float:
        return float(self.face_areas().sum())

    def cotan_weights(self) -> np.ndarray:
        """``(e,)`` weights ``(cot alpha + cot beta) / 2`` of the edges."""
        from . import _kernels

        return _kernels.scatter_faces_to_edges(
            0.5 * self.corner_cotangents(), self._face_edges, self.n_edges
        )

    def cotan_laplacian(self, *, out: sp.csr_matrix | None = None) -> sp.csr_matrix:
        r"""The positive semidefinite cotangent Laplacian of the current faces.

        .. math::

            (L u)_i = \tfrac12 \sum_{\text{sides } ij}
                      \cot\theta_{ij} \, (u_i - u_j),

        summed over the sides of all faces, with :math:`\theta_{ij}` the angle
        opposite the side. Two edges joining the same vertices add up; a loop
        edge contributes nothing. On an intrinsic Delaunay triangulation every
        off-diagonal entry is ``<= 0`` (Bobenko and Springborn 2007).

        Parameters
        ----------
        out : scipy.sparse.csr_matrix, optional
            A matrix returned by an earlier call on a triangulation with the
            same faces; refilled in place and returned.

        Returns
        -------
        L : (n, n) scipy.sparse.csr_matrix
        """
        indptr, indices, positions = self._laplacian_pattern()
        w = 0.5 * self.corner_cotangents()
        values = np.stack([w, w, -w, -w], axis=-1)
        data = np.bincount(
            positions.ravel(), weights=values.ravel(), minlength=len(indices)
        )
        if out is not None:
            if not (
                sp.issparse(out)
                and out.format == "csr"
                and np.array_equal(out.indptr, indptr)
                and np.array_equal(out.indices, indices)
            ):
                raise GeomflowError(
                    "out must be a CSR matrix from an earlier call on the same faces; "
                    "after flips omit out= to get a new matrix"
                )
            out.data[:] = data
            return out
        n = self._n
        matrix = sp.csr_matrix((data, indices.copy(), indptr.copy()), shape=(n, n))
        matrix.has_sorted_indices = True
        return matrix

    # ------------------------------------------------------------------ Delaunay

    def delaunay_margins(self, u=None) -> np.ndarray:
        r"""``(e,)``: a number that is ``>= 0`` exactly on Delaunay edges.

        ``cot(theta_k) + cot(theta_l)`` for the angles opposite an interior
        edge when both its faces are valid triangles, else
        ``cos(theta_k) + cos(theta_l)`` by the law of cosines (same sign,
        defined for any positive lengths); ``inf`` on boundary edges.

        Parameters
        ----------
        u : (n,) array_like of float, optional
            Test in the conformally scaled lengths ``l_ij exp((u_i + u_j)/2)``.
        """
        from . import _kernels
        from ._kernels import VALID

        lengths = self._lengths if u is None else self._scaled_lengths(u)
        fl = lengths[self._face_edges]
        a, b, c = fl, np.roll(fl, -1, axis=1), np.roll(fl, -2, axis=1)
        with np.errstate(over="ignore", invalid="ignore"):  # extreme ratios
            cos = 0.5 * (b / c + c / b - (a / b) * (a / c))
        valid = _kernels.triangle_status(fl) == VALID
        area = np.zeros(len(fl))
        area[valid] = _kernels.face_areas(fl[valid])
        valid &= area > 0.0  # an area can underflow on extreme shapes
        cot = np.full(fl.shape, np.nan)
        cot[valid] = _kernels.corner_cotangents(fl[valid], area[valid])
        margins = np.full(self.n_edges, np.inf)
        inner = np.flatnonzero(self._edge_half[:, 1] >= 0)
        h0, h1 = self._edge_half[inner, 0], self._edge_half[inner, 1]
        both = valid[h0 // 3] & valid[h1 // 3]
        margins[inner] = np.where(
            both,
            cot.ravel()[h0] + cot.ravel()[h1],
            cos.ravel()[h0] + cos.ravel()[h1],
        )
        return margins

    def is_delaunay(self, e: int, *, u=None, tol: float = 0.0) -> bool:
        """True if edge ``e`` is locally Delaunay: ``cot alpha + cot beta >= -tol``.

        See :meth:`delaunay_margins` for the test and for ``u``.
        """
        e = self._check_edge(e)
        if self._edge_half[e, 1] < 0:
            return True
        from . import _kernels

        lengths = self._quad_lengths(e, None if u is None else np.asarray(u, float))
        return _kernels.delaunay_margin(*lengths) >= -tol

    def flip(self, e: int, rule: str = "ptolemy") -> float:
        """Flip interior edge ``e`` to the other diagonal of its quadrilateral.

        The faces ``(k, i, j)`` and ``(l, j, i)`` on both sides of ``e = ij``
        become ``(k, i, l)`` and ``(l, j, k)``, both counter-clockwise again;
        edge ``e`` now joins ``k`` and ``l`` and keeps its index.

        Parameters
        ----------
        e : int
            Edge index.
        rule : {"ptolemy", "euclidean"}
            How the new length is computed (see :mod:`geomflow.intrinsic`).

        Returns
        -------
        float
            The new length of edge ``e``.

        Raises
        ------
        FlipError
            If ``e`` is a boundary edge, has the same face on both sides, or
            (Euclidean rule) its quadrilateral is not convex.
        MetricError
            Euclidean rule only: a face of ``e`` breaks its triangle inequality.
        """
        e = self._check_edge(e)
        if rule not in FLIP_RULES:
            raise GeomflowError(
                f"unknown flip rule {rule!r}; choose one of {FLIP_RULES}"
            )
        from . import _kernels

        sides = self._quad_lengths(e, None)
        new, status = _kernels.flip_length(*sides, rule == "euclidean")
        _raise_for_flip(status, e, sides)
        _kernels.flip_edge(*self._connectivity(), self._lengths, e, new)
        self.n_flips += 1
        self._cache, self._pattern = {}, None
        return float(new)

    def make_delaunay(
        self, rule: str = "ptolemy", *, u=None, tol: float = 1e-12
    ) -> int:
        r"""Flip non-Delaunay edges until every edge is Delaunay.

        A queue starts with every edge; an edge that fails :meth:`is_delaunay`
        when its turn comes is flipped, and the four outer edges of its
        quadrilateral are queued again (a numba kernel). With the
        Euclidean rule this is the intrinsic Delaunay algorithm of Bobenko and
        Springborn (2007), which ends because each flip lowers the Dirichlet
        energy of piecewise-linear functions; with Ptolemy's rule it is the
        flip algorithm for the Delaunay triangulation of a decorated ideal
        hyperbolic surface, which ends for the same reason in Penner's convex
        hull picture (Gillespie, Springborn and Crane 2021).

        Parameters
        ----------
        rule : {"ptolemy", "euclidean"}
        u : (n,) array_like of float, optional
            Ptolemy rule only: make the triangulation Delaunay for the scaled
            lengths :math:`\ell_{ij} e^{(u_i + u_j)/2}` while keeping the stored
            (unscaled) ones. Since Ptolemy's relation commutes with the scaling,
            ``self.conformal(u)`` is then the Delaunay triangulation of the
            scaled metric.
        tol : float
            Flip only edges with ``cot alpha + cot beta < -tol``, so that
            cyclic quadrilaterals (ties) are not flipped back and forth.

        Returns
        -------
        int
            The number of flips.

        Raises
        ------
        GeomflowError
            If more than ``100 e + 1000`` flips were needed (round-off trouble:
            the algorithm provably ends).
        """
        if rule not in FLIP_RULES:
            raise GeomflowError(
                f"unknown flip rule {rule!r}; choose one of {FLIP_RULES}"
            )
        if u is not None:
            if rule != "ptolemy":
                raise GeomflowError(
                    "u= needs rule='ptolemy': only Ptolemy flips commute with "
                    "conformal scaling"
                )
            u = as_array(u, "u", dtype=np.float64, shape=(self._n,), finite=True)
        from . import _kernels

        every = np.arange(self.n_edges)  # each tested once, then what flips touch
        limit = 100 * self.n_edges + 1000
        flips, status, e = _kernels.delaunay_flips(
            *self._connectivity(),
            self._lengths,
            np.zeros(self._n) if u is None else u,
            every,
            rule == "euclidean",
            float(tol),
            limit,
        )
        self.n_flips += flips
        if flips:
            self._cache, self._pattern = {}, None
            log.debug("make_delaunay (%s): %d flips", rule, flips)
        if status == _kernels.FLIP_LIMIT:
            raise GeomflowError(
                f"make_delaunay did not finish within {limit} flips; the "
                "lengths are too close to degenerate for the Delaunay test"
            )
        if status != _kernels.FLIP_OK:
            _raise_for_flip(status, int(e), self._quad_lengths(int(e), None))
        return flips

    # ------------------------------------------------------------------ helpers

    def _connectivity(self) -> tuple:
        """The arrays the flip kernels edit in place: faces, edge of every
        half-edge, twins, half-edges of every edge.

        The edge of every half-edge is a flat view of ``_face_edges``, which
        ``__init__`` and :meth:`copy` make C-contiguous so that the view
        shares its memory and the kernels' edits land in it.
        """
        return self._faces, self._face_edges.reshape(-1), self._twin, self._edge_half

    def _check_edge(self, e) -> int:
        if not (isinstance(e, (int, np.integer)) and 0 <= e < self.n_edges):
            raise GeomflowError(f"edge index must be in [0, {self.n_edges}), got {e!r}")
        return int(e)

    def _quad(self, e: int) -> tuple:
        """Faces, corners and outer half-edges of the two triangles at edge ``e``.

        Returns ``f0, f1, k, i, j, l, h_ki, h_jk, h_il, h_lj`` where ``f0`` is
        ``(k, i, j)`` and ``f1`` is ``(l, j, i)`` up to rotation, and ``h_xy``
        is the half-edge running from ``x`` to ``y``.
        """
        h0, h1 = (int(h) for h in self._edge_half[e])
        if h1 < 0:
            raise FlipError(f"edge {e} is on the boundary and cannot be flipped")
        if h0 // 3 == h1 // 3:
            raise FlipError(
                f"edge {e} has face {h0 // 3} on both sides (a self-glued triangle) "
                "and cannot be flipped"
            )
        from . import _kernels

        quad = _kernels.edge_quad(self._faces, self._edge_half, e)
        return tuple(int(x) for x in quad)

    def _quad_lengths(self, e: int, u) -> tuple:
        """``(l_ij, l_ki, l_jk, l_il, l_lj)`` at edge ``e``, scaled by ``u``."""
        f0, f1, k, i, j, l, *halves = self._quad(e)
        edge = self._face_edges.reshape(-1)
        ends = [(i, j), (k, i), (j, k), (i, l), (l, j)]
        values = [self._lengths[e]] + [self._lengths[edge[h]] for h in halves]
        if u is not None:
            values = [
                x * math.exp(0.5 * (u[p] + u[q]))
                for x, (p, q) in zip(values, ends, strict=True)
            ]
        if not all(math.isfinite(x) and x > 0.0 for x in values):
            raise MetricError(
                f"edge {e} or its neighbours have lengths {values} at this u: "
                "overflow or underflow of the conformal factor; take a smaller step"
            )
        return tuple(float(x) for x in values)

    def _scaled_lengths(self, u) -> np.ndarray:
        u = np.asarray(u, dtype=np.float64)
        ends = self.edge_vertices()
        with np.errstate(over="ignore", under="ignore"):
            lengths = self._lengths * np.exp(0.5 * (u[ends[:, 0]] + u[ends[:, 1]]))
        bad = np.flatnonzero(~(np.isfinite(lengths) & (lengths > 0)))
        if len(bad):
            raise MetricError(
                f"the conformal factor u makes edges {describe_indices(bad)} overflow "
                "or vanish (|u| is too large); take a smaller step"
            )
        return lengths

    def _check_triangles(self) -> None:
        from ._kernels import VIOLATED

        broken = np.flatnonzero(self.triangle_status() == VIOLATED)
        if len(broken):
            raise MetricError(
                f"faces {describe_indices(broken)} of the intrinsic triangulation "
                "break the triangle inequality (face "
                f"{broken[0]} has sides {self.face_side_lengths()[broken[0]].tolist()}"
                "); make_delaunay(rule='ptolemy') restores valid triangles"
            )

    def _laplacian_pattern(self):
        """CSR structure and the data position of the 4 entries of every side.

        Triangulations with the same faces share one pattern: a flow that
        rescales lengths without flipping builds it once.
        """
        if self._pattern is None:
            digest = hashlib.blake2b(self._faces.tobytes(), digest_size=16).digest()
            key = (self._n, len(self._faces), digest)
            self._pattern = _PATTERNS.get(key)
            if self._pattern is None:
                self._pattern = _side_pattern(self._faces, self._n)
                _PATTERNS[key] = self._pattern
                while len(_PATTERNS) > 4:  # the few most recent triangulations
                    del _PATTERNS[next(iter(_PATTERNS))]
        return self._pattern

    def _cached(self, key: str, compute):
        value = self._cache.get(key)
        if value is None:
            value = _read_only(np.ascontiguousarray(compute()))
            self._cache[key] = value
        return value


# ---------------------------------------------------------------------- scalars


#: Laplacian patterns of recently seen face lists, by a digest of the faces.
_PATTERNS: dict = {}


def _side_pattern(faces: np.ndarray, n: int):
    """CSR structure of the side entries of ``faces`` and each entry's position."""
    from . import _kernels

    return _kernels.side_pattern(faces, n)


def _read_only(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.setflags(write=False)
    return view


def _raise_for_flip(status: int, e: int, sides) -> None:
    """The error for a FLIP_* status of edge ``e`` (``sides``: ij, ki, jk, il, lj)."""
    from . import _kernels

    if status == _kernels.FLIP_OK:
        return
    if status == _kernels.FLIP_OVERFLOW:
        raise MetricError(
            f"edge {e} or its neighbours overflow or vanish when scaled by this u "
            "(|u| is too large); take a smaller step"
        )
    ij, ki, jk, il, lj = (f"{x:.6g}" for x in sides)
    if status == _kernels.FLIP_BROKEN:
        raise MetricError(
            f"a face of edge {e} breaks the triangle inequality (sides {ij}, {ki}, "
            f"{jk} and {ij}, {il}, {lj}); the Euclidean flip needs valid triangles"
        )
    raise FlipError(
        f"edge {e}: its quadrilateral is not convex, so the other diagonal "
        "leaves it; only non-Delaunay edges are sure to be flippable"
    )
