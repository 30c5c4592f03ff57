"""Tests of xbar.netlist.expr: the .param / {expression} parser and evaluator."""

from __future__ import annotations

import copy
import math
import pickle
import re
import shutil
import subprocess
import timeit

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xbar.errors import NetlistError, SourceLocation
from xbar.netlist.expr import CONSTANTS, FUNCTIONS, MAX_DEPTH, Expression, parse_expression


def value(text: str, **scope: float) -> float:
    result = parse_expression(text).evaluate(scope)
    assert type(result) is float
    return result


# --------------------------------------------------------------------------------------------
# Numbers, precedence, associativity
# --------------------------------------------------------------------------------------------

NUMBERS = [
    ("1", 1.0),
    ("2*1k", 2000.0),
    ("1meg", 1e6),
    ("1MEG", 1e6),
    ("1m", 1e-3),
    ("10u", 1e-5),
    ("1F", 1e-15),
    ("3mil", 76.2e-6),
    ("10kOhm", 1e4),
    ("10kOhm/1k", 10.0),
    (".5", 0.5),
    ("5.", 5.0),
    ("1e3", 1e3),
    ("2.5E-3", 2.5e-3),
    ("1e-3k", 1.0),
    ("1e", 1.0),  # 'e' without exponent digits is a unit letter
    ("2*1e", 2.0),
    ("1µ", 1e-6),
]


@pytest.mark.parametrize(("text", "expected"), NUMBERS)
def test_numbers(text: str, expected: float) -> None:
    assert value(text) == pytest.approx(expected, rel=1e-15)


PRECEDENCE = [
    ("1+2*3", 7.0),
    ("(1+2)*3", 9.0),
    ("1+2*3-4/2", 5.0),
    ("2-3-4", -5.0),  # left-associative
    ("8/2/2", 2.0),  # left-associative
    ("2*3/4*5", 7.5),
    ("2*3^2", 18.0),
    ("2^2*3", 12.0),
    ("-2^2", -4.0),  # power binds tighter than a sign on its left
    ("-2**2", -4.0),
    ("-(2)^2", -4.0),
    ("(-2)^2", 4.0),
    ("-3^0.5", -math.sqrt(3)),
    ("2^-1", 0.5),  # the right operand may carry a sign
    ("2**-1", 0.5),
    ("-2^-2", -0.25),
    ("2^3^2", 64.0),  # LEFT-associative, as ngspice 39 numparam (and B sources)
    ("2**3**2", 64.0),
    ("4^0.5^2", 4.0),
    ("2^-2^-1", 4.0),  # (2^-2)^-1
    ("2^3**2", 64.0),
    ("1 - -1", 2.0),
    ("- -2", 2.0),
    ("+-2", -2.0),
    ("2*-3", -6.0),
    ("-2*-2", 4.0),
    ("!0+1", 2.0),  # '!' binds like a sign
    ("-!0", -1.0),
    ("!1+1", 1.0),
    ("1+2==3", 1.0),
    ("3>2==2", 0.0),  # relational binds tighter than equality (C, ngspice)
    ("2==2>1", 0.0),
    ("1<2<3", 1.0),
    ("1||0&&0", 1.0),  # && binds tighter than ||
    ("0&&1||1", 1.0),
    ("0||1?5:6", 5.0),  # ternary is the loosest
    ("1?2:3+10", 2.0),
    ("0?2:3+10", 13.0),
    ("1?0:1?7:8", 0.0),  # right-associative
    ("0?1:0?2:3", 3.0),
    ("0?1:1?2:3", 2.0),
    ("1?1?4:5:6", 4.0),
    ("0?1?4:5:6", 6.0),
    ("(1?2:3)*10", 20.0),
    ("  1 +\t2 ", 3.0),
    ("((((1))))", 1.0),
]


@pytest.mark.parametrize(("text", "expected"), PRECEDENCE)
def test_precedence_and_associativity(text: str, expected: float) -> None:
    assert value(text) == pytest.approx(expected, rel=1e-15)


COMPARISONS = [
    ("2==2", 1.0),
    ("2==3", 0.0),
    ("2!=3", 1.0),
    ("2!=2", 0.0),
    ("1<2", 1.0),
    ("2<2", 0.0),
    ("2<=2", 1.0),
    ("3<=2", 0.0),
    ("3>2", 1.0),
    ("2>2", 0.0),
    ("2>=2", 1.0),
    ("1>=2", 0.0),
    ("!0", 1.0),
    ("!2", 0.0),
    ("!-0.5", 0.0),
    ("1&&1", 1.0),
    ("1&&0", 0.0),
    ("2&&3", 1.0),  # logical results are 1.0 / 0.0
    ("0||0", 0.0),
    ("0||3", 1.0),
    ("0.5?1:2", 1.0),
    ("-1?1:2", 1.0),
    ("0?1:2", 2.0),
]


