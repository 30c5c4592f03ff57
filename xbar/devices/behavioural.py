"""Behavioural sources ``B<name> n+ n- V=<expr>`` and ``I=<expr>`` (ngspice's B element).

The expression may use node voltages ``v(a)``, ``v(a, b)``, branch currents ``i(vx)`` (of V
sources, inductors, E/H sources and voltage-type B sources), ``time``, ``temper`` (°C),
parameters, every function of :mod:`xbar.netlist.expr`, user functions (``.func``) and the
B-source functions ``pwl``, ``u``, ``uramp``, ``pwr``.

Stamps (Newton companion form, :mod:`xbar.devices.base` conventions): with ``f(x)`` the
expression value and ``d_k = ∂f/∂x_k`` its partial derivatives with respect to the unknowns it
reads, linearised at ``x0``:

* current type: the current ``f`` flows from ``n+`` through the source to ``n-``; KCL row
  ``n+`` gets ``+d_k`` in column ``k``, row ``n-`` gets ``-d_k``, and the equivalent current
  ``f(x0) − Σ d_k x0_k`` goes to the right-hand side;
* voltage type: a branch unknown ``i(b)`` (current into ``n+`` through the source, as for V
  sources) and the branch row ``v(n+) − v(n−) − f(x) = 0``: ``−d_k`` in column ``k``.

The derivatives are exact: they are taken symbolically from the parsed expression tree
(:meth:`xbar.netlist.expr.Expression.derivative`), never by finite differences.

Vectorisation: instances whose expressions share one parsed text (the same B card in every
instance of a subcircuit) form one batch, evaluated once per Newton iteration with arrays of
probe values and parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from xbar.devices.base import F64, I64, DeviceGroup, LoadContext, Stamp, branch_stamp, node_values
from xbar.errors import NetlistError, SourceLocation, XbarError

__all__ = [
    "BEHAVIOURAL_DIALECT_NAMES",
    "BehaviouralCurrentGroup",
    "BehaviouralSpec",
    "BehaviouralVoltageGroup",
    "probe_targets",
]

#: Names a B expression reads besides probes and parameters.
BEHAVIOURAL_DIALECT_NAMES = frozenset({"time", "temper", "hertz"})


@dataclass
class BehaviouralSpec:
    """One B source as the circuit stores it.

    Attributes
    ----------
    kind : str
        ``"v"`` (voltage) or ``"i"`` (current).
    expression : Expression
        Parsed in the behavioural dialect (probes, ``pwl``...).
    probes : dict
        Probe variable (``"v(a)"``, ``"i(vx)"``) -> ``("node", global node name)`` or
        ``("branch", global element name)``.
    params : dict
        Values of the parameters the expression reads.
    location : SourceLocation or None
        The card (for errors found when the circuit is compiled).
    """

    kind: str
    expression: Any
    probes: dict[str, tuple[str, str]]
    params: dict[str, float] = field(default_factory=dict)
    location: SourceLocation | None = None


def probe_targets(names: frozenset[str] | set[str]) -> dict[str, tuple[str, str]]:
    """Default probe resolution: ``v(a)`` reads node ``a``, ``i(x)`` the branch of ``x``."""
    out: dict[str, tuple[str, str]] = {}
    for name in names:
        if name.startswith("v(") and name.endswith(")"):
            out[name] = ("node", name[2:-1])
        elif name.startswith("i(") and name.endswith(")"):
            out[name] = ("branch", name[2:-1])
    return out


class _Batch:
    """Instances sharing one parsed expression text: evaluated together on arrays."""

    def __init__(self, index: list[int], specs: list[BehaviouralSpec]) -> None:
        self.index = np.asarray(index, dtype=np.int64)
        self.specs = [specs[i] for i in index]
        first = self.specs[0].expression
        self.expression = first
        self.vars = sorted(first.names & set(self.specs[0].probes))
        self.derivatives = [first.derivative(v) for v in self.vars]
        self.cols = np.zeros((len(self.vars), len(index)), dtype=np.int64)
        params: dict[str, Any] = {}
        for name in sorted(first.names - set(self.vars) - BEHAVIOURAL_DIALECT_NAMES):
            values = np.array([s.params[name] for s in self.specs], dtype=np.float64)
            params[name] = float(values[0]) if np.all(values == values[0]) else values
        self.params = params
        self.uses_time = "time" in first.names

    def bind(self, resolve: Any) -> None:
        for j, var in enumerate(self.vars):
            for m, spec in enumerate(self.specs):
                self.cols[j, m] = resolve(spec, var)

    def environment(self, x: F64, ctx: LoadContext | None, time: float) -> dict[str, Any]:
        env: dict[str, Any] = dict(self.params)
        for j, var in enumerate(self.vars):
            env[var] = node_values(x, self.cols[j])
        env["time"] = time
        env["temper"] = ctx.temp if ctx is not None else 27.0
        env["hertz"] = 0.0
        return env

    def evaluate(self, x: F64, ctx: LoadContext | None, time: float) -> tuple[F64, list[F64]]:
        """Values and derivatives (one array per probe variable), shape (n_instances,)."""
        n = len(self.index)
        env = self.environment(x, ctx, time)
        try:
            value = np.broadcast_to(self.expression.evaluate(env), (n,))
            derivs = [np.broadcast_to(d.evaluate(env), (n,)) for d in self.derivatives]
        except XbarError:
            self._locate_failure(env)
            raise
        return np.asarray(value, dtype=np.float64), [np.asarray(d, dtype=np.float64) for d in derivs]

    def _locate_failure(self, env: Mapping[str, Any]) -> None:
        """Re-evaluate instance by instance so the error names the failing card."""
        for m, spec in enumerate(self.specs):
            scalar = {k: (float(v[m]) if isinstance(v, np.ndarray) else v) for k, v in env.items()}
            try:
                spec.expression.evaluate(scalar)
                for var in self.vars:
                    spec.expression.derivative(var).evaluate(scalar)
            except NetlistError as exc:
                at = ", ".join(f"{k} = {scalar[k]:.6g}" for k in [*self.vars, "time"] if k in scalar)
                raise type(exc)(f"{exc.message} (B source evaluated at {at})", exc.location) from None


class _BehaviouralGroup(DeviceGroup):
    """Shared machinery of the voltage and current B-source groups."""

    linear: ClassVar[bool] = False

    def __init__(self, names: list[str], nodes: I64, specs: list[BehaviouralSpec]) -> None:
        super().__init__(names, nodes)
        self.specs = specs
        by_code: dict[int, list[int]] = {}
        for i, spec in enumerate(specs):
            by_code.setdefault(id(spec.expression._code), []).append(i)
        self.batches = [_Batch(idx, specs) for idx in by_code.values()]
        self._knots: F64 | None = None

    def bind(self, node_index: Mapping[str, int], branch_of: Mapping[str, int],
             element_kind: Mapping[str, str]) -> None:
        """Resolve probes to unknown indices (after every branch is numbered)."""
        ground = {"0", "gnd"}

        def resolve(spec: BehaviouralSpec, var: str) -> int:
            what, target = spec.probes[var]
            if what == "node":
                if target in ground:
                    return -1
                k = node_index.get(target)
                if k is None:
                    raise NetlistError(f"B source reads {var}, but node '{target}' is not in the "
                                       "circuit", spec.location)
                return k
            k = branch_of.get(target)
            if k is None:
                kind = element_kind.get(target)
                why = ("which is not an element of the circuit" if kind is None else
                       "which has no branch current (i() reads V sources, inductors, E/H sources "
                       "and voltage-type B sources)")
                raise NetlistError(f"B source reads {var}: '{target}' {why}", spec.location)
            return k

        for batch in self.batches:
            batch.bind(resolve)

    # pattern ------------------------------------------------------------------------------
    def _rows_cols(self, batch: _Batch) -> tuple[I64, I64]:
        raise NotImplementedError

    def nl_pattern(self) -> tuple[I64, I64]:
        rows, cols = [], []
        for b in self.batches:
            r, c = self._rows_cols(b)
            rows.append(r)
            cols.append(c)
        if not rows:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(rows), np.concatenate(cols)

    def _linearise(self, batch: _Batch, x: F64, ctx: LoadContext) -> tuple[F64, F64]:
        """Derivative matrix (P, N) and equivalent value f(x0) - Σ d·x0 (N,)."""
        value, derivs = batch.evaluate(x, ctx, getattr(ctx, "time", 0.0))
        d = np.array(derivs).reshape(len(batch.vars), len(batch.index))
        ieq = value - (d * node_values(x, batch.cols)).sum(axis=0) if len(batch.vars) else value
        return d, ieq

    def values(self, x: F64, time: float = 0.0, temp: float = 27.0) -> F64:
        """Expression value of every instance at unknowns ``x`` (in instance order)."""
        out = np.zeros(len(self.names))
        ctx = LoadContext(gmin=0.0, temp=temp, reltol=0.0, abstol=0.0, vntol=0.0)
        for b in self.batches:
            out[b.index] = b.evaluate(x, ctx, time)[0]
        return out

    # breakpoints ----------------------------------------------------------------------------
    @property
    def has_breakpoints(self) -> bool:
        """True when some expression is ``pwl(time, ...)`` (its knots are transient corners)."""
        return self._time_knots().size > 0

    def _time_knots(self) -> F64:
        if self._knots is None:
            knots: list[F64] = []
            for b in self.batches:
                if not b.uses_time:
                    continue
                for spec in b.specs:
                    for arr in spec.expression.pwl_knots("time", spec.params):
                        knots.append(arr.ravel())
            self._knots = np.unique(np.concatenate(knots)) if knots else np.zeros(0)
        return self._knots

    def next_breakpoint(self, t: float) -> float:
        """First ``pwl(time, ...)`` knot strictly after ``t`` (inf when none)."""
        knots = self._time_knots()
        k = int(np.searchsorted(knots, t, side="right"))
        return float(knots[k]) if k < len(knots) else float("inf")


class BehaviouralCurrentGroup(_BehaviouralGroup):
    """Current-type B sources: ``I=f`` from ``n+`` through the source to ``n-``.

    ``conducting`` marks groups whose expressions read a voltage of their own terminals (a
    nonlinear conductance gives a DC path, as a diode does); other instances are current
    sources for the topology checks.
    """

    kind: ClassVar[str] = "bsource_i"
    letter: ClassVar[str] = "b"

    def __init__(self, names: list[str], nodes: I64, specs: list[BehaviouralSpec],
                 conducting: bool) -> None:
        super().__init__(names, nodes, specs)
        self.dc_conducting = ((0, 1),) if conducting else ()  # type: ignore[misc]

    def _rows_cols(self, batch: _Batch) -> tuple[I64, I64]:
        p = self.nodes[batch.index, 0]
        n = self.nodes[batch.index, 1]
        n_vars = len(batch.vars)
        rows = np.concatenate([np.tile(p, n_vars), np.tile(n, n_vars)])
        cols = np.concatenate([batch.cols.ravel(), batch.cols.ravel()])
        return rows, cols

    def nl_load(self, x: F64, ctx: LoadContext) -> tuple[F64, I64, F64]:
        vals, rows, cur = [], [], []
        for b in self.batches:
            d, ieq = self._linearise(b, x, ctx)
            flat = d.ravel()
            vals.append(np.concatenate([flat, -flat]))
            rows.append(np.concatenate([self.nodes[b.index, 0], self.nodes[b.index, 1]]))
            cur.append(np.concatenate([ieq, -ieq]))
        return np.concatenate(vals), np.concatenate(rows), np.concatenate(cur)


class BehaviouralVoltageGroup(_BehaviouralGroup):
    """Voltage-type B sources: ``v(n+) − v(n−) = f``; branch current ``i(b<name>)``."""

    kind: ClassVar[str] = "bsource_v"
    letter: ClassVar[str] = "b"
    has_branch = True
    dc_conducting = ((0, 1),)
    voltage_defining = (0, 1)

    def g_stamp(self) -> Stamp:
        return branch_stamp(self.nodes[:, 0], self.nodes[:, 1], self.branch)

    def _rows_cols(self, batch: _Batch) -> tuple[I64, I64]:
        k = self.branch[batch.index]
        return np.tile(k, len(batch.vars)), batch.cols.ravel()

    def nl_load(self, x: F64, ctx: LoadContext) -> tuple[F64, I64, F64]:
        vals, rows, cur = [], [], []
        for b in self.batches:
            d, ieq = self._linearise(b, x, ctx)
            vals.append(-d.ravel())
            rows.append(self.branch[b.index])
            cur.append(-ieq)
        return np.concatenate(vals), np.concatenate(rows), np.concatenate(cur)
