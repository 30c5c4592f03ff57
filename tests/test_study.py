"""Tests of xbar.study without a Dask cluster: study files, points and seeds, the experiments,
the resumable results table, failing points, plots, the CLI and bad study files."""

from __future__ import annotations

import doctest
import importlib
import math
import os
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import xbar
from xbar.cli import main
from xbar.errors import DataError, NetlistError, StudyError
from xbar.study import Study, derive_seed, load_study, read_results, run_study
from xbar.study.outputs import OutputError, select_outputs
from xbar.study.table import meta_path, parquet_path

ROOT = Path(__file__).resolve().parents[1]

DIVIDER = """divider with a diode
.param rtop=10k rbot=10k
.model d1 d (is=1e-14)
Vin in 0 1
R1 in mid {rtop}
R2 mid 0 {rbot}
D1 mid 0 d1
.op
.end
"""

STUDY = """
[study]
seed = 7

[run]
deck = "div.cir"
outputs = { vmid = "v(mid)", iin = "i(vin)" }

[axes]
rtop = { start = 1e3, stop = 1e5, num = 3, scale = "log" }
"d1.is" = [1e-14, 1e-12]
"""


def _write(tmp: Path, study: str = STUDY, deck: str = DIVIDER, name: str = "s.toml") -> Path:
    (tmp / "div.cir").write_text(deck)
    path = tmp / name
    path.write_text(textwrap.dedent(study))
    return path


def _mnist_dir() -> Path | None:
    for p in (os.environ.get("XBAR_MNIST_DIR"), ROOT.parent / "shared" / "data" / "mnist10k",
              Path("/work/shared/data/mnist10k")):
        if p and (Path(p) / "images-idx3-ubyte.gz").is_file():
            return Path(p)
    return None


# study description -------------------------------------------------------------------------------
def test_axes_ranges_and_points(tmp_path: Path) -> None:
    s = Study.from_dict({
        "study": {"seed": 3, "repeats": 2},
        "run": {"experiment": "crossbar-ir-drop"},
        "axes": {"rows": {"start": 2, "stop": 8, "step": 3},
                 "r_wire": {"start": 0.1, "stop": 0.3, "step": 0.1},
                 "g_spread": {"start": 0.01, "stop": 1.0, "num": 3, "scale": "log"}},
    }, base_dir=tmp_path)
    assert s.axes[0].values == (2, 5, 8) and all(isinstance(v, int) for v in s.axes[0].values)
    assert s.axes[1].values == (0.1, 0.2, 0.3)  # rounded to 12 digits, not 0.30000000000000004
    assert s.axes[2].values == (0.01, 0.1, 1.0)
    pts = s.points()
    assert len(pts) == len(s) == 3 * 3 * 3 * 2
    assert s.axis_names == ["rows", "r_wire", "g_spread", "trial"]
    assert pts[0].values == {"rows": 2, "r_wire": 0.1, "g_spread": 0.01, "trial": 0}
    assert pts[1].values["trial"] == 1  # the last axis varies fastest
    assert len({p.seed for p in pts}) == len(pts)
    assert s.results == tmp_path / "study.csv"


