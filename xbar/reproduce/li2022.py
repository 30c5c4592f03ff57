"""Li et al., Chin. Phys. B 31, 117106 (2022): Co/Gd Hall bar, Figs. 2, 3(c)-(d) and 4(a)-(b).

Bench circuits (also used by ``examples/li2022_*.py``, ``tests/test_cogd.py`` and
:func:`xbar.nn.activations.fit_li2022_sigmoid`) and the reproduction table. Every bench is a
transient of Hall bars (``cogd`` cards of ``compact_models/li2022_cogd.lib``) driven by one
current source whose PWL waveform follows the paper's protocol: 10 ms write pulses, each followed
by a 10 ms read at 0.1 mA, during which ``R_hall = (V(h+) − V(h-))/0.1 mA`` is taken (Sec. 3).
The waveforms are staircases with vertical PWL steps, so each pulse has a constant current and
the device's per-step switching probability is exact.

Published numbers come from the paper's text; its figures are not available as data, so values
printed only in figures (R_AHE, H_k, X0, K, the STDP window) are reported as xbar's own values
with the status ``not reproduced`` and trends stated in the text are checked as trends.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import curve_fit

import xbar
from xbar.devices.base import F64
from xbar.devices.cards import library_path
from xbar.devices.mtj.cogd import OE
from xbar.devices.waveforms import WaveformSpec
from xbar.reproduce import ReproRow
from xbar.reprs import short_repr

__all__ = [
    "DEMAG_AMPLITUDES",
    "FIG4_CARD",
    "FIG4_HX",
    "LIB",
    "SPIKE1",
    "SPIKE2",
    "LoopMetrics",
    "Schedule",
    "Spike",
    "card_name",
    "demag_amplitudes",
    "fig2_loops",
    "fit_stdp",
    "hall_train",
    "loop_amplitudes",
    "loop_metrics",
    "minor_loops",
    "rows",
    "sigmoid_curve",
    "stdp",
    "stdp_waveform",
]

PAPER = "Li 2022"
LIB = library_path("li2022_cogd.lib")
COMMAND = "xbar reproduce --only li2022"
THICKNESSES = (0.0, 0.5, 1.0, 1.5, 2.0)
"""AlOx thicknesses of the paper's samples [nm] (Sec. 2)."""
WIDTH = 10e-3
"""Write-pulse width [s] (Sec. 3: 10 ms)."""
GAP = 10e-3
"""Read interval after each pulse [s] (assumption: not given)."""
I_READ = 0.1e-3
"""Read current [A] (Sec. 3: 0.1 mA)."""
FIG4_CARD = "li2022_t20"
FIG4_HX = -500 * OE
"""AlOx(2) under H_x = −500 Oe: the device of Figs. 3(c), 3(d), 4(a), 4(b)."""
FIG2A_HX_OE = (200.0, 400.0, 600.0, 800.0, 1000.0, 1200.0)
"""In-plane fields of the Fig. 2(a) loops [Oe] (assumption: the values are only in the figure)."""
SEED = 2022
DEVICES_PER_CONDITION = 3


def card_name(t_nm: float) -> str:
    """Library card of AlOx thickness ``t_nm`` [nm] (``li2022_t20`` for 2 nm)."""
    return f"li2022_t{round(t_nm * 10):02d}"


def _card_hk(card: str) -> float:
    c = xbar.Circuit()
    c.load_models(LIB, [card])
    return float(c.models[card].params["hk"])


