"""The circuit builder: nodes, elements (one at a time or as arrays), models, subcircuits.

A :class:`Circuit` stores elements column-wise per kind; :meth:`Circuit.compile` turns them into
vectorised device groups and the MNA system. The netlist elaborator and the Python API use the
same methods, so a deck and a script build identical circuits.

Node and element names are case-insensitive (stored lower case). Ground is ``0`` (alias ``gnd``).

Examples
--------
>>> import xbar
>>> c = xbar.Circuit("divider")
>>> c.V("in", "in", "0", 1.0)
>>> c.R("1", "in", "out", 1e3)
>>> c.R("2", "out", "0", 1e3)
>>> round(c.op()["v(out)"], 12)
0.5
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from xbar import validate
from xbar.errors import ArgumentTypeError, ModelCardError, NetlistError, SourceLocation
from xbar.options import SimOptions

if TYPE_CHECKING:
    from xbar.analysis.results import AcResult, OpResult, SweepResult, TranResult
    from xbar.mna.system import MnaSystem

__all__ = ["GROUND_NAMES", "Circuit", "ModelDef", "Subcircuit"]

GROUND_NAMES = frozenset({"0", "gnd"})

_MAX_SUBCKT_DEPTH = 64
# estimated bytes one element of a bulk add keeps (name string, table rows, registry entry)
_BYTES_PER_ELEMENT = 400
_BYTES_PER_Y_DEVICE = 900

# kind -> (letter, number of nodes, value columns)
_KINDS: dict[str, tuple[str, int, tuple[str, ...]]] = {
    "r": ("r", 2, ("r",)),
    "c": ("c", 2, ("c", "ic")),
    "l": ("l", 2, ("l", "ic")),
    "v": ("v", 2, ("dc",)),
    "i": ("i", 2, ("dc",)),
    "e": ("e", 4, ("gain",)),
    "g": ("g", 4, ("gm",)),
    "f": ("f", 2, ("gain",)),
    "h": ("h", 2, ("r",)),
    "d": ("d", 2, ("area",)),
    "b": ("b", 2, ("voltage",)),
}


# (kind, column) -> (word in messages, unit, validate.real rules)
_COLUMN_RULES: dict[tuple[str, str], tuple[str, str, dict[str, Any]]] = {
    ("r", "r"): ("resistance", "Ω", {"min_magnitude": validate.MIN_MAGNITUDE}),
    ("c", "c"): ("capacitance", "F", {}),
    ("c", "ic"): ("initial voltage", "V", {}),
    ("l", "l"): ("inductance", "H", {}),
    ("l", "ic"): ("initial current", "A", {}),
    ("v", "dc"): ("source value", "V", {}),
    ("i", "dc"): ("source value", "A", {}),
    ("e", "gain"): ("gain", "", {}),
    ("g", "gm"): ("transconductance", "S", {}),
    ("f", "gain"): ("gain", "", {}),
    ("h", "r"): ("transresistance", "Ω", {}),
    ("d", "area"): ("area", "", {"lo": 0.0, "lo_open": True}),
    ("b", "voltage"): ("kind flag (1: V=, 0: I=)", "", {}),
}


@dataclass
class ModelDef:
    """A ``.model`` card: name, type and parameter values (SI)."""

    name: str
    type: str
    params: dict[str, float]
    location: SourceLocation | None = None


@dataclass
class _Table:
    """Column store of one element kind; single adds are buffered, bulk adds are chunks."""

    n_nodes: int
    columns: tuple[str, ...]
    names: list[str] = field(default_factory=list)
    node_rows: list[tuple[int, ...]] = field(default_factory=list)
    value_rows: list[tuple[float, ...]] = field(default_factory=list)
    extra: list[Any] = field(default_factory=list)
    locations: list[SourceLocation | None] = field(default_factory=list)
    chunks: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    chunk_names: list[list[str]] = field(default_factory=list)
    sources: list[tuple[int, Sequence[str], Sequence[int]]] = field(default_factory=list)
    """Deck file and line of bulk-added elements: (first index, files, lines) per bulk add."""

    def flush(self) -> None:
        if not self.node_rows:
            return
        nodes = np.array(self.node_rows, dtype=np.int64).reshape(-1, self.n_nodes)
        vals = np.array(self.value_rows, dtype=np.float64).reshape(-1, len(self.columns))
        self.chunks.append((nodes, vals))
        self.chunk_names.append(self.names)
        self.names = []
        self.node_rows = []
        self.value_rows = []

    def arrays(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        self.flush()
        names: list[str] = [n for chunk in self.chunk_names for n in chunk]
        if not self.chunks:
            return [], np.zeros((0, self.n_nodes), np.int64), np.zeros((0, len(self.columns)))
        if len(self.chunks) > 1:
            nodes = np.concatenate([c[0] for c in self.chunks])
            vals = np.concatenate([c[1] for c in self.chunks])
            self.chunks = [(nodes, vals)]
            self.chunk_names = [names]
        return names, self.chunks[0][0], self.chunks[0][1]

    def __len__(self) -> int:
        return len(self.names) + sum(len(c[0]) for c in self.chunks)


@validate.checked_calls
class Subcircuit:
    """A reusable subcircuit defined from Python: records builder calls, replayed per instance.

    Values may be numbers or ``"{expression}"`` strings over the subcircuit's parameters.

    Examples
    --------
    >>> import xbar
    >>> c = xbar.Circuit()
    >>> half = c.subckt("half", ["a", "b", "mid"], r=1e3)
    >>> half.R("1", "a", "mid", "{r}")
    >>> half.R("2", "mid", "b", "{r}")
    >>> c.V("1", "in", "0", 2.0)
    >>> c.X("1", "half", ["in", "0", "m"], r=2e3)
    >>> c.op()["v(m)"]
    1.0
    """

    def __init__(self, name: str, ports: Sequence[str], params: Mapping[str, float]) -> None:
        self.name = validate.name(name, "subcircuit name")
        self.ports = validate.names(ports, f"ports of subcircuit '{self.name}'")
        if len(set(self.ports)) != len(self.ports) or GROUND_NAMES & set(self.ports):
            raise NetlistError(f"ports of subcircuit '{self.name}' must be distinct and not ground, got {self.ports}")
        self.params = {validate.name(k, "subcircuit parameter name"): v for k, v in params.items()}
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []

    def __getattr__(self, method: str) -> Any:
        if method in ("R", "C", "L", "V", "I", "E", "G", "F", "H", "D", "X", "Y", "B", "K", "M", "Q"):
            import inspect

            signature = inspect.signature(getattr(Circuit, method))

            def record(*args: Any, **kwargs: Any) -> None:
                try:
                    bound = signature.bind(None, *args, **kwargs)
                except TypeError as exc:
                    raise ArgumentTypeError(f"subcircuit '{self.name}': {method}(): {exc}") from None
                if "location" in kwargs:
                    raise ArgumentTypeError(f"subcircuit '{self.name}': {method}() takes no location")
                validate.name(bound.args[1], f"element name in subcircuit '{self.name}'")
                self.calls.append((method, args, kwargs))

            return record
        raise AttributeError(method)


@validate.checked_calls
class Circuit:
    """A flat circuit under construction (see module docstring)."""

    def __init__(self, title: str = "", *, lint: bool = True) -> None:
        self.title = title
        self.options = SimOptions(lint=int(bool(lint)))
        """Simulation options; ``lint=False`` switches off the netlist lint (:mod:`xbar.lint`)."""
        self.node_index: dict[str, int] = {}
        self.node_names: list[str] = []
        self.tables: dict[str, _Table] = {k: _Table(n, cols) for k, (_, n, cols) in _KINDS.items()}
        self.element_kind: dict[str, str] = {}
        self.models: dict[str, ModelDef] = {}
        self.subckts: dict[str, Subcircuit] = {}
        self.linear_solver = "superlu"
        """Linear solver of every analysis: ``superlu`` (default), ``cholmod``, ``amg-cg`` or
        ``auto`` (see :mod:`xbar.mna.solvers_large`)."""
        self.y_instances: dict[str, dict[str, list[Any]]] = {}
        self.ic: dict[str, float] = {}
        self.nodeset: dict[str, float] = {}
        self.couplings: list[tuple[str, str, str, float, SourceLocation | None]] = []
        """Coupled inductors: (K name, inductor 1, inductor 2, coupling coefficient, location)."""
        self.ac_specs: dict[str, tuple[float, float]] = {}
        """Small-signal excitations of ``.ac``: source name -> (magnitude, phase in degrees)."""
        self._system: MnaSystem | None = None

    def __repr__(self) -> str:
        title = f" {self.title!r}" if self.title else ""
        return (f"<Circuit{title}: {self.element_count()} elements, {len(self.node_names)} nodes, "
                f"{len(self.models)} models>")

    # nodes -------------------------------------------------------------------------------
    def node(self, name: str) -> int:
        """Index of node ``name`` (created on first use); ``-1`` for ground.

        Names are strings (or non-negative ints such as ``0``) without white space, control
        characters or ``( ) , = { } ' "`` (:func:`xbar.validate.name`).
        """
        return self._node(name)

    def _node(self, name: Any, location: SourceLocation | None = None) -> int:
        if type(name) is str:
            idx = self.node_index.get(name.lower())
            if idx is not None:
                return idx
        key = name.lower() if validate.plain_name(name) else validate.name(name, "node name", location=location)
        return self._node_key(key)

    def _node_key(self, key: str) -> int:
        """Index of the checked, lower-case node name ``key`` (created on first use)."""
        idx = self.node_index.get(key)
        if idx is not None:
            return idx
        if key in GROUND_NAMES:
            return -1
        idx = len(self.node_names)
        self.node_index[key] = idx
        self.node_names.append(key)
        return idx

    def nodes(self, names: Iterable[str]) -> np.ndarray:
        """Indices of many nodes at once (creating them, in order of first appearance).

        Names as for :meth:`node` (:func:`xbar.validate.names`)."""
        return self._node_indices(validate.names(names, "nodes() names"))

    def _node_indices(self, names: list[str]) -> np.ndarray:
        """:meth:`nodes` for names already in lower case (the netlist fast path).

        One ``setdefault`` pass numbers every name by its position (existing nodes keep their
        index); the new nodes are then renumbered in order of first appearance.
        """
        index = self.node_index
        start = len(self.node_names)
        ids = np.fromiter(map(index.setdefault, names, itertools.count(start)), dtype=np.int64,
                          count=len(names))
        fresh = ids >= start
        if not fresh.any():
            return ids
        for ground in GROUND_NAMES:  # never a node: undo, index -1
            gid = index.pop(ground, None)
            if gid is not None:
                ids[ids == gid] = -1
                fresh = ids >= start
        if not fresh.any():
            return ids
        first = np.sort(ids[fresh])  # positions (+ start) of first appearances, in order
        first = first[np.append(True, first[1:] != first[:-1])]
        new = [names[p] for p in (first - start).tolist()]
        index.update(zip(new, range(start, start + len(new)), strict=True))
        self.node_names.extend(new)
        self._system = None
        ids[fresh] = start + np.searchsorted(first, ids[fresh])
        return ids

    def _append_block(self, kind: str, keys: list[str], nodes: np.ndarray, values: np.ndarray,
                      sources: tuple[Sequence[str], Sequence[int]] | None = None) -> None:
        """Append elements whose names are registered already (``element_kind``) as one chunk
        of their table: ``keys`` lower case, ``nodes`` ``(k, T)`` indices, ``values``
        ``(k, columns)`` checked by the caller (the netlist fast path); ``sources`` the deck
        file and line of each (as in :meth:`add_many`)."""
        table = self.tables[kind]
        table.flush()
        if sources is not None:
            table.sources.append((len(table.locations), sources[0], sources[1]))
        table.chunks.append((nodes, values))
        table.chunk_names.append(keys)
        table.extra.extend([None] * len(keys))
        table.locations.extend([None] * len(keys))
        self._system = None

    # elements ----------------------------------------------------------------------------
    def _name(self, letter: str, name: str, location: SourceLocation | None = None) -> str:
        if type(name) is str and (location is not None or validate.plain_name(name)):
            key = name.lower()  # a deck token (the lexer has checked it) or a plain name
        else:
            key = validate.name(name, f"element name ({letter.upper()} element)", location=location)
        if not key.startswith(letter):
            key = letter + key
        return key

    def _node_list(self, nodes: Any, count: int, key: str, location: SourceLocation | None) -> list[str]:
        """The checked, lower-case node names of element ``key`` (nothing created yet)."""
        if type(nodes) is not tuple and (isinstance(nodes, str | bytes) or not isinstance(nodes, Sequence | np.ndarray)):
            raise ArgumentTypeError(f"nodes of '{key}' must be a sequence of {count} node names, got "
                                    f"{type(nodes).__name__} {nodes!r:.60}", location)
        if len(nodes) != count:
            raise NetlistError(f"element '{key}' needs {count} nodes, got {len(nodes)}", location)
        if location is not None and all(type(n) is str for n in nodes):
            return [n.lower() for n in nodes]  # deck tokens: the lexer has checked them
        return [n.lower() if validate.plain_name(n) else validate.name(n, f"node {k + 1} of '{key}'")
                for k, n in enumerate(nodes)]

    def _register(self, key: str, kind: str, location: SourceLocation | None) -> None:
        if key in self.element_kind:
            raise NetlistError(f"duplicate element name '{key}'", location)
        self.element_kind[key] = kind
        self._system = None

    def _check_new_names(self, keys: list[str], *, distinct: bool = False) -> None:
        """Raise if any of ``keys`` repeats or is already an element (``distinct``: the keys are
        known not to repeat, e.g. ``prefix0 … prefixN``)."""
        unique = keys if distinct else set(keys)
        if len(unique) != len(keys):
            seen: set[str] = set()
            dup = next(k for k in keys if k in seen or seen.add(k))  # type: ignore[func-returns-value]
            raise NetlistError(f"duplicate element name '{dup}' in the bulk add")
        if not self.element_kind.keys().isdisjoint(unique):
            clash = next(k for k in keys if k in self.element_kind)
            raise NetlistError(f"duplicate element name '{clash}'")

    def _register_many(self, keys: list[str], kind: str, *, checked: bool = False) -> None:
        """Register many names at once, or none of them (no half-added bulk on error);
        ``checked``: :meth:`_check_new_names` has passed already."""
        if not checked:
            self._check_new_names(keys)
        self.element_kind.update(dict.fromkeys(keys, kind))
        self._system = None

    @staticmethod
    def _kind(kind: Any) -> tuple[str, int, tuple[str, ...]]:
        found = _KINDS.get(kind) if type(kind) is str else None
        if found is not None:
            return found
        if not isinstance(kind, str) or kind.lower() not in _KINDS:
            raise NetlistError(f"unknown element kind {kind!r}; known: {', '.join(_KINDS)}")
        return _KINDS[kind.lower()]

    @staticmethod
    def _column_value(kind: str, column: str, value: Any, key: str, location: SourceLocation | None) -> float:
        """One element value, checked by the rules of its column (:data:`_COLUMN_RULES`)."""
        if type(value) is float and (1e-30 <= abs(value) <= 1e30 or (value == 0.0 and kind != "r")) \
                and (kind != "d" or value > 0.0):
            return value  # the common case: a float in range
        word, unit, rules = _COLUMN_RULES[kind, column]
        if column == "ic" and (value is None or (isinstance(value, float) and np.isnan(value))):
            return np.nan
        v = validate.real(value, f"{word} of '{key}'", location=location, unit=unit, **rules)
        if kind == "r" and v == 0.0:
            raise NetlistError(f"resistor '{key}' has zero resistance; use a 0 V source for a short", location)
        return v

    def _waveform(self, waveform: Any, key: str, location: SourceLocation | None) -> Any:
        if waveform is None:
            return None
        from xbar.devices.waveforms import WaveformSpec

        if not isinstance(waveform, WaveformSpec):
            raise ArgumentTypeError(f"waveform of '{key}' must be an xbar.devices.waveforms.WaveformSpec or None, "
                                    f"got {type(waveform).__name__}", location)
        waveform.validate(location, current_source=key.startswith("i"))
        return waveform

    def add(
        self,
        kind: str,
        name: str,
        nodes: Sequence[str],
        values: Sequence[float],
        extra: Any = None,
        location: SourceLocation | None = None,
    ) -> str:
        """Add one element of ``kind`` (a SPICE letter); returns its lower-case name.

        ``values`` holds the kind's value columns in order (``r``: resistance; ``c``/``l``:
        value and initial condition, NaN for none; ``v``/``i``: DC value; ``e``/``f``: gain;
        ``g``: transconductance; ``h``: transresistance; ``d``: area), each checked as the
        element methods check them.
        """
        return self._add(kind, name, nodes, values, extra, location)

    def _add(self, kind: str, name: Any, nodes: Any, values: Any, extra: Any = None,
             location: SourceLocation | None = None) -> str:
        letter, n_nodes, columns = self._kind(kind)
        key = self._name(letter, name, location)
        node_names = self._node_list(nodes, n_nodes, key, location)
        if type(values) is not tuple and (isinstance(values, str | bytes)
                                          or not isinstance(values, Sequence | np.ndarray)):
            raise ArgumentTypeError(f"values of '{key}' must be a sequence of {len(columns)} numbers "
                                    f"({', '.join(columns)})", location)
        if len(values) != len(columns):
            raise NetlistError(f"element '{key}' takes {len(columns)} value(s) ({', '.join(columns)}), "
                               f"got {len(values)}", location)
        vals = tuple(self._column_value(letter, col, v, key, location) for col, v in zip(columns, values, strict=True))
        if letter in ("v", "i"):
            extra = self._waveform(extra, key, location)
        elif letter in ("f", "h", "d"):
            extra = validate.name(extra, "controlling source" if letter != "d" else "model name", location=location)
        elif letter == "b":
            from xbar.devices.behavioural import BehaviouralSpec

            if not isinstance(extra, BehaviouralSpec):
                raise ArgumentTypeError(f"'{key}': add B sources with Circuit.B (the expression is their value)",
                                        location)
        if key in self.element_kind:
            raise NetlistError(f"duplicate element name '{key}'", location)
        node_idx = tuple(self._node_key(n) for n in node_names)
        self._register(key, letter, location)
        table = self.tables[letter]
        table.names.append(key)
        table.node_rows.append(node_idx)
        table.value_rows.append(vals)
        table.extra.append(extra)
        table.locations.append(location)
        return key

    def add_many(
        self,
        kind: str,
        names: Sequence[str] | str,
        nodes: Sequence[Sequence[str]] | np.ndarray,
        values: Mapping[str, Any],
        *,
        sources: tuple[Sequence[str], Sequence[int]] | None = None,
    ) -> list[str]:
        """Bulk-add N elements of one kind from arrays.

        Parameters
        ----------
        kind : str
            SPICE letter: ``r``, ``c``, ``l``, ``v``, ``i``, ``e``, ``g`` or ``d``.
        names : sequence of str or str
            Element names, or a prefix: ``"cell"`` gives ``rcell0 … rcell{N-1}``.
        nodes : (N, T) array of node names or node indices
            Terminal nodes per element; integer arrays are taken as indices from :meth:`node`.
        values : mapping
            Column arrays (broadcast to N), e.g. ``{"r": r_array}``; for V and I sources
            ``"extra"`` may hold one ``WaveformSpec`` (or None) per element; for diodes
            ``"extra"`` is the model name.
        sources : (files, lines), optional
            Deck file and line of every element (the deck reader's bulk path), so warnings can
            point at the element's line.

        Raises
        ------
        NetlistError
            Bad kind, shapes, names or values (checked before anything is added).
        LimitError
            More elements than the ``max_memory`` limit allows.
        """
        letter, n_nodes, columns = self._kind(kind)
        if letter in ("f", "h", "b"):
            raise NetlistError("add_many does not take current-controlled or behavioural sources; add them one by one")
        values = validate.mapping(values, "values")
        unknown = [k for k in values if k not in columns and k != "extra"]
        if unknown:
            raise NetlistError(f"unknown column(s) {unknown} for kind '{letter}'; known: {columns}")
        idx = validate.node_indices(nodes, "nodes", n_nodes=len(self.node_names), terminals=n_nodes,
                                    bytes_per_row=_BYTES_PER_ELEMENT)
        arr = np.asarray(nodes) if idx is None else idx
        count = arr.shape[0]
        if isinstance(names, str):
            base = self._name(letter, names)
            keys = [f"{base}{i}" for i in range(count)]
        else:
            keys = [k if k.startswith(letter) else letter + k for k in validate.names(names, "names", count=count)]
        vals = np.empty((count, len(columns)))
        for j, col in enumerate(columns):
            word, unit, rules = _COLUMN_RULES[letter, col]
            default = np.nan if col == "ic" else (1.0 if col == "area" else 0.0)
            given = values.get(col, default)
            what = f"column '{col}' ({word}) of add_many"
            vals[:, j] = validate.array(np.nan if given is None else given, what, shape=(count,), unit=unit,
                                        allow_nan=col == "ic", **rules)
            if letter == "r" and np.any(vals[:, j] == 0.0):
                raise NetlistError("zero resistance in add_many; use a 0 V source for a short")
        extra = values.get("extra")
        if isinstance(extra, list | tuple):
            if len(extra) != count:
                raise NetlistError(f"'extra' needs one entry per element ({count}), got {len(extra)}")
            extras = list(extra)
        else:
            extras = [extra] * count
        if letter in ("v", "i"):
            checked: dict[int, Any] = {}
            for e in extras:
                if e is not None and id(e) not in checked:
                    checked[id(e)] = self._waveform(e, f"{letter}{names if isinstance(names, str) else ''}", None)
        elif letter == "d":
            extras = [validate.name(e, "model name of a diode in add_many") for e in extras]
        elif extra is not None:
            raise NetlistError(f"'extra' is for V/I sources (waveforms) and diodes (model names), not kind '{letter}'")
        self._check_new_names(keys, distinct=isinstance(names, str))
        if idx is None:
            flat = validate.names(arr.ravel().tolist(), "node name in add_many")
            idx = self.nodes(flat).reshape(count, n_nodes)
        self._register_many(keys, letter, checked=True)
        table = self.tables[letter]
        table.flush()
        table.chunks.append((idx, vals))
        table.chunk_names.append(keys)
        table.extra.extend(extras)
        if sources is not None:
            if len(sources) != 2 or len(sources[0]) != count or len(sources[1]) != count:
                raise NetlistError(f"sources must be (files, lines) with one entry per element ({count})")
            table.sources.append((len(table.locations), sources[0], sources[1]))
        table.locations.extend([None] * count)
        return keys

    def R(self, name: str, n1: str, n2: str, value: float, *, location: SourceLocation | None = None) -> None:
        """Resistor [Ω] between ``n1`` and ``n2`` (nonzero, magnitude in [1e-30, 1e30])."""
        self._add("r", name, (n1, n2), (value,), location=location)

    def C(self, name: str, n1: str, n2: str, value: float, *, ic: float | None = None,
          location: SourceLocation | None = None) -> None:
        """Capacitor [F]; ``ic`` initial voltage [V] used with ``uic``."""
        self._add("c", name, (n1, n2), (value, ic), location=location)

    def L(self, name: str, n1: str, n2: str, value: float, *, ic: float | None = None,
          location: SourceLocation | None = None) -> None:
        """Inductor [H]; ``ic`` initial current [A] used with ``uic``."""
        self._add("l", name, (n1, n2), (value, ic), location=location)

    def V(self, name: str, n1: str, n2: str, dc: float = 0.0, *, waveform: Any = None,
          ac: float | tuple[float, float] | None = None, location: SourceLocation | None = None) -> None:
        """Independent voltage source [V]; ``waveform`` a ``WaveformSpec`` for transients,
        ``ac`` the ``.ac`` excitation: a magnitude [V] or ``(magnitude, phase in degrees)``."""
        key = self._add("v", name, (n1, n2), (dc,), extra=waveform, location=location)
        self._set_ac(key, ac, location)

    def I(self, name: str, n1: str, n2: str, dc: float = 0.0, *, waveform: Any = None,
          ac: float | tuple[float, float] | None = None, location: SourceLocation | None = None) -> None:
        """Independent current source [A], flowing from ``n1`` through the source to ``n2``;
        ``ac`` as for :meth:`V` [A]."""
        key = self._add("i", name, (n1, n2), (dc,), extra=waveform, location=location)
        self._set_ac(key, ac, location)

    def _set_ac(self, key: str, ac: float | tuple[float, float] | None,
                location: SourceLocation | None) -> None:
        if ac is None:
            return
        if isinstance(ac, tuple | list):
            if not 1 <= len(ac) <= 2:
                raise ArgumentTypeError(f"ac of '{key}' must be a magnitude or (magnitude, phase in degrees), "
                                        f"got {ac!r}", location)
            mag, phase = (*ac, 0.0)[:2]
        else:
            mag, phase = ac, 0.0
        self.ac_specs[key] = (validate.real(mag, f"AC magnitude of '{key}'", location=location),
                              validate.real(phase, f"AC phase of '{key}'", location=location))

    def E(self, name: str, p: str, n: str, cp: str, cn: str, gain: float, *,
          location: SourceLocation | None = None) -> None:
        """Voltage-controlled voltage source: ``v(p,n) = gain·v(cp,cn)``."""
        self._add("e", name, (p, n, cp, cn), (gain,), location=location)

    def G(self, name: str, p: str, n: str, cp: str, cn: str, gm: float, *,
          location: SourceLocation | None = None) -> None:
        """Voltage-controlled current source [S]: ``gm·v(cp,cn)`` from ``p`` through it to ``n``."""
        self._add("g", name, (p, n, cp, cn), (gm,), location=location)

    def F(self, name: str, p: str, n: str, vctrl: str, gain: float, *,
          location: SourceLocation | None = None) -> None:
        """Current-controlled current source: ``gain·i(vctrl)``."""
        self._add("f", name, (p, n), (gain,), extra=vctrl, location=location)

    def H(self, name: str, p: str, n: str, vctrl: str, r: float, *,
          location: SourceLocation | None = None) -> None:
        """Current-controlled voltage source [Ω]: ``v(p,n) = r·i(vctrl)``."""
        self._add("h", name, (p, n), (r,), extra=vctrl, location=location)

    def K(self, name: str, l1: str, l2: str, coupling: float, *,
          location: SourceLocation | None = None) -> None:
        """Couple inductors ``l1`` and ``l2`` with coefficient ``coupling`` (``|k| ≤ 1``):
        mutual inductance ``M = k·√(L1·L2)``, dot convention at the inductors' first nodes."""
        key = self._name("k", name, location)
        k = validate.real(coupling, f"coupling coefficient of '{key}'", location=location)
        if not -1.0 <= k <= 1.0:
            raise NetlistError(f"coupling coefficient of '{key}' must be in [-1, 1], got {k:g}", location)
        l1k, l2k = (self._name("l", n) if not str(n).lower().startswith("l") else str(n).lower()
                    for n in (l1, l2))
        if l1k == l2k:
            raise NetlistError(f"'{key}' couples inductor '{l1k}' with itself", location)
        self._register(key, "k", location)
        self.couplings.append((key, l1k, l2k, k, location))

    def D(self, name: str, anode: str, cathode: str, model: str, *, area: float = 1.0,
          location: SourceLocation | None = None) -> None:
        """Diode bound to ``.model <model> D`` (``area`` > 0)."""
        self._add("d", name, (anode, cathode), (area,), extra=model, location=location)

    def B(self, name: str, n1: str, n2: str, expression: Any, *, kind: str = "v",
          params: Mapping[str, float] | None = None, probes: Mapping[str, tuple[str, str]] | None = None,
          location: SourceLocation | None = None) -> str:
        """Behavioural source: ``kind="v"`` fixes ``v(n1) − v(n2)``, ``kind="i"`` drives a current
        from ``n1`` through the source to ``n2``, both equal to ``expression``.

        ``expression`` is text (or an :class:`~xbar.netlist.expr.Expression` parsed in the
        behavioural dialect) over ``v(node)``, ``v(n1, n2)``, ``i(vsource)``, ``time``,
        ``temper``, parameters given in ``params``, and the functions of the expression parser
        plus ``pwl``, ``u``, ``uramp``, ``pwr``. ``probes`` maps probe variables to
        ``("node", name)`` / ``("branch", element)`` when they differ from the names written
        (subcircuit flattening). Returns the element's name.

        Examples
        --------
        >>> import xbar
        >>> c = xbar.Circuit()
        >>> c.V("1", "in", "0", 0.5)
        >>> _ = c.B("sq", "out", "0", "v(in)^2 * gain", params={"gain": 4.0})
        >>> c.R("l", "out", "0", 1e3)
        >>> round(c.op()["v(out)"], 12)
        1.0
        """
        from xbar.devices.behavioural import (
            BEHAVIOURAL_DIALECT_NAMES,
            BehaviouralSpec,
            probe_targets,
        )
        from xbar.netlist.expr import Dialect, Expression, parse_expression

        key = self._name("b", name, location)
        if kind not in ("v", "i"):
            raise NetlistError(f"B source '{key}': kind must be 'v' or 'i', got {kind!r}", location)
        params = validate.mapping(params, f"params of B source '{key}'")
        probes = validate.mapping(probes, f"probes of B source '{key}'")
        for k, target in probes.items():
            if not (isinstance(target, tuple | list) and len(target) == 2 and target[0] in ("node", "branch")):
                raise ArgumentTypeError(f"B source '{key}': probe {k!r} must map to ('node', name) or "
                                        f"('branch', element), got {target!r:.60}", location)
            validate.name(target[1], f"probe {k!r} of B source '{key}'", location=location)
        if isinstance(expression, Expression):
            expr = expression
        elif isinstance(expression, str):
            text = expression.strip()
            if len(text) >= 2 and text[0] == "{" and text[-1] == "}":
                text = text[1:-1]
            expr = parse_expression(text, location, dialect=Dialect(probes=True, behavioural=True))
        else:
            raise NetlistError(f"B source '{key}': expression must be text, got {expression!r}", location)
        targets = probe_targets(expr.names)
        if probes:
            targets.update({k.lower(): (w, t.lower()) for k, (w, t) in probes.items()})
        values = {validate.name(k, f"parameter name of B source '{key}'"):
                  validate.real(v, f"parameter '{k}' of B source '{key}'", location=location)
                  for k, v in params.items()}
        missing = sorted(expr.names - set(targets) - set(values) - BEHAVIOURAL_DIALECT_NAMES)
        if missing:
            raise NetlistError(f"B source '{key}': '{missing[0]}' in expression {expr.source!r} is "
                               "neither a parameter nor v(node), i(source), time or temper", location)
        spec = BehaviouralSpec(kind, expr, targets, {k: values[k] for k in expr.names if k in values},
                               location)
        return self._add("b", key, (n1, n2), (1.0 if kind == "v" else 0.0,), extra=spec, location=location)

    def Y(self, name: str, nodes: Sequence[str], model: str, *, location: SourceLocation | None = None,
          **params: float) -> str:
        """A ``Y`` device bound to ``.model <model> <type>`` of a registered kind.

        ``nodes`` are the kind's terminals in order; ``params`` are instance parameters
        (e.g. ``state=1``). Returns the element's name.
        """
        return self._model_device("y", name, nodes, model, location, params)

    def M(self, name: str, drain: str, gate: str, source: str, bulk: str, model: str, *,
          location: SourceLocation | None = None, **params: float) -> str:
        """MOSFET bound to ``.model <model> nmos|pmos (level=1 …)``; ``params`` are instance
        parameters ``w``, ``l`` [m], ``m``, ``ad``, ``as_`` (or ``**{"as": …}``) [m²],
        ``pd``, ``ps`` [m], ``nrd``, ``nrs``, ``off``. Returns the element's name.

        Examples
        --------
        >>> import xbar
        >>> c = xbar.Circuit("nmos")
        >>> c.model("n1", "nmos", vto=0.5, kp=1e-4)
        >>> c.V("d", "d", "0", 1.0)
        >>> c.V("g", "g", "0", 1.5)
        >>> _ = c.M("1", "d", "g", "0", "0", "n1", w=2e-6, l=1e-6)
        >>> round(-c.op()["i(vd)"] * 1e6, 6)   # KP/2·W/L·(VGS − VTO)² in µA
        100.0
        """
        if "as_" in params:
            params["as"] = params.pop("as_")
        return self._model_device("m", name, (drain, gate, source, bulk), model, location, params)

    def Q(self, name: str, collector: str, base: str, emitter: str, model: str, *,
          substrate: str = "0", location: SourceLocation | None = None, **params: float) -> str:
        """Bipolar transistor bound to ``.model <model> npn|pnp (…)`` (Gummel–Poon);
        ``params`` are instance parameters ``area``, ``m``, ``off``. Returns the element's name."""
        return self._model_device("q", name, (collector, base, emitter, substrate), model, location, params)

    def _model_device(self, letter: str, name: str, nodes: Sequence[str], model: str,
                      location: SourceLocation | None, params: Mapping[str, float]) -> str:
        """Add an element of a registered model kind (``Y``, ``M``, ``Q``)."""
        kind_cls, key_model = self._y_kind(model, location)
        key = self._name(letter, name, location)
        element = getattr(kind_cls, "element_letter", "y")
        if element != letter:
            what = {"m": "an M element (MOSFET)", "q": "a Q element (bipolar transistor)",
                    "y": "a Y element"}[element]
            raise ModelCardError(f"'{key}' uses model '{model}' of type '{self.models[key_model].type}', "
                                 f"which is for {what}", location)
        if isinstance(nodes, Sequence | np.ndarray) and not isinstance(nodes, str) \
                and len(nodes) != len(kind_cls.terminals):
            raise NetlistError(
                f"'{key}' ({kind_cls.model_type}) needs {len(kind_cls.terminals)} terminals "
                f"({' '.join(kind_cls.terminals)}), got {len(nodes)}", location)
        node_names = self._node_list(nodes, len(kind_cls.terminals), key, location)
        known = {p.name for p in kind_cls.instance_params}
        for k in params:
            if k.lower() not in known:
                raise NetlistError(f"'{key}' ({kind_cls.model_type}): unknown instance parameter '{k}'; "
                                   f"known: {', '.join(sorted(known)) or 'none'}", location)
        vals = {k.lower(): validate.real(v, f"instance parameter '{k}' of '{key}'", location=location)
                for k, v in params.items()}
        if key in self.element_kind:
            raise NetlistError(f"duplicate element name '{key}'", location)
        card = self._bound_card(key_model)
        n_int = kind_cls.internal_nodes(card, vals)
        suffixes = kind_cls.internal_names(card, vals) if hasattr(kind_cls, "internal_names") else \
            [str(k) for k in range(n_int)]
        node_idx = [self._node(n, location) for n in node_names]
        self._register(key, letter, location)
        store = self.y_instances.setdefault(key_model, {"names": [], "nodes": [], "params": [], "loc": []})
        terms = node_idx + [self._node(f"{key}#{sfx}") for sfx in suffixes]
        store["names"].append(key)
        store["nodes"].append(terms)
        store["params"].append(vals)
        store["loc"].append(location)
        return key

    def add_y_many(self, names: Sequence[str] | str, nodes: Any, model: str,
                   params: Mapping[str, Any] | None = None) -> list[str]:
        """Bulk-add N ``Y`` devices of one model from arrays (nodes shape (N, terminals)).

        ``params`` maps instance-parameter names to values broadcast to N; node indices must
        exist (:meth:`node`), node names are created.
        """
        kind_cls, key_model = self._y_kind(model, None)
        n_t = len(kind_cls.terminals)
        idx = validate.node_indices(nodes, f"nodes of the {kind_cls.model_type} devices",
                                    n_nodes=len(self.node_names), terminals=n_t, bytes_per_row=_BYTES_PER_Y_DEVICE)
        arr = np.asarray(nodes) if idx is None else idx
        count = arr.shape[0]
        keys = ([f"{self._name('y', names)}{i}" for i in range(count)] if isinstance(names, str)
                else [self._name("y", n) for n in validate.names(names, "names", count=count)])
        params = dict(validate.mapping(params, "params"))
        table = {p.name: p for p in kind_cls.instance_params}
        bad = [k for k in params if not isinstance(k, str) or k.lower() not in table]
        if bad:
            raise NetlistError(f"{kind_cls.model_type}: unknown instance parameter(s) {bad}; "
                               f"known: {', '.join(sorted(table)) or 'none'}")
        card = self._bound_card(key_model)
        if kind_cls.internal_nodes(card, {}) > 0:
            raise NetlistError(f"add_y_many does not support {kind_cls.model_type} devices with internal nodes")
        cols = {}
        for k, v in params.items():
            p = table[k.lower()]
            cols[k.lower()] = validate.array(v, f"instance parameter '{k}'", shape=(count,), lo=p.lo, hi=p.hi,
                                             unit=p.unit if p.unit != "-" else "")
        self._check_new_names(keys, distinct=isinstance(names, str))
        if idx is None:
            idx = self.nodes(validate.names(arr.ravel().tolist(), "node name in add_y_many")).reshape(count, n_t)
        self._register_many(keys, "y", checked=True)
        store = self.y_instances.setdefault(key_model, {"names": [], "nodes": [], "params": [], "loc": []})
        store["names"].extend(keys)
        store["nodes"].extend(idx.tolist())
        store["params"].extend({k: float(c[i]) for k, c in cols.items()} for i in range(count))
        store["loc"].extend([None] * count)
        return keys

    def _y_kind(self, model: str, location: SourceLocation | None) -> tuple[Any, str]:
        from xbar.devices.registry import DEVICE_KINDS, load_builtin_kinds

        key_model = validate.name(model, "model name", location=location)
        card = self.models.get(key_model)
        if card is None:
            raise ModelCardError(f"model '{model}' is not defined (define the .model card first)", location)
        load_builtin_kinds()
        cls = DEVICE_KINDS.get(card.type)
        if cls is None:
            raise ModelCardError(f"model '{model}' has type '{card.type}', which is not a Y-device kind; "
                                 f"known kinds: {', '.join(sorted(DEVICE_KINDS)) or 'none'}", location)
        return cls, key_model

    def _bound_card(self, key_model: str) -> Any:
        cache = self.__dict__.setdefault("_card_cache", {})
        bound = cache.get(key_model)
        if bound is None:
            bound = cache[key_model] = self._bind_card(key_model)
        return bound

    def _bind_card(self, key_model: str) -> Any:
        from xbar.devices.params import bind_card
        from xbar.devices.registry import DEVICE_KINDS

        card = self.models[key_model]
        cls = DEVICE_KINDS[card.type]
        table = cls.card_params + tuple(p for p in cls.instance_params
                                        if p.name not in {q.name for q in cls.card_params})
        return bind_card(card.name, card.type, table, card.params, card.location)

    # models and subcircuits --------------------------------------------------------------
    def model(self, name: str, type: str, location: SourceLocation | None = None, **params: float) -> None:
        """Define a ``.model`` card (``type`` e.g. ``"d"``); parameter values are numbers (SI)."""
        key = validate.name(name, "model name", location=location)
        mtype = validate.name(type, f"type of model '{key}'", location=location)
        if key in self.models:
            raise ModelCardError(f"duplicate model '{key}'", location)
        values = {validate.name(k, f"parameter name of model '{key}'"):
                  validate.real(v, f"parameter '{k}' of model '{key}'", location=location)
                  for k, v in params.items()}
        self.models[key] = ModelDef(key, mtype, values, location)
        self.__dict__.get("_card_cache", {}).pop(key, None)
        self._system = None

    def load_models(self, path: str | Path, names: Sequence[str] | None = None) -> list[str]:
        """Define the ``.model`` cards of a library file (e.g. ``compact_models/*.lib``).

        A shipped library can be named without its folder (``"kumar2024_sot.lib"``), from any
        directory (:mod:`xbar.devices.cards`).

        The file is read by the deck front end, so errors name ``file:line``. ``names``
        restricts which cards are taken; returns the names defined.
        """
        from xbar.netlist.elaborate import read_netlist_text

        given = validate.path(path, "load_models path")
        chosen_names = None if names is None else validate.names(names, "names")
        lib = given
        if not lib.exists():
            from xbar.devices.cards import shipped_fallback

            lib = shipped_fallback(lib) or lib  # a shipped card by name, from any directory
        try:
            lib = lib.resolve()
        except (OSError, RuntimeError) as exc:
            raise NetlistError(f"cannot read '{given}': {exc}") from None
        if '"' in str(lib):
            raise NetlistError(f"cannot read '{given}': the path contains a double quote")
        deck = read_netlist_text(f"models\n.include \"{lib}\"\n.end\n", name=str(given))
        models = deck.circuit.models
        chosen = list(models) if chosen_names is None else chosen_names
        for name in chosen:
            if name not in models:
                raise ModelCardError(f"'{path}' has no model '{name}'; it defines: {', '.join(models) or 'none'}")
            m = models[name]
            if name in self.models:
                raise ModelCardError(f"duplicate model '{name}'", m.location)
            self.models[name] = m
        self._system = None
        return chosen

    def subckt(self, name: str, ports: Sequence[str], **params: float) -> Subcircuit:
        """Define a subcircuit from Python; returns a recorder with the same element methods.

        Parameter defaults are numbers, SPICE number strings (``"2k"``) or ``"{expression}"``
        strings; each recorded call is checked for its arguments when it is made.
        """
        sub = Subcircuit(name, ports, params)
        if sub.name in self.subckts:
            raise NetlistError(f"duplicate subcircuit definition '{sub.name}'")
        for k, v in sub.params.items():
            if not isinstance(v, str):
                validate.real(v, f"default of parameter '{k}' of subcircuit '{sub.name}'")
        self.subckts[sub.name] = sub
        return sub

    def X(self, name: str, subckt: str, nodes: Sequence[str], **params: float) -> None:
        """Instantiate a Python-defined subcircuit (flattened with ngspice names ``r.x1.r1``)."""
        inst = self._name("x", name)
        sub_key = validate.name(subckt, f"subcircuit of instance '{inst}'")
        sub = self.subckts.get(sub_key)
        if sub is None:
            raise NetlistError(f"unknown subcircuit '{subckt}'; defined: {', '.join(self.subckts) or 'none'}")
        node_names = validate.names(nodes, f"nodes of instance '{inst}'")
        if len(node_names) != len(sub.ports):
            raise NetlistError(
                f"subcircuit '{sub.name}' has {len(sub.ports)} ports {sub.ports}, instance '{inst}' gives "
                f"{len(node_names)}")
        depth = inst.count(".")
        if depth >= _MAX_SUBCKT_DEPTH:
            raise NetlistError(f"subcircuit instances nested deeper than {_MAX_SUBCKT_DEPTH} levels at '{inst}' "
                               "(a subcircuit that instantiates itself?)")
        scope = {k: self._param_value(v, f"parameter '{k}' of subcircuit '{sub.name}'", {})
                 for k, v in sub.params.items()}
        for k, v in params.items():
            if k.lower() not in scope:
                raise NetlistError(f"subcircuit '{sub.name}' has no parameter '{k}'; its parameters: "
                                   f"{', '.join(scope) or 'none'}")
            scope[k.lower()] = self._param_value(v, f"parameter '{k}' of instance '{inst}'", scope)
        local_branch = set()
        for m, a, kw in sub.calls:
            if m in ("V", "L", "E", "H") or (m == "B" and kw.get("kind", "v") == "v"):
                nm = validate.name(a[0], "element name")
                local_branch.add(nm if nm.startswith(m.lower()) else m.lower() + nm)
        nodemap = dict(zip(sub.ports, node_names, strict=True))

        def node(n: Any) -> str:
            key = validate.name(n, f"node in subcircuit '{sub.name}'")
            if key in GROUND_NAMES:
                return key
            return nodemap.get(key, f"{inst}.{key}")

        def nodes_of(ns: Any) -> list[str]:
            return [node(n) for n in validate.names(ns, f"nodes in subcircuit '{sub.name}'")]

        def value(v: Any) -> Any:
            if isinstance(v, str):
                return self._param_value(v, f"value in subcircuit '{sub.name}'", scope)
            return v

        node_args = {"R": 2, "C": 2, "L": 2, "V": 2, "I": 2, "E": 4, "G": 4, "F": 2, "H": 2, "D": 2}
        for method, args, kwargs in sub.calls:
            local = validate.name(args[0], f"element name in subcircuit '{sub.name}'")
            if method == "B":
                self._replay_b(inst, local, args, kwargs, node, scope, local_branch)
                continue
            if method == "Y":
                full = f"y.{inst}.{local if local.startswith('y') else 'y' + local}"
                self.Y(full, nodes_of(args[1]), args[2], **{k: value(v) for k, v in kwargs.items()})
                continue
            if method in ("M", "Q"):
                letter = method.lower()
                full = f"{letter}.{inst}.{local if local.startswith(letter) else letter + local}"
                k = 4 if method == "M" else 3
                kw = {kk: (node(v) if kk == "substrate" else value(v)) for kk, v in kwargs.items()}
                getattr(self, method)(full, *[node(n) for n in args[1 : 1 + k]], args[1 + k], **kw)
                continue
            if method == "K":
                klocal = local if local.startswith("k") else "k" + local

                def ind(n: Any) -> str:
                    nm = str(n).lower()
                    nm = nm if nm.startswith("l") else "l" + nm
                    return f"l.{inst}.{nm}" if nm in local_branch else nm

                self.K(f"k.{inst}.{klocal}", ind(args[1]), ind(args[2]), value(args[3]), **kwargs)
                continue
            if method == "X":
                xlocal = local if local.startswith("x") else "x" + local
                self.X(f"{inst}.{xlocal}", args[1], nodes_of(args[2]), **{k: value(v) for k, v in kwargs.items()})
                continue
            letter = method.lower()
            if not local.startswith(letter):
                local = letter + local
            full = f"{letter}.{inst}.{local}"
            k = node_args[method]
            new_args = [full, *[node(n) for n in args[1 : 1 + k]]]
            rest = list(args[1 + k :])
            if method in ("F", "H") and rest:
                ctrl = validate.name(rest[0], "controlling source")
                new_args.append(f"{ctrl[0]}.{inst}.{ctrl}" if ctrl in local_branch else ctrl)
                rest = rest[1:]
            if method == "D" and rest:
                new_args.append(rest[0])  # model name
                rest = rest[1:]
            new_args += [value(v) for v in rest]
            getattr(self, method)(*new_args, **{kk: value(v) for kk, v in kwargs.items()})

    def _replay_b(self, inst: str, local: str, args: tuple[Any, ...], kwargs: dict[str, Any],
                  node: Any, scope: Mapping[str, float], local_branch: set[str]) -> None:
        """One recorded ``B`` call of a Python subcircuit, flattened into instance ``inst``."""
        from xbar.devices.behavioural import probe_targets
        from xbar.netlist.expr import Dialect, parse_expression

        name = local if local.startswith("b") else "b" + local
        text = str(args[3]).strip()
        if len(text) >= 2 and text[0] == "{" and text[-1] == "}":
            text = text[1:-1]
        expr = parse_expression(text, dialect=Dialect(probes=True, behavioural=True))
        probes: dict[str, tuple[str, str]] = {}
        for var, (what, target) in probe_targets(expr.names).items():
            if what == "node":
                probes[var] = ("node", node(target))
            else:
                probes[var] = ("branch", f"{target[0]}.{inst}.{target}" if target in local_branch else target)
        given = validate.mapping(kwargs.get("params"), f"params of B source '{name}'")
        params = {**scope, **{validate.name(k, "parameter name"): validate.real(v, f"parameter '{k}'")
                              for k, v in given.items()}}
        used = {k: v for k, v in params.items() if k in expr.names}
        self.B(f"b.{inst}.{name}", node(args[1]), node(args[2]), expr, kind=kwargs.get("kind", "v"),
               params=used, probes=probes)

    @staticmethod
    def _param_value(v: Any, what: str, scope: Mapping[str, float]) -> float:
        """A number, a SPICE number string (``"2k"``) or a ``"{expression}"`` over ``scope``."""
        from xbar.netlist.expr import parse_expression

        if isinstance(v, str):
            text = v.strip()
            if text.startswith("{") and text.endswith("}"):
                value = parse_expression(text[1:-1]).evaluate(scope)
                return validate.real(value, what)
            return validate.real(text, what, allow_text=True)
        return validate.real(v, what)

    # analyses ----------------------------------------------------------------------------
    def set_options(self, **options: float | str) -> None:
        """Set simulation options (``reltol``, ``abstol``, ``vntol``, ``gmin``, ``itl1``, ``itl4``,
        ``method``, ``temp``, ``trtol``, ``seed``); ranges as in :meth:`SimOptions.coerce`."""
        self.options = replace(self.options, **SimOptions.coerce(options))
        self._system = None

    def compile(self) -> MnaSystem:
        """Build (once) the vectorised device groups and MNA structure."""
        if self._system is None:
            from xbar.mna.system import build_system

            self._system = build_system(self)
        return self._system

    def op(self) -> OpResult:
        """DC operating point."""
        from xbar.analysis.op import run_op

        return run_op(self.compile())

    def dc(self, source: str, start: float, stop: float, step: float, *more: Any,
           values: Sequence[float] | None = None, progress: bool | None = None) -> SweepResult:
        """DC sweep of a source, resistor or ``"temp"``; ``more`` = a second ``source, start, stop, step``.

        ``values`` gives an explicit list of points for the first sweep instead of
        start/stop/step. Sweeps are bounded by the ``max_sweep_points`` and ``max_memory``
        limits (:mod:`xbar.limits`); ``progress`` shows a progress bar (``None``: for long
        sweeps only); Ctrl-C returns the points computed so far.
        """
        from xbar.analysis.dc import SweepSpec, run_dc

        def linear(target: Any, a: Any, b: Any, c: Any) -> SweepSpec:
            key = validate.name(target, "swept source")
            return SweepSpec.linear(key, validate.real(a, "sweep start"), validate.real(b, "sweep stop"),
                                    validate.real(c, "sweep step"))

        if values is None:
            first = linear(source, start, stop, step)
        else:
            vals = validate.array(values, "sweep values", ndim=1, copy=True)
            if not vals.size:
                raise NetlistError("sweep values must not be empty")
            first = SweepSpec(validate.name(source, "swept source"), vals)
        sweeps = [first]
        if more:
            if len(more) != 4:
                raise NetlistError("a second sweep needs: source, start, stop, step")
            sweeps.append(linear(*more))
        if progress is not None:
            progress = validate.boolean(progress, "progress")
        return run_dc(self.compile(), sweeps, progress=progress)

    def tran(self, tstep: float, tstop: float, tstart: float = 0.0, tmax: float | None = None,
             *, uic: bool = False, progress: bool | None = None) -> TranResult:
        """Transient analysis from 0 to ``tstop`` [s], output from ``tstart``.

        Steps below what float64 time resolves at ``tstop`` are refused; ``tstop / tstep``
        is bounded by the ``max_tran_points`` limit. ``progress`` shows a progress bar
        (``None``: for long runs only); Ctrl-C returns the points computed so far.
        """
        from xbar.analysis.tran import TranSpec, run_tran

        spec = TranSpec(validate.real(tstep, "tstep", unit="s"), validate.real(tstop, "tstop", unit="s"),
                        validate.real(tstart, "tstart", unit="s"),
                        None if tmax is None else validate.real(tmax, "tmax", unit="s"),
                        validate.boolean(uic, "uic"))
        if progress is not None:
            progress = validate.boolean(progress, "progress")
        return run_tran(self.compile(), spec, progress=progress)

    def ac(self, sweep: str, points: int, fstart: float, fstop: float) -> AcResult:
        """Small-signal ``.ac`` sweep: ``sweep`` is ``"dec"``, ``"oct"`` or ``"lin"``, ``points``
        per decade/octave (``lin``: in total), frequencies in Hz.

        Examples
        --------
        >>> import xbar
        >>> c = xbar.Circuit("rc")
        >>> c.V("1", "in", "0", 0.0, ac=1.0)
        >>> c.R("1", "in", "out", 1e3)
        >>> c.C("1", "out", "0", 1e-6)
        >>> res = c.ac("dec", 10, 1.0, 1e6)
        >>> f3db = 1 / (2 * 3.141592653589793 * 1e-3)
        >>> round(float(abs(c.ac("lin", 1, f3db, f3db)["v(out)"][0])), 6)
        0.707107
        """
        from xbar.analysis.ac import AcSpec, run_ac

        try:
            spec = AcSpec(str(sweep).lower(), int(points), float(fstart), float(fstop))
        except (TypeError, ValueError):
            raise NetlistError(f"ac() takes sweep, points, fstart, fstop; got {sweep!r}, {points!r}, "
                               f"{fstart!r}, {fstop!r}") from None
        if float(points) != int(points):
            raise NetlistError(f"ac(): points must be an integer, got {points!r}")
        return run_ac(self.compile(), spec)

    def to_netlist(self, analyses: Sequence[str] | str = ()) -> str:
        """A flat ngspice deck of this circuit (plus the given analysis card lines)."""
        from xbar.netlist.writer import write_netlist

        cards = [analyses] if isinstance(analyses, str) else analyses
        if not isinstance(cards, Sequence) or not all(isinstance(a, str) for a in cards):
            raise ArgumentTypeError(f"analyses must be card lines (str), got {analyses!r:.80}")
        return write_netlist(self, list(cards))

    def location_of(self, name: str) -> SourceLocation | None:
        """Where element ``name`` was written (None for elements added from Python)."""
        cache = self.__dict__.get("_locations")
        if cache is None or cache[0] != len(self.element_kind):
            index: dict[str, SourceLocation | None] = {}
            for table in self.tables.values():
                names = [n for chunk in table.chunk_names for n in chunk] + table.names
                index.update(zip(names, table.locations, strict=False))
                for start, files, lines in table.sources:
                    for k, (file, line) in enumerate(zip(files, lines, strict=True)):
                        index[names[start + k]] = SourceLocation(file, int(line))
            for store in self.y_instances.values():
                index.update(zip(store["names"], store["loc"], strict=False))
            cache = (len(self.element_kind), index)
            self.__dict__["_locations"] = cache
        return cache[1].get(name.lower())

    def element_count(self) -> int:
        """Number of elements of all kinds."""
        return len(self.element_kind)
