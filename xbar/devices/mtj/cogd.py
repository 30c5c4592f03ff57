"""Co/Gd ferrimagnetic Hall bar with multistate SOT switching (``.model <name> cogd``).

Li et al., Chin. Phys. B 31, 117106 (2022) [1]_: a Ta(1)/Pt(5)/[Co(0.36)/Gd(0.34)]6/Pt(1)/AlOx(t)
Hall bar (10 µm channel) switched by 10 ms current pulses in an in-plane field ``H_x``. The
switching is binary for a strong anisotropy ``H_k`` or a weak ``|H_x|`` and multilevel for a
weak ``H_k`` or a strong ``|H_x|`` (Fig. 2), because nucleation of reversed domains, whose
barrier is normally distributed over the sample, then wins over domain-wall propagation.

Element: ``Y<name> i+ i- h+ h- <model> [hx=…] [mz0=…]``; ``i+``/``i-`` are the ends of the
current channel, ``h+``/``h-`` the Hall arms.

Network (one instance; internal node ``c`` = ``<name>#0``, the centre of the Hall cross)::

    i+ --R_xx/2-- c --R_xx/2-- i-          I_xx = (V(i+) − V(i-))/R_xx
    h+ --R_h+-- [+V_H/2] -- c              V_H  = I_xx·(R_AHE·⟨m_z⟩ + R_off)
    h- --R_h- -- [−V_H/2] -- c

The Hall EMF is a source controlled by ``I_xx``, written as the voltage difference over
``R_xx``, so the element is linear at a fixed magnetic state (its conductance stamp is exact and
is refreshed after every state change). With open Hall arms ``V(h+) − V(h-) = V_H``, and the
arms give the Hall terminals their DC path through the cross, as in a real Hall bar.

Magnetic state: ``N = nreg`` nucleation regions per device, ``s_k = ±1``;
``⟨m_z⟩ = cos θ_M · mean(s_k)`` with the tilt ``sin θ_M = |H_x|/H_k`` that lowers the switching
ratio at large ``|H_x|/H_k`` ([1]_, discussion of Figs. 2(a)–(c)); ``tilt=0`` switches it off.

* SOT drive: damping-like field ``μ0H_DL = χ·|J|``, ``J = I_xx/(w·t_j)``; ``χ`` = 25 Oe per
  10⁷ A/cm² ([1]_, harmonic Hall, Sec. 3). Its direction follows the in-plane field:
  ``d = −chir·sign(I_xx·H_x)`` is the ``m_z`` it favours (``H_x = 0``: no deterministic drive).
* Barrier of region ``k`` (the paper: nucleation probability ∝ ``exp(−E_b/k_BT)``, ``E_b``
  normally distributed, raised by ``H_k``, lowered by ``H_x``):
  ``E_k = max(Ē + σ_E·z_k, E_min)``, ``z_k`` standard normal drawn once per region from the
  group's seeded generator, ``Ē = ½·m_n·μ0H_k·(1 − h)²`` (``m_n = M_s·V_n`` the moment of the
  nucleation volume, ``h = |H_x|/H_k``; Stoner–Wohlfarth scaling of the barrier).
  Under the drive: ``E_b,k = E_k·(1 − u_k)^p`` for ``u_k < 1`` (0 above), with
  ``u_k = −s_k·d·H_DL/H_n`` and the nucleation field ``H_n = k_n·H_k`` (docs/models/li2022.md §2).
* Each region leaves its state at the rate ``exp(−E_b,k(J)/k_BT)/τ0``, ``J`` at the end of
  every accepted step (exact for the piecewise-constant pulses of the paper): it switches when
  the rate integrated over the steps reaches an exponential threshold drawn from the seeded
  generator (:mod:`~xbar.devices.mtj.hazard`), the same statistics as a switching probability
  ``1 − exp(−Δt·rate)`` per step, but a seeded run does not depend on the time steps.
* Domain-wall propagation (``dwprop=1``): when ``H_DL ≥ H_prop`` and at least one region of the
  device is already in the favoured state, its walls sweep the whole cross (every region
  switches). If the lowest nucleation threshold lies above ``H_prop`` one nucleus reverses
  the bar (binary switching); lower nucleation barriers (low ``H_k``, large ``|H_x|``) leave a
  current window of independent nucleation (multilevel), the paper's explanation of Fig. 2.

With ``N`` regions the Hall resistance takes ``N + 1`` levels; ``σ_E → 0`` with ``N = 1`` gives a
single threshold (a step). Results: ``@y1[mz]``, ``@y1[rhall]`` (``R_AHE⟨m_z⟩ + R_off``, Ω),
``@y1[nup]`` (regions with ``s = +1``), ``@y1[ixx]`` (A), ``@y1[hdl]`` (``μ0H_DL``, T, signed
by ``d``), ``@y1[vh]`` (Hall EMF, V). Events: ``{"kind": "switch", "time", "device",
"nucleated", "propagated", "mz", "current"}`` per device and step with a change.

References
----------
.. [1] W. Li, X. Lan, X. Liu, E. Zhang, Y. Deng and K. Wang, "Switching plasticity in compensated
   ferrimagnetic multilayers for neuromorphic computing", Chin. Phys. B 31, 117106 (2022),
   DOI 10.1088/1674-1056/ac89dd.
.. [2] E. C. Stoner and E. P. Wohlfarth, Phil. Trans. R. Soc. A 240, 599 (1948) (barrier
   ``K V (1 − h)²`` in a transverse field).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import ClassVar

import numpy as np

from xbar.devices.base import F64, I64
from xbar.devices.mtj.hazard import HazardClock
from xbar.devices.mtj.physics import K_B
from xbar.devices.params import BoundCard, Param
from xbar.devices.registry import YDevice, register
from xbar.errors import ModelCardError

__all__ = [
    "COGD_CARD",
    "COGD_INSTANCE",
    "EV",
    "OE",
    "CoGdHallBar",
    "dl_field",
    "mean_barrier",
    "nucleation_field",
    "threshold_current",
]

EV = 1.602176634e-19
"""One electronvolt [J]."""
OE = 1e-4
"""μ0 × (1 Oe) [T]: fields are given as μ0H in tesla, 100 Oe = 0.01 T."""
MAX_REGIONS = 4096
_LI = "Li 2022"

COGD_CARD: tuple[Param, ...] = (
    Param("nreg", 30.0, "-", 1.0, MAX_REGIONS, "nucleation regions per device (N; N + 1 levels)",
          "assumption (Hall cross ≫ domain size)"),
    Param("rxx", 300.0, "Ω", 1e-3, 1e9, "channel resistance between i+ and i-",
          "assumption (≈ 50 Ω/□ stack, 6 squares)"),
    Param("rhp", 100.0, "Ω", 1e-3, 1e9, "series resistance of the h+ arm", "assumption"),
    Param("rhm", 100.0, "Ω", 1e-3, 1e9, "series resistance of the h- arm", "assumption"),
    Param("rahe", 1.0, "Ω", 0.0, 1e6, "anomalous Hall resistance at m_z = 1",
          f"assumption ({_LI} Fig. 1(b), value not in the text)"),
    Param("roff", 0.0, "Ω", -1e6, 1e6, "Hall offset resistance (arm misalignment)", "assumption"),
    Param("w", 10e-6, "m", 1e-9, 1e-2, "channel width", f"{_LI} Sec. 2 (10 µm)"),
    Param("tj", 6e-9, "m", 1e-10, 1e-5, "thickness carrying the current density J",
          "assumption (Ta(1)/Pt(5) underlayer)"),
    Param("chi", 2.5e-14, "T m²/A", 0.0, 1e-9, "SOT efficiency μ0H_DL/J",
          f"{_LI} Sec. 3: 25 Oe per 10⁷ A/cm²"),
    Param("hk", 0.16, "T", 1e-4, 10.0, "effective PMA field μ0H_k",
          f"assumption ({_LI} Fig. 2(f): decreases with AlOx thickness)"),
    Param("kn", 0.10, "-", 1e-4, 1.0, "nucleation field H_n = kn·H_k", "fitted (switching currents, see .lib)"),
    Param("mvn", 1.1e-17, "A m²", 1e-24, 1e-12, "moment M_s·V_n of a nucleation volume (mean barrier ½ mvn μ0H_k (1−h)²)",
          "fitted (see .lib)"),
    Param("eb_sigma", 0.8 * EV, "J", 0.0, 1e-16, "spread σ_E of the region barriers",
          f"fitted; {_LI} Sec. 3: E_b normally distributed"),
    Param("eb_min", 0.85 * EV, "J", 0.0, 1e-16, "lower cut of the barrier distribution (stability at rest)",
          "assumption (≈ 33 k_BT: non-volatile states, Fig. 4(a))"),
    Param("pexp", 2.0, "-", 0.5, 4.0, "barrier-lowering exponent p", "assumption (Stoner–Wohlfarth-like; docs/models/li2022.md §2)"),
    Param("tau0", 1e-9, "s", 1e-15, 1.0, "attempt time", "assumption (docs/models/mtj_physics.md §1.5)"),
    Param("hprop", 0.011, "T", 0.0, 10.0, "domain-wall propagation field μ0H_prop", "fitted (see .lib)"),
    Param("dwprop", 1.0, "-", 0.0, 1.0, "1: domain walls sweep the cross when H_DL ≥ H_prop", "model switch"),
    Param("chir", 1.0, "-", -1.0, 1.0, "chirality sign (±1): favoured m_z = −chir·sign(I_xx·H_x)",
          f"assumption ({_LI} Fig. 4: H_x < 0, I > 0 sets R_hall high)"),
    Param("tilt", 1.0, "-", 0.0, 1.0, "1: read-out m_z includes cos θ_M, sin θ_M = abs(H_x)/H_k",
          f"{_LI} Sec. 3 (tilt lowers the switching ratio)"),
)

COGD_INSTANCE: tuple[Param, ...] = (
    Param("hx", 0.0, "T", -10.0, 10.0, "in-plane field μ0H_x along the current, abs(hx) < hk", "instance"),
    Param("mz0", -1.0, "-", -1.0, 1.0, "initial mean of s_k (round((1+mz0)/2·N) regions up)", "instance"),
)

_NT = 5  # local unknowns: i+, i-, h+, h-, c


def dl_field(j: F64 | float, chi: float) -> F64:
    """Damping-like SOT field ``μ0H_DL = χ·J`` [T] at current density ``j`` [A/m²].

    Examples
    --------
    >>> round(float(dl_field(4e11, 2.5e-14)) / OE, 9)   # 4×10⁷ A/cm² → 100 Oe
    100.0
    """
    return np.asarray(chi * np.asarray(j, dtype=np.float64))


def mean_barrier(c: Mapping[str, float], hx: F64 | float) -> F64:
    """Mean region barrier ``Ē = ½·m_n·μ0H_k·(1 − |H_x|/H_k)²`` [J]."""
    h = np.minimum(np.abs(np.asarray(hx, dtype=np.float64)) / c["hk"], 1.0)
    return np.asarray(0.5 * c["mvn"] * c["hk"] * (1.0 - h) ** 2)


def nucleation_field(c: Mapping[str, float]) -> float:
    """Field ``μ0H_n = kn·μ0H_k`` [T] at which the nucleation barrier vanishes."""
    return float(c["kn"] * c["hk"])


def threshold_current(c: Mapping[str, float], eb: F64 | float, tp: float, temp_k: float = 300.15) -> F64:
    """Pulse current [A] that switches a region of barrier ``eb`` [J] with probability ½ in ``tp`` [s].

    ``E_b(I) = eb·(1 − H_DL/H_n)^p = k_BT·ln(tp/(τ0 ln 2))`` solved for ``I = H_DL·w·t_j/χ``
    (0 when the barrier is already below that level without drive).

    Examples
    --------
    >>> from xbar.devices.params import bind_card
    >>> card = bind_card("c", "cogd", COGD_CARD, {})
    >>> round(float(threshold_current(card.values, 2.0 * EV, 10e-3)) * 1e3, 3)   # mA
    20.67
    """
    lv = K_B * temp_k * math.log(tp / (c["tau0"] * math.log(2.0)))
    frac = 1.0 - np.clip(lv / np.asarray(eb, dtype=np.float64), 0.0, 1.0) ** (1.0 / c["pexp"])
    return np.asarray(frac * nucleation_field(c) * c["w"] * c["tj"] / c["chi"])


@register
class CoGdHallBar(YDevice):
    """All Co/Gd Hall bars of one ``cogd`` card (see module docstring)."""

    kind: ClassVar[str] = "cogd"
    letter: ClassVar[str] = "y"
    linear: ClassVar[bool] = True
    dc_conducting = ((0, 4), (1, 4), (2, 4), (3, 4))
    model_type: ClassVar[str] = "cogd"
    terminals: ClassVar[tuple[str, ...]] = ("i+", "i-", "h+", "h-")
    open_terminals: ClassVar[tuple[str, ...]] = ("h+", "h-")
    card_params: ClassVar[tuple[Param, ...]] = COGD_CARD
    instance_params: ClassVar[tuple[Param, ...]] = COGD_INSTANCE
    output_info: ClassVar[dict[str, tuple[str, str]]] = {
        "mz": ("-", "mean out-of-plane magnetisation <m_z>"),
        "rhall": ("Ω", "Hall resistance R_AHE <m_z> + R_off"),
        "nup": ("-", "nucleation regions with m_z = +1"),
        "ixx": ("A", "channel current i+ → i-"),
        "hdl": ("T", "damping-like SOT field μ0 H_DL, signed by the favoured m_z"),
        "vh": ("V", "Hall EMF I_xx R_hall"),
    }

    @classmethod
    def regions(cls, card: BoundCard) -> int:
        """Number of nucleation regions ``N`` of ``card`` (checked to be an integer)."""
        value = card["nreg"]
        n = round(value)
        if abs(value - n) > 1e-9:
            msg = f"model '{card.name}' (cogd): nreg={value:g} must be an integer in [1, {MAX_REGIONS}]"
            raise ModelCardError(msg, card.location)
        return n

    @classmethod
    def internal_nodes(cls, card: BoundCard, params: dict[str, float]) -> int:
        cls.regions(card)
        if abs(card["chir"]) != 1.0:
            msg = f"model '{card.name}' (cogd): chir={card['chir']:g} must be +1 or -1"
            raise ModelCardError(msg, card.location)
        hx = params.get("hx", card["hx"])
        if abs(hx) >= card["hk"]:
            msg = (f"model '{card.name}' (cogd): |hx| = {abs(hx):g} T must be below hk = {card['hk']:g} T "
                   "(the magnetisation would lie in plane)")
            raise ModelCardError(msg, card.location)
        return 1

    def __init__(self, names: list[str], nodes: I64, card: BoundCard, inst: dict[str, F64],
                 rng: np.random.Generator) -> None:
        super().__init__(names, nodes, card, inst, rng)
        n_dev = len(names)
        self.nreg = self.regions(card)
        self.z = rng.standard_normal((n_dev, self.nreg))
        self.s = np.empty((n_dev, self.nreg), dtype=np.int8)
        self.temp_c = 27.0
        for i in range(n_dev):
            self._reset_state(i, float(inst["mz0"][i]))
        self._update_fields()
        self._ground = nodes < 0
        self._safe = np.where(self._ground, 0, nodes)
        loc = np.repeat(np.arange(_NT), _NT)
        self._rows = nodes[:, loc].ravel()
        self._cols = nodes[:, np.tile(np.arange(_NT), _NT)].ravel()

    # parameters ----------------------------------------------------------------------------
    def _reset_state(self, i: int, mz0: float) -> None:
        up = round((1.0 + mz0) / 2.0 * self.nreg)
        self.s[i] = -1
        self.s[i, :up] = 1
        if "_clock" in self.__dict__:
            rows = np.zeros(self.s.shape, dtype=bool)
            rows[i] = True
            self.clock().rearm(rows)

    def clock(self) -> HazardClock:
        """The regions' switching clocks, shape (N, nreg) (created on first use)."""
        clock = self.__dict__.get("_clock")
        if clock is None:
            clock = self.__dict__["_clock"] = HazardClock(self.rng, self.s.shape)
        return clock

    def _update_fields(self) -> None:
        """Per-instance quantities that depend on ``hx``: tilt, barriers."""
        c = self.card.values
        hx = self.inst["hx"]
        h = np.minimum(np.abs(hx) / c["hk"], 1.0)
        self.cos_tilt = np.sqrt(1.0 - h * h) if c["tilt"] >= 0.5 else np.ones_like(h)
        self.eb = np.maximum(mean_barrier(c, hx)[:, None] + c["eb_sigma"] * self.z, c["eb_min"])
        self.hx_sign = np.sign(hx)

    def param_names(self) -> tuple[str, ...]:
        return ("hx", "mz0")

    def set_param(self, index: int, name: str, value: float) -> None:
        if name == "hx":
            if abs(value) >= self.card["hk"]:
                msg = f"'{self.names[index]}': |hx| = {abs(value):g} T must be below hk = {self.card['hk']:g} T"
                raise ModelCardError(msg, self.card.location)
            self.inst["hx"][index] = float(value)
            self._update_fields()
        elif name == "mz0":
            self.inst["mz0"][index] = float(value)
            self._reset_state(index, float(value))
        else:
            raise KeyError(name)

    def get_param(self, index: int, name: str) -> float:
        if name in ("hx", "mz0"):
            return float(self.inst[name][index])
        raise KeyError(name)

    # electrical ----------------------------------------------------------------------------
    def mean_s(self) -> F64:
        """Mean of the region states ``s_k`` per device (no tilt)."""
        return self.s.sum(axis=1, dtype=np.int64) / self.nreg

    def mz(self) -> F64:
        """Read-out ``⟨m_z⟩ = cos θ_M·mean(s_k)`` per device."""
        return self.cos_tilt * self.mean_s()

    def hall_resistance(self) -> F64:
        """``R_H = R_AHE·⟨m_z⟩ + R_off`` [Ω] per device (``V_H = I_xx·R_H``)."""
        return self.card["rahe"] * self.mz() + self.card["roff"]

    def local_matrix(self) -> F64:
        """Conductance matrix [S] over the local unknowns (i+, i-, h+, h-, c), shape (N, 5, 5)."""
        c = self.card.values
        gx = 2.0 / c["rxx"]
        gp = 1.0 / c["rhp"]
        gm = 1.0 / c["rhm"]
        k2 = 0.5 * self.hall_resistance() / c["rxx"]  # ½·dV_H/d(V_i+ − V_i-)
        n = len(self)
        A = np.zeros((n, _NT, _NT))
        A[:, 0, 0] = gx
        A[:, 0, 4] = -gx
        A[:, 1, 1] = gx
        A[:, 1, 4] = -gx
        A[:, 2, 0] = -gp * k2
        A[:, 2, 1] = gp * k2
        A[:, 2, 2] = gp
        A[:, 2, 4] = -gp
        A[:, 3, 0] = gm * k2
        A[:, 3, 1] = -gm * k2
        A[:, 3, 3] = gm
        A[:, 3, 4] = -gm
        A[:, 4, :] = -A[:, :4, :].sum(axis=1)
        return A

    def local_currents(self, v: F64) -> F64:
        """Currents [A] leaving each local node into the device at local voltages ``v`` (N, 5).

        Written from the network equations (not from :meth:`local_matrix`), so the two can be
        checked against each other.
        """
        c = self.card.values
        vip, vim, vhp, vhm, vc = (v[:, k] for k in range(_NT))
        ixx = (vip - vim) / c["rxx"]
        vh = ixx * self.hall_resistance()
        out = np.empty_like(v)
        out[:, 0] = (vip - vc) / (0.5 * c["rxx"])
        out[:, 1] = (vim - vc) / (0.5 * c["rxx"])
        out[:, 2] = (vhp - vc - 0.5 * vh) / c["rhp"]
        out[:, 3] = (vhm - vc + 0.5 * vh) / c["rhm"]
        out[:, 4] = -out[:, :4].sum(axis=1)
        return out

    def g_stamp(self) -> tuple[I64, I64, F64]:
        return self._rows, self._cols, self.local_matrix().ravel()

    def local_voltages(self, x: F64) -> F64:
        """Voltages of (i+, i-, h+, h-, c) per device, shape (N, 5) (ground reads 0 V)."""
        return np.where(self._ground, 0.0, x[self._safe])

    def channel_current(self, x: F64) -> F64:
        """``I_xx = (V(i+) − V(i-))/R_xx`` [A] per device."""
        v = np.where(self._ground[:, :2], 0.0, x[self._safe[:, :2]])
        return (v[:, 0] - v[:, 1]) / self.card["rxx"]

    # magnetic state ------------------------------------------------------------------------
    def drive(self, ixx: F64) -> tuple[F64, F64]:
        """Favoured ``m_z`` sign ``d`` (0: none) and ``μ0H_DL`` [T] at channel currents ``ixx``."""
        c = self.card.values
        hdl = dl_field(np.abs(ixx) / (c["w"] * c["tj"]), c["chi"])
        d = -c["chir"] * np.sign(ixx) * self.hx_sign
        return d, hdl

    def rates(self, ixx: F64) -> F64:
        """Rate [1/s] at which every region leaves its state at channel currents ``ixx``, (N, nreg)."""
        c = self.card.values
        d, hdl = self.drive(ixx)
        u = -self.s * (d * hdl / nucleation_field(c))[:, None]
        eb = self.eb * np.clip(1.0 - u, 0.0, None) ** c["pexp"]
        kt = K_B * (self.temp_c + 273.15)
        return np.exp(-eb / kt) / c["tau0"]

    def after_solution(self, x: F64, t: float | None, dt: float | None) -> bool:
        if dt is None or dt <= 0:
            return False
        ixx = self.channel_current(x)
        flip = self.clock().advance(self.rates(ixx), dt)
        before = self.s.copy()
        nucleated = flip.sum(axis=1)
        self.s[flip] *= -1
        propagated = np.zeros(len(self), dtype=np.int64)
        if self.card["dwprop"] >= 0.5:
            d, hdl = self.drive(ixx)
            seeded = np.any(self.s == d[:, None].astype(np.int8), axis=1)
            sweep = (d != 0) & (hdl >= self.card["hprop"]) & seeded
            if np.any(sweep):
                target = d[sweep].astype(np.int8)[:, None]
                propagated[sweep] = np.sum(self.s[sweep] != target, axis=1)
                self.s[sweep] = target
        changed = (nucleated + propagated) > 0
        if not np.any(changed):
            return False
        self.clock().rearm(flip | (self.s != before))
        mz = self.mz()
        for i in np.flatnonzero(changed)[:1000]:
            self.events.append({"kind": "switch", "time": t, "device": self.names[i],
                                "nucleated": int(nucleated[i]), "propagated": int(propagated[i]),
                                "mz": float(mz[i]), "current": float(ixx[i])})
        return True

    def outputs(self, x: F64) -> dict[str, F64]:
        ixx = self.channel_current(x)
        d, hdl = self.drive(ixx)
        rh = self.hall_resistance()
        return {"mz": self.mz(), "rhall": rh, "nup": np.sum(self.s > 0, axis=1).astype(np.float64),
                "ixx": ixx, "hdl": d * hdl, "vh": ixx * rh}

    @classmethod
    def spice_lines(cls, name: str, nodes: list[str], card: BoundCard, params: dict[str, float]) -> list[str]:
        """Linear ngspice equivalent of an instance in its initial state (no switching).

        The cross centre is the node ``<name>_c``; the Hall arms are B current sources.
        """
        c = card.values
        n = cls.regions(card)
        mz0 = params.get("mz0", c["mz0"])
        hx = params.get("hx", c["hx"])
        up = round((1.0 + mz0) / 2.0 * n)
        h = min(abs(hx) / c["hk"], 1.0)
        cos_tilt = math.sqrt(1.0 - h * h) if c["tilt"] >= 0.5 else 1.0
        rh = c["rahe"] * cos_tilt * (2 * up - n) / n + c["roff"]
        k2 = 0.5 * rh / c["rxx"]
        ip, im, hp, hm = nodes
        mid = f"{name}_c"

        def v(node: str) -> str:
            return "0" if node in ("0", "gnd") else f"V({node})"

        vxx = f"({v(ip)}-{v(im)})"
        return [
            f"r{name}_a {ip} {mid} {0.5 * c['rxx']!r}",
            f"r{name}_b {mid} {im} {0.5 * c['rxx']!r}",
            f"b{name}_hp {hp} {mid} I={{({v(hp)}-V({mid})-({k2!r})*{vxx})/{c['rhp']!r}}}",
            f"b{name}_hm {hm} {mid} I={{({v(hm)}-V({mid})+({k2!r})*{vxx})/{c['rhm']!r}}}",
        ]
