"""Seven spoken vowels classified by a chain of three MTJs (Lopez et al. 2024, Figs. 2 and 3).

Loads the Hillenbrand et al. (1995) formants (37 women × 7 vowels × 12 formants), splits the
talkers 80/20, and trains :class:`xbar.nn.chain_classifier.ChainClassifier`: the 26 encoding
coefficients and the 6 control currents jointly on the switching-statistics surrogate, then the
paper's ±10 µA rule on the simulated chain from −500 µA controls. Prints the recognition rates of
the simulated chain (training and testing talkers) per step, the software readout of the same
thresholds, and a 47-parameter MLP on the same split.

xbar does not ship the data: point it at ``vowdata.dat`` (or a CSV rendering) with
``XBAR_HILLENBRAND=/path/to/vowdata.dat`` or ``--data``.

Run: ``python examples/lopez2024_vowels.py [--data PATH] [--split SEED]`` (a few minutes)
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from xbar.datasets.hillenbrand import load_vowels, speaker_split
from xbar.errors import DataError
from xbar.reproduce.lopez2024 import mlp_baseline, vowel_classifier


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="vowdata.dat / vowdata.csv or its folder")
    parser.add_argument("--split", type=int, default=0, help="seed of the speaker split")
    args = parser.parse_args()
    try:
        data = load_vowels(args.data)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    train, test = speaker_split(data.speakers, 0.2, seed=args.split)
    print(f"{len(data)} samples ({len(set(data.speakers))} talkers, vowels {', '.join(data.vowels)}); "
          f"{train.sum()} training / {test.sum()} testing")
    clf = vowel_classifier(seed=args.split, progress=True)
    clf.fit(data.x[train], data.labels[train], eval_set=(data.x[test], data.labels[test]))
    h = clf.history_
    print(f"surrogate (software readout, training): {100 * h.surrogate_rate_train:.1f} %")
    print(" step   train (%)   test (%)   (simulated chain, ±10 µA rule from −500 µA)")
    for step, a, b in zip(h.steps, h.rate_train, h.rate_test, strict=True):
        print(f" {step:4d}   {100 * a:8.1f}   {100 * b:8.1f}")
    soft = np.mean(clf.predict_software(data.x[test]) == data.labels[test])
    print(f"final: train {100 * clf.score(data.x[train], data.labels[train]):.1f} %, test "
          f"{100 * clf.score(data.x[test], data.labels[test]):.1f} % (software readout of the same "
          f"thresholds: test {100 * soft:.1f} %)")
    print("input currents I_A, I_B [µA] = coef · formants [Hz] + offset; thresholds [µA]:")
    print((clf.thresholds_ * 1e6).round(1))
    mlp = mlp_baseline(data.x[train], data.y[train], data.x[test], data.y[test], hidden=2, seed=args.split)
    print(f"MLP with {mlp.n_params} parameters: test {100 * mlp.rate_test[-1]:.1f} %")
    print("paper: 96.6 % (train), 96.4 % (test); MLP-47 95 %")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
