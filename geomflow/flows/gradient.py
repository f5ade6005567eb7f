"""Phase separation: Allen-Cahn and Cahn-Hilliard, one energy in two metrics.

Both flows descend the Ginzburg-Landau energy. Allen-Cahn is its L2 flow: each
point relaxes towards a phase and the amount of each phase changes. Cahn-
Hilliard is its H^-1 flow: material only moves, so ``int u`` is conserved and
the phases coarsen instead.
"""

from __future__ import annotations

from ..energies import GinzburgLandauEnergy
from ..metric import EdgeMetric
from .engine import FlowResult, gradient_flow

__all__ = ["allen_cahn", "cahn_hilliard"]


def allen_cahn(
    metric: EdgeMetric, u0, *, epsilon: float, dt: float, **run_options
) -> FlowResult:
    """The L2 flow of the Ginzburg-Landau energy, convex-concave split.

    Energy stable at any ``dt``. ``run_options`` go to
    :func:`~geomflow.gradient_flow` (``t_end``, ``max_steps``, ``tol``, ...).
    """
    return gradient_flow(
        GinzburgLandauEnergy(metric, epsilon),
        u0,
        inner_product="l2",
        scheme="convex_concave",
        dt=dt,
        **run_options,
    )


def cahn_hilliard(
    metric: EdgeMetric, u0, *, epsilon: float, dt: float, **run_options
) -> FlowResult:
    """The H^-1 flow of the Ginzburg-Landau energy, convex-concave split.

    Conserves ``1^T M u`` to round-off and is energy stable at any ``dt``.
    """
    return gradient_flow(
        GinzburgLandauEnergy(metric, epsilon),
        u0,
        inner_product="h-1",
        scheme="convex_concave",
        dt=dt,
        **run_options,
    )
