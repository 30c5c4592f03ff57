"""``xbar nn``: train, map and evaluate networks on simulated crossbars from the command line.

::

    xbar nn train --data mnist10k --sizes 784,128,10 --epochs 40 --out net.npz
    xbar nn map net.npz --levels sot:tf=1.9n,ncell=3 --plots plots/
    xbar nn evaluate net.npz --data mnist10k --levels sot:tf=1.9n,ncell=3 \\
        --modes float,quantized,circuit --r-wire 1 --csv results.csv --json results.json

Level specifications (``--levels``), values with SPICE suffixes:

* ``sot:tf=1.9n,ncell=3[,spread][,card=kumar_sot_t19][,lib=FILE]`` — compound SOT-MTJ
  (Kumar 2024 card);
* ``rp-tmr:rp=10k,tmr=1.6,n=4[,sigma=0.05]`` — ``n`` states evenly spaced between ``1/R_AP``
  and ``1/R_P`` (``sigma``: relative device-to-device spread);
* ``mtj:card=NAME,lib=FILE[,spread]`` — a two-terminal ``mtj`` card;
* ``g:10u,20u,40u`` — a list of conductances [S].

``spread`` (sot, mtj: the card's spreads) or ``sigma=`` (rp-tmr) give the ``spread`` mode its
device-to-device variation.

This module imports only argparse at load time; the work is imported when a command runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["configure", "parse_levels", "run"]


def configure(nn: argparse.ArgumentParser) -> None:
    """Add the sub-commands of ``xbar nn`` (train, map, evaluate) to its parser."""
    cmds = nn.add_subparsers(dest="nn_command", required=True)

    tr = cmds.add_parser("train", help="train a dense network (numpy, Adam) and save its weights (.npz)")
    _data_args(tr)
    tr.add_argument("--sizes", default="784,128,10", help="layer widths, inputs first (default 784,128,10)")
    tr.add_argument("--activation", default="sigmoid", help="sigmoid, relu, tanh or li2022 (default sigmoid)")
    tr.add_argument("--epochs", type=int, default=40)
    tr.add_argument("--batch-size", type=int, default=32)
    tr.add_argument("--lr", type=float, default=1e-3)
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--out", required=True, help="weights file to write (.npz)")
    tr.add_argument("--csv", help="write the per-epoch history as CSV")
    tr.add_argument("-q", "--quiet", action="store_true")

    mp = cmds.add_parser("map", help="map a network's weights onto device levels and report the mapping")
    mp.add_argument("weights", help="weights file (.npz from 'xbar nn train')")
    _map_args(mp)
    mp.add_argument("--out", help="write every layer's conductances and level indices (.npz)")
    mp.add_argument("--plots", help="folder for the weight-histogram plot")

    ev = cmds.add_parser("evaluate", help="evaluate a network on devices: float, quantised, spread, circuit, device")
    ev.add_argument("weights", help="weights file (.npz from 'xbar nn train')")
    _data_args(ev)
    _map_args(ev)
    ev.add_argument("--modes", default="float,quantized,circuit",
                    help="comma list of float, quantized, spread, circuit, device (default float,quantized,circuit)")
    ev.add_argument("--r-wire", type=_num, default=1.0, help="wire resistance per segment [Ω] (default 1)")
    ev.add_argument("--r-driver", type=_num, default=0.0, help="row driver resistance [Ω] (default 0)")
    ev.add_argument("--tile", default="128x128", help="tile size ROWSxCOLS, or 'full' (default 128x128)")
    ev.add_argument("--sense", default="tia", choices=("tia", "ammeter", "resistor"))
    ev.add_argument("--tia-gain", type=_num, default=1e5)
    ev.add_argument("--v-read", type=_num, default=0.1, help="row voltage at full-scale input [V] (default 0.1)")
    ev.add_argument("--dac-bits", type=_bits, default=8, help="DAC bits or 'none' (default 8)")
    ev.add_argument("--adc-bits", type=_bits, default=8, help="ADC bits or 'none' (default 8)")
    ev.add_argument("--n-test", type=int, default=0, help="evaluate the first N test images (default: all)")
    ev.add_argument("--n-cal", type=int, default=500, help="calibration images: the last N training images (default 500)")
    ev.add_argument("--seed", type=int, default=0, help="seed of the device-spread draws")
    ev.add_argument("--workers", type=int, default=1, help="processes for the device mode (default 1)")
    ev.add_argument("--csv", help="write one row per mode (CSV)")
    ev.add_argument("--json", help="write all results with confusion matrices (JSON)")
    ev.add_argument("--plots", help="folder for confusion-matrix and IR-drop plots")
    ev.add_argument("-q", "--quiet", action="store_true")


def _data_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", default="mnist10k", help="mnist10k, fashion-mnist, mnist or a folder of the four IDX files")
    p.add_argument("--data-path", help="folder of the data set (default: see xbar.datasets)")


def _map_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--levels", default="sot:tf=1.9n,ncell=3", help="device levels (module doc; default sot:tf=1.9n,ncell=3)")
    p.add_argument("--scheme", default="signed", choices=("signed", "differential", "offset"))
    p.add_argument("--scale", default="maxabs", help="maxabs, mmse or a number (default maxabs)")


def _num(text: str) -> float:
    from xbar.units import parse_number

    v = parse_number(text)
    if v is None:
        raise argparse.ArgumentTypeError(f"expected a number (SPICE suffixes allowed), got {text!r}")
    return v


def _bits(text: str) -> int | None:
    if text.lower() in ("none", "ideal", "off"):
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of bits or 'none', got {text!r}") from None


def parse_levels(spec: str) -> Any:
    """A :class:`~xbar.nn.levels.LevelSet` from a ``--levels`` specification (module docstring)."""
    from xbar.errors import ParameterError
    from xbar.nn.levels import LevelSet
    from xbar.units import parse_number

    kind, _, rest = spec.partition(":")
    kind = kind.strip().lower()
    fields: dict[str, str] = {}
    flags: set[str] = set()
    items = [f.strip() for f in rest.split(",") if f.strip()]
    if kind == "g":
        values = [parse_number(f) for f in items]
        if not values or any(v is None for v in values):
            raise ParameterError(f"--levels {spec!r}: expected g:<conductance>,<conductance>,… in siemens")
        return LevelSet.from_conductances([float(v) for v in values if v is not None])
    for f in items:
        if "=" in f:
            k, v = f.split("=", 1)
            fields[k.strip().lower()] = v.strip()
        else:
            flags.add(f.lower())

    def num(key: str, default: float | None = None) -> float:
        if key not in fields:
            if default is None:
                raise ParameterError(f"--levels {spec!r}: missing {key}=")
            return default
        v = parse_number(fields[key])
        if v is None:
            raise ParameterError(f"--levels {spec!r}: {key}={fields[key]!r} is not a number")
        return v

    known = {"sot": {"tf", "ncell", "card", "lib"}, "rp-tmr": {"rp", "tmr", "n", "sigma"}, "mtj": {"card", "lib"}}
    if kind not in known:
        raise ParameterError(f"--levels {spec!r}: unknown kind '{kind}'; expected sot:, rp-tmr:, mtj: or g:")
    extra = set(fields) - known[kind]
    if extra or flags - {"spread"}:
        raise ParameterError(f"--levels {spec!r}: unknown field(s) {sorted(extra | (flags - {'spread'}))}; "
                             f"{kind} takes {', '.join(sorted(known[kind]))} and 'spread'")
    if kind == "sot":
        n = num("ncell", 1.0)
        if n != round(n):
            raise ParameterError(f"--levels {spec!r}: ncell must be an integer")
        return LevelSet.sot(num("tf", 1.6e-9), round(n), card=fields.get("card", "kumar_sot_t16"),
                            lib=fields.get("lib"), spread="spread" in flags)
    if kind == "rp-tmr":
        n = num("n")
        if n != round(n):
            raise ParameterError(f"--levels {spec!r}: n must be an integer")
        return LevelSet.from_rp_tmr(num("rp"), num("tmr"), round(n), rel_sigma=num("sigma", 0.0))
    if "card" not in fields:
        raise ParameterError(f"--levels {spec!r}: mtj levels need card=NAME (and lib=FILE)")
    return LevelSet.mtj(fields["card"], fields.get("lib"), spread="spread" in flags)


def _scale(text: str) -> Any:
    from xbar.errors import ParameterError
    from xbar.units import parse_number

    if text in ("maxabs", "mmse"):
        return text
    v = parse_number(text)
    if v is None or not v > 0:
        raise ParameterError(f"--scale must be maxabs, mmse or a positive number, got {text!r}")
    return v


def _tile(text: str) -> tuple[int, int]:
    from xbar.errors import ParameterError

    if text.lower() == "full":
        return 0, 0
    parts = text.lower().split("x")
    try:
        r, c = (int(p) for p in parts)
    except ValueError:
        raise ParameterError(f"--tile must be ROWSxCOLS (e.g. 128x128) or 'full', got {text!r}") from None
    return r, c


def run(args: argparse.Namespace) -> int:
    """Run an ``xbar nn`` sub-command (errors propagate as :class:`~xbar.errors.XbarError`)."""
    return {"train": _train, "map": _map, "evaluate": _evaluate}[args.nn_command](args)


def _load_data(args: argparse.Namespace) -> Any:
    from xbar.datasets import load_dataset

    return load_dataset(args.data, args.data_path)


def _train(args: argparse.Namespace) -> int:
    import csv

    from xbar.errors import ParameterError
    from xbar.nn.mlp import train_mlp

    try:
        sizes = [int(s) for s in args.sizes.split(",")]
    except ValueError:
        raise ParameterError(f"--sizes must be comma-separated integers, got {args.sizes!r}") from None
    data = _load_data(args)
    x, y = data.train()
    xt, yt = data.test()
    if not args.quiet:
        print(f"{data!r}; training {'-'.join(map(str, sizes))} ({args.activation}) for {args.epochs} epochs")
    net = train_mlp(x, y, sizes, activation=args.activation, epochs=args.epochs, batch_size=args.batch_size,
                    lr=args.lr, seed=args.seed, x_val=xt, y_val=yt, progress=not args.quiet)
    net.meta["data"] = data.name
    net.save(args.out)
    hist = net.meta["history"]
    if args.csv:
        with open(args.csv, "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(hist[0]))
            w.writeheader()
            w.writerows(hist)
    if not args.quiet:
        print(f"test accuracy {hist[-1]['val_accuracy'] * 100:.2f} %; wrote {args.out}")
    return 0


def _network(args: argparse.Namespace, config: Any = None) -> Any:
    from xbar.nn.mlp import MLP
    from xbar.nn.network import HardwareNetwork

    net = MLP.load(args.weights)
    levels = parse_levels(args.levels)
    return HardwareNetwork(net, levels, scheme=args.scheme, scale=_scale(args.scale), config=config,
                           seed=getattr(args, "seed", 0))


def _map(args: argparse.Namespace) -> int:
    import numpy as np

    hn = _network(args)
    print(f"levels: {hn.levels.description}")
    print(f"        G = {', '.join(f'{g * 1e6:.3f}' for g in hn.levels.g)} µS")
    print(f"\n{'layer':<8}{'shape':>12}{'scale':>12}{'rms q-error':>14}{'devices':>10}")
    arrays: dict[str, Any] = {"levels": hn.levels.g}
    for l, m in enumerate(hn.mapped):
        devices = int(np.sum(m.level_plus >= 0) + np.sum(m.level_minus >= 0))
        print(f"{l + 1:<8}{f'{m.shape[0]}x{m.shape[1]}':>12}{m.scale:>12.4g}{m.quantization_error():>14.4f}{devices:>10}")
        arrays.update({f"g_plus{l}": m.g_plus, f"g_minus{l}": m.g_minus, f"level_plus{l}": m.level_plus,
                       f"level_minus{l}": m.level_minus, f"quantized{l}": m.quantized})
    if args.out:
        np.savez_compressed(args.out, **arrays)
        print(f"wrote {args.out}")
    if args.plots:
        from xbar.nn.plots import plot_weight_histogram

        Path(args.plots).mkdir(parents=True, exist_ok=True)
        out = Path(args.plots) / "weights.png"
        plot_weight_histogram(hn.mapped, out)
        print(f"wrote {out}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from xbar.errors import ParameterError
    from xbar.nn.hardware import HardwareConfig
    from xbar.nn.network import MODES

    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    bad = [m for m in modes if m not in MODES]
    if bad:
        raise ParameterError(f"--modes: unknown {bad}; expected some of {', '.join(MODES)}")
    tr, tc = _tile(args.tile)
    cfg = HardwareConfig(tile_rows=tr, tile_cols=tc, r_wire=args.r_wire, r_driver=args.r_driver, sense=args.sense,
                         tia_gain=args.tia_gain, v_read=args.v_read, dac_bits=args.dac_bits, adc_bits=args.adc_bits)
    hn = _network(args, cfg)
    data = _load_data(args)
    x, y = data.test()
    if args.n_test:
        if args.n_test < 1:
            raise ParameterError(f"--n-test must be ≥ 1, got {args.n_test}")
        x, y = x[: args.n_test], y[: args.n_test]
    xtr, _ = data.train()
    if not 1 <= args.n_cal <= len(xtr):
        raise ParameterError(f"--n-cal must be in 1 … {len(xtr)}, got {args.n_cal}")
    x_cal = xtr[-args.n_cal :]
    if not args.quiet:
        print(f"{data!r}: {len(x)} test images; network {'-'.join(map(str, hn.net.sizes))} ({hn.net.activation})")
        print(f"levels: {hn.levels.description}; scheme {hn.scheme}; read {cfg.v_read:g} V "
              f"(breakdown limit {hn.read['v_breakdown_min']:.3g} V, read disturb {hn.read['p_disturb']:.1e} per read)")
    ev = hn.evaluate(x, y, modes=modes, x_cal=x_cal, progress=not args.quiet, workers=args.workers)
    if not args.quiet:
        print()
        print(ev.table())
    if args.csv:
        ev.to_csv(args.csv)
    if args.json:
        ev.to_json(args.json)
    if args.plots:
        from xbar.nn.plots import plot_confusion, plot_tile_ir_drop

        folder = Path(args.plots)
        folder.mkdir(parents=True, exist_ok=True)
        for mode, r in ev.results.items():
            plot_confusion(r, folder / f"confusion_{mode}.png", classes=data.classes)
        plot_tile_ir_drop(hn, x[0], folder / "ir_drop.png")
    if not args.quiet:
        for f in (args.csv, args.json, args.plots):
            if f:
                print(f"wrote {f}")
    sys.stdout.flush()
    return 0
