"""Registry of named study experiments.

An experiment is a Python function that computes one point of a study::

    @experiment("crossbar-ir-drop", description="column-current error of a crossbar")
    def crossbar_ir_drop(*, rows: int = 64, r_wire: float = 1.0, seed: int = 0) -> dict:
        ...
        return {"max_rel_error": err, "i_col": i_col}      # scalars and 1-D vectors

* its keyword arguments are the study's fixed ``run.params`` and axis values (only the ones
  its signature accepts; an unknown name is an error when the study is checked);
* ``seed`` (if accepted) receives the point's seed (:func:`xbar.study.spec.derive_seed`);
* it returns a mapping of outputs: numbers, strings, booleans or 1-D arrays;
* ``setup`` (optional) runs **once**, on the client, with the fixed parameters it accepts; its
  result (weights, a data set, a parsed deck) is scattered to the workers once and passed to
  every point as ``inputs=``;
* ``check`` (optional) ``check(names, inputs)`` validates the names of the study's parameters
  and axes against the setup's result (e.g. the ``.param`` names of a deck) and raises
  :class:`~xbar.errors.StudyError`;
* ``accepts`` (optional) are extra parameter names, for functions taking ``**kwargs``.

Experiments are found by name in this registry. The built-ins live in
:mod:`xbar.study.deck` and :mod:`xbar.study.experiments`; other packages register theirs from their own modules, which the
registry imports on the first lookup of a name it does not know:

* :mod:`xbar.nn.study_experiments` (the neural-network layer), if it exists;
* every entry point of the group ``xbar.study_experiments`` (third-party packages).

A study may also name user code directly: ``"package.module:function"`` (importable on every
worker) or ``"path/to/file.py:function"`` (loaded from the file on the client and shipped to
the workers by value, so remote workers need not have the file). The function may be
decorated with :func:`experiment` (to give it a setup) or be a plain function.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xbar.errors import StudyError

__all__ = ["Experiment", "experiment", "get_experiment", "list_experiments"]

_REGISTRY: dict[str, Experiment] = {}
_BUILTIN_MODULES = ("xbar.study.deck", "xbar.study.experiments")
_PLUGIN_MODULES = ("xbar.nn.study_experiments",)
_ENTRY_POINT_GROUP = "xbar.study_experiments"
_loaded_plugins = False
_USER_PREFIX = "xbar_study_user_"


@dataclass(frozen=True)
class Experiment:
    """A named experiment: the per-point function and its optional setup and check."""

    name: str
    function: Callable[..., Mapping[str, Any]]
    setup: Callable[..., Any] | None = None
    check: Callable[[set[str], Any], None] | None = None
    accepts: tuple[str, ...] = ()
    description: str = ""
    paths: tuple[str, ...] = field(default=())

    # signatures -----------------------------------------------------------------------------
    @staticmethod
    def _names(fn: Callable[..., Any] | None) -> tuple[set[str], bool]:
        if fn is None:
            return set(), False
        sig = inspect.signature(fn)
        names = {p.name for p in sig.parameters.values()
                 if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        var_kw = any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values())
        return names, var_kw

    def point_parameters(self) -> tuple[set[str], bool]:
        """Names the point function accepts (without ``seed``/``inputs``), and whether it takes **kwargs."""
        names, var_kw = self._names(self.function)
        return (names | set(self.accepts)) - {"seed", "inputs"}, var_kw

    def setup_parameters(self) -> set[str]:
        """Names the setup accepts (empty without a setup)."""
        return self._names(self.setup)[0]

    def takes_seed(self) -> bool:
        """Whether the point function accepts ``seed``."""
        return "seed" in self._names(self.function)[0]

    def defaults(self) -> dict[str, Any]:
        """Default values of the point function's and the setup's keyword parameters."""
        out: dict[str, Any] = {}
        for fn in (self.setup, self.function):
            if fn is None:
                continue
            for p in inspect.signature(fn).parameters.values():
                if p.default is not p.empty and p.name not in ("seed", "inputs"):
                    out[p.name] = p.default
        return out

    def split(self, params: Mapping[str, Any], axes: Iterable[str], source: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """Check the study's names against the signatures; return (setup args, fixed point args).

        Raises
        ------
        StudyError
            A name neither the function nor the setup accepts, an axis that only the setup
            accepts (the setup runs once), or a required parameter nobody gives.
        """
        point_names, var_kw = self.point_parameters()
        setup_names = self.setup_parameters()
        accepted = sorted((point_names | setup_names) - {"seed", "inputs"})
        for name in params:
            if name not in point_names and name not in setup_names and not var_kw:
                raise StudyError(f"{source}: key 'run.params.{name}': experiment '{self.name}' has no "
                                 f"parameter '{name}'; its parameters: {', '.join(accepted) or 'none'}")
        for name in axes:
            if name in point_names or var_kw:
                continue
            if name in setup_names:
                raise StudyError(f"{source}: key 'axes.{name}': '{name}' is a setup parameter of "
                                 f"experiment '{self.name}' (the setup runs once per study); it can be "
                                 "fixed in 'run.params' but not varied")
            raise StudyError(f"{source}: key 'axes.{name}': experiment '{self.name}' has no parameter "
                             f"'{name}'; its parameters: {', '.join(accepted) or 'none'}")
        given = set(params) | set(axes)
        for fn, which in ((self.setup, "setup"), (self.function, "function")):
            if fn is None:
                continue
            for p in inspect.signature(fn).parameters.values():
                if (p.default is p.empty and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
                        and p.name not in ("seed", "inputs") and p.name not in given):
                    raise StudyError(f"{source}: experiment '{self.name}' needs '{p.name}' (its {which} "
                                     "has no default): give it in 'run.params' or as an axis")
        setup_args = {k: v for k, v in params.items() if k in setup_names}
        point_args = {k: v for k, v in params.items() if k in point_names or (var_kw and k not in setup_names)}
        return setup_args, point_args


def experiment(name: str | None = None, *, setup: Callable[..., Any] | None = None,
               check: Callable[[set[str], Any], None] | None = None, accepts: Iterable[str] = (),
               description: str | None = None, paths: Iterable[str] = ()) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering a function as a study experiment (see the module docstring).

    Parameters
    ----------
    name : str, optional
        Registry name (default: the function name with ``_`` replaced by ``-``).
    setup : callable, optional
        Runs once per study on the client; its result is scattered and passed as ``inputs=``.
    check : callable, optional
        ``check(names, inputs)`` validating parameter/axis names after the setup.
    accepts : iterable of str
        Extra accepted names (for ``**kwargs`` functions).
    description : str, optional
        One line for ``xbar study list`` (default: the docstring's first line).
    paths : iterable of str
        Parameters holding file paths, resolved against the study file's folder.

    Returns
    -------
    callable
        The function itself (unchanged, so it pickles by reference), with the
        :class:`Experiment` attached as ``__xbar_experiment__``.
    """

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        reg_name = name or fn.__name__.replace("_", "-")
        doc = (inspect.getdoc(fn) or "").strip().splitlines()
        exp = Experiment(reg_name, fn, setup, check, tuple(accepts),
                         description if description is not None else (doc[0] if doc else ""),
                         tuple(paths))
        previous = _REGISTRY.get(reg_name)
        if (previous is not None and _qualname(previous.function) != _qualname(fn)
                and not _replaceable(previous.function) and not _replaceable(fn)):
            raise StudyError(f"experiment '{reg_name}' is registered twice "
                             f"({_qualname(previous.function)} and {_qualname(fn)})")
        _REGISTRY[reg_name] = exp
        fn.__xbar_experiment__ = exp  # type: ignore[attr-defined]
        return fn

    return wrap