class Schedule:
    """A piecewise-constant current waveform built segment by segment (PWL with vertical steps).

    Examples
    --------
    >>> s = Schedule(1e-4)
    >>> s.hold(10e-3, 5e-3)
    >>> s.hold(10e-3, 1e-4)
    >>> s.mark("read")
    >>> s.knots()
    [0.0, 0.0001, 0.0, 0.005, 0.01, 0.005, 0.01, 0.0001, 0.02, 0.0001]
    """

    def __init__(self, start: float) -> None:
        self.t = 0.0
        self.value = start
        self._knots: list[float] = [0.0, start]
        self.marks: dict[str, list[float]] = {}

    def hold(self, duration: float, value: float) -> None:
        """Current ``value`` [A] for ``duration`` [s] from the present end of the waveform."""
        if value != self.value:
            if self._knots[-2] != self.t:
                self._knots += [self.t, self.value]
            self._knots += [self.t, value]
            self.value = value
        self.t += duration

    def mark(self, label: str) -> None:
        """Remember the present end time under ``label`` (read points)."""
        self.marks.setdefault(label, []).append(self.t)

    def pulse(self, amplitude: float, width: float = WIDTH, gap: float = GAP, read: float = I_READ) -> None:
        """A write pulse followed by a read interval, marked ``"read"`` at its end."""
        self.hold(width, amplitude)
        self.hold(gap, read)
        self.mark("read")

    def knots(self) -> list[float]:
        """PWL ``t, v`` pairs up to the present end."""
        return [*self._knots, self.t, self.value]

    def waveform(self) -> WaveformSpec:
        return WaveformSpec("pwl", self.knots())

    def read_times(self, label: str = "read") -> F64:
        """Times just before the ends of the marked read intervals [s]."""
        return np.asarray(self.marks.get(label, []), dtype=np.float64) - 1e-3 * GAP


def hall_train(devices: Sequence[tuple[str, float]], schedule: Schedule, seed: int = SEED,
               mz0: float = -1.0, label: str = "read",
               models: Mapping[str, Mapping[str, float]] | None = None) -> tuple[F64, xbar.Circuit, Any]:
    """Drive Hall bars ``(card, hx)`` in series with ``schedule``; ``R_hall`` [Ω] at its reads.

    Cards are taken from :data:`LIB`, or from ``models`` (name → ``cogd`` card parameters).
    Returns the array (devices × reads), the circuit and the transient result. All devices carry
    the same current (one source, channels in series); their Hall arms are open.
    """
    c = xbar.Circuit("li2022 Hall-bar pulse train")
    c.set_options(seed=seed)
    models = models or {}
    for name, params in models.items():
        c.model(name, "cogd", **params)
    lib_cards = sorted({card for card, _ in devices} - set(models))
    if lib_cards:
        c.load_models(LIB, lib_cards)
    c.I("w", "0", "n0", 0.0, waveform=schedule.waveform())
    last = len(devices) - 1
    for j, (card, hx) in enumerate(devices):
        c.Y(f"d{j}", [f"n{j}", "0" if j == last else f"n{j + 1}", f"hp{j}", f"hm{j}"], card, hx=hx, mz0=mz0)
    stop = schedule.t
    tr = c.tran(stop, stop, tmax=WIDTH)
    times = schedule.read_times(label)
    out = np.empty((len(devices), len(times)))
    for j in range(len(devices)):
        vh = tr.at(f"v(hp{j})", times) - tr.at(f"v(hm{j})", times)
        out[j] = vh / I_READ
    return out, c, tr


# Fig. 2 ------------------------------------------------------------------------------------
def loop_amplitudes(imax: float = 60e-3, step: float = 0.5e-3) -> F64:
    """A saturating pulse ``+imax`` then a full loop ``+imax → −imax → +imax`` [A]."""
    down = np.round(np.arange(imax, -imax - step / 2, -step) / step) * step
    return np.concatenate([[imax], down, down[::-1]])


@dataclass
class LoopMetrics:
    """Switching window of one ``R_hall(I)`` loop (both branches averaged)."""

    delta_i: float
    """Current range ``ΔI`` covering the full ``ΔR_hall`` of a branch [A] (0: binary)."""
    intermediate: float
    """Distinct levels strictly between a branch's start and end levels."""
    ratio: float
    """``ΔR_Ratio``: loop's ``ΔR_hall`` over the field-induced ``2·R_AHE``."""


def loop_metrics(amps: F64, r: F64, rahe: float) -> LoopMetrics:
    """``ΔI``, intermediate levels and ``ΔR_Ratio`` of a loop from :func:`loop_amplitudes`."""
    n = (len(amps) - 1) // 2
    dis, mids = [], []
    for sl in (slice(1, n + 1), slice(n + 1, None)):
        a, y = amps[sl], r[sl]
        prev = np.concatenate([[r[sl.start - 1]], y[:-1]])
        changed = np.flatnonzero(np.abs(y - prev) > 1e-9 * rahe)
        if not len(changed):
            dis.append(0.0)
            mids.append(0.0)
            continue
        first = changed[0]
        end = first + int(np.flatnonzero(np.abs(y[first:] - y[-1]) <= 1e-9 * rahe)[0])
        dis.append(float(abs(a[end] - a[first])))
        levels = np.unique(np.round(y[first:end + 1] / rahe, 9))
        mids.append(float(max(len(levels) - 1, 0)))  # the end level is reached, the start left
    return LoopMetrics(float(np.mean(dis)), float(np.mean(mids)), float(np.ptp(r) / (2.0 * rahe)))


