"""Straintronic MTJ (``.model <name> smtj``): conductance set by a strain-generating gate voltage.

Element: ``Y<name> n+ n- g <model>``. ``n+``/``n-`` are the two ferromagnetic layers of the
junction (current ``I = G(V_G)·(V+ − V−)`` flows from ``n+`` through the barrier to ``n-``);
``g`` is the piezoelectric gate. The gate voltage is ``V_G = V(g)`` (back gate grounded, as in
Fig. 4 of [1]_; card ``vgref=0``) or ``V_G = V(g) − V(n-)`` (``vgref=1``). The gate draws no DC
current; with ``epsr > 0`` it loads a capacitance ``C = ε0 εr A/t_p`` between ``g`` and its
reference (transients only).

Derived constants (eq. (2) of [1]_, computed from the card's material parameters):

* ``Γ = μ0 Ms |H_d| t_p / (3 λ_s Y d33)`` — gate voltage at which the strain anisotropy field
  ``H_s = 3 λ_s Y d33 V_G / (μ0 Ms t_p)`` equals the dipole field ``H_d``;
* ``ν = Ms (N_min − N_maj) Γ / |H_d|`` (demagnetisation factors of the elliptical soft layer:
  exact ellipsoid via Carlson's ``R_D`` [2]_ by default, ``demag=1`` the Chikazumi series [3]_,
  ``demag=2`` Osborn's thin-ellipsoid limit);
* ``δ = Γ − ν``, ``κ = −1/(2 R_AP Γ)``.

Level 1 (``level=1``, default) — the published linear transfer characteristic, eq. (2) of [1]_,
``G = G_AP + κ (V_G − δ)``, written through the fraction ``s = −(V_G − δ)/W`` of the way from AP
(``s = 0``) to P (``s = 1``), which is smoothly clipped to [0, 1] with softplus corners of width
``smooth`` (C∞, so Newton converges):

* ``angle_law=0``: conductance linear in cos θ, ``cos θ = −(V_G + ν)/Γ = 2s − 1``, ``W = 2Γ``,
  ``G = G_AP + (G_P − G_AP) s``. Identical to eq. (2) when ``R_AP = 2 R_P`` (Fig. 5 card).
* ``angle_law=1``: resistance linear in cos θ (eq. (1) of [1]_), same ``cos θ``,
  ``R = R_AP − (R_AP − R_P) s``.
* ``angle_law=2``: eq. (2) literally for any TMR: ``G = G_AP + κ (V_G − δ)`` with the published
  ``κ``, clipped to [G_AP, G_P] (``W = 2Γ·TMR``).

Level 2 (``level=2``) — quasi-static single-domain energy minimisation in the film plane. With φ
the magnetisation angle from the major (easy) axis, energy density over ``μ0 Ms |H_d|``:
``e(φ) = ½ (Ms ΔN/|H_d|) sin²φ − cos(φ − φ_d) − ½ (V_G/Γ) cos²(φ − φ_σ)``
(shape anisotropy, dipole field of the hard layer along ``phid``, magnetoelastic anisotropy
``−(3/2) λ_s σ cos²`` of the uniaxial stress ``σ = Y d33 V_G/t_p`` along ``phis``). The global
minimum is found once per card on a grid of ``ntab`` gate voltages (dense φ grid, then Newton),
``θ = φ − φ_ref`` gives ``R(θ)`` by eq. (1) (``angle_law=1``) or the conductance-linear law
(``angle_law=0``), and ``G(V_G)`` is a monotone piecewise-cubic Hermite spline (PCHIP) whose exact
derivative feeds the Jacobian. Outside [``vgmin``, ``vgmax``] G is held constant. The collinear
geometry (``phis = phid = 0``, ``phiref = 180``) gives ``cos φ = −Γ/(V_G + ν)`` beyond the onset
``V_G = −(Γ + ν)`` and saturates at the 90° conductance, not at G_P (docs/models/bandyopadhyay2024.md, Level 2).

Results: ``@y1[g]`` (S), ``@y1[r]`` (Ω), ``@y1[dgdvg]`` (S/V), ``@y1[vg]``, ``@y1[v]``, ``@y1[i]``,
``@y1[cos]`` (cos θ), ``@y1[theta]`` (deg), ``@y1[s]``, and the card constants ``gamma``,
``nu``, ``delta``, ``kappa``.

References
----------
.. [1] S. Bandyopadhyay, "Straintronic magnetic tunnel junctions for analog computation:
   a perspective" (2024), arXiv:2411.02636 — eqs. (1), (2), Figs. 5-8.
.. [2] J. A. Osborn, Phys. Rev. 67, 351 (1945); B. C. Carlson, Numer. Algorithms 10, 13 (1995).
.. [3] S. Chikazumi, *Physics of Magnetism* (Wiley, 1964).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np
from scipy.interpolate import PchipInterpolator, PPoly
from scipy.special import ellipe, ellipk, elliprd, expit

from xbar.devices.base import F64, I64, LoadContext, Stamp, two_terminal_stamp
from xbar.devices.mtj.breakdown import BREAKDOWN_PARAMS, BarrierBreakdown
from xbar.devices.params import BoundCard, Param
from xbar.devices.registry import YDevice, register
from xbar.errors import ModelCardError
from xbar.reprs import short_repr

__all__ = [
    "EPS0",
    "MU0",
    "SMTJ_CARD",
    "Level2Table",
    "StrainDerived",
    "StraintronicMtj",
    "demag_chikazumi",
    "demag_ellipsoid",
    "demag_osborn_thin",
    "derive",
    "level1_conductance",
    "level2_equilibrium",
    "level2_table",
    "read_lib_card",
    "smooth_clip01",
    "transfer",
]

MU0 = 4e-7 * np.pi
"""Vacuum permeability [H/m] (4π×10⁻⁷, so that μ0·1000 Oe = 0.1 T exactly)."""
EPS0 = 8.8541878128e-12
"""Vacuum permittivity [F/m]."""
OE = 1000.0 / (4.0 * np.pi)
"""One oersted in A/m."""

SMTJ_CARD: tuple[Param, ...] = (
    Param("level", 1.0, "-", 1.0, 2.0, "1: published linear law (eq. 2); 2: energy minimisation", "card"),
    Param("rp", 1e3, "Ω", 1e-3, 1e12, "parallel resistance R_P", "Fig. 5 caption"),
    Param("rap", 2e3, "Ω", 1e-3, 1e12, "antiparallel resistance R_AP (> rp)", "Fig. 5 caption"),
    Param("ms", 8.5e5, "A/m", 1.0, 1e8, "saturation magnetisation of the soft layer", "Fig. 5 caption"),
    Param("hd", 1000.0 * OE, "A/m", 1e-6, 1e9, "dipole coupling field |H_d| (1000 Oe)", "Fig. 5 caption"),
    Param("tp", 1e-6, "m", 1e-12, 1.0, "piezoelectric layer thickness t", "Fig. 5 caption"),
    Param("lambdas", 600e-6, "-", -1.0, 1.0, "saturation magnetostriction λ_s (≠ 0)", "Fig. 5 caption"),
    Param("ymod", 120e9, "Pa", 1e6, 1e13, "Young's modulus of the soft layer", "Fig. 5 caption"),
    Param("d33", 1.5e-9, "m/V", -1e-6, 1e-6, "piezoelectric coefficient d33 (C/N = m/V, ≠ 0)", "Fig. 5 caption"),
    Param("lmaj", 800e-9, "m", 1e-10, 1e-2, "major-axis length of the elliptical soft layer", "Fig. 5 caption"),
    Param("lmin", 700e-9, "m", 1e-10, 1e-2, "minor-axis length (≤ lmaj)", "Fig. 5 caption"),
    Param("tf", 2.2e-9, "m", 1e-11, 1e-3, "soft-layer thickness", "Fig. 5 caption"),
    Param("demag", 0.0, "-", 0.0, 2.0, "0 exact ellipsoid (Carlson R_D), 1 Chikazumi series, 2 Osborn thin limit", "Osborn 1945, DOI 10.1103/PhysRev.67.351"),
    Param("angle_law", 0.0, "-", 0.0, 2.0, "0 G linear in cos θ, 1 R linear in cos θ (eq. 1), 2 eq. (2) literally", "docs/models/mtj_physics.md §1.1; paper eqs. (1), (2)"),
    Param("smooth", 1e-3, "-", 1e-9, 0.1, "softplus corner width of the clip, in units of the AP→P fraction s", "assumption"),
    Param("vgref", 0.0, "-", 0.0, 1.0, "gate voltage reference: 0 ground (back gate, Fig. 4), 1 the n- terminal", "assumption"),
    Param("epsr", 0.0, "-", 0.0, 1e6, "piezo relative permittivity for the gate capacitance (0: none)", "assumption"),
    Param("agate", 0.0, "m²", 0.0, 1.0, "gate area for the capacitance (0: ellipse area π/4·lmaj·lmin)", "assumption"),
    Param("phis", 0.0, "deg", -360.0, 360.0, "Level 2: stress axis angle from the major axis", "assumption"),
    Param("phid", 0.0, "deg", -360.0, 360.0, "Level 2: dipole-field direction from the major axis", "paper §1 (easy axis)"),
    Param("phiref", 180.0, "deg", -360.0, 360.0, "Level 2: hard-layer magnetisation direction", "paper §1 (antiparallel to H_d)"),
    Param("ntab", 801.0, "-", 11.0, 1e5, "Level 2: gate-voltage table points", "assumption"),
    Param("vgmin", 0.0, "V", -1e4, 1e4, "Level 2: table start (vgmin = vgmax: ±8|Γ|)", "assumption"),
    Param("vgmax", 0.0, "V", -1e4, 1e4, "Level 2: table end", "assumption"),
    *BREAKDOWN_PARAMS,
)


# ------------------------------------------------------------------------------------------
# demagnetisation factors
# ------------------------------------------------------------------------------------------
def demag_ellipsoid(a: float, b: float, c: float) -> tuple[float, float, float]:
    """Demagnetisation factors of a general ellipsoid with semi-axes ``a, b, c`` [m].

    ``N_a = (abc/3) R_D(b², c², a²)`` and cyclic (Osborn 1945, Carlson symmetric form);
    the three add up to one.

    Examples
    --------
    >>> [round(n, 8) for n in demag_ellipsoid(400e-9, 350e-9, 1.1e-9)]
    [0.00207787, 0.00253813, 0.995384]
    """
    k = a * b * c / 3.0
    na = k * float(elliprd(b * b, c * c, a * a))
    nb = k * float(elliprd(c * c, a * a, b * b))
    nc = k * float(elliprd(a * a, b * b, c * c))
    return na, nb, nc


def demag_chikazumi(lmaj: float, lmin: float, t: float) -> tuple[float, float, float]:
    """Chikazumi/Osborn series for a thin elliptical disk (major, minor, perpendicular).

    ``N_maj = (π/4)(t/l)[1 − r/4 − 3r²/16]``, ``N_min = (π/4)(t/l)[1 + 5r/4 + 21r²/16]`` with
    ``r = (l_maj − l_min)/l_maj``; ``N_perp = 1 − N_maj − N_min``. Valid for small ``r``.
    """
    r = (lmaj - lmin) / lmaj
    pre = 0.25 * np.pi * t / lmaj
    nmaj = pre * (1.0 - 0.25 * r - 3.0 / 16.0 * r * r)
    nmin = pre * (1.0 + 1.25 * r + 21.0 / 16.0 * r * r)
    return float(nmaj), float(nmin), float(1.0 - nmaj - nmin)


def demag_osborn_thin(lmaj: float, lmin: float, t: float) -> tuple[float, float, float]:
    """Osborn's thin-ellipsoid limit with complete elliptic integrals (major, minor, perp)."""
    a, b, c = 0.5 * lmaj, 0.5 * lmin, 0.5 * t
    e2 = 1.0 - (b / a) ** 2
    if e2 < 1e-12:  # circular disk: N_in-plane = (π/4)(c/a)
        n = 0.25 * np.pi * c / a
        return n, n, 1.0 - 2.0 * n
    kk, ee = float(ellipk(e2)), float(ellipe(e2))
    q = np.sqrt(1.0 - e2)
    nmaj = (c / a) * q * (kk - ee) / e2
    nmin = (c / a) * (ee - (1.0 - e2) * kk) / (e2 * q)
    return float(nmaj), float(nmin), float(1.0 - nmaj - nmin)


