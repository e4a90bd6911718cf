"""Dense mini-batches of architectures: the tensors every model reads.

Shapes (``B`` graphs, ``N`` = the space's ``max_nodes``):
    op_ids: ``B x N`` long node types, 0 at padding positions (see ``node_mask``).
    adjacency: ``B x N x N`` float, ``adjacency[b, i, j] = 1`` for an edge ``i -> j``.
    node_mask: ``B x N`` bool, ``True`` for the real nodes of each graph.
    num_nodes: ``B`` long, real nodes per graph (input and output included).
    y: ``B`` float objective values.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from core.spaces.base import PAD_TYPE, ArchitectureTable


@dataclass(frozen=True)
class DenseBatch:
    """A batch of graphs as dense tensors.

    Shapes:
        op_ids: ``B x N`` long; padding positions hold 0, use ``node_mask``.
        adjacency: ``B x N x N`` float32.
        node_mask: ``B x N`` bool.
        num_nodes: ``B`` long.
        y: ``B`` float32.
    """

    op_ids: Tensor
    adjacency: Tensor
    node_mask: Tensor
    num_nodes: Tensor
    y: Tensor

    def __len__(self) -> int:
        return self.op_ids.shape[0]

    def to(self, device: torch.device | str) -> "DenseBatch":
        """The same batch on ``device``."""
        return DenseBatch(
            op_ids=self.op_ids.to(device),
            adjacency=self.adjacency.to(device),
            node_mask=self.node_mask.to(device),
            num_nodes=self.num_nodes.to(device),
            y=self.y.to(device),
        )


def make_batch(table: ArchitectureTable, index: np.ndarray) -> DenseBatch:
    """The rows ``index`` of a table as a :class:`DenseBatch` on the CPU.

    Args:
        table: The architectures.
        index: ``B`` row indices.

    Returns:
        The batch; ``PAD_TYPE`` positions of ``table.op_ids`` become 0 with
        ``node_mask`` ``False``.

    Example:
        >>> batch = make_batch(table, table.indices("train")[:32])  # doctest: +SKIP
        >>> batch.adjacency.shape  # B x N x N
        torch.Size([32, 8, 8])
    """
    index = np.asarray(index, dtype=np.int64)
    op_ids = torch.from_numpy(np.array(table.op_ids[index], dtype=np.int64))  # B x N
    num_nodes = torch.from_numpy(np.array(table.num_nodes[index], dtype=np.int64))  # B
    positions = torch.arange(op_ids.shape[1])  # N
    node_mask = positions.unsqueeze(0) < num_nodes.unsqueeze(1)  # B x N
    return DenseBatch(
        op_ids=op_ids.masked_fill((op_ids == PAD_TYPE) | ~node_mask, 0),
        adjacency=torch.from_numpy(np.array(table.adjacency[index], dtype=np.float32)),  # B x N x N
        node_mask=node_mask,
        num_nodes=num_nodes,
        y=torch.from_numpy(np.array(table.y[index], dtype=np.float32)),  # B
    )


def iterate_batches(
    table: ArchitectureTable,
    index: np.ndarray,
    batch_size: int,
    shuffle: bool,
    generator: torch.Generator | None = None,
) -> Iterator[DenseBatch]:
    """The rows ``index`` in batches of ``batch_size`` (the last one may be smaller).

    Args:
        table: The architectures.
        index: Row indices to cover, each once.
        batch_size: Graphs per batch.
        shuffle: Visit ``index`` in a random order drawn from ``generator``.
        generator: Source of the shuffle order. Default ``None``: torch's global generator.

    Yields:
        :class:`DenseBatch` es on the CPU.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    index = np.asarray(index, dtype=np.int64)
    if shuffle:
        index = index[torch.randperm(len(index), generator=generator).numpy()]
    for start in range(0, len(index), batch_size):
        yield make_batch(table, index[start : start + batch_size])