@dataclass
class Fig2Result:

    __repr__ = short_repr
    amps: F64
    conditions: list[tuple[str, str, float]]  # (panel, card, hx)
    r: F64  # (conditions × devices, pulses)
    rahe: float
    metrics: list[list[LoopMetrics]] = field(default_factory=list)

    def mean(self, panel: str, attr: str) -> F64:
        return np.array([np.mean([getattr(m, attr) for m in ms])
                         for (p, _, _), ms in zip(self.conditions, self.metrics, strict=True) if p == panel])


def fig2_loops(per_condition: int = DEVICES_PER_CONDITION, seed: int = SEED) -> Fig2Result:
    """All Fig. 2 loops in one transient (devices in series, one pulse train).

    Panels: ``"a"`` AlOx(1) at the fields :data:`FIG2A_HX_OE`; ``"b"`` every thickness at
    800 Oe; ``"c"`` every thickness at ``H_x = H_k/2``. ``per_condition`` devices per condition
    (independent barrier draws) are averaged in the metrics.
    """
    conditions: list[tuple[str, str, float]] = [("a", card_name(1.0), hx * OE) for hx in FIG2A_HX_OE]
    conditions += [("b", card_name(t), 800 * OE) for t in THICKNESSES]
    conditions += [("c", card_name(t), 0.5 * _card_hk(card_name(t))) for t in THICKNESSES]
    amps = loop_amplitudes()
    sched = Schedule(I_READ)
    sched.hold(GAP, I_READ)
    for a in amps:
        sched.pulse(float(a))
    devices = [(card, hx) for _, card, hx in conditions for _ in range(per_condition)]
    r, c, _ = hall_train(devices, sched, seed=seed)
    rahe = float(c.models[card_name(1.0)].params["rahe"])
    res = Fig2Result(amps, conditions, r, rahe)
    for k in range(len(conditions)):
        res.metrics.append([loop_metrics(amps, r[k * per_condition + j], rahe) for j in range(per_condition)])
    return res


# Fig. 4(a), 4(b), 3(c) ---------------------------------------------------------------------
def minor_loops(imaxes: Sequence[float] = (18e-3, 20e-3, 22e-3, 23e-3, 24e-3, 30e-3), step: float = 1e-3,
                seed: int = SEED) -> tuple[list[F64], list[F64]]:
    """Fig. 4(a): one AlOx(2) device at −500 Oe swept −30 mA → I_max → −30 mA for each I_max.

    Returns per loop the pulse currents [A] and ``R_hall`` [Ω] after each pulse.
    """
    sched = Schedule(I_READ)
    sched.hold(GAP, I_READ)
    sched.pulse(-30e-3)
    currents = []
    for imax in imaxes:
        up = np.arange(-30e-3, imax + step / 2, step)
        seq = np.concatenate([up, up[::-1][1:]])
        for a in seq:
            sched.pulse(float(a))
        currents.append(seq)
    r, _, _ = hall_train([(FIG4_CARD, FIG4_HX)], sched, seed=seed)
    out, pos = [], 1
    for seq in currents:
        out.append(r[0, pos:pos + len(seq)])
        pos += len(seq)
    return currents, out


def sigmoid_curve(start: float = -5e-3, stop: float = 30e-3, step: float = 0.5e-3, reset: float = -30e-3,
                  seed: int = SEED) -> tuple[F64, F64]:
    """Fig. 4(b): RESET (``reset``) then one SET pulse ``I`` for ``I`` = start … stop [A].

    Returns the SET currents [A] and ``R_hall`` [Ω] after each SET (AlOx(2), −500 Oe).
    """
    currents = np.round(np.arange(start, stop + step / 2, step) / step) * step
    sched = Schedule(I_READ)
    sched.hold(GAP, I_READ)
    for a in currents:
        sched.pulse(reset)
        sched.hold(WIDTH, float(a))
        sched.hold(GAP, I_READ)
        sched.mark("set")
    r, _, _ = hall_train([(FIG4_CARD, FIG4_HX)], sched, seed=seed, label="set")
    return currents, r[0]


