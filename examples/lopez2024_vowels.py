"""Seven spoken vowels classified by the three-junction chain (Lopez et al. 2024, Fig. 2).

Encodes the 12 formants of each sample into two input currents (26 linear coefficients),
then trains the six control currents with the ±10 µA rule, simulating the chain with xbar at
every step (7 chains per step, one transient), and prints the recognition rate of the training
(80 %) and testing (20 %) subsets. Needs ``../shared/data/hillenbrand1995/vowdata.csv``.

Run: ``python examples/lopez2024_vowels.py``
"""

from __future__ import annotations

from xbar.reproduce.lopez2024 import VOWELS, train_vowels


def main() -> None:
    res = train_vowels(steps=80, eval_every=10)
    print("vowels:", ", ".join(VOWELS))
    print(f"software readout of the designed inputs (ideal thresholds): train "
          f"{100 * res.software_train:.1f} %, test {100 * res.software_test:.1f} %")
    print(" step   train (%)   test (%)")
    for s, a, b in zip(res.steps, res.rate_train, res.rate_test, strict=True):
        print(f" {int(s):4d}   {100 * a:8.1f}   {100 * b:8.1f}")
    print("final control currents (uA), input A:", (res.controls[-1, 0] * 1e6).round(), "input B:",
          (res.controls[-1, 1] * 1e6).round())
    print("paper: 96.6 % (train), 96.4 % (test) after 80 steps")


if __name__ == "__main__":
    main()
