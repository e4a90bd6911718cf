"""The paper's results table: reconstruction, prior validity / uniqueness / novelty and
the sparse-GP predictive performance, one row per run."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from core.figures.style import FONT, style_figure

MISSING = "—"
COLUMNS = ["Recon %", "Valid %", "Unique %", "Novel %", "RMSE", "Pearson r"]


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def _percent(metrics: dict, name: str) -> str:
    value = _number(metrics.get(name))
    return MISSING if value is None else f"{100 * value:.2f}"


def _with_std(metrics: dict, name: str) -> str:
    value = _number(metrics.get(name))
    if value is None:
        return MISSING
    std = _number(metrics.get(f"{name}_std"))
    return f"{value:.3f}" if std is None else f"{value:.3f} ± {std:.3f}"


def metrics_table(metrics_by_run: dict[str, dict]) -> pd.DataFrame:
    """The results table in the paper's layout.

    Args:
        metrics_by_run: run name -> ``metrics.json`` dict (any key may be missing).

    Returns:
        DataFrame of strings indexed by run (index name ``"Run"``), columns ``Recon %``,
        ``Valid %``, ``Unique %``, ``Novel %`` (percent, 2 decimals), ``RMSE`` and
        ``Pearson r`` (``mean ± std`` over GP seeds, 3 decimals); ``"—"`` where missing.

    Example:
        >>> metrics_table({"D-VAE": {"recon_accuracy": 0.9953, "rmse": 0.384, "rmse_std": 0.002}})
    """
    rows = {}
    for run, metrics in metrics_by_run.items():
        metrics = metrics or {}
        rows[run] = {
            "Recon %": _percent(metrics, "recon_accuracy"),
            "Valid %": _percent(metrics, "validity"),
            "Unique %": _percent(metrics, "uniqueness"),
            "Novel %": _percent(metrics, "novelty"),
            "RMSE": _with_std(metrics, "rmse"),
            "Pearson r": _with_std(metrics, "pearson"),
        }
    table = pd.DataFrame.from_dict(rows, orient="index", columns=COLUMNS)
    table.index.name = "Run"
    return table


def metrics_table_figure(table: pd.DataFrame) -> go.Figure:
    """The output of :func:`metrics_table` drawn as a table, for static export."""
    header = ["Run", *table.columns]
    cells = [list(table.index), *(table[c].tolist() for c in table.columns)]
    fig = go.Figure(go.Table(
        header={"values": [f"<b>{h}</b>" for h in header], "fill_color": "#EEEEEE", "align": "center",
                "font": {**FONT, "size": 14}, "line_color": "#BBBBBB"},
        cells={"values": cells, "align": ["left", *["center"] * len(table.columns)], "font": {**FONT, "size": 13},
               "height": 28, "line_color": "#DDDDDD", "fill_color": "white"},
    ))
    style_figure(fig, "Reconstruction, prior and predictive performance", height=100 + 36 * (len(table) + 1))
    fig.update_layout(margin={"l": 20, "r": 20, "t": 70, "b": 10})
    return fig
