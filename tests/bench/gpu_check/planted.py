"""A mismatch planted on the "device" side of the GPU check's parity stage, for its tests."""

from __future__ import annotations

from core.bench.gpu_check import parity
from core.bench.gpu_check.parity import ParityCase
from core.models.decoding import DecodedGraphs

PLANTED = ParityCase("gcn", "learned")  # the model whose device side is made wrong


def plant(monkeypatch, quantity: str) -> None:
    """Make ``PLANTED``'s device copy wrong in one ``quantity``: its loss shifted by 1, one
    parameter's gradient raised by 0.5 per entry (the loss value unchanged), every decoded
    graph's node types changed, or a crash in its loss."""
    original = parity.device_copy

    def wrong_copy(model, device):
        twin = original(model, device)
        if (model.config.model, model.config.encoding) != (PLANTED.model, PLANTED.encoding):
            return twin
        loss, decode = twin.loss, twin.decode
        weight = next(twin.parameters())

        def planted_loss(*args, **kwargs):
            parts = loss(*args, **kwargs)
            if quantity == "loss":
                parts.loss = parts.loss + 1.0
            elif quantity == "crash":
                raise RuntimeError("planted: no such kernel")
            elif quantity == "gradient":
                parts.loss = parts.loss + 0.5 * (weight - weight.detach()).sum()
            return parts

        def planted_decode(*args, **kwargs):
            graphs = decode(*args, **kwargs)
            return DecodedGraphs(graphs.op_ids + 1, graphs.adjacency, graphs.num_nodes)

        twin.loss = planted_loss
        if quantity == "decode":
            twin.decode = planted_decode
        return twin

    monkeypatch.setattr(parity, "device_copy", wrong_copy)
