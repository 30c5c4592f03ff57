"""What a user meets first: events, warnings, printouts, CSV files, reprs, early checks, lint,
parameter hints, shipped cards, stand-alone docs, seeded runs that do not depend on time steps."""

from __future__ import annotations

import ast
import csv
import dataclasses
import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
import tomllib
import warnings
from pathlib import Path

import numpy as np
import pytest

import xbar
from xbar.cli import _COMMANDS, main
from xbar.errors import LintWarning, ModelCardError, NetlistError, XbarWarning

ROOT = Path(__file__).resolve().parents[1]
NETLISTS = ROOT / "netlists"


def _deck(tmp_path: Path, text: str, name: str = "deck.cir") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


# ---------------------------------------------------------------------------------------------
# device events
# ---------------------------------------------------------------------------------------------
def test_cli_prints_events_and_writes_events_csv(tmp_path, capsys):
    out = tmp_path / "k.csv"
    assert main(["run", str(NETLISTS / "kumar2024_write_read.cir"), "--csv", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Device events (.tran 100n 5u): 3 switch in 1 device" in text
    assert re.search(r"y1\s+switch\s+cell \d, -> P, I = ", text)
    events = tmp_path / "k-events.csv"
    assert f"wrote {events} (3 device events)" in text
    with open(events) as fh:
        rows = list(csv.DictReader(fh))
    assert [r["kind"] for r in rows] == ["switch"] * 3
    assert {r["cell"] for r in rows} == {"1", "2", "3"}
    assert all(r["to"] == "P" and r["device"] == "y1" for r in rows)
    times = [float(r["time_s"]) for r in rows]
    assert times == sorted(times) and 0 < times[0] < 5e-6


def test_events_file_with_raw_only_and_for_every_analysis(tmp_path, capsys):
    deck = _deck(tmp_path, """breakdown at the op and in a transient
.model m mtj (rp=1k tmr0=1 vb=1)
V1 a 0 PULSE(0.5 2 1n 1n 1n 10n)
Y1 a 0 m
.op
.tran 1n 20n
.end
""")
    raw = tmp_path / "out.raw"
    assert main(["run", str(deck), "--raw", str(raw), "-q"]) == 0
    assert "xbar: warning:" in capsys.readouterr().err
    with open(tmp_path / "out-events.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["analysis"] for r in rows} == {"2 .tran"}  # 0.5 V at the op: no event
    assert [r["kind"] for r in rows] == ["breakdown", "switch"]  # 2 mA also switches P -> AP
    assert float(rows[0]["voltage_V"]) > 1.0 and rows[1]["to"] == "AP"


def test_events_belong_to_their_analysis():
    c = xbar.Circuit()
    c.model("m", "mtj", rp=1e3, tmr0=1.0, vb=1.0)
    c.V("1", "a", "0", 1.5)
    c.Y("1", ["a", "0"], "m")
    with pytest.warns(XbarWarning):
        first = c.op()
    second = c.op()  # the barrier is already broken: no new event
    assert len(first.events) == 1 and second.events == []


def test_device_quantities_print_in_their_own_table_with_units(capsys):
    assert main(["run", str(NETLISTS / "lopez2024_chain_op.cir")]) == 0
    text = capsys.readouterr().out
    node_table, device_table = text.split("Device quantity")
    assert "@" not in node_table.split("Operating point:")[1]
    assert re.search(r"@y1\[r\]\s+\S+\s+Ω\s+junction resistance", device_table)
    assert re.search(r"@y1\[state\]\s+\S+\s+-\s+magnetic state: 0 = P, 1 = AP", device_table)


def test_every_device_output_is_described():
    decks = ["kumar2024_write_read.cir", "lopez2024_chain_op.cir", "smtj_transfer.cir",
             "li2022_hall_op.cir", "diode_rectifier.cir"]
    seen = set()
    for name in decks:
        system = xbar.read_netlist(NETLISTS / name).circuit.compile()
        for g in system.groups:
            for key in g.outputs(np.zeros(system.n)):
                unit, meaning = g.describe_output(key)
                assert unit and meaning, f"{g.kind}: output '{key}' has no unit/meaning in output_info"
                seen.add(g.kind)
    assert {"sotmtj", "mtj_field", "smtj", "cogd", "diode"} <= seen


def test_nested_dc_table_shows_the_outer_sweep(capsys):
    assert main(["run", str(NETLISTS / "divider_sweep.cir")]) == 0
    text = capsys.readouterr().out
    assert "Nested sweep: vin (v-sweep, inner) for each iload (i-sweep2, outer)" in text
    header = next(line for line in text.splitlines() if line.startswith("Index"))
    assert header.split()[:3] == ["Index", "i-sweep2", "v-sweep"]
    row = next(line for line in text.splitlines() if line.startswith("7 "))
    assert [float(v) for v in row.split()[1:3]] == [1e-05, 1.0]
    dc = xbar.read_netlist(NETLISTS / "divider_sweep.cir").run()[1]
    assert dc.sweeps == ("vin", "iload")
    np.testing.assert_array_equal(dc.outer, dc["sweep2"])
    assert dc.unit("i-sweep2") == "A" and dc.unit("v(mid)") == "V"


# ---------------------------------------------------------------------------------------------
# warnings read like errors
# ---------------------------------------------------------------------------------------------
def test_breakdown_warning_points_at_the_deck_line(tmp_path, capsys):
    deck = _deck(tmp_path, "bd\n.model m mtj (rp=1k vb=1)\nV1 a 0 2\nY1 a 0 m\n.op\n.end\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        xbar.read_netlist(deck).run()
    (w,) = [w for w in caught if issubclass(w.category, XbarWarning)]
    assert (w.filename, w.lineno) == (str(deck), 4)
    assert "'y1' (mtj, model m)" in str(w.message)
    assert main(["run", str(deck), "-q"]) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"xbar: warning: {deck}:4:1: barrier breakdown at the operating point")
    assert "  Y1 a 0 m\n  ^" in err
    assert "xbar/" not in err and ".py" not in err


def test_api_warning_points_at_the_callers_line():
    c = xbar.Circuit()
    c.model("m", "mtj", rp=1e3, vb=1.0)
    c.V("1", "a", "0", 2.0)
    c.Y("1", ["a", "0"], "m")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        c.op()
    (w,) = [w for w in caught if issubclass(w.category, XbarWarning)]
    assert w.filename == __file__


def test_xbar_never_calls_warnings_warn_directly():
    """Every warning goes through xbar.errors.warn (deck line or caller's line, never ours)."""
    offenders = []
    for path in (ROOT / "xbar").rglob("*.py"):
        if path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("warn", "warn_explicit")
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "warnings"):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not offenders, f"use xbar.errors.warn instead of warnings.warn: {offenders}"


# ---------------------------------------------------------------------------------------------
# CSV headers, reprs
# ---------------------------------------------------------------------------------------------
def test_csv_headers_are_plain_names_common_readers_accept(tmp_path):
    deck = _deck(tmp_path, """internal nodes and a differential save
.include kumar2024_sot.lib
V1 w1 0 0.5
Rr t 0 1meg
Y1 w1 0 t kumar_sot_t16 ncell=2
.tran 1n 5n
.save time v(w1) v(y1#0) v(w1,y1#1) @y1[r] i(v1)
.end
""")
    tr = xbar.read_netlist(deck).run()[0]
    path = tmp_path / "tr.csv"
    tr.to_csv(path, ["v(w1)", "v(y1#0)", "v(w1,y1#1)", "@y1[r]", "i(v1)"])
    header = path.read_text().splitlines()[0]
    assert header == "time,v(w1),v(y1:0),v(w1)-v(y1:1),@y1[r],i(v1)"
    data = np.genfromtxt(path, delimiter=",", names=True)
    assert len(data.dtype.names) == 6
    np.testing.assert_array_equal(data[data.dtype.names[2]], tr["v(y1#0)"])
    pandas = pytest.importorskip("pandas")
    frame = pandas.read_csv(path, comment="#")
    assert list(frame.columns) == header.split(",")
    np.testing.assert_array_equal(frame["v(w1)-v(y1:1)"], tr["v(w1,y1#1)"])


def test_result_repr_is_a_summary():
    tr = xbar.read_netlist(NETLISTS / "kumar2024_write_read.cir").run()[0]
    text = repr(tr)
    assert text.startswith("<TranResult .tran: ") and "3 device events" in text
    assert len(text) < 200 and str(tr) == text
    assert len(repr(xbar.read_netlist(NETLISTS / "crossbar_4x4.cir"))) < 400


_BOUNDED = {"Card"}  # one netlist card: a handful of tokens


def _array_dataclasses() -> list[type]:
    found = []
    for info in pkgutil.walk_packages(xbar.__path__, "xbar."):
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if (inspect.isclass(obj) and dataclasses.is_dataclass(obj) and obj.__module__ == module.__name__
                    and not obj.__name__.startswith("_") and not issubclass(obj, BaseException)):
                types = " ".join(str(f.type) for f in dataclasses.fields(obj))
                if re.search(r"ndarray|F64|I64|list\[", types) and obj.__name__ not in _BOUNDED:
                    found.append(obj)
    return found


def test_dataclasses_holding_arrays_have_short_reprs():
    """A generated dataclass repr prints whole arrays: every such class defines its own."""
    generated = [f"{c.__module__}.{c.__name__}" for c in _array_dataclasses()
                 if hasattr(c.__repr__, "__wrapped__")]
    assert not generated, f"define __repr__ = xbar.reprs.short_repr in: {generated}"


def test_crossbar_result_repr_is_short():
    from xbar.crossbar import CrossbarSpec, build_crossbar

    g = np.full((32, 32), 1e-4)
    xb = build_crossbar(CrossbarSpec(32, 32, g=g, r_row=1.0, r_col=1.0))
    res = xb.op(np.full(32, 0.1))
    for obj in (res, xb, xb.spec, xb.circuit):
        assert len(repr(obj)) < 1200, type(obj)
    assert "array(32x32 float64)" in repr(res)


# ---------------------------------------------------------------------------------------------
# checks before running, lint, parameter hints
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("analysis", [".op", ".tran 10n 1u"])
def test_unknown_device_quantity_fails_before_any_analysis(tmp_path, capsys, analysis):
    kind = analysis.split()[0][1:]
    deck = _deck(tmp_path, f"""typo in a device quantity
.include kumar2024_sot.lib
V1 w1 0 0.5
Rr t 0 1meg
Y1 w1 0 t kumar_sot_t16
{analysis}
.print {kind} @y1[nap] @y1[stat]
.end
""")
    out = tmp_path / "res.csv"
    assert main(["run", str(deck), "--csv", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{deck}:7:" in err and "sotmtj 'y1' has no quantity 'stat'; its quantities: state, nap" in err
    line = err.splitlines()[1:3]
    assert line[1].index("^") == line[0].index("stat")
    with pytest.raises(NetlistError):
        xbar.read_netlist(deck).run()


SNESE = """sense amplifier input with a typo
V1 in 0 1
R1 in sense 1k
R2 sense 0 1k
R3 out snese 1k
R4 out 0 1k
.op
.end
"""


def test_single_connection_node_is_reported_with_element_and_line(tmp_path, capsys):
    deck = _deck(tmp_path, SNESE)
    with pytest.warns(LintWarning, match=r"node 'snese' has only one connection \(terminal n- of "
                                          r"resistor 'r3'\)") as rec:
        xbar.read_netlist(deck).run()
    assert (rec[0].filename, rec[0].lineno) == (str(deck), 5)
    assert main(["run", str(deck), "-q"]) == 0
    assert f"xbar: warning: {deck}:5:1: node 'snese'" in capsys.readouterr().err


def test_lint_can_be_turned_off(tmp_path):
    deck = _deck(tmp_path, SNESE.replace(".op", ".options nolint\n.op"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        xbar.read_netlist(deck).run()
        for c in (xbar.Circuit(lint=False), xbar.Circuit()):
            if c.options.lint:
                c.set_options(lint=0)
            c.V("1", "a", "0", 1.0)
            c.R("1", "a", "b", 1e3)
            c.op()
    with pytest.raises(NetlistError, match="option 'lint' must be 0 or 1"):
        xbar.read_netlist_text("t\nR1 a 0 1\n.options lint=2\n.op\n")


def test_shipped_decks_run_without_warnings(recwarn):
    for deck in sorted(NETLISTS.glob("*.cir")):
        xbar.read_netlist(deck).circuit.compile()
    assert not [w for w in recwarn if issubclass(w.category, XbarWarning)]


@pytest.mark.parametrize(("card", "message"), [
    ("Y1 w1 0 t kumar_sot_t16 tf=1.7", r"tf=1\.7 m is outside \[1\.2e-09, 3\.2e-09\] m; did you mean 1\.7n \(= 1\.7e-09 m\)\?"),
    ("Y1 w1 0 t kumar_sot_t16 ha=60", r"ha=60 T is outside .* T; did you mean 60m \(= 0\.06 T\)\?"),
])
def test_out_of_range_values_get_unit_and_si_hint(card, message):
    text = f"t\n.include kumar2024_sot.lib\nV1 w1 0 1\nRr t 0 1meg\n{card}\n.op\n.end\n"
    with pytest.raises(ModelCardError, match=message):
        xbar.read_netlist_text(text)


def test_si_hint_on_cards_and_percentages():
    with pytest.raises(ModelCardError, match=r"tmr0=120 is outside \[0, 100\]; did you mean 1\.2 \(120 % as a fraction\)"):
        xbar.read_netlist_text("t\n.model m mtj (tmr0=120)\n.op\n")
    with pytest.raises(ModelCardError, match=r"area=40 m² is outside .*; did you mean 40f"):
        xbar.read_netlist_text("t\n.model m mtj (rp=1k)\nV1 a 0 1\nY1 a 0 m area=40\n.op\n")
    c = xbar.Circuit()
    c.model("m", "mtj", rp=1e3, vb=1500.0)
    c.V("1", "a", "0", 1.0)
    with pytest.raises(ModelCardError, match=r"vb=1500 V is outside \[0\.001, 100\] V; did you mean 1500m \(= 1\.5 V\)"):
        c.Y("1", ["a", "0"], "m")


# ---------------------------------------------------------------------------------------------
# shipped cards, generic card, `xbar models`
# ---------------------------------------------------------------------------------------------
def test_models_and_includes_work_from_any_directory(tmp_path):
    deck = _deck(tmp_path, "t\n.include generic_mtj.lib\nV1 a 0 0.1\nY1 a 0 mtj_generic\n.op\n.end\n")
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    run = [sys.executable, "-m", "xbar.cli"]
    proc = subprocess.run([*run, "models", "--kind", "cogd"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "### `cogd`" in proc.stdout and "### `sotmtj`" not in proc.stdout
    assert "li2022_t20" in proc.stdout and "kumar_sot_t16" not in proc.stdout
    proc = subprocess.run([*run, "run", str(deck)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and "@y1[r]" in proc.stdout, proc.stderr
    proc = subprocess.run([*run, "models", "--kind", "nope"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "unknown device kind 'nope'; kinds: cogd, mtj" in proc.stderr


def test_generic_mtj_card():
    c = xbar.Circuit()
    c.load_models("generic_mtj.lib")
    c.V("1", "a", "0", 1e-3)
    c.Y("p", ["a", "0"], "mtj_generic", state=0)
    c.Y("ap", ["a", "0"], "mtj_generic", state=1)
    op = c.op()
    rp = 1e-11 / 1.2566e-15
    assert op["@yp[r]"] == pytest.approx(rp, rel=1e-9)
    assert op["@yap[r]"] / op["@yp[r]"] == pytest.approx(2.2, rel=1e-5)
    # 80 µA (1.6 x ic_ap2p) for 50 ns switches AP -> P
    from xbar.devices.waveforms import WaveformSpec

    s = xbar.Circuit()
    s.load_models("generic_mtj.lib")
    s.set_options(seed=1)
    s.I("1", "a", "0", 0.0, waveform=WaveformSpec("pulse", (0, 80e-6, 5e-9, 1e-10, 1e-10, 50e-9, 1)))
    s.Y("1", ["a", "0"], "mtj_generic", state=1)
    tr = s.tran(1e-9, 100e-9)
    assert [(e["kind"], e["to"]) for e in tr.events] == [("switch", "P")]


def test_readme_device_table_lists_every_kind():
    from xbar.devices.registry import DEVICE_KINDS, load_builtin_kinds

    load_builtin_kinds()
    table = README_TEXT.split("| kind | terminals | model | paper |")[1].split("\n\n")[0]
    for kind, cls in DEVICE_KINDS.items():
        assert f"| `{kind}` | `{' '.join(cls.terminals)}` |" in table, kind


README_TEXT = (ROOT / "README.md").read_text()


# ---------------------------------------------------------------------------------------------
# packaging metadata, stand-alone docs
# ---------------------------------------------------------------------------------------------
def test_project_metadata_uses_current_forms():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert isinstance(meta["project"]["license"], str), "SPDX string, not a TOML table (deprecated)"
    assert not any(c.startswith("License ::") for c in meta["project"].get("classifiers", []))
    req = next(r for r in meta["build-system"]["requires"] if r.startswith("setuptools"))
    assert int(re.search(r">=(\d+)", req).group(1)) >= 77  # SPDX license expressions
    assert "compact_models" in (ROOT / "setup.py").read_text()


_OUTSIDE = re.compile(r"PHYSICS\.md|STYLE\.md|NN_ANCHORS\.md|\.\./shared|shared/(papers|data|design)|/work/")


def test_docs_cards_and_code_stand_alone():
    """Users do not have the project's design notes or shared folders: nothing may cite them."""
    bad = []
    for folder in ("xbar", "compact_models", "docs"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in (".py", ".md", ".lib", ".json"):
                for k, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
                    if _OUTSIDE.search(line):
                        bad.append(f"{path.relative_to(ROOT)}:{k}: {line.strip()[:80]}")
    assert not bad, "references to files users do not have:\n" + "\n".join(bad)


def test_model_docs_cite_papers_by_doi():
    for path in (ROOT / "docs" / "models").glob("*.md"):
        assert re.search(r"DOI 10\.\d{4,}/", path.read_text()), f"{path.name} cites no DOI"


# ---------------------------------------------------------------------------------------------
# seeded stochastic runs do not depend on the time steps
# ---------------------------------------------------------------------------------------------
def _switched(tmax: float, seed: int = 5) -> list[tuple[str, str]]:
    from xbar.devices.waveforms import WaveformSpec

    c = xbar.Circuit()
    c.set_options(seed=seed)
    c.model("m1", "mtj", rp=1e3, tmr0=1.0, ic_p2ap=1e-3, ic_ap2p=1e-3, delta=40, vb=10.0, vh=1e3)
    c.V("1", "a", "0", 0.0, waveform=WaveformSpec("pulse", (0, 0.88, 5e-9, 1e-10, 1e-10, 200e-9, 1)))
    c.add_y_many("cell", np.array([["a", "0"]] * 80), "m1", {"state": 0.0})
    tr = c.tran(1e-9, 210e-9, tmax=tmax)
    return sorted((e["device"], e["to"]) for e in tr.events)


def test_seeded_switching_does_not_depend_on_the_time_steps():
    """Per-step random draws made the outcome depend on the number of steps (Li 2022 I_th
    17.5 vs 18.0 mA on two machines); the integrated-hazard clocks do not."""
    coarse, fine = _switched(20e-9), _switched(1e-9)
    assert coarse == fine
    assert 10 < len(coarse) < 70  # a real draw, not all or nothing
    assert _switched(20e-9, seed=6) != coarse


def test_hazard_clock_statistics():
    from xbar.devices.mtj.hazard import HazardClock

    n, rate, dt = 20000, 1e6, 1e-8
    clock = HazardClock(np.random.default_rng(0), (n,))
    fired = np.zeros(n, dtype=bool)
    for _ in range(50):  # 0.5 µs in uneven steps
        fired |= clock.advance(np.full(n, rate), dt)
    expected = 1 - np.exp(-rate * 50 * dt)
    assert abs(fired.mean() - expected) < 4 * np.sqrt(expected * (1 - expected) / n)


# ---------------------------------------------------------------------------------------------
# the command line
# ---------------------------------------------------------------------------------------------
def test_subcommands_are_registered():
    assert {"run", "reproduce", "models"} <= set(_COMMANDS)


def test_closed_pipe_is_not_a_traceback():
    proc = subprocess.run(f'"{sys.executable}" -m xbar.cli run "{NETLISTS / "divider_sweep.cir"}" | head -n 1',
                          shell=True, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert proc.stdout.startswith("Circuit:")
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr
