"""Spintronic device kinds (Y elements). Importing this package registers them:
``mtj`` (two-terminal STT-MTJ, :mod:`.stt`), ``sotmtj`` (compound SOT-MTJ, :mod:`.sot`),
``smtj`` (straintronic MTJ, :mod:`.strain`)."""

from __future__ import annotations

from xbar.devices.mtj import sot, strain, stt  # noqa: F401  (importing registers the kinds)
