"""The exact best network: equal to brute force over every DAG of four variables, and on the
asia sample at least as good as the true network and every network of the offline table."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from core.bn.asia import asia_adjacency, sample_asia
from core.bn.bic import BicScore, is_acyclic
from core.bn.optimum import best_network


def every_dag(size: int) -> np.ndarray:
    """All DAGs over ``size`` labelled variables (543 for four)."""
    pairs = [(i, j) for i in range(size) for j in range(size) if i != j]
    graphs = []
    for bits in itertools.product((0, 1), repeat=len(pairs)):
        adjacency = np.zeros((size, size), dtype=np.uint8)
        for (i, j), bit in zip(pairs, bits):
            adjacency[i, j] = bit
        graphs.append(adjacency)
    graphs = np.stack(graphs)
    return graphs[is_acyclic(graphs)]


def test_equals_brute_force_on_four_variables():
    data = sample_asia(300, seed=3)[:, [0, 2, 5, 6]]  # asia, tub, either, xray: a chain with signal
    scorer = BicScore(data, cardinality=[2, 2, 2, 2])
    dags = every_dag(4)
    assert len(dags) == 543
    scores = scorer.networks(dags)
    score, network = best_network(scorer.family_table)
    assert score == pytest.approx(scores.max(), abs=1e-9)
    assert scorer.network(network) == pytest.approx(score, abs=1e-9)


def test_beats_the_true_network_and_the_table():
    from core.spaces.bn_asia_data import asia_scorer, random_network_table

    scorer = asia_scorer()
    score, network = best_network(scorer.family_table)
    assert is_acyclic(network) and scorer.network(network) == pytest.approx(score, abs=1e-9)
    assert score >= scorer.network(asia_adjacency()) - 1e-9
    assert score >= random_network_table().y.max()
