"""Crossbar benchmark: one operating point of N×N linear arrays, and 1000 vectors on 128×128.

Every measurement runs in a fresh interpreter (so ``ru_maxrss`` is the peak of that run
alone). For each size N, built from the Python API (:mod:`xbar.crossbar`):

* ``build`` (``build_crossbar``), ``compile`` (MNA system, reduction and nested-dissection
  ordering), ``solve`` (factorisation and solve), ``total`` and the peak RSS;
* the ideal ``V @ G`` of numpy for the same vector (time, and the IR-drop error against it);
* ngspice on the same deck (``deck_text(form="flat")``) for N ≤ ``--ngspice-max``: wall
  time and the largest relative difference of the column currents.

The batch row solves 1000 input vectors on 128×128: ``build`` + ``compile`` + transfer
matrix (one multi-RHS solve with 128 right-hand sides) + one product, next to numpy's
``V @ G`` for the same vectors; the one-factorisation multi-RHS path is timed too.

Targets (checked, never asserted): 256×256 ≤ 1.5 s, 512×512 ≤ 15 s and ≤ 4 GB,
1024×1024 ≤ 120 s and ≤ 16 GB, 1000 vectors on 128×128 ≤ 2 s. Prints a Markdown table and
writes ``benchmarks/results_crossbar.csv``.

Usage::

    python benchmarks/bench_crossbar.py                    # N = 64 128 256 512, ngspice ≤ 64
    python benchmarks/bench_crossbar.py --big              # + 1024×1024
    python benchmarks/bench_crossbar.py --sizes 256 --ngspice-max 0
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TARGETS = {256: (1.5, None), 512: (15.0, 4096.0), 1024: (120.0, 16384.0)}  # s, MB
BATCH_TARGET = 2.0

_WORKER = r"""
import json, resource, sys, time
import numpy as np
from xbar.crossbar import CrossbarSpec, build_crossbar
mode, n, seed, r_wire, deck_path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
rng = np.random.default_rng(seed)
g = 1.0 / rng.uniform(10e3, 30e3, (n, n))
info = {}
t0 = time.perf_counter()
xb = build_crossbar(CrossbarSpec(n, n, g=g, r_row=r_wire, r_col=r_wire))
t1 = time.perf_counter()
s = xb.solver()
t2 = time.perf_counter()
if mode == "op":
    v = rng.uniform(0.0, 0.2, n)
    res = s.op(v)
    t3 = time.perf_counter()
    t4 = time.perf_counter()
    ideal = v @ g
    t5 = time.perf_counter()
    info.update(i_col=res.i_col.tolist(), ir_err=float(np.max(np.abs(res.i_col - ideal)) / np.max(np.abs(ideal))),
                numpy_s=t5 - t4, solver=res.solver, factor_s=s.stats.factor_time)
    if deck_path != "-":
        with open(deck_path, "w") as fh:
            fh.write(xb.deck(form="flat", inputs=v))
else:
    V = rng.uniform(0.0, 0.2, (1000, n))
    b = s.batch(V, method="transfer")
    t3 = time.perf_counter()
    t4 = time.perf_counter()
    ideal = V @ g
    t5 = time.perf_counter()
    s2 = xb.solver()
    tf = time.perf_counter()
    b2 = s2.batch(V, method="factor")
    tf2 = time.perf_counter()
    info.update(numpy_s=t5 - t4, solver=b.solver, factor_path_s=tf2 - tf,
                agree=float(np.max(np.abs(b.currents - b2.currents)) / np.max(np.abs(b2.currents))),
                ir_err=float(np.max(np.abs(b.currents - ideal)) / np.max(np.abs(ideal))))
ru = resource.getrusage(resource.RUSAGE_SELF)
info.update(build_s=t1 - t0, compile_s=t2 - t1, solve_s=t3 - t2, total_s=t3 - t0,
            unknowns=int(s.system.n), reduced=int(s.red.nf), maxrss_mb=ru.ru_maxrss / 1024.0)
