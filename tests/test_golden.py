"""Golden corpus: every deck under ``tests/golden/<case>/<case>.cir`` against ngspice 39.

Each case folder holds the deck, any files it includes, and ``<case>.ngspice.csv``, the ngspice
answer written by ``python -m xbar.testing.ngspice --regen tests/golden/<case>`` (never by hand).

* ``test_golden_reference`` runs xbar on the deck and compares it with the stored reference
  (no ngspice needed).
* ``test_golden_live_ngspice`` (marker ``ngspice``) runs ngspice on the deck now, compares xbar
  with it, and checks that the stored reference still is what ngspice answers.

Comparison rule (every vector present in both results, names matched case-insensitively):

* ``.op`` and ``.dc``: ``|xbar - ngspice| <= max(1e-6 * |ngspice|, floor)`` at every point, with
  the floor 1e-9 V for voltages and 1e-12 A for currents; the sweep values must agree too.
* ``.tran``: xbar is interpolated linearly at ngspice's time points, and
  ``|xbar - ngspice| <= 1e-3 * max(range, floor)`` where ``range`` is max - min of the ngspice
  signal over the run.

A deck may change the rule for some vectors with comment lines (ngspice ignores them)::

    *COMP <glob> [rel=<x>] [floor=<x>] [skip] -- <reason>

``<glob>`` is an :mod:`fnmatch` pattern on the lower-case vector name (``v(out)``, ``i(*)``);
``rel`` replaces 1e-6 (op/dc) or 1e-3 (tran), ``floor`` replaces the absolute floor, ``skip``
leaves the vector out. The reason is mandatory. The last matching line wins.
"""

from __future__ import annotations

import fnmatch
import functools
import re
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import xbar
from xbar.errors import XbarWarning
from xbar.testing.ngspice import read_reference_csv, run_ngspice

# the golden decks come from ngspice checks (sources that only define a node's voltage)
pytestmark = pytest.mark.filterwarnings("ignore::xbar.errors.LintWarning")

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(d.name for d in GOLDEN.iterdir() if (d / f"{d.name}.cir").is_file())

#: Default tolerances (relative part) by analysis kind.
REL = {"op": 1e-6, "dc": 1e-6, "tran": 1e-3}
#: Absolute floors by vector type.
FLOOR_V = 1e-9
FLOOR_I = 1e-12
#: The stored reference must match live ngspice within this fraction of the tolerances (the CSV
#: is an exact round trip of ngspice's numbers; a small slack absorbs libm differences).
STALE_FACTOR = 0.01
MAX_REPORTED = 12

#: Cases that fail because of a known xbar bug: case -> reason (strict xfail).
XFAIL: dict[str, str] = {}

