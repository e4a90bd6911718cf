"""The exact best network under a decomposable score: the dynamic programme over variable
subsets of Silander & Myllymäki (2006, "A simple approach for finding the globally optimal
Bayesian network structure", UAI), fed by :attr:`core.bn.bic.BicScore.family_table`.

1. ``best_parents[i, m]``: the best family score of variable ``i`` with parents among the
   set ``m`` (bits), the maximum over the subsets of ``m`` (one pass per variable over the
   ``2^V`` masks, each mask from the masks one bit smaller).
2. ``best[m]``: the best score of a network over the variables in ``m``: some variable of
   ``m`` is a sink with its best parents in the rest, ``best[m] = max_i best[m - i] +
   best_parents[i, m - i]``.
3. The network: peel the sinks off the full set, each with the parent set that gave its score.

For asia's eight variables that is 256 masks: milliseconds. It is the ceiling the searches
are measured against (``docs/bn-asia.md``), not something any method is given.
"""

from __future__ import annotations

import numpy as np


def best_network(family_table: np.ndarray) -> tuple[float, np.ndarray]:
    """The highest-scoring DAG and its score.

    Args:
        family_table: ``V x 2^V``: ``[i, m]`` the score of variable ``i`` with the parents in
            the bits of ``m``; NaN (ignored) where ``m`` holds ``i``.

    Returns:
        ``(score, adjacency)``: the best total score and a ``V x V`` uint8 DAG reaching it
        (``[i, j] = 1`` for ``i -> j``; among ties, the first found).

    Example:
        >>> score, network = best_network(asia_scorer().family_table)
    """
    family = np.where(np.isnan(family_table), -np.inf, np.asarray(family_table, dtype=np.float64))
    size, masks = family.shape[0], family.shape[1]
    best_parents = family.copy()  # V x 2^V: best over the subsets of each mask
    choice = np.tile(np.arange(masks), (size, 1))  # the subset that gives it
    for mask in range(masks):
        for bit in range(size):
            smaller = mask & ~(1 << bit)
            if smaller != mask and (best_parents[:, smaller] > best_parents[:, mask]).any():
                better = best_parents[:, smaller] > best_parents[:, mask]
                best_parents[better, mask] = best_parents[better, smaller]
                choice[better, mask] = choice[better, smaller]
    best = np.full(masks, -np.inf)
    sink = np.zeros(masks, dtype=np.int64)
    best[0] = 0.0
    for mask in range(1, masks):
        for variable in range(size):
            if mask >> variable & 1:
                rest = mask & ~(1 << variable)
                value = best[rest] + best_parents[variable, rest]
                if value > best[mask]:
                    best[mask], sink[mask] = value, variable
    adjacency = np.zeros((size, size), dtype=np.uint8)
    mask = masks - 1
    while mask:
        variable = int(sink[mask])
        mask &= ~(1 << variable)
        parents = int(choice[variable, mask])
        adjacency[[j for j in range(size) if parents >> j & 1], variable] = 1
    return float(best[masks - 1]), adjacency
