"""Mapping signed weights onto device conductance levels.

Every scheme represents a weight ``w`` of one layer by one or two devices programmed to levels
``G_k`` of a :class:`~xbar.nn.levels.LevelSet` (``G_min = G_0 < … < G_max``), read with the
same voltage, and a per-layer scale ``s`` (weight per unit of the scheme's normalised value):

``"signed"`` (Kumar et al. 2024, Methods: "both positive and negative weights are quantized
    based on experimentally measured conductance states (normalized)")
    ``w ≈ ± s · G_k / G_max``. The allowed magnitudes are the normalised levels; there is no
    zero weight (a 1-cell MTJ gives ``±{1/(1 + TMR), 1}·s``). In the array every weight owns
    a pair of cross-points in adjacent columns (``+``, ``−``): the device sits in the ``+``
    column for a positive weight and in the ``−`` column for a negative one, the other
    cross-point is left empty, and the layer output is ``(I₊ − I₋)·s/(V·G_max)``.
``"differential"``
    ``w ≈ s · (G₊ − G₋)/(G_max − G_min)`` with both devices present; the allowed values are
    all differences of two levels (zero included); of the pairs giving the same difference
    the one with the smallest ``G₊ + G₋`` (least read power) is used.
``"offset"`` (reference column)
    ``w ≈ s · (G_k − G_ref)/((G_max − G_min)/2)`` with ``G_ref = (G_max + G_min)/2``; one
    device per weight, and one reference column per tile of fixed ``G_ref`` resistors whose
    current is subtracted from every column of the tile.

The scale ``s`` is ``max |w|`` (``scale="maxabs"``: the largest weight maps to the largest
normalised value, 1 in every scheme) or the value minimising the mean-square quantisation
error ``Σ (w − Q_s(w))²`` (``scale="mmse"``: grid search over ``(0.02 … 1.2)·max |w|``,
refined by golden section). Quantisation is to the nearest allowed value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from xbar.errors import ParameterError
from xbar.nn import _checks as validate
from xbar.nn.levels import LevelSet
from xbar.reprs import short_repr

__all__ = ["SCHEMES", "MappedLayer", "allowed_values", "choose_scale", "map_weights", "quantize"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

SCHEMES = ("signed", "differential", "offset")
SCALES = ("maxabs", "mmse")


def _check_scheme(scheme: str) -> str:
    if scheme not in SCHEMES:
        raise ParameterError(f"unknown weight-mapping scheme {scheme!r}; expected one of {', '.join(SCHEMES)}")
    return scheme


def allowed_values(levels: LevelSet, scheme: str) -> tuple[F64, I64, I64, float]:
    """Normalised weight values a scheme can realise, ascending, with their devices.

    Returns
    -------
    values : (A,) array
        Allowed values of ``w / s``.
    plus, minus : (A,) int arrays
        Level index of the ``+`` and ``−`` device of each value (``-1``: no device).
    unit : float
        Conductance [S] per unit of normalised weight (``G_max``, ``G_max − G_min`` or
        ``(G_max − G_min)/2``).
    """
    _check_scheme(scheme)
    g = levels.g
    L = len(g)
    idx = np.arange(L)
    if scheme == "signed":
        unit = float(g[-1])
        vals = np.concatenate([-g[::-1] / unit, g / unit])
        plus = np.concatenate([np.full(L, -1), idx])
        minus = np.concatenate([idx[::-1], np.full(L, -1)])
        return vals, plus.astype(np.int64), minus.astype(np.int64), unit
    if scheme == "differential":
        unit = float(g[-1] - g[0])
        i, j = np.meshgrid(idx, idx, indexing="ij")
        diff = (g[i] - g[j]).ravel() / unit
        power = (g[i] + g[j]).ravel()
        # group equal differences (to 1e-12) and keep the least-power pair of each
        key = np.round(diff, 12)
        order = np.lexsort((power, key))
        first = np.concatenate([[True], np.diff(key[order]) != 0])
        pick = order[first]
        return diff[pick], i.ravel()[pick].astype(np.int64), j.ravel()[pick].astype(np.int64), unit
    unit = float(g[-1] - g[0]) / 2.0
    ref = float(g[-1] + g[0]) / 2.0
    return (g - ref) / unit, idx.astype(np.int64), np.full(L, -1, dtype=np.int64), unit


def quantize(x: F64, values: F64) -> I64:
    """Index of the nearest of the ascending ``values`` for every element of ``x`` (ties: the larger)."""
    pos = np.searchsorted(values, x)
    pos = np.clip(pos, 1, len(values) - 1)
    left = values[pos - 1]
    right = values[pos]
    return np.where(np.abs(x - left) < np.abs(right - x), pos - 1, pos).astype(np.int64)


def _sse(w: F64, values: F64, s: float) -> float:
    q = values[quantize(w / s, values)] * s
    return float(np.sum((w - q) ** 2))


def choose_scale(w: F64, values: F64, method: str = "maxabs") -> float:
    """Scale ``s`` of a layer (module docstring)."""
    if method not in SCALES:
        raise ParameterError(f"unknown scale method {method!r}; expected one of {', '.join(SCALES)}")
    top = float(np.max(np.abs(w))) if w.size else 0.0
    vmax = float(np.max(np.abs(values)))
    if top == 0.0:
        return 1.0
    if method == "maxabs":
        return top / vmax
    sample = w.ravel()
    if sample.size > 200_000:
        sample = np.random.default_rng(0).choice(sample, 200_000, replace=False)
    grid = top / vmax * np.linspace(0.02, 1.2, 120)
    cost = np.array([_sse(sample, values, s) for s in grid])
    k = int(np.argmin(cost))
    a, b = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    phi = (np.sqrt(5.0) - 1.0) / 2.0
    c, d = b - phi * (b - a), a + phi * (b - a)
    fc, fd = _sse(sample, values, c), _sse(sample, values, d)
    for _ in range(40):
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - phi * (b - a)
            fc = _sse(sample, values, c)
        else:
            a, c, fc = c, d, fd
            d = a + phi * (b - a)
            fd = _sse(sample, values, d)
    best = min((cost[k], grid[k]), (fc, c), (fd, d))
    return float(best[1])


@dataclass
class MappedLayer:
    """One layer's weights on devices.

    Attributes
    ----------
    weights : (in, out) array
        The trained weights.
    quantized : (in, out) array
        ``s ·`` (nearest allowed value): what an ideal array of nominal devices computes.
    scheme : str
    levels : LevelSet
    scale : float
        ``s``: weight per unit of normalised value.
    unit : float
        Conductance per unit of normalised value [S].
    level_plus, level_minus : (in, out) int arrays
        Level index of the ``+`` and ``−`` device of every weight (``-1``: no device).
    g_plus, g_minus : (in, out) arrays
        Conductances [S] of those devices (0 where there is none): nominal levels, or the
        devices' own realisation with spread (:meth:`with_spread`).
    g_ref : float
        Reference conductance [S] (``"offset"`` scheme; 0 otherwise).
    spread : bool
        Whether ``g_plus``/``g_minus`` hold spread realisations.
    """

    __repr__ = short_repr

    weights: F64
    quantized: F64
    scheme: str
    levels: LevelSet
    scale: float
    unit: float
    level_plus: I64
    level_minus: I64
    g_plus: F64
    g_minus: F64
    g_ref: float = 0.0
    spread: bool = False
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, int]:
        """``(inputs, outputs)``."""
        return (int(self.weights.shape[0]), int(self.weights.shape[1]))

    def effective_weights(self) -> F64:
        """Weights the devices realise (``quantized`` for nominal devices)."""
        if self.scheme == "offset":
            return self.scale * (self.g_plus - self.g_ref) / self.unit
        return self.scale * (self.g_plus - self.g_minus) / self.unit

    def quantization_error(self) -> float:
        """RMS of ``quantized − weights`` relative to the RMS weight."""
        rms = float(np.sqrt(np.mean(self.weights**2))) or 1.0
        return float(np.sqrt(np.mean((self.quantized - self.weights) ** 2))) / rms

    def with_spread(self, rng: np.random.Generator) -> MappedLayer:
        """The same mapping with every device's conductance drawn from the level set's spread."""
        if self.levels.sampler is None:
            raise ParameterError(f"level set '{self.levels.name}' has no spread model (LevelSet.sot/.mtj(..., spread=True) "
                                 "or from_rp_tmr/from_conductances(..., rel_sigma=…); on the command line "
                                 "',spread' or ',sigma=…' in --levels)")
        n_in, n_out = self.shape
        real_p = self.levels.sample(n_in * n_out, rng).reshape(n_in, n_out, -1)
        real_m = self.levels.sample(n_in * n_out, rng).reshape(n_in, n_out, -1)
        gp = np.where(self.level_plus >= 0, np.take_along_axis(real_p, np.maximum(self.level_plus, 0)[..., None], 2)[..., 0], 0.0)
        gm = np.where(self.level_minus >= 0, np.take_along_axis(real_m, np.maximum(self.level_minus, 0)[..., None], 2)[..., 0], 0.0)
        return MappedLayer(self.weights, self.quantized, self.scheme, self.levels, self.scale, self.unit,
                           self.level_plus, self.level_minus, gp, gm, self.g_ref, True, dict(self.info))


def map_weights(weights: npt.ArrayLike, levels: LevelSet, scheme: str = "signed", *,
                scale: str | float = "maxabs") -> MappedLayer:
    """Quantise a layer's weights to a level set and assign devices (module docstring).

    Parameters
    ----------
    weights : (in, out) array_like
        Layer weights (finite).
    levels : LevelSet
    scheme : str
        ``"signed"``, ``"differential"`` or ``"offset"``.
    scale : ``"maxabs"``, ``"mmse"`` or a positive float
        How the per-layer scale ``s`` is chosen (or its value).

    Raises
    ------
    ParameterError
        Non-finite weights, wrong shape, unknown scheme or scale.
    """
    _check_scheme(scheme)
    if not isinstance(levels, LevelSet):
        raise ParameterError(f"levels must be a LevelSet, got {type(levels).__name__}")
    w = validate.array(weights, "weights")
    if w.ndim != 2 or w.size == 0:
        raise ParameterError(f"weights must be a non-empty 2-D (in, out) array, got shape {w.shape}")
    if not np.all(np.isfinite(w)):
        raise ParameterError("weights hold NaN or inf")
    values, plus, minus, unit = allowed_values(levels, scheme)
    if isinstance(scale, str):
        s = choose_scale(w, values, scale)
        how = scale
    else:
        try:
            s = float(scale)  # type: ignore[arg-type]
        except (TypeError, ValueError, OverflowError):
            s = math.nan
        if not (np.isfinite(s) and s > 0):
            raise ParameterError(f"scale must be 'maxabs', 'mmse' or a positive number, got {scale!r}")
        how = "given"
    k = quantize(w / s, values)
    lp, lm = plus[k], minus[k]
    g = levels.g
    gp = np.where(lp >= 0, g[np.maximum(lp, 0)], 0.0)
    gm = np.where(lm >= 0, g[np.maximum(lm, 0)], 0.0)
    g_ref = float(g[-1] + g[0]) / 2.0 if scheme == "offset" else 0.0
    return MappedLayer(w, values[k] * s, scheme, levels, s, unit, lp, lm, gp, gm, g_ref,
                       info={"scale_method": how})
