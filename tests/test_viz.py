"""Off-screen pictures: gf.viz.plot, the rendering probe, and a lazy import."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import trimesh

import geomflow as gf
from geomflow.viz import _backend
from geomflow.viz.plot import _colour_range


@pytest.fixture(scope="module")
def sphere() -> gf.TriangleMesh:
    tm = trimesh.creation.icosphere(subdivisions=2)
    return gf.TriangleMesh(tm.vertices, tm.faces)


def _read_png(path) -> np.ndarray:
    import imageio.v3 as iio

    return iio.imread(path)


def _distinct_colours(image: np.ndarray) -> int:
    return len(np.unique(image.reshape(-1, image.shape[-1]), axis=0))


# ---------------------------------------------------------------------- rendering


@pytest.mark.usefixtures("needs_rendering")
def test_plot_writes_png_of_requested_size(sphere, tmp_path):
    height = sphere.vertices[:, 2]
    target = tmp_path / "sub" / "height.png"

    written = gf.viz.plot(
        sphere, height, target, window_size=(320, 240), scalar_name="z", title="z"
    )

    assert written == target
    assert target.stat().st_size > 0
    image = _read_png(target)
    assert image.shape[:2] == (240, 320)
    assert _distinct_colours(image) > 50  # shaded and coloured, not one flat fill
    assert sorted(p.name for p in target.parent.iterdir()) == ["height.png"]


@pytest.mark.usefixtures("needs_rendering")
def test_plot_returns_rgb_array_for_per_face_scalars(sphere):
    per_face = np.arange(sphere.n_faces, dtype=float)

    image = gf.viz.plot(sphere, per_face, window_size=(160, 128), show_edges=True)

    assert image.shape == (128, 160, 3)
    assert image.dtype == np.uint8
    assert _distinct_colours(image) > 50


@pytest.mark.usefixtures("needs_rendering")
def test_plot_accepts_metric_and_no_scalars(sphere):
    metric = gf.EdgeMetric.from_mesh(sphere)

    image = gf.viz.plot(metric, window_size=(96, 64), camera="xy")

    assert image.shape == (64, 96, 3)
    assert _distinct_colours(image) > 10


@pytest.mark.usefixtures("needs_rendering")
def test_per_vertex_and_per_face_scalars_give_different_pictures(sphere):
    per_vertex = sphere.vertices[:, 0]
    per_face = sphere.vertices[sphere.faces, 0].mean(axis=1)
    options = {"window_size": (160, 128), "clim": (-1.0, 1.0)}

    a = gf.viz.plot(sphere, per_vertex, **options)
    b = gf.viz.plot(sphere, per_face, **options)

    assert a.shape == b.shape == (128, 160, 3)
    assert not np.array_equal(a, b)


# ---------------------------------------------------------------------- checks


def test_wrong_scalar_length_names_both_valid_lengths(sphere):
    with pytest.raises(gf.GeomflowError) as info:
        gf.viz.plot(sphere, np.zeros(sphere.n_vertices + 1))
    message = str(info.value)
    assert f"({sphere.n_vertices},)" in message
    assert f"({sphere.n_faces},)" in message


@pytest.mark.parametrize(
    "kwargs",
    [
        {"path": "picture.jpg"},
        {"window_size": (0, 100)},
        {"clim": (1.0, 1.0)},
    ],
)
def test_bad_arguments_raise_before_rendering(sphere, kwargs):
    with pytest.raises(gf.GeomflowError):
        gf.viz.plot(sphere, sphere.vertices[:, 0], **kwargs)


def test_plot_refuses_other_objects():
    with pytest.raises(gf.GeomflowError, match="TriangleMesh"):
        gf.viz.plot(np.zeros((3, 3)))


def test_colour_range_symmetric_and_constant():
    values = np.array([-0.5, 0.2, 2.0, np.nan])
    assert _colour_range(values, None, symmetric=False) == (-0.5, 2.0)
    assert _colour_range(values, None, symmetric=True) == (-2.0, 2.0)
    assert _colour_range(values, (-3.0, 1.0), symmetric=True) == (-3.0, 3.0)
    low, high = _colour_range(np.ones(4), None, symmetric=False)
    assert low < 1.0 < high


def test_missing_gl_becomes_render_error(sphere, monkeypatch):
    monkeypatch.setattr(_backend, "probe", lambda: "a test render crashed")
    with pytest.raises(gf.RenderError, match="libegl1 libgl1 libgl1-mesa-dri"):
        gf.viz.plot(sphere, sphere.vertices[:, 0])
    assert issubclass(gf.RenderError, gf.GeomflowError)


def test_probe_failure_is_explained_in_one_line():
    stderr = (
        "\x1b[0m\x1b[33m2026-01-01 10:00:00.000 (   0.2s) [    7F00]"
        "vtkOpenGLRenderWindow.c:669   WARN| Failed to load EGL! Please install "
        "the EGL library\x1b[0m\n"
    )
    reason = _backend._explain(-11, stderr)
    assert reason == "a test render crashed (signal 11): Failed to load EGL! " + (
        "Please install the EGL library"
    )
    assert "\n" not in reason


# ---------------------------------------------------------------------- import


_IMPORT_SCRIPT = """
import json, sys, time
start = time.perf_counter()
import numpy, scipy.sparse, scipy.sparse.csgraph
dependencies = time.perf_counter() - start
import geomflow
elapsed = time.perf_counter() - start
heavy = sorted(
    name for name in sys.modules
    if name.split(".")[0]
    in ("pyvista", "vtk", "vtkmodules", "matplotlib", "numba", "trimesh", "imageio")
)
print(json.dumps({"seconds": elapsed, "dependencies": dependencies,
                  "heavy": heavy, "viz": hasattr(geomflow, "viz")}))
"""


def test_import_is_fast_and_does_not_load_rendering_libraries():
    runs = []
    for _ in range(2):  # the faster of two, so a cold disk cache does not count
        done = subprocess.run(
            [sys.executable, "-c", _IMPORT_SCRIPT],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        runs.append(json.loads(done.stdout))
    assert all(run["heavy"] == [] for run in runs), runs
    assert all(run["viz"] for run in runs)
    # Under 1 s on a quiet machine (about 0.5 s measured); on a loaded one,
    # at most three times what numpy and scipy.sparse alone take to import.
    fastest = min(runs, key=lambda run: run["seconds"])
    assert fastest["seconds"] < max(1.0, 3.0 * fastest["dependencies"]), runs
