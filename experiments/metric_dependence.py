"""Metric dependence: one energy, one start, different inner products.

(a) The Dirichlet energy on a unit square meshed non-uniformly (the left half
has 16 times as many triangles as the right), at two resolutions. Its L2 and
H1 flows approximate one continuous flow, so the two resolutions agree up to
discretization error; the Euclidean flow (``u' = -L u``, blind to the mesh)
moves each vertex at a rate set by the mesh, and the resolutions disagree.
Each flow is compared at the time its coarse run has lost half its energy.

(b) The Ginzburg-Landau energy on a sphere from one random start: Allen-Cahn
(L2) changes the amount of each phase, Cahn-Hilliard (H^-1) conserves it.

Run: ``python -m experiments.metric_dependence``.
"""

from __future__ import annotations

import sys

import numpy as np
from scipy.spatial import Delaunay

import geomflow as gf

from ._common import can_render, output_folder

NAME = "metric_dependence"
INNER_PRODUCTS = ("euclidean", "l2", "h1")

#: Command-line options: (flag, type, default, help); see experiments/__init__.py.
OPTIONS = [
    ("--h", float, 1 / 8, "coarse grid spacing of the two-density square"),
    ("--level", int, 4, "icosphere level for the phase separation"),
    ("--steps", int, 150, "steps of Allen-Cahn and Cahn-Hilliard"),
]


def two_density_square(h: float) -> gf.TriangleMesh:
    """Unit square, spacing ``h / 4`` on the left half and ``h`` on the right.

    Grids with ``h = 1 / 2^k`` are nested, so a coarse mesh's vertices are
    vertices of the finer one.
    """

    def grid(x0, x1, spacing):
        x = np.arange(x0, x1 + 1e-12, spacing)
        y = np.arange(0.0, 1.0 + 1e-12, spacing)
        return np.array(np.meshgrid(x, y, indexing="ij")).reshape(2, -1).T

    points = np.vstack([grid(0.0, 0.5, h / 4), grid(0.5 + h, 1.0, h)])
    faces = Delaunay(points).simplices
    d1 = points[faces[:, 1]] - points[faces[:, 0]]
    d2 = points[faces[:, 2]] - points[faces[:, 0]]
    flip = d1[:, 0] * d2[:, 1] - d1[:, 1] * d2[:, 0] < 0
    faces[flip] = faces[flip][:, ::-1]
    return gf.TriangleMesh(np.column_stack([points, np.zeros(len(points))]), faces)


def initial_function(vertices) -> np.ndarray:
    x, y = vertices[:, 0], vertices[:, 1]
    return np.cos(np.pi * x) + 0.5 * x * np.cos(2 * np.pi * y)


def half_energy_time(metric, u0, inner_product, dt) -> float:
    """Flow time at which the Dirichlet energy first halves."""
    energy = gf.DirichletEnergy(metric)
    target = 0.5 * energy.value(u0)
    result = gf.gradient_flow(
        energy,
        u0,
        inner_product=inner_product,
        dt=dt,
        max_steps=100000,
        callback=lambda step, t, x, e: e <= target,
    )
    return float(result.times[-1])


def common_values(coarse_mesh, fine_mesh, fine_values) -> np.ndarray:
    """The fine values at the vertices the fine mesh shares with the coarse one."""
    key = {tuple(np.round(p, 9)): i for i, p in enumerate(fine_mesh.vertices)}
    index = np.array([key[tuple(np.round(p, 9))] for p in coarse_mesh.vertices])
    return fine_values[index]


def compare_resolutions(h: float = 1 / 8, steps: int = 200) -> dict:
    """Run each inner product at spacing ``h`` and ``h / 2`` to the same time."""
    meshes = [two_density_square(h), two_density_square(h / 2)]
    metrics = [gf.EdgeMetric.from_mesh(m) for m in meshes]
    starts = [initial_function(m.vertices) for m in meshes]
    report = {"n_faces": [m.n_faces for m in meshes]}
    for name in INNER_PRODUCTS:
        guess = 0.05 if name != "euclidean" else 5.0
        t = half_energy_time(metrics[0], starts[0], name, guess / steps)
        finals = [
            gf.gradient_flow(
                gf.DirichletEnergy(g),
                u,
                inner_product=name,
                dt=t / steps,
                max_steps=steps,
            ).state
            for g, u in zip(metrics, starts, strict=True)
        ]
        difference = finals[0] - common_values(meshes[0], meshes[1], finals[1])
        report[name] = {"t": t, "max_difference": float(np.abs(difference).max())}
    return report


def phase_separation(level=4, epsilon=0.08, dt=2e-3, steps=150, seed=0) -> dict:
    """Allen-Cahn and Cahn-Hilliard from one random start on a sphere."""
    metric = gf.sample_metric("icosphere", level=level)
    rng = np.random.default_rng(seed)
    u0 = 0.2 + 0.2 * rng.normal(size=metric.mesh.n_vertices)
    M = gf.vertex_areas(metric)
    results = {}
    for name, flow in (
        ("allen_cahn", gf.allen_cahn),
        ("cahn_hilliard", gf.cahn_hilliard),
    ):
        result = flow(
            metric,
            u0,
            epsilon=epsilon,
            dt=dt,
            max_steps=steps,
            record_every=max(1, steps // 30),
        )
        results[name] = result
    summary = {
        name: {
            "mass_drift": float(M @ r.state - M @ u0),
            "energy_start": float(r.energies[0]),
            "energy_end": float(r.energies[-1]),
            "energy_monotone": bool(
                np.all(np.diff(r.energies) <= 1e-12 * r.energies[0])
            ),
        }
        for name, r in results.items()
    }
    return {"summary": summary, "results": results, "metric": metric}


def main(out=None, *, h=1 / 8, level=4, steps=150, render=True) -> dict:
    folder = output_folder(NAME, out)
    resolutions = compare_resolutions(h)
    phases = phase_separation(level=level, steps=steps)
    metrics = {"resolutions": resolutions, "phase_separation": phases["summary"]}
    gf.results.write_json(folder / "metrics.json", metrics)
    for name, result in phases["results"].items():
        gf.results.save_result(result, folder / name)
    gf.save_mesh(phases["metric"].mesh, folder / "mesh.ply")  # for `geomflow render`
    figures(folder, phases, render)
    return metrics


def figures(folder, phases, render) -> None:
    results = phases["results"]
    gf.viz.plot_curves(
        {name: (r.times, r.energies) for name, r in results.items()},
        folder / "phase_energy.png",
        ylabel="Ginzburg-Landau energy",
        title="Same energy, L2 (Allen-Cahn) vs H^-1 (Cahn-Hilliard)",
    )
    if can_render(render):
        for name, result in results.items():
            gf.viz.plot(
                phases["metric"].mesh,
                result.state,
                folder / f"{name}.png",
                clim=(-1, 1),
                cmap="coolwarm",
                scalar_name="u",
            )
        gf.viz.animate_side_by_side(
            [results["allen_cahn"], results["cahn_hilliard"]],
            phases["metric"].mesh,
            ["Allen-Cahn (L2)", "Cahn-Hilliard (H^-1)"],
            path=folder / "phase_separation.mp4",
            clim=(-1, 1),
            cmap="coolwarm",
            scalar_name="u",
        )


if __name__ == "__main__":
    from . import parse_command_line

    print(main(**parse_command_line(sys.modules[__name__]))["resolutions"])
