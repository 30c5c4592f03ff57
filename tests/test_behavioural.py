"""Behavioural sources (B elements): exact Jacobians, vectorised batches, analyses, errors."""

from __future__ import annotations

import numpy as np
import pytest

import xbar
from xbar.devices.base import LoadContext
from xbar.devices.behavioural import BehaviouralCurrentGroup, BehaviouralVoltageGroup
from xbar.errors import NetlistError

EXPRESSIONS = [
    "2*v(a)^2 + v(a,b)/2",
    "v(a) > 0.3 ? sin(v(a)*v(b)) : cos(v(b))",
    "min(v(a), v(b), 0.7)*max(v(a), 0.2) + abs(v(a)-v(b))",
    "pwl(v(a), 0,0, 0.5,1, 0.8,3, 2,4) * exp(-v(b))",
    "sqrt(v(a)) + ln(1+v(b)) + log10(2+v(a)) + atan2(v(a), v(b))",
    "pow(v(a), v(b)) + pwr(v(a)-0.5, 3) + uramp(v(a)-0.4) + tanh(v(b))",
    "1k*i(vs) + v(a)/v(b) - v(a)*v(b)/3",
    "asin(v(a)/3) + acos(v(b)/4) + sinh(v(a))*cosh(v(b)) + tan(v(a)/2)",
    "f(v(a), v(b)) + g(v(a))",
]


def _deck(expr: str, kind: str) -> str:
    return (f"jacobian\n.func f(x, y) {{x*y + x^3}}\n.param k=2\n.func g(z) {{k*z*z}}\n"
            f"Va a 0 0.6\nVb b0 0 0.9\nVs b0 b 0\nRb b 0 1k\n"
            f"B1 p n {kind}={expr}\nRp p 0 1k\nRn n 0 2k\n.op\n")


def _device_current(group, x, ctx):
    """What the group puts into the KCL/branch rows at x: J·x + ieq (exact at x)."""
    vals, rows, cur = group.nl_load(x, ctx)
    prow, pcol = group.nl_pattern()
    n = len(x)
    out = np.zeros(n + 1)
    jac = np.zeros((n + 1, n + 1))
    np.add.at(jac, (np.where(prow >= 0, prow, n), np.where(pcol >= 0, pcol, n)), vals)
    out += jac[:, :n] @ x
    np.add.at(out, np.where(rows >= 0, rows, n), cur)
    return out[:n], jac[:n, :n]


@pytest.mark.parametrize("kind", ["V", "I"])
@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_jacobian_matches_finite_differences(expr: str, kind: str) -> None:
    """The stamped derivatives (symbolic, from the expression tree) against central differences
    of the device's own equation, at random operating points."""
    system = xbar.read_netlist_text(_deck(expr, kind)).circuit.compile()
    groups = [g for g in system.groups if isinstance(g, BehaviouralCurrentGroup | BehaviouralVoltageGroup)]
    assert len(groups) == 1
    group = groups[0]
    rng = np.random.default_rng(7)
    for _ in range(6):
        x = rng.uniform(0.1, 1.2, system.n)
        x[system.n_nodes:] = rng.uniform(-1e-3, 1e-3, system.n - system.n_nodes)
        ctx = system.load_context()
        ctx.initialise = False
        _, jac = _device_current(group, x, ctx)
        for k in range(system.n):
            h = 1e-6 * max(1.0, abs(x[k]))
            xp, xm = x.copy(), x.copy()
            xp[k] += h
            xm[k] -= h
            fd = (_device_current(group, xp, ctx)[0] - _device_current(group, xm, ctx)[0]) / (2 * h)
            # the linearised current at x' = J(x')·x' + ieq(x') equals f(x'); its
            # derivative is J only for the nonlinear part: compare J·e_k with df/dx_k
            assert np.allclose(jac[:, k], fd, rtol=2e-5, atol=1e-9), (expr, kind, k, jac[:, k], fd)


