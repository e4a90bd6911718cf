"""Property tests of the dense DVAE-EMB-ATT (``--model dvae-att``) against the per-graph
reference in reference_dvae_att.py: the attention by hand, encoder, whole loss and every
gradient (fp64 to 1e-10), greedy decoding with and without DecodeConstraints, and the CLI's
refusal of one-hot operations."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.__main__ import main
from core.config import ModelConfig
from core.models.dvae_att import AttentionGraphDecoder, DVAEAtt, attend
from core.models.registry import display_name
from core.spaces import get_space
from core.spaces.base import END_TYPE
from core.spaces.constraints import DecodeConstraints

from . import reference_dvae_att
from .per_graph import (NUM_NODES, assert_bf16_loss_close, assert_compact_decoding_equals_dense,
                        assert_encoder_matches, assert_greedy_decodes_match, assert_loss_and_gradients_match,
                        assert_loss_parts_add_up, make_model)
from .reference_dvae_att import final_states_one

pytestmark = pytest.mark.usefixtures("one_thread")


def make_att(dtype=torch.float64, seed=0, **overrides):
    return make_model("dvae-att", "learned", dtype, seed, **overrides)


def test_registry_builds_the_attention_model_and_names_it():
    model = make_att()
    assert isinstance(model, DVAEAtt) and display_name(model.config) == "DVAE-EMB-ATT"
    names = {name for name, _ in model.named_parameters()}
    assert {"message_forward.project.weight", "message_forward.score.weight", "message_backward.project.weight",
            "op_encoder.embedding.weight"} <= names
    assert "message_forward.weight" not in names and "message_forward.bias" not in names  # no D-VAE gates


def test_attention_by_hand():
    """Scores 0 and ln 3 give weights 1/4 and 3/4; a receiver with no sender gets zero, and
    the senders it does not read get no gradient (and no NaN)."""
    values = torch.tensor([[[1.0, 0.0], [0.0, 4.0], [100.0, 100.0]]], dtype=torch.float64, requires_grad=True)
    scores = torch.tensor([[0.0, np.log(3.0), 50.0]], dtype=torch.float64, requires_grad=True)
    linked = torch.tensor([[[True, True, False], [False, False, False]]])
    out = attend(values, scores, linked)
    torch.testing.assert_close(out, torch.tensor([[[0.25, 3.0], [0.0, 0.0]]], dtype=torch.float64))
    out.sum().backward()
    assert torch.isfinite(values.grad).all() and torch.isfinite(scores.grad).all()
    assert values.grad[0, 2].abs().sum() == 0 and scores.grad[0, 2] == 0


@pytest.mark.parametrize("bidirectional", [True, False])
@pytest.mark.parametrize("vertex_ids", [True, False])
def test_encoder_matches_per_graph_reference(bidirectional, vertex_ids):
    assert_encoder_matches(make_att(bidirectional=bidirectional, vertex_ids=vertex_ids), reference_dvae_att.encode_one)


@pytest.mark.parametrize("bidirectional", [True, False])
def test_loss_and_every_gradient_match_per_graph_reference(bidirectional):
    """The whole loss (encode, z = mu + 0.01 eps std with a fixed eps, decode, KL) and every
    gradient, encoder and attention included, equal the slow per-graph loops."""
    checked = assert_loss_and_gradients_match(make_att(bidirectional=bidirectional), reference_dvae_att)
    assert {"message_forward.project.weight", "message_forward.score.weight", "encoder_forward.weight_hh",
            "decoder.weight_hh", "add_edge.0.weight", "op_encoder.embedding.weight"} <= set(checked)


def test_model_loss_is_the_sum_of_its_parts_in_fp32():
    assert_loss_parts_add_up(make_att(torch.float32))


def _varied(model, scale=8.0, end_bias=0.5):
    """An untrained decoder barely reads ``z`` and rarely ends before the last node: sharpen
    the type and edge layers and favour END, so that sizes and in-degrees vary."""
    with torch.no_grad():
        model.add_vertex[2].weight.mul_(scale)
        model.add_edge[2].weight.mul_(scale)
        model.add_vertex[2].bias[END_TYPE] += end_bias
    return model


def _attending_operations(decoded) -> int:
    """Operations (not the output node, whose edges are the loose ends) with several inputs:
    where the attention weights matter."""
    return sum(int(decoded.adjacency[b, :, v].sum() > 1) for b in range(len(decoded))
               for v in range(1, int(decoded.num_nodes[b]) - 1))


@pytest.mark.parametrize("compact", [True, False])
def test_greedy_decode_matches_per_graph_reference_and_single_decodes(compact):
    model = _varied(make_att(seed=7))
    z = torch.randn(24, model.config.latent_dim, dtype=torch.float64, generator=torch.Generator().manual_seed(8)) * 2
    batch = model.decode(z, stochastic=False, compact=compact)
    assert len(set(batch.num_nodes.tolist())) > 1  # graphs of several sizes: finished rows are dropped
    assert _attending_operations(batch) > 0
    assert_greedy_decodes_match(model, z, batch, reference_dvae_att.greedy_decode_one)
    for b in range(0, 24, 6):
        single = model.decode(z[b : b + 1], stochastic=False, compact=compact)
        assert np.array_equal(single.op_ids[0], batch.op_ids[b]) and np.array_equal(single.adjacency[0],
                                                                                    batch.adjacency[b])


@pytest.mark.parametrize("stochastic", [False, True])
@pytest.mark.parametrize("compact", [True, False])
def test_decoder_states_are_the_reference_states_of_the_decoded_graphs(monkeypatch, compact, stochastic):
    """Edge decisions of an untrained model hardly depend on the attention weights, so the
    decoder's continuous states are checked: every node's final state, as the decoder left
    it, is the reference's state of that node in the decoded graph."""
    recorded = []
    finalise = AttentionGraphDecoder._finalise

    def recording(decoder, state, position):
        recorded.append((position, decoder.rows.clone(), state.clone()))
        return finalise(decoder, state, position)

    monkeypatch.setattr(AttentionGraphDecoder, "_finalise", recording)
    model = _varied(make_att(seed=7))
    z = torch.randn(24, model.config.latent_dim, dtype=torch.float64, generator=torch.Generator().manual_seed(8)) * 2
    decoded = model.decode(z, stochastic, torch.Generator().manual_seed(1), compact=compact)
    reference = [final_states_one(model, z[b : b + 1], decoded.op_ids[b].tolist(), decoded.adjacency[b],
                                  int(decoded.num_nodes[b])) for b in range(len(z))]
    checked = 0
    for position, rows, states in recorded:
        for row, state in zip(rows.tolist(), states):
            if position < decoded.num_nodes[row] - 1:  # a node of the graph, not END, not padding
                torch.testing.assert_close(state.unsqueeze(0), reference[row][position], rtol=1e-10, atol=1e-12)
                checked += 1
    assert checked > len(z) and _attending_operations(decoded) > 0