@pytest.mark.parametrize(("text", "expected"), COMPARISONS)
def test_comparisons_and_logic(text: str, expected: float) -> None:
    assert value(text) == expected


def test_lazy_branches_scalar() -> None:
    # The branch not taken is not evaluated, so its domain errors do not show.
    assert value("x>0 ? sqrt(x) : -1", x=-4.0) == -1.0
    assert value("x==0 ? 0 : 1/x", x=0.0) == 0.0
    assert value("x!=0 && 1/x>0.5", x=0.0) == 0.0
    assert value("x==0 || 1/x>0.5", x=0.0) == 1.0
    with pytest.raises(NetlistError, match="division by zero"):
        value("x==0 ? 1/x : 0", x=0.0)


# --------------------------------------------------------------------------------------------
# Functions
# --------------------------------------------------------------------------------------------

FUNCTION_VALUES = [
    ("sqrt(2)", math.sqrt(2)),
    ("exp(1)", math.e),
    ("log(10)", math.log(10)),  # natural log, as ngspice
    ("ln(10)", math.log(10)),
    ("log10(1000)", 3.0),
    ("abs(-3)", 3.0),
    ("abs(3)", 3.0),
    ("min(3,1)", 1.0),
    ("min(3,1,2)", 1.0),
    ("min(-1,-2,5,0)", -2.0),
    ("max(3,1)", 3.0),
    ("max(1,5,2)", 5.0),
    ("pow(2,0.5)", math.sqrt(2)),
    ("pow(-2,3)", -8.0),
    ("pow(-2,2)", 4.0),
    ("pow(0,0)", 1.0),
    ("sin(1)", math.sin(1)),
    ("cos(1)", math.cos(1)),
    ("tan(1)", math.tan(1)),
    ("atan(1)", math.pi / 4),
    ("asin(1)", math.pi / 2),
    ("acos(0)", math.pi / 2),
    ("sinh(1)", math.sinh(1)),
    ("cosh(1)", math.cosh(1)),
    ("tanh(1)", math.tanh(1)),
    ("floor(-1.5)", -2.0),
    ("floor(1.5)", 1.0),
    ("ceil(-1.5)", -1.0),
    ("ceil(1.2)", 2.0),
    ("atan2(1,2)", math.atan2(1, 2)),
    ("atan2(1,-1)", 3 * math.pi / 4),
    ("sgn(-3)", -1.0),
    ("sgn(0)", 0.0),
    ("sgn(2)", 1.0),
    ("int(2.7)", 2.0),
    ("int(-2.7)", -2.0),
    ("int(-2.5)", -2.0),
    ("nint(1.4)", 1.0),
    ("nint(1.6)", 2.0),
    ("nint(-1.6)", -2.0),
    ("nint(2.5)", 2.0),  # halves to even, as ngspice 39
    ("nint(3.5)", 4.0),
    ("nint(-2.5)", -2.0),
    ("nint(0.5)", 0.0),
    ("nint(1.5)", 2.0),
    ("pi", math.pi),
    ("2*pi", 2 * math.pi),
    ("sqrt(sqrt(16))", 2.0),
    ("max(min(1,2),min(3,4))", 3.0),
    ("exp(-1000)", 0.0),
]


@pytest.mark.parametrize(("text", "expected"), FUNCTION_VALUES)
def test_functions(text: str, expected: float) -> None:
    assert value(text) == pytest.approx(expected, rel=1e-14, abs=1e-300)


def test_every_function_is_tested() -> None:
    tested = {m.group(1) for t, _ in FUNCTION_VALUES for m in re.finditer(r"([a-z0-9]+)\(", t)}
    assert tested == set(FUNCTIONS)
    assert set(CONSTANTS) == {"pi"}


def test_case_insensitive() -> None:
    e = parse_expression("SQRT(Width)*PI + Max(W, 1K)")
    assert e.names == frozenset({"width", "w"})
    assert e.constants == frozenset({"pi"})
    assert e.evaluate({"width": 4.0, "w": 2.0}) == pytest.approx(2 * math.pi + 1000)


