"""How a sweep starts its child processes, ``python -m core.sweep.step_process``: the command
line and the environment that lets it import this repository from any working folder.

The sweep reaches the ordinary command line (``core.__main__``) only through these children,
never by importing it: ``core.__main__`` imports the sweep to offer it as a command.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
MODULE = "core.sweep.step_process"


def python_path() -> str:
    """``PYTHONPATH`` with this repository first."""
    return os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p)


def child_command(*arguments: str) -> list[str]:
    """``python -m core.sweep.step_process ARGUMENTS`` with this interpreter."""
    return [sys.executable, "-m", MODULE, *arguments]


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This process's environment, ``extra`` and ``PYTHONPATH`` reaching this repository."""
    return {**os.environ, **(extra or {}), "PYTHONPATH": python_path()}
