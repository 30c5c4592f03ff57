"""The one table of ``Y`` device kinds: ``.model`` type name -> device-group class.

A ``Y`` element is written ``Y<name> <terminals...> <model> [param=value ...]``; the model
card's type selects the class here, which declares its terminals, internal nodes, card and
instance parameters (see :class:`YDevice`). Adding a device kind means one module and one line
in :data:`DEVICE_KINDS`.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from xbar.devices.base import F64, I64, DeviceGroup
from xbar.devices.params import BoundCard, Param

__all__ = ["DEVICE_KINDS", "YDevice", "register"]


class YDevice(DeviceGroup):
    """Base of devices bound to a ``.model`` card of a registered type.

    Class attributes
    ----------------
    model_type : str
        Card type (``.model m <model_type> ...``).
    terminals : tuple of str
        Terminal names, in element-line order.
    card_params, instance_params : tuple of Param
        Declared parameters (instance parameters may also be given on the card as defaults).
    open_terminals : tuple of str
        Terminals that may be left unconnected (read-out arms); the single-connection lint
        (:mod:`xbar.lint`) does not report them.

    Instance attributes set by the engine: ``card`` (:class:`BoundCard`), ``inst`` (dict of
    per-instance float arrays, one per instance parameter), ``rng`` (a seeded
    ``numpy.random.Generator`` owned by this group), ``events`` (list of dicts).
    """

    model_type: ClassVar[str] = ""
    terminals: ClassVar[tuple[str, ...]] = ()
    card_params: ClassVar[tuple[Param, ...]] = ()
    instance_params: ClassVar[tuple[Param, ...]] = ()
    open_terminals: ClassVar[tuple[str, ...]] = ()

    def __init__(self, names: list[str], nodes: I64, card: BoundCard, inst: dict[str, F64],
                 rng: np.random.Generator) -> None:
        super().__init__(names, nodes)
        self.card = card
        self.inst = inst
        self.rng = rng
        self.events: list[dict[str, Any]] = []

    @classmethod
    def internal_nodes(cls, card: BoundCard, params: dict[str, float]) -> int:
        """Number of internal nodes one instance needs (named ``<name>#<k>``)."""
        return 0

    def after_solution(self, x: F64, t: float | None, dt: float | None) -> bool:
        """Called after every converged point (``t`` None for .op/.dc, ``dt`` the accepted step).

        Update magnetic state, record events; return True when the device's conductances
        changed (the engine then refreshes the linear stamps and restarts integration order).
        """
        return False


DEVICE_KINDS: dict[str, type[YDevice]] = {}


def register(cls: type[YDevice]) -> type[YDevice]:
    """Class decorator adding a device kind to :data:`DEVICE_KINDS`."""
    DEVICE_KINDS[cls.model_type] = cls
    return cls


def load_builtin_kinds() -> None:
    """Import the modules that register xbar's built-in Y devices."""
    import importlib

    for module in ("xbar.devices.mtj",):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
