"""Element cards of the transistors: ``M`` (MOSFET) and ``Q`` (bipolar transistor).

``M<name> drain gate source bulk model [name=value ...] [off]``

``Q<name> collector base emitter [substrate] model [area] [name=value ...] [off]``: the
substrate node is present when the fourth token after the name is not a model name (ngspice's
rule); it defaults to ground.

The cards are checked here (nodes, model name and type, instance parameters with their bounds,
with ``file:line:col`` in every message) and added to the circuit with
:meth:`xbar.circuit.Circuit.M` / :meth:`xbar.circuit.Circuit.Q`.
"""

from __future__ import annotations

from typing import Any

from xbar.circuit import GROUND_NAMES
from xbar.errors import ModelCardError
from xbar.netlist.lexer import Card

__all__ = ["transistor_card"]

_TYPES = {"m": ("nmos", "pmos"), "q": ("npn", "pnp")}
_WORD = {"m": "MOSFET", "q": "bipolar transistor"}
_UNSUPPORTED = {"ic": "initial conditions 'ic=' on transistors are not supported; use .ic on the nodes",
                "temp": "per-instance 'temp=' is not supported; use .temp or .options temp",
                "dtemp": "per-instance 'dtemp=' is not supported; use .temp or .options temp"}


def transistor_card(el: Any, card: Card, scope: Any, nodemap: dict[str, str], full: str, form: str) -> None:
    """Check an ``M`` or ``Q`` card and add it to the elaborator's circuit."""
    from xbar.netlist.elaborate import _first_col, _is_value, _kv_pairs, _value, _y_kind

    toks = card.tokens
    letter = toks[0][0].lower()
    word = _WORD[letter]
    c = el.circuit
    path = scope.path
    for i in range(1, len(toks) - 1):
        key = toks[i].lower()
        if toks[i + 1] == "=" and key in _UNSUPPORTED:
            raise card.error(f"not supported: {_UNSUPPORTED[key]} ('{toks[i]}' at {card.file}:{card.line})", i)
    pos, kv = _kv_pairs(card, 1)
    off = False
    kept = []
    for i in pos:
        if toks[i].lower() == "off":
            off = True
        else:
            kept.append(i)
    pos = kept
    if kv and pos and min(kv.values()) - 2 < pos[-1]:
        first_kv = min(kv.values()) - 2
        # a value after name=value pairs: only the Q area may stand there in ngspice; keep it strict
        raise card.error(f"parameter '{toks[first_kv]}=' before the last positional value '{toks[pos[-1]]}'; "
                         f"expected '{form}'", first_kv)

    def is_model(i: int) -> bool:
        t = toks[i]
        if t[0] in "{'\"" or _is_value(t):
            return False
        key = scope.models.get(t.lower(), t.lower())
        return key in c.models

    n_nodes = 4
    if letter == "q" and len(pos) >= 4 and is_model(pos[3]):
        n_nodes = 3
    if len(pos) < n_nodes + 1:
        got = " ".join(toks[i] for i in pos) or "nothing"
        raise card.error(f"{word} '{toks[0]}' needs {n_nodes} nodes and a model name (got: {got}); "
                         f"expected '{form}'", len(toks))
    node_idx = pos[:n_nodes]
    model_idx = pos[n_nodes]
    rest = pos[n_nodes + 1:]
    model_tok = toks[model_idx]
    if model_tok[0] in "{'\"" or _is_value(model_tok):
        raise card.error(f"expected a model name, got '{model_tok}'; expected '{form}'", model_idx)
    model_key = scope.models.get(model_tok.lower(), model_tok.lower())
    model = c.models.get(model_key)
    types = _TYPES[letter]
    if model is None:
        raise ModelCardError(f"{word} '{toks[0]}' uses model '{model_tok}', which is not defined "
                             f"(add '.model {model_tok} {types[0]} (...)')", card.token_location(model_idx))
    if model.type not in types:
        raise ModelCardError(f"{word} '{toks[0]}' uses model '{model_tok}' of type '{model.type}', "
                             f"expected type {' or '.join(t.upper() for t in types)}",
                             card.token_location(model_idx))
    kind_cls = _y_kind(model.type)
    if full in c.element_kind or full in el._r_pending:
        flat = f" ('{toks[0]}' in subcircuit instance '{path}' is flattened to '{full}')" if path else ""
        raise card.error(f"duplicate element name '{full}'{el._first_definition(full)}{flat}", 0)
    nodes = []
    for i in node_idx:
        t = toks[i]
        if t == "=" or t[0] in "{'\"":
            raise card.error(f"expected a node name, got '{t}'; expected '{form}'", i)
        n = t.lower()
        nodes.append(n if n in GROUND_NAMES or not path else nodemap.get(n, f"{path}.{n}"))
    if letter == "q" and n_nodes == 3:
        nodes.append("0")
    table = {p.name: p for p in kind_cls.instance_params}
    params: dict[str, float] = {}
    if rest:
        if letter != "q" or len(rest) > 1:
            raise card.error(f"unexpected '{toks[rest[0] if letter != 'q' else rest[1]]}'; expected '{form}'",
                             rest[0] if letter != "q" else rest[1])
        params["area"] = _value(card, rest[0], scope, "area factor")
    for k, i in kv.items():
        name = k
        p = table.get(name)
        if p is None:
            raise card.error(f"{word} '{toks[0]}': unknown instance parameter '{toks[i - 2]}'; known: "
                             f"{', '.join(table)}", i - 2)
        if name in params:
            raise card.error(f"'{toks[i - 2]}' given twice", i - 2)
        v = _value(card, i, scope, f"instance parameter '{k}'")
        if not p.lo <= v <= p.hi:
            raise ModelCardError(f"{word} '{toks[0]}': {k}={v:g} is outside [{p.lo:g}, {p.hi:g}] {p.unit}",
                                 card.token_location(i))
        params[name] = v
    if "area" in params and not params["area"] > 0:
        raise card.error(f"area factor must be positive, got {params['area']:g}", rest[0] if rest else 1)
    if off:
        params["off"] = 1.0
    loc = card.location(_first_col(card.text))
    if letter == "m":
        c.M(full, *nodes, model_key, location=loc, **params)
    else:
        c.Q(full, nodes[0], nodes[1], nodes[2], model_key, substrate=nodes[3], location=loc, **params)
