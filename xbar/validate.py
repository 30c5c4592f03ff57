"""Argument checks at the API boundary: one helper per concept, used by every public entry point.

Each helper takes the value and a phrase naming it (``"resistance of 'r1'"``, ``"rows"``) and
returns the checked, converted value, or raises one of xbar's errors:

* :class:`~xbar.errors.ArgumentTypeError` (also a ``TypeError``) for a value of the wrong type;
* :class:`~xbar.errors.NetlistError` (also a ``ValueError``) for a value out of range, not
  finite, or of the wrong shape; with ``location`` when the value came from a deck card.

Concepts
--------
:func:`name`
    A node or element name: a ``str`` (or a non-negative ``int`` such as ``0``), not empty,
    without white space, control characters or ``( ) , = { } ' "``; returned lower case.
:func:`real`
    One real number: ``int``, ``float``, numpy scalars (with ``allow_text``, also a SPICE
    number string such as ``"1k"``); never ``bool`` or complex; finite and at most :data:`MAX_MAGNITUDE` in size; optional
    bounds, sign and a smallest nonzero magnitude.
:func:`integer`, :func:`boolean`, :func:`choice`, :func:`text`
    Counts and indices, flags, one of a set of words, free text.
:func:`array`
    An array of reals: anything numpy reads as a real array (no complex, objects or strings,
    no ragged lists), optionally broadcast to a ``shape`` (one number fills it), finite and
    bounded like :func:`real`.
:func:`node_indices`
    Integer node indices ``-1 … n-1`` of an ``(N, T)`` array.
:func:`shape_of`
    A shape check for arrays a caller allocated itself.
:func:`path`, :func:`output_file`, :func:`mapping`, :func:`names`
    A file name (``str`` or ``os.PathLike``), a file opened for writing (errors as
    :class:`~xbar.errors.DataError`), a mapping, a sequence of names.
:func:`finite`
    Guard on a computed result: raises instead of returning NaN or inf.
:func:`checked_call`, :func:`checked_calls`
    Decorators: a call with missing or unknown arguments raises
    :class:`~xbar.errors.ArgumentTypeError` instead of a bare ``TypeError``.

Examples
--------
>>> from xbar import validate
>>> validate.real("2.2k", "resistance", allow_text=True)
2200.0
>>> validate.name("Out", "node")
'out'
>>> validate.array(0.5, "g", shape=(2, 2)).tolist()
[[0.5, 0.5], [0.5, 0.5]]
>>> validate.real(float("nan"), "temp")
Traceback (most recent call last):
...
xbar.errors.NetlistError: temp must be finite, got nan

This module imports only :mod:`xbar.errors`, :mod:`xbar.units` and numpy.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
import numbers
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar

import numpy as np

from xbar.errors import ArgumentTypeError, DataError, NetlistError, SourceLocation, XbarError
from xbar.units import parse_number

__all__ = [
    "MAX_MAGNITUDE",
    "MAX_NAME_LENGTH",
    "MIN_MAGNITUDE",
    "array",
    "as_array",
    "boolean",
    "checked_call",
    "checked_calls",
    "choice",
    "finite",
    "integer",
    "mapping",
    "name",
    "names",
    "node_indices",
    "output_file",
    "path",
    "plain_name",
    "real",
    "shape_of",
    "text",
]

#: Largest magnitude of any value (element value, source, initial condition) [SI units].
MAX_MAGNITUDE = 1e30
#: Smallest nonzero magnitude of a value whose reciprocal is used (resistance → conductance).
MIN_MAGNITUDE = 1e-30
#: Longest node or element name.
MAX_NAME_LENGTH = 1000

_BAD_NAME_CHARS = frozenset("(),={}'\"")
_BAD_NAME_CHARS_BUT_COMMA = _BAD_NAME_CHARS - {","}
# a letter (not an exponent's e/d) followed later by a digit: '1x5', '4k7' (a typo, not units)
_BAD_TAIL = re.compile(r"[^\d.+\-eEdD][^\d]*\d")


def _type_name(value: Any) -> str:
    return type(value).__name__


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _type_error(what: str, expected: str, value: Any, location: SourceLocation | None = None) -> ArgumentTypeError:
    return ArgumentTypeError(f"{what} must be {expected}, got {_type_name(value)} {_shown(value)}", location)


def text(value: Any, what: str, *, location: SourceLocation | None = None, empty: bool = True) -> str:
    """A ``str`` (``empty=False``: not blank)."""
    if not isinstance(value, str):
        raise _type_error(what, "a string", value, location)
    if not empty and not value.strip():
        raise NetlistError(f"{what} must not be empty", location)
    return str(value)


def plain_name(value: Any) -> bool:
    """Whether ``value`` is a ``str`` that :func:`name` accepts as it is (a fast test for hot
    paths; the full check with its message follows when it is not)."""
    return (type(value) is str and 0 < len(value) <= MAX_NAME_LENGTH and value.isprintable()
            and " " not in value and _BAD_NAME_CHARS.isdisjoint(value))


def _plain_names(items: list[Any]) -> list[str] | None:
    """Lower-case ``items`` when every one is a plain name (checked at C speed on the joined
    text; ``,`` cannot occur in a name, so it separates them), else None."""
    if not items or not all(type(v) is str for v in items):
        return None
    joined = ",".join(items)
    if (joined.count(",") != len(items) - 1 or not joined.isprintable() or " " in joined
            or not _BAD_NAME_CHARS_BUT_COMMA.isdisjoint(joined)
            or min(map(len, items)) == 0 or max(map(len, items)) > MAX_NAME_LENGTH):
        return None
    return joined.lower().split(",")


def name(value: Any, what: str, *, location: SourceLocation | None = None) -> str:
    """A node or element name, lower case (see the module docstring).

    Examples
    --------
    >>> name(0, "node")
    '0'
    >>> name("a b", "node")
    Traceback (most recent call last):
    ...
    xbar.errors.NetlistError: node 'a b' must not contain white space or control characters
    """
    if type(value) is str:
        key = value
    elif isinstance(value, str):
        key = str(value)
    elif isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_) and int(value) >= 0:
        key = str(int(value))
    else:
        raise _type_error(what, "a string (or a non-negative int such as 0)", value, location)
    # str.isprintable() is False for every white-space character but the space
    if key and len(key) <= MAX_NAME_LENGTH and key.isprintable() and " " not in key \
            and _BAD_NAME_CHARS.isdisjoint(key):
        return key.lower()
    if not key:
        raise NetlistError(f"{what} must not be empty", location)
    if len(key) > MAX_NAME_LENGTH:
        raise NetlistError(f"{what} is {len(key)} characters long; the limit is {MAX_NAME_LENGTH}", location)
    if not key.isprintable() or " " in key:
        raise NetlistError(f"{what} {key!r} must not contain white space or control characters", location)
    bad = sorted(_BAD_NAME_CHARS.intersection(key))
    raise NetlistError(f"{what} {key!r} must not contain {' '.join(bad)}", location)


def names(value: Any, what: str, *, count: int | None = None) -> list[str]:
    """A sequence of names (not a single string), each checked by :func:`name`."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise _type_error(what, "a sequence of names", value)
    items = value if isinstance(value, list) else list(value)
    out = _plain_names(items)
    if out is None:
        out = [name(v, f"{what}[{i}]") for i, v in enumerate(items)]
    if count is not None and len(out) != count:
        raise NetlistError(f"{what} needs {count} names, got {len(out)}")
    return out


