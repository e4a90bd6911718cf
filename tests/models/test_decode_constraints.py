"""Opt-in constrained decoding: valid by construction, the same random stream, both paths."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.config import ModelConfig
from core.models.dvae import DVAE
from core.spaces import get_space
from core.spaces.base import END_TYPE
from core.spaces.enas import EnasSpace

pytestmark = pytest.mark.usefixtures("one_thread")


def _model(space, seed=0) -> DVAE:
    torch.manual_seed(seed)
    model = DVAE(ModelConfig(num_node_types=space.num_node_types, max_nodes=space.max_nodes, hidden_dim=16,
                             latent_dim=4))
    # an untrained decoder ends graphs early and wires them at random: the rules must hold anyway
    with torch.no_grad():
        model.add_vertex[2].bias[END_TYPE] += 2.0
    return model.eval()


def _nbg_structurally_valid(space, decoded) -> list[bool]:
    return [space._link_and_ops(decoded.op_ids[i], decoded.adjacency[i], int(decoded.num_nodes[i])) is not None
            and space.is_valid(decoded.op_ids[i], decoded.adjacency[i], int(decoded.num_nodes[i]))
            or _all_skip(space, decoded.op_ids[i]) for i in range(len(decoded))]


def _all_skip(space, op_ids) -> bool:  # the bench leaves out the all-skip cell
    return all(space.op_names[int(t) - 2] == "skip" for t in op_ids[1:5])


@pytest.mark.parametrize("stochastic", [False, True])
@pytest.mark.parametrize("compact", [False, True])
def test_constrained_nbg_decodes_are_valid_and_unconstrained_ones_are_not(stochastic, compact):
    space = get_space("nbg-cora")
    model = _model(space)
    z = torch.randn(300, 4, generator=torch.Generator().manual_seed(1)) * 3
    free = model.decode(z, stochastic=stochastic, generator=torch.Generator().manual_seed(2), compact=compact)
    held = model.decode(z, stochastic=stochastic, generator=torch.Generator().manual_seed(2), compact=compact,
                        constraints=space.decode_constraints())
    assert not all(_nbg_structurally_valid(space, free))  # the rules bite on this model
    assert all(_nbg_structurally_valid(space, held))
    assert (held.num_nodes == 6).all() and (held.adjacency[:, :, 1:5].sum(1) == 1).all()


@pytest.mark.parametrize("stochastic", [False, True])
def test_constrained_enas_decodes_are_valid_and_complete(stochastic):
    space = EnasSpace(6)
    model = _model(space)
    z = torch.randn(300, 4, generator=torch.Generator().manual_seed(3)) * 3
    held = model.decode(z, stochastic=stochastic, generator=torch.Generator().manual_seed(4),
                        constraints=space.decode_constraints())
    valid = [space.is_valid(held.op_ids[i], held.adjacency[i], int(held.num_nodes[i])) for i in range(len(held))]
    assert all(valid) and (held.num_nodes == space.max_nodes).all()


def test_constraints_leave_the_random_stream_where_unconstrained_decoding_does():
    space = get_space("nbg-cora")
    model = _model(space)
    z = torch.randn(64, 4, generator=torch.Generator().manual_seed(5))
    states = []
    for constraints in (None, space.decode_constraints()):
        generator = torch.Generator().manual_seed(6)
        model.decode(z, stochastic=True, generator=generator, constraints=constraints)
        states.append(generator.get_state())
    assert torch.equal(states[0], states[1])
