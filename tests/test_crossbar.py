"""Crossbar arrays (xbar.crossbar): builder, exact solves, batches, write schemes, decks."""

from __future__ import annotations

import numpy as np
import pytest

import xbar
from xbar.crossbar import (
    CrossbarSpec,
    build_crossbar,
    differential_conductances,
    fixed_point_solve,
    write_op,
)
from xbar.devices.mtj.sot import read_lib
from xbar.errors import NetlistError
from xbar.testing.ngspice import ngspice_available, run_ngspice

SOT_LIB = "compact_models/kumar2024_sot.lib"
SMTJ_LIB = "compact_models/bandyopadhyay2024_smtj.lib"
MTJ_CARD = {"rp": 5e3, "tmr0": 1.5, "vh": 0.4}

LINEAR_CASES = {
    "plain": {"r_row": 1.0, "r_col": 2.0},
    "driver": {"r_row": 1.0, "r_col": 2.0, "r_driver": 10.0},
    "row-merged": {"r_row": 0.0, "r_col": 2.0},
    "col-merged-rsense": {"r_row": 1.0, "r_col": 0.0, "sense": "resistor"},
    "tia": {"r_row": 1.0, "r_col": 1.0, "sense": "tia"},
    "double": {"r_row": 1.0, "r_col": 1.0, "drive": "double", "sense_ends": "double"},
    "access": {"r_row": 1.0, "r_col": 1.0, "r_access": 500.0},
    "ideal": {"r_row": 0.0, "r_col": 0.0},
    "tia-double": {"r_row": 1.0, "r_col": 1.0, "sense": "tia", "sense_ends": "double"},
}


def _sot_card() -> dict[str, float]:
    """The t_F = 1.6 nm Kumar card without device variation (ngspice decks are nominal)."""
    _, params = read_lib(SOT_LIB)["kumar_sot_t16"]
    return {**params, **{k: 0.0 for k in params if k.endswith("_sigma")}}


def _nonlinear_spec(kind: str, n: int, m: int, rng: np.random.Generator, **kw: object) -> CrossbarSpec:
    if kind == "mtj":
        return CrossbarSpec(n, m, cell="mtj", card=MTJ_CARD, state=rng.integers(0, 2, (n, m)), **kw)
    if kind == "smtj":
        return CrossbarSpec(n, m, cell="smtj", lib=SMTJ_LIB, model="smtj_fig5",
                            vg=rng.uniform(-0.3, 0.3, (n, m)), **kw)
    return CrossbarSpec(n, m, cell="sotmtj", model="sotcell", card=_sot_card(),
                        state=rng.integers(0, 2, (n, m)), **kw)


