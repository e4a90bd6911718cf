"""The child process of a sweep: it runs one step, or reads the sweep's commands with the
command line's own parsers.

    python -m core.sweep.step_process --threads 1 -- train --space nbg-cora ... --out RUN
    python -m core.sweep.step_process --parse < commands.json

Running a step, torch is limited to ``--threads`` threads (the task's CPUs), then the
ordinary command line runs; the exit status is the command's (2: a clear error, printed as
one line; negative: killed). On Linux the step ends when the Ray worker that started it dies,
so a stopped sweep leaves no training behind.

``--parse`` reads a JSON list of commands (``["train", "--space", ...]``) on standard input
and writes, for each, ``{"options": {flag: value}}`` (every flag, defaults filled in) or
``{"error": "what the parser said"}``. Nothing imports this module; it imports
``core.__main__``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
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


def parse_commands(commands: list[list[str]]) -> list[dict]:
    """Each command read by the parser of ``python -m core <command>``."""
    from core.__main__ import COMMANDS

    results = []
    for argv in commands:
        if not argv or argv[0] not in COMMANDS:
            results.append({"error": f"unknown command {argv[:1]}"})
            continue
        parser = argparse.ArgumentParser(prog=f"python -m core {argv[0]}", add_help=False, allow_abbrev=False)
        COMMANDS[argv[0]][1](parser)
        said = io.StringIO()
        try:
            with contextlib.redirect_stderr(said):
                options = vars(parser.parse_args(argv[1:]))
        except SystemExit:
            lines = said.getvalue().strip().splitlines() or ["refused"]
            results.append({"error": re.sub(r"^.*?: error: ", "", lines[-1])})
            continue
        results.append({"options": json.loads(json.dumps(options, default=str))})
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.sweep.step_process")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (the task's CPUs)")
    parser.add_argument("--parse", action="store_true", help="read commands (JSON) on stdin, print their flags")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- then a `python -m core` command")
    args = parser.parse_args(argv)
    if args.parse:
        print(json.dumps(parse_commands(json.load(sys.stdin))))
        return 0
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
