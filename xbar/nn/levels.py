"""Conductance levels of synaptic devices: the values a weight can take in hardware.

A :class:`LevelSet` holds the ``L`` read conductances [S] a device can be programmed to
(ascending), an optional sampler of device-to-device spread (each physical device gets its
own realisation of the ``L`` levels), the device behind them (for circuit-level cells with
bias-dependent conductance) and its read limits. Constructors:

* :meth:`LevelSet.sot` — a compound SOT-MTJ of Kumar et al. 2024 (DOI 10.1039/d4nh00097h)
  with ``n`` cells at free-layer thickness ``t_F``: ``n + 1`` levels (``k = 0 … n`` cells
  antiparallel), each the exact zero-bias read conductance from the top electrode through
  the barriers and the write channel to the column, with the write terminal floating
  (:func:`xbar.devices.mtj.sot.read_conductance`), from the ``sotmtj`` card's laws
  ``R_P(t_F)`` and ``TMR(t_F)`` (paper Fig. 3f). Spread: the card's ``rp_sigma``,
  ``tmr_sigma`` and ``tf_sigma`` drawn per cell.
* :meth:`LevelSet.mtj` — a two-terminal ``mtj`` card: ``G_AP = 1/(R_P (1 + TMR0))`` and
  ``G_P = 1/R_P``; spread from ``rp_sigma``/``tmr_sigma``.
* :meth:`LevelSet.from_rp_tmr` — ``n`` states evenly spaced in conductance between
  ``1/R_AP`` and ``1/R_P`` with ``R_AP = R_P (1 + TMR)`` (Kumar Fig. 5d/e: ``R_P = 10 kΩ``,
  ``R_AP`` 16–36 kΩ, 2–7 states; a compound device of ``n − 1`` identical cells).
* :meth:`LevelSet.from_conductances` — any list of positive conductances.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from xbar.errors import ParameterError
from xbar.nn import _checks as validate
from xbar.reprs import short_repr

__all__ = ["LevelSet", "compact_model_path"]

F64 = npt.NDArray[np.float64]
Sampler = Callable[[int, np.random.Generator], F64]


def compact_model_path(name: str) -> Path:
    """Path of a compact-model library shipped with xbar (e.g. ``"kumar2024_sot.lib"``)."""
    here = Path(__file__).resolve()
    for cand in (here.parents[1] / "compact_models" / name, here.parents[2] / "compact_models" / name):
        if cand.is_file():
            return cand
    raise ParameterError(f"compact-model library '{name}' not found next to the xbar package")


def _card(kind: str, card: str | Mapping[str, float], lib: str | Path | None) -> tuple[str, dict[str, float]]:
    """Resolve a card (a name in ``lib`` or a dict of parameters) to ``(name, params)``."""
    if isinstance(card, Mapping):
        return "card", {str(k).lower(): float(v) for k, v in card.items()}
    from xbar.circuit import Circuit

    c = Circuit()
    c.load_models(lib if lib is not None else compact_model_path("kumar2024_sot.lib"), [card])
    m = c.models[card.lower()]
    if m.type != kind:
        raise ParameterError(f"model '{card}' is a '{m.type}' card, expected '{kind}'")
    return m.name, dict(m.params)


@dataclass(frozen=True)
class LevelSet:
    """Programmable read conductances of one synaptic device (module docstring).

    Attributes
    ----------
    g : (L,) float array
        Nominal conductances [S], ascending, all positive.
    name : str
        Short label (plots, tables).
    description : str
        Where the levels come from.
    sampler : callable, optional
        ``sampler(count, rng) -> (count, L)`` realised levels of ``count`` devices
        (device-to-device spread); None: no spread model.
    device : dict
        Circuit-level cell: ``{"cell": "sotmtj" | "mtj", "card": {...}, "params": {...},
        "states": [state of level 0, …]}``; empty for plain conductance lists.
    v_breakdown : float
        Barrier breakdown voltage [V] (``inf`` when unknown).
    """

    __repr__ = short_repr

    g: F64
    name: str = "levels"
    description: str = ""
    sampler: Sampler | None = field(default=None, repr=False, compare=False)
    device: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    v_breakdown: float = float("inf")

    def __post_init__(self) -> None:
        try:
            g = np.asarray(self.g, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            raise ParameterError("levels must be a sequence of conductances in siemens") from None
        if g.size < 2:
            raise ParameterError(f"a level set needs at least two conductances, got {g.size}")
        if not np.all(np.isfinite(g)) or np.any(g <= 0):
            raise ParameterError(f"level conductances must be positive and finite (S), got {g.tolist()}")
        order = np.argsort(g)
        g = g[order]
        if np.any(np.diff(g) <= 0):
            raise ParameterError(f"level conductances must be distinct, got {g.tolist()}")
        object.__setattr__(self, "g", g)
        if self.device.get("states") is not None:
            states = list(self.device["states"])
            object.__setattr__(self, "device", {**self.device, "states": [states[k] for k in order]})

    def __len__(self) -> int:
        return len(self.g)

    @property
    def g_max(self) -> float:
        """Largest conductance [S]."""
        return float(self.g[-1])

    @property
    def g_min(self) -> float:
        """Smallest conductance [S]."""
        return float(self.g[0])

    @property
    def normalized(self) -> F64:
        """``G_k / G_max`` (ascending, last = 1)."""
        return self.g / self.g[-1]

    @property
    def on_off(self) -> float:
        """``G_max / G_min`` (``1 + TMR`` for a single MTJ)."""
        return float(self.g[-1] / self.g[0])

    def sample(self, count: int, rng: np.random.Generator) -> F64:
        """Realised levels of ``count`` devices, ``(count, L)`` [S] (nominal without a sampler)."""
        if self.sampler is None:
            return np.broadcast_to(self.g, (count, len(self.g))).copy()
        out = np.asarray(self.sampler(count, rng), dtype=np.float64)
        return np.sort(out, axis=1)

    # constructors ---------------------------------------------------------------------------
    @classmethod
    def from_conductances(cls, g: Sequence[float] | F64, name: str = "custom",
                          rel_sigma: float = 0.0) -> LevelSet:
        """Any positive conductances [S]; ``rel_sigma`` adds a Gaussian relative spread."""
        rel_sigma = validate.real(rel_sigma, "rel_sigma", lo=0.0)
        gg = validate.array(g, "conductances g", ndim=1, lo=0.0, lo_open=True, unit="S", copy=True)
        sampler = None
        if rel_sigma > 0:
            def sampler(count: int, rng: np.random.Generator) -> F64:
                base = np.sort(gg)
                return base * np.maximum(1.0 + rel_sigma * rng.standard_normal((count, len(base))), 0.05)
        return cls(gg, name, f"{len(gg)} conductances given", sampler)

    @classmethod
    def from_rp_tmr(cls, rp: float, tmr: float, n_states: int, rel_sigma: float = 0.0) -> LevelSet:
        """``n_states`` conductances evenly spaced from ``1/(R_P (1 + TMR))`` to ``1/R_P``.

        Parameters
        ----------
        rp : float
            Parallel resistance [Ω] (Kumar Fig. 5d/e: 10 kΩ).
        tmr : float
            TMR as a fraction (``0.6`` for 60 %).
        n_states : int
            Number of levels (2 … 64).
        rel_sigma : float
            Relative Gaussian spread of every device's conductances (0: none).
        """
        rp = validate.real(rp, "rp (parallel resistance)", lo=0.0, lo_open=True, unit="Ω")
        tmr = validate.real(tmr, "tmr (a fraction: 0.6 for 60 %)", lo=0.0, lo_open=True)
        if isinstance(n_states, bool) or not isinstance(n_states, (int, np.integer)) or not 2 <= n_states <= 64:
            raise ParameterError(f"n_states must be an integer in 2 … 64, got {n_states!r}")
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            g = np.linspace(1.0 / (rp * (1.0 + tmr)), 1.0 / rp, int(n_states))
        if not (np.all(np.isfinite(g)) and g[0] > 0 and np.all(np.diff(g) > 0)):
            raise ParameterError(f"rp = {rp:g} Ω and tmr = {tmr:g} give conductances float64 cannot hold "
                                 "as distinct positive levels")
        sampler = cls.from_conductances(g, rel_sigma=rel_sigma).sampler
        return cls(g, f"{n_states} states, TMR {tmr * 100:.0f} %",
                   f"{n_states} conductances evenly spaced between 1/R_AP and 1/R_P, R_P = {rp:g} Ω, "
                   f"R_AP = {rp * (1 + tmr):g} Ω (TMR {tmr * 100:g} %)", sampler)

    @classmethod
    def mtj(cls, card: str | Mapping[str, float], lib: str | Path | None = None, *,
            spread: bool = False) -> LevelSet:
        """The two levels of a two-terminal ``mtj`` card (P and AP at zero bias)."""
        name, c = _card("mtj", card, lib)
        from xbar.devices.mtj.stt import MTJ_CARD
        from xbar.devices.params import bind_card

        bound = bind_card(name, "mtj", MTJ_CARD, c)
        v = bound.values
        if v["ra"] > 0:
            raise ParameterError(f"mtj card '{name}': give rp (ra needs a junction area per instance)")
        rp, tmr = float(v["rp"]), float(v["tmr0"])
        if tmr <= 0:
            raise ParameterError(f"mtj card '{name}' has TMR0 = {tmr}: its two states are not distinct")
        sampler = None
        if spread and (v["rp_sigma"] > 0 or v["tmr_sigma"] > 0):
            def sampler(count: int, rng: np.random.Generator) -> F64:
                z = rng.standard_normal((2, count))
                r = rp * np.maximum(1.0 + v["rp_sigma"] * z[0], 0.05)
                t = tmr * np.maximum(1.0 + v["tmr_sigma"] * z[1], 0.0)
                return np.column_stack([1.0 / (r * (1.0 + t)), 1.0 / r])
        vb = float(v["vb"]) if v.get("vb", 0.0) > 0 else float("inf")
        return cls(np.array([1.0 / (rp * (1.0 + tmr)), 1.0 / rp]), f"mtj {name}",
                   f"two-terminal MTJ card '{name}': R_P = {rp:g} Ω, TMR = {tmr * 100:.1f} %",
                   sampler, {"cell": "mtj", "card": dict(c), "params": {}, "states": [1.0, 0.0]}, vb)

    @classmethod
    def sot(cls, tf: float = 1.6e-9, ncell: int = 1, *, card: str | Mapping[str, float] = "kumar_sot_t16",
            lib: str | Path | None = None, spread: bool = False) -> LevelSet:
        """The ``ncell + 1`` read levels of a compound SOT-MTJ (module docstring).

        Parameters
        ----------
        tf : float
            Free-layer thickness [m] (1.2–3.2 nm; the paper's wedge is 1.6–2.6 nm).
        ncell : int
            Cells on the channel (1 … 6).
        card, lib : card name in ``lib`` (default: xbar's ``kumar2024_sot.lib``) or a dict.
        spread : bool
            Attach a sampler of the card's per-cell spread (``rp_sigma``, ``tmr_sigma``, ``tf_sigma``).
        """
        from xbar.devices.mtj.sot import (
            MAX_TF,
            SOT_CARD,
            CellValues,
            channel_segments,
            read_conductance,
        )
        from xbar.devices.params import bind_card

        if not isinstance(ncell, (int, np.integer)) or not 1 <= ncell <= MAX_TF:
            raise ParameterError(f"ncell must be an integer in 1 … {MAX_TF}, got {ncell!r}")
        if not (np.isfinite(tf) and 1.2e-9 <= tf <= 3.2e-9):
            hint = f" (did you mean {tf:g}n = {tf * 1e-9:g} m?)" if 1.2 <= tf <= 3.2 else ""
            raise ParameterError(f"tf must be a free-layer thickness in metres within [1.2e-9, 3.2e-9], got {tf!r}{hint}")
        name, c = _card("sotmtj", card, lib)
        bound = bind_card(name, "sotmtj", SOT_CARD, {k: v for k, v in c.items() if k not in ("tf", "ncell")})
        v = bound.values
        n = int(ncell)
        rseg = channel_segments(v, n)
        masks = [float((1 << k) - 1) for k in range(n + 1)]  # k cells AP: cells 1 … k

        def levels(count: int, rng: np.random.Generator | None) -> F64:
            inst: dict[str, Any] = {"tf": np.full(count, tf), "state": np.zeros(count)}
            for j in range(1, MAX_TF + 1):
                inst[f"tf{j}"] = np.zeros(count)
            cells = CellValues(v, inst, n, rng)
            gp = 1.0 / cells.rp
            gap = 1.0 / (cells.rp * (1.0 + cells.tmr0))
            out = np.empty((count, n + 1))
            for k in range(n + 1):
                g_cells = np.where(np.arange(n) < k, gap, gp)
                out[:, k] = read_conductance(g_cells, rseg, w1="float")
            return out

        nominal = levels(1, None)[0]
        sampler = None
        if spread and (v["rp_sigma"] > 0 or v["tmr_sigma"] > 0 or v["tf_sigma"] > 0):
            def sampler(count: int, rng: np.random.Generator) -> F64:
                return levels(count, rng)
        from xbar.devices.mtj.sot import rp_law, tmr_law, vb_law

        rp = float(rp_law(v, np.array(tf)))
        tmr = float(tmr_law(v, np.array(tf)))
        vb = float(vb_law(v, np.array(tf)))
        return cls(nominal, f"{n}-cell SOT, {tf * 1e9:.1f} nm",
                   f"compound SOT-MTJ '{name}' with {n} cell(s) at t_F = {tf * 1e9:.2f} nm: R_P = {rp / 1e3:.2f} kΩ, "
                   f"TMR = {tmr * 100:.1f} %, channel {rseg.sum():.0f} Ω (write terminal floating)",
                   sampler,
                   {"cell": "sotmtj", "card": dict(c), "params": {"ncell": float(n), "tf": float(tf)},
                    "states": masks, "tmr": tmr, "rp": rp},
                   vb)
