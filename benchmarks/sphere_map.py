"""Time geomflow's conformal sphere map against LaPy's, and compare the maps.

Run from the repository root::

    python benchmarks/sphere_map.py [--meshes PATH_OR_SAMPLE ...] [--repeat 3]
        [--out benchmarks/results/sphere_map.json]

By default the mesh is the armadillo, ``../shared/meshes/g0_armadillo.obj``
(86k faces), when that file is present, and the sample ``bumpy_sphere`` at
level 6 (82k faces) otherwise; ``bumpy_sphere`` names that sample. Both
methods are timed from vertex and face arrays to the map on the unit sphere:
``gf.harmonic_map_to_sphere`` (the harmonic map heat flow, run to its
default tolerance) and ``lapy.conformal.spherical_conformal_map`` (Choi, Lam
and Lui 2015: one linear solve, stereographic projection, a Beltrami
correction near the south pole). Each method's mesh object is built
untimed before every call, so no call inherits a cache from the last one.
Every figure is the median of ``--repeat`` calls, the methods taking turns.

Both maps are then judged by the same measures, from :mod:`geomflow.map_quality`:
faces turned over (``det(f_a, f_b, f_c) <= 0`` for outward-oriented faces),
the mean Beltrami coefficient ``|mu|``, the conformality gap ``E/A - 1``, the
degree and the centre of mass of the image. The targets: geomflow turns no
face over, its mean ``|mu|`` is no worse than LaPy's, and it takes at most
twice LaPy's time.
"""

from __future__ import annotations

import argparse
import os
import sys
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


def time_methods(cases: dict, repeat: int) -> tuple[dict, dict, dict]:
    """Seconds of every call, the last map of each method, and any error.

    The methods take turns. A method that raises is timed no further; its
    error message is kept.
    """
    seconds = {name: [] for name in cases}
    maps, errors = {}, {}
    for _ in range(repeat):
        for name, (run, setup) in cases.items():
            if name in errors:
                continue
            box = {}

            def call(*args, run=run, box=box):
                box["map"] = run(*args)

            try:
                seconds[name].append(time_call(call, setup))
            except (ValueError, gf.GeomflowError, RuntimeError) as error:
                errors[name] = f"{type(error).__name__}: {error}"
                print(f"  {name} failed: {errors[name]}", flush=True)
                continue
            maps[name] = box["map"]
            print(f"  {name}: {seconds[name][-1]:.3f} s", flush=True)
    return seconds, maps, errors


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


def load(name: str) -> tuple[str, gf.TriangleMesh]:
    if name == SAMPLE:
        return f"{SAMPLE} level {SAMPLE_LEVEL}", gf.sample_mesh(SAMPLE, level=6)
    return Path(name).name, gf.load_mesh(name)


def benchmark_mesh(name: str, repeat: int) -> dict:
    label, mesh = load(name)
    load_average = os.getloadavg()[0]
    print(
        f"\n{label}: {mesh.n_faces} faces, {mesh.n_vertices} vertices; "
        f"load average {load_average:.2f} on {os.cpu_count()} cores",
        flush=True,
    )
    vertices = np.array(mesh.vertices, dtype=np.float64)
    faces = np.array(mesh.faces, dtype=np.int64)
    warm_up()
    seconds, maps, errors = time_methods(setups(vertices, faces), repeat)

    metric = gf.EdgeMetric.from_mesh(mesh)
    methods = {}
    for method in seconds:
        row = {"seconds": seconds[method], "error": errors.get(method)}
        row["median"] = float(np.median(seconds[method])) if seconds[method] else None
        if method in maps:
            f, reflected = oriented(metric, state(maps[method]))
            row.update(quality(metric, f), reflected=reflected)
        if isinstance(maps.get(method), gf.FlowResult):
            result = maps[method]
            row.update(
                steps=result.n_steps,
                rejected=result.n_rejected,
                init=result.extras["init"],
                reason=result.reason,
            )
        methods[method] = row
    return {
        "mesh": label,
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
    header += ["gap E/A-1", "degree", "centre of mass", "steps"]
    lines = ["| " + " | ".join(header) + " |", "|---|---|" + "---:|" * 7]
    for row in rows:
        for method, m in row["methods"].items():
            cells = [f"{row['mesh']} ({row['faces']:,} faces)", method]
            if m.get("error"):
                cells += [f"failed: {m['error'][:60]}"] + ["–"] * 6
            else:
                cells += [
                    f"{m['median']:.2f} s",
                    str(m["flipped_faces"]),
                    f"{m['mean_mu']:.2e}",
                    f"{m['conformality_gap']:.2e}",
                    f"{m['degree']:.3f}",
                    f"{m['centre_of_mass']:.1e}",
                    str(m.get("steps", "–")),
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
        "--out", type=Path, default=DEFAULT_OUT, help="JSON file to write"
    )
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    if args.repeat < 1:
        raise SystemExit("--repeat must be at least 1")
    rows = [benchmark_mesh(name, args.repeat) for name in args.meshes]
    print(f"\nMedian of {args.repeat} runs:\n")
    print(markdown_table(rows))
    print("\n" + describe_targets(rows))
    result = {"repeat": args.repeat, "environment": environment(PACKAGES), "rows": rows}
    gf.results.write_json(args.out, result)
    print(f"\nwrote {args.out}")
    return result


if __name__ == "__main__":
    main()
