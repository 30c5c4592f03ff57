"""Barrier breakdown shared by every MTJ kind (docs/models/mtj_physics.md §1.9).

After every converged point each barrier's voltage is compared with its breakdown voltage
``V_B`` (drawn once per instance from ``vb`` and ``vb_sigma``): crossing it records an event
``{"kind": "breakdown", "time", "device", "voltage", "vb"}`` (the engine turns new breakdown
events into one :class:`~xbar.errors.XbarWarning` at the device's deck line), and with
``bdshort=1`` turns the barrier into an ``rbd`` resistor from then on.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from xbar.devices.base import F64
from xbar.devices.params import Param

__all__ = ["BREAKDOWN_PARAMS", "BarrierBreakdown"]

BREAKDOWN_PARAMS: tuple[Param, ...] = (
    Param("vb", 1.8, "V", 1e-3, 100.0, "barrier breakdown voltage (mean)", "generic default; set per card"),
    Param("vb_sigma", 0.0, "V", 0.0, 10.0, "spread of breakdown voltage", "generic default; set per card"),
    Param("bdshort", 0.0, "-", 0.0, 1.0, "1: a broken barrier becomes a rbd resistor", "generic default"),
    Param("rbd", 100.0, "Ω", 1e-3, 1e9, "post-breakdown resistance", "docs/models/mtj_physics.md §1.9"),
)


class BarrierBreakdown:
    """Mixin for device groups with one barrier per instance (``names``, ``events``, ``card``)."""

    names: list[str]
    events: list[dict[str, Any]]
    card: Any

    def init_breakdown(self, n: int, normal: F64) -> None:
        """Draw per-instance ``V_B`` from standard normals ``normal`` (shape ``(n,)``)."""
        self.vb = np.maximum(self.card["vb"] + self.card["vb_sigma"] * normal, 1e-3)
        self.broken = np.zeros(n, dtype=bool)
        self.shorted = np.zeros(n, dtype=bool)

    def check_breakdown(self, v: F64, t: float | None) -> bool:
        """Record barriers over ``V_B``; True when a barrier was shorted (stamps changed)."""
        over = (np.abs(v) > self.vb) & ~self.broken
        if not np.any(over):
            return False
        idx = np.flatnonzero(over)
        for i in idx[:1000]:
            self.events.append({"kind": "breakdown", "time": t, "device": self.names[i],
                                "voltage": float(v[i]), "vb": float(self.vb[i])})
        self.broken |= over
        if self.card["bdshort"] >= 0.5:
            self.shorted |= over
            return True
        return False

    def apply_short(self, g: F64, dg: F64) -> tuple[F64, F64]:
        """Conductance and derivative with shorted barriers replaced by ``1/rbd``."""
        if not np.any(self.shorted):
            return g, dg
        return np.where(self.shorted, 1.0 / self.card["rbd"], g), np.where(self.shorted, 0.0, dg)
