"""Crossbar arrays at circuit level: builder, exact IR drop, batch VMM, write schemes, decks.

Examples
--------
>>> import numpy as np
>>> from xbar.crossbar import CrossbarSpec, build_crossbar
>>> g = np.full((4, 3), 1e-4)
>>> xb = build_crossbar(CrossbarSpec(4, 3, g=g, r_row=0.0, r_col=0.0))
>>> res = xb.op(np.array([0.1, 0.2, 0.0, -0.1]))
>>> [round(float(i) * 1e6, 9) for i in res.i_col]
[20.0, 20.0, 20.0]
"""

from __future__ import annotations

from xbar.crossbar.builder import (
    CELL_KINDS,
    CrossbarArray,
    CrossbarSpec,
    build_crossbar,
    crossbar,
    differential_conductances,
)
from xbar.crossbar.deck import deck_text, write_deck
from xbar.crossbar.relax import fixed_point_solve
from xbar.crossbar.results import BatchResult, CrossbarResult
from xbar.crossbar.solve import CrossbarSolver, available_solvers
from xbar.crossbar.write import WriteResult, write_op

__all__ = [
    "CELL_KINDS",
    "BatchResult",
    "CrossbarArray",
    "CrossbarResult",
    "CrossbarSolver",
    "CrossbarSpec",
    "WriteResult",
    "available_solvers",
    "build_crossbar",
    "crossbar",
    "deck_text",
    "differential_conductances",
    "fixed_point_solve",
    "write_deck",
    "write_op",
]
