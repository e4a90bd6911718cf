"""GraphRNN (the D-VAE paper's ``SVAE_GraphRNN`` baseline) as dense, batched tensors, with the
same pluggable operation encoder (one-hot: GraphRNN; learned embedding: GraphRNN-EMB).

It is the S-VAE (:mod:`core.models.svae`, subclassed here) with an autoregressive two-level
decoder: the string, the encoder, the reparameterisation and the graph builder are the
S-VAE's. The maths is the reference's:

* String: row ``v - 1`` is node ``v`` (``v = 1 .. N-1``): ``[type features, b_0 .. b_{N-2}]``
  with ``b_j = 1`` for an edge ``j -> v``; padding rows are START with no edges.
* Encoder: S-VAE's GRU over the rows (both ways with ``bidirectional``).
* Graph-level decoder: a GRU started from ``ReLU(W z)``. Its input at row ``i`` is the
  string's row ``i - 1`` (a zero row first); an MLP on its output ``g_i`` gives row ``i``'s
  type logits.
* Edge-level decoder: a second GRU, input size 1, started from ``g_i``. Its input at column
  ``j`` is bit ``b_{j-1}`` of the same row (0 first); an MLP on its output gives the logit of
  ``b_j``. Every row has ``N - 1`` bits, also those from nodes ``j >= v`` (always 0 in data).
* Loss (teacher forcing: the true rows and bits are the inputs): type cross-entropy over
  every row plus edge BCE over every row and column, plus ``beta`` KL, summed over the batch.
* Decoding: row by row, a type (drawn, or the most likely), then the row's ``N - 1`` bits one
  by one, each drawn with its probability (or where above 0.5) and fed to the edge GRU; the
  decided row is the graph GRU's next input. The graph is built from the decided rows as
  S-VAE builds it: only bits ``j < v`` count, END (forced at the last row) closes the graph
  and connects its loose ends instead of its bits.

Deviations, on purpose:

* ``bidirectional`` makes the encoder GRU bidirectional only. The reference makes both decoder
  GRUs bidirectional too: under teacher forcing their backward direction reads the rows and
  bits it is asked to predict, and its decoding runs another recurrence (one-step sequences
  started from the unified output of both directions). The paper trained GraphRNN without
  ``--bidirectional``, i.e. with the causal decoder kept here for every setting.
* The encoder's bidirectional states: per graph, as S-VAE (the reference's ``view(B, -1)``
  mixes the graphs of a batch).
* ``stochastic=False``: the reference's ``decode`` always samples (and reads the samples
  greedily); here it takes the most likely type and the bits above 0.5 at every step and
  feeds those back.
* The reference keeps S-VAE's one-shot edge MLP as unused parameters; here it is dropped.
* Edge BCE from logits (the reference: sigmoid, then BCE with its log clamped at -100).
* ``constraints`` (opt-in, not in the reference) mask while deciding, so the rows fed back
  obey them. Edge candidates come in the row's order, the input node first, so under
  ``single_input`` the fallback edge (when none was drawn) is from the node just before.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from core.config import ModelConfig
from core.spaces.constraints import DecodeConstraints
from core.models.decoding import DecodedGraphs, choose_types
from core.models.dvae import _at_least_fp32
from core.models.svae import SVAE, _build_graphs


class GraphRNN(SVAE):
    """GraphRNN with a pluggable operation encoder (``ModelConfig.model = "graphrnn"``).

    Args:
        config: as :class:`SVAE`'s (``bidirectional`` shapes the encoder GRU only: the
            decoder runs forward).

    Shapes: as :class:`SVAE`.

    Example:
        >>> model = GraphRNN(ModelConfig(num_node_types=8, max_nodes=8, model="graphrnn"))
        >>> mu, logvar = model.encode(op_ids, adjacency, num_nodes)
        >>> graphs = model.decode(mu, stochastic=False)
    """

    def __init__(self, config: ModelConfig):
        super().__init__(config)
        N, H = config.max_nodes, config.hidden_dim
        row_dim = self.op_encoder.output_dim + N - 1
        self.decoder_gru = nn.GRU(row_dim, H, batch_first=True)  # graph level: one step per row
        self.edge_gru = nn.GRU(1, H, batch_first=True)  # edge level: one step per bit of a row
        self.add_edge = nn.Sequential(nn.Linear(H, H), nn.ReLU(), nn.Linear(H, 1))
        self.add_edges = None  # S-VAE's one-shot edge MLP: not used

    def string_rows(self, types: Tensor, edges: Tensor) -> Tensor:
        """The string's rows ``B x R x (E + N-1)`` from types ``B x R`` and bits ``B x R x (N-1)``."""
        features = F.embedding(types, self.op_encoder.table())  # B x R x E
        return torch.cat([features, edges.to(features.dtype)], -1)

    def scores(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """Not defined: GraphRNN's scores depend on the rows fed back (see
        :meth:`teacher_forced_scores` and :meth:`decode`)."""
        raise NotImplementedError("GraphRNN scores need the rows fed back: use teacher_forced_scores or decode")

    def teacher_forced_scores(self, z: Tensor, types: Tensor, edges: Tensor) -> tuple[Tensor, Tensor]:
        """Type logits ``B x (N-1) x T`` and edge logits ``B x (N-1) x (N-1)`` of every row,
        the true string (types ``B x (N-1)``, bits ``B x (N-1) x (N-1)``) fed as the inputs: what
        the loss reads (:meth:`SVAE.reconstruction_terms`)."""
        B, rows, H = edges.shape[0], edges.shape[1], self.config.hidden_dim
        string = self.string_rows(types, edges)  # B x (N-1) x (E + N-1)
        inputs = torch.cat([torch.zeros_like(string[:, :1]), string[:, :-1]], 1)  # shifted: a zero row first
        start = torch.relu(self.fc_init(z)).unsqueeze(0)  # 1 x B x H
        graph_states, _ = self.decoder_gru(inputs, start)  # B x (N-1) x H
        bits = edges.to(graph_states.dtype)
        edge_inputs = torch.cat([torch.zeros_like(bits[:, :, :1]), bits[:, :, :-1]], 2)  # B x (N-1) x (N-1)
        edge_states, _ = self.edge_gru(edge_inputs.reshape(B * rows, rows, 1),
                                       graph_states.reshape(1, B * rows, H))  # (B (N-1)) x (N-1) x H
        edge_logits = self.add_edge(edge_states).reshape(B, rows, rows)
        return self.add_vertex(graph_states), edge_logits

    # ------------------------------------------------------------------ decoder
    @torch.no_grad()
    def decode(self, z: Tensor, stochastic: bool = True, generator: torch.Generator | None = None,
               compact: bool | None = None, constraints: DecodeConstraints | None = None) -> DecodedGraphs:
        """Decode latent points (``B x latent_dim``) row by row, each decision fed back (see the
        module docstring). ``compact`` is accepted for the same signature as D-VAE's and changes
        nothing. ``constraints`` mask as in D-VAE's decoder. Returns :class:`DecodedGraphs` on
        the CPU."""
        types, bits = self.generate_rows(z, stochastic, generator, constraints)
        # the decisions as S-VAE scores read greedily: a one-hot type "logit", 0/1 edge "probabilities"
        one_hot = F.one_hot(types, self.config.num_node_types).float()
        return _build_graphs(one_hot, bits.float(), False, None, None)

    def generate_rows(self, z: Tensor, stochastic: bool, generator: torch.Generator | None,
                      constraints: DecodeConstraints | None) -> tuple[Tensor, Tensor]:
        """The decided string of every latent point: types ``B x (N-1)`` and bits
        ``B x (N-1) x (N-1)`` (bool), every row decided for the whole batch."""
        B, N = z.shape[0], self.config.max_nodes
        table = self.op_encoder.table()  # T x E
        row = torch.zeros(B, 1, table.shape[1] + N - 1, dtype=table.dtype, device=z.device)  # B x 1 x (E + N-1)
        hidden = torch.relu(self.fc_init(z)).unsqueeze(0)  # 1 x B x H
        all_types, all_bits = [], []
        for position in range(1, N):
            state, hidden = self.decoder_gru(row, hidden)  # B x 1 x H
            type_logits = _at_least_fp32(self.add_vertex(state[:, 0]))  # B x T
            types = choose_types(type_logits, position, stochastic, generator, constraints)  # B
            bits = self._decide_bits(hidden, position, stochastic, generator, constraints)  # B x (N-1)
            row = torch.cat([table[types], bits.to(table.dtype)], -1).unsqueeze(1)
            all_types.append(types)
            all_bits.append(bits)
        return torch.stack(all_types, 1), torch.stack(all_bits, 1)

    def _decide_bits(self, graph_state: Tensor, position: int, stochastic: bool, generator: torch.Generator | None,
                     constraints: DecodeConstraints | None) -> Tensor:
        """The bits ``b_0 .. b_{N-2}`` of the row of node ``position``, one column at a time
        (``graph_state``: ``1 x B x H``, the edge GRU's start). Returns ``B x (N-1)`` bool."""
        B, columns = graph_state.shape[1], self.config.max_nodes - 1
        hidden = graph_state
        bit = torch.zeros(B, 1, 1, dtype=graph_state.dtype, device=graph_state.device)
        has_input = torch.zeros(B, dtype=torch.bool, device=graph_state.device)
        bits = []
        for column in range(columns):
            output, hidden = self.edge_gru(bit, hidden)  # B x 1 x H
            probs = torch.sigmoid(_at_least_fp32(self.add_edge(output[:, 0])))[:, 0]  # B
            if stochastic:
                edge = torch.rand(B, generator=generator, device=probs.device) < probs
            else:
                edge = probs > 0.5
            if constraints is not None and column < position:
                edge, has_input = _constrain_edge(edge, has_input, column, position, constraints)
            bits.append(edge)
            bit = edge.to(output.dtype).view(B, 1, 1)
        return torch.stack(bits, 1)


def _constrain_edge(edge: Tensor, has_input: Tensor, column: int, position: int,
                    constraints: DecodeConstraints) -> tuple[Tensor, Tensor]:
    """The edge ``column -> position`` (``B`` bool) under the rules, candidates in ascending
    order; ``has_input`` (``B``): an earlier candidate was taken. Returns both updated."""
    last = column == position - 1  # the last candidate: the node just before
    if constraints.single_input:
        if last:
            edge = ~has_input  # the fallback: taken when no earlier edge was
        elif constraints.chain:
            edge = torch.zeros_like(edge)  # the one input must be the chain's
        else:
            edge = edge & ~has_input
        return edge, has_input | edge
    if constraints.chain and last:
        edge = torch.ones_like(edge)
    return edge, has_input
