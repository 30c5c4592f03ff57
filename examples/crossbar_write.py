"""V/2 against V/3 half-select writes on a 16×16 STT-MTJ crossbar with resistive wires.

Reports the selected cell's voltage (and its IR drop), the worst half-selected and unselected
cell voltages, the write success and the half-select disturb probabilities for a 20 ns pulse.

Run: ``python examples/crossbar_write.py``
"""

from __future__ import annotations

import numpy as np

from xbar.crossbar import CrossbarSpec, build_crossbar, write_op


def main() -> None:
    n = 16
    card = {"rp": 5e3, "tmr0": 1.5, "vh": 0.4, "ic_p2ap": 150e-6, "ic_ap2p": 150e-6, "delta": 40.0, "vb": 1.5}
    xb = build_crossbar(CrossbarSpec(n, n, cell="mtj", card=card, state=np.zeros((n, n)), r_row=5.0, r_col=5.0))
    s = xb.solver()
    for scheme in ("v/2", "v/3"):
        w = write_op(xb, (n - 1, n - 1), 0.9, scheme=scheme, pulse=20e-9, solver=s)
        m = w.summary()
        print(f"{scheme}: selected {m['selected_v']:.4f} V (drop {m['drop_v'] * 1e3:.1f} mV), "
              f"half-selected ≤ {m['half_selected_max_v']:.4f} V, unselected ≤ {m['unselected_max_v']:.4f} V, "
              f"P(write) = {m['p_selected']:.4f}, P(disturb) = {m['p_disturb']:.3e}")


if __name__ == "__main__":
    main()
