"""Crossbar arrays at circuit level: the specification and the vectorised netlist builder.

A :class:`CrossbarSpec` describes a ``rows × cols`` array: cell kind and values, wire resistance
per segment on rows and columns, drivers, sense circuits and layout. :func:`build_crossbar`
turns it into an :class:`xbar.Circuit` with bulk adds only (``Circuit.add_many`` /
``Circuit.add_y_many``), so a 1024×1024 array builds in seconds, and returns a
:class:`CrossbarArray` that knows where every cell, line, driver and sense circuit sits.

Layout ("L" layout, the default): row ``r`` is driven at its start (column 0 side) through the
driver ``vwl{r}``; column ``c`` is sensed at its end (row ``rows-1`` side) by ``vbl{c}``; the far
ends are open. ``drive="double"`` adds a second driver at the far end of every row
(``vwlf{r}``, same voltage); ``sense_ends="double"`` adds a second sense circuit at the top of
every column (``vblt{c}``); the column current is then the sum of both ends.

Node names (lower case, 0-based ``r`` row and ``c`` column, stable across versions)::

    wl{r}_{c}   row (word-line) node at cell (r, c)      bl{r}_{c}   column (bit-line) node at cell (r, c)
    wl{r}       row port (start of the row)              bl{c}       column port (end of the column)
    wlf{r}      far row port (drive="double")            blt{c}      top column port (sense_ends="double")
    wld{r}      driver node behind the source resistance (r_driver > 0; wldf{r} at the far end)
    bls{c}      ammeter node behind the sense resistor (sense="resistor"; blts{c} at the top)
    tia{c}      TIA output (sense="tia"; tiat{c} at the top)
    ac{r}_{c}   node between the access device and the cell (r_access given)
    g{r}_{c}    gate of an s-MTJ cell (cell="smtj")
    ww{r}_{c}, ww{r}, wwd{r}   write word line of SOT cells (cell="sotmtj")

Segments: ``rwl{r}_{c}`` is the row wire *before* cell (r, c) (from the port for c = 0),
``rwlf{r}`` the one after the last cell (double drive); ``rbl{r}_{c}`` the column wire *below*
cell (r, c) (to the port for r = rows-1), ``rblt{c}`` the one above row 0 (double sense).
Zero resistance merges the two nodes instead of adding a 0 Ω resistor: the merged node takes
the name of the port when it reaches one (a row with ``r_row = 0`` is the single node
``wl{r}``), else the name of its first cell node.

Elements: cells ``rc{r}_{c}`` (resistor) or ``yc{r}_{c}`` (Y devices), access devices
``racc{r}_{c}``, drivers ``vwl{r}`` with ``rdrv{r}``, sense ``vbl{c}`` (0 V ammeter, also the
column voltage source in write operations), ``rsense{c}``, ``etia{c}`` + ``rtia{c}``, gate
sources ``vg{r}_{c}``, SOT write drivers ``vww{r}`` with ``rdww{r}`` and write-line segments
``rww{r}_{c}``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from xbar import validate
from xbar.circuit import Circuit
from xbar.errors import ArgumentTypeError, NetlistError
from xbar.limits import check_memory
from xbar.reprs import short_repr

__all__ = [
    "CELL_KINDS",
    "CrossbarArray",
    "CrossbarSpec",
    "build_crossbar",
    "differential_conductances",
]

CELL_KINDS = ("resistor", "mtj", "sotmtj", "smtj")
_SENSE = ("ammeter", "resistor", "tia")
# bytes per cell a build keeps at its peak (tracemalloc: 1.63 kB/cell for 128×128 and 256×256
# resistor arrays with wires and access devices, 1.57 kB/cell for MTJ cells), rounded up
_BUILD_BYTES_PER_CELL = 1700.0


@validate.checked_calls
@dataclass
class CrossbarSpec:
    """Everything that defines a crossbar array (SI units: Ω, S, V).

    Parameters
    ----------
    rows, cols : int
        Array size (physical columns; a differential array has ``2 × logical`` columns).
    cell : str
        ``"resistor"`` (linear), ``"mtj"`` (2-terminal STT-MTJ, bias-dependent TMR),
        ``"sotmtj"`` (compound SOT-MTJ with its own write channel) or ``"smtj"``
        (straintronic MTJ with a gate).
    g : array_like, optional
        Resistor cells: conductance [S], broadcast to ``(rows, cols)``.
    model : str
        Y cells: name of the ``.model`` card (defined from ``card`` or ``lib``).
    card : mapping, optional
        Y cells: card parameters of a card of type ``cell`` named ``model`` (SI).
    lib : path, optional
        Y cells: a compact-model library (``compact_models/*.lib``) holding ``model``.
    state : array_like, optional
        ``mtj``: 0 (P) / 1 (AP) per cell; ``sotmtj``: state bit mask per cell.
    vg : array_like, optional
        ``smtj``: gate voltage [V] per cell (one 0-referenced source per gate).
    params : mapping, optional
        Extra instance parameters of Y cells, each broadcast to ``(rows, cols)``.
    r_row, r_col : float or array_like
        Wire resistance per segment [Ω] (≥ 0) on rows and on columns; arrays of shape
        ``(rows, n_row_segments)`` / ``(n_col_segments, cols)`` (see :meth:`segment_shapes`).
    r_driver : float or array_like
        Driver source resistance [Ω] (≥ 0), scalar or per row.
    sense : str
        ``"ammeter"`` (ideal 0 V virtual ground), ``"resistor"`` (``r_sense`` to a 0 V
        ammeter) or ``"tia"`` (finite-gain TIA: E source of gain ``tia_gain`` with feedback
        resistor ``r_feedback`` from the column to the output).
    drive : str
        ``"single"`` (drivers at the row starts: the "L" layout) or ``"double"`` (both ends).
    sense_ends : str
        ``"single"`` (sense at the column ends) or ``"double"`` (both ends).
    r_access : float or array_like, optional
        Series resistance of a 1T-style access device per cell [Ω] (the switch's on or off
        resistance); None: no access device.
    r_write, r_write_driver : float, optional
        ``sotmtj``: write-word-line segment resistance (default ``r_row``) and write-driver
        resistance [Ω].
    write_lines : str
        ``sotmtj``: how the write terminal ``w1`` of every cell is connected in the circuit.
        ``"float"`` (default, the read configuration): each cell's write access is off, so
        its ``w1`` end floats on its own and the whole read current flows through the barrier
        and the channel into the column; ``"ground"``: the cells sit on write word lines
        (``ww{r}``) held at 0 V by write drivers — needed by :func:`~xbar.crossbar.write_op`;
        in a read, part of every cell current leaks into the write lines; ``"open"``: the
        write word lines are wired but undriven, so read currents spread along them into
        other columns of the same row.
    present : array_like of bool, optional
        ``(rows, cols)`` mask of cross-points that hold a cell; ``False`` leaves the
        cross-point empty (no device, e.g. a signed weight whose partner device is not
        used). Default: every cross-point holds a cell.
    title : str
        Circuit title.
    """

    __repr__ = short_repr

    rows: int
    cols: int
    cell: str = "resistor"
    g: Any = None
    model: str = "xbcell"
    card: Mapping[str, float] | None = None
    lib: str | Path | None = None
    state: Any = None
    vg: Any = None
    params: Mapping[str, Any] = field(default_factory=dict)
    r_row: Any = 0.0
    r_col: Any = 0.0
    r_driver: Any = 0.0
    sense: str = "ammeter"
    r_sense: float = 100.0
    tia_gain: float = 1e5
    r_feedback: float = 10e3
    drive: str = "single"
    sense_ends: str = "single"
    r_access: Any = None
    r_write: Any = None
    r_write_driver: float = 0.0
    write_lines: str = "float"
    present: Any = None
    title: str = ""

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check every field (types, ranges, shapes against the array) and the memory the build
        would take, without allocating anything of the array's size.

        Called when the spec is made and again by :func:`build_crossbar`.

        Raises
        ------
        NetlistError
            A field of the wrong type, out of range or of a shape that does not broadcast.
        LimitError
            An array whose build would exceed the ``max_memory`` limit.
        """
        self.rows = validate.integer(self.rows, "rows", lo=1)
        self.cols = validate.integer(self.cols, "cols", lo=1)
        check_memory(float(self.rows) * float(self.cols) * _BUILD_BYTES_PER_CELL,
                     f"building a {self.rows}×{self.cols} crossbar", "build a smaller array or tiles of it")
        self.cell = validate.choice(self.cell, "cell kind", CELL_KINDS)
        self.sense = validate.choice(self.sense, "sense", _SENSE)
        self.drive = validate.choice(self.drive, "drive", ("single", "double"))
        self.sense_ends = validate.choice(self.sense_ends, "sense_ends", ("single", "double"))
        self.write_lines = validate.choice(self.write_lines, "write_lines", ("float", "ground", "open"))
        self.title = validate.text(self.title, "title")
        self.model = validate.name(self.model, "model")
        shape = (self.rows, self.cols)
        present = self.present_mask()
        if self.g is not None:
            g = validate.array(self.g, "cell conductance g", shape=shape, lo=0.0, lo_open=present is None,
                               min_magnitude=validate.MIN_MAGNITUDE, unit="S")
            if present is not None and np.any(np.broadcast_to(g, shape)[present] == 0):
                raise NetlistError("cell conductance g must be > 0 at every present cell")
        if self.card is not None:
            for k, v in validate.mapping(self.card, "card").items():
                validate.real(v, f"card parameter '{validate.name(k, 'card parameter name')}'")
        if self.lib is not None:
            validate.path(self.lib, "lib")
        for k, v in validate.mapping(self.params, "params").items():
            validate.array(v, f"instance parameter '{validate.name(k, 'instance parameter name')}'", shape=shape)
        if self.state is not None:
            validate.array(self.state, "state", shape=shape)
        if self.vg is not None:
            validate.array(self.vg, "gate voltages vg", shape=shape, unit="V")
        row_shape, col_shape = self.segment_shapes()
        wire = {"lo": 0.0, "min_magnitude": validate.MIN_MAGNITUDE, "unit": "Ω"}
        validate.array(self.r_row, "r_row", shape=row_shape, **wire)
        validate.array(self.r_col, "r_col", shape=col_shape, **wire)
        validate.array(self.r_driver, "r_driver", shape=(self.rows,), **wire)
        if self.r_access is not None:
            validate.array(self.r_access, "r_access", shape=shape, lo=0.0, lo_open=True,
                           min_magnitude=validate.MIN_MAGNITUDE, unit="Ω")
        if self.r_write is not None:
            validate.array(self.r_write, "r_write", shape=shape, **wire)
        validate.real(self.r_write_driver, "r_write_driver", lo=0.0, min_magnitude=validate.MIN_MAGNITUDE, unit="Ω")
        validate.real(self.r_sense, "r_sense", lo=0.0, lo_open=True, min_magnitude=validate.MIN_MAGNITUDE, unit="Ω")
        validate.real(self.r_feedback, "r_feedback", lo=0.0, lo_open=True, min_magnitude=validate.MIN_MAGNITUDE,
                      unit="Ω")
        validate.real(self.tia_gain, "tia_gain", nonzero=True)

    def present_mask(self) -> np.ndarray | None:
        """The checked ``present`` mask as a ``(rows, cols)`` bool array (None: every cell).

        Raises
        ------
        NetlistError
            Not a mask of booleans (or 0/1), a shape that does not broadcast to the array, or a
            mask without any cell.
        """
        if self.present is None:
            return None
        shape = (self.rows, self.cols)
        if isinstance(self.present, bool | np.bool_):
            mask = np.asarray(self.present)
        else:
            try:
                mask = np.asarray(self.present)
            except (TypeError, ValueError):
                raise NetlistError(f"present must be a boolean mask broadcastable to {shape}") from None
            if mask.dtype.kind != "b":
                if mask.dtype.kind not in "iuf":
                    raise ArgumentTypeError(f"present must be a boolean mask broadcastable to {shape}, got "
                                            f"{type(self.present).__name__} of {mask.dtype}")
                values = validate.array(mask, "present", allow_nan=False)
                if not np.all((values == 0) | (values == 1)):
                    raise NetlistError(f"present must be a boolean mask (True where a cell is built) "
                                       f"broadcastable to {shape}; got values other than 0 and 1")
        try:
            mask = np.broadcast_to(mask.astype(bool), shape)
        except ValueError:
            raise NetlistError(f"present of shape {mask.shape} does not broadcast to the array's {shape}") from None
        if not mask.any():
            raise NetlistError("present: the mask leaves the array without any cell")
        return None if mask.all() else mask.copy()

    def segment_shapes(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """Shapes of the row- and column-segment arrays.

        Row ``r`` has ``cols`` segments (port → cell 0, then between neighbours), plus one
        after the last cell with double drive; column ``c`` has ``rows`` segments (between
        neighbours, last → port), plus one above row 0 with double sense.
        """
        nr = self.cols + (1 if self.drive == "double" else 0)
        nc = self.rows + (1 if self.sense_ends == "double" else 0)
        return (self.rows, nr), (nc, self.cols)


@validate.checked_call
def differential_conductances(weights: Any, g_min: float, g_max: float,
                              w_max: float | None = None) -> np.ndarray:
    """Map signed weights to differential column pairs.

    Column ``2j`` holds ``G⁺ = g_min + (g_max − g_min)·max(w, 0)/w_max`` and column ``2j+1``
    ``G⁻ = g_min + (g_max − g_min)·max(−w, 0)/w_max``, so that
    ``I_{2j} − I_{2j+1} = (g_max − g_min)/w_max · Σ_i w_ij V_i`` for ideal wires.

    Parameters
    ----------
    weights : (rows, m) array_like
        Signed weights.
    g_min, g_max : float
        Conductance range [S] (``0 < g_min < g_max``).
    w_max : float, optional
        Weight mapped to ``g_max`` (default: ``max |w|``).

    Returns
    -------
    (rows, 2m) ndarray
        Conductances [S] with interleaved (+, −) columns.
    """
    w = np.atleast_2d(validate.array(weights, "weights"))
    if w.ndim != 2:
        raise NetlistError(f"weights must be a 2-D (rows, m) array, got shape {w.shape}")
    check_memory(16.0 * w.size, f"differential conductances of {w.shape[0]}×{w.shape[1]} weights")
    g_min = validate.real(g_min, "g_min", lo=0.0, lo_open=True, unit="S")
    g_max = validate.real(g_max, "g_max", lo=0.0, lo_open=True, unit="S")
    if not g_min < g_max:
        raise NetlistError(f"differential pair needs 0 < g_min < g_max, got {g_min:g}, {g_max:g}")
    if w_max is None:
        scale = float(np.max(np.abs(w))) if w.size else 0.0
    else:
        scale = validate.real(w_max, "w_max", lo=0.0, lo_open=True)
    if scale <= 0:
        scale = 1.0
    span = (g_max - g_min) / scale
    out = np.empty((w.shape[0], 2 * w.shape[1]))
    with np.errstate(over="ignore", invalid="ignore"):
        out[:, 0::2] = g_min + span * np.maximum(w, 0.0)
        out[:, 1::2] = g_min + span * np.maximum(-w, 0.0)
    if out.size and not float(np.max(out)) <= validate.MAX_MAGNITUDE:
        raise NetlistError(f"differential conductances reach {float(np.max(out)):g} S, beyond the supported "
                           f"magnitude {validate.MAX_MAGNITUDE:g}; check g_max and w_max against the weights")
    return out


def _grid(value: Any, shape: tuple[int, ...], what: str, *, allow_zero: bool = True) -> np.ndarray:
    """Resistances [Ω] broadcast to ``shape`` (a copy): ≥ 0 (> 0 without ``allow_zero``)."""
    return validate.array(value, what, shape=shape, lo=0.0, lo_open=not allow_zero,
                          min_magnitude=validate.MIN_MAGNITUDE, unit="Ω", copy=True)


class _Nodes:
    """Logical nodes with grid positions; zero-resistance segments merge them at the end."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.pos: list[np.ndarray] = []  # (k, 4): r, c, h, v
        self.count = 0
        self.merge_a: list[np.ndarray] = []
        self.merge_b: list[np.ndarray] = []

    def block(self, names: list[str], r: Any = -1, c: Any = -1, h: bool = False,
              v: bool = False) -> np.ndarray:
        k = len(names)
        ids = np.arange(self.count, self.count + k, dtype=np.int64)
        self.count += k
        self.names.extend(names)
        p = np.empty((k, 4), dtype=np.int64)
        p[:, 0] = np.broadcast_to(np.asarray(r, dtype=np.int64), (k,))
        p[:, 1] = np.broadcast_to(np.asarray(c, dtype=np.int64), (k,))
        p[:, 2] = int(h)
        p[:, 3] = int(v)
        self.pos.append(p)
        return ids

    def merge(self, a: np.ndarray, b: np.ndarray) -> None:
        self.merge_a.append(np.asarray(a, dtype=np.int64).ravel())
        self.merge_b.append(np.asarray(b, dtype=np.int64).ravel())

    def finalize(self, circuit: Circuit) -> tuple[np.ndarray, np.ndarray, bool]:
        """Circuit node index of every logical node, grid info per circuit node, merged?"""
        n = self.count
        pos = np.concatenate(self.pos) if self.pos else np.zeros((0, 4), np.int64)
        merged = bool(self.merge_a) and sum(len(a) for a in self.merge_a) > 0
        if merged:
            a = np.concatenate(self.merge_a)
            b = np.concatenate(self.merge_b)
            graph = sp.coo_array((np.ones(len(a)), (a, b)), shape=(n, n)).tocsr()
            _, labels = connected_components(graph, directed=False)
            rep = np.full(labels.max() + 1, n, dtype=np.int64)
            np.minimum.at(rep, labels, np.arange(n))
            root = rep[labels]
        else:
            root = np.arange(n, dtype=np.int64)
        uniq, inverse = np.unique(root, return_inverse=True)
        names = [self.names[k] for k in uniq.tolist()]
        idx = _bulk_nodes(circuit, names)
        info = pos[uniq].copy()
        if merged:
            # a merged node that spans several grid positions is not a grid node
            r_min = np.full(len(uniq), np.iinfo(np.int64).max)
            r_max = np.full(len(uniq), -1)
            c_min = r_min.copy()
            c_max = r_max.copy()
            np.minimum.at(r_min, inverse, pos[:, 0])
            np.maximum.at(r_max, inverse, pos[:, 0])
            np.minimum.at(c_min, inverse, pos[:, 1])
            np.maximum.at(c_max, inverse, pos[:, 1])
            spread = (r_min != r_max) | (c_min != c_max)
            info[spread, 0] = -1
            info[spread, 1] = -1
        return idx[inverse], info, merged


@validate.checked_calls
@dataclass
class CrossbarArray:
    """A built crossbar: the circuit plus index maps (see module docstring for names).

    Attributes
    ----------
    spec : CrossbarSpec
    circuit : xbar.Circuit
    wl, bl : (rows, cols) int arrays
        Circuit node index of the row and column node of every cell.
    top : (rows, cols) int array
        Node on the row side of the cell itself (``ac{r}_{c}`` with an access device).
    row_drivers, row_drivers_far : list of str
        Driver source names (``vwl{r}``, ``vwlf{r}``).
    sense_sources, sense_sources_top : list of str
        Ammeter/column sources (``vbl{c}``, ``vblt{c}``; empty with ``sense="tia"``).
    node_info : (n_nodes, 4) int array
        Grid row, column, has-horizontal-wire flag, has-vertical-wire flag of every circuit
        node (``-1`` off the grid); used by the nested-dissection ordering.
    merged : bool
        Whether zero-resistance segments merged nodes.
    """

    __repr__ = short_repr

    spec: CrossbarSpec
    circuit: Circuit
    wl: np.ndarray
    bl: np.ndarray
    top: np.ndarray
    row_port: np.ndarray
    col_port: np.ndarray
    col_port_top: np.ndarray | None
    row_drivers: list[str]
    row_drivers_far: list[str]
    sense_sources: list[str]
    sense_sources_top: list[str]
    node_info: np.ndarray
    merged: bool
    cell_names: list[str]
    segments: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    ww: np.ndarray | None = None
    write_drivers: list[str] = field(default_factory=list)
    gate_sources: list[str] = field(default_factory=list)
    tia_outputs: np.ndarray | None = None
    tia_outputs_top: np.ndarray | None = None
    present: np.ndarray | None = None

    @property
    def cell_positions(self) -> np.ndarray:
        """Flat row-major positions ``r·cols + c`` of the cells in device-group order."""
        if self.present is None:
            return np.arange(self.rows * self.cols)
        return np.flatnonzero(self.present.ravel())

    @property
    def rows(self) -> int:
        return self.spec.rows

    @property
    def cols(self) -> int:
        return self.spec.cols

    def conductance0(self) -> np.ndarray:
        """Zero-bias cell conductance [S], ``(rows, cols)`` (the weights of the ideal VMM)."""
        from xbar.crossbar.cells import zero_bias_conductance

        return zero_bias_conductance(self)

    def _row_inputs(self, v: Any, what: str = "row voltages") -> np.ndarray:
        """``(rows,)`` or ``(k, rows)`` finite voltages (checked, memory-bounded)."""
        arr = validate.as_array(v, what)
        if arr.ndim not in (1, 2) or arr.shape[-1] != self.rows:
            raise NetlistError(f"{what} need {self.rows} row voltages: shape ({self.rows},) or (k, {self.rows}), "
                               f"got {arr.shape}" + (" (for the same voltage on every row use np.full(rows, v))"
                                                     if arr.ndim == 0 else ""))
        check_memory(arr.size * 8.0 * (2 + self.cols / self.rows), f"{arr.shape[0] if arr.ndim == 2 else 1} "
                     "input vectors", "split the batch")
        return validate.array(arr, what, unit="V")

    def ideal(self, v: Any) -> np.ndarray:
        """Ideal column currents ``Gᵀ·V`` [A] for row voltages ``v`` (``(rows,)`` or ``(k, rows)``)."""
        return self._row_inputs(v) @ self.conductance0()

    def solver(self, *, solver: str = "superlu", ordering: str = "auto") -> Any:
        """A :class:`~xbar.crossbar.solve.CrossbarSolver` for this array."""
        from xbar.crossbar.solve import CrossbarSolver

        return CrossbarSolver(self, solver=solver, ordering=ordering)

    def op(self, v: Any, *, solver: str = "superlu", x0: np.ndarray | None = None, tight: bool = True) -> Any:
        """Operating point for row voltages ``v`` (see :meth:`CrossbarSolver.op`)."""
        return self.solver(solver=solver).op(v, x0=x0, tight=tight)

    def deck(self, *, form: str = "flat", dialect: str = "ngspice", inputs: Any = None,
             analyses: Any = (".op",), options: Any = None, title: str | None = None) -> str:
        """The array as deck text (see :func:`xbar.crossbar.deck.deck_text`)."""
        from xbar.crossbar.deck import deck_text

        return deck_text(self, form=form, dialect=dialect, inputs=inputs, analyses=analyses, options=options,
                         title=title)


def _bulk_nodes(circuit: Circuit, names: list[str]) -> np.ndarray:
    """Create many new nodes at once (same result as ``circuit.nodes``, without a Python call
    per name; the names are generated lower case and must all be new)."""
    clash = circuit.node_index.keys() & set(names)
    if clash:
        raise NetlistError(f"crossbar node name(s) already in the circuit: {sorted(clash)[:5]}")
    start = len(circuit.node_names)
    circuit.node_names.extend(names)
    circuit.node_index.update(zip(names, range(start, start + len(names)), strict=True))
    return np.arange(start, start + len(names), dtype=np.int64)


def _names(fmt: str, rows: int, cols: int) -> list[str]:
    head, tail = fmt.split("{r}")
    mid, end = tail.split("{c}")
    return [f"{head}{r}{mid}{c}{end}" for r in range(rows) for c in range(cols)]


def _pick(names: list[str], keep: Any) -> list[str]:
    """The names at the present cells (all of them when ``keep`` is a full slice)."""
    if isinstance(keep, slice):
        return names
    return [n for n, k in zip(names, keep.tolist(), strict=True) if k]


def _define_model(circuit: Circuit, spec: CrossbarSpec) -> None:
    if spec.model.lower() in circuit.models:
        return
    if spec.lib is not None:
        circuit.load_models(spec.lib, [spec.model])
        card = circuit.models[spec.model.lower()]
        if card.type != spec.cell:
            raise NetlistError(f"model '{spec.model}' in {spec.lib} has type '{card.type}', "
                               f"but the cells are '{spec.cell}'")
    else:
        circuit.model(spec.model, spec.cell, **dict(spec.card or {}))


def _add_y_internal(circuit: Circuit, names: list[str], nodes: np.ndarray, model: str,
                    params: Mapping[str, np.ndarray]) -> None:
    """Bulk-add Y devices whose kind has internal nodes (``sotmtj``).

    ``Circuit.add_y_many`` refuses kinds with internal nodes; this does what ``Circuit.Y``
    does for each instance (internal nodes ``<name>#<k>``), vectorised. Uses the builder's
    internal tables (an engine change would make this unnecessary).
    """
    kind_cls, key_model = circuit._y_kind(model, None)
    card = circuit._bound_card(key_model)
    ncell = float(np.unique(params["ncell"])[0]) if "ncell" in params else card["ncell"]
    if "ncell" in params and len(np.unique(params["ncell"])) > 1:
        raise NetlistError("sotmtj cells of one array must have the same ncell")
    n_int = kind_cls.internal_nodes(card, {"ncell": ncell})
    count = len(names)
    keys = [circuit._name("y", n) for n in names]
    internal = _bulk_nodes(circuit, [f"{k}#{j}" for k in keys for j in range(n_int)]).reshape(count, n_int)
    circuit._register_many(keys, "y")
    store = circuit.y_instances.setdefault(key_model, {"names": [], "nodes": [], "params": [], "loc": []})
    store["names"].extend(keys)
    store["nodes"].extend(np.column_stack([nodes, internal]).tolist())
    cols = {k: np.asarray(v, dtype=np.float64).ravel() for k, v in params.items()}
    store["params"].extend({k: float(c[i]) for k, c in cols.items()} for i in range(count))
    store["loc"].extend([None] * count)


@validate.checked_call
def build_crossbar(spec: CrossbarSpec, circuit: Circuit | None = None) -> CrossbarArray:
    """Build the circuit of ``spec`` (see module docstring); returns a :class:`CrossbarArray`.

    Raises
    ------
    NetlistError
        Bad sizes, negative resistances, missing cell values, unknown options.
    """
    if not isinstance(spec, CrossbarSpec):
        raise ArgumentTypeError(f"build_crossbar takes a CrossbarSpec, got {type(spec).__name__}")
    if circuit is not None and not isinstance(circuit, Circuit):
        raise ArgumentTypeError(f"circuit must be an xbar.Circuit or None, got {type(circuit).__name__}")
    spec.validate()
    N, M = spec.rows, spec.cols
    present = spec.present_mask()
    keep = slice(None) if present is None else present.ravel()
    # no lint: a generated array has wire ends by design (after an absent cell, floating SOT write
    # lines), which the single-connection check would report as misspelt nodes
    c = circuit if circuit is not None else Circuit(spec.title or f"crossbar {N}x{M} ({spec.cell})", lint=False)
    (rs_shape, cs_shape) = spec.segment_shapes()
    r_row = _grid(spec.r_row, rs_shape, "r_row")
    r_col = _grid(spec.r_col, cs_shape, "r_col")
    r_drv = _grid(spec.r_driver, (N,), "r_driver")
    double_drive = spec.drive == "double"
    double_sense = spec.sense_ends == "double"
    rr, cc = np.meshgrid(np.arange(N), np.arange(M), indexing="ij")

    nodes = _Nodes()
    wl_port = nodes.block([f"wl{r}" for r in range(N)], np.arange(N), 0, h=True)
    bl_port = nodes.block([f"bl{j}" for j in range(M)], N - 1, np.arange(M), v=True)
    wl_far = nodes.block([f"wlf{r}" for r in range(N)], np.arange(N), M - 1, h=True) if double_drive else None
    bl_top = nodes.block([f"blt{j}" for j in range(M)], 0, np.arange(M), v=True) if double_sense else None
    wl = nodes.block(_names("wl{r}_{c}", N, M), rr.ravel(), cc.ravel(), h=True).reshape(N, M)
    bl = nodes.block(_names("bl{r}_{c}", N, M), rr.ravel(), cc.ravel(), v=True).reshape(N, M)
    top = wl
    if spec.r_access is not None:
        top = nodes.block(_names("ac{r}_{c}", N, M), rr.ravel(), cc.ravel()).reshape(N, M)
    ww = ww_port = None
    if spec.cell == "sotmtj":
        lines = spec.write_lines != "float"
        if lines:
            ww_port = nodes.block([f"ww{r}" for r in range(N)], np.arange(N), 0, h=True)
        if lines or present is None:
            ww = nodes.block(_names("ww{r}_{c}", N, M), rr.ravel(), cc.ravel(), h=lines).reshape(N, M)
        else:  # floating write terminals exist only where there is a cell
            ww = np.full((N, M), -1, dtype=np.int64)
            ww[present] = nodes.block(_pick(_names("ww{r}_{c}", N, M), present.ravel()), rr[present],
                                      cc[present])
    drv = nodes.block([f"wld{r}" for r in range(N)]) if np.any(r_drv > 0) else None
    drv_far = nodes.block([f"wldf{r}" for r in range(N)]) if double_drive and np.any(r_drv > 0) else None

    # wire segments: (names, a, b, R) with zero R merged
    seg_lists: list[tuple[list[str], np.ndarray, np.ndarray, np.ndarray]] = []
    seg_keys: list[str] = []
    row_prev = np.column_stack([wl_port, wl[:, :-1]])
    seg_keys.append("row")
    seg_lists.append((_names("rwl{r}_{c}", N, M), row_prev, wl, r_row[:, :M]))
    if double_drive:
        assert wl_far is not None
        seg_keys.append("row_far")
        seg_lists.append(([f"rwlf{r}" for r in range(N)], wl[:, -1:], wl_far[:, None], r_row[:, M:]))
    col_next = np.vstack([bl[1:, :], bl_port[None, :]])
    seg_keys.append("col")
    seg_lists.append((_names("rbl{r}_{c}", N, M), bl, col_next, r_col[-N:, :] if double_sense else r_col))
    if double_sense:
        assert bl_top is not None
        seg_keys.append("col_top")
        seg_lists.append(([f"rblt{j}" for j in range(M)], bl_top[None, :], bl[:1, :], r_col[:1, :]))
    if ww is not None and ww_port is not None:
        r_w = _grid(spec.r_row if spec.r_write is None else spec.r_write, (N, M), "r_write")
        seg_keys.append("write")
        seg_lists.append((_names("rww{r}_{c}", N, M), np.column_stack([ww_port, ww[:, :-1]]), ww, r_w))
    for _, a, b, rv in seg_lists:
        zero = rv == 0
        if np.any(zero):
            nodes.merge(np.broadcast_to(a, rv.shape)[zero], np.broadcast_to(b, rv.shape)[zero])
    if drv is not None:
        zero = r_drv == 0
        nodes.merge(drv[zero], wl_port[zero])
        if drv_far is not None:
            assert wl_far is not None
            nodes.merge(drv_far[zero], wl_far[zero])
    start = len(c.node_names)
    cmap, info, merged = nodes.finalize(c)

    def add_r(names: list[str], a: np.ndarray, b: np.ndarray, rv: np.ndarray) -> None:
        a_f = cmap[np.broadcast_to(a, rv.shape).ravel()]
        b_f = cmap[np.broadcast_to(b, rv.shape).ravel()]
        keep = rv.ravel() > 0
        if not np.any(keep):
            return
        nm = [n for n, k in zip(names, keep.tolist(), strict=True) if k] if not np.all(keep) else names
        c.add_many("r", nm, np.column_stack([a_f[keep], b_f[keep]]), {"r": rv.ravel()[keep]})

    segments: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for key, (names, a, b, rv) in zip(seg_keys, seg_lists, strict=True):
        add_r(names, a, b, rv)
        segments[key] = (cmap[np.broadcast_to(a, rv.shape)], cmap[np.broadcast_to(b, rv.shape)], rv)

    gnd = -1
    # drivers
    def drivers(prefix: str, rprefix: str, port: np.ndarray, dnode: np.ndarray | None) -> list[str]:
        names = [f"v{prefix}{r}" for r in range(N)]
        if dnode is None:
            src = cmap[port]
        else:
            src = cmap[dnode]
            has_r = r_drv > 0
            if np.any(has_r):
                c.add_many("r", [f"{rprefix}{r}" for r in np.flatnonzero(has_r)],
                           np.column_stack([cmap[dnode][has_r], cmap[port][has_r]]), {"r": r_drv[has_r]})
        c.add_many("v", names, np.column_stack([src, np.full(N, gnd)]), {"dc": 0.0})
        return names

    row_drivers = drivers("wl", "rdrv", wl_port, drv)
    row_drivers_far = drivers("wlf", "rdrvf", wl_far, drv_far) if wl_far is not None else []

    # sense circuits
    def sense(port: np.ndarray, suffix: str) -> tuple[list[str], np.ndarray | None]:
        pn = cmap[port]
        if spec.sense == "ammeter":
            names = [f"vbl{suffix}{j}" for j in range(M)]
            c.add_many("v", names, np.column_stack([pn, np.full(M, gnd)]), {"dc": 0.0})
            return names, None
        if spec.sense == "resistor":
            if not spec.r_sense > 0:
                raise NetlistError("r_sense must be > 0 Ω")
            sn = c.nodes([f"bl{suffix}s{j}" for j in range(M)])
            c.add_many("r", [f"rsense{suffix}{j}" for j in range(M)], np.column_stack([pn, sn]),
                       {"r": spec.r_sense})
            names = [f"vbl{suffix}{j}" for j in range(M)]
            c.add_many("v", names, np.column_stack([sn, np.full(M, gnd)]), {"dc": 0.0})
            return names, None
        if not spec.r_feedback > 0 or not np.isfinite(spec.tia_gain):
            raise NetlistError("a TIA needs r_feedback > 0 Ω and a finite gain")
        out = c.nodes([f"tia{suffix}{j}" for j in range(M)])
        c.add_many("e", [f"etia{suffix}{j}" for j in range(M)],
                   np.column_stack([out, np.full(M, gnd), np.full(M, gnd), pn]), {"gain": spec.tia_gain})
        c.add_many("r", [f"rtia{suffix}{j}" for j in range(M)], np.column_stack([pn, out]),
                   {"r": spec.r_feedback})
        return [], out

    sense_sources, tia_out = sense(bl_port, "")
    sense_top: list[str] = []
    tia_top = None
    if bl_top is not None:
        sense_top, tia_top = sense(bl_top, "t")

    # access devices
    wl_c, bl_c, top_c = cmap[wl], cmap[bl], cmap[top]
    if spec.r_access is not None:
        r_acc = _grid(spec.r_access, (N, M), "r_access", allow_zero=False)
        c.add_many("r", _names("racc{r}_{c}", N, M), np.column_stack([wl_c.ravel(), top_c.ravel()]),
                   {"r": r_acc.ravel()})

    # cells
    gate_sources: list[str] = []
    write_drivers: list[str] = []
    ww_c = None
    if spec.cell == "resistor":
        if spec.g is None:
            raise NetlistError("resistor cells need conductances g (S)")
        g = _grid(spec.g, (N, M), "cell conductance g", allow_zero=present is not None)
        if present is not None and np.any(g[present] == 0):
            raise NetlistError("cell conductance g must be > 0 at every present cell")
        cell_names = _pick(_names("rc{r}_{c}", N, M), keep)
        c.add_many("r", cell_names, np.column_stack([top_c.ravel()[keep], bl_c.ravel()[keep]]),
                   {"r": 1.0 / g.ravel()[keep]})
    else:
        _define_model(c, spec)
        cell_names = _pick(_names("yc{r}_{c}", N, M), keep)
        params: dict[str, np.ndarray] = {k.lower(): validate.array(v, f"instance parameter '{k}'",
                                                                   shape=(N, M)).ravel()[keep]
                                         for k, v in spec.params.items()}
        if spec.state is not None:
            params["state"] = validate.array(spec.state, "state", shape=(N, M)).ravel()[keep]
        if spec.cell == "mtj":
            c.add_y_many(cell_names, np.column_stack([top_c.ravel()[keep], bl_c.ravel()[keep]]), spec.model, params)
        elif spec.cell == "smtj":
            if spec.vg is None:
                raise NetlistError("smtj cells need gate voltages vg (V)")
            vg = validate.array(spec.vg, "gate voltages vg", shape=(N, M), unit="V").ravel()[keep]
            gates = _bulk_nodes(c, _pick(_names("g{r}_{c}", N, M), keep))
            gate_sources = _pick(_names("vg{r}_{c}", N, M), keep)
            c.add_many("v", gate_sources, np.column_stack([gates, np.full(len(gates), gnd)]), {"dc": vg})
            c.add_y_many(cell_names, np.column_stack([top_c.ravel()[keep], bl_c.ravel()[keep], gates]),
                         spec.model, params)
        else:
            assert ww is not None
            ww_c = np.where(ww >= 0, cmap[np.maximum(ww, 0)], -1)
            _add_y_internal(c, cell_names, np.column_stack([ww_c.ravel()[keep], bl_c.ravel()[keep],
                                                            top_c.ravel()[keep]]), spec.model, params)
            if spec.write_lines == "ground":
                assert ww_port is not None
                port = cmap[ww_port]
                write_drivers = [f"vww{r}" for r in range(N)]
                if spec.r_write_driver > 0:
                    dn = c.nodes([f"wwd{r}" for r in range(N)])
                    c.add_many("r", [f"rdww{r}" for r in range(N)], np.column_stack([dn, port]),
                               {"r": spec.r_write_driver})
                    port = dn
                c.add_many("v", write_drivers, np.column_stack([port, np.full(N, gnd)]), {"dc": 0.0})

    n_nodes = len(c.node_names)
    node_info = np.full((n_nodes, 4), -1, dtype=np.int64)
    node_info[:, 2:] = 0
    node_info[start : start + len(info)] = info
    if spec.cell == "sotmtj":
        # internal channel nodes of cell (r, c) sit at the cell's grid position
        store = c.y_instances[spec.model.lower()]
        internal = np.asarray(store["nodes"][-len(cell_names) :], dtype=np.int64)[:, 3:]
        node_info[internal, 0] = np.repeat(rr.ravel()[keep], internal.shape[1]).reshape(internal.shape)
        node_info[internal, 1] = np.repeat(cc.ravel()[keep], internal.shape[1]).reshape(internal.shape)
    return CrossbarArray(
        spec=spec, circuit=c, wl=wl_c, bl=bl_c, top=top_c, row_port=cmap[wl_port], col_port=cmap[bl_port],
        col_port_top=cmap[bl_top] if bl_top is not None else None, row_drivers=row_drivers,
        row_drivers_far=row_drivers_far, sense_sources=sense_sources, sense_sources_top=sense_top,
        node_info=node_info, merged=merged, cell_names=cell_names, segments=segments,
        ww=ww_c, write_drivers=write_drivers, gate_sources=gate_sources,
        tia_outputs=tia_out, tia_outputs_top=tia_top, present=present)


@validate.checked_call
def crossbar(rows: int, cols: int, **kwargs: Any) -> CrossbarArray:
    """Shorthand: ``build_crossbar(CrossbarSpec(rows, cols, **kwargs))``."""
    known = {f.name for f in fields(CrossbarSpec)} - {"rows", "cols"}
    unknown = sorted(set(kwargs) - known)
    if unknown:
        raise ArgumentTypeError(f"crossbar() got unknown argument(s) {', '.join(unknown)}; "
                                f"CrossbarSpec fields: {', '.join(sorted(known))}")
    return build_crossbar(CrossbarSpec(rows, cols, **kwargs))
