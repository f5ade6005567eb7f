"""The ``geomflow`` command.

Each subcommand is a :class:`Command`: a name, a one-line help, a function
that declares its arguments and a function that runs it and returns the exit
status. Adding one (``run EXPERIMENT``, ``render RESULT_DIR``) means writing
those two functions and listing the command in :data:`COMMANDS`.

Errors that geomflow raises on purpose (:class:`~geomflow.GeomflowError`) and
operating-system errors (a missing file, a folder that cannot be written) end
the command with one line on stderr, ``geomflow: error: ...``, and exit status
1; ``--verbose`` adds the traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import math
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

import geomflow as gf
from geomflow._files import atomic_path

logger = logging.getLogger(__name__)

#: Where ``geomflow demo`` writes, relative to the working directory.
DEMO_FOLDER = Path("results") / "demo"

CURVATURE_LABEL = "Gaussian curvature K"
CURVATURE_CMAP = "RdBu_r"

#: The colour range of a curvature picture covers this quantile of |K| over
#: the interior vertices, so one sharp vertex does not wash out the rest.
CURVATURE_QUANTILE = 0.98


@dataclass(frozen=True)
class Command:
    """A subcommand of ``geomflow``."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


# ---------------------------------------------------------------------- entry


def main(argv: list[str] | None = None) -> int:
    """Run the ``geomflow`` command line and return its exit status.

    Parameters
    ----------
    argv : list of str, optional
        The arguments after the program name; ``sys.argv[1:]`` by default.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    verbose = getattr(args, "verbose", False)
    _configure_logging(quiet=getattr(args, "quiet", False), verbose=verbose)
    try:
        return args.command.run(args)
    except (gf.GeomflowError, OSError) as exc:
        if verbose:
            traceback.print_exc()
        print(f"geomflow: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("geomflow: interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="geomflow",
        description="Geometric flows on triangle meshes.",
    )
    parser.add_argument(
        "--version", action="version", version=f"geomflow {gf.__version__}"
    )
    _add_verbosity(parser, default=False)
    # The same options after the subcommand name; SUPPRESS keeps a subcommand
    # from resetting what was given before it.
    shared = argparse.ArgumentParser(add_help=False)
    _add_verbosity(shared, default=argparse.SUPPRESS)

    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    subparsers.required = True
    for command in COMMANDS:
        sub = subparsers.add_parser(
            command.name,
            help=command.help,
            description=command.help,
            parents=[shared],
        )
        command.add_arguments(sub)
        sub.set_defaults(command=command)
    return parser


def _add_verbosity(parser: argparse.ArgumentParser, default) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        default=default,
        help="print only warnings, errors and the answer asked for",
    )
    group.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=default,
        help="print debugging messages, and tracebacks with errors",
    )


def _configure_logging(*, quiet: bool, verbose: bool) -> None:
    level = logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LogFormatter())
    package = logging.getLogger("geomflow")
    package.handlers[:] = [handler]
    package.setLevel(level)
    package.propagate = False
    logging.captureWarnings(True)  # GeomflowWarning and friends, one line each
    warnings_logger = logging.getLogger("py.warnings")
    warnings_logger.handlers[:] = [handler]
    warnings_logger.propagate = False


class _LogFormatter(logging.Formatter):
    """``geomflow: warning: ...``; plain text for progress messages."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.name == "py.warnings":  # "file:line: Category: text" -> text
            message = message.strip().splitlines()[0].split(": ", 2)[-1]
            return f"geomflow: warning: {message}"
        if record.levelno == logging.INFO:
            return message
        return f"geomflow: {record.levelname.lower()}: {message}"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


# ---------------------------------------------------------------------- meshes


def _add_meshes_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no arguments


def _run_meshes(args: argparse.Namespace) -> int:
    samples = gf.list_sample_meshes()
    width = max(len(name) for name in samples)
    for name, description in samples.items():
        print(f"{name:<{width}}  {description}")
    return 0


# ---------------------------------------------------------------------- info


def _add_info_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "mesh",
        metavar="MESH",
        help="a sample mesh name (see `geomflow meshes`) or a mesh file "
        "(OBJ, PLY, STL, OFF)",
    )


def _run_info(args: argparse.Namespace) -> int:
    metric, source = _open_mesh(args.mesh)
    rows = [("mesh", source), *_info_rows(metric)]
    width = max(len(label) for label, _ in rows)
    for label, text in rows:
        print(f"{label:<{width}}  {text}")
    return 0


