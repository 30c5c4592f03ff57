"""Limits on the work and memory one request may take, as options with defaults.

Every request that could exhaust the machine (a crossbar of 10¹⁰ cells, a sweep of 10⁸ points,
a batch of 10⁹ vectors, ``.include /dev/zero``) is checked against these limits *before* it
allocates, and refused with :class:`~xbar.errors.LimitError` naming the size asked for, the
limit and the option that raises it. Divergence (a solution growing without bound) is detected
with ``max_solution``.

========================= ================== ===================================================
option                    default            bounds
========================= ================== ===================================================
``max_memory``            80 % of RAM        bytes of the main arrays one request may allocate
                          (8 GiB if unknown) (crossbar build, sweep and transient results,
                                             batches, bulk adds, transfer matrices)
``max_sweep_points``      10 000 000         points of one DC sweep (deck or API)
``max_tran_points``       50 000 000         ``tstop / tstep`` of one transient
``max_file_size``         512 MiB            bytes of one netlist or included file
``max_dc_iterations``     20 000             Newton iterations of one DC point, summed over
                                             gmin and source stepping
``max_solution``          1e30               magnitude of a node voltage [V] or branch current
                                             [A] beyond which a solution has diverged
========================= ================== ===================================================

Set them for the session with :func:`set_limits`, for a block with :func:`temporary_limits`,
or for a process (e.g. the ``xbar`` command) with environment variables ``XBAR_MAX_MEMORY``,
``XBAR_MAX_SWEEP_POINTS`` … read at import. Sizes accept ``k``/``M``/``G``/``T`` suffixes
(powers of 1024, an optional ``iB``/``B``): ``XBAR_MAX_MEMORY=4G``.

Examples
--------
>>> import xbar
>>> with xbar.temporary_limits(max_sweep_points=100):
...     xbar.get_limits().max_sweep_points
100
>>> xbar.get_limits().max_sweep_points
10000000

Imports only :mod:`xbar.errors` and :mod:`xbar.validate`.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from typing import Any

from xbar.errors import ArgumentTypeError, LimitError, NetlistError, SourceLocation
from xbar.validate import checked_call

__all__ = [
    "Limits",
    "check_count",
    "check_memory",
    "format_bytes",
    "get_limits",
    "parse_size",
    "set_limits",
    "temporary_limits",
]

_GIB = 1024**3


def _default_memory() -> int:
    """80 % of the physical memory (8 GiB when the platform does not say)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):
        return 8 * _GIB
    if not total or total <= 0:
        return 8 * _GIB
    return int(0.8 * total)


