"""Junction diode, SPICE level 1 as in ngspice 39 (``dioload.c``, ``diotemp.c``).

``D<name> anode cathode model [area]`` with ``.model <model> D (...)``; the parameters are
tabled in :data:`DIODE_PARAMS` (name: default, lower bound, upper bound, description with
unit). Equations, with ``Vt = kT/q``, ``A`` the area factor and ``V`` the junction voltage
(across the ohmic resistance ``RS/A``, which gets an internal node ``<name>#internal``):

* current ``I = A·IS(T)·(exp(V/(N·Vt)) − 1)`` for ``V ≥ −3·N·Vt``, SPICE's smooth reverse
  branch below (:func:`xbar.devices.junction.junction_current`), and with ``BV`` given the
  breakdown current ``−A·IS(T)·exp(−(BV'+V)/(NBV·Vt))`` for ``V < −BV'``, where ``BV'`` is
  matched to ``IBV`` at ``BV`` by SPICE's fixed-point iteration; optional recombination
  current ``ISR``/``NR``; high-injection knees ``IKF`` (forward) and ``IKR`` (reverse):
  ``I/(1 + √(I/IK))``; plus ``gmin·V``;
* charge ``TT·I + Q_dep(V)``, the depletion charge of ``A·CJO`` with potential ``VJ``,
  grading ``M`` and forward coefficient ``FC``
  (:func:`xbar.devices.junction.depletion_charge`), integrated by the transient and giving
  the small-signal capacitance ``TT·g_d + C_dep`` in ``.ac``;
* temperature: ``IS(T) = IS·(T/Tnom)^(XTI/N)·exp((T/Tnom − 1)·EG/(N·Vt))``; ``VJ``, ``CJO``
  scaled with the band gap; ``BV(T) = BV − TCV·(T − Tnom)``;
* Newton: junction limiting (``DEVpnjlim``, also in the breakdown region), critical
  voltage ``N·Vt·ln(N·Vt/(√2·A·IS))``.

References
----------
.. [1] P. Antognetti and G. Massobrio, *Semiconductor Device Modeling with SPICE*, 2nd ed.
   (1993), ch. 1.
.. [2] ngspice 39 manual, §7.1 "Junction diodes" (parameter table).
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from xbar.devices.base import F64, I64, LoadContext
from xbar.devices.junction import (
    CELSIUS_TO_KELVIN,
    KOVERQ,
    depletion_charge,
    junction_current,
    junction_temperature,
)
from xbar.devices.limiting import pnjlim
from xbar.devices.local import LocalDevice, LocalEval, conductance_block
from xbar.errors import ModelCardError, SourceLocation, warn

__all__ = ["DIODE_ALIASES", "DIODE_PARAMS", "DiodeGroup", "canonical_diode_params"]

_INF = float("inf")

DIODE_PARAMS: dict[str, tuple[float, float, float, str]] = {
    # name: (default, lower bound, upper bound, description [unit])
    "level": (1.0, 1.0, 1.0, "model level (1 only) [-]"),
    # IS > 0: the junction model divides by it; no upper bound, as ngspice
    "is": (1e-14, 1e-200, math.inf, "saturation current [A]"),
    "js": (1e-14, 1e-200, math.inf, "saturation current (alias of IS) [A]"),
    "n": (1.0, 1e-3, 100.0, "emission coefficient [-]"),
    "rs": (0.0, 0.0, 1e12, "ohmic (series) resistance [Ω]"),
    "tt": (0.0, 0.0, 1.0, "transit time [s]"),
    "cjo": (0.0, 0.0, 1.0, "zero-bias junction capacitance [F]"),
    "cj0": (0.0, 0.0, 1.0, "zero-bias junction capacitance (alias of CJO) [F]"),
    "cj": (0.0, 0.0, 1.0, "zero-bias junction capacitance (alias of CJO) [F]"),
    "vj": (1.0, 1e-3, 10.0, "junction potential [V]"),
    "pb": (1.0, 1e-3, 10.0, "junction potential (alias of VJ) [V]"),
    "m": (0.5, 0.0, 0.99, "grading coefficient (above 0.9 limited to 0.9, as ngspice) [-]"),
    "mj": (0.5, 0.0, 0.99, "grading coefficient (alias of M) [-]"),
    "fc": (0.5, 0.0, 0.95, "forward-bias depletion capacitance coefficient [-]"),
    "bv": (_INF, 0.0, 1e6, "reverse breakdown voltage (default: none) [V]"),
    "ibv": (1e-3, 1e-30, 1e3, "current at the breakdown voltage [A]"),
    "ib": (1e-3, 1e-30, 1e3, "current at the breakdown voltage (alias of IBV) [A]"),
    "nbv": (1.0, 1e-3, 100.0, "breakdown emission coefficient (default: N) [-]"),
    "ikf": (_INF, 0.0, 1e6, "forward knee current (default: none) [A]"),
    "ik": (_INF, 0.0, 1e6, "forward knee current (alias of IKF) [A]"),
    "ikr": (_INF, 0.0, 1e6, "reverse knee current (default: none) [A]"),
    "isr": (0.0, 0.0, 1.0, "recombination saturation current (default: none) [A]"),
    "nr": (2.0, 1e-3, 100.0, "recombination emission coefficient [-]"),
    "eg": (1.11, 0.1, 10.0, "activation energy [eV]"),
    "xti": (3.0, -100.0, 100.0, "saturation-current temperature exponent [-]"),
    "tcv": (0.0, -1.0, 1.0, "breakdown-voltage temperature coefficient [V/K]"),
    "tnom": (27.0, -273.0, 1000.0, "parameter measurement temperature [°C]"),
    "tref": (27.0, -273.0, 1000.0, "parameter measurement temperature (alias of TNOM) [°C]"),
    "kf": (0.0, 0.0, 1e6, "flicker-noise coefficient (accepted; no noise analysis) [-]"),
    "af": (1.0, 0.0, 10.0, "flicker-noise exponent (accepted; no noise analysis) [-]"),
}
"""Diode ``.model`` parameters: name -> (default, lower bound, upper bound, description)."""

DIODE_ALIASES = {"js": "is", "cj0": "cjo", "cj": "cjo", "pb": "vj", "mj": "m", "ib": "ibv",
                 "ik": "ikf", "tref": "tnom"}
"""Alternative names ngspice accepts, mapped to the canonical parameter."""


def canonical_diode_params(given: dict[str, float], model: str) -> dict[str, float]:
    """Defaults plus the card's values under canonical names (aliases resolved)."""
    out = {k: v[0] for k, v in DIODE_PARAMS.items() if k not in DIODE_ALIASES}
    for key, value in given.items():
        name = DIODE_ALIASES.get(key, key)
        if name in given and name != key:
            msg = f"diode model '{model}': '{key}' and '{name}' name the same parameter; give one"
            raise ModelCardError(msg)
        out[name] = value
    if "nbv" not in given:
        out["nbv"] = out["n"]
    # ngspice 39 ignores a knee current below its epsmin (1e-28 A)
    for key in ("ikf", "ikr"):
        if out[key] < 1e-28:
            out[key] = _INF
    return out


