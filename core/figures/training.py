"""Training curves: the loss and its parts per epoch, one colour per run."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.figures.style import run_colors, style_figure

LOSS_PARTS = [
    ("loss", "total loss"),
    ("type_nll", "node-type NLL"),
    ("edge_bce", "edge BCE"),
    ("kld", "KL divergence"),
]


def training_curves(histories: dict[str, pd.DataFrame]) -> go.Figure:
    """Loss parts per epoch (2 x 2 subplots: loss, type_nll, edge_bce, kld), one colour per run.

    Args:
        histories: run name -> ``history.csv`` frame (columns epoch, loss, type_nll,
            edge_bce, kld, ...). Missing columns leave their subplot empty for that run.

    Returns:
        The figure; values are per graph (nats), as ``history.csv`` stores them.

    Example:
        >>> fig = training_curves({"D-VAE": Run.open("runs/a").history})
    """
    fig = make_subplots(rows=2, cols=2, subplot_titles=[label for _, label in LOSS_PARTS],
                        horizontal_spacing=0.1, vertical_spacing=0.14)
    colors = run_colors(histories)
    for run, history in histories.items():
        for index, (column, label) in enumerate(LOSS_PARTS):
            if column not in history.columns or "epoch" not in history.columns:
                continue
            fig.add_trace(
                go.Scatter(
                    x=history["epoch"], y=history[column], mode="lines", name=run, legendgroup=run,
                    showlegend=index == 0, line={"color": colors[run], "width": 2},
                    hovertemplate=f"{run}<br>epoch %{{x}}<br>{label} %{{y:.4g}}<extra></extra>",
                ),
                row=index // 2 + 1, col=index % 2 + 1,
            )
    fig.update_xaxes(title_text="epoch", row=2)
    fig.update_yaxes(title_text="nats per graph", col=1)
    return style_figure(fig, "Training loss", height=600)


QUALITY_PARTS = [("recon_greedy", "greedy reconstruction"), ("valid_prior", "prior validity")]


def wall_minutes(history: pd.DataFrame) -> pd.Series:
    """Cumulative wall time per epoch in minutes: ``wall_seconds``, or the summed epoch
    ``seconds`` of a history written before the monitor existed."""
    seconds = history["wall_seconds"] if "wall_seconds" in history.columns else history["seconds"].cumsum()
    return seconds / 60


def has_quality_columns(history: pd.DataFrame) -> bool:
    """Whether a history carries the per-epoch quality figures (runs trained with the monitor)."""
    return {"epoch", "recon_greedy", "valid_prior"} <= set(history.columns)


def quality_curves(histories: dict[str, pd.DataFrame]) -> go.Figure:
    """Time-to-quality: ``recon_greedy`` and ``valid_prior`` against wall time (top row) and
    epoch (bottom row), one colour per run, with the 99 % line of ``--stop-at-recon``.

    Args:
        histories: run name -> ``history.csv`` frame. Runs without the quality columns
            (trained before the monitor existed) are left out.

    Returns:
        The figure; shares in percent, wall time in minutes (``wall_seconds``; summed
        ``seconds`` where an older history lacks it).

    Example:
        >>> fig = quality_curves({"DVAE-EMB": Run.open("runs/a").history})
    """
    titles = [f"{label} vs wall time" for _, label in QUALITY_PARTS] + [f"{label} vs epoch" for _, label in QUALITY_PARTS]
    fig = make_subplots(rows=2, cols=2, subplot_titles=titles, horizontal_spacing=0.1, vertical_spacing=0.24)
    kept = {run: history for run, history in histories.items() if has_quality_columns(history)}
    colors = run_colors(kept)
    for run, history in kept.items():
        wall = wall_minutes(history)
        for col, (column, label) in enumerate(QUALITY_PARTS, start=1):
            for row, (x, x_label) in enumerate(((wall, "min"), (history["epoch"], "epoch")), start=1):
                fig.add_trace(
                    go.Scatter(
                        x=x, y=100 * history[column], mode="lines", name=run, legendgroup=run,
                        showlegend=row == 1 and col == 1, line={"color": colors[run], "width": 2},
                        hovertemplate=f"{run}<br>{x_label} %{{x:.4g}}<br>{label} %{{y:.2f}} %<extra></extra>",
                    ),
                    row=row, col=col,
                )
    for row in (1, 2):
        for col in (1, 2):
            fig.add_hline(y=99, line={"dash": "dot", "color": "gray", "width": 1}, row=row, col=col)
    fig.update_xaxes(title_text="wall time (minutes)", row=1)
    fig.update_xaxes(title_text="epoch", row=2)
    fig.update_yaxes(title_text="%", range=[0, 101], col=1)
    fig.update_yaxes(range=[0, 101], col=2)
    return style_figure(fig, "Time to quality", height=650)
