"""One-edge moves of a DAG over ``V`` variables: the classic neighbourhood of score-based
structure search (hill climbing, tabu search; bnlearn's ``hc``): add an edge, remove one, or
reverse one, keeping only the results that are still acyclic.

:func:`edge_moves` lists every such neighbour of one network, checked for cycles as a batch
(:func:`core.bn.bic.is_acyclic`). A removal always keeps a DAG; an addition ``i -> j`` is
made only between variables with no edge either way (an edge ``j -> i`` makes it a
reversal instead).
"""

from __future__ import annotations

import numpy as np

from core.bn.bic import is_acyclic

KINDS = ("add", "remove", "reverse")


def edge_moves(adjacency: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Every DAG one edge move away from ``adjacency``.

    Args:
        adjacency: ``V x V``, ``[i, j] != 0`` for an edge ``i -> j``; a DAG.

    Returns:
        ``(kind, V x V uint8)`` per neighbour, kind one of :data:`KINDS`, ordered by kind, then
        by the pair ``(i, j)`` row by row.

    Example:
        >>> [kind for kind, _ in edge_moves(np.array([[0, 1], [0, 0]]))]
        ['remove', 'reverse']
    """
    network = (np.asarray(adjacency) != 0).astype(np.uint8)
    size = network.shape[0]
    linked = (network | network.T) != 0
    candidates: list[tuple[str, np.ndarray]] = []
    for i, j in zip(*np.nonzero(~linked & ~np.eye(size, dtype=bool))):
        child = network.copy()
        child[i, j] = 1
        candidates.append(("add", child))
    for i, j in zip(*np.nonzero(network)):
        child = network.copy()
        child[i, j] = 0
        candidates.append(("remove", child))
    for i, j in zip(*np.nonzero(network)):
        child = network.copy()
        child[i, j], child[j, i] = 0, 1
        candidates.append(("reverse", child))
    if not candidates:
        return []
    acyclic = is_acyclic(np.stack([child for _, child in candidates]))
    return [move for move, keep in zip(candidates, acyclic) if keep]
