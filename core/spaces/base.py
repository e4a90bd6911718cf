"""The search-space interface and the dense architecture table every space produces.

A *space* knows its operation names, how to load its dataset into an
:class:`ArchitectureTable`, how to check a decoded graph, how to name it (a canonical
key) and how to turn it into a ``networkx.DiGraph`` for drawing.

Node types follow D-VAE's convention: type 0 is the input node (``START_TYPE``), type 1
the output node (``END_TYPE``) and types ``2 .. num_node_types - 1`` are operations, in
the order of ``op_names``. Nodes are stored in a topological order, input first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import networkx as nx
import numpy as np

from core.spaces.constraints import DecodeConstraints
from core.spaces.graph import Graph

START_TYPE = 0
END_TYPE = 1
PAD_TYPE = -1  # op id of padding positions after a graph's output node


@dataclass(frozen=True)
class ArchitectureTable:
    """Every architecture of a space's dataset, as dense arrays.

    Shapes (``A`` architectures, ``N`` = ``max_nodes``):
        keys: ``A`` canonical keys (str).
        op_ids: ``A x N`` int64 node types, ``PAD_TYPE`` after the output node.
        adjacency: ``A x N x N`` uint8, ``adjacency[a, i, j] = 1`` for an edge ``i -> j``.
        num_nodes: ``A`` int64, real nodes per graph (input and output included).
        y: ``A`` float64 search objective (higher is better).
        y_test: ``A`` float64 test value reported beside ``y``, or ``None``.
        split: ``A`` strings, ``"train"`` or ``"test"``.
    """

    keys: list[str]
    op_ids: np.ndarray
    adjacency: np.ndarray
    num_nodes: np.ndarray
    y: np.ndarray
    y_test: np.ndarray | None
    split: np.ndarray

    def __len__(self) -> int:
        return len(self.keys)

    @cached_property
    def _first_rows(self) -> dict[str, int]:
        rows: dict[str, int] = {}
        for row, key in enumerate(self.keys):
            rows.setdefault(key, row)
        return rows

    def row_of(self, key: str) -> int | None:
        """The row of ``key`` (its first row where a key repeats, as a few do in ENAS), or
        ``None`` when it is not in the table."""
        return self._first_rows.get(str(key))

    def first_rows(self) -> dict[str, int]:
        """Each distinct key's first row, in the order the keys first appear (a copy)."""
        return dict(self._first_rows)

    def graph(self, row: int) -> Graph:
        """The architecture in ``row`` (its own copy of the arrays)."""
        return Graph(np.array(self.op_ids[row]), np.array(self.adjacency[row]), int(self.num_nodes[row]))

    def indices(self, split: str) -> np.ndarray:
        """Row indices of one split."""
        return np.flatnonzero(self.split == split)

    def subset(self, index: np.ndarray) -> "ArchitectureTable":
        """A new table with the rows ``index``."""
        index = np.asarray(index)
        return ArchitectureTable(
            keys=[self.keys[i] for i in index],
            op_ids=self.op_ids[index],
            adjacency=self.adjacency[index],
            num_nodes=self.num_nodes[index],
            y=self.y[index],
            y_test=None if self.y_test is None else self.y_test[index],
            split=self.split[index],
        )


@dataclass(frozen=True)
class Scores:
    """What a space says about a list of graphs (``B`` of them).

    Shapes:
        keys: ``B`` canonical keys, ``None`` where a graph is invalid.
        valid: ``B`` bool.
        objective: ``B`` float64 search objective from the table; NaN where a graph is
            invalid or not in the table (or no table was given).
    """

    keys: list[str | None]
    valid: np.ndarray
    objective: np.ndarray


