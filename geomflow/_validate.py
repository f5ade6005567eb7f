"""Argument checks shared by the whole package.

Each check raises a :class:`~geomflow.errors.GeomflowError` subclass whose message
names the argument, what was received, and what was expected.
"""

from __future__ import annotations

import numpy as np

from .errors import GeomflowError, describe_indices


def as_array(
    value,
    name: str,
    *,
    dtype,
    shape: tuple,
    error: type[GeomflowError] = GeomflowError,
    finite: bool = False,
) -> np.ndarray:
    """Return a C-contiguous copy of ``value`` as ``dtype``, after checking its shape.

    ``shape`` uses ``None`` for a free dimension, e.g. ``(None, 3)``. Integer
    targets accept only integer input (a float index is an error, not a cast).
    """
    array = np.asarray(value)
    if array.ndim != len(shape) or any(
        want is not None and got != want
        for got, want in zip(array.shape, shape, strict=True)
    ):
        expected = str(tuple("k" if s is None else s for s in shape)).replace("'", "")
        raise error(f"{name} must have shape {expected}, got {array.shape}")
    kind = np.dtype(dtype).kind
    if kind in "iu" and array.size and array.dtype.kind not in "iu":
        raise error(
            f"{name} must hold integers, got dtype {array.dtype}; "
            "convert it with .astype(np.int64) if the values are whole numbers"
        )
    if kind == "f" and array.dtype.kind not in "fiub":
        raise error(f"{name} must hold real numbers, got dtype {array.dtype}")
    array = np.array(array, dtype=dtype, order="C", copy=True)  # never the caller's
    if finite:
        require_finite(array, name, error=error)
    return array


def require_finite(array: np.ndarray, name: str, *, error=GeomflowError) -> None:
    """Raise ``error`` naming the rows of ``array`` that hold NaN or infinity."""
    bad = ~np.isfinite(array)
    if bad.any():
        rows = np.flatnonzero(bad.reshape(len(array), -1).any(axis=1))
        raise error(
            f"{name} holds NaN or infinite values at rows {describe_indices(rows)}; "
            "remove or fix those entries"
        )


def freeze(array: np.ndarray) -> np.ndarray:
    """Mark ``array`` read-only and return it (arrays a mesh owns never change)."""
    array.setflags(write=False)
    return array
