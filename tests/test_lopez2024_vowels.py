"""Lopez 2024 vowel reproduction: MLP baselines, the cached study, its rows, missing data."""

from __future__ import annotations

import os

import numpy as np
import pytest

from xbar.datasets import hillenbrand as H
from xbar.errors import DataError
from xbar.reproduce import lopez2024 as L

os.environ.setdefault("MPLBACKEND", "Agg")


def _data_or_skip() -> H.VowelSet:
    try:
        return H.load_vowels()
    except DataError:
        pytest.skip("Hillenbrand data not available")


def test_mlp_baselines_have_the_papers_parameter_counts():
    rng = np.random.default_rng(0)
    centres = rng.normal(0, 3, (7, 12))
    y = np.repeat(np.arange(7), 12)
    x = centres[y] + rng.normal(0, 1, (len(y), 12))
    a = L.mlp_baseline(x[::2], y[::2], x[1::2], y[1::2], 1, steps=200, eval_every=50)
    b = L.mlp_baseline(x[::2], y[::2], x[1::2], y[1::2], 2, steps=200, eval_every=50)
    assert (a.n_params, b.n_params) == (27, 47)
    assert list(b.steps) == [0, 50, 100, 150, 200]
    assert b.rate_train[-1] > 0.8
    again = L.mlp_baseline(x[::2], y[::2], x[1::2], y[1::2], 2, steps=200, eval_every=50)
    np.testing.assert_array_equal(again.rate_test, b.rate_test)


def test_missing_data_ends_with_the_clear_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(H.ENV_VAR, str(tmp_path / "nowhere"))
    monkeypatch.setattr(L, "VOWEL_CACHE", tmp_path / "absent.json")
    import matplotlib.pyplot as plt

    rows = L._vowel_rows(tmp_path, plt)
    assert len(rows) == 1 and rows[0].status == "not reproduced"
    assert H.ENV_VAR in rows[0].note and H.SOURCE_URL in rows[0].note
    assert L.main(["--splits", "1", "--out", str(tmp_path / "x.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Hillenbrand et al. (1995) vowel data not found")


def test_study_cache_rows_and_plots(tmp_path, monkeypatch):
    """A one-split miniature of the study runs end to end; its cache gives rows and plots."""
    _data_or_skip()
    study = L.vowel_study(n_splits=1, steps=2, mlp_steps=100, scaling=[(2, 2)], scaling_splits=1,
                          map_points=7, progress=False, classifier={"restarts": 1, "max_iter": 60})
    cache = tmp_path / "vowels.json"
    L.write_vowel_cache(study, cache)
    monkeypatch.setattr(L, "VOWEL_CACHE", cache)
    assert L.read_vowel_cache(cache)["splits"][0]["n_parameters"] == 32
    import matplotlib.pyplot as plt

    rows = L._vowel_rows(tmp_path, plt)
    quantities = " | ".join(r.quantity for r in rows)
    assert "testing subset" in quantities and "47 trained parameters" in quantities
    assert "chain length N" in quantities
    for r in rows:
        assert r.status in ("ok", "differs")
        assert r.note or r.status == "ok"
        if r.plot:
            assert (tmp_path / r.plot).is_file()


def test_committed_cache_is_complete():
    study = L.read_vowel_cache()
    if study is None:
        pytest.skip("docs/lopez2024_vowels.json not generated")
    assert len(study["splits"]) == 10
    assert study["samples"] == 259 and study["speakers"] == 37
    for s in study["splits"]:
        assert s["train"] == 203 and s["test"] == 56
        assert s["steps"][-1] == 80 and len(s["controls"]) == 81
    assert set(study["splits"][0]["maps"]) == {str(k) for k in L.MAP_STEPS}


@pytest.mark.slow
def test_cached_split_0_is_reproducible():
    """Determinism: recomputing split 0 with the cache's settings gives the cached numbers."""
    study = L.read_vowel_cache()
    if study is None:
        pytest.skip("docs/lopez2024_vowels.json not generated")
    _data_or_skip()
    again = L.vowel_study(n_splits=1, scaling=[], progress=False)
    a, b = again["splits"][0], study["splits"][0]
    for key in ("rate_train", "rate_test", "final_train", "final_test", "software_test", "lut",
                "controls"):
        assert a[key] == b[key], key
