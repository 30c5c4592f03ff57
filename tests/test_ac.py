""".ac small-signal analysis: frequencies, closed forms, accessors, outputs, the spintronic kinds.

Golden comparisons of whole decks with ngspice are in tests/golden (ac_*); here the API, the
output formats, the dense and sparse solvers, and the MTJ kinds (compared with ngspice through
their behavioural export, as the .op parity tests do).
"""

from __future__ import annotations

import csv
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import xbar
from xbar.analysis import ac as ac_module
from xbar.analysis.ac import AcSpec
from xbar.errors import NetlistError, SingularMatrixError, XbarError
from xbar.io.export import results_to_plots
from xbar.io.rawfile import read_rawfile, write_rawfile

ROOT = Path(__file__).resolve().parents[1]
needs_ngspice = pytest.mark.skipif(shutil.which("ngspice") is None, reason="ngspice is not installed")


def _rc(r: float = 1e3, c: float = 1e-6) -> xbar.Circuit:
    ckt = xbar.Circuit("rc")
    ckt.V("1", "in", "0", 0.5, ac=(2.0, 30.0))
    ckt.R("1", "in", "out", r)
    ckt.C("1", "out", "0", c)
    return ckt


@pytest.mark.parametrize(("spec", "expected"), [
    (("dec", 10, 1.0, 1e3), 1.0 * 10 ** (np.arange(31) / 10)),
    (("dec", 2, 1.0, 1e3), 1.0 * 10 ** (np.arange(7) / 2)),
    (("oct", 2, 1.0, 10.0), 2.0 ** (np.arange(7) / 2)),
    (("oct", 3, 1.0, 1.5), 2.0 ** (np.arange(2) / 3)),
    (("lin", 5, 0.0, 100.0), np.linspace(0, 100, 5)),
    (("lin", 3, 10.0, 100.0), np.array([10.0, 55.0, 100.0])),
    (("lin", 1, 10.0, 100.0), np.array([10.0])),
    (("lin", 2, 10.0, 100.0), np.array([10.0, 100.0])),  # ngspice 39 gives only 10
    (("dec", 3, 10.0, 20.0), np.array([10.0])),  # ngspice 39 loops forever
    (("dec", 1, 10.0, 10.0), np.array([10.0])),  # ngspice 39 gives no point
])
def test_frequency_points_follow_ngspice(spec, expected):
    f = AcSpec(*spec).frequencies()
    np.testing.assert_allclose(f, expected, rtol=1e-12)


