"""What state a run directory is in: complete, missing metrics, still training, or broken
(naming the damaged file and what to do about it).

Every run file is validated cheaply (JSON and CSV parsed, the footer of the Parquet file and
the directory of each PyTorch zip read, the model file's settings read without torch), once
per version of the file. A damaged file makes the run broken, with ``error`` naming the file
and ``fix`` saying what to do; neither holds a server path. A run file that is a link
leading out of the allowed ``roots`` is never read.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from core.errors import RunDirError, RunFileError
from core.runs.files import fix_for
from core.runs.loaders import check_latents_file, load_config, load_embeddings, load_history, load_metrics, \
    load_smoothness
from core.runs.model_files import check_torch_file, model_mismatch, peek_model
from core.runs.names import (
    BO_DIR, CHECKPOINT, COMPACT, CONFIG, EMBEDDINGS, HISTORY, LATENTS, METRICS, MODEL, PROJECTIONS, SMOOTHNESS,
)
from core.runs.run_config import RunConfig

RUN_FILES = (CONFIG, MODEL, CHECKPOINT, HISTORY, LATENTS, METRICS, EMBEDDINGS)  # any of them makes a run folder
CHECKED_FILES = (MODEL, CHECKPOINT, LATENTS, HISTORY, METRICS, EMBEDDINGS, SMOOTHNESS)  # in this order

COMPLETE = "complete"
TRAINING = "training"
MISSING_METRICS = "missing metrics"
COMPACT_STATE = "compact"  # a seed run kept without model and latents (core.runs.compact): figures only
BROKEN = "broken"
STATUSES = (COMPLETE, MISSING_METRICS, TRAINING, COMPACT_STATE, BROKEN)  # best first


@dataclass(frozen=True)
class RunStatus:
    """The state of a run directory, as the run list shows it."""

    state: str  # one of STATUSES
    missing: tuple[str, ...] = ()  # files the dashboard would like that are absent
    error: str | None = None  # why a broken run is broken, naming the file (no server path)
    fix: str | None = None  # what to do about it
    epochs_done: int | None = None  # rows of history.csv (None: absent or unreadable)
    epochs_total: int | None = None  # the configured epochs (None: unknown)
    mtime: float = 0.0  # modification time (s) of the newest run file

    @property
    def broken(self) -> bool:
        return self.state == BROKEN


# ---------------------------------------------------------------- roots and links
def resolved_roots(roots: Sequence[str | Path]) -> tuple[Path, ...]:
    """The roots as absolute paths with every link resolved."""
    return tuple(Path(root).expanduser().resolve() for root in roots if str(root) != "")


def inside(path: str | Path, roots: Sequence[Path]) -> bool:
    """Whether ``path``, with every link resolved, lies in (or is) one of the resolved ``roots``."""
    try:
        real = Path(path).expanduser().resolve()
    except (OSError, RuntimeError):  # a link loop
        return False
    return any(real == root or root in real.parents for root in roots)


# ---------------------------------------------------------------- cheap checks, once per file version
def count_epochs(history: Path) -> int | None:
    """Rows of ``history.csv`` (one per finished epoch), or ``None`` when it is absent or
    unreadable. Counts lines of bytes: any content is survived."""
    try:
        with open(history, "rb") as handle:
            lines = [line for line in handle if line.strip()]
    except OSError:
        return None
    return max(len(lines) - 1, 0)


def file_stamp(path: Path) -> tuple[int, int] | None:
    """``(mtime_ns, size)`` of a file, or ``None`` when it is absent."""
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


@functools.lru_cache(maxsize=2048)
def _inspect(path: str, name: str, stamp: tuple[int, int]) -> tuple[RunFileError | None, dict | None]:
    """``(error, model facts)`` of one run file; cached on its modification time and size."""
    file = Path(path)
    checks = {CHECKPOINT: check_torch_file, LATENTS: check_latents_file}
    loaders = {HISTORY: load_history, METRICS: load_metrics, EMBEDDINGS: load_embeddings, SMOOTHNESS: load_smoothness}
    try:
        if name == MODEL:
            facts = peek_model(file)
            return None, {"space": facts["space"], "model_config": dict(facts["model_config"])}
        if name in checks:
            checks[name](file)
        elif name in loaders:
            loaders[name](file.parent)
    except RunFileError as error:
        return error, None
    return None, None


def _where(name: str, error: RunFileError) -> str:
    return f"{name}:{error.line}" if error.line is not None else name


def _private(text: str | None, path: Path, name: str) -> str | None:
    """``text`` with the run's folder written as its display name (no server paths)."""
    if text is None:
        return None
    for form in {str(path), str(path.resolve()), os.path.abspath(path)}:
        text = text.replace(form, name)
    return text


