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

import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache, reduce
from types import MappingProxyType
from typing import Any, NoReturn

import numpy as np

from xbar.errors import NetlistError, SourceLocation
from xbar.units import parse_number

__all__ = [
    "BEHAVIOURAL_FUNCTIONS",
    "CONSTANTS",
    "FUNCTIONS",
    "MAX_DEPTH",
    "VECTOR_FUNCTIONS",
    "Dialect",
    "Expression",
    "FunctionTable",
    "parse_expression",
]

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
_PROBE = "probe"


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

# Functions of behavioural-source expressions only (ngspice B sources): pwl(x, x1, y1, ...),
# the unit step u(x) (1 for x > 0), the ramp uramp(x) = x·u(x) and pwr(x, y) = sgn(x)·|x|^y.
_BEHAVIOURAL1 = frozenset({"u", "uramp"})
_BEHAVIOURAL2 = frozenset({"pwr"})
BEHAVIOURAL_FUNCTIONS: frozenset[str] = _BEHAVIOURAL1 | _BEHAVIOURAL2 | {"pwl"}
# Reductions of the control language (``let``/``print`` in ``.control``): one value per vector.
_VECTOR_FUNCS: dict[str, Callable[[Any], float]] = {
    "mean": lambda x: float(np.mean(x)),
    "vecmax": lambda x: float(np.max(x)),
    "vecmin": lambda x: float(np.min(x)),
    "length": lambda x: float(np.size(x)),
}
VECTOR_FUNCTIONS: frozenset[str] = frozenset(_VECTOR_FUNCS)


class UserFunction:
    """One ``.func name(a, b) {body}`` (or ``.param name(a, b) = body``) definition.

    The body is kept as text and parsed on first use in each dialect; calls inline it with the
    arguments substituted (so derivatives of behavioural sources see through user functions).
    """

    def __init__(self, name: str, params: tuple[str, ...], text: str,
                 location: SourceLocation | None, table: FunctionTable) -> None:
        self.name = name
        self.params = params
        self.text = text
        self.location = location
        self.table = table
        self._trees: dict[Dialect, _Node] = {}
        self._busy = False

    def where(self) -> str:
        loc = self.location
        return f"defined at {loc.file}:{loc.line}" if loc is not None else "user function"

    def body(self, dialect: Dialect, call_offset: int) -> _Node:
        """The parsed body in ``dialect`` (errors are reported at the call)."""
        tree = self._trees.get(dialect)
        if tree is not None:
            return tree
        if self._busy:
            raise _Fail(f"recursive function: '{self.name}' calls itself ({self.where()})",
                        call_offset)
        self._busy = True
        try:
            tree = _Parser(self.text, dialect).parse()
        except _Fail as fail:
            if fail.message.startswith("recursive function"):
                raise _Fail(fail.message, call_offset) from None
            raise _Fail(f"{fail.message} (in the body of function '{self.name}', {self.where()})",
                        call_offset) from None
        finally:
            self._busy = False
        self._trees[dialect] = tree
        return tree


class FunctionTable:
    """User functions visible in a scope (a subcircuit's table falls back to its parent's).

    Tables compare by identity: a parse is cached per (text, table), so every deck or
    subcircuit definition keeps its own functions.

    Examples
    --------
    >>> table = FunctionTable()
    >>> table.define("sq", ("x",), "x*x")
    >>> parse_expression("sq(3)+1", dialect=Dialect(functions=table)).evaluate({})
    10.0
    """

    def __init__(self, parent: FunctionTable | None = None) -> None:
        self.parent = parent
        self.functions: dict[str, UserFunction] = {}

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    def define(self, name: str, params: tuple[str, ...], text: str,
               location: SourceLocation | None = None) -> None:
        """Add ``name(params) = text``; raises :class:`NetlistError` for bad definitions.

        The body is checked for syntax here (in the behavioural dialect, the widest one);
        names it uses are resolved where the function is called.
        """
        key = name.lower()
        if key in FUNCTIONS or key in BEHAVIOURAL_FUNCTIONS or key in ("v", "i"):
            raise NetlistError(f"cannot redefine the built-in function '{name}'", location)
        if key in self.functions:
            first = self.functions[key].where()
            raise NetlistError(f"function '{name}' is defined twice (first {first})", location)
        lowered = tuple(p.lower() for p in params)
        for p in lowered:
            if not re.fullmatch(r"[a-z_][a-z0-9_]*", p):
                raise NetlistError(f"'{p}' is not a valid argument name of function '{name}'",
                                   location)
        if len(set(lowered)) != len(lowered):
            raise NetlistError(f"function '{name}' lists an argument twice", location)
        try:
            _Parser(text, Dialect(probes=True, behavioural=True)).parse()
        except _Fail as fail:
            if not fail.message.startswith("unknown function"):
                raise _located(fail, location) from None
        self.functions[key] = UserFunction(key, lowered, text, location, self)

    def lookup(self, name: str) -> UserFunction | None:
        table: FunctionTable | None = self
        while table is not None:
            found = table.functions.get(name)
            if found is not None:
                return found
            table = table.parent
        return None

    def names(self) -> list[str]:
        out: set[str] = set()
        table: FunctionTable | None = self
        while table is not None:
            out.update(table.functions)
            table = table.parent
        return sorted(out)


