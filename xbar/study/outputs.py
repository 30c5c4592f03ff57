"""Output specs: which values of a point's results become columns of the results table.

A spec is a result name (``accuracy``, ``v(out)``, ``i(vbl0)``), a reduction of a vector
``max(i(vbl0))`` (``min max mean std rms sum absmax ptp first last``), or an element
``i_col[3]`` (negative indices count from the end). Scalars become one column; 1-D vectors
become one column per element, ``name[0]``, ``name[1]`` ...
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

__all__ = ["REDUCTIONS", "OutputError", "normalise", "resolve", "select_outputs"]

REDUCTIONS: dict[str, Callable[[np.ndarray], float]] = {
    "min": np.min,
    "max": np.max,
    "mean": np.mean,
    "std": np.std,
    "rms": lambda a: np.sqrt(np.mean(np.abs(a) ** 2)),
    "sum": np.sum,
    "absmax": lambda a: np.max(np.abs(a)),
    "ptp": np.ptp,
    "first": lambda a: a[0],
    "last": lambda a: a[-1],
}
_REDUCE_RE = re.compile(r"^([a-z]+)\((.*)\)$", re.IGNORECASE)
_INDEX_RE = re.compile(r"^(.*)\[\s*(-?\d+)\s*\]$")
MAX_VECTOR = 100_000


class OutputError(Exception):
    """An output spec does not match the point's results (becomes the point's error)."""


def resolve(results: Mapping[str, Any], spec: str) -> Any:
    """Value of one output spec in ``results`` (see the module docstring).

    Raises
    ------
    OutputError
        Unknown name (the message lists some available ones), reduction of an empty vector,
        index out of range.
    """
    spec = spec.strip()
    if spec in results:
        return results[spec]
    m = _REDUCE_RE.match(spec)
    if m and m.group(1).lower() in REDUCTIONS:
        inner = np.asarray(resolve(results, m.group(2)), dtype=float).ravel()
        if inner.size == 0:
            raise OutputError(f"output '{spec}': '{m.group(2)}' is empty")
        return float(REDUCTIONS[m.group(1).lower()](inner))
    m = _INDEX_RE.match(spec)
    if m:
        arr = np.asarray(resolve(results, m.group(1)))
        k = int(m.group(2))
        if arr.ndim != 1 or not -arr.size <= k < arr.size:
            raise OutputError(f"output '{spec}': index {k} outside '{m.group(1)}' of shape {arr.shape}")
        return arr[k]
    names = list(results)
    listing = ", ".join(names[:12]) + (" ..." if len(names) > 12 else "")
    raise OutputError(f"no output '{spec}' in the point's results; available: {listing or 'none'}")


def normalise(name: str, value: Any) -> Any:
    """A number, string, boolean or tuple of floats for the table (numpy scalars unwrapped)."""
    if value is None:
        return math.nan
    if isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, np.generic):
        return value.item()
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise OutputError(f"output '{name}' is {type(value).__name__} of {arr.dtype}; expected numbers")
    if arr.ndim == 0:
        return arr.item()
    if arr.ndim > 1:
        raise OutputError(f"output '{name}' has shape {arr.shape}; select a scalar or a 1-D vector "
                          "(e.g. 'max(name)' or 'name[0]'), or return it flattened")
    if arr.size > MAX_VECTOR:
        raise OutputError(f"output '{name}' has {arr.size} values; at most {MAX_VECTOR} fit the table")
    return tuple(float(x) for x in arr)


def select_outputs(results: Mapping[str, Any], outputs: Mapping[str, str] | None) -> dict[str, Any]:
    """Column name -> normalised value for every requested output (all when ``outputs`` is None)."""
    if not isinstance(results, Mapping):
        raise OutputError(f"the experiment returned {type(results).__name__}; expected a mapping "
                          "of output names to values")
    if outputs is None:
        return {str(k): normalise(str(k), results[k]) for k in results}
    return {col: normalise(col, resolve(results, spec)) for col, spec in outputs.items()}
