"""What the benches share: a synthetic ENAS-shaped batch, so no data file is needed, the
training-split sizes that turn a step time into an epoch time, and the timing loop."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np
import torch

ENAS_TRAIN_GRAPHS = 17_118  # enas6 training split
ENAS_TEST_GRAPHS = 1_902
NBG_TRAIN_GRAPHS = 23_585  # nbg-cora's training split (26,206 architectures)


def enas_like_batch(batch_size: int, seed: int = 0, num_layers: int = 6):
    """A synthetic ENAS-shaped batch (chain plus random skips), so the bench needs no data file."""
    rng = np.random.default_rng(seed)
    n = num_layers + 2
    op_ids = np.zeros((batch_size, n), dtype=np.int64)
    op_ids[:, 1:-1] = rng.integers(2, 8, (batch_size, num_layers))
    op_ids[:, -1] = 1
    adjacency = np.zeros((batch_size, n, n), dtype=np.float32)
    for v in range(1, n):
        adjacency[:, v - 1, v] = 1
        if 2 <= v <= num_layers:
            adjacency[:, : v - 1, v] = rng.random((batch_size, v - 1)) < 0.5
    return torch.from_numpy(op_ids), torch.from_numpy(adjacency), torch.full((batch_size,), n)


def sync_device(device: torch.device | None) -> None:
    """Wait for a CUDA device's queued work (a CPU has none)."""
    if device is not None and device.type == "cuda":
        torch.cuda.synchronize(device)


def median_seconds(work: Callable[[], object], steps: int, repeats: int, device: torch.device | None = None) -> float:
    """Median over ``repeats`` of the seconds per call of ``work`` (``steps`` calls each, the
    device synchronised around them), after one warm-up call."""
    work()
    times = []
    for _ in range(repeats):
        sync_device(device)
        started = time.perf_counter()
        for _ in range(steps):
            work()
        sync_device(device)
        times.append((time.perf_counter() - started) / steps)
    return statistics.median(times)
