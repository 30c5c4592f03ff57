"""Analysis results -> rawfile plots (for ``xbar run --raw``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from xbar.io.rawfile import RawPlot

__all__ = ["result_to_plot", "results_to_plots"]

_PLOTNAMES = {"op": "Operating Point", "dc": "DC transfer characteristic", "tran": "Transient Analysis",
              "ac": "AC Analysis"}
_SCALE_TYPES = {"time": "time", "v-sweep": "voltage", "i-sweep": "current", "res-sweep": "res-sweep",
                "temp-sweep": "temp-sweep", "frequency": "frequency"}


def _vtype(name: str) -> str:
    if name in _SCALE_TYPES:
        return _SCALE_TYPES[name]
    if name.startswith("v("):
        return "voltage"
    if name.startswith("i("):
        return "current"
    return "notype"


def result_to_plot(result: Any, title: str = "") -> RawPlot:
    """One analysis result as a :class:`~xbar.io.rawfile.RawPlot` (``.ac``: a complex plot)."""
    is_complex = result.kind == "ac"
    data = np.atleast_2d(np.asarray(result.data, dtype=np.complex128 if is_complex else np.float64))
    names = list(result.names)
    return RawPlot(title=title or result.title, plotname=_PLOTNAMES[result.kind],
                   flags="complex" if is_complex else "real",
                   names=names, types=[_vtype(n) for n in names], data=data)


def results_to_plots(results: Sequence[Any], title: str = "") -> list[RawPlot]:
    """Every result as a plot, in order."""
    return [result_to_plot(r, title) for r in results]
