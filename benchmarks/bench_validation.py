"""Cost of the argument checks at the API boundary (issue 10): this tree against a baseline tree.

Each workload runs in a fresh subprocess per tree (``PYTHONPATH`` set to the tree), repeated
``--repeat`` times; the best time of each is reported, together with the ratio
``this / baseline`` measured in the same run (the machine is shared, so only ratios measured
side by side mean anything). The workloads are the API paths whose checks run per call or per
element:

* ``R() calls``: 20,000 ``Circuit.R`` calls with string node names (per-call checks);
* ``add_many``: 1,000,000 resistors in one ``Circuit.add_many`` with integer node indices
  (array checks);
* ``deck``: ``read_netlist_text`` of a 20,000-resistor ladder and its ``.op``;
* ``crossbar``: ``CrossbarSpec`` + ``build_crossbar`` + ``op`` of a 128×128 resistive array;
* ``result access``: 100,000 ``op["v(n7)"]`` look-ups.

Without ``--baseline`` only this tree is timed. Times are never asserted.

Usage::

    python benchmarks/bench_validation.py --baseline /path/to/other/checkout
    python benchmarks/bench_validation.py --repeat 5
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
TREE = HERE.parent

WORKLOADS = ("R() calls", "add_many", "deck", "crossbar", "result access")


def _worker(name: str) -> float:
    """Run workload ``name`` once in this process; returns its wall time [s]."""
    import numpy as np

    import xbar

    if name == "R() calls":
        t0 = time.perf_counter()
        c = xbar.Circuit("r calls")
        for i in range(20_000):
            c.R(f"r{i}", f"n{i}", f"n{i + 1}", 1e3)
        return time.perf_counter() - t0
    if name == "add_many":
        n = 1_000_000
        c = xbar.Circuit("bulk")
        c.nodes([f"n{i}" for i in range(1001)])
        rng = np.random.default_rng(1)
        nodes = rng.integers(0, 1001, size=(n, 2))
        r = rng.uniform(1e3, 1e4, n)
        t0 = time.perf_counter()
        c.add_many("r", "bulk", nodes, {"r": r})
        return time.perf_counter() - t0
    if name == "deck":
        lines = ["ladder", "V1 n0 0 1"]
        lines += [f"R{i} n{i} n{i + 1} 1k" for i in range(20_000)]
        lines += ["R_end n20000 0 1k", ".op", ".end"]
        text = "\n".join(lines) + "\n"
        t0 = time.perf_counter()
        xbar.read_netlist_text(text).run()
        return time.perf_counter() - t0
    if name == "crossbar":
        from xbar.crossbar import CrossbarSpec, build_crossbar

        g = np.random.default_rng(2).uniform(1e-5, 1e-4, (128, 128))
        v = np.linspace(0.0, 0.2, 128)
        t0 = time.perf_counter()
        build_crossbar(CrossbarSpec(128, 128, g=g, r_row=1.0, r_col=1.0)).op(v)
        return time.perf_counter() - t0
    if name == "result access":
        c = xbar.Circuit("access")
        c.V("v1", "n0", "0", 1.0)
        for i in range(10):
            c.R(f"r{i}", f"n{i}", f"n{i + 1}", 1e3)
        c.R("rl", "n10", "0", 1e3)
        op = c.op()
        t0 = time.perf_counter()
        for _ in range(100_000):
            op["v(n7)"]
        return time.perf_counter() - t0
    raise SystemExit(f"unknown workload {name!r}")


def _measure(tree: Path, name: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, __file__, "--worker", name], env=env, check=True,
                         capture_output=True, text=True, cwd=str(tree)).stdout
    return float(json.loads(out.strip().splitlines()[-1])["seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--baseline", type=Path, help="another checkout of xbar to compare with")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps({"seconds": _worker(args.worker)}))
        return
    trees = [("this", TREE)] + ([("baseline", args.baseline.resolve())] if args.baseline else [])
    best: dict[tuple[str, str], float] = {}
    for name in WORKLOADS:
        for _ in range(args.repeat):
            for label, tree in trees:  # interleaved, so both see the same machine load
                t = _measure(tree, name)
                best[label, name] = min(best.get((label, name), float("inf")), t)
    header = "| workload | this tree [s] |" + (" baseline [s] | this / baseline |" if args.baseline else "")
    print(header)
    print("|---|---:|" + ("---:|---:|" if args.baseline else ""))
    for name in WORKLOADS:
        row = f"| {name} | {best['this', name]:.3f} |"
        if args.baseline:
            base = best["baseline", name]
            row += f" {base:.3f} | {best['this', name] / base:.2f} |"
        print(row)


if __name__ == "__main__":
    main()
