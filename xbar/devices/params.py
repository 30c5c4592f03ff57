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

__all__ = ["BoundCard", "Param", "bind_card", "out_of_range_message", "param_table_markdown"]


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

    def __getitem__(self, key: str) -> float:
        return self.values[key]


_SI_FACTORS: tuple[tuple[str, float], ...] = (
    ("f", 1e-15), ("p", 1e-12), ("n", 1e-9), ("u", 1e-6), ("m", 1e-3),
    ("k", 1e3), ("meg", 1e6), ("g", 1e9), ("t", 1e12),
)


def out_of_range_message(name: str, value: float, lo: float, hi: float, unit: str = "") -> str:
    """``"tf=1.7 m is outside [1.2e-09, 3.2e-09] m; did you mean 1.7n (= 1.7e-09 m)?"``.

    The hint is given when a dimensionless value read as a percentage, or the value times a
    SPICE scale factor (f p n u m k meg g t), lands inside the bounds; when several factors fit,
    the one nearest the middle of a positive range, else the smallest change.

    Examples
    --------
    >>> out_of_range_message("tf", 1.7, 1.2e-9, 3.2e-9, "m")
    'tf=1.7 m is outside [1.2e-09, 3.2e-09] m; did you mean 1.7n (= 1.7e-09 m)?'
    >>> out_of_range_message("tmr0", 120.0, 0.0, 100.0, "-")
    'tmr0=120 is outside [0, 100]; did you mean 1.2 (120 % as a fraction)?'
    """
    u = f" {unit}" if unit and unit != "-" else ""
    msg = f"{name}={value:g}{u} is outside [{lo:g}, {hi:g}]{u}"
    if not np.isfinite(value) or value == 0.0:
        return msg
    if unit in ("", "-") and lo <= value / 100.0 <= hi:
        return f"{msg}; did you mean {value / 100.0:g} ({value:g} % as a fraction)?"
    fits = [(sfx, f) for sfx, f in _SI_FACTORS if lo <= value * f <= hi]
    if not fits:
        return msg
    if lo > 0 and hi < np.inf:  # a positive range: the factor that lands nearest its middle
        centre = 0.5 * (np.log10(lo) + np.log10(hi))
        fits.sort(key=lambda sf: abs(np.log10(abs(value * sf[1])) - centre))
    else:  # a range through 0 or unbounded: the smallest change
        fits.sort(key=lambda sf: abs(np.log10(sf[1])))
    sfx, f = fits[0]
    return f"{msg}; did you mean {value:g}{sfx} (= {value * f:g}{u})?"


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
            msg = f"model '{name}' ({kind}): {out_of_range_message(k, v, p.lo, p.hi, p.unit)}"
            raise ModelCardError(msg, location)
        values[k] = v
    return BoundCard(name, kind, values, location)


def param_table_markdown(table: Sequence[Param]) -> str:
    """Markdown table of a parameter tuple (for ``compact_models/README.md``)."""
    rows = ["| name | default | unit | bounds | description | source |", "|---|---|---|---|---|---|"]
    for p in table:
        rows.append(f"| `{p.name}` | {p.default:g} | {p.unit} | [{p.lo:g}, {p.hi:g}] | {p.doc} | {p.source} |")
    return "\n".join(rows)