# ------------------------------------------------------------------------------------------
# derived constants
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StrainDerived:
    """Constants of one card (SI units). ``width`` is the Level-1 linear-window width W [V]."""

    gamma: float
    nu: float
    delta: float
    kappa: float
    nmaj: float
    nmin: float
    nperp: float
    gp: float
    gap: float
    width: float
    strain_per_volt: float
    stress_per_volt: float
    hs_per_volt: float
    shape_field: float
    cgate: float


def derive(values: Mapping[str, float]) -> StrainDerived:
    """Compute Γ, ν, δ, κ, demagnetisation factors and the window from card ``values``.

    ``values`` may be partial; missing parameters take their :data:`SMTJ_CARD` defaults.

    Raises
    ------
    ValueError
        Inconsistent card (``rap ≤ rp``, ``lmin > lmaj``, zero ``lambdas`` or ``d33``).
    """
    v = {p.name: p.default for p in SMTJ_CARD}
    v.update(values)
    if v["rap"] <= v["rp"]:
        raise ValueError(f"rap={v['rap']:g} must exceed rp={v['rp']:g}")
    if v["lmin"] > v["lmaj"]:
        raise ValueError(f"lmin={v['lmin']:g} must not exceed lmaj={v['lmaj']:g}")
    if v["lambdas"] == 0.0 or v["d33"] == 0.0:
        raise ValueError("lambdas and d33 must be non-zero (no strain coupling otherwise)")
    method = round(v["demag"])
    if method == 0:
        nmaj, nmin, nperp = demag_ellipsoid(0.5 * v["lmaj"], 0.5 * v["lmin"], 0.5 * v["tf"])
    elif method == 1:
        nmaj, nmin, nperp = demag_chikazumi(v["lmaj"], v["lmin"], v["tf"])
    else:
        nmaj, nmin, nperp = demag_osborn_thin(v["lmaj"], v["lmin"], v["tf"])
    hd = abs(v["hd"])
    ms = v["ms"]
    coupling = 3.0 * v["lambdas"] * v["ymod"] * v["d33"]  # N m⁻¹ V⁻¹
    gamma = MU0 * ms * hd * v["tp"] / coupling
    nu = ms * (nmin - nmaj) / hd * gamma
    delta = gamma - nu
    kappa = -1.0 / (2.0 * v["rap"] * gamma)
    gp, gap = 1.0 / v["rp"], 1.0 / v["rap"]
    law = round(v["angle_law"])
    tmr = v["rap"] / v["rp"] - 1.0
    width = 2.0 * gamma * (tmr if law == 2 else 1.0)
    strain = v["d33"] / v["tp"]
    area = v["agate"] if v["agate"] > 0 else 0.25 * np.pi * v["lmaj"] * v["lmin"]
    return StrainDerived(
        gamma=gamma, nu=nu, delta=delta, kappa=kappa, nmaj=nmaj, nmin=nmin, nperp=nperp,
        gp=gp, gap=gap, width=width, strain_per_volt=strain, stress_per_volt=v["ymod"] * strain,
        hs_per_volt=coupling / (MU0 * ms * v["tp"]), shape_field=ms * (nmin - nmaj),
        cgate=EPS0 * v["epsr"] * area / v["tp"])


