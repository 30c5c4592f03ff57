"""``.op``: the DC operating point."""

from __future__ import annotations

import numpy as np

from xbar.analysis.newton import solve_dc_point
from xbar.analysis.results import OpResult
from xbar.devices.base import F64
from xbar.errors import NetlistError
from xbar.mna.system import MnaSystem
from xbar.mna.topology import check_dc_paths

__all__ = ["initial_guess", "op_vectors", "run_op"]

_MAX_STATE_RESOLVES = 5


def initial_guess(system: MnaSystem) -> F64 | None:
    """Starting point from ``.nodeset`` values (None when there are none)."""
    ns = system.circuit.nodeset
    if not ns:
        return None
    x = np.zeros(system.n)
    for node, value in ns.items():
        k = system.circuit.node_index.get(node)
        if k is None:
            raise NetlistError(f".nodeset names node '{node}', which is not in the circuit")
        x[k] = value
    return x


def op_vectors(system: MnaSystem, x: F64, *, with_names: bool = True) -> tuple[list[str], F64]:
    """Result vector names and values for solution ``x`` (unknowns plus device outputs).

    ``with_names=False`` skips building the name list (per time step in transients).
    """
    names = system.unknown_names() if with_names else []
    values = [x]
    for g in system.groups:
        outs = g.outputs(x)
        for key, arr in outs.items():
            if with_names:
                names.extend(f"@{n}[{key}]" for n in g.names)
            values.append(np.asarray(arr, dtype=np.float64))
    return names, np.concatenate(values) if len(values) > 1 else x


def run_op(system: MnaSystem) -> OpResult:
    """Solve the operating point of ``system``."""
    check_dc_paths(system)
    start = system.event_count()
    x, _ = solve_dc_point(system, t=None, x0=initial_guess(system), analysis="operating point", point="")
    for _ in range(_MAX_STATE_RESOLVES):
        if not system.after_solution(x, None, None):
            break
        x, _ = solve_dc_point(system, t=None, x0=x, analysis="operating point", point="after a device state change")
    names, values = op_vectors(system, x)
    return OpResult(kind="op", names=names, data=values, title=system.circuit.title, analysis=".op",
                    events=system.events_since(start), units=system.vector_units(names))
