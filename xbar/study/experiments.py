"""Built-in study experiments (registered on import; the ``deck`` experiment is in :mod:`xbar.study.deck`).

* ``crossbar-ir-drop``: column-current error and IR drop of an exact :mod:`xbar.crossbar`
  array of resistive cells against size, wire resistance and conductance spread.
* ``mnist-quantized-linear``: test accuracy of a linear MNIST classifier whose weights are
  quantised to the conductance states of an n-cell compound MTJ with a given TMR (the
  device-quantisation model of Kumar et al., Nanoscale Horiz. 9, 1522 (2024),
  DOI 10.1039/d4nh00097h, Fig. 5d/e). A small numpy-only stand-in for the accuracy grids of
  the neural-network layer: the setup trains once (ridge least squares, closed form) and the
  weights and the test set are scattered to the workers once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from xbar.errors import StudyError
from xbar.study.registry import experiment

__all__ = ["compound_mtj_levels", "crossbar_ir_drop", "mnist_quantized_linear", "quantize_to_levels"]


# crossbar ----------------------------------------------------------------------------------------
@experiment("crossbar-ir-drop")
def crossbar_ir_drop(*, rows: int = 64, cols: int = 64, r_wire: float = 1.0, r_row: float | None = None,
                     r_col: float | None = None, r_on: float = 10e3, r_off: float = 30e3,
                     g_spread: float = 0.0, v_read: float = 0.2, inputs_kind: str = "random",
                     sense: str = "ammeter", seed: int = 0) -> dict[str, Any]:
    """Column-current error and IR drop of an exact resistive crossbar (xbar.crossbar).

    Cells have conductances drawn uniformly in ``[1/r_off, 1/r_on]`` [S], times a lognormal
    device-to-device spread ``exp(N(0, g_spread))``; rows are driven at their start with
    ``U(0, v_read)`` [V] (``inputs_kind="random"``) or ``v_read`` (``"ones"``); columns are
    sensed at their end. ``r_wire`` [Ω] is the segment resistance of rows and columns unless
    ``r_row``/``r_col`` are given.

    Returns
    -------
    dict
        ``max_rel_error`` / ``rms_rel_error`` (column current vs ideal ``Gᵀv``, relative to the
        largest ideal column current), ``max_ir_drop`` [V], ``power`` [W], ``i_col`` and
        ``i_ideal`` [A] (vectors over the columns).
    """
    from xbar.crossbar import CrossbarSpec, build_crossbar

    rows, cols = int(rows), int(cols)
    if rows < 1 or cols < 1:
        raise StudyError(f"rows and cols must be ≥ 1, got {rows}×{cols}")
    if not 0 < r_on <= r_off:
        raise StudyError(f"expected 0 < r_on ≤ r_off, got r_on={r_on}, r_off={r_off}")
    if g_spread < 0:
        raise StudyError(f"g_spread must be ≥ 0, got {g_spread}")
    if inputs_kind not in ("random", "ones"):
        raise StudyError(f"inputs_kind must be 'random' or 'ones', got {inputs_kind!r}")
    rng = np.random.default_rng(seed)
    g = rng.uniform(1.0 / r_off, 1.0 / r_on, (rows, cols))
    if g_spread > 0:
        g = g * np.exp(rng.normal(0.0, g_spread, (rows, cols)))
    v = rng.uniform(0.0, v_read, rows) if inputs_kind == "random" else np.full(rows, float(v_read))
    rr = r_wire if r_row is None else r_row
    rc = r_wire if r_col is None else r_col
    xb = build_crossbar(CrossbarSpec(rows, cols, g=g, r_row=rr, r_col=rc, sense=sense))
    res = xb.op(v)
    rel = np.asarray(res.rel_error)
    return {
        "max_rel_error": float(np.max(np.abs(rel))),
        "rms_rel_error": float(np.sqrt(np.mean(rel**2))),
        "max_ir_drop": float(np.max(res.ir_drop)),
        "power": float(res.p_total),
        "i_col": np.asarray(res.i_col),
        "i_ideal": np.asarray(res.i_ideal),
    }


# device-quantised MNIST classifier ------------------------------------------------------------------
def compound_mtj_levels(tmr_percent: float, states: int) -> np.ndarray:
    """Normalised conductance states of a compound MTJ of ``states - 1`` parallel cells.

    With ``n`` cells, ``k`` of them parallel (P, conductance ``G_P``) and ``n - k``
    antiparallel (``G_AP = G_P / (1 + TMR)``), the conductance is ``k·G_P + (n-k)·G_AP``;
    normalised by the all-P value ``n·G_P``: ``ℓ_k = (k + (n - k)/(1 + TMR))/n``, k = 0..n
    (Kumar et al. 2024, Fig. 5: n + 1 states; R_P fixed, R_AP = R_P·(1 + TMR)).

    Examples
    --------
    >>> compound_mtj_levels(100.0, 3).tolist()
    [0.5, 0.75, 1.0]
    """
    n = int(states) - 1
    if n < 1 or int(states) != states:
        raise StudyError(f"states must be an integer ≥ 2, got {states}")
    if not tmr_percent > 0:
        raise StudyError(f"tmr must be a positive percentage, got {tmr_percent}")
    ratio = 1.0 / (1.0 + tmr_percent / 100.0)
    k = np.arange(n + 1)
    return (k + (n - k) * ratio) / n


def quantize_to_levels(w: np.ndarray, levels: np.ndarray, clip_percentile: float = 100.0) -> np.ndarray:
    """Signed weights -> ``sign(w)·ℓ·w_s`` with ℓ the level nearest to ``min(|w|/w_s, 1)``.

    ``w_s`` is the ``clip_percentile`` percentile of ``|w|`` (100: the largest weight; lower
    values clip the few largest weights so that the states cover the bulk of the weights). The
    magnitudes are stored as device conductances normalised by the largest state, the sign by
    the column of a pair the device sits in.

    Examples
    --------
    >>> quantize_to_levels(np.array([-1.0, 0.2, 0.6]), np.array([0.5, 1.0])).tolist()
    [-1.0, 0.5, 0.5]
    """
    if not 0 < clip_percentile <= 100:
        raise StudyError(f"clip_percentile must be in (0, 100], got {clip_percentile}")
    w_s = float(np.percentile(np.abs(w), clip_percentile)) or 1.0
    mag = np.minimum(np.abs(w) / w_s, 1.0)
    nearest = np.abs(mag[..., None] - levels).argmin(axis=-1)
    return np.sign(w) * levels[nearest] * w_s


def _mnist_setup(data: str | None = None, n_train: int = 8000, ridge: float = 10.0) -> dict[str, np.ndarray]:
    """Load MNIST and train the float classifier once (closed-form ridge regression on one-hot targets)."""
    from xbar.study.mnist import load_mnist

    x_tr, y_tr, x_te, y_te = load_mnist(data)
    n_train = int(n_train)
    if n_train < 10:
        raise StudyError(f"n_train must be ≥ 10, got {n_train}")
    xs = x_tr[:n_train]
    x = np.hstack([xs.reshape(len(xs), -1) / 255.0, np.ones((len(xs), 1))])
    t = np.eye(10)[y_tr[:n_train]]
    a = x.T @ x + ridge * np.eye(x.shape[1])
    w = np.linalg.solve(a, x.T @ t)
    x_test = np.hstack([x_te.reshape(len(x_te), -1) / 255.0, np.ones((len(x_te), 1))])
    float_acc = float(np.mean((x_test @ w).argmax(axis=1) == y_te))
    return {"weights": w, "x_test": x_test, "y_test": y_te.astype(np.int64), "float_accuracy": float_acc}


@experiment("mnist-quantized-linear", setup=_mnist_setup, paths=("data",))
def mnist_quantized_linear(inputs: dict[str, np.ndarray], *, tmr: float = 100.0, states: int = 2,
                           sigma: float = 0.0, clip_percentile: float = 99.0,
                           seed: int = 0) -> dict[str, float]:
    """MNIST accuracy of a linear classifier with compound-MTJ-quantised weights (TMR in %).

    Parameters
    ----------
    inputs : dict
        From the setup: ``weights`` (785×10 incl. bias), ``x_test``, ``y_test``.
    tmr : float
        Tunnel magnetoresistance [%] (Kumar Fig. 5d/e: 60–260).
    states : int
        Conductance states per synapse (2–7: 1–6 cells).
    sigma : float
        Device-to-device spread: each device's conductance times ``exp(N(0, sigma))``.
    clip_percentile : float
        Percentile of ``|w|`` mapped to the largest state (see :func:`quantize_to_levels`).
    seed : int
        The point's seed (draws of the spread).

    Returns
    -------
    dict
        ``accuracy`` (quantised), ``float_accuracy`` (unquantised weights), ``levels_min``
        (lowest normalised state, ``1/(1+TMR)``).
    """
    levels = compound_mtj_levels(tmr, states)
    wq = quantize_to_levels(inputs["weights"], levels, clip_percentile)
    if sigma > 0:
        wq = wq * np.exp(np.random.default_rng(seed).normal(0.0, sigma, wq.shape))
    pred = (inputs["x_test"] @ wq).argmax(axis=1)
    return {"accuracy": float(np.mean(pred == inputs["y_test"])),
            "float_accuracy": float(inputs["float_accuracy"]),
            "levels_min": float(levels[0])}
