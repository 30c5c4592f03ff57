"""Random switching times that do not depend on the time steps (integrated hazard).

A magnetic element that leaves its state at rate ``λ(t)`` (Néel–Brown, Sun, nucleation …)
switches when its integrated hazard ``Λ = ∫ λ dt`` since it entered the state first exceeds an
exponential random threshold ``E ~ Exp(1)`` drawn at that moment. This is the same process as
drawing ``p = 1 − exp(−λ·Δt)`` in every step (``P(E ≤ Λ + λΔt | E > Λ) = 1 − exp(−λΔt)``), but
random numbers are drawn only when an element switches, never per step. The stream of draws,
and therefore every result of a seeded run, no longer depends on how many time steps a
transient took or on which steps had a negligible rate: a different step-size control, a
different numpy (last-bit differences of ``exp``) or an extra output point leave the switching
events unchanged except for their exact time within a step.
(Per-step Bernoulli draws were why the same seed gave I_th = 17.5 mA on one machine and 18.0 mA
on another in the Li 2022 reproduction.)

References
----------
.. [1] D. T. Gillespie, "Exact stochastic simulation of coupled chemical reactions",
   J. Phys. Chem. 81, 2340 (1977), DOI 10.1021/j100540a008 (next-reaction by exponential
   thresholds on the integrated rate).
"""

from __future__ import annotations

import numpy as np

from xbar.devices.base import F64

__all__ = ["HazardClock"]


class HazardClock:
    """Integrated-hazard switching clocks for an array of elements of any shape.

    Thresholds are drawn lazily, at the first :meth:`advance`, so creating a clock does not
    consume random numbers (device-to-device variation drawn at construction is unchanged).

    Examples
    --------
    >>> clock = HazardClock(np.random.default_rng(0), (2,))
    >>> fired = clock.advance(np.array([0.0, 1e12]), 1e-6)   # rate·Δt = 0 and 1e6
    >>> fired.tolist()
    [False, True]
    >>> clock.rearm(fired)                                   # the switched one starts afresh
    """

    def __init__(self, rng: np.random.Generator, shape: tuple[int, ...]) -> None:
        self.rng = rng
        self.shape = shape
        self.threshold: F64 | None = None
        self.accum = np.zeros(shape)

    def _arm(self) -> F64:
        if self.threshold is None:
            self.threshold = self.rng.standard_exponential(self.shape)
        return self.threshold

    def advance(self, rate: F64, dt: float) -> np.ndarray:
        """Add ``rate·dt`` ([1/s]·[s]) to every clock; True where a clock fired.

        Fired clocks keep their value until :meth:`rearm` (call it for every element whose
        state changed, fired or not).
        """
        threshold = self._arm()
        self.accum += np.broadcast_to(rate, self.shape) * dt
        return self.accum >= threshold

    def rearm(self, mask: np.ndarray) -> None:
        """New thresholds and zero hazard for the elements in ``mask`` (they changed state)."""
        threshold = self._arm()
        count = int(np.count_nonzero(mask))
        if count:
            threshold[mask] = self.rng.standard_exponential(count)
            self.accum[mask] = 0.0