def test_seeds_depend_on_point_not_position(tmp_path: Path) -> None:
    base = {"study": {"seed": 11}, "run": {"experiment": "crossbar-ir-drop"}}
    a = Study.from_dict({**base, "axes": {"rows": [2, 4], "cols": [3]}}, base_dir=tmp_path)
    b = Study.from_dict({**base, "axes": {"rows": [8, 4, 2], "cols": [3]}}, base_dir=tmp_path)
    seeds_a = {p.key: p.seed for p in a.points()}
    seeds_b = {p.key: p.seed for p in b.points()}
    assert all(seeds_b[k] == v for k, v in seeds_a.items())  # extending an axis keeps seeds
    assert seeds_a[("2", "3")] == derive_seed(11, {"rows": 2, "cols": 3})
    c = Study.from_dict({**base, "study": {"seed": 12}, "axes": {"rows": [2, 4], "cols": [3]}},
                        base_dir=tmp_path)
    assert {p.seed for p in c.points()}.isdisjoint(seeds_a.values())
    # seed_axes: common random numbers across the other axes
    d = Study.from_dict({"study": {"seed": 1, "repeats": 3, "seed_axes": ["trial"]},
                         "run": {"experiment": "crossbar-ir-drop"}, "axes": {"rows": [2, 4]}},
                        base_dir=tmp_path)
    by_trial: dict[int, set[int]] = {}
    for p in d.points():
        by_trial.setdefault(p.values["trial"], set()).add(p.seed)
    assert all(len(v) == 1 for v in by_trial.values()) and len(by_trial) == 3


def test_random_axes_are_reproducible(tmp_path: Path) -> None:
    spec = {"run": {"experiment": "crossbar-ir-drop"}, "study": {"seed": 5},
            "axes": {"g_spread": {"random": "uniform", "low": 0.0, "high": 0.2, "draws": 6},
                     "rows": {"random": "integers", "low": 2, "high": 9, "draws": 4}}}
    a = Study.from_dict(spec, base_dir=tmp_path)
    b = Study.from_dict(spec, base_dir=tmp_path)
    assert a.axes[0].values == b.axes[0].values and len(set(a.axes[0].values)) == 6
    assert all(0.0 <= v < 0.2 for v in a.axes[0].values)
    assert all(isinstance(v, int) and 2 <= v <= 9 for v in a.axes[1].values)
    other = Study.from_dict({**spec, "study": {"seed": 6}}, base_dir=tmp_path)
    assert other.axes[0].values != a.axes[0].values
    zipped = Study.from_dict({**spec, "study": {"combine": "zip"},
                              "axes": {"rows": [2, 3, 4], "cols": {"random": "normal", "mean": 8.0,
                                                                   "std": 1.0, "draws": 3}}},
                             base_dir=tmp_path)
    assert len(zipped.points()) == 3


def test_toml_yaml_and_dict_give_the_same_study(tmp_path: Path) -> None:
    path = _write(tmp_path)
    from_toml = load_study(path)
    yaml_text = textwrap.dedent("""
        study: {seed: 7}
        run:
          deck: div.cir
          outputs: {vmid: v(mid), iin: i(vin)}
        axes:
          rtop: {start: 1.0e+3, stop: 1.0e+5, num: 3, scale: log}
          d1.is: [1.0e-14, 1.0e-12]
        """)
    (tmp_path / "s.yaml").write_text(yaml_text)
    pytest.importorskip("yaml")
    from_yaml = load_study(tmp_path / "s.yaml")
    from_dict = Study.from_dict({"study": {"seed": 7}, "run": {"deck": "div.cir",
                                 "outputs": {"vmid": "v(mid)", "iin": "i(vin)"}},
                                 "axes": {"rtop": {"start": 1e3, "stop": 1e5, "num": 3, "scale": "log"},
                                          "d1.is": [1e-14, 1e-12]}}, base_dir=tmp_path)
    for other in (from_yaml, from_dict):
        assert other.points() == from_toml.points()
        assert other.fingerprint() == from_toml.fingerprint()
    assert from_toml.name == "s" and from_toml.results == (tmp_path / "s.csv").resolve()


