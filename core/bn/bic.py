"""The BIC score of a discrete Bayesian network on a dataset, in bnlearn's convention.

For a network with parent sets ``pa(i)`` on ``n`` rows of discrete data,

    BIC = sum_i [ sum_{j,k} N_ijk log(N_ijk / N_ij)  -  (r_i - 1) q_i / 2 * log n ]

where ``N_ijk`` counts the rows with variable ``i`` in state ``k`` and its parents in
configuration ``j``, ``N_ij = sum_k N_ijk``, ``r_i`` is the number of states of ``i`` and
``q_i`` the number of configurations of its parents (every configuration counts, observed
or not, as bnlearn counts parameters from the factor levels). ``0 log 0 = 0``. This is the
log-likelihood at the maximum-likelihood parameters minus half the free parameters times
``log n``: higher is better, as bnlearn's ``score(net, data, type = "bic")``, which is what
D-VAE's ``compute_score.R`` calls.

The score decomposes over families (a variable and its parents). :meth:`BicScore.family`
counts one family with ``numpy.bincount``; :meth:`BicScore.networks` scores many networks
at once from a table of every family's score (``V * 2^(V-1)`` families: 1,024 for asia's
eight variables, built once on first use).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cached_property

import numpy as np

MAX_TABLE_VARIABLES = 12  # networks() tabulates every family up to this many variables


def is_acyclic(adjacency: np.ndarray) -> np.ndarray:
    """Whether each graph is a DAG: ``adjacency`` ``... x V x V`` (``[i, j] = 1``: ``i -> j``)
    -> ``...`` bool. A graph is acyclic exactly when its adjacency matrix is nilpotent,
    ``A^V = 0``, checked by repeated squaring."""
    power = (np.asarray(adjacency) != 0).astype(np.int64)
    size = power.shape[-1]
    steps = 1
    while steps < size:
        power = np.minimum(power @ power, 1)  # paths of length 2 * steps (0/1, no overflow)
        steps *= 2
    return ~power.any(axis=(-2, -1))


class BicScore:
    """BIC scores of discrete Bayesian networks on one dataset (bnlearn's convention).

    Args:
        data: ``n x V`` integer states, column ``i`` in ``0 .. cardinality[i] - 1``.
        cardinality: ``V`` numbers of states. Default: one more than each column's largest
            state (for asia: 2 everywhere).

    Raises:
        ValueError: ``data`` is not a non-empty ``n x V`` array of states in range.

    Example:
        >>> scorer = BicScore(sample_asia())  # 5,000 rows, seed 0
        >>> round(scorer.network(asia_adjacency()), 2)
        -11354.79
    """

    def __init__(self, data: np.ndarray, cardinality: Sequence[int] | None = None):
        data = np.asarray(data)
        if data.ndim != 2 or data.shape[0] == 0 or data.shape[1] == 0:
            raise ValueError(f"data must be a non-empty rows x variables array, got shape {data.shape}")
        if not np.issubdtype(data.dtype, np.integer) or data.min() < 0:
            raise ValueError("data must hold non-negative integer states")
        if cardinality is None:
            cardinality = data.max(0) + 1
        cardinality = np.asarray(cardinality, dtype=np.int64)
        if cardinality.shape != (data.shape[1],) or np.any(data.max(0) >= cardinality):
            raise ValueError("cardinality must give, per variable, more states than the data's largest")
        self.columns = np.ascontiguousarray(data.T, dtype=np.int64)  # V x n
        self.cardinality = cardinality
        self.num_rows = int(data.shape[0])
        self.num_variables = int(data.shape[1])
        self.log_rows = math.log(self.num_rows)

    def family(self, child: int, parents: Sequence[int]) -> float:
        """The BIC term of ``child`` with ``parents``: its log-likelihood minus
        ``(r - 1) q / 2 * log n``."""
        configuration = np.zeros(self.num_rows, dtype=np.int64)
        num_configurations = 1
        for parent in parents:
            configuration = configuration * self.cardinality[parent] + self.columns[parent]
            num_configurations *= int(self.cardinality[parent])
        states = int(self.cardinality[child])
        joint = configuration * states + self.columns[child]  # n: (parent configuration, child state)
        counts = np.bincount(joint, minlength=num_configurations * states).astype(np.float64)  # q * r
        totals = counts.reshape(num_configurations, states).sum(1)  # q
        log_likelihood = _sum_x_log_x(counts) - _sum_x_log_x(totals)
        return log_likelihood - (states - 1) * num_configurations / 2 * self.log_rows

    def network(self, adjacency: np.ndarray) -> float:
        """The BIC of one network, counted family by family (no table).

        Args:
            adjacency: ``V x V``, ``[i, j] != 0`` for an edge ``i -> j`` (``i`` a parent of ``j``).

        Raises:
            ValueError: the shape is wrong or the graph has a cycle.
        """
        adjacency = self._checked(adjacency)[0]
        return float(sum(self.family(child, np.flatnonzero(adjacency[:, child])) for child in range(self.num_variables)))

    def networks(self, adjacency: np.ndarray) -> np.ndarray:
        """The BIC of many networks at once: a sum of ``V`` look-ups each in the family table.

        Args:
            adjacency: ``A x V x V`` (or ``V x V``), ``[a, i, j] != 0`` for ``i -> j``.

        Returns:
            ``A`` float64 scores (a 0-d array for one ``V x V`` network).

        Raises:
            ValueError: a shape is wrong, a graph has a cycle, or ``V`` is over
                ``MAX_TABLE_VARIABLES`` (score such networks one by one with :meth:`network`).
        """
        single = np.ndim(adjacency) == 2
        adjacency = self._checked(adjacency)
        if self.num_variables > MAX_TABLE_VARIABLES:
            raise ValueError(f"networks() tabulates at most {MAX_TABLE_VARIABLES} variables; use network()")
        bits = np.int64(1) << np.arange(self.num_variables, dtype=np.int64)  # V
        parent_masks = np.einsum("aij,i->aj", adjacency.astype(np.int64), bits)  # A x V: each child's parent set
        scores = self.family_table[np.arange(self.num_variables), parent_masks].sum(1)  # A
        return scores[0] if single else scores

    @cached_property
    def family_table(self) -> np.ndarray:
        """``V x 2^V`` float64: ``[i, m]`` is the BIC term of variable ``i`` with the parents
        whose bits are set in ``m`` (bit ``j`` is variable ``j``); NaN where ``m`` holds ``i``."""
        size = 1 << self.num_variables
        table = np.full((self.num_variables, size), np.nan)
        for child in range(self.num_variables):
            for mask in range(size):
                if not mask >> child & 1:
                    parents = [j for j in range(self.num_variables) if mask >> j & 1]
                    table[child, mask] = self.family(child, parents)
        return table

    def _checked(self, adjacency: np.ndarray) -> np.ndarray:
        """``A x V x V`` 0/1 int8 from ``V x V`` or ``A x V x V``; raises ``ValueError``."""
        adjacency = np.asarray(adjacency)
        if adjacency.ndim == 2:
            adjacency = adjacency[None]
        size = self.num_variables
        if adjacency.ndim != 3 or adjacency.shape[1:] != (size, size):
            raise ValueError(f"adjacency must be {size} x {size} (or N x {size} x {size}), got {adjacency.shape}")
        adjacency = (adjacency != 0).astype(np.int8)
        if not is_acyclic(adjacency).all():
            raise ValueError("not a Bayesian network: the graph has a directed cycle")
        return adjacency


def _sum_x_log_x(counts: np.ndarray) -> float:
    """``sum c log c`` over the counts, with ``0 log 0 = 0``."""
    return float(np.sum(counts * np.log(np.maximum(counts, 1.0))))
