"""The process a sweep's Ray task starts for one step: torch limited to the task's CPUs, then
the ordinary command line.

    python -m core.sweep.step_process --threads 1 -- train --space nbg-cora ... --out RUN

Its exit status is the command's (2: a clear error, printed as one line; negative: killed).
On Linux it ends when the Ray worker that started it dies, so a stopped sweep leaves no
training behind.
"""

from __future__ import annotations

import argparse
import sys


def end_with_parent() -> None:
    """Ask the kernel for SIGTERM when the parent process dies (Linux; elsewhere nothing)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import os
    import signal

    parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request
        sys.exit(f"{parent}: the sweep task that started this step has ended")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.sweep.step_process")
    parser.add_argument("--threads", type=int, required=True, help="torch threads (the task's CPUs)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then a `python -m core` command")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command after --")

    end_with_parent()
    import torch

    torch.set_num_threads(max(1, args.threads))
    torch.set_num_interop_threads(1)
    from core.__main__ import main as core_main

    return core_main(command)


if __name__ == "__main__":
    sys.exit(main())
