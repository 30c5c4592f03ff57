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
* :func:`load_vowels`, :func:`train_vowels` — the seven-vowel task with the paper's ±10 µA
  control-current learning rule, the chain simulated by xbar at every step (Figs. 1(d), 2).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from scipy.optimize import brentq, curve_fit

import xbar
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
from xbar.errors import XbarWarning
from xbar.reproduce import ReproRow
from xbar.reprs import short_repr

__all__ = [
    "CONTROL",
    "CONTROL_DASHED",
    "JUNCTIONS",
    "LIB",
    "THRESHOLDS",
    "T_DWELL",
    "T_RESET",
    "BreakdownScan",
    "VowelResult",
    "breakdown_scan",
    "calibrate",
    "card",
    "define_models",
    "fit_thresholds",
    "junction_rate",
    "load_vowels",
    "ramp",
    "rows",
    "run_inputs",
    "slow_rows",
    "switched_fraction",
    "switching_map",
    "threshold_of",
    "train_vowels",
]

PAPER = "Lopez 2024"
COMMAND = "xbar reproduce --only lopez2024"
LIB = library_path("lopez2024_stt.lib")
DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "hillenbrand1995" / "vowdata.csv"

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
# vowels (Fig. 1(d), Fig. 2)
# ------------------------------------------------------------------------------------------
VOWELS = ("ae", "eh", "er", "ih", "oo", "uh", "uw")
"""Seven vowels (assumption: the paper does not name them; the one 7-vowel set containing
'er' for which exactly 37 female speakers have all 12 formants)."""
FORMANTS = ("F1", "F2", "F3", "F1_20", "F2_20", "F3_20", "F1_50", "F2_50", "F3_50",
            "F1_80", "F2_80", "F3_80")


def load_vowels(path: Path = DATA, vowels: Sequence[str] = VOWELS) -> tuple[F64, np.ndarray, np.ndarray]:
    """Formants (S, 12) [Hz], vowel labels (S,) and speaker ids of the female speakers who
    have all 12 formants of every vowel in ``vowels`` (Hillenbrand et al. 1995)."""
    import csv

    with Path(path).open(newline="", encoding="utf-8") as fh:
        data = list(csv.DictReader(fh))
    by: dict[tuple[str, str], list[float]] = {}
    for r in data:
        sid, vow = r["ID"][:3], r["ID"][3:]
        if sid.startswith("w") and vow in vowels:
            f = [float(r[k]) for k in FORMANTS]
            if min(f) > 0:
                by[(sid, vow)] = f
    speakers = sorted({s for s, _ in by if all((s, v) in by for v in vowels)})
    x = np.array([by[(s, v)] for s in speakers for v in vowels])
    y = np.array([j for _ in speakers for j in range(len(vowels))])
    spk = np.array([s for s in speakers for _ in vowels])
    return x, y, spk


@dataclass
class VowelResult:
    """Outcome of :func:`train_vowels` (currents in A, rates in [0, 1])."""

    __repr__ = short_repr

    steps: F64
    rate_train: F64
    rate_test: F64
    controls: F64  # (steps+1, 2, 3): I_C per step, input (A, B), junction
    cells: F64  # (7, 2) target configuration (n_A, n_B) per vowel
    i_a: F64
    i_b: F64
    labels: np.ndarray
    train: np.ndarray
    software_train: float
    software_test: float
    final_na: F64 = field(default_factory=lambda: np.zeros(0))
    final_nb: F64 = field(default_factory=lambda: np.zeros(0))


def _encode(x: F64, y: np.ndarray, train: np.ndarray, design: F64, n_classes: int,
            rng: np.random.Generator, restarts: int = 12) -> tuple[F64, F64, F64]:
    """Inputs (I_A, I_B) from a linear combination of the 12 formants (26 coefficients, S3).

    For a given assignment of vowels to cells ``(n_A, n_B)`` of the 4 x 4 grid of the
    ``design`` thresholds, the 2 x 13 coefficients are the least-squares map from standardised
    formants to the centres of the target cells (training subset only). The assignment itself
    is chosen by a hill climb with random restarts over cell swaps, maximising the training
    accuracy of that map with the designed thresholds (software readout).
    """
    mu = x[train].mean(axis=0)
    sd = x[train].std(axis=0)
    a = np.column_stack([(x - mu) / sd, np.ones(len(x))])
    at, yt = a[train], y[train]
    edges = np.concatenate([[2 * design[0] - design[1]], design, [2 * design[-1] - design[-2]]])
    centres = 0.5 * (edges[:-1] + edges[1:])
    grid = np.array([(i, j) for i in range(4) for j in range(4)])

    def fit(cells: np.ndarray) -> tuple[float, F64]:
        coef, *_ = np.linalg.lstsq(at, centres[cells[yt]], rcond=None)
        n = ((at @ coef)[:, :, None] > design).sum(axis=2)
        return float(np.mean((n == cells[yt]).all(axis=1))), coef

    best_acc, best_cells = -1.0, grid[:n_classes]
    for _ in range(restarts):
        cur = grid[rng.choice(len(grid), size=n_classes, replace=False)]
        acc = fit(cur)[0]
        improved = True
        while improved:
            improved = False
            for k in range(n_classes):
                for cell in grid:
                    cand = cur.copy()
                    other = np.flatnonzero((cur == cell).all(axis=1))
                    if len(other):
                        cand[other[0]] = cur[k]
                    cand[k] = cell
                    acc_c = fit(cand)[0]
                    if acc_c > acc + 1e-12:
                        cur, acc, improved = cand, acc_c, True
        if acc > best_acc:
            best_acc, best_cells = acc, cur.copy()
    coef = fit(best_cells)[1]
    inputs = a @ coef
    return inputs[:, 0], inputs[:, 1], best_cells.astype(float)


