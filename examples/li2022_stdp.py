"""Spike-timing-dependent plasticity of a Co/Gd Hall-bar synapse (Li et al., Chin. Phys. B 31, 117106 (2022), Fig. 3).

Before every spike pair the AlOx(2) bar (H_x = −500 Oe) is demagnetised with the paper's
alternating sequence +28, −27.5, …, +1, −0.5 mA; then the pre-neuron spike 1 and the post-neuron
spike 2, delayed by Δt, are superposed (I_pre − I_post) and fed through the channel. The change of
R_hall (read at 0.1 mA) is fitted with A± exp(∓Δt/τ±). Spike shapes are this example's
assumption (Fig. 3(b) shows them only graphically): a 1 ms main pulse and a decaying tail of the
opposite sign, each alone below the switching threshold.

Run:  python examples/li2022_stdp.py [--repeats 2] [--out li2022_stdp.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from xbar.reproduce.li2022 import fit_stdp, stdp, stdp_waveform


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="scans of Δt = −12 … 12 ms")
    parser.add_argument("--seed", type=int, default=2022)
    parser.add_argument("--out", default="li2022_stdp.png", help="PNG to write")
    args = parser.parse_args()
    dt, dr, before = stdp(seed=args.seed, repeats=args.repeats)
    a_p, tau_p, a_m, tau_m = fit_stdp(dt, dr)
    print(f"after demagnetising: R_hall = {before.mean():+.3f} ± {before.std():.3f} Ω")
    for t, d in zip(dt, dr, strict=True):
        print(f"  Δt = {t * 1e3:+5.0f} ms: ΔR_hall = {d:+.3f} Ω")
    print(f"fit: A+ = {a_p:.3f} Ω, τ+ = {tau_p * 1e3:.2f} ms; A− = {a_m:.3f} Ω, τ− = {tau_m * 1e3:.2f} ms")
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
    slots = np.arange(42) - 13
    for d in (-4, 3):
        axes[0].step(slots, stdp_waveform(d) * 1e3, where="post", label=f"Δt = {d} ms")
    axes[0].set(xlabel="t − t_pre (ms)", ylabel="I_pre − I_post (mA)")
    axes[0].legend()
    tt = np.linspace(1e-3, 12e-3, 100)
    axes[1].plot(dt * 1e3, dr, "o")
    axes[1].plot(tt * 1e3, a_p * np.exp(-tt / tau_p), "-")
    axes[1].plot(-tt * 1e3, -a_m * np.exp(-tt / tau_m), "-")
    axes[1].axhline(0.0, color="k", lw=0.5)
    axes[1].set(xlabel="Δt (ms)", ylabel="ΔR_hall (Ω)")
    out = Path(args.out)
    fig.savefig(out, dpi=120)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
