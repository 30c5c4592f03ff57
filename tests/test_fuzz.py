"""Fuzzing the front end: mutated decks may be rejected, but only with an XbarError.

Decks from ``netlists/``, ``tests/golden/*/`` and a few built-in ones are mutated (tokens and
cards deleted, swapped, duplicated; garbage bytes and Unicode inserted; lines truncated;
braces, parentheses, quotes and keywords sprinkled in; numbers replaced by extreme values).
Each mutant is read with :func:`xbar.read_netlist` and, if it parses and its analyses are
cheap enough, run. Anything escaping that is not an :class:`~xbar.errors.XbarError` fails the
test with a reproducer, and so does a case that runs past its deadline (a hang).
"""

from __future__ import annotations

import math
import random
import shutil
import signal
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

import pytest

import xbar
from xbar.errors import XbarError, XbarWarning

pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM deadlines")

ROOT = Path(__file__).resolve().parent.parent
SEED = 20241123
CASE_DEADLINE = 20.0  # CPU seconds; a case computing longer is reported as a hang
WALL_FACTOR = 10  # ... and one blocked (not computing) for CASE_DEADLINE * WALL_FACTOR wall seconds
# analyses are run only when they are cheap (the fuzz is about error handling, not speed)
MAX_TRAN_STEPS = 400
MAX_DC_POINTS = 400

BUILTIN_DECKS = {
    "builtin_rc.cir": """RC with parameters, a subcircuit and initial conditions
* comment line
.param rval=1k cval={1n/2} ; inline comment
.subckt rc in out params: r=1k c=1n
R1 in out {r}
C1 out 0 {c} IC=0.1
.ends rc
V1 in 0 DC 0 PULSE(0 1 10n 5n 5n 100n 200n) $ dollar comment
X1 in mid rc r={rval}
X2 mid out rc r={rval*2} c={cval}
Rload out
+ 0 10k
.ic v(mid)=0.2
.options reltol=1e-3 method=gear
.tran 5n 400n 0 5n uic
.print tran v(out) v(mid) i(v1)
.end
""",
    "builtin_controlled.cir": """Controlled sources and a diode with DC sweeps
.model dm D (IS=1e-14 N=1.2)
V1 in 0 1
Vs in a 0
R1 a b 1k
D1 b 0 dm
E1 e 0 b 0 2
Re e 0 1k
F1 0 f Vs 3
Rf f 0 1k
G1 0 g b 0 1m
Rg g 0 1k
H1 h 0 Vs 100
Rh h 0 1k
.nodeset v(b)=0.6
.op
.dc V1 list 0 0.5 1 2
.dc V1 0 1 0.25 Rf 1k 2k 1k
.print dc v(b) i(vs)
.save all
.end
""",
    "builtin_sources.cir": """Time functions into resistors and an RL branch
V1 a 0 SIN(0 1 10meg 0 1e6 30)
V2 b 0 PWL(0 0 10n 1 20n 1 30n 0) r=10n td=5n
I1 0 c EXP(0 1m 5n 5n 40n 10n)
V3 d 0 DC 1 AC 1 0 PULSE 0 2 1n 1n 1n 10n 30n
R1 a 0 1k
R2 b 0 1k
R3 c 0 1k
L1 d e 1u IC=1m
R4 e 0 10
.temp 50
.tran 1n 60n
.end
""",
    "builtin_nested.cir": """Nested subcircuits with local models and parameters
.param g=2
.subckt leaf p q params: r=1k
.model dl D (IS=1e-15)
R1 p n {r}
D1 n q dl
Vm n m 0
Hm m q Vm 10
.ends leaf
.subckt branch a b params: k=1
.param rr={k*500}
X1 a mid leaf r={rr}
X2 mid b leaf
.subckt tiny u v
Rt u v 1
.ends tiny
Xt mid 0 tiny
.ends branch
Vin in 0 1.5
Xa in 0 branch k={g}
Xb in out branch params: k=3
Rout out 0 2k
.op
.dc temp 0 50 25
.end
""",
}

