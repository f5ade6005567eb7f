"""numba inner loops: one pass per face, per edge or per corner.

Private to geomflow. Every kernel takes and returns plain arrays (no Python
objects) and has a plain numpy counterpart in the tests. The compile flags live
in :data:`JIT` alone. This module imports numba, which costs a few tenths of a
second, so the rest of the package imports it only when a kernel is first
needed.

Face side lengths ``fl`` are ``(m, 3)`` arrays with ``fl[f, k]`` the length of
side ``k``, the side opposite corner ``k`` (see :mod:`geomflow.mesh`).
"""

from __future__ import annotations

import math

import numba
import numpy as np

#: Compile flags for every kernel: cached on disk, no fastmath (it would let the
#: compiler reorder Kahan's carefully parenthesised expressions).
JIT = numba.njit(cache=True, nogil=True, fastmath=False)

#: Status codes of :func:`triangle_status`.
VALID, DEGENERATE, VIOLATED = 0, 1, 2


@JIT
def _sorted_sides(x, y, z):
    """Return the three numbers in decreasing order."""
    if x < y:
        x, y = y, x
    if y < z:
        y, z = z, y
    if x < y:
        x, y = y, x
    return x, y, z


@JIT
def edge_lengths(vertices, edges):
    """Euclidean length of every edge ``(i, j)`` of an embedded mesh."""
    out = np.empty(edges.shape[0])
    for e in range(edges.shape[0]):
        i, j = edges[e, 0], edges[e, 1]
        dx = vertices[j, 0] - vertices[i, 0]
        dy = vertices[j, 1] - vertices[i, 1]
        dz = vertices[j, 2] - vertices[i, 2]
        out[e] = math.sqrt(dx * dx + dy * dy + dz * dz)
    return out


@JIT
def triangle_status(fl):
    """Per face: VALID, DEGENERATE (zero area) or VIOLATED (triangle inequality).

    Uses Kahan's factor ``c - (a - b)`` with sorted sides ``a >= b >= c``: it is
    computed exactly enough that its sign decides the inequality ``a <= b + c``
    consistently with :func:`face_areas`.
    """
    m = fl.shape[0]
    status = np.empty(m, dtype=np.int8)
    for f in range(m):
        a, b, c = _sorted_sides(fl[f, 0], fl[f, 1], fl[f, 2])
        gap = c - (a - b)
        if gap > 0.0 and c > 0.0:
            status[f] = VALID
        elif gap == 0.0 or c == 0.0:
            status[f] = DEGENERATE
        else:
            status[f] = VIOLATED
    return status


@JIT
def face_areas(fl):
    """Triangle areas by Kahan's stable form of Heron's formula.

    With the sides sorted ``a >= b >= c``,

        A = 1/4 sqrt((a + (b + c)) (c - (a - b)) (c + (a - b)) (a + (b - c)))

    Every parenthesis matters: it keeps each factor accurate to a few ulps even
    for needle-shaped triangles, where plain Heron loses all digits. Assumes
    the triangle inequality holds (see :func:`triangle_status`).
    """
    m = fl.shape[0]
    area = np.empty(m)
    for f in range(m):
        area[f] = 0.25 * math.sqrt(_heron_product(fl[f, 0], fl[f, 1], fl[f, 2]))
    return area


@JIT
def _heron_product(x, y, z):
    """``16 A^2`` of the triangle with sides x, y, z, in Kahan's factored form."""
    a, b, c = _sorted_sides(x, y, z)
    return (a + (b + c)) * (c - (a - b)) * (c + (a - b)) * (a + (b - c))


@JIT
def corner_cotangents(fl, area):
    """``cot`` of each corner angle, ``(b^2 + c^2 - a^2) / (4 A)``, a opposite.

    Negative at obtuse corners. Faces must have positive area.
    """
    m = fl.shape[0]
    cot = np.empty((m, 3))
    for f in range(m):
        inv = 1.0 / (4.0 * area[f])
        s0, s1, s2 = fl[f, 0] ** 2, fl[f, 1] ** 2, fl[f, 2] ** 2
        cot[f, 0] = (s1 + s2 - s0) * inv
        cot[f, 1] = (s2 + s0 - s1) * inv
        cot[f, 2] = (s0 + s1 - s2) * inv
    return cot


