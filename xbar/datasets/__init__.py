"""Data sets for xbar's examples, reproductions and neural-network layer.

This package sits below :mod:`xbar.nn` and depends on numpy only. Every loader takes a path
(or finds the data at documented default locations) and raises :class:`xbar.errors.DataError`
naming the path, what was expected and how to obtain a missing data set.
"""

from __future__ import annotations

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
    "Dataset",
    "load_dataset",
    "load_fashion_mnist",
    "load_idx_folder",
    "load_mnist10k",
    "read_idx",
    "write_idx",
]