def _info_rows(metric: gf.EdgeMetric) -> list[tuple[str, str]]:
    """(label, text) pairs describing a mesh and its metric, one per line."""
    mesh = metric.mesh
    report = mesh_report(metric)
    chi = report["euler_characteristic"]
    lengths = metric.lengths
    angles = np.degrees(metric.corner_angles())
    interior = mesh.referenced_vertices & ~mesh.boundary_vertices

    size = f"{mesh.n_vertices} vertices, {mesh.n_edges} edges, {mesh.n_faces} faces"
    topology = (
        f"χ = {chi}, genus {report['genus']}, {mesh.n_components} component(s), "
        f"{report['boundary_loops']} boundary loop(s)"
    )
    edge_text = _stats(lengths) + f", max/min {lengths.max() / lengths.min():.3g}"
    angle_text = _stats(angles) + f", obtuse corners {int((angles > 90 + 1e-9).sum())}"
    if interior.any():
        curvature = gf.gaussian_curvature(metric)[interior]
        curvature_text = _stats(curvature) + " (interior vertices)"
    else:
        curvature_text = "no interior vertices"
    gauss_bonnet = (
        f"sum of angle defects {metric.angle_defects().sum():.12g}, "
        f"2πχ = {2 * math.pi * chi:.12g}, error {report['gauss_bonnet_error']:.2e}"
    )
    return [
        ("size", size),
        ("topology", topology),
        ("area", f"{metric.total_area():.6g}"),
        ("edge length", edge_text),
        ("angles (deg)", angle_text),
        ("degenerate", f"{len(metric.degenerate_faces())} faces of zero area"),
        ("curvature K", curvature_text),
        ("Gauss-Bonnet", gauss_bonnet),
    ]


def _stats(values: np.ndarray) -> str:
    return f"min {values.min():.4g}, mean {values.mean():.4g}, max {values.max():.4g}"


def _open_mesh(name_or_path: str) -> tuple[gf.EdgeMetric, str]:
    """The metric of a sample mesh or of a mesh file, and a description."""
    samples = gf.list_sample_meshes()
    if name_or_path in samples:
        metric = gf.sample_metric(name_or_path)
        return metric, f"{name_or_path} (sample: {samples[name_or_path]})"
    path = Path(name_or_path)
    if not path.exists():
        raise FileNotFoundError(
            f"{name_or_path!r} is neither a mesh file nor a sample mesh "
            f"(samples: {', '.join(samples)})"
        )
    return gf.EdgeMetric.from_mesh(gf.load_mesh(path)), str(path)


# ---------------------------------------------------------------------- demo

# The demo runs the three flows of the design on one mesh, rescaled to the
# area of the unit sphere so that the time steps and the interface width below
# mean the same on any input. The numbers keep the default run (the bumpy
# sphere, 2562 vertices) at about 30 s of CPU time; most of that is software
# rendering (Mesa) and the Cahn-Hilliard steps (five factorizations each).

#: The mesh ``geomflow demo`` runs on unless ``--mesh`` says otherwise.
DEMO_MESH = "bumpy_sphere"

#: Frames per animation unless ``--frames`` says otherwise.
DEMO_FRAMES = 24

#: Area the demo mesh is scaled to: the unit sphere's.
DEMO_AREA = 4.0 * math.pi

#: Harmonic map to the sphere: step ``area / 400`` from the Tutte start, about
#: 130 small steps. (The radial projection of a star-shaped sample is nearly
#: conformal already and would leave little to watch.)
SPHERE_INIT = "tutte"
SPHERE_STEP_FRACTION = 1.0 / 400.0

#: Ginzburg-Landau phase separation: interface width (at least one mean edge
#: length), step, number of steps, and the random start: mean, spread, seed.
PHASE_EPSILON = 0.08
PHASE_DT = 1e-2
PHASE_STEPS = 40
PHASE_START = (0.2, 0.2, 0)

#: Dirichlet energy under three inner products from one smooth start.
HEAT_INNER_PRODUCTS = {"euclidean": "Euclidean", "l2": "L2", "h1": "H1"}
HEAT_DT = 1e-2
HEAT_STEPS = 100

#: Steps of the explicit curvature flow (Newton needs a handful).
EXPLICIT_CURVATURE_STEPS = 400

#: Picture sizes in pixels (MP4 sides are multiples of 16) and frame rate.
SPHERE_WINDOW = (640, 480)
PAIR_WINDOW = (1120, 448)
GIF_WINDOW = (960, 384)
DEMO_FPS = 8

PHASE_LABELS = {
    "allen_cahn": "Allen-Cahn (L2)",
    "cahn_hilliard": "Cahn-Hilliard (H^-1)",
}
CURVATURE_LABELS = {
    "curvature_explicit": "explicit Euler (Euclidean metric)",
    "curvature_newton": "Newton (Hessian metric)",
}


