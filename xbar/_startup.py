"""Start-up cost of a command-line run: imports the engine pays for but never uses.

scipy (from 1.15) builds its array-API namespace by cloning numpy's, which touches every
attribute of the ``numpy`` module, including the lazily imported ``numpy.f2py`` (the Fortran
wrapper generator, which in turn imports ``charset_normalizer`` and more): about 0.12 s of CPU
on this project's machine, 10 % of ``xbar run`` on a ten-line deck, for a module xbar never
calls. :func:`defer_numpy_f2py` registers ``numpy.f2py`` as a lazy module
(:class:`importlib.util.LazyLoader`, the standard library's recipe): the module object exists,
and is executed in full on its first attribute access, so code that does use it behaves as
before. Called by :func:`xbar.cli.main` only (a process xbar owns), never on ``import xbar``.
"""

from __future__ import annotations

import importlib.util
import sys

__all__ = ["defer_numpy_f2py"]


def defer_numpy_f2py() -> bool:
    """Make ``numpy.f2py`` a lazy module unless it is imported already; True if it was done."""
    if "numpy.f2py" in sys.modules or "scipy" in sys.modules:
        return False
    try:
        import numpy

        spec = importlib.util.find_spec("numpy.f2py")
    except (ImportError, ValueError):
        return False
    if spec is None or spec.loader is None:
        return False
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["numpy.f2py"] = module
    loader.exec_module(module)
    numpy.f2py = module  # type: ignore[attr-defined]  # (what the import system sets on a parent)
    return True
