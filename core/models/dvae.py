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

DVAE_BN, the reference's model for Bayesian networks, is three options of this class
(``core.config.DVAE_BN_OPTIONS``, on for new bn-asia runs), not another class:
``messages="type"``: a node sends the gated message of its type's features, not of its state
(encoder and decoder), so an encoder direction is one batched GRU call
(:meth:`DVAE._propagate_types`); ``graph_state="sum"``: the encoder sums the states of the
nodes between input and output, the decoder's type MLP reads the sum of every state so far;
``edge_reads_initial``: the edge MLP reads ``[h_k, h_v, h0]`` (type messages cut ``z`` off
after the input node). The reference narrows that MLP to ``3H -> H -> 1``; it keeps D-VAE's
``4H`` here, so one edge path serves both.

Where the parts live: the GRU step and the gated message in
:mod:`core.models.message_passing`, decoding (:class:`DecodedGraphs`, its CPU and CUDA paths)
in :mod:`core.models.decoding`, the operation encoder in :mod:`core.models.op_encoder`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from core.config import ModelConfig, uses_bn_options
from core.spaces.constraints import DecodeConstraints
from core.models.decoding import DecodedGraphs, GraphDecoder
from core.models.deferred_weight import DeferredWeight
from core.models.message_passing import GatedMessage, TypeMessage, gru_cell, gru_from_zero
from core.models.op_encoder import OpEncoder, make_op_encoder


@dataclass
class LossParts:
    """Summed over the batch. ``loss = type_nll + edge_bce + beta * kld``."""

    loss: Tensor
    type_nll: Tensor
    edge_bce: Tensor
    kld: Tensor


class VariationalModel(nn.Module):
    """What every model of the project shares around its own ``encode`` and
    ``reconstruction_terms``: the reparameterised sample and the loss (:func:`variational_loss`).
    It holds no parameters."""

    def reparameterize(self, mu: Tensor, logvar: Tensor, eps_scale: float = 0.01,
                       generator: torch.Generator | None = None) -> Tensor:
        """``z = mu + eps_scale * eps * std`` (the reference's small training noise)."""
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        return mu + eps_scale * eps * torch.exp(0.5 * logvar)

    def loss(self, op_ids: Tensor, adjacency: Tensor, num_nodes: Tensor, beta: float = 0.005,
             eps_scale: float = 0.01, generator: torch.Generator | None = None) -> LossParts:
        """Encode, sample ``z`` and return the loss parts (sums over the batch)."""
        return variational_loss(self, op_ids, adjacency, num_nodes, beta, eps_scale, generator)


