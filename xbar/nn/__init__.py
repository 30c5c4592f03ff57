"""Neural networks on simulated spintronic crossbars.

The layer above :mod:`xbar.crossbar`: train a dense network in numpy (:mod:`xbar.nn.mlp`),
map its weights onto device conductance levels (:mod:`xbar.nn.levels`,
:mod:`xbar.nn.mapping`), and evaluate it image by image through simulated arrays with wire IR
drop, converters and bias-dependent cells (:mod:`xbar.nn.hardware`, :mod:`xbar.nn.network`).
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
    "DeviceSigmoid",
    "Evaluation",
    "HardwareConfig",
    "HardwareLayer",
    "HardwareNetwork",
    "LevelSet",
    "MappedLayer",
    "ModeResult",
    "forward",
    "get_activation",
    "li2022_sigmoid",
    "map_weights",
    "read_check",
    "train_mlp",
]
