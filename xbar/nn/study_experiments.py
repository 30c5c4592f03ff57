"""Study experiments of the neural-network layer (registered with :mod:`xbar.study`).

* ``mnist-mlp-devices``: test accuracy of a trained multilayer perceptron whose weights live on
  device conductance levels, in the ``quantized`` (ideal arrays), ``spread`` (device-to-device
  variation) or ``circuit`` mode (tiles with wire IR drop, TIA sensing and converters) of
  :class:`xbar.nn.HardwareNetwork`. The levels are those of Kumar et al., Nanoscale Horiz. 9,
  1522 (2024), DOI 10.1039/d4nh00097h: "n states between R_P and R_P(1 + TMR)" (Fig. 5d/e,
  ``levels = "rp-tmr"``) or the compound SOT-MTJ card at a free-layer thickness with n cells
  (Fig. 5b/c, ``levels = "sot"``). The setup trains the float network once (seeded) and the
  network and test set are scattered to the workers once; every point maps and evaluates.

The registry of :mod:`xbar.study` imports this module when a study names an experiment it
does not know, so ``experiment = "mnist-mlp-devices"`` works from a study file.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from xbar.errors import ParameterError
from xbar.study.registry import experiment

__all__ = ["mnist_mlp_devices"]


def _train_setup(data: str = "mnist10k", data_path: str | None = None, sizes: str = "784,128,10",
                 activation: str = "sigmoid", epochs: int = 40, train_seed: int = 0,
                 n_test: int = 0, n_cal: int = 500) -> dict[str, Any]:
    """Load the data set and train the float network once (:func:`xbar.nn.train_mlp`)."""
    from xbar.datasets import load_dataset
    from xbar.nn import train_mlp

    try:
        widths = tuple(int(s) for s in str(sizes).split(","))
    except ValueError:
        raise ParameterError(f"sizes must be comma-separated integers such as '784,128,10', got {sizes!r}") from None
    d = load_dataset(data, data_path)
    x, y = d.train()
    xt, yt = d.test()
    if int(n_test) > 0:
        xt, yt = xt[: int(n_test)], yt[: int(n_test)]
    net = train_mlp(x, y, widths, activation=activation, epochs=int(epochs), seed=int(train_seed))
    return {"net": net, "x_test": xt, "y_test": yt, "x_cal": x[-int(n_cal):],
            "float_accuracy": net.accuracy(xt, yt)}


@experiment("mnist-mlp-devices", setup=_train_setup, paths=("data_path",))
def mnist_mlp_devices(inputs: dict[str, Any], *, levels: str = "rp-tmr", tmr: float = 100.0, states: int = 2,
                      rp: float = 10e3, thickness_nm: float = 1.9, ncell: int = 3, scheme: str = "signed",
                      scale: str = "maxabs", mode: str = "quantized", sigma: float = 0.0, r_wire: float = 1.0,
                      seed: int = 0) -> dict[str, float]:
    """Test accuracy of an MLP with device-level weights (quantized, spread or circuit mode).

    Parameters
    ----------
    inputs : dict
        From the setup: ``net``, ``x_test``, ``y_test``, ``x_cal``, ``float_accuracy``.
    levels : str
        ``"rp-tmr"``: ``states`` conductances between ``1/rp`` and ``1/(rp(1 + tmr/100))``
        (Kumar Fig. 5d/e); ``"sot"``: the compound SOT-MTJ card at ``thickness_nm`` [nm] with
        ``ncell`` cells (Fig. 5b/c).
    tmr : float
        Tunnel magnetoresistance [%] (``rp-tmr``).
    states : int
        Conductance states per device (``rp-tmr``).
    rp : float
        Parallel resistance [Ω] (``rp-tmr``).
    thickness_nm, ncell : float, int
        Free-layer thickness [nm] and cells per device (``sot``).
    scheme, scale : str
        Weight mapping (:func:`xbar.nn.map_weights`).
    mode : str
        ``"quantized"``, ``"spread"`` (relative spread ``sigma`` of every device) or ``"circuit"``
        (128×128 tiles, ``r_wire`` [Ω] per segment, TIA, 8-bit converters).
    sigma : float
        Relative device-to-device spread (``rp-tmr`` levels; modes ``spread`` and ``circuit``).
    r_wire : float
        Wire resistance per cell segment [Ω] (``circuit``).
    seed : int
        The point's seed (spread draws).

    Returns
    -------
    dict
        ``accuracy`` of the mode, ``float_accuracy`` of the trained network, ``levels_min``
        (lowest level / highest level).
    """
    from xbar.nn import HardwareConfig, HardwareNetwork, LevelSet

    if levels == "rp-tmr":
        lv = LevelSet.from_rp_tmr(float(rp), float(tmr) / 100.0, int(states), rel_sigma=float(sigma))
    elif levels == "sot":
        lv = LevelSet.sot(float(thickness_nm) * 1e-9, int(ncell))
    else:
        raise ParameterError(f"levels must be 'rp-tmr' or 'sot', got {levels!r}")
    if mode not in ("quantized", "spread", "circuit"):
        raise ParameterError(f"mode must be 'quantized', 'spread' or 'circuit', got {mode!r}")
    hn = HardwareNetwork(inputs["net"], lv, scheme=scheme, scale=scale, seed=int(seed),
                         config=HardwareConfig(r_wire=float(r_wire)), spread_in_circuit=sigma > 0)
    ev = hn.evaluate(inputs["x_test"], inputs["y_test"], modes=(mode,),
                     x_cal=inputs["x_cal"] if mode == "circuit" else None)
    g = np.asarray(lv.g)
    return {"accuracy": float(ev[mode].accuracy), "float_accuracy": float(inputs["float_accuracy"]),
            "levels_min": float(g.min() / g.max())}
