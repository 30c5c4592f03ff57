"""Regression tests of the hardening classes (issue 10): one test or parameter per failure class.

API boundary (types, finiteness, shapes, complex input, node indices, kinds, arity), results
without NaN/inf, optional solvers' install hints, bounded work and memory (limits refused
before allocation), time-step floors, divergence of unstable circuits, progress and Ctrl-C,
numerical extremes in decks.
"""

from __future__ import annotations

import math
import os
import re
import signal
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

import xbar
from xbar.analysis import guards
from xbar.crossbar import CrossbarSpec, crossbar, differential_conductances
from xbar.errors import (
    ArgumentTypeError,
    DataError,
    DivergenceError,
    InterruptedRunWarning,
    LimitError,
    MissingDependencyError,
    ModelCardError,
    NetlistError,
    XbarError,
)
from xbar.mna.solvers_large import cholmod_available

ROOT = Path(__file__).resolve().parent.parent


def divider() -> xbar.Circuit:
    c = xbar.Circuit("divider")
    c.V("1", "a", "0", 1.0)
    c.R("1", "a", "b", 1e3)
    c.R("2", "b", "0", 1e3)
    return c


def deck(text: str, name: str = "d.cir") -> xbar.Netlist:
    return xbar.read_netlist_text(text, name=name)


# ---------------------------------------------------------------------------------------------
# API boundary
# ---------------------------------------------------------------------------------------------


def test_int_node_names_are_names_and_bad_types_are_xbar_errors() -> None:
    c = xbar.Circuit()
    c.V("1", 1, 0, 2.0)  # ints are node names ("1", ground "0")
    c.R("1", 1, 0, 1e3)
    assert c.op()["v(1)"] == 2.0
    for bad in (None, 1.5, b"a", ["a"], True, -1):
        with pytest.raises(ArgumentTypeError, match="node"):
            c.R("x", bad, "0", 1e3)  # type: ignore[arg-type]
    for bad in ("", "a b", "a(b", "x=y", "{a}", "a\nb", "a" * 2000):
        with pytest.raises(NetlistError, match="node"):
            c.R("y", bad, "0", 1e3)
    with pytest.raises(ArgumentTypeError, match="model name"):
        c.Y("1", ["a", "b"], None)  # type: ignore[arg-type]


