"""Sigmoid neuron from a Co/Gd Hall bar (Li et al., Chin. Phys. B 31, 117106 (2022), Fig. 4(b)).

The AlOx(2) bar in H_x = −500 Oe gets a −30 mA RESET and one SET pulse I (−5 … 30 mA, 10 ms) per
input; R_hall read at 0.1 mA is the output. The modified sigmoid Y = 1/(1 + exp(−(X − X0)/K)) is
fitted with xbar.nn.activations.DeviceSigmoid and compared with the cached activation that the
neural-network layer uses (xbar.nn.activations.li2022_sigmoid).

Run:  python examples/li2022_sigmoid.py [--seed 2022] [--out li2022_sigmoid.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from xbar.nn.activations import DeviceSigmoid, li2022_sigmoid
from xbar.reproduce.li2022 import SEED, sigmoid_curve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=SEED, help="device draw (the cached fit uses 2022)")
    parser.add_argument("--out", default="li2022_sigmoid.png", help="PNG to write")
    args = parser.parse_args()
    x, y = sigmoid_curve(seed=args.seed)
    fit = DeviceSigmoid.from_fit(x, y)
    cached = li2022_sigmoid()
    print(f"fit:    X0 = {fit.x0 * 1e3:.2f} mA, K = {fit.k * 1e3:.2f} mA, "
          f"R_hall {fit.y_min:+.3f} … {fit.y_max:+.3f} Ω")
    print(f"cached: X0 = {cached.x0 * 1e3:.2f} mA, K = {cached.k * 1e3:.2f} mA (xbar.nn.activations)")
    fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
    xx = np.linspace(x.min(), x.max(), 400)
    ax.plot(x * 1e3, (y - fit.y_min) / (fit.y_max - fit.y_min), "o", ms=3, label="xbar: RESET + SET")
    ax.plot(xx * 1e3, fit.normalized()(xx), "-", label="fitted sigmoid")
    ax.set_xlabel("input X = pulse current (mA)")
    ax.set_ylabel("output Y (normalised R_hall)")
    ax.legend()
    out = Path(args.out)
    fig.savefig(out, dpi=120)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
