""".meas: semantics on known waveforms, parse errors with columns, results and CSV output."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

import xbar
from xbar.analysis.measure import Measurements
from xbar.analysis.results import TranResult
from xbar.cli import main
from xbar.errors import NetlistError, XbarError

# a triangle 0 -> 1 -> 0 -> 1 -> 0 on t = 0..4 s, sampled coarsely, and a ramp
T = np.linspace(0.0, 4.0, 41)
TRI = 1.0 - np.abs(((T + 1.0) % 2.0) - 1.0)


def _deck(meas: str) -> str:
    """A deck whose v(a) is the triangle above (a PWL source) and v(b) = t/4."""
    return ("t\nVa a 0 PWL(0 0 1 1 2 0 3 1 4 0)\nRa a 0 1k\nVb b 0 PWL(0 0 4 1)\nRb b 0 1k\n"
            ".tran 0.1 4\n" + meas + "\n")


def measure(lines: str) -> Measurements:
    return xbar.read_netlist_text(_deck(lines)).run()[0].measurements


def test_crossings_rise_fall_cross_last_td() -> None:
    m = measure(".meas tran r1 when v(a)=0.5 rise=1\n.meas tran r2 when v(a)=0.5 rise=2\n"
                ".meas tran f1 when v(a)=0.5 fall=1\n.meas tran c3 when v(a)=0.5 cross=3\n"
                ".meas tran last when v(a)=0.5 cross=last\n.meas tran td when v(a)=0.5 td=1.2 rise=1\n"
                ".meas tran vv when v(a)=v(b) cross=1\n.meas tran vv2 when v(a)=v(b) cross=2\n")
    assert m["r1"] == pytest.approx(0.5)
    assert m["r2"] == pytest.approx(2.5)
    assert m["f1"] == pytest.approx(1.5)
    assert m["c3"] == pytest.approx(2.5)
    assert m["last"] == pytest.approx(3.5)
    assert m["td"] == pytest.approx(2.5)
    assert m["vv"] == pytest.approx(1.6)  # 2 - t = t/4 on the falling slope (t = 0 is no crossing)
    assert m["vv2"] == pytest.approx(8.0 / 3.0)


def test_trig_targ_find_and_window_functions() -> None:
    m = measure(".meas tran d trig v(a) val=0.5 rise=1 targ v(a) val=0.5 fall=2\n"
                ".meas tran dat trig at=0.25 targ v(b) val=0.5 rise=1\n"
                ".meas tran fa find v(b) at=1.1\n.meas tran fw find v(b) when v(a)=0.25 fall=1\n"
                ".meas tran i integ v(a)\n.meas tran iw integ v(a) from=0.5 to=1.5\n"
                ".meas tran av avg v(a) from=0 to=2\n.meas tran rm rms v(a)\n"
                ".meas tran mx max v(a) from=0.2 to=0.7\n.meas tran mn min v(b) from=1\n"
                ".meas tran pp pp v(a) from=0.5 to=1.0\n.meas tran ma max_at v(a) from=1.5 to=2.8\n"
                ".meas tran q param='i*2 + d'\n.meas tran e integ par('v(a)*v(b)') from=0 to=1\n")
    assert m["d"] == pytest.approx(3.5 - 0.5)
    assert m["dat"] == pytest.approx(2.0 - 0.25)
    assert m["fa"] == pytest.approx(0.275)
    assert m["fw"] == pytest.approx(1.75 / 4)
    assert m["i"] == pytest.approx(2.0)  # the trapezoid rule is exact on a piecewise-linear wave
    assert m["iw"] == pytest.approx(0.75)
    assert m["av"] == pytest.approx(0.5)
    assert m["rm"] == pytest.approx(math.sqrt(1.0 / 3.0), rel=1e-3)  # trapezoid on a 0.1 grid
    assert m["mx"] == pytest.approx(0.7)
    assert m["mn"] == pytest.approx(0.25)
    assert m["pp"] == pytest.approx(0.5)
    assert m["ma"] == pytest.approx(2.8)  # MAX_AT's value is where the maximum is
    assert m["q"] == pytest.approx(7.0)
    assert m["e"] == pytest.approx(1.0 / 12.0, rel=1e-2)  # ∫ t·t/4 dt on [0, 1]


def test_failed_measurement_is_reported_not_raised() -> None:
    res = xbar.read_netlist_text(_deck(".meas tran gone when v(a)=2\n.meas tran far find v(a) at=9\n"
                                       ".meas tran uses param='gone*2'\n.meas tran ok max v(a)")).run()[0]
    m = res.measurements
    assert m["ok"] == pytest.approx(1.0)
    with pytest.raises(XbarError, match=r"measurement 'gone' failed: v\(a\) never reaches 2"):
        m["gone"]
    with pytest.raises(XbarError, match=r"'far' failed: 9 is outside the run \(0 to 4\)"):
        m["far"]
    with pytest.raises(XbarError, match="'uses' failed: undefined parameter 'gone'"):
        m["uses"]
    with pytest.raises(XbarError, match="no measurement 'nope'; measured: ok"):
        m["nope"]
    lines = [o.line for o in res.measure_outcomes]
    assert lines[0].startswith("gone                =   failed")


def test_dc_measurements_and_kinds() -> None:
    deck = xbar.read_netlist_text("t\nV1 in 0 0\nR1 in a 1k\nR2 a 0 1k\n.dc V1 0 2 0.1\n.op\n"
                                  ".meas dc vhalf when v(a)=0.5\n.meas dc amax max v(a)\n"
                                  ".meas tran never when v(a)=0.5\n")
    dc, op = deck.run()
    assert dc.measurements["vhalf"] == pytest.approx(1.0)
    assert dc.measurements["amax"] == pytest.approx(1.0)
    assert "never" not in dc.measurements and not op.measurements


def test_printed_lines_follow_ngspice_formats() -> None:
    res = xbar.read_netlist_text(_deck(".meas tran d trig v(a) val=0.5 rise=1 targ v(a) val=0.5 fall=1\n"
                                       ".meas tran w when v(a)=0.5 rise=1\n.meas tran i integ v(a)\n"
                                       ".meas tran mx max v(a)\n.meas tran p param='w*2'")).run()[0]
    lines = [o.line for o in res.measure_outcomes]
    assert lines[0] == "d                   =  1.000000e+00 targ=  1.500000e+00 trig=  5.000000e-01"
    assert lines[1] == "w                   =   5.00000e-01"
    assert lines[2] == "i                   =   2.00000e+00 from=  0.00000e+00 to=  4.00000e+00"
    assert lines[3] == "mx                  =  1.000000e+00 at=  1.000000e+00"
    assert lines[4] == "p                   =  1.00000e+00"


@pytest.mark.parametrize(
    ("card", "col", "message"),
    [
        (".meas tran", 11, "needs an analysis, a name and a function"),
        (".meas foo x max v(a)", 7, "expected the analysis tran, dc or ac, got 'foo'"),
        (".meas tran x avgg v(a)", 14, "unknown measurement function 'avgg'"),
        (".meas tran x deriv v(a) at=1", 14, "not supported: measurement function deriv"),
        (".meas tran x trig v(a) val=0.5 rise=1", 38, "TRIG needs a TARG clause"),
        (".meas tran x trig v(a) val=0.5 targ v(a) val=1 rise=1", 19, "TRIG needs RISE=, FALL= or CROSS="),
        (".meas tran x when v(a)", 19, r"WHEN needs <vector>=<value>"),
        (".meas tran x find v(a)", 23, "FIND needs AT=<point> or WHEN"),
        (".meas tran x max v(a) from=1 to=0.5", 23, "TO=0.5 is before FROM=1"),
        (".meas tran x when v(a)=0.5 rise=0", 33, "expected a positive whole number or LAST"),
        (".meas tran x when v(a)=0.5 rise=1 fall=2", 35, "give one of RISE=, FALL=, CROSS="),
        (".meas tran x max v(a) at=1", 23, "MAX does not take 'AT='"),
        (".meas tran x max v(zz)", 18, r"cannot measure 'v\(zz\)': node 'zz' is not in the circuit"),
        (".meas tran x max i(ra2)", 18, r"'ra2' is not an element of the circuit \(did you mean 'ra'\?\)"),
        (".meas tran x find v(a) at=1x5", 27, "expected a number, parameter or 'expression', got '1x5'"),
        (".meas tran x param='1 +'", 24, "expected an operand after"),
    ],
)
def test_measure_syntax_errors_are_located(card: str, col: int, message: str) -> None:
    with pytest.raises(NetlistError, match=rf"<netlist>:7:{col}: ") as info:
        xbar.read_netlist_text(_deck(card))
    info.match(message)


def test_duplicate_measurement_name() -> None:
    with pytest.raises(NetlistError, match="measurement 'x' is defined twice"):
        measure(".meas tran x max v(a)\n.meas tran x min v(a)")


def test_cli_writes_measurements_csv(tmp_path) -> None:
    deck = tmp_path / "m.cir"
    deck.write_text(_deck(".meas tran mx max v(a)\n.meas tran gone when v(a)=3"))
    assert main(["run", str(deck), "-q", "--csv", str(tmp_path / "out.csv")]) == 0
    with open(tmp_path / "out-meas.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["name"] for r in rows] == ["mx", "gone"]
    assert float(rows[0]["value"]) == pytest.approx(1.0) and rows[0]["status"] == "ok"
    assert rows[1]["value"] == "" and rows[1]["status"].startswith("failed: v(a) never reaches 3")


def test_tran_result_attribute_defaults() -> None:
    r = TranResult(kind="tran", names=["time"], data=np.zeros((1, 1)))
    assert r.measurements == {} and r.measure_outcomes == []


def test_mtj_write_energy_example_deck() -> None:
    """netlists/mtj_write_energy.cir: its measurements agree with the waveforms they measure."""
    from pathlib import Path

    deck = xbar.read_netlist(Path(__file__).resolve().parent.parent / "netlists" / "mtj_write_energy.cir")
    tr = deck.run()[0]
    m = tr.measurements
    t, i = tr["time"], -tr["i(vw)"]
    window = (t >= 5e-9) & (t <= 46e-9)  # both ends are corners of the pulse, hence time points
    assert t[window][0] == pytest.approx(5e-9) and t[window][-1] == pytest.approx(46e-9)
    e_drive = np.trapezoid((tr["v(drv)"] * i)[window], t[window])
    e_racc = np.trapezoid((i * i * 1e3)[window], t[window])
    assert m["ewrite"] == pytest.approx(e_drive, rel=1e-12)
    assert m["ewrite"] - m["emtj"] == pytest.approx(e_racc, rel=1e-9)  # the rest heats RACC
    k = int(np.argmax(tr["@y1[state]"] > 0.5))  # first point after the switching event
    assert t[k - 1] - 5.25e-9 <= m["tsw"] <= t[k] - 5.25e-9
    assert 0 < m["tsw"] < 40e-9
    assert m["tmr"] == pytest.approx((m["rap"] - m["rp"]) / m["rp"]) and m["rap"] > m["rp"]
