"""How smooth a latent space is: do nearby latent points decode to similar graphs with
similar accuracy?

Graph distance
--------------
D-VAE stores every graph with its nodes in a fixed topological order (input first, output
last) and its decoder emits nodes in that order, so position ``i`` of one graph naturally
corresponds to position ``i`` of another. The *aligned edit distance* counts

    node positions whose types differ (a padding position against a real node counts
    as a node insertion) + adjacency entries that differ (edge insertions / deletions),

with unit costs. It is the cost of one particular edit path, the one that maps node ``i``
to node ``i``, so it is an upper bound of the true graph edit distance (the minimum over
every node mapping): two graphs that are isomorphic but listed in different orders can be
apart under it. That is the distance the decoder itself works in, it is exact for
NAS-Bench-Graph and ENAS cells in their canonical order, and it is a vectorised numpy
expression (2,000 pairs in microseconds), where exact GED is NP-hard.

Metrics (``smoothness.json``)
-----------------------------
* ``pearson_edit``, ``spearman_edit``: latent L2 distance vs aligned edit distance over
  ``num_pairs`` random pairs of distinct architectures.
* ``pearson_y``, ``spearman_y``: latent L2 distance vs ``|y_a - y_b|`` over the same pairs.
* ``knn_accuracy_spread``: mean ``|y - y_neighbour|`` over each architecture's ``k``
  nearest latent neighbours; ``random_accuracy_spread``: the same for ``k`` random
  architectures, the reference a smooth space should beat.
* ``knn_edit_distance`` / ``random_edit_distance``: mean aligned edit distance to the
  ``k`` nearest latent neighbours / to ``k`` random architectures.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy import stats
from sklearn.neighbors import NearestNeighbors

from core import runs
from core.errors import OpEmbedError, RunFileError
from core.models.dvae import DVAE, DecodedGraphs
from core.spaces.base import PAD_TYPE, ArchitectureTable, SearchSpace


# ---------------------------------------------------------------- graph distance
def aligned_edit_distance(op_ids_a: np.ndarray, adjacency_a: np.ndarray, num_nodes_a: np.ndarray,
                          op_ids_b: np.ndarray, adjacency_b: np.ndarray, num_nodes_b: np.ndarray) -> np.ndarray:
    """Node-order-aligned edit distance of pairs of graphs (an upper bound of the GED).

    Positions at or past a graph's ``num_nodes`` are treated as absent, whatever they hold.

    Shapes:
        op_ids_*: ``P x N``; adjacency_*: ``P x N x N``; num_nodes_*: ``P``. Returns ``P`` int64.
    """
    op_ids_a, op_ids_b = np.asarray(op_ids_a), np.asarray(op_ids_b)
    N = op_ids_a.shape[-1]
    positions = np.arange(N)
    real_a = positions < np.asarray(num_nodes_a)[..., None]  # P x N
    real_b = positions < np.asarray(num_nodes_b)[..., None]
    types_a = np.where(real_a, op_ids_a, PAD_TYPE)
    types_b = np.where(real_b, op_ids_b, PAD_TYPE)
    edges_a = (np.asarray(adjacency_a) != 0) & real_a[..., :, None] & real_a[..., None, :]
    edges_b = (np.asarray(adjacency_b) != 0) & real_b[..., :, None] & real_b[..., None, :]
    return (types_a != types_b).sum(-1) + (edges_a != edges_b).sum((-1, -2))


# ---------------------------------------------------------------- pairs and neighbours
def match_rows(table_keys, keys) -> np.ndarray:
    """Row of each of ``keys`` in ``table_keys`` (-1 where absent). The same keys in the
    same order match row for row (a run's latents follow its table, duplicates included);
    otherwise a key matches its first occurrence (ENAS has a few duplicate keys)."""
    table_keys = pd.Index(np.asarray(table_keys).astype(str))
    keys = np.asarray(keys).astype(str)
    if len(keys) == len(table_keys) and np.array_equal(keys, table_keys.to_numpy()):
        return np.arange(len(keys))
    first = ~table_keys.duplicated()
    found = table_keys[first].get_indexer(keys)
    return np.where(found >= 0, np.flatnonzero(first)[np.maximum(found, 0)], -1)


def _aligned(table: ArchitectureTable, latents_frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Table rows of the latents frame's keys, the matching latent means and ``y``."""
    rows = match_rows(table.keys, latents_frame["key"])
    keep = rows >= 0
    if keep.sum() < 2:
        raise OpEmbedError("fewer than two latent keys are in the architecture table; is it the run's space?")
    mu = runs.latent_matrix(latents_frame)[keep].astype(np.float64)
    y = latents_frame["y"].to_numpy(dtype=np.float64)[keep]
    return rows[keep], mu, y


def _sample_pairs(count: int, num_pairs: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``num_pairs`` pairs ``(i, j)``, ``i != j``, uniform over ordered pairs."""
    first = rng.integers(0, count, num_pairs)
    second = (first + rng.integers(1, count, num_pairs)) % count
    return first, second


def smoothness_pairs(space: SearchSpace, table: ArchitectureTable, latents_frame: pd.DataFrame,
                     num_pairs: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Random pairs of distinct architectures with their latent and graph distances.

    Args:
        space: the search space (unused beyond documenting the pairing; kept for symmetry).
        table: the architectures (matched to ``latents_frame`` by key).
        latents_frame: the run's ``latents.parquet``.
        num_pairs: pairs to sample. Default 2000.
        seed: seeds the sampling.

    Returns:
        DataFrame with ``key_a``, ``key_b``, ``latent_distance`` (L2 between latent means),
        ``edit_distance`` (aligned, see the module docstring), ``abs_delta_y``.
    """
    rows, mu, y = _aligned(table, latents_frame)
    first, second = _sample_pairs(len(rows), num_pairs, np.random.default_rng(seed))
    ra, rb = rows[first], rows[second]
    edit = aligned_edit_distance(table.op_ids[ra], table.adjacency[ra], table.num_nodes[ra],
                                 table.op_ids[rb], table.adjacency[rb], table.num_nodes[rb])
    keys = np.asarray(table.keys, dtype=object)
    return pd.DataFrame({
        "key_a": keys[ra],
        "key_b": keys[rb],
        "latent_distance": np.linalg.norm(mu[first] - mu[second], axis=1),
        "edit_distance": edit.astype(np.int64),
        "abs_delta_y": np.abs(y[first] - y[second]),
    })


def nearest_neighbour_index(points: np.ndarray, k: int) -> np.ndarray:
    """``A x k`` row indices of each point's ``k`` nearest other points (L2; a point is
    never its own neighbour, even when duplicates tie with it)."""
    count = len(points)
    k = min(k, count - 1)
    _, index = NearestNeighbors(n_neighbors=k + 1, n_jobs=-1).fit(points).kneighbors(points)  # A x (k+1)
    keep = index != np.arange(count)[:, None]
    no_self = keep.all(1)
    keep[no_self, -1] = False  # self fell out of the tie: drop the farthest instead
    return index[keep].reshape(count, k)


def _random_others(count: int, k: int, rng: np.random.Generator) -> np.ndarray:
    """``A x k`` random indices of other points (with replacement across the ``k``)."""
    return (np.arange(count)[:, None] + rng.integers(1, count, (count, k))) % count


def _correlations(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    if len(x) < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan"), float("nan")
    return float(stats.pearsonr(x, y)[0]), float(stats.spearmanr(x, y)[0])


def smoothness_metrics(space: SearchSpace, table: ArchitectureTable, latents_frame: pd.DataFrame,
                       num_pairs: int = 2000, k: int = 10, seed: int = 0) -> dict:
    """Smoothness of a run's latent space (see the module docstring for each metric).

    Args:
        space: the search space.
        table: its architectures.
        latents_frame: the run's ``latents.parquet``.
        num_pairs: random pairs for the correlations. Default 2000.
        k: neighbours per architecture for the spreads. Default 10.
        seed: seeds pairs and random neighbours.

    Returns:
        dict of floats: ``pearson_edit``, ``spearman_edit``, ``pearson_y``, ``spearman_y``,
        ``knn_accuracy_spread``, ``random_accuracy_spread``, ``knn_edit_distance``,
        ``random_edit_distance``, and ``num_architectures``, ``num_pairs``, ``k``.

    Example:
        >>> metrics = smoothness_metrics(space, table, runs.read_latents(run_dir))
        >>> metrics["knn_accuracy_spread"] < metrics["random_accuracy_spread"]
        True
    """
    pairs = smoothness_pairs(space, table, latents_frame, num_pairs, seed)
    pearson_edit, spearman_edit = _correlations(pairs["latent_distance"].to_numpy(), pairs["edit_distance"].to_numpy())
    pearson_y, spearman_y = _correlations(pairs["latent_distance"].to_numpy(), pairs["abs_delta_y"].to_numpy())

    rows, mu, y = _aligned(table, latents_frame)
    count = len(rows)
    k = min(int(k), count - 1)
    neighbours = nearest_neighbour_index(mu, k)  # A x k
    others = _random_others(count, k, np.random.default_rng(seed + 1))  # A x k

    def mean_edit(partner: np.ndarray) -> float:
        ra = np.repeat(rows, k)
        rb = rows[partner.reshape(-1)]
        return float(aligned_edit_distance(table.op_ids[ra], table.adjacency[ra], table.num_nodes[ra],
                                           table.op_ids[rb], table.adjacency[rb], table.num_nodes[rb]).mean())

    return {
        "pearson_edit": pearson_edit,
        "spearman_edit": spearman_edit,
        "pearson_y": pearson_y,
        "spearman_y": spearman_y,
        "knn_accuracy_spread": float(np.abs(y[:, None] - y[neighbours]).mean()),
        "random_accuracy_spread": float(np.abs(y[:, None] - y[others]).mean()),
        "knn_edit_distance": mean_edit(neighbours),
        "random_edit_distance": mean_edit(others),
        "num_architectures": int(count),
        "num_pairs": int(num_pairs),
        "k": int(k),
    }


def write_smoothness(run_dir: Path, space: SearchSpace, table: ArchitectureTable, num_pairs: int = 2000,
                     k: int = 10, seed: int = 0) -> dict:
    """Compute :func:`smoothness_metrics` for a run and write ``smoothness.json`` atomically.

    Returns:
        The written dict: the metrics, plus ``config`` (num_pairs, k, seed, distance,
        space) and ``seconds``.
    """
    started = time.perf_counter()
    latents = runs.read_latents(run_dir)
    if list(latents["key"]) != list(table.keys):
        raise RunFileError(Path(run_dir) / runs.LATENTS,
                           f"its {len(latents)} rows are not the {len(table)} architectures of {space.name} in order",
                           fix="re-encode the run, or use the data it was trained on")
    metrics = smoothness_metrics(space, table, latents, num_pairs=num_pairs, k=k, seed=seed)
    result = {
        **metrics,
        "config": {"num_pairs": num_pairs, "k": k, "seed": seed, "space": space.name,
                   "graph_distance": "aligned edit distance (node-order aligned, upper bound of GED)"},
        "seconds": time.perf_counter() - started,
    }
    runs.atomic_write_json(Path(run_dir) / runs.SMOOTHNESS, result)
    return result


# ---------------------------------------------------------------- walks through latent space
def _as_tensor(model: DVAE, z) -> torch.Tensor:
    parameter = next(model.parameters())
    return torch.as_tensor(np.asarray(z, dtype=np.float32) if not torch.is_tensor(z) else z,
                           dtype=parameter.dtype if parameter.is_floating_point() else torch.float32,
                           device=parameter.device)


def interpolate(model: DVAE, z_start, z_end, steps: int = 8) -> DecodedGraphs:
    """Greedy decodes of ``steps`` evenly spaced points on the segment ``z_start -> z_end``
    (both ends included).

    Args:
        model: a D-VAE.
        z_start, z_end: ``latent_dim`` points (numpy or tensor).
        steps: points on the segment, at least 2. Default 8.

    Returns:
        :class:`DecodedGraphs` of ``steps`` graphs.
    """
    if steps < 2:
        raise OpEmbedError("interpolation needs at least 2 steps")
    start = _as_tensor(model, z_start).reshape(-1)
    end = _as_tensor(model, z_end).reshape(-1)
    t = torch.linspace(0.0, 1.0, steps, dtype=start.dtype, device=start.device)[:, None]  # steps x 1
    z = (1 - t) * start + t * end  # steps x d
    model.eval()
    return model.decode(z, stochastic=False)


def great_circle(model: DVAE, z_center, radius: float = 1.0, steps: int = 12,
                 seed: int = 0) -> tuple[np.ndarray, DecodedGraphs]:
    """Greedy decodes around a great circle through latent space, as in the D-VAE paper:
    ``z(theta) = c + r (cos(theta) u + sin(theta) v)`` with ``u``, ``v`` two random
    orthonormal directions and ``theta`` evenly spaced in ``[0, 2 pi)``.

    Args:
        model: a D-VAE.
        z_center: the centre ``c`` (``latent_dim``).
        radius: ``r``, in latent units (e.g. a multiple of the latent std). Default 1.
        steps: points on the circle. Default 12.
        seed: seeds the two directions.

    Returns:
        ``(z, graphs)``: ``steps x latent_dim`` points and their :class:`DecodedGraphs`.
    """
    center = np.asarray(z_center.detach().cpu() if torch.is_tensor(z_center) else z_center,
                        dtype=np.float64).reshape(-1)
    if center.size < 2:
        raise OpEmbedError("a great circle needs a latent space of at least 2 dimensions")
    rng = np.random.default_rng(seed)
    basis, _ = np.linalg.qr(rng.normal(size=(center.size, 2)))  # d x 2, orthonormal columns
    u, v = basis[:, 0], basis[:, 1]
    theta = np.linspace(0.0, 2 * np.pi, steps, endpoint=False)[:, None]
    z = center + radius * (np.cos(theta) * u + np.sin(theta) * v)  # steps x d
    model.eval()
    return z, model.decode(_as_tensor(model, z), stochastic=False)
