"""Co/Gd Hall bar (``cogd``, Li et al. 2022): Hall stamp, multistate nucleation switching,
PHYSICS.md §6.3 anchors, the exported sigmoid activation, seeds, ngspice parity, decks."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import xbar
from xbar.devices.mtj.cogd import EV, OE, CoGdHallBar, dl_field, mean_barrier, threshold_current
from xbar.devices.params import bind_card
from xbar.errors import ModelCardError
from xbar.nn.activations import LI2022_FIT, DeviceSigmoid, fit_li2022_sigmoid, li2022_sigmoid
from xbar.reproduce import li2022

ROOT = Path(__file__).resolve().parents[1]
LIB = ROOT / "compact_models" / "li2022_cogd.lib"


def _groups(c):
    return [g for g in c.compile().groups if isinstance(g, CoGdHallBar)]


def _staircase(amps, reset=None):
    s = li2022.Schedule(li2022.I_READ)
    s.hold(li2022.GAP, li2022.I_READ)
    for a in amps:
        if reset is not None:
            s.pulse(reset)
        s.hold(li2022.WIDTH, float(a))
        s.hold(li2022.GAP, li2022.I_READ)
        s.mark("set")
    return s


# read-out and stamp ------------------------------------------------------------------------
def test_dl_field_anchor():
    # PHYSICS.md §6.3 anchor 4: H_DL(J = 4e7 A/cm²) = 100 Oe = 7958 A/m
    mu0 = 4e-7 * np.pi
    h = float(dl_field(4e11, 2.5e-14))
    assert h == pytest.approx(100 * OE, rel=1e-12)
    assert h / mu0 == pytest.approx(7957.747, rel=1e-6)
    # the same through a circuit: 24 mA in a 10 µm × 6 nm channel is 4e11 A/m²
    c = xbar.Circuit()
    c.load_models(LIB, ["li2022_t20"])
    c.I("1", "0", "a", 4e11 * 10e-6 * 6e-9)
    c.Y("1", ["a", "0", "hp", "hm"], "li2022_t20", hx=-0.05)
    assert abs(c.op()["@y1[hdl]"]) == pytest.approx(0.01, rel=1e-12)


def _mixed_circuit():
    c = xbar.Circuit("cogd stamp")
    c.model("m", "cogd", nreg=10, roff=0.05, rhp=150.0, rhm=80.0)
    c.I("1", "0", "a", 7e-3)
    c.R("l1", "a", "0", 900.0)
    c.Y("1", ["a", "b", "h1", "h2"], "m", hx=-0.05, mz0=0.4)
    c.Y("2", ["b", "0", "h3", "0"], "m", hx=0.07, mz0=-0.6)
    c.R("l2", "h1", "0", 2e3)
    c.R("l3", "h2", "h3", 500.0)
    return c


def test_jacobian_matches_finite_differences():
    c = _mixed_circuit()
    (g,) = _groups(c)
    rng = np.random.default_rng(0)
    v = rng.normal(scale=0.3, size=(len(g), 5))
    A = g.local_matrix()
    h = 1e-6
    for k in range(5):
        dv = np.zeros_like(v)
        dv[:, k] = h
        fd = (g.local_currents(v + dv) - g.local_currents(v - dv)) / (2 * h)
        np.testing.assert_allclose(A[:, :, k], fd, rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(np.einsum("nij,nj->ni", A, v), g.local_currents(v), rtol=1e-12, atol=1e-15)
    # KCL (terminal currents sum to 0) and invariance to a common potential shift
    np.testing.assert_allclose(A.sum(axis=1), 0.0, atol=1e-15)
    np.testing.assert_allclose(A.sum(axis=2), 0.0, atol=1e-15)
    rows, cols, vals = g.g_stamp()
    assert len(rows) == len(cols) == len(vals) == 25 * len(g)
    np.testing.assert_array_equal(vals, A.ravel())


def test_hall_voltage_and_channel_resistance_at_op():
    c = xbar.Circuit()
    c.load_models(LIB, ["li2022_t20"])
    i = 0.1e-3
    c.I("1", "0", "a", i)
    c.Y("1", ["a", "0", "hp", "hm"], "li2022_t20", hx=-0.05, mz0=0.2)
    op = c.op()
    n_up = round(0.6 * 30)
    mz = np.sqrt(1 - (0.05 / 0.16) ** 2) * (2 * n_up - 30) / 30
    assert op["@y1[mz]"] == pytest.approx(mz, rel=1e-12)
    assert op["v(a)"] == pytest.approx(i * 300.0, rel=1e-12)
    assert op["v(hp)"] - op["v(hm)"] == pytest.approx(i * 1.0 * mz, rel=1e-9)
    assert op["@y1[rhall]"] == pytest.approx(mz, rel=1e-12)
    assert op["@y1[ixx]"] == pytest.approx(i, rel=1e-12)


def test_bad_parameters_raise():
    c = xbar.Circuit()
    c.model("m", "cogd", hk=0.05)
    with pytest.raises(ModelCardError, match="hx"):
        c.Y("1", ["a", "0", "hp", "hm"], "m", hx=0.06)
    c.model("n", "cogd", nreg=2.5)
    with pytest.raises(ModelCardError, match="nreg"):
        c.Y("2", ["a", "0", "hp", "hm"], "n")
    c2 = xbar.Circuit()
    c2.model("m", "cogd", rxx=-1.0)
    with pytest.raises(ModelCardError):
        c2.Y("1", ["a", "0", "hp", "hm"], "m")


# switching -----------------------------------------------------------------------------------
def test_switching_probability_per_step():
    """After one step at constant current the switched fraction is 1 − exp(−Δt·rate)."""
    c = xbar.Circuit()
    c.set_options(seed=5)
    c.model("m", "cogd", nreg=400, eb_sigma=0.0, dwprop=0.0)
    i0 = float(threshold_current(c._bound_card("m").values, float(mean_barrier(c._bound_card("m").values, -0.05)), 10e-3))
    c.I("1", "0", "a", i0)
    c.Y("1", ["a", "0", "hp", "hm"], "m", hx=-0.05)
    op = c.op()
    (g,) = _groups(c)
    x = np.array([op[n] for n in c.compile().unknown_names()])
    rate = g.rates(g.channel_current(x))
    dt = 10e-3
    p = 1 - np.exp(-dt * rate[0, 0])
    assert p == pytest.approx(0.5, rel=1e-9)  # threshold_current is the 50 % current
    g.after_solution(x, 0.0, dt)
    frac = float(np.mean(g.s == 1))
    assert abs(frac - p) < 4 * np.sqrt(p * (1 - p) / 400)


def test_n_regions_give_n_plus_one_levels():
    n = 4
    card = {"nreg": n, "dwprop": 0.0, "eb_sigma": 1.2 * EV, "eb_min": 0.5 * EV}
    amps = np.arange(0.0, 45e-3, 0.25e-3)
    r, _, _ = li2022.hall_train([("m", -0.05)] * 6, _staircase(amps), seed=11, label="set",
                                models={"m": card})
    cos = np.sqrt(1 - (0.05 / 0.16) ** 2)
    allowed = np.round(cos * (2 * np.arange(n + 1) - n) / n, 9)
    seen = set()
    for row in r:
        levels = set(np.round(row, 9))
        assert levels <= set(allowed)
        seen |= levels
    assert len(seen) == n + 1


def test_single_region_without_spread_is_a_step():
    card = {"nreg": 1, "eb_sigma": 0.0}
    c0 = bind_card("m", "cogd", CoGdHallBar.card_params, card).values
    i50 = float(threshold_current(c0, float(mean_barrier(c0, -0.05)), 10e-3))
    amps = i50 * np.array([0.8, 0.85, 0.98, 1.02, 1.15, 1.2])
    r, _, _ = li2022.hall_train([("m", -0.05)] * 40, _staircase(amps, reset=-40e-3), seed=3, label="set",
                                models={"m": card})
    cos = np.sqrt(1 - (0.05 / 0.16) ** 2)
    assert set(np.round(r.ravel(), 9)) <= {round(-cos, 9), round(cos, 9)}  # binary
    up = (r > 0).mean(axis=0)
    np.testing.assert_array_equal(up[[0, 1, 4, 5]], [0.0, 0.0, 1.0, 1.0])
    # near i50 the step has its thermal width: P = 1 − exp(−t_p/τ0·exp(−E_b(I)/k_BT))
    kt = 1.380649e-23 * 300.15
    hn = c0["kn"] * c0["hk"]
    hdl = amps * c0["chi"] / (c0["w"] * c0["tj"])
    eb = float(mean_barrier(c0, -0.05)) * (1 - hdl / hn) ** 2
    p = -np.expm1(-10e-3 / c0["tau0"] * np.exp(-eb / kt))
    assert p[2] < 0.5 < p[3]
    np.testing.assert_array_less(np.abs(up - p), 4 * np.sqrt(p * (1 - p) / 40) + 0.03)


def _intermediate(row):
    levels = np.unique(np.round(row, 9))
    return max(len(levels) - 2, 0)


def test_monotonicity_lower_hk_or_larger_hx_gives_more_intermediate_states():
    """PHYSICS.md §6.3 anchor 5 with the library cards and one fixed pulse train."""
    amps = np.arange(0.0, 60e-3, 0.5e-3)
    m = 4
    cards = [li2022.card_name(t) for t in li2022.THICKNESSES]
    fields = [200, 600, 1000, 1200]
    devices = [(card, 800 * OE) for card in cards for _ in range(m)]
    devices += [(li2022.card_name(1.0), hx * OE) for hx in fields for _ in range(m)]
    r, _, _ = li2022.hall_train(devices, _staircase(amps), seed=7, label="set", mz0=1.0)
    counts = np.array([_intermediate(row) for row in r]).reshape(-1, m).mean(axis=1)
    by_hk, by_hx = counts[: len(cards)], counts[len(cards):]
    assert np.all(np.diff(by_hk) >= -0.5) and by_hk[0] == 0 and by_hk[-1] >= 8
    assert np.all(np.diff(by_hx) >= -0.5) and by_hx[0] == 0 and by_hx[-1] >= 8


def test_domain_wall_propagation_makes_switching_binary():
    amps = np.arange(0.0, 45e-3, 0.5e-3)
    on = {"nreg": 30, "hprop": 0.0}  # any nucleus sweeps the bar
    off = {"nreg": 30, "dwprop": 0.0}
    r, _, _ = li2022.hall_train([("on", -0.05), ("off", -0.05)], _staircase(amps), seed=4, label="set",
                                models={"on": on, "off": off})
    assert _intermediate(r[0]) == 0
    assert _intermediate(r[1]) >= 10


def test_reproducible_with_a_fixed_seed():
    amps = np.arange(10e-3, 30e-3, 1e-3)

    def run(seed):
        r, _, tr = li2022.hall_train([("li2022_t20", -0.05)] * 3, _staircase(amps), seed=seed, label="set")
        return r, tr.events

    r1, e1 = run(123)
    r2, e2 = run(123)
    r3, _ = run(124)
    np.testing.assert_array_equal(r1, r2)
    assert e1 == e2 and len(e1) > 0
    assert not np.array_equal(r1, r3)


def test_demagnetising_sequence_gives_near_zero_state():
    s = li2022.Schedule(li2022.I_READ)
    s.hold(li2022.GAP, li2022.I_READ)
    s.pulse(30e-3)
    for a in li2022.DEMAG_AMPLITUDES:
        s.pulse(float(a))
    assert len(li2022.DEMAG_AMPLITUDES) == 56
    assert li2022.DEMAG_AMPLITUDES[0] == pytest.approx(28e-3) and li2022.DEMAG_AMPLITUDES[-1] == pytest.approx(-0.5e-3)
    r, _, _ = li2022.hall_train([("li2022_t20", -0.05)] * 8, s, seed=9)
    assert np.all(r[:, 0] > 0.9)  # saturated by the first pulse
    assert abs(float(np.mean(r[:, -1]))) < 0.2


# sigmoid activation ----------------------------------------------------------------------------
def test_sigmoid_anchors():
    # PHYSICS.md §6.3 anchor 1
    s = DeviceSigmoid(x0=0.02, k=0.003)
    assert float(s(np.array(0.02))) == pytest.approx(0.5, abs=1e-15)
    assert float(s(np.array(0.02 + 0.003 * np.log(3)))) == pytest.approx(0.75, rel=1e-12)
    assert float(s(np.array(0.02 + 0.003 * np.log(9)))) == pytest.approx(0.9, rel=1e-12)
    assert float(s.derivative(np.array(0.02))) == pytest.approx(1 / (4 * 0.003), rel=1e-12)
    x = np.linspace(0.0, 0.04, 9)
    fd = (s(x + 1e-8) - s(x - 1e-8)) / 2e-8
    np.testing.assert_allclose(s.derivative(x), fd, rtol=1e-6)
    with pytest.raises(ValueError):
        DeviceSigmoid(0.0, 0.0)
    scaled = DeviceSigmoid(0.02, 0.003, -1.0, 1.0)
    assert float(scaled(np.array(0.02))) == pytest.approx(0.0, abs=1e-15)
    assert scaled.normalized() == s


def test_sigmoid_fit_recovers_parameters():
    x = np.linspace(-5e-3, 30e-3, 71)
    true = DeviceSigmoid(15e-3, 2.5e-3, -0.8, 0.9)
    fit = DeviceSigmoid.from_fit(x, true(x))
    np.testing.assert_allclose([fit.x0, fit.k, fit.y_min, fit.y_max], [15e-3, 2.5e-3, -0.8, 0.9], rtol=1e-6)


def test_li2022_sigmoid_cache_matches_the_simulation():
    fresh = fit_li2022_sigmoid()
    np.testing.assert_allclose([fresh.x0, fresh.k, fresh.y_min, fresh.y_max], LI2022_FIT, rtol=1e-6)
    s = li2022_sigmoid()
    assert (s.y_min, s.y_max) == (0.0, 1.0)
    assert float(s(np.array(s.x0))) == pytest.approx(0.5)
    assert 10e-3 < s.x0 < 30e-3 and 0.2e-3 < s.k < 10e-3
    raw = li2022_sigmoid(normalized=False)
    assert raw.y_max > 0 > raw.y_min


def test_stdp_waveform_overlap():
    # single spikes stay below the switching currents, the pair overlap does not
    solo = max(abs(li2022.SPIKE1.value(j)) for j in range(20))
    assert solo <= 13e-3
    near = np.max(np.abs(li2022.stdp_waveform(1)))
    far = np.max(np.abs(li2022.stdp_waveform(12)))
    assert near == pytest.approx(li2022.SPIKE2.main + li2022.SPIKE1.tail)
    assert far < near
    assert np.max(li2022.stdp_waveform(3)) > 0 > np.min(li2022.stdp_waveform(-3))


# ngspice parity and decks --------------------------------------------------------------------
@pytest.mark.ngspice
@pytest.mark.skipif(shutil.which("ngspice") is None, reason="ngspice is not installed")
def test_fixed_state_parity_with_ngspice():
    from xbar.testing.ngspice import run_ngspice

    c = _mixed_circuit()
    op = c.op()
    plots = run_ngspice(text=c.to_netlist([".op"]))
    ref = plots[0]
    for key in ("v(a)", "v(b)", "v(h1)", "v(h2)", "v(h3)"):
        assert op[key] == pytest.approx(ref[key][0], rel=1e-6, abs=1e-12)


@pytest.mark.parametrize("deck", sorted((ROOT / "netlists").glob("li2022_*.cir")), ids=lambda p: p.name)
def test_decks_run(deck):
    net = xbar.read_netlist(deck)
    results = net.run()
    assert results
    for r in results:
        assert any(name.startswith("@y") for name in r.names)
