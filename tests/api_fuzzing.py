"""Hostile calls of every public entry point, shared by the CI fuzz test and the slow campaign.

Each entry point is a function ``case(src) -> str`` that draws its arguments from ``src`` (a
:class:`Source`: hypothesis' ``data.draw`` in CI, a seeded ``random.Random`` in the campaign),
mixing valid values with hostile ones (wrong types, NaN/inf, huge and subnormal numbers,
complex values, bad names, wrong shapes, huge broadcast arrays), calls xbar and checks what
comes back. :func:`run_call` runs one case under a deadline and classifies it:

* ``"ok"`` / ``"rejected"``: a result without NaN/inf, or one of xbar's errors;
* ``"escaped"``: any other exception (a failure);
* ``"nonfinite"``: a result holding NaN or inf (a failure);
* ``"hang"``: the call ran past its deadline (a failure).

The calls run under tight limits (:data:`FUZZ_LIMITS`), so that huge requests are refused
quickly and legal ones stay small.
"""

from __future__ import annotations

import random
import signal
import tempfile
import traceback
import warnings
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

import xbar
from xbar.analysis import guards
from xbar.crossbar import (
    BatchResult,
    CrossbarResult,
    CrossbarSpec,
    build_crossbar,
    crossbar,
    deck_text,
    differential_conductances,
    fixed_point_solve,
    write_deck,
    write_op,
)
from xbar.crossbar.ports import PortSolver
from xbar.crossbar.write import WriteResult
from xbar.devices.waveforms import WaveformSpec
from xbar.errors import XbarError

ROOT = Path(__file__).resolve().parent.parent
CALL_DEADLINE = 20.0  # CPU seconds; a call computing longer is reported as a hang (wall: 10 times that)
FUZZ_LIMITS = {"max_memory": 64 * 1024**2, "max_sweep_points": 500, "max_tran_points": 500,
               "max_dc_iterations": 2000}

# ------------------------------------------------------------------------------------------
# hostile values
# ------------------------------------------------------------------------------------------


class _Opaque:
    """An object xbar knows nothing about."""

    def __repr__(self) -> str:
        return "<opaque>"


class _BadFloat:
    """Claims to be a number, then fails."""

    def __float__(self) -> float:
        raise ValueError("not really a number")


SCALARS: list[Any] = [
    0, 0.0, -0.0, 1, -1, 0.5, 2.0, 1e3, -1e3, 1e-12, 1e-9, 1e6, 1e12, 1e30, -1e30, 1e31, 1e-30, 1e-31,
    5e-324, 1e-300, 1e300, 1e308, -1e308, float("nan"), float("inf"), float("-inf"), 10**400,
    -(10**400), 2**63, 2**64, True, False, None, "1k", "1e3", "abc", "", "nan", b"1", 1 + 2j, 3j,
    np.float32(1.5), np.int64(7), np.uint8(3), np.float64("nan"), np.complex128(1), np.bool_(True),
    [1.0], (1,), {}, _Opaque(), _BadFloat(), Decimal("1.5"), Fraction(1, 3), np.array(1.0),
    np.array([1.0, 2.0]), np.longdouble(2.5),
]
GOOD_SCALARS: list[Any] = [1.0, 2.0, 0.5, 1e3, 1e-3, 10.0, 3, np.float64(4.0)]
NAMES: list[Any] = [
    "a", "b", "c", "out", "0", "gnd", "GND", 0, 1, 7, -1, "", " ", "a b", "a(b", "x=y", "{a}", "'q'",
    "\x00", "a\nb", "\t", "é", "Ω", "a" * 2000, None, 1.5, b"a", ["a"], True, _Opaque(), "r1", "v1",
    "A.B", "n#1", "\u200b", "1e3",
]
GOOD_NAMES = ["a", "b", "c", "out", "mid", "0", "gnd", "n1", "X"]
PATHS: list[Any] = [
    "/dev/zero", "/dev/null", "/nonexistent/deck.cir", "", "\x00", ".", "/tmp", 5, None, b"deck.cir",
    ["a"], Path("/nonexistent"), str(ROOT / "netlists" / "rc_pulse.cir"), str(ROOT / "netlists"),
    "/proc/self/status",
]


def _array_pool(shape: tuple[int, ...]) -> list[Any]:
    n = int(np.prod(shape)) if shape else 1
    good = np.linspace(1.0, 2.0, n).reshape(shape) if shape else 1.5
    return [
        good, np.zeros(shape), -np.ones(shape), np.full(shape, np.nan), np.full(shape, np.inf),
        np.full(shape, 1e308), np.full(shape, 5e-324), np.ones(shape, dtype=complex), np.ones(shape, dtype=bool),
        np.ones((*shape, 2)), np.ones((3, 5)), np.ones(7), np.array([]), [[1.0, 2.0], [3.0]], "1,2",
        np.array(["a"] * max(n, 1)), np.broadcast_to(1.0, (50_000_000, *shape[1:])) if shape else 1.0,
        np.broadcast_to(1.0, (1, 10**9)), None, [1.0] * max(n, 1), np.ones(shape, dtype=np.float32),
        np.array([10**30], dtype=object), np.array([10**400], dtype=object), 1.0, 0.0, float("nan"),
    ]


