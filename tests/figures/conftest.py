"""Random cells of each space without the ENAS download: enas6 from random keys (ops and
skip bits), nbg-cora from its embedded table."""

from __future__ import annotations

import numpy as np
import pytest

from core.spaces import get_space


def random_enas_keys(count: int, num_layers: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    keys = []
    for _ in range(count):
        parts: list[int] = []
        for layer in range(num_layers):
            parts.append(int(rng.integers(0, 6)))
            parts.extend(int(bit) for bit in rng.integers(0, 2, size=layer))
        keys.append(" ".join(map(str, parts)))
    return keys


@pytest.fixture(scope="session")
def enas_keys_table():
    """``name -> (space, table)``: 200 random enas6 cells, or nbg-cora's whole table."""
    cache: dict = {}

    def load(name: str):
        if name not in cache:
            space = get_space(name)
            if name == "enas6":
                keys = random_enas_keys(200, space.num_layers, seed=0)
                table = space.table_from_keys(keys, np.zeros(len(keys)), np.full(len(keys), "train"))
            else:
                table = space.load()
            cache[name] = (space, table)
        return cache[name]

    return load
