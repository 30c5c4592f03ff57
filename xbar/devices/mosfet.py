"""MOSFET level 1 (Shichman–Hodges) with Meyer gate capacitances, as ngspice 39's MOS1.

Element ``M<name> drain gate source bulk model [W=] [L=] [M=] [AD= AS= PD= PS= NRD= NRS=]
[off]`` with ``.model <model> nmos|pmos (level=1 …)``. Every instance of one card is one
vectorised group; local nodes are ``d g s b d' s'`` (``d'``/``s'`` are the internal nodes
``<name>#drain``/``<name>#source`` behind ``RD``/``RS``, or alias ``d``/``s`` without them).

Equations (n-channel frame; a p-channel device evaluates the same equations on negated
voltages and negates the currents and charges) [1]_, [2]_:

* threshold with body effect ``Von = Vbi + γ·√(Φ − Vbs)`` (for ``Vbs > 0`` SPICE's linear
  continuation ``√Φ − Vbs/(2√Φ)``, clipped at 0), ``Vbi = VTO − γ·√Φ`` at ``TNOM``;
* drain current, ``β = KP·M·W/(L − 2·LD)``, ``Vgst = Vgs − Von``:
  cut-off ``Vgst ≤ 0``: 0; saturation ``Vgst ≤ Vds``: ``β(1 + λVds)·Vgst²/2``;
  linear: ``β(1 + λVds)·Vds·(Vgst − Vds/2)``; with ``Vds < 0`` drain and source swap roles
  (the device is symmetric);
* bulk junctions ``Ibs = Is·(exp(Vbs/Vt) − 1) + gmin·Vbs`` (``−Is + gmin·Vbs`` below
  ``−3·Vt``), the same for ``Ibd``; ``Is = IS·M``, or ``JS·AD·M`` / ``JS·AS·M`` when ``JS``,
  ``AD`` and ``AS`` are given;
* charges: bulk depletion charges of ``CBD``/``CBS`` (or ``CJ·AD``, ``CJ·AS``) with
  sidewalls ``CJSW·PD``/``CJSW·PS`` (grading ``MJ``/``MJSW``, linear above ``FC·PB``); Meyer's
  gate capacitances [3]_ of ``Cox = ε_ox/TOX·W·Leff·M`` (none without ``TOX``) plus the
  overlaps ``CGSO·W``, ``CGDO·W``, ``CGBO·Leff``. As in SPICE, Meyer's capacitances are
  integrated as ``Q(t) = Q(t−h) + (V(t) − V(t−h))·(C(t) + C(t−h))/2`` (they are not the
  derivatives of a charge), with the exact Newton Jacobian of that update; ``.ac`` uses
  ``C`` at the operating point;
* temperature: ``KP·(T/Tnom)^−1.5``, ``Φ`` and ``PB`` through the band gap, ``IS`` through
  ``exp(−Eg/Vt + Eg0/Vt0)`` (``mos1temp.c``);
* Newton: ``Vgs``/``Vgd`` limited around the threshold (``DEVfetlim``), ``Vds`` by
  ``DEVlimvds``, the bulk junctions by ``DEVpnjlim``; a cold start uses ``Vbs = −1``,
  ``Vgs = VTO``, ``Vds = 0`` (``off``: all zero).

Parameters derived as in ngspice when not given: with ``TOX``, ``KP = U0·Cox'`` (``U0`` in
cm²/Vs) and, with ``NSUB``, ``PHI``, ``GAMMA`` and ``VTO`` from the doping, ``NSS`` and ``TPG``.

References
----------
.. [1] H. Shichman and D. A. Hodges, "Modeling and simulation of insulated-gate field-effect
   transistor switching circuits", IEEE J. Solid-State Circuits 3(3), 285 (1968).
.. [2] ngspice 39 source, ``src/spicelib/devices/mos1/`` (``mos1load.c``, ``mos1temp.c``).
.. [3] J. E. Meyer, "MOS models and circuit simulation", RCA Review 32, 42 (1971).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from xbar.devices.base import F64, I64, LoadContext
from xbar.devices.junction import (
    CELSIUS_TO_KELVIN,
    CHARGE,
    KOVERQ,
    REFTEMP,
    gap_energy,
    pb_factor,
)
from xbar.devices.limiting import fetlim, limvds, pnjlim
from xbar.devices.local import LocalDevice, LocalEval, conductance_block
from xbar.devices.params import BoundCard, Param
from xbar.devices.registry import YDevice, register
from xbar.errors import ModelCardError

__all__ = ["MOS1_CARD", "MOS_INSTANCE", "Mosfet1", "meyer_caps", "mosfet_level_name"]

_EPS_OX = 3.9 * 8.854214871e-12
_EPS_SI = 11.70 * 8.854214871e-12
_INF = float("inf")

MOS1_CARD: tuple[Param, ...] = (
    Param("level", 1.0, "-", 1.0, 1.0, "model level (1: Shichman–Hodges)", "ngspice manual §11.2"),
    Param("vto", 0.0, "V", -100.0, 100.0, "zero-bias threshold voltage (computed from NSUB when not given)", "mos1set.c"),
    Param("vt0", 0.0, "V", -100.0, 100.0, "alias of VTO", "mos1.c"),
    Param("kp", 2e-5, "A/V²", 0.0, 1e3, "transconductance parameter (U0·Cox' when TOX is given)", "mos1set.c"),
    Param("gamma", 0.0, "√V", 0.0, 100.0, "bulk threshold parameter (computed from NSUB when not given)", "mos1set.c"),
    Param("phi", 0.6, "V", 1e-3, 100.0, "surface potential (computed from NSUB when not given)", "mos1set.c"),
    Param("lambda", 0.0, "1/V", 0.0, 100.0, "channel-length modulation", "mos1set.c"),
    Param("rd", 0.0, "Ω", 0.0, 1e12, "drain ohmic resistance", "mos1set.c"),
    Param("rs", 0.0, "Ω", 0.0, 1e12, "source ohmic resistance", "mos1set.c"),
    Param("cbd", 0.0, "F", 0.0, 1.0, "zero-bias bulk-drain junction capacitance", "mos1set.c"),
    Param("cbs", 0.0, "F", 0.0, 1.0, "zero-bias bulk-source junction capacitance", "mos1set.c"),
    Param("is", 1e-14, "A", 0.0, 1.0, "bulk junction saturation current", "mos1set.c"),
    Param("pb", 0.8, "V", 1e-3, 10.0, "bulk junction potential", "mos1set.c"),
    Param("cgso", 0.0, "F/m", 0.0, 1.0, "gate-source overlap capacitance per channel width", "mos1set.c"),
    Param("cgdo", 0.0, "F/m", 0.0, 1.0, "gate-drain overlap capacitance per channel width", "mos1set.c"),
    Param("cgbo", 0.0, "F/m", 0.0, 1.0, "gate-bulk overlap capacitance per channel length", "mos1set.c"),
    Param("rsh", 0.0, "Ω/□", 0.0, 1e12, "drain and source diffusion sheet resistance", "mos1set.c"),
    Param("cj", 0.0, "F/m²", 0.0, 1e3, "zero-bias bulk junction bottom capacitance per area", "mos1set.c"),
    Param("mj", 0.5, "-", 0.0, 0.99, "bulk junction bottom grading coefficient", "mos1set.c"),
    Param("cjsw", 0.0, "F/m", 0.0, 1e3, "zero-bias bulk junction sidewall capacitance per length", "mos1set.c"),
    Param("mjsw", 0.5, "-", 0.0, 0.99, "bulk junction sidewall grading coefficient", "mos1set.c"),
    Param("js", 0.0, "A/m²", 0.0, 1e6, "bulk junction saturation current density", "mos1set.c"),
    Param("tox", 0.0, "m", 0.0, 1e-3, "oxide thickness (0: no gate capacitance)", "mos1temp.c"),
    Param("ld", 0.0, "m", 0.0, 1e-3, "lateral diffusion", "mos1set.c"),
    Param("u0", 600.0, "cm²/Vs", 0.0, 1e6, "surface mobility (used with TOX when KP is not given)", "mos1temp.c"),
    Param("uo", 600.0, "cm²/Vs", 0.0, 1e6, "alias of U0", "mos1.c"),
    Param("fc", 0.5, "-", 0.0, 0.95, "forward-bias depletion capacitance coefficient", "mos1set.c"),
    Param("nsub", 0.0, "1/cm³", 0.0, 1e24, "substrate doping (used with TOX)", "mos1temp.c"),
    Param("tpg", 1.0, "-", -1.0, 1.0, "gate type: +1 opposite to substrate, −1 same, 0 aluminium", "mos1temp.c"),
    Param("nss", 0.0, "1/cm²", 0.0, 1e16, "surface state density", "mos1temp.c"),
    Param("tnom", 27.0, "°C", -273.0, 1000.0, "parameter measurement temperature", "ngspice default"),
    Param("kf", 0.0, "-", 0.0, 1e6, "flicker-noise coefficient (accepted; no noise analysis)", "mos1set.c"),
    Param("af", 1.0, "-", 0.0, 10.0, "flicker-noise exponent (accepted; no noise analysis)", "mos1set.c"),
)
"""``.model … nmos|pmos (level=1 …)`` parameters with ngspice 39's defaults and units."""

