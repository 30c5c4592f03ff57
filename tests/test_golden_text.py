"""Golden corpus of printed output: ``.meas`` results and ``.control`` scripts against ngspice 39.

Each case folder ``tests/golden_text/<case>/`` holds the deck, ``<case>.ngspice.txt`` (the lines
``ngspice -b <case>.cir`` printed, noise dropped; failed measurements as ``# stderr:`` lines)
and ``ngspice/<file>`` for every file the run wrote (``wrdata``), all written by
``python -m xbar.testing.ngspice --regen tests/golden_text/<case>`` (never by hand).

xbar runs the deck through its command line (``xbar run``) in a copy of the folder. Both outputs
are read into comparable items, in order:

* values: ``name = value [key= value ...]`` lines (measurements, ``print`` of scalars);
* failed measurements (by name);
* tables: ``Index``/column blocks of ``print`` (pages joined);
* ``ECHO:`` lines (the decks mark their ``echo`` output so): words compared, numbers within
  tolerance;

and every file ngspice wrote must exist with the same columns. Tolerances: ``|x − ref| <=
rel·|ref| + floor`` for values (``rel`` 1e-3 when the deck runs a transient, else 1e-6;
``floor`` 1e-15); table and file columns of a transient are interpolated at ngspice's times and
compared to ``rel·(range of the column)``. ``*COMP <glob> [rel=] [floor=] [skip] -- reason``
lines in the deck change the rule for names matching the glob.
"""

from __future__ import annotations

import contextlib
import fnmatch
import io
import re
import shutil
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from xbar.cli import main
from xbar.errors import XbarWarning
from xbar.testing.ngspice import batch_output_lines, run_ngspice_batch

GOLDEN = Path(__file__).parent / "golden_text"
CASES = sorted(d.name for d in GOLDEN.iterdir() if (d / f"{d.name}.cir").is_file())
_NUM = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?inf|nan"
_VALUE_RE = re.compile(rf"^(\S+)\s*=\s+({_NUM})((?:\s+[\w]+=\s+(?:{_NUM}))*)\s*$")
_EXTRA_RE = re.compile(rf"(\w+)=\s+({_NUM})")
_FAILED_XBAR_RE = re.compile(r"^(\S+)\s*=\s+failed")
_FAILED_NG_RE = re.compile(r"^(?:#\s*stderr:\s*)?\.?meas\w*\s+\w+\s+(\S+)\s.*failed!$", re.IGNORECASE)
_COMP_RE = re.compile(r"^\*COMP\s+(\S+)\s*(.*?)\s*--\s*(\S.*)$", re.IGNORECASE)


@dataclass
class Item:
    kind: str  # value, failed, table, echo
    name: str
    value: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)
    columns: dict[str, np.ndarray] = field(default_factory=dict)
    words: list[str] = field(default_factory=list)
    quantum: float = 0.0  # the last printed digit of the value (both sides round to it)


def _quantum(text: str) -> float:
    """Value of one unit in the last digit of a printed number (``1.23e-04`` -> 1e-6)."""
    m = re.match(r"[-+]?\d*\.?(\d*)(?:[eE]([-+]?\d+))?$", text)
    if m is None:
        return 0.0
    return 10.0 ** (int(m.group(2) or 0) - len(m.group(1)))


