"""Training: seeded, checkpointed, resumable, with a progress bar.

``train_run`` is what ``python -m core train`` calls. A resumed run restores the model,
optimiser, scheduler and every random state from ``checkpoint.pt``, so it reaches the
same weights as an unbroken run.
"""

from __future__ import annotations

import math
import os
import signal
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tqdm import tqdm

from core import runs
from core.training.batch import iterate_batches
from core.config import ModelConfig, TrainConfig, from_dict, to_dict
from core.training.devices import autocast
from core.errors import OpEmbedError, RunFileError
from core.models.dvae import DVAE
from core.models.registry import build_model as build_registered_model
from core.models.op_encoder import LearnedOpEncoder
from core.training.monitor import QualityMonitor
from core.spaces.base import ArchitectureTable, SearchSpace


RUN_FILES = (runs.CONFIG, runs.CHECKPOINT, runs.MODEL, runs.HISTORY, runs.EMBEDDINGS, runs.LATENTS, runs.METRICS)
FAULT_ENV = "OPEMBED_FAULT_AT"  # tests: SIGKILL this process right after the named write
FAULTS_ENABLED = False  # set only by the test suite's kill drill: the environment alone never arms the hook
# ... or, for the kill drill's child processes (a sweep's tasks), this file, which only the tests write
FAULT_ARMING_FILE = Path(__file__).resolve().parents[2] / "tests" / ".fault-drill-armed"


def fault_point(name: str) -> None:
    """Test hook for the kill-at-every-write drill: with ``$OPEMBED_FAULT_AT`` equal to
    ``name`` (``config``, ``e<epoch>:checkpoint|model|history|embeddings``, ``latents``),
    the process kills itself with SIGKILL, as a crash or an OOM kill would. Only where the
    test suite has set :data:`FAULTS_ENABLED` in the process, or written
    :data:`FAULT_ARMING_FILE` in the repository's ``tests/`` for its child processes: the
    variable alone (a user's shell, or a sweep forwarding ``OPEMBED_*`` to its tasks) does
    nothing."""
    if (FAULTS_ENABLED or FAULT_ARMING_FILE.is_file()) and os.environ.get(FAULT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)


