"""Seed groups: runs that differ only in their training seed.

A group is read off the runs' own ``config.json`` (no file of its own): two runs belong to
one group when every recorded setting but :data:`NOT_SETTINGS` is equal. Its name is made of
the settings its members share (``enas6 · DVAE-EMB · fast, 120 epochs``), with whatever
tells it apart from another group appended where two names would clash.

Example:
    >>> groups = group_runs(find_runs(["assets/demo"]))
    >>> [(g.name, g.seeds) for g in groups if g.space == "enas6"]  # doctest: +SKIP
    [('enas6 · D-VAE · fast, 120 epochs', (0, 1, 2, 3, 4)), ...]
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from core.errors import OpEmbedError
from core.runs import CONFIG, RUN_FILES, RunConfig, load_run_config

# Recorded facts that are not settings: the seed makes a group's members, the rest says how a
# run was kept (checkpoint spacing) or where and with what it ran.
NOT_SETTINGS = ("train.seed", "train.checkpoint_every", "versions", "device")
# Settings that only matter for some encodings: a one-hot model never reads its embedding width.
ENCODING_ONLY = {"model.embedding_dim": "learned"}
MAX_DEPTH = 3  # folders below a given path searched for runs


def flatten(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"train": {"lr": 3e-3}}`` -> ``{"train.lr": 3e-3}`` (lists become tuples)."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = tuple(value) if isinstance(value, list) else value
    return flat


def settings_of(config: RunConfig) -> dict[str, Any]:
    """Every setting of a run that decides its group (``config.json`` read with defaults
    filled in, flattened, without :data:`NOT_SETTINGS`)."""
    flat = flatten(config.to_json())
    kept = {k: v for k, v in flat.items() if not any(k == n or k.startswith(n + ".") for n in NOT_SETTINGS)}
    for key, encoding in ENCODING_ONLY.items():
        if kept.get("model.encoding") != encoding:
            kept.pop(key, None)
    return kept


@dataclass(frozen=True)
class SeedGroup:
    """Runs with the same settings, one per seed (in seed order).

    ``duplicates`` lists runs left out because an earlier run (by path) has the same seed."""

    name: str
    settings: dict[str, Any] = field(hash=False, compare=False)
    runs: tuple[Path, ...] = ()
    seeds: tuple[int, ...] = ()
    duplicates: tuple[Path, ...] = ()

    @property
    def n(self) -> int:
        return len(self.runs)

    @property
    def space(self) -> str:
        return self.settings["space"]

    @property
    def encoding(self) -> str:
        return self.settings["model.encoding"]

    @property
    def model(self) -> str:
        return self.settings.get("model.model", "dvae")

    def run_of(self, seed: int) -> Path:
        return self.runs[self.seeds.index(seed)]

    def seed_list(self) -> str:
        """``"seeds 0, 1, 2"``."""
        return ("seed " if self.n == 1 else "seeds ") + ", ".join(str(s) for s in self.seeds)


def base_name(settings: dict[str, Any]) -> str:
    """``space · model name · preset, epochs``."""
    from core.models.registry import display_name  # torch-free registry names
    from core.config import ModelConfig

    model = ModelConfig(num_node_types=2, max_nodes=2, encoding=settings["model.encoding"],
                        model=settings.get("model.model", "dvae"))
    preset = settings.get("preset") or "flags"
    return f"{settings['space']} · {display_name(model)} · {preset}, {settings.get('train.epochs')} epochs"


def differences(a: dict[str, Any], b: dict[str, Any], ignore: Iterable[str] = ()) -> list[tuple[str, Any, Any]]:
    """The settings whose values differ between two groups: ``(key, a's, b's)``, sorted."""
    ignored = set(ignore)
    keys = sorted((set(a) | set(b)) - ignored)
    return [(k, a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k)]


def group_key(config: RunConfig) -> tuple:
    """What runs of one seed group share, hashable: their sorted settings (:func:`settings_of`)."""
    return tuple(sorted((k, repr(v)) for k, v in settings_of(config).items()))


def group_runs(run_dirs: Sequence[Path]) -> list[SeedGroup]:
    """The seed groups of ``run_dirs`` (their configs read; a run whose config does not read
    raises ``RunFileError``), in the order of each group's first run."""
    members: dict[tuple, list[tuple[int, Path]]] = {}
    settings: dict[tuple, dict[str, Any]] = {}
    for run_dir in run_dirs:
        config = load_run_config(Path(run_dir))
        key = group_key(config)
        settings.setdefault(key, settings_of(config))
        members.setdefault(key, []).append((config.train.seed, Path(run_dir)))
    names = {key: base_name(found) for key, found in settings.items()}
    clashing = {name for name in names.values() if list(names.values()).count(name) > 1}
    groups = []
    for key, runs in members.items():
        name = names[key]
        if name in clashing:
            others = [settings[k] for k in settings if k != key and names[k] == name]
            differing = sorted({d[0] for other in others for d in differences(settings[key], other)})
            name += " · " + ", ".join(f"{k.split('.')[-1]} {settings[key].get(k)}" for k in differing)
        by_seed: dict[int, Path] = {}
        duplicates = []
        for seed, path in sorted(runs, key=lambda pair: (pair[0], str(pair[1]))):
            if seed in by_seed:
                duplicates.append(path)
            else:
                by_seed[seed] = path
        groups.append(SeedGroup(name, settings[key], tuple(by_seed.values()), tuple(by_seed), tuple(duplicates)))
    return groups


def find_runs(paths: Sequence[str | Path], max_depth: int = MAX_DEPTH) -> list[Path]:
    """The run directories in ``paths``: a path holding ``config.json`` is a run, any other
    folder is searched ``max_depth`` levels down (a run's own subfolders are not). Sorted
    by path, each once.

    Raises:
        OpEmbedError: a path does not exist, or holds no run.
    """
    found: list[Path] = []
    for given in paths:
        path = Path(given)
        if not path.exists():
            raise OpEmbedError(f"{path}: no such run or folder")
        runs = _walk(path, max_depth)
        if not runs:
            raise OpEmbedError(f"{path}: holds no run (no config.json in it or up to {max_depth} folders below)\n"
                               "  fix: train one with `python -m core train --space SPACE --out RUN`")
        found.extend(runs)
    unique = {p.resolve(): p for p in found}
    return sorted(unique.values())


def _walk(path: Path, max_depth: int) -> list[Path]:
    if (path / CONFIG).is_file():
        return [path]
    if not path.is_dir() or max_depth == 0:
        return []
    try:
        entries = sorted(os.scandir(path), key=lambda e: e.name)
    except OSError:
        return []
    if any(entry.name in RUN_FILES for entry in entries):
        return []  # run files without a config: not a run the groups can read
    runs: list[Path] = []
    for entry in entries:
        if entry.name.startswith((".", "__")) or not entry.is_dir():
            continue
        runs.extend(_walk(Path(entry.path), max_depth - 1))
    return runs