print("RESULT " + json.dumps(info))
"""


def _worker(mode: str, n: int, seed: int, r_wire: float, deck: str) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-c", _WORKER, mode, str(n), str(seed), str(r_wire), deck],
                          capture_output=True, text=True, check=False, cwd=HERE.parent)
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"worker failed for N={n} ({mode}):\n{proc.stderr[-3000:]}")
    return json.loads(line[7:])  # type: ignore[no-any-return]


def _ngspice(deck: Path, n: int) -> tuple[float, list[float] | None, str]:
    sys.path.insert(0, str(HERE.parent))
    from xbar.testing.ngspice import NgspiceError, ngspice_available, run_ngspice

    if not ngspice_available():
        return float("nan"), None, "missing"
    t0 = time.perf_counter()
    try:
        (plot,) = run_ngspice(deck, timeout=1800)
    except NgspiceError as exc:
        return float("nan"), None, f"failed: {str(exc).splitlines()[0]}"
    dt = time.perf_counter() - t0
    d = dict(zip(plot.names, plot.data[0].tolist(), strict=True))
    return dt, [d[f"i(vbl{j})"] for j in range(n)], "ok"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", type=int, nargs="*", default=[64, 128, 256, 512])
    p.add_argument("--big", action="store_true", help="add 1024×1024")
    p.add_argument("--ngspice-max", type=int, default=64, help="largest N run with ngspice (0: none)")
    p.add_argument("--r-wire", type=float, default=1.0, help="wire resistance per segment, ohm")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--no-batch", action="store_true", help="skip the 1000-vector row")
    p.add_argument("--csv", default=str(HERE / "results_crossbar.csv"))
    a = p.parse_args(argv)
    sizes = list(a.sizes) + ([1024] if a.big and 1024 not in a.sizes else [])
    rows: list[dict[str, Any]] = []
    load = os.getloadavg()[0]
    import tempfile

    import numpy as np

    with tempfile.TemporaryDirectory(prefix="xbar-bench-") as tmp:
        for n in sizes:
            deck = Path(tmp) / f"xbar{n}.cir"
            want_ng = n <= a.ngspice_max
            r = _worker("op", n, a.seed, a.r_wire, str(deck) if want_ng else "-")
            row: dict[str, Any] = {"case": f"op {n}x{n}", "N": n, **{k: r[k] for k in (
                "unknowns", "reduced", "build_s", "compile_s", "solve_s", "total_s", "maxrss_mb", "numpy_s",
                "ir_err", "solver")}}
            row["factor_s"] = r["factor_s"]
            row["ratio_vs_numpy"] = r["total_s"] / r["numpy_s"] if r["numpy_s"] > 0 else float("nan")
            if want_ng:
                t_ng, i_ng, status = _ngspice(deck, n)
                row["ngspice_s"] = t_ng
                row["ngspice_status"] = status
                if i_ng is not None:
                    i_x = np.asarray(r["i_col"])
                    row["ngspice_rel_diff"] = float(np.max(np.abs(i_x - np.asarray(i_ng))) / np.max(np.abs(i_ng)))
                    row["ratio_ngspice_vs_xbar"] = t_ng / r["total_s"]
            else:
                row["ngspice_status"] = "skipped"
            tgt = TARGETS.get(n)
            if tgt is not None:
                ok = r["total_s"] <= tgt[0] and (tgt[1] is None or r["maxrss_mb"] <= tgt[1])
                row["target"] = f"<= {tgt[0]:g} s" + (f", <= {tgt[1] / 1024:g} GB" if tgt[1] else "")
                row["meets_target"] = ok
            rows.append(row)
            print(f"... N={n}: total {r['total_s']:.2f} s, peak {r['maxrss_mb']:.0f} MB", file=sys.stderr)
        if not a.no_batch:
            r = _worker("batch", 128, a.seed, a.r_wire, "-")
            rows.append({"case": "1000 vectors 128x128", "N": 128, **{k: r[k] for k in (
                "unknowns", "reduced", "build_s", "compile_s", "solve_s", "total_s", "maxrss_mb", "numpy_s",
                "ir_err", "solver")}, "factor_path_s": r["factor_path_s"], "batch_agree": r["agree"],
                "ratio_vs_numpy": r["total_s"] / r["numpy_s"] if r["numpy_s"] > 0 else float("nan"),
                "ngspice_status": "skipped", "target": f"<= {BATCH_TARGET:g} s",
                "meets_target": r["total_s"] <= BATCH_TARGET})
    keys: list[str] = []
    for row in rows:
        keys += [k for k in row if k not in keys]
    for row in rows:
        row["load_avg"] = load
    keys.append("load_avg")
    with open(a.csv, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)

    def f(x: Any, spec: str = ".3g") -> str:
        return "" if x is None or (isinstance(x, float) and np.isnan(x)) else format(x, spec)

    print(f"\nload average at start: {load:.2f} (2 cores); wires {a.r_wire:g} ohm/segment, cells 10-30 kOhm\n")
    print("| case | unknowns | build s | compile s | solve s | total s | peak MB | numpy V@G s | "
          "IR error vs V@G | ngspice s | ngspice/xbar | rel diff vs ngspice | target | met |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['case']} | {row['unknowns']} | {f(row['build_s'])} | {f(row['compile_s'])} | "
              f"{f(row['solve_s'])} | {f(row['total_s'])} | {f(row['maxrss_mb'], '.0f')} | {f(row['numpy_s'])} | "
              f"{f(row['ir_err'])} | {f(row.get('ngspice_s'))} | {f(row.get('ratio_ngspice_vs_xbar'))} | "
              f"{f(row.get('ngspice_rel_diff'))} | {row.get('target', '')} | "
              f"{'' if 'meets_target' not in row else ('yes' if row['meets_target'] else 'NO')} |")
    print(f"\nwrote {a.csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
