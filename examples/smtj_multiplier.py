"""Analog multiplier of Fig. 7 (Bandyopadhyay 2024) with the Fig. 5 s-MTJ: nested .dc sweep.

V_in1 drives the s-MTJ in series with R_s = 10 Ω; V_out over R_s; gate V_G = V_in2 + δ.
Prints the linear range and the error against the ideal product κ R_s V_in1 V_in2, for the
circuit as drawn and for xbar's differential variant (AP-biased reference branch).
Deck equivalents: ``netlists/smtj_multiplier.cir``, ``netlists/smtj_multiplier_diff.cir``.

Run: ``python examples/smtj_multiplier.py``
"""

from __future__ import annotations

from xbar.reproduce.bandyopadhyay2024 import fig5_card, multiplier_circuit, multiplier_metrics


def main() -> None:
    card = fig5_card()
    op = multiplier_circuit(card, 10.0, vin1=0.1, vin2=-0.2).op()
    print(f"V_in1 = 0.1 V, V_in2 = -0.2 V: G = {op['@y1[g]'] * 1e3:.5f} mS, V_out = {op['v(out)'] * 1e3:.6f} mV")
    for diff in (False, True):
        m = multiplier_metrics(card, 10.0, differential=diff)
        name = "differential (xbar)" if diff else "as drawn (Fig. 7)"
        print(f"\n{name}: linear range V_in2 in [{m.range_vin2[0]:.4f}, {m.range_vin2[1]:.4f}] V, "
              f"V_in1 in [-0.5, 0.5] V")
        print(f"  vs kappa*Rs*Vin1*Vin2:     max error {m.err_paper_fs * 100:8.3f} % of full scale")
        print(f"  vs the linear law (affine): max rel. error {m.err_affine_rel * 100:8.3f} %")


if __name__ == "__main__":
    main()
