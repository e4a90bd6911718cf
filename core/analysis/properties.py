"""Graph properties of every architecture of a table, and how they relate to accuracy and
to a run's latent space.

Every property is computed on the dense arrays, vectorised over the architectures (loops
run over node positions only): 26,206 NAS-Bench-Graph cells take well under a second.

Properties (on the ``n`` real nodes of each graph, input and output included):

* ``count_<op>``: nodes of each operation.
* ``num_edges``; ``num_skip_edges``: edges ``i -> j`` with ``j != i + 1`` (not between
  consecutive nodes of the topological order).
* ``depth``: edges on the longest input -> output path (a chain of 6 nodes has depth 5).
* ``clustering``: average clustering coefficient of the undirected graph (nodes of degree
  below 2 count as 0, as ``networkx.average_clustering``).
* ``avg_shortest_path``: average shortest-path length of the undirected graph over all
  ordered node pairs (``networkx.average_shortest_path_length``); NaN when disconnected.
* ``density``: edges over the ``n (n - 1) / 2`` edges a DAG on ``n`` ordered nodes can
  have (twice networkx's directed density).
* ``max_in_degree``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold, cross_val_score

from core.runs import latent_matrix
from core.analysis.smoothness import match_rows
from core.spaces.base import ArchitectureTable, SearchSpace

STRUCTURE_COLUMNS = ["num_edges", "num_skip_edges", "depth", "clustering", "avg_shortest_path", "density",
                     "max_in_degree"]
PROPERTY_LABELS = {
    "num_edges": "edges",
    "num_skip_edges": "skip edges",
    "depth": "depth (longest path, edges)",
    "clustering": "clustering coefficient",
    "avg_shortest_path": "average shortest path (edges)",
    "density": "density (share of possible edges)",
    "max_in_degree": "max in-degree",
}


def property_label(name: str) -> str:
    """A readable axis title for a property column."""
    if name.startswith("count_"):
        return f"number of {name[len('count_'):]} nodes"
    return PROPERTY_LABELS.get(name, name)


def architecture_properties(space: SearchSpace, table: ArchitectureTable) -> pd.DataFrame:
    """Graph properties of every architecture.

    Args:
        space: the search space (operation names).
        table: its architectures.

    Returns:
        DataFrame, one row per architecture in table order: ``key``, ``y``, ``y_test``
        (when the table has it), ``count_<op>`` for every operation, then
        :data:`STRUCTURE_COLUMNS`.

    Example:
        >>> space = get_space("nbg-cora")
        >>> props = architecture_properties(space, space.load())
    """
    op_ids = np.asarray(table.op_ids)
    num_nodes = np.asarray(table.num_nodes, dtype=np.int64)
    N = op_ids.shape[1]
    real = np.arange(N)[None, :] < num_nodes[:, None]  # A x N
    adjacency = (np.asarray(table.adjacency) != 0) & real[:, :, None] & real[:, None, :]  # A x N x N

    frame = pd.DataFrame({"key": list(table.keys), "y": np.asarray(table.y, dtype=np.float64)})
    if table.y_test is not None:
        frame["y_test"] = np.asarray(table.y_test, dtype=np.float64)
    for index, name in enumerate(space.op_names):
        frame[f"count_{name}"] = ((op_ids == index + 2) & real).sum(1)

    num_edges = adjacency.sum((1, 2))
    consecutive = adjacency[:, np.arange(N - 1), np.arange(1, N)].sum(1)
    frame["num_edges"] = num_edges
    frame["num_skip_edges"] = num_edges - consecutive
    frame["depth"] = longest_path_depth(adjacency, num_nodes)
    undirected = adjacency | adjacency.transpose(0, 2, 1)
    frame["clustering"] = average_clustering(undirected, num_nodes)
    frame["avg_shortest_path"] = average_shortest_path(undirected, num_nodes)
    pairs = num_nodes * (num_nodes - 1) / 2
    frame["density"] = np.divide(num_edges, pairs, out=np.zeros(len(pairs)), where=pairs > 0)
    frame["max_in_degree"] = adjacency.sum(1).max(1)
    return frame


def longest_path_depth(adjacency: np.ndarray, num_nodes: np.ndarray) -> np.ndarray:
    """Edges on the longest path from node 0 to node ``n - 1`` of each graph (nodes in
    topological order); -1 where the output is unreachable.

    Shapes:
        adjacency: ``A x N x N`` bool; num_nodes: ``A``. Returns ``A`` int64.
    """
    A, N, _ = adjacency.shape
    depth = np.full((A, N), -1, dtype=np.int64)  # -1: not reachable from the input
    depth[:, 0] = 0
    for j in range(1, N):
        incoming = np.where(adjacency[:, :j, j] & (depth[:, :j] >= 0), depth[:, :j] + 1, -1)  # A x j
        depth[:, j] = incoming.max(1)
    return depth[np.arange(A), np.asarray(num_nodes) - 1]


def average_clustering(undirected: np.ndarray, num_nodes: np.ndarray) -> np.ndarray:
    """Average clustering coefficient over the real nodes (``A x N x N`` bool, no self loops)."""
    u = undirected.astype(np.float64)
    triangles = np.einsum("aij,ajk,aki->ai", u, u, u) / 2  # A x N, triangles through each node
    degree = u.sum(2)
    possible = degree * (degree - 1) / 2
    local = np.divide(triangles, possible, out=np.zeros_like(triangles), where=possible > 0)
    return local.sum(1) / np.maximum(num_nodes, 1)  # padding nodes have degree 0


def average_shortest_path(undirected: np.ndarray, num_nodes: np.ndarray) -> np.ndarray:
    """Mean hop distance over ordered pairs of real nodes (Floyd-Warshall over the batch);
    NaN where a graph is disconnected."""
    A, N, _ = undirected.shape
    distance = np.where(undirected, 1.0, np.inf)
    distance[:, np.arange(N), np.arange(N)] = 0.0
    for k in range(N):
        distance = np.minimum(distance, distance[:, :, k, None] + distance[:, None, k, :])
    real = np.arange(N)[None, :] < np.asarray(num_nodes)[:, None]
    pair_mask = real[:, :, None] & real[:, None, :] & ~np.eye(N, dtype=bool)[None]
    with np.errstate(invalid="ignore"):
        total = np.where(pair_mask, distance, 0.0).sum((1, 2))
    pairs = pair_mask.sum((1, 2))
    result = np.divide(total, pairs, out=np.full(A, np.nan), where=pairs > 0)
    result[~np.isfinite(result)] = np.nan
    return result


def property_columns(props: pd.DataFrame) -> list[str]:
    """The property columns of a properties frame (everything but key, y, y_test)."""
    return [c for c in props.columns if c not in ("key", "y", "y_test")]


def property_correlations(props: pd.DataFrame, target: str = "y") -> pd.DataFrame:
    """Pearson correlation of every property with the objective.

    Args:
        props: the output of :func:`architecture_properties`.
        target: the column to correlate with (default ``"y"``).

    Returns:
        DataFrame with columns ``property``, ``pearson_r``, ``p_value`` (NaN for a
        constant property), in column order.
    """
    y = props[target].to_numpy(dtype=np.float64)
    rows = []
    for name in property_columns(props):
        values = props[name].to_numpy(dtype=np.float64)
        ok = np.isfinite(values) & np.isfinite(y)
        if ok.sum() < 3 or np.ptp(values[ok]) == 0 or np.ptp(y[ok]) == 0:
            rows.append({"property": name, "pearson_r": np.nan, "p_value": np.nan})
            continue
        r, p = stats.pearsonr(values[ok], y[ok])
        rows.append({"property": name, "pearson_r": float(r), "p_value": float(p)})
    return pd.DataFrame(rows, columns=["property", "pearson_r", "p_value"])


def property_latent_fit(props: pd.DataFrame, latents_frame: pd.DataFrame, folds: int = 5, seed: int = 0) -> pd.DataFrame:
    """How linearly each property can be read off a run's latent means: cross-validated
    R^2 of a ridge regression from ``mu`` to the property. Higher means the latent space
    encodes the property more plainly; compare runs on the same space.

    Args:
        props: the output of :func:`architecture_properties`.
        latents_frame: the run's ``latents.parquet`` (matched to ``props`` by key).
        folds: cross-validation folds. Default 5.
        seed: shuffles the folds.

    Returns:
        DataFrame with columns ``property``, ``r2``.
    """
    position = match_rows(latents_frame["key"], props["key"])
    keep = position >= 0
    mu = latent_matrix(latents_frame)[position[keep]]
    rows = []
    splitter = KFold(n_splits=folds, shuffle=True, random_state=seed)
    for name in property_columns(props):
        target = props[name].to_numpy(dtype=np.float64)[keep]
        ok = np.isfinite(target)
        if ok.sum() < folds * 2 or np.ptp(target[ok]) == 0:
            rows.append({"property": name, "r2": np.nan})
            continue
        scores = cross_val_score(Ridge(alpha=1.0), mu[ok], target[ok], cv=splitter, scoring="r2")
        rows.append({"property": name, "r2": float(np.mean(scores))})
    return pd.DataFrame(rows, columns=["property", "r2"])
