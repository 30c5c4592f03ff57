"""Plots of the neural-network layer (matplotlib, Agg backend when no display is set).

* :func:`plot_weight_histogram` — trained weights of every layer with the quantisation levels;
* :func:`plot_confusion` — confusion matrix of one evaluation mode;
* :func:`plot_tile_ir_drop` — IR-drop map of the first tile of the first layer for one image;
* :func:`plot_accuracy_curves` — accuracy against an x variable for several series
  (accuracy vs TMR per cell count, accuracy vs wire resistance);
* :func:`plot_accuracy_contour` — accuracy over two variables (TMR × number of states).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from xbar.nn.mapping import MappedLayer
    from xbar.nn.network import HardwareNetwork, ModeResult

__all__ = ["plot_accuracy_contour", "plot_accuracy_curves", "plot_confusion", "plot_tile_ir_drop",
           "plot_weight_histogram"]


def _plt() -> Any:
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: str | Path | None) -> Any:
    if path is not None:
        fig.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": None})
        _plt().close(fig)
    return fig


def plot_weight_histogram(layers: Sequence[MappedLayer], path: str | Path | None = None) -> Any:
    """Histogram of every layer's trained weights with the scheme's allowed values marked."""
    from xbar.nn.mapping import allowed_values

    plt = _plt()
    fig, axes = plt.subplots(1, len(layers), figsize=(4.2 * len(layers), 3.2), squeeze=False)
    for l, (ax, m) in enumerate(zip(axes[0], layers, strict=True)):
        ax.hist(m.weights.ravel(), bins=120, color="0.6")
        vals, _, _, _ = allowed_values(m.levels, m.scheme)
        for v in vals * m.scale:
            ax.axvline(v, color="C3", lw=0.8)
        ax.set_title(f"layer {l + 1}: {m.shape[0]}×{m.shape[1]}, {m.scheme}")
        ax.set_xlabel("weight (red: quantisation levels)")
        ax.set_yscale("log")
    fig.suptitle(m.levels.name, y=1.03)
    return _save(fig, path)


def plot_confusion(result: ModeResult, path: str | Path | None = None, classes: Sequence[str] | None = None) -> Any:
    """Confusion matrix (true rows, predicted columns) of one evaluation mode."""
    plt = _plt()
    c = result.confusion
    fig, ax = plt.subplots(figsize=(5, 4.4))
    im = ax.imshow(c, cmap="Blues")
    fig.colorbar(im, ax=ax, label="images")
    labels = list(classes) if classes is not None and len(classes) == len(c) else [str(k) for k in range(len(c))]
    ax.set_xticks(range(len(c)), labels, rotation=90 if max(map(len, labels)) > 2 else 0)
    ax.set_yticks(range(len(c)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(f"{result.mode}: {result.accuracy * 100:.2f} % of {result.images}")
    return _save(fig, path)


def plot_tile_ir_drop(hn: HardwareNetwork, x: npt.ArrayLike, path: str | Path | None = None) -> Any:
    """IR-drop map [mV] of one tile of the first layer (linear cells) for one input: the tile
    whose rows carry the largest total input voltage."""
    layer = hn.hardware_layers("linear")[0]
    layer.build()
    vin = layer.dac(np.atleast_2d(np.asarray(x, dtype=np.float64)))[0]
    k = int(np.argmax([np.sum(vin[t.rows]) for t in layer.tiles]))
    t = layer.tiles[k]
    v = vin[t.rows]
    res = t.array.op(v)
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 4.4))
    drop = np.where(t.level != -1, res.ir_drop, np.nan) * 1e3
    im = ax.imshow(drop, cmap="magma", aspect="auto")
    fig.colorbar(im, ax=ax, label="IR drop at the cell [mV]")
    ax.set_xlabel("physical column (sense at the bottom)")
    ax.set_ylabel("row (driven from the left)")
    ax.set_title(f"layer 1, tile {k + 1} (inputs {t.rows.start}–{t.rows.stop - 1}), {t.g.shape[0]}×{t.g.shape[1]}, "
                 f"{hn.config.rows_wire:g} Ω/segment", fontsize=9)
    return _save(fig, path)


def plot_accuracy_curves(x: Sequence[float], series: Mapping[str, Sequence[float]], path: str | Path | None = None,
                         *, xlabel: str = "", title: str = "", reference: Mapping[str, float] | None = None) -> Any:
    """Accuracy [%] against ``x`` for every named series (and optional horizontal references)."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for k, (name, ys) in enumerate(series.items()):
        ax.plot(x, np.asarray(ys) * 100, "o-", color=f"C{k}", label=name)
    for k, (name, val) in enumerate((reference or {}).items()):
        ax.axhline(val * 100, ls="--", color=f"C{k + len(series)}", lw=1, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("test accuracy [%]")
    ax.set_title(title)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def plot_accuracy_contour(x: Sequence[float], y: Sequence[float], acc: npt.ArrayLike, path: str | Path | None = None,
                          *, xlabel: str = "", ylabel: str = "", title: str = "") -> Any:
    """Filled contour of accuracy [%] over ``x`` (columns of ``acc``) and ``y`` (rows)."""
    plt = _plt()
    a = np.asarray(acc) * 100
    fig, ax = plt.subplots(figsize=(5.5, 4.2))
    cs = ax.contourf(x, y, a, levels=14, cmap="viridis")
    fig.colorbar(cs, ax=ax, label="test accuracy [%]")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return _save(fig, path)
