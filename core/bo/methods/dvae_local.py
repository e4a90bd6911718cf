"""Local latent BO (``dvae-local``): the GP of ``dvae`` scores only the unobserved cells
within one or two mutations of the best observed cells (BANANAS' local candidates, White et
al. 2021), and the batch is picked among them.

Each round:

1. the parents are the ``local_parents`` best observed cells (the start's labels and every
   new query with a value; ties by key);
2. the candidates are the unobserved table cells within ``local_depth`` mutations of them, in
   the canonical neighbourhood (:mod:`core.bo.neighbourhood`: a cell's neighbours depend on
   its key alone), breadth first and the better parent's first, at most ``local_candidates``;
   when fewer than a batch remain, every unobserved cell is a candidate (``local_fallback``);
3. the batch is chosen among them exactly as ``dvae`` chooses in pool mode (the exact GP's
   believer batch of LogEI under the few-label protocol, the sparse GP's under ``paper``),
   with ``features``: the latent means, or the cells' one-hot operations and adjacency
   (:mod:`core.bo.features`, exact GP only).

Pool mode only: a local candidate is a table cell, never a decode.
"""

from __future__ import annotations

import time

import numpy as np

from core.errors import OpEmbedError
from core.bo.config import BOConfig
from core.bo.features import check_feature_space, onehot_adjacency
from core.bo.history import History
from core.bo.mutation import has_operator
from core.bo.neighbourhood import Neighbourhood
from core.bo.problem import BOProblem
from core.bo.methods.base import Proposal, unobserved_rows
from core.bo.methods.dvae import DVAESearch
from core.bo.methods.exact_search import propose_exact


def check_local(problem: BOProblem, features: str = "latent") -> None:
    """That ``dvae-local`` applies to ``problem``: pool mode, a space with a mutation operator,
    and for ``onehot-adjacency`` a run of the problem's space.

    Raises:
        OpEmbedError: one line saying which.
    """
    if problem.mode != "pool":
        raise OpEmbedError("--method dvae-local --mode decode: dvae-local picks among the table's cells and never "
                           "decodes\n  fix: drop --mode decode (pool is the default), or use --method dvae")
    if not has_operator(problem.space):
        raise OpEmbedError(f"--method dvae-local: {problem.space.name} has no mutation operator, so its cells have no "
                           "neighbours\n  fix: use --method dvae")
    check_feature_space(features, problem.space.name, problem.run_dir)


class DVAELocalSearch(DVAESearch):
    """``dvae``'s GP over the mutation neighbourhood of the best observed cells (module docstring).

    Args:
        config: ``local_parents``, ``local_depth``, ``local_candidates``, ``features`` and
            the GP's settings.
        device: where the sparse GP trains.

    Example:
        >>> method = DVAELocalSearch(BOConfig(local_parents=10, local_depth=1))
        >>> run_search(problem, method, seed=0, config=method.config, path=Path("dvae-local-seed0.json"))
    """

    name = "dvae-local"
    uses_decoder = False

    def __init__(self, config: BOConfig, device="cpu"):
        super().__init__(config, device)
        if self.config.features != "latent" and self.config.surrogate != "exact":
            raise OpEmbedError(f"--features {self.config.features}: needs the exact GP\n"
                               "  fix: pass --surrogate exact (the few-label protocol's), or --features latent")
        self._neighbourhood: Neighbourhood | None = None  # of the last table searched (cached neighbours)
        self._inputs: tuple[object, np.ndarray] | None = None  # (table, its onehot-adjacency features)

    def neighbourhood(self, problem: BOProblem) -> Neighbourhood:
        """The canonical neighbourhood of the problem's table, kept across rounds and seeds."""
        if self._neighbourhood is None or self._neighbourhood.table is not problem.table:
            self._neighbourhood = Neighbourhood(problem.space, problem.table)
        return self._neighbourhood

    def parents(self, problem: BOProblem, history: History) -> list[str]:
        """The ``local_parents`` best observed cells, best first (ties by key)."""
        values = {key: value for key, (value, _) in problem.train_evaluations().items()}
        for query in history.queries:
            if query.status == "new" and query.value is not None:
                values[query.key] = query.value
        return sorted(values, key=lambda key: (-values[key], key))[: self.config.local_parents]

    def candidate_rows(self, problem: BOProblem, history: History, batch_size: int) -> tuple[np.ndarray, dict]:
        """The round's candidate rows (module docstring) and what the result file keeps of them."""
        observed = set(problem.train_keys) | history.queried_keys()
        keys = self.neighbourhood(problem).ball(self.parents(problem, history), self.config.local_depth,
                                                exclude=observed, limit=self.config.local_candidates)
        rows = np.array([problem.key_rows[key] for key in keys if key in problem.candidate_keys], dtype=np.int64)
        fallback = len(rows) < batch_size
        if fallback:
            rows = unobserved_rows(problem, history)
        return rows, {"local_candidates": len(keys), "local_fallback": fallback}

    def features(self, problem: BOProblem) -> np.ndarray:
        """``A x f`` onehot-adjacency inputs of the problem's table (computed once per table)."""
        if self._inputs is None or self._inputs[0] is not problem.table:
            self._inputs = (problem.table, onehot_adjacency(problem.table, problem.space.num_node_types))
        return self._inputs[1]

    def propose(self, problem: BOProblem, history: History, batch_size: int, seed: int,
                round_index: int, rows: np.ndarray | None = None) -> Proposal:
        check_local(problem, self.config.features)
        started = time.perf_counter()
        rows, info = self.candidate_rows(problem, history, batch_size)
        info["neighbourhood_seconds"] = time.perf_counter() - started
        if self.config.features == "latent":
            proposal = super().propose(problem, history, batch_size, seed, round_index, rows=rows)
        else:
            proposal = propose_exact(problem, history, self.config, batch_size, seed, round_index, rows=rows,
                                     features=self.features(problem))
        proposal.info.update(info, features=self.config.features)
        return proposal
