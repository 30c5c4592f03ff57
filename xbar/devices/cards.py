"""Where xbar's compact-model cards (``compact_models/*.lib``) are, in a checkout or installed.

The cards are package data: a wheel ships them as ``xbar/compact_models/`` (copied there by
``setup.py`` at build time), a source checkout or editable install reads the repository's
``compact_models/``. Everything that needs a shipped card goes through :func:`library_path`,
so ``xbar models``, ``xbar reproduce``, ``Circuit.load_models("kumar2024_sot.lib")`` and a deck
line ``.include kumar2024_sot.lib`` work from any directory.
"""

from __future__ import annotations

from pathlib import Path

from xbar.errors import DataError

__all__ = ["cards_dir", "libraries", "library_path", "shipped_fallback"]

_PACKAGE = Path(__file__).resolve().parents[1]


def cards_dir() -> Path:
    """Folder of the shipped ``.lib`` files.

    Raises
    ------
    DataError
        When neither the installed copy nor a source checkout's folder exists.
    """
    for folder in (_PACKAGE / "compact_models", _PACKAGE.parent / "compact_models"):
        if folder.is_dir() and any(folder.glob("*.lib")):
            return folder
    raise DataError(f"xbar's compact-model cards are missing: neither {_PACKAGE / 'compact_models'} nor "
                    f"{_PACKAGE.parent / 'compact_models'} holds .lib files; reinstall xbar "
                    "(pip install xbar, or pip install -e . in a checkout)")


def libraries() -> list[Path]:
    """Every shipped ``.lib`` file, sorted by name."""
    return sorted(cards_dir().glob("*.lib"))


def library_path(name: str) -> Path:
    """Path of the shipped library ``name`` (``"kumar2024_sot.lib"`` or ``"kumar2024_sot"``).

    Raises
    ------
    DataError
        When no shipped library has that name (the message lists them).
    """
    file = name if name.endswith(".lib") else f"{name}.lib"
    path = cards_dir() / file
    if not path.is_file():
        have = ", ".join(p.name for p in libraries())
        raise DataError(f"no shipped compact-model library '{file}'; xbar ships: {have}")
    return path


def shipped_fallback(path: Path) -> Path | None:
    """The shipped library a missing include path means, or None.

    ``path`` as written in the deck or passed to ``load_models``: a missing ``name.lib`` or
    ``…/compact_models/name.lib`` (a deck copied out of the repository) resolves to the shipped
    card of that name.
    """
    if path.suffix.lower() != ".lib" or (len(path.parts) > 1 and path.parent.name != "compact_models"):
        return None
    try:
        candidate = cards_dir() / path.name
    except DataError:
        return None
    return candidate if candidate.is_file() else None
