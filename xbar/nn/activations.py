"""Device activation functions for xbar's neural-network layers.

:class:`DeviceSigmoid` is the modified sigmoid Li et al. fit to the Hall resistance of a Co/Gd
Hall bar versus the write-pulse current [1]_ (Fig. 4(b)),

``Y(X) = y_min + (y_max − y_min) / (1 + exp(−(X − X0)/K))``,

with ``X`` the pulse current [A] and ``Y`` the Hall resistance [Ω] (or, normalised, the paper's
``Y = 1/(1 + exp(−(X − X0)/K))`` with ``y_min = 0``, ``y_max = 1``). :func:`li2022_sigmoid`
returns the one fitted to xbar's own simulation of the ``li2022_t20`` card (AlOx 2 nm,
``H_x = −500 Oe``, RESET then SET pulses of −5 … 30 mA, :func:`xbar.reproduce.li2022.sigmoid_curve`);
its numbers are cached in this module and :func:`fit_li2022_sigmoid` recomputes them.

This module depends on numpy and scipy only; the simulation is imported lazily.

References
----------
.. [1] W. Li et al., Chin. Phys. B 31, 117106 (2022), DOI 10.1088/1674-1056/ac89dd, Fig. 4(b).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.optimize import curve_fit
from scipy.special import expit

__all__ = [
    "ACTIVATIONS",
    "LI2022_CURVE",
    "LI2022_FIT",
    "Activation",
    "DeviceSigmoid",
    "TabulatedSigmoid",
    "fit_li2022_sigmoid",
    "get_activation",
    "li2022_sigmoid",
]

F64 = npt.NDArray[np.float64]

LI2022_FIT: tuple[float, float, float, float] = (
    0.022595638519436776,
    0.0012523262494302531,
    -0.9117397090578827,
    1.0160904142776044,
)
"""Cached ``(x0 [A], k [A], y_min [Ω], y_max [Ω])`` from :func:`fit_li2022_sigmoid`
(X0 = 22.60 mA, K = 1.25 mA; ``tests/test_cogd.py`` recomputes them)."""


def _logistic(x: F64, x0: float, k: float, y_min: float, y_max: float) -> F64:
    return y_min + (y_max - y_min) * expit((x - x0) / k)


@dataclass(frozen=True)
class DeviceSigmoid:
    """Modified sigmoid ``y_min + (y_max − y_min)/(1 + exp(−(x − x0)/k))``.

    Parameters
    ----------
    x0 : float
        Rising point (input at half swing), in the input's unit (pulse current [A]).
    k : float
        Slope parameter (> 0), same unit as ``x0``; the slope at ``x0`` is ``(y_max − y_min)/(4k)``.
    y_min, y_max : float
        Output levels far below and far above ``x0`` (Hall resistance [Ω], or 0 and 1).

    Examples
    --------
    >>> s = DeviceSigmoid(x0=0.02, k=0.002, y_min=0.0, y_max=1.0)
    >>> float(s(np.array(0.02)))
    0.5
    >>> round(float(s(np.array(0.02 + 0.002 * np.log(3.0)))), 12)
    0.75
    >>> round(float(s.derivative(np.array(0.02))), 9)   # 1/(4k)
    125.0
    """

    x0: float
    k: float
    y_min: float = 0.0
    y_max: float = 1.0

    def __post_init__(self) -> None:
        if not (np.isfinite(self.k) and self.k > 0):
            msg = f"DeviceSigmoid: k must be positive and finite, got {self.k!r}"
            raise ValueError(msg)

    def __call__(self, x: F64) -> F64:
        """Activation at inputs ``x`` (any shape)."""
        return _logistic(np.asarray(x, dtype=np.float64), self.x0, self.k, self.y_min, self.y_max)

    def derivative(self, x: F64) -> F64:
        """``dY/dX`` at inputs ``x`` (for back-propagation)."""
        s = expit((np.asarray(x, dtype=np.float64) - self.x0) / self.k)
        return (self.y_max - self.y_min) * s * (1.0 - s) / self.k

    def normalized(self) -> DeviceSigmoid:
        """The same ``x0``, ``k`` with ``y_min = 0``, ``y_max = 1`` (the paper's ``Y``)."""
        return DeviceSigmoid(self.x0, self.k, 0.0, 1.0)

    @classmethod
    def from_fit(cls, currents: F64, r_hall: F64) -> DeviceSigmoid:
        """Least-squares fit (``scipy.optimize.curve_fit``) to an ``R_hall(I)`` curve.

        Parameters
        ----------
        currents : array of float
            Pulse currents [A] (the input ``X``).
        r_hall : array of float
            Hall resistance after each pulse [Ω] (the output ``Y``), rising with current.

        Examples
        --------
        >>> x = np.linspace(-5e-3, 30e-3, 71)
        >>> y = DeviceSigmoid(18e-3, 2e-3, -0.9, 0.9)(x)
        >>> fit = DeviceSigmoid.from_fit(x, y)
        >>> round(fit.x0 * 1e3, 6), round(fit.k * 1e3, 6)
        (18.0, 2.0)
        """
        x = np.asarray(currents, dtype=np.float64)
        y = np.asarray(r_hall, dtype=np.float64)
        if x.shape != y.shape or x.ndim != 1 or len(x) < 4:
            msg = "DeviceSigmoid.from_fit needs two 1-D arrays of the same length (at least 4 points)"
            raise ValueError(msg)
        scale = float(np.max(np.abs(x))) or 1.0
        xs = x / scale
        lo, hi = float(np.min(y)), float(np.max(y))
        mid = 0.5 * (lo + hi)
        x0_guess = float(xs[np.argmin(np.abs(y - mid))])
        span = float(np.ptp(xs)) or 1.0
        p0 = (x0_guess, span / 20.0, lo, hi)
        bounds = ([xs.min() - span, 1e-6 * span, -np.inf, -np.inf], [xs.max() + span, 10.0 * span, np.inf, np.inf])
        popt, _ = curve_fit(_logistic, xs, y, p0=p0, bounds=bounds, maxfev=20000)
        return cls(float(popt[0] * scale), float(popt[1] * scale), float(popt[2]), float(popt[3]))


def li2022_sigmoid(normalized: bool = True) -> DeviceSigmoid:
    """The sigmoid fitted to xbar's simulated ``R_hall(I)`` of the Li 2022 Co/Gd Hall bar.

    ``normalized=True`` (default) gives the paper's ``Y ∈ (0, 1)`` with ``x`` the pulse current
    [A]; ``False`` keeps ``y_min``/``y_max`` in ohms. The numbers are :data:`LI2022_FIT`.
    """
    s = DeviceSigmoid(*LI2022_FIT)
    return s.normalized() if normalized else s


def fit_li2022_sigmoid() -> DeviceSigmoid:
    """Re-run the simulation behind :data:`LI2022_FIT` and fit it (about a second)."""
    from xbar.reproduce.li2022 import sigmoid_curve

    currents, r_hall = sigmoid_curve()
    return DeviceSigmoid.from_fit(currents, r_hall)


LI2022_CURVE: tuple[float, ...] = (
    -0.949918, -0.949918, -0.949918, -0.949918, -0.949918, -0.949918, -0.949918, -0.949918,
    -0.949918, -0.949918, -0.949918, -0.949918, -0.949918, -0.949918, -0.949918, -0.949918,
    -0.949918, -0.949918, -0.949918, -0.949918, -0.949918, -0.949918, -0.949918, -0.949918,
    -0.949918, -0.949918, -0.949918, -0.949918, -0.949918, -0.886590, -0.949918, -0.949918,
    -0.886590, -0.949918, -0.886590, -0.949918, -0.886590, -0.886590, -0.886590, -0.886590,
    -0.823262, -0.823262, -0.823262, -0.759934, -0.823262, -0.759934, -0.696606, -0.633279,
    -0.633279, -0.633279, -0.569951, -0.633279, -0.569951, -0.443295, -0.316639, -0.063328,
    0.253311, 0.316639, 0.569951, 0.759934, 0.949918, 0.949918, 0.949918, 0.949918,
    0.949918, 0.949918, 0.949918, 0.949918, 0.949918, 0.949918, 0.949918,
)
"""Simulated ``R_hall`` [Ω] of the ``li2022_t20`` Hall bar after SET pulses of −5 … 30 mA in
0.5 mA steps (:func:`xbar.reproduce.li2022.sigmoid_curve`, seeded; ``tests/test_nn_activations.py``
recomputes it). The staircase and the non-monotonic steps are the device's multidomain
switching, which the fitted :data:`LI2022_FIT` smooths away."""

LI2022_CURRENTS: tuple[float, float, float] = (-5e-3, 30e-3, 0.5e-3)
"""Start, stop and step [A] of the pulse currents of :data:`LI2022_CURVE`."""


class Activation:
    """A neuron activation ``y = f(z)`` with the derivative used for back-propagation.

    Subclasses implement :meth:`__call__` and :meth:`grad`; ``grad`` receives both the
    pre-activation ``z`` and the output ``y`` so that ``sigmoid`` can reuse ``y``.
    """

    name: str = ""

    def __call__(self, z: F64) -> F64:
        raise NotImplementedError

    def grad(self, z: F64, y: F64) -> F64:
        """``df/dz`` at ``z`` (``y = f(z)``)."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<activation {self.name}>"


class _Sigmoid(Activation):
    name = "sigmoid"

    def __call__(self, z: F64) -> F64:
        return expit(z)

    def grad(self, z: F64, y: F64) -> F64:
        return y * (1.0 - y)


class _Relu(Activation):
    name = "relu"

    def __call__(self, z: F64) -> F64:
        return np.maximum(z, 0.0)

    def grad(self, z: F64, y: F64) -> F64:
        return (z > 0).astype(z.dtype)


class _Tanh(Activation):
    name = "tanh"

    def __call__(self, z: F64) -> F64:
        return np.tanh(z)

    def grad(self, z: F64, y: F64) -> F64:
        return 1.0 - y * y


class TabulatedSigmoid(Activation):
    """A measured (or simulated) device response used as a neuron, normalised to [0, 1].

    The pre-activation ``z`` sets the device input ``X = x0 + k·z`` (the write-pulse current,
    scaled by the neuron's input converter so that ``z = 0`` sits at the device's rising point
    ``x0`` and one unit of ``z`` is the width ``k`` of its fitted sigmoid); the output is the
    device's response ``Y(X)``, linearly interpolated between the tabulated points and held
    at the end values outside them, normalised as ``(Y − min Y)/(max Y − min Y)``.

    Back-propagation uses the derivative of the fitted logistic ``σ(z)`` (rescaled to the
    table's span), a smooth surrogate of the staircase (the straight-through practice of
    device-in-the-loop training), so training sees the device in the forward pass only.

    Parameters
    ----------
    x, y : 1-D arrays
        Device input [A] (increasing) and response (any unit).
    fit : DeviceSigmoid
        Logistic fitted to the same curve (gives ``x0``, ``k`` and the surrogate derivative).
    name : str
    """

    def __init__(self, x: F64, y: F64, fit: DeviceSigmoid, name: str = "tabulated") -> None:
        xx = np.asarray(x, dtype=np.float64)
        yy = np.asarray(y, dtype=np.float64)
        if xx.ndim != 1 or xx.shape != yy.shape or len(xx) < 2 or np.any(np.diff(xx) <= 0):
            msg = "TabulatedSigmoid needs two 1-D arrays of equal length with increasing x"
            raise ValueError(msg)
        lo, hi = float(yy.min()), float(yy.max())
        if not hi > lo:
            msg = "TabulatedSigmoid: the response is constant"
            raise ValueError(msg)
        self.name = name
        self.fit = fit
        self.z_table = (xx - fit.x0) / fit.k
        self.y_table = (yy - lo) / (hi - lo)
        self._gain = (fit.y_max - fit.y_min) / (hi - lo)

    def __call__(self, z: F64) -> F64:
        return np.interp(z, self.z_table, self.y_table)

    def grad(self, z: F64, y: F64) -> F64:
        s = expit(z)
        return self._gain * s * (1.0 - s)


def _li2022_tabulated() -> TabulatedSigmoid:
    start, stop, step = LI2022_CURRENTS
    x = np.round(np.arange(start, stop + step / 2, step) / step) * step
    return TabulatedSigmoid(x, np.asarray(LI2022_CURVE), DeviceSigmoid(*LI2022_FIT), name="li2022")


ACTIVATIONS: dict[str, str] = {
    "sigmoid": "logistic 1/(1 + exp(-z))",
    "relu": "max(z, 0)",
    "tanh": "tanh(z)",
    "li2022": "Co/Gd Hall-bar neuron of Li 2022 (simulated R_hall(I) staircase, normalised; "
              "fitted-sigmoid surrogate gradient)",
}
"""Activation names accepted by :func:`get_activation` and the network trainer."""


def get_activation(name: str | Activation) -> Activation:
    """The activation called ``name`` (see :data:`ACTIVATIONS`), or ``name`` itself.

    Raises
    ------
    ValueError
        Unknown name (the message lists the known ones).
    """
    if isinstance(name, Activation):
        return name
    key = str(name).lower()
    if key == "sigmoid":
        return _Sigmoid()
    if key == "relu":
        return _Relu()
    if key == "tanh":
        return _Tanh()
    if key == "li2022":
        return _li2022_tabulated()
    from xbar.errors import ParameterError

    msg = f"unknown activation {name!r}; known: {', '.join(ACTIVATIONS)}"
    raise ParameterError(msg)
