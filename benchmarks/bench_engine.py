"""Engine speed benchmark: N x N resistive crossbar decks, xbar against ngspice.

For every size N the deck of :mod:`crossbar_deck` is written to a temporary directory, then:

* xbar runs in a fresh ``python -c`` subprocess per measurement (so that peaks never mix):
  ``read_netlist`` (parse), ``deck.circuit.compile()`` (compile), ``deck.run()`` (solve),
  their sum (total, end to end from the deck file; the ``import xbar`` time is reported
  separately) and the subprocess's ``ru_maxrss`` (peak RSS, includes the interpreter, numpy
  and scipy). A second subprocess repeats the run under ``tracemalloc`` for the peak of
  Python/numpy allocations (not timed: tracemalloc slows allocation down).
* ngspice (``ngspice -b -r out.raw``) runs up to ``--ngspice-max`` (wall time, 600 s timeout);
  every node voltage and every branch current of the two results are compared (max relative
  difference, 1e-9 is the target).
* xbar's result is also compared with the exact nodal solution of the generator
  (:func:`crossbar_deck.reference_solution`, up to ``--ref-max``).

Prints a Markdown table and writes ``benchmarks/results_engine.csv``. Times are never asserted;
the issue's targets (128x128 <= 0.5 s, 256x256 <= 3 s end to end, <= 1e-9 relative to ngspice)
are checked and reported.

Usage::

    python benchmarks/bench_engine.py                        # N = 64 128 256, ngspice <= 128
    python benchmarks/bench_engine.py --sizes 64 128 256 512 --ngspice-max 128
    python benchmarks/bench_engine.py --sizes 256 --profile  # + cProfile (cumtime) per size
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import crossbar_deck as cdeck  # noqa: E402

TARGETS = {128: 0.5, 256: 3.0}  # s, end to end (issue)
REL_TARGET = 1e-9

# Runs in a fresh interpreter: argv = deck, mode ("time" | "mem" | "profile"), out.npz.
_WORKER = r"""
import json, resource, sys, time
t0 = time.perf_counter()
import xbar
t_import = time.perf_counter() - t0
deck_path, mode, out = sys.argv[1], sys.argv[2], sys.argv[3]
rss_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if mode == "mem":
    import tracemalloc
    tracemalloc.start()
if mode == "profile":
    import cProfile, pstats
    prof = cProfile.Profile()
    prof.enable()
c1, t1 = time.process_time(), time.perf_counter()
deck = xbar.read_netlist(deck_path)
c2, t2 = time.process_time(), time.perf_counter()
system = deck.circuit.compile()
c3, t3 = time.process_time(), time.perf_counter()
results = deck.run()
c4, t4 = time.process_time(), time.perf_counter()
ru = resource.getrusage(resource.RUSAGE_SELF)
info = {"cpu": ru.ru_utime + ru.ru_stime, "parse_cpu": c2 - c1, "compile_cpu": c3 - c2,
        "solve_cpu": c4 - c3, "total_cpu": c4 - c1, "import": t_import, "parse": t2 - t1, "compile": t3 - t2, "solve": t4 - t3,
        "total": t4 - t1, "unknowns": int(system.n),
        "maxrss_kb": ru.ru_maxrss,
        "maxrss_import_kb": rss_import}
if mode == "mem":
    info["py_peak"] = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
if mode == "profile":
    prof.disable()
    import io
    s = io.StringIO()
    pstats.Stats(prof, stream=s).sort_stats("cumulative").print_stats(int(out))
    info["profile"] = s.getvalue()
if mode == "time":
    import numpy as np
    op = results[0]
    np.savez(out, names=np.array(op.names), data=np.asarray(op.to_numpy(), dtype=float))
