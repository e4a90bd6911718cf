"""S-VAE (the D-VAE paper's sequence baseline) as dense, batched tensors, with the same
pluggable operation encoder (one-hot: S-VAE; learned embedding: S-VAE-EMB, the seed
repository's ``SVAE_EMB``).

The graph is the reference's string: one row per node after the input, in topological
(index) order, ``[type features, b_0 .. b_{N-2}]`` with ``b_j = 1`` for an edge ``j -> v``.
Rows past the output node are padding: type START (never predicted elsewhere, so it marks
the end of the string), no edges. The maths is the reference's:

* Encoder: a GRU (both ways with ``bidirectional``) over the ``N - 1`` rows; the graph state
  is its last hidden state (both directions' concatenated and mapped back to ``H``).
* Decoder: ``h = ReLU(W z)`` fed as the input of every step of a second GRU started from
  zero; from each step's output an MLP gives the node's type logits and another its ``N - 1``
  edge logits, all at once (one shot, no feedback of decisions).
* Loss: type cross-entropy over every row (padding rows predict START) plus edge BCE over every
  row and column, plus ``beta`` KL, summed over the batch.

One deviation, on purpose: the reference reshapes the bidirectional GRU's final states
``2 x B x H`` with ``view(B, -1)``, which mixes the states of different graphs of a batch;
here each graph's forward and backward states are concatenated.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from core.config import ModelConfig
from core.spaces.base import END_TYPE, PAD_TYPE, START_TYPE
from core.spaces.constraints import DecodeConstraints
from core.models.decoding import DecodedGraphs, choose_types
from core.models.dvae import VariationalModel, _at_least_fp32
from core.models.op_encoder import OpEncoder, make_op_encoder


class SVAE(VariationalModel):
    """The S-VAE with a pluggable operation encoder (``ModelConfig.model = "svae"``).

    Args:
        config: ``hidden_dim``, ``latent_dim``, ``bidirectional`` (encoder GRU both ways),
            ``encoding`` (one-hot or learned); ``vertex_ids`` is not used.

    Shapes: as :class:`~core.models.dvae.DVAE` (``op_ids`` ``B x N``, ``adjacency``
    ``B x N x N``, ``num_nodes`` ``B``, ``z`` ``B x latent_dim``).
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        T, N, H, Z = config.num_node_types, config.max_nodes, config.hidden_dim, config.latent_dim
        self.op_encoder: OpEncoder = make_op_encoder(config.encoding, T, config.embedding_dim)
        self.encoder_gru = nn.GRU(self.op_encoder.output_dim + N - 1, H, batch_first=True,
                                  bidirectional=config.bidirectional)
        self.graph_unify = nn.Linear(2 * H, H) if config.bidirectional else None
        self.fc_mu = nn.Linear(H, Z)
        self.fc_logvar = nn.Linear(H, Z)
        self.fc_init = nn.Linear(Z, H)
        self.decoder_gru = nn.GRU(H, H, batch_first=True)
        self.add_vertex = nn.Sequential(nn.Linear(H, H), nn.ReLU(), nn.Linear(H, T))
        self.add_edges = nn.Sequential(nn.Linear(H, H), nn.ReLU(), nn.Linear(H, N - 1))

    # ------------------------------------------------------------------ the string
    def string_targets(self, op_ids: Tensor, adjacency: Tensor, num_nodes: Tensor) -> tuple[Tensor, Tensor]:
        """The string's types (START on padding rows), ``B x (N-1)``, and its edge bits,
        ``B x (N-1) x (N-1)``: row ``v - 1`` holds the edges ``j -> v`` for ``j = 0 .. N-2``."""
        N = op_ids.shape[1]
        real = torch.arange(1, N, device=op_ids.device).unsqueeze(0) < num_nodes.unsqueeze(1)  # B x (N-1)
        types = torch.where(real, op_ids[:, 1:], torch.full_like(op_ids[:, 1:], START_TYPE))
        edges = adjacency[:, : N - 1, 1:].transpose(1, 2)  # B x (N-1) x (N-1)
        return types, edges

    def encode(self, op_ids: Tensor, adjacency: Tensor, num_nodes: Tensor) -> tuple[Tensor, Tensor]:
        """Encode a dense batch. Returns ``mu`` and ``logvar``, each ``B x latent_dim``."""
        types, edges = self.string_targets(op_ids, adjacency, num_nodes)
        features = F.embedding(types, self.op_encoder.table())  # B x (N-1) x E
        string = torch.cat([features, edges.to(features.dtype)], -1)  # B x (N-1) x (E + N-1)
        _, last = self.encoder_gru(string)  # directions x B x H
        graph_state = last[0] if self.graph_unify is None else self.graph_unify(torch.cat([last[0], last[1]], -1))
        return self.fc_mu(graph_state), self.fc_logvar(graph_state)

    def scores(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """Type logits ``B x (N-1) x T`` and edge logits ``B x (N-1) x (N-1)`` of every row."""
        steps = self.config.max_nodes - 1
        start = torch.relu(self.fc_init(z))  # B x H
        outputs, _ = self.decoder_gru(start.unsqueeze(1).expand(-1, steps, -1).contiguous())  # B x (N-1) x H
        return self.add_vertex(outputs), self.add_edges(outputs)

    def teacher_forced_scores(self, z: Tensor, types: Tensor, edges: Tensor) -> tuple[Tensor, Tensor]:
        """The scores the loss reads, given the true string (types ``B x (N-1)``, bits
        ``B x (N-1) x (N-1)``): S-VAE's decoder feeds no decision back, so :meth:`scores`."""
        return self.scores(z)

    # ------------------------------------------------------------------ loss
    def reconstruction_terms(self, z: Tensor, op_ids: Tensor, adjacency: Tensor,
                             num_nodes: Tensor) -> tuple[Tensor, Tensor]:
        """Type NLL and edge BCE of the string (``z``: ``B x latent_dim``) from
        :meth:`teacher_forced_scores`, summed over every row of the batch."""
        types, edges = self.string_targets(op_ids, adjacency, num_nodes)
        type_logits, edge_logits = self.teacher_forced_scores(z, types, edges)
        type_logits, edge_logits = _at_least_fp32(type_logits), _at_least_fp32(edge_logits)
        type_nll = F.cross_entropy(type_logits.transpose(1, 2), types, reduction="sum")
        edge_bce = F.binary_cross_entropy_with_logits(edge_logits, edges.to(edge_logits.dtype), reduction="sum")
        return type_nll, edge_bce

    # ------------------------------------------------------------------ decoder
    @torch.no_grad()
    def decode(self, z: Tensor, stochastic: bool = True, generator: torch.Generator | None = None,
               compact: bool | None = None, constraints: DecodeConstraints | None = None) -> DecodedGraphs:
        """Decode latent points (``B x latent_dim``) as the reference builds graphs from the
        string's scores: node by node, a type (drawn, or the most likely), END closing the
        graph and connecting its loose ends; otherwise an edge from each earlier node, the
        latest first (drawn with its probability, or where it is above 0.5). ``compact`` is
        accepted for the same signature as D-VAE's and changes nothing. ``constraints`` mask
        as in D-VAE's decoder. Returns :class:`DecodedGraphs` on the CPU."""
        type_logits, edge_logits = self.scores(z)
        return _build_graphs(_at_least_fp32(type_logits), torch.sigmoid(_at_least_fp32(edge_logits)), stochastic,
                             generator, constraints)


def _build_graphs(type_logits: Tensor, edge_probs: Tensor, stochastic: bool, generator: torch.Generator | None,
                  constraints: DecodeConstraints | None) -> DecodedGraphs:
    """Graphs from the string's scores (``B x (N-1) x T``, ``B x (N-1) x (N-1)``)."""
    B, steps, _ = type_logits.shape
    N, device = steps + 1, type_logits.device
    op_ids = torch.full((B, N), PAD_TYPE, dtype=torch.long, device=device)
    op_ids[:, 0] = START_TYPE
    adjacency = torch.zeros(B, N, N, dtype=torch.bool, device=device)
    num_nodes = torch.full((B,), N, dtype=torch.long, device=device)
    finished = torch.zeros(B, dtype=torch.bool, device=device)
    for v in range(1, N):
        types = torch.full((B,), END_TYPE, dtype=torch.long, device=device) if v == N - 1 else \
            choose_types(type_logits[:, v - 1].clone(), v, stochastic, generator, constraints)
        active = ~finished
        op_ids[:, v] = torch.where(active, types, op_ids[:, v])
        ends = active & (types == END_TYPE)
        loose = adjacency[:, :v, :v].sum(-1) == 0  # B x v: no edge out yet
        adjacency[:, :v, v] |= loose & ends.unsqueeze(1)
        num_nodes = torch.where(ends, torch.full_like(num_nodes, v + 1), num_nodes)
        if v < N - 1:
            _draw_edges(adjacency, edge_probs[:, v - 1], v, active & ~ends, stochastic, generator, constraints)
        finished = finished | ends
    return DecodedGraphs(op_ids.cpu().numpy(), adjacency.to(torch.uint8).cpu().numpy(), num_nodes.cpu().numpy())


def _draw_edges(adjacency: Tensor, probs: Tensor, position: int, deciding: Tensor, stochastic: bool,
                generator: torch.Generator | None, constraints: DecodeConstraints | None) -> None:
    """Add the edges ``k -> position``, ``k = position-1 .. 0``, in the ``deciding`` graphs
    (``probs``: ``B x (N-1)``, column ``k`` the edge from ``k``)."""
    v = position
    has_input = torch.zeros_like(deciding)
    for k in range(v - 1, -1, -1):
        if stochastic:
            edge = torch.rand(probs.shape[0], generator=generator, device=probs.device) < probs[:, k]
        else:
            edge = probs[:, k] > 0.5
        if constraints is not None:
            if constraints.chain and k == v - 1:
                edge = torch.ones_like(edge)
            if constraints.single_input:
                edge = (edge & ~has_input) | (~has_input if k == 0 else torch.zeros_like(edge))
                has_input = has_input | edge
        adjacency[:, k, v] |= edge & deciding
