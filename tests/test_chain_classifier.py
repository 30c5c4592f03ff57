"""Chain-of-MTJs classifier (Lopez et al. 2024): surrogate maths, circuit-level predictions,
determinism, the noise-free limit and bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from xbar.errors import DataError, NetlistError
from xbar.nn.chain_classifier import (
    ChainClassifier,
    _assign_lut,
    _poisson_binomial,
    _poisson_binomial_grad,
    _Surrogate,
    junction_statistics,
    lopez2024_cards,
    simulate_chain,
)

CARDS = lopez2024_cards(3)


def blobs(n_per_class: int = 24, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Three separated classes in 4 features (formant-like magnitudes, Hz)."""
    rng = np.random.default_rng(seed)
    centres = np.array([[500, 1500, 2500, 900], [800, 1200, 2800, 700], [400, 2200, 2600, 1100]], float)
    x = np.concatenate([c + rng.normal(0, 40, (n_per_class, 4)) for c in centres])
    y = np.repeat(np.array(["a", "b", "c"]), n_per_class)
    return x, y


QUICK = {"restarts": 1, "max_iter": 80, "smoothing": (4.0, 2.0), "realtime_steps": 2,
         "eval_every": 2}


def test_poisson_binomial_against_enumeration_and_its_gradient():
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 1, (3, 2, 4))
    q = _poisson_binomial(p)
    np.testing.assert_allclose(q.sum(axis=-1), 1.0, rtol=1e-13)
    brute = np.zeros_like(q)
    for bits in itertools.product((0, 1), repeat=4):
        b = np.array(bits)
        brute[..., b.sum()] += np.prod(np.where(b, p, 1 - p), axis=-1)
    np.testing.assert_allclose(q, brute, rtol=1e-12)
    g = rng.normal(size=q.shape)
    num = np.zeros_like(p)
    for idx in np.ndindex(p.shape):
        e = np.zeros_like(p)
        e[idx] = 1e-6
        num[idx] = (np.sum(g * _poisson_binomial(p + e)) - np.sum(g * _poisson_binomial(p - e))) / 2e-6
    np.testing.assert_allclose(_poisson_binomial_grad(p, g), num, atol=1e-8)


def test_surrogate_gradient_is_exact():
    x, y = blobs(10)
    xs = (x - x.mean(0)) / x.std(0)
    y_idx = np.unique(y, return_inverse=True)[1]
    stats = junction_statistics(CARDS)
    sur = _Surrogate(xs, y_idx, stats, 2, 3, (0.0, 1.2e-3), weight_decay=1e-4)
    sur.smoothing = 2.0
    sur.lut = np.random.default_rng(1).integers(0, 3, 16)
    rng = np.random.default_rng(2)
    # a point where some inputs leave the window (penalty active) but none sits on its kink
    theta = np.concatenate([rng.normal(0, 150, 8), [600.0, 650.0], -450 + rng.normal(0, 40, 6)])
    value, grad = sur.loss(theta)
    assert np.isfinite(value)
    num = np.zeros_like(theta)
    for i in range(len(theta)):
        e = np.zeros_like(theta)
        e[i] = 1e-4
        num[i] = (sur.loss(theta + e)[0] - sur.loss(theta - e)[0]) / 2e-4
    np.testing.assert_allclose(grad, num, rtol=1e-5, atol=1e-7 * np.abs(grad).max())


def test_junction_statistics_of_the_calibrated_cards():
    st = junction_statistics(CARDS)
    # Fig. 1(b): thresholds 724 / 434 / 696 µA with −500 µA control -> junction currents
    np.testing.assert_allclose(st.i50 * 1e6, [224, -66, 196], atol=0.01)
    np.testing.assert_allclose(st.width * 1e6, [10.68, 28.27, 12.38], atol=0.01)
    assert np.all(st.control_max < 0) and np.all(st.control_min < st.control_max)
    np.testing.assert_allclose(st.probability(st.i50), 0.5, rtol=1e-9)
    # the stochastic circuit switches half the copies at the 50 % input of every junction
    inputs = np.repeat(st.i50[None, :] + 500e-6, 150, axis=0)  # (150, 3): input k at junction k's I50
    states = simulate_chain(inputs, np.full((3, 3), -500e-6), CARDS, seed=4)
    frac = np.array([states[:, k, k].mean() for k in range(3)])
    assert np.all(np.abs(frac - 0.5) < 0.15), frac


def test_fit_predict_score_and_determinism():
    x, y = blobs()
    clf = ChainClassifier(seed=3, **QUICK).fit(x, y)
    assert clf.n_parameters_ == 2 * (4 + 1) + 3 * 2
    assert clf.coef_.shape == (2, 4) and clf.intercept_.shape == (2,) and clf.controls_.shape == (2, 3)
    assert set(clf.classes_) == {"a", "b", "c"}
    assert clf.score(x, y) >= 0.9
    pred = clf.predict(x)
    np.testing.assert_array_equal(pred, clf.predict(x))  # same draw by default
    np.testing.assert_array_equal(clf.configurations(x, seed=11), clf.configurations(x, seed=11))
    proba = clf.predict_proba(x)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert np.mean(clf.classes_[proba.argmax(axis=1)] == y) >= 0.9
    again = ChainClassifier(seed=3, **QUICK).fit(x, y)
    np.testing.assert_array_equal(again.coef_, clf.coef_)
    np.testing.assert_array_equal(again.controls_, clf.controls_)
    assert again.history_.rate_train == clf.history_.rate_train
    # inputs are the documented linear combination, in the trained window
    np.testing.assert_allclose(clf.transform(x), x @ clf.coef_.T + clf.intercept_)
    assert clf.get_params()["seed"] == 3
    assert clf.set_params(seed=5).seed == 5


