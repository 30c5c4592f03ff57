"""Network layers on simulated crossbar tiles: DAC, exact array solve, ADC, digital sums.

A layer ``z = h W + b`` (``W`` of shape (in, out), mapped by :mod:`xbar.nn.mapping`) is split
into tiles of at most ``tile_rows`` inputs × ``tile_cols`` physical columns; every tile is an
:class:`xbar.crossbar.CrossbarArray` ("L" layout: rows driven at their start, columns sensed
at their end) with wire resistance per segment, driver resistance and, by default, a TIA
(virtual-ground) sense circuit of finite gain. Per image and layer:

1. **DAC**: each input ``h_i ∈ [0, h_max]`` becomes a row voltage
   ``V_i = V_read · round(h_i/h_max · (2^b − 1))/(2^b − 1)`` (``b = dac_bits``; inputs that
   can be negative use a symmetric DAC on ``[−V_read, V_read]``). ``h_max`` is 1 for pixels
   and sigmoid outputs, else calibrated (largest value on the calibration set).
2. **Array**: column currents of every tile from the exact circuit —
   *linear cells*: each tile's exact effective matrix ``I = V T`` (adjoint solves, one per
   column: :meth:`~xbar.crossbar.CrossbarSolver.effective_matrix`), so any number of images
   is one matrix product; *device cells*: bias-dependent MTJ / compound SOT-MTJ cells
   solved exactly for every image (:class:`xbar.crossbar.ports.PortSolver`, Newton to a
   stated residual).
3. The scheme's column combination in analog (``I₊ − I₋`` of a pair, or ``I − I_ref``).
4. **ADC** per tile: symmetric, ``b = adc_bits``, full scale calibrated on held-out images
   (the largest ``|I|`` of the tile's outputs on the calibration set).
5. Partial sums of the row tiles are added digitally, scaled back to weight units
   (``y = I · s · h_max/(V_read · G_unit)``), then the bias is added and the activation
   applied in digital.

The read voltage is checked against the device card: at most the barrier breakdown voltage
minus four standard deviations of its spread (an error otherwise), and the read-disturb
switching probability of one read is reported (a warning above 1e-9).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from xbar.crossbar import CrossbarSpec, build_crossbar
from xbar.errors import ParameterError, warn
from xbar.nn.levels import LevelSet
from xbar.nn.mapping import MappedLayer
from xbar.reprs import short_repr

__all__ = ["HardwareConfig", "HardwareLayer", "Tile", "read_check"]

F64 = npt.NDArray[np.float64]
CELLS = ("linear", "device")


@dataclass(frozen=True)
class HardwareConfig:
    """How layers are put on arrays (SI units).

    Attributes
    ----------
    tile_rows, tile_cols : int
        Largest tile: inputs (rows) × physical columns (even for pair schemes). ``0``: one
        array of the layer's full size.
    r_wire : float
        Wire resistance per segment [Ω] on rows and columns (``r_row``/``r_col`` override).
    r_row, r_col : float, optional
    r_driver : float
        Row driver output resistance [Ω].
    sense : str
        ``"tia"`` (virtual ground of finite gain), ``"ammeter"`` (ideal) or ``"resistor"``.
    tia_gain, r_feedback : float
        TIA open-loop gain and feedback resistor [Ω].
    v_read : float
        Row voltage at full-scale input [V].
    dac_bits, adc_bits : int or None
        Converter resolutions; None: ideal (no quantisation).
    cells : str
        ``"linear"``: cells as resistors at their programmed zero-bias conductance;
        ``"device"``: the device kind behind the level set (bias-dependent conductance).
    tol : float
        Stated residual of device-cell solves (relative barrier voltage, see
        :meth:`xbar.crossbar.ports.PortSolver.batch`).
    read_time : float
        Duration of one read [s] (for the read-disturb probability).
    """

    tile_rows: int = 128
    tile_cols: int = 128
    r_wire: float = 1.0
    r_row: float | None = None
    r_col: float | None = None
    r_driver: float = 0.0
    sense: str = "tia"
    tia_gain: float = 1e5
    r_feedback: float = 10e3
    v_read: float = 0.1
    dac_bits: int | None = 8
    adc_bits: int | None = 8
    cells: str = "linear"
    tol: float = 1e-11
    read_time: float = 10e-9

    def __post_init__(self) -> None:
        for name in ("tile_rows", "tile_cols"):
            v = getattr(self, name)
            if not isinstance(v, (int, np.integer)) or v < 0 or v == 1:
                raise ParameterError(f"{name} must be an integer ≥ 2 (or 0 for one full-size array), got {v!r}")
        for name in ("r_wire", "r_driver", "r_feedback", "tia_gain", "v_read", "read_time"):
            v = getattr(self, name)
            if not isinstance(v, (int, float, np.floating, np.integer)) or not math.isfinite(v) or v < 0:
                raise ParameterError(f"{name} must be a finite number ≥ 0, got {v!r}")
        for name in ("r_row", "r_col"):
            v = getattr(self, name)
            if v is not None and (not math.isfinite(v) or v < 0):
                raise ParameterError(f"{name} must be a finite resistance ≥ 0 Ω, got {v!r}")
        if not self.v_read > 0:
            raise ParameterError(f"v_read must be > 0 V, got {self.v_read}")
        for name in ("dac_bits", "adc_bits"):
            v = getattr(self, name)
            if v is not None and (not isinstance(v, (int, np.integer)) or not 1 <= v <= 32):
                raise ParameterError(f"{name} must be an integer in 1 … 32 or None, got {v!r}")
        if self.sense not in ("tia", "ammeter", "resistor"):
            raise ParameterError(f"sense must be 'tia', 'ammeter' or 'resistor', got {self.sense!r}")
        if self.cells not in CELLS:
            raise ParameterError(f"cells must be 'linear' or 'device', got {self.cells!r}")
        if not (0 < self.tol < 1e-3):
            raise ParameterError(f"tol must be in (0, 1e-3), got {self.tol}")

    @property
    def rows_wire(self) -> float:
        return float(self.r_wire if self.r_row is None else self.r_row)

    @property
    def cols_wire(self) -> float:
        return float(self.r_wire if self.r_col is None else self.r_col)


def read_check(levels: LevelSet, v_read: float, read_time: float = 10e-9) -> dict[str, float]:
    """Check a read voltage against the device: breakdown margin and read disturb.

    Returns ``{"v_read", "v_breakdown_min", "p_disturb"}``: the smallest breakdown voltage
    expected among many devices (mean − 4σ of the card's ``vb_sigma``; ``inf`` for levels
    without a device), and the probability that one read of ``read_time`` switches a device
    (STT for ``mtj`` cards; SOT from the channel current for compound SOT-MTJs).

    Raises
    ------
    ParameterError
        ``v_read`` at or above the breakdown limit.
    """
    dev = levels.device
    vb = levels.v_breakdown
    card = dev.get("card", {})
    vb_min = vb - 4.0 * float(card.get("vb_sigma", 0.0)) if math.isfinite(vb) else vb
    p = 0.0
    if dev.get("cell") == "mtj":
        from xbar.devices.mtj.physics import hazard_rate, switch_probability
        from xbar.devices.mtj.stt import MTJ_CARD
        from xbar.devices.params import bind_card

        c = bind_card("card", "mtj", MTJ_CARD, card).values
        i = v_read * levels.g_max
        ratio = i / min(c["ic_p2ap"], c["ic_ap2p"])
        rate = hazard_rate(np.array([ratio]), c["delta"], c["tau0"], c["beta"], min(c["ic_p2ap"], c["ic_ap2p"]),
                           c["pol"], c["moment"])
        p = float(switch_probability(rate, read_time)[0])
    elif dev.get("cell") == "sotmtj":
        from xbar.devices.mtj.physics import switch_probability
        from xbar.devices.mtj.sot import SOT_CARD, anisotropy_field, critical_current, sot_rate
        from xbar.devices.params import bind_card

        c = bind_card("card", "sotmtj", SOT_CARD, {k: v for k, v in card.items() if k not in ("tf", "ncell")}).values
        tf = np.array(dev["params"]["tf"])
        _hk, d0 = anisotropy_field(c, tf, c["hc"])
        ic = critical_current(c, tf, c["hc"], 0.0)
        i_ch = v_read * levels.g_max  # the whole read current passes the channel end
        eta = c["theta_sh"] * c["area"] / (c["wch"] * c["tch"])
        moment = c["ms"] * c["area"] * tf * 0.5 / eta
        rate = sot_rate(np.array([i_ch / ic]), np.array([0.0]), np.array([d0]), c["tau0"], c["beta"],
                        np.array([ic]), np.array([moment]))
        p = float(switch_probability(rate, read_time)[0])
    if v_read >= vb_min:
        raise ParameterError(f"v_read = {v_read:g} V reaches the barrier breakdown limit of '{levels.name}' "
                             f"({vb_min:.3g} V = V_B − 4σ; V_B = {vb:.3g} V): lower v_read")
    if p > 1e-9:
        warn(f"read disturb: one {read_time:g} s read at {v_read:g} V switches a '{levels.name}' device "
             f"with probability {p:.2e}")
    return {"v_read": float(v_read), "v_breakdown_min": float(vb_min), "p_disturb": p}


@dataclass
class Tile:
    """One array of a layer.

    Attributes
    ----------
    rows : slice
        Inputs of the layer on this tile's rows.
    outputs : slice
        Layer outputs this tile computes (partial sums over its rows).
    g : (rows, pcols) array
        Programmed conductances [S] (0: empty cross-point) — linear cells.
    level : (rows, pcols) int array
        Level index of every cell (``-1``: empty) — device cells.
    combine : (pcols, outs) array
        Analog column combination (``+1``/``−1`` of a pair, ``−1`` for a reference column).
    array : CrossbarArray
        The built circuit.
    """

    __repr__ = short_repr

    rows: slice
    outputs: slice
    g: F64
    level: npt.NDArray[np.int64]
    combine: F64
    array: Any = None
    transfer: F64 | None = None
    port: Any = None
    start: F64 | None = None
    full_scale: float = 0.0
    stats: dict[str, float] = field(default_factory=dict)


def _physical(m: MappedLayer, rows: slice, outs: slice) -> tuple[F64, npt.NDArray[np.int64], F64]:
    """Physical conductances, level indices and column combination of one tile."""
    gp, gm = m.g_plus[rows, outs], m.g_minus[rows, outs]
    lp, lm = m.level_plus[rows, outs], m.level_minus[rows, outs]
    n_r, n_o = gp.shape
    if m.scheme == "offset":
        g = np.concatenate([gp, np.full((n_r, 1), m.g_ref)], axis=1)
        lev = np.concatenate([lp, np.full((n_r, 1), -2)], axis=1)  # -2: fixed reference resistor
        comb = np.zeros((n_o + 1, n_o))
        comb[np.arange(n_o), np.arange(n_o)] = 1.0
        comb[n_o, :] = -1.0
        return g, lev, comb
    g = np.empty((n_r, 2 * n_o))
    g[:, 0::2], g[:, 1::2] = gp, gm
    lev = np.empty((n_r, 2 * n_o), dtype=np.int64)
    lev[:, 0::2], lev[:, 1::2] = lp, lm
    comb = np.zeros((2 * n_o, n_o))
    comb[0::2, :][np.arange(n_o), np.arange(n_o)] = 1.0
    comb[1::2, :][np.arange(n_o), np.arange(n_o)] = -1.0
    return g, lev, comb


class HardwareLayer:
    """One mapped layer on simulated tiles (module docstring).

    Parameters
    ----------
    mapped : MappedLayer
    config : HardwareConfig
    signed_inputs : bool
        Inputs can be negative (symmetric DAC).
    """

    def __init__(self, mapped: MappedLayer, config: HardwareConfig, *, signed_inputs: bool = False) -> None:
        self.mapped = mapped
        self.config = config
        self.signed_inputs = signed_inputs
        self.h_max = 1.0
        n_in, n_out = mapped.shape
        per_pair = 1 if mapped.scheme == "offset" else 2
        tr = config.tile_rows or n_in
        tc = config.tile_cols or (n_out * per_pair + (1 if mapped.scheme == "offset" else 0))
        if mapped.scheme == "offset":
            if tc < 2:
                raise ParameterError("the offset scheme needs tile_cols ≥ 2 (outputs plus a reference column)")
            outs_per_tile = tc - 1
        else:
            if tc % 2:
                raise ParameterError(f"tile_cols must be even for the '{mapped.scheme}' scheme (column pairs), got {tc}")
            outs_per_tile = tc // 2
        if config.cells == "device":
            if not mapped.levels.device:
                raise ParameterError(f"level set '{mapped.levels.name}' has no device model; use cells='linear'")
            if mapped.scheme == "offset":
                raise ParameterError("device cells cannot form the offset scheme's fixed reference column; "
                                     "use the signed or differential scheme, or cells='linear'")
        self.tiles: list[Tile] = []
        for r0 in range(0, n_in, tr):
            for o0 in range(0, n_out, outs_per_tile):
                rows, outs = slice(r0, min(n_in, r0 + tr)), slice(o0, min(n_out, o0 + outs_per_tile))
                g, lev, comb = _physical(mapped, rows, outs)
                self.tiles.append(Tile(rows, outs, g, lev, comb))
        self.setup_seconds = 0.0

    # circuits ----------------------------------------------------------------------------------
    def _spec(self, t: Tile) -> CrossbarSpec:
        cfg = self.config
        n, m = t.g.shape
        common: dict[str, Any] = dict(r_row=cfg.rows_wire, r_col=cfg.cols_wire, r_driver=cfg.r_driver,
                                      sense=cfg.sense, tia_gain=cfg.tia_gain, r_feedback=cfg.r_feedback,
                                      present=t.level != -1)
        if cfg.cells == "linear":
            return CrossbarSpec(n, m, g=np.where(t.level != -1, t.g, 0.0), **common)
        dev = self.mapped.levels.device
        states = np.asarray(dev["states"], dtype=np.float64)
        state = np.where(t.level >= 0, states[np.maximum(t.level, 0)], 0.0)
        card = {k: v for k, v in dev["card"].items() if k not in ("tf", "ncell")}
        for key in [k for k in card if k.endswith("_sigma")]:
            card[key] = 0.0  # nominal devices: the levels' spread is its own mode
        return CrossbarSpec(n, m, cell=dev["cell"], model="nncell", card=card, state=state,
                            params=dict(dev.get("params", {})), **common)

    def build(self, *, progress: bool = False) -> None:
        """Build every tile's circuit and what its solves reuse (effective matrix or start map)."""
        from xbar.crossbar.ports import PortSolver

        t0 = time.perf_counter()
        it = self.tiles
        if progress:
            from tqdm.auto import tqdm

            it = tqdm(self.tiles, desc="tiles", unit="tile", leave=False)
        for t in it:
            if t.array is not None:
                continue
            t.array = build_crossbar(self._spec(t))
            if self.config.cells == "linear":
                T, i0 = t.array.solver().effective_matrix()
                if np.any(i0 != 0):  # pragma: no cover - passive arrays have no offset current
                    raise AssertionError("nonzero output at zero input")
                t.transfer = T @ t.combine
            else:
                t.port = PortSolver(t.array)
                t.start = t.port.linear_map()
        self.setup_seconds += time.perf_counter() - t0

    # forward -------------------------------------------------------------------------------------
    def dac(self, h: F64) -> F64:
        """Row voltages [V] of inputs ``h`` (``(n, in)``)."""
        cfg = self.config
        x = h / self.h_max
        lo = -1.0 if self.signed_inputs else 0.0
        x = np.clip(x, lo, 1.0)
        if cfg.dac_bits is not None:
            q = (2 ** (cfg.dac_bits - (1 if self.signed_inputs else 0))) - 1
            x = np.round(x * q) / q
        return cfg.v_read * x

    def tile_currents(self, t: Tile, v: F64) -> F64:
        """Analog outputs of one tile for row voltages ``v`` (its rows), ``(n, outs)`` [A]."""
        if self.config.cells == "linear":
            assert t.transfer is not None
            return v @ t.transfer
        res = t.port.batch(v, tol=self.config.tol, start=t.start)
        t.stats["residual"] = max(t.stats.get("residual", 0.0), res.residual)
        t.stats["newton"] = t.stats.get("newton", 0.0) + float(res.newton.sum())
        t.stats["vectors"] = t.stats.get("vectors", 0.0) + len(v)
        return res.currents @ t.combine

    def adc(self, t: Tile, i: F64) -> F64:
        """ADC of a tile's outputs (symmetric, full scale from calibration)."""
        bits = self.config.adc_bits
        if bits is None or t.full_scale <= 0:
            return i
        q = 2 ** (bits - 1) - 1
        step = t.full_scale / q
        return np.clip(np.round(i / step), -q, q) * step

    def forward(self, h: npt.ArrayLike, *, calibrate: bool = False) -> F64:
        """The layer's product ``h W`` as the hardware computes it (``(n, out)``, weight units).

        ``calibrate=True`` sets every tile's ADC full scale from these inputs first.
        """
        hh = np.asarray(h, dtype=np.float64)
        if any(t.array is None for t in self.tiles):
            self.build()
        v = self.dac(hh)
        m = self.mapped
        out = np.zeros((len(hh), m.shape[1]))
        for t in self.tiles:
            i = self.tile_currents(t, v[:, t.rows])
            if calibrate:
                t.full_scale = float(np.max(np.abs(i))) if i.size else 0.0
            out[:, t.outputs] += self.adc(t, i)
        return out * (m.scale * self.h_max / (self.config.v_read * m.unit))

    def with_config(self, **changes: Any) -> HardwareLayer:
        """A new layer with the same mapping and a changed configuration."""
        return HardwareLayer(self.mapped, replace(self.config, **changes), signed_inputs=self.signed_inputs)