# Fig. 3 ------------------------------------------------------------------------------------
def demag_amplitudes(start: float = 28e-3, step: float = 0.5e-3) -> F64:
    """The paper's demagnetising sequence ``+28, −27.5, +27, …, +1, −0.5 mA`` [A]."""
    mags = np.arange(start, step / 2, -step)
    return mags * np.where(np.arange(len(mags)) % 2 == 0, 1.0, -1.0)


DEMAG_AMPLITUDES = demag_amplitudes()


@dataclass(frozen=True)
class Spike:
    """An engineered spike on a 1 ms grid: a main pulse, then an opposite, decaying tail.

    Slot 0 carries ``-main`` [A]; slots ``1 … tail_slots`` carry ``tail·exp(−(j−1)·slot/tau)``.
    (Assumption: Fig. 3(b) shows the shapes only; this is the usual STDP spike design, each
    spike alone below the switching threshold.)
    """

    main: float
    tail: float
    tau: float
    tail_slots: int = 12
    slot: float = 1e-3

    def value(self, j: int) -> float:
        if j == 0:
            return -self.main
        if 1 <= j <= self.tail_slots:
            return self.tail * math.exp(-(j - 1) * self.slot / self.tau)
        return 0.0


SPIKE1 = Spike(main=12e-3, tail=13e-3, tau=15e-3, tail_slots=14)
"""Pre-neuron spike (spike 1). Main pulse and tail each stay below the lowest 1 ms switching
threshold (≈ 13 mA); their sum at Δt = ±1 ms (25 mA) switches most regions."""
SPIKE2 = Spike(main=12e-3, tail=13e-3, tau=25e-3, tail_slots=14)
"""Post-neuron spike (spike 2): a slower tail than spike 1, so the window is asymmetric."""


def stdp_waveform(dt_slots: int, pre: Spike = SPIKE1, post: Spike = SPIKE2, lead: int = 13,
                  length: int = 42) -> F64:
    """``I_pre(t) − I_post(t − Δt)`` [A] per slot of the pair window (Fig. 3(d) inset)."""
    return np.array([pre.value(k - lead) - post.value(k - lead - dt_slots) for k in range(length)])


def stdp(dts_ms: Sequence[int] = tuple(d for d in range(-12, 13) if d != 0), seed: int = SEED,
         pre: Spike = SPIKE1, post: Spike = SPIKE2, repeats: int = 2) -> tuple[F64, F64, F64]:
    """Fig. 3(d): demagnetise, read, apply the spike pair with delay Δt, read; one device.

    The Δt scan is run ``repeats`` times on the same device. Returns Δt [s], the mean
    ``ΔR_hall`` [Ω] (after − before) per Δt, and ``R_hall`` after every demagnetisation.
    """
    sched = Schedule(I_READ)
    sched.hold(GAP, I_READ)
    for d in list(dts_ms) * repeats:
        for a in DEMAG_AMPLITUDES:
            sched.pulse(float(a))
        sched.mark("before")
        for v in stdp_waveform(d, pre, post):
            sched.hold(pre.slot, float(v))
        sched.hold(GAP, I_READ)
        sched.mark("after")
    c = xbar.Circuit("li2022 STDP")
    c.set_options(seed=seed)
    c.load_models(LIB, [FIG4_CARD])
    c.I("w", "0", "n0", 0.0, waveform=sched.waveform())
    c.Y("d0", ["n0", "0", "hp", "hm"], FIG4_CARD, hx=FIG4_HX)
    tr = c.tran(sched.t, sched.t, tmax=WIDTH)

    def hall(label: str) -> F64:
        t = sched.read_times(label)
        return (tr.at("v(hp)", t) - tr.at("v(hm)", t)) / I_READ

    before, after = hall("before"), hall("after")
    dr = (after - before).reshape(repeats, len(dts_ms)).mean(axis=0)
    return np.asarray(dts_ms, dtype=np.float64) * 1e-3, dr, before


