"""Disk flattening: a curved disk laid flat by curvature flow, against a harmonic map.

A disk that is not flat (the unit square lifted by a bump, or a flat disk
pressed onto a spherical cap) is flattened twice. The curvature flow to zero
interior curvature, with ``u = 0`` held on the boundary, gives a flat metric
conformally equivalent to the surface's; laid out in the plane it is a
discretely conformal map, whose angle distortion is small. The harmonic map to
the unit disk (cotangent weights, boundary on the circle by arc length) fixes
the boundary shape in advance and pays for it in angle distortion.

Run: ``python -m experiments.disk_flatten`` (or ``geomflow run disk_flatten``).
"""

from __future__ import annotations

import sys
import warnings

import numpy as np

import geomflow as gf

from ._common import can_render, output_folder

NAME = "disk_flatten"

#: Command-line options: (flag, type, default, help); see experiments/__init__.py.
OPTIONS = [
    ("--shape", str, "bump", "bump (lifted square grid) or cap (disk on a sphere)"),
    ("--n", int, 24, "grid cells per side (bump) or rings (cap)"),
    ("--height", float, 0.4, "height of the bump, or the cap's half angle in rad"),
]

SHAPES = ("bump", "cap")


def curved_disk(shape: str = "bump", n: int = 24, height: float = 0.4):
    """A topological disk that is not flat.

    ``"bump"``: the unit square grid with ``z = height exp(-|p - c|^2 / 0.05)``
    around its centre ``c``. ``"cap"``: the flat unit disk sample with radius
    ``r`` sent to the polar angle ``height * r`` on the unit sphere.
    """
    if shape == "bump":
        mesh = gf.sample_mesh("square_grid", n=n)
        x, y = mesh.vertices[:, 0], mesh.vertices[:, 1]
        z = height * np.exp(-((x - 0.5) ** 2 + (y - 0.5) ** 2) / 0.05)
        return mesh.with_vertices(np.column_stack([x, y, z]))
    if shape == "cap":
        mesh = gf.sample_mesh("flat_disk", n_rings=n)
        x, y = mesh.vertices[:, 0], mesh.vertices[:, 1]
        polar, azimuth = height * np.hypot(x, y), np.arctan2(y, x)
        return mesh.with_vertices(
            np.column_stack(
                [
                    np.sin(polar) * np.cos(azimuth),
                    np.sin(polar) * np.sin(azimuth),
                    np.cos(polar),
                ]
            )
        )
    raise gf.GeomflowError(f"unknown shape {shape!r}; choose one of {SHAPES}")


def quality(source: gf.EdgeMetric, uv: np.ndarray) -> dict:
    """Angle distortion, conformality gap and area distortion of a planar map."""
    summary = gf.map_quality.angle_distortion(source, uv)
    summary["conformality_gap"] = gf.map_quality.conformality_gap(source, uv)
    summary["area_distortion_std"] = float(
        gf.map_quality.area_distortion(source, uv).std()
    )
    return summary


def main(out=None, *, shape="bump", n=24, height=0.4, render=True) -> dict:
    folder = output_folder(NAME, out)
    mesh = curved_disk(shape, n, height)
    source = gf.EdgeMetric.from_mesh(mesh)
    flow = gf.curvature_flow(source, target="flat", method="newton")
    layout = gf.layout_flat(flow.metric)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", gf.GeomflowWarning)
        harmonic = gf.harmonic_map_to_disk(mesh)
    maps = {"curvature_flow": layout.uv, "harmonic": harmonic.state}
    metrics = {
        "shape": shape,
        "n_vertices": mesh.n_vertices,
        "initial_curvature_error": float(flow.curvature_error[0]),
        "newton_steps": flow.n_steps,
        "newton_final_error": float(flow.curvature_error[-1]),
        "layout_edge_length_error": float(
            np.abs(layout.face_side_lengths() - flow.metric.face_side_lengths()).max()
        ),
        "layout_closure_error": layout.closure_error,
        "harmonic_negative_weights": int(harmonic.n_negative_weights),
        "harmonic_warnings": len(caught),
    }
    for name, uv in maps.items():
        metrics[name] = quality(source, uv)
    gf.results.write_json(folder / "metrics.json", metrics)
    draw_maps(folder / "layouts.png", source, maps, metrics)
    if can_render(render):
        for name, uv in maps.items():
            gf.viz.plot(
                mesh,
                gf.map_quality.beltrami_coefficients(source, uv),
                folder / f"surface_{name}.png",
                cmap="magma_r",
                clim=(0.0, 0.5),
                scalar_name="angle distortion",
                title=f"angle distortion of the {name.replace('_', ' ')} map",
            )
    return metrics


def draw_maps(path, source, maps: dict, metrics: dict) -> None:
    """Both planar maps side by side, faces coloured by ``|mu|`` on one scale."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection

    mesh = source.mesh
    mus = {
        k: gf.map_quality.beltrami_coefficients(source, uv) for k, uv in maps.items()
    }
    top = float(np.percentile(np.concatenate(list(mus.values())), 99))
    figure, axes = plt.subplots(1, 2, figsize=(11.0, 5.4), dpi=120)
    titles = {"curvature_flow": "curvature flow + layout", "harmonic": "harmonic map"}
    for ax, (name, uv) in zip(axes, maps.items(), strict=True):
        triangles = PolyCollection(
            uv[mesh.faces], array=mus[name], cmap="magma_r", edgecolors="#00000030"
        )
        triangles.set_clim(0.0, top)
        triangles.set_linewidth(0.3)
        ax.add_collection(triangles)
        ax.autoscale_view()
        ax.set_aspect("equal")
        ax.set_axis_off()
        mean_mu = metrics[name]["mean_mu"]
        ax.set_title(f"{titles[name]}\nmean |mu| = {mean_mu:.3g}")
    figure.colorbar(triangles, ax=axes, shrink=0.8, label="|mu| (angle distortion)")
    with gf.results.atomic_path(path) as tmp:
        figure.savefig(tmp, format="png")
    plt.close(figure)


if __name__ == "__main__":
    from . import parse_command_line

    print(main(**parse_command_line(sys.modules[__name__])))