@dataclass(frozen=True)
class Dialect:
    """What an expression may contain besides the numparam core.

    Attributes
    ----------
    probes : bool
        ``v(node)``, ``v(n1, n2)`` (= ``v(n1) - v(n2)``) and ``i(element)`` are variables
        named ``v(node)`` / ``i(element)`` (behavioural sources, ``.meas``, ``.control``).
    behavioural : bool
        ngspice B-source semantics: ``pwl``, ``u``, ``uramp`` and ``pwr`` are known,
        ``x^y``, ``x**y`` and ``pow(x, y)`` are ``|x|^y`` (as ngspice's B source computes them:
        ``(-2)^3`` = 8, ``(-8)^(1/3)`` = 2), and a divisor moves 1e-20 away from zero
        (``1/0`` = 1e20, ngspice's ``PTdivide``) instead of raising.
    vectors : bool
        Control-language reductions ``mean``, ``vecmax``, ``vecmin``, ``length``.
    functions : FunctionTable or None
        User functions (``.func``) callable from the expression.
    """

    probes: bool = False
    behavioural: bool = False
    vectors: bool = False
    functions: FunctionTable | None = None

    def builtins(self) -> frozenset[str]:
        """Function names this dialect adds to :data:`FUNCTIONS`."""
        extra: frozenset[str] = frozenset()
        if self.behavioural:
            extra = extra | BEHAVIOURAL_FUNCTIONS
        if self.vectors:
            extra = extra | VECTOR_FUNCTIONS
        return extra


_PLAIN = Dialect()


