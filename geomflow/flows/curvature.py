r"""Discrete conformal curvature flow: prescribe the angle defects of a metric.

The state is a log conformal factor ``u`` per vertex; it rescales the edge
lengths of a fixed triangulation,

.. math::

    \tilde\ell_{ij} = \ell_{ij} \, e^{(u_i + u_j)/2},

and the curvature ``K(u)`` is the angle defect of the rescaled metric. The flow
drives ``K(u)`` to a target ``K*``. It is the gradient flow of a convex energy
whose differential is ``K(u) - K*`` and whose Hessian is the cotangent
Laplacian of the current metric (Springborn, Schröder and Pinkall 2008):

* ``method="newton"`` is its flow in the Hessian metric (Newton's method with
  a backtracking line search), which converges quadratically;
* ``method="explicit"`` is forward Euler in the Euclidean metric,
  ``u' = K* - K(u)``: the discrete Ricci flow of Chow and Luo (2003) written
  for Euclidean cone metrics (Luo 2004).

On a fixed triangulation the flow can reach a metric that violates a triangle
inequality (Luo 2004); the engine then rejects and halves the step, and a run
that cannot continue stops with ``reason == "diverged"``. With ``flips=True``
(the default of Newton's method) every metric is instead evaluated on its
Delaunay triangulation, reached by Ptolemy flips
(:class:`DelaunayConformalEnergy`): the energy is then convex and
continuously differentiable on all of u-space, and a solution exists for
every target with ``K*_i < 2 pi`` that satisfies Gauss-Bonnet (Gu, Luo, Sun and
Wu 2018; Gillespie, Springborn and Crane 2021).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from functools import cache

import numpy as np

from .._validate import as_array
from ..energies import Energy
from ..errors import (
    GeomflowError,
    GeomflowWarning,
    MeshError,
    MetricError,
    TopologyError,
    describe_indices,
)
from ..inner_products import EuclideanInnerProduct, HessianInnerProduct
from ..intrinsic import IntrinsicTriangulation
from ..mesh import TriangleMesh
from ..metric import EdgeMetric, as_metric
from ..operators import cotan_laplacian, vertex_areas
from .engine import FlowResult, GradientFlow

__all__ = [
    "ConformalEnergy",
    "DelaunayConformalEnergy",
    "curvature_flow",
    "lobachevsky",
    "TARGETS",
    "METHODS",
]

log = logging.getLogger(__name__)

#: Named curvature targets of :func:`curvature_flow`.
TARGETS = ("uniform", "area", "flat")
#: Methods of :func:`curvature_flow`.
METHODS = ("newton", "explicit")


@cache
def _clausen_coefficients(n_terms: int = 30) -> np.ndarray:
    """``a_n = 2 zeta(2n) / (2n (2n + 1))``, ``n = 1 .. n_terms``, of the series below.

    30 terms reach double precision for ``|y| <= pi``, where
    ``(y / 2 pi)^2 <= 1/4``. scipy.special is imported here, on first use, to
    keep ``import geomflow`` fast.
    """
    import scipy.special

    two_n = 2.0 * np.arange(1, n_terms + 1)
    return 2.0 * scipy.special.zeta(two_n) / (two_n * (two_n + 1.0))


def lobachevsky(x) -> np.ndarray:
    r"""Milnor's Lobachevsky function, elementwise.

    .. math::

        Л(x) = -\int_0^x \log|2 \sin t| \, dt = \tfrac12 \mathrm{Cl}_2(2x)

    It is odd, ``pi``-periodic, zero at multiples of ``pi / 2`` and has
    derivative ``-log|2 sin x|``.

    Parameters
    ----------
    x : array_like of float

    Returns
    -------
    ndarray of float64
        The shape of ``x``.

    Notes
    -----
    ``2x`` is reduced to ``y`` in ``[-pi, pi]`` and the Clausen function is
    summed from its series about zero (Abramowitz and Stegun 27.8.2, written
    with :math:`|B_{2n}| = 2 (2n)! \zeta(2n) / (2\pi)^{2n}`):

    .. math::

        \mathrm{Cl}_2(y) = y - y \log|y| + y \sum_{n \ge 1}
            \frac{2 \zeta(2n)}{2n (2n+1)} \Big(\frac{y}{2\pi}\Big)^{2n},

    which converges for ``|y| < 2 pi`` and at least as fast as ``4^-n`` here.
    ``scipy.special`` has no Clausen function (SciPy 1.17).
    """
    x = np.asarray(x, dtype=np.float64)
    y = 2.0 * x
    y = y - 2.0 * np.pi * np.round(y / (2.0 * np.pi))
    z = (y / (2.0 * np.pi)) ** 2
    series = np.zeros_like(y)
    for a in _clausen_coefficients()[::-1]:  # Horner in z
        series = (series + a) * z
    abs_y = np.abs(y)
    log_term = np.where(abs_y > 0, y * np.log(np.where(abs_y > 0, abs_y, 1.0)), 0.0)
    return 0.5 * (y - log_term + y * series)


class _ConformalTerms(Energy):
    """What both conformal energies share: the target and the normalisation."""

    def _set_target(self, metric: EdgeMetric, target) -> None:
        mesh = metric.mesh
        target = as_array(
            target, "target", dtype=np.float64, shape=(mesh.n_vertices,), finite=True
        )
        referenced = mesh.referenced_vertices
        full = np.where(mesh.boundary_vertices, np.pi, 2.0 * np.pi)
        self.metric = metric
        self.target = np.where(referenced, target, 0.0)
        self.target_angle_sums = np.where(referenced, full - self.target, 0.0)

    def _normalise(self) -> None:
        """Shift the energy so that ``E(0) = 0``; record its round-off scale."""
        self._offset = 0.0
        terms = self._terms(np.zeros(self.metric.mesh.n_vertices))
        self._offset = float(terms.sum())
        #: Sum of the magnitudes of the terms of ``E(0)``: round-off scale of E.
        self.magnitude = float(np.abs(terms).sum())


class ConformalEnergy(_ConformalTerms):
    r"""The convex energy of discrete conformal maps with prescribed curvature.

    For a log conformal factor ``u`` (``(n,)``) and the metric
    ``l_ij exp((u_i + u_j) / 2)`` with corner angles ``theta``,

    .. math::

        E(u) = \sum_i \Theta^*_i u_i
             + \sum_{ijk} \Big( \sum_{c} \theta_c \lambda_{c}
             + 2 Л(\theta_c) - \pi (u_i + u_j + u_k) \Big) + C,

    where the inner sum runs over the three corners ``c`` of face ``ijk``,
    :math:`\lambda_c = 2 \log \tilde\ell_c` is twice the log length of the side
    opposite ``c``, :math:`\Theta^*_i` is the target angle sum (``2 pi - K*_i``
    inside, ``pi - K*_i`` on the boundary) and ``C`` makes ``E(0) = 0``. Then

    .. math::

        \frac{\partial E}{\partial u_i} = \Theta^*_i - \Theta_i(u)
            = K_i(u) - K^*_i, \qquad
        \frac{\partial^2 E}{\partial u \, \partial u} = L(u),

    the positive semidefinite cotangent Laplacian of :func:`cotan_laplacian`,
    so ``E`` is convex, strictly on functions with a fixed value somewhere.

    Parameters
    ----------
    metric : EdgeMetric
        The metric at ``u = 0``.
    target : (n,) array_like of float
        Target curvature ``K*`` per vertex (ignored at vertices in no face).

    Notes
    -----
    Per face, ``f = sum_c theta_c lambda_c / 2 + Л(theta_c)`` has
    :math:`\partial f / \partial \lambda_c = \theta_c / 2` because the law of
    sines makes :math:`\sum_c (\log \ell_c - \log(2 \sin\theta_c)) d\theta_c
    = \log(2R) \sum_c d\theta_c = 0` (Milnor 1982). Springborn, Schröder and
    Pinkall, *Conformal equivalence of triangle meshes*, SIGGRAPH 2008,
    section 4, build ``E`` from it; Luo 2004 (*Combinatorial Yamabe flow on
    surfaces*) introduced the flow and the energy's convexity.

    The metric, its angles and the Hessian are computed once per state and
    cached; :meth:`hessian` refills one matrix in place, so copy it to keep it.
    The lengths are divided by their geometric mean before taking logarithms
    (which changes ``E`` by a constant only) to keep the per-face terms small.
    """

    def __init__(self, metric: EdgeMetric, target):
        self._set_target(metric, target)
        self._log_scale = 2.0 * float(np.mean(np.log(metric.lengths)))
        self._L = None
        self._last: tuple[np.ndarray, EdgeMetric] | None = None
        self._normalise()

    def metric_at(self, u) -> EdgeMetric:
        """The rescaled metric ``l_ij exp((u_i + u_j) / 2)`` (cached for one ``u``).

        Raises
        ------
        MetricError
            If a triangle inequality fails; the flow engine rejects such steps.
        """
        if self._last is not None and np.array_equal(self._last[0], u):
            return self._last[1]
        metric = self.metric.conformal(u)
        self._last = (np.array(u, dtype=np.float64), metric)
        return metric

    def curvature(self, u) -> np.ndarray:
        """``(n,)`` angle defects ``K(u)`` of the rescaled metric."""
        return self.metric_at(u).angle_defects()

    def value(self, u) -> float:
        return float(self._terms(u).sum() - self._offset)

    def gradient(self, u) -> np.ndarray:
        """``K(u) - K*``, equal to ``Theta* - Theta(u)`` (angle sums)."""
        return self.curvature(u) - self.target

    def hessian(self, u):
        """The cotangent Laplacian of the rescaled metric (one matrix, refilled)."""
        metric = self.metric_at(u)
        if self._L is None:
            self._L = cotan_laplacian(metric)
        else:
            cotan_laplacian(metric, out=self._L)
        return self._L

    def _terms(self, u) -> np.ndarray:
        """The vertex term and the per-face terms of ``E`` (before the offset)."""
        metric = self.metric_at(u)
        theta = metric.corner_angles()
        lam = 2.0 * np.log(metric.face_side_lengths()) - self._log_scale
        faces = metric.mesh.faces
        per_face = (
            (theta * lam).sum(axis=1)
            + 2.0 * lobachevsky(theta).sum(axis=1)
            - np.pi * u[faces].sum(axis=1)
        )
        return np.concatenate([[self.target_angle_sums @ u], per_face])


class DelaunayConformalEnergy(_ConformalTerms):
    r"""The conformal energy on the Delaunay triangulation of every metric.

    For a log conformal factor ``u`` the triangulation is first made Delaunay
    in the scaled lengths by Ptolemy flips (see
    :meth:`IntrinsicTriangulation.make_delaunay`), and the energy, its
    gradient ``K(u) - K*`` and its Hessian, the cotangent Laplacian, are
    evaluated there. Per face it sums

    .. math::

        \sum_c \big(\theta_c - \tfrac{\pi}{2}\big) \lambda_c + 2 Л(\theta_c),

    plus :math:`\sum_i \Theta^*_i u_i` and a constant making ``E(0) = 0``
    (notation of :class:`ConformalEnergy`). On a fixed triangulation this
    differs from :class:`ConformalEnergy` by a constant, since
    :math:`\sum_c \lambda_c` over a face is its ``u`` sum up to a constant;
    written this way it does not change when a cyclic quadrilateral is
    flipped, where both diagonals are Delaunay: the Lobachevsky terms of the
    diagonal cancel (opposite angles sum to ``pi``), the outer sides keep their
    inscribed angles, and :math:`(\theta - \pi/2) \lambda` vanishes for the
    diagonal in both triangulations. So ``E`` is convex and ``C^1`` on all of
    u-space, ``C^2`` away from such ties, and its Hessian there is the
    cotangent Laplacian of a Delaunay triangulation, an M-matrix on closed
    surfaces (Gillespie, Springborn and Crane 2021, section 5).

    Parameters
    ----------
    metric : EdgeMetric
        The metric at ``u = 0``. Its triangulation is first made intrinsic
        Delaunay by Euclidean flips, which keep the metric (and its
        curvature); at ``u = 0`` they agree with Ptolemy flips.
    target : (n,) array_like of float
        Target curvature ``K*`` per vertex (ignored at vertices in no face).

    Attributes
    ----------
    n_flips : int
        Flips performed so far in all evaluations (rejected trial steps of a
        flow included), the initial Euclidean ones too.

    Notes
    -----
    The Delaunay triangulation is a function of ``u`` alone (up to ties, which
    change neither the metric nor ``E``, ``K`` and ``L``), so it may be
    reached from any triangulation. In floating point the path matters: a far
    trial step can need thousands of flips through Penner lengths near
    underflow, and flipping back from there loses all digits. Every
    evaluation therefore starts from an *anchor*, the Delaunay triangulation
    of the ``u`` with the lowest energy evaluated so far (the current iterate
    of a descent method) with its lengths scaled there, and flips it for
    ``u - u_anchor``; Ptolemy flips commute with conformal scaling, so the
    result is scaled afterwards. References: M. Gillespie, B. Springborn,
    K. Crane, *Discrete conformal equivalence of polyhedral surfaces*, ACM TOG
    40(4) (2021); M. Campen et al., *Efficient and robust discrete conformal
    equivalence with boundary*, ACM TOG 40(6) (2021); X. Gu, F. Luo, J. Sun,
    T. Wu, *A discrete uniformization theorem for polyhedral surfaces*,
    J. Differential Geom. 109 (2018).
    """

    def __init__(self, metric: EdgeMetric, target):
        n = metric.mesh.n_vertices
        self._set_target(metric, target)
        anchor = IntrinsicTriangulation(metric)
        self.n_flips = anchor.make_delaunay("euclidean")
        self._anchor, self._anchor_u, self._best = anchor, np.zeros(n), np.inf
        self._log_scale = 2.0 * float(np.mean(np.log(metric.lengths)))
        self._L, self._L_faces = None, None
        self._last: tuple | None = None
        self._normalise()

    def triangulation_at(self, u) -> IntrinsicTriangulation:
        """The Delaunay triangulation of the scaled metric (cached for one ``u``).

        Raises
        ------
        MetricError
            If a triangle of the Delaunay triangulation is still broken
            (round-off on near-degenerate metrics); the engine rejects the step.
        """
        if self._last is not None and np.array_equal(self._last[0], u):
            return self._last[1]
        u = np.array(u, dtype=np.float64)
        step = u - self._anchor_u
        flipped = self._anchor.copy()
        self.n_flips += flipped.make_delaunay("ptolemy", u=step)
        scaled = flipped.conformal(step)
        if not np.all(np.isfinite(scaled.corner_angles())):  # may raise MetricError
            raise MetricError(
                "the scaled lengths span too many orders of magnitude "
                f"({scaled.lengths.min():.3g} to {scaled.lengths.max():.3g}) for "
                "their squares to be represented; take a smaller step"
            )
        self._last = (u, scaled)
        return scaled

    def curvature(self, u) -> np.ndarray:
        """``(n,)`` angle defects ``K(u)`` of the scaled Delaunay metric."""
        return self.triangulation_at(u).angle_defects()

    def value(self, u) -> float:
        value = float(self._terms(u).sum() - self._offset)
        if value < self._best:  # the new anchor
            self._best = value
            self._anchor_u, self._anchor = self._last[0], self._last[1]
        return value

    def gradient(self, u) -> np.ndarray:
        """``K(u) - K*``, equal to ``Theta* - Theta(u)`` (angle sums)."""
        return self.curvature(u) - self.target

    def hessian(self, u):
        """The cotangent Laplacian of the Delaunay triangulation at ``u``.

        One matrix refilled in place while the triangulation keeps its faces,
        a new one (a new sparsity pattern) after flips.
        """
        scaled = self.triangulation_at(u)
        if self._L is None or not np.array_equal(scaled.faces, self._L_faces):
            self._L, self._L_faces = scaled.cotan_laplacian(), scaled.faces
        else:
            scaled.cotan_laplacian(out=self._L)
        return self._L

    def _terms(self, u) -> np.ndarray:
        """The vertex term and the per-face terms of ``E`` (before the offset)."""
        scaled = self.triangulation_at(u)
        theta = scaled.corner_angles()
        lam = 2.0 * np.log(scaled.face_side_lengths()) - self._log_scale
        per_face = ((theta - 0.5 * np.pi) * lam).sum(axis=1) + 2.0 * lobachevsky(
            theta
        ).sum(axis=1)
        return np.concatenate([[self.target_angle_sums @ u], per_face])


def curvature_flow(
    mesh_or_metric,
    *,
    target="uniform",
    method: str = "newton",
    dt: float | None = None,
    tol: float = 1e-10,
    max_steps: int = 100,
    callback: Callable | None = None,
    record_every: int | None = None,
    flips: bool | None = None,
) -> FlowResult:
    r"""Flow a metric conformally to one of prescribed curvature ``K*``.

    Finds ``u`` such that the metric ``l_ij exp((u_i + u_j) / 2)`` has angle
    defects ``K*``, by minimizing the convex :class:`ConformalEnergy`, whose
    gradient is ``K(u) - K*`` and whose Hessian is the cotangent Laplacian.

    Parameters
    ----------
    mesh_or_metric : TriangleMesh or EdgeMetric
        A mesh stands for its induced metric :meth:`EdgeMetric.from_mesh`.
    target : {"uniform", "area", "flat"} or (n,) array_like of float
        ``"uniform"``: ``K*_i = 2 pi chi / n``. ``"area"``:
        ``K*_i = 2 pi chi A_i / A`` with the barycentric vertex areas ``A_i``
        of the initial metric. ``"flat"``: zero curvature; on a closed surface
        (which must be one torus) at every vertex, on a surface with boundary
        at the interior vertices, with ``u = 0`` held on the boundary (the
        boundary lengths are kept). An array gives ``K*`` per vertex; it must
        satisfy Gauss-Bonnet, ``sum K* = 2 pi chi``.
    method : {"newton", "explicit"}
        Newton's method with Armijo backtracking from the full step, or
        forward Euler ``u' = K* - K(u)`` with adaptive step halving.
    dt : float, optional
        Explicit only: the initial step. Default ``1 / ||L||_inf`` (maximum
        absolute row sum of the initial cotangent Laplacian), which bounds
        ``dt lambda_max(L) <= 1`` where the linearization ``e' = -L e`` of the
        curvature error is monotone. Curvature and cotangent weights are
        scale invariant, so this step does not depend on the mesh size.
    tol : float
        Stop when ``max |K - K*|`` over the prescribed vertices is at most
        ``tol`` (``reason == "converged"``).
    max_steps : int
        At most this many accepted steps.
    callback : callable, optional
        ``callback(step, t, u, energy)`` after every accepted step; returning
        True stops the run.
    record_every : int, optional
        Record ``u`` every so many steps (see :attr:`FlowResult.frames`).
    flips : bool, optional
        Newton only (the default there; False for the explicit flow). Keep
        the triangulation Delaunay in the current metric by intrinsic flips:
        Euclidean ones once at the start (the input metric is kept), then
        Ptolemy flips at every evaluated ``u``, trial steps included, so the
        energy, gradient and Hessian are those of
        :class:`DelaunayConformalEnergy`. The flow then continues where a
        fixed triangulation would break a triangle inequality. ``False``
        keeps the input triangulation (:class:`ConformalEnergy`).

    Returns
    -------
    FlowResult
        ``state`` is ``u`` (``(n,)``); ``energies`` the values of
        :class:`ConformalEnergy`. ``extras`` (also attributes) hold
        ``metric``, the final :class:`EdgeMetric`; ``curvature_error``, the
        ``(n_steps + 1,)`` values ``max |K - K*|``; ``target``, ``K*``; and
        ``fixed``, the ``(n,)`` mask of vertices whose ``u`` stayed 0;
        ``flips``, the number of edge flips performed (0 without flips).
        With ``flips=True`` the final metric lives on the final Delaunay
        triangulation, given as ``triangulation`` (an
        :class:`~geomflow.IntrinsicTriangulation` with the scaled lengths);
        ``metric`` is then an :class:`EdgeMetric` on the input mesh if the
        faces came back to the input ones, else on a new
        :class:`TriangleMesh` with the flipped faces and the input vertex
        positions (which are not the metric), or ``None`` when the
        triangulation has two edges between the same vertices, a loop edge
        or coinciding faces, which no TriangleMesh can hold.

    Raises
    ------
    TopologyError
        If ``"flat"`` is asked on a surface that admits no flat metric of this
        kind (the message names genus and number of boundary loops).
    GeomflowError
        If an array target violates Gauss-Bonnet (by how much is said), or an
        argument is invalid.

    Notes
    -----
    **Gauge.** Adding a constant to ``u`` scales the metric and leaves ``K``
    unchanged, so ``L`` has the constants in its kernel. For Newton's method
    every connected component without fixed vertices gets one pinned vertex
    (its smallest index) with ``u = 0``; that removes the kernel and fixes the
    scale, and the pinned vertex's curvature follows from Gauss-Bonnet. The
    explicit flow needs no pin: by Gauss-Bonnet ``sum_i u_i' = sum (K* - K) = 0``,
    so the mean of ``u`` stays 0 (a pin would break the discrete maximum
    principle that keeps ``max |K - K*|`` decreasing). The two methods hence
    reach the same metric up to a global scale. Vertices in no face are fixed.

    **Flips.** Discrete conformal equivalence with flips (Gillespie,
    Springborn and Crane 2021) is coarser than scaling on a fixed
    triangulation: two metrics related by ``u`` on a triangulation that is
    not Delaunay for both need not be equivalent with flips. Pass
    ``flips=False`` to keep the fixed-triangulation notion of Luo (2004).

    **Stopping.** Newton's method converges quadratically near the solution
    (the Hessian is Lipschitz in ``u`` as long as no triangle degenerates);
    on a fixed triangulation the solution may not exist, and the run then
    ends ``"diverged"`` or ``"max_steps"``.

    References: F. Luo, *Combinatorial Yamabe flow on surfaces*, Commun.
    Contemp. Math. 6 (2004); B. Springborn, P. Schröder, U. Pinkall,
    *Conformal equivalence of triangle meshes*, ACM TOG 27(3) (2008).
    """
    metric = as_metric(mesh_or_metric, "curvature_flow")
    _check_options(method, dt, tol, max_steps)
    flips = _check_flips(flips, method)
    target_K, fixed = _target_and_fixed(metric, target)
    if method == "newton":
        fixed = _pin_components(metric.mesh, fixed)
    if flips:
        _check_angle_sums(metric.mesh, target_K)
        energy = DelaunayConformalEnergy(metric, target_K)
    else:
        energy = ConformalEnergy(metric, target_K)
    mesh = metric.mesh
    prescribed = mesh.referenced_vertices.copy()
    if _is_named(target, "flat"):  # the boundary's curvature is not prescribed
        prescribed &= ~mesh.boundary_vertices
    u0 = np.zeros(mesh.n_vertices)

    def curvature_error(u) -> float:
        return float(np.abs(energy.gradient(u)[prescribed]).max(initial=0.0))

    errors = [curvature_error(u0)]

    def watch(step, t, u, value):
        errors.append(curvature_error(u))
        return callback is not None and callback(step, t, u, value)

    def reached(u, gradient) -> bool:
        return float(np.abs(gradient[prescribed]).max(initial=0.0)) <= tol

    flow = _build_flow(energy, metric, method, dt, fixed, reached)
    result = flow.run(
        u0, max_steps=max_steps, callback=watch, record_every=record_every
    )
    if result.converged:
        result.message = (
            f"max |K - K*| = {errors[-1]:.3g} <= tol {tol:.3g} "
            f"after {result.n_steps} steps"
        )
    log.info("curvature flow (%s): %s", method, result.message)
    result.extras.update(
        curvature_error=np.array(errors),
        target=energy.target.copy(),
        fixed=fixed,
        flips=energy.n_flips if flips else 0,
    )
    if flips:
        final = energy.triangulation_at(result.state)
        log.info("curvature flow: %d edge flips", energy.n_flips)
        result.extras.update(metric=_final_metric(final, mesh), triangulation=final)
    else:
        result.extras["metric"] = energy.metric_at(result.state)
    return result


# ---------------------------------------------------------------------- helpers


def _check_options(method, dt, tol, max_steps) -> None:
    if method not in METHODS:
        raise GeomflowError(f"unknown method {method!r}; choose one of {METHODS}")
    if method == "newton" and dt is not None:
        raise GeomflowError(
            "dt is for method='explicit'; Newton's method starts every line "
            "search from the full step"
        )
    if dt is not None and not (np.isfinite(dt) and dt > 0):
        raise GeomflowError(f"dt must be a positive number, got {dt}")
    if not (np.isfinite(tol) and tol >= 0):
        raise GeomflowError(f"tol must be a non-negative number, got {tol}")
    ok = isinstance(max_steps, (int, np.integer)) and not isinstance(max_steps, bool)
    if not ok or max_steps < 0:
        raise GeomflowError(
            f"max_steps must be a non-negative integer, got {max_steps}"
        )


def _check_flips(flips, method) -> bool:
    if flips is None:
        return method == "newton"
    if not isinstance(flips, (bool, np.bool_)):
        raise GeomflowError(f"flips must be True, False or None, got {flips!r}")
    if flips and method != "newton":
        raise GeomflowError(
            f"flips=True needs method='newton'; the {method} flow keeps the input "
            "triangulation"
        )
    return bool(flips)


def _check_angle_sums(mesh: TriangleMesh, K: np.ndarray) -> None:
    """Refuse targets that ask for an angle sum ``<= 0`` (no metric has one)."""
    full = np.where(mesh.boundary_vertices, np.pi, 2.0 * np.pi)
    bad = np.flatnonzero(mesh.referenced_vertices & (full - K <= 0))
    if len(bad):
        raise GeomflowError(
            f"the target curvature at vertices {describe_indices(bad)} is at least "
            f"2 pi inside (pi on the boundary), e.g. K*[{bad[0]}] = {K[bad[0]]:.6g}: "
            "it asks for an angle sum <= 0, which no metric has. Keep K* < 2 pi "
            "(< pi on the boundary); with flips every such target satisfying "
            "Gauss-Bonnet is reached (Gu, Luo, Sun and Wu 2018)"
        )


def _final_metric(final: IntrinsicTriangulation, mesh: TriangleMesh):
    """The final metric as an EdgeMetric, or None if no TriangleMesh holds it."""
    if np.array_equal(final.faces, mesh.faces):
        lengths = np.empty(mesh.n_edges)
        lengths[mesh.face_edges] = final.face_side_lengths()
        return EdgeMetric(mesh, lengths)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GeomflowWarning)  # warned on input
            return final.to_edge_metric(mesh.vertices)
    except MeshError as error:
        log.info("the final triangulation is not a simplicial mesh: %s", error)
        return None


def _is_named(target, name: str) -> bool:
    return isinstance(target, str) and target == name


def _target_and_fixed(metric: EdgeMetric, target) -> tuple[np.ndarray, np.ndarray]:
    """The curvature target ``K*`` and the mask of fixed vertices."""
    mesh = metric.mesh
    n, chi = mesh.n_vertices, mesh.euler_characteristic
    referenced = mesh.referenced_vertices
    fixed = ~referenced
    if isinstance(target, str):
        if target == "uniform":
            K = 2.0 * np.pi * chi / referenced.sum() * referenced
        elif target == "area":
            areas = vertex_areas(metric, "barycentric")
            K = 2.0 * np.pi * chi * areas / areas.sum()
        elif target == "flat":
            _check_flat_topology(mesh)
            K = np.zeros(n)
            fixed = fixed | mesh.boundary_vertices
        else:
            raise GeomflowError(
                f"unknown target {target!r}; choose one of {TARGETS} or pass an "
                f"array of {n} curvatures"
            )
    else:
        K = as_array(target, "target", dtype=np.float64, shape=(n,), finite=True)
        _check_gauss_bonnet(K[referenced], chi)
    return K, fixed


def _check_flat_topology(mesh: TriangleMesh) -> None:
    loops = len(mesh.boundary_loops)
    closed_torus = mesh.is_closed and mesh.n_components == 1 and mesh.genus == 1
    if closed_torus or (loops and _every_component_has_boundary(mesh)):
        return
    raise TopologyError(
        f"target='flat' needs a closed surface of genus 1 or a surface whose every "
        f"component has boundary; this mesh has genus {mesh.genus}, {loops} "
        f"boundary loops and {mesh.n_components} components (chi = "
        f"{mesh.euler_characteristic}). By Gauss-Bonnet a closed surface is flat "
        "only if chi = 0: use target='uniform' or cut it open"
    )


def _check_gauss_bonnet(K: np.ndarray, chi: int) -> None:
    total, expected = float(K.sum()), 2.0 * np.pi * chi
    scale = max(float(np.abs(K).sum()), 2.0 * np.pi)  # chi may be 0
    if abs(total - expected) > 1e-8 * scale:
        raise GeomflowError(
            f"the target curvatures sum to {total:.12g}, but Gauss-Bonnet requires "
            f"2 pi chi = {expected:.12g} (chi = {chi}); they are off by "
            f"{total - expected:.3g}. Shift or rescale the target so it sums to "
            "2 pi chi"
        )


def _vertex_components(mesh: TriangleMesh) -> np.ndarray:
    """``(n,)`` component label per vertex, ``-1`` for vertices in no face."""
    labels = np.full(mesh.n_vertices, -1, dtype=np.int64)
    labels[mesh.faces] = mesh.component_labels()[:, None]
    return labels


def _every_component_has_boundary(mesh: TriangleMesh) -> bool:
    labels = _vertex_components(mesh)
    with_boundary = np.unique(labels[mesh.boundary_vertices])
    return len(with_boundary) == mesh.n_components


def _pin_components(mesh: TriangleMesh, fixed: np.ndarray) -> np.ndarray:
    """Fix the smallest vertex of every component that has no fixed vertex."""
    fixed = fixed.copy()
    labels = _vertex_components(mesh)
    anchored = np.zeros(mesh.n_components, dtype=bool)
    anchored[labels[fixed & (labels >= 0)]] = True
    for component in np.flatnonzero(~anchored):
        fixed[np.flatnonzero(labels == component)[0]] = True
    return fixed


def _build_flow(energy, metric, method, dt, fixed, reached) -> GradientFlow:
    n = metric.mesh.n_vertices
    # Rises below this are round-off in the sum of the energy's terms.
    atol = 1e3 * np.finfo(float).eps * max(energy.magnitude, 1.0)
    if method == "newton":
        return GradientFlow(
            energy,
            HessianInnerProduct(energy, n),
            scheme="newton",
            fixed=fixed,
            energy_atol=atol,
            stop_when=reached,
        )
    if dt is None:
        dt = 1.0 / float(abs(cotan_laplacian(metric)).sum(axis=1).max())
    return GradientFlow(
        energy,
        EuclideanInnerProduct(n),
        scheme="explicit",
        dt=dt,
        adaptive=True,
        fixed=fixed,
        energy_atol=atol,
        stop_when=reached,
    )
