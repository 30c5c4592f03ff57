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


def _print_results(deck: Any, cards: list[Any], results: list[Any], out: Any) -> None:
    """Operating points, ``.print`` tables and ``.meas`` blocks of analyses run in batch."""
    from xbar.analysis.measure import report

    tables = []
    for card, result in zip(cards, results, strict=True):
        requested = [v for a, vs, _ in deck.prints if a == result.kind for v in vs]
        if result.kind == "op":
            _print_op(result, out)
        elif requested:
            tables.append((result, requested))
        else:
            n = len(result.data)
            print(f"\n{card.card.text.strip()}: {n} points, {len(result.names)} vectors "
                  "(add .print or use --csv/--raw to see them)", file=out)
        text = report(result.measure_outcomes, result.kind)
        if text:
            out.write(text)
    for result, requested in tables:  # as ngspice: .print tables after the analyses
        _print_table(result, requested, out)


def _write_measurements(path: Path, results: list[Any]) -> bool:
    """``<csv>-meas.csv``: analysis, name, value and status of every measurement (False: none)."""
    import csv

    rows = [(k, r.kind, o.spec.name, "" if o.value is None else repr(float(o.value)),
             "ok" if o.value is not None else f"failed: {o.error}")
            for k, r in enumerate(results, start=1) for o in getattr(r, "measure_outcomes", [])]
    if not rows:
        return False
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["analysis_index", "analysis", "name", "value", "status"])
        w.writerows(rows)
    return True


def _run(args: argparse.Namespace) -> int:
    import warnings

    from xbar.errors import XbarWarning
    from xbar.netlist.elaborate import read_netlist

    def show(message: Any, category: Any, filename: str, lineno: int, file: Any = None,
             line: Any = None) -> None:
        print(f"xbar: warning: {message}", file=sys.stderr)

    if not getattr(warnings, "_xbar_cli", False):
        default_show = warnings.showwarning

        def route(message: Any, category: Any, *rest: Any, **kw: Any) -> None:
            (show if issubclass(category, XbarWarning) else default_show)(message, category, *rest, **kw)

        warnings.showwarning = route
        warnings._xbar_cli = True  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    deck = read_netlist(args.deck)
    t_parse = time.perf_counter() - t0
    out = sys.stdout
    if not args.quiet:
        print(f"Circuit: {deck.title}", file=out)
        print(f"  {deck.circuit.element_count()} elements, {len(deck.circuit.node_names)} nodes "
              f"(read in {t_parse:.3f} s)", file=out)
    if not deck.analyses and deck.control is None:
        print("no analysis card (.op, .dc, .tran) in the deck; nothing to run", file=sys.stderr)
        return 1
    t1 = time.perf_counter()
    results: list[Any] = []
    if deck.control is not None:
        import io

        from xbar.netlist.control import ControlSession

        # as ngspice -b: the control script first, then (unless it quits) the analysis cards
        session = ControlSession(deck, io.StringIO() if args.quiet else out).run()
        results.extend(session.results)
        if not session.quit and deck.analyses:
            batch = deck.run()
            if not args.quiet:
                _print_results(deck, deck.analyses, batch, out)
            results.extend(batch)
    else:
        results = deck.run()
        if not args.quiet:
            _print_results(deck, deck.analyses, results, out)
    t_run = time.perf_counter() - t1
    if args.csv:
        base = Path(args.csv)
        for k, result in enumerate(results, start=1):
            path = base if len(results) == 1 else base.with_name(f"{base.stem}-{k}-{result.kind}{base.suffix or '.csv'}")
            result.to_csv(path, _saved(deck, result))
            if not args.quiet:
                print(f"wrote {path}", file=out)
        meas_path = base.with_name(f"{base.stem}-meas.csv")
        if _write_measurements(meas_path, results) and not args.quiet:
            print(f"wrote {meas_path}", file=out)
    if args.raw:
        from xbar.io.export import results_to_plots
        from xbar.io.rawfile import write_rawfile

        write_rawfile(args.raw, results_to_plots(results, title=deck.title))
        if not args.quiet:
            print(f"wrote {args.raw}", file=out)
    if not args.quiet:
        print(f"\nanalyses done in {t_run:.3f} s", file=out)
    return 0


def _reproduce(args: argparse.Namespace) -> int:
    import os

    os.environ.setdefault("MPLBACKEND", "Agg")
    from xbar.reproduce import MODULES, build_table, to_json, to_markdown

    modules = MODULES if not args.only else tuple(f"xbar.reproduce.{m}" for m in args.only)
    plots = Path(args.plots)
    rows = build_table(plots, modules)
    if args.json:
        print(to_json(rows))
        return 0
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rel = os.path.relpath(plots, out.parent)
    header = ("# Reproduction of the papers' figures\n\n"
              "Generated by `xbar reproduce` (do not edit by hand). Each row: the published value, "
              "xbar's value, and the command that produced it. `differs` and `not reproduced` rows "
              "say why.\n\n")
    out.write_text(header + to_markdown(rows, plot_prefix=rel + "/"))
    counts = {s: sum(r.status == s for r in rows) for s in ("ok", "differs", "not reproduced")}
    print(f"wrote {out}: {len(rows)} rows ({counts['ok']} ok, {counts['differs']} differ, "
          f"{counts['not reproduced']} not reproduced); plots in {plots}")
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
    rep = sub.add_parser("reproduce", help="reproduce the papers' figures and write docs/reproduction.md")
    rep.add_argument("--out", default="docs/reproduction.md", help="Markdown table to write")
    rep.add_argument("--plots", default="docs/figures", help="folder for the PNG plots")
    rep.add_argument("--json", action="store_true", help="print the table as JSON instead")
    rep.add_argument("--only", nargs="*", default=None,
                     help="module names to run (kumar2024 lopez2024 bandyopadhyay2024 li2022)")
    mods = sub.add_parser("models", help="print (or write) the compact-model catalogue")
    mods.add_argument("--lib-dir", default="compact_models", help="folder of .lib files")
    mods.add_argument("--write", metavar="FILE", help="write the Markdown catalogue to FILE")
    args = parser.parse_args(argv)
    try:
        if args.command == "models":
            from xbar.devices.catalog import render_catalog

            text = render_catalog(Path(args.lib_dir))
            if args.write:
                Path(args.write).write_text(text)
                print(f"wrote {args.write}")
            else:
                print(text)
            return 0
        if args.command == "reproduce":
            return _reproduce(args)
        return _run(args)
    except XbarError as exc:
        print(f"xbar: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("xbar: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
