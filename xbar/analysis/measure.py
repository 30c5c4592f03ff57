"""``.meas``/``.measure`` (and the control language's ``meas``): measurements on results.

Syntax (ngspice manual, chapter ".meas"; ``com_measure2.c``)::

    .meas tran|dc|ac <name> TRIG <vec> VAL=<v> [TD=<t>] [RISE=n|FALL=n|CROSS=n|...=LAST]
    +                       TARG <vec> VAL=<v> [TD=<t>] [RISE|FALL|CROSS=n|LAST]
    .meas ... <name> TRIG AT=<t> TARG ...
    .meas ... <name> WHEN <vec>=<v>|<vec2> [TD=] [FROM=] [TO=] [RISE|FALL|CROSS=n|LAST]
    .meas ... <name> FIND <vec> AT=<t>
    .meas ... <name> FIND <vec> WHEN <vec2>=<v> [TD=] [RISE|FALL|CROSS=n|LAST]
    .meas ... <name> AVG|RMS|MIN|MAX|PP|INTEG|MIN_AT|MAX_AT <vec> [FROM=<t>] [TO=<t>]
    .meas ... <name> PARAM='<expression of .param values and earlier measurements>'

``<vec>`` is a vector (``v(out)``, ``v(a,b)``, ``i(v1)``, ``i(r1)``, ``@d1[id]``, a node name)
or ``par('<expression of vectors>')``, e.g. ``par('v(a)*i(vw)')`` for a power; values of
``VAL=``/``AT=``/``FROM=``... may be numbers, parameters or ``'expressions'``.

Semantics, as ngspice: crossings are found between consecutive points and located by linear
interpolation; a rise is a crossing from below to at-or-above the value, a fall the reverse,
``CROSS`` counts both; ``LAST`` takes the last one; points before ``TD`` are skipped.
``FIND ... AT`` interpolates linearly. Differences, all deliberate: the start of the run never
counts as a crossing (ngspice counts a signal that starts above ``VAL`` as one rise); ``AVG``,
``MIN``, ``MAX`` and ``PP`` use the window ``[FROM, TO]`` with interpolated end points (ngspice
takes the points inside it); ``INTEG``/``RMS``/``AVG`` use the trapezoidal rule on the computed
points (ngspice switches to Simpson's rules on runs of equal steps); ``WHEN`` honours
``FROM``/``TO`` (ngspice ignores them). A measurement that finds nothing fails with its reason
(as ngspice, the run goes on); malformed cards are errors with ``file:line:col``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from xbar.errors import NetlistError, SourceLocation, XbarError

__all__ = [
    "FUNCTIONS",
    "MeasureOutcome",
    "MeasureSpec",
    "Measurements",
    "Trigger",
    "evaluate_measures",
    "parse_measure",
    "report",
]

#: Measurement functions (upper case, as written in the manual).
FUNCTIONS = ("TRIG", "TARG", "DELAY", "WHEN", "FIND", "AVG", "RMS", "MIN", "MAX", "PP", "INTEG",
             "INTEGRAL", "MIN_AT", "MAX_AT", "PARAM", "DERIV", "DERIVATIVE", "ERR", "ERR1",
             "ERR2", "ERR3", "MEAN", "EXPR")
_ANALYSES = ("tran", "dc", "ac")
_LAST = -2
_FORM = ("expected '.meas tran|dc <name> TRIG ... TARG ... | WHEN ... | FIND ... | "
         "AVG|RMS|MIN|MAX|PP|INTEG <vector> [FROM= TO=] | PARAM=<expression>'")


@dataclass
class Trigger:
    """One crossing condition (a TRIG/TARG/WHEN clause) or a fixed point (``AT=``)."""

    vector: str | None = None
    value: float | None = None
    vector2: str | None = None
    rise: int | None = None
    fall: int | None = None
    cross: int | None = None
    td: float = 0.0
    start: float | None = None
    stop: float | None = None
    at: float | None = None

    def describe(self) -> str:
        if self.at is not None:
            return f"AT={self.at:g}"
        what = f"{self.vector}={self.vector2 if self.vector2 else f'{self.value:g}'}"
        for label, n in (("RISE", self.rise), ("FALL", self.fall), ("CROSS", self.cross)):
            if n is not None:
                what += f" {label}={'LAST' if n == _LAST else n}"
        return what


@dataclass
class MeasureSpec:
    """A parsed measurement card."""

    name: str
    analysis: str
    function: str
    vector: str | None = None
    trig: Trigger | None = None
    targ: Trigger | None = None
    start: float | None = None
    stop: float | None = None
    expression: Any = None
    location: SourceLocation | None = None
    text: str = ""


@dataclass
class MeasureOutcome:
    """The value of one measurement (``value`` None when it failed, with ``error``)."""

    spec: MeasureSpec
    value: float | None
    line: str
    error: str = ""
    extra: dict[str, float] = field(default_factory=dict)


class Measurements(dict[str, float]):
    """Measurement values by (lower-case) name; a failed or unknown name raises a clear error."""

    def __init__(self, *args: Any, failures: Mapping[str, str] | None = None) -> None:
        super().__init__(*args)
        self.failures: dict[str, str] = dict(failures or {})

    def __missing__(self, key: str) -> float:
        low = key.lower()
        if low != key and low in self:
            return self[low]
        if low in self.failures:
            raise XbarError(f"measurement '{key}' failed: {self.failures[low]}")
        known = ", ".join(self) or "none"
        raise XbarError(f"no measurement '{key}'; measured: {known}")


# --------------------------------------------------------------------------------------------
# parsing
# --------------------------------------------------------------------------------------------


def _words(text: str, start: int) -> list[tuple[str, int]]:
    """Words of a measurement line from ``start`` with their 0-based offsets: separated by
    blanks and ``=`` (a word of its own), parentheses, quotes and braces kept inside a word
    (``par('v(a)*i(v1)')``, ``v(a,b)``, ``'vdd/2'``)."""
    out: list[tuple[str, int]] = []
    i, n = start, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t,":
            i += 1
            continue
        if ch == "=":
            out.append(("=", i))
            i += 1
            continue
        begin, depth, quote = i, 0, ""
        while i < n:
            ch = text[i]
            if quote:
                if ch == quote:
                    quote = ""
            elif ch in "'\"":
                quote = ch
            elif ch in "({":
                depth += 1
            elif ch in ")}":
                depth = max(depth - 1, 0)
            elif depth == 0 and (ch in " \t=" or ch == ","):
                break
            i += 1
        out.append((text[begin:i], begin))
    return out


def parse_measure(text: str, location: SourceLocation, *, evaluate: Callable[[str, int], float],
                  start: int = 0, dialect: Any = None) -> MeasureSpec:
    """Parse the measurement ``text`` (``.meas ...`` or the control command ``meas ...``).

    ``evaluate(token, offset)`` turns a value token (number, parameter, ``'expression'``)
    into a float, raising :class:`NetlistError` located at ``offset``. ``start`` is where the
    words after the command name begin. Errors name ``location`` with the column of the
    offending word.
    """
    words = _words(text, start)

    def err(message: str, k: int) -> NetlistError:
        col = words[k][1] + 1 if k < len(words) else len(text.rstrip()) + 1
        return NetlistError(message, location.with_col(col))

    if len(words) < 3:
        raise err(f"a measurement needs an analysis, a name and a function; {_FORM}", len(words))
    analysis = words[0][0].lower()
    if analysis not in _ANALYSES:
        raise err(f"expected the analysis tran, dc or ac, got '{words[0][0]}'; {_FORM}", 0)
    name = words[1][0].lower()
    if not re.fullmatch(r"[a-z_][a-z0-9_.]*", name):
        raise err(f"'{words[1][0]}' is not a valid measurement name", 1)
    func = words[2][0].upper()
    spec = MeasureSpec(name=name, analysis=analysis, function=func, location=location, text=text)
    k = 3
    if func == "PARAM" or func == "EXPR":
        if k < len(words) and words[k][0] == "=":
            k += 1
        if k >= len(words):
            raise err(f"PARAM needs an expression: PARAM='<expression>'; {_FORM}", k)
        tok, off = words[k]
        body = tok[1:-1] if tok[0] in "'\"{" else tok
        from xbar.netlist.expr import parse_expression

        spec.expression = parse_expression(body, location.with_col(off + 1 + (tok[0] in "'\"{")),
                                           dialect=dialect)
        if k + 1 < len(words):
            raise err(f"unexpected '{words[k + 1][0]}' after the PARAM expression", k + 1)
        return spec
    if func in ("DERIV", "DERIVATIVE", "ERR", "ERR1", "ERR2", "ERR3"):
        raise err(f"not supported: measurement function {words[2][0]} at {location.file}:"
                  f"{location.line} (ngspice 39 does not implement it either)", 2)
    if func == "MEAN":
        func = spec.function = "AVG"
    if func == "INTEGRAL":
        func = spec.function = "INTEG"
    if func == "DELAY":
        func = spec.function = "TRIG"
    if func not in FUNCTIONS or func == "TARG":
        raise err(f"unknown measurement function '{words[2][0]}'; {_FORM}", 2)

    def keyvals(k: int, stop_words: tuple[str, ...]) -> tuple[dict[str, tuple[str, int]], int]:
        found: dict[str, tuple[str, int]] = {}
        while k < len(words) and words[k][0].upper() not in stop_words:
            key = words[k][0]
            if k + 1 < len(words) and words[k + 1][0] == "=":
                if k + 2 >= len(words):
                    raise err(f"'{key}=' has no value", k + 2)
                if key.lower() in found:
                    raise err(f"'{key}' given twice", k)
                found[key.lower()] = (words[k + 2][0], k + 2)
                k += 3
                continue
            if key.upper() == "LAST":
                found["cross"] = ("LAST", k)
                k += 1
                continue
            raise err(f"unexpected '{key}'; expected name=value (VAL= TD= RISE= FALL= CROSS= "
                      f"FROM= TO= AT=)", k)
        return found, k

    def number(tok: str, k: int) -> float:
        return evaluate(tok, words[k][1])

    def count(tok: str, k: int) -> int:
        if tok.upper() == "LAST":
            return _LAST
        v = number(tok, k)
        if not (v >= 1 and v == int(v)):
            raise err(f"expected a positive whole number or LAST, got '{tok}'", k)
        return int(v)

    def trigger(found: dict[str, tuple[str, int]], where: str, allowed: set[str]) -> Trigger:
        t = Trigger()
        for key, (tok, kk) in found.items():
            if key not in allowed:
                raise err(f"{where} does not take '{key.upper()}='", kk - 2)
            if key in ("rise", "fall", "cross"):
                if (t.rise, t.fall, t.cross) != (None, None, None):
                    raise err(f"{where}: give one of RISE=, FALL=, CROSS=", kk - 2)
                setattr(t, key, count(tok, kk))
            elif key == "val":
                t.value = number(tok, kk)
            elif key == "td":
                t.td = number(tok, kk)
            elif key == "from":
                t.start = number(tok, kk)
            elif key == "to":
                t.stop = number(tok, kk)
            elif key == "at":
                t.at = number(tok, kk)
        return t

    def vector_word(k: int, what: str) -> str:
        if k >= len(words) or words[k][0] == "=":
            raise err(f"{what} needs a vector (v(node), i(source), par('expression')); {_FORM}", k)
        return words[k][0]

    if func == "TRIG":
        # TRIG <vec> VAL= ... | TRIG AT=<t>
        if k < len(words) and words[k][0].lower() == "at" and k + 1 < len(words) and words[k + 1][0] == "=":
            found, k = keyvals(k, ("TARG",))
            spec.trig = trigger(found, "TRIG", {"at"})
        else:
            vec = vector_word(k, "TRIG")
            found, k2 = keyvals(k + 1, ("TARG",))
            spec.trig = trigger(found, "TRIG", {"val", "td", "rise", "fall", "cross"})
            spec.trig.vector = vec
            _check_crossing(spec.trig, "TRIG", err, k)
            k = k2
        if k >= len(words) or words[k][0].upper() != "TARG":
            raise err(f"TRIG needs a TARG clause; {_FORM}", k)
        k += 1
        if k < len(words) and words[k][0].lower() == "at" and k + 1 < len(words) and words[k + 1][0] == "=":
            found, k2 = keyvals(k, ())
            spec.targ = trigger(found, "TARG", {"at"})
        else:
            vec = vector_word(k, "TARG")
            found, k2 = keyvals(k + 1, ())
            spec.targ = trigger(found, "TARG", {"val", "td", "rise", "fall", "cross"})
            spec.targ.vector = vec
            _check_crossing(spec.targ, "TARG", err, k)
        return spec
    if func == "WHEN":
        spec.trig, _ = _when_clause(words, k, err, number, keyvals, trigger)
        return spec
    if func == "FIND":
        spec.vector = vector_word(k, "FIND")
        k += 1
        if k < len(words) and words[k][0].upper() == "WHEN":
            spec.trig, _ = _when_clause(words, k + 1, err, number, keyvals, trigger)
            return spec
        found, k2 = keyvals(k, ())
        if "at" not in found:
            raise err(f"FIND needs AT=<point> or WHEN <vector>=<value>; {_FORM}", k)
        spec.trig = trigger(found, "FIND", {"at"})
        return spec
    # AVG RMS MIN MAX PP INTEG MIN_AT MAX_AT
    spec.vector = vector_word(k, func)
    found, k2 = keyvals(k + 1, ())
    window = trigger(found, func, {"from", "to", "td"})
    spec.start = window.start if window.start is not None else (window.td or None)
    spec.stop = window.stop
    if spec.start is not None and spec.stop is not None and spec.stop < spec.start and analysis != "dc":
        raise err(f"{func}: TO={spec.stop:g} is before FROM={spec.start:g}", k + 1)
    return spec


def _check_crossing(t: Trigger, where: str, err: Callable[[str, int], NetlistError], k: int) -> None:
    if t.value is None:
        raise err(f"{where} needs VAL=<value>", k)
    if (t.rise, t.fall, t.cross) == (None, None, None):
        raise err(f"{where} needs RISE=, FALL= or CROSS= (a number or LAST), or AT=<point>", k)


def _when_clause(words: list[tuple[str, int]], k: int, err: Any, number: Any, keyvals: Any,
                 trigger: Any) -> tuple[Trigger, int]:
    """``<vec>=<value or vec2> [TD= FROM= TO= RISE|FALL|CROSS=]`` from word ``k``."""
    if k + 2 >= len(words) or words[k + 1][0] != "=":
        raise err(f"WHEN needs <vector>=<value>; {_FORM}", k)
    vec, rhs, kr = words[k][0], words[k + 2][0], k + 2
    found, k2 = keyvals(k + 3, ())
    t = trigger(found, "WHEN", {"td", "from", "to", "rise", "fall", "cross"})
    t.vector = vec
    try:
        t.value = number(rhs, kr)
    except NetlistError:
        if re.fullmatch(r"[A-Za-z_@][^\s=]*", rhs):
            t.vector2 = rhs  # WHEN v(a)=v(b)
        else:
            raise
    return t, k2


# --------------------------------------------------------------------------------------------
# evaluation
# --------------------------------------------------------------------------------------------


class _Failed(Exception):
    """A measurement found nothing (the message says why)."""


def _crossings(x: np.ndarray, y: np.ndarray, t: Trigger, analysis: str) -> list[tuple[float, str]]:
    """Every crossing of ``y`` through the level (scale value, 'rise'/'fall') in order."""
    keep = np.ones(len(x), dtype=bool)
    lo = t.td if (t.td and analysis != "dc") else None
    if t.start is not None:
        lo = t.start if lo is None else max(lo, t.start)
    if lo is not None:
        keep &= x >= lo
    if t.stop is not None:
        keep &= x <= t.stop
    xs, ys = x[keep], y[keep]
    out: list[tuple[float, str]] = []
    if len(xs) < 2:
        return out
    above = ys[0] >= 0.0
    for i in range(1, len(xs)):
        if not above and ys[i] >= 0.0:
            direction = "rise"
        elif above and ys[i] <= 0.0 and not (ys[i] == 0.0 and ys[i - 1] == 0.0):
            direction = "fall"
        else:
            continue
        above = not above
        dy = ys[i] - ys[i - 1]
        frac = 0.0 if dy == 0.0 else -ys[i - 1] / dy
        out.append((float(xs[i - 1] + frac * (xs[i] - xs[i - 1])), direction))
    return out


def _locate(x: np.ndarray, y: np.ndarray, t: Trigger, analysis: str) -> float:
    """Scale value where condition ``t`` holds (``y`` already minus the level)."""
    if t.at is not None:
        return t.at
    events = _crossings(x, y, t, analysis)
    if t.rise is not None:
        events = [e for e in events if e[1] == "rise"]
        n = t.rise
    elif t.fall is not None:
        events = [e for e in events if e[1] == "fall"]
        n = t.fall
    else:
        n = t.cross if t.cross is not None else 1
    if not events:
        raise _Failed(f"{t.vector} never reaches {t.vector2 or f'{t.value:g}'} ({t.describe()})")
    if n == _LAST:
        return events[-1][0]
    if n > len(events):
        raise _Failed(f"{t.describe()}: only {len(events)} such crossing(s) in the run")
    return events[n - 1][0]


def _interp(x: np.ndarray, y: np.ndarray, at: float, analysis: str) -> float:
    lo, hi = (x[0], x[-1]) if x[-1] >= x[0] else (x[-1], x[0])
    if not lo - 1e-15 * max(abs(lo), abs(hi), 1e-300) <= at <= hi + 1e-15 * max(abs(lo), abs(hi), 1e-300):
        raise _Failed(f"{at:g} is outside the run ({lo:g} to {hi:g})")
    if x[-1] < x[0]:
        x, y = x[::-1], y[::-1]
    return float(np.interp(at, x, y))


def _window(x: np.ndarray, y: np.ndarray, start: float | None, stop: float | None
            ) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Points of ``y`` on [start, stop] with interpolated end points."""
    if x[-1] < x[0]:
        x, y = x[::-1], y[::-1]
    a = x[0] if start is None else max(start, x[0])
    b = x[-1] if stop is None else min(stop, x[-1])
    if (start is not None and start > x[-1]) or (stop is not None and stop < x[0]) or b < a:
        raise _Failed(f"the window FROM={start if start is not None else x[0]:g} "
                      f"TO={stop if stop is not None else x[-1]:g} is outside the run "
                      f"({x[0]:g} to {x[-1]:g})")
    inside = (x > a) & (x < b)
    xs = np.concatenate([[a], x[inside], [b]]) if b > a else np.array([a])
    ys = np.interp(xs, x, y)
    ys[1:-1] = y[inside]
    return xs, ys, float(a), float(b)


