r"""Lay a flat metric out in the plane: disks directly, tori on a fundamental domain.

A metric whose angle defects vanish at the interior vertices is locally the
Euclidean plane, so its triangles can be unfolded one by one: place a seed
face from its side lengths, then cross its edges breadth first, each new
triangle fixed by the two corners it shares with its placed neighbour and its
two other side lengths, on the side its orientation asks for.

* A **disk** unfolds without overlap of copies: every vertex gets one
  position, whatever path reached it (the holonomy around every vertex is
  trivial and the disk is simply connected).
* A **torus** does not. The breadth-first tree of faces is a spanning tree of
  the dual graph; cutting the surface along the edges the tree does not cross
  leaves a disk, the *fundamental domain*. A vertex on the cut has several
  copies, and the copies across a cut edge differ by a translation. A flat
  torus is the plane modulo a lattice of translations, and the cut
  translations generate it; a reduced basis of that lattice are the *periods*.

The layout is intrinsic: it uses :meth:`EdgeMetric.face_side_lengths` and
:meth:`EdgeMetric.face_areas` (Kahan's formula), never the vertex positions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from math import gcd

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order

from .errors import GeomflowError, MetricError, TopologyError
from .mesh import NEXT, PREV, TriangleMesh
from .metric import EdgeMetric
from .operators import face_frames_2d

__all__ = ["Layout", "layout_flat"]

log = logging.getLogger(__name__)

#: Translations shorter than this fraction of sqrt(total area) count as zero.
_ZERO_TRANSLATION = 1e-6
#: Largest distance of a lattice coordinate from an integer that is accepted.
_INTEGER_SLACK = 1e-6


@dataclass
class Layout:
    """A flat metric laid out in the plane.

    Attributes
    ----------
    corner_uv : (m, 3, 2) ndarray of float64
        Position of every face corner (``corner_uv[f, k]`` is vertex
        ``faces[f, k]`` as seen from face ``f``). The faces, so placed, are
        isometric copies of the metric's triangles, counter-clockwise.
    uv : (n, 2) ndarray of float64
        One position per vertex: for a disk the mean of its (coinciding)
        copies; for a torus the copy in the face placed first. Vertices in no
        face stay at the origin.
    periods : (2, 2) ndarray of float64 or None
        Torus only: rows ``p1, p2``, a Lagrange-Gauss reduced basis of the
        period lattice (``|p1| <= |p2|``, ``|p1 . p2| <= |p1|^2 / 2``,
        ``det(p1, p2) > 0``).
    kind : {"disk", "torus"}
    face_order : (m,) ndarray of int64
        Faces in the order they were placed (breadth first from the seed).
    parent : (m,) ndarray of int64
        The face each face was unfolded from (``-1`` for the seed).
    cut_edges : (c,) ndarray of int64
        Torus only (empty for a disk): the interior edges the face tree does
        not cross, along which the surface was cut.
    translations : (c, 2) ndarray of float64
        ``translations[i]`` carries the copies of the ends of ``cut_edges[i]``
        in face ``edge_faces[e, 0]`` onto those in ``edge_faces[e, 1]``; each
        is an integer combination of the periods (zero on parts of the cut
        that fold back on themselves).
    closure_error : float
        Largest distance between two copies of a vertex that should coincide
        (disk: any two copies; torus: the two ends of a cut edge after their
        mean translation). Round-off, plus what the residual angle defects
        accumulate along the tree.
    """

    corner_uv: np.ndarray
    uv: np.ndarray
    periods: np.ndarray | None
    kind: str
    face_order: np.ndarray = field(repr=False)
    parent: np.ndarray = field(repr=False)
    cut_edges: np.ndarray = field(repr=False)
    translations: np.ndarray = field(repr=False)
    closure_error: float = 0.0

    def edge_lengths(self, mesh: TriangleMesh) -> np.ndarray:
        """``(e,)`` length of every edge in the layout, read in its first face."""
        f, k = mesh.edge_faces[:, 0], mesh.edge_sides[:, 0]
        start = self.corner_uv[f, NEXT[k]]
        end = self.corner_uv[f, PREV[k]]
        return np.linalg.norm(end - start, axis=1)

    def face_side_lengths(self) -> np.ndarray:
        """``(m, 3)`` laid-out side lengths, ``[f, k]`` opposite corner ``k``.

        Compare with :meth:`EdgeMetric.face_side_lengths`: every copy of every
        edge is checked, including both sides of a cut.
        """
        p = self.corner_uv
        return np.linalg.norm(p[:, PREV] - p[:, NEXT], axis=2)

    def signed_areas(self) -> np.ndarray:
        """``(m,)`` signed area of each laid-out face (positive: not flipped)."""
        p = self.corner_uv
        u, v = p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]
        return 0.5 * (u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0])

    def lattice_coordinates(self, points) -> np.ndarray:
        """``(..., 2)`` coordinates ``c`` of planar points, ``point = c @ periods``.

        Raises
        ------
        GeomflowError
            For a disk layout, which has no period lattice.
        """
        if self.periods is None:
            raise GeomflowError(
                "a disk layout has no periods; lattice coordinates exist for tori"
            )
        return np.asarray(points, dtype=np.float64) @ np.linalg.inv(self.periods)


def layout_flat(metric: EdgeMetric, *, tol: float = 1e-8, seed_face: int = 0) -> Layout:
    r"""Unfold a flat metric into the plane, face by face.

    Parameters
    ----------
    metric : EdgeMetric
        Flat at every interior vertex: ``|2 pi - sum of angles| <= tol``
        (for example ``gf.curvature_flow(mesh, target="flat").metric``). The
        mesh must be connected and either a topological disk (genus 0, one
        boundary loop) or a closed torus (genus 1).
    tol : float
        Largest angle defect, in radians, accepted at an interior vertex.
    seed_face : int
        The face placed first: corner 0 at the origin, corner 1 on the
        positive x axis, corner 2 above it.

    Returns
    -------
    Layout
        Per-corner positions for every face, one position per vertex and, for
        a torus, the periods.

    Raises
    ------
    TopologyError
        If the mesh is not connected, or neither a disk nor a torus.
    MetricError
        If an interior angle defect exceeds ``tol`` (the message names the
        worst vertex and its defect): such a metric has no planar layout.
    GeomflowError
        If ``tol`` or ``seed_face`` is invalid, or (torus) the translations
        between copies do not form a lattice whose cell has the total area.

    Notes
    -----
    Each face ``g`` is placed from its tree parent ``f`` across their shared
    edge, which ``f`` runs from ``a`` to ``b`` and ``g`` from ``b`` to ``a``.
    With ``d`` the edge's length, ``e`` the unit vector from ``b`` to ``a``
    and ``n`` that vector turned by +90 degrees, the third corner ``c`` of
    ``g`` is

    .. math::

        c = b + \frac{d^2 + |bc|^2 - |ac|^2}{2 d} \, e + \frac{2 A_g}{d} \, n,

    to the left of ``b -> a`` because ``g`` lists ``b, a, c`` counter-
    clockwise. Faces of one tree depth are placed together.

    The period lattice is found from the cut translations ``T`` (all lattice
    vectors) and the total area ``A`` (the area of a lattice cell): with two
    independent translations ``B`` of ``|det B| = N A``, every lattice vector
    has coordinates in ``Z^2 / N`` in the basis ``B``; a Euclidean algorithm
    on the integer coordinates ``N B^{-1} T`` gives a basis of the lattice
    they generate, which Lagrange-Gauss reduction makes short and nearly
    orthogonal. A cell area other than ``A`` raises, so the returned periods
    always tile the plane with the fundamental domain.
    """
    mesh = metric.mesh
    kind = _kind(mesh)
    _check_arguments(mesh, tol, seed_face)
    _check_flat(metric, tol)

    order, parent, shared = _face_tree(mesh, seed_face)
    corner_uv = _unfold(metric, order, parent, shared, seed_face)
    non_tree = _non_tree_edges(mesh, shared)
    jumps, mismatch = _copy_translations(mesh, corner_uv, non_tree)

    if kind == "disk":
        uv = _mean_position(mesh, corner_uv)
        closure = float(np.linalg.norm(jumps, axis=1).max(initial=0.0))
        periods, cut, translations = None, np.zeros(0, np.int64), np.zeros((0, 2))
    else:
        uv = _first_position(mesh, corner_uv, order)
        closure = mismatch
        periods = _period_basis(jumps, metric.total_area())
        cut, translations = non_tree, jumps
    log.info("laid out a %s of %d faces, closure error %.3g", kind, len(order), closure)
    return Layout(
        corner_uv=corner_uv,
        uv=uv,
        periods=periods,
        kind=kind,
        face_order=order,
        parent=parent,
        cut_edges=cut,
        translations=translations,
        closure_error=closure,
    )


# ---------------------------------------------------------------------- checks


def _kind(mesh: TriangleMesh) -> str:
    loops = len(mesh.boundary_loops)
    if mesh.n_components == 1 and mesh.genus == 0 and loops == 1:
        return "disk"
    if mesh.n_components == 1 and mesh.genus == 1 and loops == 0:
        return "torus"
    raise TopologyError(
        "layout_flat needs a connected disk (genus 0, one boundary loop) or a "
        f"closed torus (genus 1); this mesh has {mesh.n_components} components, "
        f"genus {mesh.genus} and {loops} boundary loops. Cut the surface into a "
        "disk first, or lay out each component on its own"
    )


def _check_arguments(mesh: TriangleMesh, tol, seed_face) -> None:
    if not (np.isfinite(tol) and tol >= 0):
        raise GeomflowError(f"tol must be a non-negative number, got {tol}")
    ok = isinstance(seed_face, (int, np.integer)) and not isinstance(seed_face, bool)
    if not ok or not 0 <= seed_face < mesh.n_faces:
        raise GeomflowError(
            f"seed_face must be a face index from 0 to {mesh.n_faces - 1}, "
            f"got {seed_face!r}"
        )


def _check_flat(metric: EdgeMetric, tol: float) -> None:
    mesh = metric.mesh
    interior = mesh.referenced_vertices & ~mesh.boundary_vertices
    defects = np.where(interior, np.abs(metric.angle_defects()), 0.0)
    worst = int(np.argmax(defects))
    if defects[worst] > tol:
        n_bad = int(np.count_nonzero(defects > tol))
        raise MetricError(
            f"the metric is not flat: {n_bad} interior vertices have an angle "
            f"defect above tol = {tol:.3g}, the worst vertex {worst} with "
            f"{metric.angle_defects()[worst]:.6g} rad. Flatten it first, for "
            "example gf.curvature_flow(metric, target='flat').metric"
        )


# ---------------------------------------------------------------------- unfolding


def _face_tree(mesh: TriangleMesh, seed: int):
    """Breadth-first order, parent face and the edge shared with the parent."""
    interior = np.flatnonzero(mesh.edge_faces[:, 1] >= 0)
    f, g = mesh.edge_faces[interior, 0], mesh.edge_faces[interior, 1]
    m = mesh.n_faces
    # Edge index + 1 as the weight, so that the shared edge can be read back.
    dual = sp.coo_matrix(
        (np.concatenate([interior, interior]) + 1, (np.r_[f, g], np.r_[g, f])),
        shape=(m, m),
    ).tocsr()
    order, parent = breadth_first_order(dual, seed, directed=False)
    parent = np.where(parent < 0, -1, parent).astype(np.int64)
    children = order[1:]
    shared = np.full(m, -1, dtype=np.int64)
    shared[children] = np.asarray(dual[children, parent[children]]).ravel() - 1
    return order.astype(np.int64), parent, shared


def _unfold(metric, order, parent, shared, seed) -> np.ndarray:
    """``(m, 3, 2)`` corner positions, placed one tree depth at a time."""
    mesh = metric.mesh
    m = mesh.n_faces
    corner_uv = np.full((m, 3, 2), np.nan)
    corner_uv[seed] = face_frames_2d(metric)[seed]
    depth = np.zeros(m, dtype=np.int64)
    for face in order[1:]:  # parents come first in breadth-first order
        depth[face] = depth[parent[face]] + 1
    sides = metric.face_side_lengths()
    areas = metric.face_areas()
    lengths = metric.lengths
    for level in range(1, int(depth.max(initial=0)) + 1):
        g = np.flatnonzero(depth == level)
        f, e = parent[g], shared[g]
        kf = _side_in(mesh, e, f)
        kg = _side_in(mesh, e, g)
        pa = corner_uv[f, NEXT[kf]]  # f runs the edge a -> b
        pb = corner_uv[f, PREV[kf]]
        d = lengths[e]
        along = (pa - pb) / np.linalg.norm(pa - pb, axis=1)[:, None]
        normal = np.stack([-along[:, 1], along[:, 0]], axis=1)
        bc = sides[g, PREV[kg]]  # the side opposite a
        ac = sides[g, NEXT[kg]]  # the side opposite b
        x = (d * d + bc * bc - ac * ac) / (2.0 * d)
        y = 2.0 * areas[g] / d
        corner_uv[g, NEXT[kg]] = pb
        corner_uv[g, PREV[kg]] = pa
        corner_uv[g, kg] = pb + x[:, None] * along + y[:, None] * normal
    return corner_uv


def _side_in(mesh: TriangleMesh, edges: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Side index of each edge in the given one of its two faces."""
    first = mesh.edge_faces[edges, 0] == faces
    return np.where(first, mesh.edge_sides[edges, 0], mesh.edge_sides[edges, 1])


