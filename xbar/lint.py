"""Netlist lint: circuits that run but probably do not say what was meant.

A node with a single connection is almost always a misspelt node name (``snese`` for
``sense``): the element's terminal then dangles, the circuit still solves, and the numbers are
silently wrong. :func:`lint_circuit` finds such nodes with one ``bincount`` over every
element terminal and warns (:class:`~xbar.errors.LintWarning`) at the element's deck line,
naming the node and the terminal. It runs when a circuit is compiled unless the circuit's
options say ``lint=0`` (``.options nolint`` in a deck, ``Circuit(lint=False)`` or
``circuit.set_options(lint=0)`` from Python).

Not reported: ground, internal nodes of devices (``y1#0``) and terminals a device kind
declares as read-out arms that may stay open (:attr:`~xbar.devices.base.DeviceGroup`
subclasses' ``open_terminals``, e.g. the Hall arms of ``cogd``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from xbar.errors import LintWarning, warn

if TYPE_CHECKING:
    from xbar.circuit import Circuit

__all__ = ["dangling_nodes", "lint_circuit"]

_TERMINALS = {
    "r": ("n+", "n-"), "c": ("n+", "n-"), "l": ("n+", "n-"), "v": ("n+", "n-"), "i": ("n+", "n-"),
    "e": ("n+", "n-", "nc+", "nc-"), "g": ("n+", "n-", "nc+", "nc-"), "f": ("n+", "n-"),
    "h": ("n+", "n-"), "d": ("anode", "cathode"), "b": ("n+", "n-"),
}
_WORD = {"r": "resistor", "c": "capacitor", "l": "inductor", "v": "voltage source",
         "i": "current source", "e": "VCVS", "g": "VCCS", "f": "CCCS", "h": "CCVS", "d": "diode",
         "b": "behavioural source"}
_MAX_REPORTED = 10


def _y_terminals(circuit: Circuit) -> list[tuple[list[str], np.ndarray, tuple[str, ...], tuple[str, ...], str]]:
    """Per Y model: names, external terminal nodes (N, T), terminal names, open-allowed, kind."""
    out: list[tuple[list[str], np.ndarray, tuple[str, ...], tuple[str, ...], str]] = []
    if not any(store["names"] for store in circuit.y_instances.values()):
        return out  # (and no import of the device kinds for a circuit without Y devices)
    from xbar.devices.registry import DEVICE_KINDS, load_builtin_kinds

    load_builtin_kinds()
    for key_model, store in circuit.y_instances.items():
        if not store["names"]:
            continue
        cls = DEVICE_KINDS[circuit.models[key_model].type]
        nt = len(cls.terminals)
        ext = np.array([row[:nt] for row in store["nodes"]], dtype=np.int64).reshape(-1, nt)
        out.append((store["names"], ext, cls.terminals, tuple(getattr(cls, "open_terminals", ())),
                    cls.model_type))
    return out


def dangling_nodes(circuit: Circuit) -> list[tuple[str, str, str, str]]:
    """Nodes with exactly one connection: ``(node, element, terminal, what)`` per node.

    ``what`` says which element kind the terminal belongs to (``"resistor"``, ``"sotmtj"``).
    """
    n = len(circuit.node_names)
    if n == 0:
        return []
    counts = np.zeros(n + 1, dtype=np.int64)
    tables: list[tuple[list[str], np.ndarray, tuple[str, ...], str]] = []
    for kind, table in circuit.tables.items():
        names, nodes, _ = table.arrays()
        if names:
            terms = _TERMINALS.get(kind) or tuple(f"terminal {j + 1}" for j in range(nodes.shape[1]))
            tables.append((names, nodes, terms, _WORD.get(kind, f"element '{kind}'")))
    exempt = np.zeros(n + 1, dtype=bool)
    for names, ext, terms, open_ok, what in _y_terminals(circuit):
        tables.append((names, ext, terms, what))
        for j, t in enumerate(terms):
            if t in open_ok:
                exempt[ext[:, j]] = True
    for _, nodes, _, _ in tables:
        idx = nodes.ravel()
        counts += np.bincount(idx[idx >= 0], minlength=n + 1)
    # a node a behavioural expression reads (v(a)) is connected to that source's input
    btable = circuit.tables.get("b")
    if btable is not None:
        for spec in btable.extra:
            for what, target in getattr(spec, "probes", {}).values():
                k = circuit.node_index.get(target) if what == "node" else None
                if k is not None:
                    counts[k] += 1
    # nodes no element terminal touches are internal device nodes (y1#0): not user nodes
    single = np.flatnonzero((counts[:n] == 1) & ~exempt[:n])
    found: list[tuple[str, str, str, str]] = []
    for k in single[: 10 * _MAX_REPORTED]:
        for names, nodes, terms, what in tables:
            hit = np.argwhere(nodes == k)
            if len(hit):
                row, col = hit[0]
                found.append((circuit.node_names[k], names[row], terms[col], what))
                break
    return found


def lint_circuit(circuit: Circuit) -> list[tuple[str, str, str, str]]:
    """Warn (:class:`~xbar.errors.LintWarning`) about every node with one connection.

    Returns the findings of :func:`dangling_nodes`.
    """
    found = dangling_nodes(circuit)
    for node, element, terminal, what in found[:_MAX_REPORTED]:
        warn(f"node '{node}' has only one connection (terminal {terminal} of {what} '{element}'): "
             "a misspelt node name? ('.options nolint' turns this check off)",
             circuit.location_of(element), LintWarning)
    if len(found) > _MAX_REPORTED:
        more = f"{len(found) - _MAX_REPORTED}{'+' if len(found) >= 10 * _MAX_REPORTED else ''}"
        warn(f"{more} more node(s) with only one connection, e.g. "
             f"{', '.join(repr(f[0]) for f in found[_MAX_REPORTED:_MAX_REPORTED + 5])}",
             None, LintWarning)
    return found
