"""Finding run directories and saying what state each one is in.

No Streamlit and no torch, so that listing runs stays fast and testable. A run directory is
any directory holding a run file (see ``core.runs``); one holding run files but no
``config.json`` is listed as broken.

Every run file is validated cheaply (JSON and CSV parsed, the footer of the Parquet file and
the directory of each PyTorch zip read, the model file's settings read without torch),
once per version of the file. A damaged file makes the run ``broken``, with ``error``
naming the file and ``fix`` saying what to do; neither holds a server path. Symbolic
links are followed only where they stay inside the ``roots`` the dashboard was started with.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path

from core import runs as run_files
from core.errors import RunDirError, RunFileError
from core.runs.names import (  # torch-free
    BO_DIR, CHECKPOINT, CONFIG, EMBEDDINGS, HISTORY, LATENTS, METRICS, MODEL, PROJECTIONS, SMOOTHNESS,
)

RUN_FILES = (CONFIG, MODEL, CHECKPOINT, HISTORY, LATENTS, METRICS, EMBEDDINGS)
CHECKED_FILES = (MODEL, CHECKPOINT, LATENTS, HISTORY, METRICS, EMBEDDINGS, SMOOTHNESS)  # in this order
MAX_DEPTH = 3  # how deep below a runs directory run directories are looked for

COMPLETE = "complete"
TRAINING = "training"
MISSING_METRICS = "missing metrics"
BROKEN = "broken"
STATUSES = (COMPLETE, MISSING_METRICS, TRAINING, BROKEN)


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


def find_run_dirs(root: Path, max_depth: int = MAX_DEPTH, roots: Sequence[Path] | None = None) -> list[Path]:
    """Directories at most ``max_depth`` levels below ``root`` (``root`` included) that hold
    a run file. A run directory's own subfolders (``projections/``, ``bo/``) are not searched.
    Hidden folders are skipped, and so are links leading out of ``roots`` (resolved; default:
    ``root`` itself). Sorted by path."""
    root = Path(root)
    allowed = tuple(roots) if roots is not None else resolved_roots([root])
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
            if entry.name.startswith((".", "__")):
                continue
            try:
                if not entry.is_dir(follow_symlinks=True):
                    continue
                if entry.is_symlink() and not inside(entry.path, allowed):
                    continue  # never out of the roots
            except OSError:  # permission denied, a dangling link
                continue
            frontier.append((Path(entry.path), depth + 1))
    return sorted(found)


# ---------------------------------------------------------------- cheap checks, once per file version
def _count_epochs(history: Path) -> int | None:
    """Rows of ``history.csv`` (one per finished epoch), or ``None`` when it is absent or
    unreadable. Counts lines of bytes: any content is survived."""
    try:
        with open(history, "rb") as handle:
            lines = [line for line in handle if line.strip()]
    except OSError:
        return None
    return max(len(lines) - 1, 0)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


@functools.lru_cache(maxsize=2048)
def _inspect(path: str, name: str, stamp: tuple[int, int]) -> tuple[RunFileError | None, dict | None]:
    """``(error, model facts)`` of one run file; cached on its modification time and size."""
    file = Path(path)
    try:
        if name == MODEL:
            facts = run_files.peek_model(file)
            return None, {"space": facts["space"], "model_config": dict(facts["model_config"])}
        if name == CHECKPOINT:
            run_files.check_torch_file(file)
        elif name == LATENTS:
            run_files.check_latents_file(file)
        elif name == HISTORY:
            run_files.load_history(file.parent)
        elif name == METRICS:
            run_files.load_metrics(file.parent)
        elif name == EMBEDDINGS:
            run_files.load_embeddings(file.parent)
        elif name == SMOOTHNESS:
            run_files.load_smoothness(file.parent)
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
def describe_run(path: Path, name: str, source: str, roots: Sequence[Path] | None = None) -> dict:
    """What a run directory holds and what state it is in.

    Args:
        path: the run directory.
        name: its display name.
        source: ``"runs"`` or ``"demo"``.
        roots: resolved folders whose files may be read; a run file that is a link leading
            elsewhere makes the run broken (default: the run directory's parent).

    Returns:
        A dict with ``path`` (str), ``name``, ``source``, ``space``, ``encoding``,
        ``status`` (one of ``STATUSES``), ``missing`` (names of files the dashboard would
        like but that are absent), ``error`` (why a broken run is broken, naming the file,
        else ``None``), ``fix`` (what to do about it, or ``None``), ``config`` (the parsed
        ``config.json`` or ``None``), ``epochs_done``, ``epochs_total``, ``has`` (file name ->
        bool) and ``mtime``.
    """
    path = Path(path)
    allowed = tuple(roots) if roots is not None else resolved_roots([path.parent])
    has = {f: (path / f).exists() for f in (*RUN_FILES, SMOOTHNESS, PROJECTIONS, BO_DIR)}
    stamps = [_stamp(path / f) for f in has if has[f]]
    info = {
        "path": str(path),
        "name": name,
        "source": source,
        "space": None,
        "encoding": None,
        "status": BROKEN,
        "missing": [],
        "error": None,
        "fix": None,
        "config": None,
        "epochs_done": _count_epochs(path / HISTORY),
        "epochs_total": None,
        "has": has,
        "mtime": max((s[0] / 1e9 for s in stamps if s is not None), default=0.0),
    }

    def broken(error: str, fix: str | None = None) -> dict:
        info["error"], info["fix"] = _private(error, path, name), _private(fix, path, name)
        return info

    for file in (CONFIG, *CHECKED_FILES):
        if (path / file).is_symlink() and not inside(path / file, allowed):
            return broken(f"{file}: a link to a file outside the runs folders; not read",
                          f"replace the link {file} with a copy of the file")
    if not has[CONFIG]:
        return broken(f"{CONFIG}: missing; this folder holds run files but no config "
                      "(was it copied by hand, or is training still starting?)",
                      "copy the run's config.json back, or delete the folder")
    try:
        config = run_files.load_config(path)
    except RunFileError as error:
        return broken(f"{_where(CONFIG, error)}: {error.problem}", error.fix)
    except RunDirError as error:
        return broken(f"{CONFIG}: {error}")
    model = config.get("model")
    if not isinstance(model, dict) or model.get("encoding") not in ("onehot", "learned"):
        return broken(f"{CONFIG}: \"model.encoding\" must be \"onehot\" or \"learned\"",
                      run_files.fix_for(path / CONFIG))
    info["config"] = config
    info["space"] = config["space"]
    info["encoding"] = model["encoding"]
    train = config.get("train") if isinstance(config.get("train"), dict) else {}
    info["epochs_total"] = train.get("epochs") if isinstance(train.get("epochs"), int) else None

    peeked = None
    for file in CHECKED_FILES:
        stamp = _stamp(path / file)
        if stamp is None:
            continue
        error, facts = _inspect(str(path / file), file, stamp)
        if error is not None:
            return broken(f"{_where(file, error)}: {error.problem}", error.fix)
        if file == MODEL:
            peeked = facts
    if peeked is not None:
        mismatch = run_files.model_mismatch(peeked, config)
        if mismatch:
            return broken(f"{MODEL}: {mismatch}", run_files.fix_for(path / MODEL))

    done, total = info["epochs_done"], info["epochs_total"]
    finished = total is not None and done is not None and done >= total
    if not has[MODEL] and not has[CHECKPOINT] and (has[LATENTS] or finished):
        evidence = "latents.parquet is there" if has[LATENTS] else "every epoch is in history.csv"
        return broken(f"{MODEL}: missing, yet training finished ({evidence}) and there is no checkpoint.pt",
                      run_files.fix_for(path / MODEL))

    wanted = [MODEL, HISTORY, LATENTS, METRICS]
    if info["encoding"] == "learned":
        wanted.append(EMBEDDINGS)
    info["missing"] = [f for f in wanted if not has[f]]
    unfinished = not has[MODEL] or not has[LATENTS] or (done is not None and total is not None and done < total)
    if unfinished:
        info["status"] = TRAINING
    elif not has[METRICS]:
        info["status"] = MISSING_METRICS
    else:
        info["status"] = COMPLETE
    return info


# ---------------------------------------------------------------- every run
def discover_runs(runs_dir: str | Path | None, demo_dir: str | Path | None = None,
                  roots: Sequence[str | Path] | None = None) -> list[dict]:
    """Every run below ``runs_dir`` and ``demo_dir`` (either may be ``None`` or absent).

    Names are paths relative to their root; demo runs are prefixed with ``demo/``. A run
    found under both (``runs_dir`` inside ``demo_dir`` or the reverse) is listed once.
    Links are followed only inside ``roots`` (default: ``runs_dir`` and ``demo_dir``).

    Example:
        >>> [r["name"] for r in discover_runs("runs", "assets/demo")]  # doctest: +SKIP
        ['cora-learned', 'cora-onehot', 'demo/nbg-cora-learned', 'demo/nbg-cora-onehot']
    """
    given = [r for r in (runs_dir, demo_dir) if r is not None and str(r) != ""]
    allowed = resolved_roots(roots if roots is not None else given)
    runs: list[dict] = []
    seen: set[Path] = set()
    for source, root in (("runs", runs_dir), ("demo", demo_dir)):
        if root is None or str(root) == "":
            continue
        root = Path(root).expanduser()
        for path in find_run_dirs(root, roots=allowed):
            resolved = path.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            relative = path.relative_to(root).as_posix()
            name = root.name if relative == "." else relative
            if source == "demo":
                name = f"demo/{name}"
            runs.append(describe_run(path, name, source, roots=allowed))
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
