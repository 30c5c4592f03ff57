"""Running a study: serially in this process, or on a Dask cluster (local or remote).

Where the points run:

* ``serial=True``: one after another in this process (debugging, tiny studies);
* ``client=`` an existing ``distributed.Client`` (e.g. on a ``dask_jobqueue.SLURMCluster``);
* ``scheduler="tcp://host:8786"``, or the environment variable ``DASK_SCHEDULER_ADDRESS``:
  an existing cluster (``dask scheduler`` + ``dask worker`` processes on other hosts);
* otherwise a local Dask cluster of worker processes (one thread each), one per core.

The experiment's setup runs once here; its result is scattered to the workers once
(broadcast), not sent with every point. Each point runs :func:`evaluate_point` on a worker; an
exception inside a point becomes that point's error row and does not stop the study. A worker
that dies is replaced by Dask, which runs its points again elsewhere.
"""

from __future__ import annotations

import logging
import os
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xbar.errors import StudyError, XbarError
from xbar.study.outputs import select_outputs
from xbar.study.registry import Experiment, get_experiment
from xbar.study.spec import TRIAL_AXIS, Point, Study
from xbar.study.table import ResultsWriter, now

__all__ = ["RunSummary", "evaluate_point", "evaluate_points", "prepare", "run_study", "validate"]

INSTALL_HINT = "pip install 'xbar[study]' (or: pip install 'dask[distributed]')"


@dataclass
class RunSummary:
    """What a call of :func:`run_study` did."""

    study: str
    table: Path
    parquet: Path | None
    points: int
    computed: int
    skipped: int
    failed: int
    seconds: float
    mode: str
    workers: int
    setup_seconds: float = 0.0

    def __str__(self) -> str:
        failed = f", {self.failed} failed" if self.failed else ""
        return (f"{self.study}: {self.points} points: {self.computed} computed{failed}, {self.skipped} "
                f"already done; {self.seconds:.2f} s on {self.mode}; table {self.table}")


def import_distributed() -> Any:
    """``distributed``, or a :class:`StudyError` with the install hint."""
    try:
        import distributed
    except ImportError:
        raise StudyError(f"running studies on Dask needs dask.distributed: {INSTALL_HINT}; "
                         "or run with --serial (serial=True)") from None
    return distributed


@dataclass
class Prepared:
    """A study resolved against its experiment, ready to run (see :func:`prepare`)."""

    study: Study
    experiment: Experiment
    setup_args: dict[str, Any]
    fixed: dict[str, Any]
    fingerprint: str


def prepare(study: Study) -> Prepared:
    """Find the experiment, check every parameter and axis name, resolve paths.

    Raises
    ------
    StudyError
        Unknown experiment or parameter (naming the study file and key).
    """
    exp = get_experiment(study.experiment, base_dir=study.base_dir, source=study.source)
    params = dict(study.params)
    for name in exp.paths:
        if name in params and isinstance(params[name], str):
            p = Path(params[name]).expanduser()
            params[name] = str(p if p.is_absolute() else (study.base_dir / p).resolve())
    axes = [a for a in study.axis_names if a != TRIAL_AXIS]
    setup_args, fixed = exp.split(params, axes, study.source)
    extra = ""
    if exp.name == "deck":
        import hashlib

        extra = hashlib.sha256(Path(params["deck"]).read_bytes()).hexdigest()
    return Prepared(study, exp, setup_args, fixed, study.fingerprint(extra))


def _setup(prep: Prepared) -> Any:
    exp, study = prep.experiment, prep.study
    inputs = None
    if exp.setup is not None:
        try:
            inputs = exp.setup(**prep.setup_args)
        except XbarError:
            raise
        except Exception as exc:
            raise StudyError(f"{study.source}: the setup of experiment '{exp.name}' failed: "
                             f"{type(exc).__name__}: {exc}") from exc
    if exp.check is not None:
        keys = {**{n: f"run.params.{n}" for n in prep.fixed},
                **{a: f"axes.{a}" for a in study.axis_names if a != TRIAL_AXIS}}
        for name, key in keys.items():
            try:
                exp.check({name}, inputs)
            except StudyError as exc:
                raise StudyError(f"{study.source}: key '{key}': {exc}") from None
    return inputs