_GARBAGE = [
    "{", "}", "(", ")", "'", '"', "=", ",", "+", "*", ";", "$", "\\", "@", "[", "]", "#", "%",
    "Ω", "µ", "μ", "é", "\u00a0", "\u200b", "\u2028", "\u2029", "\ufeff", "\U0001f600", "\x0c",
    "\x0b", "\x1b", "\x7f", "\t", "\r", "\x85", "İ", "ß", "ﬁ", "１", "٣",
]
_NUMBERS = [
    "0", "-0", "-1", "1e308", "-1e308", "1e-308", "1e999", "1e-999", "nan", "inf", "-inf", "1x5",
    "4k7", "1meg", "1f", "1e-30", "1e30", "{1/0}", "{-1}", "{1e200*1e200}", "1e6", "0.5", "10", "1d3",
    "1e", "1.2.3", "1_000", "'2*3'", "{pi}", "-1u", "1e-15", "{sqrt(-1)}", "99999999999999999999",
]
_KEYWORDS = [
    ".subckt", ".ends", ".include", ".lib", ".endl", ".param", ".model", ".options", ".op", ".dc",
    ".tran", ".ic", ".nodeset", ".print", ".save", ".end", ".temp", "params:", "uic", "dc", "ac",
    "pulse", "pwl", "sin", "exp", "list", "dec", "oct", "lin", "temp", "v(", "i(", "0", "gnd", "x1",
    "+", "r=", "td=", "ic=", "area=", "method=", "D", "smtj", "tran", "all", "off", "poly(1)",
]


def _tokens(line: str) -> list[tuple[int, int]]:
    """(start, end) of the white-space separated words of ``line``."""
    spans, i, n = [], 0, len(line)
    while i < n:
        while i < n and line[i].isspace():
            i += 1
        j = i
        while j < n and not line[j].isspace():
            j += 1
        if j > i:
            spans.append((i, j))
        i = j
    return spans


def _mutate_lines(lines: list[str], rng: random.Random) -> list[str]:
    lines = list(lines) or [""]
    op = rng.randrange(13)
    k = rng.randrange(len(lines))
    line = lines[k]
    spans = _tokens(line)
    if op == 0 and spans:  # delete a token
        a, b = rng.choice(spans)
        lines[k] = line[:a] + line[b:]
    elif op == 1 and len(lines) > 1:  # swap two cards
        j = rng.randrange(len(lines))
        lines[k], lines[j] = lines[j], lines[k]
    elif op == 2:  # duplicate a card (in place or elsewhere)
        lines.insert(rng.randrange(len(lines) + 1), line)
    elif op == 3 and len(lines) > 1:  # drop a card
        del lines[k]
    elif op == 4:  # garbage characters
        pos = rng.randrange(len(line) + 1)
        junk = "".join(rng.choice(_GARBAGE) for _ in range(rng.randint(1, 3)))
        lines[k] = line[:pos] + junk + line[pos:]
    elif op == 5:  # truncate a line
        lines[k] = line[: rng.randrange(len(line) + 1)]
    elif op == 6:  # braces, parentheses, quotes
        pos = rng.randrange(len(line) + 1)
        lines[k] = line[:pos] + rng.choice("{}()'\"=,") + line[pos:]
    elif op == 7 and spans:  # extreme or malformed numbers
        a, b = rng.choice(spans)
        lines[k] = line[:a] + rng.choice(_NUMBERS) + line[b:]
    elif op == 8:  # keywords in odd places
        spans = spans or [(0, 0)]
        a, b = rng.choice(spans)
        word = rng.choice(_KEYWORDS)
        lines[k] = line[:a] + word + (" " if rng.random() < 0.5 else "") + line[a if rng.random() < 0.5 else b:]
    elif op == 9:  # continuation games
        if rng.random() < 0.5:
            lines[k] = "+ " + line
        else:
            pos = rng.randrange(len(line) + 1)
            lines[k : k + 1] = [line[:pos], "+" + line[pos:]]
    elif op == 10:  # case folding
        lines[k] = line.upper() if rng.random() < 0.5 else line.swapcase()
    elif op == 11 and line:  # another element letter
        lines[k] = rng.choice("RCLVIEFGHDXYBKMQrv.*+ ") + line[1:]
    else:  # join two lines / empty the deck's middle
        if k + 1 < len(lines):
            lines[k : k + 2] = [line + " " + lines[k + 1]]
        else:
            lines.append(rng.choice(_KEYWORDS))
    return lines


def _mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    op = rng.randrange(4)
    pos = rng.randrange(len(data) + 1)
    if op == 0:
        return data[:pos] + b"\x00" + data[pos:]
    if op == 1:
        return data[:pos] + bytes([rng.randrange(0x80, 0x100)]) + data[pos:]
    if op == 2:
        return data[:pos]
    return data[:pos] + "é".encode()[:1] + data[pos:]


def mutate(text: str, rng: random.Random) -> bytes:
    """One mutant of ``text``: 1-3 line-level mutations, sometimes a byte-level one."""
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        lines = _mutate_lines(lines, rng)
    data = "\n".join(lines).encode("utf-8")
    if rng.random() < 0.08:
        data = _mutate_bytes(data, rng)
    return data


