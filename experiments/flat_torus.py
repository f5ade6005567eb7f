"""Flat torus: a torus of revolution flattened, laid out and drawn as a checkerboard.

Newton's curvature flow to zero curvature turns the round torus's metric into
a flat one, conformal to it; the flat metric is laid out in the plane on a
fundamental domain, and the translations between copies of the cut vertices
give the two periods. For radii ``R > r`` the torus is conformal to a
rectangle whose sides have the ratio ``r / sqrt(R^2 - r^2)``; the discrete
periods approach it. A checkerboard in the lattice coordinates, drawn on the
domain and on the surface, shows the conformal map: squares stay squares.

Run: ``python -m experiments.flat_torus`` (or ``geomflow run flat_torus``).
"""

from __future__ import annotations

import sys

import numpy as np

import geomflow as gf

from ._common import can_render, output_folder

NAME = "flat_torus"

#: Command-line options: (flag, type, default, help); see experiments/__init__.py.
OPTIONS = [
    ("--n-major", int, 100, "vertices around the axis of the torus"),
    ("--n-minor", int, 40, "vertices around the tube"),
    ("--minor-radius", float, 0.4, "radius of the tube (the axis circle has 1)"),
    ("--checks", int, 5, "checkerboard squares along the shorter period"),
]

#: The two checks: the ends of this colour map, used on the domain and the surface.
CHECK_MAP = "cividis"


def checkerboard(layout: gf.Layout, checks: int) -> tuple[np.ndarray, tuple]:
    """``(m,)`` 0/1 per face from the lattice coordinates of its centroid.

    ``checks`` squares along the shorter period, and as many along the longer
    one as keep the squares close to square. Integer counts make the pattern
    periodic, so a face gets the same colour in every copy.
    """
    lengths = np.linalg.norm(layout.periods, axis=1)
    counts = (checks, max(1, round(checks * lengths[1] / lengths[0])))
    coords = layout.lattice_coordinates(layout.corner_uv.mean(axis=1))
    cells = np.floor(coords * np.array(counts)).astype(np.int64)
    return (cells.sum(axis=1) % 2).astype(np.float64), counts


def main(
    out=None,
    *,
    n_major=100,
    n_minor=40,
    minor_radius=0.4,
    checks=5,
    render=True,
) -> dict:
    folder = output_folder(NAME, out)
    mesh = gf.sample_mesh(
        "torus", n_major=n_major, n_minor=n_minor, minor_radius=minor_radius
    )
    result = gf.curvature_flow(mesh, target="flat", method="newton")
    flat = result.metric
    layout = gf.layout_flat(flat)
    p1, p2 = layout.periods
    lengths = np.linalg.norm(layout.periods, axis=1)
    cell = abs(float(np.linalg.det(layout.periods)))
    coords = layout.lattice_coordinates(layout.translations)
    metrics = {
        "n_vertices": mesh.n_vertices,
        "newton_steps": result.n_steps,
        "newton_final_error": float(result.curvature_error[-1]),
        "periods": layout.periods,
        "period_lengths": lengths,
        "period_ratio": float(lengths[0] / lengths[1]),
        "expected_ratio": float(minor_radius / np.sqrt(1.0 - minor_radius**2)),
        "period_angle_degrees": float(
            np.degrees(np.arccos(p1 @ p2 / (lengths[0] * lengths[1])))
        ),
        "period_area": cell,
        "total_area": flat.total_area(),
        "period_area_error": abs(cell - flat.total_area()),
        "max_edge_length_error": float(
            np.abs(layout.face_side_lengths() - flat.face_side_lengths()).max()
        ),
        "max_translation_off_lattice": float(np.abs(coords - np.round(coords)).max()),
        "closure_error": layout.closure_error,
        "n_cut_edges": len(layout.cut_edges),
    }
    metrics["ratio_relative_error"] = abs(
        metrics["period_ratio"] / metrics["expected_ratio"] - 1.0
    )
    gf.results.write_json(folder / "metrics.json", metrics)
    colours, counts = checkerboard(layout, checks)
    draw_domain(folder / "fundamental_domain.png", layout, colours, counts)
    if can_render(render):
        gf.viz.plot(
            mesh,
            colours,
            folder / "torus_checkerboard.png",
            cmap=CHECK_MAP,
            clim=(0.0, 1.0),
            scalar_name="check",
            title="the flat metric's checkerboard on the torus",
        )
    return metrics


def draw_domain(path, layout: gf.Layout, colours, counts) -> None:
    """The laid-out faces as a checkerboard, their translates and the periods."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection
    from matplotlib.patches import Polygon

    figure, axes = plt.subplots(figsize=(8.0, 6.0), dpi=120)
    face_colours = matplotlib.colormaps[CHECK_MAP](colours)
    # Turned so that p1 points up (p2, counter-clockwise from it, to the left).
    turn = _rotation_to_vertical(layout.periods[0])
    corners_uv = layout.corner_uv @ turn.T
    p1, p2 = layout.periods @ turn.T
    for a in (-1, 0, 1):
        for b in (-1, 0, 1):
            home = a == 0 and b == 0
            axes.add_collection(
                PolyCollection(
                    corners_uv + a * p1 + b * p2,
                    facecolors=face_colours,
                    edgecolors="none",
                    alpha=1.0 if home else 0.3,
                )
            )
    outline = corners_uv.reshape(-1, 2)
    anchor = outline.mean(axis=0) - 0.5 * (p1 + p2)
    corners = anchor + np.array([[0.0, 0.0], p1, p1 + p2, p2])
    axes.add_patch(Polygon(corners, closed=True, fill=False, ec="#c0392b", lw=2.0))
    for vector, name in [(p1, "p1"), (p2, "p2")]:
        axes.annotate(
            "",
            xy=anchor + vector,
            xytext=anchor,
            arrowprops={"arrowstyle": "->", "color": "#c0392b", "lw": 2.5},
        )
        axes.text(*(anchor + 0.5 * vector), f" {name}", color="#c0392b", fontsize=13)
    low = np.minimum(outline.min(axis=0), corners.min(axis=0))
    high = np.maximum(outline.max(axis=0), corners.max(axis=0))
    pad = 0.05 * (high - low).max()
    axes.set_xlim(low[0] - pad, high[0] + pad)
    axes.set_ylim(low[1] - pad, high[1] + pad)
    axes.set_aspect("equal")
    ratio = np.linalg.norm(p1) / np.linalg.norm(p2)
    axes.set_title(
        f"Fundamental domain of the flat torus ({counts[0]} x {counts[1]} checks)\n"
        f"|p1| / |p2| = {ratio:.4f}; red: the period cell (same area); "
        "faint: neighbouring copies"
    )
    figure.tight_layout()
    with gf.results.atomic_path(path) as tmp:
        figure.savefig(tmp, format="png")
    plt.close(figure)


def _rotation_to_vertical(vector) -> np.ndarray:
    """``(2, 2)`` rotation taking ``vector`` to the positive y direction."""
    angle = np.pi / 2 - np.arctan2(vector[1], vector[0])
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s], [s, c]])


if __name__ == "__main__":
    from . import parse_command_line

    print(main(**parse_command_line(sys.modules[__name__])))
