"""Fuzzing the Python API: hostile arguments to every public entry point.

For each entry point of :mod:`api_fuzzing` (``Circuit`` methods, bulk adds, models,
subcircuits, options, analyses, result accessors, ``read_netlist``, limits, and the crossbar
spec, builder, solver, batch, write and deck functions), hypothesis draws arguments mixing
valid values with wrong types, NaN/inf, huge and subnormal numbers, complex values, bad names,
wrong shapes and huge (broadcast) arrays. Only xbar's own errors may escape, no result may
hold NaN or inf, and no call may run past its deadline.

``-m slow`` adds the campaign of :func:`test_fuzz_campaign`: at least 100,000 deck mutations
and API calls, with the counts printed.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from api_fuzzing import CASES, HypothesisSource, campaign, run_call
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs SIGALRM deadlines")

# examples per entry point in the default run (about 35 s in total on the 2-core CI machine)
EXAMPLES = 15


@pytest.mark.parametrize("name", sorted(CASES))
def test_api_entry_point_fuzz(name: str) -> None:
    failures: list[str] = []

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def check(data: st.DataObject) -> None:
        outcome, detail = run_call(name, HypothesisSource(data))
        if outcome not in ("ok", "rejected"):
            failures.append(f"{outcome}: {detail}")
        assert outcome in ("ok", "rejected"), f"{name}: {outcome}: {detail}"

    check()
    assert not failures


@pytest.mark.slow
def test_fuzz_campaign(tmp_path: Path) -> None:
    """≥ 100,000 deck mutations and API calls; prints what ran and what was found."""
    from test_fuzz import SEED, fuzz

    deck_cases, api_calls = 20_000, 80_000  # about 40 min on the loaded 2-core machine
    t0 = time.perf_counter()
    api_counts, api_failures = campaign(api_calls, seed=SEED + 7)
    t_api = time.perf_counter() - t0
    t0 = time.perf_counter()
    deck_counts = fuzz(tmp_path, deck_cases, SEED + 11, check=False)
    t_deck = time.perf_counter() - t0
    deck_failures = deck_counts.pop("failures", [])
    print(f"\nfuzz campaign: {api_calls} API calls in {t_api:.0f} s: {dict(sorted(api_counts.items()))}")
    print(f"fuzz campaign: {deck_cases} deck mutations in {t_deck:.0f} s: {dict(sorted(deck_counts.items()))}")
    print(f"fuzz campaign: {api_calls + deck_cases} cases, "
          f"{len(api_failures) + len(deck_failures)} failures (escaped, NaN/inf results or hangs)")
    found = api_failures + deck_failures
    assert not found, f"{len(found)} failures:\n\n" + "\n\n".join(found[:10])


def test_run_call_reports_escapes_and_nan(monkeypatch: pytest.MonkeyPatch) -> None:
    """The harness itself: a raw exception and a NaN result are failures, xbar errors are not."""
    import api_fuzzing
    import numpy as np

    import xbar

    def raw(src: object) -> None:
        raise KeyError("boom")

    def nan(src: object) -> object:
        return np.array([1.0, np.nan])

    def rejected(src: object) -> None:
        raise xbar.NetlistError("bad argument")

    monkeypatch.setitem(api_fuzzing.CASES, "raw", raw)
    monkeypatch.setitem(api_fuzzing.CASES, "nan", nan)
    monkeypatch.setitem(api_fuzzing.CASES, "rejected", rejected)
    assert run_call("raw", None)[0] == "escaped"  # type: ignore[arg-type]
    assert run_call("nan", None)[0] == "nonfinite"  # type: ignore[arg-type]
    assert run_call("rejected", None)[0] == "rejected"  # type: ignore[arg-type]
