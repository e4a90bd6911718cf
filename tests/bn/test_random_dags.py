"""Random DAGs and their smallest-first topological order."""

from __future__ import annotations

import numpy as np
import pytest

from core.bn.bic import is_acyclic
from core.bn.random_dags import random_dags, smallest_first_order


def test_random_dags_are_seeded_acyclic_and_as_dense_as_asked():
    first = random_dags(2000, 8, 0.25, np.random.default_rng(7))
    assert first.shape == (2000, 8, 8) and first.dtype == np.uint8
    np.testing.assert_array_equal(first, random_dags(2000, 8, 0.25, np.random.default_rng(7)))
    assert is_acyclic(first).all()
    assert abs(first.sum((1, 2)).mean() - 0.25 * 28) < 0.2  # 28 forward pairs of 8 variables
    assert np.triu(first, 1).any() and np.tril(first, -1).any()  # random orders: edges run both ways between labels


def test_smallest_first_order():
    chain = np.zeros((8, 8), dtype=np.uint8)
    chain[np.arange(1, 8), np.arange(7)] = 1  # 7 -> 6 -> ... -> 0
    fork = np.zeros((8, 8), dtype=np.uint8)
    fork[5, [0, 2]] = 1  # 5 -> 0, 5 -> 2: 1 comes first, then 3, 4, 5 (now 0 and 2 are ready), 0, 2, 6, 7
    orders = smallest_first_order(np.stack([np.zeros((8, 8)), chain, fork]))
    assert orders.tolist() == [list(range(8)), list(range(7, -1, -1)), [1, 3, 4, 5, 0, 2, 6, 7]]


def test_smallest_first_order_is_topological_and_refuses_cycles():
    networks = random_dags(300, 8, 0.4, np.random.default_rng(1))
    orders = smallest_first_order(networks)
    position = np.argsort(orders, axis=1)  # position of each variable
    for a in range(len(networks)):
        parents, children = np.nonzero(networks[a])
        assert np.all(position[a, parents] < position[a, children])
    cycle = np.zeros((1, 8, 8), dtype=np.uint8)
    cycle[0, [0, 1], [1, 0]] = 1
    with pytest.raises(ValueError, match="cycle"):
        smallest_first_order(cycle)