@dataclass
class _Part:
    """One part of the demo: its flow results, their numbers, table rows."""

    results: dict[str, gf.FlowResult]
    metrics: dict
    rows: list[tuple[str, ...]]


def _add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        default=DEMO_FOLDER,
        help=f"folder for the animations, pictures, metrics (default: {DEMO_FOLDER})",
    )
    parser.add_argument(
        "--mesh",
        metavar="MESH",
        default=DEMO_MESH,
        help=f"a sample mesh name or a mesh file (default: {DEMO_MESH})",
    )
    parser.add_argument(
        "--level",
        type=int,
        help="subdivision level of a sample mesh that has one (bumpy_sphere: 4)",
    )
    parser.add_argument(
        "--frames",
        type=int,
        default=DEMO_FRAMES,
        help=f"frames per animation, at least 2 (default: {DEMO_FRAMES})",
    )
    parser.add_argument(
        "--gallery",
        action="store_true",
        help="also render every sample mesh coloured by curvature into DIR/gallery",
    )


def _run_demo(args: argparse.Namespace) -> int:
    """Run the three flows, write their files, render, print a summary.

    Everything that needs no OpenGL (results, mesh, metrics.json, line plots)
    is written before the animations. Where off-screen rendering fails, the
    RenderError is recorded in metrics.json and then raised: exit status 1
    with its one-line message, since pictures are what the demo is for.
    """
    if args.frames < 2:
        raise gf.GeomflowError(f"--frames must be at least 2, got {args.frames}")
    metric, label = _demo_metric(args.mesh, args.level)  # before writing anything
    metric, scale = _unit_area(metric)
    start = time.perf_counter()
    bar = tqdm(
        total=len(DEMO_PARTS) + 2 + args.gallery,
        desc="demo",
        unit="part",
        leave=False,
        disable=args.quiet or None,  # a bar on a terminal only
    )
    loggers = [logging.getLogger("geomflow"), logging.getLogger("py.warnings")]
    verbose = getattr(args, "verbose", False)
    with bar, logging_redirect_tqdm(loggers=loggers), _quiet_flows(verbose):
        parts = {}
        for name, (what, compute) in DEMO_PARTS.items():
            bar.set_postfix_str(what)
            parts[name] = compute(metric, args.frames)
            bar.update()
        summary = _demo_metrics(metric, label, args.mesh, scale, parts)
        _write_demo_files(args.out, metric, parts, summary, bar)
        _render_demo_files(args.out, metric, label, parts, summary, bar)
        if args.gallery:
            bar.set_postfix_str("gallery")
            summary["gallery"] = _render_gallery(args.out / "gallery")
            gf.results.write_json(args.out / "metrics.json", summary)
            bar.update()
    if not args.quiet:
        _print_demo_summary(args.out, parts, summary, time.perf_counter() - start)
    return 0


@contextlib.contextmanager
def _quiet_flows(verbose: bool):
    """Silence the flows' one-line reports (the summary table has them) unless -v."""
    flows = logging.getLogger("geomflow.flows")
    level = flows.level
    if not verbose:
        flows.setLevel(logging.WARNING)
    try:
        yield
    finally:
        flows.setLevel(level)


def _demo_metric(name_or_path: str, level: int | None) -> tuple[gf.EdgeMetric, str]:
    """The metric of a sample (at ``level``) or of a mesh file, and a short name."""
    if name_or_path in gf.list_sample_meshes():
        params = {} if level is None else {"level": level}
        return gf.sample_metric(name_or_path, **params), name_or_path
    if level is not None:
        raise gf.GeomflowError(
            f"--level applies to sample meshes, not to the file {name_or_path!r}"
        )
    metric, _ = _open_mesh(name_or_path)
    return metric, Path(name_or_path).stem


def _unit_area(metric: gf.EdgeMetric) -> tuple[gf.EdgeMetric, float]:
    """``metric`` scaled to area :data:`DEMO_AREA`, its mesh centred; the scale."""
    mesh = metric.mesh
    scale = math.sqrt(DEMO_AREA / metric.total_area())
    areas = gf.vertex_areas(metric)
    centre = areas @ mesh.vertices / areas.sum()
    scaled = gf.TriangleMesh((mesh.vertices - centre) * scale, mesh.faces)
    return gf.EdgeMetric(scaled, metric.lengths * scale), scale


def _timed(run: Callable, *args, **kwargs) -> tuple:
    start = time.perf_counter()
    result = run(*args, **kwargs)
    return result, time.perf_counter() - start


