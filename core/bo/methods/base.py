"""What every search method returns, and helpers they share."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.spaces.graph import Graph
from core.bo.history import History
from core.bo.oracle import Evaluation
from core.bo.problem import BOProblem
from core.bo.seeds import derived_seed  # noqa: F401  (re-exported: the methods import it from here)


@dataclass
class Proposal:
    """One round's proposals, in query order.

    Shapes:
        keys: ``q`` keys (``None``: no valid architecture).
        graphs: ``q`` graphs or ``None`` (filled from the table where the key is there).
        points: ``q x d`` latent points, for the latent methods.
        evaluations: ``q`` scores a method already obtained (evolution scores each child
            before choosing the next); ``None`` entries are scored by the loop.
    """

    keys: list[str | None]
    graphs: list[Graph | None] | None = None
    points: np.ndarray | None = None
    evaluations: list[Evaluation | None] | None = None
    info: dict = field(default_factory=dict)  # timings and diagnostics for the result file


class Method:
    """A search method: proposes ``batch_size`` queries given the history.

    A method must be a function of ``(problem, history, seed)`` only, so that a resumed
    search (history rebuilt from the result file) proposes what the uninterrupted one would.
    """

    name: str = ""
    uses_decoder: bool = False  # needs problem.decoder in decode mode

    def propose(self, problem: BOProblem, history: History, batch_size: int, seed: int,
                round_index: int) -> Proposal:
        """The proposals of round ``round_index`` of the search with seed ``seed``."""
        raise NotImplementedError


def unobserved_rows(problem: BOProblem, history: History) -> np.ndarray:
    """The candidate rows (unobserved at the start) not queried since."""
    queried = history.queried_keys()
    return np.array([row for row in problem.candidate_rows if problem.table.keys[row] not in queried],
                    dtype=np.int64)


def table_graphs(problem: BOProblem, rows: np.ndarray) -> list[Graph]:
    return [problem.table.graph(int(row)) for row in rows]