# ------------------------------------------------------------------------------------------
# sources of choices
# ------------------------------------------------------------------------------------------


class Source:
    """Where a case gets its choices from (hypothesis data or a random generator)."""

    def choice(self, options: list[Any], label: str = "") -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def integer(self, lo: int, hi: int) -> int:  # pragma: no cover - interface
        raise NotImplementedError

    def chance(self, p: float = 0.5) -> bool:
        return self.integer(0, 999) < int(1000 * p)

    def scalar(self, good: float | None = None, p_good: float = 0.6) -> Any:
        """A value: usually a valid one, else from the hostile pool."""
        if good is not None and self.chance(p_good):
            return good
        if self.chance(0.3):
            return self.choice(GOOD_SCALARS)
        return self.choice(SCALARS)

    def name(self, good: str = "a", p_good: float = 0.6) -> Any:
        if self.chance(p_good):
            return good
        return self.choice(NAMES if self.chance(0.6) else GOOD_NAMES)

    def array(self, shape: tuple[int, ...], good: Any = None, p_good: float = 0.5) -> Any:
        if good is not None and self.chance(p_good):
            return good
        return self.choice(_array_pool(shape))


class HypothesisSource(Source):
    def __init__(self, data: Any) -> None:
        from hypothesis import strategies as st

        self._data = data
        self._st = st

    def choice(self, options: list[Any], label: str = "") -> Any:
        return options[self._data.draw(self._st.integers(0, len(options) - 1), label=label or None)]

    def integer(self, lo: int, hi: int) -> int:
        return self._data.draw(self._st.integers(lo, hi))


class RandomSource(Source):
    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def choice(self, options: list[Any], label: str = "") -> Any:
        return options[self._rng.randrange(len(options))]

    def integer(self, lo: int, hi: int) -> int:
        return self._rng.randint(lo, hi)


# ------------------------------------------------------------------------------------------
# results must hold no NaN/inf
# ------------------------------------------------------------------------------------------


def nonfinite_in(obj: Any) -> str:
    """'' when ``obj`` holds only finite numbers, else what is not finite."""
    arrays: dict[str, Any] = {}
    if isinstance(obj, xbar.analysis.results.Result):
        arrays = {"data": obj.data}
    elif isinstance(obj, CrossbarResult):
        arrays = {"x": obj.x, "i_col": obj.i_col, "v_cell": obj.v_cell, "i_cell": obj.i_cell,
                  "ir_drop": obj.ir_drop, "rel_error": obj.rel_error, "p_total": obj.p_total,
                  "p_row": obj.p_row, "p_col": obj.p_col}
    elif isinstance(obj, BatchResult):
        arrays = {"currents": obj.currents, "ideal": obj.ideal, "rel_error": obj.rel_error}
    elif isinstance(obj, WriteResult):
        arrays = {"v_cell": obj.v_cell, "p_switch": obj.p_switch, "summary": list(obj.summary().values())}
    elif isinstance(obj, tuple | list) and obj and all(isinstance(o, np.ndarray | float | int) for o in obj):
        arrays = {f"[{i}]": o for i, o in enumerate(obj)}
    elif isinstance(obj, np.ndarray | float):
        arrays = {"value": obj}
    elif hasattr(obj, "i_col") and hasattr(obj, "v_cell"):  # RelaxResult
        arrays = {"i_col": obj.i_col, "v_cell": obj.v_cell}
    for key, value in arrays.items():
        arr = np.asarray(value)
        if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
            return f"{type(obj).__name__}.{key} holds NaN/inf"
    return ""


# ------------------------------------------------------------------------------------------
# fixtures
# ------------------------------------------------------------------------------------------


def small_circuit(with_cap: bool = True) -> xbar.Circuit:
    c = xbar.Circuit("fuzz")
    c.V("1", "a", "0", 1.0)
    c.R("1", "a", "b", 1e3)
    c.R("2", "b", "0", 2e3)
    if with_cap:
        c.C("1", "b", "0", 1e-9)
    c.model("dm", "d", IS=1e-14)
    c.model("mm", "mtj", rp=1100, tmr0=1.2, vh=0.5)
    return c


def _finish(c: xbar.Circuit, src: Source) -> Any:
    """Run one analysis of ``c`` (usually valid arguments)."""
    k = src.integer(0, 3)
    if k == 0:
        return c.op()
    if k == 1:
        return c.dc("v1", src.scalar(0.0, 0.8), src.scalar(1.0, 0.8), src.scalar(0.25, 0.8))
    if k == 2:
        return c.tran(src.scalar(1e-7, 0.8), src.scalar(2e-6, 0.8))
    return c.to_netlist([".op"])


# ------------------------------------------------------------------------------------------
# cases: the engine
# ------------------------------------------------------------------------------------------


