"""IR drop of a 64×64 resistive crossbar: exact solve, ideal G·V, fixed-point baseline, plot.

Cells 10–30 kΩ, 2 Ω per wire segment, rows driven at their start, columns sensed by 0 V
ammeters at their end ("L" layout). Writes ``crossbar_ir_drop.png`` and two CSV files to the
current directory.

Run: ``python examples/crossbar_ir_drop.py``
"""

from __future__ import annotations

import numpy as np

from xbar.crossbar import CrossbarSpec, build_crossbar, fixed_point_solve


def main() -> None:
    rng = np.random.default_rng(1)
    n = 64
    g = 1.0 / rng.uniform(10e3, 30e3, (n, n))
    v = rng.uniform(0.0, 0.2, n)
    xb = build_crossbar(CrossbarSpec(n, n, g=g, r_row=2.0, r_col=2.0))
    res = xb.op(v)
    print(f"solver: {res.solver}, {res.seconds * 1e3:.1f} ms")
    print(f"largest column error vs G·V: {np.max(np.abs(res.rel_error)) * 100:.2f} % of full scale")
    print(f"worst IR drop: {res.ir_drop.max() * 1e3:.2f} mV at cell {tuple(int(k) for k in np.unravel_index(res.ir_drop.argmax(), res.ir_drop.shape))}")
    print(f"power: cells {res.p_cell.sum() * 1e3:.4f} mW, row wires {res.p_row_wires.sum() * 1e6:.3f} uW, "
          f"column wires {res.p_col_wires.sum() * 1e6:.3f} uW")
    relax = fixed_point_solve(g, v, 2.0, 2.0, tol=1e-12, maxiter=5000)
    diff = np.max(np.abs(relax.i_col - res.i_col)) / np.max(np.abs(res.i_col))
    print(f"fixed-point relaxation: converged={relax.converged} after {relax.iterations} sweeps, "
          f"max difference {diff:.2e}")
    res.to_csv("crossbar_ir_drop_cells.csv")
    res.columns_to_csv("crossbar_ir_drop_columns.csv")
    res.plot("crossbar_ir_drop.png")
    print("wrote crossbar_ir_drop.png, crossbar_ir_drop_cells.csv, crossbar_ir_drop_columns.csv")


if __name__ == "__main__":
    main()
