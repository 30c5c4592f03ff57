"""The chain of three STT-MTJs of Lopez et al. (2024), driven the paper's way.

Builds the circuit of Fig. 1(a) with :func:`xbar.devices.mtj.chain.add_chain` (sources
``I_dc1 = I_C1 + I_input``, ``I_dc2 = I_C2 − I_C1``, ``I_dc3 = I_C3 − I_C2``), prints the junction
currents and voltages at one operating point, then applies one 10 ms input pulse to 200
independent copies of the chain (one transient) at each published threshold and prints the
switched fraction of every junction (≈ 1/2 for the junction whose threshold it is).
Deck equivalents: ``netlists/lopez2024_chain_op.cir``, ``netlists/lopez2024_chain_ramp.cir``.

Run: ``python examples/lopez2024_chain.py``
"""

from __future__ import annotations

import numpy as np

import xbar
from xbar.devices.mtj.chain import add_chain
from xbar.reproduce.lopez2024 import (
    CONTROL,
    JUNCTIONS,
    THRESHOLDS,
    define_models,
    switched_fraction,
)


def main() -> None:
    c = xbar.Circuit("Lopez 2024 chain")
    define_models(c)
    h = add_chain(c, "a", list(JUNCTIONS), i_input=600e-6, i_control=(-460e-6, -380e-6, -560e-6))
    op = c.op()
    print("I_input = 600 uA, I_C = (-460, -380, -560) uA, all junctions AP")
    for k, y in enumerate(h.junctions):
        print(f"  MTJ{k + 1}: I = {-op[f'@{y}[i]'] * 1e6:7.1f} uA (paper sign), "
              f"V = {-op[f'@{y}[v]']:6.3f} V, R = {op[f'@{y}[r]']:7.1f} Ohm")
    print(f"  chain voltage v(n0) = {op[f'v({h.nodes[0]})']:.3f} V")

    frac = switched_fraction(THRESHOLDS, 200, seed=1, control=CONTROL)
    print("switched fraction after one 10 ms input (I_C = -500 uA, 200 chains per input)")
    print("  I_input (uA)   MTJ1   MTJ2   MTJ3")
    for x, f in zip(THRESHOLDS, frac, strict=True):
        print(f"  {x * 1e6:10.0f}   " + "  ".join(f"{v:5.2f}" for v in f))
    print("published thresholds (Fig. 1(b)): MTJ1 724, MTJ2 434, MTJ3 696 uA ->",
          np.round(np.diag(frac), 2))


if __name__ == "__main__":
    main()