MOS_INSTANCE: tuple[Param, ...] = (
    Param("w", 1e-4, "m", 1e-12, 1.0, "channel width", "ngspice default (DEFW)"),
    Param("l", 1e-4, "m", 1e-12, 1.0, "channel length", "ngspice default (DEFL)"),
    Param("m", 1.0, "-", 1e-6, 1e9, "multiplicity (parallel devices)", "mos1.c"),
    Param("ad", 0.0, "m²", 0.0, 1.0, "drain diffusion area", "mos1.c"),
    Param("as", 0.0, "m²", 0.0, 1.0, "source diffusion area", "mos1.c"),
    Param("pd", 0.0, "m", 0.0, 1.0, "drain diffusion perimeter", "mos1.c"),
    Param("ps", 0.0, "m", 0.0, 1.0, "source diffusion perimeter", "mos1.c"),
    Param("nrd", 1.0, "-", 0.0, 1e9, "drain diffusion squares (with RSH)", "mos1.c"),
    Param("nrs", 1.0, "-", 0.0, 1e9, "source diffusion squares (with RSH)", "mos1.c"),
    Param("off", 0.0, "-", 0.0, 1.0, "1: start the operating point with zero junction voltages", "mos1.c"),
)
"""MOSFET instance parameters (``M`` element line)."""

_LEVEL_NAMES = {
    1: "Shichman-Hodges", 2: "Grove-Frohman (MOS2)", 3: "semi-empirical MOS3", 4: "BSIM1",
    5: "BSIM2", 6: "MOS6", 7: "MOS7", 8: "BSIM3v3", 9: "MOS9", 10: "BSIM3SOI", 14: "BSIM4",
    44: "EKV", 49: "BSIM3v3", 53: "BSIM3v3", 54: "BSIM4", 55: "B3SOI", 56: "B4SOI", 57: "B3SOI",
    58: "B4SOI", 60: "STAG", 61: "HiSIM2", 62: "HiSIM_HV", 68: "HiSIM2", 70: "B4SOI", 72: "BSIM-CMG",
    73: "HiSIM_HV", 77: "BSIM-BULK",
}