def train_vowels(steps: int = 80, *, seed: int = 0, eval_every: int = 10, lr: float = 10e-6,
                 design: Sequence[float] = (400e-6, 600e-6, 800e-6),
                 path: Path = DATA) -> VowelResult:
    """Train the six control currents on the vowel task with the chain simulated by xbar.

    Learning rule (Sec. II; S4/S5 are not in the text, so this is xbar's reading): at every
    step one random training input per vowel (7 inputs) is applied to the chain (one xbar
    transient, 7 independent chains). For input ``j`` (A or B) of a sample whose number of
    switching events ``n`` differs from its target ``n*``: if ``n < n*`` the ``n* − n``
    non-switched junctions with the lowest estimated thresholds get a +1 vote (raise their
    control current, lowering their threshold); if ``n > n*`` the ``n − n*`` switched junctions
    with the highest estimated thresholds get a −1 vote. Estimated thresholds are the Fig. 1(b)
    characterisation shifted by the known control changes. After the 7 inputs every control
    current ``I_Ci^j`` moves by ``lr·sign(votes)`` (±10 µA). The recognition rate of the
    training (80 %) and testing (20 %) subsets is measured with xbar every ``eval_every`` steps.
    """
    rng = np.random.default_rng(seed)
    x, y, _ = load_vowels(path)
    n_cls = len(VOWELS)
    train = np.zeros(len(y), dtype=bool)
    for k in range(n_cls):
        idx = np.flatnonzero(y == k)
        train[rng.choice(idx, size=round(0.8 * len(idx)), replace=False)] = True
    design_arr = np.asarray(design, dtype=float)
    i_a, i_b, cells = _encode(x, y, train, design_arr, n_cls, rng)
    lut = {(int(a), int(b)): k for k, (a, b) in enumerate(cells)}

    na0, nb0 = (i_a[:, None] > design_arr).sum(1), (i_b[:, None] > design_arr).sum(1)
    sw_ok = np.array([lut.get((int(a), int(b)), -1) for a, b in zip(na0, nb0, strict=True)]) == y
    dev_th = np.array(THRESHOLDS) + np.array(CONTROL)  # I_input + I_Ci at threshold (Fig. 1(b))
    ctl = np.tile(np.array(CONTROL), (2, 1))  # (input A/B, junction)
    history = [ctl.copy()]
    eval_steps, r_train, r_test = [], [], []
    final_na = final_nb = np.zeros(0)

    def evaluate(step: int) -> None:
        nonlocal final_na, final_nb
        sa, sb = run_inputs(i_a, i_b, control_a=ctl[0], control_b=ctl[1], seed=10_000 + step)
        assert sb is not None
        na, nb = (1 - sa).sum(1), (1 - sb).sum(1)
        pred = np.array([lut.get((int(a), int(b)), -1) for a, b in zip(na, nb, strict=True)])
        eval_steps.append(step)
        r_train.append(float(np.mean(pred[train] == y[train])))
        r_test.append(float(np.mean(pred[~train] == y[~train])))
        final_na, final_nb = na, nb

    evaluate(0)
    train_idx = [np.flatnonzero(train & (y == k)) for k in range(n_cls)]
    for step in range(1, steps + 1):
        pick = np.array([rng.choice(ix) for ix in train_idx])
        sa, sb = run_inputs(i_a[pick], i_b[pick], control_a=ctl[0], control_b=ctl[1],
                            seed=step)
        assert sb is not None
        votes = np.zeros_like(ctl)
        for j, states in enumerate((sa, sb)):
            est = dev_th - ctl[j]
            for s, k in enumerate(pick):
                switched = states[s] == 0
                need = int(cells[y[k], j]) - int(switched.sum())
                if need > 0:
                    cand = np.flatnonzero(~switched)
                    votes[j, cand[np.argsort(est[cand])][:need]] += 1
                elif need < 0:
                    cand = np.flatnonzero(switched)
                    votes[j, cand[np.argsort(-est[cand])][:-need]] -= 1
        ctl = ctl + lr * np.sign(votes)
        history.append(ctl.copy())
        if step % eval_every == 0 or step == steps:
            evaluate(step)
    return VowelResult(np.array(eval_steps, float), np.array(r_train), np.array(r_test),
                       np.array(history), cells, i_a, i_b, y, train, float(sw_ok[train].mean()),
                       float(sw_ok[~train].mean()), final_na, final_nb)


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

    out.append(_row("Fig. 3", "software MLP with 47 trained parameters", "95", "-", "%",
                    "not reproduced", note="software baseline, outside the simulator's scope"))
    return out