def parse_output(lines: list[str]) -> list[Item]:
    """Comparable items of printed output (see module docstring)."""
    items: list[Item] = []
    table: dict[str, list[float]] | None = None
    header: list[str] = []
    last_index = -1
    for raw in lines:
        line = raw.replace("\f", "").rstrip()
        s = line.strip()
        if not s:
            continue
        if s.startswith("Index"):
            names = []
            for n in s.split()[1:]:  # 'print all' may list the scale twice
                names.append(n if n not in names else f"{n}#{names.count(n) + 1}")
            if table is not None and names == header:
                continue  # the same table goes on after a page break
            header = names
            table = {n: [] for n in names}
            last_index = -1
            items.append(Item("table", " ".join(names)))
            continue
        if table is not None and re.match(r"^\d+\s", line):
            cells = line.split()
            idx = int(cells[0])
            if idx == last_index + 1:
                for name, cell in zip(header, cells[1:], strict=False):
                    table[name].append(float(cell))
                last_index = idx
                items[-1].columns = {k: np.array(v) for k, v in table.items()}
                continue
        if s.startswith("-----") or s.startswith("Node") or s.startswith("----"):
            continue
        m = _FAILED_NG_RE.match(s) or _FAILED_XBAR_RE.match(s)
        if m:
            items.append(Item("failed", m.group(1).lower()))
            table = None
            continue
        m = _VALUE_RE.match(s)
        if m:
            extra = {k: float(v) for k, v in _EXTRA_RE.findall(m.group(3) or "")}
            items.append(Item("value", m.group(1).lower(), float(m.group(2)), extra,
                              quantum=_quantum(m.group(2))))
            table = None
            continue
        if s.startswith("ECHO:"):
            items.append(Item("echo", "echo", words=s.split()[1:]))
            table = None
    return items


def comp_rules(deck: Path) -> list[tuple[str, float | None, float | None, bool]]:
    rules = []
    for text in deck.read_text().splitlines():
        m = _COMP_RE.match(text.strip())
        if not m:
            continue
        rel = floor = None
        skip = False
        for word in m.group(2).split():
            key, _, value = word.partition("=")
            if key.lower() == "skip":
                skip = True
            elif key.lower() == "rel":
                rel = float(value)
            elif key.lower() == "floor":
                floor = float(value)
            else:
                raise AssertionError(f"{deck.name}: unknown *COMP option {word!r}")
        rules.append((m.group(1).lower(), rel, floor, skip))
    return rules


def rule(deck: Path, name: str, transient: bool) -> tuple[float, float, bool]:
    rel, floor, skip = (1e-3 if transient else 1e-6), 1e-15, False
    for pattern, r, f, sk in comp_rules(deck):
        if fnmatch.fnmatchcase(name, pattern):
            rel = r if r is not None else rel
            floor = f if f is not None else floor
            skip = sk
    return rel, floor, skip


def _close(got: float, want: float, rel: float, floor: float) -> bool:
    return abs(got - want) <= rel * abs(want) + floor


def compare_columns(deck: Path, label: str, got: dict[str, np.ndarray], want: dict[str, np.ndarray],
                    transient: bool, scale: str | None) -> list[str]:
    problems = []
    if set(got) != set(want):
        return [f"{label}: columns {sorted(got)} differ from ngspice's {sorted(want)}"]
    if transient and scale is not None:
        x_got, x_want = got[scale], want[scale]
        if x_got[0] > x_want[0] + 1e-15 or x_got[-1] < x_want[-1] * (1 - 1e-12):
            return [f"{label}: xbar's {scale} runs {x_got[0]}..{x_got[-1]}, ngspice's "
                    f"{x_want[0]}..{x_want[-1]}"]
    for name, ref in want.items():
        rel, floor, skip = rule(deck, name, transient)
        if skip or name == scale:
            continue
        if transient and scale is not None:
            values = np.interp(want[scale], got[scale], got[name])
            tol = rel * max(float(np.ptp(ref)) if len(ref) else 0.0, floor)
            bad = np.abs(values - ref) > tol
        else:
            values = got[name]
            if len(values) != len(ref):
                problems.append(f"{label}: {name} has {len(values)} points, ngspice {len(ref)}")
                continue
            bad = np.abs(values - ref) > rel * np.abs(ref) + floor
        if np.any(bad):
            k = int(np.argmax(bad))
            problems.append(f"{label}: {name}[{k}] xbar={values[k]!r} ngspice={ref[k]!r}")
    return problems