def test_names_and_constants() -> None:
    e = parse_expression("a*b + sqrt(c) + a + pi")
    assert e.names == frozenset({"a", "b", "c"})
    assert "sqrt" not in e.names
    assert e.constants == frozenset({"pi"})
    assert not e.is_constant
    assert parse_expression("2*1k+sqrt(4)").is_constant
    assert parse_expression("2*1k+sqrt(4)").names == frozenset()
    assert type(parse_expression("1").names) is frozenset
    assert type(parse_expression("pi").names) is frozenset
    assert type(parse_expression("pi").constants) is frozenset
    assert not parse_expression("2*pi").is_constant  # pi can be shadowed
    # A function name used without a call is an ordinary parameter name.
    assert parse_expression("max + 1").names == frozenset({"max"})
    assert parse_expression("e*2").names == frozenset({"e"})  # no built-in 'e'


def test_pi_is_shadowed_by_scope() -> None:
    e = parse_expression("2*pi")
    assert e.evaluate({}) == 2 * math.pi
    assert e.evaluate({"pi": 3.0}) == 6.0


def test_source_location_repr_and_immutability() -> None:
    loc = SourceLocation("deck.cir", 4, 9, "R1 1 0 {a+1}")
    e = parse_expression("a+1", loc)
    assert isinstance(e, Expression)
    assert e.source == "a+1"
    assert e.location == loc
    assert repr(e) == "Expression('a+1')"
    with pytest.raises(AttributeError):
        e.source = "b"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        e.names = frozenset()  # type: ignore[misc]


def test_pickle_and_copy() -> None:
    loc = SourceLocation("deck.cir", 4, 9, "R1 1 0 {a+1}")
    e = parse_expression("a*2 + 1/b", loc)
    for clone in (pickle.loads(pickle.dumps(e)), copy.deepcopy(e), copy.copy(e)):
        assert (clone.source, clone.location, clone.names) == (e.source, loc, e.names)
        assert clone.evaluate({"a": 1.0, "b": 4.0}) == 2.25
        with pytest.raises(NetlistError) as err:
            clone.evaluate({"a": 1.0, "b": 0.0})
        assert err.value.location == loc.with_col(9 + 7)


def test_constants_are_read_only() -> None:
    with pytest.raises(TypeError):
        CONSTANTS["e"] = math.e  # type: ignore[index]


def test_same_text_different_locations() -> None:
    # Compiled code is cached by text; each expression keeps its own location.
    a = parse_expression("1/x", SourceLocation("a.cir", 1, 5, ""))
    b = parse_expression("1/x", SourceLocation("b.cir", 9, 30, ""))
    with pytest.raises(NetlistError) as err_a:
        a.evaluate({"x": 0.0})
    with pytest.raises(NetlistError) as err_b:
        b.evaluate({"x": 0.0})
    assert (err_a.value.location.file, err_a.value.location.col) == ("a.cir", 6)
    assert (err_b.value.location.file, err_b.value.location.col) == ("b.cir", 31)


def test_scope_value_types() -> None:
    e = parse_expression("a+b")
    assert e.evaluate({"a": 1, "b": True}) == 2.0
    assert type(e.evaluate({"a": np.float64(1.5), "b": np.int64(2)})) is float
    assert type(e.evaluate({"a": np.array(1.5), "b": 2.0})) is float  # 0-d array is a scalar
    assert e.evaluate({"a": 1.0, "b": 2.0, "unused": "text"}) == 3.0


# --------------------------------------------------------------------------------------------
# Arrays
# --------------------------------------------------------------------------------------------

ARRAY_EXPRESSIONS = [
    "a*2+b",
    "a-b/3",
    "-a^2 + b**3",
    "a^b",
    "pow(a, b)",
    "x^2",
    "sqrt(a)+exp(b)-log(a)+ln(b)+log10(a)",
    "abs(x)+sgn(x)+int(x*3)+nint(x*3)+floor(x)+ceil(x)",
    "sin(x)+cos(x)+tan(x)+atan(x)+sinh(x)+cosh(x)+tanh(x)",
    "asin(u)+acos(u)",
    "atan2(x, a)",
    "min(a, b, x) + max(x, 1)",
    "a > b ? a : b",
    "x > 0 ? sqrt(x) : -sqrt(-x)",
    "x >= 0 ? (x > 0.5 ? 1/x : log(a)) : 1/(x-1)",
    "x != 0 && 1/x > 0.5",
    "x == 0 || 1/x < -0.5 || a > 2",
    "!(x > 0) + (a == a) + (a <= b) + (a >= b) + (a < b) + (a != b)",
    "c ? a : b",
    "x > 0 ? 1 : 2",
    "a + pi*c",
]


