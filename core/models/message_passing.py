"""The recurrent pieces of D-VAE's asynchronous message passing, shared by its encoder and
decoder: a GRU step with the input transform precomputed (the input of a node depends only
on its type, so that transform is a ``T x 3H`` table), the same step from a zero state
without a GEMM, and the gated message a node sends to its successors: of its state (D-VAE,
:class:`GatedMessage`) or of its type (DVAE_BN, :class:`TypeMessage`).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from core.models.deferred_weight import DeferredWeight


def gru_cell(input_gates: Tensor, hidden: Tensor, weight_hh: Tensor | DeferredWeight, bias_hh: Tensor) -> Tensor:
    """``nn.GRUCell`` with the input transform precomputed.

    Args:
        input_gates: ``... x 3H``, ``W_ih x + b_ih`` (gate order r, z, n as PyTorch).
        hidden: ``... x H``.
        weight_hh: ``3H x H``, or a :class:`DeferredWeight` around it (training recurrences).
    Returns:
        ``... x H``, the new hidden state.
    """
    if isinstance(weight_hh, DeferredWeight):
        hidden_gates = weight_hh.linear(hidden, bias_hh)  # ... x 3H
    else:
        hidden_gates = F.linear(hidden, weight_hh, bias_hh)  # ... x 3H
    return gru_update(input_gates, hidden_gates, hidden)


def gru_from_zero(input_gates: Tensor, bias_hh: Tensor) -> Tensor:
    """``gru_cell(input_gates, 0, W_hh, b_hh)`` without the GEMM: ``W_hh 0 + b_hh = b_hh``.
    ``b_hh`` takes the dtype of ``input_gates``, as the GEMM's output would under autocast.
    Returns ``... x H``."""
    hidden = input_gates.new_zeros(*input_gates.shape[:-1], input_gates.shape[-1] // 3)
    return gru_update(input_gates, bias_hh.to(input_gates.dtype).expand_as(input_gates), hidden)


def gru_update(input_gates: Tensor, hidden_gates: Tensor, hidden: Tensor) -> Tensor:
    """The GRU's gate arithmetic from ``W_ih x + b_ih`` and ``W_hh h + b_hh`` (each ``... x 3H``)
    and ``h`` (``... x H``). With ``h = 0`` the hidden transform is just ``b_hh``: no GEMM."""
    in_r, in_z, in_n = input_gates.chunk(3, -1)
    hid_r, hid_z, hid_n = hidden_gates.chunk(3, -1)
    reset = torch.sigmoid(in_r + hid_r)
    update = torch.sigmoid(in_z + hid_z)
    candidate = torch.tanh(in_n + reset * hid_n)
    return candidate + update * (hidden - candidate)


class GatedMessage(nn.Module):
    """``sigmoid(W_g [h, e_v] + b_g) * (W_m [h, e_v])``: the message a node sends on.

    Gate and mapper share one ``2H x (H + N)`` weight, so one GEMM computes both. The
    mapper has no bias, so a zero state with no vertex id maps to a zero message.
    The vertex-id part ``W [0, e_v]`` is a column of the weight, added instead of
    concatenating a one-hot vector.
    """

    def __init__(self, hidden_dim: int, max_nodes: int, vertex_ids: bool):
        super().__init__()
        self.hidden_dim = hidden_dim
        self.vertex_ids = vertex_ids
        in_dim = hidden_dim + (max_nodes if vertex_ids else 0)
        gate = nn.Linear(in_dim, hidden_dim)
        mapper = nn.Linear(in_dim, hidden_dim, bias=False)
        self.weight = nn.Parameter(torch.cat([gate.weight.data, mapper.weight.data], 0))  # 2H x (H+N)
        self.bias = nn.Parameter(gate.bias.data.clone())  # H

    def state_weight(self) -> Tensor:
        """``2H x H``: the part of the weight applied to the state (gate rows, then mapper)."""
        return self.weight[:, : self.hidden_dim]

    def forward(self, hidden: Tensor, position: int, shared: DeferredWeight | None = None) -> Tensor:
        """``hidden``: ``B x H`` states of nodes at ``position``; ``shared``: a
        :class:`DeferredWeight` around :meth:`state_weight` (training recurrences). Returns ``B x H``."""
        projected = shared.linear(hidden) if shared is not None else F.linear(hidden, self.state_weight())
        return self.from_projection(projected, position)

    def from_projection(self, projected: Tensor, position: int) -> Tensor:
        """The message from ``projected = hidden @ state_weight().T`` (``B x 2H``), e.g. a
        slice of a larger GEMM that shares ``hidden``. Returns ``B x H``."""
        H = self.hidden_dim
        if self.vertex_ids:
            projected = projected + self.weight[:, H + position]
        gate = torch.sigmoid(projected[:, :H] + self.bias)
        return gate * projected[:, H:]


class TypeMessage(nn.Module):
    """``sigmoid(W_g [x, e_v] + b_g) * (W_m [x, e_v])`` with ``x`` the features of the sender's
    TYPE (a row of the operation encoder's table), not its state: DVAE_BN's message
    (``ModelConfig.messages = "type"``). A node's state then depends on its own type and its
    parents' types only, so an encoder pass needs no recurrence over the nodes.

    Gate and mapper share one ``2H x (E + N)`` weight, as :class:`GatedMessage`; the mapper
    has no bias. The reference's ``DVAE_BN`` passes no vertex id (``vertex_ids=False``).

    Args:
        feature_dim: ``E``, the operation encoder's output size.
        hidden_dim: ``H``.
        max_nodes: ``N``.
        vertex_ids: add the one-hot position of the sender.
    """

    def __init__(self, feature_dim: int, hidden_dim: int, max_nodes: int, vertex_ids: bool):
        super().__init__()
        self.feature_dim, self.hidden_dim, self.vertex_ids = feature_dim, hidden_dim, vertex_ids
        in_dim = feature_dim + (max_nodes if vertex_ids else 0)
        gate = nn.Linear(in_dim, hidden_dim)
        mapper = nn.Linear(in_dim, hidden_dim, bias=False)
        self.weight = nn.Parameter(torch.cat([gate.weight.data, mapper.weight.data], 0))  # 2H x (E+N)
        self.bias = nn.Parameter(gate.bias.data.clone())  # H

    def type_projection(self, features: Tensor) -> Tensor:
        """``T x E`` type features -> ``T x 2H``: ``W [x, 0]`` of every type (gate rows, then mapper)."""
        return F.linear(features, self.weight[:, : self.feature_dim])

    def of_nodes(self, projection: Tensor, op_ids: Tensor) -> Tensor:
        """The message of every node: ``projection`` (``T x 2H``, :meth:`type_projection`),
        ``op_ids`` ``B x N`` (a padding id reads type 0; padding sends along no edge).
        Returns ``B x N x H``."""
        projected = F.embedding(op_ids.clamp_min(0), projection)  # B x N x 2H
        if self.vertex_ids:
            projected = projected + self.weight[:, self.feature_dim : self.feature_dim + op_ids.shape[1]].T  # N x 2H
        return self._gated(projected)

    def at(self, projection: Tensor, types: Tensor, position: int) -> Tensor:
        """The messages of nodes of ``types`` (``L``) at ``position``. Returns ``L x H``."""
        projected = F.embedding(types.clamp_min(0), projection)  # L x 2H
        if self.vertex_ids:
            projected = projected + self.weight[:, self.feature_dim + position]
        return self._gated(projected)

    def _gated(self, projected: Tensor) -> Tensor:
        H = self.hidden_dim
        return torch.sigmoid(projected[..., :H] + self.bias) * projected[..., H:]
