"""Corpus of public real-world ngspice decks (``tests/corpus/decks.csv``), run by ngspice and xbar.

Slow and opt-in: set ``XBAR_CORPUS`` to a folder made by
``python tests/corpus/corpus.py prepare --dest <folder> (--mirrors DIR | --clone)``. Every deck
must end in a category (agree, disagree, refused with a reason, xbar error, ngspice fails, not
compared; see ``tests/corpus/corpus.py``); a Python exception other than xbar's own errors
(category ``xbar crash``) fails the test. The table is printed (``-s``) and is what ``docs/corpus.md`` quotes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "corpus"))

import corpus

from xbar.testing.ngspice import ngspice_available


def test_pinned_list_is_complete():
    decks = corpus.read_decks()
    assert len(decks) >= 100
    assert len({d.repo for d in decks}) >= 3
    for d in decks:
        info = corpus.REPOS[d.repo]
        assert d.commit == info["commit"] and d.licence == info["licence"]
        assert any(d.path.startswith(f"{top}/") for top in info["dirs"])


def test_batch_twin_of_a_control_script():
    deck = "t\nV1 a 0 1\nR1 a 0 1k\n.tran 1n 1u\n.control\nop\ndc v1 0 1 0.5\nprint v(a)\n.endc\n.end\n"
    twin = corpus.batch_twin(deck)
    assert twin is not None
    assert ".control" not in twin and ".tran" not in twin
    assert twin.splitlines()[-3:] == [".op", ".dc v1 0 1 0.5", ".end"]
    assert corpus.batch_twin("t\nR1 a 0 1\n.control\necho hi\n.endc\n") is None


@pytest.mark.slow
@pytest.mark.ngspice
@pytest.mark.skipif(not os.environ.get(corpus.ENV), reason=f"set {corpus.ENV} to a prepared corpus folder")
@pytest.mark.skipif(not ngspice_available(), reason="ngspice is not installed")
def test_corpus():
    root = Path(os.environ[corpus.ENV])
    decks = corpus.read_decks()
    missing = [d.label for d in decks if not d.file(root).is_file()]
    assert not missing, f"{len(missing)} decks missing from {root} (prepare it again): {missing[:5]}"
    outcomes = corpus.run_all(root, decks, progress=False)
    print("\n" + corpus.summarise(outcomes))
    assert len(outcomes) == len(decks)
    assert {o.category for o in outcomes} <= set(corpus.CATEGORIES)
    crashes = [f"{o.deck.label}: {o.reason}" for o in outcomes if o.category == "xbar crash"]
    assert not crashes, "xbar raised a Python exception (not an xbar error):\n" + "\n".join(crashes)
