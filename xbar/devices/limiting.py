"""Newton step limiting of junction and FET voltages (vectorised, ngspice 39 semantics).

Nonlinear devices limit the change of their controlling voltages between Newton iterations so
that exponentials cannot overflow and the iteration does not oscillate. Limiting changes only
the path Newton takes, never the solution: a device whose voltages were limited in an
iteration reports itself unconverged (as SPICE's ``CKTnoncon``), so the iteration goes on.

The functions mirror ngspice 39's ``devsup.c``:

* :func:`pnjlim` (``DEVpnjlim``): pn-junction voltage, logarithmic steps above the critical
  voltage ``vcrit = vt·ln(vt/(√2·Is))``, and at most ``2·vold − 1`` (or ``−vold − 1``) steps
  into reverse bias;
* :func:`fetlim` (``DEVfetlim``): FET gate-source voltage around the threshold ``vto``;
* :func:`limvds` (``DEVlimvds``): FET drain-source voltage.

Each returns the limited voltages and a boolean mask of the entries that were changed.

References
----------
.. [1] L. W. Nagel, "SPICE2: A computer program to simulate semiconductor circuits",
   UCB/ERL M520 (1975), §4.2 (junction voltage limiting).
.. [2] ngspice 39 source, ``src/spicelib/devices/devsup.c``.
"""

from __future__ import annotations

import numpy as np

from xbar.devices.base import F64

__all__ = ["fetlim", "limvds", "pnjlim"]

_BOOL = np.bool_


def pnjlim(vnew: F64, vold: F64, vt: F64 | float, vcrit: F64 | float) -> tuple[F64, np.ndarray]:
    """Limit pn-junction voltages ``vnew`` [V] given the previous iterate ``vold`` [V].

    Parameters
    ----------
    vnew, vold : ndarray
        New and previous junction voltages [V].
    vt : float or ndarray
        Emission-scaled thermal voltage ``N·kT/q`` [V].
    vcrit : float or ndarray
        Critical voltage [V] above which steps are logarithmic.

    Returns
    -------
    v : ndarray
        Limited voltages [V].
    limited : ndarray of bool
        Entries that were changed.
    """
    vnew = np.asarray(vnew, dtype=np.float64)
    vold = np.broadcast_to(np.asarray(vold, dtype=np.float64), vnew.shape)
    vt_a = np.broadcast_to(np.asarray(vt, dtype=np.float64), vnew.shape)
    vc = np.broadcast_to(np.asarray(vcrit, dtype=np.float64), vnew.shape)
    out = vnew.copy()
    fwd = (vnew > vc) & (np.abs(vnew - vold) > 2.0 * vt_a)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        arg = (vnew - vold) / vt_a
        up = vold + vt_a * (2.0 + np.log(np.maximum(arg - 2.0, 1e-300)))
        down = vold - vt_a * (2.0 + np.log(np.maximum(2.0 - arg, 1e-300)))
        from_neg = vt_a * np.log(np.maximum(vnew / vt_a, 1e-300))
    out = np.where(fwd & (vold > 0) & (arg > 0), up, out)
    out = np.where(fwd & (vold > 0) & ~(arg > 0), down, out)
    out = np.where(fwd & ~(vold > 0), from_neg, out)
    # reverse steps: at most to 2·vold − 1 (or −vold − 1 from forward bias)
    floor = np.where(vold > 0, -vold - 1.0, 2.0 * vold - 1.0)
    rev = ~fwd & (vnew < 0) & (vnew < floor)
    out = np.where(rev, floor, out)
    return out, fwd | rev


def fetlim(vnew: F64, vold: F64, vto: F64) -> F64:
    """Limit FET gate voltages ``vnew`` [V] around the threshold ``vto`` [V] (``DEVfetlim``).

    Returns the limited voltages [V].
    """
    vnew = np.asarray(vnew, dtype=np.float64)
    vold = np.asarray(vold, dtype=np.float64)
    vto = np.broadcast_to(np.asarray(vto, dtype=np.float64), vnew.shape)
    vtsthi = np.abs(2.0 * (vold - vto)) + 2.0
    vtstlo = np.abs(vold - vto) + 1.0
    vtox = vto + 3.5
    delv = vnew - vold
    on = vold >= vto
    high = on & (vold >= vtox)
    middle = on & ~high
    off = ~on
    out = vnew.copy()
    # on, far above threshold
    going_off = high & (delv <= 0)
    out = np.where(going_off & (vnew >= vtox) & (-delv > vtstlo), vold - vtstlo, out)
    out = np.where(going_off & (vnew < vtox), np.maximum(vnew, vto + 2.0), out)
    out = np.where(high & (delv > 0) & (delv >= vtsthi), vold + vtsthi, out)
    # middle region
    out = np.where(middle & (delv <= 0), np.maximum(vnew, vto - 0.5), out)
    out = np.where(middle & (delv > 0), np.minimum(vnew, vto + 4.0), out)
    # off
    out = np.where(off & (delv <= 0) & (-delv > vtsthi), vold - vtsthi, out)
    vtemp = vto + 0.5
    rising = off & (delv > 0)
    out = np.where(rising & (vnew <= vtemp) & (delv > vtstlo), vold + vtstlo, out)
    out = np.where(rising & (vnew > vtemp), vtemp, out)
    return out


def limvds(vnew: F64, vold: F64) -> F64:
    """Limit FET drain-source voltages ``vnew`` [V] given ``vold`` [V] (``DEVlimvds``)."""
    vnew = np.asarray(vnew, dtype=np.float64)
    vold = np.asarray(vold, dtype=np.float64)
    big = vold >= 3.5
    rising = vnew > vold
    out = np.where(big & rising, np.minimum(vnew, 3.0 * vold + 2.0), vnew)
    out = np.where(big & ~rising & (vnew < 3.5), np.maximum(vnew, 2.0), out)
    out = np.where(~big & rising, np.minimum(vnew, 4.0), out)
    out = np.where(~big & ~rising, np.maximum(vnew, -0.5), out)
    return out