def _thin(result: gf.FlowResult, count: int, early: bool = False) -> gf.FlowResult:
    """A copy of ``result`` keeping ``count`` of its frames, first and last included.

    The kept frames are evenly spaced, or, with ``early``, geometrically
    spaced, denser at the start, where a flow that converges fast changes most.
    """
    n = len(result.frames)
    if n <= count:
        return result
    guess = np.geomspace(1, n, count) - 1 if early else np.linspace(0, n - 1, count)
    index = np.round(guess).astype(int)
    for k in range(1, count):  # strictly increasing, and room left for the rest
        index[k] = max(index[k], index[k - 1] + 1)
    index = np.minimum(index, n - count + np.arange(count))
    return replace(result, frames=[result.frames[i] for i in index])


def _monotone(energies: np.ndarray) -> bool:
    """Whether the energy never rose by more than round-off."""
    slack = 1e-12 * max(float(np.abs(energies).max()), 1.0)
    return bool(np.all(np.diff(energies) <= slack))


# ------------------------------------------------------------- demo: the flows


def _sphere_map_part(metric: gf.EdgeMetric, frames: int) -> _Part:
    """Harmonic map heat flow of the mesh to the unit sphere."""
    dt = SPHERE_STEP_FRACTION * metric.total_area()
    try:
        result, seconds = _timed(
            gf.harmonic_map_to_sphere,
            metric.mesh,
            init=SPHERE_INIT,
            dt=dt,
            record_every=1,
        )
    except gf.TopologyError as exc:  # the other flows still run
        logger.warning("skipping the map to the sphere: %s", _one_line(exc))
        return _Part({}, {"skipped": _one_line(exc)}, [])
    mu = gf.map_quality.beltrami_coefficients(metric, result.state)
    metrics = {
        "init": SPHERE_INIT,
        "dt": dt,
        "steps": result.n_steps,
        "reason": result.reason,
        "seconds": seconds,
        "conformality_gap": float(result.extras["conformality_gap"]),
        "flipped_faces": len(result.extras["flipped_faces"]),
        "mean_abs_mu": float(mu[np.isfinite(mu)].mean()),
        "energy_monotone": _monotone(result.energies),
    }
    key = (
        f"conformality gap {metrics['conformality_gap']:.1e}, "
        f"{metrics['flipped_faces']} flipped, mean |μ| {metrics['mean_abs_mu']:.1e}"
    )
    row = ("harmonic map to S²", str(result.n_steps), f"{seconds:.1f} s", key)
    return _Part({"sphere_map": _thin(result, frames, early=True)}, metrics, [row])


def _gradient_flow_part(metric: gf.EdgeMetric, frames: int) -> _Part:
    """One energy, several inner products: phase separation and heat flows."""
    mass = gf.vertex_areas(metric)
    phase = _phase_separation(metric, mass, frames)
    heat = _dirichlet_flows(metric, mass)
    return _Part(
        {**phase.results, **heat.results},
        {**phase.metrics, **heat.metrics},
        phase.rows + heat.rows,
    )


def _phase_separation(metric: gf.EdgeMetric, mass: np.ndarray, frames: int) -> _Part:
    """Allen-Cahn (L2) and Cahn-Hilliard (H^-1) from one random start."""
    mean, spread, seed = PHASE_START
    u0 = mean + spread * np.random.default_rng(seed).normal(size=len(mass))
    epsilon = max(PHASE_EPSILON, float(metric.lengths.mean()))
    flows = {"allen_cahn": gf.allen_cahn, "cahn_hilliard": gf.cahn_hilliard}
    part = _Part({}, {"ginzburg_landau": {"epsilon": epsilon, "dt": PHASE_DT}}, [])
    for name, flow in flows.items():
        result, seconds = _timed(
            flow,
            metric,
            u0,
            epsilon=epsilon,
            dt=PHASE_DT,
            max_steps=PHASE_STEPS,
            record_every=1,
        )
        part.results[name] = _thin(result, frames)
        part.metrics[name] = _scalar_flow_metrics(result, mass, u0, seconds)
        part.rows.append(_scalar_flow_row(PHASE_LABELS[name], part.metrics[name]))
    return part


def _dirichlet_flows(metric: gf.EdgeMetric, mass: np.ndarray) -> _Part:
    """The Dirichlet energy from one smooth start under three inner products."""
    x = metric.mesh.vertices
    u0 = x[:, 0] ** 2 + 0.5 * x[:, 2]
    part = _Part({}, {}, [])
    for name, label in HEAT_INNER_PRODUCTS.items():
        result, seconds = _timed(
            gf.gradient_flow,
            gf.DirichletEnergy(metric),
            u0,
            inner_product=name,
            dt=HEAT_DT,
            max_steps=HEAT_STEPS,
        )
        key = f"dirichlet_{name}"
        part.results[key] = result
        part.metrics[key] = _scalar_flow_metrics(result, mass, u0, seconds)
        part.rows.append(_scalar_flow_row(f"Dirichlet, {label}", part.metrics[key]))
    return part


