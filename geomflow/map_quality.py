r"""How good is a map of a surface: folds, energy, conformality, distortion.

A map is given by its vertex images ``f``: ``(n, 3)`` points (on the unit
sphere for a spherical parameterization) or ``(n, 2)`` points in the plane,
and is linear on every face. The source triangles are laid out from edge
lengths alone (:func:`geomflow.operators.face_frames_2d`), so every measure
here is intrinsic on the source side; the image triangles are the flat
triangles spanned by the image points.

The measures and their relation: for a piecewise-linear map the Dirichlet
energy and the image area satisfy :math:`E(f) \ge A(f)`, with equality exactly
when every face is mapped conformally (a similarity), so the
*conformality gap* :math:`E/A - 1 \ge 0` measures how far the map is from
conformal as a whole, and the per-face Beltrami coefficient
:math:`|\mu| = |f_{\bar z}| / |f_z|` says where.
"""

from __future__ import annotations

import numpy as np

from .errors import GeomflowError
from .mesh import TriangleMesh
from .metric import EdgeMetric
from .operators import cotan_laplacian, face_frames_2d

__all__ = [
    "flipped_faces",
    "sphere_map_degree",
    "dirichlet_energy",
    "image_face_areas",
    "image_area",
    "conformality_gap",
    "beltrami_coefficients",
    "angle_distortion",
    "area_distortion",
]


def _as_map(mesh: TriangleMesh, f) -> np.ndarray:
    f = np.asarray(f, dtype=np.float64)
    if f.ndim != 2 or f.shape[0] != mesh.n_vertices or f.shape[1] not in (2, 3):
        raise GeomflowError(
            f"a map must have shape ({mesh.n_vertices}, 2) or ({mesh.n_vertices}, 3) "
            f"(one image point per vertex), got {f.shape}"
        )
    if not np.all(np.isfinite(f)):
        bad = np.flatnonzero(~np.all(np.isfinite(f), axis=1))
        raise GeomflowError(f"the map has non-finite images at vertices {bad[:10]}")
    return f


def _orientation(mesh: TriangleMesh, f: np.ndarray) -> np.ndarray:
    """``(m,)`` signed volume ``det(f_a, f_b, f_c)`` (3D) or signed area x 2 (2D)."""
    a, b, c = (f[mesh.faces[:, k]] for k in range(3))
    if f.shape[1] == 2:
        u, v = b - a, c - a
        return u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0]
    return np.einsum("ij,ij->i", a, np.cross(b, c))


def flipped_faces(mesh: TriangleMesh, f) -> np.ndarray:
    """Indices of the faces the map turns over.

    For a map to the sphere, ``(n, 3)``, a face ``(a, b, c)`` is flipped when
    :math:`\\det(f_a, f_b, f_c) \\le 0` (its image is not counter-clockwise seen
    from outside); for a planar map, ``(n, 2)``, when its signed area is
    :math:`\\le 0`. Degenerate images count as flipped.
    """
    f = _as_map(mesh, f)
    return np.flatnonzero(_orientation(mesh, f) <= 0.0)


def sphere_map_degree(mesh: TriangleMesh, f) -> float:
    r"""Total signed solid angle of the image triangles divided by :math:`4\pi`.

    For a closed mesh mapped to the unit sphere this is the degree of the map
    (an integer up to round-off, whatever the folds); a parameterization has
    degree 1. The signed solid angle of a triangle is
    :math:`2\,\mathrm{atan2}(\det(a,b,c),\ 1 + a\cdot b + b\cdot c + c\cdot a)`
    (Van Oosterom and Strackee 1983).
    """
    f = _as_map(mesh, f)
    if f.shape[1] != 3:
        raise GeomflowError("the degree is defined for maps to the sphere, (n, 3)")
    f = f / np.linalg.norm(f, axis=1, keepdims=True)
    a, b, c = (f[mesh.faces[:, k]] for k in range(3))
    det = np.einsum("ij,ij->i", a, np.cross(b, c))
    dots = 1.0 + np.einsum("ij,ij->i", a, b)
    dots += np.einsum("ij,ij->i", b, c) + np.einsum("ij,ij->i", c, a)
    return float(2.0 * np.arctan2(det, dots).sum() / (4.0 * np.pi))


def dirichlet_energy(metric: EdgeMetric, f) -> float:
    r"""Dirichlet energy :math:`\tfrac12 \sum_d f_d^\top L f_d` of a map.

    ``L`` is the cotangent Laplacian of the *source* metric, so this is
    :math:`\tfrac12 \int |df|^2` of the piecewise-linear map.
    """
    f = _as_map(metric.mesh, f)
    return float(0.5 * np.einsum("id,id->", f, cotan_laplacian(metric) @ f))


def image_face_areas(mesh: TriangleMesh, f) -> np.ndarray:
    """``(m,)`` unsigned areas of the flat image triangles."""
    f = _as_map(mesh, f)
    if f.shape[1] == 2:
        return 0.5 * np.abs(_orientation(mesh, f))
    a, b, c = (f[mesh.faces[:, k]] for k in range(3))
    return 0.5 * np.linalg.norm(np.cross(b - a, c - a), axis=1)


def image_area(mesh: TriangleMesh, f) -> float:
    """Total area of the image triangles (flat, not spherical)."""
    return float(image_face_areas(mesh, f).sum())


