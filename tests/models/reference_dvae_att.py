"""A straightforward per-graph DVAE-EMB-ATT (``--model dvae-att``), kept in the tests as the
slow reference.

One graph at a time, one vertex at a time: a node's senders are kept in a Python list of
(value, score) pairs, the vertex id is a concatenated one-hot vector, the attention is
``torch.softmax`` over that list, and the new vertex's state is recomputed from the whole
list after every edge decision. It reads the parameters of a
:class:`core.models.dvae_att.DVAEAtt`, so both must give the same numbers.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from core.spaces.base import END_TYPE, START_TYPE

from .per_graph import decoder_start, edge_bce_term, edge_probability, greedy_type, loose_ends, type_nll_term
from .reference_dvae import _dtype, _features

SLOPE = 0.01  # the score's LeakyReLU slope, written out here rather than read from the model


def _send(model, attention, state, position):
    """The (value, score) a node with final ``state`` (1 x H) at ``position`` sends on."""
    if model.config.vertex_ids:
        one_hot = torch.zeros(1, model.config.max_nodes, dtype=state.dtype)
        one_hot[0, position] = 1.0
        state = torch.cat([state, one_hot], 1)
    value = attention.project(state)  # 1 x H
    return value, F.leaky_relu(attention.score(value), SLOPE)[0, 0]


def _attend(model, senders):
    """``sum_j softmax(scores)_j value_j`` over a list of (value, score); zero for none."""
    total = torch.zeros(1, model.config.hidden_dim, dtype=_dtype(model))
    if not senders:
        return total
    weights = torch.softmax(torch.stack([score for _, score in senders]), 0)
    for weight, (value, _) in zip(weights, senders):
        total = total + weight * value
    return total


def encode_one(model, types, adjacency, num_nodes):
    """``types``: list of ints; ``adjacency``: N x N tensor. Returns ``mu``, ``logvar`` (1 x d)."""
    n = num_nodes
    forward = [None] * n
    for v in range(n):
        senders = [_send(model, model.message_forward, forward[j], j) for j in range(v) if adjacency[j, v] > 0]
        forward[v] = model.encoder_forward(_features(model, types[v]), _attend(model, senders))
    state = forward[n - 1]
    if model.config.bidirectional:
        backward = [None] * n
        for v in range(n - 1, -1, -1):
            senders = [_send(model, model.message_backward, backward[j], j) for j in range(v + 1, n)
                       if adjacency[v, j] > 0]
            backward[v] = model.encoder_backward(_features(model, types[v]), _attend(model, senders))
        state = model.graph_unify(torch.cat([state, backward[0]], 1))
    return model.fc_mu(state), model.fc_logvar(state)


def reconstruction_one(model, z, types, adjacency, num_nodes):
    """Teacher-forced type NLL and edge BCE of one graph (``z``: 1 x d)."""
    states = [decoder_start(model, z)]
    type_nll = edge_bce = torch.zeros((), dtype=_dtype(model))
    for v in range(1, num_nodes):
        type_nll = type_nll + type_nll_term(model.add_vertex(states[v - 1])[0], types[v])
        x, senders = _features(model, types[v]), []
        current = model.decoder(x, _attend(model, senders))
        for k in range(v - 1, -1, -1):
            target = float(adjacency[k, v])
            edge_bce = edge_bce + edge_bce_term(edge_probability(model, states[k], current), target)
            if target > 0:
                senders.append(_send(model, model.message_forward, states[k], k))
            current = model.decoder(x, _attend(model, senders))
        states.append(current)
    return type_nll, edge_bce


def final_states_one(model, z, types, adjacency, num_nodes):
    """The decoder's final state of every node of one given graph (``z``: 1 x d): node ``v``
    attends over all its predecessors. Returns ``num_nodes`` states, each 1 x H."""
    states = [decoder_start(model, z)]
    for v in range(1, num_nodes):
        senders = [_send(model, model.message_forward, states[k], k) for k in range(v - 1, -1, -1)
                   if adjacency[k, v] > 0]  # in the order the decoder adds them
        states.append(model.decoder(_features(model, types[v]), _attend(model, senders)))
    return states


def _greedy_edge(prob, k, v, has_input, constraints):
    """Whether ``k -> v`` is added (``prob``: its probability), with the space's rules."""
    edge = bool(prob > 0.5)
    if constraints is not None:
        if constraints.chain and k == v - 1:
            edge = True
        if constraints.single_input:
            edge = (edge or k == 0) and not has_input
    return edge


@torch.no_grad()
def greedy_decode_one(model, z, constraints=None):
    """Greedy decode of one latent point (``z``: 1 x d), with optional
    :class:`DecodeConstraints`. Returns ``(types, edges)``."""
    N = model.config.max_nodes
    states = [decoder_start(model, z)]
    types, edges = [START_TYPE], set()
    for v in range(1, N):
        new_type = END_TYPE if v == N - 1 else greedy_type(model.add_vertex(states[v - 1])[0], v, constraints)
        types.append(new_type)
        if new_type == END_TYPE:
            edges |= loose_ends(edges, v)
            break
        x, senders = _features(model, new_type), []
        current = model.decoder(x, _attend(model, senders))
        for k in range(v - 1, -1, -1):
            if _greedy_edge(edge_probability(model, states[k], current), k, v, bool(senders), constraints):
                edges.add((k, v))
                senders.append(_send(model, model.message_forward, states[k], k))
            current = model.decoder(x, _attend(model, senders))
        states.append(current)
    return types, edges
