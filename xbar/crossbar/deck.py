"""Crossbar arrays as decks: a flat deck or a generated ``.subckt`` plus its periphery.

``deck_text(array, form="subckt")`` writes the array (cells, access devices, wires, gate
sources) as ``.subckt xbar<rows>x<cols> <ports>`` and instantiates it once as ``xa``, with the
drivers and sense circuits at the top level, so ``i(vbl<c>)`` and ``v(wl<r>)`` keep their
names and inner nodes read ``v(xa.wl3_7)``. ``form="flat"`` writes every element at the top
level with the builder's names. Ports, in order: ``wl<r>`` (row starts), ``wlf<r>`` (far row
ends, double drive), ``bl<c>`` (column ends), ``blt<c>`` (column tops, double sense) and
``ww<r>`` (SOT write word lines); ports merged by zero-resistance wires appear once.

Dialects: ``"ngspice"`` writes Y cells as behavioural B sources in their present state
(the device's ``spice_lines``), ``"xbar"`` writes ``Y`` elements and their ``.model`` cards, so
:func:`xbar.read_netlist` rebuilds the same circuit. Numbers are written with ``repr`` (exact
round trip). ``inputs`` sets the row driver voltages written on the ``vwl`` sources.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from xbar import validate
from xbar.errors import ArgumentTypeError, DataError, NetlistError

if TYPE_CHECKING:
    from xbar.crossbar.builder import CrossbarArray

__all__ = ["PERIPHERY_PREFIXES", "deck_text", "subckt_text", "write_deck"]

PERIPHERY_PREFIXES = ("vwl", "vbl", "rdrv", "rsense", "etia", "rtia", "vww", "rdww")
"""Element-name prefixes of the periphery (kept outside the array subcircuit)."""


def _num(x: float) -> str:
    return repr(float(x))


def _element_lines(array: CrossbarArray, dialect: str, values: Mapping[str, float]) -> list[tuple[str, list[str], str]]:
    """(element name, node names, line) of every element of the circuit."""
    c = array.circuit
    names_of = c.node_names

    def nd(k: int) -> str:
        return "0" if k < 0 else names_of[k]

    out: list[tuple[str, list[str], str]] = []
    for kind, table in c.tables.items():
        names, nodes, vals = table.arrays()
        if not names:
            continue
        if kind not in "rve":
            raise NetlistError(f"the crossbar deck writer does not handle elements of kind '{kind}'")
        text = [[nd(int(k)) for k in row] for row in nodes.tolist()]
        for i, name in enumerate(names):
            v = values.get(name, float(vals[i, 0]))
            if kind == "v":
                line = f"{name} {' '.join(text[i])} dc {_num(v)}"
            else:
                line = f"{name} {' '.join(text[i])} {_num(v)}"
            out.append((name, text[i], line))
    from xbar.netlist.writer import y_device_lines

    out.extend(y_device_lines(c, nd, dialect=dialect))
    return out


@validate.checked_call
def deck_text(array: CrossbarArray, *, form: str = "flat", dialect: str = "ngspice",
              inputs: Any = None, analyses: Sequence[str] = (".op",),
              options: Mapping[str, float] | None = None, title: str | None = None) -> str:
    """The deck of ``array`` (module docstring); ends with ``.end``.

    Parameters
    ----------
    form : ``"flat"`` or ``"subckt"``
    dialect : ``"ngspice"`` or ``"xbar"``
    inputs : (rows,) array_like, optional
        Row driver voltages [V] written on ``vwl<r>`` (and ``vwlf<r>``).
    analyses : sequence of str
        Analysis cards.
    options : mapping, optional
        ``.options`` values (e.g. ``{"reltol": 1e-9}`` for tight nonlinear comparisons).
    """
    from xbar.crossbar.builder import CrossbarArray

    if not isinstance(array, CrossbarArray):
        raise ArgumentTypeError(f"deck_text takes a CrossbarArray, got {type(array).__name__}")
    form = validate.choice(form, "form", ("flat", "subckt"))
    dialect = validate.choice(dialect, "dialect", ("ngspice", "xbar"))
    analyses = [analyses] if isinstance(analyses, str) else analyses
    if not isinstance(analyses, Sequence) or not all(isinstance(a, str) for a in analyses):
        raise ArgumentTypeError(f"analyses must be card lines (str), got {analyses!r:.80}")
    options = {validate.name(k, "option name"): validate.real(v, f"option '{k}'")
               for k, v in validate.mapping(options, "options").items()}
    if title is not None:
        title = validate.text(title, "title")
    values: dict[str, float] = {}
    if inputs is not None:
        v = validate.array(inputs, "inputs", shape=(array.rows,), unit="V")
        for names in (array.row_drivers, array.row_drivers_far):
            if names:
                values.update(zip(names, v.tolist(), strict=True))
    elements = _element_lines(array, dialect, values)
    spec = array.spec
    head = [title or array.circuit.title or "crossbar",
            f"* xbar crossbar {spec.rows}x{spec.cols}, cells '{spec.cell}', sense '{spec.sense}', "
            f"drive '{spec.drive}', sense ends '{spec.sense_ends}' (generated by xbar.crossbar.deck)"]
    models: list[str] = []
    if dialect == "xbar":
        for m in array.circuit.models.values():
            params = " ".join(f"{k}={_num(v)}" for k, v in m.params.items())
            models.append(f".model {m.name} {m.type} ({params})")
    tail: list[str] = []
    if dialect == "xbar":
        # wire ends after absent cells and floating SOT write lines are single-connection nodes
        # by design: no lint warnings for them
        tail.append(".options nolint")
    if options:
        tail.append(".options " + " ".join(f"{k}={_num(v)}" for k, v in options.items()))
    tail.extend(analyses)
    tail.append(".end")
    if form == "flat":
        return "\n".join(head + models + [e[2] for e in elements] + tail) + "\n"
    sub = f"xbar{spec.rows}x{spec.cols}"
    body, ports, outer = _subckt(array, elements, sub)
    inst = [f"xa {' '.join(ports)} {sub}"]
    return "\n".join(head + models + body + inst + [e[2] for e in outer] + tail) + "\n"


def _subckt(array: CrossbarArray, elements: list[tuple[str, list[str], str]], sub: str
            ) -> tuple[list[str], list[str], list[tuple[str, list[str], str]]]:
    """The ``.subckt`` lines of the array core, its ports, and the periphery elements."""
    outer = [e for e in elements if e[0].startswith(PERIPHERY_PREFIXES)]
    inner = [e for e in elements if not e[0].startswith(PERIPHERY_PREFIXES)]
    inner_nodes = {n for e in inner for n in e[1]}
    ports: list[str] = []
    seen: set[str] = set()
    port_order = [array.row_port, array.col_port]
    if array.col_port_top is not None:
        port_order.append(array.col_port_top)
    names_of = array.circuit.node_names
    candidates = [names_of[int(k)] for arr in port_order for k in np.asarray(arr).tolist()]
    candidates += [n for e in outer for n in e[1]]
    for n in candidates:
        if n in inner_nodes and n not in seen and n != "0":
            seen.add(n)
            ports.append(n)
    body = [f".subckt {sub} {' '.join(ports)}", *(e[2] for e in inner), f".ends {sub}"]
    return body, ports, outer


def subckt_text(array: CrossbarArray, name: str, *, dialect: str = "ngspice") -> tuple[str, list[str]]:
    """The array core (cells, wires, access devices, gate sources) as ``.subckt name …``.

    Returns the text and the port node names in order (``wl<r>`` row ports, then ``bl<c>``
    column ports, …, as :func:`deck_text` documents). Drivers and sense circuits are left
    to the caller (used by :mod:`xbar.nn.deck` to wire tiles into a network).
    """
    if dialect not in ("ngspice", "xbar"):
        raise NetlistError("dialect must be 'ngspice' or 'xbar'")
    body, ports, _ = _subckt(array, _element_lines(array, dialect, {}), name)
    return "\n".join(body) + "\n", ports


@validate.checked_call
def write_deck(array: CrossbarArray, path: str | Path, *, form: str = "flat", dialect: str = "ngspice",
               inputs: Any = None, analyses: Sequence[str] = (".op",),
               options: Mapping[str, float] | None = None, title: str | None = None) -> Path:
    """Write :func:`deck_text` to ``path``; returns the path."""
    p = validate.path(path, "path")
    text = deck_text(array, form=form, dialect=dialect, inputs=inputs, analyses=analyses, options=options,
                     title=title)
    try:
        p.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot write the deck to '{p}': {exc.strerror or exc}") from None
    return p
