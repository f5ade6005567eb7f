"""The ``geomflow`` command, run as ``python -m geomflow`` in a child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

import geomflow as gf
from geomflow.cli import COMMANDS, build_parser


def run_cli(*args: str, cwd=None, env=None) -> subprocess.CompletedProcess:
    """Run ``python -m geomflow ARGS``; independent of PATH and of the venv's bin.

    ``env`` adds to (or overrides) the current environment variables.
    """
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "geomflow", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=env,
        timeout=300,
        check=False,
    )


def test_meshes_lists_every_sample():
    done = run_cli("meshes")

    assert done.returncode == 0, done.stderr
    listed = [line.split()[0] for line in done.stdout.splitlines() if line.strip()]
    assert listed == list(gf.list_sample_meshes())


def test_info_on_a_sample_reports_topology_and_gauss_bonnet():
    done = run_cli("info", "icosphere")

    assert done.returncode == 0, done.stderr
    assert "χ = 2" in done.stdout
    assert "genus 0" in done.stdout
    assert "Gauss-Bonnet" in done.stdout


def test_info_on_a_file(tmp_path):
    path = tmp_path / "torus.obj"
    gf.save_mesh(gf.sample_mesh("torus"), path)

    done = run_cli("info", str(path))

    assert done.returncode == 0, done.stderr
    assert "χ = 0" in done.stdout
    assert "genus 1" in done.stdout


def test_missing_file_is_one_line_on_stderr_and_exit_1():
    done = run_cli("info", "/nonexistent.obj")

    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("geomflow: error: ")
    assert "/nonexistent.obj" in lines[0]
    assert "Traceback" not in done.stderr


def test_verbose_adds_the_traceback():
    done = run_cli("info", "/nonexistent.obj", "--verbose")

    assert done.returncode == 1
    assert "Traceback" in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("geomflow: error: ")


def test_unknown_sample_in_demo_is_an_error(tmp_path):
    done = run_cli("demo", "--out", str(tmp_path), "--mesh", "no_such_mesh")

    assert done.returncode == 1
    assert "no_such_mesh" in done.stderr
    assert "Traceback" not in done.stderr
    assert not any(tmp_path.iterdir())


#: A small, fast demo: the bumpy sphere at level 2 (162 vertices), 6 frames.
DEMO_ARGS = ("--mesh", "bumpy_sphere", "--level", "2", "--frames", "6")

#: Files the demo writes whether or not it can render.
DEMO_DATA = {
    "metrics.json",
    "mesh.ply",
    "phase_energy.png",
    "heat_energy.png",
    "curvature_error.png",
    *(
        f"{name}.npz"
        for name in (
            "sphere_map",
            "allen_cahn",
            "cahn_hilliard",
            "dirichlet_euclidean",
            "dirichlet_l2",
            "dirichlet_h1",
            "curvature_newton",
            "curvature_explicit",
        )
    ),
}
DEMO_ANIMATIONS = {"sphere_map.mp4", "phase_separation.mp4", "curvature_flow.gif"}

#: An OpenGL window class that does not exist: the rendering probe fails.
NO_RENDERING = {"VTK_DEFAULT_OPENGL_WINDOW": "vtkNoSuchWindow"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One small demo run, shared by the checks below."""
    if not gf.viz.rendering_available():
        pytest.skip(
            "off-screen rendering is unavailable here (no EGL/OpenGL libraries; "
            "Debian: apt-get install libegl1 libgl1 libgl1-mesa-dri libgbm1)"
        )
    out = tmp_path_factory.mktemp("demo") / "demo"
    done = run_cli("demo", "--out", str(out), *DEMO_ARGS)
    assert done.returncode == 0, done.stderr
    return out, done


def test_demo_writes_every_file_and_a_summary(demo):
    out, done = demo

    names = {p.name for p in out.iterdir()}
    assert names == DEMO_DATA | DEMO_ANIMATIONS | {"sphere_map.png"}
    for name in names:
        assert (out / name).stat().st_size > 0, name
    for flow in ("harmonic map", "Allen-Cahn", "Cahn-Hilliard", "newton", "explicit"):
        assert flow in done.stdout
    assert "wrote" in done.stdout


def test_demo_metrics_are_sane(demo):
    out, _ = demo
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))

    assert metrics["rendered"] is True
    assert metrics["mesh"]["euler_characteristic"] == 2
    assert metrics["mesh"]["area"] == pytest.approx(4 * np.pi)
    sphere = metrics["flows"]["sphere_map"]
    assert sphere["reason"] == "converged"
    assert 0.0 <= sphere["conformality_gap"] < 1e-2
    assert sphere["flipped_faces"] == 0
    assert 0.0 < sphere["mean_abs_mu"] < 0.05
    flows = metrics["flows"]["gradient_flow"]
    assert abs(flows["cahn_hilliard"]["mass_drift"]) < 1e-10
    assert abs(flows["dirichlet_l2"]["mass_drift"]) < 1e-10
    assert abs(flows["dirichlet_h1"]["mass_drift"]) < 1e-10
    assert abs(flows["allen_cahn"]["mass_drift"]) > 1.0  # L2 does not conserve it
    assert all(flow["energy_monotone"] for flow in flows.values() if "steps" in flow)
    curvature = metrics["flows"]["curvature_flow"]
    assert curvature["newton"]["reason"] == "converged"
    assert curvature["newton"]["final_error"] < 1e-8
    assert curvature["newton"]["steps"] <= 10
    assert curvature["gauss_bonnet_error"] < 1e-10
    assert curvature["explicit"]["final_error"] < 1e-2


