"""Argument checks of the neural-network layer: :mod:`xbar.validate`'s checks, reported as
:class:`~xbar.errors.ParameterError` (the error type of every bad argument in ``xbar.nn``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from xbar import validate
from xbar.errors import ParameterError, XbarError

__all__ = ["array", "real"]


def array(value: Any, what: str, **kwargs: Any) -> np.ndarray:
    """:func:`xbar.validate.array` raising :class:`ParameterError`."""
    try:
        return validate.array(value, what, **kwargs)
    except XbarError as exc:
        raise ParameterError(getattr(exc, "message", str(exc))) from None


def real(value: Any, what: str, **kwargs: Any) -> float:
    """:func:`xbar.validate.real` raising :class:`ParameterError`."""
    try:
        return validate.real(value, what, **kwargs)
    except XbarError as exc:
        raise ParameterError(getattr(exc, "message", str(exc))) from None
