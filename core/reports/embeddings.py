"""The Operation-embeddings page: how similar the operations' vectors are, where they lie,
and how they moved over the checkpoints. A one-hot run's vectors are the identity."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.figures import embedding_heatmap as heatmap_figure, embedding_scatter as scatter_figure, \
    embedding_similarity, embedding_trajectory as trajectory_figure
from core.reports.settings import Report
from core.runs import Run


def embedding_epochs(run: Run) -> list[int]:
    """The checkpoint epochs whose vectors the run saved (none for a one-hot run)."""
    return run.encoder.snapshot_epochs(run.embeddings)


def embedding_vectors(run: Run, epoch: int | None = None) -> tuple[list[str], np.ndarray] | None:
    """Names and ``T x E`` vectors of the run's operation encoder at a checkpoint ``epoch``
    (the last when ``None``), or ``None`` when a learned run saved none yet."""
    return run.encoder.snapshot(list(run.config.node_types), run.embeddings, epoch)


def vector_frame(names: list[str], vectors: np.ndarray) -> pd.DataFrame:
    """The vectors as a table: ``node_type``, ``dim_0 .. dim_{E-1}``."""
    frame = pd.DataFrame(vectors, columns=[f"dim_{i}" for i in range(vectors.shape[1])])
    frame.insert(0, "node_type", names)
    return frame


def _at(epoch: int | None) -> str:
    return f" at epoch {epoch}" if epoch is not None else ""


def embedding_heatmap(run: Run, epoch: int | None = None, metric: str = "cosine") -> Report | None:
    """Cosine similarity (or Euclidean distance) of every pair of operation vectors; the
    data: the ``T x T`` matrix with an ``operation`` column."""
    found = embedding_vectors(run, epoch)
    if found is None:
        return None
    names, vectors = found
    title = f"{metric} {'similarity' if metric == 'cosine' else 'distance'}{_at(epoch)}"
    similarity = embedding_similarity(names, vectors, metric)
    return heatmap_figure(names, vectors, metric=metric, title=title), similarity.rename_axis("operation").reset_index()


def embedding_scatter(run: Run, epoch: int | None = None, dims: int = 2) -> Report | None:
    """The operation vectors in 2-D or 3-D (PCA when wider); the data: the vectors."""
    found = embedding_vectors(run, epoch)
    if found is None:
        return None
    names, vectors = found
    return scatter_figure(names, vectors, dims=dims, title=f"operation embeddings{_at(epoch)}"), \
        vector_frame(names, vectors)


def embedding_trajectory(run: Run) -> Report | None:
    """How the learned vectors moved over the checkpoints (one shared PCA basis), or
    ``None`` with fewer than two snapshots; the data: epoch, operation, the vectors."""
    epochs = embedding_epochs(run)
    if len(epochs) < 2:
        return None
    frames = []
    for epoch in epochs:
        names, vectors = embedding_vectors(run, epoch)
        frames.append(vector_frame(names, vectors).rename(columns={"node_type": "operation"}).assign(epoch=epoch))
    data = pd.concat(frames, ignore_index=True)
    data = data[["epoch", "operation", *[c for c in data.columns if c.startswith("dim_")]]]
    snapshots = run.embeddings["snapshots"]
    figure = trajectory_figure(snapshots, list(run.embeddings["node_types"]),
                               title="embedding trajectories over the checkpoints")
    return figure, data
