"""Decode-mode regions: the trust region's replay, the boxes and their candidates."""

from __future__ import annotations

import numpy as np
import pytest

from core.bo.regions import (LENGTH_INIT, LENGTH_MIN, TrustRegionState, failure_tolerance, region_bounds,
                             region_candidates, replay_trust_region)


def test_failure_tolerance_is_turbos():
    assert failure_tolerance(56, 50) == 2 and failure_tolerance(16, 50) == 1 and failure_tolerance(2, 1) == 4


def test_replay_hand_worked():
    assert replay_trust_region([], 1.0, dim=2, batch_size=1) == TrustRegionState()
    # dim 2, q 1: failure tolerance 4, success tolerance 3
    state = replay_trust_region([1.1, 1.2, 1.3], 1.0, dim=2, batch_size=1)
    assert state == TrustRegionState(length=1.6, successes=0, failures=0, restarts=0)  # doubled, capped at 1.6
    state = replay_trust_region([None, 0.5, 1.0, 1.0005], 1.0, dim=2, batch_size=1)  # 1.0005: below 1e-3
    assert state.length == pytest.approx(LENGTH_INIT / 2) and state.failures == 0
    shrinks = int(np.ceil(np.log2(LENGTH_INIT / LENGTH_MIN))) * 4
    state = replay_trust_region([None] * shrinks, 1.0, dim=2, batch_size=1)
    assert state.restarts == 1 and state.length == LENGTH_INIT


def test_region_bounds():
    reference = np.random.default_rng(0).uniform(size=(1000, 3))
    lower, upper = region_bounds("box", reference)
    np.testing.assert_array_equal(lower, 0) and np.testing.assert_array_equal(upper, 1)
    lower, upper = region_bounds("quantile", reference, quantile=0.1)
    np.testing.assert_allclose(lower, np.quantile(reference, 0.1, axis=0))
    center = np.array([0.5, 0.5, 0.95])
    lower, upper = region_bounds("trust-region", reference, center=center, lengthscale=np.array([1.0, 4.0, 1.0]),
                                 length=0.4)
    # weights: lengthscales over their geometric mean (4^(1/3))
    weights = np.array([1.0, 4.0, 1.0]) / 4 ** (1 / 3)
    np.testing.assert_allclose(lower, np.clip(center - 0.2 * weights, 0, 1))
    np.testing.assert_allclose(upper, np.clip(center + 0.2 * weights, 0, 1))
    assert upper[2] == 1.0 and lower[1] == 0.0  # clipped to the unit cube
    with pytest.raises(ValueError, match="center"):
        region_bounds("trust-region", reference)


def test_region_candidates_inside_and_perturbing_some_coordinates():
    lower, upper = np.full(40, 0.2), np.full(40, 0.6)
    points = region_candidates(lower, upper, 256, seed=0).numpy()
    assert points.shape == (256, 40) and (points >= 0.2).all() and (points <= 0.6).all()
    center = np.full(40, 0.4)
    near = region_candidates(lower, upper, 256, seed=0, center=center).numpy()
    moved = (near != 0.4).sum(1)
    assert (moved >= 1).all() and 10 < moved.mean() < 30  # each coordinate with probability 20 / 40
    np.testing.assert_array_equal(near, region_candidates(lower, upper, 256, seed=0, center=center).numpy())
