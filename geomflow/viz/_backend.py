"""Off-screen rendering set-up: pick a headless OpenGL window and probe it once.

VTK's wheels load OpenGL at run time. Without a display they can render
through EGL and Mesa, but only when ``VTK_DEFAULT_OPENGL_WINDOW`` names the EGL
window class before VTK is imported. When the system libraries are missing VTK
does not raise: it logs a warning and crashes the process. So the first render
of a session is preceded by a probe in a child process, and a failed probe
becomes a :class:`~geomflow.errors.RenderError` instead of a crash.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import subprocess
import sys

from ..errors import RenderError

logger = logging.getLogger(__name__)

#: The environment variable VTK reads to choose its OpenGL window class.
WINDOW_VARIABLE = "VTK_DEFAULT_OPENGL_WINDOW"

#: The window class that needs no display server (EGL, with Mesa's drivers).
HEADLESS_WINDOW = "vtkEGLRenderWindow"

#: Debian and Ubuntu packages that provide EGL, OpenGL and Mesa's drivers.
SYSTEM_PACKAGES = "libegl1 libgl1 libgl1-mesa-dri libgbm1"

#: Seconds to wait for the probe before declaring rendering unavailable.
PROBE_TIMEOUT = 120.0

# Renders a small sphere with bare VTK (faster to import than pyvista) and
# checks that the picture is not one flat colour.
_PROBE_SCRIPT = """
import vtkmodules.vtkRenderingOpenGL2
from vtkmodules.util.numpy_support import vtk_to_numpy
from vtkmodules.vtkFiltersSources import vtkSphereSource
from vtkmodules.vtkRenderingCore import (
    vtkActor, vtkPolyDataMapper, vtkRenderer, vtkRenderWindow,
    vtkWindowToImageFilter,
)
source = vtkSphereSource()
mapper = vtkPolyDataMapper()
mapper.SetInputConnection(source.GetOutputPort())
actor = vtkActor()
actor.SetMapper(mapper)
renderer = vtkRenderer()
renderer.AddActor(actor)
window = vtkRenderWindow()
window.SetOffScreenRendering(1)
window.AddRenderer(renderer)
window.SetSize(32, 32)
window.Render()
grab = vtkWindowToImageFilter()
grab.SetInput(window)
grab.Update()
pixels = vtk_to_numpy(grab.GetOutput().GetPointData().GetScalars())
if pixels.min() == pixels.max():
    raise SystemExit("the test render came out as one flat colour")
print(window.GetClassName())
"""


def configure_environment() -> None:
    """Select VTK's EGL window when there is no display and nothing is chosen.

    Has an effect only before VTK is first imported; an explicit
    ``VTK_DEFAULT_OPENGL_WINDOW`` is always respected.
    """
    if not os.environ.get("DISPLAY") and WINDOW_VARIABLE not in os.environ:
        os.environ[WINDOW_VARIABLE] = HEADLESS_WINDOW
        logger.debug("no DISPLAY: set %s=%s", WINDOW_VARIABLE, HEADLESS_WINDOW)
    if "vtkmodules" in sys.modules:
        logger.debug("VTK already imported; its window class is already chosen")


@functools.lru_cache(maxsize=1)
def probe() -> str | None:
    """Try a tiny render in a child process; ``None`` if it worked, else why not.

    The result is cached for the life of the process.
    """
    configure_environment()
    try:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE_SCRIPT],
            capture_output=True,
            text=True,
            timeout=PROBE_TIMEOUT,
            env=os.environ.copy(),
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"a test render did not finish within {PROBE_TIMEOUT:.0f} s"
    except OSError as exc:
        return f"could not start a test render ({exc})"
    if done.returncode == 0:
        logger.debug("rendering probe succeeded with %s", done.stdout.strip())
        return None
    return _explain(done.returncode, done.stderr)


def _explain(returncode: int, stderr: str) -> str:
    """One-line reason for a failed probe, from its exit status and messages."""
    stderr = re.sub(r"\x1b\[[0-9;]*m", "", stderr)  # VTK colours its log lines
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    hints = [line for line in lines if "WARN" in line or "ERR" in line]
    detail = hints[0] if hints else (lines or [""])[-1]
    if "|" in detail:  # VTK log lines: "<date> <time> [...] file:line WARN| text"
        detail = detail.rsplit("|", 1)[-1].strip()
    if returncode < 0:
        what = f"a test render crashed (signal {-returncode})"
    else:
        what = f"a test render failed (exit status {returncode})"
    return f"{what}: {detail}" if detail else what


def require_rendering() -> None:
    """Raise :class:`RenderError` unless off-screen rendering works here."""
    reason = probe()
    if reason is not None:
        raise RenderError(
            f"cannot render off-screen ({reason.rstrip('.')}); install the system "
            f"OpenGL libraries (Debian/Ubuntu: apt-get install {SYSTEM_PACKAGES}, "
            "or run `make system-libs`), or set DISPLAY to a running X server"
        )
