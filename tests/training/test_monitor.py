"""The per-epoch quality monitor: a fixed sample, fixed prior points, and the right shares."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.config import ModelConfig
from core.models.dvae import DVAE, DecodedGraphs
from core.training.monitor import QualityMonitor
from core.spaces import get_space

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def cora():
    space = get_space("nbg-cora")
    return space, space.load(None)


def _model(space) -> DVAE:
    torch.manual_seed(0)
    return DVAE(ModelConfig(num_node_types=space.num_node_types, max_nodes=space.max_nodes, hidden_dim=8,
                            latent_dim=3))


def test_sample_is_fixed_seeded_and_from_the_test_split(cora):
    space, table = cora
    a = QualityMonitor(space, table, 50, 20, latent_dim=3, seed=1)
    b = QualityMonitor(space, table, 50, 20, latent_dim=3, seed=1)
    c = QualityMonitor(space, table, 50, 20, latent_dim=3, seed=2)
    np.testing.assert_array_equal(a.index, b.index)
    assert not np.array_equal(a.index, c.index)
    assert len(set(a.index)) == 50 and set(table.split[a.index]) == {"test"}
    assert a.prior_eps.shape == (20, 3) and torch.equal(a.prior_eps, b.prior_eps)


def test_shares_count_exact_matches_and_valid_prior_decodes(cora, monkeypatch):
    space, table = cora
    monitor = QualityMonitor(space, table, 40, 10, latent_dim=3, seed=0)
    model = _model(space)
    decoded_sizes = []

    def fake_decode(z, stochastic=True, generator=None, compact=None):
        decoded_sizes.append(len(z))
        assert not stochastic  # the monitor decodes greedily
        ops = np.array(table.op_ids[monitor.index])
        adjacency = np.array(table.adjacency[monitor.index])
        ops[:10, 1] = (ops[:10, 1] - 1) % 9 + 2  # 10 of 40 reconstructions get another operation
        prior_ops = np.array(table.op_ids[:10])
        prior_adjacency = np.array(table.adjacency[:10])
        prior_adjacency[:4, 0, 5] = 1  # 4 of 10 prior decodes: input wired to the output, invalid
        return DecodedGraphs(np.concatenate([ops, prior_ops]), np.concatenate([adjacency, prior_adjacency]),
                             np.full(50, 6, dtype=np.int64))

    monkeypatch.setattr(model, "decode", fake_decode)
    model.train()
    figures = monitor.measure(model)
    assert decoded_sizes == [50]
    assert figures.recon_greedy == pytest.approx(30 / 40)
    assert figures.valid_prior == pytest.approx(6 / 10)
    assert model.training  # the mode is restored


def test_real_model_figures_are_shares_and_repeatable(cora):
    space, table = cora
    monitor = QualityMonitor(space, table, 30, 12, latent_dim=3, seed=0)
    model = _model(space)
    first, second = monitor.measure(model), monitor.measure(model)
    assert first == second
    assert 0 <= first.recon_greedy <= 1 and first.valid_prior in {k / 12 for k in range(13)}
