"""Flows: the gradient-flow engine and the flows built on it."""

from .curvature import curvature_flow
from .engine import SCHEMES, FlowResult, Frame, GradientFlow, gradient_flow
from .gradient import allen_cahn, cahn_hilliard
from .harmonic_map import harmonic_map_to_disk, harmonic_map_to_sphere
from .heat import heat_flow

__all__ = [
    "SCHEMES",
    "FlowResult",
    "Frame",
    "GradientFlow",
    "allen_cahn",
    "cahn_hilliard",
    "curvature_flow",
    "gradient_flow",
    "harmonic_map_to_disk",
    "harmonic_map_to_sphere",
    "heat_flow",
]