def _clone(node: _Node, subst: dict[str, _Node], start: int, end: int) -> _Node:
    """Copy of ``node`` with variables in ``subst`` replaced, every copied node at
    ``start:end`` (an inlined function body reports errors at its call)."""
    if isinstance(node, _Num):
        return _Num(node.value, start, end)
    if isinstance(node, _Var):
        if node.name in subst:
            return subst[node.name]
        return _Var(node.name, start, end)
    if isinstance(node, _Unary):
        out: _Node = _Unary(node.op, _clone(node.operand, subst, start, end), start)
    elif isinstance(node, _Chain):
        chain = _Chain(node.kind, _clone(node.operands[0], subst, start, end))
        for (op, _), operand in zip(node.ops, node.operands[1:], strict=True):
            chain.append(op, start, _clone(operand, subst, start, end))
        out = chain
    elif isinstance(node, _Compare):
        out = _Compare(node.op, start, _clone(node.left, subst, start, end),
                       _clone(node.right, subst, start, end))
    elif isinstance(node, _Ternary):
        out = _Ternary(_clone(node.cond, subst, start, end), _clone(node.then, subst, start, end),
                       _clone(node.other, subst, start, end))
    else:
        assert isinstance(node, _Call)
        out = _Call(node.name, [_clone(a, subst, start, end) for a in node.args], start, end)
    out.start, out.end = start, end
    return out

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
    def __init__(self, text: str, dialect: Dialect | None = None) -> None:
        self.text = text
        self.dialect = dialect if dialect is not None else _PLAIN
        self.quoted = _quote(text)
        self.tokens = self._tokenize()
        self.i = 0
        self.depth = 0
        self.open_parens = 0

    def error(self, message: str, offset: int) -> _Fail:
        return _Fail(message, offset)

    def _probe(self, letter: str, start: int, end: int) -> _Token | None:
        """``v(node)``, ``v(n1, n2)`` or ``i(element)`` at ``start`` (None: not a probe).

        Node and element names are taken verbatim up to the closing parenthesis (they may hold
        dots, digits first, ``#``...), lower-cased; a probe reads as the variable ``v(node)``.
        """
        text = self.text
        k = end
        while k < len(text) and text[k] in " \t":
            k += 1
        if k >= len(text) or text[k] != "(":
            return None
        close = text.find(")", k)
        inner = text[k + 1 : close] if close >= 0 else ""
        if close < 0 or "(" in inner:
            raise self.error(
                f"{letter}(...) needs a closing ')' around a node or element name in expression "
                f"{self.quoted}",
                start,
            )
        parts = [p.strip().lower() for p in inner.split(",")]
        if any(not p or any(c.isspace() for c in p) for p in parts) or len(parts) > 2 or (
            letter == "i" and len(parts) != 1
        ):
            want = "v(node) or v(node1, node2)" if letter == "v" else "i(element)"
            raise self.error(
                f"expected {want}, got '{text[start : close + 1]}' in expression {self.quoted}",
                start,
            )
        return _Token(_PROBE, (letter, tuple(parts)), start, close + 1, text[start : close + 1])

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
                low = raw.lower()
                if self.dialect.probes and low in ("v", "i"):
                    probe = self._probe(low, start, end)
                    if probe is not None:
                        tokens.append(probe)
                        pos = probe.end
                        continue
                tok = _Token(_NAME, low, start, end, raw)
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
        if kind == _PROBE:
            self.i += 1
            letter, parts = tok.value
            first = _Var(f"{letter}({parts[0]})", tok.start, tok.end)
            if len(parts) == 1:
                return first
            diff = _Chain("+", first)
            diff.append("-", tok.start, _Var(f"v({parts[1]})", tok.start, tok.end))
            return diff
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
        dialect = self.dialect
        user = dialect.functions.lookup(name) if dialect.functions is not None else None
        if user is not None and name not in FUNCTIONS:
            return self.user_call(name_tok, user)
        if name not in FUNCTIONS and name not in dialect.builtins():
            known = ", ".join(sorted(FUNCTIONS | dialect.builtins()))
            users = dialect.functions.names() if dialect.functions is not None else []
            extra = f"; user functions (.func): {', '.join(users)}" if users else ""
            raise self.error(f"unknown function '{name_tok.raw}'; known: {known}{extra}",
                             name_tok.start)
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
        if name == "pwl":
            if got < 5 or got % 2 == 0:
                raise self.error(
                    "pwl(x, x1, y1, x2, y2, ...) needs its argument and at least two (x, y) "
                    f"points, got {got} arguments", name_tok.start
                )
        elif name in _FUNCSN:
            if got < 2:
                raise self.error(
                    f"function '{name}' takes at least 2 arguments, got {got}", name_tok.start
                )
        else:
            want = 2 if name in _FUNCS2 or name in _BEHAVIOURAL2 else 1
            if got != want:
                plural = "argument" if want == 1 else "arguments"
                raise self.error(
                    f"function '{name}' takes {want} {plural}, got {got}", name_tok.start
                )
        return self._check(_Call(name, args, name_tok.start, self.tokens[self.i - 1].end))

    def _arguments(self) -> list[_Node]:
        """Comma-separated arguments after the '(' at the current token, up to the ')'."""
        open_tok = self.tokens[self.i]
        self.i += 1
        self.open_parens += 1
        args: list[_Node] = []
        if self.tokens[self.i].kind != ")":
            while True:
                args.append(self.expression(0))
                if self.tokens[self.i].kind != ",":
                    break
                self.i += 1
        tok = self.tokens[self.i]
        if tok.kind not in (")", _END):
            raise self.error(
                f"expected ',' or ')' in the arguments in expression {self.quoted}, "
                f"got {tok.describe()}",
                tok.start,
            )
        self._close(open_tok)
        return args

    def user_call(self, name_tok: _Token, user: UserFunction) -> _Node:
        """A call of a ``.func`` function: its body with the arguments substituted (inlined)."""
        args = self._arguments()
        end = self.tokens[self.i - 1].end
        if len(args) != len(user.params):
            plural = "argument" if len(user.params) == 1 else "arguments"
            raise self.error(
                f"function '{user.name}' ({user.where()}) takes {len(user.params)} {plural}, "
                f"got {len(args)}", name_tok.start
            )
        body = user.body(self.dialect, name_tok.start)
        node = _clone(body, dict(zip(user.params, args, strict=True)), name_tok.start, end)
        return self._check(node)


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


_PT_DIVZERO = 1e-20


