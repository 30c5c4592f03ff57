"""Compound SOT-MTJ (Kumar et al. 2024): channel network, exact Jacobian, n + 1 read levels,
eq. (1) switching with field and thermal statistics, breakdown on write pulses, ngspice parity."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import xbar
from xbar.devices.base import LoadContext
from xbar.devices.mtj.sot import (
    SOT_CARD,
    SotMtj,
    anisotropy_field,
    channel_segments,
    critical_current,
    read_lib,
    rp_law,
    sot_rate,
    threshold_current,
    tmr_law,
    vb_law,
)
from xbar.devices.params import bind_card
from xbar.devices.waveforms import WaveformSpec
from xbar.errors import ModelCardError, NetlistError, XbarWarning

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "compact_models" / "kumar2024_sot.lib"
SIGMAS = ("rp_sigma", "tmr_sigma", "hc_sigma", "ic_sigma", "tf_sigma", "vb_sigma")


def _ctx():
    ctx = LoadContext(gmin=1e-12, temp=27.0, reltol=1e-3, abstol=1e-12, vntol=1e-6)
    ctx.initialise = False
    return ctx


def _card(name: str = "kumar_sot_t16", nominal: bool = True, **over: float) -> dict[str, float]:
    params = dict(read_lib(LIB)[name][1])
    if nominal:
        params.update(dict.fromkeys(SIGMAS, 0.0))
    params.update(over)
    return params


def _group(c: xbar.Circuit) -> SotMtj:
    return next(g for g in c.compile().groups if isinstance(g, SotMtj))


# --- library cards and the paper's anchors -----------------------------------------------

def test_library_cards_differ_only_in_thickness_and_hit_the_papers_numbers():
    cards = read_lib(LIB)
    assert {f"kumar_sot_t{k}" for k in (16, 17, 18, 19, 20, 22, 24, 26)} <= set(cards)
    base = cards["kumar_sot_t16"][1]
    for name, (mtype, params) in cards.items():
        assert mtype == "sotmtj"
        assert {k: v for k, v in params.items() if k != "tf"} == {k: v for k, v in base.items() if k != "tf"}, name
    c = bind_card("k", "sotmtj", SOT_CARD + SotMtj.instance_params, base).values
    t = np.array([1.6e-9, 1.9e-9, 2.6e-9])
    np.testing.assert_allclose(tmr_law(c, t), [0.33, 0.40, 0.78], rtol=1e-6)          # Fig. 3f
    assert rp_law(c, np.array(1.6e-9)) == pytest.approx(25.2e3, rel=1e-6)              # Fig. 3b
    np.testing.assert_allclose(vb_law(c, t[[0, 2]]), [1.8, 2.0], rtol=1e-12)           # Fig. 4h
    vc = threshold_current(c, t[[0, 2]], 200e-9) * channel_segments(c, 1).sum()
    np.testing.assert_allclose(vc, [0.7, 2.0], rtol=1e-6)                              # Fig. 4c
    # eq. (1) is linear in t_F with zero crossing t0 = K_s/(H_c + M_s) ≈ 1.06 nm
    i1, i2 = critical_current(c, np.array([1.6e-9, 2.6e-9]), c["hc"], 0.0)
    t0 = 1.6e-9 - i1 * 1e-9 / (i2 - i1)
    assert t0 == pytest.approx(1.06e-9, rel=0.01)


def test_sharrock_anisotropy_reproduces_the_coercivity():
    c = bind_card("k", "sotmtj", SOT_CARD + SotMtj.instance_params, {}).values
    hk, d0 = anisotropy_field(c, np.array([1.6e-9, 2.6e-9]), 10e-3)
    lnt = np.log(c["tmeas"] / c["tau0"])
    np.testing.assert_allclose(hk * (1 - np.sqrt(lnt / d0)), 10e-3, rtol=1e-12)
    assert np.all(d0 > 200)  # thermally stable cells


def test_rate_matches_physics_md_table_and_field_lowers_barrier():
    # PHYSICS.md §1.5: Δ = 40, I/Ic = 0.9 → τ = 54.6 ns
    r = sot_rate(np.array([0.9]), np.array([0.0]), np.array([40.0]), 1e-9, 1.0, np.array([1e-3]),
                 np.array([1e-16]))
    assert 1 / r[0] == pytest.approx(54.6e-9, rel=5e-3)
    d0 = np.array([300.0])
    no_field = sot_rate(np.array([0.95]), np.array([0.0]), d0, 1e-9, 1.0, np.array([1e-3]), np.array([1e-16]))
    assist = sot_rate(np.array([0.95]), np.array([0.4]), d0, 1e-9, 1.0, np.array([1e-3]), np.array([1e-16]))
    oppose = sot_rate(np.array([0.95]), np.array([-0.4]), d0, 1e-9, 1.0, np.array([1e-3]), np.array([1e-16]))
    assert oppose[0] < no_field[0] < assist[0]
    assert assist[0] == pytest.approx(np.exp(-300 * 0.36 * 0.05) / 1e-9, rel=1e-12)


# --- network ---------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 3])
def test_channel_chain_matches_an_independent_nodal_solution(n):
    c = xbar.Circuit()
    c.model("k", "sotmtj", **_card())
    c.V("1", "a", "0", 1.3)
    c.R("ref", "t", "0", 5e3)
    name = c.Y("1", ["a", "0", "t"], "k", ncell=n)  # all P: linear
    op = c.op()
    g = _group(c)
    assert g.rch == pytest.approx({1: 300.0, 2: 450.0, 3: 600.0}[n], rel=1e-12)
    # independent solve: unknowns x1..xn, t
    seg = channel_segments(_card(), n)
    gp = 1.0 / g.rp[0]
    m = n + 1
    A = np.zeros((m, m))
    b = np.zeros(m)
    chain_v = [None, *range(n), None]  # index into unknowns, None = fixed node
    fixed = {0: 1.3, n + 1: 0.0}
    for s in range(n + 1):
        p, q = s, s + 1
        gs = 1 / seg[s]
        for u, w in ((p, q), (q, p)):
            iu = chain_v[u]
            if iu is None:
                continue
            A[iu, iu] += gs
            if chain_v[w] is None:
                b[iu] += gs * fixed[w]
            else:
                A[iu, chain_v[w]] -= gs
    for k in range(n):
        A[k, k] += gp[k]
        A[k, n] -= gp[k]
        A[n, n] += gp[k]
        A[n, k] -= gp[k]
    A[n, n] += 1 / 5e3
    sol = np.linalg.solve(A, b)
    for k in range(n):
        assert op[f"v({name}#{k})"] == pytest.approx(sol[k], rel=1e-10)
    assert op["v(t)"] == pytest.approx(sol[n], rel=1e-10)
    # the channel current under each cell, and the barrier voltages
    for k in range(n):
        assert op[f"@{name}[v{k + 1}]"] == pytest.approx(sol[n] - sol[k], rel=1e-9, abs=1e-12)
        assert op[f"@{name}[ich{k + 1}]"] == pytest.approx(1.3 / g.rch, rel=0.02)


@pytest.mark.parametrize("mask", [0, 1, 2, 5, 7])
def test_jacobian_matches_finite_differences(mask):
    c = xbar.Circuit()
    c.model("k", "sotmtj", **_card("kumar_sot_t22"))
    c.V("1", "a", "0", 0.0)
    c.Y("1", ["a", "b", "t"], "k", ncell=3, state=mask)
    c.R("b", "b", "0", 10.0)
    c.R("t", "t", "0", 1e4)
    sysm = c.compile()
    g = _group(c)
    rows, cols = g.nl_pattern()
    rng = np.random.default_rng(1)

    def currents(x):
        vals, r, ieq = g.nl_load(x, _ctx())
        f = np.zeros(sysm.n)
        keep = (rows >= 0) & (cols >= 0)
        np.add.at(f, rows[keep], vals[keep] * x[cols[keep]])
        np.add.at(f, r[r >= 0], ieq[r >= 0])
        return f, vals

    for _ in range(4):
        x = rng.uniform(-1.2, 1.2, sysm.n)
        f, vals = currents(x)
        J = np.zeros((sysm.n, sysm.n))
        keep = (rows >= 0) & (cols >= 0)
        np.add.at(J, (rows[keep], cols[keep]), vals[keep])
        h = 1e-6
        for j in range(sysm.n):
            xp, xm = x.copy(), x.copy()
            xp[j] += h
            xm[j] -= h
            col = (currents(xp)[0] - currents(xm)[0]) / (2 * h)
            np.testing.assert_allclose(J[:, j], col, rtol=1e-6, atol=1e-12)
        # the companion form reproduces the physical barrier currents G(V)·V at x
        v = g.barrier_voltage(x)
        gv, _ = g.conductance(v)
        top = int(g.top[0])
        assert f[top] == pytest.approx(float((gv * v).sum()), rel=1e-12, abs=1e-18)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_n_plus_one_read_levels(n):
    c = xbar.Circuit()
    c.model("k", "sotmtj", **_card("kumar_sot_t19"))
    c.V("rd", "t", "0", 1e-3)
    names = [c.Y(f"k{k}", ["0", "0", "t"], "k", ncell=n, state=(1 << k) - 1) for k in range(n + 1)]
    op = c.op()
    cv = _card("kumar_sot_t19")
    card = bind_card("k", "sotmtj", SOT_CARD + SotMtj.instance_params, cv).values
    rp = float(rp_law(card, np.array(1.9e-9)))
    tmr = float(tmr_law(card, np.array(1.9e-9)))
    levels = np.array([op[f"@{nm}[r]"] for nm in names])
    assert len(np.unique(np.round(levels, 3))) == n + 1
    assert np.all(np.diff(levels) > 0)
    for k, r in enumerate(levels):
        assert op[f"@{names[k]}[nap]"] == k
        rap = rp * (1 + tmr / (1 + (op[f"@{names[k]}[v1]"] / 0.5) ** 2))
        assert r == pytest.approx(1 / ((n - k) / rp + k / rap), rel=1e-6)


# --- switching -------------------------------------------------------------------------------

def _pulse_bench(amplitude: float, *, state: int, ha: float, tf: float = 1.6e-9, n: int = 1,
                 top_grounded: bool = False, card: dict[str, float] | None = None, count: int = 1,
                 seed: int = 0, width: float = 200e-9, edge: float = 1e-9) -> xbar.Circuit:
    c = xbar.Circuit("pulse")
    c.set_options(seed=seed)
    c.model("k", "sotmtj", **(card or _card()))
    c.V("w", "w", "0", 0.0, waveform=WaveformSpec("pulse", (0.0, amplitude, 10e-9, edge, edge, width, 1.0)))
    for i in range(count):
        top = "0" if top_grounded else f"t{i}"
        if not top_grounded:
            c.R(f"ref{i}", top, "0", 1e6)
        c.Y(f"d{i}", ["w", "0", top], "k", ncell=n, state=state, ha=ha, tf=tf)
    return c


def test_switching_direction_follows_current_sign_and_field_assists():
    card = bind_card("k", "sotmtj", SOT_CARD + SotMtj.instance_params, _card()).values
    t = np.array(1.6e-9)
    v_assist = float(threshold_current(card, t, 200e-9, 6e-3)) * 300.0
    v_oppose = float(threshold_current(card, t, 200e-9, -6e-3)) * 300.0
    v_mid = 0.5 * (v_assist + v_oppose)
    assert v_assist < 0.7 < v_oppose  # field-free 0.7 V sits between
    cases = [  # (amplitude, initial state, field, final state)
        (-v_mid, 1, -6e-3, 0),    # AP→P: negative current, negative (assisting) field
        (-v_mid, 1, +6e-3, 1),    # opposing field raises the barrier: no switching
        (+v_mid, 0, +6e-3, 1),    # P→AP: positive current, positive field
        (+v_mid, 0, -6e-3, 0),
        (+1.2, 1, +6e-3, 1),      # positive current cannot write P
        (-1.2, 0, -6e-3, 0),      # negative current cannot write AP
        (-0.95 * v_assist, 1, -6e-3, 1),  # below threshold
    ]
    for amp, s0, ha, s1 in cases:
        tr = _pulse_bench(amp, state=s0, ha=ha).tran(5e-9, 260e-9)
        assert tr["@yd0[state]"][-1] == s1, (amp, s0, ha)


def test_three_cell_device_needs_twice_the_voltage_of_one_cell():
    # same critical current density, double channel resistance (600 vs 300 Ω)
    from xbar.reproduce.kumar2024 import staircase

    one = staircase([1.6], 1, 8, -np.round(np.arange(0.56, 0.75, 0.01), 12), ha=-6e-3, nominal=True)
    three = staircase([1.6], 3, 8, -np.round(np.arange(1.16, 1.45, 0.01), 12), ha=-6e-3, nominal=True)
    ratio = np.median(three.full()) / np.median(one.full())
    assert ratio == pytest.approx(2.0, rel=0.04)
    # identical nominal cells differ only by thermal statistics (a few per cent)
    assert np.nanstd(three.switch_v) / np.nanmean(three.switch_v) < 0.04


def _stats_card() -> dict[str, float]:
    # a small cell (Δ0 ≈ 40) so that 200 ns pulses switch with intermediate probability
    return _card(area=1.2e-14, ic_sigma=0.0)


def test_switching_statistics_match_the_hazard_rate_and_do_not_depend_on_the_step():
    card = bind_card("k", "sotmtj", SOT_CARD + SotMtj.instance_params, _stats_card()).values
    t = np.array(1.6e-9)
    _, d0 = anisotropy_field(card, t, card["hc"])
    assert 20 < d0 < 80
    ic = float(critical_current(card, t, card["hc"], 0.0))
    amp = 0.9 * ic * 300.0
    eta = card["theta_sh"] * card["area"] / (card["wch"] * card["tch"])
    rate = sot_rate(np.array([0.9]), np.array([0.0]), np.array([d0]), 1e-9, 1.0, np.array([ic]),
                    np.array([card["ms"] * card["area"] * 1.6e-9 * 0.5 / eta]))[0]
    expected = -np.expm1(-rate * 200e-9)
    assert 0.2 < expected < 0.8
    n = 400
    fractions = []
    for tmax in (2e-9, 40e-9):
        c = _pulse_bench(-amp, state=1, ha=0.0, card=_stats_card(), count=n, seed=4, top_grounded=True,
                         edge=1e-12)
        tr = c.tran(5e-9, 230e-9, tmax=tmax)
        fractions.append(np.mean([tr[f"@yd{i}[state]"][-1] == 0 for i in range(n)]))
    sigma = np.sqrt(expected * (1 - expected) / n)
    for f in fractions:
        assert abs(f - expected) < 4 * sigma + 0.01


def test_statistics_are_reproducible_with_a_fixed_seed():
    def final_states(seed):
        c = _pulse_bench(-1.33, state=7, ha=-6e-3, n=3, card=_card(nominal=False), count=30, seed=seed)
        tr = c.tran(5e-9, 260e-9)
        return [tr[f"@yd{i}[state]"][-1] for i in range(30)], [
            (e["device"], e["cell"], e["time"]) for e in tr.events]

    first = final_states(11)
    assert first == final_states(11)
    assert first != final_states(12)
    assert len(set(first[0])) > 1  # device-to-device variation gives different outcomes


def test_variation_draws_are_per_cell_and_seeded():
    def draws(seed):
        c = xbar.Circuit()
        c.set_options(seed=seed)
        c.model("k", "sotmtj", **_card(nominal=False))
        c.V("1", "a", "0", 0.0)
        for i in range(5):
            c.Y(f"{i}", ["a", "0", "a"], "k", ncell=3)
        g = _group(c)
        return np.concatenate([g.rp.ravel(), g.vb.ravel(), g.ic_scale.ravel()])

    a, b = draws(1), draws(1)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, draws(2))
    assert np.std(a[:15]) > 0


def test_per_cell_thickness_sets_each_cells_parameters():
    c = xbar.Circuit()
    c.model("k", "sotmtj", **_card())
    c.V("w", "w", "0", 0.0)
    c.Y("1", ["w", "0", "w"], "k", ncell=3, tf1=1.6e-9, tf2=1.75e-9, tf3=2.0e-9)
    g = _group(c)
    np.testing.assert_allclose(g.tf[0], [1.6e-9, 1.75e-9, 2.0e-9])
    card = g.card.values
    np.testing.assert_allclose(g.rp[0], rp_law(card, g.tf[0]))
    np.testing.assert_allclose(g.tmr0[0], tmr_law(card, g.tf[0]))
    ic = critical_current(card, g.tf[0], card["hc"], 0.0)
    assert np.all(np.diff(ic) > 0)  # thicker free layers need more current (eq. (1))


# --- breakdown ---------------------------------------------------------------------------------

def test_breakdown_event_when_a_write_pulse_pushes_a_barrier_over_vb():
    # read line held at 0 V: cell 1 of a 3-cell device sits at 3/4 of the pulse
    c = _pulse_bench(3.0, state=0, ha=0.0, n=3, top_grounded=True)
    with pytest.warns(XbarWarning, match=r"breakdown.*cell 1 of 'yd0'"):
        tr = c.tran(5e-9, 260e-9)
    bd = [e for e in tr.events if e["kind"] == "breakdown"]
    assert bd and bd[0]["device"] == "yd0" and bd[0]["cell"] == 1
    assert abs(bd[0]["voltage"]) > bd[0]["vb"] == pytest.approx(1.8)
    assert tr["@yd0[broken]"][-1] >= 1
    # the shorted barrier (rbd = 100 Ω) now dominates the read
    assert tr["@yd0[r]"][-1] < 200.0
    # 2 V: edge barrier at 1.5 V < V_B, no event
    c2 = _pulse_bench(2.0, state=0, ha=0.0, n=3, top_grounded=True)
    assert not [e for e in c2.tran(5e-9, 260e-9).events if e["kind"] == "breakdown"]


def test_floating_readout_keeps_barriers_low_during_writes():
    c = _pulse_bench(3.0, state=0, ha=0.0, n=3)
    tr = c.tran(5e-9, 260e-9)
    assert not [e for e in tr.events if e["kind"] == "breakdown"]
    v = np.abs([tr.at(f"@yd0[v{k}]", 100e-9) for k in (1, 2, 3)])
    np.testing.assert_allclose(v, [0.75, 0.0, 0.75], atol=0.02)


# --- errors and parity -------------------------------------------------------------------------

def test_bad_parameters_raise_model_card_errors():
    c = xbar.Circuit()
    c.model("k", "sotmtj", rpp=1.0)
    with pytest.raises(ModelCardError, match=r"unknown parameter 'rpp'"):
        c.Y("1", ["a", "b", "c"], "k")
    c = xbar.Circuit()
    c.model("k", "sotmtj")
    with pytest.raises(ModelCardError, match=r"ncell=0 must be an integer"):
        c.Y("1", ["a", "b", "c"], "k", ncell=0)
    with pytest.raises(NetlistError, match=r"needs 3 terminals"):
        c.Y("2", ["a", "b"], "k")
    c.V("1", "a", "0", 1.0)
    c.Y("3", ["a", "0", "c"], "k", tf=5e-9)
    with pytest.raises(ModelCardError, match=r"tf=5e-09 m is outside"):
        c.op()


@pytest.mark.ngspice
@pytest.mark.skipif(shutil.which("ngspice") is None, reason="ngspice is not installed")
def test_fixed_state_parity_with_ngspice():
    from xbar.testing.ngspice import run_ngspice

    c = xbar.Circuit("sot-mtj parity")
    c.model("k", "sotmtj", **_card("kumar_sot_t20"))
    c.V("w", "w1", "0", 0.9)
    c.V("r", "rd", "0", 0.35)
    c.R("ref", "rd", "t", 2e3)
    c.Y("1", ["w1", "0", "t"], "k", ncell=3, state=5)
    c.Y("2", ["w1", "m", "t"], "k", ncell=1, state=1, tf=2.4e-9)
    c.R("m", "m", "0", 40.0)
    op = c.op()
    plots = run_ngspice(text=c.to_netlist([".op"]))
    for key in ("v(t)", "v(m)", "i(vw)", "i(vr)"):
        assert op[key] == pytest.approx(plots[0][key][0], rel=1e-6)


def test_write_read_deck_shows_four_levels():
    deck = ROOT / "netlists" / "kumar2024_write_read.cir"
    try:
        net = xbar.read_netlist(deck)
    except NetlistError as exc:
        if "not supported" in str(exc):
            pytest.skip(f"deck front end does not take sotmtj Y cards yet: {exc}")
        raise
    tr = net.run()[-1]
    mid = 0.7e-6 + 2e-9 + 0.8e-6 * np.arange(6)
    r = tr.at("v(t)", mid) / -tr.at("i(vrd)", mid)
    nap = tr.at("@y1[nap]", mid)
    np.testing.assert_array_equal(nap, [3, 2, 2, 1, 0, 0])
    assert len(np.unique(np.round(r))) == 4
    assert np.all(np.diff(r) <= 0)


@pytest.mark.slow
def test_reproduction_table(tmp_path):
    from xbar.reproduce import kumar2024

    rows = kumar2024.rows(tmp_path)
    status = {(r.figure, r.quantity): r.status for r in rows}
    assert all(r.status in ("ok", "differs", "not reproduced") for r in rows)
    assert sum(s == "ok" for s in status.values()) >= 15
    assert status[("Fig. 4f", "read levels of the 3-cell R(V) loop (1.7 nm, ±6 mT)")] == "ok"
    for r in rows:
        if r.plot:
            assert (tmp_path / r.plot).is_file()
