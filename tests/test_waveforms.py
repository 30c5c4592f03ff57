"""Time functions of independent sources (xbar.devices.waveforms), incl. live ngspice checks."""

from __future__ import annotations

import math
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from xbar.devices.waveforms import (
    DcWave,
    ExpWave,
    PulseWave,
    PwlWave,
    SinWave,
    WaveformBank,
    WaveformSpec,
)
from xbar.errors import NetlistError, SourceLocation, XbarError

TSTEP = 1e-9
TSTOP = 10e-6


def bound(kind: str, *args: float, tstep: float = TSTEP, tstop: float = TSTOP, **kw: float):
    return WaveformSpec(kind, args, **kw).bind(tstep, tstop)


def val(kind: str, t: float, *args: float, **kw: float) -> float:
    """Value through both the scalar reference and a one-source bank (must agree)."""
    tstep, tstop = kw.pop("tstep", TSTEP), kw.pop("tstop", TSTOP)
    spec = WaveformSpec(kind, args, **kw)
    scalar = spec.bind(tstep, tstop).value(t)
    banked = float(WaveformBank([spec], tstep, tstop).values(t)[0])
    assert banked == pytest.approx(scalar, rel=1e-14, abs=1e-300)
    return scalar


# --------------------------------------------------------------------------------- PULSE


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (0.0, 0.0),
        (0.5e-6, 0.0),
        (1.0e-6, 0.0),  # u = 0 -> V1
        (1.05e-6, 2.5),  # half-way up
        (1.1e-6, 5.0),  # end of rise
        (2.0e-6, 5.0),
        (2.1e-6, 5.0),  # u = TR+PW still V2
        (2.2e-6, 2.5),  # half-way down
        (2.3e-6, 0.0),
        (3.5e-6, 0.0),
        (4.05e-6, 2.5),  # second period
        (5.0e-6, 5.0),
        (8.2e-6, 2.5),  # third period, falling
    ],
)
def test_pulse_closed_form(t: float, expected: float) -> None:
    assert val("pulse", t, 0, 5, 1e-6, 100e-9, 200e-9, 1e-6, 3e-6) == pytest.approx(
        expected, abs=1e-9
    )


def test_pulse_defaults_and_zero_means_default() -> None:
    w = bound("pulse", 1, 2)
    assert w == PulseWave(v1=1, v2=2, td=0, tr=TSTEP, tf=TSTEP, pw=TSTOP, per=TSTOP, np_=0)
    # ngspice treats an explicit 0 for TR, TF, PW and PER as "use the default".
    assert bound("pulse", 1, 2, 0, 0, 0, 0, 0) == w
    assert val("pulse", 0.5e-9, 1, 2) == pytest.approx(1.5)
    assert val("pulse", 5e-6, 1, 2) == 2.0


def test_pulse_number_of_pulses() -> None:
    args = (0, 1, 0, 1e-9, 1e-9, 5e-9, 10e-9)
    assert val("pulse", 13e-9, *args, 2) == 1.0  # top of pulse 2
    assert val("pulse", 23e-9, *args, 2) == 0.0  # pulse 3 suppressed
    assert val("pulse", 23e-9, *args) == 1.0  # unlimited
    assert val("pulse", 23e-9, *args, 0) == 1.0  # NP = 0: unlimited


def test_pulse_overlapping_period_restarts() -> None:
    # PER < TR+PW+TF: ngspice folds the time into the period, cutting the fall short.
    args = (0, 1, 0, 4e-9, 4e-9, 4e-9, 10e-9)
    assert val("pulse", 9.9e-9, *args) == pytest.approx(1 - (9.9e-9 - 8e-9) / 4e-9)
    assert val("pulse", 11e-9, *args) == pytest.approx(0.25)  # folded: u = 1 ns, rising


# --------------------------------------------------------------------------------- SIN


def test_sin_delay_damping_phase() -> None:
    vo, va, f, td, theta, ph = 0.5, 2.0, 1e6, 1e-6, 2e5, 30.0
    args = (vo, va, f, td, theta, ph)
    before = vo + va * math.sin(math.radians(ph))
    assert val("sin", 0.0, *args) == pytest.approx(before, rel=1e-14)
    assert val("sin", 1e-6, *args) == pytest.approx(before, rel=1e-14)
    for t in (1.3e-6, 2.77e-6, 9e-6):
        u = t - td
        ref = vo + va * math.sin(2 * math.pi * f * u + math.radians(ph)) * math.exp(-theta * u)
        assert val("sin", t, *args) == pytest.approx(ref, rel=1e-12, abs=1e-12)


