"""Data sets for xbar's examples, reproductions and neural-network layer.

This package sits below :mod:`xbar.nn` and depends on numpy only. xbar ships no data: every
loader takes a path (or finds the data at documented default locations or through an
environment variable) and raises :class:`xbar.errors.DataError` naming the path, what was
expected and how to obtain a missing data set.

* :mod:`xbar.datasets.mnist`, :mod:`xbar.datasets.idx` — MNIST 10k, Fashion-MNIST, IDX files.
* :mod:`xbar.datasets.hillenbrand` — the Hillenbrand et al. (1995) vowel formants and the
  seven-vowel task of Lopez et al. (2024).
"""

from __future__ import annotations

from xbar.datasets.hillenbrand import LOPEZ2024_VOWELS, VowelSet, load_vowels, speaker_split
from xbar.datasets.idx import read_idx, write_idx
from xbar.datasets.mnist import (
    DATASETS,
    Dataset,
    load_dataset,
    load_fashion_mnist,
    load_idx_folder,
    load_mnist10k,
)

__all__ = [
    "DATASETS",
    "LOPEZ2024_VOWELS",
    "Dataset",
    "VowelSet",
    "load_dataset",
    "load_fashion_mnist",
    "load_idx_folder",
    "load_mnist10k",
    "load_vowels",
    "read_idx",
    "speaker_split",
    "write_idx",
]
