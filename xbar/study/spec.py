"""Study descriptions: what to run, the axes to vary, the outputs to keep.

A study is read from a TOML file (Python's ``tomllib``), a YAML file (where PyYAML is
installed) or built from a dict of the same shape with :meth:`Study.from_dict`::

    [study]
    name = "divider"            # optional; default: the file name
    seed = 1234                 # study seed; every point's seed derives from it and the point
    results = "divider.csv"     # optional; default: <file stem>.csv beside the study file
    combine = "product"         # "product" (grid of all axes) or "zip" (axes side by side)
    repeats = 1                 # Monte Carlo trials per point: adds the axis "trial" = 0..n-1
    seed_axes = ["trial"]       # optional: the axes a point's seed depends on (default: all)

    [run]
    deck = "divider.cir"        # a deck ...
    # experiment = "crossbar-ir-drop"   # ... or a registered / "module:function" experiment
    outputs = ["v(out)", "max(i(vamm))"]   # or a table {column = "spec"}; default: everything
    [run.params]                # fixed values: experiment arguments, or deck .params and
    rload = 2e3                 # model parameters ("model.param")

    [axes]
    r1 = [1e3, 2e3, 5e3]                                  # grid values
    "mtj1.tmr0" = { start = 0.6, stop = 2.6, num = 11 }  # range (num or step; scale = "log")
    sigma = { random = "uniform", low = 0.0, high = 0.1, draws = 8 }   # random draws

Every mistake is reported as a :class:`~xbar.errors.StudyError` naming the file, the key
(``axes.r1.num``) and what was expected.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np

from xbar.errors import StudyError

__all__ = ["Axis", "Point", "Study", "derive_seed", "format_value", "load_study"]

_TOP_KEYS = ("study", "run", "axes")
_STUDY_KEYS = ("name", "description", "seed", "results", "combine", "repeats", "seed_axes")
_RUN_KEYS = ("experiment", "deck", "params", "outputs")
_RANDOM_KINDS = {
    "uniform": ("low", "high"),
    "normal": ("mean", "std"),
    "lognormal": ("median", "sigma"),
    "integers": ("low", "high"),
}
_MAX_POINTS = 10_000_000
TRIAL_AXIS = "trial"
# column names the results table uses for itself
RESERVED_COLUMNS = ("point", "seed", "status", "error")


def format_value(value: Any) -> str:
    """Text of a value as it appears in the results table (exact for floats).

    Floats use Python's shortest round-trip ``repr``, so reading the text back gives the same
    double; integers and strings are written as they are; booleans as ``true``/``false``.
    """
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        return repr(float(value))
    return str(value)


def derive_seed(study_seed: int, values: Mapping[str, Any]) -> int:
    """Seed of one point: a hash of the study seed and the point's axis values.

    Independent of the point's position in the study, of the number of workers and of the
    order in which points finish; adding values to an axis keeps the seeds of existing points.
    Returns an integer in ``[0, 2**63)``, suitable for ``numpy.random.default_rng``.
    """
    text = json.dumps([int(study_seed), sorted((k, format_value(v)) for k, v in values.items())])
    digest = hashlib.sha256(text.encode()).digest()
    return int.from_bytes(digest[:8], "little") & ((1 << 63) - 1)


@dataclass(frozen=True)
class Axis:
    """One axis of a study: a name and its values, in order.

    ``spec`` is the description as written (list of values, range or random draws).
    """

    name: str
    values: tuple[Any, ...]
    spec: Any = None

    def __len__(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class Point:
    """One point of a study: its position, axis values, stable key and seed."""

    index: int
    values: dict[str, Any]
    key: tuple[str, ...]
    seed: int


@dataclass
class Study:
    """A validated study description (build it with :meth:`from_dict` or :func:`load_study`).

    Attributes
    ----------
    name : str
        Name shown in progress bars and plots.
    experiment : str
        ``"deck"``, a registered experiment name, ``"package.module:function"`` or
        ``"path/to/file.py:function"``.
    params : dict
        Fixed arguments of the experiment (for a deck: ``.param`` names and ``model.param``
        overrides, and ``deck``, the absolute path of the deck).
    axes : tuple of Axis
        The varied arguments, in order (the first axis varies slowest).
    outputs : dict or None
        Result columns: column name -> output spec (``name``, ``max(name)``, ``name[3]`` ...);
        None keeps every output the experiment returns.
    seed : int
        Study seed.
    combine : str
        ``"product"`` or ``"zip"``.
    repeats : int
        Trials per point (``trial`` axis added when > 1).
    seed_axes : tuple of str or None
        Axes the point seeds depend on (None: all axes).
    results : Path
        Results table (CSV); Parquet is written beside it where pyarrow is installed.
    source : str
        File the study came from (for messages), or ``"<dict>"``.
    base_dir : Path
        Folder relative paths are resolved against.
    """

    name: str
    experiment: str
    params: dict[str, Any]
    axes: tuple[Axis, ...]
    outputs: dict[str, str] | None = None
    seed: int = 0
    combine: str = "product"
    repeats: int = 1
    seed_axes: tuple[str, ...] | None = None
    results: Path = field(default_factory=lambda: Path("study.csv"))
    source: str = "<dict>"
    base_dir: Path = field(default_factory=Path.cwd)
    description: str = ""

    # construction ------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "<dict>",
                  base_dir: str | Path | None = None) -> Study:
        """Validate a study given as a dict shaped like the TOML file.

        Parameters
        ----------
        data : mapping
            ``{"study": {...}, "run": {...}, "axes": {...}}`` (``study`` optional).
        source : str
            Name used in error messages (the file name when read from a file).
        base_dir : path, optional
            Folder for relative paths (deck, results); default: the current directory.

        Raises
        ------
        StudyError
            Naming ``source``, the key and what was expected.
        """
        return _parse(data, source, Path(base_dir) if base_dir is not None else Path.cwd())

    # derived -------------------------------------------------------------------------------
    @property
    def all_axes(self) -> tuple[Axis, ...]:
        """The axes including ``trial`` when ``repeats > 1``."""
        if self.repeats > 1:
            return (*self.axes, Axis(TRIAL_AXIS, tuple(range(self.repeats)), {"repeats": self.repeats}))
        return self.axes

    @property
    def axis_names(self) -> list[str]:
        """Names of :attr:`all_axes` (the axis columns of the results table)."""
        return [a.name for a in self.all_axes]

    def __len__(self) -> int:
        axes = self.all_axes
        if not axes:
            return 1
        if self.combine == "zip":
            n = len(self.axes[0]) if self.axes else 1
            return n * (self.repeats if self.repeats > 1 else 1)
        return math.prod(len(a) for a in axes)

    def points(self) -> list[Point]:
        """Every point of the study in order, with its key and seed."""
        axes = self.all_axes
        names = [a.name for a in axes]
        if self.combine == "zip" and self.axes:
            base = list(zip(*(a.values for a in self.axes), strict=True))
            combos: list[tuple[Any, ...]] = (
                [(*b, t) for b in base for t in range(self.repeats)] if self.repeats > 1 else base)
        else:
            combos = list(product(*(a.values for a in axes)))
        seed_axes = set(self.seed_axes) if self.seed_axes is not None else set(names)
        out = []
        for i, combo in enumerate(combos):
            values = dict(zip(names, combo, strict=True))
            key = tuple(format_value(v) for v in combo)
            seed = derive_seed(self.seed, {k: v for k, v in values.items() if k in seed_axes})
            out.append(Point(i, values, key, seed))
        return out

    def fingerprint(self, extra: str = "") -> str:
        """Hash of everything that decides a point's result except the axis values.

        Two runs with the same fingerprint can share a results table (extending an axis keeps
        it); ``extra`` adds e.g. a hash of the deck text.
        """
        text = json.dumps({
            "experiment": self.experiment,
            "params": sorted((k, format_value(v)) for k, v in self.params.items()),
            "outputs": sorted(self.outputs.items()) if self.outputs is not None else None,
            "axes": self.axis_names,
            "seed": self.seed,
            "seed_axes": sorted(self.seed_axes) if self.seed_axes is not None else None,
            "extra": extra,
        })
        return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_study(path: str | Path) -> Study:
    """Read a study file (``.toml``; ``.yaml``/``.yml`` where PyYAML is installed).

    Relative paths inside (deck, results) are resolved against the file's folder.

    Raises
    ------
    StudyError
        Missing or unreadable file, invalid TOML/YAML, or a bad key (named with the file).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "s.toml").write_text('[run]\\nexperiment = "crossbar-ir-drop"\\n'
    ...                               '[axes]\\nrows = [4, 8]\\nr_wire = {start = 1, stop = 3, num = 3}\\n')
    >>> s = load_study(d / "s.toml")
    >>> len(s), s.axis_names, s.axes[1].values
    (6, ['rows', 'r_wire'], (1.0, 2.0, 3.0))
    """
    p = Path(path)
    source = str(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StudyError(f"{source}: study file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StudyError(f"{source}: cannot read the study file ({exc})") from None
    suffix = p.suffix.lower()
    if suffix in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise StudyError(f"{source}: YAML study files need PyYAML (pip install pyyaml); "
                             "or write the study as TOML") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise StudyError(f"{source}: not valid YAML: {exc}") from None
    elif suffix == ".toml":
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise StudyError(f"{source}: not valid TOML: {exc}") from None
    else:
        raise StudyError(f"{source}: expected a study file ending in .toml, .yaml or .yml")
    if not isinstance(data, Mapping):
        raise StudyError(f"{source}: expected a table with [run] and [axes], got {type(data).__name__}")
    study = _parse(data, source, p.resolve().parent)
    if "name" not in (data.get("study") or {}):
        study.name = p.stem
    if "results" not in (data.get("study") or {}):
        study.results = p.resolve().with_suffix(".csv")
    return study


# parsing -----------------------------------------------------------------------------------
def _fail(source: str, key: str, expected: str, got: Any = None, *, show_got: bool = True) -> StudyError:
    tail = f", got {got!r}" if show_got else ""
    return StudyError(f"{source}: key '{key}': expected {expected}{tail}")


def _check_keys(table: Mapping[str, Any], allowed: Sequence[str], source: str, where: str) -> None:
    for k in table:
        if k not in allowed:
            key = f"{where}.{k}" if where else str(k)
            raise StudyError(f"{source}: unknown key '{key}'; expected one of: {', '.join(allowed)}")


def _table(data: Mapping[str, Any], key: str, source: str, *, required: bool = False) -> Mapping[str, Any]:
    value = data.get(key)
    if value is None:
        if required:
            raise StudyError(f"{source}: missing table '[{key}]'")
        return {}
    if not isinstance(value, Mapping):
        raise _fail(source, key, "a table", value)
    return value


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _number(v: Any, source: str, key: str) -> float:
    if not _is_number(v) or not math.isfinite(float(v)):
        raise _fail(source, key, "a finite number", v)
    return v


def _scalar_ok(v: Any) -> bool:
    return isinstance(v, bool | int | float | str) and not (isinstance(v, float) and math.isnan(v))


def _parse(data: Mapping[str, Any], source: str, base_dir: Path) -> Study:
    if not isinstance(data, Mapping):
        raise StudyError(f"{source}: expected a mapping with 'run' and 'axes', got {type(data).__name__}")
    _check_keys(data, _TOP_KEYS, source, "")
    head = _table(data, "study", source)
    _check_keys(head, _STUDY_KEYS, source, "study")
    run = _table(data, "run", source, required=True)
    _check_keys(run, _RUN_KEYS, source, "run")
    axes_table = _table(data, "axes", source)

    name = head.get("name", "study")
    if not isinstance(name, str) or not name.strip():
        raise _fail(source, "study.name", "a non-empty string", name)
    description = head.get("description", "")
    if not isinstance(description, str):
        raise _fail(source, "study.description", "a string", description)
    seed = head.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise _fail(source, "study.seed", "a non-negative integer", seed)
    combine = head.get("combine", "product")
    if combine not in ("product", "zip"):
        raise _fail(source, "study.combine", "'product' or 'zip'", combine)
    repeats = head.get("repeats", 1)
    if not isinstance(repeats, int) or isinstance(repeats, bool) or repeats < 1:
        raise _fail(source, "study.repeats", "a positive integer", repeats)
    results_raw = head.get("results", "study.csv")
    if not isinstance(results_raw, str) or not results_raw.strip():
        raise _fail(source, "study.results", "a file name such as 'results.csv'", results_raw)
    results = Path(results_raw)
    if not results.is_absolute():
        results = base_dir / results
    if results.suffix.lower() != ".csv":
        raise _fail(source, "study.results", "a file name ending in .csv (Parquet is written beside it)",
                    results_raw)

    # what to run
    has_deck, has_exp = "deck" in run, "experiment" in run
    if has_deck == has_exp:
        raise StudyError(f"{source}: table '[run]' needs exactly one of 'deck' (a netlist file) or "
                         "'experiment' (a registered name or 'module:function')")
    params_table = run.get("params", {})
    if not isinstance(params_table, Mapping):
        raise _fail(source, "run.params", "a table of fixed values", params_table)
    params: dict[str, Any] = {}
    for k, v in params_table.items():
        if not _scalar_ok(v) and not (isinstance(v, list) and all(_scalar_ok(x) for x in v)):
            raise _fail(source, f"run.params.{k}", "a number, string, boolean or a list of them", v)
        params[str(k)] = v
    if has_deck:
        deck = run["deck"]
        if not isinstance(deck, str) or not deck.strip():
            raise _fail(source, "run.deck", "the path of a netlist file", deck)
        deck_path = Path(deck)
        if not deck_path.is_absolute():
            deck_path = base_dir / deck_path
        if not deck_path.is_file():
            raise StudyError(f"{source}: key 'run.deck': netlist file '{deck}' not found "
                             f"(looked for {deck_path})")
        if "deck" in params:
            raise StudyError(f"{source}: key 'run.params.deck': the deck is given by 'run.deck'")
        experiment = "deck"
        params["deck"] = str(deck_path.resolve())
    else:
        experiment = run["experiment"]
        if not isinstance(experiment, str) or not experiment.strip():
            raise _fail(source, "run.experiment",
                        "an experiment name, 'package.module:function' or 'file.py:function'", experiment)
    outputs = _outputs(run.get("outputs"), source)

    axes: list[Axis] = []
    for axis_name, spec in axes_table.items():
        axis_name = str(axis_name)
        if axis_name in RESERVED_COLUMNS or axis_name == TRIAL_AXIS:
            raise StudyError(f"{source}: key 'axes.{axis_name}': '{axis_name}' is reserved for the "
                             f"results table; rename the axis")
        if axis_name in params:
            raise StudyError(f"{source}: key 'axes.{axis_name}': '{axis_name}' is also fixed in "
                             "'run.params'; keep one of them")
        axes.append(Axis(axis_name, _axis_values(axis_name, spec, seed, source), spec))
    if combine == "zip" and axes:
        lengths = {a.name: len(a) for a in axes}
        if len(set(lengths.values())) > 1:
            listing = ", ".join(f"{k}: {n}" for k, n in lengths.items())
            raise StudyError(f"{source}: key 'study.combine': 'zip' needs axes of equal length; "
                             f"got {listing}")
    seed_axes = head.get("seed_axes")
    if seed_axes is not None:
        known = [a.name for a in axes] + ([TRIAL_AXIS] if repeats > 1 else [])
        if not isinstance(seed_axes, list) or not all(isinstance(x, str) for x in seed_axes):
            raise _fail(source, "study.seed_axes", "a list of axis names", seed_axes)
        for x in seed_axes:
            if x not in known:
                raise _fail(source, "study.seed_axes", f"names of axes ({', '.join(known) or 'none'})", x)
        seed_axes = tuple(seed_axes)
    study = Study(name=name, experiment=experiment, params=params, axes=tuple(axes), outputs=outputs,
                  seed=seed, combine=combine, repeats=repeats, seed_axes=seed_axes, results=results,
                  source=source, base_dir=base_dir, description=description)
    if len(study) > _MAX_POINTS:
        raise StudyError(f"{source}: the study has {len(study):,} points; at most {_MAX_POINTS:,} "
                         "are supported (split it or use fewer axis values)")
    if outputs is not None:
        clash = set(outputs) & (set(study.axis_names) | set(RESERVED_COLUMNS))
        if clash:
            raise StudyError(f"{source}: key 'run.outputs': column '{sorted(clash)[0]}' is also an axis "
                             "or a reserved column (point, seed, status, error); rename the output")
    return study


def _outputs(raw: Any, source: str) -> dict[str, str] | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = [raw]
    if isinstance(raw, list):
        if not raw or not all(isinstance(x, str) and x.strip() for x in raw):
            raise _fail(source, "run.outputs", "a non-empty list of output names (strings)", raw)
        out = {x.strip(): x.strip() for x in raw}
        if len(out) != len(raw):
            raise _fail(source, "run.outputs", "distinct output names", raw)
        return out
    if isinstance(raw, Mapping):
        if not raw:
            raise _fail(source, "run.outputs", "at least one output", raw)
        out = {}
        for k, v in raw.items():
            if not isinstance(v, str) or not v.strip():
                raise _fail(source, f"run.outputs.{k}", "an output spec such as 'v(out)' or 'max(i_col)'", v)
            out[str(k)] = v.strip()
        return out
    raise _fail(source, "run.outputs", "a list of output names or a table {column = \"spec\"}", raw)


def _round12(v: float) -> float:
    """Round to 12 significant digits (range arithmetic noise: 0.1*3 -> 0.3)."""
    return float(f"{v:.12g}")


def _axis_values(name: str, spec: Any, study_seed: int, source: str) -> tuple[Any, ...]:
    key = f"axes.{name}"
    if isinstance(spec, list):
        spec = {"values": spec}
    if not isinstance(spec, Mapping):
        raise _fail(source, key, "a list of values, {start, stop, num|step}, or {random = ..., draws = n}", spec)
    if "values" in spec:
        _check_keys(spec, ("values",), source, key)
        values = spec["values"]
        if not isinstance(values, list) or not values:
            raise _fail(source, f"{key}.values", "a non-empty list", values)
        for v in values:
            if not _scalar_ok(v):
                raise _fail(source, f"{key}.values", "numbers, strings or booleans", v)
        texts = [format_value(v) for v in values]
        if len(set(texts)) != len(texts):
            dup = next(t for t in texts if texts.count(t) > 1)
            raise _fail(source, f"{key}.values", "distinct values", dup)
        return tuple(values)
    if "random" in spec:
        return _random_values(name, spec, study_seed, source)
    if "start" in spec or "stop" in spec:
        _check_keys(spec, ("start", "stop", "num", "step", "scale"), source, key)
        for k in ("start", "stop"):
            if k not in spec:
                raise StudyError(f"{source}: key '{key}': a range needs 'start' and 'stop' "
                                 "(and 'num' or 'step')")
        start = _number(spec["start"], source, f"{key}.start")
        stop = _number(spec["stop"], source, f"{key}.stop")
        scale = spec.get("scale", "linear")
        if scale not in ("linear", "log"):
            raise _fail(source, f"{key}.scale", "'linear' or 'log'", scale)
        if ("num" in spec) == ("step" in spec):
            raise StudyError(f"{source}: key '{key}': a range needs exactly one of 'num' (number of "
                             "values, stop included) or 'step'")
        if "num" in spec:
            num = spec["num"]
            if not isinstance(num, int) or isinstance(num, bool) or num < 1:
                raise _fail(source, f"{key}.num", "a positive integer", num)
            if scale == "log":
                if start <= 0 or stop <= 0:
                    raise _fail(source, f"{key}.start" if start <= 0 else f"{key}.stop",
                                "a positive number (scale = 'log')", start if start <= 0 else stop)
                raw = np.logspace(math.log10(start), math.log10(stop), num)
            else:
                raw = np.linspace(start, stop, num)
            values = tuple(_round12(float(v)) for v in raw)
        else:
            if scale != "linear":
                raise StudyError(f"{source}: key '{key}.scale': 'log' needs 'num', not 'step'")
            step = _number(spec["step"], source, f"{key}.step")
            if step == 0 or (stop - start) * step < 0:
                raise _fail(source, f"{key}.step", f"a nonzero step going from {start} towards {stop}", step)
            n = math.floor((stop - start) / step * (1 + 1e-12) + 1e-9) + 1
            if n > _MAX_POINTS:
                raise _fail(source, f"{key}.step", f"at most {_MAX_POINTS:,} values", step)
            if all(isinstance(spec[k], int) for k in ("start", "stop", "step")):
                values = tuple(int(start + k * step) for k in range(n))
            else:
                values = tuple(_round12(start + k * step) for k in range(n))
        if len(set(values)) != len(values):
            raise StudyError(f"{source}: key '{key}': the range repeats values after rounding to "
                             "12 digits; use fewer values")
        return values
    raise StudyError(f"{source}: key '{key}': expected a list of values, 'values', a range "
                     "('start', 'stop' and 'num' or 'step') or random draws ('random', 'draws')")


def _random_values(name: str, spec: Mapping[str, Any], study_seed: int, source: str) -> tuple[Any, ...]:
    key = f"axes.{name}"
    kind = spec["random"]
    if kind not in _RANDOM_KINDS:
        raise _fail(source, f"{key}.random", f"one of {', '.join(_RANDOM_KINDS)}", kind)
    a_name, b_name = _RANDOM_KINDS[kind]
    _check_keys(spec, ("random", "draws", "seed", a_name, b_name), source, key)
    for k in (a_name, b_name, "draws"):
        if k not in spec:
            raise StudyError(f"{source}: key '{key}': random = '{kind}' needs '{a_name}', '{b_name}' "
                             "and 'draws'")
    draws = spec["draws"]
    if not isinstance(draws, int) or isinstance(draws, bool) or draws < 1:
        raise _fail(source, f"{key}.draws", "a positive integer", draws)
    a = _number(spec[a_name], source, f"{key}.{a_name}")
    b = _number(spec[b_name], source, f"{key}.{b_name}")
    seed = spec.get("seed")
    if seed is None:
        seed = derive_seed(study_seed, {"axis": name})
    elif not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise _fail(source, f"{key}.seed", "a non-negative integer", seed)
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        if not a < b:
            raise _fail(source, f"{key}.high", f"a number above low = {a}", b)
        raw = rng.uniform(a, b, draws)
    elif kind == "normal":
        if b < 0:
            raise _fail(source, f"{key}.std", "a number ≥ 0", b)
        raw = rng.normal(a, b, draws)
    elif kind == "lognormal":
        if a <= 0:
            raise _fail(source, f"{key}.median", "a positive number", a)
        if b < 0:
            raise _fail(source, f"{key}.sigma", "a number ≥ 0 (standard deviation of ln x)", b)
        raw = a * np.exp(rng.normal(0.0, b, draws))
    else:
        if not (isinstance(spec[a_name], int) and isinstance(spec[b_name], int)) or b < a:
            raise StudyError(f"{source}: key '{key}': random = 'integers' needs integers low ≤ high")
        if draws > b - a + 1:
            raise _fail(source, f"{key}.draws", f"at most high - low + 1 = {b - a + 1} distinct integers",
                        draws)
        return tuple(int(v) for v in rng.choice(np.arange(a, b + 1), size=draws, replace=False))
    values = tuple(float(v) for v in raw)
    if len(set(values)) != len(values):
        raise StudyError(f"{source}: key '{key}': random draws repeat a value (std or sigma = 0?); "
                         "use 'values' for a constant")
    return values
