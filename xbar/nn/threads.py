"""BLAS threading for small matrix products.

Training multiplies small matrices thousands of times; multi-threaded BLAS (OpenBLAS) then
spends more time waking threads than computing, and under load from other processes it is
an order of magnitude slower (measured here: 12 s vs 0.7 s per epoch of 784-128-10 on 8,000
images). :func:`one_blas_thread` limits BLAS to one thread for a block (``threadpoolctl``;
a no-op when it is not installed).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

__all__ = ["one_blas_thread"]


@contextlib.contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with single-threaded BLAS (restored afterwards)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        yield
        return
    with threadpool_limits(limits=1, user_api="blas"):
        yield
