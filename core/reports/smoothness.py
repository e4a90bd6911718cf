"""The Smoothness page's whole-space numbers: latent distance against graph distance and
accuracy gap over random pairs, and the accuracy spread among latent neighbours."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from core.figures import distance_scatter, knn_spread_bar
from core.reports.labels import labelled, run_labels
from core.reports.settings import Report
from core.runs import Run
from core.analysis.smoothness import smoothness_metrics, smoothness_pairs

SMOOTHNESS_ROWS = {
    "knn_accuracy_spread": "accuracy spread to the k nearest latent neighbours",
    "random_accuracy_spread": "accuracy spread to k random architectures",
    "knn_edit_distance": "edit distance to the k nearest latent neighbours",
    "random_edit_distance": "edit distance to k random architectures",
    "pearson_edit": "Pearson r, latent vs edit distance",
    "spearman_edit": "Spearman ρ, latent vs edit distance",
    "pearson_y": "Pearson r, latent distance vs |Δ accuracy|",
    "spearman_y": "Spearman ρ, latent distance vs |Δ accuracy|",
    "k": "k",
    "num_pairs": "random pairs",
    "num_architectures": "architectures",
}
DISTANCES = {"edit_distance": "smoothness_edit_distance", "abs_delta_y": "smoothness_accuracy_gap"}  # x -> export name


def smoothness_of(run: Run, seed: int = 0) -> dict | None:
    """A run's smoothness numbers: ``smoothness.json`` when it holds them, else computed
    (``seed``: the random pairs); ``None`` without latents."""
    stored = run.smoothness
    if isinstance(stored, dict) and "knn_accuracy_spread" in stored:
        return stored
    if run.latents is None:
        return None
    return smoothness_metrics(run.space, run.table, run.latents, seed=seed)


def smoothness_table(runs: Sequence[Run], numbers: Sequence[dict | None] | None = None) -> pd.DataFrame | None:
    """The smoothness numbers of the runs side by side: one row per quantity, one column
    per run (``numbers``: each run's :func:`smoothness_of`, when already at hand)."""
    numbers = [smoothness_of(run) for run in runs] if numbers is None else numbers
    columns = {label: {SMOOTHNESS_ROWS[k]: found[k] for k in SMOOTHNESS_ROWS if k in found}
               for label, found in zip(run_labels(runs), numbers) if found}
    return pd.DataFrame(columns) if columns else None


def knn_spread(runs: Sequence[Run], numbers: Sequence[dict | None] | None = None) -> Report | None:
    """Accuracy spread of each architecture's latent neighbours against random ones, per
    run; the data: :func:`smoothness_table` (a ``quantity`` column first)."""
    numbers = [smoothness_of(run) for run in runs] if numbers is None else numbers
    found = {label: n for label, n in zip(run_labels(runs), numbers) if n}
    if not found:
        return None
    table = smoothness_table(runs, numbers)
    return knn_spread_bar(found), table.rename_axis("quantity").reset_index()


def distance_pairs(run: Run, seed: int = 0) -> pd.DataFrame:
    """Random pairs of the run's architectures with their latent and graph distances."""
    return smoothness_pairs(run.space, run.table, run.latents, seed=seed)


def distance_figure(runs: Sequence[Run], x: str = "edit_distance", seed: int = 0,
                    pairs: Sequence[pd.DataFrame] | None = None) -> Report | None:
    """Latent distance (over each run's mean) against ``x`` (``edit_distance`` or
    ``abs_delta_y``) of random architecture pairs, per run; the data: the pairs with each
    run's label. ``None`` when no run has latents."""
    with_latents = [run for run in runs if run.latents is not None]
    if not with_latents:
        return None
    pairs = [distance_pairs(run, seed) for run in with_latents] if pairs is None else pairs
    labels = run_labels(with_latents)
    return distance_scatter(dict(zip(labels, pairs)), x=x, normalize=True), labelled(pairs, labels)
