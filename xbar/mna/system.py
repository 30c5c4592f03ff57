"""Circuit -> device groups -> MNA system with a sparsity pattern built once.

:func:`build_system` numbers the unknowns (node voltages, then branch currents of V, L, E, H),
builds every device group and maps each group's stamp entries to slots of one CSC pattern.
Refilling values is then a ``bincount`` into the CSC data array; ground rows and columns are
dropped when the pattern is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from xbar.devices.base import F64, I64, DeviceGroup, LoadContext
from xbar.devices.diode import DIODE_PARAMS, DiodeGroup, canonical_diode_params
from xbar.devices.linear import (
    CapacitorGroup,
    CccsGroup,
    CcvsGroup,
    InductorGroup,
    MutualInductorGroup,
    ResistorGroup,
    VccsGroup,
    VcvsGroup,
)
from xbar.devices.params import out_of_range_message
from xbar.devices.sources import CurrentSourceGroup, VoltageSourceGroup
from xbar.errors import ModelCardError, NetlistError, warn
from xbar.mna.linsolve import LinearSolver, get_solver

if TYPE_CHECKING:
    from xbar.circuit import Circuit
    from xbar.options import SimOptions

__all__ = ["MnaSystem", "build_system"]


_SCALE_INFO: dict[str, tuple[str, str]] = {
    "time": ("s", "time"),
    "v-sweep": ("V", "swept source value"), "i-sweep": ("A", "swept source value"),
    "res-sweep": ("Ω", "swept resistance"), "temp-sweep": ("°C", "swept temperature"),
    "v-sweep2": ("V", "outer swept source value"), "i-sweep2": ("A", "outer swept source value"),
    "res-sweep2": ("Ω", "outer swept resistance"), "temp-sweep2": ("°C", "outer swept temperature"),
}


@dataclass
class _Slots:
    """Where one stamp's entries land in the CSC data array (ground entries dropped)."""

    keep: np.ndarray  # bool mask over the stamp entries
    slot: I64  # slot of each kept entry


