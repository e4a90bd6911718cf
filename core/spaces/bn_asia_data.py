"""The tables of the ``bn-asia`` space: D-VAE's ``asia_200k.txt`` when it is in the data
directory, else a dataset built offline; both scored by our BIC oracle.

* Offline (:func:`random_network_table`): :class:`RandomNetworks` distinct random DAGs over
  the eight asia variables (:func:`core.bn.random_dags.random_dags`: a random topological
  order, then each forward pair an edge with probability ``edge_probability``; repeats of
  a network are dropped, the first draw kept), each stored in its smallest-first
  topological order (:func:`core.bn.random_dags.smallest_first_order`, so a network has one
  stored form), labelled by the BIC on the seeded asia sample; a seeded 90 / 10 split.
* The file (:func:`asia_file_table`): per line ``[[v], [v, b], [v, b, b], ...], BIC`` as
  D-VAE's ``load_BN_graphs`` reads it (``v`` the variable of the node, ``b`` a bit per earlier
  node: an edge from it), rows kept in the file's node orders. Every network is RE-SCORED by
  our oracle (``y``); the file's own BIC, computed by bnlearn on ``data(asia)``, stays
  beside it as ``y_test``. Split as D-VAE does: ``random.Random(0).shuffle``, first 90 % train.

Both tables are cached as ``bn_asia/<digest>.npz`` in ``$OPEMBED_CACHE_DIR``, else the
per-user cache (never the data directory, which may be shared), keyed on everything that
shapes them; a cache that cannot be read or written is skipped.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import random
import zipfile
from collections.abc import Callable
from dataclasses import astuple, dataclass
from pathlib import Path

import numpy as np

from core.bn.asia import SAMPLE_ROWS, SAMPLE_SEED, sample_asia
from core.bn.bic import BicScore
from core.bn.random_dags import random_dags, smallest_first_order
from core.errors import DataFileError
from core.spaces.base import ArchitectureTable
from core.spaces.dvae_lines import LineParts, parse_dvae_line, read_lines
from core.spaces.bn_format import NUM_NODES, NUM_VARIABLES, dvae_arrays, keys_of, variable_adjacency

TRAIN_FRACTION = 0.9  # D-VAE's split
LINE_FORMAT = "[[variable], [variable, parent bit], [variable, bit, bit], ...], BIC"
ASIA_LINE_PARTS = LineParts(LINE_FORMAT, node="node", type_name="variable", bit="parent bit", value="BIC",
                            node_note=" (one per asia variable)")
CACHE_FOLDER = "bn_asia"
CACHE_ENV = "OPEMBED_CACHE_DIR"
CACHE_VERSION = 1  # bump when a table's build changes, so old cache files are not read


@dataclass(frozen=True)
class RandomNetworks:
    """How the offline dataset is drawn (see the module docstring)."""

    num_networks: int = 50_000  # distinct networks in the table
    edge_probability: float = 0.25  # chance of each forward pair of the random order being an edge
    seed: int = 0  # numpy.random.default_rng seed of the draws (orders, edges) and of the split


OFFLINE_NETWORKS = RandomNetworks()


@functools.lru_cache(maxsize=1)
def asia_scorer() -> BicScore:
    """The BIC oracle: bnlearn's BIC on a seeded 5,000-row sample of the asia network."""
    return BicScore(sample_asia(SAMPLE_ROWS, SAMPLE_SEED), cardinality=[2] * NUM_VARIABLES)


# ---------------------------------------------------------------- offline
def distinct_random_networks(config: RandomNetworks) -> np.ndarray:
    """``num_networks`` distinct random DAGs in the order first drawn, ``A x V x V`` uint8."""
    rng = np.random.default_rng(config.seed)
    found = np.zeros((0, NUM_VARIABLES, NUM_VARIABLES), dtype=np.uint8)
    while len(found) < config.num_networks:
        drawn = random_dags(config.num_networks, NUM_VARIABLES, config.edge_probability, rng)
        found = np.concatenate([found, drawn])
        codes = np.packbits(found.reshape(len(found), -1), axis=1).view(np.uint64).ravel()  # A: 64 bits each
        _, first = np.unique(codes, return_index=True)
        found = found[np.sort(first)]
    return found[: config.num_networks]


def random_network_table(config: RandomNetworks = OFFLINE_NETWORKS) -> ArchitectureTable:
    """The offline table (cached, see the module docstring); its arrays are read-only.

    Example:
        >>> table = random_network_table(RandomNetworks(num_networks=1000))
        >>> table.op_ids.shape, int((table.split == "train").sum())
        ((1000, 10), 900)
    """
    if config.num_networks < 2:
        raise ValueError(f"num_networks must be at least 2, got {config.num_networks}")

    def build() -> dict[str, np.ndarray]:
        networks = distinct_random_networks(config)
        op_ids, adjacency = dvae_arrays(networks, smallest_first_order(networks))
        count = len(networks)
        split = np.full(count, "test", dtype="<U5")
        split[np.random.default_rng(config.seed).permutation(count)[: int(count * TRAIN_FRACTION)]] = "train"
        return {"op_ids": op_ids, "adjacency": adjacency, "y": asia_scorer().networks(networks), "split": split}

    return _memo_table(f"random-{astuple(config)}", build)


