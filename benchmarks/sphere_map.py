"""Time geomflow's conformal sphere map against LaPy's, and compare the maps.

Run from the repository root::

    python benchmarks/sphere_map.py [--meshes PATH_OR_SAMPLE ...] [--repeat 3]
        [--subdivide K [K ...]] [--out benchmarks/results/sphere_map.json]

By default the mesh is the armadillo, ``../shared/meshes/g0_armadillo.obj``
(86k faces), when that file is present, and the sample ``bumpy_sphere`` at
level 6 (82k faces) otherwise; ``bumpy_sphere`` names that sample. With
``--subdivide K`` every mesh is first split by ``gf.subdivide(mesh, K,
scheme="midpoint")``, untimed: the same polyhedral surface with ``4**K`` times
the faces; several levels give one case each. Both methods are timed from
vertex and face arrays to the map on the unit sphere:
``gf.harmonic_map_to_sphere`` (the harmonic map heat flow, run to its default
tolerance) and ``lapy.conformal.spherical_conformal_map`` (Choi, Lam
and Lui 2015: one linear solve, stereographic projection, a Beltrami
correction near the south pole). Each method's mesh object is built
untimed before every call, so no call inherits a cache from the last one.
Every figure is the median of ``--repeat`` calls, the methods taking turns.
The peak resident memory of each call above what the process held before it
is read from ``/proc/self/status`` (``VmHWM``, reset through
``/proc/self/clear_refs``), on Linux only.

Both maps are then judged by the same measures, from :mod:`geomflow.map_quality`:
faces turned over (``det(f_a, f_b, f_c) <= 0`` for outward-oriented faces),
the mean Beltrami coefficient ``|mu|``, the conformality gap ``E/A - 1``, the
degree and the centre of mass of the image. The targets: geomflow turns no
face over, its mean ``|mu|`` is no worse than LaPy's, and it takes at most
twice LaPy's time.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

import geomflow as gf

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from laplacian import environment, time_call  # noqa: E402  (shared with it)

DEFAULT_OUT = HERE / "results" / "sphere_map.json"
ARMADILLO = HERE.parents[1] / "shared" / "meshes" / "g0_armadillo.obj"
SAMPLE = "bumpy_sphere"
SAMPLE_LEVEL = 6

#: geomflow's time may be at most this multiple of LaPy's.
TIME_FACTOR = 2.0

PACKAGES = ("geomflow", "numpy", "scipy", "lapy")


# ---------------------------------------------------------------------- methods


def run_geomflow(mesh: gf.TriangleMesh) -> gf.FlowResult:
    return gf.harmonic_map_to_sphere(mesh)


def run_lapy(tria) -> np.ndarray:
    from lapy.conformal import spherical_conformal_map

    return spherical_conformal_map(tria)


def setups(vertices: np.ndarray, faces: np.ndarray) -> dict:
    """``(run, setup)`` of each method; ``setup`` builds its mesh object, untimed."""
    import lapy

    return {
        "geomflow": (run_geomflow, lambda: (gf.TriangleMesh(vertices, faces),)),
        "lapy": (run_lapy, lambda: (lapy.TriaMesh(vertices, faces),)),
    }


def warm_up() -> None:
    """One untimed call of each method on a small sphere: imports, numba caches."""
    small = gf.sample_mesh(SAMPLE, level=2)
    vertices, faces = np.array(small.vertices), np.array(small.faces)
    for run, setup in setups(vertices, faces).values():
        run(*setup())


def resident_memory(field: str) -> float | None:
    """``VmRSS`` or ``VmHWM`` (peak) of this process in MiB; None if not Linux."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    found = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) / 1024 if found else None


def reset_peak_memory() -> float | None:
    """Lower the peak resident memory to the current one; that one in MiB.

    Writing ``5`` to ``/proc/self/clear_refs`` resets ``VmHWM`` (Linux 4.0 and
    later). Returns None where that is not possible.
    """
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return None
    return resident_memory("VmRSS")