def validate(study: Study) -> tuple[Prepared, Any]:
    """:func:`prepare` the study and run the experiment's setup and check: ``(prepared, inputs)``.

    Raises
    ------
    StudyError
        As :func:`prepare`, or a name the experiment's check rejects (e.g. a deck without
        that ``.param``), naming the study file and the key.
    """
    prep = prepare(study)
    return prep, _setup(prep)


class ByValue:
    """Carries an object that must be pickled by value (code of a study-loaded ``file.py``).

    Dask pickles tasks with plain pickle where it can, which stores functions and classes by
    module name; a user's experiment file is not importable on the scheduler or the workers.
    This wrapper pickles its content with cloudpickle, which ships such modules' code along.
    """

    def __init__(self, obj: Any) -> None:
        self.obj = obj

    def __reduce__(self) -> tuple[Any, tuple[bytes]]:
        import cloudpickle

        return (_by_value_loads, (cloudpickle.dumps(self.obj),))


def _by_value_loads(blob: bytes) -> ByValue:
    import cloudpickle

    return ByValue(cloudpickle.loads(blob))


def _wrap(obj: Any) -> Any:
    """``ByValue(obj)`` when modules are registered for pickling by value, else ``obj``."""
    try:
        import cloudpickle
    except ImportError:
        return obj
    return ByValue(obj) if cloudpickle.list_registry_pickle_by_value() else obj


def evaluate_point(experiment: Experiment | ByValue, fixed: Mapping[str, Any], values: Mapping[str, Any],
                   seed: int, inputs: Any, outputs: Mapping[str, str] | None) -> tuple[str, dict[str, Any], str]:
    """Run one point: ``(status, outputs, error message)``; never raises for a failing point.

    This is the task each Dask worker runs; it calls the experiment with the fixed parameters
    and the point's axis values (those its signature accepts), ``seed`` and ``inputs``.
    """
    if isinstance(experiment, ByValue):
        experiment = experiment.obj
    if isinstance(inputs, ByValue):
        inputs = inputs.obj
    names, var_kw = experiment.point_parameters()
    kwargs = {k: v for k, v in {**fixed, **values}.items()
              if k in names or (var_kw and k != TRIAL_AXIS)}
    if experiment.takes_seed():
        kwargs["seed"] = seed
    if experiment.setup is not None:
        kwargs["inputs"] = inputs
    try:
        results = experiment.function(**kwargs)
        return "ok", select_outputs(results, outputs), ""
    except Exception as exc:  # a failing point is recorded, the study goes on
        return "error", {}, f"{type(exc).__name__}: {exc}"


def evaluate_points(experiment: Experiment | ByValue, fixed: Mapping[str, Any],
                    points: list[tuple[Mapping[str, Any], int]], inputs: Any,
                    outputs: Mapping[str, str] | None) -> list[tuple[str, dict[str, Any], str]]:
    """:func:`evaluate_point` for a chunk of ``(axis values, seed)`` pairs (one Dask task)."""
    return [evaluate_point(experiment, fixed, values, seed, inputs, outputs) for values, seed in points]


def _evaluate_task(points: list[tuple[Mapping[str, Any], int]], *, experiment: Experiment | ByValue,
                   fixed: Mapping[str, Any], inputs: Any,
                   outputs: Mapping[str, str] | None) -> list[tuple[str, dict[str, Any], str]]:
    """The Dask task: :func:`evaluate_points` with the chunk first (for ``Client.map``)."""
    return evaluate_points(experiment, fixed, points, inputs, outputs)


def _output_names(study: Study) -> list[str]:
    return list(study.outputs) if study.outputs is not None else []


