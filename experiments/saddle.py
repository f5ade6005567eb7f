"""Saddle: the landscape of y² − x² on a planar disk, read from its values.

The function ``V = y² − x²`` on the flat unit disk has one saddle, at the
centre vertex. Its descending paths (the unstable manifold) run along the
x-axis to the two boundary minima, its ascending paths (the stable manifold)
along the y-axis; descents started near the saddle bend away from it on
either side of the stable manifold.

Run: ``python -m experiments.saddle`` (or ``geomflow run saddle``).
"""

from __future__ import annotations

import sys

import numpy as np

import geomflow as gf

from ._common import can_render, output_folder

NAME = "saddle"

#: Command-line options: (flag, type, default, help); see experiments/__init__.py.
OPTIONS = [
    ("--n-rings", int, 12, "rings of the flat disk (its resolution)"),
    ("--radius", float, 0.3, "distance from the saddle of the traced vertices"),
]


def main(out=None, *, n_rings=12, radius=0.3, render=True) -> dict:
    folder = output_folder(NAME, out)
    metric = gf.sample_metric("flat_disk", n_rings=n_rings)
    x, y = metric.mesh.vertices[:, 0], metric.mesh.vertices[:, 1]
    V = y**2 - x**2
    points = gf.critical_points(metric.mesh, V)
    manifolds = gf.saddle_manifolds(metric, V)
    starts = np.flatnonzero((np.hypot(x, y) <= radius) & (np.hypot(x, y) > 0))
    paths = [gf.descent_path(metric, V, int(v)) for v in starts]

    h = float(metric.lengths.max())
    saddle = manifolds[0]
    metrics = {
        "n_vertices": metric.mesh.n_vertices,
        "edge_length_max": h,
        "minima": len(points.minima),
        "saddles": points.saddles.tolist(),
        "maxima": len(points.maxima),
        "morse_count": points.morse_count(),
        "euler_characteristic": metric.mesh.euler_characteristic,
        "descending_off_x_axis": _largest(saddle.descending, 1) / h,
        "ascending_off_y_axis": _largest(saddle.ascending, 0) / h,
        "paths_traced": len(paths),
        "paths_strictly_falling": all(_falls(p) for p in paths),
    }
    gf.results.write_json(folder / "metrics.json", metrics)
    figure(folder / "saddle.png", metric.mesh, V, points, manifolds, paths)
    if can_render(render):
        gf.viz.plot_landscape(
            metric,
            V,
            critical=points,
            paths=paths,
            manifolds=manifolds,
            path=folder / "saddle_surface.png",
            cmap="RdBu_r",
            title="V = y² − x²: paths and saddle manifolds",
        )
    return metrics


def _falls(path) -> bool:
    return bool(np.all(np.diff(path.values) < 0))


def _largest(paths, axis: int) -> float:
    """The largest distance of the paths' points from the axis not named."""
    return float(max(np.abs(p.points[:, axis]).max() for p in paths))


def figure(path, mesh, V, points, manifolds, trajectories) -> None:
    """Triangles coloured by V, manifolds as lines, critical points as markers."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.0, 6.0), dpi=120)
    x, y = mesh.vertices[:, 0], mesh.vertices[:, 1]
    ax.tripcolor(x, y, mesh.faces, V, shading="gouraud", cmap="RdBu_r")
    ax.tricontour(x, y, mesh.faces, V, levels=12, colors="k", linewidths=0.4)
    for p in trajectories:
        ax.plot(p.points[:, 0], p.points[:, 1], color="0.25", lw=0.7)
    for saddle in manifolds:
        for p in saddle.descending:
            ax.plot(p.points[:, 0], p.points[:, 1], color="navy", lw=2.2)
        for p in saddle.ascending:
            ax.plot(p.points[:, 0], p.points[:, 1], color="darkred", lw=2.2)
    for where, marker, label in (
        (points.minima, "v", "minimum"),
        (points.saddles, "X", "saddle"),
        (points.maxima, "^", "maximum"),
    ):
        if len(where):
            ax.plot(x[where], y[where], marker, color="k", ms=9, ls="", label=label)
    ax.set_aspect("equal")
    ax.set_title("V = y² − x²: descending (blue) and ascending (red) manifolds")
    ax.legend(loc="upper right", frameon=True)
    fig.tight_layout()
    with gf.results.atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


if __name__ == "__main__":
    from . import parse_command_line

    print(main(**parse_command_line(sys.modules[__name__])))
