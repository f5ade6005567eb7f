"""Sample meshes: deterministic generators for tests, experiments and benchmarks.

Every sample is built from numpy alone, is the same on every machine, and has
counter-clockwise faces seen from outside (outward normals; upward, ``+z``,
for the planar ones). :func:`list_sample_meshes` names them, with what each is
good for; :func:`sample_mesh` builds one and :func:`sample_metric` its
discrete metric.

========================  ====================================================
name                      parameters (defaults)
========================  ====================================================
``icosphere``             ``level=3`` or ``frequency=k``, ``radius=1.0``
``uv_sphere``             ``n_lat=16``, ``n_lon=32``, ``radius=1.0``
``ellipsoid``             ``axes=(1.0, 0.8, 0.6)``, ``level=3``
``torus``                 ``major_radius=1.0``, ``minor_radius=0.4``,
                          ``n_major=50``, ``n_minor=20``
``flat_torus``            ``n=16``, ``width=1.0``, ``height=1.0``
``flat_disk``             ``n_rings=12``
``square_grid``           ``n=16``
``bumpy_sphere``          ``level=4``, ``amplitude=0.15``, ``seed=0``
``genus2``                ``level=2``
========================  ====================================================
"""

from __future__ import annotations

import inspect
from itertools import combinations

import numpy as np

from .errors import GeomflowError
from .mesh import TriangleMesh
from .metric import EdgeMetric
from .subdivision import subdivide

__all__ = ["sample_mesh", "sample_metric", "list_sample_meshes"]


def sample_mesh(name: str, **params) -> TriangleMesh:
    """Build the sample mesh ``name``.

    Parameters
    ----------
    name : str
        One of the keys of :func:`list_sample_meshes`.
    **params
        The sample's parameters (see the table in :mod:`geomflow.samples`);
        anything left out takes its default.

    Returns
    -------
    TriangleMesh
        Outward-oriented (counter-clockwise seen from outside) and valid.

    Raises
    ------
    GeomflowError
        If ``name`` is unknown or a parameter is unknown or out of range; the
        message lists the valid choices.

    Examples
    --------
    >>> import geomflow as gf
    >>> gf.sample_mesh("icosphere", level=2).n_faces
    320
    """
    generator = _generator(name, params)
    vertices, faces = generator(**params)
    return TriangleMesh(vertices, faces)


def sample_metric(name: str, **params) -> EdgeMetric:
    """The discrete metric of the sample mesh ``name``.

    For every sample but ``"flat_torus"`` this is the metric of the embedding,
    :meth:`EdgeMetric.from_mesh`. For ``"flat_torus"`` it is the flat metric
    given by lengths alone, which no embedding in R³ has: legs
    ``hx = width / n`` and ``hy = height / n``, diagonals ``sqrt(hx² + hy²)``.
    Its cotangent Laplacian with the lumped mass is the five-point stencil.

    Parameters
    ----------
    name : str
        One of the keys of :func:`list_sample_meshes`.
    **params
        As for :func:`sample_mesh`.

    Returns
    -------
    EdgeMetric
        Its ``mesh`` is ``sample_mesh(name, **params)``.
    """
    mesh = sample_mesh(name, **params)
    if name == "flat_torus":
        return EdgeMetric(mesh, _flat_torus_lengths(mesh, **params))
    return EdgeMetric.from_mesh(mesh)


def list_sample_meshes() -> dict[str, str]:
    """Names of the sample meshes, each with what it is good for.

    Returns
    -------
    dict of str to str
        ``{name: one-line description}``, in a fixed order.
    """
    return {name: description for name, (_, description) in _SAMPLES.items()}


# ---------------------------------------------------------------------- checks


def _generator(name, params: dict):
    """The generator registered as ``name``, after checking the parameter names."""
    if not isinstance(name, str) or name not in _SAMPLES:
        raise GeomflowError(
            f"unknown sample mesh {name!r}; choose one of {', '.join(_SAMPLES)}"
        )
    generator = _SAMPLES[name][0]
    allowed = inspect.signature(generator).parameters
    unknown = sorted(set(params) - set(allowed))
    if unknown:
        valid = ", ".join(f"{p.name}={p.default!r}" for p in allowed.values())
        raise GeomflowError(
            f"sample mesh {name!r} has no parameter {', '.join(unknown)}; "
            f"its parameters are: {valid}"
        )
    return generator


