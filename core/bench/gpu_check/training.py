"""Stages 2 and 3 of the GPU check: one timed epoch of the ``paper`` preset, and a ``fast``
model trained until its greedy reconstruction reaches the target, capped by time.

Both go through :func:`core.training.train.train_run`, the code ``python -m core train`` runs, into a
temporary run directory, and read their figures from its ``history.csv``: an epoch's
``seconds`` (the optimiser steps alone) and ``wall_seconds``, and the per-epoch
``recon_greedy`` of the quality monitor.
"""

from __future__ import annotations

import math
import resource
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from core.training.batch import make_batch
from core.config import PRESETS, ModelConfig
from core.models.registry import display_name
from core.analysis.quality_table import first_reached
from core.runs import load_history
from core.spaces.base import ArchitectureTable, SearchSpace
from core.training.train import train_run
from core.bench.gpu_check.parity import decode_agreement, device_copy, latent_means
from core.bench.gpu_check.settings import CheckSizes, Tolerances

MODEL = "dvae"  # the model both stages train: DVAE-EMB, the paper's
ENCODING = "learned"
SEED = 0


def training_rows(table: ArchitectureTable, graphs: int | None) -> ArchitectureTable:
    """``table``, or its first ``graphs`` training rows and a quarter as many test rows (for the monitor)."""
    if graphs is None:
        return table
    return table.subset(np.concatenate([table.indices("train")[:graphs], table.indices("test")[: max(graphs // 4, 1)]]))


def model_config(space: SearchSpace, preset: str) -> ModelConfig:
    sizes = PRESETS[preset]
    return ModelConfig(num_node_types=space.num_node_types, max_nodes=space.max_nodes, hidden_dim=sizes.hidden_dim,
                       latent_dim=sizes.latent_dim, bidirectional=sizes.bidirectional, encoding=ENCODING, model=MODEL)


def reset_peak_memory(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)


def peak_memory_mb(device: torch.device) -> float:
    """Peak memory allocated on a CUDA device since the last reset; on the CPU, the process's
    peak resident set (never reset)."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def paper_epoch_stage(space: SearchSpace, table: ArchitectureTable, node_order: str, device: torch.device,
                      sizes: CheckSizes) -> dict:
    """Stage 2: one epoch of the ``epoch_preset`` (the paper's) on ``space``'s training split:
    seconds, optimiser steps and graphs per second, peak memory (the epoch and the encoding of
    every architecture that ``train_run`` ends with)."""
    table = training_rows(table, sizes.epoch_graphs)
    preset = PRESETS[sizes.epoch_preset]
    config = model_config(space, sizes.epoch_preset)
    train_config = preset.train_config(epochs=1, monitor_graphs=0, seed=SEED)
    reset_peak_memory(device)
    with tempfile.TemporaryDirectory(prefix="gpu-check-epoch-") as out:
        train_run(space, table, config, train_config, Path(out), device, preset=sizes.epoch_preset, progress=False,
                  node_order=node_order)
        row = load_history(Path(out)).iloc[-1]
    graphs = len(table.indices("train"))
    steps = math.ceil(graphs / train_config.batch_size)
    seconds = float(row["seconds"])
    loss = float(row["loss"])
    result = {"passed": math.isfinite(loss), "space": space.name, "model": display_name(config),
              "preset": sizes.epoch_preset, "hidden_dim": config.hidden_dim, "batch_size": train_config.batch_size,
              "graphs": graphs, "steps": steps, "seconds_per_epoch": seconds, "steps_per_s": steps / seconds,
              "graphs_per_s": graphs / seconds, "peak_memory_mb": peak_memory_mb(device),
              "loss_per_graph": loss, "failures": [] if math.isfinite(loss) else [f"paper epoch: loss {loss}"]}
    print(format_epoch(result), flush=True)
    return result


def train_stage(space: SearchSpace, table: ArchitectureTable, node_order: str, device: torch.device,
                sizes: CheckSizes, tolerances: Tolerances, cap_minutes: float) -> dict:
    """Stage 3: a ``train_preset`` model until its per-epoch greedy reconstruction reaches
    ``train_target`` (any valid_prior), or ``cap_minutes`` pass; then the trained model's
    greedy decodes of test graphs on the device against a CPU copy of it."""
    table = training_rows(table, sizes.train_graphs)
    preset = PRESETS[sizes.train_preset]
    config = model_config(space, sizes.train_preset)
    overrides = {"epochs": 1} if sizes.train_target is None else {"stop_at_recon": sizes.train_target}
    train_config = preset.train_config(**overrides, stop_at_valid=0.0, seed=SEED, monitor_graphs=sizes.monitor_graphs)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="gpu-check-train-") as out:
        model = train_run(space, table, config, train_config, Path(out), device, preset=sizes.train_preset,
                          progress=False, node_order=node_order, max_seconds=60 * cap_minutes)
        history = load_history(Path(out))
    seconds = time.perf_counter() - started
    hit = None if sizes.train_target is None else first_reached(history, sizes.train_target)
    rng = np.random.default_rng(SEED)
    test = table.indices("test")
    batch = make_batch(table, np.sort(rng.choice(test, min(sizes.trained_decodes, len(test)), replace=False)))
    reference = device_copy(model, torch.device("cpu"))
    share = decode_agreement(reference, model, latent_means(reference, batch), device)
    failures = []
    if sizes.train_target is not None and hit is None:
        failures.append(f"train: {space.name} {display_name(config)} ({sizes.train_preset}) did not reach "
                        f"{sizes.train_target:.0%} greedy reconstruction in {cap_minutes:.1f} min "
                        f"({len(history)} epochs, best {history['recon_greedy'].max():.2%})")
    if not share >= tolerances.decode_share:
        failures.append(f"train: {space.name} {display_name(config)} trained: decode: {share:.2%} of {len(batch)} "
                        f"greedy decodes identical on the device and the CPU (at least {tolerances.decode_share:.0%})")
    last = history.iloc[-1]
    result = {"passed": not failures, "space": space.name, "model": display_name(config), "preset": sizes.train_preset,
              "target": sizes.train_target, "reached": hit is not None,
              "epochs": int(hit["epoch"] if hit is not None else last["epoch"]),
              "minutes": float(hit["wall_seconds"] if hit is not None else last["wall_seconds"]) / 60,
              "recon_greedy": float((hit if hit is not None else last)["recon_greedy"]),
              "valid_prior": float((hit if hit is not None else last)["valid_prior"]),
              "cap_minutes": cap_minutes, "stage_seconds": seconds,
              "seconds_per_epoch": float(history["seconds"].median()),
              "trained_decode_identical": share, "trained_decoded_graphs": len(batch),
              "history": history[["epoch", "loss", "recon_greedy", "valid_prior", "seconds",
                                  "wall_seconds"]].to_dict("records"),
              "failures": failures}
    print(format_training(result), flush=True)
    return result


def format_epoch(result: dict) -> str:
    return (f"one {result['preset']} epoch, {result['space']} {result['model']} (hidden {result['hidden_dim']}, batch "
            f"{result['batch_size']}, {result['graphs']} graphs): {result['seconds_per_epoch']:.1f} s, "
            f"{result['steps_per_s']:.1f} steps/s, {result['graphs_per_s']:.0f} graphs/s, peak "
            f"{result['peak_memory_mb']:.0f} MB")


def format_training(result: dict) -> str:
    if result["target"] is None:
        reached = f"no target (dry run): {result['epochs']} epoch"
    elif result["reached"]:
        reached = f"{result['target']:.0%} greedy reconstruction at epoch {result['epochs']}"
    else:
        reached = f"{result['target']:.0%} NOT reached in {result['cap_minutes']:.1f} min ({result['epochs']} epochs)"
    return (f"{result['preset']} {result['space']} {result['model']}: {reached}, {result['minutes']:.2f} min "
            f"(recon_greedy {result['recon_greedy']:.2%}, valid_prior {result['valid_prior']:.2%}, "
            f"{result['seconds_per_epoch']:.1f} s per epoch); trained model's greedy decodes identical on the device "
            f"and the CPU: {result['trained_decode_identical']:.2%} of {result['trained_decoded_graphs']}")