def _non_tree_edges(mesh: TriangleMesh, shared: np.ndarray) -> np.ndarray:
    """Interior edges that the face tree does not cross."""
    interior = mesh.edge_faces[:, 1] >= 0
    interior[shared[shared >= 0]] = False
    return np.flatnonzero(interior)


def _copy_translations(mesh, corner_uv, edges) -> tuple[np.ndarray, float]:
    """Translation between the two copies of each edge, and their disagreement.

    The edge runs ``a -> b`` in ``edge_faces[e, 0]`` and ``b -> a`` in
    ``edge_faces[e, 1]``; each end gives one translation, and the result is
    their mean.
    """
    f, g = mesh.edge_faces[edges, 0], mesh.edge_faces[edges, 1]
    kf, kg = mesh.edge_sides[edges, 0], mesh.edge_sides[edges, 1]
    at_a = corner_uv[g, PREV[kg]] - corner_uv[f, NEXT[kf]]
    at_b = corner_uv[g, NEXT[kg]] - corner_uv[f, PREV[kf]]
    mismatch = np.linalg.norm(at_a - at_b, axis=1).max(initial=0.0)
    return 0.5 * (at_a + at_b), float(mismatch)


def _mean_position(mesh: TriangleMesh, corner_uv: np.ndarray) -> np.ndarray:
    n = mesh.n_vertices
    counts = np.bincount(mesh.faces.ravel(), minlength=n)
    uv = np.stack(
        [
            np.bincount(mesh.faces.ravel(), corner_uv[..., d].ravel(), minlength=n)
            for d in range(2)
        ],
        axis=1,
    )
    return uv / np.maximum(counts, 1)[:, None]


