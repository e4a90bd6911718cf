"""Figures: pure functions from frames and arrays to ``plotly.graph_objects.Figure`` (no
Streamlit, no torch, no run files: :mod:`core.reports` reads the runs and calls these).

One module per concern; every figure shares :mod:`.style` (white template, fonts, one
colour per operation from :func:`op_colors`, one per run from :func:`run_colors`).
"""

from core.figures.bo import best_so_far_figure, regret_figure
from core.figures.cells import cell_figure, cell_layout, cells_row
from core.figures.embeddings import embedding_heatmap, embedding_scatter, embedding_similarity, embedding_trajectory, onehot_vectors
from core.figures.latent import latent_scatter
from core.figures.metrics import metrics_table, metrics_table_figure
from core.figures.properties import property_correlation_bar, property_scatter
from core.figures.smoothness import distance_scatter, knn_spread_bar
from core.figures.style import op_colors, run_colors, style_figure
from core.figures.training import has_quality_columns, quality_curves, training_curves

__all__ = [
    "best_so_far_figure",
    "cell_figure",
    "cell_layout",
    "cells_row",
    "distance_scatter",
    "embedding_heatmap",
    "embedding_scatter",
    "embedding_similarity",
    "embedding_trajectory",
    "knn_spread_bar",
    "latent_scatter",
    "metrics_table",
    "metrics_table_figure",
    "onehot_vectors",
    "op_colors",
    "has_quality_columns",
    "property_correlation_bar",
    "quality_curves",
    "property_scatter",
    "regret_figure",
    "run_colors",
    "style_figure",
    "training_curves",
]
