"""Intrinsic triangulations (edge flips) and the curvature flow with flips."""

from __future__ import annotations

import numpy as np
import pytest
from reference import random_disk
from scipy.spatial import Delaunay

import geomflow as gf
from geomflow.flows.curvature import ConformalEnergy, DelaunayConformalEnergy
from geomflow.intrinsic import FlipError, IntrinsicTriangulation

TOL = 1e-10


# ---------------------------------------------------------------------- helpers


def check_structure(tri: IntrinsicTriangulation) -> None:
    """Twins are mutual, run opposite ways and share their edge; edges agree."""
    faces, twin = tri.faces, tri.twin
    edge = tri.face_edges.ravel()
    h = np.flatnonzero(twin >= 0)
    t = twin[h]
    np.testing.assert_array_equal(twin[t], h)
    np.testing.assert_array_equal(edge[h], edge[t])
    (f, k), (g, q) = np.divmod(h, 3), np.divmod(t, 3)
    np.testing.assert_array_equal(faces[f, (k + 1) % 3], faces[g, (q + 2) % 3])
    np.testing.assert_array_equal(faces[f, (k + 2) % 3], faces[g, (q + 1) % 3])
    for e, halves in enumerate(tri.edge_halfedges):
        assert edge[halves[0]] == e and (halves[1] < 0 or edge[halves[1]] == e)


def face_set(faces) -> set:
    """Faces up to rotation (orientation kept)."""
    return {tuple(np.roll(f, -int(np.argmin(f)))) for f in np.asarray(faces)}


def edge_set(tri: IntrinsicTriangulation) -> set:
    return set(map(tuple, tri.edge_vertices().tolist()))


def squashed_planar(n_points: int, rng) -> tuple[np.ndarray, gf.EdgeMetric]:
    """Random points triangulated by the Delaunay triangulation of a squashed copy.

    An affine image of a triangulation is a triangulation, so this is a valid
    triangulation of the points, full of slivers and far from Delaunay.
    """
    points = rng.uniform(size=(n_points, 2))
    faces = Delaunay(points * [1.0, 0.05]).simplices
    p = points[faces]
    d1, d2 = p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]
    clockwise = d1[:, 0] * d2[:, 1] - d1[:, 1] * d2[:, 0] < 0
    faces[clockwise] = faces[clockwise][:, ::-1]
    mesh = gf.TriangleMesh(np.column_stack([points, np.zeros(n_points)]), faces)
    return points, gf.EdgeMetric.from_mesh(mesh)


def scrambled(metric: gf.EdgeMetric, n_flips: int, rng) -> gf.EdgeMetric:
    """The same polyhedral metric on a worse triangulation (random Euclidean flips).

    Only flips that keep a simplicial mesh are taken, so the result is an
    ordinary EdgeMetric: slivers and obtuse triangles, but the same surface.
    """
    tri = IntrinsicTriangulation(metric)
    done = 0
    while done < n_flips:
        e = int(rng.integers(tri.n_edges))
        (f0, k0), (f1, k1) = (divmod(int(h), 3) for h in tri.edge_halfedges[e])
        k, l = tri.faces[f0, k0], tri.faces[f1, k1]  # noqa: E741
        if k == l or (min(k, l), max(k, l)) in edge_set(tri):
            continue
        try:
            tri.flip(e, "euclidean")
        except (FlipError, gf.MetricError):
            continue
        done += 1
    return tri.to_edge_metric(metric.mesh.vertices)


def cot_sums(tri: IntrinsicTriangulation) -> np.ndarray:
    """cot alpha + cot beta of the interior edges, from the corner cotangents."""
    cot = tri.corner_cotangents().ravel()
    halves = tri.edge_halfedges
    inner = halves[:, 1] >= 0
    return cot[halves[inner, 0]] + cot[halves[inner, 1]]


def two_cones(level: int = 2, K: float = 6.0) -> tuple[gf.EdgeMetric, np.ndarray]:
    """Icosphere with curvature K at two adjacent vertices, the rest spread evenly."""
    metric = gf.sample_metric("icosphere", level=level)
    mesh = metric.mesh
    n = mesh.n_vertices
    other = int(mesh.edges[mesh.edges[:, 0] == 0][0, 1])
    target = np.full(n, (4 * np.pi - 2 * K) / (n - 2))
    target[[0, other]] = K
    return metric, target


@pytest.fixture(scope="module")
def bumpy():
    return gf.sample_metric("bumpy_sphere", level=3)


@pytest.fixture(scope="module")
def slivers(bumpy):
    return scrambled(bumpy, 300, np.random.default_rng(7))


