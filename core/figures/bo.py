"""Bayesian-optimisation figure: the best objective found so far against queries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from core.figures.style import RUN_PALETTE, rgba, style_figure


def best_so_far_figure(curves: pd.DataFrame, y_label: str = "best accuracy found") -> go.Figure:
    """Mean ± std (over seeds) of the best objective after each number of queries, one line
    and band per (method, run).

    Args:
        curves: long frame with columns ``method``, ``run``, ``seed``, ``queries``, ``best``.
        y_label: the y-axis title.
    """
    fig = go.Figure()
    groups = list(curves.groupby(["method", "run"], sort=False)) if len(curves) else []
    for index, ((method, run), part) in enumerate(groups):
        color = RUN_PALETTE[index % len(RUN_PALETTE)]
        summary = part.groupby("queries")["best"].agg(["mean", "std", "count"]).reset_index()
        summary["std"] = summary["std"].fillna(0.0)
        name = f"{method} · {run}" if curves["run"].nunique() > 1 else str(method)
        seeds = part["seed"].nunique()
        x = summary["queries"].to_numpy()
        upper = (summary["mean"] + summary["std"]).to_numpy()
        lower = (summary["mean"] - summary["std"]).to_numpy()
        fig.add_trace(go.Scatter(
            x=np.concatenate([x, x[::-1]]), y=np.concatenate([upper, lower[::-1]]), fill="toself",
            fillcolor=rgba(color, 0.18), line={"width": 0}, hoverinfo="skip", showlegend=False, legendgroup=name,
        ))
        fig.add_trace(go.Scatter(
            x=x, y=summary["mean"], mode="lines", name=f"{name} (n = {seeds})", legendgroup=name,
            line={"color": color, "width": 2.5},
            hovertemplate=f"{name}<br>%{{x}} queries<br>best %{{y:.4f}}<extra></extra>",
        ))
    fig.update_xaxes(title_text="queries (architectures evaluated)")
    fig.update_yaxes(title_text=f"{y_label} (mean ± std over seeds)")
    fig.update_layout(legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0})
    return style_figure(fig, "Bayesian optimisation: best found so far", height=480)


REGRET_FLOOR = 1e-4  # a log axis cannot show 0: regret below this is drawn at it


def regret_figure(curves: pd.DataFrame, y_label: str = "regret to the space's best", log_y: bool = True,
                  title: str = "Bayesian optimisation: regret") -> go.Figure:
    """Mean regret after each number of queries, with a band of ± one standard error over
    seeds, one line per (method, run). Regret is the best of the space minus the best found
    so far (0: the search has found a best cell).

    Args:
        curves: long frame with columns ``method``, ``run``, ``seed``, ``queries``, ``regret``
            (NaN before a seed's first find; those queries are left out of the mean).
        y_label: the y-axis title.
        log_y: a log regret axis (the differences between searches are small next to the
            first queries' regret); regret below :data:`REGRET_FLOOR` is drawn at it.

    A ``run`` of ``""`` names the line by its method alone (a baseline shared by the runs).
    """
    fig = go.Figure()
    groups = list(curves.groupby(["method", "run"], sort=False)) if len(curves) else []
    floor = REGRET_FLOOR if log_y else -np.inf
    for index, ((method, run), part) in enumerate(groups):
        color = RUN_PALETTE[index % len(RUN_PALETTE)]
        summary = part.groupby("queries")["regret"].agg(["mean", "std", "count"]).reset_index()
        summary = summary[summary["count"] > 0]
        error = (summary["std"].fillna(0.0) / np.sqrt(summary["count"])).to_numpy()
        name = f"{method} · {run}" if run and curves["run"].nunique() > 1 else str(method)
        x, mean = summary["queries"].to_numpy(), summary["mean"].to_numpy()
        upper, lower = np.maximum(mean + error, floor), np.maximum(mean - error, floor)
        fig.add_trace(go.Scatter(
            x=np.concatenate([x, x[::-1]]), y=np.concatenate([upper, lower[::-1]]), fill="toself",
            fillcolor=rgba(color, 0.18), line={"width": 0}, hoverinfo="skip", showlegend=False, legendgroup=name,
        ))
        fig.add_trace(go.Scatter(
            x=x, y=np.maximum(mean, floor), mode="lines", name=f"{name} (n = {part['seed'].nunique()})", legendgroup=name,
            line={"color": color, "width": 2.5},
            hovertemplate=f"{name}<br>%{{x}} queries<br>regret %{{y:.4f}}<extra></extra>",
        ))
    fig.update_xaxes(title_text="queries (architectures evaluated)")
    if log_y:
        fig.update_yaxes(type="log", title_text=f"{y_label} (mean ± s.e. over seeds, log)")
    else:
        fig.update_yaxes(title_text=f"{y_label} (mean ± s.e. over seeds)", rangemode="tozero")
    fig.update_layout(legend={"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0})
    return style_figure(fig, title, height=480)
