"""Smoothness figures: latent distance against graph edit distance (or accuracy gap), and
the k-nearest-neighbour accuracy spread against a random reference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from scipy import stats

from core.figures.style import rgba, run_colors, style_figure

AXIS_TITLES = {
    "edit_distance": "graph edit distance (aligned, edits)",
    "latent_distance": "latent distance (L2)",
    "abs_delta_y": "|Δ accuracy|",
}
MAX_BOX_VALUES = 30  # an integer x column with at most this many values gets boxes


def _spearman(pairs: pd.DataFrame, x: str, y: str) -> float:
    a, b = pairs[x].to_numpy(dtype=float), pairs[y].to_numpy(dtype=float)
    if len(a) < 3 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(stats.spearmanr(a, b)[0])


def distance_scatter(pairs_by_run: dict[str, pd.DataFrame], x: str = "edit_distance", y: str = "latent_distance",
                     normalize: bool = False) -> go.Figure:
    """Latent distance against graph distance for sampled pairs, runs side by side.

    An integer ``x`` with few values (the edit distance) gets one box per value and run
    (grouped); a continuous ``x`` (``abs_delta_y``) gets a scatter per run. The legend
    gives each run's Spearman rho.

    Args:
        pairs_by_run: run name -> :func:`core.analysis.smoothness.smoothness_pairs` frame.
        x, y: columns to plot.
        normalize: divide ``y`` by its per-run mean, so runs whose latent scales differ
            compare on one axis.
    """
    colors = run_colors(pairs_by_run)
    fig = go.Figure()
    frames = {run: pairs for run, pairs in pairs_by_run.items() if len(pairs)}
    discrete = all(
        pd.api.types.is_integer_dtype(p[x]) or np.allclose(p[x], np.round(p[x])) for p in frames.values()
    ) and len({v for p in frames.values() for v in p[x].unique()}) <= MAX_BOX_VALUES
    for run, pairs in frames.items():
        values = pairs[y].to_numpy(dtype=float)
        if normalize and np.nanmean(values) > 0:
            values = values / np.nanmean(values)
        label = f"{run} (Spearman ρ = {_spearman(pairs, x, y):.2f})"
        if discrete:
            fig.add_trace(go.Box(x=pairs[x], y=values, name=label, marker_color=colors[run], boxpoints=False,
                                 line={"width": 1.5}, fillcolor=rgba(colors[run], 0.35), offsetgroup=run))
        else:
            fig.add_trace(go.Scattergl(x=pairs[x], y=values, mode="markers", name=label,
                                       marker={"color": colors[run], "size": 4, "opacity": 0.5}))
    if discrete:
        fig.update_layout(boxmode="group", boxgap=0.25, boxgroupgap=0.1)
        fig.update_xaxes(dtick=1)
    y_title = AXIS_TITLES.get(y, y) + (" / run mean" if normalize else "")
    fig.update_xaxes(title_text=AXIS_TITLES.get(x, x))
    fig.update_yaxes(title_text=y_title, rangemode="tozero")
    fig.update_layout(legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0})
    return style_figure(fig, f"{AXIS_TITLES.get(y, y)} vs {AXIS_TITLES.get(x, x)}", height=480)


def knn_spread_bar(metrics_by_run: dict[str, dict]) -> go.Figure:
    """Mean ``|y - y_neighbour|`` over the ``k`` nearest latent neighbours of each run,
    beside the same spread over ``k`` random architectures (lower than random = smooth).

    Args:
        metrics_by_run: run name -> ``smoothness.json`` dict (runs without the keys are
            left out).
    """
    runs = [r for r, m in metrics_by_run.items() if m and "knn_accuracy_spread" in m]
    k = next((metrics_by_run[r].get("k") for r in runs if metrics_by_run[r].get("k")), None)
    neighbours = f"{k} nearest latent neighbours" if k else "nearest latent neighbours"
    fig = go.Figure([
        go.Bar(x=runs, y=[metrics_by_run[r]["knn_accuracy_spread"] for r in runs], name=neighbours,
               marker_color="#0072B2", texttemplate="%{y:.4f}", textposition="outside"),
        go.Bar(x=runs, y=[metrics_by_run[r].get("random_accuracy_spread", np.nan) for r in runs],
               name="random architectures", marker_color="#BBBBBB", texttemplate="%{y:.4f}", textposition="outside"),
    ])
    fig.update_layout(barmode="group", legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0})
    fig.update_xaxes(title_text="run")
    fig.update_yaxes(title_text="mean |Δ accuracy|", rangemode="tozero")
    return style_figure(fig, "Accuracy spread among latent neighbours", height=460)
