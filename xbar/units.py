"""SPICE numbers: reading ``10kOhm`` / ``1meg`` / ``2.5u`` and writing round-trip text.

Rules of :func:`parse_number` (those of ngspice 39's ``INPevaluate`` for values on a card,
case-insensitive), in the order they are read:

1. an optional sign ``+`` / ``-``;
2. a mantissa ``12``, ``1.5``, ``5.`` or ``.5`` (at least one digit);
3. an optional exponent: ``e`` or ``d`` (Fortran style: ngspice reads ``1d3`` as 1000), an optional
   sign and digits. An ``e`` without digits is read as an empty exponent, so ``1e`` = 1 and
   ``1ek`` = 1000, as in ngspice;
4. an optional scale factor:

   ======== ========= ===========================================
   suffix   factor    note
   ======== ========= ===========================================
   ``t``    1e12
   ``g``    1e9
   ``meg``  1e6       ``1Meg``, ``1MEGohm``
   ``k``    1e3
   ``mil``  25.4e-6   thousandth of an inch
   ``m``    1e-3      **milli**: ``1M`` is 1e-3, not 1e6
   ``u``    1e-6      also ``µ`` (U+00B5) and ``μ`` (U+03BC)
   ``n``    1e-9
   ``p``    1e-12
   ``f``    1e-15     **femto**: ``1F`` is 1e-15, not one farad
   ======== ========= ===========================================

5. the rest of the token. If it is empty, or begins with a letter (``10V``, ``10kOhm``, ``1x``),
   or a scale factor was read, the rest is ignored as units: ``1k2`` = 1000 (ngspice 39 does not
   read RKM codes), ``1mil2`` = 25.4e-6, ``1mel`` = 1e-3. If it begins with anything else
   (``1.2.3``, ``1e3.5``, ``1#``, ``1_000``, ``1-2``) the text is *not a number* and ``None`` is
   returned; ngspice silently reads the leading number there, which hides typos.

Leading or trailing white space, ``inf``, ``nan``, an empty string, a bare sign and values that
overflow to infinity are not numbers either. Numbers are rounded once, correctly: ``2.2u`` is read
as ``float("2.2e-6")``, not ``2.2 * 1e-6``.

Speed (CPU time per call, Python 3.11, on a machine where ``float("1.5")`` takes 0.2 µs): a plain
number costs one ``float()`` call plus a few checks, 0.4 µs; a mantissa followed by a scale
factor and/or units (``10k``, ``2.5u``, ``10kOhm``, ``1meg``) is split without a regular expression,
0.8-0.9 µs; the rare forms (``mil``, an exponent *and* a suffix, ``1k2``) take the regular
expression path, 2-3 µs.

This module imports nothing from the rest of xbar.
"""

from __future__ import annotations

import itertools
import math
import re
import string
from decimal import Decimal

__all__ = ["bad_tail", "format_number", "parse_number"]

# Mantissa, then an exponent whose digits may be missing (ngspice), then an optional scale factor.
# Case variants are spelt out (no re.IGNORECASE: it would also fold the Kelvin sign into 'k').
_NUMBER_RE = re.compile(
    r"([+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+))(?:[eEdD]([+-]?)([0-9]*))?"
    r"([mM][eE][gG]|[mM][iI][lL]|[tTgGkKmMuUnNpPfFµμ])?"
)

# Power of ten of each scale factor, under every spelling the regular expression accepts.
_SCALE_BASE: dict[str, int] = {
    "t": 12, "g": 9, "meg": 6, "k": 3, "m": -3, "u": -6, "µ": -6, "μ": -6,
    "n": -9, "p": -12, "f": -15,
}  # fmt: skip
_SCALE: dict[str, int] = {
    "".join(chars): power
    for base, power in _SCALE_BASE.items()
    for chars in itertools.product(*({c, c.upper()} if c.isascii() else {c} for c in base))
}
_SCALE_TEXT: dict[str, str] = {key: f"e{power}" for key, power in _SCALE.items()}
_MIL = Decimal("25.4e-6")
# Last characters of the tokens worth trying with float() first.
_PLAIN_END = frozenset("0123456789.")
# Letters stripped to find a number's units, and the exponent text of each one-letter scale
# factor ('m' needs a look at the next letters: meg, mil, milli).
_UNIT_LETTERS = string.ascii_letters + "µμ"
_LETTER_SCALE: dict[str, str] = {
    key: text for key, text in _SCALE_TEXT.items() if len(key) == 1 and key not in "mM"
}


