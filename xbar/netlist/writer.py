"""Circuit -> flat ngspice deck text (round trip; decks for comparisons with ngspice).

Numbers are written with full precision (``repr``), so a written deck reproduces the circuit
exactly. Subcircuits are already flattened in a :class:`~xbar.circuit.Circuit`; their ngspice
names (``r.x1.r1``, node ``x1.n``) are valid ngspice names and are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np

from xbar.options import SimOptions

if TYPE_CHECKING:
    from xbar.circuit import Circuit

__all__ = ["write_netlist", "y_device_lines"]


def _num(x: float) -> str:
    return repr(float(x))


def _model_name(name: str) -> str:
    return name.replace(":", "_")


def y_device_lines(circuit: Circuit, nd: Callable[[int], str], *, dialect: str = "ngspice"
                   ) -> list[tuple[str, list[str], str]]:
    """``(name, terminal nodes, line)`` of every Y device: the kind's behavioural ngspice
    equivalent (``dialect="ngspice"``) or xbar's own ``Y`` card (``dialect="xbar"``)."""
    from xbar.devices.registry import DEVICE_KINDS

    out: list[tuple[str, list[str], str]] = []
    for key_model, store in circuit.y_instances.items():
        if not store["names"]:
            continue
        card = circuit._bound_card(key_model)
        cls = DEVICE_KINDS[card.kind]
        n_t = len(cls.terminals)
        for name, row, params in zip(store["names"], store["nodes"], store["params"], strict=True):
            terms = [nd(int(k)) for k in row[:n_t]]
            if dialect == "ngspice":
                out.extend((name, terms, line) for line in cls.spice_lines(name, terms, card, params))
            else:
                extra = " ".join(f"{k}={_num(v)}" for k, v in params.items())
                out.append((name, terms, f"{name} {' '.join(terms)} {key_model} {extra}".rstrip()))
    return out


def write_netlist(circuit: Circuit, analyses: Sequence[str] = ()) -> str:
    """Write ``circuit`` as an ngspice deck; ``analyses`` are extra card lines (``.op`` …)."""
    lines = [circuit.title or "xbar circuit"]
    node_names = circuit.node_names

    def nd(k: int) -> str:
        return "0" if k < 0 else node_names[k]

    for kind, table in circuit.tables.items():
        names, nodes, vals = table.arrays()
        if not names:
            continue
        extra = table.extra
        node_text = [[nd(int(k)) for k in row] for row in nodes.tolist()]
        for i, name in enumerate(names):
            ns = " ".join(node_text[i])
            v = vals[i]
            if kind in "rcl":
                line = f"{name} {ns} {_num(v[0])}"
                if kind in "cl" and not np.isnan(v[1]):
                    line += f" ic={_num(v[1])}"
            elif kind in "vi":
                line = f"{name} {ns} dc {_num(v[0])}"
                w = extra[i]
                if w is not None:
                    line += f" {w.kind}(" + " ".join(_num(a) for a in w.args) + ")"
            elif kind in "eg":
                line = f"{name} {ns} {_num(v[0])}"
            elif kind in "fh":
                line = f"{name} {ns} {extra[i]} {_num(v[0])}"
            elif kind == "b":
                spec = extra[i]
                rename = {var: (f"v({target})" if what == "node" else f"i({target})")
                          for var, (what, target) in spec.probes.items()}
                text = spec.expression.to_text(rename, spec.params)
                line = f"{name} {ns} {spec.kind.upper()}={{{text}}}"
            else:  # diode
                line = f"{name} {ns} {_model_name(extra[i])} area={_num(v[0])}"
            lines.append(line)
    for _name, _terms, line in y_device_lines(circuit, nd):
        lines.append(line)
    for model in circuit.models.values():
        if model.type != "d":
            continue  # Y-device cards are written as behavioural sources above
        params = " ".join(f"{k}={_num(v)}" for k, v in model.params.items())
        lines.append(f".model {_model_name(model.name)} {model.type} ({params})")
    opts = circuit.options
    default = SimOptions()
    changed = []
    for key in ("reltol", "abstol", "vntol", "gmin", "itl1", "itl4", "temp"):
        if getattr(opts, key) != getattr(default, key):
            changed.append(f"{key}={_num(getattr(opts, key)) if key not in ('itl1', 'itl4') else getattr(opts, key)}")
    if opts.method != default.method:
        changed.append("method=gear maxord=1" if opts.method == "be" else f"method={opts.method}")
    if changed:
        lines.append(".options " + " ".join(changed))
    if circuit.ic:
        lines.append(".ic " + " ".join(f"v({n})={_num(v)}" for n, v in circuit.ic.items()))
    if circuit.nodeset:
        lines.append(".nodeset " + " ".join(f"v({n})={_num(v)}" for n, v in circuit.nodeset.items()))
    lines.extend(analyses)
    lines.append(".end")
    return "\n".join(lines) + "\n"
