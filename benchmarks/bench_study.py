"""Study benchmark: 2 local Dask workers against ``--serial`` (xbar.study).

Three studies, each run serially in this process and then on a local Dask cluster of
``--workers`` worker processes (one thread each) that is started once beforehand and warmed up
(xbar, its device models and scipy imported on every worker and here), so both columns are
the studies themselves; the cluster's start-up and the warm-up are reported on their own line:

* **deck sweep** (40 points): an N×N STT-MTJ crossbar deck (``--deck-size``, Newton on the
  bias-dependent TMR) with the wire resistance ``.param rw`` (8 values) and the model's
  ``tmr0`` (5 values) varied;
* **accuracy grid** (12 points): ``mnist-quantized-linear`` (MNIST linear classifier with
  compound-MTJ-quantised weights) over TMR 60–260 % (4 values) × 2, 4, 7 states, with 5 %
  device spread; the setup (loading the data, training) runs once per study and its result is
  scattered once;
* **reference**: 8 pure-Python CPU loops (no xbar), the speed-up the machine gives two
  processes at the time of the run (other jobs share the cores);
* **trivial deck** (``--trivial`` points, default 200): a resistive divider ``.op``, to
  measure the per-point overhead of the runner (parse, elaborate, table row) and of Dask,
  with the default chunking (about 16 tasks per worker) and with one point per Dask task.

Columns: serial and Dask wall time of ``run_study`` [s] (best of ``--repeat`` runs, the modes
alternating), speed-up (serial / Dask), parallel efficiency (speed-up / workers), the
experiment's setup (runs once on the client in both modes), the speed-up of the points alone
(without the setup), and per point: serial and Dask wall time and the overhead = (Dask
points time × workers − serial points time) / points, the worker time a point costs beyond
its serial run. Target: < 50 ms per point for the trivial deck. Times vary with the machine's
load (the load average is printed): the ratios are measured within one run.

Usage::

    python benchmarks/bench_study.py                   # needs dask[distributed]; MNIST for the grid
    python benchmarks/bench_study.py --mnist /path/to/mnist --deck-size 24 --trivial 400
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def mtj_crossbar_deck(n: int, seed: int = 1) -> str:
    """An n×n crossbar of 2-terminal STT-MTJs (random P/AP states) with ``.param rw`` wires."""
    import numpy as np

    rng = np.random.default_rng(seed)
    lines = [f"{n}x{n} STT-MTJ crossbar, wire segments {{rw}}", ".param rw=2",
             ".model mtjx mtj (rp=5000 tmr0=1.5 vh=0.4)"]
    for r in range(n):
        lines.append(f"vwl{r} wl{r} 0 {rng.uniform(0.05, 0.2):.4f}")
        for c in range(n):
            left = f"wl{r}" if c == 0 else f"wl{r}_{c - 1}"
            lines.append(f"rwl{r}_{c} {left} wl{r}_{c} {{rw}}")
            below = f"bl{r + 1}_{c}" if r < n - 1 else f"bl{c}"
            lines.append(f"rbl{r}_{c} bl{r}_{c} {below} {{rw}}")
            lines.append(f"yc{r}_{c} wl{r}_{c} bl{r}_{c} mtjx state={int(rng.integers(0, 2))}")
    for c in range(n):
        lines.append(f"vbl{c} bl{c} 0 0")
    lines += [".op", ".end"]
    return "\n".join(lines) + "\n"


DIVIDER = "divider\n.param r1=1k\nV1 in 0 1\nR1 in out {r1}\nR2 out 0 1k\n.op\n.end\n"


def _mnist_dir(arg: str | None) -> Path | None:
    for p in (arg, os.environ.get("XBAR_MNIST_DIR"), ROOT.parent / "shared" / "data" / "mnist10k",
              Path("/work/shared/data/mnist10k")):
        if p and Path(p).is_dir():
            return Path(p)
    return None


def studies(folder: Path, deck_size: int, trivial: int, mnist: Path | None) -> list[tuple[str, dict[str, Any]]]:
    (folder / "mtj.cir").write_text(mtj_crossbar_deck(deck_size))
    (folder / "divider.cir").write_text(DIVIDER)
    out: list[tuple[str, dict[str, Any]]] = [
        (f"deck sweep {deck_size}x{deck_size} MTJ", {
            "run": {"deck": "mtj.cir", "outputs": {"i0": "i(vbl0)", "imax": "absmax(i(vbl0))"}},
            "axes": {"rw": {"start": 0.5, "stop": 4.0, "num": 8}, "mtjx.tmr0": [0.6, 1.1, 1.6, 2.1, 2.6]}}),
    ]
    if mnist is not None:
        out.append(("accuracy grid (MNIST)", {
            "study": {"seed": 5},
            "run": {"experiment": "mnist-quantized-linear", "params": {"data": str(mnist), "sigma": 0.05},
                    "outputs": ["accuracy"]},
            "axes": {"tmr": [60.0, 126.7, 193.3, 260.0], "states": [2, 4, 7]}}))
    out.append(("trivial deck (divider .op)", {
        "run": {"deck": "divider.cir", "outputs": ["v(out)"]},
        "axes": {"r1": {"start": 1e3, "stop": 2e3, "num": trivial}}}))
    return out


def _burn(n: int) -> int:
    """A pure-Python CPU loop (no xbar, no I/O): the reference for what the cores give."""
    x = 0
    for i in range(n):
        x += i * i
    return x


def _reference(client: Any, workers: int, tasks: int = 8, n: int = 2_000_000) -> tuple[float, float]:
    """Serial and Dask wall time of ``tasks`` CPU loops: the speed-up the machine allows now."""
    t0 = time.perf_counter()
    for _ in range(tasks):
        _burn(n)
    serial = time.perf_counter() - t0
    t0 = time.perf_counter()
    client.gather(client.map(_burn, [n] * tasks, pure=False))
    return serial, time.perf_counter() - t0


def _warm_up() -> None:
    from xbar.devices.registry import load_builtin_kinds
    from xbar.study import list_experiments

    load_builtin_kinds()
    list_experiments()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each mode (best kept)")
    parser.add_argument("--deck-size", type=int, default=16, help="N of the N×N MTJ crossbar deck")
    parser.add_argument("--trivial", type=int, default=200, help="points of the trivial deck study")
    parser.add_argument("--mnist", help="MNIST IDX folder (default: $XBAR_MNIST_DIR or shared/data/mnist10k)")
    args = parser.parse_args()

    import distributed

    from xbar.study import Study, read_results, run_study

    folder = Path(tempfile.mkdtemp(prefix="bench_study_"))
    mnist = _mnist_dir(args.mnist)
    t0 = time.perf_counter()
    cluster = distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=logging.ERROR)
    client = distributed.Client(cluster, set_as_default=False)
    t_start = time.perf_counter() - t0
    t0 = time.perf_counter()
    # one-time imports (xbar, the device kinds, scipy) here and on every worker, outside the timings
    client.run(_warm_up)
    _warm_up()
    t_warm = time.perf_counter() - t0
    rows = []
    try:
        for k, (name, spec) in enumerate(studies(folder, args.deck_size, args.trivial, mnist)):
            chunks: list[Any] = ["auto", 1] if name.startswith("trivial") else ["auto"]
            times: dict[Any, float] = {}
            setup: dict[Any, float] = {}
            tables = {}
            for rep in range(args.repeat):  # alternate the modes; keep the best of each (load noise)
                for mode in ("serial", *chunks):
                    spec = {**spec, "study": {**spec.get("study", {}), "results": f"s{k}-{mode}.csv"}}
                    study = Study.from_dict(spec, source=name, base_dir=folder)
                    t0 = time.perf_counter()
                    summary = run_study(study, serial=(mode == "serial"),
                                        client=None if mode == "serial" else client, progress=False,
                                        parquet=False, fresh=True, chunk=mode if isinstance(mode, int) else None)
                    elapsed = time.perf_counter() - t0
                    assert summary.failed == 0, f"{name}: {summary.failed} points failed"
                    if rep == 0 or elapsed < times[mode]:
                        times[mode], setup[mode] = elapsed, summary.setup_seconds
                    tables[mode] = study.results.read_bytes()
            n = len(read_results(folder / f"s{k}-serial.csv"))
            for c in chunks:
                same = tables["serial"] == tables[c]
                speedup = times["serial"] / times[c]
                # points only: without the setup, which runs once on the client in both modes
                ps, pd = times["serial"] - setup["serial"], times[c] - setup[c]
                overhead = (pd * args.workers - ps) / n
                label = name if c == "auto" else f"{name}, {c} point per task"
                rows.append((label, n, times["serial"], times[c], speedup, speedup / args.workers,
                             setup["serial"], ps / pd, ps / n * 1e3, pd / n * 1e3, overhead * 1e3, same))
        best = min((_reference(client, args.workers) for _ in range(args.repeat)), key=lambda t: t[1])
        rows.append(("reference: pure-Python CPU loop, no xbar", 8, best[0], best[1], best[0] / best[1],
                     best[0] / best[1] / args.workers, 0.0, best[0] / best[1], best[0] / 8 * 1e3,
                     best[1] / 8 * 1e3, (best[1] * args.workers - best[0]) / 8 * 1e3, True))
    finally:
        client.close()
        cluster.close()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nxbar.study: {args.workers} local Dask workers vs --serial ({os.cpu_count()} cores, load "
          f"average {load:.1f} at the end; cluster start {t_start:.2f} s and warm-up {t_warm:.2f} s not "
          f"included; best of {args.repeat})\n")
    print("| study | points | serial s | dask s | speed-up | efficiency | setup s | speed-up of points "
          "| serial ms/pt | dask ms/pt | overhead ms/pt | tables equal |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, n, ts, td, sp, eff, su, spp, sms, dms, ov, same in rows:
        print(f"| {name} | {n} | {ts:.2f} | {td:.2f} | {sp:.2f} | {eff:.0%} | {su:.2f} | {spp:.2f} | {sms:.1f} | "
              f"{dms:.1f} | {ov:.1f} | {'yes' if same else 'NO'} |")
    if mnist is None:
        print("\n(accuracy grid skipped: no MNIST folder; give --mnist or set XBAR_MNIST_DIR)")


if __name__ == "__main__":
    main()
