"""Positive tests of the ngspice-dialect front end: lexer, parser and elaborator."""

from __future__ import annotations

import numpy as np
import pytest

import xbar
from xbar.netlist.elaborate import read_netlist_text
from xbar.netlist.lexer import scan, split_logical, tokenize
from xbar.netlist.parser import parse_text


def elements(circuit, kind):
    """{name: (node names, values)} of one element kind."""
    names, nodes, vals = circuit.tables[kind].arrays()
    node_names = circuit.node_names

    def nd(k):
        return "0" if k < 0 else node_names[k]

    return {n: (tuple(nd(k) for k in row), tuple(float(v) for v in vrow))
            for n, row, vrow in zip(names, nodes.tolist(), vals, strict=True)}


def value(circuit, name):
    kind = circuit.element_kind[name]
    return elements(circuit, kind)[name][1][0]


def nodes_of(circuit, name):
    kind = circuit.element_kind[name]
    return elements(circuit, kind)[name][0]


# lexer ---------------------------------------------------------------------------------------
def test_title_comments_and_continuations():
    text = (
        "My * title ; with things\n"
        "* a comment line\n"
        "R1 a b 1k ; inline comment\n"
        "R2 b\n"
        "* a comment between a card and its continuation\n"
        "+ c   $ dollar comment\n"
        "\n"
        "+ 2k\n"
        "R$3 c 0 5k $ the '$' inside the name is not a comment\n"
        "   * indented comment\n"
    )
    title, cards = split_logical(text.splitlines(), "deck.cir", has_title=True)
    assert title == "My * title ; with things"
    assert [c.tokens for c in cards] == [["R1", "a", "b", "1k"], ["R2", "b", "c", "2k"], ["R$3", "c", "0", "5k"]]
    assert [c.line for c in cards] == [3, 4, 9]
    assert cards[1].text == "R2 b c 2k"


def test_tokenizer_groups_and_specials():
    assert tokenize("R1 a b {2*(r0+1k)} tc=0") == ["R1", "a", "b", "{2*(r0+1k)}", "tc", "=", "0"]
    assert tokenize("V1 a 0 PULSE(0, 1, 1n)") == ["V1", "a", "0", "PULSE", "0", "1", "1n"]
    assert tokenize(".param x = 'a + {b}'") == [".param", "x", "=", "'a + {b}'"]
    assert tokenize('.include "my dir/file.inc"') == [".include", '"my dir/file.inc"']
    assert scan("V1 a 0 SIN(0 1) 2") == [
        ("V1", 1, 0), ("a", 4, 0), ("0", 6, 0), ("SIN", 8, 0), ("0", 12, 1), ("1", 14, 1), ("2", 17, 0),
    ]
    assert [g for _, _, g in scan("X (a (b)) c (d)")] == [0, 1, 1, 0, 2]


def test_line_endings_bom_and_tabs(tmp_path):
    deck = tmp_path / "crlf.cir"
    deck.write_bytes(b"\xef\xbb\xbftitle\r\nV1\tin\t0\t1\r\nR1 in 0 1k\rR2 in 0 1k\r\n.op\r\n")
    net = xbar.read_netlist(deck)
    assert net.title == "title"
    assert sorted(net.circuit.element_kind) == ["r1", "r2", "v1"]


def test_form_feed_is_not_a_line_break():
    net = read_netlist_text("t\nV1 in 0 1\nR1 in\x0c0 1k\n.op\n")
    assert nodes_of(net.circuit, "r1") == ("in", "0")


def test_unicode_node_names():
    net = read_netlist_text("t\nV1 entrée 0 1\nR1 entrée sortie 1k\nR2 sortie 0 1kΩ\n.op\n")
    assert nodes_of(net.circuit, "r1") == ("entrée", "sortie")
    assert value(net.circuit, "r2") == 1000.0


