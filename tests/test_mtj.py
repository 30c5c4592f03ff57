"""Two-terminal MTJ: bias-dependent TMR, exact Jacobian, switching statistics, breakdown, parity."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import xbar
from xbar.devices.base import LoadContext
from xbar.devices.mtj.physics import hazard_rate, switch_probability, tmr_bias
from xbar.devices.waveforms import WaveformSpec
from xbar.errors import ModelCardError, XbarWarning


def _ctx():
    ctx = LoadContext(gmin=1e-12, temp=27.0, reltol=1e-3, abstol=1e-12, vntol=1e-6)
    ctx.initialise = False
    return ctx


def test_tmr_bias_anchors():
    assert tmr_bias(np.array(0.5), 1.0, 0.5) == pytest.approx(0.5)
    assert tmr_bias(np.array(0.25), 1.0, 0.5) == pytest.approx(0.8)


@pytest.mark.parametrize(
    ("delta", "ratio", "tau", "p10", "p200"),
    [
        (40, 0.80, 2.98e-6, 3.35e-3, 6.49e-2),
        (40, 0.90, 54.6e-9, 0.167, 0.974),
        (60, 0.90, 403e-9, 2.45e-2, 0.391),
        (60, 0.95, 20.1e-9, 0.392, 0.99995),
    ],
)
def test_hazard_table_of_physics_md(delta, ratio, tau, p10, p200):
    rate = hazard_rate(np.array([ratio]), delta, 1e-9, 1.0, 1e-3, 0.6, 1e-16)
    assert 1 / rate[0] == pytest.approx(tau, rel=5e-3)
    assert switch_probability(rate, 10e-9)[0] == pytest.approx(p10, rel=5e-3)
    assert switch_probability(rate, 200e-9)[0] == pytest.approx(p200, rel=5e-3)


def _mtj_circuit(state: int, vsrc: float = 0.4) -> xbar.Circuit:
    c = xbar.Circuit()
    c.model("m1", "mtj", rp=1.1e3, tmr0=1.2, vh=0.5, vb=5.0)
    c.V("1", "a", "0", vsrc)
    c.R("s", "a", "b", 200.0)
    c.Y("1", ["b", "0"], "m1", state=state)
    return c


@pytest.mark.parametrize("state", [0, 1])
def test_jacobian_matches_finite_differences(state):
    c = _mtj_circuit(state)
    sysm = c.compile()
    g = sysm.nonlinear_groups[0]
    k = c.node("b")
    for v in (-0.9, -0.3, 0.0, 0.2, 0.7):
        x = np.zeros(sysm.n)
        x[k] = v
        vals, _, ieq = g.nl_load(x, _ctx())
        gd = vals[0]
        h = 1e-6
        x2 = x.copy()
        x2[k] = v + h
        x1 = x.copy()
        x1[k] = v - h
        i2 = g.outputs(x2)["i"][0]
        i1 = g.outputs(x1)["i"][0]
        assert gd == pytest.approx((i2 - i1) / (2 * h), rel=1e-7, abs=1e-12)
        # companion current reproduces the device current at the linearisation point
        assert gd * v + ieq[0] == pytest.approx(g.outputs(x)["i"][0], rel=1e-12, abs=1e-18)


def test_ap_resistance_rolls_off_with_bias():
    c = _mtj_circuit(1, vsrc=0.0)
    res = c.dc("v1", 0.05, 1.0, 0.05)
    v = res["@y1[v]"]
    r = res["@y1[r]"]
    expected = 1.1e3 * (1 + 1.2 / (1 + (v / 0.5) ** 2))
    np.testing.assert_allclose(r, expected, rtol=1e-9)


def test_unknown_card_parameter_and_bounds():
    c = xbar.Circuit()
    c.model("m1", "mtj", rpp=1.0)
    c.V("1", "a", "0", 0.1)
    with pytest.raises(ModelCardError, match=r"unknown parameter 'rpp'"):
        c.Y("1", ["a", "0"], "m1")
    c2 = xbar.Circuit()
    c2.model("m1", "mtj", tmr0=-1.0)
    with pytest.raises(ModelCardError, match=r"tmr0=-1 is outside"):
        c2.Y("1", ["a", "0"], "m1")


def _pulse_circuit(seed: int, amplitude: float, n: int = 200) -> xbar.Circuit:
    c = xbar.Circuit("switching statistics")
    c.set_options(seed=seed)
    c.model("m1", "mtj", rp=1e3, tmr0=1.0, ic_p2ap=1e-3, ic_ap2p=1e-3, delta=40, vb=10.0, vh=1e3)
    c.V("1", "a", "0", 0.0, waveform=WaveformSpec("pulse", (0, amplitude, 5e-9, 1e-10, 1e-10, 200e-9, 1)))
    c.add_y_many("cell", np.array([["a", "0"]] * n), "m1", {"state": 0.0})
    return c


def test_switching_statistics_reproducible_and_step_independent():
    # I/Ic = 0.9 during a 200 ns pulse: P_sw = 1 - exp(-200 ns / 54.6 ns) = 0.974
    n = 400
    fractions = []
    for tmax in (2e-9, 20e-9):
        c = _pulse_circuit(seed=7, amplitude=0.9, n=n)
        tr = c.tran(1e-9, 210e-9, tmax=tmax)
        fractions.append(np.mean([tr[f"@ycell{k}[state]"][-1] for k in range(n)]))
    expected = 1 - np.exp(-200 / 54.598)
    sigma = np.sqrt(expected * (1 - expected) / n)
    for f in fractions:
        assert abs(f - expected) < 4 * sigma + 0.01
    # same seed, same answer; another seed, another draw
    def states(seed):
        tr = _pulse_circuit(seed=seed, amplitude=0.85, n=60).tran(1e-9, 210e-9)
        return [tr[f"@ycell{k}[state]"][-1] for k in range(60)]

    first = states(3)
    assert first == states(3)
    assert first != states(4)
    assert 0 < sum(first) < 60


def test_breakdown_event_and_short():
    c = xbar.Circuit()
    c.model("m1", "mtj", rp=1e3, tmr0=1.0, vb=1.0, bdshort=1, rbd=50.0)
    c.V("1", "a", "0", 1.5)
    c.R("s", "a", "b", 10.0)
    c.Y("1", ["b", "0"], "m1", state=1)
    with pytest.warns(XbarWarning, match=r"breakdown.*'y1'"):
        op = c.op()
    assert op.events and op.events[0]["kind"] == "breakdown"
    assert op.events[0]["device"] == "y1"
    assert op.events[0]["voltage"] > 1.0
    # shorted barrier: 50 ohm in series with 10 ohm
    assert op["@y1[r]"] == pytest.approx(50.0)
    assert op["v(b)"] == pytest.approx(1.5 * 50 / 60, rel=1e-9)


@pytest.mark.ngspice
@pytest.mark.skipif(shutil.which("ngspice") is None, reason="ngspice is not installed")
def test_fixed_state_parity_with_ngspice():
    from xbar.testing.ngspice import run_ngspice

    c = xbar.Circuit("mtj parity")
    c.model("m1", "mtj", rp=1e3, tmr0=1.2, vh=0.5, vb=5)
    c.V("1", "a", "0", 0.7)
    c.R("s", "a", "b", 300.0)
    c.Y("1", ["b", "0"], "m1", state=1)
    c.Y("2", ["b", "c"], "m1", state=0)
    c.R("l", "c", "0", 500.0)
    op = c.op()
    plots = run_ngspice(text=c.to_netlist([".op"]))
    for key in ("v(b)", "v(c)", "i(v1)"):
        assert op[key] == pytest.approx(plots[0][key][0], rel=1e-6)


def test_straintronic_mtj_breakdown_shorts_barrier():
    c = xbar.Circuit()
    c.load_models("compact_models/bandyopadhyay2024_smtj.lib")
    c.model("hot", "smtj", **{**c.models["smtj_fig5"].params, "vb": 1.0, "bdshort": 1.0, "rbd": 10.0})
    c.V("1", "a", "0", 1.5)
    c.R("s", "a", "b", 10.0)
    c.V("g", "g", "0", 0.1)
    c.Y("1", ["b", "0", "g"], "hot")
    with pytest.warns(XbarWarning, match=r"breakdown.*'y1'"):
        op = c.op()
    assert op.events[0]["kind"] == "breakdown"
    assert op["@y1[broken]"] == 1.0
    assert op["@y1[r]"] == pytest.approx(10.0)
    assert op["v(b)"] == pytest.approx(0.75, rel=1e-9)
