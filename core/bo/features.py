"""What the GP of ``dvae-local`` reads about a cell (``--features``).

* ``latent``: the run's latent mean of the cell, in the unit cube of the reference latents
  (the GP of ``dvae``).
* ``onehot-adjacency``: the cell itself, no model: each node position's operation one-hot
  and the upper triangle of its adjacency matrix, as 0/1 (BANANAS' adjacency encoding,
  White et al. 2021). Columns that are the same for every cell of the table (the input and
  output nodes' types, edges no cell has) are dropped: they tell cells nothing apart and
  would only widen the GP's dimension-scaled lengthscale prior.
"""

from __future__ import annotations

import numpy as np

from core import runs
from core.errors import OpEmbedError
from core.spaces.base import ArchitectureTable
from core.bo.config import FEATURES  # noqa: F401  (the choices, kept with the other settings)


def onehot_adjacency(table: ArchitectureTable, num_node_types: int) -> np.ndarray:
    """Every table row's operations one-hot and upper-triangular adjacency, constant columns dropped.

    Args:
        table: ``A`` architectures, ``N`` node positions.
        num_node_types: ``T``, the space's node types (padding positions are all zeros).

    Returns:
        ``A x f`` float64 of 0s and 1s, ``f <= N T + N (N - 1) / 2``.
    """
    op_ids = np.asarray(table.op_ids)  # A x N
    count, nodes = op_ids.shape
    onehot = (op_ids[:, :, None] == np.arange(num_node_types)[None, None, :]).reshape(count, -1)  # A x N T
    upper = np.triu_indices(nodes, 1)
    edges = np.asarray(table.adjacency)[:, upper[0], upper[1]] != 0  # A x N (N - 1) / 2
    features = np.concatenate([onehot, edges], 1).astype(np.float64)
    varies = features.min(0) != features.max(0)
    return features[:, varies]


def check_feature_space(features: str, problem_space: str, run_dir) -> None:
    """``onehot-adjacency`` encodes the problem's cells, so a run (``run_dir``) of another
    space than the problem's is refused, naming both.

    Raises:
        OpEmbedError: the run's ``config.json`` names another space.
    """
    if features != "onehot-adjacency" or run_dir is None:
        return
    run_space = runs.space_name_of(run_dir)
    if run_space != problem_space:
        raise OpEmbedError(
            f"--features onehot-adjacency: the run {run_dir} is from {run_space}, the problem's cells are "
            f"{problem_space}'s\n  fix: pass a {problem_space} run (or build the problem from this run)")
