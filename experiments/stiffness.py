"""Stiffness: explicit Euler for the heat flow needs steps that shrink like h².

On icospheres of growing resolution, the largest step at which explicit Euler
for the Dirichlet energy (L2 metric) still lowers the energy is measured by
bisection and compared with the prediction ``2 / lambda_max(M^-1 L)``; its
slope against the mean edge length on a log-log plot is the exponent of
``h``. Backward Euler is run at a hundred times that limit and stays stable.

Run: ``python -m experiments.stiffness`` (or ``geomflow run stiffness``).
"""

from __future__ import annotations

import sys

import numpy as np
import scipy.sparse.linalg as sla

import geomflow as gf

from ._common import output_folder

NAME = "stiffness"

#: Command-line options: (flag, type, default, help); see experiments/__init__.py.
OPTIONS = [
    ("--levels", int, (1, 2, 3, 4), "icosphere levels to measure the stable step on"),
    ("--seed", int, 0, "seed of the random initial temperatures"),
    ("--implicit-factor", float, 100.0, "backward Euler's step, in stable steps"),
]


def largest_eigenvalue(metric) -> float:
    """``lambda_max`` of ``M^-1 L`` (lumped mass): the stiffest mode."""
    L, M = gf.cotan_laplacian(metric), gf.mass_matrix(metric)
    return float(sla.eigsh(L.tocsc(), k=1, M=M.tocsc(), which="LM")[0][0])


def is_stable(metric, u0, dt, steps) -> bool:
    """True when explicit Euler keeps lowering the energy for ``steps`` steps."""
    result = gf.heat_flow(metric, u0, dt=dt, max_steps=steps, scheme="explicit")
    return result.reason != "diverged"


def largest_stable_step(metric, u0, guess, *, steps=1500, rtol=2e-3) -> float:
    """Bisect for the largest stable step between ``0.5 guess`` and ``1.5 guess``."""
    low, high = 0.5 * guess, 1.5 * guess
    if not is_stable(metric, u0, low, steps) or is_stable(metric, u0, high, steps):
        raise gf.GeomflowError("the stability limit is not within [0.5, 1.5] x guess")
    while high - low > rtol * low:
        mid = 0.5 * (low + high)
        low, high = (mid, high) if is_stable(metric, u0, mid, steps) else (low, mid)
    return low


def main(out=None, *, levels=(1, 2, 3, 4), seed=0, implicit_factor=100.0) -> dict:
    folder = output_folder(NAME, out)
    rng = np.random.default_rng(seed)
    rows = []
    for level in levels:
        metric = gf.sample_metric("icosphere", level=level)
        u0 = rng.normal(size=metric.mesh.n_vertices)
        predicted = 2.0 / largest_eigenvalue(metric)
        measured = largest_stable_step(metric, u0, predicted)
        implicit = gf.heat_flow(
            metric, u0, dt=implicit_factor * predicted, max_steps=50
        )
        rows.append(
            {
                "level": level,
                "n_vertices": metric.mesh.n_vertices,
                "h": float(metric.lengths.mean()),
                "predicted_dt": predicted,
                "measured_dt": measured,
                "ratio": measured / predicted,
                "implicit_monotone": bool(
                    np.all(np.diff(implicit.energies) <= 1e-12 * implicit.energies[0])
                ),
                "implicit_reason": implicit.reason,
            }
        )
    h = np.array([r["h"] for r in rows])
    dt = np.array([r["measured_dt"] for r in rows])
    metrics = {
        "levels": rows,
        "h_exponent": float(np.polyfit(np.log(h), np.log(dt), 1)[0]),
        "max_ratio_error": float(max(abs(r["ratio"] - 1) for r in rows)),
        "implicit_factor": implicit_factor,
    }
    gf.results.write_json(folder / "metrics.json", metrics)
    figures(folder, rows)
    return metrics


def figures(folder, rows) -> None:
    h = [r["h"] for r in rows]
    gf.viz.plot_curves(
        {
            "measured (explicit Euler)": (h, [r["measured_dt"] for r in rows]),
            "predicted 2 / lambda_max": (h, [r["predicted_dt"] for r in rows]),
        },
        folder / "stable_step.png",
        xlabel="mean edge length h",
        ylabel="largest stable dt",
        title="Explicit Euler for the heat flow: dt ~ h^2",
        logx=True,
        logy=True,
    )


if __name__ == "__main__":
    from . import parse_command_line

    print(main(**parse_command_line(sys.modules[__name__])))
