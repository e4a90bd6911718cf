"""The GCN encoder of the D-VAE reference's ``DVAE_GCN``, dense and batched, on PyTorch
Geometric (:class:`~core.models.gcn_aggregation.GCNAggregation`).

Each level ``l`` maps a node's normalised neighbourhood sum through ``ReLU(W_l . + b_l)``
(level 0 reads the operation features, ``T`` one-hot or ``E`` learned; later levels the
``H``-dimensional states). The graph state is the sum of the final states of every node but
the input and the output node.

Propagation order (``order``):

* ``"sequential"`` (the reference's, default): within a level the nodes update one after
  another in index order, and each reads its neighbours' *current* states: a neighbour of
  lower index has already been updated at this level, one of higher index (and the node
  itself) still holds the previous level's state. A Gauss-Seidel sweep, so information
  travels from the input towards the output within one level. Level 0 reads only the
  operation features, which never change, so it is the same in both orders.
* ``"synchronous"``: every node reads the previous level's states (plain GCN, a Jacobi
  sweep); one message-passing call per level instead of one per node position.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from core.models.gcn_aggregation import GCNAggregation, GCNEdges, gcn_edges


class GCNEncoder(nn.Module):
    """Graph convolution over a dense batch, summed into a graph state.

    Args:
        input_dim: ``E``, the operation features' size.
        hidden_dim: ``H``.
        levels: graph-convolution levels (the reference's 3).
        undirected: neighbours ignoring edge directions (else predecessors only).
        sequential: the reference's propagation order (module docstring), else synchronous.

    Shapes:
        features: ``B x N x E``; adjacency: ``B x N x N``; num_nodes: ``B``; returns ``B x H``.
    """

    def __init__(self, input_dim: int, hidden_dim: int, levels: int, undirected: bool, sequential: bool):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(input_dim if level == 0 else hidden_dim, hidden_dim)
                                    for level in range(levels))
        self.aggregate = GCNAggregation()
        self.undirected, self.sequential = undirected, sequential

    def node_states(self, features: Tensor, adjacency: Tensor) -> Tensor:
        """The final state of every node, ``B x N x H``."""
        edges = gcn_edges(adjacency, self.undirected)
        states = self._synchronous_level(self.layers[0], features, edges)  # level 0: the same in both orders
        by_position = edges.into_positions() if self.sequential and len(self.layers) > 1 else []
        for layer in self.layers[1:]:
            if self.sequential:
                states = self._sequential_level(layer, states, by_position)
            else:
                states = self._synchronous_level(layer, states, edges)
        return states

    def forward(self, features: Tensor, adjacency: Tensor, num_nodes: Tensor) -> Tensor:
        states = self.node_states(features, adjacency)  # B x N x H
        positions = torch.arange(states.shape[1], device=states.device)
        inner = (positions >= 1) & (positions < (num_nodes - 1).unsqueeze(1))  # B x N: not the input, not the output
        return (states * inner.unsqueeze(-1).to(states.dtype)).sum(1)  # B x H

    def _synchronous_level(self, layer: nn.Linear, states: Tensor, edges: GCNEdges) -> Tensor:
        """Every node reads ``states`` (``B x N x F``). Returns ``B x N x H``."""
        B, N, F_in = states.shape
        summed = self.aggregate(states.reshape(B * N, F_in), edges.index, edges.weight, B * N)  # BN x F
        return torch.relu(layer(summed)).view(B, N, -1)

    def _sequential_level(self, layer: nn.Linear, states: Tensor,
                          by_position: list[tuple[Tensor, Tensor]]) -> Tensor:
        """Nodes update in index order, each reading the current states (``B x N x H``)."""
        B, N, H = states.shape
        current = states
        positions = torch.arange(N, device=states.device)
        for v, (index, weight) in enumerate(by_position):
            summed = self.aggregate(current.reshape(B * N, H), index, weight, B)  # B x H: into position v
            updated = torch.relu(layer(summed))  # B x H
            current = current.index_copy(1, positions[v : v + 1], updated.unsqueeze(1).to(current.dtype))
        return current
