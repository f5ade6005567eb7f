r"""Harmonic maps of a surface to the unit sphere and to the unit disk.

A map :math:`f: M \to S^2` is harmonic when it is a critical point of the
Dirichlet energy :math:`E(f) = \tfrac12 \int_M |df|^2` among maps to the
sphere: its *tension*, the tangential part of :math:`\Delta f`, vanishes. For a
genus-0 surface every harmonic map of degree one is conformal, so the
harmonic map heat flow computes a conformal parameterization of the surface
by the sphere (Gu and Yau 2004; Gu, Wang, Chan, Thompson and Yau 2004).

Discretely ``E(f) = 1/2 sum_d f_d^T L f_d`` with ``L`` the cotangent Laplacian
of the *input* metric, which stays fixed: the flow moves the image, never the
source surface, so ``M + dt L`` is factorized once per step size.

The Möbius gauge. Conformal maps of the sphere to itself form a
six-dimensional group, and the energy of a conformal map is invariant under
it, so the flow can drift along the group towards a degenerate map that sends
almost everything to one point (energy tending to zero with every face
collapsed). Gu and Yau fix the gauge by keeping the centre of mass of the
image, :math:`\int_M f \, dA`, at the origin; here it is restored after every
step by a Möbius transformation of the sphere (:func:`_mobius`).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

from .. import map_quality
from ..energies import DirichletEnergy
from ..errors import GeomflowError, GeomflowWarning, TopologyError
from ..inner_products import L2InnerProduct
from ..linalg import Factorization
from ..mesh import TriangleMesh
from ..metric import EdgeMetric, as_metric
from ..operators import cotan_laplacian, mass_matrix
from .engine import CONVERGED, FlowResult, GradientFlow

__all__ = ["harmonic_map_to_sphere", "harmonic_map_to_disk", "INITS"]

log = logging.getLogger(__name__)

#: The starting maps :func:`harmonic_map_to_sphere` knows.
INITS = ("auto", "centroid", "tutte")


# ---------------------------------------------------------------------- topology


def _require_topology(mesh: TriangleMesh, loops: int, what: str) -> None:
    n_loops = len(mesh.boundary_loops)
    if mesh.n_components != 1 or mesh.genus != 0 or n_loops != loops:
        raise TopologyError(
            f"{what} needs a connected genus-0 mesh with {loops} boundary loop(s); "
            f"this mesh has genus {mesh.genus}, {n_loops} boundary loop(s) and "
            f"{mesh.n_components} component(s). "
            + (
                "Close the holes (fill the boundary loops) or use "
                "gf.harmonic_map_to_disk for a disk."
                if loops == 0
                else "Cut the surface to a disk or use gf.harmonic_map_to_sphere "
                "for a closed genus-0 surface."
            )
        )


# ---------------------------------------------------------------------- gauge


def _mobius(x: np.ndarray, c: np.ndarray) -> np.ndarray:
    r"""The Möbius transformation of the unit sphere that sends ``c`` to the centre.

    For :math:`|c| < 1` and :math:`|x| = 1`,

    .. math::

        T_c(x) = \frac{(1 - |c|^2)(x - c)}{|x - c|^2} - c,

    the restriction to the sphere of the hyperbolic isometry of the unit ball
    moving ``c`` to ``0``. It maps the sphere onto itself conformally; near
    ``c = 0``, :math:`T_c(x) \approx x - 2 (I - x x^\top) c`: a boost that
    pushes points away from ``c``.
    """
    d = x - c
    return (1.0 - c @ c) * d / np.einsum("ij,ij->i", d, d)[:, None] - c


def _centre_gauge(
    f: np.ndarray, weights: np.ndarray, tol: float = 1e-13, max_iter: int = 50
) -> tuple[np.ndarray, float]:
    r"""Move the weighted centre of mass of ``f`` to the origin by Möbius maps.

    Newton's method on :math:`C(c) = \sum_i w_i T_c(f_i)`, linearized at
    ``c = 0`` after each update (the maps compose): the Jacobian is
    :math:`-2 \sum_i w_i (I - f_i f_i^\top)`, so each iteration solves a 3x3
    system and applies :math:`T_c`. A step is shortened to
    :math:`|c| \le 1/2` to stay well inside the ball.

    Returns the new map and the remaining centre-of-mass norm.
    """
    w = weights / weights.sum()
    for _ in range(max_iter):
        centre = w @ f
        size = float(np.linalg.norm(centre))
        if size < tol:
            break
        jac = 2.0 * (np.eye(3) - np.einsum("i,ij,ik->jk", w, f, f))
        c = np.linalg.solve(jac, centre)
        norm = np.linalg.norm(c)
        if norm > 0.5:
            c *= 0.5 / norm
        f = _mobius(f, c)
        f /= np.linalg.norm(f, axis=1, keepdims=True)
    return f, float(np.linalg.norm(w @ f))


# ---------------------------------------------------------------------- starts


def _normalize(f: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(f, axis=1, keepdims=True)
    bad = np.flatnonzero(norms[:, 0] < 1e-300)
    if len(bad):
        raise GeomflowError(
            f"vertices {bad[:10].tolist()} are mapped to the centre of the sphere, so "
            "they have no direction; use init='tutte' for such a surface"
        )
    return f / norms


def _centroid_start(metric: EdgeMetric, areas: np.ndarray) -> np.ndarray:
    """Radial projection about the area-weighted centroid (star-shaped inputs)."""
    x = metric.mesh.vertices
    return _normalize(x - areas @ x / areas.sum())


def _tutte_start(mesh: TriangleMesh) -> np.ndarray:
    r"""A degree-one map of any genus-0 mesh: Tutte embedding + stereographic.

    Face 0 is removed, its corners pinned on an equilateral triangle of the
    plane, and the other vertices placed by solving the graph Laplace
    equation with unit weights. By Tutte's theorem (convex boundary, positive
    weights) this is an embedding of the remaining disk; the inverse
    stereographic projection :math:`\sigma^{-1}(w) = (2w, |w|^2 - 1) /
    (|w|^2 + 1)` takes it to the sphere, the removed face to a cap about the
    north pole.
    """
    n = mesh.n_vertices
    a, b, c = (int(v) for v in mesh.faces[0])
    pinned = np.array([a, c, b])  # the disk's boundary runs against the face
    angles = 2.0 * np.pi * np.arange(3) / 3.0
    plane = np.zeros((n, 2))
    plane[pinned] = np.stack([np.cos(angles), np.sin(angles)], axis=1)

    i, j = mesh.edges[:, 0], mesh.edges[:, 1]
    adjacency = sp.coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
    adjacency = (adjacency + adjacency.T).tocsr()
    graph = (sp.diags(np.asarray(adjacency.sum(axis=1)).ravel()) - adjacency).tocsr()
    free = np.setdiff1d(np.arange(n), pinned)
    rhs = -(graph[free][:, pinned] @ plane[pinned])
    plane[free] = Factorization(graph[free][:, free]).solve(rhs)

    r2 = np.einsum("ij,ij->i", plane, plane)[:, None]
    sphere = np.concatenate([2.0 * plane, r2 - 1.0], axis=1) / (r2 + 1.0)
    if 2 * len(map_quality.flipped_faces(mesh, sphere)) > mesh.n_faces:
        sphere[:, 0] *= -1.0  # a reflection fixes the orientation
    return sphere


def _start(metric: EdgeMetric, areas: np.ndarray, init) -> np.ndarray:
    mesh = metric.mesh
    if not isinstance(init, str):
        return _normalize(np.array(init, dtype=np.float64).reshape(mesh.n_vertices, 3))
    if init not in INITS:
        raise GeomflowError(f"unknown init {init!r}; choose one of {INITS}")
    if init in ("auto", "centroid"):
        f = _centroid_start(metric, areas)
        if init == "centroid" or not len(map_quality.flipped_faces(mesh, f)):
            return f
        log.info("centroid start folds faces; using the Tutte start instead")
    return _tutte_start(mesh)


def _check_degree(mesh: TriangleMesh, f: np.ndarray) -> float:
    degree = map_quality.sphere_map_degree(mesh, f)
    if abs(degree - 1.0) > 0.25:
        flips = map_quality.flipped_faces(mesh, f)
        raise GeomflowError(
            f"the starting map has degree {degree:.3f}, not 1 ({len(flips)} of "
            f"{mesh.n_faces} faces turned over), so the flow cannot reach a "
            "conformal map; start from init='tutte'"
        )
    return degree


# ---------------------------------------------------------------------- sphere


def _tangent_part(v: np.ndarray, f: np.ndarray) -> np.ndarray:
    """``v`` with its component along the unit vectors ``f`` removed, row by row."""
    return v - np.einsum("ij,ij->i", v, f)[:, None] * f


def _tension_field(L, areas: np.ndarray, f: np.ndarray) -> np.ndarray:
    r"""``(n, 3)`` tangential part of :math:`-M^{-1} L f` at every vertex."""
    return _tangent_part(-(L @ f) / areas[:, None], f)


def _remove_boosts(areas: np.ndarray, f: np.ndarray, t: np.ndarray) -> np.ndarray:
    r"""``t`` made :math:`M`-orthogonal to the boost fields :math:`P_T e_k`.

    :math:`P_T e_k = e_k - f f_k` (:math:`k = x, y, z`) are the infinitesimal
    Möbius boosts, the directions in which the gauge moves the centre of mass.
    For unit ``f`` their Gram matrix is :math:`\sum_i a_i (I - f_i f_i^\top)`,
    and :math:`\sum_k c_k P_T e_k = c - f (f \cdot c)`.
    """
    af = areas[:, None] * f
    gram = areas.sum() * np.eye(3) - f.T @ af
    rhs = areas @ t - af.T @ np.einsum("ij,ij->i", f, t)
    c = np.linalg.solve(gram, rhs)
    return t - c + (f @ c)[:, None] * f


def _tension(L, areas: np.ndarray, f: np.ndarray, gauged: bool = False) -> float:
    r"""Size of the tension, optionally modulo the gauge directions.

    The area-weighted norm :math:`(\sum_i a_i |t_i|^2)^{1/2}` of the tension
    field times :math:`(A / 4\pi)^{1/2}`, ``A`` the total area: the norm the
    tension would have on the surface scaled to the area of the unit sphere,
    so that a tolerance means the same whatever the unit of length.

    With ``gauged=True`` the tension is first made :math:`M`-orthogonal to the
    boost fields (:func:`_remove_boosts`). The discrete energy is only
    approximately Möbius invariant, so its minimizer among maps with centre
    of mass at the origin keeps a tension along these fields of the size of
    the discretization error: a Lagrange multiplier of the constraint, not a
    sign that the flow has further to go.
    """
    t = _tension_field(L, areas, f)
    if gauged:
        t = _remove_boosts(areas, f, t)
    size = areas @ np.einsum("ij,ij->i", t, t) * areas.sum() / (4.0 * np.pi)
    return float(np.sqrt(size))


class _SphereDirichletEnergy(DirichletEnergy):
    r"""The Dirichlet energy of maps to the sphere, and its differential there.

    The value and the Hessian ``L`` are those of the Dirichlet energy of maps
    to :math:`\mathbb R^3`. With ``tangent=True`` the differential is that of
    the energy restricted to maps into :math:`S^2`: the covector
    :math:`M P_T (M^{-1} L f)` of the tangential gradient, made
    :math:`M`-orthogonal to the Möbius boosts when ``gauge`` is on. Its norm in
    the lumped :math:`L^2` inner product is the tension of :func:`_tension`
    before that function's scale factor.
    With ``tangent=False`` it is the plain ``L f``, and an implicit step with
    it is the textbook heat step :math:`(M + dt L) f^* = M f`.
    """

    def __init__(
        self, metric: EdgeMetric, areas: np.ndarray, tangent: bool, gauge: bool
    ):
        super().__init__(metric)
        self.areas, self.tangent, self.gauge = areas, tangent, gauge

    def gradient(self, f):
        g = self.A @ f
        if not self.tangent:
            return g
        t = _tangent_part(g / self.areas[:, None], f)
        if self.gauge:
            t = _remove_boosts(self.areas, f, t)
        return self.areas[:, None] * t


def harmonic_map_to_sphere(
    mesh_or_metric,
    *,
    init="auto",
    dt: float | None = None,
    tol: float = 1e-6,
    max_steps: int = 2000,
    step: str = "tangent",
    gauge: bool = True,
    callback: Callable | None = None,
    record_every: int | None = None,
) -> FlowResult:
    r"""Conformal map of a closed genus-0 surface to the unit sphere.

    Runs the harmonic map heat flow :math:`\partial_t f = \Delta f + |df|^2 f`
    (the :math:`L^2` gradient flow of the Dirichlet energy among maps to
    :math:`S^2`) until the tension is below ``tol``. Each step

    1. an implicit heat step with the input metric's fixed ``L`` and lumped
       ``M``: for ``step="heat"`` the plain one, :math:`(M + dt L) f^* = M f`;
       for ``step="tangent"`` (default) the same matrix applied to the
       tangential part :math:`r = P_T L f` of the gradient only,
       :math:`f^* = f - dt (M + dt L)^{-1} r`;
    2. a projection back to the sphere, :math:`f_i \leftarrow f^*_i / |f^*_i|`;
    3. the Möbius gauge: a Möbius transformation of the sphere that brings the
       area-weighted centre of mass :math:`\sum_i a_i f_i` back to the origin
       (Gu and Yau 2004).

    The steps are those of the implicit scheme of
    :class:`~geomflow.GradientFlow` in the lumped :math:`L^2` inner product,
    with the projection and the gauge as its ``post_step``; its energy monitor
    rejects a step that raises the energy and retries it with half the step.

    Parameters
    ----------
    mesh_or_metric : TriangleMesh or EdgeMetric
        Closed, connected, genus 0. A mesh stands for its induced metric; a
        metric (for example one a curvature flow returned) gives the map of
        its own conformal structure, and its mesh's vertex positions serve
        only the centroid start.
    init : {"auto", "centroid", "tutte"} or (n, 3) array
        ``"centroid"`` projects the vertices radially about their
        area-weighted centroid (fine for star-shaped surfaces); ``"tutte"``
        maps a Tutte embedding of the mesh minus one face to the sphere by
        inverse stereographic projection (any genus-0 mesh); ``"auto"`` takes
        the centroid start unless it turns a face over.
    dt : float, optional
        Time step; default ``total area / 4``, a step at which the low modes of
        ``M^{-1} L`` relax in a few steps.
    tol : float
        Stop when the tension, the area-weighted norm
        :math:`\big(\sum_i a_i |P_{T_i} (M^{-1} L f)_i|^2\big)^{1/2}` times
        :math:`(A / 4\pi)^{1/2}` (``A`` the total area, so that the test does
        not depend on the unit of length), is below it.
    max_steps : int
    step : {"tangent", "heat"}
        ``"heat"`` is the textbook scheme. Its fixed points have a tension of
        order ``dt`` (the heat step also shrinks ``f`` radially, and the
        projection undoes that only approximately), so it reaches a small
        ``tol`` only with a small ``dt``. ``"tangent"`` stops exactly where the
        tension vanishes.
    gauge : bool
        Apply the Möbius gauge (turn it off only to watch the flow collapse).
    callback : callable, optional
        ``callback(step, t, f, energy)``; returning True stops the run.
    record_every : int, optional
        Record a :class:`~geomflow.flows.engine.Frame` every so many steps.

    Returns
    -------
    FlowResult
        ``state`` is ``(n, 3)`` unit vectors; ``energies`` the Dirichlet
        energies, ``residuals`` the tensions. ``extras``: ``metric`` (of the
        input), ``centre_of_mass`` (norm of the area-weighted centre of the
        final map), ``conformality_gap``, ``flipped_faces``, ``degree``, ``init``.

    Raises
    ------
    TopologyError
        If the mesh is not closed, connected and of genus 0.
    GeomflowError
        If the starting map does not have degree one.

    Notes
    -----
    The conformality gap of the result is discretization error, of second
    order in the edge length: on the 2,930-vertex Spot cow it is 4.2e-3, and
    1.1e-3, 2.8e-4, 7.1e-5 after one to three midpoint subdivisions
    (:func:`geomflow.subdivide`, which keeps the polyhedral surface). To
    reach a smaller gap, refine the mesh; more steps do not help.

    References
    ----------
    X. Gu and S.-T. Yau, "Computing conformal structures of surfaces",
    Communications in Information and Systems 2(2), 2002; X. Gu, Y. Wang,
    T. F. Chan, P. M. Thompson and S.-T. Yau, "Genus zero surface conformal
    mapping and its application to brain surface mapping", IEEE Trans. Medical
    Imaging 23(8), 2004.
    """
    metric = as_metric(mesh_or_metric, "harmonic_map_to_sphere")
    mesh = metric.mesh
    _require_topology(mesh, 0, "a harmonic map to the sphere")
    if step not in ("tangent", "heat"):
        raise GeomflowError(f"step must be 'tangent' or 'heat', got {step!r}")
    L = cotan_laplacian(metric)
    areas = mass_matrix(metric, "lumped").diagonal()
    dt = float(dt) if dt is not None else metric.total_area() / 4.0
    if not (np.isfinite(dt) and dt > 0):
        raise GeomflowError(f"dt must be a positive number, got {dt}")

    f = _start(metric, areas, init)
    if gauge:  # first: the Tutte start has its removed face on a great circle
        f, _ = _centre_gauge(f, areas)
    degree = _check_degree(mesh, f)

    def project(g):
        g = _normalize(g)
        return _centre_gauge(g, areas)[0] if gauge else g

    tensions: list[float] = []

    def converged(f, _differential):
        tensions.append(_tension(L, areas, f, gauge))
        return tensions[-1] < tol

    flow = GradientFlow(
        _SphereDirichletEnergy(metric, areas, step == "tangent", gauge),
        L2InnerProduct(metric),
        scheme="implicit",
        dt=dt,
        adaptive=True,
        post_step=project,
        stop_when=converged,
        max_halvings=40,
    )
    run = flow.run(f, max_steps=max_steps, callback=callback, record_every=record_every)
    rows = zip(flow.history, tensions, strict=True)
    history = [(t, e, tension, h) for (t, e, _, h), tension in rows]
    extras = {
        "tension": _tension(L, areas, run.state),
        "degree": degree,
        "init": init if isinstance(init, str) else "array",
    }
    return _result(mesh, metric, run, history, areas, extras)


def _result(mesh, metric, run: FlowResult, history, areas, extras) -> FlowResult:
    """The engine's result with the tensions as residuals and the map's quality."""
    f, tension = run.state, history[-1][2]
    reason = run.reason
    if reason == CONVERGED:
        message = f"tension {tension:.3g} after {len(history) - 1} steps"
    else:
        message = f"{run.message}; tension {tension:.3g}"
    log.info("harmonic map to the sphere: %s: %s", reason, message)
    extras = {
        "metric": metric,
        "centre_of_mass": float(np.linalg.norm(areas @ f / areas.sum())),
        "conformality_gap": map_quality.conformality_gap(metric, f),
        "flipped_faces": map_quality.flipped_faces(mesh, f),
        **extras,
    }
    return FlowResult.from_history(
        f,
        history,
        reason,
        n_rejected=run.n_rejected,
        message=message,
        frames=run.frames,
        extras=extras,
    )


# ---------------------------------------------------------------------- disk


def _circle_boundary(metric: EdgeMetric) -> tuple[np.ndarray, np.ndarray]:
    """The boundary loop and its images on the unit circle, spaced by arc length."""
    mesh = metric.mesh
    loop = mesh.boundary_loops[0]
    steps = metric.lengths[mesh.edge_index(loop, np.roll(loop, -1))]
    arc = np.concatenate([[0.0], np.cumsum(steps)[:-1]]) / steps.sum()
    angle = 2.0 * np.pi * arc
    return loop, np.stack([np.cos(angle), np.sin(angle)], axis=1)


def harmonic_map_to_disk(
    mesh_or_metric,
    boundary: str = "circle",
    *,
    method: str = "direct",
    dt: float | None = None,
    tol: float = 1e-10,
    max_steps: int = 1000,
    record_every: int | None = None,
) -> FlowResult:
    r"""Harmonic map of a disk-like surface onto the unit disk.

    The boundary loop goes onto the unit circle, its vertices spaced by arc
    length (the first vertex of the loop at angle 0, counter-clockwise as the
    loop runs). The interior solves the discrete Dirichlet problem

    .. math::

        L_{II} f_I = -L_{IB} f_B ,

    one sparse solve with two right-hand sides (``method="direct"``), or the
    heat flow with the boundary held fixed,
    :math:`(M + dt L)_{II} f_I^+ = M_{II} f_I - dt L_{IB} f_B` from
    :math:`f_I = 0`, until the interior residual
    :math:`|L_{II} f_I + L_{IB} f_B|_{M^{-1}}` falls below ``tol`` times its
    initial value (``method="flow"``, whose limit is the direct solution).

    With positive weights the result would be an embedding (Tutte 1963,
    Floater 1997); cotangent weights turn negative at edges whose opposite
    angles sum to more than pi, and then faces can fold: a
    :class:`~geomflow.GeomflowWarning` says how many weights are negative and
    ``result.folds`` lists the folded faces.

    Parameters
    ----------
    mesh_or_metric : TriangleMesh or EdgeMetric
        Connected, genus 0, one boundary loop; a mesh stands for its induced
        metric.
    boundary : {"circle"}
    method : {"direct", "flow"}
    dt, tol, max_steps, record_every
        For ``method="flow"``: the time step (default the total area), the
        relative residual to stop at, the step limit and how often to record
        a frame. The flow runs on :class:`~geomflow.GradientFlow` (implicit,
        lumped :math:`L^2`, the boundary vertices fixed), whose residual is
        the one above.

    Returns
    -------
    FlowResult
        ``state`` is ``(n, 2)``; ``energies`` the Dirichlet energy (one entry
        for the direct solve). ``extras``: ``folds``, ``metric``,
        ``boundary_loop``, ``n_negative_weights``.

    Raises
    ------
    TopologyError
        If the mesh is not a topological disk.
    """
    metric = as_metric(mesh_or_metric, "harmonic_map_to_disk")
    mesh = metric.mesh
    _require_topology(mesh, 1, "a harmonic map to the disk")
    if boundary != "circle":
        raise GeomflowError(f"boundary must be 'circle', got {boundary!r}")
    if method not in ("direct", "flow"):
        raise GeomflowError(f"method must be 'direct' or 'flow', got {method!r}")
    L = cotan_laplacian(metric)
    negative = int(np.count_nonzero(metric.cotan_weights() < 0))
    if negative:
        warnings.warn(
            f"{negative} cotangent weights are negative (edges that are not locally "
            "Delaunay), so the harmonic map may fold faces; see result.folds",
            GeomflowWarning,
            stacklevel=2,
        )
    loop, circle = _circle_boundary(metric)
    inner = np.setdiff1d(np.arange(mesh.n_vertices), loop)
    f = np.zeros((mesh.n_vertices, 2))
    f[loop] = circle
    L_ii = L[inner][:, inner].tocsc()
    rhs = -(L[inner][:, loop] @ circle)

    areas = mass_matrix(metric, "lumped").diagonal()[inner]

    def residual(f):
        r = L_ii @ f[inner] - rhs
        return float(np.sqrt(np.einsum("id,id->", r, r / areas[:, None])))

    if method == "direct":
        f[inner] = Factorization(L_ii).solve(rhs)
        result = FlowResult.from_history(
            f,
            [(0.0, map_quality.dirichlet_energy(metric, f), residual(f), 0.0)],
            CONVERGED,
        )
    else:
        dt = float(dt) if dt is not None else metric.total_area()
        flow = GradientFlow(
            DirichletEnergy(metric), L2InnerProduct(metric), dt=dt, fixed=loop
        )
        result = flow.run(
            f, tol=tol * residual(f), max_steps=max_steps, record_every=record_every
        )
    folds = map_quality.flipped_faces(mesh, result.state)
    result.message = f"{result.reason}: {len(folds)} folded faces"
    result.extras.update(
        metric=metric, folds=folds, boundary_loop=loop, n_negative_weights=negative
    )
    return result
