""".control blocks: commands, output formats, errors and the batch run around them."""

from __future__ import annotations

import io

import numpy as np
import pytest

import xbar
from xbar.cli import main
from xbar.errors import NetlistError, XbarWarning
from xbar.io.rawfile import read_rawfile
from xbar.netlist.control import COMMANDS, ControlSession, printnum

RC = "rc\nV1 in 0 DC 1 PULSE(0 1 1u 0.5u 0.5u 3u 10u)\nR1 in out 1k\nC1 out 0 1n\n"


def session(script: str, extra: str = "", workdir=".") -> tuple[ControlSession, str]:
    deck = xbar.read_netlist_text(RC + extra + ".control\n" + script + "\n.endc\n")
    out = io.StringIO()
    s = ControlSession(deck, out, workdir=workdir).run()
    return s, out.getvalue()


def test_printnum_is_ngspice_printnum() -> None:
    assert printnum(1.0) == "1.000000e+00"
    assert printnum(-2.5e-4) == "-2.50000e-04"
    assert printnum(1234.5, 3) == "1.234e+03" and printnum(-1234.5, 3) == "-1.23e+03"


def test_op_print_let_and_scalars() -> None:
    _, out = session("op\nprint v(out) i(v1)\nlet p = v(in)*2\nprint p v(in)-v(out)\nprint all")
    assert out.splitlines() == [
        "v(out) = 1.000000e+00", "i(v1) = 0.000000e+00", "p = 2.000000e+00", "v(in)-v(out) = 0.000000e+00",
        "in = 1.000000e+00", "out = 1.000000e+00", "p = 2.000000e+00", "v1#branch = 0.000000e+00"]


def test_tran_table_pages_and_columns() -> None:
    s, out = session("tran 0.1u 5u\nprint v(out) v(in) i(v1)")
    lines = out.splitlines()
    assert lines[0].strip() == "rc" and lines[1].strip().startswith("Transient Analysis  ")
    assert lines[2] == "-" * 80
    assert lines[3] == "Index   time            v(out)          v(in)           i(v1)           "
    rows = [ln for ln in lines if ln[:1].isdigit()]
    assert len(rows) == len(s.current.result["time"])
    assert "\f" in out  # more than 55 rows: a page break with the header again
    first = rows[0].split("\t")
    assert first[0] == "0" and first[1] == "0.000000e+00"


def test_wide_tables_split_and_width_variable() -> None:
    _, narrow = session("op\nprint col v(in) v(out) i(v1) v(in) v(out)")
    assert narrow.count("Index") == 2  # 8 + 16 per column: at most 4 columns in 80 characters
    _, wide = session("op\nset width=120\nprint col v(in) v(out) i(v1) v(in) v(out)")
    assert wide.count("Index") == 1


def test_numdgt_and_print_line() -> None:
    _, out = session("tran 1u 3u\nset numdgt=3\nprint line v(in)\nunset numdgt\nop\nprint v(out)")
    first = out.splitlines()[0]
    assert first.startswith("v(in) = (  0.000e+00\t")
    assert out.splitlines()[-1] == "v(out) = 1.000000e+00"


def test_wrdata_formats(tmp_path) -> None:
    session("tran 1u 3u\nwrdata plain.txt v(out) v(in)\nset wr_vecnames\nset wr_singlescale\n"
            "wrdata both.txt v(out) v(in)", workdir=tmp_path)
    plain = (tmp_path / "plain.txt").read_text().splitlines()
    assert len(plain[0].split()) == 4 and plain[0].startswith(" 0.00000000e+00  ")
    both = (tmp_path / "both.txt").read_text().splitlines()
    assert both[0] == " time            v(out)          v(in)          "
    assert len(both[1].split()) == 3


def test_write_rawfile_ascii_and_binary(tmp_path) -> None:
    session("op\nlet a = v(out)*2\nwrite bin.raw\nset filetype=ascii\nwrite asc.raw v(out) a",
            workdir=tmp_path)
    assert (tmp_path / "asc.raw").read_text().startswith("Title: rc")
    plot = read_rawfile(tmp_path / "asc.raw")[0]
    assert plot.names == ["v(out)", "a"] and np.allclose(plot.data[0], [1.0, 2.0])
    assert "a" in read_rawfile(tmp_path / "bin.raw")[0].names


def test_echo_substitution_meas_and_quit() -> None:
    s, out = session("tran 0.1u 8u\nmeas tran tr trig v(out) val=0.1 rise=1 targ v(out) val=0.9 rise=1\n"
                     "set who = world\necho hello $who: $&tr\necho \"a  b\" 'c', d\nquit\necho never")
    lines = out.splitlines()
    assert lines[0].startswith("tr                  =  ")
    tr = float(lines[0].split()[2])
    assert tr == pytest.approx(1e-6 * np.log(9), rel=0.05)  # RC rise time 10 %-90 %
    assert lines[1] == f"hello world: {tr:G}"
    assert lines[2] == "a  b c d"
    assert s.quit and "never" not in out


def test_run_uses_ngspice_order_and_meas_cards() -> None:
    s, out = session("run\nprint v(out)", extra=".tran 0.5u 5u\n.op\n.meas tran vmax max v(out)\n")
    assert [r.kind for r in s.run_results] == ["op", "tran"]
    assert "Measurements for Transient Analysis" in out and "vmax" in out
    assert s.current.result.kind == "tran"


def test_interactive_commands_are_skipped_with_a_warning() -> None:
    with pytest.warns(XbarWarning, match=r"'plot' skipped \(interactive command"):
        session("op\nplot v(out)")