def case_circuit_elements(src: Source) -> Any:
    c = small_circuit()
    method = src.choice(["R", "C", "L", "V", "I", "E", "G", "F", "H", "D"])
    name = src.name("x1")
    if method in ("R", "C", "L", "V", "I"):
        args = [name, src.name("b"), src.name("c"), src.scalar(1e3)]
    elif method in ("E", "G"):
        args = [name, src.name("c"), src.name("0"), src.name("b"), src.name("0"), src.scalar(2.0)]
    elif method in ("F", "H"):
        args = [name, src.name("c"), src.name("0"), src.name("v1"), src.scalar(2.0)]
    else:
        args = [name, src.name("b"), src.name("0"), src.name("dm")]
    kwargs: dict[str, Any] = {}
    if method in ("C", "L") and src.chance(0.3):
        kwargs["ic"] = src.scalar(0.1)
    if method == "D" and src.chance(0.3):
        kwargs["area"] = src.scalar(2.0)
    if method in ("V", "I") and src.chance(0.3):
        kwargs["waveform"] = _waveform(src)
    if src.chance(0.05):
        args = args[: src.integer(0, len(args))]
    getattr(c, method)(*args, **kwargs)
    if method in ("R", "C", "L", "V", "I", "E", "G", "F", "H") and "c" not in c.node_index:
        return None
    if method in ("C", "L", "I", "V", "R") and args[1:3] == ["b", "c"]:
        c.R("cload", "c", "0", 1e3)
    return _finish(c, src)


def _waveform(src: Source) -> Any:
    if src.chance(0.1):
        return src.choice([5, "pulse", (1, 2), _Opaque()])
    kind = src.choice(["pulse", "sin", "exp", "pwl", "dc", "sffm", "PULSE", 5])
    n = src.integer(0, 9)
    args = [src.scalar(float(k) * 1e-7 if k else 0.0, 0.7) for k in range(n)]
    r = src.scalar(1e-7, 0.2) if src.chance(0.2) else None
    return WaveformSpec(kind, tuple(args), r=r)


def case_behavioural(src: Source) -> Any:
    c = small_circuit()
    good = src.chance(0.5)
    expr = src.choice(["k*v(b)^2", "v(a,b)*2", "i(v1)*1e3", "time*1e6", "k"] if good else [
        "nope + 1", "v(", "{k*v(b)}", "1/0", "sqrt(-v(b))", "exp(1e3*v(b))", 5, None, "pwl(time, 0, 0, 1u, 1)",
        "", "v(b)/v(a,b)", "1e308*v(b)*v(b)"])
    params = {"k": src.scalar(2.0)} if good else src.choice([None, {"k": "x"}, [1], {5: 1.0}, {"k": 1 + 2j}])
    probes = None if good else src.choice([None, {"v(b)": ("node", "b")}, {"x": ("bogus", "b")}, {"x": "b"}, [1]])
    kind = src.choice(["v", "i"]) if good else src.choice(["v", "i", "x", 5])
    c.B(src.name("1"), src.name("c"), src.name("0"), expr, kind=kind, params=params, probes=probes)
    if "c" in c.node_index:
        c.R("cload", "c", "0", 1e3)
    return _finish(c, src)


def case_add_generic(src: Source) -> Any:
    c = small_circuit()
    kind = src.choice(["r", "c", "l", "v", "i", "e", "g", "f", "h", "d", "b", "q", "R", 5, None])
    nodes = src.choice([["b", "c"], ["b", "0"], ("b", "c", "0", "a"), "bc", ["b"], None, [1, 0], ["b", None]])
    values = src.choice([[1e3], (1e3, 0.1), [src.scalar(1e3)], [], "1", None, [1e3, 1e3, 1e3], np.array([2.0])])
    extra = src.choice([None, "v1", "dm", 5, _waveform(src)])
    c.add(kind, src.name("x9"), nodes, values, extra=extra)
    if "c" in c.node_index:
        c.R("cload", "c", "0", 1e3)
    return _finish(c, src)


def case_add_many(src: Source) -> Any:
    c = small_circuit()
    kind = src.choice(["r", "c", "l", "v", "i", "e", "g", "d", "f", "x", 3])
    count = src.choice([0, 1, 3, 5])
    terminals = 4 if kind in ("e", "g") else 2
    nodes_good = np.array([["b", "c"]] * count if terminals == 2 else [["c", "0", "b", "0"]] * count,
                          dtype=object).reshape(count, terminals)
    nodes = src.choice([nodes_good, np.zeros((count, terminals), dtype=np.int64), np.full((count, terminals), 99),
                        np.full((count, terminals), -5), np.ones((count, 3), dtype=int), [["b"]], "bc",
                        np.broadcast_to(np.array([0, 1]), (10**8, 2)), np.ones((count, terminals), dtype=bool),
                        nodes_good.astype(str), [[None, "b"]] * count])
    names = src.choice(["bulk", [f"n{i}" for i in range(count)], ["x"] * count, [1, 2, 3][:count], 5, None,
                        ["a b"] * count])
    col = {"r": "r", "c": "c", "l": "l", "v": "dc", "i": "dc", "e": "gain", "g": "gm", "d": "area"}.get(kind, "r")
    values: Any = {col: src.array((count,), np.full(count, 1e3))}
    if src.chance(0.2):
        values["bogus"] = 1.0
    if src.chance(0.2):
        values["extra"] = src.choice([None, "dm", [None] * count, [5] * count, _waveform(src)])
    if src.chance(0.05):
        values = src.choice([None, [1, 2], "r"])
    c.add_many(kind, names, nodes, values)
    if "c" in c.node_index:
        c.R("cload", "c", "0", 1e3)
    return _finish(c, src)


