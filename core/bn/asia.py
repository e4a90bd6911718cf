"""The asia network (Lauritzen & Spiegelhalter 1988, "Local computations with probabilities
on graphical structures and their application to expert systems", JRSS B 50(2)), and a
seeded sample of it.

Eight binary variables, in the column order of bnlearn's ``data(asia)`` (the order D-VAE's
node types follow, ``A S T L B E X D``):

====  ======  ========================================  =========
col   name    meaning                                   parents
====  ======  ========================================  =========
A     asia    visit to Asia                             -
S     smoke   smoker                                    -
T     tub     tuberculosis                              A
L     lung    lung cancer                               S
B     bronc   bronchitis                                S
E     either  tuberculosis or lung cancer               T, L
X     xray    positive chest X-ray                      E
D     dysp    dyspnoea                                  B, E
====  ======  ========================================  =========

State 0 is ``no``, state 1 is ``yes``. The conditional probabilities are those of bnlearn's
asia network (``asia.bif``); ``either`` is the logical OR of ``tub`` and ``lung``. The
columns are already in a topological order, so forward sampling visits them left to right.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ASIA_VARIABLES: tuple[str, ...] = ("A", "S", "T", "L", "B", "E", "X", "D")  # bnlearn's data(asia) columns
ASIA_NAMES: tuple[str, ...] = ("asia", "smoke", "tub", "lung", "bronc", "either", "xray", "dysp")
NUM_VARIABLES = len(ASIA_VARIABLES)
NUM_STATES = 2  # every asia variable is binary: 0 = no, 1 = yes


@dataclass(frozen=True)
class ConditionalTable:
    """``P(variable = yes | parents)`` of one variable.

    Attributes:
        parents: the parents' column indices.
        yes: ``2 ** len(parents)`` probabilities; entry ``c`` is for the parent states whose
            binary digits spell ``c``, the first parent the most significant
            (``(parent_0, parent_1) = (1, 0)`` is entry 2).
    """

    parents: tuple[int, ...]
    yes: tuple[float, ...]


A, S, T, L, B, E, X, D = range(NUM_VARIABLES)
ASIA_TABLES: tuple[ConditionalTable, ...] = (
    ConditionalTable((), (0.01,)),  # A: asia
    ConditionalTable((), (0.5,)),  # S: smoke
    ConditionalTable((A,), (0.01, 0.05)),  # T | A = no, yes
    ConditionalTable((S,), (0.01, 0.1)),  # L | S = no, yes
    ConditionalTable((S,), (0.3, 0.6)),  # B | S = no, yes
    ConditionalTable((T, L), (0.0, 1.0, 1.0, 1.0)),  # E | (T, L) = (no, no), (no, yes), (yes, no), (yes, yes)
    ConditionalTable((E,), (0.05, 0.98)),  # X | E = no, yes
    ConditionalTable((B, E), (0.1, 0.7, 0.8, 0.9)),  # D | (B, E) = (no, no), (no, yes), (yes, no), (yes, yes)
)
SAMPLE_ROWS = 5000  # rows of the sample the BIC is computed on (as many as bnlearn's data(asia))
SAMPLE_SEED = 0


def asia_adjacency() -> np.ndarray:
    """The asia network's structure: ``V x V`` uint8 (``V = 8``), ``[i, j] = 1`` for ``i -> j``
    (the edges asia->tub, smoke->lung, smoke->bronc, tub->either, lung->either, either->xray,
    either->dysp, bronc->dysp)."""
    adjacency = np.zeros((NUM_VARIABLES, NUM_VARIABLES), dtype=np.uint8)
    for child, table in enumerate(ASIA_TABLES):
        adjacency[list(table.parents), child] = 1
    return adjacency


def sample_asia(num_rows: int = SAMPLE_ROWS, seed: int = SAMPLE_SEED) -> np.ndarray:
    """Forward-sample the asia network.

    Args:
        num_rows: rows to draw. Default 5,000.
        seed: seed of ``numpy.random.default_rng``. Default 0.

    Returns:
        ``num_rows x 8`` uint8 states (0 no, 1 yes), columns ``A S T L B E X D``.

    Example:
        >>> sample_asia(5000).mean(0).round(2)[:2]  # asia, smoke  # doctest: +SKIP
        array([0.01, 0.5 ])
    """
    if num_rows < 1:
        raise ValueError(f"num_rows must be at least 1, got {num_rows}")
    rng = np.random.default_rng(seed)
    data = np.zeros((num_rows, NUM_VARIABLES), dtype=np.uint8)
    for column, table in enumerate(ASIA_TABLES):  # columns are in a topological order
        configuration = np.zeros(num_rows, dtype=np.int64)
        for parent in table.parents:
            configuration = 2 * configuration + data[:, parent]
        probability_yes = np.asarray(table.yes)[configuration]  # num_rows
        data[:, column] = rng.random(num_rows) < probability_yes
    return data
