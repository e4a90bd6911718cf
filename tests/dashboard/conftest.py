"""Fixtures of the dashboard tests: tiny run directories (see ``tiny_runs``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.dashboard.tiny_runs import build_tiny_runs


@pytest.fixture(scope="session")
def tiny_runs(tmp_path_factory) -> Path:
    """``<tmp>/runs`` with ``cora-onehot``, ``cora-learned`` (complete), ``cora-half``
    (config.json and history.csv only) and ``cora-broken`` (config.json not JSON)."""
    return build_tiny_runs(tmp_path_factory.mktemp("dashboard") / "runs")
