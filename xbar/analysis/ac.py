"""``.ac``: small-signal frequency response around the DC operating point.

The circuit is solved at DC (as ``.op``), every nonlinear device is linearised there (its
Jacobian, with no voltage limiting, and its small-signal capacitances: junction and
diffusion capacitances, Meyer gate capacitances, see
:meth:`xbar.mna.system.MnaSystem.small_signal`), and the complex MNA system

    (G + jωC) x(ω) = b_ac

is solved at every frequency of the sweep. ``b_ac`` holds the ``AC mag [phase]`` values of
the independent sources (phase in degrees; ``AC`` alone is magnitude 1), all other sources
are zero. ``G`` and ``C`` share the sparsity pattern of the DC system, built once; only the
values ``G + jωC`` change with the frequency:

* up to :data:`DENSE_MAX` unknowns the frequencies are solved in vectorised batches of dense
  complex systems (one LAPACK call per batch);
* larger circuits use SuperLU on the equilibrated complex matrix, the fill-reducing column
  ordering computed at the first frequency and reused for all others.

Frequency points follow ngspice 39 (``acan.c``): ``dec n f1 f2`` steps by the constant
ratio ``(f2/f1)^(1/⌊n·log10(f2/f1)⌋)``, ``oct n f1 f2`` by ``2^(1/n)``, ``lin n f1 f2`` by
``(f2 − f1)/(n − 1)``, each while ``f ≤ f2 + tol`` with ngspice's tolerance
``tol = step·f2·reltol`` (``step·reltol`` for ``lin``). Where ngspice 39 misbehaves xbar does
the evident thing instead: ``lin 2`` gives both end points (ngspice 39 only the first), and a
``dec`` sweep shorter than one step gives ``f1`` alone (ngspice 39 loops forever, or returns
no point when ``f1 = f2``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from xbar.analysis.op import run_op
from xbar.analysis.results import AcResult
from xbar.errors import NetlistError, SingularMatrixError, SourceLocation
from xbar.mna.linsolve import equilibrate
from xbar.mna.system import MnaSystem
from xbar.mna.topology import diagnose_singular

__all__ = ["DENSE_MAX", "AcSpec", "run_ac"]

#: Largest system solved with dense batched LAPACK instead of sparse LU.
DENSE_MAX = 40
#: Memory budget of one dense batch [bytes].
_BATCH_BYTES = 64 * 2**20
_MAX_POINTS = 10_000_000
_SWEEPS = ("dec", "oct", "lin")


@dataclass
class AcSpec:
    """``.ac dec|oct|lin points fstart fstop`` (frequencies in Hz)."""

    sweep: str
    points: int
    fstart: float
    fstop: float
    location: SourceLocation | None = None

    def validate(self) -> None:
        """Raise :class:`NetlistError` for a sweep that cannot be run."""
        loc = self.location
        form = "expected '.ac dec|oct|lin points fstart fstop'"
        if self.sweep not in _SWEEPS:
            raise NetlistError(f".ac sweep type must be dec, oct or lin, got '{self.sweep}'; {form}", loc)
        if not (self.points >= 1 and float(self.points) == int(self.points)):
            raise NetlistError(f".ac number of points must be a positive integer, got {self.points!r}", loc)
        for what, f in (("fstart", self.fstart), ("fstop", self.fstop)):
            if not math.isfinite(f) or f < 0.0:
                raise NetlistError(f".ac {what} must be a finite frequency >= 0 Hz, got {f:g}", loc)
        if self.sweep != "lin" and not self.fstart > 0.0:
            raise NetlistError(f".ac {self.sweep} sweeps need fstart > 0, got {self.fstart:g}", loc)
        if self.fstop < self.fstart:
            raise NetlistError(f".ac fstop {self.fstop:g} is below fstart {self.fstart:g}", loc)
        count = self.count_estimate()
        if count > _MAX_POINTS:
            raise NetlistError(f".ac would have {count:.3g} frequency points; limit is 10 million", loc)

    def count_estimate(self) -> float:
        if self.sweep == "lin":
            return float(self.points)
        base = 10.0 if self.sweep == "dec" else 2.0
        return self.points * math.log(self.fstop / self.fstart) / math.log(base) + 1.0

    def frequencies(self, reltol: float = 1e-3) -> np.ndarray:
        """Frequency points [Hz] (see the module docstring)."""
        self.validate()
        f1, f2, n = self.fstart, self.fstop, int(self.points)
        if self.sweep == "lin":
            if n == 1 or f1 == f2:
                return np.array([f1])
            step = (f2 - f1) / (n - 1)
            tol = step * reltol
            out = [f1]
            f = f1
            while True:
                f += step
                if not f <= f2 + tol:
                    break
                out.append(f)
            return np.asarray(out)
        if self.sweep == "dec":
            steps = math.floor(abs(math.log10(f2 / f1)) * n)
            if steps == 0:
                return np.array([f1])
            ratio = math.exp(math.log(f2 / f1) / steps)
        else:
            ratio = math.exp(math.log(2.0) / n)
        tol = ratio * f2 * reltol
        out = [f1]
        f = f1
        while True:
            f *= ratio
            if not f <= f2 + tol:
                break
            out.append(f)
        return np.asarray(out)


def run_ac(system: MnaSystem, spec: AcSpec) -> AcResult:
    """Operating point, linearisation and the frequency sweep of ``spec``."""
    spec.validate()
    freqs = spec.frequencies(system.options.reltol)
    op = run_op(system)
    x_op = np.asarray(op.data[: system.n], dtype=np.float64)
    b = system.ac_rhs()
    n = system.n
    names = ["frequency", *system.unknown_names()]
    if n == 0:
        data = np.column_stack([freqs.astype(np.complex128)])
        return AcResult(kind="ac", names=names, data=data, title=system.circuit.title,
                        scale_name="frequency", analysis=".ac", events=op.events, operating_point=op,
                        units={"frequency": "Hz", **system.vector_units(names[1:])})
    g_data, c_data = system.small_signal(x_op)
    omega = 2.0 * np.pi * freqs
    if n <= DENSE_MAX:
        X = _solve_dense(system, g_data, c_data, b, omega, freqs)
    else:
        X = _solve_sparse(system, g_data, c_data, b, omega, freqs)
    data = np.empty((len(freqs), n + 1), dtype=np.complex128)
    data[:, 0] = freqs
    data[:, 1:] = X
    return AcResult(kind="ac", names=names, data=data, title=system.circuit.title,
                    scale_name="frequency", analysis=".ac", events=op.events, operating_point=op,
                    units={"frequency": "Hz", **system.vector_units(names[1:])})


def _singular(system: MnaSystem, freq: float) -> SingularMatrixError:
    return SingularMatrixError(f".ac: the small-signal matrix is singular at {freq:g} Hz: "
                               f"{diagnose_singular(system)}")


def _solve_dense(system: MnaSystem, g_data: np.ndarray, c_data: np.ndarray, b: np.ndarray,
                 omega: np.ndarray, freqs: np.ndarray) -> np.ndarray:
    n = system.n
    G = system.matrix(g_data).toarray()
    C = system.matrix(c_data).toarray()
    # scale rows and columns by the magnitude of G + C (MNA rows mix siemens and unit
    # incidence entries), so that LAPACK's pivoting sees comparable numbers
    mag = np.abs(G) + np.abs(C) * np.max(omega, initial=1.0)
    r = 1.0 / np.where(mag.max(axis=1) > 0, mag.max(axis=1), 1.0)
    cs = (r[:, None] * mag).max(axis=0)
    c = 1.0 / np.where(cs > 0, cs, 1.0)
    Gs = r[:, None] * G * c[None, :]
    Cs = r[:, None] * C * c[None, :]
    bs = r * b
    out = np.empty((len(omega), n), dtype=np.complex128)
    batch = max(1, _BATCH_BYTES // (16 * n * n))
    for start in range(0, len(omega), batch):
        w = omega[start : start + batch]
        A = Gs[None, :, :] + 1j * w[:, None, None] * Cs[None, :, :]
        try:
            y = np.linalg.solve(A, np.broadcast_to(bs, (len(w), n))[..., None])[..., 0]
        except np.linalg.LinAlgError:
            for k, wk in enumerate(w):  # find the frequency to name
                try:
                    np.linalg.solve(Gs + 1j * wk * Cs, bs)
                except np.linalg.LinAlgError:
                    raise _singular(system, float(freqs[start + k])) from None
            raise
        if not np.all(np.isfinite(y)):
            k = int(np.argmax(~np.all(np.isfinite(y), axis=1)))
            raise _singular(system, float(freqs[start + k]))
        out[start : start + len(w)] = y * c[None, :]
    return out


def _solve_sparse(system: MnaSystem, g_data: np.ndarray, c_data: np.ndarray, b: np.ndarray,
                  omega: np.ndarray, freqs: np.ndarray) -> np.ndarray:
    n = system.n
    out = np.empty((len(omega), n), dtype=np.complex128)
    perm: np.ndarray | None = None
    for k, w in enumerate(omega):
        A = sp.csc_array((g_data + 1j * w * c_data, system.indices, system.indptr), shape=(n, n))
        As, r, c = equilibrate(A)
        try:
            if perm is None:
                lu = spla.splu(As, permc_spec="COLAMD", diag_pivot_thresh=0.1)
                perm = np.argsort(lu.perm_c)  # SuperLU factors A·Pc; Pc picks columns argsort(perm_c)
                y = lu.solve(r * b)
            else:
                lu = spla.splu(As[:, perm], permc_spec="NATURAL", diag_pivot_thresh=0.1)
                y = np.empty(n, dtype=np.complex128)
                y[perm] = lu.solve(r * b)
        except RuntimeError:
            raise _singular(system, float(freqs[k])) from None
        xk = c * y
        if not np.all(np.isfinite(xk)):
            raise _singular(system, float(freqs[k]))
        out[k] = xk
    return out
