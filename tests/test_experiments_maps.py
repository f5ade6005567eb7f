"""The sphere-map and disk-map experiments at small size, one key number each."""

from __future__ import annotations

import json

import numpy as np
import pytest

import geomflow as gf
from experiments import EXPERIMENTS, disk_map, sphere_map  # noqa: E402


def test_both_are_registered():
    assert EXPERIMENTS["sphere_map"] == "experiments.sphere_map"
    assert EXPERIMENTS["disk_map"] == "experiments.disk_map"


def test_sphere_map_is_conformal_without_flips(tmp_path):
    metrics = sphere_map.main(tmp_path, level=2, render=False)
    assert metrics["reason"] == "converged"
    assert metrics["conformality_gap"] < 1e-3
    assert metrics["flipped_faces"] == 0
    assert metrics["centre_of_mass_error"] < 1e-10
    written = json.loads((tmp_path / "metrics.json").read_text())
    assert written["steps"] == metrics["steps"]
    assert (tmp_path / "conformality_gap.png").exists()


def test_disk_map_flow_reaches_the_direct_solve_on_the_cap(tmp_path):
    metrics = disk_map.main(tmp_path, n_rings=6, render=False)
    assert metrics["flow"]["reason"] == "converged"
    assert metrics["flow"]["max_difference_to_direct"] < 1e-8
    assert metrics["direct"]["folds"] == 0 and metrics["flow"]["folds"] == 0
    assert (tmp_path / "parameterization.png").exists()


def test_disk_map_frames_come_from_the_flow():
    source = disk_map.lifted_disk("bumps", n_rings=5)
    flow = gf.harmonic_map_to_disk(
        source, method="flow", dt=0.05, tol=1e-10, record_every=1
    )
    frames = disk_map.flow_frames(flow, 6)
    steps = [frame.step for frame in frames]
    assert steps[0] == 0 and steps[-1] == flow.n_steps and steps == sorted(steps)
    assert len(frames) <= 7 and np.all(np.diff(steps) >= np.diff(steps)[0])
    assert abs(frames[-1].state[:, :2] - flow.state).max() == 0.0
    assert abs(frames[-1].state[:, 2]).max() == 0.0


def test_sphere_map_refines_before_mapping(tmp_path):
    metrics = sphere_map.main(
        tmp_path, mesh="icosphere", level=1, subdivide=1, render=False
    )
    assert metrics["subdivide"] == 1 and metrics["n_faces"] == 4 * 80
    assert metrics["flipped_faces"] == 0


def test_sphere_map_film_starts_on_the_surface():
    metric = gf.sample_metric("bumpy_sphere", level=1)
    result = gf.harmonic_map_to_sphere(metric.mesh, record_every=1)
    film = sphere_map.blend_in(metric, result.frames, 4)
    assert len(film) == 4 + len(result.frames)
    area = gf.map_quality.image_area(metric.mesh, film[0].state)
    assert area == pytest.approx(4 * 3.141592653589793, rel=1e-12)


@pytest.mark.skipif(
    not gf.viz.rendering_available(), reason="off-screen rendering not available"
)
def test_sphere_map_renders_an_mp4(tmp_path):
    sphere_map.main(tmp_path, level=1, blend_frames=2, render=True)
    assert (tmp_path / "sphere_map.mp4").stat().st_size > 0
    assert (tmp_path / "sphere_map.gif").exists()
