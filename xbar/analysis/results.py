"""Analysis results indexed by ngspice vector names.

``result["v(out)"]``, ``result["i(v1)"]``, ``result["v(a,b)"]`` (difference), a bare node name
``result["out"]``, ``result["time"]`` / the sweep scale, ``result["@d1[vd]"]`` for device outputs.
Results convert to numpy (:meth:`Result.to_numpy`) and CSV (:meth:`Result.to_csv`); device
events (switching, breakdown) are in ``result.events`` and :meth:`Result.events_to_csv`.
``print(result)`` shows a one-line summary, never the arrays.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from xbar.errors import ArgumentTypeError, XbarError
from xbar.validate import array, checked_calls, output_file

__all__ = ["AcResult", "OpResult", "Result", "SweepResult", "TranResult", "csv_column_name",
           "normalize_vector_name"]

_DIFF = re.compile(r"^v\(\s*([^,()\s]+)\s*,\s*([^,()\s]+)\s*\)$")
# characters that break common CSV readers in a header cell: the comment character of
# numpy.genfromtxt / pandas(comment="#"), the delimiter, quotes and white space
_CSV_UNSAFE = re.compile(r"[#,;\"'\s]")


def csv_column_name(name: str) -> str:
    """CSV header of vector ``name``: a plain name every common CSV reader accepts.

    ``#`` (internal nodes, ``v(y1#0)``) becomes ``:``; the comma of a differential voltage
    becomes ``-`` between two ``v()`` (``v(a,b)`` -> ``v(a)-v(b)``); any other comment,
    delimiter, quote or space character becomes ``_``.

    Examples
    --------
    >>> csv_column_name("v(y1#0)"), csv_column_name("v(a,b)"), csv_column_name("@y1[r]")
    ('v(y1:0)', 'v(a)-v(b)', '@y1[r]')
    """
    m = _DIFF.match(name)
    if m:
        name = f"v({m.group(1)})-v({m.group(2)})"
    return _CSV_UNSAFE.sub("_", name.replace("#", ":"))


def normalize_vector_name(name: str) -> str:
    """Canonical lower-case ngspice vector name (``V(Out)`` -> ``v(out)``, ``v1#branch`` -> ``i(v1)``)."""
    if not isinstance(name, str):
        raise ArgumentTypeError(f"result vectors are named by strings such as 'v(out)', got "
                                f"{type(name).__name__} {name!r:.60}")
    key = name.strip().lower().replace(" ", "")
    if key.endswith("#branch"):
        return f"i({key[:-7]})"
    return key


@checked_calls
@dataclass
class Result:
    """Base of all results: vectors by name, plus the analysis that produced them."""

    kind: str
    names: list[str]
    data: np.ndarray
    title: str = ""
    scale_name: str | None = None
    analysis: str = ""
    events: list[dict[str, Any]] = field(default_factory=list)
    interrupted: bool = False
    """True when the run was stopped with Ctrl-C and holds only the points computed before."""
    measurements: dict[str, float] = field(default_factory=dict)
    """Values of the ``.meas`` cards of this analysis by name (see :mod:`xbar.analysis.measure`)."""
    measure_outcomes: list[Any] = field(default_factory=list, repr=False)
    """Every measurement with its printed line and, when it failed, the reason."""
    units: dict[str, str] = field(default_factory=dict)
    """Unit of each vector (``"V"``, ``"A"``, ``"Ω"``, ``"-"`` …; missing or '' when unknown)."""
    _index: dict[str, int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._index = dict(zip(self.names, range(len(self.names)), strict=True))

    def __repr__(self) -> str:
        points = "1 point" if self.data.ndim == 1 else f"{self.data.shape[0]} points"
        shown = ", ".join(self.names[:6]) + (", ..." if len(self.names) > 6 else "")
        events = f", {len(self.events)} device events" if self.events else ""
        what = f" {self.analysis}" if self.analysis else ""
        return (f"<{type(self).__name__}{what}: {points} x {len(self.names)} vectors "
                f"({shown}){events}>")

    __str__ = __repr__

    def unit(self, key: str) -> str:
        """Unit of vector ``key`` ('' when unknown)."""
        return self.units.get(normalize_vector_name(key), "")

    def _column(self, key: str) -> np.ndarray:
        k = normalize_vector_name(key)
        if k in self._index:
            return self.data[..., self._index[k]]
        m = _DIFF.match(k)
        if m:
            a, b = (self._node(x) for x in m.groups())
            return a - b
        if not k.startswith(("v(", "i(", "@")) and f"v({k})" in self._index:
            return self.data[..., self._index[f"v({k})"]]
        shown = ", ".join(self.names[:12]) + (" ..." if len(self.names) > 12 else "")
        raise XbarError(f"no vector '{key}' in the {self.kind} result; available: {shown}")

    def _node(self, node: str) -> np.ndarray:
        if node in ("0", "gnd"):
            return np.zeros(self.data.shape[:-1])
        return self._column(f"v({node})")

    def __contains__(self, key: str) -> bool:
        try:
            self._column(key)
        except XbarError:
            return False
        return True

    def add_vectors(self, vectors: dict[str, Any]) -> None:
        """Append named vectors (one value per point) as new columns."""
        if not vectors:
            return
        data = np.asarray(self.data)
        cols = [np.reshape(np.asarray(v, dtype=data.dtype), data.shape[:-1]) for v in vectors.values()]
        self.data = np.concatenate([data, np.stack(cols, axis=-1)], axis=-1)
        for name in vectors:
            self._index[name] = len(self.names)
            self.names.append(name)

    def to_numpy(self) -> np.ndarray:
        """All vectors as one array, columns in :attr:`names` order."""
        return self.data

    def scale_names(self) -> list[str]:
        """The sweep or time vectors that index the points (outer sweep included)."""
        return [self.scale_name] if self.scale_name else []

    def to_csv(self, path: str | Path, names: Sequence[str] | None = None) -> None:
        """Write the result as CSV: a header row of vector names, full-precision numbers.

        The scale (time or sweep values, and the outer sweep of a nested ``.dc``) comes first.
        Headers are plain names (:func:`csv_column_name`: no ``#``, no commas), so
        ``numpy.genfromtxt(path, delimiter=",", names=True)`` and ``pandas.read_csv(path)``
        read the file as is.
        """
        if names is not None and (isinstance(names, str) or not isinstance(names, Sequence)):
            raise ArgumentTypeError(f"names must be a sequence of vector names, got {names!r:.60}")
        cols = list(names) if names else list(self.names)
        scales = self.scale_names()
        cols = scales + [c for c in cols if c not in scales]
        arrays = [np.atleast_1d(self._column(c)) for c in cols]
        with output_file(path) as fh:
            w = csv.writer(fh)
            w.writerow([csv_column_name(normalize_vector_name(c)) for c in cols])
            for row in zip(*arrays, strict=True):
                w.writerow([repr(float(v)) for v in row])

    def events_to_csv(self, path: str | Path) -> None:
        """Write :attr:`events` as CSV (see :func:`xbar.io.events.write_events_csv`)."""
        from xbar.io.events import write_events_csv

        write_events_csv(path, self.events)


@checked_calls
class OpResult(Result):
    """Operating point: ``op["v(out)"]`` is a float."""

    def __getitem__(self, key: str) -> float:
        return float(self._column(key))

    def as_dict(self) -> dict[str, float]:
        return {n: float(v) for n, v in zip(self.names, self.data, strict=True)}


@checked_calls
class SweepResult(Result):
    """DC sweep: vectors are 1-D arrays over the sweep points (first source fastest).

    ``sweeps`` names the swept elements (inner first). A nested sweep adds the outer values as
    the vector ``<kind>-sweep2`` (e.g. ``i-sweep2``), also reachable as ``sweep2``.
    """

    sweeps: tuple[str, ...] = ()

    @property
    def scale(self) -> np.ndarray:
        assert self.scale_name is not None
        return self._column(self.scale_name)

    @property
    def outer_name(self) -> str | None:
        """Name of the outer sweep's vector (None for a single sweep)."""
        return next((n for n in self.names if n.endswith("sweep2")), None)

    @property
    def outer(self) -> np.ndarray | None:
        """Outer sweep value at every point (None for a single sweep)."""
        name = self.outer_name
        return None if name is None else self._column(name)

    def scale_names(self) -> list[str]:
        outer = self.outer_name
        return [self.scale_name] + ([outer] if outer else []) if self.scale_name else []

    def _column(self, key: str) -> np.ndarray:
        if normalize_vector_name(key) == "sweep2" and self.outer_name is not None:
            key = self.outer_name
        return super()._column(key)

    def __getitem__(self, key: str) -> np.ndarray:
        return self._column(key)


@checked_calls
class TranResult(Result):
    """Transient: ``tr["time"]`` and every saved vector as 1-D arrays."""

    @property
    def time(self) -> np.ndarray:
        return self._column("time")

    def __getitem__(self, key: str) -> np.ndarray:
        return self._column(key)

    def at(self, key: str, t: np.ndarray | float) -> np.ndarray:
        """Linear interpolation of vector ``key`` at times ``t`` [s] (finite; held constant outside
        the simulated interval)."""
        times = array(t, "t", unit="s")
        return np.interp(times, self.time, self._column(key))


# SPICE's .print forms of complex vectors: v(n) / v(a,b) with a suffix letter (vm(out)), and
# ngspice's functions of any vector (mag(i(v1)))
_AC_PRINT = re.compile(r"^v([mprid]|db)\((.+)\)$")
_AC_FUNC = re.compile(r"^(mag|ph|phase|cph|db|real|re|imag|im)\((.+)\)$")
_PART = {"m": "mag", "p": "ph", "r": "real", "i": "imag", "db": "db"}


def _apply(func: str, z: np.ndarray) -> np.ndarray:
    if func == "mag":
        return np.abs(z)
    if func in ("ph", "phase"):
        return np.angle(z)
    if func == "cph":
        return np.unwrap(np.angle(z))
    if func == "db":
        with np.errstate(divide="ignore"):
            return 20.0 * np.log10(np.abs(z))
    if func in ("real", "re"):
        return np.real(z)
    return np.imag(z)


class AcResult(Result):
    """Small-signal sweep: ``ac["v(out)"]`` is a complex array over ``ac["frequency"]`` [Hz].

    Besides the complex vectors (``v(node)``, ``v(a,b)``, ``i(vsource)``) it answers SPICE's
    ``.print ac`` forms of voltages, ``vm(out)`` (magnitude), ``vp(out)`` (phase in radians,
    as ngspice), ``vdb(out)`` (``20·log10|v|``), ``vr(out)``, ``vi(out)`` (real and imaginary
    parts), and ngspice's functions of any vector: ``mag(…)``, ``ph(…)``, ``cph(…)``
    (unwrapped phase), ``db(…)``, ``real(…)``, ``imag(…)``, e.g. ``mag(i(v1))``.

    ``operating_point`` is the :class:`OpResult` the circuit was linearised at.
    """

    def __init__(self, *args: Any, operating_point: OpResult | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.operating_point = operating_point

    @property
    def frequency(self) -> np.ndarray:
        """Frequency points [Hz]."""
        return np.real(self.data[:, 0])

    def _value(self, key: str) -> np.ndarray:
        k = normalize_vector_name(key)
        if k == "frequency":
            return self.frequency
        m = _AC_FUNC.match(k)
        if m is not None:
            return _apply("mag" if m.group(1) == "mag" else m.group(1), self._value(m.group(2)))
        m = _AC_PRINT.match(k)
        if m is not None and k not in self._index:
            return _apply(_PART[m.group(1)], self._column(f"v({m.group(2)})"))
        return self._column(k)

    def __getitem__(self, key: str) -> np.ndarray:
        return self._value(key)

    def unit(self, key: str) -> str:
        """Unit of vector ``key``: dB for ``vdb()``/``db()``, rad for ``vp()``/``ph()``, else the
        unit of the vector inside (``vm(out)`` -> V)."""
        k = normalize_vector_name(key)
        m = _AC_FUNC.match(k)
        if m is not None:
            func, inner = m.group(1), m.group(2)
        else:
            m = _AC_PRINT.match(k)
            if m is None or k in self._index:
                return super().unit(k)
            func, inner = _PART[m.group(1)], f"v({m.group(2)})"
        if func == "db":
            return "dB"
        if func in ("ph", "phase", "cph"):
            return "rad"
        return self.unit(inner)

    def __contains__(self, key: str) -> bool:
        try:
            self._value(key)
        except XbarError:
            return False
        return True

    def magnitude(self, key: str) -> np.ndarray:
        """``|x|`` of vector ``key``."""
        return np.abs(self._value(key))

    def phase(self, key: str, *, degrees: bool = False) -> np.ndarray:
        """Phase of vector ``key`` [rad, or degrees with ``degrees=True``]."""
        ph = np.angle(self._value(key))
        return np.degrees(ph) if degrees else ph

    def db(self, key: str) -> np.ndarray:
        """``20·log10|x|`` of vector ``key`` [dB]."""
        return _apply("db", self._value(key))

    def to_csv(self, path: str | Path, names: Sequence[str] | None = None, *, form: str = "reim") -> None:
        """Write the sweep as CSV: ``frequency`` [Hz], then two columns per complex vector.

        ``form="reim"`` (default) writes the real and imaginary parts, headed ``vr(out)``,
        ``vi(out)`` for a node voltage and ``real(i(v1))``, ``imag(i(v1))`` for any other
        vector; ``form="magphase"`` writes the magnitude and the phase in degrees, headed
        ``vm(out)``, ``vp_deg(out)`` (``mag(i(v1))``, ``ph_deg(i(v1))``). Names given as
        real-valued forms (``vdb(out)``, ``mag(i(v1))``) are written as one column.
        """
        if form not in ("reim", "magphase"):
            raise XbarError(f"AcResult.to_csv: form must be 'reim' or 'magphase', got {form!r}")
        cols = [n for n in (names or self.names) if normalize_vector_name(n) != "frequency"]
        header = ["frequency"]
        arrays = [self.frequency]
        for name in cols:
            values = self._value(name)
            k = normalize_vector_name(name)
            if not np.iscomplexobj(values):
                header.append(k)
                arrays.append(values)
                continue
            node = k[2:-1] if k.startswith("v(") else None
            if form == "reim":
                header += [f"vr({node})", f"vi({node})"] if node else [f"real({k})", f"imag({k})"]
                arrays += [values.real, values.imag]
            else:
                header += [f"vm({node})", f"vp_deg({node})"] if node else [f"mag({k})", f"ph_deg({k})"]
                arrays += [np.abs(values), np.degrees(np.angle(values))]
        with open(path, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow([csv_column_name(h) for h in header])
            for row in zip(*arrays, strict=True):
                w.writerow([repr(float(v)) for v in row])
