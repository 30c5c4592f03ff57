"""Device-group contract shared by every device kind.

One :class:`DeviceGroup` object holds *all* instances of one kind (and model card) as numpy
arrays. Groups know their terminals' global unknown indices (``-1`` is ground) and return
stamps as ``(rows, cols, values)`` arrays; the MNA layer maps them to matrix slots once and
only refills values afterwards. Groups never see the integration method or the matrix layout.

Equation convention: row ``k`` of a node is KCL, "sum of currents leaving the node through
devices = 0"; the system is ``G x + f_nl(x) + d/dt (C x) = b(t)``.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import numpy.typing as npt

__all__ = ["F64", "I64", "DeviceGroup", "Stamp", "node_values", "two_terminal_stamp"]

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

Stamp = tuple[I64, I64, F64]


def two_terminal_stamp(a: I64, b: I64, g: F64) -> Stamp:
    """Stamp of a conductance ``g`` between node index arrays ``a`` and ``b``.

    Returns rows, cols, values of length 4N in the order (a,a), (b,b), (a,b), (b,a).
    """
    rows = np.concatenate([a, b, a, b])
    cols = np.concatenate([a, b, b, a])
    vals = np.concatenate([g, g, -g, -g])
    return rows, cols, vals


def branch_stamp(p: I64, n: I64, k: I64) -> Stamp:
    """Incidence stamp of a branch unknown ``k`` between nodes ``p`` and ``n``.

    KCL rows get ``+i`` at ``p`` and ``-i`` at ``n``; the branch row gets ``v_p - v_n``.
    """
    one = np.ones(len(k))
    rows = np.concatenate([p, n, k, k])
    cols = np.concatenate([k, k, p, n])
    vals = np.concatenate([one, -one, one, -one])
    return rows, cols, vals


def node_values(x: F64, idx: I64) -> F64:
    """Values of unknowns ``idx`` with ground (``-1``) reading 0, safe for an empty ``x``."""
    if len(x) == 0:
        return np.zeros(idx.shape)
    return np.where(idx >= 0, x[np.maximum(idx, 0)], 0.0)


class DeviceGroup:
    """All instances of one device kind.

    Attributes
    ----------
    names : list of str
        Instance names, lower case, ngspice-flattened (``r.x1.r1``).
    nodes : ndarray of int64, shape (N, T)
        Global unknown index of every terminal; ``-1`` is ground.
    branch : ndarray of int64, shape (N,)
        Index of each instance's branch-current unknown (kinds with ``has_branch``).
    """

    kind: ClassVar[str] = ""
    letter: ClassVar[str] = ""
    has_branch: ClassVar[bool] = False
    linear: ClassVar[bool] = True
    dc_conducting: ClassVar[tuple[tuple[int, int], ...]] = ()
    """Terminal pairs that give a DC path (used by the topology checks)."""
    voltage_defining: ClassVar[tuple[int, int] | None] = None
    """Terminal pair whose voltage the element fixes (V, E, H, and L at DC)."""
    output_info: ClassVar[dict[str, tuple[str, str]]] = {}
    """Unit and one-line meaning of every key of :meth:`outputs` (``@name[key]``). Keys that
    end in a cell number (``v1``, ``v2`` …) are described once as ``v<k>``."""

    def __init__(self, names: list[str], nodes: I64) -> None:
        self.names = names
        self.nodes = nodes
        self.branch: I64 = np.zeros(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.names)

    def assign_branches(self, start: int) -> int:
        """Give each instance a branch unknown from ``start``; return the next free index."""
        if not self.has_branch:
            return start
        self.branch = np.arange(start, start + len(self), dtype=np.int64)
        return start + len(self)

    def g_stamp(self) -> Stamp | None:
        """Constant conductance-matrix entries (linear part); None when there are none."""
        return None

    def c_stamp(self) -> Stamp | None:
        """Constant capacitance-matrix entries (d/dt part); None when there are none."""
        return None

    def rhs(self, t: float, scale: float) -> tuple[I64, F64] | None:
        """Independent-source contributions to ``b`` at time ``t`` (``scale`` for source stepping)."""
        return None

    def param_names(self) -> tuple[str, ...]:
        """Instance parameters that analyses (``.dc`` sweeps) may set."""
        return ()

    def set_param(self, index: int, name: str, value: float) -> None:
        """Set one instance parameter (used by sweeps); raises KeyError for unknown names."""
        raise KeyError(name)

    def get_param(self, index: int, name: str) -> float:
        """Read one instance parameter."""
        raise KeyError(name)

    # nonlinear contract -------------------------------------------------------------------
    def nl_pattern(self) -> tuple[I64, I64]:
        """Rows and cols of the Jacobian entries :meth:`nl_load` fills."""
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)

    def nl_load(self, x: F64, ctx: LoadContext) -> tuple[F64, I64, F64]:
        """Linearise at ``x``: Jacobian values (aligned with :meth:`nl_pattern`) and the
        equivalent currents ``(rows, ieq)`` such that device current ≈ J·x + ieq."""
        raise NotImplementedError

    def nl_current_batch(self, X: F64) -> tuple[I64, F64] | None:
        """Device currents for many solutions at once (batched array solves).

        ``X`` holds ``k`` solutions as rows, shape ``(k, n)``. Returns ``(rows, I)``: the
        unknown index of every current term (ground terms left out) and the current
        leaving that node through the device, shape ``(k, len(rows))``, so that the
        nonlinear part of KCL is ``I`` scattered to ``rows``. ``None`` (the default): not
        available for this kind; callers fall back to :meth:`nl_load` per solution.
        """
        return None

    def nl_converged(self, x: F64, ctx: LoadContext) -> bool:
        """Device-level convergence test (SPICE checks currents of nonlinear devices)."""
        return True

    def outputs(self, x: F64) -> dict[str, F64]:
        """Derived per-instance quantities exposed as ``@name[key]``."""
        return {}

    @classmethod
    def describe_output(cls, key: str) -> tuple[str, str]:
        """Unit and meaning of output ``key`` (``("", "")`` when the kind does not say)."""
        info = cls.output_info.get(key)
        if info is None:
            stem = key.rstrip("0123456789")
            info = cls.output_info.get(f"{stem}<k>") if stem != key else None
            if info is not None:
                return info[0], info[1].replace("<k>", key[len(stem):])
        return info or ("", "")


class LoadContext:
    """What a nonlinear load needs besides ``x``: options, gmin, the time of the point being
    solved (0 for .op/.dc; read by behavioural sources) and the previous iterate."""

    def __init__(self, *, gmin: float, temp: float, reltol: float, abstol: float, vntol: float,
                 time: float = 0.0) -> None:
        self.time = time
        self.gmin = gmin
        self.temp = temp
        self.reltol = reltol
        self.abstol = abstol
        self.vntol = vntol
        self.initialise = True
        self.cold = True
