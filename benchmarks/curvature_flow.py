"""Time Newton's curvature flow against one factorization of its Hessian.

Run from the repository root::

    python benchmarks/curvature_flow.py [--meshes PATH_OR_SAMPLE ...] [--repeat 3]
        [--explicit-budget 120] [--out benchmarks/results/curvature_flow.json]

The meshes are genus-0 surfaces of about 100k faces: the sample
``bumpy_sphere`` at level 6 (82k faces) and, when present,
``../shared/meshes/g0_armadillo.obj`` (86k faces). On each, ``gf.curvature_flow``
drives ``max |K - K*|`` below ``1e-10`` for the uniform target with Newton's
method (intrinsic Delaunay flips, the default). Its time is reported as a
multiple of the time of one :class:`geomflow.linalg.Factorization` of the
matrix its first Newton step factorizes: the cotangent Laplacian of the
intrinsic Delaunay triangulation of the input metric, with the pinned vertex's
row and column removed. The target is at most 10 of them.

Every Newton run is timed with light wrappers around geomflow's methods
(a few dozen calls per run, so they cost nothing measurable), which split
its time into the energy and angles, the Hessian refill, the factorization,
the solve, and the energy evaluations of rejected line-search trials. The
explicit flow runs once per mesh, on a time budget; when it stops short of
the tolerance, the time it would need is extrapolated from the linear rate of
its last steps. See ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np

import geomflow as gf
from geomflow import intrinsic
from geomflow.flows import curvature, engine
from geomflow.linalg import Factorization

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from laplacian import environment, time_call  # noqa: E402  (the same timer)

DEFAULT_OUT = HERE / "results" / "curvature_flow.json"
ARMADILLO = HERE.parents[1] / "shared" / "meshes" / "g0_armadillo.obj"
SAMPLE, SAMPLE_LEVEL = "bumpy_sphere", 6

TOL = 1e-10
#: Newton's time may be at most this many factorizations.
TARGET_FACTORIZATIONS = 10.0
#: Steps at the end of an explicit run used to fit its linear rate.
RATE_WINDOW = 50

#: The parts of a Newton run, in the order of the table.
PARTS = ("setup", "energy", "hessian", "factorize", "solve", "line_search", "other")


# ---------------------------------------------------------------------- meshes


def load(name: str) -> gf.TriangleMesh:
    """A mesh file, or the sample named :data:`SAMPLE`."""
    if name == SAMPLE:
        return gf.sample_mesh(SAMPLE, level=SAMPLE_LEVEL)
    return gf.load_mesh(name)


def pinned_delaunay_laplacian(mesh: gf.TriangleMesh):
    """The first matrix Newton factorizes: the pinned intrinsic Delaunay ``L``.

    Also returns the number of Euclidean flips that made the input Delaunay.
    """
    triangulation = gf.IntrinsicTriangulation(gf.EdgeMetric.from_mesh(mesh))
    flips = triangulation.make_delaunay("euclidean")
    free = np.ones(mesh.n_vertices, dtype=bool)
    free[0] = False  # the smallest vertex of the one component, as the flow pins
    laplacian = triangulation.cotan_laplacian().tocsr()[free][:, free]
    return laplacian, flips


# ---------------------------------------------------------------------- probes


class Probe:
    """Seconds spent in the parts of one Newton run, by wrapping methods.

    The wrapped calls do not nest: the energy's value, gradient and Hessian
    each find the triangulation of their ``u`` cached by the call before,
    except the value, which computes it (flips included) for a new trial.
    """

    def __init__(self):
        self.seconds = dict.fromkeys(PARTS, 0.0)
        self.trials: list[float] = []  # seconds of every energy value
        self.rejected: list[bool] = []
        self.factorizations = 0
        self.total = 0.0

    def timed(self, part: str, function):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[part] += time.perf_counter() - start

        return wrapper

    def timed_value(self, function):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            except gf.MetricError:
                self.rejected.append(True)  # the engine rejects the trial
                raise
            finally:
                self.trials.append(time.perf_counter() - start)

        return wrapper

    def judged(self, function):
        def wrapper(*args, **kwargs):
            verdict = function(*args, **kwargs)
            self.rejected.append(verdict is not None)
            return verdict

        return wrapper

    def counted(self, function):
        def wrapper(*args, **kwargs):
            self.factorizations += 1
            return function(*args, **kwargs)

        return wrapper

    def split(self, total: float) -> dict:
        """The parts in seconds; ``other`` is what no wrapper saw."""
        parts = dict(self.seconds)
        # The first value is the initial state's; then one per trial, in order.
        rejected = [False, *self.rejected]
        for seconds, bad in zip(self.trials, rejected, strict=False):
            parts["line_search" if bad else "energy"] += seconds
        parts["other"] = total - sum(v for k, v in parts.items() if k != "other")
        return parts


@contextmanager
def probing(probe: Probe):
    """Wrap the methods a Newton run calls; restore them afterwards."""
    energy = curvature.DelaunayConformalEnergy
    patches = [
        (energy, "__init__", probe.timed("setup", energy.__init__)),
        (energy, "value", probe.timed_value(energy.value)),
        (energy, "gradient", probe.timed("energy", energy.gradient)),
        (energy, "hessian", probe.timed("hessian", energy.hessian)),
        (
            engine.GradientFlow,
            "_restrict",
            probe.timed("hessian", engine.GradientFlow._restrict),
        ),
        (engine.GradientFlow, "_verdict", probe.judged(engine.GradientFlow._verdict)),
        (
            Factorization,
            "__init__",
            probe.counted(probe.timed("factorize", Factorization.__init__)),
        ),
        (Factorization, "solve", probe.timed("solve", Factorization.solve)),
    ]
    saved = [(owner, name, owner.__dict__[name]) for owner, name, _ in patches]
    try:
        for owner, name, wrapper in patches:
            setattr(owner, name, wrapper)
        yield probe
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


# ---------------------------------------------------------------------- runs


def newton(mesh: gf.TriangleMesh, probes: list) -> gf.FlowResult:
    """One Newton run, its parts recorded in a new probe appended to ``probes``."""
    probe = Probe()
    intrinsic._PATTERNS.clear()  # cold: no Laplacian pattern kept from a past run
    with probing(probe):
        start = time.perf_counter()
        result = gf.curvature_flow(mesh, target="uniform", tol=TOL)
        probe.total = time.perf_counter() - start
    probes.append(probe)
    return result


def explicit(mesh: gf.TriangleMesh, budget: float) -> dict:
    """The explicit flow to ``TOL`` or for ``budget`` seconds, and its extrapolation."""
    clock = {"start": time.perf_counter()}
    stamps = [0.0]

    def out_of_time(step, t, u, value):
        stamps.append(time.perf_counter() - clock["start"])
        return stamps[-1] > budget

    result = gf.curvature_flow(
        mesh,
        target="uniform",
        method="explicit",
        tol=TOL,
        max_steps=10**9,
        callback=out_of_time,
    )
    seconds = time.perf_counter() - clock["start"]
    errors = result.curvature_error
    row = {
        "seconds": seconds,
        "steps": int(result.n_steps),
        "rejected": int(result.n_rejected),
        "reason": result.reason,
        "error": float(errors[-1]),
        "converged": bool(result.converged),
    }
    row.update(extrapolate(errors, seconds))
    return row


def extrapolate(errors: np.ndarray, seconds: float) -> dict:
    """Rate per step fitted on the last steps, and the time to reach ``TOL``.

    ``max |K - K*|`` of the explicit flow decays like ``rho^k`` once the
    slowest mode of ``e' = -L e`` dominates; ``rho`` is fitted by least squares
    on ``log e`` over the last :data:`RATE_WINDOW` steps.
    """
    tail = np.asarray(errors[-RATE_WINDOW:], dtype=np.float64)
    if errors[-1] <= TOL:
        return {"rate": None, "extrapolated_seconds": seconds}
    if len(tail) < 3 or np.any(tail <= 0):
        return {"rate": None, "extrapolated_seconds": None}
    slope = np.polyfit(np.arange(len(tail)), np.log(tail), 1)[0]
    rate = float(np.exp(slope))
    if rate >= 1.0:
        return {"rate": rate, "extrapolated_seconds": None}  # no linear decay
    per_step = seconds / max(len(errors) - 1, 1)
    more = math.log(TOL / errors[-1]) / slope
    return {"rate": rate, "extrapolated_seconds": seconds + more * per_step}


# ---------------------------------------------------------------------- driver


def benchmark_mesh(name: str, repeat: int, budget: float) -> dict:
    """Factorization and Newton in turns, then the explicit flow, on one mesh."""
    mesh = load(name)
    vertices, faces = mesh.vertices, mesh.faces
    laplacian, initial_flips = pinned_delaunay_laplacian(mesh)
    load_average = os.getloadavg()[0]
    print(
        f"\n{Path(name).name}: {mesh.n_faces:,} faces, {mesh.n_vertices:,} vertices, "
        f"{initial_flips} initial flips; load average {load_average:.2f}",
        flush=True,
    )
    probes, results = [], []
    seconds = {"factorization": [], "newton": []}
    for _ in range(repeat):
        seconds["factorization"].append(time_call(Factorization, lambda: (laplacian,)))
        seconds["newton"].append(
            time_call(
                lambda m: results.append(newton(m, probes)),
                lambda: (gf.TriangleMesh(vertices, faces),),
            )
        )
        print(
            f"  factorization {seconds['factorization'][-1]:.3g} s, "
            f"newton {seconds['newton'][-1]:.3g} s",
            flush=True,
        )
    result = results[-1]
    median = {key: float(np.median(runs)) for key, runs in seconds.items()}
    ratio = median["newton"] / median["factorization"]
    parts = [p.split(p.total) for p in probes]
    steps = int(result.n_steps)
    print(f"  explicit flow, budget {budget:g} s ...", flush=True)
    return {
        "mesh": Path(name).name,
        "faces": mesh.n_faces,
        "vertices": mesh.n_vertices,
        "load_average": load_average,
        "laplacian_nnz": int(laplacian.nnz),
        "seconds": seconds,
        "median": median,
        "ratio": ratio,
        "target_met": ratio <= TARGET_FACTORIZATIONS,
        "newton": {
            "converged": bool(result.converged),
            "steps": steps,
            "rejected": int(result.n_rejected),
            "flips": int(result.extras["flips"]),
            "initial_flips": int(initial_flips),
            "factorizations": probes[-1].factorizations,
            "curvature_error": [float(e) for e in result.curvature_error],
            "parts": parts,
            "median_parts": {k: float(np.median([p[k] for p in parts])) for k in PARTS},
        },
        "explicit": explicit(gf.TriangleMesh(vertices, faces), budget),
    }


def markdown_table(rows: list[dict]) -> str:
    """One line per mesh: times, the ratio, Newton's counts, the explicit flow."""
    header = [
        "mesh",
        "faces",
        "factorization",
        "newton",
        "newton / fact.",
        "steps (rejected)",
        "flips",
        "explicit",
        "explicit error",
        "explicit to 1e-10",
    ]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * 9]
    for row in rows:
        n, e = row["newton"], row["explicit"]
        extrapolated = e["extrapolated_seconds"]
        cells = [
            row["mesh"],
            f"{row['faces']:,}",
            f"{row['median']['factorization']:.3g} s",
            f"{row['median']['newton']:.3g} s",
            f"{row['ratio']:.2f}",
            f"{n['steps']} ({n['rejected']})",
            f"{n['flips']:,}",
            f"{e['seconds']:.3g} s, {e['steps']:,} steps ({e['reason']})",
            f"{e['error']:.2e}",
            "–" if extrapolated is None else f"≈ {extrapolated:.3g} s",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parts_table(rows: list[dict]) -> str:
    """Newton's time per part (median over the runs), per mesh and per step."""
    header = ["mesh", *PARTS, "total", "per step"]
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(PARTS) + 2)]
    for row in rows:
        parts, steps = row["newton"]["median_parts"], max(row["newton"]["steps"], 1)
        total = row["median"]["newton"]
        cells = [row["mesh"], *(f"{parts[k]:.3g} s" for k in PARTS)]
        cells += [f"{total:.3g} s", f"{total / steps:.3g} s"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args(argv=None) -> argparse.Namespace:
    """The command-line options (see the module docstring)."""
    default = [SAMPLE] + ([str(ARMADILLO)] if ARMADILLO.exists() else [])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--meshes", nargs="+", default=default)
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds")
    parser.add_argument(
        "--explicit-budget",
        type=float,
        default=120.0,
        help="seconds the explicit flow may run (default: %(default)s)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    """Run every mesh, print the tables, write the JSON file."""
    args = parse_args(argv)
    if args.repeat < 1:
        raise SystemExit("--repeat must be at least 1")
    rows = [benchmark_mesh(m, args.repeat, args.explicit_budget) for m in args.meshes]
    print(f"\nMedian of {args.repeat} runs, tolerance max|K - K*| < {TOL:g}:\n")
    print(markdown_table(rows))
    print("\nNewton's time by part (median of the runs):\n")
    print(parts_table(rows))
    for row in rows:
        state = "met" if row["target_met"] else "NOT met"
        print(
            f"{row['mesh']}: newton = {row['ratio']:.2f} factorizations "
            f"(target <= {TARGET_FACTORIZATIONS:g}): {state}"
        )
    result = {
        "repeat": args.repeat,
        "tolerance": TOL,
        "target_factorizations": TARGET_FACTORIZATIONS,
        "explicit_budget": args.explicit_budget,
        "environment": environment(),
        "rows": rows,
    }
    gf.results.write_json(args.out, result)
    print(f"\nwrote {args.out}")
    return result


if __name__ == "__main__":
    main()