def fit_stdp(dt: F64, dr: F64) -> tuple[float, float, float, float]:
    """``(A+, τ+, A−, τ−)`` of ``ΔR = A+ e^(−Δt/τ+)`` (Δt > 0), ``−A− e^(Δt/τ−)`` (Δt < 0) [Ω, s]."""

    def branch(t: F64, y: F64) -> tuple[float, float]:
        def f(x: F64, a: float, tau: float) -> F64:
            return a * np.exp(-x / tau)

        a0 = float(y[np.argmax(np.abs(y))]) or 1e-3
        popt, _ = curve_fit(f, t, y, p0=(a0, 4e-3), bounds=([-np.inf, 1e-5], [np.inf, 1.0]), maxfev=20000)
        return float(popt[0]), float(popt[1])

    pos = dt > 0
    a_p, tau_p = branch(dt[pos], dr[pos])
    a_m, tau_m = branch(-dt[~pos], -dr[~pos])
    return a_p, tau_p, a_m, tau_m


# table -------------------------------------------------------------------------------------
def _row(figure: str, quantity: str, published: str, value: str, unit: str, status: str, plot: str,
         note: str = "") -> ReproRow:
    return ReproRow(PAPER, figure, quantity, published, value, unit, status, COMMAND, plot, note)


def _nondecreasing(y: F64, tol: float) -> bool:
    return bool(np.all(np.diff(y) >= -tol) and y[-1] > y[0] + tol)


def _fmt(y: F64, scale: float = 1.0, digits: int = 1) -> str:
    return " / ".join(f"{v * scale:.{digits}f}" for v in y)


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _rows_sot(outdir: Path) -> list[ReproRow]:
    c = xbar.Circuit("li2022 SOT efficiency")
    c.load_models(LIB, [FIG4_CARD])
    j = 1e11  # 10⁷ A/cm²
    card = c.models[FIG4_CARD].params
    c.I("1", "0", "a", j * card["w"] * card["tj"])
    c.Y("1", ["a", "0", "hp", "hm"], FIG4_CARD, hx=FIG4_HX)
    op = c.op()
    hdl = abs(op["@y1[hdl]"]) / OE
    return [_row("Sec. 3", "damping-like field per 10⁷ A/cm² (harmonic Hall)", "25", f"{hdl:.3f}", "Oe",
                 "ok" if abs(hdl - 25.0) < 1e-6 else "differs", "",
                 "" if abs(hdl - 25.0) < 1e-6 else "device field differs from the card's χ")]


