r"""Reading a function on a mesh: critical points, descent paths, basins.

A function ``V`` given by one value per vertex is extended linearly over each
face. This module finds its critical points from the combinatorics of the
mesh alone (Banchoff's lower-link rule), follows its steepest-descent paths
across the faces in the geometry of a discrete metric, and splits the surface
into the basins of its minima.

Symbolic perturbation
---------------------
Vertices are compared by the pair ``(V[i], i)`` lexicographically: of two
vertices with equal values, the one with the smaller index counts as lower.
This total order makes every function generic (no two vertices tie), so
every vertex is either regular or critical, and the Morse count
:math:`\#\min - \#\mathrm{saddles} + \#\max = \chi` holds for every ``V``.

References
----------
T. Banchoff, *Critical points and curvature for embedded polyhedra*, J.
Differential Geometry 1 (1967), 245-256.

H. Edelsbrunner and J. Harer, *Computational Topology: An Introduction*, AMS
(2010), chapter VI (lower links and piecewise-linear Morse functions).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np

from ._validate import as_array, freeze
from .errors import FlowError, GeomflowError
from .mesh import NEXT, PREV, TriangleMesh
from .metric import EdgeMetric
from .operators import face_frames_2d

__all__ = [
    "CriticalPoints",
    "SurfacePath",
    "SaddleManifold",
    "critical_points",
    "descent_path",
    "basins",
    "saddle_manifolds",
]

#: A point this close to a vertex, in barycentric coordinates, is moved onto
#: it when that lowers the function (it stops descents that spiral into a
#: minimum from taking ever shorter steps).
SNAP = 1e-9


# ---------------------------------------------------------------------- one-rings


@dataclass(frozen=True)
class _Rings:
    """Ordered one-rings of every vertex, stored like a CSR matrix.

    The neighbours of vertex ``v`` are ``neighbours[indptr[v]:indptr[v + 1]]``
    in counter-clockwise order (seen from outside). ``faces`` at the same
    positions holds the face between a neighbour and the next one, ``-1``
    after the last neighbour of an open ring. The ring of a boundary vertex
    is open: it starts and ends at its two boundary neighbours.
    """

    indptr: np.ndarray  # (n + 1,) int64
    neighbours: np.ndarray  # (d,) int64
    faces: np.ndarray  # (d,) int64
    closed: np.ndarray  # (n,) bool; False on boundary and unreferenced vertices
    owner: np.ndarray  # (d,) int64, the vertex whose ring holds each entry

    def ring(self, v: int) -> tuple[np.ndarray, np.ndarray]:
        """Neighbours and in-between faces of vertex ``v``."""
        span = slice(self.indptr[v], self.indptr[v + 1])
        return self.neighbours[span], self.faces[span]


_rings_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_faces_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _one_rings(mesh: TriangleMesh) -> _Rings:
    """The ordered one-rings of ``mesh`` (built once per mesh, then cached)."""
    rings = _rings_cache.get(mesh)
    if rings is None:
        rings = _build_rings(mesh)
        _rings_cache[mesh] = rings
    return rings


def _faces_list(mesh: TriangleMesh) -> list:
    """``mesh.faces`` as a list of lists (built once per mesh, then cached)."""
    faces = _faces_cache.get(mesh)
    if faces is None:
        faces = mesh.faces.tolist()
        _faces_cache[mesh] = faces
    return faces


def _next_corner(mesh: TriangleMesh) -> np.ndarray:
    """``(3 m,)`` the corner at the same vertex in the next face counter-clockwise.

    Corner ``c = 3 f + k`` sees the link edge ``a -> b`` (``a, b`` the next
    corners of ``f``). The next face around the vertex ``v`` is the one across
    the edge ``v b``; there ``v`` starts the side holding that edge. ``-1``
    where that edge is on the boundary.
    """
    m = mesh.n_faces
    f, k = np.divmod(np.arange(3 * m), 3)
    edge = mesh.face_edges[f, NEXT[k]]
    first = mesh.edge_faces[edge, 0] == f
    other = np.where(first, mesh.edge_faces[edge, 1], mesh.edge_faces[edge, 0])
    side = np.where(first, mesh.edge_sides[edge, 1], mesh.edge_sides[edge, 0])
    return np.where(other >= 0, 3 * other + NEXT[side], -1)


def _rank_in_chain(previous: np.ndarray) -> np.ndarray:
    """Distance of each element from the head of its chain (Wyllie's doubling).

    ``previous[c]`` is the element before ``c``, ``-1`` at a head; every chain
    must be acyclic. Takes ``log2`` of the longest chain rounds.
    """
    rank = (previous >= 0).astype(np.int64)
    pointer = previous.copy()
    while (pointer >= 0).any():
        has = pointer >= 0
        new_rank = rank.copy()
        new_rank[has] += rank[pointer[has]]
        new_pointer = pointer.copy()
        new_pointer[has] = pointer[pointer[has]]
        rank, pointer = new_rank, new_pointer
    return rank


def _build_rings(mesh: TriangleMesh) -> _Rings:
    """Order the corners around each vertex, then read off their neighbours."""
    faces, n = mesh.faces, mesh.n_vertices
    vertex = faces.ravel()
    nxt = _next_corner(mesh)
    previous = np.full(len(nxt), -1, dtype=np.int64)
    previous[nxt[nxt >= 0]] = np.flatnonzero(nxt >= 0)

    # An interior vertex's corners form a cycle: cut it before its first corner.
    has_head = np.zeros(n, dtype=bool)
    has_head[vertex[previous < 0]] = True
    first_corner = np.full(n, len(vertex), dtype=np.int64)
    np.minimum.at(first_corner, vertex, np.arange(len(vertex)))
    cut = first_corner[~has_head & mesh.referenced_vertices]
    previous[cut] = -1

    rank = _rank_in_chain(previous)
    n_corners = np.bincount(vertex, minlength=n)
    closed = ~has_head & mesh.referenced_vertices
    degree = n_corners + (mesh.referenced_vertices & ~closed)
    indptr = np.concatenate([[0], np.cumsum(degree)])
    position = indptr[vertex] + rank

    f, k = np.divmod(np.arange(len(vertex)), 3)
    neighbours = np.empty(indptr[-1], dtype=np.int64)
    ring_faces = np.full(indptr[-1], -1, dtype=np.int64)
    neighbours[position] = faces[f, NEXT[k]]
    ring_faces[position] = f
    tail = nxt < 0  # the last corner of an open ring adds its far neighbour
    neighbours[position[tail] + 1] = faces[f[tail], PREV[k[tail]]]
    owner = np.repeat(np.arange(n), degree)
    return _Rings(*(freeze(a) for a in (indptr, neighbours, ring_faces, closed, owner)))


# ---------------------------------------------------------------------- critical


@dataclass(frozen=True)
class CriticalPoints:
    """Critical vertices of a piecewise-linear function.

    Attributes
    ----------
    minima, maxima : (k,) int64
        Vertex indices, sorted.
    saddles : (s,) int64
        Vertex indices, sorted.
    multiplicity : (s,) int64
        ``k - 1`` for a saddle whose lower link has ``k`` pieces: 1 for an
        ordinary saddle, 2 for a monkey saddle.
    index : (n,) int64
        Contribution of each vertex to the Morse count, ``1 - chi(lower
        link)``: ``+1`` at minima and maxima, ``-multiplicity`` at saddles,
        0 at regular vertices and at vertices in no face.
    """

    minima: np.ndarray
    saddles: np.ndarray
    multiplicity: np.ndarray
    maxima: np.ndarray
    index: np.ndarray

    def morse_count(self) -> int:
        """``#minima - #saddles + #maxima``, saddles with multiplicity.

        Equals the Euler characteristic of the mesh for every function
        (see :func:`critical_points`).
        """
        return len(self.minima) - int(self.multiplicity.sum()) + len(self.maxima)

    def kind(self, v: int) -> str:
        """``"minimum"``, ``"saddle"``, ``"maximum"`` or ``"regular"``."""
        for name, where in (
            ("minimum", self.minima),
            ("saddle", self.saddles),
            ("maximum", self.maxima),
        ):
            if v in where:
                return name
        return "regular"


def vertex_order(values: np.ndarray) -> np.ndarray:
    """``(n,)`` rank of each vertex in the order of ``(V[i], i)`` (ties by index)."""
    order = np.lexsort((np.arange(len(values)), values))
    rank = np.empty(len(values), dtype=np.int64)
    rank[order] = np.arange(len(values))
    return rank


def _check_values(mesh: TriangleMesh, values) -> np.ndarray:
    return as_array(
        values, "V", dtype=np.float64, shape=(mesh.n_vertices,), finite=True
    )


def _lower_link_pieces(rings: _Rings, rank: np.ndarray):
    """Per vertex: how many neighbours are lower, and in how many runs.

    A run starts at a lower neighbour whose predecessor in the ring is higher
    or, for the first neighbour of an open ring, absent.
    """
    n = len(rings.closed)
    lower = rank[rings.neighbours] < rank[rings.owner]
    before = np.arange(len(lower)) - 1
    head = np.zeros(len(lower), dtype=bool)
    head[rings.indptr[:-1][rings.indptr[:-1] < rings.indptr[1:]]] = True
    wrap = rings.indptr[1:] - 1
    before[head] = wrap[rings.owner[head]]
    no_before = head & ~rings.closed[rings.owner]
    starts = lower & (no_before | ~lower[before])
    n_lower = np.bincount(rings.owner[lower], minlength=n)
    pieces = np.bincount(rings.owner[starts], minlength=n)
    return n_lower, pieces


def critical_points(mesh: TriangleMesh, V) -> CriticalPoints:
    r"""Critical points of a piecewise-linear function by the lower link.

    Parameters
    ----------
    mesh : TriangleMesh or EdgeMetric
        The surface (only its combinatorics matter; a metric gives its mesh).
    V : (n,) array_like of float
        One value per vertex, extended linearly over each face.

    Returns
    -------
    CriticalPoints

    Notes
    -----
    The *lower link* of a vertex ``v`` is the part of its link (the ring of
    neighbours and the edges between them) spanned by the neighbours lower
    than ``v``, compared by ``(V, index)`` (see :mod:`geomflow.landscape`).
    Walking the ring counter-clockwise, the lower link falls into runs:

    ======================  ==========================  ======================
    ring                    lower link                  vertex
    ======================  ==========================  ======================
    closed or open          empty                       minimum
    closed                  the whole ring              maximum
    closed or open          ``k >= 2`` runs             saddle, multiplicity
                                                        ``k - 1``
    closed or open          anything else               regular
    ======================  ==========================  ======================

    On a closed ring ``k`` runs mean ``2k`` sign changes of ``V(u) - V(v)``;
    a monkey saddle (``k = 3``) counts twice. Every vertex contributes
    :math:`1 - \chi(\mathrm{Lk}^-(v))` and these sum to :math:`\chi` of the
    surface, because adding the vertices in increasing order with their lower
    stars builds the surface one cone at a time (Banchoff 1967):

    .. math::

        \#\min - \#\mathrm{saddles} + \#\max = \chi.

    **Boundary.** The ring of a boundary vertex is an open path, its lower
    link a set of ``k`` contractible runs, so the same rule reads: no lower
    neighbour, a minimum; ``k >= 2`` runs, a saddle of multiplicity
    ``k - 1``; a single run, regular. In particular a boundary vertex above
    all its neighbours is regular, not a maximum: the sublevel sets do not
    change topology there (the counts are those of Morse theory for the
    surface relative to nothing, with the boundary treated like the
    interior). The Morse count then holds on surfaces with boundary too.
    """
    mesh = getattr(mesh, "mesh", mesh)
    rank = vertex_order(_check_values(mesh, V))
    rings = _one_rings(mesh)
    n_lower, pieces = _lower_link_pieces(rings, rank)
    degree = np.diff(rings.indptr)

    used = mesh.referenced_vertices
    minimum = used & (n_lower == 0)
    maximum = used & rings.closed & (n_lower == degree)
    saddle = used & (pieces >= 2)
    index = np.zeros(mesh.n_vertices, dtype=np.int64)
    index[minimum | maximum] = 1
    index[saddle] = 1 - pieces[saddle]
    saddles = np.flatnonzero(saddle)
    return CriticalPoints(
        minima=freeze(np.flatnonzero(minimum)),
        saddles=freeze(saddles),
        multiplicity=freeze(pieces[saddles] - 1),
        maxima=freeze(np.flatnonzero(maximum)),
        index=freeze(index),
    )


# ---------------------------------------------------------------------- descent


@dataclass(frozen=True)
class _Field:
    """Everything a descent needs, computed once per metric and function.

    ``values`` and ``rank`` are those of the function followed downhill: for
    an ascent, of ``-V`` with the reversed order. The walk reads one face at
    a time, where Python lists and tuples are faster than small numpy arrays.
    """

    mesh: TriangleMesh
    rings: _Rings
    values: np.ndarray  # (n,)
    rank: np.ndarray  # (n,) position in the total order, lowest first
    rate: np.ndarray  # (m, 3) d(barycentric)/dt along the descent direction
    speed: np.ndarray  # (m,) |grad V| on each face
    ring_slope: np.ndarray  # (d,) drop of V per unit length towards each neighbour
    vertex_face: np.ndarray  # (n,) one face holding each vertex
    faces_list: list  # mesh.faces as nested lists (shared per mesh)


def _hat_gradients(metric: EdgeMetric) -> np.ndarray:
    """``(m, 3, 2)`` gradient of each corner's hat function in its face's frame.

    With corners ``p_k`` laid out by :func:`face_frames_2d`, the hat function
    of corner ``k`` has gradient ``J (p_{k+2} - p_{k+1}) / (2 A)``, ``J`` the
    rotation by +90 degrees.
    """
    metric.corner_cotangents()  # raises DegenerateMetricError on zero-area faces
    corners = face_frames_2d(metric)
    side = corners[:, PREV] - corners[:, NEXT]
    twice_area = 2.0 * metric.face_areas()[:, None, None]
    return np.stack([-side[..., 1], side[..., 0]], axis=-1) / twice_area


def _ring_lengths(metric: EdgeMetric, rings: _Rings) -> np.ndarray:
    """``(d,)`` length of the edge from each vertex to each ring neighbour."""
    return metric.lengths[metric.mesh.edge_index(rings.owner, rings.neighbours)]


def _field(metric: EdgeMetric, V, ascending: bool) -> _Field:
    if not isinstance(metric, EdgeMetric):
        raise GeomflowError(
            f"metric must be a gf.EdgeMetric, got {type(metric).__name__}; "
            "use gf.EdgeMetric.from_mesh(mesh) for the metric of an embedding"
        )
    mesh = metric.mesh
    values = _check_values(mesh, V)
    rank = vertex_order(values)
    if ascending:
        values, rank = -values, len(values) - 1 - rank
    hat = _hat_gradients(metric)
    gradient = np.einsum("fk,fkd->fd", values[mesh.faces], hat)
    rate = np.einsum("fkd,fd->fk", hat, -gradient)
    rings = _one_rings(mesh)
    drop = values[rings.owner] - values[rings.neighbours]
    vertex_face = np.zeros(mesh.n_vertices, dtype=np.int64)
    vertex_face[mesh.faces.ravel()] = np.repeat(np.arange(mesh.n_faces), 3)
    return _Field(
        mesh=mesh,
        rings=rings,
        values=values,
        rank=rank,
        rate=rate,
        speed=np.linalg.norm(gradient, axis=1),
        ring_slope=drop / _ring_lengths(metric, rings),
        vertex_face=vertex_face,
        faces_list=_faces_list(mesh),
    )


# A state of the walk is ``(face, (b0, b1, b2))``: a face and the barycentric
# coordinates of the point in it. Exactly two zeros put it on a vertex, one on
# the inside of a side.


def _at_vertex(field: _Field, v: int):
    """The state sitting exactly on vertex ``v``."""
    f = int(field.vertex_face[v])
    return f, tuple(1.0 if w == v else 0.0 for w in field.faces_list[f])


def _corner(field: _Field, f: int, v: int) -> int:
    """Which corner of face ``f`` is vertex ``v``."""
    return field.faces_list[f].index(v)


def _best_move(field: _Field, v: int, positions):
    """The steepest way down from vertex ``v`` through the given ring positions.

    Candidates are the edges to lower neighbours and the faces whose descent
    direction points into the face's corner at ``v``; each is scored by the
    drop of V per unit length. Returns ``("edge", u)``, ``("face", f)`` or
    ``None`` when nothing leads down (``v`` has no lower neighbour there).
    """
    best, best_slope = None, -np.inf
    for p in positions:
        u = field.rings.neighbours[p]
        if field.rank[u] < field.rank[v] and field.ring_slope[p] > best_slope:
            best, best_slope = ("edge", int(u)), field.ring_slope[p]
        f = field.rings.faces[p]
        if f < 0 or field.speed[f] <= best_slope:
            continue
        k = _corner(field, f, v)
        if field.rate[f, NEXT[k]] > 0 and field.rate[f, PREV[k]] > 0:
            best, best_slope = ("face", int(f)), field.speed[f]
    return best


def _leave_vertex(field: _Field, v: int, positions=None):
    """Next state from vertex ``v`` (``None`` if ``v`` is a minimum)."""
    if positions is None:
        positions = range(field.rings.indptr[v], field.rings.indptr[v + 1])
    move = _best_move(field, v, positions)
    if move is None:
        return None
    kind, target = move
    if kind == "edge":
        return _at_vertex(field, target)
    return _cross_face(field, target, _at_vertex_in(field, target, v))


def _at_vertex_in(field: _Field, f: int, v: int) -> tuple:
    """Barycentric coordinates of vertex ``v`` in face ``f`` (which holds it)."""
    return tuple(1.0 if w == v else 0.0 for w in field.faces_list[f])


def _transfer(field: _Field, f: int, beta: tuple, g: int) -> tuple:
    """Barycentric coordinates in face ``g`` of a point on an edge of ``f``.

    A point of the shared edge sits at the same fraction of it in both faces
    (the edge has one length), which is how the descent unfolds ``g`` onto
    the frame of ``f``.
    """
    here = field.faces_list[f]
    return tuple(beta[here.index(w)] if w in here else 0.0 for w in field.faces_list[g])


def _leave_edge(field: _Field, f: int, k: int, beta: tuple):
    """Next state from a point inside side ``k`` of face ``f``.

    Enter the neighbouring face (of the one or two) whose descent direction
    points into it, the steeper if both do; when neither does the edge is a
    valley, and the descent runs along it to its lower end.
    """
    mesh = field.mesh
    e = mesh.face_edges[f, k]
    best = None
    for g, side in zip(mesh.edge_faces[e], mesh.edge_sides[e], strict=True):
        if g >= 0 and field.rate[g, side] > 0:
            if best is None or field.speed[g] > field.speed[best]:
                best = int(g)
    if best is not None:
        return _cross_face(field, best, _transfer(field, f, beta, best))
    a, b = field.faces_list[f][NEXT[k]], field.faces_list[f][PREV[k]]
    return _at_vertex(field, a if field.rank[a] < field.rank[b] else b)


def _cross_face(field: _Field, f: int, beta: tuple):
    """Run straight down face ``f`` from ``beta`` to the face's boundary.

    Along the descent direction the barycentric coordinates change at the
    constant rates ``field.rate[f]`` (they sum to zero); the first one to
    reach zero names the side of exit.
    """
    rate = field.rate[f]
    rate = rate.tolist()
    t, j = min((beta[i] / -rate[i], i) for i in range(3) if rate[i] < 0)
    new = [max(beta[i] + t * rate[i], 0.0) for i in range(3)]
    new[j] = 0.0
    total = sum(new)
    return f, _snap(field, f, tuple(b / total for b in new))


def _snap(field: _Field, f: int, beta: tuple) -> tuple:
    """Move a point within :data:`SNAP` of a vertex onto it, if that is downhill."""
    near = max(range(3), key=beta.__getitem__)
    values = field.values[field.mesh.faces[f]].tolist()
    small = [values[i] for i in range(3) if 0.0 < beta[i] < SNAP]
    if small and values[near] < min(small):
        return tuple(1.0 if i == near else 0.0 for i in range(3))
    return beta


def _vertex_of(field: _Field, f: int, beta: tuple) -> int:
    """The vertex of face ``f`` with the largest coordinate in ``beta``."""
    return field.faces_list[f][max(range(3), key=beta.__getitem__)]


def _step(field: _Field, f: int, beta: tuple):
    """One straight piece of the descent; ``None`` at a minimum."""
    zeros = [i for i in range(3) if beta[i] <= 0.0]
    if len(zeros) == 2:
        return _leave_vertex(field, _vertex_of(field, f, beta))
    if len(zeros) == 1:
        return _leave_edge(field, f, zeros[0], beta)
    return _cross_face(field, f, beta)


def _walk(field: _Field, f: int, beta: tuple, max_steps: int):
    """Yield the states after each straight piece until a vertex with no way down."""
    for _ in range(max_steps):
        state = _step(field, f, beta)
        if state is None:
            return
        f, beta = state
        yield f, beta
    raise FlowError(
        f"the descent did not reach a minimum in {max_steps} steps (last in face "
        f"{f} at barycentric {list(beta)}); raise max_steps"
    )


@dataclass(frozen=True)
class SurfacePath:
    """A polyline on the surface, found by following a gradient.

    Attributes
    ----------
    faces : (p,) int64
        Face holding each point.
    barycentric : (p, 3) float64
        Coordinates of each point with respect to the corners of its face.
    points : (p, 3) float64
        The points in space, from ``mesh.vertices`` (for drawing).
    values : (p,) float64
        The function at each point: strictly decreasing along a descent,
        strictly increasing along an ascent.
    end : int
        The vertex the path stops at: a vertex with no lower neighbour (a
        minimum) for a descent, with no higher neighbour for an ascent.
    """

    faces: np.ndarray
    barycentric: np.ndarray
    points: np.ndarray
    values: np.ndarray
    end: int

    def __len__(self) -> int:
        return len(self.faces)

    def length(self) -> float:
        """Length of the polyline in space."""
        return float(np.linalg.norm(np.diff(self.points, axis=0), axis=1).sum())


def _start_state(field: _Field, start):
    """``(face, barycentric)`` from a vertex index or a ``(face, bary)`` pair."""
    mesh = field.mesh
    if np.isscalar(start):
        v = int(start)
        if not (0 <= v < mesh.n_vertices and mesh.referenced_vertices[v]):
            raise GeomflowError(
                f"start vertex {start} is not a vertex of a face "
                f"(the mesh has {mesh.n_vertices} vertices)"
            )
        return _at_vertex(field, v)
    f, beta = start
    beta = np.asarray(beta, dtype=np.float64)
    if not (0 <= int(f) < mesh.n_faces) or beta.shape != (3,) or (beta < 0).any():
        raise GeomflowError(
            "start must be a vertex index or (face, barycentric) with a face in "
            f"0..{mesh.n_faces - 1} and three non-negative coordinates, got {start!r}"
        )
    beta = np.where(beta < SNAP * beta.sum(), 0.0, beta)
    return int(f), tuple((beta / beta.sum()).tolist())


def _trace(field: _Field, state, max_steps: int, ascending: bool) -> SurfacePath:
    """Follow the descent from ``state`` to its end."""
    return _record(field, [state, *_walk(field, *state, max_steps)], ascending)


def _record(field: _Field, states: list, ascending: bool) -> SurfacePath:
    """The path through ``states``, keeping the points where V drops."""
    faces = field.mesh.faces
    f = np.array([s[0] for s in states], dtype=np.int64)
    beta = np.array([s[1] for s in states])
    values = np.einsum("pk,pk->p", beta, field.values[faces[f]])
    keep = _strictly_falling(values)
    f, beta, values = f[keep], beta[keep], values[keep]
    points = np.einsum("pk,pkd->pd", beta, field.mesh.vertices[faces[f]])
    end = _vertex_of(field, states[-1][0], states[-1][1])
    return SurfacePath(f, beta, points, -values if ascending else values, end)


def _strictly_falling(values: np.ndarray) -> np.ndarray:
    """Indices of the points at which V falls, first and last point included.

    A piece shorter than round-off can leave V unchanged (or change it by an
    ulp either way); such points are merged into their neighbours. A rise
    beyond round-off would mean the walk went uphill, which is a defect:
    it raises instead of being hidden.
    """
    slack = 64 * np.finfo(float).eps * max(np.abs(values).max(), 1.0)
    rises = np.diff(values)
    if (rises > slack).any():
        step = int(np.argmax(rises > slack))
        raise FlowError(
            f"the descent rose from {values[step]:.17g} to {values[step + 1]:.17g} "
            f"at point {step + 1}; this is a defect of the path tracer"
        )
    keep = [0]
    for i in range(1, len(values)):
        if values[i] < values[keep[-1]] - slack:
            keep.append(i)
    last = len(values) - 1
    if keep[-1] != last and len(keep) > 1:
        keep[-1] = last  # the true end replaces its round-off twin
    return np.array(keep)


def descent_path(
    metric: EdgeMetric,
    V,
    start,
    *,
    ascending: bool = False,
    max_steps: int = 100_000,
) -> SurfacePath:
    r"""The steepest-descent path of a piecewise-linear function from a point.

    Parameters
    ----------
    metric : EdgeMetric
        The geometry: the gradient of ``V`` depends on it, so another metric
        on the same mesh gives other paths.
    V : (n,) array_like of float
        One value per vertex, extended linearly over each face.
    start : int or (int, (3,) array_like)
        A vertex index, or a face index with barycentric coordinates in it.
    ascending : bool
        Follow :math:`+\nabla V` up to a vertex with no higher neighbour.
    max_steps : int
        Most straight pieces to follow before giving up.

    Returns
    -------
    SurfacePath
        Starts at ``start``, ends at a vertex with no lower neighbour (in the
        order of ``(V, index)``), which :func:`critical_points` calls a
        minimum; ``values`` falls strictly along it (rises, if ascending).

    Raises
    ------
    GeomflowError
        If ``start`` is not a vertex of a face or a point of a face.
    DegenerateMetricError
        If a face has zero area (its gradient is undefined).
    FlowError
        If the path takes more than ``max_steps`` pieces.

    Notes
    -----
    On face ``f``, laid out isometrically in the plane from its edge lengths
    (:func:`~geomflow.operators.face_frames_2d`), ``V`` is linear with the
    constant gradient

    .. math::

        \nabla V|_f = \sum_k V_{f_k} \nabla\phi_k,\qquad
        \nabla\phi_k = \frac{J(p_{k+2} - p_{k+1})}{2A_f},

    and the path runs straight along :math:`-\nabla V|_f` to the face's
    boundary. On an edge it enters the neighbouring face whose descent
    direction points into it (the steeper one if both do); if neither does,
    the edge is a valley and the path runs along it to its lower end. At a
    vertex it leaves by the steepest of the edges to lower neighbours and of
    the face directions that point into their corner there, and stops if no
    neighbour is lower. Pieces shorter than round-off are merged, so the
    recorded ``values`` are strictly monotone.
    """
    field = _field(metric, V, ascending)
    return _trace(field, _start_state(field, start), max_steps, ascending)


# ---------------------------------------------------------------------- basins


def _drain(field: _Field, state, labels: np.ndarray, max_steps: int) -> int:
    """The minimum the descent from ``state`` ends at.

    The rest of a descent depends only on where it is, so the walk stops at
    the first vertex whose label is already known.
    """
    end = state
    for end in _walk(field, *state, max_steps):
        if 1.0 in end[1]:
            v = _vertex_of(field, *end)
            if labels[v] >= 0:
                return int(labels[v])
    return _vertex_of(field, *end)


def basins(metric: EdgeMetric, V, *, per_face: bool = False, max_steps=100_000):
    r"""The basin of attraction of every vertex: the minimum its descent reaches.

    Parameters
    ----------
    metric : EdgeMetric
    V : (n,) array_like of float
    per_face : bool
        Also label the faces, each by the descent from its centroid.
    max_steps : int
        As for :func:`descent_path`.

    Returns
    -------
    labels : (n,) int64
        ``labels[v]`` is the vertex index of the minimum that
        ``descent_path(metric, V, v)`` ends at (``-1`` for vertices in no
        face); a minimum is its own label.
    face_labels : (m,) int64
        Only with ``per_face=True``: the minimum the descent from each face's
        centroid ends at.

    Notes
    -----
    The descent from a point depends only on the point, so once a path meets
    a vertex it shares the rest of that vertex's path. The vertices are taken
    in increasing ``(V, index)`` order and each descent stops at the first
    vertex already labelled: labels equal the ends of :func:`descent_path`
    at a fraction of its cost.
    """
    field = _field(metric, V, ascending=False)
    mesh = field.mesh
    labels = np.full(mesh.n_vertices, -1, dtype=np.int64)
    for v in np.argsort(field.rank):
        if mesh.referenced_vertices[v]:
            labels[v] = _drain(field, _at_vertex(field, v), labels, max_steps)
    if not per_face:
        return labels
    centre = (1.0 / 3.0,) * 3
    face_labels = np.array(
        [_drain(field, (f, centre), labels, max_steps) for f in range(mesh.n_faces)],
        dtype=np.int64,
    )
    return labels, face_labels


# ---------------------------------------------------------------------- saddles


@dataclass(frozen=True)
class SaddleManifold:
    """The curves through a saddle along which the gradient flow runs.

    Attributes
    ----------
    vertex : int
        The saddle.
    descending : list of SurfacePath
        One steepest-descent path per run of lower neighbours (two at an
        ordinary saddle, three at a monkey saddle): together the *unstable*
        manifold of the saddle under the flow of :math:`-\\nabla V`, which
        separates basins of the maxima of ``V``.
    ascending : list of SurfacePath
        One steepest-ascent path per run of higher neighbours: the *stable*
        manifold, the points that flow into the saddle, which separates the
        basins of the minima.
    """

    vertex: int
    descending: list
    ascending: list


def _runs(field: _Field, v: int) -> list[np.ndarray]:
    """Ring positions around ``v`` of each run of lower neighbours, with the
    positions of the faces on either side of the run (the run's wedge)."""
    rings = field.rings
    start, stop = rings.indptr[v], rings.indptr[v + 1]
    lower = field.rank[rings.neighbours[start:stop]] < field.rank[v]
    closed = bool(rings.closed[v])
    d = stop - start
    heads = [
        i
        for i in range(d)
        if lower[i] and not (lower[i - 1] if (i > 0 or closed) else False)
    ]
    runs = []
    for head in heads:
        length = 0
        while length < d and lower[(head + length) % d]:
            length += 1
        first = head - 1 if (head > 0 or closed) else head
        runs.append(start + np.arange(first, head + length) % d)
    return runs


def _wedge_paths(field: _Field, v: int, max_steps: int, ascending: bool) -> list:
    """Paths leaving ``v`` downhill, one per wedge of its lower link."""
    paths = []
    for positions in _runs(field, v):
        first = _leave_vertex(field, v, positions)
        states = [_at_vertex(field, v), first]
        states += list(_walk(field, *first, max_steps))
        paths.append(_record(field, states, ascending))
    return paths


def saddle_manifolds(
    metric: EdgeMetric, V, *, max_steps: int = 100_000
) -> list[SaddleManifold]:
    r"""Stable and unstable manifolds of every saddle of ``V``, as polylines.

    Parameters
    ----------
    metric : EdgeMetric
    V : (n,) array_like of float
    max_steps : int
        As for :func:`descent_path`.

    Returns
    -------
    list of SaddleManifold
        One per saddle of :func:`critical_points`, in increasing vertex order.

    Notes
    -----
    Around a saddle the lower neighbours form ``k >= 2`` runs and the higher
    ones ``k`` runs (on a closed ring). Each descending path leaves the saddle
    in the steepest direction within one lower wedge (the run's edges and the
    faces beside them) and then follows :func:`descent_path`; the ascending
    paths do the same with the higher runs. For :math:`V = y^2 - x^2` at the
    origin the descending paths run along the x-axis and the ascending ones
    along the y-axis.
    """
    down = _field(metric, V, ascending=False)
    up = _field(metric, V, ascending=True)
    return [
        SaddleManifold(
            vertex=int(s),
            descending=_wedge_paths(down, int(s), max_steps, ascending=False),
            ascending=_wedge_paths(up, int(s), max_steps, ascending=True),
        )
        for s in critical_points(metric.mesh, V).saddles
    ]