def _source_decks(root: Path) -> list[Path]:
    """Copy the source decks (with their include files) under ``root``; return the deck paths."""
    for sub in ("netlists", "compact_models", "tests/golden"):
        if (ROOT / sub).is_dir():
            shutil.copytree(ROOT / sub, root / sub, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("*.csv", "*.raw"))
    decks = sorted(root.glob("netlists/*.cir")) + sorted(root.glob("tests/golden/*/*.cir"))
    for name, text in BUILTIN_DECKS.items():
        path = root / name
        path.write_text(text)
        decks.append(path)
    return decks


class _Deadline(BaseException):
    """Raised by the alarm signal: the case ran past its deadline (BaseException: nothing in
    xbar may swallow it)."""


def _cheap(deck: xbar.Netlist) -> bool:
    for a in deck.analyses:
        if a.kind == "tran":
            tstep, tstop = a.args["tstep"], a.args["tstop"]
            tmax = a.args.get("tmax") or tstep
            if tstop / min(tstep, tmax) > MAX_TRAN_STEPS:
                return False
        elif a.kind == "dc" and math.prod(len(v) for _, v, _ in a.args["sweeps"]) > MAX_DC_POINTS:
            return False
    return True


def run_case(path: Path) -> str:
    """Read (and maybe run) one deck; return the outcome, raise anything else that escapes."""

    def on_alarm(signum, frame):
        raise _Deadline

    # CPU time catches a spinning loop whatever the load of the machine; the generous wall-clock
    # deadline catches a case blocked without computing (a read from a pipe)
    previous = signal.signal(signal.SIGALRM, on_alarm), signal.signal(signal.SIGPROF, on_alarm)
    signal.setitimer(signal.ITIMER_PROF, CASE_DEADLINE)
    signal.setitimer(signal.ITIMER_REAL, CASE_DEADLINE * WALL_FACTOR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", XbarWarning)
            try:
                deck = xbar.read_netlist(path)
            except XbarError:
                return "rejected"
            if not _cheap(deck):
                return "parsed"
            try:
                deck.run(progress=False)
            except XbarError:
                return "run-error"
            return "ran"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGALRM, previous[0])
        signal.signal(signal.SIGPROF, previous[1])


def fuzz(tmp_path: Path, count: int, seed: int, check: bool = True) -> dict[str, Any]:
    """Run ``count`` mutants; returns the outcome counts. With ``check`` a failure (an escaped
    exception or a hang) fails the test, else the failures are returned under ``"failures"``."""
    decks = _source_decks(tmp_path)
    texts = [(p, p.read_text(encoding="utf-8")) for p in decks]
    rng = random.Random(seed)
    outcomes: dict[str, int] = {}
    failures: list[str] = []
    for case in range(count):
        src, text = texts[rng.randrange(len(texts))]
        data = mutate(text, rng)
        path = src.with_name(f"_mutant{case}.cir")
        path.write_bytes(data)
        t0 = time.process_time()
        try:
            outcome = run_case(path)
        except _Deadline:
            outcome = "hang"
            failures.append(f"case {case} (from {src.name}) ran past its deadline ({CASE_DEADLINE:g} CPU s); deck bytes:\n{data!r}")
        except Exception as exc:
            outcome = "escaped"
            tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)[-6:])
            failures.append(f"case {case} (from {src.name}): {type(exc).__name__}: {exc}\n"
                            f"deck bytes:\n{data!r}\n{tb}")
        else:
            path.unlink()
        if time.process_time() - t0 > CASE_DEADLINE:
            failures.append(f"case {case} (from {src.name}) took {time.process_time() - t0:.1f} CPU s")
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    if not check:
        return {**outcomes, "failures": failures}
    assert not failures, f"{len(failures)} of {count} mutants failed:\n\n" + "\n\n".join(failures[:10])
    return outcomes


def test_mutate_is_deterministic():
    text = BUILTIN_DECKS["builtin_rc.cir"]
    a = [mutate(text, random.Random(7)) for _ in range(3)]
    b = [mutate(text, random.Random(7)) for _ in range(3)]
    assert a == b


def test_source_decks_are_accepted(tmp_path):
    """The unmutated decks parse (so mutants start from valid input)."""
    for path in _source_decks(tmp_path):
        assert run_case(path) in ("ran", "parsed", "run-error"), path


def test_fuzz_front_end(tmp_path):
    outcomes = fuzz(tmp_path, 400, SEED)
    # a healthy mix: most mutants are rejected, a fair share still parse and run
    assert outcomes.get("rejected", 0) > 50
    assert outcomes.get("ran", 0) + outcomes.get("parsed", 0) + outcomes.get("run-error", 0) > 50


@pytest.mark.slow
def test_fuzz_front_end_long(tmp_path):
    fuzz(tmp_path, 5000, SEED + 1)
