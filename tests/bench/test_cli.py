"""How long ``python -m core --help`` takes, as ``bench`` measures it (no timing assertions:
the machine is shared)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from core.bench.cli import help_start_seconds


def test_the_median_of_the_repeats_is_returned():
    sleeping = [sys.executable, "-c", "import time; time.sleep(0.05)"]
    assert help_start_seconds(3, sleeping) >= 0.05


def test_python_m_core_help_is_timed_from_the_repository():
    assert help_start_seconds(1) > 0


def test_a_failing_command_raises():
    with pytest.raises(subprocess.CalledProcessError):
        help_start_seconds(1, [sys.executable, "-c", "raise SystemExit(3)"])
