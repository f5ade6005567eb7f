"""Pictures of a function's landscape: critical points, descents, separatrices.

:func:`plot_landscape` draws a surface coloured by a function ``V`` (or by
the basins of its minima) together with what :mod:`geomflow.landscape`
computes from it: the critical vertices as small spheres, descent paths and
the stable and unstable manifolds of the saddles as tubes. It renders
off-screen with the camera, colour bar and PNG writing of
:func:`geomflow.viz.plot`.

The tubes are lifted a little off the surface, along the surface normal on
the side facing the camera, so the surface never hides them.
"""

from __future__ import annotations

import logging

import numpy as np

from ..errors import GeomflowError
from ..landscape import CriticalPoints, SaddleManifold, SurfacePath
from . import _backend
from .plot import (
    FOREGROUND,
    _as_mesh,
    _check_path,
    _check_scalars,
    _check_window_size,
    _colour_range,
    _draw,
    _place_camera,
    _write_png,
)

__all__ = ["plot_landscape"]

logger = logging.getLogger(__name__)

#: Colours of the glyphs and lines, as ``(legend label, colour)``.
MINIMUM = ("minimum", "#2a6cff")
SADDLE = ("saddle", "#a8a8a8")
MONKEY_SADDLE = ("saddle, multiplicity > 1", "#666666")
MAXIMUM = ("maximum", "#d62020")
DESCENT = ("descent path", "#111111")
UNSTABLE = ("unstable manifold (descending)", "#ff8c00")
STABLE = ("stable manifold (ascending)", "#e0209a")

#: Sizes as fractions of the mean edge length: radius of a critical-point
#: sphere (larger for a saddle of multiplicity 2 or more), radius of a tube,
#: and how far a tube's axis is lifted off the surface.
GLYPH_RADIUS = 0.45
MONKEY_GLYPH_RADIUS = 0.7
TUBE_RADIUS = 0.07
MANIFOLD_TUBE_RADIUS = 0.14
LIFT = 1.3  # in tube radii: the tube clears the faces it runs over

#: Qualitative colour maps for basin labels: the first that has enough colours
#: (the last one repeats its colours beyond 20 basins).
BASIN_PALETTES = ("Set3", "tab20")


def plot_landscape(
    mesh,
    V=None,
    *,
    basins=None,
    critical: CriticalPoints | None = None,
    paths=(),
    manifolds=(),
    path=None,
    cmap: str = "viridis",
    window_size: tuple[int, int] = (800, 608),
    title: str | None = None,
):
    """Render a function's landscape on a mesh, without a display.

    Parameters
    ----------
    mesh : TriangleMesh or EdgeMetric
        The surface, drawn at its vertex positions (a metric gives its mesh).
    V : (n,) or (m,) array_like of float, optional
        The function, one value per vertex (or per face), shown with ``cmap``
        and a colour bar. Ignored for the colours when ``basins`` is given.
    basins : (n,) or (m,) array_like of int, optional
        A basin label per vertex or per face, as returned by
        :func:`geomflow.basins`; each label gets its own colour from a
        qualitative colour map (up to 20 distinct colours), negative labels
        are drawn grey. No colour bar is drawn for labels.
    critical : CriticalPoints, optional
        Drawn as spheres at the vertices: minima blue, saddles light grey
        (darker and larger for multiplicity 2 or more), maxima red.
    paths : sequence of SurfacePath or (k, 3) array_like
        Descent (or any) paths, drawn as thin dark tubes.
    manifolds : sequence of SaddleManifold
        Each saddle's descending paths (its unstable manifold) in orange and
        its ascending paths (its stable manifold) in magenta.
    path : str or os.PathLike, optional
        PNG file to write, atomically, as in :func:`geomflow.viz.plot`.
    cmap : str
        Matplotlib colour map for ``V``.
    window_size : (int, int)
        Width and height of the picture in pixels.
    title : str, optional
        Text shown at the top of the picture.

    Returns
    -------
    pathlib.Path or (h, w, 3) numpy.ndarray of uint8
        The path written, or the picture itself when ``path`` is ``None``.

    Raises
    ------
    GeomflowError
        If an argument has the wrong type or shape, or ``path`` does not end
        in ``.png``.
    RenderError
        If off-screen rendering is impossible on this machine.

    Notes
    -----
    Glyph and tube sizes are fixed fractions of the mean edge length ``h``
    (spheres of radius ``0.45 h``, tubes of radius ``0.07 h``), so they scale
    with the resolution of the mesh. A legend names what is drawn.
    """
    mesh = _as_mesh(mesh)
    width, height = _check_window_size(window_size)
    colours = _surface_colours(mesh, V, basins, cmap)
    glyphs = _glyph_sets(mesh, critical)
    lines = _line_sets(paths, manifolds)
    target = None if path is None else _check_path(path)

    _backend.require_rendering()
    import pyvista

    plotter = pyvista.Plotter(off_screen=True, window_size=(width, height))
    try:
        values, per_vertex, limits, colour_map, bar = colours
        _draw(plotter, mesh, values, per_vertex, limits, colour_map, bar, False)
        if bar is None and values is not None:
            plotter.remove_scalar_bar()
        if title:
            plotter.add_text(
                title, position="upper_edge", font_size=12, color=FOREGROUND
            )
        _place_camera(
            plotter,
            mesh,
            None,
            has_colour_bar=bar is not None,
            has_title=bool(title),
        )
        _add_overlays(plotter, mesh, glyphs, lines)
        plotter.reset_camera_clipping_range()
        image = np.ascontiguousarray(plotter.screenshot(return_img=True)[..., :3])
    finally:
        plotter.close()

    if target is None:
        return image
    _write_png(target, image)
    logger.debug("wrote %s (%d x %d)", target, width, height)
    return target


