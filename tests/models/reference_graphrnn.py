"""A straightforward per-graph GraphRNN, kept in the tests as the slow reference.

One graph at a time: the string's rows from Python lists (S-VAE's reference, whose encoder
GraphRNN shares), every step of the graph-level and the edge-level GRU written out from the
``nn.GRU`` weights, the type and edge losses summed term by term, and a greedy decode that
applies the decoding rules node by node. It reads the parameters of a
:class:`core.models.graphrnn.GraphRNN`.
"""

from __future__ import annotations

import torch

from core.spaces.base import END_TYPE, START_TYPE

from .per_graph import edge_bce_term, greedy_type, loose_ends, type_nll_term
from .reference_svae import _gru_step, encode_one, string_rows

__all__ = ["encode_one", "greedy_decode_one", "reconstruction_one"]


def _row_input(model, node_type, bits, dtype):
    """The graph GRU's input for a decided row: ``1 x (E + N-1)``."""
    features = model.op_encoder.table()[node_type].unsqueeze(0)
    return torch.cat([features, torch.tensor([bits], dtype=dtype)], 1)


def reconstruction_one(model, z, types, adjacency, num_nodes):
    """Type NLL and edge BCE of one graph's string under teacher forcing (``z``: 1 x d)."""
    N, dtype = model.config.max_nodes, z.dtype
    type_nll = torch.zeros((), dtype=dtype)
    edge_bce = torch.zeros((), dtype=dtype)
    state = torch.relu(model.fc_init(z))
    x = torch.zeros(1, model.op_encoder.output_dim + N - 1, dtype=dtype)
    for true_type, bits in string_rows(model, types, adjacency, num_nodes):
        state = _gru_step(model.decoder_gru, "", x, state)
        type_nll = type_nll + type_nll_term(model.add_vertex(state)[0], true_type)
        edge_state, previous_bit = state, 0.0
        for bit in bits:
            edge_state = _gru_step(model.edge_gru, "", torch.tensor([[previous_bit]], dtype=dtype), edge_state)
            edge_bce = edge_bce + edge_bce_term(torch.sigmoid(model.add_edge(edge_state)[0, 0]), bit)
            previous_bit = bit
        x = _row_input(model, true_type, bits, dtype)
    return type_nll, edge_bce


def _greedy_bits(model, state, v, constraints, dtype):
    """The row of node ``v``: ``N - 1`` bits, each fed to the edge GRU, the rules applied to ``j < v``."""
    bits, taken = [], False
    edge_state, previous_bit = state, 0.0
    for j in range(model.config.max_nodes - 1):
        edge_state = _gru_step(model.edge_gru, "", torch.tensor([[previous_bit]], dtype=dtype), edge_state)
        bit = bool(torch.sigmoid(model.add_edge(edge_state)[0, 0]) > 0.5)
        if constraints is not None and j < v:
            if constraints.single_input:
                if j == v - 1:
                    bit = not taken
                elif constraints.chain or taken:
                    bit = False
                taken = taken or bit
            elif constraints.chain and j == v - 1:
                bit = True
        bits.append(float(bit))
        previous_bit = float(bit)
    return bits


@torch.no_grad()
def greedy_decode_one(model, z, constraints=None):
    """Greedy decode of one latent point (``z``: 1 x d). Returns ``(types, edges)``."""
    N, dtype = model.config.max_nodes, z.dtype
    state = torch.relu(model.fc_init(z))
    x = torch.zeros(1, model.op_encoder.output_dim + N - 1, dtype=dtype)
    types, edges = [START_TYPE], set()
    for v in range(1, N):
        state = _gru_step(model.decoder_gru, "", x, state)
        chosen = greedy_type(model.add_vertex(state)[0], v, constraints)
        bits = _greedy_bits(model, state, v, constraints, dtype)
        node_type = END_TYPE if v == N - 1 else chosen
        types.append(node_type)
        if node_type == END_TYPE:
            edges |= loose_ends(edges, v)
            break
        edges |= {(k, v) for k in range(v) if bits[k]}
        x = _row_input(model, chosen, bits, dtype)
    return types, edges
