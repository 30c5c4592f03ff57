"""Deck -> :class:`Netlist`: parameters, models, options, element cards, subcircuit flattening.

Values are numbers with SPICE suffixes or ``{expression}`` / ``'expression'`` evaluated by the
project's own safe parser in the card's parameter scope. Subcircuits are flattened with
ngspice's names: node ``x1.n3``, element ``r.x1.r1``, nested ``x1.x2.n``.

Every check that can point at a token is made here, with the token's column: values, node and
model names, controlling sources of F/H, ``.ic`` nodes, sweep targets and steps, output vectors.
Plain resistor cards (``R<name> n1 n2 <number>``, the bulk of a crossbar deck) take a fast path
that is buffered and added to the circuit in bulk.
"""

from __future__ import annotations

import difflib
import itertools
import re
from array import array
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from xbar import validate
from xbar.circuit import GROUND_NAMES, Circuit
from xbar.devices.params import out_of_range_message
from xbar.errors import (
    ArgumentTypeError,
    ModelCardError,
    NetlistError,
    SourceLocation,
    XbarError,
    warn,
)
from xbar.limits import check_count
from xbar.netlist.bulk import ElementBlock
from xbar.netlist.expr import Dialect, FunctionTable, parse_expression
from xbar.netlist.lexer import Card, scan
from xbar.netlist.parser import UNSUPPORTED_HINTS, Deck, SubcktDef, parse_file, parse_text
from xbar.options import SimOptions
from xbar.reprs import short_repr
from xbar.units import bad_tail, parse_number
from xbar.validate import real

__all__ = [
    "HARMLESS_OPTIONS",
    "AnalysisCard",
    "Netlist",
    "elaborate",
    "read_netlist",
    "read_netlist_text",
]

_WAVE_KINDS = frozenset({"pulse", "sin", "sine", "pwl", "exp"})
_UNSUPPORTED_WAVES = frozenset({"sffm", "am", "trnoise", "trrandom", "pat", "poly", "value", "table"})
_MAX_DEPTH = 64
_PARAM_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(\([^()=]*\))?\s*=(?!=)")
_BRANCH_KINDS = frozenset("vleh")
_METHODS = ("trap", "trapezoidal", "gear", "be")
#: ngspice ``.options`` names that change only printing, accounting or bookkeeping, never the
#: numbers (ngspice manual, "General Options"; cktsopt.c): accepted with one warning line.
HARMLESS_OPTIONS = frozenset({
    "acct", "noacct", "noinit", "list", "nomod", "nopage", "node", "opts", "savecurrents",
    "keepopinfo", "warn", "maxwarns", "numdgt", "cptime", "limtim", "limpts", "lvlcod", "lvltim",
    "klu", "sparse", "norefvalue",
    # output-window size of ngspice's plot data, and device bypass (xbar always bypasses a
    # device whose voltages moved below the tolerances, see xbar/devices/local.py)
    "plotwinsize", "bypass",
})
# one .print/.save item: a vector with parentheses, name=value (format=csv), or a word
_OUTPUT_ITEM_RE = re.compile(r"[^\s(),=]+\s*\([^()]*\)|[^\s(),=]+\s*=\s*[^\s(),]+|[^\s(),]+")
# plot limits of a '.plot' card: '(0, 5)' or '(1e-3,2)' not attached to a vector name
_PLOT_LIMITS_RE = re.compile(r"(?<![^\s])\([^()]*\)")
_SCALE_WORDS = frozenset({"all", "time", "v-sweep", "i-sweep", "res-sweep", "temp-sweep"})

_FORMS = {
    "r": "R<name> n+ n- value",
    "c": "C<name> n+ n- value [IC=v0]",
    "l": "L<name> n+ n- value [IC=i0]",
    "v": "V<name> n+ n- [[DC] value] [AC mag [phase]] [PULSE(...)|SIN(...)|PWL(...)|EXP(...)]",
    "i": "I<name> n+ n- [[DC] value] [AC mag [phase]] [PULSE(...)|SIN(...)|PWL(...)|EXP(...)]",
    "e": "E<name> n+ n- nc+ nc- gain",
    "g": "G<name> n+ n- nc+ nc- transconductance",
    "f": "F<name> n+ n- vcontrol gain",
    "h": "H<name> n+ n- vcontrol transresistance",
    "d": "D<name> anode cathode model [area]",
    "x": "X<name> nodes... subckt [params:] [name=value ...]",
    "y": "Y<name> terminals... model [name=value ...]",
    "b": "B<name> n+ n- V=<expression> | I=<expression> [m=<value>]",
    "k": "K<name> L1 L2 coupling",
    "m": "M<name> drain gate source bulk model [W=w] [L=l] [M=m] [AD= AS= PD= PS= NRD= NRS=]",
    "q": "Q<name> collector base emitter [substrate] model [area] [M=m]",
}
_KIND_WORD = {
    "r": "resistor", "c": "capacitor", "l": "inductor", "v": "voltage source", "i": "current source",
    "e": "VCVS", "g": "VCCS", "f": "CCCS", "h": "CCVS", "d": "diode", "x": "subcircuit instance",
    "y": "Y device", "b": "behavioural source", "k": "coupled inductor", "m": "MOSFET",
    "q": "bipolar transistor",
}
_DC_FORM = ("expected '.dc src start stop step [src2 start2 stop2 step2]' "
            "(or 'src dec|oct|lin points start stop', 'src list v1 v2 ...')")
_TRAN_FORM = "expected '.tran tstep tstop [tstart [tmax]] [uic]'"


@dataclass
class AnalysisCard:
    """An analysis request from the deck (``.op``, ``.dc``, ``.tran``)."""

    __repr__ = short_repr

    kind: str
    args: dict[str, Any]
    card: Card


@validate.checked_calls
@dataclass
class Netlist:
    """A read deck: the flat circuit, its analyses and output requests."""

    __repr__ = short_repr

    title: str
    file: str
    circuit: Circuit
    analyses: list[AnalysisCard] = field(default_factory=list)
    prints: list[tuple[str, list[str], Card]] = field(default_factory=list)
    saves: list[str] = field(default_factory=list)
    measures: list[Any] = field(default_factory=list)
    """Parsed ``.meas`` cards (:class:`xbar.analysis.measure.MeasureSpec`), in deck order."""
    derived: list[str] = field(default_factory=list)
    """Vectors computed after a run (element currents such as ``i(r1)``) that ``.print``,
    ``.save`` or ``.meas`` ask for; added to every result that can hold them."""
    params: dict[str, float] = field(default_factory=dict)
    csparams: dict[str, float] = field(default_factory=dict)
    """Values of ``.csparam`` cards: constant vectors of the ``.control`` script (as ngspice)."""
    """Top-level parameter values (``.param``)."""
    dialect: Any = None
    """Expression dialect of the deck (its ``.func`` user functions)."""
    control: Any = None
    """The ``.control`` script (:class:`xbar.netlist.control.ControlScript`) or None."""
    analysis_parser: Any = field(default=None, repr=False)
    """``parser(card, head) -> AnalysisCard``: reads analysis commands of the control language
    with the deck's parameters (set by the elaborator)."""
    requests: list[tuple[str, SourceLocation]] = field(default_factory=list)
    """Every ``.print``/``.save``/``.probe`` vector with where it was written."""

    def check_outputs(self, system: Any | None = None) -> None:
        """Check every requested output vector against the compiled circuit.

        Nodes and element names are checked when the deck is read; device quantities
        (``@y1[state]``) need the compiled device groups, so :meth:`run` calls this before
        the first analysis: a typo fails at once with ``file:line:col``, not after a long
        transient.
        """
        from xbar.analysis.op import op_vectors

        device_vectors = [v for v, _ in self.requests if v.startswith("@") and v not in self.derived]
        if not device_vectors:
            return
        system = system if system is not None else self.circuit.compile()
        with np.errstate(all="ignore"):
            names = op_vectors(system, np.zeros(system.n))[0]
        available = set(names)
        for vec, loc in self.requests:
            if not vec.startswith("@") or vec in available or vec in self.derived:
                continue  # derived vectors (@r1[i] …) are computed after the run
            device, key = vec[1:-1].split("[", 1)
            try:
                group, _ = system.group_of(device)
            except KeyError:
                raise NetlistError(f"cannot output '{vec}': '{device}' is not an element of the circuit",
                                   loc) from None
            have = [k.split("[", 1)[1][:-1] for k in names if k.startswith(f"@{device}[")]
            what = f"{group.kind} '{device}'"
            listing = f"its quantities: {', '.join(have)}" if have else "it has no device quantities"
            raise NetlistError(f"cannot output '{vec}': {what} has no quantity '{key}'; {listing}",
                               loc.with_col(loc.col + 2 + len(device)))

    def run(self, progress: bool | None = None) -> list[Any]:
        """Run every analysis card in deck order; returns their results.

        ``.meas`` cards of each analysis kind are evaluated on its results
        (``result.measurements``). Output requests are checked first (:meth:`check_outputs`).
        ``progress`` shows progress bars for sweeps and transients (``None``: only for runs that
        take more than a few seconds). After an analysis interrupted with Ctrl-C (its result has
        ``interrupted`` set) the remaining analyses are skipped.
        """
        if progress is not None:
            progress = validate.boolean(progress, "progress")
        system = self.circuit.compile()
        self.check_outputs(system)
        results: list[Any] = []
        for a in self.analyses:
            results.append(self.run_analysis(a, system, progress=progress))
            if results[-1].interrupted:
                break
        return results

    def run_control(self, out: Any = None, *, workdir: str | Path = ".", progress: bool = False) -> Any:
        """Execute the deck's ``.control`` block (see :mod:`xbar.netlist.control`).

        ``out`` receives what the script prints (default: standard output); files it writes
        (``wrdata``, ``write``) are relative to ``workdir``. Returns the
        :class:`~xbar.netlist.control.ControlSession` (``.results``, ``.quit``, ``.plots``).
        Raises :class:`NetlistError` when the deck has no ``.control`` block.
        """
        from xbar.netlist.control import ControlSession

        if self.control is None:
            raise NetlistError(f"{self.file} has no .control block")
        return ControlSession(self, out, workdir=workdir).run(progress=progress)

    def run_analysis(self, card: AnalysisCard, system: Any = None, *, progress: bool | None = False,
                     measure: bool = True) -> Any:
        """Run one analysis (a deck card or a control-language command) and finish its result:
        derived vectors added, measurements evaluated (``measure=False`` skips them)."""
        if system is None:
            system = self.circuit.compile()
        runner = ANALYSIS_RUNNERS.get(card.kind)
        if runner is None:  # pragma: no cover - cards are checked when read
            raise NetlistError(f"not supported: analysis '{card.kind}'", card.card.location())
        result = runner(system, card.args, progress)
        self._finish(result, system, card, measure)
        return result

    def _finish(self, result: Any, system: Any, card: AnalysisCard, measure: bool) -> None:
        from xbar.analysis.measure import Measurements, evaluate_measures
        from xbar.analysis.vectors import resolve_vector

        if card.kind == "dc":
            result.sweep_target = card.args["sweeps"][0][0]
        extra: dict[str, Any] = {}
        for name in self.derived:
            if name in result.names:
                continue
            try:
                extra[name] = resolve_vector(result, name, system=system)
            except XbarError:
                continue  # e.g. not meaningful for this analysis; .print reports what it misses
        if extra:
            result.add_vectors(extra)
        outcomes = []
        if measure and self.measures:
            outcomes = evaluate_measures(
                self.measures, result, params=self.params,
                vector=lambda res, name: resolve_vector(res, name, system=system, params=self.params,
                                                        dialect=_measure_dialect(self.dialect)))
        result.measure_outcomes = outcomes
        result.measurements = Measurements(
            {o.spec.name: o.value for o in outcomes if o.value is not None},
            failures={o.spec.name: o.error for o in outcomes if o.value is None})


