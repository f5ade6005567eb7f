"""Factorizations: symmetric mode, the fallback to pivoting, singular systems."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import geomflow as gf
from geomflow.linalg import Factorization


def test_symmetric_positive_definite_system(rng):
    metric = gf.sample_metric("bumpy_sphere", level=3)
    A = (gf.mass_matrix(metric) + 0.1 * gf.cotan_laplacian(metric)).tocsc()
    b = rng.normal(size=(A.shape[0], 3))
    factor = Factorization(A)
    assert factor.symmetric
    np.testing.assert_allclose(A @ factor.solve(b), b, atol=1e-12)


def test_non_symmetric_system_uses_pivoting(rng):
    n = 30
    A = sp.random(n, n, density=0.3, random_state=2) + 5 * sp.identity(n)
    A = A + sp.diags(rng.normal(size=n - 1), 1)
    factor = Factorization(A)
    assert not factor.symmetric
    b = rng.normal(size=n)
    np.testing.assert_allclose(A @ factor.solve(b), b, atol=1e-10)


def test_zero_diagonal_falls_back_to_pivoting(rng):
    A = sp.csr_matrix(np.array([[0.0, 1.0], [1.0, 0.0]]))  # symmetric, zero pivot
    factor = Factorization(A)
    np.testing.assert_allclose(factor.solve(np.array([2.0, 3.0])), [3.0, 2.0])


def test_singular_system_is_reported():
    L = gf.cotan_laplacian(gf.sample_metric("icosphere", level=1))
    with pytest.raises(gf.GeomflowError, match="null space"):
        Factorization(L)


def test_singular_to_round_off_is_reported_and_ill_scaled_is_not():
    fine = sp.diags([1.0, 1e-10, 2.0]).tocsc()
    np.testing.assert_allclose(Factorization(fine).solve(np.ones(3)), [1, 1e10, 0.5])
    with pytest.raises(gf.GeomflowError, match="singular value is about 1.0e-15"):
        Factorization(sp.diags([1.0, 1e-15, 2.0]))


def test_pinned_laplacian_is_not_singular(rng):
    L = gf.cotan_laplacian(gf.sample_metric("bumpy_sphere", level=3)).tocsr()
    pinned = L[1:][:, 1:]
    b = rng.normal(size=pinned.shape[0])
    np.testing.assert_allclose(pinned @ Factorization(pinned).solve(b), b, atol=1e-9)


@pytest.fixture
def nested_dissection(monkeypatch):
    """Nested dissection from the smallest size on; ``calls`` counts METIS runs."""
    from geomflow import linalg

    calls = []
    original = linalg._nested_dissection

    def counting(graph):
        calls.append(graph.shape[0])
        return original(graph)

    monkeypatch.setattr(linalg, "NESTED_DISSECTION_MIN", 0)
    monkeypatch.setattr(linalg, "_nested_dissection", counting)
    monkeypatch.setattr(linalg, "_ORDERINGS", {})
    return calls


def test_nested_dissection_solves_and_is_kept_per_pattern(nested_dissection, rng):
    metric = gf.sample_metric("bumpy_sphere", level=3)
    M, L = gf.mass_matrix(metric), gf.cotan_laplacian(metric)
    b = rng.normal(size=(M.shape[0], 2))
    for dt in (0.1, 0.2, 0.1):  # one pattern
        A = (M + dt * L).tocsc()
        np.testing.assert_allclose(A @ Factorization(A).solve(b), b, atol=1e-12)
    assert nested_dissection == [M.shape[0]]
    pinned = L.tocsr()[1:][:, 1:]  # another pattern
    x = Factorization(pinned).solve(b[1:])
    np.testing.assert_allclose(pinned @ x, b[1:], atol=1e-9)
    assert len(nested_dissection) == 2
    with pytest.raises(gf.GeomflowError, match="singular"):
        Factorization(L)


def test_nested_dissection_orders_a_permutation(nested_dissection):
    L = gf.cotan_laplacian(gf.sample_metric("icosphere", level=2)).tocsr()
    from geomflow.linalg import _fill_reducing_order

    order, column_ordering = _fill_reducing_order(L[1:][:, 1:])
    assert column_ordering == "NATURAL"
    np.testing.assert_array_equal(np.sort(order), np.arange(L.shape[0] - 1))