# ---------------------------------------------------------------------- inputs


def _surface_colours(mesh, V, basins, cmap):
    """``(values, per_vertex, limits, cmap, colour bar title)`` for ``_draw``."""
    if basins is None:
        values, per_vertex = _check_scalars(V, mesh)
        if values is None:
            return None, True, None, cmap, None
        return values, per_vertex, _colour_range(values, None, False), cmap, "V"

    labels = np.asarray(basins)
    if labels.dtype.kind not in "iu":
        raise GeomflowError(
            f"basins must hold integer labels (as from gf.basins), got dtype "
            f"{labels.dtype}"
        )
    values, per_vertex = _check_scalars(labels, mesh)
    valid = labels >= 0
    if not valid.any():
        raise GeomflowError("basins holds no label >= 0; there is nothing to colour")
    _, rank = np.unique(labels[valid], return_inverse=True)
    values[valid] = rank
    values[~valid] = np.nan
    k = int(rank.max()) + 1
    return values, per_vertex, (-0.5, k - 0.5), _basin_colour_map(k), None


def _basin_colour_map(k: int):
    """A listed colour map of ``k`` qualitative colours."""
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap

    for name in BASIN_PALETTES:
        palette = colormaps[name].colors
        if len(palette) >= k:
            break
    return ListedColormap([palette[i % len(palette)] for i in range(k)])


def _glyph_sets(mesh, critical) -> list:
    """``[(label, colour, (p,) vertices, radius factor)]`` of the critical points."""
    if critical is None:
        return []
    if not isinstance(critical, CriticalPoints):
        raise GeomflowError(
            "critical must be a gf.CriticalPoints (from gf.critical_points), got "
            f"{type(critical).__name__}"
        )
    monkey = critical.multiplicity >= 2
    sets = [
        (*MINIMUM, critical.minima, GLYPH_RADIUS),
        (*SADDLE, critical.saddles[~monkey], GLYPH_RADIUS),
        (*MONKEY_SADDLE, critical.saddles[monkey], MONKEY_GLYPH_RADIUS),
        (*MAXIMUM, critical.maxima, GLYPH_RADIUS),
    ]
    for label, _, where, _ in sets:
        if len(where) and where.max() >= mesh.n_vertices:
            raise GeomflowError(
                f"critical {label} vertex {int(where.max())} is not a vertex of "
                f"this mesh ({mesh.n_vertices} vertices); were they computed on "
                "another mesh?"
            )
    return [s for s in sets if len(s[2])]