class MnaSystem:
    """The compiled circuit: groups, unknown names, pattern and value refills."""

    def __init__(self, circuit: Circuit, groups: list[DeviceGroup], n_nodes: int, n: int,
                 branch_names: list[str]) -> None:
        self.circuit = circuit
        self.groups = groups
        self.n_nodes = n_nodes
        self.n = n
        self.node_names = circuit.node_names
        self.branch_names = branch_names
        self.linear = all(g.linear for g in groups)
        self.nonlinear_groups = [g for g in groups if not g.linear]
        self.source_groups = [g for g in groups if isinstance(g, VoltageSourceGroup | CurrentSourceGroup)]
        try:
            self.solver: LinearSolver = get_solver(getattr(circuit, "linear_solver", "superlu"))
        except ValueError as exc:
            raise NetlistError(str(exc)) from None
        self.stateful = [g for g in groups if hasattr(g, "after_solution")]
        self.time = 0.0
        """Time of the point being solved: recorded by :meth:`rhs`, read through
        :meth:`load_context` by time-dependent nonlinear groups (behavioural sources)."""
        self._name_index: dict[str, int] | None = None
        self._build_pattern()
        self.refresh_linear()

    # naming ------------------------------------------------------------------------------
    @property
    def options(self) -> SimOptions:
        return self.circuit.options

    def unknown_name(self, k: int) -> str:
        """ngspice vector name of unknown ``k``."""
        if k < self.n_nodes:
            return f"v({self.node_names[k]})"
        return f"i({self.branch_names[k - self.n_nodes]})"

    def unknown_names(self) -> list[str]:
        return [f"v({n})" for n in self.node_names] + [f"i({b})" for b in self.branch_names]

    def describe_vector(self, name: str) -> tuple[str, str]:
        """Unit and meaning of result vector ``name`` (``v(n)``, ``i(v1)``, ``@y1[r]``, scales)."""
        if name in _SCALE_INFO:
            return _SCALE_INFO[name]
        if name.startswith("v("):
            return "V", "node voltage"
        if name.startswith("i("):
            return "A", "branch current"
        if name.startswith("@") and name.endswith("]") and "[" in name:
            device, key = name[1:-1].split("[", 1)
            try:
                group, _ = self.group_of(device)
            except KeyError:
                return "", ""
            return group.describe_output(key)
        return "", ""

    def vector_units(self, names: list[str]) -> dict[str, str]:
        """Unit of every vector in ``names`` ('' where unknown)."""
        return {n: self.describe_vector(n)[0] for n in names}

    def index_of(self, vector: str) -> int:
        """Unknown index of ``v(node)`` or ``i(vname)``; KeyError when unknown."""
        if self._name_index is None:
            self._name_index = {name: k for k, name in enumerate(self.unknown_names())}
        return self._name_index[vector]

    def group_of(self, name: str) -> tuple[DeviceGroup, int]:
        """Group and instance index of element ``name``; KeyError when unknown."""
        for g in self.groups:
            idx = g.__dict__.setdefault("_index", None)
            if idx is None:
                idx = {n: i for i, n in enumerate(g.names)}
                g.__dict__["_index"] = idx
            if name in idx:
                return g, idx[name]
        raise KeyError(name)

    # pattern -----------------------------------------------------------------------------
    def _build_pattern(self) -> None:
        n = self.n
        stamps: list[tuple[str, DeviceGroup | None, I64, I64]] = []
        for g in self.groups:
            gs = g.g_stamp()
            if gs is not None:
                stamps.append(("g", g, gs[0], gs[1]))
            cs = g.c_stamp()
            if cs is not None:
                stamps.append(("c", g, cs[0], cs[1]))
            if not g.linear:
                r, c = g.nl_pattern()
                stamps.append(("nl", g, r, c))
            if g.has_charge:
                r, c = g.q_pattern()  # type: ignore[attr-defined]
                stamps.append(("q", g, r, c))
        diag = np.arange(self.n_nodes, dtype=np.int64)
        stamps.append(("diag", None, diag, diag))
        keys_list = []
        masks = []
        for _, _, r, c in stamps:
            keep = (r >= 0) & (c >= 0)
            masks.append(keep)
            keys_list.append(c[keep] * n + r[keep])
        keys = np.concatenate(keys_list) if keys_list else np.zeros(0, np.int64)
        uniq, inverse = np.unique(keys, return_inverse=True)
        self.indices = (uniq % n).astype(np.int32) if n else np.zeros(0, np.int32)
        cols = uniq // n if n else uniq
        self.indptr = np.searchsorted(cols, np.arange(n + 1)).astype(np.int32)
        self.nnz = len(uniq)
        self._g_slots: list[tuple[DeviceGroup, _Slots]] = []
        self._c_slots: list[tuple[DeviceGroup, _Slots]] = []
        self._nl_slots: dict[int, _Slots] = {}
        self._q_slots: dict[int, _Slots] = {}
        pos = 0
        for (kind, g, _, _), keep in zip(stamps, masks, strict=True):
            m = int(keep.sum())
            slots = _Slots(keep, inverse[pos : pos + m].astype(np.int64))
            pos += m
            if kind == "g":
                self._g_slots.append((g, slots))  # type: ignore[arg-type]
            elif kind == "c":
                self._c_slots.append((g, slots))  # type: ignore[arg-type]
            elif kind == "nl":
                self._nl_slots[id(g)] = slots
            elif kind == "q":
                self._q_slots[id(g)] = slots
            else:
                self.diag_slots = slots.slot

    def _scatter(self, pairs: list[tuple[DeviceGroup, _Slots]], which: str) -> F64:
        data = np.zeros(self.nnz)
        for g, s in pairs:
            stamp = g.g_stamp() if which == "g" else g.c_stamp()
            assert stamp is not None
            data += np.bincount(s.slot, weights=stamp[2][s.keep], minlength=self.nnz)
        return data

    def refresh_linear(self) -> None:
        """Recompute the constant G and C values (after a parameter change)."""
        self.g_data = self._scatter(self._g_slots, "g")
        self.c_data = self._scatter(self._c_slots, "c")
        self.has_reactive = bool(np.any(self.c_data != 0.0))

    def matrix(self, data: F64) -> sp.csc_array:
        """A new CSC matrix with the system pattern and the given values."""
        return sp.csc_array((data, self.indices, self.indptr), shape=(self.n, self.n))

    def work_matrix(self, data: F64) -> sp.csc_array:
        """The system's scratch CSC matrix holding ``data`` (overwritten by the next call).

        Reusing one object skips scipy's format checks on every Newton iteration; use it
        only to factorise right away.
        """
        work = self.__dict__.get("_work")
        if work is None:
            work = self.matrix(np.zeros(self.nnz))
            work.has_canonical_format = True
            self.__dict__["_work"] = work
        work.data[:] = data
        return work

    def c_matrix(self) -> sp.csc_array:
        return self.matrix(self.c_data)

    def g_matrix(self) -> sp.csc_array:
        return self.matrix(self.g_data)

    def load_nonlinear(self, x: F64, ctx: LoadContext) -> tuple[F64, F64]:
        """Jacobian data of the nonlinear groups and their equivalent-current vector.

        In a transient step (``ctx.a0 > 0``) nonlinear charges add ``a0·C(x)`` to the
        Jacobian and ``a0·(q(x) − C(x)·x)`` to the equivalent currents, so that with the
        integrator's history the charge current is ``a0·q + history``.
        """
        data = np.zeros(self.nnz)
        ieq = np.zeros(self.n + 1)
        for g in self.nonlinear_groups:
            vals, rows, cur = g.nl_load(x, ctx)
            s = self._nl_slots[id(g)]
            data += np.bincount(s.slot, weights=vals[s.keep], minlength=self.nnz)
            ieq += np.bincount(np.where(rows >= 0, rows, self.n), weights=cur, minlength=self.n + 1)
            if ctx.a0 != 0.0 and g.has_charge:
                cvals, qrows, qeq = g.q_load(x, ctx)  # type: ignore[attr-defined]
                s = self._q_slots[id(g)]
                data += ctx.a0 * np.bincount(s.slot, weights=cvals[s.keep], minlength=self.nnz)
                ieq += ctx.a0 * np.bincount(np.where(qrows >= 0, qrows, self.n), weights=qeq,
                                            minlength=self.n + 1)
        return data, ieq[: self.n]

    @property
    def charge_groups(self) -> list[DeviceGroup]:
        """Groups with nonlinear charges."""
        return [g for g in self.groups if g.has_charge]

    def total_charge(self, cmat: sp.csc_array, x: F64, *, linearised: bool = False) -> F64:
        """Charges (and fluxes) of every row at ``x``: ``C·x`` plus the nonlinear charges
        (``linearised``: as linearised by the Newton iteration that produced ``x``)."""
        q = cmat @ x
        ctx = self.load_context()
        for g in self.charge_groups:
            rows, vals = g.charges(x, ctx, linearised=linearised)  # type: ignore[attr-defined]
            q = q + np.bincount(np.where(rows >= 0, rows, self.n), weights=vals,
                                minlength=self.n + 1)[: self.n]
        return np.asarray(q)

    def charge_rows(self, cmat: sp.csc_array) -> I64:
        """Rows holding a charge or flux (linear or nonlinear), for truncation-error control."""
        mask = np.zeros(self.n, dtype=bool)
        if self.has_reactive:
            mask |= np.asarray(np.abs(cmat).sum(axis=1)).ravel() > 0
        for g in self.charge_groups:
            rows, _ = g.q_pattern()  # type: ignore[attr-defined]
            mask[rows[rows >= 0]] = True
        return np.flatnonzero(mask)

    def small_signal(self, x: F64) -> tuple[F64, F64]:
        """Conductance and capacitance data (system pattern) linearised at operating point ``x``.

        ``G`` holds the linear stamps plus every nonlinear device's Jacobian at ``x`` (no
        voltage limiting); ``C`` the linear capacitances and inductances plus the nonlinear
        devices' small-signal capacitances. ``.ac`` solves ``(G + jωC) x = b``.
        """
        ctx = self.load_context()
        ctx.initialise = True
        ctx.cold = False
        g_data = self.g_data.copy()
        c_data = self.c_data.copy()
        for g in self.nonlinear_groups:
            s = self._nl_slots[id(g)]
            if hasattr(g, "small_signal"):
                vals, caps = g.small_signal(x, ctx)
                if caps is not None:
                    qs = self._q_slots[id(g)]
                    c_data += np.bincount(qs.slot, weights=caps[qs.keep], minlength=self.nnz)
            else:
                vals, _, _ = g.nl_load(x, ctx)
            g_data += np.bincount(s.slot, weights=vals[s.keep], minlength=self.nnz)
        return g_data, c_data

    def rhs(self, t: float | None, scale: float = 1.0) -> F64:
        """Source vector ``b`` at time ``t`` (``None``: DC values), sources scaled by ``scale``.

        Also records ``t`` (0 for ``None``) as :attr:`time`, the time the next Newton solve is
        at: every analysis builds the right-hand side of a point before solving it.
        """
        self.time = 0.0 if t is None else float(t)
        rows_l = []
        vals_l = []
        for g in self.source_groups:
            out = g.rhs(t, scale)
            if out is not None:
                rows_l.append(out[0])
                vals_l.append(out[1])
        if not rows_l:
            return np.zeros(self.n)
        rows = np.concatenate(rows_l)
        vals = np.concatenate(vals_l)
        b = np.bincount(np.where(rows >= 0, rows, self.n), weights=vals, minlength=self.n + 1)
        return b[: self.n]

    def ac_rhs(self) -> np.ndarray:
        """Complex right-hand side of ``.ac``: the ``AC mag phase`` values of the sources."""
        b = np.zeros(self.n + 1, dtype=np.complex128)
        for g in self.source_groups:
            out = g.ac_rhs()  # type: ignore[attr-defined]
            if out is not None:
                rows, vals = out
                idx = np.where(rows >= 0, rows, self.n)
                np.add.at(b, idx, vals)
        return b[: self.n]

    def after_solution(self, x: F64, t: float | None, dt: float | None) -> bool:
        """Let stateful devices update after a converged point; True if any stamp changed.

        New breakdown events become one :class:`~xbar.errors.XbarWarning` per device group,
        reported at the deck line of the first device that broke down.
        """
        changed = False
        for g in self.stateful:
            g.temp_c = self.options.temp  # type: ignore[attr-defined]
            before = len(g.events)  # type: ignore[attr-defined]
            if g.after_solution(x, t, dt):  # type: ignore[attr-defined]
                changed = True
            new = g.events[before:]  # type: ignore[attr-defined]
            if new:
                self._warn_breakdowns(g, new, t)
        if changed:
            self.refresh_linear()
        return changed

    def _warn_breakdowns(self, group: DeviceGroup, events: list[dict[str, Any]], t: float | None) -> None:
        broke = [e for e in events if e.get("kind") == "breakdown"]
        if not broke:
            return
        first = broke[0]
        name = str(first["device"])
        card = getattr(group, "card", None)
        what = f"{group.kind}, model {card.name}" if card is not None else group.kind
        cell = f"cell {first['cell']} of " if "cell" in first else ""
        when = "at the operating point" if t is None else f"at t = {t:.6g} s"
        more = ""
        if len(broke) > 1:
            at_least = "at least " if len(broke) >= 1000 else ""
            more = f"; {at_least}{len(broke) - 1} more barrier(s) of this model broke at the same point"
        warn(f"barrier breakdown {when}: {cell}'{name}' ({what}) with |V| = {abs(first['voltage']):.4g} V "
             f"> V_B = {first['vb']:.4g} V{more}", self.circuit.location_of(name))

    def event_count(self) -> list[int]:
        """Per stateful group, how many events it has recorded (a mark for :meth:`events_since`)."""
        return [len(g.events) for g in self.stateful]  # type: ignore[attr-defined]

    def events_since(self, start: list[int] | int) -> list[dict[str, object]]:
        """Device events (breakdown, switching …) recorded after the mark ``start`` of
        :meth:`event_count`, in time order (operating-point events, time None, first)."""
        marks = start if isinstance(start, list) else [0] * len(self.stateful)
        every = [e for g, m in zip(self.stateful, marks, strict=True) for e in g.events[m:]]  # type: ignore[attr-defined]
        every.sort(key=lambda e: -np.inf if e.get("time") is None else e["time"])
        return every

    def load_context(self, gmin: float | None = None) -> LoadContext:
        o = self.options
        return LoadContext(gmin=o.gmin if gmin is None else gmin, temp=o.temp, reltol=o.reltol,
                           abstol=o.abstol, vntol=o.vntol, time=self.time)


