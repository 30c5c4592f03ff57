"""Nonlinear devices written on their local terminal voltages (the F/Q device contract).

A :class:`LocalDevice` group holds N instances with T local nodes each (external terminals
plus internal nodes such as the ohmic-resistance nodes of diodes and transistors; a local node
may alias another when the resistance is absent). Subclasses implement one pure function,
:meth:`LocalDevice.evaluate`, of the local node voltages ``v`` (N, T):

* ``f`` (N, T): current leaving each local node into the device [A];
* ``G`` (N, T, T): ``∂f/∂v`` [S];
* ``q`` (N, T): charge stored at each local node [C] (devices with ``has_charge``);
* ``C`` (N, T, T): ``∂q/∂v`` [F].

Everything the engine needs follows from that: the Newton companion stamps (``G`` and the
equivalent currents ``f − G·v``), the charge stamps of the transient integrator
(``a0·C`` and ``a0·(q − C·v)``, see :mod:`xbar.analysis.tran`), the small-signal matrices
``G + jωC`` of ``.ac``, and SPICE's device convergence test. Devices only add voltage
limiting (:meth:`LocalDevice.limit`, :mod:`xbar.devices.limiting`) and a cold-start point
(:meth:`LocalDevice.cold_start`). ``f`` and ``q`` must depend on voltage differences only.

This module knows nothing about matrix layout or the integration method.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from xbar.devices.base import F64, I64, DeviceGroup, LoadContext
from xbar.reprs import short_repr

__all__ = ["LocalDevice", "LocalEval", "add_flow", "conductance_block"]


@dataclass
class LocalEval:
    """Result of :meth:`LocalDevice.evaluate` (shapes in the module docstring)."""

    f: F64
    G: F64
    q: F64 | None = None
    C: F64 | None = None

    __repr__ = short_repr


def add_flow(f: F64, G: F64, p: int, n: int, i: F64, derivs: dict[int, F64]) -> None:
    """Add a current ``i`` flowing from local node ``p`` through the device to node ``n``.

    ``derivs`` maps a local node index to ``∂i/∂v_node``; ``f`` and ``G`` are updated in place.
    The same helper adds charges (``q`` for ``f``, ``C`` for ``G``): a charge ``+Q`` at ``p``
    and ``−Q`` at ``n``.
    """
    f[:, p] += i
    f[:, n] -= i
    for k, d in derivs.items():
        G[:, p, k] += d
        G[:, n, k] -= d


def conductance_block(n: int, t: int, pairs: list[tuple[int, int, F64]]) -> F64:
    """(N, T, T) conductance stamps of linear two-terminal branches ``(a, b, g)``."""
    G = np.zeros((n, t, t))
    for a, b, g in pairs:
        G[:, a, a] += g
        G[:, a, b] -= g
        G[:, b, a] -= g
        G[:, b, b] += g
    return G


def _pairs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    t, s = np.nonzero(mask)
    return t, s


class LocalDevice(DeviceGroup):
    """Base of nonlinear device groups with a local F/Q evaluation (see module docstring).

    Subclasses set ``self.local`` (N, T) of global unknown indices (``-1`` ground) in their
    constructor and may narrow ``g_mask``/``c_mask`` (T, T) to the structurally nonzero
    entries of ``G`` and ``C``.
    """

    linear: ClassVar[bool] = False
    has_charge: ClassVar[bool] = False
    local: I64
    g_lin: F64 | None = None
    """Constant (ohmic) part of ``G``, (N, T, T): left out of the convergence test, which
    checks the nonlinear branch currents as SPICE does (a series resistance would otherwise
    add the rounding of its node voltages to a junction's picoamperes)."""
    g_mask: np.ndarray | None = None
    c_mask: np.ndarray | None = None

    # device hooks ------------------------------------------------------------------------
    def evaluate(self, v: F64, ctx: LoadContext, mode: str) -> LocalEval:
        """Currents, charges and their Jacobians at local node voltages ``v`` (N, T).

        ``mode`` is ``"dc"`` (charges not needed), ``"tran"`` (charges of the transient, with
        any history the device keeps) or ``"ac"`` (small-signal capacitances in ``C``).
        """
        raise NotImplementedError

    def limit(self, v: F64, v_old: F64, ctx: LoadContext) -> tuple[F64, np.ndarray]:
        """Limited voltages for this Newton iteration and the instances that were limited."""
        return v, np.zeros(len(v), dtype=bool)

    def limit_free_step(self, ctx: LoadContext) -> float:
        """Largest change of every local node voltage [V] from the previous iterate that
        :meth:`limit` provably leaves alone (it is then skipped); 0: always call it."""
        return 0.0

    def cold_start(self, v: F64, ctx: LoadContext) -> F64:
        """Local voltages of the first iteration without a previous solution (MODEINITJCT)."""
        return v

    # engine side -------------------------------------------------------------------------
    def _masks(self) -> tuple[np.ndarray, np.ndarray]:
        t = self.local.shape[1]
        gm = self.g_mask if self.g_mask is not None else np.ones((t, t), dtype=bool)
        cm = self.c_mask if self.c_mask is not None else np.ones((t, t), dtype=bool)
        return gm, cm

    def gather(self, x: F64) -> F64:
        """Local node voltages (N, T) of solution ``x`` (ground reads 0)."""
        if len(x) == 0:
            return np.zeros(self.local.shape)
        return np.where(self.local >= 0, x[np.maximum(self.local, 0)], 0.0)

    def _pattern(self, mask: np.ndarray) -> tuple[I64, I64]:
        t, s = _pairs(mask)
        rows = self.local[:, t].T.ravel()
        cols = self.local[:, s].T.ravel()
        return rows, cols

    def nl_pattern(self) -> tuple[I64, I64]:
        return self._pattern(self._masks()[0])

    def q_pattern(self) -> tuple[I64, I64]:
        """Rows and cols of the capacitance entries ``∂q/∂x`` (devices with charges)."""
        return self._pattern(self._masks()[1])

    @staticmethod
    def _values(M: F64, mask: np.ndarray) -> F64:
        t, s = _pairs(mask)
        return M[:, t, s].T.ravel()

    def _rows(self) -> I64:
        return self.local.T.ravel()

    def _bypass(self, v: F64, prev: F64, ctx: LoadContext, mode: str) -> bool:
        """SPICE's bypass: every local voltage moved by less than ``reltol·max(|v|, |v_old|) +
        vntol`` since the last evaluation (in this Newton solve, same mode) and the currents
        that predicts moved by less than ``reltol·max(|î|, |i|) + abstol``: the last
        linearisation is reused as it is. Converged iterations then repeat the same matrix and
        right-hand side exactly, so tight tolerances are met instead of chasing round-off."""
        if self.__dict__.get("_mode") != mode or self.__dict__.get("_ctx_id") != id(ctx):
            return False
        dv = v - prev
        if not np.all(np.abs(dv) <= ctx.reltol * np.maximum(np.abs(v), np.abs(prev)) + ctx.vntol):
            return False
        return self._currents_settled(dv, ctx)

    def _currents_settled(self, dv: F64, ctx: LoadContext) -> bool:
        ev = self._ev
        G, f = ev.G, ev.f
        if self.g_lin is not None:
            G = G - self.g_lin
            f = f - np.einsum("nts,ns->nt", self.g_lin, self._v_lin)
        change = np.einsum("nts,ns->nt", G, dv)
        tol = ctx.reltol * np.maximum(np.abs(f + change), np.abs(f)) + ctx.abstol
        return bool(np.all(np.abs(change) <= tol))

    def nl_load(self, x: F64, ctx: LoadContext) -> tuple[F64, I64, F64]:
        v = self.gather(x)
        prev = self.__dict__.get("_v_lin")
        mode = "tran" if ctx.a0 != 0.0 and self.has_charge else "dc"
        if (not ctx.initialise and prev is not None and prev.shape == v.shape
                and self._bypass(v, prev, ctx, mode)):
            self._limited = False
            return self._load_out
        if ctx.initialise or prev is None or prev.shape != v.shape:
            v_lin = self.cold_start(v, ctx) if ctx.cold else v
            limited = np.zeros(len(v), dtype=bool)
        elif np.max(np.abs(v - prev), initial=0.0) < self.limit_free_step(ctx):
            # SPICE's limiters cannot act on steps this small (see the device's limit_free_step)
            v_lin, limited = v, np.zeros(len(v), dtype=bool)
        else:
            v_lin, limited = self.limit(v, prev, ctx)
        ev = self.evaluate(v_lin, ctx, mode)
        self._v_lin = v_lin
        self._limited = bool(np.any(limited))
        self._ev = ev
        self._mode = mode
        self._ctx_id = id(ctx)
        ieq = ev.f - np.einsum("nts,ns->nt", ev.G, v_lin)
        self._load_out = (self._values(ev.G, self._masks()[0]), self._rows(), ieq.T.ravel())
        return self._load_out

    def q_load(self, x: F64, ctx: LoadContext) -> tuple[F64, I64, F64]:
        """Linearised charges at the point of the last :meth:`nl_load`:
        capacitances (aligned with :meth:`q_pattern`) and ``(rows, q − C·v)``."""
        ev = self._ev
        assert ev.q is not None and ev.C is not None
        qeq = ev.q - np.einsum("nts,ns->nt", ev.C, self._v_lin)
        return self._values(ev.C, self._masks()[1]), self._rows(), qeq.T.ravel()

    def charges(self, x: F64, ctx: LoadContext, *, linearised: bool = False) -> tuple[I64, F64]:
        """Charges ``(rows, q)`` at solution ``x`` (the integrator's history).

        ``linearised``: ``x`` is the solution of the Newton iteration whose last load was this
        group's latest :meth:`nl_load`; the charges are then its linearisation
        ``q(v_lin) + C·(v − v_lin)`` (exactly what the solved equations contained) instead of
        a new evaluation.
        """
        ev = self.__dict__.get("_ev")
        if linearised and ev is not None and ev.q is not None and ev.C is not None:
            q = ev.q + np.einsum("nts,ns->nt", ev.C, self.gather(x) - self._v_lin)
            return self._rows(), q.T.ravel()
        ev = self.evaluate(self.gather(x), ctx, "tran")
        assert ev.q is not None
        return self._rows(), ev.q.T.ravel()

    def small_signal(self, x: F64, ctx: LoadContext) -> tuple[F64, F64 | None]:
        """Conductances (aligned with :meth:`nl_pattern`) and capacitances (aligned with
        :meth:`q_pattern`, None without charges) linearised at operating point ``x``."""
        ev = self.evaluate(self.gather(x), ctx, "ac" if self.has_charge else "dc")
        g = self._values(ev.G, self._masks()[0])
        c = self._values(ev.C, self._masks()[1]) if ev.C is not None else None
        return g, c

    def nl_converged(self, x: F64, ctx: LoadContext) -> bool:
        """SPICE's device test: no voltage was limited in the last load, and the currents
        predicted by the linearisation at the new solution changed by less than
        ``reltol·max(|î|, |i|) + abstol``."""
        if self.__dict__.get("_limited", False):
            return False
        return self._currents_settled(self.gather(x) - self._v_lin, ctx)
