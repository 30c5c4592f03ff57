"""American English vowels of Hillenbrand et al. (1995): formant measurements, and the seven-vowel
selection of Lopez et al. (2024) / Romera et al. (2018).

The data set (J. Hillenbrand, L. A. Getty, M. J. Clark, K. Wheeler, "Acoustic characteristics
of American English vowels", J. Acoust. Soc. Am. 97, 3099 (1995), DOI 10.1121/1.411872) has one
row per token: 12 vowels in /hVd/ words spoken by 45 men, 48 women, 27 boys and 19 girls, with the
vowel duration [ms], F0 and F1–F4 at steady state, and F1–F3 at 20, 50 and 80 % of the vowel
duration [Hz]; 0 means "not measured". Token ids are talker group (``m``, ``w``, ``b``, ``g``),
two-digit talker number and vowel code, e.g. ``w01ae``.

xbar does not ship the data (their licence is the authors'). Get ``vowdata.dat`` from the
authors' page (:data:`SOURCE_URL`) or a CSV rendering of it, then either pass its path, or set
the environment variable ``XBAR_HILLENBRAND`` to the file (or its folder). Without either, the
loader looks in the project's data folder (``hillenbrand1995`` under ``shared`` / ``data`` beside
the checkout, where development checkouts keep it) and in the current directory.

Two file layouts are read:

* CSV with a header row naming ``ID`` and the 15 measurement columns
  ``Duration, F0, F1, F2, F3, F4, F1_20, F2_20, F3_20, F1_50, F2_50, F3_50, F1_80, F2_80, F3_80``
  (extra columns such as ``Index`` are ignored);
* the authors' whitespace-separated ``vowdata.dat``: any line whose first field is a token id
  and that has 15 numbers after it, in the order above (the free-text header is skipped).

:func:`load_vowels` selects the samples of a classification task: the talkers of one group for
whom every requested formant of every requested vowel was measured. With the defaults (women,
the 12 formants, the vowels :data:`LOPEZ2024_VOWELS`) that is 37 talkers × 7 vowels = 259 samples,
the size of the task of Lopez et al. 2024 (Sec. II) and its ref. [6] (Romera et al. 2018); see
``docs/models/lopez2024_classifier.md`` for how the seven vowels were identified.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from xbar.errors import DataError
from xbar.reprs import short_repr

__all__ = [
    "COLUMNS",
    "ENV_VAR",
    "FORMANTS",
    "GROUPS",
    "LOPEZ2024_VOWELS",
    "SOURCE_URL",
    "VOWEL_WORDS",
    "HillenbrandTable",
    "VowelSet",
    "find_data",
    "load_vowels",
    "read_table",
    "speaker_split",
]

F64 = npt.NDArray[np.float64]

ENV_VAR = "XBAR_HILLENBRAND"
SOURCE_URL = "https://homepages.wmich.edu/~hillenbr/voweldata.html"
FILE_NAMES = ("vowdata.csv", "vowdata.dat")

COLUMNS = ("Duration", "F0", "F1", "F2", "F3", "F4", "F1_20", "F2_20", "F3_20",
           "F1_50", "F2_50", "F3_50", "F1_80", "F2_80", "F3_80")
"""Measurement columns, in file order: duration [ms], F0 and F1–F4 at steady state, F1–F3 at
20, 50 and 80 % of the vowel [Hz]."""

FORMANTS = ("F1", "F2", "F3", "F1_20", "F2_20", "F3_20", "F1_50", "F2_50", "F3_50",
            "F1_80", "F2_80", "F3_80")
"""The 12 formants of Lopez et al. 2024 (Sec. II) and Romera et al. 2018: F1–F3 at steady state
and at 20, 50 and 80 % of the vowel duration."""

VOWEL_WORDS = {"ae": "had", "ah": "hod", "aw": "hawed", "eh": "head", "ei": "hayed", "er": "heard",
               "ih": "hid", "iy": "heed", "oa": "hoed", "oo": "hood", "uh": "hud", "uw": "who'd"}
"""The 12 vowel codes of the data set and their /hVd/ words (``ey`` is read as ``ei``)."""

GROUPS = {"m": "men", "w": "women", "b": "boys", "g": "girls"}

LOPEZ2024_VOWELS = ("ae", "eh", "er", "ih", "oo", "uh", "uw")
"""Seven vowels of the Lopez 2024 task (an identification, the paper does not name them): the
only seven-vowel set containing ``er`` for which exactly 37 women have all 12 formants."""

_ID = re.compile(r"^([mwbg])(\d{2})([a-z]{2})$")


@dataclass(frozen=True)
class HillenbrandTable:
    """Every token of a Hillenbrand file.

    Attributes
    ----------
    path : Path
        File read.
    ids : array of str (R,)
        Token ids, e.g. ``w01ae``.
    group, talker, vowel : arrays (R,)
        Talker group letter, talker id (``w01``) and vowel code of each token.
    values : array (R, 15)
        Measurements in the order of :data:`COLUMNS` (ms, Hz); NaN where the file has 0 (not
        measured).
    """

    __repr__ = short_repr

    path: Path
    ids: npt.NDArray[np.str_]
    group: npt.NDArray[np.str_]
    talker: npt.NDArray[np.str_]
    vowel: npt.NDArray[np.str_]
    values: F64

    def column(self, name: str) -> F64:
        """Values of one column of :data:`COLUMNS` (NaN: not measured)."""
        if name not in COLUMNS:
            raise DataError(f"unknown Hillenbrand column '{name}'; known: {', '.join(COLUMNS)}")
        return self.values[:, COLUMNS.index(name)]


@dataclass(frozen=True)
class VowelSet:
    """Samples of a vowel-classification task (see :func:`load_vowels`).

    Attributes
    ----------
    x : array (S, F)
        Formants [Hz], columns :attr:`formants`.
    y : array of int (S,)
        Class index into :attr:`vowels`.
    speakers : array of str (S,)
        Talker id of each sample (``w01``): splits must keep a talker's samples together.
    vowels, formants : tuple of str
        Class names (vowel codes) and feature names.
    path : Path
        File the samples were read from.
    """

    __repr__ = short_repr

    x: F64
    y: npt.NDArray[np.int64]
    speakers: npt.NDArray[np.str_]
    vowels: tuple[str, ...]
    formants: tuple[str, ...]
    path: Path

    @property
    def labels(self) -> npt.NDArray[np.str_]:
        """Vowel code of each sample."""
        return np.asarray(self.vowels)[self.y]

    def __len__(self) -> int:
        return len(self.y)


def _repo_data_dirs() -> list[Path]:
    """The project's data folder ``hillenbrand1995`` (under ``shared`` / ``data``) beside the
    checkout, or beside the folder holding it (git worktrees kept in a subfolder)."""
    repo = Path(__file__).resolve().parents[2]
    return [up / "shared" / "data" / "hillenbrand1995" for up in (repo.parent, repo.parent.parent)]


def _in_dir(folder: Path) -> Path | None:
    for name in FILE_NAMES:
        if (folder / name).is_file():
            return folder / name
    return None


def _missing(where: str) -> DataError:
    return DataError(
        f"Hillenbrand et al. (1995) vowel data not found ({where}). xbar does not ship them: "
        f"download vowdata.dat from {SOURCE_URL} (or a CSV rendering with the header "
        f"'ID,{','.join(COLUMNS)}'), then pass its path (e.g. load_vowels('/data/vowdata.dat')) "
        f"or set the environment variable {ENV_VAR}=/path/to/vowdata.dat (a file or its folder)")


def find_data(path: str | os.PathLike[str] | None = None) -> Path:
    """Locate the Hillenbrand data file.

    Parameters
    ----------
    path : path-like, optional
        A ``vowdata.csv``/``vowdata.dat`` file or the folder holding it. Without it: the file or
        folder named by ``$XBAR_HILLENBRAND``, then the project's data folder beside the checkout
        (development checkouts), then the current directory and its ``hillenbrand1995/`` folder.

    Returns
    -------
    Path

    Raises
    ------
    DataError
        Nothing found; the message says where to get the data and how to point xbar at them.
    """
    if path is not None:
        p = Path(path).expanduser()
        found = _in_dir(p) if p.is_dir() else (p if p.is_file() else None)
        if found is None:
            raise _missing(f"no {' or '.join(FILE_NAMES)} at '{p}'")
        return found
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        p = Path(env).expanduser()
        found = _in_dir(p) if p.is_dir() else (p if p.is_file() else None)
        if found is None:
            raise _missing(f"{ENV_VAR}='{env}' names no {' or '.join(FILE_NAMES)}")
        return found
    local = [Path.cwd(), Path.cwd() / "hillenbrand1995"]
    for folder in [*_repo_data_dirs(), *local]:
        found = _in_dir(folder) if folder.is_dir() else None
        if found is not None:
            return found
    raise _missing(f"{ENV_VAR} is not set; searched {', '.join(str(s) for s in local)}")


def _parse_id(token: str, where: str) -> tuple[str, str, str]:
    m = _ID.match(token.strip().lower())
    if m is None:
        raise DataError(f"{where}: token id '{token}' is not <group m/w/b/g><2-digit talker><vowel>, "
                        "e.g. 'w01ae'")
    group, num, vowel = m.groups()
    vowel = "ei" if vowel == "ey" else vowel
    if vowel not in VOWEL_WORDS:
        raise DataError(f"{where}: unknown vowel code '{vowel}' in '{token}'; known: "
                        f"{', '.join(VOWEL_WORDS)}")
    return group, group + num, vowel


def _number(text: str, where: str, column: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise DataError(f"{where}: column {column} is '{text}', expected a number "
                        "(0 = not measured)") from None
    if not np.isfinite(v) or v < 0:
        raise DataError(f"{where}: column {column} is {text}, expected a finite value ≥ 0")
    return v


def read_table(path: str | os.PathLike[str] | None = None) -> HillenbrandTable:
    """Read every token of a Hillenbrand file (CSV or the authors' ``vowdata.dat``).

    Parameters
    ----------
    path : path-like, optional
        File or folder; located with :func:`find_data`.

    Returns
    -------
    HillenbrandTable

    Raises
    ------
    DataError
        Missing or unreadable file, missing columns, a malformed id or value (``file:line``),
        duplicate tokens, or no token at all.
    """
    p = find_data(path)
    try:
        text = p.read_text(encoding="utf-8", errors="strict")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"{p}: cannot read the Hillenbrand data ({exc})") from None
    lines = text.splitlines()
    first = next((ln for ln in lines if ln.strip()), "")
    rows: list[tuple[str, list[float], str]] = []
    if "," in first and "id" in [c.strip().lower() for c in first.split(",")]:
        reader = csv.reader(lines)
        header = [c.strip() for c in next(reader)]
        lower = [c.lower() for c in header]
        missing = [c for c in ("ID", *COLUMNS) if c.lower() not in lower]
        if missing:
            raise DataError(f"{p}:1: header lacks column(s) {', '.join(missing)}; expected "
                            f"'ID,{','.join(COLUMNS)}'")
        idx = [lower.index(c.lower()) for c in COLUMNS]
        i_id = lower.index("id")
        for lineno, rec in enumerate(reader, start=2):
            if not rec or all(not c.strip() for c in rec):
                continue
            where = f"{p}:{lineno}"
            if len(rec) != len(header):
                raise DataError(f"{where}: {len(rec)} fields, the header has {len(header)}")
            rows.append((rec[i_id].strip(), [_number(rec[k], where, c) for k, c in zip(idx, COLUMNS, strict=True)], where))
    else:
        for lineno, line in enumerate(lines, start=1):
            fields = line.split()
            if not fields or _ID.match(fields[0].lower()) is None:
                continue
            where = f"{p}:{lineno}"
            if len(fields) != 1 + len(COLUMNS):
                raise DataError(f"{where}: token '{fields[0]}' has {len(fields) - 1} values, expected "
                                f"{len(COLUMNS)} ({' '.join(COLUMNS)})")
            rows.append((fields[0], [_number(v, where, c) for v, c in zip(fields[1:], COLUMNS, strict=True)], where))
    if not rows:
        raise DataError(f"{p}: no vowel token found; expected CSV with header 'ID,{','.join(COLUMNS)}' "
                        "or the whitespace-separated vowdata.dat of Hillenbrand et al.")
    parsed = [_parse_id(token, where) for token, _, where in rows]
    ids = [g[1] + g[2] for g in parsed]
    seen: dict[str, str] = {}
    for token_id, (_, _, where) in zip(ids, rows, strict=True):
        if token_id in seen:
            raise DataError(f"{where}: token '{token_id}' repeats {seen[token_id]}")
        seen[token_id] = where
    values = np.array([v for _, v, _ in rows], dtype=np.float64)
    values[values == 0.0] = np.nan
    return HillenbrandTable(p, np.array(ids), np.array([g[0] for g in parsed]),
                            np.array([g[1] for g in parsed]), np.array([g[2] for g in parsed]), values)


def load_vowels(path: str | os.PathLike[str] | None = None, *,
                vowels: Sequence[str] = LOPEZ2024_VOWELS, group: str = "w",
                formants: Sequence[str] = FORMANTS) -> VowelSet:
    """Samples of a vowel task: every talker of ``group`` with all ``formants`` of all ``vowels``.

    Parameters
    ----------
    path : path-like, optional
        Data file or folder (see :func:`find_data`).
    vowels : sequence of str
        Vowel codes (classes), in class order; default the seven of Lopez et al. 2024.
    group : str
        Talker group: ``m`` men, ``w`` women (default, as the paper), ``b`` boys, ``g`` girls.
    formants : sequence of str
        Feature columns (default the 12 formants :data:`FORMANTS`); any of :data:`COLUMNS`.

    Returns
    -------
    VowelSet
        Samples ordered by talker, then vowel.

    Raises
    ------
    DataError
        Data not found or malformed, an unknown vowel, group or column, or no talker with a
        complete set.

    Examples
    --------
    >>> data = load_vowels()                      # doctest: +SKIP
    >>> data.x.shape, len(set(data.speakers))     # doctest: +SKIP
    ((259, 12), 37)
    """
    vowels = tuple(vowels)
    formants = tuple(formants)
    bad = [v for v in vowels if v not in VOWEL_WORDS]
    if bad or len(set(vowels)) != len(vowels) or len(vowels) < 2:
        raise DataError(f"vowels must be ≥ 2 distinct codes of {', '.join(VOWEL_WORDS)}; got {vowels}")
    if group not in GROUPS:
        raise DataError(f"unknown talker group '{group}'; known: "
                        + ", ".join(f"{k} ({v})" for k, v in GROUPS.items()))
    bad = [f for f in formants if f not in COLUMNS]
    if bad or not formants:
        raise DataError(f"unknown column(s) {bad or '(none given)'}; known: {', '.join(COLUMNS)}")
    table = read_table(path)
    cols = [COLUMNS.index(f) for f in formants]
    complete: dict[tuple[str, str], F64] = {}
    for k in np.flatnonzero(table.group == group):
        v = table.vowel[k]
        row = table.values[k, cols]
        if v in vowels and np.all(np.isfinite(row)):
            complete[(str(table.talker[k]), str(v))] = row
    speakers = sorted({s for s, _ in complete if all((s, v) in complete for v in vowels)})
    if not speakers:
        raise DataError(f"{table.path}: no talker of group '{group}' has all of "
                        f"{', '.join(formants)} for every vowel of {', '.join(vowels)}")
    x = np.array([complete[(s, v)] for s in speakers for v in vowels])
    y = np.array([j for _ in speakers for j in range(len(vowels))], dtype=np.int64)
    spk = np.array([s for s in speakers for _ in vowels])
    return VowelSet(x, y, spk, vowels, formants, table.path)


def speaker_split(speakers: Sequence[str] | npt.NDArray[np.str_], test_fraction: float = 0.2, *,
                  seed: int | np.random.Generator = 0) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Random train/test split that keeps each talker's samples on one side.

    ``ceil(test_fraction · talkers)`` talkers go to the test side (8 of 37 for 0.2: 203/56
    samples, the counts behind the paper's 96.6 % = 196/203 and 96.4 % = 54/56).

    Returns
    -------
    train, test : boolean arrays (S,)
    """
    if not 0.0 < test_fraction < 1.0:
        raise DataError(f"test_fraction must be in (0, 1), got {test_fraction}")
    spk = np.asarray(speakers)
    unique = np.unique(spk)
    n_test = int(np.ceil(test_fraction * len(unique) - 1e-9))
    if n_test >= len(unique) or len(unique) < 2:
        raise DataError(f"cannot split {len(unique)} talker(s) with test_fraction {test_fraction}")
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    test = np.isin(spk, rng.choice(unique, size=n_test, replace=False))
    return ~test, test
