"""Junction diode (SPICE level 1, DC part): the engine's reference nonlinear device.

``D<name> anode cathode model [area]`` with ``.model <model> D (IS= N= XTI= EG= TNOM=)``.

Equations (SPICE3 / ngspice ``dioload.c``):

* ``I = area·IS(T)·(exp(V/(N·Vt)) − 1) + gmin·V``, ``Vt = k·T/q``;
* ``IS(T) = IS·(T/Tnom)^(XTI/N)·exp((T/Tnom − 1)·EG/(N·Vt(T)))``;
* junction-voltage limiting with ``pnjlim`` and the critical voltage
  ``Vcrit = N·Vt·ln(N·Vt/(√2·IS))``, as in SPICE.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from xbar.devices.base import F64, I64, DeviceGroup, LoadContext, node_values
from xbar.errors import ModelCardError, SourceLocation

__all__ = ["DIODE_PARAMS", "DiodeGroup"]

# ngspice 39's constants (CODATA 2014; const.h), not CODATA 2018: with the 2018 values the
# thermal voltage differs by 3.4e-7 relative and diode currents by ~1e-5, which the golden
# comparisons with ngspice resolve
K_BOLTZMANN = 1.38064852e-23
Q_ELECTRON = 1.6021766208e-19
CELSIUS_TO_KELVIN = 273.15

DIODE_PARAMS: dict[str, tuple[float, float, float, str]] = {
    # name: (default, lower bound, upper bound, description)
    "is": (1e-14, 1e-200, math.inf, "saturation current [A] (> 0: the junction model divides by it; "
                                     "no upper bound, as ngspice)"),
    "n": (1.0, 1e-3, 100.0, "emission coefficient [-]"),
    "xti": (3.0, -100.0, 100.0, "saturation-current temperature exponent [-]"),
    "eg": (1.11, 0.1, 10.0, "activation energy [eV]"),
    "tnom": (27.0, -273.0, 1000.0, "parameter measurement temperature [°C]"),
}


class DiodeGroup(DeviceGroup):
    """All diodes bound to one ``.model`` card."""

    kind: ClassVar[str] = "diode"
    letter: ClassVar[str] = "d"
    linear: ClassVar[bool] = False
    dc_conducting = ((0, 1),)
    output_info: ClassVar[dict[str, tuple[str, str]]] = {"vd": ("V", "junction voltage")}

    def __init__(self, names: list[str], nodes: I64, area: F64, card: dict[str, float],
                 location: SourceLocation | None = None) -> None:
        super().__init__(names, nodes)
        self.area = np.asarray(area, dtype=np.float64)
        self.card = card
        self.location = location
        """Where the ``.model`` card was written (errors about the card point there)."""
        self._vd = np.zeros(len(names))

    def _thermal(self, temp_c: float) -> tuple[float, F64]:
        t = temp_c + CELSIUS_TO_KELVIN
        tnom = self.card["tnom"] + CELSIUS_TO_KELVIN
        vt = K_BOLTZMANN * t / Q_ELECTRON
        n = self.card["n"]
        ratio = t / tnom
        with np.errstate(over="ignore", under="ignore"):
            is_t = self.card["is"] * ratio ** (self.card["xti"] / n) * np.exp(
                min((ratio - 1.0) * self.card["eg"] / (n * vt), 700.0)
            )
        if not 1e-300 < is_t < 1e300:
            msg = (f"diode model: IS at {temp_c:g} °C is {is_t:.3g} A (IS={self.card['is']:g}, "
                   f"N={n:g}, EG={self.card['eg']:g}, XTI={self.card['xti']:g}): outside the range "
                   "the model can evaluate; check IS, N and the temperature (.temp / .options temp)")
            raise ModelCardError(msg, self.location)
        return n * vt, self.area * is_t

    def nl_pattern(self) -> tuple[I64, I64]:
        a, k = self.nodes[:, 0], self.nodes[:, 1]
        return np.concatenate([a, k, a, k]), np.concatenate([a, k, k, a])

    def _voltage(self, x: F64) -> F64:
        a, k = self.nodes[:, 0], self.nodes[:, 1]
        return node_values(x, a) - node_values(x, k)

    def nl_load(self, x: F64, ctx: LoadContext) -> tuple[F64, I64, F64]:
        nvt, is_t = self._thermal(ctx.temp)
        vnew = self._voltage(x)
        vcrit = nvt * (np.log(nvt) - np.log(np.sqrt(2.0) * is_t))  # no overflow for a tiny IS(T)
        if ctx.initialise:
            # SPICE MODEINITJCT: a cold start evaluates junctions at Vcrit; a warm start
            # (sweep point, time step) starts from the given iterate without limiting
            vd = np.broadcast_to(vcrit, vnew.shape).copy() if ctx.cold else vnew
        else:
            vd = _pnjlim(vnew, self._vd, nvt, vcrit)
        self._vd = vd
        arg = np.minimum(vd / nvt, 700.0)
        ex = np.exp(arg)
        cd = is_t * (ex - 1.0) + ctx.gmin * vd
        gd = is_t * ex / nvt + ctx.gmin
        ieq = cd - gd * vd
        a, k = self.nodes[:, 0], self.nodes[:, 1]
        vals = np.concatenate([gd, gd, -gd, -gd])
        return vals, np.concatenate([a, k]), np.concatenate([ieq, -ieq])

    def nl_converged(self, x: F64, ctx: LoadContext) -> bool:
        nvt, is_t = self._thermal(ctx.temp)
        v = self._voltage(x)
        vd = self._vd
        gd = is_t * np.exp(np.minimum(vd / nvt, 700.0)) / nvt + ctx.gmin
        cd_lin = is_t * (np.exp(np.minimum(vd / nvt, 700.0)) - 1.0) + ctx.gmin * vd + gd * (v - vd)
        cd_true = is_t * (np.exp(np.minimum(v / nvt, 700.0)) - 1.0) + ctx.gmin * v
        tol = ctx.reltol * np.maximum(np.abs(cd_lin), np.abs(cd_true)) + ctx.abstol
        return bool(np.all(np.abs(cd_lin - cd_true) <= tol))

    def outputs(self, x: F64) -> dict[str, F64]:
        return {"vd": self._voltage(x)}


def _pnjlim(vnew: F64, vold: F64, vt: float, vcrit: F64) -> F64:
    """SPICE junction-voltage limiting (vectorised ``DEVpnjlim``)."""
    big = (vnew > vcrit) & (np.abs(vnew - vold) > 2.0 * vt)
    out = vnew.copy()
    if not np.any(big):
        return out
    pos_old = vold > 0
    arg = 1.0 + (vnew - vold) / vt
    with np.errstate(invalid="ignore", divide="ignore"):
        lim_pos = np.where(arg > 0, vold + vt * np.log(np.maximum(arg, 1e-300)), vcrit)
        lim_neg = vt * np.log(np.maximum(vnew / vt, 1e-300))
    out = np.where(big & pos_old, lim_pos, out)
    out = np.where(big & ~pos_old, lim_neg, out)
    return out
