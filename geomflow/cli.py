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
import importlib
import json
import logging
import math
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

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


def _add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        metavar="DIR",
        type=Path,
        default=DEMO_FOLDER,
        help=f"folder for the pictures and metrics.json (default: {DEMO_FOLDER})",
    )
    parser.add_argument(
        "--mesh",
        metavar="NAME",
        action="append",
        help="render only this sample mesh (repeat for several; default: all)",
    )


def _run_demo(args: argparse.Namespace) -> int:
    samples = gf.list_sample_meshes()
    names = args.mesh or list(samples)
    unknown = [name for name in names if name not in samples]
    if unknown:
        raise gf.GeomflowError(
            f"unknown sample mesh {unknown[0]!r}; choose from {', '.join(samples)}"
        )
    start = time.perf_counter()
    reports = {}
    # A progress bar on a terminal only (disable=None), erased when done.
    progress = tqdm(
        names, desc="demo", unit="mesh", leave=False, disable=args.quiet or None
    )
    for name in progress:
        progress.set_postfix_str(name)
        metric = gf.sample_metric(name)
        report = mesh_report(metric)
        gf.viz.plot(
            metric,
            gf.gaussian_curvature(metric),
            args.out / f"{name}.png",
            cmap=CURVATURE_CMAP,
            clim=curvature_range(metric),
            symmetric=True,
            title=name,
            scalar_name=CURVATURE_LABEL,
        )
        reports[name] = {**report, "image": f"{name}.png"}
    summary = {
        "geomflow_version": gf.__version__,
        "curvature": "angle defect / barycentric vertex area",
        "meshes": reports,
    }
    write_text_atomically(args.out / "metrics.json", json.dumps(summary, indent=2))
    if not args.quiet:
        print(_demo_table(reports))
        print(
            f"wrote {len(reports)} pictures and metrics.json to {args.out} "
            f"in {time.perf_counter() - start:.1f} s"
        )
    return 0


def _demo_table(reports: dict[str, dict]) -> str:
    header = ("mesh", "V", "F", "χ", "genus", "loops", "|ΣK-2πχ|", "min angle")
    rows = [header] + [
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
    widths = [max(len(row[k]) for row in rows) for k in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(w) if k == 0 else cell.rjust(w)
            for k, (cell, w) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    return "\n".join(lines)


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
        "render the sample meshes coloured by Gaussian curvature",
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
