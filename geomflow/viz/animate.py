"""Animations of recorded flows (MP4 or GIF), rendered off-screen frame by frame.

One pyvista plotter draws every frame: the surface made for the first frame is
changed in place (its points for a moving mesh, its colours for a field), so a
long flow costs one render per frame and no new actors. The colour range and
the camera are fixed over the whole animation, so what moves on the screen is
the flow and not the scale. pyvista and imageio are imported inside the
functions, never at module import.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from ..errors import GeomflowError
from ..mesh import TriangleMesh
from ..metric import EdgeMetric
from ..results import atomic_path
from . import _backend
from .plot import (
    FOREGROUND,
    _as_mesh,
    _check_scalars,
    _check_window_size,
    _colour_range,
    _draw,
    _place_camera,
)

__all__ = ["animate", "animate_side_by_side"]

logger = logging.getLogger(__name__)

#: Suffixes :func:`animate` can write, and the codec used for MP4.
FORMATS = (".mp4", ".gif")
MP4_CODEC = "libx264"

#: MP4 frames (H.264 macro blocks) must have sides divisible by this.
MACRO_BLOCK = 16


@dataclass
class _Panel:
    """What one panel of an animation shows, frame by frame.

    ``points`` is ``(k, n, 3)`` for a moving mesh and ``None`` for a fixed one;
    ``values`` is ``(k, n)`` or ``(k, m)`` colours, or ``None`` for one colour.
    """

    mesh: TriangleMesh
    points: np.ndarray | None
    values: np.ndarray | None
    per_vertex: bool
    captions: list[str]
    label: str | None = None


def animate(
    result,
    mesh,
    *,
    scalars=None,
    path,
    cmap: str = "viridis",
    clim: tuple[float, float] | None = None,
    symmetric: bool = False,
    scalar_name: str | None = None,
    title: str | None = None,
    fps: float = 12,
    window_size: tuple[int, int] = (800, 608),
    camera=None,
) -> Path:
    """Render the recorded frames of a flow as an MP4 or GIF animation.

    Each frame shows the mesh with the caption ``t = ...   step ...   E = ...``.
    A frame state of shape ``(n, 3)`` is taken as moving vertex positions (a
    map to the sphere, a curve-shortening surface); a state of shape ``(n,)``
    as a field drawn in colour on the fixed mesh.

    Parameters
    ----------
    result : FlowResult
        A flow run with ``record_every`` set, so that ``result.frames`` holds
        the states to draw.
    mesh : TriangleMesh or EdgeMetric
        The mesh the flow ran on (its faces, and its vertex positions when the
        states are fields).
    scalars : callable or (k, n) array_like, optional
        Colours for the frames, overriding field states: a function
        ``frame -> (n,) values`` called on each :class:`~geomflow.flows.Frame`,
        or one row of values per frame (per vertex or per face). Use it to
        colour a moving mesh; without it a moving mesh is drawn in one colour.
    path : str or os.PathLike
        The file to write; ``.mp4`` (H.264) or ``.gif``. It is written under a
        temporary name with the same suffix and then renamed.
    cmap : str
        Name of a matplotlib colour map.
    clim : (float, float), optional
        Colour range, the same for every frame; by default the smallest and
        largest value over all frames.
    symmetric : bool
        Centre the colour range on zero (for signed fields such as curvature).
    scalar_name : str, optional
        Title of the colour bar.
    title : str, optional
        Text shown in the lower right corner of every frame.
    fps : float
        Frames per second.
    window_size : (int, int)
        Width and height of the frames in pixels. For MP4 each is rounded to
        the nearest multiple of 16, as the H.264 encoder needs.
    camera : str or sequence, optional
        ``None`` for a fixed three-quarter view that holds the mesh of every
        frame; otherwise anything :attr:`pyvista.Plotter.camera_position`
        accepts.

    Returns
    -------
    pathlib.Path
        The animation written.

    Raises
    ------
    GeomflowError
        If the result has no frames, a state or the scalars have the wrong
        shape, ``clim`` is not an increasing pair, or the suffix is neither
        ``.mp4`` nor ``.gif``.
    RenderError
        If off-screen rendering is impossible here.
    """
    panel = _make_panel(result, _as_mesh(mesh), scalars)
    return _render(
        [panel],
        path,
        cmap,
        clim,
        symmetric,
        scalar_name,
        title,
        fps,
        window_size,
        camera,
    )


def animate_side_by_side(
    results: Sequence,
    meshes,
    labels: Sequence[str],
    *,
    path,
    scalars=None,
    cmap: str = "viridis",
    clim: tuple[float, float] | None = None,
    symmetric: bool = False,
    scalar_name: str | None = None,
    title: str | None = None,
    fps: float = 12,
    window_size: tuple[int, int] | None = None,
    camera=None,
) -> Path:
    """Render two flows beside each other in one animation, frame for frame.

    Use it to compare two flows of one start: Allen-Cahn beside Cahn-Hilliard
    (two inner products), explicit Euler beside Newton (two schemes). Both
    panels share the colour range and the camera. When one flow recorded
    fewer frames, its last frame is held until the other ends.

    Parameters
    ----------
    results : sequence of two FlowResult
        Flows run with ``record_every`` set.
    meshes : TriangleMesh or EdgeMetric, or a sequence of two
        The mesh of each flow, or one mesh for both.
    labels : sequence of two str
        The name shown at the top of each panel.
    path : str or os.PathLike
        ``.mp4`` or ``.gif`` file to write, atomically.
    scalars : callable, or sequence of two, optional
        As in :func:`animate`; a callable applies to both flows, a sequence
        gives each flow its own (``None`` entries allowed).
    window_size : (int, int), optional
        Size of the whole picture; twice as wide as :func:`animate`'s default
        panel, ``(1600, 608)``, by default.
    cmap, clim, symmetric, scalar_name, title, fps, camera
        As in :func:`animate`; ``title`` is shown in the lower right corner.

    Returns
    -------
    pathlib.Path
        The animation written.

    Raises
    ------
    GeomflowError
        If there are not two results, meshes and labels, or for any reason
        :func:`animate` gives.
    RenderError
        If off-screen rendering is impossible here.
    """
    if len(results) != 2 or len(labels) != 2:
        raise GeomflowError(
            f"animate_side_by_side draws two flows; got {len(results)} results "
            f"and {len(labels)} labels"
        )
    meshes = _pair(meshes, (TriangleMesh,), "meshes")
    scalars = _pair(scalars, (Callable, np.ndarray, type(None)), "scalars")
    panels = [
        _make_panel(r, _as_mesh(m), s, label=label)
        for r, m, s, label in zip(results, meshes, scalars, labels, strict=True)
    ]
    _pad_to_same_length(panels)
    size = (1600, 608) if window_size is None else window_size
    return _render(
        panels, path, cmap, clim, symmetric, scalar_name, title, fps, size, camera
    )


# ---------------------------------------------------------------------- panels


def _pair(value, single_types, name: str) -> list:
    """``value`` twice when it is one item, else its two items."""
    if isinstance(value, (*single_types, EdgeMetric)):
        return [value, value]
    items = list(value)
    if len(items) != 2:
        raise GeomflowError(f"{name} must be one item or two, got {len(items)}")
    return items


def _make_panel(result, mesh: TriangleMesh, scalars, label=None) -> _Panel:
    """Check the frames of ``result`` against ``mesh`` and collect what to draw."""
    frames = list(getattr(result, "frames", None) or [])
    if not frames:
        raise GeomflowError(
            "the flow result has no recorded frames to animate; run the flow "
            "with record_every=k (for example record_every=10) to record them"
        )
    states = np.stack([np.asarray(f.state, dtype=np.float64) for f in frames])
    n = mesh.n_vertices
    if states.shape[1:] == (n, 3):
        points, field = states, None
    elif states.shape[1:] == (n,):
        points, field = None, states
    else:
        raise GeomflowError(
            f"frame states must have shape ({n},) (a field on the mesh) or "
            f"({n}, 3) (moving vertices) for this mesh of {n} vertices, got "
            f"{states.shape[1:]}"
        )
    rows = field if scalars is None else _scalar_rows(scalars, frames)
    values, per_vertex = _check_rows(rows, mesh)
    captions = [_caption(f) for f in frames]
    return _Panel(mesh, points, values, per_vertex, captions, label)


def _scalar_rows(scalars, frames) -> np.ndarray:
    if callable(scalars):
        return np.stack([np.asarray(scalars(f), dtype=np.float64) for f in frames])
    rows = np.asarray(scalars, dtype=np.float64)
    if rows.ndim != 2 or len(rows) != len(frames):
        raise GeomflowError(
            f"scalars must be a callable or an array of shape ({len(frames)}, n), "
            f"one row per frame; got shape {rows.shape}"
        )
    return rows


def _check_rows(rows, mesh) -> tuple[np.ndarray | None, bool]:
    """Check each row as plot does; all rows must live on the same elements."""
    if rows is None:
        return None, True
    checked = [_check_scalars(row, mesh) for row in rows]
    values = np.stack([v for v, _ in checked])
    return values, checked[0][1]


def _caption(frame) -> str:
    return f"t = {frame.t:.3f}   step {frame.step}   E = {frame.energy:.2e}"


def _pad_to_same_length(panels: list[_Panel]) -> None:
    """Repeat the last frame of the shorter panels up to the longest one."""
    k = max(len(p.captions) for p in panels)
    for p in panels:
        extra = k - len(p.captions)
        if extra == 0:
            continue
        p.captions += [p.captions[-1]] * extra
        if p.points is not None:
            p.points = np.concatenate([p.points, p.points[-1:].repeat(extra, 0)])
        if p.values is not None:
            p.values = np.concatenate([p.values, p.values[-1:].repeat(extra, 0)])


# ---------------------------------------------------------------------- render


class _Prepared:
    """Hands :func:`plot._draw` a surface made here, to be changed in place."""

    def __init__(self, surface):
        self._surface = surface

    def to_pyvista(self):
        return self._surface


def _render(
    panels, path, cmap, clim, symmetric, scalar_name, title, fps, window_size, camera
) -> Path:
    """Draw the panels frame by frame into one plotter and write the file."""
    target, suffix = _check_target(path)
    size = _frame_size(window_size, suffix)
    limits = _shared_range(panels, clim, symmetric)
    _backend.require_rendering()
    import pyvista

    plotter = pyvista.Plotter(
        off_screen=True, window_size=size, shape=(1, len(panels)), border=False
    )
    try:
        scene = [
            _set_up_panel(plotter, col, panels[col], limits, cmap, scalar_name, camera)
            for col in reversed(range(len(panels)))  # colour bar in the last panel
        ][::-1]
        if title:
            plotter.subplot(0, len(panels) - 1)
            plotter.add_text(
                title, position="lower_right", font_size=10, color=FOREGROUND
            )
        with atomic_path(target) as temporary:
            _write_frames(plotter, panels, scene, temporary, suffix, fps)
    finally:
        plotter.close()
    logger.debug(
        "wrote %s (%d frames, %d x %d)", target, len(panels[0].captions), *size
    )
    return target


def _check_target(path) -> tuple[Path, str]:
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in FORMATS:
        raise GeomflowError(
            f"animations are written as MP4 or GIF, but the path {str(target)!r} "
            "ends in neither '.mp4' nor '.gif'"
        )
    return target, suffix


def _frame_size(window_size, suffix: str) -> tuple[int, int]:
    """The checked window size, rounded to multiples of 16 for MP4."""
    width, height = _check_window_size(window_size)
    if suffix != ".mp4":
        return width, height
    rounded = tuple(
        max(MACRO_BLOCK, MACRO_BLOCK * round(side / MACRO_BLOCK))
        for side in (width, height)
    )
    if rounded != (width, height):
        logger.info(
            "MP4 frames need sides divisible by %d: window %d x %d rounded to %d x %d",
            MACRO_BLOCK,
            width,
            height,
            *rounded,
        )
    return rounded


def _shared_range(panels, clim, symmetric) -> tuple[float, float] | None:
    """One colour range over all frames of all panels."""
    coloured = [p.values for p in panels if p.values is not None]
    if not coloured:
        return None
    every = np.concatenate([v.ravel() for v in coloured])
    return _colour_range(every, clim, symmetric)


def _set_up_panel(plotter, col, panel, limits, cmap, scalar_name, camera):
    """Draw the first frame of ``panel`` in subplot ``col``; return its parts."""
    plotter.subplot(0, col)
    surface = panel.mesh.to_pyvista()
    if panel.points is not None:
        surface.points = panel.points[0]
    values = None if panel.values is None else panel.values[0]
    _draw(
        plotter,
        _Prepared(surface),
        values,
        panel.per_vertex,
        limits,
        cmap,
        scalar_name,
        False,
    )
    caption = plotter.add_text(
        panel.captions[0], position="lower_left", font_size=10, color=FOREGROUND
    )
    if panel.label:
        plotter.add_text(
            panel.label, position="upper_edge", font_size=12, color=FOREGROUND
        )
    _place_camera(
        plotter,
        _bounding_points(panel),
        camera,
        has_colour_bar=values is not None and col == plotter.shape[1] - 1,
        has_title=True,  # the caption below needs the same room as a title
    )
    return surface, scalar_name or "scalars", caption  # plot._draw's array name


def _bounding_points(panel: _Panel):
    """Stand-in for the mesh in :func:`plot._place_camera`: every frame's points."""
    if panel.points is None:
        return panel.mesh
    used = panel.mesh.referenced_vertices
    points = panel.points[:, used].reshape(-1, 3)
    return SimpleNamespace(
        vertices=points, referenced_vertices=np.ones(len(points), dtype=bool)
    )