class _Compiler:
    def __init__(self, text: str, quoted: str, checked: bool, dialect: Dialect = _PLAIN) -> None:
        self.quoted = quoted
        self.text = text
        self.checked = checked
        self.behavioural = dialect.behavioural

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
        if self.behavioural:
            # ngspice's B source (PTdivide): the divisor moves 1e-20 away from zero, so 1/0 is
            # 1e20 instead of an error (Newton can start at 0 V through sqrt, 1/x ...)
            if b.__class__ is float:
                return a / (b + _PT_DIVZERO if b >= 0.0 else b - _PT_DIVZERO)
            return a / np.where(b >= 0.0, b + _PT_DIVZERO, b - _PT_DIVZERO)
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
        if self.behavioural:
            return self._abs_pow(a, b, pos, env)
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

    def _abs_pow(self, a: Any, b: Any, pos: int, env: Env) -> Any:
        """ngspice B-source power ``|a|^b`` (zero to a negative power is an error)."""
        if a.__class__ is float and b.__class__ is float:
            if a == 0.0 and b < 0.0:
                self.fail("division by zero (zero to a negative power)", pos, env, None, a, b)
            try:
                return abs(a) ** b
            except OverflowError:
                return math.inf
        a_arr = np.abs(np.asarray(a))
        b_arr = np.asarray(b)
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
        if name in ("pwl", "#pwlslope"):
            return self._pwl(fns, pos, slope=name == "#pwlslope")
        if name in _VECTOR_FUNCS:
            reduce_fn = _VECTOR_FUNCS[name]
            (fv,) = fns
            return lambda env: reduce_fn(fv(env))
        if name == "u":
            (fu,) = fns

            def step(env: Env) -> Any:
                x = fu(env)
                return (1.0 if x > 0.0 else 0.0) if x.__class__ is float else (x > 0.0) * 1.0

            return step
        if name == "uramp":
            (fr,) = fns

            def ramp(env: Env) -> Any:
                x = fr(env)
                return (x if x > 0.0 else 0.0) if x.__class__ is float else np.maximum(x, 0.0)

            return ramp
        if name == "pwr":
            fx, fy = fns
            abs_power = self._abs_pow

            def pwr(env: Env) -> Any:
                x = fx(env)
                p = abs_power(x, fy(env), pos, env)
                return math.copysign(p, x) if x.__class__ is float and p.__class__ is float \
                    else np.sign(x) * p

            return pwr
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


    def _pwl(self, fns: list[Fn], pos: int, slope: bool) -> Fn:
        """``pwl(x, x1, y1, x2, y2, ...)``: linear interpolation, linear extrapolation beyond
        the first and last segments (as ngspice's B source); ``slope`` gives dy/dx instead."""
        fx = fns[0]
        xs_fns = fns[1::2]
        ys_fns = fns[2::2]
        fail = self.fail

        def pwl(env: Env) -> Any:
            x = fx(env)
            xs = [f(env) for f in xs_fns]
            ys = [f(env) for f in ys_fns]
            scalar = x.__class__ is float and all(v.__class__ is float for v in (*xs, *ys))
            xk = np.array(np.broadcast_arrays(*xs), dtype=np.float64)  # (K, ...)
            yk = np.array(np.broadcast_arrays(*ys), dtype=np.float64)
            if np.any(np.diff(xk, axis=0) < 0.0):
                fail("pwl x values must not decrease", pos, env, None)
            xa = np.asarray(x, dtype=np.float64)
            shape = np.broadcast_shapes(xa.shape, xk.shape[1:])
            xa = np.broadcast_to(xa, shape)
            xk = np.broadcast_to(_leading(xk, len(shape)), (xk.shape[0], *shape))
            yk = np.broadcast_to(_leading(yk, len(shape)), (yk.shape[0], *shape))
            seg = np.clip((xa[None] >= xk).sum(axis=0) - 1, 0, xk.shape[0] - 2)
            x0 = np.take_along_axis(xk, seg[None], 0)[0]
            x1 = np.take_along_axis(xk, seg[None] + 1, 0)[0]
            y0 = np.take_along_axis(yk, seg[None], 0)[0]
            y1 = np.take_along_axis(yk, seg[None] + 1, 0)[0]
            width = x1 - x0
            flat = width == 0.0
            with np.errstate(divide="ignore", invalid="ignore"):
                k = np.where(flat, 0.0, (y1 - y0) / np.where(flat, 1.0, width))
            out = k if slope else np.where(flat, y1, y0 + k * (xa - x0))
            return float(out) if scalar else np.array(out, dtype=np.float64)

        return pwl