def mosfet_level_name(level: float) -> str:
    """Name of an ngspice MOSFET level (for error messages)."""
    lv = round(level)
    return _LEVEL_NAMES.get(lv, "unknown to xbar")


def meyer_caps(vgs: F64, vgd: F64, von: F64, vdsat: F64, phi: float, cox: F64
               ) -> tuple[F64, F64, F64]:
    """Half Meyer capacitances and their derivatives (``DEVqmeyer``).

    Parameters
    ----------
    vgs, vgd : ndarray
        Gate voltages [V] to the effective source and drain.
    von, vdsat : ndarray
        Threshold and saturation voltages [V].
    phi : float
        Surface potential [V].
    cox : ndarray
        Gate oxide capacitance [F].

    Returns
    -------
    caps : ndarray, shape (3, N)
        Half capacitances ``(cgs, cgd, cgb)`` [F] (SPICE adds the other half from the previous
        time point).
    d_vgst, d_vds : ndarray, shape (3, N)
        Their derivatives [F/V] with respect to ``Vgst = Vgs − Von`` and ``Vds = Vgs − Vgd``
        (the ``vdsat`` dependence is folded into ``d_vgst``: ``vdsat`` follows ``Vgst`` above
        25 mV).
    """
    vgst = vgs - von
    vds = vgs - vgd
    vs = np.maximum(vdsat, 0.025)
    below = vgst <= 0.0
    r_a = vgst <= -phi
    r_bc = ~r_a & below  # -phi < vgst <= 0: cgb falls linearly
    r_c = below & (vgst > -0.5 * phi)  # cgs rises below threshold
    on = ~below
    k = cox / (1.5 * phi)
    s0 = np.where(r_c, vgst * k + cox / 3.0, np.where(on, cox / 3.0, 0.0))  # saturation cgs
    ds0 = np.where(r_c, k, 0.0)
    lin = (vds < vs) & (r_c | on)
    vddif = np.where(lin, 2.0 * vs - vds, 1.0)
    inv2 = 1.0 / (vddif * vddif)
    inv3 = inv2 / vddif
    v1 = vs - vds
    fa = np.where(lin, 1.0 - vs * vs * inv2, 0.0)  # cgd = s0·fa
    fb = np.where(lin, 1.0 - v1 * v1 * inv2, 1.0)  # cgs = s0·fb
    da_dvds = np.where(lin, -2.0 * vs * vs * inv3, 0.0)
    db_dvds = np.where(lin, 2.0 * v1 * inv2 - 2.0 * v1 * v1 * inv3, 0.0)
    # vdsat moves with vgst only above threshold (it is 0 below)
    dvs = np.where(lin & on & (vdsat > 0.025), 1.0, 0.0)
    da_dvs = (-2.0 * vs * inv2 + 4.0 * vs * vs * inv3) * dvs
    db_dvs = (-2.0 * v1 * inv2 + 4.0 * v1 * v1 * inv3) * dvs
    cgb = np.where(r_a, 0.5 * cox, np.where(r_bc, -vgst * cox / (2.0 * phi), 0.0))
    dcgb = np.where(r_bc, -cox / (2.0 * phi), 0.0)
    caps = np.stack([s0 * fb, s0 * fa, cgb])
    d_vgst = np.stack([ds0 * fb + s0 * db_dvs, ds0 * fa + s0 * da_dvs, dcgb])
    d_vds = np.stack([s0 * db_dvds, s0 * da_dvds, np.zeros_like(vgs)])
    return caps, d_vgst, d_vds


