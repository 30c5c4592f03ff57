"""MTJ array vs resistor array: operating-point time at 256×256 (issue target: Newton on MTJs
with bias-dependent TMR within 3× the time of the same array of linear resistors).

Both arrays: 1 Ω wire segments, 50 Ω drivers, ammeter sense, random inputs in [0, 0.2] V.
The MTJ array uses the two-terminal ``mtj`` card (R_P 10 kΩ, TMR0 1.0, Vh 0.5 V) with random
P/AP states; the resistor array uses the zero-bias resistances of the same states. Times are
best of ``--repeat`` runs of the whole solve (ordering, factorisations, Newton), after a
warm-up that pays the imports. Prints a Markdown table; never asserts.

Run: ``python benchmarks/bench_mtj_array.py [--n 256] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from xbar.crossbar import CrossbarSpec, build_crossbar

CARD = {"rp": 10e3, "tmr0": 1.0, "vh": 0.5, "vb": 5.0}


def arrays(n: int, seed: int = 0) -> tuple[object, object, np.ndarray]:
    rng = np.random.default_rng(seed)
    state = rng.integers(0, 2, (n, n)).astype(float)
    g = 1.0 / (CARD["rp"] * (1.0 + CARD["tmr0"] * state))
    common = {"r_row": 1.0, "r_col": 1.0, "r_driver": 50.0}
    lin = build_crossbar(CrossbarSpec(n, n, g=g, **common))
    mtj = build_crossbar(CrossbarSpec(n, n, cell="mtj", model="m", card=CARD, state=state, **common))
    return lin, mtj, rng.uniform(0.0, 0.2, n)


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    lin, mtj, v = arrays(8)
    lin.op(np.full(8, 0.1))
    mtj.op(np.full(8, 0.1))  # warm-up: imports
    lin, mtj, v = arrays(args.n)
    # fresh solvers per run, so every timing includes ordering and factorisation
    t_lin = best(lambda: lin.solver().op(v), args.repeat)
    runs = {
        "Newton, tight (1e-12)": lambda: mtj.solver().op(v),
        "Newton, SPICE tolerances": lambda: mtj.solver().op(v, tight=False),
        "chord (zero-bias factorisation)": lambda: mtj.solver().batch(v[None, :], method="chord"),
        "Newton-Krylov (zero-bias preconditioner)": lambda: mtj.solver().batch(v[None, :], method="newton-krylov"),
    }
    r_lin = lin.op(v)
    r_mtj = mtj.op(v)
    shift = float(np.max(np.abs(r_mtj.i_col - r_lin.i_col)) / np.max(np.abs(r_lin.i_col)))
    print(f"{args.n}x{args.n}: resistor-array op {t_lin:.3f} s; bias-dependent TMR changes the column "
          f"currents by up to {shift:.2e} (relative)")
    print("| MTJ-array method | s | ratio to resistor array | max rel diff to tight Newton |")
    print("|---|---|---|---|")
    for name, fn in runs.items():
        t = best(fn, args.repeat)
        out = fn()
        cur = out.i_col if hasattr(out, "i_col") else out.currents[0]
        diff = float(np.max(np.abs(cur - r_mtj.i_col)) / np.max(np.abs(r_mtj.i_col)))
        print(f"| {name} | {t:.3f} | {t / t_lin:.2f} | {diff:.1e} |")


if __name__ == "__main__":
    main()
