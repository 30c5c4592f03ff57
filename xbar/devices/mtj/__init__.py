"""Spintronic device kinds (Y elements). Importing this package registers them."""

from __future__ import annotations

from xbar.devices.mtj import stt  # noqa: F401  (registers the 'mtj' kind)
