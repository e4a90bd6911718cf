"""The normalised neighbourhood sum of the GCN encoder, as a PyTorch Geometric
:class:`~torch_geometric.nn.MessagePassing` layer, and the edges it runs on.

The D-VAE reference's GCN (``DVAE_GCN``) sums, for node ``v``, its own feature scaled by
``1 / (d_v + 1)`` and each neighbour ``u``'s scaled by ``1 / sqrt((d_u + 1)(d_v + 1))``, with
``d`` the degree ignoring edge directions (the reference's ``--bidirectional``). Directed
(predecessors only): ``1 / (in_v + 1)`` for the node itself and
``1 / sqrt((out_u + 1)(in_v + 1))`` for a predecessor ``u``.

A dense batch (``B x N`` nodes) becomes one graph of ``B * N`` nodes, node ``b * N + v``;
the node itself enters as a self loop with its own weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor
from torch_geometric.nn import MessagePassing


class GCNAggregation(MessagePassing):
    """``out_i = sum_{j -> i} w_ji x_j`` (no weights of its own).

    Shapes:
        x: ``S x F`` source features; edge_index: ``2 x E`` (source row, target row);
        edge_weight: ``E``; returns ``num_targets x F``.
    """

    def __init__(self):
        super().__init__(aggr="add")

    def forward(self, x: Tensor, edge_index: Tensor, edge_weight: Tensor, num_targets: int) -> Tensor:
        return self.propagate(edge_index, x=x, edge_weight=edge_weight, size=(x.size(0), num_targets))

    def message(self, x_j: Tensor, edge_weight: Tensor) -> Tensor:
        return edge_weight.to(x_j.dtype).unsqueeze(-1) * x_j  # E x F


@dataclass
class GCNEdges:
    """The weighted edges of a dense batch, self loops included.

    Shapes:
        index: ``2 x E``, flat source and target nodes (``b * N + position``).
        weight: ``E``, the normalisation of each edge.
        target_position: ``E``, the target's position ``v`` in its graph.
        num_nodes: ``B * N``.
    """

    index: Tensor
    weight: Tensor
    target_position: Tensor
    num_nodes: int

    def into_positions(self) -> list[tuple[Tensor, Tensor]]:
        """Per position ``v``: the edges into the nodes at ``v``, as ``(index, weight)`` whose
        target row is the graph ``b`` (a ``2 x E_v`` index into ``B`` targets)."""
        N = int(self.target_position.max()) + 1
        order = torch.argsort(self.target_position, stable=True)
        counts = torch.bincount(self.target_position, minlength=N).tolist()
        grouped = []
        for index, weight in zip(self.index[:, order].split(counts, 1), self.weight[order].split(counts)):
            grouped.append((torch.stack([index[0], index[1] // N]), weight))
        return grouped


def gcn_edges(adjacency: Tensor, undirected: bool) -> GCNEdges:
    """The edges and weights of the reference's normalisation (module docstring).

    Args:
        adjacency: ``B x N x N``, ``adjacency[b, u, v] = 1`` for ``u -> v``.
        undirected: neighbours ignoring edge directions (else predecessors only).
    """
    B, N, _ = adjacency.shape
    links = adjacency + adjacency.transpose(1, 2) if undirected else adjacency  # B x N x N, u -> v
    into = links.sum(1)  # B x N: d_v (undirected) or in_v
    out_of = links.sum(2)  # B x N: d_u (undirected) or out_u
    graph, source, target = links.nonzero(as_tuple=True)  # E each
    weight = torch.rsqrt((out_of[graph, source] + 1) * (into[graph, target] + 1))
    loops = torch.arange(B * N, device=adjacency.device)
    index = torch.cat([torch.stack([graph * N + source, graph * N + target]), loops.expand(2, -1)], 1)
    weight = torch.cat([weight, 1 / (into.reshape(-1) + 1)])
    position = torch.cat([target, loops % N])
    return GCNEdges(index=index, weight=weight, target_position=position, num_nodes=B * N)
