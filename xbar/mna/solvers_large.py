"""Linear solvers for very large resistive networks (crossbars of 10⁵…10⁷ unknowns).

The MNA matrix of a crossbar is, but for a few rows, the nodal conductance matrix of a resistor
network: symmetric positive definite. What spoils it are the branch-current unknowns of the
voltage sources (drivers, 0 V ammeters). When a source ties a node to ground, its branch row
reads ``±v_k = V`` (one nonzero) and its branch current appears only in the KCL row of node
``k``. :class:`NodalReduction` finds such pairs in the matrix alone (the solver protocol passes
nothing else), fixes ``v_k``, moves its column to the right-hand side and recovers the branch
current from row ``k`` after the solve. What remains is a symmetric system on the free nodes,
solved by

* :class:`CholmodSolver`: sparse Cholesky (CHOLMOD through scikit-sparse, supernodal, METIS or
  AMD ordering); the symbolic analysis is reused while the sparsity pattern stays the same, as
  in Newton iterations and transient steps;
* :class:`AmgCgSolver`: conjugate gradients preconditioned by algebraic multigrid (pyamg,
  classical Ruge–Stüben or smoothed aggregation) on the Jacobi-scaled system, to a stated
  residual tolerance;
* :class:`AutoSolver`: SuperLU below a size threshold, CHOLMOD (when importable) or AMG-CG
  above it.

Whenever the structure does not allow the reduction (controlled sources, floating voltage
sources, inductors in a transient, a reduced matrix that is not symmetric, not positive definite
or, for CG, not a diagonally dominant matrix with every part tied to a fixed node), the solvers
fall back to the default SuperLU on the matrix as given: they never return an answer of a
method whose preconditions do not hold. Every factorisation solves the original MNA system
(all unknowns, branch currents included) and tells what it did in ``.name`` and
``.description``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from xbar.errors import ConvergenceError, MissingDependencyError, NetlistError, SingularMatrixError
from xbar.reprs import short_repr

if TYPE_CHECKING:
    from xbar.mna.linsolve import Factorization

# xbar.mna.linsolve registers these solvers in its SOLVERS table by importing this module at
# its end, so this module imports linsolve only inside functions (no import cycle)

__all__ = [
    "AmgCgSolver",
    "AutoSolver",
    "CholmodSolver",
    "NodalReduction",
    "ReducedFactorization",
    "cholmod_available",
    "pyamg_available",
    "reduced_superlu",
]

_CHOLMOD_HINT = ("CHOLMOD needs scikit-sparse: `apt-get install libsuitesparse-dev` then "
                 "`pip install 'scikit-sparse>=0.4.16,<0.5'` (0.5 needs SuiteSparse 7)")
_PYAMG_HINT = "AMG-CG needs pyamg: `pip install pyamg`"

# entries of the reduced matrix that must match their transpose to this relative tolerance
_SYM_RTOL = 1e-13
# rounding allowance in the diagonal-dominance test (AMG-CG)
_DOM_RTOL = 1e-12
# CG's residual floor in units of ε‖|S||x| + |b|‖₂, and restarts from the true residual
_CG_FLOOR = 16.0
_CG_RESTARTS = 4


def cholmod_available() -> bool:
    """True when scikit-sparse's CHOLMOD can be imported."""
    try:
        import sksparse.cholmod  # noqa: F401
    except ImportError:
        return False
    return True


def pyamg_available() -> bool:
    """True when pyamg can be imported."""
    try:
        import pyamg  # noqa: F401
    except ImportError:
        return False
    return True


# ------------------------------------------------------------------------------------------
# structure: grounded voltage sources -> fixed node voltages
# ------------------------------------------------------------------------------------------
def _canonical(A: Any) -> sp.csc_array:
    """``A`` as a canonical CSC array (sorted indices, no duplicates), copying only if needed."""
    if not isinstance(A, sp.csc_array):
        A = sp.csc_array(A)
    if not A.has_canonical_format:
        A = A.copy()
        A.sum_duplicates()
    return A


