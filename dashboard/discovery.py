"""Finding run directories and saying what state each one is in.

Pure Python on purpose: no Streamlit and no torch, so that listing runs stays fast and
testable. A run directory is any directory holding ``config.json`` (see ``core.runs``);
a directory holding other run files but no ``config.json`` is listed as broken.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from core.run_files import (  # torch-free
    BO_DIR, CHECKPOINT, CONFIG, EMBEDDINGS, HISTORY, LATENTS, METRICS, MODEL, PROJECTIONS, SMOOTHNESS,
)

RUN_FILES = (CONFIG, MODEL, CHECKPOINT, HISTORY, LATENTS, METRICS, EMBEDDINGS)
MAX_DEPTH = 3  # how deep below a runs directory run directories are looked for

COMPLETE = "complete"
TRAINING = "training"
MISSING_METRICS = "missing metrics"
BROKEN = "broken"
STATUSES = (COMPLETE, MISSING_METRICS, TRAINING, BROKEN)


def find_run_dirs(root: Path, max_depth: int = MAX_DEPTH) -> list[Path]:
    """Directories at most ``max_depth`` levels below ``root`` (``root`` included) that hold
    a run file. A run directory's own subfolders (``projections/``, ``bo/``) are not searched.
    Hidden folders are skipped. Sorted by path."""
    root = Path(root)
    if not root.is_dir():
        return []
    found: list[Path] = []
    frontier = [(root, 0)]
    while frontier:
        directory, depth = frontier.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError:
            continue
        names = {entry.name for entry in entries}
        if any(name in names for name in RUN_FILES):
            found.append(directory)
            continue
        if depth >= max_depth:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=True) and not entry.name.startswith((".", "__")):
                frontier.append((Path(entry.path), depth + 1))
    return sorted(found)


def _count_epochs(history: Path) -> int | None:
    """Rows of ``history.csv`` (one per finished epoch), or ``None`` when it is absent."""
    try:
        with open(history, encoding="utf-8") as handle:
            lines = [line for line in handle if line.strip()]
    except OSError:
        return None
    return max(len(lines) - 1, 0)


def describe_run(path: Path, name: str, source: str) -> dict:
    """What a run directory holds and what state it is in.

    Returns:
        A dict with ``path`` (str), ``name``, ``source`` (``"runs"`` or ``"demo"``),
        ``space``, ``encoding``, ``status`` (one of ``STATUSES``), ``missing`` (names of
        files the dashboard would like but that are absent), ``error`` (why a broken run is
        broken, else ``None``), ``config`` (the parsed ``config.json`` or ``None``),
        ``epochs_done``, ``epochs_total``, ``has`` (file name -> bool) and ``mtime``.
    """
    path = Path(path)
    has = {f: (path / f).exists() for f in (*RUN_FILES, SMOOTHNESS, PROJECTIONS, BO_DIR)}
    info = {
        "path": str(path),
        "name": name,
        "source": source,
        "space": None,
        "encoding": None,
        "status": BROKEN,
        "missing": [],
        "error": None,
        "config": None,
        "epochs_done": _count_epochs(path / HISTORY),
        "epochs_total": None,
        "has": has,
        "mtime": max((path / f).stat().st_mtime for f in has if has[f]) if any(has.values()) else 0.0,
    }
    if not has[CONFIG]:
        info["error"] = (f"{path / CONFIG}: missing; this folder holds run files but no config "
                         "(was it copied by hand, or is training still starting?)")
        return info
    try:
        with open(path / CONFIG, encoding="utf-8") as handle:
            config = json.load(handle)
    except json.JSONDecodeError as error:
        info["error"] = f"{path / CONFIG}:{error.lineno}: not valid JSON ({error.msg})"
        return info
    except OSError as error:
        info["error"] = f"{path / CONFIG}: cannot be read ({error.strerror})"
        return info
    if not isinstance(config, dict) or not isinstance(config.get("space"), str):
        info["error"] = f"{path / CONFIG}: no \"space\" entry; not a config written by `python -m core train`"
        return info
    model = config.get("model")
    if not isinstance(model, dict) or model.get("encoding") not in ("onehot", "learned"):
        info["error"] = f"{path / CONFIG}: \"model.encoding\" must be \"onehot\" or \"learned\""
        return info
    info["config"] = config
    info["space"] = config["space"]
    info["encoding"] = model["encoding"]
    train = config.get("train") if isinstance(config.get("train"), dict) else {}
    info["epochs_total"] = train.get("epochs")

    wanted = [MODEL, HISTORY, LATENTS, METRICS]
    if info["encoding"] == "learned":
        wanted.append(EMBEDDINGS)
    info["missing"] = [f for f in wanted if not has[f]]
    unfinished = (
        not has[MODEL]
        or not has[LATENTS]
        or (info["epochs_done"] is not None and info["epochs_total"] is not None
            and info["epochs_done"] < info["epochs_total"])
    )
    if unfinished:
        info["status"] = TRAINING
    elif not has[METRICS]:
        info["status"] = MISSING_METRICS
    else:
        info["status"] = COMPLETE
    return info


def discover_runs(runs_dir: str | Path | None, demo_dir: str | Path | None = None) -> list[dict]:
    """Every run below ``runs_dir`` and ``demo_dir`` (either may be ``None`` or absent).

    Names are paths relative to their root; demo runs are prefixed with ``demo/``. A run
    found under both (``runs_dir`` inside ``demo_dir`` or the reverse) is listed once.

    Example:
        >>> [r["name"] for r in discover_runs("runs", "assets/demo")]  # doctest: +SKIP
        ['cora-learned', 'cora-onehot', 'demo/nbg-cora-learned', 'demo/nbg-cora-onehot']
    """
    runs: list[dict] = []
    seen: set[Path] = set()
    for source, root in (("runs", runs_dir), ("demo", demo_dir)):
        if root is None or str(root) == "":
            continue
        root = Path(root).expanduser()
        for path in find_run_dirs(root):
            resolved = path.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            relative = path.relative_to(root).as_posix()
            name = root.name if relative == "." else relative
            if source == "demo":
                name = f"demo/{name}"
            runs.append(describe_run(path, name, source))
    return runs


def default_pair(runs: list[dict]) -> tuple[str | None, str | None]:
    """Paths of the runs to compare by default: a one-hot run (A) and a learned run (B) of
    the same space, preferring complete runs and runs outside the demo folder. When there
    is no such pair, the first usable run and ``None``."""
    usable = [r for r in runs if r["status"] != BROKEN]
    rank = {status: i for i, status in enumerate(STATUSES)}

    def order(run: dict) -> tuple:
        return (run["source"] != "runs", rank[run["status"]], run["name"])

    best: tuple | None = None
    for onehot in usable:
        if onehot["encoding"] != "onehot":
            continue
        for learned in usable:
            if learned["encoding"] != "learned" or learned["space"] != onehot["space"]:
                continue
            score = (order(onehot), order(learned))
            if best is None or score < best[0]:
                best = (score, onehot["path"], learned["path"])
    if best is not None:
        return best[1], best[2]
    if usable:
        return sorted(usable, key=order)[0]["path"], None
    return (runs[0]["path"] if runs else None), None
