"""The GPU check from end to end: the spaces it reads, the three stages, the JSON record and
the exit status (0 all passed, 1 a check failed, naming it; 2 a usage error such as
``--device cuda`` where there is none, one line).

Example:
    >>> result = run_gpu_check(torch.device("cpu"), None, DRY_RUN)  # doctest: +SKIP
    >>> result["passed"], sorted(result["stages"])  # doctest: +SKIP
    (True, ['paper_epoch', 'parity', 'train_to_target'])
"""

from __future__ import annotations

import argparse
import dataclasses
import platform
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone

import torch

from core.spaces.data_dir import resolve_data_dir
from core.training.devices import resolve_device
from core.errors import DataFileError, one_line
from core.runs import atomic_write_json
from core.spaces import get_space
from core.spaces.base import ArchitectureTable, SearchSpace
from core.spaces.node_order import node_ordered_table
from core.cli.train import training_node_order
from core.cli.validation import check_output_file, require_positive
from core.bench.gpu_check.parity import parity_stage
from core.bench.gpu_check.settings import DRY_RUN, FULL, MIN_TRAIN_MINUTES, TOLERANCES, TRAIN_RESERVE_MINUTES, CheckSizes
from core.bench.gpu_check.training import paper_epoch_stage, train_stage

SPACES = ("enas6", "nbg-cora")  # compared in this order; the first one present is trained and timed
EXIT_FAILED = 1  # a check out of tolerance (2 stays the command line's usage error)


def check_tables(data_dir: str | None) -> tuple[list[tuple[SearchSpace, ArchitectureTable, str]], list[str]]:
    """The spaces present, each with its table in the node order ``train`` uses, and a note
    for each one absent (enas6 needs ``final_structures6.txt`` in the data directory;
    nbg-cora ships inside the package)."""
    present, absent = [], []
    for name in SPACES:
        space = get_space(name)
        try:
            table = space.load(data_dir)
        except DataFileError as error:
            absent.append(f"{name}: left out ({str(error).splitlines()[0]})")
            continue
        order = training_node_order(argparse.Namespace(node_order=None, resume=False, out=None), space)
        present.append((space, node_ordered_table(space, table, order, data_dir), order))
    return present, absent


def environment(device: torch.device) -> dict:
    """What the figures were measured on: the device's name, torch, CUDA and cuDNN versions,
    and the fp32 matrix-product settings that the tolerances assume (no TF32)."""
    cuda = device.type == "cuda"
    return {"device": str(device),
            "device_name": torch.cuda.get_device_name(device) if cuda else platform.processor() or platform.machine(),
            "device_memory_gib": torch.cuda.get_device_properties(device).total_memory / 2**30 if cuda else None,
            "torch": torch.__version__, "cuda": torch.version.cuda, "cudnn": torch.backends.cudnn.version(),
            "python": platform.python_version(), "cpu_threads": torch.get_num_threads(),
            "float32_matmul_precision": torch.get_float32_matmul_precision(),
            "cuda_matmul_allow_tf32": torch.backends.cuda.matmul.allow_tf32,
            "cudnn_allow_tf32": torch.backends.cudnn.allow_tf32}


def guarded(stage: str, run: Callable[..., dict], *args) -> dict:
    """``run(*args)``, or where it raises (a kernel missing on the device, out of memory), a
    failed stage naming the error, so the stages after it still run and the JSON is written."""
    try:
        return run(*args)
    except Exception as error:  # noqa: BLE001 - any failure on the device is a finding to report
        print(f"{stage}: {type(error).__name__}: {one_line(error)}", flush=True)
        return {"passed": False, "error": f"{type(error).__name__}: {one_line(error, 400)}",
                "failures": [f"{stage}: {type(error).__name__}: {one_line(error, 400)}"]}


def run_gpu_check(device: torch.device, data_dir: str | None, sizes: CheckSizes = FULL) -> dict:
    """Every stage on ``device``; returns the JSON record (``passed``, ``failures`` and each stage's figures)."""
    started = time.perf_counter()
    tables, absent = check_tables(data_dir)
    result = {"check": "gpu-check", "dry_run": sizes.mode == DRY_RUN.mode,
              "started": datetime.now(timezone.utc).isoformat(timespec="seconds"), **environment(device),
              "data_dir": str(resolve_data_dir(data_dir)), "spaces_left_out": absent,
              "tolerances": dataclasses.asdict(TOLERANCES), "sizes": dataclasses.asdict(sizes), "stages": {}}
    for note in absent:
        print(note, flush=True)
    stages = result["stages"]
    print(f"\n1. {device} against the CPU, same weights (preset {sizes.parity_preset}'s sizes)", flush=True)
    stages["parity"] = parity_stage([(space, table) for space, table, _ in tables], device, sizes, TOLERANCES)
    space, table, order = tables[0]
    note = "" if space.name == SPACES[0] else "; ".join(absent)  # why the first space present is not enas6
    why = f" ({note})" if note else ""
    print(f"\n2. one epoch of the {sizes.epoch_preset} preset on {space.name}{why}", flush=True)
    stages["paper_epoch"] = guarded("paper epoch", paper_epoch_stage, space, table, order, device, sizes)
    elapsed = (time.perf_counter() - started) / 60
    cap = max(sizes.budget_minutes - elapsed - TRAIN_RESERVE_MINUTES, MIN_TRAIN_MINUTES)
    print(f"\n3. the {sizes.train_preset} preset on {space.name}{why} to "
          f"{'no target' if sizes.train_target is None else f'{sizes.train_target:.0%} greedy reconstruction'}, "
          f"at most {cap:.1f} min", flush=True)
    stages["train_to_target"] = guarded("train", train_stage, space, table, order, device, sizes, TOLERANCES, cap)
    stages["train_to_target"]["space_note"] = note
    result["failures"] = [line for stage in stages.values() for line in stage["failures"]]
    result["passed"] = all(stage["passed"] for stage in stages.values())
    result["seconds"] = time.perf_counter() - started
    return result


def gpu_check_main(args: argparse.Namespace) -> None:
    """``python -m core bench --gpu-check``: run the check, print it, write ``--json``; exit
    status 1 (after writing) when a check failed, each failure on its own ``FAIL`` line."""
    require_positive("--budget-minutes", args.budget_minutes)
    if args.json:
        check_output_file(args.json, "--json")
    device = resolve_device(args.device)  # --device cuda without CUDA: one line, exit 2
    sizes = DRY_RUN if args.dry_run else FULL
    if args.budget_minutes is not None:
        sizes = dataclasses.replace(sizes, budget_minutes=args.budget_minutes)
    result = run_gpu_check(device, args.data_dir, sizes)
    if args.json:
        atomic_write_json(args.json, result)
        print(f"\nwrote {args.json}")
    verdict = "passed" if result["passed"] else "FAILED"
    print(f"\ngpu-check {verdict} on {result['device_name']} ({result['device']}) in {result['seconds'] / 60:.1f} min",
          flush=True)
    if not result["passed"]:
        for line in result["failures"]:
            print(f"FAIL {line}", file=sys.stderr)
        raise SystemExit(EXIT_FAILED)
