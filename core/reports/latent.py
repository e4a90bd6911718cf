"""The Latent-space page: every architecture's latent mean projected to 2-D, runs side by
side on one colour scale; a selected architecture's nearest latent neighbours."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from core.errors import OpEmbedError
from core.figures import latent_scatter
from core.analysis.projection import load_or_compute_projection
from core.analysis.properties import architecture_properties, property_columns, property_label
from core.reports.labels import labelled, run_labels
from core.reports.settings import PROJECTION_NAMES, Projection, Report
from core.runs import Run, latent_matrix
from core.spaces import ArchitectureTable, SearchSpace

OBJECTIVE = "accuracy"  # the column the search objective (``y``) takes in the frames below
TEST_OBJECTIVE = "test accuracy"  # ... and ``y_test`` where the space has it

ProgressCallback = Callable[[float, str], None]


def architecture_frame(space: SearchSpace, table: ArchitectureTable) -> pd.DataFrame:
    """One row per architecture of a table: ``key``, ``ops`` (the operation sequence),
    ``accuracy`` (the search objective ``y``) and ``test accuracy`` where the space has it."""
    frame = pd.DataFrame({
        "key": table.keys,
        "ops": [space.describe(o, n) for o, n in zip(table.op_ids, table.num_nodes)],
        OBJECTIVE: table.y,
    })
    if table.y_test is not None:
        frame[TEST_OBJECTIVE] = table.y_test
    return frame


def color_options(architectures: pd.DataFrame, props: pd.DataFrame) -> list[str]:
    """What a latent plot can be coloured by: accuracy, test accuracy, the numeric graph properties."""
    numeric = [c for c in property_columns(props) if pd.api.types.is_numeric_dtype(props[c])]
    return [c for c in (OBJECTIVE, TEST_OBJECTIVE) if c in architectures.columns] + numeric


def color_label(space: SearchSpace, column: str) -> str:
    """The colour bar's title for a colour column."""
    names = {OBJECTIVE: space.objective_name, TEST_OBJECTIVE: space.test_name or TEST_OBJECTIVE}
    return names.get(column) or property_label(column)


def projection_of(run: Run, projection: Projection, cache: bool = True,
                  progress: ProgressCallback | None = None) -> pd.DataFrame:
    """The run's latent means in 2-D (``key``, ``x``, ``y``), from its ``projections/``
    or computed (and cached there when ``cache``)."""
    projection = projection.effective()
    return load_or_compute_projection(run.path, projection.method, progress_callback=progress, cache=cache,
                                      **projection.params())


def latent_panel(projected: pd.DataFrame, architectures: pd.DataFrame, props: pd.DataFrame | None,
                 color: str) -> pd.DataFrame:
    """One panel of the latent plot: the projection joined with the operations and
    accuracies and, when colouring by one, a graph property (float32: half the bytes sent
    to a browser, the same picture)."""
    frame = projected.merge(architectures, on="key", how="left")
    if color not in frame.columns and props is not None and color in props.columns:
        frame = frame.merge(props[["key", color]], on="key", how="left")
    frame["x"], frame["y"] = frame["x"].astype(np.float32), frame["y"].astype(np.float32)
    if pd.api.types.is_float_dtype(frame[color]):
        frame[color] = frame[color].astype(np.float32)
    return frame


def latent_map(runs: Sequence[Run], projection: Projection, color: str = OBJECTIVE, cache: bool = True,
               projected: Sequence[pd.DataFrame] | None = None, architectures: pd.DataFrame | None = None,
               props: pd.DataFrame | None = None) -> Report | None:
    """The runs' latent spaces side by side (WebGL, one colour scale); the data: every
    panel's points with the run's label. ``None`` when no run has latents.

    Args:
        runs: runs of one space.
        projection: how to project (its ``effective()`` settings are used).
        color: the colour column (see :func:`color_options`).
        cache: read and write projections in the runs' ``projections/``.
        projected, architectures, props: the runs' projections, the space's
            :func:`architecture_frame` and properties when already at hand (else computed).
    """
    with_latents = [run for run in runs if run.latents is not None]
    if not with_latents:
        return None
    space = with_latents[0].space
    if architectures is None:
        architectures = architecture_frame(space, with_latents[0].table)
    if props is None and color not in architectures.columns:
        props = architecture_properties(space, with_latents[0].table)
    if projected is None:
        projected = [projection_of(run, projection, cache) for run in with_latents]
    labels = run_labels(with_latents)
    panels = {label: latent_panel(frame, architectures, props, color) for label, frame in zip(labels, projected)}
    # the key and the colour are always in the tooltip; the operations and the accuracy are
    # added (every extra column is a string per point, about 0.5 MB per 26k-point panel)
    hover = [c for c in ("ops", OBJECTIVE) if c != color and all(c in p.columns for p in panels.values())]
    figure = latent_scatter(panels, color=color, color_label=color_label(space, color), hover_cols=hover,
                            method=PROJECTION_NAMES[projection.effective().method])
    return figure, labelled(list(panels.values()), labels)


def nearest_neighbours(latents: pd.DataFrame, key: str, k: int = 10) -> pd.DataFrame:
    """The ``k`` architectures closest to ``key`` in latent space (L2 between means).

    Args:
        latents: a run's ``latents.parquet``.
        key: the query architecture's key.
        k: neighbours to return. Default 10.

    Returns:
        DataFrame sorted by distance: ``rank`` (1 = nearest), ``key``, ``distance``, and the
        frame's ``split``, ``y``, ``y_test`` columns where present. The query is left out.

    Raises:
        OpEmbedError: ``key`` is not in the frame.
    """
    keys = latents["key"].astype(str).to_numpy()
    hits = np.flatnonzero(keys == str(key))
    if len(hits) == 0:
        raise OpEmbedError(f"architecture {key!r} is not in this run's latents")
    mu = latent_matrix(latents).astype(np.float64)
    distance = np.linalg.norm(mu - mu[hits[0]], axis=1)
    distance[hits[0]] = np.inf
    k = min(int(k), len(keys) - 1)
    order = np.argpartition(distance, k - 1)[:k] if k > 0 else np.array([], dtype=int)
    order = order[np.argsort(distance[order], kind="stable")]
    extra = [c for c in ("split", "y", "y_test") if c in latents.columns]
    result = latents.iloc[order][["key", *extra]].reset_index(drop=True)
    result.insert(0, "rank", np.arange(1, len(order) + 1))
    result.insert(2, "distance", distance[order])
    result["key"] = result["key"].astype(str)
    return result


def neighbours(run: Run, key: str, k: int, architectures: pd.DataFrame) -> pd.DataFrame | None:
    """The ``k`` nearest latent neighbours of ``key`` in a run, with their operations and
    accuracies (named as the space names them), or ``None`` when the run has no latents
    or lacks the key."""
    if run.latents is None:
        return None
    try:
        frame = nearest_neighbours(run.latents, key, k=k)
    except OpEmbedError:
        return None
    frame = frame.merge(architectures[["key", "ops"]], on="key", how="left")
    return frame.rename(columns={"y": run.space.objective_name, "y_test": run.space.test_name or "test"})