def build_system(circuit: Circuit) -> MnaSystem:
    """Compile ``circuit`` (see module docstring)."""
    from xbar.mna.topology import check_structure

    t = circuit.tables
    groups: list[DeviceGroup] = []

    def arrays(kind: str) -> tuple[list[str], I64, F64]:
        return t[kind].arrays()

    names, nodes, vals = arrays("r")
    if names:
        groups.append(ResistorGroup(names, nodes, vals[:, 0].copy()))
    names, nodes, vals = arrays("c")
    if names:
        groups.append(CapacitorGroup(names, nodes, vals[:, 0].copy(), vals[:, 1].copy()))
    names, nodes, vals = arrays("g")
    if names:
        groups.append(VccsGroup(names, nodes, vals[:, 0].copy()))
    ac_specs = getattr(circuit, "ac_specs", {})
    names, nodes, vals = arrays("i")
    if names:
        groups.append(CurrentSourceGroup(names, nodes, vals[:, 0].copy(), list(t["i"].extra)))
        groups[-1].set_ac(ac_specs)  # type: ignore[attr-defined]
    branch_groups: list[DeviceGroup] = []
    names, nodes, vals = arrays("v")
    if names:
        branch_groups.append(VoltageSourceGroup(names, nodes, vals[:, 0].copy(), list(t["v"].extra)))
        branch_groups[-1].set_ac(ac_specs)  # type: ignore[attr-defined]
    names, nodes, vals = arrays("l")
    if names:
        branch_groups.append(InductorGroup(names, nodes, vals[:, 0].copy(), vals[:, 1].copy()))
    names, nodes, vals = arrays("e")
    if names:
        branch_groups.append(VcvsGroup(names, nodes, vals[:, 0].copy()))
    diodes = _diode_groups(circuit)  # may add internal nodes: before the branches are numbered
    b_groups = _behavioural_groups(circuit)
    branch_groups.extend(g for g in b_groups if g.has_branch)
    n_nodes = len(circuit.node_names)
    nxt = n_nodes
    for g in branch_groups:
        nxt = g.assign_branches(nxt)
    branch_of: dict[str, int] = {}
    for g in branch_groups:
        branch_of.update(zip(g.names, g.branch.tolist(), strict=True))

    def controls(kind: str) -> I64:
        table = t[kind]
        out = np.empty(len(table.extra), dtype=np.int64)
        for i, ctrl in enumerate(table.extra):
            if ctrl not in branch_of:
                loc = table.locations[i]
                what = "current-controlled source"
                msg = (f"{what} '{arrays(kind)[0][i]}' is controlled by '{ctrl}', which is not a "
                       f"voltage source, inductor or E source in this circuit")
                raise NetlistError(msg, loc)
            out[i] = branch_of[ctrl]
        return out

    names, nodes, vals = arrays("h")
    if names:
        h = CcvsGroup(names, nodes, vals[:, 0].copy(), np.zeros(len(names), np.int64))
        nxt = h.assign_branches(nxt)
        branch_of.update(zip(h.names, h.branch.tolist(), strict=True))
        h.ctrl = controls("h")
        branch_groups.append(h)
    names, nodes, vals = arrays("f")
    if names:
        groups.append(CccsGroup(names, nodes, vals[:, 0].copy(), controls("f")))
    mutual = _mutual_group(circuit, branch_groups)
    if mutual is not None:
        groups.append(mutual)
    groups.extend(branch_groups)
    groups.extend(g for g in b_groups if not g.has_branch)
    for g in b_groups:
        g.bind(circuit.node_index, branch_of, circuit.element_kind)
    groups.extend(diodes)
    groups.extend(_y_groups(circuit))
    branch_names = [name for g in branch_groups for name in g.names]
    system = MnaSystem(circuit, groups, n_nodes, nxt, branch_names)
    check_structure(system)
    if circuit.options.lint:
        from xbar.lint import lint_circuit

        lint_circuit(circuit)
    return system


