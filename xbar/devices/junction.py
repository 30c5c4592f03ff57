"""pn-junction physics shared by the diode, the MOSFET bulk junctions and the bipolar transistor.

All functions are vectorised over instances and follow SPICE3 / ngspice 39
(``dioload.c``, ``diotemp.c``, ``bjttemp.c``, ``mos1temp.c``):

* :func:`junction_current`: ``I = Is·(exp(V/(N·Vt)) − 1)`` in forward and weak reverse bias
  (``V ≥ −3·N·Vt``); below it SPICE's smooth reverse branch
  ``I = −Is·(1 + (3·N·Vt/(e·V))³)``, which tends to ``−Is`` [1]_;
* :func:`depletion_charge`: depletion charge and capacitance
  ``C = Cj0·(1 − V/Vj)^(−M)``, linearly extrapolated above ``FC·Vj`` [1]_ (§4.1);
* :func:`junction_temperature`: temperature scaling of the built-in potential and of the
  zero-bias capacitance through the silicon band gap ``Eg(T) = 1.16 − 7.02e-4·T²/(T+1108)``
  (SPICE's ``pbfact``/``gmanew`` equations).

Units: volts, amperes, farads, coulombs, kelvin.

References
----------
.. [1] P. Antognetti and G. Massobrio, *Semiconductor Device Modeling with SPICE*,
   2nd ed., McGraw-Hill (1993), ch. 1 (diode) and ch. 2 (bipolar transistor).
.. [2] ngspice 39 source, ``src/spicelib/devices/dio/``, ``bjt/``, ``mos1/``.
"""

from __future__ import annotations

import math

import numpy as np

from xbar.devices.base import F64

__all__ = [
    "CHARGE",
    "KOVERQ",
    "K_BOLTZMANN",
    "REFTEMP",
    "depletion_charge",
    "gap_energy",
    "junction_current",
    "junction_temperature",
    "pb_factor",
    "thermal_voltage",
]

# ngspice 39's constants (CODATA 2014, const.h)
K_BOLTZMANN = 1.38064852e-23
CHARGE = 1.6021766208e-19
KOVERQ = K_BOLTZMANN / CHARGE
REFTEMP = 300.15
CELSIUS_TO_KELVIN = 273.15
_E = math.exp(1.0)
MAX_EXP_ARG = 709.0


def thermal_voltage(temp_k: float) -> float:
    """``kT/q`` [V] at ``temp_k`` [K]."""
    return KOVERQ * temp_k


def gap_energy(temp_k: float) -> float:
    """Silicon band gap [eV] at ``temp_k`` [K] (SPICE's ``egfet``)."""
    return 1.16 - (7.02e-4 * temp_k * temp_k) / (temp_k + 1108.0)


def pb_factor(temp_k: float) -> float:
    """SPICE's ``pbfact`` [V]: temperature shift of junction potentials at ``temp_k`` [K]."""
    vt = thermal_voltage(temp_k)
    arg = -gap_energy(temp_k) / (2.0 * K_BOLTZMANN * temp_k) + 1.1150877 / (K_BOLTZMANN * (2.0 * REFTEMP))
    return -2.0 * vt * (1.5 * math.log(temp_k / REFTEMP) + CHARGE * arg)


def junction_temperature(pot: float, cap: F64 | float, grading: float, tnom_k: float,
                         temp_k: float) -> tuple[float, F64 | float]:
    """Built-in potential [V] and zero-bias capacitance [F] at ``temp_k`` [K].

    ``pot`` and ``cap`` are given at ``tnom_k`` [K]; ``grading`` is the grading coefficient M.
    """
    fact1 = tnom_k / REFTEMP
    fact2 = temp_k / REFTEMP
    pbo = (pot - pb_factor(tnom_k)) / fact1
    gmaold = (pot - pbo) / pbo
    tcap = cap / (1.0 + grading * (4e-4 * (tnom_k - REFTEMP) - gmaold))
    tpot = fact2 * pbo + pb_factor(temp_k)
    gmanew = (tpot - pbo) / pbo
    tcap = tcap * (1.0 + grading * (4e-4 * (temp_k - REFTEMP) - gmanew))
    return tpot, tcap


def junction_current(v: F64, isat: F64 | float, vte: F64 | float) -> tuple[F64, F64]:
    """Junction current [A] and conductance [S] (no gmin) at voltages ``v`` [V].

    ``vte`` is the emission-scaled thermal voltage ``N·kT/q`` [V].
    """
    vte_a = np.broadcast_to(np.asarray(vte, dtype=np.float64), v.shape)
    fwd = v >= -3.0 * vte_a
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        ev = np.exp(np.minimum(np.where(fwd, v, 0.0) / vte_a, MAX_EXP_ARG))
        arg = 3.0 * vte_a / (np.where(fwd, -1.0, v) * _E)
        arg = arg * arg * arg
        i = np.where(fwd, isat * (ev - 1.0), -isat * (1.0 + arg))
        g = np.where(fwd, isat * ev / vte_a, isat * 3.0 * arg / np.where(fwd, -1.0, v))
    return i, g


def depletion_charge(v: F64, cz: F64 | float, pot: F64 | float, grading: float,
                     fc: float) -> tuple[F64, F64]:
    """Depletion charge [C] and capacitance [F] of a junction at voltages ``v`` [V].

    ``cz`` zero-bias capacitance [F], ``pot`` built-in potential [V], ``grading`` M, ``fc``
    the forward-bias coefficient: above ``fc·pot`` the capacitance is extended linearly.
    """
    pot_a = np.broadcast_to(np.asarray(pot, dtype=np.float64), v.shape)
    cz_a = np.broadcast_to(np.asarray(cz, dtype=np.float64), v.shape)
    depcap = fc * pot_a
    low = v < depcap
    xfc = math.log(1.0 - fc)
    f1 = pot_a * (1.0 - math.exp((1.0 - grading) * xfc)) / (1.0 - grading)
    f2 = math.exp((1.0 + grading) * xfc)
    f3 = 1.0 - fc * (1.0 + grading)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        arg = 1.0 - np.where(low, v, 0.0) / pot_a
        sarg = np.exp(-grading * np.log(arg))
        q_low = pot_a * cz_a * (1.0 - arg * sarg) / (1.0 - grading)
        c_low = cz_a * sarg
    czf2 = cz_a / f2
    q_high = cz_a * f1 + czf2 * (f3 * (v - depcap) + (grading / (pot_a + pot_a)) * (v * v - depcap * depcap))
    c_high = czf2 * (f3 + grading * v / pot_a)
    return np.where(low, q_low, q_high), np.where(low, c_low, c_high)
