"""The ``.control`` … ``.endc`` subset that batch decks use (ngspice's control language).

Commands (one per line, ``+`` continues a line, ``*`` lines and ``;`` / `` $ `` tails are
comments; ``$name`` and ``$&vector`` are substituted before a command runs):

=================================== =========================================================
``op``, ``dc ...``, ``tran ...``    run that analysis (arguments as on the dot-card); the
                                    result becomes the current plot; ``.meas`` cards of that
                                    analysis are evaluated and printed
``ac ...``                          as above, once an ``.ac`` analysis is registered in
                                    :data:`xbar.netlist.elaborate.ANALYSIS_RUNNERS`
``run``                             run the deck's analysis cards (ngspice's order)
``print [col|line] expr ...``       values (``name = value``) or a table like ngspice;
                                    ``print all``; ``> file`` / ``>> file`` redirect
``wrdata file expr ...``            columns of numbers (``set wr_singlescale``,
                                    ``set wr_vecnames`` as ngspice)
``write [file] [expr ...]``         an ngspice rawfile of the current plot (binary, or text
                                    after ``set filetype=ascii``; ``set appendwrite``)
``let name = expr``                 arithmetic on vectors (element-wise; ``mean``,
                                    ``vecmax``, ``vecmin``, ``length`` reduce)
``meas tran|dc name ...``           a measurement on the current plot (``.meas`` syntax);
                                    its value becomes a vector
``set`` / ``unset``, ``echo``       variables (``numdgt``, ``width``, ``height``,
                                    ``nobreak``, ``filetype``, ...) and text
``save ...``                        accepted (every vector is kept anyway)
``quit`` / ``exit``                 stop; the deck's analyses are then not run in batch
=================================== =========================================================

``plot``, ``iplot``, ``display``, ``rusage``, ``shell`` and other interactive or plotting
commands are skipped with a warning; any other command is refused when the deck is read with
``not supported: <command> at file:line``.

Numbers print as ngspice's ``printnum``: ``%.{numdgt}e`` (``numdgt`` 6 by default), one digit
less for negative values, so every column is 12 characters wide.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from xbar.errors import NetlistError, SourceLocation, XbarError, warn
from xbar.netlist.lexer import Card, tokenize
from xbar.reprs import short_repr

__all__ = ["COMMANDS", "INTERACTIVE", "ControlScript", "ControlSession", "parse_control"]

#: Commands that only draw or report on the terminal: skipped with a warning in batch runs.
INTERACTIVE = frozenset({
    "plot", "iplot", "display", "rusage", "shell", "gnuplot", "hardcopy", "asciiplot", "xgraph",
    "listing", "version", "status", "show", "showmod", "history", "help", "edit", "bug",
})
_ANALYSIS_COMMANDS = {"op": ".op", "dc": ".dc", "tran": ".tran", "ac": ".ac"}
_PLOTNAMES = {"op": "Operating Point", "dc": "DC transfer characteristic",
              "tran": "Transient Analysis", "ac": "AC Analysis"}
_RUN_ORDER = ("ac", "dc", "op", "tran")  # ngspice runs the deck's analyses grouped like this
_SET_RE = re.compile(r"""\s*([A-Za-z_][\w.-]*)\s*(?:=\s*("[^"]*"|\([^)]*\)|\S+))?""")
_SUBST_RE = re.compile(r"\$(&?)([A-Za-z_][\w.#]*(?:\([^()]*\))?)")
_BRANCH_RE = re.compile(r"([A-Za-z_][\w.]*)#branch", re.IGNORECASE)
_OPERATOR_END = "+-*/^(,<>=!&|?:"
_OPERATOR_START = "+-*/^),<>=!&|?:"


