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

from core.errors import OpEmbedError
from core.runs.names import BO_DIR, CHECKPOINT, CONFIG, EMBEDDINGS, HISTORY, LATENTS, METRICS, MODEL, PROJECTIONS, SMOOTHNESS

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


# Upper bounds of numeric flags for the machines this runs on (2 cores, 24 GB): beyond them a
# run cannot finish or allocate, so they are refused before anything starts.
LIMITS = {
    "--epochs": 100_000, "--batch-size": 65_536, "--hidden-dim": 4_096, "--latent-dim": 1_024,
    "--embedding-dim": 1_024, "--checkpoint-every": 100_000, "--gcn-levels": 64, "--monitor-graphs": 100_000,
    "--monitor-prior-points": 100_000, "--seed": 2**32 - 1, "--lr": 10.0, "--encode-times": 1_000,
    "--decode-times": 1_000, "--prior-points": 1_000_000, "--gp-seeds": 1_000, "--gp-epochs": 10_000,
    "--n-neighbors": 1_000, "--rounds": 10_000, "--seeds": 10_000, "--init": 100_000,
    "--gp-inducing": 10_000, "--gp-iterations": 10_000, "--decode-attempts": 10_000,
}


def require_at_most(flag: str, value: int | float | None, maximum: int | float | None = None) -> None:
    """``value <= maximum`` (default: the flag's :data:`LIMITS` entry; ``None``: not given)."""
    maximum = LIMITS.get(flag) if maximum is None else maximum
    if value is None or maximum is None:
        return
    _finite(flag, value)
    if value > maximum:
        where = "" if flag == "--seed" else " on this machine class (2 cores, 24 GB)"
        raise OpEmbedError(f"{flag} {value}: must be at most {maximum:,}{where}")


def require_in_limits(values: dict[str, int | float | None]) -> None:
    """Every flag of ``values`` (flag -> value) within its :data:`LIMITS` entry."""
    for flag, value in values.items():
        require_at_most(flag, value)


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
            folder is not writable; an ``--out`` flag that is empty, the working directory
            or the file-system root.
    """
    path = Path(path).expanduser()
    absolute = Path(os.path.abspath(path))
    if flag.startswith("--out") and (str(path) in ("", ".") or absolute == Path(absolute.anchor)):
        shown = "the working directory" if str(path) in ("", ".") else "the file-system root"
        raise OpEmbedError(f"{flag} {str(path)!r}: is {shown}, not a folder of its own; nothing was written\n"
                           f"  fix: name a new folder, e.g. {flag} runs/my-run")
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
