"""How an operation type enters the GRUs: the paper's one switch.

An :class:`OpEncoder` returns a feature table ``T x E`` (one row per node type). The model
looks rows up by op id. ``OneHotOpEncoder`` is D-VAE's identity table; ``LearnedOpEncoder``
is DVAE-EMB's ``nn.Embedding(T, embedding_dim)``, trained jointly with the VAE. What a run of
each shows without being built (its name, its saved vectors) is their torch-free half,
:mod:`core.models.encodings`.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from core.models.encodings import Encoding, LearnedEncoding, OneHotEncoding


class OpEncoder(Encoding, nn.Module):
    """Base class: ``table()`` gives the ``T x E`` features of all node types.

    The class also answers, without being built, what a run trained with it shows
    (:class:`~core.models.encodings.Encoding`): ``display_name`` (the paper's model name),
    ``saves_embeddings`` (training writes the vectors to ``embeddings.json``) and
    :meth:`snapshot` (the vectors at a checkpoint).
    """

    num_node_types: int
    output_dim: int

    def table(self) -> Tensor:
        raise NotImplementedError

    def forward(self, op_ids: Tensor) -> Tensor:
        """``op_ids``: any shape of type ids. Returns ``op_ids.shape x E`` features."""
        return self.table()[op_ids]


class OneHotOpEncoder(OneHotEncoding, OpEncoder):
    """D-VAE: the one-hot vector of the node type (``E = T``). No parameters."""

    def __init__(self, num_node_types: int):
        super().__init__()
        self.num_node_types = num_node_types
        self.output_dim = num_node_types
        self.register_buffer("identity", torch.eye(num_node_types), persistent=False)

    def table(self) -> Tensor:
        return self.identity


class LearnedOpEncoder(LearnedEncoding, OpEncoder):
    """DVAE-EMB: a learned embedding vector per node type (``E = embedding_dim``).

    Args:
        num_node_types: ``T``.
        embedding_dim: ``E`` (the paper uses 3).
        generator: seeds the initialisation (``N(0, 1)``, as ``nn.Embedding``).
    """

    def __init__(self, num_node_types: int, embedding_dim: int, generator: torch.Generator | None = None):
        super().__init__()
        self.num_node_types = num_node_types
        self.output_dim = embedding_dim
        self.embedding = nn.Embedding(num_node_types, embedding_dim)
        if generator is not None:
            with torch.no_grad():
                self.embedding.weight.copy_(torch.randn(num_node_types, embedding_dim, generator=generator))

    def table(self) -> Tensor:
        return self.embedding.weight

    @torch.no_grad()
    def load_vectors(self, vectors: Tensor) -> None:
        """Warm start: copy ``T x E`` vectors in (``--init-embeddings-from``)."""
        if vectors.shape != self.embedding.weight.shape:
            raise ValueError(
                f"embedding shape {tuple(vectors.shape)} does not match {tuple(self.embedding.weight.shape)}"
            )
        self.embedding.weight.copy_(vectors)


ENCODERS: dict[str, type[OpEncoder]] = {"onehot": OneHotOpEncoder, "learned": LearnedOpEncoder}


def encoder_class(encoding: str) -> type[OpEncoder]:
    """The encoder class named by ``ModelConfig.encoding`` (its display name, snapshots)."""
    if encoding not in ENCODERS:
        raise ValueError(f"unknown encoding {encoding!r}: use 'onehot' or 'learned'")
    return ENCODERS[encoding]


def make_op_encoder(encoding: str, num_node_types: int, embedding_dim: int) -> OpEncoder:
    """Build the encoder named by ``ModelConfig.encoding``."""
    if encoding == "onehot":
        return OneHotOpEncoder(num_node_types)
    if encoding == "learned":
        return LearnedOpEncoder(num_node_types, embedding_dim)
    raise ValueError(f"unknown encoding {encoding!r}: use 'onehot' or 'learned'")