# numbers and case ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1k", 1e3), ("1K", 1e3), ("10kOhm", 1e4), ("1meg", 1e6), ("2.2MEG", 2.2e6), ("1m", 1e-3),
        ("1M", 1e-3), ("1mil", 25.4e-6), ("2.5u", 2.5e-6), ("1F", 1e-15), ("3p", 3e-12), ("4n", 4e-9),
        ("1g", 1e9), ("1t", 1e12), ("1e3", 1e3), ("-1.5e-3", -1.5e-3), (".5", 0.5), ("5.", 5.0),
        ("1d3", 1e3), ("10V", 10.0), ("1e3k", 1e6),
    ],
)
def test_spice_numbers(text, expected):
    net = read_netlist_text(f"t\nR1 a 0 {text}\nV1 a 0 1\n")
    assert value(net.circuit, "r1") == pytest.approx(expected, rel=1e-15)
    if text != "1d3":  # numparam rejects Fortran exponents inside braces
        net = read_netlist_text(f"t\nR1 a 0 {{{text}}}\nV1 a 0 1\n")
        assert value(net.circuit, "r1") == pytest.approx(expected, rel=1e-15)


def test_case_folding():
    net = read_netlist_text(
        "t\n.PARAM RVAL=2K\n.SUBCKT Cell A B PARAMS: R=1K\nRX A B {R}\n.ENDS CELL\n"
        "VIN IN 0 DC 1\nXa IN Out CELL r={rVal}\nRLOAD OUT GND 1K\n.OP\n.END\n"
    )
    c = net.circuit
    assert sorted(c.element_kind) == ["r.xa.rx", "rload", "vin"]
    assert nodes_of(c, "r.xa.rx") == ("in", "out")
    assert value(c, "r.xa.rx") == 2000.0
    assert nodes_of(c, "rload") == ("out", "0")  # gnd is ground
    assert [a.kind for a in net.analyses] == ["op"]


def test_end_stops_reading():
    net = read_netlist_text("t\nV1 a 0 1\nR1 a 0 1k\n.op\n.end\nthis is not a card\n")
    assert sorted(net.circuit.element_kind) == ["r1", "v1"]


def test_title_card():
    net = read_netlist_text("first line\n.title The Real Title\nV1 a 0 1\nR1 a 0 1\n")
    assert net.title == "The Real Title"


# elements ------------------------------------------------------------------------------------
def test_element_forms():
    net = read_netlist_text(
        "t\n.model dm D (IS=1e-14 N=1.5)\n"
        "V1 in 0 DC 2 AC 1 0\nI1 0 n 1m\nR1 in n r=2k\nC1 n 0 1n IC=0.5\nL1 n m 1u ic=1m\nRm m 0 1\n"
        "E1 e 0 n 0 2\nRe e 0 1k\nG1 0 g n 0 1m\nRg g 0 1k\nF1 0 f V1 3\nRf f 0 1k\nH1 h 0 V1 100\n"
        "Rh h 0 1k\nD1 n d dm 2\nRd d 0 1k\nD2 n d2 dm area=3 off\nRd2 d2 0 1k\n.op\n"
    )
    c = net.circuit
    assert elements(c, "v")["v1"] == (("in", "0"), (2.0,))
    assert elements(c, "i")["i1"] == (("0", "n"), (1e-3,))
    assert elements(c, "r")["r1"] == (("in", "n"), (2e3,))
    assert elements(c, "c")["c1"] == (("n", "0"), (1e-9, 0.5))
    assert elements(c, "l")["l1"] == (("n", "m"), (1e-6, 1e-3))
    assert elements(c, "e")["e1"] == (("e", "0", "n", "0"), (2.0,))
    assert elements(c, "g")["g1"] == (("0", "g", "n", "0"), (1e-3,))
    assert elements(c, "f")["f1"] == (("0", "f"), (3.0,))
    assert elements(c, "h")["h1"] == (("h", "0"), (100.0,))
    assert elements(c, "d")["d1"] == (("n", "d"), (2.0,))
    assert elements(c, "d")["d2"] == (("n", "d2"), (3.0,))
    assert c.tables["f"].extra == ["v1"] and c.tables["h"].extra == ["v1"]
    assert c.models["dm"].params == {"is": 1e-14, "n": 1.5}