# ------------------------------------------------------------------------------------------
# Level 1
# ------------------------------------------------------------------------------------------
def smooth_clip01(u: F64, w: float) -> tuple[F64, F64]:
    """C∞ clip of ``u`` to [0, 1] with softplus corners of width ``w``; value and derivative.

    ``c = w·sp(u/w) − w·sp((u − 1)/w)``, ``sp(x) = ln(1 + eˣ)``; ``dc/du = σ(u/w) − σ((u−1)/w)``.
    Deviation from the hard clip is at most ``w·ln 2`` (at the corners).

    Examples
    --------
    >>> c, d = smooth_clip01(np.array([-1.0, 0.5, 2.0]), 1e-3)
    >>> [round(float(x), 9) for x in c], [round(float(x), 9) for x in d]
    ([0.0, 0.5, 1.0], [0.0, 1.0, 0.0])
    """
    u = np.asarray(u, dtype=np.float64)
    c = w * (np.logaddexp(0.0, u / w) - np.logaddexp(0.0, (u - 1.0) / w))
    d = expit(u / w) - expit((u - 1.0) / w)
    return c, d


def level1_conductance(vg: F64, d: StrainDerived, law: int, w: float) -> tuple[F64, F64, F64]:
    """Level-1 conductance [S], ``dG/dV_G`` [S/V] and cos θ at gate voltages ``vg`` [V]."""
    u = -(np.asarray(vg, dtype=np.float64) - d.delta) / d.width
    s, ds = smooth_clip01(u, w)
    dsdv = -ds / d.width
    if law == 1:
        rap, rp = 1.0 / d.gap, 1.0 / d.gp
        r = rap - (rap - rp) * s
        g = 1.0 / r
        dg = (rap - rp) * dsdv * g * g
    else:
        g = d.gap + (d.gp - d.gap) * s
        dg = (d.gp - d.gap) * dsdv
    return g, dg, 2.0 * s - 1.0


