"""The reproduction table is regenerated in CI and must match the committed one.

Every module runs (slow rows come from the committed ``docs/reproduction.json``), its rows are
well formed, and the regenerated table agrees with the committed table within each row's
stated tolerance (docs/reproducibility.md). Partial runs merge, ``--json`` and ``--check``
write nothing.
"""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path

import pytest

from xbar.cli import main
from xbar.reproduce import (
    MODULES,
    ReproRow,
    build_table,
    compare_tables,
    load_table,
    merge_tables,
    to_json,
    to_markdown,
)

os.environ.setdefault("MPLBACKEND", "Agg")
ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "docs" / "reproduction.json"


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("figures")
    return outdir, build_table(outdir, cache=load_table(COMMITTED))


def test_every_paper_has_rows_and_plots(rows):
    outdir, table = rows
    papers = {r.paper for r in table}
    assert papers == {"Kumar 2024", "Lopez 2024", "Bandyopadhyay 2024", "Li 2022"}, papers
    assert len(MODULES) >= 4
    for r in table:
        assert isinstance(r, ReproRow)
        assert r.status in ("ok", "differs", "not reproduced")
        assert r.published and r.quantity and r.figure
        if r.status != "ok":
            assert r.note, f"{r.paper} {r.figure} {r.quantity}: a '{r.status}' row must say why"
        if r.plot and not r.cached:
            assert (outdir / r.plot).exists(), f"missing plot {r.plot}"
    # every paper reproduces something
    for paper in papers:
        assert any(r.status == "ok" for r in table if r.paper == paper), paper


def test_table_renders(rows):
    _, table = rows
    md = to_markdown(table)
    assert md.count("\n") == len(table) + 2
    assert to_json(table).startswith("[")


def test_regenerated_table_matches_the_committed_one(rows):
    """CI: a change of any published reproduction must be deliberate (regenerate the table)."""
    _, table = rows
    committed = load_table(COMMITTED)
    assert committed, f"{COMMITTED} is missing: run `xbar reproduce`"
    diffs = compare_tables(committed, table)
    assert not diffs, ("the regenerated reproduction table differs from docs/reproduction.json "
                       "beyond the rows' tolerances (if intended, run `xbar reproduce` and commit "
                       "docs/reproduction.md, .json and figures):\n  " + "\n  ".join(diffs))
    md = (ROOT / "docs" / "reproduction.md").read_text()
    assert md.split("\n\n", 2)[2] == to_markdown(committed, plot_prefix="figures/"), (
        "docs/reproduction.md and docs/reproduction.json disagree: run `xbar reproduce`")


# ---------------------------------------------------------------------------------------------
# the comparison and the merge
# ---------------------------------------------------------------------------------------------
def _row(quantity: str, value: str, status: str = "ok", **kw) -> ReproRow:
    return ReproRow("P", "Fig. 1", quantity, "1", value, "mA", status, "cmd", module="m", **kw)


def test_compare_tables_tolerances():
    old = [_row("a", "17.5"), _row("b", "0.70 → 0.98"), _row("c", "12.0", rtol=0.05),
           _row("d", "yes")]
    assert compare_tables(old, old) == []
    # print rounding: 17.54 vs 17.5 is within half a unit of the last digits
    assert compare_tables(old, [_row("a", "17.54"), *old[1:]]) == []
    (diff,) = compare_tables(old, [_row("a", "18.0"), *old[1:]])
    assert diff == "P / Fig. 1 / a: xbar '17.5' -> '18.0' (tolerance as printed)"
    assert compare_tables(old, [*old[:2], _row("c", "12.5", rtol=0.05), old[3]]) == []
    assert compare_tables(old, [*old[:2], _row("c", "13.0", rtol=0.05), old[3]])
    assert compare_tables(old, [*old[:3], _row("d", "no")])  # text changed
    assert compare_tables(old, [*old[:3], _row("d", "yes", status="differs")])
    assert compare_tables(old, old[:3]) == ["missing row: P / Fig. 1 / d"]
    assert compare_tables(old[:3], old) == ["new row not in the committed table: P / Fig. 1 / d"]