def _behavioural_groups(circuit: Circuit) -> list[Any]:
    """B sources: one voltage-type group, current-type groups split by whether the expression
    reads a voltage of the source's own terminals (then it conducts for the topology checks)."""
    from xbar.devices.behavioural import BehaviouralCurrentGroup, BehaviouralVoltageGroup

    table = circuit.tables["b"]
    names, nodes, _ = table.arrays()
    if not names:
        return []
    specs = list(table.extra)
    node_names = circuit.node_names

    def own_terminal(i: int) -> bool:
        own = {node_names[k] for k in nodes[i] if k >= 0}
        return any(what == "node" and target in own and var in specs[i].expression.names
                   for var, (what, target) in specs[i].probes.items())

    volt = [i for i, s in enumerate(specs) if s.kind == "v"]
    groups: list[Any] = []
    if volt:
        ii = np.asarray(volt)
        groups.append(BehaviouralVoltageGroup([names[i] for i in volt], nodes[ii], [specs[i] for i in volt]))
    for conducting in (True, False):
        idx = [i for i, s in enumerate(specs) if s.kind == "i" and own_terminal(i) == conducting]
        if idx:
            ii = np.asarray(idx)
            groups.append(BehaviouralCurrentGroup([names[i] for i in idx], nodes[ii],
                                                  [specs[i] for i in idx], conducting))
    return groups


