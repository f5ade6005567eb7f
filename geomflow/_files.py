"""Atomic file writing, shared by every module that writes a file."""

from __future__ import annotations

import contextlib
import os
import uuid
from pathlib import Path

__all__ = ["atomic_path"]


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; rename it to ``path`` on success.

    The temporary file sits in the same folder (so the rename cannot cross file
    systems), starts with a dot and keeps the suffix of ``path``, so writers
    that choose a format by suffix (imageio, matplotlib) still work. On an
    exception it is removed and ``path`` is left as it was: a reader sees
    either the complete new file or the old one, never half a file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:12]}.tmp{path.suffix}")
    try:
        yield temporary
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