def test_read_netlist_argument_types() -> None:
    with pytest.raises(ArgumentTypeError, match="file name"):
        xbar.read_netlist(5)  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError, match="decode"):
        xbar.read_netlist_text(b"t\nR1 a 0 1\n")  # type: ignore[arg-type]
    with pytest.raises(ArgumentTypeError):
        xbar.read_netlist_text("t\n.op\n", name=5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        (10**400, NetlistError, "beyond the supported magnitude"),
        (float("nan"), NetlistError, "finite"),
        (float("inf"), NetlistError, "finite"),
        (1e31, NetlistError, "beyond the supported magnitude 1e\\+30"),
        (5e-324, NetlistError, "below the smallest supported magnitude"),
        (1 + 2j, ArgumentTypeError, "complex"),
        (True, ArgumentTypeError, "a number"),
        ("1k", ArgumentTypeError, "SPICE suffixes"),
        (None, ArgumentTypeError, "a number"),
    ],
)
def test_element_values_are_checked(value: object, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        xbar.Circuit().R("1", "a", "0", value)  # type: ignore[arg-type]


def test_options_are_checked_once_for_api_and_decks() -> None:
    c = divider()
    for kwargs, match in [({"temp": float("nan")}, "finite"), ({"reltol": float("inf")}, "finite"),
                          ({"reltol": 2.0}, "≤ 1"), ({"itl1": True}, "integer"), ({"itl1": 10**9}, "≤"),
                          ({"temp": -300}, "absolute zero"), ({"method": 5}, "method"), ({"seed": -1}, "≥ 0"),
                          ({"bogus": 1}, "not supported")]:
        with pytest.raises(NetlistError, match=match):
            c.set_options(**kwargs)
    assert c.options == xbar.SimOptions()


def test_arity_errors_are_xbar_errors() -> None:
    c = xbar.Circuit()
    with pytest.raises(ArgumentTypeError, match="missing"):
        c.R("1", "a")  # type: ignore[call-arg]
    with pytest.raises(ArgumentTypeError, match="unexpected keyword"):
        CrossbarSpec(2, 2, g=1e-4, bogus=1)  # type: ignore[call-arg]
    with pytest.raises(ArgumentTypeError, match="unknown argument"):
        crossbar(2, 2, g=1e-4, bogus=1)
    sub = c.subckt("s", ["p", "q"])
    with pytest.raises(ArgumentTypeError, match="missing"):
        sub.R("1", "p")
    # a TypeError raised inside xbar is not re-labelled as an arity error
    assert issubclass(ArgumentTypeError, TypeError) and issubclass(ArgumentTypeError, XbarError)


def test_complex_arrays_and_unknown_kinds_in_bulk_adds() -> None:
    c = xbar.Circuit()
    with pytest.raises(ArgumentTypeError, match="complex"):
        c.add_many("r", "x", [["a", "0"]], {"r": np.array([1 + 1j])})
    with pytest.raises(NetlistError, match="unknown element kind"):
        c.add_many("q", "x", [["a", "0"]], {"r": [1.0]})
    with pytest.raises(NetlistError, match="broadcastable"):
        c.add_many("r", "x", [["a", "0"], ["b", "0"]], {"r": [1.0, 2.0, 3.0]})
    with pytest.raises(NetlistError, match=r"ragged|shape"):
        c.add_many("r", "x", [["a", "0"], ["b"]], {"r": 1.0})
    assert c.element_count() == 0 and c.node_names == []  # nothing half-added


def test_add_y_many_checks_node_indices_and_parameters() -> None:
    c = xbar.Circuit()
    c.model("m", "mtj", rp=1100, tmr0=1.2, vh=0.5)
    c.node("a")
    with pytest.raises(NetlistError, match="node index 7 is out of range"):
        c.add_y_many("y", np.array([[7, -1]]), "m")
    with pytest.raises(NetlistError, match="state"):
        c.add_y_many("y", np.array([[0, -1]]), "m", {"state": [float("nan")]})
    with pytest.raises(NetlistError, match="broadcastable"):
        c.add_y_many("y", np.array([[0, -1]]), "m", {"state": [0.0, 1.0]})


def test_sot_ncell_nan_is_refused_at_the_call() -> None:
    c = xbar.Circuit()
    c.load_models(ROOT / "compact_models" / "kumar2024_sot.lib", ["kumar_sot_t16"])
    with pytest.raises(NetlistError, match=r"ncell.*finite"):
        c.Y("1", ["w1", "0", "t"], "kumar_sot_t16", ncell=float("nan"))


def test_crossbar_shapes_against_the_array() -> None:
    with pytest.raises(NetlistError, match=r"state must be .*broadcastable to shape \(2, 2\), got shape \(3, 3\)"):
        CrossbarSpec(2, 2, cell="mtj", card={}, state=np.zeros((3, 3)))
    with pytest.raises(NetlistError, match="broadcastable"):
        CrossbarSpec(2, 2, cell="mtj", card={}, params={"state": np.zeros(5)})
    with pytest.raises(NetlistError, match="broadcastable"):
        CrossbarSpec(2, 2, cell="smtj", vg=np.zeros((2, 3)))
    xb = crossbar(2, 2, g=1e-4)
    with pytest.raises(NetlistError, match=r"2 row voltages.*np\.full"):
        xb.op(0.1)
    with pytest.raises(NetlistError, match="2 row voltages"):
        xb.solver().batch(np.zeros((4, 3)))
    with pytest.raises(NetlistError, match="finite"):
        xb.op([0.1, float("nan")])
    with pytest.raises(NetlistError, match="no node 'nope'"):
        xb.op([0.1, 0.2]).voltage("nope")
    with pytest.raises(NetlistError, match="rows must be ≥ 1"):
        CrossbarSpec(0, 2, g=1e-4)
    with pytest.raises(NetlistError, match="whole number"):
        CrossbarSpec(2.5, 2, g=1e-4)
    with pytest.raises(NetlistError, match="cell kind must be one of"):
        CrossbarSpec(2, 2, cell="bogus")


def test_crossbar_present_mask_and_write_lines_are_checked() -> None:
    mask = np.ones((2, 3), dtype=bool)
    mask[0, 0] = False
    g = np.full((2, 3), 1e-4)
    g[0, 0] = 0.0  # an absent cell may have no conductance
    res = crossbar(2, 3, g=g, present=mask).op([0.1, 0.2])
    assert np.all(np.isfinite(res.i_col)) and res.i_col[0] == pytest.approx(0.2 * 1e-4, rel=1e-9)
    with pytest.raises(NetlistError, match="> 0 at every present cell"):
        CrossbarSpec(2, 3, g=np.where(mask, 0.0, 1e-4), present=mask)
    with pytest.raises(NetlistError, match="without any cell"):
        CrossbarSpec(2, 3, g=1e-4, present=np.zeros((2, 3), dtype=bool))
    with pytest.raises(NetlistError, match=r"shape \(3, 3\) does not broadcast to the array's \(2, 3\)"):
        CrossbarSpec(2, 3, g=1e-4, present=np.ones((3, 3), dtype=bool))
    with pytest.raises(NetlistError, match="other than 0 and 1"):
        CrossbarSpec(2, 3, g=1e-4, present=[[2.0]])
    with pytest.raises(ArgumentTypeError, match="boolean mask"):
        CrossbarSpec(2, 3, g=1e-4, present="all")
    with pytest.raises(NetlistError, match="write_lines must be one of 'float', 'ground', 'open'"):
        CrossbarSpec(2, 3, g=1e-4, write_lines="floating")


def test_port_solver_arguments() -> None:
    from xbar.crossbar.ports import PortSolver

    xb = crossbar(2, 3, g=1e-4, r_row=1.0, r_col=1.0)
    with pytest.raises(ArgumentTypeError, match="takes a CrossbarArray"):
        PortSolver(xb.spec)
    solver = PortSolver(xb)
    V = np.array([[0.1, 0.2], [0.0, 0.3]])
    assert np.all(np.isfinite(solver.batch(V).currents))
    with pytest.raises(NetlistError, match="2 row voltages"):
        solver.batch(np.zeros((4, 3)))
    with pytest.raises(ArgumentTypeError, match="complex"):
        solver.batch(V + 1j)
    with pytest.raises(NetlistError, match="tol must be finite"):
        solver.batch(V, tol=float("nan"))
    with pytest.raises(NetlistError, match="inner must be one of"):
        solver.batch(V, inner="float16")
    with pytest.raises(NetlistError, match="linear map"):
        solver.batch(V, start=np.ones(3))
    with pytest.raises(LimitError, match="input vectors"):
        solver.batch(np.broadcast_to(np.ones(2), (10**9, 2)))
    with pytest.raises(ArgumentTypeError, match="unexpected keyword"):
        solver.batch(V, tolerance=1e-9)


def test_no_nan_or_inf_from_finite_looking_calls() -> None:
    with pytest.raises(NetlistError, match="finite"):
        differential_conductances(np.array([[np.nan]]), 1e-6, 1e-5)
    with pytest.raises(NetlistError, match="finite"):
        differential_conductances(np.array([[1.0]]), 1e-6, np.inf)
    with pytest.raises(NetlistError, match="beyond the supported magnitude"):
        differential_conductances(np.array([[1e30]]), 1e-6, 1e-5, w_max=1e-30)
    c = divider()
    c.C("1", "b", "0", 1e-9)
    tr = c.tran(1e-7, 1e-5)
    with pytest.raises(NetlistError, match="finite"):
        tr.at("v(b)", np.nan)
    assert np.all(np.isfinite(tr.at("v(b)", [0.0, 1e-6, 1.0])))
    with pytest.raises(ArgumentTypeError, match="strings"):
        tr[5]  # type: ignore[index]


@pytest.mark.skipif(cholmod_available(), reason="scikit-sparse is installed")
def test_missing_optional_solver_gives_install_hint() -> None:
    c = divider()
    c.linear_solver = "cholmod"
    with pytest.raises(MissingDependencyError, match="pip install"):
        c.op()
    with pytest.raises(MissingDependencyError, match="scikit-sparse"):
        crossbar(2, 2, g=1e-4).solver(solver="cholmod")
    assert issubclass(MissingDependencyError, ImportError)


def test_amg_cg_without_pyamg_gives_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_pyamg(name: str, *args: object, **kwargs: object) -> object:
        if name == "pyamg" or name.startswith("pyamg."):
            raise ImportError("No module named 'pyamg'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyamg)
    c = divider()
    c.linear_solver = "amg-cg"
    with pytest.raises(MissingDependencyError, match="pip install pyamg"):
        c.op()


def test_unknown_linear_solver() -> None:
    c = divider()
    c.linear_solver = 5  # type: ignore[assignment]
    with pytest.raises(NetlistError, match="unknown linear solver 5"):
        c.op()


def test_result_files_that_cannot_be_written(tmp_path: Path) -> None:
    res = divider().dc("v1", 0.0, 1.0, 0.5)
    with pytest.raises(DataError, match="cannot write"):
        res.to_csv(tmp_path / "missing" / "r.csv")
    with pytest.raises(DataError, match="cannot write"):
        res.to_csv(tmp_path)
    with pytest.raises(ArgumentTypeError, match="file name"):
        res.to_csv(5)  # type: ignore[arg-type]
    xb = crossbar(2, 2, g=1e-4)
    with pytest.raises(DataError):
        xb.op([0.1, 0.1]).to_csv(tmp_path / "missing" / "c.csv")


# ---------------------------------------------------------------------------------------------
# bounded work and memory
# ---------------------------------------------------------------------------------------------


def _refused_without_allocating(call: object, match: str) -> LimitError:
    tracemalloc.start()
    try:
        t0 = time.perf_counter()
        with pytest.raises(LimitError, match=match) as info:
            call()  # type: ignore[operator]
        elapsed = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20e6, f"allocated {peak / 1e6:.0f} MB before refusing"
    assert elapsed < 10.0
    return info.value


def test_huge_crossbar_is_refused_before_allocation() -> None:
    err = _refused_without_allocating(lambda: CrossbarSpec(100000, 100000, g=1e-4),
                                      r"100000×100000 crossbar would need about .* TiB.*max_memory")
    assert err.option == "max_memory" and err.requested > err.limit
    with xbar.temporary_limits(max_memory="1M"), pytest.raises(LimitError, match="32×32 crossbar"):
        crossbar(32, 32, g=1e-4)
    assert isinstance(crossbar(32, 32, g=1e-4), xbar.crossbar.CrossbarArray)


def test_api_dc_sweep_is_bounded() -> None:
    c = divider()
    _refused_without_allocating(lambda: c.dc("v1", 0.0, 1.0, 1e-8), r"1e\+08 points.*max_sweep_points")
    _refused_without_allocating(lambda: c.dc("v1", 0.0, 1.0, 1e-4, "r1", 1.0, 1e4, 1e-2),
                                "max_sweep_points")
    with xbar.temporary_limits(max_sweep_points=10):
        with pytest.raises(LimitError, match="max_sweep_points = 10"):
            c.dc("v1", 0.0, 1.0, 0.01)
        with pytest.raises(LimitError, match="max_sweep_points = 10"):
            c.dc("v1", 0, 0, 0, values=np.zeros(11))
    with xbar.temporary_limits(max_memory=1000), pytest.raises(LimitError, match="max_memory"):
        c.dc("v1", 0.0, 1.0, 0.01)


def test_huge_batches_are_refused() -> None:
    xb = crossbar(4, 4, g=1e-4)
    huge = np.broadcast_to(np.full(4, 0.1), (10**9, 4))  # a view: no memory of its own
    _refused_without_allocating(lambda: xb.solver().batch(huge), "max_memory")
    _refused_without_allocating(lambda: xb.ideal(huge), "max_memory")
    s = xb.solver()
    V = np.full((8, 4), 0.1)
    assert s.batch(V).method == "transfer"
    s = xb.solver()
    with xbar.temporary_limits(max_memory=int(s._transfer_bytes()) - 1):
        # the transfer matrix would not fit: the batch falls back to one factorisation
        res = s.batch(V)
        assert res.method == "factor"
        with pytest.raises(LimitError, match="transfer matrix"):
            s.batch(V, method="transfer")


def test_huge_bulk_adds_are_refused() -> None:
    c = xbar.Circuit()
    c.node("a")
    nodes = np.broadcast_to(np.array([0, -1]), (10**9, 2))
    _refused_without_allocating(lambda: c.add_many("r", "x", nodes, {"r": 1.0}), "max_memory")
    _refused_without_allocating(lambda: c.add_many("r", "x", np.broadcast_to(np.array([["a", "0"]]), (10**9, 2)),
                                                   {"r": 1.0}), "max_memory")


def test_include_of_devices_and_huge_files(tmp_path: Path) -> None:
    with pytest.raises(NetlistError, match=r"d\.cir:2:10: '/dev/zero' is not a regular file"):
        deck("t\n.include /dev/zero\nR1 a 0 1\n.op\n")
    with pytest.raises(NetlistError, match="not a regular file"):
        xbar.read_netlist("/dev/zero")
    big = tmp_path / "big.inc"
    big.write_text("R1 a 0 1k\n" * 1000)
    with xbar.temporary_limits(max_file_size=1000), \
            pytest.raises(LimitError, match=r"d\.cir:2:10: .*big\.inc' is larger than the limit max_file_size"):
        xbar.read_netlist_text(f"t\n.include {big}\n.op\n", name="d.cir")
    fifo = tmp_path / "pipe"
    if hasattr(os, "mkfifo"):
        os.mkfifo(fifo)
        with pytest.raises(NetlistError, match="not a regular file"):
            xbar.read_netlist(fifo)


def test_limits_options() -> None:
    default = xbar.get_limits()
    assert default.max_sweep_points == 10_000_000 and default.max_tran_points == 50_000_000
    with xbar.temporary_limits(max_memory="2G", max_solution=1e12) as lim:
        assert lim.max_memory == 2 * 1024**3 and lim.max_solution == 1e12
    assert xbar.get_limits() == default
    for bad in ({"max_memory": -1}, {"max_memory": "lots"}, {"bogus": 1}, {"max_sweep_points": float("nan")},
                {"max_memory": None}):
        with pytest.raises(NetlistError):
            xbar.set_limits(**bad)
    assert xbar.get_limits() == default
    previous = xbar.set_limits(max_tran_points=100)
    try:
        with pytest.raises(LimitError, match=r"d\.cir:3:7: .*max_tran_points = 100"):
            deck("t\nR1 a 0 1\n.tran 1n 1u\n")
    finally:
        xbar.set_limits(**{f: getattr(previous, f) for f in xbar.Limits.names()})


def test_limits_from_the_environment() -> None:
    import subprocess
    import sys

    code = "import xbar; l = xbar.get_limits(); print(l.max_memory, l.max_sweep_points)"
    env = {**os.environ, "XBAR_MAX_MEMORY": "3G", "XBAR_MAX_SWEEP_POINTS": "1e3", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(3 * 1024**3), "1000"]


def test_dc_point_iteration_budget() -> None:
    text = "t\n.model dm D(IS=1e-14)\nV1 a 0 1meg\nD1 a 0 dm\n.op\n"
    t0 = time.perf_counter()
    with pytest.raises(DivergenceError, match=r"operating point: the solution diverges: i\(v1\)"):
        deck(text).run()
    assert time.perf_counter() - t0 < 30.0


# ---------------------------------------------------------------------------------------------
# time-step floors
# ---------------------------------------------------------------------------------------------

RC = "V1 a 0 PULSE(0 1 0 1n 1n 5n 10n)\nR1 a b 1k\nC1 b 0 1p\n"


@pytest.mark.parametrize(
    ("text", "where", "match"),
    [
        ("t\n" + RC + ".tran 1n 20n 0 1e-300\n", "d.cir:5:1", "tmax = 1e-300 s is too small"),
        ("t\n" + RC + ".tran 1e-24 1\n", "d.cir:5:", "max_tran_points"),
        ("t\nV1 a 0 PWL(0 0 1e-308 1) r=0\nR1 a 0 1k\nC1 a 0 1p\n.tran 1n 20n\n", "d.cir:2:1",
         "PWL repeat period .* too small"),
        ("t\nV1 a 0 PULSE(0 1 0 0 0 0 1e-300)\nR1 a 0 1k\nC1 a 0 1p\n.tran 1n 20n\n", "d.cir:2:1",
         "PULSE period PER = 1e-300 s is too small"),
        ("t\n" + RC + ".tran 1e-310 1e-310\n", "d.cir:5:1", "tstop = 1e-310 s is below 1e-100"),
        ("t\n" + RC + ".options method=gear\n.tran 1e-300 1e-298\n", "d.cir:6:1", "below 1e-100"),
    ],
)
def test_time_steps_below_float64_resolution(text: str, where: str, match: str) -> None:
    t0 = time.perf_counter()
    with pytest.raises(NetlistError, match=match) as info:
        deck(text).run()
    assert str(info.value).startswith(where)
    assert time.perf_counter() - t0 < 10.0


def test_time_floor_values() -> None:
    assert guards.time_floor(1.0) == pytest.approx(1024 * np.spacing(1.0))
    assert guards.time_floor(1e-200) == guards.ABSOLUTE_TIME_FLOOR
    # a long legal run (.tran 1n 49m) is above the floor
    assert guards.time_floor(49e-3) < 1e-9
    assert guards.retry_floor(49e-3) > 0 and 49e-3 + guards.retry_floor(49e-3) > 49e-3


def test_api_tran_floor() -> None:
    c = divider()
    c.C("1", "b", "0", 1e-12)
    with pytest.raises(NetlistError, match="tmax = 1e-300 s is too small"):
        c.tran(1e-9, 2e-8, tmax=1e-300)
    with pytest.raises(ArgumentTypeError, match="uic"):
        c.tran(1e-9, 2e-8, uic="yes")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# divergence of unstable or non-physical circuits
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("netlist", "match"),
    [
        ("V1 a 0 PULSE(0 1 0 1n 1n 5n 10n)\nR1 a b 1k\nL1 b 0 -1u\n.tran 1n 1m\n",
         r"transient at t = 0 s: the circuit is unstable: .* τ = 1e-09 s"),
        ("V1 a 0 PULSE(0 1 0 1n 1n 5n 10n)\nR1 a b 1k\nC1 b 0 1p\nG1 b 0 b 0 -1\n.tran 1n 1m\n",
         r"transient at t = 0 s: the circuit is unstable: .* τ = 1e-12 s"),
        ("V1 a 0 PULSE(0 1 0 1n 1n 5n 10n)\nR1 a b 1k\nL1 b 0 -1u\n.tran 1n 90n\n",
         r"transient at t = [0-9.e-]+ s: the solution diverges: v\(b\) reached"),
        (".model dm D(IS=1e-14)\nV1 a 0 1meg\nD1 a 0 dm\n.op\n",
         r"operating point: the solution diverges: i\(v1\) reached .* beyond max_solution"),
        ("V1 a 0 1e25\nE1 b 0 a 0 1e6\nR1 b 0 1k\n.dc V1 1e24 1e25 1e24\n",
         r"dc sweep at points 1-10: the solution diverges"),
    ],
)
def test_divergence_is_detected_and_named(netlist: str, match: str) -> None:
    t0 = time.perf_counter()
    with pytest.raises(DivergenceError, match=match) as info:
        deck("t\n" + netlist).run()
    assert time.perf_counter() - t0 < 30.0
    assert info.value.analysis and isinstance(info.value, xbar.ConvergenceError)


def test_stable_lc_circuits_are_not_flagged() -> None:
    c = xbar.Circuit()
    c.V("1", "a", "0", waveform=xbar.devices.waveforms.WaveformSpec("pulse", (0, 1, 0, 1e-9, 1e-9, 5e-9, 1e-8)))
    c.R("1", "a", "b", 1.0)
    c.L("1", "b", "c", 1e-6)
    c.C("1", "c", "0", 1e-9)
    assert math.isinf(guards.growth_step_cap(c.compile(), 1.0))
    c2 = xbar.Circuit()
    c2.L("1", "a", "0", 1e-6, ic=1e-3)
    c2.C("1", "a", "0", 1e-9)  # lossless: eigenvalues on the imaginary axis
    assert math.isinf(guards.growth_step_cap(c2.compile(), 1.0))


# ---------------------------------------------------------------------------------------------
# progress and Ctrl-C
# ---------------------------------------------------------------------------------------------


def _sigint_at(monkeypatch: pytest.MonkeyPatch, target: object, attr: str, nth: int) -> None:
    """Patch ``target.attr`` so that its ``nth`` call sends SIGINT to this process (as Ctrl-C)."""
    original = getattr(target, attr)
    calls = {"n": 0}

    def wrapped(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == nth:
            os.kill(os.getpid(), signal.SIGINT)
        return original(*args, **kwargs)

    monkeypatch.setattr(target, attr, wrapped)


def test_ctrl_c_returns_the_transient_computed_so_far(monkeypatch: pytest.MonkeyPatch) -> None:
    from xbar.mna.system import MnaSystem

    c = divider()
    c.C("1", "b", "0", 1e-9)
    full = c.tran(1e-8, 1e-5)
    _sigint_at(monkeypatch, MnaSystem, "after_solution", 50)
    with pytest.warns(InterruptedRunWarning, match="transient interrupted .* returning the 50 time points"):
        part = c.tran(1e-8, 1e-5)
    assert part.interrupted and not full.interrupted
    assert len(part.time) == 50 and np.all(np.diff(part.time) > 0)
    np.testing.assert_allclose(part["v(b)"], full["v(b)"][:50], rtol=1e-12)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_returns_the_sweep_computed_so_far(monkeypatch: pytest.MonkeyPatch) -> None:
    import xbar.analysis.dc as dc

    c = divider()
    c.model("dm", "d", IS=1e-14)
    c.D("1", "b", "0", "dm")
    _sigint_at(monkeypatch, dc, "solve_dc_point", 30)
    with pytest.warns(InterruptedRunWarning, match=r"\.dc sweep interrupted .* 30 of 1001 points"):
        res = c.dc("v1", 0.0, 1.0, 0.001)
    assert res.interrupted and len(res.scale) == 30
    np.testing.assert_allclose(res.scale, np.arange(30) * 0.001)


def test_ctrl_c_in_a_linear_sweep_and_in_a_deck(monkeypatch: pytest.MonkeyPatch) -> None:
    import xbar.analysis.dc as dc

    _sigint_at(monkeypatch, dc, "op_vectors", 100)
    d = deck("t\nV1 a 0 1\nR1 a b 1k\nR2 b 0 1k\n.dc V1 0 1 0.001\n.op\n")
    with pytest.warns(InterruptedRunWarning):
        results = d.run()
    assert len(results) == 1 and results[0].interrupted  # the .op after it is skipped
    assert 64 <= len(results[0].scale) < 1001


def test_second_ctrl_c_interrupts_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from xbar.mna.system import MnaSystem

    c = divider()
    c.C("1", "b", "0", 1e-9)
    original = MnaSystem.after_solution
    calls = {"n": 0}

    def twice(self: MnaSystem, *args: object) -> bool:
        calls["n"] += 1
        if calls["n"] == 10:
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)
        return original(self, *args)

    monkeypatch.setattr(MnaSystem, "after_solution", twice)
    with pytest.raises(KeyboardInterrupt):
        c.tran(1e-8, 1e-5)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_before_any_sweep_point_propagates(monkeypatch: pytest.MonkeyPatch) -> None:
    import xbar.analysis.dc as dc

    c = divider()
    c.model("dm", "d", IS=1e-14)
    c.D("1", "b", "0", "dm")
    original = dc.solve_dc_point

    def first(*args: object, **kwargs: object) -> object:
        os.kill(os.getpid(), signal.SIGINT)
        return original(*args, **kwargs)

    monkeypatch.setattr(dc, "solve_dc_point", first)
    res = None
    with pytest.warns(InterruptedRunWarning):
        res = c.dc("v1", 0.0, 1.0, 0.5)
    assert len(res.scale) == 1


def test_analyses_in_threads_leave_signals_alone() -> None:
    out: list[object] = []

    def run() -> None:
        c = divider()
        c.C("1", "b", "0", 1e-9)
        out.append(c.tran(1e-7, 1e-6))

    t = threading.Thread(target=run)
    t.start()
    t.join()
    assert len(out) == 1 and not out[0].interrupted  # type: ignore[attr-defined]


def test_progress_bars(capsys: pytest.CaptureFixture[str]) -> None:
    c = divider()
    c.C("1", "b", "0", 1e-9)
    c.tran(1e-7, 1e-5, progress=True)
    assert "tran" in capsys.readouterr().err
    c.dc("v1", 0.0, 1.0, 0.1, progress=True)
    assert "dc" in capsys.readouterr().err
    c.tran(1e-7, 1e-5)  # short run, progress=None: no bar
    c.dc("v1", 0.0, 1.0, 0.1)
    assert capsys.readouterr().err == ""


# ---------------------------------------------------------------------------------------------
# numerical extremes in decks
# ---------------------------------------------------------------------------------------------

DIODE = ".model dm D(IS=1e-14)\nV1 a 0 1\nR1 a b 1k\nD1 b 0 dm\n"


@pytest.mark.parametrize(
    ("text", "where", "match"),
    [
        ("t\n" + DIODE + ".temp -300\n.op\n", "d.cir:6:1", "at or below absolute zero"),
        ("t\n" + DIODE + ".temp -273.15\n.op\n", "d.cir:6:1", "at or below absolute zero"),
        ("t\n" + DIODE + ".temp 1e6\n.op\n", "d.cir:6:1", "above 1000 °C"),
        ("t\n.options temp=-300\nV1 a 0 1\nR1 a 0 1k\n.op\n", "d.cir:2:15", "absolute zero"),
        ("t\n" + DIODE + ".dc temp -300 27 1\n", "d.cir:6:5", "swept temperature .* absolute zero"),
        ("t\nV1 a 0 1\nR1 a 0 1k\n.dc R1 0 1k 500\n", "d.cir:4:5", "reaches zero resistance"),
        ("t\nV1 a 0 1\nR1 a 0 1k\n.dc R1 1k -1k -1e3\n", "d.cir:4:5", "reaches zero resistance"),
        ("t\nV1 a 0 1\nR1 a 0 5e-324\n.op\n", "d.cir:3:", "below the smallest supported magnitude 1e-30"),
        ("t\nV1 a 0 1\nR1 a 0 {1e-40}\n.op\n", "d.cir:3:", "below the smallest supported magnitude"),
        ("t\nV1 a 0 1\nR1 a b 1k\nC1 b 0 1n\n.ic v(b)=1e308\n.tran 1n 10n\n", "d.cir:5:",
         "beyond the supported magnitude"),
        ("t\n.model dm D(IS=0)\nV1 a 0 1\nR1 a b 1k\nD1 b 0 dm\n.op\n", "d.cir:2:", "is=0 is outside"),
        ("t\n.model dm D(IS=1e-14)\n.temp -270\nV1 a 0 1\nR1 a b 1k\nD1 b 0 dm\n.op\n", "d.cir:2:1",
         "IS at -270 °C is 0 A"),
        ("t\n.param a={a}\nV1 a 0 1\nR1 a 0 1k\n.op\n", "d.cir:2:", "'a' is defined in terms of itself"),
    ],
)
def test_numerical_extremes_in_decks(text: str, where: str, match: str) -> None:
    with pytest.raises(XbarError, match=match) as info:
        deck(text).run()
    assert str(info.value).startswith(where), str(info.value)


def test_diode_card_errors_carry_the_card_location() -> None:
    with pytest.raises(ModelCardError) as info:
        deck("t\n.model dm D(IS=1e-14)\n.temp -270\nV1 a 0 1\nR1 a b 1k\nD1 b 0 dm\n.op\n").run()
    assert info.value.location is not None and info.value.location.line == 2


def test_not_supported_names_its_location_once() -> None:
    for text, where in [("t\nV1 a 0 1\nR1 a 0 1k\n.noise v(a) v1 dec 10 1 1k\n", "d.cir:4"),
                        ("t\nA1 in out amod\n", "d.cir:2"),
                        ("t\n.options bogus=1\n", "d.cir:2"),
                        ("t\n.model q njf\n", "d.cir:2")]:
        with pytest.raises(NetlistError, match="not supported") as info:
            deck(text)
        first_line = str(info.value).splitlines()[0]
        assert first_line.count(where) == 1, first_line


def test_self_reference_in_redefinition_is_fine() -> None:
    d = deck("t\n.param a=1\n.param a={a+1}\nV1 x 0 {a}\nR1 x 0 1k\n.op\n")
    assert d.run()[0]["v(x)"] == 2.0


def test_no_runtime_warnings_on_the_way(recwarn: pytest.WarningsRecorder) -> None:
    for text in ("t\nV1 a 0 1\nR1 a 0 5e-324\n.op\n", "t\nV1 a 0 1\nR1 a 0 1k\n.dc R1 0 1k 500\n",
                 "t\nV1 a 0 1\nR1 a b 1k\nC1 b 0 1n\n.ic v(b)=1e308\n.tran 1n 10n\n"):
        with np.errstate(all="raise", under="ignore"), pytest.raises(NetlistError):
            deck(text).run()
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


# ---------------------------------------------------------------------------------------------
# documentation
# ---------------------------------------------------------------------------------------------


def test_readme_limits_snippet_runs() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Limits and hostile input", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    before = xbar.get_limits()
    exec(compile(code.group(1), "README.md", "exec"), {})  # the project's own README
    assert xbar.get_limits() == before


def test_limits_are_documented() -> None:
    doc = (ROOT / "docs" / "limits.md").read_text(encoding="utf-8")
    for name in xbar.Limits.names():
        assert f"`{name}`" in doc
