"""Cell-port batch solver, adjoint effective matrices, vectorised chord and SOT reads."""

from __future__ import annotations

import numpy as np
import pytest

from xbar.crossbar import CrossbarSpec, build_crossbar
from xbar.crossbar.ports import PortSolver
from xbar.errors import NetlistError
from xbar.nn.levels import compact_model_path

SOT_LIB = compact_model_path("kumar2024_sot.lib")
MTJ = {"rp": 25e3, "tmr0": 0.4, "vh": 0.5}


def _spec(kind: str, n: int, m: int, rng: np.random.Generator, **kw: object) -> CrossbarSpec:
    if kind == "resistor":
        return CrossbarSpec(n, m, g=rng.uniform(2e-5, 5e-5, (n, m)), **kw)  # type: ignore[arg-type]
    if kind == "mtj":
        return CrossbarSpec(n, m, cell="mtj", card=MTJ, state=rng.integers(0, 2, (n, m)), **kw)  # type: ignore[arg-type]
    return CrossbarSpec(n, m, cell="sotmtj", lib=SOT_LIB, model="kumar_sot_t19", state=rng.integers(0, 8, (n, m)),
                        params={"ncell": 3}, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["resistor", "mtj", "sotmtj"])
@pytest.mark.parametrize("sense", ["ammeter", "tia", "resistor"])
def test_port_solver_equals_mna(kind: str, sense: str) -> None:
    rng = np.random.default_rng(hash((kind, sense)) % 2**32)
    n, m = 9, 7
    xb = build_crossbar(_spec(kind, n, m, rng, r_row=rng.uniform(0.5, 3, (n, m)), r_col=rng.uniform(0.5, 3, (n, m)),
                              r_driver=rng.uniform(0, 50, n), sense=sense, present=rng.uniform(size=(n, m)) > 0.2))
    V = rng.uniform(-0.3, 0.3, (3, n))
    mna = xb.solver()
    ref = np.array([mna.op(v).i_col for v in V])
    ps = PortSolver(xb)
    for kw in ({}, {"start": ps.linear_map()}, {"inner": "float64"}):
        res = ps.batch(V, **kw)  # type: ignore[arg-type]
        assert np.max(np.abs(res.currents - ref)) <= 1e-10 * np.max(np.abs(ref))
        assert res.residual <= 1e-11 * 0.3


def test_port_solver_refuses_other_layouts() -> None:
    rng = np.random.default_rng(0)
    with pytest.raises(NetlistError, match="single drive and single sense ends"):
        PortSolver(build_crossbar(_spec("resistor", 3, 3, rng, drive="double")))
    with pytest.raises(NetlistError, match="write_lines='float'"):
        PortSolver(build_crossbar(_spec("sotmtj", 3, 3, rng, write_lines="ground")))


@pytest.mark.parametrize("sense", ["ammeter", "tia", "resistor"])
def test_adjoint_effective_matrix(sense: str) -> None:
    rng = np.random.default_rng(4)
    xb = build_crossbar(_spec("resistor", 30, 8, rng, r_row=2.0, r_col=3.0, r_driver=5.0, sense=sense))
    T, i0 = xb.solver().effective_matrix("adjoint")
    Tf, _ = xb.solver().effective_matrix("forward")
    assert np.max(np.abs(T - Tf)) <= 1e-13 * np.max(np.abs(Tf))
    V = rng.uniform(0, 0.2, (4, 30))
    I = xb.solver().batch(V, method="factor").currents
    assert np.max(np.abs(V @ T + i0 - I)) <= 1e-13 * np.max(np.abs(I))


@pytest.mark.parametrize("kind", ["mtj", "sotmtj"])
def test_vectorised_chord_equals_newton(kind: str) -> None:
    rng = np.random.default_rng(7)
    xb = build_crossbar(_spec(kind, 8, 6, rng, r_row=2.0, r_col=2.0))
    V = rng.uniform(0, 0.3, (5, 8))
    s = xb.solver()
    a = s.batch(V, method="chord").currents
    b = s.batch(V, method="newton").currents
    assert np.max(np.abs(a - b)) <= 1e-11 * np.max(np.abs(b))


def test_sot_read_does_not_leak_into_write_lines() -> None:
    """With ideal wires the default SOT read equals the ideal reference; grounded write
    lines take part of every cell current, and the ideal reference says so."""
    rng = np.random.default_rng(2)
    v = rng.uniform(0.5e-6, 2e-6, 5)  # small enough that the bias dependence of the TMR is < 1e-12
    state = rng.integers(0, 8, (5, 4))
    float_xb = build_crossbar(CrossbarSpec(5, 4, cell="sotmtj", lib=SOT_LIB, model="kumar_sot_t19", state=state,
                                           params={"ncell": 3}))
    assert float_xb.spec.write_lines == "float"
    res = float_xb.op(v)
    assert np.max(np.abs(res.rel_error)) <= 1e-12
    ground = build_crossbar(CrossbarSpec(5, 4, cell="sotmtj", lib=SOT_LIB, model="kumar_sot_t19", state=state,
                                         params={"ncell": 3}, write_lines="ground"))
    res_g = ground.op(v)
    assert np.max(np.abs(res_g.rel_error)) <= 1e-12
    ratio = res_g.i_col / res.i_col
    assert np.all((ratio > 0.45) & (ratio < 0.6))  # about half the read current leaks into the write lines
