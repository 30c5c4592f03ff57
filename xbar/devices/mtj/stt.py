"""Two-terminal MTJ (``.model <name> mtj``): bias-dependent TMR, STT switching, breakdown.

Element: ``Y<name> n+ n- <model> [state=0|1] [area=…]``; ``state`` 0 is parallel (P, low R),
1 antiparallel (AP). Positive current (into ``n+``, through the barrier to ``n-``) drives
P→AP, negative current AP→P.

* Conductance: P ``1/R_P``; AP ``G_AP(V)`` of the Lorentzian TMR roll-off (physics module);
  ``I = G(V)·V`` with the exact Jacobian ``G + V dG/dV``.
* Switching: each junction leaves its state at ``rate(I)`` (Néel–Brown below ``Ic``, Sun
  above); it switches when the rate integrated over the accepted steps reaches an exponential
  threshold drawn from the group's seeded generator (``.options seed=``; see
  :mod:`~xbar.devices.mtj.hazard`), so neither the statistics nor a seeded run's events depend
  on the time steps.
* Breakdown: after every converged point ``|V| > V_B`` (per instance) records an event
  ``{"kind": "breakdown", "time", "device", "voltage", "vb"}`` and warns; with ``bdshort=1`` the
  barrier becomes a ``rbd`` resistor from then on.
* Device-to-device variation: ``rp_sigma``, ``tmr_sigma``, ``ic_sigma`` (relative) and
  ``vb_sigma`` (V) draw per-instance values once, from the seeded generator.

Results: ``@y1[state]``, ``@y1[r]`` (V/I, Ω), ``@y1[v]`` (barrier voltage), ``@y1[i]``,
``@y1[broken]``.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from xbar.devices.base import F64, I64, LoadContext, node_values
from xbar.devices.mtj.breakdown import BREAKDOWN_PARAMS, BarrierBreakdown
from xbar.devices.mtj.hazard import HazardClock
from xbar.devices.mtj.physics import (
    barrier_conductance,
    hazard_rate,
)
from xbar.devices.params import BoundCard, Param
from xbar.devices.registry import YDevice, register

__all__ = ["MTJ_CARD", "StaticMtj"]

MTJ_CARD: tuple[Param, ...] = (
    Param("rp", 1e3, "Ω", 1e-3, 1e12, "parallel resistance at zero bias (ignored when ra > 0)", "generic default; set per card"),
    Param("ra", 0.0, "Ω m²", 0.0, 1.0, "resistance-area product; rp = ra/area when > 0", "generic default; set per card"),
    Param("tmr0", 1.0, "-", 0.0, 100.0, "zero-bias TMR, R_AP/R_P − 1", "generic default; set per card"),
    Param("vh", 0.5, "V", 1e-3, 1e6, "bias at which TMR halves (Lorentzian roll-off)", "docs/models/mtj_physics.md §1.2"),
    Param("ic_p2ap", 1e-3, "A", 1e-9, 1.0, "critical current P→AP (positive current)", "generic default; set per card"),
    Param("ic_ap2p", 1e-3, "A", 1e-9, 1.0, "critical current AP→P (negative current)", "generic default; set per card"),
    Param("delta", 40.0, "-", 1.0, 1e4, "thermal stability factor at 300 K", "generic default; set per card"),
    Param("tau0", 1e-9, "s", 1e-15, 1.0, "attempt time", "docs/models/mtj_physics.md §1.5"),
    Param("beta", 1.0, "-", 0.5, 3.0, "barrier-lowering exponent", "docs/models/mtj_physics.md §1.5"),
    Param("pol", 0.6, "-", 0.01, 0.99, "spin polarisation (precessional rate)", "docs/models/mtj_physics.md §1.5"),
    Param("moment", 1e-16, "A m²", 1e-22, 1e-10, "free-layer moment Ms·V (precessional rate)", "generic default; set per card"),
    *BREAKDOWN_PARAMS,
    Param("rp_sigma", 0.0, "-", 0.0, 1.0, "relative spread of R_P", "generic default; set per card"),
    Param("tmr_sigma", 0.0, "-", 0.0, 1.0, "relative spread of TMR0", "generic default; set per card"),
    Param("ic_sigma", 0.0, "-", 0.0, 1.0, "relative spread of critical currents", "generic default; set per card"),
    Param("tref", 27.0, "°C", -273.0, 1000.0, "temperature at which delta is given", "generic default; set per card"),
)


@register
class StaticMtj(BarrierBreakdown, YDevice):
    """All two-terminal MTJs of one ``mtj`` card (see module docstring)."""

    kind: ClassVar[str] = "mtj"
    letter: ClassVar[str] = "y"
    linear: ClassVar[bool] = False
    dc_conducting = ((0, 1),)
    model_type: ClassVar[str] = "mtj"
    terminals: ClassVar[tuple[str, ...]] = ("n+", "n-")
    card_params: ClassVar[tuple[Param, ...]] = MTJ_CARD
    instance_params: ClassVar[tuple[Param, ...]] = (
        Param("state", 0.0, "-", 0.0, 1.0, "0 = parallel, 1 = antiparallel", "instance"),
        Param("area", 1e-14, "m²", 1e-20, 1e-6, "junction area (used with ra)", "instance"),
    )
    output_info: ClassVar[dict[str, tuple[str, str]]] = {
        "state": ("-", "magnetic state: 0 = P, 1 = AP"),
        "r": ("Ω", "junction resistance V/I"),
        "v": ("V", "barrier voltage V(n+) − V(n-)"),
        "i": ("A", "junction current n+ → n-"),
        "broken": ("-", "1 once the barrier has broken down"),
    }

    def __init__(self, names: list[str], nodes: I64, card: BoundCard, inst: dict[str, F64],
                 rng: np.random.Generator) -> None:
        super().__init__(names, nodes, card, inst, rng)
        n = len(names)
        c = card.values
        rp = np.where(c["ra"] > 0, c["ra"] / inst["area"], c["rp"])
        normal = rng.standard_normal((4, n))
        self.rp = rp * np.maximum(1.0 + c["rp_sigma"] * normal[0], 0.05)
        self.tmr0 = c["tmr0"] * np.maximum(1.0 + c["tmr_sigma"] * normal[1], 0.0)
        ic_scale = np.maximum(1.0 + c["ic_sigma"] * normal[2], 0.05)
        self.ic_p2ap = c["ic_p2ap"] * ic_scale
        self.ic_ap2p = c["ic_ap2p"] * ic_scale
        self.init_breakdown(n, normal[3])
        self.state = np.rint(inst["state"]).astype(np.int8)
        self.temp_c = 27.0

    # electrical --------------------------------------------------------------------------
    def _voltage(self, x: F64) -> F64:
        a, b = self.nodes[:, 0], self.nodes[:, 1]
        return node_values(x, a) - node_values(x, b)

    def conductance(self, v: F64) -> tuple[F64, F64]:
        """Conductance ``G(V)`` [S] and ``dG/dV`` [S/V] of every instance at barrier voltage ``v``."""
        g, dg = barrier_conductance(v, self.rp, self.tmr0, self.card["vh"], self.state == 1)
        return self.apply_short(g, dg)

    def barrier_arrays(self) -> tuple[F64, F64, np.ndarray, float] | None:
        """``(R_P, TMR0, AP mask, V_h)`` per instance of the conductance law (for batched
        solvers that evaluate :func:`~xbar.devices.mtj.physics.barrier_conductance` on their
        own layout); None while a barrier is shorted."""
        if np.any(self.shorted):
            return None
        return self.rp, self.tmr0, self.state == 1, float(self.card["vh"])

    def nl_pattern(self) -> tuple[I64, I64]:
        a, b = self.nodes[:, 0], self.nodes[:, 1]
        return np.concatenate([a, b, a, b]), np.concatenate([a, b, b, a])

    def nl_load(self, x: F64, ctx: LoadContext) -> tuple[F64, I64, F64]:
        v = self._voltage(x)
        g, dg = self.conductance(v)
        gd = g + v * dg
        ieq = g * v - gd * v
        a, b = self.nodes[:, 0], self.nodes[:, 1]
        return np.concatenate([gd, gd, -gd, -gd]), np.concatenate([a, b]), np.concatenate([ieq, -ieq])

    def nl_current_batch(self, X: F64) -> tuple[I64, F64] | None:
        a, b = self.nodes[:, 0], self.nodes[:, 1]
        Xp = np.concatenate([X, np.zeros((X.shape[0], 1))], axis=1)
        v = Xp[:, a] - Xp[:, b]
        g, _ = self.conductance(v)
        i = g * v
        rows = np.concatenate([a, b])
        cur = np.concatenate([i, -i], axis=1)
        keep = rows >= 0
        return rows[keep], cur[:, keep]

    # state -------------------------------------------------------------------------------
    def after_solution(self, x: F64, t: float | None, dt: float | None) -> bool:
        v = self._voltage(x)
        changed = self.check_breakdown(v, t)
        if dt is not None and dt > 0:
            changed = self._switch(v, t, dt) or changed
        return changed

    def _switch(self, v: F64, t: float | None, dt: float) -> bool:
        g, _ = self.conductance(v)
        i = g * v
        live = ~self.shorted
        p_state = self.state == 0
        ratio = np.where(p_state, i / self.ic_p2ap, -i / self.ic_ap2p)
        ic = np.where(p_state, self.ic_p2ap, self.ic_ap2p)
        delta = self.card["delta"] * (self.card["tref"] + 273.15) / (self.temp_c + 273.15)
        rate = hazard_rate(ratio, delta, self.card["tau0"], self.card["beta"], ic, self.card["pol"],
                           self.card["moment"])
        flip = self.clock().advance(np.where(live & (ratio > 0), rate, 0.0), dt)
        return self.apply_flips(flip, i, t)

    def clock(self) -> HazardClock:
        """The junctions' switching clocks (created on first use)."""
        clock = self.__dict__.get("_clock")
        if clock is None:
            clock = self.__dict__["_clock"] = HazardClock(self.rng, (len(self),))
        return clock

    def apply_flips(self, flip: np.ndarray, i: F64, t: float | None) -> bool:
        """Toggle the states of ``flip`` and record switching events; True if any flipped."""
        if not np.any(flip):
            return False
        for k in np.flatnonzero(flip)[:1000]:
            self.events.append({"kind": "switch", "time": t, "device": self.names[k],
                                "to": "AP" if self.state[k] == 0 else "P", "current": float(i[k])})
        self.state[flip] ^= 1
        self.clock().rearm(flip)
        return True

    @classmethod
    def spice_lines(cls, name: str, nodes: list[str], card: BoundCard, params: dict[str, float]) -> list[str]:
        """A behavioural ngspice equivalent in the instance's fixed state (no variation, no switching)."""
        c = card.values
        area = params.get("area", 1e-14)
        rp = c["ra"] / area if c["ra"] > 0 else c["rp"]
        a, b = nodes
        v = f"V({a},{b})"
        bname = "b" + name[1:] if name.startswith("y") else "b" + name
        if params.get("state", 0.0) >= 0.5:
            u = f"(({v})*({v})/{c['vh']!r}/{c['vh']!r})"
            expr = f"{v}*(1+{u})/({rp!r}*(1+{u}+{c['tmr0']!r}))"
        else:
            expr = f"{v}/{rp!r}"
        return [f"{bname} {a} {b} I={{{expr}}}"]

    def outputs(self, x: F64) -> dict[str, F64]:
        v = self._voltage(x)
        g, _ = self.conductance(v)
        return {"state": self.state.astype(np.float64), "r": 1.0 / g, "v": v, "i": g * v,
                "broken": self.broken.astype(np.float64)}