# ---------------------------------------------------------------------- geometry


@pytest.mark.parametrize("name", ["bumpy", "disk"])
def test_unflipped_triangulation_matches_the_edge_metric(name, bumpy, rng):
    metric = bumpy if name == "bumpy" else gf.EdgeMetric.from_mesh(random_disk(80, rng))
    tri = IntrinsicTriangulation(metric)
    check_structure(tri)

    np.testing.assert_array_equal(tri.faces, metric.mesh.faces)
    np.testing.assert_array_equal(tri.edge_vertices(), metric.mesh.edges)
    np.testing.assert_allclose(tri.corner_angles(), metric.corner_angles(), atol=0)
    np.testing.assert_allclose(tri.face_areas(), metric.face_areas(), atol=0)
    np.testing.assert_allclose(tri.angle_defects(), metric.angle_defects(), atol=0)
    L = tri.cotan_laplacian().toarray()
    np.testing.assert_allclose(L, gf.cotan_laplacian(metric).toarray(), atol=1e-12)
    assert tri.angle_defects().sum() == pytest.approx(
        2 * np.pi * metric.mesh.euler_characteristic, abs=1e-10
    )


def test_ptolemy_flip_commutes_with_conformal_scaling(bumpy, rng):
    u = rng.normal(scale=0.5, size=bumpy.mesh.n_vertices)
    for e in rng.choice(bumpy.mesh.n_edges, 20, replace=False):
        scaled_then_flipped = IntrinsicTriangulation(bumpy).conformal(u)
        new = scaled_then_flipped.flip(e, "ptolemy")
        flipped_then_scaled = IntrinsicTriangulation(bumpy)
        flipped_then_scaled.flip(e, "ptolemy")
        flipped_then_scaled = flipped_then_scaled.conformal(u)

        np.testing.assert_array_equal(
            scaled_then_flipped.faces, flipped_then_scaled.faces
        )
        np.testing.assert_allclose(
            scaled_then_flipped.lengths, flipped_then_scaled.lengths, rtol=1e-14
        )
        # the identity itself: the e^{u/2} factors of the four sides cancel
        k, l = flipped_then_scaled.edge_vertices()[e]  # noqa: E741
        base = flipped_then_scaled.lengths[e] * np.exp(-0.5 * (u[k] + u[l]))
        assert new == pytest.approx(base * np.exp(0.5 * (u[k] + u[l])), rel=1e-14)


def test_ptolemy_and_euclidean_flips_agree_on_a_cyclic_quad():
    angles = np.array([0.3, 1.9, 3.4, 5.0])  # four points on the unit circle
    points = np.column_stack([np.cos(angles), np.sin(angles), np.zeros(4)])
    mesh = gf.TriangleMesh(points, [[0, 1, 2], [0, 2, 3]])
    metric = gf.EdgeMetric.from_mesh(mesh)
    e = int(np.flatnonzero((mesh.edges == [0, 2]).all(axis=1))[0])
    true = np.linalg.norm(points[1] - points[3])

    for rule in ("ptolemy", "euclidean"):
        tri = IntrinsicTriangulation(metric)
        assert tri.flip(e, rule) == pytest.approx(true, rel=1e-14)
        assert tuple(tri.edge_vertices()[e]) == (1, 3)
        check_structure(tri)


def test_euclidean_flip_keeps_angle_sums_area_and_distances(rng):
    points, metric = squashed_planar(30, rng)
    tri = IntrinsicTriangulation(metric)
    sums, area = tri.angle_sums().copy(), tri.total_area()
    inner = np.flatnonzero(tri.edge_halfedges[:, 1] >= 0)
    flipped = 0
    for e in inner:
        try:
            tri.flip(e, "euclidean")
        except FlipError:  # a non-convex quadrilateral
            continue
        flipped += 1
        check_structure(tri)
        np.testing.assert_allclose(tri.angle_sums(), sums, atol=1e-12)
        assert tri.total_area() == pytest.approx(area, rel=1e-13)
    assert flipped > 10
    ends = tri.edge_vertices()
    distance = np.linalg.norm(points[ends[:, 0]] - points[ends[:, 1]], axis=1)
    np.testing.assert_allclose(tri.lengths, distance, rtol=1e-10)


def test_flipping_twice_restores_the_triangulation(bumpy, rng):
    tri = IntrinsicTriangulation(bumpy)
    for e in rng.choice(bumpy.mesh.n_edges, 30, replace=False):
        for rule in ("ptolemy", "euclidean"):
            before_faces, before = face_set(tri.faces), tri.lengths.copy()
            tri.flip(e, rule)
            assert face_set(tri.faces) != before_faces
            tri.flip(e, rule)
            assert face_set(tri.faces) == before_faces
            np.testing.assert_allclose(tri.lengths, before, rtol=1e-13)
    check_structure(tri)
    assert tri.n_flips == 120