def _evaluate_one(spec: MeasureSpec, result: Any, vec: Callable[[str], np.ndarray]
                  ) -> tuple[float, dict[str, float]]:
    analysis = spec.analysis
    x = np.asarray(result[result.scale_name], dtype=np.float64).real
    func = spec.function
    if func == "TRIG":
        assert spec.trig is not None and spec.targ is not None
        times = []
        for t in (spec.trig, spec.targ):
            if t.at is not None:
                times.append(t.at)
                continue
            assert t.vector is not None and t.value is not None
            times.append(_locate(x, vec(t.vector) - t.value, t, analysis))
        return times[1] - times[0], {"targ": times[1], "trig": times[0]}
    if func == "WHEN" or (func == "FIND" and spec.trig is not None and spec.trig.at is None):
        t = spec.trig
        assert t is not None and t.vector is not None
        level = vec(t.vector2) if t.vector2 else t.value
        at = _locate(x, vec(t.vector) - level, t, analysis)
        if func == "WHEN":
            return at, {}
        assert spec.vector is not None
        return _interp(x, vec(spec.vector), at, analysis), {"at": at}
    if func == "FIND":
        assert spec.trig is not None and spec.trig.at is not None and spec.vector is not None
        return _interp(x, vec(spec.vector), spec.trig.at, analysis), {"at": spec.trig.at}
    assert spec.vector is not None
    y = np.asarray(vec(spec.vector), dtype=np.float64)
    xs, ys, a, b = _window(x, y, spec.start, spec.stop)
    if func in ("INTEG", "AVG", "RMS"):
        vals = ys * ys if func == "RMS" else ys
        integral = float(np.sum(0.5 * (vals[1:] + vals[:-1]) * np.diff(xs))) if len(xs) > 1 else 0.0
        if func == "INTEG":
            return integral, {"from": a, "to": b}
        if b <= a:
            raise _Failed("the window has zero width")
        mean = integral / (b - a)
        return (math.sqrt(mean) if func == "RMS" else mean), {"from": a, "to": b}
    if func in ("MIN", "MAX", "MIN_AT", "MAX_AT"):
        k = int(np.argmin(ys) if func.startswith("MIN") else np.argmax(ys))
        if func.endswith("_AT"):  # the value is where the extremum is (as ngspice)
            return float(xs[k]), {"with": float(ys[k])}
        return float(ys[k]), {"at": float(xs[k])}
    if func == "PP":
        return float(np.max(ys) - np.min(ys)), {"from": a, "to": b}
    raise _Failed(f"measurement function {func} is not implemented")  # pragma: no cover


