"""``python -m core bench``: speed and memory figures of training, decoding and evaluation.

Every figure is a median over repeats, and the model's achieved GFLOP/s is reported beside a
large-GEMM GFLOP/s measured in the same run, so ratios hold on a noisy machine. Nothing here
passes or fails: it prints a table and writes JSON. It also times how long a fresh
``python -m core --help`` takes to answer (:func:`core.bench.cli.help_start_seconds`).
"""

from __future__ import annotations

import platform
import resource
import statistics
import time
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

from core.bench.cli import HELP_REPEATS, help_start_seconds
from core.config import PRESETS, ModelConfig
from core.training.devices import autocast, resolve_device
from core.errors import OpEmbedError
from core.bench.data import ENAS_TEST_GRAPHS, ENAS_TRAIN_GRAPHS, enas_like_batch, median_seconds, sync_device
from core.bench.models import format_model_table, model_speed_rows
from core.analysis.evaluate import decode_many
from core.analysis.evaluate import EVAL_GP_EPOCHS
from core.analysis.gp_metrics import gp_test_metrics
from core.models.dvae import DVAE
from core.runs import atomic_write_json
from core.spaces.base import END_TYPE



@dataclass(frozen=True)
class BenchCase:
    name: str
    hidden_dim: int
    latent_dim: int
    batch_size: int


CASES = [
    BenchCase("paper b32", PRESETS["paper"].hidden_dim, PRESETS["paper"].latent_dim, 32),
    BenchCase("paper b128", PRESETS["paper"].hidden_dim, PRESETS["paper"].latent_dim, 128),
    BenchCase("fast", PRESETS["fast"].hidden_dim, PRESETS["fast"].latent_dim, PRESETS["fast"].batch_size),
    BenchCase("quick", PRESETS["quick"].hidden_dim, PRESETS["quick"].latent_dim, PRESETS["quick"].batch_size),
]


def large_gemm_gflops(device: torch.device, dtype: torch.dtype, size: int = 2048, repeats: int = 5) -> float:
    a = torch.randn(size, size, device=device).to(dtype)
    b = torch.randn(size, size, device=device).to(dtype)
    times = []
    for _ in range(repeats + 1):
        sync_device(device)
        started = time.perf_counter()
        a @ b
        sync_device(device)
        times.append(time.perf_counter() - started)
    return 2 * size**3 / statistics.median(times[1:]) / 1e9


def _model(case: BenchCase, device: torch.device, encoding: str = "learned") -> DVAE:
    torch.manual_seed(0)
    config = ModelConfig(num_node_types=8, max_nodes=8, hidden_dim=case.hidden_dim, latent_dim=case.latent_dim,
                         encoding=encoding)
    return DVAE(config).to(device)


def train_step_figures(case: BenchCase, device: torch.device, precision: str, steps: int, repeats: int) -> dict:
    model = _model(case, device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-4, fused=True)  # as core.training.train
    op_ids, adjacency, num_nodes = (t.to(device) for t in enas_like_batch(case.batch_size))

    def step():
        optimizer.zero_grad(set_to_none=True)
        with autocast(device, precision):
            parts = model.loss(op_ids, adjacency, num_nodes)
        parts.loss.backward()
        optimizer.step()

    with FlopCounterMode(display=False) as counter:
        optimizer.zero_grad(set_to_none=True)
        with autocast(device, precision):
            parts = model.loss(op_ids, adjacency, num_nodes)
        parts.loss.backward()
    flops_per_graph = counter.get_total_flops() / case.batch_size
    seconds = median_seconds(step, steps, repeats, device)
    return {
        "ms_per_step": 1e3 * seconds,
        "graphs_per_s": case.batch_size / seconds,
        "s_per_epoch_enas6": ENAS_TRAIN_GRAPHS / case.batch_size * seconds,
        "gflop_per_graph": flops_per_graph / 1e9,
        "achieved_gflops": flops_per_graph * case.batch_size / seconds / 1e9,
    }


def _full_length(model: DVAE) -> DVAE:
    """The model with its output-type logit pushed to -1e4, so decoded graphs run to the last
    node as ENAS graphs (fixed 8 nodes) of a trained model do; an untrained model's decodes
    end after about 3 nodes, and decoding cost grows with the number of nodes."""
    with torch.no_grad():
        model.add_vertex[2].bias[END_TYPE] -= 1e4
    return model


