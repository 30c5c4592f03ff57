"""Time functions of independent V and I sources, with ngspice 39 semantics.

A source card's time function is parsed into a :class:`WaveformSpec` that keeps the raw
argument list; defaults that depend on the transient analysis (``TSTEP``, ``TSTOP``) are
resolved by :meth:`WaveformSpec.bind` (one source) or :class:`WaveformBank` (all sources of a
circuit, evaluated in one vectorised call per time point).

Semantics (checked against ngspice 39's ``vsrcload.c``/``isrcload.c`` and a live ngspice 39)
-----------------------------------------------------------------------------------------------
In the formulas ``t`` is the simulation time [s]. A default applies when the argument is
missing *or given as 0* (ngspice tests ``coeff != 0``).

``PULSE(V1 V2 TD TR TF PW PER NP)``
    defaults ``TD=0``, ``TR=TF=TSTEP``, ``PW=PER=TSTOP``, ``NP=0`` (unlimited). With
    ``u = t - TD``: ``u > NP*PER`` (only when ``NP > 0``) gives ``V1``; ``u > PER`` is folded
    to ``u - PER*floor(u/PER)``; then ``u <= 0`` or ``u >= TR+PW+TF`` gives ``V1``,
    ``TR <= u <= TR+PW`` gives ``V2``, ``0 < u < TR`` rises linearly, otherwise it falls
    linearly. ``NP`` (8th value) is ngspice's default ("no compatibility mode") meaning; the
    ``ngbehavior=xs`` reading of it as a phase is not supported.
``SIN(VO VA FREQ TD THETA PHASE)``
    defaults ``FREQ=1/TSTOP``, ``TD=THETA=PHASE=0`` (``PHASE`` in degrees). With ``u = t-TD``:
    ``u <= 0`` gives ``VO + VA*sin(PHASE)``, else
    ``VO + VA*sin(2*pi*FREQ*u + PHASE)*exp(-THETA*u)``.
``EXP(V1 V2 TD1 TAU1 TD2 TAU2)``
    defaults ``TD1=TSTEP`` (sic: ngspice 39 uses TSTEP, not 0), ``TAU1=TAU2=TSTEP``,
    ``TD2=TD1+TSTEP``. ``t <= TD1`` gives ``V1``; ``t <= TD2`` gives
    ``V1 + (V2-V1)*(1-exp(-(t-TD1)/TAU1))``; later the term
    ``(V1-V2)*(1-exp(-(t-TD2)/TAU2))`` is added.
``PWL(T1 V1 T2 V2 ...) [r=R] [td=TD]``
    with ``u = t - TD``: ``u < T1`` gives ``V1``. Otherwise ngspice 39 scans the segments in
    order and stops at the first knot within 3 ulps of ``u`` (``AlmostEqualUlps``), giving
    its value, or at the first segment with ``Ti < u < Ti+1``, giving
    ``Vi + ((u - Ti)/(Ti+1 - Ti))*(Vi+1 - Vi)``; so a vertical step ``T a T b`` is ``a`` at
    ``T``. When nothing matches (``u`` at or past the last knot) the last value is held, or,
    with ``r=R`` (``R`` must equal a knot time and be smaller than the last; ``r=-1`` means
    off), the knots from ``R`` on are scanned again shifted by ``end + (end-R)*k - R`` for
    ``k = 0, 1, ...``: the stretch ``R..end`` repeats forever. At ``u = end`` the value is
    already the one at ``R``, not the last one; at later period ends either, depending on the
    rounding of the shifted knots (reproduced exactly here). ngspice 39 accepts
    ``r=``/``td=`` on voltage sources only (``I1 ... PWL(...) r=0`` is an "unknown
    parameter" error there); its current sources compare knot times exactly instead of
    within 3 ulps (a difference of at most 3 ulps of time times the slope, not modelled).
``DC(V)``
    a constant (for completeness; a card without a time function needs no spec).

DC value rule (``.op``, ``.dc`` and the transient's initial operating point)
    ``.op``/``.dc``: the explicit DC value when the card has one; otherwise the time function
    at ``t = 0`` with ``TSTEP = TSTOP = 0`` (what ngspice has in a stand-alone ``.op``), see
    :meth:`WaveformSpec.dc_value`. ``V1 1 0 PULSE(1 2 1u 1n 1n 1u 2u)`` gives 1 V in ``.op``.
    The initial operating point of ``.tran`` always uses the time function at ``t = 0`` with
    the transient's defaults, *ignoring* an explicit DC value
    (``V2 2 0 DC 5 PULSE(1 2 ...)`` starts ``.tran`` at 1 V), i.e. ``bank.values(0.0)``.

Bit-for-bit agreement with ngspice also needs its parameters: ngspice 39 reads numbers as
``digits * pow(10, exponent)`` (``0.7`` is ``7*0.1 = 0.7000000000000001``), not correctly
rounded; given the same doubles every formula here reproduces ngspice's values exactly
(sin/exp up to the last bit of the platform's libm).

Validation is stricter than ngspice where ngspice silently accepts nonsense: extra values,
an odd PWL list, decreasing PWL times and negative TR/TF/PW/PER/NP/FREQ/TAU are
:class:`~xbar.errors.NetlistError`.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from xbar.errors import NetlistError, SourceLocation, XbarError
from xbar.validate import checked_calls

__all__ = [
    "KINDS",
    "BoundWaveform",
    "DcWave",
    "ExpWave",
    "PulseWave",
    "PwlWave",
    "SinWave",
    "WaveformBank",
    "WaveformSpec",
]

F64 = npt.NDArray[np.float64]

#: Canonical (lower-case) names of the supported time functions.
KINDS: Final = ("dc", "pulse", "sin", "exp", "pwl")

_ALIASES: Final = {"sine": "sin"}

# ngspice 39 matches PWL knot times with ``AlmostEqualUlps(..., 3)``.
_ULPS: Final = 3
_SIX: Final = np.arange(6.0)

# (minimum count, maximum count, usage) per kind.
_ARITY: Final = {
    "pulse": (2, 8, "V1 V2 [TD TR TF PW PER NP]"),
    "sin": (2, 6, "VO VA [FREQ TD THETA PHASE]"),
    "exp": (2, 6, "V1 V2 [TD1 TAU1 TD2 TAU2]"),
    "dc": (1, 1, "V"),
}


def _fmt(x: float) -> str:
    return repr(float(x))


# ---------------------------------------------------------------------------------------------
# Resolved (bound) waveforms: scalar reference implementations in ngspice's operation order.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PulseWave:
    """A resolved ``PULSE``; all times in s, values in V or A.

    ``np_`` is the number of pulses (``0``: unlimited).
    """

    v1: float
    v2: float
    td: float
    tr: float
    tf: float
    pw: float
    per: float
    np_: float = 0.0

    def value(self, t: float) -> float:
        """Value at time ``t`` [s] (V or A)."""
        time = t - self.td
        if self.np_ > 0.0 and time > self.np_ * self.per:
            return self.v1
        if time > self.per:
            time -= self.per * math.floor(time / self.per)
        if time <= 0.0 or time >= self.tr + self.pw + self.tf:
            return self.v1
        if self.tr <= time <= self.tr + self.pw:
            return self.v2
        if 0.0 < time < self.tr:
            return self.v1 + (self.v2 - self.v1) * time / self.tr
        return self.v2 + (self.v1 - self.v2) * (time - (self.tr + self.pw)) / self.tf


@dataclass(frozen=True)
class SinWave:
    """A resolved ``SIN``: offset ``vo``, amplitude ``va`` [V or A], ``freq`` [Hz], delay
    ``td`` [s], damping ``theta`` [1/s], ``phase`` [degrees]."""

    vo: float
    va: float
    freq: float
    td: float
    theta: float
    phase: float

    def value(self, t: float) -> float:
        """Value at time ``t`` [s] (V or A)."""
        phase = self.phase * math.pi / 180.0
        time = t - self.td
        if time <= 0.0:
            return self.vo + self.va * math.sin(phase)
        return self.vo + self.va * math.sin(self.freq * time * 2.0 * math.pi + phase) * math.exp(
            -time * self.theta
        )


@dataclass(frozen=True)
class ExpWave:
    """A resolved ``EXP``: levels ``v1``, ``v2`` [V or A], delays ``td1``, ``td2`` [s] and time
    constants ``tau1``, ``tau2`` [s]."""

    v1: float
    v2: float
    td1: float
    tau1: float
    td2: float
    tau2: float

    def value(self, t: float) -> float:
        """Value at time ``t`` [s] (V or A)."""
        if t <= self.td1:
            return self.v1
        rise = self.v1 + (self.v2 - self.v1) * (1.0 - math.exp(-(t - self.td1) / self.tau1))
        if t <= self.td2:
            return rise
        return rise + (self.v1 - self.v2) * (1.0 - math.exp(-(t - self.td2) / self.tau2))


@dataclass(frozen=True)
class PwlWave:
    """A resolved ``PWL``: knot ``times`` [s] (non-decreasing) and ``values`` [V or A], whole
    waveform delayed by ``td`` [s]; ``repeat`` is the index of the knot the repetition restarts
    from (``None``: hold the last value)."""

    times: tuple[float, ...]
    values: tuple[float, ...]
    td: float = 0.0
    repeat: int | None = None

    def value(self, t: float) -> float:
        """Value at time ``t`` [s] (V or A), by ngspice 39's segment scan (see module notes)."""
        T, V, r = self.times, self.values, self.repeat
        time = t - self.td
        if time < T[0]:
            return V[0]
        found = _pwl_scan(T, V, time, 0.0, 0)
        if found is not None:
            return found
        if r is None:
            return V[-1]
        end, start = T[-1], T[r]
        period = end - start
        # ngspice tries repetition k = 0, 1, 2, ... in turn; passes more than two periods
        # before the one holding ``time`` lie entirely below it and cannot match.
        k0 = max(0, math.floor((time - end) / period) - 2)
        for k in range(k0, k0 + 6):
            shift = end + (end - start) * k - start
            found = _pwl_scan(T, V, time, shift, r)
            if found is not None:
                return found
        return V[-1]  # pragma: no cover - ngspice itself would loop forever here


