"""Heat diffusion: a hot spot spreading over a surface.

A Gaussian hot spot on a sample mesh flows by the heat equation (backward
Euler in the L2 metric). The Dirichlet energy falls at every step, the total
heat ``1^T M u`` stays put, and the temperature settles at its mean.

Run: ``python -m experiments.heat_diffusion`` (or ``geomflow run heat_diffusion``).
"""

from __future__ import annotations

import sys

import numpy as np

import geomflow as gf

from ._common import can_render, output_folder

NAME = "heat_diffusion"

#: Command-line options: (flag, type, default, help); see experiments/__init__.py.
OPTIONS = [
    ("--mesh", str, "bumpy_sphere", "sample mesh to diffuse on (geomflow meshes)"),
    ("--level", int, None, "subdivision level of the sample mesh, where it has one"),
    ("--dt", float, 2e-3, "time step of backward Euler"),
    ("--t-end", float, 1.0, "flow time to stop at"),
    ("--record-every", int, 10, "steps between recorded frames of the animation"),
]


def hot_spot(mesh: gf.TriangleMesh, width: float = 0.25) -> np.ndarray:
    """A Gaussian bump of the given width around the vertex of largest x."""
    centre = mesh.vertices[np.argmax(mesh.vertices[:, 0])]
    distance2 = np.sum((mesh.vertices - centre) ** 2, axis=1)
    return np.exp(-distance2 / (2 * width**2))


def main(
    out=None,
    *,
    mesh="bumpy_sphere",
    dt=2e-3,
    t_end=1.0,
    record_every=10,
    render=True,
    level=None,
    **mesh_params,
) -> dict:
    folder = output_folder(NAME, out)
    if level is not None:
        mesh_params["level"] = level
    metric = gf.sample_metric(mesh, **mesh_params)
    u0 = hot_spot(metric.mesh)
    result = gf.heat_flow(metric, u0, dt=dt, t_end=t_end, record_every=record_every)
    areas = gf.vertex_areas(metric)
    heat = result.frame_states @ areas
    mean = areas @ u0 / metric.total_area()
    metrics = {
        "mesh": mesh,
        "n_vertices": metric.mesh.n_vertices,
        "steps": result.n_steps,
        "total_heat": float(areas @ u0),
        "heat_drift_relative": float(np.abs(heat - heat[0]).max() / abs(heat[0])),
        "energy_non_increasing": bool(
            np.all(np.diff(result.energies) <= 1e-12 * result.energies[0])
        ),
        "final_max_deviation_from_mean": float(np.abs(result.state - mean).max()),
    }
    gf.results.write_json(folder / "metrics.json", metrics)
    gf.results.save_result(result, folder / "heat")
    gf.save_mesh(metric.mesh, folder / "mesh.ply")  # for `geomflow render`
    figures(folder, metric, result, heat, render)
    return metrics


def figures(folder, metric, result, heat, render) -> None:
    gf.viz.plot_curves(
        {"Dirichlet energy": (result.times, result.energies)},
        folder / "energy.png",
        ylabel="energy",
        logy=True,
        title="Heat flow: the Dirichlet energy falls",
    )
    gf.viz.plot_curves(
        {"total heat": (result.frame_times, heat)},
        folder / "total_heat.png",
        ylabel="1^T M u",
        title="Heat flow: the total heat is conserved",
    )
    if can_render(render):
        gf.viz.plot(
            metric.mesh,
            result.frames[0].state,
            folder / "start.png",
            clim=(0, 1),
            cmap="inferno",
            scalar_name="temperature",
        )
        gf.viz.plot(
            metric.mesh,
            result.state,
            folder / "end.png",
            clim=(0, 1),
            cmap="inferno",
            scalar_name="temperature",
        )
        style = {"clim": (0, 1), "cmap": "inferno", "scalar_name": "temperature"}
        gf.viz.animate(
            result, metric.mesh, path=folder / "heat.mp4", title="heat flow", **style
        )
        gf.viz.animate(
            result,
            metric.mesh,
            path=folder / "heat.gif",
            window_size=(480, 368),
            **style,
        )


if __name__ == "__main__":
    from . import parse_command_line

    print(main(**parse_command_line(sys.modules[__name__])))
