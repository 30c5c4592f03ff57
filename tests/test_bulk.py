"""The fast path for plain element lines (:mod:`xbar.netlist.bulk`) against the card-by-card path.

Every deck is read twice, with the fast path forced on for any file size and switched off, and
the two circuits must be identical (nodes in the same order, the same elements with the same
values), or the two errors the same message at the same place.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import xbar
from xbar.errors import NetlistError
from xbar.netlist import lexer
from xbar.netlist.bulk import plain_runs, read_run


def _read(text: str, bulk: bool, tmp_path=None):
    old = lexer._BULK_MIN_LINES
    lexer._BULK_MIN_LINES = 0 if bulk else 10**9
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if tmp_path is not None:
                deck = tmp_path / "deck.cir"
                deck.write_text(text)
                return xbar.read_netlist(deck)
            return xbar.read_netlist_text(text)
    finally:
        lexer._BULK_MIN_LINES = old


def _elements(net):
    c = net.circuit
    out = {}
    for kind, table in c.tables.items():
        names, nodes, vals = table.arrays()
        for name, row, v in zip(names, nodes.tolist(), vals.tolist(), strict=True):
            out[name] = (kind, tuple(c.node_names[k] if k >= 0 else "0" for k in row),
                         tuple(np.nan_to_num(v, nan=-999.0)))
    return c.node_names, out


def same(text: str, tmp_path=None) -> None:
    fast, slow = _read(text, True, tmp_path), _read(text, False, tmp_path)
    assert _elements(fast) == _elements(slow)


def same_error(text: str, tmp_path=None) -> str:
    msgs = []
    for bulk in (True, False):
        with pytest.raises(NetlistError) as exc:
            _read(text, bulk, tmp_path)
        msgs.append(str(exc.value))
    assert msgs[0] == msgs[1]
    return msgs[0]


CROSSBAR = "\n".join(
    ["grid", "V1 in 0 1"]
    + [f"R{i}_{j} r{i}_{j} r{i}_{j + 1} {1 + i + j}" for i in range(5) for j in range(5)]
    + [f"Rx{i} r{i}_5 0 1k" for i in range(5)]
    + ["Rin in r0_0 50", "C1 r0_1 0 1p", "L1 r1_1 r2_2 1u", ".op", ".options nolint", ".end"]
)


def test_runs_found_and_read():
    lines = CROSSBAR.splitlines()
    runs = plain_runs(lines, has_title=True)
    assert runs[0] == (2, 33)  # the 25 + 5 + 1 resistors, one kind
    first, stop, block = read_run(lines, *runs[0], "x")[0]
    assert (first, stop) == (2, 33) and block is not None
    assert block.names[:2] == ["r0_0", "r0_1"] and block.nodes[:4] == ["r0_0", "r0_1", "r0_1", "r0_2"]
    assert block.values[0] == 1.0 and block.lines[0] == 3


def test_same_circuit_as_card_by_card():
    same(CROSSBAR)


def test_same_results_and_node_order():
    fast, slow = _read(CROSSBAR, True), _read(CROSSBAR, False)
    assert fast.circuit.node_names == slow.circuit.node_names
    a, b = fast.run()[0], slow.run()[0]
    assert a.names == b.names
    np.testing.assert_array_equal(a.data, b.data)


@pytest.mark.parametrize("line", [
    "R9 a b 4k7",          # digits after the units: refused by the elaborator
    "R9 a b 0",            # zero resistance
    "R9 a b 1_000",        # float() would read it, SPICE does not
    "R9 a b inf",
    "R9 a b 1e999",
    "R0_0 q 0 1k",         # duplicate name of a fast-path resistor
    "r0_3 a b 1k",         # duplicate, lower case
])
def test_errors_identical(line):
    text = CROSSBAR.replace("\n.op\n", f"\n{line}\nR10 a 0 1\nRa b 0 1\n.op\n")
    assert "<netlist>:" in same_error(text)


def test_duplicate_names_first_definition():
    text = CROSSBAR.replace("\n.op\n", "\nR0_2 x y 5\n.op\n")
    msg = same_error(text)
    assert "duplicate element name 'r0_2'" in msg and "first defined at <netlist>:5" in msg


@pytest.mark.parametrize("line", [
    "R9 a b 10k",
    "R9 a b 1meg",
    "R9 a b 2.5e3Ohm",
    "R9 a b -5",
    "c9 a 0 0",          # a zero capacitor is allowed
    "R9\ta\tb\t3",
    "R9 A B 3",
    "R9 a gnd 3",
    "R9 a b {1k}",       # expression: card path
    "R9 a b rval",       # a parameter name: card path
    "R9 a b 1k m=2",
    "R9 a b 1k ; comment",
])
def test_value_forms(line):
    text = CROSSBAR.replace("\n.op\n", f"\n.param rval=7\n{line}\n.op\n")
    same(text)


def test_continuation_and_comments():
    text = CROSSBAR.replace("Rx0 r0_5 0 1k", "Rx0 r0_5 0\n* comment\n\n+ 1k")
    same(text)
    text = CROSSBAR.replace("Rx0 r0_5 0 1k", "Rx0 r0_5 0 1k\n  + m=2")
    same(text)


def test_subckt_and_control_bodies_are_not_bulk():
    sub = "\n".join([".subckt cell a b", *(f"R{k} a b {k + 1}" for k in range(5)), ".ends"])
    text = CROSSBAR.replace("\n.op\n", f"\n{sub}\nX1 r0_0 0 cell\nX2 r1_0 0 cell\n.op\n")
    same(text)
    fast = _read(text, True)
    assert "r.x1.r3" in fast.circuit.element_kind
    ctl = CROSSBAR.replace(".end", ".control\nrun\n.endc\n.end")
    same(ctl)


def test_after_end_ignored():
    text = CROSSBAR + "\nR99 a b 1\n"
    same(text)
    assert "r99" not in _read(text, True).circuit.element_kind


def test_include_file(tmp_path):
    body = "\n".join(f"R{k} n{k} n{k + 1} {k + 1}" for k in range(300))
    (tmp_path / "chain.inc").write_text(body + "\n")
    text = "chain\nV1 n0 0 1\n.include chain.inc\nRend n300 0 1\n.op\n.end\n"
    same(text, tmp_path)
    net = _read(text, True, tmp_path)
    assert net.run()[0]["v(n300)"] == pytest.approx(1.0 / (sum(range(1, 301)) + 1))


def test_large_deck_uses_the_fast_path():
    deck = xbar.netlist.parser.parse_text(CROSSBAR * 1 + "\n" + "\n".join(f"* {k}" for k in range(300)))
    assert any(c.bulk is not None for c in deck.cards)


def test_element_locations_and_lint_warnings_at_the_line():
    """Elements read by the fast path keep their deck line: the lint warning of a dangling
    node is reported there, as on the card-by-card path."""
    lines = ["* t", "V1 n0 0 1", *(f"R{i} n{i} n{i + 1} 1k" for i in range(300)), "R300 n300 0 1k", ".op"]
    lines[150] = "R148 n148 typo 1k"  # n149 and typo now have one connection each
    found = []
    for bulk in (True, False):
        old = lexer._BULK_MIN_LINES
        lexer._BULK_MIN_LINES = 0 if bulk else 10**9
        try:
            net = xbar.read_netlist_text("\n".join(lines), name="d.cir")
        finally:
            lexer._BULK_MIN_LINES = old
        assert str(net.circuit.location_of("r148")) == "d.cir:151:1"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            net.run()
        found.append([(w.filename, w.lineno, str(w.message)) for w in caught])
    assert found[0] == found[1]
    assert ("d.cir", 151) in [(f, n) for f, n, _ in found[0]]
    assert any("'typo'" in m for _, _, m in found[0])
