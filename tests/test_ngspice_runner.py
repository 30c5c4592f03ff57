"""Tests of xbar.testing.ngspice: subprocess and shared-mode runners, CSV references, CLI."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest

import xbar.testing.ngspice as ngmod
from xbar.errors import XbarError
from xbar.io.rawfile import RawPlot
from xbar.testing.ngspice import (
    NgspiceError,
    main,
    ngspice_available,
    ngspice_version,
    read_reference_csv,
    regen_case,
    run_ngspice,
    run_ngspice_shared,
    write_reference_csv,
)

HAVE_NGSPICE = shutil.which("ngspice") is not None


def live(func):
    """Mark a test as needing a live ngspice (skipped with a reason when it is missing)."""
    func = pytest.mark.skipif(not HAVE_NGSPICE, reason="ngspice is not installed")(func)
    return pytest.mark.ngspice(func)


RC_DECK = """rc low-pass
v1 in 0 dc 1 pulse(0 1 0 1n 1n 5u 10u)
r1 in out 1k
c1 out 0 1n
r2 out 0 4k
.op
.dc v1 0 2 0.25
.tran 20n 4u
.end
"""

SUBCKT_INCLUDE = """* divider used through .include
.subckt half a b
r1 a m 1k
r2 m b 1k
.ends
"""


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point tempfile at an empty directory so that leftovers can be seen."""
    d = tmp_path / "tmp"
    d.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(d))
    return d


def _by_name(plots: list[RawPlot]) -> dict[str, RawPlot]:
    return {p.plotname: p for p in plots}


# ----------------------------------------------------------------------------------------
# discovery
# ----------------------------------------------------------------------------------------


def test_ngspice_available_matches_path() -> None:
    assert ngspice_available() is (shutil.which("ngspice") is not None)


@live
def test_ngspice_version_format() -> None:
    v = ngspice_version()
    assert v is not None
    assert re.fullmatch(r"ngspice-\d+(\.\d+)*", v)


def test_missing_ngspice_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ngmod.shutil, "which", lambda name: None)
    assert not ngspice_available()
    assert ngspice_version() is None
    with pytest.raises(NgspiceError, match="not installed"):
        run_ngspice(text=RC_DECK)


def test_ngspice_error_is_xbar_error() -> None:
    assert issubclass(NgspiceError, XbarError)
    err = NgspiceError("x", stdout="o", stderr="e", returncode=3)
    assert (err.stdout, err.stderr, err.returncode) == ("o", "e", 3)


def test_run_ngspice_needs_exactly_one_input(tmp_path: Path) -> None:
    with pytest.raises(NgspiceError, match="exactly one"):
        run_ngspice()
    with pytest.raises(NgspiceError, match="exactly one"):
        run_ngspice(tmp_path / "a.cir", text=RC_DECK)


# ----------------------------------------------------------------------------------------
# subprocess runner
# ----------------------------------------------------------------------------------------


@live
def test_run_ngspice_deck_file(tmp_path: Path, private_tmp: Path) -> None:
    deck = tmp_path / "rc.cir"
    deck.write_text(RC_DECK)
    plots = run_ngspice(deck)
    # ngspice runs DC transfer before OP before TRAN, whatever the deck order.
    assert [p.plotname for p in plots] == [
        "DC transfer characteristic",
        "Operating Point",
        "Transient Analysis",
    ]
    p = _by_name(plots)
    op = p["Operating Point"]
    assert op.names == ["v(in)", "v(out)", "i(v1)"]
    assert op["v(out)"][0] == pytest.approx(0.8, rel=1e-12)
    assert op["i(v1)"][0] == pytest.approx(-0.2e-3, rel=1e-12)
    dc = p["DC transfer characteristic"]
    assert dc.names[0] == "v-sweep"
    np.testing.assert_allclose(dc.scale, np.arange(9) * 0.25, atol=1e-14)
    np.testing.assert_allclose(dc["out"], 0.8 * dc.scale, rtol=1e-12, atol=1e-15)
    tr = p["Transient Analysis"]
    assert tr.names[0] == "time"
    assert tr.scale[-1] == pytest.approx(4e-6)
    # RC charging towards 0.8 V with tau = (1k || 4k) * 1n = 0.8 us
    k = int(np.argmin(np.abs(tr.scale - 2e-6)))
    t = tr.scale[k]
    assert tr["v(out)"][k] == pytest.approx(0.8 * (1 - math.exp(-(t - 1e-9) / 0.8e-6)), rel=2e-2)
    assert list(private_tmp.iterdir()) == []
    assert sorted(x.name for x in tmp_path.iterdir()) == ["rc.cir", "tmp"]


