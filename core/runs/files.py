"""Run files on disk: atomic writes, stale temp files, the ``fix:`` advice for a damaged
file, and reading a run file's text or JSON with the line of any problem.

Every reader of a run file turns any failure to parse (bad JSON, bytes that are not UTF-8
...) into a :class:`~core.errors.RunFileError` that reads ``PATH[:LINE]: what is wrong`` plus
a ``fix:`` line. No torch.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

import pandas as pd

from core.errors import RunFileError
from core.runs.names import (
    BO_DIR, CHECKPOINT, CONFIG, EMBEDDINGS, HISTORY, LATENTS, METRICS, MODEL, SMOOTHNESS,
)

TEMP_SUFFIX = ".tmp"  # atomic writes go through ``.<name>.<random>.tmp`` beside the target


def remove_stale_temp_files(run_dir: Path) -> None:
    """Delete the ``.NAME.*.tmp`` files a killed atomic write left in a run directory or in
    its ``bo/`` and ``projections/`` folders. Every command that writes into a run calls it."""
    run_dir = Path(run_dir)
    if run_dir.is_dir():
        for stale in [*run_dir.glob(f".*{TEMP_SUFFIX}"), *run_dir.glob(f"*/.*{TEMP_SUFFIX}")]:
            stale.unlink(missing_ok=True)


# ---------------------------------------------------------------- atomic writes
def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``.

    The file is created with mode ``0o666`` less the process umask (``0o644`` under the usual
    umask 022), like any file ``open(path, "w")`` makes.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
        try:  # O_EXCL: never an existing file; the kernel applies the umask to 0o666
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, data: Any, compact: bool = False) -> None:
    """Write ``data`` as JSON atomically: indented, or ``compact`` (no whitespace, for large records)."""
    if compact:
        text = json.dumps(data, separators=(",", ":"), default=_json_default)
    else:
        text = json.dumps(data, indent=2, default=_json_default)
    atomic_write_text(path, text + "\n")


def atomic_write_parquet(path: Path, frame: pd.DataFrame) -> None:
    atomic_write_bytes(path, frame.to_parquet(index=False))


def atomic_write_csv(path: Path, frame: pd.DataFrame) -> None:
    atomic_write_text(path, frame.to_csv(index=False))


def _json_default(value: Any):
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


# ---------------------------------------------------------------- what to do about a bad file
def fix_for(path: Path) -> str:
    """The ``fix:`` advice for a damaged run file, by its name."""
    path = Path(path)
    run = path.parent
    advice = {
        CONFIG: "restore config.json from a backup; if the run cannot be recovered, train it again into a new --out",
        MODEL: f"restore {path.name} from a backup, or train the run again into a new --out",
        CHECKPOINT: f"delete {path}: the finished model.pt stays usable, but the run can no longer be "
                    "resumed (train again into a new --out to continue it)",
        HISTORY: f"restore {path.name} from a backup, or delete it (the training curves are then left out)",
        EMBEDDINGS: f"restore {path.name} from a backup, or delete it (the embedding figures are then left out)",
        METRICS: f"delete {path} and run `python -m core evaluate {run}` again",
        LATENTS: f"delete {path} and rewrite it with `python -m core train --space {space_name_for_advice(run)} --out {run} "
                 "--resume` (needs checkpoint.pt), or train again into a new --out",
        SMOOTHNESS: f"delete {path} and run `python -m core smoothness {run}` again",
    }
    if path.parent.name == BO_DIR:
        return f"delete {path} and run `python -m core bo {run.parent}` again (that search starts over)"
    return advice.get(path.name, f"restore {path.name} from a backup, or delete it")


def space_name_for_advice(run_dir: Path) -> str:
    """The space a run's config.json names, or ``SPACE`` when it cannot be read (for advice only)."""
    try:
        space = json.loads((Path(run_dir) / CONFIG).read_text(encoding="utf-8")).get("space")
    except Exception:  # any damage: the advice keeps a placeholder
        return "SPACE"
    return space if isinstance(space, str) and re.fullmatch(r"[A-Za-z0-9_-]+", space) else "SPACE"


def missing_file(path: Path, why: str = "missing") -> RunFileError:
    return RunFileError(path, why, fix=fix_for(path))


# ---------------------------------------------------------------- text and JSON
def read_text(path: Path) -> str:
    """A run file's text. Raises :class:`RunFileError` when it is absent, unreadable, or holds
    bytes that are not UTF-8 (the message names the line)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise missing_file(path) from None
    except IsADirectoryError:
        raise RunFileError(path, "is a folder, not a file", fix=f"remove the folder {path}") from None
    except OSError as error:
        raise RunFileError(path, f"cannot be read ({error.strerror or error})", fix=fix_for(path)) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise RunFileError(path, f"byte 0x{data[error.start]:02x} is not UTF-8 text (a damaged or foreign file)",
                           line=line, fix=fix_for(path)) from None


def read_json(path: Path) -> Any:
    """A JSON file of a run. Raises :class:`RunFileError` (naming the line) on any failure."""
    path = Path(path)
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise RunFileError(path, f"not valid JSON ({error.msg})", line=error.lineno, fix=fix_for(path)) from None
    except RecursionError:
        raise RunFileError(path, "not valid JSON (nested too deeply)", fix=fix_for(path)) from None


def read_json_object(path: Path, what: str) -> dict:
    data = read_json(path)
    if not isinstance(data, dict):
        raise RunFileError(path, f"holds a JSON {json_type_name(data)}, not a JSON object ({what})", fix=fix_for(path))
    return data


def json_type_name(value: Any) -> str:
    names = {list: "list", str: "string", bool: "boolean", int: "number", float: "number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