def conformality_gap(metric: EdgeMetric, f) -> float:
    r"""``E(f) / A(f) - 1``: zero exactly for conformal maps, positive otherwise.

    .. math::

        E(f) = \tfrac12 \int |df|^2 \;\ge\; \int |\det df| = A(f)

    face by face (the arithmetic-geometric mean inequality on the singular
    values of ``df``), with equality where ``df`` is a similarity. Dividing by
    the image area rather than by :math:`4\pi` makes the gap independent of
    how far an inscribed polyhedron falls short of the sphere's area.
    """
    return dirichlet_energy(metric, f) / image_area(metric.mesh, f) - 1.0


def _image_frames(mesh: TriangleMesh, f: np.ndarray) -> np.ndarray:
    """``(m, 3, 2)`` image triangles laid out in their own planes, signed.

    Corner 0 at the origin, corner 1 on the positive x-axis; corner 2 above
    the axis for a face kept in orientation, below it for a flipped one.
    """
    p = f[mesh.faces]  # (m, 3, d)
    e1, e2 = p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]
    c = np.linalg.norm(e1, axis=1)
    x = np.einsum("ij,ij->i", e1, e2) / np.where(c > 0, c, 1.0)
    sign = np.where(_orientation(mesh, f) > 0, 1.0, -1.0)
    y = sign * 2.0 * image_face_areas(mesh, f) / np.where(c > 0, c, 1.0)
    frames = np.zeros((len(p), 3, 2))
    frames[:, 1, 0] = c
    frames[:, 2, 0], frames[:, 2, 1] = x, y
    return frames


def beltrami_coefficients(metric: EdgeMetric, f) -> np.ndarray:
    r"""``(m,)`` modulus :math:`|\mu|` of the Beltrami coefficient on each face.

    On each face the map is affine, :math:`w = J z + b` between the source
    triangle (laid out from its edge lengths) and the image triangle (laid out
    in its own plane). Writing :math:`f_z = \tfrac12 (J_{00} + J_{11}) +
    \tfrac{i}{2} (J_{10} - J_{01})` and :math:`f_{\bar z} = \tfrac12 (J_{00} -
    J_{11}) + \tfrac{i}{2} (J_{10} + J_{01})`,

    .. math::

        \mu = f_{\bar z} / f_z, \qquad
        |\mu| = \frac{\sigma_1 - \sigma_2}{\sigma_1 + \sigma_2}

    for singular values :math:`\sigma_1 \ge \sigma_2` of an orientation
    preserving ``J``. ``0`` means conformal, ``|\mu| < 1`` orientation kept,
    ``|\mu| > 1`` a flipped face (``inf`` for a face mapped to a point).
    """
    f = _as_map(metric.mesh, f)
    src = face_frames_2d(metric)
    dst = _image_frames(metric.mesh, f)
    S = np.stack([src[:, 1] - src[:, 0], src[:, 2] - src[:, 0]], axis=2)
    D = np.stack([dst[:, 1] - dst[:, 0], dst[:, 2] - dst[:, 0]], axis=2)
    J = D @ np.linalg.inv(S)  # (m, 2, 2), columns are edge vectors
    fz = np.hypot(J[:, 0, 0] + J[:, 1, 1], J[:, 1, 0] - J[:, 0, 1])
    fzbar = np.hypot(J[:, 0, 0] - J[:, 1, 1], J[:, 1, 0] + J[:, 0, 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(fz > 0, fzbar / fz, np.inf)


def angle_distortion(metric: EdgeMetric, f) -> dict:
    """Summary of the angle distortion: ``|mu|`` and corner angle errors.

    Returns
    -------
    dict
        ``mean_mu``, ``median_mu``, ``max_mu`` (of :func:`beltrami_coefficients`,
        finite faces only), ``mean_angle_error`` and ``max_angle_error`` (radians,
        between source and image corner angles), and ``n_flipped``.
    """
    f = _as_map(metric.mesh, f)
    mu = beltrami_coefficients(metric, f)
    finite = mu[np.isfinite(mu)]
    errors = np.abs(_image_angles(metric.mesh, f) - metric.corner_angles())
    return {
        "mean_mu": float(finite.mean()) if len(finite) else float("inf"),
        "median_mu": float(np.median(finite)) if len(finite) else float("inf"),
        "max_mu": float(mu.max()),
        "mean_angle_error": float(errors.mean()),
        "max_angle_error": float(errors.max()),
        "n_flipped": int(len(flipped_faces(metric.mesh, f))),
    }


def _image_angles(mesh: TriangleMesh, f: np.ndarray) -> np.ndarray:
    """``(m, 3)`` corner angles of the image triangles."""
    p = f[mesh.faces]
    angles = np.empty((len(p), 3))
    for k in range(3):
        u, v = p[:, (k + 1) % 3] - p[:, k], p[:, (k + 2) % 3] - p[:, k]
        cross = np.linalg.norm(np.cross(u, v), axis=-1) if f.shape[1] == 3 else None
        if cross is None:
            cross = np.abs(u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0])
        angles[:, k] = np.arctan2(cross, np.einsum("ij,ij->i", u, v))
    return angles


def area_distortion(metric: EdgeMetric, f) -> np.ndarray:
    r"""``(m,)`` log ratio of each face's share of image area to source area.

    .. math::

        \log \frac{A'_t / \sum A'}{A_t / \sum A}

    Zero for a map that scales all areas alike; the normalisation removes the
    overall scale (a sphere map of a large surface is not penalised).
    """
    f = _as_map(metric.mesh, f)
    image = image_face_areas(metric.mesh, f)
    source = metric.face_areas()
    with np.errstate(divide="ignore"):
        return np.log(image / image.sum()) - np.log(source / source.sum())
