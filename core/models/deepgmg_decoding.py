"""Decoding latent points into graphs with DeepGMG: the body of :meth:`DeepGMG.decode`.

A :class:`GMGDecoder` holds one call's state, the partial graphs of the whole batch as dense
tensors, and adds one node position at a time: propagate, choose the type
(:meth:`GMGDecoder._choose_types`), place the node, then alternate propagation, an add-edge
decision and a node selection until the decision is "no" (:meth:`GMGDecoder._decide_edges`).
A graph is propagated only before its own decisions (the others keep their states, masked),
and finished graphs stay in the batch. Random draws are made for the whole batch in a fixed
number per position, so a seeded decode of a graph does not depend on the other graphs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import Tensor

from core.spaces.base import END_TYPE, PAD_TYPE, START_TYPE
from core.spaces.constraints import DecodeConstraints
from core.models.decoding import DecodedGraphs, choose_types

if TYPE_CHECKING:
    from core.models.deepgmg import DeepGMG


class GMGDecoder:
    """One call of :meth:`DeepGMG.decode` (its arguments are documented there).

    Shapes:
        z: ``B x latent_dim``.
        states: ``B x N x H``, zero at positions not yet placed.
        adjacency: ``B x N x N``, edge counts (a node selected twice counts twice).
        op_ids: ``B x N`` long, ``PAD_TYPE`` after the output node; num_nodes, finished: ``B``.
    """

    def __init__(self, model: DeepGMG, z: Tensor, stochastic: bool, generator: torch.Generator | None,
                 constraints: DecodeConstraints | None):
        self.model, self.z = model, z
        self.stochastic, self.generator, self.constraints = stochastic, generator, constraints
        self.batch_size, self.device = z.shape[0], z.device
        self.max_nodes = model.config.max_nodes
        self.table = model.op_encoder.table()  # T x E
        B, N = self.batch_size, self.max_nodes
        self.op_ids = torch.full((B, N), PAD_TYPE, dtype=torch.long, device=self.device)
        self.op_ids[:, 0] = START_TYPE
        self.num_nodes = torch.full((B,), N, dtype=torch.long, device=self.device)
        self.finished = torch.zeros(B, dtype=torch.bool, device=self.device)
        first = model.first_states(self.table[START_TYPE].expand(B, -1), torch.tanh(model.fc_init(z)))  # B x H
        self.states = first.new_zeros(B, N, first.shape[-1])
        self.states[:, 0] = first
        self.adjacency = first.new_zeros(B, N, N)
        self.rounds = model.fold_rounds(model.decoder_cells)

    def run(self) -> DecodedGraphs:
        """Decode every position. Returns the graphs on the CPU."""
        N = self.max_nodes
        for v in range(1, N):
            live = ~self.finished
            if v == N - 1:  # the output node: every graph still open ends here
                new_types = torch.full((self.batch_size,), END_TYPE, dtype=torch.long, device=self.device)
            else:
                new_types = self._choose_types(v, live)
            ends = live & (new_types == END_TYPE)
            self._place_node(v, new_types, live)
            self._decide_edges(v, live & ~ends if self.constraints is not None else live)
            loose = self.adjacency[:, :v].sum(-1) == 0  # B x v: no successor yet
            self.adjacency[:, :v, v] += (loose & ends.unsqueeze(1)).to(self.adjacency.dtype)
            self.num_nodes = torch.where(ends, torch.full_like(self.num_nodes, v + 1), self.num_nodes)
            self.finished = self.finished | ends
        return DecodedGraphs(self.op_ids.cpu().numpy(), (self.adjacency > 0).to(torch.uint8).cpu().numpy(),
                             self.num_nodes.cpu().numpy())

    def _propagate(self, updating: Tensor, size: int) -> None:
        """Propagate the first ``size`` nodes (those placed) of the graphs ``updating`` (``B``
        bool); the others keep their states."""
        if bool(updating.any()):
            self.states[:, :size] = self.model.propagate(self.rounds, self.states[:, :size],
                                                         self.adjacency[:, :size, :size], updating)

    def _choose_types(self, position: int, live: Tensor) -> Tensor:
        """Propagate the open graphs, then the type of the node at ``position`` (not the
        output node) in every graph, ``B`` (a draw for every graph, open or not)."""
        self._propagate(live, position)
        type_logits = self.model.add_vertex(self.model.readout(self.states)).float()  # B x T
        return choose_types(type_logits, position, self.stochastic, self.generator, self.constraints)

    def _place_node(self, position: int, new_types: Tensor, live: Tensor) -> None:
        """Write the new node's type and first state ``f_init([x, R_init(h)])`` into the open graphs."""
        v = position
        self.op_ids[:, v] = torch.where(live, new_types, self.op_ids[:, v])
        new = self.model.first_states(self.table[new_types], self.model.readout_init(self.states))  # B x H
        self.states[:, v] = torch.where(live.unsqueeze(1), new, self.states[:, v])

    def _decide_edges(self, position: int, deciding: Tensor) -> None:
        """The edges into the node at ``position`` in the graphs ``deciding`` (``B`` bool):
        up to ``position + 1`` rounds of propagation and an add decision, each "yes" but the
        last followed by a node selection."""
        v = position
        for step in range(v + 1):
            live_rows = bool(deciding.any())
            if not live_rows and not self.stochastic:
                return
            add = self._draw_add(v, step, deciding, live_rows)
            deciding = deciding & add
            if step == v:  # the reference stops after v edges, whatever the last decision says
                return
            chosen = self._draw_node(v, step, bool(deciding.any()))  # B
            rows = deciding.nonzero().squeeze(1)
            self.adjacency[rows, chosen[rows], v] += 1

    def _draw_add(self, position: int, step: int, deciding: Tensor, live_rows: bool) -> Tensor:
        """Propagate the graphs ``deciding`` and decide whether each adds an edge into
        ``position``, ``B`` bool (before masking the graphs that decide nothing)."""
        B, v = self.batch_size, position
        add = torch.zeros(B, dtype=torch.bool, device=self.device)
        if live_rows:
            self._propagate(deciding, v + 1)
            readout = self.model.readout(self.states)  # B x G
            add_logit = self.model.add_edge(torch.cat([readout, self.states[:, v]], -1)).squeeze(-1)
            prob = torch.sigmoid(add_logit.float())  # B
        if self.stochastic:
            draws = torch.rand((B,), generator=self.generator, device=self.device)
            if live_rows:
                add = draws < prob
        elif live_rows:
            add = prob > 0.5
        if self.constraints is not None and (self.constraints.chain or self.constraints.single_input):
            if step == 0:
                add = torch.ones_like(add)
            elif step == 1 and self.constraints.single_input:
                add = torch.zeros_like(add)
        return add

    def _draw_node(self, position: int, step: int, live_rows: bool) -> Tensor:
        """The earlier node each graph's new edge comes from, ``B`` long (a draw for every graph)."""
        B, v = self.batch_size, position
        if live_rows:
            logits = self.model.selection_logits(self.states[:, :v], self.states[:, v]).float()  # B x v
        else:  # nobody reads the choice: only the random draws count
            logits = torch.zeros(B, v, device=self.device)
        if self.stochastic:
            chosen = torch.multinomial(torch.softmax(logits, -1), 1, generator=self.generator).squeeze(1)
        else:
            chosen = logits.argmax(-1)
        if self.constraints is not None and self.constraints.chain and step == 0:
            chosen = torch.full_like(chosen, v - 1)
        return chosen

