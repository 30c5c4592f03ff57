"""Simulation options (the ``.options`` card), as one frozen dataclass passed explicitly."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

from xbar.errors import NetlistError, SourceLocation
from xbar.validate import integer, real

__all__ = ["TEMP_MAX", "TEMP_MIN", "SimOptions", "check_temperature"]

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
        """Validate and convert option values; bad names and values raise :class:`NetlistError`.

        Ranges: ``reltol`` in (0, 1]; ``abstol``, ``vntol``, ``trtol`` > 0; ``gmin`` > 0 (all at
        most 1e30); ``itl1``, ``itl4`` whole numbers in [1, 100000]; ``seed`` a whole number
        in [0, 2**63); ``temp`` in (-273.15, 1000] °C (see :func:`check_temperature`);
        ``method`` trap (trapezoidal), gear or be; ``lint`` 0 or 1.
        """
        out: dict[str, Any] = {}
        known = {f.name: f for f in fields(cls)}
        lowered: dict[str, Any] = {}
        for k, v in values.items():
            if not isinstance(k, str):
                raise NetlistError(f"option names must be strings, got {k!r}", location)
            lowered[k.lower()] = v
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
            what = f"option '{key}'"
            if name == "method":
                if not isinstance(raw, str):
                    raise NetlistError(f"{what} must be one of {', '.join(_METHODS)}, got {raw!r}", location)
                method = raw.lower()
                if method == "trapezoidal":
                    method = "trap"
                if method not in _METHODS:
                    msg = f"method must be one of {', '.join(_METHODS)}, got '{raw}'"
                    raise NetlistError(msg, location)
                out[name] = method
            elif name == "lint":
                if str(raw).strip() not in ("0", "1", "0.0", "1.0"):
                    raise NetlistError(f"option 'lint' must be 0 or 1, got {raw!r}", location)
                out[name] = int(float(raw))
            elif name in ("itl1", "itl4"):
                out[name] = integer(raw, what, lo=1, hi=_MAX_ITERATIONS, location=location)
            elif name == "seed":
                out[name] = integer(raw, what, lo=0, hi=2**63 - 1, location=location)
            elif name == "temp":
                out[name] = check_temperature(raw, what, location)
            elif name == "reltol":
                out[name] = real(raw, what, lo=0.0, lo_open=True, hi=1.0, location=location)
            else:
                out[name] = real(raw, what, lo=0.0, lo_open=True, location=location)
        return out


#: Circuit temperatures accepted [°C]: above absolute zero, at most 1000 °C (beyond that no
#: compact model of xbar is meaningful, and device equations overflow).
TEMP_MIN = -273.15
TEMP_MAX = 1000.0
_MAX_ITERATIONS = 100_000


def check_temperature(value: Any, what: str = "temperature", location: SourceLocation | None = None) -> float:
    """A circuit temperature [°C] in (:data:`TEMP_MIN`, :data:`TEMP_MAX`].

    Raises
    ------
    NetlistError
        At ``location`` (the ``.temp``/``.options`` card or the ``.dc temp`` sweep) for a
        temperature at or below absolute zero, above 1000 °C, or not a finite number.
    """
    t = real(value, what, location=location, unit="°C")
    if t <= TEMP_MIN:
        raise NetlistError(f"{what} = {t:g} °C is at or below absolute zero ({TEMP_MIN:g} °C)", location)
    if t > TEMP_MAX:
        raise NetlistError(f"{what} = {t:g} °C is above {TEMP_MAX:g} °C, the highest temperature the "
                           "device models support", location)
    return t
