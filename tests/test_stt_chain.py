"""Series chain of STT-MTJs (Lopez et al., Phys. Rev. Applied 22, 014082 (2024)).

PHYSICS.md §4.3 anchors (chain levels, self-consistent AP voltages), the paper's three-source
drive, calibration of the three published thresholds, switching statistics, seeds, breakdown.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import xbar
from xbar.devices.mtj.chain import MU0, Schedule, add_chain, field_switch_rate
from xbar.devices.mtj.physics import hazard_rate
from xbar.errors import XbarWarning
from xbar.reproduce import lopez2024 as L

ROOT = Path(__file__).resolve().parents[1]


def _plain_card(**kw):
    return {"rp": 1100.0, "tmr0": 1.2, "vh": 0.5, "vb": 10.0, **kw}


# ---- PHYSICS.md §4.3 anchor 1: chain levels ---------------------------------------------------
@pytest.mark.parametrize("n_ap", [0, 1, 2, 3])
def test_chain_levels(n_ap):
    c = xbar.Circuit()
    c.model("m", "mtj", **_plain_card())
    i_in = 1e-6  # low bias: 2.4 mV on an AP barrier, TMR roll-off 2e-5
    h = add_chain(c, "a", ["m"] * 3, i_input=i_in, i_control=[0.0] * 3,
                  state=[1 if k < n_ap else 0 for k in range(3)])
    op = c.op()
    r_chain = op[f"v({h.nodes[0]})"] / i_in
    assert r_chain == pytest.approx([3300, 4620, 5940, 7260][n_ap], rel=1e-4)
    assert sum(op[k] for k in h.r_keys()) == pytest.approx(r_chain, rel=1e-9)


# ---- anchor 2: self-consistent AP voltage at the threshold currents ---------------------------
AP_TABLE = {  # V_h: {I: (V, R_AP)}
    0.4: {434e-6: (0.639, 1472), 696e-6: (0.913, 1312), 724e-6: (0.942, 1302)},
    0.5: {434e-6: (0.679, 1564), 696e-6: (0.961, 1381), 724e-6: (0.990, 1368)},
    0.6: {434e-6: (0.714, 1646), 696e-6: (1.006, 1446), 724e-6: (1.036, 1431)},
}


@pytest.mark.parametrize("vh", [0.4, 0.5, 0.6])
def test_self_consistent_ap_voltage_table(vh):
    c = xbar.Circuit()
    c.model("m", "mtj_field", **_plain_card(vh=vh))
    currents = sorted(AP_TABLE[vh])
    for k, i in enumerate(currents):
        c.I(f"ap{k}", "0", f"a{k}", i)
        c.Y(f"ap{k}", [f"a{k}", "0"], "m", state=1)
        c.I(f"p{k}", "0", f"p{k}", i)
        c.Y(f"p{k}", [f"p{k}", "0"], "m", state=0)
    op = c.op()
    for k, i in enumerate(currents):
        v, r = AP_TABLE[vh][i]
        assert op[f"@yap{k}[v]"] == pytest.approx(v, abs=1.5e-3)
        assert op[f"@yap{k}[r]"] == pytest.approx(r, abs=1.5)
        assert op[f"@yp{k}[v]"] == pytest.approx({434e-6: 0.477, 696e-6: 0.766, 724e-6: 0.796}[i],
                                                 abs=1e-3)


# ---- the paper's circuit -------------------------------------------------------------------
def test_three_source_drive_gives_input_plus_control():
    c = xbar.Circuit()
    L.define_models(c)
    ctl = (-460e-6, -380e-6, -560e-6)
    h = add_chain(c, "a", list(L.JUNCTIONS), i_input=600e-6, i_control=ctl)
    op = c.op()
    # sources: I_dc1 = I_C1 + I_in, I_dc2 = I_C2 - I_C1, I_dc3 = I_C3 - I_C2 (Sec. II)
    sys = c.compile()
    src = next(g for g in sys.groups if type(g).__name__ == "CurrentSourceGroup")
    dc = dict(zip(src.names, src.dc, strict=True))
    assert [dc[s] for s in h.sources] == pytest.approx([140e-6, 80e-6, -180e-6], rel=1e-12)
    # paper-sign junction currents I_input + I_Ck; xbar's sign is the opposite
    got = [-op[f"@{y}[i]"] for y in h.junctions]
    assert got == pytest.approx([600e-6 + x for x in ctl], rel=1e-9)


def test_schedule_and_chain_validation():
    s = Schedule([1e-3, 1e-3], [0.0, 700e-6], [[-500e-6, -400e-6, -300e-6]] * 2, t_rise=1e-6)
    vals = s.source_values()
    assert vals[1] == pytest.approx([200e-6, 100e-6, 100e-6])
    assert s.pwl(0) == pytest.approx((0.0, -500e-6, 1e-3, -500e-6, 1e-3 + 1e-6, 200e-6, 2e-3, 200e-6))
    c = xbar.Circuit()
    c.model("m", "mtj", **_plain_card())
    with pytest.raises(ValueError, match="3 junctions need 3 control currents"):
        add_chain(c, "a", ["m"] * 3, i_control=[0.0, 0.0])


# ---- the field-biased switching law -------------------------------------------------------------
def test_field_rate_reduces_to_mtj_hazard_without_field():
    common = {"delta": 40.0, "tau0": 1e-9, "beta": 1.0, "pol": 0.6, "moment": 1e-16}
    ratio = np.array([0.5, 0.8, 0.9, 1.0, 1.3])
    for state, sign in ((1, -1.0), (0, 1.0)):
        r = field_switch_rate(sign * ratio * 1e-3, np.full(5, state), hx=0.0, hk=1e4,
                              ic_p2ap=1e-3, ic_ap2p=1e-3, **common)
        ref = hazard_rate(ratio, 40.0, 1e-9, 1.0, 1e-3, 0.6, 1e-16)
        np.testing.assert_allclose(r, ref, rtol=1e-12)
    # an opposing current raises the barrier instead of zeroing the rate
    r0 = field_switch_rate(np.array([0.0, 1e-4]), np.array([1, 1]), hx=0.0, hk=1e4, ic_p2ap=1e-3,
                           ic_ap2p=1e-3, **common)
    assert r0[0] == pytest.approx(np.exp(-40.0) / 1e-9)
    assert r0[1] == pytest.approx(np.exp(-40.0 * 1.1) / 1e-9)
    # the field lowers the AP->P barrier and raises the P->AP one: (1 -/+ h)^2
    h = 0.3
    r_ap, r_p = field_switch_rate(np.zeros(2), np.array([1, 0]), hx=h * 1e4, hk=1e4, ic_p2ap=1e-3,
                                  ic_ap2p=1e-3, **common)
    assert np.log(r_ap * 1e-9) == pytest.approx(-40 * (1 - h) ** 2)
    assert np.log(r_p * 1e-9) == pytest.approx(-40 * (1 + h) ** 2)


def test_library_cards():
    for name in (*L.JUNCTIONS, "lopez_stt"):
        p = L.card(name)
        assert p["rp"] == 1100.0 and p["tmr0"] == 1.2
        assert p["hx"] * MU0 == pytest.approx(6e-3, rel=1e-6)  # the paper's 6 mT
    assert L.card("lopez_stt")["hk_sigma"] == pytest.approx(0.41)


# ---- anchor 3: calibration ---------------------------------------------------------------------
def test_calibration_recovers_library_hk_and_thresholds():
    hk = L.calibrate()
    lib = [L.card(n)["hk"] for n in L.JUNCTIONS]
    np.testing.assert_allclose(hk, lib, rtol=2e-6)
    for k, name in enumerate(L.JUNCTIONS):
        assert L.threshold_of(L.card(name), L.CONTROL[k]) == pytest.approx(L.THRESHOLDS[k], rel=1e-5)
        # a control change shifts only this junction's threshold, by -ΔI_C (Fig. 1(b) dashed)
        shifted = L.threshold_of(L.card(name), L.CONTROL_DASHED[k])
        assert shifted == pytest.approx(L.THRESHOLDS[k] - (L.CONTROL_DASHED[k] - L.CONTROL[k]),
                                        rel=1e-6)


OFFSETS = (-2.0, -1.0, 0.0, 1.0, 2.0)
SCALES = (10e-6, 28e-6, 13e-6)  # Gumbel width scales of the three junctions (≈)
N_TRIALS = 80


@pytest.fixture(scope="module")
def statistics():
    inputs = np.array([t + o * s for t, s in zip(L.THRESHOLDS, SCALES, strict=True) for o in OFFSETS])
    frac = L.switched_fraction(inputs, N_TRIALS, seed=11)
    return inputs, frac


def test_calibrated_chain_reproduces_published_thresholds(statistics):
    inputs, frac = statistics
    th, _ = L.fit_thresholds(inputs, frac)
    np.testing.assert_allclose(th, L.THRESHOLDS, rtol=0.02)


# ---- anchor 4: sigmoid-like switched fraction ----------------------------------------------------
def test_switched_fraction_is_sigmoid_and_half_at_threshold(statistics):
    inputs, frac = statistics
    tol = 3 * 0.5 / np.sqrt(N_TRIALS)
    for k in range(3):
        sel = slice(5 * k, 5 * k + 5)  # the points centred on junction k's threshold
        f = frac[sel, k]
        assert f[2] == pytest.approx(0.5, abs=tol)
        assert f[0] < 0.25 and f[-1] > 0.75
        assert np.all(np.diff(f) >= -tol)  # monotone within noise
        # the fraction of every junction increases with the input over the whole set
        order = np.argsort(inputs)
        assert np.corrcoef(inputs[order], frac[order, k])[0, 1] > 0.5


# ---- reproducibility ------------------------------------------------------------------------
def test_fixed_seed_reproduces_and_other_seed_differs():
    x = np.repeat(np.array(L.THRESHOLDS), 20)
    a1, b1 = L.run_inputs(x, x[::-1], seed=5)
    a2, b2 = L.run_inputs(x, x[::-1], seed=5)
    a3, _ = L.run_inputs(x, x[::-1], seed=6)
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_array_equal(b1, b2)
    assert not np.array_equal(a1, a3)


# ---- Fig. 1(c): the 16 configurations ------------------------------------------------------------
def test_switching_map_has_16_configurations():
    pts = np.array([350e-6, 560e-6, 710e-6, 850e-6])  # one per threshold window
    ga, gb = (np.repeat(g.ravel(), 12) for g in np.meshgrid(pts, pts))
    sa, sb = L.run_inputs(ga, gb, seed=4)
    configs = {(int(a), int(b)) for a, b in zip((1 - sa).sum(1), (1 - sb).sum(1), strict=True)}
    assert configs == {(a, b) for a in range(4) for b in range(4)}


# ---- breakdown ---------------------------------------------------------------------------------
def test_breakdown_event_when_chain_is_overdriven():
    c = xbar.Circuit()
    L.define_models(c)
    h = add_chain(c, "a", list(L.JUNCTIONS), i_input=2.5e-3, i_control=L.CONTROL, state=1)
    with pytest.warns(XbarWarning, match="breakdown"):
        op = c.op()
    kinds = {e["kind"] for e in op.events}
    assert kinds == {"breakdown"}
    assert {e["device"] for e in op.events} == set(h.junctions)
    assert all(abs(e["voltage"]) > 1.5 for e in op.events)


def test_n_max_of_the_card():
    scan = L.breakdown_scan(range(1, 21))
    assert scan.n_max == 16
    assert np.all(scan.broken[scan.n <= 16] == 0) and np.all(scan.broken[scan.n > 16] == 1)
    # the reset state (AP barrier, most negative control) is the limiting one
    assert scan.vj_reset[15] < scan.vb < scan.vj_reset[16]
    assert np.all(scan.vj_top < scan.vj_reset)
    assert np.all(np.diff(scan.vchain_reset) > 0)


# ---- decks ---------------------------------------------------------------------------------
def test_decks_run():
    deck = xbar.read_netlist(ROOT / "netlists" / "lopez2024_chain_op.cir")
    op, dc = deck.run()
    assert [op[f"@y{k}[i]"] for k in (1, 2, 3)] == pytest.approx([-140e-6, -220e-6, -40e-6])
    assert len(dc["v(n0)"]) == 51


@pytest.mark.slow
def test_ramp_deck_switches_in_threshold_order():
    tr = xbar.read_netlist(ROOT / "netlists" / "lopez2024_chain_ramp.cir").run()[0]
    t = tr["time"]
    first = [t[np.argmax(tr[f"@y{k}[state]"] < 0.5)] for k in (1, 2, 3)]
    assert first[1] < first[2] < first[0]


@pytest.mark.slow
def test_vowel_training_reduced():
    """The ±10 µA rule, started from the paper's −500 µA controls, trains the chain on the
    vowels (encoding from the surrogate, chain simulated by xbar at every step)."""
    from xbar.datasets.hillenbrand import load_vowels, speaker_split
    from xbar.errors import DataError

    try:
        data = load_vowels()
    except DataError:
        pytest.skip("Hillenbrand data not available")
    train, test = speaker_split(data.speakers, 0.2, seed=0)
    clf = L.vowel_classifier(seed=0, realtime_steps=40, eval_every=20, restarts=2)
    clf.fit(data.x[train], data.y[train], eval_set=(data.x[test], data.y[test]))
    rate = clf.history_.rate_train
    assert rate[-1] > rate[0] + 0.3
    assert rate[-1] > 0.8
