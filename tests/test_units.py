"""Tests of xbar.units: SPICE number reading (ngspice rules) and round-trip writing."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import timeit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xbar.units import _parse_slow, format_number, parse_number

# --------------------------------------------------------------------------------------------
# Plain numbers and scale factors
# --------------------------------------------------------------------------------------------

PLAIN = [
    ("0", 0.0),
    ("1", 1.0),
    ("-1", -1.0),
    ("+1", 1.0),
    ("12345", 12345.0),
    ("1.5", 1.5),
    (".5", 0.5),
    ("-.5", -0.5),
    ("5.", 5.0),
    ("1e3", 1e3),
    ("1E3", 1e3),
    ("1e+3", 1e3),
    ("-2.5E-3", -2.5e-3),
    ("1.e3", 1e3),
    ("1d3", 1e3),  # Fortran exponent, as ngspice's INPevaluate
    ("1D3", 1e3),
    ("1e-400", 0.0),  # underflow is fine
]


@pytest.mark.parametrize(("text", "value"), PLAIN)
def test_plain_numbers(text: str, value: float) -> None:
    got = parse_number(text)
    assert got == value
    assert type(got) is float


SUFFIXES = [
    ("1t", 1e12),
    ("1T", 1e12),
    ("1g", 1e9),
    ("1G", 1e9),
    ("1meg", 1e6),
    ("1Meg", 1e6),
    ("1MEG", 1e6),
    ("1k", 1e3),
    ("1K", 1e3),
    ("1mil", 25.4e-6),
    ("1MIL", 25.4e-6),
    ("3mil", 76.2e-6),
    ("1m", 1e-3),  # milli ...
    ("1M", 1e-3),  # ... also in upper case: M is not mega
    ("1u", 1e-6),
    ("1U", 1e-6),
    ("1µ", 1e-6),  # micro sign U+00B5
    ("1μ", 1e-6),  # Greek mu U+03BC
    ("1n", 1e-9),
    ("1p", 1e-12),
    ("1f", 1e-15),
    ("1F", 1e-15),  # femto, not farad
    ("2.2u", 2.2e-6),  # rounded once: float('2.2e-6'), not 2.2 * 1e-6
    ("4.7n", 4.7e-9),
    ("0.1p", 1e-13),
    ("-2.5k", -2500.0),
    (".5meg", 5e5),
    ("5.k", 5e3),
    ("1.5e-3m", 1.5e-6),
    ("1e3k", 1e6),
    ("2e-3meg", 2e3),
    ("1e-3mil", 25.4e-9),
]


@pytest.mark.parametrize(("text", "value"), SUFFIXES)
def test_scale_factors(text: str, value: float) -> None:
    assert parse_number(text) == value


def test_fortran_exponent_with_sign() -> None:
    # ngspice splits '1d-3' into two fields on a card; as one token it reads like 1e-3.
    assert parse_number("1d-3") == 1e-3
    assert parse_number("2.5D+2k") == 250e3


def test_milli_is_not_mega() -> None:
    assert parse_number("1m") == 1e-3
    assert parse_number("1meg") == 1e6
    assert parse_number("1mil") == 25.4e-6
    assert parse_number("1me") == 1e-3  # 'meg' needs all three letters
    assert parse_number("1mi") == 1e-3  # 'mil' too


UNITS = [
    ("10kOhm", 1e4),
    ("10V", 10.0),
    ("1Meg", 1e6),
    ("1MEGohm", 1e6),
    ("1mA", 1e-3),
    ("1ms", 1e-3),
    ("1Farad", 1e-15),
    ("10Hz", 10.0),
    ("10kΩ", 1e4),
    ("1µA", 1e-6),
    ("1x", 1.0),
    ("0x10", 0.0),  # no hexadecimal: '0' followed by units 'x10'
    ("1e", 1.0),  # exponent without digits (ngspice)
    ("1e+", 1.0),
    ("1ek", 1e3),
    ("1dB", 1.0),
    ("1e3e", 1e3),
    # After a scale factor, the rest of the token is ignored (ngspice 39: no RKM codes).
    ("1k2", 1e3),
    ("4k7", 4e3),
    ("1k_2", 1e3),
    ("1mil2", 25.4e-6),
    ("1meg2", 1e6),
    ("1u5", 1e-6),
    ("1x2", 1.0),  # letters first, then anything
]


@pytest.mark.parametrize(("text", "value"), UNITS)
def test_units_ignored(text: str, value: float) -> None:
    assert parse_number(text) == value


NOT_NUMBERS = [
    "",
    "inf",
    "-inf",
    "+inf",
    "Infinity",
    "nan",
    "NaN",
    "abc",
    "k1",
    "meg",
    "-",
    "+",
    ".",
    "+.",
    "e3",
    ".e3",
    "1.2.3",
    "1e3.5",
    "1..2",
    "1#",
    "1%",
    "1-2",
    "1+2",
    "1/2",
    "1_000",  # float() accepts it, SPICE does not
    " 1",
    "1 ",
    "\t1",
    "1\n",
    "١",  # Arabic-Indic digit one: float() accepts it
    "1e999",  # overflow
    "1e400k",
    "1e99999999999",
    "{1}",
    "'1'",
]


@pytest.mark.parametrize("text", NOT_NUMBERS)
def test_not_numbers(text: str) -> None:
    assert parse_number(text) is None


def test_huge_exponent_with_suffix() -> None:
    assert parse_number("1e-99999999999k") == 0.0
    assert parse_number("1e-" + "9" * 5000 + "k") == 0.0
    assert parse_number("1e" + "9" * 5000 + "k") is None


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_repr_round_trip(x: float) -> None:
    assert parse_number(repr(x)) == x
    assert parse_number(format_number(x)) == x


SCALE_POWERS = [
    ("t", 12), ("g", 9), ("meg", 6), ("k", 3), ("m", -3), ("u", -6), ("n", -9), ("p", -12),
    ("f", -15),
]  # fmt: skip
_MANTISSAS = st.builds(
    lambda whole, frac, dot: f"{whole}.{frac}" if dot else str(whole),
    st.integers(0, 999_999),
    st.integers(0, 999_999),
    st.booleans(),
)


@given(
    _MANTISSAS,
    st.sampled_from(SCALE_POWERS),
    st.sampled_from(["", "V", "Ohm", "A", "s"]),
)
def test_suffix_correctly_rounded(mantissa: str, suffix: tuple[str, int], unit: str) -> None:
    letters, power = suffix
    assert parse_number(f"{mantissa}{letters}{unit}") == float(f"{mantissa}e{power}")
    assert parse_number(f"-{mantissa}{letters.upper()}{unit}") == -float(f"{mantissa}e{power}")


_NUMBERISH = st.text(alphabet="0123456789.+-eEdDkKmMgGiIlLuUnNpPfFtTVxhmsµ_ #Ω", max_size=12)


@given(st.one_of(_NUMBERISH, st.text(max_size=12)))
def test_fast_paths_agree_with_the_regular_expression(text: str) -> None:
    # parse_number's float() shortcuts must give exactly what the full grammar gives.
    assert parse_number(text) == _parse_slow(text)


@given(st.text(max_size=30))
def test_garbage_never_raises(text: str) -> None:
    value = parse_number(text)
    assert value is None or (type(value) is float and math.isfinite(value))


# --------------------------------------------------------------------------------------------
# format_number
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1000.0, "1000.0"),
        (1000, "1000.0"),
        (1e-12, "1e-12"),
        (0.1, "0.1"),
        (-2.5e-3, "-0.0025"),
        (1e22, "1e+22"),
        (-0.0, "-0.0"),
        (25.4e-6, "2.54e-05"),
    ],
)
def test_format_number(value: float, text: str) -> None:
    assert format_number(value) == text
    assert parse_number(format_number(value)) == float(value)


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_format_number_rejects_non_finite(value: float) -> None:
    with pytest.raises(ValueError, match="not finite"):
        format_number(value)


def test_format_number_numpy_scalar() -> None:
    np = pytest.importorskip("numpy")
    assert format_number(np.float64(0.5)) == "0.5"
    assert format_number(np.float32(0.5)) == "0.5"


# --------------------------------------------------------------------------------------------
# Against ngspice 39 (values on a card, read by INPevaluate)
# --------------------------------------------------------------------------------------------

NGSPICE = shutil.which("ngspice")


def _ngspice_values(tmp_path, values: list[str]) -> list[float]:
    lines = ["* parse_number cross-check"]
    for i, text in enumerate(values, 1):
        lines += [f"V{i} n{i} 0 {text}", f"R{i} n{i} 0 1"]
    nodes = " ".join(f"v(n{i})" for i in range(1, len(values) + 1))
    raw = tmp_path / "out.raw"
    lines += [".op", ".control", "run", "set filetype=ascii", f"write {raw} {nodes}"]
    lines += [".endc", ".end"]
    deck = tmp_path / "deck.cir"
    deck.write_text("\n".join(lines) + "\n")
    subprocess.run([NGSPICE, "-b", str(deck)], capture_output=True, timeout=120, check=False)
    return _read_ascii_raw(raw.read_text())


def _read_ascii_raw(text: str) -> list[float]:
    """Values of an ASCII rawfile of one point, without the scale (variable 0)."""
    count = int(re.search(r"No\. Variables:\s*(\d+)", text).group(1))  # type: ignore[union-attr]
    numbers = text.split("Values:", 1)[1].split()
    return [float(v) for v in numbers[2 : 1 + count]]  # numbers[0] is the point index


@pytest.mark.ngspice
@pytest.mark.skipif(NGSPICE is None, reason="ngspice is not installed")
def test_against_ngspice(tmp_path) -> None:
    texts = [t for t, _ in PLAIN + SUFFIXES + UNITS if t.isascii()]
    got = _ngspice_values(tmp_path, texts)
    assert len(got) == len(texts)
    for text, ngspice_value in zip(texts, got, strict=True):
        assert parse_number(text) == pytest.approx(ngspice_value, rel=1e-12, abs=1e-300), text


# --------------------------------------------------------------------------------------------
# Speed (run with -m bench; prints, never asserts a time)
# --------------------------------------------------------------------------------------------


@pytest.mark.bench
def test_bench_parse_number() -> None:
    n = 200_000
    for text in ["1.5", "-2.5e-3", "12345", "10k", "2.5u", "10kOhm", "1meg", "3mil"]:
        seconds = timeit.timeit(lambda t=text: parse_number(t), number=n) / n
        print(f"parse_number({text!r}): {seconds * 1e9:.0f} ns")
