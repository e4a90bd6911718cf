"""What is labelled when a search starts: the two protocols of ``python -m core bo``.

* ``paper`` (D-VAE, Zhang et al. 2019): the training split, about 90 % of the space, is
  labelled; the GP starts from it and the queries look for what is left.
* ``few-label`` (arch2vec, Yan et al. 2020): the VAE is pretrained without labels (it
  never sees ``y``; ``train --split all`` trains it on every architecture), and every
  method, the baselines included, starts from the same ``init`` random labelled
  architectures of a seed. Everything else is found by queries.
"""

from __future__ import annotations

import numpy as np

from core.errors import OpEmbedError

from core.spaces.base import SearchSpace
from core.bo.seeds import derived_seed

START_STREAM = 2**31 - 2  # seed stream of the few-label start (rounds use 0, 1, ...)


class InitError(OpEmbedError, ValueError):
    """``--init`` asks for more labelled architectures than the space leaves to find
    (an ``OpEmbedError``: the command line prints one line)."""


def start_rows(rows: np.ndarray, init: int, seed: int) -> np.ndarray:
    """``init`` of ``rows`` (distinct architectures), drawn without replacement by ``seed``
    alone, so every method of a seed starts from the same ones.

    Raises:
        ValueError: ``init`` is not below the number of rows (nothing would be left to find).
    """
    rows = np.asarray(rows, dtype=np.int64)
    if not 2 <= init < len(rows):
        raise InitError(f"--init {init}: needs 2 .. {len(rows) - 1} of the {len(rows)} architectures\n"
                        f"  fix: pass --init {min(16, len(rows) - 1)}")
    rng = np.random.default_rng(derived_seed(seed, START_STREAM))
    return np.sort(rng.choice(rows, size=int(init), replace=False))


def default_protocol(space: SearchSpace) -> str:
    """``few-label`` for NAS-Bench-Graph (the question researchers ask of it), ``paper``
    for ENAS (the D-VAE paper's own space and protocol)."""
    return "few-label" if space.name.startswith("nbg") else "paper"
