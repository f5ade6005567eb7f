r"""The one driver of every flow: ``x' = -G(x)^{-1} dE(x)``.

A :class:`GradientFlow` combines an :class:`~geomflow.energies.Energy`, an
:class:`~geomflow.inner_products.InnerProduct` (``G^{-1} = A^{-1} B``) and a
time-stepping scheme. Each scheme takes a step ``x -> x + d``:

``"explicit"``
    forward Euler, ``d = -dt A^{-1} B dE(x)``. Stable only for small steps
    (for the heat flow ``dt < 2 / lambda_max(M^{-1} L)``).
``"implicit"``
    linearly implicit (one Newton iteration of backward Euler),
    ``(A + dt B H(x)) d = -dt B dE(x)``; exact backward Euler for quadratic
    energies, stable at any step for convex ones.
``"convex_concave"``
    ``A d + dt B (dE_c(x + d) + dE_e(x)) = 0``, solved by Newton's method, for
    an energy split into convex ``E_c`` and concave ``E_e`` parts (Eyre 1998):
    the energy decreases at every step, whatever its size.
``"newton"``
    ``d = -s H(x)^{-1} dE(x)`` with a backtracking line search on ``E`` for
    ``s``: explicit Euler in the Hessian metric, with step ``s`` as its time.

An energy monitor watches every step: a step that raises the energy is
rejected and retried with half the step when ``adaptive=True``; otherwise the
flow stops with ``reason == "diverged"``. Non-finite values raise
:class:`~geomflow.FlowError` naming the step.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from ..energies import Energy
from ..errors import FlowError, GeomflowError, MetricError
from ..inner_products import HessianInnerProduct, InnerProduct, make_inner_product
from ..linalg import Factorization

__all__ = [
    "GradientFlow",
    "FlowResult",
    "Frame",
    "gradient_flow",
    "progress_bars",
    "SCHEMES",
]

log = logging.getLogger(__name__)

SCHEMES = ("explicit", "implicit", "convex_concave", "newton")

#: Reasons a run stops.
CONVERGED, MAX_STEPS, T_END, DIVERGED, STOPPED = (
    "converged",
    "max_steps",
    "t_end",
    "diverged",
    "stopped",
)


class Frame(NamedTuple):
    """A recorded state of a flow."""

    step: int
    t: float
    state: np.ndarray
    energy: float


@dataclass
class FlowResult:
    """What every flow in geomflow returns.

    Attributes
    ----------
    state : ndarray
        The final state.
    times, energies, residuals, step_sizes : (k + 1,) ndarray
        Per accepted step, starting with the initial state (step size 0).
        The residual is the speed ``|x'|_G = sqrt(dE . G^{-1} dE)``.
    n_steps, n_rejected : int
        Accepted steps, and trial steps rejected by the energy monitor.
    reason : str
        ``"converged"``, ``"max_steps"``, ``"t_end"``, ``"diverged"`` or
        ``"stopped"`` (by the callback).
    message : str
        A sentence on why the run stopped.
    frames : list of Frame
        States recorded every ``record_every`` steps (and the last one).
    extras : dict
        Flow-specific results, also readable as attributes
        (``result.metric`` for a curvature flow).
    """

    state: np.ndarray
    times: np.ndarray
    energies: np.ndarray
    residuals: np.ndarray
    step_sizes: np.ndarray
    n_steps: int
    n_rejected: int
    reason: str
    message: str = ""
    frames: list = field(default_factory=list)
    extras: dict = field(default_factory=dict)

    @classmethod
    def from_history(cls, state, history, reason: str, **fields) -> FlowResult:
        """Build a result from ``(t, energy, residual, dt)`` per accepted state.

        The first row is the initial state; ``fields`` fill the remaining
        attributes (``n_rejected``, ``message``, ``frames``, ``extras``).
        """
        times, energies, residuals, step_sizes = np.array(history, dtype=float).T
        return cls(
            state=state,
            times=times,
            energies=energies,
            residuals=residuals,
            step_sizes=step_sizes,
            n_steps=len(history) - 1,
            n_rejected=fields.pop("n_rejected", 0),
            reason=reason,
            **fields,
        )

    @property
    def converged(self) -> bool:
        return self.reason == CONVERGED

    @property
    def frame_states(self) -> np.ndarray:
        """The recorded states stacked, ``(k, *state.shape)``."""
        return np.stack([f.state for f in self.frames])

    @property
    def frame_times(self) -> np.ndarray:
        return np.array([f.t for f in self.frames])

    def __getattr__(self, name):
        if name != "extras" and name in self.__dict__.get("extras", {}):
            return self.extras[name]
        raise AttributeError(f"FlowResult has no attribute {name!r}")

    def __repr__(self) -> str:
        return (
            f"FlowResult(reason={self.reason!r}, n_steps={self.n_steps}, "
            f"t={self.times[-1]:.6g}, energy={self.energies[-1]:.6g}, "
            f"residual={self.residuals[-1]:.3g})"
        )


@dataclass
class _Evaluation:
    """Energy, differential and velocity of one state (restricted to free dofs)."""

    energy: float
    covector: np.ndarray
    velocity: np.ndarray  # G^{-1} dE on the free dofs
    residual: float
    direction: np.ndarray | None = None  # Newton's search direction from here


class GradientFlow:
    """A gradient flow ready to run from any initial state.

    Parameters
    ----------
    energy : Energy
    inner_product : InnerProduct
    scheme : {"explicit", "implicit", "convex_concave", "newton"}
    dt : float
        Time step (the initial step when ``adaptive``; ignored by Newton).
    adaptive : bool
        Halve and retry a step that raises the energy (or leaves the domain of
        the energy) instead of stopping; grow it again by ``dt_growth``.
    fixed : (n,) bool array or index array, optional
        Degrees of freedom held at their initial values (Dirichlet conditions).
    post_step : callable, optional
        ``x -> x`` applied to every accepted state (a projection or a gauge).
    energy_rtol, energy_atol : float
        Energy rises up to ``energy_rtol * max(|E|, |E_0|) + energy_atol``
        count as round-off, not as a rise.
    stop_when : callable, optional
        ``stop_when(x, dE) -> bool``, a convergence test on the full gradient
        (for example on the curvature error of a curvature flow). A state that
        passes it ends the run as converged without a new factorization: its
        velocity and residual are computed with the last factorized ``G``,
        which for Newton is the Hessian one step back.
    """

    def __init__(
        self,
        energy: Energy,
        inner_product: InnerProduct,
        *,
        scheme: str = "implicit",
        dt: float | None = None,
        adaptive: bool = False,
        fixed=None,
        post_step: Callable | None = None,
        energy_rtol: float = 1e-12,
        energy_atol: float = 1e-14,
        dt_growth: float = 1.0,
        dt_max: float | None = None,
        max_halvings: int = 50,
        armijo: float = 1e-4,
        stop_when: Callable | None = None,
    ):
        if scheme not in SCHEMES:
            raise GeomflowError(f"unknown scheme {scheme!r}; choose one of {SCHEMES}")
        if scheme == "newton" and not isinstance(inner_product, HessianInnerProduct):
            raise GeomflowError(
                "Newton's method is the flow in the Hessian metric: pass "
                "inner_product='hessian' (or leave it unset) with scheme='newton'"
            )
        if scheme != "newton" and not (dt is not None and np.isfinite(dt) and dt > 0):
            raise GeomflowError(f"dt must be a positive number, got {dt}")
        self.energy, self.inner_product, self.scheme = energy, inner_product, scheme
        self.dt = 1.0 if scheme == "newton" else float(dt)
        self.adaptive = adaptive or scheme == "newton"
        self.post_step = post_step
        self.energy_rtol, self.energy_atol = energy_rtol, energy_atol
        self.dt_growth, self.dt_max = dt_growth, dt_max
        self.max_halvings, self.armijo = max_halvings, armijo
        self.stop_when = stop_when
        self._last_factor: Factorization | None = None
        self._converged_at: int | None = None
        self._fixed = fixed
        self._free: np.ndarray | None = None
        self._ops = None
        self._factors: dict = {}
        self._chord: tuple = (None, None)  # dt and factorization of the chord
        self.reason: str | None = None
        self.message = ""
        self.n_rejected = 0
        self.history: list[tuple[float, float, float, float]] = []

    # ------------------------------------------------------------------ running

    def iterate(self, x0, *, t_end: float | None = None) -> Iterator[tuple]:
        """Yield ``(t, x)`` for the initial state and after every accepted step.

        Stops by itself only when the flow diverges (``self.reason`` tells);
        the caller decides when enough steps were taken. ``history`` collects
        ``(t, energy, residual, dt)`` of every yielded state. The yielded
        array is the flow's own; copy it to keep it.
        """
        x = np.array(x0, dtype=np.float64)
        self._setup(x)
        t, dt, step = 0.0, self.dt, 0
        current = self._evaluate(x, step)
        self._e0 = current.energy
        self.history = [(t, current.energy, current.residual, 0.0)]
        yield t, x
        while True:
            if t_end is not None:
                dt = min(dt, t_end - t)
            step += 1
            accepted = self._step(x, current, dt, step)
            if accepted is None:
                return
            x, current, dt_taken = accepted
            t += dt_taken
            self.history.append((t, current.energy, current.residual, dt_taken))
            dt = dt_taken if self.scheme != "newton" else self.dt
            if self.adaptive and self.dt_growth != 1.0:
                dt = min(dt * self.dt_growth, self.dt_max or np.inf)
            yield t, x

    def run(
        self,
        x0,
        *,
        t_end: float | None = None,
        max_steps: int | None = None,
        tol: float | None = None,
        callback: Callable | None = None,
        record_every: int | None = None,
        progress: bool | None = None,
    ) -> FlowResult:
        """Run until converged (residual below ``tol``), ``t_end`` or ``max_steps``.

        ``callback(step, t, x, energy)`` is called after every step; a return
        value of True stops the run (``reason == "stopped"``).
        """
        if t_end is None and max_steps is None and tol is None:
            raise GeomflowError("give at least one of t_end, max_steps or tol")
        frames, reason = [], None
        bar = _progress_bar(progress, max_steps)
        for step, (t, x) in enumerate(self.iterate(x0, t_end=t_end)):
            energy, residual = self.history[-1][1], self.history[-1][2]
            if record_every and step % record_every == 0:
                frames.append(Frame(step, t, x.copy(), energy))
            if bar is not None and step:
                bar.update(1)
                bar.set_postfix(E=f"{energy:.4g}", r=f"{residual:.2g}")
            if callback is not None and step and callback(step, t, x, energy):
                reason, self.message = (
                    STOPPED,
                    f"stopped by the callback at step {step}",
                )
            elif self._converged_at == step:
                reason = CONVERGED
                self.message = f"the convergence test passed at step {step}"
            elif tol is not None and residual <= tol:
                reason = CONVERGED
                self.message = (
                    f"residual {residual:.3g} <= tol {tol:.3g} at step {step}"
                )
            elif t_end is not None and t >= t_end * (1 - 1e-12):
                reason, self.message = T_END, f"reached t_end = {t_end:.6g}"
            elif max_steps is not None and step >= max_steps:
                reason, self.message = MAX_STEPS, f"stopped after {step} steps"
            if reason is not None:
                break
        if bar is not None:
            bar.close()
        if reason is None:
            reason = self.reason or DIVERGED
        if record_every and (not frames or frames[-1].step != step):
            frames.append(Frame(step, t, x.copy(), self.history[-1][1]))
        log.info("%s flow: %s", self.scheme, self.message)
        return self._result(x, reason, frames)

    # ------------------------------------------------------------------ steps

    def _step(self, x, current: _Evaluation, dt: float, step: int):
        """Try steps of size dt, dt/2, ... until one is accepted; None if none is."""
        for _ in range(self.max_halvings + 1):
            try:
                x_new = self._finish(self._propose(x, current, dt))
                energy = self._energy(x_new, step)
                verdict = self._verdict(current, energy, dt)
                if verdict is None:  # only an accepted state needs its gradient
                    return x_new, self._evaluate(x_new, step, energy), dt
            except MetricError as error:  # the step left the domain of the energy
                verdict = f"left the domain of the energy ({error})"
            if not self.adaptive:
                self.reason = DIVERGED
                self.message = (
                    f"step {step} (dt = {dt:.3g}) {verdict}; use a smaller dt, "
                    "adaptive=True or an implicit scheme"
                )
                return None
            self.n_rejected += 1
            log.debug("step %d rejected at dt = %.3g: %s", step, dt, verdict)
            dt *= 0.5
        self.reason = DIVERGED
        self.message = (
            f"step {step}: no step down to dt = {dt:.3g} lowers the energy "
            f"(last attempt {verdict})"
        )
        return None

    def _verdict(self, current: _Evaluation, energy: float, dt: float):
        """None when a trial with this energy is accepted, else why not."""
        scale = max(abs(current.energy), abs(self._e0))
        allowed = self.energy_rtol * scale + self.energy_atol
        if self.scheme == "newton":  # Armijo: demand a decrease, not only no rise
            allowed += self.armijo * dt * _dot(current.covector, current.direction)
        if energy - current.energy <= allowed:
            return None
        return f"raised the energy from {current.energy:.10g} to {energy:.10g}"

    def _propose(self, x, current: _Evaluation, dt: float) -> np.ndarray:
        free = self._free
        A, B = self._operators(x)
        x_new = x.copy()
        if self.scheme == "explicit":
            x_new[free] -= dt * current.velocity
        elif self.scheme == "newton":
            x_new[free] += dt * current.direction
        elif self.scheme == "implicit":
            H = self._restrict(self.energy.hessian(x))
            rhs = -dt * _apply(B, current.covector)
            key = ("implicit", dt) if self._constant_step_matrix() else None
            x_new[free] += self._solve(A + dt * _apply(B, H), rhs, key)
        else:
            x_new[free] = self._convex_concave(x, dt, A, B)
        return x_new

    def _convex_concave(self, x, dt, A, B) -> np.ndarray:
        """Solve ``A (y - x) + dt B (dE_c(y) + dE_e(x)) = 0`` for ``y``.

        A chord (simplified Newton) iteration: the Jacobian
        ``A + dt B H_c(y)`` is factorized once and reused while the updates
        shrink at least twofold per iteration, and refreshed when they do not.
        With a constant inner product the factorization also carries over to
        the next step of the same ``dt``: the state moves little in one step,
        so the old Jacobian usually still contracts, and a flow at a fixed
        step factorizes a few times in all rather than once per step. The
        solution is the same either way: the iteration stops only when its
        update is at round-off.
        """
        convex, concave = self.energy.split()
        free = self._free
        explicit_part = self._restrict_vector(concave.gradient(x))
        y = x.copy()
        reuse = self.inner_product.constant
        factor = self._chord[1] if reuse and self._chord[0] == dt else None
        previous = np.inf
        for _ in range(100):
            g = self._restrict_vector(convex.gradient(y)) + explicit_part
            residual = A @ (y[free] - x[free]) + dt * _apply(B, g)
            if factor is None:
                J = A + dt * _apply(B, self._restrict(convex.hessian(y)))
                factor = Factorization(sp.csr_matrix(J))
                if reuse:
                    self._chord = (dt, factor)
            delta = factor.solve(-residual)
            y[free] += delta
            size = np.abs(delta).max()
            if size <= 1e-13 * (1.0 + np.abs(y[free]).max()):
                return y[free]
            if size > 0.5 * previous:
                factor = None
            previous = size
        raise FlowError(
            "the implicit convex part did not converge in 100 iterations; "
            "use a smaller dt"
        )

    def _finish(self, x_new):
        if self.post_step is not None:
            x_new = self.post_step(x_new)
        return x_new

    def _energy(self, x, step: int) -> float:
        energy = self.energy.value(x)
        if not (np.isfinite(energy) and np.all(np.isfinite(x))):
            raise FlowError(
                f"the {self.scheme} flow produced non-finite values at step {step} "
                f"(energy {energy}); the step was far too large or the energy is "
                "undefined there"
            )
        return energy

    def _evaluate(self, x, step: int, energy: float | None = None) -> _Evaluation:
        """Energy, differential, velocity (and Newton direction) of state ``x``."""
        if energy is None:
            energy = self._energy(x, step)
        gradient = self.energy.gradient(x)
        covector = self._restrict_vector(gradient)
        if not np.all(np.isfinite(covector)):
            raise FlowError(
                f"the {self.scheme} flow produced a non-finite gradient at step "
                f"{step}; the energy is not differentiable there"
            )
        if self.stop_when is not None and self.stop_when(x, gradient):
            self._converged_at = step
            velocity = self._reuse_last_factor(x, covector)
        else:
            velocity = self._riesz(x, covector)
        direction = None
        if self.scheme == "newton":
            descent = _dot(covector, velocity) > 0
            direction = -velocity if descent else -covector
            if not descent:
                log.warning(
                    "Hessian not positive definite at step %d: "
                    "taking a steepest-descent step",
                    step,
                )
        residual = float(np.sqrt(abs(_dot(covector, velocity))))
        return _Evaluation(energy, covector, velocity, residual, direction)

    # ------------------------------------------------------------------ linear algebra

    def _setup(self, x):
        n = len(x)
        free = np.ones(n, dtype=bool)
        if self._fixed is not None:
            fixed = np.asarray(self._fixed)
            if fixed.dtype == bool and fixed.shape == (n,):
                free = ~fixed
            elif fixed.dtype.kind in "iu" and fixed.ndim == 1:
                free[fixed] = False
            else:
                raise GeomflowError(
                    f"fixed must be a boolean mask of length {n} or an index array, "
                    f"got dtype {fixed.dtype} and shape {fixed.shape}"
                )
        if not free.any():
            raise GeomflowError("every degree of freedom is fixed: nothing can flow")
        self._free = free
        self._ops, self._factors, self.n_rejected, self.reason = None, {}, 0, None
        self._chord = (None, None)
        self._last_factor, self._converged_at = None, None

    def _operators(self, x):
        if self._ops is None or not self.inner_product.constant:
            A, B = self.inner_product.operators(x)
            self._ops = (self._restrict(A), None if B is None else self._restrict(B))
        return self._ops

    def _riesz(self, x, covector):
        if self._fixed is None and self.inner_product.constant:
            return self.inner_product.riesz(x, covector)
        A, B = self._operators(x)
        if self.inner_product.constant:
            return self._solve(A, _apply(B, covector), "riesz")
        self._last_factor = Factorization(sp.csr_matrix(A))
        return self._last_factor.solve(_apply(B, covector))

    def _solve(self, matrix, rhs, key):
        factor = self._factors.get(key) if key is not None else None
        if factor is None:
            factor = Factorization(sp.csr_matrix(matrix))
            if key is not None:
                self._factors[key] = factor
        return factor.solve(rhs)

    def _reuse_last_factor(self, x, covector):
        """The velocity with the last factorized ``G`` (one state back), if any."""
        if self._last_factor is None:
            return self._riesz(x, covector)
        return self._last_factor.solve(_apply(self._ops[1], covector))

    def _constant_step_matrix(self) -> bool:
        return self.energy.constant_hessian and self.inner_product.constant

    def _restrict(self, matrix):
        if self._fixed is None:
            return matrix
        free = self._free
        return sp.csr_matrix(matrix)[free][:, free]

    def _restrict_vector(self, v):
        return v if self._fixed is None else v[self._free]

    def _result(self, x, reason, frames) -> FlowResult:
        return FlowResult.from_history(
            x.copy(),
            self.history,
            reason,
            n_rejected=self.n_rejected,
            message=self.message,
            frames=frames,
        )


def _apply(B, y):
    """``B @ y`` where ``B = None`` stands for the identity."""
    return y if B is None else B @ y


def _dot(a, b) -> float:
    return float(np.vdot(a, b))


#: Whether runs show a progress bar when they are not told; see progress_bars.
_SHOW_PROGRESS = False


@contextlib.contextmanager
def progress_bars(enabled: bool = True):
    """Within this block every flow run shows a progress bar (on stderr).

    The ``geomflow`` command turns them on for long work; a library call
    stays silent unless asked with ``progress=True``.
    """
    global _SHOW_PROGRESS
    previous, _SHOW_PROGRESS = _SHOW_PROGRESS, enabled
    try:
        yield
    finally:
        _SHOW_PROGRESS = previous


def _progress_bar(enabled: bool | None, total):
    if not (enabled or (enabled is None and _SHOW_PROGRESS)):
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="step", leave=False)


def gradient_flow(
    energy: Energy,
    x0,
    *,
    inner_product=None,
    scheme: str = "implicit",
    dt: float | None = None,
    t_end: float | None = None,
    max_steps: int | None = None,
    tol: float | None = None,
    callback: Callable | None = None,
    record_every: int | None = None,
    metric=None,
    progress: bool | None = None,
    **options,
) -> FlowResult:
    """Run the gradient flow ``x' = -G^{-1} dE(x)`` of ``energy`` from ``x0``.

    Parameters
    ----------
    energy : Energy
    x0 : (n,) or (n, d) array_like
        Initial state.
    inner_product : str or InnerProduct, optional
        ``"euclidean"``, ``"l2"``, ``"h1"``, ``"h-1"``, ``"hessian"`` or an
        instance; named ones are built on ``metric`` (default: the energy's).
        Default ``"l2"``, or ``"hessian"`` for Newton.
    scheme : {"explicit", "implicit", "convex_concave", "newton"}
        See :mod:`geomflow.flows.engine`. ``"newton"`` implies the Hessian
        inner product.
    dt : float
        Time step (not used by Newton).
    t_end, max_steps, tol : optional
        Stop at this time, after this many steps, or when the residual
        ``|x'|_G`` falls below ``tol``; at least one is required.
    callback : callable, optional
        ``callback(step, t, x, energy)``; returning True stops the run.
    record_every : int, optional
        Record a frame every so many steps (and the last one).
    **options
        Passed to :class:`GradientFlow` (``adaptive``, ``fixed``,
        ``post_step``, ...).

    Returns
    -------
    FlowResult
    """
    x0 = np.asarray(x0, dtype=np.float64)
    if inner_product is None:
        inner_product = "hessian" if scheme == "newton" else "l2"
    if isinstance(inner_product, str) and inner_product.lower() == "hessian":
        inner_product = HessianInnerProduct(energy, len(x0))
    else:
        inner_product = make_inner_product(
            inner_product,
            metric if metric is not None else getattr(energy, "metric", None),
        )
    flow = GradientFlow(energy, inner_product, scheme=scheme, dt=dt, **options)
    return flow.run(
        x0,
        t_end=t_end,
        max_steps=max_steps,
        tol=tol,
        callback=callback,
        record_every=record_every,
        progress=progress,
    )
