"""Device events (switching, breakdown …) as a printed summary and as CSV.

Stateful devices record events as dicts with at least ``kind`` (``"switch"``, ``"breakdown"``),
``time`` (s; ``None`` at an operating point or DC point) and ``device`` (element name), plus
kind-specific fields (``cell``, ``to``, ``voltage`` [V], ``vb`` [V], ``current`` [A],
``nucleated``, ``propagated``, ``mz`` …). Results carry them in ``result.events``;
:func:`format_events` is what ``xbar run`` prints after each analysis and
:func:`write_events_csv` writes ``<csv>-events.csv``.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

__all__ = ["EVENT_UNITS", "event_columns", "format_events", "summarize_events", "write_events_csv"]

EVENT_UNITS: dict[str, str] = {
    "time": "s", "voltage": "V", "vb": "V", "current": "A", "mz": "-", "cell": "-",
    "nucleated": "-", "propagated": "-",
}
"""Units of the numeric event fields (CSV headers say them, e.g. ``time_s``)."""

_FIRST = ("kind", "time", "device", "cell", "to")


def event_columns(events: Iterable[dict[str, Any]]) -> list[str]:
    """Field names over all ``events``: kind, time, device, cell, to first, then first-seen order."""
    seen: dict[str, None] = {}
    for e in events:
        seen.update(dict.fromkeys(e))
    return [k for k in _FIRST if k in seen] + [k for k in seen if k not in _FIRST]


def summarize_events(events: Sequence[dict[str, Any]]) -> str:
    """One line: ``"3 switch, 1 breakdown in 2 devices"`` (``"none"`` without events)."""
    if not events:
        return "none"
    counts = Counter(str(e.get("kind", "?")) for e in events)
    devices = len({e.get("device") for e in events})
    kinds = ", ".join(f"{n} {k}" for k, n in counts.most_common())
    return f"{kinds} in {devices} device{'s' if devices != 1 else ''}"


def _detail(e: dict[str, Any]) -> str:
    parts = []
    if "cell" in e:
        parts.append(f"cell {e['cell']}")
    if "to" in e:
        parts.append(f"-> {e['to']}")
    if "nucleated" in e:
        parts.append(f"{e['nucleated']} nucleated, {e.get('propagated', 0)} by wall motion")
    if "mz" in e:
        parts.append(f"<m_z> = {e['mz']:+.3f}")
    if "current" in e:
        parts.append(f"I = {e['current']:+.4g} A")
    if "voltage" in e:
        parts.append(f"V = {e['voltage']:+.4g} V")
    if "vb" in e:
        parts.append(f"V_B = {e['vb']:.4g} V")
    return ", ".join(parts)


def format_events(events: Sequence[dict[str, Any]], limit: int = 20) -> list[str]:
    """Table lines (time, device, event, details) of the first ``limit`` events, then a count
    of the rest."""
    if not events:
        return []
    lines = [f"  {'time [s]':<14}{'device':<16}{'event':<11}details"]
    for e in events[:limit]:
        t = e.get("time")
        when = "op" if t is None else f"{t:.6e}"
        lines.append(f"  {when:<14}{e.get('device', ''):<16}{e.get('kind', ''):<11}{_detail(e)}")
    if len(events) > limit:
        lines.append(f"  ... {len(events) - limit} more")
    return lines


def _csv_value(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, tuple | list):
        return " ".join(str(x) for x in v)
    return str(v)


def write_events_csv(path: str | Path, events: Sequence[dict[str, Any]],
                     analysis: Sequence[str] | None = None) -> None:
    """Write ``events`` as CSV; ``analysis`` (one label per event) adds a first column.

    Headers are plain names with the unit appended (``time_s``, ``voltage_V``), so
    ``numpy.genfromtxt(names=True)`` and pandas read the file as is. ``time`` is empty for
    events at an operating point or DC point.
    """
    cols = event_columns(events)
    head = [f"{c}_{EVENT_UNITS[c]}" if EVENT_UNITS.get(c, "-") != "-" else c for c in cols]
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow((["analysis"] if analysis is not None else []) + head)
        for k, e in enumerate(events):
            row = [_csv_value(e.get(c)) for c in cols]
            w.writerow(([analysis[k]] if analysis is not None else []) + row)
