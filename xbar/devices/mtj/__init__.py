"""Spintronic device kinds (Y elements). Importing this package registers them."""

from __future__ import annotations

import xbar.devices.mtj.strain  # noqa: F401  (registers the 'smtj' kind)
from xbar.devices.mtj import stt  # noqa: F401  (registers the 'mtj' kind)
