"""Cotangent Laplacian, mass matrices, gradient and divergence."""

from __future__ import annotations

import numpy as np
import pytest
import reference
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg as sla

import geomflow as gf


def random_meshes(rng):
    return [
        reference.perturbed_icosphere(2, rng),
        reference.perturbed_icosphere(3, rng, scale=0.2),
        reference.random_disk(300, rng),
    ]


def test_laplacian_invariants(rng):
    for mesh in random_meshes(rng):
        L = gf.cotan_laplacian(gf.EdgeMetric.from_mesh(mesh))
        assert sp.isspmatrix_csr(L) and L.has_sorted_indices
        norm = sla.norm(L, np.inf)
        assert sla.norm(L - L.T, np.inf) <= 1e-15 * norm
        np.testing.assert_allclose(L @ np.ones(mesh.n_vertices), 0, atol=1e-13 * norm)
        smallest = scipy.linalg.eigvalsh(L.toarray())[0]
        assert smallest >= -1e-12 * norm


def test_laplacian_matches_per_triangle_reference(rng):
    for mesh in random_meshes(rng):
        L = gf.cotan_laplacian(gf.EdgeMetric.from_mesh(mesh))
        expected = reference.cotan_laplacian(mesh.vertices, mesh.faces)
        scale = np.abs(expected).max()
        assert np.abs((L - expected).toarray()).max() <= 1e-12 * scale


def test_laplacian_agrees_with_libigl_up_to_sign(rng):
    igl = pytest.importorskip("igl")
    mesh = reference.random_disk(200, rng)
    L = gf.cotan_laplacian(gf.EdgeMetric.from_mesh(mesh))
    theirs = igl.cotmatrix(mesh.vertices, mesh.faces)
    assert np.abs((L + theirs).toarray()).max() <= 1e-12 * np.abs(L.data).max()


def test_refill_equals_rebuild(rng):
    mesh = reference.perturbed_icosphere(3, rng)
    metric = gf.EdgeMetric.from_mesh(mesh)
    L = gf.cotan_laplacian(metric)
    data_before = L.data
    changed = metric.conformal(rng.normal(scale=0.2, size=mesh.n_vertices))
    refilled = gf.cotan_laplacian(changed, out=L)
    assert refilled is L and L.data is data_before
    fresh = gf.cotan_laplacian(changed)
    np.testing.assert_array_equal(L.indices, fresh.indices)
    np.testing.assert_array_equal(L.data, fresh.data)


def test_refill_refuses_a_matrix_of_another_mesh(rng):
    L_small = gf.cotan_laplacian(gf.EdgeMetric.from_mesh(reference.icosphere(1)))
    metric = gf.EdgeMetric.from_mesh(reference.icosphere(2))
    with pytest.raises(gf.GeomflowError, match="same mesh"):
        gf.cotan_laplacian(metric, out=L_small)


@pytest.mark.parametrize("kind", gf.operators.MASS_KINDS)
def test_mass_matrices_integrate_constants(kind, rng):
    mesh = reference.random_disk(300, rng)
    metric = gf.EdgeMetric.from_mesh(mesh)
    M = gf.mass_matrix(metric, kind)
    one = np.ones(mesh.n_vertices)
    assert one @ M @ one == pytest.approx(metric.total_area(), rel=1e-13)
    assert sla.norm(M - M.T, np.inf) == 0
    assert scipy.linalg.eigvalsh(M.toarray())[0] > 0


def test_lumped_mass_is_row_sum_of_full_mass(rng):
    metric = gf.EdgeMetric.from_mesh(reference.perturbed_icosphere(2, rng))
    full = gf.mass_matrix(metric, "full")
    lumped = gf.mass_matrix(metric, "lumped")
    np.testing.assert_allclose(lumped.diagonal(), full.sum(axis=1).A1, rtol=1e-13)
    x = rng.normal(size=metric.mesh.n_vertices)
    exact = sum(  # the P1 mass integral of x^2, face by face
        a / 6 * (xf @ xf + xf.sum() ** 2) / 2
        for a, xf in zip(metric.face_areas(), x[metric.mesh.faces], strict=True)
    )
    assert x @ full @ x == pytest.approx(exact, rel=1e-12)


def test_voronoi_mass_agrees_with_libigl(rng):
    igl = pytest.importorskip("igl")
    mesh = reference.random_disk(300, rng)
    ours = gf.vertex_areas(gf.EdgeMetric.from_mesh(mesh), "voronoi")
    theirs = igl.massmatrix(mesh.vertices, mesh.faces, igl.MASSMATRIX_TYPE_VORONOI)
    np.testing.assert_allclose(ours, theirs.diagonal(), rtol=1e-12)


def test_unknown_mass_kind_is_refused(rng):
    metric = gf.EdgeMetric.from_mesh(reference.icosphere(1))
    with pytest.raises(gf.GeomflowError, match="voronoi"):
        gf.mass_matrix(metric, "cubic")


def test_laplacian_factors_through_gradient(rng):
    """L = G^T T G and D G = -L, with T the face areas."""
    for mesh in random_meshes(rng):
        metric = gf.EdgeMetric.from_mesh(mesh)
        L = gf.cotan_laplacian(metric)
        G = gf.gradient_operator(metric)
        T = sp.diags(np.repeat(metric.face_areas(), 2))
        scale = np.abs(L.data).max()
        assert np.abs((G.T @ T @ G - L).toarray()).max() <= 1e-12 * scale
        D = gf.divergence_operator(metric)
        assert np.abs((D @ G + L).toarray()).max() <= 1e-12 * scale


