"""Line plots of flow histories (energy, residual, error per step) as PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..results import atomic_path

__all__ = ["plot_curves"]


def plot_curves(
    series: dict,
    path,
    *,
    xlabel: str = "t",
    ylabel: str = "energy",
    title: str | None = None,
    logy: bool = False,
    logx: bool = False,
    size=(6.4, 4.0),
) -> Path:
    """Draw ``{label: (x, y)}`` as lines in one axes and save a PNG atomically.

    The figure is drawn on its own Agg canvas, without pyplot, so no display
    is needed and matplotlib's global state (a notebook's inline backend) is
    left alone. Non-positive values are left out of a logarithmic axis.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=size, dpi=120)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for label, (x, y) in series.items():
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        keep = np.isfinite(y) & ((y > 0) if logy else True)
        axes.plot(x[keep], y[keep], label=label, lw=1.6)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    if logy:
        axes.set_yscale("log")
    if logx:
        axes.set_xscale("log")
    if title:
        axes.set_title(title)
    if len(series) > 1:
        axes.legend(frameon=False)
    axes.grid(alpha=0.3)
    figure.tight_layout()
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png")
    return Path(path)