def _write_frames(plotter, panels, scene, temporary, suffix, fps) -> None:
    """Update the surfaces and captions in place, render, append each frame."""
    import imageio.v2 as imageio

    if suffix == ".mp4":
        writer = imageio.get_writer(
            temporary,
            format="FFMPEG",
            mode="I",
            fps=fps,
            codec=MP4_CODEC,
            pixelformat="yuv420p",
            macro_block_size=MACRO_BLOCK,
            quality=8,
        )
    else:
        writer = imageio.get_writer(
            temporary, extension=".gif", mode="I", duration=1000.0 / fps, loop=0
        )
    with writer:
        for k in range(len(panels[0].captions)):
            for panel, parts in zip(panels, scene, strict=True):
                _show_frame(panel, k, *parts)
            plotter.render()  # a no-op before the first screenshot, which renders
            image = plotter.screenshot(return_img=True)[..., :3]
            writer.append_data(np.ascontiguousarray(image))


def _show_frame(panel: _Panel, k: int, surface, array: str, caption) -> None:
    if panel.points is not None:
        surface.points[:] = panel.points[k]
    if panel.values is not None:
        data = surface.point_data if panel.per_vertex else surface.cell_data
        data[array][:] = panel.values[k]
    surface.Modified()
    caption.set_text("lower_left", panel.captions[k])
