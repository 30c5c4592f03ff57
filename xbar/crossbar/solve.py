"""Solving crossbar arrays: one operating point, batches of input vectors, transfer matrices.

The compiled MNA system of the array is reduced before factorisation: every node held by a
grounded voltage source (drivers without source resistance, 0 V ammeters, gate sources) is a
known value, so its KCL row and the source's branch current leave the system and the source
currents are recovered afterwards from KCL. What remains is the nodal matrix of the wires and
cells, symmetric positive definite for resistors and MTJs (a TIA's E source adds a few
non-symmetric rows at the end). It is ordered by geometric nested dissection
(:mod:`xbar.crossbar.ordering`) and factorised by SuperLU with that ordering kept
(``permc_spec="NATURAL"``, symmetric mode, diagonal pivots).

* Linear cells: one factorisation serves every input vector (multi-right-hand-side solves in
  chunks), and :meth:`CrossbarSolver.transfer_matrix` solves once per row input so that any
  number of vectors then costs one matrix product.
* Bias-dependent cells: Newton on the reduced system for one point; for batches either exact
  Newton per vector (warm-started from the previous vector), the chord method with the
  zero-bias factorisation (all vectors in lock step, one multi-RHS solve per iteration), or
  Newton–Krylov (GMRES on the exact Jacobian, preconditioned by the zero-bias factorisation,
  so nothing is refactorised per vector).

Solver names: ``"superlu"`` (default; SuperLU, the engine's direct solver, with the crossbar
ordering), ``"superlu-mmd"`` (the engine's :class:`~xbar.mna.linsolve.SuperLUSolver` with its own
minimum-degree ordering) and any other name of :data:`xbar.mna.linsolve.SOLVERS` (passed the
reduced matrix; e.g. ``"cholmod"`` or ``"amg-cg"`` where installed).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from xbar import validate
from xbar.devices.sources import VoltageSourceGroup
from xbar.errors import ArgumentTypeError, ConvergenceError, NetlistError, SingularMatrixError
from xbar.limits import check_memory, get_limits
from xbar.mna.linsolve import SOLVERS, SuperLUSolver, get_solver

if TYPE_CHECKING:
    from xbar.crossbar.builder import CrossbarArray
    from xbar.crossbar.results import BatchResult, CrossbarResult
    from xbar.mna.system import MnaSystem

__all__ = ["CrossbarSolver", "ReducedSystem", "available_solvers"]

_CHUNK_BYTES = 256e6
# bytes per cell of the compiled system, its reduction and one factorisation on top of the
# build (tracemalloc peak of build + op: 3.75-3.95 kB/cell for 128×128 and 256×256 resistor
# arrays, 4.3 kB/cell for MTJ cells; the build's 1.7 kB/cell subtracted), rounded up
_SOLVE_BYTES_PER_CELL = 2800.0


def available_solvers() -> list[str]:
    """Solver names :class:`CrossbarSolver` accepts now."""
    return sorted({"superlu", "superlu-mmd", *SOLVERS})


class _NdSuperLU:
    """SuperLU of a symmetrically scaled, already ordered matrix (order kept)."""

    def __init__(self, A: sp.csc_array) -> None:
        d = np.abs(A.diagonal())
        s = np.where(d > 0, 1.0 / np.sqrt(np.where(d > 0, d, 1.0)), 1.0)
        As = sp.csc_array((A.data * s[A.indices] * np.repeat(s, np.diff(A.indptr)), A.indices, A.indptr),
                          shape=A.shape)
        try:
            self._lu = spla.splu(As, permc_spec="NATURAL", diag_pivot_thresh=0.1,
                                 options={"SymmetricMode": True})
        except RuntimeError as exc:
            raise SingularMatrixError(f"the crossbar matrix is singular ({exc})") from None
        self._s = s
        self.nnz = int(self._lu.L.nnz + self._lu.U.nnz)

    def solve(self, b: np.ndarray, trans: bool = False) -> np.ndarray:
        """Solve ``A x = b`` (``trans``: ``Aᵀ x = b``) for one or many right-hand sides."""
        t = "T" if trans else "N"
        if b.ndim == 1:
            x = self._s * self._lu.solve(self._s * b, trans=t)
        else:
            # scipy's SuperLU is 2-3x slower per right-hand side on a 2-D block than on
            # one vector at a time (measured on 128x128 arrays), so solve column by column
            sb = self._s[:, None] * b
            x = np.empty_like(sb)
            for j in range(sb.shape[1]):
                x[:, j] = self._lu.solve(np.ascontiguousarray(sb[:, j]), trans=t)
            x *= self._s[:, None]
        if not np.all(np.isfinite(x)):
            raise SingularMatrixError("the crossbar matrix is numerically singular")
        return x


def _gather(indptr: np.ndarray, indices: np.ndarray, rowmap: np.ndarray, colmap: np.ndarray,
            shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSC pattern of the submatrix ``rowmap >= 0, colmap >= 0`` and the slots feeding it."""
    n = len(indptr) - 1
    cols = np.repeat(np.arange(n), np.diff(indptr))
    rows = indices.astype(np.int64)
    keep = (rowmap[rows] >= 0) & (colmap[cols] >= 0)
    slots = np.flatnonzero(keep)
    sub = sp.coo_array((slots.astype(np.float64) + 1.0, (rowmap[rows[keep]], colmap[cols[keep]])),
                       shape=shape).tocsc()
    sub.sort_indices()
    return sub.indptr.copy(), sub.indices.copy(), sub.data.astype(np.int64) - 1