def _ulp_key(x: float) -> int:
    """Integer key ordering doubles like ngspice's ``AlmostEqualUlps`` (two's complement)."""
    (i,) = struct.unpack("<q", struct.pack("<d", x))
    return -(2**63) - i if i < 0 else i


def _almost_equal(a: float, b: float) -> bool:
    """ngspice's ``AlmostEqualUlps(a, b, 3)``."""
    return a == b or abs(_ulp_key(a) - _ulp_key(b)) <= _ULPS


def _pwl_scan(
    T: tuple[float, ...], V: tuple[float, ...], time: float, shift: float, first: int
) -> float | None:
    """One pass of ngspice 39's PWL loop over knots ``first..`` shifted by ``shift``."""
    for i in range(first, len(T) - 1):
        if _almost_equal(T[i] + shift, time):
            return V[i]
        if T[i] + shift < time < T[i + 1] + shift:
            return V[i] + ((time - (T[i] + shift)) / (T[i + 1] - T[i])) * (V[i + 1] - V[i])
    return None


@dataclass(frozen=True)
class DcWave:
    """A constant ``value`` [V or A]."""

    value_: float

    def value(self, t: float) -> float:
        """Value at time ``t`` [s] (V or A): the constant."""
        return self.value_


BoundWaveform = PulseWave | SinWave | ExpWave | PwlWave | DcWave


