"""A weight shared by the many small GEMMs of a recurrence, whose gradient is one large GEMM.

A GRU weight in D-VAE is applied once per node position to ``B`` (or a few hundred) rows.
Plain autograd then computes, in the backward pass, one weight gradient per position
(``dY_t^T X_t``: a GEMM with an inner dimension of only ``B``, writing the whole
``out x in`` matrix) and adds it to the running sum (another pass over that matrix), for
every position. :class:`DeferredWeight` keeps the input gradient where it is (the
recurrence needs it at once) and postpones the weight gradient: each use saves ``X_t`` and
``dY_t``, and when every use has been through the backward pass the weight gradient is
``cat(dY)^T cat(X)``, one GEMM with an inner dimension of ``positions x B``. The sum is the
same; only the order of additions changes (the model tests compare every gradient with a
per-graph reference).

How it knows that every use is done: the weight enters the graph through one identity node
(:class:`_Collect`), and each use reads the weight from that node's output. Autograd runs a
node only after all gradients into its output have arrived, so ``_Collect.backward`` runs
after the last use's backward.

Example:
    >>> shared = DeferredWeight(cell.weight_hh)      # once per forward pass
    >>> for t in range(N):
    ...     gates = shared.linear(hidden[t], cell.bias_hh)   # B x 3H
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.autograd import Function


class DeferredWeight:
    """Wraps ``weight`` (``out x in``) for one forward pass. Outside autograd (no grad, or a
    weight that needs none) :meth:`linear` is plain ``F.linear``."""

    def __init__(self, weight: Tensor):
        self.weight = weight
        self.inputs: list[Tensor] = []  # per use: rows x in
        self.output_grads: list[Tensor] = []  # per use: rows x out
        self.active = torch.is_grad_enabled() and weight.requires_grad
        self.view = _Collect.apply(weight, self) if self.active else weight

    def linear(self, x: Tensor, bias: Tensor | None = None) -> Tensor:
        """``x @ weight.T + bias``: ``rows x in`` -> ``rows x out``."""
        if not self.active:
            return F.linear(x, self.weight, bias)
        out = _DeferredLinear.apply(x, self.view, self)
        return out if bias is None else out + bias

    def gradient(self) -> Tensor | None:
        """``sum_t dY_t^T X_t`` over the saved uses, in one GEMM; clears them."""
        if not self.output_grads:
            return None
        grads = torch.cat(self.output_grads)  # R x out
        inputs = torch.cat(self.inputs)  # R x in
        self.inputs, self.output_grads = [], []
        return grads.T @ inputs  # out x in


class _Collect(Function):
    """Identity on the weight; its backward returns the deferred weight gradient."""

    @staticmethod
    def forward(ctx, weight: Tensor, shared: DeferredWeight) -> Tensor:
        ctx.shared = shared
        ctx.set_materialize_grads(False)
        return weight.view_as(weight)

    @staticmethod
    def backward(ctx, grad: Tensor | None):
        deferred = ctx.shared.gradient()
        if deferred is None:
            return grad, None
        deferred = deferred.to(ctx.shared.weight.dtype)
        return (deferred if grad is None else deferred + grad), None


class _DeferredLinear(Function):
    """``x @ weight.T`` whose backward returns only the input gradient and saves the rest."""

    @staticmethod
    def forward(ctx, x: Tensor, weight: Tensor, shared: DeferredWeight) -> Tensor:
        ctx.save_for_backward(x, weight)
        ctx.shared = shared
        return F.linear(x, weight)  # autocast applies here as to any linear

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        x, weight = ctx.saved_tensors
        grad_out = grad_out.to(weight.dtype)  # a bf16 forward under autocast: fp32 gradients
        if ctx.needs_input_grad[1]:
            ctx.shared.inputs.append(x.to(weight.dtype))
            ctx.shared.output_grads.append(grad_out)
        grad_x = (grad_out @ weight).to(x.dtype) if ctx.needs_input_grad[0] else None
        return grad_x, None, None
