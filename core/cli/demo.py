"""``python -m core demo --out assets/demo``: the shipped demo pair, end to end.

Trains a one-hot and a learned run on ``nbg-cora`` with the quick preset, evaluates them,
computes the UMAP / PCA / t-SNE projections and the smoothness numbers. Every step is
skipped when its output already exists, so a killed demo continues where it stopped. Torch is
imported only once the demo runs, so ``demo --help`` answers at once.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import get_args

import pandas as pd

from core import runs
from core.config import PRESETS, Encoding, ModelConfig
from core.analysis.metrics_table import format_metrics_table
from core.analysis.projection import load_or_compute_projection
from core.spaces import get_space
from core.cli.validation import check_output_dir, require_at_least

ENCODINGS: tuple[str, ...] = get_args(Encoding)  # one run per operation encoding


def _trained(run_dir: Path) -> bool:
    if not (run_dir / runs.MODEL).exists() or not (run_dir / runs.LATENTS).exists():
        return False
    config = runs.load_config(run_dir)
    history = runs.load_history(run_dir) if (run_dir / runs.HISTORY).exists() else pd.DataFrame()
    return bool(len(history)) and int(history["epoch"].max()) >= runs.train_config_of(config).epochs


DEMO_PRESET = "fast"  # the shipped nbg-cora pair: the fast preset ...
DEMO_EPOCHS = 40  # ... cut to 40 epochs (greedy reconstruction levels off near 75 % by then)


def run_demo(out: Path, space_name: str = "nbg-cora", preset: str = DEMO_PRESET, device: str = "auto",
             epochs: int | None = DEMO_EPOCHS, keep_checkpoints: bool = False, progress: bool = True) -> list[Path]:
    from core.training.devices import resolve_device  # torch
    from core.analysis.evaluate import EvalConfig, evaluate_run
    from core.analysis.smoothness import write_smoothness
    from core.training.train import train_run

    torch_device = resolve_device(device)
    space = get_space(space_name)
    table = space.load(None)
    settings = PRESETS[preset]
    run_dirs = []
    for encoding in ENCODINGS:
        run_dir = Path(out) / f"{space_name}-{encoding}"
        run_dirs.append(run_dir)
        if not _trained(run_dir):
            model_config = ModelConfig(num_node_types=space.num_node_types, max_nodes=space.max_nodes,
                                       hidden_dim=settings.hidden_dim, latent_dim=settings.latent_dim,
                                       bidirectional=settings.bidirectional, encoding=encoding)
            train_config = settings.train_config(epochs=epochs, checkpoint_every=5)
            print(f"[demo] training {run_dir}", flush=True)
            train_run(space, table, model_config, train_config, run_dir, torch_device,
                      resume=(run_dir / runs.CHECKPOINT).exists() or (run_dir / runs.CONFIG).exists(),
                      preset=preset, progress=progress)
        if not (run_dir / runs.METRICS).exists() or "rmse" not in runs.load_metrics(run_dir):
            print(f"[demo] evaluating {run_dir}", flush=True)
            evaluate_run(run_dir, space, table, torch_device, EvalConfig(), progress=progress,
                         parts=("recon", "prior", "gp", "constrained"))
        for method in ("umap", "pca", "tsne"):
            print(f"[demo] projection {method} of {run_dir}", flush=True)
            load_or_compute_projection(run_dir, method)
        if not (run_dir / runs.SMOOTHNESS).exists():
            print(f"[demo] smoothness of {run_dir}", flush=True)
            write_smoothness(run_dir, space, table)
        if not keep_checkpoints and (run_dir / runs.CHECKPOINT).exists():
            (run_dir / runs.CHECKPOINT).unlink()  # optimiser state: not needed to look at a finished run
    return run_dirs


def add_demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=Path("assets/demo"))
    parser.add_argument("--space", default="nbg-cora")
    parser.add_argument("--preset", choices=sorted(PRESETS), default=DEMO_PRESET)
    parser.add_argument("--epochs", type=int, default=DEMO_EPOCHS,
                        help=f"override the preset's (default {DEMO_EPOCHS}, the shipped pair's)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--keep-checkpoints", action="store_true", help="keep checkpoint.pt (larger files)")
    parser.add_argument("--no-progress", action="store_true")


def demo_main(args) -> None:
    require_at_least("--epochs", args.epochs, 1)
    check_output_dir(args.out, "--out")
    run_dirs = run_demo(args.out, args.space, args.preset, args.device, args.epochs, args.keep_checkpoints,
                        not args.no_progress)
    print(format_metrics_table({str(d): runs.load_metrics(d) for d in run_dirs}))
