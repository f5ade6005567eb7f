"""gf.viz.plot_landscape and the no_cycles experiment."""

from __future__ import annotations

import numpy as np
import pytest

import experiments
import geomflow as gf
from experiments import no_cycles

UNSTABLE_ORANGE = (255, 140, 0)


@pytest.fixture(scope="module")
def saddle_landscape():
    """``y² − x²`` on a small flat disk, with its paths and saddle manifolds."""
    metric = gf.sample_metric("flat_disk", n_rings=8)
    x, y = metric.mesh.vertices[:, 0], metric.mesh.vertices[:, 1]
    V = y**2 - x**2
    near = np.flatnonzero((np.hypot(x, y) < 0.4) & (np.hypot(x, y) > 0))
    return {
        "metric": metric,
        "V": V,
        "critical": gf.critical_points(metric.mesh, V),
        "manifolds": gf.saddle_manifolds(metric, V),
        "paths": [gf.descent_path(metric, V, int(v)) for v in near],
    }


def _changed_pixels(a: np.ndarray, b: np.ndarray) -> int:
    return int((np.abs(a.astype(int) - b.astype(int)).sum(axis=2) > 30).sum())


def _pixels_near(image: np.ndarray, colour, tolerance: int = 40) -> int:
    distance = np.abs(image.astype(int) - np.asarray(colour)).max(axis=2)
    return int((distance < tolerance).sum())


# ---------------------------------------------------------------------- pictures


@pytest.mark.usefixtures("needs_rendering")
def test_plot_landscape_writes_a_shaded_png(saddle_landscape, tmp_path):
    import imageio.v3 as iio

    s = saddle_landscape
    target = tmp_path / "pictures" / "landscape.png"

    written = gf.viz.plot_landscape(
        s["metric"],
        s["V"],
        critical=s["critical"],
        paths=s["paths"],
        manifolds=s["manifolds"],
        path=target,
        window_size=(320, 240),
        title="saddle",
    )

    assert written == target and target.stat().st_size > 0
    image = iio.imread(target)
    assert image.shape[:2] == (240, 320)
    assert len(np.unique(image.reshape(-1, image.shape[-1]), axis=0)) > 50
    assert [p.name for p in target.parent.iterdir()] == ["landscape.png"]


@pytest.mark.usefixtures("needs_rendering")
def test_glyphs_and_lines_are_drawn_over_the_surface(saddle_landscape):
    s = saddle_landscape
    size = (400, 304)
    bare = gf.viz.plot_landscape(s["metric"], s["V"], window_size=size)
    glyphs = gf.viz.plot_landscape(
        s["metric"], s["V"], critical=s["critical"], window_size=size
    )
    lines = gf.viz.plot_landscape(
        s["metric"], s["V"], manifolds=s["manifolds"], window_size=size
    )

    assert bare.shape == (304, 400, 3)
    assert _changed_pixels(bare, glyphs) > 200  # spheres (and their legend)
    assert _changed_pixels(bare, lines) > 500
    # The unstable manifold runs along the x-axis in orange, seen over the
    # surface rather than hidden in it.
    assert _pixels_near(bare, UNSTABLE_ORANGE) < 20
    assert _pixels_near(lines, UNSTABLE_ORANGE) > 300


@pytest.mark.usefixtures("needs_rendering")
def test_basin_labels_render_per_vertex_and_per_face():
    metric = gf.sample_metric("bumpy_sphere", level=2)
    V = np.linalg.norm(metric.mesh.vertices, axis=1)
    labels, face_labels = gf.basins(metric, V, per_face=True)

    per_vertex = gf.viz.plot_landscape(metric, basins=labels, window_size=(320, 240))
    per_face = gf.viz.plot_landscape(metric, basins=face_labels, window_size=(320, 240))

    for image in (per_vertex, per_face):
        assert len(np.unique(image.reshape(-1, 3), axis=0)) > 50


def test_plot_landscape_rejects_bad_arguments(saddle_landscape):
    s = saddle_landscape
    with pytest.raises(gf.GeomflowError, match="CriticalPoints"):
        gf.viz.plot_landscape(s["metric"], s["V"], critical=[0, 1])
    with pytest.raises(gf.GeomflowError, match="SaddleManifold"):
        gf.viz.plot_landscape(s["metric"], s["V"], manifolds=[s["paths"][0]])
    with pytest.raises(gf.GeomflowError, match="integer labels"):
        gf.viz.plot_landscape(s["metric"], basins=s["V"])
    with pytest.raises(gf.GeomflowError, match=r"\(k, 3\)"):
        gf.viz.plot_landscape(s["metric"], s["V"], paths=[np.zeros((4, 2))])


# ---------------------------------------------------------------------- experiment


def test_no_cycles_experiment_descents_fall_to_minima(tmp_path):
    metrics = no_cycles.main(tmp_path, n_paths=25, seed=3, render=False)

    assert metrics["n_paths"] == 25
    assert metrics["paths_with_non_decrease"] == 0
    assert metrics["min_decrease_per_segment"] > 0
    assert metrics["paths_ending_at_minimum"] == 25
    assert metrics["paths_with_revisit"] == 0
    assert metrics["morse_count"] == metrics["euler_characteristic"]
    assert (tmp_path / "metrics.json").exists()
    assert (tmp_path / "values_along_paths.png").stat().st_size > 0
    assert not (tmp_path / "landscape.png").exists()


def test_no_cycles_is_registered_with_a_no_render_flag():
    import argparse

    module = experiments.load("no_cycles")
    parser = argparse.ArgumentParser()
    experiments.add_arguments(parser, module)
    args = parser.parse_args(["--n-paths", "7", "--no-render"])

    kwargs = experiments.main_arguments(args, module)

    assert kwargs["n_paths"] == 7 and kwargs["render"] is False
    assert kwargs["mesh"] == "bumpy_sphere"
