"""Guards of the analyses: time-step floors, divergence, progress and Ctrl-C.

Small hooks the analysis loops call, so that no analysis hangs, runs away or loses its work:

* :func:`check_time_resolution` (transient setup): every step the run asks for (``tstep``,
  ``tmax``, a source's repetition period) must be resolvable in float64 at ``tstop``: at least
  :data:`RESOLUTION_ULPS` units in the last place of ``tstop`` and at least
  :data:`ABSOLUTE_TIME_FLOOR`. A smaller step cannot advance time (``t + h == t``) or makes the
  integration coefficients (``1/h²``) overflow, so the run would hang or divide by zero.
* :func:`retry_floor`: the smallest step a transient may fall back to after failures.
* :func:`growth_step_cap` (transient setup): a linear circuit of at most
  :data:`GROWTH_CHECK_UNKNOWNS` unknowns whose pencil ``G + sC`` has a root with positive real
  part is unstable: its solution grows as ``exp(t/τ)``. Implicit methods hide such growth
  when ``h ≫ τ`` (trapezoidal ringing, backward-Euler decay), so the step is capped at
  ``τ/4`` to follow it; a mode that would grow by more than ``e^100`` over the run is refused
  at once with :class:`~xbar.errors.DivergenceError`.
* :func:`check_solution`: a solution beyond the ``max_solution`` limit (default 1e30 V or A)
  or not finite means the circuit diverged (negative resistance or inductance, positive
  feedback, a junction forced by a huge voltage): :class:`~xbar.errors.DivergenceError`
  naming the analysis and the time or sweep point.
* :func:`progress_bar`, :class:`Interrupt` and :func:`warn_interrupted`: long runs show a
  progress bar (by default only once they have run for :data:`PROGRESS_DELAY` seconds); the
  first Ctrl-C asks the analysis loop to stop after the point it is computing, and the analysis
  returns what it computed with an :class:`~xbar.errors.InterruptedRunWarning` (a second Ctrl-C
  interrupts at once, as usual).
"""

from __future__ import annotations

import math
import signal
import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from xbar.errors import DivergenceError, InterruptedRunWarning, NetlistError, SourceLocation, warn
from xbar.limits import check_memory, get_limits

if TYPE_CHECKING:
    from xbar.mna.system import MnaSystem

__all__ = [
    "ABSOLUTE_TIME_FLOOR",
    "PROGRESS_DELAY",
    "RESOLUTION_ULPS",
    "Interrupt",
    "TimeProgress",
    "check_solution",
    "check_stored_points",
    "check_time_resolution",
    "progress_bar",
    "retry_floor",
    "time_floor",
    "warn_interrupted",
]

#: A step must span at least this many units in the last place of ``tstop`` (relative step
#: error of ``(t + h) − t`` at most 0.1 %).
RESOLUTION_ULPS = 1024
#: No time step below this [s]: the third power of a smaller step (the order-2 truncation
#: error) underflows float64's normal range, and ``1/h²`` (Gear-2) overflows.
ABSOLUTE_TIME_FLOOR = 1e-100
#: Seconds a run must take before its progress bar appears (``progress=None``).
PROGRESS_DELAY = 2.0
_FRACTIONAL_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n:.4g}/{total:.4g} {unit} [{elapsed}<{remaining}]"
#: Linear circuits up to this many unknowns get the stability check of :func:`growth_step_cap`
#: (a dense generalised eigenvalue problem, about 30 ms at 200 unknowns).
GROWTH_CHECK_UNKNOWNS = 200
# a root counts as growing when its real part exceeds this fraction of its size (rounding in
# the eigenvalues of lossless LC circuits stays far below)
_GROWTH_RTOL = 1e-6
# growth exponent tstop/τ beyond which a transient is refused at once
_GROWTH_EXPONENT = 100.0


def time_floor(tstop: float) -> float:
    """Smallest time step [s] a transient to ``tstop`` can resolve (module docstring)."""
    return max(ABSOLUTE_TIME_FLOOR, RESOLUTION_ULPS * float(np.spacing(abs(tstop))))


def retry_floor(tstop: float) -> float:
    """Smallest step [s] a transient falls back to: 16 units in the last place of ``tstop``, so
    that ``t + h > t`` holds for every ``t ≤ tstop`` and time always advances."""
    return max(ABSOLUTE_TIME_FLOOR, 16.0 * float(np.spacing(abs(tstop))))


