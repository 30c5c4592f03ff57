"""Reproductions of the papers' figures: published value vs xbar's, with the command and plot.

Each module in :data:`MODULES` exposes ``rows(outdir: pathlib.Path) -> list[ReproRow]``; it runs
its simulations (decks or the Python API), saves PNG plots under ``outdir`` and returns one row
per published number. A module may also expose ``slow_rows(outdir)`` for rows that take minutes
or need data a CI machine does not have: those run only when asked (``xbar reproduce --slow``)
and are otherwise taken from the committed table (``docs/reproduction.json``), marked as cached.

:func:`build_table` runs the modules; :func:`merge_tables` puts a partial run (``--only``) into
the full table instead of replacing it; :func:`compare_tables` lists the differences between a
regenerated table and the committed one beyond each row's stated tolerance (CI fails on any).
``docs/reproducibility.md`` describes the mechanism for people adding rows.
"""

from __future__ import annotations

import importlib
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from xbar.errors import DataError

__all__ = [
    "MODULES",
    "ReproRow",
    "build_table",
    "compare_tables",
    "load_table",
    "merge_tables",
    "save_table",
    "to_json",
    "to_markdown",
    "write_table",
]

MODULES: tuple[str, ...] = (
    "xbar.reproduce.kumar2024",
    "xbar.reproduce.lopez2024",
    "xbar.reproduce.bandyopadhyay2024",
    "xbar.reproduce.li2022",
    "xbar.reproduce.networks",
)


@dataclass(frozen=True)
class ReproRow:
    """One published number next to xbar's.

    ``status`` is ``"ok"`` (within the row's agreement criterion), ``"differs"`` (outside it;
    ``note`` says why) or ``"not reproduced"`` (xbar cannot compute it yet; ``note`` says why).

    ``rtol`` / ``atol`` state how far the numbers in ``xbar`` may move between machines before
    CI fails (:func:`compare_tables`); the default 0 means "equal as printed" (within half a
    unit of the last printed digit). ``slow`` rows come from ``slow_rows()`` and are recomputed
    only with ``--slow``; ``cached`` says this copy was taken from the committed table.
    ``module`` is filled in by :func:`build_table`.
    """

    paper: str
    figure: str
    quantity: str
    published: str
    xbar: str
    unit: str
    status: str
    command: str
    plot: str = ""
    note: str = ""
    rtol: float = 0.0
    atol: float = 0.0
    slow: bool = False
    cached: bool = False
    module: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        """Identity of the row across runs: paper, figure and quantity."""
        return (self.paper, self.figure, self.quantity)

    def tolerance_text(self) -> str:
        """The CI tolerance as a table cell (``"as printed"``, ``"±2 %"``, ``"±0.5"``)."""
        parts = []
        if self.rtol:
            parts.append(f"±{100 * self.rtol:g} %")
        if self.atol:
            parts.append(f"±{self.atol:g}")
        return " or ".join(parts) if parts else "as printed"


def _short(module: str) -> str:
    return module.rsplit(".", 1)[-1]


def _placeholder(module: str, note: str) -> ReproRow:
    return ReproRow(_short(module), "-", "all figures", "-", "-", "-", "not reproduced", "-", note=note,
                    module=module)


def build_table(outdir: Path, modules: Sequence[str] = MODULES, *, slow: bool = False,
                cache: Sequence[ReproRow] = ()) -> list[ReproRow]:
    """Run the reproduction modules; missing modules are reported as rows, not errors.

    ``slow`` also runs every module's ``slow_rows``; otherwise a module's slow rows are taken
    from ``cache`` (normally the committed table, :func:`load_table`) and marked ``cached``,
    or, when the cache has none, reported as one "not run" row.
    """
    outdir.mkdir(parents=True, exist_ok=True)
    rows: list[ReproRow] = []
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            rows.append(_placeholder(name, "module not written yet"))
            continue
        rows.extend(replace(r, module=name) for r in module.rows(outdir))
        if not hasattr(module, "slow_rows"):
            continue
        if slow:
            rows.extend(replace(r, module=name, slow=True, cached=False) for r in module.slow_rows(outdir))
            continue
        kept = [replace(r, cached=True) for r in cache if r.module == name and r.slow]
        rows.extend(kept or [replace(_placeholder(name, "slow rows not run; run `xbar reproduce --only "
                                                  f"{_short(name)} --slow`"), slow=True)])
    return rows


def merge_tables(existing: Sequence[ReproRow], new: Sequence[ReproRow],
                 modules: Iterable[str]) -> list[ReproRow]:
    """``existing`` with the rows of ``modules`` replaced by ``new`` (module order of
    :data:`MODULES`, then any others in their existing order)."""
    replaced = set(modules)
    by_module: dict[str, list[ReproRow]] = {}
    for r in existing:
        if r.module not in replaced:
            by_module.setdefault(r.module, []).append(r)
    for r in new:
        by_module.setdefault(r.module, []).append(r)
    order = [m for m in MODULES if m in by_module] + [m for m in by_module if m not in MODULES]
    return [r for m in order for r in by_module[m]]


