"""4×4 s-MTJ crossbar vector-matrix multiply (Bandyopadhyay 2024, Sec. 4 / Fig. 8).

Inputs on the rows, weights in [0, 1] as gate voltages V_G = δ − w·2Γ, column currents through
0-V ammeters compared with Σ_i G_ij V_i. Variants: ideal wires, 1 Ω wire segments, and the
resistance-linear angle law of eq. (1) (a non-linear G(V_G) with the same weight encoding).
Deck equivalent: ``netlists/smtj_vmm4x4.cir``.

Run: ``python examples/smtj_vmm.py``
"""

from __future__ import annotations

import numpy as np

from xbar.reproduce.bandyopadhyay2024 import fig5_card, vmm_metrics


def main() -> None:
    card = fig5_card()
    for label, cd, rw in (("eq. (2), ideal wires", card, 0.0), ("eq. (2), 1 ohm segments", card, 1.0),
                          ("eq. (1) R(theta), ideal wires", {**card, "angle_law": 1.0}, 0.0)):
        m = vmm_metrics(cd, rwire=rw)
        print(f"{label:32s} max error {m.err_fs * 100:.3e} % of full scale")
    m = vmm_metrics(card)
    np.set_printoptions(precision=4, suppress=True)
    print("\nweights:\n", m.weights)
    print("first input vector (V):", m.inputs[0])
    print("column currents (uA):  ", m.currents[0] * 1e6)
    print("ideal (uA):            ", m.ideal[0] * 1e6)


if __name__ == "__main__":
    main()