def _replaceable(fn: Callable[..., Any]) -> bool:
    """Experiments of scripts and study-loaded files may be redefined (last one wins)."""
    module = getattr(fn, "__module__", "") or ""
    return module == "__main__" or module.startswith(_USER_PREFIX)


def _qualname(fn: Callable[..., Any]) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', '?')}"


def _load_builtins() -> None:
    for mod in _BUILTIN_MODULES:
        importlib.import_module(mod)


def _load_plugins() -> None:
    """Import the modules that register experiments of other packages (once)."""
    global _loaded_plugins
    if _loaded_plugins:
        return
    _loaded_plugins = True
    for mod in _PLUGIN_MODULES:
        try:
            found = importlib.util.find_spec(mod)
        except ModuleNotFoundError:
            found = None
        if found is not None:
            importlib.import_module(mod)
    from importlib.metadata import entry_points

    for ep in entry_points(group=_ENTRY_POINT_GROUP):
        ep.load()


def list_experiments() -> list[Experiment]:
    """Every registered experiment (built-ins and plug-ins), sorted by name."""
    _load_builtins()
    _load_plugins()
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def get_experiment(ref: str, *, base_dir: str | Path = ".", source: str = "<study>") -> Experiment:
    """Find an experiment by registry name, ``"module:function"`` or ``"file.py:function"``.

    Raises
    ------
    StudyError
        Unknown name (the message lists the registered ones), module or file not found,
        function missing or not callable.
    """
    _load_builtins()
    if ref in _REGISTRY:
        return _REGISTRY[ref]
    if ":" in ref:
        return _from_reference(ref, Path(base_dir), source)
    _load_plugins()
    if ref in _REGISTRY:
        return _REGISTRY[ref]
    known = ", ".join(sorted(_REGISTRY))
    raise StudyError(f"{source}: key 'run.experiment': no experiment named '{ref}'; registered: {known} "
                     "(or give 'package.module:function' or 'file.py:function')")


