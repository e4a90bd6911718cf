"""Finding run directories below the folders the dashboard was started with.

No Streamlit, so that listing runs stays fast and testable. A run directory is any directory
holding a run file (see :mod:`core.runs`); each one found is a :class:`core.runs.Run`, its
status read at discovery (a damaged file makes it broken, naming the file, see
:mod:`core.runs.status`). Symbolic links are followed only where they stay inside the
``roots`` the dashboard was started with.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from core.runs import (  # noqa: F401  (the statuses, re-exported for the pages)
    BROKEN, COMPACT_STATE, COMPLETE, MISSING_METRICS, RUN_FILES, STATUSES, TRAINING, Run, inside, resolved_roots,
)

MAX_DEPTH = 3  # how deep below a runs directory run directories are looked for


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


def discover_runs(runs_dir: str | Path | None, demo_dir: str | Path | None = None,
                  roots: Sequence[str | Path] | None = None, data_dir: str | Path | None = None) -> list[Run]:
    """Every run below ``runs_dir`` and ``demo_dir`` (either may be ``None`` or absent), its
    status read.

    Names are paths relative to their root; demo runs are prefixed with ``demo/``. A run
    found under both (``runs_dir`` inside ``demo_dir`` or the reverse) is listed once.
    Links are followed only inside ``roots`` (default: ``runs_dir`` and ``demo_dir``).
    ``data_dir``: where the runs' space data lives. The runs of one space stand in for a
    missing ENAS data file for each other (their keys rebuild the table).

    Example:
        >>> [r.name for r in discover_runs("runs", "assets/demo")]  # doctest: +SKIP
        ['cora-learned', 'cora-onehot', 'demo/nbg-cora-learned', 'demo/nbg-cora-onehot']
    """
    given = [r for r in (runs_dir, demo_dir) if r is not None and str(r) != ""]
    allowed = resolved_roots(roots if roots is not None else given)
    found: list[tuple[Path, str, str]] = []
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
            found.append((path, f"demo/{name}" if source == "demo" else name, source))
    runs = [Run.open(path, name=name, source=source, roots=allowed, data_dir=data_dir) for path, name, source in found]
    by_space: dict[str | None, list[Path]] = {}
    for run in runs:
        run.status  # read now: the list is cached with it
        by_space.setdefault(run.space_name, []).append(run.path)
    for run in runs:
        run.table_runs = tuple(by_space.get(run.space_name, [run.path]))
    return runs


def default_pair(runs: list[Run]) -> tuple[str | None, str | None]:
    """Paths of the runs to compare by default: a run with a fixed (one-hot) operation
    encoding (A) and one with learned embeddings (B) of the same space, preferring pairs of one
    model (D-VAE against DVAE-EMB, GCN against GCN-EMB), then complete runs and runs outside
    the demo folder. When there is no such pair, the first usable run
    and ``None``."""
    usable = [r for r in runs if not r.status.broken]
    rank = {status: i for i, status in enumerate(STATUSES)}

    def order(run: Run) -> tuple:
        return (run.source != "runs", rank[run.status.state], run.name)

    fixed = [r for r in usable if not r.encoder.saves_embeddings]
    learned = [r for r in usable if r.encoder.saves_embeddings]
    pairs = [(a.config.model.model != b.config.model.model, order(a), order(b), str(a.path), str(b.path))
             for a in fixed for b in learned if a.space_name == b.space_name]
    if pairs:
        best = min(pairs)
        return best[3], best[4]
    if usable:
        return str(sorted(usable, key=order)[0].path), None
    return (str(runs[0].path) if runs else None), None
