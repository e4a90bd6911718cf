"""The Bayesian-network space of D-VAE (Zhang et al. 2019, section 4.2): structures over the
eight variables of the asia network, scored by BIC (higher is better).

A network is stored in D-VAE's format (:mod:`core.spaces.bn_format`): input node, the
eight variables (node type ``i + 2`` is variable ``i`` of ``A S T L B E X D``) in a
topological order, output node; parentless variables hang from the input and loose ends
feed the output. Its key is the adjacency between the variables in their fixed order, so
every node order of a network has one key.

Validity is D-VAE's ``is_valid_BN``: a DAG of ten nodes, the input first, the output last,
and every variable exactly once between them (a variable repeated or missing is invalid and
never scored). The variables need not be connected.

The objective is exact and offline: :func:`core.spaces.bn_asia_data.asia_scorer`, bnlearn's
BIC on a seeded 5,000-row sample of the asia network, for ANY valid network, not only the
table's. The table is D-VAE's ``asia_200k.txt`` when it is in the data directory (``python -m
core fetch bn-asia``), re-scored by that oracle with the file's own BIC kept as ``y_test``;
otherwise 50,000 random networks built offline (:mod:`core.spaces.bn_asia_data`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.bn.asia import ASIA_NAMES
from core.bn.bic import is_acyclic
from core.bn.edge_moves import KINDS as EDGE_MOVES
from core.bn.edge_moves import edge_moves
from core.bn.random_dags import random_dags, smallest_first_order
from core.spaces.data_dir import BN_ASIA_FILE, resolve_data_dir
from core.spaces.base import END_TYPE, START_TYPE, ArchitectureTable, Scores, SearchSpace
from core.spaces.bn_asia_data import OFFLINE_NETWORKS, asia_file_table, asia_scorer, random_network_table
from core.spaces.bn_format import (NUM_NODES, NUM_VARIABLES, adjacency_of_key, dvae_arrays, keys_of,
                                   variable_adjacency, variables_in_order)
from core.spaces.graph import Graph


class BnAsiaSpace(SearchSpace):
    """Bayesian networks over the asia variables, scored by BIC (``bn-asia``).

    Example:
        >>> space = BnAsiaSpace()
        >>> table = space.load()  # D-VAE's file when fetched, else 50,000 offline networks
        >>> space.lookup(table.keys[0])[0] == table.y[0]
        True
    """

    name = "bn-asia"
    op_names = list(ASIA_NAMES)  # asia smoke tub lung bronc either xray dysp (bnlearn's A S T L B E X D)
    max_nodes = NUM_NODES
    objective_name = "BIC"
    test_name = "BIC in asia_200k.txt"  # y_test: D-VAE's own score, where its file was loaded
    dvae_bn = True  # new --model dvae runs are the reference's DVAE_BN (core.config.DVAE_BN_OPTIONS)
    # --node-order canonical is refused (train: one line, exit 2). The canonical rule
    # (core.spaces.node_order) picks, among a cell's topological orders, one where no two nodes share
    # a decoder state; here every variable appears once, so no two nodes ever share one and the rule
    # has nothing to fix. Each offline network is already stored in one order that depends on the
    # network alone (smallest-first, core.bn.random_dags), D-VAE's file in the orders D-VAE trained
    # on; and the rule's search over every topological order (up to 8! = 40,320 per network) would
    # take hours on 50,000 networks for nothing.
    single_order = ("every variable appears once, so no two nodes share a decoder state and the canonical "
                    "order has nothing to fix (an offline network is stored in its one smallest-first order)")
    draws_input_output = False  # a network is drawn over its variables: input and output only close D-VAE's format
    mutation_kinds = EDGE_MOVES  # BO's evolution: one edge added, removed or reversed (mutations), never a cycle

    # -- data -----------------------------------------------------------------------------
    def data_path(self, data_dir: str | Path | None = None) -> Path:
        """Where :meth:`load` looks for D-VAE's ``asia_200k.txt``."""
        return resolve_data_dir(data_dir) / BN_ASIA_FILE

    def load(self, data_dir: str | Path | None = None) -> ArchitectureTable:
        """D-VAE's ``asia_200k.txt`` when it is in the data directory, re-scored (``y`` our BIC,
        ``y_test`` the file's); else the offline table of 50,000 random networks (``y_test``
        ``None``). Built once and cached; the arrays are read-only.

        Args:
            data_dir: Directory that may hold the file; resolved with ``resolve_data_dir``.

        Raises:
            DataFileError: the file is there but malformed (file and line named).
        """
        path = self.data_path(data_dir)
        if path.is_file():
            return asia_file_table(path)
        return random_network_table()

    def lookup(self, key: str) -> tuple[float, None] | None:
        """``(BIC, None)`` of any network given by its key, or ``None`` when the key is not a
        network (malformed, or a cycle)."""
        try:
            network = adjacency_of_key(key)
        except ValueError:
            return None
        if not is_acyclic(network):
            return None
        return float(asia_scorer().networks(network)), None

    # -- graphs ---------------------------------------------------------------------------
    def is_valid(self, op_ids: np.ndarray, adjacency: np.ndarray, num_nodes: int) -> bool:
        """D-VAE's ``is_valid_BN``: ten nodes, the input first and only there, the output last
        and only there, every variable exactly once, and a DAG (nodes are in topological
        order, so every edge must run forward). Connectivity is not required."""
        if int(num_nodes) != NUM_NODES:
            return False
        types = np.asarray(op_ids)[:NUM_NODES]
        if types[0] != START_TYPE or types[NUM_NODES - 1] != END_TYPE or variables_in_order(types) is None:
            return False
        return not np.tril(np.asarray(adjacency)[:NUM_NODES, :NUM_NODES]).any()

    def key(self, op_ids: np.ndarray, adjacency: np.ndarray, num_nodes: int) -> str:
        """The network's key: the ``8 x 8`` adjacency between the variables in their fixed
        order, as 64 space-separated bits (input and output edges left out).

        Args:
            op_ids: ``N`` node types.
            adjacency: ``N x N`` edges.
            num_nodes: real nodes, must be 10.

        Raises:
            ValueError: not ten nodes with every variable exactly once.
        """
        if int(num_nodes) != NUM_NODES or variables_in_order(op_ids) is None:
            raise ValueError("not an asia network: need 10 nodes with each of the 8 variables exactly once")
        return keys_of(variable_adjacency(np.asarray(op_ids)[None, :NUM_NODES],
                                          np.asarray(adjacency)[None, :NUM_NODES, :NUM_NODES]))[0]

    def score(self, graphs: Sequence[Graph], table: ArchitectureTable | None = None) -> Scores:
        """Validity, key and BIC of each graph. The BIC comes from the oracle for every valid
        graph, in the table or not (``table`` is not needed); NaN where a graph is invalid."""
        valid = np.array([self.is_valid(g.op_ids, g.adjacency, g.num_nodes) for g in graphs], dtype=bool)
        objective = np.full(len(valid), np.nan)
        keys: list[str | None] = [None] * len(valid)
        rows = np.flatnonzero(valid)
        if len(rows):
            op_ids = np.stack([np.asarray(graphs[i].op_ids)[:NUM_NODES] for i in rows])  # valid x N
            adjacency = np.stack([np.asarray(graphs[i].adjacency)[:NUM_NODES, :NUM_NODES] for i in rows])
            networks = variable_adjacency(op_ids, adjacency)  # valid x 8 x 8
            for row, key in zip(rows, keys_of(networks)):
                keys[row] = key
            objective[rows] = asia_scorer().networks(networks)
        return Scores(keys, valid, objective)

    # -- search ---------------------------------------------------------------------------
    def mutations(self, graph: Graph) -> list[tuple[str, Graph]]:
        """Every network one edge move from ``graph``'s (an edge added, removed or reversed,
        never a cycle: :func:`core.bn.edge_moves.edge_moves`), as ``(kind, graph)`` in the
        smallest-first order; BO's evolution mutates with it (``core.bo.mutation``)."""
        network = variable_adjacency(np.asarray(graph.op_ids)[None, :NUM_NODES],
                                     np.asarray(graph.adjacency)[None, :NUM_NODES, :NUM_NODES])[0]
        moves = edge_moves(network)
        if not moves:
            return []
        return [(kind, child) for (kind, _), child in zip(moves, self.graphs_of(np.stack([m for _, m in moves])))]

    def random_graphs(self, count: int, rng: np.random.Generator) -> list[Graph]:
        """``count`` random networks from the offline dataset's generator
        (:func:`core.bn.random_dags.random_dags`, edge probability
        ``OFFLINE_NETWORKS.edge_probability``), repeats possible: what random search draws in
        decode mode, over every network rather than the table's."""
        return self.graphs_of(random_dags(count, NUM_VARIABLES, OFFLINE_NETWORKS.edge_probability, rng))

    @staticmethod
    def graphs_of(networks: np.ndarray) -> list[Graph]:
        """``A x V x V`` networks as D-VAE-format graphs, each in its smallest-first order."""
        op_ids, adjacency = dvae_arrays(networks, smallest_first_order(networks))
        return [Graph(op_ids[i], adjacency[i], NUM_NODES) for i in range(len(networks))]
