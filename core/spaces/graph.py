"""One architecture as a graph: :class:`Graph`, the one shape every part of the project
passes a single DAG in (drawing, scoring, decoding walks), and :func:`graphs_of` to take
the graphs out of a batch (a decoded batch, a table)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class Graph:
    """One architecture DAG, nodes in topological order, input first.

    Shapes (``N`` = the space's ``max_nodes``):
        op_ids: ``N`` int64 node types (``PAD_TYPE`` after the output node).
        adjacency: ``N x N`` uint8, ``adjacency[i, j] = 1`` for an edge ``i -> j``.
        num_nodes: the real nodes, input and output included.
    """

    op_ids: np.ndarray
    adjacency: np.ndarray
    num_nodes: int

    def to_json(self) -> dict:
        """``{"op_ids": [...], "edges": [[i, j], ...], "num_nodes": n}`` (BO result files)."""
        rows, cols = np.nonzero(self.adjacency)
        return {
            "op_ids": np.asarray(self.op_ids).tolist(),
            "edges": [[int(i), int(j)] for i, j in zip(rows, cols)],
            "num_nodes": int(self.num_nodes),
        }

    @staticmethod
    def from_json(data: dict) -> "Graph":
        """The graph of :meth:`to_json`."""
        op_ids = np.asarray(data["op_ids"], dtype=np.int64)
        adjacency = np.zeros((len(op_ids), len(op_ids)), dtype=np.uint8)
        for i, j in data["edges"]:
            adjacency[i, j] = 1
        return Graph(op_ids, adjacency, int(data["num_nodes"]))


class GraphBatch(Protocol):
    """Anything holding graphs as batched arrays: ``op_ids`` (``B x N``), ``adjacency``
    (``B x N x N``) and ``num_nodes`` (``B``), e.g. ``DecodedGraphs`` or ``ArchitectureTable``."""

    op_ids: np.ndarray
    adjacency: np.ndarray
    num_nodes: np.ndarray


def graphs_of(batch: GraphBatch, rows=None) -> list[Graph]:
    """The graphs of a batch (``rows``: which ones, in that order; default all).

    Example:
        >>> graphs = graphs_of(model.decode(z))  # one Graph per latent point
    """
    rows = range(len(batch.num_nodes)) if rows is None else rows
    return [Graph(batch.op_ids[i], batch.adjacency[i], int(batch.num_nodes[i])) for i in rows]