def compare_items(deck: Path, got: list[Item], want: list[Item], transient: bool) -> list[str]:
    problems = []
    g_failed = sorted(i.name for i in got if i.kind == "failed")
    w_failed = sorted(i.name for i in want if i.kind == "failed")
    if g_failed != w_failed:
        problems.append(f"failed measurements: xbar {g_failed}, ngspice {w_failed}")
    got = [i for i in got if i.kind != "failed"]
    want = [i for i in want if i.kind != "failed"]
    if [(i.kind, i.name) for i in got] != [(i.kind, i.name) for i in want]:
        return [*problems,
                "printed items differ:\n    xbar:    " + ", ".join(f"{i.kind}:{i.name}" for i in got)
                + "\n    ngspice: " + ", ".join(f"{i.kind}:{i.name}" for i in want)]
    for g, w in zip(got, want, strict=True):
        if g.kind == "value":
            rel, floor, skip = rule(deck, g.name, transient)
            if skip:
                continue
            if not _close(g.value, w.value, rel, floor + g.quantum + w.quantum):
                problems.append(f"{g.name}: xbar={g.value!r} ngspice={w.value!r}")
            if set(g.extra) != set(w.extra):
                problems.append(f"{g.name}: fields {sorted(g.extra)} vs ngspice {sorted(w.extra)}")
                continue
            for key, ref in w.extra.items():
                if not _close(g.extra[key], ref, rel, floor + 1e-6 * abs(ref)):
                    problems.append(f"{g.name} {key}=: xbar={g.extra[key]!r} ngspice={ref!r}")
        elif g.kind == "table":
            scale = g.name.split()[0] if g.name.split()[0] in ("time", "v-sweep", "i-sweep") else None
            problems += compare_columns(deck, f"table '{g.name}'", g.columns, w.columns,
                                        transient and scale == "time", scale)
        elif g.kind == "echo":
            if len(g.words) != len(w.words):
                problems.append(f"echo: xbar {g.words} ngspice {w.words}")
                continue
            rel, floor, _ = rule(deck, "echo", transient)
            for a, b in zip(g.words, w.words, strict=True):
                try:
                    if not _close(float(a), float(b), rel, floor):
                        problems.append(f"echo: xbar {a} ngspice {b}")
                except ValueError:
                    if a != b:
                        problems.append(f"echo: xbar {a!r} ngspice {b!r}")
    return problems


