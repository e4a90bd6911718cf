"""The Best-cells page: a space's best architectures drawn, how graph properties relate to
the objective (and how plainly each run's latents encode them), and the Bayesian-
optimisation curves of the runs that have them. Space-wide figures take a run of the space."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from core.bo import best_so_far_curves, regret_curves, summarise_bo
from core.bo.race import SHARED_METHODS
from core.figures import best_so_far_figure, cells_row, regret_figure, property_correlation_bar, property_scatter as scatter_figure
from core.analysis.properties import architecture_properties, property_columns, property_correlations, property_label, \
    property_latent_fit as latent_fit
from core.reports.labels import labelled, run_labels
from core.reports.latent import OBJECTIVE, architecture_frame
from core.reports.settings import Report
from core.runs import BO_DIR, Run

DEFAULT_PROPERTY = "num_edges"  # the property drawn against the objective first


def space_properties(run: Run) -> pd.DataFrame:
    """Graph properties of every architecture of the run's space (``core.analysis.properties``)."""
    return architecture_properties(run.space, run.table)


def numeric_properties(props: pd.DataFrame) -> list[str]:
    """The numeric graph-property columns."""
    return [c for c in property_columns(props) if pd.api.types.is_numeric_dtype(props[c])]


def default_property(props: pd.DataFrame) -> str:
    columns = numeric_properties(props)
    return DEFAULT_PROPERTY if DEFAULT_PROPERTY in columns else columns[0]


def top_architectures(run: Run, k: int, architectures: pd.DataFrame | None = None) -> pd.DataFrame:
    """The ``k`` best architectures of the run's space by its objective: ``rank``, ``key``,
    ``ops``, ``accuracy`` (and ``test accuracy``)."""
    frame = architecture_frame(run.space, run.table) if architectures is None else architectures
    top = frame.sort_values(OBJECTIVE, ascending=False, kind="stable").head(int(k)).reset_index(drop=True)
    top.insert(0, "rank", np.arange(1, len(top) + 1))
    return top


def top_cells(run: Run, k: int, architectures: pd.DataFrame | None = None) -> Report:
    """The top-``k`` architectures drawn as DAGs; the data: :func:`top_architectures`."""
    top = top_architectures(run, k, architectures)
    graphs = [run.table.graph(run.table.row_of(key)) for key in top["key"]]
    titles = [f"#{rank} · {value:.4f}" for rank, value in zip(top["rank"], top[OBJECTIVE])]
    return cells_row(run.space, graphs, titles, max_columns=5), top


def property_scatter(run: Run, prop: str | None = None, props: pd.DataFrame | None = None) -> Report:
    """One graph property against the objective over the space (``prop``: default
    ``num_edges``); the data: key, the property, ``y``."""
    props = space_properties(run) if props is None else props
    prop = prop or default_property(props)
    figure = scatter_figure(props, prop, y_label=run.space.objective_name, x_label=property_label(prop))
    return figure, props[["key", prop, "y"]]


def property_correlation(run: Run, props: pd.DataFrame | None = None) -> Report:
    """Pearson r (and p) of every graph property with the objective; the data: that table."""
    correlations = property_correlations(space_properties(run) if props is None else props)
    labels = {name: property_label(name) for name in correlations["property"]}
    figure = property_correlation_bar({run.space.name: correlations}, labels=labels,
                                      value_label=f"Pearson r with {run.space.objective_name}")
    return figure, correlations


def property_latent_fit(runs: Sequence[Run], props: pd.DataFrame | None = None, seed: int = 0) -> Report | None:
    """How plainly each run's latent means encode every property (5-fold ridge R²), per
    run (runs of one space); the data: property, r2, run. ``None`` without latents."""
    with_latents = [run for run in runs if run.latents is not None]
    if not with_latents:
        return None
    props = space_properties(with_latents[0]) if props is None else props
    labels = run_labels(with_latents)
    fits = [latent_fit(props, run.latents, seed=seed) for run in with_latents]
    figure = property_correlation_bar(dict(zip(labels, fits)), value="r2",
                                      value_label="R² of property from latent means (5-fold ridge)",
                                      labels={name: property_label(name) for name in props.columns})
    return figure, labelled(fits, labels)


def runs_with_bo(runs: Sequence[Run]) -> list[Run]:
    """The runs with Bayesian-optimisation results (``bo/*-seed*.json``)."""
    return [run for run in runs if any(run.file(BO_DIR).glob("*-seed*.json"))]


def bo_curves(runs: Sequence[Run]) -> Report | None:
    """Best objective found so far against queries (mean ± std over seeds) per method and
    run; the data: method, seed, queries, best, run. ``None`` when no run has results.
    A damaged result file raises ``RunFileError``."""
    labels = dict(zip((run.path for run in runs), run_labels(runs)))
    with_bo = runs_with_bo(runs)
    if not with_bo:
        return None
    curves = pd.concat([best_so_far_curves(run.path).assign(run=labels[run.path]) for run in with_bo],
                       ignore_index=True)
    return best_so_far_figure(curves, y_label=f"best {with_bo[0].space.objective_name} found"), curves


def bo_regret(runs: Sequence[Run]) -> Report | None:
    """Regret to the best of the space against queries (mean ± standard error over seeds)
    per method and run; the data: method, seed, queries, regret, run. The space's best is
    the best of the run's table (every cell for NAS-Bench-Graph, the dataset for ENAS), so
    result files that do not record it are drawn too. ``None`` when no run has results."""
    labels = dict(zip((run.path for run in runs), run_labels(runs)))
    with_bo = runs_with_bo(runs)
    if not with_bo:
        return None
    parts = [regret_curves(run.path, space_best=float(np.max(run.table.y))).assign(run=labels[run.path])
             for run in with_bo]
    return regret_figure(_shared_once(parts), y_label=f"regret in {with_bo[0].space.objective_name}",
                         title=f"Bayesian optimisation on {with_bo[0].space.name}: regret"), \
        pd.concat(parts, ignore_index=True)


def _shared_once(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The runs' regret curves with a baseline that never reads the model (random search,
    evolution) drawn once, unnamed by run, where every run holds the same curves for it."""
    curves = pd.concat(parts, ignore_index=True)
    for method in SHARED_METHODS:
        same = [part[part.method == method].drop(columns="run").reset_index(drop=True) for part in parts]
        if len(parts) > 1 and len(same[0]) and all(s.equals(same[0]) for s in same[1:]):
            curves = curves[curves.method != method]
            curves = pd.concat([curves, same[0].assign(run="")], ignore_index=True)
    return curves


def bo_summary(runs: Sequence[Run]) -> pd.DataFrame | None:
    """The BO summary table (``core.bo.summarise_bo``) of the runs with results, runs by label."""
    labels = dict(zip((str(run.path) for run in runs), run_labels(runs)))
    with_bo = runs_with_bo(runs)
    if not with_bo:
        return None
    frame = summarise_bo([run.path for run in with_bo])
    frame["run"] = frame["run"].map(lambda p: labels.get(p, p))
    return frame