def _rows_fig2(outdir: Path) -> list[ReproRow]:
    res = fig2_loops()
    plt = _plt()
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5))
    m = DEVICES_PER_CONDITION
    for ax, panel, title in zip(axes[0], "abc", ("(a) AlOx(1), H_x varied", "(b) H_x = 800 Oe",
                                                 "(c) H_x/H_k = 0.5"), strict=True):
        for k, (p, card, hx) in enumerate(res.conditions):
            if p != panel:
                continue
            label = f"{hx / OE:.0f} Oe" if panel == "a" else f"AlOx {int(card[-2:]) / 10:.1f} nm"
            ax.plot(res.amps[1:] * 1e3, res.r[k * m, 1:], ".-", ms=2, lw=0.8, label=label)
        ax.set_title(title)
        ax.set_xlabel("pulse current I (mA)")
        ax.set_ylabel("R_hall (Ω)")
        ax.legend(fontsize=7)
    xs_a = np.asarray(FIG2A_HX_OE)
    di_a, mid_a, ratio_a = (res.mean("a", k) for k in ("delta_i", "intermediate", "ratio"))
    di_b, mid_b, ratio_b = (res.mean("b", k) for k in ("delta_i", "intermediate", "ratio"))
    di_c, mid_c, ratio_c = (res.mean("c", k) for k in ("delta_i", "intermediate", "ratio"))
    t = np.asarray(THICKNESSES)
    axes[1, 0].plot(xs_a, di_a * 1e3, "o-")
    axes[1, 0].set(xlabel="H_x (Oe)", ylabel="ΔI (mA)", title="(d) ΔI vs H_x, AlOx(1)")
    axes[1, 1].plot(t, di_b * 1e3, "o-")
    axes[1, 1].set(xlabel="AlOx thickness (nm)", ylabel="ΔI (mA)", title="(e) ΔI vs AlOx, H_x = 800 Oe")
    hk = np.array([_card_hk(card_name(x)) for x in THICKNESSES]) / OE
    axes[1, 2].plot(t, di_c * 1e3, "o-", label="ΔI")
    axes[1, 2].set(xlabel="AlOx thickness (nm)", ylabel="ΔI (mA)", title="(f) ΔI and H_k, H_x/H_k = 0.5")
    ax2 = axes[1, 2].twinx()
    ax2.plot(t, hk, "s--", color="tab:red")
    ax2.set_ylabel("H_k (Oe, card assumption)", color="tab:red")
    fig.tight_layout()
    fig.savefig(outdir / "li2022_fig2.png", dpi=110)
    plt.close(fig)
    plot = "li2022_fig2.png"
    tol_i, tol_n = 1.0e-3, 0.5
    rows = [
        _row("Fig. 2(a)", "intermediate states vs H_x = " + _fmt(xs_a, 1, 0) + " Oe (AlOx 1 nm)",
             "increase with H_x (binary → multilevel)", _fmt(mid_a), "levels",
             "ok" if _nondecreasing(mid_a, tol_n) and mid_a[0] == 0 else "differs", plot,
             f"mean of {m} devices per field; fields are assumptions (only in the figure)"),
        _row("Fig. 2(a)", "ΔR_Ratio vs H_x", "decreases with H_x", _fmt(ratio_a, 1, 3), "-",
             "ok" if bool(np.all(np.diff(ratio_a) < 0)) else "differs", plot,
             "tilt cos θ_M (sin θ_M = H_x/H_k) plus incomplete switching"),
        _row("Fig. 2(d)", "ΔI vs H_x (AlOx 1 nm)", "increases nonlinearly with H_x", _fmt(di_a, 1e3), "mA",
             "ok" if _nondecreasing(di_a, tol_i) else "differs", plot,
             "ΔI: current range from the first change to the full ΔR_hall of a branch"),
        _row("Fig. 2(b),(e)", "intermediate states / ΔI vs AlOx 0…2 nm at H_x = 800 Oe",
             "more intermediate states, larger ΔI for thicker AlOx",
             _fmt(mid_b) + " levels; " + _fmt(di_b, 1e3) + " mA", "-",
             "ok" if _nondecreasing(mid_b, tol_n) and _nondecreasing(di_b, tol_i) else "differs", plot,
             "H_k per thickness is an assumption (values only in Fig. 2(f))"),
        _row("Fig. 2(b)", "ΔR_Ratio vs AlOx at H_x = 800 Oe", "lower for thicker AlOx", _fmt(ratio_b, 1, 3), "-",
             "ok" if bool(np.all(np.diff(ratio_b) < 0)) else "differs", plot),
        _row("Fig. 2(c)", "ΔR_Ratio vs AlOx at H_x/H_k = 0.5", "roughly the same for all samples",
             _fmt(ratio_c, 1, 3), "-", "ok" if np.ptp(ratio_c) < 0.05 else "differs", plot),
        _row("Fig. 2(c),(f)", "intermediate states / ΔI vs AlOx at H_x/H_k = 0.5",
             "increase with AlOx thickness (lower H_k)",
             _fmt(mid_c) + " levels; " + _fmt(di_c, 1e3) + " mA", "-",
             "ok" if _nondecreasing(mid_c, tol_n) and _nondecreasing(di_c, tol_i) else "differs", plot,
             f"nondecreasing within {tol_i * 1e3:.0f} mA / {tol_n} level"),
    ]
    why = ("; the trend saturates where the whole nucleation-threshold distribution lies below the "
           "propagation current (ΔI is then the spread of the thresholds, which the barrier floor "
           "eb_min compresses), plus device-to-device scatter of the extreme regions")
    return [r if r.status == "ok" else replace(r, note=r.note + why) for r in rows]


