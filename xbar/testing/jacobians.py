"""Finite-difference checks of device Jacobians (for tests; the library never imports this).

:func:`local_jacobian_errors` compares the analytic ``G = ∂f/∂v`` and ``C = ∂q/∂v`` of a
:class:`~xbar.devices.local.LocalDevice` group with central differences of its own ``f`` and
``q`` at the given local voltages, column by column.
"""

from __future__ import annotations

import numpy as np

from xbar.devices.base import LoadContext
from xbar.devices.local import LocalDevice

__all__ = ["default_context", "local_jacobian_errors"]


def default_context(temp: float = 27.0, gmin: float = 1e-12) -> LoadContext:
    """A load context with ngspice's default tolerances."""
    return LoadContext(gmin=gmin, temp=temp, reltol=1e-3, abstol=1e-12, vntol=1e-6)


def local_jacobian_errors(group: LocalDevice, v: np.ndarray, ctx: LoadContext, mode: str = "tran",
                          h: float = 1e-6) -> dict[str, float]:
    """Largest scaled difference between the analytic and central-difference Jacobians.

    Parameters
    ----------
    group : LocalDevice
        The device group (its state, e.g. a transient history, is used as it is).
    v : ndarray (N, T)
        Local node voltages [V].
    ctx : LoadContext
        Temperature, gmin.
    mode : str
        ``"dc"`` (currents only) or ``"tran"``/``"ac"`` (currents and charges).
    h : float
        Voltage step [V].

    Returns
    -------
    dict
        ``{"G": err, "C": err}``: ``max |analytic − fd| / (|analytic| + |fd| + scale)`` where
        ``scale`` is 1e-4 of the largest entry of that matrix (so round-off in tiny entries
        do not dominate).
    """
    ev = group.evaluate(v, ctx, mode)
    t = v.shape[1]
    fd_g = np.zeros_like(ev.G)
    fd_c = np.zeros_like(ev.C) if ev.C is not None else None
    for j in range(t):
        vp = v.copy()
        vm = v.copy()
        vp[:, j] += h
        vm[:, j] -= h
        ep = group.evaluate(vp, ctx, mode)
        em = group.evaluate(vm, ctx, mode)
        fd_g[:, :, j] = (ep.f - em.f) / (2 * h)
        if fd_c is not None and ep.q is not None and em.q is not None:
            fd_c[:, :, j] = (ep.q - em.q) / (2 * h)
    out = {}
    for key, a, b in (("G", ev.G, fd_g), ("C", ev.C, fd_c)):
        if a is None or b is None:
            continue
        scale = 1e-4 * max(float(np.max(np.abs(a))), float(np.max(np.abs(b))), 1e-300)
        out[key] = float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b) + scale)))
    return out
