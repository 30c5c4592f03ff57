"""Neural networks on simulated spintronic crossbars.

The layer above :mod:`xbar.crossbar`: train a dense network in numpy (:mod:`xbar.nn.mlp`),
map its weights onto device conductance levels (:mod:`xbar.nn.levels`,
:mod:`xbar.nn.mapping`), and evaluate it image by image through simulated arrays with wire IR
drop, converters and bias-dependent cells (:mod:`xbar.nn.hardware`, :mod:`xbar.nn.network`).
:mod:`xbar.nn.chain_classifier` is a different kind of network: a chain of series STT-MTJs
read by its switching configuration (Lopez et al. 2024), trainable with a scikit-learn
interface (:class:`ChainClassifier`).
Nothing below this package imports it. Data sets are in :mod:`xbar.datasets`.

Examples
--------
>>> import numpy as np
>>> from xbar.nn import LevelSet, map_weights
>>> levels = LevelSet.from_rp_tmr(10e3, 1.0, 3)          # 3 states, TMR 100 %
>>> m = map_weights(np.array([[0.9, -0.2], [0.1, -1.0]]), levels, "signed")
>>> m.quantized.round(3).tolist()
[[1.0, -0.5], [0.5, -1.0]]
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ACTIVATIONS": "activations", "DeviceSigmoid": "activations", "get_activation": "activations",
    "ChainClassifier": "chain_classifier", "JunctionStatistics": "chain_classifier",
    "TrainingHistory": "chain_classifier", "junction_statistics": "chain_classifier",
    "lopez2024_cards": "chain_classifier", "simulate_chain": "chain_classifier",
    "li2022_sigmoid": "activations",
    "HardwareConfig": "hardware", "HardwareLayer": "hardware", "read_check": "hardware",
    "LevelSet": "levels",
    "SCHEMES": "mapping", "MappedLayer": "mapping", "map_weights": "mapping",
    "MLP": "mlp", "forward": "mlp", "train_mlp": "mlp",
    "MODES": "network", "Evaluation": "network", "HardwareNetwork": "network", "ModeResult": "network",
}


def __getattr__(name: str) -> Any:
    """Import the public names lazily, so that ``xbar nn --help`` starts fast."""
    mod = _EXPORTS.get(name)
    if mod is None:
        raise AttributeError(f"module 'xbar.nn' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"xbar.nn.{mod}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


__all__ = [
    "ACTIVATIONS",
    "MLP",
    "MODES",
    "SCHEMES",
    "ChainClassifier",
    "DeviceSigmoid",
    "Evaluation",
    "HardwareConfig",
    "HardwareLayer",
    "HardwareNetwork",
    "JunctionStatistics",
    "LevelSet",
    "MappedLayer",
    "ModeResult",
    "TrainingHistory",
    "forward",
    "get_activation",
    "junction_statistics",
    "li2022_sigmoid",
    "lopez2024_cards",
    "map_weights",
    "read_check",
    "simulate_chain",
    "train_mlp",
]