def _source_locations(system: MnaSystem) -> dict[str, SourceLocation | None]:
    out: dict[str, SourceLocation | None] = {}
    for kind in ("v", "i"):
        table = system.circuit.tables[kind]
        names = table.arrays()[0]
        out.update(zip(names, table.locations, strict=False))
    return out


def _periods(wave: Any) -> list[tuple[str, float]]:
    """Repetition periods [s] of a bound waveform (corners recur with these periods)."""
    from xbar.devices.waveforms import PulseWave, PwlWave

    if isinstance(wave, PulseWave):
        return [("PULSE period PER", wave.per)]
    if isinstance(wave, PwlWave) and wave.repeat is not None:
        return [("PWL repeat period (last time point − r)", wave.times[-1] - wave.times[wave.repeat])]
    return []


def check_time_resolution(system: MnaSystem, tstep: float, tstop: float, tmax: float | None,
                          location: SourceLocation | None) -> None:
    """Refuse steps float64 time cannot resolve at ``tstop`` (module docstring).

    Call after the sources are bound to the transient (their default periods resolved).

    Raises
    ------
    NetlistError
        At the ``.tran`` card for ``tstep``/``tmax``/``tstop``, at the source's card for a
        repetition period.
    """
    floor = time_floor(tstop)
    why = (f"the smallest step float64 time resolves at tstop = {tstop:g} s is {floor:.3g} s "
           f"({RESOLUTION_ULPS} units in the last place of tstop, and at least {ABSOLUTE_TIME_FLOOR:g} s)")
    if tstop < ABSOLUTE_TIME_FLOOR:
        raise NetlistError(f".tran tstop = {tstop:g} s is below {ABSOLUTE_TIME_FLOOR:g} s, the shortest "
                           "time a transient can resolve", location)
    for label, value in (("tstep", tstep), ("tmax", tmax)):
        if value is not None and value < floor:
            raise NetlistError(f".tran {label} = {value:g} s is too small: {why}", location)
    from xbar.devices.sources import _SourceGroup

    locations: dict[str, SourceLocation | None] | None = None
    for g in system.groups:
        bank = getattr(g, "_bank", None) if isinstance(g, _SourceGroup) else None
        if bank is None:
            continue
        for k, wave in zip(bank.indices.tolist(), bank.waves, strict=True):
            for label, period in _periods(wave):
                if period < floor:
                    if locations is None:
                        locations = _source_locations(system)
                    name = g.names[g.wave_index[k]] if k < len(g.wave_index) else g.names[k]
                    raise NetlistError(f"source '{name}': {label} = {period:g} s is too small for this "
                                       f"transient: {why}", locations.get(name) or location)


def growth_step_cap(system: MnaSystem, tstop: float, location: SourceLocation | None = None) -> float:
    """Largest step [s] that follows the fastest growing mode of a small linear circuit (module
    docstring); ``inf`` when there is none (or the circuit is nonlinear or too large to check).

    Raises
    ------
    DivergenceError
        When that mode would grow by more than ``e^100`` before ``tstop``.
    """
    if not system.linear or not system.has_reactive or not 0 < system.n <= GROWTH_CHECK_UNKNOWNS:
        return math.inf
    import scipy.linalg

    G = system.g_matrix().toarray()
    C = system.c_matrix().toarray()
    try:
        with np.errstate(all="ignore"):
            roots = scipy.linalg.eigvals(-G, C)
    except (np.linalg.LinAlgError, ValueError):
        return math.inf
    roots = roots[np.isfinite(roots)]
    growing = roots.real[roots.real > _GROWTH_RTOL * np.abs(roots)]
    if not growing.size:
        return math.inf
    rate = float(growing.max())
    tau = 1.0 / rate
    if tstop * rate > _GROWTH_EXPONENT:
        msg = (f"transient at t = 0 s: the circuit is unstable: its linear elements have a mode growing as "
               f"exp(t/τ) with τ = {tau:.3g} s, which would grow by a factor exp({tstop * rate:.3g}) before "
               f"tstop = {tstop:g} s; the circuit is non-physical (negative resistance, capacitance or "
               "inductance, or positive feedback through controlled sources)")
        raise DivergenceError(msg, analysis="transient", point="t = 0", tried=("stability check",))
    return tau / 4.0