# ------------------------------------------------------------------------------------------
# Level 2
# ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Level2Table:
    """Tabulated Level-2 transfer characteristic of one card."""

    __repr__ = short_repr

    vg: F64
    phi: F64
    cos_theta: F64
    g: F64
    spline: PchipInterpolator
    dspline: PPoly

    def __call__(self, vg: F64) -> tuple[F64, F64]:
        """Conductance [S] and exact spline derivative [S/V]; constant outside the table."""
        x = np.asarray(vg, dtype=np.float64)
        lo, hi = self.vg[0], self.vg[-1]
        inside = (x >= lo) & (x <= hi)
        xc = np.clip(x, lo, hi)
        return self.spline(xc), np.where(inside, self.dspline(xc), 0.0)


def _energy_terms(phi: F64, h: F64, k_shape: float, pd: float, ps: float) -> tuple[F64, F64, F64]:
    """Normalised energy e(φ), e'(φ), e''(φ) (see module docstring)."""
    e = 0.5 * k_shape * np.sin(phi) ** 2 - np.cos(phi - pd) - 0.5 * h * np.cos(phi - ps) ** 2
    e1 = 0.5 * k_shape * np.sin(2 * phi) + np.sin(phi - pd) + 0.5 * h * np.sin(2 * (phi - ps))
    e2 = k_shape * np.cos(2 * phi) + np.cos(phi - pd) + h * np.cos(2 * (phi - ps))
    return e, e1, e2


