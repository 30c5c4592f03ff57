"""Studies on real Dask clusters on localhost: a ``dask scheduler`` and two ``dask worker``
processes (the programs behind ``dask-scheduler``/``dask-worker``), the default local cluster,
a worker killed mid-study, and a study resumed after its run was killed.

Every test compares results tables written by ``--serial`` and by the cluster byte for byte.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from xbar.cli import main
from xbar.study import load_study, read_results, run_study

pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]

EXPERIMENT = '''
import os
import time
from pathlib import Path

from xbar.study import experiment


class Payload:
    """A large input; every unpickling leaves a marker file (to count transfers)."""

    def __init__(self, folder):
        self.folder = folder
        self.blob = bytes(2_000_000)

    def __setstate__(self, state):
        self.__dict__.update(state)
        Path(self.folder, f"unpickled-{os.getpid()}-{time.monotonic_ns()}").touch()


def load(marker_dir: str):
    return Payload(marker_dir)


@experiment("test-sleepy", setup=load)
def sleepy(inputs, *, x: float, delay: float = 0.0, seed: int = 0):
    Path(inputs.folder, f"computed-{x!r}-{time.monotonic_ns()}").touch()
    time.sleep(delay)
    if x < 0:
        raise ValueError(f"x = {x} is negative")
    return {"y": 2.0 * x, "size": len(inputs.blob), "draw": seed % 1000003}
'''


def _study(tmp: Path, name: str, xs: list[float], delay: float = 0.0) -> Path:
    (tmp / "exp.py").write_text(EXPERIMENT)
    markers = tmp / f"markers-{name}"
    markers.mkdir(exist_ok=True)
    text = f"""
        [study]
        seed = 42
        results = "{name}.csv"

        [run]
        experiment = "exp.py:sleepy"
        params = {{ marker_dir = "{markers}", delay = {delay} }}

        [axes]
        x = {xs!r}
        """
    path = tmp / f"{name}.toml"
    path.write_text(textwrap.dedent(text))
    return path


def _markers(tmp: Path, name: str, kind: str) -> list[str]:
    return sorted(p.name for p in (tmp / f"markers-{name}").iterdir() if p.name.startswith(kind))


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("DASK_SCHEDULER_ADDRESS", None)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


def _rows(csv: Path) -> int:
    try:
        return max(0, len(csv.read_text().splitlines()) - 1)
    except FileNotFoundError:
        return 0


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """A ``dask scheduler`` and two ``dask worker`` processes on localhost (one thread each)."""
    import distributed

    logs = tmp_path_factory.mktemp("dask-logs")
    address = f"tcp://127.0.0.1:{_free_port()}"
    procs: list[subprocess.Popen[bytes]] = []
    log_files = []

    def start(args: list[str], name: str) -> subprocess.Popen[bytes]:
        log = open(logs / f"{name}.log", "wb")  # noqa: SIM115 (closed at teardown)
        log_files.append(log)
        proc = subprocess.Popen([sys.executable, "-m", *args], stdout=log, stderr=subprocess.STDOUT,
                                env=_env(), start_new_session=True)
        procs.append(proc)
        return proc

    try:
        start(["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", address.rsplit(":", 1)[1],
               "--no-dashboard", "--dashboard-address", "127.0.0.1:0"], "scheduler")
        workers = [start(["distributed.cli.dask_worker", address, "--nthreads", "1", "--nworkers", "1",
                          "--no-dashboard", "--host", "127.0.0.1", "--name", f"w{i}"], f"worker{i}")
                   for i in range(2)]
        deadline = time.monotonic() + 90
        while True:
            try:
                with distributed.Client(address, timeout="5s", set_as_default=False) as client:
                    client.wait_for_workers(2, timeout=max(1.0, deadline - time.monotonic()))
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    text = "\n".join((logs / f).read_text()[-2000:] for f in os.listdir(logs))
                    pytest.fail(f"the localhost Dask cluster did not start:\n{text}")
                time.sleep(0.5)
        yield address, workers
    finally:
        for proc in reversed(procs):
            _stop(proc)
        for log in log_files:
            log.close()


def _cli(*args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xbar.cli", *args], env=_env(), capture_output=True,
                          text=True, timeout=timeout)


def test_scheduler_and_two_workers_equal_serial(tmp_path: Path,
                                                cluster: tuple[str, list[subprocess.Popen[bytes]]]) -> None:
    address, _ = cluster
    xs = [0.5, 1.5, -1.0, *(k + 0.5 for k in range(2, 15))]
    serial = _study(tmp_path, "serial", xs)
    remote = _study(tmp_path, "remote", xs)
    assert main(["study", "run", "--serial", "-q", str(serial)]) == 0
    proc = _cli("study", "run", "--scheduler", address, str(remote))
    assert proc.returncode == 0, proc.stderr
    assert "16 points: 16 computed, 1 failed" in proc.stdout
    assert (tmp_path / "remote.csv").read_bytes() == (tmp_path / "serial.csv").read_bytes()
    t = read_results(tmp_path / "remote.csv")
    assert t["error"][2] == "ValueError: x = -1.0 is negative"
    assert list(t["size"][t.ok()]) == [2_000_000] * 15
    # the 2 MB input is broadcast to the workers, not sent with each of the 16 points (Dask may
    # hand a worker its replica twice when a point reaches it while the broadcast is finishing)
    assert len(_markers(tmp_path, "remote", "computed")) == 16
    per_worker: dict[str, int] = {}
    for m in _markers(tmp_path, "remote", "unpickled"):
        per_worker[m.split("-")[1]] = per_worker.get(m.split("-")[1], 0) + 1
    assert 1 <= len(per_worker) <= 2 and all(n <= 2 for n in per_worker.values()), per_worker
    if (tmp_path / "remote.parquet").exists():
        import pyarrow.parquet as pq

        table = pq.read_table(tmp_path / "remote.parquet")
        assert table.column("y").to_pylist()[:2] == [1.0, 3.0] and table.num_rows == 16
    # a second run finds nothing to do
    assert run_study(load_study(remote), scheduler=address, progress=False).computed == 0


def test_environment_address_in_process_deck_study(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   cluster: tuple[str, list[subprocess.Popen[bytes]]]) -> None:
    address, _ = cluster
    deck = ROOT / "netlists" / "crossbar_mtj_4x4.cir"
    text = f"""
        [run]
        deck = "{deck}"
        outputs = ["i(vbl0)", "absmax(i(vbl3))"]
        [axes]
        "mtj5k.tmr0" = {{ start = 0.5, stop = 2.5, num = 3 }}
        "mtj5k.rp" = [4e3, 6e3]
        """
    for name in ("a", "b"):
        (tmp_path / f"{name}.toml").write_text(textwrap.dedent(text))
    run_study(load_study(tmp_path / "a.toml"), serial=True, progress=False)
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", address)
    summary = run_study(load_study(tmp_path / "b.toml"), progress=False)
    assert summary.mode == f"scheduler {address}" and summary.workers == 2 and summary.failed == 0
    assert (tmp_path / "b.csv").read_bytes() == (tmp_path / "a.csv").read_bytes()


def test_default_local_cluster_equals_serial(tmp_path: Path) -> None:
    xs = [1.0, 2.0, 3.0, 4.0, -5.0, 6.0, 7.0]
    serial, local = _study(tmp_path, "serial", xs), _study(tmp_path, "local", xs)
    run_study(load_study(serial), serial=True, progress=False)
    summary = run_study(load_study(local), workers=2, progress=False, chunk=3)
    assert summary.mode == "local cluster of 2 worker processes"
    assert (summary.computed, summary.failed) == (7, 1)  # 3 points per task, one of them failing
    assert (tmp_path / "local.csv").read_bytes() == (tmp_path / "serial.csv").read_bytes()


def test_rerun_after_killed_run_computes_only_missing_points(tmp_path: Path) -> None:
    xs = [float(k) for k in range(10)]
    path = _study(tmp_path, "resume", xs, delay=0.3)
    csv = tmp_path / "resume.csv"
    proc = subprocess.Popen([sys.executable, "-m", "xbar.cli", "study", "run", "--serial", "-q", str(path)],
                            env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while _rows(csv) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the study finished before it could be interrupted"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        _stop(proc)
    done_before = _rows(csv)
    assert 3 <= done_before < 10
    computed_before = set(_markers(tmp_path, "resume", "computed"))
    summary = run_study(load_study(path), serial=True, progress=False)
    assert (summary.computed, summary.skipped) == (10 - done_before, done_before)
    new = [m for m in _markers(tmp_path, "resume", "computed") if m not in computed_before]
    assert len(new) == 10 - done_before  # only the missing points ran
    t = read_results(csv)
    assert list(t["x"]) == xs and list(t["y"]) == [2 * x for x in xs] and t.ok().all()


def test_worker_killed_mid_study_every_point_completes(tmp_path: Path,
                                                       cluster: tuple[str, list[subprocess.Popen[bytes]]]) -> None:
    """Runs last: it kills one of the module's two workers (nanny and worker process)."""
    address, workers = cluster
    xs = [float(k) for k in range(10)]
    path = _study(tmp_path, "kill", xs, delay=0.3)
    csv = tmp_path / "kill.csv"
    proc = subprocess.Popen([sys.executable, "-m", "xbar.cli", "study", "run", "-q", "--scheduler", address,
                             str(path)], env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while _rows(csv) < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the study finished before a worker could be killed"
        os.killpg(workers[1].pid, signal.SIGKILL)
        killed_at = _rows(csv)
        _, err = proc.communicate(timeout=180)
    finally:
        _stop(proc)
    assert proc.returncode == 0, err
    assert killed_at < 10
    t = read_results(csv)
    assert t.ok().all() and list(t["x"]) == xs and list(t["y"]) == [2 * x for x in xs]
    assert len(_markers(tmp_path, "kill", "computed")) >= 10


def test_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    from xbar.errors import StudyError

    path = _study(tmp_path, "nowhere", [1.0])
    address = f"tcp://127.0.0.1:{_free_port()}"  # nothing listens there
    with pytest.raises(StudyError, match=f"cannot connect to the Dask scheduler at {address}"):
        run_study(load_study(path), scheduler=address, progress=False, wait_workers=2)