def run_study(study: Study, *, serial: bool = False, scheduler: str | None = None, client: Any = None,
              workers: int | None = None, progress: bool = True, fresh: bool = False,
              retry_failed: bool = False, wait_workers: float = 120.0, parquet: bool = True,
              chunk: int | None = None, log: Any = None) -> RunSummary:
    """Run every point of ``study`` not yet in its results table.

    Parameters
    ----------
    study : Study
        From :func:`~xbar.study.load_study` or :meth:`Study.from_dict`.
    serial : bool
        Run in this process, one point after another.
    scheduler : str, optional
        Address of a running Dask scheduler (default: ``$DASK_SCHEDULER_ADDRESS``, else a
        local cluster).
    client : distributed.Client, optional
        Use this client (e.g. of a ``dask_jobqueue`` cluster); it is not closed.
    workers : int, optional
        Worker processes of the local cluster (default: the cores this process may use).
    progress : bool
        Show a progress bar (tqdm, on stderr).
    fresh : bool
        Discard an existing results table first.
    retry_failed : bool
        Compute the points whose row records an error again.
    wait_workers : float
        Seconds to wait for at least one worker of a remote scheduler.
    parquet : bool
        Also write ``<stem>.parquet`` (where pyarrow is installed).
    chunk : int, optional
        Points per Dask task. Default: ``len(points) // (16 × workers)`` (at least 1, at most
        256), so that each worker gets about 16 tasks: cheap points (milliseconds) share a
        task's scheduling cost, expensive ones still balance. Rows are still written, and
        failures recorded, per point.
    log : file, optional
        Where to print one-line notes (default: stderr when ``progress``).

    Returns
    -------
    RunSummary

    Raises
    ------
    StudyError
        Bad study, unreachable scheduler, dask missing (with the install hint), results table
        of another study.
    """
    t0 = time.perf_counter()
    if chunk is not None and (not isinstance(chunk, int) or isinstance(chunk, bool) or chunk < 1):
        raise StudyError(f"chunk: expected a positive integer (points per task), got {chunk!r}")
    log = log if log is not None else (sys.stderr if progress else None)
    prep = prepare(study)
    points = study.points()
    info = {"study": study.name, "experiment": study.experiment, "source": study.source,
            "axes": study.axis_names}
    with ResultsWriter(study.results, study.axis_names, prep.fingerprint, info, fresh=fresh,
                       retry_failed=retry_failed) as writer:
        done = writer.done_keys()
        todo = [p for p in points if p.key not in done]
        skipped = len(points) - len(todo)
        counts = {"computed": 0, "failed": 0}
        mode, n_workers = "this process (serial)", 1
        interrupted: bool | str = False
        setup_seconds = 0.0
        try:
            if todo:
                t_setup = time.perf_counter()
                inputs = _setup(prep)
                setup_seconds = time.perf_counter() - t_setup
                if serial:
                    _run_serial(prep, todo, inputs, writer, counts, progress)
                else:
                    mode, n_workers = _run_dask(prep, todo, inputs, writer, counts, progress, scheduler,
                                                client, workers, wait_workers, log, chunk)
            elif log is not None:
                print(f"{study.name}: all {len(points)} points already in {study.results}", file=log)
        except BaseException as exc:  # recorded in the run log, then passed on
            interrupted = type(exc).__name__
            raise
        finally:
            seconds = time.perf_counter() - t0
            run_info = {"started": now(), "seconds": round(seconds, 3), "setup_seconds": round(setup_seconds, 3),
                        "mode": mode, "workers": n_workers,
                        "computed": counts["computed"], "failed": counts["failed"], "skipped": skipped,
                        "interrupted": interrupted}
            pq = writer.finish(points, _output_names(study), run_info, parquet=parquet)
    return RunSummary(study.name, study.results, pq, len(points), counts["computed"], skipped,
                      counts["failed"], seconds, mode, n_workers, setup_seconds)


def _bar(total: int, name: str, progress: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=name, unit="pt", disable=not progress, file=sys.stderr,
                dynamic_ncols=True, leave=True)


def _record(writer: ResultsWriter, point: Point, status: str, outputs: dict[str, Any], error: str,
            counts: dict[str, int], bar: Any) -> None:
    final = writer.append(point, status, outputs, error)
    counts["computed"] += 1
    if final != "ok":
        counts["failed"] += 1
        bar.set_postfix(failed=counts["failed"], refresh=False)
    bar.update(1)


