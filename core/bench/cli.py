"""``python -m core bench``: its flags, and how long the command line takes to answer.

Both are free of torch: ``bench --help`` answers at once, and the start-up time is measured in
fresh processes (:func:`help_start_seconds`). The benchmark itself is :mod:`core.bench.run`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from core.bench.gpu_check.settings import DRY_RUN, FULL

HELP_REPEATS = 5  # fresh `python -m core --help` processes timed; the median is reported
REPOSITORY = Path(__file__).resolve().parents[2]  # where `python -m core` finds the package


def add_bench_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda")
    parser.add_argument("--precision", default="fp32,bf16", help="comma-separated: fp32,bf16")
    parser.add_argument("--steps", type=int, default=3, help="training steps per timed repeat")
    parser.add_argument("--repeats", type=int, default=5, help="timed repeats (the median is reported)")
    parser.add_argument("--decode-batch", type=int, default=4096, help="latent points per decode call")
    parser.add_argument("--no-evaluate", action="store_true", help="skip timing the full evaluate protocol")
    parser.add_argument("--gp-seeds", type=int, default=2, help="GP seeds timed (projected to 10)")
    parser.add_argument("--json", type=Path, default=None, help="write the figures to this JSON file")
    parser.add_argument("--models", action="store_true",
                        help="instead: every --model and encoding, training step and decoding (core/bench/models.py)")
    parser.add_argument("--gpu-check", action="store_true",
                        help="instead: the check to run when a GPU is lent (docs/gpu-check.md): every model on --device "
                             "against the CPU, one paper-preset epoch timed, a fast model trained to 99 %% greedy "
                             f"reconstruction; in at most {FULL.budget_minutes:g} min; exit status 1 names a failed check")
    parser.add_argument("--dry-run", action="store_true",
                        help="--gpu-check at tiny sizes: every stage in seconds, for a CPU-only CI")
    parser.add_argument("--budget-minutes", type=float, default=None,
                        help=f"--gpu-check: the whole check's wall time; the training gets what the first stages "
                             f"leave (default {FULL.budget_minutes:g}, dry run {DRY_RUN.budget_minutes:g})")
    parser.add_argument("--data-dir", default=None,
                        help="--gpu-check: where final_structures6.txt is (else $OPEMBED_DATA_DIR, else the user "
                             "cache); without it enas6 is left out and nbg-cora is trained")


def help_start_seconds(repeats: int = HELP_REPEATS, command: Sequence[str] | None = None) -> float:
    """Median wall seconds a fresh ``python -m core --help`` takes, interpreter start and
    imports included: how long the command line makes its user wait before it answers.

    Args:
        repeats: processes started one after another (default 5).
        command: the command timed (default ``python -m core --help`` with this interpreter,
            run from the repository).

    Returns:
        The median of the ``repeats`` wall times, in seconds.

    Raises:
        subprocess.CalledProcessError: the command failed.

    Example:
        >>> help_start_seconds(3) < 2.0  # on an idle machine
        True
    """
    command = list(command or [sys.executable, "-m", "core", "--help"])
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(command, cwd=REPOSITORY, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds)
