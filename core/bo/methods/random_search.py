"""Random search: the discrete baseline, over the table or over the space's own generator."""

from __future__ import annotations

import numpy as np

from core.bo.history import History
from core.bo.problem import BOProblem
from core.bo.methods.base import Method, Proposal, derived_seed, table_graphs, unobserved_rows

GENERATOR_DRAWS = 20  # decode mode with a generator: at most this many draws of batch_size graphs per round


class RandomSearch(Method):
    """A uniform sample, without replacement, of the table's architectures not observed
    yet (for ENAS pool mode: the unobserved dataset architectures). Never invalid, never a
    duplicate; a round proposes fewer when the pool runs out.

    In decode mode on a space with a generator of its own (``space.random_graphs``: bn-asia's
    random DAGs), the queries are drawn from the generator instead, so random search, like
    the decoding methods, reaches networks outside the table: each draw is a valid graph,
    and one observed before (a start label, an earlier query, earlier in the batch) is
    drawn again (up to :data:`GENERATOR_DRAWS` batches), so no query is a repeat.
    """

    name = "random-search"

    def propose(self, problem: BOProblem, history: History, batch_size: int, seed: int,
                round_index: int) -> Proposal:
        seed = derived_seed(seed, round_index)
        rng = np.random.default_rng(seed)
        drawn = problem.space.random_graphs(batch_size, rng) if problem.mode == "decode" else None
        if drawn is not None:
            return self._from_generator(problem, history, batch_size, rng, drawn)
        rows = unobserved_rows(problem, history)
        chosen = rows[rng.choice(len(rows), size=min(batch_size, len(rows)), replace=False)] if len(rows) else rows
        return Proposal([problem.table.keys[r] for r in chosen], table_graphs(problem, chosen))

    def _from_generator(self, problem: BOProblem, history: History, batch_size: int, rng: np.random.Generator,
                        drawn: list) -> Proposal:
        """Up to ``batch_size`` new graphs: ``drawn`` (the first batch), then further draws."""
        space = problem.space
        taken = set(problem.train_keys) | history.queried_keys()
        keys, graphs, redrawn = [], [], 0
        for draw in range(GENERATOR_DRAWS):
            for graph in drawn if draw == 0 else space.random_graphs(batch_size, rng):
                key = space.key(graph.op_ids, graph.adjacency, graph.num_nodes)
                if key in taken:
                    redrawn += 1
                    continue
                taken.add(key)
                keys.append(key)
                graphs.append(graph)
                if len(keys) == batch_size:
                    return Proposal(keys, graphs, info={"redrawn_duplicate": redrawn})
        return Proposal(keys, graphs, info={"redrawn_duplicate": redrawn})
