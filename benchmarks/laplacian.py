"""Time the cotangent Laplacian and lumped mass on icospheres, against peer libraries.

Run from the repository root::

    python benchmarks/laplacian.py [--sizes 10000 100000 1000000] [--repeat 5]
        [--out benchmarks/results/laplacian.json]

Each size is a number of faces; the unit icosphere of frequency
``round(sqrt(size / 20))`` is used (``20 k²`` faces). Every figure is the median
of ``--repeat`` timed calls made after one untimed warm-up call, so numba
compilation (cached on disk) is never counted. What each column measures, and
what is deliberately left out of the timer, is written in
``benchmarks/README.md``; the same numbers, with every single run, go to the
JSON file.

Before timing, every peer's Laplacian is compared with geomflow's, up to sign,
and the check is printed: a timing is only worth reading if the matrices agree.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import time
from importlib import metadata
from pathlib import Path

import numpy as np

import geomflow as gf

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "results" / "laplacian.json"
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)

#: Largest accepted ``max |L_peer - L| / max |L|`` (after fixing the sign).
CHECK_TOLERANCE = 1e-10

#: Size (faces) at which the targets are judged, and the targets as fractions of
#: libigl's time for the same matrices.
TARGET_SIZE = 1_000_000
TARGETS = {"fresh": 0.5, "refill": 0.05}

#: Relative size of the random log conformal factors of the refilled metrics.
CONFORMAL_SCALE = 0.01

#: Distributions whose versions are recorded in the JSON file.
PACKAGES = (
    "geomflow",
    "numpy",
    "scipy",
    "numba",
    "libigl",
    "gpytoolbox",
    "robust-laplacian",
    "lapy",
)


# ---------------------------------------------------------------------- timing


def time_cases(cases: dict, repeat: int = 5) -> dict[str, list[float]]:
    """Seconds of ``repeat`` calls of every case, after one warm-up call of each.

    Parameters
    ----------
    cases : dict of str to (run, setup)
        ``run(*setup())`` is timed; ``setup`` is not. Anything a call must not
        inherit from the previous one (a cached sparsity pattern, a metric's
        cached cotangents) is rebuilt by ``setup``, outside the timer.
    repeat : int

    Returns
    -------
    dict of str to list of float
        One duration per timed call (the warm-ups are dropped).

    Notes
    -----
    The cases take turns (round-robin), so a burst of load from other
    processes slows every contender of a size rather than one of them, and
    the ratios stay fair on a shared machine.
    """
    seconds = {name: [] for name in cases}
    for _ in range(repeat + 1):
        for name, (run, setup) in cases.items():
            seconds[name].append(time_call(run, setup))
    return {name: runs[1:] for name, runs in seconds.items()}


def time_call(run, setup=tuple) -> float:
    """Seconds taken by ``run(*setup())``, not counting ``setup``.

    As in :mod:`timeit`, the garbage collector is off while ``run`` executes;
    the result is released only after the clock stops, so freeing large
    matrices is not charged to the call.
    """
    args = setup()
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        result = run(*args)
        elapsed = time.perf_counter() - start
    finally:
        gc.enable()
    del args, result
    return elapsed


# ---------------------------------------------------------------------- geomflow


def assemble_fresh(mesh: gf.TriangleMesh):
    """Metric, Laplacian and lumped mass of a mesh whose pattern is not built."""
    metric = gf.EdgeMetric.from_mesh(mesh)
    return gf.cotan_laplacian(metric), gf.mass_matrix(metric, "lumped")


def refill(metric: gf.EdgeMetric, laplacian):
    """Laplacian values written into ``laplacian``, and the lumped mass vector."""
    return gf.cotan_laplacian(metric, out=laplacian), gf.vertex_areas(metric)


def refill_with_metric(mesh: gf.TriangleMesh, lengths: np.ndarray, laplacian):
    """:func:`refill` plus building and validating the metric from lengths."""
    return refill(gf.EdgeMetric(mesh, lengths), laplacian)


def geomflow_cases(mesh: gf.TriangleMesh, seed: int) -> dict:
    """The geomflow measurements on ``mesh`` as ``(run, setup)`` (see the README)."""
    vertices, faces = mesh.vertices, mesh.faces
    base = gf.EdgeMetric.from_mesh(mesh)
    laplacian = gf.cotan_laplacian(base)  # builds the pattern of ``mesh``
    rng = np.random.default_rng(seed)

    def conformal_lengths():
        u = CONFORMAL_SCALE * rng.standard_normal(mesh.n_vertices)
        return base.conformal(u).lengths

    return {
        "fresh": (assemble_fresh, lambda: (gf.TriangleMesh(vertices, faces),)),
        "refill": (
            refill,
            lambda: (gf.EdgeMetric(mesh, conformal_lengths()), laplacian),
        ),
        "refill_with_metric": (
            refill_with_metric,
            lambda: (mesh, conformal_lengths(), laplacian),
        ),
        "mesh": (gf.TriangleMesh, lambda: (vertices, faces)),
    }


def refill_error(mesh: gf.TriangleMesh, seed: int) -> float:
    """Relative difference between a refilled Laplacian and one built anew."""
    base = gf.EdgeMetric.from_mesh(mesh)
    laplacian = gf.cotan_laplacian(base)
    u = CONFORMAL_SCALE * np.random.default_rng(seed).standard_normal(mesh.n_vertices)
    changed = base.conformal(u)
    return relative_error(gf.cotan_laplacian(changed, out=laplacian), changed)


# ---------------------------------------------------------------------- peers


def libigl(vertices, faces):
    """``cotmatrix`` (negative semidefinite) and the Voronoi ``massmatrix``."""
    import igl

    voronoi = igl.MASSMATRIX_TYPE_VORONOI
    return lambda: (
        igl.cotmatrix(vertices, faces),
        igl.massmatrix(vertices, faces, voronoi),
    )


def gpytoolbox(vertices, faces):
    """``cotangent_laplacian`` and ``massmatrix`` (Voronoi, its default)."""
    import gpytoolbox as gpy

    return lambda: (
        gpy.cotangent_laplacian(vertices, faces),
        gpy.massmatrix(vertices, faces),
    )


def robust_laplacian(vertices, faces):
    """``mesh_laplacian``: intrinsic Delaunay ``L`` and lumped ``M`` in one call."""
    import robust_laplacian as rl

    return lambda: rl.mesh_laplacian(vertices, faces)


def lapy(vertices, faces):
    """``Solver(..., lump=True)``: stiffness and lumped mass.

    The ``TriaMesh`` (which builds two adjacency matrices) is made here,
    untimed, as geomflow's mesh is.
    """
    import lapy as lp

    tria = lp.TriaMesh(vertices, faces)

    def run():
        solver = lp.Solver(tria, lump=True)
        return solver.stiffness, solver.mass

    return run


#: Peer name -> function of ``(vertices, faces)`` that prepares (untimed) and
#: returns a call producing ``(L, M)``. A peer that fails to import is skipped.
PEERS = {
    "libigl": libigl,
    "gpytoolbox": gpytoolbox,
    "robust_laplacian": robust_laplacian,
    "lapy": lapy,
}


def relative_error(peer_laplacian, metric: gf.EdgeMetric) -> float:
    """``max |s L_peer - L| / max |L|``, ``s = ±1`` making the diagonal positive."""
    ours = gf.cotan_laplacian(metric)
    theirs = peer_laplacian.tocsr()
    sign = 1.0 if theirs.diagonal().sum() >= 0 else -1.0
    return float(abs(sign * theirs - ours).max() / abs(ours).max())


def check_peer(run, metric: gf.EdgeMetric) -> dict:
    """Compare one peer's matrices with geomflow's: Laplacian and total area."""
    laplacian, mass = run()
    area = metric.total_area()
    return {
        "sign": 1 if laplacian.diagonal().sum() >= 0 else -1,
        "laplacian_error": relative_error(laplacian, metric),
        "area_error": abs(float(mass.sum()) - area) / area,
    }


def peer_cases(mesh: gf.TriangleMesh) -> tuple[dict, dict]:
    """Checks and ``(run, setup)`` of every importable peer on ``mesh``'s arrays.

    The peers get writable copies, ``float64`` vertices and ``int64`` faces:
    the types every one of them accepts without converting.
    """
    vertices = np.array(mesh.vertices, dtype=np.float64)
    faces = np.array(mesh.faces, dtype=np.int64)
    metric = gf.EdgeMetric.from_mesh(mesh)
    checks, cases = {}, {}
    for name, prepare in PEERS.items():
        try:
            run = prepare(vertices, faces)
        except ImportError as error:
            print(f"  {name}: skipped ({error})")
            continue
        checks[name] = check_peer(run, metric)
        print(f"  {name}: {describe_check(checks[name])}", flush=True)
        cases[name] = (run, tuple)
    return checks, cases


def describe_check(check: dict) -> str:
    """One line for a peer's check: its sign, the error and the area difference."""
    ok = check["laplacian_error"] <= CHECK_TOLERANCE
    sign = "L" if check["sign"] > 0 else "-L"
    return (
        f"returns {sign}; max|L_peer - L| / max|L| = "
        f"{check['laplacian_error']:.1e} ({'ok' if ok else 'MISMATCH'}); "
        f"total mass vs area: {check['area_error']:.1e}"
    )


