"""The command line imports each command's module only when that command runs.

``python -m core --help``, every ``python -m core <command> --help``, and the commands that
only read runs' files (``table``, ``quality``, ``verdict``, ``bo-summary`` on the shipped
runs) import none of the heavy packages. Each case runs in a fresh interpreter, as a user's
command does, and reads ``sys.modules`` at its end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.__main__ import COMMANDS

REPOSITORY = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "torch_geometric", "umap", "botorch", "gpytorch", "ray", "streamlit")
DEMO = "assets/demo"

# runs `python -m core ARGV` in this interpreter, then prints its exit status and the heavy
# packages it imported
PROBE = f"""
import contextlib, io, json, runpy, sys
argv = json.loads(sys.argv[1])
sys.argv = ["python -m core", *argv]
code = 0
with contextlib.redirect_stdout(io.StringIO()):
    try:
        runpy.run_module("core", run_name="__main__", alter_sys=True)
    except SystemExit as stop:
        code = stop.code
print(json.dumps({{"code": code, "heavy": sorted({{m.split(".")[0] for m in sys.modules}} & set({HEAVY!r}))}}))
"""


def imported_heavy(argv: list[str]) -> tuple[int, list[str]]:
    """The exit status of ``python -m core ARGV`` and the heavy packages it imported."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv)], cwd=REPOSITORY, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["code"], result["heavy"]


@pytest.mark.parametrize("argv", [["--help"], *([name, "--help"] for name in COMMANDS)], ids=" ".join)
def test_help_imports_no_heavy_package(argv):
    assert imported_heavy(argv) == (0, [])


RUN_READERS = [
    ["table", f"{DEMO}/enas6-onehot", f"{DEMO}/enas6-learned"],
    ["table", "--models", f"{DEMO}/enas6-onehot", f"{DEMO}/enas6-learned"],
    ["quality", f"{DEMO}/enas6-onehot", f"{DEMO}/enas6-learned"],
    ["verdict", DEMO, "--space", "enas6"],
    ["bo-summary", f"{DEMO}/enas6-onehot", f"{DEMO}/enas6-learned"],
]


@pytest.mark.parametrize("argv", RUN_READERS, ids=" ".join)
def test_commands_that_read_runs_import_no_heavy_package(argv):
    assert imported_heavy(argv) == (0, [])


def test_a_usage_error_imports_nothing_heavy():
    assert imported_heavy(["train", "--no-such-flag"]) == (2, [])