@live
def test_run_ngspice_text_with_relative_include(tmp_path: Path, private_tmp: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "half.lib").write_text(SUBCKT_INCLUDE)
    text = "include test\n.include half.lib\nv1 a 0 2\nx1 a 0 half\n.op\n.end\n"
    plots = run_ngspice(text=text, workdir=work)
    (op,) = plots
    assert op["v(x1.m)"][0] == pytest.approx(1.0, rel=1e-12)
    assert op["i(v1)"][0] == pytest.approx(-1e-3, rel=1e-12)
    assert [x.name for x in work.iterdir()] == ["half.lib"]  # temp deck removed
    assert list(private_tmp.iterdir()) == []


@live
def test_run_ngspice_deck_include_resolves_beside_deck(tmp_path: Path) -> None:
    d = tmp_path / "case"
    d.mkdir()
    (d / "half.lib").write_text(SUBCKT_INCLUDE)
    (d / "case.cir").write_text("t\n.include half.lib\nv1 a 0 4\nx1 a 0 half\n.op\n.end\n")
    (op,) = run_ngspice(d / "case.cir")
    assert op["x1.m"][0] == pytest.approx(2.0, rel=1e-12)


@live
@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        (
            "syntax\nv1 a 0 1\nq1 a b c nomodel\n.op\n.end\n",
            ["Error on line", "q1 a b c nomodel"],
        ),
        (
            "vloop\nv1 a 0 1\nv2 a 0 2\nr1 a 0 1k\n.op\n.end\n",
            ["timestep too small", "singular matrix"],
        ),
        ("missing include\n.include /nonexistent/x.lib\nv1 a 0 1\n.op\n.end\n", ["include"]),
        ("no analysis\nv1 a 0 1\nr1 a 0 1k\n.end\n", ["no rawfile"]),
    ],
    ids=["syntax", "voltage-loop", "missing-include", "no-analysis"],
)
def test_run_ngspice_reports_errors(
    text: str, fragments: list[str], private_tmp: Path, tmp_path: Path
) -> None:
    with pytest.raises(NgspiceError) as info:
        run_ngspice(text=text)
    msg = str(info.value).lower()
    for f in fragments:
        assert f.lower() in msg
    assert list(private_tmp.iterdir()) == []


@live
def test_run_ngspice_timeout(private_tmp: Path) -> None:
    text = "slow\nv1 a 0 sin(0 1 1meg)\nr1 a b 1k\nc1 b 0 1n\n.tran 1p 10m 0 1p\n.end\n"
    with pytest.raises(NgspiceError, match=r"did not finish within 0\.5 s"):
        run_ngspice(text=text, timeout=0.5)
    assert list(private_tmp.iterdir()) == []


@live
def test_run_ngspice_missing_deck(tmp_path: Path) -> None:
    with pytest.raises(NgspiceError, match="no such deck"):
        run_ngspice(tmp_path / "absent.cir")


# ----------------------------------------------------------------------------------------
# shared mode
# ----------------------------------------------------------------------------------------


def _pyspice_importable() -> bool:
    try:
        import PySpice  # noqa: F401
    except ImportError:
        return False
    return True


@live
@pytest.mark.skipif(not _pyspice_importable(), reason="PySpice is not installed")
def test_shared_and_subprocess_agree() -> None:
    sub = run_ngspice(text=RC_DECK)
    shared = run_ngspice_shared(RC_DECK)
    assert [p.plotname for p in shared] == [p.plotname for p in sub]
    for a, b in zip(sub, shared, strict=True):
        assert b.title == a.title == "rc low-pass"
        assert b.names == a.names
        assert b.types == a.types
        assert b.data.shape == a.data.shape
        np.testing.assert_allclose(b.data, a.data, rtol=1e-12, atol=1e-300)
    # a second run in the same process starts from a clean state
    again = run_ngspice_shared(RC_DECK)
    assert [p.plotname for p in again] == [p.plotname for p in sub]
    np.testing.assert_allclose(again[-1].data, sub[-1].data, rtol=1e-12, atol=1e-300)


