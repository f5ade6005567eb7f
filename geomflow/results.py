"""Result folders: flow states and frames in ``.npz``, numbers in ``metrics.json``.

Everything is written atomically: to a temporary name in the same folder,
then renamed, so an interrupted run never leaves a half-written file.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ._files import atomic_path
from .errors import GeomflowError
from .flows.engine import FlowResult, Frame

__all__ = ["atomic_path", "write_json", "save_result", "load_result"]


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return str(value)
    if isinstance(value, Path):
        return str(value)
    return value


def write_json(path, data: dict) -> Path:
    """Write ``data`` (numpy values allowed) as indented JSON, atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(_jsonable(data), indent=2) + "\n")
    return Path(path)


def save_result(result: FlowResult, path) -> Path:
    """Save a :class:`FlowResult` (state, history and frames) to ``path.npz``.

    Array-valued ``extras`` are saved too; other extras are left out.
    """
    path = Path(path).with_suffix(".npz")
    arrays = {
        "state": result.state,
        "times": result.times,
        "energies": result.energies,
        "residuals": result.residuals,
        "step_sizes": result.step_sizes,
        "counts": np.array([result.n_steps, result.n_rejected]),
        "reason": np.array(result.reason),
        "message": np.array(result.message),
    }
    if result.frames:
        arrays["frame_steps"] = np.array([f.step for f in result.frames])
        arrays["frame_times"] = result.frame_times
        arrays["frame_states"] = result.frame_states
        arrays["frame_energies"] = np.array([f.energy for f in result.frames])
    for key, value in result.extras.items():
        if isinstance(value, np.ndarray):
            arrays[f"extra_{key}"] = value
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez_compressed(handle, **arrays)
    return path


def load_result(path) -> FlowResult:
    """Read a :class:`FlowResult` written by :func:`save_result`."""
    path = Path(path).with_suffix(".npz")
    if not path.exists():
        raise GeomflowError(f"no saved flow result at {path}")
    with np.load(path) as data:
        frames = []
        if "frame_states" in data:
            frames = [
                Frame(int(s), float(t), x, float(e))
                for s, t, x, e in zip(
                    data["frame_steps"],
                    data["frame_times"],
                    data["frame_states"],
                    data["frame_energies"],
                    strict=True,
                )
            ]
        extras = {k[6:]: data[k] for k in data.files if k.startswith("extra_")}
        return FlowResult(
            state=data["state"],
            times=data["times"],
            energies=data["energies"],
            residuals=data["residuals"],
            step_sizes=data["step_sizes"],
            n_steps=int(data["counts"][0]),
            n_rejected=int(data["counts"][1]),
            reason=str(data["reason"]),
            message=str(data["message"]),
            frames=frames,
            extras=extras,
        )
