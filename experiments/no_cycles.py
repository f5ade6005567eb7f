"""No cycles: steepest descents of a random landscape always fall to a minimum.

A smooth random potential (a sum of a few Gaussian bumps and wells centred on
the unit sphere around the mesh) is sampled at the vertices of a mesh and
followed downhill with :func:`geomflow.descent_path` from random points of the
surface (a face drawn with probability proportional to its area, a uniform
point in it). Along every path the function must fall strictly from one
point to the next, the path must end at a vertex that
:func:`geomflow.critical_points` calls a minimum, and no point may come back:
a descent that cycles would revisit a place it has already passed.

A path's ``values`` are, by construction, those of its recorded points with
round-off-length pieces merged; the check of strict decrease is therefore a
check of the walk's bookkeeping, while the end and revisit checks are
independent of it.

Run: ``python -m experiments.no_cycles`` (or ``geomflow run no_cycles``).
"""

from __future__ import annotations

import sys
import time

import numpy as np

import geomflow as gf

from ._common import can_render, output_folder

NAME = "no_cycles"

#: Command-line options: (flag, type, default, help); see experiments/__init__.py.
OPTIONS = [
    ("--mesh", str, "bumpy_sphere", "sample mesh the landscape lives on"),
    ("--n-paths", int, 200, "descent paths, from random points of the surface"),
    ("--seed", int, 0, "seed of the potential and of the starting points"),
]

#: Gaussian bumps (positive) and wells (negative) in the potential, and the
#: range of their widths relative to the mesh's radius.
N_BUMPS = 12
WIDTHS = (0.25, 0.5)

#: Two points of one path closer than this fraction of the mean edge length
#: count as the same place (a revisit).
SAME_PLACE = 1e-9

#: Paths drawn in the picture of V along the paths.
N_SHOWN = 8


def potential(mesh, rng) -> np.ndarray:
    r"""``(n,)`` a smooth random function at the vertices of ``mesh``.

    .. math::

        V(x) = \sum_j a_j \exp\left(-\frac{|\hat x - c_j|^2}{2\sigma_j^2}\right),
        \qquad \hat x = \frac{x - o}{R},

    with ``o`` the centre of the bounding box, ``R`` the largest distance of
    a vertex from it, ``c_j`` uniform on the unit sphere, ``a_j`` of random
    sign with ``|a_j|`` in ``[0.5, 1.5]`` and ``sigma_j`` in :data:`WIDTHS`.
    """
    points = mesh.vertices
    centre = 0.5 * (points.min(axis=0) + points.max(axis=0))
    scaled = (points - centre) / np.linalg.norm(points - centre, axis=1).max()
    centres = rng.normal(size=(N_BUMPS, 3))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    heights = rng.choice([-1.0, 1.0], size=N_BUMPS) * rng.uniform(0.5, 1.5, N_BUMPS)
    widths = rng.uniform(*WIDTHS, size=N_BUMPS)
    squared = ((scaled[:, None, :] - centres[None]) ** 2).sum(axis=2)
    return (heights * np.exp(-squared / (2.0 * widths**2))).sum(axis=1)


def random_starts(metric, n: int, rng) -> list:
    """``n`` random ``(face, barycentric)`` points, uniform over the area."""
    areas = metric.face_areas()
    faces = rng.choice(metric.mesh.n_faces, size=n, p=areas / areas.sum())
    weights = rng.dirichlet(np.ones(3), size=n)  # uniform on each triangle
    return [(int(f), w) for f, w in zip(faces, weights, strict=True)]


def path_checks(path, minima: set, h: float) -> dict:
    """Decrease, end and revisit checks of one :class:`~geomflow.SurfacePath`."""
    drops = -np.diff(path.values)
    gaps = np.linalg.norm(path.points[:, None] - path.points[None], axis=2)
    np.fill_diagonal(gaps, np.inf)
    return {
        "min_drop": float(drops.min()) if len(drops) else None,
        "non_decreasing": bool((drops <= 0).any()),
        "at_minimum": path.end in minima,
        "revisits": bool((gaps <= SAME_PLACE * h).any()),
    }


def main(out=None, *, mesh="bumpy_sphere", n_paths=200, seed=0, render=True) -> dict:
    folder = output_folder(NAME, out)
    rng = np.random.default_rng(seed)
    metric = gf.sample_metric(mesh)
    V = potential(metric.mesh, rng)
    points = gf.critical_points(metric.mesh, V)
    minima = set(points.minima.tolist())
    h = float(metric.lengths.mean())

    started = time.perf_counter()
    paths = [gf.descent_path(metric, V, s) for s in random_starts(metric, n_paths, rng)]
    seconds = time.perf_counter() - started
    checks = [path_checks(p, minima, h) for p in paths]

    metrics = {
        "mesh": mesh,
        "n_vertices": metric.mesh.n_vertices,
        "seed": seed,
        "minima": len(points.minima),
        "saddles": int(points.multiplicity.sum()),
        "maxima": len(points.maxima),
        "morse_count": points.morse_count(),
        "euler_characteristic": metric.mesh.euler_characteristic,
        "n_paths": len(paths),
        "min_decrease_per_segment": min(
            (c["min_drop"] for c in checks if c["min_drop"] is not None), default=None
        ),
        "paths_with_non_decrease": sum(c["non_decreasing"] for c in checks),
        "paths_ending_at_minimum": sum(c["at_minimum"] for c in checks),
        "paths_with_revisit": sum(c["revisits"] for c in checks),
        "minima_reached": len({p.end for p in paths}),
        "points_per_path_mean": float(np.mean([len(p) for p in paths])),
        "points_per_path_max": max(len(p) for p in paths),
        "descent_seconds": seconds,
    }
    gf.results.write_json(folder / "metrics.json", metrics)
    values_figure(folder / "values_along_paths.png", paths[:N_SHOWN])
    if can_render(render):
        gf.viz.plot_landscape(
            metric,
            V,
            critical=points,
            paths=paths[: 5 * N_SHOWN],
            path=folder / "landscape.png",
            cmap="viridis",
            title=f"descents of a random V on {mesh}",
        )
    return metrics


def values_figure(path, paths) -> None:
    """V against arc length along each path, its end (a minimum) marked."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 4.0), dpi=120)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for i, p in enumerate(paths):
        s = np.concatenate(
            [[0.0], np.cumsum(np.linalg.norm(np.diff(p.points, axis=0), axis=1))]
        )
        line = axes.plot(s, p.values, lw=1.4, marker=".", ms=3, label=f"path {i}")
        axes.plot(s[-1], p.values[-1], "o", color=line[0].get_color(), ms=6)
    axes.set_xlabel("arc length along the path")
    axes.set_ylabel("V")
    axes.set_title("V falls strictly along each descent (dots: the minima reached)")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    with gf.results.atomic_path(path) as tmp:
        figure.savefig(tmp, format="png")


if __name__ == "__main__":
    from . import parse_command_line

    print(main(**parse_command_line(sys.modules[__name__])))
