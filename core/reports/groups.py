"""Seed-group recipes: groups of runs in (label -> the runs of one group, one per seed),
``(Figure, DataFrame)`` out. The Runs, Operation-embeddings and Verdict pages draw these
when run A or run B is a group; a single run is a group of one.

* :func:`group_training_curves`, :func:`group_quality_curves`: the mean over seeds with a
  95 % band, each seed faintly.
* :func:`group_metrics_table`: every metric as mean ± 95 % CI half-width, n and the seeds.
* :func:`group_similarity`: the operations' similarity matrix averaged over the seeds and
  its stability: the mean pairwise Spearman correlation between seeds' matrices.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from core.figures.embeddings import embedding_similarity
from core.figures.groups import seed_band, seed_band_curves, similarity_matrix_heatmap
from core.figures.metrics import metrics_table_figure
from core.figures.training import LOSS_PARTS, QUALITY_PARTS, has_quality_columns
from core.groups.stats import estimate
from core.reports.settings import Report
from core.runs import Run

Groups = dict[str, Sequence[Run]]  # label -> the runs of one group


def _histories(groups: Groups, needs_quality: bool = False) -> dict[str, dict[int, pd.DataFrame]]:
    found = {}
    for label, members in groups.items():
        frames = {run.config.train.seed: run.history for run in members if run.history is not None
                  and (not needs_quality or has_quality_columns(run.history))}
        if frames:
            found[label] = frames
    return found


def _band_data(histories: dict[str, dict[int, pd.DataFrame]], parts, scale: float = 1.0) -> pd.DataFrame:
    frames = []
    for label, by_seed in histories.items():
        for column, _ in parts:
            band = seed_band(by_seed, "epoch", column, scale)
            frames.append(band.assign(group=label, measure=column, seeds=" ".join(str(s) for s in by_seed)))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def group_training_curves(groups: Groups) -> Report | None:
    """Loss parts per epoch, mean over seeds with its 95 % band; the data: the band per
    group, measure and epoch. ``None`` when no run has a history."""
    histories = _histories(groups)
    if not histories:
        return None
    figure = seed_band_curves(histories, LOSS_PARTS, title="Training loss, mean over seeds (95 % band)",
                              y_title="nats per graph")
    return figure, _band_data(histories, LOSS_PARTS)


def group_quality_curves(groups: Groups) -> Report | None:
    """Greedy reconstruction and prior validity (percent) per epoch, mean over seeds with
    its 95 % band; ``None`` without the per-epoch monitor's columns."""
    histories = _histories(groups, needs_quality=True)
    if not histories:
        return None
    figure = seed_band_curves(histories, QUALITY_PARTS, scale=100, title="Time to quality, mean over seeds (95 % band)",
                              y_title="%")
    figure.add_hline(y=99, line={"dash": "dot", "color": "gray", "width": 1})
    return figure, _band_data(histories, QUALITY_PARTS, 100)


METRIC_COLUMNS = (("recon_accuracy", "Recon %", 100, 2), ("validity", "Valid %", 100, 2),
                  ("uniqueness", "Unique %", 100, 2), ("novelty", "Novel %", 100, 2),
                  ("rmse", "RMSE", 1, 3), ("pearson", "Pearson r", 1, 3))


def _cell(values: list[float], scale: float, digits: int) -> str:
    return estimate([v * scale for v in values]).text(digits, with_n=False)


def group_metrics_table(groups: Groups) -> Report | None:
    """The papers' metrics per group as mean ± 95 % t half-width over its seeds with a
    ``metrics.json``, with n and the seeds; ``None`` when no run has metrics."""
    rows = {}
    for label, members in groups.items():
        evaluated = [run for run in members if run.metrics is not None]
        if not evaluated:
            continue
        row = {"n": str(len(evaluated)), "Seeds": ", ".join(str(run.config.train.seed) for run in evaluated)}
        for key, column, scale, digits in METRIC_COLUMNS:
            values = [float(run.metrics[key]) for run in evaluated if isinstance(run.metrics.get(key), (int, float))]
            row[column] = _cell(values, scale, digits)
        missing = [str(run.config.train.seed) for run in members if run.metrics is None]
        row["Not evaluated"] = ", ".join(missing) or "—"
        rows[label] = row
    if not rows:
        return None
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "Group"
    figure = metrics_table_figure(table)
    figure.update_layout(title={"text": "Metrics, mean ± 95 % CI over seeds"})
    return figure, table.reset_index()


def _operation_matrices(runs: Sequence[Run], metric: str) -> tuple[list[str], list[pd.DataFrame]]:
    """Each run's similarity matrix of its last snapshot, over the operations (input and
    output left out)."""
    names, matrices = [], []
    for run in runs:
        found = run.encoder.snapshot(list(run.config.node_types), run.embeddings, None)
        if found is None:
            continue
        all_names, vectors = found
        keep = [i for i, name in enumerate(all_names) if name not in ("input", "output")]
        names = [all_names[i] for i in keep]
        matrices.append(embedding_similarity(names, np.asarray(vectors)[keep], metric))
    return names, matrices


def seed_stability(matrices: Sequence[pd.DataFrame]) -> dict:
    """How much the seeds agree: the Spearman correlation between every two seeds' matrices
    over the pairs of distinct operations, their mean and its 95 % t interval."""
    if not matrices:
        return {"pairs": [], "mean": float("nan"), "low": float("nan"), "high": float("nan"), "n": 0}
    upper = np.triu_indices(len(matrices[0]), 1)
    flat = [m.to_numpy()[upper] for m in matrices]
    correlations = [float(stats.spearmanr(a, b).statistic) for a, b in itertools.combinations(flat, 2)]
    found = estimate(correlations)
    return {"pairs": correlations, "mean": found.mean, "low": found.low, "high": found.high, "n": len(correlations)}


def group_similarity(runs: Sequence[Run], label: str, metric: str = "cosine") -> tuple[Report, dict] | None:
    """The operations' cosine similarity averaged over the group's seeds (each cell mean ±
    sd) and the seeds' agreement (:func:`seed_stability`); ``None`` when no seed saved
    embeddings. The data: one row per pair of operations with the mean, sd and each seed's value."""
    names, matrices = _operation_matrices([r for r in runs if r.encoder.saves_embeddings], metric)
    if not matrices:
        return None
    stack = np.stack([m.to_numpy() for m in matrices])
    mean = pd.DataFrame(stack.mean(0), index=names, columns=names)
    spread = pd.DataFrame(stack.std(0, ddof=1) if len(stack) > 1 else np.zeros_like(stack[0]), index=names,
                          columns=names)
    stability = seed_stability(matrices)
    agreement = "" if stability["n"] == 0 else f"; seeds agree at Spearman {stability['mean']:+.2f}"
    figure = similarity_matrix_heatmap(mean, f"{label}: {metric} similarity, mean of {len(matrices)} seeds{agreement}",
                                       spread if len(matrices) > 1 else None)
    seeds = [r.config.train.seed for r in runs if r.encoder.saves_embeddings][: len(matrices)]
    rows = []
    for i, j in zip(*np.triu_indices(len(names), 1)):
        row = {"operation_a": names[i], "operation_b": names[j], "mean": stack[:, i, j].mean(),
               "sd": stack[:, i, j].std(ddof=1) if len(stack) > 1 else 0.0}
        row.update({f"seed {s}": stack[k, i, j] for k, s in enumerate(seeds)})
        rows.append(row)
    return (figure, pd.DataFrame(rows)), stability