def _scalar_flow_metrics(result: gf.FlowResult, mass, u0, seconds) -> dict:
    """Steps, time, energy at both ends, monotonicity, drift of ``1^T M u``."""
    return {
        "steps": result.n_steps,
        "t_end": float(result.times[-1]),
        "seconds": seconds,
        "energy_start": float(result.energies[0]),
        "energy_end": float(result.energies[-1]),
        "energy_monotone": _monotone(result.energies),
        "mass_drift": float(mass @ (result.state - u0)),
    }


def _scalar_flow_row(label: str, metrics: dict) -> tuple[str, ...]:
    monotone = "E falls" if metrics["energy_monotone"] else "E ROSE"
    key = (
        f"mass drift {metrics['mass_drift']:+.1e}, {monotone} "
        f"{metrics['energy_start']:.3g} → {metrics['energy_end']:.3g}"
    )
    return (label, str(metrics["steps"]), f"{metrics['seconds']:.1f} s", key)


def _curvature_part(metric: gf.EdgeMetric, frames: int) -> _Part:
    """Discrete conformal curvature flow to uniform angle defects, two ways."""
    runs = {
        "curvature_newton": _timed(
            gf.curvature_flow, metric, target="uniform", record_every=1
        ),
        "curvature_explicit": _timed(
            gf.curvature_flow,
            metric,
            target="uniform",
            method="explicit",
            max_steps=EXPLICIT_CURVATURE_STEPS,
            record_every=1,
        ),
    }
    final = runs["curvature_newton"][0].extras["metric"]
    chi = metric.mesh.euler_characteristic
    gauss_bonnet = abs(float(final.angle_defects().sum()) - 2.0 * math.pi * chi)
    part = _Part({}, {"target": "uniform", "gauss_bonnet_error": gauss_bonnet}, [])
    for name, (result, seconds) in runs.items():
        method = name.split("_")[1]
        error = float(result.extras["curvature_error"][-1])
        part.results[name] = _thin(result, frames, early=True)
        part.metrics[method] = {
            "steps": result.n_steps,
            "reason": result.reason,
            "seconds": seconds,
            "final_error": error,
            "energy_monotone": _monotone(result.energies),
        }
        key = f"max |K - K*| {error:.1e}"
        if method == "newton":
            key += f", Gauss-Bonnet error {gauss_bonnet:.1e}"
        row = (f"curvature, {method}", str(result.n_steps), f"{seconds:.1f} s", key)
        part.rows.append(row)
    return part


#: The parts of the demo, in order: key in metrics.json -> (what, compute).
DEMO_PARTS: dict[str, tuple[str, Callable[[gf.EdgeMetric, int], _Part]]] = {
    "sphere_map": ("harmonic map to the sphere", _sphere_map_part),
    "gradient_flow": ("Allen-Cahn, Cahn-Hilliard, heat", _gradient_flow_part),
    "curvature_flow": ("curvature flow", _curvature_part),
}


# ------------------------------------------------------------- demo: the files


def _demo_metrics(metric, label, source, scale, parts) -> dict:
    """The content of metrics.json (pictures are added once rendered)."""
    return {
        "geomflow_version": gf.__version__,
        "mesh": {
            "name": label,
            "source": source,
            "scale": scale,
            "area": metric.total_area(),
            **mesh_report(metric),
        },
        "flows": {name: part.metrics for name, part in parts.items()},
        "pictures": {},
        "rendered": False,
    }


def _write_demo_files(folder: Path, metric, parts, summary, bar) -> None:
    """Flow results, the mesh, metrics.json and the line plots (no OpenGL)."""
    bar.set_postfix_str("results and curves")
    for part in parts.values():
        for name, result in part.results.items():
            gf.results.save_result(result, folder / name)
    gf.save_mesh(metric.mesh, folder / "mesh.ply")  # for `geomflow render`
    summary["pictures"].update(_draw_demo_curves(folder, parts))
    gf.results.write_json(folder / "metrics.json", summary)
    bar.update()