def _rows_fig4(outdir: Path) -> list[ReproRow]:
    from xbar.nn.activations import LI2022_FIT, DeviceSigmoid

    plt = _plt()
    imaxes = (18e-3, 20e-3, 22e-3, 23e-3, 24e-3, 30e-3)
    currents, loops = minor_loops(imaxes)
    retained = []
    flat = True
    for seq, r in zip(currents, loops, strict=True):
        back = (np.arange(len(seq)) > int(np.argmax(seq))) & (np.abs(seq) <= 5e-3)
        flat &= bool(np.ptp(r[back]) < 1e-9)  # low read-out currents leave the state alone
        retained.append(float(r[back][-1]))
    sat = float(np.max(np.abs(np.concatenate(loops))))
    levels = np.unique(np.round([v for v in retained if abs(v) < sat - 1e-9], 9))
    x, y = sigmoid_curve()
    fit = DeviceSigmoid.from_fit(x, y)
    resid = y - fit(x)
    r2 = 1.0 - float(np.sum(resid**2) / np.sum((y - y.mean()) ** 2))
    swing = (y - y[0]) / (np.max(y) - y[0])
    ith = float(x[np.flatnonzero(swing >= 0.1)[0]])
    cached = DeviceSigmoid(*LI2022_FIT)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for seq, r, imax in zip(currents, loops, imaxes, strict=True):
        axes[0].plot(seq * 1e3, r, ".-", ms=2, lw=0.8, label=f"I_max = {imax * 1e3:.0f} mA")
    axes[0].set(xlabel="pulse current I (mA)", ylabel="R_hall (Ω)", title="(a) minor loops, AlOx(2), H_x = −500 Oe")
    axes[0].legend(fontsize=7)
    norm = (y - fit.y_min) / (fit.y_max - fit.y_min)
    xx = np.linspace(x.min(), x.max(), 400)
    axes[1].plot(x * 1e3, norm, "o", ms=3, label="xbar (RESET + SET)")
    axes[1].plot(xx * 1e3, fit.normalized()(xx), "-", label=f"fit X0 = {fit.x0 * 1e3:.2f} mA, K = {fit.k * 1e3:.2f} mA")
    axes[1].set(xlabel="input X = pulse current (mA)", ylabel="output Y (normalised R_hall)", title="(b) sigmoid neuron")
    axes[1].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(outdir / "li2022_fig4.png", dpi=110)
    plt.close(fig)
    plot = "li2022_fig4.png"
    same = bool(np.allclose([fit.x0, fit.k, fit.y_min, fit.y_max], LI2022_FIT, rtol=1e-6, atol=1e-12))
    return [
        _row("Fig. 3(c)", "single-pulse threshold I_th (AlOx 2 nm, −500 Oe)", "well-defined I_th (value only in the figure)",
             f"{ith * 1e3:.1f}", "mA", "ok", plot,
             "lowest SET current (after a −30 mA RESET) giving ≥ 10 % of the full ΔR_hall; "
             "the number is only in the paper's figure"),
        _row("Fig. 4(a)", "minor loops: intermediate states non-volatile", "levels kept after the pulse",
             f"{len(levels)} distinct intermediate levels kept at |I| ≤ 5 mA", "-",
             "ok" if flat and len(levels) >= 3 else "differs", plot,
             "I_max = " + _fmt(np.asarray(imaxes), 1e3, 0) + " mA" if flat and len(levels) >= 3
             else "fewer than 3 intermediate levels kept, or a level changed at |I| ≤ 5 mA"),
        _row("Fig. 4(b)", "sigmoid rising point X0", "fitted in Fig. 4(b) (number not in the text)",
             f"{fit.x0 * 1e3:.2f}", "mA", "not reproduced", plot,
             "the paper prints X0 only in the figure; xbar's fit to its simulated −5…30 mA curve"),
        _row("Fig. 4(b)", "sigmoid slope K", "fitted in Fig. 4(b) (number not in the text)",
             f"{fit.k * 1e3:.2f}", "mA", "not reproduced", plot,
             "the paper prints K only in the figure; xbar's fit"),
        _row("Fig. 4(b)", "Y = 1/(1 + exp(−(X − X0)/K)) describes R_hall(I)", "fits the data",
             f"R² = {r2:.4f}", "-", "ok" if r2 > 0.97 else "differs", plot,
             "" if r2 > 0.97 else "staircase of N + 1 levels fits poorly"),
        _row("Fig. 4(b)", "activation exported to xbar.nn (li2022_sigmoid)", "-",
             f"cached X0 = {cached.x0 * 1e3:.2f} mA, K = {cached.k * 1e3:.2f} mA", "mA",
             "ok" if same else "differs", plot,
             "" if same else "xbar/nn/activations.py LI2022_FIT is stale: rerun fit_li2022_sigmoid()"),
    ]