class DVAE(VariationalModel):
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
        self.type_messages = config.messages == "type"  # nodes send their types' messages (DVAE_BN), not states'
        T, H, Z = config.num_node_types, config.hidden_dim, config.latent_dim
        self.op_encoder: OpEncoder = make_op_encoder(config.encoding, T, config.embedding_dim)
        self._build_encoder()  # and message_forward, shared with the decoder
        self.fc_mu = nn.Linear(H, Z)
        self.fc_logvar = nn.Linear(H, Z)
        # decoding
        self.fc_init = nn.Linear(Z, H)
        self.decoder = nn.GRUCell(self.op_encoder.output_dim, H)
        self.add_vertex = nn.Sequential(nn.Linear(H, 2 * H), nn.ReLU(), nn.Linear(2 * H, T))
        edge_inputs = 3 if config.edge_reads_initial else 2  # [h_k, h_v] (D-VAE) or [h_k, h_v, h0] (DVAE_BN)
        self.add_edge = nn.Sequential(nn.Linear(edge_inputs * H, 4 * H), nn.ReLU(), nn.Linear(4 * H, 1))
        if type(self) is not DVAE and uses_bn_options(config):
            raise ValueError(f"{type(self).__name__}: messages, graph_state and edge_reads_initial are options of "
                             "--model dvae only")

    # what a node with a final state sends on, built as ``message_class(H, N, vertex_ids)``:
    # D-VAE's gated message, or (DVAEAtt) an attention value and score
    message_class: type[nn.Module] = GatedMessage

    def _build_encoder(self) -> None:
        """The encoder's modules and the forward message (shared with the decoder), in the
        order that fixes their seeded initial weights."""
        config = self.config
        N, H, E = config.max_nodes, config.hidden_dim, self.op_encoder.output_dim
        self.encoder_forward = nn.GRUCell(E, H)
        self.encoder_backward = nn.GRUCell(E, H) if config.bidirectional else None
        make_message = (lambda: TypeMessage(E, H, N, config.vertex_ids)) if self.type_messages else (
            lambda: self.message_class(H, N, config.vertex_ids))  # DVAE_BN's type messages, or message_class
        self.message_forward = make_message()  # shared with the decoder
        self.message_backward = make_message() if config.bidirectional else None
        self.graph_unify = nn.Linear(2 * H, H) if config.bidirectional else None

    # ------------------------------------------------------------------ helpers
    @property
    def sums_decoder_states(self) -> bool:
        """The decoder's graph state, from which the next node's type is predicted: the last
        node's state (D-VAE), or the sum of every node's state so far (``graph_state="sum"``,
        DVAE_BN; :class:`~core.models.gcn_dvae.GCNDVAE` always sums, as its reference)."""
        return self.config.graph_state == "sum"

    def type_graph_states(self, node_states: Tensor) -> Tensor:
        """``B x N x H`` final decoder states -> ``B x (N-1) x H``: row ``v`` is the graph
        state from which node ``v + 1``'s type is predicted."""
        if self.sums_decoder_states:
            return node_states.cumsum(1)[:, :-1]
        return node_states[:, :-1]

    def input_gates(self, cell: nn.GRUCell) -> Tensor:
        """``T x 3H``: the GRU input transform of every node type."""
        return F.linear(self.op_encoder.table(), cell.weight_ih, cell.bias_ih)

    def edge_first_layer(self) -> tuple[Tensor, Tensor, Tensor]:
        """Split the edge MLP's first layer: ``W_a`` (earlier node), ``W_b`` (new node), bias
        (``W_c``, on ``h0``, is :meth:`initial_edge_part`)."""
        H = self.config.hidden_dim
        layer = self.add_edge[0]
        return layer.weight[:, :H], layer.weight[:, H : 2 * H], layer.bias

    def initial_edge_part(self, h0: Tensor) -> Tensor | None:
        """``W_c h0`` (``B x 4H``), the edge MLP's first layer on ``h0`` (``B x H``), where it
        reads ``h0`` (``edge_reads_initial``); else ``None``."""
        if not self.config.edge_reads_initial:
            return None
        H = self.config.hidden_dim
        return F.linear(h0, self.add_edge[0].weight[:, 2 * H :])

    def edge_logits(self, first_earlier: Tensor, projected_new: Tensor) -> Tensor:
        """Edge logit from ``W_a h_k + b`` and ``W_b h_new`` (each ``... x 4H``)."""
        hidden = torch.relu(first_earlier + projected_new)  # ... x 4H
        return self.add_edge[2](hidden).squeeze(-1)

    # ------------------------------------------------------------------ encoder
    def _propagate(self, cell: nn.GRUCell, message: GatedMessage, op_ids: Tensor, adjacency: Tensor,
                   reverse: bool) -> list[Tensor]:
        """Run one encoder direction. Returns the ``N`` node states, each ``B x H``."""
        B, N = op_ids.shape
        gates = F.embedding(op_ids, self.input_gates(cell))  # B x N x 3H
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

    def _propagate_types(self, cell: nn.GRUCell, message: TypeMessage, op_ids: Tensor, adjacency: Tensor,
                         reverse: bool) -> Tensor:
        """One encoder direction with type messages (DVAE_BN): every node at once, since no
        state feeds another. Returns the node states, ``B x N x H``."""
        gates = F.embedding(op_ids, self.input_gates(cell))  # B x N x 3H
        messages = message.of_nodes(message.type_projection(self.op_encoder.table()), op_ids)  # B x N x H
        links = adjacency if reverse else adjacency.transpose(1, 2)  # B x N x N: row v reads its successors / parents
        incoming = torch.bmm(links.to(messages.dtype), messages)  # B x N x H
        return gru_cell(gates, incoming, cell.weight_hh, cell.bias_hh)

    def _direction(self, reverse: bool, op_ids: Tensor, adjacency: Tensor) -> Tensor:
        """The node states of one encoder direction, ``B x N x H``."""
        cell, message = ((self.encoder_backward, self.message_backward) if reverse
                         else (self.encoder_forward, self.message_forward))
        if self.type_messages:
            return self._propagate_types(cell, message, op_ids, adjacency, reverse)
        return torch.stack(self._propagate(cell, message, op_ids, adjacency, reverse), 1)

    def _graph_state(self, states: Tensor, num_nodes: Tensor, reverse: bool) -> Tensor:
        """``B x N x H`` node states of one direction -> ``B x H``: the sum over the nodes
        between input and output (``graph_state="sum"``), else the output node's forward
        state or the input node's backward state (D-VAE)."""
        if self.config.graph_state == "sum":
            position = torch.arange(states.shape[1], device=states.device)
            inner = (position >= 1) & (position < (num_nodes - 1).unsqueeze(1))  # B x N
            return (states * inner.unsqueeze(-1).to(states.dtype)).sum(1)
        if reverse:
            return states[:, 0]
        last = (num_nodes - 1).view(-1, 1, 1).expand(-1, 1, states.shape[-1])  # B x 1 x H
        return states.gather(1, last).squeeze(1)

    def encode(self, op_ids: Tensor, adjacency: Tensor, num_nodes: Tensor) -> tuple[Tensor, Tensor]:
        """Encode a dense batch. Returns ``mu`` and ``logvar``, each ``B x latent_dim``."""
        graph_state = self._graph_state(self._direction(False, op_ids, adjacency), num_nodes, reverse=False)  # B x H
        if self.config.bidirectional:
            backward = self._graph_state(self._direction(True, op_ids, adjacency), num_nodes, reverse=True)
            graph_state = self.graph_unify(torch.cat([graph_state, backward], -1))  # B x H
        return self.fc_mu(graph_state), self.fc_logvar(graph_state)

    # ------------------------------------------------------------------ loss
    def reconstruction_terms(self, z: Tensor, op_ids: Tensor, adjacency: Tensor,
                             num_nodes: Tensor) -> tuple[Tensor, Tensor]:
        """Teacher-forced type NLL and edge BCE, summed over real nodes of the batch."""
        B, N = op_ids.shape
        H = self.config.hidden_dim
        table = self.input_gates(self.decoder)  # T x 3H
        gates = F.embedding(op_ids, table)  # B x N x 3H
        weight_hh, bias_hh = DeferredWeight(self.decoder.weight_hh), self.decoder.bias_hh
        # a new node's state before any edge comes in depends on its type alone
        zero_table = gru_from_zero(table, bias_hh)  # T x H
        send = self._teacher_forced_messages(op_ids)

        h0 = torch.tanh(self.fc_init(z))  # B x H
        state = gru_cell(gates[:, 0], h0, weight_hh, bias_hh)
        states = [state]
        messages = [send(state, 0)]
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
            messages.append(send(state, v))

        # the new node's state scoring edge k -> v: one of the E edge states, else its type's row of zero_table
        weight_new = self.edge_first_layer()[1]
        projected_new = torch.cat([F.linear(torch.cat(edge_states_all, 0), weight_new),
                                   F.linear(zero_table, weight_new)])  # (E + T) x 4H: W_b h_new
        from_type = torch.cat(pair_from_type, 1)  # B x P, pairs ordered by v then k
        rows = torch.cat(pair_rows, 1) + from_type * edge_offset  # B x P: types follow the E edge rows
        return self._teacher_forced_terms(torch.stack(states, 1), projected_new, rows, h0, op_ids, adjacency,
                                          num_nodes)

    def _teacher_forced_messages(self, op_ids: Tensor):
        """How a node sends under teacher forcing: ``(state B x H, position) -> B x H``, from
        its state (D-VAE) or, read from one table, its type (DVAE_BN)."""
        if self.type_messages:
            sent = self.message_forward.of_nodes(self.message_forward.type_projection(self.op_encoder.table()),
                                                 op_ids)  # B x N x H
            return lambda state, position: sent[:, position]
        message_weight = DeferredWeight(self.message_forward.state_weight())
        return lambda state, position: self.message_forward(state, position, message_weight)

    def _teacher_forced_terms(self, node_states: Tensor, projected_new: Tensor, rows: Tensor, h0: Tensor,
                              op_ids: Tensor, adjacency: Tensor, num_nodes: Tensor) -> tuple[Tensor, Tensor]:
        """Type NLL and edge BCE from the final decoder states (``B x N x H``) and, for every
        pair ``(k, v)``, the row (``rows``: ``B x P``) of ``projected_new`` (``R x 4H``) that is
        ``W_b`` of the new node's state when edge ``k -> v`` is scored."""
        B, N = op_ids.shape
        mask = torch.arange(N, device=op_ids.device).unsqueeze(0) < num_nodes.unsqueeze(1)  # B x N

        # types: node v's type is predicted from node v-1's final state
        type_logits = self.add_vertex(self.type_graph_states(node_states))  # B x (N-1) x T
        type_nll = F.cross_entropy(_at_least_fp32(type_logits).transpose(1, 2), op_ids[:, 1:], reduction="none")  # B x (N-1)
        type_nll = (type_nll * mask[:, 1:]).sum()

        # edges: every (k, v), k < v, in one pass
        pair_k, pair_v = _pair_index(N, op_ids.device)
        weight_earlier, _, bias_first = self.edge_first_layer()
        first_earlier = F.linear(node_states, weight_earlier, bias_first)  # B x N x 4H
        initial = self.initial_edge_part(h0)  # B x 4H, or None
        if initial is not None:
            first_earlier = first_earlier + initial.unsqueeze(1)
        logits = self.edge_logits(first_earlier.index_select(1, pair_k),
                                  projected_new.index_select(0, rows.reshape(-1)).view(B, -1, projected_new.shape[-1]))  # B x P
        targets = adjacency[:, pair_k, pair_v]  # B x P
        edge_bce = F.binary_cross_entropy_with_logits(_at_least_fp32(logits), targets.to(_at_least_fp32(logits).dtype),
                                                      reduction="none")
        edge_bce = (edge_bce * mask[:, pair_v]).sum()
        return type_nll, edge_bce

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
        return GraphDecoder(self, z, stochastic, generator, compact, constraints).run()


def variational_loss(model, op_ids: Tensor, adjacency: Tensor, num_nodes: Tensor, beta: float,
                     eps_scale: float, generator: torch.Generator | None) -> LossParts:
    """The VAE loss of any of the project's models: encode (``mu``, ``logvar``: ``B x latent_dim``),
    sample ``z``, the model's own reconstruction terms, and ``beta`` times the KL divergence
    to ``N(0, I)``; every part summed over the batch."""
    mu, logvar = model.encode(op_ids, adjacency, num_nodes)
    z = model.reparameterize(mu, logvar, eps_scale, generator)
    type_nll, edge_bce = model.reconstruction_terms(z, op_ids, adjacency, num_nodes)
    mu, logvar = _at_least_fp32(mu), _at_least_fp32(logvar)
    kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
    return LossParts(type_nll + edge_bce + beta * kld, type_nll, edge_bce, kld)


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
