"""One-step mutations of a graph, for regularised evolution.

A neighbour differs from its parent in one operation or one edge:

* ``op``: one operation node takes another operation type;
* ``flip``: one edge between non-output nodes is added or removed;
* ``move``: one edge into a node changes its source (NAS-Bench-Graph's "rewire one input").

After an edge change the output node is fed by exactly the leaves (the nodes without a
successor), the convention of D-VAE's decoder and of both spaces. Only graphs the space
accepts (``space.is_valid``) are kept, named by ``space.key``, so isomorphic neighbours
collapse into one canonical key.

A space may list the kinds that can give one of its cells (``mutation_kinds``; default all
three, :func:`mutation_kinds`); with an empty list and no operator of its own, BO has no
mutation operator for it (:func:`has_operator`).
NAS-Bench-Graph lists ``op`` and ``move``: each of its operations has exactly one input, so a
``flip`` (an edge into an operation added or removed) never gives a cell of the bench
(``tests/bo/test_mutation.py`` checks all 262,060 flips of the nbg-cora table). ENAS keeps
``flip``: it is how a skip connection appears or goes.
"""

from __future__ import annotations

import numpy as np

from core.spaces.base import SearchSpace
from core.spaces.graph import Graph


def _feed_leaves(adjacency: np.ndarray, num_nodes: int) -> np.ndarray:
    """Connect every node without a successor (among the non-output nodes) to the output."""
    out = num_nodes - 1
    inner = adjacency[:out, :out]
    adjacency[:out, out] = (inner.sum(1) == 0).astype(adjacency.dtype)
    return adjacency


KINDS = ("op", "flip", "move")  # every kind of one-step mutation


def mutation_kinds(space: SearchSpace) -> tuple[str, ...]:
    """The kinds of generic mutation that can give a valid cell of ``space`` (its
    ``mutation_kinds``, default :data:`KINDS`)."""
    return tuple(getattr(space, "mutation_kinds", KINDS))


def has_operator(space: SearchSpace) -> bool:
    """Whether :func:`neighbours` can mutate cells of ``space``: the space's own
    ``mutations`` or at least one generic kind (``mutation_kinds = ()`` and no own operator:
    none)."""
    return callable(getattr(space, "mutations", None)) or bool(mutation_kinds(space))


def mutations(graph: Graph, num_node_types: int, kinds: tuple[str, ...] = KINDS) -> list[tuple[str, Graph]]:
    """Every one-step mutation of ``graph`` of the given ``kinds`` (validity not checked),
    as ``(kind, graph)``."""
    n = int(graph.num_nodes)
    out: list[tuple[str, Graph]] = []
    for v in range(1, n - 1) if "op" in kinds else ():
        for t in range(2, num_node_types):
            if t != graph.op_ids[v]:
                op_ids = graph.op_ids.copy()
                op_ids[v] = t
                out.append(("op", Graph(op_ids, graph.adjacency.copy(), n)))
    for j in range(1, n - 1) if "flip" in kinds else ():
        for i in range(j):
            adjacency = graph.adjacency.copy()
            adjacency[i, j] = 1 - adjacency[i, j]
            out.append(("flip", Graph(graph.op_ids.copy(), _feed_leaves(adjacency, n), n)))
    for v in range(1, n - 1) if "move" in kinds else ():
        for u in np.flatnonzero(graph.adjacency[:v, v]):
            for w in range(v):
                if w != u and not graph.adjacency[w, v]:
                    adjacency = graph.adjacency.copy()
                    adjacency[u, v], adjacency[w, v] = 0, 1
                    out.append(("move", Graph(graph.op_ids.copy(), _feed_leaves(adjacency, n), n)))
    return out


def neighbours(space: SearchSpace, graph: Graph) -> list[tuple[str, Graph]]:
    """The valid one-step neighbours of ``graph`` as ``(key, graph)``, one per distinct key
    (first found), without the parent's own key; only the space's :func:`mutation_kinds`, or
    the space's own ``mutations(graph)`` where it has one (bn-asia: :func:`core.bn.edge_moves.edge_moves`)."""
    parent = space.key(graph.op_ids, graph.adjacency, graph.num_nodes)
    found: dict[str, Graph] = {}
    own = getattr(space, "mutations", None)  # a space's own operator (bn-asia: an edge added, removed or reversed)
    children = own(graph) if callable(own) else mutations(graph, space.num_node_types, mutation_kinds(space))
    for _, child in children:
        if space.is_valid(child.op_ids, child.adjacency, child.num_nodes):
            key = space.key(child.op_ids, child.adjacency, child.num_nodes)
            if key != parent and key not in found:
                found[key] = child
    return list(found.items())