# ---------------------------------------------------------------------------------------------
# The parsed specification.
# ---------------------------------------------------------------------------------------------


@checked_calls
@dataclass(frozen=True)
class WaveformSpec:
    """A source's time function as written on the card, defaults not yet resolved.

    Parameters
    ----------
    kind : str
        ``"pulse"``, ``"sin"`` (``"sine"`` accepted), ``"exp"``, ``"pwl"`` or ``"dc"``; any case,
        stored lower case.
    args : tuple of float
        The values inside the parentheses, in card order (times in s, levels in V or A,
        ``FREQ`` in Hz, ``THETA`` in 1/s, ``PHASE`` in degrees).
    r : float or None
        PWL only: ``r=`` repeat start time [s]; ``None`` (or ngspice's ``-1``) means no repeat.
    td : float
        PWL only: ``td=`` delay of the whole PWL waveform [s].

    Notes
    -----
    Construction only fails (with :class:`~xbar.errors.NetlistError`) for values that are not
    numbers; call :meth:`validate` (the parser does, with the card's location) to check
    counts and ranges.
    """

    kind: str
    args: tuple[float, ...]
    r: float | None = None
    td: float = 0.0

    def __post_init__(self) -> None:
        kind = str(self.kind).strip().lower()
        object.__setattr__(self, "kind", _ALIASES.get(kind, kind))
        try:
            args = tuple(float(a) for a in self.args)
            r = None if self.r is None else float(self.r)
            td = float(self.td)
        except (TypeError, ValueError, OverflowError) as exc:
            raise NetlistError(f"{str(self.kind).upper()} values must be numbers: {exc}") from None
        object.__setattr__(self, "args", args)
        object.__setattr__(self, "r", r)
        object.__setattr__(self, "td", td)

    # -- validation ----------------------------------------------------------------------------

    @property
    def repeat_time(self) -> float | None:
        """PWL repeat start [s], ``None`` when the waveform does not repeat (``r`` absent or
        ``r < -0.5`` as in ngspice, where ``r=-1`` switches repetition off)."""
        if self.r is None or self.r < -0.5:
            return None
        return self.r

    def validate(
        self, location: SourceLocation | None = None, *, current_source: bool = False
    ) -> None:
        """Check the argument list; raise :class:`~xbar.errors.NetlistError` at ``location``.

        Parameters
        ----------
        location : SourceLocation or None
            Where the card was written.
        current_source : bool
            True for an ``I`` source: ngspice 39 rejects ``r=`` and ``td=`` there.
        """
        kind, args, name = self.kind, self.args, self.kind.upper()

        def fail(message: str) -> NetlistError:
            return NetlistError(message, location)

        if kind not in KINDS:
            raise fail(f"unknown time function '{self.kind}'; expected PULSE, SIN, EXP, PWL or DC")
        bad = [a for a in args if not math.isfinite(a)]
        if bad or not math.isfinite(self.td) or (self.r is not None and not math.isfinite(self.r)):
            raise fail(f"{name} values must be finite numbers")
        if kind != "pwl" and (self.r is not None or self.td != 0.0):
            raise fail(f"r= and td= apply to PWL only, not to {name}")
        if kind == "pwl":
            self._validate_pwl(fail, current_source)
            return
        lo, hi, usage = _ARITY[kind]
        if not lo <= len(args) <= hi:
            need = f"{lo}" if lo == hi else f"{lo} to {hi}"
            raise fail(
                f"{name} needs {need} value{'s' if hi > 1 else ''}: {usage} (got {len(args)})"
            )
        if kind == "pulse":
            for i, label in ((3, "TR"), (4, "TF"), (5, "PW"), (6, "PER"), (7, "NP")):
                if len(args) > i and args[i] < 0.0:
                    raise fail(f"PULSE {label} must not be negative (got {_fmt(args[i])})")
        elif kind == "sin":
            if len(args) > 2 and args[2] < 0.0:
                raise fail(f"SIN FREQ must not be negative (got {_fmt(args[2])})")
        elif kind == "exp":
            for i, label in ((3, "TAU1"), (5, "TAU2")):
                if len(args) > i and args[i] < 0.0:
                    raise fail(f"EXP {label} must be positive (got {_fmt(args[i])}; 0 means TSTEP)")

    def _validate_pwl(self, fail: Callable[[str], NetlistError], current_source: bool) -> None:
        args = self.args
        if len(args) < 2 or len(args) % 2:
            raise fail(f"PWL needs an even number of values: T1 V1 [T2 V2 ...] (got {len(args)})")
        times = args[0::2]
        for k in range(1, len(times)):
            if times[k] < times[k - 1]:
                raise fail(
                    f"PWL time points must not decrease: T{k + 1}={_fmt(times[k])} "
                    f"< T{k}={_fmt(times[k - 1])}"
                )
        if current_source and (self.r is not None or self.td != 0.0):
            raise fail("r= and td= of PWL are supported on voltage sources only (as in ngspice)")
        r = self.repeat_time
        if r is not None:
            if r >= times[-1]:
                raise fail(
                    f"PWL repeat start r={_fmt(r)} must be smaller than the last time point "
                    f"{_fmt(times[-1])}"
                )
            if r not in times:
                raise fail(f"PWL repeat start r={_fmt(r)} does not match any time point")

    # -- resolution ----------------------------------------------------------------------------

    def bind(self, tstep: float, tstop: float) -> BoundWaveform:
        """Resolve the defaults for a transient analysis.

        Parameters
        ----------
        tstep : float
            The ``.tran`` print step TSTEP [s], > 0.
        tstop : float
            The ``.tran`` final time TSTOP [s], > 0.

        Returns
        -------
        PulseWave, SinWave, ExpWave, PwlWave or DcWave
            The resolved waveform; its ``value(t)`` is the scalar reference formula.

        Raises
        ------
        NetlistError
            For invalid arguments (see :meth:`validate`) or a non-positive TSTEP/TSTOP.
        """
        self.validate()
        _check_transient(tstep, tstop)
        return _resolve(self, float(tstep), float(tstop))

    def dc_value(
        self,
        has_explicit_dc: bool,
        explicit_dc: float = 0.0,
        location: SourceLocation | None = None,
    ) -> float:
        """Value of the source in ``.op`` and ``.dc`` (not in the transient's initial point).

        ngspice 39 rule: the explicit DC value when the card has one, otherwise the time
        function evaluated at ``t = 0`` with ``TSTEP = TSTOP = 0`` (defaults that use them
        resolve to 0 / ``1/0``). E.g. ``PULSE(1 2 1u ...)`` gives ``V1 = 1``,
        ``SIN(0.5 1 1k 0 0 90)`` gives ``VO + VA*sin(PHASE) = 1.5``, ``PWL(1u 6 2u 5)``
        gives 6. (The transient's initial operating point instead uses the time function at
        ``t = 0`` with the transient's defaults, even when a DC value is given.)

        Parameters
        ----------
        has_explicit_dc : bool
            Whether the card gives a DC value (``DC v`` or a bare value).
        explicit_dc : float
            That value [V or A].
        location : SourceLocation or None
            Where the card was written, for errors.

        Returns
        -------
        float
            The value [V or A].

        Raises
        ------
        NetlistError
            When there is no explicit DC value and the time function has no finite value at
            ``t = 0`` without a transient analysis (ngspice computes NaN and fails, e.g.
            ``PULSE(1 2 -0.5u)``: a negative delay needs the TSTOP-dependent PER).
        """
        if has_explicit_dc:
            return float(explicit_dc)
        self.validate(location)
        wave = _resolve(self, 0.0, 0.0)
        with np.errstate(all="ignore"):
            value = float(_Bank([wave]).values(0.0)[0])
        if not math.isfinite(value):
            raise NetlistError(
                f"{self.kind.upper()} has no finite value at t=0 without a transient analysis "
                "(its defaults depend on TSTEP/TSTOP); give the source an explicit DC value",
                location,
            )
        return value


