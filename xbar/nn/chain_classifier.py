"""A trainable classifier made of a chain of series STT-MTJs (Lopez et al. 2024), simulated by xbar.

The hardware (Lopez et al., Phys. Rev. Applied 22, 014082 (2024), DOI
10.1103/PhysRevApplied.22.014082, Sec. II and Fig. 1(a)): ``N`` magnetic tunnel junctions in
series, each fed with its own control current, all crossed by the input current, so junction
``i`` carries ``I_input + I_Ci`` (paper sign: positive favours the parallel state). A sample is
encoded as ``K`` input currents, linear combinations of its features,

``I_j = Σ_f a_jf x_f + a_j0``   (``K·(F + 1)`` coefficients; 26 for the paper's 2 × 12 formants),

applied one after the other; before each input the control currents ``I_Ci^j`` of that input
reset every junction to the antiparallel state (AP). Input ``j`` switches a number ``n_j`` of
junctions to P; the *switching configuration* ``(n_1 … n_K)``, one of ``(N + 1)^K``, is mapped to a
class by a lookup table (Sec. III, Fig. 4). Trained parameters: the ``K·(F + 1)`` coefficients
and the ``N·K`` control currents (32 for the paper's ``N = 3``, ``K = 2``, ``F = 12``).

:class:`ChainClassifier` is shaped like a scikit-learn estimator (``fit``, ``predict``,
``score``, ``get_params``). Its predictions come from the simulated chain: one xbar transient
with one chain per sample, the junctions' stochastic switching drawn from the circuit's seeded
generator (kind ``mtj_field`` of :mod:`xbar.devices.mtj.chain`).

Training (documented in ``docs/models/lopez2024_classifier.md``):

1. *Surrogate.* For a constant junction current ``I`` held for ``t_dwell`` the device's
   thermally activated AP→P rate gives the switching probability
   ``p(I) = 1 − exp(−t_dwell · rate(I)) = 1 − exp(−ln 2 · exp((I − I50)/s))``
   (exact for the Néel–Brown law with a barrier linear in ``I``, β = 1), with ``I50`` and ``s``
   computed from each junction's own card (:func:`junction_statistics`). The number of switched
   junctions of one input is Poisson-binomial over the junctions, the configuration probability
   the product over inputs, and the probability of the right class the sum over the cells the
   lookup table gives that class. All ``K·(F+1) + N·K`` parameters are fitted jointly by L-BFGS-B
   on the mean negative log of that probability (exact gradient), with the widths ``s``
   multiplied by a decreasing smoothing factor (continuation), control currents bounded by the
   reset and breakdown limits, inputs kept in ``input_range``, and the lookup table re-assigned
   to the majority class of each cell between stages.
2. *Real-time rule.* The control currents are then trained on the simulated chain with the
   paper's ±10 µA rule (Sec. II, Fig. 2(e)): per step one random training sample per class is
   applied; for every misclassified input the junctions that should (not) have switched vote,
   and every control current moves by ``±realtime_rate`` in the sign of its votes.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import brentq, minimize

from xbar.errors import DataError, NetlistError
from xbar.reprs import short_repr

__all__ = [
    "LOPEZ2024_JUNCTIONS",
    "T_DWELL",
    "T_RESET",
    "T_RISE",
    "ChainClassifier",
    "JunctionStatistics",
    "TrainingHistory",
    "junction_statistics",
    "lopez2024_cards",
    "simulate_chain",
]

F64 = npt.NDArray[np.float64]
LOPEZ2024_JUNCTIONS = ("lopez_j1", "lopez_j2", "lopez_j3")
"""The three calibrated junction cards of ``compact_models/lopez2024_stt.lib``."""
I64 = npt.NDArray[np.int64]

T_DWELL = 10e-3
"""Time an input current is held [s] (the paper measures with dc currents; an assumption)."""
T_RESET = 10e-3
"""Time the input is held at zero before the next input (reset to AP by the controls) [s]."""
T_RISE = 100e-6
"""Transition time of the current sources between segments [s]."""

_LN2 = math.log(2.0)
_UA = 1e-6  # the optimiser works in µA
_MIN_PER_CLASS = 2
_MAX_CELLS = 4096


# ------------------------------------------------------------------------------------------
# devices
# ------------------------------------------------------------------------------------------
def lopez2024_cards(n_junctions: int = 3, *, seed: int = 0) -> list[dict[str, float]]:
    """Junction cards of ``compact_models/lopez2024_stt.lib`` for a chain of ``n_junctions``.

    Three junctions: the calibrated cards ``lopez_j1 … lopez_j3`` (thresholds 724 / 434 / 696 µA
    with −500 µA control, Fig. 1(b)). Otherwise ``n_junctions`` devices drawn from the generic
    card ``lopez_stt`` with its device-to-device spread of ``hk`` (``hk_sigma``), seeded. The
    returned cards have ``hk_sigma = 0``: every copy of a junction in a simulation is the same
    device.
    """
    from xbar.devices.cards import library_path
    from xbar.devices.mtj.strain import read_lib_card

    def card(name: str) -> dict[str, float]:
        return read_lib_card(library_path("lopez2024_stt.lib"), name)[1]

    n = _positive_int(n_junctions, "n_junctions")
    if n == len(LOPEZ2024_JUNCTIONS):
        return [{**card(name), "hk_sigma": 0.0} for name in LOPEZ2024_JUNCTIONS]
    base = card("lopez_stt")
    rng = np.random.default_rng(seed)
    hk = base["hk"] * np.maximum(1.0 + base.get("hk_sigma", 0.0) * rng.standard_normal(n), 0.05)
    return [{**base, "hk": float(h), "hk_sigma": 0.0} for h in hk]


def _full_card(params: Mapping[str, float]) -> dict[str, float]:
    from xbar.devices.mtj.chain import FIELD_MTJ_CARD

    full = {p.name: p.default for p in FIELD_MTJ_CARD}
    for key, value in params.items():
        k = key.lower()
        if k not in full:
            raise NetlistError(f"unknown mtj_field card parameter '{key}'")
        full[k] = float(value)
    return full


@dataclass(frozen=True)
class JunctionStatistics:
    """Switching statistics of the junctions of a chain, from their cards (all currents in A,
    paper sign: positive favours P).

    Attributes
    ----------
    i50 : array (N,)
        Junction current at which AP→P switching within ``t_dwell`` has probability 1/2.
    width : array (N,)
        Scale ``s`` of ``p(I) = 1 − exp(−ln 2 · exp((I − I50)/s))`` (``1 / (d ln rate / dI)``).
    control_max : array (N,)
        Weakest (least negative) control current that still resets the junction from P to AP at
        zero input within ``t_reset`` with probability ≥ 1 − 10⁻⁶.
    control_min : array (N,)
        Most negative control current keeping the AP barrier below 0.9 ``V_B`` at zero input.
    current_max : array (N,)
        Largest junction current keeping the P barrier below 0.9 ``V_B``.
    """

    __repr__ = short_repr

    i50: F64
    width: F64
    control_max: F64
    control_min: F64
    current_max: F64

    def probability(self, junction_current: F64) -> F64:
        """AP→P switching probability within one dwell at junction currents ``(..., N)``."""
        z = (np.asarray(junction_current, dtype=np.float64) - self.i50) / self.width
        return -np.expm1(-_LN2 * np.exp(np.clip(z, -700.0, 30.0)))


def _rate(params: dict[str, float], current: float, state: int) -> float:
    from xbar.devices.mtj.chain import field_switch_rate

    i_xbar = np.array([-current])  # xbar sign: positive into n+ drives P→AP
    rate = field_switch_rate(i_xbar, np.array([state]), hx=params["hx"], hk=params["hk"],
                             ic_p2ap=params["ic_p2ap"], ic_ap2p=params["ic_ap2p"],
                             delta=params["delta"], tau0=params["tau0"], beta=params["beta"],
                             pol=params["pol"], moment=params["moment"])
    return float(rate[0])


def junction_statistics(cards: Sequence[Mapping[str, float]], *, t_dwell: float = T_DWELL,
                        t_reset: float = T_RESET) -> JunctionStatistics:
    """Per-junction switching statistics from the cards' own rate law (see
    :class:`JunctionStatistics`); the surrogate of :class:`ChainClassifier` is built on them."""
    from xbar.devices.mtj.physics import ap_conductance

    i50, width, cmax, cmin, imax = [], [], [], [], []
    for raw in cards:
        c = _full_card(raw)
        hi = 20.0 * max(c["ic_ap2p"], c["ic_p2ap"])

        def log_hazard(i: float, c: dict[str, float] = c) -> float:
            return math.log(max(_rate(c, i, 1), 1e-300) * t_dwell)

        # P = 1/2  <=>  t·rate = ln 2
        target = math.log(_LN2)
        lo = -hi
        if log_hazard(lo) > target or log_hazard(hi) < target:
            raise NetlistError("junction card never reaches 50 % AP→P switching within one dwell "
                               f"for currents in ±{hi * 1e3:.3g} mA; check hk, hx, delta, ic_ap2p")
        m = brentq(lambda i, c=c, t=target: log_hazard(i, c) - t, lo, hi, xtol=1e-13)
        h = 1e-3 * c["ic_ap2p"] / max(c["delta"], 1.0)
        slope = (log_hazard(m + h) - log_hazard(m - h)) / (2 * h)
        i50.append(m)
        width.append(1.0 / slope)

        # reset: P→AP at zero input with probability ≥ 1 − 1e-6 within t_reset
        need = math.log(-math.log(1e-6) / t_reset)

        def log_reset(i: float, c: dict[str, float] = c) -> float:
            return math.log(max(_rate(c, i, 0), 1e-300))

        if log_reset(-hi) < need:
            raise NetlistError("junction card cannot be reset to AP by any control current within "
                               f"±{hi * 1e3:.3g} mA; check ic_p2ap, delta")
        cmax.append(brentq(lambda i, c=c, t=need: log_reset(i, c) - t, -hi, 0.0, xtol=1e-13))
        v_safe = 0.9 * c["vb"]
        g_ap, _ = ap_conductance(np.array([v_safe]), c["rp"], c["tmr0"], c["vh"])
        cmin.append(-float(g_ap[0]) * v_safe)
        imax.append(v_safe / c["rp"])
    stats = JunctionStatistics(*(np.array(v) for v in (i50, width, cmax, cmin, imax)))
    if np.any(stats.control_min >= stats.control_max):
        k = int(np.argmax(stats.control_min >= stats.control_max))
        raise NetlistError(f"junction {k + 1}: the control current that resets it "
                           f"({stats.control_max[k] * 1e6:.4g} µA) already exceeds 0.9 V_B "
                           f"(limit {stats.control_min[k] * 1e6:.4g} µA); no safe control exists")
    return stats


# ------------------------------------------------------------------------------------------
# circuit-level simulation
# ------------------------------------------------------------------------------------------
def simulate_chain(currents: npt.ArrayLike, controls: npt.ArrayLike,
                   cards: Sequence[Mapping[str, float]], *, seed: int = 0,
                   t_dwell: float = T_DWELL, t_reset: float = T_RESET, t_rise: float = T_RISE,
                   batch: int = 2000) -> npt.NDArray[np.int8]:
    """Apply the input currents of many samples to copies of one chain; return junction states.

    Every sample gets its own copy of the chain (the same ``N`` devices), all copies in one xbar
    transient per ``batch``: inputs ``j = 1 … K`` one after the other, each held ``t_dwell``
    with controls ``controls[j]``, separated by ``t_reset`` at zero input with the next input's
    controls (the reset to AP of Sec. II). Every junction starts AP.

    Parameters
    ----------
    currents : array (M, K)
        Input currents [A] (paper sign).
    controls : array (K, N)
        Control current of every junction for every input [A].
    cards : sequence of N mappings
        ``mtj_field`` card parameters of the junctions, top to bottom.
    seed : int
        Seed of the circuit's generator (stochastic switching).

    Returns
    -------
    array of int8 (M, K, N)
        1 where junction ``i`` switched to P at the end of input ``j``, else 0.
    """
    import xbar
    from xbar.devices.mtj.chain import Schedule, add_chain

    x = np.asarray(currents, dtype=np.float64)
    ctl = np.asarray(controls, dtype=np.float64)
    if x.ndim != 2 or ctl.ndim != 2 or ctl.shape[0] != x.shape[1] or ctl.shape[1] != len(cards):
        raise DataError(f"simulate_chain: currents (M, K) and controls (K, N = {len(cards)}) expected, "
                        f"got {x.shape} and {ctl.shape}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(ctl))):
        raise DataError("simulate_chain: currents and controls must be finite")
    m, k = x.shape
    n = len(cards)
    out = np.zeros((m, k, n), dtype=np.int8)
    if m == 0:
        return out
    durations: list[float] = []
    for j in range(k):
        if j:
            durations.append(t_reset)
        durations.append(t_dwell)
    seg_ctl = []
    for j in range(k):
        if j:
            seg_ctl.append(ctl[j])
        seg_ctl.append(ctl[j])
    ends = np.cumsum(durations)
    input_ends = ends[::2]
    for b, start in enumerate(range(0, m, batch)):
        part = x[start:start + batch]
        c = xbar.Circuit(f"chain classifier batch {b}")
        batch_seed = int(seed) if b == 0 else int(np.random.SeedSequence([int(seed), b]).generate_state(1)[0])
        c.set_options(seed=batch_seed)
        names = [f"cc_j{i + 1}" for i in range(n)]
        for name, card in zip(names, cards, strict=True):
            c.model(name, "mtj_field", **{**_full_card(card), "hk_sigma": 0.0})
        handles = []
        for s, row in enumerate(part):
            seg_in: list[float] = []
            for j in range(k):
                if j:
                    seg_in.append(0.0)
                seg_in.append(float(row[j]))
            handles.append(add_chain(c, f"s{s}", names,
                                     schedule=Schedule(durations, seg_in, seg_ctl, t_rise)))
        tr = c.tran(t_dwell, float(ends[-1]), tmax=t_dwell)
        t = tr["time"]
        for j, t_end in enumerate(input_ends):
            row_i = int(np.searchsorted(t, t_end * (1 + 1e-9), side="right") - 1)
            st = np.array([[tr[key][row_i] for key in h.state_keys()] for h in handles])
            out[start:start + len(part), j] = (st < 0.5).astype(np.int8)
    return out


# ------------------------------------------------------------------------------------------
# surrogate
# ------------------------------------------------------------------------------------------
def _poisson_binomial(p: F64) -> F64:
    """Distribution of the number of successes, ``(..., N) -> (..., N + 1)``."""
    n = p.shape[-1]
    q = np.zeros((*p.shape[:-1], n + 1))
    q[..., 0] = 1.0
    for i in range(n):
        pi = p[..., i:i + 1]
        shifted = q[..., :-1] * pi
        q *= 1.0 - pi
        q[..., 1:] += shifted
    return q


def _poisson_binomial_grad(p: F64, d_q: F64) -> F64:
    """``dL/dp`` of :func:`_poisson_binomial` given ``dL/dQ`` (reverse pass over the junctions).

    The forward recursion is ``q_{i+1}(n) = q_i(n)(1 − p_i) + q_i(n − 1) p_i``; its adjoint is
    ``dL/dp_i = Σ_n g_{i+1}(n) (q_i(n − 1) − q_i(n))`` and
    ``g_i(n) = g_{i+1}(n)(1 − p_i) + g_{i+1}(n + 1) p_i``.
    """
    n = p.shape[-1]
    qs = np.zeros((n + 1, *p.shape[:-1], n + 1))
    qs[0, ..., 0] = 1.0
    for i in range(n):
        pi = p[..., i:i + 1]
        qs[i + 1] = qs[i] * (1.0 - pi)
        qs[i + 1][..., 1:] += qs[i][..., :-1] * pi
    g = d_q.copy()
    d_p = np.empty_like(p)
    for i in range(n - 1, -1, -1):
        q = qs[i]
        diff = -q.copy()
        diff[..., 1:] += q[..., :-1]
        d_p[..., i] = np.einsum("...n,...n->...", g, diff)
        pi = p[..., i:i + 1]
        g_new = g * (1.0 - pi)
        g_new[..., :-1] += g[..., 1:] * pi
        g = g_new
    return d_p


class _Surrogate:
    """Smooth loss of the chain classifier on a training set (currents in µA)."""

    def __init__(self, x: F64, y: I64, stats: JunctionStatistics, n_inputs: int, n_classes: int,
                 input_range: tuple[float, float], penalty: float = 1.0,
                 weight_decay: float = 0.0) -> None:
        self.x = x
        self.y = y
        self.k = n_inputs
        self.n = len(stats.i50)
        self.f = x.shape[1]
        self.n_classes = n_classes
        self.m = stats.i50 / _UA
        self.s = stats.width / _UA
        self.lo, self.hi = (v / _UA for v in input_range)
        self.penalty = penalty
        self.weight_decay = weight_decay
        self.smoothing = 1.0
        self.lut = np.zeros((self.n + 1) ** self.k, dtype=np.int64)
        self._scale = float(np.mean(self.s)) ** 2

    def unpack(self, theta: F64) -> tuple[F64, F64, F64]:
        k, f, n = self.k, self.f, self.n
        return (theta[:k * f].reshape(k, f), theta[k * f:k * f + k],
                theta[k * f + k:].reshape(k, n))

    def inputs(self, theta: F64, x: F64 | None = None) -> F64:
        w, b, _ = self.unpack(theta)
        return (self.x if x is None else x) @ w.T + b

    def switch_probabilities(self, theta: F64, x: F64 | None = None) -> tuple[F64, F64, F64, F64]:
        _, _, c = self.unpack(theta)
        i = self.inputs(theta, x)
        z = (i[:, :, None] + c[None] - self.m) / (self.s * self.smoothing)
        ez = np.exp(np.clip(z, -700.0, 30.0))
        return i, z, ez, -np.expm1(-_LN2 * ez)

    def cell_probabilities(self, q: F64) -> F64:
        s = q.shape[0]
        p = q[:, 0]
        for j in range(1, self.k):
            p = (p[:, :, None] * q[:, j][:, None, :]).reshape(s, -1)
        return p

    def soft_counts(self, theta: F64) -> F64:
        """Expected number of training samples of each class in each cell, (cells, classes)."""
        _, _, _, p = self.switch_probabilities(theta)
        cells = self.cell_probabilities(_poisson_binomial(p))
        onehot = np.eye(self.n_classes)[self.y]
        return cells.T @ onehot

    def loss(self, theta: F64) -> tuple[float, F64]:
        k, n = self.k, self.n
        s_count = len(self.y)
        i, _, ez, p = self.switch_probabilities(theta)
        q = _poisson_binomial(p)  # (S, K, N+1)
        cells = self.cell_probabilities(q)
        right = (self.lut[None, :] == self.y[:, None]).astype(np.float64)  # (S, C)
        a = np.einsum("sc,sc->s", cells, right)
        eps = 1e-12
        value = -float(np.mean(np.log(a + eps)))
        over = np.maximum(i - self.hi, 0.0)
        under = np.maximum(self.lo - i, 0.0)
        value += self.penalty * float(np.sum(over**2 + under**2)) / s_count / self._scale
        w = theta[:k * self.f]
        value += self.weight_decay * float(w @ w) / self._scale
        d_a = -1.0 / (s_count * (a + eps))
        right_t = right.reshape((s_count,) + (n + 1,) * k)
        letters = "abcdefghijklmnop"[:k]
        d_q = np.empty_like(q)
        for j in range(k):
            ops: list[F64] = [right_t]
            subs = ["z" + letters]
            for jj in range(k):
                if jj != j:
                    ops.append(q[:, jj])
                    subs.append("z" + letters[jj])
            d_q[:, j] = np.einsum(",".join(subs) + "->z" + letters[j], *ops) * d_a[:, None]
        d_p = _poisson_binomial_grad(p, d_q)
        dp_dz = _LN2 * ez * np.exp(-_LN2 * ez)
        d_z = d_p * dp_dz / (self.s * self.smoothing)
        d_i = d_z.sum(axis=2) + self.penalty * 2.0 * (over - under) / s_count / self._scale
        grad = np.concatenate([(d_i.T @ self.x).ravel() + 2.0 * self.weight_decay * w / self._scale,
                               d_i.sum(axis=0), d_z.sum(axis=0).ravel()])
        return value, grad


def _cell_index(counts: I64, n: int) -> I64:
    idx = np.zeros(counts.shape[0], dtype=np.int64)
    for j in range(counts.shape[1]):
        idx = idx * (n + 1) + counts[:, j]
    return idx


def _cell_counts(n: int, k: int) -> I64:
    grid = np.indices((n + 1,) * k).reshape(k, -1).T
    return grid.astype(np.int64)


def _assign_lut(soft: F64, n: int, k: int, mode: str = "many") -> I64:
    """Lookup table from the expected class counts per cell ``soft`` (cells, classes).

    ``"many"``: every cell gets its majority class (a class may own several cells); a class
    that is nowhere the majority then takes, among the cells of classes owning several, the one
    where it has most samples, so that every class can be predicted. ``"one"``:
    every class owns exactly one cell (assignment maximising ``Σ log`` of the counts, as the
    paper's one configuration per vowel). Cells left over take the class of the nearest owned
    cell (L1 distance in configuration space, ties to the larger count).
    """
    from scipy.optimize import linear_sum_assignment

    if mode == "one":
        classes, cells = linear_sum_assignment(-np.log(soft.T + 1e-9))
        lut = np.zeros(soft.shape[0], dtype=np.int64)
        lut[cells] = classes
        mass = np.zeros(soft.shape[0])
        mass[cells] = soft[cells, classes] + 1.0
    else:
        lut = soft.argmax(axis=1)
        mass = soft.sum(axis=1)
        # every class owns at least one configuration: a class that is nowhere the majority
        # takes the cell where it has most samples among those of classes owning several
        for cls in np.argsort(-soft.sum(axis=0)):
            if np.any(lut[mass > 1e-9] == cls):
                continue
            owners = np.bincount(lut[mass > 1e-9], minlength=soft.shape[1])
            spare = (mass > 1e-9) & (owners[lut] > 1)
            if not spare.any():
                spare = (mass <= 1e-9)
                if not spare.any():
                    continue
            cell = np.flatnonzero(spare)[np.argmax(soft[spare, cls])]
            lut[cell] = cls
            mass[cell] = max(mass[cell], 1e-6)
    filled = mass > 1e-9
    if not filled.any():
        return lut
    grid = _cell_counts(n, k)
    dist = np.abs(grid[:, None, :] - grid[None, filled, :]).sum(axis=2)
    # nearest filled cell, ties broken by the larger mass
    score = dist - 1e-6 * mass[filled][None, :] / (mass.max() + 1e-300)
    nearest = np.flatnonzero(filled)[score.argmin(axis=1)]
    return np.where(filled, lut, lut[nearest])


def _fisher_directions(x: F64, y: I64, n_classes: int) -> F64:
    """Fisher discriminant directions (columns), most discriminative first."""
    from scipy.linalg import eigh

    mu = x.mean(axis=0)
    sw = np.zeros((x.shape[1], x.shape[1]))
    sb = np.zeros_like(sw)
    for k in range(n_classes):
        xk = x[y == k]
        d = xk - xk.mean(axis=0)
        sw += d.T @ d
        e = (xk.mean(axis=0) - mu)[:, None]
        sb += len(xk) * (e @ e.T)
    sw += 1e-6 * np.trace(sw) / len(sw) * np.eye(len(sw))
    _, vec = eigh(sb, sw)
    return vec[:, ::-1]


def _mlp_directions(x: F64, y: I64, n_classes: int, k: int, rng: np.random.Generator,
                    steps: int = 3000, lr: float = 0.02) -> F64:
    """Input weights (columns) of a ``F → k (tanh) → classes`` perceptron trained by full-batch
    Adam for ``steps`` steps: ``k`` discriminative linear projections of the features."""
    f = x.shape[1]
    onehot = np.eye(n_classes)[y]
    params = [rng.normal(0.0, 1.0 / np.sqrt(f), (f, k)), np.zeros(k),
              rng.normal(0.0, 1.0 / np.sqrt(k), (k, n_classes)), np.zeros(n_classes)]
    m1 = [np.zeros_like(p) for p in params]
    m2 = [np.zeros_like(p) for p in params]
    for t in range(1, steps + 1):
        a = np.tanh(x @ params[0] + params[1])
        z = a @ params[2] + params[3]
        z -= z.max(axis=1, keepdims=True)
        prob = np.exp(z)
        prob /= prob.sum(axis=1, keepdims=True)
        dz = (prob - onehot) / len(x)
        da = dz @ params[2].T * (1.0 - a * a)
        for p, g, u, v in zip(params, (x.T @ da, da.sum(axis=0), a.T @ dz, dz.sum(axis=0)),
                              m1, m2, strict=True):
            u *= 0.9
            u += 0.1 * g
            v *= 0.999
            v += 0.001 * g * g
            p -= lr * (u / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
    return params[0]


# ------------------------------------------------------------------------------------------
# the estimator
# ------------------------------------------------------------------------------------------
@dataclass
class TrainingHistory:
    """What :meth:`ChainClassifier.fit` did (currents in A, rates in [0, 1]).

    ``surrogate_loss`` holds one value per smoothing stage; ``controls`` the control currents
    ``(K, N)`` before the real-time rule and after each of its steps; ``steps``, ``rate_train``
    and ``rate_test`` the recognition rates measured on the simulated chain every
    ``eval_every`` steps (``rate_test`` is empty without ``eval_set``).
    """

    __repr__ = short_repr

    surrogate_loss: list[float] = field(default_factory=list)
    surrogate_rate_train: float = float("nan")
    controls: list[F64] = field(default_factory=list)
    steps: list[int] = field(default_factory=list)
    rate_train: list[float] = field(default_factory=list)
    rate_test: list[float] = field(default_factory=list)


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) < 1:
        raise NetlistError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


class ChainClassifier:
    """Classifier of ``n_junctions`` series STT-MTJs read with ``n_inputs`` input currents.

    Parameters
    ----------
    n_junctions : int
        Junctions ``N`` in the chain (the paper: 3).
    n_inputs : int
        Input currents ``K`` per sample, applied one after the other (the paper: 2).
    cards : sequence of mappings, optional
        ``mtj_field`` card parameters of the ``N`` junctions; default :func:`lopez2024_cards`
        (the three calibrated junctions of the paper for ``N = 3``, else devices drawn with the
        generic card's spread from ``device_seed``).
    device_seed : int
        Seed of the device-to-device spread when ``cards`` is not given.
    input_range : (float, float)
        Window [A] the trained input currents of the training samples are kept in.
    control_init : float
        Control current [A] the paper starts from (−500 µA, Fig. 1(c), 2(a)); used by the
        real-time rule when ``realtime_start="initial"`` and to clip the surrogate's start.
    smoothing : sequence of float
        Factors multiplying the junctions' switching widths in the successive surrogate stages
        (continuation from a smooth to the device's own statistics; > 1 trains a margin).
    lut : {"many", "one"}
        Lookup table: a class may own several configurations (majority of the training samples
        per cell), or exactly one (the paper's one configuration per vowel).
    weight_decay : float
        L2 penalty on the encoding coefficients (of the standardised features), relative to the
        squared mean switching width.
    restarts : int
        Random starts of the surrogate (Fisher directions rotated at random); the lowest final
        surrogate loss wins.
    max_iter : int
        L-BFGS-B iterations per lookup-table round of each stage.
    realtime_steps : int
        Steps of the ±``realtime_rate`` rule on the simulated chain after the surrogate.
    realtime_rate : float
        Control-current step of the real-time rule [A] (the paper: 10 µA).
    realtime_start : {"trained", "initial"}
        Start the rule from the surrogate's control currents, or from ``control_init`` (the
        paper's Fig. 2: the encoding is fixed and the controls learnt from −500 µA).
    eval_every : int
        The recognition rates are measured on the simulated chain every ``eval_every`` steps.
    t_dwell, t_reset, t_rise : float
        Input duration, reset duration and source transition time [s].
    seed : int
        Seed of everything random in ``fit`` and of the default prediction draw.
    progress : bool
        Show progress bars (tqdm).
    """

    def __init__(self, n_junctions: int = 3, n_inputs: int = 2, *,
                 cards: Sequence[Mapping[str, float]] | None = None, device_seed: int = 0,
                 input_range: tuple[float, float] = (0.0, 1.2e-3), control_init: float = -500e-6,
                 smoothing: Sequence[float] = (8.0, 4.0, 2.0), lut: str = "many",
                 weight_decay: float = 0.0, init: str = "fisher", restarts: int = 4,
                 max_iter: int = 300, realtime_steps: int = 40, realtime_rate: float = 10e-6,
                 realtime_start: str = "trained", eval_every: int = 10,
                 t_dwell: float = T_DWELL, t_reset: float = T_RESET, t_rise: float = T_RISE,
                 seed: int = 0, progress: bool = False) -> None:
        self.n_junctions = n_junctions
        self.n_inputs = n_inputs
        self.cards = cards
        self.device_seed = device_seed
        self.input_range = input_range
        self.control_init = control_init
        self.smoothing = smoothing
        self.lut = lut
        self.weight_decay = weight_decay
        self.init = init
        self.restarts = restarts
        self.max_iter = max_iter
        self.realtime_steps = realtime_steps
        self.realtime_rate = realtime_rate
        self.realtime_start = realtime_start
        self.eval_every = eval_every
        self.t_dwell = t_dwell
        self.t_reset = t_reset
        self.t_rise = t_rise
        self.seed = seed
        self.progress = progress

    # ---- scikit-learn protocol ------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Constructor parameters (scikit-learn protocol)."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {p: getattr(self, p) for p in names}

    def set_params(self, **params: Any) -> ChainClassifier:
        """Set constructor parameters (scikit-learn protocol)."""
        valid = self.get_params()
        for key, value in params.items():
            if key not in valid:
                raise NetlistError(f"unknown ChainClassifier parameter '{key}'; known: "
                                   f"{', '.join(valid)}")
            setattr(self, key, value)
        return self

    def __repr__(self) -> str:
        return (f"ChainClassifier(n_junctions={self.n_junctions}, n_inputs={self.n_inputs}, "
                f"seed={self.seed})")

    # ---- validation ----------------------------------------------------------------------
    def _check_params(self) -> None:
        _positive_int(self.n_junctions, "n_junctions")
        _positive_int(self.n_inputs, "n_inputs")
        _positive_int(self.restarts, "restarts")
        _positive_int(self.max_iter, "max_iter")
        _positive_int(self.eval_every, "eval_every")
        if isinstance(self.realtime_steps, bool) or not isinstance(self.realtime_steps, (int, np.integer)) \
                or self.realtime_steps < 0:
            raise NetlistError(f"realtime_steps must be an integer ≥ 0, got {self.realtime_steps!r}")
        cells = (self.n_junctions + 1) ** self.n_inputs
        if cells > _MAX_CELLS:
            raise NetlistError(f"(n_junctions + 1)^n_inputs = {cells} switching configurations; "
                               f"at most {_MAX_CELLS} are supported")
        lo, hi = (float(v) for v in self.input_range)
        if not (np.isfinite(lo) and np.isfinite(hi) and hi > lo):
            raise NetlistError(f"input_range must be (low, high) with low < high [A], got {self.input_range!r}")
        smooth = np.asarray(self.smoothing, dtype=np.float64)
        if smooth.ndim != 1 or len(smooth) == 0 or not np.all(np.isfinite(smooth)) or np.any(smooth <= 0):
            raise NetlistError(f"smoothing must be a non-empty sequence of positive factors, got {self.smoothing!r}")
        if self.init not in ("fisher", "mlp"):
            raise NetlistError(f"init must be 'fisher' or 'mlp', got {self.init!r}")
        if self.lut not in ("many", "one"):
            raise NetlistError(f"lut must be 'many' or 'one', got {self.lut!r}")
        if not (isinstance(self.weight_decay, (int, float)) and np.isfinite(self.weight_decay)
                and self.weight_decay >= 0):
            raise NetlistError(f"weight_decay must be a number ≥ 0, got {self.weight_decay!r}")
        if self.realtime_start not in ("trained", "initial"):
            raise NetlistError(f"realtime_start must be 'trained' or 'initial', got {self.realtime_start!r}")
        for name in ("t_dwell", "t_reset", "t_rise", "realtime_rate"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and np.isfinite(v) and v > 0):
                raise NetlistError(f"{name} must be a positive number, got {v!r}")
        if self.t_rise >= min(self.t_dwell, self.t_reset):
            raise NetlistError("t_rise must be shorter than t_dwell and t_reset")

    @staticmethod
    def _check_x(x: npt.ArrayLike, what: str = "X", n_features: int | None = None) -> F64:
        try:
            arr = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError):
            raise DataError(f"{what} must be a numeric array (samples, features)") from None
        if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
            raise DataError(f"{what} must be a non-empty 2-D array (samples, features), got shape {arr.shape}")
        bad = ~np.isfinite(arr)
        if bad.any():
            r, c = np.argwhere(bad)[0]
            raise DataError(f"{what} has {int(bad.sum())} non-finite value(s) (NaN or inf), first at "
                            f"sample {r}, feature {c}; remove or impute them before classifying")
        if n_features is not None and arr.shape[1] != n_features:
            raise DataError(f"{what} has {arr.shape[1]} features, the classifier was fitted with {n_features}")
        return arr

    def _check_fitted(self) -> None:
        if not hasattr(self, "controls_"):
            raise DataError("this ChainClassifier is not fitted yet; call fit(X, y) first")

    def _encode_labels(self, y: npt.ArrayLike, n: int, what: str = "y") -> I64:
        arr = np.asarray(y)
        if arr.ndim != 1 or len(arr) != n:
            raise DataError(f"{what} must be 1-D with one label per sample ({n}), got shape {arr.shape}")
        lookup = {c: k for k, c in enumerate(self.classes_.tolist())}
        out = np.empty(n, dtype=np.int64)
        for s, label in enumerate(arr.tolist()):
            if label not in lookup:
                raise DataError(f"{what}[{s}] = {label!r} is not a class seen in fit; known: "
                                f"{', '.join(map(str, self.classes_.tolist()))}")
            out[s] = lookup[label]
        return out

    # ---- fit -----------------------------------------------------------------------------
    def fit(self, X: npt.ArrayLike, y: npt.ArrayLike, *,
            eval_set: tuple[npt.ArrayLike, npt.ArrayLike] | None = None) -> ChainClassifier:
        """Train the encoding coefficients and control currents (see the module docstring).

        Parameters
        ----------
        X : array (S, F)
            Features (e.g. formants in Hz).
        y : array (S,)
            Class labels (any hashable values).
        eval_set : (X_test, y_test), optional
            Also measure the recognition rate of these samples during the real-time rule.

        Raises
        ------
        DataError
            Non-finite features, labels not matching the samples, fewer than 2 classes or than
            2 samples of a class, more classes than switching configurations.
        """
        self._check_params()
        x = self._check_x(X)
        y_arr = np.asarray(y)
        if y_arr.ndim != 1 or len(y_arr) != len(x):
            raise DataError(f"y must be 1-D with one label per sample ({len(x)}), got shape {y_arr.shape}")
        try:
            classes, y_idx = np.unique(y_arr, return_inverse=True)
        except TypeError:
            raise DataError("y labels must be comparable values (numbers or strings)") from None
        counts = np.bincount(y_idx, minlength=len(classes))
        if len(classes) < 2:
            raise DataError(f"y needs at least 2 classes, got {len(classes)}")
        if counts.min() < _MIN_PER_CLASS:
            few = [f"{classes[k].item()!r} ({counts[k]})" for k in np.flatnonzero(counts < _MIN_PER_CLASS)]
            raise DataError(f"too few samples per class: {', '.join(few)}; every class needs at least "
                            f"{_MIN_PER_CLASS}")
        n, k = int(self.n_junctions), int(self.n_inputs)
        if (n + 1) ** k < len(classes):
            raise DataError(f"{len(classes)} classes need at least {len(classes)} switching configurations; "
                            f"a chain of {n} junctions read with {k} input(s) has (N + 1)^K = {(n + 1) ** k}")
        self.classes_ = classes
        self.n_features_in_ = x.shape[1]
        test: tuple[F64, I64] | None = None
        if eval_set is not None:
            xt = self._check_x(eval_set[0], "eval_set X", x.shape[1])
            test = (xt, self._encode_labels(eval_set[1], len(xt), "eval_set y"))

        cards = list(self.cards) if self.cards is not None else lopez2024_cards(n, seed=self.device_seed)
        if len(cards) != n:
            raise NetlistError(f"cards: {len(cards)} junction cards given for n_junctions = {n}")
        self.cards_ = [_full_card(c) for c in cards]
        self.statistics_ = junction_statistics(self.cards_, t_dwell=self.t_dwell, t_reset=self.t_reset)
        hi = float(self.input_range[1])
        st = self.statistics_
        if np.any(hi + st.control_max > st.current_max):
            j = int(np.argmax(hi + st.control_max - st.current_max))
            raise NetlistError(f"input_range top {hi * 1e6:.4g} µA would put junction {j + 1} above "
                               f"0.9 V_B even with its weakest control; use at most "
                               f"{(st.current_max[j] - st.control_max[j]) * 1e6:.4g} µA")
        seq = np.random.SeedSequence(self.seed)
        init_seq, rule_seq = seq.spawn(2)
        self._mu = x.mean(axis=0)
        self._sd = np.where(x.std(axis=0) > 0, x.std(axis=0), 1.0)
        xs = (x - self._mu) / self._sd
        self.history_ = TrainingHistory()
        theta, lut = self._fit_surrogate(xs, y_idx, np.random.default_rng(init_seq))
        w, b, c = self._surrogate.unpack(theta)
        self.coef_ = w / self._sd * _UA
        self.intercept_ = (b - (w / self._sd) @ self._mu) * _UA
        self.lut_ = lut
        self.surrogate_controls_ = c * _UA
        self.controls_ = self.surrogate_controls_.copy()
        self._realtime(x, y_idx, test, np.random.default_rng(rule_seq))
        return self

    def _fit_surrogate(self, xs: F64, y: I64, rng: np.random.Generator) -> tuple[F64, I64]:
        n, k = int(self.n_junctions), int(self.n_inputs)
        n_classes = len(self.classes_)
        st = self.statistics_
        lo, hi = (float(v) / _UA for v in self.input_range)
        sur = _Surrogate(xs, y, st, k, n_classes, (float(self.input_range[0]), float(self.input_range[1])),
                         weight_decay=float(self.weight_decay))
        self._surrogate = sur
        directions = _fisher_directions(xs, y, n_classes)[:, :min(xs.shape[1], k + 2)]
        bounds = ([(None, None)] * (k * xs.shape[1] + k)
                  + [(float(st.control_min[i] / _UA), float(st.control_max[i] / _UA))
                     for _ in range(k) for i in range(n)])
        best: tuple[float, F64, I64] | None = None
        smoothing = [float(v) for v in self.smoothing]
        runs = range(int(self.restarts))
        if self.progress:
            from tqdm import tqdm

            runs = tqdm(runs, desc="surrogate restarts", leave=False)
        for r in runs:
            if r == 0 and self.init == "mlp":
                basis = _mlp_directions(xs, y, n_classes, k, rng)
            elif r == 0 or directions.shape[1] <= k:
                basis = directions[:, :k]
            else:
                rot = np.linalg.qr(rng.standard_normal((directions.shape[1], k)))[0]
                basis = directions @ rot
            proj = xs @ basis
            p_lo, p_hi = np.percentile(proj, 2, axis=0), np.percentile(proj, 98, axis=0)
            gain = 0.8 * (hi - lo) / np.maximum(p_hi - p_lo, 1e-12)
            w = (basis * gain).T
            b = lo + 0.1 * (hi - lo) - p_lo * gain
            inputs = xs @ w.T + b
            c = np.empty((k, n))
            for j in range(k):
                q = np.percentile(inputs[:, j], np.linspace(0, 100, n + 2)[1:-1])
                c[j] = np.clip(st.i50 / _UA - q[rng.permutation(n)],
                               st.control_min / _UA, st.control_max / _UA)
            theta = np.concatenate([w.ravel(), b, c.ravel()])
            losses = []
            for factor in smoothing:
                sur.smoothing = factor
                for _ in range(3):
                    lut = _assign_lut(sur.soft_counts(theta), n, k, self.lut)
                    if np.array_equal(lut, sur.lut) and _ > 0:
                        break
                    sur.lut = lut
                    res = minimize(sur.loss, theta, jac=True, method="L-BFGS-B", bounds=bounds,
                                   options={"maxiter": int(self.max_iter)})
                    theta = res.x
                losses.append(float(sur.loss(theta)[0]))
            sur.lut = _assign_lut(sur.soft_counts(theta), n, k, self.lut)
            final = float(sur.loss(theta)[0])
            if best is None or final < best[0]:
                best = (final, theta.copy(), sur.lut.copy())
                self.history_.surrogate_loss = losses
        assert best is not None
        sur.lut = best[2]
        sur.smoothing = smoothing[-1]
        self.history_.surrogate_rate_train = float(np.mean(self._software_cells_to_class(
            sur.inputs(best[1]) * _UA, sur.unpack(best[1])[2] * _UA, best[2]) == y))
        return best[1], best[2]

    # ---- readout -------------------------------------------------------------------------
    def _software_cells_to_class(self, currents: F64, controls: F64, lut: I64) -> I64:
        st = self.statistics_
        counts = ((currents[:, :, None] + controls[None] - st.i50) > 0).sum(axis=2)
        return lut[_cell_index(counts, int(self.n_junctions))]

    def _target_counts(self) -> list[I64]:
        n, k = int(self.n_junctions), int(self.n_inputs)
        grid = _cell_counts(n, k)
        return [grid[self.lut_ == cls] for cls in range(len(self.classes_))]

    def _realtime(self, x: F64, y: I64, test: tuple[F64, I64] | None,
                  rng: np.random.Generator) -> None:
        hist = self.history_
        n = int(self.n_junctions)
        st = self.statistics_
        if self.realtime_start == "initial":
            self.controls_ = np.clip(np.full_like(self.controls_, float(self.control_init)),
                                     st.control_min, st.control_max)
        hist.controls = [self.controls_.copy()]
        steps = int(self.realtime_steps)
        currents = self.transform(x)
        test_currents = None if test is None else self.transform(test[0])

        def evaluate(step: int) -> None:
            seed = int(rng.integers(2**31))
            hist.steps.append(step)
            hist.rate_train.append(float(np.mean(self._predict_index(currents, seed) == y)))
            if test is not None and test_currents is not None:
                hist.rate_test.append(float(np.mean(self._predict_index(test_currents, seed + 1) == test[1])))

        evaluate(0)
        targets = self._target_counts()
        by_class = [np.flatnonzero(y == cls) for cls in range(len(self.classes_))]
        iterator = range(1, steps + 1)
        if self.progress and steps:
            from tqdm import tqdm

            iterator = tqdm(iterator, desc="real-time rule", leave=False)
        for step in iterator:
            pick = np.array([rng.choice(ix) for ix in by_class])
            seed = int(rng.integers(2**31))
            states = simulate_chain(currents[pick], self.controls_, self.cards_, seed=seed,
                                    t_dwell=self.t_dwell, t_reset=self.t_reset, t_rise=self.t_rise)
            votes = np.zeros_like(self.controls_)
            est = st.i50[None, :] - self.controls_  # estimated input thresholds (K, N)
            for s, sample in enumerate(pick):
                switched = states[s].astype(bool)  # (K, N)
                counts = switched.sum(axis=1)
                cls = y[sample]
                if self.lut_[_cell_index(counts[None, :], n)][0] == cls:
                    continue
                cand = targets[cls]
                if len(cand) == 0:  # the lookup table has no configuration for this class
                    continue
                target = cand[np.abs(cand - counts).sum(axis=1).argmin()]
                for j in range(len(counts)):
                    need = int(target[j]) - int(counts[j])
                    if need > 0:
                        idx = np.flatnonzero(~switched[j])
                        votes[j, idx[np.argsort(est[j, idx])][:need]] += 1
                    elif need < 0:
                        idx = np.flatnonzero(switched[j])
                        votes[j, idx[np.argsort(-est[j, idx])][:-need]] -= 1
            self.controls_ = np.clip(self.controls_ + float(self.realtime_rate) * np.sign(votes),
                                     st.control_min, st.control_max)
            hist.controls.append(self.controls_.copy())
            if step % int(self.eval_every) == 0 or step == steps:
                evaluate(step)

    # ---- public readout ------------------------------------------------------------------
    def transform(self, X: npt.ArrayLike) -> F64:
        """Input currents ``I_j = Σ_f a_jf x_f + a_j0`` of the samples, array (S, K) [A]."""
        self._check_fitted()
        x = self._check_x(X, n_features=self.n_features_in_)
        return x @ self.coef_.T + self.intercept_

    @property
    def thresholds_(self) -> F64:
        """Input current at which each junction switches with probability 1/2, (K, N) [A]."""
        self._check_fitted()
        return self.statistics_.i50[None, :] - self.controls_

    @property
    def n_parameters_(self) -> int:
        """Trained continuous parameters: ``K·(F + 1)`` coefficients + ``N·K`` controls."""
        self._check_fitted()
        k = int(self.n_inputs)
        return k * (self.n_features_in_ + 1) + k * int(self.n_junctions)

    def _default_seed(self, seed: int | None) -> int:
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
                raise NetlistError(f"seed must be an integer, got {seed!r}")
            return int(seed)
        return int(np.random.SeedSequence([int(self.seed), 7]).generate_state(1)[0])

    def _predict_index(self, currents: F64, seed: int, controls: F64 | None = None) -> I64:
        ctl = self.controls_ if controls is None else controls
        states = simulate_chain(currents, ctl, self.cards_, seed=seed,
                                t_dwell=self.t_dwell, t_reset=self.t_reset, t_rise=self.t_rise)
        counts = states.sum(axis=2).astype(np.int64)
        return self.lut_[_cell_index(counts, int(self.n_junctions))]

    def configurations(self, X: npt.ArrayLike, *, seed: int | None = None) -> I64:
        """Switching configuration ``(n_1 … n_K)`` of each sample on the simulated chain, (S, K)."""
        currents = self.transform(X)
        states = simulate_chain(currents, self.controls_, self.cards_, seed=self._default_seed(seed),
                                t_dwell=self.t_dwell, t_reset=self.t_reset, t_rise=self.t_rise)
        return states.sum(axis=2).astype(np.int64)

    def predict(self, X: npt.ArrayLike, *, seed: int | None = None) -> npt.NDArray[Any]:
        """Class of each sample, read from the simulated chain (one xbar transient).

        ``seed`` selects the draw of the stochastic switching (default: fixed by the
        classifier's ``seed``, so repeated calls agree).
        """
        currents = self.transform(X)
        return self.classes_[self._predict_index(currents, self._default_seed(seed))]

    def predict_software(self, X: npt.ArrayLike) -> npt.NDArray[Any]:
        """Class of each sample from the 50 % thresholds (noise-free software readout)."""
        currents = self.transform(X)
        return self.classes_[self._software_cells_to_class(currents, self.controls_, self.lut_)]

    def predict_proba(self, X: npt.ArrayLike) -> F64:
        """Class probabilities of the switching statistics (surrogate, no simulation), (S, classes)."""
        currents = self.transform(X)
        p = self.statistics_.probability(currents[:, :, None] + self.controls_[None])
        q = _poisson_binomial(p)
        s = q.shape[0]
        cells = q[:, 0]
        for j in range(1, q.shape[1]):
            cells = (cells[:, :, None] * q[:, j][:, None, :]).reshape(s, -1)
        return cells @ np.eye(len(self.classes_))[self.lut_]

    def score(self, X: npt.ArrayLike, y: npt.ArrayLike, *, seed: int | None = None,
              controls: npt.ArrayLike | None = None) -> float:
        """Recognition rate of the simulated chain on ``(X, y)`` (with the trained control
        currents, or ``controls`` (K, N) [A], e.g. ``surrogate_controls_``)."""
        self._check_fitted()
        x = self._check_x(X, n_features=self.n_features_in_)
        y_idx = self._encode_labels(y, len(x))
        ctl = None
        if controls is not None:
            ctl = np.asarray(controls, dtype=np.float64)
            if ctl.shape != self.controls_.shape:
                raise DataError(f"controls must have shape {self.controls_.shape}, got {ctl.shape}")
        pred = self._predict_index(x @ self.coef_.T + self.intercept_, self._default_seed(seed), ctl)
        return float(np.mean(pred == y_idx))

    def switching_map(self, grid: Sequence[npt.ArrayLike], *, controls: npt.ArrayLike | None = None,
                      seed: int | None = None) -> I64:
        """Simulated configurations on a grid of input currents (Fig. 1(c), 2(a–d)).

        Parameters
        ----------
        grid : K sequences of float
            Input currents [A] per input; the map is their Cartesian product.
        controls : array (K, N), optional
            Control currents (default the trained ones), e.g. ``history_.controls[step]``.

        Returns
        -------
        array of int (len(grid[K-1]), …, len(grid[0]), K)
            ``n_j`` at every grid point (axis order as ``numpy.meshgrid(..., indexing="xy")`` for K = 2).
        """
        self._check_fitted()
        k = int(self.n_inputs)
        if len(grid) != k:
            raise DataError(f"switching_map needs {k} grids (one per input), got {len(grid)}")
        axes = [np.asarray(g, dtype=np.float64).ravel() for g in grid]
        mesh = np.meshgrid(*axes, indexing="xy") if k == 2 else np.meshgrid(*axes, indexing="ij")
        pts = np.stack([m.ravel() for m in mesh], axis=1)
        ctl = self.controls_ if controls is None else np.asarray(controls, dtype=np.float64)
        states = simulate_chain(pts, ctl, self.cards_, seed=self._default_seed(seed),
                                t_dwell=self.t_dwell, t_reset=self.t_reset, t_rise=self.t_rise)
        return states.sum(axis=2).astype(np.int64).reshape(*mesh[0].shape, k)