def _scalar_scope(arrays: dict[str, np.ndarray], i: int) -> dict[str, float]:
    return {k: float(v[i]) for k, v in arrays.items()}


@pytest.mark.parametrize("text", ARRAY_EXPRESSIONS)
def test_array_equals_scalar_elementwise(text: str) -> None:
    rng = np.random.default_rng(1)
    n = 64
    arrays = {
        "a": rng.uniform(0.5, 3.0, n),
        "b": rng.uniform(0.5, 3.0, n),
        "x": np.concatenate([[0.0, 0.5, -0.5, 1.5, -1.5], rng.uniform(-2.0, 2.0, n - 5)]),
        "u": rng.uniform(-1.0, 1.0, n),
        "c": (rng.uniform(size=n) > 0.5).astype(float),
    }
    e = parse_expression(text)
    scope = {k: v for k, v in arrays.items() if k in e.names}
    got = e.evaluate(scope)
    assert isinstance(got, np.ndarray)
    assert got.shape == (n,)
    assert got.dtype == np.float64
    expected = [e.evaluate(_scalar_scope(scope, i)) for i in range(n)]
    np.testing.assert_allclose(got, expected, rtol=1e-13, atol=1e-300)


def test_array_mixed_with_scalars_and_broadcasting() -> None:
    e = parse_expression("w*l + k")
    w = np.array([[1.0], [2.0], [3.0]])
    l = np.array([10.0, 20.0])
    got = e.evaluate({"w": w, "l": l, "k": 0.5})
    np.testing.assert_array_equal(got, w * l + 0.5)
    assert got.shape == (3, 2)


def test_array_result_is_a_new_array_of_full_shape() -> None:
    x = np.array([1.0, 2.0, 3.0])
    got = parse_expression("x").evaluate({"x": x})
    got[0] = 99.0
    assert x[0] == 1.0  # not a view of the input
    const = parse_expression("1 ? 2 : x").evaluate({"x": x})
    np.testing.assert_array_equal(const, [2.0, 2.0, 2.0])
    assert parse_expression("x > 0 ? 1 : 2").evaluate({"x": np.array([])}).shape == (0,)
    assert type(parse_expression("2").evaluate({"x": x})) is float  # x is not used


def test_array_lists_are_accepted() -> None:
    got = parse_expression("2*x").evaluate({"x": [1, 2, 3]})  # type: ignore[dict-item]
    np.testing.assert_array_equal(got, [2.0, 4.0, 6.0])


def test_array_lazy_branches() -> None:
    x = np.array([4.0, -1.0, 9.0, 0.0])
    np.testing.assert_array_equal(
        parse_expression("x > 0 ? sqrt(x) : 0").evaluate({"x": x}), [2.0, 0.0, 3.0, 0.0]
    )
    np.testing.assert_array_equal(
        parse_expression("x != 0 && 1/x > 0.2").evaluate({"x": x}), [1.0, 0.0, 0.0, 0.0]
    )
    np.testing.assert_array_equal(
        parse_expression("x == 0 || 1/x < 0").evaluate({"x": x}), [0.0, 1.0, 0.0, 1.0]
    )


def test_array_ten_thousand_instances() -> None:
    x = np.linspace(-1.0, 1.0, 10_000)
    got = parse_expression("x > 0 ? sqrt(x)*w : w*x^2").evaluate({"x": x, "w": 2.0})
    np.testing.assert_allclose(got, np.where(x > 0, np.sqrt(np.abs(x)) * 2.0, 2.0 * x**2))


# --------------------------------------------------------------------------------------------
# Errors: message and column
# --------------------------------------------------------------------------------------------

COL = 20  # column of the expression's first character in the line
LOC = SourceLocation("deck.cir", 7, COL, "R1 1 0 {...}")