def test_sin_defaults() -> None:
    w = bound("sin", 0, 1, tstop=2e-6)
    assert w == SinWave(vo=0, va=1, freq=0.5e6, td=0, theta=0, phase=0)
    assert bound("sin", 0, 1, 0, tstop=2e-6) == w  # FREQ 0 -> 1/TSTOP
    assert w.value(0.5e-6) == pytest.approx(1.0, rel=1e-15)
    assert w.value(1.0e-6) == pytest.approx(0.0, abs=1e-15)


# --------------------------------------------------------------------------------- EXP


def test_exp_both_phases() -> None:
    args = (0, 1, 1e-6, 0.5e-6, 3e-6, 1e-6)
    assert val("exp", 0.5e-6, *args) == 0.0
    assert val("exp", 1e-6, *args) == 0.0
    assert val("exp", 2e-6, *args) == pytest.approx(1 - math.exp(-2), rel=1e-14)
    assert val("exp", 3e-6, *args) == pytest.approx(1 - math.exp(-4), rel=1e-14)
    ref = (1 - math.exp(-6)) - (1 - math.exp(-1))
    assert val("exp", 4e-6, *args) == pytest.approx(ref, rel=1e-13)
    assert val("exp", 1.0, *args) == pytest.approx(0.0, abs=1e-15)


def test_exp_defaults_follow_ngspice39() -> None:
    # ngspice 39: TD1 defaults to TSTEP (also when given as 0), TD2 to TD1+TSTEP.
    w = bound("exp", 1, -1, tstep=10e-9)
    assert w == ExpWave(v1=1, v2=-1, td1=10e-9, tau1=10e-9, td2=20e-9, tau2=10e-9)
    assert bound("exp", 1, -1, 0, 0, 0, 0, tstep=10e-9) == w
    assert w.value(15e-9) == pytest.approx(1 - 2 * (1 - math.exp(-0.5)), rel=1e-14)
    assert bound("exp", 0, 1, 5e-9, 1e-6, tstep=10e-9).td2 == pytest.approx(15e-9)


# --------------------------------------------------------------------------------- PWL

STEP_PWL = (1e-6, 1, 2e-6, 3, 2e-6, -1, 3e-6, 0)


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (-1.0, 1.0),  # before the first knot: first value
        (0.0, 1.0),
        (1e-6, 1.0),
        (1.5e-6, 2.0),
        (2e-6, 3.0),  # vertical step: left value at the knot itself
        (2.5e-6, -0.5),
        (3e-6, 0.0),
        (1.0, 0.0),  # after the last knot: held
    ],
)
def test_pwl_closed_form(t: float, expected: float) -> None:
    assert val("pwl", t, *STEP_PWL) == pytest.approx(expected, abs=1e-12)


def test_pwl_just_after_vertical_step() -> None:
    assert val("pwl", 2e-6 * (1 + 1e-12), *STEP_PWL) == pytest.approx(-1.0, abs=1e-9)


@pytest.mark.parametrize(
    ("t", "expected"),
    [
        (0.2e-6, 0.0),
        (1e-6, 0.5),
        (2.4e-6, 0.1),
        (2.5e-6, 1.0),  # u = last knot: ngspice 39 already gives the value at r
        (3e-6, 0.5),
        (3.5e-6, 1.0),
        (10.75e-6, 0.75),
    ],
)
def test_pwl_repeat_and_delay(t: float, expected: float) -> None:
    # u = t - 0.5us; repeats the stretch 1us..2us (1 -> 0) after the last knot.
    v = val("pwl", t, 0, 0, 1e-6, 1, 2e-6, 0, r=1e-6, td=0.5e-6)
    assert v == pytest.approx(expected, abs=1e-9)


def test_pwl_repeat_options() -> None:
    whole = bound("pwl", 0, 0, 1e-6, 1, r=0)
    assert whole.repeat == 0
    assert whole.value(1.25e-6) == pytest.approx(0.25)
    off = bound("pwl", 0, 0, 1e-6, 1, r=-1)  # ngspice: r=-1 switches repetition off
    assert off.repeat is None
    assert off.value(1.25e-6) == 1.0
    assert bound("pwl", 1e-6, 5).value(0.0) == 5.0  # a single knot is a constant
    assert bound("pwl", 1e-6, 5).value(2e-6) == 5.0


def ulps_from(x: float, n: int) -> float:
    """``x`` moved by ``n`` ulps (negative: downwards)."""
    for _ in range(abs(n)):
        x = float(np.nextafter(x, math.inf if n > 0 else -math.inf))
    return x


