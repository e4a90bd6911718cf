"""NAS-Bench-Graph (Qin et al., NeurIPS 2022 Datasets and Benchmarks), through the
``nas_bench_graph`` package, whose bench tables ship inside the package.

An architecture is four operations and a link list: ``link[i]`` is the input of operation
``i`` (0 = the graph input, ``k`` = operation ``k - 1``). As a DAG, node 0 is the input,
nodes 1..4 are the operations (operation ``i`` is node ``i + 1``) and node 5 is the output,
fed by every leaf (an operation no other operation reads).

The key is ``str(Arch(link, ops).valid_hash())``, the package's canonical hash and the key
of its bench tables. Isomorphic architectures share one hash, so a decoded graph that is
isomorphic to a table architecture gets that architecture's key.

The package's ``valid_hash`` always hashes with the nine-operation ``gnn_list`` (base 10),
also for ``proteins``, whose bench covers only the five operations of
``gnn_list_proteins``: its keys are those base-10 hashes of the 2,021 canonical
architectures over the five operations.
"""

from __future__ import annotations

import functools
import itertools
from pathlib import Path

import numpy as np
from nas_bench_graph import Arch, gnn_list, gnn_list_proteins, light_read, link_list

from core.errors import OpEmbedError
from core.spaces.base import END_TYPE, START_TYPE, ArchitectureTable, SearchSpace
from core.spaces.constraints import DecodeConstraints

NBG_DATASETS = ["cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv", "proteins"]
NUM_OPS = 4  # operations per architecture
NUM_NODES = NUM_OPS + 2  # input, four operations, output
TRAIN_FRACTION = 0.9


def op_names_of(dataset: str) -> list[str]:
    """The operations of a dataset's bench: five for ``proteins``, nine otherwise."""
    return list(gnn_list_proteins if dataset == "proteins" else gnn_list)


def arch_hash(link: list[int], ops: list[str]) -> str | None:
    """The bench key of an architecture, or ``None`` when the package cannot hash it."""
    try:
        return str(Arch(list(link), list(ops)).valid_hash())
    except Exception:  # the package fails on link lists it does not know
        return None


