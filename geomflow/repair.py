"""Repair of the common defects of triangle soups before they become meshes.

:func:`repair` turns a list of vertex positions and triangles, such as one read
from an STL file, into a valid :class:`~geomflow.mesh.TriangleMesh`. It fixes
what can be fixed without inventing geometry: coincident vertices, degenerate
and repeated faces, inconsistent orientation and unused vertices. It does not
split non-manifold edges or bow-tie vertices; those are reported, with indices,
in the :class:`~geomflow.errors.MeshError` it raises.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import breadth_first_order, connected_components
from scipy.spatial import cKDTree

from ._validate import as_array, freeze, require_finite
from .errors import MeshError, describe_indices
from .mesh import NEXT, PREV, TriangleMesh

__all__ = ["RepairReport", "repair"]

logger = logging.getLogger(__name__)

#: How many indices of each kind :meth:`RepairReport.summary` lists.
_SHOWN = 10
_SINGULAR = {"vertices": "vertex", "faces": "face"}


@dataclass(frozen=True, eq=False)
class RepairReport:
    """What :func:`repair` changed, with the input indices of everything involved.

    Every index refers to the arrays given to :func:`repair` (the input), so a
    caller can carry per-vertex or per-face data over to the repaired mesh.

    Attributes
    ----------
    n_vertices_in, n_faces_in : int
        Sizes of the input.
    merged_vertices : (k,) int64
        Vertices merged into another one (and so removed), increasing.
    merged_into : (k,) int64
        ``merged_into[i]`` is the vertex that ``merged_vertices[i]`` became; it
        is the lowest index of its group and keeps its own position.
    repeated_vertex_faces : (a,) int64
        Faces dropped because two of their corners are the same vertex, before
        or after merging.
    zero_area_faces : (b,) int64
        Faces dropped because their area is zero (see :func:`repair`).
    duplicate_faces : (c,) int64
        Faces dropped because an earlier face has the same three vertices.
    flipped_faces : (d,) int64
        Faces whose orientation was reversed (corners 1 and 2 swapped).
    unreferenced_vertices : (u,) int64
        Vertices dropped because no remaining face uses them (merged vertices
        are listed in ``merged_vertices`` only).
    vertex_map : (n',) int64
        ``vertex_map[i]`` is the input index of vertex ``i`` of the repaired mesh.
    face_map : (m',) int64
        ``face_map[f]`` is the input index of face ``f`` of the repaired mesh.
    """

    n_vertices_in: int
    n_faces_in: int
    merged_vertices: np.ndarray
    merged_into: np.ndarray
    repeated_vertex_faces: np.ndarray
    zero_area_faces: np.ndarray
    duplicate_faces: np.ndarray
    flipped_faces: np.ndarray
    unreferenced_vertices: np.ndarray
    vertex_map: np.ndarray
    face_map: np.ndarray

    @property
    def n_merged_vertices(self) -> int:
        return len(self.merged_vertices)

    @property
    def n_repeated_vertex_faces(self) -> int:
        return len(self.repeated_vertex_faces)

    @property
    def n_zero_area_faces(self) -> int:
        return len(self.zero_area_faces)

    @property
    def n_duplicate_faces(self) -> int:
        return len(self.duplicate_faces)

    @property
    def n_flipped_faces(self) -> int:
        return len(self.flipped_faces)

    @property
    def n_unreferenced_vertices(self) -> int:
        return len(self.unreferenced_vertices)

    @property
    def is_empty(self) -> bool:
        """True when nothing was changed: the input was already a valid mesh."""
        return not any(len(indices) for _, indices, _ in self._steps())

    def summary(self) -> str:
        """A few lines telling what was changed, with the first indices of each."""
        lines = [
            f"repair: {_count(self.n_vertices_in, 'vertices')} and "
            f"{_count(self.n_faces_in, 'faces')} in, "
            f"{_count(len(self.vertex_map), 'vertices')} and "
            f"{_count(len(self.face_map), 'faces')} out"
        ]
        for what, indices, kind in self._steps():
            if len(indices):
                shown = describe_indices(indices[:_SHOWN])
                if len(indices) > _SHOWN:
                    shown = shown[:-1] + ", ...]"
                lines.append(f"  {what}: {_count(len(indices), kind)} {shown}")
        if len(lines) == 1:
            lines.append("  nothing to repair")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()

    def _steps(self):
        return [
            ("merged into an earlier vertex", self.merged_vertices, "vertices"),
            ("dropped, repeating a vertex", self.repeated_vertex_faces, "faces"),
            ("dropped, zero area", self.zero_area_faces, "faces"),
            ("dropped, copies of an earlier face", self.duplicate_faces, "faces"),
            ("flipped to match their neighbours", self.flipped_faces, "faces"),
            ("dropped, in no face", self.unreferenced_vertices, "vertices"),
        ]


def _count(k: int, plural: str) -> str:
    return f"{k} {plural if k != 1 else _SINGULAR[plural]}"


def repair(
    vertices, faces, *, merge_tolerance: float = 0.0
) -> tuple[TriangleMesh, RepairReport]:
    """Fix the common defects of a triangle soup and build a :class:`TriangleMesh`.

    The steps run in this order, each on the result of the previous one:

    1. merge coincident vertices (see Notes);
    2. drop faces that repeat a vertex;
    3. drop faces of zero area;
    4. drop faces with the same three vertices as an earlier face (the first
       one is kept, whatever its orientation);
    5. re-orient the faces of each connected component consistently;
    6. drop vertices that belong to no face, renumbering the others in order.

    Parameters
    ----------
    vertices : (n, 3) array_like of float
        Vertex positions. Must be finite.
    faces : (m, 3) array_like of int
        Zero-based vertex indices of each triangle.
    merge_tolerance : float, optional
        Vertices at a Euclidean distance of at most this are merged. The
        default ``0.0`` merges only exactly coincident vertices.

    Returns
    -------
    mesh : TriangleMesh
        The repaired mesh. Faces and vertices keep their input order, less the
        dropped ones.
    report : RepairReport
        What was changed, in input indices; ``report.summary()`` reads well.

    Raises
    ------
    MeshError
        If the input is malformed in a way that has no safe fix (wrong shapes,
        non-finite coordinates, indices out of range, no faces, a negative
        tolerance); if a component is not orientable (a Möbius strip, say),
        naming the faces where the orientation clashes; and if the result is
        still not a manifold mesh. Non-manifold edges (three or more faces) and
        bow-tie vertices are *not* repaired: splitting them means choosing which
        faces belong together, which is left to the caller. Such a message
        starts with the summary of the repairs done, then says what remains,
        and the exception carries the :class:`RepairReport` as
        ``error.report``. Non-manifold edges are named in input indices;
        bow-tie vertices, found by the final :class:`TriangleMesh`
        construction, in indices of the repaired arrays (map them back with
        ``error.report.vertex_map``).

    Notes
    -----
    *Merging.* With ``merge_tolerance == 0`` the rows of ``vertices`` are
    sorted lexicographically and equal rows merged (``-0.0`` equals ``0.0``).
    Otherwise all pairs at distance ``<= merge_tolerance`` are found with a k-d
    tree (:class:`scipy.spatial.cKDTree`) and merged transitively, by the
    connected components of the pair graph: a chain of vertices each within
    the tolerance of the next becomes one vertex even when its ends are
    farther apart. Each group keeps the position of its lowest-index vertex;
    positions are never averaged.

    *Zero area.* The side lengths of each face are computed from the positions
    (``|x_j - x_i|`` with ``i < j``, as :meth:`geomflow.EdgeMetric.from_mesh` does) and
    sorted ``a >= b >= c``. Kahan's form of Heron's formula,

    .. math::

        A = \\tfrac14 \\sqrt{(a + (b + c))\\,(c - (a - b))\\,(c + (a - b))\\,
            (a + (b - c))},

    is zero exactly when the factor ``c - (a - b)`` or the side ``c`` is not
    positive; that factor is accurate to a few ulps only with sorted sides. A
    face is dropped when this happens, with no threshold: a sliver whose
    rounded lengths still form a proper triangle is kept. Testing the factors
    rather than their product avoids calling a tiny but valid face degenerate
    by underflow. Dropping a zero-area face can open a crack along its longest
    side; repair does not close it.

    *Orientation.* Faces are joined across edges with exactly two faces. A
    breadth-first walk (:func:`scipy.sparse.csgraph.breadth_first_order`)
    from the lowest-index face of each component gives every face a parity,
    flip or keep, relative to that face; parities are propagated down the
    walk's tree by pointer jumping. An edge whose two faces disagree after
    that closes an odd cycle: the component is not orientable. Otherwise the
    orientation held by most faces of the component wins (ties go to the
    lowest-index face), so that as few faces as possible are flipped. The
    walk does not look at positions: a closed component may end up with
    inward normals if most of its input faces pointed inward.

    Examples
    --------
    >>> import numpy as np
    >>> import geomflow as gf
    >>> v = [[0, 0, 0], [1, 0, 0], [0, 1, 0], [1, 0, 0], [1, 1, 0]]
    >>> f = [[0, 1, 2], [2, 4, 3]]  # vertex 3 repeats vertex 1, face 1 is flipped
    >>> mesh, report = gf.repair(v, f)
    >>> mesh.faces.tolist()
    [[0, 1, 2], [2, 1, 3]]
    >>> report.n_merged_vertices, report.n_flipped_faces
    (1, 1)
    """
    vertices = as_array(
        vertices, "vertices", dtype=np.float64, shape=(None, 3), error=MeshError
    )
    require_finite(vertices, "vertices", error=MeshError)
    faces = as_array(faces, "faces", dtype=np.int64, shape=(None, 3), error=MeshError)
    tolerance = _check_tolerance(merge_tolerance)
    _check_input_faces(faces, len(vertices))
    n, m = len(vertices), len(faces)

    representative = _merge_representatives(vertices, tolerance)
    merged = np.flatnonzero(representative != np.arange(n))
    changes = {"merged_vertices": merged, "merged_into": representative[merged]}
    faces, face_ids = _drop_faces(vertices, representative[faces], changes)

    pairs, crowded = _edge_neighbours(faces, n)
    if crowded is not None:
        report = _report(n, m, faces, face_ids, changes, flipped=[])
        raise _non_manifold_error(report, *crowded, face_ids)

    flip = _orientation_flips(pairs, len(faces), face_ids)
    faces[flip] = faces[flip][:, [0, 2, 1]]
    report = _report(n, m, faces, face_ids, changes, flipped=face_ids[flip])

    new_index = np.full(n, -1, dtype=np.int64)
    new_index[report.vertex_map] = np.arange(len(report.vertex_map))
    try:
        mesh = TriangleMesh(vertices[report.vertex_map], new_index[faces])
    except MeshError as err:
        error = MeshError(
            f"{report.summary()}\nbut the result is still not a valid mesh "
            "(indices below refer to the repaired arrays; error.report.vertex_map "
            f"and error.report.face_map give the input indices): {err}"
        )
        error.report = report
        raise error from err
    logger.debug("%s", report)
    return mesh, report


# ---------------------------------------------------------------------- checks


def _check_tolerance(tolerance) -> float:
    tolerance = float(tolerance)
    if not (np.isfinite(tolerance) and tolerance >= 0.0):
        raise MeshError(
            f"merge_tolerance must be a finite number >= 0, got {tolerance}"
        )
    return tolerance


def _check_input_faces(faces: np.ndarray, n: int) -> None:
    if len(faces) == 0:
        raise MeshError(
            f"there is nothing to repair: 0 faces (and {n} vertices); "
            "a triangle mesh needs at least one face"
        )
    bad = np.flatnonzero(((faces < 0) | (faces >= n)).any(axis=1))
    if len(bad):
        raise MeshError(
            f"faces {describe_indices(bad)} index vertices outside 0..{n - 1} "
            f"(for example face {bad[0]} = {faces[bad[0]].tolist()}); repair "
            "cannot guess the intended vertex: check that indices are zero-based"
        )


def _non_manifold_error(report, edges, holders, face_ids) -> MeshError:
    error = MeshError(
        f"{report.summary()}\nbut {len(edges)} edges still have three or more "
        f"faces (non-manifold), for example edges {edges[:5]} (input vertex "
        f"indices); edge {edges[0]} is shared by input faces "
        f"{describe_indices(face_ids[holders])}. repair does not split "
        "non-manifold edges: remove or separate the extra faces, then call it again"
    )
    error.report = report
    return error


# ---------------------------------------------------------------------- steps


def _drop_faces(vertices, faces, changes):
    """Steps 2 to 4: drop faces repeating a vertex, flat faces, then copies.

    Records the input indices of the dropped faces in ``changes`` and returns
    the remaining faces with their input indices.
    """
    face_ids = np.arange(len(faces))

    drop = _repeats_vertex(faces)
    changes["repeated_vertex_faces"] = face_ids[drop]
    faces, face_ids = faces[~drop], face_ids[~drop]

    drop = _zero_area(vertices, faces)
    changes["zero_area_faces"] = face_ids[drop]
    faces, face_ids = faces[~drop], face_ids[~drop]

    drop = ~_first_of_each_row(np.sort(faces, axis=1))
    changes["duplicate_faces"] = face_ids[drop]
    return faces[~drop], face_ids[~drop]


def _first_of_each_row(rows: np.ndarray) -> np.ndarray:
    """``(k,) bool``: True at the first (lowest-index) occurrence of each row."""
    order = np.lexsort(rows.T[::-1])  # stable: equal rows stay in index order
    ordered = rows[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
    mask = np.zeros(len(rows), dtype=bool)
    mask[order[first]] = True
    return mask


def _merge_representatives(vertices: np.ndarray, tolerance: float) -> np.ndarray:
    """``(n,) int64``: the lowest-index vertex of each vertex's merge group."""
    n = len(vertices)
    if tolerance == 0.0:
        order = np.lexsort(vertices.T[::-1])  # stable: ties stay in index order
        ordered = vertices[order]
        starts = np.ones(n, dtype=bool)
        starts[1:] = (ordered[1:] != ordered[:-1]).any(axis=1)
        representative = np.empty(n, dtype=np.int64)
        representative[order] = order[starts][np.cumsum(starts) - 1]
        return representative

    pairs = cKDTree(vertices).query_pairs(tolerance, output_type="ndarray")
    graph = sp.coo_matrix(
        (np.ones(len(pairs), dtype=np.int8), (pairs[:, 0], pairs[:, 1])),
        shape=(n, n),
    )
    _, group = connected_components(graph, directed=False)
    _, lowest = np.unique(group, return_index=True)  # labels run over 0..k-1
    return lowest[group].astype(np.int64)


def _repeats_vertex(faces: np.ndarray) -> np.ndarray:
    return (
        (faces[:, 0] == faces[:, 1])
        | (faces[:, 1] == faces[:, 2])
        | (faces[:, 2] == faces[:, 0])
    )


def _zero_area(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """``(m,) bool``: faces whose Kahan area is zero (see :func:`repair`)."""
    start, end = faces[:, NEXT], faces[:, PREV]
    lo, hi = np.minimum(start, end).ravel(), np.maximum(start, end).ravel()
    sides = np.linalg.norm(vertices[hi] - vertices[lo], axis=1).reshape(-1, 3)
    sides = np.sort(sides, axis=1)
    c, b, a = sides[:, 0], sides[:, 1], sides[:, 2]
    return ~((c - (a - b) > 0.0) & (c > 0.0))


def _edge_neighbours(faces: np.ndarray, n: int):
    """Faces on each side of the edges with two faces, and whether they clash.

    Returns ``((f0, f1, same), crowded)``. ``same`` is True where both faces
    traverse the edge in the same direction. ``crowded`` is None, or, when
    some edges have three or more faces, ``(edges, holders)``: those edges as
    vertex pairs and the faces (positions in ``faces``) on the first of them.
    """
    start, end = faces[:, NEXT].ravel(), faces[:, PREV].ravel()
    key = np.minimum(start, end) * n + np.maximum(start, end)
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    first = np.flatnonzero(np.r_[True, sorted_key[1:] != sorted_key[:-1]])
    counts = np.diff(np.r_[first, len(key)])

    crowded = None
    if (counts > 2).any():
        bad = np.flatnonzero(counts > 2)
        edges = [(int(k // n), int(k % n)) for k in sorted_key[first[bad]]]
        holders = order[first[bad[0]] : first[bad[0]] + counts[bad[0]]] // 3
        crowded = (edges, np.sort(holders))

    two = first[counts == 2]
    h0, h1 = order[two], order[two + 1]
    return (h0 // 3, h1 // 3, start[h0] == start[h1]), crowded


def _orientation_flips(pairs, m: int, face_ids: np.ndarray) -> np.ndarray:
    """``(m,) bool``: the faces to flip so that every neighbour agrees."""
    f0, f1, same = pairs
    graph = sp.coo_matrix(
        (np.ones(len(f0), dtype=np.int8), (f0, f1)), shape=(m, m)
    ).tocsr()
    n_comp, label = connected_components(graph, directed=False)
    parity = _walk_parity(f0, f1, same, m, label)

    clash = (parity[f0] ^ parity[f1]) != same
    if clash.any():
        bad = np.unique(np.concatenate([f0[clash], f1[clash]]))
        n_bad = len(np.unique(label[f0[clash]]))
        raise MeshError(
            f"{n_bad} connected component(s) are not orientable (like a Möbius "
            "strip): no choice of face orientations agrees across every edge; "
            "the orientation walk clashes between input faces "
            f"{describe_indices(face_ids[bad])}. geomflow needs an orientable "
            "surface: cut it open along those faces' edges"
        )

    # Keep the orientation most faces of each component already have.
    flipped_count = np.bincount(label, weights=parity, minlength=n_comp)
    size = np.bincount(label, minlength=n_comp)
    majority_flipped = flipped_count > size - flipped_count
    return parity ^ majority_flipped[label]


def _walk_parity(f0, f1, same, m: int, label: np.ndarray) -> np.ndarray:
    """``(m,) bool``: flip parity of each face relative to its component's root.

    The root is the lowest-index face of the component. A virtual face ``m``
    joined to every root makes one breadth-first walk cover all components.
    """
    _, roots = np.unique(label, return_index=True)
    rows = np.concatenate([f0, np.full(len(roots), m)])
    cols = np.concatenate([f1, roots])
    graph = sp.coo_matrix(
        (np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(m + 1, m + 1)
    ).tocsr()
    _, parent = breadth_first_order(graph, m, directed=False, return_predecessors=True)
    parent = parent[:m]

    # Parity of each face relative to its parent, looked up by face-pair key.
    pair_key = np.minimum(f0, f1) * (m + 1) + np.maximum(f0, f1)
    order = np.argsort(pair_key)
    child = np.flatnonzero(parent != m)
    up = parent[child]
    query = np.minimum(child, up) * (m + 1) + np.maximum(child, up)
    relative = np.zeros(m + 1, dtype=bool)
    relative[child] = same[order[np.searchsorted(pair_key[order], query)]]

    # Pointer jumping: each pass doubles the stretch of tree `relative` covers,
    # until it holds the xor of the parities all the way up to the root.
    ancestor = np.append(parent, m)
    while (ancestor[:m] != m).any():
        relative = relative ^ relative[ancestor]
        ancestor = ancestor[ancestor]
    return relative[:m]


def _report(n, m, faces, face_ids, changes, flipped) -> RepairReport:
    """Assemble the report; the vertices kept are those the faces still use."""
    referenced = np.zeros(n, dtype=bool)
    referenced[faces.ravel()] = True
    merged = np.zeros(n, dtype=bool)
    merged[changes["merged_vertices"]] = True
    fields = {
        name: freeze(np.asarray(indices, dtype=np.int64))
        for name, indices in changes.items()
    }
    return RepairReport(
        n_vertices_in=n,
        n_faces_in=m,
        flipped_faces=freeze(np.sort(np.asarray(flipped, dtype=np.int64))),
        unreferenced_vertices=freeze(np.flatnonzero(~referenced & ~merged)),
        vertex_map=freeze(np.flatnonzero(referenced)),
        face_map=freeze(np.asarray(face_ids, dtype=np.int64)),
        **fields,
    )
