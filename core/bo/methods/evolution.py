"""Regularised evolution (Real et al., AAAI 2019) over the discrete space."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from core.bo.config import BOConfig
from core.spaces.graph import Graph
from core.bo.history import History
from core.bo.mutation import neighbours
from core.bo.problem import BOProblem
from core.bo.methods.base import Method, Proposal, derived_seed, unobserved_rows

INIT_STREAM = 2**31 - 1  # seed stream of the initial population (rounds use 0, 1, ...)


@dataclass(frozen=True)
class Member:
    key: str
    value: float
    graph: Graph


class RegularisedEvolution(Method):
    """Aging evolution: a population of ``population`` architectures; each query samples
    ``tournament`` of them, mutates the best one (one operation or one edge, see
    :mod:`core.bo.mutation`) into a valid architecture not observed yet, scores it, adds it
    and retires the oldest member.

    * The initial population is ``population`` random training architectures: observed
      already, so they cost no queries (every method starts from the training split).
    * A child must be valid for the space (``space.is_valid``: for NAS-Bench-Graph it must
      be in the bench, canonicalised by ``space.key``); in pool mode it must also be an
      unobserved pool architecture. When the parent has no such neighbour the query is a
      random unobserved table (pool) architecture instead.
    * Children are scored one by one inside a round (the oracle is a lookup or the user's
      function), so each query sees the population updated by the one before; the round
      only groups ``batch_size`` queries for the result file.
    """

    name = "evolution"

    def __init__(self, config: BOConfig):
        self.population = config.population
        self.tournament = config.tournament

    def _population(self, problem: BOProblem, history: History, seed: int) -> deque[Member]:
        """The initial population, then every scored new query in order (oldest retired)."""
        rng = np.random.default_rng(derived_seed(seed, INIT_STREAM))
        rows = rng.choice(problem.train_rows, size=min(self.population, len(problem.train_rows)), replace=False)
        population: deque[Member] = deque(maxlen=self.population)
        for row in rows:
            population.append(Member(problem.table.keys[row], float(problem.table.y[row]),
                                     problem.table.graph(int(row))))
        for query in history.queries:
            if query.status == "new" and query.value is not None:
                graph = query.graph
                if graph is None and query.key in problem.key_rows:
                    graph = problem.table.graph(problem.key_rows[query.key])
                if graph is not None:
                    population.append(Member(query.key, query.value, graph))
        return population

    def propose(self, problem: BOProblem, history: History, batch_size: int, seed: int,
                round_index: int) -> Proposal:
        population = self._population(problem, history, seed)
        rng = np.random.default_rng(derived_seed(seed, round_index))
        seen = set(problem.train_keys) | history.queried_keys()
        pool_only = problem.mode == "pool"
        keys, graphs, evaluations, kinds = [], [], [], []
        children_of: dict[str, list[tuple[str, Graph]]] = {}
        for _ in range(batch_size):
            sample = rng.choice(len(population), size=min(self.tournament, len(population)), replace=False)
            parent = max((population[i] for i in sample), key=lambda member: member.value)
            if parent.key not in children_of:
                children_of[parent.key] = neighbours(problem.space, parent.graph)
            options = [(key, graph) for key, graph in children_of[parent.key]
                       if key not in seen and (not pool_only or key in problem.candidate_keys)]
            if options:
                key, graph = options[int(rng.integers(len(options)))]
                kinds.append("mutation")
            else:
                rows = [row for row in unobserved_rows(problem, history) if problem.table.keys[row] not in seen]
                if not rows:
                    break
                row = int(rows[int(rng.integers(len(rows)))])
                key, graph = problem.table.keys[row], problem.table.graph(row)
                kinds.append("random")
            evaluation = problem.oracle(key)
            seen.add(key)
            keys.append(key)
            graphs.append(graph)
            evaluations.append(evaluation)
            if evaluation is not None:
                population.append(Member(key, evaluation[0], graph))
        return Proposal(keys, graphs, evaluations=evaluations,
                        info={"random_fallbacks": kinds.count("random")})