def decode_figures(case: BenchCase, device: torch.device, precision: str, batch_size: int, repeats: int) -> dict:
    """Decode throughput (graphs/s, median of ``repeats``) of full-length graphs (see
    :func:`_full_length`), greedy and stochastic; also for the untrained model as it is, with
    its decodes' mean number of nodes."""
    z = torch.randn(batch_size, case.latent_dim, device=device)
    out = {}
    for variant, model in (("", _full_length(_model(case, device).eval())), ("untrained_", _model(case, device).eval())):
        for mode, stochastic in (("greedy", False), ("stochastic", True)):
            generator = torch.Generator(device=device).manual_seed(0)
            with autocast(device, precision):
                model.decode(z[:64], stochastic=stochastic, generator=generator)  # warm-up
            times = []
            for _ in range(repeats):
                sync_device(device)
                started = time.perf_counter()
                with autocast(device, precision):
                    decoded = model.decode(z, stochastic=stochastic, generator=generator)
                sync_device(device)
                times.append(time.perf_counter() - started)
            out[f"decode_{variant}{mode}_graphs_per_s"] = batch_size / statistics.median(times)
            if not variant:  # GEMM work per decoded graph, and the rate it ran at
                with FlopCounterMode(display=False) as counter, autocast(device, precision):
                    model.decode(z, stochastic=stochastic, generator=torch.Generator(device=device).manual_seed(0))
                out[f"decode_{mode}_gflop_per_graph"] = counter.get_total_flops() / batch_size / 1e9
                out[f"decode_{mode}_gflops"] = out[f"decode_{mode}_gflop_per_graph"] * batch_size / statistics.median(times)
            out[f"decode_{variant}{mode}_mean_nodes"] = float(decoded.num_nodes.mean())
            out[f"decode_{variant}{mode}_mean_edges"] = float(decoded.adjacency.sum() / len(decoded))
    return out


def evaluate_protocol_seconds(case: BenchCase, device: torch.device, precision: str, gp_seeds: int) -> dict:
    """Wall time of the full ``evaluate`` protocol's work on enas6-sized inputs: 1,902 test
    graphs x 10 x 10 decodes, 1,000 x 10 prior decodes, and the sparse GP over ``gp_seeds``
    seeds on 17,118 x latent_dim inputs. Uses an untrained model whose decodes run to the
    last node (:func:`_full_length`), as a trained ENAS model's do, and synthetic targets."""
    model = _full_length(_model(case, device).eval())
    generator = torch.Generator(device=device).manual_seed(0)
    started = time.perf_counter()
    z = torch.randn(ENAS_TEST_GRAPHS * 100 + 10_000, case.latent_dim, device=device)
    decoded = decode_many(model, z, True, generator, 4096, precision)
    decode_seconds = time.perf_counter() - started
    mean_nodes = float(decoded.num_nodes.mean())
    rng = np.random.default_rng(0)
    x_train = rng.standard_normal((ENAS_TRAIN_GRAPHS, case.latent_dim))
    x_test = rng.standard_normal((ENAS_TEST_GRAPHS, case.latent_dim))
    w = rng.standard_normal(case.latent_dim)
    started = time.perf_counter()
    gp_test_metrics(x_train, np.sin(x_train @ w), x_test, np.sin(x_test @ w), seeds=gp_seeds, device=device,
                    iterations=EVAL_GP_EPOCHS, progress=False)
    gp_seconds = time.perf_counter() - started
    return {
        "evaluate_decode_seconds": decode_seconds,
        "evaluate_decoded_mean_nodes": mean_nodes,
        "evaluate_gp_seconds": gp_seconds,
        "evaluate_gp_seeds": gp_seeds,
        "evaluate_total_seconds": decode_seconds + gp_seconds * 10 / max(gp_seeds, 1),
    }