@dataclass
class Command:
    """One control line: the command word, the rest of the line, and where it was written."""

    name: str
    rest: str
    card: Card
    analysis: Any = None  # AnalysisCard, read when the deck is read (no $ substitutions)
    measure: Any = None  # MeasureSpec, likewise

    def location(self, offset: int | None = None) -> SourceLocation:
        """Location of character ``offset`` of the rest of the line (None: the command word)."""
        text = self.card.text
        if offset is None:
            return self.card.location(1)
        start = len(text) - len(self.rest)
        return self.card.location(start + offset + 1)

    def error(self, message: str, offset: int | None = None) -> NetlistError:
        return NetlistError(message, self.location(offset))


@dataclass
class ControlScript:
    """The parsed ``.control`` block of a deck."""

    commands: list[Command] = field(default_factory=list)

    __repr__ = short_repr


def _words_with_offsets(text: str) -> list[tuple[str, int]]:
    """White-space separated words, parentheses and quotes kept together, with offsets."""
    out: list[tuple[str, int]] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t":
            i += 1
        if i >= n:
            break
        start, depth, quote = i, 0, ""
        while i < n:
            ch = text[i]
            if quote:
                if ch == quote:
                    quote = ""
            elif ch in "'\"":
                quote = ch
            elif ch == "(":
                depth += 1
            elif ch == ")":
                depth = max(depth - 1, 0)
            elif ch in " \t" and depth == 0:
                break
            i += 1
        out.append((text[start:i], start))
    return out


def _expressions(text: str) -> list[tuple[str, int]]:
    """Expressions of a ``print``/``wrdata`` argument list: words are joined where an operator
    links them (``v(a) -v(b)`` is one expression, as in ngspice)."""
    words = _words_with_offsets(text)
    out: list[tuple[str, int]] = []
    for word, off in words:
        if out and (out[-1][0][-1] in _OPERATOR_END or word[0] in _OPERATOR_START):
            poff = out[-1][1]
            out[-1] = (text[poff : off + len(word)], poff)
        else:
            out.append((word, off))
    return out


def parse_control(cards: list[Card], netlist: Any) -> ControlScript:
    """Read the control lines of a deck; unsupported commands are refused here.

    Analysis commands and measurements without ``$`` substitutions are parsed now, so their
    errors carry ``file:line:col`` before anything runs.
    """
    script = ControlScript()
    for card in cards:
        text = card.text
        m = re.match(r"\s*(\S+)", text)
        if m is None:  # pragma: no cover - the lexer drops empty lines
            continue
        word = m.group(1)
        name = word.lower()
        rest = text[m.end():].strip()
        cmd = Command(name, rest, card)
        where = f"{card.file}:{card.line}"
        if name in INTERACTIVE:
            script.commands.append(cmd)
            continue
        if name not in COMMANDS:
            raise NetlistError(f"not supported: {word} at {where} (the control language subset is: "
                               f"{', '.join(sorted(COMMANDS))}; interactive commands are skipped)",
                               card.location(m.start(1) + 1))
        if "$" not in rest:
            if name in _ANALYSIS_COMMANDS:
                cmd.analysis = _analysis(cmd, netlist)
            elif name in ("meas", "measure"):
                cmd.measure = _measure(cmd, netlist)
            elif name == "let":
                _let_parts(cmd, netlist)
        script.commands.append(cmd)
    return script


def _analysis(cmd: Command, netlist: Any) -> Any:
    """The AnalysisCard of an analysis command (same rules as the dot-card)."""
    head = _ANALYSIS_COMMANDS[cmd.name]
    text = cmd.card.text
    try:
        tokens = tokenize(text, cmd.card.file, cmd.card.line)
    except NetlistError:
        raise
    card = Card(cmd.card.file, cmd.card.line, text, tokens)
    return netlist.analysis_parser(card, head)


