"""What a sweep keeps beside its runs: each step's log, the record of each finished or failed
step, and the train command each cell was started with.

    OUT/sweep.toml                    the sweep file, as last run
    OUT/logs/<cell>/<step>.log        the step's output, every attempt appended
    OUT/.sweep/steps/<cell>/<step>.json   status, wall seconds, attempts, host, log (StepRecord)
    OUT/.sweep/cells/<cell>.json      the cell's train command (a cell is never resumed with
                                      other flags)

``.sweep`` is hidden, so the dashboard's run discovery does not look into it. All writes
are atomic.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path

from core import runs
from core.errors import OpEmbedError
from core.sweep.plan import Cell, Step

STATE_DIR = ".sweep"
LOG_DIR = "logs"
SPEC_COPY = "sweep.toml"


@dataclass(frozen=True)
class StepRecord:
    """The outcome of a step in the invocation that ran it.

    Attributes:
        status: ``done`` or ``failed``.
        seconds: wall seconds of its last attempt.
        attempts: attempts made (2 when it was retried).
        exit_code: the command's exit status (negative: killed by that signal); ``None``
            when its task was lost (a node died).
        host: the machine it ran on.
        log: its log file.
        finished: when it ended (ISO 8601, local time).
    """

    status: str
    seconds: float | None
    attempts: int
    exit_code: int | None
    host: str | None
    log: str
    finished: str


def log_path(out: Path, step: Step) -> Path:
    return Path(out) / LOG_DIR / step.cell.name / f"{step.kind}.log"


def record_path(out: Path, step: Step) -> Path:
    return Path(out) / STATE_DIR / "steps" / step.cell.name / f"{step.kind}.json"


def write_record(out: Path, step: Step, record: StepRecord) -> None:
    runs.atomic_write_json(record_path(out, step), dataclasses.asdict(record))


def read_record(out: Path, step: Step) -> StepRecord | None:
    """The step's record, or ``None`` when it has none (never run by a sweep) or it cannot be read."""
    path = record_path(out, step)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return StepRecord(**{field.name: data[field.name] for field in dataclasses.fields(StepRecord)})
    except (OSError, ValueError, KeyError, TypeError):
        return None


def cell_path(out: Path, cell: Cell) -> Path:
    return Path(out) / STATE_DIR / "cells" / f"{cell.name}.json"


def train_settings(train_argv: tuple[str, ...]) -> list[str]:
    """The train command without its ``--out`` (a moved sweep folder keeps its cells)."""
    argv = list(train_argv)
    if "--out" in argv:
        at = argv.index("--out")
        del argv[at:at + 2]
    return argv


def check_cell_settings(out: Path, cell: Cell, train_argv: tuple[str, ...]) -> None:
    """Refuse to continue a cell that was started with another train command.

    Raises:
        OpEmbedError: the cell's saved train command differs from ``train_argv``.
    """
    path = cell_path(out, cell)
    if not path.is_file():
        return
    try:
        saved = json.loads(path.read_text(encoding="utf-8")).get("train")
    except (OSError, ValueError, AttributeError):
        return  # unreadable: the next write replaces it
    wanted = train_settings(train_argv)
    if saved is not None and list(saved) != wanted:
        changed = sorted(set(saved) ^ set(wanted))
        raise OpEmbedError(
            f"{path}: the cell {cell.name} was started with other train flags (differing: {' '.join(changed)})\n"
            f"  fix: run the sweep with another --out, or delete {cell.run_dir(out)} and {path} to start the cell "
            "over")


def save_cell_settings(out: Path, cell: Cell, train_argv: tuple[str, ...]) -> None:
    runs.atomic_write_json(cell_path(out, cell), {"train": train_settings(train_argv)})
