"""Start-up of a command-line run: numpy.f2py deferred, and still usable (xbar._startup)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_PROBE = """
import sys
from xbar._startup import defer_numpy_f2py
assert defer_numpy_f2py()
import scipy.sparse.linalg  # clones numpy's namespace (scipy >= 1.15)
executed = 'numpy.f2py.f2py2e' in sys.modules
import numpy.f2py
assert callable(numpy.f2py.run_main)  # the first attribute access runs the module in full
assert 'numpy.f2py.f2py2e' in sys.modules
assert not defer_numpy_f2py()  # imported already: left alone
print('executed early' if executed else 'deferred')
"""


def test_numpy_f2py_deferred_until_used():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, env=env,
                         check=False, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "deferred"


def test_cli_run_of_a_small_deck(tmp_path):
    deck = tmp_path / "d.cir"
    deck.write_text("divider\nV1 in 0 1\nR1 in out 1k\nR2 out 0 1k\n.op\n.print op v(out)\n.end\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "xbar.cli", "run", str(deck)], capture_output=True,
                         text=True, env=env, check=False, timeout=120)
    assert out.returncode == 0, out.stderr
    assert ["v(out)", "5.000000e-01"] in [line.split() for line in out.stdout.splitlines()]
