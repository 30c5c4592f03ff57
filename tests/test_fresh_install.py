"""A fresh clone, ``pip install`` (not editable), then every README command, deck and example,
run from a directory outside the repository with the installed package (slow: minutes).

Needs git, network access to PyPI for the build backend (as ``pip install`` on a fresh machine),
and the repository's committed state (uncommitted changes are not in the clone).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")]

# examples that need data the repository does not ship, with the reason
NEEDS_DATA = {"lopez2024_vowels.py": "needs the Hillenbrand vowel table"}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    base = tmp_path_factory.mktemp("fresh")
    clone = base / "xbar-clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True, timeout=300)
    env_dir = base / "venv"
    venv.create(env_dir, system_site_packages=True, with_pip=True)
    python = env_dir / "bin" / "python"
    proc = subprocess.run([str(python), "-m", "pip", "install", "-v", "--no-deps", str(clone)],
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    build_log = proc.stdout + proc.stderr
    assert not re.search(r"SetuptoolsDeprecationWarning|is deprecated", build_log), \
        [ln for ln in build_log.splitlines() if "deprecat" in ln.lower()][:5]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env['PATH']}"
    env["MPLBACKEND"] = "Agg"
    # a user points xbar at the 10k-digit set as the README says (here: the project's data folder)
    digits = ROOT.parent / "shared" / "data" / "mnist10k"
    if "XBAR_MNIST10K" not in env and (digits / "images-idx3-ubyte.gz").is_file():
        env["XBAR_MNIST10K"] = str(digits)
    outside = base / "elsewhere"
    outside.mkdir()
    return clone, outside, env


def _run(args: list[str], cwd: Path, env: dict[str, str], timeout: float = 900) -> str:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(args)} exited {proc.returncode}:\n{out[-3000:]}"
    assert "Traceback" not in out, out[-3000:]
    return out


def test_installed_copy_is_used_and_ships_the_cards(installed):
    clone, outside, env = installed
    out = _run(["python", "-c", "import xbar, xbar.devices.cards as c; print(xbar.__file__); print(c.cards_dir())"],
               outside, env)
    module_file, cards = out.split()
    assert "site-packages" in module_file and str(clone) not in module_file
    assert cards.endswith("xbar/compact_models") and "site-packages" in cards
    assert "### `cogd`" in _run(["xbar", "models", "--kind", "cogd"], outside, env)


def test_every_deck_runs_from_outside(installed):
    clone, outside, env = installed
    for deck in sorted((clone / "netlists").glob("*.cir")):
        out = _run(["xbar", "run", str(deck), "--csv", str(outside / f"{deck.stem}.csv")], outside, env)
        assert "xbar: warning" not in out, out


@pytest.mark.parametrize("example", sorted(p.name for p in (ROOT / "examples").glob("*.py")))
def test_every_example_runs_from_outside(installed, example):
    if example in NEEDS_DATA:
        pytest.skip(NEEDS_DATA[example])
    clone, outside, env = installed
    work = outside / example.removesuffix(".py")
    work.mkdir()
    _run(["python", str(clone / "examples" / example)], work, env)


def test_readme_commands_with_the_installed_package(installed):
    """README snippets, run in the clone with the installed package (no PYTHONPATH)."""
    clone, outside, env = installed
    text = (clone / "README.md").read_text()
    blocks = re.findall(r"(<!--[^\n]*-->\n)?```(bash|python)\n(.*?)^```", text, re.M | re.S)
    ran = 0
    for directive, lang, code in blocks:
        if "readme-test: skip" in directive and "pip install -e" not in code:
            continue
        if "pip install -e" in code:
            continue  # installing is what the fixture did (non-editable)
        if lang == "bash":
            _run(["bash", "-euo", "pipefail", "-c", code], clone, env)
        else:  # a script outside the clone, so that the clone's sources are not on sys.path
            script = outside / f"readme_{ran}.py"
            script.write_text(code)
            _run(["python", str(script)], clone, env)
        ran += 1
    assert ran >= 3
