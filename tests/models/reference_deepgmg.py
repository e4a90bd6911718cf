"""A straightforward per-graph DeepGMG, kept in the tests as the slow reference.

One graph at a time, as the D-VAE reference's ``DVAE_DeepGMG`` runs a batch of one: the
graph is a list of node states and a list of edges (a node selected twice gives two
edges), each message ``f_e([h_u, d, h_v])`` is computed from the concatenation, neighbour by
neighbour, the GRU cells are called as modules, the gated sums are sums over the node list,
and true inputs are popped from the end of the sorted input list. It reads the parameters
of a :class:`core.models.deepgmg.DeepGMG`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from core.spaces.base import END_TYPE, START_TYPE


def _features(model, node_type):
    return model.op_encoder.table()[node_type].unsqueeze(0)  # 1 x E


def _propagate(model, cells, states, edges):
    """Synchronous rounds over ``states`` (list of 1 x H); ``edges``: list of ``(u, v)``."""
    for cell in cells:
        updated = []
        for v, state in enumerate(states):
            neighbours = [(u, 1.0) for u, w in edges if w == v]
            if model.config.bidirectional:
                neighbours += [(w, 0.0) for u, w in edges if u == v]
            if not neighbours:  # a node without neighbours keeps its state
                updated.append(state)
                continue
            incoming = 0
            for u, direction in neighbours:
                feature = torch.full((1, 1), direction, dtype=state.dtype)
                incoming = incoming + model.message(torch.cat([states[u], feature, state], 1))
            updated.append(cell(incoming, state))
        states = updated
    return states


def _gated_sum(module, states):
    total = 0
    for state in states:
        total = total + torch.sigmoid(module.gate(state)) * module.mapper(state)
    return total  # 1 x G


def encode_one(model, types, adjacency, num_nodes):
    """``types``: list of ints; ``adjacency``: N x N tensor. Returns ``mu``, ``logvar`` (1 x d)."""
    dtype = model.fc_mu.weight.dtype
    zeros = torch.zeros(1, 2 * model.config.hidden_dim, dtype=dtype)
    states = [model.init_node(torch.cat([_features(model, types[v]), zeros], 1)) for v in range(num_nodes)]
    edges = [(u, v) for v in range(num_nodes) for u in range(v) if adjacency[u, v] > 0]
    states = _propagate(model, model.encoder_cells, states, edges)
    graph_state = _gated_sum(model.readout, states)
    return model.fc_mu(graph_state), model.fc_logvar(graph_state)


def _start(model, z):
    return [model.init_node(torch.cat([_features(model, START_TYPE), torch.tanh(model.fc_init(z))], 1))]


def _new_node(model, states, node_type):
    return model.init_node(torch.cat([_features(model, node_type), _gated_sum(model.readout_init, states)], 1))


def _add_logit(model, states, new_state):
    return model.add_edge(torch.cat([_gated_sum(model.readout, states), new_state], 1))[0, 0]


def _select_log_probs(model, states, position, new_state):
    logits = torch.cat([model.select_node(torch.cat([states[u], new_state], 1)) for u in range(position)], 1)
    return F.log_softmax(logits, 1)[0]  # position


def reconstruction_one(model, z, types, adjacency, num_nodes):
    """Teacher-forced type NLL and edge terms (add BCE + selection NLL) of one graph (``z``: 1 x d)."""
    N, H = model.config.max_nodes, model.config.hidden_dim
    states, edges = _start(model, z), []
    type_nll = torch.zeros((), dtype=z.dtype)
    edge_nll = torch.zeros((), dtype=z.dtype)
    for v in range(1, N):
        states = _propagate(model, model.decoder_cells, states, edges)
        target = types[v] if v < num_nodes else START_TYPE
        type_nll = type_nll - F.log_softmax(model.add_vertex(_gated_sum(model.readout, states)), 1)[0, target]
        pending = []
        if v < num_nodes:
            states.append(_new_node(model, states, types[v]))
            pending = [u for u in range(v) if adjacency[u, v] > 0]  # sorted; popped from the end
        while True:
            states = _propagate(model, model.decoder_cells, states, edges)
            new_state = states[v] if v < num_nodes else torch.zeros(1, H, dtype=z.dtype)
            logit = _add_logit(model, states, new_state)
            edge_nll = edge_nll - (F.logsigmoid(logit) if pending else F.logsigmoid(-logit))
            if not pending:
                break
            u = pending.pop()
            edge_nll = edge_nll - _select_log_probs(model, states, v, new_state)[u]
            edges.append((u, v))
    return type_nll, edge_nll


@torch.no_grad()
def greedy_decode_one(model, z):
    """Greedy decode of one latent point (``z``: 1 x d). Returns ``(types, edges)``, ``edges``
    a set of ``(u, v)``."""
    N = model.config.max_nodes
    states, edges, types = _start(model, z), [], [START_TYPE]
    for v in range(1, N):
        if v == N - 1:
            new_type = END_TYPE
        else:
            states = _propagate(model, model.decoder_cells, states, edges)
            new_type = int(model.add_vertex(_gated_sum(model.readout, states)).argmax(-1))
        types.append(new_type)
        states.append(_new_node(model, states, new_type))
        count = 0
        while True:
            count += 1
            states = _propagate(model, model.decoder_cells, states, edges)
            if torch.sigmoid(_add_logit(model, states, states[v])) <= 0.5 or count > v:
                break
            edges.append((int(_select_log_probs(model, states, v, states[v]).argmax()), v))
        if new_type == END_TYPE:
            sources = {u for u, _ in edges}
            edges += [(u, v) for u in range(v) if u not in sources]
            break
    return types, set(edges)
