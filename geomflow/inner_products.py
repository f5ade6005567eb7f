r"""Inner products on the state space: the ``G`` of ``x' = -G^{-1} dE(x)``.

The differential ``dE`` of an energy is a covector; an inner product ``G``
turns it into a velocity, the gradient ``G^{-1} dE`` (the Riesz map). Each
inner product here writes its inverse as ``G^{-1} = A^{-1} B`` with sparse
``A`` and ``B``, so that every time-stepping scheme solves only sparse
systems:

==============  =================  ================  ======================
inner product   ``G``              ``A``             ``B``
==============  =================  ================  ======================
Euclidean       ``I``              ``I``             ``I``
L2              ``M``              ``M``             ``I``
H1              ``M + alpha L``    ``M + alpha L``   ``I``
H^-1            ``M L^+ M``        ``M``             ``L M^{-1}``
Hessian         ``H(x)``           ``H(x)``          ``I``
==============  =================  ================  ======================

The H^-1 flow conserves ``1^T M x`` exactly, since ``1^T L = 0``: it is the
metric of Cahn-Hilliard and of mass-conserving diffusion. The Euclidean one
ignores the mesh: its flows depend on how the surface is meshed.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .energies import Energy
from .errors import GeomflowError
from .linalg import Factorization
from .metric import EdgeMetric
from .operators import cotan_laplacian, mass_matrix, vertex_areas

__all__ = [
    "InnerProduct",
    "EuclideanInnerProduct",
    "L2InnerProduct",
    "H1InnerProduct",
    "HMinus1InnerProduct",
    "HessianInnerProduct",
    "make_inner_product",
]


class InnerProduct:
    """Base class: ``G(x)`` given through ``G^{-1} = A^{-1} B``.

    Subclasses set :attr:`name` and implement :meth:`operators`.
    """

    name = "inner product"
    #: False when ``G`` depends on the state (then nothing is factorized once).
    constant = True

    def __init__(self, n: int):
        self.n = n
        self._factor: Factorization | None = None

    def operators(self, x) -> tuple[sp.spmatrix, sp.spmatrix | None]:
        """``(A, B)`` with ``G^{-1} = A^{-1} B``; ``B = None`` means identity."""
        raise NotImplementedError

    def matrix(self, x=None):
        """The matrix ``G(x)`` (sparse) of the inner product."""
        A, B = self.operators(x)
        if B is None:
            return A
        raise GeomflowError(f"the {self.name} inner product has no sparse matrix")

    def riesz(self, x, covector: np.ndarray) -> np.ndarray:
        """The gradient ``G^{-1} dE``: the velocity that represents a covector."""
        A, B = self.operators(x)
        rhs = covector if B is None else B @ covector
        if self.constant:
            if self._factor is None:
                self._factor = Factorization(A)
            return self._factor.solve(rhs)
        return Factorization(A).solve(rhs)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(n={self.n})"


class EuclideanInnerProduct(InnerProduct):
    """The identity: plain gradient descent on vertex values, blind to the mesh."""

    name = "Euclidean"

    def operators(self, x=None):
        return sp.identity(self.n, format="csr"), None

    def riesz(self, x, covector):
        return np.array(covector, dtype=np.float64)


class L2InnerProduct(InnerProduct):
    """``<u, v> = int u v``: the mass matrix (lumped by default)."""

    name = "L2"

    def __init__(self, metric: EdgeMetric, mass: str = "lumped"):
        super().__init__(metric.mesh.n_vertices)
        self.M = mass_matrix(metric, mass)
        self._lumped = mass != "full"

    def operators(self, x=None):
        return self.M, None

    def riesz(self, x, covector):
        if self._lumped:
            d = self.M.diagonal()
            return covector / (d if np.ndim(covector) == 1 else d[:, None])
        return super().riesz(x, covector)


class H1InnerProduct(InnerProduct):
    r"""``<u, v> = int u v + alpha grad u . grad v``: ``G = M + alpha L``."""

    name = "H1"

    def __init__(self, metric: EdgeMetric, alpha: float = 1.0, mass: str = "lumped"):
        if not alpha > 0:
            raise GeomflowError(f"H1 weight alpha must be positive, got {alpha}")
        super().__init__(metric.mesh.n_vertices)
        self.alpha = float(alpha)
        self.G = (mass_matrix(metric, mass) + alpha * cotan_laplacian(metric)).tocsr()

    def operators(self, x=None):
        return self.G, None


class HMinus1InnerProduct(InnerProduct):
    r"""The mass-conserving ``H^{-1}`` inner product, ``G = M L^+ M``.

    Its Riesz map is ``G^{-1} = M^{-1} L M^{-1}``: no solve with the singular
    ``L`` is ever needed, and ``1^T M G^{-1} c = 0`` for every covector, so a
    flow in this metric keeps ``int u`` fixed. Uses the lumped mass so that
    ``B = L M^{-1}`` stays sparse.
    """

    name = "H^-1"

    def __init__(self, metric: EdgeMetric):
        super().__init__(metric.mesh.n_vertices)
        m = vertex_areas(metric)
        self.M = sp.diags(m, format="csr")
        self.B = (cotan_laplacian(metric) @ sp.diags(1.0 / m)).tocsr()

    def operators(self, x=None):
        return self.M, self.B

    def riesz(self, x, covector):
        m = self.M.diagonal()
        return (self.B @ covector) / (m if np.ndim(covector) == 1 else m[:, None])


class HessianInnerProduct(InnerProduct):
    """``G(x) = H(x)``, the Hessian of an energy: its explicit flow is Newton's method.

    The Hessian must be positive definite where it is used.
    """

    name = "Hessian"
    constant = False

    def __init__(self, energy: Energy, n: int):
        super().__init__(n)
        self.energy = energy
        self.constant = bool(energy.constant_hessian)

    def operators(self, x=None):
        return self.energy.hessian(x), None


def make_inner_product(name, metric: EdgeMetric | None = None, **options):
    """Build an inner product by name: ``"euclidean"``, ``"l2"``, ``"h1"``,
    ``"h-1"``; an :class:`InnerProduct` instance is returned as it is."""
    if isinstance(name, InnerProduct):
        return name
    key = str(name).lower().replace(" ", "")
    key = {"h-1": "hminus1", "h^-1": "hminus1", "h_minus_1": "hminus1"}.get(key, key)
    if metric is None:
        raise GeomflowError(f"the {name!r} inner product needs a metric")
    builders = {
        "euclidean": lambda: EuclideanInnerProduct(metric.mesh.n_vertices),
        "l2": lambda: L2InnerProduct(metric, **options),
        "h1": lambda: H1InnerProduct(metric, **options),
        "hminus1": lambda: HMinus1InnerProduct(metric),
    }
    if key not in builders:
        raise GeomflowError(
            f"unknown inner product {name!r}; choose 'euclidean', 'l2', 'h1' or 'h-1'"
        )
    return builders[key]()