def test_sources_and_time_functions():
    net = read_netlist_text(
        "t\nV1 a 0 PULSE(0 1 1n 1n 1n 5n 10n)\nV2 b 0 DC 3 SIN(0 1 1k)\nV3 c 0 PWL(0 0 1u 1 2u 0) r=0 td=1u\n"
        "V4 d 0 EXP 0 1 1n 2n 3n 4n\nV5 e 0 PULSE(0 1) 2\nI1 0 f PWL(0 0 1u 1m)\n"
        "R1 a 0 1\nR2 b 0 1\nR3 c 0 1\nR4 d 0 1\nR5 e 0 1\nR6 f 0 1\n"
    )
    c = net.circuit
    names, _, _ = c.tables["v"].arrays()
    waves = dict(zip(names, c.tables["v"].extra, strict=True))
    assert waves["v1"].kind == "pulse" and waves["v1"].args == (0, 1, 1e-9, 1e-9, 1e-9, 5e-9, 10e-9)
    assert waves["v2"].kind == "sin" and waves["v2"].args == (0, 1, 1e3)
    assert waves["v3"].kind == "pwl" and waves["v3"].r == 0.0 and waves["v3"].td == 1e-6
    assert waves["v4"].kind == "exp" and len(waves["v4"].args) == 6
    # the value after the parentheses is the DC value, not a third PULSE value
    assert waves["v5"].args == (0.0, 1.0)
    vals = {n: v[1][0] for n, v in elements(c, "v").items()}
    assert vals["v5"] == 2.0
    assert vals["v2"] == 3.0
    # without a DC value, .op uses the time function at t=0
    assert vals["v1"] == 0.0 and vals["v3"] == 0.0
    assert elements(c, "i")["i1"][1] == (0.0,)


def test_fast_and_slow_resistors_keep_deck_order():
    net = read_netlist_text(
        "t\n.param r=3k\nR1 a 0 1k\nR2 a b {r}\nR3 b 0 2k\nR4 b c r=4k\nR5 c 0 5k\nV1 a 0 1\n.op\n"
    )
    c = net.circuit
    names, _, vals = c.tables["r"].arrays()
    assert names == ["r1", "r2", "r3", "r4", "r5"]
    assert vals[:, 0].tolist() == [1e3, 3e3, 2e3, 4e3, 5e3]
    assert c.node_names == ["a", "b", "c"]
    op = net.run()[0]
    assert op["v(a)"] == pytest.approx(1.0)


# parameters and subcircuits ------------------------------------------------------------------
def test_params_defaults_and_overrides():
    net = read_netlist_text(
        "t\n.param g=2 base={g*1k}\n"
        ".subckt cell a b params: r=1k s={r*2}\n.param local={s+1}\nR1 a b {r}\nR2 a b {s}\nR3 a b {local}\n"
        "R4 a b {base}\n.ends\n"
        "V1 a 0 1\nX1 a 0 cell\nX2 a 0 cell r=5k\nX3 a 0 cell params: s={base*3}\n.op\n"
    )
    c = net.circuit
    assert [value(c, f"r.x1.r{k}") for k in (1, 2, 3, 4)] == [1e3, 2e3, 2001.0, 2e3]
    # defaults that depend on an overridden parameter use the override
    assert [value(c, f"r.x2.r{k}") for k in (1, 2, 3)] == [5e3, 1e4, 10001.0]
    assert [value(c, f"r.x3.r{k}") for k in (1, 2, 3)] == [1e3, 6e3, 6001.0]


def test_nested_subckt_names():
    net = read_netlist_text(
        "t\n.subckt inner p q\nR1 p n 1k\nR2 n q 1k\nVs n m 0\nRm m q 1k\nF1 q 0 Vs 2\n.ends inner\n"
        ".subckt outer a b\nX2 a mid inner\nRo mid b 1k\n.subckt local u v\nRl u v 1\n.ends local\n"
        "Xl mid b local\n.ends outer\n"
        "V1 in 0 1\nX1 in 0 outer\nRload in 0 1k\n.op\n"
    )
    c = net.circuit
    assert nodes_of(c, "r.x1.x2.r1") == ("in", "x1.x2.n")
    assert nodes_of(c, "r.x1.x2.r2") == ("x1.x2.n", "x1.mid")
    assert nodes_of(c, "r.x1.ro") == ("x1.mid", "0")
    assert nodes_of(c, "r.x1.xl.rl") == ("x1.mid", "0")
    assert c.tables["f"].extra == ["v.x1.x2.vs"]
    op = net.run()[0]
    assert "v(x1.x2.n)" in op.names and "i(v.x1.x2.vs)" in op.names