def _draw_demo_curves(folder: Path, parts: dict[str, _Part]) -> dict:
    """Energy and error curves as PNG; returns ``{file name: {}}``."""
    flows = parts["gradient_flow"].results
    written = [
        gf.viz.plot_curves(
            {
                PHASE_LABELS[k]: (flows[k].times, flows[k].energies)
                for k in PHASE_LABELS
            },
            folder / "phase_energy.png",
            ylabel="Ginzburg-Landau energy",
            title="One energy, two inner products",
        ),
        gf.viz.plot_curves(
            {
                label: (flows[f"dirichlet_{k}"].times, flows[f"dirichlet_{k}"].energies)
                for k, label in HEAT_INNER_PRODUCTS.items()
            },
            folder / "heat_energy.png",
            ylabel="Dirichlet energy",
            title="Heat flow in three inner products",
            logy=True,
        ),
    ]
    curvature = parts["curvature_flow"].results
    errors = {
        label: (np.arange(len(e)), e)
        for name, label in CURVATURE_LABELS.items()
        for e in [curvature[name].extras["curvature_error"]]
    }
    written.append(
        gf.viz.plot_curves(
            errors,
            folder / "curvature_error.png",
            xlabel="step",
            ylabel="max |K - K*|",
            title="Curvature flow to uniform angle defects",
            logy=True,
        )
    )
    return {path.name: {} for path in written}


def _render_demo_files(folder, metric, label, parts, summary, bar) -> None:
    """Render the animations; on a RenderError record it in metrics.json first."""
    bar.set_postfix_str("animations")
    try:
        if "sphere_map" in parts["sphere_map"].results:
            summary["pictures"].update(
                _render_sphere_map(folder, metric, parts["sphere_map"], label)
            )
        summary["pictures"].update(_render_phases(folder, metric, parts, label))
        summary["pictures"].update(_render_curvature(folder, metric, parts, label))
    except gf.RenderError as exc:
        summary["render_error"] = _one_line(exc)
        gf.results.write_json(folder / "metrics.json", summary)
        raise
    summary["rendered"] = True
    gf.results.write_json(folder / "metrics.json", summary)
    bar.update()


def _render_sphere_map(folder, metric, part: _Part, label: str) -> dict:
    """The sphere map as moving vertices coloured by log10 |mu|; the final map."""
    result = part.results["sphere_map"]

    def log_distortion(frame) -> np.ndarray:
        mu = gf.map_quality.beltrami_coefficients(metric, frame.state)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(np.isfinite(mu) & (mu > 0), np.log10(mu), np.nan)

    # |mu| falls by orders of magnitude: from the start's 95th percentile
    # down to the final map's 5th.
    low = float(np.nanquantile(log_distortion(result.frames[-1]), 0.05))
    high = float(np.nanquantile(log_distortion(result.frames[0]), 0.95))
    gf.viz.animate(
        result,
        metric.mesh,
        scalars=log_distortion,
        path=folder / "sphere_map.mp4",
        clim=(low, max(high, low + 1.0)),
        scalar_name="distortion (log10)",
        title=f"{label} -> sphere",
        fps=DEMO_FPS,
        window_size=SPHERE_WINDOW,
    )
    gf.viz.plot(
        metric.mesh.with_vertices(result.state),
        gf.map_quality.area_distortion(metric, result.state),
        folder / "sphere_map.png",
        cmap="PuOr_r",
        symmetric=True,
        title=f"{label} on the sphere",
        scalar_name="log area ratio",
        window_size=SPHERE_WINDOW,
    )
    return {
        "sphere_map.mp4": {"frames": len(result.frames), "size": SPHERE_WINDOW},
        "sphere_map.png": {"size": SPHERE_WINDOW},
    }


def _render_phases(folder, metric, parts, label: str) -> dict:
    """Allen-Cahn beside Cahn-Hilliard, colour range (-1, 1)."""
    flows = parts["gradient_flow"].results
    pair = [flows[name] for name in PHASE_LABELS]
    gf.viz.animate_side_by_side(
        pair,
        metric.mesh,
        list(PHASE_LABELS.values()),
        path=folder / "phase_separation.mp4",
        cmap="coolwarm",
        clim=(-1.0, 1.0),
        scalar_name="u",
        fps=DEMO_FPS,
        window_size=PAIR_WINDOW,
    )
    frames = max(len(r.frames) for r in pair)
    return {"phase_separation.mp4": {"frames": frames, "size": PAIR_WINDOW}}


def _render_curvature(folder, metric, parts, label: str) -> dict:
    """Curvature of the conformal metric on the fixed surface, two methods."""
    flows = parts["curvature_flow"].results
    pair = [flows[name] for name in CURVATURE_LABELS]

    def curvature(frame) -> np.ndarray:
        return gf.gaussian_curvature(metric.conformal(frame.state))

    gf.viz.animate_side_by_side(
        pair,
        metric.mesh,
        list(CURVATURE_LABELS.values()),
        path=folder / "curvature_flow.gif",
        scalars=curvature,
        cmap=CURVATURE_CMAP,
        clim=curvature_range(metric),
        symmetric=True,
        scalar_name=CURVATURE_LABEL,
        fps=DEMO_FPS,
        window_size=GIF_WINDOW,
    )
    frames = max(len(r.frames) for r in pair)
    return {"curvature_flow.gif": {"frames": frames, "size": GIF_WINDOW}}