def _junction(f: F64, G: F64, i: F64, g: F64) -> None:
    """A branch from the internal anode (1) to the cathode (2) into ``f``/``G`` (or q/C)."""
    f[:, 1] += i
    f[:, 2] -= i
    G[:, 1, 1] += g
    G[:, 1, 2] -= g
    G[:, 2, 1] -= g
    G[:, 2, 2] += g


class DiodeGroup(LocalDevice):
    """All diodes bound to one ``.model`` card (local nodes: anode, internal anode, cathode).

    Parameters
    ----------
    names : list of str
        Instance names.
    nodes : ndarray (N, 2)
        Anode and cathode unknowns.
    area : ndarray (N,)
        Area factors [-].
    card : dict
        Parameter values (:func:`canonical_diode_params`).
    internal : ndarray (N,), optional
        Internal anode unknowns (only used when ``RS > 0``).
    """

    kind: ClassVar[str] = "diode"
    letter: ClassVar[str] = "d"
    dc_conducting = ((0, 1), (1, 2))  # over the local nodes (anode, internal anode, cathode)
    has_charge: ClassVar[bool] = True
    output_info: ClassVar[dict[str, tuple[str, str]]] = {"vd": ("V", "junction voltage")}

    def __init__(self, names: list[str], nodes: I64, area: F64, card: dict[str, float],
                 internal: I64 | None = None, location: SourceLocation | None = None) -> None:
        super().__init__(names, nodes)
        self.area = np.asarray(area, dtype=np.float64)
        self.card = card
        self.location = location
        """Where the ``.model`` card was written (errors about the card point there)."""
        has_rs = card["rs"] > 0.0 and internal is not None
        inner = internal if has_rs and internal is not None else nodes[:, 0]
        self.local = np.column_stack([nodes[:, 0], inner, nodes[:, 1]]).astype(np.int64)
        self.nodes = self.local
        self.gspr = self.area / card["rs"] if has_rs else np.zeros(len(names))
        self.g_lin = conductance_block(len(names), 3, [(0, 1, self.gspr)])
        gm = np.ones((3, 3), dtype=bool)
        gm[0, 2] = gm[2, 0] = False
        self.g_mask = gm
        cm = np.zeros((3, 3), dtype=bool)
        cm[1:, 1:] = True
        self.c_mask = cm
        self._temps: dict[tuple[float, float], dict[str, F64 | float]] = {}
        self.has_charge_terms = card["tt"] > 0.0 or card["cjo"] > 0.0
        if not self.has_charge_terms:
            # no depletion or diffusion charge (CJO = TT = 0): the transient and .ac skip the
            # charge contract for this card (no charge rows, no charge evaluation per step)
            self.has_charge = False  # type: ignore[misc]

    # temperature -------------------------------------------------------------------------
    def _thermal(self, temp_c: float, reltol: float = 1e-3) -> dict[str, F64 | float]:
        key = (temp_c, reltol)
        cached = self._temps.get(key)
        if cached is not None:
            return cached
        c = self.card
        t = temp_c + CELSIUS_TO_KELVIN
        tnom = c["tnom"] + CELSIUS_TO_KELVIN
        vt = KOVERQ * t
        n = c["n"]
        vte = n * vt
        ratio = t / tnom
        with np.errstate(over="ignore", under="ignore"):
            factor = math.exp(min((ratio - 1.0) * c["eg"] / vte + c["xti"] / n * math.log(ratio), 700.0))
        is_t = c["is"] * factor
        if not 1e-300 < is_t < 1e300:
            msg = (f"diode model: IS at {temp_c:g} °C is {is_t:.3g} A (IS={c['is']:g}, N={n:g}, "
                   f"EG={c['eg']:g}, XTI={c['xti']:g}): outside the range the model can evaluate; "
                   "check IS, N and the temperature (.temp / .options temp)")
            raise ModelCardError(msg, self.location)
        csat = self.area * is_t
        isr_t = 0.0
        if c["isr"] > 0.0:
            vtr = c["nr"] * vt
            isr_t = c["isr"] * math.exp(min((ratio - 1.0) * c["eg"] / vtr
                                             + c["xti"] / c["nr"] * math.log(ratio), 700.0))
        grading = c["m"]
        if grading > 0.9:
            warn(f"diode model: grading coefficient M={grading:g} limited to 0.9 (as ngspice)")
            grading = 0.9
        tpot, tcap = junction_temperature(c["vj"], c["cjo"], grading, tnom, t)
        if c["fc"] * tpot > 1.0:
            tpot = 1.0 / c["fc"]
        out: dict[str, F64 | float] = {
            "vt": vt, "vte": vte, "vtebrk": c["nbv"] * vt, "csat": csat,
            "isr": self.area * isr_t, "vtr": c["nr"] * vt,
            "vcrit": vte * (np.log(vte) - np.log(math.sqrt(2.0) * csat)),  # no overflow for a tiny IS(T)
            "pot": tpot, "cz": self.area * tcap, "m": grading,
            "ikf": self.area * c["ikf"], "ikr": self.area * c["ikr"],
        }
        if math.isfinite(c["bv"]):
            out["bv"] = self._breakdown(c["bv"] - c["tcv"] * (t - tnom), csat, vt, reltol)
        self._temps[key] = out
        return out

    def _breakdown(self, tbv: float, csat: F64, vt: float, reltol: float) -> F64:
        """Breakdown voltage BV' that puts the current ``IBV`` at ``BV`` (``diotemp.c``)."""
        c = self.card
        cbv = c["ibv"]
        nbvt = c["nbv"] * vt
        xbv = np.full(len(csat), tbv)
        iterate = ~(cbv < csat * tbv / vt)
        if not np.any(iterate):
            return xbv
        tol = reltol * cbv
        x = tbv - nbvt * np.log(1.0 + cbv / csat)
        done = np.zeros(len(csat), dtype=bool)
        for _ in range(25):
            with np.errstate(invalid="ignore"):
                x_new = tbv - nbvt * np.log(cbv / csat + 1.0 - x / vt)
            x = np.where(done, x, x_new)
            xcbv = csat * (np.exp((tbv - x) / nbvt) - 1.0 + x / vt)
            done |= np.abs(xcbv - cbv) <= tol
            if np.all(done):
                break
        return np.where(iterate, x, xbv)

    # evaluation --------------------------------------------------------------------------
    def _current(self, vd: F64, tp: dict[str, F64 | float], gmin: float) -> tuple[F64, F64]:
        vte = tp["vte"]
        cd, gd = junction_current(vd, tp["csat"], vte)
        if "bv" in tp:
            bv = tp["bv"]
            brk = (vd < -bv) & (vd < -3.0 * vte)
            with np.errstate(over="ignore"):
                evrev = np.exp(np.minimum(-(bv + vd) / tp["vtebrk"], 709.0))
            cd = np.where(brk, -tp["csat"] * evrev, cd)
            gd = np.where(brk, tp["csat"] * evrev / tp["vtebrk"], gd)
        fwd = vd >= -3.0 * vte
        if self.card["isr"] > 0.0:
            pot, m = tp["pot"], tp["m"]
            with np.errstate(over="ignore"):
                ev = np.exp(np.minimum(vd / tp["vtr"], 709.0))
            crec = tp["isr"] * (ev - 1.0)
            grec = tp["isr"] * ev / tp["vtr"]
            t1 = (1.0 - vd / pot) ** 2 + 0.005
            gen = t1 ** (m / 2.0)
            dgen = -m * (1.0 - vd / pot) * t1 ** (m / 2.0 - 1.0) / pot
            cd = np.where(fwd, cd + crec * gen, cd)
            gd = np.where(fwd, gd + grec * gen + crec * dgen, gd)
        ikf = tp["ikf"]
        ikr = tp["ikr"]
        if np.any(np.isfinite(ikf)):
            knee = fwd & (cd > 1e-18)
            s = np.sqrt(np.where(knee, cd / ikf, 1.0))
            gk = ((1.0 + s) * gd - cd * gd / (2.0 * s * ikf)) / (1.0 + 2.0 * s + cd / ikf)
            cd, gd = np.where(knee, cd / (1.0 + s), cd), np.where(knee, gk, gd)
        if np.any(np.isfinite(ikr)):
            knee = ~fwd & (cd < -1e-18)
            s = np.sqrt(np.where(knee, cd / (-ikr), 1.0))
            gk = ((1.0 + s) * gd + cd * gd / (2.0 * s * ikr)) / (1.0 + 2.0 * s - cd / ikr)
            cd, gd = np.where(knee, cd / (1.0 + s), cd), np.where(knee, gk, gd)
        return cd + gmin * vd, gd + gmin

    def junction_current(self, index: int, vd: F64, temp_c: float, gmin: float) -> F64:
        """DC current [A] of instance ``index`` at junction voltages ``vd`` [V] (``@d[id]``)."""
        tp = self._thermal(temp_c)
        one = {k: (v[index : index + 1] if isinstance(v, np.ndarray) and v.shape == self.area.shape else v)
               for k, v in tp.items()}
        flat = np.atleast_1d(np.asarray(vd, dtype=np.float64))
        cd, _ = self._current(flat, {k: (np.full(flat.shape, v[0]) if isinstance(v, np.ndarray) else v)
                                     for k, v in one.items()}, gmin)
        return cd

    def evaluate(self, v: F64, ctx: LoadContext, mode: str) -> LocalEval:
        tp = self._thermal(ctx.temp, ctx.reltol)
        G = self.g_lin.copy()  # the ohmic resistance
        f = np.einsum("nts,ns->nt", G, v)
        vd = v[:, 1] - v[:, 2]
        cd, gd = self._current(vd, tp, ctx.gmin)
        _junction(f, G, cd, gd)
        if mode == "dc":
            return LocalEval(f, G)
        n = len(v)
        q = np.zeros((n, 3))
        C = np.zeros((n, 3, 3))
        qd, cdep = depletion_charge(vd, tp["cz"], tp["pot"], float(tp["m"]), self.card["fc"])
        tt = self.card["tt"]
        _junction(q, C, tt * cd + qd, tt * gd + cdep)
        return LocalEval(f, G, q, C)

    def limit(self, v: F64, v_old: F64, ctx: LoadContext) -> tuple[F64, np.ndarray]:
        tp = self._thermal(ctx.temp, ctx.reltol)
        vd = v[:, 1] - v[:, 2]
        vd_old = v_old[:, 1] - v_old[:, 2]
        lim, limited = pnjlim(vd, vd_old, tp["vte"], tp["vcrit"])
        if "bv" in tp:
            bv = tp["bv"]
            brk = vd < np.minimum(0.0, -bv + 10.0 * tp["vtebrk"])
            lb, lim_b = pnjlim(-(vd + bv), -(vd_old + bv), tp["vtebrk"], tp["vcrit"])
            lim = np.where(brk, -(lb + bv), lim)
            limited = np.where(brk, lim_b, limited)
        out = v.copy()
        out[:, 1] = v[:, 2] + lim
        return out, limited

    def limit_free_step(self, ctx: LoadContext) -> float:
        """Node steps below ``N·Vt`` (and ``NBV·Vt``) change the junction voltage by less than
        the ``2·N·Vt`` that ``DEVpnjlim`` needs to act (its reverse clamp is a volt away)."""
        tp = self._thermal(ctx.temp, ctx.reltol)
        return 0.99 * min(float(tp["vte"]), float(tp["vtebrk"]), 0.25)

    def cold_start(self, v: F64, ctx: LoadContext) -> F64:
        tp = self._thermal(ctx.temp, ctx.reltol)
        out = v.copy()
        out[:, 1] = v[:, 2] + np.broadcast_to(tp["vcrit"], (len(v),))
        out[:, 0] = out[:, 1]
        return out

    def outputs(self, x: F64) -> dict[str, F64]:
        v = self.gather(x)
        vd = v[:, 1] - v[:, 2]
        return {"vd": vd}