def level2_equilibrium(vg: F64, d: StrainDerived, k_shape: float, phid: float, phis: float,
                       n_phi: int = 1440) -> F64:
    """Global-minimum magnetisation angle φ [rad] at each gate voltage ``vg`` [V].

    Dense φ grid (``n_phi`` points) for the global minimum, then safeguarded Newton on e'(φ).
    """
    h = np.asarray(vg, dtype=np.float64)[:, None] / d.gamma
    grid = np.linspace(-np.pi, np.pi, n_phi, endpoint=False)[None, :]
    e, _, _ = _energy_terms(grid, h, k_shape, phid, phis)
    phi = grid[0, np.argmin(e, axis=1)]
    step = 2 * np.pi / n_phi
    hh = h[:, 0]
    lo, hi = phi - step, phi + step
    for _ in range(60):
        _, e1, e2 = _energy_terms(phi, hh, k_shape, phid, phis)
        newton = np.where(e2 > 0, phi - e1 / np.where(e2 > 0, e2, 1.0), phi - np.sign(e1) * step / 8)
        phi_new = np.clip(newton, lo, hi)
        if np.max(np.abs(phi_new - phi)) < 1e-15:
            phi = phi_new
            break
        phi = phi_new
    return phi


@functools.lru_cache(maxsize=64)
def _level2_cached(items: tuple[tuple[str, float], ...]) -> Level2Table:
    v = dict(items)
    d = derive(v)
    span = 8.0 * abs(d.gamma)
    lo, hi = (v["vgmin"], v["vgmax"]) if v["vgmax"] > v["vgmin"] else (-span, span)
    vg = np.linspace(lo, hi, round(v["ntab"]))
    k_shape = v["ms"] * (d.nmin - d.nmaj) / abs(v["hd"])
    phi = level2_equilibrium(vg, d, k_shape, np.deg2rad(v["phid"]), np.deg2rad(v["phis"]))
    cos_t = np.cos(phi - np.deg2rad(v["phiref"]))
    if round(v["angle_law"]) == 1:
        g = 1.0 / (1.0 / d.gp + 0.5 * (1.0 / d.gap - 1.0 / d.gp) * (1.0 - cos_t))
    else:
        g = 0.5 * (d.gp + d.gap) + 0.5 * (d.gp - d.gap) * cos_t
    spline = PchipInterpolator(vg, g, extrapolate=True)
    for arr in (vg, phi, cos_t, g):
        arr.setflags(write=False)
    return Level2Table(vg, phi, cos_t, g, spline, spline.derivative())


