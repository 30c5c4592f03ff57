"""Short ``repr`` for result objects that hold arrays.

A dataclass's generated ``repr`` prints every array in full, so ``print(result)`` of a
256 × 256 crossbar dumps megabytes. :func:`short_repr` shows arrays as ``array(256x256 float64)``,
long lists by their length, and scalars as they are. Use it in a class body
(``__repr__ = short_repr``); the dataclass decorator keeps a ``__repr__`` defined there.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

__all__ = ["short_repr", "short_value"]

_MAX_ITEMS = 6


def short_value(value: Any, depth: int = 0) -> str:
    """A compact text for one attribute value."""
    if isinstance(value, np.ndarray):
        shape = "x".join(str(n) for n in value.shape) or "scalar"
        return f"array({shape} {value.dtype})"
    if isinstance(value, float | np.floating):
        return f"{float(value):.6g}"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, list | tuple):
        if len(value) > _MAX_ITEMS or depth > 1:
            return f"{type(value).__name__}({len(value)} items)"
        inner = ", ".join(short_value(v, depth + 1) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner})"
    if isinstance(value, dict):
        return f"dict({len(value)} items)"
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return f"<{type(value).__name__}>" if depth > 0 else short_repr(value)
    text = repr(value)
    return text if len(text) <= 60 else f"<{type(value).__name__}>"


def short_repr(self: Any) -> str:
    """``ClassName(field=value, ...)`` with arrays and long sequences summarised."""
    if dataclasses.is_dataclass(self):
        names = [f.name for f in dataclasses.fields(self) if f.repr and not f.name.startswith("_")]
    else:
        names = [k for k in vars(self) if not k.startswith("_")]
    parts = [f"{n}={short_value(getattr(self, n), 1)}" for n in names]
    return f"{type(self).__name__}({', '.join(parts)})"