def _run_serial(prep: Prepared, todo: list[Point], inputs: Any, writer: ResultsWriter,
                counts: dict[str, int], progress: bool) -> None:
    study = prep.study
    with _bar(len(todo), study.name, progress) as bar:
        for p in todo:
            status, outputs, error = evaluate_point(prep.experiment, prep.fixed, p.values, p.seed, inputs,
                                                    study.outputs)
            _record(writer, p, status, outputs, error, counts, bar)


def _connect(scheduler: str | None, workers: int | None, wait_workers: float, log: Any) -> tuple[Any, Any, str]:
    distributed = import_distributed()
    address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    if address:
        try:
            client = distributed.Client(address, timeout=f"{min(20.0, max(wait_workers, 1.0)):g}s",
                                        set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise StudyError(f"cannot connect to the Dask scheduler at {address}: {exc}") from None
        try:
            client.wait_for_workers(1, timeout=wait_workers)
        except TimeoutError:
            client.close()
            raise StudyError(f"no Dask worker joined the scheduler at {address} within {wait_workers:g} s "
                             "(start some with: dask worker " + address + ")") from None
        return client, None, f"scheduler {address}"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    n = workers or cores or 1
    if n < 1:
        raise StudyError(f"workers: expected a positive number, got {n}")
    cluster = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=logging.ERROR)
    client = distributed.Client(cluster, set_as_default=False)
    return client, cluster, f"local cluster of {n} worker processes"


def _run_dask(prep: Prepared, todo: list[Point], inputs: Any, writer: ResultsWriter, counts: dict[str, int],
              progress: bool, scheduler: str | None, client: Any, workers: int | None,
              wait_workers: float, log: Any, chunk: int | None = None) -> tuple[str, int]:
    distributed = import_distributed()
    study = prep.study
    own = client is None
    cluster = None
    if own:
        client, cluster, where = _connect(scheduler, workers, wait_workers, log)
    else:
        where = f"client {getattr(client, 'scheduler', None) and client.scheduler.address}"
    futures: dict[Any, list[Point]] = {}
    try:
        n_workers = len(client.scheduler_info().get("workers", {}))
        if log is not None:
            print(f"{study.name}: {len(todo)} points on {where} ({n_workers} workers)", file=log)
            log.flush()
        # large inputs travel once per worker, not once per point
        inputs_ref = (client.scatter([_wrap(inputs)], broadcast=True, hash=False)[0]
                      if inputs is not None else None)
        exp = _wrap(prep.experiment)
        tag = uuid.uuid4().hex[:8]
        if chunk is None:
            chunk = max(1, min(len(todo) // (16 * max(n_workers, 1)), 256))
        batches = [todo[i : i + chunk] for i in range(0, len(todo), chunk)]
        # one graph update for all tasks (client.map), not one message per task
        submitted = client.map(_evaluate_task, [[(p.values, p.seed) for p in b] for b in batches],
                               experiment=exp, fixed=prep.fixed, inputs=inputs_ref, outputs=study.outputs,
                               key=[f"xbar-points-{b[0].index}-{tag}" for b in batches], pure=False)
        futures.update(zip(submitted, batches, strict=True))
        with _bar(len(todo), study.name, progress) as bar:
            # results are fetched concurrently as tasks finish (with_results), not one round trip each
            for fut, result in distributed.as_completed(list(futures), loop=client.loop, with_results=True,
                                                        raise_errors=False):
                batch = futures.pop(fut)
                if fut.status == "finished":
                    results = result
                else:  # the task itself failed (e.g. KilledWorker after repeated worker deaths)
                    exc = result[1] if isinstance(result, tuple) and len(result) == 3 else result
                    results = [("error", {}, f"{type(exc).__name__}: {exc}")] * len(batch)
                for p, (status, outputs, error) in zip(batch, results, strict=True):
                    _record(writer, p, status, outputs, error, counts, bar)
                fut.release()
        return where, n_workers
    finally:
        if futures:
            client.cancel(list(futures))
        if own:
            client.close()
            if cluster is not None:
                cluster.close()
