"""The models ``train --model`` can build: the one table of model names.

Each entry says which class builds the model, which operation encodings it takes and the
name a run of it goes by in legends and tables (the papers' names: "D-VAE", "DVAE-EMB",
"GCN", "GCN-EMB"). The model and the encoding are orthogonal: every model reads operations
through the same :class:`~core.models.op_encoder.OpEncoder`.

Example:
    >>> model = build_model(ModelConfig(num_node_types=8, max_nodes=8, model="gcn", encoding="learned"))
    >>> display_name(model.config)
    'GCN-EMB'
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import get_args

from torch import nn

from ..config import ModelConfig, ModelName
from ..errors import OpEmbedError
from .deepgmg import DeepGMG
from .dvae import DVAE
from .dvae_att import DVAEAtt
from .gcn_dvae import GCNDVAE
from .graphrnn import GraphRNN
from .op_encoder import ENCODERS
from .svae import SVAE


@dataclass(frozen=True)
class ModelSpec:
    """One ``--model`` choice."""

    model_class: type[nn.Module]  # built from a ModelConfig: encode, reparameterize, loss, decode as DVAE
    names: Mapping[str, str]  # the run's display name per encoding it takes (its keys: the encodings allowed)
    summary: str  # one line for --help and the README


MODELS: dict[str, ModelSpec] = {
    "dvae": ModelSpec(DVAE, {encoding: encoder.display_name for encoding, encoder in ENCODERS.items()},
                      "D-VAE: asynchronous message-passing GRU encoder and decoder (Zhang et al. 2019)"),
    "gcn": ModelSpec(GCNDVAE, {"onehot": "GCN", "learned": "GCN-EMB"},
                     "the D-VAE decoder with the reference's 3-level GCN encoder (PyTorch Geometric)"),
    "svae": ModelSpec(SVAE, {"onehot": "S-VAE", "learned": "S-VAE-EMB"},
                      "S-VAE: GRU encoder and one-shot GRU decoder over the graph string (D-VAE's baseline)"),
    "graphrnn": ModelSpec(GraphRNN, {"onehot": "GraphRNN", "learned": "GraphRNN-EMB"},
                          "GraphRNN: S-VAE's encoder, graph- and edge-level GRU decoders (D-VAE's baseline)"),
    "dvae-att": ModelSpec(DVAEAtt, {"learned": "DVAE-EMB-ATT"},
                          "DVAE-EMB-ATT: D-VAE whose nodes attend over their predecessors (learned operations only)"),
    "deepgmg": ModelSpec(DeepGMG, {"onehot": "DeepGMG", "learned": "DeepGMG-EMB"},
                         "DeepGMG: graph-propagation encoder, add-node / add-edge / select-node decoder (D-VAE's baseline)"),
}
assert tuple(MODELS) == get_args(ModelName), "core.config.ModelName and MODELS must list the same models"


def model_spec(name: str) -> ModelSpec:
    """The entry of ``name``. Raises ``ValueError`` for an unknown model."""
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}: use {', '.join(MODELS)}")
    return MODELS[name]


def check_model_encoding(model: str, encoding: str) -> None:
    """That ``model`` takes ``encoding``; else one line naming both flags (exit status 2)."""
    allowed = model_spec(model).names
    if encoding not in allowed:
        raise OpEmbedError(f"--model {model} --encoding {encoding}: {model} takes --encoding "
                           f"{' or '.join(allowed)} only")


def build_model(config: ModelConfig) -> DVAE | SVAE:
    """A freshly initialised model of ``config.model`` (seed torch first for fixed weights)."""
    return model_spec(config.model).model_class(config)


def display_name(config: ModelConfig) -> str:
    """The paper's name of a run's model: "D-VAE", "DVAE-EMB", "GCN", "GCN-EMB", "S-VAE", "S-VAE-EMB"."""
    spec = model_spec(config.model)
    return spec.names.get(config.encoding, f"{config.model}-{config.encoding}")
