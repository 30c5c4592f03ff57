"""Numpy MLP trainer, forward pass, weights files and activations (xbar.nn.mlp)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from xbar.errors import DataError, ParameterError
from xbar.nn import MLP, forward, get_activation, train_mlp
from xbar.nn.activations import LI2022_CURVE, TabulatedSigmoid


def _blobs(n: int = 600, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.uniform(0.2, 0.8, (3, 6))
    y = rng.integers(0, 3, n)
    x = np.clip(centres[y] + 0.08 * rng.standard_normal((n, 6)), 0, 1)
    return x, y


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh", "li2022"])
def test_training_learns(activation: str) -> None:
    x, y = _blobs()
    net = train_mlp(x[:500], y[:500], (6, 12, 3), activation=activation, epochs=15, seed=2, lr=1e-2,
                    x_val=x[500:], y_val=y[500:])
    assert net.accuracy(x[500:], y[500:]) > 0.9
    hist = net.meta["history"]
    assert len(hist) == 15 and hist[-1]["loss"] < hist[0]["loss"]
    assert hist[-1]["val_accuracy"] == pytest.approx(net.accuracy(x[500:], y[500:]))


def test_training_is_seeded() -> None:
    x, y = _blobs()
    a = train_mlp(x, y, (6, 5, 3), epochs=2, seed=7)
    b = train_mlp(x, y, (6, 5, 3), epochs=2, seed=7)
    c = train_mlp(x, y, (6, 5, 3), epochs=2, seed=8)
    assert all(np.array_equal(p, q) for p, q in zip(a.weights, b.weights, strict=True))
    assert not np.array_equal(a.weights[0], c.weights[0])


def test_forward_is_a_function_of_the_weights() -> None:
    x, y = _blobs(50)
    net = train_mlp(x, y, (6, 4, 3), epochs=1)
    seen: list[int] = []

    def layer_fn(l: int, h: np.ndarray, w: np.ndarray) -> np.ndarray:
        seen.append(l)
        return h @ w

    p = forward(net.weights, net.biases, net.activation, x, layer_fn=layer_fn)
    assert seen == [0, 1]
    assert np.allclose(p, net.forward(x), rtol=0, atol=1e-15)
    assert np.allclose(p.sum(axis=1), 1.0)


def test_save_and_load(tmp_path: Path) -> None:
    x, y = _blobs(80)
    net = train_mlp(x, y, (6, 4, 3), activation="relu", epochs=1)
    net.save(tmp_path / "net.npz")
    back = MLP.load(tmp_path / "net.npz")
    assert back.activation == "relu" and back.sizes == (6, 4, 3)
    assert all(np.array_equal(p, q) for p, q in zip(net.weights, back.weights, strict=True))
    assert back.meta["epochs"] == 1
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(DataError, match=r"junk\.npz: cannot read network weights"):
        MLP.load(tmp_path / "junk.npz")
    with pytest.raises(DataError, match=r"absent\.npz: no such weights file"):
        MLP.load(tmp_path / "absent.npz")
    np.savez(tmp_path / "other.npz", a=np.zeros(3))
    with pytest.raises(DataError, match="not an xbar network file"):
        MLP.load(tmp_path / "other.npz")


def test_bad_arguments() -> None:
    x, y = _blobs(40)
    with pytest.raises(ParameterError, match=r"x must have shape \(n, 6\)"):
        train_mlp(x[:, :5], y, (6, 4, 3))
    with pytest.raises(ParameterError, match=r"must be finite|NaN or inf"):
        train_mlp(np.where(x > 0.5, np.nan, x), y, (6, 4, 3))
    with pytest.raises(ParameterError, match=r"y must be in 0 … 2"):
        train_mlp(x, y + 5, (6, 4, 3))
    with pytest.raises(ParameterError, match="integer class labels"):
        train_mlp(x, y + 0.5, (6, 4, 3))
    with pytest.raises(ParameterError, match="at least two positive layer widths"):
        train_mlp(x, y, (6,))
    with pytest.raises(ParameterError, match="epochs must be an integer"):
        train_mlp(x, y, (6, 4, 3), epochs=0)
    with pytest.raises(ParameterError, match="unknown activation 'softplus'"):
        train_mlp(x, y, (6, 4, 3), activation="softplus")
    with pytest.raises(ParameterError, match="finite"):
        MLP([np.full((2, 2), np.inf)], [np.zeros(2)])
    with pytest.raises(ParameterError, match="layer 1: 3 inputs but layer 0 has 2 outputs"):
        MLP([np.zeros((2, 2)), np.zeros((3, 2))], [np.zeros(2), np.zeros(2)])


def test_li2022_neuron_is_the_simulated_device_curve() -> None:
    from xbar.reproduce.li2022 import sigmoid_curve

    currents, r_hall = sigmoid_curve()
    assert np.allclose(r_hall, LI2022_CURVE, rtol=0, atol=5e-7)
    act = get_activation("li2022")
    assert isinstance(act, TabulatedSigmoid)
    z = np.linspace(-30, 10, 101)
    y = act(z)
    assert y.min() == 0.0 and y.max() == 1.0
    x_dev = act.fit.x0 + act.fit.k * z
    lo, hi = min(LI2022_CURVE), max(LI2022_CURVE)
    assert np.allclose(y, (np.interp(x_dev, currents, r_hall) - lo) / (hi - lo), atol=1e-6)
    assert np.all(act.grad(z, y) > 0)
