"""Disk map: a curved disk flattened onto the unit disk by a harmonic map.

A disk-like surface (the sample ``flat_disk`` lifted onto a spherical cap or
a bumpy height field, or a mesh file) is mapped onto the unit disk by
:func:`geomflow.harmonic_map_to_disk`: once by the direct sparse solve and
once by the heat flow with the boundary held on the circle, whose limit must
be the direct solution. The flow is filmed in the plane from its start (every
interior vertex at the centre) to the harmonic map; the final map is judged
by its folded faces and its angle distortion, and drawn with a checkerboard
texture in the plane and, when rendering works, on the surface.

Run: ``python -m experiments.disk_map`` (or ``geomflow run disk_map``);
``--mesh ../shared/meshes/disk_face.obj`` maps a mesh file instead.
"""

from __future__ import annotations

import sys
import time
from types import SimpleNamespace

import numpy as np

import geomflow as gf

from ._common import can_render, output_folder

NAME = "disk_map"

#: Command-line options: (flag, type, default, help); see experiments/__init__.py.
OPTIONS = [
    ("--mesh", str, None, "mesh file of a disk; none: flat_disk lifted by --surface"),
    ("--surface", str, "cap", "lift of flat_disk: cap or bumps"),
    ("--n-rings", int, 12, "rings of the flat_disk sample"),
    ("--cap-angle", float, 70.0, "half opening angle of the cap in degrees"),
    ("--flow-dt", float, 0.02, "time step of the flow, in units of the total area"),
    ("--flow-tol", float, 1e-11, "relative residual at which the flow stops"),
    ("--frames", int, 30, "frames of the flow in the animation"),
    ("--checks", int, 8, "checkerboard squares across the unit disk"),
]

#: Bumps of the height field: centre x, centre y, height, width.
BUMPS = ((0.35, 0.2, 0.35, 0.25), (-0.4, 0.3, -0.25, 0.3), (0.0, -0.45, 0.3, 0.2))


# ---------------------------------------------------------------------- surfaces


def lifted_disk(surface="cap", n_rings=12, cap_angle=70.0) -> gf.TriangleMesh:
    """``flat_disk`` lifted onto a spherical cap or a bumpy height field.

    ``"cap"``: the point at radius ``r`` and angle ``phi`` goes to polar angle
    ``r * cap_angle`` on the unit sphere (the disk's radii become meridians).
    ``"bumps"``: ``z`` is a sum of Gaussian bumps (:data:`BUMPS`).
    """
    disk = gf.sample_mesh("flat_disk", n_rings=n_rings)
    x, y = disk.vertices[:, 0], disk.vertices[:, 1]
    if surface == "cap":
        polar = np.hypot(x, y) * np.radians(cap_angle)
        azimuth = np.arctan2(y, x)
        points = np.stack(
            [
                np.sin(polar) * np.cos(azimuth),
                np.sin(polar) * np.sin(azimuth),
                np.cos(polar),
            ],
            axis=1,
        )
    elif surface == "bumps":
        z = sum(
            h * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * w**2))
            for cx, cy, h, w in BUMPS
        )
        points = np.stack([x, y, z], axis=1)
    else:
        raise gf.GeomflowError(f"surface must be 'cap' or 'bumps', got {surface!r}")
    return disk.with_vertices(points)


# ---------------------------------------------------------------------- main


def main(
    out=None,
    *,
    mesh=None,
    surface="cap",
    n_rings=12,
    cap_angle=70.0,
    flow_dt=0.02,
    flow_tol=1e-11,
    frames=30,
    checks=8,
    render=True,
) -> dict:
    folder = output_folder(NAME, out)
    source = gf.load_mesh(mesh) if mesh else lifted_disk(surface, n_rings, cap_angle)

    start = time.perf_counter()
    direct = gf.harmonic_map_to_disk(source)
    direct_seconds = time.perf_counter() - start
    metric = direct.extras["metric"]
    dt = flow_dt * metric.total_area()
    start = time.perf_counter()
    flow = gf.harmonic_map_to_disk(
        source, method="flow", dt=dt, tol=flow_tol, record_every=1
    )
    flow_seconds = time.perf_counter() - start

    metrics = summary(mesh or surface, direct, flow, direct_seconds, flow_seconds)
    metrics["flow"]["dt"] = dt
    gf.results.write_json(folder / "metrics.json", metrics)
    gf.results.save_result(direct, folder / "direct")
    gf.save_mesh(source, folder / "mesh.ply")
    figures(folder, source, direct, flow, frames, checks, render)
    return metrics


