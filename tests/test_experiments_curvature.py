"""The curvature-flow experiments at a small size, one key number each."""

from __future__ import annotations

import argparse
import inspect
import json

import numpy as np
import pytest

import experiments  # noqa: E402
from experiments import disk_flatten, flat_torus, ricci_sphere  # noqa: E402


def test_ricci_sphere_newton_converges_fast_and_keeps_gauss_bonnet(tmp_path):
    metrics = ricci_sphere.main(
        tmp_path, level=2, explicit_steps=40, record_every=10, render=False
    )
    assert metrics["newton_reason"] == "converged"
    assert metrics["newton_final_error"] <= 1e-10
    assert metrics["newton_steps"] <= 15
    errors = np.array(metrics["newton_errors"])
    assert np.all(np.diff(errors) < 0)
    # The explicit flow is slower but moves the same way.
    assert metrics["explicit_final_error"] < 0.5 * metrics["initial_error"]
    assert metrics["newton_final_error"] < metrics["explicit_final_error"]
    assert metrics["gauss_bonnet_error_max"] < 1e-11
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved["newton_steps"] == metrics["newton_steps"]
    assert (tmp_path / "curvature_error.png").exists()


def test_flat_torus_closes_up(tmp_path):
    metrics = flat_torus.main(tmp_path, n_major=24, n_minor=10, render=False)
    assert metrics["max_edge_length_error"] < 1e-10
    assert metrics["period_area"] == pytest.approx(metrics["total_area"], abs=1e-8)
    assert metrics["max_translation_off_lattice"] < 1e-8
    assert metrics["period_angle_degrees"] == pytest.approx(90.0, abs=1e-6)
    assert metrics["ratio_relative_error"] < 0.05
    assert (tmp_path / "fundamental_domain.png").exists()


def test_flat_torus_checkerboard_is_periodic():
    import geomflow as gf

    layout = gf.layout_flat(gf.sample_metric("flat_torus", n=8))
    colours, counts = flat_torus.checkerboard(layout, 4)
    assert counts == (4, 4)
    assert set(np.unique(colours)) == {0.0, 1.0}
    # Each check of the 4 x 4 board holds (8 / 4)^2 squares of two faces.
    assert np.count_nonzero(colours) == len(colours) // 2


def test_disk_flatten_curvature_flow_beats_the_harmonic_map(tmp_path):
    metrics = disk_flatten.main(tmp_path, n=10, render=False)
    flow, harmonic = metrics["curvature_flow"], metrics["harmonic"]
    assert metrics["layout_edge_length_error"] < 1e-10
    assert flow["n_flipped"] == 0
    assert flow["mean_mu"] < 0.5 * harmonic["mean_mu"]
    assert flow["conformality_gap"] < harmonic["conformality_gap"]
    assert (tmp_path / "layouts.png").exists()


@pytest.mark.parametrize("name", ["ricci_sphere", "flat_torus", "disk_flatten"])
def test_registered_with_options(name):
    module = experiments.load(name)
    parser = argparse.ArgumentParser()
    experiments.add_arguments(parser, module)
    kwargs = experiments.main_arguments(parser.parse_args(["--no-render"]), module)
    assert kwargs["render"] is False
    assert set(kwargs) <= set(inspect.signature(module.main).parameters)
