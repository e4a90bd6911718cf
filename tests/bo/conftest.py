"""Fixtures of the BO tests."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True, scope="package")
def one_thread():
    """Tiny tensors run fastest on one thread, and the test machine is shared. Package
    scope: module-scoped fixtures (fitted GPs) are set up inside it too."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
