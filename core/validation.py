"""Checks of command-line arguments, made before a command reads data or writes anything.

Each check raises :class:`~core.errors.OpEmbedError` with one line naming the flag (and, for
paths, the path), so ``python -m core`` prints ``error: ...`` and exits 2.

Example:
    >>> require_at_least("--epochs", 0, 1)
    Traceback (most recent call last):
    core.errors.OpEmbedError: --epochs 0: must be at least 1
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from .errors import OpEmbedError
from .runs.names import BO_DIR, CHECKPOINT, CONFIG, EMBEDDINGS, HISTORY, LATENTS, METRICS, MODEL, PROJECTIONS, SMOOTHNESS

RUN_ENTRIES = (CONFIG, MODEL, CHECKPOINT, HISTORY, EMBEDDINGS, METRICS, LATENTS, SMOOTHNESS, PROJECTIONS, BO_DIR)


def _finite(flag: str, value: float) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise OpEmbedError(f"{flag} {value}: must be a finite number")


def require_at_least(flag: str, value: int | float | None, minimum: int | float) -> None:
    """``value >= minimum`` (``None``: not given, nothing to check)."""
    if value is None:
        return
    _finite(flag, value)
    if value < minimum:
        raise OpEmbedError(f"{flag} {value}: must be at least {minimum}")


def require_positive(flag: str, value: float | None) -> None:
    """``value > 0`` (``None``: not given)."""
    if value is None:
        return
    _finite(flag, value)
    if value <= 0:
        raise OpEmbedError(f"{flag} {value}: must be greater than 0")


def require_share(flag: str, value: float | None) -> None:
    """``0 <= value <= 1`` (``None``: not given)."""
    if value is None:
        return
    _finite(flag, value)
    if not 0 <= value <= 1:
        raise OpEmbedError(f"{flag} {value}: must be between 0 and 1")


def _nearest_existing(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists."""
    current = path
    while not current.exists() and current != current.parent:
        current = current.parent
    return current


def check_output_dir(path: Path, flag: str) -> None:
    """That ``path`` is, or can be made, a folder this process can write into.

    Raises:
        OpEmbedError: ``path`` is a file, lies under a file, or its nearest existing
            folder is not writable.
    """
    path = Path(path).expanduser()
    absolute = Path(os.path.abspath(path))
    if absolute.exists() and not absolute.is_dir():
        raise OpEmbedError(f"{flag} {path}: is a file, not a folder\n  fix: choose a folder for {flag}")
    existing = _nearest_existing(absolute)
    if not existing.is_dir():
        raise OpEmbedError(f"{flag} {path}: {existing} is a file, so no folder can be made under it\n"
                           f"  fix: choose another {flag}")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OpEmbedError(f"{flag} {path}: the folder {existing} is not writable\n"
                           f"  fix: choose a folder you can write to, or change its permissions")


def check_output_file(path: Path, flag: str) -> None:
    """That the file ``path`` can be written: not a folder, and its folder can be made and written."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise OpEmbedError(f"{flag} {path}: is a folder, not a file")
    check_output_dir(Path(os.path.abspath(path)).parent, flag)


def run_entries(path: Path) -> list[str]:
    """The run files already in the folder ``path`` (``config.json``, ``model.pt`` ...)."""
    path = Path(path)
    if not path.is_dir():
        return []
    return [name for name in RUN_ENTRIES if (path / name).exists()]