def _currents(get, xb) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Column currents from named result vectors (xbar or ngspice)."""
    if xb.spec.sense == "tia":
        i = np.array([(get(f"v(bl{j})") - get(f"v(tia{j})")) / xb.spec.r_feedback for j in range(xb.cols)])
        if xb.tia_outputs_top is not None:
            i = i + np.array([(get(f"v(blt{j})") - get(f"v(tiat{j})")) / xb.spec.r_feedback
                              for j in range(xb.cols)])
        return i
    i = np.array([get(f"i({s})") for s in xb.sense_sources])
    if xb.sense_sources_top:
        i = i + np.array([get(f"i({s})") for s in xb.sense_sources_top])
    return i


def _rel(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(np.asarray(a) - np.asarray(b))) / np.max(np.abs(b)))


# --- builder -------------------------------------------------------------------------------
def test_node_and_element_names() -> None:
    g = np.full((3, 4), 1e-4)
    xb = build_crossbar(CrossbarSpec(3, 4, g=g, r_row=1.0, r_col=1.0, r_driver=5.0))
    c = xb.circuit
    for node in ("wl0", "wl2_3", "bl1_0", "bl3", "wld1"):
        assert node in c.node_index
    for el in ("rc2_3", "rwl0_0", "rbl2_3", "vwl1", "rdrv1", "vbl3"):
        assert el in c.element_kind
    assert c.element_kind["rc0_0"] == "r"
    assert xb.wl.shape == (3, 4) and xb.bl.shape == (3, 4)


def test_zero_wire_merges_nodes() -> None:
    g = np.full((3, 4), 1e-4)
    xb = build_crossbar(CrossbarSpec(3, 4, g=g, r_row=0.0, r_col=1.0))
    c = xb.circuit
    assert "wl0_0" not in c.node_index  # the whole row is the port node
    assert np.all(xb.wl[1] == c.node_index["wl1"])
    assert not any(k.startswith("rwl") for k in c.element_kind)
    assert xb.merged


def test_bad_inputs_raise() -> None:
    with pytest.raises(NetlistError, match="conductances"):
        build_crossbar(CrossbarSpec(2, 2))
    with pytest.raises(NetlistError, match="r_row"):
        build_crossbar(CrossbarSpec(2, 2, g=1e-4, r_row=-1.0))
    with pytest.raises(NetlistError, match="cell kind"):
        build_crossbar(CrossbarSpec(2, 2, cell="memristor"))
    with pytest.raises(NetlistError, match="broadcastable"):
        build_crossbar(CrossbarSpec(2, 2, g=np.ones(3) * 1e-4))
    xb = build_crossbar(CrossbarSpec(2, 3, g=1e-4))
    with pytest.raises(NetlistError, match="2 row voltages"):
        xb.op(np.zeros(3))
    with pytest.raises(NetlistError, match="unknown solver"):
        xb.solver(solver="nope")


# --- exactness -----------------------------------------------------------------------------
def test_zero_wire_equals_ideal() -> None:
    rng = np.random.default_rng(3)
    g = rng.uniform(1e-6, 1e-4, (16, 12))
    v = rng.uniform(-0.3, 0.3, 16)
    xb = build_crossbar(CrossbarSpec(16, 12, g=g))
    res = xb.op(v)
    assert _rel(res.i_col, v @ g) <= 1e-12
    assert np.allclose(res.v_cell, v[:, None], rtol=0, atol=1e-15)
    batch = xb.solver().batch(rng.uniform(-0.3, 0.3, (5, 16)))
    assert _rel(batch.currents, batch.ideal) <= 1e-12


@pytest.mark.parametrize("case", sorted(LINEAR_CASES))
def test_linear_matches_engine(case: str) -> None:
    rng = np.random.default_rng(0)
    g = rng.uniform(1e-5, 1e-4, (8, 6))
    xb = build_crossbar(CrossbarSpec(8, 6, g=g, **LINEAR_CASES[case]))  # type: ignore[arg-type]
    v = rng.uniform(-0.2, 0.2, 8)
    res = xb.op(v)
    (op,) = xbar.read_netlist_text(xb.deck(dialect="xbar", inputs=v)).run()
    assert _rel(res.i_col, _currents(lambda k: op[k], xb)) <= 1e-12
    node = xb.circuit.node_names[int(xb.bl[3, 2])]
    assert res.voltage(node) == pytest.approx(op[f"v({node})"], rel=1e-11, abs=1e-15)


@pytest.mark.parametrize("kind", ["mtj", "smtj", "sotmtj"])
def test_nonlinear_matches_engine(kind: str) -> None:
    rng = np.random.default_rng(1)
    xb = build_crossbar(_nonlinear_spec(kind, 6, 5, rng, r_row=2.0, r_col=3.0))
    v = rng.uniform(-0.4, 0.4, 6)
    res = xb.op(v)
    assert res.iterations > 1
    (op,) = xbar.read_netlist_text(xb.deck(dialect="xbar", inputs=v)).run()
    assert _rel(res.i_col, _currents(lambda k: op[k], xb)) <= 1e-10


def test_power_balance_and_ir_drop() -> None:
    rng = np.random.default_rng(5)
    g = rng.uniform(1e-5, 1e-4, (10, 7))
    v = rng.uniform(0.0, 0.3, 10)
    xb = build_crossbar(CrossbarSpec(10, 7, g=g, r_row=3.0, r_col=4.0))
    res = xb.op(v)
    delivered = float(np.sum(v * res.i_cell.sum(axis=1)))
    assert res.p_total == pytest.approx(delivered, rel=1e-10)
    assert res.p_row.sum() + res.p_col_wires.sum() == pytest.approx(res.p_total, rel=1e-12)
    assert np.all(res.ir_drop >= -1e-15)  # positive inputs: every cell sees less than its input
    assert res.ir_drop[0, -1] > res.ir_drop[-1, 0]  # corner far from driver and sense vs near both
    assert np.all(res.error < 0)


def test_differential_pairs() -> None:
    rng = np.random.default_rng(7)
    w = rng.uniform(-1.0, 1.0, (9, 4))
    g = differential_conductances(w, 1e-6, 1e-4)
    assert g.shape == (9, 8)
    xb = build_crossbar(CrossbarSpec(9, 8, g=g))
    v = rng.uniform(-0.2, 0.2, 9)
    res = xb.op(v)
    expect = (1e-4 - 1e-6) / np.max(np.abs(w)) * (v @ w)
    assert _rel(res.i_diff, expect) <= 1e-12
    wired = build_crossbar(CrossbarSpec(9, 8, g=g, r_row=5.0, r_col=5.0)).op(v)
    assert 0 < _rel(wired.i_diff, expect) < 0.05


def test_tia_finite_gain() -> None:
    rng = np.random.default_rng(11)
    g = rng.uniform(1e-5, 1e-4, (6, 3))
    v = rng.uniform(-0.2, 0.2, 6)
    a, rf = 200.0, 20e3
    xb = build_crossbar(CrossbarSpec(6, 3, g=g, sense="tia", tia_gain=a, r_feedback=rf))
    res = xb.op(v)
    expect = (v @ g) / (1.0 + g.sum(axis=0) * rf / (1.0 + a))
    assert _rel(res.i_col, expect) <= 1e-12
    assert xb.tia_outputs is not None
    vout = res.x[xb.tia_outputs]
    assert np.allclose(vout, -a / (1.0 + a) * rf * expect, rtol=1e-12, atol=0)
    assert _rel(res.i_col, v @ g) > 1e-3  # the virtual ground is not at 0 V


# --- batches -------------------------------------------------------------------------------
def test_transfer_matrix_and_batch_match_per_vector() -> None:
    rng = np.random.default_rng(2)
    g = rng.uniform(1e-5, 1e-4, (12, 10))
    xb = build_crossbar(CrossbarSpec(12, 10, g=g, r_row=2.0, r_col=2.0, r_driver=20.0, sense="resistor"))
    s = xb.solver()
    V = rng.uniform(-0.2, 0.2, (7, 12))
    per = np.array([s.op(v).i_col for v in V])
    T, i0 = s.transfer_matrix()
    assert T.shape == (12, 10) and np.all(i0 == 0)
    assert _rel(V @ T + i0, per) <= 1e-12
    for method in ("factor", "transfer"):
        b = s.batch(V, method=method)
        assert _rel(b.currents, per) <= 1e-12
    assert s.stats.factorizations == 1
    assert "superlu" in b.solver


@pytest.mark.parametrize("method", ["chord", "newton-krylov", "newton"])
def test_mtj_batch_matches_individual_op(method: str) -> None:
    rng = np.random.default_rng(4)
    xb = build_crossbar(_nonlinear_spec("mtj", 8, 8, rng, r_row=2.0, r_col=2.0))
    V = rng.uniform(-0.4, 0.4, (4, 8))
    b = xb.solver().batch(V, method=method)
    for j, v in enumerate(V):
        (op,) = xbar.read_netlist_text(xb.deck(dialect="xbar", inputs=v)).run()
        assert _rel(b.currents[j], _currents(op.__getitem__, xb)) <= 1e-9
    if method != "newton":
        assert b.factorizations == 1


def test_solver_choices() -> None:
    rng = np.random.default_rng(8)
    g = rng.uniform(1e-5, 1e-4, (10, 10))
    v = rng.uniform(0, 0.2, 10)
    xb = build_crossbar(CrossbarSpec(10, 10, g=g, r_row=1.0, r_col=1.0))
    a = xb.op(v)
    b = xb.op(v, solver="superlu-mmd")
    assert "nested-dissection" in a.solver and "MMD" in b.solver
    assert _rel(a.i_col, b.i_col) <= 1e-12


# --- relaxation baseline ---------------------------------------------------------------------
def test_fixed_point_converges_when_wires_are_light() -> None:
    rng = np.random.default_rng(9)
    g = rng.uniform(1e-5, 1e-4, (8, 8))
    v = rng.uniform(0, 0.2, 8)
    direct = build_crossbar(CrossbarSpec(8, 8, g=g, r_row=0.5, r_col=0.5)).op(v)
    rel = fixed_point_solve(g, v, 0.5, 0.5, tol=1e-13)
    assert rel.converged
    assert _rel(rel.i_col, direct.i_col) <= 1e-9


def _stiff_case(n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(12)
    return np.full((n, n), 1.0 / 5e3), rng.uniform(0.0, 0.2, n)


def _check_stiff(n: int) -> None:
    g, v = _stiff_case(n)
    xb = build_crossbar(CrossbarSpec(n, n, g=g, r_row=10.0, r_col=10.0))
    s = xb.solver()
    res = s.op(v)
    # exact: KCL residual of the MNA system at rounding level
    data = s.system.g_data
    r = s.system.matrix(data) @ res.x - s.system.rhs(None)
    r[s.red.dirichlet] = 0.0  # rows of the fixed nodes hold the source currents (zero branch unknowns)
    r[s.red.dir_branch] = 0.0
    assert np.max(np.abs(r)) <= 1e-12 * np.max(np.abs(res.i_col))
    assert np.all(res.i_col > 0) and np.all(res.i_col < res.i_ideal)
    for gamma in (1.0, 0.5, 0.1):
        rel = fixed_point_solve(g, v, 10.0, 10.0, gamma=gamma, maxiter=300, tol=1e-9)
        assert not rel.converged  # diverges or stalls
        assert not np.isfinite(rel.history[-1]) or rel.history[-1] > 1e-6 or rel.iterations == 300


def test_stiff_array_128() -> None:
    _check_stiff(128)


def test_stiff_array_512() -> None:
    _check_stiff(512)


# --- write schemes -----------------------------------------------------------------------------
@pytest.mark.parametrize(("scheme", "half", "rest"), [("v/2", 0.5, 0.0), ("v/3", 1 / 3, -1 / 3)])
def test_half_select_ideal_wires(scheme: str, half: float, rest: float) -> None:
    xb = build_crossbar(CrossbarSpec(5, 6, g=1e-4))
    w = write_op(xb, (2, 3), 1.2, scheme=scheme)
    assert w.selected == pytest.approx(1.2, abs=1e-14)
    assert np.allclose(w.half_selected, 1.2 * half, atol=1e-14)
    assert np.allclose(w.unselected, 1.2 * rest, atol=1e-14)
    assert w.drop == pytest.approx(0.0, abs=1e-14)
    resistive = write_op(build_crossbar(CrossbarSpec(5, 6, g=1e-4, r_row=20.0, r_col=20.0)), (4, 5), 1.2,
                         scheme=scheme)
    assert resistive.drop > 0


def test_mtj_write_disturb_and_breakdown() -> None:
    n = 6
    card = {**MTJ_CARD, "ic_p2ap": 150e-6, "ic_ap2p": 150e-6, "delta": 40.0, "vb": 1.0}
    xb = build_crossbar(CrossbarSpec(n, n, cell="mtj", card=card, state=np.zeros((n, n)), r_row=5.0, r_col=5.0))
    w = write_op(xb, (1, 2), 0.9, scheme="v/2", pulse=20e-9)
    assert w.p_selected > 0.5
    assert w.p_disturb < 1e-3
    assert w.breakdown == []
    s = w.summary()
    assert s["half_selected_max_v"] < 0.5 * 0.9 + 1e-12
    with pytest.warns(xbar.XbarWarning, match="breakdown"):
        hot = write_op(xb, (1, 2), 1.5, scheme="v/2")
    assert [e["cell"] for e in hot.breakdown] == [(1, 2)]


def test_sot_write_channel_drop() -> None:
    rng = np.random.default_rng(6)
    xb = build_crossbar(_nonlinear_spec("sotmtj", 4, 4, rng, r_row=5.0, r_col=5.0, write_lines="ground"))
    w = write_op(xb, (0, 3), 0.8, scheme="v/2", pulse=200e-9)
    assert 0 < w.drop < 0.2  # write lines and driver network eat part of the voltage
    assert w.i_channel is not None and w.i_channel[0, 3] > 0
    assert w.i_channel[0, 3] == pytest.approx(w.v_cell[0, 3] / 300.0, rel=0.05)  # channel of ~300 Ω
    assert w.p_switch[0, 3] >= w.p_switch.max() - 1e-15
    assert np.max(np.abs(w.half_selected)) < 0.45


# --- outputs -------------------------------------------------------------------------------------
def test_csv_and_plot(tmp_path) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(10)
    xb = build_crossbar(CrossbarSpec(4, 5, g=rng.uniform(1e-5, 1e-4, (4, 5)), r_row=1.0, r_col=1.0))
    res = xb.op(rng.uniform(0, 0.2, 4))
    res.to_csv(tmp_path / "cells.csv")
    res.columns_to_csv(tmp_path / "cols.csv")
    lines = (tmp_path / "cells.csv").read_text().splitlines()
    assert lines[0] == "row,col,v_cell,i_cell,p_cell,ir_drop" and len(lines) == 21
    assert len((tmp_path / "cols.csv").read_text().splitlines()) == 6
    xb.solver().batch(rng.uniform(0, 0.2, (3, 4))).to_csv(tmp_path / "batch.csv")
    assert len((tmp_path / "batch.csv").read_text().splitlines()) == 4
    pytest.importorskip("matplotlib")
    res.plot(tmp_path / "ir.png")
    assert (tmp_path / "ir.png").stat().st_size > 1000


def test_deck_roundtrip_subckt_xbar() -> None:
    rng = np.random.default_rng(13)
    xb = build_crossbar(CrossbarSpec(5, 4, g=rng.uniform(1e-5, 1e-4, (5, 4)), r_row=1.0, r_col=2.0,
                                     r_driver=3.0))
    v = rng.uniform(0, 0.2, 5)
    text = xb.deck(form="subckt", dialect="xbar", inputs=v)
    assert ".subckt xbar5x4 wl0 wl1 wl2 wl3 wl4 bl0 bl1 bl2 bl3" in text
    (op,) = xbar.read_netlist_text(text).run()
    res = xb.op(v)
    assert _rel(_currents(lambda k: op[k], xb), res.i_col) <= 1e-12
    assert op["v(xa.wl2_1)"] == pytest.approx(res.voltage("wl2_1"), rel=1e-12)


# --- ngspice -----------------------------------------------------------------------------------
ngspice = pytest.mark.skipif(not ngspice_available(), reason="ngspice is not installed")


@pytest.mark.ngspice
@ngspice
@pytest.mark.parametrize("case", ["plain", "driver", "row-merged", "tia-double", "access", "double"])
@pytest.mark.parametrize("form", ["flat", "subckt"])
def test_linear_against_ngspice(case: str, form: str) -> None:
    rng = np.random.default_rng(0)
    g = rng.uniform(1e-5, 1e-4, (8, 6))
    xb = build_crossbar(CrossbarSpec(8, 6, g=g, **LINEAR_CASES[case]))  # type: ignore[arg-type]
    v = rng.uniform(-0.2, 0.2, 8)
    res = xb.op(v)
    (plot,) = run_ngspice(text=xb.deck(form=form, inputs=v))
    d = dict(zip(plot.names, plot.data[0].tolist(), strict=True))
    assert _rel(_currents(d.__getitem__, xb), res.i_col) <= 1e-9


@pytest.mark.ngspice
@ngspice
@pytest.mark.parametrize("kind", ["mtj", "smtj", "sotmtj"])
def test_nonlinear_against_ngspice(kind: str) -> None:
    rng = np.random.default_rng(1)
    xb = build_crossbar(_nonlinear_spec(kind, 6, 5, rng, r_row=2.0, r_col=3.0))
    v = rng.uniform(-0.4, 0.4, 6)
    res = xb.op(v)
    text = xb.deck(form="subckt", inputs=v, options={"reltol": 1e-12, "abstol": 1e-18, "vntol": 1e-15})
    (plot,) = run_ngspice(text=text)
    d = dict(zip(plot.names, plot.data[0].tolist(), strict=True))
    assert _rel(_currents(d.__getitem__, xb), res.i_col) <= 1e-9


def test_mtj_zero_wire_is_exact_device_law() -> None:
    """No free node at all: every cell sits between two fixed nodes; I = Σ G(V)·V exactly."""
    rng = np.random.default_rng(14)
    spec = _nonlinear_spec("mtj", 5, 4, rng)
    xb = build_crossbar(spec)
    v = rng.uniform(-0.5, 0.5, 5)
    res = xb.op(v)
    from xbar.devices.mtj.physics import ap_conductance

    rp, tmr0, vh = MTJ_CARD["rp"], MTJ_CARD["tmr0"], MTJ_CARD["vh"]
    vv = np.repeat(v[:, None], 4, axis=1)
    gap, _ = ap_conductance(vv, rp, tmr0, vh)
    g = np.where(np.asarray(spec.state) == 1, gap, 1.0 / rp)
    assert _rel(res.i_col, (g * vv).sum(axis=0)) <= 1e-12
    assert _rel(xb.solver().batch(v[None, :]).currents[0], res.i_col) <= 1e-12
