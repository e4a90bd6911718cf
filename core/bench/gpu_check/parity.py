"""Stage 1 of the GPU check: every registered model and encoding on the device against the CPU.

For each case the CPU model is built from a fixed seed and the device model is a second
instance loaded with its ``state_dict`` (:func:`device_copy`). Both compute the loss of the
same graphs with the reparameterisation noise off (``eps_scale=0``, so ``z = mu``: the
loss is deterministic and the noise's one ``randn`` is not compared), then every parameter's
gradient, then greedy decodes of the same latents: the graphs' latent means and seeded
``N(0, I)`` points, drawn on the CPU. :data:`~core.bench.gpu_check.settings.TOLERANCES` says how
close they must be.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

from core.training.batch import DenseBatch, make_batch
from core.config import DVAE_BN_OPTIONS, PRESETS, ModelConfig
from core.errors import one_line
from core.analysis.evaluate import exact_matches
from core.models.registry import MODELS, build_model, display_name
from core.spaces.base import ArchitectureTable, SearchSpace
from core.bench.gpu_check.settings import CheckSizes, Tolerances

PARITY_SEED = 0  # seeds the weights, the graphs drawn and the prior latents


@dataclass(frozen=True)
class ParityCase:
    """One model to compare: a registered ``--model`` and ``--encoding``, with DVAE_BN's
    options (bn-asia's D-VAE) or without."""

    model: str
    encoding: str
    dvae_bn: bool = False

    def config(self, space: SearchSpace, preset: str) -> ModelConfig:
        """The case's :class:`ModelConfig` for ``space`` at ``preset``'s sizes."""
        sizes = PRESETS[preset]
        return ModelConfig(num_node_types=space.num_node_types, max_nodes=space.max_nodes,
                           hidden_dim=sizes.hidden_dim, latent_dim=sizes.latent_dim,
                           bidirectional=sizes.bidirectional, encoding=self.encoding, model=self.model,
                           **(DVAE_BN_OPTIONS if self.dvae_bn else {}))

    @property
    def flags(self) -> str:
        """The ``train`` flags that build this model."""
        return f"--model {self.model} --encoding {self.encoding}" + (" --dvae-bn" if self.dvae_bn else "")


def parity_cases() -> list[ParityCase]:
    """Every model of :data:`core.models.registry.MODELS` with every encoding it takes, then
    ``dvae`` with DVAE_BN's options (one-hot and learned)."""
    cases = [ParityCase(name, encoding) for name, spec in MODELS.items() for encoding in spec.names]
    return cases + [ParityCase("dvae", encoding, dvae_bn=True) for encoding in MODELS["dvae"].names]


def device_copy(model: nn.Module, device: torch.device) -> nn.Module:
    """A second instance of ``model``'s class and config, loaded with its ``state_dict``, on ``device``."""
    copy = build_model(model.config)
    copy.load_state_dict(model.state_dict())
    return copy.to(device)


def loss_and_gradients(model: nn.Module, batch: DenseBatch) -> tuple[float, dict[str, Tensor | None]]:
    """The loss of ``batch`` (noise off, the papers' KL weight) and each parameter's gradient, on the CPU."""
    model.train()
    model.zero_grad(set_to_none=True)
    parts = model.loss(batch.op_ids, batch.adjacency, batch.num_nodes, beta=0.005, eps_scale=0.0)
    parts.loss.backward()
    grads = {name: None if p.grad is None else p.grad.detach().float().cpu() for name, p in model.named_parameters()}
    return float(parts.loss.detach()), grads


def gradient_error(reference: dict[str, Tensor | None], candidate: dict[str, Tensor | None],
                   floor: float) -> tuple[float, str]:
    """The largest relative gradient error over the parameters and the parameter it is in:
    ``||g_candidate - g_reference|| / max(||g_reference||, floor * ||whole reference gradient||)``.
    A gradient present on one side only is an infinite error."""
    total = math.sqrt(sum(float(g.pow(2).sum()) for g in reference.values() if g is not None))
    worst, worst_name = 0.0, ""
    for name, ref in reference.items():
        other = candidate.get(name)
        if ref is None and other is None:
            continue
        if ref is None or other is None or ref.shape != other.shape:
            return math.inf, name
        error = float((other - ref).norm()) / max(float(ref.norm()), floor * total, 1e-30)
        if not math.isfinite(error) or error > worst:
            worst, worst_name = error, name
            if not math.isfinite(error):
                break
    return worst, worst_name


@torch.no_grad()
def decode_agreement(reference: nn.Module, candidate: nn.Module, z: Tensor, device: torch.device) -> float:
    """The share of the greedy decodes of ``z`` (``M x latent_dim``, on the CPU) that are the
    same graph on ``candidate`` (on ``device``) as on ``reference`` (on the CPU)."""
    reference.eval()
    candidate.eval()
    expected = reference.decode(z, stochastic=False)
    decoded = candidate.decode(z.to(device), stochastic=False)
    return float(exact_matches(decoded, expected.op_ids, expected.adjacency, expected.num_nodes).mean())


@torch.no_grad()
def latent_means(model: nn.Module, batch: DenseBatch) -> Tensor:
    """The latent means of ``batch`` (``B x latent_dim``) by ``model`` in eval mode."""
    model.eval()
    mu, _ = model.encode(batch.op_ids, batch.adjacency, batch.num_nodes)
    return mu.float()


def compare_case(case: ParityCase, space: SearchSpace, batch: DenseBatch, prior: Tensor, device: torch.device,
                 preset: str, tolerances: Tolerances) -> dict:
    """One row of the parity table: the figures of ``case`` on ``device`` against the CPU, and
    ``failures``, one line per quantity out of tolerance (empty when it passes)."""
    config = case.config(space, preset)
    torch.manual_seed(PARITY_SEED)
    reference = build_model(config)
    candidate = device_copy(reference, device)
    loss_cpu, grads_cpu = loss_and_gradients(reference, batch)
    loss_device, grads_device = loss_and_gradients(candidate, batch.to(device))
    grad_error, grad_worst = gradient_error(grads_cpu, grads_device, tolerances.grad_floor)
    z = torch.cat([latent_means(reference, batch), prior])
    share = decode_agreement(reference, candidate, z, device)
    name = f"{space.name} {display_name(config)} ({case.flags})"
    failures = []
    if not (math.isfinite(loss_device) and math.isclose(loss_device, loss_cpu, rel_tol=tolerances.loss_rtol,
                                                         abs_tol=tolerances.loss_atol)):
        failures.append(f"{name}: loss {loss_device!r} on the device, {loss_cpu!r} on the CPU "
                        f"(rtol {tolerances.loss_rtol:g}, atol {tolerances.loss_atol:g})")
    if not grad_error <= tolerances.grad_rtol:
        failures.append(f"{name}: gradient of {grad_worst} off by {grad_error:.3g} relative "
                        f"(at most {tolerances.grad_rtol:g})")
    if not share >= tolerances.decode_share:
        failures.append(f"{name}: decode: {share:.2%} of {len(z)} greedy decodes identical "
                        f"(at least {tolerances.decode_share:.0%})")
    return {"space": space.name, "model": case.model, "encoding": case.encoding, "dvae_bn": case.dvae_bn,
            "name": display_name(config) + (" (DVAE_BN)" if case.dvae_bn else ""),
            "loss_cpu": loss_cpu, "loss_device": loss_device,
            "loss_rel_error": abs(loss_device - loss_cpu) / max(abs(loss_cpu), 1e-30),
            "grad_max_rel_error": grad_error, "grad_worst_parameter": grad_worst,
            "decode_identical": share, "decoded_graphs": len(z), "failures": failures, "passed": not failures}


def crashed_row(case: ParityCase, space: SearchSpace, preset: str, error: Exception) -> dict:
    """The row of a case that raised (on either side): NaN figures and the error as its failure."""
    config = case.config(space, preset)
    failure = f"{space.name} {display_name(config)} ({case.flags}): raised {type(error).__name__}: {one_line(error, 400)}"
    nan = math.nan
    return {"space": space.name, "model": case.model, "encoding": case.encoding, "dvae_bn": case.dvae_bn,
            "name": display_name(config) + (" (DVAE_BN)" if case.dvae_bn else ""), "loss_cpu": nan,
            "loss_device": nan, "loss_rel_error": nan, "grad_max_rel_error": nan, "grad_worst_parameter": "",
            "decode_identical": nan, "decoded_graphs": 0, "failures": [failure], "passed": False}


def parity_stage(tables: list[tuple[SearchSpace, ArchitectureTable]], device: torch.device, sizes: CheckSizes,
                 tolerances: Tolerances, cases: list[ParityCase] | None = None) -> dict:
    """Stage 1: every case (default :func:`parity_cases`) on each space's ``parity_graphs``
    seeded graphs and ``parity_prior_points`` prior latents. Prints a row per case."""
    rows = []
    print(PARITY_HEADER, flush=True)
    for space, table in tables:
        rng = np.random.default_rng(PARITY_SEED)
        batch = make_batch(table, np.sort(rng.choice(len(table), min(sizes.parity_graphs, len(table)), replace=False)))
        prior = torch.randn(sizes.parity_prior_points, PRESETS[sizes.parity_preset].latent_dim,
                            generator=torch.Generator().manual_seed(PARITY_SEED))
        for case in cases or parity_cases():
            try:
                rows.append(compare_case(case, space, batch, prior, device, sizes.parity_preset, tolerances))
            except Exception as error:  # noqa: BLE001 - a model that fails on the device is a finding
                rows.append(crashed_row(case, space, sizes.parity_preset, error))
            print(format_parity_row(rows[-1]), flush=True)
    return {"passed": all(row["passed"] for row in rows), "preset": sizes.parity_preset,
            "graphs": sizes.parity_graphs, "prior_points": sizes.parity_prior_points,
            "spaces": [space.name for space, _ in tables], "rows": rows,
            "failures": [line for row in rows for line in row["failures"]]}


PARITY_HEADER = ("| space | model | loss (CPU) | loss rel. error | max grad rel. error (parameter) | identical decodes "
                 "| passed |\n|---|---|---|---|---|---|---|")


def format_parity_row(row: dict) -> str:
    return (f"| {row['space']} | {row['name']} | {row['loss_cpu']:.6g} | {row['loss_rel_error']:.1e} | "
            f"{row['grad_max_rel_error']:.1e} ({row['grad_worst_parameter'] or '-'}) | {row['decode_identical']:.2%} "
            f"of {row['decoded_graphs']} | {'yes' if row['passed'] else 'NO'} |")