def _run_op(system: Any, args: dict[str, Any], progress: bool | None) -> Any:
    from xbar.analysis.op import run_op

    return run_op(system)


def _run_dc(system: Any, args: dict[str, Any], progress: bool | None) -> Any:
    from xbar.analysis.dc import SweepSpec, run_dc

    return run_dc(system, [SweepSpec(*s) for s in args["sweeps"]], progress=progress)


def _run_tran(system: Any, args: dict[str, Any], progress: bool | None) -> Any:
    from xbar.analysis.tran import TranSpec, run_tran

    return run_tran(system, TranSpec(**args), progress=progress)


#: Analysis kind -> ``runner(system, args, progress) -> result``; used by the deck's analysis
#: cards and by the control language's analysis commands (a new analysis registers here).
def _run_ac(system: Any, args: dict[str, Any], progress: bool) -> Any:
    from xbar.analysis.ac import AcSpec, run_ac

    return run_ac(system, AcSpec(**args))


ANALYSIS_RUNNERS: dict[str, Any] = {"op": _run_op, "dc": _run_dc, "tran": _run_tran, "ac": _run_ac}


def _measure_dialect(dialect: Any) -> Dialect:
    """Dialect of ``par('...')`` expressions in measurements: probes plus the deck's functions."""
    functions = dialect.functions if dialect is not None else None
    return Dialect(probes=True, functions=functions)


@validate.checked_call
def read_netlist(path: str | Path, *, params: Mapping[str, float] | None = None,
                 models: Mapping[str, Mapping[str, float]] | None = None) -> Netlist:
    """Read an ngspice-dialect deck from ``path``.

    ``params`` and ``models`` override ``.param`` values and ``.model`` card parameters
    (see :func:`elaborate`).

    Raises
    ------
    NetlistError
        For anything malformed, with ``file:line:col``, the line and a caret.

    Examples
    --------
    >>> import xbar, tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "div.cir"
    >>> _ = p.write_text("divider\\nV1 in 0 2\\nR1 in out 1k\\nR2 out 0 1k\\n.op\\n.end\\n")
    >>> xbar.read_netlist(p).run()[0]["v(out)"]
    1.0
    """
    return elaborate(parse_file(validate.path(path, "read_netlist path")), params=params, models=models)


@validate.checked_call
def read_netlist_text(text: str, *, name: str = "<netlist>", base_dir: str | Path = ".",
                      params: Mapping[str, float] | None = None,
                      models: Mapping[str, Mapping[str, float]] | None = None) -> Netlist:
    """Read a deck from a string (first line is the title); overrides as in :func:`elaborate`.

    Examples
    --------
    >>> deck = read_netlist_text("divider\\nV1 in 0 2\\nR1 in out 1k\\nR2 out 0 1k\\n.op\\n")
    >>> deck.run()[0]["v(out)"]
    1.0
    """
    if isinstance(text, bytes):
        raise ArgumentTypeError("read_netlist_text takes the deck as str; decode the bytes first "
                                "(netlists are UTF-8)")
    validate.text(text, "read_netlist_text text")
    name = validate.text(name, "name")
    base = validate.path(base_dir, "base_dir")
    return elaborate(parse_text(text, name=name, base_dir=base), params=params, models=models)


_DIALECTS: dict[int, tuple[FunctionTable, Dialect, Dialect]] = {}


def _dialects(table: FunctionTable | None) -> tuple[Dialect, Dialect]:
    """(parameter dialect, behavioural-source dialect) with the user functions of ``table``."""
    if table is None:
        return _PARAM_DIALECT, _B_DIALECT
    entry = _DIALECTS.get(id(table))
    if entry is None or entry[0] is not table:
        if len(_DIALECTS) > 256:
            _DIALECTS.clear()
        entry = _DIALECTS[id(table)] = (table, Dialect(functions=table),
                                        Dialect(probes=True, behavioural=True, functions=table))
    return entry[1], entry[2]


_PARAM_DIALECT = Dialect()
_B_DIALECT = Dialect(probes=True, behavioural=True)


class _Scope:
    """Parameter values visible to a card, plus subcircuit, model and function visibility."""

    def __init__(self, params: dict[str, float], subckts: list[dict[str, SubcktDef]],
                 models: dict[str, str], path: str, functions: FunctionTable | None = None) -> None:
        self.params = params
        self.subckts = subckts
        self.models = models
        self.path = path
        self.local: frozenset[str] = frozenset()
        self.m = 1.0
        """Multiplicity of the enclosing instances (``X ... m=``), applied to R C L G F I D."""
        self.functions = functions
        self.dialect, self.b_dialect = _dialects(functions)

    def find_subckt(self, name: str) -> SubcktDef | None:
        for table in self.subckts:
            if name in table:
                return table[name]
        return None


def _is_value(tok: str, scope: _Scope | None = None) -> bool:
    """Whether ``tok`` looks like a value (number, expression, or -- given ``scope`` -- the bare
    name of a defined parameter) rather than a keyword."""
    if tok[0] in "{'" or parse_number(tok) is not None:
        return True
    return scope is not None and tok.lower() in scope.params


def _value(card: Card, idx: int, scope: _Scope | dict[str, float], what: str,
           dialect: Dialect | None = None) -> float:
    """Value of token ``idx``: a SPICE number, an expression in the scope's parameters, or the
    bare name of a defined parameter (``R1 1 0 rval``, as ngspice substitutes it)."""
    tok = card.tokens[idx]
    if isinstance(scope, dict):
        params = scope
    else:
        params = scope.params
        dialect = scope.dialect
    if tok[0] in "{'":
        loc = card.token_location(idx)
        value = parse_expression(tok[1:-1], loc.with_col(loc.col + 1), dialect=dialect).evaluate(params)
        return float(value)  # type: ignore[arg-type]
    v = parse_number(tok)
    if v is None:
        bare = params.get(tok.lower()) if tok[0].isalpha() or tok[0] == "_" else None
        if bare is not None:
            return float(bare)
        hint = ""
        if tok == "=":
            hint = " (a value is missing)"
        else:
            close = difflib.get_close_matches(tok.lower(), list(params), n=1)
            if close:
                hint = f" (no parameter '{tok}'; did you mean '{close[0]}'?)"
        raise card.error(f"expected a number or {{expression}} for {what}, got '{tok}'{hint}", idx)
    tail = bad_tail(tok)
    if tail is not None:
        raise card.error(f"bad number '{tok}' for {what}: '{tail}' after the number is neither a "
                         "scale factor (T G MEG K M U N P F MIL) nor a unit", idx)
    return v


def _kv_pairs(card: Card, start: int) -> tuple[list[int], dict[str, int]]:
    """Positional token indices and key -> value-token index from ``start`` on."""
    pos: list[int] = []
    kv: dict[str, int] = {}
    toks = card.tokens
    i = start
    n = len(toks)
    while i < n:
        if i + 1 < n and toks[i + 1] == "=":
            if i + 2 >= n or toks[i + 2] == "=":
                raise card.error(f"'{toks[i]}=' has no value", i + 1)
            key = toks[i].lower()
            if key[0] in "{'\"":
                raise card.error(f"expected a parameter name before '=', got '{toks[i]}'", i)
            if key in kv:
                raise card.error(f"'{toks[i]}' given twice", i)
            kv[key] = i + 2
            i += 3
            continue
        if toks[i] == "=":
            raise card.error("'=' without a name before it", i)
        pos.append(i)
        i += 1
    return pos, kv


def _first_col(text: str) -> int:
    return 1 if text[:1] != " " else len(text) - len(text.lstrip()) + 1


