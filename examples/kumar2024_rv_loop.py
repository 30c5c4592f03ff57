"""R(V) loops of 1- and 3-cell compound SOT-MTJs (Kumar et al., Nanoscale Horiz. 9, 1522 (2024), Fig. 4b/4f).

Each 200 ns write pulse (0.1 ... 2 V in 0.1 V steps) across the Ta/Pt channel, in a ±6 mT assist
field, is followed by a 0.1 V read through the 1 MΩ reference resistor. The 1-cell device shows
two levels, the 3-cell device four (n + 1). The cards come from compact_models/kumar2024_sot.lib.
A loop is two transients (the assist field flips between them): branch 1 applies negative
pulses (AP -> P), branch 2 positive ones (P -> AP) from where branch 1 ended; each switching
event is printed with its branch, the pulse amplitude it happened in, and its time within the
branch.

Run:  python examples/kumar2024_rv_loop.py [--tf 1.7] [--out kumar2024_rv_loop.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from xbar.reproduce.kumar2024 import card_name, distinct_levels, rv_loop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tf", type=float, default=1.7, help="free-layer thickness in nm (1.6 ... 2.6)")
    parser.add_argument("--field", type=float, default=6.0, help="assist field magnitude in mT")
    parser.add_argument("--out", default="kumar2024_rv_loop.png", help="PNG to write")
    args = parser.parse_args()
    card = card_name(args.tf)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    for ax, n in zip(axes, (1, 3), strict=True):
        loop = rv_loop(card, n, field_t=args.field * 1e-3)
        levels = distinct_levels(loop.r)
        print(f"{n} cell(s), t_F = {args.tf} nm: {len(levels)} read levels (kΩ): "
              + ", ".join(f"{r / 1e3:.2f}" for r in levels))
        # the loop is two transients: AP -> P with negative pulses, then P -> AP with positive ones
        for branch, what in ((1, f"negative pulses in -{args.field:g} mT, starting all AP"),
                             (2, f"positive pulses in +{args.field:g} mT, a second transient starting "
                                 "where branch 1 ended")):
            print(f"  branch {branch} ({what}):")
            switches = [ev for ev in loop.events if ev["branch"] == branch and ev["kind"] == "switch"]
            for ev in switches:
                print(f"    cell {ev['cell']} -> {ev['to']:2s} during the {ev['pulse']:+.1f} V pulse "
                      f"(t = {ev['time'] * 1e6:.3f} µs into branch {branch}), channel current "
                      f"{ev['current'] * 1e3:+.2f} mA, barrier {ev['voltage']:+.3f} V")
            if not switches:
                print("    no cell switched")
        neg = loop.v < 0
        ax.plot(loop.v[neg], loop.r[neg] / 1e3, "o-", ms=3, color="tab:green", label=f"AP→P (−{args.field:g} mT)")
        ax.plot(loop.v[~neg], loop.r[~neg] / 1e3, "o-", ms=3, color="tab:red", label=f"P→AP (+{args.field:g} mT)")
        ax.set_xlabel("write pulse amplitude (V), 200 ns")
        ax.set_ylabel("R read at 0.1 V (kΩ)")
        ax.set_title(f"{n}-cell compound MTJ, t_F = {args.tf} nm")
        ax.legend()
    out = Path(args.out)
    fig.savefig(out, dpi=120)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