@pytest.mark.parametrize("constraints", [DecodeConstraints(min_nodes=6, single_input=True),
                                         DecodeConstraints(min_nodes=NUM_NODES, chain=True)], ids=["single", "chain"])
@pytest.mark.parametrize("compact", [True, False])
def test_constrained_greedy_decode_matches_per_graph_reference(constraints, compact):
    model = _varied(make_att(seed=7))
    z = torch.randn(24, model.config.latent_dim, dtype=torch.float64, generator=torch.Generator().manual_seed(9)) * 2
    free = model.decode(z, stochastic=False, compact=compact)
    held = model.decode(z, stochastic=False, compact=compact, constraints=constraints)
    assert (free.num_nodes < constraints.min_nodes).any()  # the rules bite on this model
    assert (held.num_nodes >= constraints.min_nodes).all()
    assert_greedy_decodes_match(model, z, held, reference_dvae_att.greedy_decode_one, constraints)


@pytest.mark.parametrize("stochastic", [False, True])
@pytest.mark.parametrize("constrained", [False, True])
def test_compact_decoding_equals_the_dense_masked_path(stochastic, constrained):
    model = _varied(make_att(seed=5))
    constraints = DecodeConstraints(min_nodes=5, single_input=True) if constrained else None
    z = torch.randn(200, model.config.latent_dim, dtype=torch.float64, generator=torch.Generator().manual_seed(5)) * 2
    # some graphs end early: rows are dropped
    assert_compact_decoding_equals_dense(model, z, stochastic, constraints)


def test_constrained_nbg_decodes_are_valid_and_keep_the_random_stream():
    space = get_space("nbg-cora")
    torch.manual_seed(0)
    model = _varied(DVAEAtt(ModelConfig(num_node_types=space.num_node_types, max_nodes=space.max_nodes,
                                        hidden_dim=16, latent_dim=4, encoding="learned", model="dvae-att"))).eval()
    z = torch.randn(200, 4, generator=torch.Generator().manual_seed(1)) * 3
    generators = [torch.Generator().manual_seed(2), torch.Generator().manual_seed(2)]
    free = model.decode(z, generator=generators[0])
    held = model.decode(z, generator=generators[1], constraints=space.decode_constraints())
    assert torch.equal(generators[0].get_state(), generators[1].get_state())
    is_valid = [space.is_valid(d.op_ids[i], d.adjacency[i], int(d.num_nodes[i])) for d in (free, held)
                for i in range(len(z))]
    assert not all(is_valid[: len(z)]) and (held.num_nodes == 6).all()
    assert (held.adjacency[:, :, 1:5].sum(1) == 1).all()  # one input per operation


def test_bf16_autocast_trains_and_decodes_on_both_paths():
    from core.training.devices import autocast

    model = make_att(torch.float32, seed=5)
    assert_bf16_loss_close(model)
    z = torch.randn(100, model.config.latent_dim, generator=torch.Generator().manual_seed(5)) * 2
    with autocast(torch.device("cpu"), "bf16"):
        assert_compact_decoding_equals_dense(model, z, True, some_end_early=False)


def test_train_refuses_onehot_operations_in_one_line_with_exit_status_2(tmp_path, capsys):
    out = tmp_path / "X"
    code = main(["train", "--space", "nbg-cora", "--model", "dvae-att", "--encoding", "onehot", "--out", str(out)])
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert lines == ["error: --model dvae-att --encoding onehot: dvae-att takes --encoding learned only"]
    assert not out.exists() and list(tmp_path.iterdir()) == []