def _render_gallery(folder: Path) -> dict:
    """Every sample mesh coloured by Gaussian curvature; a report per mesh."""
    reports = {}
    for name in gf.list_sample_meshes():
        metric = gf.sample_metric(name)
        gf.viz.plot(
            metric,
            gf.gaussian_curvature(metric),
            folder / f"{name}.png",
            cmap=CURVATURE_CMAP,
            clim=curvature_range(metric),
            symmetric=True,
            title=name,
            scalar_name=CURVATURE_LABEL,
        )
        reports[name] = {**mesh_report(metric), "image": f"gallery/{name}.png"}
    return reports


def _print_demo_summary(folder: Path, parts, summary: dict, seconds: float) -> None:
    mesh = summary["mesh"]
    print(
        f"{mesh['name']}: {mesh['vertices']} vertices, {mesh['faces']} faces, "
        f"χ = {mesh['euler_characteristic']}"
    )
    header = ("flow", "steps", "time", "result")
    rows = [row for part in parts.values() for row in part.rows]
    print(_table(header, rows))
    if "gallery" in summary:
        print(_table(*_gallery_rows(summary["gallery"])))
    files = [p for p in folder.rglob("*") if p.is_file()]
    print(f"wrote {len(files)} files to {folder} in {seconds:.1f} s")