def test_multi_edges_are_allowed():
    """On a tetrahedron a flip creates a second edge between two vertices."""
    icosahedron = gf.EdgeMetric.from_mesh(gf.sample_mesh("icosphere", level=0))
    tri = IntrinsicTriangulation(icosahedron)
    rng = np.random.default_rng(3)
    for _ in range(200):
        e = int(rng.integers(tri.n_edges))
        try:
            tri.flip(e, "ptolemy")
        except FlipError:
            continue
    check_structure(tri)
    tri.make_delaunay("ptolemy")
    assert tri.angle_defects().sum() == pytest.approx(4 * np.pi, abs=1e-10)

    small = IntrinsicTriangulation(
        gf.EdgeMetric.from_mesh(gf.TriangleMesh(*_tetrahedron()))
    )
    small.flip(0, "euclidean")
    check_structure(small)
    assert len(edge_set(small)) == small.n_edges - 1  # two edges, same vertices
    with pytest.raises(gf.MeshError):
        small.to_edge_metric(np.eye(4, 3))
    assert small.angle_defects().sum() == pytest.approx(4 * np.pi, abs=1e-12)


def _tetrahedron():
    vertices = np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], float)
    faces = np.array([[0, 1, 2], [0, 2, 3], [0, 3, 1], [1, 3, 2]])
    return vertices, faces


# ---------------------------------------------------------------------- Delaunay


def test_make_delaunay_recovers_scipy_delaunay(rng):
    points, metric = squashed_planar(200, rng)
    tri = IntrinsicTriangulation(metric)
    defects = tri.angle_defects().copy()

    flips = tri.make_delaunay("euclidean")

    assert flips > 100
    check_structure(tri)
    expected = {
        tuple(sorted((int(a), int(b))))
        for simplex in Delaunay(points).simplices
        for a, b in ((simplex[0], simplex[1]), (simplex[1], simplex[2]),
                     (simplex[2], simplex[0]))
    }  # fmt: skip
    assert edge_set(tri) == expected
    ends = tri.edge_vertices()
    distance = np.linalg.norm(points[ends[:, 0]] - points[ends[:, 1]], axis=1)
    np.testing.assert_allclose(tri.lengths, distance, rtol=1e-10)
    np.testing.assert_allclose(tri.angle_defects(), defects, atol=1e-11)
    assert cot_sums(tri).min() >= -1e-12
    assert all(tri.is_delaunay(e) for e in range(tri.n_edges))
    assert tri.make_delaunay("euclidean") == 0


def test_delaunay_laplacian_is_an_m_matrix_with_linear_precision(rng):
    points, metric = squashed_planar(150, rng)
    before = IntrinsicTriangulation(metric).cotan_laplacian()
    tri = IntrinsicTriangulation(metric)
    tri.make_delaunay("euclidean")
    L = tri.cotan_laplacian()

    interior = ~tri.boundary_vertices
    ends = tri.edge_vertices()
    inner_edges = interior[ends[:, 0]] & interior[ends[:, 1]]
    off = np.asarray(L[ends[inner_edges, 0], ends[inner_edges, 1]]).ravel()
    assert off.max() <= 1e-12
    old = np.asarray(before[ends[inner_edges, 0], ends[inner_edges, 1]]).ravel()
    assert np.asarray(before.todense()).max() > 0 or old.max() > 0  # it was not
    np.testing.assert_allclose(L @ np.ones(len(points)), 0.0, atol=1e-10)
    np.testing.assert_allclose((L - L.T).data, 0.0, atol=1e-12)
    for coordinate in points.T:  # L annihilates linear functions inside
        assert np.abs((L @ coordinate)[interior]).max() < 1e-10


def test_delaunay_of_a_scrambled_sphere_is_unique(bumpy, slivers):
    good = IntrinsicTriangulation(bumpy)
    good.make_delaunay("euclidean")
    bad = IntrinsicTriangulation(slivers)
    assert cot_sums(bad).min() < -1.0

    assert bad.make_delaunay("euclidean") > 100

    assert edge_set(bad) == edge_set(good)
    L = bad.cotan_laplacian().tocoo()
    assert L.data[L.row != L.col].max() <= 1e-12
    np.testing.assert_allclose(bad.angle_defects(), bumpy.angle_defects(), atol=1e-11)