def time_methods(cases: dict, repeat: int) -> dict:
    """Every call of each method: seconds, memory, the last map, any error.

    Returns, per method, ``seconds`` and ``memory`` (lists, one entry per
    call), ``map`` (the output of the last call) and ``error`` (None, or the
    message of the exception that stopped the method, which then has
    ``failed_after``: the seconds from the call to the exception, None when
    the untimed set-up raised). The methods take
    turns; a method that raises is timed no further. The memory of a call, in
    MiB, is the peak resident memory during it less the resident memory
    before it (None where it cannot be read), taken outside the clock.
    """
    records = {name: {"seconds": [], "memory": [], "error": None} for name in cases}
    for _ in range(repeat):
        for name, (run, setup) in cases.items():
            record = records[name]
            if record["error"]:
                continue
            box = {}

            def call(*args, run=run, box=box):
                box["start"] = time.perf_counter()
                box["map"] = run(*args)

            def measured_setup(setup=setup, box=box):
                args = setup()
                gc.collect()
                box["before"] = reset_peak_memory()
                return args

            try:
                record["seconds"].append(time_call(call, measured_setup))
            except (ValueError, gf.GeomflowError, RuntimeError, MemoryError) as error:
                after = time.perf_counter() - box["start"] if "start" in box else None
                record["failed_after"] = after
                record["error"] = f"{type(error).__name__}: {error}"
                when = "in set-up" if after is None else f"after {after:.3f} s"
                print(f"  {name} failed {when}: {record['error']}", flush=True)
                continue
            peak = resident_memory("VmHWM")
            if peak is None or box["before"] is None:
                record["memory"].append(None)
            else:
                record["memory"].append(peak - box["before"])
            record["map"] = box["map"]
            print(f"  {name}: {record['seconds'][-1]:.3f} s", flush=True)
    return records


# ---------------------------------------------------------------------- quality


def quality(metric: gf.EdgeMetric, f: np.ndarray) -> dict:
    """Flips, mean |mu|, conformality gap, degree and centre of mass of a map."""
    mesh = metric.mesh
    f = np.asarray(f, dtype=np.float64)
    areas = gf.vertex_areas(metric)
    angles = gf.map_quality.angle_distortion(metric, f)
    return {
        "flipped_faces": int(len(gf.map_quality.flipped_faces(mesh, f))),
        "mean_mu": angles["mean_mu"],
        "max_mu": angles["max_mu"],
        "conformality_gap": gf.map_quality.conformality_gap(metric, f),
        "degree": gf.map_quality.sphere_map_degree(mesh, f),
        "max_radius_error": float(np.abs(np.linalg.norm(f, axis=1) - 1.0).max()),
        "centre_of_mass": float(np.linalg.norm(areas @ f / areas.sum())),
    }


def state(output) -> np.ndarray:
    """The vertex images of a method's output: a FlowResult or an array."""
    return output.state if isinstance(output, gf.FlowResult) else output


def oriented(metric: gf.EdgeMetric, f: np.ndarray) -> tuple[np.ndarray, bool]:
    """``f``, reflected when its degree is -1 (an inside-out map), and whether."""
    if gf.map_quality.sphere_map_degree(metric.mesh, f) < 0:
        reflected = np.array(f, dtype=np.float64)
        reflected[:, 0] *= -1.0
        return reflected, True
    return f, False


# ---------------------------------------------------------------------- driver


def load(name: str, levels: int = 0) -> tuple[str, gf.TriangleMesh, int]:
    """Label, mesh and the input's face count of a file or of the sample.

    The mesh is midpoint-subdivided ``levels`` times, and the label says so.
    """
    if name == SAMPLE:
        label = f"{SAMPLE} level {SAMPLE_LEVEL}"
        mesh = gf.sample_mesh(SAMPLE, level=SAMPLE_LEVEL)
    else:
        label, mesh = Path(name).name, gf.load_mesh(name)
    input_faces = mesh.n_faces
    if levels:
        label = f"{label} subdivided x{levels}"
        mesh = gf.subdivide(mesh, levels, scheme="midpoint")
    return label, mesh, input_faces


def benchmark_mesh(name: str, repeat: int, levels: int = 0) -> dict:
    label, mesh, input_faces = load(name, levels)
    load_average = os.getloadavg()[0]
    print(
        f"\n{label}: {mesh.n_faces} faces, {mesh.n_vertices} vertices; "
        f"load average {load_average:.2f} on {os.cpu_count()} cores",
        flush=True,
    )
    vertices = np.array(mesh.vertices, dtype=np.float64)
    faces = np.array(mesh.faces, dtype=np.int64)
    warm_up()
    records = time_methods(setups(vertices, faces), repeat)

    metric = gf.EdgeMetric.from_mesh(mesh)
    methods = {}
    for method, record in records.items():
        seconds, output = record["seconds"], record.get("map")
        row = {"seconds": seconds, "error": record["error"]}
        if "failed_after" in record:
            row["failed_after"] = record["failed_after"]
        row["median"] = float(np.median(seconds)) if seconds else None
        known = [m for m in record["memory"] if m is not None]
        row["peak_memory_mib"] = record["memory"]
        row["max_peak_memory_mib"] = max(known) if known else None
        if output is not None:
            f, reflected = oriented(metric, state(output))
            row.update(quality(metric, f), reflected=reflected)
        if isinstance(output, gf.FlowResult):
            result = output
            row.update(
                steps=result.n_steps,
                rejected=result.n_rejected,
                init=result.extras["init"],
                reason=result.reason,
            )
        methods[method] = row
    return {
        "mesh": label,
        "subdivide": levels,
        "input_faces": input_faces,
        "faces": mesh.n_faces,
        "vertices": mesh.n_vertices,
        "load_average": load_average,
        "methods": methods,
        "targets": judge(methods),
    }


