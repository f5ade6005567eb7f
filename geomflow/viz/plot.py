"""Still pictures of a mesh coloured by a scalar field, rendered off-screen.

pyvista (and through it VTK) is imported inside :func:`plot`, never at module
import, so ``import geomflow`` stays fast and works without OpenGL.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from .._files import atomic_path
from ..errors import GeomflowError
from ..mesh import TriangleMesh
from ..metric import EdgeMetric
from . import _backend

__all__ = ["plot", "rendering_available"]

logger = logging.getLogger(__name__)

#: Default viewing direction (from the focal point towards the camera) and the
#: up vector: a three-quarter view from above, with z up.
VIEW_DIRECTION = (1.0, -1.3, 0.9)
VIEW_UP = (0.0, 0.0, 1.0)

#: Vertical opening angle of the camera in degrees (VTK's default).
VIEW_ANGLE = 30.0

#: Empty space left around the mesh, as a fraction of its radius; more with a
#: title above it.
MARGIN = 0.06
TITLE_MARGIN = 0.16

#: How far the picture moves left to clear a colour bar, in half-widths.
COLOUR_BAR_SHIFT = 0.15

BACKGROUND = "white"
FOREGROUND = "black"
SURFACE_COLOR = "#c9d3df"


def rendering_available() -> bool:
    """Whether off-screen rendering works on this machine.

    The first call renders a tiny test picture in a child process (so a
    missing OpenGL library cannot crash the caller); later calls return the
    cached answer. Tests use it to skip rendering on machines without GL.
    """
    return _backend.probe() is None


def plot(
    mesh_or_metric: TriangleMesh | EdgeMetric,
    scalars=None,
    path=None,
    *,
    cmap: str = "viridis",
    clim: tuple[float, float] | None = None,
    title: str | None = None,
    scalar_name: str | None = None,
    window_size: tuple[int, int] = (800, 608),
    show_edges: bool = False,
    camera=None,
    symmetric: bool = False,
):
    """Render a mesh, optionally coloured by a scalar field, without a display.

    Parameters
    ----------
    mesh_or_metric : TriangleMesh or EdgeMetric
        What to draw. A metric is drawn with the vertex positions of its mesh
        (an intrinsic metric has no embedding of its own).
    scalars : (n,) or (m,) array_like of float, optional
        One value per vertex (``n = mesh.n_vertices``, interpolated across
        faces) or per face (``m = mesh.n_faces``, one flat colour per face),
        told apart by length; when ``n == m`` they are taken per vertex. NaN
        values are drawn grey. Without scalars the mesh is drawn in one colour.
    path : str or os.PathLike, optional
        PNG file to write (its folder is created if needed). The picture is
        written under a temporary name in the same folder and then renamed,
        so a reader never sees a half-written file.
    cmap : str
        Name of a matplotlib colour map.
    clim : (float, float), optional
        Colour range; the range of the finite scalars by default.
    title : str, optional
        Text shown at the top of the picture.
    scalar_name : str, optional
        Title of the colour bar.
    window_size : (int, int)
        Width and height of the picture in pixels. Keep both divisible by 16
        for frames of an MP4 animation.
    show_edges : bool
        Draw the triangle edges.
    camera : str or sequence, optional
        ``None`` for the fixed three-quarter view, with the whole mesh in the
        frame; otherwise anything :attr:`pyvista.Plotter.camera_position`
        accepts: a view name such as ``"xy"`` or ``"iso"``, or a triple
        ``(position, focal_point, view_up)``.
    symmetric : bool
        Centre the colour range on zero, ``(-a, a)`` with ``a`` the largest
        absolute value of ``clim`` or of the scalars. Use it with a diverging
        colour map for signed fields such as curvature.

    Returns
    -------
    pathlib.Path or (h, w, 3) numpy.ndarray of uint8
        The path written, or the picture itself when ``path`` is ``None``.

    Raises
    ------
    GeomflowError
        If ``mesh_or_metric`` is neither a mesh nor a metric, ``scalars`` has
        neither valid length, ``clim`` is not an increasing pair, or ``path``
        does not end in ``.png``.
    RenderError
        If off-screen rendering is impossible here (missing OpenGL libraries);
        the message names the system packages to install.
    """
    mesh = _as_mesh(mesh_or_metric)
    width, height = _check_window_size(window_size)
    values, per_vertex = _check_scalars(scalars, mesh)
    limits = None if values is None else _colour_range(values, clim, symmetric)
    target = None if path is None else _check_path(path)

    _backend.require_rendering()
    import pyvista

    plotter = pyvista.Plotter(off_screen=True, window_size=(width, height))
    try:
        _draw(plotter, mesh, values, per_vertex, limits, cmap, scalar_name, show_edges)
        if title:
            plotter.add_text(
                title, position="upper_edge", font_size=12, color=FOREGROUND
            )
        _place_camera(
            plotter,
            mesh,
            camera,
            has_colour_bar=values is not None,
            has_title=bool(title),
        )
        image = np.ascontiguousarray(plotter.screenshot(return_img=True)[..., :3])
    finally:
        plotter.close()

    if target is None:
        return image
    _write_png(target, image)
    logger.debug("wrote %s (%d x %d)", target, width, height)
    return target


# ---------------------------------------------------------------------- checks


def _as_mesh(mesh_or_metric) -> TriangleMesh:
    if isinstance(mesh_or_metric, EdgeMetric):
        return mesh_or_metric.mesh
    if isinstance(mesh_or_metric, TriangleMesh):
        return mesh_or_metric
    raise GeomflowError(
        "plot needs a gf.TriangleMesh or a gf.EdgeMetric, got "
        f"{type(mesh_or_metric).__name__}; build one with gf.TriangleMesh("
        "vertices, faces)"
    )


def _check_window_size(window_size) -> tuple[int, int]:
    size = np.asarray(window_size)
    if size.shape != (2,) or size.dtype.kind not in "iu" or (size < 1).any():
        raise GeomflowError(
            f"window_size must be two positive integers (width, height), "
            f"got {window_size!r}"
        )
    return int(size[0]), int(size[1])


def _check_scalars(scalars, mesh: TriangleMesh) -> tuple[np.ndarray | None, bool]:
    """Return the scalars as float64 and whether they live on the vertices."""
    if scalars is None:
        return None, True
    values = np.asarray(scalars)
    if values.dtype.kind not in "fiub":
        raise GeomflowError(f"scalars must be real numbers, got dtype {values.dtype}")
    values = np.ascontiguousarray(values, dtype=np.float64)
    n, m = mesh.n_vertices, mesh.n_faces
    if values.ndim != 1 or len(values) not in (n, m):
        raise GeomflowError(
            f"scalars must have shape ({n},) (one per vertex) or ({m},) (one per "
            f"face) for this mesh, got shape {values.shape}"
        )
    if not np.isfinite(values).any():
        raise GeomflowError("scalars hold no finite value; there is nothing to colour")
    return values, len(values) == n


def _colour_range(values: np.ndarray, clim, symmetric: bool) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if clim is None:
        low, high = float(finite.min()), float(finite.max())
    else:
        low, high = (float(c) for c in clim)
        if not (np.isfinite(low) and np.isfinite(high) and low < high):
            raise GeomflowError(
                f"clim must be two finite numbers (low, high) with low < high, "
                f"got {clim!r}"
            )
    if symmetric:
        reach = max(abs(low), abs(high))
        low, high = -reach, reach
    if low == high:  # a constant field: widen so the colour map stays defined
        pad = max(abs(low) * 1e-3, 1e-12)
        low, high = low - pad, high + pad
    return low, high


def _check_path(path) -> Path:
    target = Path(path)
    if target.suffix.lower() != ".png":
        raise GeomflowError(
            f"plot writes PNG files, but the path {str(target)!r} does not end in "
            "'.png'; change the suffix, or pass path=None to get the pixels"
        )
    return target


# ---------------------------------------------------------------------- drawing


def _draw(plotter, mesh, values, per_vertex, limits, cmap, scalar_name, show_edges):
    """Add the surface, its colours and the colour bar to ``plotter``."""
    plotter.set_background(BACKGROUND)
    surface = mesh.to_pyvista()
    style = {
        "smooth_shading": True,
        "show_edges": show_edges,
        "edge_color": "#303030",
        "line_width": 0.5,
        "ambient": 0.2,
        "diffuse": 0.85,
        "specular": 0.2,
        "specular_power": 20.0,
    }
    if values is None:
        plotter.add_mesh(surface, color=SURFACE_COLOR, **style)
        return
    name = scalar_name or "scalars"
    if per_vertex:
        surface.point_data[name] = values
    else:
        surface.cell_data[name] = values
    plotter.add_mesh(
        surface,
        scalars=name,
        preference="point" if per_vertex else "cell",
        cmap=cmap,
        clim=limits,
        nan_color="#9a9a9a",
        scalar_bar_args={
            "title": scalar_name or "",
            "vertical": True,
            "position_x": 0.8,
            "position_y": 0.15,
            "width": 0.06,
            "height": 0.7,
            "n_labels": 5,
            "fmt": "%.3g",
            "title_font_size": 18,
            "label_font_size": 16,
            "color": FOREGROUND,
        },
        **style,
    )


def _place_camera(
    plotter, mesh, camera, *, has_colour_bar: bool, has_title: bool
) -> None:
    """Aim the camera; by default a fixed view that fits the whole mesh."""
    if camera is not None:
        plotter.camera_position = camera
        plotter.reset_camera_clipping_range()
        return
    points = mesh.vertices[mesh.referenced_vertices]
    low, high = points.min(axis=0), points.max(axis=0)
    centre = 0.5 * (low + high)
    radius = float(np.linalg.norm(points - centre, axis=1).max()) or 1.0
    direction = np.asarray(VIEW_DIRECTION) / np.linalg.norm(VIEW_DIRECTION)

    # A sphere of this radius just fills the vertical opening angle at this
    # distance; the window is wider than tall, so it then fits across too.
    half_angle = np.radians(VIEW_ANGLE) / 2.0
    margin = TITLE_MARGIN if has_title else MARGIN
    distance = radius * (1.0 + margin) / np.sin(half_angle)
    width, height = plotter.window_size
    distance *= max(1.0, height / width)  # a portrait window: fit the width

    cam = plotter.camera
    cam.view_angle = VIEW_ANGLE
    cam.focal_point = tuple(centre)
    cam.position = tuple(centre + distance * direction)
    cam.up = VIEW_UP
    if has_colour_bar:  # shift the picture left, clear of the colour bar
        cam.SetWindowCenter(COLOUR_BAR_SHIFT, 0.0)
    plotter.reset_camera_clipping_range()


def _write_png(target: Path, image: np.ndarray) -> None:
    """Write ``image`` to ``target`` atomically (temporary file, then rename)."""
    import imageio.v3 as iio

    with atomic_path(target) as temporary:
        iio.imwrite(temporary, image, extension=".png")
