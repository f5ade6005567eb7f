"""The ``geomflow`` command, run as ``python -m geomflow`` in a child process."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import geomflow as gf
from geomflow.cli import COMMANDS, build_parser


def run_cli(*args: str, cwd=None) -> subprocess.CompletedProcess:
    """Run ``python -m geomflow ARGS``; independent of PATH and of the venv's bin."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
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


@pytest.fixture
def needs_rendering():
    """Skip (at run time, not at collection) where off-screen rendering fails."""
    if not gf.viz.rendering_available():
        pytest.skip(
            "off-screen rendering is unavailable here (no EGL/OpenGL libraries; "
            "Debian: apt-get install libegl1 libgl1 libgl1-mesa-dri libgbm1)"
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
    gf.sample_mesh("torus").save(path)

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


@pytest.mark.usefixtures("needs_rendering")
def test_demo_writes_pictures_and_metrics(tmp_path):
    out = tmp_path / "demo"

    done = run_cli("demo", "--out", str(out), "--mesh", "icosphere", "--mesh", "torus")

    assert done.returncode == 0, done.stderr
    assert (out / "icosphere.png").stat().st_size > 0
    assert (out / "torus.png").stat().st_size > 0
    metrics = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    icosphere = metrics["meshes"]["icosphere"]
    assert icosphere["euler_characteristic"] == 2
    assert icosphere["genus"] == 0
    assert icosphere["boundary_loops"] == 0
    assert icosphere["gauss_bonnet_error"] < 1e-10
    assert 0.0 < icosphere["min_angle_degrees"] <= 60.0
    assert metrics["meshes"]["torus"]["euler_characteristic"] == 0
    assert "icosphere" in done.stdout and "torus" in done.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "icosphere.png",
        "metrics.json",
        "torus.png",
    ]


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