def test_rc_lowpass_closed_form_and_print_forms():
    ckt = _rc()
    res = ckt.ac("dec", 20, 1.0, 1e6)
    f = res.frequency
    h = 1.0 / (1.0 + 2j * np.pi * f * 1e-3)
    src = 2.0 * np.exp(1j * np.pi / 6)
    np.testing.assert_allclose(res["v(out)"], src * h, rtol=1e-12)
    np.testing.assert_allclose(res["vm(out)"], np.abs(src * h), rtol=1e-12)
    np.testing.assert_allclose(res["vp(out)"], np.angle(src * h), rtol=1e-12)
    np.testing.assert_allclose(res["vdb(out)"], 20 * np.log10(np.abs(src * h)), rtol=1e-12)
    np.testing.assert_allclose(res["vr(out)"], (src * h).real, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(res["vi(out)"], (src * h).imag, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(res["vm(in,out)"], np.abs(src * (1 - h)), rtol=1e-12)
    np.testing.assert_allclose(res["mag(i(v1))"], np.abs(src * (1 - h) / 1e3), rtol=1e-12)
    np.testing.assert_allclose(res["db(v(out))"], res["vdb(out)"], rtol=1e-15)
    np.testing.assert_allclose(res.phase("v(out)", degrees=True), np.degrees(np.angle(src * h)))
    assert res.operating_point["v(out)"] == pytest.approx(0.5)
    assert "vm(out)" in res and "vm(nowhere)" not in res
    with pytest.raises(XbarError, match="no vector 'v\\(nowhere\\)'"):
        res["v(nowhere)"]


def test_series_rlc_resonance():
    ckt = xbar.Circuit("rlc")
    ckt.I("1", "0", "a", 0.0, ac=1.0)
    ckt.R("1", "a", "0", 1e3)
    ckt.L("1", "a", "b", 1e-3)
    ckt.C("1", "b", "0", 1e-9)
    f0 = 1 / (2 * math.pi * math.sqrt(1e-3 * 1e-9))
    res = ckt.ac("lin", 1, f0, f0)
    # at resonance the series LC is a short: all of the current goes through it
    assert abs(res["i(l1)"][0]) == pytest.approx(1.0, rel=1e-9)
    assert abs(res["v(a)"][0]) < 1e-6


def test_dense_and_sparse_solvers_agree(monkeypatch):
    ckt = xbar.Circuit("ladder")
    ckt.V("1", "n0", "0", 0.0, ac=1.0)
    rng = np.random.default_rng(2)
    for k in range(60):
        ckt.R(f"s{k}", f"n{k}", f"n{k + 1}", rng.uniform(10, 100))
        ckt.C(f"p{k}", f"n{k + 1}", "0", rng.uniform(1e-12, 1e-11))
        ckt.L(f"l{k}", f"n{k + 1}", f"m{k}", rng.uniform(1e-9, 1e-8))
        ckt.R(f"g{k}", f"m{k}", "0", rng.uniform(1e3, 1e4))
    dense = ckt.ac("dec", 5, 1e6, 1e10)
    monkeypatch.setattr(ac_module, "DENSE_MAX", 0)
    sparse = ckt.ac("dec", 5, 1e6, 1e10)
    np.testing.assert_allclose(sparse.data, dense.data, rtol=1e-9, atol=1e-15)


def test_nonlinear_devices_are_linearised_at_the_operating_point():
    ckt = xbar.Circuit("diode")
    ckt.model("d", "d", **{"is": 1e-14, "n": 1.0, "cjo": 1e-12, "tt": 1e-9})
    ckt.V("1", "a", "0", 5.0, ac=1.0)
    ckt.R("1", "a", "k", 1e3)
    ckt.D("1", "k", "0", "d")
    res = ckt.ac("lin", 1, 1.0, 1.0)
    vd = res.operating_point["v(k)"]
    vt = 1.38064852e-23 * 300.15 / 1.6021766208e-19
    gd = 1e-14 * math.exp(vd / vt) / vt + 1e-12
    assert res["v(k)"][0].real == pytest.approx(1e-3 / (1e-3 + gd), rel=1e-9)


def test_csv_forms(tmp_path):
    res = _rc().ac("dec", 2, 10.0, 1e3)
    path = tmp_path / "ac.csv"
    res.to_csv(path)
    rows = list(csv.reader(path.read_text().splitlines()))
    assert rows[0] == ["frequency", "vr(in)", "vi(in)", "vr(out)", "vi(out)", "real(i(v1))", "imag(i(v1))"]
    assert float(rows[1][3]) == res["v(out)"][0].real
    res.to_csv(path, ["v(out)", "vdb(out)"], form="magphase")
    rows = list(csv.reader(path.read_text().splitlines()))
    assert rows[0] == ["frequency", "vm(out)", "vp_deg(out)", "vdb(out)"]
    assert float(rows[2][2]) == pytest.approx(np.degrees(np.angle(res["v(out)"][1])))
    with pytest.raises(XbarError, match="form must be"):
        res.to_csv(path, form="polar")


def test_rawfile_round_trip(tmp_path):
    res = _rc().ac("oct", 3, 10.0, 1e3)
    path = tmp_path / "ac.raw"
    write_rawfile(path, results_to_plots([res]))
    (plot,) = read_rawfile(path)
    assert plot.plotname == "AC Analysis" and plot.flags == "complex"
    np.testing.assert_array_equal(plot["v(out)"], res["v(out)"])
    np.testing.assert_array_equal(plot["frequency"].real, res.frequency)


@pytest.mark.ngspice
@needs_ngspice
def test_ngspice_loads_the_complex_rawfile(tmp_path):
    res = _rc().ac("dec", 3, 10.0, 1e4)
    write_rawfile(tmp_path / "ac.raw", results_to_plots([res]))
    (tmp_path / "load.cir").write_text(
        "load\n.control\nload ac.raw\nprint vm(out) vp(out)\n.endc\n.end\n")
    out = subprocess.run(["ngspice", "-b", "load.cir"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=120, check=False).stdout
    rows = [ln.split() for ln in out.splitlines() if ln[:1].isdigit()]
    assert len(rows) == len(res.frequency)
    # ngspice prints 7 significant digits
    np.testing.assert_allclose([float(r[1]) for r in rows], res["vm(out)"], rtol=1e-5)
    np.testing.assert_allclose([float(r[2]) for r in rows], res["vp(out)"], rtol=1e-5, atol=1e-6)


def test_cli_prints_and_writes_ac(tmp_path, capsys):
    from xbar.cli import main

    deck = tmp_path / "rc.cir"
    deck.write_text("rc\nV1 in 0 DC 0 AC 1\nR1 in out 1k\nC1 out 0 1u\n.ac dec 2 10 1k\n"
                    ".print ac vm(out) vp(out) v(out)\n.end\n")
    assert main(["run", str(deck), "--csv", str(tmp_path / "o.csv"), "--raw", str(tmp_path / "o.raw")]) == 0
    out = capsys.readouterr().out
    assert ("vm(out)" in out and "9.980319e-01" in out.replace(" ", "")) or "9.980319e-01" in out
    (plot,) = read_rawfile(tmp_path / "o.raw")
    assert plot.flags == "complex"
    assert (tmp_path / "o.csv").read_text().startswith("frequency,")


@pytest.mark.parametrize(("card", "match"), [
    (".ac dec 10 0 1k", r"3:12: \.ac dec sweeps need fstart > 0, got 0"),
    (".ac dec 10 1k 1", r"3:15: \.ac fstop 1 is below fstart 1000"),
    (".ac log 10 1 1k", r"3:5: '\.ac' sweep type must be dec, oct or lin, got 'log'"),
    (".ac dec 2.5 1 1k", r"3:9: \.ac number of points must be a positive integer, got 2\.5"),
    (".ac dec 10 1", r"'\.ac dec' needs points, fstart and fstop"),
    (".ac lin 10 1 1k 5", r"3:17: unexpected '5'"),
    (".ac dec 1e9 1 1e9", r"more than the limit max_sweep_points"),
])
def test_ac_card_errors(card, match):
    with pytest.raises(NetlistError, match=match):
        xbar.read_netlist_text(f"t\nV1 a 0 AC 1\n{card}\nR1 a 0 1\n", name="deck.cir")


def test_source_ac_specs_and_errors():
    net = xbar.read_netlist_text("t\nV1 a 0 AC\nI1 0 b DC 1m AC 2 -90\nR1 a 0 1\nR2 b 0 1\n.ac lin 1 1 1\n")
    assert net.circuit.ac_specs == {"v1": (1.0, 0.0), "i1": (2.0, -90.0)}
    res = net.run()[0]
    assert res["v(b)"][0] == pytest.approx(-2j)
    with pytest.raises(NetlistError, match="AC given twice"):
        xbar.read_netlist_text("t\nV1 a 0 AC 1 AC 2\nR1 a 0 1\n")


def test_singular_small_signal_matrix_names_the_frequency():
    ckt = xbar.Circuit("lc")
    ckt.V("1", "a", "0", 0.0, ac=1.0)
    ckt.C("1", "a", "b", 1e-6)
    ckt.L("1", "b", "0", 1e-3)
    f0 = 1 / (2 * math.pi * math.sqrt(1e-3 * 1e-6))
    with pytest.raises(SingularMatrixError, match=r"\.ac: the small-signal matrix is singular at 5032\.9"):
        ckt.ac("lin", 1, f0, f0)


# ---- spintronic kinds: small-signal conductances from their exact Jacobians ----------------------
def _mtj_circuits() -> dict[str, xbar.Circuit]:
    from xbar.reproduce import bandyopadhyay2024 as repro

    out = {}
    c = xbar.Circuit("mtj ac")
    c.model("m1", "mtj", rp=1e3, tmr0=1.2, vh=0.5, vb=5)
    c.V("1", "a", "0", 0.7, ac=1.0)
    c.R("s", "a", "b", 300.0)
    c.C("b", "b", "0", 1e-12)
    c.Y("1", ["b", "0"], "m1", state=1)
    c.Y("2", ["b", "c"], "m1", state=0)
    c.R("l", "c", "0", 500.0)
    out["mtj"] = c
    c = xbar.Circuit("mtj_field ac")
    c.load_models(ROOT / "compact_models" / "lopez2024_stt.lib", ["lopez_j1"])
    c.V("1", "a", "0", 0.4, ac=(1.0, 45.0))
    c.R("s", "a", "b", 200.0)
    c.C("b", "b", "0", 2e-12)
    c.Y("1", ["b", "0"], "lopez_j1", state=1)
    out["mtj_field"] = c
    c = xbar.Circuit("sotmtj ac")
    c.load_models(ROOT / "compact_models" / "kumar2024_sot.lib", ["kumar_sot_t20"])
    nominal = {k: 0.0 for k in ("rp_sigma", "tmr_sigma", "hc_sigma", "ic_sigma", "tf_sigma", "vb_sigma")}
    c.models["kumar_sot_t20"].params.update(nominal)  # the export is of the nominal device
    c.V("w", "w1", "0", 0.9, ac=1.0)
    c.V("r", "rd", "0", 0.35)
    c.R("ref", "rd", "t", 2e3)
    c.C("t", "t", "0", 5e-13)
    c.Y("1", ["w1", "0", "t"], "kumar_sot_t20", ncell=3, state=5)
    out["sotmtj"] = c
    c = xbar.Circuit("smtj ac")
    c.model("m", "smtj", **repro.fig5_card())
    c.V("1", "a", "0", 0.3)
    c.V("g", "g", "0", -0.15, ac=1.0)
    c.R("s", "a", "b", 300.0)
    c.R("gs", "g", "gg", 1e4)
    c.Y("1", ["b", "0", "gg"], "m")
    c.R("l", "b", "0", 5e3)
    out["smtj"] = c
    c = xbar.Circuit("cogd ac")
    c.model("m", "cogd", nreg=10, roff=0.05, rhp=150.0, rhm=80.0)
    c.I("1", "0", "a", 7e-3, ac=1e-3)
    c.R("l1", "a", "0", 900.0)
    c.C("a", "a", "0", 1e-9)
    c.Y("1", ["a", "b", "h1", "h2"], "m", hx=-0.05, mz0=0.4)
    c.R("l2", "b", "0", 2e3)
    c.R("l3", "h1", "h2", 500.0)
    out["cogd"] = c
    return out


@pytest.mark.parametrize("kind", ["mtj", "mtj_field", "sotmtj", "smtj", "cogd"])
def test_spintronic_kinds_small_signal_matches_finite_difference_of_dc(kind):
    """The AC response at low frequency equals d(DC solution)/d(source) by finite differences."""
    c = _mtj_circuits()[kind]
    res = c.ac("lin", 1, 1e-3, 1e-3)
    src = next(name for name in c.ac_specs)
    system = c.compile()
    group, idx = system.group_of(src)
    v0 = group.get_param(idx, "dc")
    h = 1e-6
    group.set_param(idx, "dc", v0 + h)
    up = c.op()
    group.set_param(idx, "dc", v0 - h)
    down = c.op()
    group.set_param(idx, "dc", v0)
    for name in [n for n in up.names if n.startswith(("v(", "i(")) and "#" not in n]:
        fd = (up[name] - down[name]) / (2 * h) * abs(c.ac_specs[src][0]) * np.exp(
            1j * np.radians(c.ac_specs[src][1]))
        assert res[name][0] == pytest.approx(fd, rel=1e-5, abs=1e-9 * max(1.0, abs(fd))), name


@pytest.mark.ngspice
@needs_ngspice
@pytest.mark.parametrize("kind", ["mtj", "mtj_field", "sotmtj", "smtj", "cogd"])
def test_spintronic_kinds_ac_parity_with_ngspice(kind):
    from xbar.testing.ngspice import run_ngspice

    c = _mtj_circuits()[kind]
    c.set_options(reltol=1e-9, vntol=1e-12, abstol=1e-16)
    res = c.ac("dec", 4, 1e3, 1e10)
    plots = run_ngspice(text=c.to_netlist([".ac dec 4 1k 10g"]))
    (ref,) = [p for p in plots if p.plotname == "AC Analysis"]
    compared = 0
    for name in ref.names:
        if name == "frequency" or name not in res.names:
            continue
        want = ref[name]
        got = res[name]
        tol = 1e-6 * np.abs(want) + 1e-12 * max(1.0, float(np.max(np.abs(want))))
        assert np.all(np.abs(got - want) <= tol), (name, np.max(np.abs(got - want)))
        compared += 1
    assert compared >= 3


def test_control_language_runs_ac_and_prints_like_ngspice():
    import io

    net = xbar.read_netlist_text("t\nV1 in 0 DC 0 AC 1\nR1 in out 1k\nC1 out 0 1u\n.control\n"
                                 "ac dec 2 10 1k\nprint vm(out) vp(out)\n.endc\n.end\n")
    out = io.StringIO()
    net.run_control(out)
    rows = [ln.split() for ln in out.getvalue().splitlines() if ln[:1].isdigit()]
    # ngspice 39 prints these numbers for this deck (vp in radians)
    assert rows[0] == ["0", "1.000000e+01", "9.980319e-01", "-6.27494e-02"]
    assert rows[4] == ["4", "1.000000e+03", "1.571767e-01", "-1.41297e+00"]
