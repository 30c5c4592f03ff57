"""Minimal MNIST reader (IDX files, gzipped or not) for the built-in accuracy experiment.

The IDX format (LeCun et al., http://yann.lecun.com/exdb/mnist/): a 4-byte magic number
(two zero bytes, the element type 0x08 = unsigned byte, the number of dimensions), one
big-endian 32-bit size per dimension, then the data in C order.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np

from xbar.errors import DataError

__all__ = ["ENV_VAR", "find_mnist", "load_mnist", "read_idx"]

ENV_VAR = "XBAR_MNIST_DIR"
# (images, labels) file pairs a folder may hold, in order of preference
_PAIRS = (
    ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    ("images-idx3-ubyte", "labels-idx1-ubyte"),
)
_TEST_PAIR = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def read_idx(path: str | Path) -> np.ndarray:
    """Read one IDX file of unsigned bytes (``.gz`` or plain) as a ``uint8`` array.

    Raises
    ------
    DataError
        Missing file, bad magic number, unsupported element type or truncated data.
    """
    p = Path(path)
    try:
        raw = gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{p}: IDX file not found") from None
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        raise DataError(f"{p}: cannot read the IDX file ({exc})") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DataError(f"{p}: not an IDX file (expected a magic number 0x0000TTDD)")
    if raw[2] != 0x08:
        raise DataError(f"{p}: IDX element type 0x{raw[2]:02x} is not supported (expected 0x08, unsigned byte)")
    ndim = raw[3]
    head = 4 + 4 * ndim
    if len(raw) < head:
        raise DataError(f"{p}: IDX header truncated")
    shape = tuple(int.from_bytes(raw[4 + 4 * k : 8 + 4 * k], "big") for k in range(ndim))
    size = int(np.prod(shape)) if shape else 0
    if len(raw) - head != size:
        raise DataError(f"{p}: IDX data has {len(raw) - head} bytes; the header {shape} needs {size}")
    return np.frombuffer(raw, dtype=np.uint8, offset=head).reshape(shape)


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
    pair (e.g. a 10k subset), the test set is the pair's last 20 % and train the rest.
    """
    p = find_mnist(folder)
    for a, b in _PAIRS:
        fa, fb = _file(p, a), _file(p, b)
        if fa and fb:
            images, labels = read_idx(fa), read_idx(fb)
            break
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataError(f"{p}: images {images.shape} and labels {labels.shape} do not match "
                        "(expected N×28×28 and N)")
    if labels.size and labels.max() > 9:
        raise DataError(f"{p}: labels outside 0-9")
    ta, tb = _file(p, _TEST_PAIR[0]), _file(p, _TEST_PAIR[1])
    if ta and tb and a.startswith("train"):
        return images, labels, read_idx(ta), read_idx(tb)
    n_test = len(images) // 5
    return images[:-n_test], labels[:-n_test], images[-n_test:], labels[-n_test:]