_PLOT_KIND = {
    "operating point": "op",
    "dc transfer characteristic": "dc",
    "transient analysis": "tran",
}
_KIND_ORDER = ("dc", "op", "tran")
_COMP_RE = re.compile(r"^\*COMP\s+(\S+)\s*(.*?)\s*--\s*(\S.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class Rule:
    """Comparison rule of one vector."""

    rel: float
    floor: float
    skip: bool = False
    reason: str = ""


@dataclass(frozen=True)
class CompLine:
    pattern: str
    rel: float | None
    floor: float | None
    skip: bool
    reason: str


def _params(cases: list[str]) -> list[Any]:
    out = []
    for case in cases:
        marks = []
        if case in XFAIL:
            marks.append(pytest.mark.xfail(strict=True, reason=XFAIL[case]))
        out.append(pytest.param(case, marks=marks, id=case))
    return out


def deck_path(case: str) -> Path:
    return GOLDEN / case / f"{case}.cir"


def reference_path(case: str) -> Path:
    return GOLDEN / case / f"{case}.ngspice.csv"


@functools.cache
def comp_lines(case: str) -> tuple[CompLine, ...]:
    """The ``*COMP`` lines of a deck."""
    lines: list[CompLine] = []
    for lineno, text in enumerate(deck_path(case).read_text().splitlines(), start=1):
        if not text.upper().startswith("*COMP"):
            continue
        m = _COMP_RE.match(text.strip())
        if m is None:
            raise AssertionError(
                f"{case}.cir:{lineno}: bad *COMP line (expected "
                f"'*COMP <glob> [rel=x] [floor=x] [skip] -- <reason>'): {text!r}"
            )
        rel = floor = None
        skip = False
        for word in m.group(2).split():
            key, _, value = word.partition("=")
            key = key.lower()
            if key == "skip" and not value:
                skip = True
            elif key in ("rel", "floor") and value:
                if key == "rel":
                    rel = float(value)
                else:
                    floor = float(value)
            else:
                raise AssertionError(f"{case}.cir:{lineno}: unknown *COMP option {word!r}")
        lines.append(CompLine(m.group(1).lower(), rel, floor, skip, m.group(3)))
    return tuple(lines)


def rule_for(case: str, kind: str, name: str, vtype: str) -> Rule:
    floor = FLOOR_I if vtype == "current" or name.startswith("i(") else FLOOR_V
    rule = Rule(REL[kind], floor)
    for line in comp_lines(case):
        if fnmatch.fnmatchcase(name, line.pattern):
            rule = Rule(
                line.rel if line.rel is not None else rule.rel,
                line.floor if line.floor is not None else rule.floor,
                line.skip,
                line.reason,
            )
    return rule


@functools.cache
def run_xbar(case: str) -> list[Any]:
    """xbar's results for a case (cached: both tests of a case share one run).

    Warnings about harmless leniency (options without effect, ignored print options) are
    expected in some decks and do not fail the comparison.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", XbarWarning)
        return xbar.read_netlist(deck_path(case)).run()


@functools.cache
def stored_reference(case: str) -> list[Any]:
    path = reference_path(case)
    if not path.is_file():
        pytest.fail(
            f"{case}: no stored reference {path.name}; write it with "
            f"'python -m xbar.testing.ngspice --regen tests/golden/{case}'"
        )
    return read_reference_csv(path)


def _kind_of(plot: Any) -> str:
    kind = _PLOT_KIND.get(plot.plotname.strip().lower())
    if kind is None:
        raise AssertionError(f"unexpected ngspice plot {plot.plotname!r}")
    return kind


def pair_results(case: str, results: list[Any], plots: list[Any]) -> list[tuple[Any, Any]]:
    """Pair xbar results (deck order) with ngspice plots (ngspice's run order).

    ngspice runs the analyses grouped by type (DC, OP, TRAN) and, within a type, in reverse
    deck order; xbar answers in deck order.
    """
    by_kind_x: dict[str, list[Any]] = {}
    for r in results:
        by_kind_x.setdefault(r.kind, []).append(r)
    by_kind_n: dict[str, list[Any]] = {}
    for p in plots:
        by_kind_n.setdefault(_kind_of(p), []).append(p)
    counts_x = {k: len(v) for k, v in by_kind_x.items()}
    counts_n = {k: len(v) for k, v in by_kind_n.items()}
    assert counts_x == counts_n, (
        f"{case}: xbar produced analyses {counts_x}, ngspice produced {counts_n}"
    )
    pairs = []
    for kind, xs in by_kind_x.items():
        pairs.extend(zip(xs, reversed(by_kind_n[kind]), strict=True))
    return pairs


@dataclass
class Mismatch:
    case: str
    analysis: str
    vector: str
    point: str
    got: float
    want: float
    tol: float

    @property
    def excess(self) -> float:
        return abs(self.got - self.want) / self.tol

    def __str__(self) -> str:
        return (
            f"{self.case} [{self.analysis}] {self.vector} at {self.point}: "
            f"xbar={self.got!r} ngspice={self.want!r} |diff|={abs(self.got - self.want):.3g} "
            f"tol={self.tol:.3g}"
        )


def compare_pair(
    case: str, index: int, result: Any, plot: Any, factor: float = 1.0
) -> tuple[list[Mismatch], list[str]]:
    """Compare one xbar result with one ngspice plot.

    ``factor`` scales every tolerance. Returns the worst mismatch of every failing vector and
    the problems that are not numeric (missing vectors, different sweep lengths).
    """
    kind = result.kind
    label = f"{kind} #{index}"
    problems: list[str] = []
    mismatches: list[Mismatch] = []
    xnames = {n.lower(): n for n in result.names}
    ndata = np.asarray(plot.data, dtype=float)
    npts = ndata.shape[0]

    if kind == "tran":
        t_n = ndata[:, plot.names.index("time")]
        t_x = np.asarray(result["time"], dtype=float)
        if t_x[0] > t_n[0] + 1e-15 or t_x[-1] < t_n[-1] * (1 - 1e-12):
            problems.append(
                f"{case} [{label}]: xbar time runs {t_x[0]!r}..{t_x[-1]!r}, "
                f"ngspice {t_n[0]!r}..{t_n[-1]!r}"
            )
            return mismatches, problems
    elif kind == "dc":
        nx = np.atleast_1d(result[result.names[0]]).shape[0]
        if nx != npts:
            problems.append(f"{case} [{label}]: xbar has {nx} sweep points, ngspice {npts}")
            return mismatches, problems

    compared = 0
    for col, (name, vtype) in enumerate(zip(plot.names, plot.types, strict=True)):
        key = name.lower()
        if kind == "tran" and key == "time":
            continue
        rule = rule_for(case, kind, key, vtype)
        rule = Rule(rule.rel * factor, rule.floor * factor, rule.skip, rule.reason)
        if rule.skip:
            continue
        if key not in xnames:
            problems.append(f"{case} [{label}]: ngspice vector {key} is missing from xbar's result")
            continue
        want = ndata[:, col]
        got = np.atleast_1d(np.asarray(result[xnames[key]], dtype=float))
        compared += 1
        if kind == "tran":
            got = np.interp(t_n, t_x, got)
            span = float(np.max(want) - np.min(want)) if npts else 0.0
            tol = np.full(npts, rule.rel * max(span, rule.floor))
            where = [f"time={t:.6g} (point {k})" for k, t in enumerate(t_n)]
        else:
            tol = np.maximum(rule.rel * np.abs(want), rule.floor)
            if kind == "dc":
                scale = ndata[:, 0]
                where = [f"{plot.names[0]}={s:.6g} (point {k})" for k, s in enumerate(scale)]
            else:
                where = ["op"]
        err = np.abs(got - want)
        bad = ~(err <= tol)
        if np.any(bad):
            k = int(np.argmax(np.where(bad, err / tol, -1.0)))
            mismatches.append(
                Mismatch(case, label, key, where[k], float(got[k]), float(want[k]), float(tol[k]))
            )
    if compared == 0:
        problems.append(f"{case} [{label}]: no vector in common between xbar and ngspice")
    return mismatches, problems


def compare_case(case: str, results: list[Any], plots: list[Any], source: str) -> None:
    """Assert that xbar's results match ngspice's plots; the message lists the failures."""
    mismatches: list[Mismatch] = []
    problems: list[str] = []
    for index, (result, plot) in enumerate(pair_results(case, results, plots)):
        m, p = compare_pair(case, index, result, plot)
        mismatches.extend(m)
        problems.extend(p)
    if mismatches or problems:
        mismatches.sort(key=lambda m: -m.excess)
        lines = [f"{case}: xbar differs from {source}"]
        lines += ["  " + p for p in problems[:MAX_REPORTED]]
        lines += ["  " + str(m) for m in mismatches[:MAX_REPORTED]]
        hidden = len(mismatches) + len(problems) - len(lines) + 1
        if hidden > 0:
            lines.append(f"  ... and {hidden} more failing vectors")
        pytest.fail("\n".join(lines), pytrace=False)


# -- tests ---------------------------------------------------------------------------------


def test_corpus_is_complete() -> None:
    assert len(CASES) >= 28, f"only {len(CASES)} golden cases"
    missing = [c for c in CASES if not reference_path(c).is_file()]
    assert not missing, f"cases without a stored ngspice reference: {missing}"


@pytest.mark.parametrize("case", _params(CASES))
def test_golden_reference(case: str) -> None:
    """xbar against the stored ngspice reference (no ngspice needed)."""
    comp_lines(case)  # a malformed *COMP line fails here
    compare_case(case, run_xbar(case), stored_reference(case), "the stored ngspice reference")


@pytest.mark.ngspice
@pytest.mark.parametrize("case", _params(CASES))
def test_golden_live_ngspice(case: str) -> None:
    """xbar against a live ngspice run, and the stored reference against the same run."""
    if shutil.which("ngspice") is None:
        pytest.skip("ngspice is not installed (no 'ngspice' executable on PATH)")
    live = run_ngspice(deck_path(case))
    stored = stored_reference(case)
    stale = _stale(case, stored, live)
    compare_case(case, run_xbar(case), live, "live ngspice")
    assert not stale, (
        f"{case}: the stored reference no longer matches live ngspice "
        f"(regenerate with 'python -m xbar.testing.ngspice --regen tests/golden/{case}'):\n  "
        + "\n  ".join(stale)
    )


class PlotAsResult:
    """A stored ngspice plot seen through the result interface (to compare it like xbar)."""

    def __init__(self, plot: Any) -> None:
        self.kind = _kind_of(plot)
        self.names = list(plot.names)
        self._plot = plot

    def __getitem__(self, name: str) -> np.ndarray:
        return np.asarray(self._plot.data[:, self.names.index(name)], dtype=float)


def _stale(case: str, stored: list[Any], live: list[Any]) -> list[str]:
    """Differences between the stored reference and live ngspice beyond STALE_FACTOR * rule."""
    if len(stored) != len(live):
        return [f"{len(stored)} stored plots, {len(live)} live plots"]
    out: list[str] = []
    # stored plots are in ngspice order already; pair_results expects deck order per kind
    as_results: list[Any] = []
    for kind in _KIND_ORDER:
        as_results.extend(reversed([PlotAsResult(p) for p in stored if _kind_of(p) == kind]))
    for index, (s, n) in enumerate(pair_results(case, as_results, live)):
        if s.names != n.names:
            out.append(f"plot {index}: stored vectors {s.names}, live {n.names}")
            continue
        m, p = compare_pair(case, index, s, n, factor=STALE_FACTOR)
        out.extend(p)
        out.extend(str(x).replace("xbar=", "stored=").replace("ngspice=", "live=") for x in m)
    return out