def summary(name, direct, flow, direct_seconds, flow_seconds) -> dict:
    """Folds, angle distortion and the distance between the two solutions."""
    metric = direct.extras["metric"]
    angles = gf.map_quality.angle_distortion(metric, direct.state)
    return {
        "mesh": str(name),
        "n_vertices": metric.mesh.n_vertices,
        "n_faces": metric.mesh.n_faces,
        "n_negative_weights": direct.extras["n_negative_weights"],
        "direct": {
            "seconds": direct_seconds,
            "folds": int(len(direct.extras["folds"])),
            "conformality_gap": gf.map_quality.conformality_gap(metric, direct.state),
            **angles,
        },
        "flow": {
            "seconds": flow_seconds,
            "steps": flow.n_steps,
            "reason": flow.reason,
            "folds": int(len(flow.extras["folds"])),
            "max_difference_to_direct": float(np.abs(flow.state - direct.state).max()),
        },
    }


# ---------------------------------------------------------------------- frames


def flow_frames(flow, count) -> list:
    """About ``count`` of the flow's frames, at steps spaced evenly in log scale.

    Each frame's state is made ``(n, 3)``, the plane map with ``z = 0``, so
    that it animates as moving vertices.
    """
    steps = np.geomspace(1, max(flow.n_steps, 1), count)
    keep = np.unique(np.concatenate([[0], np.round(steps).astype(int)]))
    return [flow.frames[k]._replace(state=_lift(flow.frames[k].state)) for k in keep]


def _lift(uv: np.ndarray) -> np.ndarray:
    return np.column_stack([uv, np.zeros(len(uv))])


def checkerboard(mesh, uv: np.ndarray, checks: int) -> np.ndarray:
    """``(m,)`` 0 or 1: the square of a checkerboard each face's uv centroid is in."""
    centroids = uv[mesh.faces].mean(axis=1)
    cells = np.floor(centroids * checks / 2.0).astype(np.int64)
    return (cells.sum(axis=1) % 2).astype(np.float64)


# ---------------------------------------------------------------------- figures


def figures(folder, source, direct, flow, frames, checks, render) -> None:
    plot_parameterization(folder / "parameterization.png", source, direct, checks)
    steps = np.arange(flow.n_steps + 1)
    gf.viz.plot_curves(
        {"flow residual / initial": (steps, flow.residuals / flow.residuals[0])},
        folder / "residual.png",
        xlabel="step",
        ylabel="relative residual",
        logy=True,
        title="Disk map flow: the residual of the Dirichlet problem",
    )
    if not can_render(render):
        return
    metric = direct.extras["metric"]
    gf.viz.plot(
        source,
        checkerboard(source, direct.state, checks),
        folder / "textured.png",
        cmap="gray",
        title="checkerboard of the disk map on the surface",
    )
    film = SimpleNamespace(frames=flow_frames(flow, frames))

    def distortion(frame):
        values = gf.map_quality.area_distortion(metric, frame.state)
        return np.where(np.isfinite(values), values, np.nan)

    final = distortion(film.frames[-1])
    reach = max(0.1, float(np.nanquantile(np.abs(final), 0.99)))
    style = {
        "scalars": distortion,
        "cmap": "coolwarm",
        "clim": (-reach, reach),
        "scalar_name": "log area ratio",
        "camera": "xy",
    }
    gf.viz.animate(
        film, source, path=folder / "disk_flow.mp4", title="flow to the disk", **style
    )
    gf.viz.animate(
        film, source, path=folder / "disk_flow.gif", window_size=(400, 304), **style
    )


def plot_parameterization(path, mesh, result, checks: int) -> None:
    """The map in the plane, faces filled by a checkerboard, folds in red."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.tri import Triangulation

    uv = result.state
    figure, axes = plt.subplots(figsize=(5.5, 5.5), dpi=120)
    triangles = Triangulation(uv[:, 0], uv[:, 1], mesh.faces)
    axes.tripcolor(
        triangles,
        facecolors=checkerboard(mesh, uv, checks),
        cmap="Greys",
        vmin=-0.3,
        vmax=1.3,
        edgecolors="#8090a0" if len(mesh.faces) <= 5000 else "face",
        linewidth=0.1,
    )
    folds = result.extras["folds"]
    for face in folds:
        axes.fill(*uv[mesh.faces[face]].T, color="red")
    axes.add_patch(plt.Circle((0, 0), 1.0, fill=False, color="black", lw=0.8))
    axes.set_aspect("equal")
    axes.set_axis_off()
    axes.set_title(f"harmonic map to the disk: {len(folds)} folded faces")
    figure.tight_layout()
    with gf.results.atomic_path(path) as tmp:
        figure.savefig(tmp, format="png")
    plt.close(figure)


if __name__ == "__main__":
    from . import parse_command_line

    print(main(**parse_command_line(sys.modules[__name__])))