def _number(value: Any, what: str, location: SourceLocation | None, allow_text: bool = False) -> float:
    """``value`` as a float, with the type checks of :func:`real` (no range checks)."""
    if isinstance(value, bool | np.bool_):
        raise _type_error(what, "a number", value, location)
    if isinstance(value, complex | np.complexfloating):
        raise _type_error(what, "a real number (complex values are not supported)", value, location)
    if isinstance(value, str):
        if not allow_text:
            raise _type_error(what, "a number (SPICE suffixes such as 1k are read in decks; write 1e3 here)",
                              value, location)
        parsed = parse_number(value.strip())
        if parsed is None or _BAD_TAIL.search(value.strip()):
            raise NetlistError(f"{what} must be a number, got {value!r}", location)
        return parsed
    if isinstance(value, np.ndarray):
        if value.ndim != 0:
            raise _type_error(what, "a single number", value, location)
        return _number(value.item(), what, location)
    if not isinstance(value, numbers.Real) and not hasattr(value, "__float__"):
        raise _type_error(what, "a number", value, location)
    try:
        return float(value)
    except OverflowError:
        raise NetlistError(f"{what} = {_shown(value)} is beyond the supported magnitude "
                           f"{MAX_MAGNITUDE:g}", location) from None
    except (TypeError, ValueError, ArithmeticError):
        raise _type_error(what, "a number", value, location) from None


