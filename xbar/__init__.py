"""xbar: SPICE-style circuit simulator for spintronic crossbar arrays.

Public API: :class:`Circuit` (Python builder), :func:`read_netlist` (ngspice-dialect decks),
results indexed by ngspice vector names, and the error types of :mod:`xbar.errors`.
"""

from __future__ import annotations

from xbar.analysis.results import OpResult, SweepResult, TranResult
from xbar.circuit import Circuit
from xbar.errors import (
    ConvergenceError,
    DataError,
    LintWarning,
    ModelCardError,
    NetlistError,
    SingularMatrixError,
    SourceLocation,
    TopologyError,
    XbarError,
    XbarWarning,
)
from xbar.netlist.elaborate import Netlist, read_netlist, read_netlist_text
from xbar.options import SimOptions

__version__ = "0.1.0"

__all__ = [
    "Circuit",
    "ConvergenceError",
    "DataError",
    "LintWarning",
    "ModelCardError",
    "Netlist",
    "NetlistError",
    "OpResult",
    "SimOptions",
    "SingularMatrixError",
    "SourceLocation",
    "SweepResult",
    "TopologyError",
    "TranResult",
    "XbarError",
    "XbarWarning",
    "read_netlist",
    "read_netlist_text",
]