@JIT
def corner_angles(fl, area):
    """Corner angles ``atan2(4 A, b^2 + c^2 - a^2)``, a the opposite side.

    Well defined for degenerate faces too (angles 0, 0 and pi).
    """
    m = fl.shape[0]
    angle = np.empty((m, 3))
    for f in range(m):
        y = 4.0 * area[f]
        s0, s1, s2 = fl[f, 0] ** 2, fl[f, 1] ** 2, fl[f, 2] ** 2
        angle[f, 0] = math.atan2(y, s1 + s2 - s0)
        angle[f, 1] = math.atan2(y, s2 + s0 - s1)
        angle[f, 2] = math.atan2(y, s0 + s1 - s2)
    return angle


@JIT
def cotan_edge_weights(fl, area, face_edges, n_edges):
    """``w_e = (cot a + cot b) / 2`` summed straight from the side lengths.

    The same numbers as :func:`corner_cotangents` scattered onto the edges,
    without the ``(m, 3)`` temporaries: this is the work of refilling a
    Laplacian for a new metric.
    """
    out = np.zeros(n_edges)
    for f in range(fl.shape[0]):
        inv = 0.5 / (4.0 * area[f])
        s0, s1, s2 = fl[f, 0] ** 2, fl[f, 1] ** 2, fl[f, 2] ** 2
        out[face_edges[f, 0]] += (s1 + s2 - s0) * inv
        out[face_edges[f, 1]] += (s2 + s0 - s1) * inv
        out[face_edges[f, 2]] += (s0 + s1 - s2) * inv
    return out


@JIT
def scatter_face_thirds(values, faces, n_vertices):
    """Give each vertex a third of the value of each of its faces."""
    out = np.zeros(n_vertices)
    for f in range(faces.shape[0]):
        third = values[f] / 3.0
        for k in range(3):
            out[faces[f, k]] += third
    return out


@JIT
def scatter_faces_to_edges(values, face_edges, n_edges):
    """Sum per-corner values onto the edges opposite the corners."""
    out = np.zeros(n_edges)
    m = face_edges.shape[0]
    for f in range(m):
        for k in range(3):
            out[face_edges[f, k]] += values[f, k]
    return out


@JIT
def scatter_corners_to_vertices(values, faces, n_vertices):
    """Sum per-corner values onto the vertices holding the corners."""
    out = np.zeros(n_vertices)
    m = faces.shape[0]
    for f in range(m):
        for k in range(3):
            out[faces[f, k]] += values[f, k]
    return out


@JIT
def voronoi_corner_areas(fl, area, cot):
    """Mixed Voronoi area of each corner (Meyer, Desbrun, Schroeder, Barr 2003).

    Non-obtuse faces split by their circumcentre; an obtuse face gives half its
    area to the obtuse corner and a quarter to each other corner, so the
    pieces always sum to the face area and stay positive.
    """
    m = fl.shape[0]
    out = np.empty((m, 3))
    for f in range(m):
        obtuse = -1
        for k in range(3):
            if cot[f, k] < 0.0:
                obtuse = k
        for k in range(3):
            if obtuse < 0:
                k1 = (k + 1) % 3
                k2 = (k + 2) % 3
                out[f, k] = 0.125 * (
                    fl[f, k2] ** 2 * cot[f, k2] + fl[f, k1] ** 2 * cot[f, k1]
                )
            elif k == obtuse:
                out[f, k] = 0.5 * area[f]
            else:
                out[f, k] = 0.25 * area[f]
    return out


@JIT
def symmetric_pattern(edges, n_vertices):
    """CSR pattern of a symmetric matrix with entries on the diagonal and edges.

    ``edges`` must be sorted lexicographically with ``i < j`` (as
    :class:`~geomflow.TriangleMesh` keeps them). Column indices come out sorted
    in every row. Returns ``indptr``, ``indices`` (int32), and the data
    positions of entry ``(i, j)`` and ``(j, i)`` of every edge and of every
    diagonal entry, so that values can be refilled without searching.
    """
    n_edges = edges.shape[0]
    n_lower = np.zeros(n_vertices, dtype=np.int64)
    n_upper = np.zeros(n_vertices, dtype=np.int64)
    for e in range(n_edges):
        n_upper[edges[e, 0]] += 1
        n_lower[edges[e, 1]] += 1
    indptr = np.empty(n_vertices + 1, dtype=np.int32)
    diag = np.empty(n_vertices, dtype=np.int64)
    next_lower = np.empty(n_vertices, dtype=np.int64)
    next_upper = np.empty(n_vertices, dtype=np.int64)
    indptr[0] = 0
    for r in range(n_vertices):
        next_lower[r] = indptr[r]
        diag[r] = indptr[r] + n_lower[r]
        next_upper[r] = diag[r] + 1
        indptr[r + 1] = indptr[r] + n_lower[r] + 1 + n_upper[r]
    indices = np.empty(indptr[n_vertices], dtype=np.int32)
    pos_ij = np.empty(n_edges, dtype=np.int64)
    pos_ji = np.empty(n_edges, dtype=np.int64)
    for r in range(n_vertices):
        indices[diag[r]] = r
    for e in range(n_edges):  # lexicographic order keeps every row sorted
        i, j = edges[e, 0], edges[e, 1]
        p = next_upper[i]
        indices[p] = j
        pos_ij[e] = p
        next_upper[i] = p + 1
        q = next_lower[j]
        indices[q] = i
        pos_ji[e] = q
        next_lower[j] = q + 1
    return indptr, indices, pos_ij, pos_ji, diag