def _integer(value, name: str, low: int, high: int) -> int:
    """``value`` as an int in ``[low, high]``, or a GeomflowError."""
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not ok or not low <= value <= high:
        raise GeomflowError(
            f"{name} must be an integer from {low} to {high}, got {value!r}"
        )
    return int(value)


def _positive(value, name: str, below: float = np.inf) -> float:
    """``value`` as a float in ``(0, below)``, or a GeomflowError."""
    ok = isinstance(value, (int, float, np.integer, np.floating))
    if not ok or isinstance(value, bool) or not 0 < value < below:
        limit = "" if below == np.inf else f" and below {below}"
        raise GeomflowError(f"{name} must be a positive number{limit}, got {value!r}")
    return float(value)


# ---------------------------------------------------------------------- spheres


def _icosahedron() -> tuple[np.ndarray, np.ndarray]:
    """The regular icosahedron on the unit sphere, faces oriented outward.

    Returns
    -------
    vertices : (12, 3) float64
    faces : (20, 3) int64
    """
    phi = (1.0 + np.sqrt(5.0)) / 2.0
    base = np.array([[0.0, s, t * phi] for s in (-1, 1) for t in (-1, 1)])
    vertices = np.concatenate([np.roll(base, shift, axis=1) for shift in range(3)])

    # The faces are the triples whose three sides have the edge length 2.
    close = np.isclose(np.linalg.norm(vertices[:, None] - vertices, axis=2), 2.0)
    faces = np.array(
        [
            t
            for t in combinations(range(12), 3)
            if close[t[0], t[1]] and close[t[1], t[2]] and close[t[0], t[2]]
        ],
        dtype=np.int64,
    )

    a, b, c = (vertices[faces[:, k]] for k in range(3))
    inward = np.einsum("ij,ij->i", np.cross(b - a, c - a), a) < 0
    faces[inward] = faces[inward][:, ::-1]
    return vertices / np.linalg.norm(vertices, axis=1, keepdims=True), faces


