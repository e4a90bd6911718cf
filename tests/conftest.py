"""Shared fixtures. The ENAS data file is found through the data-directory setting:
``$OPEMBED_DATA_DIR`` when set, else ``../shared/data`` beside the repository."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch

from core.spaces.data_dir import DATA_DIR_ENV, resolve_data_dir


@pytest.fixture(scope="session")
def enas_data_dir() -> Path:
    """Directory holding ``final_structures6.txt``; skips the test when there is none."""
    if os.environ.get(DATA_DIR_ENV):
        directory = resolve_data_dir(None)
    else:
        directory = Path(__file__).resolve().parents[2] / "shared" / "data"
    if not (directory / "final_structures6.txt").is_file():
        pytest.skip(f"final_structures6.txt not in {directory}; set {DATA_DIR_ENV} to run ENAS data tests")
    return directory


@pytest.fixture
def one_thread():
    """Run the test on one CPU thread (tiny tensors run fastest so, and the machine is
    shared), then restore torch's setting. Modules opt in with
    ``pytestmark = pytest.mark.usefixtures("one_thread")``."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

