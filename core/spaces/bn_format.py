"""D-VAE's graph format for Bayesian networks over ``V = 8`` variables, and the key of a network.

A network is a DAG between the variables. D-VAE stores it as a graph of ``N = V + 2`` nodes
(``util.decode_BN_to_igraph``): node 0 is the input, nodes ``1 .. V`` are the variables in a
topological order (variable ``i`` has node type ``i + 2``), node ``V + 1`` is the output.
Every variable without a parent takes an edge from the input, and every variable without
a child (a loose end) feeds the output. Input and output carry no meaning for the network.

The key of a network is D-VAE's ``decode_igraph_to_BN_adj``: the ``V x V`` adjacency between
the variables in their FIXED order (``A S T L B E X D``: row the parent, column the child),
flattened row by row into ``V * V`` space-separated bits. Two node orders of one network
therefore share a key.
"""

from __future__ import annotations

import numpy as np

from core.spaces.base import END_TYPE, START_TYPE

NUM_VARIABLES = 8
NUM_NODES = NUM_VARIABLES + 2  # input, eight variables, output


def dvae_arrays(variable_adjacency: np.ndarray, orders: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Networks in D-VAE's format, each with its variables in the given order.

    Args:
        variable_adjacency: ``A x V x V``, ``[a, i, j] != 0`` for an edge ``i -> j`` between variables.
        orders: ``A x V`` topological orders (``orders[a, p]``: the variable at position ``p``).

    Returns:
        ``op_ids`` (``A x N`` int64) and ``adjacency`` (``A x N x N`` uint8).

    Raises:
        ValueError: an order is not topological for its network.
    """
    variable_adjacency = np.asarray(variable_adjacency) != 0
    orders = np.asarray(orders, dtype=np.int64)
    count = len(orders)
    inner = variable_adjacency[np.arange(count)[:, None, None], orders[:, :, None], orders[:, None, :]]  # A x V x V
    if np.tril(inner).any():
        raise ValueError("an order is not topological: an edge runs from a later variable to an earlier one")
    op_ids = np.empty((count, NUM_NODES), dtype=np.int64)
    op_ids[:, 0] = START_TYPE
    op_ids[:, 1 : NUM_NODES - 1] = orders + 2
    op_ids[:, NUM_NODES - 1] = END_TYPE
    adjacency = np.zeros((count, NUM_NODES, NUM_NODES), dtype=np.uint8)
    adjacency[:, 1 : NUM_NODES - 1, 1 : NUM_NODES - 1] = inner
    adjacency[:, 0, 1 : NUM_NODES - 1] = ~inner.any(1)  # no parent: an edge from the input
    adjacency[:, 1 : NUM_NODES - 1, NUM_NODES - 1] = ~inner.any(2)  # no child: an edge to the output
    return op_ids, adjacency


def variables_in_order(op_ids: np.ndarray) -> np.ndarray | None:
    """The variable at each inner position of one graph (``op_ids``: ``N``), ``V`` int64, or
    ``None`` when the inner node types are not every variable exactly once."""
    types = np.asarray(op_ids)[1 : NUM_NODES - 1].astype(np.int64) - 2
    if len(types) != NUM_VARIABLES or not np.array_equal(np.sort(types), np.arange(NUM_VARIABLES)):
        return None
    return types


def variable_adjacency(op_ids: np.ndarray, adjacency: np.ndarray) -> np.ndarray:
    """The network of D-VAE-format graphs, between the variables in their fixed order.

    Args:
        op_ids: ``A x N`` node types whose inner nodes are every variable once.
        adjacency: ``A x N x N``.

    Returns:
        ``A x V x V`` uint8, ``[a, i, j] = 1`` for an edge ``i -> j`` (input and output edges dropped).
    """
    types = np.asarray(op_ids)[:, 1 : NUM_NODES - 1].astype(np.int64) - 2  # A x V
    inner = np.asarray(adjacency)[:, 1 : NUM_NODES - 1, 1 : NUM_NODES - 1] != 0  # A x V x V, by position
    result = np.zeros((len(types), NUM_VARIABLES, NUM_VARIABLES), dtype=np.uint8)
    result[np.arange(len(types))[:, None, None], types[:, :, None], types[:, None, :]] = inner
    return result


def keys_of(variable_adjacency_batch: np.ndarray) -> list[str]:
    """The keys of networks (``A x V x V``): ``V * V`` space-separated bits each, row by row."""
    flat = (np.asarray(variable_adjacency_batch) != 0).reshape(len(variable_adjacency_batch), -1)  # A x V*V
    width = 2 * flat.shape[1] - 1
    text = np.full((len(flat), width), ord(" "), dtype=np.uint8)
    text[:, ::2] = flat + ord("0")
    return np.ascontiguousarray(text).view(f"S{width}").ravel().astype(str).tolist()


def adjacency_of_key(key: str) -> np.ndarray:
    """The ``V x V`` uint8 network of a key.

    Raises:
        ValueError: the key is not ``V * V`` space-separated bits.
    """
    parts = str(key).split()
    if len(parts) != NUM_VARIABLES * NUM_VARIABLES or any(part not in ("0", "1") for part in parts):
        raise ValueError(f"a bn-asia key is {NUM_VARIABLES * NUM_VARIABLES} space-separated bits, got {key!r}")
    return np.array([int(part) for part in parts], dtype=np.uint8).reshape(NUM_VARIABLES, NUM_VARIABLES)
