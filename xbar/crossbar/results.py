"""Results of crossbar solves: column currents, cell voltages, IR drop, power; CSV and plots."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from xbar import validate
from xbar.circuit import GROUND_NAMES
from xbar.crossbar.cells import cell_current, cell_voltage
from xbar.errors import NetlistError
from xbar.reprs import short_repr

if TYPE_CHECKING:
    from xbar.crossbar.builder import CrossbarArray
    from xbar.crossbar.solve import CrossbarSolver

__all__ = ["BatchResult", "CrossbarResult"]


def _pad(x: np.ndarray) -> np.ndarray:
    return np.append(x, 0.0)


@validate.checked_calls
@dataclass
class CrossbarResult:
    """One operating point of an array (units: V, A, W).

    Attributes
    ----------
    array : CrossbarArray
    x : (n,) array
        Every MNA unknown (``system.unknown_names()`` order).
    v_in : (rows,) array
        Row driver voltages.
    i_col : (cols,) array
        Column currents into the sense circuits (sum of both ends with double sense).
    v_cell, i_cell : (rows, cols) arrays
        Voltage across and current through every cell (row side to column side).
    solver : str
        Linear solver and ordering used.
    iterations : int
        Newton iterations (1 for linear cells).
    seconds : float
        Solve time (after compilation).
    """

    __repr__ = short_repr

    array: CrossbarArray
    x: np.ndarray
    v_in: np.ndarray
    i_col: np.ndarray
    v_cell: np.ndarray
    i_cell: np.ndarray
    solver: str
    iterations: int
    seconds: float
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_solution(cls, s: CrossbarSolver, x: np.ndarray, data: np.ndarray, ieq: np.ndarray | None,
                      iterations: int, seconds: float, v_in: np.ndarray) -> CrossbarResult:
        arr = s.array
        i_col = s.column_currents(x, data, s.base_rhs(), ieq)
        return cls(array=arr, x=x, v_in=np.asarray(v_in, dtype=np.float64), i_col=i_col,
                   v_cell=cell_voltage(arr, x), i_cell=cell_current(arr, x),
                   solver=s.solver_used or s.solver_name, iterations=iterations, seconds=seconds)

    # derived ----------------------------------------------------------------------------
    def voltage(self, node: str) -> float:
        """Voltage [V] of a circuit node by name (e.g. ``"wl3_7"``; ground gives 0)."""
        key = validate.name(node, "node")
        if key in GROUND_NAMES:
            return 0.0
        idx = self.array.circuit.node_index.get(key)
        if idx is None:
            raise NetlistError(f"no node '{node}' in the crossbar circuit (nodes are named wl<r>_<c>, "
                               "bl<r>_<c>, wl<r>, bl<c>, ...)")
        return float(self.x[idx])

    @property
    def i_ideal(self) -> np.ndarray:
        """Ideal column currents ``Gᵀ V`` [A] (zero-bias cell conductances, ideal wires and sense)."""
        return self.array.ideal(self.v_in)

    @property
    def error(self) -> np.ndarray:
        """``i_col − i_ideal`` [A]."""
        return self.i_col - self.i_ideal

    @property
    def rel_error(self) -> np.ndarray:
        """Column error relative to the largest ideal column current [-]."""
        scale = float(np.max(np.abs(self.i_ideal))) or 1.0
        return self.error / scale

    @property
    def ir_drop(self) -> np.ndarray:
        """IR-drop map [V]: ideal cell voltage (row input, column at 0 V) minus the actual one."""
        return self.v_in[:, None] - self.v_cell

    @property
    def p_cell(self) -> np.ndarray:
        """Power dissipated in every cell [W]."""
        return self.v_cell * self.i_cell

    def _segment_power(self, key: str) -> np.ndarray | None:
        seg = self.array.segments.get(key)
        if seg is None:
            return None
        a, b, r = seg
        xp = _pad(self.x)
        dv = xp[a] - xp[b]
        return np.where(r > 0, dv * dv / np.where(r > 0, r, 1.0), 0.0)

    @property
    def p_row_wires(self) -> np.ndarray:
        """Power in the wires of every row [W], ``(rows,)``."""
        p = self._segment_power("row")
        assert p is not None
        total = p.sum(axis=1)
        far = self._segment_power("row_far")
        return total + (far.sum(axis=1) if far is not None else 0.0)

    @property
    def p_col_wires(self) -> np.ndarray:
        """Power in the wires of every column [W], ``(cols,)``."""
        p = self._segment_power("col")
        assert p is not None
        total = p.sum(axis=0)
        top = self._segment_power("col_top")
        return total + (top.sum(axis=0) if top is not None else 0.0)

    @property
    def p_row(self) -> np.ndarray:
        """Power per row line [W]: its wires plus its cells."""
        return self.p_row_wires + self.p_cell.sum(axis=1)

    @property
    def p_col(self) -> np.ndarray:
        """Power per column line [W]: its wires plus its cells."""
        return self.p_col_wires + self.p_cell.sum(axis=0)

    @property
    def p_total(self) -> float:
        """Power in cells and wires [W]."""
        return float(self.p_cell.sum() + self.p_row_wires.sum() + self.p_col_wires.sum())

    @property
    def i_diff(self) -> np.ndarray:
        """Differential outputs ``I_{2j} − I_{2j+1}`` [A] of column pairs."""
        return self.i_col[0::2] - self.i_col[1::2]

    # export -----------------------------------------------------------------------------
    def to_csv(self, path: str | Path) -> None:
        """Per-cell table: ``row, col, v_cell, i_cell, p_cell, ir_drop`` (full precision)."""
        N, M = self.v_cell.shape
        rr, cc = np.meshgrid(np.arange(N), np.arange(M), indexing="ij")
        cols = [rr.ravel(), cc.ravel(), self.v_cell.ravel(), self.i_cell.ravel(), self.p_cell.ravel(),
                self.ir_drop.ravel()]
        with validate.output_file(path) as fh:
            w = csv.writer(fh)
            w.writerow(["row", "col", "v_cell", "i_cell", "p_cell", "ir_drop"])
            for row in zip(*(c.tolist() for c in cols), strict=True):
                w.writerow([int(row[0]), int(row[1]), *(repr(float(v)) for v in row[2:])])

    def columns_to_csv(self, path: str | Path) -> None:
        """Per-column table: ``col, i_col, i_ideal, error, rel_error, p_col_wires``."""
        with validate.output_file(path) as fh:
            w = csv.writer(fh)
            w.writerow(["col", "i_col", "i_ideal", "error", "rel_error", "p_col_wires"])
            for j, vals in enumerate(zip(self.i_col, self.i_ideal, self.error, self.rel_error,
                                         self.p_col_wires, strict=True)):
                w.writerow([j, *(repr(float(v)) for v in vals)])

    def plot(self, path: str | Path | None = None) -> Any:
        """IR-drop map, column currents against ``G·V`` and their error (matplotlib figure)."""
        from xbar.crossbar.plot import plot_result

        if path is not None:
            validate.path(path, "path")
        return plot_result(self, path)


@validate.checked_calls
@dataclass
class BatchResult:
    """Column currents for many input vectors.

    Attributes
    ----------
    inputs : (k, rows) array
    currents, ideal : (k, cols) arrays
        Simulated and ideal (``V @ G``) column currents [A].
    method, solver : str
        Batch method and linear solver used.
    iterations : (k,) int array
        Iterations per vector (1 for linear cells).
    factorizations : int
        Matrix factorisations the batch took.
    seconds : float
    """

    __repr__ = short_repr

    inputs: np.ndarray
    currents: np.ndarray
    ideal: np.ndarray
    method: str
    solver: str
    iterations: np.ndarray
    factorizations: int
    seconds: float

    @property
    def error(self) -> np.ndarray:
        return self.currents - self.ideal

    @property
    def rel_error(self) -> np.ndarray:
        """Error relative to each vector's largest ideal column current."""
        scale = np.max(np.abs(self.ideal), axis=1, keepdims=True)
        return self.error / np.where(scale > 0, scale, 1.0)

    def to_csv(self, path: str | Path) -> None:
        """One row per vector: ``vector, i0 … i{cols-1}, ideal0 …``."""
        k, m = self.currents.shape
        with validate.output_file(path) as fh:
            w = csv.writer(fh)
            w.writerow(["vector", *(f"i{j}" for j in range(m)), *(f"ideal{j}" for j in range(m))])
            for i in range(k):
                w.writerow([i, *(repr(float(v)) for v in self.currents[i]),
                            *(repr(float(v)) for v in self.ideal[i])])