def test_ptolemy_delaunay_repairs_broken_triangles_and_is_path_independent(bumpy):
    rng = np.random.default_rng(11)
    u = rng.normal(scale=2.0, size=bumpy.mesh.n_vertices)
    with pytest.raises(gf.MetricError):
        bumpy.conformal(u)  # the fixed triangulation breaks

    direct = IntrinsicTriangulation(bumpy)
    direct.make_delaunay("euclidean")
    flips = direct.make_delaunay("ptolemy", u=u)
    detour = IntrinsicTriangulation(bumpy)
    detour.make_delaunay("euclidean")
    detour.make_delaunay("ptolemy", u=-u)
    detour.make_delaunay("ptolemy", u=u)

    assert flips > 100
    a, b = direct.conformal(u), detour.conformal(u)
    check_structure(a)
    assert (a.triangle_status() == 0).all()
    assert cot_sums(a).min() >= -1e-12
    assert edge_set(a) == edge_set(b)
    np.testing.assert_allclose(a.angle_defects(), b.angle_defects(), atol=1e-10)
    assert a.angle_defects().sum() == pytest.approx(4 * np.pi, abs=1e-9)
    assert np.sort(a.lengths) == pytest.approx(np.sort(b.lengths), rel=1e-10)


def test_flip_errors(bumpy, rng):
    disk = IntrinsicTriangulation(gf.EdgeMetric.from_mesh(random_disk(30, rng)))
    boundary = int(np.flatnonzero(disk.edge_halfedges[:, 1] < 0)[0])
    with pytest.raises(FlipError, match="boundary"):
        disk.flip(boundary)
    tri = IntrinsicTriangulation(bumpy)
    with pytest.raises(gf.GeomflowError, match="unknown flip rule"):
        tri.flip(0, "hyperbolic")
    with pytest.raises(gf.GeomflowError, match="edge index"):
        tri.flip(tri.n_edges)
    with pytest.raises(gf.GeomflowError, match="needs rule='ptolemy'"):
        tri.make_delaunay("euclidean", u=np.zeros(bumpy.mesh.n_vertices))
    with pytest.raises(gf.GeomflowError, match=r"u must have shape \(642,\)"):
        tri.make_delaunay(u=np.zeros(bumpy.mesh.n_vertices + 1))
    with pytest.raises(gf.MetricError, match="overflow or vanish"):
        tri.make_delaunay(u=np.linspace(-2000.0, 2000.0, bumpy.mesh.n_vertices))
    _, planar = squashed_planar(40, np.random.default_rng(2))
    flat = IntrinsicTriangulation(planar)
    flat.make_delaunay("euclidean")
    with pytest.raises(FlipError, match="not convex"):
        for e in np.flatnonzero(flat.edge_halfedges[:, 1] >= 0):
            flat.flip(e, "euclidean")  # some flip of a Delaunay edge is non-convex
            flat.flip(e, "euclidean")
    with pytest.raises(gf.GeomflowError, match="EdgeMetric"):
        IntrinsicTriangulation(bumpy.mesh)


# ---------------------------------------------------------------------- energy


def test_delaunay_energy_equals_the_fixed_one_without_flips(rng):
    metric = gf.sample_metric("icosphere", level=2)
    n = metric.mesh.n_vertices
    target = np.full(n, 4 * np.pi / n)
    fixed, flipping = (
        ConformalEnergy(metric, target),
        DelaunayConformalEnergy(metric, target),
    )
    u = 0.02 * rng.normal(size=n)
    assert flipping.n_flips == 0
    assert flipping.value(u) == pytest.approx(fixed.value(u), abs=1e-11)
    np.testing.assert_allclose(flipping.gradient(u), fixed.gradient(u), atol=1e-13)
    H = flipping.hessian(u)
    np.testing.assert_allclose(H.toarray(), fixed.hessian(u).toarray(), atol=1e-12)
    assert flipping.hessian(0.5 * u) is H  # same faces: refilled in place
    assert flipping.n_flips == 0


def test_delaunay_energy_is_c1_and_convex_across_flips(bumpy, rng):
    n = bumpy.mesh.n_vertices
    energy = DelaunayConformalEnergy(bumpy, np.full(n, 4 * np.pi / n))
    u0, v = np.zeros(n), rng.normal(scale=1.0, size=n)
    s = np.linspace(0.0, 1.0, 81)
    values = np.array([energy.value(u0 + t * v) for t in s])
    slopes = np.array([energy.gradient(u0 + t * v) @ v for t in s])

    assert energy.n_flips > 50  # the line crosses many flips
    integral = np.sum(0.5 * (slopes[1:] + slopes[:-1]) * np.diff(s))
    assert values[-1] - values[0] == pytest.approx(integral, rel=1e-4)
    assert np.all(np.diff(slopes) >= -1e-9)  # convex: the slope never drops
    h = 1e-6  # and the gradient is the derivative of the value off ties
    t = 0.37
    numeric = (energy.value(u0 + (t + h) * v) - energy.value(u0 + (t - h) * v)) / (
        2 * h
    )
    assert numeric == pytest.approx(energy.gradient(u0 + t * v) @ v, rel=1e-6)