def _gallery_rows(reports: dict[str, dict]) -> tuple[tuple[str, ...], list]:
    header = ("mesh", "V", "F", "χ", "genus", "loops", "|ΣK-2πχ|", "min angle")
    rows = [
        (
            name,
            str(r["vertices"]),
            str(r["faces"]),
            str(r["euler_characteristic"]),
            str(r["genus"]),
            str(r["boundary_loops"]),
            f"{r['gauss_bonnet_error']:.1e}",
            f"{r['min_angle_degrees']:.1f}°",
        )
        for name, r in reports.items()
    ]
    return header, rows


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """Columns padded to their widest cell; the first and last left-aligned."""
    rows = [header, *rows]
    widths = [max(len(row[k]) for row in rows) for k in range(len(header))]
    last = len(header) - 1
    return "\n".join(
        "  ".join(
            cell.ljust(w) if k in (0, last) else cell.rjust(w)
            for k, (cell, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    )


# ---------------------------------------------------------------------- run


def _add_run_arguments(parser: argparse.ArgumentParser) -> None:
    """One subparser per experiment, with the options its module declares."""
    try:
        experiments = import_experiments()
    except gf.GeomflowError as exc:  # reported when `run` is actually used
        parser.add_argument("experiment", metavar="EXPERIMENT", nargs="?")
        parser.add_argument("rest", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
        parser.set_defaults(missing_experiments=str(exc))
        return
    subparsers = parser.add_subparsers(title="experiments", metavar="EXPERIMENT")
    subparsers.required = True
    for name in experiments.EXPERIMENTS:
        module = experiments.load(name)
        description = experiments.describe(module)
        sub = subparsers.add_parser(name, help=description, description=description)
        experiments.add_arguments(sub, module)
        sub.set_defaults(experiment=name, experiment_module=module)


def _run_run(args: argparse.Namespace) -> int:
    if getattr(args, "missing_experiments", None):
        raise gf.GeomflowError(args.missing_experiments)
    experiments = sys.modules["experiments"]
    module = args.experiment_module
    kwargs = experiments.main_arguments(args, module)
    start = time.perf_counter()
    with gf.flows.engine.progress_bars(not args.quiet):
        metrics = module.main(**kwargs)
    folder = kwargs["out"] or Path("results") / module.NAME
    if not args.quiet:
        print(json.dumps(metrics, indent=2, default=_plain))
        print(
            f"{args.experiment}: wrote results to {folder} "
            f"in {time.perf_counter() - start:.1f} s"
        )
    return 0


def _plain(value):
    """JSON stand-in for numpy numbers and arrays in an experiment's metrics."""
    return value.tolist() if hasattr(value, "tolist") else str(value)


def import_experiments():
    """Import the ``experiments`` package of the repository.

    It is looked for in the working directory, then beside the installed
    (editable) package, ``Path(geomflow.__file__).parents[1]``.

    Raises
    ------
    GeomflowError
        If neither place holds an ``experiments`` folder.
    """
    roots = [Path.cwd(), Path(gf.__file__).resolve().parents[1]]
    for root in roots:
        if (root / "experiments" / "__init__.py").is_file():
            if str(root) not in sys.path:
                sys.path.insert(0, str(root))
            return importlib.import_module("experiments")
    raise gf.GeomflowError(
        "cannot find the experiments folder (looked in "
        f"{' and '.join(str(r) for r in roots)}); run geomflow from the root of "
        "the geomflow repository"
    )


# ---------------------------------------------------------------------- render


def _add_render_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "folder",
        metavar="RESULT_DIR",
        type=Path,
        help="a result folder written by `geomflow run` (with mesh.ply and .npz)",
    )
    parser.add_argument(
        "--format", choices=("mp4", "gif"), default="mp4", help="default: mp4"
    )
    parser.add_argument("--cmap", default="viridis", help="colour map (viridis)")
    parser.add_argument(
        "--clim",
        nargs=2,
        type=float,
        metavar=("LOW", "HIGH"),
        help="colour range (default: the range over all frames)",
    )
    parser.add_argument("--fps", type=float, default=12, help="frames per second")


def _run_render(args: argparse.Namespace) -> int:
    """Animate every saved flow result with frames in the folder."""
    folder = args.folder
    mesh_path = folder / "mesh.ply"
    if not mesh_path.is_file():
        raise gf.GeomflowError(
            f"no mesh.ply in {folder}; re-run the experiment to save its mesh"
        )
    mesh = gf.load_mesh(mesh_path)
    results = {p.stem: gf.results.load_result(p) for p in sorted(folder.glob("*.npz"))}
    results = {name: r for name, r in results.items() if r.frames}
    if not results:
        raise gf.GeomflowError(
            f"no saved flow result with frames in {folder}; run the flow with "
            "record_every set and save it with gf.results.save_result"
        )
    for name, result in results.items():
        written = gf.viz.animate(
            result,
            mesh,
            path=folder / f"{name}.{args.format}",
            cmap=args.cmap,
            clim=args.clim,
            fps=args.fps,
            title=name,
        )
        if not args.quiet:
            print(f"wrote {written} ({len(result.frames)} frames)")
    return 0


# ---------------------------------------------------------------------- shared


def curvature_range(metric: gf.EdgeMetric) -> tuple[float, float]:
    """Symmetric colour range for :func:`geomflow.gaussian_curvature` on ``metric``.

    It covers the :data:`CURVATURE_QUANTILE` quantile of ``|K|`` over interior
    vertices (all vertices on a mesh without interior ones). On a flat mesh,
    where that is round-off, it is ``4 pi / area``, the curvature of a round
    sphere of the same area, so that round-off shows as white.
    """
    mesh = metric.mesh
    magnitude = np.abs(gf.gaussian_curvature(metric))
    interior = mesh.referenced_vertices & ~mesh.boundary_vertices
    pool = magnitude[interior] if interior.any() else magnitude
    reach = float(np.quantile(pool, CURVATURE_QUANTILE))
    sphere = 4.0 * math.pi / metric.total_area()
    if reach < 1e-8 * sphere:
        reach = sphere
    return -reach, reach


def mesh_report(metric: gf.EdgeMetric) -> dict:
    """Counts, topology, Gauss-Bonnet error and smallest angle, JSON-ready."""
    mesh = metric.mesh
    chi = mesh.euler_characteristic
    return {
        "vertices": mesh.n_vertices,
        "edges": mesh.n_edges,
        "faces": mesh.n_faces,
        "euler_characteristic": chi,
        "genus": mesh.genus,
        "boundary_loops": len(mesh.boundary_loops),
        "gauss_bonnet_error": abs(
            float(metric.angle_defects().sum()) - 2.0 * math.pi * chi
        ),
        "min_angle_degrees": float(np.degrees(metric.corner_angles().min())),
    }


def write_text_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    with atomic_path(path) as temporary:
        temporary.write_text(text + "\n", encoding="utf-8")


COMMANDS: tuple[Command, ...] = (
    Command(
        "demo",
        "run the sphere map, phase separation and curvature flows on a mesh "
        "and render them (default: bumpy_sphere into results/demo)",
        _add_demo_arguments,
        _run_demo,
    ),
    Command("meshes", "list the sample meshes", _add_meshes_arguments, _run_meshes),
    Command(
        "info",
        "topology, edge lengths, angles and curvature of a mesh",
        _add_info_arguments,
        _run_info,
    ),
    Command(
        "run",
        "run an experiment of the repository (`geomflow run EXPERIMENT --help`)",
        _add_run_arguments,
        _run_run,
    ),
    Command(
        "render",
        "re-render the animations of a result folder from its saved frames",
        _add_render_arguments,
        _run_render,
    ),
)