def parse_number(text: str) -> float | None:
    """Read a SPICE number such as ``1e3``, ``10kOhm``, ``1meg``, ``2.5u`` or ``1F``.

    Parameters
    ----------
    text : str
        One token of a netlist, without surrounding white space.

    Returns
    -------
    float or None
        The value (in the token's own units, scale factor applied), or ``None`` when ``text``
        is not a number (see the module docstring for the exact rules).

    Examples
    --------
    >>> parse_number("10kOhm"), parse_number("1meg"), parse_number("1m"), parse_number("1F")
    (10000.0, 1000000.0, 0.001, 1e-15)
    >>> parse_number("1.2.3") is None, parse_number("inf") is None
    (True, True)
    """
    # Fast path: most tokens of a big deck are plain numbers. float() also accepts white space
    # around the text, '_' between digits, non-ASCII digits and inf/nan: send those to the
    # slow path, which rejects them. Tokens ending in a letter skip float() (a raised
    # ValueError costs more than the whole slow path).
    if text[-1:] in _PLAIN_END:
        try:
            value = float(text)
        except ValueError:
            return _parse_slow(text)
        if value - value == 0.0 and text.isascii() and "_" not in text and text[0] > " ":
            return value
        return _parse_slow(text)
    # Second fast path: a plain mantissa followed by letters ('10k', '2.5u', '10kOhm', '1meg').
    # One float() call on e.g. '2.5e-6' keeps the value correctly rounded. Anything unusual
    # (an exponent, 'e'/'d' right after the digits, 'mil', non-ASCII) goes to the slow path.
    mantissa = text.rstrip(_UNIT_LETTERS)
    if (
        mantissa[-1:] in _PLAIN_END
        and mantissa.isascii()
        and "_" not in mantissa
        and mantissa[0] > " "
    ):
        n = len(mantissa)
        first = text[n]  # first letter after the digits
        if first == "m" or first == "M":
            follow = text[n + 1 : n + 3].lower()
            if follow == "il":
                return _parse_slow(text)
            scale = "e6" if follow == "eg" else "e-3"
        elif first in "eEdD":
            return _parse_slow(text)  # '1ek' = 1000: an exponent without digits
        else:
            scale = _LETTER_SCALE.get(first, "")  # '' for units: '10V', '1Ohm'
        try:
            value = float(mantissa + scale)
        except ValueError:  # '1e3k' -> '1e3e3', '.k' -> '.e3'...
            return _parse_slow(text)
        return value if value - value == 0.0 else None
    return _parse_slow(text)


def _parse_slow(text: str) -> float | None:
    """Regular-expression path of :func:`parse_number` (suffixes, units, rejections)."""
    match = _NUMBER_RE.match(text)
    if match is None:
        return None
    mantissa, exp_sign, exp_digits, suffix = match.groups()
    end = match.end()
    if end != len(text) and suffix is None and not text[end].isalpha():
        return None  # '1.2.3', '1e3.5', '1#', '1_0', '1-2', '1 ' ...
    if suffix is None:
        value = float(f"{mantissa}e{exp_sign}{exp_digits}") if exp_digits else float(mantissa)
    elif not exp_digits:
        scale = _SCALE_TEXT.get(suffix)  # None for mil
        value = float(Decimal(mantissa) * _MIL) if scale is None else float(mantissa + scale)
    elif len(exp_digits) > 6:
        # Astronomical exponent: 0 or overflow whatever the suffix (and int() would choke on
        # thousands of digits).
        value = float(f"{mantissa}e{exp_sign}{exp_digits}")
    else:
        exponent = int(exp_sign + exp_digits)
        power = _SCALE.get(suffix)
        if power is None:  # mil
            value = float(Decimal(mantissa).scaleb(exponent) * _MIL)
        else:
            value = float(f"{mantissa}e{exponent + power}")
    return value if value - value == 0.0 else None


# A letter (other than an exponent's e/d) followed later by a digit: '1x5', '4k7', '1meg2'.
# parse_number reads the leading number and ignores the rest as units, which hides typos.
_BAD_TAIL = re.compile(r"[^\d.+\-eEdD][^\d]*\d")
_NUMBER_HEAD = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eEdD][+-]?\d+)?")


def bad_tail(text: str) -> str | None:
    """The text after the number in a token such as ``1x5`` or ``4k7`` (None when fine).

    :func:`parse_number` reads ``4k7`` as 4000 (units after the scale factor are ignored, as
    in ngspice 39); a netlist value with a digit after its units is almost surely a typo or an
    RKM code, which the elaborator refuses with this tail in the message.

    Examples
    --------
    >>> bad_tail("4k7"), bad_tail("10kOhm"), bad_tail("1e-3")
    ('k7', None, None)
    """
    if _BAD_TAIL.search(text) is None:
        return None
    m = _NUMBER_HEAD.match(text)
    return text[m.end():] if m else None


def format_number(x: float) -> str:
    """Shortest text that reads back as exactly ``x``: ``repr(float(x))``.

    Parameters
    ----------
    x : float
        A finite number (int and numpy scalars are accepted).

    Returns
    -------
    str
        For example ``'1000.0'``, ``'1e-12'``, ``'-0.5'``; :func:`parse_number` reads it back
        to the same float.

    Raises
    ------
    ValueError
        If ``x`` is infinite or NaN (no SPICE text stands for them).
    """
    value = float(x)
    if not math.isfinite(value):
        raise ValueError(f"cannot write {value!r} as a SPICE number (not finite)")
    return repr(value)
