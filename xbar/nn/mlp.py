"""Multilayer perceptrons in numpy: the forward pass as a plain function, and a seeded trainer.

A network is a list of dense layers ``z_l = h_{l-1} W_l + b_l`` with a hidden activation
``h_l = f(z_l)`` (:mod:`xbar.nn.activations`: ``sigmoid``, ``relu``, ``tanh`` or the Li 2022
device neuron ``li2022``) and softmax outputs. :func:`forward` takes the weights as plain
arrays and an optional ``layer_fn(l, h, W)`` that replaces the product ``h @ W`` of layer
``l`` — this is where :mod:`xbar.nn.hardware` puts the simulated crossbar.

:func:`train_mlp` minimises the softmax cross-entropy (the "sparse categorical
cross-entropy" of Kumar et al. 2024, Methods) with Adam (Kingma & Ba, ICLR 2015; β1 = 0.9,
β2 = 0.999, ε = 1e-7, learning rate 1e-3 as in Keras) over shuffled mini-batches, from
Glorot-uniform weights and zero biases; everything is drawn from one seeded generator, so a
seed gives the same network on the same machine (BLAS summation order may differ across
CPUs, which changes late digits).

Weights are stored as ``.npz`` (:meth:`MLP.save` / :meth:`MLP.load`): ``W0, b0, W1, b1, …``
plus a JSON ``meta`` entry (activations, training settings, history).
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from xbar.errors import DataError, ParameterError
from xbar.nn import _checks as validate
from xbar.nn.activations import Activation, get_activation
from xbar.nn.threads import one_blas_thread
from xbar.reprs import short_repr

__all__ = ["MLP", "LayerFn", "forward", "softmax", "train_mlp"]

F64 = npt.NDArray[np.float64]
LayerFn = Callable[[int, F64, F64], F64]
"""``layer_fn(l, h, W) -> h @ W`` for layer ``l`` (0-based), ``h`` of shape (batch, in)."""


def softmax(z: F64) -> F64:
    """Row-wise softmax, numerically stable."""
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


@dataclass
class MLP:
    """Weights of a dense network (``W_l`` of shape (in, out), ``b_l`` of shape (out,)).

    Attributes
    ----------
    weights, biases : lists of float64 arrays
    activation : str
        Hidden activation name (every hidden layer; the output layer is softmax).
    meta : dict
        Training settings and history (saved with the weights).
    """

    __repr__ = short_repr

    weights: list[F64]
    biases: list[F64]
    activation: str = "sigmoid"
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.weights) != len(self.biases) or not self.weights:
            raise ParameterError("an MLP needs one bias vector per weight matrix (and at least one layer)")
        for l, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            w = validate.array(w, f"weights of layer {l}", copy=True)
            b = validate.array(b, f"biases of layer {l}", copy=True)
            if w.ndim != 2 or b.shape != (w.shape[1],):
                raise ParameterError(f"layer {l}: weights must be (in, out) and bias (out,), got {w.shape} and {b.shape}")
            if l and w.shape[0] != self.weights[l - 1].shape[1]:
                raise ParameterError(f"layer {l}: {w.shape[0]} inputs but layer {l - 1} has {self.weights[l - 1].shape[1]} outputs")
            if not (np.all(np.isfinite(w)) and np.all(np.isfinite(b))):
                raise ParameterError(f"layer {l}: weights and biases must be finite (NaN or inf found)")
            self.weights[l], self.biases[l] = w, b
        get_activation(self.activation)

    @property
    def sizes(self) -> tuple[int, ...]:
        """Layer widths, inputs first (e.g. ``(784, 128, 10)``)."""
        return (self.weights[0].shape[0], *(w.shape[1] for w in self.weights))

    def forward(self, x: npt.ArrayLike, *, layer_fn: LayerFn | None = None) -> F64:
        """Output probabilities (softmax) for inputs ``x`` (see :func:`forward`)."""
        return forward(self.weights, self.biases, self.activation, x, layer_fn=layer_fn)

    def predict(self, x: npt.ArrayLike, *, layer_fn: LayerFn | None = None) -> npt.NDArray[np.int64]:
        """Predicted class of every input."""
        return np.argmax(self.forward(x, layer_fn=layer_fn), axis=1)

    def accuracy(self, x: npt.ArrayLike, y: npt.ArrayLike, *, layer_fn: LayerFn | None = None) -> float:
        """Fraction of inputs classified correctly."""
        return float(np.mean(self.predict(x, layer_fn=layer_fn) == np.asarray(y)))

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the weights, biases and metadata to ``path`` (``.npz``)."""
        arrays: dict[str, Any] = {}
        for l, (w, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            arrays[f"W{l}"] = w
            arrays[f"b{l}"] = b
        meta = {"activation": self.activation, **self.meta}
        arrays["meta"] = np.array(json.dumps(meta))
        with open(path, "wb") as fh:
            np.savez(fh, **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> MLP:
        """Read weights written by :meth:`save`.

        Raises
        ------
        DataError
            Missing or unreadable file, or not a file written by :meth:`save`.
        """
        p = Path(path)
        if not p.is_file():
            raise DataError(f"{p}: no such weights file (expected an .npz written by MLP.save or 'xbar nn train')")
        try:
            with np.load(p, allow_pickle=False) as z:
                files = set(z.files)
                n = sum(1 for f in files if f.startswith("W"))
                if n == 0 or "meta" not in files:
                    raise DataError(f"{p}: not an xbar network file (needs arrays W0, b0, … and meta)")
                weights = [z[f"W{l}"] for l in range(n)]
                biases = [z[f"b{l}"] for l in range(n)]
                meta = json.loads(str(z["meta"]))
        except (OSError, ValueError, KeyError) as exc:
            raise DataError(f"{p}: cannot read network weights ({exc})") from None
        act = meta.pop("activation", "sigmoid")
        try:
            return cls(weights, biases, act, meta)
        except ParameterError as exc:
            raise DataError(f"{p}: {exc}") from None


def _as_inputs(x: npt.ArrayLike, n_in: int, what: str = "x") -> F64:
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise ParameterError(f"{what} must be a numeric array of shape (n, {n_in})") from None
    if arr.ndim == 1 and arr.shape[0] == n_in:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != n_in:
        raise ParameterError(f"{what} must have shape (n, {n_in}), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ParameterError(f"{what} holds NaN or inf")
    return arr


def forward(weights: Sequence[F64], biases: Sequence[F64], activation: str | Activation, x: npt.ArrayLike,
            *, layer_fn: LayerFn | None = None, return_hidden: bool = False) -> Any:
    """Softmax outputs of the network for inputs ``x`` (``(n, in)``).

    Parameters
    ----------
    weights, biases : sequences of arrays
        ``W_l`` (in, out) and ``b_l`` (out,).
    activation : str or Activation
        Hidden activation.
    x : (n, in) array_like
    layer_fn : callable, optional
        ``layer_fn(l, h, W)`` returns the product ``h @ W`` of layer ``l`` (default: numpy).
    return_hidden : bool
        Also return the list of layer inputs ``[x, h_1, …]`` and pre-activations ``[z_1, …]``.
    """
    act = get_activation(activation)
    h = _as_inputs(x, weights[0].shape[0])
    hs, zs = [h], []
    for l, (w, b) in enumerate(zip(weights, biases, strict=True)):
        with np.errstate(over="ignore", invalid="ignore"):
            prod = h @ w if layer_fn is None else np.asarray(layer_fn(l, h, w), dtype=np.float64)
            z = prod + b
        if not np.all(np.isfinite(z)):
            raise ParameterError(f"layer {l}: the pre-activations overflow (inputs or weights too large "
                                 "for float64); scale the inputs to [0, 1]")
        zs.append(z)
        if l < len(weights) - 1:
            h = act(z)
            hs.append(h)
    out = softmax(zs[-1])
    return (out, hs, zs) if return_hidden else out


def _check_labels(y: npt.ArrayLike, n: int, n_out: int, what: str) -> npt.NDArray[np.int64]:
    arr = np.asarray(y)
    if arr.shape != (n,):
        raise ParameterError(f"{what} must be a 1-D array of {n} labels, got shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer) and (
            not np.all(np.isfinite(arr.astype(np.float64))) or np.any(arr != np.round(arr))):
        raise ParameterError(f"{what} must hold integer class labels")
    lab = arr.astype(np.int64)
    if n and (lab.min() < 0 or lab.max() >= n_out):
        raise ParameterError(f"{what} must be in 0 … {n_out - 1}, got {lab.min()} … {lab.max()}")
    return lab


def train_mlp(x: npt.ArrayLike, y: npt.ArrayLike, sizes: Sequence[int], *, activation: str = "sigmoid",
              epochs: int = 40, batch_size: int = 32, lr: float = 1e-3, seed: int = 0,
              x_val: npt.ArrayLike | None = None, y_val: npt.ArrayLike | None = None,
              progress: bool = False, dtype: type = np.float32,
              callback: Callable[[int, dict[str, float]], None] | None = None) -> MLP:
    """Train a dense network with Adam on softmax cross-entropy (module docstring).

    Parameters
    ----------
    x : (n, sizes[0]) array_like
        Training inputs (e.g. pixels in [0, 1]).
    y : (n,) array_like of int
        Class labels ``0 … sizes[-1] − 1``.
    sizes : sequence of int
        Layer widths, e.g. ``(784, 128, 10)``.
    activation : str
        Hidden activation (:data:`xbar.nn.activations.ACTIVATIONS`).
    epochs, batch_size, lr, seed : training settings.
    x_val, y_val : optional
        A validation set evaluated after every epoch (recorded in ``meta["history"]``).
    progress : bool
        Show a progress bar (tqdm) over epochs.
    dtype : numpy float type
        Arithmetic of training (float32 by default; the returned weights are float64).
    callback : callable, optional
        ``callback(epoch, record)`` after every epoch.

    Returns
    -------
    MLP
        With ``meta`` holding the settings and per-epoch loss/accuracy history.
    """
    sz = [int(s) for s in sizes]
    if len(sz) < 2 or min(sz) < 1:
        raise ParameterError(f"sizes must list at least two positive layer widths, got {list(sizes)}")
    for name, v, lo in (("epochs", epochs, 1), ("batch_size", batch_size, 1)):
        if not isinstance(v, (int, np.integer)) or v < lo:
            raise ParameterError(f"{name} must be an integer ≥ {lo}, got {v!r}")
    if not (np.isfinite(lr) and lr > 0):
        raise ParameterError(f"lr must be positive and finite, got {lr!r}")
    act = get_activation(activation)
    X = _as_inputs(x, sz[0]).astype(dtype)
    Y = _check_labels(y, len(X), sz[-1], "y")
    if len(X) == 0:
        raise ParameterError("no training inputs")
    Xv = Yv = None
    if x_val is not None:
        Xv = _as_inputs(x_val, sz[0], "x_val")
        Yv = _check_labels(y_val, len(Xv), sz[-1], "y_val")
    rng = np.random.default_rng(seed)
    W = [rng.uniform(-1, 1, (a, b)).astype(dtype) * dtype(np.sqrt(6.0 / (a + b))) for a, b in itertools.pairwise(sz)]
    B = [np.zeros(b, dtype=dtype) for b in sz[1:]]
    params = [p for pair in zip(W, B, strict=True) for p in pair]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    b1, b2, eps = 0.9, 0.999, 1e-7
    step = 0
    history: list[dict[str, float]] = []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs, desc="training", unit="epoch")
    onehot = np.eye(sz[-1], dtype=dtype)
    with one_blas_thread():
        for epoch in range(1, epochs + 1):
            order = rng.permutation(len(X))
            loss_sum = 0.0
            correct = 0
            for s in range(0, len(X), batch_size):
                idx = order[s : s + batch_size]
                h = X[idx]
                hs, zs = [h], []
                for l in range(len(W)):
                    z = h @ W[l] + B[l]
                    zs.append(z)
                    if l < len(W) - 1:
                        h = act(z).astype(dtype)
                        hs.append(h)
                p = softmax(zs[-1])
                yb = Y[idx]
                loss_sum += float(-np.sum(np.log(np.maximum(p[np.arange(len(idx)), yb], 1e-12))))
                correct += int(np.sum(np.argmax(p, axis=1) == yb))
                delta = (p - onehot[yb]) / dtype(len(idx))
                grads: list[Any] = [None] * len(params)
                for l in range(len(W) - 1, -1, -1):
                    grads[2 * l] = hs[l].T @ delta
                    grads[2 * l + 1] = delta.sum(axis=0)
                    if l:
                        delta = (delta @ W[l].T) * act.grad(zs[l - 1], hs[l]).astype(dtype)
                step += 1
                c1 = 1.0 - b1**step
                c2 = 1.0 - b2**step
                for k, g in enumerate(grads):
                    m[k] *= b1
                    m[k] += (1 - b1) * g
                    v[k] *= b2
                    v[k] += (1 - b2) * g * g
                    params[k] -= (lr * (m[k] / c1) / (np.sqrt(v[k] / c2) + eps)).astype(dtype)
            rec = {"epoch": float(epoch), "loss": loss_sum / len(X), "train_accuracy": correct / len(X)}
            if Xv is not None:
                pv = forward([w.astype(np.float64) for w in W], [b.astype(np.float64) for b in B], act, Xv)
                rec["val_accuracy"] = float(np.mean(np.argmax(pv, axis=1) == Yv))
            history.append(rec)
            if not all(np.all(np.isfinite(p)) for p in params):
                raise ParameterError(f"training diverged at epoch {epoch} (NaN/inf weights); lower lr (now {lr})")
            if callback is not None:
                callback(epoch, rec)
            if bar is not None:
                bar.set_postfix(loss=f"{rec['loss']:.4f}", acc=f"{rec.get('val_accuracy', rec['train_accuracy']):.4f}")
                bar.update(1)
    if bar is not None:
        bar.close()
    meta = {"sizes": sz, "epochs": epochs, "batch_size": batch_size, "lr": lr, "seed": seed,
            "optimizer": "adam", "loss": "softmax cross-entropy", "history": history}
    return MLP([w.astype(np.float64) for w in W], [b.astype(np.float64) for b in B],
               act.name, meta)
