"""López et al., Phys. Rev. Applied 22, 014082 (2024): a series chain of STT-MTJs as a
reconfigurable classifier (Figs. 1-3, Sec. III).

Everything is simulated at circuit level with xbar: the paper's chain of three junctions
(``compact_models/lopez2024_stt.lib``, kind ``mtj_field`` of :mod:`xbar.devices.mtj.chain`)
driven by its three current sources ``I_dc1 = I_C1 + I_input``, ``I_dc2 = I_C2 − I_C1``,
``I_dc3 = I_C3 − I_C2`` (Sec. II, Fig. 1(a)). Junction switching is the stochastic hazard-rate
model of the device, drawn per time step from the circuit's seeded generator.

* :func:`calibrate` — per-junction ``hk`` so that the three published thresholds (724 / 434 /
  696 µA with −500 µA control, Fig. 1(b)) are the 50 % switching points of one dwell.
* :func:`run_inputs` — many independent chains in ONE transient: each chain gets its own input
  pulse ``I_A`` (then a reset, then ``I_B``); returns the junction states after each input.
* :func:`switched_fraction`, :func:`fit_thresholds` — switched fraction vs input and the fitted
  50 % thresholds (the calibration check and a Gumbel-shaped switching curve, docs/models/lopez2024.md).
* :func:`ramp` — staircase ``R`` vs ``I_input`` curves (Fig. 1(b)).
* :func:`switching_map` — the 16 configurations over (``I_A``, ``I_B``) (Fig. 1(c)).
* :func:`breakdown_scan` — junction and chain voltages vs chain length, ``N_max`` (Sec. III).
* :func:`vowel_study` — the seven-vowel task (Figs. 1(d), 2, 3, and the scaling with chain
  length and inputs of Sec. III): :class:`xbar.nn.chain_classifier.ChainClassifier` trained
  on 10 random speaker splits of the Hillenbrand data (:mod:`xbar.datasets.hillenbrand`),
  next to numpy MLP baselines (:func:`mlp_baseline`). Tens of minutes and data the
  repository does not ship: :func:`slow_rows` (``xbar reproduce --only lopez2024 --slow``)
  runs it, writes the per-split results as ``lopez2024_vowels.csv`` next to the plots, and
  returns the vowel rows; ``python -m xbar.reproduce.lopez2024`` runs it alone (JSON output).
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import brentq, curve_fit

import xbar
from xbar.datasets.hillenbrand import LOPEZ2024_VOWELS, load_vowels, speaker_split
from xbar.devices.base import F64
from xbar.devices.cards import library_path
from xbar.devices.mtj.chain import (
    FIELD_MTJ_CARD,
    ChainHandle,
    Schedule,
    add_chain,
    field_switch_rate,
)
from xbar.devices.mtj.physics import switch_probability
from xbar.devices.mtj.strain import read_lib_card
from xbar.errors import DataError, XbarError, XbarWarning
from xbar.nn.chain_classifier import ChainClassifier
from xbar.reproduce import ReproRow
from xbar.reprs import short_repr

__all__ = [
    "CONTROL",
    "CONTROL_DASHED",
    "JUNCTIONS",
    "LIB",
    "MAP_STEPS",
    "SCALING",
    "THRESHOLDS",
    "T_DWELL",
    "T_RESET",
    "VOWELS",
    "BreakdownScan",
    "MlpCurve",
    "breakdown_scan",
    "calibrate",
    "card",
    "define_models",
    "fit_thresholds",
    "junction_rate",
    "main",
    "mlp_baseline",
    "ramp",
    "read_study",
    "rows",
    "run_inputs",
    "slow_rows",
    "switched_fraction",
    "switching_map",
    "threshold_of",
    "vowel_classifier",
    "vowel_study",
    "write_study",
]

PAPER = "Lopez 2024"
COMMAND = "xbar reproduce --only lopez2024"
LIB = library_path("lopez2024_stt.lib")

JUNCTIONS = ("lopez_j1", "lopez_j2", "lopez_j3")
THRESHOLDS = (724e-6, 434e-6, 696e-6)
"""Published threshold input currents of junctions 1-3 with −500 µA control (Sec. II) [A]."""
CONTROL = (-500e-6, -500e-6, -500e-6)
CONTROL_DASHED = (-460e-6, -380e-6, -560e-6)
"""Control currents of the dashed curves of Fig. 1(b) [A]."""
T_DWELL = 10e-3
"""Time an input current is held (assumption: dc measurement) [s]."""
T_RESET = 10e-3
"""Time the input is held at zero between inputs (reset to AP by the control currents) [s]."""
T_RISE = 100e-6

_DEFAULTS = {
    "rp": 1100.0, "tmr0": 1.2, "vh": 0.5, "hx": 4774.648, "ic_ap2p": 400e-6, "ic_p2ap": 450e-6,
    "delta": 60.0, "tau0": 1e-9, "beta": 1.0, "pol": 0.612, "moment": 2.97e-17, "vb": 1.5,
}
_HK = {"lopez_j1": 22758.16, "lopez_j2": 9282.421, "lopez_j3": 17947.82, "lopez_stt": 16662.8}


# ------------------------------------------------------------------------------------------
# cards
# ------------------------------------------------------------------------------------------
def card(name: str = "lopez_j1", **overrides: float) -> dict[str, float]:
    """Parameters of a card of ``compact_models/lopez2024_stt.lib`` (+ overrides).

    Falls back to built-in copies of the library values when the file is not next to the
    package (non-editable installs).
    """
    if LIB.is_file():
        _, params = read_lib_card(LIB, name)
    else:
        params = {**_DEFAULTS, "hk": _HK[name]}
        if name == "lopez_stt":
            params["hk_sigma"] = 0.41
    params.update({k.lower(): float(v) for k, v in overrides.items()})
    return params


def define_models(c: xbar.Circuit, cards: dict[str, dict[str, float]] | None = None) -> list[str]:
    """Define the three junction cards (or ``cards``) in ``c``; returns their names."""
    cards = cards if cards is not None else {n: card(n) for n in JUNCTIONS}
    for name, params in cards.items():
        c.model(name, "mtj_field", **params)
    return list(cards)


def _full(params: dict[str, float]) -> dict[str, float]:
    full = {p.name: p.default for p in FIELD_MTJ_CARD}
    full.update(params)
    return full


def junction_rate(params: dict[str, float], i: F64, state: int | F64 = 1) -> F64:
    """Switching rate [1/s] of a junction of card ``params`` at xbar-sign currents ``i`` [A]."""
    c = _full(params)
    i = np.asarray(i, dtype=np.float64)
    return field_switch_rate(i, np.broadcast_to(state, i.shape), hx=c["hx"], hk=c["hk"],
                             ic_p2ap=c["ic_p2ap"], ic_ap2p=c["ic_ap2p"], delta=c["delta"],
                             tau0=c["tau0"], beta=c["beta"], pol=c["pol"], moment=c["moment"])


def threshold_of(params: dict[str, float], control: float, p: float = 0.5,
                 t_dwell: float = T_DWELL) -> float:
    """Input current [A] at which AP→P switching within ``t_dwell`` has probability ``p``."""
    def f(i_in: float) -> float:
        i = np.array([-(i_in + control)])
        return float(switch_probability(junction_rate(params, i), t_dwell)[0]) - p

    return float(brentq(f, -5e-3 - control, 5e-3 - control, xtol=1e-12))


def calibrate(thresholds: Sequence[float] = THRESHOLDS, control: Sequence[float] = CONTROL,
              base: dict[str, float] | None = None, t_dwell: float = T_DWELL) -> list[float]:
    """Per-junction ``hk`` [A/m] reproducing the published thresholds (calibration, Fig. 1(b)).

    The paper's circuit is solved by xbar at each published threshold input (operating point
    of the three-source chain with ``control``); the junction current found there is where
    AP→P switching within ``t_dwell`` must have probability 1/2, which fixes ``hk`` (brentq).
    """
    base = dict(base if base is not None else card("lopez_j1"))
    out = []
    for k, th in enumerate(thresholds):
        c = xbar.Circuit("Lopez 2024 calibration point")
        define_models(c, {f"m{j}": base for j in range(3)})
        h = add_chain(c, "c", ["m0", "m1", "m2"], i_input=th, i_control=control)
        i_k = float(c.op()[f"@{h.junctions[k]}[i]"])

        def f(hk: float, i_k: float = i_k) -> float:
            rate = junction_rate({**base, "hk": hk}, np.array([i_k]))
            return float(switch_probability(rate, t_dwell)[0]) - 0.5

        hx = base["hx"]
        out.append(float(brentq(f, hx * (1 + 1e-9), hx * 1e4, xtol=1e-9, rtol=1e-12)))
    return out


# ------------------------------------------------------------------------------------------
# transient protocols, many chains per circuit
# ------------------------------------------------------------------------------------------
def run_inputs(i_a: Sequence[float], i_b: Sequence[float] | None = None, *,
               control_a: Sequence[float] | F64 = CONTROL,
               control_b: Sequence[float] | F64 | None = None, seed: int = 0,
               models: Sequence[str] = JUNCTIONS,
               cards: dict[str, dict[str, float]] | None = None,
               t_dwell: float = T_DWELL, t_reset: float = T_RESET) -> tuple[F64, F64 | None]:
    """Apply input ``I_A`` (then, optionally, ``I_B``) to ``len(i_a)`` independent chains.

    One circuit, one transient: every junction starts AP (the reset state); chain ``m`` gets
    ``I_A[m]`` with controls ``control_a`` for ``t_dwell``, is reset (input 0, controls
    ``control_b``) for ``t_reset`` and gets ``I_B[m]`` for ``t_dwell`` — the sequential
    two-input protocol of Sec. II. Controls may be one triple or one per chain (array (M, N)).

    Returns
    -------
    states_a, states_b : arrays (M, N)
        Junction states (1 AP, 0 P) at the end of each input window (``states_b`` None without
        ``i_b``).
    """
    ia = np.asarray(i_a, dtype=np.float64)
    m = len(ia)
    n = len(models)
    ca = np.broadcast_to(np.asarray(control_a, dtype=np.float64), (m, n))
    cb = ca if control_b is None else np.broadcast_to(np.asarray(control_b, dtype=np.float64), (m, n))
    c = xbar.Circuit("Lopez 2024 chains")
    c.set_options(seed=seed)
    define_models(c, cards if cards is not None else {k: card(k) for k in dict.fromkeys(models)})
    if i_b is None:
        durations = [t_dwell]
    else:
        durations = [t_dwell, t_reset, t_dwell]
        ib = np.asarray(i_b, dtype=np.float64)
    handles: list[ChainHandle] = []
    for k in range(m):
        if i_b is None:
            inputs = [ia[k]]
            controls = [ca[k]]
        else:
            inputs = [ia[k], 0.0, ib[k]]
            controls = [ca[k], cb[k], cb[k]]
        handles.append(add_chain(c, f"c{k}", list(models),
                                 schedule=Schedule(durations, inputs, controls, T_RISE)))
    ends = np.cumsum(durations)
    tr = c.tran(t_dwell, float(ends[-1]), tmax=t_dwell)
    t = tr["time"]

    def states_at(t_end: float) -> F64:
        row = int(np.searchsorted(t, t_end * (1 + 1e-9), side="right") - 1)
        return np.array([[tr[key][row] for key in h.state_keys()] for h in handles])

    sa = states_at(float(ends[0]))
    sb = None if i_b is None else states_at(float(ends[-1]))
    return sa, sb


def switched_fraction(inputs: Sequence[float], n_trials: int, *, seed: int = 0,
                      control: Sequence[float] = CONTROL, **kwargs: object) -> F64:
    """Fraction of ``n_trials`` chains whose junction switched to P, per input (K, N)."""
    x = np.repeat(np.asarray(inputs, dtype=np.float64), n_trials)
    sa, _ = run_inputs(x, control_a=control, seed=seed, **kwargs)  # type: ignore[arg-type]
    return (1.0 - sa).reshape(len(inputs), n_trials, -1).mean(axis=1)


def _gumbel(i_in: F64, i50: float, scale: float) -> F64:
    # thermal activation with a barrier linear in I: P = 1 − 2^(−exp((I − I50)/scale))
    return -np.expm1(-np.log(2.0) * np.exp(np.clip((i_in - i50) / scale, -50, 50)))


def fit_thresholds(inputs: Sequence[float], fractions: F64,
                   guess: Sequence[float] = THRESHOLDS) -> tuple[F64, F64]:
    """50 % input thresholds and widths (scale of the Gumbel-type CDF) per junction [A]."""
    x = np.asarray(inputs, dtype=np.float64)
    th, sc = [], []
    for k in range(fractions.shape[1]):
        popt, _ = curve_fit(_gumbel, x, fractions[:, k], p0=(guess[k], 20e-6),
                            bounds=([x.min() - 1e-3, 1e-7], [x.max() + 1e-3, 1e-3]))
        th.append(popt[0])
        sc.append(popt[1])
    return np.array(th), np.array(sc)


def ramp(inputs: Sequence[float], controls: Sequence[Sequence[float]], *, seed: int = 0,
         t_dwell: float = T_DWELL) -> tuple[F64, F64, F64]:
    """Staircase up-sweep of ``I_input`` (Fig. 1(b)): one chain per control triple.

    Returns resistances and barrier voltages, arrays (controls, steps, N) [Ω, V], and the
    junction currents (controls, steps, N) [A] (paper sign), each at the end of every step.
    """
    x = np.asarray(inputs, dtype=np.float64)
    c = xbar.Circuit("Lopez 2024 Fig. 1(b) ramp")
    c.set_options(seed=seed)
    define_models(c)
    handles = []
    for k, ctl in enumerate(controls):
        sched = Schedule([T_RESET, *([t_dwell] * len(x))], [0.0, *x], [ctl] * (len(x) + 1), T_RISE)
        handles.append(add_chain(c, f"r{k}", list(JUNCTIONS), schedule=sched))
    ends = np.cumsum([T_RESET, *([t_dwell] * len(x))])[1:]
    tr = c.tran(t_dwell, float(ends[-1]), tmax=t_dwell)
    rows_ = np.searchsorted(tr["time"], ends * (1 + 1e-9), side="right") - 1
    r = np.array([[tr[key][rows_] for key in h.r_keys()] for h in handles]).transpose(0, 2, 1)
    v = np.array([[tr[key][rows_] for key in h.v_keys()] for h in handles]).transpose(0, 2, 1)
    i = np.array([[-tr[f"@{y}[i]"][rows_] for y in h.junctions] for h in handles]).transpose(0, 2, 1)
    return r, v, i


def switching_map(grid_a: Sequence[float], grid_b: Sequence[float], *,
                  control_a: Sequence[float] = CONTROL, control_b: Sequence[float] = CONTROL,
                  seed: int = 0) -> tuple[F64, F64]:
    """Number of switching events for ``I_A`` and ``I_B`` on a grid (Fig. 1(c)).

    One chain per map point, all in one transient (:func:`run_inputs`). Returns ``n_A`` and
    ``n_B``, arrays (len(grid_b), len(grid_a)); the configuration is ``[n_A A, n_B B]``.
    """
    ga, gb = np.meshgrid(np.asarray(grid_a, float), np.asarray(grid_b, float))
    sa, sb = run_inputs(ga.ravel(), gb.ravel(), control_a=control_a, control_b=control_b, seed=seed)
    assert sb is not None
    na = (1 - sa).sum(axis=1).reshape(ga.shape)
    nb = (1 - sb).sum(axis=1).reshape(ga.shape)
    return na, nb


# ------------------------------------------------------------------------------------------
# breakdown and chain length
# ------------------------------------------------------------------------------------------
@dataclass
class BreakdownScan:
    """Junction and chain voltages vs chain length (see :func:`breakdown_scan`).

    Arrays are indexed like ``n``; ``*_reset`` at zero input (all AP, controls only),
    ``*_top`` at the largest input (all P). Voltages in V, currents in A.
    """

    __repr__ = short_repr

    n: F64
    spacing: float
    i_threshold: float
    i_reset: float
    vj_reset: F64
    vj_top: F64
    vchain_reset: F64
    vchain_top: F64
    broken: F64
    vb: float
    n_max: int


def breakdown_scan(n_values: Sequence[int], *, name: str = "lopez_stt", spacing: float | None = None,
                   t_dwell: float = T_DWELL) -> BreakdownScan:
    """Longest usable chain for the card's breakdown voltage (Sec. III, criteria (i), (ii)).

    Design of an N-junction chain with the paper's drive: the input thresholds are spaced by
    ``spacing`` (default: the 5 %-95 % switching width of one junction, criterion (ii));
    junction 1 gets the weakest control that still resets it (P→AP with probability 0.99 in
    one dwell at zero input), junction k a control ``spacing`` more negative per step, and the
    largest input is one spacing above the last threshold. Two operating points per N are
    solved by xbar with breakdown monitoring: zero input with every junction AP (the reset
    state: the most negative control on an AP barrier) and the largest input with every
    junction P (the largest forward current on the first junction). ``N_max`` is the longest
    chain without a breakdown event (criterion (i)). The card's spread (``hk_sigma``) is
    switched off: device-to-device offsets are absorbed by the trained control currents.
    """
    params = card(name, hk_sigma=0.0)
    i_th = threshold_of(params, 0.0, t_dwell=t_dwell)
    if spacing is None:
        spacing = threshold_of(params, 0.0, 0.95, t_dwell) - threshold_of(params, 0.0, 0.05, t_dwell)

    def p_reset(i_mag: float) -> float:
        return float(switch_probability(junction_rate(params, np.array([i_mag]), 0), t_dwell)[0])

    i_reset = float(brentq(lambda x: p_reset(x) - 0.99, 1e-7, 5e-3, xtol=1e-10))
    ns = np.asarray(n_values, dtype=int)
    out = {k: np.zeros(len(ns)) for k in ("vj_reset", "vj_top", "vc_reset", "vc_top", "broken")}
    for j, n in enumerate(ns):
        control = -i_reset - spacing * np.arange(n)
        i_top = i_th - control[-1] + spacing
        for state, i_in, tag in ((1, 0.0, "reset"), (0, i_top, "top")):
            c = xbar.Circuit(f"Lopez 2024 chain of {n}")
            c.model("m", "mtj_field", **params)
            h = add_chain(c, "c", ["m"] * n, i_input=i_in, i_control=control, state=state)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", XbarWarning)
                op = c.op()
            vj = np.array([abs(op[k]) for k in h.v_keys()])
            out[f"vj_{tag}"][j] = vj.max()
            out[f"vc_{tag}"][j] = abs(op[f"v({h.nodes[0]})"])
            if any(issubclass(w.category, XbarWarning) for w in caught) or op.events:
                out["broken"][j] = 1.0
    ok = ns[out["broken"] == 0]
    return BreakdownScan(ns.astype(float), float(spacing), i_th, i_reset, out["vj_reset"],
                         out["vj_top"], out["vc_reset"], out["vc_top"], out["broken"],
                         params["vb"], int(ok.max()) if len(ok) else 0)


# ------------------------------------------------------------------------------------------
# vowels (Figs. 1(d), 2, 3 and the scaling of Sec. III)
# ------------------------------------------------------------------------------------------
VOWELS = LOPEZ2024_VOWELS
"""Seven vowels of the task (an identification; see :mod:`xbar.datasets.hillenbrand` and
docs/models/lopez2024_classifier.md)."""
STUDY_VERSION = 1
"""Format version of :func:`vowel_study`'s result (:func:`write_study`, :func:`read_study`)."""
MAP_STEPS = (0, 10, 20, 80)
"""Training steps of the switching maps of Fig. 2(a-d)."""
SCALING = ((1, 8), (1, 16), (2, 2), (2, 4), (2, 8), (3, 2))
"""(K inputs, N junctions) of the scaling study, all with (N + 1)^K ≥ 7 configurations (a
subset of the N ≤ N_max = 16 plane, chosen to keep :func:`slow_rows` within half an hour)."""