def _check_transient(tstep: float, tstop: float) -> None:
    if not (math.isfinite(tstep) and tstep > 0.0):
        raise NetlistError(f"transient step TSTEP must be positive (got {tstep!r})")
    if not (math.isfinite(tstop) and tstop > 0.0):
        raise NetlistError(f"transient stop time TSTOP must be positive (got {tstop!r})")


def _arg(args: tuple[float, ...], i: int, default: float, *, zero_is_default: bool) -> float:
    """ngspice's ``order > i [&& coeff != 0] ? coeff : default``."""
    if len(args) > i and not (zero_is_default and args[i] == 0.0):
        return args[i]
    return default


def _resolve(spec: WaveformSpec, tstep: float, tstop: float) -> BoundWaveform:
    """Resolve defaults without checks (``tstep``/``tstop`` may be 0 for the DC rule)."""
    a = spec.args
    if spec.kind == "pulse":
        return PulseWave(
            v1=a[0],
            v2=a[1],
            td=_arg(a, 2, 0.0, zero_is_default=False),
            tr=_arg(a, 3, tstep, zero_is_default=True),
            tf=_arg(a, 4, tstep, zero_is_default=True),
            pw=_arg(a, 5, tstop, zero_is_default=True),
            per=_arg(a, 6, tstop, zero_is_default=True),
            np_=_arg(a, 7, 0.0, zero_is_default=False),
        )
    if spec.kind == "sin":
        default_freq = 1.0 / tstop if tstop != 0.0 else math.inf
        return SinWave(
            vo=a[0],
            va=a[1],
            freq=_arg(a, 2, default_freq, zero_is_default=True),
            td=_arg(a, 3, 0.0, zero_is_default=False),
            theta=_arg(a, 4, 0.0, zero_is_default=False),
            phase=_arg(a, 5, 0.0, zero_is_default=False),
        )
    if spec.kind == "exp":
        td1 = _arg(a, 2, tstep, zero_is_default=True)
        return ExpWave(
            v1=a[0],
            v2=a[1],
            td1=td1,
            tau1=_arg(a, 3, tstep, zero_is_default=True),
            td2=_arg(a, 4, td1 + tstep, zero_is_default=True),
            tau2=_arg(a, 5, tstep, zero_is_default=True),
        )
    if spec.kind == "pwl":
        times = a[0::2]
        r = spec.repeat_time
        return PwlWave(
            times=times,
            values=a[1::2],
            td=spec.td,
            repeat=None if r is None else times.index(r),
        )
    return DcWave(a[0])


