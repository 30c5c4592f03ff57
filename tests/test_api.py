"""Python-API tests: the builder, subcircuits, deck round trips, results, sweeps and transients.

Reference answers are closed forms or small solutions written here (scalar Newton for the
diode); where ngspice is installed the written decks are also run there.
"""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

import xbar
from xbar.devices.waveforms import WaveformSpec
from xbar.errors import NetlistError, XbarError
from xbar.testing.ngspice import ngspice_available, run_ngspice

needs_ngspice = pytest.mark.skipif(not ngspice_available(), reason="ngspice is not installed")

K_BOLTZMANN = 1.38064852e-23  # ngspice 39 (CODATA 2014), as xbar.devices.diode
Q_ELECTRON = 1.6021766208e-19


def assert_same_op(a: xbar.OpResult, b: xbar.OpResult, rel: float = 1e-12, abs_: float = 1e-15) -> None:
    assert sorted(a.names) == sorted(b.names)
    for name in a.names:
        assert a[name] == pytest.approx(b[name], rel=rel, abs=abs_), name


# ---------------------------------------------------------------------------------------------
# builder basics and names
# ---------------------------------------------------------------------------------------------


def test_divider_and_unknown_names() -> None:
    c = xbar.Circuit("divider")
    c.V("in", "in", "0", 1.0)
    c.R("1", "in", "out", 1e3)
    c.R("2", "out", "0", 3e3)
    op = c.op()
    assert op.kind == "op"
    assert op.names == ["v(in)", "v(out)", "i(vin)"]
    assert op["v(out)"] == pytest.approx(0.75, rel=1e-15)
    # SPICE sign: current into the + terminal through the source
    assert op["i(vin)"] == pytest.approx(-1.0 / 4e3, rel=1e-15)
    assert c.element_count() == 3
    assert c.title == "divider"


def test_name_normalisation() -> None:
    c = xbar.Circuit()
    c.V("IN", "In", "GND", 2.0)  # "gnd" is ground
    c.R("1", "IN", "Mid", 1e3)  # -> r1
    c.R("R2", "mid", "0", 1e3)  # already prefixed, upper case -> r2
    c.R("load", "MID", "0", 2e3)  # -> rload
    c.E("Buf", "OUT", "0", "mid", "0", 1.0)  # -> ebuf
    c.R("x", "out", "0", 1e3)
    assert set(c.element_kind) == {"vin", "r1", "r2", "rload", "ebuf", "rx"}
    op = c.op()
    assert op.names == ["v(in)", "v(mid)", "v(out)", "i(vin)", "i(ebuf)"]
    assert op["v(mid)"] == pytest.approx(2.0 * 666.6666666666666 / 1666.6666666666667, rel=1e-14)
    assert op["v(out)"] == pytest.approx(op["v(mid)"], rel=1e-15)


@pytest.mark.parametrize(
    ("first", "second"),
    [(("R", "1"), ("R", "1")), (("R", "1"), ("R", "r1")), (("R", "Load"), ("R", "rLOAD")),
     (("V", "1"), ("V", "V1")), (("C", "1"), ("C", "c1")), (("L", "a"), ("L", "LA"))],
)
def test_duplicate_names_raise(first: tuple[str, str], second: tuple[str, str]) -> None:
    c = xbar.Circuit()
    getattr(c, first[0])(first[1], "a", "0", 1.0)
    with pytest.raises(NetlistError, match="duplicate element name"):
        getattr(c, second[0])(second[1], "b", "0", 2.0)


def test_same_suffix_different_kinds_is_fine() -> None:
    c = xbar.Circuit()
    c.V("1", "a", "0", 1.0)
    c.R("1", "a", "0", 1.0)
    c.I("1", "0", "a", 1.0)
    assert set(c.element_kind) == {"v1", "r1", "i1"}


def test_duplicate_in_bulk_add_raises() -> None:
    c = xbar.Circuit()
    c.R("cell1", "a", "0", 1.0)
    with pytest.raises(NetlistError, match="duplicate element name 'rcell1'"):
        c.add_many("r", "cell", [["a", "b"], ["b", "0"]], {"r": 1.0})
    with pytest.raises(NetlistError, match="duplicate"):
        c.add_many("r", ["q", "Q"], [["a", "b"], ["b", "0"]], {"r": 1.0})


def test_failed_bulk_add_leaves_no_trace() -> None:
    c = xbar.Circuit()
    c.R("1", "a", "0", 1.0)
    with pytest.raises(NetlistError):
        c.add_many("r", ["new", "1"], [["a", "0"], ["a", "0"]], {"r": 2.0})
    assert c.element_count() == 1
    c.R("new", "a", "0", 5.0)  # once raised "duplicate element name 'rnew'" (phantom name)


