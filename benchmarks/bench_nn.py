"""Neural-network benchmark: whole test sets through 784-128-10 on simulated tiles.

For a 784-128-10 sigmoid network (trained here, or loaded with ``--weights``) mapped with the
signed scheme onto 3-cell compound SOT-MTJs (t_F = 1.9 nm) on 128×128 tiles with 1 Ω per
wire segment, TIA sensing, 0.1 V reads and 8-bit converters, it times:

* ``ideal``: the quantised network as numpy matrix products;
* ``linear, exact IR drop``: set-up (build every tile, its exact effective matrix by adjoint
  solves) and the throughput afterwards (images/s), on the MNIST 2k test set and, where the
  Debian package is installed, the Fashion-MNIST 10k test set;
* ``naive``: one circuit solve per image and tile (``CrossbarSolver.op``), on ``--naive``
  images, extrapolated per image;
* ``device cells``: bias-dependent compound SOT-MTJ cells (and two-terminal MTJs with the same
  levels), exact per image (:class:`xbar.crossbar.ports.PortSolver`, Newton to 1e-11), on
  ``--device-images`` images; time per image and for 10,000 images (extrapolated unless
  ``--device-images 10000``), peak memory;
* ``relaxation``: the CrossSim-style fixed-point iteration (:func:`xbar.crossbar.fixed_point_solve`)
  on one tile of the same conductances for one image: sweeps, time, whether it converged.

Prints a Markdown table (and writes ``benchmarks/results_nn.csv``). Times are wall-clock on
this machine in one run; never asserted.

Usage::

    python benchmarks/bench_nn.py                           # quick: 200 device-cell images
    python benchmarks/bench_nn.py --device-images 10000     # the full device-cell target
"""

from __future__ import annotations

