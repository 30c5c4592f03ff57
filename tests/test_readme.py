"""Every README snippet runs and shows what it claims.

Fenced blocks are run by language: ``bash`` line by line (``xbar`` and ``python3`` are this
checkout's), ``python`` as a script, ``spice`` as a deck through ``xbar run``; ``text`` blocks
are output or synopses and ``toml`` blocks copies of study files (run by the study tests); neither is run. Every block must say its language. An HTML comment on
the line before a block steers the test:

* ``<!-- readme-test: skip: <reason> -->`` — not run here (the reason says where it is covered);
* ``<!-- readme-test: slow -->`` — run only with ``-m slow``;
* ``<!-- readme-test: expect: <regex> -->`` — the output must match.

A ``python`` line ``print(...)  # 0.5`` promises that the snippet prints 0.5.

Snippets run in a scratch folder that links the repository's ``netlists``, ``examples``,
``compact_models``, ``benchmarks`` and ``docs``, so files they write land there. Inline
``xbar …`` commands in the prose are parsed by the CLI's own argument parser, and inline
``python benchmarks/….py`` commands must name a script whose ``--help`` lists the options used.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
_DIRECTIVE = re.compile(r"<!--\s*readme-test:\s*(\w+)\s*:?\s*(.*?)\s*-->\s*$")
_LANGS = {"bash", "python", "spice", "text", "toml"}


@dataclass
class Snippet:
    lang: str
    code: str
    line: int
    directive: str = ""
    argument: str = ""

    @property
    def ident(self) -> str:
        return f"L{self.line}-{self.lang}"


def _snippets() -> list[Snippet]:
    text = README.read_text()
    out = []
    for m in _FENCE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        before = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        d = _DIRECTIVE.search(before)
        out.append(Snippet(m.group(1), m.group(2), line, *(d.groups() if d else ("", ""))))
    return out


SNIPPETS = _snippets()


def _params() -> list[object]:
    params = []
    for s in SNIPPETS:
        marks = []
        if s.directive == "slow":
            marks.append(pytest.mark.slow)
        params.append(pytest.param(s, id=s.ident, marks=marks))
    return params


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("readme")
    for name in ("netlists", "examples", "compact_models", "benchmarks", "docs"):
        (folder / name).symlink_to(ROOT / name)
    return folder


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["MPLBACKEND"] = "Agg"
    return env


def _run(args: list[str] | str, cwd: Path, *, shell: bool = False, timeout: float = 600) -> str:
    proc = subprocess.run(args, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=timeout,
                          shell=shell, executable="/bin/bash" if shell else None)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"exit status {proc.returncode}:\n{out[-4000:]}"
    assert "Traceback" not in out, out[-4000:]
    return out


def test_every_block_declares_its_language():
    bad = [s.ident for s in SNIPPETS if s.lang not in _LANGS]
    assert not bad, f"README blocks without a language ({', '.join(sorted(_LANGS))}): {bad}"
    assert any(s.lang == "spice" for s in SNIPPETS) and any(s.lang == "python" for s in SNIPPETS)


@pytest.mark.parametrize("snippet", _params())
def test_readme_snippet(snippet: Snippet, scratch: Path, tmp_path: Path):
    if snippet.lang in ("text", "toml"):
        return
    if snippet.directive == "skip":
        assert snippet.argument, f"{snippet.ident}: a skipped block must say why"
        pytest.skip(snippet.argument)
    if snippet.lang == "bash":
        prelude = (f'set -euo pipefail\nxbar() {{ "{sys.executable}" -m xbar.cli "$@"; }}\n'
                   f'python3() {{ "{sys.executable}" "$@"; }}\npython() {{ "{sys.executable}" "$@"; }}\n')
        out = _run(prelude + snippet.code, scratch, shell=True)
    elif snippet.lang == "python":
        script = tmp_path / "snippet.py"
        script.write_text(snippet.code)
        out = _run([sys.executable, str(script)], scratch)
        # 'print(...)  # 0.5' promises that the line prints 0.5
        printed = [float(w) for w in out.split() if re.fullmatch(r"[-+]?[0-9.]+(e[-+]?[0-9]+)?", w, re.I)]
        for m in re.finditer(r"^print\(.*?\)\s+#\s*([-+0-9.eE]+)\s*$", snippet.code, re.M):
            value = float(m.group(1))
            assert any(abs(v - value) <= 1e-9 * max(1.0, abs(value)) for v in printed), \
                f"{snippet.ident}: expected {value} in the output:\n{out}"
    else:
        deck = tmp_path / "snippet.cir"
        deck.write_text(snippet.code)
        out = _run([sys.executable, "-m", "xbar.cli", "run", str(deck)], scratch)
        assert "xbar: warning" not in out, out
    if snippet.directive == "expect":
        assert re.search(snippet.argument, out), f"{snippet.ident}: output lacks {snippet.argument!r}:\n{out}"


def _inline(pattern: str) -> list[str]:
    return sorted(set(re.findall(pattern, README.read_text())))


@pytest.mark.parametrize("command", _inline(r"`(xbar [^`]+)`"))
def test_inline_xbar_commands_parse(command: str):
    from xbar.cli import _COMMANDS, _parser

    args = shlex.split(command)[1:]
    if len(args) == 1:  # a mention of the subcommand (`xbar run` prints ...)
        assert args[0] in _COMMANDS, f"README mentions `{command}`, which is not a subcommand"
        return
    try:
        _parser().parse_args(args)
    except SystemExit as exc:  # argparse exits on a bad command line
        pytest.fail(f"README command `{command}` does not parse (exit {exc.code})")


@pytest.mark.parametrize("command", _inline(r"`(python3? benchmarks/[^`]+)`"))
def test_inline_benchmark_commands_exist(command: str):
    words = shlex.split(command)
    script = ROOT / words[1]
    assert script.is_file(), f"README names {words[1]}, which does not exist"
    help_text = _run([sys.executable, str(script), "--help"], ROOT, timeout=120)
    for opt in (w for w in words[2:] if w.startswith("--")):
        assert opt in help_text, f"README command `{command}`: {opt} is not an option of {words[1]}"