def check_solution(x: np.ndarray, system: MnaSystem, analysis: str, point: str) -> None:
    """Raise :class:`~xbar.errors.DivergenceError` when ``x`` (unknowns, or unknowns × points)
    is not finite or beyond ``max_solution`` (module docstring)."""
    if not x.size:
        return
    bound = get_limits().max_solution
    with np.errstate(invalid="ignore"):
        peak = float(np.max(np.abs(x)))
    if peak <= bound:  # False for NaN as well
        return
    bad = np.abs(x) > bound
    bad |= ~np.isfinite(x)
    where = np.unravel_index(int(np.argmax(bad)), x.shape)
    raise divergence(system, analysis, point, int(where[0]), float(x[where]))


def divergence(system: MnaSystem, analysis: str, point: str, k: int, value: float,
               iterations: int = 0) -> DivergenceError:
    """The :class:`~xbar.errors.DivergenceError` for unknown ``k`` at ``value``."""
    bound = get_limits().max_solution
    name = system.unknown_name(k)
    unit = "V" if k < system.n_nodes else "A"
    where = f" at {point}" if point else ""
    reached = f"reached {value:.4g} {unit}" if math.isfinite(value) else f"became {value}"
    msg = (f"{analysis}{where}: the solution diverges: {name} {reached}, beyond max_solution = "
           f"{bound:g}; the circuit is unstable or non-physical (negative resistance, capacitance "
           "or inductance, positive feedback, or a junction forced by a large voltage without "
           "series resistance)")
    return DivergenceError(msg, analysis=analysis, point=point, iterations=iterations, worst_unknown=name,
                           tried=("divergence check",))


def check_stored_points(count: int, row_bytes: int, analysis: str, point: str) -> None:
    """Refuse to store more than ``max_memory`` bytes of result rows (checked every 4096 rows)."""
    if count & 4095 == 0 and count:
        check_memory(float(count) * row_bytes, f"the {analysis} result at {point} ({count} points so far)",
                     "raise tstep/tmax or shorten the run")


class Interrupt:
    """Ctrl-C as a request to stop an analysis loop at the next point (module docstring).

    :meth:`install` replaces Python's default SIGINT handler (only in the main thread, and only
    when the default handler is in place: an application's own handler is left alone) by one
    that sets :attr:`requested`; a second Ctrl-C raises ``KeyboardInterrupt``. Loops test
    ``requested`` once per point; :meth:`uninstall` restores the handler.
    """

    def __init__(self) -> None:
        self.requested = False
        self._previous: Any = None

    def install(self) -> None:
        """Catch Ctrl-C (see the class docstring)."""
        if threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
            return
        self._previous = signal.default_int_handler
        signal.signal(signal.SIGINT, self._handle)

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def uninstall(self) -> None:
        """Put the previous SIGINT handler back."""
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None


def progress_bar(total: float, desc: str, enabled: bool | None, unit: str = "it", *,
                 fractional: bool = False) -> Any:
    """A tqdm bar over ``total`` (None when ``enabled`` is False).

    ``enabled=None`` shows the bar only once the run has taken :data:`PROGRESS_DELAY` seconds,
    so short runs print nothing. ``fractional`` shows ``n/total`` with four digits (for
    simulated time).
    """
    if enabled is False:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, leave=False, delay=0.0 if enabled else PROGRESS_DELAY,
                mininterval=0.5, bar_format=_FRACTIONAL_FORMAT if fractional else None)


class TimeProgress:
    """A progress bar over simulated time, shown in a unit that suits ``tstop`` (``ms``, ``µs`` …).

    ``advance(t)`` moves it to time ``t`` [s]; it does nothing when the bar is disabled.
    """

    _PREFIXES = (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6), ("ns", 1e-9), ("ps", 1e-12), ("fs", 1e-15))

    def __init__(self, tstop: float, desc: str, enabled: bool | None) -> None:
        unit, self.factor = next(((u, f) for u, f in self._PREFIXES if tstop >= f), self._PREFIXES[-1])
        self.bar = progress_bar(round(tstop / self.factor, 12), desc, enabled, unit=unit, fractional=True)
        self.done = 0.0

    def advance(self, t: float) -> None:
        if self.bar is not None and t > self.done:
            self.bar.update((t - self.done) / self.factor)
            self.done = t

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def warn_interrupted(analysis: str, done: str) -> None:
    """Warn that ``analysis`` was interrupted and returns ``done`` (``"120 of 1000 points"``)."""
    warn(f"{analysis} interrupted (Ctrl-C): returning the {done} computed so far",
         category=InterruptedRunWarning)