SYNTAX_ERRORS = [
    ("", "empty expression", 0),
    ("   ", "empty expression", 0),
    ("a#b", "unexpected character '#' in expression 'a#b'", 1),
    ("1 % 2", "unexpected character '%'", 2),
    ("a = 1", r"unexpected character '=' .*write '==' to compare", 2),
    ("a & b", r"unexpected character '&' .*'&&'", 2),
    ("a | b", r"unexpected character '\|' .*'\|\|'", 2),
    ("a.b", "unexpected character '.'", 1),
    ("{1}", "unexpected character '{'", 0),
    ("1Ω+x@", "unexpected character '@'", 4),
    ("(1+2", r"unbalanced parentheses: '\(' is never closed", 0),
    ("2*((1+2)", r"unbalanced parentheses: '\(' is never closed", 2),
    ("1+2)", r"unbalanced parentheses: '\)' without a matching '\('", 3),
    (")", r"unbalanced parentheses", 0),
    ("max(1,2", r"unbalanced parentheses: '\(' is never closed", 3),
    ("1*", r"expected an operand after '\*'", 2),
    ("(1* )", r"expected an operand after '\*'", 4),
    ("1* )", r"unbalanced parentheses: '\)' without a matching '\('", 3),
    ("2^", r"expected an operand after '\^'", 2),
    ("1+*2", r"expected an operand after '\+'", 2),
    ("()", r"expected an operand after '\('", 1),
    ("min(1,)", r"expected an operand after ','", 6),
    ("-", r"expected an operand after '-'", 1),
    ("*2", r"expected an operand before '\*'", 0),
    ("1 2", r"unexpected '2' after a complete operand .*missing operator", 2),
    ("a b", r"unexpected 'b' after a complete operand", 2),
    ("1,2", r"unexpected ',' after a complete operand", 1),
    ("(1 2)", r"expected '\)' or an operator .*got '2'", 3),
    ("max(1 2)", r"expected ',' or '\)' in the arguments of 'max'", 6),
    ("1?2", r"expected ':' to complete '\?'", 3),
    ("1?2,3", r"expected ':' to complete '\?' .*got ','", 3),
    ("1:2", r"unexpected ':'", 1),
    ("sqr(2)", r"unknown function 'sqr'; known: abs, acos, asin, atan, atan2, ceil", 0),
    ("1+FOO(2)", r"unknown function 'FOO'; known: ", 2),
    ("pi(2)", r"unknown function 'pi'", 0),
    ("min(1)", r"function 'min' takes at least 2 arguments, got 1", 0),
    ("2*max()", r"function 'max' takes at least 2 arguments, got 0", 2),
    ("pow(2)", r"function 'pow' takes 2 arguments, got 1", 0),
    ("atan2(1,2,3)", r"function 'atan2' takes 2 arguments, got 3", 0),
    ("sqrt(1,2)", r"function 'sqrt' takes 1 argument, got 2", 0),
    ("1+sqrt()", r"function 'sqrt' takes 1 argument, got 0", 2),
    ("1k2", r"malformed number '1k2'", 0),
    ("2*1d3", r"malformed number '1d3'", 2),
    ("1.2.3", r"malformed number '1.2.3'", 0),
    ("1_000", r"malformed number '1_000'", 0),
    ("1e999", r"number '1e999' is out of range", 0),
]


@pytest.mark.parametrize(("text", "message", "offset"), SYNTAX_ERRORS)
def test_syntax_errors(text: str, message: str, offset: int) -> None:
    with pytest.raises(NetlistError, match=message) as err:
        parse_expression(text, LOC)
    assert err.value.location is not None
    assert err.value.location.col == COL + offset
    assert (err.value.location.file, err.value.location.line) == ("deck.cir", 7)
    # Without a location the same message is raised.
    with pytest.raises(NetlistError, match=message) as err:
        parse_expression(text)
    assert err.value.location is None


