"""Frozen, typed configurations. Every checkpoint stores them, so a run rebuilds its model."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, Literal

Encoding = Literal["onehot", "learned"]
# core.models.registry builds each model; keep the two in step
ModelName = Literal["dvae", "gcn", "svae", "graphrnn", "dvae-att", "deepgmg"]
GCNOrder = Literal["sequential", "synchronous"]
Precision = Literal["fp32", "bf16"]
Schedule = Literal["plateau", "cosine", "constant"]
Split = Literal["train", "all"]
MessageSource = Literal["state", "type"]
GraphState = Literal["last", "sum"]


@dataclass(frozen=True)
class ModelConfig:
    """The D-VAE model. Defaults are the paper's (Zhang et al. 2019; Chatzianastasis et al. 2021)."""

    num_node_types: int  # input, output and every operation type
    max_nodes: int  # N: nodes of the largest graph, input and output included
    hidden_dim: int = 501  # GRU hidden state size
    latent_dim: int = 56  # size of z
    bidirectional: bool = True  # add a backward encoder GRU
    vertex_ids: bool = True  # append the one-hot position of a predecessor to its message
    encoding: Encoding = "onehot"  # how an operation enters the GRUs: one-hot or learned
    embedding_dim: int = 3  # size of a learned operation embedding (learned only)
    model: ModelName = "dvae"  # the architecture (--model): "dvae" (D-VAE), "gcn" (GCN encoder, D-VAE decoder),
    # "svae" (S-VAE: GRUs over the graph string), "graphrnn" (GraphRNN: S-VAE's encoder, graph- and edge-level
    # GRU decoders), "dvae-att" (DVAE-EMB-ATT: attention over predecessors, --encoding learned only)
    # "deepgmg" (DeepGMG: graph propagation rounds, add-node / add-edge / select-node decoder)
    gcn_levels: int = 3  # gcn: graph-convolution levels (the reference's 3)
    gcn_order: GCNOrder = "sequential"  # gcn: "sequential" (the reference: within a level nodes update in
    # index order, reading lower-index neighbours' states of this level) or "synchronous" (plain GCN)
    # dvae only: the three changes of the D-VAE reference's DVAE_BN (its model for Bayesian networks), on by
    # default for bn-asia (core.spaces.base.SearchSpace.dvae_bn); a config.json without them reads as D-VAE
    messages: MessageSource = "state"  # what a node sends its successors through the gate: "state" (D-VAE: its
    # hidden state) or "type" (DVAE_BN: its type's features, one-hot or learned), in encoder and decoder alike
    graph_state: GraphState = "last"  # "last" (D-VAE: the encoder reads the output node, the decoder's type MLP the
    # last node) or "sum" (DVAE_BN: the encoder sums the nodes between input and output, the decoder every node so far)
    edge_reads_initial: bool = False  # the edge MLP also reads h0 = tanh(W z) (DVAE_BN: type messages cut h0 off)


# The D-VAE reference's DVAE_BN (its model for Bayesian networks) as ModelConfig fields: what `train
# --dvae-bn` sets, and a space with ``dvae_bn`` (bn-asia) by default. Its messages carry no vertex id.
DVAE_BN_OPTIONS: dict[str, Any] = {"messages": "type", "graph_state": "sum", "edge_reads_initial": True,
                                   "vertex_ids": False}


def uses_bn_options(config: ModelConfig) -> bool:
    """Whether ``config`` turns on any of DVAE_BN's options (``messages``, ``graph_state``,
    ``edge_reads_initial``; ``vertex_ids`` is D-VAE's own)."""
    return config.messages != "state" or config.graph_state != "last" or config.edge_reads_initial


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation. Defaults are the paper's preset."""

    epochs: int = 300  # passes over the training split
    batch_size: int = 32  # graphs per step
    lr: float = 1e-4  # Adam learning rate
    beta: float = 0.005  # weight of the KL term
    eps_scale: float = 0.01  # scale of the reparameterisation noise while training
    schedule: Schedule = "plateau"  # plateau (the papers'): ReduceLROnPlateau on the train loss;
    # cosine: linear warm-up to lr over warmup_epochs, then cosine decay to lr * min_lr_ratio
    lr_patience: int = 10  # ReduceLROnPlateau patience (epochs) on the train loss
    lr_factor: float = 0.1  # ReduceLROnPlateau factor
    warmup_epochs: float = 0.0  # cosine: epochs of linear warm-up (steps are counted, so fractions work)
    min_lr_ratio: float = 0.01  # cosine: the final learning rate as a share of lr
    grad_clip: float = 0.0  # clip the gradient's global 2-norm to this (0: off, the papers')
    kl_warmup_epochs: float = 0.0  # ramp the KL weight linearly from 0 to beta over these epochs (0: off)
    seed: int = 0  # seeds weights, shuffling and sampling
    checkpoint_every: int = 10  # epochs between checkpoints (and at the end)
    precision: Precision = "fp32"  # "bf16" runs the model under autocast
    monitor_graphs: int = 500  # fixed test graphs for the per-epoch recon_greedy (0: no monitor)
    monitor_prior_points: int = 200  # fixed prior points for the per-epoch valid_prior
    stop_at_recon: float | None = None  # end once recon_greedy >= this and valid_prior >= stop_at_valid
    stop_at_valid: float = 0.99  # the validity a stop_at_recon stop also needs
    split: Split = "train"  # graphs trained on: the training split, or "all" architectures (the VAE never sees y)


