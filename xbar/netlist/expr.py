"""Safe arithmetic expressions for ``.param`` values and ``{...}`` / ``'...'`` fields.

The text is tokenised and parsed by hand (a Pratt parser) into a small tree, which is compiled
once into nested Python closures. Nothing of the text is ever given to ``eval``/``exec``.

Syntax (ngspice numparam dialect, identifiers and function names case-insensitive)
-------------------------------------------------------------------------------------
Operators, loosest first:

=========================== =============================== ===============================
operators                   meaning                         associativity
=========================== =============================== ===============================
``c ? a : b``               ``a`` if ``c != 0`` else ``b``  right: ``a?b:c?d:e``
``||``                      logical or (1.0 / 0.0)          left
``&&``                      logical and (1.0 / 0.0)         left
``==  !=``                  equality (1.0 / 0.0)            left
``<  <=  >  >=``            comparison (1.0 / 0.0)          left
``+  -``                    sum, difference                 left
``*  /``                    product, quotient               left
``+  -  !`` (prefix)        sign, logical not               --
``^  **``                   power                           **left**, as ngspice: ``2^3^2`` = 64
=========================== =============================== ===============================

The power binds tighter than a sign on its left, and its right operand may carry a sign:
``-2^2`` = -4, ``2^-2`` = 0.25, ``2^-2^-1`` = ``(2^-2)^-1`` = 4 (all as ngspice 39).

Numbers follow :func:`xbar.units.parse_number`: ``2*1k`` = 2000, ``1meg``, ``10u``, ``1F`` = 1e-15,
units ignored (``10kOhm``). A digit, ``.`` or ``_`` right after a number's letters is an error
(``1k2``, ``1d3``: ngspice numparam rejects them too). Identifiers are ``[A-Za-z_][A-Za-z0-9_]*``.

Functions: ``sqrt exp log ln log10 abs sin cos tan asin acos atan sinh cosh tanh floor ceil``,
``sgn`` (-1, 0, 1), ``int`` (truncate toward zero), ``nint`` (nearest integer, **halves to even**
as ngspice: ``nint(2.5)`` = 2, ``nint(-0.5)`` = 0), ``pow(x, y)``, ``atan2(y, x)``, and
``min``/``max`` with two or more arguments. ``log`` is the **natural** logarithm, like ``ln``, as in
ngspice (``log(10)`` = 2.302585); ``log10`` is base 10. The only constant is ``pi``; a parameter
of the same name shadows it. There is no ``e`` constant (it would shadow user parameters).

Differences from ngspice 39 numparam, all deliberate:

* ngspice has no ``pi`` and no ``atan2`` (both "Undefined parameter");
* ngspice computes ``x^y`` as ``|x|^y`` (``(-2)^3`` = 8, ``(-8)^(1/3)`` = 2); here ``(-2)^3`` = -8
  like ``pow(-2, 3)`` in ngspice, and a negative base with a non-integer exponent is an error;
* ngspice reads ``1mil`` inside braces as 1e-3; here it is 25.4e-6 everywhere;
* ngspice does not check arity (``min(1)`` = 1, ``pow(2)`` = 1) and gives wrong results for
  ``min``/``max`` with three or more arguments (``min(3,1,2)`` = 2); here arity is checked and
  ``min``/``max`` take any number (at least two) of arguments;
* ngspice accepts ``1 ? 2`` (= 1) and has a ``%`` operator; both are errors here;
* ngspice reports division by zero, ``sqrt``/``log`` of bad arguments and overflow only as an
  ``inf``/``nan`` value on the card; here they are :class:`~xbar.errors.NetlistError`.

Evaluation
----------
:meth:`Expression.evaluate` takes a mapping of lower-case names to floats or numpy arrays. With
arrays the expression is computed element-wise (one evaluation for thousands of subcircuit
instances): arrays are broadcast together, ``?:``, ``&&`` and ``||`` evaluate each branch only on
the elements that take it (so ``x > 0 ? sqrt(x) : 0`` never complains about the other elements), and
errors name the first offending element. With scalars only, the result is a Python float.
Domain errors (division by zero, ``sqrt`` of a negative number, ``log`` of a non-positive number,
``asin``/``acos`` outside [-1, 1], negative base with non-integer exponent, zero to a negative
power) and non-finite results are :class:`~xbar.errors.NetlistError` whose column points at the
offending operator or function in the source line. Transcendental functions of arrays use numpy,
of scalars :mod:`math`; they may differ in the last bit.

Imports only :mod:`xbar.errors` and :mod:`xbar.units`.
"""

from __future__ import annotations

import itertools
import math
import operator
import re
from collections.abc import Callable, Mapping
from functools import lru_cache, reduce
from types import MappingProxyType
from typing import Any, NoReturn

import numpy as np

from xbar.errors import NetlistError, SourceLocation
from xbar.units import parse_number

__all__ = ["CONSTANTS", "FUNCTIONS", "MAX_DEPTH", "Expression", "parse_expression"]

