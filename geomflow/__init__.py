"""geomflow: geometric flows on triangle meshes.

Every flow is a gradient flow ``x' = -G(x)^{-1} dE(x)``: an energy, an inner
product on the state space and a time-stepping scheme. A mesh's discrete
Riemannian metric (one length per edge) defines the cotangent Laplacian and
mass matrices from which the energies and inner products are built.
"""

# pyvista is imported only when something is drawn
from . import map_quality, results, viz
from .energies import (
    DirichletEnergy,
    Energy,
    GinzburgLandauEnergy,
    PotentialEnergy,
    QuadraticEnergy,
)
from .errors import (
    DegenerateMetricError,
    FlowError,
    GeomflowError,
    GeomflowWarning,
    MeshError,
    MetricError,
    RenderError,
    TopologyError,
)
from .flows import (
    FlowResult,
    GradientFlow,
    allen_cahn,
    cahn_hilliard,
    curvature_flow,
    gradient_flow,
    harmonic_map_to_disk,
    harmonic_map_to_sphere,
    heat_flow,
)
from .inner_products import (
    EuclideanInnerProduct,
    H1InnerProduct,
    HessianInnerProduct,
    HMinus1InnerProduct,
    InnerProduct,
    L2InnerProduct,
    make_inner_product,
)
from .intrinsic import IntrinsicTriangulation
from .io import load_mesh, save_mesh
from .landscape import (
    CriticalPoints,
    SaddleManifold,
    SurfacePath,
    basins,
    critical_points,
    descent_path,
    saddle_manifolds,
)
from .layout import Layout, layout_flat
from .mesh import TriangleMesh
from .metric import EdgeMetric
from .operators import (
    cotan_laplacian,
    divergence_operator,
    gaussian_curvature,
    gradient_operator,
    mass_matrix,
    vertex_areas,
)
from .repair import RepairReport, repair
from .samples import list_sample_meshes, sample_mesh, sample_metric
from .subdivision import subdivide

__version__ = "0.1.0"

__all__ = [
    "CriticalPoints",
    "DegenerateMetricError",
    "DirichletEnergy",
    "EdgeMetric",
    "Energy",
    "EuclideanInnerProduct",
    "FlowError",
    "FlowResult",
    "GeomflowError",
    "GeomflowWarning",
    "GinzburgLandauEnergy",
    "GradientFlow",
    "H1InnerProduct",
    "HessianInnerProduct",
    "HMinus1InnerProduct",
    "InnerProduct",
    "IntrinsicTriangulation",
    "L2InnerProduct",
    "Layout",
    "MeshError",
    "MetricError",
    "PotentialEnergy",
    "QuadraticEnergy",
    "RenderError",
    "RepairReport",
    "SaddleManifold",
    "SurfacePath",
    "TopologyError",
    "TriangleMesh",
    "allen_cahn",
    "basins",
    "cahn_hilliard",
    "cotan_laplacian",
    "critical_points",
    "curvature_flow",
    "descent_path",
    "divergence_operator",
    "gaussian_curvature",
    "gradient_flow",
    "gradient_operator",
    "harmonic_map_to_disk",
    "harmonic_map_to_sphere",
    "heat_flow",
    "layout_flat",
    "list_sample_meshes",
    "load_mesh",
    "make_inner_product",
    "map_quality",
    "mass_matrix",
    "repair",
    "results",
    "saddle_manifolds",
    "sample_mesh",
    "sample_metric",
    "save_mesh",
    "subdivide",
    "vertex_areas",
    "viz",
]
