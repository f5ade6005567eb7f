"""Ricci sphere: a bumpy sphere flows to uniform curvature, Newton beside Euler.

The discrete conformal curvature flow rescales the edge lengths of the bumpy
sphere, ``l_ij exp((u_i + u_j) / 2)``, until every vertex has the same angle
defect ``4 pi / n``. Newton's method (the flow in the Hessian metric, the
cotangent Laplacian) gets there in a handful of steps; forward Euler in the
Euclidean metric (the discrete Ricci flow) creeps, its error falling
geometrically. Gauss-Bonnet, ``sum K = 4 pi``, holds at every step of both.

Run: ``python -m experiments.ricci_sphere`` (or ``geomflow run ricci_sphere``).
"""

from __future__ import annotations

import sys

import numpy as np

import geomflow as gf

from ._common import can_render, output_folder

NAME = "ricci_sphere"

#: Command-line options: (flag, type, default, help); see experiments/__init__.py.
OPTIONS = [
    ("--level", int, 3, "subdivision level of the bumpy sphere"),
    ("--amplitude", float, 0.15, "height of the bumps, relative to the radius"),
    ("--target", str, "uniform", "curvature target: uniform or area"),
    ("--explicit-steps", int, 300, "steps of the explicit flow"),
    ("--record-every", int, 10, "explicit steps between animation frames"),
    ("--tol", float, 1e-10, "max |K - K*| at which a flow stops"),
]


def run_flows(metric, target, tol, explicit_steps, record_every) -> dict:
    """Newton and explicit flows, each with ``sum K - 4 pi`` after every step."""
    runs = {}
    for method, steps, every in [
        ("newton", 30, 1),
        ("explicit", explicit_steps, record_every),
    ]:
        gauss_bonnet = [total_curvature_error(metric, np.zeros(metric.mesh.n_vertices))]

        def watch(step, t, u, energy, gauss_bonnet=gauss_bonnet):
            gauss_bonnet.append(total_curvature_error(metric, u))

        result = gf.curvature_flow(
            metric,
            target=target,
            method=method,
            tol=tol,
            max_steps=steps,
            callback=watch,
            record_every=every,
        )
        runs[method] = (result, np.array(gauss_bonnet))
    return runs


def total_curvature_error(metric, u) -> float:
    """``|sum K - 2 pi chi|`` of the metric rescaled by ``u``."""
    chi = metric.mesh.euler_characteristic
    return abs(float(metric.conformal(u).angle_defects().sum()) - 2 * np.pi * chi)


def frame_curvatures(metric, result) -> np.ndarray:
    """``(k, n)`` pointwise curvature (defect per vertex area) of each frame."""
    return np.stack(
        [gf.gaussian_curvature(metric.conformal(f.state)) for f in result.frames]
    )


def main(
    out=None,
    *,
    level=3,
    amplitude=0.15,
    target="uniform",
    explicit_steps=300,
    record_every=10,
    tol=1e-10,
    render=True,
) -> dict:
    folder = output_folder(NAME, out)
    metric = gf.sample_metric("bumpy_sphere", level=level, amplitude=amplitude)
    runs = run_flows(metric, target, tol, explicit_steps, record_every)
    newton, explicit = runs["newton"][0], runs["explicit"][0]
    metrics = {
        "level": level,
        "n_vertices": metric.mesh.n_vertices,
        "target": target,
        "initial_error": float(newton.curvature_error[0]),
        "newton_steps": newton.n_steps,
        "newton_reason": newton.reason,
        "newton_final_error": float(newton.curvature_error[-1]),
        "newton_errors": newton.curvature_error,
        "explicit_steps": explicit.n_steps,
        "explicit_reason": explicit.reason,
        "explicit_final_error": float(explicit.curvature_error[-1]),
        "explicit_rejected": explicit.n_rejected,
        "explicit_rate_per_step": rate_per_step(explicit.curvature_error),
        "gauss_bonnet_error_max": float(
            max(runs[m][1].max() for m in ("newton", "explicit"))
        ),
        "shape_difference": shape_difference(newton.metric, explicit.metric),
    }
    gf.results.write_json(folder / "metrics.json", metrics)
    for method, (result, _) in runs.items():
        gf.results.save_result(result, folder / method)
    gf.save_mesh(metric.mesh, folder / "mesh.ply")
    figures(folder, metric, runs, render)
    return metrics


def rate_per_step(errors) -> float:
    """Geometric mean factor by which the error falls per step (second half)."""
    errors = np.asarray(errors)
    half = errors[len(errors) // 2 :]
    if len(half) < 2 or half[-1] <= 0:
        return float("nan")
    return float((half[-1] / half[0]) ** (1.0 / (len(half) - 1)))


def shape_difference(a: gf.EdgeMetric, b: gf.EdgeMetric) -> float:
    """Spread of ``log(a / b)`` over the edges: zero when equal up to scale."""
    ratio = np.log(a.lengths / b.lengths)
    return float(np.abs(ratio - ratio.mean()).max())


def figures(folder, metric, runs, render) -> None:
    gf.viz.plot_curves(
        {
            f"{method} ({result.n_steps} steps)": (
                np.arange(len(result.curvature_error)),
                result.curvature_error,
            )
            for method, (result, _) in runs.items()
        },
        folder / "curvature_error.png",
        xlabel="step",
        ylabel="max |K - K*| (angle defect)",
        logy=True,
        title="Curvature flow on the bumpy sphere",
    )
    if not can_render(render):
        return
    newton, explicit = runs["newton"][0], runs["explicit"][0]
    curvatures = [frame_curvatures(metric, r) for r in (explicit, newton)]
    values = np.concatenate(curvatures)
    clim = tuple(float(v) for v in np.percentile(values, [1, 99]))
    style = {"clim": clim, "cmap": "coolwarm", "scalar_name": "K (defect / area)"}
    gf.viz.plot(metric.mesh, curvatures[0][0], folder / "start.png", **style)
    gf.viz.plot(metric.mesh, curvatures[1][-1], folder / "end.png", **style)
    for suffix, size in [(".mp4", None), (".gif", (960, 368))]:
        gf.viz.animate_side_by_side(
            [explicit, newton],
            metric.mesh,
            ["explicit (Ricci flow)", "Newton"],
            path=folder / f"curvature{suffix}",
            scalars=curvatures,
            window_size=size,
            fps=8,
            **style,
        )


if __name__ == "__main__":
    from . import parse_command_line

    print(main(**parse_command_line(sys.modules[__name__])))
