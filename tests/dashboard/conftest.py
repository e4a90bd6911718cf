"""Fixtures of the dashboard tests: tiny run directories (see ``tiny_runs``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.state import RUNS_DIR_ENV
from tests.dashboard.tiny_runs import build_broken_runs, build_group_runs, build_tiny_runs


@pytest.fixture(autouse=True)
def launch_roots_restored(monkeypatch):
    """Tests name the runs folder the app was "started with" through ``$OPEMBED_RUNS_DIR``
    (``test_app.launch_with``); it is restored after each test."""
    monkeypatch.setenv(RUNS_DIR_ENV, "")


@pytest.fixture(scope="session")
def tiny_runs(tmp_path_factory) -> Path:
    """``<tmp>/runs`` with ``cora-onehot``, ``cora-learned`` (complete), ``cora-half``
    (config.json and history.csv only) and ``cora-broken`` (config.json not JSON)."""
    return build_tiny_runs(tmp_path_factory.mktemp("dashboard") / "runs")


@pytest.fixture(scope="session")
def broken_runs(tmp_path_factory) -> Path:
    """``<tmp>/runs`` with the complete ``cora-onehot`` / ``cora-learned`` pair and one run per
    kind of damage in ``tiny_runs.BROKEN_KINDS``."""
    return build_broken_runs(tmp_path_factory.mktemp("dashboard-broken") / "runs")


@pytest.fixture(scope="session")
def group_runs(tmp_path_factory) -> Path:
    """``<tmp>/groups`` with a one-hot and a learned seed group of 3 tiny runs each (seed 0
    complete, seeds 1 and 2 compact copies with shifted figures)."""
    return build_group_runs(tmp_path_factory.mktemp("dashboard-groups") / "groups")