@dataclass(frozen=True)
class Limits:
    """The limits in force (see the module docstring for what each bounds).

    Attributes
    ----------
    max_memory : int
        Bytes of the main arrays one request may allocate.
    max_sweep_points : int
        Points of one DC sweep.
    max_tran_points : int
        ``tstop / tstep`` of one transient (output points).
    max_file_size : int
        Bytes of one netlist or included file.
    max_dc_iterations : int
        Newton iterations of one DC point over all fall-backs.
    max_solution : float
        Magnitude of a solution value [V or A] that counts as divergence.
    """

    max_memory: int = _default_memory()
    max_sweep_points: int = 10_000_000
    max_tran_points: int = 50_000_000
    max_file_size: int = 512 * 1024**2
    max_dc_iterations: int = 20_000
    max_solution: float = 1e30

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The option names."""
        return tuple(f.name for f in fields(cls))


_SIZE_RE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([kKmMgGtT]?)(i?[bB])?\s*$")
_SUFFIX = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str) -> float:
    """A size such as ``"4G"``, ``"512MiB"``, ``"1e6"`` (suffixes are powers of 1024).

    Raises
    ------
    NetlistError
        When ``text`` is not such a size.
    """
    m = _SIZE_RE.match(str(text))
    if m is None:
        raise NetlistError(f"expected a size such as 4G, 512M or 1e6, got {text!r}")
    return float(m.group(1)) * _SUFFIX[m.group(2).lower()]


def _coerce(name: str, value: Any) -> int | float:
    """Checked value of limit ``name``."""
    if isinstance(value, bool) or (not isinstance(value, int | float | str) and not hasattr(value, "__index__") \
            and not hasattr(value, "__float__")):
        raise ArgumentTypeError(f"limit '{name}' must be a number, got {type(value).__name__} {value!r}")
    try:
        v = parse_size(value) if isinstance(value, str) else float(value)
    except (TypeError, ValueError, OverflowError):
        raise ArgumentTypeError(f"limit '{name}' must be a number, got {value!r}") from None
    if not (math.isfinite(v) and v > 0):
        raise NetlistError(f"limit '{name}' must be a positive finite number, got {value!r}")
    if name == "max_solution":
        return v
    if v > 2**62:
        raise NetlistError(f"limit '{name}' must be below 2**62, got {value!r}")
    return int(v)


def _from_environment() -> Limits:
    values: dict[str, int | float] = {}
    for name in Limits.names():
        raw = os.environ.get(f"XBAR_{name.upper()}")
        if raw:
            try:
                values[name] = _coerce(name, raw)
            except NetlistError:
                continue  # a bad variable must not break `import xbar`; the default stays
    return Limits(**values)


_current = _from_environment()


def get_limits() -> Limits:
    """The limits in force."""
    return _current


@checked_call
def set_limits(**changes: Any) -> Limits:
    """Change limits for the session; returns the previous :class:`Limits`.

    Parameters
    ----------
    **changes
        ``max_memory`` (bytes, or a size string ``"4G"``), ``max_sweep_points``,
        ``max_tran_points``, ``max_file_size``, ``max_dc_iterations``, ``max_solution``.

    Raises
    ------
    NetlistError
        For an unknown option or a value that is not a positive number.
    """
    global _current
    known = Limits.names()
    unknown = [k for k in changes if k not in known]
    if unknown:
        raise NetlistError(f"unknown limit(s) {', '.join(map(repr, unknown))}; known: {', '.join(known)}")
    previous = _current
    _current = replace(_current, **{k: _coerce(k, v) for k, v in changes.items()})
    return previous


@checked_call
@contextlib.contextmanager
def temporary_limits(**changes: Any) -> Iterator[Limits]:
    """Context manager: the given limits inside the ``with`` block, the previous ones after it."""
    global _current
    previous = set_limits(**changes)
    try:
        yield _current
    finally:
        _current = previous


def format_bytes(n: float) -> str:
    """``n`` bytes for a message (``74.5 GiB``)."""
    for unit, size in (("TiB", 1024**4), ("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if n >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} bytes"


def check_memory(nbytes: float, what: str, hint: str = "", location: SourceLocation | None = None) -> None:
    """Refuse a request whose main arrays would take ``nbytes`` (above ``max_memory``).

    Parameters
    ----------
    nbytes : float
        Estimated bytes of the request.
    what : str
        The request, for the message (``"a 100000×100000 crossbar"``).
    hint : str
        How to make the request smaller, appended to the message.
    location : SourceLocation, optional
        The deck card that made the request.

    Raises
    ------
    LimitError
    """
    limit = _current.max_memory
    if nbytes > limit:
        tail = f"; {hint}" if hint else ""
        raise LimitError(
            f"{what} would need about {format_bytes(nbytes)} of memory, more than the limit "
            f"max_memory = {format_bytes(limit)} (raise it with xbar.set_limits(max_memory=...) "
            f"or XBAR_MAX_MEMORY){tail}",
            location, requested=float(nbytes), limit=float(limit), option="max_memory")


def check_count(count: float, option: str, what: str, hint: str = "", *, unit: str = "points",
                location: SourceLocation | None = None) -> None:
    """Refuse ``count`` ``unit`` when it exceeds the limit ``option`` (e.g. ``max_sweep_points``).

    Raises
    ------
    LimitError
    """
    limit = getattr(_current, option)
    if not count <= limit:
        tail = f"; {hint}" if hint else ""
        raise LimitError(
            f"{what} would have {count:.4g} {unit}, more than the limit {option} = {limit:g} "
            f"(raise it with xbar.set_limits({option}=...)){tail}",
            location, requested=float(count), limit=float(limit), option=option)