@pytest.mark.parametrize(
    ("script", "where", "message"),
    [
        ("op\nalter r1 2k", "7:1", r"not supported: alter"),
        ("tran 1u", "6:8", r"'\.tran' needs tstop"),
        ("dc vnone 0 1 0.1", "6:4", r"\.dc sweeps 'vnone', which is not an element"),
        ("ac dec 10 0 1meg", "6:11", r"\.ac dec sweeps need fstart > 0, got 0"),
        ("let = 2", "6:5", r"expected 'let <name> = <expression>'"),
        ("let a = 2 +* 3", "6:12", r"expected an operand after '\+'"),
        ("meas tran x avgg v(out)", "6:13", r"unknown measurement function 'avgg'"),
    ],
)
def test_errors_when_reading(script: str, where: str, message: str) -> None:
    line, col = (int(x) for x in where.split(":"))
    with pytest.raises(NetlistError, match=rf"<netlist>:{line}:{col}: ") as info:
        xbar.read_netlist_text(RC + ".control\n" + script + "\n.endc\n")
    info.match(message)


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("print v(out)", r"'print': no analysis has run yet"),
        ("op\nprint v(nowhere)", r"no vector 'v\(nowhere\)' in the op result"),
        ("op\nprint v(ot)", r"\(did you mean 'v\(out\)'\?\)"),
        ("op\necho $missing", r"\$missing: no such variable"),
        ("run", r"'run' found no analysis card"),
        ("tran 1u 3u\nmeas dc x max v(out)", r"'meas dc' on the current plot, which is a tran analysis"),
    ],
)
def test_errors_when_running(script: str, message: str) -> None:
    with pytest.raises(NetlistError, match=message) as info:
        session(script)
    assert info.value.location is not None


def test_control_block_structure_errors() -> None:
    with pytest.raises(NetlistError, match=r"<netlist>:5:1: '\.control' has no matching '\.endc'"):
        xbar.read_netlist_text(RC + ".control\nop\n.end\n")
    with pytest.raises(NetlistError, match=r"<netlist>:5:1: '\.endc' without a matching '\.control'"):
        xbar.read_netlist_text(RC + ".endc\n")


def test_cli_runs_control_then_batch(tmp_path, capsys) -> None:
    deck = tmp_path / "c.cir"
    deck.write_text(RC + ".op\n.control\necho first\n.endc\n.end\n")
    assert main(["run", str(deck)]) == 0
    out = capsys.readouterr().out
    assert out.index("first") < out.index("Operating point")
    deck.write_text(RC + ".op\n.control\necho first\nquit\n.endc\n.end\n")
    assert main(["run", str(deck)]) == 0
    assert "Operating point" not in capsys.readouterr().out


def test_command_table_is_the_documented_subset() -> None:
    assert {"op", "dc", "tran", "ac", "run", "print", "wrdata", "write", "let", "meas", "set",
            "echo", "quit"} <= set(COMMANDS)


def test_complex_results_print_like_ngspice() -> None:
    """AC results (complex) print as 're,im' and tables give them 32 characters, so an ``ac``
    analysis registered in ANALYSIS_RUNNERS prints without further work here."""
    from xbar.analysis.results import SweepResult
    from xbar.netlist.control import Command, _Plot

    s, _ = session("op")
    freq = np.array([1.0, 10.0, 100.0], dtype=complex)
    vout = np.array([1 + 0j, 0.5 - 0.5j, 0.1 - 0.3j])
    res = SweepResult(kind="ac", names=["frequency", "v(out)"], data=np.column_stack([freq, vout]),
                      scale_name="frequency")
    s.current = _Plot(res, "ac1", None)
    out = io.StringIO()
    s.out = out
    card = s.netlist.control.commands[0].card
    s.execute(Command("print", "v(out) vdb(out)", card))
    lines = out.getvalue().splitlines()
    assert lines[3].startswith("Index   frequency       v(out)                          vdb(out)")
    assert lines[5] == "0\t1.000000e+00\t1.000000e+00,\t0.000000e+00\t0.000000e+00\t"
    with pytest.raises(NetlistError, match="arithmetic on complex"):
        s.execute(Command("print", "v(out)*2", card))


def test_netlist_run_control_api(tmp_path) -> None:
    deck = xbar.read_netlist_text(RC + ".control\nop\nlet x = v(out)*3\nprint x\n.endc\n")
    out = io.StringIO()
    s = deck.run_control(out, workdir=tmp_path)
    assert out.getvalue() == "x = 3.000000e+00\n" and [r.kind for r in s.results] == ["op"]
    with pytest.raises(NetlistError, match=r"has no \.control block"):
        xbar.read_netlist_text(RC + ".op\n").run_control()


def test_csparam_values_are_constant_vectors_of_the_script() -> None:
    """As ngspice 39 (``const.rr = 4.000000e+03``, ``op1.ii = 1.200000e+04`` for the same deck)."""
    extra = ".param rval=2k\n.csparam rr={rval*2}\n.csparam gain=3\n"
    _, out = session("echo $&rr\nop\nlet ii = v(out)*rr*gain\nprint ii", extra)
    assert out.splitlines() == ["4000", "ii = 1.200000e+04"]
    with pytest.raises(NetlistError, match="undefined parameter 'gain'"):
        xbar.read_netlist_text(RC + ".csparam gain=3\nR2 out 0 {gain}\n.op\n")
    with pytest.raises(NetlistError, match=r"expected '\.csparam name=value"):
        xbar.read_netlist_text(RC + ".csparam\n.op\n")
