"""Each experiment runs at a small size and one key number of it is checked."""

from __future__ import annotations

import numpy as np
import pytest

from experiments import heat_diffusion, metric_dependence, stiffness  # noqa: E402


def test_heat_diffusion(tmp_path):
    metrics = heat_diffusion.main(
        tmp_path, mesh="icosphere", level=2, t_end=0.2, render=False
    )
    assert metrics["heat_drift_relative"] < 1e-12
    assert metrics["energy_non_increasing"]
    assert (tmp_path / "metrics.json").exists() and (tmp_path / "energy.png").exists()


def test_stiffness(tmp_path):
    metrics = stiffness.main(tmp_path, levels=(1, 2, 3))
    for row in metrics["levels"]:
        assert row["ratio"] == pytest.approx(1.0, abs=5e-3)
        assert row["implicit_monotone"]
    assert 1.8 < metrics["h_exponent"] < 2.4


def test_metric_dependence_across_resolutions():
    report = metric_dependence.compare_resolutions(h=1 / 8, steps=60)
    l2, euclidean = (
        report["l2"]["max_difference"],
        report["euclidean"]["max_difference"],
    )
    assert euclidean > 10 * l2
    assert report["h1"]["max_difference"] < 10 * l2


def test_phase_separation_conserves_mass_only_in_h_minus_1():
    summary = metric_dependence.phase_separation(level=2, steps=20)["summary"]
    total = abs(summary["cahn_hilliard"]["energy_start"])
    assert abs(summary["cahn_hilliard"]["mass_drift"]) < 1e-10 * max(total, 1.0)
    assert abs(summary["allen_cahn"]["mass_drift"]) > 1e-3
    assert all(s["energy_monotone"] for s in summary.values())


def test_two_density_square_is_sixteen_times_finer_on_the_left():
    mesh = metric_dependence.two_density_square(1 / 4)
    centroids = mesh.vertices[mesh.faces].mean(axis=1)
    left = np.count_nonzero(centroids[:, 0] < 0.5 - 1e-9)
    right = np.count_nonzero(centroids[:, 0] > 0.5 + 0.25)
    assert left / (right * 0.5 / 0.25) == pytest.approx(16, rel=0.15)