def judge(methods: dict) -> dict:
    """Each target: True, False, or None when LaPy gave no map to compare with."""
    ours, theirs = methods["geomflow"], methods.get("lapy", {})
    flips = None if ours.get("error") else ours["flipped_faces"] == 0
    if ours.get("error") or theirs.get("error") or "mean_mu" not in theirs:
        return {"no_flips": flips, "mean_mu": None, "time": None}
    return {
        "no_flips": flips,
        "mean_mu": ours["mean_mu"] <= theirs["mean_mu"],
        "time": ours["median"] <= TIME_FACTOR * theirs["median"],
    }


def markdown_table(rows: list[dict]) -> str:
    header = ["mesh", "method", "time (median)", "flipped", r"mean \|mu\|"]
    header += ["gap E/A-1", "degree", "centre of mass", "steps", "peak memory"]
    lines = ["| " + " | ".join(header) + " |", "|---|---|" + "---:|" * 8]
    for row in rows:
        for method, m in row["methods"].items():
            cells = [f"{row['mesh']} ({row['faces']:,} faces)", method]
            if m.get("error"):
                after = m.get("failed_after")
                when = "in set-up" if after is None else f"after {after:.1f} s"
                failed = f"failed {when}: {m['error'][:60]}"
                cells += [failed] + ["–"] * 7
            else:
                peak = m["max_peak_memory_mib"]
                cells += [
                    f"{m['median']:.2f} s",
                    str(m["flipped_faces"]),
                    f"{m['mean_mu']:.2e}",
                    f"{m['conformality_gap']:.2e}",
                    f"{m['degree']:.3f}",
                    f"{m['centre_of_mass']:.1e}",
                    str(m.get("steps", "–")),
                    "–" if peak is None else f"{peak:,.0f} MiB",
                ]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def describe_targets(rows: list[dict]) -> str:
    words = {None: "not judged (no LaPy map)", True: "met", False: "NOT met"}
    lines = []
    for row in rows:
        t = row["targets"]
        lines.append(
            f"{row['mesh']}: no flips: {words[t['no_flips']]}; mean |mu| <= LaPy's: "
            f"{words[t['mean_mu']]}; time <= {TIME_FACTOR:g} x LaPy's: "
            f"{words[t['time']]}"
        )
    return "\n".join(lines)


def parse_args(argv=None) -> argparse.Namespace:
    default = [str(ARMADILLO)] if ARMADILLO.exists() else [SAMPLE]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--meshes",
        nargs="+",
        default=default,
        help=f"mesh files, or '{SAMPLE}' for the level-6 sample (default: %(default)s)",
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="timed runs per method (default: 3)"
    )
    parser.add_argument(
        "--subdivide",
        type=int,
        nargs="+",
        default=[0],
        metavar="K",
        help="midpoint-subdivide every mesh K times first, untimed; several levels "
        "give one case each (default: 0)",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="JSON file to write"
    )
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    if args.repeat < 1:
        raise SystemExit("--repeat must be at least 1")
    if min(args.subdivide) < 0:
        raise SystemExit("--subdivide must be 0 or more")
    rows = [
        benchmark_mesh(name, args.repeat, levels)
        for name in args.meshes
        for levels in args.subdivide
    ]
    print(f"\nMedian of {args.repeat} runs:\n")
    print(markdown_table(rows))
    print("\n" + describe_targets(rows))
    result = {
        "repeat": args.repeat,
        "subdivide": args.subdivide,
        "environment": environment(PACKAGES),
        "rows": rows,
    }
    gf.results.write_json(args.out, result)
    print(f"\nwrote {args.out}")
    return result


if __name__ == "__main__":
    main()