def test_pwl_knot_within_three_ulps_snaps_to_knot_value() -> None:
    # ngspice 39 (V sources) scans segment by segment: segment i is taken when
    # T[i] < u < T[i+1], knot i when u is within 3 ulps of T[i] (AlmostEqualUlps). So just
    # below a knot the segment before it wins; at and up to 3 ulps above, the knot value.
    # A steep slope (1e12 V/s) makes single ulps of time visible in the value.
    spec = WaveformSpec("pwl", (0, 0, 1e-6, 1e6, 2e-6, 0))
    w = spec.bind(1e-9, 1e-5)
    knot = 1e-6
    assert w.value(ulps_from(knot, -1)) < 1e6
    for n in (0, 1, 2, 3):
        assert w.value(ulps_from(knot, n)) == 1e6
    assert w.value(ulps_from(knot, 4)) < 1e6  # next segment, interpolated
    times = np.array([ulps_from(knot, n) for n in range(-5, 6)])
    bank = WaveformBank([spec], 1e-9, 1e-5)
    np.testing.assert_array_equal(bank.values(times)[:, 0], [w.value(x) for x in times])


def ngspice39_pwl(times: list[float], values: list[float], r: int | None, u: float) -> float:
    """Literal transcription of ngspice 39's V-source PWL loop (from repetition k = 0)."""

    def almost(a: float, b: float) -> bool:
        def key(x: float) -> int:
            i = int(np.float64(x).view(np.int64))
            return -(2**63) - i if i < 0 else i

        return a == b or abs(key(a) - key(b)) <= 3

    if u < times[0]:
        return values[0]
    shift, first, k = 0.0, 0, 0
    while True:
        for i in range(first, len(times) - 1):
            if almost(times[i] + shift, u):
                return values[i]
            if times[i] + shift < u < times[i + 1] + shift:
                frac = (u - (times[i] + shift)) / (times[i + 1] - times[i])
                return values[i] + frac * (values[i + 1] - values[i])
        if r is None:
            return values[-1]
        end, start = times[-1], times[r]
        shift, first, k = end + (end - start) * k - start, r, k + 1


def test_pwl_repeat_matches_literal_ngspice_loop() -> None:
    # Sawtooth 0 -> 1 every 1 us with r=0, and a repeat from an inner knot: the shortcut that
    # skips repetitions far below t must agree with ngspice's loop from k = 0, also at and a
    # few ulps around every period end (where ngspice may already give the restart value).
    cases = [([0.0, 1e-6], [0.0, 1.0], 0), ([0.0, 3e-7, 7e-7, 1e-6], [0.1, 0.7, 0.3, 0.9], 1)]
    for times, values, r in cases:
        args = tuple(x for pair in zip(times, values, strict=True) for x in pair)
        spec = WaveformSpec("pwl", args, r=times[r])
        w = spec.bind(1e-9, 1e-3)
        period = times[-1] - times[r]
        probes = [times[-1] + period * k for k in range(120)]
        probes = [ulps_from(p, n) for p in probes for n in (-4, -1, 0, 1, 4)]
        probes += list(np.random.default_rng(5).uniform(0.0, 1.3e-4, 200))
        ref = [ngspice39_pwl(times, values, r, float(u)) for u in probes]
        assert [w.value(float(u)) for u in probes] == ref
        np.testing.assert_array_equal(WaveformBank([spec], 1e-9, 1e-3).values(probes)[:, 0], ref)
    sawtooth = WaveformSpec("pwl", (0, 0, 1e-6, 1), r=0).bind(1e-9, 1e-3)
    assert sawtooth.value(1e-6) == 0.0  # at the last knot: already the value at r
    held = WaveformSpec("pwl", (0, 0, 1e-6, 1)).bind(1e-9, 1e-3)
    assert held.value(1e-6) == 1.0  # without r= the last value


def test_dc_kind() -> None:
    assert bound("dc", 0.7) == DcWave(0.7)
    assert val("DC", 3e-6, 0.7) == 0.7


# --------------------------------------------------------------------------------- bank


def _mixed_specs() -> list[WaveformSpec]:
    return [
        WaveformSpec("pulse", (0, 1, 0.1e-6, 10e-9, 20e-9, 0.2e-6, 0.5e-6, 3)),
        WaveformSpec("PULSE", (-1, 2)),
        WaveformSpec("pulse", (0, 1, -0.13e-6, 0, 0, 0, 1e-6)),
        WaveformSpec("pulse", (0, 1, 0.05e-6, 0.1e-6, 0.1e-6, 0.1e-6, 0.25e-6)),
        WaveformSpec("sin", (0.5, 2, 3e6, 0.3e-6, 5e5, 30)),
        WaveformSpec("sine", (0, 1)),
        WaveformSpec("exp", (0, 1, 0.2e-6, 0.3e-6, 1.5e-6, 0.2e-6)),
        WaveformSpec("exp", (1, -1)),
        WaveformSpec("pwl", (0.5e-6, 1, 1e-6, 3, 1e-6, -1, 2e-6, 0.5, 3e-6, 0.5)),
        WaveformSpec("pwl", (0, 0, 0.2e-6, 1, 0.3e-6, -0.5, 0.5e-6, 0), r=0.2e-6, td=0.4e-6),
        WaveformSpec("pwl", (0, 0, 1e-6, 1), r=0),
        WaveformSpec("pwl", (7e-7, 2)),
        WaveformSpec("dc", (0.25,)),
        WaveformSpec("pwl", tuple(float(x) for x in np.arange(40) * 1e-7), td=-1e-7),
    ]