def _leading(a: np.ndarray, ndim: int) -> np.ndarray:
    """``a`` (shape (K, ...)) with axes inserted after the first to have ``1 + ndim`` axes."""
    return a.reshape((a.shape[0],) + (1,) * (ndim - (a.ndim - 1)) + a.shape[1:])


def _unparse(node: _Node, rename: dict[str, str], values: dict[str, float]) -> str:
    """Text of a tree (see :meth:`Expression.to_text`)."""
    if isinstance(node, _Num):
        return repr(float(node.value))
    if isinstance(node, _Var):
        if node.name in values:
            return repr(float(values[node.name]))
        return rename.get(node.name, node.name)
    if isinstance(node, _Unary):
        return f"({node.op}{_unparse(node.operand, rename, values)})"
    if isinstance(node, _Chain):
        text = _unparse(node.operands[0], rename, values)
        for (op, _), operand in zip(node.ops, node.operands[1:], strict=True):
            text = f"({text}{op}{_unparse(operand, rename, values)})"
        return text
    if isinstance(node, _Compare):
        return f"({_unparse(node.left, rename, values)}{node.op}{_unparse(node.right, rename, values)})"
    if isinstance(node, _Ternary):
        return (f"({_unparse(node.cond, rename, values)}?{_unparse(node.then, rename, values)}:"
                f"{_unparse(node.other, rename, values)})")
    assert isinstance(node, _Call)
    return f"{node.name}({', '.join(_unparse(a, rename, values) for a in node.args)})"


def _calls(root: _Node, name: str) -> list[_Call]:
    """Every call of function ``name`` in the tree."""
    out: list[_Call] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, _Call):
            if node.name == name:
                out.append(node)
            stack.extend(node.args)
        elif isinstance(node, _Unary):
            stack.append(node.operand)
        elif isinstance(node, _Chain):
            stack.extend(node.operands)
        elif isinstance(node, _Compare):
            stack.extend((node.left, node.right))
        elif isinstance(node, _Ternary):
            stack.extend((node.cond, node.then, node.other))
    return out


# --------------------------------------------------------------------------------------------
# Symbolic differentiation
# --------------------------------------------------------------------------------------------

_ZERO_DEPS = frozenset({"floor", "ceil", "sgn", "int", "nint", "u", "length"})


def _num(value: float, at: _Node) -> _Num:
    return _Num(value, at.start, at.end)


def _is_num(node: _Node, value: float | None = None) -> bool:
    return isinstance(node, _Num) and (value is None or node.value == value)


def _add(a: _Node, b: _Node, at: _Node, subtract: bool = False) -> _Node:
    if _is_num(b, 0.0):
        return a
    if _is_num(a, 0.0):
        return _neg(b, at) if subtract else b
    chain = _Chain("+", a)
    chain.append("-" if subtract else "+", at.start, b)
    chain.start, chain.end = at.start, at.end
    return chain


def _neg(a: _Node, at: _Node) -> _Node:
    if isinstance(a, _Num):
        return _num(-a.value, at)
    node = _Unary("-", a, at.start)
    node.end = at.end
    return node


def _mul(a: _Node, b: _Node, at: _Node, divide: bool = False) -> _Node:
    if _is_num(a, 0.0) or (not divide and _is_num(b, 0.0)):
        return _num(0.0, at)
    if _is_num(b, 1.0):
        return a
    if _is_num(a, 1.0) and not divide:
        return b
    chain = _Chain("*", a)
    chain.append("/" if divide else "*", at.start, b)
    chain.start, chain.end = at.start, at.end
    return chain


def _call_node(name: str, args: list[_Node], at: _Node) -> _Call:
    return _Call(name, args, at.start, at.end)


def _power_node(a: _Node, b: _Node, at: _Node) -> _Node:
    chain = _Chain("^", a)
    chain.append("^", at.start, b)
    chain.start, chain.end = at.start, at.end
    return chain