@JIT
def fill_symmetric(edge_weights, off_sign, edges, pos_ij, pos_ji, diag, indptr, data):
    """Refill a :func:`symmetric_pattern` matrix in place from edge weights.

    Off-diagonal entries are ``off_sign * w_e``; each diagonal entry is the sum
    of the weights of its edges. ``off_sign = -1`` gives a weighted graph
    Laplacian (zero row sums), ``+1`` a matrix with row sums ``2 sum w``.
    The diagonal is summed row by row after the off-diagonal entries are
    written, which reads memory in order instead of scattering.
    """
    for e in range(edges.shape[0]):
        w = off_sign * edge_weights[e]
        data[pos_ij[e]] = w
        data[pos_ji[e]] = w
    for r in range(diag.shape[0]):
        total = 0.0
        for p in range(indptr[r], indptr[r + 1]):
            if p != diag[r]:
                total += data[p]
        data[diag[r]] = off_sign * total


@JIT
def side_pattern(faces, n_vertices):
    """CSR pattern of the matrix with entries ``(i, j), (j, i), (i, i), (j, j)``
    for every side ``i -> j`` of every face, and each entry's data position.

    Unlike :func:`symmetric_pattern` the faces may repeat an edge (intrinsic
    triangulations have multi-edges); repeated entries share a position.
    Returns ``indptr``, ``indices`` (int32, sorted per row) and ``positions``
    of shape ``(m, 3, 4)`` in the order ``(i, i), (j, j), (i, j), (j, i)``.
    """
    m = faces.shape[0]
    count = np.zeros(n_vertices + 1, dtype=np.int64)
    for f in range(m):  # every side puts two entries in each endpoint's row
        for k in range(3):
            count[faces[f, k] + 1] += 4
    start = np.cumsum(count)
    columns = np.empty(start[n_vertices], dtype=np.int64)
    fill = start[:n_vertices].copy()
    for f in range(m):
        for k in range(3):
            i, j = faces[f, (k + 1) % 3], faces[f, (k + 2) % 3]
            for r, c in ((i, j), (i, i), (j, i), (j, j)):
                columns[fill[r]] = c
                fill[r] += 1
    indptr = np.zeros(n_vertices + 1, dtype=np.int32)
    for r in range(n_vertices):  # sort (rows are short: insertion) and deduplicate
        lo, hi = start[r], start[r + 1]
        for p in range(lo + 1, hi):
            c, q = columns[p], p - 1
            while q >= lo and columns[q] > c:
                columns[q + 1] = columns[q]
                q -= 1
            columns[q + 1] = c
        kept = 0
        for p in range(lo, hi):
            if p == lo or columns[p] != columns[p - 1]:
                columns[lo + kept] = columns[p]
                kept += 1
        indptr[r + 1] = indptr[r] + kept
    indices = np.empty(indptr[n_vertices], dtype=np.int32)
    for r in range(n_vertices):
        for p in range(indptr[r + 1] - indptr[r]):
            indices[indptr[r] + p] = columns[start[r] + p]
    positions = np.empty((m, 3, 4), dtype=np.int64)
    for f in range(m):
        for k in range(3):
            i, j = faces[f, (k + 1) % 3], faces[f, (k + 2) % 3]
            pairs = ((i, i), (j, j), (i, j), (j, i))
            for q in range(4):
                r, c = pairs[q]
                p = indptr[r]
                while indices[p] != c:  # c is in row r: a short linear scan
                    p += 1
                positions[f, k, q] = p
    return indptr, indices, positions


# ---------------------------------------------------------------------- edge flips
#
# An intrinsic triangulation (geomflow.intrinsic) stores half-edge h = 3 f + k,
# the side of face f opposite its corner k; ``edge_of[h]`` is its edge,
# ``twin[h]`` the half-edge on the other side (-1 on the boundary) and
# ``edge_half[e]`` the two half-edges of edge e.

