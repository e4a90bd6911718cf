"""What the model tests share: the test graphs, a small seeded model, the small formulae the
per-graph references (``reference_*.py``) are written with, and the checks of a dense,
batched model against its per-graph reference (encoder, whole loss and every gradient in
fp64 to 1e-10, greedy decodes) and of its own paths (compact against dense decoding, bf16).

Each reference stays its own per-graph implementation of its model: only the formulae that
are the same in every model (a term of the loss, the loose ends the output node closes, the
rules on a greedy type) are shared here.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from core.config import ModelConfig
from core.training.devices import autocast
from core.models.registry import build_model
from core.spaces.base import END_TYPE, PAD_TYPE, START_TYPE

from .reference_dvae import _features

NUM_TYPES, NUM_NODES = 8, 7


# ---------------------------------------------------------------------- graphs and models
def random_graphs(batch: int, seed: int, variable_size: bool = False):
    """Valid-looking DAGs: input, ops, output; chain edges plus random skips."""
    rng = np.random.default_rng(seed)
    op_ids = np.zeros((batch, NUM_NODES), dtype=np.int64)
    adjacency = np.zeros((batch, NUM_NODES, NUM_NODES), dtype=np.float32)
    num_nodes = np.full(batch, NUM_NODES)
    for b in range(batch):
        n = int(rng.integers(4, NUM_NODES + 1)) if variable_size else NUM_NODES
        num_nodes[b] = n
        op_ids[b, 0] = START_TYPE
        op_ids[b, 1 : n - 1] = rng.integers(2, NUM_TYPES, n - 2)
        op_ids[b, n - 1] = END_TYPE
        for j in range(1, n):
            adjacency[b, j - 1, j] = 1
            for i in range(j - 1):
                adjacency[b, i, j] = float(rng.random() < 0.4)
    return torch.from_numpy(op_ids), torch.from_numpy(adjacency), torch.from_numpy(num_nodes)


def make_model(model: str, encoding: str = "onehot", dtype: torch.dtype = torch.float64, seed: int = 0,
               **overrides) -> torch.nn.Module:
    """A small ``--model model`` built by the registry after seeding torch with ``seed``:
    ``NUM_TYPES`` types, ``NUM_NODES`` nodes, ``H = 12``, ``latent_dim = 5``, 3-dimensional
    learned embeddings; ``overrides`` are further :class:`ModelConfig` fields."""
    torch.manual_seed(seed)
    settings = {"num_node_types": NUM_TYPES, "max_nodes": NUM_NODES, "hidden_dim": 12, "latent_dim": 5,
                "encoding": encoding, "embedding_dim": 3, "model": model, **overrides}
    return build_model(ModelConfig(**settings)).to(dtype)


# ---------------------------------------------------------------------- the references' formulae
def decoder_start(model, z):
    """The input node's decoder state of a D-VAE-style decoder, ``GRU(x_start, tanh(W z))``
    (``z``: 1 x d). Returns 1 x H."""
    return model.decoder(_features(model, START_TYPE), torch.tanh(model.fc_init(z)))


def edge_probability(model, earlier_state, new_state):
    """A D-VAE-style decoder's probability of the edge from the node with ``earlier_state``
    to the new node (each 1 x H): the edge MLP on ``[h_k, h_v]``, a 0-d tensor."""
    return torch.sigmoid(model.add_edge(torch.cat([earlier_state, new_state], 1)))[0, 0]


def type_nll_term(logits, node_type):
    """``-log softmax(logits)[node_type]`` of one node's type logits (``T``), a 0-d tensor."""
    return -torch.log_softmax(logits, 0)[node_type]


def edge_bce_term(probability, target):
    """The binary cross-entropy of one edge decision from its probability (``target`` 0 or 1)."""
    return -(target * torch.log(probability) + (1 - target) * torch.log(1 - probability))


def loose_ends(edges, output):
    """The edges ``(k, output)`` from every earlier node without a successor in ``edges``
    (a set of ``(from, to)``): what the output node closes a graph with."""
    return {(k, output) for k in range(output) if not any(a == k for a, _ in edges)}


def greedy_type(logits, position, constraints):
    """The most likely type (``logits``: ``T``) of the node at ``position`` (not the output
    node), START never and END not before ``min_nodes - 1`` under ``constraints``."""
    if constraints is not None:
        logits = logits.clone()
        logits[START_TYPE] = -torch.inf
        if position < constraints.min_nodes - 1:
            logits[END_TYPE] = -torch.inf
    return int(logits.argmax())


