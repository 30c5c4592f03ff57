"""Sparse linear solvers behind one small protocol, so other backends can be plugged in.

A solver turns a CSC matrix into a factorisation object whose ``solve`` takes one right-hand
side ``(n,)`` or many ``(n, k)``. The default is SuperLU (scipy) with COLAMD ordering; a
factorisation is kept by the caller and reused while the matrix values do not change.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from xbar.errors import NetlistError, SingularMatrixError

__all__ = ["SOLVERS", "Factorization", "LinearSolver", "SuperLUSolver", "equilibrate", "get_solver"]


class Factorization(Protocol):
    """A factorised matrix."""

    def solve(self, b: np.ndarray) -> np.ndarray:
        """Solve for one ``(n,)`` or many ``(n, k)`` right-hand sides."""
        ...


class LinearSolver(Protocol):
    """Factory of factorisations."""

    name: str

    def factor(self, A: sp.csc_array) -> Factorization:
        """Factorise ``A``; raise :class:`SingularMatrixError` if it is singular."""
        ...


class _SuperLUFactor:
    def __init__(self, lu: spla.SuperLU, row_scale: np.ndarray, col_scale: np.ndarray,
                 perm: np.ndarray | None = None) -> None:
        self._lu = lu
        self._r = row_scale
        self._c = col_scale
        self._perm = perm

    def solve(self, b: np.ndarray) -> np.ndarray:
        if self._perm is not None:
            p = self._perm
            y = _SuperLUFactor(self._lu, self._r[p], self._c[p]).solve(b[p])
            x = np.empty_like(y)
            x[p] = y
            return x
        if b.ndim == 1:
            x = self._c * self._lu.solve(self._r * b)
        else:
            # SuperLU's blocked solve is 2-3x slower per column than one column at a time
            # (measured on 128x128 crossbars), so loop over the right-hand sides
            rb = self._r[:, None] * b
            x = np.empty_like(rb)
            for j in range(rb.shape[1]):
                x[:, j] = self._lu.solve(np.ascontiguousarray(rb[:, j]))
            x *= self._c[:, None]
        if not np.all(np.isfinite(x)):
            raise SingularMatrixError("the MNA matrix is numerically singular (solution is not finite)")
        return x


def equilibrate(A: sp.csc_array) -> tuple[sp.csc_array, np.ndarray, np.ndarray]:
    """Row then column max-norm scaling ``Dr A Dc`` (entries of magnitude ≤ 1, each row and column
    reaching 1). MNA matrices mix conductances of 1e-9 S with unit incidence entries; without
    scaling the pivot order can lose many digits (found by the hypothesis tests)."""
    data = np.abs(A.data)
    n = A.shape[0]
    row_max = np.zeros(n)
    np.maximum.at(row_max, A.indices, data)
    # rows/columns whose largest entry is below 1e-300 keep scale 1 (1/max would overflow)
    r = np.where(row_max > 1e-300, 1.0 / np.where(row_max > 1e-300, row_max, 1.0), 1.0)
    scaled = A.data * r[A.indices]
    counts = np.diff(A.indptr)
    col_max = np.zeros(n)
    nonempty = counts > 0
    if np.any(nonempty):
        col_max[nonempty] = np.maximum.reduceat(np.abs(scaled), A.indptr[:-1][nonempty])
    c = np.where(col_max > 1e-300, 1.0 / np.where(col_max > 1e-300, col_max, 1.0), 1.0)
    scaled *= np.repeat(c, counts)
    As = sp.csc_array((scaled, A.indices, A.indptr), shape=A.shape)
    return As, r, c


class SuperLUSolver:
    """scipy SuperLU with a fill-reducing ordering.

    The default ``MMD_AT_PLUS_A`` (minimum degree on the structure of A + Aᵀ) suits MNA
    matrices, whose structure is symmetric but for controlled sources: on a 256×256 crossbar it
    gives 25 % less fill than COLAMD, and on a bench where one source feeds many SOT channels
    20× less. ``COLAMD`` remains available.
    """

    name = "superlu"

    #: from this many unknowns on, a METIS nested-dissection ordering (computed once per
    #: sparsity pattern and reused by every later factorisation) replaces SuperLU's own
    #: ordering: on a 512x512 crossbar it cuts the factorisation from ~17 s to ~6 s
    nested_dissection_min = 100_000
    #: threshold partial pivoting: keep the diagonal pivot unless it is below this fraction of
    #: the column's largest entry. With 1.0 (plain partial pivoting) crossbars with unequal wire
    #: segments pivot off the diagonal and fill explodes (128x128: 49 s instead of 0.2 s); SPICE
    #: uses 1e-3, 0.1 keeps SuperLU's stability margin on the equilibrated matrix
    pivot_threshold = 0.1

    def __init__(self, permc_spec: str = "MMD_AT_PLUS_A") -> None:
        self.permc_spec = permc_spec
        self._orders: dict[tuple[int, ...], np.ndarray | None] = {}
        self._not_reducible: set[tuple[int, ...]] = set()

    #: from this many unknowns on, the nodes held by grounded voltage sources are eliminated
    #: first and the symmetric rest is factorised (:func:`xbar.mna.solvers_large.reduced_superlu`);
    #: circuits the reduction does not fit (controlled sources, floating sources) fall back to
    #: SuperLU on the whole matrix
    nodal_min = 10_000

    def factor(self, A: sp.csc_array) -> Factorization:
        n = A.shape[0]
        if n >= self.nodal_min:
            # a pattern the reduction did not fit is not analysed again (transient steps,
            # Newton iterations and sweep points refactorise the same pattern)
            pattern = (n, A.nnz, hash(A.indptr[:: max(1, n // 512)].tobytes()),
                       hash(A.indices[:: max(1, A.nnz // 512)].tobytes()))
            if pattern not in self._not_reducible:
                from xbar.mna.solvers_large import reduced_superlu

                fac = reduced_superlu(A, self._orders)
                if not isinstance(fac, str):
                    return fac
                self._not_reducible.add(pattern)
        As, r, c = equilibrate(A)
        n = As.shape[0]
        key = (n, As.nnz, hash(As.indptr[:: max(1, n // 512)].tobytes()),
               hash(As.indices[:: max(1, As.nnz // 512)].tobytes()))
        perm = self._orders.get(key)
        if perm is None and n >= self.nested_dissection_min and self.permc_spec == "MMD_AT_PLUS_A":
            perm = self._orders[key] = _nested_dissection(As)
        try:
            if perm is None:
                # (SuperLU's own perm_c is not reusable as a symmetric ordering: tried, 150x
                # slower on a 256x256 crossbar)
                lu = spla.splu(As, permc_spec=self.permc_spec, diag_pivot_thresh=self.pivot_threshold)
                return _SuperLUFactor(lu, r, c)
            lu = spla.splu(_permute(As, perm), permc_spec="NATURAL", diag_pivot_thresh=self.pivot_threshold,
                           options={"SymmetricMode": True})
        except RuntimeError as exc:
            raise SingularMatrixError(f"the MNA matrix is singular ({exc})") from None
        return _SuperLUFactor(lu, r, c, perm)


def _nested_dissection(A: sp.csc_array) -> np.ndarray | None:
    """METIS nested-dissection ordering of the structure of A + Aᵀ (None without pymetis)."""
    try:
        import pymetis
    except ImportError:
        return None
    n = A.shape[0]
    cols = np.repeat(np.arange(n), np.diff(A.indptr))
    rows = A.indices
    off = rows != cols
    r = np.concatenate([rows[off], cols[off]])
    c = np.concatenate([cols[off], rows[off]])
    S = sp.csr_array((np.ones(len(r), dtype=np.int8), (r, c)), shape=(n, n))
    S.sum_duplicates()
    adjacency = pymetis.CSRAdjacency(S.indptr.astype(np.int32), S.indices.astype(np.int32))
    perm, _ = pymetis.nested_dissection(adjacency)
    return np.asarray(perm, dtype=np.int64)


def _permute(A: sp.csc_array, perm: np.ndarray) -> sp.csc_array:
    """``A[perm][:, perm]`` built from coordinates (O(nnz))."""
    n = A.shape[0]
    inv = np.empty(n, dtype=np.int64)
    inv[perm] = np.arange(n)
    cols = np.repeat(np.arange(n), np.diff(A.indptr))
    return sp.csc_array((A.data, (inv[A.indices], inv[cols])), shape=A.shape)


SOLVERS: dict[str, type] = {"superlu": SuperLUSolver}


def get_solver(name: str = "superlu") -> LinearSolver:
    """Solver by name (``superlu``, ``cholmod``, ``amg-cg``, ``auto``).

    Raises
    ------
    NetlistError
        For an unknown name (a ``ValueError`` too).
    MissingDependencyError
        When the solver's package is not installed (the message says what to install).
    """
    if not isinstance(name, str) or name not in SOLVERS:
        raise NetlistError(f"unknown linear solver {name!r}; known: {', '.join(sorted(SOLVERS))}")
    return SOLVERS[name]()  # type: ignore[no-any-return]


def _register_large_solvers() -> None:
    """Add the large-network solvers of :mod:`xbar.mna.solvers_large` (CHOLMOD, AMG-CG, auto)."""
    from xbar.mna import solvers_large

    SOLVERS.update({"cholmod": solvers_large.CholmodSolver, "amg-cg": solvers_large.AmgCgSolver,
                    "auto": solvers_large.AutoSolver})


_register_large_solvers()
