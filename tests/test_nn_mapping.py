"""Device level sets and weight-mapping schemes (xbar.nn.levels, xbar.nn.mapping)."""

from __future__ import annotations

import numpy as np
import pytest

from xbar.errors import ParameterError
from xbar.nn import LevelSet, map_weights
from xbar.nn.mapping import allowed_values, quantize


def test_sot_levels_from_the_card() -> None:
    for n in (1, 2, 3):
        lv = LevelSet.sot(1.6e-9, n)
        assert len(lv) == n + 1 and np.all(np.diff(lv.g) > 0)
        assert lv.device["cell"] == "sotmtj" and lv.device["params"]["ncell"] == n
        assert lv.device["states"][-1] == 0.0 and lv.device["states"][0] == float(2**n - 1)
    one = LevelSet.sot(1.6e-9, 1)
    rp, tmr = one.device["rp"], one.device["tmr"]
    assert (rp, tmr) == pytest.approx((25.15e3, 0.33), rel=2e-3)  # Kumar Fig. 3b/3f as fitted by the card
    # the read path of a 1-cell device: barrier in series with the half channel (150 Ω) to w2
    assert one.g == pytest.approx([1 / (rp * (1 + tmr) + 150.0), 1 / (rp + 150.0)], rel=1e-12)
    assert LevelSet.sot(2.6e-9, 1).on_off > LevelSet.sot(1.6e-9, 1).on_off  # TMR rises with t_F
    assert one.v_breakdown == pytest.approx(1.8)


def test_sot_spread_sampler() -> None:
    lv = LevelSet.sot(1.9e-9, 3, spread=True)
    a = lv.sample(2000, np.random.default_rng(0))
    b = lv.sample(2000, np.random.default_rng(0))
    assert np.array_equal(a, b) and a.shape == (2000, 4)
    rel = a.std(axis=0) / a.mean(axis=0)
    assert np.all((rel > 0.01) & (rel < 0.1))  # rp_sigma 5 %, tmr_sigma 3 % on the card
    assert np.allclose(a.mean(axis=0), lv.g, rtol=0.01)
    assert LevelSet.sot(1.9e-9, 3).sampler is None


def test_rp_tmr_and_conductance_lists() -> None:
    lv = LevelSet.from_rp_tmr(10e3, 1.6, 7)
    assert lv.g[0] == pytest.approx(1 / 26e3) and lv.g[-1] == pytest.approx(1e-4)
    assert np.allclose(np.diff(lv.g), np.diff(lv.g)[0])
    mtj = LevelSet.mtj({"rp": 5e3, "tmr0": 1.2, "vb": 1.4, "vb_sigma": 0.05})
    assert mtj.g == pytest.approx([1 / 11e3, 1 / 5e3])
    with pytest.raises(ParameterError, match=r"must be positive|must be finite|positive and finite"):
        LevelSet.from_conductances([1e-5, -1e-5])
    with pytest.raises(ParameterError, match=r"must be positive|must be finite|positive and finite"):
        LevelSet.from_conductances([1e-5, np.nan])
    with pytest.raises(ParameterError, match="distinct"):
        LevelSet.from_conductances([1e-5, 1e-5])
    with pytest.raises(ParameterError, match="at least two"):
        LevelSet.from_conductances([1e-5])
    with pytest.raises(ParameterError, match=r"did you mean 1\.9n"):
        LevelSet.sot(1.9, 3)
    with pytest.raises(ParameterError, match="ncell must be an integer"):
        LevelSet.sot(1.9e-9, 0)
    with pytest.raises(ParameterError, match="n_states"):
        LevelSet.from_rp_tmr(10e3, 1.0, 1)


def test_signed_scheme() -> None:
    lv = LevelSet.from_conductances([0.5e-4, 1e-4])  # normalised levels 0.5, 1
    w = np.array([[0.9, -0.2, 0.0], [0.3, -1.0, 0.76]])
    m = map_weights(w, lv, "signed")
    assert m.scale == pytest.approx(1.0)
    assert m.quantized.tolist() == [[1.0, -0.5, 0.5], [0.5, -1.0, 1.0]]
    # one device per weight, in the + column for w ≥ 0 and in the − column otherwise
    assert np.array_equal(m.level_minus >= 0, w < 0) and np.array_equal(m.level_plus >= 0, w >= 0)
    assert np.allclose(m.effective_weights(), m.quantized, rtol=0, atol=1e-15)


def test_differential_and_offset_schemes() -> None:
    lv = LevelSet.from_conductances([1e-5, 2e-5, 4e-5])
    vals, plus, minus, unit = allowed_values(lv, "differential")
    assert unit == pytest.approx(3e-5)
    assert 0.0 in np.round(vals, 12).tolist() and np.all(np.diff(vals) > 0)
    zero = int(np.argmin(np.abs(vals)))
    assert (plus[zero], minus[zero]) == (0, 0)  # least read power for w = 0
    w = np.random.default_rng(1).normal(size=(20, 5))
    for scheme in ("differential", "offset"):
        m = map_weights(w, lv, scheme)
        assert np.allclose(m.effective_weights(), m.quantized, rtol=0, atol=1e-12)
    off = map_weights(w, lv, "offset")
    assert off.g_ref == pytest.approx(2.5e-5) and np.all(off.level_minus == -1)


def test_mmse_scale_beats_maxabs() -> None:
    w = np.random.default_rng(2).standard_t(3, size=(300, 40))
    lv = LevelSet.from_rp_tmr(10e3, 1.0, 4)
    for scheme in ("signed", "differential", "offset"):
        a = map_weights(w, lv, scheme, scale="maxabs")
        b = map_weights(w, lv, scheme, scale="mmse")
        assert b.quantization_error() <= a.quantization_error() + 1e-12
    with pytest.raises(ParameterError, match="unknown scale method"):
        map_weights(w, lv, "signed", scale="median")
    assert map_weights(w, lv, "signed", scale=0.5).scale == 0.5


def test_spread_realisation() -> None:
    lv = LevelSet.sot(1.9e-9, 2, spread=True)
    w = np.random.default_rng(3).normal(size=(30, 8))
    m = map_weights(w, lv, "differential")
    s1 = m.with_spread(np.random.default_rng(5))
    s2 = m.with_spread(np.random.default_rng(5))
    assert np.array_equal(s1.g_plus, s2.g_plus) and s1.spread
    rel = np.abs(s1.g_plus - m.g_plus) / m.g_plus
    assert 0.005 < rel.mean() < 0.1
    with pytest.raises(ParameterError, match="no spread model"):
        map_weights(w, LevelSet.sot(1.9e-9, 2), "signed").with_spread(np.random.default_rng(0))


def test_quantize_and_bad_weights() -> None:
    vals = np.array([-1.0, -0.5, 0.5, 1.0])
    assert quantize(np.array([-2.0, -0.74, -0.76, 0.0, 0.2, 3.0]), vals).tolist() == [0, 1, 0, 2, 2, 3]
    lv = LevelSet.from_rp_tmr(10e3, 1.0, 2)
    with pytest.raises(ParameterError, match=r"must be finite|NaN or inf"):
        map_weights(np.array([[np.nan, 1.0]]), lv)
    with pytest.raises(ParameterError, match="2-D"):
        map_weights(np.ones(3), lv)
    with pytest.raises(ParameterError, match="unknown weight-mapping scheme"):
        map_weights(np.ones((2, 2)), lv, "binary")
    with pytest.raises(ParameterError, match="LevelSet"):
        map_weights(np.ones((2, 2)), [1e-5, 2e-5])  # type: ignore[arg-type]