def test_bank_equals_scalar_formulas() -> None:
    specs = _mixed_specs()
    bank = WaveformBank(list(enumerate(specs)), 10e-9, 4e-6)
    rng = np.random.default_rng(1)
    corners = bank.breakpoints(0.0, 4e-6)
    times = np.concatenate(
        [rng.uniform(-1e-6, 6e-6, 400), corners, np.nextafter(corners, 1), [0.0, 4e-6]]
    )
    grid = bank.values(times)
    assert grid.shape == (len(times), len(specs))
    for k, t in enumerate(times):
        row = bank.values(float(t))
        np.testing.assert_array_equal(row, grid[k])
        ref = [w.value(float(t)) for w in bank.waves]
        # PULSE and PWL are exact; sin/exp may differ in the last bit between libm and numpy.
        np.testing.assert_allclose(row, ref, rtol=1e-13, atol=1e-15)
    pulse_pwl = [i for i, w in enumerate(bank.waves) if isinstance(w, PulseWave | PwlWave)]
    for k, t in enumerate(times):
        exact = [bank.waves[i].value(float(t)) for i in pulse_pwl]
        assert grid[k, pulse_pwl].tolist() == exact


def test_bank_indices_and_order() -> None:
    a = WaveformSpec("dc", (1.0,))
    b = WaveformSpec("pwl", (0, 2, 1, 4))
    bank = WaveformBank([(7, b), (3, a)], 1e-3, 1.0)
    assert bank.indices.tolist() == [7, 3]
    assert bank.values(0.5).tolist() == [3.0, 1.0]
    bare = WaveformBank([a, b], 1e-3, 1.0)
    assert bare.indices.tolist() == [0, 1]
    assert len(bare) == 2
    empty = WaveformBank([], 1e-3, 1.0)
    assert empty.values(0.1).shape == (0,)
    assert empty.next_breakpoint(0.0) == math.inf
    assert empty.breakpoints(0, 1).size == 0


# --------------------------------------------------------------------------------- breakpoints


def test_pulse_breakpoints_every_period() -> None:
    bank = WaveformBank(
        [WaveformSpec("pulse", (0, 1, 1e-6, 0.1e-6, 0.2e-6, 0.5e-6, 2e-6))], 1e-9, 1
    )
    bp = bank.breakpoints(0.0, 5.5e-6)
    expected = [1.0, 1.1, 1.6, 1.8, 3.0, 3.1, 3.6, 3.8, 5.0, 5.1]
    np.testing.assert_allclose(bp, np.array(expected) * 1e-6, rtol=1e-12)


def test_pulse_breakpoints_stop_after_np() -> None:
    spec = WaveformSpec("pulse", (0, 1, 0, 1e-9, 1e-9, 3e-9, 10e-9, 2))
    bank = WaveformBank([spec], 1e-9, 1e-6)
    bp = bank.breakpoints(0.0, 1e-6)
    np.testing.assert_allclose(bp, np.array([0, 1, 4, 5, 10, 11, 14, 15, 20]) * 1e-9, atol=1e-20)
    assert bank.next_breakpoint(20e-9) == math.inf


def test_pwl_sin_exp_breakpoints() -> None:
    specs = [
        WaveformSpec("pwl", (0, 0, 1e-6, 1, 3e-6, 0), r=1e-6, td=1e-6),
        WaveformSpec("sin", (0, 1, 1e6, 2.5e-6)),
        WaveformSpec("exp", (0, 1, 0.7e-6, 1e-6, 4.2e-6, 1e-6)),
    ]
    bp = WaveformBank(specs, 1e-9, 1e-5).breakpoints(0.0, 9e-6)
    expected = [0.7, 1, 2, 2.5, 4, 4.2, 6, 8]
    np.testing.assert_allclose(bp, np.array(expected) * 1e-6, rtol=1e-12)


