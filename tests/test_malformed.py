"""Malformed decks: every error names its file, line and column and says what was expected.

Each deck in ``tests/malformed/`` holds one mistake. Cards with a location are checked for the
exact ``file:line:col``, the message text, and the echoed line with a caret under the column.
Ill-posed circuits (found when the analysis runs) are checked for type and circuit-level wording.
The CLI turns each of them into one ``xbar: error:`` block on stderr and exit status 1.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import xbar
from xbar.cli import main
from xbar.errors import (
    ConvergenceError,
    ModelCardError,
    NetlistError,
    SingularMatrixError,
    TopologyError,
    XbarError,
)

MALFORMED = Path(__file__).parent / "malformed"

# deck, exception type (exact), "line:col" (in the deck unless the deck name says otherwise),
# regular expression the message must contain
READ_CASES = [
    ("missing_value.cir", NetlistError, "4:9",
     r"resistor 'R3' needs a value; expected 'R<name> n\+ n- value'"),
    ("too_few_nodes.cir", NetlistError, "4:6",
     r"capacitor 'C1' needs 2 nodes \(got: in\); expected 'C<name> n\+ n- value \[IC=v0\]'"),
    ("bad_number.cir", NetlistError, "3:11", r"bad number '1x5' for resistor value: 'x5' after the number"),
    ("rkm_number.cir", NetlistError, "4:10", r"bad number '4k7'"),
    ("not_a_number.cir", NetlistError, "2:9", r"unexpected 'one' in source; expected 'V<name> n\+ n- "),
    ("unbalanced_brace.cir", NetlistError, "4:11", r"unbalanced '\{': expression has no closing '\}'"),
    ("unbalanced_close_brace.cir", NetlistError, "3:13", r"unbalanced '\}': no matching '\{'"),
    ("unbalanced_paren.cir", NetlistError, "2:14", r"unbalanced '\(': no closing '\)'"),
    ("unbalanced_paren_expr.cir", NetlistError, "3:10", r"'\(' is never closed in expression '\(a\+1'"),
    # the column points at the name inside the braces
    ("undefined_param.cir", NetlistError, "4:14", r"undefined parameter 'rvall' in expression '2\*rvall'"),
    ("unknown_function.cir", NetlistError, "3:11", r"unknown function 'sqr'; known: abs, "),
    ("param_div_zero.cir", NetlistError, "3:13", r"division by zero in expression '1k/n'"),
    ("param_no_value.cir", NetlistError, "2:12",
     r"parameter 'b' has no value; expected '\.param name=value \[name=value \.\.\.\]'"),
    ("unknown_subckt.cir", NetlistError, "6:9", r"unknown subcircuit 'halve' \(defined: half\)"),
    ("wrong_port_count.cir", NetlistError, "7:11",
     r"subcircuit 'div' has 3 ports \(top mid bot\), instance 'X1' connects 2; expected 'X<name> nodes"),
    ("unknown_subckt_param.cir", NetlistError, "6:17",
     r"subcircuit 'load' has no parameter 'c'; its parameters: r"),
    ("ends_without_subckt.cir", NetlistError, "4:1", r"'\.ends' without a matching '\.subckt'"),
    ("ends_name_mismatch.cir", NetlistError, "4:7", r"'\.ends buf' closes '\.subckt amp'"),
    ("missing_ends.cir", NetlistError, "3:1", r"'\.subckt cell' has no matching '\.ends'"),
    ("duplicate_port.cir", NetlistError, "2:18", r"port 'a' is listed twice in '\.subckt pair'"),
    ("recursive_subckt.cir", NetlistError, "4:8",
     r"recursive subcircuit: 'ladder' instantiates itself .*in subcircuit instance 'x1'"),
    ("subckt_body_error.cir", NetlistError, "3:14",
     r"VCVS 'E1' needs a gain value; expected 'E<name> n\+ n- nc\+ nc- gain' "
     r"\(in subcircuit instance 'x1' at \S*subckt_body_error\.cir:7\)"),
    ("missing_include.cir", NetlistError, "3:10", r"file not found: '\S*models/nowhere\.inc'"),
    # the cycle is found on the include card of cycle_b.inc
    ("include_cycle.cir", NetlistError, "cycle_b.inc:3:10",
     r"include cycle: '\S*cycle_a\.inc' is already being read \(\S*include_cycle\.cir -> "
     r"\S*cycle_a\.inc -> \S*cycle_b\.inc -> \S*cycle_a\.inc\)"),
    ("lib_missing_section.cir", NetlistError, "2:16",
     r"library '\S*parts\.lib' has no section 'slow' \(sections: fast, typ\)"),
    ("duplicate_element.cir", NetlistError, "5:1",
     r"duplicate element name 'r1' \(first defined at \S*duplicate_element\.cir:3\)"),
    ("duplicate_flattened.cir", NetlistError, "7:1",
     r"duplicate element name 'r\.x1\.ra' \(first defined at \S*duplicate_flattened\.cir:3\)"),
    ("duplicate_flattened_late.cir", NetlistError, "3:1",
     r"duplicate element name 'r\.x1\.ra' \(first defined at \S*duplicate_flattened_late\.cir:6\) "
     r"\('Ra' in subcircuit instance 'x1' is flattened to 'r\.x1\.ra'\)"),
    ("duplicate_model.cir", ModelCardError, "6:8",
     r"duplicate model 'DM' \(first defined at \S*duplicate_model\.cir:2\)"),
    ("unknown_option.cir", NetlistError, "2:22",
     r"not supported: option 'abstoll'; supported options: reltol, abstol"),
    ("bad_method.cir", NetlistError, "2:17", r"method must be one of trap, gear, be, got 'euler'"),
    ("cccs_missing_control.cir", NetlistError, "5:10",
     r"CCCS 'F1' is controlled by 'Vsens', which is not an element of the circuit; .*"
     r"expected 'F<name> n\+ n- vcontrol gain'"),
    ("ccvs_control_not_source.cir", NetlistError, "5:10",
     r"CCVS 'H1' is controlled by 'R1', which is a resistor; the controlling element must be a "
     r"voltage source"),
    ("diode_undefined_model.cir", ModelCardError, "5:8",
     r"diode 'D1' uses model 'd1n4148', which is not defined"),
    ("model_unsupported_type.cir", ModelCardError, "2:11",
     r"not supported: model type 'NJF' \(supported: D[,)]"),
    ("mos_unsupported_level.cir", ModelCardError, "3:24",
     r"not supported: MOSFET level 54 \(BSIM4\) in model 'nch' "
     r"\(xbar implements level 1, Shichman-Hodges\)"),
    ("xspice_code_model.cir", NetlistError, "3:1",
     r"not supported: element 'A1' \(XSPICE code models"),
    ("model_bad_param.cir", ModelCardError, "2:27", r"diode model 'dbad': n=0 is outside \[0\.001, 100\]"),
    ("unsupported_ac.cir", NetlistError, "5:12", r"\.ac dec sweeps need fstart > 0, got 0"),
    ("unsupported_control.cir", NetlistError, "6:1",
     r"not supported: alter \(the control language subset is: "),
    ("unsupported_meas.cir", NetlistError, "5:18",
     r"not supported: measurement function DERIV"),
    ("unsupported_bsource.cir", NetlistError, "4:22",
     r"not supported: B-source parameter 'tc1='"),
    ("unsupported_coupling.cir", NetlistError, "5:10", r"coupling coefficient must be in \[-1, 1\], got 1\.5"),
    ("unsupported_func.cir", NetlistError, "3:10",
     r"recursive function: 'twice' calls itself \(defined at \S*unsupported_func\.cir:2\)\n"),
    ("unknown_dot_card.cir", NetlistError, "4:1",
     r"not supported: \.optoins \(unknown dot-card\)"),
    ("dc_wrong_arity.cir", NetlistError, "4:11",
     r"sweep of 'V1' needs start stop step; expected '\.dc src start stop step"),
    ("dc_zero_step.cir", NetlistError, "4:12", r"sweep step must not be zero"),
    ("dc_wrong_sign_step.cir", NetlistError, "4:12",
     r"sweep step -0\.5 goes away from stop 5 \(start 0\); use a step of the other sign"),
    ("dc_unknown_source.cir", NetlistError, "4:5", r"\.dc sweeps 'V2', which is not an element of the circuit"),
    ("dc_three_sweeps.cir", NetlistError, "6:27", r"unexpected 'R1': \.dc takes one or two sweeps"),
    ("tran_negative_step.cir", NetlistError, "5:7",
     r"\.tran tstep must be positive, got -1e-06; expected '\.tran tstep tstop \[tstart \[tmax\]\] \[uic\]'"),
    ("tran_too_many_args.cir", NetlistError, "5:21",
     r"unexpected '5': too many values; expected '\.tran tstep tstop"),
    ("tran_uic_not_last.cir", NetlistError, "5:14", r"'uic' must come last; expected '\.tran tstep tstop"),
    ("ic_unknown_node.cir", NetlistError, "5:7", r"\.ic names node 'outt', which is not in the circuit"),
    ("print_unknown_node.cir", NetlistError, "7:18",
     r"cannot print 'v\(outt\)': node 'outt' is not in the circuit"),
    ("print_no_type.cir", NetlistError, "5:8", r"'\.print' needs the analysis type op, dc, tran or ac first"),
    ("continuation_first.cir", NetlistError, "2:1", r"continuation line '\+' with no card before it"),
    # the bad value is on the third physical line of the card; the card's first line is reported
    ("continuation_error.cir", NetlistError, "3:11", r"bad number '1q5' for resistor value"),
    ("pulse_too_many.cir", NetlistError, "2:9", r"PULSE needs 2 to 8 values: V1 V2 \[TD TR TF PW PER NP\] \(got 9\)"),
    ("pwl_decreasing.cir", NetlistError, "2:9", r"PWL time points must not decrease: T3=5e-07 < T2=1e-06"),
    ("zero_resistor.cir", NetlistError, "3:11", r"resistor 'R1' has zero resistance; use a 0 V source"),
    ("empty.cir", NetlistError, "1:1", r"the netlist is empty; expected a title line"),
    ("binary.cir", NetlistError, "3:11", r"binary data \(NUL byte\) in the netlist; expected a text file"),
    ("latin1.cir", NetlistError, "4:17", r"the file is not UTF-8 text \(byte 0xa0\); save it as UTF-8"),
]

# deck, exception type (exact), message regex: ill-posed circuits found when the analysis runs
RUN_CASES = [
    ("vsource_loop.cir", TopologyError, r"voltage sources '(v1|v2)', '(v1|v2)' form a loop"),
    ("floating_cap_node.cir", TopologyError,
     r"node\(s\) 'mid' have no DC path to ground \(only through capacitors 'c1'\)"),
    ("current_source_cutset.cir", TopologyError,
     r"node\(s\) 'a', 'b' are joined to the rest of the circuit only by current sources 'i1', 'i2': "
     r"a cut-set of current sources"),
    ("vcvs_singular.cir", SingularMatrixError, r"the MNA matrix is singular"),
    ("convergence_itl.cir", ConvergenceError, r"operating point: Newton-Raphson did not converge"),
]


def _split_where(deck: str, where: str) -> tuple[str, int, int]:
    parts = where.split(":")
    if len(parts) == 3:
        return parts[0], int(parts[1]), int(parts[2])
    return deck, int(parts[0]), int(parts[1])


def test_at_least_35_malformed_decks():
    decks = sorted(p.name for p in MALFORMED.glob("*.cir"))
    listed = {c[0] for c in READ_CASES} | {c[0] for c in RUN_CASES}
    assert len(decks) >= 35
    assert set(decks) == listed, "every deck in tests/malformed/ has a case here"


@pytest.mark.parametrize(("deck", "exc_type", "where", "message"), READ_CASES, ids=[c[0] for c in READ_CASES])
def test_malformed_deck_is_rejected_with_location(deck, exc_type, where, message):
    file, line, col = _split_where(deck, where)
    with pytest.raises(exc_type, match=rf"{re.escape(file)}:{line}:{col}: ") as info:
        xbar.read_netlist(MALFORMED / deck)
    err = info.value
    assert type(err) is exc_type
    info.match(message)
    loc = err.location
    assert loc is not None
    assert Path(loc.file).name == file
    assert (loc.line, loc.col) == (line, col)
    # compiler-style rendering: "file:line:col: message", then the line and a caret under col
    text = str(err)
    first, *rest = text.split("\n")
    assert first.startswith(f"{loc.file}:{line}:{col}: ")
    if loc.line_text:
        assert len(rest) == 2
        assert rest[0] == "  " + loc.line_text.rstrip("\n").expandtabs(1)
        assert rest[1] == "  " + " " * (col - 1) + "^"


@pytest.mark.filterwarnings("ignore::xbar.errors.LintWarning")  # the circuit is ill-posed or dangling on purpose
@pytest.mark.parametrize(("deck", "exc_type", "message"), RUN_CASES, ids=[c[0] for c in RUN_CASES])
def test_ill_posed_circuit_is_explained(deck, exc_type, message):
    netlist = xbar.read_netlist(MALFORMED / deck)
    with pytest.raises(exc_type, match=message) as info:
        netlist.run()
    assert type(info.value) is exc_type


def test_continuation_error_echoes_the_joined_card():
    with pytest.raises(NetlistError) as info:
        xbar.read_netlist(MALFORMED / "continuation_error.cir")
    loc = info.value.location
    assert loc.line_text == "R1 in out 1q5"
    assert loc.line_text[loc.col - 1 :].startswith("1q5")


def test_nonexistent_deck():
    path = MALFORMED / "no_such_deck.cir"
    with pytest.raises(NetlistError, match=r"file not found: '\S*no_such_deck\.cir'"):
        xbar.read_netlist(path)


def test_directory_as_deck():
    with pytest.raises(NetlistError, match=r"'\S*malformed' is a directory, expected a netlist file"):
        xbar.read_netlist(MALFORMED)


def test_include_of_a_directory(tmp_path):
    (tmp_path / "sub").mkdir()
    deck = tmp_path / "deck.cir"
    deck.write_text("t\nV1 a 0 1\n.include sub\nR1 a 0 1k\n.op\n")
    with pytest.raises(NetlistError, match=r"deck\.cir:3:10: '\S*sub' is a directory"):
        xbar.read_netlist(deck)


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("", "1:1", r"the netlist is empty"),
        ("   \n\t\n", "1:1", r"the netlist is empty"),
        ("t\nR1 a 0 1k\x00\n", "2:10", r"binary data \(NUL byte\)"),
        ("t\nR1 a 0 1k\n.ic v(0)=1\n.op\n", "3:7", r"\.ic cannot set the ground node"),
        ("t\nV1 a 0 1\nR1 a 0 1k\n.op 1\n", "4:5", r"unexpected '1': '\.op' takes no arguments"),
        ("t\nV1 a 0 1\nR1 a 0 1k\n.dc temp 0 10\n", "4:14", r"sweep of 'temp' needs start stop step"),
        ("t\nV1 a 0 1\nR1 a 0 1k\n.dc V1 dec 10 0 1\n", "4:15", r"dec sweeps need positive start and stop"),
        ("t\nV1 a 0 1\nR1 a 0 1k\n.dc V1 0 1 0.1 V1 0 1 0.5\n", "4:16", r"'V1' is swept twice"),
        ("t\nV1 a 0 1\nR1 a 0 1k\n.dc R1 0 1 1e-12\n", "4:12", r"would have 1e\+12 points, more than the limit max_sweep_points = 1e\+07"),
        ("t\nV1 a 0 1\nC1 a 0 1p\n.dc C1 0 1 0.1\n", "4:5", r"\.dc can sweep V or I sources, resistors or temp"),
        ("t\nV1 a 0 1\nR1 a 0 1k\n.tran 1n\n", "4:9", r"'\.tran' needs tstop"),
        ("t\nV1 a 0 1\nR1 a 0 1k\n.tran 1n 1u uic uic\n", "4:17", r"'uic' given twice"),
        ("t\nV1 a 0 1\nR1 a 0 1k\n.tran 1n 1u 2u\n", "4:13", r"\.tran tstart must be in \[0, tstop\)"),
        ("t\nV1 a 0 SIN(0 1 1k) 2 3\nR1 a 0 1k\n.op\n", "2:22", r"unexpected value '3'"),
        ("t\nV1 a 0 SFFM(0 1 1k 5 1)\nR1 a 0 1k\n.op\n", "2:8", r"not supported: time function 'SFFM'"),
        ("t\nV1 a 0 PULSE(0 1 1n 1n 1n 1u 2u) PWL(0 0 1 1)\nR1 a 0 1k\n.op\n", "2:34",
         r"a source takes one time function"),
        ("t\nV1 a 0 PWL(0 0 1u 1) q=1\nR1 a 0 1k\n.op\n", "2:22", r"not supported: PWL option 'q='"),
        ("t\nE1 a 0 poly(1) b 0 0 1\nR1 a 0 1k\n.op\n", "2:8", r"not supported: E-source form 'poly'"),
        ("t\nG1 a 0 b 0 gm=1\nR1 a 0 1k\n.op\n", "2:12", r"not supported: G-source parameter 'gm='"),
        ("t\nE1 a 0 value={v(b)*2}\nR1 a 0 1k\n.op\n", "2:8", r"not supported: E-source form 'value'"),
        ("t\nF1 a 0 poly(1) vb 0 1\nR1 a 0 1k\n.op\n", "2:8", r"not supported: F-source form 'poly'"),
        ("t\nR1 a 0 1k tc1=0.1\nV1 a 0 1\n.op\n", "2:11", r"not supported: resistor parameter 'tc1'"),
        ("t\nR1 a 0 1k 2k\nV1 a 0 1\n.op\n", "2:11", r"unexpected '2k'; expected 'R<name> n\+ n- value'"),
        ("t\nR1 a {0} 1k\nV1 a 0 1\n.op\n", "2:6", r"resistor 'R1' needs 2 nodes \(got: a\)"),
        ("t\nR1 a 0 r=1k r=2k\nV1 a 0 1\n.op\n", "2:13", r"'r' given twice"),
        ("t\nR1 a 0 {1/0}\nV1 a 0 1\n.op\n", "2:10", r"division by zero"),
        ("t\nR1 a 0 {1e200*1e200}\nV1 a 0 1\n.op\n", "2:9", r"overflow"),
        ("t\n.model dm D (IS=1e-14 XYZ=5)\nV1 a 0 1\nD1 a 0 dm\n.op\n", "2:23",
         r"diode model 'dm': parameter 'XYZ' is not supported"),
        ("t\n.model dm D\nV1 a 0 1\nD1 a 0 dm 0\n.op\n", "4:11", r"diode area must be positive"),
        ("t\n.options reltol=0\nV1 a 0 1\nR1 a 0 1k\n.op\n", "2:17", r"option 'reltol' must be positive"),
        ("t\n.options itl1=2.5\nV1 a 0 1\nR1 a 0 1k\n.op\n", "2:15", r"option 'itl1' must be a whole number, got 2.5"),
        ("t\n.options cshunt=1e-15\nV1 a 0 1\nR1 a 0 1k\n.op\n", "2:10", r"not supported: option 'cshunt'"),
        ("t\n.options interp\nV1 a 0 1\nR1 a 0 1k\n.op\n", "2:10",
         r"not supported: option 'interp'; options are written name=value .*supported: reltol"),
        ("t\n.subckt s a\nR1 a 0 1k\n.ends s\nX1 b r=1 s\nV1 b 0 1\n.op\n", "5:6",
         r"parameter 'r=' before the subcircuit name"),
        ("t\n.subckt s a\nR1 a 0 1k\n.ends s\nX1 b s\nX1 c s\nV1 b 0 1\n.op\n", "6:1",
         r"duplicate subcircuit instance name 'x1'"),
        ("t\n.subckt s a\n.op\n.ends s\n.op\n", "3:1", r"\.op is not allowed inside '\.subckt s'"),
        ("t\n.subckt s a\nR1 a 0 1k\n.end\n", "2:1", r"'\.subckt s' has no matching '\.ends'"),
        ("t\n.subckt s a\nR1 a 0 1k\n.ends\n.subckt S b\n.ends\n.op\n", "5:9",
         r"duplicate subcircuit definition 'S'"),
        ("t\n.lib fast\nR1 a 0 1k\n.endl\n", "2:1", r"section marker outside a library file"),
        ("t\n.include\n", "2:9", r"\.include needs a file name; expected '\.include <file>'"),
        ("t\n.include a.inc b.inc\n", "2:16", r"unexpected 'b\.inc' after the file name"),
        ("t\n.lib models.lib\n", "2:1", r"section marker outside a library file"),
        ("t\nR1 a 0 'x\n", "2:8", r"unterminated quote"),
        ("t\n1R a 0 1k\n", "2:1", r"cannot read card '1R'"),
        ("t\nY1 a 0 1k\n.op\n", "2:8", r"expected a model name, got '1k'"),
        ("t\nY1 a 0 g nomodel\n.op\n", "2:10", r"Y device 'Y1' uses model 'nomodel', which is not defined"),
        ("t\n.model dm D\nY1 a 0 dm\n.op\n", "3:8", r"Y device 'Y1' uses model 'dm' of type 'd', which is not a Y"),
        ("t\n.model sm smtj\nY1 a 0 sm\n.op\n", "3:8",
         r"Y device 'Y1' \(smtj\) needs 3 terminals \(n\+ n- g\), got 2"),
        ("t\n.model sm smtj\nY1 a 0 g sm foo=1\n.op\n", "3:13",
         r"Y device 'Y1' \(smtj\): unknown instance parameter 'foo'"),
        ("t\n.model sm smtj (bogus=1)\n.op\n", "2:17", r"smtj model 'sm': parameter 'bogus' is not supported"),
        ("t\nM1 d g s b nmos\n", "2:12", r"MOSFET 'M1' uses model 'nmos', which is not defined"),
        ("t\nV1 a 0 1\nR1 a 0 1k\nC1 a 0 1n\n.print tran i(c1)\n.tran 1n 1u\n", "5:13",
         r"the current of capacitor 'c1' is not recorded; put a 0 V source in series"),
        ("t\nV1 a 0 1\nR1 a 0 1k\n.print tran v(aa)\n.tran 1n 1u\n", "4:13",
         r"node 'aa' is not in the circuit \(did you mean 'a'\?\)"),
        ("t\nV1 a 0 1\nR1 a 0 1k\n.print tran i(r2)\n.tran 1n 1u\n", "4:13",
         r"'r2' is not an element of the circuit \(did you mean 'r1'\?\)"),
        ("t\nV1 a 0 1\nR1 a 0 1k\n.save @q1[ic]\n.op\n", "4:7", r"'q1' is not an element of the circuit"),
        ("t\nV1 a 0 1\nR1 a 0 1k\n.save\n.op\n", "4:6", r"'\.save' needs at least one output vector"),
    ],
)
def test_text_deck_errors(text, where, message):
    line, col = (int(x) for x in where.split(":"))
    with pytest.raises(NetlistError, match=rf"<netlist>:{line}:{col}: ") as info:
        xbar.read_netlist_text(text)
    info.match(message)


def test_error_inside_included_file_names_that_file(tmp_path):
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "parts.inc").write_text("* parts\nR1 a b 1k\nR2 b 0 {undefined_p}\n")
    deck = tmp_path / "deck.cir"
    deck.write_text("t\nV1 a 0 1\n.include inc/parts.inc\n.op\n")
    with pytest.raises(NetlistError, match=r"inc/parts\.inc:3:9: undefined parameter 'undefined_p'"):
        xbar.read_netlist(deck)


def test_include_relative_to_including_file(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "b").mkdir()
    (tmp_path / "a" / "outer.inc").write_text(".include b/inner.inc\n")
    (tmp_path / "a" / "b" / "inner.inc").write_text(".include missing.inc\n")
    deck = tmp_path / "deck.cir"
    deck.write_text("t\n.include a/outer.inc\n.op\n")
    with pytest.raises(NetlistError, match=r"inner\.inc:1:10: file not found: '\S*a/b/missing\.inc'"):
        xbar.read_netlist(deck)


def test_self_include(tmp_path):
    deck = tmp_path / "deck.cir"
    deck.write_text("t\nV1 a 0 1\n.include deck.cir\n.op\n")
    with pytest.raises(NetlistError, match=r"deck\.cir:3:10: include cycle"):
        xbar.read_netlist(deck)


def test_every_error_is_an_xbar_error():
    for deck, *_ in READ_CASES:
        with pytest.raises(XbarError):
            xbar.read_netlist(MALFORMED / deck)


# CLI -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("deck", "expected"),
    [
        ("bad_number.cir", r"bad_number\.cir:3:11: bad number '1x5'"),
        ("include_cycle.cir", r"cycle_b\.inc:3:10: include cycle"),
        ("missing_value.cir", r"missing_value\.cir:4:9: resistor 'R3' needs a value"),
        ("vsource_loop.cir", r"voltage sources '(v1|v2)', '(v1|v2)' form a loop"),
    ],
)
def test_cli_reports_one_clean_error(deck, expected, capsys):
    status = main(["run", str(MALFORMED / deck)])
    out, err = capsys.readouterr()
    assert status == 1
    assert err.startswith("xbar: error: ")
    assert err.count("xbar: error:") == 1
    assert "Traceback" not in err and "Traceback" not in out
    assert re.search(expected, err)


def test_cli_echoes_line_and_caret(capsys):
    assert main(["run", str(MALFORMED / "bad_number.cir")]) == 1
    err = capsys.readouterr().err.rstrip("\n").split("\n")
    assert err[1:] == ["  R1 in out 1x5", "            ^"]


def test_cli_nonexistent_deck(capsys, tmp_path):
    status = main(["run", str(tmp_path / "nope.cir")])
    err = capsys.readouterr().err
    assert status == 1
    assert re.fullmatch(r"xbar: error: file not found: '\S*nope\.cir'\n", err)
    assert "Traceback" not in err


def test_cli_directory_as_deck(capsys):
    status = main(["run", str(MALFORMED)])
    err = capsys.readouterr().err
    assert status == 1
    assert "is a directory" in err and "Traceback" not in err