def case_y_devices(src: Source) -> Any:
    c = small_circuit()
    if src.chance(0.5):
        params = {}
        if src.chance(0.6):
            params[src.choice(["state", "STATE", "bogus", "r"])] = src.scalar(1.0)
        c.Y(src.name("y1"), src.choice([["b", "0"], ["b"], "b0", ["b", "0", "c"], [None, "0"]]),
            src.name("mm"), **params)
    else:
        count = src.choice([0, 2, 4])
        nodes = src.choice([np.array([["b", "0"]] * count, dtype=object).reshape(count, 2),
                            np.array([[1, -1]] * count, dtype=np.int64).reshape(count, 2),
                            np.array([[50, -1]] * count).reshape(count, 2), np.ones((count, 3), dtype=int),
                            np.broadcast_to(np.array([1, -1]), (10**8, 2))])
        params = src.choice([None, {"state": src.array((count,), np.zeros(count))}, {"bogus": 1.0}, [1], {5: 1.0}])
        c.add_y_many(src.choice(["ym", ["p", "q", "r", "s"][:count], 7]), nodes, src.name("mm"), params)
    return _finish(c, src)


def case_models(src: Source) -> Any:
    c = small_circuit()
    mtype = src.choice(["d", "mtj", "sotmtj", "smtj", "npn", 5, "D"])
    params: dict[str, Any] = {}
    for key in src.choice([[], ["is"], ["n", "is"], ["rp", "tmr0"], ["bogus"], ["eg", "xti", "tnom"], ["IS"]]):
        params[key] = src.scalar(1e-14 if key.lower() == "is" else 1.5)
    c.model(src.name("m2"), mtype, **params)
    if src.chance(0.5):
        c.D("2", "b", "0", src.name("m2"))
    else:
        c.Y("2", ["b", "0"] if mtype != "sotmtj" else ["b", "0", "a"], src.name("m2"))
    return _finish(c, src)


def case_load_models(src: Source) -> Any:
    c = small_circuit()
    libs = sorted((ROOT / "compact_models").glob("*.lib"))
    path = src.choice([*[str(p) for p in libs], *PATHS])
    names = src.choice([None, ["lopez_stt"], ["nope"], "lopez_stt", [5], []])
    return c.load_models(path, names)


def case_subcircuits(src: Source) -> Any:
    c = small_circuit()
    params = {src.choice(["r", "R", "5", "a b"]): src.choice([1e3, "2k", "{1k*2}", "{r}", "bogus", None, float("nan")])}
    sub = c.subckt(src.name("half"), src.choice([["p", "q", "m"], ["p", "p", "m"], "pqm", ["p", "0", "m"], []]),
                   **params)
    sub.R(src.name("1"), "p", "m", src.choice(["{r}", 1e3, "{r*2}", "{nope}", "1x5", None]))
    if src.chance(0.3):
        getattr(sub, src.choice(["C", "V", "D", "E", "X"]))(*[src.name("z")] * src.integer(0, 4))
    sub.R("2", "m", "q", 1e3)
    c.X(src.name("1"), src.name("half"), src.choice([["a", "0", "mm"], ["a"], "a0m", [None, "0", "x"]]),
        **({"r": src.scalar(2e3)} if src.chance(0.5) else {}))
    return _finish(c, src)


def case_options(src: Source) -> Any:
    c = small_circuit()
    key = src.choice(["reltol", "abstol", "vntol", "gmin", "itl1", "itl4", "method", "temp", "trtol", "seed",
                      "bogus", "maxord", "TEMP"])
    value = src.choice(["trap", "gear", "be", "bogus"]) if key == "method" and src.chance(0.5) else src.scalar(
        {"temp": 50.0, "itl1": 50, "itl4": 20, "seed": 3, "maxord": 1}.get(key, 1e-4))
    c.set_options(**{key: value})
    return _finish(c, src)


def case_analyses(src: Source) -> Any:
    c = small_circuit(with_cap=src.chance(0.7))
    if src.chance(0.3):
        c.D("1", "b", "0", "dm")
    if src.chance(0.2):
        c.ic[src.choice(["b", "nope"])] = src.scalar(0.5)
    if src.chance(0.1):
        c.linear_solver = src.choice(["superlu", "cholmod", "amg-cg", "auto", "bogus", 5])
    k = src.integer(0, 2)
    if k == 0:
        return c.op()
    if k == 1:
        more = (src.name("r2"), src.scalar(1e3), src.scalar(3e3), src.scalar(1e3)) if src.chance(0.2) else ()
        values = src.array((4,), None) if src.chance(0.2) else None
        return c.dc(src.choice(["v1", "r1", "temp", "c1", "nope", 5, "V1"]), src.scalar(0.0), src.scalar(1.0),
                    src.scalar(0.25), *more, values=values, progress=src.choice([None, False, "yes"]))
    return c.tran(src.scalar(1e-7), src.scalar(2e-6), src.scalar(0.0, 0.8),
                  src.scalar(1e-7, 0.2) if src.chance(0.3) else None, uic=src.choice([False, True, 1, "no"]))