def test_behavioural_op_matches_equivalent_linear_circuit() -> None:
    b = xbar.read_netlist_text("b\nV1 in 0 2\nR1 in a 1k\nR2 a 0 1k\nB1 o 0 V=3*v(a)\nR3 o 0 1k\n"
                               "B2 0 c I=v(a)*1m\nR4 c 0 1k\n.op\n").run()[0]
    e = xbar.read_netlist_text("e\nV1 in 0 2\nR1 in a 1k\nR2 a 0 1k\nE1 o 0 a 0 3\nR3 o 0 1k\n"
                               "G1 0 c a 0 1m\nR4 c 0 1k\n.op\n").run()[0]
    for name in ("v(a)", "v(o)", "v(c)"):
        assert b[name] == pytest.approx(e[name], rel=1e-12)
    assert b["i(b1)"] == pytest.approx(e["i(e1)"], rel=1e-12)


def test_subcircuit_instances_share_one_vectorised_batch() -> None:
    lines = ["batch", ".subckt sq in out params: k=1", "B1 out 0 V=k*v(in)^2", "R1 out 0 1k", ".ends"]
    lines.append("V1 in 0 0.5")
    lines += [f"X{i} in o{i} sq k={i + 1}" for i in range(40)]
    lines.append(".op")
    deck = xbar.read_netlist_text("\n".join(lines) + "\n")
    system = deck.circuit.compile()
    group = next(g for g in system.groups if isinstance(g, BehaviouralVoltageGroup))
    assert len(group.names) == 40 and len(group.batches) == 1
    assert isinstance(group.batches[0].params["k"], np.ndarray)
    op = deck.run()[0]
    for i in range(40):
        assert op[f"v(o{i})"] == pytest.approx((i + 1) * 0.25, rel=1e-12)


def test_time_and_pwl_corners_in_a_transient() -> None:
    deck = xbar.read_netlist_text("t\nB1 a 0 V=pwl(time, 0,0, 1u,1, 3u,1, 4u,0) + 0.1*sin(1e6*time)\n"
                                  "R1 a 0 1k\n.tran 0.1u 5u\n")
    tr = deck.run()[0]
    t = tr["time"]
    for corner in (1e-6, 3e-6, 4e-6):
        assert np.min(np.abs(t - corner)) == 0.0  # the knots are breakpoints
    expected = np.interp(t, [0, 1e-6, 3e-6, 4e-6, 5e-6], [0, 1, 1, 0, -1]) + 0.1 * np.sin(1e6 * t)
    assert np.allclose(tr["v(a)"], expected, atol=1e-12)


def test_op_sees_time_zero_and_temper() -> None:
    op = xbar.read_netlist_text("t\n.temp 50\nB1 a 0 V=1+time+temper/100\nR1 a 0 1k\n.op\n").run()[0]
    assert op["v(a)"] == pytest.approx(1.5)


def test_behavioural_semantics_follow_ngspice() -> None:
    """|x|^y and pwr() as ngspice's B source (see test_expr_dialect for division)."""
    op = xbar.read_netlist_text("t\nV1 in 0 -2\nB1 a 0 V=v(in)^3\nR1 a 0 1\nB2 b 0 V=pwr(v(in),3)\n"
                                "R2 b 0 1\n.op\n").run()[0]
    assert op["v(a)"] == pytest.approx(8.0)
    assert op["v(b)"] == pytest.approx(-8.0)