@live
@pytest.mark.skipif(not _pyspice_importable(), reason="PySpice is not installed")
def test_shared_reports_errors() -> None:
    with pytest.raises(NgspiceError, match="Error on line"):
        run_ngspice_shared("syntax\nv1 a 0 1\nq1 a b c nomodel\n.op\n.end\n")
    with pytest.raises(NgspiceError, match=r"(?i)timestep too small"):
        run_ngspice_shared("vloop\nv1 a 0 1\nv2 a 0 2\nr1 a 0 1k\n.op\n.end\n")
    (op,) = run_ngspice_shared("ok\nv1 a 0 3\nr1 a 0 1k\n.op\n.end\n")  # still usable
    assert op["i(v1)"][0] == pytest.approx(-3e-3, rel=1e-12)


def test_shared_without_pyspice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "PySpice.Spice.NgSpice.Shared", None)
    with pytest.raises(NgspiceError, match="PySpice is not usable"):
        run_ngspice_shared(RC_DECK)


@pytest.mark.skipif(not _pyspice_importable(), reason="PySpice is not installed")
def test_shared_without_library(tmp_path: Path) -> None:
    code = (
        "from xbar.testing.ngspice import run_ngspice_shared, NgspiceError\n"
        "try:\n"
        "    run_ngspice_shared('t\\nv1 a 0 1\\nr1 a 0 1\\n.op\\n.end\\n')\n"
        "except NgspiceError as exc:\n"
        "    print('NGSPICE-ERROR', exc)\n"
    )
    env = dict(os.environ, NGSPICE_LIBRARY_PATH=str(tmp_path / "libnothere.so"))
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert "NGSPICE-ERROR cannot load libngspice" in proc.stdout, proc.stdout + proc.stderr
    assert "libnothere.so" in proc.stdout


# ----------------------------------------------------------------------------------------
# CSV references
# ----------------------------------------------------------------------------------------


def _reference_plots() -> list[RawPlot]:
    rng = np.random.default_rng(11)
    special = np.array([[0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, 1.7976931348623157e308]])
    return [
        RawPlot(
            "deck, with comma",
            "Operating Point",
            "real",
            [f"v(n{k})" for k in range(6)] + ["i(v.x1.v1)"],
            ["voltage"] * 6 + ["current"],
            special,
        ),
        RawPlot(
            "deck, with comma",
            "DC transfer characteristic",
            "real",
            ["v-sweep", "v(a,b)", "@m.x1.m1[id]", "i(v1)"],
            ["voltage", "voltage", "current", "current"],
            rng.normal(size=(9, 4)) / 7.0,
        ),
        RawPlot(
            "deck, with comma",
            "AC Analysis",
            "complex",
            ["frequency", "v(out)", "i(v1)"],
            ["frequency", "voltage", "current"],
            rng.normal(size=(5, 3)) + 1j * rng.normal(size=(5, 3)) * np.array([0, 1, 1]),
        ),
        RawPlot("deck, with comma", "Transient Analysis", "real", ["time"], ["time"], []),
    ]


def test_reference_csv_round_trip_is_exact(tmp_path: Path) -> None:
    plots = _reference_plots()
    path = tmp_path / "case.ngspice.csv"
    write_reference_csv(plots, path, deck_name="case.cir", version="ngspice-39")
    back = read_reference_csv(path)
    assert len(back) == len(plots)
    for a, b in zip(plots, back, strict=True):
        assert b == a
        assert b.data.dtype == a.data.dtype
        assert np.array_equal(np.signbit(a.data.real), np.signbit(b.data.real))
    lines = path.read_text().splitlines()
    assert lines[0] == "# ngspice-39"
    assert lines[1] == "# deck: case.cir"
    assert lines[2] == "# plot: Operating Point"
    assert "# plot: DC transfer characteristic" in lines
    header = lines.index("# plot: DC transfer characteristic") + 4
    assert lines[header] == 'v-sweep,"v(a,b)",@m.x1.m1[id],i(v1)'
    # numbers are written as repr(float)
    first_dc = lines[header + 1].split(",")
    assert float(first_dc[0]) == plots[1].data[0, 0]
    assert first_dc[0] == repr(float(plots[1].data[0, 0]))


