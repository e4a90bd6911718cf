"""``python -m core bench --models``: the training and decoding speed of every ``--model`` and
encoding at one setting (the ``fast`` preset's sizes: hidden 128, latent 56, batch 128), on
the bench's synthetic ENAS-shaped batch (8 nodes), so the models' costs compare in one run.

Decoding is timed on untrained models, whose decodes end early and differ in length between
models; the mean number of nodes decoded is reported beside the rate.
"""

from __future__ import annotations

import torch

from core.bench.data import ENAS_TRAIN_GRAPHS, NBG_TRAIN_GRAPHS, enas_like_batch, median_seconds
from core.config import PRESETS, ModelConfig
from core.models.registry import MODELS, build_model, display_name

def model_speed_rows(steps: int = 3, repeats: int = 3, decode_batch: int = 1024) -> list[dict]:
    """One row per model and encoding it takes: ms per training step (Adam, batch 128),
    seconds per epoch on enas6's and nbg-cora's training splits, and untrained greedy decodes
    per second with their mean number of nodes. Medians of ``repeats``."""
    fast = PRESETS["fast"]
    op_ids, adjacency, num_nodes = enas_like_batch(fast.batch_size)
    z = torch.randn(decode_batch, fast.latent_dim, generator=torch.Generator().manual_seed(0))
    rows = []
    for name, spec in MODELS.items():
        for encoding in spec.names:
            torch.manual_seed(0)
            model = build_model(ModelConfig(num_node_types=8, max_nodes=8, hidden_dim=fast.hidden_dim,
                                            latent_dim=fast.latent_dim, encoding=encoding, model=name))
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, fused=True)

            def step():
                optimizer.zero_grad(set_to_none=True)
                model.loss(op_ids, adjacency, num_nodes).loss.backward()
                optimizer.step()

            seconds = median_seconds(step, steps, repeats)
            model.eval()
            decode_seconds = median_seconds(lambda: model.decode(z, stochastic=False), 1, repeats)
            decoded = model.decode(z, stochastic=False)
            rows.append({"model": name, "encoding": encoding, "name": display_name(model.config),
                         "ms_per_step": 1e3 * seconds,
                         "s_per_epoch_enas6": ENAS_TRAIN_GRAPHS / fast.batch_size * seconds,
                         "s_per_epoch_nbg": NBG_TRAIN_GRAPHS / fast.batch_size * seconds,
                         "decode_graphs_per_s": decode_batch / decode_seconds,
                         "decode_mean_nodes": float(decoded.num_nodes.mean())})
            print(format_model_row(rows[-1]), flush=True)
    return rows


MODEL_HEADER = ("| model | `--model` | `--encoding` | ms/step (batch 128) | s/epoch enas6 | s/epoch nbg | "
                "greedy decode/s (untrained, mean nodes) |")


def format_model_row(row: dict) -> str:
    return (f"| {row['name']} | {row['model']} | {row['encoding']} | {row['ms_per_step']:.1f} | "
            f"{row['s_per_epoch_enas6']:.1f} | {row['s_per_epoch_nbg']:.1f} | {row['decode_graphs_per_s']:.0f} "
            f"({row['decode_mean_nodes']:.1f}) |")


def format_model_table(rows: list[dict], threads: int) -> str:
    return "\n".join([f"every model at the fast preset's sizes (hidden 128, latent 56, batch 128), fp32, "
                      f"{threads} threads, on 8-node ENAS-shaped graphs", "", MODEL_HEADER, "|" + "---|" * 7,
                      *[format_model_row(row) for row in rows]])