def test_subckt_control_by_local_inductor():
    net = read_netlist_text(
        "t\n.subckt s a\nLs a m 1u\nRm m 0 1k\nHs h 0 Ls 10\nRh h 0 1k\n.ends\nV1 in 0 1\nX1 in s\n.op\n"
    )
    assert net.circuit.tables["h"].extra == ["l.x1.ls"]
    net.run()


def test_subckt_model_is_local():
    net = read_netlist_text(
        "t\n.subckt s a\n.model dloc D (IS=1e-15)\nD1 a 0 dloc\n.ends\nV1 in 0 1\nR1 in a 1k\nX1 a s\nX2 a s\n.op\n"
    )
    assert sorted(net.circuit.models) == ["x1:dloc", "x2:dloc"]


# includes and libraries ----------------------------------------------------------------------
def test_include_and_lib_sections(tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "models.lib").write_text(
        "* library\n.lib fast\n.model dfast D (IS=1e-12)\n.include parts.inc\n.endl fast\n"
        ".lib slow\n.model dslow D (IS=1e-16)\n.endl\n"
    )
    (tmp_path / "lib" / "parts.inc").write_text("Rpart a 0 1k\n.end\nthis is ignored after .end\n")
    (tmp_path / "src.inc").write_text("V1 in 0 1\n")
    deck = tmp_path / "deck.cir"
    deck.write_text("t\n.lib 'lib/models.lib' FAST\n.include \"src.inc\"\nR1 in a 1k\nD1 a 0 dfast\n.op\n")
    net = xbar.read_netlist(deck)
    assert sorted(net.circuit.models) == ["dfast"]
    assert sorted(net.circuit.element_kind) == ["d1", "r1", "rpart", "v1"]


def test_parse_text_includes_relative_to_base_dir(tmp_path):
    (tmp_path / "x.inc").write_text("R1 a 0 1k\n")
    deck = parse_text("t\n.include x.inc\nV1 a 0 1\n", base_dir=tmp_path)
    assert [c.tokens[0] for c in deck.cards] == ["R1", "V1"]


# control cards -------------------------------------------------------------------------------
def sweep(net, k=0):
    return [(t, np.asarray(v)) for t, v, _ in net.analyses[k].args["sweeps"]]


def test_dc_sweep_point_values():
    net = read_netlist_text(
        "t\nV1 a 0 1\nI1 0 a 1m\nR1 a 0 1k\n"
        ".dc V1 0 1 0.25\n.dc V1 1 0 -0.5 I1 0 2m 1m\n.dc V1 lin 5 0 1\n.dc V1 dec 2 1 100\n"
        ".dc V1 oct 1 1 8\n.dc V1 list 3 1 2 I1 list 0\n.dc temp -40 40 40\n.dc R1 1k 3k 1k\n"
    )
    assert [a.kind for a in net.analyses] == ["dc"] * 8
    (t, v), = sweep(net, 0)
    assert t == "v1" and np.allclose(v, [0, 0.25, 0.5, 0.75, 1.0])
    (t1, v1), (t2, v2) = sweep(net, 1)
    assert (t1, t2) == ("v1", "i1") and np.allclose(v1, [1, 0.5, 0]) and np.allclose(v2, [0, 1e-3, 2e-3])
    assert np.allclose(sweep(net, 2)[0][1], [0, 0.25, 0.5, 0.75, 1])
    assert np.allclose(sweep(net, 3)[0][1], [1, 10**0.5, 10, 10**1.5, 100])
    assert np.allclose(sweep(net, 4)[0][1], [1, 2, 4, 8])
    (_, lst), (_, lst2) = sweep(net, 5)
    assert lst.tolist() == [3, 1, 2] and lst2.tolist() == [0]
    assert sweep(net, 6)[0][0] == "temp" and np.allclose(sweep(net, 6)[0][1], [-40, 0, 40])
    assert np.allclose(sweep(net, 7)[0][1], [1e3, 2e3, 3e3])