def to_markdown(rows: Sequence[ReproRow], plot_prefix: str = "") -> str:
    """The reproduction table as Markdown."""
    head = ("| paper | figure | quantity | published | xbar | unit | status | command | plot | note "
            "| CI tolerance |\n|---|---|---|---|---|---|---|---|---|---|---|")
    lines = [head]
    for r in rows:
        plot = f"[png]({plot_prefix}{r.plot})" if r.plot else ""
        command = f"`{r.command}`" + (" (slow: recomputed only with --slow)" if r.slow else "")
        cells = [r.paper, r.figure, r.quantity, r.published, r.xbar, r.unit, r.status,
                 command, plot, r.note, r.tolerance_text()]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def to_json(rows: Sequence[ReproRow]) -> str:
    """The reproduction table as JSON (a list of objects)."""
    return json.dumps([asdict(r) for r in rows], indent=2, ensure_ascii=False)


def write_table(out: Path, rows: Sequence[ReproRow], plots: Path) -> None:
    """Write the Markdown table ``out`` (plot links relative to it) and its JSON twin."""
    import os

    out.parent.mkdir(parents=True, exist_ok=True)
    rel = os.path.relpath(plots, out.parent)
    json_name = out.with_suffix(".json").name
    header = ("# Reproduction of the papers' figures\n\n"
              "Generated by `xbar reproduce` (do not edit by hand; the rows are also in "
              f"`{json_name}`). Each row: the published value, xbar's value, and the command "
              "that produced it. `differs` and `not reproduced` rows say why. CI regenerates the "
              "table and fails when a value moves by more than its CI tolerance "
              "(docs/reproducibility.md).\n\n")
    out.write_text(header + to_markdown(rows, plot_prefix=rel + "/"))
    save_table(out.with_suffix(".json"), rows)


def save_table(path: Path, rows: Sequence[ReproRow]) -> None:
    """Write ``rows`` as JSON (the machine-readable twin of the Markdown table)."""
    path.write_text(to_json([replace(r, cached=False) for r in rows]) + "\n")


def load_table(path: Path) -> list[ReproRow]:
    """Rows of a JSON table written by :func:`save_table` (``[]`` when ``path`` does not exist).

    Raises
    ------
    DataError
        The file is not such a table.
    """
    if not path.exists():
        return []
    known = {f.name for f in fields(ReproRow)}
    try:
        items = json.loads(path.read_text())
        return [ReproRow(**{k: v for k, v in item.items() if k in known}) for item in items]
    except (ValueError, TypeError) as exc:
        raise DataError(f"{path}: not a reproduction table written by `xbar reproduce` ({exc})") from None


_NUMBER = re.compile(r"[-+−]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def _numbers(text: str) -> tuple[str, list[tuple[float, float]]]:
    """Text with numbers replaced by ``#`` and each number with half a unit of its last digit."""
    values: list[tuple[float, float]] = []

    def take(m: re.Match[str]) -> str:
        tok = m.group(0).replace("−", "-")
        mant, _, exp = tok.lower().partition("e")
        decimals = len(mant.split(".")[1]) if "." in mant else 0
        half = 0.5 * 10.0 ** (-decimals) * (10.0 ** int(exp) if exp else 1.0)
        values.append((float(tok), half))
        return "#"

    return _NUMBER.sub(take, text), values


def _close(new: str, old: str, rtol: float, atol: float) -> bool:
    shape_new, vals_new = _numbers(new)
    shape_old, vals_old = _numbers(old)
    if shape_new != shape_old or len(vals_new) != len(vals_old):
        return False
    for (a, ha), (b, hb) in zip(vals_new, vals_old, strict=True):
        allowed = max(atol, rtol * abs(b)) + ha + hb
        if not (math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300) or abs(a - b) <= allowed * (1 + 1e-9)):
            return False
    return True


def compare_tables(committed: Sequence[ReproRow], regenerated: Sequence[ReproRow]) -> list[str]:
    """Differences between a regenerated table and the committed one, one line each.

    Rows are matched by :attr:`ReproRow.key`. A row differs when it is missing or new, when its
    status, published value, unit or plot changed, or when the numbers in ``xbar`` or ``note``
    moved by more than the committed row's ``rtol``/``atol`` plus the print rounding (half a unit
    of the last printed digit of either value). Texts around the numbers must be equal.
    """
    def index(rows: Sequence[ReproRow]) -> dict[tuple[Any, ...], ReproRow]:
        out: dict[tuple[Any, ...], ReproRow] = {}
        for r in rows:
            k: tuple[Any, ...] = r.key
            n = 1
            while k in out:
                n += 1
                k = (*r.key, n)
            out[k] = r
        return out

    old, new = index(committed), index(regenerated)
    diffs: list[str] = []
    for k, a in old.items():
        b = new.get(k)
        label = " / ".join(str(x) for x in k)
        if b is None:
            diffs.append(f"missing row: {label}")
            continue
        for attr in ("status", "published", "unit", "plot"):
            if getattr(a, attr) != getattr(b, attr):
                diffs.append(f"{label}: {attr} {getattr(a, attr)!r} -> {getattr(b, attr)!r}")
        for attr in ("xbar", "note"):
            if not _close(getattr(b, attr), getattr(a, attr), a.rtol, a.atol):
                diffs.append(f"{label}: {attr} {getattr(a, attr)!r} -> {getattr(b, attr)!r} "
                             f"(tolerance {a.tolerance_text()})")
    for k in new.keys() - old.keys():
        diffs.append(f"new row not in the committed table: {' / '.join(str(x) for x in k)}")
    return diffs
