"""Reproductions of the papers' figures: published value vs xbar's, with the command and plot.

Each module in :data:`MODULES` exposes ``rows(outdir: pathlib.Path) -> list[ReproRow]``; it runs
its simulations (decks or the Python API), saves PNG plots under ``outdir`` and returns one row
per published number. :func:`build_table` runs them all; ``xbar reproduce`` writes
``docs/reproduction.md`` (and ``--json``).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["MODULES", "ReproRow", "build_table", "to_json", "to_markdown"]

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

    ``status`` is ``"ok"`` (within ``tolerance``), ``"differs"`` (outside it; ``note`` says why)
    or ``"not reproduced"`` (xbar cannot compute it yet; ``note`` says why).
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


def build_table(outdir: Path, modules: Sequence[str] = MODULES) -> list[ReproRow]:
    """Run every reproduction module; missing modules are reported as rows, not errors."""
    outdir.mkdir(parents=True, exist_ok=True)
    rows: list[ReproRow] = []
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            rows.append(ReproRow(name.rsplit(".", 1)[-1], "-", "all figures", "-", "-", "-",
                                 "not reproduced", "-", note="module not written yet"))
            continue
        rows.extend(module.rows(outdir))
    return rows


def to_markdown(rows: Sequence[ReproRow], plot_prefix: str = "") -> str:
    """The reproduction table as Markdown."""
    head = ("| paper | figure | quantity | published | xbar | unit | status | command | plot | note |\n"
            "|---|---|---|---|---|---|---|---|---|---|")
    lines = [head]
    for r in rows:
        plot = f"[png]({plot_prefix}{r.plot})" if r.plot else ""
        cells = [r.paper, r.figure, r.quantity, r.published, r.xbar, r.unit, r.status,
                 f"`{r.command}`", plot, r.note]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"


def to_json(rows: Sequence[ReproRow]) -> str:
    """The reproduction table as JSON (a list of objects)."""
    return json.dumps([asdict(r) for r in rows], indent=2)
