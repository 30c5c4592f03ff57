"""End-to-end speed from the deck: ``xbar run`` against ngspice 46 with KLU, same deck, one run.

For every size N the resistive crossbar deck of :mod:`crossbar_deck` (with ``.options klu``,
which xbar accepts without effect) is written once, then the two simulators run it back to back
as a user would, each in a fresh process:

* ngspice: ``ngspice -b deck.cir`` (ngspice 46 from Debian bookworm-backports, built with KLU;
  ``bash benchmarks/setup_ngspice46.sh`` unpacks it next to the system's ngspice without
  touching the latter, and prints the path this script uses by default);
* xbar: ``python -m xbar.cli run -q deck.cir``: interpreter start, imports, parse, compile and
  solve.

Neither writes its results in the timed runs (the deck has no ``.print``); one more, untimed run
of each writes a rawfile for the comparison (``ngspice -b -r``, ``xbar run --raw``).

Wall time is measured around each process, CPU time (user + system) from the children's
resource usage: on a machine shared with other jobs the CPU ratio is the steadier one. With
``--repeat k`` the two alternate k times and the best of each is kept. Every node voltage and
branch current of the two rawfiles is compared (largest relative difference; a reference value
of exactly 0 compares absolutely), and xbar's with the exact nodal solution of the generator. ``--phases`` adds xbar's in-process breakdown (parse,
compile, solve after ``import xbar``) from :mod:`bench_engine`'s worker.

Prints a Markdown table (and the targets of issue 9: ngspice/xbar >= 3 at 128 and 256, >= 5 at
512, results within 1e-9) and writes ``benchmarks/results_vs_ngspice.csv``. Times are never
asserted.

Usage::

    bash benchmarks/setup_ngspice46.sh
    python benchmarks/bench_vs_ngspice.py --sizes 128 256 512 --repeat 2
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import crossbar_deck as cdeck  # noqa: E402

DEFAULT_NGSPICE = HERE / "_ngspice46" / "ngspice"
TARGETS = {128: 3.0, 256: 3.0, 512: 5.0}
REL_TARGET = 1e-9


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed(cmd: list[str], timeout: float, cwd: Path) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Wall and CPU seconds of one process (its children included)."""
    c0, t0 = _children_cpu(), time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False,
                          stdin=subprocess.DEVNULL, cwd=cwd)
    return time.perf_counter() - t0, _children_cpu() - c0, proc


def vectors(raw: Path) -> dict[str, float]:
    """The operating point of a rawfile: vector name (xbar's spelling) -> value."""
    from xbar.io.rawfile import read_rawfile

    plot = next(p for p in read_rawfile(raw) if p.plotname.lower().startswith("operating"))
    return dict(zip(plot.names, plot.data[0].tolist(), strict=True))


def max_rel_diff(x: dict[str, float], ref: dict[str, float]) -> tuple[float, str, int]:
    """Largest ``|x - r| / |r|`` over the ``v(...)``/``i(...)`` vectors of both (absolute at r = 0)."""
    worst, where, n = 0.0, "", 0
    for name, r in ref.items():
        if not name.startswith(("v(", "i(")) or name not in x:
            continue
        d = abs(x[name] - r) / abs(r) if r != 0 else abs(x[name])
        n += 1
        if not d <= worst:
            worst, where = d, name
    return worst, where, n


def ngspice_version(exe: str) -> str:
    out = subprocess.run([exe, "-v"], capture_output=True, text=True, check=False).stdout
    for line in out.splitlines():
        if "ngspice-" in line:
            return line.strip("* ").strip()
    return "unknown"