@dataclass
class MlpCurve:
    """Software multilayer perceptron of Fig. 3 (rates in [0, 1])."""

    __repr__ = short_repr

    hidden: int
    n_params: int
    steps: F64
    rate_train: F64
    rate_test: F64


def mlp_baseline(x_train: F64, y_train: np.ndarray, x_test: F64, y_test: np.ndarray, hidden: int, *,
                 steps: int = 3000, lr: float = 0.02, seed: int = 0, inits: int = 3,
                 eval_every: int = 100) -> MlpCurve:
    """Fig. 3 baseline: a ``F → hidden (tanh) → classes (softmax)`` perceptron in numpy.

    With the 12 formants and 7 vowels, ``hidden = 1`` has 27 and ``hidden = 2`` 47 trained
    parameters, the two networks of Fig. 3 (the counts fix the architecture: ``12h + h + 7h + 7``).
    Features are standardised with the training statistics; full-batch Adam (β = 0.9, 0.999) on
    the cross-entropy for ``steps`` steps; of ``inits`` seeded initialisations the one with the
    lowest final training loss is kept. Returns the recognition rates every ``eval_every`` steps.
    """
    rng = np.random.default_rng(seed)
    mu = x_train.mean(axis=0)
    sd = np.where(x_train.std(axis=0) > 0, x_train.std(axis=0), 1.0)
    xtr = (x_train - mu) / sd
    xte = (x_test - mu) / sd
    n_cls = int(max(y_train.max(), y_test.max())) + 1
    f = xtr.shape[1]
    onehot = np.eye(n_cls)[y_train]
    best: tuple[float, list[tuple[int, float, float]]] | None = None
    for _ in range(inits):
        params = [rng.normal(0.0, 1.0 / np.sqrt(f), (f, hidden)), np.zeros(hidden),
                  rng.normal(0.0, 1.0 / np.sqrt(hidden), (hidden, n_cls)), np.zeros(n_cls)]
        m1 = [np.zeros_like(p) for p in params]
        m2 = [np.zeros_like(p) for p in params]

        def predict(x: F64, p: list[F64] = params) -> np.ndarray:
            return (np.tanh(x @ p[0] + p[1]) @ p[2] + p[3]).argmax(axis=1)

        curve: list[tuple[int, float, float]] = [(0, float(np.mean(predict(xtr) == y_train)),
                                                  float(np.mean(predict(xte) == y_test)))]
        loss = 0.0
        for t in range(1, steps + 1):
            a = np.tanh(xtr @ params[0] + params[1])
            z = a @ params[2] + params[3]
            z -= z.max(axis=1, keepdims=True)
            prob = np.exp(z)
            prob /= prob.sum(axis=1, keepdims=True)
            loss = -float(np.mean(np.log(prob[onehot > 0] + 1e-300)))
            dz = (prob - onehot) / len(xtr)
            da = dz @ params[2].T * (1.0 - a * a)
            grads = [xtr.T @ da, da.sum(axis=0), a.T @ dz, dz.sum(axis=0)]
            for p, g, u, v in zip(params, grads, m1, m2, strict=True):
                u *= 0.9
                u += 0.1 * g
                v *= 0.999
                v += 0.001 * g * g
                p -= lr * (u / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
            if t % eval_every == 0 or t == steps:
                curve.append((t, float(np.mean(predict(xtr) == y_train)),
                              float(np.mean(predict(xte) == y_test))))
        if best is None or loss < best[0]:
            best = (loss, curve)
    assert best is not None
    arr = np.array(best[1])
    return MlpCurve(hidden, (f + 1) * hidden + (hidden + 1) * n_cls, arr[:, 0], arr[:, 1], arr[:, 2])


def vowel_classifier(**overrides: Any) -> ChainClassifier:
    """The chain classifier of the reproduction: three calibrated junctions, two inputs, the
    surrogate, then 80 steps of the ±10 µA rule from the paper's −500 µA controls (Fig. 2)."""
    params: dict[str, Any] = {"n_junctions": 3, "n_inputs": 2, "realtime_steps": 80,
                              "realtime_start": "initial", "eval_every": 10}
    params.update(overrides)
    return ChainClassifier(**params)


def _encode_map(counts: np.ndarray, n: int) -> list[str]:
    """Configurations of a K = 2 map as one string per row (hex digit ``n_A·(N+1) + n_B``)."""
    idx = counts[..., 0] * (n + 1) + counts[..., 1]
    return ["".join(f"{int(v):x}" for v in row) for row in idx]


def _decode_map(rows_: Sequence[str], n: int) -> np.ndarray:
    idx = np.array([[int(ch, 16) for ch in row] for row in rows_])
    return np.stack([idx // (n + 1), idx % (n + 1)], axis=-1)


def _study_split(k: int, data: Any, steps: int, mlp_steps: int, map_points: int,
                 classifier: dict[str, Any] | None) -> dict[str, Any]:
    """One speaker split of :func:`vowel_study` (seed ``k``)."""
    train, test = speaker_split(data.speakers, 0.2, seed=k)
    clf = vowel_classifier(**{"seed": k, "realtime_steps": steps, **(classifier or {})})
    clf.fit(data.x[train], data.y[train], eval_set=(data.x[test], data.y[test]))
    hist = clf.history_
    final_seed = 1_000_003 + k
    entry: dict[str, Any] = {
        "seed": k, "train": int(train.sum()), "test": int(test.sum()),
        "steps": hist.steps, "rate_train": hist.rate_train, "rate_test": hist.rate_test,
        "final_train": clf.score(data.x[train], data.y[train], seed=final_seed),
        "final_test": clf.score(data.x[test], data.y[test], seed=final_seed + 1),
        "software_train": float(np.mean(clf.predict_software(data.x[train]) == data.y[train])),
        "software_test": float(np.mean(clf.predict_software(data.x[test]) == data.y[test])),
        "surrogate_train": hist.surrogate_rate_train,
        "surrogate_controls_test": clf.score(data.x[test], data.y[test], seed=final_seed + 2,
                                             controls=clf.surrogate_controls_),
        "controls": [np.round(c * 1e6, 3).tolist() for c in hist.controls],
        "surrogate_controls": np.round(clf.surrogate_controls_ * 1e6, 3).tolist(),
        "lut": clf.lut_.tolist(), "n_parameters": clf.n_parameters_,
    }
    for hidden in (1, 2):
        curve = mlp_baseline(data.x[train], data.y[train], data.x[test], data.y[test], hidden,
                             steps=mlp_steps, seed=k)
        entry[f"mlp{curve.n_params}"] = {"steps": curve.steps.tolist(),
                                         "rate_train": curve.rate_train.tolist(),
                                         "rate_test": curve.rate_test.tolist()}
    if k == 0:
        currents = clf.transform(data.x)
        lo, hi = currents.min(), currents.max()
        pad = 0.05 * (hi - lo)
        grid = np.linspace(lo - pad, hi + pad, map_points)
        entry["inputs"] = np.round(currents * 1e6, 3).tolist()
        entry["labels"] = data.y.tolist()
        entry["is_train"] = train.tolist()
        entry["map_grid"] = np.round(grid * 1e6, 3).tolist()
        entry["maps"] = {str(s): _encode_map(clf.switching_map([grid, grid], controls=hist.controls[s],
                                                               seed=500 + s), 3)
                         for s in MAP_STEPS if s < len(hist.controls)}
        entry["thresholds"] = {str(s): np.round((clf.statistics_.i50[None, :] - hist.controls[s]) * 1e6, 3).tolist()
                               for s in MAP_STEPS if s < len(hist.controls)}
    return entry


def _study_scaling(k_in: int, n_j: int, data: Any, scaling_splits: int,
                   classifier: dict[str, Any] | None) -> dict[str, Any]:
    """One (K inputs, N junctions) point of the scaling study of :func:`vowel_study`."""
    rates: list[float] = []
    soft: list[float] = []
    reason = ""
    for s in range(scaling_splits):
        train, test = speaker_split(data.speakers, 0.2, seed=s)
        try:
            clf = ChainClassifier(**{"n_junctions": n_j, "n_inputs": k_in, "seed": s,
                                     "device_seed": s, "realtime_steps": 40, "eval_every": 40,
                                     **(classifier or {})})
            clf.fit(data.x[train], data.y[train])
        except XbarError as exc:  # too few configurations, or a drawn device out of range
            rates, soft, reason = [], [], str(exc)
            break
        rates.append(clf.score(data.x[test], data.y[test], seed=2_000_003 + s))
        soft.append(float(np.mean(clf.predict_software(data.x[test]) == data.y[test])))
    return {"inputs": k_in, "junctions": n_j, "configurations": (n_j + 1) ** k_in,
            "n_parameters": k_in * (data.x.shape[1] + 1) + k_in * n_j,
            "test": rates, "software_test": soft, "not_trained": reason}


def vowel_study(path: str | Path | None = None, *, n_splits: int = 10, steps: int = 80,
                mlp_steps: int = 3000, scaling: Sequence[tuple[int, int]] = SCALING,
                scaling_splits: int = 1, map_points: int = 41, progress: bool = True,
                classifier: dict[str, Any] | None = None, workers: int = 1) -> dict[str, Any]:
    """Everything behind the vowel rows: Figs. 1(d), 2(a-f), 3 and the scaling with N and K.

    For ``n_splits`` random 80/20 speaker splits (:func:`xbar.datasets.hillenbrand.speaker_split`,
    seeds 0 … n_splits−1): the chain classifier of :func:`vowel_classifier` (seed = split) is
    trained, its recognition rates measured on the simulated chain every 10 steps and at the end
    (fresh draw), next to the software readout of the same thresholds and the two MLPs of Fig. 3
    (:func:`mlp_baseline`). Split 0 also gives the maps of Fig. 2(a-d) (simulated,
    ``map_points``² chains each). The scaling study trains classifiers with K inputs and N
    junctions (devices drawn from ``lopez_stt`` with its spread; the real-time rule from the
    trained controls) on ``scaling_splits`` splits and reports their simulated test rates (a
    point whose drawn devices cannot be used, or with too few configurations, is recorded with
    the reason in ``not_trained``). ``classifier`` overrides :class:`ChainClassifier` parameters
    of both (e.g. for a quick run). ``workers`` > 1 runs splits and scaling points in that many
    processes; every split and point is seeded on its own, so the result does not depend on it.

    Raises
    ------
    DataError
        The Hillenbrand data are not found (the message says where to get them).
    """
    from concurrent.futures import ProcessPoolExecutor

    from tqdm import tqdm

    data = load_vowels(path, vowels=VOWELS)
    out: dict[str, Any] = {
        "version": STUDY_VERSION, "vowels": list(VOWELS), "samples": len(data),
        "speakers": len(set(data.speakers.tolist())), "n_splits": n_splits, "steps": steps,
    }
    jobs: list[tuple[Any, ...]] = [(_study_split, k, data, steps, mlp_steps, map_points, classifier)
                                   for k in range(n_splits)]
    jobs += [(_study_scaling, k_in, n_j, data, scaling_splits, classifier) for k_in, n_j in scaling]
    bar = tqdm(total=len(jobs), desc="vowel splits and scaling points", disable=not progress)
    results: list[dict[str, Any]] = []
    if workers <= 1:
        for fn, *args in jobs:
            results.append(fn(*args))
            bar.update()
    else:
        with ProcessPoolExecutor(max_workers=int(workers)) as pool:
            futures = [pool.submit(fn, *args) for fn, *args in jobs]
            for fut in futures:
                results.append(fut.result())
                bar.update()
    bar.close()
    out["splits"] = results[:n_splits]
    out["scaling"] = results[n_splits:]
    return out


def write_study(study: dict[str, Any], path: str | Path) -> None:
    """Write :func:`vowel_study`'s result as JSON."""
    Path(path).write_text(json.dumps(study, separators=(",", ":")) + "\n", encoding="utf-8")


def read_study(path: str | Path) -> dict[str, Any]:
    """A :func:`vowel_study` result written by :func:`write_study`.

    Raises
    ------
    DataError
        The file is missing, not JSON, or of another format version.
    """
    p = Path(path)
    try:
        study = json.loads(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DataError(f"{p}: cannot read the vowel study ({exc.strerror})") from None
    except ValueError as exc:
        raise DataError(f"{p}: not a vowel-study JSON file ({exc})") from None
    if not isinstance(study, dict) or study.get("version") != STUDY_VERSION:
        raise DataError(f"{p}: not a vowel study of format version {STUDY_VERSION}; rerun "
                        "`python -m xbar.reproduce.lopez2024`")
    return study


def write_split_csv(study: dict[str, Any], path: str | Path) -> None:
    """Per-split recognition rates of a :func:`vowel_study` (one CSV row per speaker split)."""
    keys = ("final_train", "final_test", "software_train", "software_test", "surrogate_train",
            "surrogate_controls_test")
    lines = ["split,train_samples,test_samples," + ",".join(keys) + ",mlp27_test,mlp47_test"]
    for s in study["splits"]:
        vals = [f"{s[k]:.6f}" for k in keys]
        vals += [f"{s[m]['rate_test'][-1]:.6f}" for m in ("mlp27", "mlp47")]
        lines.append(f"{s['seed']},{s['train']},{s['test']}," + ",".join(vals))
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")


def _mean_std(values: Sequence[float]) -> tuple[float, float]:
    arr = 100.0 * np.asarray(values, dtype=np.float64)
    return float(arr.mean()), float(arr.std(ddof=1)) if len(arr) > 1 else 0.0


def _vowel_rows(study: dict[str, Any], outdir: Path, plt: Any) -> list[ReproRow]:
    """Rows and plots of Figs. 1(d), 2, 3 and the N/K scaling from a :func:`vowel_study`."""
    splits = study["splits"]
    n = len(splits)
    out: list[ReproRow] = []

    def row(figure: str, quantity: str, published: str, value: str, unit: str, status: str,
            plot: str = "", note: str = "") -> ReproRow:
        return ReproRow(PAPER, figure, quantity, published, value, unit, status, COMMAND, plot, note)

    s0 = splits[0]
    soft_tr = _mean_std([s["software_train"] for s in splits])
    soft_te = _mean_std([s["software_test"] for s in splits])
    common = (f"{study['samples']} samples = {study['speakers']} women × 7 vowels "
              f"({', '.join(study['vowels'])}), 12 formants; {n} random speaker splits "
              f"{s0['train']}/{s0['test']} (29/8 talkers); chain simulated by xbar (3 calibrated "
              "junctions, stochastic switching); 26 coefficients + 6 controls trained jointly on the "
              "switching-statistics surrogate, then 80 steps of the ±10 µA rule from −500 µA; "
              f"software readout of the same thresholds {soft_tr[0]:.1f} ± {soft_tr[1]:.1f} % / "
              f"{soft_te[0]:.1f} ± {soft_te[1]:.1f} %; S3–S5 not available: vowel set, encoding "
              "training and rule details are xbar's (docs/models/lopez2024_classifier.md)")
    for label, key, published in (("training", "final_train", 96.6), ("testing", "final_test", 96.4)):
        mean, std = _mean_std([s[key] for s in splits])
        ok = abs(mean - published) <= max(3.0, std)
        out.append(row("Fig. 2(f)", f"vowel recognition rate after 80 steps, {label} subset "
                       f"(mean ± s.d. over {n} speaker splits)", f"{published:g} (one split)",
                       f"{mean:.1f} ± {std:.1f}", "%", "ok" if ok else "differs", "lopez2024_fig2.png",
                       f"split 0: {100 * s0[key]:.1f} %; " + common))
    out.append(row("Fig. 2 / Sec. II", "trained parameters (coefficients + control currents)", "32",
                   str(s0["n_parameters"]), "-", "ok" if s0["n_parameters"] == 32 else "differs",
                   note="2 inputs × (12 formant weights + offset) + 3 junctions × 2 inputs"))
    chain_te = _mean_std([s["final_test"] for s in splits])
    for params, published in ((27, "below the 47-parameter MLP (curve only)"), (47, "95")):
        mean, std = _mean_std([s[f"mlp{params}"]["rate_test"][-1] for s in splits])
        if params == 47:
            status = "ok" if abs(mean - 95.0) <= max(3.0, std) else "differs"
        else:
            status = "ok" if mean < _mean_std([s["mlp47"]["rate_test"][-1] for s in splits])[0] else "differs"
        out.append(row("Fig. 3", f"software MLP with {params} trained parameters, testing subset "
                       f"(mean ± s.d., {n} splits)", published, f"{mean:.1f} ± {std:.1f}", "%", status,
                       "lopez2024_fig3.png",
                       f"12 formants → {1 if params == 27 else 2} tanh unit(s) → 7 softmax, numpy, "
                       "full-batch Adam 3000 steps (lr 0.02, best of 3 seeded inits), same splits; "
                       f"chain (32 parameters): {chain_te[0]:.1f} ± {chain_te[1]:.1f} %"))
    mlp47 = _mean_std([s["mlp47"]["rate_test"][-1] for s in splits])
    out.append(row("Fig. 3", "chain (32 parameters) vs MLP with 47 parameters, testing subset",
                   "96.4 > 95", f"{chain_te[0]:.1f} vs {mlp47[0]:.1f}", "%",
                   "ok" if chain_te[0] >= mlp47[0] else "differs", "lopez2024_fig3.png",
                   "means over the same speaker splits"))
    scal = study.get("scaling", [])
    done = [r for r in scal if r["test"]]
    if done:
        best2 = max((r for r in done if r["inputs"] == 2), key=lambda r: np.mean(r["test"]), default=None)
        desc = "; ".join(f"K={r['inputs']}, N={r['junctions']}: {100 * np.mean(r['test']):.1f} %"
                         for r in done)
        out.append(row("Sec. III", "recognition rate vs chain length N and number of inputs K "
                       "(testing subset)", "grows with N and K, limited by breakdown (no number)",
                       f"best K=2: N={best2['junctions']}, {100 * np.mean(best2['test']):.1f} %"
                       if best2 else "-", "%", "ok", "lopez2024_scaling.png",
                       f"simulated test rate, mean of {len(done[0]['test'])} splits, junctions drawn "
                       "from lopez_stt with its spread (N ≠ 3), controls kept within the reset and "
                       f"0.9 V_B limits (N_max = 16 at V_B = 1.5 V); {desc}"))
    _plot_fig2(study, outdir / "lopez2024_fig2.png", plt)
    _plot_fig3(study, outdir / "lopez2024_fig3.png", plt)
    if done:
        _plot_scaling(study, outdir / "lopez2024_scaling.png", plt)
    return out


def _plot_fig2(study: dict[str, Any], path: Path, plt: Any) -> None:
    """Fig. 1(d)/2(a-d) maps with the vowel inputs, 2(e) controls, 2(f) rates."""
    from matplotlib.colors import ListedColormap

    s0 = study["splits"][0]
    grid = np.asarray(s0["map_grid"])
    inputs = np.asarray(s0["inputs"])
    labels = np.asarray(s0["labels"])
    lut = np.asarray(s0["lut"])
    vowels = study["vowels"]
    fig, axes = plt.subplots(2, 3, figsize=(14, 8.5))
    cmap = ListedColormap([plt.get_cmap("tab10")(k) for k in range(len(vowels))])
    shown = [step for step in MAP_STEPS if str(step) in s0["maps"]]
    for ax in axes.ravel()[len(shown):4]:
        ax.set_axis_off()
    for panel, (ax, step) in enumerate(zip(axes.ravel()[:4], shown, strict=False)):
        counts = _decode_map(s0["maps"][str(step)], 3)
        cls = lut[counts[..., 0] * 4 + counts[..., 1]]
        ax.pcolormesh(grid, grid, cls, cmap=cmap, vmin=-0.5, vmax=len(vowels) - 0.5, alpha=0.35,
                      shading="nearest")
        conf = counts[..., 0] * 4 + counts[..., 1]
        ax.contour(grid, grid, conf, levels=np.arange(0.5, 16), colors="k", linewidths=0.4)
        for k, v in enumerate(vowels):
            sel = labels == k
            ax.plot(inputs[sel, 0], inputs[sel, 1], "o", ms=2.5, color=cmap(k), mec="k", mew=0.2,
                    label=v)
        ax.set_title(f"({'abcd'[panel]}) step {step}: simulated map, vowel inputs",
                     fontsize=9)
        ax.set_xlabel("I_A (µA)")
        ax.set_ylabel("I_B (µA)")
    axes[0, 0].legend(fontsize=6, ncol=2, loc="upper left")
    ax = axes[1, 1]
    ctl = np.asarray(s0["controls"])
    steps = np.arange(len(ctl))
    for j, tag in enumerate("AB"):
        for i in range(ctl.shape[2]):
            ax.plot(steps, ctl[:, j, i], "-" if j == 0 else "--", color=f"C{i}", label=f"I_C{i + 1}^{tag}")
    ax.set_xlabel("training step")
    ax.set_ylabel("control current (µA)")
    ax.set_title("(e) control currents (split 0)", fontsize=9)
    ax.legend(fontsize=6, ncol=2)
    ax = axes[1, 2]
    for key, marker, label in (("rate_train", "o", "train"), ("rate_test", "s", "test")):
        rates = 100 * np.array([s[key] for s in study["splits"]])
        st = np.asarray(s0["steps"])
        ax.plot(st, rates[0], marker + "-", ms=3, label=f"{label}, split 0")
        ax.fill_between(st, rates.mean(0) - rates.std(0), rates.mean(0) + rates.std(0), alpha=0.2,
                        label=f"{label}, mean ± s.d. ({len(rates)} splits)")
    ax.axhline(96.4, color="k", ls=":", lw=1, label="paper, test 96.4 %")
    ax.set_ylim(0, 100)
    ax.set_xlabel("training step")
    ax.set_ylabel("recognition rate (%)")
    ax.set_title("(f) recognition rate, simulated chain", fontsize=9)
    ax.legend(fontsize=6)
    fig.suptitle("Lopez 2024 Fig. 2 with xbar: 3 junctions, 2 inputs, 32 trained parameters", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_fig3(study: dict[str, Any], path: Path, plt: Any) -> None:
    splits = study["splits"]
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for params, color in ((27, "C2"), (47, "k")):
        st = np.asarray(splits[0][f"mlp{params}"]["steps"])
        rates = 100 * np.array([s[f"mlp{params}"]["rate_test"] for s in splits])
        ax.plot(np.maximum(st, 1), rates.mean(0), "-", color=color, label=f"MLP, {params} parameters")
        ax.fill_between(np.maximum(st, 1), rates.mean(0) - rates.std(0), rates.mean(0) + rates.std(0),
                        color=color, alpha=0.15)
    st = np.asarray(splits[0]["steps"])
    rates = 100 * np.array([s["rate_test"] for s in splits])
    ax.errorbar(np.maximum(st, 1), rates.mean(0), rates.std(0), fmt="o", color="C3", ms=4,
                label="MTJ chain (xbar), 32 parameters")
    ax.axhline(95, color="k", ls=":", lw=1, label="paper: MLP-47 95 %")
    ax.axhline(96.4, color="C3", ls=":", lw=1, label="paper: chain 96.4 %")
    ax.set_xscale("log")
    ax.set_ylim(0, 100)
    ax.set_xlabel("training step (MLP: Adam steps; chain: ±10 µA rule steps)")
    ax.set_ylabel("testing recognition rate (%)")
    ax.set_title(f"Lopez 2024 Fig. 3: mean ± s.d. over {len(splits)} speaker splits", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _plot_scaling(study: dict[str, Any], path: Path, plt: Any) -> None:
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for k_in in sorted({r["inputs"] for r in study["scaling"]}):
        pts = [r for r in study["scaling"] if r["inputs"] == k_in and r["test"]]
        if not pts:
            continue
        n = np.array([r["junctions"] for r in pts])
        mean = 100 * np.array([np.mean(r["test"]) for r in pts])
        std = 100 * np.array([np.std(r["test"]) for r in pts])
        ax.errorbar(n, mean, std, fmt="o-", ms=4, capsize=2, label=f"K = {k_in} inputs")
    ax.axvline(16, color="k", ls=":", lw=1, label="N_max = 16 (V_B = 1.5 V)")
    ax.set_xlabel("junctions in the chain N")
    ax.set_ylabel("testing recognition rate (%)")
    ax.set_ylim(0, 100)
    ax.set_title("Lopez 2024 Sec. III: 7 vowels vs chain length and inputs (xbar)", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)



# ------------------------------------------------------------------------------------------
# reproduction table
# ------------------------------------------------------------------------------------------
def _fmt(x: float, digits: int = 4) -> str:
    return f"{x:.{digits}g}"


def _row(figure: str, quantity: str, published: str, value: str, unit: str, status: str,
         plot: str = "", note: str = "") -> ReproRow:
    return ReproRow(PAPER, figure, quantity, published, value, unit, status, COMMAND, plot, note)


def rows(outdir: Path) -> list[ReproRow]:
    """Run the reproductions, save PNG plots in ``outdir`` and return the table rows."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    out: list[ReproRow] = []

    # ---- device card -----------------------------------------------------------------------
    j1 = card("lopez_j1")
    c = xbar.Circuit()
    define_models(c, {"m": j1})
    h = add_chain(c, "c", ["m", "m", "m"], i_input=1e-6, i_control=(0.0, 0.0, 0.0), state=1)
    r_ap = c.op()[h.r_keys()[0]]
    out.append(_row("Sec. II", "R_P", "≈ 1100", _fmt(j1["rp"]), "Ω", "ok", note="card value"))
    out.append(_row("Sec. II", "TMR at low bias", "≈ 120", _fmt(100 * (r_ap / j1["rp"] - 1)), "%",
                    "ok", note="xbar R_AP/R_P − 1 at 1 µA"))

    # ---- Fig. 1(b): calibration and thresholds ------------------------------------------------
    hk = calibrate()
    lib_hk = [card(n)["hk"] for n in JUNCTIONS]
    inputs = np.sort(np.concatenate([np.asarray(THRESHOLDS) + d for d in
                                     (-60e-6, -30e-6, -12e-6, 0.0, 12e-6, 30e-6, 60e-6)]))
    inputs = np.concatenate([inputs, [np.asarray(THRESHOLDS)[1] + d for d in (-120e-6, 120e-6)]])
    frac = switched_fraction(inputs, 40, seed=1)
    th, scale = fit_thresholds(inputs, frac)
    for k in range(3):
        err = th[k] / THRESHOLDS[k] - 1
        out.append(_row("Fig. 1(b)", f"threshold input current, junction {k + 1} (I_C = −500 µA)",
                        _fmt(THRESHOLDS[k] * 1e6), _fmt(th[k] * 1e6), "µA",
                        "ok" if abs(err) < 0.02 else "differs", "lopez2024_thresholds.png",
                        f"calibration (hk = {hk[k]:.6g} A/m, library {lib_hk[k]:.6g}); 50 % point of "
                        f"a Gumbel fit to {len(inputs)}×40 simulated pulses; width scale "
                        f"{scale[k] * 1e6:.3g} µA"))
    fig, ax = plt.subplots(figsize=(6, 4))
    xs = np.linspace(inputs.min(), inputs.max(), 400)
    for k in range(3):
        ax.plot(inputs * 1e6, frac[:, k], "o", color=f"C{k}", label=f"MTJ{k + 1} (xbar, 40 chains/pt)")
        ax.plot(xs * 1e6, _gumbel(xs, th[k], scale[k]), "-", color=f"C{k}")
        ax.axvline(THRESHOLDS[k] * 1e6, color=f"C{k}", ls=":", lw=1)
    ax.set_xlabel("I_input (µA)")
    ax.set_ylabel("switched fraction (AP→P) in one 10 ms input")
    ax.set_title("Lopez 2024: thresholds with I_C = −500 µA (dotted: published)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(outdir / "lopez2024_thresholds.png", dpi=120)
    plt.close(fig)

    # dashed set: thresholds shift by −ΔI_C (pure current control, Sec. II)
    dashed = [threshold_of(card(n), CONTROL_DASHED[k]) for k, n in enumerate(JUNCTIONS)]
    expect = [THRESHOLDS[k] - (CONTROL_DASHED[k] - CONTROL[k]) for k in range(3)]
    out.append(_row("Fig. 1(b) dashed", "thresholds with I_C = (−460, −380, −560) µA",
                    "shifted independently (no numbers in the text)",
                    ", ".join(_fmt(v * 1e6) for v in dashed), "µA", "ok", "lopez2024_fig1b.png",
                    "shift = −ΔI_C exactly: " + ", ".join(_fmt(v * 1e6) for v in expect)))

    ramp_in = np.arange(300e-6, 900e-6 + 1e-12, 10e-6)
    r, _, _ = ramp(ramp_in, [CONTROL, CONTROL_DASHED], seed=2)
    fig, axes = plt.subplots(3, 1, figsize=(6, 7), sharex=True)
    for k in range(3):
        axes[k].plot(ramp_in * 1e6, r[0, :, k], "ko", ms=3, label="I_C = −500 µA (xbar)")
        axes[k].plot(ramp_in * 1e6, r[1, :, k], "--", color="C3", label="I_C = −460/−380/−560 µA")
        axes[k].axvline(THRESHOLDS[k] * 1e6, color="k", ls=":", lw=1)
        axes[k].set_ylabel(f"R_MTJ{k + 1} (Ω)")
        top = axes[k].secondary_xaxis("top", functions=(lambda v: v - 500, lambda v: v + 500))
        if k == 0:
            top.set_xlabel("I_MTJ = I_input + I_C (µA), I_C = −500 µA")
    axes[0].legend(fontsize=7)
    axes[-1].set_xlabel("I_input (µA)")
    fig.suptitle("Lopez 2024 Fig. 1(b): R vs I_input (xbar, 10 µA / 10 ms staircase)", fontsize=9)
    fig.tight_layout()
    fig.savefig(outdir / "lopez2024_fig1b.png", dpi=120)
    plt.close(fig)

    # ---- Fig. 1(c): switching map ----------------------------------------------------------
    grid = np.linspace(300e-6, 900e-6, 31)
    grid = np.unique(np.concatenate([grid, np.linspace(690e-6, 730e-6, 5)]))
    na, nb = switching_map(grid, grid, seed=3)
    conf = 4 * na + nb
    n_conf = len(np.unique(conf))
    out.append(_row("Fig. 1(c)", "switching configurations over (I_A, I_B), I_C = −500 µA", "16",
                    str(n_conf), "-", "ok" if n_conf == 16 else "differs", "lopez2024_fig1c.png",
                    f"{conf.size} chains (one per map point, I_A then reset then I_B) in one transient"))
    fig, ax = plt.subplots(figsize=(5.5, 5))
    mesh = ax.pcolormesh(grid * 1e6, grid * 1e6, conf, cmap="tab20", vmin=-0.5, vmax=15.5, shading="nearest")
    for a in range(4):
        for b in range(4):
            sel = (na == a) & (nb == b)
            if sel.any():
                yy, xx = np.nonzero(sel)
                ax.text(np.median(grid[xx]) * 1e6, np.median(grid[yy]) * 1e6, f"{a}A,{b}B",
                        fontsize=6, ha="center", va="center")
    fig.colorbar(mesh, ax=ax, label="configuration 4·n_A + n_B")
    ax.set_xlabel("I_A (µA)")
    ax.set_ylabel("I_B (µA)")
    ax.set_title("Lopez 2024 Fig. 1(c): switching map (xbar)", fontsize=9)
    fig.tight_layout()
    fig.savefig(outdir / "lopez2024_fig1c.png", dpi=120)
    plt.close(fig)

    # ---- Sec. III: breakdown and chain length ------------------------------------------------
    scan = breakdown_scan(range(1, 31))
    out.append(_row("Sec. III", "longest usable chain N_max (breakdown, criterion (i)+(ii))",
                    "limited by V_B (no number)", str(scan.n_max), "junctions", "ok",
                    "lopez2024_breakdown.png",
                    f"xbar prediction for V_B = {scan.vb:g} V (assumed), threshold spacing "
                    f"{scan.spacing * 1e6:.3g} µA (5–95 % switching width), reset control "
                    f"{scan.i_reset * 1e6:.3g} µA; chain voltage at N_max "
                    f"{scan.vchain_reset[scan.n == scan.n_max][0]:.3g} V (reset), "
                    f"{scan.vchain_top[scan.n == scan.n_max][0]:.3g} V (top input)"))
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(scan.n, scan.vj_reset, "o-", label="max junction |V|, zero input (all AP)")
    ax.plot(scan.n, scan.vj_top, "s-", label="max junction |V|, top input (all P)")
    ax.plot(scan.n, scan.vchain_reset, "o--", label="chain voltage, zero input")
    ax.plot(scan.n, scan.vchain_top, "s--", label="chain voltage, top input")
    ax.axhline(scan.vb, color="k", lw=1, label=f"V_B = {scan.vb:g} V")
    ax.axvline(scan.n_max, color="C3", ls=":", label=f"N_max = {scan.n_max}")
    ax.set_yscale("log")
    ax.set_xlabel("junctions in the chain N")
    ax.set_ylabel("voltage (V)")
    ax.set_title("Lopez 2024 Sec. III: chain voltage vs N against breakdown (xbar)", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(outdir / "lopez2024_breakdown.png", dpi=120)
    plt.close(fig)

    return out


def slow_rows(outdir: Path) -> list[ReproRow]:
    """Figs. 1(d), 2, 3 and the N/K scaling (vowels): :func:`vowel_study` with its defaults,
    tens of minutes of training on the Hillenbrand data (found by
    :func:`xbar.datasets.hillenbrand.find_data`). ``xbar reproduce`` takes these rows from the
    committed table unless run with ``--slow`` (docs/reproducibility.md). Writes the plots and
    the per-split rates ``lopez2024_vowels.csv`` and every number behind the plots
    (``lopez2024_vowels.json``, :func:`read_study`) into ``outdir``; without the data, one
    "not reproduced" row says how to get them. Splits run in ``$XBAR_REPRODUCE_WORKERS``
    processes (default: the number of CPUs); the result does not depend on it."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    workers = int(os.environ.get("XBAR_REPRODUCE_WORKERS", "0") or 0) or (os.cpu_count() or 1)
    try:
        study = vowel_study(workers=workers)
    except DataError as exc:
        return [_row("Fig. 2(f)", "vowel recognition rate after 80 steps, testing subset "
                     "(mean ± s.d. over 10 speaker splits)", "96.4 (one split)", "-", "%",
                     "not reproduced", note=str(exc))]
    write_study(study, outdir / "lopez2024_vowels.json")
    write_split_csv(study, outdir / "lopez2024_vowels.csv")
    return _vowel_rows(study, outdir, plt)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m xbar.reproduce.lopez2024 [--data PATH] [--splits N] [--out FILE]``: run the
    vowel study alone (tens of minutes), write it as JSON and print its summary."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m xbar.reproduce.lopez2024",
                                     description=main.__doc__)
    parser.add_argument("--data", default=None, help="Hillenbrand vowdata file or folder")
    parser.add_argument("--splits", type=int, default=10)
    parser.add_argument("--out", default="lopez2024_vowels.json")
    parser.add_argument("--workers", type=int, default=1, help="processes (splits in parallel)")
    args = parser.parse_args(argv)
    try:
        study = vowel_study(args.data, n_splits=args.splits, workers=args.workers)
    except DataError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    write_study(study, Path(args.out))
    for key in ("final_train", "final_test", "software_test", "surrogate_controls_test"):
        mean, std = _mean_std([s[key] for s in study["splits"]])
        sys.stdout.write(f"{key}: {mean:.1f} ± {std:.1f} %\n")
    sys.stdout.write(f"written {args.out}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