def _fmt_line(spec: MeasureSpec, value: float, extra: Mapping[str, float], control: bool) -> str:
    """ngspice's printed line for a measurement (``name = value ...``)."""
    name = f"{spec.name:<20}"
    func = spec.function
    if func == "TRIG":
        return f"{name}=  {value:e} targ=  {extra['targ']:e} trig=  {extra['trig']:e}"
    if func == "FIND":
        return f"{name}=  {value:e}"
    if func == "WHEN":
        return f"{name}=  {value:e}" if control else f"{name}=   {value:.5e}"
    if func in ("RMS", "INTEG"):
        sep = "=  " if control else "=   "
        return f"{name}{sep}{value:.5e} from=  {extra['from']:.5e} to=  {extra['to']:.5e}"
    if func in ("AVG", "PP"):
        return f"{name}=  {value:e} from=  {extra['from']:e} to=  {extra['to']:e}"
    if func in ("MIN", "MAX"):
        return f"{name}=  {value:e} at=  {extra['at']:e}"
    if func in ("MIN_AT", "MAX_AT"):
        return f"{name}=  {value:e} with=  {extra['with']:e}"
    return f"{name}=  {value:.5e}"  # PARAM


def evaluate_measures(specs: list[MeasureSpec], result: Any, *,
                      vector: Callable[[Any, str], np.ndarray], params: Mapping[str, float],
                      control: bool = False) -> list[MeasureOutcome]:
    """Evaluate the measurements of ``result``'s analysis kind, in card order.

    Non-PARAM measurements come first (as ngspice's first pass), then PARAM expressions in card
    order, which see ``params`` and every successful measurement. ``vector(result, name)``
    resolves vector names (see :func:`xbar.analysis.vectors.resolve_vector`).
    """
    kind = result.kind
    mine = [s for s in specs if s.analysis == kind]
    values: dict[str, float] = {}
    outcomes: dict[int, MeasureOutcome] = {}
    for i, spec in enumerate(mine):
        if spec.function == "PARAM":
            continue
        outcomes[i] = _run_one(spec, result, vector, values, control)
    for i, spec in enumerate(mine):
        if spec.function != "PARAM":
            continue
        scope = {**params, **values}
        try:
            value = float(spec.expression.evaluate(scope))
            outcomes[i] = MeasureOutcome(spec, value, _fmt_line(spec, value, {}, control))
            values[spec.name] = value
        except XbarError as exc:
            reason = getattr(exc, "message", str(exc))
            outcomes[i] = MeasureOutcome(spec, None, f"{spec.name:<20}=   failed", reason)
    return [outcomes[i] for i in sorted(outcomes)]