def test_next_breakpoint_matches_breakpoints() -> None:
    bank = WaveformBank(_mixed_specs(), 10e-9, 4e-6)
    bp = bank.breakpoints(0.0, 8e-6)
    assert np.all(np.diff(bp) > 0)
    walked = []
    t = -1.0
    while True:
        t = bank.next_breakpoint(t)
        if t > 8e-6:
            break
        if t >= 0.0:
            walked.append(t)
    assert walked == bp.tolist()
    for b in bp[:-1]:  # strictly after, also when called exactly at a breakpoint
        assert bank.next_breakpoint(float(b)) > b


def test_gigahertz_pulse_over_one_second_is_lazy() -> None:
    spec = WaveformSpec("pulse", (0, 1, 0, 0.1e-9, 0.1e-9, 0.3e-9, 1e-9))
    bank = WaveformBank([spec], 1e-12, 1.0)
    start = time.perf_counter()
    t = 0.5
    for _ in range(1000):
        nxt = bank.next_breakpoint(t)
        assert t < nxt <= t + 0.5e-9 * (1 + 1e-6)  # corners at 0, 0.1, 0.4, 0.5 ns
        t = nxt
    assert time.perf_counter() - start < 2.0
    with pytest.raises(XbarError, match="max_points"):
        bank.breakpoints(0.0, 1.0)
    window = bank.breakpoints(0.5, 0.5 + 10e-9)
    assert 38 <= window.size <= 41


# --------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("kind", "args", "kw", "message"),
    [
        ("pulse", (1,), {}, r"PULSE needs 2 to 8 values: V1 V2 \[TD TR TF PW PER NP\] \(got 1\)"),
        ("pulse", tuple(range(9)), {}, r"PULSE needs 2 to 8 values.*\(got 9\)"),
        ("sin", (0,), {}, r"SIN needs 2 to 6 values: VO VA \[FREQ TD THETA PHASE\]"),
        ("exp", (0, 1, 2, 3, 4, 5, 6), {}, r"EXP needs 2 to 6 values: V1 V2 \[TD1 TAU1 TD2 TAU2\]"),
        ("dc", (1, 2), {}, r"DC needs 1 value: V \(got 2\)"),
        (
            "pwl",
            (0, 1, 2),
            {},
            r"PWL needs an even number of values: T1 V1 \[T2 V2 \.\.\.\] \(got 3",
        ),
        ("pwl", (), {}, r"PWL needs an even number of values"),
        ("pwl", (0, 0, 2, 1, 1, 0), {}, r"PWL time points must not decrease: T3=1\.0 < T2=2\.0"),
        ("pwl", (0, 0, 1, 1), {"r": 0.5}, r"repeat start r=0\.5 does not match any time point"),
        ("pwl", (0, 0, 1, 1), {"r": 1}, r"r=1\.0 must be smaller than the last time point"),
        ("pulse", (0, 1, 0, -1e-9), {}, r"PULSE TR must not be negative"),
        ("pulse", (0, 1, 0, 1e-9, -1e-9), {}, r"PULSE TF must not be negative"),
        ("pulse", (0, 1, 0, 1e-9, 1e-9, -1), {}, r"PULSE PW must not be negative"),
        ("pulse", (0, 1, 0, 1e-9, 1e-9, 1, -2), {}, r"PULSE PER must not be negative"),
        ("pulse", (0, 1, 0, 1e-9, 1e-9, 1, 2, -1), {}, r"PULSE NP must not be negative"),
        ("sin", (0, 1, -1e3), {}, r"SIN FREQ must not be negative"),
        ("exp", (0, 1, 0, -1e-9), {}, r"EXP TAU1 must be positive"),
        ("exp", (0, 1, 0, 1e-9, 0, -1e-9), {}, r"EXP TAU2 must be positive"),
        ("sin", (0, 1), {"td": 1e-9}, r"r= and td= apply to PWL only, not to SIN"),
        ("pulse", (0, math.nan), {}, r"PULSE values must be finite numbers"),
        ("trnoise", (0, 1), {}, r"unknown time function 'trnoise'; expected PULSE, SIN"),
    ],
)
def test_validation_errors(kind: str, args: tuple[float, ...], kw: dict, message: str) -> None:
    spec = WaveformSpec(kind, args, **kw)
    with pytest.raises(NetlistError, match=message):
        spec.validate()
    with pytest.raises(NetlistError, match=message):  # binding validates too
        WaveformBank([spec], 1e-9, 1e-6)


def test_error_carries_location() -> None:
    loc = SourceLocation("deck.cir", 3, 10, "V1 1 0 PULSE(1)")
    with pytest.raises(NetlistError) as info:
        WaveformSpec("pulse", (1,)).validate(loc)
    assert info.value.location == loc
    assert str(info.value).startswith("deck.cir:3:10: PULSE needs 2 to 8 values")