def test_dc_nested_run_order():
    net = read_netlist_text("t\nV1 a 0 1\nV2 b 0 1\nR1 a b 1k\n.dc V1 0 1 1 V2 0 2 1\n")
    res = net.run()[0]
    assert res.scale.tolist() == [0, 1, 0, 1, 0, 1]


def test_tran_arguments():
    net = read_netlist_text("t\nV1 a 0 1\nR1 a 0 1\n.tran 1n 1u\n.tran 1n 1u 0.5u 2n uic\n.tran 1n 1u UIC\n")
    a0, a1, a2 = (a.args for a in net.analyses)
    assert (a0["tstep"], a0["tstop"], a0["uic"]) == (1e-9, 1e-6, False)
    assert "tstart" not in a0 and "tmax" not in a0
    assert (a1["tstart"], a1["tmax"], a1["uic"]) == (0.5e-6, 2e-9, True)
    assert a2["uic"] is True


def test_options_temp_ic_nodeset():
    net = read_netlist_text(
        "t\n.options reltol=1e-4 abstol=1p vntol=1u gmin=1e-13 itl1=200 itl4=20 method=gear temp=50\n"
        ".option method=trapezoidal\n.temp 35\nV1 a 0 1\nR1 a b 1k\nC1 b 0 1n\n.ic v(b)=0.5\n.nodeset V(A)=1\n"
    )
    o = net.circuit.options
    assert (o.reltol, o.abstol, o.vntol, o.gmin, o.itl1, o.itl4) == (1e-4, 1e-12, 1e-6, 1e-13, 200, 20)
    assert o.method == "trap" and o.temp == 35.0
    assert net.circuit.ic == {"b": 0.5} and net.circuit.nodeset == {"a": 1.0}


def test_maxord_one_means_backward_euler():
    net = read_netlist_text("t\n.options method=gear maxord=1\nV1 a 0 1\nR1 a 0 1\n")
    assert net.circuit.options.method == "be"


def test_print_and_save():
    net = read_netlist_text(
        "t\nV1 in 0 1\nR1 in out 1k\nR2 out 0 1k\nL1 out 0 1m\n.op\n.dc V1 0 1 1\n.tran 1n 1u\n"
        ".print tran V(out) v(in, out) I(V1) i(l1) out\n.print dc v-sweep v(out)\n.save all @r1[i] v(out)\n"
        ".probe time\n"
    )
    assert net.prints[0][:2] == ("tran", ["v(out)", "v(in,out)", "i(v1)", "i(l1)", "out"])
    assert net.prints[1][:2] == ("dc", ["v-sweep", "v(out)"])
    assert net.saves == ["all", "@r1[i]", "v(out)", "time"]


def test_run_results_for_example_decks():
    net = read_netlist_text(
        "divider\nV1 in 0 2\nR1 in out 1k\nR2 out 0 1k\n.op\n.dc V1 0 2 1\n.tran 0.1u 1u\n.end\n"
    )
    op, dc, tr = net.run()
    assert op["v(out)"] == pytest.approx(1.0)
    assert dc["v(out)"].tolist() == pytest.approx([0.0, 0.5, 1.0])
    assert tr["v(out)"] == pytest.approx(np.ones_like(tr["time"]))


def test_large_plain_deck_uses_bulk_path():
    n = 2000
    lines = ["big", "V1 n0 0 1"] + [f"R{i} n{i} n{i + 1} 1k" for i in range(n)] + [f"Rend n{n} 0 1k", ".op"]
    net = read_netlist_text("\n".join(lines))
    c = net.circuit
    assert c.element_count() == n + 2
    assert c.node_names[:3] == ["n0", "n1", "n2"]
    names, nodes, _ = c.tables["r"].arrays()
    assert names[:2] == ["r0", "r1"] and nodes[0].tolist() == [0, 1]