def _pow_derivative(a: _Node, b: _Node, da: _Node, db: _Node, at: _Node,
                    behavioural: bool) -> _Node:
    """d(a^b) for the power semantics in use (``|a|^b`` for behavioural sources)."""
    out: _Node = _num(0.0, at)
    if not _is_num(da, 0.0) and not _is_num(b, 0.0):
        # d/da: b·a^(b-1), times sgn(a) for |a|^b
        reduced = _power_node(a, _add(b, _num(1.0, at), at, subtract=True), at)
        term = _mul(b, reduced, at)
        if behavioural:
            term = _mul(term, _call_node("sgn", [a], at), at)
        out = _mul(term, da, at)
    if not _is_num(db, 0.0):
        base = _call_node("abs", [a], at) if behavioural else a
        term = _mul(_mul(_power_node(a, b, at), _call_node("ln", [base], at), at), db, at)
        out = _add(out, term, at)
    return out


def _derive(node: _Node, var: str, behavioural: bool) -> _Node:
    """The tree of d(node)/d(var) (see :meth:`Expression.derivative`)."""
    if isinstance(node, _Num):
        return _num(0.0, node)
    if isinstance(node, _Var):
        return _num(1.0 if node.name == var else 0.0, node)
    if isinstance(node, _Unary):
        if node.op == "!":
            return _num(0.0, node)
        d = _derive(node.operand, var, behavioural)
        return _neg(d, node) if node.op == "-" else d
    if isinstance(node, _Compare):
        return _num(0.0, node)
    if isinstance(node, _Ternary):
        then = _derive(node.then, var, behavioural)
        other = _derive(node.other, var, behavioural)
        if _is_num(then, 0.0) and _is_num(other, 0.0):
            return _num(0.0, node)
        return _Ternary(node.cond, then, other)
    if isinstance(node, _Chain):
        ops = node.operands
        if node.kind in ("&&", "||"):
            return _num(0.0, node)
        if node.kind == "+":
            out = _derive(ops[0], var, behavioural)
            for (op, _), operand in zip(node.ops, ops[1:], strict=True):
                out = _add(out, _derive(operand, var, behavioural), node, subtract=op == "-")
            return out
        acc: _Node = ops[0]
        d_acc = _derive(acc, var, behavioural)
        for (op, pos), operand in zip(node.ops, ops[1:], strict=True):
            d_op = _derive(operand, var, behavioural)
            step = _Chain(node.kind, acc)
            step.append(op, pos, operand)
            if node.kind == "*":
                if op == "*":  # (acc·o)' = acc'·o + acc·o'
                    d_acc = _add(_mul(d_acc, operand, node), _mul(acc, d_op, node), node)
                else:  # (acc/o)' = (acc' - (acc/o)·o')/o
                    d_acc = _mul(_add(d_acc, _mul(step, d_op, node), node, subtract=True),
                                 operand, node, divide=True)
            else:
                d_acc = _pow_derivative(acc, operand, d_acc, d_op, node, behavioural)
            acc = step
        return d_acc
    assert isinstance(node, _Call)
    return _derive_call(node, var, behavioural)