def real(
    value: Any,
    what: str,
    *,
    location: SourceLocation | None = None,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    hi_open: bool = False,
    nonzero: bool = False,
    min_magnitude: float = 0.0,
    max_magnitude: float = MAX_MAGNITUDE,
    unit: str = "",
    allow_text: bool = False,
) -> float:
    """One finite real number within bounds (see the module docstring).

    Parameters
    ----------
    value : Any
        The value given.
    what : str
        Its name in messages.
    location : SourceLocation, optional
        The deck card it came from.
    lo, hi : float, optional
        Bounds; ``lo_open`` / ``hi_open`` exclude them.
    nonzero : bool
        Refuse 0.
    min_magnitude : float
        Smallest allowed nonzero magnitude (e.g. :data:`MIN_MAGNITUDE` for resistances).
    max_magnitude : float
        Largest allowed magnitude.
    unit : str
        Unit for messages.
    allow_text : bool
        Also read SPICE number strings (``"2.2k"``); otherwise a string is a type error.

    Returns
    -------
    float
    """
    v = value if type(value) is float else _number(value, what, location, allow_text)
    if (lo is None and hi is None and not nonzero and v == v and min_magnitude <= abs(v) <= max_magnitude):
        return v  # the common case: a finite number in range, no bounds
    u = f" {unit}" if unit else ""
    if not math.isfinite(v):
        raise NetlistError(f"{what} must be finite, got {_shown(value)}", location)
    if abs(v) > max_magnitude:
        raise NetlistError(f"{what} = {v:g}{u} is beyond the supported magnitude {max_magnitude:g}", location)
    if nonzero and v == 0.0:
        raise NetlistError(f"{what} must not be zero", location)
    if v != 0.0 and abs(v) < min_magnitude:
        raise NetlistError(f"{what} = {v:g}{u} is below the smallest supported magnitude {min_magnitude:g}",
                           location)
    if lo is not None and (v < lo or (lo_open and v == lo)):
        raise NetlistError(f"{what} must be {_bound_words(lo, lo_open, u)}, got {v:g}", location)
    if hi is not None and (v > hi or (hi_open and v == hi)):
        raise NetlistError(f"{what} must be {'<' if hi_open else '≤'} {hi:g}{u}, got {v:g}", location)
    return v


def _bound_words(lo: float, lo_open: bool, unit: str) -> str:
    if lo == 0.0:
        return "positive" if lo_open else "zero or positive"
    return f"{'>' if lo_open else '≥'} {lo:g}{unit}"


