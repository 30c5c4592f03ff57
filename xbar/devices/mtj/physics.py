"""Shared MTJ physics, vectorised: bias-dependent TMR, angle laws, switching hazard rates.

Equations (``docs/models/mtj_physics.md`` §1.1, §1.2, §1.5, with the references there):

* Lorentzian TMR roll-off [1]_: ``TMR(V) = TMR0 / (1 + V²/Vh²)``; ``R_P`` bias independent,
  ``R_AP(V) = R_P (1 + TMR(V))``.
* Angle laws: conductance linear in cos θ (Slonczewski/Julliere [2]_),
  ``G(θ) = ½(G_P + G_AP) + ½(G_P − G_AP) cos θ``; or resistance linear in cos θ,
  ``R(θ) = R_P + ½(R_AP − R_P)(1 − cos θ)``.
* Thermally activated switching (Néel–Brown with a spin-torque-lowered barrier [3]_):
  ``τ = τ0 exp(Δ (1 − I/Ic)^β)`` for ``I < Ic``.
* Precessional switching (Sun 2000 [4]_): ``1/τ = 2/(C + ln(π²Δ/4)) · μB P/(m (1+P²)) · (I − Ic)/e``
  for ``I > Ic``; the hazard rate used is the larger of the two, continuous at ``I = Ic``.
* Per-step switching probability ``p = 1 − exp(−Δt/τ)``: integrating a hazard rate keeps the
  statistics independent of the time step (``docs/models/mtj_physics.md`` §1.5, §1.11).

References
----------
.. [1] Y. Zhang, W. Zhao et al., IEEE TED 59, 819 (2012) (Beihang MTJ model).
.. [2] J. C. Slonczewski, PRB 39, 6995 (1989); M. Julliere, Phys. Lett. A 54, 225 (1975).
.. [3] R. H. Koch, J. A. Katine, J. Z. Sun, PRL 92, 088302 (2004).
.. [4] J. Z. Sun, PRB 62, 570 (2000).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from xbar.devices.base import F64

__all__ = [
    "EULER_GAMMA",
    "E_CHARGE",
    "K_B",
    "MU_B",
    "ap_conductance",
    "conductance_angle",
    "hazard_rate",
    "switch_probability",
    "tmr_bias",
]

E_CHARGE = 1.602176634e-19
K_B = 1.380649e-23
MU_B = 9.2740100783e-24
EULER_GAMMA = 0.5772156649015329


def tmr_bias(v: F64, tmr0: F64 | float, vh: F64 | float) -> F64:
    """TMR at barrier voltage ``v`` [V]: ``TMR0/(1 + v²/vh²)`` (``vh`` [V], inf: no roll-off).

    Examples
    --------
    >>> float(tmr_bias(np.array(0.5), 1.0, 0.5))
    0.5
    >>> round(float(tmr_bias(np.array(0.25), 1.0, 0.5)), 12)
    0.8
    """
    return np.asarray(tmr0) / (1.0 + (np.asarray(v) / vh) ** 2)


def ap_conductance(v: F64, rp: F64 | float, tmr0: F64 | float, vh: F64 | float) -> tuple[F64, F64]:
    """AP-state conductance ``G_AP(V)`` [S] and its derivative ``dG_AP/dV`` [S/V].

    ``G_AP = (1 + u)/(R_P (1 + u + TMR0))`` with ``u = V²/Vh²``;
    ``dG_AP/dV = (2V/Vh²) TMR0 / (R_P (1 + u + TMR0)²)``.
    """
    u = (v / vh) ** 2
    den = 1.0 + u + tmr0
    g = (1.0 + u) / (rp * den)
    dg = (2.0 * v / np.asarray(vh) ** 2) * tmr0 / (rp * den**2)
    return g, dg


def barrier_conductance(v: F64, rp: F64 | float, tmr0: F64 | float, vh: F64 | float,
                        ap: npt.ArrayLike) -> tuple[F64, F64]:
    """Conductance [S] and ``dG/dV`` [S/V] of MgO barriers in state ``ap`` (True: AP) at bias ``v``.

    P: ``1/R_P`` (bias-independent); AP: :func:`ap_conductance`. Shapes broadcast.
    """
    gap, dgap = ap_conductance(v, rp, tmr0, vh)
    g = np.where(ap, gap, 1.0 / np.asarray(rp))
    dg = np.where(ap, dgap, 0.0)
    return g, dg


def conductance_angle(cos_theta: F64, gp: F64, gap: F64, law: F64 | int) -> F64:
    """Conductance at angle θ [S] for ``law`` 0 (conductance-linear) or 1 (resistance-linear).

    Examples
    --------
    >>> float(1 / conductance_angle(np.array(0.0), 1e-3, 0.5e-3, 0))  # 1 kΩ / 2 kΩ at 90°
    1333.3333333333333
    >>> float(1 / conductance_angle(np.array(0.0), 1e-3, 0.5e-3, 1))
    1500.0
    """
    g_lin = 0.5 * (gp + gap) + 0.5 * (gp - gap) * cos_theta
    r_lin = 1.0 / gp + 0.5 * (1.0 / gap - 1.0 / gp) * (1.0 - cos_theta)
    return np.where(np.asarray(law) == 0, g_lin, 1.0 / r_lin)


def hazard_rate(i_ratio: F64, delta: F64 | float, tau0: F64 | float, beta: F64 | float,
                ic: F64 | float, pol: F64 | float, moment: F64 | float) -> F64:
    """Switching rate [1/s] at drive ``i_ratio = I/Ic`` (≥ 0; negative means no drive).

    Thermal (Néel–Brown) below ``Ic``; the larger of thermal at ``Ic`` and Sun's precessional
    rate above. ``delta`` thermal stability [-], ``tau0`` attempt time [s], ``beta`` barrier
    exponent [-], ``ic`` critical current [A], ``pol`` spin polarisation [-], ``moment`` free
    layer moment ``Ms·V`` [A m²].

    Examples
    --------
    >>> tau = 1 / hazard_rate(np.array([0.9]), 40.0, 1e-9, 1.0, 1e-3, 0.6, 1e-16)
    >>> round(float(tau[0]) * 1e9, 1)   # 54.6 ns (docs/models/mtj_physics.md §1.5)
    54.6
    """
    i = np.maximum(np.asarray(i_ratio, dtype=np.float64), 0.0)
    below = np.minimum(i, 1.0)
    thermal = np.exp(-np.asarray(delta) * (1.0 - below) ** np.asarray(beta)) / np.asarray(tau0)
    pref = 2.0 / (EULER_GAMMA + np.log(np.pi**2 * np.asarray(delta) / 4.0))
    prec = pref * MU_B * np.asarray(pol) / (np.asarray(moment) * (1.0 + np.asarray(pol) ** 2)) \
        * np.maximum(i - 1.0, 0.0) * np.asarray(ic) / E_CHARGE
    rate = np.maximum(thermal, prec)
    return np.where(np.asarray(i_ratio) > 0.0, rate, 0.0)


def switch_probability(rate: F64, dt: float) -> F64:
    """``1 − exp(−rate·dt)``, accurate for small products."""
    return -np.expm1(-rate * dt)
