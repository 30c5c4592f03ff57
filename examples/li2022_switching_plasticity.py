"""Binary → multilevel SOT switching of Co/Gd Hall bars (Li et al., Chin. Phys. B 31, 117106 (2022), Fig. 2).

One 10 ms pulse train (+60 → −60 → +60 mA in 0.5 mA steps, each pulse followed by a 10 ms read at
0.1 mA) drives Hall bars of every AlOx thickness in series: either at one in-plane field
(default 800 Oe, Fig. 2(b)) or, with --alox, one sample at several fields (Fig. 2(a)). Thin AlOx
(strong anisotropy) or weak fields switch in one step; thick AlOx or strong fields pass through
many intermediate Hall levels. The cards come from compact_models/li2022_cogd.lib.

Run:  python examples/li2022_switching_plasticity.py [--hx 800] [--alox 1.0] [--out li2022_loops.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from xbar.devices.mtj.cogd import OE
from xbar.reproduce.li2022 import (
    GAP,
    I_READ,
    THICKNESSES,
    Schedule,
    card_name,
    hall_train,
    loop_amplitudes,
    loop_metrics,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hx", type=float, default=800.0, help="in-plane field in Oe (all thicknesses)")
    parser.add_argument("--alox", type=float, default=None,
                        help="instead: this AlOx thickness (nm) at 200 ... 1200 Oe")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", default="li2022_loops.png", help="PNG to write")
    args = parser.parse_args()
    if args.alox is None:
        devices = [(card_name(t), args.hx * OE) for t in THICKNESSES]
        labels = [f"AlOx {t:.1f} nm" for t in THICKNESSES]
    else:
        fields = (200.0, 400.0, 600.0, 800.0, 1000.0, 1200.0)
        devices = [(card_name(args.alox), hx * OE) for hx in fields]
        labels = [f"H_x = {hx:.0f} Oe" for hx in fields]
    amps = loop_amplitudes()
    sched = Schedule(I_READ)
    sched.hold(GAP, I_READ)
    for a in amps:
        sched.pulse(float(a))
    r, _, tr = hall_train(devices, sched, seed=args.seed)
    fig, ax = plt.subplots(figsize=(6.5, 4.5), layout="constrained")
    for label, row in zip(labels, r, strict=True):
        m = loop_metrics(amps, row, 1.0)
        print(f"{label:>16s}: ΔR_Ratio = {m.ratio:.3f}, intermediate levels = {m.intermediate:4.1f}, "
              f"ΔI = {m.delta_i * 1e3:5.1f} mA")
        ax.plot(amps[1:] * 1e3, row[1:], ".-", ms=2, lw=0.8, label=label)
    print(f"{len(tr.events)} switching events in {len(tr['time'])} time steps")
    ax.set_xlabel("pulse current I (mA), 10 ms")
    ax.set_ylabel("R_hall read at 0.1 mA (Ω)")
    ax.legend(fontsize=8)
    out = Path(args.out)
    fig.savefig(out, dpi=120)
    print(f"wrote {out}")
    np.savetxt(out.with_suffix(".csv"), np.column_stack([amps, r.T]), delimiter=",",
               header="current_A," + ",".join(labels))


if __name__ == "__main__":
    main()
