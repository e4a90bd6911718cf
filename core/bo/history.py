"""What a search has queried so far, rebuilt from the rounds of its result file.

Every proposal is one query, whatever happens to it. Its ``status`` says what it was:

* ``new``: a valid architecture not observed before; it counts for the best-so-far.
* ``duplicate``: an architecture already observed (training split, an earlier query, or
  earlier in the same batch); it keeps the known value and never counts for the best.
* ``invalid``: no valid decode; no value.
* ``unknown``: valid, but the oracle cannot score it; no value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.spaces.graph import Graph
from core.bo.oracle import Evaluation

STATUSES = ("new", "duplicate", "invalid", "unknown")


@dataclass(frozen=True)
class Query:
    """One proposal and what came of it."""

    key: str | None
    value: float | None
    test: float | None
    status: str
    point: np.ndarray | None = None  # d latent point (latent methods)
    graph: Graph | None = None


class History:
    """The queries of the finished rounds, in order.

    Args:
        queries: every query so far.
    """

    def __init__(self, queries: list[Query], round_bests: list[float | None] | None = None):
        self.queries = queries
        self.round_bests = [] if round_bests is None else round_bests  # best new value of each round

    @staticmethod
    def from_rounds(rounds: list[dict], point_of: Callable[[str], np.ndarray | None] | None = None) -> "History":
        """Rebuild from the ``rounds`` list of a result file.

        Args:
            point_of: key -> latent point, for records written without ``points`` (pool
                mode and compact copies: a pool query's point is its table latent mean).
        """
        queries, round_bests = [], []
        for record in rounds:
            found = [v for v, s in zip(record["values"], record["status"]) if s == "new" and v is not None]
            round_bests.append(max(found) if found else None)
            points = record.get("points")
            if points is None and "points" not in record and point_of is not None:
                points = [None if key is None else point_of(key) for key in record["keys"]]
            graphs = record.get("graphs") or [None] * len(record["keys"])
            for i, key in enumerate(record["keys"]):
                queries.append(Query(
                    key=key,
                    value=record["values"][i],
                    test=record["tests"][i],
                    status=record["status"][i],
                    point=None if points is None or points[i] is None else np.asarray(points[i], dtype=np.float64),
                    graph=None if graphs[i] is None else Graph.from_json(graphs[i]),
                ))
        return History(queries, round_bests)

    def __len__(self) -> int:
        return len(self.queries)

    def observed(self, start: dict[str, Evaluation]) -> dict[str, Evaluation]:
        """``key -> (value, test)`` of the start (training split) and every scored query."""
        observed = dict(start)
        for query in self.queries:
            if query.key is not None and query.value is not None:
                observed.setdefault(query.key, (query.value, query.test))
        return observed

    def queried_keys(self) -> set[str]:
        """Every valid key proposed so far, scored or not."""
        return {q.key for q in self.queries if q.key is not None}

    def graphs(self) -> dict[str, Graph]:
        """``key -> graph`` of the queries that recorded one."""
        return {q.key: q.graph for q in self.queries if q.key is not None and q.graph is not None}

    def best(self) -> Query | None:
        """The best ``new`` query (the first of equal values), or ``None``."""
        best = None
        for query in self.queries:
            if query.status == "new" and query.value is not None and (best is None or query.value > best.value):
                best = query
        return best