def _first_position(mesh: TriangleMesh, corner_uv, order) -> np.ndarray:
    """Each vertex at its copy in the earliest placed face holding it."""
    vertices = mesh.faces[order].ravel()  # corners in placement order
    positions = corner_uv[order].reshape(-1, 2)
    kept, first = np.unique(vertices, return_index=True)
    uv = np.zeros((mesh.n_vertices, 2))
    uv[kept] = positions[first]
    return uv


# ---------------------------------------------------------------------- lattice


def _period_basis(translations: np.ndarray, area: float) -> np.ndarray:
    """A reduced basis of the lattice the translations generate (see layout_flat)."""
    scale = np.sqrt(area)
    size = np.linalg.norm(translations, axis=1)
    vectors = translations[size > _ZERO_TRANSLATION * scale]
    if len(vectors) == 0:
        raise GeomflowError(
            "the copies across the cut differ by no translation: the layout did "
            "not close up into a torus"
        )
    b1 = vectors[np.argmin(np.linalg.norm(vectors, axis=1))]
    dets = np.abs(b1[0] * vectors[:, 1] - b1[1] * vectors[:, 0])
    independent = dets > _ZERO_TRANSLATION * area
    if not independent.any():
        raise GeomflowError(
            "every translation between copies is parallel: the periods of this "
            "layout span only a line, not a lattice"
        )
    pick = np.flatnonzero(independent)[np.argmin(dets[independent])]
    basis = np.stack([b1, vectors[pick]])
    index = int(round(dets[pick] / area))
    coords = index * vectors @ np.linalg.inv(basis)
    integers = np.round(coords)
    off = float(np.abs(coords - integers).max())
    if index < 1 or off > _INTEGER_SLACK * max(index, 1):
        raise GeomflowError(
            "the translations between copies are not integer combinations of "
            f"two periods (coordinates off an integer by {off:.3g}, cell index "
            f"{dets[pick] / area:.6g}); is the metric flat?"
        )
    generators = _integer_row_basis(integers.astype(np.int64))
    periods = _gauss_reduce(generators @ basis / index)
    cell = abs(float(np.linalg.det(periods)))
    if abs(cell - area) > _INTEGER_SLACK * area:
        raise GeomflowError(
            f"the period parallelogram has area {cell:.12g}, but the metric's total "
            f"area is {area:.12g}: the translations do not generate the lattice "
            "of a fundamental domain"
        )
    return periods


def _integer_row_basis(rows: np.ndarray) -> np.ndarray:
    """``(2, 2)`` rows generating the same subgroup of Z^2 as ``rows`` (Euclid)."""
    pivot = None
    second = 0
    for row in rows.tolist():
        if row[0] != 0 and pivot is None:
            pivot = row
            continue
        while row[0] != 0:  # Euclid on the first coordinate, by row operations
            q = pivot[0] // row[0]
            pivot, row = row, [pivot[0] - q * row[0], pivot[1] - q * row[1]]
        second = gcd(second, row[1])
    if pivot is None or second == 0:
        raise GeomflowError("the translations between copies have rank below 2")
    return np.array([pivot, [0, second]], dtype=np.float64)


def _gauss_reduce(basis: np.ndarray) -> np.ndarray:
    """Lagrange-Gauss reduction of a 2D lattice basis, oriented counter-clockwise."""
    u, v = basis[0].copy(), basis[1].copy()
    if u @ u > v @ v:
        u, v = v, u
    while True:
        v = v - np.round((u @ v) / (u @ u)) * u
        if v @ v >= u @ u:
            break
        u, v = v, u
    if u[0] * v[1] - u[1] * v[0] < 0:
        v = -v
    return np.stack([u, v])
