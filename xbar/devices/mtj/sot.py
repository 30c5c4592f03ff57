"""Compound SOT-MTJ of Kumar et al. (2024) (``.model <name> sotmtj``): n cells on one channel.

Element: ``Y<name> w1 w2 t <model> [ncell=n] [tf=…] [tf1=… tf6=…] [state=mask] [ha=…]``.
``w1``/``w2`` are the ends of the Ta/Pt write channel, ``t`` the common top (read) electrode
of the ``n`` MTJ cells (wire-bonded together in the paper, so the cells are read in
parallel and give ``n + 1`` resistance levels).

Network (one instance, ``n = ncell`` internal nodes ``<name>#0 … <name>#(n-1)``)::

    w1 --R_end-- x1 --R_in-- x2 -- … -- xn --R_end-- w2
                 |            |          |
               MTJ1         MTJ2       MTJn          (each MTJ from x_k to t)
                 |            |          |
    t ----------------------------------------

* Channel: ``R_end = rlead + rsheet·lend/wch``, ``R_in = rsheet·pitch/wch``, so
  ``R_ch(n) = 2·rlead + rsheet·(2·lend + (n−1)·pitch)/wch``; with the card defaults every
  segment is 150 Ω and ``R_ch = 300, 450, 600 Ω`` for ``n = 1, 2, 3`` (paper: ≈300 Ω for one
  cell, ≈600 Ω for three). The channel is a linear stamp; the voltage drop along it is
  simulated, so cell ``k`` sees its own channel potential ``V(x_k)`` and barrier voltage
  ``V(t) − V(x_k)``.
* MTJ cell ``k``: P conductance ``1/R_P``, AP conductance with the Lorentzian TMR roll-off of
  :func:`~xbar.devices.mtj.physics.ap_conductance` (exact Jacobian ``G + V dG/dV``).
  ``R_P(t_F)`` is a dome and ``TMR(t_F) = tmr_a + tmr_b·exp((t_F − tref)/tmr_l)`` (Fig. 3f),
  unless the card overrides them with ``rp``/``tmr0``.
* SOT switching (per accepted time step, per cell): the channel current under cell ``k``
  (mean of its two adjacent segment currents) against the critical current of the paper's
  eq. (1), ``I_c = k·M_s·(H_c t + M_s t − K_s)·w·t_HM`` with ``k = (2e/ħ)·α·μ0/θ_SH`` and the
  assist field entering as ``H_c → H_c − s·H_a``. Positive channel current (``w1 → w2``)
  drives P→AP, negative AP→P; a positive field ``ha`` favours AP, a negative one P (paper
  Sec. D: negative V with negative field gives AP→P). The field lowers (or, when it opposes
  the target, raises) the thermal barrier: ``Δ_eff = Δ0·(1 − s·μ0H_a/μ0H_K)²``.
  ``Δ0 = M_s·μ0H_K·A·t_F/(2 k_B T)`` with ``μ0H_K`` solved from the device coercivity by
  Sharrock's law ``H_c = H_K (1 − sqrt(ln(tmeas/τ0)/Δ0))``. The switching rate is Néel–Brown
  ``exp(−Δ_eff (1 − I/I_c)^β)/τ0`` below ``I_c`` and the larger of that and Sun's
  precessional rate above (:func:`~xbar.devices.mtj.physics.hazard_rate`); each cell flips
  when its rate, integrated over the accepted steps (trapezoidal mean per step), reaches an
  exponential threshold drawn from the group's seeded generator
  (:mod:`~xbar.devices.mtj.hazard`), so neither the statistics nor a seeded run's events
  depend on the time steps.
* Breakdown: after every converged point every cell with ``|V(t) − V(x_k)| > V_B`` (per cell;
  ``V_B(t_F)`` from Fig. 4h) records ``{"kind": "breakdown", "time", "device", "cell",
  "voltage", "vb"}`` and warns; with ``bdshort=1`` its barrier becomes an ``rbd`` resistor.
* Variation: per-cell draws (once, seeded) of ``t_F`` (``tf_sigma``, m), ``R_P``
  (``rp_sigma``), TMR (``tmr_sigma``), coercivity (``hc_sigma``), critical current
  (``ic_sigma``) (relative) and ``V_B`` (``vb_sigma``, V).

Instance ``state`` is a bit mask: bit ``k−1`` set means cell ``k`` starts AP (``state=7``: all
three cells AP). Results: ``@y1[state]`` (mask), ``@y1[nap]`` (number of AP cells),
``@y1[r]`` (parallel MTJ resistance at the present bias, Ω), ``@y1[it]`` (current into ``t``), ``@y1[broken]`` (number of broken barriers) and per cell
``@y1[s<k>]``, ``@y1[v<k>]`` (barrier voltage), ``@y1[ich<k>]`` (channel current under the cell).

References
----------
.. [1] A. Kumar et al., "Bimodal alteration of cognitive accuracy for spintronic artificial
   neural networks", Nanoscale Horiz. 9, 1522 (2024), DOI 10.1039/d4nh00097h: eq. (1),
   Figs. 2, 3f, 4c, 4g, 4h and Methods.
.. [2] M. P. Sharrock, IEEE Trans. Magn. 26, 193 (1990) (coercivity vs. sweep time).
.. [3] R. H. Koch, J. A. Katine, J. Z. Sun, PRL 92, 088302 (2004); J. Z. Sun, PRB 62, 570 (2000).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from xbar.devices.base import F64, I64, LoadContext, two_terminal_stamp
from xbar.devices.mtj.hazard import HazardClock
from xbar.devices.mtj.physics import (
    E_CHARGE,
    K_B,
    barrier_conductance,
    hazard_rate,
)
from xbar.devices.params import BoundCard, Param
from xbar.devices.registry import YDevice, register
from xbar.errors import ModelCardError

__all__ = [
    "MAX_TF",
    "SOT_CARD",
    "SOT_INSTANCE",
    "CellValues",
    "SotMtj",
    "anisotropy_field",
    "cell_values",
    "channel_segments",
    "critical_current",
    "fit_eq1",
    "load_lib",
    "read_conductance",
    "read_lib",
    "sot_rate",
    "threshold_current",
]

HBAR = 1.054571817e-34
MU0 = 1.25663706212e-6
T_DEV = 300.15
"""Device temperature [K] (27 °C) at which Δ is evaluated."""
MAX_TF = 6
"""Cells that can be given their own thickness (``tf1`` … ``tf6``)."""

_KUMAR = "Kumar 2024"
SOT_CARD: tuple[Param, ...] = (
    Param("rsheet", 112.5, "Ω/□", 0.01, 1e5, "channel sheet resistance (incl. contact spreading)",
          f"fitted: R_ch ≈ 300 Ω (n=1), ≈ 600 Ω (n=3), {_KUMAR} Sec. D"),
    Param("rlead", 93.75, "Ω", 0.0, 1e6, "lead/contact resistance at each channel end",
          f"fitted with rsheet, {_KUMAR} Sec. D"),
    Param("wch", 0.9e-6, "m", 1e-9, 1e-3, "channel width", f"{_KUMAR} Fig. 2d"),
    Param("tch", 14e-9, "m", 1e-10, 1e-6, "channel thickness Ta(4)/Pt(10)", f"{_KUMAR} Methods"),
    Param("lend", 0.45e-6, "m", 0.0, 1e-3, "channel length from an end to the nearest cell centre",
          f"{_KUMAR} Fig. 2d: 0.9 µm long 1-cell channel, cell centred"),
    Param("pitch", 1.2e-6, "m", 1e-9, 1e-3, "cell spacing along the channel", f"{_KUMAR} Fig. 2d,e"),
    Param("area", math.pi / 4 * 250e-9 * 500e-9, "m²", 1e-20, 1e-8, "cell area (250×500 nm² ellipse)",
          f"{_KUMAR} Fig. 2d"),
    Param("rp", 0.0, "Ω", 0.0, 1e12, "R_P override; 0: dome law rp_pk − rp_curv·(t_F − rp_tpk)²", "card"),
    Param("rp_pk", 27432.787, "Ω", 1.0, 1e12, "R_P at the top of the dome",
          f"fitted: 25.2 kΩ at 1.6 nm ({_KUMAR} Fig. 3b), RA 2.2 kΩµm² at 2.6 nm (Methods)"),
    Param("rp_tpk", 2.0e-9, "m", 0.0, 1e-8, "thickness of the R_P dome top", f"assumption ({_KUMAR} Fig. 3f: plateau at intermediate t_F)"),
    Param("rp_curv", 1.3954920e22, "Ω/m²", 0.0, 1e30, "R_P dome curvature", "fitted with rp_pk"),
    Param("tmr0", -1.0, "-", -1.0, 100.0, "zero-bias TMR override; < 0: law tmr_a + tmr_b·exp((t_F − tref)/tmr_l)", "card"),
    Param("tmr_a", 0.216737399, "-", -10.0, 100.0, "TMR law offset",
          f"fitted: 33 % (1.6 nm), 40 % (1.9 nm), 78 % (2.6 nm), {_KUMAR} Fig. 3f"),
    Param("tmr_b", 0.113262601, "-", 0.0, 100.0, "TMR law amplitude", "fitted with tmr_a"),
    Param("tmr_l", 0.623427043e-9, "m", 1e-12, 1e-6, "TMR law growth length", "fitted with tmr_a"),
    Param("tref", 1.6e-9, "m", 0.0, 1e-8, "reference thickness of the TMR and V_B laws", f"{_KUMAR} (wedge start)"),
    Param("vh", 0.5, "V", 1e-3, 1e6, "bias at which the TMR halves", "assumption (docs/models/mtj_physics.md §1.2)"),
    Param("ms", 1.2e6, "A/m", 1e3, 1e7, "free-layer saturation magnetisation", "assumption (CoFeB; not in the paper)"),
    Param("alpha", 0.00689466524, "-", 1e-5, 1.0, "Gilbert damping in eq. (1)",
          f"fitted: V_c 0.7 V (1.6 nm) and 2.0 V (2.6 nm), {_KUMAR} Fig. 4c"),
    Param("theta_sh", 0.11, "-", 1e-4, 10.0, "spin Hall angle of Pt/CoFeB", f"{_KUMAR} Methods"),
    Param("hc", 10e-3, "T", 1e-6, 10.0, "device coercivity μ0H_c (at tmeas)", f"{_KUMAR} Fig. 3d (≈10 mT ± 15 %)"),
    Param("ks", 1.27581154e-3, "A", -1.0, 1.0, "interfacial anisotropy K_s of eq. (1) (field × length)",
          "fitted with alpha"),
    Param("tau0", 1e-9, "s", 1e-15, 1.0, "attempt time", "docs/models/mtj_physics.md §1.5"),
    Param("beta", 1.0, "-", 0.5, 3.0, "barrier-lowering exponent of the current", "docs/models/mtj_physics.md §1.5"),
    Param("tmeas", 1.0, "s", 1e-12, 1e6, "time scale of the R(H) coercivity (Sharrock)", "assumption"),
    Param("vb", 0.0, "V", 0.0, 100.0, "barrier breakdown voltage override; 0: vb_ref + vb_slope·(t_F − tref)", "card"),
    Param("vb_ref", 1.8, "V", 1e-3, 100.0, "V_B of a 1-cell device at tref", f"{_KUMAR} Fig. 4h"),
    Param("vb_slope", 2e8, "V/m", -1e12, 1e12, "dV_B/dt_F", f"{_KUMAR} Fig. 4h: 1.8 → 2.0 V over 1.6 → 2.6 nm"),
    Param("vb_sigma", 0.118, "V", 0.0, 10.0, "cell-to-cell spread of V_B",
          f"fitted: weakest of 3 cells 0.1 V lower ({_KUMAR} Fig. 4h, 1.7–1.9 vs 1.8–2.0 V)"),
    Param("bdshort", 1.0, "-", 0.0, 1.0, "1: a broken barrier becomes an rbd resistor", "card"),
    Param("rbd", 100.0, "Ω", 1e-3, 1e9, "post-breakdown resistance", "docs/models/mtj_physics.md §1.9"),
    Param("rp_sigma", 0.0, "-", 0.0, 1.0, "relative spread of R_P", "card"),
    Param("tmr_sigma", 0.0, "-", 0.0, 1.0, "relative spread of TMR", "card"),
    Param("hc_sigma", 0.0, "-", 0.0, 1.0, "relative spread of the coercivity", "card"),
    Param("ic_sigma", 0.0, "-", 0.0, 1.0, "relative spread of the critical current", "card"),
    Param("tf_sigma", 0.0, "m", 0.0, 1e-9, "spread of the free-layer thickness", "card"),
)

SOT_INSTANCE: tuple[Param, ...] = (
    Param("ncell", 1.0, "-", 1.0, 64.0, "number of MTJ cells on the channel", "instance"),
    Param("tf", 1.6e-9, "m", 1.2e-9, 3.2e-9, "free-layer thickness t_F of every cell", f"{_KUMAR} (1.6–2.6 nm wedge)"),
    *(Param(f"tf{k}", 0.0, "m", 0.0, 3.2e-9, f"t_F of cell {k}; 0: use tf", "instance")
      for k in range(1, MAX_TF + 1)),
    Param("state", 0.0, "-", 0.0, 2.0**52, "initial states as a bit mask (bit k−1 set: cell k AP)", "instance"),
    Param("ha", 0.0, "T", -1.0, 1.0, "assist field μ0H_a along the easy axis (+: favours AP)", "instance"),
)

_TF_LO, _TF_HI = 1.2e-9, 3.2e-9


def channel_segments(c: Mapping[str, float], n: int) -> F64:
    """Resistances [Ω] of the ``n + 1`` channel segments ``w1–x1, x1–x2, …, xn–w2``.

    Examples
    --------
    >>> from xbar.devices.params import bind_card
    >>> card = bind_card("k", "sotmtj", SOT_CARD, {})
    >>> [round(float(channel_segments(card.values, n).sum()), 6) for n in (1, 2, 3)]
    [300.0, 450.0, 600.0]
    """
    seg = np.full(n + 1, c["rsheet"] * c["pitch"] / c["wch"])
    seg[0] = seg[-1] = c["rlead"] + c["rsheet"] * c["lend"] / c["wch"]
    return seg


def read_conductance(g_cells: F64, rseg: F64, *, w1: str = "float") -> F64:
    """Two-terminal read conductance [S] from the top electrode ``t`` to the channel end ``w2``.

    The ``n`` barriers of every device (conductances ``g_cells[:, k]`` from ``t`` to the channel
    nodes ``x_k``, shape ``(devices, n)``) feed the channel chain
    ``w1 –R_0– x_1 –R_1– … – x_n –R_n– w2`` (``rseg``, ``n + 1`` segments [Ω]) with ``w2`` at
    0 V. ``w1="float"``: the ``w1`` end is open (write access off), so all the read current
    reaches ``w2``; ``w1="ground"``: ``w1`` is at 0 V and the result is the transfer
    conductance to ``w2`` only (part of the current leaks out through ``w1``). Exact nodal
    solve of every device's ``n × n`` network, vectorised.

    Examples
    --------
    >>> round(float(read_conductance(np.array([[1e-4]]), np.array([150.0, 150.0]))[0]) * 1e6, 4)
    98.5222
    >>> round(float(read_conductance(np.array([[1e-4]]), np.array([150.0, 150.0]), w1="ground")[0]) * 1e6, 4)
    49.6278
    """
    g = np.atleast_2d(np.asarray(g_cells, dtype=np.float64))
    seg = 1.0 / np.asarray(rseg, dtype=np.float64)
    k, n = g.shape
    if seg.shape != (n + 1,):
        msg = f"read_conductance: {n} cells need {n + 1} channel segments, got {seg.shape}"
        raise ValueError(msg)
    if w1 not in ("float", "ground"):
        msg = f"read_conductance: w1 must be 'float' or 'ground', got {w1!r}"
        raise ValueError(msg)
    A = np.zeros((k, n, n))
    idx = np.arange(n)
    A[:, idx, idx] = g
    for j in range(n - 1):  # internal segments x_j – x_{j+1}
        A[:, j, j] += seg[j + 1]
        A[:, j + 1, j + 1] += seg[j + 1]
        A[:, j, j + 1] -= seg[j + 1]
        A[:, j + 1, j] -= seg[j + 1]
    A[:, n - 1, n - 1] += seg[n]
    if w1 == "ground":
        A[:, 0, 0] += seg[0]
    x = np.linalg.solve(A, g[:, :, None])[:, :, 0]
    return x[:, n - 1] * seg[n]


def rp_law(c: Mapping[str, float], tf: F64) -> F64:
    """Parallel resistance [Ω] at free-layer thickness ``tf`` [m] (dome of Fig. 3f)."""
    if c["rp"] > 0:
        return np.full(np.shape(tf), c["rp"])
    return np.maximum(c["rp_pk"] - c["rp_curv"] * (np.asarray(tf) - c["rp_tpk"]) ** 2, 1.0)


def tmr_law(c: Mapping[str, float], tf: F64) -> F64:
    """Zero-bias TMR [-] at thickness ``tf`` [m] (near-exponential rise of Fig. 3f)."""
    if c["tmr0"] >= 0:
        return np.full(np.shape(tf), c["tmr0"])
    return np.maximum(c["tmr_a"] + c["tmr_b"] * np.exp((np.asarray(tf) - c["tref"]) / c["tmr_l"]), 0.0)


def vb_law(c: Mapping[str, float], tf: F64) -> F64:
    """Mean barrier breakdown voltage [V] at thickness ``tf`` [m] (Fig. 4h, 1-cell)."""
    if c["vb"] > 0:
        return np.full(np.shape(tf), c["vb"])
    return np.maximum(c["vb_ref"] + c["vb_slope"] * (np.asarray(tf) - c["tref"]), 1e-3)


def anisotropy_field(c: Mapping[str, float], tf: F64, hc: F64 | float) -> tuple[F64, F64]:
    """Anisotropy field μ0H_K [T] and thermal stability Δ0 [-] from the coercivity ``hc`` [T].

    Sharrock's law with a quadratic field dependence of the barrier,
    ``H_c = H_K (1 − sqrt(L/Δ0))``, ``L = ln(tmeas/τ0)``, ``Δ0 = M_s μ0H_K A t_F/(2 k_B T)``,
    is solved in closed form: with ``s = sqrt(μ0H_K)``, ``s² − sqrt(L/c) s − μ0H_c = 0``.

    Examples
    --------
    >>> from xbar.devices.params import bind_card
    >>> card = bind_card("k", "sotmtj", SOT_CARD, {})
    >>> hk, d0 = anisotropy_field(card.values, np.array(1.6e-9), 10e-3)
    >>> round(float(hk) * 1e3, 2), round(float(d0))
    (13.51, 307)
    """
    cd = c["ms"] * c["area"] * np.asarray(tf) / (2.0 * K_B * T_DEV)
    q = np.sqrt(math.log(c["tmeas"] / c["tau0"]) / cd) if c["tmeas"] > c["tau0"] else np.zeros_like(cd)
    s = 0.5 * (q + np.sqrt(q * q + 4.0 * np.asarray(hc)))
    hk = s * s
    return hk, cd * hk


def critical_current(c: Mapping[str, float], tf: F64, hc: F64 | float, assist: F64 | float) -> F64:
    """Critical current [A] of eq. (1) with the assist field ``assist`` [T] (+: towards target).

    ``I_c = (2e/ħ)(α/θ_SH) μ0 M_s ((H_c − H_a + M_s) t_F − K_s) w t_HM``, clipped at 1 nA.
    """
    k = 2.0 * E_CHARGE / HBAR * c["alpha"] / c["theta_sh"] * MU0
    h = (np.asarray(hc) - np.asarray(assist)) / MU0 + c["ms"]
    ic = k * c["ms"] * (h * np.asarray(tf) - c["ks"]) * c["wch"] * c["tch"]
    return np.maximum(ic, 1e-9)


def sot_rate(i_ratio: F64, h: F64, delta0: F64, tau0: float, beta: float, ic: F64,
             moment_eff: F64) -> F64:
    """Switching rate [1/s] towards the target state.

    ``i_ratio`` channel current over critical current, positive when it drives the target;
    ``h`` assist field over anisotropy field, positive when it favours the target;
    ``delta0`` zero-field stability; ``moment_eff`` moment for Sun's rate (see
    :class:`SotMtj`). Thermal Néel–Brown rate with ``Δ_eff = Δ0 (1 − h)²`` (exact also for
    opposing currents, ``i_ratio < 0``), and above ``I_c`` the larger of it and Sun's rate.

    Examples
    --------
    >>> r = sot_rate(np.array([0.9]), np.array([0.0]), np.array([40.0]), 1e-9, 1.0,
    ...              np.array([1e-3]), np.array([1e-16]))
    >>> round(1e9 / float(r[0]), 1)   # τ = 54.6 ns (docs/models/mtj_physics.md §1.5)
    54.6
    """
    d_eff = np.asarray(delta0) * np.clip(1.0 - np.asarray(h), 0.0, None) ** 2
    below = np.minimum(np.asarray(i_ratio, dtype=np.float64), 1.0)
    thermal = np.exp(-d_eff * (1.0 - below) ** beta) / tau0
    prec = hazard_rate(i_ratio, np.maximum(d_eff, 1.0), tau0, beta, ic, 1.0, moment_eff)
    return np.maximum(thermal, prec)


def threshold_current(c: Mapping[str, float], tf: F64, tp: float, assist: float = 0.0,
                      hc: F64 | float | None = None) -> F64:
    """Channel current [A] switching a nominal cell with probability ½ in a pulse of ``tp`` [s].

    Below ``I_c``: ``I_50 = I_c (1 − (ln(tp/(τ0 ln 2))/Δ_eff)^(1/β))``; ``assist`` [T] is the
    field component favouring the target state.
    """
    hc_v = c["hc"] if hc is None else hc
    hk, d0 = anisotropy_field(c, tf, hc_v)
    d_eff = d0 * np.clip(1.0 - assist / hk, 0.0, None) ** 2
    ic = critical_current(c, tf, hc_v, assist)
    lp = math.log(tp / (c["tau0"] * math.log(2.0)))
    return ic * (1.0 - np.clip(lp / np.maximum(d_eff, 1e-30), 0.0, 1.0) ** (1.0 / c["beta"]))


def fit_eq1(c: Mapping[str, float], t1: float, v1: float, t2: float, v2: float, rch: float,
            tp: float = 200e-9) -> tuple[float, float]:
    """``alpha`` and ``ks`` of eq. (1) that put the field-free 50 % switching voltage of a
    ``tp`` pulse at ``v1`` [V] for thickness ``t1`` [m] and ``v2`` at ``t2`` on a channel of
    ``rch`` [Ω] (Fig. 4c: 0.7 V at 1.6 nm, 2.0 V at 2.6 nm, 1-cell, R_ch = 300 Ω).
    """
    lp = math.log(tp / (c["tau0"] * math.log(2.0)))
    ic0 = []
    for t, v in ((t1, v1), (t2, v2)):
        _, d0 = anisotropy_field(c, np.array(t), c["hc"])
        ic0.append(v / rch / (1.0 - (lp / float(d0)) ** (1.0 / c["beta"])))
    h = c["hc"] / MU0 + c["ms"]
    slope = (ic0[1] - ic0[0]) / (t2 - t1)  # = K·h with K = (2e/ħ)(α/θ)μ0 M_s w t_HM
    big_k = slope / h
    ks = h * t1 - ic0[0] / big_k
    alpha = big_k / (2.0 * E_CHARGE / HBAR * MU0 / c["theta_sh"] * c["ms"] * c["wch"] * c["tch"])
    return float(alpha), float(ks)


class CellValues:
    """Per-cell parameters of N instances × n cells (nominal, or with drawn variation)."""

    def __init__(self, c: Mapping[str, float], inst: Mapping[str, F64], n: int,
                 rng: np.random.Generator | None) -> None:
        count = len(inst["tf"])
        tf = np.repeat(np.asarray(inst["tf"], dtype=np.float64)[:, None], n, axis=1)
        for k in range(min(n, MAX_TF)):
            tk = np.asarray(inst[f"tf{k + 1}"], dtype=np.float64)
            tf[:, k] = np.where(tk > 0, tk, tf[:, k])
        z = rng.standard_normal((6, count, n)) if rng is not None else np.zeros((6, count, n))
        self.tf = np.clip(tf + c["tf_sigma"] * z[0], _TF_LO, _TF_HI)
        self.rp = rp_law(c, self.tf) * np.maximum(1.0 + c["rp_sigma"] * z[1], 0.05)
        self.tmr0 = tmr_law(c, self.tf) * np.maximum(1.0 + c["tmr_sigma"] * z[2], 0.0)
        self.hc = c["hc"] * np.maximum(1.0 + c["hc_sigma"] * z[3], 0.05)
        self.ic_scale = np.maximum(1.0 + c["ic_sigma"] * z[4], 0.05)
        self.vb = np.maximum(vb_law(c, self.tf) + c["vb_sigma"] * z[5], 1e-3)
        self.hk, self.delta0 = anisotropy_field(c, self.tf, self.hc)
        # Sun's rate with an SOT spin current θ_SH·(A/(w t_HM))·I: hazard_rate's STT
        # efficiency P/(1+P²) is ½ at P = 1, so the moment is rescaled by ½/η_SOT.
        eta = c["theta_sh"] * c["area"] / (c["wch"] * c["tch"])
        self.moment_eff = c["ms"] * c["area"] * self.tf * 0.5 / eta
        mask = np.rint(np.asarray(inst["state"], dtype=np.float64)).astype(np.int64)
        self.state = ((mask[:, None] >> np.arange(n)[None, :]) & 1).astype(np.int8)


def cell_values(card: BoundCard, params: Mapping[str, float], n: int) -> CellValues:
    """Nominal per-cell values of one instance with the given instance parameters."""
    c = card.values
    inst = {p.name: np.array([float(params.get(p.name, c.get(p.name, p.default)))]) for p in SOT_INSTANCE}
    return CellValues(c, inst, n, None)


@register
class SotMtj(YDevice):
    """All compound SOT-MTJs of one ``sotmtj`` card with the same ``ncell`` (module docstring)."""

    kind: ClassVar[str] = "sotmtj"
    letter: ClassVar[str] = "y"
    linear: ClassVar[bool] = False
    model_type: ClassVar[str] = "sotmtj"
    terminals: ClassVar[tuple[str, ...]] = ("w1", "w2", "t")
    card_params: ClassVar[tuple[Param, ...]] = SOT_CARD
    instance_params: ClassVar[tuple[Param, ...]] = SOT_INSTANCE
    output_info: ClassVar[dict[str, tuple[str, str]]] = {
        "state": ("-", "AP cells as a bit mask (cell k adds 2^(k-1))"),
        "nap": ("-", "number of cells in AP"),
        "r": ("Ω", "read resistance of the parallel cells"),
        "it": ("A", "total barrier current into the top electrode"),
        "broken": ("-", "number of broken barriers"),
        "s<k>": ("-", "state of cell <k>: 0 = P, 1 = AP"),
        "v<k>": ("V", "barrier voltage of cell <k>"),
        "ich<k>": ("A", "channel current under cell <k>"),
    }

    @classmethod
    def internal_nodes(cls, card: BoundCard, params: dict[str, float]) -> int:
        value = params.get("ncell", card["ncell"])
        n = round(value)
        if n < 1 or n > 64 or abs(value - n) > 1e-9:
            msg = f"model '{card.name}' (sotmtj): ncell={value:g} must be an integer in [1, 64]"
            raise ModelCardError(msg, card.location)
        return n

    def __init__(self, names: list[str], nodes: I64, card: BoundCard, inst: dict[str, F64],
                 rng: np.random.Generator) -> None:
        super().__init__(names, nodes, card, inst, rng)
        c = card.values
        n = nodes.shape[1] - 3
        self.ncell = n
        self.top = nodes[:, 2]
        self.xn = nodes[:, 3:]
        self.chain = np.column_stack([nodes[:, 0], self.xn, nodes[:, 1]])
        # DC paths: the channel chain and every barrier (instance attribute: n varies per group)
        self.dc_conducting = ((0, 3), *((3 + k, 4 + k) for k in range(n - 1)), (2 + n, 1),
                              *((2, 3 + k) for k in range(n)))
        self.rseg = channel_segments(c, n)
        self.rch = float(self.rseg.sum())
        cells = CellValues(c, inst, n, rng)
        self.tf = cells.tf
        self.rp = cells.rp
        self.tmr0 = cells.tmr0
        self.hc = cells.hc
        self.hk = cells.hk
        self.delta0 = cells.delta0
        self.ic_scale = cells.ic_scale
        self.vb = cells.vb
        self.moment_eff = cells.moment_eff
        self.state = cells.state
        self.broken = np.zeros_like(self.state, dtype=bool)
        self._rate_prev: F64 | None = None
        self._shorts = False
        a = np.repeat(self.top, n)
        b = self.xn.ravel()
        self._mtj_rows = np.concatenate([a, b, a, b])
        self._mtj_cols = np.concatenate([a, b, b, a])
        self._a, self._b = a, b
        ca, cb = self.chain[:, :-1].ravel(), self.chain[:, 1:].ravel()
        self._g_stamp = two_terminal_stamp(ca, cb, np.tile(1.0 / self.rseg, len(self)))

    # electrical --------------------------------------------------------------------------
    @staticmethod
    def _pad(x: F64) -> F64:
        """``x`` with a trailing 0 so that index ``-1`` (ground) reads 0 V."""
        return np.append(x, 0.0)

    def barrier_voltage(self, x: F64, *, padded: bool = False) -> F64:
        """``V(t) − V(x_k)`` [V] of every cell, shape (N, n)."""
        xp = x if padded else self._pad(x)
        return xp[self.top][:, None] - xp[self.xn]

    def cell_current(self, x: F64, *, padded: bool = False) -> F64:
        """Channel current under every cell [A] (mean of the adjacent segments; + is w1→w2)."""
        vc = (x if padded else self._pad(x))[self.chain]
        seg = (vc[:, :-1] - vc[:, 1:]) / self.rseg
        return 0.5 * (seg[:, :-1] + seg[:, 1:])

    def conductance(self, v: F64) -> tuple[F64, F64]:
        """Barrier conductance ``G(V)`` [S] and ``dG/dV`` [S/V] of every cell, shape (N, n)."""
        g, dg = barrier_conductance(v, self.rp, self.tmr0, self.card["vh"], self.state == 1)
        if self._shorts:
            g = np.where(self.broken, 1.0 / self.card["rbd"], g)
            dg = np.where(self.broken, 0.0, dg)
        return g, dg

    def barrier_arrays(self) -> tuple[F64, F64, np.ndarray, float] | None:
        """``(R_P, TMR0, AP mask, V_h)`` per cell, shape ``(N, n)``, of the conductance law
        (for batched solvers); None once a barrier has broken down and shorts."""
        if self._shorts:
            return None
        return self.rp, self.tmr0, self.state == 1, float(self.card["vh"])

    def g_stamp(self) -> tuple[I64, I64, F64]:
        return self._g_stamp

    def nl_pattern(self) -> tuple[I64, I64]:
        return self._mtj_rows, self._mtj_cols

    def nl_load(self, x: F64, ctx: LoadContext) -> tuple[F64, I64, F64]:
        v = self.barrier_voltage(x)
        g, dg = self.conductance(v)
        gd = (g + v * dg).ravel()
        ieq = (g * v).ravel() - gd * v.ravel()
        return (np.concatenate([gd, gd, -gd, -gd]), np.concatenate([self._a, self._b]),
                np.concatenate([ieq, -ieq]))

    def nl_current_batch(self, X: F64) -> tuple[I64, F64] | None:
        k = X.shape[0]
        Xp = np.concatenate([X, np.zeros((k, 1))], axis=1)
        v = Xp[:, self.top][:, :, None] - Xp[:, self.xn]
        g, _ = self.conductance(v)
        i = (g * v).reshape(k, -1)
        rows = np.concatenate([self._a, self._b])
        cur = np.concatenate([i, -i], axis=1)
        keep = rows >= 0
        return rows[keep], cur[:, keep]

    # parameters --------------------------------------------------------------------------
    def param_names(self) -> tuple[str, ...]:
        return ("ha", "state")

    def set_param(self, index: int, name: str, value: float) -> None:
        self._rate_prev = None
        if name == "ha":
            self.inst["ha"][index] = float(value)
        elif name == "state":
            mask = round(value)
            self.state[index] = (mask >> np.arange(self.ncell)) & 1
            self.inst["state"][index] = float(mask)
            rows = np.zeros(self.state.shape, dtype=bool)
            rows[index] = True
            self.clock().rearm(rows)
        else:
            raise KeyError(name)

    def get_param(self, index: int, name: str) -> float:
        if name == "ha":
            return float(self.inst["ha"][index])
        if name == "state":
            return float(np.sum(self.state[index].astype(np.int64) << np.arange(self.ncell)))
        raise KeyError(name)

    # state -------------------------------------------------------------------------------
    def after_solution(self, x: F64, t: float | None, dt: float | None) -> bool:
        xp = self._pad(x)
        v = self.barrier_voltage(xp, padded=True)
        i_cell = self.cell_current(xp, padded=True)
        changed = self._check_breakdown(v, t)
        r_now = self.rate(i_cell)
        if dt is not None and dt > 0:
            # trapezoidal mean of the rate over the step (same target state at both ends)
            r_avg = r_now if self._rate_prev is None else 0.5 * (r_now + self._rate_prev)
            if self._switch(r_avg, i_cell, v, t, dt):
                changed = True
                r_now = self.rate(i_cell)
        self._rate_prev = r_now
        return changed

    def _check_breakdown(self, v: F64, t: float | None) -> bool:
        over = (np.abs(v) > self.vb) & ~self.broken
        if not np.any(over):
            return False
        rows, cols = np.nonzero(over)
        for r, k in list(zip(rows.tolist(), cols.tolist(), strict=True))[:1000]:
            self.events.append({"kind": "breakdown", "time": t, "device": self.names[r], "cell": k + 1,
                                "voltage": float(v[r, k]), "vb": float(self.vb[r, k])})
        self.broken |= over
        self._shorts = bool(self.card["bdshort"] >= 0.5)
        return self._shorts

    def rate(self, i_cell: F64) -> F64:
        """Switching rate [1/s] of every cell towards its other state at channel currents ``i_cell``."""
        c = self.card.values
        sgn = np.where(self.state == 1, -1.0, 1.0)  # +1: target AP (needs w1→w2 current)
        assist = sgn * self.inst["ha"][:, None]
        ic = critical_current(c, self.tf, self.hc, assist) * self.ic_scale
        return sot_rate(sgn * i_cell / ic, assist / self.hk, self.delta0, c["tau0"], c["beta"], ic,
                        self.moment_eff)

    def clock(self) -> HazardClock:
        """The cells' switching clocks, shape (N, n) (created on first use)."""
        clock = self.__dict__.get("_clock")
        if clock is None:
            clock = self.__dict__["_clock"] = HazardClock(self.rng, self.state.shape)
        return clock

    def _switch(self, r_avg: F64, i_cell: F64, v: F64, t: float | None, dt: float) -> bool:
        flip = self.clock().advance(np.where(self.broken, 0.0, r_avg), dt)
        if not np.any(flip):
            return False
        rows, cols = np.nonzero(flip)
        for r, k in list(zip(rows.tolist(), cols.tolist(), strict=True))[:1000]:
            self.events.append({"kind": "switch", "time": t, "device": self.names[r], "cell": k + 1,
                                "to": "AP" if self.state[r, k] == 0 else "P",
                                "current": float(i_cell[r, k]), "voltage": float(v[r, k])})
        self.state[flip] ^= 1
        self.clock().rearm(flip)
        return True

    def outputs(self, x: F64) -> dict[str, F64]:
        xp = self._pad(x)
        v = self.barrier_voltage(xp, padded=True)
        g, _ = self.conductance(v)
        i_cell = self.cell_current(xp, padded=True)
        weights = np.int64(1) << np.arange(self.ncell, dtype=np.int64)
        out: dict[str, F64] = {
            "state": (self.state.astype(np.int64) @ weights).astype(np.float64),
            "nap": self.state.sum(axis=1).astype(np.float64),
            "r": 1.0 / g.sum(axis=1),
            "it": (g * v).sum(axis=1),
            "broken": self.broken.sum(axis=1).astype(np.float64),
        }
        for k in range(self.ncell):
            out[f"s{k + 1}"] = self.state[:, k].astype(np.float64)
            out[f"v{k + 1}"] = v[:, k]
            out[f"ich{k + 1}"] = i_cell[:, k]
        return out

    @classmethod
    def spice_lines(cls, name: str, nodes: list[str], card: BoundCard, params: dict[str, float]) -> list[str]:
        """Behavioural ngspice equivalent of a fixed-state instance (nominal values, no switching).

        Internal channel nodes are named ``<name>_x<k>`` (ngspice node names cannot hold ``#``).
        """
        n = cls.internal_nodes(card, params)
        c = card.values
        cells = cell_values(card, params, n)
        w1, w2, top = nodes
        xs = [f"{name}_x{k + 1}" for k in range(n)]
        chain = [w1, *xs, w2]
        rseg = channel_segments(c, n)
        lines = [f"r{name}_s{k} {chain[k]} {chain[k + 1]} {float(rseg[k])!r}" for k in range(n + 1)]
        for k in range(n):
            v = f"V({top},{xs[k]})"
            rp = float(cells.rp[0, k])
            if cells.state[0, k]:
                u = f"(({v})*({v})/{c['vh']!r}/{c['vh']!r})"
                expr = f"{v}*(1+{u})/({rp!r}*(1+{u}+{float(cells.tmr0[0, k])!r}))"
            else:
                expr = f"{v}/{rp!r}"
            lines.append(f"b{name}_m{k + 1} {top} {xs[k]} I={{{expr}}}")
        return lines




def read_lib(path: str | Path) -> dict[str, tuple[str, dict[str, float]]]:
    """``.model`` cards of a compact-model library: name -> (type, parameters in SI).

    Read by the deck front end (:meth:`xbar.Circuit.load_models`), so malformed cards are
    reported with ``file:line``.
    """
    from xbar.circuit import Circuit

    c = Circuit()
    names = c.load_models(path)
    return {n: (c.models[n].type, dict(c.models[n].params)) for n in names}


def load_lib(circuit: Any, path: str | Path, names: list[str] | None = None) -> list[str]:
    """Define the cards of library ``path`` (or only ``names``) on ``circuit``; returns the names."""
    cards = read_lib(path)
    chosen = list(cards) if names is None else [n.lower() for n in names]
    for name in chosen:
        mtype, params = cards[name]
        circuit.model(name, mtype, **params)
    return chosen
