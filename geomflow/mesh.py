"""Triangle meshes: combinatorics, topology and validation.

Conventions used everywhere in geomflow
---------------------------------------
- ``vertices`` is ``(n, 3) float64``; ``faces`` is ``(m, 3) int64`` with
  counter-clockwise corners as seen from the outside.
- Corner ``k`` of face ``f`` sits at vertex ``faces[f, k]``.
- Side ``k`` of face ``f`` is the edge *opposite* corner ``k``: it joins
  ``faces[f, (k + 1) % 3]`` and ``faces[f, (k + 2) % 3]``, traversed in that
  direction by the face. ``face_edges[f, k]`` is its index in ``edges``, so the
  angle at corner ``k`` is the one whose cotangent weights edge
  ``face_edges[f, k]``.
- ``edges`` is ``(e, 2)`` with ``edges[:, 0] < edges[:, 1]``, sorted
  lexicographically; edge lengths (the discrete metric) are aligned with it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from ._validate import as_array, freeze, require_finite
from .errors import GeomflowWarning, MeshError, describe_indices

__all__ = ["TriangleMesh"]

#: Corners at the start and the end of side k: side k runs NEXT[k] -> PREV[k].
NEXT = np.array([1, 2, 0])
PREV = np.array([2, 0, 1])


@dataclass(frozen=True)
class _Connectivity:
    """Edge structure derived from the faces (computed once per mesh)."""

    edges: np.ndarray  # (e, 2) int64, i < j
    face_edges: np.ndarray  # (m, 3) int64, side k opposite corner k
    edge_faces: np.ndarray  # (e, 2) int64, -1 where there is no second face
    edge_sides: np.ndarray  # (e, 2) int64, side index k in each face, -1 if none


class TriangleMesh:
    """An oriented, manifold triangle mesh with its combinatorial structure.

    Parameters
    ----------
    vertices : (n, 3) array_like of float
        Vertex positions. Must be finite.
    faces : (m, 3) array_like of int
        Vertex indices of each triangle, consistently oriented.

    Raises
    ------
    MeshError
        On wrong shapes or dtypes, non-finite coordinates, out-of-range indices,
        faces repeating a vertex, duplicate faces, edges with three or more
        faces, bow-tie vertices, neighbours with opposite orientation, or an
        empty mesh. The message names the offending indices; :func:`repair`
        fixes the common cases.

    Warns
    -----
    GeomflowWarning
        When some vertices belong to no face. They are kept (indices stay
        valid) and ignored by topology and curvature; drop them with
        :meth:`without_unreferenced_vertices`.

    Notes
    -----
    Every array the mesh exposes is read-only. The conventions for corners,
    sides and edges are given in the docstring of :mod:`geomflow.mesh`.
    """

    def __init__(self, vertices, faces):
        vertices = as_array(
            vertices, "vertices", dtype=np.float64, shape=(None, 3), error=MeshError
        )
        faces = as_array(
            faces, "faces", dtype=np.int64, shape=(None, 3), error=MeshError
        )
        if len(faces) == 0 or len(vertices) == 0:
            raise MeshError(
                f"the mesh is empty ({len(vertices)} vertices, {len(faces)} faces); "
                "a triangle mesh needs at least one face"
            )
        require_finite(vertices, "vertices", error=MeshError)
        _check_face_indices(faces, len(vertices))

        self._vertices = freeze(vertices)
        self._faces = freeze(faces)
        self._conn = _build_connectivity(faces, len(vertices))
        _check_orientation(self._conn, faces)
        _check_vertex_manifold(self._conn, faces, len(vertices))

        counts = np.bincount(faces.ravel(), minlength=len(vertices))
        self._referenced = freeze(counts > 0)
        unused = np.flatnonzero(counts == 0)
        if len(unused):
            warnings.warn(
                f"{len(unused)} vertices belong to no face: "
                f"{describe_indices(unused)}; they are ignored, or drop them with "
                "mesh.without_unreferenced_vertices()",
                GeomflowWarning,
                stacklevel=2,
            )
        self._loops: list[np.ndarray] | None = None
        self._component_labels: np.ndarray | None = None

    # ------------------------------------------------------------------ builders

    @classmethod
    def from_trimesh(cls, tm) -> TriangleMesh:
        """Build from a :class:`trimesh.Trimesh`, keeping its vertex order."""
        return cls(np.asarray(tm.vertices), np.asarray(tm.faces))

    @classmethod
    def from_pyvista(cls, poly) -> TriangleMesh:
        """Build from an all-triangle :class:`pyvista.PolyData`.

        Raises :class:`MeshError` if a cell is not a triangle: call
        ``poly.triangulate()`` first.
        """
        if not poly.is_all_triangles:
            raise MeshError(
                "the PolyData has cells that are not triangles; "
                "call poly.triangulate() first"
            )
        faces = np.asarray(poly.faces).reshape(-1, 4)[:, 1:]
        return cls(np.asarray(poly.points, dtype=np.float64), faces)

    def to_trimesh(self):
        """Return a :class:`trimesh.Trimesh` with the same arrays (no processing)."""
        import trimesh

        return trimesh.Trimesh(self._vertices.copy(), self._faces.copy(), process=False)

    def to_pyvista(self):
        """Return a :class:`pyvista.PolyData` with the same vertices and faces."""
        import pyvista

        return pyvista.PolyData.from_regular_faces(
            self._vertices.copy(), self._faces.copy()
        )

    def with_vertices(self, vertices) -> TriangleMesh:
        """Return a mesh with the same faces and new vertex positions."""
        return TriangleMesh(vertices, self._faces)

    def without_unreferenced_vertices(self) -> tuple[TriangleMesh, np.ndarray]:
        """Drop vertices that belong to no face.

        Returns
        -------
        mesh : TriangleMesh
        kept : (n', ) int64
            ``kept[i]`` is the old index of new vertex ``i``.
        """
        kept = np.flatnonzero(self._referenced)
        new_index = np.full(self.n_vertices, -1, dtype=np.int64)
        new_index[kept] = np.arange(len(kept))
        return TriangleMesh(self._vertices[kept], new_index[self._faces]), kept

    # ------------------------------------------------------------------ arrays

    @property
    def vertices(self) -> np.ndarray:
        """``(n, 3) float64`` vertex positions (read-only)."""
        return self._vertices

    @property
    def faces(self) -> np.ndarray:
        """``(m, 3) int64`` vertex indices per face (read-only)."""
        return self._faces

    @property
    def edges(self) -> np.ndarray:
        """``(e, 2) int64`` vertex pairs ``i < j``, sorted lexicographically."""
        return self._conn.edges

    @property
    def face_edges(self) -> np.ndarray:
        """``(m, 3) int64``: ``face_edges[f, k]`` is the edge opposite corner k."""
        return self._conn.face_edges

    @property
    def edge_faces(self) -> np.ndarray:
        """``(e, 2) int64`` faces on each side of an edge; ``-1`` on the boundary."""
        return self._conn.edge_faces

    def edge_index(self, i, j) -> np.ndarray:
        """Indices into :attr:`edges` of the edges joining ``i[k]`` and ``j[k]``.

        ``i`` and ``j`` are vertex indices (arrays of one shape, or ints), in
        either order.

        Raises
        ------
        MeshError
            If some pair is not an edge of the mesh.
        """
        i, j = np.asarray(i, dtype=np.int64), np.asarray(j, dtype=np.int64)
        n = np.int64(self.n_vertices)
        keys = self.edges[:, 0] * n + self.edges[:, 1]
        wanted = np.minimum(i, j) * n + np.maximum(i, j)
        found = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        missing = keys[found] != wanted
        if np.any(missing):
            k = np.flatnonzero(np.ravel(missing))[0]
            raise MeshError(
                f"vertices {np.ravel(i)[k]} and {np.ravel(j)[k]} are not joined by an "
                f"edge ({np.count_nonzero(missing)} such pairs)"
            )
        return found

    @property
    def edge_sides(self) -> np.ndarray:
        """``(e, 2) int64``: which side ``k`` the edge is in each of ``edge_faces``.

        The corner opposite edge ``e`` in face ``edge_faces[e, s]`` is
        ``edge_sides[e, s]``; ``-1`` where there is no face.
        """
        return self._conn.edge_sides

    @property
    def n_vertices(self) -> int:
        return len(self._vertices)

    @property
    def n_faces(self) -> int:
        return len(self._faces)

    @property
    def n_edges(self) -> int:
        return len(self._conn.edges)

    @property
    def referenced_vertices(self) -> np.ndarray:
        """``(n,) bool``: True for vertices that belong to at least one face."""
        return self._referenced

    @property
    def boundary_edges(self) -> np.ndarray:
        """Indices of the edges with a single face."""
        return np.flatnonzero(self._conn.edge_faces[:, 1] < 0)

    @property
    def boundary_vertices(self) -> np.ndarray:
        """``(n,) bool``: True on vertices of boundary edges."""
        mask = np.zeros(self.n_vertices, dtype=bool)
        mask[self.edges[self.boundary_edges].ravel()] = True
        return mask

    @property
    def boundary_loops(self) -> list[np.ndarray]:
        """Boundary loops as vertex index arrays, ordered as the faces traverse them.

        The loops are sorted by decreasing length; each starts at its smallest
        vertex index. The interior lies to the left when walking a loop with the
        outward normal up.
        """
        if self._loops is None:
            self._loops = _boundary_loops(self._conn, self._faces, self.n_vertices)
        return list(self._loops)

    # ------------------------------------------------------------------ topology

    @property
    def n_components(self) -> int:
        """Number of connected components (vertices in no face are not counted)."""
        return int(self._components().max()) + 1

    def component_labels(self) -> np.ndarray:
        """``(m,) int64`` connected-component label of each face."""
        return self._components()[self._faces[:, 0]]

    @property
    def euler_characteristic(self) -> int:
        """``V - E + F`` with ``V`` counting only vertices that belong to a face."""
        return int(self._referenced.sum()) - self.n_edges + self.n_faces

    @property
    def genus(self) -> int:
        """Total genus, ``(2 c - chi - b) / 2`` over ``c`` components, ``b`` loops."""
        twice = 2 * self.n_components - self.euler_characteristic
        return (twice - len(self.boundary_loops)) // 2

    @property
    def is_closed(self) -> bool:
        """True when every edge has two faces."""
        return bool((self._conn.edge_faces[:, 1] >= 0).all())

    @property
    def is_orientable(self) -> bool:
        """Always True: construction requires consistently oriented faces.

        A mesh that is orientable but inconsistently oriented is refused with a
        :class:`MeshError`; :func:`geomflow.repair` re-orients it.
        """
        return True

    def __repr__(self) -> str:
        return (
            f"TriangleMesh(n_vertices={self.n_vertices}, n_faces={self.n_faces}, "
            f"chi={self.euler_characteristic}, genus={self.genus}, "
            f"boundary_loops={len(self.boundary_loops)})"
        )

    def _components(self) -> np.ndarray:
        if self._component_labels is None:
            n = self.n_vertices
            edges = self.edges
            graph = sp.coo_matrix(
                (np.ones(len(edges), dtype=np.int8), (edges[:, 0], edges[:, 1])),
                shape=(n, n),
            )
            _, labels = connected_components(graph, directed=False)
            # Renumber so that only components holding faces count.
            used, labels = np.unique(labels, return_inverse=True)
            labels = labels.astype(np.int64)
            if not self._referenced.all():
                face_labels = np.unique(labels[self._faces[:, 0]])
                remap = np.full(len(used), -1, dtype=np.int64)
                remap[face_labels] = np.arange(len(face_labels))
                labels = remap[labels]
            self._component_labels = freeze(labels)
        return self._component_labels


# ---------------------------------------------------------------------- builders


def _check_face_indices(faces: np.ndarray, n: int) -> None:
    bad = np.flatnonzero(((faces < 0) | (faces >= n)).any(axis=1))
    if len(bad):
        raise MeshError(
            f"faces {describe_indices(bad)} index vertices outside 0..{n - 1} "
            f"(for example face {bad[0]} = {faces[bad[0]].tolist()}); "
            "check that indices are zero-based"
        )
    repeated = np.flatnonzero(
        (faces[:, 0] == faces[:, 1])
        | (faces[:, 1] == faces[:, 2])
        | (faces[:, 2] == faces[:, 0])
    )
    if len(repeated):
        raise MeshError(
            f"faces {describe_indices(repeated)} repeat a vertex "
            f"(face {repeated[0]} = {faces[repeated[0]].tolist()}); "
            "remove them, for example with gf.repair(vertices, faces)"
        )
    key = np.sort(faces, axis=1)
    order = np.lexsort((key[:, 2], key[:, 1], key[:, 0]))  # stable: originals first
    ordered = key[order]
    same = np.all(ordered[1:] == ordered[:-1], axis=1)
    if same.any():
        group_start = np.maximum.accumulate(
            np.where(np.concatenate([[True], ~same]), np.arange(len(order)), 0)
        )
        is_copy = np.concatenate([[False], same])
        copies, originals = order[is_copy], order[group_start[is_copy]]
        by_copy = np.argsort(copies)
        raise MeshError(
            f"faces {describe_indices(copies[by_copy])} repeat the vertices of faces "
            f"{describe_indices(originals[by_copy])} (the same triangle more than "
            "once); remove the copies, for example with gf.repair(vertices, faces)"
        )


def _build_connectivity(faces: np.ndarray, n: int) -> _Connectivity:
    """Find the edges, and which faces and sides hold each, from one sort."""
    m = len(faces)
    start = faces[:, NEXT].ravel()  # half-edge 3f+k runs along side k of face f
    end = faces[:, PREV].ravel()
    key = np.minimum(start, end) * n + np.maximum(start, end)
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    is_new = np.empty(len(key), dtype=bool)
    is_new[0] = True
    np.not_equal(sorted_key[1:], sorted_key[:-1], out=is_new[1:])
    edge_of_sorted = np.cumsum(is_new) - 1
    n_edges = int(edge_of_sorted[-1]) + 1

    counts = np.bincount(edge_of_sorted, minlength=n_edges)
    if (counts > 2).any():
        bad = np.flatnonzero(counts > 2)
        first = np.flatnonzero(is_new)
        pairs = [
            (int(key[order[first[b]]] // n), int(key[order[first[b]]] % n))
            for b in bad[:5]
        ]
        holders = order[first[bad[0]] : first[bad[0]] + counts[bad[0]]] // 3
        raise MeshError(
            f"{len(bad)} edges have three or more faces (non-manifold), for example "
            f"edges {pairs}; edge {pairs[0]} is shared by faces "
            f"{describe_indices(holders)}. geomflow needs a manifold surface: "
            "split or remove the extra faces"
        )

    face_edges = np.empty(3 * m, dtype=np.int64)
    face_edges[order] = edge_of_sorted
    face_edges = face_edges.reshape(m, 3)

    first_pos = np.flatnonzero(is_new)
    edges_key = sorted_key[first_pos]
    edges = np.stack([edges_key // n, edges_key % n], axis=1)

    edge_faces = np.full((n_edges, 2), -1, dtype=np.int64)
    edge_sides = np.full((n_edges, 2), -1, dtype=np.int64)
    h1 = order[first_pos]
    edge_faces[:, 0], edge_sides[:, 0] = h1 // 3, h1 % 3
    two = counts == 2
    h2 = order[first_pos[two] + 1]
    edge_faces[two, 1], edge_sides[two, 1] = h2 // 3, h2 % 3
    return _Connectivity(
        edges=freeze(edges),
        face_edges=freeze(face_edges),
        edge_faces=freeze(edge_faces),
        edge_sides=freeze(edge_sides),
    )


def _side_start(faces, face, side):
    """Vertex at which side ``side`` of ``face`` starts (the face's direction)."""
    return faces[face, NEXT[side]]


def _check_orientation(conn: _Connectivity, faces: np.ndarray) -> None:
    interior = np.flatnonzero(conn.edge_faces[:, 1] >= 0)
    f0, f1 = conn.edge_faces[interior, 0], conn.edge_faces[interior, 1]
    s0 = _side_start(faces, f0, conn.edge_sides[interior, 0])
    s1 = _side_start(faces, f1, conn.edge_sides[interior, 1])
    same = s0 == s1
    if same.any():
        bad = interior[same]
        pairs = [(int(a), int(b)) for a, b in conn.edge_faces[bad[:5]]]
        raise MeshError(
            f"{len(bad)} edges are traversed in the same direction by both faces "
            f"(inconsistent orientation), for example between the faces {pairs} "
            f"at edges {[tuple(map(int, e)) for e in conn.edges[bad[:5]]]}; "
            "re-orient the faces, for example with gf.repair(vertices, faces)"
        )


def _check_vertex_manifold(conn: _Connectivity, faces: np.ndarray, n: int) -> None:
    """Refuse bow-ties: the faces around every vertex must form a single fan.

    Corners at the same vertex are linked when their faces share an edge
    through that vertex; a vertex whose corners fall into more than one group
    joins several fans at a point.
    """
    m = len(faces)
    interior = np.flatnonzero(conn.edge_faces[:, 1] >= 0)
    f0, f1 = conn.edge_faces[interior, 0], conn.edge_faces[interior, 1]
    k0, k1 = conn.edge_sides[interior, 0], conn.edge_sides[interior, 1]
    # With consistent orientation side k0 runs a -> b in f0 and b -> a in f1.
    a_in_f0, b_in_f0 = NEXT[k0], PREV[k0]
    a_in_f1, b_in_f1 = PREV[k1], NEXT[k1]
    rows = np.concatenate([3 * f0 + a_in_f0, 3 * f0 + b_in_f0])
    cols = np.concatenate([3 * f1 + a_in_f1, 3 * f1 + b_in_f1])
    graph = sp.coo_matrix(
        (np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(3 * m, 3 * m)
    )
    n_fans, labels = connected_components(graph, directed=False)
    vertex_of_fan = np.empty(n_fans, dtype=np.int64)
    vertex_of_fan[labels] = faces.ravel()
    fans = np.bincount(vertex_of_fan, minlength=n)
    bad = np.flatnonzero(fans > 1)
    if len(bad):
        raise MeshError(
            f"vertices {describe_indices(bad)} join {int(fans[bad].max())} or more "
            "separate fans of faces (non-manifold 'bow-tie' vertices); "
            "duplicate each such vertex once per fan"
        )


def _boundary_loops(conn: _Connectivity, faces: np.ndarray, n: int) -> list:
    boundary = np.flatnonzero(conn.edge_faces[:, 1] < 0)
    if len(boundary) == 0:
        return []
    f, k = conn.edge_faces[boundary, 0], conn.edge_sides[boundary, 0]
    start, end = faces[f, NEXT[k]], faces[f, PREV[k]]
    successor = np.full(n, -1, dtype=np.int64)
    successor[start] = end  # one outgoing boundary half-edge per vertex (manifold)
    visited = np.zeros(n, dtype=bool)
    loops = []
    for v0 in np.sort(start):
        if visited[v0]:
            continue
        loop = [v0]
        visited[v0] = True
        v = successor[v0]
        while v != v0:
            loop.append(v)
            visited[v] = True
            v = successor[v]
        loops.append(np.array(loop, dtype=np.int64))
    loops.sort(key=len, reverse=True)
    for loop in loops:
        freeze(loop)
    return loops