def test_current_source_rejects_pwl_options_like_ngspice() -> None:
    WaveformSpec("pwl", (0, 0, 1, 1), r=0).validate()  # fine on a V source
    for kw in ({"r": 0.0}, {"td": 1e-9}):
        with pytest.raises(NetlistError, match="voltage sources only"):
            WaveformSpec("pwl", (0, 0, 1, 1), **kw).validate(current_source=True)


def test_non_numeric_args_and_bad_transient() -> None:
    with pytest.raises(NetlistError, match="must be numbers"):
        WaveformSpec("pulse", ("a", 1))  # type: ignore[arg-type]
    spec = WaveformSpec("pulse", (0, 1))
    with pytest.raises(NetlistError, match="TSTEP must be positive"):
        spec.bind(0.0, 1e-6)
    with pytest.raises(NetlistError, match="TSTOP must be positive"):
        WaveformBank([spec], 1e-9, -1.0)


# --------------------------------------------------------------------------------- DC rule


@pytest.mark.parametrize(
    ("kind", "args", "expected"),
    [
        ("pulse", (1, 2, 1e-6, 1e-9, 1e-9, 1e-6, 2e-6), 1.0),
        ("pulse", (1, 2, -0.5e-6, 1e-6, 1e-9, 1e-6, 2e-6), 1.5),  # t=0 is mid-rise
        ("sin", (0.5, 1, 1e3, 0, 0, 90), 1.5),  # VO + VA*sin(PHASE)
        ("exp", (3, 7, 0, 1e-6), 3.0),
        ("exp", (1, 2, -1e-6, 1e-6), 1 + (1 - math.exp(-1)) - 1),  # TAU2 = TSTEP = 0
        ("pwl", (1e-6, 6, 2e-6, 5), 6.0),
        ("dc", (0.7,), 0.7),
    ],
)
def test_dc_value_without_explicit_dc(kind: str, args: tuple[float, ...], expected: float) -> None:
    spec = WaveformSpec(kind, args)
    assert spec.dc_value(False) == pytest.approx(expected, rel=1e-14)
    assert spec.dc_value(True, 5.0) == 5.0


def test_dc_value_undefined_without_transient() -> None:
    loc = SourceLocation("deck.cir", 2, 1, "V9 9 0 PULSE(1 2 -0.5u)")
    with pytest.raises(NetlistError, match="explicit DC value") as info:
        WaveformSpec("pulse", (1, 2, -0.5e-6)).dc_value(False, location=loc)
    assert info.value.location == loc
    with pytest.raises(NetlistError, match="explicit DC value"):
        WaveformSpec("sin", (0, 1, 0, -1e-6)).dc_value(False)
    assert WaveformSpec("sin", (0, 1, 0, -1e-6)).dc_value(True, 0.0) == 0.0


# --------------------------------------------------------------------------------- ngspice

NGSPICE = shutil.which("ngspice")
needs_ngspice = pytest.mark.skipif(NGSPICE is None, reason="ngspice is not installed")


def read_raw(path: Path) -> dict[str, np.ndarray]:
    """Minimal reader of a real-valued binary ngspice rawfile (first plot)."""
    data = path.read_bytes()
    split = data.index(b"Binary:\n")
    lines = data[:split].decode().splitlines()
    nvars = int(next(x for x in lines if x.startswith("No. Variables:")).split(":")[1])
    npts = int(next(x for x in lines if x.startswith("No. Points:")).split(":")[1])
    first = lines.index("Variables:") + 1
    names = [line.split()[1].lower() for line in lines[first : first + nvars]]
    values = np.frombuffer(data, "<f8", nvars * npts, split + len(b"Binary:\n"))
    table = values.reshape(npts, nvars)
    return {name: table[:, k].copy() for k, name in enumerate(names)}


