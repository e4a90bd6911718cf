"""The asia network's structure and its seeded sample."""

from __future__ import annotations

import numpy as np

from core.bn.asia import ASIA_VARIABLES, asia_adjacency, sample_asia


def test_structure_is_lauritzen_and_spiegelhalters():
    index = {name: i for i, name in enumerate(ASIA_VARIABLES)}
    edges = {(ASIA_VARIABLES[i], ASIA_VARIABLES[j]) for i, j in zip(*np.nonzero(asia_adjacency()))}
    assert edges == {("A", "T"), ("S", "L"), ("S", "B"), ("T", "E"), ("L", "E"), ("E", "X"), ("E", "D"), ("B", "D")}
    assert index["A"] == 0 and index["D"] == 7  # bnlearn's data(asia) column order


def test_sample_is_seeded_and_follows_the_tables():
    data = sample_asia(5000, seed=0)
    assert data.shape == (5000, 8) and data.dtype == np.uint8
    np.testing.assert_array_equal(data, sample_asia(5000, seed=0))
    assert not np.array_equal(data, sample_asia(5000, seed=1))
    A, S, T, L, B, E, X, D = data.T
    np.testing.assert_array_equal(E, T | L)  # either is tub OR lung
    assert abs(S.mean() - 0.5) < 0.03 and A.mean() < 0.03
    assert abs(B[S == 1].mean() - 0.6) < 0.04 and abs(B[S == 0].mean() - 0.3) < 0.04
