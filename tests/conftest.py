"""Shared test fixtures: seeded random meshes and the optional real meshes."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

import geomflow as gf

#: The experiments live at the repository root, beside the package; tests
#: import them as ``experiments.<name>`` whatever the working directory.
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

#: Real test meshes live beside the repository (../shared/meshes); tests that
#: use them skip when the folder is absent. GEOMFLOW_SHARED_MESHES overrides.
SHARED_MESHES = Path(
    os.environ.get(
        "GEOMFLOW_SHARED_MESHES",
        Path(__file__).resolve().parents[2] / "shared" / "meshes",
    )
)


def shared_mesh_path(name: str) -> Path:
    """Path of a mesh in the shared folder, skipping the test when it is missing."""
    path = SHARED_MESHES / name
    if not path.exists():
        pytest.skip(f"shared test mesh {name} not present")
    return path


@pytest.fixture
def rng():
    return np.random.default_rng(20261203)


@pytest.fixture
def needs_rendering():
    """Skip (at run time, not at collection) where off-screen rendering fails."""
    if not gf.viz.rendering_available():
        pytest.skip(
            "off-screen rendering is unavailable here (no EGL/OpenGL libraries; "
            "Debian: apt-get install libegl1 libgl1 libgl1-mesa-dri libgbm1)"
        )
