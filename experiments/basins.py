"""Basins: where the steepest descents of a function end.

Two landscapes: the height ``x`` on the upright torus (one minimum, two
saddles, one maximum, so a single basin) and the radius of the bumpy sphere
(each dent a minimum with its own basin). For each, the Morse count is
checked against the Euler characteristic and the vertices are labelled by the
minimum their descent reaches.

Run: ``python -m experiments.basins`` (or ``geomflow run basins``).
"""

from __future__ import annotations

import sys

import numpy as np

import geomflow as gf

from ._common import can_render, output_folder

NAME = "basins"

#: Command-line options: (flag, type, default, help); see experiments/__init__.py.
OPTIONS = [
    ("--level", int, 4, "subdivision level of the bumpy sphere"),
    ("--n-major", int, 50, "vertices around the torus (not a multiple of 4)"),
    ("--n-minor", int, 20, "vertices around the torus tube"),
]


def landscapes(level=4, n_major=50, n_minor=20) -> dict:
    """``{name: (metric, V)}``: the torus height and the bumpy sphere's radius."""
    torus = gf.sample_metric("torus", n_major=n_major, n_minor=n_minor)
    bumpy = gf.sample_metric("bumpy_sphere", level=level)
    radius = np.linalg.norm(bumpy.mesh.vertices, axis=1)
    return {
        "torus_height": (torus, torus.mesh.vertices[:, 0]),
        "bumpy_radius": (bumpy, radius),
    }


def summary(metric, V, labels) -> dict:
    """Counts of critical points and the area of each basin."""
    points = gf.critical_points(metric.mesh, V)
    areas = gf.vertex_areas(metric)
    basin_area = {int(m): float(areas[labels == m].sum()) for m in points.minima}
    return {
        "n_vertices": metric.mesh.n_vertices,
        "minima": len(points.minima),
        "saddles": int(points.multiplicity.sum()),
        "maxima": len(points.maxima),
        "morse_count": points.morse_count(),
        "euler_characteristic": metric.mesh.euler_characteristic,
        "basins": len(np.unique(labels)),
        "basin_area_fraction": {
            str(m): a / metric.total_area() for m, a in basin_area.items()
        },
    }


def main(out=None, *, level=4, n_major=50, n_minor=20, render=True) -> dict:
    folder = output_folder(NAME, out)
    metrics = {}
    for name, (metric, V) in landscapes(level, n_major, n_minor).items():
        labels, face_labels = gf.basins(metric, V, per_face=True)
        metrics[name] = summary(metric, V, labels)
        if can_render(render):
            _picture(folder / f"{name}.png", metric, V, face_labels, name)
    gf.results.write_json(folder / "metrics.json", metrics)
    return metrics


def _picture(path, metric, V, face_labels, name) -> None:
    """Faces coloured by basin, critical points, and the saddles' manifolds.

    The stable manifolds (ascending from the saddles) run along the borders
    of the basins; the unstable ones lead from the saddles to the minima.
    """
    gf.viz.plot_landscape(
        metric,
        V,
        basins=face_labels,
        critical=gf.critical_points(metric.mesh, V),
        manifolds=gf.saddle_manifolds(metric, V),
        path=path,
        title=f"{name}: basins of the minima",
    )


if __name__ == "__main__":
    from . import parse_command_line

    print(main(**parse_command_line(sys.modules[__name__])))
