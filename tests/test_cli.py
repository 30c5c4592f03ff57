"""Command line: every example deck runs; CSV and rawfile outputs; clean errors."""

from __future__ import annotations

import csv
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import xbar
from xbar.cli import main
from xbar.io.rawfile import read_rawfile

ROOT = Path(__file__).resolve().parents[1]
DECKS = sorted((ROOT / "netlists").glob("*.cir"))


@pytest.mark.parametrize("deck", DECKS, ids=[d.stem for d in DECKS])
def test_every_example_deck_runs(deck, capsys):
    assert main(["run", str(deck)]) == 0
    out = capsys.readouterr()
    assert "Circuit:" in out.out
    assert "Traceback" not in out.err


def test_csv_one_file_per_analysis(tmp_path, capsys):
    out = tmp_path / "res.csv"
    assert main(["run", str(ROOT / "netlists" / "divider_sweep.cir"), "--csv", str(out), "-q"]) == 0
    op_file = tmp_path / "res-1-op.csv"
    dc_file = tmp_path / "res-2-dc.csv"
    assert op_file.exists() and dc_file.exists()
    with open(dc_file) as fh:
        rows = list(csv.reader(fh))
    assert rows[0][0] == "v-sweep"
    assert len(rows) == 1 + 5 * 3
    deck = xbar.read_netlist(ROOT / "netlists" / "divider_sweep.cir")
    dc = deck.run()[1]
    col = rows[0].index("v(mid)")
    np.testing.assert_array_equal([float(r[col]) for r in rows[1:]], dc["v(mid)"])


def test_raw_holds_every_analysis(tmp_path):
    raw = tmp_path / "out.raw"
    assert main(["run", str(ROOT / "netlists" / "divider_sweep.cir"), "--raw", str(raw), "-q"]) == 0
    plots = read_rawfile(raw)
    assert [p.plotname for p in plots] == ["Operating Point", "DC transfer characteristic"]
    deck = xbar.read_netlist(ROOT / "netlists" / "divider_sweep.cir")
    op, dc = deck.run()
    assert plots[0]["v(mid)"][0] == op["v(mid)"]
    np.testing.assert_array_equal(plots[1]["i(vamm)"], dc["i(vamm)"])


@pytest.mark.ngspice
@pytest.mark.skipif(shutil.which("ngspice") is None, reason="ngspice is not installed")
def test_ngspice_loads_our_rawfile(tmp_path):
    raw = tmp_path / "out.raw"
    assert main(["run", str(ROOT / "netlists" / "rc_pulse.cir"), "--raw", str(raw), "-q"]) == 0
    script = tmp_path / "load.cir"
    script.write_text(
        "load test\n.control\nload " + str(raw) + "\nprint v(out)[10]\nprint length(time)\nquit\n.endc\n.end\n"
    )
    proc = subprocess.run(["ngspice", "-b", str(script)], capture_output=True, text=True, timeout=60)
    tr = xbar.read_netlist(ROOT / "netlists" / "rc_pulse.cir").run()[0]
    text = proc.stdout
    length = next(ln for ln in text.splitlines() if ln.strip().startswith("length(time)"))
    assert float(length.split("=")[1]) == len(tr["time"])
    line = next(ln for ln in text.splitlines() if ln.strip().startswith("v(out)[10]"))
    assert float(line.split("=")[1]) == pytest.approx(tr["v(out)"][10], rel=1e-6)


def test_error_is_one_message_without_traceback(tmp_path, capsys):
    deck = tmp_path / "bad.cir"
    deck.write_text("title\nV1 in 0 1\nR1 in\n.op\n")
    assert main(["run", str(deck)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("xbar: error: ")
    assert "bad.cir:3:" in err
    assert "Traceback" not in err


def test_missing_deck(capsys):
    assert main(["run", "/nonexistent/deck.cir"]) == 1
    assert "file not found" in capsys.readouterr().err


def test_console_script_installed():
    exe = shutil.which("xbar")
    assert exe is not None
    proc = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("xbar ")


def test_compact_model_catalogue_is_current(tmp_path):
    from xbar.devices.catalog import render_catalog

    committed = (ROOT / "compact_models" / "README.md").read_text()
    assert committed == render_catalog(ROOT / "compact_models"), (
        "compact_models/README.md is stale: run `xbar models --write compact_models/README.md`")
