"""GCN (one-hot) and GCN-EMB (learned operations): the D-VAE decoder with the GCN encoder
of the D-VAE reference's ``DVAE_GCN`` (:mod:`core.models.gcn_encoder`).

As in the reference, the model differs from D-VAE in two places:

* the encoder: graph convolution (3 levels by default) over neighbours ignoring edge
  directions (``bidirectional``; predecessors only without it), the graph state the sum of
  every node's state but the input's and the output's;
* the decoder's graph state, from which each next node's type is predicted: the sum of the
  states of every node generated so far (the reference's ``DVAE_GCN`` overrides the graph
  state for decoding too), where D-VAE reads the last node's state.

Everything else, the decoder's GRU, gated messages, edge MLP, loss and decoding, is D-VAE's.
"""

from __future__ import annotations

import torch.nn.functional as F
from torch import Tensor

from core.models.dvae import DVAE
from core.models.gcn_encoder import GCNEncoder
from core.models.message_passing import GatedMessage


class GCNDVAE(DVAE):
    """The D-VAE decoder with a GCN encoder (``ModelConfig.model = "gcn"``).

    Args:
        config: ``gcn_levels``, ``gcn_order`` and ``bidirectional`` (undirected neighbours)
            shape the encoder; ``encoding`` picks one-hot (GCN) or learned (GCN-EMB).

    Shapes: as :class:`DVAE`.
    """

    sums_decoder_states = True

    def _build_encoder(self) -> None:
        config = self.config
        H = config.hidden_dim
        self.message_forward = GatedMessage(H, config.max_nodes, config.vertex_ids)  # the decoder's
        self.gcn = GCNEncoder(self.op_encoder.output_dim, H, config.gcn_levels, undirected=config.bidirectional,
                              sequential=config.gcn_order == "sequential")

    def encode(self, op_ids: Tensor, adjacency: Tensor, num_nodes: Tensor) -> tuple[Tensor, Tensor]:
        """Encode a dense batch. Returns ``mu`` and ``logvar``, each ``B x latent_dim``."""
        features = F.embedding(op_ids, self.op_encoder.table())  # B x N x E
        graph_state = self.gcn(features, adjacency.to(features.dtype), num_nodes)  # B x H
        return self.fc_mu(graph_state), self.fc_logvar(graph_state)
