"""Fixtures of the sweep tests: a small ENAS data file (so a tiny run trains in seconds),
and sweep files written into a test folder."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from core.spaces.enas import BURN_IN

ARCHITECTURES = 200  # after the burn-in lines: 180 train, 20 test


def write_enas_file(path: Path, architectures: int = ARCHITECTURES, seed: int = 7) -> Path:
    """A ``final_structures6.txt`` of distinct random 6-layer cells with random accuracies."""
    rng = random.Random(seed)
    lines: list[str] = []
    seen: set[str] = set()
    while len(lines) < BURN_IN + architectures:
        layers = [[rng.randrange(6)] + [rng.randrange(2) for _ in range(i)] for i in range(6)]
        text = repr(layers)
        if text not in seen:
            seen.add(text)
            lines.append(f"{text}, {rng.uniform(0.6, 0.8):.4f}\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(lines))
    return path


@pytest.fixture(scope="session")
def enas_dir(tmp_path_factory) -> Path:
    """A data directory holding a small ``final_structures6.txt``."""
    directory = tmp_path_factory.mktemp("enas-data")
    write_enas_file(directory / "final_structures6.txt")
    return directory


def write_sweep(folder: Path, text: str, name: str = "sweep.toml") -> Path:
    path = Path(folder) / name
    path.write_text(text)
    return path
