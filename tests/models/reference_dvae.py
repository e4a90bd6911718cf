"""A straightforward per-graph D-VAE, kept in the tests as the slow reference.

It loops over graphs and vertices as the original implementation does, concatenates the
vertex-id one-hot vector instead of adding a weight column, calls ``nn.GRUCell`` modules
directly, and recomputes the new vertex's state after every edge decision. It reads the
parameters of a :class:`core.models.dvae.DVAE`, so both must give the same numbers.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from core.spaces.base import END_TYPE, START_TYPE


def _message(model, gated, state, position):
    H = model.config.hidden_dim
    N = model.config.max_nodes
    if model.config.vertex_ids:
        one_hot = torch.zeros(1, N, dtype=state.dtype)
        one_hot[0, position] = 1.0
        inputs = torch.cat([state, one_hot], 1)
    else:
        inputs = state
    gate = torch.sigmoid(F.linear(inputs, gated.weight[:H], gated.bias))
    mapped = F.linear(inputs, gated.weight[H:])
    return gate * mapped


def _dtype(model):
    return model.fc_mu.weight.dtype


def _features(model, node_type):
    return model.op_encoder.table()[node_type].unsqueeze(0)


def encode_one(model, types, adjacency, num_nodes):
    """``types``: list of ints; ``adjacency``: N x N tensor. Returns ``mu``, ``logvar`` (1 x d)."""
    H = model.config.hidden_dim
    n = num_nodes
    forward = [None] * n
    for v in range(n):
        incoming = torch.zeros(1, H, dtype=_dtype(model))
        for j in range(v):
            if adjacency[j, v] > 0:
                incoming = incoming + _message(model, model.message_forward, forward[j], j)
        forward[v] = model.encoder_forward(_features(model, types[v]), incoming)
    state = forward[n - 1]
    if model.config.bidirectional:
        backward = [None] * n
        for v in range(n - 1, -1, -1):
            incoming = torch.zeros(1, H, dtype=_dtype(model))
            for j in range(v + 1, n):
                if adjacency[v, j] > 0:
                    incoming = incoming + _message(model, model.message_backward, backward[j], j)
            backward[v] = model.encoder_backward(_features(model, types[v]), incoming)
        state = model.graph_unify(torch.cat([state, backward[0]], 1))
    return model.fc_mu(state), model.fc_logvar(state)


def reconstruction_one(model, z, types, adjacency, num_nodes):
    """Teacher-forced type NLL and edge BCE of one graph (``z``: 1 x d)."""
    H = model.config.hidden_dim
    states = [model.decoder(_features(model, START_TYPE), torch.tanh(model.fc_init(z)))]
    type_nll = torch.zeros((), dtype=_dtype(model))
    edge_bce = torch.zeros((), dtype=_dtype(model))
    for v in range(1, num_nodes):
        logits = model.add_vertex(states[v - 1])
        type_nll = type_nll - F.log_softmax(logits, -1)[0, types[v]]
        x = _features(model, types[v])
        incoming = torch.zeros(1, H, dtype=_dtype(model))
        current = model.decoder(x, incoming)
        for k in range(v - 1, -1, -1):
            prob = torch.sigmoid(model.add_edge(torch.cat([states[k], current], 1)))[0, 0]
            target = float(adjacency[k, v])
            edge_bce = edge_bce - (target * torch.log(prob) + (1 - target) * torch.log(1 - prob))
            if target > 0:
                incoming = incoming + _message(model, model.message_forward, states[k], k)
            current = model.decoder(x, incoming)
        states.append(current)
    return type_nll, edge_bce


@torch.no_grad()
def greedy_decode_one(model, z):
    """Greedy decode of one latent point (``z``: 1 x d). Returns ``(types, edges)``."""
    N, H = model.config.max_nodes, model.config.hidden_dim
    types = [START_TYPE]
    edges = set()
    states = [model.decoder(_features(model, START_TYPE), torch.tanh(model.fc_init(z)))]
    for v in range(1, N):
        new_type = END_TYPE if v == N - 1 else int(model.add_vertex(states[v - 1]).argmax(-1))
        types.append(new_type)
        if new_type == END_TYPE:
            for k in range(v):
                if not any(a == k for a, _ in edges):
                    edges.add((k, v))
            break
        x = _features(model, new_type)
        incoming = torch.zeros(1, H, dtype=_dtype(model))
        current = model.decoder(x, incoming)
        for k in range(v - 1, -1, -1):
            prob = torch.sigmoid(model.add_edge(torch.cat([states[k], current], 1)))[0, 0]
            if prob > 0.5:
                edges.add((k, v))
                incoming = incoming + _message(model, model.message_forward, states[k], k)
            current = model.decoder(x, incoming)
        states.append(current)
    return types, edges
