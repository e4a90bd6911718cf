"""The BIC oracle against hand-worked values, and its batched form against its direct one."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.bn.asia import asia_adjacency, sample_asia
from core.bn.bic import BicScore, is_acyclic
from core.bn.random_dags import random_dags

# Four rows of two binary variables:   X: 0 0 1 1
#                                      Y: 0 1 1 1
TINY = np.array([[0, 0], [0, 1], [1, 1], [1, 1]])
X_TO_Y = np.array([[0, 1], [0, 0]])


def test_bic_of_a_tiny_network_by_hand():
    """X -> Y on TINY, n = 4, log n = log 4.

    X:      N(X=0) = 2, N(X=1) = 2            LL = 2 log(2/4) + 2 log(2/4) = 4 log(1/2)
    Y | X:  X=0: Y = (0, 1), counts (1, 1)    LL = 1 log(1/2) + 1 log(1/2) = 2 log(1/2)
            X=1: Y = (1, 1), counts (0, 2)    LL = 0 (0 log 0 = 0) + 2 log(2/2) = 0
    free parameters: X (2-1) * 1 = 1, Y (2-1) * 2 = 2, so 3
    BIC = 6 log(1/2) - 3/2 log 4 = -4.158883 - 2.079442 = -6.238325
    """
    expected = 6 * math.log(1 / 2) - 3 / 2 * math.log(4)
    scorer = BicScore(TINY)
    assert scorer.network(X_TO_Y) == pytest.approx(expected, abs=1e-12)
    assert scorer.network(X_TO_Y) == pytest.approx(-6.238324625, abs=1e-9)
    assert scorer.networks(X_TO_Y) == pytest.approx(expected, abs=1e-12)


def test_bic_of_the_empty_network_and_of_the_reversed_edge_by_hand():
    """Empty: X as above, 4 log(1/2); Y alone: counts (1, 3), LL = log(1/4) + 3 log(3/4);
    2 free parameters: BIC = 4 log(1/2) + log(1/4) + 3 log(3/4) - log 4 = -6.408223.

    Y -> X: Y alone as just said; X | Y=0: counts (1, 0), LL 0; X | Y=1: counts (1, 2),
    LL = log(1/3) + 2 log(2/3). Its log-likelihood equals X -> Y's (Markov-equivalent
    networks), and so does its parameter count (3): the same BIC, -6.238325."""
    scorer = BicScore(TINY)
    empty = 4 * math.log(1 / 2) + math.log(1 / 4) + 3 * math.log(3 / 4) - 2 / 2 * math.log(4)
    assert scorer.network(np.zeros((2, 2))) == pytest.approx(empty, abs=1e-12)
    assert scorer.network(np.zeros((2, 2))) == pytest.approx(-6.408223, abs=1e-6)
    reversed_edge = (math.log(1 / 4) + 3 * math.log(3 / 4)) + (math.log(1 / 3) + 2 * math.log(2 / 3)) - 3 / 2 * math.log(4)
    assert scorer.network(X_TO_Y.T) == pytest.approx(reversed_edge, abs=1e-12)
    assert scorer.network(X_TO_Y.T) == pytest.approx(scorer.network(X_TO_Y), abs=1e-12)


def test_parameters_count_every_state_of_the_declared_cardinality():
    """bnlearn counts parameters from the factor levels, observed or not: declaring Y with
    three states (none observed in state 2) leaves the log-likelihood and adds
    (3-1) - (2-1) = 1 parameter to the empty network: 1/2 log 4 less."""
    two, three = BicScore(TINY), BicScore(TINY, cardinality=[2, 3])
    assert three.network(np.zeros((2, 2))) == pytest.approx(two.network(np.zeros((2, 2))) - 0.5 * math.log(4))


def test_batched_scores_equal_direct_ones():
    scorer = BicScore(sample_asia(500, seed=4))
    networks = random_dags(40, 8, 0.3, np.random.default_rng(2))
    direct = np.array([scorer.network(network) for network in networks])
    np.testing.assert_allclose(scorer.networks(networks), direct, rtol=0, atol=1e-8)


def test_the_true_asia_structure_beats_random_networks():
    scorer = BicScore(sample_asia())
    random_scores = scorer.networks(random_dags(2000, 8, 0.25, np.random.default_rng(0)))
    assert scorer.network(asia_adjacency()) > random_scores.max()
    assert scorer.network(asia_adjacency()) > scorer.network(np.zeros((8, 8)))


def test_cycles_and_bad_shapes_are_refused():
    scorer = BicScore(TINY)
    with pytest.raises(ValueError, match="cycle"):
        scorer.network(np.array([[0, 1], [1, 0]]))
    with pytest.raises(ValueError, match="cycle"):
        scorer.networks(np.array([[[0, 0], [0, 0]], [[1, 0], [0, 0]]]))  # a self-loop
    with pytest.raises(ValueError, match="2 x 2"):
        scorer.network(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="non-negative integer"):
        BicScore(np.array([[0.5, 1.0]]))


def test_is_acyclic():
    cycle = np.zeros((4, 4), dtype=int)
    cycle[[0, 1, 2, 3], [1, 2, 3, 0]] = 1  # 0 -> 1 -> 2 -> 3 -> 0
    chain = np.triu(np.ones((4, 4), dtype=int), 1)
    assert is_acyclic(np.stack([cycle, chain, np.zeros((4, 4))])).tolist() == [False, True, True]
