"""Vectors of a result by name: what ``.print``, ``.meas`` and the control language read.

Besides the stored vectors (``v(node)``, ``i(vsource)``, ``@dev[param]``, the scale), this
resolves

* ``v(a, b)`` (difference) and bare node names (``out`` = ``v(out)``);
* element currents that are not unknowns, computed from the node voltages of the result:
  ``i(r1)`` / ``@r1[i]`` (``(v+ − v−)/R``, the swept value during a ``.dc`` of that resistor)
  and ``i(d1)`` / ``@d1[id]`` (the diode equation at the result's temperature); currents of
  inductors, V, E and H sources are unknowns already. Capacitor currents are not recorded
  (they need the integration history): the message suggests a 0 V sense source;
* expressions ``par('v(a)*i(v1)')`` (and, in the control language, any arithmetic on vectors)
  through the project's expression parser, element-wise on the vectors.

ngspice's AC transforms ``vm() vdb() vp() vr() vi()`` (magnitude, dB, phase in degrees, real
and imaginary part) apply to complex results.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from xbar.errors import XbarError

__all__ = ["element_current", "resolve_vector", "vector_names"]

_AC_FORMS = {
    "vm": np.abs,
    "vdb": lambda z: 20.0 * np.log10(np.abs(z)),
    "vp": lambda z: np.degrees(np.angle(z)),
    "vr": np.real,
    "vi": np.imag,
}
_AC_RE = re.compile(r"^(vm|vdb|vp|vr|vi)\((.*)\)$")
_PAR_RE = re.compile(r"^par\(\s*(['\"])(.*)\1\s*\)$", re.IGNORECASE | re.DOTALL)
_ELEMENT_RE = re.compile(r"^(?:i\(([^()]+)\)|@([^\[\]]+)\[(i|id)\])$")


def vector_names(result: Any) -> list[str]:
    """Names a user may ask for (stored vectors plus bare node names)."""
    names = list(result.names)
    names.extend(n[2:-1] for n in result.names if n.startswith("v(") and n.endswith(")"))
    return names


def _close(name: str, result: Any, system: Any = None) -> str:
    """`` (did you mean 'x'?)`` for a near miss among the result's vectors and elements."""
    pool = vector_names(result)
    if system is not None:
        for g in system.groups:
            if g.letter in ("r", "d"):
                pool.extend(f"i({n})" for n in g.names)
    match = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""


def element_current(result: Any, element: str, system: Any) -> np.ndarray | None:
    """Current through resistor or diode ``element`` at every point of ``result`` [A].

    Positive from the element's first node through it to the second (as ngspice's ``@r1[i]``).
    Returns None when ``element`` is not a resistor or diode. Raises :class:`XbarError` for
    capacitors (their current is not recorded).
    """
    try:
        group, idx = system.group_of(element)
    except KeyError:
        return None
    letter = group.letter
    if letter == "c":
        raise XbarError(f"the current of capacitor '{element}' is not recorded; put a 0 V source "
                        f"in series (Vsense a b 0) and read i(vsense)")
    if letter not in ("r", "d"):
        return None
    a, b = (int(k) for k in group.nodes[idx, :2])
    names = system.node_names
    zero = np.zeros(np.shape(result.data)[:-1])
    va = result[f"v({names[a]})"] if a >= 0 else zero
    vb = result[f"v({names[b]})"] if b >= 0 else zero
    v = np.asarray(va, dtype=np.float64) - np.asarray(vb, dtype=np.float64)
    if letter == "r":
        r: Any = float(group.r[idx])
        if result.kind == "dc" and result.scale_name == "res-sweep" and getattr(result, "sweep_target", None) == element:
            r = np.asarray(result["res-sweep"], dtype=np.float64)
        return v / r
    temps = np.full(np.shape(v), system.options.temp)
    if result.kind == "dc" and "temp-sweep" in result.names:
        temps = np.asarray(result["temp-sweep"], dtype=np.float64)
    out = np.empty(np.shape(v))
    flat_t = np.atleast_1d(temps)
    flat_v = np.atleast_1d(v)
    flat_o = np.atleast_1d(out)
    for t in np.unique(flat_t):
        sel = flat_t == t
        nvt, is_t = group._thermal(float(t))
        arg = np.minimum(flat_v[sel] / nvt, 700.0)
        flat_o[sel] = is_t[idx] * (np.exp(arg) - 1.0) + system.options.gmin * flat_v[sel]
    return flat_o.reshape(np.shape(v)) if np.ndim(v) else float(flat_o[0])  # type: ignore[return-value]


def resolve_vector(result: Any, spec: str, *, system: Any = None,
                   params: Mapping[str, float] | None = None, dialect: Any = None,
                   extra: Mapping[str, Any] | None = None) -> np.ndarray:
    """The vector ``spec`` of ``result`` (see module docstring) as a float array.

    ``params`` are scalar names an expression may use (``.param`` values, earlier measures);
    ``extra`` are further named vectors (the control language's ``let`` vectors).

    Raises
    ------
    XbarError
        When ``spec`` names nothing, with the closest vector name as a hint.
    """
    key = spec.strip()
    low = key.lower().replace(" ", "")
    if extra and low in extra:
        return np.asarray(extra[low])
    m = _PAR_RE.match(key)
    if m:
        return _expression(result, m.group(2), system=system, params=params, dialect=dialect, extra=extra)
    m = _AC_RE.match(low)
    if m and np.iscomplexobj(result.data):
        inner = resolve_vector(result, f"v({m.group(2)})", system=system, extra=extra)
        return np.asarray(_AC_FORMS[m.group(1)](inner), dtype=np.float64)
    if low in result:
        return np.asarray(result[low])
    em = _ELEMENT_RE.match(low)
    if em and system is not None:
        element = em.group(1) or em.group(2)
        cur = element_current(result, element, system)
        if cur is not None:
            return np.asarray(cur)
    if low.startswith("@") or not re.search(r"[-+*/^(),<>=!?:]", low) or \
            re.fullmatch(r"[vi]\([^()]*\)", low):
        raise XbarError(f"no vector '{spec}' in the {result.kind} result{_close(low, result, system)}")
    return _expression(result, key, system=system, params=params, dialect=dialect, extra=extra)


def _expression(result: Any, text: str, *, system: Any, params: Mapping[str, float] | None,
                dialect: Any, extra: Mapping[str, Any] | None) -> np.ndarray:
    """An expression over the result's vectors, evaluated element-wise."""
    from xbar.netlist.expr import Dialect, parse_expression

    if dialect is None:
        dialect = Dialect(probes=True)
    expr = parse_expression(text, dialect=dialect)
    env: dict[str, Any] = {}
    for name in expr.names:
        if params is not None and name in params and not (name.startswith(("v(", "i("))):
            env[name] = params[name]
            continue
        env[name] = resolve_vector(result, name, system=system, extra=extra)
    value = expr.evaluate(env)
    return np.asarray(value, dtype=np.float64)
