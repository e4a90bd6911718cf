"""What the Export page exports: the pages' cached recipes (:data:`RECIPES`) run through
``core.reports.figure_set``, so an export holds the figures the pages draw."""

from __future__ import annotations

import warnings

from core.reports import Recipes, ReportSettings, figure_set
from core.runs import PROJECTIONS, Run
from dashboard import state
from dashboard.charts import (
    _opened, projection_cached, bo_curves, bo_regret, distance_figure, embedding_heatmap, embedding_scatter, embedding_trajectory,
    great_circle, interpolation, knn_spread, latent_map, metrics_table, property_correlation, property_latent_fit,
    property_scatter, quality_curves, top_cells, training_curves,
)
from dashboard.found_charts import found_cells, shared_patterns

RECIPES = Recipes(
    training_curves=training_curves, quality_curves=quality_curves, metrics_table=metrics_table,
    latent_map=latent_map, embedding_heatmap=embedding_heatmap, embedding_scatter=embedding_scatter,
    embedding_trajectory=embedding_trajectory, distance_figure=distance_figure, knn_spread=knn_spread,
    top_cells=top_cells, property_scatter=property_scatter, property_correlation=property_correlation,
    property_latent_fit=property_latent_fit, bo_curves=bo_curves, bo_regret=bo_regret,
    found_cells=found_cells, shared_patterns=shared_patterns, interpolation=interpolation,
    great_circle=great_circle,
)


def export_projections(runs: list[Run]) -> tuple[str, ...]:
    """The latent projections an export includes: every method already cached for all the
    runs with latents (none is computed for an export), else PCA (seconds)."""
    with_latents = [r for r in runs if state.latents(r) is not None]
    cached = tuple(m for m in state.PROJECTION_METHODS if with_latents and
                   all(projection_cached(r, m) for r in with_latents))
    return cached or ("pca",)


def projections_cacheable(runs: list[Run]) -> bool:
    """Whether every run's ``projections/`` lies inside the folders given at launch (only
    there may the dashboard write a cache)."""
    return all(state.inside_roots(run.file(PROJECTIONS)) for run in runs)


def export_figures(runs: list[Run], settings: ReportSettings) -> tuple[dict, list[str]]:
    """Every figure of the pages for the runs, ``name -> (figure, data)``, drawn by the
    pages' own cached recipes with the pages' settings, and the notes on what was left out.
    Raises ``OpEmbedError`` when a run file is damaged (the page shows it)."""
    opened = [run.read_all() for run in _opened(runs)]  # a file damaged since discovery: said, not skipped
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        figures = figure_set(opened, settings, export_projections(runs), projections_cacheable(runs), RECIPES)
    return figures, [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