@register
class Mosfet1(YDevice, LocalDevice):
    """All level-1 MOSFETs of one ``nmos``/``pmos`` card (see module docstring)."""

    kind: ClassVar[str] = "mosfet"
    letter: ClassVar[str] = "m"
    element_letter: ClassVar[str] = "m"
    model_type: ClassVar[str] = "nmos"
    model_types: ClassVar[tuple[str, ...]] = ("nmos", "pmos")
    terminals: ClassVar[tuple[str, ...]] = ("d", "g", "s", "b")
    output_info: ClassVar[dict[str, tuple[str, str]]] = {
        "id": ("A", "drain current (into the drain)"),
        "vgs": ("V", "gate-source voltage"),
        "vds": ("V", "drain-source voltage"),
        "vbs": ("V", "bulk-source voltage"),
        "gm": ("S", "transconductance dId/dVgs"),
        "gds": ("S", "output conductance dId/dVds"),
        "vth": ("V", "threshold voltage with body effect"),
    }
    card_params: ClassVar[tuple[Param, ...]] = MOS1_CARD
    instance_params: ClassVar[tuple[Param, ...]] = MOS_INSTANCE
    linear: ClassVar[bool] = False
    has_charge: ClassVar[bool] = True
    # DC paths through the channel and the bulk junctions (local nodes d g s b d' s')
    dc_conducting = ((0, 4), (4, 5), (5, 2), (3, 4), (3, 5))

    # card checks and internal nodes ------------------------------------------------------
    @staticmethod
    def refuse_card(model_type: str, name: str, level: float | None,
                    keys: set[str]) -> tuple[str, str] | None:
        """What is refused and a hint (other MOSFET levels), or None."""
        if level is None or round(level) == 1:
            return None
        return (f"MOSFET level {level:g} ({mosfet_level_name(level)}) in model '{name}'",
                "xbar implements level 1, Shichman-Hodges")

    @staticmethod
    def _resistances(card: BoundCard, params: dict[str, float]) -> tuple[float, float]:
        """Drain and source ohmic conductances [S] of one instance (0: none), ``mos1temp.c``:
        ``M/RD`` when RD is given, else ``M/(RSH·NRD)`` when RSH is; the same for the source."""
        c = card.values
        m = params.get("m", c["m"])

        def cond(key: str, squares: float) -> float:
            if key in card.given:
                return m / c[key] if c[key] != 0.0 else 0.0
            if "rsh" in card.given and c["rsh"] != 0.0 and squares != 0.0:
                return m / (c["rsh"] * squares)
            return 0.0

        return cond("rd", params.get("nrd", c["nrd"])), cond("rs", params.get("nrs", c["nrs"]))

    @staticmethod
    def _conductances(card: BoundCard, inst: dict[str, F64]) -> tuple[F64, F64]:
        """:meth:`_resistances` of every instance at once (arrays of the instance parameters)."""
        c = card.values
        m = inst["m"]
        out = []
        for key, squares in (("rd", inst["nrd"]), ("rs", inst["nrs"])):
            if key in card.given:
                g = m / c[key] if c[key] != 0.0 else np.zeros_like(m)
            elif "rsh" in card.given and c["rsh"] != 0.0:
                g = np.where(squares != 0.0, m / (c["rsh"] * np.where(squares != 0.0, squares, 1.0)), 0.0)
            else:
                g = np.zeros_like(m)
            out.append(np.asarray(g, dtype=np.float64))
        return out[0], out[1]

    @classmethod
    def internal_names(cls, card: BoundCard, params: dict[str, float]) -> list[str]:
        gd, gs = cls._resistances(card, params)
        return [n for n, g in (("drain", gd), ("source", gs)) if g > 0.0]

    @classmethod
    def internal_nodes(cls, card: BoundCard, params: dict[str, float]) -> int:
        return len(cls.internal_names(card, params))

    # set-up ------------------------------------------------------------------------------
    def __init__(self, names: list[str], nodes: I64, card: BoundCard, inst: dict[str, F64],
                 rng: np.random.Generator) -> None:
        super().__init__(names, nodes, card, inst, rng)
        n = len(names)
        self.type = -1.0 if card.kind == "pmos" else 1.0
        c = card.values
        self.gd_ohm, self.gs_ohm = self._conductances(card, inst)
        self.g_lin = conductance_block(n, 6, [(0, 4, self.gd_ohm), (2, 5, self.gs_ohm)])
        has_d, has_s = self.gd_ohm > 0, self.gs_ohm > 0
        extra = nodes.shape[1] - 4
        d_int = nodes[:, 4] if extra >= 1 else nodes[:, 0]
        s_int = np.where(has_d, nodes[:, 5] if extra >= 2 else nodes[:, 0], nodes[:, 4] if extra >= 1 else nodes[:, 0])
        dp = np.where(has_d, d_int, nodes[:, 0])
        sp_ = np.where(has_s, s_int, nodes[:, 2])
        self.local = np.column_stack([nodes[:, :4], dp, sp_]).astype(np.int64)
        self.nodes = self.local
        gm = np.zeros((6, 6), dtype=bool)
        for a, b in ((0, 0), (0, 4), (4, 0), (2, 2), (2, 5), (5, 2)):
            gm[a, b] = True
        gm[np.ix_([1, 3, 4, 5], [1, 3, 4, 5])] = True
        self.g_mask = gm
        self.c_mask = np.zeros((6, 6), dtype=bool)
        self.c_mask[np.ix_([1, 3, 4, 5], [1, 3, 4, 5])] = True
        self.m = inst["m"]
        self.w = inst["w"]
        self.leff = inst["l"] - 2.0 * c["ld"]
        bad = self.leff <= 0
        if np.any(bad):
            k = int(np.argmax(bad))
            msg = (f"'{names[k]}': effective channel length L - 2·LD = {self.leff[k]:g} m is not positive "
                   f"(L={inst['l'][k]:g}, LD={c['ld']:g})")
            raise ModelCardError(msg, card.location)
        self._derive_card()
        self._temps: dict[float, dict[str, Any]] = {}
        self._hist: dict[str, F64] | None = None
        self._von = np.zeros(n)

    def _derive_card(self) -> None:
        """Model-level preprocessing of ``mos1temp.c`` (KP, PHI, GAMMA, VTO from TOX/NSUB)."""
        c = self.card.values
        given = self.card.given
        tnom = c["tnom"] + CELSIUS_TO_KELVIN
        vtnom = KOVERQ * tnom
        egfet1 = gap_energy(tnom)
        vto = c["vt0"] if "vt0" in given and "vto" not in given else c["vto"]
        kp = c["kp"]
        phi = c["phi"]
        gamma = c["gamma"]
        u0 = c["uo"] if "uo" in given and "u0" not in given else c["u0"]
        cox_per_area = 0.0
        if "tox" in given and c["tox"] > 0.0:
            cox_per_area = _EPS_OX / c["tox"]
            if "kp" not in given:
                kp = u0 * cox_per_area * 1e-4
            if "nsub" in given:
                nsub = c["nsub"]
                if nsub * 1e6 <= 1.45e16:
                    raise ModelCardError(f"model '{self.card.name}': NSUB={nsub:g} /cm³ is below the "
                                         "intrinsic density 1.45e10 /cm³", self.card.location)
                if "phi" not in given:
                    phi = max(0.1, 2.0 * vtnom * math.log(nsub * 1e6 / 1.45e16))
                fermis = self.type * 0.5 * phi
                wkfng = 3.2
                tpg = round(c["tpg"])
                if tpg != 0:
                    fermig = self.type * tpg * 0.5 * egfet1
                    wkfng = 3.25 + 0.5 * egfet1 - fermig
                wkfngs = wkfng - (3.25 + 0.5 * egfet1 + fermis)
                if "gamma" not in given:
                    gamma = math.sqrt(2.0 * _EPS_SI * CHARGE * nsub * 1e6) / cox_per_area
                if "vto" not in given and "vt0" not in given:
                    vfb = wkfngs - c["nss"] * 1e4 * CHARGE / cox_per_area
                    vto = vfb + self.type * (gamma * math.sqrt(phi) + phi)
        self.vto, self.kp, self.phi, self.gamma, self.cox_area = vto, kp, phi, gamma, cox_per_area
        self.lam = c["lambda"]

    def _thermal(self, temp_c: float) -> dict[str, Any]:
        cached = self._temps.get(temp_c)
        if cached is not None:
            return cached
        c = self.card.values
        given = self.card.given
        tnom = c["tnom"] + CELSIUS_TO_KELVIN
        t = temp_c + CELSIUS_TO_KELVIN
        vt = KOVERQ * t
        vtnom = KOVERQ * tnom
        fact1, fact2 = tnom / REFTEMP, t / REFTEMP
        egfet1, egfet = gap_energy(tnom), gap_energy(t)
        pbfact1, pbfact = pb_factor(tnom), pb_factor(t)
        ratio = t / tnom
        ratio4 = ratio * math.sqrt(ratio)
        tkp = self.kp / ratio4
        phio = (self.phi - pbfact1) / fact1
        tphi = fact2 * phio + pbfact
        tvbi = (self.vto - self.type * (self.gamma * math.sqrt(self.phi)) + 0.5 * (egfet1 - egfet)
                + self.type * 0.5 * (tphi - self.phi))
        tvto = tvbi + self.type * self.gamma * math.sqrt(tphi)
        scale = math.exp(-egfet / vt + egfet1 / vtnom)
        tsat = c["is"] * scale
        tsatd = c["js"] * scale
        pbo = (c["pb"] - pbfact1) / fact1
        gmaold = (c["pb"] - pbo) / pbo
        mj, mjsw = c["mj"], c["mjsw"]
        capfact = 1.0 / (1.0 + mj * (4e-4 * (tnom - REFTEMP) - gmaold))
        tcbd, tcbs, tcj = c["cbd"] * capfact, c["cbs"] * capfact, c["cj"] * capfact
        tcjsw = c["cjsw"] / (1.0 + mjsw * (4e-4 * (tnom - REFTEMP) - gmaold))
        tpb = fact2 * pbo + pbfact
        gmanew = (tpb - pbo) / pbo
        capfact = 1.0 + mj * (4e-4 * (t - REFTEMP) - gmanew)
        tcbd, tcbs, tcj = tcbd * capfact, tcbs * capfact, tcj * capfact
        tcjsw = tcjsw * (1.0 + mjsw * (4e-4 * (t - REFTEMP) - gmanew))
        fc = c["fc"]
        ad, as_, pd, ps = (self.inst[k] for k in ("ad", "as", "pd", "ps"))
        m = self.m
        dens = (tsatd != 0.0) & (ad != 0.0) & (as_ != 0.0)
        isd = np.where(dens, tsatd * m * ad, m * tsat)
        iss = np.where(dens, tsatd * m * as_, m * tsat)
        with np.errstate(divide="ignore"):
            vcrit_d = vt * np.log(vt / (math.sqrt(2.0) * isd))
            vcrit_s = vt * np.log(vt / (math.sqrt(2.0) * iss))
        czbd = tcbd * m if "cbd" in given else tcj * m * ad
        czbs = tcbs * m if "cbs" in given else tcj * m * as_
        czbdsw = tcjsw * pd * m if "cjsw" in given else np.zeros(len(m))
        czbssw = tcjsw * ps * m if "cjsw" in given else np.zeros(len(m))
        arg = 1.0 - fc
        sarg = math.exp(-mj * math.log(arg))
        sargsw = math.exp(-mjsw * math.log(arg))

        def fcoef(cz: F64, czsw: F64) -> tuple[F64, F64, F64]:
            f2 = cz * (1 - fc * (1 + mj)) * sarg / arg + czsw * (1 - fc * (1 + mjsw)) * sargsw / arg
            f3 = cz * mj * sarg / arg / tpb + czsw * mjsw * sargsw / arg / tpb
            depcap = fc * tpb
            f4 = (cz * tpb * (1 - arg * sarg) / (1 - mj) + czsw * tpb * (1 - arg * sargsw) / (1 - mjsw)
                  - f3 / 2 * depcap * depcap - depcap * f2)
            return f2, f3, f4

        out: dict[str, Any] = {
            "vt": vt, "tphi": tphi, "tvbi": tvbi, "tvto": tvto,
            "beta": tkp * m * self.w / self.leff, "isd": isd, "iss": iss,
            "vcrit_d": vcrit_d, "vcrit_s": vcrit_s, "tpb": tpb, "depcap": fc * tpb,
            "czbd": czbd, "czbs": czbs, "czbdsw": czbdsw, "czbssw": czbssw,
            "fd": fcoef(czbd, czbdsw), "fs": fcoef(czbs, czbssw),
            "iss_isd": np.concatenate([iss, isd]),
            "cz_sd": np.concatenate([czbs, czbd]), "czsw_sd": np.concatenate([czbssw, czbdsw]),
            "f_sd": tuple(np.concatenate([a, b]) for a, b in zip(fcoef(czbs, czbssw), fcoef(czbd, czbdsw),
                                                                   strict=True)),
            "has_junction_caps": bool(np.any(czbd != 0) or np.any(czbs != 0) or np.any(czbdsw != 0)
                                      or np.any(czbssw != 0)),
            "cox": self.cox_area * self.leff * m * self.w,
            "cgso": c["cgso"] * m * self.w, "cgdo": c["cgdo"] * m * self.w, "cgbo": c["cgbo"] * m * self.leff,
        }
        self._temps[temp_c] = out
        return out

    # physics -----------------------------------------------------------------------------
    def _frame(self, v: F64) -> tuple[F64, F64, F64]:
        """n-frame ``(vgs, vds, vbs)`` of local voltages ``v`` (to the internal nodes)."""
        tp = self.type
        return tp * (v[:, 1] - v[:, 5]), tp * (v[:, 4] - v[:, 5]), tp * (v[:, 3] - v[:, 5])

    def _unframe(self, v: F64, vgs: F64, vds: F64, vbs: F64) -> F64:
        out = v.copy()
        tp = self.type
        out[:, 1] = v[:, 5] + tp * vgs
        out[:, 4] = v[:, 5] + tp * vds
        out[:, 3] = v[:, 5] + tp * vbs
        return out

    @staticmethod
    def _bulk_diode(vb: F64, isat: F64, vt: float, gmin: float) -> tuple[F64, F64]:
        low = vb <= -3.0 * vt
        ev = np.exp(np.minimum(np.where(low, 0.0, vb) / vt, 709.0))
        g = np.where(low, gmin, isat * ev / vt + gmin)
        i = np.where(low, gmin * vb - isat, isat * (ev - 1.0) + gmin * vb)
        return i, g

    def _channel(self, vgx: F64, vdsx: F64, vbx: F64, tp: dict[str, Any]
                 ) -> tuple[F64, F64, F64, F64, F64, F64, F64]:
        """Drain current in the local (effective source) frame and its derivatives:
        returns ``(ids, gm, gds, gmbs, von, vdsat, dvon_dvbx)``."""
        phi = tp["tphi"]
        sphi = math.sqrt(phi)
        neg = vbx <= 0.0
        with np.errstate(invalid="ignore"):
            s_neg = np.sqrt(np.maximum(phi - vbx, 0.0))
        s_pos = np.maximum(sphi - vbx / (2.0 * sphi), 0.0)
        sarg = np.where(neg, s_neg, s_pos)
        with np.errstate(divide="ignore", invalid="ignore"):
            dsarg = np.where(neg, -0.5 / np.where(s_neg > 0, s_neg, 1.0), np.where(s_pos > 0, -0.5 / sphi, 0.0))
        dsarg = np.where(neg & (s_neg <= 0), 0.0, dsarg)
        von = tp["tvbi"] * self.type + self.gamma * sarg
        dvon = self.gamma * dsarg
        vgst = vgx - von
        vdsat = np.maximum(vgst, 0.0)
        beta = tp["beta"]
        lam = self.lam
        on = vgst > 0.0
        sat = on & (vgst <= vdsx)
        lin = on & ~sat
        betap = beta * (1.0 + lam * vdsx)
        ids = np.where(sat, betap * vgst * vgst * 0.5, np.where(lin, betap * vdsx * (vgst - 0.5 * vdsx), 0.0))
        gm = np.where(sat, betap * vgst, np.where(lin, betap * vdsx, 0.0))
        gds = np.where(sat, lam * beta * vgst * vgst * 0.5,
                       np.where(lin, betap * (vgst - vdsx) + lam * beta * vdsx * (vgst - 0.5 * vdsx), 0.0))
        gmbs = -gm * dvon
        return ids, gm, gds, gmbs, von, vdsat, dvon

    @staticmethod
    def _junction_stamp(f: F64, G: F64, i_s: F64, i_d: F64, g_s: F64, g_d: F64) -> None:
        """Bulk-source (b -> s') and bulk-drain (b -> d') branches into ``f``/``G`` (or q/C)."""
        f[:, 3] += i_s + i_d
        f[:, 5] -= i_s
        f[:, 4] -= i_d
        G[:, 3, 3] += g_s + g_d
        G[:, 3, 5] -= g_s
        G[:, 5, 3] -= g_s
        G[:, 5, 5] += g_s
        G[:, 3, 4] -= g_d
        G[:, 4, 3] -= g_d
        G[:, 4, 4] += g_d

    def _junction_charge(self, vb: F64, cz: F64, czsw: F64, f: tuple[F64, F64, F64],
                         tp: dict[str, Any]) -> tuple[F64, F64]:
        c = self.card.values
        mj, mjsw = c["mj"], c["mjsw"]
        pb = tp["tpb"]
        low = vb < tp["depcap"]
        arg = 1.0 - np.where(low, vb, 0.0) / pb
        sarg = np.exp(-mj * np.log(arg))
        sargsw = np.exp(-mjsw * np.log(arg))
        q_low = pb * (cz * (1 - arg * sarg) / (1 - mj) + czsw * (1 - arg * sargsw) / (1 - mjsw))
        c_low = cz * sarg + czsw * sargsw
        f2, f3, f4 = f
        q_high = f4 + vb * (f2 + vb * (f3 / 2.0))
        c_high = f2 + f3 * vb
        return np.where(low, q_low, q_high), np.where(low, c_low, c_high)

    def evaluate(self, v: F64, ctx: LoadContext, mode: str) -> LocalEval:
        tp = self._thermal(ctx.temp)
        n = len(v)
        typ = self.type
        vgs, vds, vbs = self._frame(v)
        vbd = vbs - vds
        vgd = vgs - vds
        # ohmic resistances (constant stamps)
        G = self.g_lin.copy()
        f = np.einsum("nts,ns->nt", G, v)
        # bulk junctions (n-frame currents from bulk into source / drain), both in one call
        cj, gj = self._bulk_diode(np.concatenate([vbs, vbd]), tp["iss_isd"], tp["vt"], ctx.gmin)
        self._junction_stamp(f, G, typ * cj[:n], typ * cj[n:], gj[:n], gj[n:])
        # channel, in the frame of the effective source
        normal = vds >= 0.0
        mode_s = np.where(normal, 1.0, -1.0)
        vgx = np.where(normal, vgs, vgd)
        vbx = np.where(normal, vbs, vbd)
        vdsx = vds * mode_s
        ids, gm, gds, gmbs, von, vdsat, dvon = self._channel(vgx, vdsx, vbx, tp)
        if mode == "ac":
            # SPICE's small-signal gmbs: gm·γ/(2·sarg) also for a forward-biased bulk
            sarg = (von - tp["tvbi"] * self.type) / self.gamma if self.gamma != 0 else np.zeros(n)
            gmbs = np.where(sarg > 0, gm * self.gamma / (2.0 * np.where(sarg > 0, sarg, 1.0)), 0.0)
        self._von = von
        i_ds = mode_s * ids  # n-frame current d' -> s'
        d_g = mode_s * gm
        d_b = mode_s * gmbs
        d_dp = np.where(normal, gds, gm + gds + gmbs)
        d_sp = np.where(normal, -(gm + gds + gmbs), -gds)
        f[:, 4] += typ * i_ds
        f[:, 5] -= typ * i_ds
        row = np.stack([d_g, d_b, d_dp, d_sp], axis=1)  # d i_ds / d(v_g, v_b, v_d', v_s')
        G[:, 4, self._COLS] += row
        G[:, 5, self._COLS] -= row
        if mode == "dc":
            return LocalEval(f, G)
        q = np.zeros((n, 6))
        C = np.zeros((n, 6, 6))
        # bulk depletion charges (source and drain junctions in one call)
        if tp["has_junction_caps"]:
            qj, cj = self._junction_charge(np.concatenate([vbs, vbd]), tp["cz_sd"], tp["czsw_sd"],
                                           tp["f_sd"], tp)
            self._junction_stamp(q, C, typ * qj[:n], typ * qj[n:], cj[:n], cj[n:])
        self._meyer(v, vgs, vgd, vbs, normal, von, vdsat, dvon, tp, mode, q, C)
        return LocalEval(f, G, q, C)

    _OTHER = np.array([5, 4, 3])  # gs -> s', gd -> d', gb -> b (local nodes)
    _COLS = np.array([1, 3, 4, 5])  # derivative order: g, b, d', s'
    _OTHER_COL = np.array([3, 2, 1])  # position of each key's other node in _COLS

    def _meyer(self, v: F64, vgs: F64, vgd: F64, vbs: F64, normal: np.ndarray, von: F64, vdsat: F64,
               dvon: F64, tp: dict[str, Any], mode: str, q: F64, C: F64) -> None:
        """Gate charges (Meyer) into ``q``/``C``; see the module docstring."""
        typ = self.type
        n = len(vgs)
        volt = np.stack([vgs, vgd, vgs - vbs])  # (3, N): gs, gd, gb
        ch, dch = self._meyer_half(vgs, vgd, normal, von, vdsat, dvon, tp["cox"], tp)
        ov = np.stack([np.broadcast_to(tp[k], (n,)) for k in ("cgso", "cgdo", "cgbo")])
        hist = self._hist
        if mode == "ac":
            cap = 2.0 * ch + ov
            qk = volt * cap
            dq = np.zeros((3, 4, n))
        elif hist is None:
            cap = 2.0 * ch + ov
            qk = volt * cap
            dq = 2.0 * volt[:, None, :] * dch
        else:
            cap = ch + hist["c"] + ov
            dv = volt - hist["v"]
            qk = hist["q"] + dv * cap
            dq = dv[:, None, :] * dch
        dq[:, 0, :] += cap
        dq[np.arange(3), self._OTHER_COL, :] -= cap
        q[:, 1] += typ * qk.sum(axis=0)
        q[:, self._OTHER] -= typ * qk.T
        cols = self._COLS
        C[:, 1, cols] += dq.sum(axis=0).T
        for k in range(3):
            C[:, self._OTHER[k], cols] -= dq[k].T
        # the accepted step's charges are this linearisation at its solution (after_solution)
        self._meyer_last = (qk, dq, ch, v) if mode == "tran" and hist is not None else None

    def _meyer_half(self, vgs: F64, vgd: F64, normal: np.ndarray, von: F64, vdsat: F64, dvon: F64,
                    cox: F64, tp: dict[str, Any]) -> tuple[F64, F64]:
        """Physical half capacitances (gs, gd, gb), shape (3, N), and their derivatives with
        respect to the local node voltages (g, b, d', s'), shape (3, 4, N)."""
        n = len(vgs)
        if not np.any(cox > 0.0):
            return np.zeros((3, n)), np.zeros((3, 4, n))
        vgx = np.where(normal, vgs, vgd)
        vgy = np.where(normal, vgd, vgs)
        caps, dg, dd = meyer_caps(vgx, vgy, von, vdsat, tp["tphi"], cox)
        # vgst = vgx − von(vbx): d/d(v_g, v_b, v_xdrn, v_xsrc) = (1, −dvon, 0, −1 + dvon);
        # vds_local = v_xdrn − v_xsrc: (0, 0, 1, −1)
        zero = np.zeros(n)
        one = np.ones(n)
        a = np.stack([one, -dvon, zero, dvon - 1.0])
        b = np.array([0.0, 0.0, 1.0, -1.0])[:, None]
        grad = dg[:, None, :] * a[None, :, :] + dd[:, None, :] * b[None, :, :]  # (3, 4, N)
        # local (x: effective source side) -> physical; reverse mode swaps d' and s' and gs/gd
        swapped = grad[:, [0, 1, 3, 2], :]
        grad = np.where(normal, grad, swapped)
        rev = ~normal
        phys = caps.copy()
        phys[0] = np.where(rev, caps[1], caps[0])
        phys[1] = np.where(rev, caps[0], caps[1])
        gphys = grad.copy()
        gphys[0] = np.where(rev, grad[1], grad[0])
        gphys[1] = np.where(rev, grad[0], grad[1])
        return phys, gphys

    # Newton ------------------------------------------------------------------------------
    def limit(self, v: F64, v_old: F64, ctx: LoadContext) -> tuple[F64, np.ndarray]:
        tp = self._thermal(ctx.temp)
        vgs, vds, vbs = self._frame(v)
        vgs_o, vds_o, vbs_o = self._frame(v_old)
        vgd = vgs - vds
        vgdo = vgs_o - vds_o
        von = self._von
        fwd = vds_o >= 0.0
        # drain-source voltage positive: limit vgs, then vds
        vgs_a = fetlim(vgs, vgs_o, von)
        vds_a = limvds(vgs_a - vgd, vds_o)
        # reverse: limit vgd, then -vds
        vgd_b = fetlim(vgd, vgdo, von)
        vds_b = -limvds(-(vgs - vgd_b), -vds_o)
        vgs_b = vgd_b + vds_b
        vgs_n = np.where(fwd, vgs_a, vgs_b)
        vds_n = np.where(fwd, vds_a, vds_b)
        vbd_o = vbs_o - vds_o
        vbs_l, lim_s = pnjlim(vbs, vbs_o, tp["vt"], tp["vcrit_s"])
        # as mos1load.c: vbd from the new, not yet limited voltages
        vbd_l, lim_d = pnjlim(vbs - vds, vbd_o, tp["vt"], tp["vcrit_d"])
        src = vds_n >= 0.0
        vbs_n = np.where(src, vbs_l, vbd_l + vds_n)
        # fetlim/limvds changes count as limiting (rebuilding vgs from vgd + vds only rounds)
        tiny = 1e-9 * (1.0 + np.abs(vgs) + np.abs(vds))
        limited = (np.where(src, lim_s, lim_d) | (np.abs(vgs_n - vgs) > tiny)
                   | (np.abs(vds_n - vds) > tiny))
        return self._unframe(v, vgs_n, vds_n, vbs_n), limited

    def limit_free_step(self, ctx: LoadContext) -> float:
        """Node steps below ``Vt`` (and 0.25 V) change Vgs, Vds, Vbs by less than ``2·Vt`` and
        0.5 V: ``DEVpnjlim``, ``DEVfetlim`` and ``DEVlimvds`` leave them."""
        return 0.99 * min(float(self._thermal(ctx.temp)["vt"]), 0.25)

    def cold_start(self, v: F64, ctx: LoadContext) -> F64:
        tp = self._thermal(ctx.temp)
        n = len(v)
        off = self.inst["off"] > 0.5
        vbs = np.where(off, 0.0, -1.0)
        vgs = np.where(off, 0.0, self.type * tp["tvto"])
        return self._unframe(v, vgs, np.zeros(n), vbs)

    # transient history of the Meyer charges ---------------------------------------------
    def after_solution(self, x: F64, t: float | None, dt: float | None) -> bool:
        if t is None:
            self._hist = None  # DC: the next transient starts a new history
            return False
        v = self.gather(x)
        vgs, vds, vbs = self._frame(v)
        volt = np.stack([vgs, vgs - vds, vgs - vbs])
        cache = self.__dict__.get("_meyer_last")
        if dt is not None and self._hist is not None and cache is not None:
            qk, dq, ch, v_lin = cache
            dvn = self.type * (v - v_lin)[:, self._COLS]  # n-frame change since the linearisation
            self._hist = {"q": qk + np.einsum("kcn,nc->kn", dq, dvn), "v": volt, "c": ch}
            self._meyer_last = None
            return False
        tp = self._thermal(getattr(self, "temp_c", 27.0))
        normal = vds >= 0.0
        vgx = np.where(normal, vgs, vgs - vds)
        vbx = np.where(normal, vbs, vbs - vds)
        _, _, _, _, von, vdsat, dvon = self._channel(vgx, np.abs(vds), vbx, tp)
        ch, _ = self._meyer_half(vgs, vgs - vds, normal, von, vdsat, dvon, tp["cox"], tp)
        n = len(vgs)
        ov = np.stack([np.broadcast_to(tp[k], (n,)) for k in ("cgso", "cgdo", "cgbo")])
        if self._hist is None or dt is None:
            q = volt * (2.0 * ch + ov)
        else:
            h = self._hist
            q = h["q"] + (volt - h["v"]) * (ch + h["c"] + ov)
        self._hist = {"q": q, "v": volt, "c": ch}
        return False

    # outputs and export -------------------------------------------------------------------
    def outputs(self, x: F64) -> dict[str, F64]:
        ctx = LoadContext(gmin=0.0, temp=getattr(self, "temp_c", 27.0), reltol=1e-3, abstol=1e-12, vntol=1e-6)
        v = self.gather(x)
        vgs, vds, vbs = self._frame(v)
        tp = self._thermal(ctx.temp)
        normal = vds >= 0.0
        mode_s = np.where(normal, 1.0, -1.0)
        ids, gm, gds, _, von, _, _ = self._channel(np.where(normal, vgs, vgs - vds), vds * mode_s,
                                                   np.where(normal, vbs, vbs - vds), tp)
        typ = self.type
        return {"id": typ * mode_s * ids, "vgs": typ * vgs, "vds": typ * vds, "vbs": typ * vbs,
                "gm": gm, "gds": gds, "vth": typ * von}

    @classmethod
    def spice_lines(cls, name: str, nodes: list[str], card: BoundCard, params: dict[str, float]) -> list[str]:
        """The element as an ngspice ``M`` card (the model card is written separately)."""
        extra = " ".join(f"{k}={v!r}" for k, v in params.items() if k != "off")
        off = " off" if params.get("off", 0.0) >= 0.5 else ""
        return [f"{name} {' '.join(nodes)} {card.name.replace(':', '_')} {extra}{off}".rstrip()]
