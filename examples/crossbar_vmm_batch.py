"""Signed-weight VMM on a 128×(2·64) differential resistive crossbar, 1000 input vectors.

Weights in [-1, 1] map to differential column pairs (``differential_conductances``); the
transfer matrix of the wired array (one solve per row input) then gives the outputs of any
number of vectors by one product. Compares with the ideal ``V @ W`` and with per-vector
operating points.

Run: ``python examples/crossbar_vmm_batch.py``
"""

from __future__ import annotations

import time

import numpy as np

from xbar.crossbar import CrossbarSpec, build_crossbar, differential_conductances


def main() -> None:
    rng = np.random.default_rng(2)
    rows, outs = 128, 64
    w = rng.uniform(-1.0, 1.0, (rows, outs))
    g = differential_conductances(w, 1e-6, 50e-6)
    xb = build_crossbar(CrossbarSpec(rows, 2 * outs, g=g, r_row=1.0, r_col=1.0, r_driver=20.0))
    s = xb.solver()
    V = rng.uniform(0.0, 0.2, (1000, rows))
    t0 = time.perf_counter()
    batch = s.batch(V)  # picks the transfer matrix for 1000 > 128 vectors
    dt = time.perf_counter() - t0
    diff = batch.currents[:, 0::2] - batch.currents[:, 1::2]
    ideal = (50e-6 - 1e-6) / np.max(np.abs(w)) * (V @ w)
    err = np.max(np.abs(diff - ideal)) / np.max(np.abs(ideal))
    print(f"{batch.method} with {batch.solver}: 1000 vectors in {dt:.3f} s, {batch.factorizations} factorisation")
    print(f"largest differential output error vs ideal V@W: {err * 100:.2f} % of full scale")
    check = s.op(V[17]).i_col
    print(f"vector 17, transfer matrix vs operating point: {np.max(np.abs(batch.currents[17] - check)):.2e} A")


if __name__ == "__main__":
    main()
