"""Crossbar periphery decks (netlists/periphery_*.cir) against ngspice.

* ``periphery_cg_tia.cir`` (MOSFETs only) is also the golden case tests/golden/periphery_cg_tia;
  the two copies must stay identical.
* ``periphery_1t1mtj_read.cir`` has ``Y`` MTJ cells, which ngspice cannot read: its reference
  is ngspice's answer on xbar's export of the circuit (MTJs as behavioural sources), written by
  ``python -m xbar.testing.ngspice --regen-export netlists/periphery_1t1mtj_read.cir
  tests/golden_export``. The comparison rules are those of test_golden (``*COMP`` lines in the
  deck).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import test_golden as golden

import xbar
from xbar.testing.ngspice import read_reference_csv, run_ngspice

ROOT = Path(__file__).resolve().parents[1]
EXPORT_CASES = ["periphery_1t1mtj_read"]


def _deck(case: str) -> Path:
    return ROOT / "netlists" / f"{case}.cir"


def test_tia_deck_is_the_golden_case():
    assert (_deck("periphery_cg_tia").read_text()
            == (golden.GOLDEN / "periphery_cg_tia" / "periphery_cg_tia.cir").read_text())


@pytest.fixture(scope="module")
def results() -> dict[str, list]:
    out = {}
    for case in EXPORT_CASES:
        golden.DECK_OVERRIDES[case] = _deck(case)
        out[case] = xbar.read_netlist(_deck(case)).run()
    return out


@pytest.mark.parametrize("case", EXPORT_CASES)
def test_export_case_against_stored_reference(case, results):
    plots = read_reference_csv(ROOT / "tests" / "golden_export" / f"{case}.ngspice.csv")
    golden.compare_case(case, results[case], plots, "the stored ngspice reference of the export")


@pytest.mark.ngspice
@pytest.mark.skipif(shutil.which("ngspice") is None, reason="ngspice is not installed")
@pytest.mark.parametrize("case", EXPORT_CASES)
def test_export_case_against_live_ngspice(case, results):
    net = xbar.read_netlist(_deck(case))
    text = net.circuit.to_netlist([a.card.text for a in net.analyses])
    assert text == (ROOT / "tests" / "golden_export" / f"{case}.ngspice.cir").read_text(), (
        "the export changed: regenerate with 'python -m xbar.testing.ngspice --regen-export "
        f"netlists/{case}.cir tests/golden_export'")
    golden.compare_case(case, results[case], run_ngspice(text=text), "live ngspice")


def test_1t1mtj_read_senses_row_one(results):
    """Row 1 holds AP P AP AP: the TIA levels and comparator outputs read it."""
    tran = results["periphery_1t1mtj_read"][1]
    tia = [float(tran[f"v(tia{c})"][-1]) for c in range(4)]
    out = [float(tran[f"v(out{c})"][-1]) for c in range(4)]
    assert tia[1] > 1.47 > max(tia[0], tia[2], tia[3])
    assert out[1] < 0.9 < min(out[0], out[2], out[3])
