"""An upper bound on greedy exact reconstruction that the D-VAE decoder's maths sets.

The decoder predicts node ``v + 1``'s type from the final state of node ``v`` alone (the
papers' graph state is the last node's state), and the edge ``k -> v`` from ``h_k`` and the
new node's current state. A node's state is a function of its type and of its
predecessors' states and positions, never of its own position. So two nodes of one graph
with the same type and the same (recursively equal) predecessors have *equal* states:

* **type collision**: nodes ``i < j`` have equal states but nodes ``i + 1`` and ``j + 1``
  have different types. One distribution must give both: a greedy decode gets at least one
  wrong, whatever the weights. Where ``j + 1`` is the output at the last position, the
  decoder places it without asking, so nothing is forced wrong; but the same state then
  carries END's probability at ``i + 1``: a risk of an early END (an invalid graph).
* **edge collision**: nodes ``k2 < k1 < v`` have equal states, ``k1 -> v`` is absent,
  ``k2 -> v`` present, and no edge from between them enters ``v``: both decisions see the
  same inputs.

A graph with either can never be reconstructed exactly by greedy decoding. In ENAS every
layer reads the one before it, so every state carries its whole history and nothing
collides; NAS-Bench-Graph's cells branch from the input, and a sixth of them collide.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.spaces.base import END_TYPE, ArchitectureTable


def state_signatures(op_ids: np.ndarray, adjacency: np.ndarray, num_nodes: int) -> list[tuple]:
    """One hashable signature per node, equal exactly where the decoder's states are equal:
    ``(type, sorted((signature, position) of each predecessor))``."""
    signatures: list[tuple] = []
    for v in range(int(num_nodes)):
        predecessors = tuple(sorted((signatures[u], u) for u in range(v) if adjacency[u, v]))
        signatures.append((int(op_ids[v]), predecessors))
    return signatures


@dataclass(frozen=True)
class Collisions:
    types: bool  # two equal states must predict different next types
    end: bool  # ... and one of those next types is the output (an early END)
    edges: bool  # two equal states must decide an edge into one node differently


def collisions(op_ids: np.ndarray, adjacency: np.ndarray, num_nodes: int, max_nodes: int) -> Collisions:
    """The collisions of one graph (``N`` types, ``N x N`` edges) in a space of ``max_nodes``.

    The output node at position ``max_nodes - 1`` is placed, not predicted, so a state
    equal to the last operation's cannot be forced into a wrong type there; it is an
    early-END risk (``end``) instead."""
    n = int(num_nodes)
    signature = state_signatures(op_ids, adjacency, n)
    pairs = [(i, j) for i in range(n - 1) for j in range(i + 1, n - 1)
             if signature[i] == signature[j] and op_ids[i + 1] != op_ids[j + 1]]
    edge_collision = any(
        signature[k1] == signature[k2] and not adjacency[k1, v] and adjacency[k2, v]
        and not np.any(adjacency[k2 + 1 : k1, v])
        for v in range(1, n - 1)  # the output node's edges are not decided: it takes every loose end
        for k1 in range(v) for k2 in range(k1)
    )
    return Collisions(types=any(j + 1 < max_nodes - 1 for _, j in pairs),
                      end=any(END_TYPE in (op_ids[i + 1], op_ids[j + 1]) for i, j in pairs),
                      edges=bool(edge_collision))


@dataclass(frozen=True)
class ReconBound:
    graphs: int  # architectures checked
    type_collisions: float  # share with a type collision
    end_collisions: float  # share whose type collision involves the output (an early END)
    edge_collisions: float  # share with an edge collision
    bound: float  # 1 - share with either: the most a greedy decode can reconstruct exactly
    strict_bound: float = 1.0  # 1 - share with either or an early-END risk: what the papers' loss lets
    # greedy decoding reach in practice (it trains END at the last operation's state, so a state shared
    # with an earlier node splits between END and that node's successor)


def recon_bound(table: ArchitectureTable, max_nodes: int, index: np.ndarray | None = None) -> ReconBound:
    """The collision shares and the greedy exact-reconstruction bound over ``index`` (all rows
    by default) of a space whose graphs have at most ``max_nodes`` nodes."""
    index = np.arange(len(table)) if index is None else np.asarray(index)
    types = edges = ends = either = any_risk = 0
    for row in index:
        found = collisions(table.op_ids[row], table.adjacency[row], int(table.num_nodes[row]), max_nodes)
        types += found.types
        ends += found.end
        edges += found.edges
        either += found.types or found.edges
        any_risk += found.types or found.edges or found.end
    count = max(len(index), 1)
    return ReconBound(graphs=len(index), type_collisions=types / count, end_collisions=ends / count,
                      edge_collisions=edges / count, bound=1 - either / count, strict_bound=1 - any_risk / count)
