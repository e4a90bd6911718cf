"""Training curves: the loss and its parts per epoch, one colour per run."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import run_colors, style_figure

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
        >>> fig = training_curves({"one-hot": pd.read_csv("runs/a/history.csv")})
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
