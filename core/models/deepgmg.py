"""DeepGMG (Li et al. 2018) as the D-VAE reference adapts it to DAGs (``DVAE_DeepGMG``), in
dense, batched tensors, with the pluggable operation encoder (one-hot: DeepGMG; learned
embedding: DeepGMG-EMB).

The mathematics is the reference's (``H`` the node state size, ``G = 2H`` the graph state):

* Propagation (``T = 3`` rounds, :attr:`DeepGMG.propagation_rounds`, one GRU cell per round;
  encoder and decoder have their own cells and share the message function ``f_e``): in a
  round every node reads the previous round's states (synchronous). Node ``v`` sums, over its
  predecessors ``u`` (edge feature ``d = 1``) and, with ``bidirectional`` (the reference's
  flag of that name), its successors (``d = 0``), the message ``f_e([h_u, d, h_v])`` (a linear
  map to ``G``), and updates ``h_v = GRU_t(sum, h_v)``. A node without neighbours keeps its
  state. An edge counts once per time it was added: decoding may select a node twice, as the
  reference's igraph multigraph does (the decoded adjacency is 0/1).
* Readout: ``R(h) = sum_v sigmoid(W_g h_v + b_g) * (W_m h_v)`` (``G``-sized); a second gated
  sum ``R_init`` (own weights) initialises new nodes.
* Encoder: every node starts at ``f_init([x_v, 0])``; ``T`` rounds; ``mu``, ``logvar`` are
  linear maps of ``R(h)``.
* Decoder: ``h_0 = f_init([x_start, tanh(W z)])``. For each position ``v = 1 .. N-1``:
  propagate, then the type from ``softmax(W_a R(h) + b_a)``; the new node starts at
  ``f_init([x_v, R_init(h)])`` (the earlier nodes only); then, repeatedly: propagate, decide
  whether to add an edge into ``v`` (``sigmoid(w [R(h), h_v] + b)``) and, if so, which earlier
  node ``u`` it comes from (``softmax_u(w_s [h_u, h_v] + b_s)``), until the decision is "no" (at
  most ``v`` edges: the reference stops after the ``(v+1)``-th decision, whatever it says).
  Decoding forces END at the last position; an END node, after its own edges, also reads
  every node left without a successor.
* Loss (teacher forcing, summed over the batch): the type NLL at every position, the add-edge
  BCE (``m + 1`` decisions for a node with ``m`` true inputs: ``m`` yes, one no) and the
  node-selection NLL (true inputs added the latest first, as the reference pops them from the
  sorted in-adjacency list), plus ``beta`` KL. As in the reference, positions after a graph's
  output node count too: their type target is START and they decide "no edge" for a new node
  whose state is zero. :class:`~core.models.dvae.LossParts` reports the type NLL as
  ``type_nll`` and the add-edge and selection terms together as ``edge_bce``.

Deviations from the reference, all on purpose:

* Batch independence. The reference propagates the whole batch before every decision, also
  the graphs that are done deciding (their states move on while others still add edges),
  and a node without neighbours is updated with ``GRU(0, h)`` when another graph of the
  batch has a neighbour at that position, kept otherwise. Both make a graph's loss and
  decoding depend on its batch. Here each graph is what the reference gives for a batch of
  one: it is propagated only before its own decisions, and a node without neighbours keeps
  its state.
* Decoding draws a fixed number of random numbers per position (one type draw except at the
  last position, then for each of the ``v + 1`` possible add decisions one uniform draw and,
  for the first ``v``, one node draw), for the whole batch, whether or not a graph needs them:
  a seeded decode does not depend on the other graphs, and ``constraints`` leave the random
  stream unchanged.
* ``constraints`` (opt-in, not the reference's protocol) force the first edge decision
  (``chain``: from ``v - 1``; ``single_input``: then no second), and the output node decides
  no edges of its own: it reads the nodes left without a successor only.
* The add-edge BCE is computed from logits (the reference applies a sigmoid, then a BCE
  clamped at ``log 0 = -100``).

What makes it fast without changing the maths:

* Each round's GRU input transform is folded into the message function once per call
  (:class:`FoldedRound`): a round is one GEMM per node and one neighbour sum (``B x n x n``
  batched matrix product), not one message per edge.
* Only the nodes placed so far are propagated (``B x v x H``: later states are zero), and
  only the graphs still deciding (their rows gathered, propagated and scattered back).

Decoding lives in :mod:`core.models.deepgmg_decoding`. The per-graph reference the tests
compare with is ``tests/models/reference_deepgmg.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from core.config import ModelConfig
from core.spaces.base import START_TYPE
from core.spaces.constraints import DecodeConstraints
from core.models.decoding import DecodedGraphs
from core.models.deepgmg_decoding import GMGDecoder
from core.models.dvae import VariationalModel, _at_least_fp32
from core.models.message_passing import gru_update
from core.models.op_encoder import OpEncoder, make_op_encoder


class GatedSum(nn.Module):
    """``R(h) = sum_v sigmoid(W_g h_v + b_g) * (W_m h_v)``. The mapper has no bias, so a zero
    state (a node not yet there) adds exactly zero.

    Shapes:
        states: ``B x N x H`` -> ``B x G``.
    """

    def __init__(self, hidden_dim: int, graph_dim: int):
        super().__init__()
        self.gate = nn.Linear(hidden_dim, graph_dim)
        self.mapper = nn.Linear(hidden_dim, graph_dim, bias=False)

    def forward(self, states: Tensor) -> Tensor:
        return (torch.sigmoid(self.gate(states)) * self.mapper(states)).sum(1)


@dataclass
class FoldedRound:
    """One propagation round's GRU cell with the message function ``f_e`` folded into its
    input transform: ``W_ih sum_u f_e([h_u, d_u, h_v])`` is
    ``A_from (sum_u h_u) + a_dir (number of predecessors) + deg_v (A_to h_v + W_ih b_e)``,
    so a round needs one GEMM per node (``weight``) and one neighbour sum, not a message per edge.

    Shapes:
        weight: ``9H x H``: ``A_from = W_ih W_from``, ``A_to = W_ih W_to`` and ``W_hh``, stacked.
        direction: ``3H``, ``W_ih w_dir``. to_bias: ``3H``, ``W_ih b_e``.
        input_bias, hidden_bias: ``3H``, the cell's ``b_ih`` and ``b_hh``.
    """

    weight: Tensor
    direction: Tensor
    to_bias: Tensor
    input_bias: Tensor
    hidden_bias: Tensor


class DeepGMG(VariationalModel):
    """DeepGMG with a pluggable operation encoder (``ModelConfig.model = "deepgmg"``).

    Args:
        config: ``hidden_dim`` (``H``; the graph state is ``2H``), ``latent_dim``,
            ``bidirectional`` (messages from successors too), ``encoding`` (one-hot or
            learned); ``vertex_ids`` is not used.

    Shapes: as :class:`~core.models.dvae.DVAE` (``op_ids`` ``B x N``, ``adjacency``
    ``B x N x N``, ``num_nodes`` ``B``, ``z`` ``B x latent_dim``).

    Example:
        >>> model = DeepGMG(ModelConfig(num_node_types=8, max_nodes=8, hidden_dim=32, latent_dim=4,
        ...                             model="deepgmg"))
        >>> mu, logvar = model.encode(op_ids, adjacency, num_nodes)
        >>> graphs = model.decode(mu, stochastic=False)
    """

    propagation_rounds = 3  # the reference's Te = Td = 3

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        T, H, Z = config.num_node_types, config.hidden_dim, config.latent_dim
        G = 2 * H
        self.op_encoder: OpEncoder = make_op_encoder(config.encoding, T, config.embedding_dim)
        E = self.op_encoder.output_dim
        self.encoder_cells = nn.ModuleList(nn.GRUCell(G, H) for _ in range(self.propagation_rounds))
        self.message = nn.Linear(2 * H + 1, G)  # f_e([h_u, direction, h_v]), shared by encoder and decoder
        self.fc_mu = nn.Linear(G, Z)
        self.fc_logvar = nn.Linear(G, Z)
        self.init_node = nn.Linear(E + G, H)  # f_init([x_v, graph state])
        self.decoder_cells = nn.ModuleList(nn.GRUCell(G, H) for _ in range(self.propagation_rounds))
        self.fc_init = nn.Linear(Z, G)
        self.add_vertex = nn.Linear(G, T)
        self.add_edge = nn.Linear(G + H, 1)  # [R(h), h_new]
        self.select_node = nn.Linear(2 * H, 1)  # [h_u, h_new]
        self.readout = GatedSum(H, G)
        self.readout_init = GatedSum(H, G)

    # ------------------------------------------------------------------ propagation
    def fold_rounds(self, cells: nn.ModuleList) -> list[FoldedRound]:
        """Each cell's input transform composed with the message function, once per call
        (see :class:`FoldedRound`)."""
        H = self.config.hidden_dim
        weight, bias = self.message.weight, self.message.bias  # G x (2H + 1), G
        rounds = []
        for cell in cells:
            folded = cell.weight_ih @ weight  # 3H x (2H + 1)
            rounds.append(FoldedRound(weight=torch.cat([folded[:, :H], folded[:, H + 1 :], cell.weight_hh]),
                                      direction=folded[:, H], to_bias=cell.weight_ih @ bias,
                                      input_bias=cell.bias_ih, hidden_bias=cell.bias_hh))
        return rounds

    def propagate(self, rounds: list[FoldedRound], states: Tensor, adjacency: Tensor,
                  updating: Tensor | None = None) -> Tensor:
        """One synchronous message-passing round per entry of ``rounds``.

        Args:
            rounds: :meth:`fold_rounds` of ``encoder_cells`` or ``decoder_cells``.
            states: ``B x n x H``, the first ``n`` nodes (later ones are zero and have no edge).
            adjacency: ``B x n x n``, the number of edges ``i -> j`` (0 or 1, but a decoded
                node may read one node twice).
            updating: ``B`` bool, the graphs to propagate (``None``: all); the others keep
                their states.
        Returns:
            ``B x n x H``. A node without neighbours (and every node of a graph not updating)
            keeps its state.
        """
        if updating is not None:  # only the rows of the graphs updating are computed
            rows = updating.nonzero().squeeze(1)
            if rows.numel() < updating.numel():
                if rows.numel() == 0:
                    return states
                moved = self.propagate(rounds, states.index_select(0, rows), adjacency.index_select(0, rows))
                return states.index_copy(0, rows, moved)
        H = states.shape[-1]
        adjacency = adjacency.to(states.dtype)
        in_degree = adjacency.sum(1).unsqueeze(-1)  # B x n x 1
        neighbours = adjacency.transpose(1, 2)  # B x n x n: row v counts v's predecessors
        degree = in_degree
        if self.config.bidirectional:
            neighbours = neighbours + adjacency  # ... and its successors
            degree = in_degree + adjacency.sum(2).unsqueeze(-1)
        update = degree > 0  # B x n x 1
        for step in rounds:
            from_part, to_part, hidden_gates = F.linear(states, step.weight).split(3 * H, -1)  # B x n x 3H each
            # W_ih sum_u f_e([h_u, d_u, h_v]) + b_ih, each f_e split into its three blocks
            input_gates = (torch.bmm(neighbours, from_part) + in_degree * step.direction
                           + degree * (to_part + step.to_bias) + step.input_bias)  # B x n x 3H
            new_states = gru_update(input_gates, hidden_gates + step.hidden_bias, states)
            states = torch.where(update, new_states, states)
        return states

    def first_states(self, features: Tensor, graph_state: Tensor) -> Tensor:
        """``f_init([x, graph state])``: ``features`` ``... x E``, ``graph_state`` ``... x G``.
        Returns ``... x H``."""
        return self.init_node(torch.cat([features, graph_state], -1))

    # ------------------------------------------------------------------ encoder
    def encode(self, op_ids: Tensor, adjacency: Tensor, num_nodes: Tensor) -> tuple[Tensor, Tensor]:
        """Encode a dense batch. Returns ``mu`` and ``logvar``, each ``B x latent_dim``."""
        N = op_ids.shape[1]
        features = F.embedding(op_ids, self.op_encoder.table())  # B x N x E
        real = torch.arange(N, device=op_ids.device).view(1, N, 1) < num_nodes.view(-1, 1, 1)  # B x N x 1
        no_graph_state = features.new_zeros(*features.shape[:2], 2 * self.config.hidden_dim)  # B x N x G
        states = self.first_states(features, no_graph_state)  # B x N x H
        states = torch.where(real, states, torch.zeros_like(states))  # padding: no node, zero
        states = self.propagate(self.fold_rounds(self.encoder_cells), states, adjacency)
        graph_state = self.readout(states)  # B x G
        return self.fc_mu(graph_state), self.fc_logvar(graph_state)

    # ------------------------------------------------------------------ loss
    def reconstruction_terms(self, z: Tensor, op_ids: Tensor, adjacency: Tensor,
                             num_nodes: Tensor) -> tuple[Tensor, Tensor]:
        """Teacher-forced type NLL and edge terms (add-edge BCE plus node-selection NLL),
        summed over the batch, padding positions included (as the reference). The states
        cover the nodes placed so far only (``B x v x H``): later ones would be zero."""
        N = op_ids.shape[1]
        real = torch.arange(N, device=op_ids.device).unsqueeze(0) < num_nodes.unsqueeze(1)  # B x N
        targets = torch.where(real, op_ids, torch.full_like(op_ids, START_TYPE))  # START after the output
        features = F.embedding(op_ids, self.op_encoder.table())  # B x N x E
        rounds = self.fold_rounds(self.decoder_cells)
        states = self.first_states(features[:, 0], torch.tanh(self.fc_init(z))).unsqueeze(1)  # B x 1 x H
        type_nll = edge_terms = torch.zeros((), dtype=_at_least_fp32(states).dtype, device=z.device)
        for v in range(1, N):
            states = self.propagate(rounds, states, adjacency[:, :v, :v])  # every edge among them is known
            type_logits = _at_least_fp32(self.add_vertex(self.readout(states)))  # B x T
            type_nll = type_nll + F.cross_entropy(type_logits, targets[:, v], reduction="sum")
            new = self.first_states(features[:, v], self.readout_init(states))  # B x H
            new = torch.where(real[:, v : v + 1], new, torch.zeros_like(new))  # after the output: no node
            states = torch.cat([states, new.unsqueeze(1)], 1)  # B x (v+1) x H
            states, terms = self._teacher_edges(rounds, states, adjacency[:, : v + 1, : v + 1])
            edge_terms = edge_terms + terms
        return type_nll, edge_terms

    def _teacher_edges(self, rounds: list[FoldedRound], states: Tensor, adjacency: Tensor) -> tuple[Tensor, Tensor]:
        """The edge decisions of the newest node ``v`` under teacher forcing.

        Args:
            rounds: the decoder's folded rounds.
            states: ``B x (v+1) x H``, the new node last (zero in graphs already ended).
            adjacency: ``B x (v+1) x (v+1)``, the true edges among these nodes.
        Returns:
            The states after the last decision and the summed add-edge BCE plus selection NLL.
        """
        v = states.shape[1] - 1
        into = adjacency[:, :v, v]  # B x v: true inputs of the new node
        count = into.sum(1)  # B: m, its number of inputs
        rank = (into.flip(1).cumsum(1).flip(1) - 1) * into  # B x v: 0 for the latest input, 1 the next ...
        earlier = adjacency.clone()
        earlier[:, :, v] = 0  # the edges into the earlier nodes
        terms = torch.zeros((), dtype=_at_least_fp32(states).dtype, device=states.device)
        decisions = int(count.max().item()) + 1  # m + 1 add decisions in graph b
        for step in range(decisions):
            deciding = count >= step  # B: graphs still deciding
            known = earlier.clone()
            known[:, :v, v] = into * (rank < step)  # the inputs added so far
            states = self.propagate(rounds, states, known, deciding)
            new_state = states[:, v]  # B x H
            add_logit = _at_least_fp32(self.add_edge(torch.cat([self.readout(states), new_state], -1)).squeeze(-1))
            add_bce = F.binary_cross_entropy_with_logits(add_logit, (count > step).to(add_logit.dtype),
                                                         reduction="none")  # B
            terms = terms + (add_bce * deciding).sum()
            if step < decisions - 1:
                chosen = into * (rank == step)  # B x v: the input added at this step (none once done)
                select_logits = self.selection_logits(states[:, :v], new_state)  # B x v
                terms = terms - (F.log_softmax(select_logits, -1) * chosen).sum()
        return states, terms

    def selection_logits(self, earlier_states: Tensor, new_state: Tensor) -> Tensor:
        """``w_s [h_u, h_new] + b`` for every earlier node ``u``: ``earlier_states``
        ``B x v x H``, ``new_state`` ``B x H``. Returns ``B x v`` (at least fp32)."""
        pairs = torch.cat([earlier_states, new_state.unsqueeze(1).expand_as(earlier_states)], -1)  # B x v x 2H
        return _at_least_fp32(self.select_node(pairs).squeeze(-1))

    # ------------------------------------------------------------------ decoder
    @torch.no_grad()
    def decode(self, z: Tensor, stochastic: bool = True, generator: torch.Generator | None = None,
               compact: bool | None = None, constraints: DecodeConstraints | None = None) -> DecodedGraphs:
        """Decode latent points (``B x latent_dim``) as the reference: node by node, a type
        (drawn, or the most likely), then edge decisions (drawn, or ``p > 0.5``) and node
        selections (drawn, or the most likely) until a "no". ``compact`` is accepted for the
        same signature as D-VAE's and changes nothing. ``constraints`` mask as in D-VAE's
        decoder (see the module docstring). Returns :class:`DecodedGraphs` on the CPU."""
        return GMGDecoder(self, z, stochastic, generator, constraints).run()
