"""s-MTJ transfer characteristic G(V_G) of the Fig. 5 card (Bandyopadhyay 2024, eq. (2)).

Sweeps the gate of one s-MTJ with ``.dc`` (Level 1, the published linear law) and prints the
derived constants and a few points, next to Level 2 (energy minimisation, collinear stack).
Deck equivalent: ``netlists/smtj_transfer.cir``.

Run: ``python examples/smtj_transfer.py``
"""

from __future__ import annotations

import numpy as np

import xbar
from xbar.devices.mtj.strain import derive, transfer
from xbar.reproduce.bandyopadhyay2024 import fig5_card, linear_range


def main() -> None:
    card = fig5_card()
    d = derive(card)
    print(f"Gamma = {d.gamma:.6f} V, nu = {d.nu * 1e3:.4f} mV, delta = {d.delta:.6f} V, "
          f"kappa = {d.kappa * 1e3:.5f} mS/V")
    print(f"N_maj = {d.nmaj:.5e}, N_min = {d.nmin:.5e}, N_perp = {d.nperp:.6f}")
    lo, hi = linear_range(card)
    print(f"linear window V_G in [{lo:.4f}, {hi:.4f}] V")

    c = xbar.Circuit("s-MTJ transfer characteristic")
    c.model("smtj_fig5", "smtj", **card)
    c.V("read", "a", "0", 0.01)
    c.V("g", "g", "0", 0.0)
    c.Y("1", ["a", "0", "g"], "smtj_fig5")
    res = c.dc("vg", -0.4, 0.4, 0.1)
    g2, _ = transfer(fig5_card("smtj_fig5_l2"), np.asarray(res["v-sweep"]))
    print("   V_G (V)   G L1 (mS)   R L1 (Ohm)   G L2 (mS)")
    for vg, g, r, gl2 in zip(res["v-sweep"], res["@y1[g]"], res["@y1[r]"], g2, strict=True):
        print(f"  {vg:+.3f}   {g * 1e3:9.5f}   {r:10.2f}   {gl2 * 1e3:9.5f}")


if __name__ == "__main__":
    main()
