"""A trained network on devices: evaluation modes side by side on the same weights and images.

:class:`HardwareNetwork` maps every layer of an :class:`~xbar.nn.mlp.MLP` onto a level set
(:mod:`xbar.nn.mapping`) and evaluates the same images in up to five modes:

``"float"``      the trained network in float64;
``"quantized"``  the quantised weights, ideal matrix products (nominal devices, no wires,
                 ideal converters);
``"spread"``     every device at its own realisation of the levels (device-to-device spread
                 of the level set), ideal products;
``"circuit"``    linear cells at their programmed conductances in arrays with exact wire IR
                 drop, driver and sense circuits, DAC and ADC (:mod:`xbar.nn.hardware`);
``"device"``     the same arrays with the bias-dependent device cells (MTJ or compound
                 SOT-MTJ), solved exactly per image.

Each mode reports the accuracy, the confusion matrix and, per layer, the relative error of
the layer's matrix product against the ideal product of the quantised weights with the same
layer input (``‖y − h W_q‖ / ‖h W_q‖``). Biases and activations are applied in digital. ADC
full scales and, for unbounded activations, the DAC input range are calibrated on a
calibration set that is not the test set (by default the last 500 training images).
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from xbar.errors import ParameterError
from xbar.nn import _checks as validate
from xbar.nn.activations import get_activation
from xbar.nn.hardware import HardwareConfig, HardwareLayer, read_check
from xbar.nn.levels import LevelSet
from xbar.nn.mapping import MappedLayer, map_weights
from xbar.nn.mlp import MLP, softmax
from xbar.reprs import short_repr

__all__ = ["MODES", "Evaluation", "HardwareNetwork", "ModeResult"]

F64 = npt.NDArray[np.float64]
MODES = ("float", "quantized", "spread", "circuit", "device")


@dataclass
class ModeResult:
    """One evaluation mode on one image set."""

    __repr__ = short_repr

    mode: str
    accuracy: float
    predictions: npt.NDArray[np.int64]
    confusion: npt.NDArray[np.int64]
    layer_error: list[float]
    seconds: float
    images: int
    info: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "accuracy": self.accuracy, "images": self.images,
                "layer_error": self.layer_error, "seconds": self.seconds,
                "confusion": self.confusion.tolist(), **self.info}


@dataclass
class Evaluation:
    """Results of :meth:`HardwareNetwork.evaluate`: one :class:`ModeResult` per mode."""

    results: dict[str, ModeResult]
    description: dict[str, Any]

    def __getitem__(self, mode: str) -> ModeResult:
        return self.results[mode]

    def table(self) -> str:
        """A plain-text table: mode, accuracy, per-layer error, time."""
        n_layers = max((len(r.layer_error) for r in self.results.values()), default=0)
        head = f"{'mode':<10}{'accuracy':>10}" + "".join(f"{'err L' + str(k + 1):>12}" for k in range(n_layers)) + f"{'time s':>10}"
        lines = [head, "-" * len(head)]
        for r in self.results.values():
            errs = "".join(f"{e:>12.3e}" for e in r.layer_error) + " " * 12 * (n_layers - len(r.layer_error))
            lines.append(f"{r.mode:<10}{r.accuracy * 100:>9.2f}%{errs}{r.seconds:>10.2f}")
        return "\n".join(lines)

    def to_csv(self, path: str | os.PathLike[str]) -> None:
        """One row per mode: ``mode, accuracy, images, seconds, layer_error_1 …``."""
        n_layers = max((len(r.layer_error) for r in self.results.values()), default=0)
        with open(path, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["mode", "accuracy", "images", "seconds", *(f"layer_error_{k + 1}" for k in range(n_layers))])
            for r in self.results.values():
                w.writerow([r.mode, repr(r.accuracy), r.images, f"{r.seconds:.4f}", *(repr(e) for e in r.layer_error)])

    def to_json(self, path: str | os.PathLike[str] | None = None) -> str:
        """All results (with confusion matrices) as JSON; written to ``path`` if given."""
        text = json.dumps({"description": self.description,
                           "results": [r.to_dict() for r in self.results.values()]}, indent=2)
        if path is not None:
            Path(path).write_text(text)
        return text


class HardwareNetwork:
    """An MLP whose weights live on devices (module docstring).

    Parameters
    ----------
    net : MLP
        Trained network.
    levels : LevelSet
        Device levels (the same for every layer).
    scheme : str
        ``"signed"``, ``"differential"`` or ``"offset"`` (:mod:`xbar.nn.mapping`).
    scale : str or float
        ``"maxabs"``, ``"mmse"`` or a number.
    config : HardwareConfig
        Arrays and converters.
    seed : int
        Seed of the device-spread draws.
    spread_in_circuit : bool
        Circuit modes use the spread realisations instead of nominal devices.
    """

    def __init__(self, net: MLP, levels: LevelSet, *, scheme: str = "signed", scale: str | float = "maxabs",
                 config: HardwareConfig | None = None, seed: int = 0, spread_in_circuit: bool = False) -> None:
        if not isinstance(net, MLP):
            raise ParameterError(f"net must be an xbar.nn.MLP, got {type(net).__name__}")
        self.net = net
        self.levels = levels
        self.scheme = scheme
        self.config = config or HardwareConfig()
        self.seed = seed
        self.mapped: list[MappedLayer] = [map_weights(w, levels, scheme, scale=scale) for w in net.weights]
        self.spread_in_circuit = spread_in_circuit
        self._spread: list[MappedLayer] | None = None
        self._layers: dict[str, list[HardwareLayer]] = {}
        self.activation = get_activation(net.activation)
        self.read = read_check(levels, self.config.v_read, self.config.read_time)

    # pieces -----------------------------------------------------------------------------------
    def spread_layers(self) -> list[MappedLayer]:
        """The mapped layers with every device drawn from the level set's spread (seeded)."""
        if self._spread is None:
            rng = np.random.default_rng(self.seed)
            self._spread = [m.with_spread(rng) for m in self.mapped]
        return self._spread

    def hardware_layers(self, cells: str = "linear") -> list[HardwareLayer]:
        """The layers on tiles with ``cells`` (built lazily, cached)."""
        if cells not in self._layers:
            cfg = replace(self.config, cells=cells)
            base = self.spread_layers() if (self.spread_in_circuit and cells == "linear") else self.mapped
            signed = self.net.activation == "tanh"
            self._layers[cells] = [HardwareLayer(m, cfg, signed_inputs=(k > 0 and signed))
                                   for k, m in enumerate(base)]
        return self._layers[cells]

    def _ideal(self, weights: Sequence[F64], x: F64) -> tuple[F64, list[float], list[F64]]:
        h = x
        errs: list[float] = []
        for l, (w, b) in enumerate(zip(weights, self.net.biases, strict=True)):
            y = h @ w
            ref = h @ self.mapped[l].quantized
            errs.append(_rel(y, ref))
            z = y + b
            h = self.activation(z) if l < len(weights) - 1 else z
        return softmax(h), errs, []

    def calibrate(self, x_cal: npt.ArrayLike, cells: str = "linear") -> None:
        """Set DAC input ranges (unbounded activations) and ADC full scales from ``x_cal``."""
        layers = self.hardware_layers(cells)
        h = np.asarray(x_cal, dtype=np.float64)
        top = float(np.max(np.abs(h))) if h.size else 1.0
        layers[0].h_max = max(top, 1e-300) if top > 1.0 else 1.0
        for l, layer in enumerate(layers):
            if l:
                bounded = self.net.activation in ("sigmoid", "li2022", "tanh")
                layer.h_max = 1.0 if bounded else max(float(np.max(np.abs(h))), 1e-300)
            y = layer.forward(h, calibrate=True)
            z = y + self.net.biases[l]
            h = self.activation(z)

    def _chunks(self, X: F64, starts: list[int], size: int, cells: str, workers: int) -> Any:
        """``(probabilities, layer errors)`` of every chunk, in order (forked workers if asked)."""
        import multiprocessing as mp

        if workers <= 1 or len(starts) < 2 or "fork" not in mp.get_all_start_methods():
            for s in starts:
                yield self.forward_hardware(X[s : s + size], cells)
            return
        from concurrent.futures import ProcessPoolExecutor

        global _FORKED
        _FORKED = (self, X, size, cells)
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork")) as ex:
                for pp, ee, stats in ex.map(_forked_chunk, starts):
                    for lay, lay_stats in zip(self.hardware_layers(cells), stats, strict=True):
                        for t, st in zip(lay.tiles, lay_stats, strict=True):
                            t.stats["residual"] = max(t.stats.get("residual", 0.0), st.get("residual", 0.0))
                    yield pp, ee
        finally:
            _FORKED = None

    def forward_hardware(self, x: F64, cells: str) -> tuple[F64, list[float]]:
        """Output probabilities through the tiles, and per-layer product errors."""
        z, errs = self.logits(x, cells)
        return softmax(z), errs

    def logits(self, x: npt.ArrayLike, cells: str = "linear") -> tuple[F64, list[float]]:
        """Output-layer pre-activations through the tiles (``(n, classes)``) and per-layer
        relative errors of the products against ``h W_q``."""
        layers = self.hardware_layers(cells)
        h = np.atleast_2d(np.asarray(x, dtype=np.float64))
        errs: list[float] = []
        z = h
        for l, layer in enumerate(layers):
            y = layer.forward(h)
            errs.append(_rel(y, h @ self.mapped[l].quantized))
            z = y + self.net.biases[l]
            if l < len(layers) - 1:
                h = self.activation(z)
        return z, errs

    def to_deck(self, x: npt.ArrayLike, cells: str = "linear") -> tuple[str, list[str]]:
        """The network on its tiles for one input as an ngspice deck (:func:`xbar.nn.deck.network_deck`)."""
        from xbar.nn.deck import network_deck

        return network_deck(self, x, cells=cells)

    # evaluation ---------------------------------------------------------------------------------
    def evaluate(self, x: npt.ArrayLike, y: npt.ArrayLike, *, modes: Sequence[str] = ("float", "quantized", "circuit"),
                 x_cal: npt.ArrayLike | None = None, progress: bool = False, chunk: int = 500,
                 workers: int = 1) -> Evaluation:
        """Accuracy, confusion matrix and per-layer errors of each mode on ``(x, y)``.

        ``x_cal``: calibration inputs of the converters (required for the circuit modes
        when ADCs are on). Circuit modes run in chunks of ``chunk`` images (at most 100 for
        device cells) with an optional progress bar; ``workers > 1`` solves the device-cell
        chunks in that many forked processes (Linux), each with the tiles built here.
        """
        if not isinstance(workers, (int, np.integer)) or workers < 1:
            raise ParameterError(f"workers must be an integer ≥ 1, got {workers!r}")
        X = validate.array(x, "x (images)")
        Y_float = validate.array(y, "y (labels)")
        if np.any(Y_float != np.round(Y_float)) or np.any(Y_float < 0):
            raise ParameterError("y must hold non-negative integer labels")
        Y = Y_float.astype(np.int64)
        n_in = self.net.sizes[0]
        if X.ndim != 2 or X.shape[1] != n_in:
            raise ParameterError(f"x must have shape (n, {n_in}), got {X.shape}")
        if Y.shape != (len(X),):
            raise ParameterError(f"y must hold {len(X)} labels, got shape {Y.shape}")
        if not np.all(np.isfinite(X)):
            raise ParameterError("x holds NaN or inf")
        bad = [m for m in modes if m not in MODES]
        if bad:
            raise ParameterError(f"unknown mode(s) {bad}; expected some of {', '.join(MODES)}")
        n_cls = self.net.sizes[-1]
        results: dict[str, ModeResult] = {}
        for mode in modes:
            t0 = time.perf_counter()
            info: dict[str, Any] = {}
            if mode == "float":
                p, errs, _ = self._ideal(self.net.weights, X)
                errs = [_rel(X @ self.net.weights[0], X @ self.mapped[0].quantized), *errs[1:]]
            elif mode == "quantized":
                p, errs, _ = self._ideal([m.quantized for m in self.mapped], X)
            elif mode == "spread":
                p, errs, _ = self._ideal([m.effective_weights() for m in self.spread_layers()], X)
            else:
                cells = "linear" if mode == "circuit" else "device"
                layers = self.hardware_layers(cells)
                for layer in layers:
                    layer.build(progress=progress)
                if x_cal is not None:
                    self.calibrate(x_cal, cells)
                elif self.config.adc_bits is not None and any(t.full_scale == 0 for lay in layers for t in lay.tiles):
                    raise ParameterError("the ADCs need a calibration set: pass x_cal (e.g. held-out training images)")
                parts, err_parts, weights = [], [], []
                bar = None
                if progress:
                    from tqdm.auto import tqdm

                    bar = tqdm(total=len(X), desc=f"{mode} mode", unit="img")
                size = chunk if cells == "linear" else max(1, min(chunk, 100))
                starts = list(range(0, len(X), size))
                for pp, ee in self._chunks(X, starts, size, cells, workers if cells == "device" else 1):
                    parts.append(pp)
                    err_parts.append(ee)
                    weights.append(len(pp))
                    if bar is not None:
                        bar.update(len(pp))
                if bar is not None:
                    bar.close()
                p = np.concatenate(parts)
                w = np.asarray(weights, dtype=np.float64)
                errs = [float(np.sqrt(np.sum(w * np.square([e[k] for e in err_parts])) / w.sum()))
                        for k in range(len(self.mapped))]
                info["setup_seconds"] = sum(lay.setup_seconds for lay in layers)
                info["tiles"] = [len(lay.tiles) for lay in layers]
                if cells == "device":
                    info["residual_v"] = max(t.stats.get("residual", 0.0) for lay in layers for t in lay.tiles)
            pred = np.argmax(p, axis=1)
            conf = np.zeros((n_cls, n_cls), dtype=np.int64)
            np.add.at(conf, (Y, pred), 1)
            results[mode] = ModeResult(mode, float(np.mean(pred == Y)), pred, conf, errs,
                                       time.perf_counter() - t0, len(X), info)
        desc = {"sizes": list(self.net.sizes), "activation": self.net.activation, "levels": self.levels.name,
                "levels_description": self.levels.description, "scheme": self.scheme,
                "scales": [m.scale for m in self.mapped], "config": self.config.__dict__.copy(),
                "read_check": self.read}
        return Evaluation(results, desc)


_FORKED: Any = None


def _forked_chunk(start: int) -> tuple[F64, list[float], list[list[dict[str, float]]]]:
    """Worker side of :meth:`HardwareNetwork._chunks` (the network arrives by ``fork``)."""
    hn, X, size, cells = _FORKED
    for lay in hn.hardware_layers(cells):
        for t in lay.tiles:
            t.stats = {}
    pp, ee = hn.forward_hardware(X[start : start + size], cells)
    return pp, ee, [[dict(t.stats) for t in lay.tiles] for lay in hn.hardware_layers(cells)]


def _rel(y: F64, ref: F64) -> float:
    den = float(np.linalg.norm(ref))
    return float(np.linalg.norm(y - ref)) / den if den > 0 else float(np.linalg.norm(y - ref))
