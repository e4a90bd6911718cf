"""Search spaces by name: ``"enas6"`` (or ``"enas<k>"`` for a ``k``-layer file) and
``"nbg-<dataset>"`` for NAS-Bench-Graph."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from core.errors import DataFileError, OpEmbedError
from core.run_files import LATENTS
from core.spaces.base import END_TYPE, PAD_TYPE, START_TYPE, ArchitectureTable, SearchSpace
from core.spaces.enas import EnasSpace
from core.spaces.nas_bench_graph import NBG_DATASETS, NasBenchGraphSpace

SPACE_NAMES = ["enas6", *(f"nbg-{dataset}" for dataset in NBG_DATASETS)]

__all__ = [
    "END_TYPE",
    "PAD_TYPE",
    "SPACE_NAMES",
    "START_TYPE",
    "ArchitectureTable",
    "EnasSpace",
    "NasBenchGraphSpace",
    "SearchSpace",
    "get_space",
    "load_table",
]


def get_space(name: str) -> SearchSpace:
    """The search space called ``name``.

    Args:
        name: ``"enas6"``, ``"enas<k>"`` (``k`` layers, read from ``final_structures<k>.txt``)
            or ``"nbg-<dataset>"`` with a NAS-Bench-Graph dataset.

    Raises:
        OpEmbedError: The name is unknown; the message lists the valid names.

    Example:
        >>> get_space("nbg-cora").op_names[:3]
        ['gat', 'gcn', 'gin']
    """
    match = re.fullmatch(r"enas([1-9][0-9]*)", name)
    if match:
        return EnasSpace(num_layers=int(match.group(1)))
    if name.startswith("nbg-") and name[len("nbg-") :] in NBG_DATASETS:
        return NasBenchGraphSpace(name[len("nbg-") :])
    raise OpEmbedError(
        f"unknown search space {name!r}; valid names: {', '.join(SPACE_NAMES)} "
        "(or enas<k> for a k-layer final_structures<k>.txt)"
    )


def load_table(space: SearchSpace, data_dir=None, run_dirs=()) -> ArchitectureTable:
    """The space's table from its data; where the data file is missing and the space can
    rebuild its graphs from keys (ENAS), from the ``latents.parquet`` of the first of
    ``run_dirs`` that holds one. So the shipped enas6 runs open without a download.

    Raises:
        DataFileError: the data is missing and no run can stand in for it.
    """
    try:
        return space.load(data_dir)
    except DataFileError:
        if not hasattr(space, "table_from_keys"):
            raise
        for run_dir in run_dirs:
            path = Path(run_dir) / LATENTS
            if path.is_file():
                frame = pd.read_parquet(path, columns=["key", "split", "y"])
                return space.table_from_keys(list(frame["key"]), frame["y"].to_numpy(), frame["split"].to_numpy())
        raise
