"""A compact copy of a finished run: what seed groups and the verdict read, without the
model, the latents or the checkpoint.

A seed group's comparison reads each seed's ``config.json``, ``history.csv``,
``metrics.json``, ``embeddings.json``, ``smoothness.json`` and BO records. The rest
(``model.pt``, ``latents.parquet``, ``checkpoint.pt``, ``projections/``) is megabytes per
seed. ``python -m core compact RUN --out DIR`` copies the former, keeps of every BO round the
keys, values, statuses and ranks in query order (the latent points and decoded graphs are
dropped: points can be recomputed from the run's latents), and writes ``compact.json``,
which says what was left out. The run's status then reads ``compact``: the dashboard and
the verdict use its figures, and the pages that need latents skip it.
"""

from __future__ import annotations

import json
from pathlib import Path

from core.errors import OpEmbedError
from core.runs.files import atomic_write_json, atomic_write_text, read_text
from core.runs.loaders import load_bo_result, load_config
from core.runs.names import (
    BO_DIR, CHECKPOINT, COMPACT, CONFIG, EMBEDDINGS, HISTORY, LATENTS, METRICS, MODEL, PROJECTIONS, SMOOTHNESS,
)

KEPT_FILES = (CONFIG, HISTORY, METRICS, EMBEDDINGS, SMOOTHNESS)
DROPPED = (MODEL, LATENTS, CHECKPOINT, PROJECTIONS)
DROPPED_ROUND_FIELDS = ("points", "graphs")  # per query: a latent vector and a decoded graph


def compact_bo_result(data: dict) -> dict:
    """A BO result without the per-query latent points and graphs (keys, values, statuses,
    ranks and per-round figures kept, in query order)."""
    rounds = [{k: v for k, v in record.items() if k not in DROPPED_ROUND_FIELDS} for record in data["rounds"]]
    return {**{k: v for k, v in data.items() if k != "path"}, "rounds": rounds, "compact": True}


def drop_pool_points(run_dir: Path) -> list[str]:
    """Rewrite the run's pool-mode BO result files without their per-query latent points and
    graphs (the table's own: :meth:`core.bo.problem.BOProblem.pool_point` rebuilds them), in
    place and atomically; decode-mode files keep theirs. Every file is read first. Returns
    the names rewritten."""
    folder = Path(run_dir) / BO_DIR
    paths = sorted(folder.glob("*-seed*.json")) if folder.is_dir() else []
    results = {path: load_bo_result(path) for path in paths}
    rewritten = []
    for path, data in results.items():
        pool = (data.get("problem") or {}).get("mode") == "pool"
        if pool and any(field in record for record in data["rounds"] for field in DROPPED_ROUND_FIELDS):
            rounds = [{k: v for k, v in record.items() if k not in DROPPED_ROUND_FIELDS} for record in data["rounds"]]
            atomic_write_json(path, {**{k: v for k, v in data.items() if k != "path"}, "rounds": rounds}, compact=True)
            rewritten.append(path.name)
    return rewritten


def compact_run(run_dir: Path, out: Path) -> list[str]:
    """Write the compact copy of ``run_dir`` into ``out`` (a new or empty folder, or an
    earlier compact copy, which is refreshed). Every file is read and checked first; then
    each is written atomically. Returns the names written.

    Raises:
        OpEmbedError: ``run_dir`` is no run, ``out`` holds a full run, or a file is damaged.
    """
    run_dir, out = Path(run_dir), Path(out)
    load_config(run_dir)
    if out.resolve() == run_dir.resolve():
        raise OpEmbedError(f"--out {out}: is the run itself; choose another folder")
    full = [name for name in (MODEL, LATENTS, CHECKPOINT) if (out / name).exists()]
    if full:
        raise OpEmbedError(f"--out {out}: holds a full run ({', '.join(full)}); nothing was written\n"
                           "  fix: choose an empty folder")
    texts = {name: read_text(run_dir / name) for name in KEPT_FILES if (run_dir / name).exists()}
    bo_files = sorted((run_dir / BO_DIR).glob("*-seed*.json")) if (run_dir / BO_DIR).is_dir() else []
    results = {path.name: compact_bo_result(load_bo_result(path)) for path in bo_files}
    for name, text in texts.items():
        atomic_write_text(out / name, text)
    for name, data in results.items():
        atomic_write_json(out / BO_DIR / name, data, compact=True)
    dropped = [name for name in DROPPED if (run_dir / name).exists()]
    atomic_write_json(out / COMPACT, {"source": run_dir.name, "dropped": dropped,
                                      "bo_round_fields_dropped": list(DROPPED_ROUND_FIELDS),
                                      "note": "a seed run kept for its figures; retrain with the config's seed "
                                              "to get its model and latents back"})
    return [*texts, *(f"{BO_DIR}/{name}" for name in results), COMPACT]


def is_compact(run_dir: Path) -> bool:
    """Whether ``run_dir`` is a compact copy (holds ``compact.json``)."""
    return (Path(run_dir) / COMPACT).is_file()


def compact_facts(run_dir: Path) -> dict:
    """``compact.json`` as a dict (empty when it does not read)."""
    try:
        data = json.loads((Path(run_dir) / COMPACT).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
