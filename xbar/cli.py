"""Command line: ``xbar run deck.cir``, ``xbar reproduce``, ``xbar models``, ``xbar study``.

Every :class:`~xbar.errors.XbarError` becomes one clear message on stderr and exit status 1;
no traceback reaches the user. Warnings are shown like errors (``xbar: warning:
deck.cir:12:1: …`` with the deck line), never with a line of xbar's own source.

Subcommands live in one table: a subcommand is a function decorated with
:func:`subcommand` that adds its arguments to the sub-parser it is given and returns the
handler ``(args) -> exit status``. Adding one (``xbar study``, ``xbar nn …``) is one decorated
function here (whose body may import its own module, as ``xbar nn`` does).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from xbar import __version__
from xbar.errors import XbarError, XbarWarning

__all__ = ["main", "subcommand"]

Handler = Callable[[argparse.Namespace], int]
Setup = Callable[[argparse.ArgumentParser], Handler]

_COMMANDS: dict[str, tuple[str, Setup]] = {}


def subcommand(name: str, help: str) -> Callable[[Setup], Setup]:
    """Register ``xbar <name>``: the decorated function configures its parser, returns the handler."""

    def register(setup: Setup) -> Setup:
        _COMMANDS[name] = (help, setup)
        return setup

    return register


def _fmt(v: float) -> str:
    return f"{v: .6e}"


# xbar run ----------------------------------------------------------------------------------
def _print_op(result: Any, describe: Callable[[str], tuple[str, str]], out: TextIO) -> None:
    names = [n for n in result.names if n.startswith("v(")]
    currents = [n for n in result.names if n.startswith("i(")]
    others = [n for n in result.names if not n.startswith(("v(", "i("))]
    print("\nOperating point:", file=out)
    if names:
        print(f"\t{'Node':<32}{'Voltage (V)':>16}", file=out)
        print(f"\t{'----':<32}{'-----------':>16}", file=out)
        for n in names:
            print(f"\t{n:<32}{_fmt(result[n]):>16}", file=out)
    if currents:
        print(f"\n\t{'Source':<32}{'Current (A)':>16}", file=out)
        print(f"\t{'------':<32}{'-----------':>16}", file=out)
        for n in currents:
            print(f"\t{n:<32}{_fmt(result[n]):>16}", file=out)
    if others:
        print(f"\n\t{'Device quantity':<32}{'Value':>16}  {'Unit':<6}Meaning", file=out)
        print(f"\t{'---------------':<32}{'-----':>16}  {'----':<6}-------", file=out)
        for n in others:
            unit, meaning = describe(n)
            print(f"\t{n:<32}{_fmt(result[n]):>16}  {unit or '':<6}{meaning}", file=out)


def _print_table(result: Any, vectors: list[str], out: TextIO) -> None:
    scales = result.scale_names()
    if len(scales) == 2:
        inner, outer = scales
        sweeps = getattr(result, "sweeps", ("", ""))
        print(f"\nNested sweep: {sweeps[0]} ({inner}, inner) for each {sweeps[1]} ({outer}, outer)",
              file=out)
        scales = [outer, inner]
    cols = list(scales)
    cols += [v for v in vectors if v not in cols]
    if "all" in cols:
        cols = scales + [n for n in result.names if n not in scales]
    arrays = [np.atleast_1d(result[c]) for c in cols]
    widths = [34 if np.iscomplexobj(a) else 18 for a in arrays]
    print("\n" + f"{'Index':<18}" + "".join(f"{h:<{w}}" for h, w in zip(cols, widths, strict=True)), file=out)
    print(f"{'':<18}" + "".join(f"{'(' + (result.unit(c) or '-') + ')':<{w}}"
                                for c, w in zip(cols, widths, strict=True)), file=out)
    print("-" * (18 + sum(widths)), file=out)

    def cell(v: complex | float, w: int) -> str:
        text = f"{_fmt(v.real)},{_fmt(v.imag)}" if w == 34 else _fmt(float(v))
        return f"{text:<{w}}"

    for i in range(len(arrays[0])):
        print(f"{i:<18}" + "".join(cell(a[i], w) for a, w in zip(arrays, widths, strict=True)), file=out)


def _print_results(deck: Any, cards: list[Any], results: list[Any], out: Any) -> None:
    """Operating points, ``.print`` tables, device events and ``.meas`` blocks of analyses
    run in batch (tables after the analyses, as ngspice prints them)."""
    from xbar.analysis.measure import report

    system = deck.circuit.compile()
    has_state = bool(system.stateful)
    tables = []
    for card, result in zip(cards, results, strict=True):
        requested = [v for a, vs, _ in deck.prints if a == result.kind for v in vs]
        text = card.card.text.strip()
        if result.kind == "op":
            _print_op(result, system.describe_vector, out)
        elif requested:
            tables.append((result, requested))
        else:
            n = len(result.data)
            print(f"\n{text}: {n} points, {len(result.names)} vectors "
                  "(add .print or use --csv/--raw to see them)", file=out)
        if has_state or result.events:
            _print_events(text, result, out)
        measured = report(result.measure_outcomes, result.kind)
        if measured:
            out.write(measured)
    for result, requested in tables:
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


def _print_events(card_text: str, result: Any, out: TextIO) -> None:
    from xbar.io.events import format_events, summarize_events

    print(f"\nDevice events ({card_text}): {summarize_events(result.events)}", file=out)
    for line in format_events(result.events):
        print(line, file=out)


def _csv_path(base: Path, k: int, kind: str, single: bool) -> Path:
    return base if single else base.with_name(f"{base.stem}-{k}-{kind}{base.suffix or '.csv'}")


@subcommand("run", "run the analyses of an ngspice-dialect deck")
def _setup_run(p: argparse.ArgumentParser) -> Handler:
    p.add_argument("deck", help="netlist file")
    p.add_argument("--csv", metavar="FILE",
                   help="write results as CSV (one file per analysis) and device events to FILE-events.csv")
    p.add_argument("--raw", metavar="FILE", help="write an ngspice-compatible ASCII rawfile")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors and warnings")
    return _run


def _run(args: argparse.Namespace) -> int:

    from xbar.netlist.elaborate import read_netlist

    # warnings are shown by main()'s _show_warning: at the deck line, with the card and a caret
    t0 = time.perf_counter()
    deck = read_netlist(args.deck)
    t_parse = time.perf_counter() - t0
    out = sys.stdout
    if not args.quiet:
        print(f"Circuit: {deck.title}", file=out)
        print(f"  {deck.circuit.element_count()} elements, {len(deck.circuit.node_names)} nodes "
              f"(read in {t_parse:.3f} s)", file=out)
    if not deck.analyses and deck.control is None:
        print("no analysis card (.op, .dc, .tran, .ac) in the deck; nothing to run", file=sys.stderr)
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
    written: list[str] = []
    if args.csv:
        base = Path(args.csv)
        for k, result in enumerate(results, start=1):
            path = _csv_path(base, k, result.kind, len(results) == 1)
            result.to_csv(path, _saved(deck, result))
            written.append(str(path))
        meas_path = base.with_name(f"{base.stem}-meas.csv")
        if _write_measurements(meas_path, results):
            written.append(str(meas_path))
    if args.raw:
        from xbar.io.export import results_to_plots
        from xbar.io.rawfile import write_rawfile

        write_rawfile(args.raw, results_to_plots(results, title=deck.title))
        written.append(str(args.raw))
    has_state = bool(deck.circuit.compile().stateful)
    if (args.csv or args.raw) and (has_state or any(r.events for r in results)):
        from xbar.io.events import write_events_csv

        base = Path(args.csv or args.raw)
        path = base.with_name(f"{base.stem}-events.csv")
        events, labels = [], []
        for k, result in enumerate(results, start=1):
            events.extend(result.events)
            labels.extend([f"{k} .{result.kind}"] * len(result.events))
        write_events_csv(path, events, labels)
        written.append(f"{path} ({len(events)} device events)")
    if not args.quiet:
        for w in written:
            print(f"wrote {w}", file=out)
        print(f"\nanalyses done in {t_run:.3f} s", file=out)
    return 0


@subcommand("study", "run and plot studies (sweeps, Monte Carlo) on Dask")
def _setup_study(study: argparse.ArgumentParser) -> Handler:
    """``xbar study run|plot|show|list``: sweeps and Monte Carlo studies (xbar.study, on Dask)."""
    study.description = ("Studies: a TOML/YAML file naming a deck or experiment, axes and outputs. "
                         "See README 'Studies'.")
    ssub = study.add_subparsers(dest="study_command", required=True)
    run = ssub.add_parser("run", help="run every point not yet in the results table")
    run.add_argument("study", help="study file (.toml, .yaml)")
    where = run.add_mutually_exclusive_group()
    where.add_argument("--serial", action="store_true", help="run in this process, one point at a time")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="Dask scheduler, e.g. tcp://host:8786 (default: $DASK_SCHEDULER_ADDRESS, "
                            "else a local cluster)")
    run.add_argument("--workers", type=int, metavar="N", help="local cluster: worker processes (default: cores)")
    run.add_argument("--results", metavar="FILE", help="results CSV (default: the study's 'results')")
    run.add_argument("--fresh", action="store_true", help="discard an existing results table first")
    run.add_argument("--retry-failed", action="store_true", help="compute failed points again")
    run.add_argument("--wait-workers", type=float, default=120.0, metavar="S",
                     help="seconds to wait for a worker of --scheduler (default 120)")
    run.add_argument("--chunk", type=int, default=None, metavar="N",
                     help="points per Dask task (default: about 16 tasks per worker)")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress bar or notes")
    plot = ssub.add_parser("plot", help="plot an output: a curve over one axis or a contour over two")
    plot.add_argument("source", help="study file or results CSV")
    plot.add_argument("-z", "--output", help="output column (default: the first numeric one)")
    plot.add_argument("-x", help="axis on x (default: the first varying axis)")
    plot.add_argument("-y", help="axis on y for a contour (default: the second varying axis, if any)")
    plot.add_argument("-o", "--out", metavar="FILE", help="image file (default: <results stem>-<output>.png)")
    plot.add_argument("--curve", action="store_true", help="1-D curve over x even when two axes vary")
    plot.add_argument("--logx", action="store_true", help="logarithmic x axis")
    plot.add_argument("--logy", action="store_true", help="logarithmic y axis")
    show = ssub.add_parser("show", help="print a study's axes, points and progress")
    show.add_argument("study", help="study file (.toml, .yaml)")
    ssub.add_parser("list", help="list the registered experiments and their parameters")
    return _study


def _study(args: argparse.Namespace) -> int:
    """Handler of ``xbar study ...`` (see :func:`_add_study_parser`)."""
    import os

    from xbar import study as st

    if args.study_command == "list":
        for exp in st.list_experiments():
            defaults = exp.defaults()
            names, _ = exp.point_parameters()
            setup = sorted(exp.setup_parameters())
            params = ", ".join(f"{n}={defaults[n]!r}" if n in defaults else n for n in sorted(names))
            print(f"{exp.name}: {exp.description}")
            print(f"    parameters: {params or '(any: .param / model.param)'}")
            if setup:
                print(f"    setup (fixed only): {', '.join(f'{n}={defaults[n]!r}' if n in defaults else n for n in setup)}")
        return 0
    if args.study_command == "plot":
        os.environ.setdefault("MPLBACKEND", "Agg")
        src = Path(args.source)
        table = st.load_study(src).results if src.suffix.lower() in (".toml", ".yaml", ".yml") else src
        results = st.read_results(table)
        z = args.output
        x, y = args.x, args.y
        if args.curve and x is None:
            x = next((a for a in results.axes if a != "trial"), None)
        fig_path = Path(args.out) if args.out else None
        if fig_path is None:
            name = (z or next(iter(results.outputs), "plot")).replace("(", "_").replace(")", "").replace(":", "_")
            fig_path = Path(table).with_name(f"{Path(table).stem}-{name}.png")
        st.plot_results(results, z, x=x, y=y, path=fig_path, log_x=args.logx, log_y=args.logy)
        print(f"wrote {fig_path}")
        return 0
    study = st.load_study(args.study)
    if args.study_command == "show":
        points = study.points()
        print(f"study {study.name} ({study.source}): experiment {study.experiment}, {len(points)} points, "
              f"seed {study.seed}, combine {study.combine}")
        for axis in study.all_axes:
            vals = ", ".join(st.format_value(v) for v in axis.values[:8]) + (" ..." if len(axis) > 8 else "")
            print(f"  axis {axis.name}: {len(axis)} values: {vals}")
        for k, v in study.params.items():
            print(f"  fixed {k} = {v!r}")
        print(f"  outputs: {', '.join(f'{c} = {s}' if c != s else c for c, s in study.outputs.items()) if study.outputs else 'all'}")
        if study.results.exists():
            table = st.read_results(study.results)
            keys = {p.key for p in points}
            rows = [tuple(st.format_value(v) for v in vals) for vals in
                    zip(*(table[a] for a in study.axis_names), strict=True)] if len(table) else []
            ok = table.ok()
            done = sum(1 for r, good in zip(rows, ok, strict=True) if r in keys and good)
            failed = sum(1 for r, good in zip(rows, ok, strict=True) if r in keys and not good)
            print(f"  results {study.results}: {done} done, {failed} failed, {len(points) - done - failed} to do")
        else:
            print(f"  results {study.results}: not started")
        return 0
    if args.results:
        study.results = Path(args.results).resolve()
    summary = st.run_study(study, serial=args.serial, scheduler=args.scheduler, workers=args.workers,
                           progress=not args.quiet, fresh=args.fresh, retry_failed=args.retry_failed,
                           wait_workers=args.wait_workers, chunk=args.chunk)
    if not args.quiet:
        print(summary)
        if summary.parquet is not None:
            print(f"wrote {summary.table} and {summary.parquet}")
    return 0


def _saved(deck: Any, result: Any) -> list[str] | None:
    if not deck.saves or "all" in deck.saves:
        return None
    return [v for v in deck.saves if v in result]


# xbar reproduce ----------------------------------------------------------------------------
@subcommand("reproduce", "reproduce the papers' figures and update docs/reproduction.md")
def _setup_reproduce(p: argparse.ArgumentParser) -> Handler:
    p.add_argument("--out", default="docs/reproduction.md",
                   help="Markdown table to update (its rows are also kept in the .json next to it)")
    p.add_argument("--plots", default=None,
                   help="folder for the PNG plots (default: figures/ next to --out; a temporary "
                        "folder with --json or --check)")
    p.add_argument("--json", action="store_true", help="print the rows as JSON; write no file")
    p.add_argument("--check", action="store_true",
                   help="compare with the committed table (rows' tolerances); write no file, "
                        "exit 1 on differences")
    p.add_argument("--slow", action="store_true",
                   help="also run the slow rows (otherwise taken from the committed table)")
    p.add_argument("--only", nargs="+", default=None, metavar="PAPER",
                   help="run only these (kumar2024 lopez2024 bandyopadhyay2024 li2022); their rows "
                        "replace theirs in the table, the other rows stay")
    return _reproduce


def _reproduce(args: argparse.Namespace) -> int:
    import tempfile

    os.environ.setdefault("MPLBACKEND", "Agg")
    from xbar.reproduce import (
        MODULES,
        build_table,
        compare_tables,
        load_table,
        merge_tables,
        to_json,
        write_table,
    )

    known = {m.rsplit(".", 1)[-1]: m for m in MODULES}
    if args.only:
        unknown = [m for m in args.only if m not in known]
        if unknown:
            raise XbarError(f"unknown reproduction {', '.join(repr(m) for m in unknown)}; "
                            f"known: {', '.join(known)}")
    modules = MODULES if not args.only else tuple(known[m] for m in args.only)
    out = Path(args.out)
    table_json = out.with_suffix(".json")
    committed = load_table(table_json)
    scratch = args.json or args.check
    with tempfile.TemporaryDirectory(prefix="xbar-reproduce-") as tmp:
        plots = Path(args.plots) if args.plots else (Path(tmp) if scratch else out.parent / "figures")
        rows = build_table(plots, modules, slow=args.slow, cache=committed)
    if args.json:
        print(to_json(rows))
        return 0
    if args.check:
        if not committed:
            raise XbarError(f"no committed table at {table_json} to check against")
        diffs = compare_tables([r for r in committed if r.module in modules], rows)
        for d in diffs:
            print(f"  {d}")
        print(f"{len(rows)} rows checked against {table_json}: "
              + (f"{len(diffs)} difference(s)" if diffs else "no differences beyond the tolerances"))
        return 1 if diffs else 0
    table = merge_tables(committed, rows, modules) if committed else rows
    write_table(out, table, plots)
    counts = {s: sum(r.status == s for r in table) for s in ("ok", "differs", "not reproduced")}
    rerun = "" if not args.only else f" ({len(rows)} rerun: {', '.join(args.only)}; the others kept)"
    print(f"wrote {out} and {table_json.name}: {len(table)} rows{rerun} ({counts['ok']} ok, "
          f"{counts['differs']} differ, {counts['not reproduced']} not reproduced); plots in {plots}")
    return 0


# xbar models -------------------------------------------------------------------------------
@subcommand("models", "print (or write) the compact-model catalogue")
def _setup_models(p: argparse.ArgumentParser) -> Handler:
    p.add_argument("--kind", metavar="KIND", help="only this device kind (mtj, sotmtj, smtj, cogd, ...)")
    p.add_argument("--lib-dir", default=None, help="folder of .lib files (default: xbar's shipped cards)")
    p.add_argument("--write", metavar="FILE", help="write the Markdown catalogue to FILE")
    p.add_argument("--semiconductors", action="store_true",
                   help="the diode, MOSFET and BJT parameter tables instead of the compact models")
    return _models


def _models(args: argparse.Namespace) -> int:
    from xbar.devices.catalog import render_catalog, render_semiconductors

    if args.semiconductors:
        text = render_semiconductors()
    else:
        text = render_catalog(None if args.lib_dir is None else Path(args.lib_dir), kind=args.kind)
    if args.write:
        Path(args.write).write_text(text)
        print(f"wrote {args.write}")
    else:
        print(text)
    return 0


# entry point -------------------------------------------------------------------------------
def _show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                  file: TextIO | None = None, line: str | None = None) -> None:
    """Warnings as the CLI shows them: like errors, at the deck line, no xbar source line."""
    sys.stdout.flush()
    if isinstance(message, XbarWarning):
        text = message.render()
    else:
        text = f"{message} ({category.__name__})"
    print(f"xbar: warning: {text}", file=sys.stderr)


# xbar nn -----------------------------------------------------------------------------------
@subcommand("nn", "train, map and evaluate neural networks on simulated crossbars")
def _setup_nn(p: argparse.ArgumentParser) -> Handler:
    from xbar.nn.cli import configure, run

    configure(p)
    return run


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xbar", description="SPICE-style simulator for spintronic crossbars")
    parser.add_argument("--version", action="version", version=f"xbar {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (help_text, setup) in _COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(handler=setup(p))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``xbar`` console script."""
    from xbar._startup import defer_numpy_f2py

    defer_numpy_f2py()
    args = _parser().parse_args(argv)
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        warnings.simplefilter("always", XbarWarning)  # the CLI shows every xbar warning
        try:
            code = int(args.handler(args))
            sys.stdout.flush()  # a reader that went away shows here, not at interpreter exit
            return code
        except XbarError as exc:
            sys.stdout.flush()
            print(f"xbar: error: {exc}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("xbar: interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:
            # the reader of our output went away (``xbar run deck | head``): stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 141


if __name__ == "__main__":
    sys.exit(main())