# ---------------------------------------------------------------------- driver


def frequency_for(n_faces: int) -> int:
    """Icosphere frequency ``k`` whose ``20 k²`` faces come closest to ``n_faces``."""
    return max(1, round(math.sqrt(n_faces / 20)))


def benchmark_size(size: int, repeat: int, seed: int) -> dict:
    """Every measurement and check on the icosphere closest to ``size`` faces."""
    frequency = frequency_for(size)
    mesh = gf.sample_mesh("icosphere", frequency=frequency)
    load = os.getloadavg()[0]
    print(
        f"\n{mesh.n_faces} faces ({mesh.n_vertices} vertices, frequency {frequency}); "
        f"load average {load:.2f} on {os.cpu_count()} cores",
        flush=True,
    )
    error = refill_error(mesh, seed)
    print(f"  geomflow: refilled L vs rebuilt L: {error:.1e}")
    checks, cases = peer_cases(mesh)
    seconds = time_cases({**geomflow_cases(mesh, seed), **cases}, repeat)
    medians = {name: float(np.median(runs)) for name, runs in seconds.items()}
    return {
        "size": size,
        "frequency": frequency,
        "faces": mesh.n_faces,
        "vertices": mesh.n_vertices,
        "edges": mesh.n_edges,
        "load_average": load,
        "refill_error": error,
        "checks": checks,
        "seconds": seconds,
        "median": medians,
        "ratios": ratios(medians),
    }


