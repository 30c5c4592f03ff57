"""Independent voltage and current sources with DC values and time functions.

``V<name> n+ n- [DC] v [AC mag [phase]] [PULSE(...)|SIN(...)|PWL(...)|EXP(...)]`` and the same for
``I``. A V source adds a branch unknown (its current, SPICE sign: into ``n+`` through the source);
an I source drives its current from ``n+`` through the source to ``n-``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from xbar.devices.base import F64, I64, DeviceGroup, Stamp, branch_stamp

__all__ = ["CurrentSourceGroup", "VoltageSourceGroup"]


class _SourceGroup(DeviceGroup):
    """Shared value handling of V and I sources.

    Parameters
    ----------
    dc : array (N,)
        Value used by ``.op`` and ``.dc`` [V or A].
    waves : list
        Per instance a ``WaveformSpec`` or None.
    """

    def __init__(self, names: list[str], nodes: I64, dc: F64, waves: list[Any]) -> None:
        super().__init__(names, nodes)
        self.dc = np.asarray(dc, dtype=np.float64)
        self.waves = waves
        self.wave_index = np.array([i for i, w in enumerate(waves) if w is not None], dtype=np.int64)
        self._bank: Any = None
        self.ac = np.zeros(len(names), dtype=np.complex128)
        """Small-signal excitation ``mag·exp(j·phase)`` of ``.ac`` [V or A] (0: none)."""

    def set_ac(self, specs: dict[str, tuple[float, float]]) -> None:
        """Set ``AC mag phase`` values (phase in degrees) from ``{name: (mag, phase)}``."""
        for i, name in enumerate(self.names):
            spec = specs.get(name)
            if spec is not None:
                mag, phase = spec
                rad = phase * np.pi / 180.0
                self.ac[i] = complex(mag * np.cos(rad), mag * np.sin(rad))

    def ac_rhs(self) -> tuple[I64, np.ndarray] | None:
        """Contributions of the AC excitations to the complex right-hand side."""
        return None

    def bind_transient(self, tstep: float, tstop: float) -> None:
        """Resolve time-function defaults for a transient run (None to go back to DC values)."""
        if len(self.wave_index) == 0:
            self._bank = None
            return
        from xbar.devices.waveforms import WaveformBank

        self._bank = WaveformBank([self.waves[i] for i in self.wave_index], tstep=tstep, tstop=tstop)

    def unbind_transient(self) -> None:
        self._bank = None

    def next_breakpoint(self, t: float) -> float:
        """First source corner strictly after ``t`` (inf when none)."""
        if self._bank is None:
            return float("inf")
        return float(self._bank.next_breakpoint(t))

    def values(self, t: float | None) -> F64:
        """Source values at time ``t`` (``None``: DC values)."""
        if t is None or self._bank is None:
            return self.dc
        v = self.dc.copy()
        v[self.wave_index] = self._bank.values(t)
        return v

    def param_names(self) -> tuple[str, ...]:
        return ("dc",)

    def set_param(self, index: int, name: str, value: float) -> None:
        if name != "dc":
            raise KeyError(name)
        self.dc[index] = value

    def get_param(self, index: int, name: str) -> float:
        if name != "dc":
            raise KeyError(name)
        return float(self.dc[index])


class VoltageSourceGroup(_SourceGroup):
    """Independent voltage sources; ``i(vname)`` is their branch current."""

    kind: ClassVar[str] = "vsource"
    letter: ClassVar[str] = "v"
    has_branch = True
    dc_conducting = ((0, 1),)
    voltage_defining = (0, 1)

    def g_stamp(self) -> Stamp:
        return branch_stamp(self.nodes[:, 0], self.nodes[:, 1], self.branch)

    def rhs(self, t: float | None, scale: float) -> tuple[I64, F64]:
        return self.branch, scale * self.values(t)

    def ac_rhs(self) -> tuple[I64, np.ndarray]:
        return self.branch, self.ac


class CurrentSourceGroup(_SourceGroup):
    """Independent current sources, current flowing from n+ through the source to n-."""

    kind: ClassVar[str] = "isource"
    letter: ClassVar[str] = "i"

    def rhs(self, t: float | None, scale: float) -> tuple[I64, F64]:
        v = scale * self.values(t)
        return np.concatenate([self.nodes[:, 0], self.nodes[:, 1]]), np.concatenate([-v, v])

    def ac_rhs(self) -> tuple[I64, np.ndarray]:
        return np.concatenate([self.nodes[:, 0], self.nodes[:, 1]]), np.concatenate([-self.ac, self.ac])