def _sub(data: np.ndarray, rows: np.ndarray, cols: np.ndarray, keep: np.ndarray,
         row_map: np.ndarray, col_map: np.ndarray, shape: tuple[int, int]) -> sp.csr_array:
    """The entries ``keep`` of a COO triple, renumbered by ``row_map``/``col_map``, as CSR."""
    m = sp.coo_array((data[keep], (row_map[rows[keep]], col_map[cols[keep]])), shape=shape)
    return m.tocsr()


@dataclass
class NodalReduction:
    """The MNA system split by grounded voltage sources (see the module docstring).

    With ``D`` the defining rows (one nonzero ``a_{r,k(r)}``), ``K = k(D)`` the fixed unknowns
    and ``U`` the rest::

        x_K = b_D / a_DK
        S x_U = b_U − A_UK x_K                  (S = A_UU, symmetric)
        x_D = (b_K − A_KU x_U − A_KK x_K) / a_KD

    Attributes
    ----------
    n : int
        Size of the original system.
    free, fixed, defining : ndarray of int
        ``U``, ``K`` and ``D`` (``fixed[i]`` is fixed by row ``defining[i]``).
    S : scipy.sparse.csc_array
        ``A_UU``, symmetric (checked), canonical.
    """

    __repr__ = short_repr

    n: int
    free: np.ndarray
    fixed: np.ndarray
    defining: np.ndarray
    a_dk: np.ndarray
    a_kd: np.ndarray
    S: sp.csc_array
    A_uk: sp.csr_array
    A_ku: sp.csr_array
    A_kk: sp.csr_array

    @classmethod
    def analyse(cls, A: Any) -> NodalReduction | str:
        """The reduction of ``A``, or a string saying why the structure does not allow one."""
        A = _canonical(A)
        n = A.shape[0]
        if A.shape != (n, n):
            return f"matrix is not square {A.shape}"
        nz = A.data != 0.0
        rows = A.indices.astype(np.int64)
        cols = np.repeat(np.arange(n, dtype=np.int64), np.diff(A.indptr))
        row_count = np.bincount(rows[nz], minlength=n)
        col_count = np.bincount(cols[nz], minlength=n)
        if np.any(row_count == 0) or np.any(col_count == 0):
            return "matrix has an empty row or column (singular)"
        # defining rows r: one nonzero, at a column k != r; the branch column r is nonzero
        # only in row k (the KCL row of the fixed node)
        single = nz & (row_count[rows] == 1)
        r_all, k_all, a_all = rows[single], cols[single], A.data[single]
        ok = r_all != k_all
        r_all, k_all, a_all = r_all[ok], k_all[ok], a_all[ok]
        # column r: exactly one nonzero, in row k
        col_single = nz & (col_count[cols] == 1)
        only_row = np.full(n, -1, dtype=np.int64)
        only_row[cols[col_single]] = rows[col_single]
        ok = only_row[r_all] == k_all
        r_all, k_all, a_all = r_all[ok], k_all[ok], a_all[ok]
        # a node fixed twice (parallel sources) or a row that is both: leave to SuperLU
        uniq_k, counts = np.unique(k_all, return_counts=True)
        twice = uniq_k[counts > 1]
        if len(twice):
            ok = ~np.isin(k_all, twice)
            r_all, k_all, a_all = r_all[ok], k_all[ok], a_all[ok]
        role = np.zeros(n, dtype=np.int8)
        role[r_all] |= 1
        role[k_all] |= 2
        ok = (role[r_all] == 1) & (role[k_all] == 2)
        r_all, k_all, a_all = r_all[ok], k_all[ok], a_all[ok]
        order = np.argsort(k_all)
        defining, fixed, a_dk = r_all[order], k_all[order], a_all[order]
        is_def = np.zeros(n, dtype=bool)
        is_def[defining] = True
        removed = np.zeros(n, dtype=bool)
        removed[defining] = True
        removed[fixed] = True
        free = np.flatnonzero(~removed)
        if len(free) == 0:
            return "no free unknowns are left after fixing the grounded sources"
        # renumbering maps (-1: not in the block)
        u_map = np.full(n, -1, dtype=np.int64)
        u_map[free] = np.arange(len(free))
        k_map = np.full(n, -1, dtype=np.int64)
        k_map[fixed] = np.arange(len(fixed))
        in_u_r, in_u_c = u_map[rows] >= 0, u_map[cols] >= 0
        in_k_r, in_k_c = k_map[rows] >= 0, k_map[cols] >= 0
        nu, nk = len(free), len(fixed)
        # S = A_UU straight from the CSC arrays (order within columns is kept)
        keep = in_u_r & in_u_c
        idx_t = np.int32 if int(keep.sum()) < 2**31 - 1 else np.int64
        indptr = np.zeros(nu + 1, dtype=idx_t)
        np.cumsum(np.bincount(u_map[cols[keep]], minlength=nu), out=indptr[1:])
        S = sp.csc_array((A.data[keep], u_map[rows[keep]].astype(idx_t), indptr), shape=(nu, nu))
        S.has_canonical_format = True
        if not _is_symmetric(S):
            return "the matrix of the free unknowns is not symmetric (controlled sources?)"
        A_uk = _sub(A.data, rows, cols, in_u_r & in_k_c, u_map, k_map, (nu, nk))
        A_ku = _sub(A.data, rows, cols, in_k_r & in_u_c, k_map, u_map, (nk, nu))
        A_kk = _sub(A.data, rows, cols, in_k_r & in_k_c, k_map, k_map, (nk, nk))
        # a_KD: entry (k(r), r)
        kd = nz & in_k_r & is_def[cols]
        a_kd = np.zeros(nk)
        a_kd[k_map[rows[kd]]] = A.data[kd]
        return cls(n=n, free=free, fixed=fixed, defining=defining, a_dk=a_dk, a_kd=a_kd, S=S,
                   A_uk=A_uk, A_ku=A_ku, A_kk=A_kk)

    @property
    def n_fixed(self) -> int:
        return len(self.fixed)

    def reduce_rhs(self, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(b_U − A_UK x_K, x_K)`` for ``b`` of shape ``(n,)`` or ``(n, k)``."""
        a_dk = self.a_dk if b.ndim == 1 else self.a_dk[:, None]
        x_k = b[self.defining] / a_dk
        rhs = b[self.free] - self.A_uk @ x_k
        return rhs, x_k

    def expand(self, b: np.ndarray, x_u: np.ndarray, x_k: np.ndarray) -> np.ndarray:
        """The full solution from the free and fixed parts (branch currents recovered)."""
        x = np.empty((self.n, *b.shape[1:]))
        x[self.free] = x_u
        x[self.fixed] = x_k
        a_kd = self.a_kd if b.ndim == 1 else self.a_kd[:, None]
        x[self.defining] = (b[self.fixed] - self.A_ku @ x_u - self.A_kk @ x_k) / a_kd
        return x


def _is_symmetric(S: sp.csc_array) -> bool:
    """``S`` equals its transpose (pattern of nonzeros, values to a relative 1e-13)."""
    T = S.T.tocsc()  # canonical: sorted indices
    T.sort_indices()
    if np.array_equal(S.indptr, T.indptr) and np.array_equal(S.indices, T.indices):
        diff = np.abs(S.data - T.data)
        return bool(np.all(diff <= _SYM_RTOL * np.maximum(np.abs(S.data), np.abs(T.data))))
    # patterns differ (explicit zeros): compare entry by entry
    D = abs(S - T)
    M = _SYM_RTOL * (abs(S) + abs(T))
    excess = D - M
    return bool(excess.nnz == 0 or excess.max() <= 0.0)


def _abs_offdiag_sums(S: sp.csc_array) -> tuple[np.ndarray, np.ndarray]:
    """Diagonal and the sums of |off-diagonal| per column (= per row, symmetric)."""
    n = S.shape[0]
    cols = np.repeat(np.arange(n), np.diff(S.indptr))
    is_diag = S.indices == cols
    diag = np.zeros(n)
    diag[cols[is_diag]] = S.data[is_diag]
    off = np.bincount(cols[~is_diag], weights=np.abs(S.data[~is_diag]), minlength=n)
    return diag, off


# ------------------------------------------------------------------------------------------
# factorisations
# ------------------------------------------------------------------------------------------
class _Described:
    """A factorisation with a ``name`` and a ``description`` (wraps the SuperLU fallback)."""

    def __init__(self, inner: Factorization, name: str, description: str) -> None:
        self._inner = inner
        self.name = name
        self.description = description

    def solve(self, b: np.ndarray) -> np.ndarray:
        return self._inner.solve(b)

    def __repr__(self) -> str:
        return f"<factorization {self.description}>"


class _Fallback:
    """One SuperLU solver per large-system solver, so that its ordering cache is reused."""

    def __init__(self) -> None:
        self._solver: Any = None

    def __call__(self, A: Any, why: str) -> _Described:
        if self._solver is None:
            from xbar.mna.linsolve import SuperLUSolver

            self._solver = SuperLUSolver()
        fac = self._solver.factor(_canonical(A))
        return _Described(fac, "superlu", f"superlu on the full MNA system ({why})")


class ReducedFactorization:
    """Solves the full MNA system through a :class:`NodalReduction` and an inner SPD solve.

    ``refined`` is True: ``solve`` already meets its residual tolerance (CHOLMOD refines
    internally, CG iterates to it), so a caller's extra refinement step buys nothing; for
    AMG-CG it would double the cost.
    """

    refined = True

    def __init__(self, red: NodalReduction, inner: Any, name: str, description: str) -> None:
        self.reduction = red
        self._inner = inner
        self.name = name
        self.description = description

    def solve(self, b: np.ndarray) -> np.ndarray:
        b = np.asarray(b)
        if np.iscomplexobj(b):  # the matrix is real: solve both parts
            return self.solve(b.real) + 1j * self.solve(b.imag)
        b = b.astype(np.float64, copy=False)
        if b.ndim not in (1, 2) or b.shape[0] != self.reduction.n:
            raise ValueError(f"right-hand side must have shape ({self.reduction.n},) or "
                             f"({self.reduction.n}, k), got {b.shape}")
        rhs, x_k = self.reduction.reduce_rhs(b)
        x_u = self._inner(rhs)
        x = self.reduction.expand(b, x_u, x_k)
        if not np.all(np.isfinite(x)):
            raise SingularMatrixError("the MNA matrix is numerically singular (solution is not finite)")
        return x

    def __repr__(self) -> str:
        return f"<factorization {self.description}>"


# ------------------------------------------------------------------------------------------
# SuperLU on the reduced system (the engine's default above a size threshold)
# ------------------------------------------------------------------------------------------
#: from this many free unknowns on, a METIS nested-dissection ordering replaces SuperLU's
#: minimum degree on the reduced matrix (measured on crossbar decks: at 256 x 256, 131k free
#: unknowns, minimum degree factorises in 1.4 s against 0.6 s + 1.3 s for METIS; at 512 x 512
#: the two tie at about 11 s; METIS's smaller fill wins beyond)
REDUCED_ND_MIN = 500_000


class _ReducedSuperLU:
    """SuperLU of the Jacobi-scaled reduced matrix ``D S D`` (unit diagonal), symmetric mode."""

    def __init__(self, S: sp.csc_array, orders: dict[tuple[int, ...], Any]) -> None:
        import scipy.sparse.linalg as spla

        from xbar.mna.linsolve import _nested_dissection, _permute

        d = np.abs(S.diagonal())
        if not np.all(d > 0.0):
            raise ValueError("a free node has no conductance of its own (zero diagonal)")
        s = 1.0 / np.sqrt(d)
        cols = np.repeat(np.arange(S.shape[0]), np.diff(S.indptr))
        Ss = sp.csc_array((S.data * s[S.indices] * s[cols], S.indices, S.indptr), shape=S.shape)
        self._s = s
        self._perm: np.ndarray | None = None
        opts = {"SymmetricMode": True}
        if S.shape[0] >= REDUCED_ND_MIN:
            n = S.shape[0]
            key = (n, S.nnz, hash(S.indptr[:: max(1, n // 512)].tobytes()),
                   hash(S.indices[:: max(1, S.nnz // 512)].tobytes()))
            if key not in orders:
                orders[key] = _nested_dissection(Ss)
            self._perm = orders[key]
        self.ordering = "METIS nested dissection" if self._perm is not None else "minimum degree"
        try:
            if self._perm is None:
                self._lu = spla.splu(Ss, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.1, options=opts)
            else:
                self._lu = spla.splu(_permute(Ss, self._perm), permc_spec="NATURAL",
                                     diag_pivot_thresh=0.1, options=opts)
        except RuntimeError as exc:
            raise SingularMatrixError(f"the MNA matrix is singular ({exc})") from None

    def __call__(self, rhs: np.ndarray) -> np.ndarray:
        s, p = self._s, self._perm
        y = s * rhs if rhs.ndim == 1 else s[:, None] * rhs
        if p is not None:
            y = y[p]
        if y.ndim == 1:
            x = self._lu.solve(y)
        else:  # one column at a time: faster than SuperLU's blocked solve (see linsolve)
            x = np.empty_like(y)
            for j in range(y.shape[1]):
                x[:, j] = self._lu.solve(np.ascontiguousarray(y[:, j]))
        if p is not None:
            out = np.empty_like(x)
            out[p] = x
            x = out
        return s * x if x.ndim == 1 else s[:, None] * x


def reduced_superlu(A: Any, orders: dict[tuple[int, ...], Any] | None = None) -> ReducedFactorization | str:
    """SuperLU through the nodal reduction of ``A``, or a string saying why not.

    The nodes held by grounded voltage sources leave the system (:class:`NodalReduction`);
    the symmetric matrix of the free nodes is scaled to a unit diagonal and factorised by
    SuperLU in symmetric mode (diagonal pivots unless one falls below 0.1 of its column),
    ordered by minimum degree or, from :data:`REDUCED_ND_MIN` free unknowns on, by METIS
    nested dissection (cached per sparsity pattern in ``orders``). The factorisation solves
    the full MNA system (branch currents recovered from the KCL rows of the fixed nodes);
    its ``refined`` is False, so the caller's refinement step against the full matrix runs.
    """
    red = NodalReduction.analyse(A)
    if isinstance(red, str):
        return red
    try:
        inner = _ReducedSuperLU(red.S, {} if orders is None else orders)
    except ValueError as exc:
        return str(exc)
    desc = (f"superlu ({inner.ordering}, symmetric mode) on the {red.S.shape[0]} free nodes after "
            f"fixing {red.n_fixed} grounded voltage sources")
    fac = ReducedFactorization(red, inner, "superlu", desc)
    fac.refined = False  # type: ignore[misc]
    return fac


# ------------------------------------------------------------------------------------------
# CHOLMOD
# ------------------------------------------------------------------------------------------
class CholmodSolver:
    """Nodal reduction + supernodal sparse Cholesky (CHOLMOD); SuperLU when not applicable.

    Parameters
    ----------
    ordering : str
        CHOLMOD fill-reducing ordering: ``"amd"`` (default: on a 1024 x 1024 crossbar its
        analysis takes 1.5 s against METIS's 18 s, for about 40 % more fill: 27.9 M against
        19.7 M entries of L at 512 x 512), ``"metis"`` (less fill, better when the numeric
        factorisation dominates: with reference BLAS, or for many refactorisations of one
        pattern, whose analysis is reused), ``"nesdis"``, ``"default"`` (CHOLMOD's choice).
    refine : int
        At most this many steps of iterative refinement when the reduced residual exceeds
        ``rtol`` (rarely needed: Cholesky of an SPD matrix is backward stable).
    rtol : float
        Relative residual ``‖b_U − S x_U‖₂ ≤ rtol·‖b_U‖₂`` aimed at by refinement.
    """

    name = "cholmod"

    def __init__(self, ordering: str = "amd", refine: int = 2, rtol: float = 1e-12) -> None:
        try:
            import sksparse.cholmod  # noqa: F401
        except ImportError:
            raise MissingDependencyError(f"linear solver 'cholmod' is not available: {_CHOLMOD_HINT}") from None
        self._superlu = _Fallback()
        self.ordering = ordering
        self.refine = refine
        self.rtol = rtol
        self._symbolic: Any = None
        self._pattern: tuple[np.ndarray, np.ndarray] | None = None

    def factor(self, A: sp.csc_array) -> Factorization:
        red = NodalReduction.analyse(A)
        if isinstance(red, str):
            return self._superlu(A, f"nodal reduction not applicable: {red}")
        factor = self._cholesky(red.S)
        if isinstance(factor, str):
            return self._superlu(A, f"CHOLMOD refused the reduced matrix: {factor}")
        S = red.S
        rtol, refine = self.rtol, self.refine

        def inner(rhs: np.ndarray) -> np.ndarray:
            x = factor(rhs)
            norm_b = np.linalg.norm(rhs, axis=0)
            for _ in range(refine):
                r = rhs - S @ x
                if np.all(np.linalg.norm(r, axis=0) <= rtol * norm_b):
                    break
                x = x + factor(r)
            return x

        desc = (f"cholmod (supernodal, {self.ordering} ordering) on the {S.shape[0]} free nodes "
                f"after fixing {red.n_fixed} grounded voltage sources")
        return ReducedFactorization(red, inner, "cholmod", desc)

    def _cholesky(self, S: sp.csc_array) -> Any:
        from sksparse.cholmod import CholmodError, CholmodWarning, analyze

        M = sp.csc_matrix(S)  # scikit-sparse 0.4 takes spmatrix; shares the arrays
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", CholmodWarning)
                same = (self._pattern is not None
                        and np.array_equal(self._pattern[0], S.indptr)
                        and np.array_equal(self._pattern[1], S.indices))
                if not same:
                    self._symbolic = analyze(M, mode="supernodal", ordering_method=self.ordering)
                    self._pattern = (S.indptr.copy(), S.indices.copy())
                return self._symbolic.cholesky(M)
        except (CholmodError, CholmodWarning) as exc:
            return str(exc)


# ------------------------------------------------------------------------------------------
# AMG-preconditioned conjugate gradients
# ------------------------------------------------------------------------------------------
class AmgCgSolver:
    """Nodal reduction + algebraic-multigrid-preconditioned CG; SuperLU when not applicable.

    CG runs on the Jacobi-scaled reduced system ``D^-1/2 S D^-1/2`` and stops when the
    residual of the unscaled reduced system, recomputed from the iterate, meets
    ``‖b_U − S x_U‖₂ ≤ max(rtol·‖b_U‖₂, 16 ε ‖|S||x_U| + |b_U|‖₂)`` (these are the KCL rows of
    the free nodes; all other rows of the MNA system hold exactly by construction; the second
    term is the rounding floor of double precision, which binds on very large crossbars:
    about 4e-12 relative at 1024 x 1024). Otherwise :class:`ConvergenceError`.
    It is used only when ``S`` is certified SPD: symmetric, positive diagonal,
    diagonally dominant, and every connected part tied to a fixed node or to ground — true for
    any network of positive resistors and grounded sources.

    Parameters
    ----------
    rtol : float
        Relative residual tolerance (default 1e-12: node voltages then match a direct solve to
        about 1e-11 relative on crossbars up to 1024 x 1024).
    maxiter : int
        CG iterations per right-hand side before :class:`ConvergenceError`.
    method : str
        ``"classical"`` (Ruge–Stüben, the default: on a 512 x 512 crossbar 15 iterations and
        5 s against smoothed aggregation's 54 and 12.5 s) or ``"sa"`` (smoothed aggregation).
    theta : float
        Strength-of-connection threshold (0.1 keeps the wires strong and the cells weak).
    """

    name = "amg-cg"

    def __init__(self, rtol: float = 1e-12, maxiter: int = 500, method: str = "classical",
                 theta: float = 0.1) -> None:
        try:
            import pyamg  # noqa: F401
        except ImportError:
            raise MissingDependencyError(f"linear solver 'amg-cg' is not available: {_PYAMG_HINT}") from None
        if not 0.0 < rtol < 1.0:
            raise NetlistError(f"rtol must be in (0, 1), got {rtol}")
        if method not in ("classical", "sa"):
            raise NetlistError(f"AMG method must be 'classical' or 'sa', got {method!r}")
        self._superlu = _Fallback()
        self.rtol = rtol
        self.maxiter = int(maxiter)
        self.method = method
        self.theta = theta

    def factor(self, A: sp.csc_array) -> Factorization:
        red = NodalReduction.analyse(A)
        if isinstance(red, str):
            return self._superlu(A, f"nodal reduction not applicable: {red}")
        why = _not_certified_spd(red.S)
        if why:
            return self._superlu(A, f"AMG-CG needs a certified SPD matrix: {why}")
        import pyamg

        S = red.S
        diag, _ = _abs_offdiag_sums(S)
        s = 1.0 / np.sqrt(diag)
        Ds = sp.diags_array(s)
        Ss = sp.csr_matrix(Ds @ S @ Ds)
        gs = ("gauss_seidel", {"sweep": "symmetric"})  # symmetric V-cycle: a valid CG preconditioner
        common = {"presmoother": gs, "postsmoother": gs, "max_levels": 40, "max_coarse": 500,
                  "coarse_solver": "splu"}
        if self.method == "classical":
            ml = pyamg.ruge_stuben_solver(Ss, strength=("classical", {"theta": self.theta}), **common)
        else:
            ml = pyamg.smoothed_aggregation_solver(
                Ss, strength=("symmetric", {"theta": self.theta}),
                smooth=("jacobi", {"filter_entries": True, "weighting": "local"}), **common)
        for level in ml.levels:  # pyamg leaves 1×1-block BSR on coarse levels: CSR relaxes 3× faster
            level.A = sp.csr_matrix(level.A)
            if hasattr(level, "P"):
                level.P = sp.csr_matrix(level.P)
                level.R = sp.csr_matrix(level.R)
        pre = ml.aspreconditioner(cycle="V")
        cg = _PCG(S.tocsr(), Ss, s, pre, self.rtol, self.maxiter)
        kind = "classical AMG" if self.method == "classical" else "smoothed aggregation"
        desc = (f"amg-cg ({kind}, {len(ml.levels)} levels, operator complexity "
                f"{ml.operator_complexity():.2f}, rtol {self.rtol:g}) on the {S.shape[0]} free "
                f"nodes after fixing {red.n_fixed} grounded voltage sources")
        fac = ReducedFactorization(red, cg, "amg-cg", desc)
        fac.iterations = cg.iterations  # type: ignore[attr-defined]
        return fac


def _not_certified_spd(S: sp.csc_array) -> str:
    """Empty when ``S`` (symmetric) is provably SPD by diagonal dominance, else the reason."""
    diag, off = _abs_offdiag_sums(S)
    if np.any(diag <= 0.0):
        return "a diagonal entry is not positive (a floating voltage source or a negative conductance?)"
    excess = diag - off
    if np.any(excess < -_DOM_RTOL * diag):
        return "the matrix is not diagonally dominant (negative resistances or controlled sources?)"
    strict = excess > _DOM_RTOL * diag
    n_comp, labels = connected_components(S, directed=False)
    tied = np.zeros(n_comp, dtype=bool)
    tied[labels[strict]] = True
    if not np.all(tied):
        return f"{int(np.sum(~tied))} part(s) of the circuit have no path to ground or to a fixed node"
    return ""


class _PCG:
    """Preconditioned CG on the scaled system, one right-hand side at a time.

    Stops when ``‖b − S x‖₂ ≤ max(rtol·‖b‖₂, floor)``, the residual recomputed from ``x``
    (not CG's recurrence), where ``floor = 16 ε ‖|S||x| + |b|‖₂`` is what double precision can
    attain (a backward-stable direct solve gets there too; on a 1024 x 1024 crossbar the floor
    is about 4e-12 relative, so the default rtol 1e-12 is not reachable there and the floor
    rules). Restarts CG from the recomputed residual when the recurrence has drifted.
    """

    def __init__(self, S: sp.csr_array, Ss: Any, s: np.ndarray, pre: Any, rtol: float,
                 maxiter: int) -> None:
        self.S, self.Ss, self.s, self.pre = S, Ss, s, pre
        self.S_abs = sp.csr_array((np.abs(S.data), S.indices, S.indptr), shape=S.shape)
        self.rtol, self.maxiter = rtol, maxiter
        self.iterations: list[int] = []

    def __call__(self, rhs: np.ndarray) -> np.ndarray:
        if rhs.ndim == 1:
            return self._one(rhs)
        return np.column_stack([self._one(rhs[:, j]) for j in range(rhs.shape[1])])

    def _one(self, b: np.ndarray) -> np.ndarray:
        s, Ss = self.s, self.Ss
        norm_b = float(np.linalg.norm(b))
        n = len(b)
        if norm_b == 0.0:
            self.iterations.append(0)
            return np.zeros(n)
        y = np.zeros(n)  # x = s * y
        total = restarts = 0
        while True:
            x = s * y
            r_true = b - self.S @ x
            true_norm = float(np.linalg.norm(r_true))
            floor = _CG_FLOOR * np.finfo(float).eps * float(np.linalg.norm(self.S_abs @ np.abs(x) + np.abs(b)))
            target = max(self.rtol * norm_b, floor)
            if true_norm <= target or total >= self.maxiter or restarts > _CG_RESTARTS:
                break
            restarts += 1
            r = s * r_true  # residual of the scaled system
            z = self.pre(r)
            p = z.copy()
            rz = float(r @ z)
            while total < self.maxiter:
                total += 1
                q = Ss @ p
                pq = float(p @ q)
                if not pq > 0.0:
                    raise ConvergenceError(
                        f"AMG-CG broke down after {total} iterations (pᵀAp = {pq:.3g}): the reduced "
                        "matrix is not positive definite to working precision",
                        analysis="linear solve", iterations=total, tried=("amg-cg",))
                alpha = rz / pq
                y += alpha * p
                r -= alpha * q
                if float(np.linalg.norm(r / s)) <= 0.5 * target:
                    break
                z = self.pre(r)
                rz_new = float(r @ z)
                p *= rz_new / rz
                p += z
                rz = rz_new
        self.iterations.append(total)
        if not true_norm <= target:
            raise ConvergenceError(
                f"AMG-CG did not reach the relative residual {self.rtol:g} within {total} "
                f"iterations ({restarts} restart(s)); reached {true_norm / norm_b:.3g}, rounding "
                f"floor {floor / norm_b:.3g}; use the 'cholmod' or 'superlu' solver, or a larger "
                "rtol or maxiter",
                analysis="linear solve", iterations=total, tried=("amg-cg",))
        return x


# ------------------------------------------------------------------------------------------
# automatic choice
# ------------------------------------------------------------------------------------------
class AutoSolver:
    """SuperLU for small systems; above ``threshold`` unknowns CHOLMOD, else AMG-CG.

    The factorisation's ``name``/``description`` say which ran (and why a fallback happened).

    Parameters
    ----------
    threshold : int or None
        Systems with fewer unknowns use SuperLU directly; ``None``: 2000 for CHOLMOD, 3000
        for AMG-CG (where each overtakes SuperLU on crossbars).
    prefer : str or None
        Large-system solver: ``"cholmod"``, ``"amg-cg"`` or ``"superlu"``; ``None`` picks
        CHOLMOD when scikit-sparse imports, else AMG-CG when pyamg imports, else SuperLU.
    """

    name = "auto"
    default_thresholds: ClassVar[dict[str, int]] = {"cholmod": 2_000, "amg-cg": 3_000, "superlu": 0}

    def __init__(self, threshold: int | None = None, prefer: str | None = None) -> None:
        if prefer is None:
            prefer = ("cholmod" if cholmod_available() else
                      "amg-cg" if pyamg_available() else "superlu")
        makers = {"cholmod": CholmodSolver, "amg-cg": AmgCgSolver, "superlu": None}
        if prefer not in makers:
            raise NetlistError(f"unknown large-system solver '{prefer}'; known: {sorted(makers)}")
        self._superlu = _Fallback()
        self.prefer = prefer
        self.threshold = self.default_thresholds[prefer] if threshold is None else int(threshold)
        maker = makers[prefer]
        self._large = maker() if maker is not None else None

    def factor(self, A: sp.csc_array) -> Factorization:
        n = A.shape[0]
        if self._large is None:
            return self._superlu(A, "auto: no large-system solver selected or installed")
        if n < self.threshold:
            return self._superlu(A, f"auto: {n} unknowns < threshold {self.threshold}")
        fac = self._large.factor(A)
        fac.description = f"auto: {fac.description}"  # type: ignore[attr-defined]
        return fac