BAD = [
    ("[run]\nexperiment = 'crossbar-ir-drop'\n[axes]\nrows = { start = 1, stop = 4, num = -2 }\n",
     ["axes.rows.num", "positive integer", "-2"]),
    ("[run]\nexperiment = 'crossbar-ir-drop'\n[axes]\nrows = { start = 1, stop = 4 }\n",
     ["axes.rows", "'num'", "'step'"]),
    ("[run]\nexperiment = 'crossbar-ir-drop'\n[axes]\nrows = 3\n", ["axes.rows", "list of values"]),
    ("[run]\nexperiment = 'crossbar-ir-drop'\n[axes]\nrowz = [1, 2]\n",
     ["axes.rowz", "no parameter 'rowz'", "rows"]),
    ("[run]\nexperiment = 'crossbar-ir-drop'\n[run.params]\nrwire = 2.0\n",
     ["run.params.rwire", "no parameter 'rwire'"]),
    ("[run]\nexperiment = 'no-such-thing'\n", ["run.experiment", "no experiment named 'no-such-thing'",
                                                "crossbar-ir-drop"]),
    ("[run]\nexperiment = 'crossbar-ir-drop'\n[study]\nseed = -1\n", ["study.seed", "non-negative integer"]),
    ("[run]\nexperiment = 'crossbar-ir-drop'\n[study]\nsede = 1\n", ["unknown key 'study.sede'", "seed"]),
    ("[run]\nexperiment = 'crossbar-ir-drop'\n[axis]\nrows = [1]\n", ["unknown key 'axis'", "axes"]),
    ("[study]\nseed = 1\n", ["missing table '[run]'"]),
    ("[run]\ndeck = 'missing.cir'\n", ["run.deck", "missing.cir", "not found"]),
    ("[run]\ndeck = 'div.cir'\nexperiment = 'x'\n", ["[run]", "exactly one of 'deck'"]),
    ("[run]\ndeck = 'div.cir'\n[axes]\nrtp = [1, 2]\n", ["rtp", "no top-level .param 'rtp'", "rtop"]),
    ("[run]\ndeck = 'div.cir'\n[axes]\n'd2.is' = [1e-14]\n", ["d2.is", "no top-level .model 'd2'", "d1"]),
    ("[run]\nexperiment = 'crossbar-ir-drop'\n[axes]\nrows = [2, 2]\n", ["axes.rows.values", "distinct"]),
    ("[run]\nexperiment = 'crossbar-ir-drop'\n[axes]\ng_spread = { random = 'gauss', draws = 3 }\n",
     ["axes.g_spread.random", "uniform"]),
    ("[run]\nexperiment = 'crossbar-ir-drop'\n[axes]\nrows = [2]\ncols = [2, 3]\n[study]\ncombine = 'zip'\n",
     ["study.combine", "equal length", "rows: 1"]),
    ("[run]\nexperiment = 'crossbar-ir-drop'\n[axes]\nseed = [1, 2]\n", ["axes.seed", "reserved"]),
    ("[run]\nexperiment = 'crossbar-ir-drop'\n[study]\nresults = 'out.txt'\n", ["study.results", ".csv"]),
    ("[run\nexperiment = 1\n", ["not valid TOML", "line 1"]),
    ("[run]\nexperiment = 'mnist-quantized-linear'\n[axes]\nn_train = [10, 20]\n",
     ["axes.n_train", "setup parameter", "varied"]),
    ("[run]\nexperiment = 'nomodule_xyz:f'\n", ["run.experiment", "cannot import module 'nomodule_xyz'"]),
    ("[run]\nexperiment = 'helper.py:f'\n", ["run.experiment", "helper.py", "not found"]),
]


@pytest.mark.parametrize(("text", "parts"), BAD, ids=[p[1][0] for p in BAD])
def test_bad_study_files_name_file_key_and_expectation(tmp_path: Path, text: str, parts: list[str]) -> None:
    path = _write(tmp_path, study=text, name="bad.toml")
    from xbar.study.runner import validate

    with pytest.raises(StudyError) as info:
        validate(load_study(path))
    msg = str(info.value)
    assert "bad.toml" in msg, msg
    for part in parts:
        assert part in msg, (part, msg)