class _Elaborator:
    def __init__(self, deck: Deck) -> None:
        self.deck = deck
        self.circuit = Circuit(deck.title)
        self.netlist = Netlist(deck.title, deck.file, self.circuit)
        self._globals: dict[str, float] = {}
        # fast-path resistors not yet handed to the circuit (kept in deck order)
        self._r_names: list[str] = []
        self._r_nodes: list[int] = []
        self._r_vals: list[float] = []
        self._r_pending: set[str] = set()
        self._r_lines = array("i")  # deck line and file of each (for warnings at the element)
        self._r_files: list[str] = []
        self._instances: dict[str, Card] = {}
        self._active: list[SubcktDef] = []
        self._controls: list[tuple[Card, int, str, str]] = []
        self._last_ac: tuple[float, float] | None = None
        # overrides of top-level .model card parameters: model name -> {param: value}
        self._model_overrides: dict[str, dict[str, float]] = {}
        self.functions = FunctionTable()
        self._save_currents = False
        self._global_nodes: set[str] = set()
        self._sub_functions: dict[int, FunctionTable] = {}
        self._sub_parent: dict[int, SubcktDef | None] = {}
        self._index_subckts(deck.subckts, None)

    def _index_subckts(self, table: dict[str, SubcktDef], parent: SubcktDef | None) -> None:
        for sub in table.values():
            self._sub_parent[id(sub)] = parent
            self._index_subckts(sub.subckts, sub)

    def _functions_of(self, sub: SubcktDef) -> FunctionTable:
        """User functions visible inside ``sub``: its own ``.func`` cards over its parent's."""
        found = self._sub_functions.get(id(sub))
        if found is not None:
            return found
        parent = self._sub_parent.get(id(sub))
        outer = self._functions_of(parent) if parent is not None else self.functions
        own = [c for c in sub.cards if c.tokens[0].lower() in (".func", ".param")]
        table = outer
        if any(c.tokens[0].lower() == ".func" or _param_items(c, functions_only=True) for c in own):
            table = FunctionTable(parent=outer)
            for c in own:
                self._define_functions(c, table)
        self._sub_functions[id(sub)] = table
        return table

    def _define_functions(self, card: Card, table: FunctionTable) -> None:
        """Define the functions of a ``.func`` card or the ``name(args)=`` items of a ``.param``."""
        if card.tokens[0].lower() == ".func":
            name, args, body, col = _func_card(card)
            table.define(name, args, body, card.location(col))
            return
        for name, args, body, col in _param_items(card, functions_only=True):
            table.define(name, args or (), body, card.location(col))

    def _map_node(self, n: str, path: str, nodemap: dict[str, str]) -> str:
        """Flattened name of node ``n`` (lower case) written inside instance ``path``."""
        if n in GROUND_NAMES or not path or n in self._global_nodes:
            return n
        return nodemap.get(n, f"{path}.{n}")

    # top level ---------------------------------------------------------------------------
    def run(self) -> Netlist:
        deck = self.deck
        scope = _Scope(dict(self._globals), [deck.subckts], {}, "", self.functions)
        cards = deck.cards
        dots = [card for card in cards if card.tokens[0][0] == "."]
        harmless: list[tuple[str, Card]] = []
        for card in dots:
            head = card.tokens[0].lower()
            if head == ".model":
                self._model(card, scope)
            elif head in (".options", ".option", ".opt", ".temp"):
                harmless.extend(self._options(card, head, scope))
        self._warn_ignored_options(harmless)
        self._elements(cards, scope)
        if self._save_currents:  # as ngspice: @r[i] of every resistor, @d[id] of every diode
            kinds = self.circuit.element_kind
            self.netlist.derived.extend(f"@{n}[{'i' if k == 'r' else 'id'}]" for n, k in kinds.items()
                                        if k in ("r", "d"))
        for card in dots:
            head = card.tokens[0].lower()
            if head in (".ic", ".nodeset"):
                self._ic(card, head, scope)
            elif head in (".op", ".dc", ".tran", ".ac"):
                self._analysis(card, head, scope)
            elif head in (".print", ".save", ".probe", ".plot"):
                self._outputs(card, head)
            elif head in (".meas", ".measure"):
                self._measure(card, scope)
            elif head == ".csparam":
                self._csparam(card, scope)
            elif head == ".title":
                parts = card.text.split(None, 1)
                self.netlist.title = self.circuit.title = parts[1] if len(parts) > 1 else ""
        self.netlist.params = dict(scope.params)
        self.netlist.dialect = scope.dialect
        self.netlist.analysis_parser = lambda card, head: self._analysis_card(card, head, scope)
        if deck.control:
            from xbar.netlist.control import parse_control

            self.netlist.control = parse_control(deck.control, self.netlist)
        return self.netlist

    def _elements(self, cards: list[Card], scope: _Scope) -> None:
        c = self.circuit
        kinds = c.element_kind
        pending = self._r_pending
        node_index = c.node_index
        new_node = c.node
        names, nodes, vals = self._r_names, self._r_nodes, self._r_vals
        lines, files = self._r_lines, self._r_files
        # value token -> value for the fast path (0.0: not a plain nonzero number)
        numbers: dict[str, float] = {}
        for card in cards:
            if card.bulk is not None:
                self._bulk(card.bulk)
                continue
            toks = card.tokens
            head = toks[0]
            first = head[0]
            if first == ".":
                continue
            if (first == "r" or first == "R") and len(toks) == 4:
                # fast path: R<name> n1 n2 <plain number>
                vtok = toks[3]
                v = numbers.get(vtok)
                if v is None:
                    v = parse_number(vtok)
                    if v is None or bad_tail(vtok) is not None:
                        v = 0.0
                    if len(numbers) < 100_000:
                        numbers[vtok] = v
                a, b = toks[1], toks[2]
                name = head.lower()
                if (1e-30 <= abs(v) <= 1e30 and a[0] not in "{'\"=" and b[0] not in "{'\"="
                        and a.isprintable() and b.isprintable()
                        and name not in kinds and name not in pending):
                    a = a.lower()
                    b = b.lower()
                    ia = node_index.get(a)
                    if ia is None:
                        ia = new_node(a)
                    ib = node_index.get(b)
                    if ib is None:
                        ib = new_node(b)
                    names.append(name)
                    nodes.append(ia)
                    nodes.append(ib)
                    vals.append(v)
                    lines.append(card.line)
                    files.append(card.file)
                    pending.add(name)
                    continue
            self._element(card, scope, {}, 0)
        self._flush_r()
        self._check_controls()

    def _flush_r(self) -> None:
        if not self._r_names:
            return
        # the lists are cleared in place: _elements holds references to them
        nodes = np.array(self._r_nodes, dtype=np.int64).reshape(-1, 2)
        vals = np.array(self._r_vals, dtype=np.float64)
        self.circuit.add_many("r", list(self._r_names), nodes, {"r": vals},
                              sources=(list(self._r_files), array("i", self._r_lines)))
        self._r_files.clear()
        del self._r_lines[:]
        self._r_names.clear()
        self._r_nodes.clear()
        self._r_vals.clear()
        self._r_pending.clear()

    def _bulk(self, block: ElementBlock) -> None:
        """Add a run of plain element lines read by the fast path (:mod:`xbar.netlist.bulk`)."""
        self._flush_r()  # single fast-path resistors first: deck order, duplicate checks
        c = self.circuit
        kinds = c.element_kind
        letter = block.letter
        before = len(kinds)
        clash = not kinds.keys().isdisjoint(block.names)
        if not clash:
            kinds.update(zip(block.names, itertools.repeat(letter)))
        if clash or len(kinds) != before + len(block):  # a name defined before or twice
            if not clash:  # undo (none of the names was there before)
                for name in block.names:
                    kinds.pop(name, None)
            seen: set[str] = set()
            for k, name in enumerate(block.names):
                if name in kinds or name in seen:
                    where = self._first_definition(name)
                    raise block.card(k).error(f"duplicate element name '{name}'{where}", 0)
                seen.add(name)
        nodes = c._node_indices(block.nodes).reshape(-1, 2)
        values = block.values[:, None]
        if letter in "cl":  # no initial condition
            values = np.column_stack([block.values, np.full(len(block), np.nan)])
        c._append_block(letter, block.names, nodes, values,
                        sources=([block.file] * len(block), block.lines))

    def _first_definition(self, name: str) -> str:
        """' (first defined at file:line)' for element ``name``, or '' when unknown."""
        c = self.circuit
        kind = c.element_kind.get(name)
        table = c.tables.get(kind) if kind is not None else None
        if table is not None:
            all_names = [n for chunk in table.chunk_names for n in chunk] + table.names
            if name in all_names:
                k = all_names.index(name)
                loc = table.locations[k] if k < len(table.locations) else None
                if loc is not None:
                    return f" (first defined at {loc.file}:{loc.line})"
        for store in getattr(c, "y_instances", {}).values():
            if name in store["names"]:
                loc = store["loc"][store["names"].index(name)]
                if loc is not None:
                    return f" (first defined at {loc.file}:{loc.line})"
        for card in self.deck.cards:
            block = card.bulk
            if block is not None:
                if name in block.names:
                    return f" (first defined at {block.file}:{block.lines[block.names.index(name)]})"
            elif card.tokens[0].lower() == name:
                return f" (first defined at {card.file}:{card.line})"
        return ""

    def _param(self, card: Card, scope: _Scope, overrides: Mapping[str, float] | None = None) -> None:
        """Evaluate the ``name=value`` items of a ``.param`` card (function items are defined
        beforehand by :meth:`_define_functions`); ``overrides`` replace values by name."""
        for name, args, value_text, col in _param_items(card):
            if args is not None:
                continue
            expr = parse_expression(value_text, card.location(col), dialect=scope.dialect)
            if overrides is not None and name.lower() in overrides:
                scope.params[name] = float(overrides[name.lower()])
                continue
            if name in expr.names and name not in scope.params:
                raise NetlistError(f"parameter '{name}' is defined in terms of itself ('{name} = {value_text}'); "
                                   "give it a value that does not use it", card.location(col))
            scope.params[name] = float(expr.evaluate(scope.params))  # type: ignore[arg-type]

    def _csparam(self, card: Card, scope: _Scope) -> None:
        """``.csparam name=expr ...``: values (of the netlist's parameters) that the ``.control``
        script reads as constant vectors; they define no netlist parameter, as in ngspice."""
        for name, args, value_text, col in _param_items(card):
            if args is not None:
                raise NetlistError(f"'.csparam' defines values, not functions ('{name}(...)')", card.location(col))
            expr = parse_expression(value_text, card.location(col), dialect=scope.dialect)
            self.netlist.csparams[name.lower()] = float(expr.evaluate(scope.params))  # type: ignore[arg-type]

    def _model(self, card: Card, scope: _Scope) -> None:
        from xbar.devices.diode import DIODE_PARAMS

        toks = card.tokens
        form = "expected '.model <name> <type> [(name=value ...)]'"
        if len(toks) < 3:
            raise ModelCardError(f"'.model' needs a name and a type; {form}", card.token_location(len(toks)))
        if toks[1] == "=" or toks[1][0] in "{'\"":
            raise ModelCardError(f"expected a model name, got '{toks[1]}'; {form}", card.token_location(1))
        name, mtype = toks[1].lower(), toks[2].lower()
        key = f"{scope.path}:{name}" if scope.path else name
        if key in self.circuit.models:
            first = self.circuit.models[key].location
            where = f" (first defined at {first.file}:{first.line})" if first is not None else ""
            raise ModelCardError(f"duplicate model '{toks[1]}'{where}", card.token_location(1))
        if mtype == "d":
            what = "diode model"
            table = {k: (v[1], v[2], "") for k, v in DIODE_PARAMS.items()}
        else:
            kind_cls = _y_kind(mtype)
            if kind_cls is None:
                from xbar.devices.registry import DEVICE_KINDS

                kinds = ", ".join(["D", *sorted(DEVICE_KINDS)])
                raise ModelCardError(f"not supported: model type '{toks[2]}' at {card.file}:{card.line} "
                                     f"(supported: {kinds})", card.token_location(2))
            what = f"{mtype} model"
            table = {p.name: (p.lo, p.hi, p.unit) for p in (*kind_cls.card_params, *kind_cls.instance_params)}
            refuse = getattr(kind_cls, "refuse_card", None)
            if refuse is not None:  # e.g. MOSFET levels other than 1, named before any parameter check
                _, kv0 = _kv_pairs(card, 3)
                lvl = _value(card, kv0["level"], scope, "model parameter 'level'") if "level" in kv0 else None
                reason = refuse(mtype, toks[1], lvl, set(kv0))
                if reason:
                    what, hint = reason
                    raise ModelCardError(f"not supported: {what} at {card.file}:{card.line} ({hint})",
                                         card.token_location(kv0.get("level", 2)))
        pos, kv = _kv_pairs(card, 3)
        if pos:
            raise ModelCardError(f"expected name=value, got '{toks[pos[0]]}'; {form}",
                                 card.token_location(pos[0]))
        params: dict[str, float] = {}
        for k, i in kv.items():
            if k not in table:
                raise ModelCardError(f"{what} '{toks[1]}': parameter '{toks[i - 2]}' is not supported; "
                                     f"supported: {', '.join(table)}", card.token_location(i - 2))
            v = _value(card, i, scope, f"model parameter '{k}'")
            lo, hi, unit = table[k]
            if not lo <= v <= hi:
                raise ModelCardError(f"{what} '{toks[1]}': {out_of_range_message(k, v, lo, hi, unit)}",
                                     card.token_location(i))
            params[k] = v
        if not scope.path and name in self._model_overrides:
            for k, v in self._model_overrides.pop(name).items():
                if k not in table:
                    raise ModelCardError(f"override of {what} '{toks[1]}': parameter '{k}' is not "
                                         f"supported; supported: {', '.join(table)}",
                                         card.location(_first_col(card.text)))
                lo, hi, unit = table[k]
                if not lo <= v <= hi:
                    unit = f" {unit}" if unit and unit != "-" else ""
                    raise ModelCardError(f"override of {what} '{toks[1]}': {k}={v:g} is outside "
                                         f"[{lo:g}, {hi:g}]{unit}", card.location(_first_col(card.text)))
                params[k] = v
        if scope.path:
            scope.models[name] = key
        self.circuit.model(key, mtype, location=card.location(_first_col(card.text)), **params)

    def _options(self, card: Card, head: str, scope: _Scope) -> list[tuple[str, Card]]:
        """Apply an ``.options``/``.temp`` card; return the options accepted without effect
        (ngspice options that do not change results, see :data:`HARMLESS_OPTIONS`)."""
        toks = card.tokens
        where = f"{card.file}:{card.line}"
        supported = ", ".join(SimOptions.names())
        ignored: list[tuple[str, Card]] = []
        if head == ".temp":
            if len(toks) != 2:
                raise card.error("expected '.temp <degrees C>'", min(len(toks), 2))
            values: dict[str, Any] = {"temp": _value(card, 1, scope, "temperature")}
        else:
            pos, kv = _kv_pairs(card, 1)
            values = {}
            for i in pos:
                tok = toks[i].lower()
                if tok == "savecurrents":
                    self._save_currents = True
                flag = SimOptions.FLAGS.get(tok)
                if flag is None:
                    if tok in HARMLESS_OPTIONS:
                        ignored.append((tok, card))
                        continue
                    raise card.error(f"not supported: option '{toks[i]}' at {where}; options are written "
                                     f"name=value (or one of the flags {', '.join(SimOptions.FLAGS)}), "
                                     f"supported: {supported} (and, without effect on results, "
                                     f"{', '.join(sorted(HARMLESS_OPTIONS))})", i)
                values[flag[0]] = flag[1]
            known = set(SimOptions.names()) | {"maxord"}
            for k, i in kv.items():
                if k in HARMLESS_OPTIONS and k not in known:
                    ignored.append((k, card))
                    continue
                if k not in known:
                    raise card.error(f"not supported: option '{toks[i - 2]}' at {where}; "
                                     f"supported options: {supported}", i - 2)
                if k == "method":
                    method = toks[i].lower()
                    if method not in _METHODS:
                        raise card.error(f"method must be one of trap, gear, be, got '{toks[i]}'", i)
                    values[k] = method
                    continue
                values[k] = _value(card, i, scope, f"option '{k}'")
                SimOptions.coerce({k: values[k]}, card.token_location(i))
        self.circuit.options = replace(self.circuit.options, **SimOptions.coerce(values, card.location(1)))
        return ignored

    @staticmethod
    def _warn_ignored_options(ignored: list[tuple[str, Card]]) -> None:
        """One warning line for every accepted option that does not change results."""
        if not ignored:
            return
        names = list(dict.fromkeys(name for name, _ in ignored))
        first = ignored[0][1]
        warn(f"accepted without effect (ngspice options that do not change results): {', '.join(names)}",
             first.location())

    def _ic(self, card: Card, head: str, scope: _Scope) -> None:
        toks = card.tokens
        target = self.circuit.ic if head == ".ic" else self.circuit.nodeset
        form = f"expected '{head} v(node)=value ...'"
        if len(toks) < 2:
            raise card.error(form, 1)
        i = 1
        while i < len(toks):
            if toks[i].lower() != "v" or toks[i + 2 : i + 3] != ["="]:
                raise card.error(f"expected 'v(node)=value', got '{toks[i]}'; {form}", i)
            if i + 3 >= len(toks):
                raise card.error(f"'v({toks[i + 1]})=' has no value; {form}", i + 3)
            node = toks[i + 1].lower()
            if node in GROUND_NAMES:
                raise card.error(f"{head} cannot set the ground node", i + 1)
            if node not in self.circuit.node_index:
                raise card.error(f"{head} names node '{toks[i + 1]}', which is not in the circuit", i + 1)
            target[node] = real(_value(card, i + 3, scope, f"{head} value"), f"{head} value of node '{toks[i + 1]}'",
                                location=card.token_location(i + 3), unit="V")
            i += 4

    def _analysis(self, card: Card, head: str, scope: _Scope) -> None:
        self.netlist.analyses.append(self._analysis_card(card, head, scope))

    def _analysis_card(self, card: Card, head: str, scope: _Scope) -> AnalysisCard:
        """The analysis of a card (``head`` is ``.op``, ``.dc`` or ``.tran``; the first token of
        ``card`` is not read, so control-language commands use the same code)."""
        toks = card.tokens
        if head == ".op":
            if len(toks) > 1:
                raise card.error(f"unexpected '{toks[1]}': '.op' takes no arguments", 1)
            return AnalysisCard("op", {}, card)
        if head == ".tran":
            return AnalysisCard("tran", self._tran_args(card, scope), card)
        if head == ".dc":
            return AnalysisCard("dc", {"sweeps": self._dc_sweeps(card, scope)}, card)
        if head == ".ac":
            return AnalysisCard("ac", ac_args(card, scope.params), card)
        hint = UNSUPPORTED_HINTS.get(head, "unknown analysis")
        raise card.error(f"not supported: {toks[0]} at {card.file}:{card.line} ({hint})", 0)

    def _tran_args(self, card: Card, scope: _Scope) -> dict[str, Any]:
        from xbar.analysis.tran import TranSpec

        toks = card.tokens
        uics = [i for i in range(1, len(toks)) if toks[i].lower() == "uic"]
        if len(uics) > 1:
            raise card.error(f"'uic' given twice; {_TRAN_FORM}", uics[1])
        if uics and uics[0] != len(toks) - 1:
            raise card.error(f"'uic' must come last; {_TRAN_FORM}", uics[0])
        idx = [i for i in range(1, len(toks)) if i not in uics]
        if len(idx) < 2:
            what = "tstep and tstop" if not idx else "tstop"
            raise card.error(f"'.tran' needs {what}; {_TRAN_FORM}", idx[-1] + 1 if idx else 1)
        if len(idx) > 4:
            raise card.error(f"unexpected '{toks[idx[4]]}': too many values; {_TRAN_FORM}", idx[4])
        labels = ("tstep", "tstop", "tstart", "tmax")
        vals = [_value(card, i, scope, f".tran {labels[k]}") for k, i in enumerate(idx)]
        if not vals[0] > 0:
            raise card.error(f".tran tstep must be positive, got {vals[0]:g}; {_TRAN_FORM}", idx[0])
        if not vals[1] > 0:
            raise card.error(f".tran tstop must be positive, got {vals[1]:g}; {_TRAN_FORM}", idx[1])
        if len(vals) > 2 and not 0 <= vals[2] < vals[1]:
            raise card.error(f".tran tstart must be in [0, tstop), got {vals[2]:g}", idx[2])
        if len(vals) > 3 and not vals[3] > 0:
            raise card.error(f".tran tmax must be positive, got {vals[3]:g}", idx[3])
        check_count(vals[1] / vals[0], "max_tran_points", ".tran", "raise tstep", location=card.token_location(idx[0]))
        args: dict[str, Any] = {"tstep": vals[0], "tstop": vals[1], "uic": bool(uics),
                                "location": card.location(_first_col(card.text))}
        if len(vals) > 2:
            args["tstart"] = vals[2]
        if len(vals) > 3:
            args["tmax"] = vals[3]
        TranSpec(**args).validate()
        return args

    def _dc_sweeps(self, card: Card, scope: _Scope) -> list[tuple[str, Any, Any]]:
        from xbar.analysis.dc import check_sweep_values, sweep_values

        toks = card.tokens
        kinds = self.circuit.element_kind
        sweeps: list[tuple[str, Any, Any]] = []
        i = 1
        n = len(toks)
        if n < 2:
            raise card.error(f"'.dc' needs a sweep; {_DC_FORM}", 1)
        while i < n:
            tok = toks[i]
            target = tok.lower()
            if len(sweeps) == 2:
                raise card.error(f"unexpected '{tok}': .dc takes one or two sweeps; {_DC_FORM}", i)
            if target != "temp":
                kind = kinds.get(target)
                if kind is None:
                    if _is_value(tok) or tok[0] in "=\"":
                        raise card.error(f"expected a source, resistor or 'temp' to sweep, got '{tok}'; "
                                         f"{_DC_FORM}", i)
                    raise card.error(f".dc sweeps '{tok}', which is not an element of the circuit", i)
                if kind not in "vir":
                    raise card.error(f".dc can sweep V or I sources, resistors or temp; '{tok}' is a "
                                     f"{_KIND_WORD[kind]}", i)
            if any(s[0] == target for s in sweeps):
                raise card.error(f"'{tok}' is swept twice", i)
            kind_tok = toks[i + 1].lower() if i + 1 < n else ""
            loc = card.token_location(i)
            if kind_tok in ("dec", "oct", "lin"):
                if i + 5 > n:
                    raise card.error(f"'{toks[i + 1]}' sweep needs: points start stop; {_DC_FORM}", n)
                npts, start, stop = (_value(card, j, scope, "sweep value") for j in range(i + 2, i + 5))
                if not (npts >= 1 and npts == int(npts)):
                    raise card.error(f"number of points must be a positive integer, got {npts:g}", i + 2)
                if kind_tok != "lin":
                    for j, v in ((i + 3, start), (i + 4, stop)):
                        if not v > 0:
                            raise card.error(f"{kind_tok} sweeps need positive start and stop, got {v:g}", j)
                    base = 10.0 if kind_tok == "dec" else 2.0
                    count = npts * abs(np.log(stop / start)) / np.log(base) + 1
                else:
                    count = npts
                check_count(count, "max_sweep_points", "the sweep", location=card.token_location(i + 2))
                if kind_tok != "lin" and stop < start:
                    raise card.error(f"{kind_tok} sweep stop {stop:g} is below start {start:g}", i + 4)
                values = sweep_values("linpts" if kind_tok == "lin" else kind_tok, [npts, start, stop],
                                      card.token_location(i + 2))
                i += 5
            elif kind_tok == "list":
                j = i + 2
                vals = []
                while j < n and _is_value(toks[j]):
                    vals.append(_value(card, j, scope, "sweep value"))
                    j += 1
                if not vals:
                    raise card.error(f"a list sweep needs at least one value; {_DC_FORM}", j)
                values = sweep_values("list", vals, loc)
                i = j
            else:
                if i + 4 > n:
                    raise card.error(f"sweep of '{tok}' needs start stop step; {_DC_FORM}", n)
                start, stop, step = (_value(card, j, scope, "sweep value") for j in range(i + 1, i + 4))
                if step == 0.0:
                    raise card.error("sweep step must not be zero", i + 3)
                span = (stop - start) / step
                if span < -1e-9:
                    raise card.error(f"sweep step {step:g} goes away from stop {stop:g} (start {start:g}); "
                                     "use a step of the other sign", i + 3)
                check_count(np.floor(span + 1e-9) + 1, "max_sweep_points",
                            f"the sweep from {start:g} to {stop:g} in steps of {step:g}", "use a larger step",
                            location=card.token_location(i + 3))
                values = sweep_values("lin", [start, stop, step], card.token_location(i + 3))
                i += 4
            check_sweep_values(tok, "temp" if target == "temp" else kinds[target], values, loc)
            sweeps.append((target, values, loc))
        total = float(np.prod([float(len(s[1])) for s in sweeps]))
        check_count(total, "max_sweep_points", ".dc", location=card.token_location(1))
        return sweeps

    def _outputs(self, card: Card, head: str) -> None:
        text = card.text
        body_start = text.lower().index(head) + len(head)
        analysis = ""
        tabulated = head in (".print", ".plot")
        form = f"expected '{head} {'op|dc|tran|ac ' if tabulated else ''}<vectors>'"
        if head == ".plot":
            # ngspice draws a line-printer plot; xbar prints the same vectors as a table. Plot
            # limits '(lo, hi)' after a vector are blanked (same length: columns stay right)
            text = _PLOT_LIMITS_RE.sub(lambda m: " " * len(m.group(0)), text)
            warn("'.plot' is printed as a table, as '.print' (xbar draws no line-printer plots)",
                 card.location())
        if tabulated:
            m = re.compile(r"\s*(\S+)").match(text, body_start)
            word = m.group(1).lower() if m else ""
            if word not in ("op", "dc", "tran", "ac"):
                raise card.error(f"'{head}' needs the analysis type op, dc, tran or ac first; {form}", 1)
            analysis = word
            body_start = m.end() if m else body_start
        vectors: list[str] = []
        ignored: list[str] = []
        c = self.circuit
        for m in _OUTPUT_ITEM_RE.finditer(text, body_start):
            raw = m.group(0)
            if "=" in raw and not raw.startswith(("v(", "V(", "i(", "I(", "@")):
                ignored.append(raw)  # format=csv and other print options: ngspice ignores them
                continue
            vec = raw.lower().replace(" ", "")
            problem, derived = self._vector_problem(_ac_inner(vec) if analysis == "ac" else vec, c)
            if problem:
                verb = "print" if tabulated else "save"
                raise NetlistError(f"cannot {verb} '{raw}': {problem}", card.location(m.start() + 1))
            if derived and derived not in self.netlist.derived:
                self.netlist.derived.append(derived)
            vectors.append(vec)
            self.netlist.requests.append((vec, card.location(m.start() + 1)))
        if ignored:
            warn(f"ignored {', '.join(ignored)} (not a vector; as ngspice, {head} prints the vectors only)",
                 card.location())
        if not vectors:
            raise card.error(f"'{card.tokens[0]}' needs at least one output vector; {form}", len(card.tokens))
        if tabulated:
            self.netlist.prints.append((analysis, vectors, card))
        else:
            self.netlist.saves.extend(vectors)

    def _b_kind(self, name: str) -> str | None:
        """'v' or 'i' for B source ``name`` (None when it is not one)."""
        table = self.circuit.tables["b"]
        names = [n for chunk in table.chunk_names for n in chunk] + table.names
        if name not in names:
            return None
        return table.extra[names.index(name)].kind

    def _vector_problem(self, vec: str, c: Circuit) -> tuple[str, str | None]:
        """Why ``vec`` cannot name a result vector ('' when it can), and the name of the vector
        to compute after the run when it is a derived one (``i(r1)``), else None."""

        def node_ok(n: str) -> bool:
            return n in GROUND_NAMES or n in c.node_index

        def near(name: str, pool: Any) -> str:
            return _near(name, pool)

        m = re.fullmatch(r"v\(([^,()]+)(?:,([^,()]+))?\)", vec)
        if m:
            for n in m.groups():
                if n is not None and not node_ok(n):
                    return f"node '{n}' is not in the circuit{near(n, c.node_index)}", None
            return "", None
        m = re.fullmatch(r"i\(([^,()]+)\)|@([^\[\]]+)\[(i|id)\]", vec)
        if m:
            name = m.group(1) or m.group(2)
            kind = c.element_kind.get(name)
            if kind is None:
                return f"'{name}' is not an element of the circuit{near(name, c.element_kind)}", None
            if kind in _BRANCH_KINDS or (kind == "b" and self._b_kind(name) == "v"):
                return "", None
            if kind in ("r", "d"):
                return "", vec  # computed from the node voltages after the run
            if kind == "c":
                return (f"the current of capacitor '{name}' is not recorded; put a 0 V source in "
                        f"series (Vsense a b 0) and read i(vsense)"), None
            return (f"'{name}' is a {_KIND_WORD[kind]}; i() reads V sources, inductors, E and H "
                    "sources, voltage-type B sources, resistors and diodes"), None
        m = re.fullmatch(r"@([^\[\]]+)\[([^\[\]]+)\]", vec)
        if m:
            if m.group(1) not in c.element_kind:
                return f"'{m.group(1)}' is not an element of the circuit{near(m.group(1), c.element_kind)}", None
            return "", None
        if "(" in vec or ")" in vec or "=" in vec or "[" in vec:
            return "expected v(node), v(node1,node2), i(source), @device[param] or a node name", None
        if vec in _SCALE_WORDS or vec.endswith(("-sweep", "-sweep2")) or node_ok(vec):
            return "", None
        return (f"it is not a node of the circuit{near(vec, c.node_index)} (expected v(node), i(source), "
                "@device[param], all)"), None

    def _measure(self, card: Card, scope: _Scope) -> None:
        """A ``.meas`` card: parsed now (syntax and vectors checked), evaluated after its
        analysis runs (see :meth:`Netlist.run_analysis`)."""
        from xbar.analysis.measure import parse_measure

        head = card.tokens[0]
        start = card.text.lower().index(head.lower()) + len(head)
        spec = parse_measure(card.text, card.location(1), start=start, dialect=scope.dialect,
                             evaluate=self._measure_value(card, scope))
        if any(s.name == spec.name and s.analysis == spec.analysis for s in self.netlist.measures):
            raise card.error(f"measurement '{card.tokens[2] if len(card.tokens) > 2 else spec.name}' "
                             "is defined twice", 2)
        for vec in _measure_vectors(spec):
            self._check_measure_vector(card, vec, spec)
        self.netlist.measures.append(spec)

    def _measure_value(self, card: Card, scope: _Scope) -> Any:
        def evaluate(tok: str, offset: int) -> float:
            loc = card.location(offset + 1)
            if tok[0] in "'\"{":
                expr = parse_expression(tok[1:-1], loc.with_col(loc.col + 1), dialect=scope.dialect)
                return float(expr.evaluate(scope.params))  # type: ignore[arg-type]
            v = parse_number(tok)
            if v is None or bad_tail(tok) is not None:
                if tok.lower() in scope.params:
                    return float(scope.params[tok.lower()])
                raise NetlistError(f"expected a number, parameter or 'expression', got '{tok}'", loc)
            return v

        return evaluate

    def _check_measure_vector(self, card: Card, vec: str, spec: Any) -> None:
        low = vec.lower().replace(" ", "")
        col = card.text.find(vec) + 1 or 1
        m = re.fullmatch(r"par\((['\"])(.*)\1\)", vec.strip(), re.IGNORECASE | re.DOTALL)
        if m:
            body_col = card.text.find(m.group(2)) + 1 or col
            expr = parse_expression(m.group(2), card.location(body_col),
                                    dialect=_measure_dialect(self.netlist.dialect or _PARAM_DIALECT))
            names = [n for n in expr.names if n not in self.netlist.params and n not in _SCALE_WORDS]
        else:
            names = [low]
        for name in names:
            problem, derived = self._vector_problem(name, self.circuit)
            if problem:
                raise NetlistError(f"cannot measure '{name}': {problem}", card.location(col))
            if derived and derived not in self.netlist.derived:
                self.netlist.derived.append(derived)

    # elements ----------------------------------------------------------------------------
    def _element(self, card: Card, scope: _Scope, nodemap: dict[str, str], depth: int) -> None:
        toks = card.tokens
        name = toks[0].lower()
        letter = name[0]
        path = scope.path
        full = f"{letter}.{path}.{name}" if path else name
        word = _KIND_WORD.get(letter, "element")

        if letter == "x":
            self._instance(card, scope, nodemap, depth, full)
            return
        form = _FORMS[letter]
        if letter == "y":
            self._y_element(card, scope, nodemap, full, form)
            return
        if letter == "k":
            self._coupling(card, scope, full, form)
            return
        if letter in "mq":
            self._transistor(card, scope, nodemap, full, form)
            return

        def node(i: int) -> str:
            t = toks[i]
            if t == "=" or t[0] in "{'\"":
                raise card.error(f"expected a node name, got '{t}'; expected '{form}'", i)
            return self._map_node(t.lower(), path, nodemap)

        n_nodes = 4 if letter in "eg" else 2
        if letter in "efgh":
            for k in range(3, len(toks)):
                if toks[k].lower() in ("poly", "value", "table", "vol", "cur"):
                    raise card.error(f"not supported: {toks[0][0].upper()}-source form '{toks[k]}' at "
                                     f"{card.file}:{card.line}; expected '{form}'", k)
        n_named = sum(1 for k in range(1, min(len(toks), 1 + n_nodes)) if not _not_a_node(toks, k))
        if len(toks) < 1 + n_nodes or n_named < n_nodes:
            got = " ".join(toks[1 : 1 + n_named]) or "none"
            raise card.error(f"{word} '{toks[0]}' needs {n_nodes} nodes (got: {got}); expected '{form}'",
                             1 + n_named)
        if full in self.circuit.element_kind or full in self._r_pending:
            flat = f" ('{toks[0]}' in subcircuit instance '{path}' is flattened to '{full}')" if path else ""
            raise card.error(f"duplicate element name '{full}'{self._first_definition(full)}{flat}", 0)
        nodes = [node(1 + k) for k in range(n_nodes)]
        rest = 1 + n_nodes
        loc = card.location(_first_col(card.text))
        c = self.circuit
        if letter == "b":
            self._b_element(card, scope, nodemap, full, nodes, loc)
            return
        if letter in "rcl":
            pos, kv = _kv_pairs(card, rest)
            mult = self._multiplier(card, kv, scope)
            aliases = {"r": ("r", "resistance"), "c": ("c", "capacitance"), "l": ("l", "inductance")}[letter]
            value_idx = None
            if pos:
                value_idx = pos[0]
                if len(pos) > 1:
                    raise card.error(f"unexpected '{toks[pos[1]]}'; expected '{form}'", pos[1])
            for a in aliases:
                if a in kv:
                    if value_idx is not None:
                        raise card.error(f"value given twice ('{toks[kv[a] - 2]}=' and positional)", kv[a] - 2)
                    value_idx = kv.pop(a)
            if value_idx is None:
                raise card.error(f"{word} '{toks[0]}' needs a value; expected '{form}'", len(toks))
            ic = None
            if letter in "cl" and "ic" in kv:
                ic = _value(card, kv.pop("ic"), scope, "initial condition")
            if kv:
                key = next(iter(kv))
                raise card.error(f"not supported: {word} parameter '{toks[kv[key] - 2]}'; "
                                 f"expected '{form}'", kv[key] - 2)
            value = _value(card, value_idx, scope, f"{word} value")
            if letter == "r":
                if value == 0.0:
                    raise card.error(f"resistor '{toks[0]}' has zero resistance; use a 0 V source for "
                                     "a short", value_idx)
                self._flush_r()
                c.R(full, *nodes, value / mult, location=loc)
            elif letter == "c":
                c.C(full, *nodes, value * mult, ic=ic, location=loc)
            else:
                c.L(full, *nodes, value / mult, ic=ic, location=loc)
        elif letter in "vi":
            end = len(toks)
            mult = 1.0
            if letter == "i":
                mult, end = self._trailing_multiplier(card, rest, scope)
            dc, wave = self._source_spec(card, rest, scope, end)
            if mult != 1.0:
                dc *= mult
                wave = _scaled_wave(wave, mult)
            (c.V if letter == "v" else c.I)(full, *nodes, dc, waveform=wave, ac=self._last_ac, location=loc)
        elif letter in "eg":
            mult = 1.0
            if letter == "g":
                mult, end = self._trailing_multiplier(card, rest, scope)
            else:
                end = len(toks)
            if (end > rest + 1 and toks[rest + 1] == "=") or (end > rest + 2 and toks[rest + 2] == "="):
                bad = rest if toks[rest + 1] == "=" else rest + 1
                raise card.error(f"not supported: {toks[0][0].upper()}-source parameter '{toks[bad]}=' at "
                                 f"{card.file}:{card.line}; expected '{form}'", bad)
            if end != rest + 1:
                what = "needs a gain value" if end <= rest else f"has an unexpected '{toks[rest + 1]}'"
                raise card.error(f"{word} '{toks[0]}' {what}; expected '{form}'", min(end, rest + 1))
            gain = _value(card, rest, scope, "gain")
            if letter == "e":
                c.E(full, *nodes, gain, location=loc)
            else:
                c.G(full, *nodes, gain * mult, location=loc)
        elif letter in "fh":
            mult, end = (self._trailing_multiplier(card, rest, scope) if letter == "f"
                         else (1.0, len(toks)))
            if end != rest + 2:
                what = ("needs a controlling source and a gain" if end < rest + 2
                        else f"has an unexpected '{toks[rest + 2]}'")
                raise card.error(f"{word} '{toks[0]}' {what}; expected '{form}'", min(end, rest + 2))
            ctrl_tok = toks[rest]
            if ctrl_tok == "=" or ctrl_tok[0] in "{'\"" or _is_value(ctrl_tok):
                raise card.error(f"expected the name of the controlling voltage source, got '{ctrl_tok}'; "
                                 f"expected '{form}'", rest)
            ctrl = ctrl_tok.lower()
            if path and ctrl in scope.local:
                ctrl = f"{ctrl[0]}.{path}.{ctrl}"
            gain = _value(card, rest + 1, scope, "gain")
            if letter == "f":
                c.F(full, *nodes, ctrl, gain * mult, location=loc)
            else:
                c.H(full, *nodes, ctrl, gain, location=loc)
            self._controls.append((card, rest, ctrl, path))
        elif letter == "d":
            pos, kv = _kv_pairs(card, rest)
            mult = self._multiplier(card, kv, scope)
            if not pos:
                raise card.error(f"diode '{toks[0]}' needs a model name; expected '{form}'", len(toks))
            model_tok = toks[pos[0]]
            if model_tok[0] in "{'\"" or _is_value(model_tok):
                raise card.error(f"expected a model name, got '{model_tok}'; expected '{form}'", pos[0])
            model = model_tok.lower()
            model_key = scope.models.get(model, model)
            if model_key not in c.models:
                raise ModelCardError(f"diode '{toks[0]}' uses model '{model_tok}', which is not defined "
                                     f"(add '.model {model_tok} D (...)')", card.token_location(pos[0]))
            area = 1.0
            area_idx = pos[0]
            extra_pos = [p for p in pos[1:] if toks[p].lower() != "off"]
            if extra_pos:
                area_idx = extra_pos[0]
                area = _value(card, area_idx, scope, "diode area")
                if len(extra_pos) > 1:
                    raise card.error(f"unexpected '{toks[extra_pos[1]]}'; expected '{form}'", extra_pos[1])
            if "area" in kv:
                if extra_pos:
                    raise card.error("diode area given twice ('area=' and positional)", kv["area"] - 2)
                area_idx = kv.pop("area")
                area = _value(card, area_idx, scope, "diode area")
            if kv:
                key = next(iter(kv))
                raise card.error(f"not supported: diode instance parameter '{toks[kv[key] - 2]}'; "
                                 f"expected '{form}'", kv[key] - 2)
            if not area > 0:
                raise card.error(f"diode area must be positive, got {area:g}", area_idx)
            c.D(full, *nodes, model_key, area=area * mult, location=loc)

    def _multiplier(self, card: Card, kv: dict[str, int], scope: _Scope) -> float:
        """Pop ``m=`` from ``kv``: the element's multiplicity times its instances' (``X ... m=``)."""
        mult = scope.m
        if "m" in kv:
            idx = kv.pop("m")
            m = _value(card, idx, scope, "multiplier m")
            if not m > 0:
                raise card.error(f"multiplier m must be positive, got {m:g}", idx)
            mult *= m
        return mult

    def _trailing_multiplier(self, card: Card, start: int, scope: _Scope) -> tuple[float, int]:
        """Multiplicity of a card ending in ``m=<value>`` and the index where that ends it."""
        toks = card.tokens
        n = len(toks)
        if n - 3 >= start and toks[n - 3].lower() == "m" and toks[n - 2] == "=":
            kv = {"m": n - 1}
            return self._multiplier(card, kv, scope), n - 3
        return scope.m, n

    def _b_element(self, card: Card, scope: _Scope, nodemap: dict[str, str], full: str,
                   nodes: list[str], loc: Any) -> None:
        """``B<name> n+ n- V=<expr>`` / ``I=<expr>`` [``m=<value>``] (see
        :mod:`xbar.devices.behavioural`)."""
        form = _FORMS["b"]
        text = card.text
        cols = [col for _, col, _ in scan(text, card.file, card.line)] if not _SPECIAL_FREE(text) \
            else [m.start() + 1 for m in re.finditer(r"\S+", text)]
        after_nodes = cols[2] - 1 + len(card.tokens[2]) if len(cols) > 2 else len(text)
        m = _B_KIND_RE.match(text, after_nodes)
        if m is None:
            at = cols[3] if len(cols) > 3 else len(text) + 1
            raise NetlistError(f"B source '{card.tokens[0]}' needs V=<expression> or I=<expression> "
                               f"after its nodes; expected '{form}'", card.location(at))
        kind = m.group(1).lower()
        body = text[m.end():].rstrip()
        col = m.end() + 1
        mult = scope.m
        tail = _B_TAIL_RE.search(body)
        while tail is not None:
            key = tail.group(1).lower()
            if key != "m":
                raise NetlistError(f"not supported: B-source parameter '{tail.group(1)}=' at "
                                   f"{card.file}:{card.line}; expected '{form}'",
                                   card.location(col + tail.start(1)))
            value_col = col + tail.start(2)
            sub = Card(card.file, card.line, text, [tail.group(2)])
            value = _value(sub, 0, scope, "multiplier m")
            if not value > 0:
                raise NetlistError(f"multiplier m must be positive, got {value:g}", card.location(value_col))
            mult *= value
            body = body[: tail.start()].rstrip()
            tail = _B_TAIL_RE.search(body)
        if not body:
            raise NetlistError(f"B source '{card.tokens[0]}' has an empty expression; expected '{form}'",
                               card.location(col))
        if len(body) >= 2 and ((body[0] == "{" and _closing_brace(body) == len(body) - 1)
                               or (body[0] == "'" and body[-1] == "'")):
            body = body[1:-1]
            col += 1
        # inner {param} groups read as parentheses (same length: columns stay exact)
        body = body.replace("{", "(").replace("}", ")")
        expr = parse_expression(body, card.location(col), dialect=scope.b_dialect)
        probes: dict[str, tuple[str, str]] = {}
        params: dict[str, float] = {}
        path = scope.path
        for name in expr.names:
            if name.startswith("v(") and name.endswith(")"):
                probes[name] = ("node", self._map_node(name[2:-1], path, nodemap))
            elif name.startswith("i(") and name.endswith(")"):
                target = name[2:-1]
                if path and target in scope.local:
                    target = f"{target[0]}.{path}.{target}"
                probes[name] = ("branch", target)
            elif name in scope.params:
                params[name] = scope.params[name]
            elif name not in ("time", "temper", "hertz"):
                at = expr._code.positions.get(name, 0)
                close = difflib.get_close_matches(name, list(scope.params), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise NetlistError(f"unknown name '{name}' in B-source expression: expected a "
                                   f"parameter, v(node), v(n1, n2), i(vsource), time or temper{hint}",
                                   card.location(col + at))
        if mult != 1.0:
            if kind == "v":
                raise NetlistError(f"multiplier m applies to current-type B sources (I=...), not to "
                                   f"'{card.tokens[0]}' (V=...)", loc)
            # parsed above with exact columns; the scaled text starts one column earlier
            expr = parse_expression(f"({body})*{mult!r}", card.location(col - 1), dialect=scope.b_dialect)
        self.circuit.B(full, nodes[0], nodes[1], expr, kind=kind, params=params, probes=probes,
                       location=loc)

    def _y_element(self, card: Card, scope: _Scope, nodemap: dict[str, str], full: str, form: str) -> None:
        toks = card.tokens
        c = self.circuit
        path = scope.path
        pos, kv = _kv_pairs(card, 1)
        if not pos:
            raise card.error(f"Y device '{toks[0]}' needs terminals and a model name; expected '{form}'",
                             len(toks))
        if kv and min(kv.values()) - 2 < pos[-1]:
            first_kv = min(kv.values()) - 2
            raise card.error(f"parameter '{toks[first_kv]}=' before the model name; expected '{form}'", first_kv)
        model_idx = pos[-1]
        model_tok = toks[model_idx]
        if model_tok[0] in "{'\"" or _is_value(model_tok):
            raise card.error(f"expected a model name, got '{model_tok}'; expected '{form}'", model_idx)
        model_key = scope.models.get(model_tok.lower(), model_tok.lower())
        model = c.models.get(model_key)
        if model is None:
            raise ModelCardError(f"Y device '{toks[0]}' uses model '{model_tok}', which is not defined",
                                 card.token_location(model_idx))
        kind_cls = _y_kind(model.type)
        if kind_cls is None or getattr(kind_cls, "element_letter", "y") != "y":
            raise ModelCardError(f"Y device '{toks[0]}' uses model '{model_tok}' of type '{model.type}', "
                                 "which is not a Y-device kind", card.token_location(model_idx))
        terminals = kind_cls.terminals
        node_idx = pos[:-1]
        if len(node_idx) != len(terminals):
            raise card.error(f"Y device '{toks[0]}' ({model.type}) needs {len(terminals)} terminals "
                             f"({' '.join(terminals)}), got {len(node_idx)}; expected '{form}'", model_idx)
        if full in c.element_kind or full in self._r_pending:
            flat = f" ('{toks[0]}' in subcircuit instance '{path}' is flattened to '{full}')" if path else ""
            raise card.error(f"duplicate element name '{full}'{self._first_definition(full)}{flat}", 0)
        if scope.m != 1.0:
            raise card.error(f"Y device '{toks[0]}' ({model.type}) cannot be multiplied: it is inside "
                             f"subcircuit instance '{path}' with m={scope.m:g}", 0)
        nodes = []
        for i in node_idx:
            t = toks[i]
            if t[0] in "{'\"":
                raise card.error(f"expected a node name, got '{t}'; expected '{form}'", i)
            nodes.append(self._map_node(t.lower(), path, nodemap))
        table = {p.name: p for p in kind_cls.instance_params}
        params: dict[str, float] = {}
        for k, i in kv.items():
            p = table.get(k)
            if p is None:
                raise card.error(f"Y device '{toks[0]}' ({model.type}): unknown instance parameter "
                                 f"'{toks[i - 2]}'; known: {', '.join(table) or 'none'}", i - 2)
            v = _value(card, i, scope, f"instance parameter '{k}'")
            if not p.lo <= v <= p.hi:
                raise ModelCardError(f"Y device '{toks[0]}': {out_of_range_message(k, v, p.lo, p.hi, p.unit)}",
                                     card.token_location(i))
            params[k] = v
        c.Y(full, nodes, model_key, location=card.location(_first_col(card.text)), **params)

    def _coupling(self, card: Card, scope: _Scope, full: str, form: str) -> None:
        """``K<name> L1 L2 k`` (inductor names resolved like F/H controls in subcircuits)."""
        toks = card.tokens
        path = scope.path
        if len(toks) != 4 or any(t == "=" for t in toks):
            what = "needs two inductors and a coupling coefficient" if len(toks) < 4 else \
                f"has an unexpected '{toks[4] if len(toks) > 4 else toks[-1]}'"
            raise card.error(f"coupled inductor '{toks[0]}' {what}; expected '{form}'", min(len(toks), 4))
        if full in self.circuit.element_kind:
            raise card.error(f"duplicate element name '{full}'{self._first_definition(full)}", 0)
        inductors = []
        for i in (1, 2):
            t = toks[i]
            if t[0] in "{'\"" or _is_value(t):
                raise card.error(f"expected an inductor name, got '{t}'; expected '{form}'", i)
            name = t.lower()
            if path and name in scope.local:
                name = f"{name[0]}.{path}.{name}"
            kind = self.circuit.element_kind.get(name) or ("r" if name in self._r_pending else None)
            if kind != "l" and name[0] != "l":
                what = "which is not an element of the circuit" if kind is None else f"which is a {_KIND_WORD[kind]}"
                raise card.error(f"coupled inductor '{toks[0]}' names '{t}', {what}; expected '{form}'", i)
            inductors.append(name)
        k = _value(card, 3, scope, "coupling coefficient")
        if not -1.0 <= k <= 1.0:
            raise card.error(f"coupling coefficient must be in [-1, 1], got {k:g}", 3)
        self.circuit.K(full, inductors[0], inductors[1], k, location=card.location(_first_col(card.text)))

    def _transistor(self, card: Card, scope: _Scope, nodemap: dict[str, str], full: str, form: str) -> None:
        """``M`` and ``Q`` elements: nodes, model, positional area (Q) and instance parameters."""
        from xbar.netlist.transistors import transistor_card

        transistor_card(self, card, scope, nodemap, full, form)

    def _check_controls(self) -> None:
        kinds = self.circuit.element_kind
        for card, idx, ctrl, path in self._controls:
            kind = kinds.get(ctrl)
            if kind is not None and kind in _BRANCH_KINDS:
                continue
            letter = card.tokens[0][0].lower()
            where = f" of subcircuit instance '{path}'" if path else ""
            what = ("which is not an element of the circuit" if kind is None
                    else f"which is a {_KIND_WORD[kind]}")
            raise card.error(
                f"{_KIND_WORD[letter]} '{card.tokens[0]}'{where} is controlled by '{card.tokens[idx]}', "
                f"{what}; the controlling element must be a voltage source, inductor, E or H source; "
                f"expected '{_FORMS[letter]}'", idx)

    def _source_spec(self, card: Card, start: int, scope: _Scope, end: int | None = None
                     ) -> tuple[float, Any]:
        from xbar.devices.waveforms import WaveformSpec

        toks = card.tokens
        n = len(toks) if end is None else end
        dc: float | None = None
        wave = None
        ac: list[float] | None = None
        wave_idx = 0
        letter = toks[0][0].lower()
        form = _FORMS[letter]
        groups = [g for _, _, g in scan(card.text, card.file, card.line)] if "(" in card.text else None
        i = start
        while i < n:
            t = toks[i].lower()
            if groups is not None and groups[i] and t not in _WAVE_KINDS:
                raise card.error(f"unexpected '{toks[i]}' in parentheses; expected '{form}'", i)
            if t == "dc":
                if i + 1 >= n or not _is_value(toks[i + 1], scope):
                    raise card.error(f"'DC' needs a value; expected '{form}'", i + 1)
                if dc is not None:
                    raise card.error(f"DC value given twice; expected '{form}'", i)
                dc = _value(card, i + 1, scope, "DC value")
                i += 2
            elif t == "ac":
                if ac is not None:
                    raise card.error(f"AC given twice; expected '{form}'", i)
                j = i + 1
                ac_vals: list[float] = []
                while j < n and j < i + 3 and _is_value(toks[j], scope) and not (groups and groups[j]):
                    ac_vals.append(_value(card, j, scope, "AC magnitude" if j == i + 1 else "AC phase"))
                    j += 1
                ac = (ac_vals + [1.0, 0.0][len(ac_vals):])[:2]  # 'AC' alone: magnitude 1
                i = j
            elif t in _WAVE_KINDS:
                if wave is not None:
                    raise card.error(f"a source takes one time function; expected '{form}'", i)
                wave_idx = i
                args, extra, i = self._wave_args(card, i, groups, scope, n)
                wave = WaveformSpec(t, tuple(args), r=extra.get("r"), td=extra.get("td", 0.0))
                wave.validate(card.token_location(wave_idx), current_source=letter == "i")
            elif t in _UNSUPPORTED_WAVES:
                raise card.error(f"not supported: time function '{toks[i]}' at {card.file}:{card.line}; "
                                 f"expected '{form}'", i)
            elif _is_value(toks[i], scope):
                if dc is not None:
                    raise card.error(f"unexpected value '{toks[i]}'; expected '{form}'", i)
                dc = _value(card, i, scope, "source value")
                i += 1
            else:
                raise card.error(f"unexpected '{toks[i]}' in source; expected '{form}'", i)
        if dc is None:
            dc = wave.dc_value(False, 0.0, card.token_location(wave_idx)) if wave is not None else 0.0
        self._last_ac = (ac[0], ac[1]) if ac is not None else None
        return dc, wave

    def _wave_args(self, card: Card, i: int, groups: list[int] | None,
                   scope: _Scope, n: int) -> tuple[list[float], dict[str, float], int]:
        """Values of the time function at token ``i`` (``PULSE(...)`` or ``PULSE v1 v2 ...``),
        PWL's ``r=``/``td=`` options, and the index of the first token after them (tokens
        from ``n`` on are not the source's)."""
        toks = card.tokens
        kind = toks[i].lower()
        j = i + 1
        grp = groups[j] if groups is not None and j < n else 0
        args: list[float] = []
        extra: dict[str, float] = {}
        while j < n:
            inside = bool(grp) and groups is not None and groups[j] == grp
            if grp and not inside:
                break
            tj = toks[j]
            if j + 1 < n and toks[j + 1] == "=":
                key = tj.lower()
                if kind != "pwl" or key not in ("r", "td"):
                    if not inside:
                        break
                    raise card.error(f"not supported: {kind.upper()} option '{tj}='", j)
                if j + 2 >= n:
                    raise card.error(f"'{tj}=' has no value", j + 2)
                if key in extra:
                    raise card.error(f"'{tj}' given twice", j)
                extra[key] = _value(card, j + 2, scope, f"PWL {key}")
                j += 3
                continue
            if not inside and not _is_value(tj, scope):
                break
            if extra:
                raise card.error(f"unexpected '{tj}' after the PWL options r=/td=", j)
            args.append(_value(card, j, scope, f"{kind.upper()} value"))
            j += 1
        while kind == "pwl" and j + 1 < n and toks[j + 1] == "=" and toks[j].lower() in ("r", "td"):
            key = toks[j].lower()
            if j + 2 >= n:
                raise card.error(f"'{toks[j]}=' has no value", j + 2)
            if key in extra:
                raise card.error(f"'{toks[j]}' given twice", j)
            extra[key] = _value(card, j + 2, scope, f"PWL {key}")
            j += 3
        if j + 1 < n and toks[j + 1] == "=":
            raise card.error(f"not supported: {kind.upper()} option '{toks[j]}='", j)
        return args, extra, j

    def _instance(self, card: Card, scope: _Scope, nodemap: dict[str, str], depth: int, full: str) -> None:
        toks = card.tokens
        form = _FORMS["x"]
        pos, kv = _kv_pairs(card, 1)
        pos = [p for p in pos if toks[p].lower() not in ("params:", "param:")]
        if not pos:
            raise card.error(f"subcircuit instance '{toks[0]}' needs nodes and a subcircuit name; "
                             f"expected '{form}'", len(toks))
        sub_idx = pos[-1]
        if kv and min(kv.values()) - 2 < sub_idx:
            first_kv = min(kv.values()) - 2
            raise card.error(f"parameter '{toks[first_kv]}=' before the subcircuit name; expected '{form}'",
                             first_kv)
        sub_tok = toks[sub_idx]
        if sub_tok[0] in "{'\"":
            raise card.error(f"expected a subcircuit name, got '{sub_tok}'; expected '{form}'", sub_idx)
        sub_name = sub_tok.lower()
        sub = scope.find_subckt(sub_name)
        if sub is None:
            known = sorted({n for table in scope.subckts for n in table})
            hint = f" (defined: {', '.join(known)})" if known else " (no .subckt is defined)"
            raise card.error(f"unknown subcircuit '{sub_tok}'{hint}", sub_idx)
        node_idx = pos[:-1]
        for i in node_idx:
            if toks[i][0] in "{'\"":
                raise card.error(f"expected a node name, got '{toks[i]}'; expected '{form}'", i)
        if len(node_idx) != len(sub.ports):
            raise card.error(
                f"subcircuit '{sub_tok}' has {len(sub.ports)} ports ({' '.join(sub.ports) or 'none'}), "
                f"instance '{toks[0]}' connects {len(node_idx)}; expected '{form}'", sub_idx)
        if any(s is sub for s in self._active):
            chain = " -> ".join(s.name for s in self._active)
            raise card.error(f"recursive subcircuit: '{sub.name}' instantiates itself ({chain} -> {sub.name})",
                             sub_idx)
        if depth >= _MAX_DEPTH:
            raise card.error(f"subcircuits nested deeper than {_MAX_DEPTH} levels", sub_idx)
        path = scope.path
        inst = toks[0].lower()
        new_path = f"{path}.{inst}" if path else inst
        if new_path in self._instances:
            first = self._instances[new_path]
            raise card.error(f"duplicate subcircuit instance name '{new_path}' (first defined at "
                             f"{first.file}:{first.line})", 0)
        self._instances[new_path] = card
        # a port named 0 or gnd is ground inside (as in ngspice; the node connected to it
        # outside is not joined to anything by this instance)
        actual = [self._map_node(toks[i].lower(), path, nodemap) for i in node_idx]
        # parameters: overrides are evaluated in the caller's scope; the definition's defaults,
        # in order, in the global scope plus the parameters before them (overridden or not), so
        # 'params: r=1k s={2*r}' with r=5k on the instance gives s=10k
        declared = [p[0] for p in sub.params]
        overrides = {}
        mult = scope.m
        for k, i in kv.items():
            key = k.split(":", 1)[1] if k.startswith(("params:", "param:")) else k
            if key == "m" and key not in declared:
                m = _value(card, i, scope, "multiplier m")
                if not m > 0:
                    raise card.error(f"multiplier m must be positive, got {m:g}", i)
                mult *= m
                continue
            if key not in declared:
                raise card.error(f"subcircuit '{sub.name}' has no parameter '{toks[i - 2]}'; "
                                 f"its parameters: {', '.join(declared) or 'none'}", i - 2)
            overrides[key] = _value(card, i, scope, f"parameter '{key}'")
        functions = self._functions_of(sub)
        param_dialect = _dialects(functions)[0]
        params = dict(self._globals)
        for pname, _, pcard, pidx in sub.params:
            if pname in overrides:
                params[pname] = overrides[pname]
            else:
                params[pname] = _value(pcard, pidx, params, f"default of parameter '{pname}'",
                                       param_dialect)
        inner = _Scope(params, [sub.subckts, *scope.subckts], dict(scope.models), new_path, functions)
        inner.m = mult
        inner.local = frozenset(c.tokens[0].lower() for c in sub.cards if c.tokens[0][0] != ".")
        inner_map = {p: a for p, a in zip(sub.ports, actual, strict=True) if p not in GROUND_NAMES}
        self._active.append(sub)
        try:
            for c in sub.cards:
                if c.tokens[0].lower() == ".param":
                    self._param(c, inner)
            for c in sub.cards:
                if c.tokens[0].lower() == ".model":
                    self._model(c, inner)
            for c in sub.cards:
                if c.tokens[0][0] != ".":
                    self._element(c, inner, inner_map, depth + 1)
        except NetlistError as exc:
            if getattr(exc, "instance_note", False):
                raise
            note = f" (in subcircuit instance '{new_path}' at {card.file}:{card.line})"
            new = type(exc)(exc.message + note, exc.location)
            new.instance_note = True  # type: ignore[attr-defined]
            raise new from None
        finally:
            self._active.pop()


_B_KIND_RE = re.compile(r"\s*([VvIi])\s*=\s*")
_B_TAIL_RE = re.compile(r"\s([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([^\s=]+)\s*$")


def _SPECIAL_FREE(text: str) -> bool:
    return not any(ch in text for ch in "{}'=(),\"")


def _closing_brace(text: str) -> int:
    """Index of the '}' closing the '{' at index 0 (-1 when there is none)."""
    depth = 0
    for i, ch in enumerate(text):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def _scaled_wave(wave: Any, mult: float) -> Any:
    """A time function with its values (not its times) multiplied by ``mult``."""
    if wave is None:
        return None
    from dataclasses import replace as dc_replace

    args = list(wave.args)
    if wave.kind == "pwl":
        idx = range(1, len(args), 2)
    elif wave.kind in ("sin", "sine", "pulse", "exp"):
        idx = range(min(2, len(args)))
    else:  # pragma: no cover - every supported kind is listed
        idx = range(0)
    for i in idx:
        args[i] *= mult
    return dc_replace(wave, args=tuple(args))


def _near(name: str, pool: Any) -> str:
    """`` (did you mean 'x'?)`` for the closest name of ``pool`` (same first letter preferred,
    so 'r2' suggests 'r1' rather than 'v1'), or ''."""
    names = list(pool)
    same = [n for n in names if n[:1] == name[:1]]
    for candidates, cutoff in ((same, 0.5), (names, 0.6)):
        match = difflib.get_close_matches(name, candidates, n=1, cutoff=cutoff)
        if match:
            return f" (did you mean '{match[0]}'?)"
    return ""


def _measure_vectors(spec: Any) -> list[str]:
    """Every vector a measurement reads."""
    out = [spec.vector] if spec.vector else []
    for t in (spec.trig, spec.targ):
        if t is not None:
            out.extend(v for v in (t.vector, t.vector2) if v)
    return out


def _y_kind(model_type: str) -> Any:
    """The registered Y-device class of ``.model`` type ``model_type`` (None if there is none)."""
    from xbar.devices.registry import DEVICE_KINDS, load_builtin_kinds

    cls = DEVICE_KINDS.get(model_type)
    if cls is None:
        load_builtin_kinds()
        cls = DEVICE_KINDS.get(model_type)
    return cls


def _not_a_node(toks: list[str], k: int) -> bool:
    """Whether token ``k`` cannot be a node name (so a node is missing before it)."""
    t = toks[k]
    return t == "=" or t[0] in "{'\"" or (k + 1 < len(toks) and toks[k + 1] == "=")


def _param_items(card: Card, *, functions_only: bool = False
                 ) -> list[tuple[str, tuple[str, ...] | None, str, int]]:
    """Items of a ``.param`` / ``.global_param`` card: ``(name, args, value text, column)``.

    ``args`` is None for a parameter and the argument names for a function item
    ``f(x, y) = body`` (ngspice's ``.param`` functions). The value text is unwrapped from
    ``{...}`` or ``'...'``; the column is where it starts (1-based).
    """
    text = card.text
    head = card.tokens[0]
    head_end = text.lower().index(head.lower()) + len(head)
    form = f"expected '{head.lower()} name=value [name=value ...]'"
    matches = list(_PARAM_RE.finditer(text, head_end))
    if not matches:
        raise card.error(form, 1)
    gap = text[head_end : matches[0].start()].strip()
    if gap:
        raise card.error(f"expected 'name=value', got '{gap.split()[0]}'; {form}", 1)
    items: list[tuple[str, tuple[str, ...] | None, str, int]] = []
    for j, m in enumerate(matches):
        end = matches[j + 1].start() if j + 1 < len(matches) else len(text)
        raw = text[m.end() : end]
        value_text = raw.strip()
        col = m.end() + (len(raw) - len(raw.lstrip())) + 1
        args = None if m.group(2) is None else tuple(
            a.strip().lower() for a in m.group(2)[1:-1].split(",") if a.strip())
        if functions_only and args is None:
            continue
        if not value_text:
            raise NetlistError(f"parameter '{m.group(1)}' has no value; {form}",
                               card.location(m.start() + 1))
        if (len(value_text) >= 2 and value_text[0] in "{'"
                and value_text[-1] == {"{": "}", "'": "'"}[value_text[0]]):
            value_text = value_text[1:-1]
            col += 1
        items.append((m.group(1).lower(), args, value_text, col))
    return items


_FUNC_RE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(([^()]*)\)\s*=?\s*")
_FUNC_FORM = "expected '.func name(arg, ...) {expression}'"


def _func_card(card: Card) -> tuple[str, tuple[str, ...], str, int]:
    """Name, argument names, body text and body column of a ``.func`` card."""
    text = card.text
    start = text.lower().index(".func") + len(".func")
    m = _FUNC_RE.match(text, start)
    if m is None:
        raise card.error(f"cannot read the function definition; {_FUNC_FORM}", 1)
    body = text[m.end():].rstrip()
    col = m.end() + 1
    if len(body) >= 2 and body[0] in "{'" and body[-1] == {"{": "}", "'": "'"}[body[0]]:
        body = body[1:-1]
        col += 1
    if not body.strip():
        raise NetlistError(f"function '{m.group(1)}' has no body; {_FUNC_FORM}", card.location(len(text) + 1))
    args = tuple(a.strip() for a in m.group(2).split(",") if a.strip())
    return m.group(1).lower(), args, body, col


def _override_values(values: Any, what: str) -> dict[str, float]:
    """``{name: value}`` overrides checked: string keys, finite real values (lower-cased keys)."""
    out: dict[str, float] = {}
    for k, v in validate.mapping(values, what).items():
        key = validate.text(k, f"{what} key", empty=False)
        out[key.lower()] = real(v, f"{what}[{key!r}]")
    return out


def elaborate(deck: Deck, *, params: Mapping[str, float] | None = None,
              models: Mapping[str, Mapping[str, float]] | None = None) -> Netlist:
    """Turn a parsed deck into a :class:`Netlist` (see module docstring).

    The deck is not modified, so one parsed deck can be elaborated many times with different
    overrides (parameter sweeps, studies).

    Parameters
    ----------
    deck : Deck
        A parsed deck (:func:`xbar.netlist.parser.parse_file`).
    params : mapping, optional
        New values of top-level ``.param`` names (like ngspice's ``alterparam``): the value
        replaces the card's expression, and parameters defined after it from it follow.
    models : mapping, optional
        ``{model name: {parameter: value}}`` for top-level ``.model`` cards: the values replace
        (or add to) the card's parameters and are checked against the parameter bounds.

    Raises
    ------
    NetlistError
        An override names a ``.param`` or ``.model`` the deck does not define (the message
        lists the ones it does).
    """
    el = _Elaborator(deck)
    overrides = _override_values(params, "params")
    el._model_overrides = {validate.text(m, "models key", empty=False).lower(): _override_values(ps, f"models[{m!r}]")
                           for m, ps in validate.mapping(models, "models").items()}
    tops = [c for c in deck.cards if c.tokens[0][0] == "."]
    for card in tops:
        head = card.tokens[0].lower()
        if head in (".func", ".param", ".global_param"):
            el._define_functions(card, el.functions)
        elif head == ".global":
            if len(card.tokens) < 2:
                raise card.error("expected '.global node [node ...]'", 1)
            for k, tok in enumerate(card.tokens[1:], start=1):
                if tok == "=" or tok[0] in "{'\"":
                    raise card.error(f"expected a node name, got '{tok}'", k)
                if tok.lower() not in GROUND_NAMES:
                    el._global_nodes.add(tok.lower())
    # global params are evaluated first so subcircuit defaults can use them
    scope = _Scope({}, [], {}, "", el.functions)
    for card in tops:
        if card.tokens[0].lower() in (".param", ".global_param"):
            el._param(card, scope, overrides)
    unknown = sorted(set(overrides) - {k.lower() for k in scope.params})
    if unknown:
        have = ", ".join(sorted(scope.params)) or "none"
        raise NetlistError(f"{deck.file}: no top-level .param '{unknown[0]}' to override; "
                           f"the deck's .params: {have}")
    el._globals = dict(scope.params)
    netlist = el.run()
    if el._model_overrides:
        name = sorted(el._model_overrides)[0]
        have = ", ".join(m for m in el.circuit.models if ":" not in m) or "none"
        raise NetlistError(f"{deck.file}: no top-level .model '{name}' to override; "
                           f"the deck's models: {have}")
    return netlist


_AC_FORM = "expected '.ac dec|oct|lin points fstart fstop'"
_AC_PRINT_RE = re.compile(r"^v(?:m|p|r|i|db)(\(.+\))$")
_AC_FUNC_RE = re.compile(r"^(?:mag|ph|phase|cph|db|real|re|imag|im)\((.+)\)$")


def _ac_inner(vec: str) -> str:
    """The vector inside a ``.print ac`` form (``vm(out)`` -> ``v(out)``, ``db(i(v1))`` -> ``i(v1)``)."""
    m = _AC_FUNC_RE.match(vec)
    if m:
        return _ac_inner(m.group(1))
    m = _AC_PRINT_RE.match(vec)
    if m:
        return "v" + m.group(1)
    return vec


def ac_args(card: Card, params: dict[str, float]) -> dict[str, Any]:
    """Arguments of :class:`xbar.analysis.ac.AcSpec` from an ``.ac`` card (checked, with columns)."""
    from xbar.analysis.ac import AcSpec

    toks = card.tokens
    if len(toks) < 2:
        raise card.error(f"'.ac' needs a sweep; {_AC_FORM}", 1)
    sweep = toks[1].lower()
    if sweep not in ("dec", "oct", "lin"):
        raise card.error(f"'.ac' sweep type must be dec, oct or lin, got '{toks[1]}'; {_AC_FORM}", 1)
    if len(toks) < 5:
        raise card.error(f"'.ac {toks[1]}' needs points, fstart and fstop; {_AC_FORM}", len(toks))
    if len(toks) > 5:
        raise card.error(f"unexpected '{toks[5]}'; {_AC_FORM}", 5)
    npts, fstart, fstop = (_value(card, j, params, what)
                           for j, what in ((2, ".ac points"), (3, ".ac fstart"), (4, ".ac fstop")))
    if not (npts >= 1 and npts == int(npts)):
        raise card.error(f".ac number of points must be a positive integer, got {npts:g}", 2)
    for j, f in ((3, fstart), (4, fstop)):
        if not np.isfinite(f) or f < 0.0:
            raise card.error(f".ac frequencies must be finite and >= 0 Hz, got {f:g}", j)
    if sweep != "lin" and not fstart > 0.0:
        raise card.error(f".ac {sweep} sweeps need fstart > 0, got {fstart:g}", 3)
    if fstop < fstart:
        raise card.error(f".ac fstop {fstop:g} is below fstart {fstart:g}", 4)
    args: dict[str, Any] = {"sweep": sweep, "points": int(npts), "fstart": fstart, "fstop": fstop,
                            "location": card.location(_first_col(card.text))}
    spec = AcSpec(**args)
    check_count(spec.count_estimate(), "max_sweep_points", ".ac frequency sweep", location=card.token_location(2))
    return args
