"""The evaluation protocol on tiny hand-made cases with known answers."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from core.analysis.evaluate import EvalConfig, exact_matches, prior_metrics, reconstruction_accuracy
from core.models.dvae import DecodedGraphs
from core.spaces.base import ArchitectureTable, SearchSpace


class ChainSpace(SearchSpace):
    """input -> op -> op -> output; ops 'a' (type 2) or 'b' (type 3). Key: the op letters."""

    name = "chain"
    op_names = ["a", "b"]
    max_nodes = 4

    def key(self, op_ids, adjacency, num_nodes):
        return "".join(self.op_names[int(t) - 2] for t in op_ids[1 : int(num_nodes) - 1])


def chain(ops: str, broken: bool = False):
    types = np.array([0, *[2 + "ab".index(c) for c in ops], 1])
    adjacency = np.zeros((4, 4), dtype=np.uint8)
    for i in range(3):
        adjacency[i, i + 1] = 1
    if broken:
        adjacency[1, 2] = 0  # node 2 has no predecessor: invalid
    return types, adjacency


def graphs(items):
    ops = np.stack([chain(*item)[0] if isinstance(item, tuple) else chain(item)[0] for item in items])
    adj = np.stack([chain(*item)[1] if isinstance(item, tuple) else chain(item)[1] for item in items])
    return DecodedGraphs(ops, adj, np.full(len(items), 4))


class ScriptedModel(nn.Module):
    """Decodes to a fixed script of graphs, one per call row, cycling; encodes to zeros."""

    def __init__(self, script: DecodedGraphs, latent_dim: int = 2):
        super().__init__()
        self.anchor = nn.Parameter(torch.zeros(1))
        self.script = script
        self.calls = 0
        self.latent_dim = latent_dim

    def encode(self, op_ids, adjacency, num_nodes):
        zeros = torch.zeros(len(op_ids), self.latent_dim)
        return zeros, zeros

    def reparameterize(self, mu, logvar, eps_scale=0.01, generator=None):
        return mu

    def decode(self, z, stochastic=True, generator=None, constraints=None):
        rows = [(self.calls + i) % len(self.script) for i in range(len(z))]
        self.calls += len(z)
        return self.script[np.array(rows)]


def test_exact_matches_compares_types_and_edges():
    target = graphs(["ab", "ab", "ab"])
    decoded = graphs(["ab", "ba", ("ab", True)])
    assert exact_matches(decoded, target.op_ids, target.adjacency, target.num_nodes).tolist() == [True, False, False]


def test_prior_metrics_known_answer():
    # 8 decodes: 6 valid with keys aa, aa, ab, bb, ba, aa ; 2 invalid
    script = graphs(["aa", "aa", "ab", ("ab", True), "bb", "ba", ("bb", True), "aa"])
    model = ScriptedModel(script)
    config = EvalConfig(num_prior_points=4, decode_times=2)
    train_latents = np.zeros((5, 2))
    metrics = prior_metrics(model, ChainSpace(), train_latents, {"aa", "bb"}, config, progress=False)
    assert metrics["validity"] == 6 / 8
    assert metrics["uniqueness"] == 4 / 6  # aa, ab, bb, ba
    assert metrics["novelty"] == 2 / 6  # ab and ba are not in the training set


def test_reconstruction_accuracy_known_answer():
    # two test graphs "ab", "bb"; the script decodes right 3 times out of 4 per round
    target = graphs(["ab", "bb"])
    table = ArchitectureTable(keys=["ab", "bb"], op_ids=target.op_ids, adjacency=target.adjacency,
                              num_nodes=target.num_nodes, y=np.zeros(2), y_test=None,
                              split=np.array(["test", "test"]))
    script = graphs(["ab", "bb", "ab", "ab"])  # rows: (ab ok, bb ok, ab ok, bb wrong)
    model = ScriptedModel(script)
    config = EvalConfig(encode_times=3, decode_times=2, decode_batch_size=4)
    accuracy = reconstruction_accuracy(model, table, np.array([0, 1]), config, eps_scale=0.01, progress=False)
    assert accuracy == 3 / 4


def test_evaluate_run_writes_each_part_and_keeps_finished_parts(tmp_path):
    from core import runs
    from core.config import ModelConfig, TrainConfig
    from core.analysis.evaluate import evaluate_run
    from core.spaces import get_space
    from core.training.train import train_run

    space = get_space("nbg-cora")
    table = space.load(None)
    rng = np.random.default_rng(1)
    table = table.subset(np.concatenate([rng.choice(table.indices("train"), 64, replace=False),
                                         rng.choice(table.indices("test"), 8, replace=False)]))
    model_config = ModelConfig(num_node_types=space.num_node_types, max_nodes=space.max_nodes, hidden_dim=8,
                               latent_dim=2)
    run = tmp_path / "run"
    train_run(space, table, model_config, TrainConfig(epochs=1, batch_size=32), run, torch.device("cpu"),
              progress=False)
    config = EvalConfig(encode_times=1, decode_times=2, num_prior_points=5)
    first = evaluate_run(run, space, table, torch.device("cpu"), config, progress=False, parts=("recon",))
    on_disk = runs.read_json(run / runs.METRICS)
    assert on_disk["recon_accuracy"] == first["recon_accuracy"] and "validity" not in on_disk
    second = evaluate_run(run, space, table, torch.device("cpu"), config, progress=False, parts=("recon", "prior"))
    assert second["seconds"]["recon"] == first["seconds"]["recon"]  # kept, not recomputed
    assert 0 <= second["validity"] <= 1 and second["num_prior_decodes"] == 10
    third = evaluate_run(run, space, table, torch.device("cpu"), config, progress=False,
                         parts=("recon", "prior", "constrained"))
    assert third["validity"] == second["validity"]  # the papers' figures stay as they were
    assert {"constrained_recon_accuracy", "constrained_validity", "constrained_uniqueness",
            "constrained_novelty"} <= set(third)
    assert third["constrained_validity"] >= second["validity"]
    assert runs.read_json(run / runs.METRICS)["constrained_validity"] == third["constrained_validity"]
