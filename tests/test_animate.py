"""Flow animations: gf.viz.animate and gf.viz.animate_side_by_side."""

from __future__ import annotations

import numpy as np
import pytest

import geomflow as gf


@pytest.fixture(scope="module")
def metric() -> gf.EdgeMetric:
    return gf.sample_metric("icosphere", level=2)


@pytest.fixture(scope="module")
def heat(metric) -> gf.FlowResult:
    """A hot spot diffusing: 6 frames (steps 0, 5, ..., 25)."""
    vertices = metric.mesh.vertices
    hot = vertices[np.argmax(vertices[:, 0])]
    u0 = np.exp(-np.sum((vertices - hot) ** 2, axis=1) / 0.1)
    return gf.heat_flow(metric, u0, dt=5e-3, max_steps=25, record_every=5)


@pytest.fixture(scope="module")
def moving(metric) -> gf.FlowResult:
    """Vertex positions smoothed by the heat flow: states of shape (n, 3)."""
    vertices = metric.mesh.vertices
    stretched = vertices * (1.0 + 0.4 * vertices[:, :1])
    return gf.heat_flow(metric, stretched, dt=5e-3, max_steps=25, record_every=5)


def _read_frames(path) -> np.ndarray:
    import imageio.v3 as iio

    if path.suffix == ".mp4":
        return np.stack(list(iio.imiter(path, plugin="FFMPEG")))
    return iio.imread(path, index=None)[..., :3]


def _check_frames(frames: np.ndarray, count: int, size: tuple[int, int]) -> None:
    width, height = size
    assert frames.shape[:3] == (count, height, width)
    for before, after in zip(frames[:-1], frames[1:], strict=True):
        assert np.abs(before.astype(int) - after).max() > 10  # the picture changes
    colours = np.unique(frames[0].reshape(-1, frames.shape[-1]), axis=0)
    assert len(colours) > 50  # shaded and coloured, not one flat fill


@pytest.mark.usefixtures("needs_rendering")
@pytest.mark.parametrize(
    ("name", "size"), [("heat.mp4", (480, 368)), ("heat.gif", (200, 150))]
)
def test_field_animation_has_one_picture_per_frame(metric, heat, tmp_path, name, size):
    target = tmp_path / name

    written = gf.viz.animate(
        heat, metric.mesh, path=target, window_size=size, scalar_name="u", title="heat"
    )

    assert written == target
    assert target.stat().st_size > 0
    _check_frames(_read_frames(target), len(heat.frames), size)
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary left


@pytest.mark.usefixtures("needs_rendering")
def test_mp4_window_is_rounded_to_multiples_of_16(metric, heat, tmp_path):
    target = tmp_path / "odd.mp4"

    gf.viz.animate(heat, metric, path=target, window_size=(250, 170))

    frames = _read_frames(target)
    assert frames.shape[1:3] == (176, 256)


@pytest.mark.usefixtures("needs_rendering")
def test_moving_vertices_coloured_by_a_callable(metric, moving, tmp_path):
    target = tmp_path / "moving.gif"

    gf.viz.animate(
        moving,
        metric.mesh,
        scalars=lambda frame: frame.state[:, 0],
        path=target,
        window_size=(240, 176),
        symmetric=True,
        cmap="RdBu_r",
    )

    _check_frames(_read_frames(target), len(moving.frames), (240, 176))


@pytest.mark.usefixtures("needs_rendering")
def test_side_by_side_is_two_panels_wide(metric, heat, moving, tmp_path):
    target = tmp_path / "pair.mp4"
    short = gf.heat_flow(
        metric, heat.frames[0].state, dt=5e-3, max_steps=10, record_every=5
    )

    gf.viz.animate_side_by_side(
        [heat, short],
        metric.mesh,
        ["every 5 steps", "stopped early"],
        path=target,
        window_size=(480, 176),
    )

    frames = _read_frames(target)
    assert frames.shape[:3] == (len(heat.frames), 176, 480)
    left, right = frames[-1][:, :240], frames[-1][:, 240:]
    assert np.abs(left.astype(int) - right).max() > 10
    # the shorter flow holds its last frame: its half of the picture stops
    held = frames[-2:, 8:-24, 240:-60].astype(int)  # mesh only, no caption or bar
    assert np.abs(held[0] - held[1]).max() <= 8  # codec noise only


def test_no_frames_asks_for_record_every(metric, tmp_path):
    result = gf.heat_flow(metric, np.ones(metric.mesh.n_vertices), dt=1e-3, max_steps=2)

    with pytest.raises(gf.GeomflowError, match="record_every"):
        gf.viz.animate(result, metric.mesh, path=tmp_path / "none.mp4")


def test_wrong_suffix_and_shapes_are_errors(metric, heat, tmp_path):
    with pytest.raises(gf.GeomflowError, match="MP4 or GIF"):
        gf.viz.animate(heat, metric.mesh, path=tmp_path / "heat.avi")
    with pytest.raises(gf.GeomflowError, match="one row per frame"):
        gf.viz.animate(
            heat, metric.mesh, scalars=np.zeros((2, 3)), path=tmp_path / "x.gif"
        )
    with pytest.raises(gf.GeomflowError, match="shape"):
        gf.viz.animate(heat, gf.sample_mesh("torus"), path=tmp_path / "x.gif")
    with pytest.raises(gf.GeomflowError, match="two flows"):
        gf.viz.animate_side_by_side([heat], metric, ["a"], path=tmp_path / "x.gif")