def test_bad_values_raise_netlist_error() -> None:
    c = xbar.Circuit()
    with pytest.raises(NetlistError, match="zero resistance"):
        c.R("1", "a", "0", 0.0)
    with pytest.raises(NetlistError, match="must be a number"):
        c.R("2", "a", "0", "1k")  # type: ignore[arg-type]
    with pytest.raises(NetlistError, match="finite"):
        c.C("1", "a", "0", float("inf"))
    with pytest.raises(NetlistError, match="unknown column"):
        c.add_many("r", "x", [["a", "0"]], {"r": 1.0, "bogus": 2.0})


@pytest.mark.filterwarnings("ignore::xbar.errors.LintWarning")  # the circuit is ill-posed or dangling on purpose
def test_ground_only_and_empty_circuits() -> None:
    empty = xbar.Circuit()
    assert empty.op().names == []
    c = xbar.Circuit()
    c.R("1", "a", "0", 1.0)
    assert c.op()["v(a)"] == 0.0


# ---------------------------------------------------------------------------------------------
# bulk add
# ---------------------------------------------------------------------------------------------


def _ladder_one_by_one(r_series: np.ndarray, r_shunt: np.ndarray) -> xbar.Circuit:
    c = xbar.Circuit("ladder")
    c.V("in", "n0", "0", 1.5)
    c.I("load", "n5", "0", 1e-4)
    for k, (rs, rp) in enumerate(zip(r_series, r_shunt, strict=True)):
        c.R(f"s{k}", f"n{k}", f"n{k + 1}", rs)
        c.R(f"p{k}", f"n{k + 1}", "0", rp)
    return c


def test_bulk_add_equals_one_by_one() -> None:
    rng = np.random.default_rng(7)
    n = 40
    rs = 10 ** rng.uniform(0, 3, n)
    rp = 10 ** rng.uniform(2, 5, n)
    ref = _ladder_one_by_one(rs, rp).op()

    # node names as strings, explicit name lists
    c = xbar.Circuit("ladder")
    c.V("in", "n0", "0", 1.5)
    c.add_many("i", ["load"], [["n5", "0"]], {"dc": 1e-4})
    c.add_many("r", [f"s{k}" for k in range(n)],
               np.array([[f"n{k}", f"n{k + 1}"] for k in range(n)]), {"r": rs})
    c.add_many("r", [f"p{k}" for k in range(n)], [[f"n{k + 1}", "0"] for k in range(n)], {"r": rp})
    assert_same_op(c.op(), ref)

    # integer node indices (from Circuit.nodes); ground is -1
    c2 = xbar.Circuit("ladder")
    idx = c2.nodes([f"n{k}" for k in range(n + 1)])
    c2.V("in", "n0", "0", 1.5)
    c2.I("load", "n5", "0", 1e-4)
    keys = c2.add_many("r", "s", np.column_stack([idx[:-1], idx[1:]]), {"r": rs})
    assert keys[:3] == ["rs0", "rs1", "rs2"]
    c2.add_many("r", "p", np.column_stack([idx[1:], np.full(n, -1)]), {"r": rp})
    assert_same_op(c2.op(), ref)


def test_bulk_add_broadcasts_scalars_and_mixes_with_single_adds() -> None:
    c = xbar.Circuit()
    c.V("1", "a", "0", 1.0)
    c.add_many("r", "par", [["a", "b"]] * 4, {"r": 4e3})  # four 4k in parallel = 1k
    c.R("2", "b", "0", 1e3)
    assert c.op()["v(b)"] == pytest.approx(0.5, rel=1e-14)


def test_bulk_add_rejects_bad_shapes() -> None:
    c = xbar.Circuit()
    with pytest.raises(NetlistError, match="shape"):
        c.add_many("r", "x", [["a", "b", "c"]], {"r": 1.0})
    with pytest.raises(NetlistError, match="out of range"):
        c.add_many("r", "y", np.array([[0, 5]]), {"r": 1.0})
    with pytest.raises(NetlistError, match="current-controlled"):
        c.add_many("f", "z", [["a", "b"]], {"gain": 1.0})


# ---------------------------------------------------------------------------------------------
# subcircuits from Python
# ---------------------------------------------------------------------------------------------


def test_subcircuit_parameter_expressions() -> None:
    c = xbar.Circuit("sub")
    div = c.subckt("div", ["top", "bot", "mid"], r=1e3, k=1.0)
    div.R("a", "top", "mid", "{r}")
    div.R("b", "mid", "bot", "{r*2*k}")
    c.V("1", "in", "0", 3.0)
    c.X("1", "div", ["in", "0", "m1"])  # defaults: 1k / 2k
    c.X("2", "div", ["in", "0", "m2"], r=500.0, k=4.0)  # 500 / 4k
    op = c.op()
    assert op["v(m1)"] == pytest.approx(2.0, rel=1e-14)
    assert op["v(m2)"] == pytest.approx(3.0 * 4000 / 4500, rel=1e-14)
    assert {"r.x1.ra", "r.x1.rb", "r.x2.ra", "r.x2.rb"} <= set(c.element_kind)


