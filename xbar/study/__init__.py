"""Studies: sweeps and Monte Carlo ensembles run on Dask, from one laptop to a cluster.

A study is a TOML (or YAML) file, or the same dict from Python, saying what to run (a deck
with ``.param`` values and model parameters to vary, or a registered Python experiment), the
axes (grid values, ranges, random draws with a seed) and the outputs to keep. Running it
writes a results table (CSV, and Parquet where pyarrow is installed) with one row per point
and the axis values as columns; re-running skips the points already there.

>>> from xbar.study import Study, run_study
>>> s = Study.from_dict({"run": {"experiment": "crossbar-ir-drop",
...                              "params": {"rows": 4, "cols": 4},
...                              "outputs": ["max_rel_error"]},
...                      "axes": {"r_wire": [0.5, 5.0]}},
...                     base_dir=__import__("tempfile").mkdtemp())
>>> summary = run_study(s, serial=True, progress=False)
>>> summary.computed, summary.failed
(2, 0)
>>> t = read_results(s.results)
>>> bool(t["max_rel_error"][1] > t["max_rel_error"][0])
True

Modules: :mod:`~xbar.study.spec` (the description, points, seeds), :mod:`~xbar.study.registry`
(experiments), :mod:`~xbar.study.deck` (the deck experiment), :mod:`~xbar.study.experiments`
(built-in Python experiments), :mod:`~xbar.study.outputs` (output specs),
:mod:`~xbar.study.table` (results table), :mod:`~xbar.study.runner` (serial and Dask
execution), :mod:`~xbar.study.plot` (curves and contours). Dask (``pip install 'xbar[study]'``)
is imported only when a study runs on it.

Contract for experiments of other layers (``xbar.nn``)
-------------------------------------------------------
The registry imports ``xbar.nn.study_experiments`` (if that module exists) the first time a
study names an experiment the built-ins do not know, and ``xbar study list`` imports it too.
That module registers its experiments with the decorator::

    from xbar.study import experiment

    def _load_network(network: str, data: str | None = None) -> dict:
        # runs ONCE per study, on the client: load/train the network, load the data set
        return {"weights": [...], "x_test": ..., "y_test": ...}

    @experiment("nn-accuracy", setup=_load_network, paths=("network", "data"))
    def nn_accuracy(inputs: dict, *, tmr: float, states: int, r_wire: float = 0.0,
                    seed: int = 0) -> dict:
        # runs once per point, on a worker; `inputs` is the setup's result, scattered once
        return {"accuracy": ..., "i_col_error": ...}

* keyword parameters of the point function are what a study may fix (``run.params``) or vary
  (``[axes]``); those of the setup may only be fixed (it runs once per study);
* ``seed`` receives the point's seed (derived from the study seed and the point's axis
  values: independent of workers and order) — use ``numpy.random.default_rng(seed)``;
* ``inputs`` receives the setup's return value (weights, data sets): it is sent to every
  worker once (``Client.scatter(broadcast=True)``), never with each point, so it must pickle;
* the function returns a mapping of outputs: numbers, strings, booleans or 1-D arrays;
  an exception fails that point only (its message goes into the row's ``error`` column);
* ``paths`` names the parameters holding files, resolved against the study file's folder;
* names must be unique across the registry (a clash raises at import).

Third-party packages can do the same from any module listed under the entry-point group
``xbar.study_experiments``; user code can be named directly as ``"package.module:function"``
or ``"path/to/file.py:function"``.
"""

from __future__ import annotations

from xbar.study.plot import plot_results
from xbar.study.registry import Experiment, experiment, get_experiment, list_experiments
from xbar.study.runner import RunSummary, run_study
from xbar.study.spec import Axis, Point, Study, derive_seed, format_value, load_study
from xbar.study.table import ResultsTable, read_results

__all__ = [
    "Axis",
    "Experiment",
    "Point",
    "ResultsTable",
    "RunSummary",
    "Study",
    "derive_seed",
    "experiment",
    "format_value",
    "get_experiment",
    "list_experiments",
    "load_study",
    "plot_results",
    "read_results",
    "run_study",
]
