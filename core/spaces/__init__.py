"""Search spaces by name: ``"enas6"`` (or ``"enas<k>"`` for a ``k``-layer file),
``"nbg-<dataset>"`` for NAS-Bench-Graph and ``"bn-asia"`` for D-VAE's Bayesian networks. A
space's table, with a run's keys standing in for a missing data file, is
:func:`core.runs.load_table`."""

from __future__ import annotations

import re
from core.errors import OpEmbedError
from core.spaces.base import END_TYPE, PAD_TYPE, START_TYPE, ArchitectureTable, Scores, SearchSpace
from core.spaces.bn_asia import BnAsiaSpace
from core.spaces.enas import EnasSpace
from core.spaces.graph import Graph, GraphBatch, graphs_of
from core.spaces.nas_bench_graph import NBG_DATASETS, NasBenchGraphSpace

SPACE_NAMES = ["enas6", *(f"nbg-{dataset}" for dataset in NBG_DATASETS), "bn-asia"]

__all__ = [
    "END_TYPE",
    "PAD_TYPE",
    "SPACE_NAMES",
    "START_TYPE",
    "ArchitectureTable",
    "BnAsiaSpace",
    "EnasSpace",
    "Graph",
    "GraphBatch",
    "NasBenchGraphSpace",
    "Scores",
    "SearchSpace",
    "get_space",
    "graphs_of",
]


def get_space(name: str) -> SearchSpace:
    """The search space called ``name``.

    Args:
        name: ``"enas6"``, ``"enas<k>"`` (``k`` layers, read from ``final_structures<k>.txt``)
            ``"nbg-<dataset>"`` with a NAS-Bench-Graph dataset, or ``"bn-asia"``.

    Raises:
        OpEmbedError: The name is unknown; the message lists the valid names.

    Example:
        >>> get_space("nbg-cora").op_names[:3]
        ['gat', 'gcn', 'gin']
    """
    match = re.fullmatch(r"enas([1-9][0-9]*)", name)
    if match:
        return EnasSpace(num_layers=int(match.group(1)))
    if name == BnAsiaSpace.name:
        return BnAsiaSpace()
    if name.startswith("nbg-") and name[len("nbg-") :] in NBG_DATASETS:
        return NasBenchGraphSpace(name[len("nbg-") :])
    raise OpEmbedError(
        f"unknown search space {name!r}; valid names: {', '.join(SPACE_NAMES)} "
        "(or enas<k> for a k-layer final_structures<k>.txt)"
    )