def _triangle_grid(k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Barycentric grid of one triangle cut into ``k²`` triangles.

    Returns
    -------
    i, j : (g,) int64
        Grid point ``p`` sits at ``a + (i/k)(b - a) + (j/k)(c - a)`` in the
        triangle ``(a, b, c)``; ``g = (k + 1)(k + 2) / 2``.
    triangles : (k², 3) int64
        Grid points of the small triangles, oriented like ``(a, b, c)``.
    """
    grid_i, grid_j = np.meshgrid(np.arange(k + 1), np.arange(k + 1), indexing="ij")
    inside = grid_i + grid_j <= k
    local = np.full((k + 1, k + 1), -1, dtype=np.int64)
    local[inside] = np.arange(int(inside.sum()))
    i, j = grid_i[inside], grid_j[inside]

    up = i + j <= k - 1
    iu, ju = i[up], j[up]
    down = i + j <= k - 2
    idn, jdn = i[down], j[down]
    triangles = np.concatenate(
        [
            np.stack([local[iu, ju], local[iu + 1, ju], local[iu, ju + 1]], axis=1),
            np.stack(
                [local[idn + 1, jdn], local[idn + 1, jdn + 1], local[idn, jdn + 1]],
                axis=1,
            ),
        ]
    )
    return i, j, triangles


def _geodesic_sphere(k: int) -> tuple[np.ndarray, np.ndarray]:
    """Class-I geodesic sphere: each icosahedron face cut into ``k²`` triangles.

    The flat grid points are projected to the unit sphere. Vertices are
    numbered: the 12 icosahedron corners, then ``k - 1`` points on each of
    the 30 edges (from the lower to the higher corner index), then the
    interior points of each face.

    Returns
    -------
    vertices : (10 k² + 2, 3) float64
    faces : (20 k², 3) int64
    """
    corners, ico = _icosahedron()
    i, j, triangles = _triangle_grid(k)
    rest = k - i - j

    sides = np.sort(ico[:, [[0, 1], [0, 2], [1, 2]]], axis=2).reshape(-1, 2)
    ico_edges, side_edge = np.unique(sides, axis=0, return_inverse=True)
    side_edge = side_edge.reshape(20, 3)
    n_interior = (k - 1) * (k - 2) // 2
    first_interior = 12 + 30 * (k - 1)

    ids = _corner_and_interior_ids(ico, i, j, rest, k, first_interior, n_interior)
    _fill_edge_ids(ids, ico, side_edge, i, j, rest, k)

    t = np.arange(1, k)[:, None] / k
    u, v = corners[ico_edges[:, 0]], corners[ico_edges[:, 1]]
    on_edges = (u[:, None] * (1 - t) + v[:, None] * t).reshape(-1, 3)
    interior = (rest > 0) & (i > 0) & (j > 0)
    weights = np.stack([rest, i, j], axis=1)[interior] / k
    in_faces = np.einsum("pk,fkd->fpd", weights, corners[ico]).reshape(-1, 3)

    vertices = np.concatenate([corners, on_edges, in_faces])
    vertices /= np.linalg.norm(vertices, axis=1, keepdims=True)
    return vertices, ids[:, triangles].reshape(-1, 3)


def _corner_and_interior_ids(ico, i, j, rest, k, first_interior, n_interior):
    """``(20, g)`` global vertex ids of the grid points at corners and inside.

    Points on the icosahedron's edges are left at ``-1`` here.
    """
    ids = np.full((20, len(i)), -1, dtype=np.int64)
    for column, count in enumerate((rest, i, j)):
        at_corner = np.flatnonzero(count == k)
        ids[:, at_corner] = ico[:, [column]]

    interior = np.flatnonzero((rest > 0) & (i > 0) & (j > 0))
    offsets = first_interior + n_interior * np.arange(20)[:, None]
    ids[:, interior] = offsets + np.arange(len(interior))
    return ids


def _fill_edge_ids(ids, ico, side_edge, i, j, rest, k) -> None:
    """Write the global ids of grid points on the icosahedron's edges into ids.

    Side 0 runs from corner a to b (``j = 0``, step ``i``), side 1 from a to
    c (``i = 0``, step ``j``), side 2 from b to c (``rest = 0``, step ``j``).
    """
    runs = (((0, 1), j, i), ((0, 2), i, j), ((1, 2), rest, j))
    for side, ((start, end), zero, step) in enumerate(runs):
        points = np.flatnonzero((zero == 0) & (step > 0) & (step < k))
        forward = ico[:, start] < ico[:, end]
        steps = np.where(forward[:, None], step[points], k - step[points])
        base = 12 + (k - 1) * side_edge[:, [side]]
        ids[:, points] = base + steps - 1


def _icosphere(level=None, radius=1.0, frequency=None):
    """Icosphere: the icosahedron, subdivided, projected to the sphere.

    ``level=L`` cuts every face 4-to-1 ``L`` times (flat, then projects);
    ``frequency=k`` cuts every face into ``k²`` triangles, so ``2**L`` and
    ``L`` give the same mesh. ``20 k²`` faces, ``10 k² + 2`` vertices.
    """
    if level is not None and frequency is not None:
        raise GeomflowError(
            "give either level or frequency for the icosphere, not both "
            f"(got level={level!r}, frequency={frequency!r})"
        )
    if frequency is None:
        frequency = 2 ** _integer(3 if level is None else level, "level", 0, 10)
    frequency = _integer(frequency, "frequency", 1, 1024)
    radius = _positive(radius, "radius")

    vertices, faces = _geodesic_sphere(frequency)
    return radius * vertices, faces


def _uv_sphere(n_lat=16, n_lon=32, radius=1.0):
    """Latitude-longitude sphere with the poles as single vertices.

    ``n_lat`` bands of latitude, ``n_lon`` meridians: ``n_lon (n_lat - 1) + 2``
    vertices (north pole first, south pole last), ``2 n_lon (n_lat - 1)``
    faces.
    """
    n_lat = _integer(n_lat, "n_lat", 2, 100_000)
    n_lon = _integer(n_lon, "n_lon", 3, 100_000)
    radius = _positive(radius, "radius")

    theta = np.pi * np.arange(1, n_lat) / n_lat
    lon = 2 * np.pi * np.arange(n_lon) / n_lon
    ring = np.stack(
        [
            np.outer(np.sin(theta), np.cos(lon)),
            np.outer(np.sin(theta), np.sin(lon)),
            np.outer(np.cos(theta), np.ones(n_lon)),
        ],
        axis=2,
    ).reshape(-1, 3)
    vertices = radius * np.concatenate([[[0.0, 0.0, 1.0]], ring, [[0.0, 0.0, -1.0]]])

    # Rows run north to south, columns eastward: (row, col) -> (row + 1, col)
    # -> (row + 1, col + 1) turns counter-clockwise seen from outside.
    rows = 1 + n_lon * np.arange(n_lat - 1)[:, None]
    col, nxt = np.arange(n_lon), (np.arange(n_lon) + 1) % n_lon
    a, b = rows[:-1] + col, rows[1:] + col
    c, d = rows[1:] + nxt, rows[:-1] + nxt
    bands = np.concatenate(
        [np.stack([a, b, c], -1).reshape(-1, 3), np.stack([a, c, d], -1).reshape(-1, 3)]
    )
    south = len(vertices) - 1
    north_cap = np.stack([np.zeros(n_lon, np.int64), 1 + col, 1 + nxt], axis=1)
    last = rows[-1]
    south_cap = np.stack([last + col, np.full(n_lon, south), last + nxt], axis=1)
    return vertices, np.concatenate([north_cap, bands, south_cap])


def _ellipsoid(axes=(1.0, 0.8, 0.6), level=3):
    """Icosphere of the given ``level`` scaled by the semi-axes ``axes``."""
    if np.shape(axes) != (3,):
        raise GeomflowError(f"axes must be three semi-axis lengths, got {axes!r}")
    scale = np.array([_positive(a, f"axes[{n}]") for n, a in enumerate(axes)])

    vertices, faces = _icosphere(level=level)
    return vertices * scale, faces


def _bumpy_sphere(level=4, amplitude=0.15, seed=0):
    """Icosphere pushed in and out radially by a smooth random function.

    The radius in the unit direction ``u`` is ``1 + amplitude tanh(f(u))``
    with ``f(u) = sum_k w_k exp(12 (u . c_k - 1))``: ten bumps about 17°
    wide at random centres ``c_k``, of random sign and height
    ``0.5 <= |w_k| <= 1``. The radius stays strictly between ``1 - amplitude``
    and ``1 + amplitude``, so the surface is star-shaped, and the function
    depends on ``seed`` only, so every ``level`` samples the same surface.
    """
    amplitude = _positive(amplitude, "amplitude", below=1.0)
    seed = _integer(seed, "seed", 0, 2**63 - 1)

    vertices, faces = _icosphere(level=level)
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(10, 3))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    heights = rng.choice([-1.0, 1.0], size=10) * rng.uniform(0.5, 1.0, size=10)

    bumps = np.exp(12.0 * (vertices @ centres.T - 1.0)) @ heights
    return vertices * (1.0 + amplitude * np.tanh(bumps))[:, None], faces


# ---------------------------------------------------------------------- tori


def _periodic_grid(n_a: int, n_b: int) -> np.ndarray:
    """Faces of an ``n_a`` by ``n_b`` periodic grid, every square cut the same way.

    Vertex ``(a, b)`` has index ``a + n_a b``. Square ``(a, b)`` becomes the
    triangles ``(a, b), (a+1, b), (a+1, b+1)`` and ``(a, b), (a+1, b+1),
    (a, b+1)``: counter-clockwise in the ``(a, b)`` plane.

    Returns
    -------
    faces : (2 n_a n_b, 3) int64
    """
    a, b = np.meshgrid(np.arange(n_a), np.arange(n_b), indexing="xy")
    a1, b1 = (a + 1) % n_a, (b + 1) % n_b
    v00, v10 = a + n_a * b, a1 + n_a * b
    v11, v01 = a1 + n_a * b1, a + n_a * b1
    lower = np.stack([v00, v10, v11], axis=-1).reshape(-1, 3)
    upper = np.stack([v00, v11, v01], axis=-1).reshape(-1, 3)
    return np.concatenate([lower, upper]).astype(np.int64)


def _torus_points(n_a: int, n_b: int, major: float, minor: float) -> np.ndarray:
    """``(n_a n_b, 3)`` torus around the z axis; ``a`` turns around z, ``b`` the tube.

    With these parameter directions the faces of :func:`_periodic_grid` point
    outward.
    """
    phi = 2 * np.pi * np.arange(n_a) / n_a
    psi = 2 * np.pi * np.arange(n_b) / n_b
    phi, psi = np.meshgrid(phi, psi, indexing="xy")
    ring = major + minor * np.cos(psi)
    points = np.stack([ring * np.cos(phi), ring * np.sin(phi), minor * np.sin(psi)])
    return points.reshape(3, -1).T


def _torus(major_radius=1.0, minor_radius=0.4, n_major=50, n_minor=20):
    """Torus of revolution around the z axis, lying in the xy plane.

    The height function ``x`` has one minimum, two saddles and one maximum,
    all at vertices (at ``y = z = 0``) when ``n_major`` and ``n_minor`` are
    even; with ``n_major`` not a multiple of 4 no two neighbours tie in ``x``.
    Along ``z`` (the axis) the height has whole circles of extrema.
    """
    major = _positive(major_radius, "major_radius")
    minor = _positive(minor_radius, "minor_radius", below=major)
    n_major = _integer(n_major, "n_major", 3, 100_000)
    n_minor = _integer(n_minor, "n_minor", 3, 100_000)

    return _torus_points(n_major, n_minor, major, minor), _periodic_grid(
        n_major, n_minor
    )


def _flat_torus(n=16, width=1.0, height=1.0):
    """Periodic ``n`` by ``n`` grid, shown as a torus in R³ (radii 1 and 0.4).

    Grid column ``a`` (along ``width``) turns around the z axis, row ``b``
    (along ``height``) around the tube. The flat metric itself, which the
    embedding does not have, comes from :func:`sample_metric`.
    """
    n = _integer(n, "n", 3, 100_000)
    _positive(width, "width")
    _positive(height, "height")

    return _torus_points(n, n, 1.0, 0.4), _periodic_grid(n, n)


def _flat_torus_lengths(mesh: TriangleMesh, n=16, width=1.0, height=1.0):
    """``(e,)`` flat edge lengths of the periodic grid, aligned with mesh.edges."""
    hx, hy = width / n, height / n
    p, q = mesh.edges[:, 0], mesh.edges[:, 1]
    step_a = (q % n - p % n) % n
    step_b = (q // n - p // n) % n

    lengths = np.full(len(p), np.hypot(hx, hy))
    lengths[step_b == 0] = hx
    lengths[step_a == 0] = hy
    return lengths


# ---------------------------------------------------------------------- planar


def _square_grid(n=16):
    """Unit square ``[0, 1]²`` in ``z = 0``: ``(n + 1)²`` vertices, ``2 n²`` faces.

    Vertex ``(a, b)`` at ``(a / n, b / n)`` has index ``a + (n + 1) b``; every
    square is cut along its diagonal from ``(a, b)`` to ``(a + 1, b + 1)``.
    """
    n = _integer(n, "n", 1, 100_000)

    a, b = np.meshgrid(np.arange(n + 1), np.arange(n + 1), indexing="xy")
    vertices = np.stack([a / n, b / n, np.zeros_like(a, float)], -1).reshape(-1, 3)

    a, b = np.meshgrid(np.arange(n), np.arange(n), indexing="xy")
    v00 = (a + (n + 1) * b).ravel()
    v10, v01, v11 = v00 + 1, v00 + n + 1, v00 + n + 2
    faces = np.concatenate(
        [np.stack([v00, v10, v11], axis=1), np.stack([v00, v11, v01], axis=1)]
    )
    return vertices, faces.astype(np.int64)


def _flat_disk(n_rings=12):
    """Unit disk in ``z = 0``: a centre and rings of ``6 r`` vertices at radius r/n.

    ``1 + 3 n (n + 1)`` vertices and ``6 n²`` nearly equilateral faces; the
    outer ring is the one boundary loop.
    """
    n = _integer(n_rings, "n_rings", 1, 10_000)

    sizes = 6 * np.arange(n + 1)
    sizes[0] = 1
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    radius = np.repeat(np.arange(n + 1) / n, sizes)
    position = np.arange(sizes.sum()) - np.repeat(starts, sizes)
    angle = 2 * np.pi * position / np.repeat(sizes, sizes)
    vertices = np.stack(
        [radius * np.cos(angle), radius * np.sin(angle), np.zeros_like(radius)], -1
    )

    fan = np.stack([np.zeros(6, np.int64), 1 + np.arange(6), 1 + np.arange(1, 7) % 6])
    strips = [
        _ring_strip(starts[r - 1], sizes[r - 1], starts[r], sizes[r])
        for r in range(2, n + 1)
    ]
    return vertices, np.concatenate([fan.T, *strips]).astype(np.int64)


def _ring_strip(inner_start, m, outer_start, p) -> np.ndarray:
    """Triangles between two concentric rings of ``m`` and ``p`` vertices.

    Both rings start at angle 0 and turn counter-clockwise. Walking around,
    each step advances on the ring whose next vertex comes first (compared
    exactly as the fractions ``i / m`` and ``j / p``), which gives the
    triangle ``(inner i, outer j, next)``, counter-clockwise seen from ``+z``.

    Returns
    -------
    faces : (m + p, 3) int64
    """
    keys = np.concatenate([np.arange(1, m + 1) * p, np.arange(1, p + 1) * m])
    is_outer = np.concatenate([np.zeros(m, bool), np.ones(p, bool)])
    order = np.argsort(keys, kind="stable")
    is_outer = is_outer[order]

    i = np.concatenate([[0], np.cumsum(~is_outer)[:-1]])
    j = np.concatenate([[0], np.cumsum(is_outer)[:-1]])
    inner, outer = inner_start + i % m, outer_start + j % p
    third = np.where(is_outer, outer_start + (j + 1) % p, inner_start + (i + 1) % m)
    return np.stack([inner, outer, third], axis=1)


# ---------------------------------------------------------------------- genus 2


def _voxel_surface(filled: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Boundary of a union of unit cubes, each square cut into two triangles.

    Parameters
    ----------
    filled : (X, Y, Z) bool
        Occupied cubes; cube ``(x, y, z)`` spans ``[x, x+1] × [y, y+1] × [z, z+1]``.

    Returns
    -------
    vertices : (n, 3) float64
        Integer corner positions, each once, sorted lexicographically.
    faces : (m, 3) int64
        Outward oriented.
    """
    padded = np.pad(filled, 1)
    corners = []
    for axis in range(3):
        u, v = np.eye(3, dtype=np.int64)[[(axis + 1) % 3, (axis + 2) % 3]]
        normal = np.eye(3, dtype=np.int64)[axis]
        square = np.array([0 * u, u, u + v, v])  # counter-clockwise around +normal
        for sign in (1, -1):
            neighbour = np.roll(padded, -sign, axis=axis)
            cells = np.argwhere(padded & ~neighbour) - 1
            base = cells + (normal if sign > 0 else 0)
            quad = square if sign > 0 else square[::-1]
            corners.append(base[:, None, :] + quad[None])
    quads = np.concatenate(corners)

    points, index = np.unique(quads.reshape(-1, 3), axis=0, return_inverse=True)
    index = index.reshape(-1, 4)
    faces = np.concatenate([index[:, [0, 1, 2]], index[:, [0, 2, 3]]])
    return points.astype(np.float64), faces.astype(np.int64)


def _genus2(level=2):
    """Closed genus-2 surface: a slab of unit cubes with two holes, rounded.

    The boundary of a 5 × 3 × 1 block of cubes without the cubes at (1, 1)
    and (3, 1), centred and scaled to ``x`` in ``[-1, 1]``, then ``level``
    Loop subdivisions (``100 · 4**level`` faces).
    """
    level = _integer(level, "level", 0, 6)

    filled = np.ones((5, 3, 1), dtype=bool)
    filled[[1, 3], 1, 0] = False
    vertices, faces = _voxel_surface(filled)
    vertices = (vertices - [2.5, 1.5, 0.5]) / 2.5

    mesh = subdivide(TriangleMesh(vertices, faces), level, scheme="loop")
    return mesh.vertices, mesh.faces


# ---------------------------------------------------------------------- registry

_SAMPLES = {
    "icosphere": (
        _icosphere,
        "unit sphere from the subdivided icosahedron, nearly uniform triangles; "
        "convergence studies and benchmarks (give level or frequency)",
    ),
    "uv_sphere": (
        _uv_sphere,
        "latitude-longitude sphere, thin triangles at the poles; "
        "robustness to poorly shaped triangles",
    ),
    "ellipsoid": (
        _ellipsoid,
        "icosphere scaled to semi-axes (1, 0.8, 0.6); "
        "smoothly varying positive curvature",
    ),
    "torus": (
        _torus,
        "torus of revolution about the z axis, radii 1 and 0.4; "
        "genus 1, Morse theory (height x: 1 min, 2 saddles, 1 max)",
    ),
    "flat_torus": (
        _flat_torus,
        "periodic n x n grid drawn as a torus; its sample_metric is flat, "
        "with the exact five-point-stencil eigenvalues",
    ),
    "flat_disk": (
        _flat_disk,
        "planar unit disk of concentric rings; "
        "flat surface with one boundary loop (boundary conditions)",
    ),
    "square_grid": (
        _square_grid,
        "planar unit square grid; "
        "comparison with finite differences, one boundary loop",
    ),
    "bumpy_sphere": (
        _bumpy_sphere,
        "icosphere with smooth random radial bumps; "
        "curvature of both signs on a sphere (curvature flows)",
    ),
    "genus2": (
        _genus2,
        "rounded slab with two holes, closed genus 2; "
        "negative total curvature (chi = -2), higher-genus flows",
    ),
}