def test_subcircuit_local_nodes_and_internal_sources() -> None:
    c = xbar.Circuit()
    s = c.subckt("cell", ["p", "n"], g=2.0)
    s.R("1", "p", "mid", 1e3)
    s.E("1", "buf", "0", "mid", "n", "{g}")
    s.R("2", "mid", "n", 1e3)
    s.R("3", "buf", "0", 1e3)
    c.V("1", "in", "0", 1.0)
    c.X("a", "cell", ["in", "0"])
    c.X("b", "cell", ["in", "0"], g=5.0)
    op = c.op()
    assert op["v(xa.mid)"] == pytest.approx(0.5, rel=1e-14)
    assert op["v(xa.buf)"] == pytest.approx(1.0, rel=1e-14)
    assert op["v(xb.buf)"] == pytest.approx(2.5, rel=1e-14)
    assert op["i(e.xb.e1)"] == pytest.approx(-2.5e-3, rel=1e-14)


def test_subcircuit_current_control_by_local_source() -> None:
    c = xbar.Circuit()
    s = c.subckt("mirror", ["inp", "out"], k=2.0)
    s.V("vs", "inp", "x", 0.0)
    s.R("1", "x", "0", 1e3)
    s.F("1", "0", "out", "vs", "{k}")
    c.V("in", "a", "0", 1.0)
    c.R("load", "o", "0", 1e3)
    c.X("1", "mirror", ["a", "o"])
    op = c.op()
    assert op["i(v.x1.vs)"] == pytest.approx(1e-3, rel=1e-14)
    assert op["v(o)"] == pytest.approx(2.0, rel=1e-14)


def test_subcircuit_current_control_by_normalised_local_name() -> None:
    c = xbar.Circuit()
    s = c.subckt("mirror", ["inp", "out"])
    s.V("s", "inp", "x", 0.0)  # element 'vs' (cf. c.V("1") -> 'v1')
    s.R("1", "x", "0", 1e3)
    s.F("1", "0", "out", "vs", 2.0)
    c.V("in", "a", "0", 1.0)
    c.R("load", "o", "0", 1e3)
    c.X("1", "mirror", ["a", "o"])
    assert c.op()["v(o)"] == pytest.approx(2.0, rel=1e-14)


def _nested(inner_name: str) -> xbar.Circuit:
    c = xbar.Circuit("nested")
    inner = c.subckt("inner", ["a", "b"], r=1.0)
    inner.R("1", "a", "mid", "{r}")
    inner.R("2", "mid", "b", "{r}")
    outer = c.subckt("outer", ["p", "q"], r=1e3)
    outer.X(inner_name, "inner", ["p", "m"], r="{r/2}")
    outer.R("3", "m", "q", "{r*2}")
    c.V("1", "in", "0", 3.0)
    c.X("1", "outer", ["in", "0"], r=2e3)
    return c


def test_nested_subcircuits_values() -> None:
    op = _nested("x2").op()
    # inner: two 1k in series (r = 2k/2) from in to x1.m; outer: 4k from x1.m to ground
    assert op["v(x1.m)"] == pytest.approx(3.0 * 4 / 6, rel=1e-14)
    assert op["v(x1.x2.mid)"] == pytest.approx(3.0 * 5 / 6, rel=1e-14)
    assert op["i(v1)"] == pytest.approx(-3.0 / 6e3, rel=1e-14)


def test_nested_subcircuit_instance_name_is_normalised() -> None:
    c = _nested("2")
    assert "r.x1.x2.r1" in c.element_kind
    assert c.op()["v(x1.x2.mid)"] == pytest.approx(2.5, rel=1e-14)


def test_subcircuit_errors() -> None:
    c = xbar.Circuit()
    s = c.subckt("s", ["a", "b"], r=1.0)
    s.R("1", "a", "b", "{r + q}")
    with pytest.raises(NetlistError, match="unknown subcircuit"):
        c.X("1", "nope", ["x", "0"])
    with pytest.raises(NetlistError, match="ports"):
        c.X("2", "s", ["x"])
    with pytest.raises(NetlistError, match="no parameter"):
        c.X("3", "s", ["x", "0"], z=1.0)
    with pytest.raises(NetlistError, match="'q'"):
        c.X("4", "s", ["x", "0"])


@pytest.mark.filterwarnings("ignore::xbar.errors.LintWarning")  # the circuit is ill-posed or dangling on purpose
def test_top_level_instance_parameter_text_raises_xbar_error() -> None:
    c = xbar.Circuit()
    s = c.subckt("s", ["a", "b"], r=1.0)
    s.R("1", "a", "b", "{r}")
    c.X("1", "s", ["x", "0"], r="2k")  # type: ignore[arg-type]  # SPICE number text is accepted
    assert c.compile().groups[0].r[0] == 2000.0
    with pytest.raises(XbarError, match=r"must be a number"):
        c.X("2", "s", ["y", "0"], r="two")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# to_netlist round trips (xbar and ngspice)
