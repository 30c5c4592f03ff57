"""Read and write SPICE rawfiles (the ``-r`` output of ngspice), ASCII and binary.

A rawfile holds one or more *plots*, one per analysis, each made of a text header::

    Title: rc deck
    Date: Mon Nov 23 19:59:42  2026
    Plotname: Transient Analysis
    Flags: real
    No. Variables: 3
    No. Points: 59
    Variables:
        0   time    time
        1   v(out)  voltage
        2   i(v1)   current
    Binary:

followed by the values, point by point: ``Values:`` then text (``index`` and one value per
line, complex values as ``re,im``), or ``Binary:`` then little-endian float64 (two per value
for complex plots).

Vector names are normalised to the ngspice "vector" syntax used everywhere in xbar (see
``docs/CONTRACTS.md``): lower case, node voltages ``v(node)``, branch currents ``i(vname)``
(``vname#branch`` becomes ``i(vname)``), scales ``time``, ``frequency``, ``v-sweep``,
``i-sweep``, ``res-sweep``, ``temp-sweep`` kept bare, device internals ``@dev[param]`` kept.
ngspice 39 itself writes ``v(in)``, ``v(x1.n2)``, ``i(v1)``, ``i(v.x1.v1)``, ``time``,
``v(v-sweep)``, ``i(i-sweep)``, ``res-sweep`` and ``temp-sweep``; :func:`write_rawfile` writes
names the same way so that ngspice's ``load`` command reads them back.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from xbar.errors import XbarError
from xbar.reprs import short_repr

__all__ = [
    "SCALE_NAMES",
    "RawPlot",
    "ngspice_vector_name",
    "normalize_vector_name",
    "read_rawfile",
    "write_rawfile",
]

#: Names of scale vectors, kept bare by :func:`normalize_vector_name`.
SCALE_NAMES: frozenset[str] = frozenset(
    {"time", "frequency", "v-sweep", "i-sweep", "res-sweep", "temp-sweep"}
)

# ngspice wraps the source sweeps of ``.dc`` as ``v(v-sweep)`` / ``i(i-sweep)``.
_WRAPPED_SWEEPS = {"v": "v-sweep", "i": "i-sweep"}
_FUNC_RE = re.compile(r"([vi])\((.*)\)", re.DOTALL)
_BRANCH = "#branch"


def normalize_vector_name(name: str, vtype: str | None = None) -> str:
    """Return the xbar/ngspice vector name for a name found in a rawfile or typed by a user.

    Parameters
    ----------
    name : str
        Vector name as written, e.g. ``V(OUT)``, ``v1#branch``, ``v(v-sweep)``, ``out``.
    vtype : str or None
        Vector type from the rawfile (``voltage``, ``current``, ...). A bare name of type
        ``voltage`` (other than a scale) is a node voltage and becomes ``v(name)``.

    Returns
    -------
    str
        Lower-case name: ``v(node)``, ``i(vname)``, a bare scale name, ``@dev[param]``, or the
        lower-cased input when none of the rules applies.
    """
    s = name.strip().lower()
    if s.startswith("@"):
        return s
    m = _FUNC_RE.fullmatch(s)
    if m is not None:
        kind, inner = m.group(1), m.group(2).strip()
        if inner == _WRAPPED_SWEEPS[kind] or inner.startswith("@"):
            return inner  # i(@r1[i]): ngspice wraps device currents of 'savecurrents'
        if inner.endswith(_BRANCH):
            return f"i({inner[: -len(_BRANCH)]})"
        return f"{kind}({inner})"
    if s.endswith(_BRANCH) and len(s) > len(_BRANCH):
        return f"i({s[: -len(_BRANCH)]})"
    if s in SCALE_NAMES:
        return s
    if vtype is not None and vtype.strip().lower() == "voltage" and "(" not in s:
        return f"v({s})"
    return s


def ngspice_vector_name(name: str) -> str:
    """Return the name ngspice 39 writes in a rawfile for a normalised vector name.

    ``v-sweep`` is written ``v(v-sweep)`` and ``i-sweep`` is written ``i(i-sweep)``; every
    other normalised name (``v(out)``, ``i(v1)``, ``time``, ``res-sweep``, ``@r1[i]``) is
    written as is.
    """
    for kind, sweep in _WRAPPED_SWEEPS.items():
        if name == sweep:
            return f"{kind}({sweep})"
    return name


@dataclass(eq=False)
class RawPlot:
    """One plot (one analysis) of a rawfile.

    Attributes
    ----------
    title : str
        Circuit title (first line of the deck).
    plotname : str
        Analysis name as ngspice writes it: ``Operating Point``, ``DC transfer
        characteristic``, ``Transient Analysis``, ``AC Analysis``, ...
    flags : str
        ``real`` or ``complex``.
    names : list[str]
        Normalised vector names (see :func:`normalize_vector_name`), scale first.
    types : list[str]
        Vector types as ngspice writes them: ``voltage``, ``current``, ``time``,
        ``frequency``, ``res-sweep``, ``temp-sweep``, ``notype``, ...
    data : numpy.ndarray
        Shape ``(npoints, nvars)``; float64, complex128 for complex plots. Units are those of
        the types: V, A, s, Hz, Ohm, degC.
    """

    __repr__ = short_repr

    title: str
    plotname: str
    flags: str
    names: list[str]
    types: list[str]
    data: np.ndarray
    _index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        flags = str(self.flags).strip().lower()
        if flags not in ("real", "complex"):
            raise XbarError(f"RawPlot flags must be 'real' or 'complex', got {self.flags!r}")
        self.flags = flags
        if len(self.names) != len(self.types):
            raise XbarError(
                f"RawPlot {self.plotname!r}: {len(self.names)} names but {len(self.types)} types"
            )
        self.types = [str(t).strip().lower() or "notype" for t in self.types]
        self.names = [
            normalize_vector_name(n, t) for n, t in zip(self.names, self.types, strict=True)
        ]
        dtype = np.complex128 if flags == "complex" else np.float64
        try:
            data = np.array(self.data, dtype=dtype, copy=True)
        except (TypeError, ValueError) as exc:
            raise XbarError(
                f"RawPlot {self.plotname!r}: data cannot be converted to {np.dtype(dtype).name}: "
                f"{exc}"
            ) from None
        nvars = len(self.names)
        if data.ndim == 1 and nvars == 1:
            data = data.reshape(-1, 1)
        if data.size == 0 and data.ndim <= 2:
            data = data.reshape(0, nvars)
        if data.ndim != 2 or data.shape[1] != nvars:
            raise XbarError(
                f"RawPlot {self.plotname!r}: data must have shape (npoints, {nvars}), "
                f"got {data.shape}"
            )
        self.data = data
        self._index = {}
        for k, n in enumerate(self.names):
            self._index.setdefault(n, k)

    # -- access -------------------------------------------------------------------------
    @property
    def npoints(self) -> int:
        """Number of points (rows of :attr:`data`)."""
        return int(self.data.shape[0])

    @property
    def scale(self) -> np.ndarray:
        """The first column (time, frequency, sweep values; first vector of an OP plot)."""
        if not self.names:
            raise XbarError(f"plot {self.plotname!r} has no vectors")
        return self.data[:, 0]

    def column_index(self, name: str) -> int:
        """Return the column of vector ``name`` (any accepted spelling, see ``__getitem__``)."""
        if not isinstance(name, str):
            raise XbarError(f"vector names are strings, got {name!r}")
        key = normalize_vector_name(name)
        k = self._index.get(key)
        if k is None and "(" not in key and not key.startswith("@"):
            k = self._index.get(f"v({key})")
        if k is None:
            raise XbarError(
                f"no vector {name!r} in plot {self.plotname!r}; available: " + ", ".join(self.names)
            )
        return k

    def __getitem__(self, name: str) -> np.ndarray:
        """Return a column by name: ``v(out)``, ``V(OUT)``, ``out``, ``v1#branch``, ``i(v1)``.

        Raises
        ------
        XbarError
            When no vector matches; the message lists the available names.
        """
        return self.data[:, self.column_index(name)]

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        try:
            self.column_index(name)
        except XbarError:
            return False
        return True

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, RawPlot):
            return NotImplemented
        return (
            self.title == other.title
            and self.plotname == other.plotname
            and self.flags == other.flags
            and self.names == other.names
            and self.types == other.types
            and self.data.shape == other.data.shape
            and bool(np.array_equal(self.data, other.data, equal_nan=True))
        )

    __hash__ = None  # type: ignore[assignment]


# ----------------------------------------------------------------------------------------
# reading
# ----------------------------------------------------------------------------------------


class _Reader:
    """Cursor over the bytes of a rawfile."""

    def __init__(self, path: str, buf: bytes) -> None:
        self.path = path
        self.buf = buf
        self.pos = 0
        self.lineno = 0
        self.binary_seen = False

    def at_end(self) -> bool:
        return self.pos >= len(self.buf)

    def skip_blank(self) -> None:
        buf = self.buf
        while self.pos < len(buf) and buf[self.pos : self.pos + 1] in (b"\n", b"\r", b" ", b"\t"):
            if buf[self.pos : self.pos + 1] == b"\n":
                self.lineno += 1
            self.pos += 1

    def readline(self) -> str | None:
        if self.pos >= len(self.buf):
            return None
        end = self.buf.find(b"\n", self.pos)
        if end < 0:
            end = len(self.buf)
        raw = self.buf[self.pos : end]
        self.pos = end + 1
        self.lineno += 1
        return raw.decode("utf-8", errors="replace").rstrip("\r")

    def error(self, message: str) -> XbarError:
        if self.binary_seen:  # line numbers mean nothing after binary data
            return XbarError(f"{self.path} (byte {self.pos}): {message}")
        return XbarError(f"{self.path}:{self.lineno}: {message}")


_HEADER_KEYS = {
    "title",
    "date",
    "plotname",
    "flags",
    "no. variables",
    "no. points",
    "dimensions",
    "command",
    "option",
    "offset",
    "backannotation",
}


def _parse_count(r: _Reader, key: str, value: str) -> int:
    try:
        n = int(value.split()[0])
    except (ValueError, IndexError):
        raise r.error(f"expected an integer after '{key}:', got {value!r}") from None
    if n < 0:
        raise r.error(f"'{key}:' must not be negative, got {n}")
    return n


def _read_plot(r: _Reader, number: int) -> RawPlot:
    header: dict[str, str] = {}
    names: list[str] = []
    types: list[str] = []
    data_kind: str | None = None
    first = True
    while True:
        line = r.readline()
        if line is None:
            raise r.error(
                "file ends inside a plot header; expected 'Variables:' and 'Values:' or 'Binary:'"
            )
        if not line.strip():
            continue
        key, sep, value = line.partition(":")
        k = key.strip().lower()
        if not sep or (k not in _HEADER_KEYS and k not in ("variables", "values", "binary")):
            if first and number > 0:
                raise r.error(
                    f"expected 'Title: ...' starting the next plot (plot {number + 1}), "
                    f"got {line[:60]!r}"
                )
            if first:
                raise r.error(
                    f"not a SPICE rawfile: expected a header line such as 'Title: ...', "
                    f"got {line[:60]!r}"
                )
            raise r.error(f"unexpected line in rawfile header: {line[:60]!r}")
        if first and k != "title" and k not in _HEADER_KEYS:
            raise r.error(f"not a SPICE rawfile: expected 'Title: ...', got {line[:60]!r}")
        first = False
        value = value.strip()
        if k in _HEADER_KEYS:
            header[k] = value
            continue
        if k == "variables":
            if "no. variables" not in header:
                raise r.error("'Variables:' before 'No. Variables:'")
            nvars = _parse_count(r, "No. Variables", header["no. variables"])
            pending = [value] if value else []
            while len(names) < nvars:
                vline = pending.pop() if pending else r.readline()
                if vline is None:
                    raise r.error(
                        f"file ends in the variable list; expected {nvars} variables, "
                        f"found {len(names)}"
                    )
                if not vline.strip():
                    continue
                fields = vline.split()
                if len(fields) < 2 or not fields[0].isdigit() or int(fields[0]) != len(names):
                    raise r.error(
                        f"expected variable line '{len(names)} <name> <type>', got {vline[:60]!r}"
                    )
                vtype = fields[2] if len(fields) >= 3 and "=" not in fields[2] else "notype"
                names.append(fields[1])
                types.append(vtype)
            continue
        data_kind = k  # values / binary
        break

    for required in ("no. variables", "no. points"):
        if required not in header:
            raise r.error(f"plot header lacks '{required.capitalize()}:' before data")
    nvars = _parse_count(r, "No. Variables", header["no. variables"])
    npoints = _parse_count(r, "No. Points", header["no. points"])
    if len(names) != nvars:
        raise r.error(f"'No. Variables: {nvars}' but {len(names)} variables listed")
    flag_words = header.get("flags", "real").lower().split()
    if "complex" in flag_words:
        flags = "complex"
    elif "real" in flag_words or not flag_words:
        flags = "real"
    else:
        raise r.error(f"expected 'Flags: real' or 'Flags: complex', got {header['flags']!r}")
    plotname = header.get("plotname", "")
    what = f"plot {plotname!r}"

    if data_kind == "binary":
        width = 2 if flags == "complex" else 1
        nbytes = npoints * nvars * width * 8
        available = len(r.buf) - r.pos
        if available < nbytes:
            raise r.error(
                f"{what}: truncated binary data; expected {npoints} points x {nvars} variables "
                f"({nbytes} bytes of {flags} float64), found {available} bytes"
            )
        arr = np.frombuffer(r.buf, dtype="<f8", count=npoints * nvars * width, offset=r.pos)
        r.pos += nbytes
        r.binary_seen = True
        if flags == "complex":
            data = arr.astype(np.float64).view(np.complex128).reshape(npoints, nvars).copy()
        else:
            data = arr.astype(np.float64).reshape(npoints, nvars).copy()
    else:
        data = _read_ascii_values(r, what, flags, npoints, nvars)

    if flags == "complex" and nvars and types[0].lower() == "frequency":
        # ngspice leaves garbage in the imaginary part of the frequency scale.
        data[:, 0] = data[:, 0].real
    return RawPlot(
        title=header.get("title", ""),
        plotname=plotname,
        flags=flags,
        names=names,
        types=types,
        data=data,
    )


def _read_ascii_values(r: _Reader, what: str, flags: str, npoints: int, nvars: int) -> np.ndarray:
    dtype = np.complex128 if flags == "complex" else np.float64
    data = np.empty((npoints, nvars), dtype=dtype)
    per_point = nvars + 1
    tokens: list[str] = []
    point = 0
    while point < npoints:
        line = r.readline() if len(tokens) < per_point else ""
        if line is None or (line and line.lstrip().lower().startswith("title:")):
            raise r.error(
                f"{what}: truncated values; expected {npoints} points x {nvars} variables, "
                f"found {point} complete points"
            )
        tokens.extend(line.split())
        while len(tokens) >= per_point and point < npoints:
            idx, values = tokens[0], tokens[1:per_point]
            del tokens[:per_point]
            if idx != str(point):
                try:
                    ok = int(idx) == point
                except ValueError:
                    ok = False
                if not ok:
                    raise r.error(f"{what}: expected point index {point}, got {idx!r}")
            try:
                if flags == "complex":
                    row = []
                    for tok in values:
                        re_s, comma, im_s = tok.partition(",")
                        row.append(complex(float(re_s), float(im_s) if comma else 0.0))
                    data[point] = row
                else:
                    data[point] = [float(tok) for tok in values]
            except ValueError:
                raise r.error(
                    f"{what}: point {point}: expected {nvars} numbers, got {' '.join(values)!r}"
                ) from None
            point += 1
    if tokens:
        raise r.error(f"{what}: unexpected text after the last point: {' '.join(tokens)[:60]!r}")
    return data


def read_rawfile(path: str | os.PathLike[str]) -> list[RawPlot]:
    """Read every plot of an ASCII or binary SPICE rawfile.

    Parameters
    ----------
    path : str or os.PathLike
        The rawfile, e.g. written by ``ngspice -b -r out.raw deck.cir``.

    Returns
    -------
    list[RawPlot]
        The plots in file order (ngspice's execution order: AC, DC, OP, TRAN, ...; several
        analyses of one type in reverse deck order).

    Raises
    ------
    XbarError
        The file cannot be read, is not a rawfile, or is truncated or garbled; the message
        names the file and line and says what was expected.
    """
    name = os.fspath(path)
    try:
        with open(name, "rb") as fh:
            buf = fh.read()
    except OSError as exc:
        raise XbarError(f"{name}: cannot read rawfile: {exc.strerror or exc}") from None
    r = _Reader(name, buf)
    plots: list[RawPlot] = []
    while True:
        r.skip_blank()
        if r.at_end():
            break
        plots.append(_read_plot(r, len(plots)))
    if not plots:
        raise XbarError(f"{name}: empty rawfile; expected at least one plot starting 'Title:'")
    return plots


# ----------------------------------------------------------------------------------------
# writing
# ----------------------------------------------------------------------------------------


def _one_line(text: str) -> str:
    return " ".join(str(text).splitlines()).strip()


def _header(plot: RawPlot, date: str) -> str:
    lines = [
        f"Title: {_one_line(plot.title)}",
        f"Date: {_one_line(date)}",
        f"Plotname: {_one_line(plot.plotname)}",
        f"Flags: {plot.flags}",
        f"No. Variables: {len(plot.names)}",
        f"No. Points: {plot.npoints}",
        "Variables:",
    ]
    for k, (n, t) in enumerate(zip(plot.names, plot.types, strict=True)):
        wname = ngspice_vector_name(n)
        if not wname or any(c.isspace() for c in wname):
            raise XbarError(f"vector name {n!r} cannot be written to a rawfile (empty or spaces)")
        lines.append(f"\t{k}\t{wname}\t{t}")
    return "\n".join(lines) + "\n"


def write_rawfile(
    path: str | os.PathLike[str],
    plots: RawPlot | Iterable[RawPlot],
    *,
    binary: bool = False,
    date: str | None = None,
) -> None:
    """Write plots to an ngspice-compatible rawfile (one file, one or several plots).

    Parameters
    ----------
    path : str or os.PathLike
        Output file (overwritten).
    plots : RawPlot or iterable of RawPlot
        Plots in the order they are written.
    binary : bool
        ``False`` (default) writes ``Values:`` text with 17 significant digits (exact round
        trip); ``True`` writes ``Binary:`` little-endian float64.
    date : str or None
        Text of the ``Date:`` lines; ``None`` writes the current local time in ngspice's format.

    Raises
    ------
    XbarError
        A plot cannot be written or the file cannot be created.
    """
    plot_list: Sequence[RawPlot] = [plots] if isinstance(plots, RawPlot) else list(plots)
    for p in plot_list:
        if not isinstance(p, RawPlot):
            raise XbarError(f"write_rawfile expects RawPlot objects, got {type(p).__name__}")
    if date is None:
        date = time.strftime("%a %b %d %H:%M:%S  %Y")
    chunks: list[bytes] = []
    for p in plot_list:
        head = _header(p, date)
        if binary:
            chunks.append((head + "Binary:\n").encode("utf-8"))
            dtype = "<c16" if p.flags == "complex" else "<f8"
            chunks.append(np.ascontiguousarray(p.data, dtype=dtype).tobytes())
        else:
            out = [head, "Values:\n"]
            complex_plot = p.flags == "complex"
            for i, row in enumerate(p.data):
                for j, v in enumerate(row):
                    text = f"{v.real:.16e},{v.imag:.16e}" if complex_plot else f"{v:.16e}"
                    out.append(f"{i}\t\t{text}\n" if j == 0 else f"\t{text}\n")
            chunks.append("".join(out).encode("utf-8"))
    name = os.fspath(path)
    try:
        with open(name, "wb") as fh:
            for c in chunks:
                fh.write(c)
    except OSError as exc:
        raise XbarError(f"{name}: cannot write rawfile: {exc.strerror or exc}") from None