def test_python_api_and_python_subcircuit() -> None:
    c = xbar.Circuit()
    c.V("1", "in", "0", 0.5)
    sub = c.subckt("amp", ["i", "o"], g=2.0)
    sub.B("1", "o", "0", "g*v(i)")
    sub.R("l", "o", "0", 1e3)
    c.X("1", "amp", ["in", "out1"])
    c.X("2", "amp", ["in", "out2"], g=4.0)
    c.B("c", "0", "n", "1m*v(in)", kind="i")
    c.R("n", "n", "0", 1e3)
    op = c.op()
    assert op["v(out1)"] == pytest.approx(1.0)
    assert op["v(out2)"] == pytest.approx(2.0)
    assert op["v(n)"] == pytest.approx(0.5)
    text = c.to_netlist([".op"])
    assert "b.x1.b1 out1 0 V={(2.0*v(in))}" in text


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("t\nB1 a 0 V=v(a)+foo\nR1 a 0 1k\n.op\n", "2:15",
         r"unknown name 'foo' in B-source expression: expected a parameter"),
        ("t\n.param gain=2\nB1 a 0 V=gainn*2\nR1 a 0 1k\n.op\n", "3:10", r"\(did you mean 'gain'\?\)"),
        ("t\nB1 a 0 W=1\nR1 a 0 1k\n.op\n", "2:8", r"needs V=<expression> or I=<expression>"),
        ("t\nB1 a 0 V=\nR1 a 0 1k\n.op\n", "2:10", r"has an empty expression"),
        ("t\nB1 a 0 V=2*(v(a)\nR1 a 0 1k\n.op\n", "2:12", r"unbalanced '\(': no closing '\)'"),
        ("t\nB1 a 0 V={2*sqrtt(v(a))}\nR1 a 0 1k\n.op\n", "2:13", r"unknown function 'sqrtt'"),
        ("t\nB1 a 0 V=v(a b)\nR1 a 0 1k\n.op\n", "2:10", r"expected v\(node\) or v\(node1, node2\)"),
        ("t\nB1 a 0 V=i(x,y)\nR1 a 0 1k\n.op\n", "2:10", r"expected i\(element\)"),
        ("t\nB1 a 0 V=1 m=2\nR1 a 0 1k\n.op\n", "2:1", r"multiplier m applies to current-type B sources"),
        ("t\nB1 a 0 I=1m m=-2\nR1 a 0 1k\n.op\n", "2:15", r"multiplier m must be positive"),
    ],
)
def test_b_card_errors_are_located(text: str, where: str, message: str) -> None:
    line, col = (int(x) for x in where.split(":"))
    with pytest.raises(NetlistError, match=rf"<netlist>:{line}:{col}: ") as info:
        xbar.read_netlist_text(text)
    info.match(message)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("t\nB1 a 0 V=v(zz)\nR1 a 0 1k\n.op\n", r"B source reads v\(zz\), but node 'zz' is not in the circuit"),
        ("t\nB1 a 0 V=i(r1)*1k\nR1 a 0 1k\n.op\n", r"B source reads i\(r1\): 'r1' which has no branch current"),
        ("t\nB1 a 0 V=i(vq)\nR1 a 0 1k\n.op\n", r"'vq' which is not an element of the circuit"),
    ],
)
def test_probe_errors_found_when_compiling(text: str, message: str) -> None:
    deck = xbar.read_netlist_text(text)
    with pytest.raises(NetlistError, match=message) as info:
        deck.run()
    assert info.value.location is not None and info.value.location.line == 2


def test_runtime_domain_error_names_the_card_and_the_point() -> None:
    deck = xbar.read_netlist_text("t\nV1 in 0 -4\nR0 in 0 1k\nB1 a 0 V=sqrt(v(in))\nR1 a 0 1k\n.op\n")
    with pytest.raises(NetlistError, match=r"<netlist>:4:10: sqrt of a negative number .*"
                                           r"\(B source evaluated at v\(in\) = -4"):
        deck.run()


def test_b_current_reading_its_own_terminals_conducts() -> None:
    """A nonlinear conductance (I=f(v(n+))) is a DC path; a pure B current source is not."""
    op = xbar.read_netlist_text("t\nI1 0 a 1m\nB1 a 0 I=v(a)/1k\n.op\n").run()[0]
    assert op["v(a)"] == pytest.approx(1.0)
    with pytest.raises(xbar.TopologyError, match=r"no DC path|current sources"):
        xbar.read_netlist_text("t\nR1 a 0 1k\nB1 0 b I=1m\n.options nolint\n.op\n").run()


def test_load_context_time_defaults_to_zero() -> None:
    assert LoadContext(gmin=0, temp=27, reltol=1e-3, abstol=1e-12, vntol=1e-6).time == 0.0
