"""What ngspice reads and xbar now reads too: leniency, multiplicity, ground ports, globals,
element currents; each accepted form is checked against the equivalent strict deck."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import xbar
from xbar.errors import NetlistError, XbarWarning


def op(text: str) -> dict[str, float]:
    return xbar.read_netlist_text(text).run()[0].as_dict()


def test_bare_parameter_values() -> None:
    a = op("t\n.param res=2k vb=0.3 amp=0.5\nV1 in 0 vb\nV2 s 0 DC vb SIN(0 amp 1k)\nR1 in out res\n"
           "R2 out 0 res\nR3 s 0 res\n.op\n")
    b = op("t\nV1 in 0 0.3\nV2 s 0 DC 0.3 SIN(0 0.5 1k)\nR1 in out 2k\nR2 out 0 2k\nR3 s 0 2k\n.op\n")
    assert a == b
    with pytest.raises(NetlistError, match=r"got 'rez' \(no parameter 'rez'; did you mean 'res'\?\)"):
        op("t\n.param res=2k\nV1 in 0 1\nR1 in 0 rez\n.op\n")


def test_model_cards_with_unbalanced_parentheses() -> None:
    want = op("t\nV1 a 0 1\nR1 a b 1k\nD1 b 0 dm\n.model dm d (is=1e-14 n=1.2)\n.op\n")
    for card in (".model dm d (is=1e-14 n=1.2", ".model dm d is=1e-14 n=1.2)", ".model dm d ((is=1e-14 n=1.2)"):
        assert op(f"t\nV1 a 0 1\nR1 a b 1k\nD1 b 0 dm\n{card}\n.op\n") == want
    # elsewhere an unbalanced parenthesis stays an error
    with pytest.raises(NetlistError, match=r"unbalanced '\(': no closing '\)'"):
        op("t\nV1 a 0 PULSE(0 1 1n\nR1 a 0 1k\n.op\n")


def test_lib_section_reads_another_section_of_its_own_file(tmp_path) -> None:
    (tmp_path / "m.lib").write_text(".lib typ\n.lib m.lib base\nR9 b 0 2k\n.endl\n.lib base\n"
                                    ".model dm d is=2e-14\n.endl\n")
    deck = tmp_path / "d.cir"
    deck.write_text("t\n.lib m.lib typ\nV1 a 0 1\nR1 a b 1k\nD1 b 0 dm\n.op\n")
    assert xbar.read_netlist(deck).run()[0]["v(b)"] == pytest.approx(0.5, abs=0.1)
    # a section reading itself is still a cycle
    (tmp_path / "loop.lib").write_text(".lib typ\n.lib loop.lib typ\n.endl\n")
    deck.write_text("t\n.lib loop.lib typ\nV1 a 0 1\nR1 a 0 1k\n.op\n")
    with pytest.raises(NetlistError, match=r"include cycle: section 'typ' of '\S*loop\.lib' is already"):
        xbar.read_netlist(deck)


def test_diode_is_above_one_ampere() -> None:
    v = op("t\nV1 a 0 1\nR1 a b 100k\nD1 b 0 big\n.model big d is=1.5 n=40\n.op\n")["v(b)"]
    vt = 1.38064852e-23 * 300.15 / 1.6021766208e-19
    i = (1.0 - v) / 100e3
    assert i == pytest.approx(1.5 * (math.exp(v / (40 * vt)) - 1.0), rel=1e-6)


def test_harmless_options_give_one_warning_line() -> None:
    text = "t\n.options nopage noacct\n.option savecurrents list node opts\nV1 a 0 1\nR1 a 0 1k\n.op\n"
    with pytest.warns(XbarWarning) as record:
        deck = xbar.read_netlist_text(text)
    ours = [w for w in record if issubclass(w.category, XbarWarning)]
    assert [str(w.message) for w in ours] == ["accepted without effect (ngspice options that do not "
                                              "change results): nopage, noacct, savecurrents, list, "
                                              "node, opts"]
    assert (ours[0].filename, ours[0].lineno) == ("<netlist>", 2)
    assert "@r1[i]" in deck.run()[0].names  # savecurrents: @r[i] of every resistor


def test_print_items_ngspice_ignores_and_element_currents() -> None:
    text = ("t\nV1 a 0 2\nR1 a b 1k\nD1 b 0 dm\n.model dm d\nR2 b 0 3k\n"
            ".print dc v(b) i(r1) @r2[i] i(d1) format=csv\n.dc V1 0 2 0.5\n.save i(r1) @d1[id]\n")
    with pytest.warns(XbarWarning, match=r"ignored format=csv"):
        deck = xbar.read_netlist_text(text)
    dc = deck.run()[0]
    v_a, v_b = dc["v-sweep"], dc["v(b)"]
    assert np.allclose(dc["i(r1)"], (v_a - v_b) / 1e3, rtol=1e-12)
    assert np.allclose(dc["@r2[i]"], v_b / 3e3, rtol=1e-12)
    # KCL at b holds to the Newton tolerance of the dc solution
    assert np.allclose(dc["i(d1)"] + dc["@r2[i]"], dc["i(r1)"], rtol=1e-7, atol=1e-15)
    assert np.allclose(dc["@d1[id]"], dc["i(d1)"])


def test_current_of_a_swept_resistor_uses_the_swept_value() -> None:
    dc = xbar.read_netlist_text("t\nV1 a 0 1\nR1 a 0 1k\n.save i(r1)\n.dc R1 1k 3k 1k\n").run()[0]
    assert np.allclose(dc["i(r1)"], 1.0 / np.array([1e3, 2e3, 3e3]))


def test_ground_port_of_a_subcircuit() -> None:
    a = op("t\n.subckt cell p gnd\nR1 p gnd 1k\n.ends\nV1 in 0 1\nR0 in mid 1k\nX1 mid n2 cell\n"
           "V3 s 0 1\nR3 n2 s 1k\n.options nolint\n.op\n")
    assert a["v(mid)"] == pytest.approx(0.5)
    assert a["v(n2)"] == pytest.approx(1.0)  # not joined to ground by the instance
    b = op("t\n.subckt cell p 0\nR1 p 0 1k\n.ends\nV1 in 0 1\nR0 in mid 1k\nX1 mid n2 cell\nR3 n2 0 1k\n.options nolint\n.op\n")
    assert b["v(mid)"] == pytest.approx(0.5)


def test_global_nodes_and_global_param() -> None:
    a = op("t\n.global vdd\n.global_param rb=1k\n.subckt pu out\nR1 vdd out {rb}\n.ends\n"
           "Vdd vdd 0 2\nX1 o1 pu\nR2 o1 0 1k\n.op\n")
    assert a["v(o1)"] == pytest.approx(1.0)
    assert "v(x1.vdd)" not in a


def test_param_functions_inside_subcircuits() -> None:
    a = op("t\n.subckt s o\n.param half(x)=x/2\n.func dbl(y) {2*y}\nR1 o 0 {dbl(half(3k))}\n.ends\n"
           "I1 0 o1 1m\nX1 o1 s\nI2 0 o2 1m\nX2 o2 s\n.op\n")
    assert a["v(o1)"] == pytest.approx(3.0) and a["v(o2)"] == pytest.approx(3.0)
    with pytest.raises(NetlistError, match="unknown function 'dbl'"):
        op("t\n.subckt s o\n.func dbl(y) {2*y}\nR1 o 0 1k\n.ends\nX1 a s\nR2 a 0 {dbl(1)}\n.op\n")


@pytest.mark.parametrize(
    ("multiplied", "plain"),
    [
        ("R1 a 0 4k m=4", "R1 a 0 1k"),
        ("R1 a 0 4k M=2\nR2 a 0 4k m=2", "R1 a 0 2k\nR2 a 0 2k"),
        ("G1 0 a a 0 0.25m m=4", "G1 0 a a 0 1m"),
        ("I2 a 0 0.25m m=4", "I2 a 0 1m"),
        ("B1 a 0 I=v(a)*0.25m m=4", "B1 a 0 I=v(a)*1m"),
        ("Vs a s 0\nRs s 0 1k\nF1 0 a vs 0.25 m=4", "Vs a s 0\nRs s 0 1k\nF1 0 a vs 1"),
        ("D1 a 0 dm m=3\n.model dm d", "D1 a 0 dm 3\n.model dm d"),
        (".subckt c p\nRc p 0 3k\nGc 0 p p 0 1u\n.ends\nX1 a c m=3", "R1 a 0 1k\nG1 0 a a 0 3u"),
    ],
)
def test_multiplicity_equals_parallel_elements(multiplied: str, plain: str) -> None:
    head = "t\nI1 0 a 2m\nR0 a 0 10k\n"
    assert op(head + multiplied + "\n.op\n")["v(a)"] == pytest.approx(op(head + plain + "\n.op\n")["v(a)"],
                                                                       rel=1e-12)


def test_multiplicity_of_reactive_elements_in_a_transient() -> None:
    def run(body: str) -> np.ndarray:
        return xbar.read_netlist_text("t\nV1 in 0 PULSE(0 1 0 1n 1n 1u 2u)\nR1 in a 1k\n" + body +
                                      "\n.tran 10n 1u\n").run()[0]["v(a)"]

    assert np.allclose(run("C1 a 0 0.5n m=2\nL1 a 0 2m m=2"), run("C1 a 0 1n\nL1 a 0 1m"), atol=1e-12)


def test_multiplied_instance_with_y_devices_is_refused() -> None:
    with pytest.raises(NetlistError, match=r"Y device 'Y1' \(smtj\) cannot be multiplied"):
        op("t\n.model sm smtj\n.subckt c a g\nY1 a 0 g sm\n.ends\nV1 a 0 1\nX1 a 0 c m=2\n.op\n")


def test_strict_paths_still_error() -> None:
    with pytest.raises(NetlistError, match="not supported: E-source parameter 'm='"):
        op("t\nV1 a 0 1\nE1 b 0 a 0 2 m=3\nR1 b 0 1k\n.op\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(NetlistError, match="not supported: option 'tnom'"):
            op("t\n.options tnom=30\nV1 a 0 1\nR1 a 0 1k\n.op\n")