def case_results(src: Source) -> Any:
    c = small_circuit()
    k = src.integer(0, 2)
    res = c.op() if k == 0 else c.dc("v1", 0.0, 1.0, 0.5) if k == 1 else c.tran(1e-7, 1e-6)
    key = src.choice(["v(b)", "V(B)", "b", "i(v1)", "v(a,b)", "nope", 5, None, b"v(b)", "v(", "time", "v-sweep"])
    what = src.integer(0, 4)
    if what == 0:
        out = res[key]
        return np.asarray(out, dtype=float)
    if what == 1 and isinstance(res, xbar.TranResult):
        return res.at(key, src.array((3,), np.array([0.0, 5e-7, 2e-6])))
    if what == 2:
        with tempfile.TemporaryDirectory() as tmp:
            path = src.choice([str(Path(tmp) / "r.csv"), "/nonexistent/dir/r.csv", tmp, 5, None])
            res.to_csv(path, src.choice([None, ["v(b)"], ["nope"], "v(b)", [5]]))
        return None
    if what == 3:
        return key in res
    return res.as_dict() if isinstance(res, xbar.OpResult) else res.to_numpy()


def case_read_netlist(src: Source) -> Any:
    if src.chance(0.5):
        deck = xbar.read_netlist(src.choice(PATHS))
    else:
        text = src.choice(["t\nV1 a 0 1\nR1 a 0 1k\n.op\n", b"t\nR1 a 0 1\n", 5, None, "", "t\n.include /dev/zero\n",
                           "t\nV1 a 0 1\nR1 a 0 1k\n.dc V1 0 1 1e-9\n", "t\n.param a={a}\n.op\n"])
        deck = xbar.read_netlist_text(text, name=src.choice(["<netlist>", 5, None]),
                                      base_dir=src.choice([".", "/nonexistent", 5, str(ROOT)]))
    return deck.run(progress=src.choice([None, False]))


def case_limits(src: Source) -> Any:
    key = src.choice(["max_memory", "max_sweep_points", "max_tran_points", "max_file_size", "max_dc_iterations",
                      "max_solution", "bogus"])
    value = src.choice([1, 1000, "4G", "1e6", "x", -1, 0, float("nan"), None, 2**70, 1.5, "512MiB"])
    with xbar.temporary_limits(**{key: value}):
        c = small_circuit()
        return _finish(c, src)


# ------------------------------------------------------------------------------------------
# cases: crossbars
# ------------------------------------------------------------------------------------------


def _spec_kwargs(src: Source) -> dict[str, Any]:
    rows = src.choice([2, 3, 2, 0, -1, 2.5, 10**6, "2", None, np.int64(3), 100_000])
    cols = src.choice([2, 3, 2, 0, 1.0, 10**6, None])
    shape = (rows, cols) if isinstance(rows, int) and isinstance(cols, int) and 0 < rows < 10 and 0 < cols < 10 else (2, 2)
    kw: dict[str, Any] = {"rows": rows, "cols": cols}
    cell = src.choice(["resistor", "resistor", "mtj", "smtj", "sotmtj", "bogus", 5])
    kw["cell"] = cell
    if cell == "resistor" or src.chance(0.1):
        kw["g"] = src.array(shape, 1e-4)
    if cell in ("mtj",):
        kw["card"] = src.choice([{}, {"rp": 1100.0}, {"rp": -1.0}, {"bogus": 1}, {"rp": float("nan")}, [1]])
        if src.chance(0.5):
            kw["state"] = src.array(shape, 0.0)
    if cell == "smtj":
        kw["lib"] = src.choice([str(ROOT / "compact_models" / "bandyopadhyay2024_smtj.lib"), "/nonexistent", 5])
        kw["model"] = src.choice(["smtj_fig5", "nope", 5])
        kw["vg"] = src.array(shape, 0.1)
    if cell == "sotmtj":
        kw["lib"] = str(ROOT / "compact_models" / "kumar2024_sot.lib")
        kw["model"] = "kumar_sot_t16"
    for field, good in (("r_row", 1.0), ("r_col", 1.0), ("r_driver", 0.0)):
        if src.chance(0.4):
            kw[field] = src.array(shape, good)
    for field, choices in (("sense", ["ammeter", "resistor", "tia", "bogus"]), ("drive", ["single", "double", 5]),
                           ("sense_ends", ["single", "double", "x"])):
        if src.chance(0.3):
            kw[field] = src.choice(choices)
    for field, good in (("r_sense", 100.0), ("tia_gain", 1e5), ("r_feedback", 1e4), ("r_write_driver", 0.0)):
        if src.chance(0.15):
            kw[field] = src.scalar(good)
    if src.chance(0.15):
        kw["r_access"] = src.array(shape, 100.0)
    if src.chance(0.1):
        kw["params"] = src.choice([{"state": 1.0}, {"bogus": 1.0}, [1], {5: 1}, {"state": np.ones((5, 5))}])
    if src.chance(0.05):
        kw[src.choice(["bogus", "title", "write_lines"])] = src.choice(["x", 5, None, "open"])
    if cell == "sotmtj" and src.chance(0.3):
        kw["write_lines"] = src.choice(["float", "ground", "open", "x"])
    if src.chance(0.15):
        mask = np.ones(shape, dtype=bool)
        mask[0, 0] = False
        kw["present"] = src.choice([mask, mask.astype(int), None, False, True, np.zeros(shape, dtype=bool),
                                    [[1, 0]], [[2.0]], "x", np.ones((7, 7), dtype=bool), [[np.nan]], {}])
    return kw