def test_gradient_of_linear_function_is_exact(rng):
    """On a planar mesh the gradient of x is the unit vector along x, rotated
    into each face's frame; its length is 1 on every face."""
    mesh = reference.random_disk(200, rng)
    flat = mesh.with_vertices(
        np.column_stack([mesh.vertices[:, :2], np.zeros(200 + 24)])
    )
    metric = gf.EdgeMetric.from_mesh(flat)
    grad = (gf.gradient_operator(metric) @ flat.vertices[:, 0]).reshape(-1, 2)
    np.testing.assert_allclose(np.linalg.norm(grad, axis=1), 1.0, rtol=1e-10)


def dual_cell_flux(mesh, metric, u, inside):
    """Outward flux of grad u through the boundary of the union of the
    barycentric dual cells of the vertices marked ``inside``.

    Inside a face the cell of corner a meets the cell of corner b along the
    segment from the midpoint of side ab to the centroid. The gradient is
    constant on the face, so the flux through that segment is
    ``grad u . n * length``, computed here from the face laid out in the plane.
    """
    corners = gf.operators.face_frames_2d(metric)
    flux = 0.0
    for f, face in enumerate(mesh.faces):
        p = corners[f]
        # gradient of the linear interpolant from a 2x2 solve (independent of G)
        grad = np.linalg.solve(
            np.array([p[1] - p[0], p[2] - p[0]]),
            [u[face[1]] - u[face[0]], u[face[2]] - u[face[0]]],
        )
        centroid = p.mean(axis=0)
        for a in range(3):
            b = (a + 1) % 3
            if inside[face[a]] == inside[face[b]]:
                continue
            mid = 0.5 * (p[a] + p[b])
            seg = centroid - mid
            normal = np.array([seg[1], -seg[0]])  # points from a's cell to b's
            sign = 1.0 if inside[face[a]] else -1.0
            flux += sign * grad @ normal
    return flux


def test_discrete_divergence_theorem(rng):
    """Sum of (L u) over a patch of vertices = minus the outward flux of grad u
    through the boundary of the patch's dual cells."""
    mesh = reference.perturbed_icosphere(2, rng)
    metric = gf.EdgeMetric.from_mesh(mesh)
    u = np.sin(3 * mesh.vertices[:, 0]) + mesh.vertices[:, 1] ** 2
    inside = mesh.vertices[:, 2] > 0.3
    assert 5 < inside.sum() < mesh.n_vertices - 5
    total = (gf.cotan_laplacian(metric) @ u)[inside].sum()
    assert total == pytest.approx(-dual_cell_flux(mesh, metric, u, inside), rel=1e-11)


def test_mean_curvature_normal_on_unit_sphere():
    """(M^-1 L x) . x = 2 H = 2 on the unit sphere, with the positive L."""
    for level, tol in [(3, 2e-3), (4, 5e-4), (5, 2e-4)]:
        metric = gf.EdgeMetric.from_mesh(reference.icosphere(level))
        x = metric.mesh.vertices
        areas = gf.vertex_areas(metric, "voronoi")
        hn = (gf.cotan_laplacian(metric) @ x) / areas[:, None]
        assert np.abs(np.sum(hn * x, axis=1) - 2.0).max() < tol


def sphere_eigenvalues(level, kind="lumped"):
    metric = gf.EdgeMetric.from_mesh(reference.icosphere(level))
    L, M = gf.cotan_laplacian(metric), gf.mass_matrix(metric, kind)
    # Ask for the l = 3 group too (16 values): Lanczos can miss one copy of a
    # repeated eigenvalue at the edge of the requested set.
    start = np.random.default_rng(0).normal(size=L.shape[0])
    values = sla.eigsh(L.tocsc(), k=16, M=M.tocsc(), sigma=-0.01, which="LM", v0=start)[
        0
    ]
    return np.sort(values)[:9], metric.lengths.mean()


def test_sphere_spectrum_converges_at_second_order():
    """Eigenvalues l(l+1) with multiplicity 2l+1 for l = 1, 2 on unit icospheres."""
    errors, sizes = [], []
    for level in (2, 3, 4, 5):
        values, h = sphere_eigenvalues(level)
        assert values[0] == pytest.approx(0.0, abs=1e-10)
        group1, group2 = values[1:4], values[4:9]
        assert np.ptp(group1) < 1e-6 and np.ptp(group2) < 1e-6  # multiplicities
        errors.append([abs(group1.mean() - 2.0), abs(group2.mean() - 6.0)])
        sizes.append(h)
    errors = np.array(errors)
    assert errors[-1, 0] < 1e-6 and errors[-1, 1] < 3e-3
    for l in range(2):
        order = np.polyfit(np.log(sizes), np.log(errors[:, l]), 1)[0]
        assert order >= 1.8, f"l = {l + 1}: observed order {order:.2f}"


def test_gaussian_curvature_of_a_sphere_of_radius_two():
    mesh = reference.icosphere(4)
    metric = gf.EdgeMetric.from_mesh(mesh.with_vertices(2.0 * mesh.vertices))
    curvature = gf.gaussian_curvature(metric, "voronoi")
    np.testing.assert_allclose(curvature, 0.25, rtol=2e-2)
