"""Corpus of public real-world ngspice decks: pinned list, preparation and the two-simulator run.

The decks are not part of this repository (their licences differ and they are not ours to
redistribute): ``decks.csv`` beside this file pins every deck by repository, commit, path and
licence. ``prepare`` exports the pinned directories of each repository at its commit into a
corpus folder; ``run`` (and ``tests/test_corpus.py``, marked slow, when ``XBAR_CORPUS`` names
that folder) runs ngspice and xbar on every deck and sorts it into one of

* ``agree``: every vector of every analysis within the golden tolerances (op/dc: 1e-6 relative
  with floors 1e-9 V and 1e-12 A; tran: 1e-3 of the signal's range at ngspice's time points);
* ``disagree``: analyses or values differ (the worst vector is named);
* ``refused``: xbar says ``not supported: <what>`` (the reason is tallied; ngspice is not run);
* ``xbar error``: any other xbar error (a malformed-deck message on a deck ngspice runs);
* ``ngspice fails``: ngspice reports an error, times out or writes no results;
* ``not compared``: a control script that runs no analysis (nothing to compare);
* ``xbar crash``: a Python exception other than xbar's own errors (a bug; the test fails).

Decks with a ``.control`` block: xbar must read the block (a refused command counts as a
refusal); the numbers are compared on the deck's batch twin, the block replaced by the
analysis cards its ``op``/``dc``/``tran``/``ac`` commands (and ``run``) start, because
``ngspice -b -r`` writes no rawfile for a control script.

Usage::

    python tests/corpus/corpus.py prepare --mirrors DIR --dest /tmp/corpus   # git dirs DIR/<owner>+<name>/repo
    python tests/corpus/corpus.py prepare --clone --dest /tmp/corpus         # git clone from GitHub
    python tests/corpus/corpus.py run --corpus /tmp/corpus [--markdown docs/corpus.md]
    python tests/corpus/corpus.py select --mirrors DIR                       # rewrite decks.csv
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
DECKS_CSV = HERE / "decks.csv"
ENV = "XBAR_CORPUS"

#: Repositories of the corpus: folders the decks are taken from, licence (SPDX), commit.
REPOS: dict[str, dict[str, Any]] = {
    "imr/ngspice": {"commit": "0a9c4ea799a044cde636adb4d026639bdb3974a0", "licence": "BSD-3-Clause",
                    "dirs": ["examples"]},
    "FOSSEE/eSim": {"commit": "4296828ab4eb8aa7e4cd6c426479321465e2ebcd", "licence": "GPL-3.0",
                    "dirs": ["Examples"]},
    "PySpice-org/PySpice": {"commit": "fe08718d5a1a9af94576b5aef1fa81910f09b037",
                            "licence": "GPL-3.0", "dirs": ["examples"]},
    "leonardoaraujosantos/learning_ngspice": {
        "commit": "0f28878905fcc93ddf25960bb31d8917a23b86d4", "licence": "MIT",
        "dirs": ["circuits", "exercises"]},
}
_SUFFIXES = (".cir", ".sp", ".spice", ".net", ".ckt", ".cir.out")
_ANALYSIS_RE = re.compile(r"^\s*\.(op|dc|tran|ac|noise|tf|pz|disto|sens|control)\b", re.I | re.M)
_MAX_BYTES = 1_000_000
TIMEOUT = 30.0

REL = {"op": 1e-6, "dc": 1e-6, "tran": 1e-3, "ac": 1e-6}
FLOOR_V, FLOOR_I = 1e-9, 1e-12
_PLOT_KIND = {"operating point": "op", "dc transfer characteristic": "dc",
              "transient analysis": "tran", "ac analysis": "ac"}


def folder(repo: str) -> str:
    return repo.replace("/", "+")


# ------------------------------------------------------------------------------------------
# the pinned list
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Deck:
    repo: str
    commit: str
    path: str
    licence: str

    def file(self, corpus: Path) -> Path:
        return corpus / folder(self.repo) / self.path

    @property
    def label(self) -> str:
        return f"{self.repo}:{self.path}"


def read_decks(path: Path = DECKS_CSV) -> list[Deck]:
    with open(path, newline="") as fh:
        return [Deck(r["repo"], r["commit"], r["path"], r["licence"]) for r in csv.DictReader(fh)]


def _git(mirror: Path, *args: str) -> str:
    return subprocess.run(["git", f"--git-dir={mirror}", *args], capture_output=True, text=True,
                          check=True).stdout


def _mirror(mirrors: Path, repo: str) -> Path:
    base = mirrors / folder(repo)
    return base / "repo" if (base / "repo").exists() else base


def select(mirrors: Path) -> list[Deck]:
    """Every file under the chosen folders that looks like a deck ngspice can run."""
    decks: list[Deck] = []
    for repo, info in REPOS.items():
        git = _mirror(mirrors, repo)
        names = _git(git, "ls-tree", "-r", "--name-only", info["commit"], *info["dirs"]).splitlines()
        for name in sorted(names):
            if not name.lower().endswith(_SUFFIXES):
                continue
            try:
                blob = subprocess.run(["git", f"--git-dir={git}", "show", f"{info['commit']}:{name}"],
                                      capture_output=True, check=True).stdout
            except subprocess.CalledProcessError:
                continue
            if len(blob) > _MAX_BYTES:
                continue
            text = blob.decode("utf-8", errors="replace")
            if _ANALYSIS_RE.search(text):
                decks.append(Deck(repo, info["commit"], name, info["licence"]))
    return decks


def write_decks(decks: list[Deck], path: Path = DECKS_CSV) -> None:
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["repo", "commit", "path", "licence"])
        for d in decks:
            w.writerow([d.repo, d.commit, d.path, d.licence])


def prepare(dest: Path, mirrors: Path | None = None, clone: bool = False) -> None:
    """Export the pinned folders of every repository at its commit into ``dest/<owner>+<name>``."""
    dest.mkdir(parents=True, exist_ok=True)
    for repo, info in REPOS.items():
        target = dest / folder(repo)
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
        with tempfile.TemporaryDirectory() as tmp:
            if clone:
                git = Path(tmp) / "git"
                subprocess.run(["git", "clone", "--bare", "--filter=blob:none",
                                f"https://github.com/{repo}.git", str(git)], check=True)
            else:
                assert mirrors is not None
                git = _mirror(mirrors, repo)
            archive = subprocess.run(["git", f"--git-dir={git}", "archive", info["commit"], *info["dirs"]],
                                     capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
        print(f"{repo} @ {info['commit'][:12]} -> {target}", file=sys.stderr)


# ------------------------------------------------------------------------------------------
# running one deck
# ------------------------------------------------------------------------------------------
@dataclass
class Outcome:
    deck: Deck
    category: str  # one of CATEGORIES
    reason: str = ""
    seconds: dict[str, float] = field(default_factory=dict)


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    def handler(signum: int, frame: Any) -> None:
        raise TimeoutError(f"xbar took longer than {seconds:g} s")

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


_CONTROL_ANALYSES = ("op", "dc", "tran", "ac")


def batch_twin(text: str) -> str | None:
    """The deck with its ``.control`` block replaced by the analysis cards it runs (None when
    the block starts no analysis)."""
    lines = text.splitlines()
    out: list[str] = []
    cards: list[str] = []
    inside = run = False
    for line in lines:
        word = line.strip().split(None, 1)[0].lower() if line.strip() else ""
        if word == ".control":
            inside = True
            continue
        if word == ".endc":
            inside = False
            continue
        if inside:
            if word in _CONTROL_ANALYSES:
                cards.append("." + line.strip())
            elif word == "run":
                run = True
            continue
        out.append(line)
    has_cards = any(_ANALYSIS_RE.match(line) for line in out)
    if not cards and not (run and has_cards):
        return None
    if not run:  # a control script runs only the analyses it names
        out = [line for line in out if not _ANALYSIS_RE.match(line)]
    end = next((k for k in range(len(out) - 1, -1, -1) if out[k].strip().lower() == ".end"), len(out))
    return "\n".join(out[:end] + cards + [".end"]) + "\n"


def _ngspice_plots(deck: Path, timeout: float) -> list[Any]:
    from xbar.testing.ngspice import run_ngspice

    return run_ngspice(deck, timeout=timeout, workdir=deck.parent)


def _refusal(message: str) -> str | None:
    m = re.search(r"not supported: (.*)", message)
    if m is None:
        return None
    what = m.group(1)
    what = re.sub(r" at \S+:\d+", "", what)
    return what.split(";")[0].strip()[:120]


def _xbar_results(deck: Path, control: bool) -> list[Any]:
    import xbar

    net = xbar.read_netlist(deck)
    if control:
        return []
    return net.run()


def compare(results: list[Any], plots: list[Any]) -> str:
    """'' when xbar's results match ngspice's plots, else what differs."""
    by_x: dict[str, list[Any]] = {}
    for r in results:
        by_x.setdefault(r.kind, []).append(r)
    by_n: dict[str, list[Any]] = {}
    for p in plots:
        kind = _PLOT_KIND.get(p.plotname.strip().lower())
        if kind is None:
            continue
        by_n.setdefault(kind, []).append(p)
    cx = {k: len(v) for k, v in by_x.items()}
    cn = {k: len(v) for k, v in by_n.items()}
    if cx != cn:
        return f"analyses differ: xbar {cx}, ngspice {cn}"
    worst = (0.0, "")
    for kind, xs in by_x.items():
        for res, plot in zip(xs, reversed(by_n[kind]), strict=True):
            got = _compare_pair(kind, res, plot)
            if isinstance(got, str):
                return got
            if got[0] > worst[0]:
                worst = got
    if worst[0] > 1.0:
        return f"{worst[1]} off by {worst[0]:.3g} x tolerance"
    return ""


def _compare_pair(kind: str, res: Any, plot: Any) -> tuple[float, str] | str:
    data = np.asarray(plot.data)
    names = [n.lower() for n in plot.names]
    rel = REL[kind]
    xnames = set(res.names)
    worst = (0.0, "")
    if kind == "tran":
        t_n = data[:, names.index("time")].real
        t_x = np.asarray(res["time"], dtype=float)
        if t_x[-1] < t_n[-1] * (1 - 1e-9):
            return f"tran ends at {t_x[-1]:g} s, ngspice at {t_n[-1]:g} s"
    elif kind == "dc" and len(np.atleast_1d(res[res.names[0]])) != data.shape[0]:
        return f"dc sweep has {len(np.atleast_1d(res[res.names[0]]))} points, ngspice {data.shape[0]}"
    for col, name in enumerate(names):
        if name not in xnames or name in ("time", "frequency") or not name.startswith(("v(", "i(")):
            continue
        want = data[:, col]
        got = np.atleast_1d(np.asarray(res[name]))
        floor = FLOOR_I if name.startswith("i(") else FLOOR_V
        if kind == "tran":
            got = np.interp(t_n, t_x, np.real(got))
            want = want.real
            span = float(np.max(want) - np.min(want)) if len(want) else 0.0
            tol = rel * max(span, floor)
            err = float(np.max(np.abs(got - want))) / tol if len(want) else 0.0
        else:
            if got.shape != want.shape:
                return f"{name}: {got.shape[0]} points, ngspice {want.shape[0]}"
            tol = np.maximum(rel * np.abs(want), floor)
            err = float(np.max(np.abs(got - want) / tol))
        if not err <= worst[0]:
            worst = (err, f"{kind} {name}")
    return worst


def run_deck(deck: Deck, corpus: Path, timeout: float = TIMEOUT) -> Outcome:
    from xbar.errors import XbarError
    from xbar.testing.ngspice import NgspiceError

    path = deck.file(corpus)
    if not path.is_file():
        return Outcome(deck, "ngspice fails", "deck missing from the corpus folder")
    raw = path.read_bytes().decode("utf-8", errors="replace")
    control = re.search(r"^\s*\.control\b", raw, re.I | re.M) is not None
    secs: dict[str, float] = {}
    # xbar first: reading is what refuses
    t0 = time.perf_counter()
    results: list[Any] = []
    xbar_problem: tuple[str, str] | None = None
    try:
        with warnings.catch_warnings(), _time_limit(timeout), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            results = _xbar_results(path, control)
    except XbarError as exc:
        msg = str(exc).splitlines()[0]
        why = _refusal(msg)
        xbar_problem = ("refused", why) if why else ("xbar error", msg[:200])
    except TimeoutError as exc:
        xbar_problem = ("xbar error", str(exc))
    except Exception as exc:  # a bug in xbar: recorded, and the test fails on it
        xbar_problem = ("xbar crash", f"{type(exc).__name__}: {exc}"[:300])
    secs["xbar"] = time.perf_counter() - t0
    if xbar_problem is not None and xbar_problem[0] in ("refused", "xbar crash"):
        return Outcome(deck, xbar_problem[0], xbar_problem[1], secs)  # ngspice not needed
    target = path
    twin_file: Path | None = None
    if control:
        twin = batch_twin(raw)
        if twin is None:
            if xbar_problem is not None:
                return Outcome(deck, xbar_problem[0], xbar_problem[1], secs)
            return Outcome(deck, "not compared", "the control script starts no analysis", secs)
        twin_file = path.with_name(f".xbar-corpus-{path.name}")
        twin_file.write_text(twin)
        target = twin_file
    try:
        t0 = time.perf_counter()
        try:
            plots = _ngspice_plots(target, timeout)
        except NgspiceError as exc:
            lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
            reason = (lines[1] if len(lines) > 1 and lines[0].endswith(":") else lines[0])[:160]
            reason = reason.replace(str(target.parent) + "/", "")
            return Outcome(deck, "ngspice fails", reason, secs)
        finally:
            secs["ngspice"] = time.perf_counter() - t0
        if xbar_problem is not None:
            return Outcome(deck, xbar_problem[0], xbar_problem[1], secs)
        if control:
            try:
                with warnings.catch_warnings(), _time_limit(timeout):
                    warnings.simplefilter("ignore")
                    results = _xbar_results(target, False)
            except XbarError as exc:
                msg = str(exc).splitlines()[0]
                why = _refusal(msg)
                return Outcome(deck, "refused" if why else "xbar error", why or msg[:200], secs)
            except TimeoutError as exc:
                return Outcome(deck, "xbar error", str(exc), secs)
            except Exception as exc:
                return Outcome(deck, "xbar crash", f"{type(exc).__name__}: {exc}"[:300], secs)
        try:
            diff = compare(results, plots)
        except Exception as exc:
            return Outcome(deck, "xbar crash", f"comparison: {type(exc).__name__}: {exc}"[:300], secs)
        return Outcome(deck, "disagree" if diff else "agree", diff, secs)
    finally:
        if twin_file is not None:
            twin_file.unlink(missing_ok=True)


# ------------------------------------------------------------------------------------------
# the table
# ------------------------------------------------------------------------------------------
CATEGORIES = ("agree", "disagree", "refused", "xbar error", "ngspice fails", "not compared",
              "xbar crash")


def summarise(outcomes: list[Outcome]) -> str:
    """Markdown: counts by category and by project, refusal reasons, every other non-agreement."""
    lines = ["| project | decks | " + " | ".join(CATEGORIES) + " |",
             "|---|---:|" + "---:|" * len(CATEGORIES)]
    repos = list(dict.fromkeys(o.deck.repo for o in outcomes))
    for repo in [*repos, None]:
        sub = [o for o in outcomes if repo is None or o.deck.repo == repo]
        c = Counter(o.category for o in sub)
        name = "**all**" if repo is None else f"{repo} ({sub[0].deck.licence})"
        lines.append(f"| {name} | {len(sub)} | " + " | ".join(str(c[k]) for k in CATEGORIES) + " |")
    lines += ["", "Refusals by reason (decks):", ""]
    reasons = Counter(_reason_key(o.reason) for o in outcomes if o.category == "refused")
    lines += [f"* {count} — {why}" for why, count in reasons.most_common()]
    for cat in ("disagree", "xbar error", "xbar crash", "ngspice fails", "not compared"):
        sub = [o for o in outcomes if o.category == cat]
        if sub:
            lines += ["", f"{cat.capitalize()} ({len(sub)}):", ""]
            lines += [f"* `{o.deck.label}`: {o.reason}" for o in sub]
    return "\n".join(lines) + "\n"


def _reason_key(reason: str) -> str:
    """Refusal reasons grouped: element letters and dot-cards by what they are."""
    m = re.match(r"element '\S+' \(([^;)]*)", reason)
    if m:
        return f"element: {m.group(1)}"
    reason = re.sub(r"'[^']*'", lambda mm: mm.group(0).lower(), reason)
    return reason


def run_all(corpus: Path, decks: list[Deck] | None = None, progress: bool = True) -> list[Outcome]:
    decks = read_decks() if decks is None else decks
    outcomes = []
    for k, deck in enumerate(decks, start=1):
        o = run_deck(deck, corpus)
        outcomes.append(o)
        if progress:
            print(f"[{k}/{len(decks)}] {o.category:13s} {deck.label}  {o.reason[:100]}", file=sys.stderr)
    return outcomes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("select", help="rewrite decks.csv from local git mirrors")
    p.add_argument("--mirrors", type=Path, required=True)
    p = sub.add_parser("prepare", help="export the pinned folders into a corpus folder")
    p.add_argument("--dest", type=Path, required=True)
    p.add_argument("--mirrors", type=Path)
    p.add_argument("--clone", action="store_true", help="clone from GitHub instead")
    p = sub.add_parser("run", help="run both simulators on every deck, print the table")
    p.add_argument("--corpus", type=Path, default=os.environ.get(ENV))
    p.add_argument("--markdown", type=Path, help="also write the table to this file")
    p.add_argument("--only", help="substring of the deck labels to run")
    a = ap.parse_args(argv)
    if a.cmd == "select":
        decks = select(a.mirrors)
        write_decks(decks)
        print(f"wrote {DECKS_CSV}: {len(decks)} decks", file=sys.stderr)
    elif a.cmd == "prepare":
        if not a.clone and a.mirrors is None:
            ap.error("prepare needs --mirrors or --clone")
        prepare(a.dest, a.mirrors, a.clone)
    else:
        if a.corpus is None:
            ap.error(f"run needs --corpus or {ENV}")
        decks = [d for d in read_decks() if not a.only or a.only in d.label]
        table = summarise(run_all(Path(a.corpus), decks))
        print(table)
        if a.markdown:
            a.markdown.write_text(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
