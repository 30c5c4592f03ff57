"""Reference: the fixed-point (Jacobi) relaxation of CrossSim-style parasitic solvers.

For a linear "L"-layout array (rows driven at their start through ``r_driver``, columns sensed
at their end by 0 V ammeters, segments ``r_row`` / ``r_col``) the iteration is

1. cell currents ``I = G ⊙ (U − W)`` from the present row and column node voltages;
2. row nodes ``U[r, c] = V_r − r_driver·ΣI[r, :] − r_row·Σ_{k ≤ c} Σ_{c' ≥ k} I[r, c']``;
3. column nodes ``W[r, c] = r_col·Σ_{k ≥ r} Σ_{r' ≤ k} I[r', c]``;
4. under-relaxed update of the cell voltages with factor ``gamma``.

Each sweep is a few cumulative sums, but the iteration map has a gain of order
``ρ = G·R_wire·n²``; once that exceeds one (large arrays, resistive wires) it converges ever
more slowly or diverges. It is kept here as the baseline that the direct solve replaces.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from xbar import validate
from xbar.limits import check_memory
from xbar.reprs import short_repr

__all__ = ["RelaxResult", "fixed_point_solve"]


@dataclass
class RelaxResult:
    """Outcome of :func:`fixed_point_solve` (currents in A, voltages in V)."""

    __repr__ = short_repr

    i_col: np.ndarray
    v_cell: np.ndarray
    converged: bool
    iterations: int
    history: np.ndarray
    """Largest cell-voltage update of each sweep, relative to ``max |V|``."""


@validate.checked_call
def fixed_point_solve(g: np.ndarray, v: np.ndarray, r_row: float, r_col: float, *,
                      r_driver: float = 0.0, gamma: float = 0.5, tol: float = 1e-9,
                      maxiter: int = 1000) -> RelaxResult:
    """Jacobi/under-relaxed fixed-point solve of a linear L-layout crossbar (module docstring).

    Stops when the relative update falls below ``tol``, after ``maxiter`` sweeps, or when the
    iterate blows up (update above 1e6 × the inputs; the last iterate before it is returned).
    ``converged`` says which.
    """
    g = validate.array(g, "g", ndim=2, lo=0.0, unit="S")
    v = validate.array(v, "v", shape=(g.shape[0],), unit="V")
    check_memory(8.0 * 6 * g.size, f"a fixed-point solve of a {g.shape[0]}×{g.shape[1]} array")
    r_row = validate.real(r_row, "r_row", lo=0.0, unit="Ω")
    r_col = validate.real(r_col, "r_col", lo=0.0, unit="Ω")
    r_driver = validate.real(r_driver, "r_driver", lo=0.0, unit="Ω")
    gamma = validate.real(gamma, "gamma", lo=0.0, lo_open=True, hi=1.0)
    tol = validate.real(tol, "tol", lo=0.0, lo_open=True)
    maxiter = validate.integer(maxiter, "maxiter", lo=1, hi=100_000)
    scale = float(np.max(np.abs(v))) or 1.0
    vc = np.repeat(v[:, None], g.shape[1], axis=1)
    hist: list[float] = []
    converged = False
    it = 0
    for sweep in range(1, maxiter + 1):
        it = sweep
        i = g * vc
        row_seg = np.cumsum(i[:, ::-1], axis=1)[:, ::-1]       # current in the segment before cell c
        u = v[:, None] - r_driver * row_seg[:, :1] - r_row * np.cumsum(row_seg, axis=1)
        col_seg = np.cumsum(i, axis=0)                          # current in the segment below cell r
        w = r_col * np.cumsum(col_seg[::-1], axis=0)[::-1]
        new = u - w
        step = float(np.max(np.abs(new - vc))) / scale
        hist.append(step)
        if not np.isfinite(step) or step > 1e6:
            break  # diverging: keep the last (finite) iterate
        vc = vc + gamma * (new - vc)
        if step < tol:
            converged = True
            break
    i = validate.finite(g * vc, "the fixed-point iterate")
    return RelaxResult(i_col=i.sum(axis=0), v_cell=vc, converged=converged, iterations=it,
                       history=np.asarray(hist))