def test_bad_study_file_cli_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, study=BAD[0][0], name="bad.toml")
    assert main(["study", "run", "--serial", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("xbar: error: ") and "bad.toml" in err and "axes.rows.num" in err
    assert "Traceback" not in err


# deck overrides in the engine --------------------------------------------------------------------
def test_elaborate_overrides_params_and_models() -> None:
    text = "t\n.param r1=1k r2={2*r1}\n.model dd d (is=1e-14)\nV1 in 0 1\nR1 in out {r1}\nR2 out 0 {r2}\n.op\n"
    deck = xbar.read_netlist_text(text, params={"r1": 2e3})  # r2 follows r1
    assert deck.run()[0]["v(out)"] == pytest.approx(2 / 3)
    deck = xbar.read_netlist_text(text, params={"R2": 1e3})
    assert deck.run()[0]["v(out)"] == pytest.approx(0.5)
    deck = xbar.read_netlist_text(text, models={"DD": {"is": 1e-12, "n": 1.5}})
    assert deck.circuit.models["dd"].params == {"is": 1e-12, "n": 1.5}
    with pytest.raises(NetlistError, match=r"no top-level .param 'r3'.*r1, r2"):
        xbar.read_netlist_text(text, params={"r3": 1.0})
    with pytest.raises(NetlistError, match=r"no top-level .model 'dx'.*dd"):
        xbar.read_netlist_text(text, models={"dx": {"is": 1e-12}})
    with pytest.raises(NetlistError, match="override of diode model 'dd': parameter 'foo'"):
        xbar.read_netlist_text(text, models={"dd": {"foo": 1.0}})


# running serially ----------------------------------------------------------------------------------
def test_deck_study_serial_values_and_resume(tmp_path: Path) -> None:
    study = load_study(_write(tmp_path))
    summary = run_study(study, serial=True, progress=False)
    assert (summary.points, summary.computed, summary.skipped, summary.failed) == (6, 6, 0, 0)
    t = read_results(study.results)
    assert t.axes == ["rtop", "d1.is"] and t.outputs == ["vmid", "iin"]
    assert list(t["point"]) == list(range(6))
    for rtop, is_, vmid in zip(t["rtop"], t["d1.is"], t["vmid"], strict=True):
        ref = xbar.read_netlist_text(DIVIDER, params={"rtop": rtop}, models={"d1": {"is": is_}})
        assert vmid == ref.run()[0]["v(mid)"]  # exactly the direct run
    assert summary.parquet is None or summary.parquet == parquet_path(study.results)
    before = study.results.read_bytes()
    again = run_study(study, serial=True, progress=False)
    assert (again.computed, again.skipped) == (0, 6)
    assert study.results.read_bytes() == before
    # extend an axis: only the new points run
    bigger = load_study(_write(tmp_path, STUDY.replace("[1e-14, 1e-12]", "[1e-14, 1e-12, 1e-10]")))
    third = run_study(bigger, serial=True, progress=False)
    assert (third.computed, third.skipped) == (3, 6)
    assert len(read_results(study.results)) == 9


def test_failing_points_record_their_error(tmp_path: Path) -> None:
    # is = -1 is outside the diode model's bounds: that point fails, the others run
    study = load_study(_write(tmp_path, STUDY.replace("[1e-14, 1e-12]", "[1e-14, -1.0]")))
    summary = run_study(study, serial=True, progress=False)
    assert (summary.computed, summary.failed) == (6, 3)
    t = read_results(study.results)
    bad = t["d1.is"] == -1.0
    assert list(t["status"][bad]) == ["error"] * 3 and list(t["status"][~bad]) == ["ok"] * 3
    assert all("ModelCardError" in e and "is=-1 is outside" in e and "\n" not in e for e in t["error"][bad])
    assert np.isnan(t["vmid"][bad]).all() and np.isfinite(t["vmid"][~bad]).all()
    assert run_study(study, serial=True, progress=False).computed == 0
    assert run_study(study, serial=True, progress=False, retry_failed=True).computed == 3


def test_changed_study_is_refused_unless_fresh(tmp_path: Path) -> None:
    study = load_study(_write(tmp_path))
    run_study(study, serial=True, progress=False)
    changed = load_study(_write(tmp_path, STUDY.replace("seed = 7", "seed = 8")))
    with pytest.raises(StudyError, match=r"different study.*--fresh"):
        run_study(changed, serial=True, progress=False)
    assert run_study(changed, serial=True, progress=False, fresh=True).computed == 6
    (tmp_path / "div.cir").write_text(DIVIDER.replace("rbot=10k", "rbot=20k"))  # the deck changed
    with pytest.raises(StudyError, match="different study"):
        run_study(load_study(tmp_path / "s.toml"), serial=True, progress=False)


def test_row_cut_short_by_a_crash_is_computed_again(tmp_path: Path) -> None:
    study = load_study(_write(tmp_path))
    run_study(study, serial=True, progress=False)
    full = study.results.read_bytes()
    lines = full.splitlines(keepends=True)
    study.results.write_bytes(b"".join(lines[:4]) + lines[4][:10])  # header, 3 rows, part of a 4th
    summary = run_study(study, serial=True, progress=False)
    assert (summary.computed, summary.skipped) == (3, 3)
    assert study.results.read_bytes() == full


def test_output_specs() -> None:
    res = {"a": np.array([1.0, -4.0, 2.0]), "s": 3, "name": "x", "flag": np.bool_(True)}
    out = select_outputs(res, {"m": "max(a)", "am": "absmax(a)", "last": "a[-1]", "a": "a", "s": "s",
                               "n": "name", "f": "flag", "r": "rms(a)", "p": "ptp(a)"})
    assert out == {"m": 2.0, "am": 4.0, "last": 2.0, "a": (1.0, -4.0, 2.0), "s": 3, "n": "x", "f": True,
                   "r": math.sqrt(7.0), "p": 6.0}
    with pytest.raises(OutputError, match=r"no output 'b'.*available: a, s"):
        select_outputs(res, {"b": "b"})
    with pytest.raises(OutputError, match="index 5 outside"):
        select_outputs(res, {"b": "a[5]"})
    with pytest.raises(OutputError, match="shape"):
        select_outputs({"m": np.zeros((2, 2))}, None)


def test_vector_outputs_become_columns_and_deck_sweeps(tmp_path: Path) -> None:
    deck = ("sweep\n.param r2=1k\nV1 in 0 1\nR1 in out 1k\nR2 out 0 {r2}\n.op\n.dc V1 0 1 0.5\n.end\n")
    (tmp_path / "d.cir").write_text(deck)
    study = Study.from_dict({"run": {"deck": "d.cir", "outputs": {"vop": "op:v(out)", "vdc": "dc:v(out)",
                                                                     "vmax": "max(dc:v(out))"}},
                             "axes": {"r2": [1e3, 3e3]}}, base_dir=tmp_path)
    run_study(study, serial=True, progress=False)
    t = read_results(study.results)
    assert t.outputs == ["vop", "vdc[0]", "vdc[1]", "vdc[2]", "vmax"]
    assert list(t["vdc[2]"]) == [0.5, 0.75] and list(t["vmax"]) == [0.5, 0.75]
    assert list(t["vop"]) == [0.5, 0.75]


def test_crossbar_experiment_against_direct_call(tmp_path: Path) -> None:
    from xbar.study.experiments import crossbar_ir_drop

    study = Study.from_dict({"study": {"seed": 2, "repeats": 2},
                             "run": {"experiment": "crossbar-ir-drop", "params": {"rows": 6, "cols": 5},
                                     "outputs": ["max_rel_error", "i_col"]},
                             "axes": {"r_wire": [0.0, 5.0], "g_spread": [0.0, 0.3]}}, base_dir=tmp_path)
    run_study(study, serial=True, progress=False)
    t = read_results(study.results)
    assert len(t) == 8 and t.ok().all()
    for p in study.points():
        direct = crossbar_ir_drop(rows=6, cols=5, seed=p.seed, r_wire=p.values["r_wire"],
                                  g_spread=p.values["g_spread"])
        row = int(np.flatnonzero(t["point"] == p.index)[0])
        assert t["max_rel_error"][row] == direct["max_rel_error"]
        assert [t[f"i_col[{k}]"][row] for k in range(5)] == list(direct["i_col"])
    ideal = t["r_wire"] == 0.0
    assert (t["max_rel_error"][ideal] < 1e-12).all() and (t["max_rel_error"][~ideal] > 1e-4).all()


def test_user_experiment_from_file_with_setup(tmp_path: Path) -> None:
    (tmp_path / "myexp.py").write_text(textwrap.dedent('''
        from xbar.study import experiment

        CALLS = []

        def load(scale: float = 1.0):
            CALLS.append(scale)
            return {"w": scale}

        @experiment("test-user-file", setup=load)
        def run(inputs, *, x: float, seed: int = 0):
            if x < 0:
                raise ValueError("x must be >= 0")
            return {"y": inputs["w"] * x, "seed": seed % 7}

        def plain(*, x: float):
            return {"y2": x * x}
        '''))
    study = Study.from_dict({"run": {"experiment": "myexp.py:run", "params": {"scale": 3.0}},
                             "axes": {"x": [1.0, -1.0, 2.0]}}, base_dir=tmp_path)
    with pytest.raises(StudyError, match="reserved"):
        Study.from_dict({"run": {"experiment": "myexp.py:run", "outputs": ["seed"]},
                         "axes": {"x": [1.0]}}, base_dir=tmp_path)
    summary = run_study(study, serial=True, progress=False)
    assert (summary.computed, summary.failed) == (3, 1)
    t = read_results(study.results)
    assert list(t["y"][t.ok()]) == [3.0, 6.0]
    assert t["error"][1] == "ValueError: x must be >= 0"
    mod = next(m for n, m in sys.modules.items() if n.startswith("xbar_study_user_myexp"))
    assert mod.CALLS == [3.0]  # the setup ran once
    plain = Study.from_dict({"run": {"experiment": "myexp.py:plain"}, "axes": {"x": [2.0]},
                             "study": {"results": "plain.csv"}}, base_dir=tmp_path)
    run_study(plain, serial=True, progress=False)
    assert list(read_results(tmp_path / "plain.csv")["y2"]) == [4.0]


def test_mnist_accuracy_experiment(tmp_path: Path) -> None:
    data = _mnist_dir()
    if data is None:
        pytest.skip("MNIST 10k IDX files not found (shared/data/mnist10k or $XBAR_MNIST_DIR)")
    from xbar.study.experiments import compound_mtj_levels

    assert compound_mtj_levels(60.0, 2).tolist() == [0.625, 1.0]
    study = Study.from_dict({"study": {"seed": 1},
                             "run": {"experiment": "mnist-quantized-linear",
                                     "params": {"data": str(data), "n_train": 2000},
                                     "outputs": ["accuracy", "float_accuracy"]},
                             "axes": {"tmr": [60.0, 260.0], "states": [2, 7]}}, base_dir=tmp_path)
    run_study(study, serial=True, progress=False)
    t = read_results(study.results)
    assert t.ok().all()
    acc = {(tm, s): a for tm, s, a in zip(t["tmr"], t["states"], t["accuracy"], strict=True)}
    assert 0.6 < t["float_accuracy"][0] < 0.95
    assert all(0.3 < a <= t["float_accuracy"][0] + 0.02 for a in acc.values())
    assert acc[(260.0, 7)] > acc[(60.0, 2)]  # more TMR and more states: better weights


def test_mnist_reader_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xbar.study.mnist import find_mnist, read_idx

    (tmp_path / "images-idx3-ubyte").write_bytes(b"\x00\x00\x08\x03" + (2).to_bytes(4, "big") * 3 + b"\x01")
    with pytest.raises(DataError, match="truncated IDX data"):
        read_idx(tmp_path / "images-idx3-ubyte")
    with pytest.raises(DataError, match="no MNIST IDX files"):
        find_mnist(tmp_path)
    monkeypatch.delenv("XBAR_MNIST_DIR", raising=False)
    with pytest.raises(DataError, match=r"run.params.data"):
        find_mnist(None)


def test_dask_missing_gives_install_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    study = load_study(_write(tmp_path))
    with pytest.raises(StudyError, match=r"pip install 'xbar\[study\]'.*--serial"):
        run_study(study, progress=False)


# plots and CLI -----------------------------------------------------------------------------------
def test_cli_run_show_plot_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path)
    assert main(["study", "show", str(path)]) == 0
    out = capsys.readouterr().out
    assert "6 points" in out and "axis rtop: 3 values" in out and "not started" in out
    assert main(["study", "run", "--serial", "-q", str(path)]) == 0
    assert main(["study", "show", str(path)]) == 0
    assert "6 done, 0 failed, 0 to do" in capsys.readouterr().out
    assert main(["study", "plot", str(path), "-z", "vmid", "-o", str(tmp_path / "c.png")]) == 0
    assert (tmp_path / "c.png").stat().st_size > 5000
    assert main(["study", "plot", str(tmp_path / "s.csv"), "-z", "iin", "-x", "rtop", "--logx"]) == 0
    assert (tmp_path / "s-iin.png").is_file()
    assert main(["study", "plot", str(path), "-z", "nope"]) == 1
    assert "no column 'nope'" in capsys.readouterr().err
    assert main(["study", "list"]) == 0
    out = capsys.readouterr().out
    assert "crossbar-ir-drop:" in out and "mnist-quantized-linear:" in out and "deck:" in out
    assert meta_path(tmp_path / "s.csv").is_file()


def test_doctests_of_the_study_package() -> None:
    for name in ("xbar.study", "xbar.study.spec", "xbar.study.experiments"):
        result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, name


def test_plugin_module_registers_experiments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The contract for xbar.nn: a plug-in module imported on the first unknown name."""
    from xbar.study import registry

    (tmp_path / "fake_nn_study_experiments.py").write_text(textwrap.dedent('''
        from xbar.study import experiment

        def _load(network: str = "net"):
            return {"network": network}

        @experiment("fake-nn-accuracy", setup=_load)
        def accuracy(inputs, *, tmr: float, states: int = 2, seed: int = 0):
            return {"accuracy": 0.5 + tmr / 1000 + states / 100, "network": inputs["network"]}
        '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(registry, "_PLUGIN_MODULES", ("fake_nn_study_experiments",))
    monkeypatch.setattr(registry, "_loaded_plugins", False)
    study = Study.from_dict({"run": {"experiment": "fake-nn-accuracy", "params": {"network": "lenet"}},
                             "axes": {"tmr": [60.0, 260.0], "states": [2, 7]}}, base_dir=tmp_path)
    run_study(study, serial=True, progress=False)
    t = read_results(study.results)
    assert list(t["accuracy"]) == [0.5 + 0.06 + 0.02, 0.5 + 0.06 + 0.07, 0.5 + 0.26 + 0.02, 0.5 + 0.26 + 0.07]
    assert set(t["network"]) == {"lenet"}
    assert "fake-nn-accuracy" in [e.name for e in registry.list_experiments()]


def test_one_run_at_a_time_per_table(tmp_path: Path) -> None:
    from xbar.study.table import ResultsWriter

    csv = tmp_path / "r.csv"
    with ResultsWriter(csv, ["x"], "f1", {}), pytest.raises(StudyError, match="another study run"):
        ResultsWriter(csv, ["x"], "f1", {})
    with ResultsWriter(csv, ["x"], "f1", {}):  # released at close
        pass
    assert not (tmp_path / "r.lock").exists()