@pytest.mark.parametrize("name", sorted(DEMO_ANIMATIONS))
def test_demo_animation_frames_move(demo, name):
    import imageio.v3 as iio

    out, _ = demo
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    expected = metrics["pictures"][name]

    frames = np.asarray(iio.imread(out / name, index=None))[..., :3]

    width, height = expected["size"]
    assert frames.shape == (expected["frames"], height, width, 3)
    assert expected["frames"] == 6  # --frames 6; each flow records more steps
    if name.endswith(".mp4"):
        assert width % 16 == 0 and height % 16 == 0
    for k in range(len(frames) - 1):
        assert np.any(frames[k] != frames[k + 1]), f"frames {k} and {k + 1} equal"
    colours = np.unique(frames[-1].reshape(-1, 3), axis=0)
    assert len(colours) > 20, "the last frame is (nearly) one flat colour"


def test_demo_without_rendering_keeps_the_numbers_and_fails(tmp_path):
    out = tmp_path / "demo"

    done = run_cli("demo", "--out", str(out), *DEMO_ARGS, env=NO_RENDERING)

    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("geomflow: error: cannot render off-screen")
    assert {p.name for p in out.iterdir()} == DEMO_DATA
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["rendered"] is False
    assert metrics["render_error"].startswith("cannot render off-screen")
    assert metrics["flows"]["curvature_flow"]["newton"]["final_error"] < 1e-8


def test_demo_on_a_torus_file_skips_the_sphere_map(tmp_path):
    path = tmp_path / "torus.obj"
    gf.save_mesh(gf.sample_mesh("torus", n_major=24, n_minor=10), path)
    out = tmp_path / "demo"

    done = run_cli(
        "demo", "--out", str(out), "--mesh", str(path), "--frames", "2",
        env=NO_RENDERING,
    )  # fmt: skip

    assert done.returncode == 1  # no rendering, but the numbers are written
    assert "skipping the map to the sphere" in done.stderr
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["mesh"]["name"] == "torus"
    assert "genus 1" in metrics["flows"]["sphere_map"]["skipped"]
    assert metrics["flows"]["curvature_flow"]["newton"]["final_error"] < 1e-8
    assert not (out / "sphere_map.npz").exists()


def test_demo_level_is_for_samples_only(tmp_path):
    path = tmp_path / "sphere.obj"
    gf.save_mesh(gf.sample_mesh("icosphere", level=1), path)

    done = run_cli("demo", "--out", str(tmp_path / "demo"), "--mesh", str(path),
                   "--level", "2")  # fmt: skip

    assert done.returncode == 1
    assert "--level" in done.stderr
    assert not (tmp_path / "demo").exists()


def test_every_command_parses():
    parser = build_parser()
    for command in COMMANDS:
        args = parser.parse_args([command.name, *_required_arguments(command.name)])
        assert args.command is command
    with pytest.raises(SystemExit):
        parser.parse_args([])


def test_verbosity_options_before_or_after_the_command():
    parser = build_parser()
    assert parser.parse_args(["-v", "meshes"]).verbose
    assert parser.parse_args(["meshes", "--verbose"]).verbose
    assert parser.parse_args(["--quiet", "meshes"]).quiet
    args = parser.parse_args(["meshes"])
    assert not args.quiet and not args.verbose


def test_run_help_lists_the_experiment_options():
    done = run_cli("run", "stiffness", "--help")

    assert done.returncode == 0, done.stderr
    assert "--levels" in done.stdout and "--out" in done.stdout
    assert "explicit Euler" in done.stdout  # the description, from the docstring


def test_every_experiment_documents_its_options():
    """``geomflow run X --help`` works for each registered experiment."""
    from experiments import EXPERIMENTS

    for name in EXPERIMENTS:
        done = run_cli("run", name, "--help")
        assert done.returncode == 0, (name, done.stderr)
        assert "--out" in done.stdout, name


@pytest.mark.usefixtures("needs_rendering")
def test_run_then_render_writes_metrics_and_an_animation(tmp_path):
    out = tmp_path / "heat"
    done = run_cli(
        "run", "heat_diffusion", "--out", str(out), "--mesh", "icosphere",
        "--level", "2", "--t-end", "0.05", "--record-every", "5", "--no-render",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["energy_non_increasing"]
    assert not (out / "heat.mp4").exists()

    done = run_cli("render", str(out), "--format", "gif")

    assert done.returncode == 0, done.stderr
    assert (out / "heat.gif").stat().st_size > 0


def test_render_without_a_result_is_one_line_error(tmp_path):
    done = run_cli("render", str(tmp_path))

    assert done.returncode == 1
    assert "mesh.ply" in done.stderr
    assert "Traceback" not in done.stderr


def _required_arguments(name: str) -> list[str]:
    return {"info": ["icosphere"], "run": ["stiffness"], "render": ["out"]}.get(
        name, []
    )