def _diode_groups(circuit: Circuit) -> list[DeviceGroup]:
    table = circuit.tables["d"]
    names, nodes, vals = table.arrays()
    if not names:
        return []
    by_model: dict[str, list[int]] = {}
    for i, model in enumerate(table.extra):
        by_model.setdefault(model, []).append(i)
    groups: list[DeviceGroup] = []
    for model, idx in by_model.items():
        card = circuit.models.get(model)
        loc = table.locations[idx[0]]
        if card is None:
            raise ModelCardError(f"diode '{names[idx[0]]}' uses model '{model}', which is not defined", loc)
        if card.type != "d":
            raise ModelCardError(f"diode '{names[idx[0]]}' uses model '{model}' of type '{card.type}', expected type D", loc)
        for key, value in card.params.items():
            if key not in DIODE_PARAMS:
                raise ModelCardError(
                    f"diode model '{model}': parameter '{key}' is not supported; supported: {', '.join(DIODE_PARAMS)}",
                    card.location)
            lo, hi = DIODE_PARAMS[key][1:3]
            if not lo <= value <= hi:
                raise ModelCardError(f"diode model '{model}': {out_of_range_message(key, value, lo, hi)}",
                                     card.location)
        try:
            params = canonical_diode_params(card.params, model)
        except ModelCardError as exc:
            raise ModelCardError(exc.message, card.location) from None
        ii = np.asarray(idx)
        inst = [names[i] for i in idx]
        internal = None
        if params["rs"] > 0.0:
            internal = np.array([circuit.node(f"{name}#internal") for name in inst], dtype=np.int64)
        groups.append(DiodeGroup(inst, nodes[ii], vals[ii, 0], params, internal, card.location))
    return groups


