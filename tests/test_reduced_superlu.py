"""The engine's default solver above ``SuperLUSolver.nodal_min``: nodal reduction + SuperLU on
the symmetric rest (:func:`xbar.mna.solvers_large.reduced_superlu`), and its fall-backs."""

from __future__ import annotations

import numpy as np
import pytest

import xbar
from xbar.mna import solvers_large
from xbar.mna.linsolve import SuperLUSolver
from xbar.mna.solvers_large import reduced_superlu


def _grid(n: int, seed: int = 3) -> xbar.Circuit:
    """An n x n resistive crossbar with drivers, wires and 0 V ammeters (as in the benchmarks)."""
    rng = np.random.default_rng(seed)
    c = xbar.Circuit("grid")
    for i in range(n):
        c.V(f"in{i}", f"in{i}", "0", float(rng.uniform(0, 0.2)))
        c.R(f"s{i}", f"in{i}", f"r{i}_0", 50.0)
        c.V(f"sense{i}", f"s{i}", "0", 0.0)
        c.R(f"sense{i}", f"c{n - 1}_{i}", f"s{i}", 100.0)
    for i in range(n):
        for j in range(n):
            c.R(f"x{i}_{j}", f"r{i}_{j}", f"c{i}_{j}", float(rng.uniform(1e4, 3e4)))
            if j + 1 < n:
                c.R(f"wr{i}_{j}", f"r{i}_{j}", f"r{i}_{j + 1}", 1.0)
            if i + 1 < n:
                c.R(f"wc{i}_{j}", f"c{i}_{j}", f"c{i + 1}_{j}", 1.0)
    return c


def _op(c: xbar.Circuit, nodal_min: int, monkeypatch) -> tuple[object, np.ndarray]:
    monkeypatch.setattr(SuperLUSolver, "nodal_min", nodal_min)
    c._system = None
    res = c.op()
    return res, np.asarray(res.data)


def test_reduced_equals_full(monkeypatch):
    c = _grid(12)
    res_full, full = _op(c, 10**9, monkeypatch)
    res_red, red = _op(c, 0, monkeypatch)
    assert res_full.names == res_red.names
    scale = np.maximum(np.abs(full), 1e-12)
    assert np.max(np.abs(red - full) / scale) < 1e-10


def test_default_threshold_uses_the_reduction():
    c = _grid(72)  # 2*72*72 + 3*72 = 10584 unknowns
    system = c.compile()
    assert system.n >= SuperLUSolver.nodal_min
    fac = system.solver.factor(system.matrix(system.g_data))
    assert "free nodes" in fac.description and fac.refined is False
    # branch currents (driver and ammeter) recovered from KCL agree with a direct solve
    A = system.matrix(system.g_data)
    b = system.rhs(None)
    x = fac.solve(b)
    assert np.linalg.norm(A @ x - b) <= 1e-12 * np.linalg.norm(b)


def test_nested_dissection_branch(monkeypatch):
    monkeypatch.setattr(solvers_large, "REDUCED_ND_MIN", 0)
    c = _grid(10)
    _, full = _op(c, 10**9, monkeypatch)
    _, red = _op(c, 0, monkeypatch)
    fac = c.compile().solver.factor(c.compile().matrix(c.compile().g_data))
    assert "nested dissection" in fac.description
    assert np.max(np.abs(red - full) / np.maximum(np.abs(full), 1e-12)) < 1e-10


def test_controlled_source_falls_back(monkeypatch):
    c = _grid(4)
    c.E("amp", "o", "0", "c3_0", "0", 10.0)
    c.R("load", "o", "0", 1e3)
    system = c.compile()
    why = reduced_superlu(system.matrix(system.g_data))
    assert isinstance(why, str) and "symmetric" in why
    _, full = _op(c, 10**9, monkeypatch)
    _, fallback = _op(c, 0, monkeypatch)
    np.testing.assert_allclose(fallback, full, rtol=1e-12, atol=1e-15)


def test_floating_source_and_zero_diagonal(monkeypatch):
    c = xbar.Circuit("float")
    c.V("1", "a", "0", 1.0)
    c.R("1", "a", "b", 1e3)
    c.V("f", "b", "c", 0.5)  # floating: stays in the system
    c.R("2", "c", "0", 1e3)
    _, full = _op(c, 10**9, monkeypatch)
    res, red = _op(c, 0, monkeypatch)
    np.testing.assert_allclose(red, full, rtol=1e-12, atol=1e-15)
    assert res["v(c)"] == pytest.approx(0.25)


def test_unfit_pattern_not_analysed_again(monkeypatch):
    """A matrix the reduction does not fit falls back at once on refactorisation (transient
    steps, Newton iterations): the analysis runs once per sparsity pattern."""
    c = _grid(4)
    c.E("amp", "o", "0", "c3_0", "0", 10.0)
    c.R("load", "o", "0", 1e3)
    monkeypatch.setattr(SuperLUSolver, "nodal_min", 0)
    system = c.compile()
    calls = []
    real = solvers_large.reduced_superlu
    monkeypatch.setattr(solvers_large, "reduced_superlu", lambda *a: calls.append(1) or real(*a))
    solver = SuperLUSolver()
    A = system.matrix(system.g_data)
    b = system.rhs(None)
    x1 = solver.factor(A).solve(b)
    x2 = solver.factor(A.copy()).solve(b)
    assert len(calls) == 1
    np.testing.assert_array_equal(x1, x2)
    assert np.linalg.norm(A @ x1 - b) <= 1e-12 * np.linalg.norm(b)