def integer(value: Any, what: str, *, lo: int | None = None, hi: int | None = None,
            location: SourceLocation | None = None) -> int:
    """An integer (``int``, numpy integer, or a float with an integral value) within bounds."""
    if isinstance(value, bool | np.bool_):
        raise _type_error(what, "an integer", value, location)
    if isinstance(value, numbers.Integral):
        v = int(value)
    else:
        f = real(value, what, location=location, max_magnitude=2.0**63)
        if f != math.floor(f):
            raise NetlistError(f"{what} must be a whole number, got {f:g}", location)
        v = int(f)
    if lo is not None and v < lo:
        raise NetlistError(f"{what} must be ≥ {lo}, got {v}", location)
    if hi is not None and v > hi:
        raise NetlistError(f"{what} must be ≤ {hi}, got {v}", location)
    return v


def boolean(value: Any, what: str) -> bool:
    """A ``bool`` (or numpy bool)."""
    if not isinstance(value, bool | np.bool_):
        raise _type_error(what, "True or False", value)
    return bool(value)


def choice(value: Any, what: str, options: Sequence[str], *, location: SourceLocation | None = None) -> str:
    """One of ``options`` (case-insensitive); returns the option as spelt in ``options``."""
    if not isinstance(value, str):
        raise _type_error(what, f"one of {', '.join(map(repr, options))}", value, location)
    for opt in options:
        if value.lower() == opt.lower():
            return opt
    raise NetlistError(f"{what} must be one of {', '.join(map(repr, options))}, got {_shown(value)}", location)


def path(value: Any, what: str = "path") -> Path:
    """A file name: ``str`` or ``os.PathLike`` (not bytes), without NUL characters."""
    if isinstance(value, bytes) or not isinstance(value, str | os.PathLike):
        raise _type_error(what, "a file name (str or pathlib.Path)", value)
    text_ = os.fspath(value)
    if not isinstance(text_, str):
        raise _type_error(what, "a file name (str or pathlib.Path)", value)
    if not text_ or "\x00" in text_:
        raise NetlistError(f"{what} {text_!r} is not a valid file name")
    return Path(text_)