def slow_rows(outdir: Path) -> list[ReproRow]:
    """Fig. 2 (vowels): minutes of training on the Hillenbrand data. ``xbar reproduce`` takes
    these rows from the committed table unless run with ``--slow``
    (docs/reproducibility.md)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    out: list[ReproRow] = []
    # ---- Fig. 2: vowels ----------------------------------------------------------------------
    if DATA.is_file():
        res = train_vowels(steps=80, eval_every=20)
        for label, published, value, soft in (
                ("training subset", 96.6, res.rate_train[-1], res.software_train),
                ("testing subset", 96.4, res.rate_test[-1], res.software_test)):
            ok = abs(100 * value - published) <= 3.0
            out.append(_row("Fig. 2(f)", f"vowel recognition rate after 80 steps, {label}",
                            _fmt(published, 3), _fmt(100 * value, 3), "%",
                            "ok" if ok else "differs", "lopez2024_fig2.png",
                            "reduced reproduction: the vowel set, the 26 input coefficients (S3) and "
                            "the details of the ±10 µA rule (S4, S5) are not in the text and are "
                            "xbar's reading; ceiling of this encoding (software readout of the same "
                            f"inputs, ideal designed thresholds): {100 * soft:.3g} %; "
                            f"{int(res.train.sum())} training / {int((~res.train).sum())} testing samples"))
        _plot_vowels(res, outdir / "lopez2024_fig2.png", plt)
    else:
        out.append(_row("Fig. 2(f)", "vowel recognition rate", "96.4", "-", "%", "not reproduced",
                        note=f"data set not found at {DATA}"))
    return out


def _plot_vowels(res: VowelResult, path: Path, plt: Any) -> None:
    """Fig. 1(d)/2(d), 2(e), 2(f) panels; ``plt`` is matplotlib.pyplot (imported lazily)."""
    fig, axes = plt.subplots(1, 3, figsize=(13, 4))
    ax = axes[0]
    for k, v in enumerate(VOWELS):
        sel = res.labels == k
        ax.plot(res.i_a[sel] * 1e6, res.i_b[sel] * 1e6, "o", ms=3, label=v, color=f"C{k}")
    dev_th = np.array(THRESHOLDS) + np.array(CONTROL)
    th = dev_th[None, :] - res.controls[-1]
    for t in th[0]:
        ax.axvline(t * 1e6, color="k", lw=0.8)
    for t in th[1]:
        ax.axhline(t * 1e6, color="k", lw=0.8)
    ax.set_xlabel("I_A (µA)")
    ax.set_ylabel("I_B (µA)")
    ax.set_title("inputs and trained thresholds (Fig. 1(d), 2(d))", fontsize=9)
    ax.legend(fontsize=7, ncol=2)
    ax = axes[1]
    steps = np.arange(len(res.controls))
    for j, tag in enumerate(("A", "B")):
        for k in range(3):
            ax.plot(steps, res.controls[:, j, k] * 1e6, ("-" if j == 0 else "--"), color=f"C{k}",
                    label=f"I_C{k + 1}^{tag}")
    ax.set_xlabel("training step")
    ax.set_ylabel("control current (µA)")
    ax.set_title("Fig. 2(e): control currents", fontsize=9)
    ax.legend(fontsize=7, ncol=2)
    ax = axes[2]
    ax.plot(res.steps, 100 * res.rate_train, "o-", label="train (xbar)")
    ax.plot(res.steps, 100 * res.rate_test, "s-", label="test (xbar)")
    ax.axhline(96.4, color="k", ls=":", label="paper, test 96.4 %")
    ax.set_xlabel("training step")
    ax.set_ylabel("recognition rate (%)")
    ax.set_ylim(0, 100)
    ax.set_title("Fig. 2(f): recognition rate", fontsize=9)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