def run_ngspice(tmp_path: Path, deck: str) -> dict[str, np.ndarray]:
    cir, raw = tmp_path / "deck.cir", tmp_path / "out.raw"
    cir.write_text(deck)
    proc = subprocess.run(
        [str(NGSPICE), "-b", "-r", str(raw), str(cir)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0 and raw.exists(), proc.stdout + proc.stderr
    return read_raw(raw)


def ng_number(text: str) -> float:
    """A number exactly as ngspice 39's ``INPevaluate`` reads it.

    ngspice accumulates the digits in a double and multiplies by ``pow(10, exponent)``, so
    ``0.7`` becomes ``7 * 0.1 = 0.7000000000000001``; comparing bit for bit needs the same
    parameters.
    """
    s, i, sign = text.strip().lower(), 0, 1.0
    if s[i] in "+-":
        sign = -1.0 if s[i] == "-" else 1.0
        i += 1
    mantissa, expo, expo2, expsign = 0.0, 0, 0, 1
    while i < len(s) and s[i].isdigit():
        mantissa = 10 * mantissa + int(s[i])
        i += 1
    if i < len(s) and s[i] == ".":
        i += 1
        while i < len(s) and s[i].isdigit():
            mantissa = 10 * mantissa + int(s[i])
            expo -= 1
            i += 1
    if i == len(s) and expo == 0:
        return mantissa * sign
    if i < len(s) and s[i] in "ed":
        i += 1
        if i < len(s) and s[i] in "+-":
            expsign = -1 if s[i] == "-" else 1
            i += 1
        while i < len(s) and s[i].isdigit():
            expo2 = 10 * expo2 + int(s[i])
            i += 1
    rest = s[i:]
    scale = {"t": 12, "g": 9, "k": 3, "u": -6, "n": -9, "p": -12, "f": -15, "a": -18}
    if rest.startswith("meg"):
        expo += 6
    elif rest.startswith("mil"):
        expo -= 6
        mantissa *= 25.4
    elif rest[:1] == "m":
        expo -= 3
    elif rest[:1] in scale:
        expo += scale[rest[:1]]
    return sign * mantissa * math.pow(10.0, float(expo + expsign * expo2))


def test_ng_number_emulation() -> None:
    assert ng_number("0.7") == 7 * 0.1 != 0.7
    assert ng_number("1u") == 1e-6
    assert ng_number("3meg") == 3e6
    assert ng_number("-2.5e-3") == -25 * 1e-4
    assert ng_number("12") == 12.0


def spec_from_card(text: str) -> tuple[WaveformSpec, float | None]:
    """``[DC v] KIND(args) [r=..] [td=..]`` -> (spec, explicit DC or None); test helper only."""
    dc = None
    head, _, tail = text.partition("(")
    words = head.split()
    if words[0].lower() == "dc":
        dc = ng_number(words[1])
        words = words[2:]
    inner, _, options = tail.partition(")")
    opts = dict(o.split("=") for o in options.split())
    spec = WaveformSpec(
        words[0],
        tuple(ng_number(x) for x in inner.split()),
        r=ng_number(opts["r"]) if "r" in opts else None,
        td=ng_number(opts.get("td", "0")),
    )
    return spec, dc


# V sources drive node k directly; I sources push their current from ground into node k
# through 1 kOhm. Every kind, defaults, NP, overlapping pulses, negative delays, PWL steps,
# holds, repeats (r=) and delays (td=), explicit DC values beside a time function.
LIVE_CARDS: list[tuple[str, str]] = [
    ("v", "PULSE(0 1 0.1u 10n 20n 0.2u 0.5u 3)"),
    ("v", "PULSE(-1 2)"),
    ("v", "PULSE(0 1 -0.13u 0 0 0 1u)"),
    ("v", "PULSE(0 1 0.05u 0.1u 0.1u 0.1u 0.25u)"),
    ("v", "SIN(0.5 2 3meg 0.3u 5e5 30)"),
    ("v", "SIN(0 1)"),
    ("v", "EXP(0 1 0.2u 0.3u 1.5u 0.2u)"),
    ("v", "EXP(1 -1)"),
    ("v", "PWL(0.5u 1 1u 3 1u -1 2u 0.5 3u 0.5)"),
    ("v", "PWL(0 0 0.2u 1 0.3u -0.5 0.5u 0) r=0.2u td=0.4u"),
    ("v", "DC 0.7 PWL(0 0.1 0.3u 0.7 0.7u 0.3 1u 0.9) r=0.3u"),
    ("v", "DC 0.3 SIN(0.1 1 2meg 0 0 45)"),
    ("v", "PWL(0 0 1u 1meg 1.7u 0) r=0 td=-0.25u"),
    ("i", "PULSE(0 1m 0.2u 50n 50n 0.3u 1u)"),
    ("i", "SIN(0 2m 2meg 0 1e5 -45)"),
    ("i", "EXP(0 1m)"),
    ("i", "PWL(0 0 1u 2m 2u -1m)"),
]


def live_deck(analysis: str, *extra: str) -> str:
    cards = ["* xbar waveform comparison", *extra]
    for k, (letter, text) in enumerate(LIVE_CARDS, start=1):
        cards.append(f"V{k} {k} 0 {text}" if letter == "v" else f"I{k} 0 {k} {text}")
        cards.append(f"R{k} {k} 0 1k")
    return "\n".join([*cards, analysis, ".end", ""])


def source_signal(data: dict[str, np.ndarray], k: int) -> np.ndarray:
    v = data[f"v({k})"]
    return v if LIVE_CARDS[k - 1][0] == "v" else v / 1e3


@pytest.mark.ngspice
@needs_ngspice
def test_live_transient_values_match_ngspice(tmp_path: Path) -> None:
    tstep, tstop = 10e-9, 4e-6
    data = run_ngspice(tmp_path, live_deck(".tran 10n 4u 0 5n"))
    t = data["time"]
    assert t.size > 800
    bank = WaveformBank([spec_from_card(text)[0] for _, text in LIVE_CARDS], tstep, tstop)
    ours = bank.values(t)
    for k, (letter, text) in enumerate(LIVE_CARDS, start=1):
        ref = source_signal(data, k)
        scale = max(float(np.ptp(ref)), float(np.max(np.abs(ref))), 1e-30)
        err = np.abs(ours[:, k - 1] - ref) / scale
        worst = int(np.argmax(err))
        assert err[worst] <= 1e-9, (
            f"{letter.upper()}{k} {text}: t={t[worst]!r} "
            f"xbar={ours[worst, k - 1]!r} ngspice={ref[worst]!r}"
        )
    # The initial operating point uses the time function at t=0, ignoring DC values.
    assert source_signal(data, 11)[0] == ng_number("0.1")
    assert source_signal(data, 12)[0] == pytest.approx(0.1 + math.sin(math.pi / 4), rel=1e-12)


@pytest.mark.ngspice
@needs_ngspice
def test_live_pwl_probe_via_op_delay(tmp_path: Path) -> None:
    """``.op`` evaluates PWL at t=0, i.e. at u = -td: probe ngspice's PWL at chosen times,
    including knots, period ends and (within 3 ulps of) knots of the repetitions."""
    shapes = [
        ("0 0.1 0.3u 0.7 0.7u 0.3 1u 0.9", "0.3u"),
        ("0 0 0.2u 1 0.3u -0.5 0.5u 0", "0.2u"),
        ("0 0 1u 1", "0"),
        ("0.1u 0.3 0.4u 0.7 0.4u 0.1 0.9u 0.6", None),
    ]
    rng = np.random.default_rng(7)
    cards, specs = ["* pwl probe"], []
    for knots, r in shapes:
        base, _ = spec_from_card(f"PWL({knots})" + (f" r={r}" if r else ""))
        times = base.args[0::2]
        period = times[-1] - (times[0] if r is None else ng_number(r))
        probes = [tk + m * period for m in range(8) for tk in times]
        probes += list(rng.uniform(0.0, 8e-6, 30))
        for u in probes:
            td = f"-{round(u * 1e21)}e-21"
            card = f"PWL({knots})" + (f" r={r}" if r else "") + f" td={td}"
            k = len(specs) + 1
            cards += [f"V{k} {k} 0 {card}", f"R{k} {k} 0 1k"]
            specs.append(spec_from_card(card)[0])
    data = run_ngspice(tmp_path, "\n".join([*cards, ".op", ".end", ""]))
    ref = np.array([data[f"v({k})"][0] for k in range(1, len(specs) + 1)])
    scalar = np.array([s.dc_value(False) for s in specs])
    np.testing.assert_array_equal(scalar, ref)  # bit for bit
    bank = WaveformBank(specs, 1e-9, 1e-5).values(0.0)
    np.testing.assert_array_equal(bank, ref)


@pytest.mark.ngspice
@needs_ngspice
@pytest.mark.parametrize("analysis", [".op", ".dc Vsweep 0 1 0.5"])
def test_live_op_and_dc_use_dc_value_rule(tmp_path: Path, analysis: str) -> None:
    data = run_ngspice(tmp_path, live_deck(analysis, "Vsweep 99 0 0", "R99 99 0 1k"))
    for k, (_, text) in enumerate(LIVE_CARDS, start=1):
        spec, dc = spec_from_card(text)
        ours = spec.dc_value(dc is not None, 0.0 if dc is None else dc)
        ref = source_signal(data, k)
        assert ref.size == (1 if analysis == ".op" else 3)
        np.testing.assert_allclose(ref, ours, rtol=1e-12, atol=1e-15, err_msg=text)


@pytest.mark.ngspice
@needs_ngspice
def test_live_ngspice_rejects_pwl_repeat_on_current_source(tmp_path: Path) -> None:
    cir = tmp_path / "deck.cir"
    cir.write_text("* i pwl r\nI1 0 1 PWL(0 0 1u 1) r=0\nR1 1 0 1k\n.op\n.end\n")
    proc = subprocess.run(
        [str(NGSPICE), "-b", str(cir)], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert "unknown parameter (r)" in proc.stdout + proc.stderr