@contextlib.contextmanager
def output_file(value: Any, what: str = "path", *, newline: str | None = "") -> Iterator[IO[str]]:
    """Open a text file for writing (the checks of :func:`path`); a file that cannot be written
    raises :class:`~xbar.errors.DataError` naming it instead of ``OSError``."""
    p = path(value, what)
    try:
        fh = p.open("w", newline=newline, encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot write '{p}': {exc.strerror or exc}") from None
    with fh:
        try:
            yield fh
        except OSError as exc:
            raise DataError(f"cannot write '{p}': {exc.strerror or exc}") from None


def mapping(value: Any, what: str) -> Mapping[Any, Any]:
    """A mapping (``None`` gives an empty one)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _type_error(what, "a mapping (dict)", value)
    return value


def as_array(value: Any, what: str) -> np.ndarray:
    """``value`` as a numeric ndarray (no copy of an ndarray; no element checks): refuses
    booleans, strings, complex numbers, objects and ragged lists with one of xbar's errors."""
    if isinstance(value, bool | np.bool_):
        raise _type_error(what, "a number or an array of numbers", value)
    if isinstance(value, str | bytes | Mapping) or value is None:
        raise _type_error(what, "a number or an array of numbers", value)
    if isinstance(value, np.ndarray):
        arr = value
    else:
        try:
            arr = np.asarray(value)
        except (ValueError, TypeError, OverflowError):
            raise NetlistError(f"{what} must be a number or a regular (not ragged) array of numbers") from None
    kind = arr.dtype.kind
    if kind == "c":
        raise _type_error(what, "real numbers (complex values are not supported)", value)
    if kind == "b":
        raise _type_error(what, "numbers, not booleans", value)
    if kind == "O":
        # Python ints beyond int64, Decimals, mixed lists: convert element-wise or refuse
        try:
            with np.errstate(over="ignore"):
                arr = arr.astype(np.float64)
        except OverflowError:
            raise NetlistError(f"{what} holds a value beyond the supported magnitude {MAX_MAGNITUDE:g}") from None
        except (TypeError, ValueError):
            raise _type_error(what, "numbers", value) from None
    elif kind not in "iuf":
        raise _type_error(what, "numbers", value)
    return arr


def array(
    value: Any,
    what: str,
    *,
    shape: tuple[int, ...] | None = None,
    ndim: int | None = None,
    lo: float | None = None,
    hi: float | None = None,
    lo_open: bool = False,
    nonzero: bool = False,
    min_magnitude: float = 0.0,
    max_magnitude: float = MAX_MAGNITUDE,
    copy: bool = False,
    unit: str = "",
    allow_nan: bool = False,
) -> np.ndarray:
    """A float64 array of finite reals (see the module docstring).

    Parameters
    ----------
    value : Any
        A number, a (nested) sequence or an array.
    what : str
        Its name in messages.
    shape : tuple of int, optional
        Broadcast to this shape (a read-only view unless ``copy``); an error names both shapes.
    ndim : int, optional
        Required number of dimensions (when ``shape`` is not given).
    lo, lo_open, hi, nonzero, min_magnitude, max_magnitude, unit
        As for :func:`real`, element-wise.
    copy : bool
        Return a writable copy.
    allow_nan : bool
        Let NaN elements through (they mean "not given", e.g. initial conditions).

    Returns
    -------
    numpy.ndarray of float64
    """
    arr = as_array(value, what)
    if arr.size > 65536:
        from xbar.limits import check_memory

        out_bytes = 8.0 * math.prod(shape) if (shape is not None and copy) else 0.0
        check_memory(24.0 * arr.size + out_bytes, f"{what} of shape {arr.shape}", "pass a smaller array")
    with np.errstate(over="ignore", invalid="ignore"):
        base = arr.astype(np.float64, copy=False)
    if base.size:
        # checked before broadcasting: the values are the same, and a broadcast view of a huge
        # shape must not be materialised by the checks
        _check_elements(base, what, lo, hi, lo_open, nonzero, min_magnitude, max_magnitude, unit, allow_nan)
    if shape is not None:
        try:
            out = np.broadcast_to(base, tuple(shape))
        except ValueError:
            raise NetlistError(f"{what} must be a number or an array broadcastable to shape {tuple(shape)}, "
                               f"got shape {arr.shape}") from None
        return out.copy() if copy else out
    if ndim is not None and arr.ndim != ndim:
        raise NetlistError(f"{what} must be a {ndim}-D array, got shape {arr.shape}")
    return base.copy() if copy and base is arr else base


def _check_elements(a: np.ndarray, what: str, lo: float | None, hi: float | None, lo_open: bool,
                    nonzero: bool, min_magnitude: float, max_magnitude: float, unit: str,
                    allow_nan: bool = False) -> None:
    u = f" {unit}" if unit else ""

    def first(mask: np.ndarray) -> str:
        idx = np.unravel_index(int(np.argmax(mask)), a.shape) if a.ndim else ()
        where = f"[{', '.join(map(str, idx))}]" if a.ndim else ""
        return f"{what}{where} = {a[idx]!r}"

    flat_abs = np.abs(a)
    bad = np.isinf(a) if allow_nan else ~np.isfinite(a)
    if bad.any():
        raise NetlistError(f"{what} must be finite; {first(bad)}")
    if (flat_abs > max_magnitude).any():
        raise NetlistError(f"{first(flat_abs > max_magnitude)}{u} is beyond the supported magnitude {max_magnitude:g}")
    if nonzero and (a == 0).any():
        raise NetlistError(f"{what} must not be zero; {first(a == 0)}")
    if min_magnitude > 0:
        tiny = (a != 0) & (flat_abs < min_magnitude)
        if tiny.any():
            raise NetlistError(f"{first(tiny)}{u} is below the smallest supported magnitude {min_magnitude:g}")
    if lo is not None:
        low = a <= lo if lo_open else a < lo
        if low.any():
            raise NetlistError(f"{what} must be {_bound_words(lo, lo_open, u)}; {first(low)}")
    if hi is not None and (a > hi).any():
        raise NetlistError(f"{what} must be ≤ {hi:g}{u}; {first(a > hi)}")


def shape_of(arr: np.ndarray, what: str, shape: tuple[int | None, ...]) -> None:
    """Check that ``arr`` has ``shape`` (``None`` entries match any size)."""
    ok = arr.ndim == len(shape) and all(s is None or s == n for s, n in zip(shape, arr.shape, strict=True))
    if not ok:
        want = "(" + ", ".join("N" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
        raise NetlistError(f"{what} must have shape {want}, got {arr.shape}")


def node_indices(value: Any, what: str, *, n_nodes: int, terminals: int,
                 bytes_per_row: float = 0.0) -> np.ndarray | None:
    """``(N, terminals)`` int64 node indices in ``-1 … n_nodes-1`` (``-1``: ground).

    Returns None when ``value`` is not an integer array (then it holds node names).
    ``bytes_per_row`` (what the caller keeps per row) is checked against the ``max_memory``
    limit before anything of the array's size is allocated.
    """
    arr = value if isinstance(value, np.ndarray) else None
    if arr is None:
        try:
            arr = np.asarray(value)
        except (ValueError, TypeError):
            raise NetlistError(f"{what} must be an (N, {terminals}) array of node names or indices "
                               "(not a ragged list)") from None
    if arr.ndim != 2 or arr.shape[1] != terminals:
        raise NetlistError(f"{what} must have shape (N, {terminals}), got {arr.shape}")
    if bytes_per_row:
        from xbar.limits import check_memory

        check_memory(arr.shape[0] * bytes_per_row, f"{arr.shape[0]} rows of {what}", "add fewer per call")
    if arr.dtype.kind not in "iu":
        if arr.dtype.kind == "b":
            raise _type_error(what, "node names or integer node indices", value)
        return None
    idx = arr.astype(np.int64)
    if idx.size and (int(idx.max()) >= n_nodes or int(idx.min()) < -1):
        bad = idx[(idx >= n_nodes) | (idx < -1)][0]
        raise NetlistError(f"{what}: node index {bad} is out of range; valid indices are -1 (ground) to "
                           f"{n_nodes - 1} (create nodes with Circuit.node or give names)")
    return idx


_F = TypeVar("_F", bound=Callable[..., Any])


def checked_call(func: _F) -> _F:
    """Decorator: a call that does not fit ``func``'s signature (missing or unknown arguments)
    raises :class:`~xbar.errors.ArgumentTypeError` (still a ``TypeError``, same message)
    instead of a bare ``TypeError``. Errors raised inside ``func`` pass unchanged."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except TypeError as exc:
            tb = exc.__traceback__
            if isinstance(exc, XbarError) or tb is None or tb.tb_next is not None:
                raise  # raised inside func (or already ours)
            raise ArgumentTypeError(str(exc)) from None

    wrapper.__xbar_checked__ = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def checked_calls(cls: type) -> type:
    """Class decorator: :func:`checked_call` on every public method (and ``__init__``,
    ``__call__``) the class defines itself. Subscripts and ``in`` always pass one argument, so
    ``__getitem__``/``__contains__`` stay unwrapped (they are the hot paths of results)."""
    for attr, value in list(vars(cls).items()):
        if attr.startswith("_") and attr not in ("__init__", "__call__"):
            continue
        if inspect.isfunction(value) and not getattr(value, "__xbar_checked__", False):
            setattr(cls, attr, checked_call(value))
    return cls


def finite(value: Any, what: str) -> Any:
    """Return ``value`` if every element is finite, else raise :class:`~xbar.errors.XbarError`.

    For computed results: a call with finite arguments must not return NaN or inf silently.
    """
    arr = np.asarray(value)
    if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        raise XbarError(f"{what} is not finite (overflow or an invalid operation in the computation); "
                        "check the magnitudes of the inputs")
    return value
