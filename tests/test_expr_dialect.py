"""Expression dialects: probes, behavioural functions, user functions, derivatives, vectors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xbar.errors import NetlistError, SourceLocation
from xbar.netlist.expr import Dialect, FunctionTable, parse_expression

B = Dialect(probes=True, behavioural=True)
LOC = SourceLocation("d.cir", 3, 10, "")


def test_probes_are_variables() -> None:
    e = parse_expression("v(a) + v(x1.n3, 0) * i(V.X1.Vs) + v( 12 )", dialect=B)
    assert e.names == frozenset({"v(a)", "v(x1.n3)", "v(0)", "i(v.x1.vs)", "v(12)"})
    assert e.evaluate({"v(a)": 1.0, "v(x1.n3)": 3.0, "v(0)": 1.0, "i(v.x1.vs)": 2.0, "v(12)": 0.5}) == 5.5
    # without probes, v(...) is an unknown function
    with pytest.raises(NetlistError, match="unknown function 'v'"):
        parse_expression("v(a)")


def test_behavioural_functions_and_semantics() -> None:
    def ev(text: str, **env: float) -> float:
        return parse_expression(text, dialect=B).evaluate(env)

    assert ev("(-2)^3") == 8.0 and ev("(-8)**(1/3)") == pytest.approx(2.0)
    assert ev("pow(-2, 3)") == 8.0 and ev("pwr(-2, 3)") == -8.0
    assert ev("u(0) + u(1e-30) + uramp(-1) + uramp(2)") == 3.0
    assert ev("1/0") == pytest.approx(1e20) and ev("-1/(0-0)") == pytest.approx(-1e20)
    # pwl: linear inside, linear extrapolation outside (as ngspice's B source)
    assert ev("pwl(x, 0,0, 1,2, 3,3)", x=0.5) == 1.0
    assert ev("pwl(x, 0,0, 1,2, 3,3)", x=5.0) == 4.0
    assert ev("pwl(x, 0,0, 1,2, 3,3)", x=-1.0) == -2.0
    with pytest.raises(NetlistError, match="pwl x values must not decrease"):
        ev("pwl(x, 0,0, 2,2, 1,3)", x=0.5)
    with pytest.raises(NetlistError, match=r"pwl\(x, x1, y1, x2, y2, ...\) needs"):
        parse_expression("pwl(x, 1, 2)", dialect=B)
    # plain parameters keep numparam semantics
    assert parse_expression("(-2)^3").evaluate({}) == -8.0
    with pytest.raises(NetlistError, match="division by zero"):
        parse_expression("1/0").evaluate({})
    with pytest.raises(NetlistError, match="unknown function 'pwl'"):
        parse_expression("pwl(1, 0, 0, 1, 1)")


def test_user_functions() -> None:
    table = FunctionTable()
    table.define("sq", ("x",), "x*x", LOC)
    table.define("hyp", ("a", "b"), "sqrt(sq(a) + sq(b))", LOC)
    table.define("scaled", ("x",), "k*x", LOC)  # k resolved where it is called
    d = Dialect(functions=table)
    assert parse_expression("hyp(3, 4) + 1", dialect=d).evaluate({}) == 6.0
    assert parse_expression("scaled(2)", dialect=d).evaluate({"k": 5.0}) == 10.0
    child = FunctionTable(parent=table)
    child.define("cube", ("x",), "x*sq(x)")
    assert parse_expression("cube(2)", dialect=Dialect(functions=child)).evaluate({}) == 8.0
    with pytest.raises(NetlistError, match=r"function 'hyp' \(defined at d\.cir:3\) takes 2 arguments, got 1"):
        parse_expression("hyp(1)", dialect=d)
    with pytest.raises(NetlistError, match="cannot redefine the built-in function 'sqrt'"):
        table.define("sqrt", ("x",), "x")
    with pytest.raises(NetlistError, match="function 'sq' is defined twice"):
        table.define("sq", ("y",), "y")
    with pytest.raises(NetlistError, match="lists an argument twice"):
        table.define("bad", ("x", "x"), "x")
    with pytest.raises(NetlistError, match=r"d\.cir:3:13: expected an operand after '\+'"):
        table.define("broken", ("x",), "x +* 2", LOC)
    rec = FunctionTable()
    rec.define("f", ("x",), "g(x)")
    rec.define("g", ("x",), "f(x)")
    with pytest.raises(NetlistError, match="recursive function"):
        parse_expression("f(1)", dialect=Dialect(functions=rec))
    with pytest.raises(NetlistError, match=r"unknown function 'nope'; known: .*user functions \(\.func\): hyp, scaled, sq"):
        parse_expression("nope(1)", dialect=d)


def test_vector_reductions() -> None:
    d = Dialect(probes=True, vectors=True)
    x = np.array([1.0, 2.0, 6.0])
    assert parse_expression("mean(v(a))", dialect=d).evaluate({"v(a)": x}) == 3.0
    assert parse_expression("vecmax(v(a)) - vecmin(v(a)) + length(v(a))", dialect=d).evaluate({"v(a)": x}) == 8.0


DERIVATIVE_CASES = [
    ("x^3 - 2*x*y + y^2", B), ("sin(x)*cos(y) + tan(x/3)", B), ("exp(x*y)/(1+x^2)", B),
    ("sqrt(x+y) + ln(x) + log10(y) + log(x*y)", B), ("atan2(y, x) + atan(x) + asin(x/3) + acos(y/4)", B),
    ("sinh(x) + cosh(y) + tanh(x*y)", B), ("min(x, y) * max(x, 2*y, 0.5)", B), ("x > y ? x*x : y^3", B),
    ("pow(x, y) + pwr(x - 1, 2.5)", B), ("abs(x - y) + uramp(x - 0.7) + u(x)", B),
    ("x/y/2*x - (x^y)^0.5", B), ("pwl(x, 0, 0, 0.5, 1, 1, 3) * y", B), ("x^y + pow(y, x)", Dialect()),
    ("-(x^2) + !x + (x && y) + floor(x) * y", B),
]


@pytest.mark.parametrize(("text", "dialect"), DERIVATIVE_CASES)
def test_derivatives_match_finite_differences(text: str, dialect: Dialect) -> None:
    e = parse_expression(text, dialect=dialect)
    rng = np.random.default_rng(3)
    for _ in range(10):
        env = {"x": float(rng.uniform(0.2, 1.4)), "y": float(rng.uniform(0.3, 1.6))}
        for var in ("x", "y"):
            d = e.derivative(var).evaluate(env)
            h = 1e-6
            up, down = dict(env), dict(env)
            up[var] += h
            down[var] -= h
            fd = (e.evaluate(up) - e.evaluate(down)) / (2 * h)
            assert d == pytest.approx(fd, rel=1e-5, abs=1e-7), (text, var, env)


@settings(max_examples=60, deadline=None)
@given(st.floats(0.1, 3.0), st.floats(0.1, 3.0), st.sampled_from([c[0] for c in DERIVATIVE_CASES[:12]]))
def test_derivatives_on_arrays_equal_scalars(x: float, y: float, text: str) -> None:
    """Vectorised derivative evaluation (one call for many instances) equals per-point calls."""
    e = parse_expression(text, dialect=B)
    xs = np.array([x, y, 0.5 * (x + y)])
    ys = np.array([y, x, 1.1])
    got = np.broadcast_to(e.derivative("x").evaluate({"x": xs, "y": ys}), (3,))
    for k in range(3):
        want = e.derivative("x").evaluate({"x": float(xs[k]), "y": float(ys[k])})
        assert got[k] == pytest.approx(want, rel=1e-12, abs=1e-300) or (math.isnan(want) and math.isnan(got[k]))


def test_derivative_errors_point_at_the_expression() -> None:
    e = parse_expression("sqrt(x)", LOC)
    with pytest.raises(NetlistError, match=r"d\.cir:3:1\d: division by zero"):
        e.derivative("x").evaluate({"x": 0.0})
    assert parse_expression("sqrt(x)", dialect=B).derivative("x").evaluate({"x": 0.0}) == pytest.approx(5e19)


def test_to_text_round_trip() -> None:
    table = FunctionTable()
    table.define("sq", ("x",), "x*x")
    e = parse_expression("sq(v(a)) > k ? -v(a,b) : pwl(time, 0, 0, 1, 2)",
                         dialect=Dialect(probes=True, behavioural=True, functions=table))
    text = e.to_text({"v(a)": "v(x1.a)"}, {"k": 0.5})
    back = parse_expression(text, dialect=B)
    env = {"v(x1.a)": 0.9, "v(b)": 0.2, "time": 0.5}
    assert back.evaluate(env) == e.evaluate({"v(a)": 0.9, "v(b)": 0.2, "time": 0.5, "k": 0.5})
