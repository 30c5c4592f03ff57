"""The ``deck`` experiment: an ngspice-dialect deck with ``.param`` values and model parameters varied.

A study names the deck (``[run] deck = "file.cir"``); its parameter and axis names are
``.param`` names of the deck (``rload``) or ``model.param`` for a parameter of a top-level
``.model`` card (``mtj1.tmr0``). The deck is read once on the client (``.include``/``.lib``
resolved there, so workers need no files); each point elaborates it with its values
(:func:`xbar.netlist.elaborate.elaborate` with ``params=``/``models=``, checked against the
model's bounds) and runs every analysis card.

Outputs are vector names as ngspice spells them (``v(out)``, ``i(vamm)``, ``@y1[r]``). With
several analyses a plain name is taken from the first analysis that has it, and
``op:v(out)``, ``dc:v(out)``, ``tran:v(out)`` select the first analysis of that kind. Sweep and
transient vectors are 1-D (nested DC sweeps flattened, first source fastest); reduce them in
the study's outputs (``max(v(out))``, ``last(v(out))``, ``v(out)[3]``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from xbar.errors import StudyError, XbarError
from xbar.netlist.elaborate import elaborate
from xbar.netlist.parser import Deck, parse_file
from xbar.study.registry import experiment

__all__ = ["DeckResults", "deck_parameters", "run_deck"]

_PARAM_NAME = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*=(?!=)")


def deck_parameters(deck: Deck) -> tuple[list[str], list[str]]:
    """Names of the top-level ``.param`` values and ``.model`` cards of a parsed deck (lower case)."""
    params: list[str] = []
    models: list[str] = []
    for card in deck.cards:
        head = card.tokens[0].lower()
        if head in (".param", ".global_param"):
            start = card.text.lower().index(head) + len(head)
            params += [m.group(1).lower() for m in _PARAM_NAME.finditer(card.text, start)]
        elif head == ".model" and len(card.tokens) > 1:
            models.append(card.tokens[1].lower())
    return params, models


def _setup(deck: str) -> Deck:
    """Read (parse) the deck once; elaboration happens per point."""
    return parse_file(deck)


def _check(names: set[str], deck: Deck) -> None:
    params, models = deck_parameters(deck)
    for name in sorted(names):
        if "." in name:
            model = name.split(".", 1)[0].lower()
            if model not in models:
                raise StudyError(f"the deck {deck.file} has no top-level .model '{model}'; its "
                                 f"models: {', '.join(models) or 'none'} (model parameters are "
                                 "written 'model.param')")
        elif name.lower() not in params:
            raise StudyError(f"the deck {deck.file} has no top-level .param '{name}'; its "
                             f".params: {', '.join(params) or 'none'} (model parameters are written "
                             "'model.param')")


class DeckResults(Mapping[str, Any]):
    """The vectors of a deck's analyses, by name (see the module docstring)."""

    def __init__(self, kinds: list[str], results: list[Any]) -> None:
        self.kinds = kinds
        self.results = results

    def _get(self, result: Any, name: str) -> Any:
        value = result[name]
        return float(value) if np.ndim(value) == 0 else np.asarray(value).ravel()

    def __getitem__(self, key: str) -> Any:
        kind, sep, name = key.partition(":")
        if sep and kind.lower() in ("op", "dc", "tran"):
            for k, r in zip(self.kinds, self.results, strict=True):
                if k == kind.lower() and name in r:
                    return self._get(r, name)
            raise KeyError(key)
        for r in self.results:
            if key in r:
                return self._get(r, key)
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        try:
            self[key]
        except (KeyError, XbarError):
            return False
        return True

    def _keys(self) -> list[str]:
        if len(self.results) == 1:
            return list(self.results[0].names)
        keys: list[str] = []
        seen: set[str] = set()
        for k, r in zip(self.kinds, self.results, strict=True):
            if k in seen:
                continue
            seen.add(k)
            keys += [f"{k}:{n}" for n in r.names]
        return keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())


def split_overrides(values: Mapping[str, Any]) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """``{"rload": 1e3, "mtj1.tmr0": 2}`` -> ``({"rload": 1e3}, {"mtj1": {"tmr0": 2}})``."""
    params: dict[str, float] = {}
    models: dict[str, dict[str, float]] = {}
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            raise StudyError(f"'{name}' = {value!r}: deck parameters take numbers")
        if "." in name:
            model, _, param = name.partition(".")
            models.setdefault(model, {})[param] = float(value)
        else:
            params[name] = float(value)
    return params, models


def run_deck(deck: Deck, values: Mapping[str, Any]) -> DeckResults:
    """Elaborate ``deck`` with ``values`` (``.param`` / ``model.param``) and run its analyses."""
    params, models = split_overrides(values)
    netlist = elaborate(deck, params=params, models=models)
    if not netlist.analyses:
        raise StudyError(f"{deck.file}: no analysis card (.op, .dc, .tran); nothing to compute")
    results = netlist.run()
    return DeckResults([a.kind for a in netlist.analyses], results)


@experiment("deck", setup=_setup, check=_check, paths=("deck",),
            description="an ngspice-dialect deck: vary .param values and model parameters (model.param)")
def deck_experiment(inputs: Deck, **values: Any) -> DeckResults:
    """Run a deck with its ``.param`` / ``model.param`` values set (see the module docstring)."""
    return run_deck(inputs, values)