EVAL_ERRORS = [
    ("a*foo", {"a": 1.0}, r"undefined parameter 'foo' in expression 'a\*foo'", 2),
    ("foo+a*foo", {"a": 1.0}, r"undefined parameter 'foo'", 0),  # first use
    ("A*B", {"A": 1.0}, r"undefined parameter 'a' .*scope names must be lower case", 0),
    ("1/x", {"x": 0.0}, r"division by zero in expression '1/x'", 1),
    ("2+4/(x-1)", {"x": 1.0}, r"division by zero in expression '2\+4/\(x-1\)'", 3),
    ("a*3/x", {"a": 1.0, "x": 0.0}, r"division by zero", 3),
    ("0^-1", {}, r"division by zero \(zero to a negative power\)", 1),
    ("pow(x, -2)", {"x": 0.0}, r"division by zero \(zero to a negative power\)", 0),
    ("sqrt(x)", {"x": -1.0}, r"sqrt of a negative number in expression 'sqrt\(x\)'", 0),
    ("1+sqrt(x-2)", {"x": 1.0}, r"sqrt of a negative number", 2),
    ("log(x)", {"x": 0.0}, r"log of a non-positive number in expression 'log\(x\)'", 0),
    ("ln(-x)", {"x": 1.0}, r"ln of a non-positive number", 0),
    ("2*log10(x)", {"x": -3.0}, r"log10 of a non-positive number", 2),
    ("asin(x)", {"x": 1.5}, r"asin of a number outside \[-1, 1\]", 0),
    ("acos(x)", {"x": -2.0}, r"acos of a number outside \[-1, 1\]", 0),
    ("(-8)^(1/3)", {}, r"power of a negative number to a non-integer exponent", 4),
    ("pow(x, 0.5)", {"x": -2.0}, r"power of a negative number to a non-integer exponent", 0),
    ("exp(x)", {"x": 1000.0}, r"overflow: 'exp\(x\)' overflows to inf in expression", 0),
    ("2*exp(x)+1", {"x": 1000.0}, r"overflow: 'exp\(x\)'", 2),
    ("-sinh(x)", {"x": 1000.0}, r"overflow: 'sinh\(x\)'", 1),
    ("1+cosh(x)", {"x": 1000.0}, r"overflow: 'cosh\(x\)'", 2),
    ("x*x", {"x": 1e200}, r"overflow: 'x\*x' overflows to inf", 0),
    ("1 + x^2", {"x": 1e200}, r"overflow: 'x\^2'", 4),
    ("(-x)^3", {"x": 1e200}, r"overflow: '\(-x\)\^3' overflows to -inf", 0),
    ("2*(x*x)", {"x": 1e200}, r"overflow: '\(x\*x\)'", 2),
    ("floor(x*10)", {"x": 1e308}, r"overflow: 'x\*10'", 6),
    ("sin(x*10)", {"x": 1e308}, r"overflow: 'x\*10'", 4),
    ("sqrt(x*10-x*10)", {"x": 1e308}, r"overflow: 'x\*10'", 5),
    ("x", {"x": math.inf}, r"parameter 'x' is not finite \(inf\)", 0),
    ("1+x", {"x": math.nan}, r"parameter 'x' is not finite \(nan\)", 2),
    ("1+x", {"x": "1k"}, r"parameter 'x' has a non-numeric value '1k'", 2),
    ("1+x", {"x": 1j}, r"parameter 'x' has a non-numeric value", 2),
    ("1+x", {"x": [1.0, "a"]}, r"parameter 'x' has a non-numeric value", 2),
    ("1+x", {"x": [[1.0], [1.0, 2.0]]}, r"parameter 'x' has a non-numeric value", 2),
    ("1+x", {"x": None}, r"parameter 'x' has a non-numeric value None", 2),
    ("2*pi", {"pi": math.inf}, r"parameter 'pi' is not finite", 2),
]


@pytest.mark.parametrize(("text", "scope", "message", "offset"), EVAL_ERRORS)
def test_evaluation_errors(text: str, scope: dict, message: str, offset: int) -> None:
    e = parse_expression(text, LOC)
    with pytest.raises(NetlistError, match=message) as err:
        e.evaluate(scope)
    assert err.value.location is not None
    assert err.value.location.col == COL + offset
    with pytest.raises(NetlistError, match=message) as err:
        parse_expression(text).evaluate(scope)
    assert err.value.location is None


ARRAY_ERRORS = [
    ("1/x", {"x": [1.0, 0.0, 2.0, 0.0]}, r"division by zero in expression '1/x' \(at index 1\)", 1),
    ("sqrt(x)", {"x": [1.0, 4.0, -1.0]}, r"sqrt of a negative number .*\(at index 2\)", 0),
    ("log(x)", {"x": [1.0, 0.0]}, r"log of a non-positive number .*\(at index 1\)", 0),
    ("asin(x)", {"x": [0.0, 2.0]}, r"asin of a number outside .*\(at index 1\)", 0),
    ("x^0.5", {"x": [1.0, -1.0]}, r"non-integer exponent .*\(at index 1\)", 1),
    ("x^-1", {"x": [1.0, 0.0]}, r"zero to a negative power.*\(at index 1\)", 1),
    ("exp(x)", {"x": [1.0, 800.0]}, r"overflow: 'exp\(x\)' overflows to inf .*\(at index 1\)", 0),
    ("exp(x)", {"x": [[1.0, 2.0], [3.0, 800.0]]}, r"overflow: .*\(at index \(1, 1\)\)", 0),
    # Errors inside a branch report the index in the whole array, not in the branch.
    (
        "x > 0 ? 1/(x-2) : 0",
        {"x": [1.0, -1.0, -3.0, 2.0]},
        r"division by zero .*\(at index 3\)",
        9,
    ),
    ("x < 0 || 1/(x-2) > 0", {"x": [-1.0, 1.0, 2.0]}, r"division by zero .*\(at index 2\)", 10),
    ("x", {"x": [1.0, math.nan]}, r"parameter 'x' is not finite at index 1", 0),
    (
        "x+y",
        {"x": [1.0, 2.0], "y": [1.0, 2.0, 3.0]},
        r"incompatible shapes \(x\(2,\), y\(3,\)\)",
        0,
    ),
]