def make_scheduler(optimizer: torch.optim.Optimizer, config: TrainConfig, steps_per_epoch: int):
    """The learning-rate schedule. ``plateau`` steps once per epoch on the train loss; the
    others step once per optimiser step."""
    if config.schedule == "plateau":
        return torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, "min", factor=config.lr_factor, patience=config.lr_patience)
    if config.schedule == "constant":
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1.0)
    total = max(config.epochs * steps_per_epoch, 1)
    warmup = int(round(config.warmup_epochs * steps_per_epoch))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        progress = min((step - warmup) / max(total - warmup, 1), 1.0)
        return config.min_lr_ratio + (1 - config.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def kl_weight(config: TrainConfig, epochs_done: float) -> float:
    """The KL weight after ``epochs_done`` epochs: ``beta``, ramped up over ``kl_warmup_epochs``."""
    if config.kl_warmup_epochs <= 0:
        return config.beta
    return config.beta * min(1.0, epochs_done / config.kl_warmup_epochs)


def reached_target(row: dict, config: TrainConfig) -> bool:
    """Whether a history row meets ``stop_at_recon`` (and ``stop_at_valid``)."""
    if config.stop_at_recon is None or "recon_greedy" not in row:
        return False
    return row["recon_greedy"] >= config.stop_at_recon and row["valid_prior"] >= config.stop_at_valid


def build_model(model_config: ModelConfig, seed: int) -> DVAE:
    """A freshly initialised model of ``model_config.model``; ``seed`` fixes every initial
    weight (embedding included)."""
    torch.manual_seed(seed)
    return build_registered_model(model_config)


def warm_start_embeddings(model: DVAE, source_run: Path) -> None:
    """``--init-embeddings-from RUN``: copy the last embedding vectors of a learned run."""
    if not isinstance(model.op_encoder, LearnedOpEncoder):
        raise OpEmbedError("--init-embeddings-from needs --encoding learned")
    path = Path(source_run) / runs.EMBEDDINGS
    if not path.exists():
        raise RunFileError(path, "missing; --init-embeddings-from needs a learned run with embeddings.json",
                           fix="pass a run trained with --encoding learned")
    data = runs.load_embeddings(source_run)
    vectors = torch.tensor(data["snapshots"][-1]["vectors"], dtype=torch.float32)
    try:
        model.op_encoder.load_vectors(vectors)
    except ValueError as error:
        raise OpEmbedError(f"{path}: {error}") from None


def _embedding_snapshot(model: DVAE, epoch: int) -> dict | None:
    """The learned vectors at ``epoch`` for ``embeddings.json``; ``None`` for a fixed encoder."""
    if not isinstance(model.op_encoder, LearnedOpEncoder):
        return None
    return {"epoch": epoch, "vectors": model.op_encoder.table().detach().cpu().tolist()}


@torch.no_grad()
def encode_table(model: DVAE, table: ArchitectureTable, device: torch.device, batch_size: int = 1024,
                 precision: str = "fp32") -> tuple[np.ndarray, np.ndarray]:
    """Latent means and log-variances of every architecture. Each ``A x latent_dim``."""
    model.eval()
    mus, logvars = [], []
    index = np.arange(len(table))
    for batch in iterate_batches(table, index, batch_size, shuffle=False, generator=None):
        batch = batch.to(device)
        with autocast(device, precision):
            mu, logvar = model.encode(batch.op_ids, batch.adjacency, batch.num_nodes)
        mus.append(mu.float().cpu())
        logvars.append(logvar.float().cpu())
    return torch.cat(mus).numpy(), torch.cat(logvars).numpy()


def write_latents(run_dir: Path, model: DVAE, table: ArchitectureTable, device: torch.device,
                  precision: str = "fp32") -> pd.DataFrame:
    """``latents.parquet``: key, split, y, y_test (where the space has it), mu_0 .. mu_{d-1}."""
    mu, _ = encode_table(model, table, device, precision=precision)
    frame = pd.DataFrame({"key": table.keys, "split": table.split, "y": table.y})
    if table.y_test is not None:
        frame["y_test"] = table.y_test
    latent = pd.DataFrame(mu.astype(np.float32), columns=[f"mu_{i}" for i in range(mu.shape[1])])  # float32: half the file
    frame = pd.concat([frame, latent], axis=1)
    runs.atomic_write_parquet(Path(run_dir) / runs.LATENTS, frame)
    return frame


@dataclass
class TrainingState:
    """What a checkpoint holds, live: the model, the optimiser and schedule, both random
    streams, the history rows and the embedding snapshots so far."""

    model: DVAE
    optimizer: torch.optim.Optimizer
    scheduler: torch.optim.lr_scheduler.LRScheduler | torch.optim.lr_scheduler.ReduceLROnPlateau
    shuffle_generator: torch.Generator  # batch order
    noise_generator: torch.Generator  # reparameterisation noise, on the training device
    history: list[dict] = field(default_factory=list)  # one row per epoch, as in history.csv
    snapshots: list[dict] = field(default_factory=list)  # learned runs: {"epoch", "vectors"}
    start_epoch: int = 0  # epochs done when this session started


def train_run(space: SearchSpace, table: ArchitectureTable, model_config: ModelConfig,
              train_config: TrainConfig, out: Path, device: torch.device, resume: bool = False,
              init_embeddings_from: Path | None = None, preset: str | None = None,
              progress: bool = True, node_order: str = "stored", max_seconds: float | None = None) -> DVAE:
    """Train (or resume) a run in ``out``. Returns the trained model.

    Checks everything it can before writing anything. Then writes ``config.json``, then
    ``checkpoint.pt``, ``model.pt``, ``history.csv`` and ``embeddings.json`` (in that order)
    every ``checkpoint_every`` epochs, at a ``stop_at_recon`` stop and at the end, then
    ``latents.parquet``. Every write is atomic. A run killed before its first checkpoint
    resumes from epoch 0 with its saved config. ``node_order`` names the order ``table``'s
    cells are in (``core.spaces.node_order``), recorded in ``config.json``. ``max_seconds``: end (with a
    checkpoint; ``--resume`` continues) after the first epoch ending that long after this session began.
    """
    out = Path(out)
    config = runs.RunConfig(space=space.name, model=model_config, train=train_config,
                            node_types=tuple(space.node_type_names), preset=preset,
                            versions=runs.library_versions(), device=str(device),
                            node_order=node_order).to_json()
    if out.exists() and not out.is_dir():
        raise RunFileError(out, "is a file, not a run directory", fix="choose another --out")
    runs.remove_stale_temp_files(out)
    checkpoint = None
    if resume:
        checkpoint, model_config, train_config, saved_preset = _resumed_configs(out, train_config, device)
        config.update({"model": to_dict(model_config), "train": to_dict(train_config), "preset": saved_preset})
    else:
        existing = [name for name in RUN_FILES if (out / name).exists()]
        if existing:
            raise RunFileError(out, f"already holds a run ({', '.join(existing)})",
                               fix="pass --resume to continue it, or choose another --out")

    train_index = table.indices("train") if train_config.split == "train" else np.arange(len(table))
    if len(train_index) == 0:
        raise OpEmbedError(f"{space.name}: the training split is empty")
    model = build_model(model_config, train_config.seed).to(device)
    if checkpoint is None and init_embeddings_from is not None:
        warm_start_embeddings(model, init_embeddings_from)  # before anything is written
    # nothing is written before this point: a bad argument or input leaves no half-made run
    out.mkdir(parents=True, exist_ok=True)
    runs.atomic_write_json(out / runs.CONFIG, config)
    fault_point("config")

    monitor = None
    if train_config.monitor_graphs > 0:
        monitor = QualityMonitor(space, table, train_config.monitor_graphs, train_config.monitor_prior_points,
                                 model_config.latent_dim, seed=train_config.seed)
    steps_per_epoch = math.ceil(len(train_index) / train_config.batch_size)
    training = _start_training(model, train_config, steps_per_epoch, device, checkpoint)
    last_epoch = _train_epochs(training, space, table, train_index, model_config, train_config, out, device,
                               monitor, progress, max_seconds)
    if training.start_epoch == last_epoch and training.start_epoch > 0:
        # nothing left to train: a kill may have come between the checkpoint and the files
        # derived from it, so write them again from the checkpoint
        save_checkpoint(training, out, space, model_config, training.start_epoch)
    write_latents(out, model, table, device, train_config.precision)
    fault_point("latents")
    return model


def _resumed_configs(out: Path, train_config: TrainConfig, device: torch.device
                     ) -> tuple[dict | None, ModelConfig, TrainConfig, str | None]:
    """``--resume``: the checkpoint (``None`` when the run was killed before its first one),
    the saved model and training configs, which win (a resumed run is the same run; only
    ``epochs`` may grow, and not under the cosine schedule, which was fixed for the saved
    number), and the saved preset."""
    checkpoint_path = out / runs.CHECKPOINT
    checkpoint = None
    if checkpoint_path.exists():
        checkpoint = runs.load_checkpoint(out, device)
    elif (out / runs.MODEL).exists():
        raise RunFileError(checkpoint_path, "missing beside model.pt, so the run cannot be continued "
                           "(finished runs may ship without it)", fix="train into a new --out")
    elif not (out / runs.CONFIG).exists():
        raise RunFileError(checkpoint_path, "missing; nothing to resume", fix="start without --resume")
    saved = runs.load_config(out)
    model_config = from_dict(ModelConfig, saved["model"])
    saved_train = from_dict(TrainConfig, saved["train"])
    if train_config.epochs != saved_train.epochs:
        done = int(checkpoint["epoch"]) if checkpoint else 0
        if train_config.epochs < done:
            raise RunFileError(checkpoint_path, f"already at epoch {done}, beyond --epochs {train_config.epochs}",
                               fix=f"resume with --epochs {saved_train.epochs} or more")
        if saved_train.schedule == "cosine":
            raise RunFileError(out / runs.CONFIG, f"the cosine schedule was fixed for {saved_train.epochs} epochs",
                               fix=f"resume with --epochs {saved_train.epochs}")
        saved_train = replace(saved_train, epochs=train_config.epochs)
    return checkpoint, model_config, saved_train, saved.get("preset")


def _start_training(model: DVAE, train_config: TrainConfig, steps_per_epoch: int, device: torch.device,
                    checkpoint: dict | None) -> TrainingState:
    """The optimiser, schedule and random streams of ``model``: seeded fresh ones (and the
    epoch-0 embedding snapshot), or those of the ``checkpoint`` when resuming."""
    # fused: one kernel for all parameters (the same update; 4.5 ms instead of 14 ms per step
    # at the paper preset on 2 CPU cores)
    optimizer = torch.optim.Adam(model.parameters(), lr=train_config.lr, fused=True)
    scheduler = make_scheduler(optimizer, train_config, steps_per_epoch)
    training = TrainingState(model=model, optimizer=optimizer, scheduler=scheduler,
                             shuffle_generator=torch.Generator().manual_seed(train_config.seed),
                             noise_generator=torch.Generator(device=device).manual_seed(train_config.seed + 1))
    if checkpoint is not None:
        _restore(training, checkpoint)
    elif snapshot := _embedding_snapshot(model, 0):
        training.snapshots.append(snapshot)
    return training


def _restore(training: TrainingState, checkpoint: dict) -> None:
    """Load every state a checkpoint holds (see :func:`save_checkpoint`) into ``training``."""
    training.model.load_state_dict(checkpoint["model"])
    training.optimizer.load_state_dict(checkpoint["optimizer"])
    training.scheduler.load_state_dict(checkpoint["scheduler"])
    training.shuffle_generator.set_state(checkpoint["shuffle_rng"])
    training.noise_generator.set_state(checkpoint["noise_rng"].to(training.noise_generator.get_state().device))
    training.history = list(checkpoint["history"])
    training.snapshots = list(checkpoint["snapshots"])
    training.start_epoch = int(checkpoint["epoch"])


def save_checkpoint(training: TrainingState, out: Path, space: SearchSpace, model_config: ModelConfig,
                    epoch: int) -> None:
    """The checkpoint first, then the model, then the files derived from them: a kill
    between any two writes leaves a run that ``--resume`` continues."""
    snapshots = training.snapshots
    snapshot = _embedding_snapshot(training.model, epoch)
    if snapshot and (not snapshots or snapshots[-1]["epoch"] != epoch):
        snapshots.append(snapshot)
    state_dict = {k: v.detach().cpu() for k, v in training.model.state_dict().items()}
    runs.atomic_torch_save(out / runs.CHECKPOINT, {
        "model": state_dict,
        "optimizer": training.optimizer.state_dict(),
        "scheduler": training.scheduler.state_dict(),
        "shuffle_rng": training.shuffle_generator.get_state(),
        "noise_rng": training.noise_generator.get_state().cpu(),
        "history": training.history,
        "snapshots": snapshots,
        "epoch": epoch,
    })
    fault_point(f"e{epoch}:checkpoint")
    runs.atomic_torch_save(out / runs.MODEL, {
        "state_dict": state_dict, "model_config": to_dict(model_config), "space": space.name, "epoch": epoch,
    })
    fault_point(f"e{epoch}:model")
    runs.atomic_write_csv(out / runs.HISTORY, pd.DataFrame(training.history))
    fault_point(f"e{epoch}:history")
    if snapshots:
        runs.atomic_write_json(out / runs.EMBEDDINGS, {"node_types": space.node_type_names, "snapshots": snapshots})
        fault_point(f"e{epoch}:embeddings")


def _train_epochs(training: TrainingState, space: SearchSpace, table: ArchitectureTable, train_index: np.ndarray,
                  model_config: ModelConfig, train_config: TrainConfig, out: Path, device: torch.device,
                  monitor: QualityMonitor | None, progress: bool, max_seconds: float | None = None) -> int:
    """Train from ``training.start_epoch`` to the last epoch, appending a history row per
    epoch and saving checkpoints; stops early once ``stop_at_recon`` is met. Returns the
    last epoch the run was to reach (``training.start_epoch`` for a run already done)."""
    history = training.history
    steps_per_epoch = math.ceil(len(train_index) / train_config.batch_size)
    start_epoch = training.start_epoch
    wall_before = float(history[-1].get("wall_seconds", 0.0)) if history else 0.0
    session_started = time.perf_counter()
    step_count = start_epoch * steps_per_epoch
    # a run that met its stop_at_recon target stays stopped when resumed
    last_epoch = start_epoch if history and reached_target(history[-1], train_config) else train_config.epochs
    bar = tqdm(total=(last_epoch - start_epoch) * steps_per_epoch, disable=not progress,
               unit="step", file=sys.stderr, dynamic_ncols=True)
    for epoch in range(start_epoch + 1, last_epoch + 1):
        started = time.perf_counter()
        totals, step_count = _train_epoch(training, table, train_index, train_config, device, epoch, step_count, bar)
        if train_config.schedule == "plateau":
            training.scheduler.step(totals["loss"])
        row = {
            "epoch": epoch,
            **{name: value / len(train_index) for name, value in totals.items()},
            "lr": training.optimizer.param_groups[0]["lr"],
            "seconds": time.perf_counter() - started,
        }
        if monitor is not None:
            measured = time.perf_counter()
            figures = monitor.measure(training.model, train_config.precision)
            row.update(recon_greedy=figures.recon_greedy, valid_prior=figures.valid_prior,
                       monitor_seconds=time.perf_counter() - measured)
            bar.write(f"epoch {epoch}: recon_greedy {figures.recon_greedy:.4f} valid_prior {figures.valid_prior:.4f}",
                      file=sys.stderr)
        row["wall_seconds"] = wall_before + time.perf_counter() - session_started
        history.append(row)
        stop = reached_target(row, train_config)
        out_of_time = max_seconds is not None and time.perf_counter() - session_started >= max_seconds
        if epoch % train_config.checkpoint_every == 0 or epoch == train_config.epochs or stop or out_of_time:
            save_checkpoint(training, out, space, model_config, epoch)
        if stop:
            bar.write(f"stopped at epoch {epoch}: recon_greedy {row['recon_greedy']:.4f} >= "
                      f"{train_config.stop_at_recon} and valid_prior {row['valid_prior']:.4f} >= "
                      f"{train_config.stop_at_valid}", file=sys.stderr)
        if stop or out_of_time:
            break
    bar.close()
    return last_epoch


def _train_epoch(training: TrainingState, table: ArchitectureTable, train_index: np.ndarray,
                 train_config: TrainConfig, device: torch.device, epoch: int, step_count: int,
                 bar: tqdm) -> tuple[dict[str, float], int]:
    """One pass over the training split in shuffled batches; ``step_count`` optimiser steps
    were taken before it (for the KL warm-up). Returns the loss parts summed over the epoch
    and the step count after it."""
    model, optimizer = training.model, training.optimizer
    steps_per_epoch = math.ceil(len(train_index) / train_config.batch_size)
    model.train()
    totals = {"loss": 0.0, "type_nll": 0.0, "edge_bce": 0.0, "kld": 0.0}
    for batch in iterate_batches(table, train_index, train_config.batch_size, shuffle=True,
                                 generator=training.shuffle_generator):
        batch = batch.to(device)
        optimizer.zero_grad(set_to_none=True)
        beta = kl_weight(train_config, step_count / steps_per_epoch)
        with autocast(device, train_config.precision):
            parts = model.loss(batch.op_ids, batch.adjacency, batch.num_nodes, beta=beta,
                               eps_scale=train_config.eps_scale, generator=training.noise_generator)
        parts.loss.backward()
        if train_config.grad_clip > 0:  # the loss sums over the batch: clip the per-graph norm
            torch.nn.utils.clip_grad_norm_(model.parameters(), train_config.grad_clip * len(batch))
        optimizer.step()
        step_count += 1
        if train_config.schedule != "plateau":
            training.scheduler.step()
        step = {name: float(getattr(parts, name).detach()) for name in totals}  # one read per part
        for name, value in step.items():
            totals[name] += value
        bar.update(1)
        per_graph = {name: value / len(batch) for name, value in step.items()}
        bar.set_description(
            f"epoch {epoch}/{train_config.epochs} loss {per_graph['loss']:.3f} type {per_graph['type_nll']:.3f} "
            f"edge {per_graph['edge_bce']:.3f} kld {per_graph['kld']:.2f}"
        )
    return totals, step_count
