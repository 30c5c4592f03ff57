"""Declarative model-card parameters: unit, default, bounds, description, provenance.

A device kind declares its ``.model`` parameters as a tuple of :class:`Param`; binding a card
checks names and bounds (raising :class:`~xbar.errors.ModelCardError` with the card's
location) and fills defaults. The same table generates the parameter documentation
(:func:`param_table_markdown`), like Xyce's ``addPar(...).setUnit().setDescription()``.

Instance parameters (on the element line, e.g. ``state=ap`` or ``tf=2.1n``) use the same
:class:`Param` objects, broadcast to per-instance arrays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from xbar.errors import ModelCardError, SourceLocation

__all__ = ["BoundCard", "Param", "bind_card", "param_table_markdown"]


@dataclass(frozen=True)
class Param:
    """One model or instance parameter.

    Attributes
    ----------
    name : str
        Lower-case card name.
    default : float
        Value when the card does not give one.
    unit : str
        SI unit (``"Ω"``, ``"V"``, ``"m"``, ``"-"`` …).
    lo, hi : float
        Inclusive bounds; values outside raise :class:`ModelCardError`.
    doc : str
        One-line description.
    source : str
        Where the default comes from (paper, figure/equation, or "assumption").
    """

    name: str
    default: float
    unit: str = "-"
    lo: float = -np.inf
    hi: float = np.inf
    doc: str = ""
    source: str = ""


@dataclass(frozen=True)
class BoundCard:
    """A ``.model`` card bound to a device kind: every parameter resolved to a float."""

    name: str
    kind: str
    values: Mapping[str, float]
    location: SourceLocation | None = None
    given: frozenset[str] = frozenset()
    """Names the card set explicitly (some models derive defaults from other parameters)."""

    def __getitem__(self, key: str) -> float:
        return self.values[key]


def bind_card(
    name: str,
    kind: str,
    table: Sequence[Param],
    given: Mapping[str, float],
    location: SourceLocation | None = None,
) -> BoundCard:
    """Check ``given`` against ``table`` and fill defaults.

    Raises
    ------
    ModelCardError
        Unknown parameter name or value outside its bounds.
    """
    known = {p.name: p for p in table}
    values = {p.name: float(p.default) for p in table}
    for key, value in given.items():
        k = key.lower()
        if k not in known:
            msg = f"model '{name}' ({kind}): unknown parameter '{key}'; known: {', '.join(known)}"
            raise ModelCardError(msg, location)
        p = known[k]
        v = float(value)
        if not np.isfinite(v) or not p.lo <= v <= p.hi:
            msg = f"model '{name}' ({kind}): {k}={value!r} is outside [{p.lo:g}, {p.hi:g}] {p.unit}"
            raise ModelCardError(msg, location)
        values[k] = v
    return BoundCard(name, kind, values, location, frozenset(k.lower() for k in given))


def param_table_markdown(table: Sequence[Param]) -> str:
    """Markdown table of a parameter tuple (for ``compact_models/README.md``)."""
    rows = ["| name | default | unit | bounds | description | source |", "|---|---|---|---|---|---|"]
    for p in table:
        rows.append(f"| `{p.name}` | {p.default:g} | {p.unit} | [{p.lo:g}, {p.hi:g}] | {p.doc} | {p.source} |")
    return "\n".join(rows)
