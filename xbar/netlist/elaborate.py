"""Deck -> :class:`Netlist`: parameters, models, options, element cards, subcircuit flattening.

Values are numbers with SPICE suffixes or ``{expression}`` / ``'expression'`` evaluated by the
project's own safe parser in the card's parameter scope. Subcircuits are flattened with
ngspice's names: node ``x1.n3``, element ``r.x1.r1``, nested ``x1.x2.n``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xbar.circuit import GROUND_NAMES, Circuit
from xbar.errors import ModelCardError, NetlistError
from xbar.netlist.expr import parse_expression
from xbar.netlist.lexer import Card
from xbar.netlist.parser import Deck, SubcktDef, parse_file, parse_text
from xbar.options import SimOptions
from xbar.units import parse_number

__all__ = ["AnalysisCard", "Netlist", "elaborate", "read_netlist", "read_netlist_text"]

_WAVE_KINDS = ("pulse", "sin", "pwl", "exp")
_MAX_DEPTH = 64
_PARAM_RE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)")

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
    "x": "X<name> nodes... subckt [params: name=value ...]",
}
_KIND_WORD = {
    "r": "resistor", "c": "capacitor", "l": "inductor", "v": "voltage source", "i": "current source",
    "e": "VCVS", "g": "VCCS", "f": "CCCS", "h": "CCVS", "d": "diode", "x": "subcircuit instance",
}


@dataclass
class AnalysisCard:
    """An analysis request from the deck (``.op``, ``.dc``, ``.tran``)."""

    kind: str
    args: dict[str, Any]
    card: Card


@dataclass
class Netlist:
    """A read deck: the flat circuit, its analyses and output requests."""

    title: str
    file: str
    circuit: Circuit
    analyses: list[AnalysisCard] = field(default_factory=list)
    prints: list[tuple[str, list[str], Card]] = field(default_factory=list)
    saves: list[str] = field(default_factory=list)

    def run(self, progress: bool = False) -> list[Any]:
        """Run every analysis card in deck order; returns their results."""
        from xbar.analysis.dc import SweepSpec, run_dc
        from xbar.analysis.op import run_op
        from xbar.analysis.tran import TranSpec, run_tran

        system = self.circuit.compile()
        results: list[Any] = []
        for a in self.analyses:
            if a.kind == "op":
                results.append(run_op(system))
            elif a.kind == "dc":
                results.append(run_dc(system, [SweepSpec(*s) for s in a.args["sweeps"]]))
            else:
                results.append(run_tran(system, TranSpec(**a.args)))
        return results


def read_netlist(path: str | Path) -> Netlist:
    """Read an ngspice-dialect deck from ``path``.

    Examples
    --------
    >>> import xbar, tempfile, os
    >>> d = tempfile.mkdtemp(); p = os.path.join(d, "div.cir")
    >>> _ = open(p, "w").write("divider\\nV1 in 0 2\\nR1 in out 1k\\nR2 out 0 1k\\n.op\\n.end\\n")
    >>> xbar.read_netlist(p).run()[0]["v(out)"]
    1.0
    """
    return elaborate(parse_file(path))


def read_netlist_text(text: str, *, name: str = "<netlist>", base_dir: str | Path = ".") -> Netlist:
    """Read a deck from a string (first line is the title)."""
    return elaborate(parse_text(text, name=name, base_dir=base_dir))


class _Scope:
    """Parameter values visible to a card, plus subcircuit and model visibility."""

    def __init__(self, params: dict[str, float], subckts: list[dict[str, SubcktDef]],
                 models: dict[str, str], path: str) -> None:
        self.params = params
        self.subckts = subckts
        self.models = models
        self.path = path

    def find_subckt(self, name: str) -> SubcktDef | None:
        for table in self.subckts:
            if name in table:
                return table[name]
        return None


def _value(card: Card, idx: int, scope: _Scope, what: str) -> float:
    tok = card.tokens[idx]
    if tok[0] in "{'":
        inner = tok[1:-1]
        loc = card.token_location(idx)
        value = parse_expression(inner, loc.with_col(loc.col + 1)).evaluate(scope.params)
        return float(value)
    v = parse_number(tok)
    if v is None:
        hint = f" (write {{{tok}}} to use the parameter)" if tok.lower() in scope.params else ""
        raise card.error(f"expected a number or {{expression}} for {what}, got '{tok}'{hint}", idx)
    return v


def _kv_pairs(card: Card, start: int) -> tuple[list[int], dict[str, int]]:
    """Positional token indices and key -> value-token index from ``start`` on."""
    pos: list[int] = []
    kv: dict[str, int] = {}
    toks = card.tokens
    i = start
    while i < len(toks):
        if i + 1 < len(toks) and toks[i + 1] == "=":
            if i + 2 >= len(toks):
                raise card.error(f"'{toks[i]}=' has no value", i + 1)
            key = toks[i].lower()
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


class _Elaborator:
    def __init__(self, deck: Deck) -> None:
        self.deck = deck
        self.circuit = Circuit(deck.title)
        self.netlist = Netlist(deck.title, deck.file, self.circuit)
        self._globals: dict[str, float] = {}

    # top level ---------------------------------------------------------------------------
    def run(self) -> Netlist:
        deck = self.deck
        scope = _Scope(dict(self._globals), [deck.subckts], {}, "")
        cards = deck.cards
        for card in cards:
            head = card.tokens[0].lower()
            if head == ".model":
                self._model(card, scope)
            elif head in (".options", ".option", ".opt", ".temp"):
                self._options(card, head, scope)
        for card in cards:
            head = card.tokens[0].lower()
            if head[0] != ".":
                self._element(card, scope, {}, 0)
        for card in cards:
            head = card.tokens[0].lower()
            if head in (".ic", ".nodeset"):
                self._ic(card, head, scope)
            elif head in (".op", ".dc", ".tran"):
                self._analysis(card, head, scope)
            elif head in (".print", ".save", ".probe"):
                self._outputs(card, head)
            elif head == ".title":
                self.netlist.title = self.circuit.title = card.text.split(None, 1)[1] if len(card.tokens) > 1 else ""
        return self.netlist

    def _param(self, card: Card, scope: _Scope) -> None:
        text = card.text
        head_end = text.lower().index(".param") + len(".param")
        matches = list(_PARAM_RE.finditer(text, head_end))
        if not matches:
            raise card.error("expected '.param name=value [name=value ...]'", 1)
        gap = text[head_end : matches[0].start()].strip()
        if gap:
            raise card.error(f"expected 'name=value', got '{gap}'", 1)
        for j, m in enumerate(matches):
            end = matches[j + 1].start() if j + 1 < len(matches) else len(text)
            raw = text[m.end() : end]
            value_text = raw.strip()
            col = m.end() + (len(raw) - len(raw.lstrip())) + 1
            if not value_text:
                raise NetlistError(f"parameter '{m.group(1)}' has no value", card.location(m.start() + 1))
            if value_text[0] in "{'" and value_text[-1] in "}'":
                value_text = value_text[1:-1]
                col += 1
            expr = parse_expression(value_text, card.location(col))
            scope.params[m.group(1).lower()] = float(expr.evaluate(scope.params))

    def _model(self, card: Card, scope: _Scope) -> None:
        toks = card.tokens
        if len(toks) < 3:
            raise card.error("expected '.model <name> <type> [(name=value ...)]'", len(toks))
        name, mtype = toks[1].lower(), toks[2].lower()
        pos, kv = _kv_pairs(card, 3)
        if pos:
            raise card.error(f"expected name=value, got '{toks[pos[0]]}'", pos[0])
        params = {k: _value(card, i, scope, f"model parameter '{k}'") for k, i in kv.items()}
        key = f"{scope.path}:{name}" if scope.path else name
        if scope.path:
            scope.models[name] = key
        if key in self.circuit.models:
            raise ModelCardError(f"duplicate model '{name}'", card.token_location(1))
        if mtype != "d":
            raise ModelCardError(f"not supported: model type '{toks[2]}' at {card.file}:{card.line} (supported: D)",
                                 card.token_location(2))
        self.circuit.model(key, mtype, location=card.location(), **params)

    def _options(self, card: Card, head: str, scope: _Scope) -> None:
        if head == ".temp":
            if len(card.tokens) != 2:
                raise card.error("expected '.temp <degrees C>'", 1)
            values: dict[str, Any] = {"temp": _value(card, 1, scope, "temperature")}
        else:
            pos, kv = _kv_pairs(card, 1)
            if pos:
                tok = card.tokens[pos[0]]
                raise card.error(f"not supported: option '{tok}' at {card.file}:{card.line}; supported options: "
                                 f"{', '.join(SimOptions.names())}", pos[0])
            values = {}
            for k, i in kv.items():
                tok = card.tokens[i]
                values[k] = tok if k == "method" else _value(card, i, scope, f"option '{k}'")
        loc = card.location()
        self.circuit.options = self.circuit.options.__class__(
            **{**self.circuit.options.__dict__, **SimOptions.coerce(values, loc)}
        )

    def _ic(self, card: Card, head: str, scope: _Scope) -> None:
        toks = card.tokens
        target = self.circuit.ic if head == ".ic" else self.circuit.nodeset
        i = 1
        if len(toks) < 2:
            raise card.error(f"expected '{head} v(node)=value ...'", 1)
        while i < len(toks):
            if toks[i].lower() != "v" or toks[i + 2 : i + 3] != ["="]:
                raise card.error(f"expected 'v(node)=value' in {head}", i)
            if i + 3 >= len(toks):
                raise card.error("'v(node)=' has no value", i + 2)
            node = toks[i + 1].lower()
            if node in GROUND_NAMES:
                raise card.error(f"{head} cannot set the ground node", i + 1)
            if node not in self.circuit.node_index:
                raise card.error(f"{head} names node '{toks[i + 1]}', which is not in the circuit", i + 1)
            target[node] = _value(card, i + 3, scope, f"{head} value")
            i += 4

    def _analysis(self, card: Card, head: str, scope: _Scope) -> None:
        toks = card.tokens
        if head == ".op":
            if len(toks) > 1:
                raise card.error("'.op' takes no arguments", 1)
            self.netlist.analyses.append(AnalysisCard("op", {}, card))
        elif head == ".tran":
            self.netlist.analyses.append(AnalysisCard("tran", self._tran_args(card, scope), card))
        else:
            self.netlist.analyses.append(AnalysisCard("dc", {"sweeps": self._dc_sweeps(card, scope)}, card))

    def _tran_args(self, card: Card, scope: _Scope) -> dict[str, Any]:
        toks = card.tokens
        uic = False
        idx = [i for i in range(1, len(toks)) if toks[i].lower() != "uic"]
        if len(idx) != len(toks) - 1:
            uic = True
            if toks[-1].lower() != "uic":
                raise card.error("'uic' must come last", next(i for i in range(1, len(toks)) if toks[i].lower() == "uic"))
        if not 2 <= len(idx) <= 4:
            raise card.error("expected '.tran tstep tstop [tstart [tmax]] [uic]'", len(toks) if len(idx) < 2 else idx[4])
        vals = [_value(card, i, scope, ".tran time") for i in idx]
        args: dict[str, Any] = {"tstep": vals[0], "tstop": vals[1], "uic": uic, "location": card.location()}
        if len(vals) > 2:
            args["tstart"] = vals[2]
        if len(vals) > 3:
            args["tmax"] = vals[3]
        from xbar.analysis.tran import TranSpec

        TranSpec(**args).validate()
        return args

    def _dc_sweeps(self, card: Card, scope: _Scope) -> list[tuple[str, Any, Any]]:
        from xbar.analysis.dc import sweep_values

        toks = card.tokens
        form = "expected '.dc src start stop step [src2 start2 stop2 step2]' (or 'src dec|oct|lin n start stop', 'src list v1 v2 ...')"
        sweeps: list[tuple[str, Any, Any]] = []
        i = 1
        while i < len(toks):
            target = toks[i].lower()
            if parse_number(target) is not None or target[0] in "{'":
                raise card.error(f"expected a source, resistor or 'temp' to sweep, got '{toks[i]}'; {form}", i)
            kind_tok = toks[i + 1].lower() if i + 1 < len(toks) else ""
            loc = card.token_location(i)
            if kind_tok in ("dec", "oct", "lin"):
                if i + 5 > len(toks):
                    raise card.error(f"{kind_tok} sweep needs: points start stop; {form}", len(toks))
                args = [_value(card, j, scope, "sweep value") for j in range(i + 2, i + 5)]
                sweeps.append((target, sweep_values("linpts" if kind_tok == "lin" else kind_tok, args, loc), loc))
                i += 5
            elif kind_tok == "list":
                j = i + 2
                vals = []
                while j < len(toks) and (parse_number(toks[j]) is not None or toks[j][0] in "{'"):
                    vals.append(_value(card, j, scope, "sweep value"))
                    j += 1
                sweeps.append((target, sweep_values("list", vals, loc), loc))
                i = j
            else:
                if i + 4 > len(toks):
                    raise card.error(f"sweep of '{toks[i]}' needs start stop step; {form}", len(toks))
                args = [_value(card, j, scope, "sweep value") for j in range(i + 1, i + 4)]
                sweeps.append((target, sweep_values("lin", args, loc), loc))
                i += 4
        if not 1 <= len(sweeps) <= 2:
            raise card.error(f".dc takes one or two sweeps, got {len(sweeps)}; {form}", 1 if not sweeps else len(toks))
        return sweeps

    def _outputs(self, card: Card, head: str) -> None:
        body = card.text.split(None, 1)[1] if len(card.tokens) > 1 else ""
        analysis = ""
        if head == ".print":
            parts = body.split(None, 1)
            if not parts or parts[0].lower() not in ("op", "dc", "tran"):
                raise card.error("expected '.print op|dc|tran <vectors>'", 1)
            analysis = parts[0].lower()
            body = parts[1] if len(parts) > 1 else ""
        vecs = re.findall(r"[A-Za-z@][^\s(]*\([^)]*\)|[^\s()]+", body)
        vectors = [v.lower().replace(" ", "") for v in vecs]
        for v in vectors:
            if not re.fullmatch(r"(v\([^,()]+(,[^,()]+)?\)|i\([^,()]+\)|@[^\[\]]+\[[^\[\]]+\]|all|time|[^()=]+)", v):
                raise card.error(f"cannot read output vector '{v}'", 1)
        if head == ".print":
            self.netlist.prints.append((analysis, vectors, card))
        else:
            self.netlist.saves.extend(vectors)

    # elements ----------------------------------------------------------------------------
    def _element(self, card: Card, scope: _Scope, nodemap: dict[str, str], depth: int) -> None:
        toks = card.tokens
        name = toks[0].lower()
        letter = name[0]
        path = scope.path
        full = f"{letter}.{path}.{name}" if path else name
        loc = card.location()

        def node(i: int) -> str:
            if i >= len(toks):
                raise card.error(f"{_KIND_WORD[letter]} '{toks[0]}' is missing nodes; expected '{_FORMS[letter]}'", i)
            n = toks[i].lower()
            if n in ("=",) or n[0] in "{'":
                raise card.error(f"expected a node name, got '{toks[i]}'; expected '{_FORMS[letter]}'", i)
            if n in GROUND_NAMES:
                return n
            if path:
                return nodemap.get(n, f"{path}.{n}")
            return n

        c = self.circuit
        if letter == "x":
            self._instance(card, scope, nodemap, depth, full)
            return
        if letter == "y":
            raise card.error(f"not supported: element '{toks[0]}' at {card.file}:{card.line} "
                             "(Y devices are not part of this build)", 0)
        n_nodes = 4 if letter in "eg" else 2
        if len(toks) < 1 + n_nodes:
            raise card.error(f"{_KIND_WORD[letter]} '{toks[0]}' needs {n_nodes} nodes; expected '{_FORMS[letter]}'",
                             len(toks))
        nodes = [node(1 + k) for k in range(n_nodes)]
        rest = 1 + n_nodes
        if letter in "rcl":
            pos, kv = _kv_pairs(card, rest)
            main = {"r": "r", "c": "c", "l": "l"}[letter]
            aliases = {"r": ("r", "resistance"), "c": ("c", "capacitance"), "l": ("l", "inductance")}[letter]
            value_idx = None
            if pos:
                value_idx = pos[0]
                if len(pos) > 1:
                    raise card.error(f"unexpected '{toks[pos[1]]}'; expected '{_FORMS[letter]}'", pos[1])
            for a in aliases:
                if a in kv:
                    if value_idx is not None:
                        raise card.error(f"value given twice ('{a}=' and positional)", kv[a] - 2)
                    value_idx = kv.pop(a)
            if value_idx is None:
                raise card.error(f"{_KIND_WORD[letter]} '{toks[0]}' needs a value; expected '{_FORMS[letter]}'", len(toks))
            ic = None
            if letter in "cl" and "ic" in kv:
                ic = _value(card, kv.pop("ic"), scope, "initial condition")
            if kv:
                key = next(iter(kv))
                raise card.error(f"not supported: {_KIND_WORD[letter]} parameter '{key}'; expected '{_FORMS[letter]}'",
                                 kv[key] - 2)
            value = _value(card, value_idx, scope, f"{_KIND_WORD[letter]} value")
            if letter == "r":
                c.R(full, *nodes, value, location=loc)
            elif letter == "c":
                c.C(full, *nodes, value, ic=ic, location=loc)
            else:
                c.L(full, *nodes, value, ic=ic, location=loc)
        elif letter in "vi":
            dc, wave = self._source_spec(card, rest, scope)
            (c.V if letter == "v" else c.I)(full, *nodes, dc, waveform=wave, location=loc)
        elif letter in "eg":
            if len(toks) != rest + 1 or toks[rest].lower() in ("value", "poly", "table"):
                what = toks[rest] if len(toks) > rest else ""
                if what.lower() in ("value", "poly", "table") or (len(toks) > rest + 1 and toks[rest + 1] == "="):
                    raise card.error(f"not supported: {toks[0][0].upper()}-source form '{what}' at {card.file}:{card.line}; "
                                     f"expected '{_FORMS[letter]}'", rest)
                raise card.error(f"{_KIND_WORD[letter]} '{toks[0]}' needs one gain value; expected '{_FORMS[letter]}'",
                                 min(len(toks), rest + 1))
            gain = _value(card, rest, scope, "gain")
            (c.E if letter == "e" else c.G)(full, *nodes, gain, location=loc)
        elif letter in "fh":
            if len(toks) != rest + 2:
                raise card.error(f"{_KIND_WORD[letter]} '{toks[0]}' expects '{_FORMS[letter]}'", min(len(toks), rest + 2))
            ctrl = toks[rest].lower()
            if path:
                ctrl = f"v.{path}.{ctrl}" if ctrl in self._local_names(scope) else ctrl
            gain = _value(card, rest + 1, scope, "gain")
            (c.F if letter == "f" else c.H)(full, *nodes, ctrl, gain, location=loc)
        elif letter == "d":
            pos, kv = _kv_pairs(card, rest)
            if not pos:
                raise card.error(f"diode '{toks[0]}' needs a model name; expected '{_FORMS['d']}'", len(toks))
            model = toks[pos[0]].lower()
            model_key = scope.models.get(model, model)
            area = 1.0
            extra_pos = [p for p in pos[1:] if toks[p].lower() != "off"]
            if extra_pos:
                area = _value(card, extra_pos[0], scope, "diode area")
                if len(extra_pos) > 1:
                    raise card.error(f"unexpected '{toks[extra_pos[1]]}'; expected '{_FORMS['d']}'", extra_pos[1])
            if "area" in kv:
                area = _value(card, kv.pop("area"), scope, "diode area")
            if kv:
                key = next(iter(kv))
                raise card.error(f"not supported: diode instance parameter '{key}'", kv[key] - 2)
            if not area > 0:
                raise card.error(f"diode area must be positive, got {area:g}", pos[-1])
            c.D(full, *nodes, model_key, area=area, location=loc)

    def _local_names(self, scope: _Scope) -> set[str]:
        cached = scope.__dict__.get("_local")
        return cached if cached is not None else set()

    def _source_spec(self, card: Card, start: int, scope: _Scope) -> tuple[float, Any]:
        from xbar.devices.waveforms import WaveformSpec

        toks = card.tokens
        dc: float | None = None
        wave = None
        i = start
        letter = toks[0][0].lower()
        while i < len(toks):
            t = toks[i].lower()
            if t == "dc":
                if i + 1 >= len(toks):
                    raise card.error("'DC' needs a value", i + 1)
                if dc is not None:
                    raise card.error("DC value given twice", i)
                dc = _value(card, i + 1, scope, "DC value")
                i += 2
            elif t == "ac":
                j = i + 1
                while j < len(toks) and j < i + 3 and (parse_number(toks[j]) is not None or toks[j][0] in "{'"):
                    _value(card, j, scope, "AC value")
                    j += 1
                i = j
            elif t in _WAVE_KINDS:
                if wave is not None:
                    raise card.error("a source takes one time function", i)
                j = i + 1
                args = []
                while j < len(toks) and (parse_number(toks[j]) is not None or toks[j][0] in "{'"):
                    args.append(_value(card, j, scope, f"{t.upper()} value"))
                    j += 1
                if j < len(toks) and toks[j] == "=":
                    raise card.error(f"not supported: {t.upper()} option '{toks[j - 1]}='", j - 1)
                wave = WaveformSpec(t, tuple(args))
                wave.validate(card.token_location(i))
                i = j
            elif parse_number(t) is not None or t[0] in "{'":
                if dc is not None:
                    raise card.error(f"unexpected value '{toks[i]}'; expected '{_FORMS[letter]}'", i)
                dc = _value(card, i, scope, "source value")
                i += 1
            else:
                raise card.error(f"unexpected '{toks[i]}' in source; expected '{_FORMS[letter]}'", i)
        if dc is None:
            dc = wave.dc_value(False, 0.0, card.location()) if wave is not None else 0.0
        return dc, wave

    def _instance(self, card: Card, scope: _Scope, nodemap: dict[str, str], depth: int, full: str) -> None:
        toks = card.tokens
        pos, kv = _kv_pairs(card, 1)
        pos = [p for p in pos if toks[p].lower() not in ("params:", "param:")]
        if not pos:
            raise card.error(f"subcircuit instance '{toks[0]}' needs nodes and a subcircuit name; expected '{_FORMS['x']}'",
                             len(toks))
        sub_idx = pos[-1]
        sub_name = toks[sub_idx].lower()
        sub = scope.find_subckt(sub_name)
        if sub is None:
            raise card.error(f"unknown subcircuit '{toks[sub_idx]}'", sub_idx)
        node_idx = pos[:-1]
        if len(node_idx) != len(sub.ports):
            raise card.error(
                f"subcircuit '{sub.name}' has {len(sub.ports)} ports ({' '.join(sub.ports)}), "
                f"instance '{toks[0]}' connects {len(node_idx)}", sub_idx)
        if depth >= _MAX_DEPTH:
            raise card.error(f"subcircuits nested deeper than {_MAX_DEPTH} levels (recursive definition?)", sub_idx)
        path = scope.path
        inst = toks[0].lower()
        new_path = f"{path}.{inst}" if path else inst
        actual = []
        for i in node_idx:
            n = toks[i].lower()
            if n in GROUND_NAMES:
                actual.append(n)
            elif path:
                actual.append(nodemap.get(n, f"{path}.{n}"))
            else:
                actual.append(n)
        # parameters: defaults in the definition's global scope, overrides in the caller's scope
        params = dict(self._globals)
        defaults: dict[str, float] = {}
        for pname, ptok, pcard in sub.params:
            defaults[pname] = self._token_value(pcard, ptok, {**params, **defaults})
        overrides = {}
        for k, i in kv.items():
            if k not in defaults:
                raise card.error(f"subcircuit '{sub.name}' has no parameter '{toks[i - 2]}'; "
                                 f"its parameters: {', '.join(defaults) or 'none'}", i - 2)
            overrides[k] = _value(card, i, scope, f"parameter '{k}'")
        params.update(defaults)
        params.update(overrides)
        inner = _Scope(params, [sub.subckts, *scope.subckts], dict(scope.models), new_path)
        inner.__dict__["_local"] = {c.tokens[0].lower() for c in sub.cards if c.tokens[0][0] != "."}
        for c in sub.cards:
            if c.tokens[0].lower() == ".param":
                self._param(c, inner)
        for c in sub.cards:
            if c.tokens[0].lower() == ".model":
                self._model(c, inner)
        inner_map = dict(zip(sub.ports, actual, strict=True))
        for c in sub.cards:
            if c.tokens[0][0] != ".":
                self._element(c, inner, inner_map, depth + 1)

    def _token_value(self, card: Card, tok: str, params: dict[str, float]) -> float:
        idx = card.tokens.index(tok)
        return _value(card, idx, _Scope(params, [], {}, ""), "parameter default")


def elaborate(deck: Deck) -> Netlist:
    """Turn a parsed deck into a :class:`Netlist` (see module docstring)."""
    el = _Elaborator(deck)
    # global params are evaluated first so subcircuit defaults can use them
    scope_params: dict[str, float] = {}
    for card in deck.cards:
        if card.tokens[0].lower() == ".param":
            el._param(card, _Scope(scope_params, [], {}, ""))
    el._globals = dict(scope_params)
    return el.run()
