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

from xbar.errors import SingularMatrixError

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
    def __init__(self, lu: spla.SuperLU, row_scale: np.ndarray, col_scale: np.ndarray) -> None:
        self._lu = lu
        self._r = row_scale
        self._c = col_scale

    def solve(self, b: np.ndarray) -> np.ndarray:
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
    r = np.where(row_max > 0, 1.0 / np.where(row_max > 0, row_max, 1.0), 1.0)
    scaled = A.data * r[A.indices]
    counts = np.diff(A.indptr)
    col_max = np.zeros(n)
    nonempty = counts > 0
    if np.any(nonempty):
        col_max[nonempty] = np.maximum.reduceat(np.abs(scaled), A.indptr[:-1][nonempty])
    c = np.where(col_max > 0, 1.0 / np.where(col_max > 0, col_max, 1.0), 1.0)
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

    def __init__(self, permc_spec: str = "MMD_AT_PLUS_A") -> None:
        self.permc_spec = permc_spec

    def factor(self, A: sp.csc_array) -> Factorization:
        As, r, c = equilibrate(A)
        try:
            lu = spla.splu(As, permc_spec=self.permc_spec)
        except RuntimeError as exc:
            raise SingularMatrixError(f"the MNA matrix is singular ({exc})") from None
        return _SuperLUFactor(lu, r, c)


SOLVERS: dict[str, type] = {"superlu": SuperLUSolver}


def get_solver(name: str = "superlu") -> LinearSolver:
    """Solver by name (``superlu``)."""
    try:
        return SOLVERS[name]()  # type: ignore[no-any-return]
    except KeyError:
        raise ValueError(f"unknown linear solver '{name}'; known: {sorted(SOLVERS)}") from None