def level2_table(values: Mapping[str, float]) -> Level2Table:
    """The Level-2 table of a card (computed once per distinct card, then cached)."""
    return _level2_cached(tuple(sorted((k, float(x)) for k, x in values.items())))


def transfer(values: Mapping[str, float], vg: F64) -> tuple[F64, F64]:
    """Conductance [S] and ``dG/dV_G`` [S/V] of a card at gate voltages ``vg`` (no circuit).

    ``values`` may be partial: missing parameters take their defaults.
    """
    full = {p.name: p.default for p in SMTJ_CARD}
    full.update({k.lower(): float(x) for k, x in values.items()})
    vgs = np.asarray(vg, dtype=np.float64)
    if round(full["level"]) == 2:
        return level2_table(full)(vgs)
    g, dg, _ = level1_conductance(vgs, derive(full), round(full["angle_law"]), full["smooth"])
    return g, dg


# ------------------------------------------------------------------------------------------
# the device group
# ------------------------------------------------------------------------------------------
@register
class StraintronicMtj(BarrierBreakdown, YDevice):
    """All three-terminal straintronic MTJs of one ``smtj`` card (see module docstring)."""

    kind: ClassVar[str] = "smtj"
    letter: ClassVar[str] = "y"
    linear: ClassVar[bool] = False
    dc_conducting = ((0, 1),)
    model_type: ClassVar[str] = "smtj"
    terminals: ClassVar[tuple[str, ...]] = ("n+", "n-", "g")
    card_params: ClassVar[tuple[Param, ...]] = SMTJ_CARD
    instance_params: ClassVar[tuple[Param, ...]] = ()
    output_info: ClassVar[dict[str, tuple[str, str]]] = {
        "g": ("S", "junction conductance G(V_G)"),
        "r": ("Ω", "junction resistance 1/G"),
        "dgdvg": ("S/V", "dG/dV_G"),
        "vg": ("V", "gate voltage V_G"),
        "v": ("V", "junction voltage V(n+) − V(n-)"),
        "i": ("A", "junction current n+ → n-"),
        "cos": ("-", "cos θ (θ: angle between the layers' magnetisations)"),
        "theta": ("deg", "angle θ between the layers' magnetisations"),
        "s": ("-", "fraction of the way from AP (0) to P (1)"),
        "broken": ("-", "1 once the barrier has broken down"),
        "gamma": ("V", "Γ of eq. (2) (card constant)"),
        "nu": ("V", "ν of eq. (2) (card constant)"),
        "delta": ("V", "δ = Γ − ν (card constant)"),
        "kappa": ("S/V", "κ = −1/(2 R_AP Γ) (card constant)"),
    }

    def __init__(self, names: list[str], nodes: I64, card: BoundCard, inst: dict[str, F64],
                 rng: np.random.Generator) -> None:
        super().__init__(names, nodes, card, inst, rng)
        c = card.values
        try:
            self.derived = derive(c)
        except ValueError as exc:
            raise ModelCardError(f"model '{card.name}' (smtj): {exc}", card.location) from None
        self.level = round(c["level"])
        self.law = round(c["angle_law"])
        if self.level == 2 and self.law == 2:
            raise ModelCardError(f"model '{card.name}' (smtj): angle_law=2 (eq. (2) literally) is a "
                                 "Level-1 law; Level 2 takes angle_law 0 or 1", card.location)
        self.table = level2_table(c) if self.level == 2 else None
        n = len(names)
        self.ref = self.nodes[:, 1] if c["vgref"] >= 0.5 else np.full(n, -1, dtype=np.int64)
        self.vgref = 1.0 if c["vgref"] >= 0.5 else 0.0
        self.init_breakdown(n, rng.standard_normal(n))

    # physics -----------------------------------------------------------------------------
    @staticmethod
    def _at(x: F64, idx: I64) -> F64:
        return np.where(idx >= 0, x[np.maximum(idx, 0)], 0.0)

    def gate_voltage(self, x: F64) -> F64:
        """Gate voltage V_G [V] of every instance (relative to ground or ``n-``)."""
        return self._at(x, self.nodes[:, 2]) - self._at(x, self.ref)

    def conductance(self, vg: F64) -> tuple[F64, F64]:
        """Conductance [S] and ``dG/dV_G`` [S/V] at gate voltages ``vg``."""
        if self.table is not None:
            g, dg = self.table(vg)
        else:
            g, dg, _ = level1_conductance(vg, self.derived, self.law, self.card["smooth"])
        return self.apply_short(g, dg)

    def after_solution(self, x: F64, t: float | None, dt: float | None) -> bool:
        """Breakdown check of every barrier (the s-MTJ has no stochastic switching)."""
        v = self._at(x, self.nodes[:, 0]) - self._at(x, self.nodes[:, 1])
        return self.check_breakdown(v, t)

    def cos_theta(self, vg: F64) -> F64:
        """cos θ (angle between the soft- and hard-layer magnetisations) at ``vg``."""
        if self.table is not None:
            return np.interp(vg, self.table.vg, self.table.cos_theta)
        return level1_conductance(vg, self.derived, self.law, self.card["smooth"])[2]

    # MNA ---------------------------------------------------------------------------------
    def nl_pattern(self) -> tuple[I64, I64]:
        a, b, g = self.nodes[:, 0], self.nodes[:, 1], self.nodes[:, 2]
        return np.concatenate([a, a, a, b, b, b]), np.concatenate([a, b, g, a, b, g])

    def nl_load(self, x: F64, ctx: LoadContext) -> tuple[F64, I64, F64]:
        a, b, gt = self.nodes[:, 0], self.nodes[:, 1], self.nodes[:, 2]
        va, vb, vgate = self._at(x, a), self._at(x, b), self._at(x, gt)
        v = va - vb
        vg = vgate - self._at(x, self.ref)
        g, dg = self.conductance(vg)
        i = g * v
        ja = g
        jg = v * dg
        jb = -g - self.vgref * jg
        ieq = i - (ja * va + jb * vb + jg * vgate)
        vals = np.concatenate([ja, jb, jg, -ja, -jb, -jg])
        return vals, np.concatenate([a, b]), np.concatenate([ieq, -ieq])

    def c_stamp(self) -> Stamp | None:
        cg = self.derived.cgate
        if cg <= 0.0:
            return None
        return two_terminal_stamp(self.nodes[:, 2], self.ref, np.full(len(self), cg))

    def outputs(self, x: F64) -> dict[str, F64]:
        a, b = self.nodes[:, 0], self.nodes[:, 1]
        v = self._at(x, a) - self._at(x, b)
        vg = self.gate_voltage(x)
        g, dg = self.conductance(vg)
        cos_t = self.cos_theta(vg)
        n = len(self)
        d = self.derived
        return {"g": g, "r": 1.0 / g, "dgdvg": dg, "vg": vg, "v": v, "i": g * v, "cos": cos_t,
                "broken": self.broken.astype(np.float64),
                "theta": np.rad2deg(np.arccos(np.clip(cos_t, -1.0, 1.0))),
                "s": (g - d.gap) / (d.gp - d.gap),
                "gamma": np.full(n, d.gamma), "nu": np.full(n, d.nu),
                "delta": np.full(n, d.delta), "kappa": np.full(n, d.kappa)}

    # ngspice export ----------------------------------------------------------------------
    @classmethod
    def spice_lines(cls, name: str, nodes: list[str], card: BoundCard, params: dict[str, float]) -> list[str]:
        """Behavioural ngspice equivalent: a B current source ``I = G(V_G)·V(n+, n-)``.

        Level 1 writes the softplus clip in closed form; Level 2 writes the PCHIP table as a
        balanced tree of ``?:`` over piecewise cubics (expression length grows with ``ntab``).
        The gate capacitance is written as a C element when present. Level 2 adds a helper
        node ``<name>_vgc`` (the gate voltage clamped to the table) driven by a B source.
        """
        c = card.values
        d = derive(c)
        a, b, gt = nodes
        vg = f"V({gt},{b})" if c["vgref"] >= 0.5 else f"V({gt})"
        base = name[1:] if name.startswith("y") else name
        lines = []
        if round(c["level"]) == 2:
            table = level2_table(c)
            lo, hi = float(table.vg[0]), float(table.vg[-1])
            node = f"{base}_vgc"  # helper node: the gate voltage clamped to the table
            lines.append(f"b{base}_vgc {node} 0 V={{min(max({vg},{lo!r}),{hi!r})}}")
            gexpr = _pchip_expression(table, f"V({node})")
        else:
            w = c["smooth"]
            u = f"(-({vg}-({d.delta!r}))/({d.width!r}))"

            def sp(arg: str) -> str:
                return f"(max({arg},0)+ln(1+exp(-abs({arg}))))"

            s = f"({w!r}*({sp(f'{u}/{w!r}')}-{sp(f'({u}-1)/{w!r}')}))"
            if round(c["angle_law"]) == 1:
                rap, rp = c["rap"], c["rp"]
                gexpr = f"(1/({rap!r}-({rap - rp!r})*{s}))"
            else:
                gexpr = f"({d.gap!r}+({d.gp - d.gap!r})*{s})"
        lines.append(f"b{base} {a} {b} I={{{gexpr}*V({a},{b})}}")
        if d.cgate > 0:
            lines.append(f"c{base}_gate {gt} {b if c['vgref'] >= 0.5 else '0'} {d.cgate!r}")
        return lines


