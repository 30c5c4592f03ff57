"""Per-cell quantities of a crossbar: conductances, voltages, currents, switching hazards.

The cells of one array are one device group of the compiled system (or a contiguous run of
it); these helpers find it and read the cells in ``(rows, cols)`` order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from xbar.devices.mtj.physics import hazard_rate, switch_probability

if TYPE_CHECKING:
    from xbar.crossbar.builder import CrossbarArray

__all__ = [
    "cell_current",
    "cell_group",
    "cell_voltage",
    "scatter_cells",
    "sot_read_conductance",
    "switching_probability",
    "zero_bias_conductance",
]


def cell_group(array: CrossbarArray) -> tuple[Any, slice]:
    """The device group holding the cells and the slice of its instances that are the cells."""
    system = array.circuit.compile()
    key = "_xb_cells"
    cached = array.__dict__.get(key)
    if cached is not None and cached[0] is system:
        return cached[1], cached[2]
    first_name = array.cell_names[0]
    letter = "r" if array.spec.cell == "resistor" else "y"
    group = next(g for g in system.groups if g.letter == letter and g.names and
                 (first_name in g.names if letter == "y" else True))
    first = group.names.index(first_name)
    n = len(array.cell_names)
    sl = slice(first, first + n)
    if group.names[sl][-1] != array.cell_names[-1]:  # pragma: no cover - builder keeps them contiguous
        raise AssertionError("crossbar cells are not contiguous in their device group")
    array.__dict__[key] = (system, group, sl)
    return group, sl


def sot_read_conductance(group: Any, mode: str = "float", index: Any = slice(None)) -> np.ndarray:
    """Zero-bias read conductance [S] of the compound SOT-MTJs ``index`` of a ``sotmtj``
    group, from the top electrode to the channel end ``w2``
    (:func:`xbar.devices.mtj.sot.read_conductance`; ``mode`` is the write terminal:
    ``"float"`` or ``"ground"``)."""
    from xbar.devices.mtj.sot import read_conductance

    g, _ = group.conductance(np.zeros(group.state.shape))
    return read_conductance(np.asarray(g)[index], group.rseg, w1=mode)


def zero_bias_conductance(array: CrossbarArray) -> np.ndarray:
    """Cell conductance at zero bias [S], ``(rows, cols)``; 0 at empty cross-points.

    Resistors: ``1/R``; MTJs: ``1/R_P`` (P) or ``1/(R_P (1 + TMR0))`` (AP); s-MTJs: ``G(V_G)``
    at their gate voltages; SOT cells: the read conductance from the row to the column
    (:func:`sot_read_conductance`: barriers and channel, with the write terminal as
    ``write_lines`` connects it — floating, or at 0 V for ``"ground"``; ``"open"`` lines
    spread currents into other columns and are described by the floating value).
    """
    N, M = array.rows, array.cols
    group, sl = cell_group(array)
    kind = array.spec.cell
    if kind == "resistor":
        return scatter_cells(array, 1.0 / group.r[sl])
    if kind == "mtj":
        g, _ = group.conductance(np.zeros(len(group)))
        return scatter_cells(array, g[sl])
    if kind == "smtj":
        vg = np.broadcast_to(np.asarray(array.spec.vg, dtype=np.float64), (N, M)).ravel()[array.cell_positions]
        g, _ = group.conductance(vg)
        return scatter_cells(array, np.asarray(g))
    mode = "ground" if array.spec.write_lines == "ground" else "float"
    return scatter_cells(array, sot_read_conductance(group, mode, sl))


def _pad(x: np.ndarray) -> np.ndarray:
    return np.append(x, 0.0)


def scatter_cells(array: CrossbarArray, values: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """Per-cell values in device-group order (``(n_cells, …)``) as a ``(rows, cols, …)`` grid;
    empty cross-points (``present`` mask) get ``fill``."""
    vals = np.asarray(values)
    N, M = array.rows, array.cols
    if array.present is None:
        return vals.reshape(N, M, *vals.shape[1:])
    out = np.full((N * M, *vals.shape[1:]), fill, dtype=np.result_type(vals.dtype, np.float64))
    out[array.cell_positions] = vals
    return out.reshape(N, M, *vals.shape[1:])


def cell_voltage(array: CrossbarArray, x: np.ndarray) -> np.ndarray:
    """Voltage across every cell [V] (its row-side terminal minus its column node), ``(rows, cols)``."""
    xp = _pad(x)
    return xp[array.top] - xp[array.bl]


def cell_current(array: CrossbarArray, x: np.ndarray) -> np.ndarray:
    """Current through every cell from its row side to its column side [A], ``(rows, cols)``."""
    _N, _M = array.rows, array.cols
    group, sl = cell_group(array)
    kind = array.spec.cell
    if kind == "resistor":
        return scatter_cells(array, cell_voltage(array, x).ravel()[array.cell_positions] / group.r[sl])
    out = group.outputs(x)
    key = "it" if kind == "sotmtj" else "i"
    return scatter_cells(array, np.asarray(out[key])[sl])


def switching_probability(array: CrossbarArray, x: np.ndarray, pulse: float) -> np.ndarray:
    """Probability [-] that each cell switches during a pulse of ``pulse`` s at solution ``x``.

    MTJ cells: the STT hazard of their current (Néel–Brown below ``I_c``, Sun above, as in the
    device's own switching step); SOT cells: the SOT hazard of the channel current under each
    MTJ, combined over the cells of a compound device (probability that any flips); s-MTJ and
    resistor cells: zeros (no stochastic switching modelled).
    """
    N, M = array.rows, array.cols
    group, sl = cell_group(array)
    kind = array.spec.cell
    if kind == "mtj":
        v = group._voltage(x)
        g, _ = group.conductance(v)
        i = g * v
        p_state = group.state == 0
        ratio = np.where(p_state, i / group.ic_p2ap, -i / group.ic_ap2p)
        ic = np.where(p_state, group.ic_p2ap, group.ic_ap2p)
        card = group.card
        temp = array.circuit.options.temp
        delta = card["delta"] * (card["tref"] + 273.15) / (temp + 273.15)
        rate = hazard_rate(ratio, delta, card["tau0"], card["beta"], ic, card["pol"], card["moment"])
        p = np.where(group.shorted, 0.0, switch_probability(rate, pulse))
        return scatter_cells(array, p[sl])
    if kind == "sotmtj":
        i_cell = group.cell_current(x)
        rate = group.rate(i_cell)
        p = np.where(group.broken, 0.0, switch_probability(rate, pulse))
        return scatter_cells(array, (1.0 - np.prod(1.0 - p, axis=1))[sl])
    return np.zeros((N, M))


def barrier_margin(array: CrossbarArray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Largest barrier voltage magnitude per cell [V] and its breakdown voltage [V].

    Resistor and s-MTJ cells have no breakdown model: the breakdown voltage is ``inf``.
    """
    N, M = array.rows, array.cols
    if array.spec.cell == "mtj":
        group, sl = cell_group(array)
        v = np.abs(group._voltage(x))[sl]
        return scatter_cells(array, v), scatter_cells(array, np.asarray(group.vb)[sl], np.inf)
    if array.spec.cell == "sotmtj":
        group, sl = cell_group(array)
        v = np.abs(group.barrier_voltage(x))[sl]
        k = np.argmax(v / group.vb[sl], axis=1)
        rows = np.arange(len(k))
        return scatter_cells(array, v[rows, k]), scatter_cells(array, group.vb[sl][rows, k], np.inf)
    return np.abs(cell_voltage(array, x)), np.full((N, M), np.inf)
