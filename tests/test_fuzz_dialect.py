"""Random B-source expressions, measurement cards and control scripts: xbar either runs them or
refuses them with an XbarError (file:line:col), never with another exception."""

from __future__ import annotations

import io
import random
import traceback
import warnings

import pytest

import xbar
from xbar.errors import XbarError

_EXPR = ["v(a)", "v(b)", "v(a,b)", "i(v1)", "time", "k", "2", "1e-3", "(", ")", "+", "-", "*", "/",
         "^", "**", "?", ":", ">", "<=", "==", "&&", "sqrt(", "pwl(", "u(", "min(", ",", "{", "}",
         "'", "f(", "v(", "i(", "v(zz)", "=", "$", ";", "m=2", "tc1=1", " "]
_MEAS = ["tran", "dc", "x", "trig", "targ", "when", "find", "at=1u", "val=0.5", "rise=1", "fall=last",
         "cross=2", "td=1u", "from=0", "to=2u", "v(a)", "v(b)=0.3", "avg", "rms", "integ", "max",
         "min_at", "pp", "param='x*2'", "par('v(a)*2')", "=", "'", "(", ")", "1x5", "last"]
_CTL = ["op", "tran 1u 5u", "dc v1 0 1 0.5", "print", "v(a)", "all", "let x =", "v(b)*2", "echo",
        "$&x", "$foo", "wrdata", "f.txt", "set", "numdgt=3", "meas tran", "y max v(a)", "quit",
        "run", "col", "line", ">", "(", ")", "'", '"', "{", "unset numdgt", "write", "mean(v(a))"]
_HEAD = "t\nV1 a 0 PULSE(0 1 1u 1u 1u 2u 5u)\nR1 a b 1k\nR2 b 0 1k\n.tran 0.5u 5u\n"


def _deck(rng: random.Random) -> str:
    kind = rng.choice(["b", "meas", "ctl"])
    if kind == "b":
        expr = "".join(rng.choice(_EXPR) for _ in range(rng.randint(1, 9)))
        return (f"t\n.param k=2\n.func f(x) {{x*k}}\nV1 a 0 PULSE(0 1 1u 1u 1u 2u 5u)\nR1 a b 1k\n"
                f"B1 b 0 {rng.choice(['V', 'I'])}={expr}\nR2 b 0 1k\n.tran 0.5u 5u\n.op\n")
    if kind == "meas":
        return _HEAD + ".dc V1 0 1 0.5\n.meas " + " ".join(rng.choice(_MEAS) for _ in range(rng.randint(1, 10))) + "\n"
    lines = "\n".join(" ".join(rng.choice(_CTL) for _ in range(rng.randint(1, 4))) for _ in range(rng.randint(1, 5)))
    return _HEAD + ".control\n" + lines + "\n.endc\n"


@pytest.mark.parametrize("seed", range(3))
def test_random_dialect_decks_only_raise_xbar_errors(seed: int, tmp_path) -> None:
    rng = random.Random(seed)
    for _ in range(40):
        deck = _deck(rng)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                n = xbar.read_netlist_text(deck, base_dir=tmp_path)
                n.run()
                if n.control is not None:
                    n.run_control(io.StringIO(), workdir=tmp_path)
        except XbarError:
            pass
        except Exception:
            pytest.fail(f"non-xbar exception for deck:\n{deck}\n{traceback.format_exc()}")