def _measure(cmd: Command, netlist: Any) -> Any:
    from xbar.analysis.measure import parse_measure
    from xbar.units import parse_number

    text = cmd.card.text
    start = len(text) - len(cmd.rest)

    def evaluate(tok: str, offset: int) -> float:
        loc = cmd.card.location(offset + 1)
        if tok[0] in "'\"{":
            from xbar.netlist.expr import parse_expression

            return float(parse_expression(tok[1:-1], loc.with_col(loc.col + 1),
                                          dialect=netlist.dialect).evaluate(netlist.params))
        v = parse_number(tok)
        if v is None:
            if tok.lower() in netlist.params:
                return float(netlist.params[tok.lower()])
            raise NetlistError(f"expected a number, parameter or 'expression', got '{tok}'", loc)
        return v

    return parse_measure(text, cmd.card.location(1), start=start, evaluate=evaluate,
                         dialect=netlist.dialect)


def _let_parts(cmd: Command, netlist: Any) -> tuple[str, str, int]:
    """Target name, expression text and its offset of ``let name = expr``."""
    m = re.match(r"\s*([A-Za-z_][\w.]*)\s*=\s*", cmd.rest)
    if m is None or not cmd.rest[m.end():].strip():
        raise cmd.error("expected 'let <name> = <expression>'", 0)
    body = cmd.rest[m.end():].rstrip()
    _parse(body, cmd, m.end(), netlist)
    return m.group(1).lower(), body, m.end()


def _parse(text: str, cmd: Command, offset: int, netlist: Any) -> Any:
    """Parse a vector expression of the control language (``v1#branch`` reads as ``i(v1)``)."""
    from xbar.netlist.expr import Dialect, parse_expression

    functions = netlist.dialect.functions if netlist.dialect is not None else None
    dialect = Dialect(probes=True, vectors=True, functions=functions)
    body = _BRANCH_RE.sub(lambda m: f"i({m.group(1)})", text)
    return parse_expression(body, cmd.location(offset), dialect=dialect)


def printnum(value: float, digits: int = 6) -> str:
    """ngspice's number format in ``print``: ``%.{d}e``, one digit less when negative."""
    return f"{value:.{digits - 1 if value < 0.0 else digits}e}"


def _cell(value: Any, digits: int) -> str:
    """A printed value: ``re,im`` for complex values (AC results), else :func:`printnum`."""
    if isinstance(value, complex | np.complexfloating):
        return f"{printnum(float(value.real), digits)},{printnum(float(value.imag), digits)}"
    return printnum(float(value), digits)


# a vector named as it is (no arithmetic): v(out), i(v1), out, v1#branch, vdb(out), @d1[id]
_PLAIN_VECTOR_RE = re.compile(r"^(?:[A-Za-z_][\w.#-]*(?:\([^()]*\))?|@[^\s\[\]]+\[[^\s\[\]]+\])$")
_REDUCTIONS = ("mean(", "length(", "vecmax(", "vecmin(")


class _Plot:
    """One analysis result as the control language sees it, plus its ``let`` vectors."""

    def __init__(self, result: Any, name: str, system: Any) -> None:
        self.result = result
        self.name = name
        self.system = system
        self.vectors: dict[str, np.ndarray] = {}
        self.date = time.strftime("%a %b %e %H:%M:%S  %Y")
        self.typename = _PLOTNAMES.get(result.kind, result.kind) if result is not None else "Constants"