class SearchSpace:
    """Base class of a search space. Subclasses set the class attributes and override
    :meth:`load`, :meth:`key` and, where they have extra rules, :meth:`is_valid`."""

    name: str = ""
    op_names: list[str] = []  # operation names; node type of op i is i + 2
    max_nodes: int = 0  # N: nodes of the largest graph, input and output included
    objective_name: str = "accuracy"  # what y is, for axis labels
    test_name: str | None = None  # what y_test is, or None
    dvae_bn: bool = False  # a new --model dvae run turns on DVAE_BN's options (core.config.DVAE_BN_OPTIONS)
    single_order: str | None = None  # why the space trains on its stored node order only (train refuses
    # --node-order canonical), or None where core.spaces.node_order's canonical order applies
    draws_input_output: bool = True  # cell drawings show the input and output nodes (core.figures.cells)

    @property
    def node_type_names(self) -> list[str]:
        """Names of all node types, indexed by type id."""
        return ["input", "output", *self.op_names]

    @property
    def num_node_types(self) -> int:
        return len(self.op_names) + 2

    # -- data -----------------------------------------------------------------------------
    def load(self, data_dir: Path | None = None) -> ArchitectureTable:
        raise NotImplementedError

    # -- graphs ---------------------------------------------------------------------------
    def key(self, op_ids: np.ndarray, adjacency: np.ndarray, num_nodes: int) -> str:
        """The canonical key of one valid graph (``op_ids``: ``N``, ``adjacency``: ``N x N``)."""
        raise NotImplementedError

    def is_valid(self, op_ids: np.ndarray, adjacency: np.ndarray, num_nodes: int) -> bool:
        """D-VAE's DAG validity: one input first, one output last, operations between,
        every node but the input has a predecessor, every node but the output a successor.
        Nodes are in topological order, so the graph is acyclic by construction when only
        ``i < j`` edges are set."""
        n = int(num_nodes)
        if n < 3 or n > self.max_nodes:
            return False
        types = op_ids[:n]
        if types[0] != START_TYPE or types[n - 1] != END_TYPE:
            return False
        if np.any(types[1 : n - 1] < 2) or np.any(types[1 : n - 1] >= self.num_node_types):
            return False
        adj = adjacency[:n, :n]
        if np.any(np.tril(adj)):
            return False
        indegree = adj.sum(0)
        outdegree = adj.sum(1)
        if np.any(indegree[1:] == 0) or np.any(outdegree[: n - 1] == 0):
            return False
        return True

    def score(self, graphs: Sequence[Graph], table: ArchitectureTable | None = None) -> Scores:
        """Validity, key and objective of each graph (decoded ones, say).

        Args:
            graphs: the graphs.
            table: the space's table, where the objective is looked up (by key).

        Example:
            >>> scores = space.score(graphs_of(model.decode(z)), table)
            >>> scores.valid.mean(), np.nanmax(scores.objective)
        """
        keys: list[str | None] = []
        for graph in graphs:
            key = None
            if self.is_valid(graph.op_ids, graph.adjacency, graph.num_nodes):
                try:
                    key = self.key(graph.op_ids, graph.adjacency, graph.num_nodes)
                except ValueError:  # valid as a DAG, yet no architecture of the space
                    key = None
            keys.append(key)
        rows = [None if key is None or table is None else table.row_of(key) for key in keys]
        objective = np.array([np.nan if row is None else float(table.y[row]) for row in rows], dtype=np.float64)
        return Scores(keys, np.array([key is not None for key in keys], dtype=bool), objective)

    def random_graphs(self, count: int, rng: np.random.Generator) -> list[Graph] | None:
        """``count`` valid graphs from the space's own generator, or ``None`` where it has
        none (every space but bn-asia: its table is the space, or all it can score), so
        random search samples the table."""
        return None

    def decode_constraints(self) -> DecodeConstraints:
        """The rules opt-in ``--constrained`` decoding enforces: here, complete graphs only."""
        return DecodeConstraints(min_nodes=self.max_nodes)

    def to_networkx(self, op_ids: np.ndarray, adjacency: np.ndarray, num_nodes: int) -> nx.DiGraph:
        """A ``networkx.DiGraph`` whose nodes carry ``type`` (int) and ``label`` (name)."""
        n = int(num_nodes)
        graph = nx.DiGraph()
        names = self.node_type_names
        for i in range(n):
            t = int(op_ids[i])
            graph.add_node(i, type=t, label=names[t] if 0 <= t < len(names) else "?")
        rows, cols = np.nonzero(adjacency[:n, :n])
        graph.add_edges_from(zip(rows.tolist(), cols.tolist()))
        return graph

    def describe(self, op_ids: np.ndarray, num_nodes: int) -> str:
        """The operation sequence, e.g. ``"conv3 sep5 max3"``, for hover text."""
        names = self.node_type_names
        return " ".join(names[int(t)] for t in op_ids[1 : int(num_nodes) - 1])
