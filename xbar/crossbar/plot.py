"""Matplotlib figures of crossbar results (imported lazily; the Agg backend works headless)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from xbar.errors import DataError

if TYPE_CHECKING:
    from xbar.crossbar.results import CrossbarResult

__all__ = ["plot_result"]


def plot_result(res: CrossbarResult, path: str | Path | None = None) -> Any:
    """Three panels: IR-drop map [V], column currents vs ``G·V`` [A], relative error [%].

    Saves to ``path`` when given; returns the figure.
    """
    import matplotlib

    if path is not None:
        matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(14, 4))
    im = axes[0].imshow(res.ir_drop, aspect="auto", origin="upper", cmap="viridis")
    axes[0].set_title("IR drop: ideal − actual cell voltage")
    axes[0].set_xlabel("column")
    axes[0].set_ylabel("row")
    fig.colorbar(im, ax=axes[0], label="V")
    cols = np.arange(len(res.i_col))
    axes[1].plot(cols, res.i_ideal, label="ideal G·V")
    axes[1].plot(cols, res.i_col, label="simulated")
    axes[1].set_xlabel("column")
    axes[1].set_ylabel("column current [A]")
    axes[1].legend()
    axes[2].plot(cols, 100.0 * res.rel_error)
    axes[2].set_xlabel("column")
    axes[2].set_ylabel("error [% of max ideal]")
    fig.suptitle(f"{res.array.rows}×{res.array.cols} {res.array.spec.cell} crossbar — {res.solver}")
    fig.tight_layout()
    if path is not None:
        try:
            fig.savefig(path, dpi=120)
        except (OSError, ValueError) as exc:
            raise DataError(f"cannot write the plot to '{path}': {exc}") from None
        finally:
            plt.close(fig)
    return fig
