"""What the top cells a search found share, against the space's own top cells and the whole
space: operation shares and graph properties, each with a test.

Three sets of cells are compared: the ``k`` best cells a method found, the space's ``k``
best cells and every cell of the space. A set's *operation shares* are how often each
operation occurs among its operation nodes (input and output left out; they sum to 1).
Its *properties* are the means of the graph properties of :mod:`core.analysis.properties`.

The tests (Monte-Carlo, ``draws`` resamples, p = (1 + resamples at least as extreme) /
(1 + draws)):

* a set against the whole space: is it unlike ``k`` cells drawn at random from the space?
  The statistic is the total-variation distance ``0.5 · Σ |a − b|`` of its operation shares
  to the space's, and ``|mean − space mean|`` for a property;
* found against the space's top: is the found set unlike the space's top cells? The ``2k``
  cells are split at random into two sets of ``k`` (a permutation test).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.analysis.properties import property_columns

COUNT_PREFIX = "count_"
DRAWS = 2000
SETS = ("found", "space top", "space")


@dataclass(frozen=True)
class SharedPatterns:
    """The comparison of three sets of cells.

    Attributes:
        operations: one row per operation: ``operation`` and its share in each set
            (columns :data:`SETS`).
        properties: one row per graph property: ``property``, its mean in each set and
            its standard deviation over the space (``space sd``).
        tests: one row per measure (``operation shares`` first, then each property):
            ``statistic`` (TV distance or absolute mean difference) and ``p`` for
            ``found vs space``, ``space top vs space`` and ``found vs space top``.
        k: cells per set; draws: resamples per test.
    """

    operations: pd.DataFrame
    properties: pd.DataFrame
    tests: pd.DataFrame
    k: int
    draws: int


def operation_names(props: pd.DataFrame) -> list[str]:
    """The operations of a properties frame (its ``count_<op>`` columns)."""
    return [column[len(COUNT_PREFIX):] for column in props.columns if column.startswith(COUNT_PREFIX)]


def compare_sets(found_keys: Sequence[str], props: pd.DataFrame, k: int | None = None, draws: int = DRAWS,
                 seed: int = 0) -> SharedPatterns:
    """Compare the found cells ``found_keys`` (best first; the first ``k`` are used) with the
    space's top ``k`` cells by ``y`` and with the whole space.

    Args:
        found_keys: keys of found cells, each a row of ``props``.
        props: :func:`core.analysis.properties.architecture_properties` of the space (``key``,
            ``y``, ``count_<op>`` and property columns).
        k: the set size (default: as many as were found).
    """
    k = len(found_keys) if k is None else min(int(k), len(found_keys))
    if k == 0:
        raise ValueError("no found cells to compare")
    rng = np.random.default_rng(seed)
    row_of = {str(key): row for row, key in enumerate(props["key"].astype(str))}
    found = np.array([row_of[str(key)] for key in list(found_keys)[:k]], dtype=np.int64)
    top = np.argsort(-props["y"].to_numpy(dtype=np.float64), kind="stable")[:k]
    operations = operation_names(props)
    counts = props[[COUNT_PREFIX + name for name in operations]].to_numpy(dtype=np.float64)  # cells x ops
    measures = [c for c in property_columns(props) if not c.startswith(COUNT_PREFIX)
                and pd.api.types.is_numeric_dtype(props[c])]
    values = props[measures].to_numpy(dtype=np.float64)  # cells x properties

    shares = {"found": _shares(counts[found]), "space top": _shares(counts[top]), "space": _shares(counts)}
    means = {"found": values[found].mean(0), "space top": values[top].mean(0), "space": values.mean(0)}
    random_sets = rng.integers(0, len(props), size=(draws, k))  # draws x k rows of the space
    null_tv = _tv(_shares_batched(counts[random_sets]), shares["space"])  # draws
    null_gap = np.abs(values[random_sets].mean(1) - means["space"])  # draws x properties
    pooled = np.concatenate([found, top])
    splits = np.argsort(rng.random((draws, 2 * k)), axis=1)  # draws x 2k permutations
    first, second = pooled[splits[:, :k]], pooled[splits[:, k:]]
    perm_tv = _tv(_shares_batched(counts[first]), _shares_batched(counts[second]))
    perm_gap = np.abs(values[first].mean(1) - values[second].mean(1))

    rows = []
    observed_tv = {"found vs space": _tv(shares["found"], shares["space"]),
                   "space top vs space": _tv(shares["space top"], shares["space"]),
                   "found vs space top": _tv(shares["found"], shares["space top"])}
    rows.append({"measure": "operation shares (TV distance)",
                 **_tested(observed_tv["found vs space"], null_tv, "found vs space"),
                 **_tested(observed_tv["space top vs space"], null_tv, "space top vs space"),
                 **_tested(observed_tv["found vs space top"], perm_tv, "found vs space top")})
    for index, name in enumerate(measures):
        rows.append({"measure": name,
                     **_tested(abs(means["found"][index] - means["space"][index]), null_gap[:, index], "found vs space"),
                     **_tested(abs(means["space top"][index] - means["space"][index]), null_gap[:, index],
                               "space top vs space"),
                     **_tested(abs(means["found"][index] - means["space top"][index]), perm_gap[:, index],
                               "found vs space top")})
    operations_frame = pd.DataFrame({"operation": operations, **{name: shares[name] for name in SETS}})
    properties_frame = pd.DataFrame({"property": measures, **{name: means[name] for name in SETS},
                                     "space sd": values.std(0)})
    return SharedPatterns(operations_frame, properties_frame, pd.DataFrame(rows), k, draws)


def _shares(counts: np.ndarray) -> np.ndarray:
    """``ops``: the operation shares of a set of cells (``cells x ops`` counts)."""
    total = counts.sum()
    return counts.sum(0) / total if total else np.zeros(counts.shape[1])


def _shares_batched(counts: np.ndarray) -> np.ndarray:
    """``draws x ops`` shares of ``draws x k x ops`` counts."""
    totals = counts.sum(axis=(1, 2))[:, None]
    return counts.sum(1) / np.where(totals > 0, totals, 1.0)


def _tv(a: np.ndarray, b: np.ndarray) -> np.ndarray | float:
    distance = 0.5 * np.abs(np.asarray(a) - np.asarray(b)).sum(-1)
    return float(distance) if np.ndim(distance) == 0 else distance


def _tested(observed: float, null: np.ndarray, name: str) -> dict[str, float]:
    p_value = (1.0 + float(np.sum(null >= observed - 1e-12))) / (1.0 + len(null))
    return {name: float(observed), f"p ({name})": p_value}
