"""Which of a cell's equivalent node orders the decoder is taught to write.

A cell is a DAG; any topological order with the input first and the output last stores the
same cell (same key, same accuracy). The D-VAE decoder cannot write every order, though:
two nodes with equal decoder states (:mod:`core.analysis.recon_bound`) must predict the same next
type and the same edges, so some orders of a cell are impossible to reconstruct greedily
and another order of the same cell may be possible.

``canonical`` picks, for each cell, among all its topological orders (the operation nodes
permuted where the edges allow), the one that is smallest by, in turn:

1. a collision (a type or edge collision makes greedy reconstruction impossible): none first;
2. an early-END risk (a state shared with the node before the output): none first;
3. the nodes' depths (longest path from the input) in order: shallow nodes first, so the
   order reads level by level, the way the decoder grows a cell;
4. the operation ids in order;
5. the adjacency matrix's bits, row by row.

Every criterion is a function of the reordered arrays alone, so the choice depends on the
cell, never on the order a table happens to store it in. ``stored`` keeps the table's order.
ENAS keeps its order under either: its chain fixes a single topological order.
"""

from __future__ import annotations

import itertools
from typing import Literal

import numpy as np

from core.analysis.recon_bound import collisions
from core.spaces.base import ArchitectureTable

NodeOrder = Literal["stored", "canonical"]
NODE_ORDERS: tuple[str, ...] = ("stored", "canonical")


def topological_orders(adjacency: np.ndarray, num_nodes: int) -> list[tuple[int, ...]]:
    """Every order of the nodes ``0 .. n-1`` with node 0 first, node ``n-1`` last and each
    edge ``u -> v`` from an earlier to a later position (``adjacency``: ``N x N``)."""
    n = int(num_nodes)
    inner = range(1, n - 1)
    edges = [(u, v) for u in range(n) for v in range(n) if adjacency[u, v]]
    orders = []
    for middle in itertools.permutations(inner):
        order = (0, *middle, n - 1)
        position = {node: i for i, node in enumerate(order)}
        if all(position[u] < position[v] for u, v in edges):
            orders.append(order)
    return orders


def reorder(op_ids: np.ndarray, adjacency: np.ndarray, num_nodes: int, order: tuple[int, ...]
            ) -> tuple[np.ndarray, np.ndarray]:
    """The arrays with node ``order[i]`` at position ``i`` (padding kept): ``N`` types, ``N x N`` edges."""
    n = int(num_nodes)
    index = np.array(order)
    new_ops = op_ids.copy()
    new_ops[:n] = op_ids[index]
    new_adjacency = np.zeros_like(adjacency)
    new_adjacency[:n, :n] = adjacency[np.ix_(index, index)]
    return new_ops, new_adjacency


def depths(adjacency: np.ndarray, num_nodes: int) -> list[int]:
    """The longest path from node 0 to each node (nodes in a topological order)."""
    n = int(num_nodes)
    depth = [0] * n
    for v in range(1, n):
        preds = [depth[u] + 1 for u in range(v) if adjacency[u, v]]
        depth[v] = max(preds, default=0)
    return depth


def order_score(op_ids: np.ndarray, adjacency: np.ndarray, num_nodes: int, max_nodes: int) -> tuple:
    """The canonical rule's sort key of one stored order (smaller is preferred)."""
    n = int(num_nodes)
    found = collisions(op_ids, adjacency, n, max_nodes)
    return (int(found.types or found.edges), int(found.end), tuple(depths(adjacency, n)),
            tuple(int(t) for t in op_ids[:n]), tuple(adjacency[:n, :n].reshape(-1).tolist()))


def canonical_arrays(op_ids: np.ndarray, adjacency: np.ndarray, num_nodes: int, max_nodes: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """One cell's arrays in its canonical order (see the module docstring)."""
    candidates = [reorder(op_ids, adjacency, num_nodes, order) for order in topological_orders(adjacency, num_nodes)]
    return min(candidates, key=lambda arrays: order_score(arrays[0], arrays[1], num_nodes, max_nodes))


def apply_node_order(table: ArchitectureTable, node_order: str, max_nodes: int) -> ArchitectureTable:
    """``table`` with every cell in ``node_order``: ``stored`` returns it as it is;
    ``canonical`` reorders each cell's nodes (keys, labels, split and row order unchanged).

    Raises:
        ValueError: an unknown ``node_order``.
    """
    if node_order == "stored":
        return table
    if node_order != "canonical":
        raise ValueError(f"unknown node order {node_order!r}: use {' or '.join(NODE_ORDERS)}")
    op_ids, adjacency = table.op_ids.copy(), table.adjacency.copy()
    for row in range(len(table)):
        op_ids[row], adjacency[row] = canonical_arrays(table.op_ids[row], table.adjacency[row],
                                                       int(table.num_nodes[row]), max_nodes)
    return ArchitectureTable(keys=list(table.keys), op_ids=op_ids, adjacency=adjacency, num_nodes=table.num_nodes.copy(),
                             y=table.y, y_test=table.y_test, split=table.split)


CACHE_FOLDER = "node_order"  # below the per-user cache: canonical arrays, keyed on the stored arrays' digest
CACHE_ENV = "OPEMBED_CACHE_DIR"  # where the canonical arrays are cached (default: the per-user cache)


def _digest(table: ArchitectureTable) -> str:
    import hashlib

    digest = hashlib.sha256()
    for array in (table.op_ids, table.adjacency, table.num_nodes):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:20]


def node_ordered_table(space, table: ArchitectureTable, node_order: str, data_dir=None) -> ArchitectureTable:
    """:func:`apply_node_order`, with the canonical arrays cached in ``$OPEMBED_CACHE_DIR``,
    else the per-user cache (``node_order/<N>-canonical-<digest>.npz``, keyed on the stored
    arrays, so the NAS-Bench-Graph datasets, which share their cells, share one file; never
    in the data directory, which may be shared). Reordering all 26,206 cells takes about a
    minute; a cache that cannot be read or written is skipped."""
    if node_order == "stored" or table.adjacency.size == 0:
        return apply_node_order(table, node_order, space.max_nodes)
    if node_order not in NODE_ORDERS:
        raise ValueError(f"unknown node order {node_order!r}: use {' or '.join(NODE_ORDERS)}")
    import os
    from pathlib import Path

    import platformdirs

    root = os.environ.get(CACHE_ENV) or platformdirs.user_cache_dir("opembed")
    cache = Path(root) / CACHE_FOLDER / f"{space.max_nodes}-{node_order}-{_digest(table)}.npz"
    try:
        with np.load(cache) as saved:
            op_ids, adjacency = saved["op_ids"], saved["adjacency"]
        if op_ids.shape == table.op_ids.shape and adjacency.shape == table.adjacency.shape:
            return ArchitectureTable(keys=list(table.keys), op_ids=op_ids, adjacency=adjacency,
                                     num_nodes=table.num_nodes.copy(), y=table.y, y_test=table.y_test,
                                     split=table.split)
    except (OSError, ValueError, KeyError):
        pass
    ordered = apply_node_order(table, node_order, space.max_nodes)
    try:
        import io

        from core.runs.files import atomic_write_bytes

        buffer = io.BytesIO()
        np.savez_compressed(buffer, op_ids=ordered.op_ids, adjacency=ordered.adjacency)
        atomic_write_bytes(cache, buffer.getvalue())
    except OSError:
        pass
    return ordered
