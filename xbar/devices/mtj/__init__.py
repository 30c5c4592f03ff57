"""Spintronic device kinds (Y elements). Importing this package registers them:
``mtj`` (two-terminal STT-MTJ, :mod:`.stt`), ``sotmtj`` (compound SOT-MTJ, :mod:`.sot`),
``smtj`` (straintronic MTJ, :mod:`.strain`), ``mtj_field`` (STT-MTJ with an easy-axis field,
:mod:`.chain`), ``cogd`` (Co/Gd multidomain Hall bar, :mod:`.cogd`)."""

from __future__ import annotations

from xbar.devices.mtj import chain, cogd, sot, strain, stt  # noqa: F401  (importing registers the kinds)
