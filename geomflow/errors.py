"""Exceptions and warnings raised by geomflow.

Every error geomflow raises on purpose derives from :class:`GeomflowError`, so a
caller can catch them all at once. Messages name the offending elements (vertex,
face or edge indices) and say what to do about them.
"""

from __future__ import annotations

__all__ = [
    "GeomflowError",
    "MeshError",
    "MetricError",
    "DegenerateMetricError",
    "TopologyError",
    "FlowError",
    "RenderError",
    "GeomflowWarning",
]


class GeomflowError(Exception):
    """Base class of all errors raised by geomflow."""


class MeshError(GeomflowError, ValueError):
    """A triangle mesh is malformed: shapes, indices, manifoldness, orientation."""


class MetricError(GeomflowError, ValueError):
    """Edge lengths do not form a valid discrete metric (triangle inequality)."""


class DegenerateMetricError(MetricError):
    """A face has zero area, so its cotangents or angles are undefined."""


class TopologyError(GeomflowError, ValueError):
    """The mesh has the wrong topology for the operation asked (genus, boundary)."""


class FlowError(GeomflowError, RuntimeError):
    """A flow produced non-finite values or could not continue."""


class RenderError(GeomflowError, RuntimeError):
    """Off-screen rendering is impossible here (no OpenGL, EGL or Mesa libraries)."""


class GeomflowWarning(UserWarning):
    """Something suspicious that geomflow can work with, such as unused vertices."""


def describe_indices(indices, limit: int = 10) -> str:
    """Format a list of indices for an error message, eliding after ``limit``."""
    indices = [int(i) for i in indices]
    shown = ", ".join(str(i) for i in indices[:limit])
    if len(indices) > limit:
        shown += f", ... ({len(indices)} in all)"
    return f"[{shown}]"