@live
def test_reference_csv_default_version_line(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    write_reference_csv(_reference_plots()[:1], path, deck_name="v.cir")
    assert path.read_text().splitlines()[0] == f"# {ngspice_version()}"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("# ngspice-39\n# deck: x.cir\n# plot: Operating Point\nv(a),v(b)\n1.0\n", "expected 2"),
        ("# ngspice-39\n# deck: x.cir\n# plot: Operating Point\nv(a)\nabc\n", "not a number"),
        ("# ngspice-39\n# deck: x.cir\nv(a)\n1.0\n", "before the first"),
        ("# ngspice-39\n# deck: x.cir\n", "no '# plot:'"),
        ("", "no '# plot:'"),
        (
            "# ngspice-39\n# plot: Operating Point\n# types: voltage\nv(a),v(b)\n1.0,2.0\n",
            "1 types for 2 vectors",
        ),
        ("# ngspice-39\n# plot: Operating Point\n# flags: odd\nv(a)\n", "flags"),
        ("# ngspice-39\n# plot: Operating Point\n", "no header row"),
    ],
    ids=[
        "short-row",
        "bad-number",
        "no-plot-line",
        "no-plot",
        "empty",
        "types",
        "flags",
        "no-header",
    ],
)
def test_reference_csv_errors_name_the_file(tmp_path: Path, body: str, fragment: str) -> None:
    path = tmp_path / "bad.ngspice.csv"
    path.write_text(body)
    with pytest.raises(XbarError) as info:
        read_reference_csv(path)
    assert "bad.ngspice.csv" in str(info.value)
    assert fragment in str(info.value)


def test_read_reference_csv_missing_file(tmp_path: Path) -> None:
    with pytest.raises(XbarError, match=r"absent\.csv"):
        read_reference_csv(tmp_path / "absent.csv")


# ----------------------------------------------------------------------------------------
# CLI
# ----------------------------------------------------------------------------------------


def _make_case(root: Path, name: str, text: str) -> Path:
    d = root / name
    d.mkdir(parents=True)
    (d / f"{name}.cir").write_text(text)
    return d


@live
def test_cli_regen_one_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    case = _make_case(tmp_path / "golden", "rc", RC_DECK)
    assert main(["--regen", str(case)]) == 0
    out = case / "rc.ngspice.csv"
    assert str(out) in capsys.readouterr().out
    ref = read_reference_csv(out)
    assert ref == run_ngspice(case / "rc.cir")
    head = out.read_text().splitlines()[:2]
    assert head == [f"# {ngspice_version()}", "# deck: rc.cir"]


@live
def test_cli_regen_all(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    golden = tmp_path / "golden"
    _make_case(golden, "rc", RC_DECK)
    _make_case(golden, "div", "div\nv1 a 0 1\nr1 a b 1k\nr2 b 0 1k\n.op\n.end\n")
    _make_case(golden, "broken", "broken\nv1 a 0 1\nq1 a b c nomodel\n.op\n.end\n")
    (golden / "notes").mkdir()  # not a case: ignored
    assert main(["--regen-all", str(golden)]) == 1  # one case failed
    captured = capsys.readouterr()
    assert "FAILED" in captured.err
    assert "broken" in captured.err
    assert (golden / "rc" / "rc.ngspice.csv").is_file()
    (div,) = read_reference_csv(golden / "div" / "div.ngspice.csv")
    assert div["b"][0] == pytest.approx(0.5, rel=1e-12)
    assert not (golden / "broken" / "broken.ngspice.csv").exists()
    assert not (golden / "notes" / "notes.ngspice.csv").exists()


def test_cli_regen_missing_deck(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "empty").mkdir()
    assert main(["--regen", str(tmp_path / "empty")]) == 1
    assert "empty.cir" in capsys.readouterr().err
    with pytest.raises(NgspiceError, match="no such deck"):
        regen_case(tmp_path / "empty")
    assert main(["--regen-all", str(tmp_path / "empty")]) == 2


def test_cli_requires_a_mode() -> None:
    with pytest.raises(SystemExit):
        main([])


@live
def test_cli_as_module(tmp_path: Path) -> None:
    case = _make_case(tmp_path, "div", "div\nv1 a 0 1\nr1 a b 3k\nr2 b 0 1k\n.op\n.end\n")
    proc = subprocess.run(
        [sys.executable, "-m", "xbar.testing.ngspice", "--regen", str(case)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    (op,) = read_reference_csv(case / "div.ngspice.csv")
    assert op["v(b)"][0] == pytest.approx(0.25, rel=1e-12)
