"""D-VAE (Zhang et al., NeurIPS 2019) as dense, batched tensors, with a pluggable operation
encoder (one-hot: D-VAE; learned embedding: DVAE-EMB, Chatzianastasis et al. 2021).

The mathematics is the reference's:

* Encoder: an asynchronous message-passing GRU over the nodes in topological order.
  Node ``v`` receives the gated sum of its predecessors' messages,
  ``sum_j A[j, v] * sigmoid(W_g [h_j, e_j] + b_g) * (W_m [h_j, e_j])`` where ``e_j`` is
  the one-hot position of ``j`` (vertex ids), and updates ``h_v = GRU(x_v, that sum)``.
  A backward GRU does the same over successors. The graph state is the last node's forward
  state (concatenated with the input node's backward state and mapped back to ``H``).
* Decoder: ``h0 = tanh(W z)``; the input node's state is ``GRU(x_start, h0)``. Each new node
  takes its type from an MLP on the previous node's state; then for ``k = v-1 .. 0`` it
  scores the edge ``k -> v`` with an MLP on ``[h_k, h_v]``, where ``h_v`` is the new node's
  state given the edges from ``k+1 .. v-1`` already decided, and updates ``h_v`` after each
  decision.
* Loss (teacher forcing): type NLL + edge BCE + ``beta`` KL, summed over the batch.

What makes it fast without changing the maths:

* The batch is dense (``B x N`` op ids, ``B x N x N`` adjacency): loops run over node
  positions only, never over graphs.
* Gathers use ``index_select`` / ``embedding``, whose backward (``index_add``) is 4-10x
  faster on the CPU than that of advanced indexing (``index_put`` with accumulation).
* Each recurrent weight's gradient is one GEMM over all node positions
  (:mod:`core.models.deferred_weight`) instead of one small GEMM and one addition per position.
* The GRU input transform of a node depends only on its type, so it is a ``T x 3H`` table.
* A node's message is computed once, when its state is final; gate and mapper share one GEMM.
* A GRU step from a zero state needs no GEMM (``W_hh 0 = 0``): the first node of each encoder
  direction, and every new node before its first edge in decoding and teacher forcing. Under
  teacher forcing that state depends on the node's type alone, so it and its edge-MLP
  projection are ``T``-row tables.
* Under teacher forcing, the states used to score the edges into ``v`` are
  ``GRU(x_v, S_k)`` with ``S_k`` the suffix sums of true-edge messages, so all of them come
  from one batched GRU call per node.
* The edge MLP's first layer splits as ``W_a h_k + W_b h_v``: ``W_a h_k`` is computed once
  per node, and every (k, v) pair is scored in one pass after the node loop (edge scores
  never feed back into the recurrence under teacher forcing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..config import ModelConfig
from ..spaces.base import END_TYPE, PAD_TYPE, START_TYPE
from ..spaces.constraints import DecodeConstraints
from .deferred_weight import DeferredWeight
from .op_encoder import OpEncoder, make_op_encoder


@dataclass
class DecodedGraphs:
    """Graphs produced by :meth:`DVAE.decode`, as numpy arrays.

    Shapes:
        op_ids: ``B x N`` int64 node types, ``PAD_TYPE`` after the output node.
        adjacency: ``B x N x N`` uint8, ``adjacency[b, i, j] = 1`` for an edge ``i -> j``.
        num_nodes: ``B`` int64.
    """

    op_ids: np.ndarray
    adjacency: np.ndarray
    num_nodes: np.ndarray

    def __len__(self) -> int:
        return len(self.num_nodes)

    def __getitem__(self, index) -> "DecodedGraphs":
        return DecodedGraphs(self.op_ids[index], self.adjacency[index], self.num_nodes[index])

    @staticmethod
    def concat(parts: list["DecodedGraphs"]) -> "DecodedGraphs":
        return DecodedGraphs(
            np.concatenate([p.op_ids for p in parts]),
            np.concatenate([p.adjacency for p in parts]),
            np.concatenate([p.num_nodes for p in parts]),
        )


@dataclass
class LossParts:
    """Summed over the batch. ``loss = type_nll + edge_bce + beta * kld``."""

    loss: Tensor
    type_nll: Tensor
    edge_bce: Tensor
    kld: Tensor


def gru_cell(input_gates: Tensor, hidden: Tensor, weight_hh: Tensor | DeferredWeight, bias_hh: Tensor) -> Tensor:
    """``nn.GRUCell`` with the input transform precomputed.

    Args:
        input_gates: ``... x 3H``, ``W_ih x + b_ih`` (gate order r, z, n as PyTorch).
        hidden: ``... x H``.
        weight_hh: ``3H x H``, or a :class:`DeferredWeight` around it (training recurrences).
    Returns:
        ``... x H``, the new hidden state.
    """
    if isinstance(weight_hh, DeferredWeight):
        hidden_gates = weight_hh.linear(hidden, bias_hh)  # ... x 3H
    else:
        hidden_gates = F.linear(hidden, weight_hh, bias_hh)  # ... x 3H
    return gru_update(input_gates, hidden_gates, hidden)


def gru_from_zero(input_gates: Tensor, bias_hh: Tensor) -> Tensor:
    """``gru_cell(input_gates, 0, W_hh, b_hh)`` without the GEMM: ``W_hh 0 + b_hh = b_hh``.
    ``b_hh`` takes the dtype of ``input_gates``, as the GEMM's output would under autocast.
    Returns ``... x H``."""
    hidden = input_gates.new_zeros(*input_gates.shape[:-1], input_gates.shape[-1] // 3)
    return gru_update(input_gates, bias_hh.to(input_gates.dtype).expand_as(input_gates), hidden)


def gru_update(input_gates: Tensor, hidden_gates: Tensor, hidden: Tensor) -> Tensor:
    """The GRU's gate arithmetic from ``W_ih x + b_ih`` and ``W_hh h + b_hh`` (each ``... x 3H``)
    and ``h`` (``... x H``). With ``h = 0`` the hidden transform is just ``b_hh``: no GEMM."""
    in_r, in_z, in_n = input_gates.chunk(3, -1)
    hid_r, hid_z, hid_n = hidden_gates.chunk(3, -1)
    reset = torch.sigmoid(in_r + hid_r)
    update = torch.sigmoid(in_z + hid_z)
    candidate = torch.tanh(in_n + reset * hid_n)
    return candidate + update * (hidden - candidate)


class GatedMessage(nn.Module):
    """``sigmoid(W_g [h, e_v] + b_g) * (W_m [h, e_v])``: the message a node sends on.

    Gate and mapper share one ``2H x (H + N)`` weight, so one GEMM computes both. The
    mapper has no bias, so a zero state with no vertex id maps to a zero message.
    The vertex-id part ``W [0, e_v]`` is a column of the weight, added instead of
    concatenating a one-hot vector.
    """

    def __init__(self, hidden_dim: int, max_nodes: int, vertex_ids: bool):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.vertex_ids = vertex_ids
        in_dim = hidden_dim + (max_nodes if vertex_ids else 0)
        gate = nn.Linear(in_dim, hidden_dim)
        mapper = nn.Linear(in_dim, hidden_dim, bias=False)
        self.weight = nn.Parameter(torch.cat([gate.weight.data, mapper.weight.data], 0))  # 2H x (H+N)
        self.bias = nn.Parameter(gate.bias.data.clone())  # H

    def state_weight(self) -> Tensor:
        """``2H x H``: the part of the weight applied to the state (gate rows, then mapper)."""
        return self.weight[:, : self.hidden_dim]

    def forward(self, hidden: Tensor, position: int, shared: DeferredWeight | None = None) -> Tensor:
        """``hidden``: ``B x H`` states of nodes at ``position``; ``shared``: a
        :class:`DeferredWeight` around :meth:`state_weight` (training recurrences). Returns ``B x H``."""
        projected = shared.linear(hidden) if shared is not None else F.linear(hidden, self.state_weight())
        return self.from_projection(projected, position)

    def from_projection(self, projected: Tensor, position: int) -> Tensor:
        """The message from ``projected = hidden @ state_weight().T`` (``B x 2H``), e.g. a
        slice of a larger GEMM that shares ``hidden``. Returns ``B x H``."""
        H = self.hidden_dim
        if self.vertex_ids:
            projected = projected + self.weight[:, H + position]
        gate = torch.sigmoid(projected[:, :H] + self.bias)
        return gate * projected[:, H:]


class DVAE(nn.Module):
    """The D-VAE with a pluggable operation encoder.

    Args:
        config: the model configuration (``encoding`` picks one-hot or learned).

    Shapes:
        op_ids: ``B x N`` long (padding positions hold any valid type; ``node_mask`` hides them).
        adjacency: ``B x N x N`` float, ``adjacency[b, i, j] = 1`` for ``i -> j`` (``i < j``).
        num_nodes: ``B`` long.
        z, mu, logvar: ``B x latent_dim``.

    Example:
        >>> model = DVAE(ModelConfig(num_node_types=8, max_nodes=8, hidden_dim=32, latent_dim=4))
        >>> mu, logvar = model.encode(op_ids, adjacency, num_nodes)
        >>> graphs = model.decode(mu, stochastic=False)
    """

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        T, N, H, Z = config.num_node_types, config.max_nodes, config.hidden_dim, config.latent_dim
        self.op_encoder: OpEncoder = make_op_encoder(config.encoding, T, config.embedding_dim)
        E = self.op_encoder.output_dim
        # encoding
        self.encoder_forward = nn.GRUCell(E, H)
        self.encoder_backward = nn.GRUCell(E, H) if config.bidirectional else None
        self.message_forward = GatedMessage(H, N, config.vertex_ids)  # shared with the decoder
        self.message_backward = GatedMessage(H, N, config.vertex_ids) if config.bidirectional else None
        self.graph_unify = nn.Linear(2 * H, H) if config.bidirectional else None
        self.fc_mu = nn.Linear(H, Z)
        self.fc_logvar = nn.Linear(H, Z)
        # decoding
        self.fc_init = nn.Linear(Z, H)
        self.decoder = nn.GRUCell(E, H)
        self.add_vertex = nn.Sequential(nn.Linear(H, 2 * H), nn.ReLU(), nn.Linear(2 * H, T))
        self.add_edge = nn.Sequential(nn.Linear(2 * H, 4 * H), nn.ReLU(), nn.Linear(4 * H, 1))

    # ------------------------------------------------------------------ helpers
    def _input_gates(self, cell: nn.GRUCell) -> Tensor:
        """``T x 3H``: the GRU input transform of every node type."""
        return F.linear(self.op_encoder.table(), cell.weight_ih, cell.bias_ih)

    def _edge_first_layer(self) -> tuple[Tensor, Tensor, Tensor]:
        """Split the edge MLP's first layer: ``W_a`` (earlier node), ``W_b`` (new node), bias."""
        H = self.config.hidden_dim
        layer = self.add_edge[0]
        return layer.weight[:, :H], layer.weight[:, H:], layer.bias

    def _edge_logits(self, first_earlier: Tensor, projected_new: Tensor) -> Tensor:
        """Edge logit from ``W_a h_k + b`` and ``W_b h_new`` (each ``... x 4H``)."""
        hidden = torch.relu(first_earlier + projected_new)  # ... x 4H
        return self.add_edge[2](hidden).squeeze(-1)

    # ------------------------------------------------------------------ encoder
    def _propagate(self, cell: nn.GRUCell, message: GatedMessage, op_ids: Tensor, adjacency: Tensor,
                   reverse: bool) -> list[Tensor]:
        """Run one encoder direction. Returns the ``N`` node states, each ``B x H``."""
        B, N = op_ids.shape
        gates = F.embedding(op_ids, self._input_gates(cell))  # B x N x 3H
        weight_hh, message_weight = DeferredWeight(cell.weight_hh), DeferredWeight(message.state_weight())
        order = range(N - 1, -1, -1) if reverse else range(N)
        states: list[Tensor | None] = [None] * N
        messages: list[Tensor] = []  # in visiting order
        visited: list[int] = []
        for v in order:
            if visited:
                # predecessors (forward) or successors (backward) already visited
                weights = adjacency[:, v, visited] if reverse else adjacency[:, visited, v]  # B x V
                incoming = torch.bmm(weights.unsqueeze(1), torch.stack(messages, 1)).squeeze(1)  # B x H
                state = gru_cell(gates[:, v], incoming, weight_hh, cell.bias_hh)
            else:  # nothing comes in: W_hh 0 = 0, no GEMM
                state = gru_from_zero(gates[:, v], cell.bias_hh)
            states[v] = state
            messages.append(message(state, v, message_weight))
            visited.append(v)
        return states  # type: ignore[return-value]

    def encode(self, op_ids: Tensor, adjacency: Tensor, num_nodes: Tensor) -> tuple[Tensor, Tensor]:
        """Encode a dense batch. Returns ``mu`` and ``logvar``, each ``B x latent_dim``."""
        forward_list = self._propagate(self.encoder_forward, self.message_forward, op_ids, adjacency, reverse=False)
        forward_states = torch.stack(forward_list, 1)  # B x N x H
        last = (num_nodes - 1).view(-1, 1, 1).expand(-1, 1, forward_states.shape[-1])  # B x 1 x H
        graph_state = forward_states.gather(1, last).squeeze(1)  # B x H: the output node's state
        if self.config.bidirectional:
            backward_list = self._propagate(self.encoder_backward, self.message_backward, op_ids, adjacency,
                                            reverse=True)
            graph_state = self.graph_unify(torch.cat([graph_state, backward_list[0]], -1))  # B x H
        return self.fc_mu(graph_state), self.fc_logvar(graph_state)

    def reparameterize(self, mu: Tensor, logvar: Tensor, eps_scale: float = 0.01,
                       generator: torch.Generator | None = None) -> Tensor:
        """``z = mu + eps_scale * eps * std`` (the reference's small training noise)."""
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        return mu + eps_scale * eps * torch.exp(0.5 * logvar)

    # ------------------------------------------------------------------ loss
    def reconstruction_terms(self, z: Tensor, op_ids: Tensor, adjacency: Tensor,
                             num_nodes: Tensor) -> tuple[Tensor, Tensor]:
        """Teacher-forced type NLL and edge BCE, summed over real nodes of the batch."""
        B, N = op_ids.shape
        H = self.config.hidden_dim
        table = self._input_gates(self.decoder)  # T x 3H
        gates = F.embedding(op_ids, table)  # B x N x 3H
        weight_hh, bias_hh = DeferredWeight(self.decoder.weight_hh), self.decoder.bias_hh
        # a new node's state before any edge comes in depends on its type alone
        zero_table = gru_from_zero(table, bias_hh)  # T x H
        message_weight = DeferredWeight(self.message_forward.state_weight())
        weight_earlier, weight_new, bias_first = self._edge_first_layer()

        h0 = torch.tanh(self.fc_init(z))  # B x H
        state = gru_cell(gates[:, 0], h0, weight_hh, bias_hh)
        states = [state]
        messages = [self.message_forward(state, 0, message_weight)]
        edge_states_all = []  # per v: E_v x H, the new node's states after each true incoming edge
        pair_rows = []  # per v: B x v, the row scoring edge k -> v: edge state, or (after the loop) a type
        pair_from_type = []  # per v: B x v, True where that row is the state before any edge
        edge_offset = 0
        for v in range(1, N):
            contrib = adjacency[:, :v, v].unsqueeze(-1) * torch.stack(messages, 1)  # B x v x H
            suffix = contrib.flip(1).cumsum(1).flip(1)  # suffix[:, j] = S_{j-1} = sum_{i >= j} contrib_i
            # S_k only changes where a true edge enters: the GRU runs on those rows; the state
            # from S_{v-1} = 0 is the node type's row of zero_table
            edge_in = adjacency[:, :v, v] > 0  # B x v
            flat_edge = edge_in.reshape(-1)  # Bv
            edge_rows = flat_edge.nonzero().squeeze(1)  # E_v, graph-major
            edge_states = gru_cell(gates[:, v].index_select(0, edge_rows // v),
                                   suffix.reshape(-1, H).index_select(0, edge_rows), weight_hh, bias_hh)  # E_v x H
            zero_states = F.embedding(op_ids[:, v], zero_table)  # B x H
            packed = torch.cat([edge_states, zero_states])  # (E_v + B) x H
            # (b, j) reads S_{j-1}: the first true edge at or after j in graph b, else graph b's zero row
            edges_before = (torch.cumsum(flat_edge, 0) - flat_edge.long()).view(B, v)  # B x v
            edge_after = edge_in.flip(1).cumsum(1).flip(1) > 0  # B x v
            zero_row = edge_rows.numel() + torch.arange(B, device=op_ids.device).unsqueeze(1)  # B x 1
            row_of = torch.cat([torch.where(edge_after, edges_before, zero_row), zero_row], 1)  # B x (v+1)
            state = packed.index_select(0, row_of[:, 0])  # every true edge in: the node's final state
            local = row_of[:, 1:]  # B x v: S_k for k = 0 .. v-1
            from_type = local >= edge_rows.numel()
            pair_rows.append(torch.where(from_type, op_ids[:, v : v + 1].expand(-1, v), local + edge_offset))
            pair_from_type.append(from_type)
            edge_states_all.append(edge_states)
            edge_offset += edge_rows.numel()
            states.append(state)
            messages.append(self.message_forward(state, v, message_weight))

        node_states = torch.stack(states, 1)  # B x N x H
        mask = torch.arange(N, device=op_ids.device).unsqueeze(0) < num_nodes.unsqueeze(1)  # B x N

        # types: node v's type is predicted from node v-1's final state
        type_logits = self.add_vertex(node_states[:, :-1])  # B x (N-1) x T
        type_nll = F.cross_entropy(_at_least_fp32(type_logits).transpose(1, 2), op_ids[:, 1:], reduction="none")  # B x (N-1)
        type_nll = (type_nll * mask[:, 1:]).sum()

        # edges: every (k, v), k < v, in one pass
        pair_k, pair_v = _pair_index(N, op_ids.device)
        first_earlier = F.linear(node_states, weight_earlier, bias_first)  # B x N x 4H
        # W_b h_new: one GEMM over every edge state, and a T-row table for the states before any edge
        projected_new = torch.cat([F.linear(torch.cat(edge_states_all, 0), weight_new),
                                   F.linear(zero_table, weight_new)])  # (E + T) x 4H
        from_type = torch.cat(pair_from_type, 1)  # B x P, pairs ordered by v then k
        rows = torch.cat(pair_rows, 1) + from_type * edge_offset  # B x P: types follow the E edge rows
        logits = self._edge_logits(first_earlier.index_select(1, pair_k),
                                   projected_new.index_select(0, rows.reshape(-1)).view(B, -1, projected_new.shape[-1]))  # B x P
        targets = adjacency[:, pair_k, pair_v]  # B x P
        edge_bce = F.binary_cross_entropy_with_logits(_at_least_fp32(logits), targets.to(_at_least_fp32(logits).dtype),
                                                      reduction="none")
        edge_bce = (edge_bce * mask[:, pair_v]).sum()
        return type_nll, edge_bce

    def loss(self, op_ids: Tensor, adjacency: Tensor, num_nodes: Tensor, beta: float = 0.005,
             eps_scale: float = 0.01, generator: torch.Generator | None = None) -> LossParts:
        """Encode, sample ``z`` and return the teacher-forced loss parts (sums over the batch)."""
        mu, logvar = self.encode(op_ids, adjacency, num_nodes)
        z = self.reparameterize(mu, logvar, eps_scale, generator)
        type_nll, edge_bce = self.reconstruction_terms(z, op_ids, adjacency, num_nodes)
        mu, logvar = _at_least_fp32(mu), _at_least_fp32(logvar)
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return LossParts(type_nll + edge_bce + beta * kld, type_nll, edge_bce, kld)

    # ------------------------------------------------------------------ decoder
    @torch.no_grad()
    def decode(self, z: Tensor, stochastic: bool = True, generator: torch.Generator | None = None,
               compact: bool | None = None, constraints: DecodeConstraints | None = None) -> DecodedGraphs:
        """Decode latent points into graphs.

        Args:
            z: ``B x latent_dim``.
            stochastic: sample types and edges (``True``) or take the argmax / ``p > 0.5``.
            generator: random source for stochastic decoding, on ``z``'s device.
            compact: drop finished graphs from the batch as they end, and update a new node's
                state only in the rows whose edge was added (default: on the CPU; on CUDA
                both would need host synchronisations, so every row is computed and masked).
                Both give the same graphs; random draws are made for the whole batch either
                way, so a seeded stochastic decode does not depend on it.
            constraints: mask the choices a space forbids (opt-in, not the papers' protocol;
                see :mod:`core.spaces.constraints`). The random draws are the same as without.
        Returns:
            :class:`DecodedGraphs` on the CPU.
        """
        B = z.shape[0]
        N, H, T = self.config.max_nodes, self.config.hidden_dim, self.config.num_node_types
        device = z.device
        compact = device.type != "cuda" if compact is None else compact
        table = self._input_gates(self.decoder)  # T x 3H
        weight_hh, bias_hh = self.decoder.weight_hh, self.decoder.bias_hh
        weight_earlier, weight_new, bias_first = self._edge_first_layer()
        zero_table = gru_from_zero(table, bias_hh)  # T x H: a new node's state before any edge
        zero_projected = F.linear(zero_table, weight_new)  # T x 4H: its W_b h
        # a final state feeds its message (2H), the edge MLP as an earlier node (4H) and the
        # next node's type MLP (2H): one GEMM
        final_weight = torch.cat([self.message_forward.state_weight(), weight_earlier, self.add_vertex[0].weight])  # 8H x H

        def after_final(state: Tensor, position: int) -> tuple[Tensor, Tensor, Tensor]:
            """Message, ``W_a h + b`` and the type MLP's hidden layer of final states ``b x H``."""
            out = F.linear(state, final_weight)  # b x 8H
            message = self.message_forward.from_projection(out[:, : 2 * H], position)
            earlier = out[:, 2 * H : 6 * H] + bias_first
            type_hidden = torch.relu(out[:, 6 * H :] + self.add_vertex[0].bias)
            return message, earlier, type_hidden

        out_op_ids = torch.full((B, N), PAD_TYPE, dtype=torch.long, device=device)
        out_adjacency = torch.zeros(B, N, N, dtype=torch.bool, device=device)
        out_num_nodes = torch.full((B,), N, dtype=torch.long, device=device)
        rows = torch.arange(B, device=device)  # original index of each row still decoding
        op_ids, adjacency, num_nodes = out_op_ids.clone(), out_adjacency.clone(), out_num_nodes.clone()
        op_ids[:, 0] = START_TYPE
        finished = torch.zeros(B, dtype=torch.bool, device=device)

        def draw_as_positions_from(first: int) -> None:
            """Make the random draws that positions ``first .. N-1`` make for a full batch (a
            type draw except at the output node, one edge draw per earlier node), so skipping
            their work leaves the generator where the dense path leaves it."""
            if not stochastic:
                return
            for position in range(first, N):
                if position < N - 1:
                    torch.multinomial(torch.ones(B, T, device=device), 1, generator=generator)
                for _ in range(position):
                    torch.rand((B,), generator=generator, device=device)

        h0 = torch.tanh(self.fc_init(z))
        state = gru_cell(table[START_TYPE].expand(B, -1), h0, weight_hh, bias_hh)
        message, earlier, type_hidden = after_final(state, 0)
        messages, first_earlier = [message], [earlier]  # per node: rows x H, rows x 4H
        for v in range(1, N):
            live = rows.numel()
            if v == N - 1:
                new_types = torch.full((live,), END_TYPE, dtype=torch.long, device=device)
            else:
                type_logits = self.add_vertex[2](type_hidden).float()  # live x T
                if constraints is not None:
                    type_logits[:, START_TYPE] = -torch.inf
                    if v < constraints.min_nodes - 1:
                        type_logits[:, END_TYPE] = -torch.inf
                if stochastic:
                    probs = torch.softmax(type_logits, -1)
                    if live < B:  # finished rows draw too: the same random stream as a full batch
                        probs = torch.ones(B, T, dtype=probs.dtype, device=device).index_copy(0, rows, probs)
                    new_types = torch.multinomial(probs, 1, generator=generator).squeeze(1)
                    new_types = new_types[rows] if live < B else new_types
                else:
                    new_types = type_logits.argmax(-1)
            active = ~finished
            ends = active & (new_types == END_TYPE)
            op_ids[:, v] = torch.where(active, new_types, op_ids[:, v])
            # the output node connects every loose end (out-degree 0) among nodes 0 .. v-1
            loose = adjacency[:, :v, :v].sum(-1) == 0  # live x v
            adjacency[:, :v, v] |= loose & ends.unsqueeze(1)
            num_nodes = torch.where(ends, torch.full_like(num_nodes, v + 1), num_nodes)
            deciding = active & ~ends

            if v == N - 1:  # every graph ends here: nothing to decide, only random draws to keep
                draw_as_positions_from(v)
                finished = finished | ends
                break
            gates = table[new_types]  # live x 3H
            state = zero_table[new_types]  # live x H: no edge in yet, a function of the type alone
            incoming = torch.zeros_like(state)
            projected = zero_projected[new_types]  # live x 4H
            has_input = torch.zeros_like(deciding)  # live: an edge into v was drawn (single_input)
            for k in range(v - 1, -1, -1):
                prob = torch.sigmoid(self._edge_logits(first_earlier[k], projected).float())  # live
                if stochastic:
                    draws = torch.rand((B,), generator=generator, device=device)
                    edge = (draws[rows] if live < B else draws) < prob
                else:
                    edge = prob > 0.5
                if constraints is not None:
                    if constraints.chain and k == v - 1:
                        edge = torch.ones_like(edge)
                    if constraints.single_input:
                        edge = (edge & ~has_input) | (~has_input if k == 0 else torch.zeros_like(edge))
                        has_input = has_input | edge
                edge = edge & deciding
                adjacency[:, k, v] |= edge
                # the new node's state changes only where the edge was added
                if compact:
                    changed = edge.nonzero().squeeze(1)
                    if changed.numel():
                        incoming[changed] += messages[k][changed]
                        updated = gru_cell(gates[changed], incoming[changed], weight_hh, bias_hh)
                        state[changed] = updated
                        projected[changed] = F.linear(updated, weight_new)
                else:  # no host sync: update every row
                    incoming = incoming + edge.unsqueeze(1).to(incoming.dtype) * messages[k]
                    updated = gru_cell(gates, incoming, weight_hh, bias_hh)
                    state = torch.where(edge.unsqueeze(1), updated, state)
                    projected = torch.where(edge.unsqueeze(1), F.linear(updated, weight_new), projected)
            finished = finished | ends
            if compact and bool(finished.any()):  # hand finished graphs over, decode the rest
                out_op_ids[rows[finished]] = op_ids[finished]
                out_adjacency[rows[finished]] = adjacency[finished]
                out_num_nodes[rows[finished]] = num_nodes[finished]
                keep = ~finished
                rows, op_ids, adjacency, num_nodes = rows[keep], op_ids[keep], adjacency[keep], num_nodes[keep]
                state, finished = state[keep], finished[keep]
                messages = [m[keep] for m in messages]
                first_earlier = [e[keep] for e in first_earlier]
                if rows.numel() == 0:  # all done
                    draw_as_positions_from(v + 1)
                    break
            if v == N - 2:  # the next node is the output: its type is fixed and it decides no edges
                continue
            message, earlier, type_hidden = after_final(state, v)
            messages.append(message)
            first_earlier.append(earlier)
        out_op_ids[rows] = op_ids
        out_adjacency[rows] = adjacency
        out_num_nodes[rows] = num_nodes
        return DecodedGraphs(
            out_op_ids.cpu().numpy(), out_adjacency.to(torch.uint8).cpu().numpy(), out_num_nodes.cpu().numpy()
        )


def _at_least_fp32(tensor: Tensor) -> Tensor:
    """bf16 / fp16 values up-cast to fp32 for the loss; fp32 and fp64 unchanged."""
    return tensor.float() if tensor.dtype in (torch.bfloat16, torch.float16) else tensor


_PAIR_CACHE: dict[tuple[int, str], tuple[Tensor, Tensor]] = {}


def _pair_index(num_nodes: int, device: torch.device) -> tuple[Tensor, Tensor]:
    """Index of every pair ``(k, v)``, ``k < v``, ordered by ``v`` then ``k``. Each ``P``."""
    key = (num_nodes, str(device))
    if key not in _PAIR_CACHE:
        ks = [k for v in range(1, num_nodes) for k in range(v)]
        vs = [v for v in range(1, num_nodes) for _ in range(v)]
        _PAIR_CACHE[key] = (torch.tensor(ks, device=device), torch.tensor(vs, device=device))
    return _PAIR_CACHE[key]
