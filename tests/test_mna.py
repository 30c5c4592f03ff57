"""MNA core: pattern and refills, factorisation reuse, topology diagnosis, Newton fall-backs."""

from __future__ import annotations

import numpy as np
import pytest

import xbar
from xbar.devices.base import LoadContext
from xbar.errors import ConvergenceError, SingularMatrixError, TopologyError


def _ladder(n: int) -> xbar.Circuit:
    c = xbar.Circuit("ladder")
    c.V("in", "n0", "0", 1.0)
    for k in range(n):
        c.R(f"s{k}", f"n{k}", f"n{k + 1}", 100.0 + k)
        c.R(f"p{k}", f"n{k + 1}", "0", 1e3 * (k + 1))
    return c


def _dense_mna(c: xbar.Circuit) -> np.ndarray:
    """Independent dense assembly of a resistor + one V source ladder."""
    sysm = c.compile()
    n = sysm.n
    A = np.zeros((n, n))
    for g in sysm.groups:
        stamp = g.g_stamp()
        if stamp is None:
            continue
        for r, col, v in zip(*stamp, strict=True):
            if r >= 0 and col >= 0:
                A[r, col] += v
    return A


def test_pattern_refill_equals_dense_assembly():
    c = _ladder(30)
    sysm = c.compile()
    dense = sysm.g_matrix().toarray()
    np.testing.assert_allclose(dense, _dense_mna(c), rtol=0, atol=0)
    # the pattern holds every node diagonal (for gmin stepping) and nothing for ground
    assert sysm.nnz == np.count_nonzero(dense) or sysm.nnz > np.count_nonzero(dense)
    assert len(sysm.diag_slots) == sysm.n_nodes


def test_ladder_solution_matches_dense_solve():
    c = _ladder(50)
    op = c.op()
    sysm = c.compile()
    x = np.linalg.solve(_dense_mna(c), sysm.rhs(None))
    for k in range(51):
        assert op[f"v(n{k})"] == pytest.approx(x[k], rel=1e-12, abs=1e-15)


def test_linear_dc_sweep_factorises_once(monkeypatch):
    c = _ladder(10)
    sysm = c.compile()
    calls = []
    orig = sysm.solver.factor

    def counting(A):
        calls.append(1)
        return orig(A)

    monkeypatch.setattr(sysm.solver, "factor", counting)
    res = c.dc("vin", 0, 2, 0.01)
    assert len(calls) == 1
    assert len(res.scale) == 201
    # linearity: v(n10) proportional to vin
    ratio = res["v(n10)"][1:] / res.scale[1:]
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-12)


def test_resistor_sweep_refreshes_matrix():
    c = xbar.Circuit()
    c.V("1", "a", "0", 1.0)
    c.R("1", "a", "b", 1e3)
    c.R("2", "b", "0", 1e3)
    res = c.dc("r2", 1e3, 3e3, 1e3)
    np.testing.assert_allclose(res["v(b)"], [0.5, 2 / 3, 0.75], rtol=1e-12)
    assert res.scale_name == "res-sweep"
    # the sweep restores the original value
    assert c.op()["v(b)"] == pytest.approx(0.5, rel=1e-12)


def test_voltage_source_loop_is_named():
    c = xbar.Circuit()
    c.V("1", "a", "0", 1.0)
    c.V("2", "a", "b", 1.0)
    c.V("3", "b", "0", 1.0)
    c.R("1", "a", "0", 1.0)
    with pytest.raises(TopologyError, match=r"'v3'.*'v1'.*'v2'|form a loop"):
        c.op()


def test_inductor_in_voltage_loop():
    c = xbar.Circuit()
    c.V("1", "a", "0", 1.0)
    c.L("1", "a", "0", 1e-3)
    with pytest.raises(TopologyError, match=r"inductors.*form a loop"):
        c.op()


@pytest.mark.filterwarnings("ignore::xbar.errors.LintWarning")  # the circuit is ill-posed or dangling on purpose
def test_floating_node_through_capacitor():
    c = xbar.Circuit()
    c.V("1", "a", "0", 1.0)
    c.R("1", "a", "0", 1.0)
    c.C("1", "a", "float", 1e-9)
    c.R("2", "float", "float2", 1.0)
    with pytest.raises(TopologyError, match=r"'float', 'float2' have no DC path to ground \(only through capacitors 'c1'\)"):
        c.op()
    # a transient with uic is well posed
    tr = c.tran(1e-9, 1e-8, uic=True)
    assert np.all(np.isfinite(tr["v(float)"]))


def test_current_source_cutset():
    c = xbar.Circuit()
    c.I("1", "0", "x", 1e-3)
    c.R("1", "x", "y", 1.0)
    c.I("2", "y", "0", 1e-3)
    with pytest.raises(TopologyError, match=r"'x', 'y' are joined .* only by current sources 'i1', 'i2': a cut-set"):
        c.op()


def test_singular_controlled_source_explained():
    c = xbar.Circuit()
    c.V("1", "a", "0", 1.0)
    c.R("1", "a", "0", 1.0)
    # E forcing v(b) = v(b): a degenerate equation, structurally fine but singular
    c.E("1", "b", "0", "b", "0", 1.0)
    with pytest.raises(SingularMatrixError, match=r"singular"):
        c.op()


