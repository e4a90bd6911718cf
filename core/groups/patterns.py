"""What the top cells a search found share: the operation frequencies of the best distinct
cells each model seed's latent BO found, and whether two groups' frequencies differ.

Per model seed: every ``new`` query of its latent-BO searches (all BO seeds) within the
budget of queries (every proposal counts, as on the Best cells page), the ``top_k`` distinct cells by value, and the share of each operation among their
operation nodes (input and output left out): a vector over the space's operations that sums
to 1. Two groups are compared by the total-variation distance between their mean vectors,
``0.5 · Σ |a − b|``, with a permutation p over the model seeds (group labels exchanged).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.errors import OpEmbedError
from core.groups.stats import permutation_p
from core.spaces.base import ArchitectureTable

TOP_K = 10
BUDGET = 200


def found_cells(run_dir: Path, budget: int = BUDGET, method: str = "dvae") -> dict[str, float]:
    """Key -> value of every distinct cell the run's ``method`` searches found within
    ``budget`` queries (all BO seeds; :mod:`core.bo.found`, as the Best cells page counts
    them); empty without results or with a damaged result file."""
    from core.bo.found import found_values, query_frame

    try:
        queries = query_frame([Path(run_dir)])
    except OpEmbedError:
        return {}
    return found_values(queries, method, budget)


def operation_shares(keys: Sequence[str], table: ArchitectureTable, num_node_types: int) -> np.ndarray | None:
    """Share of each operation type (``num_node_types - 2``, input and output excluded) among
    the operation nodes of the cells ``keys``; ``None`` when no key is in the table."""
    counts = np.zeros(num_node_types, dtype=np.float64)
    for key in keys:
        row = table.row_of(key)
        if row is None:
            continue
        ops = table.op_ids[row][: int(table.num_nodes[row])]
        counts += np.bincount(ops, minlength=num_node_types)[:num_node_types]
    operations = counts[2:]
    return None if operations.sum() == 0 else operations / operations.sum()


def top_shares(run_dir: Path, table: ArchitectureTable, num_node_types: int, top_k: int = TOP_K,
               budget: int = BUDGET) -> np.ndarray | None:
    """:func:`operation_shares` of the ``top_k`` best distinct cells the run's latent BO found."""
    cells = found_cells(run_dir, budget)
    if not cells:
        return None
    best = sorted(cells, key=lambda key: (-cells[key], key))[:top_k]
    return operation_shares(best, table, num_node_types)


def total_variation(a: np.ndarray, b: np.ndarray) -> float:
    """Total-variation distance of the mean rows of ``a`` and ``b`` (``seeds x ops``)."""
    return float(0.5 * np.abs(a.mean(0) - b.mean(0)).sum())


@dataclass(frozen=True)
class PatternComparison:
    """The two groups' mean operation shares among their top found cells, and their distance."""

    operations: tuple[str, ...]
    a_shares: np.ndarray  # seeds_a x ops
    b_shares: np.ndarray  # seeds_b x ops
    distance: float
    p_value: float | None

    @property
    def verdict(self) -> str:
        if self.p_value is None:
            return "inconclusive (n = 1)"
        return "differ" if self.p_value < 0.05 else "no difference found"


def compare_patterns(a_rows: list[np.ndarray], b_rows: list[np.ndarray], operations: Sequence[str]) -> PatternComparison:
    """The distance between two groups' top-cell operation shares and its permutation p
    (``None`` with fewer than 2 seeds in a group)."""
    a, b = np.vstack(a_rows), np.vstack(b_rows)
    p_value = permutation_p(a, b, total_variation) if len(a) >= 2 and len(b) >= 2 else None
    return PatternComparison(tuple(operations), a, b, total_variation(a, b), p_value)
