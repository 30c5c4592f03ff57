"""Run ngspice as a reference simulator and keep its answers as text references.

Used by the tests and benchmarks only; the library itself never imports this module.

* :func:`run_ngspice` runs ``ngspice -b -r <tmp>.raw deck.cir`` and parses the rawfile.
* :func:`run_ngspice_shared` does the same through PySpice's shared-library binding.
* :func:`write_reference_csv` / :func:`read_reference_csv` keep all plots of a deck in one
  exact-round-trip CSV file (golden references).
* ``python -m xbar.testing.ngspice --regen tests/golden/<case>`` (or ``--regen-all
  tests/golden``) (re)writes ``<case>.ngspice.csv`` from ``<case>/<case>.cir``. References are
  written by this explicit command only.
* :func:`run_ngspice_batch` runs ``ngspice -b deck.cir`` without a rawfile (so ``.meas`` and
  ``.control`` print); cases under ``tests/golden_text/`` keep its printed lines as
  ``<case>.ngspice.txt`` and the files it wrote under ``<case>/ngspice/``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from xbar.errors import XbarError
from xbar.io.rawfile import RawPlot, normalize_vector_name, read_rawfile

__all__ = [
    "DEBIAN_LIBNGSPICE",
    "NgspiceError",
    "batch_output_lines",
    "main",
    "ngspice_available",
    "ngspice_version",
    "read_reference_csv",
    "regen_case",
    "regen_text_case",
    "run_ngspice",
    "run_ngspice_batch",
    "run_ngspice_shared",
    "write_reference_csv",
]

#: Where Debian's ``libngspice0`` installs the shared library.
DEBIAN_LIBNGSPICE = "/usr/lib/x86_64-linux-gnu/libngspice.so.0"

# Lines of ngspice output that mean the run went wrong. "singular matrix" is reported after
# the others because ngspice repeats it at every gmin step.
_ERROR_RE = re.compile(
    r"\berror\b|timestep too small|no such vector|simulation interrupted|simulation\(s\) aborted",
    re.IGNORECASE,
)
_SINGULAR_RE = re.compile(r"singular matrix", re.IGNORECASE)
_NOISE_RE = re.compile(
    r"MB\.?$|pages =|^Stack =|time \(seconds\)|raw file|^Note: No compatibility mode", re.IGNORECASE
)
_MAX_REPORTED_LINES = 25


class NgspiceError(XbarError):
    """ngspice is missing, failed, or reported an error.

    Attributes
    ----------
    stdout, stderr : str
        What ngspice printed (empty when it did not run).
    returncode : int or None
        Exit status of the ``ngspice`` process (``None`` for shared mode or when it did not run).
    """

    def __init__(
        self,
        message: str,
        *,
        stdout: str = "",
        stderr: str = "",
        returncode: int | None = None,
    ) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.returncode = returncode
        super().__init__(message)


# ----------------------------------------------------------------------------------------
# discovery
# ----------------------------------------------------------------------------------------


def ngspice_available() -> bool:
    """Return True when an ``ngspice`` executable is on ``PATH``."""
    return shutil.which("ngspice") is not None


@functools.lru_cache(maxsize=8)
def _version_of(exe: str) -> str | None:
    try:
        proc = subprocess.run(
            [exe, "-v"],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=30,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    m = re.search(r"ngspice-(\d+(?:\.\d+)*)", proc.stdout + proc.stderr)
    return f"ngspice-{m.group(1)}" if m else None


def ngspice_version() -> str | None:
    """Return the version of the ``ngspice`` on ``PATH`` as ``'ngspice-39'``, or None."""
    exe = shutil.which("ngspice")
    return None if exe is None else _version_of(exe)


# ----------------------------------------------------------------------------------------
# subprocess backend
# ----------------------------------------------------------------------------------------


def _error_lines(*texts: str) -> list[str]:
    """Lines of ngspice output that report an error.

    ``Error on line N`` is followed by the offending card, which is kept too. At most three
    distinct "singular matrix" lines are kept, after the other errors. The echo of the title
    (``Circuit: ...``) is never taken for an error.
    """
    found: list[str] = []
    singular: list[str] = []
    for text in texts:
        lines = [ln.strip() for ln in text.splitlines()]
        lines = [ln for ln in lines if ln]
        for k, s in enumerate(lines):
            if s.lower().startswith("circuit:"):
                continue
            if _ERROR_RE.search(s):
                keep = lines[k : k + 2] if s.lower().startswith("error on line") else [s]
                found.extend(t for t in keep if t not in found)
            elif _SINGULAR_RE.search(s):
                m = _SINGULAR_RE.search(s)
                assert m is not None
                tail = s[m.start() :]
                if tail not in singular and len(singular) < 3:
                    singular.append(tail)
    return found + singular


def _tail(text: str, n: int = 15) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip() and not _NOISE_RE.search(ln.strip())]
    return "\n".join(lines[-n:])


def _describe(lines: Sequence[str]) -> str:
    shown = list(lines[:_MAX_REPORTED_LINES])
    if len(lines) > len(shown):
        shown.append(f"... ({len(lines) - len(shown)} more lines)")
    return "\n".join("  " + ln for ln in shown)


def run_ngspice(
    deck: str | os.PathLike[str] | None = None,
    *,
    text: str | None = None,
    timeout: float = 600.0,
    workdir: str | os.PathLike[str] | None = None,
) -> list[RawPlot]:
    """Run ``ngspice -b -r <tmp>.raw <deck>`` and return the plots of the rawfile.

    Parameters
    ----------
    deck : str or os.PathLike, optional
        Path of the deck file. Give either ``deck`` or ``text``.
    text : str, optional
        Deck text; written to a temporary ``.cir`` file in ``workdir`` (so that relative
        ``.include`` paths resolve against ``workdir``) or in a private temporary directory.
    timeout : float
        Seconds before ngspice is killed.
    workdir : str or os.PathLike, optional
        Working directory of ngspice; default: the deck's directory (or a temporary one).

    Returns
    -------
    list[RawPlot]
        Plots in the order ngspice ran the analyses (its own order: AC, DC, OP, TRAN, ...;
        several analyses of one type in reverse deck order), as written in the rawfile.

    Raises
    ------
    NgspiceError
        ngspice is missing, timed out, exited non-zero, printed an error ("Error",
        "singular matrix", "Timestep too small", "no such vector", ...) or wrote no rawfile;
        the message quotes the relevant output lines.
    """
    if (deck is None) == (text is None):
        raise NgspiceError("run_ngspice needs exactly one of a deck path or text=")
    exe = shutil.which("ngspice")
    if exe is None:
        raise NgspiceError("ngspice is not installed (no 'ngspice' executable on PATH)")
    if workdir is not None and not Path(workdir).is_dir():
        raise NgspiceError(f"{os.fspath(workdir)}: workdir is not a directory")

    with tempfile.TemporaryDirectory(prefix="xbar-ngspice-") as tmp:
        deck_file: Path
        label: str
        made_deck: Path | None = None
        try:
            if text is not None:
                fd, name = tempfile.mkstemp(
                    prefix="xbar-ngspice-", suffix=".cir", dir=workdir if workdir else tmp
                )
                made_deck = Path(name)
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(text if text.endswith("\n") else text + "\n")
                deck_file = made_deck
                label = "<deck text>"
                cwd = Path(workdir) if workdir is not None else Path(tmp)
            else:
                assert deck is not None
                deck_file = Path(deck).resolve()
                label = os.fspath(deck)
                if not deck_file.is_file():
                    raise NgspiceError(f"{label}: no such deck file")
                cwd = Path(workdir) if workdir is not None else deck_file.parent
            raw = Path(tmp) / "out.raw"
            try:
                proc = subprocess.run(
                    [exe, "-b", "-r", str(raw), str(deck_file)],
                    cwd=cwd,
                    capture_output=True,
                    text=True,
                    errors="replace",
                    timeout=timeout,
                    stdin=subprocess.DEVNULL,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise NgspiceError(
                    f"{label}: ngspice did not finish within {timeout:g} s",
                    stdout=_as_text(exc.stdout),
                    stderr=_as_text(exc.stderr),
                ) from None
            except OSError as exc:
                raise NgspiceError(f"cannot run ngspice ({exe}): {exc}") from None
            out, err, rc = proc.stdout, proc.stderr, proc.returncode
            bad = _error_lines(err, out)
            if rc != 0 or bad:
                detail = _describe(bad) if bad else _describe(_tail(err or out).splitlines())
                raise NgspiceError(
                    f"{label}: ngspice failed (exit code {rc}):\n{detail}",
                    stdout=out,
                    stderr=err,
                    returncode=rc,
                )
            if not raw.is_file():
                raise NgspiceError(
                    f"{label}: ngspice wrote no rawfile (no analysis card?)\n"
                    + _describe(_tail(err + "\n" + out).splitlines()),
                    stdout=out,
                    stderr=err,
                    returncode=rc,
                )
            try:
                return read_rawfile(raw)
            except XbarError as exc:
                raise NgspiceError(
                    f"{label}: cannot parse the rawfile ngspice wrote: {exc}",
                    stdout=out,
                    stderr=err,
                    returncode=rc,
                ) from None
        finally:
            if made_deck is not None:
                with contextlib.suppress(FileNotFoundError):
                    made_deck.unlink()


def _as_text(data: str | bytes | None) -> str:
    if data is None:
        return ""
    if isinstance(data, bytes):
        return data.decode("utf-8", errors="replace")
    return data


# ----------------------------------------------------------------------------------------
# shared-library backend (PySpice)
# ----------------------------------------------------------------------------------------

_SHARED_LOCK = threading.Lock()

# PySpice's SimulationType names -> type names ngspice writes in rawfiles.
_PYSPICE_TYPES = {
    "no_type": "notype",
    "temperature": "temp-sweep",
    "res": "res-sweep",
}


def _shared_instance() -> Any:
    if "NGSPICE_LIBRARY_PATH" not in os.environ and Path(DEBIAN_LIBNGSPICE).exists():
        os.environ["NGSPICE_LIBRARY_PATH"] = DEBIAN_LIBNGSPICE
    try:
        from PySpice.Spice.NgSpice.Shared import NgSpiceShared
    except Exception as exc:  # ImportError, or PySpice's own set-up errors
        raise NgspiceError(f"PySpice is not usable: {type(exc).__name__}: {exc}") from None
    lib = os.environ.get("NGSPICE_LIBRARY_PATH")
    if lib and not NgSpiceShared._instances and lib != NgSpiceShared.LIBRARY_PATH:
        NgSpiceShared.LIBRARY_PATH = lib  # PySpice read the environment before we set it
    try:
        return NgSpiceShared.new_instance()
    except Exception as exc:  # OSError from dlopen, NameError from ngSpice_Init
        raise NgspiceError(
            f"cannot load libngspice ({NgSpiceShared.LIBRARY_PATH}): "
            f"{type(exc).__name__}: {exc}; install libngspice0 (Debian) and set "
            "NGSPICE_LIBRARY_PATH to the .so"
        ) from None


def run_ngspice_shared(text: str) -> list[RawPlot]:
    """Run a deck through ngspice's shared library (PySpice) and return its plots.

    The process has one PySpice/ngspice instance; calls are serialised by a lock, and every
    plot and circuit of that instance is destroyed after each call.

    Parameters
    ----------
    text : str
        Deck text (title line first). ``.include`` paths resolve against the current
        directory.

    Returns
    -------
    list[RawPlot]
        Same content, names and order as :func:`run_ngspice` gives for the same deck.

    Raises
    ------
    NgspiceError
        PySpice or libngspice is missing, or ngspice reported an error.
    """
    with _SHARED_LOCK:
        ng = _shared_instance()
        try:
            return _run_shared_locked(ng, text)
        finally:
            for command in ("destroy all", "remcirc"):
                with contextlib.suppress(Exception):
                    ng.exec_command(command)


def _run_shared_locked(ng: Any, text: str) -> list[RawPlot]:
    before = set(ng.plot_names)

    def fail(step: str, exc: BaseException | None = None) -> NgspiceError:
        out, err = ng.stdout, ng.stderr
        bad = _error_lines(err, out)
        detail = _describe(bad) if bad else _describe(_tail(err or out).splitlines())
        why = f" ({type(exc).__name__}: {exc})" if exc is not None and str(exc) else ""
        return NgspiceError(
            f"<deck text>: ngspice (shared) failed in {step}{why}:\n{detail}",
            stdout=out,
            stderr=err,
        )

    for step, call in (("load_circuit", lambda: ng.load_circuit(text)), ("run", ng.run)):
        try:
            call()
        except Exception as exc:
            # PySpice takes every stderr line not starting with "Warning:" for an error
            # (NgSpiceCommandError / NgSpiceCircuitError), including ngspice's "Note:" lines;
            # only what _error_lines recognises counts. Anything else is a real failure.
            benign = type(exc).__name__ in ("NgSpiceCommandError", "NgSpiceCircuitError")
            if not benign or _error_lines(ng.stderr, ng.stdout):
                raise fail(step, exc) from None
        if _error_lines(ng.stderr, ng.stdout):
            raise fail(step)

    new = [name for name in reversed(ng.plot_names) if name not in before]
    if not new:
        raise NgspiceError("<deck text>: ngspice (shared) produced no plot (no analysis card?)")
    plots: list[RawPlot] = []
    for name in new:
        ng.exec_command(f"setplot {name}")
        plotname = ng.exec_command("echo $curplotname").strip()
        title = ng.exec_command("echo $curplottitle").strip()
        vectors = ng.plot(None, name)
        # ngspice lists a plot's vectors newest first: reversed, they come in rawfile order.
        items = list(reversed(list(vectors.items())))
        names: list[str] = []
        types: list[str] = []
        columns: list[np.ndarray] = []
        for vname, vec in items:
            tname = str(getattr(vec, "_type", "no_type")).split(".")[-1]
            vtype = _PYSPICE_TYPES.get(tname, tname.replace("_", "-"))
            names.append(normalize_vector_name(vname, vtype))
            types.append(vtype)
            columns.append(np.asarray(vec._data))
        lengths = {c.shape[0] for c in columns}
        if len(lengths) > 1:
            raise NgspiceError(f"plot {name}: vectors of different lengths {sorted(lengths)}")
        is_complex = any(np.iscomplexobj(c) for c in columns)
        dtype = np.complex128 if is_complex else np.float64
        npoints = lengths.pop() if lengths else 0
        data = np.empty((npoints, len(columns)), dtype=dtype)
        for k, c in enumerate(columns):
            data[:, k] = c
        plots.append(
            RawPlot(
                title=title,
                plotname=plotname,
                flags="complex" if is_complex else "real",
                names=names,
                types=types,
                data=data,
            )
        )
    return plots


# ----------------------------------------------------------------------------------------
# text references
# ----------------------------------------------------------------------------------------


def _cell(value: float | complex, is_complex: bool) -> str:
    return repr(complex(value)) if is_complex else repr(float(value))


def write_reference_csv(
    plots: RawPlot | Iterable[RawPlot],
    path: str | os.PathLike[str],
    *,
    deck_name: str,
    version: str | None = None,
) -> None:
    """Write all plots of one deck to a CSV reference file (exact round trip).

    Layout::

        # ngspice-39
        # deck: rc.cir
        # plot: Operating Point
        # title: rc deck
        # flags: real
        # types: voltage,voltage,current
        v(in),v(out),i(v1)
        1.0,0.5,-0.0005
        # plot: Transient Analysis
        ...

    Numbers are ``repr(float)`` (``repr(complex)`` for complex plots), read back exactly.

    Parameters
    ----------
    plots : RawPlot or iterable of RawPlot
        Plots in the order to keep.
    path : str or os.PathLike
        Output file (overwritten).
    deck_name : str
        Name of the deck, written on the ``# deck:`` line.
    version : str, optional
        Simulator line; default :func:`ngspice_version` (``ngspice-unknown`` when missing).
    """
    plot_list = [plots] if isinstance(plots, RawPlot) else list(plots)
    if version is None:
        version = ngspice_version() or "ngspice-unknown"
    name = os.fspath(path)
    try:
        with open(name, "w", encoding="utf-8", newline="") as fh:
            fh.write(f"# {_oneline(version)}\n# deck: {_oneline(deck_name)}\n")
            w = csv.writer(fh, lineterminator="\n")
            for p in plot_list:
                if not isinstance(p, RawPlot):
                    raise XbarError(f"expected RawPlot objects, got {type(p).__name__}")
                fh.write(f"# plot: {_oneline(p.plotname)}\n")
                fh.write(f"# title: {_oneline(p.title)}\n")
                fh.write(f"# flags: {p.flags}\n")
                fh.write("# types: " + ",".join(p.types) + "\n")
                w.writerow(p.names)
                is_complex = p.flags == "complex"
                for row in p.data:
                    w.writerow([_cell(v, is_complex) for v in row])
    except OSError as exc:
        raise XbarError(f"{name}: cannot write reference: {exc.strerror or exc}") from None


def _oneline(text: str) -> str:
    return " ".join(str(text).splitlines()).strip()


def read_reference_csv(path: str | os.PathLike[str]) -> list[RawPlot]:
    """Read a reference written by :func:`write_reference_csv`.

    Raises
    ------
    XbarError
        The file is missing or malformed; the message names the file and line.
    """
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8", newline="") as fh:
            lines = fh.read().splitlines()
    except OSError as exc:
        raise XbarError(f"{name}: cannot read reference: {exc.strerror or exc}") from None

    plots: list[RawPlot] = []
    cur: dict[str, object] | None = None

    def finish(lineno: int) -> None:
        if cur is None:
            return
        if cur["names"] is None:
            raise XbarError(f"{name}:{lineno}: plot {cur['plotname']!r} has no header row")
        names = cur["names"]
        assert isinstance(names, list)
        types = cur["types"] if cur["types"] is not None else ["notype"] * len(names)
        assert isinstance(types, list)
        if len(types) != len(names):
            raise XbarError(
                f"{name}:{cur['types_line']}: {len(types)} types for {len(names)} vectors"
            )
        rows = cur["rows"]
        assert isinstance(rows, list)
        flags = str(cur["flags"])
        dtype = np.complex128 if flags == "complex" else np.float64
        data = np.array(rows, dtype=dtype).reshape(len(rows), len(names))
        plots.append(
            RawPlot(
                title=str(cur["title"]),
                plotname=str(cur["plotname"]),
                flags=flags,
                names=names,
                types=types,
                data=data,
            )
        )

    for lineno, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if line.startswith("#"):
            key, _, value = line[1:].strip().partition(":")
            key, value = key.strip().lower(), value.strip()
            if key == "plot":
                finish(lineno)
                cur = {
                    "plotname": value,
                    "title": "",
                    "flags": "real",
                    "types": None,
                    "types_line": lineno,
                    "names": None,
                    "rows": [],
                }
            elif cur is not None and cur["names"] is None and key in ("title", "flags", "types"):
                if key == "types":
                    cur["types"] = [t.strip() for t in value.split(",")] if value else []
                    cur["types_line"] = lineno
                elif key == "flags":
                    if value not in ("real", "complex"):
                        raise XbarError(f"{name}:{lineno}: flags must be real or complex")
                    cur["flags"] = value
                else:
                    cur["title"] = value
            continue
        if cur is None:
            raise XbarError(f"{name}:{lineno}: data before the first '# plot:' line")
        cells = next(csv.reader([line]))
        if cur["names"] is None:
            cur["names"] = [c.strip() for c in cells]
            continue
        names = cur["names"]
        assert isinstance(names, list)
        if len(cells) != len(names):
            raise XbarError(
                f"{name}:{lineno}: expected {len(names)} values (one per vector), got {len(cells)}"
            )
        conv = complex if cur["flags"] == "complex" else float
        try:
            row = [conv(c) for c in cells]
        except ValueError:
            raise XbarError(f"{name}:{lineno}: not a number in {line[:60]!r}") from None
        rows = cur["rows"]
        assert isinstance(rows, list)
        rows.append(row)
    finish(len(lines))
    if not plots:
        raise XbarError(f"{name}: no '# plot:' section; not an ngspice reference file")
    return plots


# ----------------------------------------------------------------------------------------
# command line
# ----------------------------------------------------------------------------------------


# Lines of ngspice's batch output that carry no result (progress, timing, memory, notes).
_STDOUT_NOISE_RE = re.compile(
    r"^(Note:|Warning:|Circuit:|Doing analysis|Total (analysis|elapsed) time|Total DRAM|DRAM "
    r"currently|Maximum ngspice|Current ngspice|Shared ngspice|Text \(code\)|Stack =|Library "
    r"pages|No\. of Data|ngspice-\d.* done|binary raw file|ASCII raw file|Using SPARSE|Reference "
    r"value|Initial Transient|Transient solution|Supplies reduced|Trying gmin|Source Step)",
    re.IGNORECASE,
)


def run_ngspice_batch(
    deck: str | os.PathLike[str], *, timeout: float = 600.0
) -> tuple[str, str, dict[str, str]]:
    """Run ``ngspice -b <deck>`` (no rawfile, so ``.meas`` and ``.control`` print) in a private
    copy of the deck's folder.

    Returns
    -------
    stdout, stderr, files
        What ngspice printed, and the text of every file the run created (``wrdata`` and
        ``write`` outputs) by name relative to the folder.

    Raises
    ------
    NgspiceError
        ngspice is missing, timed out or exited non-zero.
    """
    exe = shutil.which("ngspice")
    if exe is None:
        raise NgspiceError("ngspice is not installed (no 'ngspice' executable on PATH)")
    src = Path(deck).resolve()
    if not src.is_file():
        raise NgspiceError(f"{os.fspath(deck)}: no such deck file")
    with tempfile.TemporaryDirectory(prefix="xbar-ngspice-") as tmp:
        work = Path(tmp) / "case"
        shutil.copytree(src.parent, work)
        before = {p.relative_to(work) for p in work.rglob("*")}
        try:
            proc = subprocess.run(
                [exe, "-b", src.name], cwd=work, capture_output=True, text=True,
                errors="replace", timeout=timeout, stdin=subprocess.DEVNULL, check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise NgspiceError(f"{os.fspath(deck)}: ngspice did not finish within {timeout:g} s",
                               stdout=_as_text(exc.stdout), stderr=_as_text(exc.stderr)) from None
        if proc.returncode != 0:
            raise NgspiceError(
                f"{os.fspath(deck)}: ngspice failed (exit code {proc.returncode}):\n"
                + _describe(_tail(proc.stderr or proc.stdout).splitlines()),
                stdout=proc.stdout, stderr=proc.stderr, returncode=proc.returncode)
        files = {}
        for p in sorted(work.rglob("*")):
            rel = p.relative_to(work)
            if p.is_file() and rel not in before:
                files[rel.as_posix()] = p.read_text(errors="replace")
        return proc.stdout, proc.stderr, files


def batch_output_lines(stdout: str) -> list[str]:
    """The lines of ngspice's batch output worth keeping in a text reference (noise dropped)."""
    keep = []
    for line in stdout.splitlines():
        stripped = line.strip()
        if not stripped or _STDOUT_NOISE_RE.match(stripped):
            continue
        keep.append(line.rstrip())
    return keep


