"""Pictures of meshes and of fields on them, rendered off-screen with pyvista.

Nothing here imports pyvista, VTK or matplotlib until a picture is asked for,
so ``import geomflow`` stays fast and works on machines without OpenGL. With
no ``DISPLAY``, rendering goes through EGL and Mesa (VTK's headless window);
:func:`rendering_available` says whether that works on this machine.
"""

from .animate import animate, animate_side_by_side
from .curves import plot_curves
from .landscape import plot_landscape
from .plot import plot, rendering_available

__all__ = [
    "animate",
    "animate_side_by_side",
    "plot",
    "plot_curves",
    "plot_landscape",
    "rendering_available",
]
