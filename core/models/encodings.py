"""What a run trained with each operation encoding shows, answered without torch.

The encoders themselves (``core.models.op_encoder``) are torch modules; these classes are
their torch-free half, which they inherit: the paper's model name, whether training saves the
vectors to ``embeddings.json``, and the vectors at a checkpoint. Tables, the verdict and the
dashboard read a run through them (``Run.encoder``) without importing torch.

Example:
    >>> encoding_class("learned").display_name
    'DVAE-EMB'
"""

from __future__ import annotations

import numpy as np


class Encoding:
    """Base class: what a run of this encoding shows (class attributes and class methods only)."""

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


class OneHotEncoding(Encoding):
    """D-VAE: the one-hot vector of the node type."""

    display_name = "D-VAE"

    @classmethod
    def snapshot(cls, node_types: list[str], embeddings: dict | None,
                 epoch: int | None = None) -> tuple[list[str], np.ndarray]:
        """The ``T x T`` identity: one-hot vectors never change."""
        return list(node_types), np.eye(len(node_types))


class LearnedEncoding(Encoding):
    """DVAE-EMB: a learned embedding vector per node type, saved at every checkpoint."""

    display_name = "DVAE-EMB"
    saves_embeddings = True

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


ENCODINGS: dict[str, type[Encoding]] = {"onehot": OneHotEncoding, "learned": LearnedEncoding}


def encoding_class(encoding: str) -> type[Encoding]:
    """The class named by ``ModelConfig.encoding`` (its display name, snapshots); no torch."""
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}: use 'onehot' or 'learned'")
    return ENCODINGS[encoding]