def _pchip_expression(table: Level2Table, var: str) -> str:
    """ngspice expression of the PCHIP table at ``var`` (``var`` already clamped to the table)."""
    x = [float(t) for t in table.spline.x]
    coef = np.asarray(table.spline.c, dtype=np.float64)  # (4, n-1): c0 t³ + c1 t² + c2 t + c3

    def poly(i: int) -> str:
        t = f"({var}-({x[i]!r}))"
        c0, c1, c2, c3 = (float(q) for q in coef[:, i])
        return f"((({c0!r}*{t}+({c1!r}))*{t}+({c2!r}))*{t}+({c3!r}))"

    def tree(lo: int, hi: int) -> str:
        if hi - lo == 1:
            return poly(lo)
        mid = (lo + hi) // 2
        return f"({var}<{x[mid]!r}?{tree(lo, mid)}:{tree(mid, hi)})"

    return tree(0, len(x) - 1)


def read_lib_card(path: str | Path, name: str) -> tuple[str, dict[str, float]]:
    """Type and parameters of ``.model <name>`` in a SPICE library file (read by the deck
    front end, :meth:`xbar.Circuit.load_models`, so errors name ``file:line``).

    Raises
    ------
    ModelCardError
        The card is missing or malformed.
    """
    from xbar.circuit import Circuit

    c = Circuit()
    c.load_models(path, [name])
    model = c.models[name.lower()]
    return model.type, dict(model.params)