class ControlSession:
    """Runs a :class:`ControlScript` against a netlist, printing like ngspice.

    Attributes
    ----------
    plots : list
        Results of the analyses run, in order (``session.results``).
    quit : bool
        True when the script ended with ``quit``/``exit`` (no batch run of the deck afterwards).
    """

    def __init__(self, netlist: Any, out: IO[str] | None = None, *, workdir: str | Path = ".") -> None:
        self.netlist = netlist
        self.out = out if out is not None else sys.stdout
        self.workdir = Path(workdir)
        self.variables: dict[str, str] = {}
        self.const: dict[str, np.ndarray] = {}
        self.plots: list[_Plot] = []
        self.current: _Plot | None = None
        self.quit = False
        self.run_results: list[Any] = []
        self._counts: dict[str, int] = {}
        self._system: Any = None

    # public ----------------------------------------------------------------------------------
    @property
    def results(self) -> list[Any]:
        """Every analysis result of the session, in the order they ran."""
        return [p.result for p in self.plots if p.result is not None]

    def run(self, progress: bool = False) -> ControlSession:
        """Execute the script (see module docstring); returns self."""
        self.progress = progress
        script = self.netlist.control
        for cmd in script.commands if script is not None else []:
            if self.quit:
                break
            self.execute(cmd)
        return self

    def execute(self, cmd: Command) -> None:
        if cmd.name in INTERACTIVE:
            warn(f"'{cmd.name}' skipped (interactive command; batch runs do not draw)", cmd.card.location())
            return
        if "$" in cmd.rest:
            cmd = self._substituted(cmd)
        COMMANDS[cmd.name](self, cmd)

    # helpers ---------------------------------------------------------------------------------
    @property
    def system(self) -> Any:
        if self._system is None:
            self._system = self.netlist.circuit.compile()
        return self._system

    def _digits(self) -> int:
        raw = self.variables.get("numdgt")
        try:
            return max(1, min(int(float(raw)), 16)) if raw else 6
        except ValueError:
            return 6

    def _substituted(self, cmd: Command) -> Command:
        """``$var`` and ``$&vector`` replaced (ngspice substitutes before parsing)."""

        def repl(m: re.Match[str]) -> str:
            name = m.group(2).lower()
            if m.group(1):
                values = np.atleast_1d(self._vector(name, cmd))
                return " ".join(f"{float(np.real(v)):G}" for v in values)
            if name in self.variables:
                return self.variables[name]
            raise cmd.error(f"${m.group(2)}: no such variable (set it with 'set {m.group(2)}=...')",
                            m.start())

        rest = _SUBST_RE.sub(repl, cmd.rest)
        text = cmd.card.text[: len(cmd.card.text) - len(cmd.rest)] + rest
        card = Card(cmd.card.file, cmd.card.line, text, text.split())
        new = Command(cmd.name, rest, card)
        if new.name in _ANALYSIS_COMMANDS:
            new.analysis = _analysis(new, self.netlist)
        elif new.name in ("meas", "measure"):
            new.measure = _measure(new, self.netlist)
        return new

    def _vector(self, name: str, cmd: Command) -> np.ndarray:
        from xbar.analysis.vectors import resolve_vector

        key = name.lower().replace(" ", "")
        plot = self.current
        if plot is not None and key in plot.vectors:
            return plot.vectors[key]
        if key in self.const:
            return self.const[key]
        if plot is None or plot.result is None:
            raise cmd.error(f"no vector '{name}': no analysis has run yet (add 'run', 'op', 'tran' "
                            "... before it)")
        try:
            return np.atleast_1d(resolve_vector(plot.result, key, system=plot.system,
                                                extra=plot.vectors))
        except XbarError as exc:
            raise cmd.error(f"{cmd.name}: {exc}") from None

    def _evaluate(self, text: str, cmd: Command, offset: int) -> np.ndarray:
        key = text.strip()
        if _PLAIN_VECTOR_RE.match(key) and not key.lower().startswith(_REDUCTIONS):
            return self._vector(key, cmd)  # as it is: complex for AC results
        expr = _parse(text, cmd, offset, self.netlist)
        env = {name: self._vector(name, cmd) for name in expr.names}
        if any(np.iscomplexobj(v) for v in env.values()):
            raise cmd.error(f"{cmd.name}: arithmetic on complex (AC) vectors is not supported; use "
                            "vm(), vdb(), vp(), vr() or vi() of a vector", offset)
        try:
            value = expr.evaluate(env)
        except NetlistError as exc:
            raise NetlistError(exc.message, exc.location) from None
        return np.atleast_1d(np.asarray(value, dtype=np.float64))

    def _write(self, text: str, redirect: tuple[str, str] | None = None) -> None:
        if redirect is None:
            self.out.write(text)
            return
        mode, target = redirect
        with open(self._path(target), "a" if mode == ">>" else "w") as fh:
            fh.write(text)

    def _path(self, name: str) -> Path:
        p = Path(name.strip("\"'"))
        return p if p.is_absolute() else self.workdir / p

    def _new_plot(self, result: Any) -> _Plot:
        kind = result.kind
        self._counts[kind] = self._counts.get(kind, 0) + 1
        plot = _Plot(result, f"{kind}{self._counts[kind]}", self.system)
        self.plots.append(plot)
        self.current = plot
        return plot

    def _run_analysis(self, card: Any) -> Any:
        from xbar.netlist.elaborate import ANALYSIS_RUNNERS

        if card.kind not in ANALYSIS_RUNNERS:
            raise NetlistError(f"not supported: {card.kind} analysis", card.card.location())
        result = self.netlist.run_analysis(card, self.system, progress=getattr(self, "progress", False))
        self._new_plot(result)
        self._measure_report(result)
        return result

    def _measure_report(self, result: Any) -> None:
        from xbar.analysis.measure import report

        text = report(result.measure_outcomes, result.kind)
        if text:
            self._write(text)


