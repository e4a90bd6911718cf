"""The latent spaces of several runs side by side, on one shared colour scale."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from core.errors import OpEmbedError
from core.figures.style import OP_PALETTE, SEQUENTIAL, style_figure

MAX_CATEGORIES = 30  # a non-numeric colour column with more values is drawn in one colour


def _hover_template(hover_cols: list[str], offset: int) -> str:
    lines = ["key %{customdata[0]}"]
    for index, column in enumerate(hover_cols):
        lines.append(f"{column} %{{customdata[{index + offset}]}}")
    return "<br>".join(lines) + "<extra>%{fullData.name}</extra>"


def _customdata(frame: pd.DataFrame, hover_cols: list[str]) -> np.ndarray:
    """``P x (1 + len(hover_cols))`` object array: the key first, then the hover columns
    (floats rounded to 4 significant digits for the tooltip)."""
    columns = [frame["key"].astype(str).to_numpy(dtype=object)]
    for column in hover_cols:
        values = frame[column]
        if pd.api.types.is_float_dtype(values):
            values = values.map(lambda v: f"{v:.4g}")
        columns.append(values.to_numpy(dtype=object))
    return np.stack(columns, axis=1)


def latent_scatter(panels: dict[str, pd.DataFrame], color: str, color_label: str, hover_cols: list[str],
                   method: str | None = None, color_range: tuple[float, float] | None = None,
                   marker_size: float = 4) -> go.Figure:
    """Side-by-side 2-D latent projections (one subplot per run) on one colour scale.

    Every point's ``customdata[0]`` is its architecture key, so selection events
    (``st.plotly_chart(..., on_select="rerun")``) identify points in any panel.

    Args:
        panels: run name -> frame with ``key``, ``x``, ``y`` (a projection) and the
            ``color`` and ``hover_cols`` columns (e.g. the projection merged with
            ``latents.parquet`` and the properties).
        color: column that colours the points. Numeric: one continuous scale whose
            ``cmin`` / ``cmax`` span every panel. Otherwise: one colour per category.
        color_label: colour bar title, with units (e.g. ``"valid accuracy"``).
        hover_cols: extra columns shown in the tooltip.
        method: projection name for the axis titles (``"UMAP"`` -> ``UMAP 1``, ``UMAP 2``).
        color_range: ``(cmin, cmax)`` overriding the shared range (to clip outliers).
        marker_size: point size in pixels. Default 4.

    Returns:
        A figure with one ``Scattergl`` trace per panel (per category when categorical).

    Example:
        >>> fig = latent_scatter({"one-hot": a, "learned": b}, "y", "valid accuracy", ["split"], "UMAP")
    """
    if not panels:
        raise OpEmbedError("latent_scatter needs at least one panel")
    names = list(panels)
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=names, horizontal_spacing=0.06)
    numeric = all(pd.api.types.is_numeric_dtype(frame[color]) for frame in panels.values())
    prefix = method.upper() if method else "dim"
    if numeric:
        values = np.concatenate([frame[color].to_numpy(dtype=np.float64) for frame in panels.values()])
        finite = values[np.isfinite(values)]
        low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
        if color_range is not None:
            low, high = float(color_range[0]), float(color_range[1])
        for index, name in enumerate(names):
            frame = panels[name]
            fig.add_trace(go.Scattergl(
                x=frame["x"], y=frame["y"], mode="markers", name=name, showlegend=False,
                customdata=_customdata(frame, [color, *[c for c in hover_cols if c != color]]),
                hovertemplate=_hover_template([color, *[c for c in hover_cols if c != color]], 1),
                marker={"color": frame[color], "coloraxis": "coloraxis", "cmin": low, "cmax": high,
                        "size": marker_size, "opacity": 0.8},
            ), row=1, col=index + 1)
        fig.update_layout(coloraxis={"colorscale": SEQUENTIAL, "cmin": low, "cmax": high,
                                     "colorbar": {"title": {"text": color_label, "side": "right"}}})
    else:
        categories = sorted({str(v) for frame in panels.values() for v in frame[color].unique()})
        if len(categories) > MAX_CATEGORIES:
            categories = categories[:MAX_CATEGORIES]
        palette = {c: OP_PALETTE[i % len(OP_PALETTE)] for i, c in enumerate(categories)}
        for index, name in enumerate(names):
            frame = panels[name]
            labels = frame[color].astype(str)
            for category in categories:
                part = frame[labels == category]
                fig.add_trace(go.Scattergl(
                    x=part["x"], y=part["y"], mode="markers", name=category, legendgroup=category,
                    showlegend=index == 0, customdata=_customdata(part, hover_cols),
                    hovertemplate=_hover_template(hover_cols, 1),
                    marker={"color": palette[category], "size": marker_size, "opacity": 0.8},
                ), row=1, col=index + 1)
        fig.update_layout(legend={"title": {"text": color_label}, "itemsizing": "constant"})
    fig.update_xaxes(title_text=f"{prefix} 1", showgrid=False)
    fig.update_yaxes(title_text=f"{prefix} 2", showgrid=False, col=1)
    fig.update_layout(dragmode="lasso")
    return style_figure(fig, height=520)