#: Outcomes of :func:`flip_length` and :func:`delaunay_flips`.
FLIP_OK, FLIP_LIMIT, FLIP_OVERFLOW, FLIP_BROKEN, FLIP_NOT_CONVEX = 0, 1, 2, 3, 4


@JIT
def kahan_area(a, b, c):
    """Area of the triangle with sides a, b, c (0 when they break the inequality)."""
    return 0.25 * math.sqrt(max(_heron_product(a, b, c), 0.0))


@JIT
def is_triangle(a, b, c):
    """Strict triangle inequality by Kahan's factor ``c - (a - b)``, sorted sides."""
    a, b, c = _sorted_sides(a, b, c)
    return c - (a - b) > 0.0


@JIT
def angle_between(b, c, a):
    """The angle between sides ``b`` and ``c`` of a triangle, ``a`` opposite."""
    return math.atan2(4.0 * kahan_area(a, b, c), b * b + c * c - a * a)


@JIT
def delaunay_margin(ij, ki, jk, il, lj):
    """``cot`` at k + ``cot`` at l opposite edge ij, or the cosines (same sign).

    The cosines, by the law of cosines, stand in when a triangle is broken or
    so flat that its area underflows; they are defined for any positive sides.
    """
    cos_k = 0.5 * (ki / jk + jk / ki - (ij / ki) * (ij / jk))
    cos_l = 0.5 * (il / lj + lj / il - (ij / il) * (ij / lj))
    area_k = kahan_area(ij, ki, jk) if is_triangle(ij, ki, jk) else 0.0
    area_l = kahan_area(ij, il, lj) if is_triangle(ij, il, lj) else 0.0
    if area_k == 0.0 or area_l == 0.0:
        return cos_k + cos_l
    cot_k = (ki * ki + jk * jk - ij * ij) / (4.0 * area_k)
    cot_l = (il * il + lj * lj - ij * ij) / (4.0 * area_l)
    return cot_k + cot_l


@JIT
def edge_quad(faces, edge_half, e):
    """``f0, f1, k, i, j, l, h_ki, h_jk, h_il, h_lj`` around interior edge e.

    ``f0`` is ``(k, i, j)`` and ``f1`` is ``(l, j, i)`` up to rotation, and
    ``h_xy`` is the half-edge running from x to y.
    """
    h0, h1 = edge_half[e, 0], edge_half[e, 1]
    f0, k0 = h0 // 3, h0 % 3
    f1, k1 = h1 // 3, h1 % 3
    k, i, j = faces[f0, k0], faces[f0, (k0 + 1) % 3], faces[f0, (k0 + 2) % 3]
    l = faces[f1, k1]  # noqa: E741 - the name of the corner in the papers
    h_ki, h_jk = 3 * f0 + (k0 + 2) % 3, 3 * f0 + (k0 + 1) % 3
    h_il, h_lj = 3 * f1 + (k1 + 1) % 3, 3 * f1 + (k1 + 2) % 3
    return f0, f1, k, i, j, l, h_ki, h_jk, h_il, h_lj


@JIT
def flip_length(ij, ki, jk, il, lj, euclidean):
    """The other diagonal of the quadrilateral around ij, and a FLIP_* status.

    Ptolemy's rule ``(ki lj + jk il) / ij``, or with ``euclidean`` the distance
    of k and l in the two triangles unfolded into the plane (FLIP_BROKEN when
    a triangle is broken, FLIP_NOT_CONVEX when the quadrilateral is not).
    """
    if not euclidean:
        return (ki * lj + jk * il) / ij, FLIP_OK
    if not (is_triangle(ij, ki, jk) and is_triangle(ij, il, lj)):
        return math.nan, FLIP_BROKEN
    at_i = angle_between(ki, ij, jk) + angle_between(ij, il, lj)
    at_j = angle_between(jk, ij, ki) + angle_between(ij, lj, il)
    if at_i >= math.pi or at_j >= math.pi:
        return math.nan, FLIP_NOT_CONVEX
    square = ki * ki + il * il - 2.0 * ki * il * math.cos(at_i)
    return math.sqrt(max(square, 0.0)), FLIP_OK