class ReducedSystem:
    """The MNA system without the nodes fixed by grounded voltage sources (module docstring).

    Attributes
    ----------
    free : int array
        Unknowns kept, in elimination order.
    dirichlet : int array
        Nodes fixed by grounded voltage sources; ``dir_branch`` their sources' branches.
    """

    def __init__(self, system: MnaSystem, info: np.ndarray | None, grid: tuple[int, int],
                 ordering: str = "nd") -> None:
        self.system = system
        n = system.n
        d_nodes: list[np.ndarray] = []
        d_branch: list[np.ndarray] = []
        d_sign: list[np.ndarray] = []
        for g in system.groups:
            if isinstance(g, VoltageSourceGroup):
                p, m = g.nodes[:, 0], g.nodes[:, 1]
                pos = (p >= 0) & (m < 0)
                neg = (p < 0) & (m >= 0)
                d_nodes += [p[pos], m[neg]]
                d_branch += [g.branch[pos], g.branch[neg]]
                d_sign += [np.ones(int(pos.sum())), -np.ones(int(neg.sum()))]
        dn = np.concatenate(d_nodes) if d_nodes else np.zeros(0, np.int64)
        db = np.concatenate(d_branch) if d_branch else np.zeros(0, np.int64)
        ds = np.concatenate(d_sign) if d_sign else np.zeros(0)
        _, first = np.unique(dn, return_index=True)
        # a node held by two grounded sources is a voltage loop; keep the first (the engine reports it)
        self.dirichlet = dn[np.sort(first)]
        keep = np.isin(np.arange(len(dn)), np.sort(first))
        self.dir_branch = db[keep]
        self.dir_sign = ds[keep]
        fixed = np.zeros(n, dtype=bool)
        fixed[dn] = True
        fixed[db] = True
        free = np.flatnonzero(~fixed)
        if ordering == "nd" and info is not None and len(free):
            finfo = np.full((len(free), 4), -1, dtype=np.int64)
            is_node = free < system.n_nodes
            finfo[is_node] = info[free[is_node]]
            finfo[~is_node, 0] = -1
            from xbar.crossbar.ordering import nested_dissection

            free = free[nested_dissection(finfo, grid[0], grid[1])]
        self.free = free
        self.ordering = ordering
        self.nf = len(free)
        fmap = np.full(n, -1, dtype=np.int64)
        fmap[free] = np.arange(self.nf)
        dmap = np.full(n, -1, dtype=np.int64)
        dmap[self.dirichlet] = np.arange(len(self.dirichlet))
        self.fmap = fmap
        self.ff = _gather(system.indptr, system.indices, fmap, fmap, (self.nf, self.nf))
        self.fd = _gather(system.indptr, system.indices, fmap, dmap, (self.nf, len(self.dirichlet)))
        self._row_cache: dict[bytes, tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int]]] = {}

    # matrices ---------------------------------------------------------------------------
    def a_ff(self, data: np.ndarray) -> sp.csc_array:
        indptr, indices, slots = self.ff
        A = sp.csc_array((data[slots], indices, indptr), shape=(self.nf, self.nf))
        A.has_sorted_indices = True
        return A

    def a_fd(self, data: np.ndarray) -> sp.csc_array:
        indptr, indices, slots = self.fd
        return sp.csc_array((data[slots], indices, indptr), shape=(self.nf, len(self.dirichlet)))

    def rows_of(self, nodes: np.ndarray, data: np.ndarray) -> sp.csr_array:
        """Rows ``nodes`` of the full matrix with values ``data`` (CSR, all columns)."""
        key = np.asarray(nodes, dtype=np.int64).tobytes()
        if key not in self._row_cache:
            n = self.system.n
            rmap = np.full(n, -1, dtype=np.int64)
            rmap[nodes] = np.arange(len(nodes))
            self._row_cache[key] = (*_gather(self.system.indptr, self.system.indices, rmap,
                                             np.arange(n), (len(nodes), n)), (len(nodes), n))
        indptr, indices, slots, shape = self._row_cache[key]
        return sp.csc_array((data[slots], indices, indptr), shape=shape).tocsr()

    def dirichlet_values(self, b: np.ndarray) -> np.ndarray:
        """Values of the fixed nodes from the source vector ``b`` (``(n,)`` or ``(n, k)``)."""
        s = self.dir_sign if b.ndim == 1 else self.dir_sign[:, None]
        return s * b[self.dir_branch]

    def assemble(self, xf: np.ndarray, xd: np.ndarray) -> np.ndarray:
        """Full unknown vector(s) from free and fixed values (branch currents of fixed sources 0)."""
        shape = (self.system.n,) if xf.ndim == 1 else (self.system.n, xf.shape[1])
        x = np.zeros(shape)
        x[self.free] = xf
        x[self.dirichlet] = xd
        return x

    def source_currents(self, x: np.ndarray, data: np.ndarray, b: np.ndarray,
                        ieq: np.ndarray | None, which: np.ndarray) -> np.ndarray:
        """Branch currents [A] of fixed-node sources ``which`` (indices into :attr:`dirichlet`).

        KCL at the fixed node ``p``: ``(A x)_p + ieq_p + s·i = b_p`` with the branch stamp sign
        ``s`` (+1 when ``p`` is the source's + terminal).
        """
        nodes = self.dirichlet[which]
        rows = self.rows_of(nodes, data)
        ax = rows @ x
        bb = b[nodes][:, None] if (b.ndim == 1 and x.ndim == 2) else b[nodes]
        if ieq is not None:
            ax = ax + (ieq[nodes][:, None] if (ieq.ndim == 1 and x.ndim == 2) else ieq[nodes])
        s = self.dir_sign[which] if x.ndim == 1 else self.dir_sign[which][:, None]
        return (bb - ax) * s


