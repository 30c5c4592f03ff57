"""xbar: SPICE-style circuit simulator for spintronic crossbar arrays.

Public API: :class:`Circuit` (Python builder), :func:`read_netlist` (ngspice-dialect decks),
results indexed by ngspice vector names, the error types of :mod:`xbar.errors`, and the limits
on work and memory of :mod:`xbar.limits` (:func:`set_limits`). Arguments are checked by the
helpers of :mod:`xbar.validate`.
"""

from __future__ import annotations

from xbar.analysis.results import OpResult, SweepResult, TranResult
from xbar.circuit import Circuit
from xbar.errors import (
    ArgumentTypeError,
    ConvergenceError,
    DataError,
    DivergenceError,
    InterruptedRunWarning,
    LimitError,
    LintWarning,
    MissingDependencyError,
    ModelCardError,
    NetlistError,
    SingularMatrixError,
    SourceLocation,
    TopologyError,
    XbarError,
    XbarWarning,
)
from xbar.limits import Limits, get_limits, set_limits, temporary_limits
from xbar.netlist.elaborate import Netlist, read_netlist, read_netlist_text
from xbar.options import SimOptions

__version__ = "0.1.0"

__all__ = [
    "ArgumentTypeError",
    "Circuit",
    "ConvergenceError",
    "DataError",
    "DivergenceError",
    "InterruptedRunWarning",
    "LimitError",
    "Limits",
    "LintWarning",
    "MissingDependencyError",
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
    "get_limits",
    "read_netlist",
    "read_netlist_text",
    "set_limits",
    "temporary_limits",
]
