"""Large-system solvers (xbar.mna.solvers_large) against SuperLU and dense solves.

Random resistive networks with grounded sources take the reduced (nodal SPD) path; floating
sources, controlled sources, inductors in a transient and non-SPD matrices take the SuperLU
fallback; both must give the answer of the full MNA system to 1e-9 relative.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

import xbar
from xbar.errors import ConvergenceError, SingularMatrixError
from xbar.mna import solvers_large as sl
from xbar.mna.linsolve import SuperLUSolver

# random and pruned networks: dangling nodes are intended, not typos
pytestmark = pytest.mark.filterwarnings("ignore::xbar.errors.LintWarning")

HAVE_CHOLMOD = sl.cholmod_available()
HAVE_PYAMG = sl.pyamg_available()
needs_cholmod = pytest.mark.skipif(not HAVE_CHOLMOD, reason="scikit-sparse (CHOLMOD) not installed")
needs_pyamg = pytest.mark.skipif(not HAVE_PYAMG, reason="pyamg not installed")

REL = 1e-9


def _solvers() -> list[object]:
    out: list[object] = []
    out.append(pytest.param("cholmod", marks=needs_cholmod, id="cholmod"))
    out.append(pytest.param("amg-cg", marks=needs_pyamg, id="amg-cg"))
    out.append(pytest.param("auto", marks=pytest.mark.skipif(not (HAVE_CHOLMOD or HAVE_PYAMG),
                                                             reason="no large solver"), id="auto"))
    return out


def make(name: str) -> object:
    if name == "cholmod":
        return sl.CholmodSolver()
    if name == "amg-cg":
        return sl.AmgCgSolver()
    return sl.AutoSolver(threshold=0)  # force the large-system path on small test systems


def expected_name(name: str) -> str:
    if name == "auto":
        return "cholmod" if HAVE_CHOLMOD else "amg-cg"
    return name


def rel_diff(x: np.ndarray, ref: np.ndarray, n_nodes: int) -> float:
    """max |x - ref| / max |ref|, separately over node voltages and branch currents."""
    worst = 0.0
    for part in (slice(0, n_nodes), slice(n_nodes, None)):
        if ref[part].size:
            scale = max(float(np.max(np.abs(ref[part]))), 1e-300)
            worst = max(worst, float(np.max(np.abs(x[part] - ref[part]))) / scale)
    return worst


def network(seed: int, n: int = 40, *, grounded: int = 3, floating: int = 0, isrc: int = 2,
            controlled: str = "") -> xbar.Circuit:
    """A connected random resistor network (values 1 Ω … 100 kΩ) with sources."""
    rng = np.random.default_rng(seed)
    c = xbar.Circuit(f"net{seed}")
    names = [f"n{i}" for i in range(n)]
    edges = {(int(rng.integers(0, i)), i) for i in range(1, n)}  # spanning tree
    while len(edges) < 2 * n:
        a, b = sorted(int(v) for v in rng.choice(n, 2, replace=False))
        edges.add((a, b))
    edges_l = sorted(edges)
    r = 10.0 ** rng.uniform(0, 5, len(edges_l))
    c.add_many("r", "e", [[names[a], names[b]] for a, b in edges_l], {"r": r})
    # a few resistors to ground so that the current sources see a DC path
    c.add_many("r", "g", [[names[i], "0"] for i in range(0, n, 7)], {"r": 1e4})
    nodes = rng.permutation(n)
    used = 0
    for k in range(grounded):  # odd ones with the + terminal grounded
        ends = (names[nodes[used]], "0") if k % 2 == 0 else ("0", names[nodes[used]])
        c.V(f"g{k}", *ends, float(rng.uniform(-1, 1)))
        used += 1
    for k in range(floating):
        c.V(f"f{k}", names[nodes[used]], names[nodes[used + 1]], float(rng.uniform(-1, 1)))
        used += 2
    for k in range(isrc):
        c.I(f"s{k}", names[nodes[used + k]], "0", float(rng.uniform(-1e-3, 1e-3)))
    used += isrc
    a, b, p, q = (names[i] for i in nodes[used : used + 4])
    if "g" in controlled:
        c.G("ctl", a, b, p, q, 1e-4)
    if "e" in controlled:
        c.R("eload", "eout", "0", 1e3)
        c.E("ctl", "eout", "0", p, q, 2.0)
    if "f" in controlled:
        c.F("ctl", a, b, "vg0", 0.5)
    if "h" in controlled:
        c.R("hload", "hout", "0", 1e3)
        c.H("ctl", "hout", "0", "vg0", 100.0)
    return c


def system_of(c: xbar.Circuit) -> tuple[sp.csc_array, np.ndarray, int]:
    s = c.compile()
    return s.matrix(s.g_data), s.rhs(None), s.n_nodes


def references(A: sp.csc_array, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return SuperLUSolver().factor(A).solve(b), np.linalg.solve(A.toarray(), b)


# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", _solvers())
@pytest.mark.parametrize("seed", range(6))
def test_grounded_sources_take_the_reduced_path(name: str, seed: int) -> None:
    A, b, nn = system_of(network(seed, grounded=1 + seed % 4))
    fac = make(name).factor(A)  # type: ignore[attr-defined]
    assert fac.name == expected_name(name), fac.description
    assert "grounded voltage sources" in fac.description
    x = fac.solve(b)
    x_lu, x_dense = references(A, b)
    assert rel_diff(x, x_lu, nn) < REL
    assert rel_diff(x, x_dense, nn) < REL
    assert np.linalg.norm(b - A @ x) <= 1e-10 * np.linalg.norm(b)


@pytest.mark.parametrize("name", _solvers())
def test_multiple_right_hand_sides(name: str) -> None:
    A, b, nn = system_of(network(11, n=60, grounded=4))
    rng = np.random.default_rng(3)
    B = np.column_stack([b, rng.standard_normal((A.shape[0], 3)), np.zeros(A.shape[0])])
    fac = make(name).factor(A)  # type: ignore[attr-defined]
    X = fac.solve(B)
    assert X.shape == B.shape
    X_ref = np.linalg.solve(A.toarray(), B)
    for j in range(B.shape[1]):
        assert rel_diff(X[:, j], X_ref[:, j], nn) < REL or not np.any(X_ref[:, j])
        np.testing.assert_allclose(fac.solve(B[:, j]), X[:, j], rtol=1e-9,
                                   atol=1e-12 * float(np.max(np.abs(X[:, j])) + 1e-300))
    assert not np.any(X[:, -1])
    z = fac.solve(B[:, 0] + 2j * B[:, 1])
    np.testing.assert_allclose(z, X[:, 0] + 2j * X[:, 1], rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", _solvers())
@pytest.mark.parametrize(("kind", "why"), [
    ("floating", "not positive definite|diagonal entry|CHOLMOD refused"),
    ("g", "not symmetric"),
    ("e", "not symmetric|not positive|diagonal entry|CHOLMOD refused"),
    ("f", "not symmetric|not positive|diagonal entry|CHOLMOD refused"),
    ("h", "not symmetric|not positive|diagonal entry|CHOLMOD refused"),
])
def test_fallback_to_superlu_is_exact(name: str, kind: str, why: str) -> None:
    c = (network(5, floating=2) if kind == "floating"
         else network(7, controlled=kind, grounded=2))
    A, b, nn = system_of(c)
    fac = make(name).factor(A)  # type: ignore[attr-defined]
    assert fac.name == "superlu", fac.description
    assert any(w in fac.description for w in why.split("|")), fac.description
    x_lu, x_dense = references(A, b)
    x = fac.solve(b)
    assert rel_diff(x, x_dense, nn) < REL
    assert rel_diff(x, x_lu, nn) < REL


def test_reduction_recovers_every_unknown() -> None:
    A, b, _ = system_of(network(2, grounded=5))
    red = sl.NodalReduction.analyse(A)
    assert isinstance(red, sl.NodalReduction)
    assert red.n_fixed == 5
    assert len(red.free) + 2 * red.n_fixed == A.shape[0]
    rhs, x_k = red.reduce_rhs(b)
    x_u = np.linalg.solve(red.S.toarray(), rhs)
    x = red.expand(b, x_u, x_k)
    np.testing.assert_allclose(A @ x, b, rtol=0, atol=1e-12 * np.max(np.abs(b)))


def test_reduction_declines_what_it_cannot_do() -> None:
    assert "not square" in sl.NodalReduction.analyse(sp.csc_array(np.ones((2, 3))))
    assert "empty row" in sl.NodalReduction.analyse(sp.csc_array(np.array([[1.0, 0], [0, 0]])))
    # two sources fixing the same node (a loop of sources, singular): neither is eliminated
    A = sp.csc_array(np.array([[1e-3, 1, 1], [1, 0, 0], [1, 0, 0]]))
    red = sl.NodalReduction.analyse(A)
    assert isinstance(red, sl.NodalReduction) and red.n_fixed == 0
    # a row that fixes an unknown by itself (k == r) is not a source
    A = sp.csc_array(np.array([[2.0, 0], [0, 1]]))
    red = sl.NodalReduction.analyse(A)
    assert isinstance(red, sl.NodalReduction) and red.n_fixed == 0


@pytest.mark.parametrize("name", _solvers())
def test_non_canonical_input_and_explicit_zeros(name: str) -> None:
    A, b, nn = system_of(network(4))
    coo = A.tocoo()
    # split every entry in two duplicates and add explicit zeros on the diagonal
    n = A.shape[0]
    rows = np.concatenate([coo.row, coo.row, np.arange(n)])
    cols = np.concatenate([coo.col, coo.col, np.arange(n)])
    vals = np.concatenate([coo.data / 2, coo.data / 2, np.zeros(n)])
    dup = sp.csc_array((vals, (rows, cols)), shape=A.shape)
    x = make(name).factor(dup).solve(b)  # type: ignore[attr-defined]
    assert rel_diff(x, np.linalg.solve(A.toarray(), b), nn) < REL


@pytest.mark.parametrize("name", _solvers())
def test_factorisation_survives_reuse_of_the_matrix_object(name: str) -> None:
    """Transient analysis caches factorisations while refilling one work matrix in place."""
    A, b, nn = system_of(network(8))
    solver = make(name)
    A_work = A.copy()
    fac1 = solver.factor(A_work)  # type: ignore[attr-defined]
    A_work.data *= 2.0  # same pattern, new values (symbolic analysis is reused by CHOLMOD)
    fac2 = solver.factor(A_work)  # type: ignore[attr-defined]
    A_work.data[:] = 0.0
    assert rel_diff(fac1.solve(b), np.linalg.solve(A.toarray(), b), nn) < REL
    assert rel_diff(fac2.solve(b), np.linalg.solve(2.0 * A.toarray(), b), nn) < REL


def test_singular_matrix_raises_through_the_fallback() -> None:
    # a two-node island joined by one resistor, no path to ground: singular
    g = 1e-3
    A = sp.csc_array(np.array([[1.0, 0, 0, 0, 1], [0, g, -g, 0, 0], [0, -g, g, 0, 0],
                               [0, 0, 0, 1.0, 0], [1.0, 0, 0, 0, 0]]))
    b = np.array([0.0, 0.0, 0.0, 1.0, 1.0])
    for solver in [s for s, ok in ((sl.CholmodSolver, HAVE_CHOLMOD), (sl.AmgCgSolver, HAVE_PYAMG)) if ok]:
        with pytest.raises(SingularMatrixError):
            solver().factor(A).solve(b)


@needs_pyamg
def test_amg_cg_raises_convergence_error() -> None:
    A, b, _ = system_of(_bench().build_crossbar(32))  # type: ignore[attr-defined]
    fac = sl.AmgCgSolver(rtol=1e-15, maxiter=2).factor(A)
    assert fac.name == "amg-cg"
    with pytest.raises(ConvergenceError, match=r"did not reach the relative residual 1e-15 within 2 iterations"):
        fac.solve(b)


@needs_pyamg
def test_amg_cg_declines_matrices_it_cannot_certify() -> None:
    # a negative resistance: symmetric but not diagonally dominant
    c = network(10)
    c.R("neg", "n1", "n2", -50.0)
    A, b, nn = system_of(c)
    fac = sl.AmgCgSolver().factor(A)
    assert fac.name == "superlu" and "diagonally dominant" in fac.description
    assert rel_diff(fac.solve(b), np.linalg.solve(A.toarray(), b), nn) < REL
    # a part with no path to ground or a fixed node (CG's answer would not be unique)
    # (that is singular: the SuperLU fallback says so)
    A = sp.csc_array(np.array([[2.0, -1, 0, 0], [-1, 2, 0, 0], [0, 0, 1, -1], [0, 0, -1, 1]]))
    assert "no path to ground" in sl._not_certified_spd(A)
    with pytest.raises(SingularMatrixError):
        sl.AmgCgSolver().factor(A)
    with pytest.raises(ValueError, match="rtol"):
        sl.AmgCgSolver(rtol=0.0)
    with pytest.raises(ValueError, match="AMG method"):
        sl.AmgCgSolver(method="gmg")


@needs_pyamg
def test_amg_cg_smoothed_aggregation_variant() -> None:
    A, b, nn = system_of(_bench().build_crossbar(32))  # type: ignore[attr-defined]
    fac = sl.AmgCgSolver(method="sa").factor(A)
    assert fac.name == "amg-cg" and "smoothed aggregation" in fac.description
    assert rel_diff(fac.solve(b), SuperLUSolver().factor(A).solve(b), nn) < REL


@needs_pyamg
def test_amg_cg_reports_iterations_and_meets_its_tolerance() -> None:
    A, b, _ = system_of(network(12, n=300, grounded=6))
    fac = sl.AmgCgSolver(rtol=1e-12).factor(A)
    x = fac.solve(b)
    red = fac.reduction
    rhs, _ = red.reduce_rhs(b)
    assert np.linalg.norm(rhs - red.S @ x[red.free]) <= 1e-12 * np.linalg.norm(rhs)
    assert fac.iterations and fac.iterations[-1] > 0


@needs_cholmod
def test_cholmod_refuses_indefinite_reduced_matrix() -> None:
    c = network(13)
    c.R("neg", "n3", "n4", -0.5)  # makes the nodal matrix indefinite
    A, b, nn = system_of(c)
    fac = sl.CholmodSolver().factor(A)
    assert fac.name == "superlu" and "CHOLMOD refused" in fac.description
    assert rel_diff(fac.solve(b), np.linalg.solve(A.toarray(), b), nn) < REL


def test_bad_right_hand_side_shape() -> None:
    if not (HAVE_CHOLMOD or HAVE_PYAMG):
        pytest.skip("no large solver")
    A, b, _ = system_of(network(1))
    fac = sl.AutoSolver(threshold=0).factor(A)
    with pytest.raises(ValueError, match="right-hand side"):
        fac.solve(b[:-1])
    with pytest.raises(ValueError, match="right-hand side"):
        fac.solve(np.zeros((len(b), 2, 2)))


def test_auto_policy_is_reported_and_overridable() -> None:
    A, b, nn = system_of(network(6))
    small = sl.AutoSolver().factor(A)
    assert small.name == "superlu" and "< threshold" in small.description
    forced = sl.AutoSolver(prefer="superlu", threshold=0).factor(A)
    assert forced.name == "superlu"
    with pytest.raises(ValueError, match="unknown large-system solver"):
        sl.AutoSolver(prefer="pardiso")
    if HAVE_PYAMG:
        fac = sl.AutoSolver(prefer="amg-cg", threshold=10).factor(A)
        assert fac.name == "amg-cg" and fac.description.startswith("auto: amg-cg")
        assert rel_diff(fac.solve(b), np.linalg.solve(A.toarray(), b), nn) < REL
    assert sl.AutoSolver().prefer == ("cholmod" if HAVE_CHOLMOD else "amg-cg" if HAVE_PYAMG else "superlu")


def test_missing_packages_give_clear_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sksparse.cholmod", None)
    monkeypatch.setitem(sys.modules, "pyamg", None)
    assert not sl.cholmod_available() and not sl.pyamg_available()
    with pytest.raises(ImportError, match="scikit-sparse"):
        sl.CholmodSolver()
    with pytest.raises(ImportError, match="pyamg"):
        sl.AmgCgSolver()
    auto = sl.AutoSolver()
    assert auto.prefer == "superlu"
    A, _, _ = system_of(network(6))
    fac = auto.factor(A)
    assert fac.name == "superlu" and "no large-system solver" in fac.description


# end to end through the analyses ----------------------------------------------------------
class Recording:
    """Wraps a solver and records what each factorisation did."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.name = "recording"
        self.used: list[str] = []

    def factor(self, A: sp.csc_array) -> object:
        fac = self.inner.factor(A)  # type: ignore[attr-defined]
        self.used.append(fac.name)
        return fac