# ---------------------------------------------------------------------------------------------
# Vectorised evaluation.
# ---------------------------------------------------------------------------------------------


def _col(values: Iterable[float]) -> F64:
    return np.array(list(values), dtype=np.float64)


class _PulseGroup:
    def __init__(self, waves: Sequence[PulseWave]) -> None:
        self.v1 = _col(w.v1 for w in waves)
        self.v2 = _col(w.v2 for w in waves)
        self.td = _col(w.td for w in waves)
        self.tr = _col(w.tr for w in waves)
        self.tf = _col(w.tf for w in waves)
        self.pw = _col(w.pw for w in waves)
        self.per = _col(w.per for w in waves)
        nps = _col(w.np_ for w in waves)
        self.limited = nps > 0.0
        self.tmax = np.where(self.limited, nps * self.per, np.inf)
        self.trpw = self.tr + self.pw
        self.end = self.trpw + self.tf
        self.up = self.v2 - self.v1
        self.down = self.v1 - self.v2
        # Guards so that lanes whose branch is not selected never divide by zero (TR and TF
        # are 0 only in the DC rule's TSTEP=0 evaluation, where rise and fall are empty).
        # PER is not guarded: PER=0 (TSTOP=0) gives NaN exactly like ngspice.
        self.tr_safe = np.where(self.tr > 0.0, self.tr, 1.0)
        self.tf_safe = np.where(self.tf > 0.0, self.tf, 1.0)

    def evaluate(self, t: F64 | float) -> F64:
        time = np.subtract(t, self.td)
        cut = time > self.tmax
        fold = time > self.per
        time = np.where(fold, time - self.per * np.floor(time / self.per), time)
        rise = self.v1 + self.up * time / self.tr_safe
        fall = self.v2 + self.down * (time - self.trpw) / self.tf_safe
        out = np.where((time > 0.0) & (time < self.tr), rise, fall)
        out = np.where((time >= self.tr) & (time <= self.trpw), self.v2, out)
        out = np.where((time <= 0.0) | (time >= self.end) | cut, self.v1, out)
        return out


class _SinGroup:
    def __init__(self, waves: Sequence[SinWave]) -> None:
        self.vo = _col(w.vo for w in waves)
        self.va = _col(w.va for w in waves)
        self.freq = _col(w.freq for w in waves)
        self.td = _col(w.td for w in waves)
        self.theta = _col(w.theta for w in waves)
        self.phase = _col(w.phase for w in waves) * np.pi / 180.0
        self.before = self.vo + self.va * np.sin(self.phase)

    def evaluate(self, t: F64 | float) -> F64:
        time = np.subtract(t, self.td)
        pos = np.maximum(time, 0.0)  # keeps exp() finite on lanes not selected
        with np.errstate(over="ignore", invalid="ignore"):
            arg = self.freq * pos * 2.0 * np.pi + self.phase
            after = self.vo + self.va * np.sin(arg) * np.exp(-pos * self.theta)
        return np.where(time <= 0.0, self.before, after)


