"""Analog divider (Fig. 6(b) of Bandyopadhyay 2024 with an s-MTJ): nested .dc sweep.

V_in1 drives R_s = 100 kΩ in series with the s-MTJ; V_out over the s-MTJ ≈ V_in1/(R_s G).
As drawn the gate is V_in2 + δ (G = G_AP + κ V_in2); xbar's zero-bias variant puts the gate at
δ + G_AP/|κ| so that G = κ V_in2 and V_out ≈ V_in1/(R_s κ V_in2).
Deck equivalent: ``netlists/smtj_divider.cir``.

Run: ``python examples/smtj_divider.py``
"""

from __future__ import annotations

from xbar.reproduce.bandyopadhyay2024 import divider_metrics, fig5_card


def main() -> None:
    card = fig5_card()
    for zero in (False, True):
        m = divider_metrics(card, 100e3, zero_bias=zero)
        name = "zero-bias gate (xbar)" if zero else "as drawn (V_G = V_in2 + delta)"
        print(f"{name}: divisor range V_in2 in [{m.range_vin2[0]:.4f}, {m.range_vin2[1]:.4f}] V")
        print(f"  vs Vin1/(Rs*kappa*Vin2): max rel. error {m.err_paper_rel * 100:8.3f} %")
        print(f"  vs Vin1/(Rs*G_linear):   max rel. error {m.err_affine_rel * 100:8.3f} %")


if __name__ == "__main__":
    main()
