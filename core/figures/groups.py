"""Seed groups drawn: curves as the mean over seeds with its 95 % band and each seed
faintly, and a similarity matrix averaged over seeds."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy import stats

from core.figures.style import rgba, run_colors, style_figure


def seed_band(frames: dict[int, pd.DataFrame], x: str, column: str, scale: float = 1.0) -> pd.DataFrame:
    """Per ``x`` value, the mean of ``column`` over the seeds that have it, its Student-t 95 %
    interval (none with one seed) and n.

    Args:
        frames: seed -> frame with columns ``x`` and ``column``.

    Returns:
        Columns ``x``, ``mean``, ``low``, ``high``, ``n`` (sorted by ``x``).
    """
    stacked = pd.concat([f[[x, column]].assign(seed=s) for s, f in frames.items() if {x, column} <= set(f.columns)],
                        ignore_index=True)
    if stacked.empty:
        return pd.DataFrame(columns=[x, "mean", "low", "high", "n"])
    grouped = stacked.groupby(x)[column]
    summary = pd.DataFrame({"mean": grouped.mean() * scale, "sd": grouped.std(ddof=1) * scale,
                            "n": grouped.count()}).reset_index()
    t_value = stats.t.ppf(0.975, np.maximum(summary["n"] - 1, 1))
    half = np.where(summary["n"] > 1, t_value * summary["sd"] / np.sqrt(summary["n"]), np.nan)
    summary["low"], summary["high"] = summary["mean"] - half, summary["mean"] + half
    return summary[[x, "mean", "low", "high", "n"]]


def _band_traces(fig: go.Figure, group: str, color: str, frames: dict[int, pd.DataFrame], x: str, column: str,
                 scale: float, label: str, row: int, col: int, legend: bool) -> None:
    for seed, frame in frames.items():  # each seed faintly, under the mean
        if {x, column} <= set(frame.columns):
            fig.add_trace(go.Scatter(
                x=frame[x], y=frame[column] * scale, mode="lines", name=f"{group} seed {seed}",
                legendgroup=group, showlegend=False, line={"color": rgba(color, 0.25), "width": 1},
                hovertemplate=f"{group} seed {seed}<br>{x} %{{x}}<br>{label} %{{y:.4g}}<extra></extra>"),
                row=row, col=col)
    band = seed_band(frames, x, column, scale)
    if band.empty:
        return
    with_band = band[band["n"] > 1]
    if not with_band.empty:
        fig.add_trace(go.Scatter(
            x=[*with_band[x], *with_band[x][::-1]], y=[*with_band["high"], *with_band["low"][::-1]],
            fill="toself", fillcolor=rgba(color, 0.18), line={"width": 0}, name=f"{group} 95 % CI",
            legendgroup=group, showlegend=False, hoverinfo="skip"), row=row, col=col)
    fig.add_trace(go.Scatter(
        x=band[x], y=band["mean"], mode="lines", name=f"{group} (n = {len(frames)})", legendgroup=group,
        showlegend=legend, line={"color": color, "width": 2.5}, customdata=band[["n"]],
        hovertemplate=f"{group} mean<br>{x} %{{x}}<br>{label} %{{y:.4g}} (n = %{{customdata[0]}})<extra></extra>"),
        row=row, col=col)


def seed_band_curves(groups: dict[str, dict[int, pd.DataFrame]], parts: Sequence[tuple[str, str]],
                     x: str = "epoch", scale: float = 1.0, title: str = "Training, mean over seeds",
                     y_title: str = "", columns: int = 2) -> go.Figure:
    """One subplot per ``(column, label)`` of ``parts``: each group's mean over seeds with its
    95 % t band, and each seed as a faint line.

    Args:
        groups: group label -> seed -> frame (e.g. ``history.csv``).
        parts: the columns to draw and their subplot titles.
        x: the shared x column (``"epoch"``).
        scale: multiplies the values (100 for shares in percent).

    Example:
        >>> seed_band_curves({"D-VAE": {0: h0, 1: h1}}, [("loss", "total loss")])
    """
    rows = (len(parts) + columns - 1) // columns
    fig = make_subplots(rows=rows, cols=columns, subplot_titles=[label for _, label in parts],
                        horizontal_spacing=0.1, vertical_spacing=0.16 if rows > 1 else 0.1)
    colors = run_colors(groups)
    for group, frames in groups.items():
        for index, (column, label) in enumerate(parts):
            _band_traces(fig, group, colors[group], frames, x, column, scale, label,
                         index // columns + 1, index % columns + 1, legend=index == 0)
    fig.update_xaxes(title_text=x, row=rows)
    if y_title:
        fig.update_yaxes(title_text=y_title, col=1)
    return style_figure(fig, title, height=330 * rows + 120)


def similarity_matrix_heatmap(matrix: pd.DataFrame, title: str, spread: pd.DataFrame | None = None,
                              label: str = "cosine similarity") -> go.Figure:
    """A ``T x T`` matrix (e.g. the mean over seeds) as an annotated heatmap on ``[-1, 1]``;
    with ``spread`` (the seeds' standard deviation) each cell reads ``mean ± sd``."""
    values = matrix.to_numpy(dtype=np.float64)
    names = list(matrix.index)
    if spread is not None:
        text = [[f"{m:.2f}<br>± {s:.2f}" for m, s in zip(mr, sr)] for mr, sr in zip(values, spread.to_numpy())]
    else:
        text = [[f"{m:.2f}" for m in row] for row in values]
    fig = go.Figure(go.Heatmap(
        z=values, x=names, y=names, text=text, texttemplate="%{text}", textfont={"size": 11},
        colorscale="RdBu", zmin=-1.0, zmid=0.0, zmax=1.0, colorbar={"title": {"text": label, "side": "right"}},
        hovertemplate="%{y} · %{x}<br>" + label + " %{z:.3f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", title_text="operation")
    fig.update_xaxes(title_text="operation", tickangle=-45)
    size = 280 + 48 * len(names)
    fig.update_layout(height=size, width=size + 120)
    style_figure(fig, title)
    fig.update_xaxes(showline=False, ticks="")
    fig.update_yaxes(showline=False, ticks="")
    return fig