# ---------------------------------------------------------------------------------------------


def _mixed_circuit() -> xbar.Circuit:
    """Every linear kind, a subcircuit and awkward values (full-precision round trip)."""
    c = xbar.Circuit("mixed linear circuit")
    amp = c.subckt("amp", ["inp", "out"], gain=2.0, rin=1e4)
    amp.R("in", "inp", "0", "{rin}")
    amp.E("1", "o", "0", "inp", "0", "{gain}")
    amp.R("out", "o", "out", "{rin/100}")
    c.V("s", "in", "0", 1.0 / 3.0)
    c.V("sense", "in", "a", 0.0)
    c.R("1", "a", "b", 1234.5678901234)
    c.R("2", "b", "0", math.pi * 1e3)
    c.I("1", "0", "b", 1.1e-4)
    c.G("1", "b", "0", "c", "0", 3.3e-5)
    c.F("1", "0", "c", "vsense", 0.7)
    c.H("1", "d", "0", "vsense", 470.0)
    c.R("3", "c", "0", 2.2e3)
    c.R("4", "d", "c", 1e4)
    c.X("1", "amp", ["b", "e"], gain=-1.5)
    c.X("2", "amp", ["e", "f"])
    c.R("5", "f", "0", 1e3)
    return c


def test_to_netlist_round_trip_op() -> None:
    c = _mixed_circuit()
    deck = c.to_netlist([".op"])
    assert deck.splitlines()[0] == "mixed linear circuit"
    assert deck.rstrip().endswith(".end")
    netlist = xbar.read_netlist_text(deck)
    assert_same_op(netlist.circuit.op(), c.op())
    results = netlist.run()
    assert len(results) == 1
    assert results[0].kind == "op"
    assert_same_op(results[0], c.op())


def test_to_netlist_round_trip_dc_and_tran() -> None:
    c = xbar.Circuit("rc with pulse")
    c.V("1", "in", "0", 0.0, waveform=WaveformSpec("pulse", (0.0, 1.0, 1e-4, 1e-5, 2e-5, 3e-4, 1e-3)))
    c.R("1", "in", "out", 1e3)
    c.C("1", "out", "0", 1e-7)
    c.R("2", "out", "0", 3e3)
    netlist = xbar.read_netlist_text(c.to_netlist([".dc v1 0 1 0.25", ".tran 1e-5 1e-3"]))
    results = netlist.run()
    assert [r.kind for r in results] == ["dc", "tran"]
    dc = c.dc("v1", 0.0, 1.0, 0.25)
    np.testing.assert_allclose(results[0].to_numpy(), dc.to_numpy(), rtol=1e-12, atol=1e-15)
    tr = c.tran(1e-5, 1e-3)
    np.testing.assert_allclose(results[1]["time"], tr["time"], rtol=1e-12)
    np.testing.assert_allclose(results[1]["v(out)"], tr["v(out)"], rtol=1e-12, atol=1e-15)


def test_to_netlist_round_trip_diode_and_options() -> None:
    c = xbar.Circuit("diode")
    c.V("1", "in", "0", 2.0)
    c.R("1", "in", "a", 1e3)
    c.D("1", "a", "0", "dm", area=2.0)
    c.model("dm", "d", IS=2e-14, N=1.3)
    c.set_options(reltol=1e-6, vntol=1e-9, temp=50.0)
    deck = c.to_netlist([".op"])
    assert ".options" in deck
    assert_same_op(xbar.read_netlist_text(deck).circuit.op(), c.op())


@pytest.mark.ngspice
@needs_ngspice
def test_written_deck_runs_in_ngspice() -> None:
    c = _mixed_circuit()
    op = c.op()
    plot = run_ngspice(text=c.to_netlist([".op"]))[0]
    assert sorted(plot.names) == sorted(op.names)
    for name in op.names:
        assert float(plot[name][0]) == pytest.approx(op[name], rel=1e-9, abs=1e-15), name


@pytest.mark.ngspice
@needs_ngspice
def test_written_dc_deck_runs_in_ngspice() -> None:
    c = _mixed_circuit()
    dc = c.dc("vs", -1.0, 1.0, 0.5, "i1", 0.0, 2e-4, 1e-4)
    plot = run_ngspice(text=c.to_netlist([".dc vs -1 1 0.5 i1 0 2e-4 1e-4"]))[0]
    np.testing.assert_allclose(plot["v-sweep"], dc["v-sweep"], rtol=1e-12, atol=1e-15)
    for name in dc.names[1:-1]:  # skip the scale and xbar's extra 'sweep2' vector
        np.testing.assert_allclose(plot[name], dc[name], rtol=1e-9, atol=1e-15, err_msg=name)