#: Built-in constants (a scope entry of the same name shadows them).
CONSTANTS: Mapping[str, float] = MappingProxyType({"pi": math.pi})

#: Deepest nesting of parentheses, signs, calls and ternaries an expression may have.
MAX_DEPTH = 100

Value = float | np.ndarray
Env = dict[str, Any]
Fn = Callable[[Env], Any]

# --------------------------------------------------------------------------------------------
# Tokens
# --------------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"\s*(?:(?P<num>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\*\*|==|!=|<=|>=|&&|\|\||[-+*/^<>!?:(),]))"
)
_SPACE_RE = re.compile(r"\s*")
_HINTS = {
    "=": " (write '==' to compare)",
    "&": " (write '&&' for logical and)",
    "|": " (write '||' for logical or)",
}

_NUM = "num"
_NAME = "name"
_END = "end"


class _Token:
    __slots__ = ("end", "kind", "raw", "start", "value")

    def __init__(self, kind: str, value: Any, start: int, end: int, raw: str) -> None:
        self.kind = kind  # _NUM, _NAME, _END or the operator text
        self.value = value  # float for numbers, lower-case text for names, else the operator
        self.start = start
        self.end = end
        self.raw = raw  # the text as written

    def describe(self) -> str:
        return "the end of the expression" if self.kind == _END else f"'{self.raw}'"


# --------------------------------------------------------------------------------------------
# Syntax tree
# --------------------------------------------------------------------------------------------


class _Node:
    __slots__ = ("const", "depth", "end", "start")

    def __init__(self, start: int, end: int, children: tuple[_Node, ...] = ()) -> None:
        self.start = start
        self.end = end
        self.depth = 1 + max((c.depth for c in children), default=0)
        self.const = all(c.const for c in children)


class _Num(_Node):
    __slots__ = ("value",)

    def __init__(self, value: float, start: int, end: int) -> None:
        super().__init__(start, end)
        self.value = value


class _Var(_Node):
    __slots__ = ("name",)

    def __init__(self, name: str, start: int, end: int) -> None:
        super().__init__(start, end)
        self.name = name
        self.const = False


class _Unary(_Node):
    __slots__ = ("op", "operand")

    def __init__(self, op: str, operand: _Node, start: int) -> None:
        super().__init__(start, operand.end, (operand,))
        self.op = op
        self.operand = operand


class _Chain(_Node):
    """``a op b op c ...`` of one precedence level (``+ -``, ``* /``, ``^ **``, ``&&``, ``||``)."""

    __slots__ = ("kind", "operands", "ops")

    def __init__(self, kind: str, first: _Node) -> None:
        super().__init__(first.start, first.end, (first,))
        self.kind = kind
        self.operands: list[_Node] = [first]
        self.ops: list[tuple[str, int]] = []  # (operator text, offset) before operands[1:]

    def append(self, op: str, pos: int, operand: _Node) -> None:
        self.operands.append(operand)
        self.ops.append((op, pos))
        self.end = operand.end
        # Logical chains recurse once per operand when evaluated on arrays: count their length.
        grow = 1 if self.kind in ("&&", "||") else 0
        self.depth = max(self.depth + grow, 1 + operand.depth)
        self.const = self.const and operand.const


class _Compare(_Node):
    __slots__ = ("left", "op", "pos", "right")

    def __init__(self, op: str, pos: int, left: _Node, right: _Node) -> None:
        super().__init__(left.start, right.end, (left, right))
        self.op = op
        self.pos = pos
        self.left = left
        self.right = right


class _Ternary(_Node):
    __slots__ = ("cond", "other", "then")

    def __init__(self, cond: _Node, then: _Node, other: _Node) -> None:
        super().__init__(cond.start, other.end, (cond, then, other))
        self.cond = cond
        self.then = then
        self.other = other


class _Call(_Node):
    __slots__ = ("args", "name")

    def __init__(self, name: str, args: list[_Node], start: int, end: int) -> None:
        super().__init__(start, end, tuple(args))
        self.name = name
        self.args = args


# --------------------------------------------------------------------------------------------
# Functions
# --------------------------------------------------------------------------------------------


def _finite_or(f: Callable[[float], float]) -> Callable[[float], float]:
    """Make ``f`` (floor, ceil...) pass inf/nan through as numpy does instead of raising."""

    def g(x: float) -> float:
        return float(f(x)) if x - x == 0.0 else x

    return g


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _sinh(x: float) -> float:
    try:
        return math.sinh(x)
    except OverflowError:
        return math.copysign(math.inf, x)


def _cosh(x: float) -> float:
    try:
        return math.cosh(x)
    except OverflowError:
        return math.inf


def _sgn(x: float) -> float:
    return 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)


def _neg_bad(x: Any) -> Any:
    return x < 0.0


def _nonpos_bad(x: Any) -> Any:
    return x <= 0.0


def _unit_bad(x: Any) -> Any:
    return abs(x) > 1.0


