"""Decoding through a run's latent space: an architecture's reconstructions, the
interpolation between two architectures and a great circle around one (the Latent-space
and Smoothness pages). Every decode is greedy (argmax), so a walk is deterministic."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import torch

from core.figures import cells_row
from core.reports.labels import run_labels
from core.reports.settings import Report
from core.runs import Run
from core.analysis.smoothness import great_circle as circle_walk, interpolate
from core.spaces import ArchitectureTable, Graph, SearchSpace, graphs_of

CELLS_PER_ROW = 4  # a walk's cells per row: in one row of 8 or 12 the node labels no longer fit


def default_walk_keys(table: ArchitectureTable) -> tuple[str, str]:
    """Two architectures to interpolate between by default: the best and the median one
    by the search objective (ties in table order)."""
    order = np.argsort(-table.y, kind="stable")
    return str(table.keys[order[0]]), str(table.keys[order[len(order) // 2]])


def decoded_frame(space: SearchSpace, table: ArchitectureTable, graphs: Sequence[Graph]) -> pd.DataFrame:
    """One row per graph: its operations, edges, node count, validity, key and objective
    ``y`` (NaN where invalid or not in the table)."""
    scores = space.score(graphs, table)
    return pd.DataFrame({
        "operations": [space.describe(g.op_ids, g.num_nodes) for g in graphs],
        "edges": [" ".join(f"{a}-{b}" for a, b in zip(*np.nonzero(np.asarray(g.adjacency)[:g.num_nodes, :g.num_nodes])))
                  for g in graphs],
        "num_nodes": [g.num_nodes for g in graphs],
        "valid": scores.valid,
        "key": scores.keys,
        "y": scores.objective,
    })


def decoded_titles(frame: pd.DataFrame, prefixes: Sequence[str]) -> list[str]:
    """A cell title per row of :func:`decoded_frame`: the prefix, then the objective, or
    "invalid" / "not in the table"."""
    titles = []
    for prefix, valid, value in zip(prefixes, frame["valid"], frame["y"]):
        what = "invalid" if not valid else "not in the table" if np.isnan(value) else f"{value:.4f}"
        titles.append(f"{prefix}<br>{what}" if prefix else what)
    return titles


def _walk(run: Run, graphs: Sequence[Graph], prefixes: list[str], column: str, values) -> Report:
    data = decoded_frame(run.space, run.table, graphs)
    figure = cells_row(run.space, graphs, decoded_titles(data, prefixes), max_columns=CELLS_PER_ROW)
    data.insert(0, column, values)
    return figure, data


def interpolation(run: Run, start: str, end: str, steps: int = 8) -> Report | None:
    """Greedy decodes at ``steps`` evenly spaced points between two architectures' latent
    means; the data: ``t`` and each decode (:func:`decoded_frame`). ``None`` when the run
    has no model or lacks either key."""
    z_start, z_end = run.latent_of(start), run.latent_of(end)
    if z_start is None or z_end is None or run.model is None:
        return None
    graphs = graphs_of(interpolate(run.model, z_start, z_end, steps=steps))
    t = np.linspace(0.0, 1.0, len(graphs))
    return _walk(run, graphs, [f"t = {v:.2f}" for v in t], "t", t)


def great_circle(run: Run, center: str, radius: float, steps: int = 12, seed: int = 0) -> Report | None:
    """Greedy decodes around a great circle of ``radius`` (latent units) centred on an
    architecture's latent mean, in two random directions (``seed``); the data:
    ``theta_degrees`` and each decode. ``None`` when the run has no model or lacks the key."""
    z_center = run.latent_of(center)
    if z_center is None or run.model is None:
        return None
    _, decoded = circle_walk(run.model, z_center, radius, steps=steps, seed=seed)
    graphs = graphs_of(decoded)
    degrees = 360 * np.arange(len(graphs)) / max(len(graphs), 1)
    return _walk(run, graphs, [f"θ = {d:.0f}°" for d in degrees], "theta_degrees", degrees)


@torch.no_grad()
def reconstruction(run: Run, key: str) -> Graph | None:
    """The greedy decode of an architecture's latent mean, or ``None`` when the run has no
    model or lacks the key."""
    z = run.latent_of(key)
    if z is None or run.model is None:
        return None
    return graphs_of(run.model.decode(torch.as_tensor(z[None, :]), stochastic=False))[0]


def reconstructions(runs: Sequence[Run], key: str) -> Report:
    """An architecture, then the greedy decode of its latent mean in each run, in a row;
    the data: one row per cell (``cell`` says which)."""
    space, table = runs[0].space, runs[0].table
    row = table.row_of(key)
    graphs, names = ([table.graph(row)], ["original"]) if row is not None else ([], [])
    for run, label in zip(runs, run_labels(runs)):
        decoded = reconstruction(run, key)
        if decoded is not None:
            graphs.append(decoded)
            names.append(f"{label} decode")
    data = decoded_frame(space, table, graphs)
    data.insert(0, "cell", names)
    return cells_row(space, graphs, decoded_titles(data, names)), data