def test_delaunay_energy_hessian_is_rebuilt_after_flips(bumpy, rng):
    n = bumpy.mesh.n_vertices
    energy = DelaunayConformalEnergy(bumpy, np.full(n, 4 * np.pi / n))
    H0 = energy.hessian(np.zeros(n))
    u = rng.normal(scale=1.5, size=n)
    H1 = energy.hessian(u)
    assert H1 is not H0
    expected = energy.triangulation_at(u).cotan_laplacian().toarray()
    np.testing.assert_allclose(H1.toarray(), expected, atol=1e-12)
    h, v = 1e-6, rng.normal(size=n)
    change = (energy.gradient(u + h * v) - energy.gradient(u - h * v)) / (2 * h)
    np.testing.assert_allclose(change, H1 @ v, atol=1e-6 * np.abs(H1 @ v).max())


# ---------------------------------------------------------------------- the flow


def test_flips_rescue_the_flow_on_a_sliver_mesh(bumpy, slivers):
    stuck = gf.curvature_flow(slivers, target="uniform", flips=False)
    result = gf.curvature_flow(slivers, target="uniform", record_every=1)
    reference = gf.curvature_flow(bumpy, target="uniform")

    assert not stuck.converged and stuck.n_rejected > 100
    assert result.converged and result.n_steps <= 6, result.message
    assert result.flips > 100 and result.n_rejected == 0
    K = result.triangulation.angle_defects()
    assert np.abs(K - result.target).max() < TOL
    assert np.all(np.diff(result.energies) <= 1e-9)
    # the same polyhedral surface: the same Delaunay triangulation and conformal u
    np.testing.assert_allclose(result.state, reference.state, atol=1e-8)
    assert isinstance(result.metric, gf.EdgeMetric)
    np.testing.assert_allclose(result.metric.angle_defects(), result.target, atol=TOL)


def test_flips_reach_two_large_cones_and_keep_gauss_bonnet():
    metric, target = two_cones()
    stuck = gf.curvature_flow(metric, target=target, flips=False)
    result = gf.curvature_flow(metric, target=target, record_every=1)

    assert not stuck.converged and stuck.n_rejected > 100
    assert result.converged and result.n_steps <= 10, result.message
    assert result.flips > 0
    assert np.abs(result.triangulation.angle_defects() - target).max() < TOL
    assert result.metric is None  # the cones need two edges between two vertices
    assert np.all(np.diff(result.energies) <= 1e-9)
    tri = IntrinsicTriangulation(metric)
    for frame in result.frames:  # Gauss-Bonnet on the Delaunay metric of each step
        tri.make_delaunay("ptolemy", u=frame.state)
        total = tri.conformal(frame.state).angle_defects().sum()
        assert abs(total - 4 * np.pi) < 1e-10


def test_flow_without_flips_needed_keeps_the_input_mesh():
    mesh = gf.sample_mesh("icosphere", level=2)
    result = gf.curvature_flow(mesh)
    plain = gf.curvature_flow(mesh, flips=False)

    assert result.converged and result.flips == 0 and plain.flips == 0
    assert result.metric.mesh is mesh
    np.testing.assert_allclose(result.state, plain.state, atol=1e-12)
    assert "triangulation" in result.extras and "triangulation" not in plain.extras


def test_flip_options_are_checked():
    mesh = gf.sample_mesh("icosphere", level=1)
    explicit = gf.curvature_flow(mesh, method="explicit", max_steps=3)
    assert explicit.flips == 0
    with pytest.raises(gf.GeomflowError, match="flips=True needs method='newton'"):
        gf.curvature_flow(mesh, method="explicit", flips=True)
    with pytest.raises(gf.GeomflowError, match="flips must be"):
        gf.curvature_flow(mesh, flips="yes")
    n = mesh.n_vertices
    target = np.full(n, (4 * np.pi - 7.0) / (n - 1))
    target[0] = 7.0
    with pytest.raises(gf.GeomflowError, match=r"vertices \[0\].*angle sum <= 0"):
        gf.curvature_flow(mesh, target=target)