def _run_one(spec: MeasureSpec, result: Any, vector: Callable[[Any, str], np.ndarray],
             values: dict[str, float], control: bool) -> MeasureOutcome:
    try:
        if result.scale_name is None or len(np.atleast_1d(result[result.scale_name])) < 1:
            raise _Failed(f"{spec.analysis} results have no scale to measure along")
        # complex vectors (AC) are measured by their real part, as ngspice does by default;
        # vm() vdb() vp() vr() vi() select another part
        value, extra = _evaluate_one(spec, result, lambda name: np.real(vector(result, name)))
        if not math.isfinite(value):
            raise _Failed(f"the value is not finite ({value})")
    except _Failed as why:
        return MeasureOutcome(spec, None, f"{spec.name:<20}=   failed", str(why))
    values[spec.name] = value
    return MeasureOutcome(spec, value, _fmt_line(spec, value, extra, control), extra=extra)


def report(outcomes: list[MeasureOutcome], kind: str) -> str:
    """The printed block of one analysis's measurements, as ngspice prints it (a header for
    transients, one ``name = value ...`` line each; failures say why)."""
    if not outcomes:
        return ""
    title = {"tran": "Transient Analysis", "dc": "DC Analysis", "ac": "AC Analysis"}.get(kind, kind)
    lines = [f"\n  Measurements for {title}\n\n"]
    for o in outcomes:
        if o.value is None:
            lines.append(f"{o.spec.name:<20}=   failed: {o.error}\n")
        else:
            lines.append(o.line + "\n")
    lines.append("\n")
    return "".join(lines)
