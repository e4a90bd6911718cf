"""Decoding latent points into graphs: the body of :meth:`DVAE.decode`.

A :class:`GraphDecoder` holds one call's state: the partial graphs of the batch and, for
every node already decided, its message and its part of the edge MLP. It adds one node
position at a time:

* the new node's type, from the type MLP on the previous node's final state
  (:meth:`GraphDecoder._choose_types`); END closes a graph and connects its loose ends;
* an edge from each earlier node, the latest first (:meth:`GraphDecoder._decide_edges`);
  after each added edge the new node's state is updated, either in the rows whose edge was
  added only (``compact``, the CPU path: :meth:`GraphDecoder._add_edge_compact`) or in
  every row, masked, with no host synchronisation (the CUDA path:
  :meth:`GraphDecoder._add_edge_dense`);
* with ``compact``, finished graphs leave the batch (:meth:`GraphDecoder._retire_finished`)
  and, once none is left, the random draws the remaining positions would have made are
  replayed (:meth:`GraphDecoder._replay_draws`).

Random draws are always made for the whole batch, so a seeded stochastic decode gives the
same graphs on either path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from core.spaces.base import END_TYPE, PAD_TYPE, START_TYPE
from core.spaces.constraints import DecodeConstraints
from core.models.message_passing import gru_cell, gru_from_zero

if TYPE_CHECKING:
    from core.models.dvae import DVAE


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


def mask_types(type_logits: Tensor, position: int, constraints: DecodeConstraints | None) -> Tensor:
    """The type logits (``B x T``) of the node at ``position`` (not the output node), in place
    under ``constraints``: START never, END not before ``min_nodes - 1``. Returns them."""
    if constraints is not None:
        type_logits[:, START_TYPE] = -torch.inf
        if position < constraints.min_nodes - 1:
            type_logits[:, END_TYPE] = -torch.inf
    return type_logits


def choose_types(type_logits: Tensor, position: int, stochastic: bool, generator: torch.Generator | None,
                 constraints: DecodeConstraints | None) -> Tensor:
    """The type of the node at ``position`` (not the output node) in every graph, ``B``, from
    its logits (``B x T``, masked in place, :func:`mask_types`): drawn (one draw per graph), or
    the most likely."""
    type_logits = mask_types(type_logits, position, constraints)
    if not stochastic:
        return type_logits.argmax(-1)
    return torch.multinomial(torch.softmax(type_logits, -1), 1, generator=generator).squeeze(1)


@dataclass
class NewNode:
    """The node added at one position while its incoming edges are decided, one row per graph
    still decoding (``L`` rows).

    Shapes:
        gates: ``L x 3H``, the GRU input transform of its type.
        state: ``L x H``, its state given the edges added so far.
        incoming: ``L x H``, the sum of the messages along those edges.
        projected: ``L x 4H``, ``W_b state``: its part of the edge MLP's first layer.
        has_input: ``L`` bool, an edge into it was drawn (the ``single_input`` constraint).
    """

    gates: Tensor
    state: Tensor
    incoming: Tensor
    projected: Tensor
    has_input: Tensor


class GraphDecoder:
    """One call of :meth:`DVAE.decode` (its arguments are documented there).

    Shapes:
        z: ``B x latent_dim``.
        rows: ``L``, the original index of each graph still decoding (``L = B`` unless
            ``compact`` dropped finished graphs).
        op_ids, adjacency, num_nodes: ``L x N``, ``L x N x N`` bool, ``L``: those graphs.
        messages, first_earlier: per decided node, ``L x H`` and ``L x 4H`` (``W_a h + b``).
    """

    def __init__(self, model: DVAE, z: Tensor, stochastic: bool, generator: torch.Generator | None,
                 compact: bool | None, constraints: DecodeConstraints | None):
        self.model, self.z = model, z
        self.stochastic, self.generator, self.constraints = stochastic, generator, constraints
        self.batch_size, self.device = z.shape[0], z.device
        self.max_nodes, self.num_types = model.config.max_nodes, model.config.num_node_types
        self.compact = self.device.type != "cuda" if compact is None else compact
        self.table = model.input_gates(model.decoder)  # T x 3H
        self.weight_hh, self.bias_hh = model.decoder.weight_hh, model.decoder.bias_hh
        weight_earlier, self.weight_new, self.bias_first = model.edge_first_layer()
        self.zero_table = gru_from_zero(self.table, self.bias_hh)  # T x H: a new node's state before any edge
        self.zero_projected = F.linear(self.zero_table, self.weight_new)  # T x 4H: its W_b h
        # a final state feeds its message (2H; none where nodes send their types), the edge MLP
        # as an earlier node (4H) and the next node's type MLP (2H): one GEMM
        self.type_messages = model.type_messages
        message_rows = [] if self.type_messages else [model.message_forward.state_weight()]
        self.final_weight = torch.cat([*message_rows, weight_earlier, model.add_vertex[0].weight])  # 8H (6H) x H
        self.message_width = 0 if self.type_messages else message_rows[0].shape[0]
        if self.type_messages:  # T x 2H: the gate's and mapper's part of every type (DVAE_BN)
            self.type_projection = model.message_forward.type_projection(model.op_encoder.table())
        self.initial_part: Tensor | None = None  # L x 4H, W_c h0 where the edge MLP reads h0 (DVAE_BN)

        B, N = self.batch_size, self.max_nodes
        self.out_op_ids = torch.full((B, N), PAD_TYPE, dtype=torch.long, device=self.device)
        self.out_adjacency = torch.zeros(B, N, N, dtype=torch.bool, device=self.device)
        self.out_num_nodes = torch.full((B,), N, dtype=torch.long, device=self.device)
        self.rows = torch.arange(B, device=self.device)
        self.op_ids = self.out_op_ids.clone()
        self.adjacency = self.out_adjacency.clone()
        self.num_nodes = self.out_num_nodes.clone()
        self.op_ids[:, 0] = START_TYPE
        self.finished = torch.zeros(B, dtype=torch.bool, device=self.device)
        self.messages: list[Tensor] = []
        self.first_earlier: list[Tensor] = []
        self.state_sum: Tensor | None = None  # L x H, the final states so far (models that sum them)

    def run(self) -> DecodedGraphs:
        """Decode every position. Returns the graphs on the CPU."""
        N = self.max_nodes
        h0 = torch.tanh(self.model.fc_init(self.z))  # B x H
        self.initial_part = self.model.initial_edge_part(h0)
        state = gru_cell(self.table[START_TYPE].expand(self.batch_size, -1), h0, self.weight_hh, self.bias_hh)
        type_hidden = self._finalise(state, 0)
        for v in range(1, N):
            if v == N - 1:  # the output node: every graph ends here, nothing to decide
                self._add_node(v, torch.full((self.rows.numel(),), END_TYPE, dtype=torch.long, device=self.device))
                self._replay_draws(v)  # only the random draws to keep
                break
            new_types = self._choose_types(v, type_hidden)
            ends, deciding = self._add_node(v, new_types)
            state = self._decide_edges(v, new_types, deciding)
            self.finished = self.finished | ends
            if self.compact and bool(self.finished.any()):  # hand finished graphs over, decode the rest
                state = self._retire_finished(state)
                if self.rows.numel() == 0:  # all done
                    self._replay_draws(v + 1)
                    break
            if v == N - 2:  # the next node is the output: its type is fixed and it decides no edges
                continue
            type_hidden = self._finalise(state, v)
        return self._result()

    def _finalise(self, state: Tensor, position: int) -> Tensor:
        """Record the message and ``W_a h + b`` of final states ``L x H`` at ``position``.
        Returns the type MLP's hidden layer on them, ``L x 2H``."""
        H, m = self.model.config.hidden_dim, self.message_width
        out = F.linear(state, self.final_weight)  # L x 8H (6H with type messages)
        if self.type_messages:
            self.messages.append(self.model.message_forward.at(self.type_projection, self.op_ids[:, position], position))
        else:
            self.messages.append(self.model.message_forward.from_projection(out[:, :m], position))
        first = out[:, m : m + 4 * H] + self.bias_first
        self.first_earlier.append(first if self.initial_part is None else first + self.initial_part)
        if self.model.sums_decoder_states:  # the graph state is the sum of the states so far
            self.state_sum = state if self.state_sum is None else self.state_sum + state
            return torch.relu(self.model.add_vertex[0](self.state_sum))
        return torch.relu(out[:, m + 4 * H :] + self.model.add_vertex[0].bias)

    def _choose_types(self, position: int, type_hidden: Tensor) -> Tensor:
        """The type of the node at ``position`` (not the output node) in each live graph, ``L``."""
        B, live = self.batch_size, self.rows.numel()
        type_logits = mask_types(self.model.add_vertex[2](type_hidden).float(), position, self.constraints)  # L x T
        if not self.stochastic:
            return type_logits.argmax(-1)
        probs = torch.softmax(type_logits, -1)
        if live < B:  # finished rows draw too: the same random stream as a full batch
            probs = torch.ones(B, self.num_types, dtype=probs.dtype, device=self.device).index_copy(0, self.rows, probs)
        new_types = torch.multinomial(probs, 1, generator=self.generator).squeeze(1)
        return new_types[self.rows] if live < B else new_types

    def _add_node(self, position: int, new_types: Tensor) -> tuple[Tensor, Tensor]:
        """Write the new node's type (``L``) into the graphs not finished; END connects every
        loose end (out-degree 0) among the earlier nodes. Returns ``ends`` and ``deciding``
        (``L`` bool each): the graphs this node ends, and those that decide its edges."""
        v = position
        active = ~self.finished
        ends = active & (new_types == END_TYPE)
        self.op_ids[:, v] = torch.where(active, new_types, self.op_ids[:, v])
        loose = self.adjacency[:, :v, :v].sum(-1) == 0  # L x v
        self.adjacency[:, :v, v] |= loose & ends.unsqueeze(1)
        self.num_nodes = torch.where(ends, torch.full_like(self.num_nodes, v + 1), self.num_nodes)
        return ends, active & ~ends

    def _decide_edges(self, position: int, new_types: Tensor, deciding: Tensor) -> Tensor:
        """Decide the edges ``k -> position`` for ``k = position-1 .. 0`` in the ``deciding``
        graphs; ``new_types`` (``L``) is the type drawn for the new node in every live row.
        Returns the new node's final state, ``L x H``."""
        v = position
        state = self.zero_table[new_types]  # L x H: no edge in yet, a function of the type alone
        node = NewNode(gates=self.table[new_types], state=state, incoming=torch.zeros_like(state),
                       projected=self.zero_projected[new_types], has_input=torch.zeros_like(deciding))
        for k in range(v - 1, -1, -1):
            edge = self._draw_edge(v, k, node) & deciding  # L
            self.adjacency[:, k, v] |= edge
            if self.compact:
                self._add_edge_compact(node, k, edge)
            else:
                self._add_edge_dense(node, k, edge)
        return node.state

    def _draw_edge(self, position: int, earlier: int, node: NewNode) -> Tensor:
        """Whether each live graph adds the edge ``earlier -> position``, ``L`` bool (before
        masking the graphs that decide nothing)."""
        B, live = self.batch_size, self.rows.numel()
        prob = torch.sigmoid(self.model.edge_logits(self.first_earlier[earlier], node.projected).float())  # L
        if self.stochastic:
            draws = torch.rand((B,), generator=self.generator, device=self.device)
            edge = (draws[self.rows] if live < B else draws) < prob
        else:
            edge = prob > 0.5
        if self.constraints is not None:
            if self.constraints.chain and earlier == position - 1:
                edge = torch.ones_like(edge)
            if self.constraints.single_input:
                edge = (edge & ~node.has_input) | (~node.has_input if earlier == 0 else torch.zeros_like(edge))
                node.has_input = node.has_input | edge
        return edge

    def _add_edge_compact(self, node: NewNode, earlier: int, edge: Tensor) -> None:
        """The CPU path: update the new node only in the rows whose edge was added."""
        changed = edge.nonzero().squeeze(1)
        if changed.numel():
            node.incoming[changed] += self.messages[earlier][changed]
            updated = gru_cell(node.gates[changed], node.incoming[changed], self.weight_hh, self.bias_hh)
            node.state[changed] = updated
            node.projected[changed] = F.linear(updated, self.weight_new)

    def _add_edge_dense(self, node: NewNode, earlier: int, edge: Tensor) -> None:
        """The CUDA path: update every row and keep the result where the edge was added (no
        host synchronisation)."""
        added = edge.unsqueeze(1)  # L x 1
        node.incoming = node.incoming + added.to(node.incoming.dtype) * self.messages[earlier]
        updated = gru_cell(node.gates, node.incoming, self.weight_hh, self.bias_hh)
        node.state = torch.where(added, updated, node.state)
        node.projected = torch.where(added, F.linear(updated, self.weight_new), node.projected)

    def _retire_finished(self, state: Tensor) -> Tensor:
        """Move the finished graphs to the output and drop them from the batch, with their
        rows of the per-node tensors. Returns the rows of ``state`` (``L x H``) kept."""
        finished, keep = self.finished, ~self.finished
        self.out_op_ids[self.rows[finished]] = self.op_ids[finished]
        self.out_adjacency[self.rows[finished]] = self.adjacency[finished]
        self.out_num_nodes[self.rows[finished]] = self.num_nodes[finished]
        self.rows, self.op_ids = self.rows[keep], self.op_ids[keep]
        self.adjacency, self.num_nodes = self.adjacency[keep], self.num_nodes[keep]
        self.finished = finished[keep]
        self.messages = [message[keep] for message in self.messages]
        self.first_earlier = [earlier[keep] for earlier in self.first_earlier]
        if self.state_sum is not None:
            self.state_sum = self.state_sum[keep]
        if self.initial_part is not None:
            self.initial_part = self.initial_part[keep]
        return state[keep]

    def _replay_draws(self, first: int) -> None:
        """Make the random draws that positions ``first .. N-1`` make for a full batch (a type
        draw except at the output node, one edge draw per earlier node), so skipping their
        work leaves the generator where the dense path leaves it."""
        if not self.stochastic:
            return
        B, N = self.batch_size, self.max_nodes
        for position in range(first, N):
            if position < N - 1:
                torch.multinomial(torch.ones(B, self.num_types, device=self.device), 1, generator=self.generator)
            for _ in range(position):
                torch.rand((B,), generator=self.generator, device=self.device)

    def _result(self) -> DecodedGraphs:
        """Every graph, finished or still in the batch, on the CPU."""
        self.out_op_ids[self.rows] = self.op_ids
        self.out_adjacency[self.rows] = self.adjacency
        self.out_num_nodes[self.rows] = self.num_nodes
        return DecodedGraphs(self.out_op_ids.cpu().numpy(), self.out_adjacency.to(torch.uint8).cpu().numpy(),
                             self.out_num_nodes.cpu().numpy())
