"""Bipolar junction transistor, Gummel–Poon as ngspice 39's level 1 (``bjtload.c``).

Element ``Q<name> collector base emitter [substrate] model [area] [M=m] [off]`` with
``.model <model> npn|pnp (…)``. Local nodes ``c b e s c' b' e'``: the primed nodes are the
internal nodes ``<name>#collector``/``#base``/``#emitter`` behind ``RC``, ``RB`` and ``RE``
(aliases of the terminals when a resistance is 0); the substrate defaults to ground.

Equations in the NPN frame (a PNP evaluates them on negated voltages and negates currents and
charges) [1]_, [2]_; ``Vt = kT/q``, junction currents with SPICE's reverse branch
(:func:`xbar.devices.junction.junction_current`):

* ``Ibe = IS·(exp(Vbe/(NF·Vt)) − 1)``, ``Ibc = IS·(exp(Vbc/(NR·Vt)) − 1)``, leakage
  ``ISE``/``NE``, ``ISC``/``NC``, each plus ``gmin·V``;
* base charge ``qb = q1·(1 + √(1 + 4·q2))/2`` with ``q1 = 1/(1 − Vbc/VAF − Vbe/VAR)``,
  ``q2 = Ibe/IKF + Ibc/IKR``;
* collector ``Ic = (Ibe − Ibc)/qb − Ibc/BR − Ibc,leak``, base
  ``Ib = Ibe/BF + Ibe,leak + Ibc/BR + Ibc,leak``;
* base resistance ``RBM + (RB − RBM)/qb``, or with ``IRB`` the
  ``RBM + 3(RB − RBM)(tan z − z)/(z·tan²z)`` law; its dependence on the bias is part of the
  (exact) Newton Jacobian, while ``.ac`` takes it, as SPICE, as a linear resistor of its
  operating-point value;
* charges: ``Qbe = TF·Ibe·(1 + XTF·exp(Vbc/(1.44·VTF))·(Ibe/(Ibe + ITF))²)/qb`` plus the
  depletion charge of ``CJE``/``VJE``/``MJE``; ``Qbc = TR·Ibc`` plus ``XCJC·CJC``'s depletion
  charge to the internal base, the rest ``(1 − XCJC)·CJC`` to the external base; substrate
  ``CJS``/``VJS``/``MJS`` (no ``FC`` extension, as ngspice); ``FC`` for the others;
* substrate diode ``ISS``/``NS`` (vertical devices: substrate to collector; lateral: to base;
  ``SUBS`` defaults to vertical for NPN and lateral for PNP);
* area ``A`` scales ``IS``, ``ISE``, ``IKF``, ``IKR``, ``ITF``, ``CJE`` by ``A`` and the
  resistances by ``1/A``; ``ISC``, ``CJC`` by ``A`` (base area) and ``CJS`` by ``A``
  (collector area). As ngspice 39, the base-collector saturation current is
  ``A·IS·A``: the base area multiplies the already area-scaled ``IS``. ``M`` multiplies
  every current, conductance and charge;
* temperature (``TLEV=0``): ``IS·exp((T/Tnom − 1)·EG/Vt)·(T/Tnom)^XTI``, betas by
  ``(T/Tnom)^XTB``, leakage currents likewise, potentials and capacitances through the band
  gap;
* Newton: ``Vbe``, ``Vbc`` (and the substrate junction) limited by ``DEVpnjlim`` with
  ``Vcrit = Vt·ln(Vt/(√2·A·IS))``; cold start ``Vbe = Vcrit``, ``Vbc = 0`` (``off``: 0).

Not implemented (refused with a message): excess phase ``PTF``, the quasi-saturation
parameters ``RCO``/``VO``/``GAMMA``/``QCO``, ``NKF``, ``IBE``/``IBC``, temperature
coefficients other than ``XTB``/``XTI``/``EG``, and BJT levels other than 1 (VBIC, HICUM).

References
----------
.. [1] H. K. Gummel and H. C. Poon, "An integral charge control model of bipolar
   transistors", Bell Syst. Tech. J. 49, 827 (1970).
.. [2] ngspice 39 source, ``src/spicelib/devices/bjt/`` (``bjtload.c``, ``bjttemp.c``).
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from xbar.devices.base import F64, I64, LoadContext
from xbar.devices.junction import (
    CELSIUS_TO_KELVIN,
    KOVERQ,
    REFTEMP,
    depletion_charge,
    junction_current,
    pb_factor,
)
from xbar.devices.limiting import pnjlim
from xbar.devices.local import LocalDevice, LocalEval, conductance_block
from xbar.devices.params import BoundCard, Param
from xbar.devices.registry import YDevice, register

__all__ = ["BJT_CARD", "BJT_INSTANCE", "BipolarGP"]

_INF = float("inf")

BJT_CARD: tuple[Param, ...] = (
    Param("level", 1.0, "-", 1.0, 1.0, "model level (1: Gummel-Poon)", "ngspice manual §8"),
    Param("subs", 0.0, "-", -1.0, 1.0, "1 vertical, -1 lateral (0: vertical for NPN, lateral for PNP)", "bjtsetup.c"),
    Param("is", 1e-16, "A", 0.0, 1.0, "transport saturation current", "bjtsetup.c"),
    Param("bf", 100.0, "-", 1e-6, 1e9, "ideal maximum forward beta", "bjtsetup.c"),
    Param("nf", 1.0, "-", 1e-3, 100.0, "forward emission coefficient", "bjtsetup.c"),
    Param("vaf", _INF, "V", 1e-3, _INF, "forward Early voltage (default: none)", "bjtsetup.c"),
    Param("va", _INF, "V", 1e-3, _INF, "alias of VAF", "bjt.c"),
    Param("ikf", _INF, "A", 1e-30, _INF, "forward beta high-current roll-off corner (default: none)", "bjtsetup.c"),
    Param("ik", _INF, "A", 1e-30, _INF, "alias of IKF", "bjt.c"),
    Param("ise", 0.0, "A", 0.0, 1e6, "B-E leakage saturation current (values > 1e-4 multiply IS)", "bjtsetup.c"),
    Param("c2", 0.0, "A", 0.0, 1e6, "alias of ISE", "bjt.c"),
    Param("ne", 1.5, "-", 1e-3, 100.0, "B-E leakage emission coefficient", "bjtsetup.c"),
    Param("br", 1.0, "-", 1e-6, 1e9, "ideal maximum reverse beta", "bjtsetup.c"),
    Param("nr", 1.0, "-", 1e-3, 100.0, "reverse emission coefficient", "bjtsetup.c"),
    Param("var", _INF, "V", 1e-3, _INF, "reverse Early voltage (default: none)", "bjtsetup.c"),
    Param("vb", _INF, "V", 1e-3, _INF, "alias of VAR", "bjt.c"),
    Param("ikr", _INF, "A", 1e-30, _INF, "reverse beta high-current roll-off corner (default: none)", "bjtsetup.c"),
    Param("isc", 0.0, "A", 0.0, 1e6, "B-C leakage saturation current (values > 1e-4 multiply IS)", "bjtsetup.c"),
    Param("c4", 0.0, "A", 0.0, 1e6, "alias of ISC", "bjt.c"),
    Param("nc", 2.0, "-", 1e-3, 100.0, "B-C leakage emission coefficient", "bjtsetup.c"),
    Param("rb", 0.0, "Ω", 0.0, 1e12, "zero-bias base resistance", "bjtsetup.c"),
    Param("irb", 0.0, "A", 0.0, 1e6, "current where the base resistance falls halfway to RBM (0: none)", "bjtsetup.c"),
    Param("rbm", _INF, "Ω", 0.0, _INF, "minimum base resistance (default: RB)", "bjttemp.c"),
    Param("re", 0.0, "Ω", 0.0, 1e12, "emitter resistance", "bjtsetup.c"),
    Param("rc", 0.0, "Ω", 0.0, 1e12, "collector resistance", "bjtsetup.c"),
    Param("cje", 0.0, "F", 0.0, 1.0, "B-E zero-bias depletion capacitance", "bjtsetup.c"),
    Param("vje", 0.75, "V", 1e-3, 10.0, "B-E built-in potential", "bjtsetup.c"),
    Param("pe", 0.75, "V", 1e-3, 10.0, "alias of VJE", "bjt.c"),
    Param("mje", 0.33, "-", 0.0, 0.999, "B-E junction grading coefficient", "bjtsetup.c"),
    Param("me", 0.33, "-", 0.0, 0.999, "alias of MJE", "bjt.c"),
    Param("tf", 0.0, "s", 0.0, 1.0, "ideal forward transit time", "bjtsetup.c"),
    Param("xtf", 0.0, "-", 0.0, 1e6, "coefficient of the bias dependence of TF", "bjtsetup.c"),
    Param("vtf", _INF, "V", 1e-6, _INF, "VBC dependence of TF (default: none)", "bjttemp.c"),
    Param("itf", 0.0, "A", 0.0, 1e6, "high-current dependence of TF (0: none)", "bjtsetup.c"),
    Param("ptf", 0.0, "°", 0.0, 0.0, "excess phase at 1/(2π·TF) (not supported: must be 0)", "bjt.c"),
    Param("cjc", 0.0, "F", 0.0, 1.0, "B-C zero-bias depletion capacitance", "bjtsetup.c"),
    Param("vjc", 0.75, "V", 1e-3, 10.0, "B-C built-in potential", "bjtsetup.c"),
    Param("pc", 0.75, "V", 1e-3, 10.0, "alias of VJC", "bjt.c"),
    Param("mjc", 0.33, "-", 0.0, 0.999, "B-C junction grading coefficient", "bjtsetup.c"),
    Param("mc", 0.33, "-", 0.0, 0.999, "alias of MJC", "bjt.c"),
    Param("xcjc", 1.0, "-", 0.0, 1.0, "fraction of CJC connected to the internal base", "bjtsetup.c"),
    Param("tr", 0.0, "s", 0.0, 1.0, "ideal reverse transit time", "bjtsetup.c"),
    Param("cjs", 0.0, "F", 0.0, 1.0, "zero-bias substrate capacitance", "bjtsetup.c"),
    Param("csub", 0.0, "F", 0.0, 1.0, "alias of CJS", "bjt.c"),
    Param("ccs", 0.0, "F", 0.0, 1.0, "alias of CJS", "bjt.c"),
    Param("vjs", 0.75, "V", 1e-3, 10.0, "substrate junction built-in potential", "bjtsetup.c"),
    Param("ps", 0.75, "V", 1e-3, 10.0, "alias of VJS", "bjt.c"),
    Param("mjs", 0.0, "-", 0.0, 0.999, "substrate junction grading coefficient", "bjtsetup.c"),
    Param("ms", 0.0, "-", 0.0, 0.999, "alias of MJS", "bjt.c"),
    Param("iss", 0.0, "A", 0.0, 1.0, "substrate junction saturation current (0: none)", "bjtsetup.c"),
    Param("ns", 1.0, "-", 1e-3, 100.0, "substrate junction emission coefficient", "bjtsetup.c"),
    Param("xtb", 0.0, "-", -100.0, 100.0, "forward and reverse beta temperature exponent", "bjtsetup.c"),
    Param("eg", 1.11, "eV", 0.1, 10.0, "energy gap of the IS temperature dependence", "bjtsetup.c"),
    Param("xti", 3.0, "-", -100.0, 100.0, "temperature exponent of IS", "bjtsetup.c"),
    Param("fc", 0.5, "-", 0.0, 0.9999, "forward-bias depletion capacitance coefficient", "bjttemp.c"),
    Param("tnom", 27.0, "°C", -273.0, 1000.0, "parameter measurement temperature", "ngspice default"),
    Param("tref", 27.0, "°C", -273.0, 1000.0, "alias of TNOM", "bjt.c"),
    Param("kf", 0.0, "-", 0.0, 1e6, "flicker-noise coefficient (accepted; no noise analysis)", "bjtsetup.c"),
    Param("af", 1.0, "-", 0.0, 10.0, "flicker-noise exponent (accepted; no noise analysis)", "bjtsetup.c"),
)
"""``.model … npn|pnp (…)`` parameters with ngspice 39's defaults and units."""

