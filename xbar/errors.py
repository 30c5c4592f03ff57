"""Exception hierarchy and source locations for every error a user can see.

All errors raised for bad user input derive from :class:`XbarError`. Netlist errors carry a
:class:`SourceLocation` and render in compiler style::

    deck.cir:17:9: resistor 'R3' needs a value; expected 'R<name> n+ n- value'
      R3 1 2
            ^

This module imports nothing from the rest of xbar.
"""

from __future__ import annotations

import linecache
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "ArgumentTypeError",
    "ConvergenceError",
    "DataError",
    "DivergenceError",
    "InterruptedRunWarning",
    "LimitError",
    "LintWarning",
    "MissingDependencyError",
    "ModelCardError",
    "NetlistError",
    "ParameterError",
    "SingularMatrixError",
    "SourceLocation",
    "StudyError",
    "TopologyError",
    "XbarError",
    "XbarWarning",
    "warn",
]


@dataclass(frozen=True)
class SourceLocation:
    """Where something was written: file, 1-based line and column, and the line's text.

    ``line_text`` is the first physical line of the card (continuation lines report the
    card's first line), used to echo the line with a caret under ``col``.
    """

    file: str
    line: int
    col: int = 1
    line_text: str = ""

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"

    def with_col(self, col: int) -> SourceLocation:
        """Return the same location pointing at another column."""
        return SourceLocation(self.file, self.line, col, self.line_text)


class XbarError(Exception):
    """Base class of every error xbar raises for bad input or an unsolvable circuit."""


class NetlistError(XbarError, ValueError):
    """A netlist (or builder call) is malformed; ``location`` says where.

    Parameters
    ----------
    message : str
        What is wrong and what was expected.
    location : SourceLocation or None
        Where it was written; ``None`` for errors raised by the Python API.
    """

    def __init__(self, message: str, location: SourceLocation | None = None) -> None:
        self.message = _without_location(message, location)
        self.location = location
        super().__init__(self._render())

    def _render(self) -> str:
        loc = self.location
        if loc is None:
            return self.message
        text = f"{loc}: {self.message}"
        if loc.line_text:
            line = loc.line_text.rstrip("\n").expandtabs(1)
            caret = " " * (max(loc.col, 1) - 1) + "^"
            text += f"\n  {line}\n  {caret}"
        return text


def _without_location(message: str, location: SourceLocation | None) -> str:
    """``message`` without a repeat of ``location``'s ``file:line``.

    The rendered error starts with ``file:line:col``; a message written as ``not supported:
    .ac at deck.cir:5 (...)`` would name the place twice, so `` at deck.cir:5`` is dropped
    when it is the error's own location (a different place, such as the subcircuit instance
    that pulled the card in, stays).
    """
    if location is None:
        return message
    where = f" at {location.file}:{location.line}"
    start = message.find(where)
    while start >= 0:
        end = start + len(where)
        if end == len(message) or not message[end].isdigit():
            return message[:start] + message[end:]
        start = message.find(where, end)
    return message


class ArgumentTypeError(NetlistError, TypeError):
    """An argument of the Python API has the wrong type (a ``TypeError`` too).

    The message names the argument, what was given and what is expected.
    """


class ModelCardError(NetlistError):
    """A ``.model`` card or device parameter is unknown or outside its bounds."""


class StudyError(XbarError, ValueError):
    """A study description (TOML/YAML file or dict) or a study run is invalid.

    The message names the file, the key (``axes.tmr.num``) and what was expected.
    """


class TopologyError(XbarError):
    """The circuit is ill-posed (floating node, loop of voltage sources, cut-set of current sources)."""


class SingularMatrixError(TopologyError):
    """The MNA matrix is singular; the message names the likely topological reason."""


class ConvergenceError(XbarError):
    """Newton-Raphson did not converge.

    Attributes name the analysis, the sweep value or time point, the iteration count,
    the unknown with the worst residual and what was tried.
    """

    def __init__(
        self,
        message: str,
        *,
        analysis: str = "",
        point: str = "",
        iterations: int = 0,
        worst_unknown: str = "",
        tried: tuple[str, ...] = (),
    ) -> None:
        self.analysis = analysis
        self.point = point
        self.iterations = iterations
        self.worst_unknown = worst_unknown
        self.tried = tried
        super().__init__(message)


