"""Smoke test of the engine benchmark's crossbar deck (16x16): xbar against the exact solution.

No timing is asserted. The ngspice comparison is marked ``ngspice`` and skipped without ngspice.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import xbar

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"
N = 16


def _load(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def cdeck() -> ModuleType:
    return _load("crossbar_deck")


@pytest.fixture(scope="module")
def case(cdeck: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    xb = cdeck.make_crossbar(N, N, seed=7)
    path = tmp_path_factory.mktemp("bench") / "xbar16.cir"
    lines = cdeck.write_deck(xb, path)
    # N^2 cells, 2N(N-1) wires, 2N driver and 2N sensor lines, 8 title/comment/.op/.end lines
    assert lines == 3 * N * N + 2 * N + 8
    return xb, path


@pytest.fixture(scope="module")
def xbar_op(case: tuple[object, Path]) -> xbar.OpResult:
    _, path = case
    deck = xbar.read_netlist(path)
    (op,) = deck.run()
    return op


def _isense(op: object, n: int) -> np.ndarray:
    return np.array([op[f"i(vsense{j})"] for j in range(n)])  # type: ignore[index]


def test_deck_shape(cdeck: ModuleType, case: tuple[object, Path]) -> None:
    xb, path = case
    text = path.read_text().lower().splitlines()
    assert text[-2:] == [".op", ".end"]
    first = {ln.split()[0][0] for ln in text[1:] if ln and not ln.startswith(("*", "."))}
    assert first == {"r", "v"}  # every element is a resistor or a voltage source
    prob = cdeck.reference_problem(xb)
    assert prob.G.shape == (2 * N * N, 2 * N * N)
    assert np.allclose(prob.G.toarray(), prob.G.toarray().T, rtol=0, atol=0)


def test_column_currents_exact(cdeck: ModuleType, case: tuple[object, Path],
                               xbar_op: xbar.OpResult) -> None:
    xb, _ = case
    ref = cdeck.reference_solution(xb, dense=True)
    isense = ref["isense"]
    got = _isense(xbar_op, N)
    assert np.all(isense > 0)
    np.testing.assert_allclose(got, isense, rtol=1e-12, atol=0)
    # every node voltage too (looser: ngspice-level agreement)
    for name, value in ref.items():
        if name.startswith("v("):
            assert xbar_op[name] == pytest.approx(value, rel=1e-9, abs=1e-15), name


@pytest.mark.ngspice
@pytest.mark.skipif(shutil.which("ngspice") is None, reason="ngspice not installed")
def test_against_ngspice(case: tuple[object, Path], xbar_op: xbar.OpResult) -> None:
    from xbar.testing.ngspice import run_ngspice

    _, path = case
    plots = run_ngspice(path, timeout=120)
    op = next(p for p in plots if p.plotname.lower().startswith("operating"))
    ng = dict(zip(op.names, op.data[0].tolist(), strict=True))
    np.testing.assert_allclose(_isense(xbar_op, N), _isense(ng, N), rtol=1e-9, atol=0)
    compared = 0
    for name, value in ng.items():
        if name.startswith(("v(", "i(")):
            assert xbar_op[name] == pytest.approx(value, rel=1e-9, abs=1e-15), name
            compared += 1
    assert compared == 2 * N * N + 4 * N  # nodes r, c, in, s; branches vin, vsense
