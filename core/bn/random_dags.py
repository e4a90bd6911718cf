"""Random DAGs over ``V`` labelled variables, and a canonical topological order of each.

:func:`random_dags` draws each DAG in two steps: a uniformly random order of the variables
(a random topological order), then every forward pair ``(order[i], order[j])``, ``i < j``,
becomes an edge ``order[i] -> order[j]`` with probability ``edge_probability``,
independently. No cap on the number of parents. Every DAG over the variables can be drawn.

:func:`smallest_first_order` gives each DAG one fixed topological order: Kahn's algorithm,
taking at each step the smallest variable index among those whose parents are all placed.
Both are vectorised over the batch of graphs (loops run over the ``V`` positions only).
"""

from __future__ import annotations

import numpy as np


def random_dags(count: int, num_variables: int, edge_probability: float, rng: np.random.Generator) -> np.ndarray:
    """``count`` random DAGs (see the module docstring).

    Args:
        count: graphs to draw.
        num_variables: ``V``.
        edge_probability: the chance of each forward pair becoming an edge, in ``[0, 1]``.
        rng: the random source (the orders are drawn first, then the edges).

    Returns:
        ``count x V x V`` uint8, ``[a, i, j] = 1`` for an edge ``i -> j`` between variables.
    """
    if not 0.0 <= edge_probability <= 1.0:
        raise ValueError(f"edge_probability must be in [0, 1], got {edge_probability}")
    orders = rng.permuted(np.tile(np.arange(num_variables), (count, 1)), axis=1)  # count x V
    forward = np.triu(np.ones((num_variables, num_variables), dtype=bool), k=1)  # V x V: i < j
    edges = (rng.random((count, num_variables, num_variables)) < edge_probability) & forward  # between positions
    adjacency = np.zeros((count, num_variables, num_variables), dtype=np.uint8)
    graphs = np.arange(count)[:, None, None]
    adjacency[graphs, orders[:, :, None], orders[:, None, :]] = edges  # position i, j -> variable order[i], order[j]
    return adjacency


def smallest_first_order(adjacency: np.ndarray) -> np.ndarray:
    """Each DAG's topological order that places, at every step, the smallest variable whose
    parents are all placed.

    Args:
        adjacency: ``A x V x V`` DAGs (``[a, i, j] != 0`` for ``i -> j``).

    Returns:
        ``A x V`` int64: ``order[a, p]`` is the variable at position ``p``.

    Raises:
        ValueError: a graph has a cycle (at some step no variable is ready).
    """
    edges = np.asarray(adjacency) != 0  # A x V x V
    count, size = edges.shape[0], edges.shape[-1]
    placed = np.zeros((count, size), dtype=bool)
    order = np.empty((count, size), dtype=np.int64)
    rows = np.arange(count)
    for position in range(size):
        unplaced_parents = (edges & ~placed[:, :, None]).any(1)  # A x V: some parent not yet placed
        ready = ~placed & ~unplaced_parents  # A x V
        if not ready.any(1).all():
            raise ValueError("not a DAG: a graph has a directed cycle")
        chosen = ready.argmax(1)  # the first (smallest) ready variable
        order[:, position] = chosen
        placed[rows, chosen] = True
    return order