def case_crossbar_build(src: Source) -> Any:
    kw = _spec_kwargs(src)
    if src.chance(0.3):
        xb = crossbar(**kw)
    else:
        rows, cols = kw.pop("rows"), kw.pop("cols")
        spec = CrossbarSpec(rows, cols, **kw)
        if src.chance(0.1):
            spec.rows = src.choice([0, 10**7, "x", 2])
        xb = build_crossbar(spec, src.choice([None, None, None, 5, xbar.Circuit()]))
    v = src.array((xb.rows,), np.full(xb.rows, 0.1))
    return xb.op(v)


def _small_array(src: Source) -> Any:
    kind = src.integer(0, 3)
    if kind == 0:
        return crossbar(3, 2, g=np.full((3, 2), 1e-4), r_row=1.0, r_col=1.0)
    if kind == 1:
        return crossbar(2, 2, cell="mtj", card={"rp": 1100.0, "tmr0": 1.2, "vh": 0.5}, state=[[0, 1], [1, 0]],
                        r_row=1.0, r_col=1.0)
    if kind == 2:
        return crossbar(2, 3, g=1e-4, sense="tia", r_driver=10.0)
    return crossbar(2, 2, g=1e-4, r_access=100.0, drive="double", sense_ends="double", r_row=1.0, r_col=1.0)


def case_crossbar_solve(src: Source) -> Any:
    xb = _small_array(src)
    what = src.integer(0, 5)
    if what == 0:
        return xb.op(src.array((xb.rows,), np.full(xb.rows, 0.1)), solver=src.choice(
            ["superlu", "superlu-mmd", "cholmod", "amg-cg", "auto", "bogus", 5]),
            tight=src.choice([True, False, "yes"]))
    s = xb.solver(solver=src.choice(["superlu", "superlu", "superlu-mmd", "bogus", 5]),
                  ordering=src.choice(["auto", "nd", "mmd", "bogus"]))
    if what == 1:
        V = src.array((4, xb.rows), np.linspace(0.0, 0.2, 4 * xb.rows).reshape(4, xb.rows))
        return s.batch(V, method=src.choice(["auto", "factor", "transfer", "chord", "newton-krylov", "newton",
                                             "bogus", 5]),
                       tol=src.scalar(1e-12, 0.8), maxiter=src.choice([60, 0, -1, 10**9, 2.5, "x", 5]),
                       chunk=src.choice([None, 1, 0, -3, 2.5]))
    if what == 2:
        return s.transfer_matrix()
    if what == 3:
        return s.solve_sources(rows=src.array((xb.rows,), np.full(xb.rows, 0.1)),
                               columns=src.choice([None, 0.0, src.array((xb.cols,), np.zeros(xb.cols))]),
                               write_rows=src.choice([None, None, 0.0]))
    if what == 4:
        return xb.op(np.full(xb.rows, 0.1), x0=src.choice([None, np.zeros(3), np.full(s.system.n, np.nan),
                                                           np.zeros(s.system.n), "x"]))
    return xb.ideal(src.array((xb.rows,), np.full(xb.rows, 0.1)))


def case_crossbar_write(src: Source) -> Any:
    xb = _small_array(src)
    return write_op(xb, src.choice([(0, 0), (1, 1), (5, 0), (-1, 0), (0,), "00", None, (0.5, 0), (True, 0)]),
                    src.scalar(1.0), scheme=src.choice(["v/2", "v/3", "V/2", "bogus", 5]),
                    pulse=src.scalar(1e-8), solver=src.choice([None, None, 5, xb.solver()]))


def case_crossbar_deck(src: Source) -> Any:
    xb = _small_array(src)
    kwargs = {"form": src.choice(["flat", "subckt", "x"]), "dialect": src.choice(["ngspice", "xbar", 5]),
              "inputs": src.choice([None, src.array((xb.rows,), np.full(xb.rows, 0.1))]),
              "analyses": src.choice([(".op",), ".op", [5], None, ()]),
              "options": src.choice([None, {"reltol": 1e-6}, {"reltol": "x"}, [1]]),
              "title": src.choice([None, "t", 5])}
    if src.chance(0.3):
        with tempfile.TemporaryDirectory() as tmp:
            write_deck(xb, src.choice([str(Path(tmp) / "x.cir"), "/nonexistent/x.cir", tmp, 5]), **kwargs)
        return None
    text = deck_text(xb, **kwargs)
    if kwargs["dialect"] == "xbar":
        return xbar.read_netlist_text(text).run()
    return text