def _y_groups(circuit: Circuit) -> list[DeviceGroup]:
    """One group per (model card, terminal count) of Y devices."""
    import zlib

    from xbar.devices.registry import DEVICE_KINDS

    groups: list[DeviceGroup] = []
    for key_model, store in circuit.y_instances.items():
        if not store["names"]:
            continue
        card = circuit._bound_card(key_model)
        cls = DEVICE_KINDS[card.kind]
        by_len: dict[int, list[int]] = {}
        for i, row in enumerate(store["nodes"]):
            by_len.setdefault(len(row), []).append(i)
        for length, idx in sorted(by_len.items()):
            n = len(idx)
            nodes = np.array([store["nodes"][i] for i in idx], dtype=np.int64).reshape(n, length)
            inst: dict[str, F64] = {}
            for p in cls.instance_params:
                arr = np.full(n, float(card.values.get(p.name, p.default)))
                for j, i in enumerate(idx):
                    v = store["params"][i].get(p.name)
                    if v is not None:
                        if not np.isfinite(v) or not p.lo <= v <= p.hi:
                            msg = f"'{store['names'][i]}': {out_of_range_message(p.name, v, p.lo, p.hi, p.unit)}"
                            raise ModelCardError(msg, store["loc"][i])
                        arr[j] = v
                inst[p.name] = arr
            seed = [circuit.options.seed, zlib.crc32(f"{key_model}/{length}".encode())]
            groups.append(cls([store["names"][i] for i in idx], nodes, card, inst,
                              np.random.default_rng(seed)))
    return groups


