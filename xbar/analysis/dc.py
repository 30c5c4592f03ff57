"""``.dc``: one or two nested sweeps of sources, resistors or temperature.

Sweep points run with the first sweep varying fastest (ngspice order). Each point warm-starts
from the previous one. For a linear circuit whose matrix does not depend on the swept value
(source sweeps), the matrix is factorised once and all points are solved as right-hand sides.

Sweeps are bounded by the limits ``max_sweep_points`` and ``max_memory`` (:mod:`xbar.limits`)
before anything is allocated; swept values are checked like the values they replace (a
resistance must stay nonzero, a temperature above absolute zero). Long sweeps show a progress
bar; Ctrl-C returns the points computed so far (:mod:`xbar.analysis.guards`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from xbar.analysis import guards
from xbar.analysis.newton import solve_dc_point
from xbar.analysis.op import initial_guess, op_vectors
from xbar.analysis.results import SweepResult
from xbar.devices.base import F64, DeviceGroup
from xbar.devices.linear import ResistorGroup
from xbar.devices.sources import CurrentSourceGroup, VoltageSourceGroup
from xbar.errors import NetlistError, SourceLocation
from xbar.limits import check_count, check_memory
from xbar.mna.system import MnaSystem
from xbar.mna.topology import check_dc_paths
from xbar.options import check_temperature
from xbar.reprs import short_repr
from xbar.validate import MIN_MAGNITUDE, array

__all__ = ["SweepSpec", "check_sweep_values", "run_dc", "sweep_values"]

_CHUNK = 64


def sweep_values(kind: str, args: list[float], location: SourceLocation | None = None) -> F64:
    """Points of one sweep.

    ``kind`` is ``lin`` (start stop step, ngspice form), ``linpts`` (npoints start stop),
    ``dec`` / ``oct`` (points-per-decade/octave start stop) or ``list`` (explicit values).
    """
    if kind == "list":
        if not args:
            raise NetlistError("a list sweep needs at least one value", location)
        check_count(len(args), "max_sweep_points", "the sweep", location=location)
        return array(args, "sweep values", ndim=1, copy=True)
    if kind == "lin":
        start, stop, step = args
        if step == 0.0:
            raise NetlistError("sweep step must not be zero", location)
        with np.errstate(over="ignore", invalid="ignore"):
            span = (stop - start) / step
        if not np.isfinite(span):
            raise NetlistError(f"sweep from {start:g} to {stop:g} in steps of {step:g} is not a finite "
                               "number of points", location)
        if span < -1e-9:
            raise NetlistError(f"sweep step {step:g} goes away from stop {stop:g} (start {start:g})", location)
        check_count(np.floor(span + 1e-9) + 1, "max_sweep_points", f"the sweep from {start:g} to {stop:g} "
                    f"in steps of {step:g}", "use a larger step", location=location)
        count = int(np.floor(span + 1e-9)) + 1
        return start + step * np.arange(count)
    npts, start, stop = args
    if npts < 1 or npts != int(npts):
        raise NetlistError(f"number of points must be a positive integer, got {npts:g}", location)
    if kind == "linpts":
        check_count(npts, "max_sweep_points", "the sweep", location=location)
        return np.linspace(start, stop, int(npts)) if npts > 1 else np.array([start])
    if start <= 0 or stop <= 0:
        raise NetlistError(f"{kind} sweeps need positive start and stop, got {start:g} and {stop:g}", location)
    base = 10.0 if kind == "dec" else 2.0
    with np.errstate(over="ignore"):
        span = npts * np.log(stop / start) / np.log(base) + 1e-9
    check_count(np.floor(span) + 1, "max_sweep_points", f"the {kind} sweep", location=location)
    count = int(np.floor(span)) + 1
    return start * base ** (np.arange(count) / npts)


def check_sweep_values(target: str, kind: str, values: F64, location: SourceLocation | None = None) -> None:
    """Check swept values like the values they replace.

    ``kind`` is the swept element's letter (``r``, ``v``, ``i``) or ``temp``: resistances must
    be nonzero and at least 1e-30 Ω in size, temperatures in (-273.15, 1000] °C, and every
    value finite and at most 1e30 in size.

    Raises
    ------
    NetlistError
        At ``location`` (the ``.dc`` card's sweep), naming the first bad value.
    """
    if kind == "temp":
        for v in values[(values <= -273.15) | (values > 1000.0) | ~np.isfinite(values)][:1]:
            check_temperature(float(v), "swept temperature", location)
        return
    if kind == "r":
        bad = (np.abs(values) < MIN_MAGNITUDE) & np.isfinite(values)
        if np.any(bad):
            v = float(values[np.argmax(bad)])
            what = "zero resistance" if v == 0.0 else f"resistance {v:g} Ω, below the smallest supported 1e-30 Ω"
            raise NetlistError(f".dc sweep of resistor '{target}' reaches {what}; sweep values that keep "
                               "it nonzero (a short is a 0 V source)", location)
    try:
        array(values, f"swept values of '{target}'")
    except NetlistError as exc:
        raise NetlistError(exc.message, location) from None


@dataclass
class SweepSpec:
    """One sweep: target (element name or ``temp``) and its values."""

    __repr__ = short_repr

    target: str
    values: F64
    location: SourceLocation | None = None

    @classmethod
    def linear(cls, target: str, start: float, stop: float, step: float,
               location: SourceLocation | None = None) -> SweepSpec:
        return cls(target.lower(), sweep_values("lin", [start, stop, step], location), location)


def _resolve(system: MnaSystem, spec: SweepSpec) -> tuple[str, DeviceGroup | None, int, str]:
    if spec.target == "temp":
        return "temp-sweep", None, 0, "temp"
    try:
        group, idx = system.group_of(spec.target)
    except KeyError:
        raise NetlistError(f".dc sweeps '{spec.target}', which is not an element of the circuit",
                           spec.location) from None
    if isinstance(group, VoltageSourceGroup):
        return "v-sweep", group, idx, "dc"
    if isinstance(group, CurrentSourceGroup):
        return "i-sweep", group, idx, "dc"
    if isinstance(group, ResistorGroup):
        return "res-sweep", group, idx, "r"
    raise NetlistError(f".dc can sweep V or I sources, resistors or temp; '{spec.target}' is a {group.kind}",
                       spec.location)


def run_dc(system: MnaSystem, sweeps: list[SweepSpec], *, progress: bool | None = None) -> SweepResult:
    """Run a (nested) DC sweep and return every unknown at every point.

    ``progress`` shows a progress bar (``None``: only once the sweep has taken a few seconds).
    Ctrl-C stops the sweep and returns the points computed so far, with an
    :class:`~xbar.errors.InterruptedRunWarning`.
    """
    check_dc_paths(system)
    targets = [_resolve(system, s) for s in sweeps]
    for s, (_, _, _, param) in zip(sweeps, targets, strict=True):
        check_sweep_values(s.target, {"r": "r", "temp": "temp"}.get(param, "v"), s.values, s.location)
    n_points = float(np.prod([float(len(s.values)) for s in sweeps]))
    check_count(n_points, "max_sweep_points", ".dc", location=sweeps[0].location)
    n_vectors = len(op_vectors(system, np.zeros(system.n), with_names=False)[1]) + 2
    check_memory(n_points * (n_vectors * 8 + 200) * 2, f"a .dc sweep of {n_points:.4g} points",
                 "sweep fewer points", sweeps[0].location)
    inner = sweeps[0].values
    outer = sweeps[1].values if len(sweeps) > 1 else np.array([np.nan])
    points = [(v1, v2) for v2 in outer for v1 in inner]
    saved = [(g, i, p, g.get_param(i, p) if g is not None else system.options.temp) for _, g, i, p in targets]
    circuit = system.circuit
    matrix_changes = (any(p in ("r", "temp") for _, _, _, p in targets) or not system.linear
                      or bool(system.stateful))
    start = system.event_count()
    rows: list[F64] = []
    stop = guards.Interrupt()
    bar = guards.progress_bar(len(points), "dc", progress, unit="pt")
    try:
        stop.install()
        if not matrix_changes:
            rows = _linear_sweep(system, targets, points, stop, bar)
        else:
            x = initial_guess(system)
            for v1, v2 in points:
                if stop.requested:
                    break
                vals = (v1,) if len(sweeps) == 1 else (v1, v2)
                refresh = False
                for (_, g, i, p), v in zip(targets, vals, strict=True):
                    if g is None:
                        circuit.options = replace(circuit.options, temp=float(v))
                    else:
                        g.set_param(i, p, float(v))
                        refresh = refresh or p == "r"
                if refresh:
                    system.refresh_linear()
                label = ", ".join(f"{s.target} = {v:g}" for s, v in zip(sweeps, vals, strict=True))
                x, _ = solve_dc_point(system, t=None, x0=x, analysis="dc sweep", point=label)
                if system.after_solution(x, None, None):
                    x, _ = solve_dc_point(system, t=None, x0=x, analysis="dc sweep", point=label)
                rows.append(op_vectors(system, x, with_names=False)[1])
                if bar is not None:
                    bar.update()
    finally:
        stop.uninstall()
        if bar is not None:
            bar.close()
        for g, i, p, v in saved:
            if g is None:
                circuit.options = replace(circuit.options, temp=v)
            else:
                g.set_param(i, p, v)
        if any(p == "r" for _, _, _, p in targets):
            system.refresh_linear()
    if stop.requested:
        if not rows:
            raise KeyboardInterrupt
        points = points[: len(rows)]
        guards.warn_interrupted(".dc sweep", f"{len(rows)} of {int(n_points)} points")
    names = op_vectors(system, np.zeros(system.n))[0]
    scale_name = targets[0][0]
    scale = np.array([p[0] for p in points])
    data = np.column_stack([scale, np.array(rows)])
    all_names = [scale_name, *names]
    if len(sweeps) > 1:
        data = np.column_stack([data, np.array([p[1] for p in points])])
        all_names.append(f"{targets[1][0]}2")  # the outer sweep: v-sweep2, i-sweep2, ...
    result = SweepResult(kind="dc", names=all_names, data=data, title=circuit.title, scale_name=scale_name,
                         analysis=".dc", events=system.events_since(start),
                         units=system.vector_units(all_names), interrupted=stop.requested)
    result.sweeps = tuple(s.target for s in sweeps)
    return result


def _linear_sweep(system: MnaSystem, targets: list[tuple[str, DeviceGroup | None, int, str]],
                  points: list[tuple[float, float]], stop: guards.Interrupt | None = None,
                  bar: object = None) -> list[F64]:
    """Source sweeps of a linear circuit: one factorisation, right-hand sides in chunks."""
    A = system.matrix(system.g_data)
    fac = system.solver.factor(A)
    rows: list[F64] = []
    for start in range(0, len(points), _CHUNK):
        if stop is not None and stop.requested:
            break
        block = points[start : start + _CHUNK]
        B = np.empty((system.n, len(block)))
        for j, pt in enumerate(block):
            for (_, g, i, p), v in zip(targets, pt, strict=False):
                assert g is not None
                g.set_param(i, p, float(v))
            B[:, j] = system.rhs(None)
        X = fac.solve(B)
        if not getattr(fac, "refined", False):
            X += fac.solve(B - A @ X)  # one step of iterative refinement, as in solve_linear
        guards.check_solution(X, system, "dc sweep", f"points {start + 1}-{start + len(block)}")
        rows.extend(op_vectors(system, X[:, j], with_names=False)[1] for j in range(len(block)))
        if bar is not None:
            bar.update(len(block))  # type: ignore[attr-defined]
    return rows