def _from_reference(ref: str, base_dir: Path, source: str) -> Experiment:
    target, _, func_name = ref.rpartition(":")
    if not target or not func_name.isidentifier():
        raise StudyError(f"{source}: key 'run.experiment': expected 'package.module:function' or "
                         f"'file.py:function', got '{ref}'")
    if target.endswith(".py"):
        path = Path(target)
        if not path.is_absolute():
            path = base_dir / path
        if not path.is_file():
            raise StudyError(f"{source}: key 'run.experiment': file '{target}' not found (looked for {path})")
        module = _load_file(path, source)
    else:
        try:
            module = importlib.import_module(target)
        except ImportError as exc:
            raise StudyError(f"{source}: key 'run.experiment': cannot import module '{target}' ({exc})") from None
    fn = getattr(module, func_name, None)
    if fn is None or not callable(fn):
        raise StudyError(f"{source}: key 'run.experiment': '{target}' has no function '{func_name}'")
    exp = getattr(fn, "__xbar_experiment__", None)
    if isinstance(exp, Experiment):
        return exp
    doc = (inspect.getdoc(fn) or "").strip().splitlines()
    return Experiment(ref, fn, description=doc[0] if doc else "")


def _load_file(path: Path, source: str) -> Any:
    """Import a user's experiment file under a private module name; ship it by value."""
    resolved = path.resolve()
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:12]
    mod_name = f"{_USER_PREFIX}{resolved.stem}_{digest}"
    if mod_name in sys.modules:
        return sys.modules[mod_name]
    spec = importlib.util.spec_from_file_location(mod_name, resolved)
    if spec is None or spec.loader is None:
        raise StudyError(f"{source}: key 'run.experiment': cannot load '{path}' as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[mod_name]
        raise StudyError(f"{source}: key 'run.experiment': importing '{path}' failed: "
                         f"{type(exc).__name__}: {exc}") from None
    try:  # workers may not have the file: pickle its functions by value
        import cloudpickle

        cloudpickle.register_pickle_by_value(module)
    except ImportError:  # serial runs need no pickling
        pass
    return module
