"""Sphere map: a genus-0 surface morphs onto the unit sphere by the harmonic map flow.

A closed genus-0 surface (a sample or a mesh file) is mapped conformally to the
unit sphere by :func:`geomflow.harmonic_map_to_sphere`, with every step
recorded. The animation first blends the surface (centred, scaled to the area
of the unit sphere) into the flow's starting map, then plays the flow, each
face coloured by its log area distortion on a colour range fixed for the
whole film. The conformality gap ``E/A - 1`` of every recorded step is drawn
beside the Dirichlet energy, and the final map is judged by its flipped faces,
its mean Beltrami coefficient ``|mu|`` and the centre of mass of its image
(the Möbius gauge keeps it at the origin).

Run: ``python -m experiments.sphere_map`` (or ``geomflow run sphere_map``);
``--mesh ../shared/meshes/g0_spot.obj`` maps a mesh file instead of a sample,
and ``--subdivide K`` refines it ``K`` times by midpoint subdivision first (the
same polyhedral surface, ``4**K`` times the faces): the gap of the final map,
discretization error, falls by about 4 per level.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

import geomflow as gf
from geomflow.flows.engine import Frame

from ._common import can_render, output_folder

NAME = "sphere_map"

#: Command-line options: (flag, type, default, help); see experiments/__init__.py.
OPTIONS = [
    ("--mesh", str, "bumpy_sphere", "genus-0 sample name or mesh file (OBJ/PLY/...)"),
    ("--level", int, None, "subdivision level of the sample mesh, where it has one"),
    ("--subdivide", int, 0, "midpoint subdivisions of the surface before mapping"),
    ("--init", str, "auto", "starting map: auto, centroid or tutte"),
    ("--dt", float, None, "time step of the flow (default: total area / 4)"),
    ("--tol", float, 1e-6, "tension at which the flow stops"),
    ("--record-every", int, 1, "steps between recorded frames"),
    ("--blend-frames", int, 12, "frames blending the surface into the start map"),
]


def load_surface(mesh: str, level: int | None = None) -> gf.TriangleMesh:
    """The sample mesh called ``mesh``, or the mesh in the file ``mesh``."""
    path = Path(mesh)
    if path.suffix.lower() in gf.io.MESH_SUFFIXES or path.exists():
        return gf.load_mesh(path)
    return gf.sample_mesh(mesh, **({} if level is None else {"level": level}))


def main(
    out=None,
    *,
    mesh="bumpy_sphere",
    level=None,
    subdivide=0,
    init="auto",
    dt=None,
    tol=1e-6,
    record_every=1,
    blend_frames=12,
    render=True,
) -> dict:
    folder = output_folder(NAME, out)
    surface = gf.subdivide(load_surface(mesh, level), subdivide)

    start = time.perf_counter()
    result = gf.harmonic_map_to_sphere(
        surface, init=init, dt=dt, tol=tol, record_every=record_every
    )
    seconds = time.perf_counter() - start

    metric = result.extras["metric"]
    steps = np.array([frame.step for frame in result.frames])
    gaps = np.array(
        [gf.map_quality.conformality_gap(metric, f.state) for f in result.frames]
    )
    metrics = {"subdivide": subdivide, **summary(mesh, surface, result, seconds)}
    gf.results.write_json(folder / "metrics.json", metrics)
    gf.results.save_result(result, folder / "sphere_map")
    gf.save_mesh(surface, folder / "mesh.ply")
    figures(folder, result, steps, gaps, blend_frames, render)
    return metrics


def summary(name, surface, result, seconds) -> dict:
    """The numbers of ``metrics.json``: cost, and quality of the final map."""
    metric, f = result.extras["metric"], result.state
    angles = gf.map_quality.angle_distortion(metric, f)
    return {
        "mesh": str(name),
        "n_vertices": surface.n_vertices,
        "n_faces": surface.n_faces,
        "init": result.extras["init"],
        "reason": result.reason,
        "steps": result.n_steps,
        "rejected_steps": result.n_rejected,
        "seconds": seconds,
        "final_tension": float(result.residuals[-1]),
        "final_energy": float(result.energies[-1]),
        "conformality_gap": float(result.extras["conformality_gap"]),
        "flipped_faces": int(len(result.extras["flipped_faces"])),
        "degree": float(gf.map_quality.sphere_map_degree(surface, f)),
        "mean_mu": angles["mean_mu"],
        "max_mu": angles["max_mu"],
        "centre_of_mass_error": float(result.extras["centre_of_mass"]),
        "max_radius_error": float(np.abs(np.linalg.norm(f, axis=1) - 1.0).max()),
    }


# ---------------------------------------------------------------------- figures


def figures(folder, result, steps, gaps, blend_frames, render) -> None:
    gf.viz.plot_curves(
        {"Dirichlet energy": (np.arange(result.n_steps + 1), result.energies)},
        folder / "energy.png",
        xlabel="step",
        ylabel="E(f)",
        title="Harmonic map flow: the energy falls to the area of the image",
    )
    gf.viz.plot_curves(
        {"conformality gap E/A - 1": (steps, gaps)},
        folder / "conformality_gap.png",
        xlabel="step",
        ylabel="E/A - 1",
        logy=True,
        title="Harmonic map flow: the conformality gap",
    )
    if not can_render(render):
        return
    metric = result.extras["metric"]
    film = SimpleNamespace(frames=blend_in(metric, result.frames, blend_frames))
    final = gf.map_quality.area_distortion(metric, result.state)
    reach = max(0.1, float(np.quantile(np.abs(final), 0.99)))
    style = {
        "scalars": lambda frame: gf.map_quality.area_distortion(metric, frame.state),
        "cmap": "coolwarm",
        "clim": (-reach, reach),
        "scalar_name": "log area ratio",
    }
    gf.viz.plot(
        metric.mesh.with_vertices(result.state),
        final,
        folder / "end.png",
        title="final map, log area ratio",
        **_still(style),
    )
    gf.viz.animate(
        film,
        metric.mesh,
        path=folder / "sphere_map.mp4",
        title="to the sphere",
        **style,
    )
    gf.viz.animate(
        film,
        metric.mesh,
        path=folder / "sphere_map.gif",
        window_size=(400, 304),
        fps=8,
        **style,
    )


def _still(style: dict) -> dict:
    return {key: value for key, value in style.items() if key != "scalars"}


def blend_in(metric, frames: list, count: int) -> list:
    """``count`` frames blending the scaled surface into the first flow frame.

    The surface is centred at its area-weighted centroid and scaled to the
    area of the unit sphere, then moved linearly, vertex by vertex, onto the
    starting map; these frames carry step 0, time 0 and the Dirichlet energy
    of the blended positions, and the flow's own frames follow.
    """
    if count < 1:
        return list(frames)
    mesh = metric.mesh
    areas = gf.vertex_areas(metric)
    centred = mesh.vertices - areas @ mesh.vertices / areas.sum()
    shape = centred / np.sqrt(metric.total_area() / (4.0 * np.pi))
    target = frames[0].state
    blended = []
    for s in np.linspace(0.0, 1.0, count, endpoint=False):
        x = (1.0 - s) * shape + s * target
        energy = gf.map_quality.dirichlet_energy(metric, x)
        blended.append(Frame(0, 0.0, x, energy))
    return blended + list(frames)


if __name__ == "__main__":
    from . import parse_command_line

    print(main(**parse_command_line(sys.modules[__name__])))
