"""Architecture-property figures: one property against accuracy, and the correlation of
every property across runs (or spaces)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.figures.style import run_colors, style_figure


def property_scatter(props: pd.DataFrame, prop: str, y: str = "y", y_label: str = "accuracy",
                     seed: int = 0, x_label: str | None = None) -> go.Figure:
    """One property against the objective, with Pearson r in the title.

    Integer properties are jittered by up to ±0.15 (seeded) so stacked points show.

    Args:
        props: :func:`core.analysis.properties.architecture_properties` frame.
        prop: the property column.
        y: the objective column. Default ``"y"``.
        y_label: its axis title, e.g. ``space.objective_name``.
        x_label: the property's axis title (default: the column name).
    """
    x_label = x_label or prop
    x = props[prop].to_numpy(dtype=np.float64)
    values = props[y].to_numpy(dtype=np.float64)
    ok = np.isfinite(x) & np.isfinite(values)
    if ok.sum() >= 3 and np.ptp(x[ok]) > 0 and np.ptp(values[ok]) > 0:
        r = float(np.corrcoef(x[ok], values[ok])[0, 1])
        title = f"{x_label} vs {y_label} (Pearson r = {r:.3f})"
    else:
        title = f"{x_label} vs {y_label} (Pearson r undefined: constant input)"
    shown = x.copy()
    integer = np.allclose(x[np.isfinite(x)], np.round(x[np.isfinite(x)]))
    if integer:
        shown = shown + np.random.default_rng(seed).uniform(-0.15, 0.15, len(shown))
    fig = go.Figure(go.Scattergl(
        x=shown, y=values, mode="markers", marker={"size": 4, "opacity": 0.35, "color": "#0072B2"},
        customdata=np.stack([props["key"].astype(str).to_numpy(dtype=object), x], 1),
        hovertemplate="key %{customdata[0]}<br>" + prop + " %{customdata[1]}<br>" + y_label + " %{y:.4f}<extra></extra>",
        showlegend=False,
    ))
    fig.update_xaxes(title_text=x_label, dtick=1 if integer and np.ptp(x[ok] if ok.any() else [0]) <= 12 else None)
    fig.update_yaxes(title_text=y_label)
    return style_figure(fig, title, height=460)


def property_correlation_bar(corr_by_run: dict[str, pd.DataFrame], value: str = "pearson_r",
                             value_label: str = "Pearson r with accuracy",
                             labels: dict[str, str] | None = None) -> go.Figure:
    """Horizontal grouped bars of a per-property value, one colour per run (or space).

    Args:
        corr_by_run: name -> frame with ``property`` and ``value`` columns
            (:func:`core.analysis.properties.property_correlations`, or
            :func:`core.analysis.properties.property_latent_fit` with ``value="r2"``).
        value: the column to draw. Default ``"pearson_r"``.
        value_label: the axis title.
        labels: property column -> its axis label (default: the column names).
    """
    labels = labels or {}
    colors = run_colors(corr_by_run)
    order: list[str] = []
    for frame in corr_by_run.values():
        order.extend(p for p in frame["property"] if p not in order)
    fig = go.Figure()
    for run, frame in corr_by_run.items():
        indexed = frame.set_index("property")[value].reindex(order)
        fig.add_trace(go.Bar(
            y=[labels.get(p, p) for p in order], x=indexed.to_numpy(), orientation="h", name=run,
            marker_color=colors[run], hovertemplate=f"{run}<br>%{{y}}: %{{x:.3f}}<extra></extra>",
        ))
    fig.update_layout(barmode="group", legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0})
    fig.update_yaxes(autorange="reversed", title_text="property")
    fig.update_xaxes(title_text=value_label, zeroline=True, zerolinecolor="#444444")
    return style_figure(fig, f"Architecture properties: {value_label}", height=180 + 26 * len(order) * max(1, len(corr_by_run)))