def test_merge_keeps_the_other_papers():
    a = [ReproRow("A", "f", "q1", "1", "1", "-", "ok", "c", module=MODULES[0])]
    b = [ReproRow("B", "f", "q2", "1", "1", "-", "ok", "c", module=MODULES[1])]
    b_new = [ReproRow("B", "f", "q2", "1", "2", "-", "ok", "c", module=MODULES[1])]
    assert merge_tables(a + b, b_new, [MODULES[1]]) == a + b_new
    assert merge_tables(b + a, b_new, [MODULES[1]]) == a + b_new  # module order of MODULES


@pytest.fixture
def fake_papers(monkeypatch, tmp_path):
    """Two fake reproduction modules (a fast one and one with a slow row)."""
    calls = {"slow": 0}

    def make(name: str, value: str, slow: bool) -> types.ModuleType:
        mod = types.ModuleType(f"xbar.reproduce.{name}")

        def rows(outdir: Path) -> list[ReproRow]:
            (outdir / f"{name}.png").write_bytes(b"png")
            return [ReproRow(name, "Fig. 1", "x", "1", value, "-", "ok", f"xbar reproduce --only {name}",
                             plot=f"{name}.png")]

        mod.rows = rows  # type: ignore[attr-defined]
        if slow:
            def slow_rows(outdir: Path) -> list[ReproRow]:
                calls["slow"] += 1
                return [ReproRow(name, "Fig. 2", "y", "2", "2.0", "-", "ok", f"xbar reproduce --only {name} --slow")]

            mod.slow_rows = slow_rows  # type: ignore[attr-defined]
        return mod

    values = {"fakea": "1.0", "fakeb": "1.0"}
    for name in values:
        monkeypatch.setitem(sys.modules, f"xbar.reproduce.{name}", make(name, values[name], name == "fakeb"))
    monkeypatch.setattr("xbar.reproduce.MODULES", ("xbar.reproduce.fakea", "xbar.reproduce.fakeb"))

    def set_value(name: str, value: str) -> None:
        monkeypatch.setitem(sys.modules, f"xbar.reproduce.{name}", make(name, value, name == "fakeb"))

    return tmp_path, set_value, calls


def test_partial_run_merges_and_json_writes_nothing(fake_papers, capsys):
    tmp, set_value, calls = fake_papers
    out = tmp / "docs" / "reproduction.md"
    assert main(["reproduce", "--out", str(out), "--slow"]) == 0
    assert calls["slow"] == 1
    full = load_table(out.with_suffix(".json"))
    assert [r.quantity for r in full] == ["x", "x", "y"]
    assert (tmp / "docs" / "figures" / "fakea.png").exists()
    # rerun one paper with a new value: the other paper's row and the slow row stay
    set_value("fakea", "3.0")
    (tmp / "docs" / "figures" / "fakeb.png").unlink()
    assert main(["reproduce", "--out", str(out), "--only", "fakea"]) == 0
    table = load_table(out.with_suffix(".json"))
    assert [(r.paper, r.xbar) for r in table] == [("fakea", "3.0"), ("fakeb", "1.0"), ("fakeb", "2.0")]
    assert "| fakeb | Fig. 2 | y |" in out.read_text() and calls["slow"] == 1
    assert not (tmp / "docs" / "figures" / "fakeb.png").exists()  # not rerun, not rewritten
    # --json prints and writes nothing, plots go to a temporary folder
    before = out.read_text()
    for png in (tmp / "docs" / "figures").glob("*.png"):
        png.unlink()
    capsys.readouterr()
    assert main(["reproduce", "--out", str(out), "--json"]) == 0
    printed = capsys.readouterr().out
    assert '"quantity": "y"' in printed and '"cached": true' in printed  # the slow row, from the table
    assert out.read_text() == before
    assert not list((tmp / "docs" / "figures").glob("*.png"))


def test_check_reports_differences(fake_papers, capsys):
    tmp, set_value, _ = fake_papers
    out = tmp / "reproduction.md"
    assert main(["reproduce", "--out", str(out), "--slow"]) == 0
    assert main(["reproduce", "--out", str(out), "--check"]) == 0
    set_value("fakeb", "1.2")
    capsys.readouterr()
    assert main(["reproduce", "--out", str(out), "--check"]) == 1
    text = capsys.readouterr().out
    assert "fakeb / Fig. 1 / x: xbar '1.0' -> '1.2'" in text and "1 difference(s)" in text


def test_unknown_paper_is_an_error(capsys):
    assert main(["reproduce", "--only", "no_such_paper", "--json"]) == 1
    assert "unknown reproduction 'no_such_paper'; known: kumar2024" in capsys.readouterr().err
