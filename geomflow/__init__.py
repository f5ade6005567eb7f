"""geomflow: geometric flows on triangle meshes.

Every flow is a gradient flow ``x' = -G(x)^{-1} dE(x)``: an energy, an inner
product on the state space and a time-stepping scheme. A mesh's discrete
Riemannian metric (one length per edge) defines the cotangent Laplacian and
mass matrices from which the energies and inner products are built.
"""

from .errors import (
    DegenerateMetricError,
    FlowError,
    GeomflowError,
    GeomflowWarning,
    MeshError,
    MetricError,
    TopologyError,
)
from .mesh import TriangleMesh
from .metric import EdgeMetric
from .operators import (
    cotan_laplacian,
    divergence_operator,
    gradient_operator,
    mass_matrix,
    vertex_areas,
)

__version__ = "0.1.0"

__all__ = [
    "DegenerateMetricError",
    "EdgeMetric",
    "FlowError",
    "GeomflowError",
    "GeomflowWarning",
    "MeshError",
    "MetricError",
    "TopologyError",
    "TriangleMesh",
    "cotan_laplacian",
    "divergence_operator",
    "gradient_operator",
    "mass_matrix",
    "vertex_areas",
]
