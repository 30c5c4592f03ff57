"""Series chains of STT-MTJs driven by input + control currents (Lopez et al. 2024), and the
field-biased two-terminal MTJ kind they need.

Two things live here:

* ``.model <name> mtj_field`` (:class:`FieldBiasedMtj`): the two-terminal ``mtj`` kind of
  :mod:`xbar.devices.mtj.stt` plus an easy-axis bias field in the switching barrier. The
  thermally activated switching rate of each direction is the Néel–Brown/Koch law with a
  Stoner–Wohlfarth field-dependent barrier [1]_ [2]_,

  ``rate = (1/τ0) exp(−Δ_s (1 − I_s/I_c,s)^β)``,
  ``Δ_AP→P = Δ (1 − h)²``, ``Δ_P→AP = Δ (1 + h)²``, ``h = hx/hk``,

  where ``I_s`` is the current component that drives the transition (``−I`` for AP→P, ``+I`` for
  P→AP in xbar's sign: positive current into ``n+`` drives P→AP) and ``hx > 0`` favours P. The
  drive may be negative (current opposing the transition: the barrier is raised, not removed),
  which the plain ``mtj`` kind sets to zero rate. This is what lets a junction whose field-reduced
  barrier is small switch AP→P at a slightly *opposing* current, as junction 2 of Lopez et al.
  does (−66 µA, Fig. 1(b)). Above ``I_c`` the larger of this rate and Sun's precessional rate
  (:func:`xbar.devices.mtj.physics.hazard_rate`) is used. Extra card parameters: ``hx`` [A/m],
  ``hk`` [A/m], ``hk_sigma`` (relative device-to-device spread of ``hk``). Conductance, TMR
  roll-off, breakdown and outputs are those of ``mtj``.

* Chain builders: :func:`add_chain` wires N junctions in series with the paper's three-source
  drive [3]_ (Sec. II, Fig. 1(a)): source 1 feeds the top of the chain with
  ``I_dc1 = I_C1 + I_input`` and flows through every junction; source ``k ≥ 2`` feeds the node
  between junctions ``k−1`` and ``k`` with ``I_dck = I_Ck − I_C(k−1)``; the bottom of the chain is
  ground. By KCL junction ``k`` carries ``Σ_{j≤k} I_dcj = I_input + I_Ck`` regardless of the
  junction resistances. :class:`Schedule` turns piecewise-constant (input, control) segments into
  PWL source waveforms for transient protocols (staircase ramps, the two sequential inputs
  ``I_A``, ``I_B`` of the classifier).

Sign convention of the paper: positive current = electrons from the polariser to the free layer,
favouring P. In xbar's ``mtj`` convention positive current (into ``n+``) favours AP, so the
paper's positive chain current must enter each junction at ``n-``: junction ``k`` is
``Y<name> n<k> n<k-1> <model>`` with ``n0`` the top of the chain and ``n<N>`` ground.

References
----------
.. [1] R. H. Koch, J. A. Katine, J. Z. Sun, PRL 92, 088302 (2004); Z. Li, S. Zhang, PRB 69,
   134416 (2004) (spin-torque-lowered barrier, linear in I).
.. [2] W. F. Brown, Phys. Rev. 130, 1677 (1963); E. C. Stoner, E. P. Wohlfarth (1948)
   (barrier ``Δ(1 ∓ H/H_K)²`` of a uniaxial particle in an easy-axis field).
.. [3] A. López et al., "Reconfigurable classifier based on spin-torque-driven magnetization
   switching in electrically connected magnetic tunnel junctions", Phys. Rev. Applied 22,
   014082 (2024), DOI 10.1103/PhysRevApplied.22.014082.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from xbar.devices.base import F64, I64
from xbar.devices.mtj.physics import hazard_rate
from xbar.devices.mtj.stt import MTJ_CARD, StaticMtj
from xbar.devices.params import BoundCard, Param
from xbar.devices.registry import register
from xbar.errors import NetlistError
from xbar.reprs import short_repr

if TYPE_CHECKING:
    import xbar

__all__ = [
    "FIELD_MTJ_CARD",
    "MU0",
    "ChainHandle",
    "FieldBiasedMtj",
    "Schedule",
    "add_chain",
    "field_switch_rate",
]

MU0 = 4e-7 * np.pi

FIELD_MTJ_CARD: tuple[Param, ...] = (
    *MTJ_CARD,
    Param("hx", 0.0, "A/m", -1e8, 1e8,
          "easy-axis bias field in the switching barrier; positive favours P", "card"),
    Param("hk", 1e6, "A/m", 1e-3, 1e9,
          "switching field of the free layer (barrier Δ(1 ∓ hx/hk)²)", "card"),
    Param("hk_sigma", 0.0, "-", 0.0, 1.0, "relative device-to-device spread of hk", "card"),
)


def field_switch_rate(i: F64, state: F64 | np.ndarray, *, hx: float, hk: F64 | float,
                      ic_p2ap: F64 | float, ic_ap2p: F64 | float, delta: float, tau0: float,
                      beta: float, pol: float, moment: float) -> F64:
    """Switching rate [1/s] of field-biased junctions carrying current ``i`` [A].

    Parameters
    ----------
    i : array
        Junction current [A], xbar sign (positive into ``n+`` drives P→AP).
    state : array
        0 (P) or 1 (AP) per junction.
    hx, hk : float or array
        Easy-axis bias field (positive favours P) and switching field [A/m].
    ic_p2ap, ic_ap2p : float or array
        Critical currents [A] of the two directions (positive magnitudes).
    delta, tau0, beta, pol, moment : float
        Zero-field thermal stability [-], attempt time [s], barrier exponent [-], spin
        polarisation [-] and free-layer moment [A m²] (precessional rate above ``I_c``).

    Returns
    -------
    array
        Rate of leaving the present state [1/s].

    Examples
    --------
    With no field this is the ``mtj`` kind's Néel–Brown rate (docs/models/mtj_physics.md §1.5: Δ = 40,
    I/I_c = 0.9 → τ = 54.6 ns):

    >>> r = field_switch_rate(np.array([-0.9e-3]), np.array([1]), hx=0.0, hk=1e4, ic_p2ap=1e-3,
    ...                       ic_ap2p=1e-3, delta=40.0, tau0=1e-9, beta=1.0, pol=0.6, moment=1e-16)
    >>> round(1e9 / float(r[0]), 1)
    54.6
    """
    ap = np.asarray(state) == 1
    h = hx / np.asarray(hk, dtype=np.float64)
    barrier = delta * np.where(ap, np.maximum(1.0 - h, 0.0) ** 2, np.maximum(1.0 + h, 0.0) ** 2)
    ratio = np.where(ap, -i / ic_ap2p, i / ic_p2ap)
    ic = np.where(ap, ic_ap2p, ic_p2ap)
    thermal = np.exp(-barrier * np.maximum(1.0 - ratio, 0.0) ** beta) / tau0
    precessional = hazard_rate(ratio, np.maximum(barrier, 1.0), tau0, beta, ic, pol, moment)
    return np.maximum(thermal, precessional)


@register
class FieldBiasedMtj(StaticMtj):
    """Two-terminal MTJs of one ``mtj_field`` card (see module docstring)."""

    kind: ClassVar[str] = "mtj_field"
    model_type: ClassVar[str] = "mtj_field"
    card_params: ClassVar[tuple[Param, ...]] = FIELD_MTJ_CARD

    def __init__(self, names: list[str], nodes: I64, card: BoundCard, inst: dict[str, F64],
                 rng: np.random.Generator) -> None:
        super().__init__(names, nodes, card, inst, rng)
        spread = rng.standard_normal(len(names))
        self.hk = card["hk"] * np.maximum(1.0 + card["hk_sigma"] * spread, 0.05)

    def rates(self, i: F64) -> F64:
        """Rate [1/s] of leaving the present state at junction currents ``i`` [A]."""
        c = self.card
        delta = c["delta"] * (c["tref"] + 273.15) / (self.temp_c + 273.15)
        return field_switch_rate(i, self.state, hx=c["hx"], hk=self.hk, ic_p2ap=self.ic_p2ap,
                                 ic_ap2p=self.ic_ap2p, delta=delta, tau0=c["tau0"],
                                 beta=c["beta"], pol=c["pol"], moment=c["moment"])

    def _switch(self, v: F64, t: float | None, dt: float) -> bool:
        g, _ = self.conductance(v)
        i = g * v
        flip = self.clock().advance(np.where(self.shorted, 0.0, self.rates(i)), dt)
        return self.apply_flips(flip, i, t)


@dataclass(frozen=True)
class ChainHandle:
    """Names of one chain built by :func:`add_chain`.

    Attributes
    ----------
    junctions : tuple of str
        ``Y`` element names, top (junction 1) to bottom.
    sources : tuple of str
        Current-source names ``I_dc1 … I_dcN``.
    nodes : tuple of str
        ``n0`` (top of the chain, where source 1 feeds) … ``n<N-1>``; ``n<N>`` is ground.
    """

    junctions: tuple[str, ...]
    sources: tuple[str, ...]
    nodes: tuple[str, ...]

    def state_keys(self) -> list[str]:
        """Result names ``@y…[state]`` of the junctions."""
        return [f"@{y}[state]" for y in self.junctions]

    def r_keys(self) -> list[str]:
        """Result names ``@y…[r]`` of the junctions."""
        return [f"@{y}[r]" for y in self.junctions]

    def v_keys(self) -> list[str]:
        """Result names ``@y…[v]`` (barrier voltages) of the junctions."""
        return [f"@{y}[v]" for y in self.junctions]


@dataclass(frozen=True)
class Schedule:
    """Piecewise-constant drive of one chain: input and control currents per segment.

    Parameters
    ----------
    durations : sequence of float
        Segment lengths [s].
    i_input : sequence of float
        ``I_input`` in each segment [A] (paper sign).
    i_control : array (segments, N)
        ``I_C1 … I_CN`` in each segment [A] (paper sign).
    t_rise : float
        Linear transition time between segments [s] (taken from the start of the next segment).

    Examples
    --------
    >>> s = Schedule([1e-3, 1e-3], [0.0, 500e-6], [[-500e-6] * 3] * 2, t_rise=1e-6)
    >>> [round(v * 1e6) for v in s.source_values()[:, 0]]   # I_dc1 = I_C1 + I_input
    [-500, 0]
    """

    __repr__ = short_repr

    durations: Sequence[float]
    i_input: Sequence[float]
    i_control: Any
    t_rise: float = 0.0

    def source_values(self) -> F64:
        """``I_dc1 … I_dcN`` per segment, array (segments, N) [A]."""
        ic = np.atleast_2d(np.asarray(self.i_control, dtype=np.float64))
        vals = np.empty_like(ic)
        vals[:, 0] = ic[:, 0] + np.asarray(self.i_input, dtype=np.float64)
        vals[:, 1:] = np.diff(ic, axis=1)
        return vals

    def ends(self) -> F64:
        """End time of every segment [s]."""
        return np.cumsum(np.asarray(self.durations, dtype=np.float64))

    def pwl(self, k: int) -> tuple[float, ...]:
        """PWL ``(t1, v1, t2, v2, …)`` of source ``k`` (0-based)."""
        vals = self.source_values()[:, k]
        ends = self.ends()
        pts: list[float] = [0.0, float(vals[0])]
        for j in range(1, len(vals)):
            t0 = float(ends[j - 1])
            if vals[j] != vals[j - 1]:
                pts += [t0, float(vals[j - 1]), t0 + self.t_rise, float(vals[j])]
        pts += [float(ends[-1]), float(vals[-1])]
        return tuple(pts)


def add_chain(c: xbar.Circuit, prefix: str, models: Sequence[str], *,
              i_input: float = 0.0, i_control: Sequence[float] | None = None,
              schedule: Schedule | None = None, state: int | Sequence[int] = 1) -> ChainHandle:
    """Add a series chain of ``len(models)`` junctions with the paper's three-source drive.

    Parameters
    ----------
    c : xbar.Circuit
        Circuit to add to.
    prefix : str
        Name stem: junctions ``y<prefix>_<k>``, sources ``i<prefix>_<k>``, nodes ``<prefix>_n<k>``.
    models : sequence of str
        ``.model`` name of every junction, top to bottom (``mtj`` or ``mtj_field`` cards).
    i_input, i_control : float, sequence of float
        DC ``I_input`` and ``I_C1 … I_CN`` [A] (paper sign: positive favours P).
    schedule : Schedule, optional
        Transient drive; overrides the DC values during ``.tran`` (PWL sources).
    state : int or sequence of int
        Initial state of every junction, or per junction (1 = AP, the paper's reset state).

    Returns
    -------
    ChainHandle

    Examples
    --------
    >>> import xbar
    >>> c = xbar.Circuit()
    >>> c.model("m", "mtj", rp=1100, tmr0=1.2, vh=0.5, vb=10)
    >>> h = add_chain(c, "a", ["m", "m", "m"], i_input=600e-6, i_control=[-500e-6, -400e-6, 0.0])
    >>> op = c.op()
    >>> [round(1e6 * op[f"@{y}[i]"]) for y in h.junctions]   # xbar sign: −(I_input + I_Ci)
    [-100, -200, -600]
    """
    from xbar import validate
    from xbar.devices.waveforms import WaveformSpec

    prefix = validate.name(prefix, "chain prefix")
    models = validate.names(models, f"models of chain '{prefix}'")
    n = len(models)
    i_input = validate.real(i_input, f"i_input of chain '{prefix}'", unit="A")
    ic = np.zeros(n) if i_control is None else validate.array(i_control, f"i_control of chain '{prefix}'",
                                                              unit="A")
    if ic.shape != (n,):
        msg = f"chain '{prefix}': {n} junctions need {n} control currents, got {ic.shape}"
        raise NetlistError(msg)
    states = validate.array(state, f"states of chain '{prefix}'", shape=(n,))
    dc = np.empty(n)
    dc[0] = ic[0] + i_input
    dc[1:] = np.diff(ic)
    nodes = [f"{prefix}_n{k}" for k in range(n)] + ["0"]
    junctions = []
    sources = []
    for k in range(n):
        # paper-positive current flows n_k -> n_{k+1}; it must enter the junction at n-
        junctions.append(c.Y(f"{prefix}_{k + 1}", [nodes[k + 1], nodes[k]], models[k],
                             state=float(states[k])))
        wave = None if schedule is None else WaveformSpec("pwl", schedule.pwl(k))
        c.I(f"{prefix}_{k + 1}", "0", nodes[k], float(dc[k]), waveform=wave)
        sources.append(f"i{prefix}_{k + 1}".lower())
    return ChainHandle(tuple(junctions), tuple(sources), tuple(nodes[:-1]))