@pytest.mark.ngspice
@needs_ngspice
def test_written_diode_deck_runs_in_ngspice() -> None:
    c = xbar.Circuit("diode")
    c.V("1", "in", "0", 5.0)
    c.R("1", "in", "a", 1e3)
    c.D("1", "a", "0", "dm")
    c.model("dm", "d", IS=1e-14)
    plot = run_ngspice(text=c.to_netlist([".op"]))[0]
    # ngspice stops Newton at its own reltol/vntol: agree to a few µV
    assert float(plot["v(a)"][0]) == pytest.approx(c.op()["v(a)"], abs=2e-5)


# ---------------------------------------------------------------------------------------------
# results API
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def divider() -> xbar.Circuit:
    c = xbar.Circuit("results")
    c.V("IN", "IN", "0", 2.0)
    c.R("1", "IN", "OUT", 1e3)
    c.R("2", "OUT", "0", 3e3)
    return c


def test_result_lookups(divider: xbar.Circuit) -> None:
    op = divider.op()
    assert op["V(OUT)"] == op["v(out)"] == op["out"] == op["OUT"] == 1.5
    assert op["v(in,out)"] == pytest.approx(0.5, rel=1e-15)
    assert op["v( out , in )"] == pytest.approx(-0.5, rel=1e-15)
    assert op["v(out,0)"] == op["v(out)"]
    assert op["I(VIN)"] == op["i(vin)"] == op["vin#branch"] == pytest.approx(-5e-4, rel=1e-15)
    assert "v(out)" in op
    assert "v(nope)" not in op
    assert op.as_dict() == {"v(in)": 2.0, "v(out)": 1.5, "i(vin)": op["i(vin)"]}


@pytest.mark.parametrize("key", ["v(nope)", "nope", "i(v9)", "v(out,nope)"])
def test_unknown_vector_lists_available_names(divider: xbar.Circuit, key: str) -> None:
    op = divider.op()
    with pytest.raises(XbarError, match="available") as info:
        op[key]
    msg = str(info.value)
    for name in ("v(in)", "v(out)", "i(vin)"):
        assert name in msg


def test_sweep_and_tran_lookups(divider: xbar.Circuit) -> None:
    dc = divider.dc("vin", 0.0, 1.0, 0.25)
    np.testing.assert_array_equal(dc.scale, [0.0, 0.25, 0.5, 0.75, 1.0])
    np.testing.assert_allclose(dc["OUT"], 0.75 * dc.scale, rtol=1e-15)
    np.testing.assert_allclose(dc["v(in,out)"], 0.25 * dc.scale, rtol=1e-15)
    with pytest.raises(XbarError, match="available"):
        dc["v(zz)"]


def test_to_numpy_shapes(divider: xbar.Circuit) -> None:
    op = divider.op()
    assert op.to_numpy().shape == (3,)
    dc = divider.dc("vin", 0.0, 1.0, 0.1)
    assert dc.names[0] == "v-sweep"
    assert dc.to_numpy().shape == (11, 4)
    np.testing.assert_array_equal(dc.to_numpy()[:, 0], dc.scale)
    tr = divider.tran(1e-4, 1e-3)
    arr = tr.to_numpy()
    assert tr.names[0] == "time"
    assert arr.ndim == 2
    assert arr.shape[1] == 4
    assert arr.shape[0] == len(tr.time) >= 11
    np.testing.assert_array_equal(arr[:, 0], tr.time)


def _read_csv(path: object) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="") as fh:  # type: ignore[call-overload]
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def test_to_csv_full_precision(tmp_path: object, divider: xbar.Circuit) -> None:
    divider.R("3", "out", "0", 7e3 / 3)  # values without short decimal forms
    op = divider.op()
    path = tmp_path / "op.csv"  # type: ignore[operator]
    op.to_csv(path)
    header, rows = _read_csv(path)
    assert header == op.names
    assert len(rows) == 1
    assert [float(x) for x in rows[0]] == [op[n] for n in op.names]  # exact

    dc = divider.dc("vin", 0.0, 1.0, 1.0 / 7.0)
    path = tmp_path / "dc.csv"  # type: ignore[operator]
    dc.to_csv(path)
    header, rows = _read_csv(path)
    assert header == dc.names
    np.testing.assert_array_equal(np.array(rows, dtype=float), dc.to_numpy())

    path = tmp_path / "sel.csv"  # type: ignore[operator]
    dc.to_csv(path, names=["v(out)"])
    header, rows = _read_csv(path)
    assert header == ["v-sweep", "v(out)"]  # the scale is always written first
    np.testing.assert_array_equal(np.array(rows, dtype=float)[:, 1], dc["v(out)"])


# ---------------------------------------------------------------------------------------------
# DC sweeps
# ---------------------------------------------------------------------------------------------


def _linear_net(r2: float = 2e3, v1: float = 1.0) -> xbar.Circuit:
    c = xbar.Circuit("lin")
    c.V("1", "a", "0", v1)
    c.R("1", "a", "b", 1e3)
    c.R("2", "b", "0", r2)
    c.E("1", "c", "0", "b", "0", 3.0)
    c.R("3", "c", "b", 5e3)
    c.I("1", "0", "b", 1e-3)
    c.F("1", "b", "0", "v1", 0.25)
    return c