@JIT
def flip_edge(faces, edge_of, twin, edge_half, lengths, e, new_length):
    """Flip interior edge e of the quadrilateral ``(k, i, l, j)`` in place.

    Faces ``(k, i, j)`` and ``(l, j, i)`` become ``(k, i, l)`` and
    ``(l, j, k)``; edge e now joins k and l, with length ``new_length``.
    """
    f0, f1, k, i, j, l, h_ki, h_jk, h_il, h_lj = edge_quad(faces, edge_half, e)
    old = np.array([h_il, h_ki, h_jk, h_lj])
    new = np.array([3 * f0, 3 * f0 + 2, 3 * f1, 3 * f1 + 2])
    old_twin = np.empty(4, np.int64)
    old_edge = np.empty(4, np.int64)
    old_halves = np.empty((4, 2), np.int64)
    for a in range(4):
        old_twin[a] = twin[old[a]]
        old_edge[a] = edge_of[old[a]]
        old_halves[a, 0] = edge_half[old_edge[a], 0]
        old_halves[a, 1] = edge_half[old_edge[a], 1]
    faces[f0, 0], faces[f0, 1], faces[f0, 2] = k, i, l
    faces[f1, 0], faces[f1, 1], faces[f1, 2] = l, j, k
    for a in range(4):
        t = old_twin[a]
        moved = t
        for b in range(4):
            if old[b] == t:
                moved = new[b]
        twin[new[a]] = moved
        if t >= 0 and moved == t:  # the twin is outside the quadrilateral
            twin[t] = new[a]
        edge_of[new[a]] = old_edge[a]
    for a in range(4):
        for s in range(2):
            h = old_halves[a, s]
            for b in range(4):
                if old[b] == h:
                    h = new[b]
                    break  # new[b] may itself be an old half-edge: map once
            edge_half[old_edge[a], s] = h
    d0, d1 = 3 * f0 + 1, 3 * f1 + 1
    twin[d0], twin[d1] = d1, d0
    edge_of[d0] = e
    edge_of[d1] = e
    edge_half[e, 0], edge_half[e, 1] = d0, d1
    lengths[e] = new_length


@JIT
def delaunay_flips(
    faces, edge_of, twin, edge_half, lengths, u, queue, euclidean, tol, limit
):
    """Flip the edges of ``queue`` and their successors until all are Delaunay.

    An edge whose margin (:func:`delaunay_margin`, in the lengths scaled by
    ``exp((u_i + u_j) / 2)``; pass zeros for none) is below ``-tol`` is
    flipped with Ptolemy's or the Euclidean rule, on the stored unscaled
    lengths, and the four outer edges of its quadrilateral are queued again.

    Returns ``(flips, status, edge)``: the number of flips, a FLIP_* status
    and the edge it concerns (FLIP_LIMIT after ``limit`` flips).
    """
    n_edges = edge_half.shape[0]
    ring = np.empty(n_edges, np.int64)
    queued = np.zeros(n_edges, np.bool_)
    head, size = 0, 0
    for e in queue:
        if not queued[e]:
            ring[(head + size) % n_edges] = e
            size += 1
            queued[e] = True
    flips = 0
    side = np.empty(5)
    scaled = np.empty(5)
    outer = np.empty(4, np.int64)
    ends = np.empty((5, 2), np.int64)
    while size > 0:
        e = ring[head]
        head = (head + 1) % n_edges
        size -= 1
        queued[e] = False
        h0, h1 = edge_half[e, 0], edge_half[e, 1]
        if h1 < 0 or h0 // 3 == h1 // 3:  # self-glued: always Delaunay when valid
            continue
        f0, f1, k, i, j, l, h_ki, h_jk, h_il, h_lj = edge_quad(faces, edge_half, e)
        halves = (h_ki, h_jk, h_il, h_lj)
        side[0] = lengths[e]
        for a in range(4):
            side[a + 1] = lengths[edge_of[halves[a]]]
        ends[0, 0], ends[0, 1], ends[1, 0], ends[1, 1] = i, j, k, i
        ends[2, 0], ends[2, 1], ends[3, 0], ends[3, 1] = j, k, i, l
        ends[4, 0], ends[4, 1] = l, j
        for a in range(5):
            scaled[a] = side[a] * math.exp(0.5 * (u[ends[a, 0]] + u[ends[a, 1]]))
            if not (math.isfinite(scaled[a]) and scaled[a] > 0.0):
                return flips, FLIP_OVERFLOW, e
        margin = delaunay_margin(scaled[0], scaled[1], scaled[2], scaled[3], scaled[4])
        if margin >= -tol:
            continue
        new_length, status = flip_length(
            side[0], side[1], side[2], side[3], side[4], euclidean
        )
        if status != FLIP_OK:
            return flips, status, e
        for a in range(4):
            outer[a] = edge_of[halves[a]]
        flip_edge(faces, edge_of, twin, edge_half, lengths, e, new_length)
        flips += 1
        if flips > limit:
            return flips, FLIP_LIMIT, e
        for other in outer:
            if not queued[other]:
                ring[(head + size) % n_edges] = other
                size += 1
                queued[other] = True
    return flips, FLIP_OK, -1
