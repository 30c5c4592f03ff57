"""The neural-network study experiment: an MLP on device levels, run by xbar.study."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from xbar.errors import ParameterError, StudyError
from xbar.study import Study, list_experiments, read_results, run_study
from xbar.study.runner import validate

ROOT = Path(__file__).resolve().parents[1]


def _mnist10k() -> Path | None:
    for p in (os.environ.get("XBAR_MNIST10K"), ROOT.parent / "shared" / "data" / "mnist10k"):
        if p and (Path(p) / "images-idx3-ubyte.gz").is_file():
            return Path(p)
    return None


def test_registered_with_the_study_layer() -> None:
    names = {e.name for e in list_experiments()}
    assert "mnist-mlp-devices" in names


def test_mlp_on_device_levels_over_tmr_and_states(tmp_path: Path) -> None:
    data = _mnist10k()
    if data is None:
        pytest.skip("the MNIST 10k IDX files are not available (set XBAR_MNIST10K)")
    study = Study.from_dict({"study": {"seed": 3},
                             "run": {"experiment": "mnist-mlp-devices",
                                     "params": {"data_path": str(data), "sizes": "784,32,10", "epochs": 3,
                                                "n_test": 600},
                                     "outputs": ["accuracy", "float_accuracy", "levels_min"]},
                             "axes": {"tmr": [20.0, 260.0], "states": [2, 7]}}, base_dir=tmp_path)
    run_study(study, serial=True, progress=False)
    t = read_results(study.results)
    assert t.ok().all()
    acc = {(tm, s): a for tm, s, a in zip(t["tmr"], t["states"], t["accuracy"], strict=True)}
    assert 0.8 < t["float_accuracy"][0] < 1.0
    assert acc[(260.0, 7)] > acc[(20.0, 2)]  # more TMR and more states: weights closer to float
    assert acc[(260.0, 7)] <= t["float_accuracy"][0] + 0.03
    lm = {(tm, s): v for tm, s, v in zip(t["tmr"], t["states"], t["levels_min"], strict=True)}
    assert lm[(260.0, 2)] == pytest.approx(1 / 3.6)


def test_bad_parameters_are_reported(tmp_path: Path) -> None:
    from xbar.nn.study_experiments import mnist_mlp_devices

    with pytest.raises(ParameterError, match="levels must be 'rp-tmr' or 'sot'"):
        mnist_mlp_devices({}, levels="flash")
    with pytest.raises(StudyError, match="setup parameter"):
        validate(Study.from_dict({"run": {"experiment": "mnist-mlp-devices"}, "axes": {"epochs": [1, 2]}},
                                 base_dir=tmp_path))
