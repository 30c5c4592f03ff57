"""Plots of a study's results: a 1-D curve or a 2-D contour of one output over the axes.

Rows that failed are left out. Axes that are not plotted are averaged over (a ``trial`` axis
of Monte Carlo repeats gives mean ± standard deviation bands in 1-D); in 1-D, a single other
axis with a few values becomes one curve per value instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from xbar.errors import StudyError
from xbar.study.spec import TRIAL_AXIS
from xbar.study.table import ResultsTable, read_results

__all__ = ["plot_results"]

_MAX_CURVES = 8


def _positions(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, list[str] | None]:
    """Unique sorted values, the index of each row's value, and tick labels for non-numbers."""
    if values.dtype == object:
        uniq = np.array(sorted(set(values.tolist())), dtype=object)
        index = np.array([list(uniq).index(v) for v in values])
        return np.arange(len(uniq), dtype=float), index, [str(u) for u in uniq]
    uniq, index = np.unique(values, return_inverse=True)
    return uniq.astype(float), index, None


def plot_results(table: ResultsTable | str | Path, z: str | None = None, *, x: str | None = None,
                 y: str | None = None, path: str | Path | None = None, title: str | None = None,
                 log_x: bool = False, log_y: bool = False) -> Any:
    """Draw output ``z`` against axis ``x`` (1-D) or axes ``x`` and ``y`` (2-D contour).

    Parameters
    ----------
    table : ResultsTable or path
        The results (a CSV written by a study run).
    z : str, optional
        Output column (default: the first numeric output).
    x, y : str, optional
        Axis columns. Default: the first varying axis for ``x``; ``y`` is the second varying
        axis when there are two or more (contour), else none (curve). Give ``x`` alone for a curve.
    path : path, optional
        Save the figure there (PNG/PDF/SVG by suffix).
    title : str, optional
        Figure title (default: the table's file stem).
    log_x, log_y : bool
        Logarithmic axes.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    StudyError
        Unknown column, non-numeric output, or no successful row.
    """
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "pdf", "svg", "cairo") and path is not None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    t = table if isinstance(table, ResultsTable) else read_results(table)
    ok = t.ok()
    if not ok.any():
        raise StudyError(f"{t.path}: no successful point to plot")
    numeric_outputs = [c for c in t.outputs if t.data[c].dtype.kind in "fiub"]
    if z is None:
        if not numeric_outputs:
            raise StudyError(f"{t.path}: no numeric output column to plot")
        z = numeric_outputs[0]
    if z not in t.columns:
        raise StudyError(f"{t.path}: no column '{z}'; outputs: {', '.join(t.outputs)}")
    if z not in numeric_outputs and z not in t.axes:
        raise StudyError(f"{t.path}: column '{z}' is not numeric")
    varying = [a for a in t.axes if len(set(t.data[a][ok].tolist())) > 1]
    plain = [a for a in varying if a != TRIAL_AXIS]
    for name, what in ((x, "x"), (y, "y")):
        if name is not None and name not in t.axes:
            raise StudyError(f"{t.path}: {what} = '{name}' is not an axis; axes: {', '.join(t.axes)}")
    if x is None:
        if not plain:
            raise StudyError(f"{t.path}: no axis varies; nothing to plot against")
        x = plain[0]
        if y is None and len(plain) >= 2:
            y = plain[1]
    zv = t.data[z][ok].astype(float)
    label = title if title is not None else t.path.stem
    fig, ax = plt.subplots(figsize=(6.4, 4.8), layout="constrained")
    xs, xi, xlabels = _positions(t.data[x][ok])
    others = [a for a in plain if a not in (x, y)]
    if y is None:
        group = others[0] if len(others) == 1 and len(set(t.data[others[0]][ok].tolist())) <= _MAX_CURVES else None
        averaged = [a for a in varying if a not in (x, group)]
        groups = [(None, np.ones(ok.sum(), dtype=bool))]
        if group is not None:
            gvals = t.data[group][ok]
            groups = [(g, gvals == g) for g in sorted(set(gvals.tolist()))]
        for g, mask in groups:
            mean = np.full(len(xs), np.nan)
            std = np.full(len(xs), np.nan)
            for k in range(len(xs)):
                sel = zv[mask & (xi == k)]
                sel = sel[np.isfinite(sel)]
                if sel.size:
                    mean[k], std[k] = sel.mean(), sel.std()
            line = ax.plot(xs, mean, marker="o", ms=3, label=None if g is None else f"{group} = {g}")[0]
            if averaged and np.nanmax(std) > 0:
                ax.fill_between(xs, mean - std, mean + std, color=line.get_color(), alpha=0.2, lw=0)
        ax.set_ylabel(z)
        if group is not None:
            ax.legend(fontsize="small")
        note = f" (mean ± std over {', '.join(averaged)})" if averaged else ""
        ax.set_title(label + note, fontsize="medium")
    else:
        ys, yi, ylabels = _positions(t.data[y][ok])
        grid = np.full((len(ys), len(xs)), np.nan)
        for i in range(len(ys)):
            for k in range(len(xs)):
                sel = zv[(yi == i) & (xi == k)]
                sel = sel[np.isfinite(sel)]
                if sel.size:
                    grid[i, k] = sel.mean()
        if len(xs) >= 2 and len(ys) >= 2 and np.isfinite(grid).sum() >= 3:
            cs = ax.contourf(xs, ys, np.ma.masked_invalid(grid), levels=12, cmap="viridis")
            lines = ax.contour(xs, ys, np.ma.masked_invalid(grid), levels=cs.levels[::2], colors="k",
                               linewidths=0.5)
            ax.clabel(lines, fontsize="x-small", fmt="%.3g")
        else:
            xx, yy = np.meshgrid(xs, ys)
            cs = ax.scatter(xx.ravel(), yy.ravel(), c=grid.ravel(), cmap="viridis")
        fig.colorbar(cs, ax=ax, label=z)
        pts_x, pts_y = np.meshgrid(xs, ys)
        finite = np.isfinite(grid)
        ax.plot(pts_x[finite], pts_y[finite], "k.", ms=2)
        ax.set_ylabel(y)
        if ylabels is not None:
            ax.set_yticks(ys, ylabels)
        if log_y:
            ax.set_yscale("log")
        averaged = [a for a in varying if a not in (x, y)]
        note = f" (mean over {', '.join(averaged)})" if averaged else ""
        ax.set_title(f"{label}: {z}{note}", fontsize="medium")
    ax.set_xlabel(x)
    if xlabels is not None:
        ax.set_xticks(xs, xlabels)
    if log_x:
        ax.set_xscale("log")
    if path is not None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120)
        plt.close(fig)
    return fig
