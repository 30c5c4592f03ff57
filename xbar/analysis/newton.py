"""Newton-Raphson with SPICE convergence tests, gmin stepping and source stepping.

The linearised system at iterate ``x`` is ``(G + J_nl(x) + extra) x_new = b - ieq(x) + extra_rhs``
(SPICE's companion form: devices limit their own junction voltages and return equivalent
currents). Convergence, as in SPICE: every unknown changes by less than
``reltol·max(|x_new|, |x_old|) + vntol`` (node voltages) or ``+ abstol`` (branch currents), and
every nonlinear device reports its current converged.

Linear circuits take one factorisation and one solve.

Work is bounded: an iterate beyond the ``max_solution`` limit ends a Newton run as diverged,
and one DC point may take at most ``max_dc_iterations`` iterations over all fall-backs
(:mod:`xbar.limits`); a point that diverged raises :class:`~xbar.errors.DivergenceError`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xbar.analysis import guards
from xbar.devices.base import F64
from xbar.errors import ConvergenceError, SingularMatrixError
from xbar.limits import get_limits
from xbar.mna.system import MnaSystem
from xbar.mna.topology import diagnose_singular

__all__ = ["NewtonFailure", "newton", "solve_dc_point", "solve_linear"]


@dataclass
class NewtonFailure(Exception):
    """Internal signal: Newton did not converge (converted to ConvergenceError by callers)."""

    iterations: int
    worst: int
    x: F64
    diverged: bool = False


def _factor_solve(system: MnaSystem, data: F64, rhs: F64) -> F64:
    try:
        fac = system.solver.factor(system.work_matrix(data))
        return fac.solve(rhs)
    except SingularMatrixError as exc:
        raise SingularMatrixError(f"{exc}: {diagnose_singular(system)}") from None


def solve_linear(system: MnaSystem, data: F64, rhs: F64) -> F64:
    """One factorisation and solve plus one step of iterative refinement.

    The refinement step (``x += A⁻¹(b − A x)`` with the same factors) costs one extra
    triangular solve and brings large crossbars from ~1e-9 to ~1e-10 relative accuracy on
    small currents that are differences of large ones (driver currents). Raises
    :class:`SingularMatrixError` with a topological reason.
    """
    try:
        A = system.work_matrix(data)
        fac = system.solver.factor(A)
        x = fac.solve(rhs)
        if getattr(fac, "refined", False):
            return x  # the factorisation already solves to its residual tolerance
        return x + fac.solve(rhs - A @ x)
    except SingularMatrixError as exc:
        raise SingularMatrixError(f"{exc}: {diagnose_singular(system)}") from None


def _tolerances(system: MnaSystem, a: F64, b: F64) -> F64:
    o = system.options
    tol = o.reltol * np.maximum(np.abs(a), np.abs(b))
    tol[: system.n_nodes] += o.vntol
    tol[system.n_nodes :] += o.abstol
    return tol


def newton(
    system: MnaSystem,
    x0: F64,
    base_data: F64,
    rhs: F64,
    *,
    itl: int,
    gmin: float | None = None,
    cold: bool = False,
    polish: bool = False,
    a0: float = 0.0,
) -> tuple[F64, int]:
    """Newton iterations from ``x0`` on the system with constant part ``base_data``.

    ``cold`` marks a start without a previous solution (junctions start at their critical
    voltage, as SPICE's MODEINITJCT). ``a0`` is the transient's integration coefficient of
    nonlinear charges (0 at DC). Returns the solution and the iteration count; raises
    :class:`NewtonFailure`.
    """
    ctx = system.load_context(gmin)
    ctx.cold = cold
    ctx.a0 = a0
    x = x0.copy()
    bound = get_limits().max_solution
    for it in range(1, itl + 1):
        nl_data, ieq = system.load_nonlinear(x, ctx)
        x_new = _factor_solve(system, base_data + nl_data, rhs - ieq)
        if not np.all(np.isfinite(x_new)):
            raise NewtonFailure(it, int(np.argmax(~np.isfinite(x_new))), x)
        if np.max(np.abs(x_new), initial=0.0) > bound:
            raise NewtonFailure(it, int(np.argmax(np.abs(x_new))), x_new, diverged=True)
        delta = np.abs(x_new - x)
        tol = _tolerances(system, x_new, x)
        ok = bool(np.all(delta <= tol)) and not ctx.initialise
        ctx.initialise = False
        x = x_new
        if ok and all(g.nl_converged(x, ctx) for g in system.nonlinear_groups):
            if polish and np.max(delta / tol, initial=0.0) > 1e-3:
                # one more (quadratically convergent) iteration makes DC answers exact to
                # rounding instead of to the convergence tolerance
                nl_data, ieq = system.load_nonlinear(x, ctx)
                x = _factor_solve(system, base_data + nl_data, rhs - ieq)
                it += 1
            return x, it
    worst = int(np.argmax(delta / tol))
    raise NewtonFailure(itl, worst, x)


def solve_dc_point(
    system: MnaSystem,
    *,
    t: float | None,
    x0: F64 | None,
    analysis: str,
    point: str,
    extra_data: F64 | None = None,
    extra_rhs: F64 | None = None,
) -> tuple[F64, int]:
    """A DC solution with SPICE's fall-backs: plain Newton, gmin stepping, source stepping.

    ``extra_data``/``extra_rhs`` add matrix values and right-hand sides (``.ic`` clamps).
    """
    if system.n == 0:
        return np.zeros(0), 0  # every element sits between ground nodes
    base = system.g_data if extra_data is None else system.g_data + extra_data
    b = system.rhs(t)
    if extra_rhs is not None:
        b = b + extra_rhs
    if system.linear:
        x = solve_linear(system, base, b)
        guards.check_solution(x, system, analysis, point)
        return x, 1
    opts = system.options
    budget = get_limits().max_dc_iterations
    guess = np.zeros(system.n) if x0 is None else x0
    tried: list[str] = ["Newton from the initial guess"]
    total = 0
    try:
        x, it = newton(system, guess, base, b, itl=opts.itl1, cold=x0 is None, polish=True)
        return x, it
    except NewtonFailure as f:
        total += f.iterations
        last = f
    # gmin stepping: a shunt conductance on every node, reduced decade by decade
    tried.append("gmin stepping")
    try:
        x = guess
        for gshunt in 10.0 ** np.arange(-2.0, np.log10(opts.gmin) - 0.5, -1.0):
            if total >= budget:
                raise NewtonFailure(0, last.worst, last.x, last.diverged)
            diag = np.zeros(system.nnz)
            diag[system.diag_slots] = gshunt
            x, it = newton(system, x, base + diag, b, itl=opts.itl1)
            total += it
        x, it = newton(system, x, base, b, itl=opts.itl1, polish=True)
        return x, total + it
    except NewtonFailure as f:
        total += f.iterations
        last = f
    tried.append("source stepping")
    try:
        x = np.zeros(system.n)
        scale, step = 0.0, 0.1
        while scale < 1.0:
            if total >= budget:
                tried.append(f"(stopped: the iteration budget max_dc_iterations = {budget} is spent)")
                raise last
            trial = min(1.0, scale + step)
            bs = system.rhs(t, trial) + (extra_rhs if extra_rhs is not None else 0.0)
            try:
                x_try, it = newton(system, x, base, bs, itl=opts.itl1, polish=trial >= 1.0)
                total += it
                x, scale = x_try, trial
                step = min(step * 2.0, 0.5)
            except NewtonFailure as f:
                total += f.iterations
                last = f if f.diverged or not last.diverged else last
                step /= 4.0
                if step < 1e-6:
                    raise
        return x, total
    except NewtonFailure:
        pass
    if last.diverged:
        raise guards.divergence(system, analysis, point, last.worst, float(last.x[last.worst]), total)
    name = system.unknown_name(last.worst)
    where = f" at {point}" if point else ""
    msg = (
        f"{analysis}{where}: Newton-Raphson did not converge after {total} iterations; worst unknown "
        f"{name} = {last.x[last.worst]:.6g}; tried: {', '.join(tried)}"
    )
    raise ConvergenceError(msg, analysis=analysis, point=point, iterations=total, worst_unknown=name,
                           tried=tuple(tried))