def _factor_with(name: str, A: sp.csc_array, ordering: str) -> tuple[Any, str]:
    if name == "superlu":
        if ordering == "nd":
            return _NdSuperLU(A), "superlu (crossbar nested-dissection ordering)"
        return SuperLUSolver().factor(A), "superlu (MMD_AT_PLUS_A ordering)"
    if name == "superlu-mmd":
        return SuperLUSolver().factor(A), "superlu (MMD_AT_PLUS_A ordering)"
    solver = get_solver(name)
    fac = solver.factor(A)
    return fac, str(getattr(fac, "description", None) or getattr(fac, "name", None) or solver.name)


@dataclass
class _Stats:
    factorizations: int = 0
    solves: int = 0
    factor_time: float = 0.0
    solve_time: float = 0.0
    notes: list[str] = field(default_factory=list)


@validate.checked_calls
class CrossbarSolver:
    """Operating points and batches of one crossbar (see module docstring).

    Parameters
    ----------
    array : CrossbarArray
    solver : str
        ``"superlu"`` (default), ``"superlu-mmd"`` or a name of ``xbar.mna.linsolve.SOLVERS``.
    ordering : str
        ``"auto"`` (nested dissection unless zero-resistance wires merged grid nodes, then
        minimum degree), ``"nd"`` or ``"mmd"``.
    """

    def __init__(self, array: CrossbarArray, *, solver: str = "superlu", ordering: str = "auto") -> None:
        from xbar.crossbar.builder import CrossbarArray

        if not isinstance(array, CrossbarArray):
            raise ArgumentTypeError(f"CrossbarSolver takes a CrossbarArray, got {type(array).__name__}")
        if not isinstance(solver, str):
            raise ArgumentTypeError(f"solver must be a name ({', '.join(available_solvers())}), got {solver!r:.60}")
        if solver not in ("superlu", "superlu-mmd"):
            try:
                get_solver(solver)
            except NetlistError:
                raise NetlistError(f"unknown solver '{solver}'; available: {', '.join(available_solvers())}") from None
        ordering = validate.choice(ordering, "ordering", ("auto", "nd", "mmd"))
        check_memory(float(array.rows) * float(array.cols) * _SOLVE_BYTES_PER_CELL,
                     f"solving a {array.rows}×{array.cols} crossbar", "solve a smaller array or tiles of it")
        self.array = array
        self.solver_name = solver
        t0 = time.perf_counter()
        self.system = array.circuit.compile()
        self.compile_time = time.perf_counter() - t0
        if ordering == "auto":
            ordering = "mmd" if array.merged else "nd"
        if solver not in ("superlu",):
            ordering = "natural" if ordering == "nd" and solver != "superlu-mmd" else ordering
        t0 = time.perf_counter()
        self.red = ReducedSystem(self.system, array.node_info, (array.rows, array.cols),
                                 "nd" if ordering == "nd" else "natural")
        self.reduce_time = time.perf_counter() - t0
        self.ordering = ordering
        self.stats = _Stats()
        self.solver_used = ""
        self._lin_factor: Any = None
        self._p_factor: Any = None
        self._transfer: tuple[np.ndarray, np.ndarray] | None = None
        d_index = {int(k): i for i, k in enumerate(self.red.dirichlet.tolist())}
        idx = self.system.index_of

        vgroups = [g for g in self.system.groups if isinstance(g, VoltageSourceGroup)]
        where = {name: (g, i) for g in vgroups for i, name in enumerate(g.names)}

        def dpos(source: str) -> int:
            # the node a grounded source fixes
            g, i = where[source]
            node = int(g.nodes[i, 0]) if g.nodes[i, 0] >= 0 else int(g.nodes[i, 1])
            return d_index[node]

        self._drv = np.array([dpos(s) for s in array.row_drivers], dtype=np.int64)
        self._drv_far = np.array([dpos(s) for s in array.row_drivers_far], dtype=np.int64)
        self._sense = np.array([dpos(s) for s in array.sense_sources], dtype=np.int64)
        self._sense_top = np.array([dpos(s) for s in array.sense_sources_top], dtype=np.int64)
        self._wdrv = np.array([dpos(s) for s in array.write_drivers], dtype=np.int64)
        self._idx = idx
        self.linear = self.system.linear

    def _transfer_bytes(self) -> float:
        """Bytes the transfer-matrix solve takes (unknowns × (rows + 1) columns, four arrays)."""
        return 4.0 * 8.0 * self.system.n * (self.array.rows + 1)

    # ------------------------------------------------------------------------------------
    def _factor(self, data: np.ndarray) -> Any:
        if self.red.nf == 0:
            return None
        t0 = time.perf_counter()
        fac, used = _factor_with(self.solver_name, self.red.a_ff(data), self.ordering)
        self.stats.factor_time += time.perf_counter() - t0
        self.stats.factorizations += 1
        self.solver_used = used
        return fac

    def _solve(self, fac: Any, rhs: np.ndarray) -> np.ndarray:
        if self.red.nf == 0:
            return np.zeros((0, *rhs.shape[1:]))
        t0 = time.perf_counter()
        out = fac.solve(rhs)
        self.stats.solve_time += time.perf_counter() - t0
        self.stats.solves += 1 if rhs.ndim == 1 else rhs.shape[1]
        return np.asarray(out).reshape(rhs.shape)

    def base_rhs(self) -> np.ndarray:
        """The source vector with every source at its circuit value (drivers at 0 V)."""
        return self.system.rhs(None)

    def dirichlet(self, v: np.ndarray | None, *, base: np.ndarray | None = None,
                  columns: np.ndarray | None = None, write_rows: np.ndarray | None = None) -> np.ndarray:
        """Fixed-node values with row inputs ``v`` (``(rows,)`` or ``(k, rows)``)."""
        b = self.base_rhs() if base is None else base
        xd0 = self.red.dirichlet_values(b)
        if v is None:
            return xd0
        vv = np.asarray(v, dtype=np.float64)
        if vv.ndim == 1:
            xd = xd0.copy()
            xd[self._drv] = vv
            if len(self._drv_far):
                xd[self._drv_far] = vv
            if columns is not None:
                xd[self._sense] = columns
                if len(self._sense_top):
                    xd[self._sense_top] = columns
            if write_rows is not None:
                xd[self._wdrv] = write_rows
            return xd
        xd = np.repeat(xd0[:, None], vv.shape[0], axis=1)
        xd[self._drv] = vv.T
        if len(self._drv_far):
            xd[self._drv_far] = vv.T
        return xd

    def _check_rows(self, v: Any) -> np.ndarray:
        return self.array._row_inputs(v, "input vectors")

    # readout ----------------------------------------------------------------------------
    def column_currents(self, x: np.ndarray, data: np.ndarray, b: np.ndarray,
                        ieq: np.ndarray | None = None) -> np.ndarray:
        """Column currents [A] (out of the array into the sense circuit); ``(cols,)`` or ``(k, cols)``."""
        arr = self.array
        if arr.spec.sense == "tia":
            assert arr.tia_outputs is not None
            i = (x[arr.col_port] - x[arr.tia_outputs]) / arr.spec.r_feedback
            if arr.tia_outputs_top is not None and arr.col_port_top is not None:
                i = i + (x[arr.col_port_top] - x[arr.tia_outputs_top]) / arr.spec.r_feedback
        else:
            i = self.red.source_currents(x, data, b, ieq, self._sense)
            if len(self._sense_top):
                i = i + self.red.source_currents(x, data, b, ieq, self._sense_top)
        return i if x.ndim == 1 else i.T

    # linear -----------------------------------------------------------------------------
    def _linear_factor(self) -> Any:
        if self._lin_factor is None:
            self._lin_factor = self._factor(self.system.g_data)
        return self._lin_factor

    def _linear_solve(self, xd: np.ndarray, b: np.ndarray, data: np.ndarray | None = None,
                      fac: Any = None) -> np.ndarray:
        data = self.system.g_data if data is None else data
        fac = self._linear_factor() if fac is None else fac
        rhs = (b[self.red.free] if b.ndim == xd.ndim else b[self.red.free][:, None]) - self.red.a_fd(data) @ xd
        return self.red.assemble(self._solve(fac, rhs), xd)

    # nonlinear --------------------------------------------------------------------------
    def _load(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ctx = self.system.load_context()
        ctx.initialise = False
        ctx.cold = False
        nl, ieq = self.system.load_nonlinear(x, ctx)
        return self.system.g_data + nl, ieq

    def _residual(self, x: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        data, ieq = self._load(x)
        r = self.system.matrix(data) @ x + ieq - b
        return r[self.red.free], data, ieq

    def _tol(self, a: np.ndarray, b: np.ndarray, tight: bool) -> np.ndarray:
        o = self.system.options
        rel = 1e-12 if tight else o.reltol
        base = 1e-15 if tight else o.vntol
        scale = np.maximum(np.abs(a), np.abs(b))
        return rel * np.maximum(scale, np.max(scale) if scale.size else 0.0) + base

    def _newton(self, xd: np.ndarray, b: np.ndarray, x0: np.ndarray | None, tight: bool) -> tuple[np.ndarray, int]:
        """Exact Newton on the reduced system (one factorisation per iteration)."""
        itl = max(self.system.options.itl1, 50)
        x = self.red.assemble(np.zeros(self.red.nf), xd) if x0 is None else x0.copy()
        x[self.red.dirichlet] = xd
        for it in range(1, itl + 1):
            data, ieq = self._load(x)
            fac = self._factor(data)
            rhs = (b - ieq)[self.red.free] - self.red.a_fd(data) @ xd
            xf = self._solve(fac, rhs)
            delta = np.abs(xf - x[self.red.free])
            ok = bool(np.all(delta <= self._tol(xf, x[self.red.free], tight)))
            x[self.red.free] = xf
            if ok and it > 1:
                return x, it
        raise ConvergenceError(f"crossbar operating point: Newton did not converge in {itl} iterations",
                               analysis="crossbar op", point="", iterations=itl, worst_unknown="",
                               tried=("newton",))

    def _precond(self) -> Any:
        """Factorisation of the zero-bias Jacobian (kept for the whole batch)."""
        if self._p_factor is None:
            data, _ = self._load(np.zeros(self.system.n))
            self._p_factor = (self._factor(data), data)
        return self._p_factor

    # public -----------------------------------------------------------------------------
    def op(self, v: Any, *, x0: np.ndarray | None = None, tight: bool = True) -> CrossbarResult:
        """Operating point for row voltages ``v`` (``(rows,)``) with the other sources at their values.

        Linear arrays take one (cached) factorisation; bias-dependent cells take Newton from
        ``x0`` (default: zero) until every update is below ``1e-12`` relative (``tight``) or
        the circuit's reltol/vntol.
        """
        from xbar.crossbar.results import CrossbarResult

        vv = self._check_rows(v)
        if vv.ndim != 1:
            raise NetlistError("op takes one input vector; use batch() for several")
        if x0 is not None:
            x0 = validate.array(x0, "x0", copy=True)
            validate.shape_of(x0, "x0 (every unknown of the compiled circuit)", (self.system.n,))
        tight = validate.boolean(tight, "tight")
        return CrossbarResult.from_solution(self, *self._op_x(self.dirichlet(vv), self.base_rhs(), x0, tight), vv)

    def _op_x(self, xd: np.ndarray, b: np.ndarray, x0: np.ndarray | None, tight: bool
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, int, float]:
        t0 = time.perf_counter()
        if self.linear:
            x = self._linear_solve(xd, b)
            return x, self.system.g_data, None, 1, time.perf_counter() - t0
        x, it = self._newton(xd, b, x0, tight)
        data, ieq = self._load(x)
        return x, data, ieq, it, time.perf_counter() - t0

    def solve_sources(self, *, rows: Any, columns: Any = None, write_rows: Any = None,
                      tight: bool = True) -> CrossbarResult:
        """Operating point with explicit row, column-source and SOT write-line voltages [V].

        ``columns`` sets the column sources (``vbl{c}``, normally 0 V ammeters) — used by the
        write schemes; not available with ``sense="tia"``.
        """
        from xbar.crossbar.results import CrossbarResult

        vv = self._check_rows(rows)
        if vv.ndim != 1:
            raise NetlistError("solve_sources takes one vector of row voltages")
        tight = validate.boolean(tight, "tight")
        cols = None if columns is None else validate.array(columns, "column voltages", shape=(self.array.cols,), unit="V")
        if cols is not None and len(self._sense) == 0:
            raise NetlistError("column voltages need column sources (sense='ammeter' or 'resistor')")
        wr = None if write_rows is None else validate.array(write_rows, "write-line voltages", shape=(self.array.rows,),
                                                            unit="V")
        if wr is not None and len(self._wdrv) == 0:
            raise NetlistError("write-line voltages need SOT cells with write_lines='ground'")
        xd = self.dirichlet(vv, columns=cols, write_rows=wr)
        return CrossbarResult.from_solution(self, *self._op_x(xd, self.base_rhs(), None, tight), vv)

    def transfer_matrix(self) -> tuple[np.ndarray, np.ndarray]:
        """``(T, i0)`` with column currents ``I = V @ T + i0`` for any row voltages ``V``.

        One multi-RHS solve with one right-hand side per row input (linear arrays only).
        ``T`` is ``(rows, cols)`` [S], ``i0`` ``(cols,)`` [A] (from the other sources).
        """
        if not self.linear:
            raise NetlistError("the transfer matrix is defined for linear cells only; use batch()")
        if self._transfer is None:
            check_memory(self._transfer_bytes(), f"the transfer matrix of a {self.array.rows}×{self.array.cols} "
                         "crossbar", "use batch(method='factor')")
            N = self.array.rows
            b = self.base_rhs()
            xd0 = self.dirichlet(np.zeros(N))
            xd = np.repeat(xd0[:, None], N + 1, axis=1)
            eye = np.eye(N)
            xd[:, 1:] = 0.0
            xd[self._drv, 1:] = eye
            if len(self._drv_far):
                xd[self._drv_far, 1:] = eye
            bb = np.zeros((len(b), N + 1))
            bb[:, 0] = b
            x = self._linear_solve(xd, bb)
            i = self.column_currents(x, self.system.g_data, bb)
            self._transfer = (i[1:], i[0])
        return self._transfer

    def _output_functional(self) -> tuple[sp.csr_array, sp.csr_array]:
        """Column currents as a linear function of the unknowns: ``I = F_f x_f + F_d x_d``.

        Ammeter/resistor sense: KCL at the fixed column node (``I = s·(b_p − A_p x)``, the
        ``b_p`` part being constant); TIA sense: ``(v(bl) − v(tia))/R_f``. Rows are columns.
        """
        arr = self.array
        red = self.red
        M = arr.cols
        n = self.system.n
        if arr.spec.sense == "tia":
            assert arr.tia_outputs is not None
            ports = [(arr.col_port, arr.tia_outputs)]
            if arr.tia_outputs_top is not None and arr.col_port_top is not None:
                ports.append((arr.col_port_top, arr.tia_outputs_top))
            rows, cols, vals = [], [], []
            for port, out in ports:
                rows += [np.arange(M), np.arange(M)]
                cols += [port, out]
                vals += [np.full(M, 1.0 / arr.spec.r_feedback), np.full(M, -1.0 / arr.spec.r_feedback)]
            F = sp.csr_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(M, n))
        else:
            F = None
            for which in (self._sense, self._sense_top):
                if len(which) == 0:
                    continue
                nodes = red.dirichlet[which]
                part = -red.rows_of(nodes, self.system.g_data) * red.dir_sign[which][:, None]
                F = part if F is None else F + part
            assert F is not None
        F = sp.csc_array(F)
        return sp.csr_array(F[:, red.free]), sp.csr_array(F[:, red.dirichlet])

    def effective_matrix(self, method: str = "auto") -> tuple[np.ndarray, np.ndarray]:
        """``(T, i0)`` with column currents ``I = V @ T + i0`` (linear arrays; exact).

        ``method="adjoint"`` solves the transposed system once per output column
        (``Aᵀ y_c = f_c`` for the column-current functional ``f_c``), ``"forward"`` once per
        row input (:meth:`transfer_matrix`); ``"auto"`` takes the one with fewer solves.
        Both equal a direct solve to rounding; the adjoint is the cheaper one whenever an
        array has fewer columns than rows.
        """
        if not self.linear:
            raise NetlistError("the effective matrix is defined for linear cells only; use batch()")
        N, M = self.array.rows, self.array.cols
        if method == "auto":
            method = "adjoint" if M < N and self.solver_name == "superlu" and self.ordering == "nd" else "forward"
        if method == "forward":
            return self.transfer_matrix()
        if method != "adjoint":
            raise NetlistError(f"unknown method '{method}'; use 'adjoint', 'forward' or 'auto'")
        if self._transfer is not None:
            return self._transfer
        fac = self._linear_factor()
        Ff, Fd = self._output_functional()
        data = self.system.g_data
        A_fd = self.red.a_fd(data)
        b = self.base_rhs()
        if self.red.nf:
            t0 = time.perf_counter()
            Y = fac.solve(np.asarray(Ff.T.toarray()), trans=True)  # (nf, M)
            self.stats.solve_time += time.perf_counter() - t0
            self.stats.solves += M
        else:
            Y = np.zeros((0, M))
        # I = Ff xf + Fd xd (+ sense constants) with xf = A⁻¹ (b_f − A_fd xd)
        drv = np.concatenate([self._drv, self._drv_far]) if len(self._drv_far) else self._drv
        G = np.asarray(Fd.toarray()) - Y.T @ np.asarray(A_fd.toarray())  # (M, n_dirichlet)
        T = np.zeros((N, M))
        np.add.at(T, np.arange(N) if not len(self._drv_far) else np.tile(np.arange(N), 2), G[:, drv].T)
        xd0 = self.dirichlet(np.zeros(N))
        x0 = self._linear_solve(xd0, b)
        i0 = self.column_currents(x0, data, b)
        self._transfer = (T, i0)
        return self._transfer

    def batch(self, V: Any, *, method: str = "auto", tol: float = 1e-12, maxiter: int = 60,
              chunk: int | None = None) -> BatchResult:
        """Column currents for many input vectors ``V`` (``(k, rows)``).

        Methods: linear cells ``"factor"`` (one factorisation, chunked multi-RHS solves) or
        ``"transfer"`` (transfer matrix: ``rows`` solves, then one product), by default the
        one with fewer solves; bias-dependent cells
        ``"chord"`` (default: zero-bias factorisation, lock-step iterations),
        ``"newton-krylov"`` (GMRES preconditioned by the zero-bias factorisation) or
        ``"newton"`` (exact Newton per vector, warm starts). ``tol`` is the relative update
        size at which an iterative method stops.
        """
        from xbar.crossbar.results import BatchResult

        VV = np.atleast_2d(self._check_rows(V))
        k = VV.shape[0]
        method = validate.choice(method, "method", ("auto", "factor", "transfer", "chord", "newton-krylov", "newton"))
        tol = validate.real(tol, "tol", lo=0.0, lo_open=True, hi=1.0)
        maxiter = validate.integer(maxiter, "maxiter", lo=1, hi=1_000_000)
        if chunk is not None:
            chunk = validate.integer(chunk, "chunk", lo=1)
        check_memory(k * 8.0 * (self.array.rows + 3 * self.array.cols), f"a batch of {k} input vectors",
                     "split the batch")
        t0 = time.perf_counter()
        f0 = self.stats.factorizations
        if self.linear:
            if method == "auto":
                fits = self._transfer is not None or self._transfer_bytes() <= get_limits().max_memory
                method = "transfer" if k > self.array.rows and fits else "factor"
            if method == "transfer":
                T, i0 = self.transfer_matrix()
                I = VV @ T + i0
                iters = np.ones(k, dtype=np.int64)
            elif method == "factor":
                b = self.base_rhs()
                n = self.system.n
                budget = min(_CHUNK_BYTES, get_limits().max_memory / 2)
                size = chunk or max(1, int(budget // (8 * 3 * max(n, 1))))
                check_memory(8.0 * 3 * max(n, 1) * min(size, k), f"a chunk of {min(size, k)} right-hand sides",
                             "use a smaller chunk")
                I = np.empty((k, self.array.cols))
                for s in range(0, k, size):
                    xd = self.dirichlet(VV[s : s + size])
                    x = self._linear_solve(xd, b)
                    I[s : s + size] = self.column_currents(x, self.system.g_data, b)
                iters = np.ones(k, dtype=np.int64)
            else:
                raise NetlistError(f"unknown method '{method}' for linear cells; use 'factor' or 'transfer'")
        else:
            method = "chord" if method == "auto" else method
            runner: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
                "chord": self._batch_chord, "newton-krylov": self._batch_nk, "newton": self._batch_newton}
            if method not in runner:
                raise NetlistError(f"unknown method '{method}' for nonlinear cells; use 'chord', 'newton-krylov' or 'newton'")
            I, iters = runner[method](VV, tol=tol, maxiter=maxiter)
        return BatchResult(inputs=VV, currents=I, ideal=self.array.ideal(VV), method=method,
                           solver=self.solver_used or self.solver_name, iterations=iters,
                           factorizations=self.stats.factorizations - f0, seconds=time.perf_counter() - t0)

    def _batch_newton(self, VV: np.ndarray, *, tol: float, maxiter: int) -> tuple[np.ndarray, np.ndarray]:
        b = self.base_rhs()
        I = np.empty((VV.shape[0], self.array.cols))
        iters = np.zeros(VV.shape[0], dtype=np.int64)
        x = None
        for j, v in enumerate(VV):
            x, it = self._newton(self.dirichlet(v), b, x, True)
            data, ieq = self._load(x)
            I[j] = self.column_currents(x, data, b, ieq)
            iters[j] = it
        return I, iters

    def nonlinear_currents(self, X: np.ndarray) -> np.ndarray:
        """Nonlinear device currents leaving every node for solutions ``X`` (``(n, k)``).

        Vectorised over the ``k`` solutions through :meth:`DeviceGroup.nl_current_batch`
        (one sparse scatter per device group); kinds without it are evaluated per solution.
        """
        n, k = X.shape
        out = np.zeros((n, k))
        cache = self.__dict__.setdefault("_scatter", {})
        for g in self.system.nonlinear_groups:
            batch = g.nl_current_batch(X.T)
            if batch is not None:
                rows, cur = batch
                key = id(g)
                S = cache.get(key)
                if S is None or S.shape[1] != len(rows):
                    S = sp.csr_array((np.ones(len(rows)), (rows, np.arange(len(rows)))), shape=(n, len(rows)))
                    cache[key] = S
                out += S @ cur.T
                continue
            ctx = self.system.load_context()
            ctx.initialise = False
            ctx.cold = False
            prow, pcol = g.nl_pattern()
            for j in range(k):
                vals, rows, ieq = g.nl_load(X[:, j], ctx)
                okp = (prow >= 0) & (pcol >= 0)
                out[:, j] += np.bincount(prow[okp], weights=vals[okp] * X[pcol[okp], j], minlength=n)
                okr = rows >= 0
                out[:, j] += np.bincount(rows[okr], weights=ieq[okr], minlength=n)
        return out

    def _batch_chord(self, VV: np.ndarray, *, tol: float, maxiter: int) -> tuple[np.ndarray, np.ndarray]:
        """Chord iterations for all vectors at once (zero-bias Jacobian, vectorised residuals)."""
        if any(g.nl_current_batch(np.zeros((1, self.system.n))) is None for g in self.system.nonlinear_groups):
            return self._batch_chord_loop(VV, tol=tol, maxiter=maxiter)
        fac, pdata = self._precond()
        b = self.base_rhs()
        free = self.red.free
        A = self.system.matrix(self.system.g_data)
        k = VV.shape[0]
        size = max(1, int(_CHUNK_BYTES // (8 * 6 * max(self.system.n, 1))))
        I = np.empty((k, self.array.cols))
        iters = np.ones(k, dtype=np.int64)
        for s0 in range(0, k, size):
            sl = slice(s0, min(k, s0 + size))
            xd = self.dirichlet(VV[sl])
            rhs = b[free][:, None] - self.red.a_fd(pdata) @ xd
            X = self.red.assemble(self._solve(fac, rhs), xd)
            active = np.arange(X.shape[1])
            it = np.ones(X.shape[1], dtype=np.int64)
            for _ in range(maxiter):
                if len(active) == 0 or self.red.nf == 0:
                    break
                Xa = X[:, active]
                R = (A @ Xa + self.nonlinear_currents(Xa) - b[:, None])[free]
                dX = self._solve(fac, R)
                X[np.ix_(free, active)] -= dX
                it[active] += 1
                scale = np.max(np.abs(X[np.ix_(free, active)]), axis=0)
                done = np.max(np.abs(dX), axis=0) <= tol * np.maximum(scale, 1e-300) + 1e-18
                active = active[~done]
            if len(active):
                self.stats.notes.append(f"chord: {len(active)} vector(s) finished by Newton")
                for col in active:
                    x, extra = self._newton(xd[:, col], b, X[:, col], True)
                    X[:, col] = x
                    it[col] += extra
            ieq = self.nonlinear_currents(X)
            I[sl] = self.column_currents(X, self.system.g_data, b, ieq)
            iters[sl] = it
        return I, iters

    def _batch_chord_loop(self, VV: np.ndarray, *, tol: float, maxiter: int) -> tuple[np.ndarray, np.ndarray]:
        fac, pdata = self._precond()
        b = self.base_rhs()
        k = VV.shape[0]
        xd = self.dirichlet(VV)
        rhs = b[self.red.free][:, None] - self.red.a_fd(pdata) @ xd
        xf = self._solve(fac, rhs)
        X = self.red.assemble(xf, xd)
        iters = np.ones(k, dtype=np.int64)
        active = np.arange(k)
        free = self.red.free
        for _ in range(maxiter):
            if len(active) == 0 or self.red.nf == 0:
                break
            R = np.empty((self.red.nf, len(active)))
            for j, col in enumerate(active):
                R[:, j] = self._residual(X[:, col], b)[0]
            dX = self._solve(fac, R)
            X[np.ix_(free, active)] -= dX
            iters[active] += 1
            xa = np.abs(X[np.ix_(free, active)])
            scale = np.max(xa, axis=0) if len(xa) else np.zeros(len(active))
            done = np.max(np.abs(dX), axis=0) <= tol * np.maximum(scale, 1e-300) + 1e-18
            active = active[~done]
        if len(active):
            # fall back to exact Newton for the vectors the chord iteration did not settle
            self.stats.notes.append(f"chord: {len(active)} vector(s) finished by Newton")
            for col in active:
                x, it = self._newton(xd[:, col], b, X[:, col], True)
                X[:, col] = x
                iters[col] += it
        I = np.empty((k, self.array.cols))
        for j in range(k):
            data, ieq = self._load(X[:, j])
            I[j] = self.column_currents(X[:, j], data, b, ieq)
        return I, iters

    def _batch_nk(self, VV: np.ndarray, *, tol: float, maxiter: int) -> tuple[np.ndarray, np.ndarray]:
        fac, pdata = self._precond()
        b = self.base_rhs()
        k = VV.shape[0]
        nf = self.red.nf
        M = spla.LinearOperator((nf, nf), matvec=lambda r: self._solve(fac, np.asarray(r).ravel()), dtype=np.float64)
        I = np.empty((k, self.array.cols))
        iters = np.zeros(k, dtype=np.int64)
        x_prev: np.ndarray | None = None
        free = self.red.free
        for j, v in enumerate(VV):
            xd = self.dirichlet(v)
            if x_prev is None:
                rhs = b[free] - self.red.a_fd(pdata) @ xd
                x = self.red.assemble(self._solve(fac, rhs), xd)
            else:
                x = x_prev.copy()
                x[self.red.dirichlet] = xd
            it = 0
            for step in range(1, maxiter + 1 if nf else 1):
                it = step
                r, data, ieq = self._residual(x, b)
                J = self.red.a_ff(data)
                dx, info = spla.gmres(J, -r, M=M, rtol=1e-13, atol=0.0, restart=30, maxiter=20)
                if info != 0:
                    dx = self._solve(self._factor(data), -r)
                x[free] += dx
                scale = np.max(np.abs(x[free])) if nf else 0.0
                if np.max(np.abs(dx), initial=0.0) <= tol * max(scale, 1e-300) + 1e-18:
                    break
            else:
                if nf:
                    x, it2 = self._newton(xd, b, x, True)
                    it += it2
            iters[j] = it
            data, ieq = self._load(x)
            I[j] = self.column_currents(x, data, b, ieq)
            x_prev = x
        return I, iters