def test_noise_free_chain_agrees_with_the_software_readout():
    """With a 100× larger barrier the switching is deterministic (widths ~0.1–0.3 µA): the
    simulated chain must then read exactly the configuration given by the 50 % thresholds."""
    cards = [{**c, "delta": 100 * c["delta"]} for c in CARDS]
    x, y = blobs(seed=1)
    clf = ChainClassifier(cards=cards, seed=0, **{**QUICK, "realtime_steps": 0}).fit(x, y)
    assert np.all(clf.statistics_.width < 0.5e-6)
    rng = np.random.default_rng(0)
    currents = rng.uniform(0.0, 1.2e-3, (300, 2))
    th = clf.thresholds_
    margin = np.min(np.abs(currents[:, :, None] - th[None]), axis=(1, 2))
    currents = currents[margin > 3e-6]
    states = simulate_chain(currents, clf.controls_, clf.cards_, seed=9)
    software = (currents[:, :, None] > th[None]).sum(axis=2)
    np.testing.assert_array_equal(states.sum(axis=2), software)
    # and the classifier's two readouts agree on the samples themselves
    inputs = clf.transform(x)
    far = np.min(np.abs(inputs[:, :, None] - th[None]), axis=(1, 2)) > 3e-6
    assert far.mean() > 0.5
    np.testing.assert_array_equal(clf.predict(x[far]), clf.predict_software(x[far]))


def test_bad_input_gets_clear_errors():
    x, y = blobs(6)
    clf = ChainClassifier(**QUICK)
    with pytest.raises(DataError, match="not fitted"):
        clf.predict(x)
    bad = x.copy()
    bad[3, 2] = np.nan
    with pytest.raises(DataError, match=r"NaN or inf\), first at sample 3, feature 2"):
        clf.fit(bad, y)
    with pytest.raises(DataError, match="one label per sample"):
        clf.fit(x, y[:-1])
    with pytest.raises(DataError, match=r"too few samples per class: 'd' \(1\)"):
        clf.fit(np.vstack([x, x[:1]]), np.append(y, "d"))
    with pytest.raises(DataError, match="at least 2 classes"):
        clf.fit(x, np.full(len(x), "a"))
    with pytest.raises(DataError, match=r"need at least 3 switching configurations.*\(N \+ 1\)\^K = 2"):
        ChainClassifier(n_junctions=1, n_inputs=1, **QUICK).fit(x, y)
    clf.fit(x, y)
    with pytest.raises(DataError, match="'z' is not a class seen in fit"):
        clf.score(x, np.where(y == "a", "z", y))
    with pytest.raises(DataError, match="has 3 features, the classifier was fitted with 4"):
        clf.predict(x[:, :3])
    with pytest.raises(DataError, match="2-D"):
        clf.predict(x[0])
    for params, match in (({"n_junctions": 0}, "n_junctions must be a positive integer"),
                          ({"lut": "all"}, "lut must be 'many' or 'one'"),
                          ({"init": "pca"}, "init must be 'fisher' or 'mlp'"),
                          ({"input_range": (1e-3, 0.0)}, "input_range"),
                          ({"input_range": (0.0, 5e-3)}, "above 0.9 V_B"),
                          ({"realtime_start": "paper"}, "realtime_start"),
                          ({"smoothing": ()}, "smoothing"),
                          ({"t_dwell": -1.0}, "t_dwell")):
        with pytest.raises(NetlistError, match=match):
            ChainClassifier(**{**QUICK, **params}).fit(x, y)
    with pytest.raises(NetlistError, match="unknown ChainClassifier parameter"):
        clf.set_params(n_junction=4)
    with pytest.raises(NetlistError, match="2 junction cards given for n_junctions = 3"):
        ChainClassifier(cards=CARDS[:2], **QUICK).fit(x, y)
    with pytest.raises(DataError, match=r"controls must have shape \(2, 3\)"):
        clf.score(x, y, controls=np.zeros((3, 2)))


def test_score_with_other_controls_and_mlp_start():
    x, y = blobs(seed=2)
    clf = ChainClassifier(seed=1, init="mlp", **QUICK).fit(x, y)
    assert clf.score(x, y) >= 0.8
    assert clf.score(x, y, controls=clf.controls_) == clf.score(x, y)
    # the most negative allowed controls raise every threshold by hundreds of µA: the trained
    # configurations are lost
    weakest = np.broadcast_to(clf.statistics_.control_min, clf.controls_.shape)
    assert clf.score(x, y, controls=weakest) < clf.score(x, y) - 0.3


def test_lookup_table_gives_every_class_a_configuration():
    # 4 configurations (N = 1, K = 2), 3 classes; class 2 is nowhere the majority
    soft = np.array([[5.0, 0.0, 1.0], [4.0, 0.0, 3.0], [0.0, 6.0, 2.0], [0.0, 0.0, 0.0]])
    lut = _assign_lut(soft, 1, 2, "many")
    assert set(lut.tolist()) == {0, 1, 2}
    assert lut[1] == 2  # class 0 keeps cell 0, class 2 takes its best cell among class 0's
    one = _assign_lut(soft, 1, 2, "one")
    assert sorted(set(one[:3].tolist())) == [0, 1, 2]