def read_columns(text: str) -> tuple[list[str] | None, np.ndarray]:
    """A wrdata file: its header names (if any) and the numbers."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    header = None
    try:
        float(lines[0].split()[0])
    except ValueError:
        header = lines[0].split()
        lines = lines[1:]
    return header, np.array([[float(c) for c in ln.split()] for ln in lines])


def compare_rawfiles(deck: Path, name: str, got_path: Path, want_text: str, transient: bool) -> list[str]:
    """A text rawfile written by ``write``: same plots and vectors, values within the rules."""
    from xbar.io.rawfile import read_rawfile

    got = read_rawfile(got_path)
    with tempfile.NamedTemporaryFile("w", suffix=".raw", delete=False) as fh:
        fh.write(want_text)
    try:
        want = read_rawfile(fh.name)
    finally:
        Path(fh.name).unlink()
    if [p.plotname for p in got] != [p.plotname for p in want]:
        return [f"{name}: plots {[p.plotname for p in got]} vs ngspice {[p.plotname for p in want]}"]
    problems = []
    for g, w in zip(got, want, strict=True):
        scale = w.names[0] if w.names[0] in ("time", "v-sweep", "i-sweep") else None
        problems += compare_columns(deck, name, dict(zip(g.names, np.asarray(g.data, float).T, strict=True)),
                                    dict(zip(w.names, np.asarray(w.data, float).T, strict=True)),
                                    transient and scale == "time", scale)
    return problems


def run_xbar_cli(case: str, workdir: Path) -> list[str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore", XbarWarning)
        import os

        cwd = os.getcwd()
        os.chdir(workdir)
        try:
            status = main(["run", f"{case}.cir"])
        finally:
            os.chdir(cwd)
    assert status == 0, out.getvalue()
    return out.getvalue().splitlines()


def check_case(case: str, want_lines: list[str], want_files: dict[str, str]) -> None:
    deck = GOLDEN / case / f"{case}.cir"
    text = deck.read_text().lower()
    transient = ".tran" in text or re.search(r"^\s*tran\s", text, re.MULTILINE) is not None
    with tempfile.TemporaryDirectory(prefix="xbar-text-") as tmp:
        work = Path(tmp) / case
        shutil.copytree(GOLDEN / case, work, ignore=shutil.ignore_patterns("ngspice", "*.ngspice.txt"))
        got = parse_output(run_xbar_cli(case, work))
        problems = compare_items(deck, got, parse_output(want_lines), transient)
        for name, content in want_files.items():
            path = work / name
            if not path.is_file():
                problems.append(f"xbar did not write {name}")
                continue
            if content.startswith("Title:"):
                problems += compare_rawfiles(deck, name, path, content, transient)
                continue
            if re.search(r"^(Index\s|\S+ = )", content, re.MULTILINE):  # 'print ... > file'
                problems += [f"{name}: {p}" for p in compare_items(
                    deck, parse_output(path.read_text().splitlines()), parse_output(content.splitlines()),
                    transient)]
                continue
            g_head, g_data = read_columns(path.read_text())
            w_head, w_data = read_columns(content)
            if g_head != w_head:
                problems.append(f"{name}: header {g_head} vs ngspice {w_head}")
            if g_data.shape[1] != w_data.shape[1]:
                problems.append(f"{name}: {g_data.shape[1]} columns, ngspice {w_data.shape[1]}")
                continue
            cols = [f"col{k}" for k in range(w_data.shape[1])]
            scale_tran = transient and len(w_data) > 1 and np.all(np.diff(w_data[:, 0]) > 0)
            problems += compare_columns(
                deck, name, dict(zip(cols, g_data.T, strict=True)),
                dict(zip(cols, w_data.T, strict=True)), bool(scale_tran), "col0")
    if problems:
        pytest.fail(f"{case}: xbar differs from ngspice\n  " + "\n  ".join(problems[:20]),
                    pytrace=False)


def stored(case: str) -> tuple[list[str], dict[str, str]]:
    ref = GOLDEN / case / f"{case}.ngspice.txt"
    if not ref.is_file():
        pytest.fail(f"{case}: no {ref.name}; write it with 'python -m xbar.testing.ngspice --regen "
                    f"tests/golden_text/{case}'")
    folder = GOLDEN / case / "ngspice"
    files = {p.relative_to(folder).as_posix(): p.read_text() for p in folder.rglob("*") if p.is_file()} \
        if folder.is_dir() else {}
    return ref.read_text().splitlines(), files


def test_text_corpus_is_complete() -> None:
    assert len(CASES) >= 3, CASES


@pytest.mark.parametrize("case", CASES)
def test_golden_text_reference(case: str) -> None:
    """xbar's printed output and written files against the stored ngspice output."""
    lines, files = stored(case)
    check_case(case, lines, files)


@pytest.mark.ngspice
@pytest.mark.parametrize("case", CASES)
def test_golden_text_live_ngspice(case: str) -> None:
    """The stored reference is what ngspice prints today, and xbar agrees with it."""
    if shutil.which("ngspice") is None:
        pytest.skip("ngspice is not installed (no 'ngspice' executable on PATH)")
    stdout, stderr, files = run_ngspice_batch(GOLDEN / case / f"{case}.cir")
    live = batch_output_lines(stdout) + [f"# stderr: {ln.strip()}" for ln in stderr.splitlines()
                                         if ln.strip().endswith("failed!")]
    stored_lines, stored_files = stored(case)
    deck = GOLDEN / case / f"{case}.cir"
    text = deck.read_text().lower()
    transient = ".tran" in text or "\ntran " in text
    stale = compare_items(deck, parse_output(live), parse_output(stored_lines), transient)
    assert sorted(files) == sorted(stored_files), f"{case}: ngspice now writes {sorted(files)}"
    assert not stale, f"{case}: regenerate the reference:\n  " + "\n  ".join(stale)
    check_case(case, live, files)
