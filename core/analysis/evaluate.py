"""The D-VAE / DVAE-EMB evaluation protocol, written to ``metrics.json``.

* ``recon_accuracy``: every test graph is encoded ``encode_times`` times (sampled ``z``)
  and each ``z`` decoded ``decode_times`` times (stochastic decoding); the share of exact
  matches (same node types in the same order, same edges).
* ``validity``, ``uniqueness``, ``novelty``: ``num_prior_points`` points ``z ~ N(0, I)``,
  scaled to the mean and std of the training latent means, each decoded ``decode_times``
  times. Validity is the share of valid decodes; uniqueness is distinct valid keys over
  valid decodes; novelty is the share of valid decodes whose key is not in the training set.
* ``rmse``, ``pearson``: a sparse GP on the training latent means (y standardised with
  the training mean and std) predicting the test split, mean and std over ``gp_seeds`` seeds.
  Each fit runs :data:`EVAL_GP_EPOCHS` epochs (the reference: 100 epochs of Adam at
  lr 0.0005). ``core.analysis.gp``'s 2-epoch default, which BO keeps for its per-search fit,
  under-fits the latents of the ``fast`` preset's models: on study run G (enas6, learned,
  eps 0.1), seeds 0-2, test RMSE / r are 0.424 / 0.902 after 2 epochs, 0.415 / 0.908
  after 10 and 0.399 / 0.915 after 30.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from core import runs
from core.training.batch import make_batch
from core.config import EVAL_GP_EPOCHS  # sparse-GP epochs per fit in the protocol
from core.training.devices import autocast
from core.analysis.gp_metrics import gp_test_metrics
from core.models.dvae import DVAE, DecodedGraphs
from core.spaces import graphs_of
from core.spaces.base import ArchitectureTable, SearchSpace
from core.spaces.constraints import DecodeConstraints


@dataclass(frozen=True)
class EvalConfig:
    encode_times: int = 10  # sampled z per test graph
    decode_times: int = 10  # stochastic decodes per z
    num_prior_points: int = 1000  # z ~ N(0, I) for validity / uniqueness / novelty
    gp_seeds: int = 10  # sparse-GP repetitions
    gp_inducing: int = 500  # inducing points
    gp_iterations: int | None = EVAL_GP_EPOCHS  # sparse-GP epochs per fit (None: core.analysis.gp's default)
    decode_batch_size: int = 4096  # latent points decoded at once
    seed: int = 0


def decode_many(model: DVAE, z: torch.Tensor, stochastic: bool, generator: torch.Generator | None,
                batch_size: int = 4096, precision: str = "fp32", progress: tqdm | None = None,
                constraints: DecodeConstraints | None = None) -> DecodedGraphs:
    """Decode ``z`` (``M x d``) in chunks of ``batch_size`` (``constraints``: opt-in masking)."""
    parts = []
    device = next(model.parameters()).device
    for start in range(0, len(z), batch_size):
        chunk = z[start : start + batch_size].to(device)
        with autocast(device, precision):
            parts.append(model.decode(chunk, stochastic=stochastic, generator=generator, constraints=constraints))
        if progress is not None:
            progress.update(len(chunk))
    return DecodedGraphs.concat(parts)


def exact_matches(decoded: DecodedGraphs, op_ids: np.ndarray, adjacency: np.ndarray, num_nodes: np.ndarray) -> np.ndarray:
    """``M`` bools: decoded graph ``i`` equals target ``i`` (types, order and edges)."""
    same_types = (decoded.op_ids == op_ids).all(1)
    same_edges = (decoded.adjacency == adjacency.astype(np.uint8)).all((1, 2))
    return same_types & same_edges & (decoded.num_nodes == num_nodes)


def reconstruction_accuracy(model: DVAE, table: ArchitectureTable, index: np.ndarray, config: EvalConfig,
                            eps_scale: float, precision: str = "fp32", progress: bool = True,
                            constraints: DecodeConstraints | None = None) -> float:
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(config.seed)
    batch = make_batch(table, index).to(device)
    with torch.no_grad(), autocast(device, precision):
        mu, logvar = model.encode(batch.op_ids, batch.adjacency, batch.num_nodes)
    mu, logvar = mu.float(), logvar.float()
    target_ops = table.op_ids[index]
    target_adj = table.adjacency[index]
    target_nodes = table.num_nodes[index]
    total = len(index) * config.encode_times * config.decode_times
    matches = 0
    bar = tqdm(total=total, desc="reconstruction", disable=not progress, unit="graph")
    for _ in range(config.encode_times):
        z = model.reparameterize(mu, logvar, eps_scale, generator)
        z = z.repeat(config.decode_times, 1)  # (decode_times * n) x d
        decoded = decode_many(model, z, True, generator, config.decode_batch_size, precision, bar, constraints)
        matches += int(exact_matches(
            decoded,
            np.tile(target_ops, (config.decode_times, 1)),
            np.tile(target_adj, (config.decode_times, 1, 1)),
            np.tile(target_nodes, config.decode_times),
        ).sum())
    bar.close()
    return matches / total


def prior_metrics(model: DVAE, space: SearchSpace, train_latents: np.ndarray, train_keys: set[str],
                  config: EvalConfig, precision: str = "fp32", progress: bool = True,
                  constraints: DecodeConstraints | None = None) -> dict:
    device = next(model.parameters()).device
    generator = torch.Generator(device=device).manual_seed(config.seed + 1)
    mean = torch.tensor(train_latents.mean(0), dtype=torch.float32, device=device)
    std = torch.tensor(train_latents.std(0), dtype=torch.float32, device=device)
    z = torch.randn(config.num_prior_points, train_latents.shape[1], generator=generator, device=device) * std + mean
    z = z.repeat(config.decode_times, 1)
    bar = tqdm(total=len(z), desc="prior decodes", disable=not progress, unit="graph")
    decoded = decode_many(model, z, True, generator, config.decode_batch_size, precision, bar, constraints)
    bar.close()
    keys = valid_keys(space, decoded)
    valid = [k for k in keys if k is not None]
    n_valid = len(valid)
    return {
        "validity": n_valid / len(keys),
        "uniqueness": len(set(valid)) / n_valid if n_valid else 0.0,
        "novelty": sum(k not in train_keys for k in valid) / n_valid if n_valid else 0.0,
        "num_prior_decodes": len(keys),
    }


def valid_keys(space: SearchSpace, decoded: DecodedGraphs) -> list[str | None]:
    """The key of each decoded graph, or ``None`` where it is invalid."""
    return space.score(graphs_of(decoded)).keys


def evaluate_run(run_dir: Path, space: SearchSpace, table: ArchitectureTable, device: torch.device,
                 config: EvalConfig = EvalConfig(), progress: bool = True, parts: tuple[str, ...] = ("recon", "prior", "gp"),
                 resume: bool = True) -> dict:
    """Run the protocol on a trained run and write ``metrics.json`` after each part.
    Returns the metrics. With ``resume``, parts already in ``metrics.json`` (same config) are kept."""
    model, _ = runs.load_model(run_dir, device)
    train_config = runs.load_run_config(run_dir).train
    precision = train_config.precision
    latents = runs.read_latents(run_dir)
    mu = runs.latent_matrix(latents)
    train_index, test_index = table.indices("train"), table.indices("test")
    train_keys = {table.keys[i] for i in train_index}  # novelty, with and without constraints
    metrics: dict = {"run": str(run_dir), "space": space.name, "encoding": model.config.encoding}
    seconds: dict = {}
    path = Path(run_dir) / runs.METRICS
    done = {"recon": "recon_accuracy", "prior": "validity", "gp": "rmse", "constrained": "constrained_validity"}
    if resume and path.exists():  # a killed evaluation keeps its finished parts
        previous = runs.load_metrics(run_dir)
        if previous.get("eval_config") == _config_dict(config):
            metrics.update({k: v for k, v in previous.items() if k not in ("seconds", "eval_config")})
            seconds.update(previous.get("seconds", {}))
            parts = tuple(p for p in parts if done[p] not in previous)

    def save() -> None:
        runs.atomic_write_json(path, {**metrics, "seconds": seconds, "eval_config": _config_dict(config)})

    if "recon" in parts:
        started = time.perf_counter()
        metrics["recon_accuracy"] = reconstruction_accuracy(
            model, table, test_index, config, train_config.eps_scale, precision, progress)
        seconds["recon"] = time.perf_counter() - started
        save()
    if "prior" in parts:
        started = time.perf_counter()
        metrics.update(prior_metrics(model, space, mu[train_index], train_keys, config, precision, progress))
        seconds["prior"] = time.perf_counter() - started
        save()
    if "gp" in parts:
        started = time.perf_counter()
        metrics.update(gp_test_metrics(
            mu[train_index], table.y[train_index], mu[test_index], table.y[test_index],
            seeds=config.gp_seeds, num_inducing=config.gp_inducing, device=device, progress=progress,
            **({} if config.gp_iterations is None else {"iterations": config.gp_iterations}),
        ))
        seconds["gp"] = time.perf_counter() - started
    if "constrained" in parts:  # opt-in, reported beside the papers' unconstrained figures
        started = time.perf_counter()
        constraints = space.decode_constraints()
        recon = reconstruction_accuracy(model, table, test_index, config, train_config.eps_scale, precision,
                                        progress, constraints)
        prior = prior_metrics(model, space, mu[train_index], train_keys, config, precision, progress, constraints)
        metrics["constrained_recon_accuracy"] = recon
        metrics.update({f"constrained_{name}": value for name, value in prior.items() if name != "num_prior_decodes"})
        seconds["constrained"] = time.perf_counter() - started
    save()
    return {**metrics, "seconds": seconds}


def _config_dict(config: EvalConfig) -> dict:
    return {k: getattr(config, k) for k in config.__dataclass_fields__}
