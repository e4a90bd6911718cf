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

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, get_args

from core.config import ModelConfig, ModelName
from core.errors import OpEmbedError
from core.models.encodings import ENCODINGS

if TYPE_CHECKING:
    from torch import nn

    from core.models.dvae import DVAE
    from core.models.svae import SVAE


@dataclass(frozen=True)
class ModelSpec:
    """One ``--model`` choice. The table names each class by its path, so that the names (for
    ``--help``, tables and legends) are read without importing torch."""

    class_path: str  # "module:Class", built from a ModelConfig: encode, reparameterize, loss, decode as DVAE
    names: Mapping[str, str]  # the run's display name per encoding it takes (its keys: the encodings allowed)
    summary: str  # one line for --help and the README

    @property
    def model_class(self) -> type[nn.Module]:
        """The class itself (imports its module, and torch, on first use)."""
        module, name = self.class_path.split(":")
        return getattr(importlib.import_module(module), name)


MODELS: dict[str, ModelSpec] = {
    "dvae": ModelSpec("core.models.dvae:DVAE", {name: encoding.display_name for name, encoding in ENCODINGS.items()},
                      "D-VAE: asynchronous message-passing GRU encoder and decoder (Zhang et al. 2019)"),
    "gcn": ModelSpec("core.models.gcn_dvae:GCNDVAE", {"onehot": "GCN", "learned": "GCN-EMB"},
                     "the D-VAE decoder with the reference's 3-level GCN encoder (PyTorch Geometric)"),
    "svae": ModelSpec("core.models.svae:SVAE", {"onehot": "S-VAE", "learned": "S-VAE-EMB"},
                      "S-VAE: GRU encoder and one-shot GRU decoder over the graph string (D-VAE's baseline)"),
    "graphrnn": ModelSpec("core.models.graphrnn:GraphRNN", {"onehot": "GraphRNN", "learned": "GraphRNN-EMB"},
                          "GraphRNN: S-VAE's encoder, graph- and edge-level GRU decoders (D-VAE's baseline)"),
    "dvae-att": ModelSpec("core.models.dvae_att:DVAEAtt", {"learned": "DVAE-EMB-ATT"},
                          "DVAE-EMB-ATT: D-VAE whose nodes attend over their predecessors (learned operations only)"),
    "deepgmg": ModelSpec("core.models.deepgmg:DeepGMG", {"onehot": "DeepGMG", "learned": "DeepGMG-EMB"},
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
