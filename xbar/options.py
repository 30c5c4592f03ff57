"""Simulation options (the ``.options`` card), as one frozen dataclass passed explicitly."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

from xbar.errors import NetlistError, SourceLocation

__all__ = ["SimOptions"]

_METHODS = ("trap", "gear", "be")


@dataclass(frozen=True)
class SimOptions:
    """Newton and integration settings; names and defaults as in ngspice.

    Attributes
    ----------
    reltol : float
        Relative convergence tolerance [-].
    abstol : float
        Absolute current tolerance [A].
    vntol : float
        Absolute voltage tolerance [V].
    gmin : float
        Minimum conductance across nonlinear junctions [S].
    itl1 : int
        DC Newton iteration limit.
    itl4 : int
        Transient Newton iteration limit per time point.
    method : str
        Integration method: ``trap`` (trapezoidal), ``gear`` (Gear-2 / BDF2) or ``be`` (backward Euler).
    temp : float
        Circuit temperature [°C].
    trtol : float
        Truncation-error overestimation factor (SPICE's TRTOL).
    seed : int
        Seed for stochastic device models.
    lint : int
        1 (default): warn about netlists that run but probably say something else than meant
        (:mod:`xbar.lint`: a node with one connection, often a typo); 0 turns the checks off
        (``.options nolint`` or ``lint=0``).
    """

    reltol: float = 1e-3
    abstol: float = 1e-12
    vntol: float = 1e-6
    gmin: float = 1e-12
    itl1: int = 100
    itl4: int = 10
    method: str = "trap"
    temp: float = 27.0
    trtol: float = 7.0
    seed: int = 0
    lint: int = 1

    FLAGS: ClassVar[dict[str, tuple[str, int]]] = {"nolint": ("lint", 0), "lint": ("lint", 1)}
    """Options written without a value (``.options nolint``) -> (name, value)."""

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))

    @classmethod
    def coerce(cls, values: dict[str, Any], location: SourceLocation | None = None) -> dict[str, Any]:
        """Validate and convert option values; unknown names raise :class:`NetlistError`."""
        out: dict[str, Any] = {}
        known = {f.name: f for f in fields(cls)}
        lowered = {k.lower(): v for k, v in values.items()}
        maxord = lowered.pop("maxord", None)
        if maxord is not None:
            if str(maxord) not in ("1", "2", "1.0", "2.0"):
                raise NetlistError(f"option 'maxord' must be 1 or 2, got {maxord!r}", location)
            if float(maxord) == 1.0 and str(lowered.get("method", "")).lower() == "gear":
                lowered["method"] = "be"
        for key, raw in lowered.items():
            name = key.lower()
            if name not in known:
                msg = f"not supported: option '{key}'; supported options: {', '.join(known)}"
                raise NetlistError(msg, location)
            if name == "method":
                method = str(raw).lower()
                if method == "trapezoidal":
                    method = "trap"
                if method not in _METHODS:
                    msg = f"method must be one of {', '.join(_METHODS)}, got '{raw}'"
                    raise NetlistError(msg, location)
                out[name] = method
                continue
            try:
                value = float(raw)
            except (TypeError, ValueError):
                raise NetlistError(f"option '{key}' needs a number, got {raw!r}", location) from None
            if name == "lint":
                if value not in (0.0, 1.0):
                    raise NetlistError(f"option 'lint' must be 0 or 1, got {raw!r}", location)
                out[name] = int(value)
            elif name in ("itl1", "itl4", "seed"):
                if value != int(value) or value < (0 if name == "seed" else 1):
                    raise NetlistError(f"option '{key}' needs a positive integer, got {raw!r}", location)
                out[name] = int(value)
            else:
                if name != "temp" and not value > 0:
                    raise NetlistError(f"option '{key}' must be positive, got {raw!r}", location)
                out[name] = value
        return out
