"""Intervals, tests and verdicts over seeds, against textbook values and planted groups."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from core.groups.stats import compare, decide, estimate, permutation_p


def test_the_interval_is_students_t_over_the_seeds():
    values = [1.0, 2.0, 4.0, 7.0]
    found = estimate(values)
    half = stats.t.ppf(0.975, 3) * np.std(values, ddof=1) / 2
    assert found.mean == pytest.approx(3.5)
    assert (found.low, found.high) == pytest.approx((3.5 - half, 3.5 + half))
    assert found.n == 4 and found.values == tuple(values)


def test_one_seed_has_no_interval_and_nan_is_left_out():
    found = estimate([2.0, float("nan"), None])
    assert found.n == 1 and found.mean == 2.0 and math.isnan(found.low)
    assert found.text() == "2.000 (n = 1)"


def test_welch_matches_scipy():
    a, b = [1.0, 1.4, 0.8, 1.1], [2.0, 2.9, 1.5, 2.2, 2.6]
    result = compare(a, b, better="higher")
    assert result.p_value == pytest.approx(stats.ttest_ind(b, a, equal_var=False).pvalue)
    assert result.difference == pytest.approx(np.mean(b) - np.mean(a))
    assert result.low < result.difference < result.high
    assert result.test == "Welch t"


def test_paired_t_pairs_the_shared_seeds_only():
    a = {0: 1.0, 1: 2.0, 2: 3.0, 3: 4.0, 9: 100.0}
    b = {0: 1.5, 1: 2.4, 2: 3.6, 3: 4.5}
    result = compare(a, b, better="higher", paired_by_seed=True)
    assert result.test == "paired t (4 pairs)"
    assert result.p_value == pytest.approx(stats.ttest_rel([1.5, 2.4, 3.6, 4.5], [1, 2, 3, 4]).pvalue)


@pytest.mark.parametrize("shift, better, expected", [
    (-5.0, "lower", "supported"),  # B clearly lower where lower is better
    (+5.0, "lower", "contradicted"),  # B clearly higher where lower is better
    (+5.0, "higher", "supported"),
    (0.0, "lower", "inconclusive"),  # the same values: no evidence either way
])
def test_planted_differences_give_the_verdict(shift, better, expected):
    rng = np.random.default_rng(0)
    a = 40 + rng.normal(0, 1, 6)
    b = a.copy() if shift == 0 else 40 + shift + rng.normal(0, 1, 6)
    assert compare(list(a), list(b), better=better).verdict == expected


def test_noise_as_large_as_the_difference_is_inconclusive():
    # the enas6 epochs to 99 %: one-hot {36, 55, 42}, learned {62, 39, 63}
    result = compare([36, 55, 42], [62, 39, 63], better="lower")
    assert result.verdict == "inconclusive"
    assert 0.3 < result.p_value < 0.4  # Welch's t: p = 0.35


def test_a_group_of_one_gets_no_p_value():
    result = compare([36.0], [62.0, 39.0, 63.0], better="lower")
    assert result.p_value is None and result.verdict == "inconclusive (n = 1)"
    assert result.test == "none (n = 1)"


def test_decide_without_a_direction():
    assert decide(0.3, 0.01, None) == "differs"
    assert decide(0.3, 0.5, None) == "no difference found"


def test_permutation_p_is_small_for_separated_groups_and_one_for_identical():
    def gap(x, y):
        return abs(x.mean() - y.mean())

    a, b = np.arange(5.0)[:, None], np.arange(5.0)[:, None] + 10
    assert permutation_p(a, b, gap) == pytest.approx(2 / 252)  # the two extreme splits of C(10, 5)
    assert permutation_p(a, a.copy(), gap) == 1.0