def case_crossbar_results(src: Source) -> Any:
    xb = _small_array(src)
    res = xb.op(np.full(xb.rows, 0.1))
    what = src.integer(0, 3)
    if what == 0:
        return res.voltage(src.choice(["wl0_0", "bl1", "nope", 5, None, "0", "WL0"]))
    if what == 1:
        with tempfile.TemporaryDirectory() as tmp:
            target = src.choice([str(Path(tmp) / "c.csv"), "/nonexistent/c.csv", tmp, 5, None])
            getattr(res, src.choice(["to_csv", "columns_to_csv"]))(target)
        return None
    if what == 2:
        batch = xb.solver().batch(np.full((2, xb.rows), 0.1))
        with tempfile.TemporaryDirectory() as tmp:
            batch.to_csv(src.choice([str(Path(tmp) / "b.csv"), "/nonexistent/b.csv", 5]))
        return batch
    return res


def case_differential(src: Source) -> Any:
    return differential_conductances(src.array((3, 2), np.array([[1.0, -2.0], [0.0, 0.5], [-1.0, 1.0]])),
                                     src.scalar(1e-6), src.scalar(1e-4),
                                     src.choice([None, None, src.scalar(2.0)]))


def case_fixed_point(src: Source) -> Any:
    return fixed_point_solve(src.array((3, 3), np.full((3, 3), 1e-4)), src.array((3,), np.full(3, 0.1)),
                             src.scalar(1.0), src.scalar(1.0), r_driver=src.scalar(0.0, 0.8),
                             gamma=src.scalar(0.5, 0.8), tol=src.scalar(1e-9, 0.8),
                             maxiter=src.choice([1000, 0, 10**12, 2.5, "x", 50]))


def case_crossbar_ports(src: Source) -> Any:
    xb = _small_array(src)
    solver = PortSolver(src.choice([xb, xb, xb, 5, None, xb.spec]))
    if src.chance(0.2):
        return solver.linear_map()
    V = src.array((3, xb.rows), np.linspace(0.0, 0.2, 3 * xb.rows).reshape(3, xb.rows))
    start = src.choice([None, None, "map", np.ones(3), "x"])
    res = solver.batch(V, tol=src.scalar(1e-11, 0.8), max_newton=src.choice([30, 30, 0, -1, 2.5, "x", 10**6]),
                       block=src.choice([None, None, 1, 0, 2.5]), inner=src.choice(["float32", "float64", "x", 5]),
                       start=solver.linear_map() if isinstance(start, str) and start == "map" else start)
    return res.currents


# ------------------------------------------------------------------------------------------
# cases: the neural-network layer
# ------------------------------------------------------------------------------------------


def case_nn_levels(src: Source) -> Any:
    from xbar.nn import LevelSet

    if src.chance():
        lv = LevelSet.from_conductances(src.array((4,), np.array([1e-5, 2e-5, 3e-5, 4e-5])),
                                        rel_sigma=src.scalar(0.0, 0.7))
    else:
        lv = LevelSet.from_rp_tmr(src.scalar(10e3), src.scalar(1.0),
                                  src.choice([2, 3, 7, 0, -1, 2.5, "x", 10**9]), rel_sigma=src.scalar(0.0, 0.7))
    return np.asarray(lv.g)


def case_nn_mapping(src: Source) -> Any:
    from xbar.nn import LevelSet, map_weights

    lv = LevelSet.from_rp_tmr(10e3, 1.0, 4)
    w = src.array((5, 3), np.linspace(-1.0, 1.0, 15).reshape(5, 3))
    m = map_weights(w, src.choice([lv, lv, lv, None, 3, "x"]),
                    src.choice(["signed", "differential", "offset", "signed", "x", None, 5]),
                    scale=src.choice(["maxabs", "mmse", 0.5, -1.0, "x", float("nan"), float("inf"), None]))
    return m.effective_weights()


def case_nn_network(src: Source) -> Any:
    from xbar.nn import MLP, HardwareConfig, HardwareNetwork, LevelSet

    rng = np.random.default_rng(0)
    net = MLP([src.array((6, 4), rng.normal(0, 0.5, (6, 4))), rng.normal(0, 0.5, (4, 3))],
              [np.zeros(4), src.array((3,), np.zeros(3))], activation=src.choice(["sigmoid", "relu", "x", None]))
    x = src.array((5, 6), rng.uniform(0, 1, (5, 6)))
    if src.chance(0.3):
        return net.forward(x)
    cfg = HardwareConfig(r_wire=src.scalar(1.0, 0.7), tile_rows=src.choice([0, 4, 4, -1, 2.5, "x"]),
                         tile_cols=src.choice([0, 4, 4, -3, "x"]), dac_bits=src.choice([None, 8, 8, 0, 99, 2.5]),
                         adc_bits=src.choice([None, 8, 8, -1, "x"]), v_read=src.scalar(0.1, 0.7))
    hn = HardwareNetwork(net, LevelSet.from_rp_tmr(10e3, 1.0, 4), config=cfg)
    y = np.array([0, 1, 2, 0, 1])
    ev = hn.evaluate(x, src.choice([y, y, y[:3], np.array([0, 1, 2, 0, 9]), "x"]),
                     modes=src.choice([("quantized",), ("circuit",), ("float", "circuit"), ("x",), ()]),
                     x_cal=src.choice([x, x, None, np.full((2, 6), np.nan)]))
    return np.array([r.accuracy for r in ev.results.values()])


