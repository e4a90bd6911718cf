"""One architecture as a small dense graph, with a JSON form for the result files."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..spaces.base import ArchitectureTable


@dataclass(frozen=True)
class Graph:
    """A graph in a space's dense layout.

    Shapes:
        op_ids: ``N`` int64 node types (``PAD_TYPE`` after the output node).
        adjacency: ``N x N`` uint8, ``adjacency[i, j] = 1`` for an edge ``i -> j``.
    """

    op_ids: np.ndarray
    adjacency: np.ndarray
    num_nodes: int

    @staticmethod
    def from_table(table: ArchitectureTable, row: int) -> "Graph":
        return Graph(np.asarray(table.op_ids[row]).copy(), np.asarray(table.adjacency[row]).copy(),
                     int(table.num_nodes[row]))

    def to_json(self) -> dict:
        """``{"op_ids": [...], "edges": [[i, j], ...], "num_nodes": n, "max_nodes": N}``."""
        rows, cols = np.nonzero(self.adjacency)
        return {
            "op_ids": self.op_ids.tolist(),
            "edges": [[int(i), int(j)] for i, j in zip(rows, cols)],
            "num_nodes": int(self.num_nodes),
        }

    @staticmethod
    def from_json(data: dict) -> "Graph":
        op_ids = np.asarray(data["op_ids"], dtype=np.int64)
        adjacency = np.zeros((len(op_ids), len(op_ids)), dtype=np.uint8)
        for i, j in data["edges"]:
            adjacency[i, j] = 1
        return Graph(op_ids, adjacency, int(data["num_nodes"]))