def test_dc_source_sweep_linear_path_equals_newton_path_and_op() -> None:
    fast = _linear_net().dc("v1", -1.0, 1.0, 0.1)
    slow_circuit = _linear_net()
    system = slow_circuit.compile()
    system.linear = False  # force the per-point Newton path of run_dc
    slow = slow_circuit.dc("v1", -1.0, 1.0, 0.1)
    assert fast.names == slow.names
    np.testing.assert_allclose(fast.to_numpy(), slow.to_numpy(), rtol=1e-12, atol=1e-15)
    for k, v in enumerate(fast.scale):
        op = _linear_net(v1=float(v)).op()
        for name in op.names:
            assert fast[name][k] == pytest.approx(op[name], rel=1e-12, abs=1e-15)


def test_dc_resistor_sweep_equals_op_and_restores_value() -> None:
    c = _linear_net()
    before = c.op()
    sweep = c.dc("r2", 500.0, 4500.0, 1000.0)
    assert sweep.names[0] == "res-sweep"
    np.testing.assert_array_equal(sweep.scale, [500.0, 1500.0, 2500.0, 3500.0, 4500.0])
    for k, r in enumerate(sweep.scale):
        op = _linear_net(r2=float(r)).op()
        for name in op.names:
            assert sweep[name][k] == pytest.approx(op[name], rel=1e-12, abs=1e-15)
    assert_same_op(c.op(), before, rel=0.0, abs_=0.0)


