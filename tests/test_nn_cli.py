"""``xbar nn`` command line: train, map, evaluate, and its errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from xbar.cli import main
from xbar.datasets import write_idx
from xbar.errors import ParameterError
from xbar.nn.cli import parse_levels


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small MNIST-format data set: class = brightest quadrant, learnable in a few epochs."""
    rng = np.random.default_rng(0)
    root = tmp_path_factory.mktemp("data")

    def make(n: int) -> tuple[np.ndarray, np.ndarray]:
        y = rng.integers(0, 4, n)
        x = rng.integers(0, 60, (n, 28, 28))
        for k, (r, c) in enumerate(((0, 0), (0, 14), (14, 0), (14, 14))):
            x[y == k, r : r + 14, c : c + 14] += 150
        return x.astype(np.uint8), y.astype(np.uint8)

    for stem, n in (("train", 400), ("t10k", 100)):
        x, y = make(n)
        write_idx(root / f"{stem}-images-idx3-ubyte.gz", x)
        write_idx(root / f"{stem}-labels-idx1-ubyte.gz", y)
    return root


def test_train_map_evaluate(folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    net = tmp_path / "net.npz"
    assert main(["nn", "train", "--data", str(folder), "--sizes", "784,8,4", "--epochs", "3", "--out", str(net),
                 "--csv", str(tmp_path / "hist.csv"), "-q"]) == 0
    assert net.is_file() and len((tmp_path / "hist.csv").read_text().splitlines()) == 4
    assert main(["nn", "map", str(net), "--levels", "sot:tf=1.9n,ncell=2", "--out", str(tmp_path / "m.npz"),
                 "--plots", str(tmp_path / "plots")]) == 0
    out = capsys.readouterr().out
    assert "2 cell(s) at t_F = 1.90 nm" in out and "784x8" in out
    assert (tmp_path / "plots" / "weights.png").stat().st_size > 1000
    with np.load(tmp_path / "m.npz") as z:
        assert z["g_plus0"].shape == (784, 8) and len(z["levels"]) == 3
    assert main(["nn", "evaluate", str(net), "--data", str(folder), "--levels", "rp-tmr:rp=10k,tmr=1.6,n=4,sigma=0.02",
                 "--modes", "float,quantized,spread,circuit", "--tile", "full", "--n-test", "60", "--n-cal", "100",
                 "--csv", str(tmp_path / "ev.csv"), "--json", str(tmp_path / "ev.json"), "--plots", str(tmp_path / "p"),
                 "-q"]) == 0
    rows = list(csv.DictReader((tmp_path / "ev.csv").read_text().splitlines()))
    assert [r["mode"] for r in rows] == ["float", "quantized", "spread", "circuit"]
    assert float(rows[0]["accuracy"]) > 0.8 and all(r["images"] == "60" for r in rows)
    data = json.loads((tmp_path / "ev.json").read_text())
    assert data["description"]["config"]["tile_rows"] == 0
    assert (tmp_path / "p" / "ir_drop.png").is_file() and (tmp_path / "p" / "confusion_circuit.png").is_file()


@pytest.mark.parametrize("argv,message", [
    (["nn", "evaluate", "absent.npz"], "absent.npz: no such weights file"),
    (["nn", "train", "--data", "cifar", "--out", "x.npz"], "unknown data set 'cifar'"),
    (["nn", "train", "--sizes", "784,a,10", "--out", "x.npz"], "--sizes must be comma-separated integers"),
])
def test_errors_are_one_line(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("xbar: error:") and message in err and "Traceback" not in err


def test_level_specifications() -> None:
    assert len(parse_levels("sot:tf=2.6n,ncell=3")) == 4
    assert parse_levels("rp-tmr:rp=10k,tmr=1,n=3").g[-1] == pytest.approx(1e-4)
    assert parse_levels("g:10u,20u").g.tolist() == pytest.approx([1e-5, 2e-5])
    for spec, msg in (("sot:tf=1.9n,cells=3", "unknown field"), ("foo:a=1", "unknown kind 'foo'"),
                      ("rp-tmr:rp=10k,tmr=1", "missing n="), ("g:", "expected g:"), ("sot:tf=abc", "not a number"),
                      ("mtj:lib=x.lib", "need card=")):
        with pytest.raises(ParameterError, match=msg):
            parse_levels(spec)
