"""Command line: ``xbar run deck.cir [--csv FILE] [--raw FILE]``.

Every :class:`~xbar.errors.XbarError` becomes one clear message on stderr and exit status 1;
no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from xbar import __version__
from xbar.errors import XbarError

__all__ = ["main"]


def _fmt(v: float) -> str:
    return f"{v: .6e}"


def _print_op(result: Any, out: Any) -> None:
    names = [n for n in result.names if n.startswith("v(")]
    currents = [n for n in result.names if n.startswith("i(")]
    others = [n for n in result.names if n.startswith("@")]
    print("\nOperating point:", file=out)
    if names:
        print(f"\t{'Node':<32}{'Voltage':>16}", file=out)
        print(f"\t{'----':<32}{'-------':>16}", file=out)
        for n in names:
            print(f"\t{n:<32}{_fmt(result[n]):>16}", file=out)
    if currents:
        print(f"\n\t{'Source':<32}{'Current':>16}", file=out)
        print(f"\t{'------':<32}{'-------':>16}", file=out)
        for n in currents:
            print(f"\t{n:<32}{_fmt(result[n]):>16}", file=out)
    for n in others:
        print(f"\t{n:<32}{_fmt(result[n]):>16}", file=out)


def _print_table(result: Any, vectors: list[str], out: Any) -> None:
    cols = [result.scale_name] if result.scale_name else []
    cols += [v for v in vectors if v not in cols]
    if "all" in cols:
        cols = list(result.names)
    arrays = [np.atleast_1d(result[c]) for c in cols]
    print("\n" + "".join(f"{h:<18}" for h in ["Index", *cols]), file=out)
    print("-" * 18 * (len(cols) + 1), file=out)
    for i in range(len(arrays[0])):
        print(f"{i:<18}" + "".join(f"{_fmt(a[i]):<18}" for a in arrays), file=out)


def _run(args: argparse.Namespace) -> int:
    from xbar.netlist.elaborate import read_netlist

    t0 = time.perf_counter()
    deck = read_netlist(args.deck)
    t_parse = time.perf_counter() - t0
    out = sys.stdout
    if not args.quiet:
        print(f"Circuit: {deck.title}", file=out)
        print(f"  {deck.circuit.element_count()} elements, {len(deck.circuit.node_names)} nodes "
              f"(read in {t_parse:.3f} s)", file=out)
    if not deck.analyses:
        print("no analysis card (.op, .dc, .tran) in the deck; nothing to run", file=sys.stderr)
        return 1
    t1 = time.perf_counter()
    results = deck.run()
    t_run = time.perf_counter() - t1
    for card, result in zip(deck.analyses, results, strict=True):
        if args.quiet:
            continue
        requested = [v for a, vs, _ in deck.prints if a == result.kind for v in vs]
        if result.kind == "op":
            _print_op(result, out)
        elif requested:
            _print_table(result, requested, out)
        else:
            n = len(result.data)
            print(f"\n{card.card.text.strip()}: {n} points, {len(result.names)} vectors "
                  "(add .print or use --csv/--raw to see them)", file=out)
    if args.csv:
        base = Path(args.csv)
        for k, (card, result) in enumerate(zip(deck.analyses, results, strict=True), start=1):
            path = base if len(results) == 1 else base.with_name(f"{base.stem}-{k}-{card.kind}{base.suffix or '.csv'}")
            result.to_csv(path, _saved(deck, result))
            if not args.quiet:
                print(f"wrote {path}", file=out)
    if args.raw:
        from xbar.io.export import results_to_plots
        from xbar.io.rawfile import write_rawfile

        write_rawfile(args.raw, results_to_plots(results, title=deck.title))
        if not args.quiet:
            print(f"wrote {args.raw}", file=out)
    if not args.quiet:
        print(f"\nanalyses done in {t_run:.3f} s", file=out)
    return 0


def _saved(deck: Any, result: Any) -> list[str] | None:
    if not deck.saves or "all" in deck.saves:
        return None
    return [v for v in deck.saves if v in result]


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``xbar`` console script."""
    parser = argparse.ArgumentParser(prog="xbar", description="SPICE-style simulator for spintronic crossbars")
    parser.add_argument("--version", action="version", version=f"xbar {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the analyses of an ngspice-dialect deck")
    run.add_argument("deck", help="netlist file")
    run.add_argument("--csv", metavar="FILE", help="write results as CSV (one file per analysis)")
    run.add_argument("--raw", metavar="FILE", help="write an ngspice-compatible ASCII rawfile")
    run.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    args = parser.parse_args(argv)
    try:
        return _run(args)
    except XbarError as exc:
        print(f"xbar: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("xbar: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
