"""The results table of a study: written row by row, resumable, CSV and Parquet.

Columns, in order: ``point`` (position in the study), one column per axis, ``seed``, the
outputs (a vector output ``v`` becomes ``v[0]``, ``v[1]`` ...), ``status`` (``ok`` or
``error``) and ``error`` (the message of a failing point, one line).

While a study runs, each finished point is appended to the CSV file at once (so a crash or
a killed job loses at most the points in flight); at the end the file is rewritten in study
order, so the table does not depend on the number of workers or the order points finished
in. A sidecar ``<stem>.study.json`` records the study's fingerprint (re-running the same study
skips the points already in the table; a changed study is refused instead of mixed in) and a
log of the runs. ``<stem>.parquet`` is written beside the CSV where ``pyarrow`` is installed.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from xbar.errors import DataError, StudyError
from xbar.reprs import short_repr
from xbar.study.spec import Point, format_value

__all__ = ["ResultsTable", "ResultsWriter", "meta_path", "parquet_path", "read_results"]


def meta_path(csv_path: str | Path) -> Path:
    """The sidecar JSON of a results table (``results.csv`` -> ``results.study.json``)."""
    p = Path(csv_path)
    return p.with_name(p.stem + ".study.json")


def parquet_path(csv_path: str | Path) -> Path:
    """The Parquet copy of a results table (``results.csv`` -> ``results.parquet``)."""
    return Path(csv_path).with_suffix(".parquet")


def _one_line(text: str) -> str:
    lines = [ln.strip() for ln in str(text).splitlines() if ln.strip()]
    return " / ".join(lines)


def _csv_line(fields: Sequence[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(fields)
    return buf.getvalue()


def flatten_outputs(outputs: Mapping[str, Any]) -> dict[str, str]:
    """Column -> text for normalised outputs (vectors become ``name[k]`` columns)."""
    flat: dict[str, str] = {}
    for name, value in outputs.items():
        if isinstance(value, tuple):
            for k, x in enumerate(value):
                flat[f"{name}[{k}]"] = format_value(x)
        else:
            flat[name] = format_value(value)
    return flat


class ResultsWriter:
    """Appends finished points to a study's CSV; knows which points are done.

    Parameters
    ----------
    path : Path
        The CSV file.
    axis_names : list of str
        Axis columns, in order.
    fingerprint : str
        :meth:`Study.fingerprint`; an existing table with another fingerprint is refused.
    info : dict
        Written to the sidecar JSON (study name, experiment, source ...).
    fresh : bool
        Discard an existing table (and its Parquet and JSON) first.
    retry_failed : bool
        Count ``error`` rows as not done (they are computed again and replaced).
    """

    def __init__(self, path: str | Path, axis_names: Sequence[str], fingerprint: str,
                 info: Mapping[str, Any], *, fresh: bool = False, retry_failed: bool = False) -> None:
        self.path = Path(path)
        self.axis_names = list(axis_names)
        self.fingerprint = fingerprint
        self.meta = meta_path(self.path)
        self.header: list[str] | None = None
        self.rows: dict[tuple[str, ...], dict[str, str]] = {}
        self._file: io.TextIOWrapper | None = None
        self._lock_file: io.TextIOWrapper | None = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock()
        try:
            self._open_existing(fresh)
        except BaseException:
            self.close()
            raise
        self.meta_data.update({k: v for k, v in info.items()})
        self.meta_data["fingerprint"] = fingerprint
        self.retry_failed = retry_failed
        self._write_meta()  # first, so that a run killed before its end can be resumed

    def _write_meta(self) -> None:
        tmp_meta = self.meta.with_name(self.meta.name + ".tmp")
        tmp_meta.write_text(json.dumps(self.meta_data, indent=1) + "\n")
        os.replace(tmp_meta, self.meta)

    def _open_existing(self, fresh: bool) -> None:
        fingerprint = self.fingerprint
        if fresh:
            for p in (self.path, parquet_path(self.path), self.meta):
                with contextlib.suppress(FileNotFoundError):
                    p.unlink()
        meta = self._read_meta()
        if self.path.exists():
            if meta is None:
                raise StudyError(f"{self.path}: exists but was not written by this study (no "
                                 f"{self.meta.name}); use --fresh to overwrite it, or another results file")
            if meta.get("fingerprint") != fingerprint:
                raise StudyError(f"{self.path}: was written by a different study (its experiment, fixed "
                                 "parameters, outputs, axis names or seed differ); use --fresh to "
                                 "overwrite it, or set another 'study.results' file")
            self._load_existing()
        self.meta_data: dict[str, Any] = meta or {"fingerprint": fingerprint, "runs": []}

    # locking ---------------------------------------------------------------------------------
    def _lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # not on Windows: no lock
            return
        lock = self.path.with_name(self.path.stem + ".lock")
        f = open(lock, "a")  # noqa: SIM115 (held for the writer's lifetime)
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.close()
            raise StudyError(f"{self.path}: another study run is writing this table "
                             f"(lock {lock.name} held)") from None
        self._lock_file = f

    # reading -------------------------------------------------------------------------------
    def _read_meta(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.meta.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise StudyError(f"{self.meta}: unreadable study record ({exc}); use --fresh") from None

    def _load_existing(self) -> None:
        raw = self.path.read_bytes()
        if raw and not raw.endswith(b"\n"):
            # a row cut short by a crash: drop it (its point is computed again)
            cut = raw.rfind(b"\n") + 1
            with open(self.path, "r+b") as f:
                f.truncate(cut)
            raw = raw[:cut]
        text = raw.decode("utf-8")
        if not text.strip():
            return
        reader = csv.reader(io.StringIO(text))
        header = next(reader)
        expected = ["point", *self.axis_names, "seed"]
        if header[: len(expected)] != expected or header[-2:] != ["status", "error"]:
            raise StudyError(f"{self.path}: columns {header[:len(expected)]} do not match the study's "
                             f"{expected}; use --fresh")
        for fields in reader:
            if len(fields) != len(header):
                continue
            row = dict(zip(header, fields, strict=True))
            self.rows[tuple(row[a] for a in self.axis_names)] = row
        # without a successful row the output columns are not known yet (vectors): keep them open
        if any(r["status"] == "ok" for r in self.rows.values()):
            self.header = header
        else:
            for r in self.rows.values():
                for c in header[len(self.axis_names) + 2 : -2]:
                    r.pop(c, None)

    def done_keys(self) -> set[tuple[str, ...]]:
        """Keys of points already in the table (``ok`` only with ``retry_failed``)."""
        return {k for k, r in self.rows.items() if not self.retry_failed or r["status"] == "ok"}

    # writing -------------------------------------------------------------------------------
    def _ensure_open(self) -> io.TextIOWrapper:
        if self._file is None:
            self._file = open(self.path, "a", encoding="utf-8", newline="")  # noqa: SIM115
        return self._file

    def append(self, point: Point, status: str, outputs: Mapping[str, Any], error: str = "") -> str:
        """Record one finished point (written at once); returns its final status.

        An ``ok`` point whose output columns differ from earlier points' is recorded as an
        error (a table has one set of columns).
        """
        flat = flatten_outputs(outputs) if status == "ok" else {}
        if status == "ok" and self.header is not None:
            cols = self.header[len(self.axis_names) + 2 : -2]
            if list(flat) != cols:
                status, error = "error", (f"output columns {list(flat)[:6]} differ from the table's "
                                          f"{cols[:6]} (a vector changed length?)")
                flat = {}
        row = {"point": str(point.index), **dict(zip(self.axis_names, point.key, strict=True)),
               "seed": str(point.seed), **flat, "status": status, "error": _one_line(error)}
        self.rows.pop(point.key, None)
        self.rows[point.key] = row
        if self.header is None:
            if status != "ok":
                return status  # kept in memory until the first success fixes the columns
            # the first success fixes the output columns: (re)write the file with every row so far
            self.header = ["point", *self.axis_names, "seed", *flat, "status", "error"]
            if self._file is not None:
                self._file.close()
            self._file = open(self.path, "w", encoding="utf-8", newline="")  # noqa: SIM115
            self._file.write(_csv_line(self.header))
            for r in self.rows.values():
                self._file.write(self._line(r))
            self._file.flush()
            return status
        f = self._ensure_open()
        f.write(self._line(row))
        f.flush()
        return status

    def _line(self, row: Mapping[str, str]) -> str:
        assert self.header is not None
        return _csv_line([row.get(c, "") for c in self.header])

    def finish(self, points: Sequence[Point], output_names: Iterable[str], run_info: Mapping[str, Any],
               *, parquet: bool = True) -> Path | None:
        """Rewrite the table in study order, write Parquet and the run log; returns the Parquet path.

        Rows of points that are no longer in the study (an axis lost a value) are kept at the
        end. ``output_names`` gives the columns when no point succeeded.
        """
        if self._file is not None:
            self._file.close()
            self._file = None
        if self.header is None:
            self.header = ["point", *self.axis_names, "seed", *output_names, "status", "error"]
        order = {p.key: p.index for p in points}
        keys = sorted(self.rows, key=lambda k: (k not in order, order.get(k, 0)))
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(_csv_line(self.header))
            for k in keys:
                row = dict(self.rows[k])
                if k in order:
                    row["point"] = str(order[k])
                f.write(self._line(row))
        os.replace(tmp, self.path)
        runs = self.meta_data.setdefault("runs", [])
        runs.append(dict(run_info))
        self.meta_data["columns"] = self.header
        self.meta_data["axes"] = self.axis_names
        out = None
        if parquet:
            out = write_parquet(self.path)
        self.meta_data["parquet"] = out.name if out is not None else None
        self._write_meta()
        return out

    def close(self) -> None:
        """Close the file and release the lock."""
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._lock_file is not None:
            with contextlib.suppress(OSError):
                Path(self._lock_file.name).unlink()
            self._lock_file.close()
            self._lock_file = None

    def __enter__(self) -> ResultsWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# reading back ----------------------------------------------------------------------------------
def _convert(texts: Sequence[str]) -> np.ndarray:
    """Column texts -> int64, float64 (empty = NaN), bool or str array."""
    present = [t for t in texts if t != ""]
    if present and all(t in ("true", "false") for t in present) and len(present) == len(texts):
        return np.array([t == "true" for t in texts])
    try:
        if present and len(present) == len(texts) and all(t.lstrip("-").isdigit() for t in texts):
            return np.array([int(t) for t in texts], dtype=np.int64)
        return np.array([float(t) if t != "" else math.nan for t in texts], dtype=np.float64)
    except ValueError:
        return np.array(list(texts), dtype=object)


@dataclass
class ResultsTable:
    """A results table read back: column names and typed columns.

    ``axes`` and ``outputs`` are the axis and output column names (from the column order:
    ``point``, axes, ``seed``, outputs, ``status``, ``error``).
    """

    __repr__ = short_repr

    path: Path
    columns: list[str]
    data: dict[str, np.ndarray]

    @property
    def axes(self) -> list[str]:
        """Axis columns."""
        return self.columns[1 : self.columns.index("seed")]

    @property
    def outputs(self) -> list[str]:
        """Output columns."""
        return self.columns[self.columns.index("seed") + 1 : -2]

    def __len__(self) -> int:
        return len(self.data["point"]) if "point" in self.data else 0

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.data:
            raise StudyError(f"{self.path}: no column '{name}'; columns: {', '.join(self.columns)}")
        return self.data[name]

    def ok(self) -> np.ndarray:
        """Boolean mask of the rows whose status is ``ok``."""
        return np.asarray(self.data["status"] == "ok", dtype=bool)

    def to_pandas(self) -> Any:
        """The table as a ``pandas.DataFrame`` (needs pandas)."""
        try:
            import pandas as pd
        except ImportError:
            raise StudyError("ResultsTable.to_pandas needs pandas (pip install pandas)") from None
        return pd.DataFrame({c: self.data[c] for c in self.columns})


def read_results(path: str | Path) -> ResultsTable:
    """Read a study's results CSV (typed columns).

    Raises
    ------
    DataError
        Missing file, or not a study results table.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{p}: results table not found (run the study first: xbar study run ...)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{p}: cannot read the results table ({exc})") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise DataError(f"{p}: empty results table")
    header = rows[0]
    if header[:1] != ["point"] or "seed" not in header or header[-2:] != ["status", "error"]:
        raise DataError(f"{p}: not a study results table (expected columns point, <axes>, seed, "
                        "<outputs>, status, error)")
    body = [r for r in rows[1:] if len(r) == len(header)]
    cols = {c: _convert([r[i] for r in body]) for i, c in enumerate(header)}
    for c in ("status", "error"):
        cols[c] = np.array([r[header.index(c)] for r in body], dtype=object)
    return ResultsTable(p, header, cols)


def write_parquet(csv_path: str | Path) -> Path | None:
    """Write ``<stem>.parquet`` from a results CSV; None (nothing written) without pyarrow."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return None
    table = read_results(csv_path)
    arrays = {}
    for c in table.columns:
        col = table.data[c]
        arrays[c] = pa.array(col.tolist() if col.dtype == object else col)
    out = parquet_path(csv_path)
    tmp = out.with_name(out.name + ".tmp")
    pq.write_table(pa.table(arrays), tmp)
    os.replace(tmp, out)
    return out


def now() -> str:
    """Local time stamp for the run log."""
    return time.strftime("%Y-%m-%dT%H:%M:%S")

