import numpy as np
import pytest
import torch

from core.training.batch import DenseBatch, iterate_batches, make_batch
from core.spaces.base import END_TYPE, PAD_TYPE, START_TYPE, ArchitectureTable


@pytest.fixture()
def table() -> ArchitectureTable:
    """Three chains of 3, 4 and 5 nodes, padded to N = 5."""
    n = 5
    op_ids = np.full((3, n), PAD_TYPE, dtype=np.int64)
    adjacency = np.zeros((3, n, n), dtype=np.uint8)
    num_nodes = np.array([3, 4, 5])
    for row, count in enumerate(num_nodes):
        op_ids[row, :count] = [START_TYPE, *range(2, count), END_TYPE]
        for i in range(count - 1):
            adjacency[row, i, i + 1] = 1
    return ArchitectureTable(
        keys=["a", "b", "c"],
        op_ids=op_ids,
        adjacency=adjacency,
        num_nodes=num_nodes,
        y=np.array([0.1, 0.2, 0.3]),
        y_test=None,
        split=np.array(["train", "train", "test"]),
    )


def test_make_batch_shapes_and_masks(table):
    batch = make_batch(table, np.array([2, 0]))
    assert isinstance(batch, DenseBatch) and len(batch) == 2
    assert batch.op_ids.shape == (2, 5) and batch.op_ids.dtype == torch.long
    assert batch.adjacency.shape == (2, 5, 5) and batch.adjacency.dtype == torch.float32
    assert batch.node_mask.dtype == torch.bool
    assert batch.num_nodes.tolist() == [5, 3] and batch.num_nodes.dtype == torch.long
    assert torch.allclose(batch.y, torch.tensor([0.3, 0.1]))
    assert batch.node_mask.tolist() == [[True] * 5, [True, True, True, False, False]]
    assert batch.op_ids.tolist() == [[0, 2, 3, 4, 1], [0, 2, 1, 0, 0]]  # padding became 0
    assert batch.adjacency[1].sum() == 2 and batch.adjacency[1, 1, 2] == 1


def test_make_batch_does_not_share_memory(table):
    batch = make_batch(table, np.array([0]))
    batch.adjacency.zero_()
    assert table.adjacency[0].sum() == 2


def test_to_device(table):
    batch = make_batch(table, np.array([0, 1])).to("cpu")
    assert batch.adjacency.device.type == "cpu"
    if torch.cuda.is_available():
        assert make_batch(table, np.array([0])).to("cuda").op_ids.is_cuda


def test_iterate_batches_covers_index_once(table):
    batches = list(iterate_batches(table, np.array([0, 1, 2]), batch_size=2, shuffle=False))
    assert [len(b) for b in batches] == [2, 1]
    assert torch.cat([b.y for b in batches]).tolist() == pytest.approx([0.1, 0.2, 0.3])


def test_iterate_batches_shuffle_is_seeded(table):
    def order(seed):
        generator = torch.Generator().manual_seed(seed)
        batches = iterate_batches(table, np.arange(3), batch_size=1, shuffle=True, generator=generator)
        return [b.num_nodes.item() for b in batches]

    assert order(0) == order(0)
    assert sorted(order(0)) == [3, 4, 5]
    with pytest.raises(ValueError):
        next(iterate_batches(table, np.arange(3), batch_size=0, shuffle=False))
