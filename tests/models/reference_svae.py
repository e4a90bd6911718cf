"""A straightforward per-graph S-VAE, kept in the tests as the slow reference.

One graph at a time: the string built row by row from Python lists, every GRU step written
out from the ``nn.GRU`` weights (gates r, z, n), the type and edge losses summed term by term.
It reads the parameters of a :class:`core.models.svae.SVAE`.
"""

from __future__ import annotations

import torch

from core.spaces.base import END_TYPE, START_TYPE

from .per_graph import edge_bce_term, loose_ends, type_nll_term


def _gru_step(gru, suffix, x, h):
    """One step of direction ``suffix`` ("" or "_reverse") of a one-layer ``nn.GRU``; ``x``: 1 x in, ``h``: 1 x H."""
    w_ih, w_hh = getattr(gru, f"weight_ih_l0{suffix}"), getattr(gru, f"weight_hh_l0{suffix}")
    b_ih, b_hh = getattr(gru, f"bias_ih_l0{suffix}"), getattr(gru, f"bias_hh_l0{suffix}")
    H = h.shape[1]
    gi, gh = x @ w_ih.T + b_ih, h @ w_hh.T + b_hh
    r = torch.sigmoid(gi[:, :H] + gh[:, :H])
    z = torch.sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H])
    n = torch.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
    return (1 - z) * n + z * h


def string_rows(model, types, adjacency, num_nodes):
    """The reference's string: per row ``(type, [b_0 .. b_{N-2}])`` for nodes 1 .. N-1."""
    N = model.config.max_nodes
    rows = []
    for v in range(1, N):
        if v < num_nodes:
            rows.append((types[v], [float(adjacency[j, v]) for j in range(N - 1)]))
        else:
            rows.append((START_TYPE, [0.0] * (N - 1)))
    return rows


def encode_one(model, types, adjacency, num_nodes):
    """``types``: list of ints; ``adjacency``: N x N tensor. Returns ``mu``, ``logvar`` (1 x d)."""
    dtype = model.fc_mu.weight.dtype
    H = model.config.hidden_dim
    table = model.op_encoder.table()
    inputs = [torch.cat([table[t].unsqueeze(0), torch.tensor([bits], dtype=dtype)], 1)
              for t, bits in string_rows(model, types, adjacency, num_nodes)]
    forward = torch.zeros(1, H, dtype=dtype)
    for x in inputs:
        forward = _gru_step(model.encoder_gru, "", x, forward)
    state = forward
    if model.config.bidirectional:
        backward = torch.zeros(1, H, dtype=dtype)
        for x in reversed(inputs):
            backward = _gru_step(model.encoder_gru, "_reverse", x, backward)
        state = model.graph_unify(torch.cat([forward, backward], 1))
    return model.fc_mu(state), model.fc_logvar(state)


def _scores_one(model, z):
    """Per row: type logits (T) and edge logits (N-1) of one graph."""
    h = torch.zeros(1, model.config.hidden_dim, dtype=z.dtype)
    start = torch.relu(model.fc_init(z))
    rows = []
    for _ in range(model.config.max_nodes - 1):
        h = _gru_step(model.decoder_gru, "", start, h)
        rows.append((model.add_vertex(h)[0], model.add_edges(h)[0]))
    return rows


def reconstruction_one(model, z, types, adjacency, num_nodes):
    """Type NLL and edge BCE of one graph's string (``z``: 1 x d)."""
    type_nll = torch.zeros((), dtype=z.dtype)
    edge_bce = torch.zeros((), dtype=z.dtype)
    targets = string_rows(model, types, adjacency, num_nodes)
    for (type_logits, edge_logits), (true_type, bits) in zip(_scores_one(model, z), targets):
        type_nll = type_nll + type_nll_term(type_logits, true_type)
        for logit, bit in zip(edge_logits, bits):
            edge_bce = edge_bce + edge_bce_term(torch.sigmoid(logit), bit)
    return type_nll, edge_bce


@torch.no_grad()
def greedy_decode_one(model, z):
    """Greedy decode of one latent point (``z``: 1 x d). Returns ``(types, edges)``."""
    N = model.config.max_nodes
    scores = _scores_one(model, z)
    types, edges = [START_TYPE], set()
    for v in range(1, N):
        type_logits, edge_logits = scores[v - 1]
        new_type = END_TYPE if v == N - 1 else int(type_logits.argmax())
        types.append(new_type)
        if new_type == END_TYPE:
            edges |= loose_ends(edges, v)
            break
        for k in range(v - 1, -1, -1):
            if torch.sigmoid(edge_logits[k]) > 0.5:
                edges.add((k, v))
    return types, edges