def _line_sets(paths, manifolds) -> list:
    """``[(label, colour, [paths], radius factor)]`` of the lines to draw."""
    for saddle in manifolds:
        if not isinstance(saddle, SaddleManifold):
            raise GeomflowError(
                "manifolds must hold gf.SaddleManifold objects (from "
                f"gf.saddle_manifolds), got {type(saddle).__name__}"
            )
    sets = [
        (*DESCENT, list(paths), TUBE_RADIUS),
        (*UNSTABLE, [p for s in manifolds for p in s.descending], MANIFOLD_TUBE_RADIUS),
        (*STABLE, [p for s in manifolds for p in s.ascending], MANIFOLD_TUBE_RADIUS),
    ]
    return [s for s in sets if s[2]]


# ---------------------------------------------------------------------- overlays


def _add_overlays(plotter, mesh, glyphs, lines) -> None:
    """Add the spheres, the tubes and a legend naming them to ``plotter``."""
    import pyvista

    if not glyphs and not lines:
        return
    h = _mean_edge_length(mesh)
    normals = _vertex_normals(mesh)
    camera = np.asarray(plotter.camera.position)
    legend = []
    for label, colour, where, factor in glyphs:
        ball = pyvista.Sphere(radius=factor * h, theta_resolution=16, phi_resolution=12)
        centres = pyvista.PolyData(mesh.vertices[where])
        plotter.add_mesh(
            centres.glyph(geom=ball, orient=False, scale=False),
            color=colour,
            smooth_shading=True,
            specular=0.3,
        )
        legend.append([label, colour])
    for label, colour, group, factor in lines:
        radius = factor * h
        for item in group:
            points = _lifted_points(mesh, normals, item, LIFT * radius, camera)
            if len(points) < 2:
                continue
            tube = pyvista.lines_from_points(points).tube(radius=radius, n_sides=10)
            plotter.add_mesh(tube, color=colour, smooth_shading=True)
        legend.append([label, colour])
    plotter.add_legend(
        legend,
        bcolor=None,
        loc="lower left",
        size=(0.3, 0.04 * len(legend)),
        face="circle",
    )


def _mean_edge_length(mesh) -> float:
    ends = mesh.vertices[mesh.edges]
    return float(np.linalg.norm(ends[:, 1] - ends[:, 0], axis=1).mean())


def _vertex_normals(mesh) -> np.ndarray:
    """``(n, 3)`` unit normals, each the area-weighted mean of its faces'."""
    corners = mesh.vertices[mesh.faces]
    twice_area = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    normals = np.zeros_like(mesh.vertices)
    for k in range(3):
        np.add.at(normals, mesh.faces[:, k], twice_area)
    length = np.linalg.norm(normals, axis=1, keepdims=True)
    return normals / np.where(length > 0, length, 1.0)


def _lifted_points(mesh, normals, item, lift: float, camera) -> np.ndarray:
    """The points of a path moved by ``lift`` off the surface, towards the camera.

    A :class:`SurfacePath` carries its faces and barycentric coordinates, so
    the normal at each point interpolates those of its face's corners; a bare
    ``(k, 3)`` array takes the normal of the nearest vertex. Each normal is
    flipped to the side of the camera, which is the visible side of a closed
    surface and of an open one alike. Repeated points are dropped.
    """
    if isinstance(item, SurfacePath):
        points = item.points
        normal = np.einsum(
            "pk,pkd->pd", item.barycentric, normals[mesh.faces[item.faces]]
        )
    else:
        points = np.asarray(item, dtype=np.float64)
        if points.ndim != 2 or points.shape[1] != 3 or not np.isfinite(points).all():
            raise GeomflowError(
                "each path must be a gf.SurfacePath or a finite (k, 3) array of "
                f"points, got shape {points.shape}"
            )
        normal = normals[_nearest_vertex(mesh, points)]
    normal = normal / np.maximum(np.linalg.norm(normal, axis=1, keepdims=True), 1e-300)
    facing = np.einsum("pd,pd->p", normal, camera - points) < 0
    normal[facing] *= -1.0
    lifted = points + lift * normal
    keep = np.ones(len(lifted), dtype=bool)
    keep[1:] = np.linalg.norm(np.diff(lifted, axis=0), axis=1) > 0
    return lifted[keep]


def _nearest_vertex(mesh, points: np.ndarray) -> np.ndarray:
    from scipy.spatial import cKDTree

    used = np.flatnonzero(mesh.referenced_vertices)
    _, nearest = cKDTree(mesh.vertices[used]).query(points)
    return used[nearest]