@pytest.mark.parametrize(("text", "scope", "message", "offset"), ARRAY_ERRORS)
def test_array_errors(text: str, scope: dict, message: str, offset: int) -> None:
    arrays = {k: np.array(v) for k, v in scope.items()}
    with pytest.raises(NetlistError, match=message) as err:
        parse_expression(text, LOC).evaluate(arrays)
    assert err.value.location is not None
    assert err.value.location.col == COL + offset


def test_error_renders_caret_under_the_culprit() -> None:
    line = "R1 1 0 {a*foo}"
    loc = SourceLocation("deck.cir", 3, line.index("{") + 2, line)
    with pytest.raises(NetlistError) as err:
        parse_expression("a*foo", loc).evaluate({"a": 1.0})
    rendered = str(err.value).splitlines()
    assert rendered[0] == "deck.cir:3:11: undefined parameter 'foo' in expression 'a*foo'"
    assert rendered[2].index("^") - 2 == line.index("foo")


# --------------------------------------------------------------------------------------------
# Robustness: deep nesting, long chains, random garbage
# --------------------------------------------------------------------------------------------


DEEP = {
    "parentheses": "(" * 10_000 + "1" + ")" * 10_000,
    "unclosed-parentheses": "(" * 10_000,
    "signs": "-" * 10_000 + "1",
    "nots": "!" * 10_000 + "1",
    "power-signs": "2^" + "-" * 10_000 + "1",
    "calls": "sqrt(" * 10_000 + "4" + ")" * 10_000,
    "ternary-then": "1?" * 10_000 + "1" + ":1" * 10_000,
    "ternary-else": "0?1:" * 10_000 + "1",
    "comparisons": "1<" * 10_000 + "1",
    "and-chain": "1&&" * 10_000 + "1",
}


@pytest.mark.parametrize("text", list(DEEP.values()), ids=list(DEEP))
def test_deep_nesting_is_a_clear_error(text: str) -> None:
    with pytest.raises(NetlistError, match=rf"nested too deeply \(more than {MAX_DEPTH} levels\)"):
        parse_expression(text, LOC)


def test_reasonable_nesting_works() -> None:
    depth = MAX_DEPTH // 2
    assert value("(" * depth + "1" + ")" * depth) == 1.0
    assert value("sqrt(" * 10 + "2" + ")" * 10) == pytest.approx(2 ** (1 / 1024))
    x = np.array([1.0, -1.0])
    deep = "x>0&&" * 40 + "1"
    np.testing.assert_array_equal(parse_expression(deep).evaluate({"x": x}), [1.0, 0.0])


def test_long_flat_chains_work() -> None:
    assert value("+".join(["1"] * 10_000)) == 10_000.0
    assert value("*".join(["1.0001"] * 5_000)) == pytest.approx(1.0001**5000)
    assert value("-".join(["1"] * 5_000)) == -4998.0
    assert value("2" + "^1" * 5_000) == 2.0
    x = np.arange(3.0)
    np.testing.assert_array_equal(
        parse_expression("+".join(["x"] * 5_000)).evaluate({"x": x}), 5000 * x
    )


_TOKENS = [
    "1", "0", "2.5", "1k", "1e3", "1e", "1k2", ".", "a", "b", "x", "pi", "e", "(", ")", ",",
    "+", "-", "*", "/", "^", "**", "!", "?", ":", "==", "!=", "<", "<=", ">", ">=", "&&", "||",
    "=", "&", "|", "#", " ", "sqrt(", "min(", "pow(", "log(", "nint(", "exp(", "atan2(", "sqr(",
    "1e308", "1e-308", "0.0", "{", "'", "µ", "Ω", "_",
]  # fmt: skip


