"""The README's study snippets: the study file, the run and plot commands, the cluster forms.

The default run checks the study file against ``examples/studies/mtj_read.toml`` and runs the
commands in this process (``--serial`` added to the local run, whose local-cluster path
``test_study_dask.py`` covers, as it covers ``--scheduler`` with a localhost ``dask scheduler``
and two workers); ``-m slow`` runs the local command exactly as written, and the SLURM snippet
with ``dask_jobqueue.SLURMCluster`` replaced by a local cluster.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from xbar.cli import main
from xbar.study import read_results

ROOT = Path(__file__).resolve().parents[1]


def _section() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("## Studies: sweeps and Monte Carlo on Dask")
    return text[start : text.index("\n## ", start + 10)]


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", _section(), flags=re.S)


def _commands() -> list[list[str]]:
    return [shlex.split(line) for block in _blocks("bash") for line in block.splitlines() if line.strip()]


def _copy_examples(tmp: Path) -> Path:
    shutil.copytree(ROOT / "examples" / "studies", tmp / "examples" / "studies")
    return tmp


def test_readme_study_file_is_the_example() -> None:
    (toml,) = _blocks("toml")
    assert toml == (ROOT / "examples" / "studies" / "mtj_read.toml").read_text()


def test_readme_run_and_plot_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run, plot, remote = _commands()
    assert run[:3] == ["xbar", "study", "run"] and plot[:3] == ["xbar", "study", "plot"]
    assert "--scheduler" in remote
    monkeypatch.chdir(_copy_examples(tmp_path))
    csv, png = tmp_path / "mtj_read.csv", tmp_path / "mtj_read.png"
    fix = {"/tmp/mtj_read.csv": str(csv), "/tmp/mtj_read.png": str(png)}
    assert main([fix.get(a, a) for a in run[1:]] + ["--serial", "-q"]) == 0
    t = read_results(csv)
    assert len(t) == 30 and t.ok().all() and t.axes == ["vread", "mtjx.tmr0", "state"]
    # AP reads less current than P, more so at larger TMR
    p, ap = t["i_read"][t["state"] == 0], t["i_read"][t["state"] == 1]
    assert (abs(ap) < abs(p)).all()
    assert main([fix.get(a, a) for a in plot[1:]]) == 0 and png.stat().st_size > 10_000


@pytest.mark.slow
def test_readme_commands_as_written(tmp_path: Path) -> None:
    """The local-cluster command exactly as written: the same table as --serial."""
    run, _, _ = _commands()
    _copy_examples(tmp_path)
    fixed = [a.replace("/tmp/mtj_read.csv", str(tmp_path / "local.csv")) for a in run]
    proc = subprocess.run([sys.executable, "-m", "xbar.cli", *fixed[1:]], cwd=tmp_path, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "local cluster of" in proc.stdout
    serial = tmp_path / "serial.csv"
    assert main([*fixed[1:-1], str(serial), "--serial", "-q"]) == 0
    assert (tmp_path / "local.csv").read_bytes() == serial.read_bytes()


@pytest.mark.slow
def test_readme_slurm_snippet_with_a_local_stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import distributed

    (snippet,) = _blocks("python")
    fake = types.ModuleType("dask_jobqueue")
    scaled: list[int] = []

    class SLURMCluster(distributed.LocalCluster):  # what the snippet needs of it
        def __init__(self, **kwargs: object) -> None:
            assert {"cores", "memory", "walltime"} <= set(kwargs)
            super().__init__(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")

        def scale(self, n: int | None = None, jobs: int = 0, **kwargs: object) -> None:
            if not jobs:  # LocalCluster's own calls
                super().scale(n, **kwargs)
                return
            scaled.append(jobs)

    fake.SLURMCluster = SLURMCluster  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "dask_jobqueue", fake)
    monkeypatch.chdir(_copy_examples(tmp_path))
    exec(compile(snippet, "README.md", "exec"), {"__name__": "readme"})
    t = read_results(tmp_path / "examples" / "studies" / "mtj_read.csv")
    assert len(t) == 30 and t.ok().all() and scaled == [32]