BJT_INSTANCE: tuple[Param, ...] = (
    Param("area", 1.0, "-", 1e-12, 1e12, "emitter (and base, collector) area factor", "bjt.c"),
    Param("m", 1.0, "-", 1e-6, 1e9, "multiplicity (parallel devices)", "bjt.c"),
    Param("off", 0.0, "-", 0.0, 1.0, "1: start the operating point with zero junction voltages", "bjt.c"),
)
"""Bipolar transistor instance parameters (``Q`` element line)."""

_ALIASES = {"va": "vaf", "ik": "ikf", "c2": "ise", "vb": "var", "c4": "isc", "pe": "vje", "me": "mje",
            "pc": "vjc", "mc": "mjc", "csub": "cjs", "ccs": "cjs", "ps": "vjs", "ms": "mjs", "tref": "tnom"}
_LEVELS = {4: "VBIC", 6: "HICUM level 0", 8: "HICUM level 2", 9: "VBIC"}


@register
class BipolarGP(YDevice, LocalDevice):
    """All bipolar transistors of one ``npn``/``pnp`` card (see module docstring)."""

    kind: ClassVar[str] = "bjt"
    letter: ClassVar[str] = "q"
    element_letter: ClassVar[str] = "q"
    model_type: ClassVar[str] = "npn"
    model_types: ClassVar[tuple[str, ...]] = ("npn", "pnp")
    terminals: ClassVar[tuple[str, ...]] = ("c", "b", "e", "s")
    output_info: ClassVar[dict[str, tuple[str, str]]] = {
        "ic": ("A", "collector current (into the collector)"),
        "ib": ("A", "base current (into the base)"),
        "vbe": ("V", "base-emitter voltage"),
        "vce": ("V", "collector-emitter voltage"),
        "gm": ("S", "transconductance dIc/dVbe"),
    }
    card_params: ClassVar[tuple[Param, ...]] = BJT_CARD
    instance_params: ClassVar[tuple[Param, ...]] = BJT_INSTANCE
    linear: ClassVar[bool] = False
    has_charge: ClassVar[bool] = True
    # local nodes c b e s c' b' e': DC paths through the resistances and the junctions
    dc_conducting = ((0, 4), (1, 5), (2, 6), (5, 6), (5, 4), (3, 4))  # substrate: gmin

    @staticmethod
    def refuse_card(model_type: str, name: str, level: float | None,
                    keys: set[str]) -> tuple[str, str] | None:
        """What is refused and a hint (other BJT levels), or None."""
        if level is None or round(level) == 1:
            return None
        what = _LEVELS.get(round(level), "unknown to xbar")
        return (f"bipolar transistor level {level:g} ({what}) in model '{name}'",
                "xbar implements level 1, Gummel-Poon")

    @staticmethod
    def _value(card: BoundCard, key: str) -> float:
        """A card value by its canonical name, taking an alias when only the alias was given."""
        for alias, canon in _ALIASES.items():
            if canon == key and alias in card.given and key not in card.given:
                return float(card.values[alias])
        return float(card.values[key])

    @classmethod
    def _resistance_flags(cls, card: BoundCard) -> tuple[bool, bool, bool]:
        return (cls._value(card, "rc") > 0.0, cls._value(card, "rb") > 0.0, cls._value(card, "re") > 0.0)

    @classmethod
    def internal_names(cls, card: BoundCard, params: dict[str, float]) -> list[str]:
        flags = cls._resistance_flags(card)
        return [n for n, f in zip(("collector", "base", "emitter"), flags, strict=True) if f]

    @classmethod
    def internal_nodes(cls, card: BoundCard, params: dict[str, float]) -> int:
        return len(cls.internal_names(card, params))

    def __init__(self, names: list[str], nodes: I64, card: BoundCard, inst: dict[str, F64],
                 rng: np.random.Generator) -> None:
        super().__init__(names, nodes, card, inst, rng)
        self.type = -1.0 if card.kind == "pnp" else 1.0
        p = {k: self._value(card, k) for k in ("is", "bf", "nf", "vaf", "ikf", "ise", "ne", "br", "nr", "var",
                                               "ikr", "isc", "nc", "rb", "irb", "re", "rc", "cje", "vje",
                                               "mje", "tf", "xtf", "vtf", "itf", "cjc", "vjc", "mjc", "xcjc",
                                               "tr", "cjs", "vjs", "mjs", "iss", "ns", "xtb", "eg", "xti", "fc",
                                               "tnom")}
        p["rbm"] = self._value(card, "rbm") if "rbm" in card.given else p["rb"]
        # SPICE2 compatibility: leakage currents above 1e-4 A are multipliers of IS
        for key in ("ise", "isc"):
            if p[key] > 1e-4:
                p[key] = p["is"] * p[key]
        self.p = p
        subs = round(card.values["subs"])
        self.subs = subs if subs != 0 else (1 if self.type > 0 else -1)
        flags = self._resistance_flags(card)
        k = 4
        internal = []
        for f, ext in zip(flags, (0, 1, 2), strict=True):
            if f:
                internal.append(nodes[:, k])
                k += 1
            else:
                internal.append(nodes[:, ext])
        self.local = np.column_stack([nodes[:, :4], *internal]).astype(np.int64)
        self.nodes = self.local
        self.area = inst["area"]
        self.m = inst["m"]
        self._temps: dict[float, dict[str, Any]] = {}
        gc = self.area / p["rc"] if p["rc"] > 0 else np.zeros(len(names))
        ge = self.area / p["re"] if p["re"] > 0 else np.zeros(len(names))
        self.g_lin = conductance_block(len(names), 7, [(0, 4, gc * self.m), (2, 6, ge * self.m)])
        gm = np.zeros((7, 7), dtype=bool)
        gm[np.ix_([0, 4], [0, 4])] = True
        gm[np.ix_([2, 6], [2, 6])] = True
        gm[np.ix_([1, 4, 5, 6, 3], [1, 4, 5, 6, 3])] = True
        self.g_mask = gm
        cm = np.zeros((7, 7), dtype=bool)
        cm[np.ix_([1, 3, 4, 5, 6], [1, 3, 4, 5, 6])] = True
        self.c_mask = cm

    # temperature ------------------------------------------------------------------------
    def _thermal(self, temp_c: float) -> dict[str, Any]:
        cached = self._temps.get(temp_c)
        if cached is not None:
            return cached
        p = self.p
        a = self.area
        tnom = p["tnom"] + CELSIUS_TO_KELVIN
        t = temp_c + CELSIUS_TO_KELVIN
        vt = KOVERQ * t
        fact1, fact2 = tnom / REFTEMP, t / REFTEMP
        pbfact1, pbfact = pb_factor(tnom), pb_factor(t)
        ratlog = math.log(t / tnom)
        ratio1 = t / tnom - 1.0
        factlog = ratio1 * p["eg"] / vt + p["xti"] * ratlog
        tsat = a * p["is"] * math.exp(factlog)
        bfactor = math.exp(ratlog * p["xtb"])
        fc = p["fc"]

        def jtemp(pot: float, cap: float, mexp: float) -> tuple[float, float]:
            pbo = (pot - pbfact1) / fact1
            gmaold = (pot - pbo) / pbo
            tcap = cap / (1.0 + mexp * (4e-4 * (tnom - REFTEMP) - gmaold))
            tpot = fact2 * pbo + pbfact
            gmanew = (tpot - pbo) / pbo
            return tpot, tcap * (1.0 + mexp * (4e-4 * (t - REFTEMP) - gmanew))

        pe, cje = jtemp(p["vje"], p["cje"], p["mje"])
        pc, cjc = jtemp(p["vjc"], p["cjc"], p["mjc"])
        ps, cjs = jtemp(p["vjs"], p["cjs"], p["mjs"])
        out: dict[str, Any] = {
            "vt": vt, "be_sat": tsat, "bc_sat": tsat * a,  # ngspice 39: BC uses IS·area·areab
            "bf": p["bf"] * bfactor, "br": p["br"] * bfactor,
            "be_leak": a * p["ise"] * math.exp(factlog / p["ne"]) / bfactor,
            "bc_leak": p["isc"] * math.exp(factlog / p["nc"]) / bfactor * a,
            "inv_vaf": 0.0 if not math.isfinite(p["vaf"]) else 1.0 / p["vaf"],
            "inv_var": 0.0 if not math.isfinite(p["var"]) else 1.0 / p["var"],
            "inv_ikf": (1.0 / p["ikf"]) / a if math.isfinite(p["ikf"]) else np.zeros_like(a),
            "inv_ikr": (1.0 / p["ikr"]) / a if math.isfinite(p["ikr"]) else np.zeros_like(a),
            "gc": a / p["rc"] if p["rc"] > 0 else np.zeros_like(a),
            "ge": a / p["re"] if p["re"] > 0 else np.zeros_like(a),
            "rb": p["rb"] / a, "rbm": p["rbm"] / a, "irb": p["irb"] * a,
            "itf": p["itf"] * a,
            "ovtf": 0.0 if not math.isfinite(p["vtf"]) else 1.0 / (p["vtf"] * 1.44),
            "pe": pe, "cje": cje * a, "pc": pc, "cjc": cjc * a, "ps": ps, "cjs": cjs * a,
            "vcrit": vt * np.log(vt / (math.sqrt(2.0) * tsat)),
            "sub_sat": p["iss"] * math.exp(factlog) * a, "fc": fc,
        }
        out["sub_vcrit"] = (vt * np.log(vt / (math.sqrt(2.0) * out["sub_sat"])) if p["iss"] > 0
                            else np.full(len(a), 50.0))
        self._temps[temp_c] = out
        return out

    # physics ----------------------------------------------------------------------------
    def _frame(self, v: F64) -> tuple[F64, F64, F64, F64]:
        """NPN-frame ``(vbe, vbc, vbx, vsub)`` of local voltages ``v``."""
        tp = self.type
        subcon = 4 if self.subs > 0 else 5
        return (tp * (v[:, 5] - v[:, 6]), tp * (v[:, 5] - v[:, 4]), tp * (v[:, 1] - v[:, 4]),
                tp * self.subs * (v[:, 3] - v[:, subcon]))

    def _core(self, vbe: F64, vbc: F64, tp: dict[str, Any], gmin: float) -> dict[str, F64]:
        """DC currents of the intrinsic transistor and their exact derivatives."""
        vt = tp["vt"]
        cbe, gbe = junction_current(vbe, tp["be_sat"], self.p["nf"] * vt)
        cbc, gbc = junction_current(vbc, tp["bc_sat"], self.p["nr"] * vt)
        n = len(vbe)
        if self.p["ise"] > 0:
            cben, gben = junction_current(vbe, tp["be_leak"], self.p["ne"] * vt)
        else:
            cben, gben = np.zeros(n), np.zeros(n)
        if self.p["isc"] > 0:
            cbcn, gbcn = junction_current(vbc, tp["bc_leak"], self.p["nc"] * vt)
        else:
            cbcn, gbcn = np.zeros(n), np.zeros(n)
        cben, gben = cben + gmin * vbe, gben + gmin
        cbcn, gbcn = cbcn + gmin * vbc, gbcn + gmin
        q1 = 1.0 / (1.0 - tp["inv_vaf"] * vbc - tp["inv_var"] * vbe)
        ikf, ikr = tp["inv_ikf"], tp["inv_ikr"]
        if np.any(ikf != 0) or np.any(ikr != 0):
            q2 = ikf * cbe + ikr * cbc
            arg = np.maximum(0.0, 1.0 + 4.0 * q2)
            sq = np.where(arg != 0, np.sqrt(arg), 1.0)
            qb = q1 * (1.0 + sq) / 2.0
            live = arg > 0
            dqbdve = q1 * (qb * tp["inv_var"] + np.where(live, ikf * gbe / sq, 0.0))
            dqbdvc = q1 * (qb * tp["inv_vaf"] + np.where(live, ikr * gbc / sq, 0.0))
        else:
            qb = q1
            dqbdve = q1 * qb * tp["inv_var"]
            dqbdvc = q1 * qb * tp["inv_vaf"]
        bf, br = tp["bf"], tp["br"]
        cc = (cbe - cbc) / qb - cbc / br - cbcn
        cb = cbe / bf + cben + cbc / br + cbcn
        gpi = gbe / bf + gben
        gmu = gbc / br + gbcn
        go = (gbc + (cbe - cbc) * dqbdvc / qb) / qb
        gm = (gbe - (cbe - cbc) * dqbdve / qb) / qb - go
        return {"cbe": cbe, "gbe": gbe, "cbc": cbc, "gbc": gbc, "qb": qb, "dqbdve": dqbdve,
                "dqbdvc": dqbdvc, "cc": cc, "cb": cb, "gpi": gpi, "gmu": gmu, "go": go, "gm": gm}

    def _base_conductance(self, k: dict[str, F64], tp: dict[str, Any]) -> tuple[F64, F64, F64]:
        """Base-resistance conductance ``gx`` [S] and ``∂gx/∂Vbe``, ``∂gx/∂Vbc``."""
        rbm, rb = tp["rbm"], tp["rb"]
        rbpi = rb - rbm
        n = len(k["qb"])
        if not np.any(rb > 0):
            return np.zeros(n), np.zeros(n), np.zeros(n)
        irb = tp["irb"]
        if np.any(irb != 0):
            cb = k["cb"]
            raw = cb / irb
            a1 = np.maximum(raw, 1e-9)
            da1 = np.where(raw > 1e-9, 1.0 / irb, 0.0)  # d a1 / d cb
            sa = np.sqrt(a1)
            root = np.sqrt(1.0 + 14.59025 * a1)
            z = (-1.0 + root) / 2.4317 / sa
            dz = (14.59025 / (2.0 * root) / sa - (-1.0 + root) / (2.0 * a1 * sa)) / 2.4317
            tz = np.tan(z)
            sec2 = 1.0 + tz * tz
            rbb = rbm + 3.0 * rbpi * (tz - z) / z / tz / tz
            drbb_dz = 3.0 * rbpi * ((sec2 - 1.0) / (z * tz * tz)
                                    - (tz - z) * (tz * tz + 2.0 * z * tz * sec2) / (z * z * tz ** 4))
            drbb_dcb = drbb_dz * dz * da1
            drbb_dve = drbb_dcb * k["gpi"]
            drbb_dvc = drbb_dcb * k["gmu"]
        else:
            qb = k["qb"]
            rbb = rbm + rbpi / qb
            drbb_dve = -rbpi / (qb * qb) * k["dqbdve"]
            drbb_dvc = -rbpi / (qb * qb) * k["dqbdvc"]
        gx = np.where(rbb != 0, 1.0 / np.where(rbb != 0, rbb, 1.0), 0.0)
        return gx, -gx * gx * drbb_dve, -gx * gx * drbb_dvc

    def evaluate(self, v: F64, ctx: LoadContext, mode: str) -> LocalEval:
        tp = self._thermal(ctx.temp)
        n = len(v)
        typ = self.type
        vbe, vbc, vbx, vsub = self._frame(v)
        k = self._core(vbe, vbc, tp, ctx.gmin)
        f = np.zeros((n, 7))
        G = np.zeros((n, 7, 7))

        def conductor(a: int, b: int, g: F64) -> None:
            i = g * (v[:, a] - v[:, b])
            f[:, a] += i
            f[:, b] -= i
            G[:, a, a] += g
            G[:, a, b] -= g
            G[:, b, a] -= g
            G[:, b, b] += g

        conductor(0, 4, tp["gc"])
        conductor(2, 6, tp["ge"])
        # base resistance with its bias dependence (vbe = b' - e', vbc = b' - c' in the NPN frame)
        gx, dgx_ve, dgx_vc = self._base_conductance(k, tp)
        if mode == "ac":
            # SPICE's small-signal model: the base resistance at its operating-point value
            dgx_ve, dgx_vc = np.zeros(n), np.zeros(n)
        conductor(1, 5, gx)
        vx = v[:, 1] - v[:, 5]
        for node, sign_e, sign_c in ((5, 1.0, 1.0), (6, -1.0, 0.0), (4, 0.0, -1.0)):
            d = vx * typ * (sign_e * dgx_ve + sign_c * dgx_vc)
            G[:, 1, node] += d
            G[:, 5, node] -= d
        # intrinsic currents (NPN frame): cc into c', cb into b', -(cc + cb) into e'
        cc, cb = k["cc"], k["cb"]
        gm, go, gpi, gmu = k["gm"], k["go"], k["gpi"], k["gmu"]
        f[:, 4] += typ * cc
        f[:, 5] += typ * cb
        f[:, 6] -= typ * (cc + cb)
        dcc_dve, dcc_dvc = gm + go, -(gmu + go)
        dcb_dve, dcb_dvc = gpi, gmu
        for row, dve, dvc in ((4, dcc_dve, dcc_dvc), (5, dcb_dve, dcb_dvc),
                              (6, -(dcc_dve + dcb_dve), -(dcc_dvc + dcb_dvc))):
            G[:, row, 5] += dve + dvc
            G[:, row, 6] -= dve
            G[:, row, 4] -= dvc
        # substrate junction
        subcon = 4 if self.subs > 0 else 5
        tsub = typ * self.subs
        if self.p["iss"] > 0:
            vts = self.p["ns"] * tp["vt"]
            rev = vsub <= -3.0 * vts
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                arg = 3.0 * vts / (np.where(rev, vsub, -1.0) * math.e)
                arg = arg * arg * arg
                ev = np.exp(np.minimum(np.where(rev, 0.0, vsub) / vts, 709.0))
            isat = tp["sub_sat"]
            gdsub = np.where(rev, isat * 3.0 * arg / np.where(rev, vsub, -1.0), isat * ev / vts) + ctx.gmin
            cdsub = np.where(rev, -isat * (1.0 + arg), isat * (ev - 1.0)) + ctx.gmin * vsub
        else:
            gdsub = np.full(n, ctx.gmin)
            cdsub = ctx.gmin * vsub
        f[:, 3] += tsub * cdsub
        f[:, subcon] -= tsub * cdsub
        G[:, 3, 3] += gdsub
        G[:, 3, subcon] -= gdsub
        G[:, subcon, 3] -= gdsub
        G[:, subcon, subcon] += gdsub
        m = self.m[:, None]
        f *= m
        G *= m[:, :, None]
        if mode == "dc":
            return LocalEval(f, G)
        q, C = self._charges(v, vbe, vbc, vbx, vsub, k, tp)
        return LocalEval(f, G, q * m, C * m[:, :, None])

    def _charges(self, v: F64, vbe: F64, vbc: F64, vbx: F64, vsub: F64, k: dict[str, F64],
                 tp: dict[str, Any]) -> tuple[F64, F64]:
        n = len(v)
        p = self.p
        typ = self.type
        q = np.zeros((n, 7))
        C = np.zeros((n, 7, 7))
        tf, tr, fc = p["tf"], p["tr"], tp["fc"]
        cbe, gbe, qb = k["cbe"], k["gbe"], k["qb"]
        # forward diffusion charge with the TF modulation (only for vbe > 0, as ngspice)
        cbe_q, gbe_q, geqcb = cbe, gbe, np.zeros(n)
        if tf != 0.0:
            on = vbe > 0.0
            argtf = np.zeros(n)
            arg2 = np.zeros(n)
            arg3 = np.zeros(n)
            if p["xtf"] != 0.0:
                argtf = np.full(n, p["xtf"])
                ovtf = tp["ovtf"]
                if ovtf != 0.0:
                    argtf = argtf * np.exp(vbc * ovtf)
                arg2 = argtf
                xjtf = tp["itf"]
                if np.any(xjtf != 0.0):
                    temp = np.where(xjtf != 0.0, cbe / (cbe + xjtf), 1.0)
                    argtf = np.where(xjtf != 0.0, argtf * temp * temp, argtf)
                    arg2 = np.where(xjtf != 0.0, argtf * (3.0 - temp - temp), arg2)
                arg3 = cbe * argtf * ovtf
            c_new = cbe * (1.0 + argtf) / qb
            g_new = (gbe * (1.0 + arg2) - c_new * k["dqbdve"]) / qb
            geq = tf * (arg3 - c_new * k["dqbdvc"]) / qb
            cbe_q = np.where(on, c_new, cbe)
            gbe_q = np.where(on, g_new, gbe)
            geqcb = np.where(on, geq, 0.0)
        qdep, cdep = depletion_charge(vbe, tp["cje"], tp["pe"], p["mje"], fc)
        qbe = tf * cbe_q + qdep
        capbe = tf * gbe_q + cdep
        ctot = tp["cjc"]
        qdc, cdc = depletion_charge(vbc, ctot * p["xcjc"], tp["pc"], p["mjc"], fc)
        qbc = tr * k["cbc"] + qdc
        capbc = tr * k["gbc"] + cdc
        qbx, capbx = depletion_charge(vbx, ctot * (1.0 - p["xcjc"]), tp["pc"], p["mjc"], fc)
        czs, pss, mjs = tp["cjs"], tp["ps"], p["mjs"]
        neg = vsub < 0.0
        with np.errstate(invalid="ignore", divide="ignore"):
            arg = 1.0 - np.where(neg, vsub, 0.0) / pss
            sarg = np.exp(-mjs * np.log(arg))
        qsub = np.where(neg, pss * czs * (1.0 - arg * sarg) / (1.0 - mjs), vsub * czs * (1.0 + mjs * vsub / (2.0 * pss)))
        capsub = np.where(neg, czs * sarg, czs * (1.0 + mjs * vsub / pss))
        # qbe between b' and e', depends on vbe (capbe) and on vbc (geqcb)
        q[:, 5] += typ * qbe
        q[:, 6] -= typ * qbe
        for row, sign in ((5, 1.0), (6, -1.0)):
            C[:, row, 5] += sign * (capbe + geqcb)
            C[:, row, 6] -= sign * capbe
            C[:, row, 4] -= sign * geqcb
        for a, b, qq, cap, t in ((5, 4, qbc, capbc, typ), (1, 4, qbx, capbx, typ),
                                 (3, 4 if self.subs > 0 else 5, qsub, capsub, typ * self.subs)):
            q[:, a] += t * qq
            q[:, b] -= t * qq
            C[:, a, a] += cap
            C[:, a, b] -= cap
            C[:, b, a] -= cap
            C[:, b, b] += cap
        return q, C

    # Newton ------------------------------------------------------------------------------
    def _unframe(self, v: F64, vbe: F64, vbc: F64, vsub: F64, vbx: F64 | None = None) -> F64:
        out = v.copy()
        tp = self.type
        out[:, 5] = v[:, 6] + tp * vbe
        out[:, 4] = out[:, 5] - tp * vbc
        if vbx is not None:
            out[:, 1] = out[:, 4] + tp * vbx
        subcon = 4 if self.subs > 0 else 5
        out[:, 3] = out[:, subcon] + tp * self.subs * vsub
        return out

    def limit(self, v: F64, v_old: F64, ctx: LoadContext) -> tuple[F64, np.ndarray]:
        tp = self._thermal(ctx.temp)
        vbe, vbc, _, vsub = self._frame(v)
        vbe_o, vbc_o, _, vsub_o = self._frame(v_old)
        vt = tp["vt"]
        vbe_l, l1 = pnjlim(vbe, vbe_o, vt, tp["vcrit"])
        vbc_l, l2 = pnjlim(vbc, vbc_o, vt, tp["vcrit"])
        vsub_l, l3 = pnjlim(vsub, vsub_o, vt, tp["sub_vcrit"])
        out = self._unframe(v, vbe_l, vbc_l, vsub_l)
        # the external base and the substrate follow the node they are measured against
        out[:, 1] = v[:, 1] + (out[:, 4] - v[:, 4])
        return out, l1 | l2 | l3

    def limit_free_step(self, ctx: LoadContext) -> float:
        """Node steps below ``Vt`` change Vbe, Vbc, Vsub by less than ``2·Vt``: ``DEVpnjlim``
        leaves them (its reverse clamp is a volt away)."""
        return 0.99 * min(float(self._thermal(ctx.temp)["vt"]), 0.25)

    def cold_start(self, v: F64, ctx: LoadContext) -> F64:
        tp = self._thermal(ctx.temp)
        off = self.inst["off"] > 0.5
        n = len(v)
        vbe = np.where(off, 0.0, np.broadcast_to(tp["vcrit"], (n,)))
        return self._unframe(v, vbe, np.zeros(n), np.zeros(n), np.zeros(n))

    # outputs and export -----------------------------------------------------------------
    def outputs(self, x: F64) -> dict[str, F64]:
        v = self.gather(x)
        ctx = LoadContext(gmin=0.0, temp=getattr(self, "temp_c", 27.0), reltol=1e-3, abstol=1e-12, vntol=1e-6)
        tp = self._thermal(ctx.temp)
        vbe, vbc, _, _ = self._frame(v)
        k = self._core(vbe, vbc, tp, 0.0)
        typ = self.type
        return {"ic": typ * k["cc"] * self.m, "ib": typ * k["cb"] * self.m, "vbe": typ * vbe,
                "vce": typ * (vbe - vbc), "gm": k["gm"] * self.m}

    @classmethod
    def spice_lines(cls, name: str, nodes: list[str], card: BoundCard, params: dict[str, float]) -> list[str]:
        """The element as an ngspice ``Q`` card (the model card is written separately)."""
        extra = " ".join(f"{k}={v!r}" for k, v in params.items() if k != "off")
        off = " off" if params.get("off", 0.0) >= 0.5 else ""
        return [f"{name} {' '.join(nodes)} {card.name.replace(':', '_')} {extra}{off}".rstrip()]