# commands ------------------------------------------------------------------------------------


def _redirect(rest: str) -> tuple[str, tuple[str, str] | None]:
    m = re.search(r"\s(>>?)\s*(\S+)\s*$", " " + rest)
    if m is None:
        return rest, None
    return (" " + rest)[: m.start()].strip(), (m.group(1), m.group(2))


def _cmd_analysis(s: ControlSession, cmd: Command) -> None:
    card = cmd.analysis if cmd.analysis is not None else _analysis(cmd, s.netlist)
    s._run_analysis(card)


def _cmd_run(s: ControlSession, cmd: Command) -> None:
    if cmd.rest:
        raise cmd.error(f"unexpected '{cmd.rest.split()[0]}': 'run' takes no arguments", 0)
    cards = s.netlist.analyses
    if not cards:
        raise cmd.error("'run' found no analysis card (.op, .dc, .tran) in the deck")
    ordered = [c for kind in _RUN_ORDER for c in reversed([c for c in cards if c.kind == kind])]
    ordered += [c for c in cards if c.kind not in _RUN_ORDER]
    for card in ordered:
        s.run_results.append(s._run_analysis(card))


def _names_all(plot: _Plot) -> list[tuple[str, np.ndarray]]:
    """``print all``: every vector of the plot with ngspice's names, sorted."""
    res = plot.result
    out: dict[str, np.ndarray] = {}
    if res is not None:
        for name in res.names:
            if name == "sweep2" or name.startswith("@"):
                continue  # device outputs are not vectors of an ngspice plot unless saved
            if name.startswith("v(") and name.endswith(")"):
                shown = name[2:-1]
            elif name.startswith("i(") and name.endswith(")"):
                shown = f"{name[2:-1]}#branch"
            else:
                shown = name
            out[shown] = np.atleast_1d(res[name])
    out.update(plot.vectors)
    return sorted(out.items())


