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
    rows = L.slow_rows(tmp_path)
    assert len(rows) == 1 and rows[0].status == "not reproduced"
    assert H.ENV_VAR in rows[0].note and H.SOURCE_URL in rows[0].note
    assert L.main(["--splits", "1", "--out", str(tmp_path / "x.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: Hillenbrand et al. (1995) vowel data not found")
    assert not (tmp_path / "x.json").exists()


def test_study_files_are_checked(tmp_path):
    with pytest.raises(DataError, match="cannot read"):
        L.read_study(tmp_path / "absent.json")
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(DataError, match="not a vowel-study JSON"):
        L.read_study(tmp_path / "bad.json")
    (tmp_path / "old.json").write_text('{"version": 0}')
    with pytest.raises(DataError, match="format version"):
        L.read_study(tmp_path / "old.json")


@pytest.mark.slow
def test_miniature_study_gives_rows_plots_and_csv(tmp_path):
    """A one-split miniature of the study runs end to end; it gives rows, plots and a CSV."""
    _data_or_skip()
    study = L.vowel_study(n_splits=1, steps=2, mlp_steps=100, scaling=[(2, 2), (1, 1)],
                          scaling_splits=1, map_points=7, progress=False, workers=2,
                          classifier={"restarts": 1, "max_iter": 60})
    assert study["scaling"][1]["test"] == [] and "configurations" in study["scaling"][1]["not_trained"]
    L.write_study(study, tmp_path / "vowels.json")
    study = L.read_study(tmp_path / "vowels.json")
    assert study["splits"][0]["n_parameters"] == 32
    assert study["samples"] == 259 and study["speakers"] == 37
    s0 = study["splits"][0]
    assert (s0["train"], s0["test"]) == (203, 56)
    assert set(s0["maps"]) == {"0"}  # steps 10, 20, 80 are beyond the 2 steps run
    import matplotlib.pyplot as plt

    rows = L._vowel_rows(study, tmp_path, plt)
    quantities = " | ".join(r.quantity for r in rows)
    assert "testing subset" in quantities and "47 trained parameters" in quantities
    assert "chain length N" in quantities
    for r in rows:
        assert r.status in ("ok", "differs")
        assert r.note or r.status == "ok"
        if r.plot:
            assert (tmp_path / r.plot).is_file()
    L.write_split_csv(study, tmp_path / "splits.csv")
    lines = (tmp_path / "splits.csv").read_text().splitlines()
    assert lines[0].startswith("split,train_samples,test_samples,final_train") and len(lines) == 2
    assert lines[1].startswith("0,203,56,")


@pytest.mark.slow
def test_vowel_study_is_deterministic():
    """Determinism: the same seeds give the same rates, controls and lookup table."""
    _data_or_skip()
    kw = {"n_splits": 1, "steps": 20, "mlp_steps": 200, "scaling": [], "map_points": 5,
          "progress": False}
    a, b = L.vowel_study(**kw)["splits"][0], L.vowel_study(**kw)["splits"][0]
    for key in ("rate_train", "rate_test", "final_train", "final_test", "software_test", "lut",
                "controls", "mlp47"):
        assert a[key] == b[key], key
