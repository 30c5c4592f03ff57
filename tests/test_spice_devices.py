"""Semiconductor devices of the SPICE dialect: diode, MOSFET level 1, Gummel-Poon BJT, K.

Exact Jacobians against central differences, conservation, closed-form checks, and the
messages of refused cards. Comparisons with ngspice are golden decks (tests/golden).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import xbar
from xbar.errors import ModelCardError, NetlistError
from xbar.testing.jacobians import default_context, local_jacobian_errors

MOS_N = ("nmos", dict(vto=0.7, kp=110e-6, gamma=0.45, phi=0.65, **{"lambda": 0.04}, tox=9e-9, cgso=3e-10,
                      cgdo=3e-10, cgbo=1e-10, cj=5e-4, mj=0.45, cjsw=3e-10, mjsw=0.3, pb=0.9, rd=20.0,
                      rs=10.0, js=1e-6))
MOS_P = ("pmos", dict(vto=-0.8, kp=40e-6, gamma=0.5, phi=0.7, **{"lambda": 0.05}, tox=9e-9, cgso=3e-10,
                      cgdo=3e-10, cj=9e-4, cjsw=3e-10, pb=0.9))
BJT_N = ("npn", dict(is_=2e-15, bf=120, vaf=60, ikf=0.02, ise=5e-14, ne=1.6, br=3, var=20, ikr=5e-3,
                     isc=1e-13, nc=1.9, rb=80, irb=2e-4, rbm=15, re=1.5, rc=12, cje=1.5e-12, mje=0.35,
                     tf=4e-10, xtf=3, vtf=4, itf=0.03, cjc=9e-13, mjc=0.4, xcjc=0.6, tr=1.5e-8,
                     cjs=1.2e-12, mjs=0.3, iss=1e-16, fc=0.6))
BJT_P = ("pnp", dict(is_=1e-15, bf=60, vaf=40, rb=100, re=2, rc=20, cje=1e-12, cjc=1.2e-12, tf=6e-10,
                     tr=2e-8, ikf=0.01))


def _card(c: xbar.Circuit, name: str, kind: str, params: dict) -> None:
    c.model(name, kind, **{k.rstrip("_"): v for k, v in params.items()})


def _mos_group(spec, n: int = 1):
    kind, params = spec
    c = xbar.Circuit("mos")
    _card(c, "m", kind, params)
    for i in range(n):
        c.M(str(i), f"d{i}", f"g{i}", f"s{i}", f"b{i}", "m", w=10e-6, l=1e-6, ad=2e-11, as_=2e-11,
            pd=2.4e-5, ps=2.4e-5)
        c.R(f"x{i}", f"d{i}", "0", 1e3)
        c.R(f"y{i}", f"g{i}", "0", 1e3)
        c.R(f"z{i}", f"s{i}", "0", 1e3)
        c.R(f"w{i}", f"b{i}", "0", 1e3)
    system = c.compile()
    return system, next(g for g in system.groups if g.kind == "mosfet")


def _bjt_group(spec, n: int = 1):
    kind, params = spec
    c = xbar.Circuit("bjt")
    _card(c, "q", kind, params)
    for i in range(n):
        c.Q(str(i), f"c{i}", f"b{i}", f"e{i}", "q", substrate=f"s{i}", area=1.5)
        for t in "cbes":
            c.R(f"{t}{i}", f"{t}{i}", "0", 1e3)
    system = c.compile()
    return system, next(g for g in system.groups if g.kind == "bjt")


def _diode_group():
    c = xbar.Circuit("d")
    c.model("d", "d", **{"is": 1e-14, "n": 1.05, "rs": 4.0, "tt": 1.2e-8, "cjo": 2e-12, "vj": 0.75, "m": 0.4,
                         "bv": 6.0, "ibv": 1e-3, "ikf": 0.05, "ikr": 0.02, "isr": 1e-12, "nr": 2.0})
    for i in range(40):
        c.D(str(i), f"a{i}", "0", "d", area=1.0 + 0.1 * i)
        c.R(str(i), f"a{i}", "0", 1e3)
    system = c.compile()
    return system, next(g for g in system.groups if g.kind == "diode")


def _random_voltages(group, rng, lo, hi):
    return rng.uniform(lo, hi, group.local.shape)


@pytest.mark.parametrize("spec", [MOS_N, MOS_P], ids=["nmos", "pmos"])
def test_mosfet_jacobians_match_finite_differences(spec):
    _, g = _mos_group(spec, 60)
    rng = np.random.default_rng(3)
    ctx = default_context()
    for mode in ("dc", "tran"):
        v = _random_voltages(g, rng, -2.5, 3.5)
        errs = local_jacobian_errors(g, v, ctx, mode)
        assert errs["G"] < 1e-5, errs
        if mode == "tran":
            assert errs["C"] < 1e-5, errs


def test_mosfet_meyer_history_jacobian():
    system, g = _mos_group(MOS_N, 60)
    rng = np.random.default_rng(4)
    x = rng.uniform(-1, 3, system.n)
    g.after_solution(x, 0.0, None)  # transient start: history at x
    v = g.gather(x) + rng.normal(0, 0.3, g.local.shape)
    errs = local_jacobian_errors(g, v, default_context(), "tran")
    assert errs["G"] < 1e-5 and errs["C"] < 1e-5, errs


@pytest.mark.parametrize("spec", [BJT_N, BJT_P], ids=["npn", "pnp"])
def test_bjt_jacobians_match_finite_differences(spec):
    _, g = _bjt_group(spec, 60)
    rng = np.random.default_rng(5)
    ctx = default_context()
    for mode in ("dc", "tran"):
        v = _random_voltages(g, rng, -1.0, 1.0)
        errs = local_jacobian_errors(g, v, ctx, mode)
        assert errs["G"] < 1e-5, errs
        if mode == "tran":
            assert errs["C"] < 1e-5, errs


def test_diode_jacobians_match_finite_differences():
    _, g = _diode_group()
    rng = np.random.default_rng(6)
    v = _random_voltages(g, rng, -8.0, 0.9)
    errs = local_jacobian_errors(g, v, default_context(), "tran")
    assert errs["G"] < 1e-5 and errs["C"] < 1e-5, errs


@pytest.mark.parametrize("make", [lambda: _mos_group(MOS_N, 20)[1], lambda: _mos_group(MOS_P, 20)[1],
                                  lambda: _bjt_group(BJT_N, 20)[1], lambda: _bjt_group(BJT_P, 20)[1],
                                  lambda: _diode_group()[1]], ids=["nmos", "pmos", "npn", "pnp", "diode"])
def test_devices_conserve_current_and_charge(make):
    g = make()
    v = np.random.default_rng(7).uniform(-1.0, 1.0, g.local.shape)
    ev = g.evaluate(v, default_context(), "tran")
    scale_f = np.max(np.abs(ev.f))
    scale_q = np.max(np.abs(ev.q))
    assert np.max(np.abs(ev.f.sum(axis=1))) <= 1e-12 * scale_f
    assert np.max(np.abs(ev.q.sum(axis=1))) <= 1e-12 * scale_q
    # shifting every node by the same voltage changes nothing
    ev2 = g.evaluate(v + 0.37, default_context(), "tran")
    np.testing.assert_allclose(ev2.f, ev.f, rtol=1e-9, atol=1e-12 * scale_f)
    np.testing.assert_allclose(ev2.q, ev.q, rtol=1e-9, atol=1e-12 * scale_q)


def test_mosfet_square_law_and_body_effect():
    c = xbar.Circuit("sq")
    c.model("n", "nmos", vto=0.6, kp=2e-4, gamma=0.5, phi=0.7, **{"lambda": 0.02})
    c.V("d", "d", "0", 2.0)
    c.V("g", "g", "0", 1.5)
    c.V("b", "b", "0", -1.0)
    c.M("1", "d", "g", "0", "b", "n", w=4e-6, l=2e-6)
    op = c.op()
    vth = 0.6 + 0.5 * (math.sqrt(0.7 + 1.0) - math.sqrt(0.7))
    expect = 2e-4 / 2 * 2 * (1.5 - vth) ** 2 * (1 + 0.02 * 2.0)
    # the bulk-drain junction adds gmin·Vbd (3 pA) to the drain current
    assert -op["i(vd)"] == pytest.approx(expect + 3e-12, rel=1e-12)
    assert op["@m1[vth]"] == pytest.approx(vth, rel=1e-12)


def test_bjt_forward_active_closed_form():
    c = xbar.Circuit("gp")
    c.model("q", "npn", **{"is": 1e-16, "bf": 100.0})
    c.V("c", "c", "0", 2.0)
    c.V("b", "b", "0", 0.7)
    c.Q("1", "c", "b", "0", "q")
    op = c.op()
    vt = 1.38064852e-23 * 300.15 / 1.6021766208e-19
    ic = 1e-16 * (math.exp(0.7 / vt) - 1) - 1e-16 * (math.exp(-1.3 / vt) - 1) * (1 + 1 / 1.0)
    assert -op["i(vc)"] == pytest.approx(ic, rel=1e-6)
    assert -op["i(vb)"] == pytest.approx(ic / 100.0, rel=1e-3)


def test_diode_breakdown_current_at_bv():
    c = xbar.Circuit("z")
    c.model("z", "d", bv=5.1, ibv=2e-3, **{"is": 1e-14})
    c.V("1", "k", "0", 5.1)
    c.D("1", "0", "k", "z")
    assert c.op()["i(v1)"] == pytest.approx(-2e-3, rel=2e-3)


def test_coupled_inductors_ideal_transformer_ratio():
    c = xbar.Circuit("k")
    c.V("1", "in", "0", 0.0, ac=1.0)
    c.R("s", "in", "p", 1e-9)
    c.L("1", "p", "0", 1e-3)
    c.L("2", "s", "0", 4e-3)
    c.K("1", "l1", "l2", 1.0)
    c.R("l", "s", "0", 1e6)
    res = c.ac("lin", 1, 1e3, 1e3)
    assert abs(res["v(s)"][0]) == pytest.approx(2.0, rel=1e-6)  # turns ratio √(L2/L1)


def test_non_passive_coupling_warns():
    c = xbar.Circuit("k")
    c.V("1", "a", "0", 1.0)
    for i, n in enumerate("abc"):
        c.R(str(i), "a", n + "x", 1.0)
        c.L(str(i), n + "x", "0", 1e-3)
    c.K("1", "l0", "l1", 0.9)
    c.K("2", "l1", "l2", 0.9)
    c.K("3", "l0", "l2", -0.9)
    with pytest.warns(xbar.XbarWarning, match="not positive definite"):
        c.compile()


@pytest.mark.parametrize(("deck", "match"), [
    (".model x nmos (level=49 version=3.3 tox=4n)\nM1 d g 0 0 x\n", r"not supported: MOSFET level 49 \(BSIM3v3\)"),
    (".model x nmos level=14\nM1 d g 0 0 x\n", r"level 14 \(BSIM4\)"),
    (".model x npn level=4\nQ1 c b 0 x\n", r"bipolar transistor level 4 \(VBIC\)"),
    ("A1 in out amod\n", r"not supported: element 'A1' \(XSPICE"),
    ("L1 a 0 1m\nR1 a 0 1\nK1 L1 R1 0.5\n", r"names 'R1', which is a resistor"),
    ("L1 a 0 1m\nL2 b 0 1m\nR1 a b 1\nK1 L1 L2 1.5\n", r"coupling coefficient must be in \[-1, 1\]"),
    (".model x npn\nM1 d g 0 0 x\n", r"expected type NMOS or PMOS"),
    (".model x nmos\nQ1 c b 0 x\n", r"expected type NPN or PNP"),
    (".model x nmos\nM1 d g 0 x\n", r"needs 4 nodes and a model name"),
    (".model x nmos\nM1 d g 0 0 x ic=1,2,3\n", r"not supported: initial conditions"),
    (".model x nmos\nM1 d g 0 0 x w=-1u\n", r"w=-1e-06 is outside"),
    (".model x npn ptf=20\nQ1 c b 0 x\n", r"ptf=20 ° is outside \[0, 0\]"),
])
def test_refused_and_malformed_cards(deck, match):
    with pytest.raises((NetlistError, ModelCardError), match=match):
        xbar.read_netlist_text("t\n" + deck + "V1 d 0 1\nV2 g 0 1\n.op\n", name="deck.cir")


def test_to_netlist_round_trip_of_transistors_couplings_and_ac():
    c = xbar.Circuit("round trip")
    _card(c, "n", *MOS_N)
    _card(c, "q", *BJT_N)
    c.V("dd", "vdd", "0", 3.0)
    c.V("in", "g", "0", 1.2, ac=(1.0, 30.0))
    c.R("d", "vdd", "d", 5e3)
    c.M("1", "d", "g", "0", "0", "n", w=4e-6, l=1e-6, m=2)
    c.R("b", "vdd", "b", 200e3)
    c.Q("1", "c", "b", "0", "q", area=2.0)
    c.R("c", "vdd", "c", 2e3)
    c.L("1", "c", "x", 1e-6)
    c.L("2", "y", "0", 4e-6)
    c.K("1", "l1", "l2", 0.8)
    c.R("x", "x", "0", 50.0)
    c.R("y", "y", "0", 50.0)
    text = c.to_netlist([".op", ".ac dec 3 1k 1g"])
    back = xbar.read_netlist_text(text).run()
    op, ac = c.op(), c.ac("dec", 3, 1e3, 1e9)
    for key in ("v(d)", "v(c)", "v(b)", "i(vdd)"):
        assert back[0][key] == pytest.approx(op[key], rel=1e-12, abs=1e-15)
    np.testing.assert_allclose(back[1]["v(y)"], ac["v(y)"], rtol=1e-12)


def test_python_subcircuits_take_transistors_and_couplings():
    c = xbar.Circuit("sub")
    _card(c, "n", *MOS_N)
    inv = c.subckt("amp", ["in", "out", "vdd"], rl=5e3)
    inv.M("1", "out", "in", "0", "0", "n", w=4e-6, l=1e-6)
    inv.R("l", "vdd", "out", "{rl}")
    inv.L("a", "out", "t", 1e-6)
    inv.L("b", "t2", "0", 1e-6)
    inv.K("ab", "la", "lb", 0.5)
    inv.R("t", "t", "0", 1e3)
    inv.R("t2", "t2", "0", 1e3)
    c.V("dd", "vdd", "0", 3.0)
    c.V("in", "in", "0", 1.5)
    c.X("1", "amp", ["in", "o1", "vdd"])
    c.X("2", "amp", ["in", "o2", "vdd"], rl=1e4)
    op = c.op()
    assert "m.x1.m1" in c.element_kind and "k.x2.kab" in c.element_kind
    assert op["v(o2)"] < op["v(o1)"] < 3.0


def test_transient_with_uic_starts_charges_from_the_given_voltages():
    c = xbar.Circuit("uic")
    _card(c, "n", *MOS_N)
    c.V("g", "g", "0", 2.0)
    c.C("1", "d", "0", 1e-13, ic=2.5)
    c.M("1", "d", "g", "0", "0", "n", w=4e-6, l=1e-6)
    tr = c.tran(1e-11, 2e-9, uic=True)
    v = tr["v(d)"]
    # the first output point is the first step (uic drops t = 0, as ngspice)
    assert 2.45 < v[0] <= 2.5 and v[-1] < 0.05


def test_transistor_outputs_have_units_and_meanings():
    deck = xbar.read_netlist_text("""outputs
.model nch nmos (level=1 vto=0.7 kp=110u)
.model qn npn (bf=100)
Vdd vdd 0 3.3
Vg g 0 1.5
M1 vdd g 0 0 nch W=10u L=1u
Q1 vdd g e qn
R1 e 0 1k
.op
.end
""")
    system = deck.circuit.compile()
    seen = set()
    for g in system.groups:
        for key in g.outputs(np.zeros(system.n)):
            unit, meaning = g.describe_output(key)
            assert unit and meaning, f"{g.kind}: output '{key}' has no unit/meaning"
            seen.add(g.kind)
    assert {"mosfet", "bjt"} <= seen
    op = deck.run()[0]
    assert op.unit("@m1[id]") == "A" and op.unit("@q1[gm]") == "S"