# name -> (scalar function, array function, domain test or None, what the test rejects)
_FUNCS1: dict[str, tuple[Callable[[float], float], Callable[[Any], Any], Any, str]] = {
    "sqrt": (math.sqrt, np.sqrt, _neg_bad, "a negative number"),
    "exp": (_exp, np.exp, None, ""),
    "log": (math.log, np.log, _nonpos_bad, "a non-positive number"),
    "ln": (math.log, np.log, _nonpos_bad, "a non-positive number"),
    "log10": (math.log10, np.log10, _nonpos_bad, "a non-positive number"),
    "abs": (abs, np.abs, None, ""),
    "sin": (math.sin, np.sin, None, ""),
    "cos": (math.cos, np.cos, None, ""),
    "tan": (math.tan, np.tan, None, ""),
    "asin": (math.asin, np.arcsin, _unit_bad, "a number outside [-1, 1]"),
    "acos": (math.acos, np.arccos, _unit_bad, "a number outside [-1, 1]"),
    "atan": (math.atan, np.arctan, None, ""),
    "sinh": (_sinh, np.sinh, None, ""),
    "cosh": (_cosh, np.cosh, None, ""),
    "tanh": (math.tanh, np.tanh, None, ""),
    "floor": (_finite_or(math.floor), np.floor, None, ""),
    "ceil": (_finite_or(math.ceil), np.ceil, None, ""),
    "sgn": (_sgn, np.sign, None, ""),
    "int": (_finite_or(math.trunc), np.trunc, None, ""),
    "nint": (_finite_or(round), np.rint, None, ""),  # round() halves to even, like rint()
}
_FUNCS2 = {"pow", "atan2"}
_FUNCSN: dict[str, tuple[Callable[..., float], Any]] = {
    "min": (min, np.minimum),
    "max": (max, np.maximum),
}

#: Names of all built-in functions.
FUNCTIONS: frozenset[str] = frozenset(_FUNCS1) | _FUNCS2 | frozenset(_FUNCSN)
_KNOWN = ", ".join(sorted(FUNCTIONS))

_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}

# Left binding powers of the infix operators (0: ends an operand).
_BP = {
    "?": 1,
    "||": 2,
    "&&": 3,
    "==": 4,
    "!=": 4,
    "<": 5,
    "<=": 5,
    ">": 5,
    ">=": 5,
    "+": 6,
    "-": 6,
    "*": 7,
    "/": 7,
    "^": 9,
    "**": 9,
}
_UNARY_BP = 8
_CHAIN_KIND = {"+": "+", "-": "+", "*": "*", "/": "*", "^": "^", "**": "^", "&&": "&&", "||": "||"}


# --------------------------------------------------------------------------------------------
# Parser
# --------------------------------------------------------------------------------------------