@dataclass(frozen=True)
class Preset:
    hidden_dim: int
    latent_dim: int
    batch_size: int
    lr: float
    epochs: int
    bidirectional: bool = True
    beta: float = 0.005
    eps_scale: float = 0.01
    schedule: Schedule = "plateau"
    warmup_epochs: float = 0.0
    grad_clip: float = 0.0
    kl_warmup_epochs: float = 0.0
    stop_at_recon: float | None = None  # the preset's --stop-at-recon

    def train_config(self, **overrides) -> TrainConfig:
        """The preset's :class:`TrainConfig`; ``overrides`` set any field (``None`` keeps the preset's)."""
        names = ("epochs", "batch_size", "lr", "beta", "eps_scale", "schedule", "warmup_epochs", "grad_clip",
                 "kl_warmup_epochs", "stop_at_recon")
        values = {name: getattr(self, name) for name in names}
        values.update({name: value for name, value in overrides.items() if value is not None})
        return TrainConfig(**values)


PRESETS: dict[str, Preset] = {
    # The paper: hidden 501, latent 56, batch 32, lr 1e-4, 300 epochs, bidirectional.
    "paper": Preset(hidden_dim=501, latent_dim=56, batch_size=32, lr=1e-4, epochs=300),
    # Minutes on 2 CPU cores: a smaller model, larger batches and a larger step size.
    "quick": Preset(hidden_dim=64, latent_dim=16, batch_size=128, lr=1e-3, epochs=80),
    # The largest configuration whose enas6 pair trains within an hour on 2 CPU cores.
    "cpu": Preset(hidden_dim=128, latent_dim=56, batch_size=64, lr=1e-3, epochs=40),
    # Paper-quality models in minutes on 2 CPU cores (the recipe study in the README): the
    # papers' model at hidden 128, a larger batch and step, a 2-epoch linear warm-up and a
    # cosine decay over 120 epochs, and 10x the papers' reparameterisation noise (eps 0.1),
    # which spreads the latent space for the GP (study runs F and G). It runs the whole
    # schedule: greedy reconstruction passes 99 % well before the end, and the low-lr tail
    # sharpens the stochastic decodes that the evaluation protocol counts (add
    # --stop-at-recon 0.99 to end at the greedy target).
    "fast": Preset(hidden_dim=128, latent_dim=56, batch_size=128, lr=3e-3, epochs=120, schedule="cosine",
                   warmup_epochs=2.0, eps_scale=0.1),
    # Seconds: for tests and smoke runs.
    "tiny": Preset(hidden_dim=16, latent_dim=4, batch_size=32, lr=3e-3, epochs=2),
}


# The sparse GP's defaults (core.analysis.gp fits it): here, free of torch, for BOConfig and --help.
GP_INDUCING = 500  # inducing points (the reference's M)
GP_ITERATIONS = 2  # epochs (the reference: 100 epochs of Adam at lr 0.0005)
GP_LR = 0.03  # Adam learning rate of kernel, likelihood and inducing locations
EVAL_GP_EPOCHS = 30  # sparse-GP epochs per fit in the evaluation protocol (core.analysis.evaluate)


def to_dict(config: Any) -> dict:
    return dataclasses.asdict(config)


def from_dict(cls, data: dict):
    """Rebuild a config, ignoring keys a newer or older version does not know."""
    names = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in names})
