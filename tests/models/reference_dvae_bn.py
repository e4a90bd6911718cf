"""A straightforward per-graph DVAE_BN (``ModelConfig`` with ``core.config.DVAE_BN_OPTIONS``),
kept in the tests as the slow reference of :class:`core.models.dvae.DVAE` with those options.

As the D-VAE reference's ``DVAE_BN`` it loops over graphs and vertices: a node's input state
is the gated sum of its parents' (successors', backward) TYPE features, concatenated with
their one-hot positions when the model has vertex ids; the graph state is the sum of the
states of the nodes between input and output (per direction, then ``graph_unify``); the
decoder's type MLP reads the sum of every node's state so far; the edge MLP reads
``[h_k, h_new, h0]``. It reads the parameters of a ``DVAE``, so both must give the same numbers.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from core.spaces.base import END_TYPE, START_TYPE

from .reference_dvae import _dtype, _features


def _type_message(model, gated, node_type, position):
    H, N = model.config.hidden_dim, model.config.max_nodes
    inputs = _features(model, node_type)
    if model.config.vertex_ids:
        one_hot = torch.zeros(1, N, dtype=inputs.dtype)
        one_hot[0, position] = 1.0
        inputs = torch.cat([inputs, one_hot], 1)
    return torch.sigmoid(F.linear(inputs, gated.weight[:H], gated.bias)) * F.linear(inputs, gated.weight[H:])


def _direction(model, cell, gated, types, adjacency, n, reverse):
    H = model.config.hidden_dim
    states = [None] * n
    for v in range(n):
        incoming = torch.zeros(1, H, dtype=_dtype(model))
        for j in range(n):
            linked = adjacency[v, j] > 0 if reverse else adjacency[j, v] > 0
            if linked:
                incoming = incoming + _type_message(model, gated, types[j], j)
        states[v] = cell(_features(model, types[v]), incoming)
    return sum(states[1 : n - 1])


def encode_one(model, types, adjacency, num_nodes):
    """``types``: list of ints; ``adjacency``: N x N tensor. Returns ``mu``, ``logvar`` (1 x d)."""
    state = _direction(model, model.encoder_forward, model.message_forward, types, adjacency, num_nodes, False)
    if model.config.bidirectional:
        backward = _direction(model, model.encoder_backward, model.message_backward, types, adjacency, num_nodes, True)
        state = model.graph_unify(torch.cat([state, backward], 1))
    return model.fc_mu(state), model.fc_logvar(state)


def _edge_probability(model, earlier, current, h0):
    return torch.sigmoid(model.add_edge(torch.cat([earlier, current, h0], 1)))[0, 0]


def reconstruction_one(model, z, types, adjacency, num_nodes):
    """Teacher-forced type NLL and edge BCE of one graph (``z``: 1 x d)."""
    H = model.config.hidden_dim
    h0 = torch.tanh(model.fc_init(z))
    states = [model.decoder(_features(model, START_TYPE), h0)]
    type_nll = torch.zeros((), dtype=_dtype(model))
    edge_bce = torch.zeros((), dtype=_dtype(model))
    for v in range(1, num_nodes):
        type_nll = type_nll - F.log_softmax(model.add_vertex(sum(states)), -1)[0, types[v]]
        x = _features(model, types[v])
        incoming = torch.zeros(1, H, dtype=_dtype(model))
        current = model.decoder(x, incoming)
        for k in range(v - 1, -1, -1):
            prob = _edge_probability(model, states[k], current, h0)
            target = float(adjacency[k, v])
            edge_bce = edge_bce - (target * torch.log(prob) + (1 - target) * torch.log(1 - prob))
            if target > 0:
                incoming = incoming + _type_message(model, model.message_forward, types[k], k)
            current = model.decoder(x, incoming)
        states.append(current)
    return type_nll, edge_bce


@torch.no_grad()
def greedy_decode_one(model, z):
    """Greedy decode of one latent point (``z``: 1 x d). Returns ``(types, edges)``."""
    N, H = model.config.max_nodes, model.config.hidden_dim
    h0 = torch.tanh(model.fc_init(z))
    types, edges = [START_TYPE], set()
    states = [model.decoder(_features(model, START_TYPE), h0)]
    for v in range(1, N):
        new_type = END_TYPE if v == N - 1 else int(model.add_vertex(sum(states)).argmax(-1))
        types.append(new_type)
        if new_type == END_TYPE:
            edges |= {(k, v) for k in range(v) if not any(a == k for a, _ in edges)}
            break
        x = _features(model, new_type)
        incoming = torch.zeros(1, H, dtype=_dtype(model))
        current = model.decoder(x, incoming)
        for k in range(v - 1, -1, -1):
            if _edge_probability(model, states[k], current, h0) > 0.5:
                edges.add((k, v))
                incoming = incoming + _type_message(model, model.message_forward, types[k], k)
            current = model.decoder(x, incoming)
        states.append(current)
    return types, edges