@settings(max_examples=400, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(st.text(max_size=60), st.lists(st.sampled_from(_TOKENS), max_size=40).map("".join))
)
def test_garbage_raises_only_netlist_error(text: str) -> None:
    try:
        e = parse_expression(text, LOC)
    except NetlistError as err:
        assert err.location is not None and COL <= err.location.col <= COL + len(text)
        return
    assert isinstance(e.names, frozenset)
    scalar_scope = dict.fromkeys(e.names, 1.5)
    array_scope = {name: np.array([-2.0, 0.0, 1.5, 1e300]) for name in e.names}
    for scope in (scalar_scope, array_scope, dict.fromkeys(e.names, 0.0)):
        try:
            result = e.evaluate(scope)
        except NetlistError as err:
            assert err.location is not None and COL <= err.location.col <= COL + len(text)
        else:
            assert np.all(np.isfinite(result))


# --------------------------------------------------------------------------------------------
# Against ngspice 39 numparam
# --------------------------------------------------------------------------------------------

NGSPICE = shutil.which("ngspice")

NGSPICE_EXPRESSIONS = [
    "log(10)",
    "ln(2)+log10(1000)",
    "-2^2",
    "2^3^2",
    "4^0.5^2",
    "2^-2^-1",
    "-3^0.5",
    "2*1k+3meg/1e6",
    "10u*1e6+1F*1e15",
    "10kOhm/1k",
    "1<2?3:4",
    "0?1:0?2:3",
    "1?0:1?7:8",
    "3>2==2",
    "!0+1",
    "0||1?5:6",
    "(1&&0)+(0||3)*10",
    "nint(2.5)+10*nint(3.5)+100*nint(-2.5)",
    "int(-2.7)+sgn(-3)*10",
    "floor(-1.5)+10*ceil(-1.5)",
    "sqrt(2)*exp(1)",
    "sin(1)+cos(1)+tan(0.5)",
    "asin(0.5)+acos(0.5)+atan(2)",
    "sinh(1)-cosh(1)+tanh(0.3)",
    "abs(-3)+min(3,1)+max(3,1)",
    "pow(2,0.5)+pow(-2,3)",
    "7/2-8/2/2",
    "P1*2+p2^2",
    "Wl/p1",
]
NGSPICE_PARAMS = {"p1": 3.0, "p2": 0.5, "wl": 12.5}


@pytest.mark.ngspice
@pytest.mark.skipif(NGSPICE is None, reason="ngspice is not installed")
def test_against_ngspice(tmp_path) -> None:
    lines = ["* expression cross-check", ".param P1=3 p2=0.5 WL=12.5"]
    for i, text in enumerate(NGSPICE_EXPRESSIONS, 1):
        lines += [f"V{i} n{i} 0 {{{text}}}", f"R{i} n{i} 0 1"]
    nodes = " ".join(f"v(n{i})" for i in range(1, len(NGSPICE_EXPRESSIONS) + 1))
    raw = tmp_path / "out.raw"
    lines += [".op", ".control", "run", "set filetype=ascii", f"write {raw} {nodes}"]
    lines += [".endc", ".end"]
    deck = tmp_path / "deck.cir"
    deck.write_text("\n".join(lines) + "\n")
    run = subprocess.run(
        [NGSPICE, "-b", str(deck)], capture_output=True, text=True, timeout=120, check=False
    )
    assert raw.exists(), run.stdout + run.stderr
    text = raw.read_text()
    count = int(re.search(r"No\. Variables:\s*(\d+)", text).group(1))  # type: ignore[union-attr]
    numbers = [float(v) for v in text.split("Values:", 1)[1].split()[2 : 1 + count]]
    assert len(numbers) == len(NGSPICE_EXPRESSIONS)
    for source, ngspice_value in zip(NGSPICE_EXPRESSIONS, numbers, strict=True):
        ours = parse_expression(source).evaluate(NGSPICE_PARAMS)
        assert ours == pytest.approx(ngspice_value, rel=1e-12, abs=1e-12), source


# --------------------------------------------------------------------------------------------
# Speed (run with -m bench; prints, never asserts a time)
# --------------------------------------------------------------------------------------------


@pytest.mark.bench
def test_bench_expressions() -> None:
    e = parse_expression("a*2+b")
    scope = {"a": 1.5, "b": 2.0}
    n = 100_000
    seconds = timeit.timeit(lambda: e.evaluate(scope), number=n) / n
    print(f"evaluate('a*2+b') on scalars: {seconds * 1e6:.2f} µs")
    x = np.linspace(0.0, 1.0, 10_000)
    e = parse_expression("x > 0.5 ? sqrt(x)*w : w/(1+x)")
    seconds = timeit.timeit(lambda: e.evaluate({"x": x, "w": 2.0}), number=200) / 200
    print(f"evaluate(ternary) on 10k-element arrays: {seconds * 1e6:.0f} µs")