def rc_circuit(inductor: bool) -> xbar.Circuit:
    c = network(14, n=50, grounded=2)
    c.C("1", "n5", "0", 1e-9)
    c.C("2", "n6", "n7", 1e-9)
    if inductor:
        c.L("1", "n6", "n8", 1e-6)
    return c


@pytest.mark.parametrize("name", _solvers())
@pytest.mark.parametrize("inductor", [False, True])
def test_op_and_transient_through_the_analyses(name: str, inductor: bool) -> None:
    ref = rc_circuit(inductor)
    ref_op = ref.op()
    ref_tr = ref.tran(1e-7, 2e-6)
    c = rc_circuit(inductor)
    rec = Recording(make(name))
    c.compile().solver = rec  # type: ignore[assignment]
    op = c.op()
    tr = c.tran(1e-7, 2e-6)
    vectors = ["v(n5)", "v(n6)", "i(vg0)"] + (["i(l1)"] if inductor else [])
    for vec in vectors:
        assert abs(op[vec] - ref_op[vec]) <= 1e-9 * max(abs(ref_op[vec]), 1e-12), vec
        scale = float(np.max(np.abs(ref_tr[vec])))
        np.testing.assert_allclose(tr[vec], ref_tr[vec], rtol=0, atol=1e-9 * scale)
    # an inductor's branch (0 V floating source at DC, -L/h on the diagonal in a transient)
    # is not eliminated: those systems go to SuperLU; RC networks never do
    assert ("superlu" in rec.used) == inductor, rec.used
    assert expected_name(name) in rec.used or inductor


def _bench() -> object:
    path = Path(__file__).resolve().parent.parent / "benchmarks" / "bench_solvers.py"
    spec = importlib.util.spec_from_file_location("bench_solvers", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("name", _solvers())
def test_bench_crossbar_agrees_with_superlu(name: str) -> None:
    bench = _bench()
    c = bench.build_crossbar(24)  # type: ignore[attr-defined]
    A, b, nn = system_of(c)
    assert A.shape[0] == 2 * 24 * 24 + 3 * 24  # nodes, driver nodes, 2N source branches
    fac = make(name).factor(A)  # type: ignore[attr-defined]
    assert fac.name == expected_name(name)
    x_lu = SuperLUSolver().factor(A).solve(b)
    assert rel_diff(fac.solve(b), x_lu, nn) < REL
