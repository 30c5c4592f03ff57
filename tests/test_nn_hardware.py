"""Networks on simulated tiles: exactness checks, ngspice agreement, converters, bad input."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from xbar.errors import ParameterError, XbarWarning
from xbar.nn import MLP, HardwareConfig, HardwareNetwork, LevelSet, read_check, train_mlp
from xbar.testing.ngspice import ngspice_available, run_ngspice

IDEAL = {"r_wire": 0.0, "sense": "ammeter", "dac_bits": None, "adc_bits": None}


@pytest.fixture(scope="module")
def small() -> tuple[MLP, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, (300, 16))
    y = x[:, :4].argmax(axis=1)
    return train_mlp(x, y, (16, 8, 4), epochs=4, seed=1), x, y


@pytest.mark.parametrize("scheme", ["signed", "differential", "offset"])
@pytest.mark.parametrize("tiles", [(0, 0), (5, 4)])
def test_ideal_circuit_equals_numpy(small, scheme: str, tiles: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    """Zero wire resistance and ideal converters: the circuit computes the quantised network."""
    net, x, _ = small
    lv = LevelSet.from_rp_tmr(10e3, 1.5, 5)
    hn = HardwareNetwork(net, lv, scheme=scheme, config=HardwareConfig(tile_rows=tiles[0], tile_cols=tiles[1], **IDEAL))
    z, errs = hn.logits(x[:20])
    h = x[:20]
    for l, m in enumerate(hn.mapped):
        zq = h @ m.quantized + net.biases[l]
        h = hn.activation(zq)
    assert np.max(np.abs(z - zq)) <= 1e-12 * np.max(np.abs(zq))
    assert max(errs) <= 1e-12
    if tiles != (0, 0):
        assert len(hn.hardware_layers()[0].tiles) > 1


def test_tiled_equals_one_array_with_ideal_wires_and_differs_with_wires(small) -> None:  # type: ignore[no-untyped-def]
    net, x, _ = small
    lv = LevelSet.sot(1.9e-9, 2)
    one = HardwareNetwork(net, lv, config=HardwareConfig(tile_rows=0, tile_cols=0, **IDEAL)).logits(x[:10])[0]
    tiled = HardwareNetwork(net, lv, config=HardwareConfig(tile_rows=4, tile_cols=6, **IDEAL)).logits(x[:10])[0]
    assert np.max(np.abs(one - tiled)) <= 1e-12 * np.max(np.abs(one))
    wired = HardwareNetwork(net, lv, config=HardwareConfig(tile_rows=0, tile_cols=0, **{**IDEAL, "r_wire": 5.0}))
    z, errs = wired.logits(x[:10])
    assert errs[0] > 1e-4 and np.max(np.abs(z - one)) > 1e-6


def test_device_cells_at_tiny_bias_equal_linear_cells(small) -> None:  # type: ignore[no-untyped-def]
    """Bias-dependent cells converge to the linear-cell result as the read voltage → 0."""
    net, x, _ = small
    lv = LevelSet.sot(1.9e-9, 3)
    cfg = HardwareConfig(tile_rows=6, tile_cols=4, r_wire=2.0, dac_bits=None, adc_bits=None, v_read=1e-6)
    hn = HardwareNetwork(net, lv, config=cfg)
    lin = hn.logits(x[:8], "linear")[0]
    dev = hn.logits(x[:8], "device")[0]
    assert np.max(np.abs(lin - dev)) <= 1e-9 * np.max(np.abs(lin))
    big = HardwareNetwork(net, lv, config=HardwareConfig(tile_rows=6, tile_cols=4, r_wire=2.0, dac_bits=None,
                                                         adc_bits=None, v_read=0.3))
    assert np.max(np.abs(big.logits(x[:8], "linear")[0] - big.logits(x[:8], "device")[0])) > 1e-4


@pytest.mark.ngspice
@pytest.mark.skipif(not ngspice_available(), reason="ngspice not installed")
@pytest.mark.parametrize("cells,levels", [("linear", "rp"), ("device", "sot"), ("device", "mtj")])
@pytest.mark.parametrize("sense", ["tia", "ammeter"])
def test_network_deck_agrees_with_ngspice(small, cells: str, levels: str, sense: str) -> None:  # type: ignore[no-untyped-def]
    net, x, _ = small
    lv = {"rp": LevelSet.from_rp_tmr(10e3, 1.0, 4), "sot": LevelSet.sot(1.9e-9, 3),
          "mtj": LevelSet.mtj({"rp": 20e3, "tmr0": 1.0})}[levels]
    cfg = HardwareConfig(tile_rows=6, tile_cols=4, r_wire=2.0, r_driver=10.0, sense=sense, dac_bits=None,
                         adc_bits=None, v_read=0.2)
    hn = HardwareNetwork(net, lv, config=cfg)
    z = hn.logits(x[:1], cells)[0][0]
    text, outputs = hn.to_deck(x[0], cells)
    (plot,) = run_ngspice(text=text)
    got = dict(zip(plot.names, plot.data[0].tolist(), strict=True))
    zz = np.array([got[o] for o in outputs])
    assert np.max(np.abs(zz - z)) <= 1e-9 * np.max(np.abs(z))


def test_converters_and_evaluation(small, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    net, x, y = small
    lv = LevelSet.sot(1.9e-9, 3, spread=True)
    hn = HardwareNetwork(net, lv, config=HardwareConfig(tile_rows=8, tile_cols=4, r_wire=1.0, adc_bits=6))
    with pytest.raises(ParameterError, match="calibration set"):
        hn.evaluate(x[:50], y[:50], modes=("circuit",))
    ev = hn.evaluate(x[:50], y[:50], modes=("float", "quantized", "spread", "circuit"), x_cal=x[-100:])
    assert set(ev.results) == {"float", "quantized", "spread", "circuit"}
    for r in ev.results.values():
        assert r.confusion.sum() == 50 and r.confusion.trace() == round(r.accuracy * 50)
    assert ev["quantized"].layer_error == [0.0, 0.0]
    assert 0 < ev["spread"].layer_error[0] < 0.2
    # the ADC's quantisation is visible but small at 6 bits
    assert 1e-4 < ev["circuit"].layer_error[1] < 0.5
    ev.to_csv(tmp_path / "ev.csv")
    assert (tmp_path / "ev.csv").read_text().splitlines()[0].startswith("mode,accuracy,images,seconds,layer_error_1")
    data = json.loads(ev.to_json(tmp_path / "ev.json"))
    assert data["description"]["scheme"] == "signed" and len(data["results"]) == 4
    assert "circuit" in ev.table()


def test_read_voltage_limits() -> None:
    lv = LevelSet.sot(1.6e-9, 3)
    info = read_check(lv, 0.1)
    assert info["v_breakdown_min"] == pytest.approx(1.8 - 4 * 0.118) and info["p_disturb"] < 1e-12
    with pytest.raises(ParameterError, match="breakdown limit"):
        read_check(lv, 1.4)
    soft = LevelSet.mtj({"rp": 1e3, "tmr0": 1.0, "ic_p2ap": 50e-6, "ic_ap2p": 50e-6, "delta": 30})
    with pytest.warns(XbarWarning, match="read disturb"):
        read_check(soft, 0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_check(soft, 0.001)


def test_bad_configuration_and_inputs(small) -> None:  # type: ignore[no-untyped-def]
    net, x, y = small
    lv = LevelSet.from_rp_tmr(10e3, 1.0, 3)
    for kw, msg in (({"tile_cols": 5}, "tile_cols must be even"), ({"v_read": 0.0}, "v_read must be > 0"),
                    ({"r_wire": -1.0}, "r_wire must be a finite number"), ({"dac_bits": 0}, "dac_bits"),
                    ({"sense": "opamp"}, "sense must be"), ({"cells": "spice"}, "cells must be")):
        with pytest.raises(ParameterError, match=msg):
            HardwareNetwork(net, lv, config=HardwareConfig(**kw)).hardware_layers()  # type: ignore[arg-type]
    hn = HardwareNetwork(net, lv, config=HardwareConfig(**IDEAL))
    with pytest.raises(ParameterError, match=r"x must have shape \(n, 16\)"):
        hn.evaluate(x[:, :3], y)
    with pytest.raises(ParameterError, match="unknown mode"):
        hn.evaluate(x, y, modes=("analog",))
    with pytest.raises(ParameterError, match="no device model"):
        hn.logits(x[:2], "device")
    with pytest.raises(ParameterError, match=r"must be finite|NaN or inf"):
        hn.evaluate(np.full_like(x, np.nan), y)
    with pytest.raises(ParameterError, match="offset scheme's fixed reference column"):
        HardwareNetwork(net, LevelSet.sot(1.9e-9, 1), scheme="offset", config=HardwareConfig(**IDEAL)).logits(x[:1], "device")