# ---------------------------------------------------------------- the file
def parse_asia_file(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every line of a D-VAE BN file as a node order, its edges and the file's BIC.

    Returns:
        ``orders`` (``A x V`` int64: the variable of each inner node), ``positions``
        (``A x V x V`` uint8: ``[a, i, j] = 1`` for an edge from inner node ``i`` to ``j``)
        and ``bic`` (``A`` float64). Trailing blank lines are ignored.

    Raises:
        DataFileError: a line is malformed (file and line named), or the file has none.
    """
    lines = read_lines(path, LINE_FORMAT, fix="fetch the file again with `python -m core fetch bn-asia`")
    if not lines:
        raise DataFileError(path, "has no networks", fix="fetch the file again with `python -m core fetch bn-asia`")
    orders = np.empty((len(lines), NUM_VARIABLES), dtype=np.int64)
    positions = np.zeros((len(lines), NUM_VARIABLES, NUM_VARIABLES), dtype=np.uint8)
    bic = np.empty(len(lines), dtype=np.float64)
    for row, line in enumerate(lines):
        orders[row], bits, bic[row] = _parse_line(line, path, row + 1)
        for node, parents in enumerate(bits):
            positions[row, :node, node] = parents
    return orders, positions, bic


def _parse_line(line: str, path: Path, number: int) -> tuple[list[int], list[list[int]], float]:
    """One line as its variables, each node's parent bits and the BIC; raises ``DataFileError``."""
    nodes, value = parse_dvae_line(line, path, number, NUM_VARIABLES, NUM_VARIABLES, ASIA_LINE_PARTS)
    variables = [node[0] for node in nodes]
    for i, variable in enumerate(variables):
        if variable in variables[:i]:
            raise DataFileError(path, f"variable {variable} appears twice (nodes {variables.index(variable)} and {i}) "
                                      f"(expected `{LINE_FORMAT}`)", line=number)
    return variables, [node[1:] for node in nodes], value


def asia_file_table(path: Path) -> ArchitectureTable:
    """The table of a D-VAE BN file, re-scored (cached, see the module docstring).

    Raises:
        DataFileError: the file is malformed (file and line named).
    """
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:20]

    def build() -> dict[str, np.ndarray]:
        orders, positions, file_bic = parse_asia_file(path)
        count = len(orders)
        networks = np.zeros_like(positions)
        networks[np.arange(count)[:, None, None], orders[:, :, None], orders[:, None, :]] = positions
        op_ids, adjacency = dvae_arrays(networks, orders)
        shuffled = list(range(count))
        random.Random(0).shuffle(shuffled)  # D-VAE's load_BN_graphs: shuffle, first 90 % train
        shuffled = np.asarray(shuffled)
        split = np.full(count, "test", dtype="<U5")
        split[: int(count * TRAIN_FRACTION)] = "train"
        return {"op_ids": op_ids[shuffled], "adjacency": adjacency[shuffled],
                "y": asia_scorer().networks(networks[shuffled]), "y_test": file_bic[shuffled], "split": split}

    return _memo_table(f"file-{digest}", build)


# ---------------------------------------------------------------- caching
_TABLES: dict[str, ArchitectureTable] = {}  # this process's tables, by name


def _memo_table(name: str, build: Callable[[], dict[str, np.ndarray]]) -> ArchitectureTable:
    """The table of ``name``: from this process's memory, else the cache file, else ``build()``."""
    if name not in _TABLES:
        _TABLES[name] = _table_of(_read_cache(name) or _write_cache(name, build()))
    return _TABLES[name]


def _table_of(arrays: dict[str, np.ndarray]) -> ArchitectureTable:
    """A read-only table of cached arrays (``op_ids``, ``adjacency``, ``y``, ``split``, maybe ``y_test``)."""
    op_ids, adjacency = arrays["op_ids"], arrays["adjacency"]
    count = len(op_ids)
    num_nodes = np.full(count, NUM_NODES, dtype=np.int64)
    y_test = arrays.get("y_test")
    for array in (op_ids, adjacency, num_nodes, arrays["y"], arrays["split"], *([] if y_test is None else [y_test])):
        array.setflags(write=False)
    return ArchitectureTable(keys=keys_of(variable_adjacency(op_ids, adjacency)), op_ids=op_ids, adjacency=adjacency,
                             num_nodes=num_nodes, y=arrays["y"], y_test=y_test, split=arrays["split"])


def _cache_path(name: str) -> Path:
    import platformdirs

    root = os.environ.get(CACHE_ENV) or platformdirs.user_cache_dir("opembed")
    text = f"{name}|version={CACHE_VERSION}|sample={SAMPLE_ROWS},{SAMPLE_SEED}"
    return Path(root) / CACHE_FOLDER / f"{hashlib.sha256(text.encode()).hexdigest()[:20]}.npz"


def _read_cache(name: str) -> dict[str, np.ndarray] | None:
    try:
        with np.load(_cache_path(name)) as saved:
            arrays = {key: saved[key] for key in saved.files}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    count = len(arrays.get("y", ()))
    shapes_ok = (arrays.get("op_ids", np.empty(0)).shape == (count, NUM_NODES)
                 and arrays.get("adjacency", np.empty(0)).shape == (count, NUM_NODES, NUM_NODES)
                 and arrays.get("split", np.empty(0)).shape == (count,))
    return arrays if count and shapes_ok else None


def _write_cache(name: str, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    try:
        from core.runs.files import atomic_write_bytes

        buffer = io.BytesIO()
        np.savez_compressed(buffer, **arrays)
        atomic_write_bytes(_cache_path(name), buffer.getvalue())
    except OSError:
        pass
    return arrays
