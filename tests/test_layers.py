"""Layers look down only: nothing below xbar.nn imports it, nothing below xbar.crossbar imports that."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "xbar"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


def _modules(*parts: str) -> list[Path]:
    files: list[Path] = []
    for p in parts:
        target = ROOT / p
        files.extend(sorted(target.rglob("*.py")) if target.is_dir() else [target])
    return [f for f in files if f.exists()]


ENGINE = ("devices", "mna", "netlist", "analysis", "circuit.py", "io", "units.py", "options.py", "errors.py")


def _offenders(paths: list[Path], bad: callable) -> list[str]:  # type: ignore[valid-type]
    return [f"{p.relative_to(ROOT)} imports {m}" for p in paths for m in sorted(_imports(p)) if bad(m)]


def test_nothing_below_nn_imports_it() -> None:
    assert _offenders(_modules(*ENGINE, "crossbar", "datasets"),
                      lambda m: m == "xbar.nn" or m.startswith("xbar.nn.")) == []


def test_engine_does_not_import_crossbar() -> None:
    assert _offenders(_modules(*ENGINE), lambda m: m.startswith("xbar.crossbar")) == []


def test_datasets_need_only_numpy() -> None:
    allowed = {"xbar.errors", "xbar.datasets", "xbar.datasets.idx", "xbar.datasets.mnist", "xbar.datasets.hillenbrand"}
    assert _offenders(_modules("datasets"), lambda m: m.startswith("xbar") and m not in allowed) == []
