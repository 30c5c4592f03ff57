"""Batched exact solves of nonlinear crossbar reads in cell-port form.

For the "L" layout (rows driven at their start, columns sensed at their end, single ends),
Kirchhoff's laws of the whole array reduce to one equation per cell barrier. With cell
currents ``I[r, c]`` (row side to column side), the row wire carries ``S[r, s] = Σ_{j≥s} I[r, j]``
through its segment ``s`` (the one before cell ``s``) and the driver carries ``S[r, 0]``; the
column wire carries ``T[r, c] = Σ_{i≤r} I[i, c]`` through the segment below cell ``r`` and the
sense input carries ``T[N−1, c]``. Hence the node voltages

``wl[r, c] = V_r − R_drv,r S[r, 0] − Σ_{s≤c} R_row[r, s] S[r, s]``,
``bl[r, c] = R_in,c T[N−1, c] + Σ_{s≥r} R_col[s, c] T[s, c]``,

with ``R_in`` the sense circuit's input resistance (0 for an ammeter, ``r_sense`` for a sense
resistor, ``R_f/(1 + A)`` for a TIA of gain ``A``; the TIA's output current is then exactly
the column current). A cell holds ``n`` barriers (``n = 1``: a two-terminal MTJ or resistor;
compound SOT-MTJs: ``n`` cells on a channel whose ``w1`` end floats) with currents
``i_k = h_k(v_k)`` and channel impedance ``R_ch`` (``n × n``, ``R_ch[k, j] = Σ_{m≥max(k,j)} R_m``
to the channel end at the column), so the barrier voltages obey

``F(v) = v − (wl − bl) + R_ch i(v) = 0``,   ``I = Σ_k i_k``.

The linear operator ``v ← (wl − bl)`` part is the port impedance ``D`` of the wires (two
cumulative sums per direction, ``O(rows × cols)``), symmetric positive semidefinite, so each
Newton step ``(1 + 𝔻 H) δ = −F`` (``H = diag(h')``, ``𝔻 = E D Eᵀ + R_ch``) is solved by
conjugate gradients on the symmetric form ``(1 + H^½ 𝔻 H^½) y = −H^½ F``. Everything is
vectorised over a block of input vectors. This is an exact reformulation of the same circuit
(no approximation): :class:`PortSolver` agrees with the MNA solution of
:class:`~xbar.crossbar.solve.CrossbarSolver` to rounding (``tests/test_crossbar_ports.py``),
and it needs no sparse factorisation, so batches of thousands of vectors cost a few dozen
passes over the cells each.

Supported: ``drive="single"``, ``sense_ends="single"``, no access devices, cells
``"resistor"``, ``"mtj"`` and ``"sotmtj"`` with ``write_lines="float"``; any wire, driver and
sense resistances, and empty cross-points.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from xbar import validate
from xbar.errors import ArgumentTypeError, ConvergenceError, NetlistError
from xbar.reprs import short_repr

if TYPE_CHECKING:
    from xbar.crossbar.builder import CrossbarArray

__all__ = ["PortBatch", "PortSolver"]

F64 = npt.NDArray[np.float64]


@dataclass
class PortBatch:
    """Result of :meth:`PortSolver.batch`.

    Attributes
    ----------
    currents : (k, cols) array
        Column currents [A].
    newton : (k,) int array
        Newton steps per vector.
    cg : int
        Conjugate-gradient iterations in total (all blocks).
    residual : float
        Largest ``|F(v)|`` over all barriers and vectors at the end [V].
    seconds : float
    """

    __repr__ = short_repr

    currents: F64
    newton: npt.NDArray[np.int64]
    cg: int
    residual: float
    seconds: float


@validate.checked_calls
class PortSolver:
    """Cell-port solver of one array (module docstring).

    Parameters
    ----------
    array : CrossbarArray
        Built with the supported options (module docstring).
    """

    def __init__(self, array: CrossbarArray) -> None:
        from xbar.crossbar.builder import CrossbarArray

        if not isinstance(array, CrossbarArray):
            raise ArgumentTypeError(f"PortSolver takes a CrossbarArray (xbar.crossbar.build_crossbar), got "
                                    f"{type(array).__name__}")
        spec = array.spec
        why = []
        if spec.drive != "single" or spec.sense_ends != "single":
            why.append("single drive and single sense ends")
        if spec.r_access is not None:
            why.append("no access devices")
        if spec.cell == "smtj":
            why.append("resistor, mtj or sotmtj cells")
        if spec.cell == "sotmtj" and spec.write_lines != "float":
            why.append("SOT cells with write_lines='float'")
        if why:
            raise NetlistError("the port solver needs " + ", ".join(why))
        from xbar.crossbar.builder import _grid
        from xbar.crossbar.cells import cell_group

        self.array = array
        N, M = array.rows, array.cols
        (rs, cs) = spec.segment_shapes()
        self.r_row = _grid(spec.r_row, rs, "r_row")[:, :M]
        self.r_col = _grid(spec.r_col, cs, "r_col")[-N:, :]
        self.r_drv = _grid(spec.r_driver, (N,), "r_driver")
        if spec.sense == "ammeter":
            r_in = 0.0
        elif spec.sense == "resistor":
            r_in = float(spec.r_sense)
        else:
            r_in = float(spec.r_feedback) / (1.0 + float(spec.tia_gain))
        self.r_in = np.full(M, r_in)
        self.group, self.sl = cell_group(array)
        self.pos = array.cell_positions
        self.mask = np.zeros(N * M, dtype=bool)
        self.mask[self.pos] = True
        self.mask = self.mask.reshape(N, M)
        self._grids: tuple[F64, F64, npt.NDArray[np.bool_], float] | None = None
        if spec.cell == "sotmtj":
            rseg = np.asarray(self.group.rseg, dtype=np.float64)
            n = len(rseg) - 1
            tail = np.cumsum(rseg[::-1])[::-1]  # tail[m] = Σ_{m'≥m} rseg[m']
            k = np.arange(1, n + 1)
            self.r_ch = tail[np.maximum.outer(k, k)]
            self.nb = n
        else:
            self.r_ch = None
            self.nb = 1

    # cell laws -------------------------------------------------------------------------------
    def _law_grids(self) -> tuple[F64, F64, npt.NDArray[np.bool_], float] | None:
        """``(R_P, TMR0, AP, V_h)`` of every barrier on the grid ``(nb, N, M)`` (MTJ kinds)."""
        if self._grids is None:
            arrays = self.group.barrier_arrays()
            if arrays is None:
                return None
            rp, tmr, ap, vh = arrays
            N, M = self.array.rows, self.array.cols

            def grid(a: Any, fill: Any) -> Any:
                cells = np.asarray(a)[self.sl].reshape(len(self.pos), -1).T  # (nb, cells)
                out = np.full((self.nb, N * M), fill, dtype=cells.dtype)
                out[:, self.pos] = cells
                return out.reshape(self.nb, N, M)

            self._grids = (grid(rp, 1.0), grid(tmr, 0.0), grid(ap, False), vh)
        return self._grids

    def _law(self, v: F64) -> tuple[F64, F64]:
        """Barrier currents ``h(v)`` and ``h'(v)`` on the grid, ``v`` of shape ``(B, nb, N, M)``.

        MTJ kinds evaluate the device's own law
        (:func:`~xbar.devices.mtj.physics.barrier_conductance` with the group's per-barrier
        ``R_P``, ``TMR0`` and state) directly on the grid; otherwise the group's
        ``conductance`` is called on the cells. Empty cross-points get ``h = h' = 0``.
        """
        kind = self.array.spec.cell
        if kind == "resistor":
            g = self._to_grid(np.broadcast_to(1.0 / self.group.r[self.sl], (1, 1, len(self.pos))))
            return g * v, np.broadcast_to(g, v.shape)
        grids = self._law_grids()
        if grids is not None:
            from xbar.devices.mtj.physics import barrier_conductance

            rp, tmr, ap, vh = grids
            g, dg = barrier_conductance(v, rp, tmr, vh, ap)
            h = g * v
            dh = g + v * dg
            h *= self.mask
            dh *= self.mask
            return h, dh
        B = v.shape[0]
        N, M = self.array.rows, self.array.cols
        vc = v.reshape(B, self.nb, N * M)[:, :, self.pos]  # (B, nb, cells)
        if kind == "mtj":
            full = np.zeros((B, len(self.group)))
            full[:, self.sl] = vc[:, 0]
            g, dg = self.group.conductance(full)
            g, dg = g[:, self.sl][:, None], dg[:, self.sl][:, None]
        else:
            full = np.zeros((B, len(self.group), self.nb))
            full[:, self.sl] = np.swapaxes(vc, 1, 2)
            g, dg = self.group.conductance(full)
            g, dg = np.swapaxes(g[:, self.sl], 1, 2), np.swapaxes(dg[:, self.sl], 1, 2)
        return self._to_grid(g * vc), self._to_grid(g + vc * dg)

    def _to_grid(self, cell_vals: F64) -> F64:
        """``(B, nb, cells)`` → ``(B, nb, N, M)`` with zeros at empty cross-points."""
        B = cell_vals.shape[0]
        N, M = self.array.rows, self.array.cols
        if len(self.pos) == N * M:
            return np.ascontiguousarray(cell_vals).reshape(B, self.nb, N, M)
        out = np.zeros((B, self.nb, N * M), dtype=cell_vals.dtype)
        out[:, :, self.pos] = cell_vals
        return out.reshape(B, self.nb, N, M)

    # wire operator ---------------------------------------------------------------------------
    def _drop(self, I: F64) -> F64:
        """Voltage taken from every cell's ``wl − bl`` by cell currents ``I`` (``(B, N, M)``).

        Reverse cumulative sums are written as ``total − cumsum + term`` so that every pass
        runs over contiguous memory.
        """
        w = self._wires(I.dtype)
        C = np.cumsum(I, axis=-1)
        tot = C[..., -1:].copy()
        S = tot - C
        S += I  # S[r, s] = Σ_{j≥s} I[r, j]
        S *= w["r_row"]
        out = np.cumsum(S, axis=-1, out=S)
        out += w["r_drv"] * tot
        T = np.cumsum(I, axis=-2, out=C)  # T[r, c] = Σ_{i≤r} I[i, c]
        colsum = T[..., -1:, :].copy()
        T *= w["r_col"]
        W = np.cumsum(T, axis=-2)
        # Σ_{s≥r} R_col[s] T[s] = W[N−1] − W[r] + R_col[r] T[r]
        out += W[..., -1:, :]
        out -= W
        out += T
        colsum *= w["r_in"]
        out += colsum
        return out

    def _wires(self, dtype: Any) -> dict[str, Any]:
        key = np.dtype(dtype).str
        cache = self.__dict__.setdefault("_wire_cache", {})
        if key not in cache:
            cache[key] = {"r_row": self.r_row.astype(dtype), "r_col": self.r_col.astype(dtype),
                          "r_drv": self.r_drv[:, None].astype(dtype), "r_in": self.r_in.astype(dtype),
                          "r_ch": None if self.r_ch is None else self.r_ch.astype(dtype)}
        return cache[key]

    def _op(self, w: F64) -> F64:
        """``𝔻 w`` for barrier currents ``w`` of shape ``(B, nb, N, M)``."""
        I = w[:, 0] if self.nb == 1 else w.sum(axis=1)
        D = self._drop(I)[:, None]
        if self.nb == 1:
            return D
        rch = self._wires(w.dtype)["r_ch"]
        out = np.empty_like(w)
        for k in range(self.nb):
            acc = D[:, 0] + rch[k, 0] * w[:, 0]
            for j in range(1, self.nb):
                acc += rch[k, j] * w[:, j]
            out[:, k] = acc
        return out

    def _u0(self, vin: F64) -> F64:
        B = vin.shape[0]
        N, M = self.array.rows, self.array.cols
        u = np.broadcast_to(vin[:, None, :, None], (B, self.nb, N, M))
        return u * self.mask

    def _residual(self, v: F64, vin: F64) -> tuple[F64, F64, F64]:
        h, dh = self._law(v)
        F = v - self._u0(vin) + self._op(h)
        F *= self.mask
        return F, h, dh

    def _newton_step(self, F: F64, dh: F64, dt: Any, eta: float) -> tuple[F64, int]:
        """Solve ``(1 + 𝔻H) δ = −F`` through the per-cell Schur complement.

        With ``B_c = 1 + R_ch H_c`` per cell, the cell-current change ``s = Σ_k h'_k δ_k``
        obeys ``(1 + Γ D) s = −q`` with ``Γ_c = 1ᵀ H_c B_c⁻¹ 1`` (the cell's differential
        conductance seen from its terminals) and ``q_c = 1ᵀ H_c B_c⁻¹ F_c``; CG solves its
        symmetric form ``(1 + Γ^½ D Γ^½) z = −Γ^{−½} q``, ``s = Γ^½ z``, and then
        ``δ = −B⁻¹ F − (D s) B⁻¹ 1``. For two-terminal cells ``B = 1``.
        """
        if self.nb == 1:
            y1 = None
            yF = F[:, 0]
            gamma = dh[:, 0]
            q = gamma * yF
        else:
            y1, yF = _cell_solve(self.r_ch, dh, F)
            gamma = np.sum(dh * y1, axis=1)
            q = np.sum(dh * yF, axis=1)
        pos = gamma > 0
        sq = np.sqrt(gamma).astype(dt)
        rhs = np.where(pos, -q / np.where(pos, np.sqrt(gamma), 1.0), 0.0).astype(dt)
        z, its = _cg(lambda w: w + sq * self._drop(sq * w), rhs, eta)
        s = sq.astype(np.float64) * z
        Ds = self._drop(s)
        delta = (-yF - Ds)[:, None] if y1 is None else -yF - Ds[:, None] * y1
        delta *= self.mask
        return delta, its

    # public -----------------------------------------------------------------------------------
    def linear_map(self) -> F64:
        """Cell voltages of the zero-bias (linearised) array per unit row input.

        Returns ``K`` of shape ``(rows, rows·cols)`` (float32): the cell voltages
        ``u_lin = V K`` of the array with every barrier at its zero-bias differential
        conductance, to about 1e-6. :meth:`batch` starts Newton from it when given
        (``start=K``; every barrier of a cell starts at the cell voltage); it costs one
        single-precision Newton step for ``rows`` unit vectors.
        """
        N, M = self.array.rows, self.array.cols
        v0 = np.zeros((N, self.nb, N, M))
        _, h0 = self._law(v0[:1])
        dh = np.broadcast_to(h0, v0.shape)
        F = -self._u0(np.eye(N))  # residual at v = 0 with zero-bias (linear) barriers
        delta, _ = self._newton_step(F, dh, np.float32, 1e-6)
        # the cell voltage is the first barrier's plus its channel drop (R_ch h)_0
        u = delta[:, 0] if self.r_ch is None else delta[:, 0] + np.einsum("j,bjnm->bnm", self.r_ch[0], h0 * delta)
        return np.ascontiguousarray(u.reshape(N, N * M), dtype=np.float32)

    def batch(self, V: npt.ArrayLike, *, tol: float = 1e-11, max_newton: int = 30,
              block: int | None = None, start: F64 | None = None, inner: str = "float32") -> PortBatch:
        """Column currents for input vectors ``V`` (``(k, rows)`` row voltages [V]).

        Inexact Newton on the barrier voltages: each step's linear system is solved by CG to
        ``1e-5`` of its right-hand side (``inner="float32"``: in single precision; the Newton
        residual itself is always evaluated in double), until the residual of every vector
        satisfies ``max |F| ≤ tol · max |v|`` (``F`` in volts: the KCL mismatch expressed as
        barrier voltage; since ``‖(1 + 𝔻H)⁻¹‖ ≤ 1``, the barrier voltages are then within
        ``tol`` relative of the exact solution). The largest final ``max |F|`` [V] is
        reported. ``start``: the :meth:`linear_map` as initial guess (default: the row
        voltages without IR drop).
        """
        t0 = time.perf_counter()
        N, M = self.array.rows, self.array.cols
        VV = np.atleast_2d(self.array._row_inputs(V, "input vectors"))  # shape, finite, memory
        tol = validate.real(tol, "tol", lo=0.0, lo_open=True, hi=1.0)
        max_newton = validate.integer(max_newton, "max_newton", lo=0, hi=10_000)
        if block is not None:
            block = validate.integer(block, "block", lo=1)
        if start is not None:  # the map of linear_map(): shape and type checked, not every element
            start = validate.as_array(start, "start (PortSolver.linear_map())")
            if start.shape != (N, N * M):
                raise NetlistError(f"start must be the linear map (PortSolver.linear_map()) of shape "
                                   f"({N}, {N * M}), got {start.shape}")
        inner = validate.choice(inner, "inner", ("float32", "float64"))
        dt = np.float32 if inner == "float32" else np.float64
        eta = 1e-5 if inner == "float32" else 1e-8
        k = VV.shape[0]
        if block is None:
            block = max(1, int(48e6 // (8 * N * M * (10 + 4 * self.nb))))
        I_out = np.empty((k, M))
        newton = np.zeros(k, dtype=np.int64)
        cg_total = 0
        worst = 0.0
        absent = ~self.mask
        for s in range(0, k, block):
            vin = VV[s : s + block]
            B = len(vin)
            if start is not None:
                u = (vin.astype(np.float32) @ start).reshape(B, 1, N, M)
                v = np.repeat(u.astype(np.float64), self.nb, axis=1)
            else:
                v = self._u0(vin).copy()
            active = np.ones(B, dtype=bool)
            steps = np.zeros(B, dtype=np.int64)
            for _ in range(max_newton + 1):
                idx = np.flatnonzero(active)
                if len(idx) == 0:
                    break
                va = v[idx]
                F, h, dh = self._residual(va, vin[idx])
                scale = np.maximum(np.max(np.abs(va), axis=(1, 2, 3)), 1e-300)
                err = np.max(np.abs(F), axis=(1, 2, 3))
                ok = err <= tol * scale
                if np.any(ok):
                    active[idx[ok]] = False
                    I_out[s + idx[ok]] = h[ok].sum(axis=(1, 2))
                    worst = max(worst, float(np.max(err[ok])))
                    idx, va, F, dh = idx[~ok], va[~ok], F[~ok], dh[~ok]
                    if len(idx) == 0:
                        break
                if steps[idx[0]] >= max_newton:
                    break
                if not (np.all(np.isfinite(dh)) and np.all((dh > 0) | absent)):
                    raise ConvergenceError("port solver: a cell's differential conductance is not positive and "
                                           "finite; use CrossbarSolver.batch(method='newton')",
                                           analysis="crossbar batch", tried=("newton-cg",))
                delta, its = self._newton_step(F, dh, dt, eta)
                cg_total += its
                v[idx] = va + delta
                steps[idx] += 1
            if np.any(active):
                raise ConvergenceError(f"port solver: Newton did not converge in {max_newton} steps",
                                       analysis="crossbar batch", iterations=max_newton, tried=("newton-cg",))
            newton[s : s + B] = steps
        return PortBatch(I_out, newton, cg_total, worst, time.perf_counter() - t0)


def _cell_solve(r_ch: F64, dh: F64, F: F64) -> tuple[F64, F64]:
    """``B⁻¹ 1`` and ``B⁻¹ F`` for every cell, ``B = 1 + R_ch diag(h')`` (``n × n`` per cell).

    Gaussian elimination without pivoting, vectorised over the grid: ``B`` is diagonally
    dominant (channel resistances of hundreds of ohms against barriers of kilo-ohms).
    ``dh`` and ``F`` have shape ``(B, n, N, M)``.
    """
    n = dh.shape[1]
    A = [[(1.0 if k == j else 0.0) + r_ch[k, j] * dh[:, j] for j in range(n)] for k in range(n)]
    b1 = [np.ones_like(dh[:, 0]) for _ in range(n)]
    bF = [F[:, k].copy() for k in range(n)]
    for p in range(n):
        for k in range(p + 1, n):
            f = A[k][p] / A[p][p]
            for j in range(p + 1, n):
                A[k][j] = A[k][j] - f * A[p][j]
            b1[k] = b1[k] - f * b1[p]
            bF[k] = bF[k] - f * bF[p]
    x1: list[Any] = [None] * n
    xF: list[Any] = [None] * n
    for k in range(n - 1, -1, -1):
        a1, aF = b1[k], bF[k]
        for j in range(k + 1, n):
            a1 = a1 - A[k][j] * x1[j]
            aF = aF - A[k][j] * xF[j]
        x1[k] = a1 / A[k][k]
        xF[k] = aF / A[k][k]
    return np.stack(x1, axis=1), np.stack(xF, axis=1)


def _cg(apply: Any, b: F64, rtol: float, maxiter: int = 500) -> tuple[F64, int]:
    """Conjugate gradients on a block of independent SPD systems (one per leading index)."""
    x = np.zeros_like(b)
    r = b.copy()
    p = r.copy()
    axes = tuple(range(1, b.ndim))
    rr = np.sum(r * r, axis=axes)
    stop = (rtol**2) * np.maximum(rr, 1e-300)
    shape = (-1,) + (1,) * (b.ndim - 1)
    for it in range(1, maxiter + 1):
        Ap = apply(p)
        pAp = np.sum(p * Ap, axis=axes)
        alpha = np.where(pAp > 0, rr / np.where(pAp > 0, pAp, 1.0), 0.0)
        x += alpha.reshape(shape) * p
        r -= alpha.reshape(shape) * Ap
        rr_new = np.sum(r * r, axis=axes)
        if np.all(rr_new <= stop):
            return x, it
        beta = np.where(rr > 0, rr_new / np.where(rr > 0, rr, 1.0), 0.0)
        p = r + beta.reshape(shape) * p
        rr = rr_new
    return x, maxiter