def regen_text_case(case_dir: str | os.PathLike[str], *, timeout: float = 600.0) -> Path:
    """Run ngspice in batch mode on ``<case_dir>/<case>.cir`` and (re)write the text reference
    ``<case>.ngspice.txt`` (its printed lines) and ``ngspice/<file>`` for every file it wrote."""
    d = Path(case_dir)
    case = d.resolve().name
    deck = d / f"{case}.cir"
    if not deck.is_file():
        raise NgspiceError(f"{deck}: no such deck (expected <case>/<case>.cir)")
    stdout, stderr, files = run_ngspice_batch(deck, timeout=timeout)
    out = d / f"{case}.ngspice.txt"
    version = ngspice_version() or "ngspice-unknown"
    failed = [ln.strip() for ln in stderr.splitlines() if ln.strip().endswith("failed!")]
    out.write_text(f"# {version}\n# deck: {deck.name}\n" + "\n".join(batch_output_lines(stdout))
                   + "\n" + "".join(f"# stderr: {ln}\n" for ln in failed))
    folder = d / "ngspice"
    if folder.is_dir():
        shutil.rmtree(folder)
    for name, text in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return out


def regen_case(case_dir: str | os.PathLike[str], *, timeout: float = 600.0) -> Path:
    """Run ngspice on ``<case_dir>/<case>.cir`` and (re)write ``<case>.ngspice.csv`` beside it.

    Returns
    -------
    Path
        The reference file written.
    """
    d = Path(case_dir)
    case = d.resolve().name
    deck = d / f"{case}.cir"
    if not deck.is_file():
        raise NgspiceError(f"{deck}: no such deck (expected <case>/<case>.cir)")
    plots = run_ngspice(deck, timeout=timeout)
    out = d / f"{case}.ngspice.csv"
    write_reference_csv(plots, out, deck_name=deck.name)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``--regen CASE_DIR...`` or ``--regen-all GOLDEN_DIR``."""
    ap = argparse.ArgumentParser(
        prog="python -m xbar.testing.ngspice",
        description="Regenerate ngspice golden references (<case>/<case>.ngspice.csv).",
    )
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--regen", nargs="+", metavar="CASE_DIR", help="regenerate these cases")
    g.add_argument(
        "--regen-all", metavar="GOLDEN_DIR", help="regenerate every <case>/<case>.cir below"
    )
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per deck")
    args = ap.parse_args(argv)

    if args.regen_all is not None:
        root = Path(args.regen_all)
        if not root.is_dir():
            sys.stderr.write(f"error: {root}: not a directory\n")
            return 2
        cases = sorted(p for p in root.iterdir() if (p / f"{p.name}.cir").is_file())
        if not cases:
            sys.stderr.write(f"error: {root}: no <case>/<case>.cir found\n")
            return 2
    else:
        cases = [Path(c) for c in args.regen]

    failed = 0
    for case in cases:
        try:
            text_case = Path(case).resolve().parent.name == "golden_text"
            out = (regen_text_case if text_case else regen_case)(case, timeout=args.timeout)
        except XbarError as exc:
            failed += 1
            sys.stderr.write(f"FAILED {case}: {exc}\n")
        else:
            sys.stdout.write(f"wrote {out}\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
