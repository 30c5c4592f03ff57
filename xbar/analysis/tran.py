"""``.tran``: transient analysis with BE, trapezoidal and Gear-2, LTE step control, breakpoints.

The DAE ``G x + f_nl(x) + dq/dt = b(t)`` with ``q = C x`` is discretised as
``dq/dt|n+1 ≈ a0·q(n+1) + r_hist`` where

* backward Euler: ``a0 = 1/h``, ``r_hist = −q_n/h``;
* trapezoidal: ``a0 = 2/h``, ``r_hist = −2q_n/h − q̇_n``;
* Gear-2 (variable-step BDF2): ``a0 = (2h₁+h₂)/(h₁(h₁+h₂))``, ``a1 = −(h₁+h₂)/(h₁h₂)``,
  ``a2 = h₁/(h₂(h₁+h₂))``, ``r_hist = a1·q_n + a2·q_{n−1}``.

The local truncation error is estimated per charge row from the divided difference of order
k+1 of ``q`` (as SPICE's ``CKTterr`` does) and compared with
``trtol·(reltol·max(|q̇|) + abstol)``; steps that fail are retried with a smaller ``h``.
Steps land exactly on source breakpoints (PULSE corners, PWL knots), after which the method
restarts at order 1, and on the user's ``tstep`` output grid.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from xbar.analysis import guards
from xbar.analysis.newton import NewtonFailure, newton, solve_dc_point
from xbar.analysis.op import initial_guess, op_vectors
from xbar.analysis.results import TranResult
from xbar.devices.base import F64
from xbar.devices.linear import CapacitorGroup, InductorGroup
from xbar.devices.sources import _SourceGroup
from xbar.errors import ConvergenceError, NetlistError, SourceLocation
from xbar.limits import check_count
from xbar.mna.system import MnaSystem
from xbar.mna.topology import check_dc_paths
from xbar.validate import real

__all__ = ["TranSpec", "run_tran"]

_CHGTOL = 1e-14
_IC_CONDUCTANCE = 1e10


@dataclass
class TranSpec:
    """``.tran tstep tstop [tstart [tmax]] [uic]`` [s]."""

    tstep: float
    tstop: float
    tstart: float = 0.0
    tmax: float | None = None
    uic: bool = False
    location: SourceLocation | None = None

    def validate(self) -> None:
        loc = self.location
        if not self.tstep > 0:
            raise NetlistError(f".tran tstep must be positive, got {self.tstep:g}", loc)
        if not self.tstop > 0:
            raise NetlistError(f".tran tstop must be positive, got {self.tstop:g}", loc)
        if not 0 <= self.tstart < self.tstop:
            raise NetlistError(f".tran tstart must be in [0, tstop), got {self.tstart:g}", loc)
        if self.tmax is not None and not self.tmax > 0:
            raise NetlistError(f".tran tmax must be positive, got {self.tmax:g}", loc)
        check_count(self.tstop / self.tstep, "max_tran_points", ".tran", "raise tstep", location=loc)


def _ic_clamp(system: MnaSystem) -> tuple[F64 | None, F64 | None]:
    """Large conductances holding ``.ic`` nodes at their values during the initial op."""
    ic = system.circuit.ic
    if not ic:
        return None, None
    data = np.zeros(system.nnz)
    rhs = np.zeros(system.n)
    for node, value in ic.items():
        k = system.circuit.node_index.get(node)
        if k is None:
            raise NetlistError(f".ic names node '{node}', which is not in the circuit")
        value = real(value, f".ic value of node '{node}'", unit="V")
        data[system.diag_slots[k]] += _IC_CONDUCTANCE
        rhs[k] += _IC_CONDUCTANCE * value
    return data, rhs


def _uic_state(system: MnaSystem, cmat: object) -> tuple[F64, F64]:
    """Initial unknowns and charges for ``uic``: ``.ic`` node values, capacitor/inductor ICs."""
    x = np.zeros(system.n)
    for node, value in system.circuit.ic.items():
        k = system.circuit.node_index.get(node)
        if k is None:
            raise NetlistError(f".ic names node '{node}', which is not in the circuit")
        x[k] = real(value, f".ic value of node '{node}'", unit="V")
    for g in system.groups:
        if isinstance(g, InductorGroup):
            given = ~np.isnan(g.ic)
            x[g.branch[given]] = g.ic[given]
    q = cmat @ x  # type: ignore[operator]
    for g in system.groups:
        if isinstance(g, CapacitorGroup):
            given = ~np.isnan(g.ic)
            if not np.any(given):
                continue
            a, b = g.nodes[given, 0], g.nodes[given, 1]
            va = np.where(a >= 0, x[a], 0.0)
            vb = np.where(b >= 0, x[b], 0.0)
            dq = g.c[given] * (g.ic[given] - (va - vb))
            np.add.at(q, a[a >= 0], dq[a >= 0])
            np.add.at(q, b[b >= 0], -dq[b >= 0])
    return x, q


class _Breakpoints:
    def __init__(self, system: MnaSystem, spec: TranSpec) -> None:
        # sources with time functions, and groups with corners of their own (pwl(time, ...) in
        # behavioural sources)
        self.sources = [g for g in system.groups if (isinstance(g, _SourceGroup) and len(g.wave_index))
                        or getattr(g, "has_breakpoints", False)]
        self.spec = spec

    def next_source(self, t: float) -> float:
        nxt = self.spec.tstop
        for g in self.sources:
            nxt = min(nxt, g.next_breakpoint(t))
        return nxt

    def next_grid(self, t: float) -> float:
        s = self.spec
        k = math.floor((t - s.tstart) / s.tstep + 1e-9) + 1
        return min(s.tstart + k * s.tstep, s.tstop) if t >= s.tstart else s.tstart


def run_tran(system: MnaSystem, spec: TranSpec, *, progress: bool | None = None) -> TranResult:
    """Integrate from 0 to ``spec.tstop``; output every accepted point with ``t >= tstart``.

    ``progress`` shows a tqdm bar over simulated time (``None``: only once the run has taken a
    few seconds). Ctrl-C stops the run and returns the points computed so far, with an
    :class:`~xbar.errors.InterruptedRunWarning`.
    """
    spec.validate()
    opts = system.options
    method = opts.method
    for g in system.groups:
        if isinstance(g, _SourceGroup):
            g.bind_transient(spec.tstep, spec.tstop)
    stop = guards.Interrupt()
    try:
        guards.check_time_resolution(system, spec.tstep, spec.tstop, spec.tmax, spec.location)
        stop.install()
        return _integrate(system, spec, method, progress, stop)
    finally:
        stop.uninstall()
        for g in system.groups:
            if isinstance(g, _SourceGroup):
                g.unbind_transient()


def _integrate(system: MnaSystem, spec: TranSpec, method: str, progress: bool | None = None,
               stop: guards.Interrupt | None = None) -> TranResult:
    stop = stop or guards.Interrupt()
    opts = system.options
    cmat = system.c_matrix()
    tmax = spec.tmax if spec.tmax is not None else min(spec.tstep, (spec.tstop - spec.tstart) / 50.0)
    tmax = min(tmax, spec.tstop, guards.growth_step_cap(system, spec.tstop))
    hmin = max(1e-9 * min(spec.tstep, tmax), guards.retry_floor(spec.tstop))
    check_dc_paths(system, capacitors_conduct=spec.uic)
    if spec.uic:
        x, q0 = _uic_state(system, cmat)
    else:
        extra_data, extra_rhs = _ic_clamp(system)
        x, _ = solve_dc_point(system, t=0.0, x0=initial_guess(system), analysis="transient initial point",
                              point="t = 0", extra_data=extra_data, extra_rhs=extra_rhs)
        q0 = cmat @ x
    bps = _Breakpoints(system, spec)
    start_events = system.event_count()
    outputs = [op_vectors(system, x, with_names=False)[1]]
    system.after_solution(x, 0.0, None)
    if system.charge_groups:
        q0 = q0 + system.total_charge(cmat, x) - cmat @ x  # nonlinear charges (after their set-up)
    times = [0.0]
    x_last = x.copy()
    qs = [q0]
    qdot = np.zeros(system.n)
    t = 0.0
    # ngspice's first step: min(tstep, tstop/100)/10, and another /10 for the t = 0 breakpoint
    h = min(spec.tstep, spec.tstop / 100.0) / 100.0
    h = min(h, tmax)
    order = 1
    next_bp = bps.next_source(0.0)
    factor_cache: dict[float, object] = {}
    charge_rows = system.charge_rows(cmat)
    steps_taken = 0
    bar = guards.TimeProgress(spec.tstop, "tran", progress)
    row_bytes = 8 * (len(outputs[0]) + 1)
    while t < spec.tstop * (1 - 1e-12) and not stop.requested:
        bar.advance(t)
        h = min(h, tmax)
        grid = bps.next_grid(t)
        if 0.0 < next_bp - grid <= hmin:
            grid = next_bp  # a corner a rounding step past a grid point: land on the corner only
        target = min(next_bp, grid, spec.tstop)
        at_corner = False
        if t + h >= target - hmin:
            h = target - t
            at_corner = target == next_bp
        elif t + 2 * h > target:
            h = 0.5 * (target - t)  # avoid a sliver step right before the target
        k_order = 1 if method == "be" else order
        if k_order == 1:
            a0 = 1.0 / h
            r_hist = -qs[-1] / h
        elif method == "trap":
            a0 = 2.0 / h
            r_hist = -2.0 * qs[-1] / h - qdot
        else:
            h1, h2 = h, times[-1] - times[-2]
            a0 = (2 * h1 + h2) / (h1 * (h1 + h2))
            a1 = -(h1 + h2) / (h1 * h2)
            a2 = h1 / (h2 * (h1 + h2))
            r_hist = a1 * qs[-1] + a2 * qs[-2]
        t_new = t + h
        rhs = system.rhs(t_new) - r_hist
        base = system.g_data + a0 * system.c_data
        try:
            if system.linear:
                # without capacitors or inductors the matrix does not depend on the step
                key = a0 if system.has_reactive else 0.0
                fac = factor_cache.get(key)
                if fac is None:
                    if len(factor_cache) > 8:
                        factor_cache.clear()
                    fac = system.solver.factor(system.work_matrix(base))
                    factor_cache[key] = fac
                x_new = fac.solve(rhs)  # type: ignore[attr-defined]
            else:
                x_new, _ = newton(system, x_last, base, rhs, itl=opts.itl4, a0=a0)
        except NewtonFailure as fail:
            h /= 8.0
            order = 1
            if h < hmin:
                name = system.unknown_name(fail.worst)
                raise ConvergenceError(
                    f"transient at t = {t_new:.6g} s: Newton-Raphson did not converge within {opts.itl4} "
                    f"iterations (worst unknown {name}); tried: step reduction down to {hmin:.3g} s",
                    analysis="transient", point=f"t = {t_new:.6g}", iterations=fail.iterations,
                    worst_unknown=name, tried=("step reduction",)) from None
            continue
        q_new = system.total_charge(cmat, x_new, linearised=True) if system.charge_groups else cmat @ x_new
        qdot_new = a0 * q_new + r_hist
        # local truncation error on the charge rows
        h_next = 2.0 * h
        if len(charge_rows) and len(times) >= k_order + 1 and steps_taken > 0:
            ratio = _lte_ratio(k_order, method, [t_new, *times[::-1][: k_order + 1]],
                               [q_new, *qs[::-1][: k_order + 1]], qdot_new, qdot, charge_rows, opts, h)
            if ratio > 1.0 and h > 4 * hmin:
                h = max(h * max(0.9 * ratio ** (-1.0 / (k_order + 1)), 0.1), hmin)
                continue
            h_next = h * min(2.0, 0.9 * ratio ** (-1.0 / (k_order + 1))) if ratio > 0 else 2.0 * h
        guards.check_solution(x_new, system, "transient", f"t = {t_new:.6g} s")
        t = t_new
        times.append(t)
        guards.check_stored_points(len(times), row_bytes, "transient", f"t = {t:.6g} s")
        x_last = x_new
        qs.append(q_new)
        if len(qs) > 4:
            del qs[0]
        qdot = qdot_new
        steps_taken += 1
        # outputs first: a switching event takes effect from the next step, so every row is
        # one consistent (state, voltages) pair
        outputs.append(op_vectors(system, x_new, with_names=False)[1])
        state_changed = system.after_solution(x_new, t, h)
        if state_changed:
            factor_cache.clear()
            at_corner = True
        if at_corner:
            order = 1
            next_bp = bps.next_source(t)
            while next_bp - t <= hmin and next_bp < spec.tstop:
                next_bp = bps.next_source(next_bp)  # corners closer than hmin count as reached
            h_next = min(h_next, 0.1 * min(spec.tstep, max(next_bp - t, hmin)))
        else:
            order = 1 if method == "be" else 2
        h = max(h_next, hmin)
    bar.close()
    if stop.requested:
        guards.warn_interrupted("transient", f"{len(times)} time points up to t = {t:.6g} s")
    tarr = np.asarray(times)
    xarr = np.asarray(outputs)
    keep = tarr >= spec.tstart * (1 - 1e-12)
    if spec.uic:
        # with uic there is no consistent solution at t = 0 (node voltages and capacitor ICs
        # disagree); like ngspice, the output starts at the first computed point
        keep[0] = False
    names = ["time", *op_vectors(system, x_last)[0]]
    data = np.column_stack([tarr[keep], xarr[keep]])
    return TranResult(kind="tran", names=names, data=data, title=system.circuit.title, scale_name="time",
                      analysis=".tran", events=system.events_since(start_events),
                      units=system.vector_units(names), interrupted=stop.requested)


_ERR_COEF = {("be", 1): 0.5, ("trap", 1): 0.5, ("gear", 1): 0.5, ("trap", 2): 1.0 / 12.0, ("gear", 2): 2.0 / 9.0}


def _lte_ratio(order: int, method: str, ts: list[float], qs: list[F64], qdot_new: F64, qdot_old: F64,
               rows: np.ndarray, opts: object, h: float) -> float:
    """max over charge rows of (estimated current error) / (allowed current error)."""
    # divided difference of order k+1 over the k+2 most recent points
    dd = [q[rows] for q in qs[: order + 2]]
    tt = ts[: order + 2]
    for level in range(1, order + 2):
        dd = [(dd[i] - dd[i + 1]) / (tt[i] - tt[i + level]) for i in range(len(dd) - 1)]
    deriv = dd[0] * math.factorial(order + 1)
    coef = _ERR_COEF[(method if method != "be" else "be", order)]
    err_q = coef * h ** (order + 1) * np.abs(deriv)
    reltol = opts.reltol  # type: ignore[attr-defined]
    abstol = opts.abstol  # type: ignore[attr-defined]
    trtol = opts.trtol  # type: ignore[attr-defined]
    cur_tol = reltol * np.maximum(np.abs(qdot_new[rows]), np.abs(qdot_old[rows])) + abstol
    # as ngspice's CKTterr: reltol·max(|q|, chgtol)/h (chgtol is a floor of the charge, not an
    # absolute tolerance added to it: that would be 1/reltol times looser on small charges)
    chg_tol = reltol * np.maximum(np.maximum(np.abs(qs[0][rows]), np.abs(qs[1][rows])), _CHGTOL) / h
    tol = trtol * np.maximum(cur_tol, chg_tol)
    return float(np.max(err_q / h / tol))
