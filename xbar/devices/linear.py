"""Linear elements: R, C, L and the controlled sources E, F, G, H.

Stamps follow the MNA conventions of :mod:`xbar.devices.base`: KCL rows count currents leaving
a node; branch unknowns carry the current flowing into the element's ``+`` terminal.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from xbar.devices.base import F64, I64, DeviceGroup, Stamp, branch_stamp, two_terminal_stamp

__all__ = [
    "CapacitorGroup",
    "CccsGroup",
    "CcvsGroup",
    "InductorGroup",
    "MutualInductorGroup",
    "ResistorGroup",
    "VccsGroup",
    "VcvsGroup",
]


def _cat(*stamps: Stamp) -> Stamp:
    return (
        np.concatenate([s[0] for s in stamps]),
        np.concatenate([s[1] for s in stamps]),
        np.concatenate([s[2] for s in stamps]),
    )


class ResistorGroup(DeviceGroup):
    """Resistors ``R<name> n+ n- value`` [Ω]; current ``(v+ - v-)/R``."""

    kind: ClassVar[str] = "resistor"
    letter: ClassVar[str] = "r"
    dc_conducting = ((0, 1),)

    def __init__(self, names: list[str], nodes: I64, r: F64) -> None:
        super().__init__(names, nodes)
        self.r = np.asarray(r, dtype=np.float64)

    def g_stamp(self) -> Stamp:
        return two_terminal_stamp(self.nodes[:, 0], self.nodes[:, 1], 1.0 / self.r)

    def param_names(self) -> tuple[str, ...]:
        return ("r",)

    def set_param(self, index: int, name: str, value: float) -> None:
        if name != "r":
            raise KeyError(name)
        self.r[index] = value

    def get_param(self, index: int, name: str) -> float:
        if name != "r":
            raise KeyError(name)
        return float(self.r[index])


class CapacitorGroup(DeviceGroup):
    """Capacitors ``C<name> n+ n- value [IC=v0]`` [F]; ``ic`` is NaN when not given."""

    kind: ClassVar[str] = "capacitor"
    letter: ClassVar[str] = "c"

    def __init__(self, names: list[str], nodes: I64, c: F64, ic: F64) -> None:
        super().__init__(names, nodes)
        self.c = np.asarray(c, dtype=np.float64)
        self.ic = np.asarray(ic, dtype=np.float64)

    def c_stamp(self) -> Stamp:
        return two_terminal_stamp(self.nodes[:, 0], self.nodes[:, 1], self.c)


class InductorGroup(DeviceGroup):
    """Inductors ``L<name> n+ n- value [IC=i0]`` [H]; branch equation ``v+ - v- = L di/dt``."""

    kind: ClassVar[str] = "inductor"
    letter: ClassVar[str] = "l"
    has_branch = True
    dc_conducting = ((0, 1),)
    voltage_defining = (0, 1)

    def __init__(self, names: list[str], nodes: I64, l: F64, ic: F64) -> None:
        super().__init__(names, nodes)
        self.l = np.asarray(l, dtype=np.float64)
        self.ic = np.asarray(ic, dtype=np.float64)

    def g_stamp(self) -> Stamp:
        return branch_stamp(self.nodes[:, 0], self.nodes[:, 1], self.branch)

    def c_stamp(self) -> Stamp:
        return self.branch, self.branch, -self.l


class MutualInductorGroup(DeviceGroup):
    """Coupled inductors ``K<name> L1 L2 k``: mutual inductance ``M = k·√(L1·L2)`` [H].

    The branch equations of the two inductors become ``v1 = L1 di1/dt + M di2/dt`` and
    ``v2 = M di1/dt + L2 di2/dt`` (dot convention: currents into the ``n+`` terminals), i.e.
    the flux entries ``−M`` at (branch 1, branch 2) and (branch 2, branch 1), as ngspice's
    ``mutload.c``/``mutacld.c``. ``|k| ≤ 1`` is checked when the circuit is compiled.
    """

    kind: ClassVar[str] = "mutual"
    letter: ClassVar[str] = "k"

    def __init__(self, names: list[str], branch1: I64, branch2: I64, m: F64) -> None:
        super().__init__(names, np.zeros((len(names), 0), dtype=np.int64))
        self.b1 = branch1
        self.b2 = branch2
        self.m = np.asarray(m, dtype=np.float64)

    def c_stamp(self) -> Stamp:
        return (np.concatenate([self.b1, self.b2]), np.concatenate([self.b2, self.b1]),
                np.concatenate([-self.m, -self.m]))


class VcvsGroup(DeviceGroup):
    """``E<name> n+ n- nc+ nc- gain``: ``v+ - v- = gain (vc+ - vc-)``."""

    kind: ClassVar[str] = "vcvs"
    letter: ClassVar[str] = "e"
    has_branch = True
    dc_conducting = ((0, 1),)
    voltage_defining = (0, 1)

    def __init__(self, names: list[str], nodes: I64, gain: F64) -> None:
        super().__init__(names, nodes)
        self.gain = np.asarray(gain, dtype=np.float64)

    def g_stamp(self) -> Stamp:
        k = self.branch
        ctrl = (
            np.concatenate([k, k]),
            np.concatenate([self.nodes[:, 2], self.nodes[:, 3]]),
            np.concatenate([-self.gain, self.gain]),
        )
        return _cat(branch_stamp(self.nodes[:, 0], self.nodes[:, 1], k), ctrl)


class VccsGroup(DeviceGroup):
    """``G<name> n+ n- nc+ nc- gm``: current ``gm (vc+ - vc-)`` from n+ through the element to n-."""

    kind: ClassVar[str] = "vccs"
    letter: ClassVar[str] = "g"

    def __init__(self, names: list[str], nodes: I64, gm: F64) -> None:
        super().__init__(names, nodes)
        self.gm = np.asarray(gm, dtype=np.float64)

    def g_stamp(self) -> Stamp:
        p, n, cp, cn = (self.nodes[:, i] for i in range(4))
        g = self.gm
        rows = np.concatenate([p, p, n, n])
        cols = np.concatenate([cp, cn, cp, cn])
        vals = np.concatenate([g, -g, -g, g])
        return rows, cols, vals


class CccsGroup(DeviceGroup):
    """``F<name> n+ n- vctrl gain``: current ``gain · i(vctrl)`` from n+ through the element to n-.

    ``ctrl`` holds the branch index of the controlling element (resolved at compile time).
    """

    kind: ClassVar[str] = "cccs"
    letter: ClassVar[str] = "f"

    def __init__(self, names: list[str], nodes: I64, gain: F64, ctrl: I64) -> None:
        super().__init__(names, nodes)
        self.gain = np.asarray(gain, dtype=np.float64)
        self.ctrl = ctrl

    def g_stamp(self) -> Stamp:
        p, n = self.nodes[:, 0], self.nodes[:, 1]
        rows = np.concatenate([p, n])
        cols = np.concatenate([self.ctrl, self.ctrl])
        vals = np.concatenate([self.gain, -self.gain])
        return rows, cols, vals


class CcvsGroup(DeviceGroup):
    """``H<name> n+ n- vctrl transres``: ``v+ - v- = transres · i(vctrl)`` [Ω]."""

    kind: ClassVar[str] = "ccvs"
    letter: ClassVar[str] = "h"
    has_branch = True
    dc_conducting = ((0, 1),)
    voltage_defining = (0, 1)

    def __init__(self, names: list[str], nodes: I64, r: F64, ctrl: I64) -> None:
        super().__init__(names, nodes)
        self.r = np.asarray(r, dtype=np.float64)
        self.ctrl = ctrl

    def g_stamp(self) -> Stamp:
        k = self.branch
        return _cat(branch_stamp(self.nodes[:, 0], self.nodes[:, 1], k), (k, self.ctrl, -self.r))


def as_f64(values: F64 | list[float]) -> F64:
    """Convert to a float64 array (helper for builders)."""
    return np.asarray(values, dtype=np.float64)
