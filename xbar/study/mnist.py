"""MNIST for the built-in accuracy experiment: a folder given by the study or ``$XBAR_MNIST_DIR``.

The files are read by :mod:`xbar.datasets` (the IDX reader and split of the neural-network
layer), so a study sees exactly the images and the train/test split ``xbar nn`` sees: the four
standard files give the official sets; one image/label pair (the 10k-digit set) is split
8,000/2,000 by the seeded permutation of :func:`xbar.datasets.load_mnist10k`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from xbar.datasets.idx import read_idx
from xbar.errors import DataError

__all__ = ["ENV_VAR", "find_mnist", "load_mnist", "read_idx"]

ENV_VAR = "XBAR_MNIST_DIR"
# (images, labels) file pairs a folder may hold, in order of preference
_PAIRS = (
    ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    ("images-idx3-ubyte", "labels-idx1-ubyte"),
)
_TEST_PAIR = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def _file(folder: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem):
        if (folder / name).is_file():
            return folder / name
    return None


def find_mnist(folder: str | Path | None = None) -> Path:
    """The folder holding MNIST IDX files: ``folder``, else ``$XBAR_MNIST_DIR``.

    Raises
    ------
    DataError
        No folder given or no IDX image/label pair in it (the message says what to do).
    """
    if folder is None:
        folder = os.environ.get(ENV_VAR)
    if not folder:
        raise DataError(f"no MNIST folder given: set the experiment parameter 'data' (run.params.data) or "
                        f"${ENV_VAR} to a folder with the IDX files train-images-idx3-ubyte[.gz] and "
                        "train-labels-idx1-ubyte[.gz] (and t10k-*), or images-idx3-ubyte[.gz] and "
                        "labels-idx1-ubyte[.gz]")
    p = Path(folder).expanduser()
    if not p.is_dir():
        raise DataError(f"{p}: MNIST folder not found")
    if not any(_file(p, a) and _file(p, b) for a, b in _PAIRS):
        raise DataError(f"{p}: no MNIST IDX files (expected train-images-idx3-ubyte[.gz] + "
                        "train-labels-idx1-ubyte[.gz], or images-idx3-ubyte[.gz] + labels-idx1-ubyte[.gz])")
    return p


def load_mnist(folder: str | Path | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(train images, train labels, test images, test labels)`` as uint8 arrays.

    With the four standard files, train and test are the official sets; with one image/label
    pair (the 10k-digit set), the split of :func:`xbar.datasets.load_mnist10k` (8,000/2,000).
    """
    from xbar.datasets import load_idx_folder, load_mnist10k

    p = find_mnist(folder)
    four = all(_file(p, stem) for stem in (*_PAIRS[0], *_TEST_PAIR))
    data = load_idx_folder(p) if four else load_mnist10k(p, n_test=None)
    return data.x_train, data.y_train, data.x_test, data.y_test