CASES: dict[str, Callable[[Source], Any]] = {
    "circuit_elements": case_circuit_elements,
    "behavioural": case_behavioural,
    "add_generic": case_add_generic,
    "add_many": case_add_many,
    "y_devices": case_y_devices,
    "models": case_models,
    "load_models": case_load_models,
    "subcircuits": case_subcircuits,
    "options": case_options,
    "analyses": case_analyses,
    "results": case_results,
    "read_netlist": case_read_netlist,
    "limits": case_limits,
    "crossbar_build": case_crossbar_build,
    "crossbar_solve": case_crossbar_solve,
    "crossbar_write": case_crossbar_write,
    "crossbar_deck": case_crossbar_deck,
    "crossbar_ports": case_crossbar_ports,
    "crossbar_results": case_crossbar_results,
    "differential": case_differential,
    "fixed_point": case_fixed_point,
    "nn_levels": case_nn_levels,
    "nn_mapping": case_nn_mapping,
    "nn_network": case_nn_network,
}


# ------------------------------------------------------------------------------------------
# running one call
# ------------------------------------------------------------------------------------------


class _Deadline(BaseException):
    """The call ran past its deadline (BaseException: nothing in xbar may swallow it)."""


def run_call(name: str, src: Source) -> tuple[str, str]:
    """Run case ``name`` once; returns ``(outcome, detail)`` (module docstring)."""

    def on_alarm(signum: int, frame: Any) -> None:
        raise _Deadline

    previous = signal.signal(signal.SIGALRM, on_alarm), signal.signal(signal.SIGPROF, on_alarm)
    signal.setitimer(signal.ITIMER_PROF, CALL_DEADLINE)  # CPU time: independent of the machine's load
    signal.setitimer(signal.ITIMER_REAL, CALL_DEADLINE * 10)  # a call blocked without computing
    delay = guards.PROGRESS_DELAY
    guards.PROGRESS_DELAY = 1e9  # no progress bars from long calls
    try:
        with warnings.catch_warnings(), xbar.temporary_limits(**FUZZ_LIMITS):
            warnings.simplefilter("ignore")
            with np.errstate(all="raise", under="ignore"):
                result = CASES[name](src)
        bad = nonfinite_in(result)
        if bad:
            return "nonfinite", bad
        return "ok", ""
    except XbarError as exc:
        if not str(exc):
            return "escaped", f"{type(exc).__name__} with an empty message"
        return "rejected", ""
    except _Deadline:
        return "hang", f"ran past {CALL_DEADLINE:g} s"
    except Exception as exc:
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)[-5:])
        return "escaped", f"{type(exc).__name__}: {exc}\n{tb}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGALRM, previous[0])
        signal.signal(signal.SIGPROF, previous[1])
        guards.PROGRESS_DELAY = delay


def campaign(calls: int, seed: int) -> tuple[dict[str, int], list[str]]:
    """``calls`` random API calls spread over every case; returns outcome counts and failures."""
    rng = random.Random(seed)
    names = list(CASES)
    counts: dict[str, int] = {}
    failures: list[str] = []
    for k in range(calls):
        name = names[k % len(names)]
        state = rng.getstate()
        outcome, detail = run_call(name, RandomSource(rng))
        counts[outcome] = counts.get(outcome, 0) + 1
        if outcome not in ("ok", "rejected"):
            failures.append(f"call {k} ({name}, seed {seed}, rng state hash {hash(state) & 0xFFFF:04x}): "
                            f"{outcome}: {detail}")
    return counts, failures



def main(argv: list[str] | None = None) -> int:
    """One shard of the slow campaign from the command line (the shards of a campaign can run
    side by side with different seeds)::

        python tests/api_fuzzing.py --api 40000 --seed 1
        python tests/api_fuzzing.py --decks 10000 --seed 2

    Prints the counts and the failures; the exit status is 1 when anything failed.
    """
    import argparse
    import json
    import time

    parser = argparse.ArgumentParser(description="a shard of the API/deck fuzz campaign")
    parser.add_argument("--api", type=int, default=0, help="API calls")
    parser.add_argument("--decks", type=int, default=0, help="deck mutations")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    found: list[str] = []
    if args.api:
        t0 = time.perf_counter()
        counts, failures = campaign(args.api, seed=args.seed)
        print(json.dumps({"api_calls": args.api, "seed": args.seed, "seconds": round(time.perf_counter() - t0),
                          "counts": counts, "failures": len(failures)}), flush=True)
        found += failures
    if args.decks:
        from test_fuzz import fuzz

        t0 = time.perf_counter()
        with tempfile.TemporaryDirectory() as tmp:
            counts = fuzz(Path(tmp), args.decks, args.seed, check=False)
        failures = counts.pop("failures", [])
        print(json.dumps({"deck_mutations": args.decks, "seed": args.seed, "seconds": round(time.perf_counter() - t0),
                          "counts": counts, "failures": len(failures)}), flush=True)
        found += failures
    for f in found[:20]:
        print("\n" + f)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
