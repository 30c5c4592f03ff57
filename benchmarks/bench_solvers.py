"""Linear-solver benchmark on large resistive crossbars (xbar.mna.solvers_large).

An N x N crossbar is built with the public API (``xbar.Circuit`` + ``add_many``): cells
uniform in [5, 30] kΩ between row node ``r<i>_<j>`` and column node ``c<i>_<j>``; row and
column wire segments uniform in [1, 10] Ω; each row driven at its left end by a grounded
source (uniform in [0, 0.2] V) through a 50 Ω source resistance; each column ends at the
virtual ground of its sense amplifier, a 0 V ammeter to ground. That is 2N² + N nodes,
N² + 2N(N-1) + N resistors and 2N sources (1024 x 1024: 2.1 M unknowns, 3.1 M resistors).

Every (N, solver) case runs in a fresh subprocess, so peaks never mix:

* build: ``Circuit`` + ``add_many`` + ``compile()`` (the MNA matrix ``A`` and ``b``);
* factor + solve: ``solver.factor(A).solve(b)``; the factorisation's description says what ran;
* op: ``circuit.op()`` end to end with a fresh instance of the solver (``--no-op`` skips it);
* peak RSS: ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` at the end (interpreter, circuit and
  all); "RSS before" is the same figure taken before the first factorisation.

The solution of each case is compared with SuperLU's (the default solver of
``xbar.mna.linsolve``) where that finished, else with ``superlu-thr0.1`` (SuperLU with
threshold partial pivoting 0.1, a bench-only variant: with the default threshold 1.0 SuperLU
leaves the diagonal on crossbars with unequal wire segments and fills in 50x more). The
difference is ``‖x − x_ref‖∞ / ‖x_ref‖∞``, taken separately over node voltages and over branch
currents, the larger reported.

Usage::

    python benchmarks/bench_solvers.py                      # N = 128 256 512
    python benchmarks/bench_solvers.py --big                # + 1024 (about 10 minutes)
    python benchmarks/bench_solvers.py --sizes 64 128 --solvers superlu cholmod
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
SOLVERS = ("superlu", "superlu-thr0.1", "cholmod", "amg-cg", "auto")
TARGETS = {512: (15.0, 4096.0), 1024: (120.0, 16384.0)}  # N -> (s, MB) for one operating point


def build_crossbar(n: int, seed: int = 1) -> Any:
    """The N x N crossbar circuit of the module docstring (seeded)."""
    import xbar

    rng = np.random.default_rng(seed)
    c = xbar.Circuit(f"crossbar {n}x{n} seed={seed}")
    rn = c.nodes([f"r{i}_{j}" for i in range(n) for j in range(n)]).reshape(n, n)
    cn = c.nodes([f"c{i}_{j}" for i in range(n) for j in range(n)]).reshape(n, n)
    drv = c.nodes([f"in{i}" for i in range(n)])
    gnd = np.full(n, -1)
    c.add_many("v", "in", np.column_stack([drv, gnd]), {"dc": rng.uniform(0.0, 0.2, n)})
    c.add_many("r", "src", np.column_stack([drv, rn[:, 0]]), {"r": 50.0})
    c.add_many("r", "x", np.column_stack([rn.ravel(), cn.ravel()]),
               {"r": rng.uniform(5e3, 30e3, n * n)})
    c.add_many("r", "wr", np.column_stack([rn[:, :-1].ravel(), rn[:, 1:].ravel()]),
               {"r": rng.uniform(1.0, 10.0, n * (n - 1))})
    c.add_many("r", "wc", np.column_stack([cn[:-1, :].ravel(), cn[1:, :].ravel()]),
               {"r": rng.uniform(1.0, 10.0, n * (n - 1))})
    c.add_many("v", "sense", np.column_stack([cn[-1, :], gnd]), {"dc": 0.0})
    return c


def make_solver(name: str) -> Any:
    """A solver instance by benchmark name."""
    if name == "superlu-thr0.1":
        return _ThresholdSuperLU()
    if name == "superlu":
        from xbar.mna.linsolve import SuperLUSolver

        return SuperLUSolver()
    from xbar.mna import solvers_large as sl

    return {"cholmod": sl.CholmodSolver, "amg-cg": sl.AmgCgSolver, "auto": sl.AutoSolver}[name]()


class _ThresholdSuperLU:
    """Bench-only: the default SuperLU (equilibrated, MMD_AT_PLUS_A) with diag_pivot_thresh 0.1."""

    name = "superlu-thr0.1"

    def factor(self, A: Any) -> Any:
        import scipy.sparse.linalg as spla

        from xbar.mna.linsolve import _SuperLUFactor, equilibrate

        As, r, c = equilibrate(A)
        lu = spla.splu(As, permc_spec="MMD_AT_PLUS_A", diag_pivot_thresh=0.1)
        return _SuperLUFactor(lu, r, c)


def _blas_of_cholmod() -> str:
    """Which libblas the CHOLMOD extension loaded (reference BLAS is 5-7x slower)."""
    try:
        import sksparse.cholmod  # noqa: F401
    except ImportError:
        return "scikit-sparse not installed"
    maps = Path("/proc/self/maps").read_text().split()
    libs = sorted({Path(p).resolve().as_posix() for p in maps if "libblas.so" in p})
    return ", ".join(libs) or "unknown"


def worker(n: int, solver_name: str, out: str, run_op: bool, mem_limit_gb: float) -> None:
    """One case (runs in a fresh interpreter); writes ``out`` (.npy) and ``out``.json."""
    if mem_limit_gb > 0:  # address-space cap: a runaway case fails alone, not the machine
        cap = int(mem_limit_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    t0 = time.perf_counter()
    circuit = build_crossbar(n)
    system = circuit.compile()
    A = system.matrix(system.g_data)
    b = system.rhs(None)
    t_build = time.perf_counter() - t0
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    solver = make_solver(solver_name)
    t1 = time.perf_counter()
    fac = solver.factor(A)
    t2 = time.perf_counter()
    x = fac.solve(b)
    t3 = time.perf_counter()
    residual = float(np.linalg.norm(b - A @ x) / np.linalg.norm(b))
    info: dict[str, Any] = {
        "n": n, "solver": solver_name, "unknowns": int(system.n), "n_nodes": int(system.n_nodes),
        "nnz": int(A.nnz), "build_s": t_build, "factor_s": t2 - t1, "solve_s": t3 - t2,
        "rss_before_mb": rss_before / 1024.0, "residual": residual,
        "description": getattr(fac, "description", solver_name), "blas": _blas_of_cholmod(),
    }
    np.save(out, x)
    del fac
    if run_op:
        system.solver = make_solver(solver_name)
        t4 = time.perf_counter()
        result = circuit.op()
        info["op_s"] = time.perf_counter() - t4
        del result
    info["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    Path(out + ".json").write_text(json.dumps(info))


def _run_case(n: int, solver: str, tmp: Path, timeout: float, run_op: bool,
              mem_limit_gb: float) -> dict[str, Any]:
    out = str(tmp / f"x_{n}_{solver}.npy")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(n), solver, out,
           "--mem-limit", str(mem_limit_gb)]
    if not run_op:
        cmd.append("--no-op")
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"n": n, "solver": solver, "error": f"timeout after {timeout:.0f} s"}
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"n": n, "solver": solver, "error": f"exit {proc.returncode}: {last[:120]}"}
    info = json.loads(Path(out + ".json").read_text())
    info["wall_s"] = time.perf_counter() - t0
    info["x_path"] = out
    return info


def _rel_diff(x: np.ndarray, ref: np.ndarray, n_nodes: int) -> float:
    worst = 0.0
    for sl in (slice(0, n_nodes), slice(n_nodes, None)):
        scale = float(np.max(np.abs(ref[sl]))) if ref[sl].size else 0.0
        if scale > 0.0:
            worst = max(worst, float(np.max(np.abs(x[sl] - ref[sl]))) / scale)
    return worst


def _fmt(v: Any, spec: str) -> str:
    return "–" if v is None else format(v, spec)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", type=int, nargs="+", default=[128, 256, 512])
    p.add_argument("--big", action="store_true", help="also N = 1024")
    p.add_argument("--solvers", nargs="+", choices=SOLVERS, default=list(SOLVERS))
    p.add_argument("--superlu-max", type=int, default=128,
                   help="largest N for the default SuperLU (it takes minutes at 128)")
    p.add_argument("--thr-max", type=int, default=512, help="largest N for superlu-thr0.1")
    p.add_argument("--skip", nargs="+", default=[], metavar="SOLVER:N",
                   help="cases to leave out, e.g. superlu:256")
    p.add_argument("--timeout", type=float, default=900.0, help="per case, s")
    p.add_argument("--mem-limit", type=float, default=16.0,
                   help="address-space cap per case, GB (0: none); the 1024 target is 16 GB")
    p.add_argument("--no-op", action="store_true", help="skip the end-to-end circuit.op() timing")
    p.add_argument("--worker", nargs=3, metavar=("N", "SOLVER", "OUT"), help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.worker:
        worker(int(a.worker[0]), a.worker[1], a.worker[2], not a.no_op, a.mem_limit)
        return 0
    sizes = sorted(set(a.sizes + ([1024] if a.big else [])))
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        for n in sizes:
            case_rows = []
            for solver in a.solvers:
                if ((solver == "superlu" and n > a.superlu_max) or f"{solver}:{n}" in a.skip
                        or (solver == "superlu-thr0.1" and n > a.thr_max)):
                    case_rows.append({"n": n, "solver": solver, "error": "skipped (too slow)"})
                    continue
                info = _run_case(n, solver, tmp, a.timeout, not a.no_op, a.mem_limit)
                print(f"N={n} {solver}: " + (info.get("error") or
                      f"{info['factor_s'] + info['solve_s']:.2f} s, peak {info['peak_mb']:.0f} MB; "
                      f"{info['description']}"), file=sys.stderr, flush=True)
                case_rows.append(info)
            ref = next((r for name in ("superlu", "superlu-thr0.1")
                        for r in case_rows if r["solver"] == name and "x_path" in r), None)
            for r in case_rows:
                if "x_path" in r and ref is not None:
                    r["diff"] = _rel_diff(np.load(r["x_path"]), np.load(ref["x_path"]), r["n_nodes"])
                    r["ref"] = ref["solver"]
            rows.extend(case_rows)
    blas = next((r["blas"] for r in rows if "blas" in r), "?")
    print(f"\nCHOLMOD's BLAS: {blas}\n")
    print("| N | unknowns | solver | factor+solve (s) | op end to end (s) | RSS before (MB) | "
          "peak RSS (MB) | max rel diff | vs | residual | what ran |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if "error" in r:
            print(f"| {r['n']} | – | {r['solver']} | {r['error']} | | | | | | | |")
            continue
        fs = r["factor_s"] + r["solve_s"]
        print(f"| {r['n']} | {r['unknowns']} | {r['solver']} | {fs:.2f} | {_fmt(r.get('op_s'), '.2f')} | "
              f"{r['rss_before_mb']:.0f} | {r['peak_mb']:.0f} | {_fmt(r.get('diff'), '.1e')} | "
              f"{r.get('ref', '–')} | {r['residual']:.1e} | {r['description']} |")
    for n, (secs, mb) in TARGETS.items():
        for r in rows:
            if r["n"] == n and "error" not in r and r["solver"] in ("auto", "cholmod", "amg-cg"):
                t = r.get("op_s", r["factor_s"] + r["solve_s"]) + r["build_s"]
                ok = t <= secs and r["peak_mb"] <= mb
                print(f"target N={n} ({secs:.0f} s, {mb / 1024:.0f} GB) with {r['solver']}: build+op "
                      f"{t:.1f} s, peak {r['peak_mb']:.0f} MB -> {'met' if ok else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
