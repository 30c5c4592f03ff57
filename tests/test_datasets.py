"""IDX reader and the MNIST-family loaders (xbar.datasets)."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from xbar.datasets import (
    load_dataset,
    load_fashion_mnist,
    load_idx_folder,
    load_mnist10k,
    read_idx,
    write_idx,
)
from xbar.datasets.idx import MAGIC_IMAGES, MAGIC_LABELS
from xbar.errors import DataError

FASHION = Path("/usr/share/datasets/fashion-mnist")


def _mnist_folder(tmp_path: Path, n_train: int = 6, n_test: int = 4, gz: bool = True) -> Path:
    rng = np.random.default_rng(0)
    suffix = ".gz" if gz else ""
    write_idx(tmp_path / f"train-images-idx3-ubyte{suffix}", rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8))
    write_idx(tmp_path / f"train-labels-idx1-ubyte{suffix}", rng.integers(0, 10, n_train, dtype=np.uint8))
    write_idx(tmp_path / f"t10k-images-idx3-ubyte{suffix}", rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8))
    write_idx(tmp_path / f"t10k-labels-idx1-ubyte{suffix}", rng.integers(0, 10, n_test, dtype=np.uint8))
    return tmp_path


@pytest.mark.parametrize("name", ["a.idx", "a.idx.gz"])
def test_idx_round_trip(tmp_path: Path, name: str) -> None:
    arr = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / name, arr)
    back = read_idx(tmp_path / name)
    assert back.dtype == np.uint8 and back.shape == (2, 3, 4)
    assert np.array_equal(back, arr)
    raw = (tmp_path / name).read_bytes()
    assert (raw[:2] == b"\x1f\x8b") == name.endswith(".gz")


def test_idx_checks_magic_and_size(tmp_path: Path) -> None:
    write_idx(tmp_path / "labels.gz", np.zeros(5, dtype=np.uint8))
    with pytest.raises(DataError, match=r"labels\.gz: wrong IDX magic number 2049; expected 2051"):
        read_idx(tmp_path / "labels.gz", expect_magic=MAGIC_IMAGES)
    good = gzip.decompress((tmp_path / "labels.gz").read_bytes())
    (tmp_path / "cut").write_bytes(good[:-2])
    with pytest.raises(DataError, match=r"cut: truncated IDX data \(3 bytes after the header"):
        read_idx(tmp_path / "cut", expect_magic=MAGIC_LABELS)
    (tmp_path / "junk").write_bytes(b"hello world")
    with pytest.raises(DataError, match=r"junk: not an IDX file"):
        read_idx(tmp_path / "junk")
    (tmp_path / "bad.gz").write_bytes(gzip.compress(good)[:20])
    with pytest.raises(DataError, match=r"bad\.gz: corrupt or truncated gzip data"):
        read_idx(tmp_path / "bad.gz")
    with pytest.raises(DataError, match=r"nope: no such file"):
        read_idx(tmp_path / "nope")
    with pytest.raises(DataError, match="not a regular file"):
        read_idx(tmp_path)


@pytest.mark.parametrize("gz", [True, False])
def test_idx_folder(tmp_path: Path, gz: bool) -> None:
    d = load_idx_folder(_mnist_folder(tmp_path, gz=gz))
    assert d.x_train.shape == (6, 28, 28) and d.x_test.shape == (4, 28, 28)
    x, y = d.train()
    assert x.shape == (6, 784) and x.dtype == np.float64 and x.min() >= 0.0 and x.max() <= 1.0
    assert y.shape == (6,)
    assert "6 train / 4 test" in repr(d)


def test_idx_folder_errors(tmp_path: Path) -> None:
    folder = _mnist_folder(tmp_path)
    (folder / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match=r"no file named t10k-labels-idx1-ubyte\[\.gz\]"):
        load_idx_folder(folder)
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", np.zeros(3, dtype=np.uint8))
    with pytest.raises(DataError, match="3 labels for 4 images"):
        load_idx_folder(folder)
    with pytest.raises(DataError, match="not a folder"):
        load_idx_folder(folder / "missing")
    with pytest.raises(DataError, match="unknown data set 'cifar'"):
        load_dataset("cifar")


def test_missing_dataset_says_how_to_get_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XBAR_FASHION_MNIST", str(tmp_path / "absent"))
    with pytest.raises(DataError, match="apt-get install dataset-fashion-mnist"):
        load_fashion_mnist()
    monkeypatch.setenv("XBAR_MNIST", str(tmp_path / "absent"))
    with pytest.raises(DataError, match=r"XBAR_MNIST=.*absent: no such folder"):
        load_dataset("mnist")


def test_mnist10k_split_is_fixed() -> None:
    try:
        d = load_mnist10k()
    except DataError as exc:  # pragma: no cover - CI has ../shared beside the checkout
        pytest.skip(str(exc))
    assert (len(d.x_train), len(d.x_test)) == (8000, 2000)
    again = load_mnist10k()
    assert np.array_equal(d.y_test, again.y_test)
    assert np.bincount(d.y_test, minlength=10).min() > 150
    other = load_mnist10k(seed=1)
    assert not np.array_equal(other.y_test, d.y_test)
    assert "default_rng(0)" in d.source


@pytest.mark.skipif(not FASHION.is_dir(), reason="Debian package dataset-fashion-mnist not installed")
def test_fashion_mnist_from_debian() -> None:
    d = load_fashion_mnist()
    assert (len(d.x_train), len(d.x_test)) == (60000, 10000)
    assert d.classes[9] == "Ankle boot"
    assert np.bincount(d.y_test).tolist() == [1000] * 10