def test_dc_nested_first_source_fastest() -> None:
    c = xbar.Circuit("sum")
    c.V("1", "a", "0", 0.0)
    c.V("2", "b", "0", 0.0)
    c.R("1", "a", "out", 1e3)
    c.R("2", "b", "out", 1e3)
    c.R("3", "out", "0", 1e3)
    d = c.dc("v1", 0.0, 1.0, 0.5, "v2", 0.0, 2.0, 1.0)
    v1 = np.tile([0.0, 0.5, 1.0], 3)
    v2 = np.repeat([0.0, 1.0, 2.0], 3)
    np.testing.assert_array_equal(d.scale, v1)
    np.testing.assert_array_equal(d["v(a)"], v1)
    np.testing.assert_array_equal(d["v(b)"], v2)
    np.testing.assert_allclose(d["v(out)"], (v1 + v2) / 3.0, rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(d["i(v1)"], -(v1 - (v1 + v2) / 3.0) / 1e3, rtol=1e-13, atol=1e-18)


def test_dc_explicit_values_and_errors() -> None:
    c = _linear_net()
    d = c.dc("v1", 0, 0, 1, values=[0.3, -2.0, 7.0])
    np.testing.assert_array_equal(d.scale, [0.3, -2.0, 7.0])
    assert d["v(b)"][1] == pytest.approx(_linear_net(v1=-2.0).op()["v(b)"], rel=1e-12)
    with pytest.raises(NetlistError, match="not an element"):
        c.dc("v9", 0, 1, 0.1)
    with pytest.raises(NetlistError, match="e1"):
        c.dc("e1", 0, 1, 0.1)
    with pytest.raises(NetlistError, match="step"):
        c.dc("v1", 0, 1, 0.0)


# ---------------------------------------------------------------------------------------------
# transients
# ---------------------------------------------------------------------------------------------

R_RC, C_RC = 1e3, 1e-6
TAU = R_RC * C_RC
TMAX_FACTORS = (20, 40, 80)


def _rc_step_error(method: str, tmax: float) -> float:
    """Max error of an RC charged from 0 V by a 1 V source switched on at t = 0 (uic)."""
    c = xbar.Circuit("rc step")
    c.V("1", "in", "0", 1.0)
    c.R("1", "in", "out", R_RC)
    c.C("1", "out", "0", C_RC, ic=0.0)
    c.set_options(method=method)
    tr = c.tran(tmax, 5 * TAU, tmax=tmax, uic=True)
    t = tr.time
    assert t[-1] == pytest.approx(5 * TAU, rel=1e-12)
    return float(np.max(np.abs(tr["v(out)"] - (1.0 - np.exp(-t / TAU)))))


@pytest.fixture(scope="module")
def rc_errors() -> dict[str, np.ndarray]:
    return {m: np.array([_rc_step_error(m, TAU / f) for f in TMAX_FACTORS]) for m in ("be", "trap", "gear")}


@pytest.mark.parametrize(("method", "order", "bound"), [("be", 1, 5e-3), ("trap", 2, 2e-5), ("gear", 2, 1e-4)])
def test_rc_step_converges_with_method_order(rc_errors: dict[str, np.ndarray], method: str,
                                             order: int, bound: float) -> None:
    errs = rc_errors[method]
    assert np.all(np.diff(errs) < 0), f"{method}: error does not decrease as tmax shrinks: {errs}"
    observed = np.log2(errs[:-1] / errs[1:])
    assert np.all(np.abs(observed - order) < 0.35), f"{method}: observed orders {observed}"
    assert errs[-1] < bound


def test_second_order_methods_beat_backward_euler(rc_errors: dict[str, np.ndarray]) -> None:
    assert rc_errors["trap"][-1] < rc_errors["be"][-1] / 50
    assert rc_errors["gear"][-1] < rc_errors["be"][-1] / 20


def test_rc_ramp_step_with_breakpoints() -> None:
    """RC driven by a PULSE with a finite rise: corners are breakpoints, closed form per segment."""
    tr_rise, td = 2e-4, 1e-4
    c = xbar.Circuit("rc ramp")
    c.V("1", "in", "0", 0.0, waveform=WaveformSpec("pulse", (0.0, 1.0, td, tr_rise, tr_rise, 1.0, 2.0)))
    c.R("1", "in", "out", R_RC)
    c.C("1", "out", "0", C_RC)
    tr = c.tran(1e-5, 3e-3, tmax=1e-5)
    t = tr.time
    assert np.any(np.isclose(t, td, rtol=0, atol=1e-15))
    assert np.any(np.isclose(t, td + tr_rise, rtol=0, atol=1e-15))
    s = np.clip(t - td, 0.0, None)
    ramp = (s - TAU * (1 - np.exp(-s / TAU))) / tr_rise
    after = 1 - (TAU / tr_rise) * (np.exp(tr_rise / TAU) - 1) * np.exp(-s / TAU)
    exact = np.where(s <= tr_rise, ramp, after)
    assert np.max(np.abs(tr["v(out)"] - exact)) < 1e-4


def test_rl_step() -> None:
    r, l = 10.0, 1e-3
    tau = l / r
    c = xbar.Circuit("rl")
    c.V("1", "in", "0", 1.0)
    c.R("1", "in", "x", r)
    c.L("1", "x", "0", l, ic=0.0)
    tr = c.tran(tau / 50, 5 * tau, uic=True)
    t = tr.time
    i_exact = (1.0 / r) * (1 - np.exp(-t / tau))
    assert np.max(np.abs(tr["i(l1)"] - i_exact)) < 1e-4 / r
    assert np.max(np.abs(tr["v(x)"] - np.exp(-t / tau))) < 1e-4
    assert tr["i(l1)"][-1] == pytest.approx((1 - math.exp(-5)) / r, rel=1e-4)


def _lc(method: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    lv, cv = 1e-3, 1e-6
    period = 2 * math.pi * math.sqrt(lv * cv)
    c = xbar.Circuit("lc tank")
    c.C("1", "x", "0", cv, ic=1.0)
    c.L("1", "x", "0", lv, ic=0.0)
    c.set_options(method=method)
    tr = c.tran(period / 100, 10 * period, uic=True)
    v, i = tr["v(x)"], tr["i(l1)"]
    energy = 0.5 * cv * v**2 + 0.5 * lv * i**2
    return tr.time, v, energy, period


def _period(t: np.ndarray, v: np.ndarray) -> float:
    s = np.signbit(v)
    k = np.flatnonzero(s[1:] != s[:-1])
    crossings = t[k] - v[k] * (t[k + 1] - t[k]) / (v[k + 1] - v[k])
    return 2.0 * float(np.mean(np.diff(crossings)))


def test_lc_oscillator_trap_conserves_energy() -> None:
    t, v, energy, period = _lc("trap")
    assert _period(t, v) == pytest.approx(period, rel=2e-3)
    e0 = 0.5 * 1e-6 * 1.0**2
    assert np.max(np.abs(energy / e0 - 1)) < 0.01
    peaks = np.abs(v[t > 9 * period]).max()
    assert peaks == pytest.approx(1.0, rel=0.01)


def test_lc_oscillator_be_damps_gear_in_between() -> None:
    t, v, e_be, period = _lc("be")
    _, _, e_gear, _ = _lc("gear")
    _, _, e_trap, _ = _lc("trap")
    assert _period(t, v) == pytest.approx(period, rel=1e-2)
    assert e_be[-1] < 0.5 * e_be[0]  # numerical damping of backward Euler
    assert e_be[-1] < e_gear[-1] < e_trap[-1] * (1 + 1e-9)


def test_tran_bad_arguments() -> None:
    c = xbar.Circuit()
    c.V("1", "a", "0", 1.0)
    c.R("1", "a", "0", 1.0)
    with pytest.raises(NetlistError, match="tstep"):
        c.tran(0.0, 1e-3)
    with pytest.raises(NetlistError, match="tstart"):
        c.tran(1e-5, 1e-3, tstart=2e-3)
    with pytest.raises(NetlistError, match="method"):
        c.set_options(method="euler")


# ---------------------------------------------------------------------------------------------
# diode against a scalar Shockley solution
# ---------------------------------------------------------------------------------------------


def _shockley(vs: float, r: float, i_s: float, n: float, temp_c: float = 27.0,
              gmin: float = 1e-12, area: float = 1.0) -> float:
    """Diode voltage of vs -> r -> diode -> ground: (vs - v)/r = area·IS(exp(v/nVt) - 1) + gmin·v."""
    nvt = n * K_BOLTZMANN * (temp_c + 273.15) / Q_ELECTRON
    isat = area * i_s

    def f(v: float) -> float:
        return (vs - v) / r - isat * math.expm1(v / nvt) - gmin * v

    def df(v: float) -> float:
        return -1.0 / r - isat / nvt * math.exp(v / nvt) - gmin

    # bracketed Newton (f is strictly decreasing)
    lo, hi = min(vs, 0.0) - 1.0, max(vs, 0.0) + 1.0
    hi = min(hi, 60 * nvt)
    while f(hi) > 0:
        hi += nvt
    v = 0.5 * (lo + hi)
    for _ in range(200):
        fv = f(v)
        if fv > 0:
            lo = v
        else:
            hi = v
        step = v - fv / df(v)
        v_new = step if lo < step < hi else 0.5 * (lo + hi)
        if abs(v_new - v) <= 1e-15 * max(1.0, abs(v)):
            return v_new
        v = v_new
    return v


@pytest.mark.parametrize(
    ("vs", "r", "i_s", "n", "area"),
    [(5.0, 1e3, 1e-14, 1.0, 1.0), (0.3, 1e3, 1e-14, 1.0, 1.0), (-5.0, 1e3, 1e-14, 1.0, 1.0),
     (10.0, 10.0, 1e-9, 2.0, 1.0), (1.0, 1e5, 1e-16, 1.5, 1.0), (3.0, 220.0, 1e-14, 1.0, 4.0)],
)
def test_diode_op_matches_scalar_newton(vs: float, r: float, i_s: float, n: float, area: float) -> None:
    def build() -> xbar.Circuit:
        c = xbar.Circuit("diode")
        c.V("1", "in", "0", vs)
        c.R("1", "in", "a", r)
        c.D("1", "a", "0", "dm", area=area)
        c.model("dm", "d", IS=i_s, N=n)
        return c

    want = _shockley(vs, r, i_s, n, area=area)
    op = build().op()
    # default tolerances (reltol 1e-3, vntol 1e-6): converged to SPICE accuracy
    assert op["v(a)"] == pytest.approx(want, abs=1e-6)
    assert op["@d1[vd]"] == op["v(a)"]
    tight = build()
    tight.set_options(reltol=1e-9, vntol=1e-12, abstol=1e-18)
    op = tight.op()
    assert op["v(a)"] == pytest.approx(want, rel=1e-10, abs=1e-13)
    # the source current is a difference of node voltages over r: round-off ~eps·|vs|/r
    assert -op["i(v1)"] == pytest.approx((vs - want) / r, rel=1e-8, abs=64 * 2.2e-16 * abs(vs) / r)


def test_diode_temperature_dependence() -> None:
    """IS(T) = IS·(T/Tnom)^(XTI/N)·exp((T/Tnom - 1)·EG/(N·Vt(T))) at 80 °C."""
    t, tnom, xti, eg, n, i_s = 80.0 + 273.15, 27.0 + 273.15, 3.0, 1.11, 1.0, 1e-14
    vt = K_BOLTZMANN * t / Q_ELECTRON
    is_t = i_s * (t / tnom) ** (xti / n) * math.exp((t / tnom - 1) * eg / (n * vt))
    c = xbar.Circuit()
    c.V("1", "in", "0", 5.0)
    c.R("1", "in", "a", 1e3)
    c.D("1", "a", "0", "dm")
    c.model("dm", "d", IS=i_s)
    c.set_options(temp=80.0, reltol=1e-9, vntol=1e-12)
    want = _shockley(5.0, 1e3, is_t, n, temp_c=80.0)
    assert c.op()["v(a)"] == pytest.approx(want, rel=1e-9)


def test_diode_model_errors() -> None:
    c = xbar.Circuit()
    c.V("1", "in", "0", 1.0)
    c.D("1", "in", "0", "missing")
    with pytest.raises(xbar.ModelCardError, match="not defined"):
        c.op()
    c2 = xbar.Circuit()
    c2.model("dm", "d", IS=1e-14)
    with pytest.raises(xbar.ModelCardError, match="duplicate"):
        c2.model("DM", "d")
    c2.V("1", "in", "0", 1.0)
    c2.D("1", "in", "0", "dm")
    c3 = xbar.Circuit()
    c3.model("dm", "d", bogus=1.0)
    c3.V("1", "in", "0", 1.0)
    c3.D("1", "in", "0", "dm")
    with pytest.raises(xbar.ModelCardError, match="bogus"):
        c3.op()
