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

__all__ = ["SOLVERS", "Factorization", "LinearSolver", "SuperLUSolver", "get_solver"]


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
    def __init__(self, lu: spla.SuperLU) -> None:
        self._lu = lu

    def solve(self, b: np.ndarray) -> np.ndarray:
        x = self._lu.solve(np.ascontiguousarray(b))
        if not np.all(np.isfinite(x)):
            raise SingularMatrixError("the MNA matrix is numerically singular (solution is not finite)")
        return x


class SuperLUSolver:
    """scipy SuperLU with a fill-reducing column ordering (default ``COLAMD``)."""

    name = "superlu"

    def __init__(self, permc_spec: str = "COLAMD") -> None:
        self.permc_spec = permc_spec

    def factor(self, A: sp.csc_array) -> Factorization:
        try:
            lu = spla.splu(A, permc_spec=self.permc_spec)
        except RuntimeError as exc:
            raise SingularMatrixError(f"the MNA matrix is singular ({exc})") from None
        return _SuperLUFactor(lu)


SOLVERS: dict[str, type] = {"superlu": SuperLUSolver}


def get_solver(name: str = "superlu") -> LinearSolver:
    """Solver by name (``superlu``)."""
    try:
        return SOLVERS[name]()  # type: ignore[no-any-return]
    except KeyError:
        raise ValueError(f"unknown linear solver '{name}'; known: {sorted(SOLVERS)}") from None
