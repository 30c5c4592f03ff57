"""Explain ill-posed circuits in circuit terms before solving.

* loops of voltage-defining elements (V, E, H sources; inductors are shorts at DC);
* nodes without a DC path to ground (joined to the rest only through capacitors);
* cut-sets of current sources (nodes joined to the rest only through current sources).

Connectivity uses ``scipy.sparse.csgraph`` (linear time, fine for millions of nodes); networkx
finds the loop to name in messages, on the small voltage-source subgraph only.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from xbar.devices.linear import CapacitorGroup
from xbar.errors import TopologyError

if TYPE_CHECKING:
    from xbar.mna.system import MnaSystem

__all__ = ["check_dc_paths", "check_structure", "diagnose_singular"]

_MAX_LISTED = 8


def _fmt(names: list[str]) -> str:
    shown = ", ".join(f"'{n}'" for n in names[:_MAX_LISTED])
    if len(names) > _MAX_LISTED:
        shown += f" and {len(names) - _MAX_LISTED} more"
    return shown


def _edges(system: MnaSystem, *, pairs: str) -> tuple[np.ndarray, np.ndarray, list[tuple[str, int]]]:
    """Node-pair edges of every group (ground mapped to index n_nodes)."""
    gnd = system.n_nodes
    a_l, b_l, owners = [], [], []
    for g in system.groups:
        plist = g.dc_conducting if pairs == "dc" else ([g.voltage_defining] if g.voltage_defining else [])
        for i, j in plist:
            a = np.where(g.nodes[:, i] >= 0, g.nodes[:, i], gnd)
            b = np.where(g.nodes[:, j] >= 0, g.nodes[:, j], gnd)
            a_l.append(a)
            b_l.append(b)
            owners.append((g.kind, len(a)))
    if not a_l:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), owners
    return np.concatenate(a_l), np.concatenate(b_l), owners


def check_structure(system: MnaSystem) -> None:
    """Checks that hold for every analysis: voltage-source loops (always singular)."""
    _check_voltage_loops(system)


def _check_voltage_loops(system: MnaSystem) -> None:
    groups = [g for g in system.groups if g.voltage_defining is not None]
    if not groups:
        return
    gnd = system.n_nodes
    edges: list[tuple[int, int, str]] = []
    parent: dict[int, int] = {}
    for g in groups:
        i, j = g.voltage_defining  # type: ignore[misc]
        a = np.where(g.nodes[:, i] >= 0, g.nodes[:, i], gnd)
        b = np.where(g.nodes[:, j] >= 0, g.nodes[:, j], gnd)
        for name, u, v in zip(g.names, a.tolist(), b.tolist(), strict=True):
            if u == v:
                raise TopologyError(f"'{name}' has both terminals on node '{_node_name(system, u)}': "
                                    "a voltage-defining element shorted on itself")
            ru, rv = _find(parent, u), _find(parent, v)
            if ru == rv:
                import networkx as nx  # only to name the elements of the loop

                graph = nx.MultiGraph()
                for eu, ev, en in edges:
                    graph.add_edge(eu, ev, name=en)
                path = nx.shortest_path(graph, u, v)
                names = [name]
                for p, q in itertools.pairwise(path):
                    names.append(next(iter(graph.get_edge_data(p, q).values()))["name"])
                kinds = "voltage sources / inductors" if any(n.startswith("l") for n in names) else "voltage sources"
                raise TopologyError(
                    f"{kinds} {_fmt(names)} form a loop: Kirchhoff's voltage law over the loop is "
                    "over-determined (at DC inductors are shorts); break the loop with a resistance"
                )
            parent[ru] = rv
            edges.append((u, v, name))


def _find(parent: dict[int, int], u: int) -> int:
    root = u
    while parent.get(root, root) != root:
        root = parent[root]
    while parent.get(u, u) != root:
        parent[u], u = root, parent[u]
    return root


def _node_name(system: MnaSystem, k: int) -> str:
    return "0" if k >= system.n_nodes else system.node_names[k]


def check_dc_paths(system: MnaSystem, *, capacitors_conduct: bool = False) -> None:
    """Raise :class:`TopologyError` for nodes with no DC path to ground or current-source cut-sets.

    ``capacitors_conduct`` is used for transients started with ``uic``, where capacitors fix
    node voltages through their charge history.
    """
    n = system.n_nodes
    if n == 0:
        return
    a, b, _ = _edges(system, pairs="dc")
    if capacitors_conduct:
        for g in system.groups:
            if isinstance(g, CapacitorGroup):
                a = np.concatenate([a, np.where(g.nodes[:, 0] >= 0, g.nodes[:, 0], n)])
                b = np.concatenate([b, np.where(g.nodes[:, 1] >= 0, g.nodes[:, 1], n)])
    m = sp.coo_array((np.ones(len(a)), (a, b)), shape=(n + 1, n + 1))
    _, labels = connected_components(m, directed=False)
    floating = np.flatnonzero(labels[:n] != labels[n])
    if len(floating) == 0:
        return
    names = [system.node_names[k] for k in floating]
    fl = set(floating.tolist())
    via_caps: list[str] = []
    via_sources: list[str] = []
    for g in system.groups:
        if g.dc_conducting:
            continue
        touches = np.isin(g.nodes[:, :2], floating).any(axis=1)
        for idx in np.flatnonzero(touches)[:_MAX_LISTED]:
            (via_caps if isinstance(g, CapacitorGroup) else via_sources).append(g.names[idx])
    del fl
    if via_sources and not via_caps:
        raise TopologyError(
            f"node(s) {_fmt(names)} are joined to the rest of the circuit only by current sources "
            f"{_fmt(via_sources)}: a cut-set of current sources, so KCL cannot hold there; "
            "add a resistance to ground"
        )
    reason = f" (only through capacitors {_fmt(via_caps)})" if via_caps else ""
    raise TopologyError(
        f"node(s) {_fmt(names)} have no DC path to ground{reason}; "
        "add a resistance to ground or use '.tran ... uic'" if via_caps else
        f"node(s) {_fmt(names)} have no DC path to ground{reason}; connect them through a resistance"
    )


def diagnose_singular(system: MnaSystem) -> str:
    """A topological explanation of a singular matrix, or a generic hint."""
    try:
        check_dc_paths(system)
    except TopologyError as exc:
        return str(exc)
    return ("the MNA matrix is singular although every node has a DC path to ground; check "
            "controlled-source loops (E/F/G/H gains forming a degenerate system) and zero-valued elements")
