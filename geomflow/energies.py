"""Energies of functions on a mesh: value, gradient (a covector), Hessian.

An :class:`Energy` of a state ``x`` (``(n,)``, or ``(n, d)`` for maps into
``R^d``) returns its differential ``dE(x)`` as a *covector*, the vector of
partial derivatives ``dE/dx_i``. It is not yet a velocity: turning it into one
needs an inner product (see :mod:`geomflow.inner_products`), and that choice
is what makes the same energy flow along different paths.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from ._validate import as_array
from .errors import GeomflowError
from .metric import EdgeMetric
from .operators import cotan_laplacian, vertex_areas

__all__ = [
    "Energy",
    "DirichletEnergy",
    "GinzburgLandauEnergy",
    "PotentialEnergy",
    "QuadraticEnergy",
    "SumEnergy",
]


class Energy:
    """Base class: an energy ``E(x)`` with its differential and Hessian.

    Subclasses implement :meth:`value` and :meth:`gradient`, and
    :meth:`hessian` where the energy is twice differentiable. Energies add:
    ``DirichletEnergy(m) + PotentialEnergy(m, V)`` is an :class:`Energy`.
    """

    #: True when the Hessian does not depend on the state (quadratic energies);
    #: flows then factorize their step matrix once.
    constant_hessian = False

    def value(self, x: np.ndarray) -> float:
        raise NotImplementedError

    def gradient(self, x: np.ndarray) -> np.ndarray:
        """The differential ``dE(x)``, a covector of the shape of ``x``."""
        raise NotImplementedError

    def hessian(self, x: np.ndarray) -> sp.spmatrix:
        """The ``(n, n)`` Hessian, applied to each column of a ``(n, d)`` state."""
        raise GeomflowError(f"{type(self).__name__} has no Hessian")

    def split(self) -> tuple[Energy, Energy]:
        """A convex-concave splitting ``E = E_convex + E_concave``.

        Used by the ``"convex_concave"`` scheme, which is energy stable at any
        step when ``E_convex`` is convex and ``E_concave`` concave (Eyre 1998).
        """
        raise GeomflowError(
            f"{type(self).__name__} has no convex-concave splitting; "
            "use scheme='implicit' or 'explicit'"
        )

    def __add__(self, other: Energy) -> SumEnergy:
        return SumEnergy([self, other])


class SumEnergy(Energy):
    """The sum of several energies."""

    def __init__(self, terms):
        self.terms = []
        self.metric = next(
            (t.metric for t in terms if getattr(t, "metric", None) is not None), None
        )
        for term in terms:
            self.terms += term.terms if isinstance(term, SumEnergy) else [term]
        self.constant_hessian = all(t.constant_hessian for t in self.terms)

    def value(self, x):
        return float(sum(t.value(x) for t in self.terms))

    def gradient(self, x):
        return sum(t.gradient(x) for t in self.terms)

    def hessian(self, x):
        return sum(t.hessian(x) for t in self.terms).tocsr()


class QuadraticEnergy(Energy):
    r"""``E(x) = 1/2 x^T A x - b^T x`` for a symmetric sparse ``A``."""

    constant_hessian = True

    def __init__(self, A, b=None):
        self.A = sp.csr_matrix(A)
        n = self.A.shape[0]
        self.b = (
            np.zeros(n)
            if b is None
            else as_array(b, "b", dtype=np.float64, shape=(n,), finite=True)
        )

    def value(self, x):
        return float(0.5 * np.vdot(x, self.A @ x) - np.vdot(self.b, x))

    def gradient(self, x):
        return self.A @ x - self.b

    def hessian(self, x):
        return self.A


class DirichletEnergy(QuadraticEnergy):
    r"""The Dirichlet energy :math:`\tfrac12 \int |\nabla u|^2 = \tfrac12 u^T L u`.

    For a map ``(n, d)`` it is the sum over the ``d`` coordinate functions.
    Its L2 gradient flow is the heat equation.

    Parameters
    ----------
    metric : EdgeMetric
    """

    def __init__(self, metric: EdgeMetric):
        super().__init__(cotan_laplacian(metric))
        self.metric = metric

    def value(self, x):
        return float(0.5 * np.vdot(x, self.A @ x))

    def gradient(self, x):
        return self.A @ x


class PotentialEnergy(Energy):
    r"""A linear potential :math:`E(u) = \int V u`, with ``V`` given at vertices.

    Integrated with the lumped mass: ``E(u) = sum_i m_i V_i u_i``. Added to the
    Dirichlet energy it makes the Poisson problem :math:`-\Delta u = -V`.
    """

    constant_hessian = True

    def __init__(self, metric: EdgeMetric, V):
        n = metric.mesh.n_vertices
        V = as_array(V, "V", dtype=np.float64, shape=(n,), finite=True)
        self.metric = metric
        self.covector = vertex_areas(metric) * V
        self._zero = sp.csr_matrix((n, n))

    def value(self, x):
        return float(np.vdot(self.covector, x))

    def gradient(self, x):
        return self.covector.copy()

    def hessian(self, x):
        return self._zero


class GinzburgLandauEnergy(Energy):
    r"""The Ginzburg-Landau (phase-field) energy.

    .. math::

        E(u) = \int \frac{\varepsilon}{2} |\nabla u|^2
               + \frac{1}{\varepsilon} W(u), \qquad W(u) = \frac{(1 - u^2)^2}{4}

    with the gradient term from the cotangent Laplacian and the double well
    integrated with the lumped mass ``m``. Its L2 flow is the Allen-Cahn
    equation, its H^-1 flow the Cahn-Hilliard equation; interfaces between the
    phases ``u = -1`` and ``u = 1`` have width of order ``epsilon``.

    Parameters
    ----------
    metric : EdgeMetric
    epsilon : float
        Interface width, positive.
    """

    def __init__(self, metric: EdgeMetric, epsilon: float):
        if not (np.isfinite(epsilon) and epsilon > 0):
            raise GeomflowError(f"epsilon must be positive, got {epsilon}")
        self.epsilon = float(epsilon)
        self.metric = metric
        self.L = cotan_laplacian(metric)
        self.m = vertex_areas(metric)

    def value(self, u):
        well = 0.25 * (1.0 - u * u) ** 2
        return float(
            0.5 * self.epsilon * (u @ (self.L @ u)) + (self.m @ well) / self.epsilon
        )

    def gradient(self, u):
        return self.epsilon * (self.L @ u) + self.m * (u**3 - u) / self.epsilon

    def hessian(self, u):
        return (
            self.epsilon * self.L + sp.diags(self.m * (3.0 * u**2 - 1.0) / self.epsilon)
        ).tocsr()

    def split(self):
        """Convex: gradient term and ``(u^4 + 1) / 4``; concave: ``-u^2 / 2``."""
        return _GinzburgLandauConvex(self), _GinzburgLandauConcave(self)


class _GinzburgLandauConvex(Energy):
    def __init__(self, parent: GinzburgLandauEnergy):
        self.p = parent

    def value(self, u):
        p = self.p
        return float(
            0.5 * p.epsilon * (u @ (p.L @ u)) + p.m @ (0.25 * (u**4 + 1)) / p.epsilon
        )

    def gradient(self, u):
        p = self.p
        return p.epsilon * (p.L @ u) + p.m * u**3 / p.epsilon

    def hessian(self, u):
        p = self.p
        return (p.epsilon * p.L + sp.diags(3.0 * p.m * u**2 / p.epsilon)).tocsr()


class _GinzburgLandauConcave(Energy):
    constant_hessian = True

    def __init__(self, parent: GinzburgLandauEnergy):
        self.p = parent

    def value(self, u):
        return float(-0.5 * (self.p.m @ (u * u)) / self.p.epsilon)

    def gradient(self, u):
        return -self.p.m * u / self.p.epsilon

    def hessian(self, u):
        return sp.diags(-self.p.m / self.p.epsilon).tocsr()