def _print_lines(s: ControlSession, items: list[tuple[str, np.ndarray]]) -> str:
    """``name = value`` lines; a longer vector as ``name = ( v0 v1 ... )`` wrapped at ``width``
    on tab stops (ngspice's ``print line``)."""
    d = s._digits()
    width = max(_int_var(s, "width", 80), 60)
    lines = []
    for name, values in items:
        if len(values) == 1:
            lines.append(f"{name} = {_cell(values[0], d)}\n")
            continue
        parts = [f"{name} = (  "]
        col = 10
        for v in values:
            text = _cell(v, d)
            parts.append(text)
            col = ((col + len(text) + 7) // 8) * 8 + 1
            if col > width:
                parts.append("\n\t")
                col = 9
            else:
                parts.append("\t")
        parts.append(")\n")
        lines.append("".join(parts))
    return "".join(lines)


def _print_table(s: ControlSession, items: list[tuple[str, np.ndarray]]) -> str:
    """ngspice's column output: pages of ``height`` lines, at most ``width`` characters."""
    plot = s.current
    assert plot is not None
    d = s._digits()
    width = max(_int_var(s, "width", 80), 40)
    height = max(_int_var(s, "height", 60), 20)
    nobreak = "nobreak" in s.variables or "nopage" in s.variables
    res = plot.result
    scale: tuple[str, np.ndarray] | None = None
    if res is not None and res.scale_name and "noprintscale" not in s.variables:
        scale = (res.scale_name, np.atleast_1d(res[res.scale_name]))
    title = s.netlist.title
    pad = " " * max((width - len(title)) // 2, 0)
    chunks: list[str] = []
    rest = list(items)
    def span(item: tuple[str, np.ndarray]) -> int:  # complex columns print 're,<tab>im'
        name, v = item
        real_scale = name == "frequency" and not np.any(np.imag(v))
        return 32 if np.iscomplexobj(v) and not real_scale else 16

    while rest:
        cols = [scale] if scale is not None and rest[0][0] != scale[0] else []
        used = 8 + sum(span(c) for c in cols)
        page: list[tuple[str, np.ndarray]] = []
        for item in rest:
            if used + span(item) > width and len(cols) + len(page) >= 2:
                break
            page.append(item)
            used += span(item)
        rest = rest[len(page):]
        cols = cols + page
        cols = [(n, np.real(v) if span((n, v)) == 16 else v) for n, v in cols]
        header = "Index   " + "".join(f"{name[:15]:<16}" if span((name, v)) == 16 else f"{name[:31]:<32}"
                                     for name, v in cols)
        dash = "-" * width + "\n"
        out = [f"{pad}{title}\n", f"{pad}{plot.typename}  {plot.date}\n", dash, header + "\n", dash]
        npoints = max(len(v) for _, v in cols)
        lineno = 5
        for j in range(npoints):
            if lineno >= height and not nobreak:
                out.append("\f\n" + header + "\n" + dash)
                lineno = 2
            cells = "".join((_cell(v[j], d).replace(",", ",\t") + "\t") if j < len(v) else "\t\t"
                            for _, v in cols)
            out.append(f"{j}\t{cells}\n")
            lineno += 1
        chunks.append("".join(out))
    return "\f\n".join(chunks)


def _int_var(s: ControlSession, name: str, default: int) -> int:
    raw = s.variables.get(name)
    try:
        return int(float(raw)) if raw else default
    except ValueError:
        return default


def _cmd_print(s: ControlSession, cmd: Command) -> None:
    rest, redirect = _redirect(cmd.rest)
    base = 0
    mode = None
    m = re.match(r"\s*(col|line)\b\s*", rest, re.IGNORECASE)
    if m is not None:
        mode = m.group(1).lower()
        base = m.end()
    if not rest[base:].strip():
        raise cmd.error("'print' needs vectors or expressions to print", len(cmd.rest))
    if s.current is None:
        raise cmd.error("'print': no analysis has run yet (add 'run', 'op', 'tran' ... before it)")
    items: list[tuple[str, np.ndarray]] = []
    for text, off in _expressions(rest[base:]):
        if text.lower() == "all":
            items.extend(_names_all(s.current))
            continue
        items.append((" ".join(text.split()).lower(), s._evaluate(text, cmd, base + off)))
    col = any(len(v) > 1 for _, v in items) if mode is None else mode == "col"
    s._write(_print_table(s, items) if col else _print_lines(s, items), redirect)


def _cmd_wrdata(s: ControlSession, cmd: Command) -> None:
    words = _words_with_offsets(cmd.rest)
    if len(words) < 2:
        raise cmd.error("expected 'wrdata <file> <vector or expression> ...'", len(cmd.rest))
    target, off = words[0]
    plot = s.current
    if plot is None or plot.result is None:
        raise cmd.error("'wrdata': no analysis has run yet")
    res = plot.result
    items = [(re.sub(r"\s+", "", t).lower(), s._evaluate(t, cmd, o)) for t, o in
             _expressions(cmd.rest[off + len(target):])]
    if res.scale_name:
        scale_name, scale = res.scale_name, np.atleast_1d(res[res.scale_name])
    else:  # ngspice takes the plot's first vector as the scale of an operating point
        first = res.names[0]
        scale_name = first[2:-1] if first.startswith("v(") else first
        scale = np.atleast_1d(res[first])
    d = s._digits() if "numdgt" in s.variables else 8
    single = "wr_singlescale" in s.variables
    n = min([len(scale), *(len(v) for _, v in items)])
    lines = []
    if "wr_vecnames" in s.variables:
        names = [scale_name, *[nm for nm, _ in items]] if single else \
            [x for nm, _ in items for x in (scale_name, nm)]
        lines.append("".join(f" {nm:<15}" for nm in names) + "\n")
    for j in range(n):
        row = [float(np.real(scale[j]))] if single else []
        for _, v in items:
            if not single:
                row.append(float(np.real(scale[j])))
            if np.iscomplexobj(v):  # as ngspice: real and imaginary part
                row.extend((float(v[j].real), float(v[j].imag)))
            else:
                row.append(float(v[j]))
        lines.append("".join(f"{x: .{d}e} " for x in row) + "\n")
    mode = "a" if "appendwrite" in s.variables else "w"
    try:
        with open(s._path(target), mode) as fh:
            fh.write("".join(lines))
    except OSError as exc:
        raise cmd.error(f"cannot write '{target}': {exc.strerror or exc}", off) from None


def _cmd_write(s: ControlSession, cmd: Command) -> None:
    from xbar.io.export import result_to_plot
    from xbar.io.rawfile import RawPlot, read_rawfile, write_rawfile

    words = _words_with_offsets(cmd.rest)
    plot = s.current
    if plot is None or plot.result is None:
        raise cmd.error("'write': no analysis has run yet")
    target = words[0][0] if words else "rawspice.raw"
    raw = result_to_plot(plot.result, s.netlist.title)
    exprs = _expressions(cmd.rest[words[0][1] + len(target):]) if len(words) > 1 else []
    if exprs or plot.vectors:
        names, types, cols = [], [], []
        wanted = [(re.sub(r"\s+", "", t).lower(), s._evaluate(t, cmd, o)) for t, o in exprs] if exprs \
            else [(n, np.atleast_1d(raw.data[:, k])) for k, n in enumerate(raw.names)] + \
            sorted(plot.vectors.items())
        scale = plot.result.scale_name
        if scale and all(nm != scale for nm, _ in wanted):
            wanted.insert(0, (scale, np.atleast_1d(plot.result[scale])))
        if not exprs:  # as 'print all': device outputs (@d1[vd]) only when asked for
            wanted = [(nm, v) for nm, v in wanted if not nm.startswith("@")]
        npts = raw.data.shape[0]
        for nm, v in wanted:
            names.append(nm)
            types.append(raw.types[raw.names.index(nm)] if nm in raw.names else "notype")
            cols.append(np.broadcast_to(v, (npts,)) if len(v) in (1, npts) else v[:npts])
        raw = RawPlot(title=raw.title, plotname=raw.plotname, flags="real", names=names, types=types,
                      data=np.column_stack(cols))
    path = s._path(target)
    binary = s.variables.get("filetype", "binary").strip("\"'").lower() != "ascii"
    plots = [raw]
    if "appendwrite" in s.variables and path.is_file():
        plots = [*read_rawfile(path), raw]
    write_rawfile(path, plots, binary=binary)
    s._write(f"{'binary' if binary else 'ASCII'} raw file \"{target}\"\n")


def _cmd_let(s: ControlSession, cmd: Command) -> None:
    name, body, off = _let_parts(cmd, s.netlist)
    value = s._evaluate(body, cmd, off)
    if s.current is None:
        s.const[name] = value
    else:
        s.current.vectors[name] = value


def _cmd_meas(s: ControlSession, cmd: Command) -> None:
    from xbar.analysis.measure import evaluate_measures
    from xbar.analysis.vectors import resolve_vector

    spec = cmd.measure if cmd.measure is not None else _measure(cmd, s.netlist)
    plot = s.current
    if plot is None or plot.result is None:
        raise cmd.error("'meas': no analysis has run yet")
    if plot.result.kind != spec.analysis:
        raise cmd.error(f"'meas {spec.analysis}' on the current plot, which is a {plot.result.kind} "
                        "analysis", 0)
    params = {**s.netlist.params, **{k: float(v[0]) for k, v in plot.vectors.items() if len(v) == 1}}
    outcomes = evaluate_measures(
        [spec], plot.result, params=params, control=True,
        vector=lambda res, name: resolve_vector(res, name, system=plot.system, params=params,
                                                extra=plot.vectors))
    for o in outcomes:
        if o.value is None:
            s._write(f"Error: measure  {spec.name}  {spec.function}: {o.error}\n"
                     f" meas {cmd.rest} failed!\n\n")
        else:
            s._write(o.line + "\n")
            plot.vectors[spec.name] = np.array([o.value])


def _cmd_set(s: ControlSession, cmd: Command) -> None:
    for m in _SET_RE.finditer(cmd.rest):
        value = m.group(2) or ""
        if value[:1] == '"' or value[:1] == "(":
            value = value[1:-1].strip()
        s.variables[m.group(1).lower()] = value


def _cmd_unset(s: ControlSession, cmd: Command) -> None:
    for word in cmd.rest.split():
        s.variables.pop(word.lower(), None)


def _cmd_echo(s: ControlSession, cmd: Command) -> None:
    """Words joined by one blank; quoted text kept as written (without the quotes); commas
    outside quotes separate words, as in ngspice."""
    rest, redirect = _redirect(cmd.rest)
    words: list[str] = []
    current: list[str] = []
    quote = ""
    started = False
    for ch in rest:
        if quote:
            if ch == quote:
                quote = ""
            else:
                current.append(ch)
        elif ch in "'\"":
            quote = ch
            started = True
        elif ch in " \t,":
            if started or current:
                words.append("".join(current))
            current, started = [], False
        else:
            current.append(ch)
    if started or current:
        words.append("".join(current))
    s._write(" ".join(words) + "\n", redirect)


def _cmd_save(s: ControlSession, cmd: Command) -> None:
    """Every vector is kept anyway; ``save`` is accepted and does nothing."""


def _cmd_quit(s: ControlSession, cmd: Command) -> None:
    s.quit = True


#: Control-language commands: name -> handler(session, command). The analysis commands read
#: their arguments with the dot-card rules; ``ac`` works once an ``ac`` runner is registered.
COMMANDS: dict[str, Callable[[ControlSession, Command], None]] = {
    "op": _cmd_analysis, "dc": _cmd_analysis, "tran": _cmd_analysis, "ac": _cmd_analysis,
    "run": _cmd_run, "print": _cmd_print, "wrdata": _cmd_wrdata, "write": _cmd_write,
    "let": _cmd_let, "meas": _cmd_meas, "measure": _cmd_meas, "set": _cmd_set,
    "unset": _cmd_unset, "echo": _cmd_echo, "save": _cmd_save, "quit": _cmd_quit,
    "exit": _cmd_quit,
}
