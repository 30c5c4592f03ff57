"""Tests of xbar.io.rawfile: round trips, ngspice's own rawfiles, ngspice loading ours."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from xbar.errors import XbarError
from xbar.io.rawfile import (
    RawPlot,
    ngspice_vector_name,
    normalize_vector_name,
    read_rawfile,
    write_rawfile,
)

HAVE_NGSPICE = shutil.which("ngspice") is not None


def live(func):
    """Mark a test as needing a live ngspice (skipped with a reason when it is missing)."""
    func = pytest.mark.skipif(not HAVE_NGSPICE, reason="ngspice is not installed")(func)
    return pytest.mark.ngspice(func)


# Deck with a subcircuit (so that flattened names appear), a V source and .op/.dc/.tran.
SUBCKT_DECK = """subckt naming deck
.subckt div a b
r1 a n2 1k
r2 n2 b 1k
v1 n2 n3 0
r3 n3 b 1k
.ends
v1 in 0 dc 1
r1 in out 1k
x1 out 0 div
c1 out 0 1n
.op
.dc v1 0 1 0.5
.tran 1u 5u
.end
"""

# Exact solution of SUBCKT_DECK at v1 = 1 V (x1 is 1.5 kOhm).
OP_VALUES = {
    "v(in)": 1.0,
    "v(out)": 0.6,
    "v(x1.n2)": 0.2,
    "v(x1.n3)": 0.2,
    "i(v.x1.v1)": 2e-4,
    "i(v1)": -4e-4,
}


def make_plots() -> list[RawPlot]:
    """An op, a dc and a tran plot with awkward (full-precision) numbers."""
    rng = np.random.default_rng(7)
    node_names = ["v(in)", "v(out)", "v(x1.n2)", "i(v.x1.v1)", "i(v1)"]
    node_types = ["voltage", "voltage", "voltage", "current", "current"]
    op = RawPlot(
        "round trip",
        "Operating Point",
        "real",
        node_names,
        node_types,
        rng.normal(size=(1, 5)) * np.array([1, 1, 1, 1e-3, 1e-3]),
    )
    sweep = np.linspace(0.0, 1.0, 7)
    dc = RawPlot(
        "round trip",
        "DC transfer characteristic",
        "real",
        ["v-sweep", *node_names],
        ["voltage", *node_types],
        np.column_stack([sweep, rng.normal(size=(7, 5)) / 3.0]),
    )
    t = np.cumsum(rng.uniform(1e-9, 2e-9, size=11)) - 1e-9
    tran = RawPlot(
        "round trip",
        "Transient Analysis",
        "real",
        ["time", *node_names],
        ["time", *node_types],
        np.column_stack([t, rng.normal(size=(11, 5)) * 1e-7]),
    )
    return [op, dc, tran]


def make_complex_plot() -> RawPlot:
    rng = np.random.default_rng(3)
    f = np.logspace(1, 4, 6)
    vals = rng.normal(size=(6, 3)) + 1j * rng.normal(size=(6, 3))
    return RawPlot(
        "ac deck",
        "AC Analysis",
        "complex",
        ["frequency", "v(a)", "v(x1.b)", "i(v1)"][:4],
        ["frequency", "voltage", "voltage", "current"],
        np.column_stack([f.astype(complex), vals]),
    )


# ----------------------------------------------------------------------------------------
# names
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "vtype", "expected"),
    [
        ("v(out)", "voltage", "v(out)"),
        ("V(OUT)", None, "v(out)"),
        ("out", "voltage", "v(out)"),
        ("x1.n2", "voltage", "v(x1.n2)"),
        ("v1#branch", "current", "i(v1)"),
        ("V.X1.V1#branch", "current", "i(v.x1.v1)"),
        ("i(v1)", "current", "i(v1)"),
        ("v(v-sweep)", "voltage", "v-sweep"),
        ("i(i-sweep)", "current", "i-sweep"),
        ("v-sweep", "voltage", "v-sweep"),
        ("res-sweep", "res-sweep", "res-sweep"),
        ("temp-sweep", "temp-sweep", "temp-sweep"),
        ("time", "time", "time"),
        ("frequency", "frequency", "frequency"),
        ("@R1[i]", "current", "@r1[i]"),
        ("@m.x1.m1[id]", "notype", "@m.x1.m1[id]"),
        ("foo", "notype", "foo"),
    ],
)
def test_normalize_vector_name(raw: str, vtype: str | None, expected: str) -> None:
    assert normalize_vector_name(raw, vtype) == expected


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ("v-sweep", "v(v-sweep)"),
        ("i-sweep", "i(i-sweep)"),
        ("res-sweep", "res-sweep"),
        ("temp-sweep", "temp-sweep"),
        ("time", "time"),
        ("v(x1.n2)", "v(x1.n2)"),
        ("i(v.x1.v1)", "i(v.x1.v1)"),
    ],
)
def test_ngspice_vector_name(name: str, written: str) -> None:
    assert ngspice_vector_name(name) == written


def test_rawplot_normalises_names_and_getitem_spellings() -> None:
    p = RawPlot(
        "t",
        "DC transfer characteristic",
        "real",
        ["v(v-sweep)", "OUT", "v1#branch", "V(X1.N2)"],
        ["voltage", "voltage", "current", "voltage"],
        np.arange(8.0).reshape(2, 4),
    )
    assert p.names == ["v-sweep", "v(out)", "i(v1)", "v(x1.n2)"]
    for key in ("v(out)", "V(OUT)", "out", "OUT"):
        np.testing.assert_array_equal(p[key], [1.0, 5.0])
    for key in ("i(v1)", "v1#branch", "I(V1)", "V1#BRANCH"):
        np.testing.assert_array_equal(p[key], [2.0, 6.0])
    np.testing.assert_array_equal(p["x1.n2"], [3.0, 7.0])
    np.testing.assert_array_equal(p["v-sweep"], [0.0, 4.0])
    np.testing.assert_array_equal(p.scale, [0.0, 4.0])
    assert p.npoints == 2
    assert "out" in p
    assert "nope" not in p


def test_getitem_unknown_vector_lists_available() -> None:
    p = make_plots()[0]
    with pytest.raises(XbarError) as info:
        p["v(nope)"]
    msg = str(info.value)
    assert "v(nope)" in msg
    assert "v(out)" in msg
    assert "i(v1)" in msg
    assert not isinstance(info.value, KeyError)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"flags": "imaginary"}, "flags"),
        ({"types": ["voltage"]}, "types"),
        ({"data": np.zeros((3, 2))}, "shape"),
        ({"data": [["a", "b", "c"]]}, "converted"),
    ],
)
def test_rawplot_rejects_inconsistent_fields(kwargs: dict, fragment: str) -> None:
    fields = {
        "title": "t",
        "plotname": "Operating Point",
        "flags": "real",
        "names": ["v(a)", "v(b)", "i(v1)"],
        "types": ["voltage", "voltage", "current"],
        "data": np.zeros((1, 3)),
    }
    fields.update(kwargs)
    with pytest.raises(XbarError, match=fragment):
        RawPlot(**fields)


# ----------------------------------------------------------------------------------------
# round trips
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("binary", [False, True], ids=["ascii", "binary"])
def test_round_trip_real_multi_plot(tmp_path: Path, binary: bool) -> None:
    plots = make_plots()
    path = tmp_path / "rt.raw"
    write_rawfile(path, plots, binary=binary)
    back = read_rawfile(path)
    assert len(back) == 3
    for a, b in zip(plots, back, strict=True):
        assert b.title == a.title
        assert b.plotname == a.plotname
        assert b.flags == "real"
        assert b.names == a.names
        assert b.types == a.types
        assert b.data.dtype == np.float64
        np.testing.assert_array_equal(b.data, a.data)  # exact
        assert b == a
    head = path.read_bytes()[:400]
    assert (b"Binary:" in head) is binary


@pytest.mark.parametrize("binary", [False, True], ids=["ascii", "binary"])
def test_round_trip_complex(tmp_path: Path, binary: bool) -> None:
    plot = make_complex_plot()
    path = tmp_path / "ac.raw"
    write_rawfile(path, [plot, *make_plots()[:1]], binary=binary)
    back = read_rawfile(path)
    assert [p.flags for p in back] == ["complex", "real"]
    assert back[0].data.dtype == np.complex128
    np.testing.assert_array_equal(back[0].data, plot.data)
    assert back[0] == plot
    np.testing.assert_array_equal(back[0]["x1.b"], plot.data[:, 2])


@pytest.mark.parametrize("binary", [False, True], ids=["ascii", "binary"])
def test_round_trip_special_values_and_single_plot(tmp_path: Path, binary: bool) -> None:
    data = np.array([[0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, 1.7976931348623157e308]])
    plot = RawPlot(
        "t", "Operating Point", "real", [f"v(n{k})" for k in range(7)], ["voltage"] * 7, data
    )
    path = tmp_path / "sp.raw"
    write_rawfile(path, plot, binary=binary)  # a bare RawPlot is accepted too
    (back,) = read_rawfile(path)
    np.testing.assert_array_equal(back.data, data)
    assert np.signbit(back.data[0, 1])


def test_round_trip_zero_points(tmp_path: Path) -> None:
    plot = RawPlot("t", "Transient Analysis", "real", ["time", "v(a)"], ["time", "voltage"], [])
    assert plot.data.shape == (0, 2)
    path = tmp_path / "z.raw"
    write_rawfile(path, [plot, *make_plots()])
    back = read_rawfile(path)
    assert back[0].data.shape == (0, 2)
    assert back[1:] == make_plots()


def test_written_ascii_header_looks_like_ngspice(tmp_path: Path) -> None:
    path = tmp_path / "h.raw"
    write_rawfile(path, make_plots()[1], date="Mon Jan  1 00:00:00  2024")
    lines = path.read_text().splitlines()
    assert lines[:7] == [
        "Title: round trip",
        "Date: Mon Jan  1 00:00:00  2024",
        "Plotname: DC transfer characteristic",
        "Flags: real",
        "No. Variables: 6",
        "No. Points: 7",
        "Variables:",
    ]
    assert lines[7] == "\t0\tv(v-sweep)\tvoltage"
    assert lines[8] == "\t1\tv(in)\tvoltage"
    assert lines[12] == "\t5\ti(v1)\tcurrent"
    assert lines[13] == "Values:"
    assert re.fullmatch(r"0\t\t0\.0+e\+00", lines[14])


def test_write_rejects_non_plots(tmp_path: Path) -> None:
    with pytest.raises(XbarError, match="RawPlot"):
        write_rawfile(tmp_path / "x.raw", [object()])  # type: ignore[list-item]


# ----------------------------------------------------------------------------------------
# reading hand-written files in ngspice's formats
# ----------------------------------------------------------------------------------------

NGSPICE_ASCII = """Title: sweeps
Date: Mon Nov 23 19:59:47  2026
Plotname: AC Analysis
Flags: complex
No. Variables: 3
No. Points: 2{PAD}
Variables:
\t0\tfrequency\tfrequency\tgrid=3
\t1\tv(a)\tvoltage
\t2\tv1#branch\tcurrent
Values:
0\t\t1.000000000000000e+03,-2.489855280010848e+199
\t1.000000000000000e+00,0.000000000000000e+00
\t-1.000000000000000e-03,2.500000000000000e-04
1\t\t1.000000000000000e+04,-2.489855280010848e+199
\t5.000000000000000e-01,-5.000000000000000e-01
\t-2.000000000000000e-03,0.000000000000000e+00
Title: sweeps
Date: Mon Nov 23 19:59:47  2026
Plotname: DC transfer characteristic
Flags: real
No. Variables: 2
No. Points: 3{PAD}
Variables:
\t0\ti(i-sweep)\tcurrent
\t1\tv(a)\tvoltage
Values:
0\t\t0.000000000000000e+00
\t0.000000000000000e+00
1\t\t5.000000000000000e-04
\t5.000000000000000e-01
2\t\t1.000000000000000e-03
\t1.000000000000000e+00
""".replace("{PAD}", " " * 7)  # ngspice pads the point count it rewrites at the end


def test_read_ngspice_style_ascii(tmp_path: Path) -> None:
    path = tmp_path / "ng.raw"
    path.write_text(NGSPICE_ASCII)
    ac, dc = read_rawfile(path)
    assert ac.plotname == "AC Analysis"
    assert ac.names == ["frequency", "v(a)", "i(v1)"]
    assert ac.types == ["frequency", "voltage", "current"]
    # ngspice leaves garbage in the imaginary part of the frequency scale: dropped.
    np.testing.assert_array_equal(ac.scale, [1e3 + 0j, 1e4 + 0j])
    np.testing.assert_array_equal(ac["v1#branch"], [-1e-3 + 2.5e-4j, -2e-3 + 0j])
    assert dc.names == ["i-sweep", "v(a)"]
    np.testing.assert_array_equal(dc["a"], [0.0, 0.5, 1.0])


# ----------------------------------------------------------------------------------------
# malformed files
# ----------------------------------------------------------------------------------------


def _write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_truncated_binary_names_file_and_expectation(tmp_path: Path) -> None:
    good = tmp_path / "good.raw"
    write_rawfile(good, make_plots(), binary=True)
    cut = _write(tmp_path, "cut.raw", good.read_bytes()[:-20])
    with pytest.raises(XbarError) as info:
        read_rawfile(cut)
    msg = str(info.value)
    assert "cut.raw" in msg
    assert "truncated" in msg
    assert "11 points x 6 variables" in msg


def test_truncated_ascii_names_file(tmp_path: Path) -> None:
    good = tmp_path / "good.raw"
    write_rawfile(good, make_plots())
    text = good.read_bytes()
    cut = _write(tmp_path, "cut_ascii.raw", text[: len(text) - 40])
    with pytest.raises(XbarError, match=r"cut_ascii\.raw.*truncated"):
        read_rawfile(cut)


def test_truncated_ascii_before_next_plot(tmp_path: Path) -> None:
    text = NGSPICE_ASCII.replace("No. Points: 2       ", "No. Points: 3")
    path = _write(tmp_path, "short.raw", text.encode())
    with pytest.raises(XbarError, match=r"short\.raw.*expected 3 points"):
        read_rawfile(path)


def test_truncated_header(tmp_path: Path) -> None:
    good = tmp_path / "good.raw"
    write_rawfile(good, make_plots()[0])
    text = good.read_text()
    cut = _write(tmp_path, "head.raw", text[: text.index("\t4\ti(v1)")].encode())
    with pytest.raises(XbarError, match=r"head\.raw.*expected 5 variables, found 4"):
        read_rawfile(cut)


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (b"Hello world\nthis is not a rawfile\n", "not a SPICE rawfile"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary junk", "not a SPICE rawfile"),
        (b"", "empty rawfile"),
        (
            b"Title: t\nPlotname: x\nFlags: real\nNo. Variables: 1\nVariables:\n\t0\ta\tvoltage\n"
            b"Values:\n0\t1.0\n",
            "No. points",
        ),
        (
            b"Title: t\nFlags: real\nNo. Variables: 2\nNo. Points: 1\nVariables:\n\t0\ta\tvoltage\n"
            b"Values:\n0\t1.0\n",
            "variable line",
        ),
        (
            b"Title: t\nFlags: weird\nNo. Variables: 1\nNo. Points: 1\nVariables:\n"
            b"\t0\ta\tvoltage\n"
            b"Values:\n0\t1.0\n",
            "Flags: real",
        ),
        (
            b"Title: t\nFlags: real\nNo. Variables: 1\nNo. Points: 1\nVariables:\n\t0\ta\tvoltage\n"
            b"Values:\n0\tabc\n",
            "expected 1 numbers",
        ),
        (
            b"Title: t\nFlags: real\nNo. Variables: 1\nNo. Points: 2\nVariables:\n\t0\ta\tvoltage\n"
            b"Values:\n0\t1.0\n5\t2.0\n",
            "expected point index 1",
        ),
        (b"Title: t\nFlags: real\nNo. Variables: x\nNo. Points: 1\nVariables:\n", "integer"),
        (
            b"Title: t\nFlags: real\nNo. Variables: 1\nNo. Points: 1\nVariables:\n\t0\ta\tvoltage\n"
            b"Values:\n0\t1.0\t7\n",
            "unexpected text",
        ),
        (b"Title: t\nwhat is this\n", "unexpected line"),
        (
            b"Title: t\nFlags: real\nNo. Variables: 1\nNo. Points: 1\nVariables:\n\t0\ta\tvoltage\n"
            b"Values:\n0\t1.0\n7\n",
            "next plot",
        ),
    ],
    ids=[
        "text",
        "binary-junk",
        "empty",
        "no-points",
        "too-few-variables",
        "bad-flags",
        "bad-number",
        "bad-index",
        "bad-count",
        "trailing",
        "strange-header",
        "junk-after-plot",
    ],
)
def test_garbled_files_raise_xbar_error(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = _write(tmp_path, "garbled.raw", content)
    with pytest.raises(XbarError) as info:
        read_rawfile(path)
    assert "garbled.raw" in str(info.value)
    assert fragment.lower() in str(info.value).lower()


def test_missing_file_raises_xbar_error(tmp_path: Path) -> None:
    with pytest.raises(XbarError, match=r"nothere\.raw"):
        read_rawfile(tmp_path / "nothere.raw")


# ----------------------------------------------------------------------------------------
# live ngspice
# ----------------------------------------------------------------------------------------


def _ngspice_raw(tmp_path: Path, *, ascii: bool) -> list[RawPlot]:
    deck = tmp_path / "deck.cir"
    deck.write_text(SUBCKT_DECK)
    raw = tmp_path / ("a.raw" if ascii else "b.raw")
    env = dict(os.environ)
    env.pop("SPICE_ASCIIRAWFILE", None)
    if ascii:
        env["SPICE_ASCIIRAWFILE"] = "1"
    proc = subprocess.run(
        ["ngspice", "-b", "-r", str(raw), str(deck)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert (b"Binary:" in raw.read_bytes()) is not ascii
    return read_rawfile(raw)


@live
@pytest.mark.parametrize("ascii", [False, True], ids=["binary", "ascii"])
def test_read_what_ngspice_writes(tmp_path: Path, ascii: bool) -> None:
    plots = _ngspice_raw(tmp_path, ascii=ascii)
    by_name = {p.plotname: p for p in plots}
    assert set(by_name) == {"Operating Point", "DC transfer characteristic", "Transient Analysis"}
    assert all(p.title == "subckt naming deck" for p in plots)
    op = by_name["Operating Point"]
    assert op.names == list(OP_VALUES)
    assert op.types == ["voltage"] * 4 + ["current"] * 2
    for name, value in OP_VALUES.items():
        assert op[name][0] == pytest.approx(value, rel=1e-12, abs=1e-18)
    dc = by_name["DC transfer characteristic"]
    assert dc.names == ["v-sweep", *OP_VALUES]
    np.testing.assert_allclose(dc.scale, [0.0, 0.5, 1.0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(dc["out"], 0.6 * dc.scale, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dc["v1#branch"], -4e-4 * dc.scale, rtol=1e-12, atol=1e-18)
    tr = by_name["Transient Analysis"]
    assert tr.names == ["time", *OP_VALUES]
    assert tr.scale[0] == 0.0
    assert tr.scale[-1] == pytest.approx(5e-6)
    assert np.all(np.diff(tr.scale) > 0)
    np.testing.assert_allclose(tr["v(x1.n2)"], 0.2, rtol=1e-9)


@live
def test_ngspice_ascii_and_binary_agree(tmp_path: Path) -> None:
    a = _ngspice_raw(tmp_path, ascii=True)
    b = _ngspice_raw(tmp_path, ascii=False)
    assert [p.names for p in a] == [p.names for p in b]
    for pa, pb in zip(a, b, strict=True):
        # ngspice's ASCII has 16 significant digits
        np.testing.assert_allclose(pa.data, pb.data, rtol=2e-15, atol=1e-30)


_ROW_RE = re.compile(r"^(\d+)\t(.*)$")


def _ngspice_print(tmp_path: Path, raw: Path, commands: list[str]) -> str:
    script = tmp_path / "load.cir"
    script.write_text(
        "* load a rawfile written by xbar\n.control\nset numdgt=17\nset height=100000\nset width=2000\n"
        f"load {raw.name}\n" + "\n".join(commands) + "\nquit 0\n.endc\n.end\n"
    )
    proc = subprocess.run(
        ["ngspice", "-b", str(script)],
        cwd=raw.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "error" not in proc.stderr.lower(), proc.stderr
    assert "not available" not in proc.stderr, proc.stderr
    return proc.stdout


def _sections(out: str) -> dict[str, list[list[str]]]:
    """Split `echo @@name` marked ngspice output into table rows (lists of cells)."""
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for line in out.splitlines():
        if line.startswith("@@"):
            current = sections.setdefault(line[2:].strip(), [])
            continue
        if current is None:
            continue
        m = _ROW_RE.match(line)
        if m:
            current.append([c.strip() for c in m.group(2).split("\t") if c.strip()])
        elif " = " in line:
            current.append([line.split(" = ", 1)[1].strip()])
    return sections


@live
@pytest.mark.parametrize("binary", [False, True], ids=["ascii", "binary"])
def test_ngspice_loads_what_we_write(tmp_path: Path, binary: bool) -> None:
    op, dc, tran = make_plots()
    raw = tmp_path / "ours.raw"
    write_rawfile(raw, [op, dc, tran], binary=binary)
    names = op.names  # v(in) v(out) v(x1.n2) i(v.x1.v1) i(v1)
    commands = ["setplot op1"]
    for n in names:
        commands += [f"echo @@op {n}", f"print {n}"]
    commands += ["echo @@op bare out", "print out"]
    commands += ["setplot dc1", "echo @@dc", "print v(v-sweep) " + " ".join(names)]
    commands += ["setplot tran1", "echo @@tran", "print " + " ".join(names)]
    commands += ["echo @@tran-time", "print time"]
    out = _ngspice_print(tmp_path, raw, commands)
    sec = _sections(out)
    for k, n in enumerate(names):
        assert float(sec[f"op {n}"][0][0]) == op.data[0, k], n
    assert float(sec["op bare out"][0][0]) == op["v(out)"][0]
    dc_rows = np.array([[float(c) for c in row] for row in sec["dc"]])
    np.testing.assert_array_equal(dc_rows, dc.data)
    tr_rows = np.array([[float(c) for c in row] for row in sec["tran"]])
    np.testing.assert_array_equal(tr_rows, tran.data[:, 1:])
    t_rows = np.array([float(row[0]) for row in sec["tran-time"]])
    np.testing.assert_array_equal(t_rows, tran.scale)


@live
def test_ngspice_loads_our_complex_plot(tmp_path: Path) -> None:
    ac = make_complex_plot()
    raw = tmp_path / "ac.raw"
    write_rawfile(raw, ac)
    out = _ngspice_print(
        tmp_path,
        raw,
        [
            "setplot ac1",
            "echo @@re",
            "print real(v(x1.b))",
            "echo @@im",
            "print imag(i(v1))",
            "echo @@f",
            "print frequency",
        ],
    )
    sec = _sections(out)
    np.testing.assert_array_equal([float(r[0]) for r in sec["re"]], ac["v(x1.b)"].real)
    np.testing.assert_array_equal([float(r[0]) for r in sec["im"]], ac["i(v1)"].imag)
    np.testing.assert_array_equal([float(r[0]) for r in sec["f"]], ac.scale.real)


@live
def test_ngspice_rewrites_our_file_identically(tmp_path: Path) -> None:
    """ngspice `load` + `write` of our ASCII file gives back the same names and values."""
    plots = make_plots()
    raw = tmp_path / "ours.raw"
    write_rawfile(raw, plots)
    commands = []
    for k, plot in enumerate(("op1", "dc1", "tran1")):
        commands += [f"setplot {plot}", f"write again{k}.raw"]
    _ngspice_print(tmp_path, raw, ["set filetype=binary", *commands])
    for k, plot in enumerate(plots):
        (again,) = read_rawfile(tmp_path / f"again{k}.raw")
        assert again.plotname == plot.plotname
        assert sorted(again.names) == sorted(plot.names)
        for n in plot.names:
            np.testing.assert_array_equal(again[n], plot[n])