# ---------------------------------------------------------------------- against the references
def assert_encoder_matches(model, encode_one) -> None:
    """``mu`` and ``logvar`` of six graphs of several sizes, encoded as a batch (fp64), equal
    the per-graph reference's ``encode_one`` of each graph to 1e-10."""
    op_ids, adjacency, num_nodes = random_graphs(6, seed=1, variable_size=True)
    adjacency = adjacency.double()
    mu, logvar = model.encode(op_ids, adjacency, num_nodes)
    for b in range(len(op_ids)):
        ref_mu, ref_logvar = encode_one(model, op_ids[b].tolist(), adjacency[b], int(num_nodes[b]))
        torch.testing.assert_close(mu[b : b + 1], ref_mu, rtol=1e-10, atol=1e-12)
        torch.testing.assert_close(logvar[b : b + 1], ref_logvar, rtol=1e-10, atol=1e-12)


def assert_gradients_match(model, fast: Callable[[], torch.Tensor], slow: Callable[[], torch.Tensor],
                           rtol: float = 1e-10, gradient_rtol: float | None = None, every_parameter: bool = True,
                           gradient_floor: float = 0.0) -> list[str]:
    """The loss ``fast()`` equals ``slow()`` to ``rtol`` (``atol`` 0), and so does each of their
    gradients with respect to every parameter of ``model``: the largest difference over the
    largest value of the slow gradient below ``gradient_rtol`` (default ``rtol``).

    Args:
        every_parameter: every parameter must have a gradient in both; with ``False`` the
            parameters the slow loss does not use are passed over.
        gradient_floor: when set, a gradient is measured against at least that fraction of
            the largest slow gradient (for parameters whose gradient is zero up to rounding);
            else against at least 1e-12.
    Returns:
        The names of the parameters checked.
    """
    names = [name for name, _ in model.named_parameters()]
    parameters = list(model.parameters())
    fast_loss, slow_loss = fast(), slow()
    fast_grads = torch.autograd.grad(fast_loss, parameters, allow_unused=True)
    slow_grads = torch.autograd.grad(slow_loss, parameters, allow_unused=True)
    torch.testing.assert_close(fast_loss, slow_loss, rtol=rtol, atol=0)
    gradient_rtol = rtol if gradient_rtol is None else gradient_rtol
    largest = max(g.abs().max() for g in slow_grads if g is not None)
    checked = []
    for name, g_fast, g_slow in zip(names, fast_grads, slow_grads):
        if g_slow is None and not every_parameter:
            continue
        assert g_slow is not None and g_fast is not None, name
        if gradient_floor:
            scale = max(g_slow.abs().max(), gradient_floor * largest)
        else:
            scale = g_slow.abs().max().clamp_min(1e-12)
        assert (g_fast - g_slow).abs().max() / scale < gradient_rtol, name
        checked.append(name)
    return checked


