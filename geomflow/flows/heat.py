"""Heat flow: the L2 gradient flow of the Dirichlet energy.

``M u' = -L u`` is Fourier's law of heat conduction (and Fick's law of
diffusion) on the surface. Boundaries are insulated (Neumann) unless values
are held fixed there (Dirichlet).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._validate import as_array
from ..energies import DirichletEnergy
from ..errors import GeomflowError
from ..inner_products import L2InnerProduct
from ..metric import EdgeMetric
from .engine import FlowResult, GradientFlow

__all__ = ["heat_flow"]


def heat_flow(
    metric: EdgeMetric,
    u0,
    *,
    dt: float,
    t_end: float | None = None,
    max_steps: int | None = None,
    tol: float | None = None,
    scheme: str = "implicit",
    mass: str = "lumped",
    fixed=None,
    callback: Callable | None = None,
    record_every: int | None = None,
    progress: bool | None = None,
) -> FlowResult:
    r"""Diffuse ``u0`` over the surface: :math:`\partial_t u = \Delta u`.

    Discretized as ``M u' = -L u`` and stepped with backward Euler,
    ``(M + dt L) u_{k+1} = M u_k`` (``scheme="implicit"``, stable at any step)
    or forward Euler (``scheme="explicit"``, stable for
    ``dt < 2 / lambda_max(M^{-1} L)``).

    Parameters
    ----------
    metric : EdgeMetric
    u0 : (n,) or (n, d) array_like
        Initial temperature (or several, column by column).
    dt : float
        Time step.
    t_end, max_steps, tol
        When to stop (at least one): a time, a number of steps, or a residual
        ``sqrt(dE . M^{-1} dE) = |M^{-1} L u|_M`` below ``tol``.
    mass : {"lumped", "full"}
        Mass matrix of the L2 inner product.
    fixed : (n,) bool array or index array, optional
        Vertices whose values stay at ``u0`` (Dirichlet condition). Elsewhere
        on the boundary no heat flows out (Neumann condition).

    Returns
    -------
    FlowResult
        ``energies`` holds the Dirichlet energy ``1/2 u^T L u``. Without
        ``fixed`` the total heat ``1^T M u`` is conserved and ``u`` tends to its
        mean.
    """
    n = metric.mesh.n_vertices
    u0 = np.asarray(u0, dtype=np.float64)
    if u0.shape[:1] != (n,) or u0.ndim > 2:
        raise GeomflowError(f"u0 must have shape ({n},) or ({n}, d), got {u0.shape}")
    as_array(u0.reshape(n, -1), "u0", dtype=np.float64, shape=(n, None), finite=True)
    flow = GradientFlow(
        DirichletEnergy(metric),
        L2InnerProduct(metric, mass=mass),
        scheme=scheme,
        dt=dt,
        fixed=fixed,
    )
    return flow.run(
        u0,
        t_end=t_end,
        max_steps=max_steps,
        tol=tol,
        callback=callback,
        record_every=record_every,
        progress=progress,
    )