class DivergenceError(ConvergenceError):
    """The solution grew without bound: the circuit is unstable or non-physical.

    Raised when a node voltage or branch current passes the ``max_solution`` limit (see
    :mod:`xbar.limits`) or stops being finite; ``analysis`` and ``point`` name where.
    """


class DataError(XbarError, ValueError):
    """A data file is missing, unreadable or malformed, or a result file cannot be written.

    The message names the path and what was expected, and for a missing data set how to
    obtain it.
    """


class LimitError(NetlistError):
    """A request was refused before it allocated: it exceeds one of xbar's limits.

    The message gives the size asked for, the limit and the option that sets it (see
    :mod:`xbar.limits`); requests written in a deck carry the card's location.

    Attributes
    ----------
    requested : float
        The size asked for (bytes, points, ...).
    limit : float
        The limit it exceeds.
    option : str
        Name of the limit (``xbar.set_limits(<option>=...)``).
    """

    def __init__(self, message: str, location: SourceLocation | None = None, *,
                 requested: float = 0.0, limit: float = 0.0, option: str = "") -> None:
        self.requested = requested
        self.limit = limit
        self.option = option
        super().__init__(message, location)


class MissingDependencyError(XbarError, ImportError):
    """An optional dependency (a linear solver's package) is not installed.

    The message says what to install; it is an ``ImportError`` too.
    """


class ParameterError(XbarError, ValueError):
    """A Python-API argument has the wrong type, value or shape; the message names the
    argument and what was expected."""


class XbarWarning(UserWarning):
    """A recoverable problem the user should know about (breakdown event, suspicious netlist).

    ``location`` is where the offending element was written (``None`` for circuits built from
    Python); :func:`warn` reports the warning at that deck line, so Python's default display
    shows ``deck.cir:12: XbarWarning: …`` followed by the deck line itself, and the command line
    renders it like an error (``xbar: warning: deck.cir:12:1: …`` with the card and a caret).
    """

    def __init__(self, message: str, location: SourceLocation | None = None) -> None:
        self.message = message
        self.location = location
        super().__init__(message)

    def render(self) -> str:
        """``file:line:col: message`` plus the card and a caret, as errors are shown."""
        loc = self.location
        if loc is None:
            return self.message
        text = f"{loc}: {self.message}"
        line_text = loc.line_text or linecache.getline(loc.file, loc.line)
        if line_text.strip():
            line = line_text.rstrip("\n").expandtabs(1)
            text += f"\n  {line}\n  {' ' * (max(loc.col, 1) - 1)}^"
        return text


class LintWarning(XbarWarning):
    """A netlist that runs but probably does not say what was meant (e.g. a node with one
    connection, often a typo). Switched off by ``.options nolint`` or ``Circuit(lint=False)``."""


_PACKAGE_DIR = str(Path(__file__).resolve().parent)


def _stacklevel_outside_xbar() -> int:
    """``stacklevel`` for :func:`warnings.warn` that points at the first caller outside xbar."""
    level = 2  # 1 is warn() itself, 2 its caller
    frame = sys._getframe(2)
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(_PACKAGE_DIR):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def warn(message: str, location: SourceLocation | None = None,
         category: type[XbarWarning] = XbarWarning) -> None:
    """Issue an xbar warning at the user's source, never at an internal line of xbar.

    With a ``location`` (an element or card of a deck) the warning is reported at that file and
    line; without one (circuits built from Python) at the first caller outside the package.
    """
    w = category(message, location)
    if location is not None:
        warnings.warn_explicit(w, category, location.file or "<netlist>", location.line, module="xbar")
    else:
        warnings.warn(w, stacklevel=_stacklevel_outside_xbar())


class InterruptedRunWarning(XbarWarning):
    """An analysis was interrupted (Ctrl-C) and returns the points computed so far."""