def _kl(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


def assert_loss_and_gradients_match(model, reference, beta: float = 0.5, gradient_floor: float = 0.0) -> list[str]:
    """The whole loss (encode, ``z = mu + 0.01 eps std`` with a fixed ``eps``, the model's
    reconstruction terms, ``beta`` KL) of five graphs of several sizes, as a batch, and every
    gradient equal the slow per-graph loops of ``reference`` (a module with ``encode_one``
    and ``reconstruction_one``) in fp64 to 1e-10 (:func:`assert_gradients_match`, every
    parameter). Returns the names of the parameters checked."""
    op_ids, adjacency, num_nodes = random_graphs(5, seed=2, variable_size=True)
    adjacency = adjacency.double()
    assert len(set(num_nodes.tolist())) > 1  # graphs of several sizes: padding positions in the batch
    eps = torch.randn(5, model.config.latent_dim, dtype=torch.float64, generator=torch.Generator().manual_seed(3))

    def fast():
        mu, logvar = model.encode(op_ids, adjacency, num_nodes)
        z = mu + 0.01 * eps * torch.exp(0.5 * logvar)
        return sum(model.reconstruction_terms(z, op_ids, adjacency, num_nodes)) + beta * _kl(mu, logvar)

    def slow():
        total = torch.zeros((), dtype=torch.float64)
        for b in range(len(op_ids)):
            types, n = op_ids[b].tolist(), int(num_nodes[b])
            mu, logvar = reference.encode_one(model, types, adjacency[b], n)
            z = mu + 0.01 * eps[b : b + 1] * torch.exp(0.5 * logvar)
            total = total + sum(reference.reconstruction_one(model, z, types, adjacency[b], n)) + beta * _kl(mu, logvar)
        return total

    return assert_gradients_match(model, fast, slow, gradient_floor=gradient_floor)


def assert_greedy_decodes_match(model, z, decoded, greedy_decode_one, constraints=None) -> None:
    """Every graph of ``decoded`` (the batch's greedy decode of ``z``) is the per-graph
    reference's greedy decode of its latent point: the same types, padding after the output
    node, the same edges. ``constraints`` are passed on to the reference when given."""
    extra = () if constraints is None else (constraints,)
    for b in range(len(z)):
        types, edges = greedy_decode_one(model, z[b : b + 1], *extra)
        n = int(decoded.num_nodes[b])
        assert decoded.op_ids[b, :n].tolist() == types, b
        assert (decoded.op_ids[b, n:] == PAD_TYPE).all(), b
        assert {tuple(e) for e in np.argwhere(decoded.adjacency[b])} == edges, b


# ---------------------------------------------------------------------- the model's own paths
def assert_same_graphs(first, second) -> None:
    """Two :class:`DecodedGraphs` hold the same graphs."""
    assert np.array_equal(first.op_ids, second.op_ids) and np.array_equal(first.adjacency, second.adjacency)
    assert np.array_equal(first.num_nodes, second.num_nodes)


def assert_compact_decoding_equals_dense(model, z, stochastic: bool, constraints=None,
                                         some_end_early: bool = True) -> None:
    """The CPU path (finished graphs dropped, only the rows that gained an edge updated) and
    the CUDA path (every row computed and masked) decode ``z`` into the same graphs from the
    same random stream; with ``some_end_early``, some graphs but not all end before the last
    node (so rows are dropped)."""
    compact = model.decode(z, stochastic, torch.Generator().manual_seed(6), compact=True, constraints=constraints)
    dense = model.decode(z, stochastic, torch.Generator().manual_seed(6), compact=False, constraints=constraints)
    if some_end_early:
        assert 0 < (compact.num_nodes < NUM_NODES).sum() < len(z)
    assert_same_graphs(compact, dense)


def assert_batch_terms_are_single_graph_sums(model, atol: float = 1e-5) -> None:
    """The reconstruction terms of six graphs of several sizes (fp32), as a batch, equal the
    sum of each graph's alone (to ``rtol`` 1e-5 and ``atol``): a graph's loss is its own."""
    op_ids, adjacency, num_nodes = random_graphs(6, seed=4, variable_size=True)
    z = torch.randn(6, model.config.latent_dim, generator=torch.Generator().manual_seed(5))
    batch = sum(model.reconstruction_terms(z, op_ids, adjacency, num_nodes))
    singles = sum(sum(model.reconstruction_terms(z[b : b + 1], op_ids[b : b + 1], adjacency[b : b + 1],
                                                 num_nodes[b : b + 1])) for b in range(6))
    torch.testing.assert_close(batch, singles, rtol=1e-5, atol=atol)


def assert_loss_parts_add_up(model, parts=None, beta: float = 0.5) -> None:
    """``parts`` (default: ``model.loss`` of eight graphs of several sizes with ``beta``)
    add up to the loss, whose gradients are finite for every parameter."""
    if parts is None:
        op_ids, adjacency, num_nodes = random_graphs(8, seed=4, variable_size=True)
        parts = model.loss(op_ids, adjacency, num_nodes, beta=beta, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(parts.loss, parts.type_nll + parts.edge_bce + beta * parts.kld)
    parts.loss.backward()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters())


def assert_bf16_loss_close(model) -> None:
    """``--precision bf16``: the loss of sixteen graphs under CPU bf16 autocast is within 5%
    of fp32's, and its gradients are finite."""
    op_ids, adjacency, num_nodes = random_graphs(16, seed=3, variable_size=True)
    reference = model.loss(op_ids, adjacency, num_nodes, generator=torch.Generator().manual_seed(0)).loss.detach()
    with autocast(torch.device("cpu"), "bf16"):
        parts = model.loss(op_ids, adjacency, num_nodes, generator=torch.Generator().manual_seed(0))
    parts.loss.backward()
    assert abs(parts.loss.item() - reference.item()) < 0.05 * abs(reference.item())
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)