print("@@RESULT@@" + json.dumps(info))
"""


def run_cli(deck: Path, timeout: float) -> float:
    """Wall time of ``python -m xbar.cli run -q deck`` (interpreter start, imports, run)."""
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "xbar.cli", "run", "-q", str(deck)],
                          capture_output=True, text=True, timeout=timeout, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"xbar run -q {deck} failed (exit {proc.returncode}):\n"
                           + proc.stderr[-4000:])
    return wall


def run_worker(deck: Path, mode: str, out: str, timeout: float) -> dict[str, Any]:
    """Run the xbar worker in a fresh interpreter; returns its JSON report."""
    proc = subprocess.run([sys.executable, "-c", _WORKER, str(deck), mode, out],
                          capture_output=True, text=True, timeout=timeout, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("@@RESULT@@"):
            return json.loads(line[len("@@RESULT@@"):])
    raise RuntimeError(f"xbar worker ({mode}) failed on {deck} (exit {proc.returncode}):\n"
                       + proc.stderr[-4000:])


# ------------------------------------------------------------------------------------------
# ngspice
# ------------------------------------------------------------------------------------------


def _read_raw_minimal(path: Path) -> dict[str, float]:
    """Fallback rawfile reader (real, one-point plots: ``.op``), names as xbar spells them."""
    buf = path.read_bytes()
    names: list[str] = []
    pos = 0
    nvars = npoints = 0
    while True:
        end = buf.index(b"\n", pos)
        line = buf[pos:end].decode()
        pos = end + 1
        key = line.split(":", 1)[0].strip().lower()
        if key == "no. variables":
            nvars = int(line.split(":", 1)[1])
        elif key == "no. points":
            npoints = int(line.split(":", 1)[1])
        elif key == "variables":
            for _ in range(nvars):
                end = buf.index(b"\n", pos)
                parts = buf[pos:end].decode().split()
                pos = end + 1
                n = parts[1].lower()
                if n.endswith("#branch"):
                    n = f"i({n[:-7]})"
                elif "(" not in n:
                    n = f"v({n})"
                names.append(n)
        elif key == "binary":
            data = np.frombuffer(buf, dtype="<f8", count=npoints * nvars, offset=pos)
            break
        elif key == "values":
            vals = buf[pos:].decode().split()
            nums = [float(v) for k, v in enumerate(vals) if k % (nvars + 1) != 0]
            data = np.array(nums)
            break
    return dict(zip(names, data[:nvars].tolist(), strict=True))


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run_ngspice_deck(deck: Path, timeout: float) -> tuple[float, float, dict[str, float]]:
    """Wall and CPU time of ``ngspice -b -r out.raw deck`` and its ``.op`` vectors by name.

    Uses :func:`xbar.testing.ngspice.run_ngspice` when available (wall time then includes
    reading the rawfile, a few ms), else runs ngspice and reads the rawfile here.
    """
    try:
        from xbar.testing.ngspice import run_ngspice
    except ImportError:
        run_ngspice = None
    c0, t0 = _children_cpu(), time.perf_counter()
    if run_ngspice is not None:
        plots = run_ngspice(deck, timeout=timeout)
        wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
        op = next(p for p in plots if p.plotname.lower().startswith("operating"))
        return wall, cpu, dict(zip(op.names, op.data[0].tolist(), strict=True))
    raw = deck.with_suffix(".raw")
    subprocess.run(["ngspice", "-b", "-r", str(raw), str(deck)], capture_output=True,
                   timeout=timeout, check=True, stdin=subprocess.DEVNULL)
    wall, cpu = time.perf_counter() - t0, _children_cpu() - c0
    return wall, cpu, _read_raw_minimal(raw)


# ------------------------------------------------------------------------------------------
# comparison
# ------------------------------------------------------------------------------------------


def max_rel_diff(xbar_vals: dict[str, float], ref: dict[str, float]) -> tuple[float, str, int]:
    """Max of ``|x - r| / |r|`` over the vectors present in both (``v(...)``/``i(...)``).

    Returns (max relative difference, worst vector, number compared). A reference value of
    exactly 0 (the ammeter nodes) compares absolutely.
    """
    worst, where, n = 0.0, "", 0
    for name, r in ref.items():
        if not name.startswith(("v(", "i(")) or name not in xbar_vals:
            continue
        x = xbar_vals[name]
        d = abs(x - r) / abs(r) if r != 0 else abs(x)
        n += 1
        if not d <= worst:  # also catches nan
            worst, where = d, name
    return worst, where, n


def load_xbar(npz: str) -> dict[str, float]:
    z = np.load(npz)
    return dict(zip(z["names"].tolist(), z["data"].tolist(), strict=True))


# ------------------------------------------------------------------------------------------
# driver
# ------------------------------------------------------------------------------------------

COLUMNS = [
    ("N", "N", "{}"), ("lines", "lines", "{}"), ("unknowns", "unknowns", "{}"),
    ("parse_s", "parse s", "{:.3f}"), ("compile_s", "compile s", "{:.3f}"),
    ("solve_s", "solve s", "{:.3f}"), ("total_s", "total s", "{:.3f}"),
    ("total_cpu_s", "total CPU s", "{:.3f}"), ("cli_s", "CLI wall s", "{:.3f}"), ("peak_rss_mb", "peak MB", "{:.0f}"), ("py_peak_mb", "py peak MB", "{:.0f}"),
    ("ngspice_s", "ngspice s", "{:.2f}"), ("ratio", "ngspice/xbar", "{:.1f}"),
    ("ngspice_cpu_s", "ngspice CPU s", "{:.2f}"), ("ratio_cpu", "CPU ratio", "{:.1f}"),
    ("max_rel_diff", "max rel diff", "{:.1e}"), ("ref_rel_diff", "rel diff vs exact", "{:.1e}"),
]
CSV_EXTRA = ["parse_cpu_s", "compile_cpu_s", "solve_cpu_s", "cpu_s", "load_avg", "import_s", "rss_after_import_mb", "deck_mb", "worst_vector", "compared",
             "isense_rel_diff", "ngspice_status", "ref_worst_vector", "ref_v_rel_diff",
             "ref_isense_rel_diff"]


def _fmt(v: Any, f: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if isinstance(v, str):
        return v
    return f.format(v)


def bench_size(n: int, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    xb = cdeck.make_crossbar(n, n, seed=args.seed, r_row=args.r_wire, r_col=args.r_wire)
    deck = tmp / f"xbar{n}.cir"
    lines = cdeck.write_deck(xb, deck)
    row: dict[str, Any] = {"N": n, "lines": lines, "deck_mb": deck.stat().st_size / 2**20}
    print(f"[N={n}] deck {deck.name}: {lines} lines, {row['deck_mb']:.1f} MB", file=sys.stderr)

    npz = str(tmp / f"xbar{n}.npz")
    best: dict[str, Any] | None = None
    for _ in range(args.repeat):
        r = run_worker(deck, "time", npz, args.timeout)
        if best is None or r["total"] < best["total"]:
            best = r
    assert best is not None
    row.update(unknowns=best["unknowns"], parse_s=best["parse"], compile_s=best["compile"],
               solve_s=best["solve"], total_s=best["total"], import_s=best["import"],
               cpu_s=best["cpu"], load_avg=os.getloadavg()[0], parse_cpu_s=best["parse_cpu"],
               compile_cpu_s=best["compile_cpu"], solve_cpu_s=best["solve_cpu"],
               total_cpu_s=best["total_cpu"],
               peak_rss_mb=best["maxrss_kb"] / 1024,
               rss_after_import_mb=best["maxrss_import_kb"] / 1024)
    print(f"[N={n}] xbar: parse {best['parse']:.3f} s, compile {best['compile']:.3f} s, "
          f"solve {best['solve']:.3f} s, total {best['total']:.3f} s "
          f"(CPU {best['total_cpu']:.3f} s)", file=sys.stderr)
    if not args.no_cli:
        row["cli_s"] = min(run_cli(deck, args.timeout) for _ in range(args.repeat))
    if not args.no_mem:
        m = run_worker(deck, "mem", "-", args.timeout * 3)
        row["py_peak_mb"] = m["py_peak"] / 2**20
    if args.profile:
        p = run_worker(deck, "profile", str(args.profile_lines), args.timeout * 3)
        prof_path = tmp / f"profile_engine_{n}.txt"
        prof_path.write_text(p["profile"])
        print(f"[N={n}] cProfile (cumtime) written to {prof_path}", file=sys.stderr)
        print(f"\n### cProfile N={n} (parse+compile+run, cumulative)\n```\n"
              + "\n".join(p["profile"].splitlines()[:args.profile_lines + 12]) + "\n```\n")

    xv = load_xbar(npz)
    if n <= args.ref_max:
        ref = cdeck.reference_solution(xb)
        ref.pop("isense")
        row["ref_rel_diff"], row["ref_worst_vector"], _ = max_rel_diff(xv, ref)  # type: ignore[arg-type]
        volts = {k: v for k, v in ref.items() if k.startswith("v(")}
        isen = {k: v for k, v in ref.items() if k.startswith("i(vsense")}
        row["ref_v_rel_diff"] = max_rel_diff(xv, volts)[0]  # type: ignore[arg-type]
        row["ref_isense_rel_diff"] = max_rel_diff(xv, isen)[0]  # type: ignore[arg-type]
        print(f"[N={n}] vs exact: max rel diff {row['ref_rel_diff']:.2e} at "
              f"{row['ref_worst_vector']}; node voltages {row['ref_v_rel_diff']:.2e}, "
              f"column currents {row['ref_isense_rel_diff']:.2e}", file=sys.stderr)

    if n <= args.ngspice_max and shutil.which("ngspice"):
        print(f"[N={n}] running ngspice (timeout {args.ngspice_timeout:g} s) ...", file=sys.stderr)
        try:
            wall, ng_cpu, ng = run_ngspice_deck(deck, args.ngspice_timeout)
        except Exception as exc:
            row["ngspice_status"] = f"failed: {type(exc).__name__}: {str(exc)[:200]}"
            print(f"[N={n}] ngspice {row['ngspice_status']}", file=sys.stderr)
        else:
            row["ngspice_s"] = wall
            row["ngspice_status"] = "ok"
            row["ngspice_cpu_s"] = ng_cpu
            row["ratio"] = wall / row["total_s"]
            row["ratio_cpu"] = ng_cpu / row["total_cpu_s"]
            d, where, cnt = max_rel_diff(xv, ng)
            row.update(max_rel_diff=d, worst_vector=where, compared=cnt)
            ng_isen = {k: v for k, v in ng.items() if k.startswith("i(vsense")}
            row["isense_rel_diff"] = max_rel_diff(xv, ng_isen)[0]
            missing = sorted(set(ng) - set(xv))
            if missing or cnt != len(ng):
                print(f"[N={n}] WARNING: {len(missing)} ngspice vectors missing in xbar: "
                      f"{missing[:5]}", file=sys.stderr)
            print(f"[N={n}] ngspice {wall:.2f} s (CPU {ng_cpu:.2f} s); max rel diff {d:.2e} at {where} "
                  f"({cnt} vectors)", file=sys.stderr)
    else:
        row["ngspice_status"] = "skipped"
    return row


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="xbar engine benchmark on N x N crossbars")
    ap.add_argument("--sizes", type=int, nargs="+", default=[64, 128, 256], metavar="N")
    ap.add_argument("--ngspice-max", type=int, default=128,
                    help="run ngspice only for N <= this (default 128; 0 = never)")
    ap.add_argument("--ngspice-timeout", type=float, default=600.0, help="s (default 600)")
    ap.add_argument("--ref-max", type=int, default=512,
                    help="compare with the exact numpy solution for N <= this (default 512)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="timed xbar runs per size, best kept (default 1)")
    ap.add_argument("--timeout", type=float, default=1800.0, help="xbar run timeout, s")
    ap.add_argument("--no-cli", action="store_true", help="skip the 'xbar run -q' wall time")
    ap.add_argument("--no-mem", action="store_true", help="skip the tracemalloc run")
    ap.add_argument("--profile", action="store_true",
                    help="also run each size under cProfile; print top entries by cumtime")
    ap.add_argument("--profile-lines", type=int, default=35)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--r-wire", type=float, default=1.0, help="wire resistance, ohm")
    ap.add_argument("--csv", default=str(HERE / "results_engine.csv"))
    ap.add_argument("--keep", help="write the decks (and profiles) to this directory, keep them")
    args = ap.parse_args(argv)

    rows = []
    with tempfile.TemporaryDirectory(prefix="xbar-bench-") as tmpd:
        tmp = Path(args.keep) if args.keep else Path(tmpd)
        tmp.mkdir(parents=True, exist_ok=True)
        for n in args.sizes:
            rows.append(bench_size(n, args, tmp))

    import platform

    print(f"\nxbar engine benchmark — {platform.node()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, numpy {np.__version__}; "
          f"load average {os.getloadavg()[0]:.1f}; "
          "total = parse + compile + solve wall time in a fresh process (`import xbar` not included, "
          "lazy imports inside compile/run included); CLI wall = `xbar run -q deck` from "
          "interpreter start to exit; total CPU = process time of the three phases; "
          "ngspice/xbar = ngspice wall / xbar total; CPU ratio = ngspice CPU / xbar total CPU; "
          f"peak MB = ru_maxrss of a fresh process; py peak = tracemalloc peak\n")
    print("| " + " | ".join(h for _, h, _ in COLUMNS) + " |")
    print("|" + "|".join("---:" for _ in COLUMNS) + "|")
    for r in rows:
        print("| " + " | ".join(_fmt(r.get(k), f) for k, _, f in COLUMNS) + " |")
    print()
    for r in rows:
        lim = TARGETS.get(r["N"])
        if lim is not None:
            ok = "PASS" if r["total_s"] <= lim else "MISS"
            print(f"target N={r['N']}: total {r['total_s']:.3f} s <= {lim} s: {ok}")
        d = r.get("max_rel_diff")
        if d is not None:
            ok = "PASS" if d <= REL_TARGET else "MISS"
            print(f"target N={r['N']}: max rel diff vs ngspice {d:.2e} <= {REL_TARGET:g}: {ok}")
    big = max(rows, key=lambda r: r["lines"])
    share = big["parse_s"] / big["total_s"]
    print(f"parse share of total at N={big['N']} ({big['lines']} lines): {share:.0%}")

    keys = [k for k, _, _ in COLUMNS] + CSV_EXTRA
    with open(args.csv, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in keys})
    print(f"wrote {args.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
