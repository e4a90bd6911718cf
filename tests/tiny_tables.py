"""Small tables for tests that train tiny runs."""

from __future__ import annotations

import numpy as np

from core.spaces import get_space


def small_nbg_table(num_train: int, num_test: int, seed: int = 0):
    """``(space, table)``: nbg-cora with ``num_train`` training and ``num_test`` test
    architectures drawn with ``seed``, for tests that train tiny runs."""
    space = get_space("nbg-cora")
    table = space.load(None)
    rng = np.random.default_rng(seed)
    index = np.concatenate([rng.choice(table.indices("train"), num_train, replace=False),
                            rng.choice(table.indices("test"), num_test, replace=False)])
    return space, table.subset(index)