class _ExpGroup:
    def __init__(self, waves: Sequence[ExpWave]) -> None:
        self.v1 = _col(w.v1 for w in waves)
        self.td1 = _col(w.td1 for w in waves)
        self.tau1 = _col(w.tau1 for w in waves)
        self.td2 = _col(w.td2 for w in waves)
        self.tau2 = _col(w.tau2 for w in waves)
        v2 = _col(w.v2 for w in waves)
        self.up = v2 - self.v1
        self.down = self.v1 - v2

    def evaluate(self, t: F64 | float) -> F64:
        t = np.asarray(t, dtype=np.float64)
        x1 = np.maximum(t - self.td1, 0.0)
        x2 = np.maximum(t - self.td2, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            rise = self.v1 + self.up * (1.0 - np.exp(-x1 / self.tau1))
            both = rise + self.down * (1.0 - np.exp(-x2 / self.tau2))
        out = np.where(t <= self.td2, rise, both)
        return np.where(t <= self.td1, self.v1, out)


class _KnotRanges:
    """Contiguous knot ranges ``[start[l], stop[l]]`` (global indices), one per lane, laid out
    flat so that "how many knots lie below a threshold" is one ``reduceat`` for all lanes."""

    def __init__(self, T: F64, start: npt.NDArray[np.int64], stop: npt.NDArray[np.int64]) -> None:
        sizes = stop - start + 1
        self.start, self.stop = start, stop
        self.owner = np.repeat(np.arange(len(start)), sizes)
        self.offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
        self.times = T[start[self.owner] + np.arange(int(sizes.sum())) - self.offsets[self.owner]]

    def count_below(self, shift: F64 | None, threshold: F64) -> npt.NDArray[np.int64]:
        """Per lane: number of knots with ``T + shift < threshold`` (knots are sorted)."""
        knots = self.times if shift is None else self.times + shift[..., self.owner]
        below = knots < threshold[..., self.owner]
        return np.add.reduceat(below, self.offsets, axis=-1, dtype=np.int64)


class _PwlGroup:
    """All PWL sources in flat knot arrays.

    ngspice 39 scans the segments in order (once, then once per repetition with the knots
    shifted) and stops at the first knot within 3 ulps of the time or the first segment
    strictly containing it. The knots' shifted times are sorted, so the first candidate of a
    pass is found by counting the knots below ``time`` minus 3 ulps.
    """

    def __init__(self, waves: Sequence[PwlWave]) -> None:
        times: list[float] = []
        values: list[float] = []
        start: list[int] = []
        rep: list[int] = []
        for w in waves:
            start.append(len(times))
            rep.append(-1 if w.repeat is None else len(times) + w.repeat)
            times += w.times
            values += w.values
        self.T = np.array([*times, np.inf], dtype=np.float64)  # padded: index last+1 is safe
        self.V = np.array([*values, 0.0], dtype=np.float64)
        first = np.array(start, dtype=np.int64)
        last = np.array([*start[1:], len(times)], dtype=np.int64) - 1
        self.td = _col(w.td for w in waves)
        self.t0, self.v0 = self.T[first], self.V[first]
        self.vend = self.V[last]
        self.all_knots = _KnotRanges(self.T, first, last)
        rep_arr = np.array(rep, dtype=np.int64)
        self.rep_lanes = np.nonzero(rep_arr >= 0)[0]
        self.repeats = rep_arr >= 0
        if len(self.rep_lanes):
            r_first = rep_arr[self.rep_lanes]
            r_last = last[self.rep_lanes]
            self.rep_knots = _KnotRanges(self.T, r_first, r_last)
            self.r_end = self.T[r_last]
            self.r_penultimate = self.T[r_last - 1]
            self.r_start = self.T[r_first]
            self.r_period = self.r_end - self.r_start

    def _scan(self, u: F64, shift: F64 | None, knots: _KnotRanges) -> tuple[F64, F64]:
        """One ngspice pass for every lane of ``knots``: (matched, value)."""
        lower, upper = _ulp_window(u)
        lo = knots.start + knots.count_below(shift, lower)  # first knot not below u - 3 ulps
        first, last = knots.start, knots.stop
        a = np.minimum(lo, last)
        ka = self.T[a] if shift is None else self.T[a] + shift
        bracket = (lo > first) & (lo <= last) & (ka > u)
        equal = (lo < last) & (ka <= upper)
        i = np.maximum(lo - 1, first)
        ti, vi = self.T[i], self.V[i]
        left = ti if shift is None else ti + shift
        span = self.T[i + 1] - ti
        span[span == 0.0] = 1.0  # only in lanes where ``bracket`` is false
        interp = vi + ((u - left) / span) * (self.V[i + 1] - vi)
        return bracket | equal, np.where(bracket, interp, self.V[a])

    def _repeat(self, u: F64, pending: npt.NDArray[np.bool_], out: F64) -> F64:
        """Values of the repeating lanes the first pass did not settle.

        ngspice tries repetition k = 0, 1, ... (knots r..last shifted by
        ``end + (end - T_r)*k - T_r``) until a pass matches. A pass matches iff its first knot
        is not above ``u`` + 3 ulps and either its last knot is above ``u`` or its
        second-to-last knot is not below ``u`` - 3 ulps; passes more than two periods before
        ``u`` lie entirely below it. So the matching k is found from the pass end points of
        six candidates, then that single pass is scanned.
        """
        if not pending.any():
            return out
        lower, upper = _ulp_window(u)
        lower, upper = lower[..., None], upper[..., None]
        k0 = np.maximum(np.floor((u - self.r_end) / self.r_period) - 2.0, 0.0)
        ks = k0[..., None] + _SIX
        end, start = self.r_end[:, None], self.r_start[:, None]
        shifts = end + self.r_period[:, None] * ks - start
        ok = (start + shifts <= upper) & (
            (end + shifts > u[..., None]) | (self.r_penultimate[:, None] + shifts >= lower)
        )
        k = k0 + np.argmax(ok, axis=-1)
        shift = self.r_end + self.r_period * k - self.r_start  # same rounding as ``shifts``
        hit, value = self._scan(u, shift, self.rep_knots)
        return np.where(pending & ok.any(axis=-1) & hit, value, out)

    def evaluate(self, t: F64 | float) -> F64:
        u = np.subtract(t, self.td)
        before = u < self.t0
        matched, value = self._scan(u, None, self.all_knots)
        out = np.where(before, self.v0, np.where(matched, value, self.vend))
        if len(self.rep_lanes):
            out[..., self.rep_lanes] = self._repeat(
                u[..., self.rep_lanes],
                ~(before | matched)[..., self.rep_lanes],
                out[..., self.rep_lanes],
            )
        return out


def _ulp_keys(x: F64) -> npt.NDArray[np.int64]:
    """Vectorised :func:`_ulp_key`."""
    i = np.ascontiguousarray(x, dtype=np.float64).view(np.int64)
    return np.where(i < 0, np.int64(-(2**63)) - i, i)


def _ulp_window(u: F64) -> tuple[F64, F64]:
    """The doubles 3 ulps below and above ``u`` (ngspice's ``AlmostEqualUlps`` window)."""
    bits = np.ascontiguousarray(u, dtype=np.float64).view(np.int64)
    if bits.size and int(bits.min()) > _ULPS:  # all positive: keys are the raw bits
        return (bits - _ULPS).view(np.float64), (bits + _ULPS).view(np.float64)
    keys = _ulp_keys(u)
    return _from_ulp_keys(keys - _ULPS), _from_ulp_keys(keys + _ULPS)


def _from_ulp_keys(k: npt.NDArray[np.int64]) -> F64:
    """Inverse of :func:`_ulp_keys` (the map is an involution on int64)."""
    i = np.where(k < 0, np.int64(-(2**63)) - k, k)
    return np.ascontiguousarray(i, dtype=np.int64).view(np.float64)


class _DcGroup:
    def __init__(self, waves: Sequence[DcWave]) -> None:
        self.value = _col(w.value_ for w in waves)

    def evaluate(self, t: F64 | float) -> F64:
        shape = np.broadcast_shapes(np.shape(t), self.value.shape)
        return np.broadcast_to(self.value, shape).copy()


_GROUPS: Final = {
    PulseWave: _PulseGroup,
    SinWave: _SinGroup,
    ExpWave: _ExpGroup,
    PwlWave: _PwlGroup,
    DcWave: _DcGroup,
}


class _Bank:
    """Vectorised evaluation of resolved waveforms (no checks, no breakpoints)."""

    def __init__(self, waves: Sequence[BoundWaveform]) -> None:
        self.n = len(waves)
        self.groups: list[tuple[npt.NDArray[np.int64], object]] = []
        for cls, group_cls in _GROUPS.items():
            pos = [k for k, w in enumerate(waves) if type(w) is cls]
            if pos:
                members = [waves[k] for k in pos]
                self.groups.append((np.array(pos, dtype=np.int64), group_cls(members)))

    def values(self, t: float | F64) -> F64:
        t_arr = np.asarray(t, dtype=np.float64)
        if t_arr.ndim > 1:
            raise ValueError("t must be a scalar or a 1-D array of times")
        shape = (self.n,) if t_arr.ndim == 0 else (t_arr.shape[0], self.n)
        tt = t_arr if t_arr.ndim == 0 else t_arr[:, None]
        out = np.empty(shape, dtype=np.float64)
        for pos, group in self.groups:
            out[..., pos] = group.evaluate(tt)  # type: ignore[attr-defined]
        return out


# ---------------------------------------------------------------------------------------------
# Breakpoints: arithmetic progressions ``base + m*period`` (m = 0 .. count-1) plus fixed times.
# ---------------------------------------------------------------------------------------------


def _progressions(waves: Sequence[BoundWaveform]) -> tuple[F64, F64, F64, F64]:
    """Return (fixed times, base, period, count) describing every corner of ``waves``."""
    fixed: list[float] = []
    base: list[float] = []
    period: list[float] = []
    count: list[float] = []
    for w in waves:
        if isinstance(w, PulseWave):
            corners = [0.0, w.tr, w.tr + w.pw, w.tr + w.pw + w.tf]
            tmax = w.np_ * w.per if w.np_ > 0.0 else math.inf
            for c in dict.fromkeys(corners):
                if c != 0.0 and c >= w.per * (1.0 - 1e-12):
                    # Folded away (ngspice restarts the period before this corner) or within
                    # rounding of the next period start, which is a breakpoint anyway.
                    continue
                n = math.floor((tmax - c) / w.per) + 1 if math.isfinite(tmax) else math.inf
                if n > 0:
                    base.append(w.td + c)
                    period.append(w.per)
                    count.append(n)
            if math.isfinite(tmax):
                fixed.append(w.td + tmax)
        elif isinstance(w, SinWave):
            fixed.append(w.td)
        elif isinstance(w, ExpWave):
            fixed += [w.td1, w.td2]
        elif isinstance(w, PwlWave):
            fixed += [tk + w.td for tk in w.times]
            if w.repeat is not None:
                p = w.times[-1] - w.times[w.repeat]
                for tk in w.times[w.repeat + 1 :]:
                    base.append(tk + w.td + p)
                    period.append(p)
                    count.append(math.inf)
    return (
        np.unique(np.array(fixed, dtype=np.float64)),
        np.array(base, dtype=np.float64),
        np.array(period, dtype=np.float64),
        np.array(count, dtype=np.float64),
    )


class WaveformBank:
    """Every time-dependent source of a circuit, bound to one transient analysis.

    Parameters
    ----------
    entries : sequence
        ``(source_index, WaveformSpec)`` pairs, or bare ``WaveformSpec`` objects (their
        position is then their index). Output arrays follow the order of ``entries``.
    tstep : float
        ``.tran`` TSTEP [s], > 0 (default rise/fall times, EXP delays and time constants).
    tstop : float
        ``.tran`` TSTOP [s], > 0 (default PULSE width and period, SIN frequency 1/TSTOP).

    Attributes
    ----------
    indices : ndarray of int64, shape (N,)
        Source index of each entry.
    waves : tuple
        The resolved waveforms (scalar reference ``value(t)`` each).

    Raises
    ------
    NetlistError
        When a spec is invalid (without location: validate specs with their card's location
        when parsing) or TSTEP/TSTOP is not positive.
    """

    def __init__(
        self,
        entries: Sequence[WaveformSpec | tuple[int, WaveformSpec]],
        tstep: float,
        tstop: float,
    ) -> None:
        _check_transient(tstep, tstop)
        indices: list[int] = []
        specs: list[WaveformSpec] = []
        for k, entry in enumerate(entries):
            if isinstance(entry, WaveformSpec):
                indices.append(k)
                specs.append(entry)
            else:
                idx, spec = entry
                indices.append(int(idx))
                specs.append(spec)
        for spec in specs:
            spec.validate()
        self.tstep = float(tstep)
        self.tstop = float(tstop)
        self.indices = np.array(indices, dtype=np.int64)
        self.waves: tuple[BoundWaveform, ...] = tuple(
            _resolve(s, self.tstep, self.tstop) for s in specs
        )
        self._bank = _Bank(self.waves)
        self._fixed, self._base, self._period, self._count = _progressions(self.waves)

    def __len__(self) -> int:
        return len(self.waves)

    def values(self, t: float | F64) -> F64:
        """Every source's value at time ``t``.

        Parameters
        ----------
        t : float or ndarray, shape (M,)
            Time [s]. ``values(0.0)`` is what the transient's initial operating point uses.

        Returns
        -------
        ndarray, shape (N,) or (M, N)
            Values [V or A], in entry order.
        """
        return self._bank.values(t)

    def next_breakpoint(self, t: float) -> float:
        """First waveform corner strictly after ``t`` [s] (``inf`` when there is none).

        Computed arithmetically per period, so a 1 GHz pulse over 1 s costs the same as one
        pulse. Equals ``breakpoints(...)``'s first element greater than ``t``.
        """
        best = math.inf
        fixed = self._fixed
        k = int(np.searchsorted(fixed, t, side="right"))
        if k < len(fixed):
            best = float(fixed[k])
        if len(self._base):
            b, p, n = self._base, self._period, self._count
            m = np.maximum(np.floor((t - b) / p) + 1.0, 0.0)
            m = np.where(b + m * p <= t, m + 1.0, m)
            back = np.maximum(m - 1.0, 0.0)
            m = np.where((m >= 1.0) & (b + back * p > t), back, m)
            cand = b + m * p
            cand = cand[(m < n) & (cand > t)]
            if cand.size:
                best = min(best, float(cand.min()))
        return best

    def breakpoints(self, tstart: float, tstop: float, max_points: int = 1_000_000) -> F64:
        """All waveform corners in ``[tstart, tstop]``, sorted and unique.

        Corners are PULSE period starts, ends of rise, starts and ends of fall (each period,
        up to NP pulses), PWL knots (and their repetitions), SIN delays and EXP delays.

        Parameters
        ----------
        tstart, tstop : float
            Time window [s].
        max_points : int
            Refuse (with :class:`~xbar.errors.XbarError`) to materialise more corners than
            this; use :meth:`next_breakpoint` to walk them lazily.

        Returns
        -------
        ndarray of float64
            Times [s].
        """
        fixed = self._fixed[(self._fixed >= tstart) & (self._fixed <= tstop)]
        parts = [fixed]
        if len(self._base):
            b, p, n = self._base, self._period, self._count
            m_lo = np.maximum(np.floor((tstart - b) / p) - 1.0, 0.0)
            m_hi = np.minimum(np.floor((tstop - b) / p) + 1.0, n - 1.0)
            sizes = np.maximum(m_hi - m_lo + 1.0, 0.0)
            total = float(sizes.sum()) + len(fixed)
            if total > max_points:
                raise XbarError(
                    f"about {total:.3g} waveform breakpoints in [{tstart!r}, {tstop!r}] exceed "
                    f"max_points={max_points}; walk them with next_breakpoint()"
                )
            sizes_i = sizes.astype(np.int64)
            owner = np.repeat(np.arange(len(b)), sizes_i)
            offsets = np.arange(int(sizes_i.sum())) - np.repeat(
                np.cumsum(sizes_i) - sizes_i, sizes_i
            )
            m = m_lo[owner] + offsets
            times = b[owner] + m * p[owner]
            parts.append(times[(times >= tstart) & (times <= tstop)])
        return np.unique(np.concatenate(parts))
