"""Write operations on a crossbar: V/2 and V/3 half-select schemes at the operating point.

For a target cell ``(r, c)`` and write voltage ``V``:

* ``"v/2"``: selected row at ``V``, selected column at 0, every other row and column at
  ``V/2`` — half-selected cells (same row or column) see ``V/2``, the rest 0;
* ``"v/3"``: selected row at ``V``, selected column at 0, other rows at ``V/3``, other columns
  at ``2V/3`` — half-selected cells see ``V/3`` and the rest ``−V/3``.

Rows are driven by ``vwl<r>`` (through ``r_driver`` and the row wires) and columns by their
sense sources ``vbl<c>`` (0 V ammeters in read), so the cells see the line voltages minus
the IR drop of the network, solved exactly. SOT cells are written through their channels:
the scheme's row voltages go on the write word lines (``vww<r>``), the column voltages on the
bit lines, and the read lines sit at half the row's write voltage (near the channel
midpoint, so the barriers see little bias); the cell voltage reported is then the voltage
across the write channel (``ww − bl`` at the cell), whose deficit from the ideal is the
write-line and channel drop.

Reported: every cell's voltage, the selected, half-selected and unselected values, the
probability of switching during a pulse of ``pulse`` seconds (the MTJ STT hazard or the SOT
hazard of the channel current; the selected cell's is the write success, the others' the
half-select disturb) and the barriers above their breakdown voltage. Device states are not
changed (no random draws); a transient of the same write is ``array.circuit.tran`` with
pulsed sources.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from xbar import validate
from xbar.crossbar.cells import barrier_margin, switching_probability
from xbar.errors import ArgumentTypeError, NetlistError, warn
from xbar.reprs import short_repr

if TYPE_CHECKING:
    from xbar.crossbar.builder import CrossbarArray
    from xbar.crossbar.results import CrossbarResult
    from xbar.crossbar.solve import CrossbarSolver

__all__ = ["WriteResult", "scheme_voltages", "write_op"]


def _target(target: Any, rows: int, cols: int) -> tuple[int, int]:
    """``(row, col)`` of a cell inside a ``rows × cols`` array."""
    if isinstance(target, str | bytes) or not isinstance(target, tuple | list | np.ndarray) or len(target) != 2:
        raise ArgumentTypeError(f"target must be a (row, col) pair, got {target!r:.60}")
    r0 = validate.integer(target[0], "target row")
    c0 = validate.integer(target[1], "target column")
    if not (0 <= r0 < rows and 0 <= c0 < cols):
        raise NetlistError(f"target cell {(r0, c0)} is outside the {rows}×{cols} array")
    return r0, c0


@validate.checked_call
def scheme_voltages(rows: int, cols: int, target: tuple[int, int], v_write: float,
                    scheme: str) -> tuple[np.ndarray, np.ndarray]:
    """Row and column line voltages [V] of a half-select scheme (module docstring)."""
    rows = validate.integer(rows, "rows", lo=1)
    cols = validate.integer(cols, "cols", lo=1)
    r0, c0 = _target(target, rows, cols)
    v_write = validate.real(v_write, "v_write", unit="V")
    scheme = validate.choice(scheme, "scheme", ("v/2", "v/3"))
    if scheme == "v/2":
        vr = np.full(rows, v_write / 2.0)
        vc = np.full(cols, v_write / 2.0)
    elif scheme == "v/3":
        vr = np.full(rows, v_write / 3.0)
        vc = np.full(cols, 2.0 * v_write / 3.0)
    else:
        raise NetlistError(f"unknown write scheme '{scheme}'; use 'v/2' or 'v/3'")
    vr[r0] = v_write
    vc[c0] = 0.0
    return vr, vc


@validate.checked_calls
@dataclass
class WriteResult:
    """Outcome of :func:`write_op` (voltages in V, probabilities in [0, 1])."""

    __repr__ = short_repr

    scheme: str
    target: tuple[int, int]
    v_write: float
    v_cell: np.ndarray
    """Voltage across every cell (SOT: across its write channel), ``(rows, cols)``."""
    p_switch: np.ndarray
    """Switching probability of every cell during the pulse."""
    breakdown: list[dict[str, Any]]
    result: CrossbarResult
    i_channel: np.ndarray | None = None
    """SOT: channel current under the first MTJ of every cell [A] (+: w1 → w2)."""
    notes: list[str] = field(default_factory=list)

    @property
    def selected(self) -> float:
        """Voltage across the selected cell [V]."""
        return float(self.v_cell[self.target])

    @property
    def drop(self) -> float:
        """IR drop at the selected cell [V]: ``v_write − selected``."""
        return self.v_write - self.selected

    def _mask(self) -> tuple[np.ndarray, np.ndarray]:
        r0, c0 = self.target
        half = np.zeros(self.v_cell.shape, dtype=bool)
        half[r0, :] = True
        half[:, c0] = True
        half[r0, c0] = False
        un = ~half
        un[r0, c0] = False
        return half, un

    @property
    def half_selected(self) -> np.ndarray:
        """Voltages of the half-selected cells (same row or column as the target)."""
        return self.v_cell[self._mask()[0]]

    @property
    def unselected(self) -> np.ndarray:
        """Voltages of the unselected cells."""
        return self.v_cell[self._mask()[1]]

    @property
    def p_selected(self) -> float:
        """Switching probability of the target (write success)."""
        return float(self.p_switch[self.target])

    @property
    def p_disturb(self) -> float:
        """Probability that at least one other cell switches (half-select disturb)."""
        others = self.p_switch.copy()
        others[self.target] = 0.0
        return float(1.0 - np.prod(1.0 - others))

    def summary(self) -> dict[str, float]:
        """Selected, worst half-selected and unselected voltages, probabilities, breakdowns."""
        hs, un = self.half_selected, self.unselected
        return {"selected_v": self.selected, "drop_v": self.drop,
                "half_selected_max_v": float(np.max(np.abs(hs))) if hs.size else 0.0,
                "unselected_max_v": float(np.max(np.abs(un))) if un.size else 0.0,
                "p_selected": self.p_selected, "p_disturb": self.p_disturb,
                "breakdowns": float(len(self.breakdown))}


@validate.checked_call
def write_op(array: CrossbarArray, target: tuple[int, int], v_write: float, *, scheme: str = "v/2",
             pulse: float = 10e-9, solver: CrossbarSolver | None = None) -> WriteResult:
    """Solve the operating point of a half-select write and report disturb (module docstring)."""
    from xbar.crossbar.builder import CrossbarArray
    from xbar.crossbar.solve import CrossbarSolver

    if not isinstance(array, CrossbarArray):
        raise ArgumentTypeError(f"write_op takes a CrossbarArray, got {type(array).__name__}")
    if solver is not None and (not isinstance(solver, CrossbarSolver) or solver.array is not array):
        raise ArgumentTypeError("solver must be a CrossbarSolver of this array (array.solver()) or None")
    pulse = validate.real(pulse, "pulse", lo=0.0, lo_open=True, unit="s")
    s = solver if solver is not None else array.solver()
    N, M = array.rows, array.cols
    tgt = _target(target, N, M)
    v_write = validate.real(v_write, "v_write", unit="V")
    vr, vc = scheme_voltages(N, M, tgt, v_write, scheme)
    i_ch = None
    if array.spec.cell == "sotmtj":
        if array.spec.write_lines != "ground":
            raise NetlistError("SOT writes need driven write lines: build the array with "
                               f"write_lines='ground' (it has write_lines='{array.spec.write_lines}', "
                               "the read configuration)")
        res = s.solve_sources(rows=vr / 2.0, columns=vc, write_rows=vr)
        assert array.ww is not None
        xp = np.append(res.x, 0.0)
        v_cell = xp[array.ww] - xp[array.bl]
        from xbar.crossbar.cells import cell_group, scatter_cells

        group, sl = cell_group(array)
        i_ch = scatter_cells(array, group.cell_current(res.x)[sl][:, 0])
    else:
        res = s.solve_sources(rows=vr, columns=vc)
        v_cell = res.v_cell
    p = switching_probability(array, res.x, pulse)
    vmax, vb = barrier_margin(array, res.x)
    over = np.argwhere(vmax > vb)
    events = [{"cell": (int(r), int(c)), "voltage": float(vmax[r, c]), "vb": float(vb[r, c])}
              for r, c in over[:1000]]
    if events:
        e = events[0]
        warn(f"crossbar write ({scheme}, {v_write:g} V at {tgt}): barrier breakdown in "
             f"{len(over)} cell(s), e.g. cell {e['cell']} with |V| = {e['voltage']:.4g} V > "
             f"V_B = {e['vb']:.4g} V")
    return WriteResult(scheme=scheme, target=tgt, v_write=float(v_write), v_cell=v_cell, p_switch=p,
                       breakdown=events, result=res, i_channel=i_ch)
