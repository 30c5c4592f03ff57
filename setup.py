"""Build hook: ship the compact-model cards inside the package.

The ``.model`` cards live in the repository's ``compact_models/`` (where decks include them and
contributors edit them); a wheel carries a copy as ``xbar/compact_models/`` so ``xbar models``,
``xbar reproduce`` and ``.include kumar2024_sot.lib`` work wherever xbar is installed
(:mod:`xbar.devices.cards`). Everything else is declared in ``pyproject.toml``.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CARDS = Path(__file__).resolve().parent / "compact_models"


class BuildPyWithCards(build_py):
    """``build_py`` that also copies ``compact_models/*.lib`` and its README into the package."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "xbar" / "compact_models"
        target.mkdir(parents=True, exist_ok=True)
        for path in [*sorted(CARDS.glob("*.lib")), CARDS / "README.md"]:
            shutil.copy2(path, target / path.name)


setup(cmdclass={"build_py": BuildPyWithCards})