def _derive_call(node: _Call, var: str, behavioural: bool) -> _Node:
    name = node.name
    args = node.args
    if name in _ZERO_DEPS or name == "#pwlslope":
        return _num(0.0, node)
    if name in _VECTOR_FUNCS:
        raise _Fail(f"'{name}' of a vector has no derivative", node.start)
    if name in ("min", "max"):
        # the derivative of the argument that wins (ties: the first), argument by argument
        best = args[0]
        d_best = _derive(best, var, behavioural)
        for arg in args[1:]:
            d_arg = _derive(arg, var, behavioural)
            keep = _Compare("<=" if name == "min" else ">=", node.start, best, arg)
            d_best = d_best if _is_num(d_best, 0.0) and _is_num(d_arg, 0.0) else \
                _Ternary(keep, d_best, d_arg)
            best = _call_node(name, [best, arg], node)
        return d_best
    if name == "pwl":
        d_x = _derive(args[0], var, behavioural)
        if _is_num(d_x, 0.0):
            return _num(0.0, node)
        return _mul(_call_node("#pwlslope", list(args), node), d_x, node)
    if name in ("pow", "pwr"):
        a, b = args
        da, db = _derive(a, var, behavioural), _derive(b, var, behavioural)
        if name == "pow":
            return _pow_derivative(a, b, da, db, node, behavioural)
        # pwr(a, b) = sgn(a)·|a|^b: d/da = b·|a|^(b-1), d/db = pwr(a, b)·ln|a|
        out: _Node = _num(0.0, node)
        if not _is_num(da, 0.0):
            reduced = _call_node("pow", [a, _add(b, _num(1.0, node), node, subtract=True)], node)
            out = _mul(_mul(b, reduced, node), da, node)
        if not _is_num(db, 0.0):
            term = _mul(_mul(node, _call_node("ln", [_call_node("abs", [a], node)], node), node),
                        db, node)
            out = _add(out, term, node)
        return out
    if name == "atan2":
        y, x = args
        dy, dx = _derive(y, var, behavioural), _derive(x, var, behavioural)
        if _is_num(dy, 0.0) and _is_num(dx, 0.0):
            return _num(0.0, node)
        numer = _add(_mul(x, dy, node), _mul(y, dx, node), node, subtract=True)
        denom = _add(_mul(x, x, node), _mul(y, y, node), node)
        return _mul(numer, denom, node, divide=True)
    (u,) = args
    du = _derive(u, var, behavioural)
    if _is_num(du, 0.0):
        return _num(0.0, node)
    one = _num(1.0, node)
    if name == "sqrt":
        outer: _Node = _mul(_num(0.5, node), node, node, divide=True)
    elif name == "exp":
        outer = node
    elif name in ("log", "ln"):
        outer = _mul(one, u, node, divide=True)
    elif name == "log10":
        outer = _mul(one, _mul(u, _num(math.log(10.0), node), node), node, divide=True)
    elif name == "abs":
        outer = _call_node("sgn", [u], node)
    elif name == "sin":
        outer = _call_node("cos", [u], node)
    elif name == "cos":
        outer = _neg(_call_node("sin", [u], node), node)
    elif name == "tan":
        c = _call_node("cos", [u], node)
        outer = _mul(one, _mul(c, c, node), node, divide=True)
    elif name in ("asin", "acos"):
        root = _call_node("sqrt", [_add(one, _mul(u, u, node), node, subtract=True)], node)
        outer = _mul(_num(1.0 if name == "asin" else -1.0, node), root, node, divide=True)
    elif name == "atan":
        outer = _mul(one, _add(one, _mul(u, u, node), node), node, divide=True)
    elif name == "sinh":
        outer = _call_node("cosh", [u], node)
    elif name == "cosh":
        outer = _call_node("sinh", [u], node)
    elif name == "tanh":
        outer = _add(one, _mul(node, node, node), node, subtract=True)
    elif name == "uramp":
        outer = _call_node("u", [u], node)
    else:  # pragma: no cover - every built-in is listed above
        raise _Fail(f"no derivative rule for function '{name}'", node.start)
    return _mul(outer, du, node)


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def _first_positions(root: _Node) -> dict[str, int]:
    """Offset of the first use of each variable of the tree (in source order)."""
    found: list[tuple[int, str]] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, _Var):
            found.append((node.start, node.name))
        elif isinstance(node, _Unary):
            stack.append(node.operand)
        elif isinstance(node, _Chain):
            stack.extend(node.operands)
        elif isinstance(node, _Compare):
            stack.extend((node.left, node.right))
        elif isinstance(node, _Ternary):
            stack.extend((node.cond, node.then, node.other))
        elif isinstance(node, _Call):
            stack.extend(node.args)
    positions: dict[str, int] = {}
    for start, name in sorted(found):
        positions.setdefault(name, start)
    return positions


class _Code:
    """Everything derived from an expression's text alone (shared between equal texts)."""

    __slots__ = ("checked", "consts", "derivatives", "dialect", "fn", "names", "positions",
                 "quoted", "root", "text", "vars")

    def __init__(self, text: str, dialect: Dialect = _PLAIN, root: _Node | None = None) -> None:
        if root is None:
            parser = _Parser(text, dialect)
            root = parser.parse()
            self.quoted = parser.quoted
        else:
            self.quoted = _quote(text)
        self.text = text
        self.dialect = dialect
        self.positions = _first_positions(root)
        identifiers = frozenset(self.positions)
        self.consts = tuple(sorted(identifiers & CONSTANTS.keys()))
        self.names = identifiers.difference(CONSTANTS)
        self.vars = tuple(sorted(self.names))
        self.root = root
        self.fn = _Compiler(text, self.quoted, checked=False, dialect=dialect).compile(root)
        self.checked: Fn | None = None  # compiled on the first error (see Expression._diagnose)
        self.derivatives: dict[str, _Code] = {}

    def derivative(self, name: str) -> _Code:
        code = self.derivatives.get(name)
        if code is None:
            tree = _derive(self.root, name, self.dialect.behavioural)
            code = self.derivatives[name] = _Code(self.text, self.dialect, tree)
        return code


