"""How an operation type enters the GRUs: the paper's one switch.

An :class:`OpEncoder` returns a feature table ``T x E`` (one row per node type). The model
looks rows up by op id. ``OneHotOpEncoder`` is D-VAE's identity table; ``LearnedOpEncoder``
is DVAE-EMB's ``nn.Embedding(T, embedding_dim)``, trained jointly with the VAE.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn


class OpEncoder(nn.Module):
    """Base class: ``table()`` gives the ``T x E`` features of all node types.

    The class also answers, without being built, what a run trained with it shows:
    ``display_name`` (the paper's model name), ``saves_embeddings`` (training writes the
    vectors to ``embeddings.json``) and :meth:`snapshot` (the vectors at a checkpoint).
    """

    num_node_types: int
    output_dim: int
    display_name: str = ""  # the paper's name of a D-VAE with this encoder, for legends
    saves_embeddings: bool = False  # training writes the vectors to embeddings.json

    @classmethod
    def snapshot(cls, node_types: list[str], embeddings: dict | None,
                 epoch: int | None = None) -> tuple[list[str], np.ndarray] | None:
        """Names and ``T x E`` vectors of the encoder at a checkpoint ``epoch`` (the last
        when ``None`` or not saved), from ``embeddings.json`` (``embeddings``, or ``None``),
        or ``None`` when nothing was saved."""
        raise NotImplementedError

    @classmethod
    def snapshot_epochs(cls, embeddings: dict | None) -> list[int]:
        """The checkpoint epochs whose vectors were saved (none for a fixed encoder)."""
        return []

    def table(self) -> Tensor:
        raise NotImplementedError

    def forward(self, op_ids: Tensor) -> Tensor:
        """``op_ids``: any shape of type ids. Returns ``op_ids.shape x E`` features."""
        return self.table()[op_ids]


class OneHotOpEncoder(OpEncoder):
    """D-VAE: the one-hot vector of the node type (``E = T``). No parameters."""

    def __init__(self, num_node_types: int):
        super().__init__()
        self.num_node_types = num_node_types
        self.output_dim = num_node_types
        self.register_buffer("identity", torch.eye(num_node_types), persistent=False)

    display_name = "D-VAE"

    @classmethod
    def snapshot(cls, node_types: list[str], embeddings: dict | None,
                 epoch: int | None = None) -> tuple[list[str], np.ndarray]:
        """The ``T x T`` identity: one-hot vectors never change."""
        return list(node_types), np.eye(len(node_types))

    def table(self) -> Tensor:
        return self.identity


class LearnedOpEncoder(OpEncoder):
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

    display_name = "DVAE-EMB"
    saves_embeddings = True

    def table(self) -> Tensor:
        return self.embedding.weight

    @classmethod
    def snapshot(cls, node_types: list[str], embeddings: dict | None,
                 epoch: int | None = None) -> tuple[list[str], np.ndarray] | None:
        """The saved vectors of ``epoch`` (the last snapshot when ``None`` or not saved)."""
        snapshots = (embeddings or {}).get("snapshots") or []
        if not snapshots:
            return None
        chosen = next((s for s in snapshots if epoch is not None and int(s["epoch"]) == int(epoch)), snapshots[-1])
        return list(embeddings.get("node_types") or node_types), np.asarray(chosen["vectors"], dtype=np.float64)

    @classmethod
    def snapshot_epochs(cls, embeddings: dict | None) -> list[int]:
        return [int(s["epoch"]) for s in (embeddings or {}).get("snapshots") or []]

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