def _rows_fig3(outdir: Path) -> list[ReproRow]:
    plt = _plt()
    dt, dr, before = stdp()
    a_p, tau_p, a_m, tau_m = fit_stdp(dt, dr)
    c = xbar.Circuit()
    c.load_models(LIB, [FIG4_CARD])
    rahe = c.models[FIG4_CARD].params["rahe"]
    mz_demag = before / rahe
    pos, neg = dt > 0, dt < 0

    def falls(t: F64, y: F64) -> bool:
        order = np.argsort(t)
        ya = np.abs(y[order])
        return bool(ya[0] > ya[-1] and np.corrcoef(t[order], ya)[0, 1] < -0.7)

    decreasing = falls(dt[pos], dr[pos]) and falls(-dt[neg], dr[neg])
    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    slots = np.arange(42) - 13
    for d in (-4, 3):
        axes[0].step(slots, stdp_waveform(d) * 1e3, where="post", label=f"Δt = {d} ms")
    axes[0].set(xlabel="t − t_pre (ms)", ylabel="I_pre − I_post (mA)", title="(d inset) spike-pair overlap")
    axes[0].legend(fontsize=8)
    axes[1].plot(np.arange(len(mz_demag)), mz_demag, "o")
    axes[1].set(xlabel="repetition", ylabel="R_hall/R_AHE after demagnetising", ylim=(-1, 1),
                title="demagnetising sequence (+28 → −0.5 mA)")
    tt = np.linspace(1e-3, 12e-3, 100)
    axes[2].plot(dt * 1e3, dr, "o", label="xbar")
    axes[2].plot(tt * 1e3, a_p * np.exp(-tt / tau_p), "-", label=f"A+ = {a_p:.3f} Ω, τ+ = {tau_p * 1e3:.1f} ms")
    axes[2].plot(-tt * 1e3, -a_m * np.exp(-tt / tau_m), "-", label=f"A− = {a_m:.3f} Ω, τ− = {tau_m * 1e3:.1f} ms")
    axes[2].axhline(0, color="k", lw=0.5)
    axes[2].set(xlabel="Δt (ms)", ylabel="ΔR_hall (Ω)", title="(d) STDP window")
    axes[2].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(outdir / "li2022_fig3.png", dpi=110)
    plt.close(fig)
    plot = "li2022_fig3.png"
    demag_ok = abs(float(np.mean(mz_demag))) < 0.15
    return [
        _row("Fig. 3 text", "R_hall after the demagnetising sequence (+28 → −0.5 mA)", "≈ 0 (zero R_hall state)",
             f"mean {np.mean(mz_demag):+.3f}, spread ±{np.std(mz_demag):.3f}", "R_AHE",
             "ok" if demag_ok else "differs", plot, "" if demag_ok else "sequence leaves a net magnetisation"),
        _row("Fig. 3(d)", "|ΔR_hall| decreases with |Δt| over −12…12 ms", "yes", "yes" if decreasing else "no", "-",
             "ok" if decreasing else "differs", plot,
             "spike shapes are an assumption (Fig. 3(b) only); overlap fed through the circuit"
             if decreasing else "window not monotone for these spikes"),
        _row("Fig. 3(d)", "STDP fit A+ / τ+ (Δt > 0)", "window shown in Fig. 3(d) (numbers not in the text)",
             f"{a_p:.3f} / {tau_p * 1e3:.2f}", "Ω / ms", "not reproduced", plot,
             "the paper gives the window only graphically; xbar's fit of ΔR = A+ exp(−Δt/τ+)"),
        _row("Fig. 3(d)", "STDP fit A− / τ− (Δt < 0)", "window shown in Fig. 3(d) (numbers not in the text)",
             f"{a_m:.3f} / {tau_m * 1e3:.2f}", "Ω / ms", "not reproduced", plot,
             "xbar's fit of ΔR = −A− exp(Δt/τ−); spike 1 and spike 2 differ, so A± and τ± differ"),
    ]


def rows(outdir: Path) -> list[ReproRow]:
    """Run the Li 2022 reproductions, save PNGs into ``outdir`` and return the table rows."""
    outdir.mkdir(parents=True, exist_ok=True)
    out = _rows_sot(outdir)
    out.extend(_rows_fig2(outdir))
    out.extend(_rows_fig3(outdir))
    out.extend(_rows_fig4(outdir))
    return out
