"""What every experiment shares: its output folder and optional pictures."""

from __future__ import annotations

import logging
from pathlib import Path

import geomflow as gf

log = logging.getLogger("experiments")


def output_folder(name: str, out=None) -> Path:
    """``out`` or ``results/<name>``, created."""
    folder = Path(out) if out is not None else Path("results") / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def can_render(render: bool) -> bool:
    """True when pictures of meshes are wanted and this machine can make them."""
    if not render:
        return False
    if not gf.viz.rendering_available():
        log.warning("off-screen rendering is not available: skipping mesh pictures")
        return False
    return True