def bench_size(n: int, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    xb = cdeck.make_crossbar(n, n, seed=args.seed)
    deck = tmp / f"crossbar{n}.cir"
    text = cdeck.deck_text(xb).replace("\n.op\n", "\n.options klu\n.op\n")
    deck.write_text(text)
    row: dict[str, Any] = {"N": n, "lines": text.count("\n")}
    ng_raw, xb_raw = tmp / f"ng{n}.raw", tmp / f"xb{n}.raw"
    ng_cmd = [args.ngspice, "-b", str(deck)]
    xb_cmd = [sys.executable, "-m", "xbar.cli", "run", "-q", str(deck)]
    best: dict[str, tuple[float, float]] = {}
    for rep in range(args.repeat):
        order = [("ngspice", ng_cmd), ("xbar", xb_cmd)]
        if rep % 2:
            order.reverse()
        for who, cmd in order:
            wall, cpu, proc = timed(cmd, args.timeout, tmp)
            if proc.returncode != 0:
                raise RuntimeError(f"{who} failed on {deck} (exit {proc.returncode}):\n"
                                   + (proc.stderr or proc.stdout)[-3000:])
            print(f"[N={n}] {who}: wall {wall:.2f} s, CPU {cpu:.2f} s", file=sys.stderr)
            if who not in best or wall < best[who][0]:
                best[who] = (wall, cpu)
    row["ng_wall"], row["ng_cpu"] = best["ngspice"]
    row["xb_wall"], row["xb_cpu"] = best["xbar"]
    row["ratio_wall"] = row["ng_wall"] / row["xb_wall"]
    row["ratio_cpu"] = row["ng_cpu"] / row["xb_cpu"]
    # results (untimed runs writing rawfiles): against ngspice, and against the exact solution
    _, _, proc = timed([*xb_cmd[:-1], "--raw", str(xb_raw), str(deck)], args.timeout, tmp)
    if proc.returncode != 0:
        raise RuntimeError(f"xbar --raw failed on {deck}:\n{proc.stderr[-3000:]}")
    xv = vectors(xb_raw)
    row["unknowns"] = sum(1 for k in xv if k.startswith(("v(", "i(")))
    if n <= args.compare_max:
        _, _, proc = timed([args.ngspice, "-b", "-r", str(ng_raw), str(deck)], args.timeout, tmp)
        if proc.returncode != 0:
            raise RuntimeError(f"ngspice -r failed on {deck}:\n{proc.stderr[-3000:]}")
        ng = vectors(ng_raw)
        row["max_rel_diff"], row["worst"], row["compared"] = max_rel_diff(xv, ng)
        missing = [k for k in ng if k.startswith(("v(", "i(")) and k not in xv]
        if missing:
            print(f"[N={n}] WARNING: {len(missing)} ngspice vectors missing in xbar: {missing[:5]}",
                  file=sys.stderr)
    exact = cdeck.reference_solution(xb)
    exact.pop("isense")
    row["exact_rel_diff"] = max_rel_diff(xv, exact)[0]  # type: ignore[arg-type]
    if args.phases:
        from bench_engine import run_worker

        npz = str(tmp / f"phases{n}.npz")
        r = run_worker(deck, "time", npz, args.timeout)
        row.update(import_s=r["import"], parse_s=r["parse"], compile_s=r["compile"],
                   solve_s=r["solve"], inproc_cpu=r["total_cpu"])
    row["load_avg"] = os.getloadavg()[0]
    print(f"[N={n}] ngspice/xbar: wall {row['ratio_wall']:.1f}x, CPU {row['ratio_cpu']:.1f}x; "
          f"max rel diff vs ngspice {row.get('max_rel_diff', math.nan):.1e} "
          f"({row.get('worst', '-')}, {row.get('compared', 0)} vectors), vs exact "
          f"{row['exact_rel_diff']:.1e}", file=sys.stderr)
    return row


COLUMNS = [
    ("N", "N", "{}"), ("lines", "deck lines", "{}"), ("unknowns", "vectors", "{}"),
    ("ng_wall", "ngspice wall s", "{:.2f}"), ("ng_cpu", "ngspice CPU s", "{:.2f}"),
    ("xb_wall", "xbar wall s", "{:.2f}"), ("xb_cpu", "xbar CPU s", "{:.2f}"),
    ("ratio_wall", "ngspice/xbar wall", "{:.1f}"), ("ratio_cpu", "ngspice/xbar CPU", "{:.1f}"),
    ("max_rel_diff", "max rel diff vs ngspice", "{:.1e}"),
    ("exact_rel_diff", "max rel diff vs exact", "{:.1e}"),
]
PHASE_COLUMNS = [("import_s", "import s", "{:.2f}"), ("parse_s", "parse s", "{:.2f}"),
                 ("compile_s", "compile s", "{:.2f}"), ("solve_s", "solve s", "{:.2f}")]


def _fmt(v: Any, f: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f.format(v)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="xbar run against ngspice 46 (KLU) on crossbar decks")
    ap.add_argument("--sizes", type=int, nargs="+", default=[128, 256], metavar="N")
    ap.add_argument("--ngspice", default=str(DEFAULT_NGSPICE),
                    help="ngspice executable (default: the one setup_ngspice46.sh unpacks)")
    ap.add_argument("--repeat", type=int, default=1, help="alternating runs per size, best kept")
    ap.add_argument("--timeout", type=float, default=3600.0, help="s per process")
    ap.add_argument("--phases", action="store_true", help="add xbar's in-process phase times")
    ap.add_argument("--compare-max", type=int, default=512,
                    help="compare with ngspice's rawfile (one more, untimed ngspice run) for "
                         "N <= this (default 512); every size is compared with the exact solution")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--csv", default=str(HERE / "results_vs_ngspice.csv"))
    ap.add_argument("--keep", help="write decks and rawfiles to this directory, keep them")
    args = ap.parse_args(argv)
    exe = shutil.which(args.ngspice) or (args.ngspice if Path(args.ngspice).is_file() else None)
    if exe is None:
        ap.error(f"no ngspice at {args.ngspice}: run 'bash benchmarks/setup_ngspice46.sh' "
                 "or pass --ngspice")
    args.ngspice = exe
    version = ngspice_version(exe)
    rows = []
    with tempfile.TemporaryDirectory(prefix="xbar-vs-ng-") as tmpd:
        tmp = Path(args.keep) if args.keep else Path(tmpd)
        tmp.mkdir(parents=True, exist_ok=True)
        for n in args.sizes:
            rows.append(bench_size(n, args, tmp))
    import numpy as np
    import scipy

    cols = COLUMNS + (PHASE_COLUMNS if args.phases else [])
    print(f"\n{version} ({exe}) against xbar — {platform.node()}, {os.cpu_count()} CPUs, Python "
          f"{platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}; load "
          f"average {os.getloadavg()[0]:.1f}; each process from start to exit, best of "
          f"{args.repeat}; results compared from separate runs writing rawfiles\n")
    print("| " + " | ".join(h for _, h, _ in cols) + " |")
    print("|" + "|".join("---:" for _ in cols) + "|")
    for r in rows:
        print("| " + " | ".join(_fmt(r.get(k), f) for k, _, f in cols) + " |")
    print()
    for r in rows:
        goal = TARGETS.get(r["N"])
        if goal is not None:
            for what in ("wall", "cpu"):
                ok = "PASS" if r[f"ratio_{what}"] >= goal else "MISS"
                print(f"target N={r['N']}: ngspice/xbar {what} {r[f'ratio_{what}']:.1f} >= {goal:g}: {ok}")
        for what in ("max_rel_diff", "exact_rel_diff"):
            if r.get(what) is not None:
                ok = "PASS" if r[what] <= REL_TARGET else "MISS"
                print(f"target N={r['N']}: {what} {r[what]:.1e} <= {REL_TARGET:g}: {ok}")
    keys = [k for k, _, _ in cols] + ["worst", "compared", "load_avg"]
    keys = list(dict.fromkeys(keys))
    with open(args.csv, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {args.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
