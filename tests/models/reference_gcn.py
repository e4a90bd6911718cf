"""A straightforward per-graph GCN model (GCN / GCN-EMB), kept in the tests as the slow reference.

It follows the D-VAE reference's ``DVAE_GCN`` literally: one graph at a time, one node at a
time, Python lists of neighbours and degrees, the node states kept in a dict that each update
overwrites (so, in the sequential order, a later node reads the states its lower-index
neighbours already have at this level). The decoder is D-VAE's with the graph state, from
which the next type is predicted, the sum of the states of the nodes generated so far. It
reads the parameters of a :class:`core.models.gcn_dvae.GCNDVAE`.
"""

from __future__ import annotations

import math

import torch

from core.spaces.base import END_TYPE, START_TYPE

from .per_graph import decoder_start, edge_bce_term, edge_probability, loose_ends, type_nll_term
from .reference_dvae import _dtype, _features, _message


def _neighbourhoods(adjacency, n, undirected):
    """Per node: its neighbours, and the degree pair (own, neighbour's) of the normalisation."""
    preds = [[u for u in range(n) if adjacency[u, v] > 0] for v in range(n)]
    succs = [[w for w in range(n) if adjacency[v, w] > 0] for v in range(n)]
    if undirected:
        neighbours = [preds[v] + succs[v] for v in range(n)]
        own = [len(neighbours[v]) for v in range(n)]
        return neighbours, own, own
    return preds, [len(p) for p in preds], [len(s) for s in succs]


def encode_one(model, types, adjacency, num_nodes):
    """``types``: list of ints; ``adjacency``: N x N tensor. Returns ``mu``, ``logvar`` (1 x d)."""
    n = num_nodes
    neighbours, own_degree, their_degree = _neighbourhoods(adjacency, n, model.config.bidirectional)
    sequential = model.config.gcn_order == "sequential"
    state = {}
    for level, layer in enumerate(model.gcn.layers):
        read = state if sequential else dict(state)  # sequential: read the states as they are overwritten

        def feature(u):
            return _features(model, types[u]) if level == 0 else read[u]

        for v in range(n):
            total = feature(v) / (own_degree[v] + 1)
            for u in neighbours[v]:
                total = total + feature(u) / math.sqrt((their_degree[u] + 1) * (own_degree[v] + 1))
            state[v] = torch.relu(layer(total))
    graph = state[1]
    for v in range(2, n - 1):
        graph = graph + state[v]
    return model.fc_mu(graph), model.fc_logvar(graph)


def reconstruction_one(model, z, types, adjacency, num_nodes):
    """Teacher-forced type NLL and edge BCE of one graph (``z``: 1 x d)."""
    H = model.config.hidden_dim
    states = [decoder_start(model, z)]
    type_nll = edge_bce = torch.zeros((), dtype=_dtype(model))
    for v in range(1, num_nodes):
        graph_state = states[0]
        for k in range(1, v):
            graph_state = graph_state + states[k]
        type_nll = type_nll + type_nll_term(model.add_vertex(graph_state)[0], types[v])
        x = _features(model, types[v])
        incoming = torch.zeros(1, H, dtype=_dtype(model))
        current = model.decoder(x, incoming)
        for k in range(v - 1, -1, -1):
            target = float(adjacency[k, v])
            edge_bce = edge_bce + edge_bce_term(edge_probability(model, states[k], current), target)
            if target > 0:
                incoming = incoming + _message(model, model.message_forward, states[k], k)
            current = model.decoder(x, incoming)
        states.append(current)
    return type_nll, edge_bce


@torch.no_grad()
def greedy_decode_one(model, z):
    """Greedy decode of one latent point (``z``: 1 x d). Returns ``(types, edges)``."""
    N, H = model.config.max_nodes, model.config.hidden_dim
    states = [decoder_start(model, z)]
    types, edges = [START_TYPE], set()
    for v in range(1, N):
        graph_state = sum(states[1:], states[0])
        new_type = END_TYPE if v == N - 1 else int(model.add_vertex(graph_state).argmax(-1))
        types.append(new_type)
        if new_type == END_TYPE:
            edges |= loose_ends(edges, v)
            break
        x = _features(model, new_type)
        incoming = torch.zeros(1, H, dtype=_dtype(model))
        current = model.decoder(x, incoming)
        for k in range(v - 1, -1, -1):
            if edge_probability(model, states[k], current) > 0.5:
                edges.add((k, v))
                incoming = incoming + _message(model, model.message_forward, states[k], k)
            current = model.decoder(x, incoming)
        states.append(current)
    return types, edges
