"""The discrete Riemannian metric of a mesh: one length per edge.

Everything intrinsic in geomflow (angles, areas, curvature, the cotangent
Laplacian) is computed from an :class:`EdgeMetric` alone, never from vertex
positions. A curvature flow changes the metric and keeps the mesh.
"""

from __future__ import annotations

import numpy as np

from ._validate import as_array, freeze
from .errors import (
    DegenerateMetricError,
    GeomflowError,
    MetricError,
    describe_indices,
)
from .mesh import TriangleMesh

__all__ = ["EdgeMetric", "as_metric"]


class EdgeMetric:
    """Edge lengths of a triangle mesh, satisfying the triangle inequality.

    Parameters
    ----------
    mesh : TriangleMesh
        The combinatorics the lengths live on.
    lengths : (e,) array_like of float
        ``lengths[i]`` is the length of ``mesh.edges[i]``. Positive and finite;
        on each face the three lengths must satisfy the triangle inequality.
        Faces where it holds with equality (zero area) are allowed here but
        refused by :meth:`cotan_weights` and the operators built on it.

    Raises
    ------
    MetricError
        If a length is not positive and finite, or a face violates the triangle
        inequality (the message names the faces).

    Notes
    -----
    Derived quantities (angles, areas, cotangents) are computed once, on first
    use, and returned as read-only arrays. A changed metric is a new object:
    see :meth:`conformal`.
    """

    def __init__(self, mesh: TriangleMesh, lengths):
        if not isinstance(mesh, TriangleMesh):
            raise MetricError(
                f"mesh must be a gf.TriangleMesh, got {type(mesh).__name__}"
            )
        lengths = as_array(
            lengths,
            "lengths",
            dtype=np.float64,
            shape=(mesh.n_edges,),
            error=MetricError,
            finite=True,
        )
        bad = np.flatnonzero(lengths <= 0)
        if len(bad):
            raise MetricError(
                f"edge lengths must be positive; edges {describe_indices(bad)} have "
                f"lengths {lengths[bad[:3]].tolist()}"
            )
        self._mesh = mesh
        self._lengths = freeze(lengths)
        self._cache: dict[str, np.ndarray] = {}
        status = self._status()
        from ._kernels import VIOLATED

        violated = np.flatnonzero(status == VIOLATED)
        if len(violated):
            f = violated[0]
            raise MetricError(
                f"faces {describe_indices(violated)} violate the triangle inequality "
                f"(face {f} has sides {self.face_side_lengths()[f].tolist()}); "
                "such lengths are not a metric: shorten the step that produced them "
                "or flip edges to restore valid triangles"
            )

    @classmethod
    def from_mesh(cls, mesh: TriangleMesh) -> EdgeMetric:
        """The metric induced by the embedding: Euclidean lengths of the edges."""
        from . import _kernels

        return cls(mesh, _kernels.edge_lengths(mesh.vertices, mesh.edges))

    @property
    def mesh(self) -> TriangleMesh:
        return self._mesh

    @property
    def lengths(self) -> np.ndarray:
        """``(e,) float64`` edge lengths aligned with ``mesh.edges`` (read-only)."""
        return self._lengths

    def conformal(self, u) -> EdgeMetric:
        """The conformally rescaled metric ``l_ij exp((u_i + u_j) / 2)``.

        Parameters
        ----------
        u : (n,) array_like of float
            Log conformal factor per vertex.

        Raises
        ------
        MetricError
            If the new lengths violate a triangle inequality.
        """
        u = as_array(
            u,
            "u",
            dtype=np.float64,
            shape=(self._mesh.n_vertices,),
            error=MetricError,
            finite=True,
        )
        edges = self._mesh.edges
        return EdgeMetric(
            self._mesh, self._lengths * np.exp(0.5 * (u[edges[:, 0]] + u[edges[:, 1]]))
        )

    def scaled(self, factor: float) -> EdgeMetric:
        """Every length multiplied by ``factor`` (areas by ``factor**2``)."""
        if not (np.isfinite(factor) and factor > 0):
            raise MetricError(f"scale factor must be positive and finite, got {factor}")
        return EdgeMetric(self._mesh, self._lengths * factor)

    # ------------------------------------------------------------------ per face

    def face_side_lengths(self) -> np.ndarray:
        """``(m, 3)``: ``[f, k]`` is the length of the side opposite corner ``k``."""
        return self._cached("side", lambda: self._lengths[self._mesh.face_edges])

    def face_areas(self) -> np.ndarray:
        """``(m,)`` areas by Kahan's formula with sorted sides (zero if degenerate)."""
        from . import _kernels

        return self._cached(
            "area", lambda: _kernels.face_areas(self.face_side_lengths())
        )

    def corner_angles(self) -> np.ndarray:
        """``(m, 3)``: ``[f, k]`` is the angle at vertex ``faces[f, k]``, in radians."""
        from . import _kernels

        return self._cached(
            "angle",
            lambda: _kernels.corner_angles(self.face_side_lengths(), self.face_areas()),
        )

    def degenerate_faces(self) -> np.ndarray:
        """Indices of faces with zero area (the triangle inequality is an equality)."""
        from ._kernels import DEGENERATE

        return np.flatnonzero(self._status() == DEGENERATE)

    def corner_cotangents(self) -> np.ndarray:
        """``(m, 3)`` cotangent of each corner angle; negative at obtuse corners.

        Raises
        ------
        DegenerateMetricError
            If a face has zero area (its cotangents would be infinite).
        """
        from . import _kernels

        def compute():
            self._require_positive_areas()
            return _kernels.corner_cotangents(
                self.face_side_lengths(), self.face_areas()
            )

        return self._cached("cot", compute)

    # ------------------------------------------------------------------ per edge

    def cotan_weights(self) -> np.ndarray:
        """``(e,)`` cotangent weights ``w_ij = (cot a_ij + cot b_ij) / 2``.

        ``a_ij`` and ``b_ij`` are the angles opposite edge ``ij``; a boundary
        edge has only one. A weight is negative when the opposite angles sum to
        more than pi (the edge is not locally Delaunay).
        """
        from . import _kernels

        def compute():
            if "cot" in self._cache:
                return _kernels.scatter_faces_to_edges(
                    0.5 * self._cache["cot"], self._mesh.face_edges, self._mesh.n_edges
                )
            self._require_positive_areas()
            return _kernels.cotan_edge_weights(
                self.face_side_lengths(),
                self.face_areas(),
                self._mesh.face_edges,
                self._mesh.n_edges,
            )

        return self._cached("weights", compute)

    # ------------------------------------------------------------------ per vertex

    def angle_sums(self) -> np.ndarray:
        """``(n,)`` sum of the corner angles at each vertex."""
        from . import _kernels

        return self._cached(
            "angle_sum",
            lambda: _kernels.scatter_corners_to_vertices(
                self.corner_angles(), self._mesh.faces, self._mesh.n_vertices
            ),
        )

    def angle_defects(self) -> np.ndarray:
        """``(n,)`` discrete Gaussian curvature: the angle defect at each vertex.

        ``2 pi - sum of angles`` at interior vertices, ``pi - sum of angles``
        (geodesic curvature) at boundary vertices, ``0`` at vertices in no face.
        By the discrete Gauss-Bonnet theorem the defects sum to
        ``2 pi chi`` exactly, up to round-off.
        """

        def compute():
            mesh = self._mesh
            full = np.where(mesh.boundary_vertices, np.pi, 2.0 * np.pi)
            return np.where(mesh.referenced_vertices, full - self.angle_sums(), 0.0)

        return self._cached("defect", compute)

    def total_area(self) -> float:
        """Sum of the face areas."""
        return float(self.face_areas().sum())

    def __repr__(self) -> str:
        return (
            f"EdgeMetric(n_edges={self._mesh.n_edges}, "
            f"mean_length={self._lengths.mean():.6g}, area={self.total_area():.6g})"
        )

    # ------------------------------------------------------------------ helpers

    def _require_positive_areas(self) -> None:
        degenerate = self.degenerate_faces()
        if len(degenerate):
            raise DegenerateMetricError(
                f"faces {describe_indices(degenerate)} have zero area, so their "
                "cotangents are infinite; remove them (gf.repair) or flip edges "
                "to an intrinsic Delaunay triangulation"
            )

    def _status(self) -> np.ndarray:
        from . import _kernels

        return self._cached(
            "status", lambda: _kernels.triangle_status(self.face_side_lengths())
        )

    def _cached(self, key: str, compute) -> np.ndarray:
        value = self._cache.get(key)
        if value is None:
            value = freeze(np.ascontiguousarray(compute()))
            self._cache[key] = value
        return value


def as_metric(mesh_or_metric, needed_by: str) -> EdgeMetric:
    """The metric itself, or the metric a mesh induces (:meth:`EdgeMetric.from_mesh`).

    ``needed_by`` names the caller in the error raised for anything else.
    """
    if isinstance(mesh_or_metric, EdgeMetric):
        return mesh_or_metric
    if isinstance(mesh_or_metric, TriangleMesh):
        return EdgeMetric.from_mesh(mesh_or_metric)
    raise GeomflowError(
        f"{needed_by} needs a gf.TriangleMesh or a gf.EdgeMetric, got "
        f"{type(mesh_or_metric).__name__}; build one with gf.TriangleMesh("
        "vertices, faces)"
    )
