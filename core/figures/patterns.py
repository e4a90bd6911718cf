"""The shared-patterns figure: operation shares and graph properties of the cells a search
found, beside the space's top cells and the whole space."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.figures.style import RUN_PALETTE, style_figure

SET_COLORS = {"found": RUN_PALETTE[0], "space top": RUN_PALETTE[1], "space": "#999999"}


def shared_patterns_figure(operations: pd.DataFrame, properties: pd.DataFrame, set_labels: dict[str, str],
                           property_labels: dict[str, str] | None = None, title: str | None = None) -> go.Figure:
    """Two panels: each operation's share per set (grouped bars), and each graph property's
    mean per set in standard deviations of the space from the space's mean.

    Args:
        operations: ``operation`` and one share column per set.
        properties: ``property``, one mean column per set and ``space sd``.
        set_labels: set column -> legend label (e.g. ``"found"`` -> ``"top 10 found by dvae"``).
        property_labels: property -> axis label.
    """
    labels = property_labels or {}
    fig = make_subplots(rows=1, cols=2, column_widths=[0.45, 0.55], horizontal_spacing=0.28,
                        subplot_titles=("operation shares", "property means (space SDs from its mean)"))
    for name, label in set_labels.items():
        color = SET_COLORS.get(name, RUN_PALETTE[2])
        fig.add_trace(go.Bar(x=operations["operation"], y=operations[name], name=label, marker_color=color,
                             legendgroup=name, hovertemplate=f"{label}<br>%{{x}}: %{{y:.3f}}<extra></extra>"), 1, 1)
        if name == "space":
            continue
        sd = properties["space sd"].where(properties["space sd"] > 0)
        z = ((properties[name] - properties["space"]) / sd).fillna(0.0)
        fig.add_trace(go.Bar(y=[labels.get(p, p) for p in properties["property"]], x=z, orientation="h", name=label,
                             marker_color=color, legendgroup=name, showlegend=False,
                             hovertemplate=f"{label}<br>%{{y}}: %{{x:+.2f}} SD<extra></extra>"), 1, 2)
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.18, "x": 0})
    fig.update_yaxes(title_text="share", row=1, col=1)
    fig.update_xaxes(title_text="standard deviations", zeroline=True, row=1, col=2)
    style_figure(fig, title, height=480)
    fig.update_layout(width=1100, margin={"b": 110})
    return fig