def peak_memory_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_bench(device: torch.device, precisions: list[str], steps: int = 3, repeats: int = 5,
              decode_batch: int = 4096, evaluate: bool = True, gp_seeds: int = 2,
              cases: list[BenchCase] = CASES) -> dict:
    result = {
        "device": str(device),
        "machine": platform.processor() or platform.machine(),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "gemm_gflops_fp32": large_gemm_gflops(device, torch.float32),
        "rows": [],
    }
    if "bf16" in precisions:  # CPUs without AVX512-BF16 / AMX run bf16 GEMMs very slowly
        result["gemm_gflops_bf16"] = large_gemm_gflops(device, torch.bfloat16, size=1024, repeats=2)
    for precision in precisions:
        gemm = result["gemm_gflops_bf16" if precision == "bf16" else "gemm_gflops_fp32"]
        for case in cases:
            row = {"case": case.name, "precision": precision, "batch_size": case.batch_size,
                   "hidden_dim": case.hidden_dim}
            row.update(train_step_figures(case, device, precision, steps, repeats))
            row["gemm_gflops"] = gemm
            row["ratio_to_gemm"] = row["achieved_gflops"] / gemm
            row.update(decode_figures(case, device, precision, decode_batch, max(2, repeats // 2)))
            row["peak_memory_mb"] = peak_memory_mb(device)
            result["rows"].append(row)
            print(format_row(row), flush=True)
    if evaluate:
        for precision in precisions:
            result[f"evaluate_{precision}"] = evaluate_protocol_seconds(CASES[0], device, precision, gp_seeds)
    return result


HEADER = ("| case | precision | ms/step | graphs/s | s/epoch enas6 | GFLOP/graph | GFLOP/s | GEMM GFLOP/s | ratio "
          "| greedy decode/s | stochastic decode/s | untrained greedy decode/s (nodes) | peak MB |")


def format_row(row: dict) -> str:
    return (f"| {row['case']} | {row['precision']} | {row['ms_per_step']:.1f} | {row['graphs_per_s']:.0f} | "
            f"{row['s_per_epoch_enas6']:.1f} | {row['gflop_per_graph']:.3f} | {row['achieved_gflops']:.1f} | "
            f"{row['gemm_gflops']:.1f} | {row['ratio_to_gemm']:.2f} | {row['decode_greedy_graphs_per_s']:.0f} | "
            f"{row['decode_stochastic_graphs_per_s']:.0f} | {row['decode_untrained_greedy_graphs_per_s']:.0f} "
            f"({row['decode_untrained_greedy_mean_nodes']:.1f}) | {row['peak_memory_mb']:.0f} |")


def format_table(result: dict) -> str:
    lines = [f"device {result['device']} ({result['machine']}), {result['threads']} threads, torch {result['torch']}; "
             f"large GEMM: fp32 {result['gemm_gflops_fp32']:.1f} GFLOP/s"
             + (f", bf16 {result['gemm_gflops_bf16']:.1f} GFLOP/s" if "gemm_gflops_bf16" in result else ""),
             "decode/s: graphs that run to the last node (8 nodes, as trained ENAS models decode)",
             "", HEADER, "|" + "---|" * 13]
    lines += [format_row(row) for row in result["rows"]]
    for key in [k for k in result if k.startswith("evaluate_")]:
        e = result[key]
        lines.append(f"\nfull evaluate protocol ({key[9:]}): decodes {e['evaluate_decode_seconds']:.1f} s "
                     f"(mean {e['evaluate_decoded_mean_nodes']:.2f} nodes), sparse GP {e['evaluate_gp_seconds']:.1f} s "
                     f"for {e['evaluate_gp_seeds']} seeds; projected total with 10 GP seeds "
                     f"{e['evaluate_total_seconds']:.1f} s")
    return "\n".join(lines)


def bench_main(args) -> None:
    """``python -m core bench`` (flags: :func:`core.bench.cli.add_bench_arguments`)."""
    if getattr(args, "gpu_check", False):
        from core.bench.gpu_check.run import gpu_check_main

        gpu_check_main(args)
        return
    if getattr(args, "dry_run", False):
        raise OpEmbedError("--dry-run: only --gpu-check has a dry run\n  fix: add --gpu-check, or leave --dry-run out")
    help_seconds = help_start_seconds()
    print(f"`python -m core --help` answers in {help_seconds:.2f} s (median of {HELP_REPEATS} fresh processes)",
          flush=True)
    if args.models:
        rows = model_speed_rows(args.steps, args.repeats)
        print()
        print(format_model_table(rows, torch.get_num_threads()))
        if args.json:
            atomic_write_json(args.json, {"threads": torch.get_num_threads(), "torch": torch.__version__,
                                          "help_start_seconds": help_seconds, "rows": rows})
        return
    device = resolve_device(args.device)
    precisions = [p.strip() for p in args.precision.split(",") if p.strip()]
    result = run_bench(device, precisions, args.steps, args.repeats, args.decode_batch, not args.no_evaluate,
                       args.gp_seeds)
    result["help_start_seconds"] = help_seconds
    print()
    print(format_table(result))
    if args.json:
        atomic_write_json(args.json, result)
        print(f"\nwrote {args.json}")
