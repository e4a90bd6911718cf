"""Every figure of a set of runs, named as ``python -m core export`` writes them: one loop
over the recipes, with the pages' default settings. The dashboard's Export page runs the
same loop over its cached copies of the recipes (:class:`Recipes`), so both give the same
figures and the same data."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from core.errors import OpEmbedError
from core.reports import best_cells, embeddings, found_cells as found, latent, smoothness, training, walks
from core.reports.labels import file_tag, run_tags
from core.reports.settings import Projection, Report, ReportSettings
from core.runs import Run

FigureSet = dict[str, Report]  # name -> (figure, data); names are file-name safe


@dataclass(frozen=True)
class Recipes:
    """The recipes a figure set is made of. Core's own by default; the dashboard passes
    its cached wrappers, which take and return the same things."""

    training_curves: Callable = training.training_curves
    quality_curves: Callable = training.quality_curves
    metrics_table: Callable = training.metrics_table
    latent_map: Callable = latent.latent_map
    embedding_heatmap: Callable = embeddings.embedding_heatmap
    embedding_scatter: Callable = embeddings.embedding_scatter
    embedding_trajectory: Callable = embeddings.embedding_trajectory
    distance_figure: Callable = smoothness.distance_figure
    knn_spread: Callable = smoothness.knn_spread
    top_cells: Callable = best_cells.top_cells
    property_scatter: Callable = best_cells.property_scatter
    property_correlation: Callable = best_cells.property_correlation
    property_latent_fit: Callable = best_cells.property_latent_fit
    bo_curves: Callable = best_cells.bo_curves
    bo_regret: Callable = best_cells.bo_regret
    found_cells: Callable = found.found_cells
    shared_patterns: Callable = found.shared_patterns
    interpolation: Callable = walks.interpolation
    great_circle: Callable = walks.great_circle


def _by_space(runs: Sequence[Run]) -> dict[str, list[Run]]:
    """The runs grouped by space, leaving out (with a warning) spaces whose table does not load."""
    groups: dict[str, list[Run]] = {}
    for run in runs:
        groups.setdefault(run.config.space, []).append(run)
    for name in list(groups):
        try:
            groups[name][0].table
        except OpEmbedError as error:  # e.g. the ENAS data file is not there and no run has keys
            warnings.warn(f"{name}: space not loaded, its figures are left out ({error})", stacklevel=3)
            del groups[name]
    return groups


def _run_figures(run: Run, tag: str, settings: ReportSettings, recipes: Recipes, with_table: bool) -> FigureSet:
    """The figures of one run: its operation encodings and, where its space loads, the walks."""
    epochs = embeddings.embedding_epochs(run)
    epoch = epochs[-1] if epochs else None
    found = {f"embedding_heatmap_{tag}": recipes.embedding_heatmap(run, epoch, settings.embedding_metric)}
    if run.encoder.saves_embeddings:
        found[f"embedding_scatter_{tag}"] = recipes.embedding_scatter(run, epoch, settings.embedding_dims)
        found[f"embedding_trajectory_{tag}"] = recipes.embedding_trajectory(run)
    if with_table and best_cells.runs_with_bo([run]):
        options = (settings.found_method, settings.found_budget, settings.top_k)
        found[f"found_cells_{tag}"] = recipes.found_cells([run], *options)
        found[f"shared_patterns_{tag}"] = recipes.shared_patterns([run], *options) \
            if found[f"found_cells_{tag}"] is not None else None
    if with_table and run.latents is not None:
        best, median = walks.default_walk_keys(run.table)
        start, end = settings.interp_start or best, settings.interp_end or median
        found[f"interpolation_{tag}"] = recipes.interpolation(run, start, end, settings.interp_steps)
        radius = settings.circle_radius * run.latent_spread()
        found[f"great_circle_{tag}"] = recipes.great_circle(run, start, radius, settings.circle_steps, settings.seed)
    return found


def _space_figures(runs: list[Run], suffix: str, settings: ReportSettings, projections: Sequence[str],
                   cache_projections: bool, recipes: Recipes) -> FigureSet:
    """The figures of the runs of one space (``suffix`` tells spaces apart in names)."""
    first, tag = runs[0], file_tag(runs[0].config.space)
    found: FigureSet = {}
    for method in projections:
        found[f"latent_{method}{suffix}"] = recipes.latent_map(runs, Projection(method), settings.color_by,
                                                               cache_projections)
    for x, name in smoothness.DISTANCES.items():
        found[f"{name}{suffix}"] = recipes.distance_figure(runs, x, settings.seed)
    found[f"knn_spread{suffix}"] = recipes.knn_spread(runs)
    found[f"top_architectures_{tag}"] = recipes.top_cells(first, settings.top_k)
    scatter = recipes.property_scatter(first, settings.property)
    found[f"property_scatter_{tag}_{file_tag(scatter[1].columns[1])}"] = scatter
    found[f"property_correlation_{tag}"] = recipes.property_correlation(first)
    found[f"property_latent_r2{suffix}"] = recipes.property_latent_fit(runs)
    found[f"bo_best_so_far{suffix}"] = recipes.bo_curves(runs)
    found[f"bo_regret{suffix}"] = recipes.bo_regret(runs)
    return found


def figure_set(runs: Sequence[Run], settings: ReportSettings = ReportSettings(), projections: Sequence[str] = ("pca",),
               cache_projections: bool = True, recipes: Recipes = Recipes()) -> FigureSet:
    """Every figure of the pages for these runs, each with the data behind it.

    Figures are left out where a run lacks their input (no ``metrics.json``, a one-hot run
    has no trajectory, no ``model.pt`` means no walks ...). A space whose table does not
    load is left out with a ``UserWarning``. Runs of several spaces get the space's name
    added to the names of the figures that compare runs.

    Args:
        runs: the runs, opened (:meth:`core.runs.Run.open`).
        settings: what each page shows (default: the pages' defaults).
        projections: latent projections to draw (``"umap"``, ``"pca"``, ``"tsne"``).
        cache_projections: read and write projections in each run's ``projections/``.
        recipes: the recipe functions (the dashboard passes its cached ones).

    Example:
        >>> figures = figure_set([Run.open("runs/a"), Run.open("runs/b")], projections=("pca",))
        >>> sorted(figures)[:2]
        ['bo_best_so_far', 'embedding_heatmap_a']
    """
    if not runs:
        raise OpEmbedError("no run directories given")
    found: FigureSet = {"training_curves": recipes.training_curves(runs),
                        "quality_curves": recipes.quality_curves(runs),
                        "metrics_table": recipes.metrics_table(runs)}
    groups = _by_space(runs)
    for group in groups.values():
        suffix = f"_{file_tag(group[0].config.space)}" if len(groups) > 1 else ""
        found.update(_space_figures(group, suffix, settings, projections, cache_projections, recipes))
    for run, tag in zip(runs, run_tags(runs)):
        found.update(_run_figures(run, tag, settings, recipes, run.config.space in groups))
    return {name: report for name, report in found.items() if report is not None}