import argparse
import csv
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--weights", help="784-128-10 weights (.npz); default: train 40 epochs on the 10k MNIST set")
    ap.add_argument("--epochs", type=int, default=40)
    ap.add_argument("--naive", type=int, default=5, help="images for the naive per-image circuit solve")
    ap.add_argument("--device-images", type=int, default=200, help="images through bias-dependent cells")
    ap.add_argument("--skip-mtj", action="store_true", help="skip the two-terminal MTJ device run")
    ap.add_argument("--csv", default=str(HERE / "results_nn.csv"))
    args = ap.parse_args(argv)

    from xbar.crossbar import fixed_point_solve
    from xbar.datasets import load_fashion_mnist, load_mnist10k
    from xbar.errors import DataError
    from xbar.nn import MLP, HardwareConfig, HardwareNetwork, LevelSet, train_mlp

    rows: list[dict[str, Any]] = []

    def add(case: str, images: int, seconds: float, note: str = "", **extra: Any) -> None:
        per = seconds / images if images else float("nan")
        rows.append({"case": case, "images": images, "seconds": seconds, "ms_per_image": per * 1e3,
                     "images_per_s": (images / seconds) if seconds > 0 else float("inf"),
                     "peak_mb": _rss_mb(), "note": note, **extra})
        print(f"  {case}: {images} images in {seconds:.3f} s ({per * 1e3:.3f} ms/image) {note}", flush=True)

    mnist = load_mnist10k()
    x, y = mnist.train()
    xt, yt = mnist.test()
    if args.weights:
        net = MLP.load(args.weights)
    else:
        t0 = time.perf_counter()
        net = train_mlp(x, y, (784, 128, 10), epochs=args.epochs, seed=0)
        print(f"trained 784-128-10 in {time.perf_counter() - t0:.1f} s")
    levels = LevelSet.sot(1.9e-9, 3)
    cfg = HardwareConfig(r_wire=1.0)
    sets = [("MNIST 2k", xt, yt)]
    try:
        fm = load_fashion_mnist()
        sets.append(("Fashion 10k", *fm.test()))
    except DataError as exc:
        print(f"(Fashion-MNIST skipped: {exc})")

    # ideal and linear-cell circuit ---------------------------------------------------------
    hn = HardwareNetwork(net, levels, config=cfg)
    t0 = time.perf_counter()
    for lay in hn.hardware_layers("linear"):
        lay.build()
    setup = time.perf_counter() - t0
    hn.calibrate(x[-500:], "linear")
    tiles = sum(len(lay.tiles) for lay in hn.hardware_layers("linear"))
    print(f"set-up of {tiles} tiles (build + exact effective matrices): {setup:.2f} s")
    rows.append({"case": "linear set-up (all tiles)", "images": 0, "seconds": setup, "ms_per_image": float("nan"),
                 "images_per_s": float("nan"), "peak_mb": _rss_mb(), "note": f"{tiles} tiles"})
    for name, xs, ys in sets:
        # the network is trained on MNIST: on Fashion-MNIST images only the throughput means anything
        mnist = name.startswith("MNIST")
        t0 = time.perf_counter()
        acc_q = hn.evaluate(xs, ys, modes=("quantized",))["quantized"].accuracy
        add(f"ideal (quantised numpy), {name}", len(xs), time.perf_counter() - t0,
            f"accuracy {acc_q * 100:.2f} %" if mnist else "throughput only (MNIST weights)")
        t0 = time.perf_counter()
        z, _ = hn.logits(xs, "linear")
        dt = time.perf_counter() - t0
        acc = float(np.mean(np.argmax(z, axis=1) == ys))
        add(f"linear cells, exact IR drop, {name}", len(xs), dt,
            f"accuracy {acc * 100:.2f} %" if mnist else "throughput only (MNIST weights)")

    # naive: one circuit solve per image and tile --------------------------------------------
    lay0 = hn.hardware_layers("linear")
    t0 = time.perf_counter()
    for img in xt[: args.naive]:
        h = img[None, :]
        for l, lay in enumerate(lay0):
            v = lay.dac(h)[0]
            out = np.zeros(lay.mapped.shape[1])
            for t in lay.tiles:
                i = t.array.op(v[t.rows]).i_col @ t.combine
                out[t.outputs] += lay.adc(t, i[None, :])[0]
            y_l = out * (lay.mapped.scale * lay.h_max / (cfg.v_read * lay.mapped.unit)) + net.biases[l]
            h = hn.activation(y_l)[None, :] if l == 0 else y_l[None, :]
    add("naive (one solve per image and tile)", args.naive, time.perf_counter() - t0, "after set-up")

    # device cells ------------------------------------------------------------------------------
    kinds = [("compound SOT-MTJ (3 cells)", levels)]
    if not args.skip_mtj:
        kinds.append(("two-terminal MTJ", LevelSet.mtj({"rp": levels.device["rp"], "tmr0": levels.device["tmr"],
                                                         "vh": 0.5})))
    n_dev = args.device_images
    for label, lv in kinds:
        hd = HardwareNetwork(net, lv, config=cfg)
        t0 = time.perf_counter()
        for lay in hd.hardware_layers("device"):
            lay.build()
        setup_d = time.perf_counter() - t0
        hd.calibrate(x[-200:], "device")
        xs, ys = (sets[-1][1], sets[-1][2]) if n_dev > len(xt) else (xt, yt)
        xs, ys = xs[:n_dev], ys[:n_dev]
        t0 = time.perf_counter()
        z, _errs = hd.logits(xs, "device")
        dt = time.perf_counter() - t0
        acc = float(np.mean(np.argmax(z, axis=1) == ys))
        res = max(t.stats.get("residual", 0.0) for lay in hd.hardware_layers("device") for t in lay.tiles)
        add(f"device cells: {label}", len(xs), dt,
            f"accuracy {acc * 100:.2f} %, set-up {setup_d:.1f} s, max residual {res:.1e} V, "
            f"10,000 images ≈ {dt / len(xs) * 1e4 / 60:.1f} min")

    # CrossSim-style relaxation on one tile --------------------------------------------------------
    t = lay0[0].tiles[3]
    v = lay0[0].dac(xt[:1])[0, t.rows]
    for gamma in (1.0, 0.5):
        t0 = time.perf_counter()
        rel = fixed_point_solve(t.g, v, cfg.rows_wire, cfg.cols_wire, gamma=gamma, tol=1e-9, maxiter=2000)
        dt = time.perf_counter() - t0
        ref = t.array.op(v).i_col
        err = float(np.max(np.abs(rel.i_col - ref)) / np.max(np.abs(ref)))
        add(f"relaxation (γ = {gamma}), one tile", 1, dt,
            f"{'converged' if rel.converged else 'NOT converged'} after {rel.iterations} sweeps, error {err:.1e}")

    print("\n| case | images | total s | ms/image | images/s | peak MB | note |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in rows:
        print(f"| {r['case']} | {r['images']} | {r['seconds']:.3f} | {r['ms_per_image']:.3f} | "
              f"{r['images_per_s']:.0f} | {r['peak_mb']:.0f} | {r['note']} |")
    with open(args.csv, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(f"\nwrote {args.csv}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