def _mutual_group(circuit: Circuit, branch_groups: list[DeviceGroup]) -> DeviceGroup | None:
    """The coupled inductors ``K`` of the circuit (None without any)."""
    couplings = getattr(circuit, "couplings", [])
    if not couplings:
        return None
    inductors = next((g for g in branch_groups if isinstance(g, InductorGroup)), None)
    index = {name: i for i, name in enumerate(inductors.names)} if inductors is not None else {}
    names: list[str] = []
    b1: list[int] = []
    b2: list[int] = []
    m: list[float] = []
    for key, l1, l2, k, loc in couplings:
        for ind in (l1, l2):
            if ind not in index:
                kind = circuit.element_kind.get(ind)
                what = "which is not an element of the circuit" if kind is None else "which is not an inductor"
                raise NetlistError(f"'{key}' couples '{ind}', {what}; expected 'K<name> L1 L2 k'", loc)
        i1, i2 = index[l1], index[l2]
        assert inductors is not None
        names.append(key)
        b1.append(int(inductors.branch[i1]))  # type: ignore[attr-defined]
        b2.append(int(inductors.branch[i2]))  # type: ignore[attr-defined]
        m.append(k * float(np.sqrt(abs(inductors.l[i1] * inductors.l[i2]))))  # type: ignore[attr-defined]
    group = MutualInductorGroup(names, np.asarray(b1, dtype=np.int64), np.asarray(b2, dtype=np.int64),
                                np.asarray(m))
    assert inductors is not None
    _check_inductance_matrix(circuit, inductors, couplings)
    return group


def _check_inductance_matrix(circuit: Circuit, inductors: DeviceGroup,
                             couplings: list[tuple[str, str, str, float, object]]) -> None:
    """Pairs coupled twice are errors; a coupled system whose inductance matrix is not positive
    definite (not passive: transients can grow) gets a warning, as ngspice's ``muttemp.c``."""

    from scipy.sparse.csgraph import connected_components

    index = {name: i for i, name in enumerate(inductors.names)}
    seen: dict[tuple[int, int], str] = {}
    rows, cols = [], []
    for key, l1, l2, _k, loc in couplings:
        pair = (min(index[l1], index[l2]), max(index[l1], index[l2]))
        if pair in seen:
            raise NetlistError(f"'{key}' couples '{l1}' and '{l2}', which '{seen[pair]}' couples already",
                               loc)  # type: ignore[arg-type]
        seen[pair] = key
        rows.append(pair[0])
        cols.append(pair[1])
    n = len(inductors.names)
    graph = sp.coo_array((np.ones(len(rows)), (rows, cols)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    lvals = inductors.l  # type: ignore[attr-defined]
    for comp in np.unique(labels[np.unique(np.concatenate([rows, cols]))]):
        members = np.flatnonzero(labels == comp)
        pos = {int(i): j for j, i in enumerate(members)}
        mat = np.diag(lvals[members].astype(float))
        all_unity = True
        for _key, l1, l2, k, _loc in couplings:
            i1, i2 = index[l1], index[l2]
            if i1 in pos:
                mval = k * np.sqrt(abs(lvals[i1] * lvals[i2]))
                mat[pos[i1], pos[i2]] = mat[pos[i2], pos[i1]] = mval
                all_unity = all_unity and abs(k) == 1.0
        if np.min(np.linalg.eigvalsh(mat)) <= 0.0 and not (all_unity and np.all(lvals[members] >= 0)):
            names = ", ".join(inductors.names[i] for i in members)
            first_loc = next((loc for _key, l1, l2, _k, loc in couplings if index[l1] in pos), None)
            warn(f"the inductance matrix of the coupled inductors {names} is not positive definite: "
                 "the coupled system is not passive and transients may grow without bound; "
                 "check the coupling coefficients", first_loc)