def ratios(medians: dict) -> dict:
    """Our fresh and refill medians over libigl's (empty without libigl)."""
    if "libigl" not in medians:
        return {}
    return {key: medians[key] / medians["libigl"] for key in TARGETS}


def judge_targets(rows: list[dict]) -> dict:
    """Whether each target is met on the icosphere of :data:`TARGET_SIZE` faces.

    Any requested size that maps to the same icosphere counts; ``None`` when
    none was run or libigl is missing.
    """
    frequency = frequency_for(TARGET_SIZE)
    row = next((r for r in rows if r["frequency"] == frequency), None)
    if row is None or not row["ratios"]:
        return {key: None for key in TARGETS}
    return {key: row["ratios"][key] <= TARGETS[key] for key in TARGETS}


def markdown_table(rows: list[dict]) -> str:
    """One line per size: medians in milliseconds, then the ratios to libigl."""
    peers = [name for name in PEERS if any(name in r["median"] for r in rows)]
    ours = ["fresh", "refill", "refill_with_metric", "mesh"]
    header = ["faces", *ours, *peers, "fresh / libigl", "refill / libigl"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---:|" * len(header)]
    for row in rows:
        cells = [f"{row['faces']:,}"]
        cells += [milliseconds(row["median"].get(name)) for name in ours + peers]
        cells += [ratio(row["ratios"].get(key)) for key in TARGETS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def milliseconds(seconds: float | None) -> str:
    """A table cell: three significant digits in ms, or a dash when not run."""
    return "–" if seconds is None else f"{1e3 * seconds:.3g} ms"


def ratio(value: float | None) -> str:
    """A table cell for a ratio, or a dash without libigl."""
    return "–" if value is None else f"{value:.3f}"


def describe_targets(verdict: dict) -> str:
    """One line per target: met, NOT met, or not measured."""
    lines = []
    for key, met in verdict.items():
        state = {None: "not measured", True: "met", False: "NOT met"}[met]
        lines.append(
            f"target at {TARGET_SIZE:,} faces: {key} <= {TARGETS[key]} x libigl: "
            f"{state}"
        )
    return "\n".join(lines)


def environment(packages=PACKAGES) -> dict:
    """Versions and machine facts that the timings depend on."""
    versions = {}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "NUMBA_NUM_THREADS": os.environ.get("NUMBA_NUM_THREADS"),
        "versions": versions,
    }


def parse_args(argv=None) -> argparse.Namespace:
    """The command-line options (see the module docstring)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=list(DEFAULT_SIZES),
        help="numbers of faces (default: %(default)s)",
    )
    parser.add_argument(
        "--repeat", type=int, default=5, help="timed runs per figure (default: 5)"
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="JSON file to write"
    )
    parser.add_argument("--seed", type=int, default=0, help="conformal factors")
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    """Run every size, print the checks and the table, write the JSON file."""
    args = parse_args(argv)
    if args.repeat < 1:
        raise SystemExit("--repeat must be at least 1")
    rows = [benchmark_size(size, args.repeat, args.seed) for size in args.sizes]
    verdict = judge_targets(rows)
    print(f"\nMedian of {args.repeat} warm runs:\n")
    print(markdown_table(rows))
    print("\n" + describe_targets(verdict))

    result = {
        "repeat": args.repeat,
        "environment": environment(),
        "targets": {"size": TARGET_SIZE, "fractions": TARGETS, "met": verdict},
        "rows": rows,
    }
    gf.results.write_json(args.out, result)
    print(f"\nwrote {args.out}")
    return result


if __name__ == "__main__":
    main()