class _Fail(Exception):
    """Internal error with an offset into the text; :class:`Expression` adds the location.

    Compiled code is shared by every expression with the same text (see :func:`_code_for`),
    so it cannot know where a given copy was written.
    """

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return f"'{text}'" if len(text) <= 80 else f"'{text[:77]}...'"


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.quoted = _quote(text)
        self.tokens = self._tokenize()
        self.i = 0
        self.depth = 0
        self.open_parens = 0

    def error(self, message: str, offset: int) -> _Fail:
        return _Fail(message, offset)

    # -- tokens ------------------------------------------------------------------------------

    def _tokenize(self) -> list[_Token]:
        text = self.text
        n = len(text)
        tokens: list[_Token] = []
        pos = 0
        match_token = _TOKEN_RE.match
        while True:
            m = match_token(text, pos)
            if m is None:
                pos = _SPACE_RE.match(text, pos).end()  # type: ignore[union-attr]
                if pos >= n:
                    break
                ch = text[pos]
                hint = _HINTS.get(ch, "")
                raise self.error(
                    f"unexpected character {ch!r} in expression {self.quoted}{hint}", pos
                )
            kind = m.lastgroup
            start = m.start(kind)  # type: ignore[arg-type]
            end = m.end()
            if kind == "num":
                while end < n and text[end].isalpha():  # scale factor and units: 10kOhm
                    end += 1
                if end < n and (text[end].isdigit() or text[end] in "._"):
                    stop = end
                    while stop < n and (text[stop].isalnum() or text[stop] in "._"):
                        stop += 1
                    raise self.error(
                        f"malformed number '{text[start:stop]}' in expression {self.quoted}",
                        start,
                    )
                raw = text[start:end]
                value = parse_number(raw)
                if value is None:
                    raise self.error(
                        f"number '{raw}' is out of range in expression {self.quoted}", start
                    )
                tok = _Token(_NUM, value, start, end, raw)
            elif kind == "name":
                raw = m.group(kind)
                tok = _Token(_NAME, raw.lower(), start, end, raw)
            else:
                op = m.group(kind)
                tok = _Token(op, op, start, end, op)
            tokens.append(tok)
            pos = end
        tokens.append(_Token(_END, "", n, n, ""))
        return tokens

    # -- grammar -----------------------------------------------------------------------------

    def parse(self) -> _Node:
        if self.tokens[0].kind == _END:
            raise self.error("empty expression", 0)
        node = self.expression(0)
        tok = self.tokens[self.i]
        if tok.kind != _END:
            if tok.kind == ")":
                raise self.error(
                    f"unbalanced parentheses: ')' without a matching '(' in expression "
                    f"{self.quoted}",
                    tok.start,
                )
            raise self.error(
                f"unexpected {tok.describe()} after a complete operand in expression "
                f"{self.quoted} (missing operator?)",
                tok.start,
            )
        return node

    def _enter(self, tok: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(
                f"expression nested too deeply (more than {MAX_DEPTH} levels) in expression "
                f"{self.quoted}",
                tok.start,
            )

    def _check(self, node: _Node) -> _Node:
        if node.depth > MAX_DEPTH:
            raise self.error(
                f"expression nested too deeply (more than {MAX_DEPTH} levels) in expression "
                f"{self.quoted}",
                node.start,
            )
        return node

    def expression(self, rbp: int) -> _Node:
        tokens = self.tokens
        self._enter(tokens[self.i])
        left = self.operand()
        while True:
            tok = tokens[self.i]
            bp = _BP.get(tok.kind, 0)
            if bp <= rbp:
                break
            self.i += 1
            left = self.infix(tok, left, bp)
        self.depth -= 1
        return left

    def infix(self, tok: _Token, left: _Node, bp: int) -> _Node:
        op = tok.kind
        if op == "?":
            then = self.expression(0)
            colon = self.tokens[self.i]
            if colon.kind != ":":
                raise self.error(
                    f"expected ':' to complete '?' in expression {self.quoted}, "
                    f"got {colon.describe()}",
                    colon.start,
                )
            self.i += 1
            other = self.expression(0)  # right-associative
            return self._check(_Ternary(left, then, other))
        if op in _COMPARE:
            right = self.expression(bp)
            return self._check(_Compare(op, tok.start, left, right))
        kind = _CHAIN_KIND[op]
        right = self.power_operand() if kind == "^" else self.expression(bp)
        if not (isinstance(left, _Chain) and left.kind == kind):
            left = _Chain(kind, left)
        left.append(op, tok.start, right)
        return self._check(left)

    def power_operand(self) -> _Node:
        """Right operand of ``^``: optional signs, then a primary (``2^-2^-1`` = 4)."""
        tok = self.tokens[self.i]
        if tok.kind in ("+", "-", "!"):
            self._enter(tok)
            self.i += 1
            node = self._check(_Unary(tok.kind, self.power_operand(), tok.start))
            self.depth -= 1
            return node
        return self.primary()

    def operand(self) -> _Node:
        tok = self.tokens[self.i]
        if tok.kind in ("+", "-", "!"):
            self.i += 1
            return self._check(_Unary(tok.kind, self.expression(_UNARY_BP), tok.start))
        return self.primary()

    def primary(self) -> _Node:
        tok = self.tokens[self.i]
        kind = tok.kind
        if kind == _NUM:
            self.i += 1
            return _Num(tok.value, tok.start, tok.end)
        if kind == _NAME:
            self.i += 1
            if self.tokens[self.i].kind == "(":
                return self.call(tok)
            return _Var(tok.value, tok.start, tok.end)
        if kind == "(":
            self.i += 1
            self.open_parens += 1
            node = self.expression(0)
            self._close(tok)
            node.start, node.end = tok.start, self.tokens[self.i - 1].end  # include the parens
            return node
        # No operand where one is needed.
        if kind == ")" and self.open_parens == 0:
            raise self.error(
                f"unbalanced parentheses: ')' without a matching '(' in expression {self.quoted}",
                tok.start,
            )
        if self.i == 0:
            raise self.error(
                f"expected an operand before {tok.describe()} in expression {self.quoted}",
                tok.start,
            )
        prev = self.tokens[self.i - 1]
        raise self.error(
            f"expected an operand after {prev.describe()} in expression {self.quoted}",
            tok.start,
        )

    def _close(self, open_tok: _Token) -> None:
        tok = self.tokens[self.i]
        if tok.kind == ")":
            self.i += 1
            self.open_parens -= 1
            return
        if tok.kind == _END:
            raise self.error(
                f"unbalanced parentheses: '(' is never closed in expression {self.quoted}",
                open_tok.start,
            )
        raise self.error(
            f"expected ')' or an operator in expression {self.quoted}, got {tok.describe()}",
            tok.start,
        )

    def call(self, name_tok: _Token) -> _Node:
        name = name_tok.value
        if name not in FUNCTIONS:
            raise self.error(f"unknown function '{name_tok.raw}'; known: {_KNOWN}", name_tok.start)
        open_tok = self.tokens[self.i]
        self.i += 1
        self.open_parens += 1
        args: list[_Node] = []
        if self.tokens[self.i].kind != ")":
            while True:
                args.append(self.expression(0))
                tok = self.tokens[self.i]
                if tok.kind != ",":
                    break
                self.i += 1
        tok = self.tokens[self.i]
        if tok.kind not in (")", _END):
            raise self.error(
                f"expected ',' or ')' in the arguments of '{name}' in expression {self.quoted}, "
                f"got {tok.describe()}",
                tok.start,
            )
        self._close(open_tok)
        got = len(args)
        if name in _FUNCSN:
            if got < 2:
                raise self.error(
                    f"function '{name}' takes at least 2 arguments, got {got}", name_tok.start
                )
        else:
            want = 2 if name in _FUNCS2 else 1
            if got != want:
                plural = "argument" if want == 1 else "arguments"
                raise self.error(
                    f"function '{name}' takes {want} {plural}, got {got}", name_tok.start
                )
        return self._check(_Call(name, args, name_tok.start, self.tokens[self.i - 1].end))


# --------------------------------------------------------------------------------------------
# Compiler: tree -> closures
# --------------------------------------------------------------------------------------------


class _NonFinite(Exception):
    """Internal: a domain test met an inf/nan operand; locate the overflow that made it."""


def _finite(*values: Any) -> bool:
    for v in values:
        if v.__class__ is float:
            if v - v != 0.0:
                return False
        elif not np.isfinite(v).all():
            return False
    return True


def _subset(env: Env, mask: np.ndarray) -> Env:
    """The environment restricted to the elements where ``mask`` is true (arrays only)."""
    sub = {k: (v[mask] if v.__class__ is np.ndarray else v) for k, v in env.items() if k != "#"}
    shape, index = env["#"]
    sub["#"] = (shape, np.flatnonzero(mask) if index is None else index[mask])
    return sub


def _select(env: Env, mask: np.ndarray, fa: Fn, fb: Fn) -> Any:
    """Element-wise ``mask ? fa : fb``, each side evaluated only where it is taken."""
    if mask.all():
        return fa(env)
    if not mask.any():
        return fb(env)
    out = np.empty(mask.shape)
    out[mask] = fa(_subset(env, mask))
    inverse = ~mask
    out[inverse] = fb(_subset(env, inverse))
    return out


def _logic(env: Env, fns: list[Fn], is_and: bool) -> Any:
    """``f0 && f1 && ...`` (or ``||``), lazily, element-wise for arrays."""
    last = len(fns) - 1
    for i, f in enumerate(fns):
        v = f(env)
        if v.__class__ is float:
            if (v == 0.0) is is_and:  # 'and' meets a zero, 'or' meets a non-zero
                return 0.0 if is_and else 1.0
            continue
        truth = v != 0.0
        if i == last:
            return truth.astype(np.float64)
        pending = truth if is_and else ~truth
        out = np.where(truth, 1.0, 0.0)
        if pending.any():
            out[pending] = _logic(_subset(env, pending), fns[i + 1 :], is_and)
        return out
    return 1.0 if is_and else 0.0


def _where(env: Env, bad: Any) -> str:
    """`` (at index i)`` for the first true element of ``bad`` in original coordinates."""
    flat = int(np.flatnonzero(bad)[0])
    shape, index = env["#"]
    if index is not None:
        flat = int(index[flat])
    if len(shape) == 1:
        return f" (at index {flat})"
    return f" (at index {tuple(int(i) for i in np.unravel_index(flat, shape))})"


class _Compiler:
    def __init__(self, text: str, quoted: str, checked: bool) -> None:
        self.quoted = quoted
        self.text = text
        self.checked = checked

    def fail(self, message: str, offset: int, env: Env, bad: Any, *operands: Any) -> NoReturn:
        """Raise a domain error, or :class:`_NonFinite` if an operand is already inf/nan."""
        if not _finite(*operands):
            raise _NonFinite
        where = "" if bad is None else _where(env, bad)
        raise _Fail(f"{message} in expression {self.quoted}{where}", offset)

    def compile(self, node: _Node) -> Fn:
        fn = self._compile(node)
        if isinstance(node, _Num):
            return fn
        if node.const and not self.checked:
            try:
                value = fn({})
            except (_Fail, _NonFinite, ArithmeticError, ValueError):
                pass  # keep it: the error shows if the branch is ever taken
            else:
                if value - value == 0.0:
                    return lambda env: value
        if self.checked:
            fn = self._check_finite(fn, node)
        return fn

    def _check_finite(self, fn: Fn, node: _Node) -> Fn:
        snippet = _quote(self.text[node.start : node.end])

        def checked(env: Env) -> Any:
            v = fn(env)
            if v.__class__ is float:
                if v - v == 0.0:
                    return v
                bad, where = None, ""
            else:
                bad = ~np.isfinite(v)
                if not bad.any():
                    return v
                where = _where(env, bad)
                v = v[bad].flat[0]
            what = "is not a number (nan)" if v != v else f"overflows to {v}"
            raise _Fail(
                f"overflow: {snippet} {what} in expression {self.quoted}{where}", node.start
            )

        return checked

    def _compile(self, node: _Node) -> Fn:
        if isinstance(node, _Num):
            value = node.value
            return lambda env: value
        if isinstance(node, _Var):
            return operator.itemgetter(node.name)
        if isinstance(node, _Unary):
            return self._unary(node)
        if isinstance(node, _Chain):
            if node.kind == "+":
                return self._sum(node)
            if node.kind == "*":
                return self._product(node)
            if node.kind == "^":
                return self._power(node)
            fns = [self.compile(o) for o in node.operands]
            is_and = node.kind == "&&"
            return lambda env: _logic(env, fns, is_and)
        if isinstance(node, _Compare):
            return self._compare(node)
        if isinstance(node, _Ternary):
            fc = self.compile(node.cond)
            fa = self.compile(node.then)
            fb = self.compile(node.other)

            def ternary(env: Env) -> Any:
                c = fc(env)
                if c.__class__ is float:
                    return fa(env) if c != 0.0 else fb(env)
                return _select(env, c != 0.0, fa, fb)

            return ternary
        assert isinstance(node, _Call)
        return self._call(node)

    def _unary(self, node: _Unary) -> Fn:
        f = self.compile(node.operand)
        if node.op == "+":
            return f
        if node.op == "-":
            return lambda env: -f(env)

        def logical_not(env: Env) -> Any:
            v = f(env)
            if v.__class__ is float:
                return 1.0 if v == 0.0 else 0.0
            return (v == 0.0).astype(np.float64)

        return logical_not

    def _sum(self, node: _Chain) -> Fn:
        fns = [self.compile(o) for o in node.operands]
        negs = [op == "-" for op, _ in node.ops]
        if len(fns) == 2:
            fa, fb = fns
            if negs[0]:
                return lambda env: fa(env) - fb(env)
            return lambda env: fa(env) + fb(env)
        first, rest = fns[0], list(zip(negs, fns[1:], strict=True))

        def total(env: Env) -> Any:
            acc = first(env)
            for neg, f in rest:
                acc = acc - f(env) if neg else acc + f(env)
            return acc

        return total

    def _divide(self, a: Any, b: Any, pos: int, env: Env) -> Any:
        if b.__class__ is float:
            if b == 0.0:
                self.fail("division by zero", pos, env, None, a)
            return a / b
        bad = b == 0.0
        if bad.any():
            self.fail("division by zero", pos, env, bad, a)
        return a / b

    def _product(self, node: _Chain) -> Fn:
        fns = [self.compile(o) for o in node.operands]
        if len(fns) == 2 and node.ops[0][0] == "*":
            fa, fb = fns
            return lambda env: fa(env) * fb(env)
        first = fns[0]
        rest = [(op == "/", pos, f) for (op, pos), f in zip(node.ops, fns[1:], strict=True)]
        divide = self._divide

        def product(env: Env) -> Any:
            acc = first(env)
            for div, pos, f in rest:
                acc = divide(acc, f(env), pos, env) if div else acc * f(env)
            return acc

        return product

    def _pow(self, a: Any, b: Any, pos: int, env: Env) -> Any:
        if a.__class__ is float and b.__class__ is float:
            if a < 0.0 and not b.is_integer():
                self.fail(
                    "power of a negative number to a non-integer exponent", pos, env, None, a, b
                )
            if a == 0.0 and b < 0.0:
                self.fail("division by zero (zero to a negative power)", pos, env, None, a, b)
            try:
                return a**b
            except OverflowError:
                negative = a < 0.0 and b % 2.0 == 1.0
                return -math.inf if negative else math.inf
        a_arr = np.asarray(a)
        b_arr = np.asarray(b)
        bad = (a_arr < 0.0) & (b_arr != np.floor(b_arr))
        if bad.any():
            self.fail("power of a negative number to a non-integer exponent", pos, env, bad, a, b)
        bad = (a_arr == 0.0) & (b_arr < 0.0)
        if bad.any():
            self.fail("division by zero (zero to a negative power)", pos, env, bad, a, b)
        return np.power(a_arr, b_arr)

    def _power(self, node: _Chain) -> Fn:
        fns = [self.compile(o) for o in node.operands]
        first = fns[0]
        rest = [(pos, f) for (_, pos), f in zip(node.ops, fns[1:], strict=True)]
        power = self._pow

        def chain(env: Env) -> Any:
            acc = first(env)
            for pos, f in rest:
                acc = power(acc, f(env), pos, env)
            return acc

        return chain

    def _compare(self, node: _Compare) -> Fn:
        fa = self.compile(node.left)
        fb = self.compile(node.right)
        op = _COMPARE[node.op]

        def compare(env: Env) -> Any:
            r = op(fa(env), fb(env))
            if r.__class__ is bool:
                return 1.0 if r else 0.0
            return r.astype(np.float64)

        return compare

    def _call(self, node: _Call) -> Fn:
        name = node.name
        fns = [self.compile(a) for a in node.args]
        pos = node.start
        if name in _FUNCSN:
            scalar_fn, array_fn = _FUNCSN[name]

            def extremum(env: Env) -> Any:
                values = [f(env) for f in fns]
                if all(v.__class__ is float for v in values):
                    return scalar_fn(values)
                return reduce(array_fn, values)

            return extremum
        if name == "pow":
            fx, fy = fns
            power = self._pow
            return lambda env: power(fx(env), fy(env), pos, env)
        if name == "atan2":
            fy, fx = fns

            def atan2(env: Env) -> Any:
                y = fy(env)
                x = fx(env)
                if y.__class__ is float and x.__class__ is float:
                    return math.atan2(y, x)
                return np.arctan2(y, x)

            return atan2
        (f,) = fns
        scalar_fn, array_fn, bad_test, what = _FUNCS1[name]
        if bad_test is None:

            def call(env: Env) -> Any:
                x = f(env)
                return scalar_fn(x) if x.__class__ is float else array_fn(x)

            return call
        message = f"{name} of {what}"
        fail = self.fail

        def checked_call(env: Env) -> Any:
            x = f(env)
            if x.__class__ is float:
                if bad_test(x):
                    fail(message, pos, env, None, x)
                return scalar_fn(x)
            bad = bad_test(x)
            if bad.any():
                fail(message, pos, env, bad, x)
            return array_fn(x)

        return checked_call


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def _first_positions(tokens: list[_Token]) -> dict[str, int]:
    """Offset of the first use of each identifier that is not a function call."""
    positions: dict[str, int] = {}
    for tok, nxt in itertools.pairwise(tokens):
        if tok.kind == _NAME and nxt.kind != "(":
            positions.setdefault(tok.value, tok.start)
    return positions


class _Code:
    """Everything derived from an expression's text alone (shared between equal texts)."""

    __slots__ = ("checked", "consts", "fn", "names", "positions", "quoted", "root", "text", "vars")

    def __init__(self, text: str) -> None:
        parser = _Parser(text)
        root = parser.parse()
        self.text = text
        self.quoted = parser.quoted
        self.positions = _first_positions(parser.tokens)
        identifiers = frozenset(self.positions)
        self.consts = tuple(sorted(identifiers & CONSTANTS.keys()))
        self.names = identifiers.difference(CONSTANTS)
        self.vars = tuple(sorted(self.names))
        self.root = root
        self.fn = _Compiler(text, self.quoted, checked=False).compile(root)
        self.checked: Fn | None = None  # compiled on the first error (see Expression._diagnose)


@lru_cache(maxsize=4096)
def _code_for(text: str) -> _Code:
    """Parse and compile ``text`` once: a deck repeats the same expression per instance."""
    return _Code(text)


class Expression:
    """A parsed expression, ready to be evaluated many times.

    Build it with :func:`parse_expression`. Instances are immutable.

    Attributes
    ----------
    source : str
        The text it was parsed from (inside the braces).
    names : frozenset of str
        Lower-case free identifiers the value depends on, excluding function names and
        built-in constants (``pi``).
    constants : frozenset of str
        Built-in constants used (``{'pi'}`` or empty); a scope entry of the same name
        shadows the built-in value.
    is_constant : bool
        True when the value depends on nothing: no names and no (shadowable) constants.
    location : SourceLocation or None
        Where the first character of ``source`` was written.
    """

    __slots__ = ("_code", "constants", "is_constant", "location", "names", "source")

    source: str
    names: frozenset[str]
    constants: frozenset[str]
    is_constant: bool
    location: SourceLocation | None

    def __init__(self, text: str, location: SourceLocation | None = None) -> None:
        try:
            code = _code_for(text)
        except _Fail as fail:
            raise _located(fail, location) from None
        init = object.__setattr__
        init(self, "source", text)
        init(self, "location", location)
        init(self, "names", code.names)
        init(self, "constants", frozenset(code.consts))
        init(self, "is_constant", not code.names and not code.consts)
        init(self, "_code", code)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Expression is immutable (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Expression is immutable (cannot delete {name!r})")

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        # Compiled closures do not pickle: rebuild from the text (cheap, and cached).
        return (parse_expression, (self.source, self.location))

    def evaluate(self, scope: Mapping[str, Value]) -> Value:
        """Value of the expression with the parameters of ``scope``.

        Parameters
        ----------
        scope : Mapping[str, float or numpy.ndarray]
            Parameter values by lower-case name (in their own units). Values may be arrays
            (broadcast together) to evaluate many instances at once.

        Returns
        -------
        float or numpy.ndarray
            A Python float when every value used is a scalar, otherwise a new float64 array of
            the broadcast shape.

        Raises
        ------
        NetlistError
            Undefined parameter, non-finite or non-numeric parameter value, domain error
            (division by zero, ``sqrt``/``log`` of a bad argument...) or overflow; the location's
            column points at the offending part of the source.
        """
        code = self._code
        try:
            env: Env = {}
            arrays = False
            for name in code.vars:
                try:
                    v = scope[name]
                except KeyError:
                    raise _undefined(code, name, scope) from None
                if v.__class__ is not float:
                    v = _convert(code, name, v)
                    arrays = arrays or v.__class__ is not float
                elif v - v != 0.0:
                    raise _bad_value(code, name, f"is not finite ({v})")
                env[name] = v
            for name in code.consts:
                v = scope[name] if name in scope else CONSTANTS[name]
                if v.__class__ is not float or v - v != 0.0:
                    v = _convert(code, name, v)
                    arrays = arrays or v.__class__ is not float
                env[name] = v
            if arrays:
                return _evaluate_arrays(code, env)
            try:
                result = code.fn(env)
            except _Fail:
                raise
            except (_NonFinite, ArithmeticError, ValueError):
                _diagnose(code, env)
            if result - result != 0.0:
                _diagnose(code, env)
            return result
        except _Fail as fail:
            raise _located(fail, self.location) from None


def _located(fail: _Fail, location: SourceLocation | None) -> NetlistError:
    if location is not None:
        location = location.with_col(location.col + fail.offset)
    return NetlistError(fail.message, location)


def _undefined(code: _Code, name: str, scope: Mapping[str, Value]) -> _Fail:
    hint = ""
    for key in scope:
        if isinstance(key, str) and key.lower() == name:
            hint = f" (the scope has {key!r}: scope names must be lower case)"
            break
    return _Fail(
        f"undefined parameter '{name}' in expression {code.quoted}{hint}", code.positions[name]
    )


def _bad_value(code: _Code, name: str, what: str) -> _Fail:
    return _Fail(
        f"parameter '{name}' {what} in expression {code.quoted}", code.positions.get(name, 0)
    )


def _convert(code: _Code, name: str, v: Any) -> Any:
    """A scope value as a finite float or a float64 array with at least one dimension."""
    if isinstance(v, (str, bytes)):
        raise _bad_value(code, name, f"has a non-numeric value {v!r}")
    try:
        arr = np.asarray(v)
    except (TypeError, ValueError):  # ragged nested lists
        raise _bad_value(code, name, f"has a non-numeric value {v!r}") from None
    if arr.dtype.kind not in "biuf":  # complex, strings, objects...
        raise _bad_value(code, name, f"has a non-numeric value {v!r}")
    arr = arr.astype(np.float64, copy=False)
    if arr.ndim == 0:
        value = float(arr)
        if value - value != 0.0:
            raise _bad_value(code, name, f"is not finite ({value})")
        return value
    finite = np.isfinite(arr)
    if not finite.all():
        bad = int(np.flatnonzero(~finite)[0])
        where: object = bad
        if arr.ndim > 1:
            where = tuple(int(i) for i in np.unravel_index(bad, arr.shape))
        raise _bad_value(code, name, f"is not finite at index {where}")
    return arr


def _evaluate_arrays(code: _Code, env: Env) -> np.ndarray:
    keys = [k for k, v in env.items() if v.__class__ is not float]
    try:
        arrays = np.broadcast_arrays(*(env[k] for k in keys))
    except ValueError:
        shapes = ", ".join(f"{k}{env[k].shape}" for k in keys)
        raise _Fail(
            f"parameter arrays of incompatible shapes ({shapes}) in expression {code.quoted}",
            code.positions.get(keys[0], 0),
        ) from None
    shape = arrays[0].shape
    env.update(zip(keys, arrays, strict=True))
    env["#"] = (shape, None)
    with np.errstate(all="ignore"):
        try:
            result = code.fn(env)
        except _Fail:
            raise
        except (_NonFinite, ArithmeticError, ValueError):
            _diagnose(code, env)
        result = np.array(np.broadcast_to(result, shape), dtype=np.float64)
        if not np.isfinite(result).all():
            _diagnose(code, env)
    return result


def _diagnose(code: _Code, env: Env) -> NoReturn:
    """Re-evaluate checking every intermediate value; raise at the first non-finite one."""
    fn = code.checked
    if fn is None:
        fn = code.checked = _Compiler(code.text, code.quoted, checked=True).compile(code.root)
    with np.errstate(all="ignore"):
        try:
            fn(env)
        except _Fail:
            raise
        except (_NonFinite, ArithmeticError, ValueError) as exc:
            raise _Fail(f"cannot evaluate expression {code.quoted}: {exc}", 0) from None
    raise _Fail(f"expression {code.quoted} does not evaluate to a finite number", 0)


def parse_expression(text: str, location: SourceLocation | None = None) -> Expression:
    """Parse an expression (the text inside ``{...}`` or ``'...'``).

    Parsing and compiling are cached by text, so repeating an expression (one per subcircuit
    instance, say) costs little.

    Parameters
    ----------
    text : str
        The expression, without the braces or quotes.
    location : SourceLocation or None
        Where ``text[0]`` was written; errors move its column to the offending character.

    Returns
    -------
    Expression
        Parsed and compiled; call :meth:`Expression.evaluate` with a scope.

    Raises
    ------
    NetlistError
        On any syntax error: unexpected character, unbalanced parentheses, missing operand,
        unknown function or wrong number of arguments, malformed number, nesting deeper than
        :data:`MAX_DEPTH`.

    Examples
    --------
    >>> e = parse_expression("w/2 + 1k")
    >>> sorted(e.names), e.evaluate({"w": 4.0})
    (['w'], 1002.0)
    """
    return Expression(text, location)