def dense_graph(link: list[int], op_ids: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Node types (``N`` int64, ``N = 6``) and adjacency (``N x N`` uint8) of an
    architecture given as links and operation ids (indices into ``op_names``)."""
    types = np.array([START_TYPE, *(op + 2 for op in op_ids), END_TYPE], dtype=np.int64)
    adjacency = np.zeros((NUM_NODES, NUM_NODES), dtype=np.uint8)
    for i, source in enumerate(link):
        adjacency[source, i + 1] = 1
    has_successor = adjacency[1 : NUM_OPS + 1, 1 : NUM_OPS + 1].any(axis=1)
    for i in np.flatnonzero(~has_successor):
        adjacency[i + 1, NUM_NODES - 1] = 1  # leaves feed the output
    return types, adjacency


@functools.lru_cache(maxsize=2)
def _canonical_archs(use_proteins: bool) -> tuple[tuple[tuple[int, ...], tuple[int, ...], str], ...]:
    """Every canonical architecture, enumerated as the package does (every link of
    ``link_list`` times every operation tuple, all-skip left out, kept when
    ``check_isomorph`` holds), as ``(link, op ids, key)``."""
    names = gnn_list_proteins if use_proteins else gnn_list
    found = []
    for op_ids in itertools.product(range(len(names)), repeat=NUM_OPS):
        ops = [names[op] for op in op_ids]
        if all(op == "skip" for op in ops):
            continue
        for link in link_list:
            if Arch(list(link), list(ops)).check_isomorph():  # check_isomorph rewrites the Arch
                key = arch_hash(link, ops)
                if key is not None:
                    found.append((tuple(link), op_ids, key))
    return tuple(found)


@functools.lru_cache(maxsize=len(NBG_DATASETS))
def _build(dataset: str) -> tuple[ArchitectureTable, dict[str, tuple[float, float]]]:
    """The table of one dataset and its ``key -> (valid_perf, perf)`` lookup. Arrays of the
    cached table are read-only: copy before changing them."""
    bench = light_read(dataset)
    rows = {str(key): (float(entry["valid_perf"]), float(entry["perf"])) for key, entry in bench.items()}
    archs = [arch for arch in _canonical_archs(dataset == "proteins") if arch[2] in rows]

    count = len(archs)
    op_ids = np.empty((count, NUM_NODES), dtype=np.int64)
    adjacency = np.empty((count, NUM_NODES, NUM_NODES), dtype=np.uint8)
    for row, (link, ops, _) in enumerate(archs):
        op_ids[row], adjacency[row] = dense_graph(list(link), list(ops))
    keys = [key for _, _, key in archs]
    y = np.array([rows[key][0] for key in keys], dtype=np.float64)
    y_test = np.array([rows[key][1] for key in keys], dtype=np.float64)
    split = np.full(count, "test", dtype="<U5")
    split[np.random.default_rng(0).permutation(count)[: int(count * TRAIN_FRACTION)]] = "train"
    num_nodes = np.full(count, NUM_NODES, dtype=np.int64)
    for array in (op_ids, adjacency, num_nodes, y, y_test, split):
        array.setflags(write=False)
    table = ArchitectureTable(
        keys=keys, op_ids=op_ids, adjacency=adjacency, num_nodes=num_nodes, y=y, y_test=y_test, split=split
    )
    return table, rows


class NasBenchGraphSpace(SearchSpace):
    """NAS-Bench-Graph on one dataset: 26,206 architectures (2,021 for ``proteins``).

    Args:
        dataset: One of ``NBG_DATASETS``. Default ``"cora"``.

    Example:
        >>> space = NasBenchGraphSpace("cora")
        >>> len(space.load())
        26206
    """

    max_nodes = NUM_NODES
    objective_name = "valid accuracy"
    test_name = "test accuracy"
    # one-step mutations that can give a cell of the bench (core.bo.mutation): every operation
    # has exactly one input, so adding or removing an edge (a "flip") never does
    mutation_kinds = ("op", "move")

    def __init__(self, dataset: str = "cora"):
        if dataset not in NBG_DATASETS:
            raise OpEmbedError(
                f"unknown NAS-Bench-Graph dataset {dataset!r}; choose one of {', '.join(NBG_DATASETS)}"
            )
        self.dataset = dataset
        self.name = f"nbg-{dataset}"
        self.op_names = op_names_of(dataset)

    # -- data -----------------------------------------------------------------------------
    def load(self, data_dir: str | Path | None = None) -> ArchitectureTable:
        """The bench as a table: ``y`` is the validation accuracy, ``y_test`` the test
        accuracy; a seeded split (``numpy.random.default_rng(0)`` permutation, first 90 %
        train). Built once per dataset and cached; its arrays are read-only.

        Args:
            data_dir: Ignored: the bench ships with the ``nas_bench_graph`` package.
        """
        return _build(self.dataset)[0]

    def lookup(self, key: str) -> tuple[float, float] | None:
        """``(valid accuracy, test accuracy)`` of a key, or ``None`` when it is not in the bench."""
        return _build(self.dataset)[1].get(str(key))

    # -- graphs ---------------------------------------------------------------------------
    def _link_and_ops(self, op_ids: np.ndarray, adjacency: np.ndarray, num_nodes: int):
        """The link list and operation names of a decoded graph, or ``None`` when it is not
        four operations with one predecessor each."""
        if int(num_nodes) != NUM_NODES:
            return None
        adj = np.asarray(adjacency)[:NUM_NODES, :NUM_NODES] != 0
        link = []
        for node in range(1, NUM_OPS + 1):
            predecessors = np.flatnonzero(adj[:node, node])
            if len(predecessors) != 1 or np.any(adj[node:, node]):
                return None
            link.append(int(predecessors[0]))
        ops = []
        for node in range(1, NUM_OPS + 1):
            op = int(op_ids[node]) - 2
            if not 0 <= op < len(self.op_names):
                return None
            ops.append(self.op_names[op])
        return link, ops

    def key(self, op_ids: np.ndarray, adjacency: np.ndarray, num_nodes: int) -> str:
        """The bench key of a graph: its link list and operations, hashed by the package's
        ``valid_hash`` (isomorphic graphs share a key).

        Args:
            op_ids: ``N`` node types.
            adjacency: ``N x N`` edges.
            num_nodes: real nodes, must be 6.

        Raises:
            ValueError: The graph is not four operations with one predecessor each, or the
                package cannot hash it.
        """
        parsed = self._link_and_ops(op_ids, adjacency, num_nodes)
        if parsed is None:
            raise ValueError(
                "not a NAS-Bench-Graph architecture: need 6 nodes, each operation with one input"
            )
        key = arch_hash(*parsed)
        if key is None:
            raise ValueError(f"nas_bench_graph cannot hash link list {parsed[0]}")
        return key

    def decode_constraints(self) -> DecodeConstraints:
        """Six nodes, every operation with exactly one input."""
        return DecodeConstraints(min_nodes=NUM_NODES, single_input=True)

    def is_valid(self, op_ids: np.ndarray, adjacency: np.ndarray, num_nodes: int) -> bool:
        """Base DAG rules, six nodes, one input per operation, the output fed by exactly the
        leaves, and a canonical form that is in the bench."""
        if int(num_nodes) != NUM_NODES or not super().is_valid(op_ids, adjacency, num_nodes):
            return False
        parsed = self._link_and_ops(op_ids, adjacency, num_nodes)
        if parsed is None:
            return False
        adj = np.asarray(adjacency)[:NUM_NODES, :NUM_NODES] != 0
        leaves = ~adj[1 : NUM_OPS + 1, 1 : NUM_OPS + 1].any(axis=1)
        if not np.array_equal(adj[1 : NUM_OPS + 1, NUM_NODES - 1], leaves) or adj[0, NUM_NODES - 1]:
            return False
        key = arch_hash(*parsed)
        return key is not None and self.lookup(key) is not None
