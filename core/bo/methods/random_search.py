"""Random search over the table: the discrete baseline."""

from __future__ import annotations

import numpy as np

from ..history import History
from ..problem import BOProblem
from .base import Method, Proposal, derived_seed, table_graphs, unobserved_rows


class RandomSearch(Method):
    """A uniform sample, without replacement, of the table's architectures not observed
    yet (for ENAS pool mode: the unobserved dataset architectures). Never invalid, never a
    duplicate; a round proposes fewer when the pool runs out."""

    name = "random-search"

    def propose(self, problem: BOProblem, history: History, batch_size: int, seed: int,
                round_index: int) -> Proposal:
        seed = derived_seed(seed, round_index)
        rng = np.random.default_rng(seed)
        rows = unobserved_rows(problem, history)
        chosen = rows[rng.choice(len(rows), size=min(batch_size, len(rows)), replace=False)] if len(rows) else rows
        return Proposal([problem.table.keys[r] for r in chosen], table_graphs(problem, chosen))