def _diode_circuit(n_diodes: int = 1) -> xbar.Circuit:
    c = xbar.Circuit("diodes")
    c.model("dm", "d", **{"is": 1e-14, "n": 1.0})
    c.V("1", "a", "0", 5.0)
    c.R("1", "a", "b", 1e3)
    for k in range(n_diodes):
        c.D(str(k), "b", "0", "dm")
    return c


def _shockley(vs: float, r: float, isat: float, vt: float) -> float:
    v = 0.6
    for _ in range(200):
        f = (vs - v) / r - isat * (np.exp(v / vt) - 1.0)
        df = -1.0 / r - isat / vt * np.exp(v / vt)
        v -= f / df
    return v


def test_diode_op_matches_scalar_newton():
    c = _diode_circuit()
    op = c.op()
    vt = 1.38064852e-23 * 300.15 / 1.6021766208e-19  # ngspice's constants
    expected = _shockley(5.0, 1e3, 1e-14, vt)
    assert op["v(b)"] == pytest.approx(expected, abs=1e-9)


def test_diode_jacobian_matches_finite_difference():
    c = _diode_circuit(3)
    sysm = c.compile()
    g = sysm.nonlinear_groups[0]
    rng = np.random.default_rng(1)
    ctx = LoadContext(gmin=1e-12, temp=27.0, reltol=1e-3, abstol=1e-12, vntol=1e-6)
    for _ in range(5):
        x = np.zeros(sysm.n)
        x[c.node("b")] = rng.uniform(-1.0, 0.8)
        v = g.gather(x)
        ev = g.evaluate(v, ctx, "dc")
        h = 1e-7
        v2 = v.copy()
        v2[:, 1] += h
        fd = (g.evaluate(v2, ctx, "dc").f - ev.f) / h
        np.testing.assert_allclose(ev.G[:, :, 1], fd, rtol=1e-5, atol=1e-15)


def test_nonconvergence_reports_analysis_unknown_and_strategies():
    c = _diode_circuit()
    c.set_options(itl1=1)
    with pytest.raises(ConvergenceError) as info:
        c.op()
    msg = str(info.value)
    assert "operating point" in msg
    assert "gmin stepping" in msg and "source stepping" in msg
    assert "v(" in msg or "i(" in msg
    assert info.value.iterations >= 1
    assert info.value.tried == ("Newton from the initial guess", "gmin stepping", "source stepping")


def test_gmin_stepping_rescues_hard_start():
    # a stack of diodes driven hard: plain Newton from zero needs many iterations;
    # with itl1 small, the fall-backs must still find the answer
    c = xbar.Circuit()
    c.model("dm", "d", **{"is": 1e-16, "n": 1.0})
    c.V("1", "a", "0", 50.0)
    c.R("1", "a", "b", 10.0)
    c.D("1", "b", "c", "dm")
    c.D("2", "c", "0", "dm")
    ref = c.op()["v(b)"]
    c.set_options(itl1=12)
    assert c.op()["v(b)"] == pytest.approx(ref, abs=1e-6)


@pytest.mark.parametrize(
    ("deck", "error"),
    [
        ("t\n.model dm D (N=0.01)\nV1 a 0 0.5\nD1 a 0 dm\n.dc temp -50 150 50\n", xbar.ModelCardError),
        ("t\nV1 a 0 1\nR1 a b 1k\nL1 b 0 1e300\n.tran 1n 10n\n", xbar.NetlistError),
    ],
)
def test_extreme_values_are_clear_errors(deck, error):
    with pytest.raises(error):
        xbar.read_netlist_text(deck).run()


def test_circuit_without_unknowns():
    # every element between ground nodes: a valid, trivial circuit
    assert xbar.read_netlist_text("t\n.model dm D\nD1 0 0 dm\n.op\n").run()[0].names == ["@d1[vd]"]


def test_api_sweep_with_absurd_range():
    c = xbar.Circuit()
    c.V("1", "a", "0", 1.0)
    c.R("1", "a", "0", 1.0)
    with pytest.raises(xbar.NetlistError, match="beyond the supported magnitude"):
        c.dc("v1", -1e308, 1e308, 1e-308)


def test_nested_dissection_ordering_matches_default(monkeypatch):
    from xbar.mna.linsolve import SuperLUSolver

    c = _ladder(400)
    sysm = c.compile()
    A = sysm.g_matrix()
    b = sysm.rhs(None)
    ref = SuperLUSolver().factor(A).solve(b)
    nd = SuperLUSolver()
    nd.nested_dissection_min = 10
    x1 = nd.factor(A).solve(b)
    x2 = nd.factor(A).solve(b)  # second factorisation reuses the cached ordering
    assert len(nd._orders) == 1
    np.testing.assert_allclose(x1, ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(x1, x2)


def test_circuit_selects_linear_solver():
    c = _ladder(20)
    ref = c.op()["v(n20)"]
    c.linear_solver = "auto"
    c._system = None
    assert c.op()["v(n20)"] == pytest.approx(ref, rel=1e-12)
    c.linear_solver = "nope"
    c._system = None
    with pytest.raises(xbar.NetlistError, match="unknown linear solver 'nope'"):
        c.op()