# ---------------------------------------------------------------- one run
def inspect_run(path: Path, name: str, roots: Sequence[Path]) -> tuple[RunStatus, RunConfig | None]:
    """The status of a run directory, and its config when ``config.json`` reads.

    Args:
        path: the run directory.
        name: its display name (replaces the folder's path in messages).
        roots: resolved folders whose files may be read; a run file that is a link leading
            elsewhere makes the run broken.
    """
    path = Path(path)
    has = {f: (path / f).exists() for f in (*RUN_FILES, SMOOTHNESS, PROJECTIONS, BO_DIR, COMPACT)}
    stamps = [file_stamp(path / f) for f in has if has[f]]
    done = count_epochs(path / HISTORY)
    mtime = max((s[0] / 1e9 for s in stamps if s is not None), default=0.0)

    def broken(error: str, fix: str | None = None, total: int | None = None) -> tuple[RunStatus, None]:
        return RunStatus(BROKEN, error=_private(error, path, name), fix=_private(fix, path, name),
                         epochs_done=done, epochs_total=total, mtime=mtime), None

    for file in (CONFIG, *CHECKED_FILES):
        if (path / file).is_symlink() and not inside(path / file, roots):
            return broken(f"{file}: a link to a file outside the runs folders; not read",
                          f"replace the link {file} with a copy of the file")
    if not has[CONFIG]:
        return broken(f"{CONFIG}: missing; this folder holds run files but no config "
                      "(was it copied by hand, or is training still starting?)",
                      "copy the run's config.json back, or delete the folder")
    try:
        raw = load_config(path)
        config = RunConfig.from_json(raw, path / CONFIG)
    except RunFileError as error:
        return broken(f"{_where(CONFIG, error)}: {error.problem}", error.fix)
    except RunDirError as error:
        return broken(f"{CONFIG}: {error}")
    train = raw.get("train") if isinstance(raw.get("train"), dict) else {}
    total = train.get("epochs") if isinstance(train.get("epochs"), int) else None

    peeked = None
    for file in CHECKED_FILES:
        stamp = file_stamp(path / file)
        if stamp is None:
            continue
        error, facts = _inspect(str(path / file), file, stamp)
        if error is not None:
            return broken(f"{_where(file, error)}: {error.problem}", error.fix, total)
        if file == MODEL:
            peeked = facts
    mismatch = model_mismatch(peeked, raw) if peeked is not None else None
    if mismatch:
        return broken(f"{MODEL}: {mismatch}", fix_for(path / MODEL), total)

    if has[COMPACT]:  # figures only, by design: no model, latents or checkpoint to miss
        return RunStatus(COMPACT_STATE, missing=tuple(f for f in (HISTORY, METRICS) if not has[f]),
                         epochs_done=done, epochs_total=total, mtime=mtime), config
    finished = total is not None and done is not None and done >= total
    if not has[MODEL] and not has[CHECKPOINT] and (has[LATENTS] or finished):
        evidence = "latents.parquet is there" if has[LATENTS] else "every epoch is in history.csv"
        return broken(f"{MODEL}: missing, yet training finished ({evidence}) and there is no checkpoint.pt",
                      fix_for(path / MODEL), total)
    return RunStatus(_state(has, done, total), missing=_missing(has, config), epochs_done=done, epochs_total=total,
                     mtime=mtime), config


def _missing(has: dict[str, bool], config: RunConfig) -> tuple[str, ...]:
    """The files a dashboard would like that the run lacks (``embeddings.json`` where the
    encoder saves one)."""
    from core.models.encodings import encoding_class

    wanted = [MODEL, HISTORY, LATENTS, METRICS]
    if encoding_class(config.encoding).saves_embeddings:
        wanted.append(EMBEDDINGS)
    return tuple(f for f in wanted if not has[f])


def _state(has: dict[str, bool], done: int | None, total: int | None) -> str:
    unfinished = not has[MODEL] or not has[LATENTS] or (done is not None and total is not None and done < total)
    if unfinished:
        return TRAINING
    return MISSING_METRICS if not has[METRICS] else COMPLETE
