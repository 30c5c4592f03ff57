"""The reproduction table is generated in CI: every module runs and returns well-formed rows."""

from __future__ import annotations

import os

import pytest

from xbar.reproduce import MODULES, ReproRow, build_table, to_json, to_markdown

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("figures")
    return outdir, build_table(outdir)


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
        if r.plot:
            assert (outdir / r.plot).exists(), f"missing plot {r.plot}"
    # every paper reproduces something
    for paper in papers:
        assert any(r.status == "ok" for r in table if r.paper == paper), paper


def test_table_renders(rows):
    _, table = rows
    md = to_markdown(table)
    assert md.count("\n") == len(table) + 2
    assert to_json(table).startswith("[")
