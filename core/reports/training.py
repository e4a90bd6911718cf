"""The Runs page: metrics side by side, training curves and time to quality."""

from __future__ import annotations

from collections.abc import Sequence

from core.figures import has_quality_columns, metrics_table as metrics_frame, metrics_table_figure, \
    quality_curves as quality_figure, training_curves as training_figure
from core.reports.labels import labelled, run_labels
from core.reports.settings import Report
from core.runs import Run


def training_curves(runs: Sequence[Run]) -> Report | None:
    """Loss parts per epoch of the runs with a history; the data: every history row with
    its run's label. ``None`` when no run has finished an epoch."""
    with_history = [run for run in runs if run.history is not None]
    if not with_history:
        return None
    labels = run_labels(with_history)
    histories = dict(zip(labels, (run.history for run in with_history)))
    return training_figure(histories), labelled(list(histories.values()), labels)


def quality_curves(runs: Sequence[Run]) -> Report | None:
    """``recon_greedy`` and ``valid_prior`` against wall time and epoch, of the runs whose
    history has them (trained with the per-epoch monitor), or ``None``."""
    kept = [run for run in runs if run.history is not None and has_quality_columns(run.history)]
    if not kept:
        return None
    labels = run_labels(kept)
    histories = dict(zip(labels, (run.history for run in kept)))
    return quality_figure(histories), labelled(list(histories.values()), labels)


def metrics_table(runs: Sequence[Run]) -> Report | None:
    """The papers' results table (one row per run with ``metrics.json``), drawn and as
    data (column ``Run`` first), or ``None``."""
    with_metrics = [run for run in runs if run.metrics is not None]
    if not with_metrics:
        return None
    table = metrics_frame(dict(zip(run_labels(with_metrics), (run.metrics for run in with_metrics))))
    return metrics_table_figure(table), table.reset_index()