@lru_cache(maxsize=4096)
def _code_for(text: str, dialect: Dialect = _PLAIN) -> _Code:
    """Parse and compile ``text`` once: a deck repeats the same expression per instance."""
    return _Code(text, dialect)


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

    def __init__(self, text: str, location: SourceLocation | None = None,
                 dialect: Dialect | None = None, *, _code: _Code | None = None) -> None:
        if _code is not None:
            code = _code
        else:
            try:
                code = _code_for(text, dialect if dialect is not None else _PLAIN)
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
        if self._code.dialect is not _PLAIN and self._code.dialect != _PLAIN:
            raise TypeError("only plain expressions pickle (dialects hold function tables)")
        return (parse_expression, (self.source, self.location))

    @property
    def dialect(self) -> Dialect:
        """The dialect the expression was parsed in."""
        return self._code.dialect

    def derivative(self, name: str) -> Expression:
        """The exact partial derivative with respect to variable ``name``.

        Taken symbolically from the parsed tree (chain rule through every operator, built-in
        and user function; ``min``/``max``/``?:`` differentiate the branch taken; comparisons,
        ``floor``, ``sgn``, ``u``... have derivative 0). The result evaluates like any
        expression and reports domain errors (e.g. ``sqrt`` at 0) at the original text.

        Examples
        --------
        >>> d = parse_expression("x^3 + 2*sin(x)").derivative("x")
        >>> round(d.evaluate({"x": 0.0}), 12)
        2.0
        """
        return Expression(self.source, self.location, _code=self._code.derivative(name.lower()))

    def to_text(self, rename: Mapping[str, str] | None = None,
                values: Mapping[str, float] | None = None) -> str:
        """The expression as text (fully parenthesised), user functions inlined, variables in
        ``rename`` renamed (``{"v(a)": "v(x1.a)"}``) and those in ``values`` replaced by numbers.

        Used to write flat decks (:meth:`xbar.Circuit.to_netlist`).

        Examples
        --------
        >>> parse_expression("2*a + b").to_text(values={"a": 1.5})
        '((2.0*1.5)+b)'
        """
        return _unparse(self._code.root, dict(rename or {}), dict(values or {}))

    def pwl_knots(self, variable: str, scope: Mapping[str, Value]) -> list[np.ndarray]:
        """The x values of every ``pwl(<variable>, x1, y1, ...)`` call, evaluated in ``scope``.

        Used for the time corners of ``pwl(time, ...)`` in behavioural sources.
        """
        out: list[np.ndarray] = []
        for call in _calls(self._code.root, "pwl"):
            first = call.args[0]
            if not (isinstance(first, _Var) and first.name == variable):
                continue
            for knot in call.args[1::2]:
                text = self._code.text
                code = _Code(text, self._code.dialect, knot)
                value = Expression(text, self.location, _code=code).evaluate(scope)
                out.append(np.atleast_1d(np.asarray(value, dtype=np.float64)))
        return out

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
        if code.dialect.vectors:  # reductions (mean, length...) keep their own shape
            result = np.array(result, dtype=np.float64)
        else:
            result = np.array(np.broadcast_to(result, shape), dtype=np.float64)
        if not np.isfinite(result).all():
            _diagnose(code, env)
    return result


def _diagnose(code: _Code, env: Env) -> NoReturn:
    """Re-evaluate checking every intermediate value; raise at the first non-finite one."""
    fn = code.checked
    if fn is None:
        fn = code.checked = _Compiler(code.text, code.quoted, checked=True,
                                      dialect=code.dialect).compile(code.root)
    with np.errstate(all="ignore"):
        try:
            fn(env)
        except _Fail:
            raise
        except (_NonFinite, ArithmeticError, ValueError) as exc:
            raise _Fail(f"cannot evaluate expression {code.quoted}: {exc}", 0) from None
    raise _Fail(f"expression {code.quoted} does not evaluate to a finite number", 0)


def parse_expression(text: str, location: SourceLocation | None = None, *,
                     dialect: Dialect | None = None) -> Expression:
    """Parse an expression (the text inside ``{...}`` or ``'...'``).

    Parsing and compiling are cached by text, so repeating an expression (one per subcircuit
    instance, say) costs little.

    Parameters
    ----------
    text : str
        The expression, without the braces or quotes.
    location : SourceLocation or None
        Where ``text[0]`` was written; errors move its column to the offending character.
    dialect : Dialect or None
        Extensions: probes ``v()``/``i()``, behavioural-source functions, user functions.

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
    return Expression(text, location, dialect)
