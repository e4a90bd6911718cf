"""Read BO result files back: best-so-far curves and the summary table.

Best-so-far counts ``new`` queries only (never the training split, never duplicates);
the training set's best is reported beside it for reference.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from core import runs
from core.errors import RunDirError
from core.bo.config import METHODS

DEFAULT_CHECKPOINTS = (1, 5, 10)  # rounds after which the summary reports the best found


def load_results(run_dir: Path) -> list[dict]:
    """Every ``RUN/bo/*.json`` result file, sorted by method then seed.

    Raises:
        RunDirError: the run has no BO results, or a file is damaged (``RunFileError``).
    """
    folder = Path(run_dir) / runs.BO_DIR
    files = sorted(folder.glob("*-seed*.json")) if folder.is_dir() else []
    if not files:
        raise RunDirError(f"{folder}: no BO results; run `python -m core bo {run_dir}` first")
    results = []
    for path in files:
        data = runs.load_bo_result(path)  # RunFileError (a RunDirError) names a damaged file
        data["path"] = str(path)
        results.append(data)
    order = {name: i for i, name in enumerate(METHODS)}
    results.sort(key=lambda d: (order.get(d["method"], len(order)), d["method"], d["seed"]))
    return results


def query_values(result: dict) -> list[float | None]:
    """The value of each query in order, ``None`` unless its status is ``new``."""
    values = []
    for record in result["rounds"]:
        for value, status in zip(record["values"], record["status"]):
            values.append(value if status == "new" else None)
    return values


def queries_to_best(result: dict) -> int | None:
    """The 1-based query at which the search first found its final best value."""
    values = query_values(result)
    found = [v for v in values if v is not None]
    if not found:
        return None
    best = max(found)
    return next(i + 1 for i, v in enumerate(values) if v is not None and v >= best)


def best_so_far_curves(run_dir: Path) -> pd.DataFrame:
    """Best value found after each query, for every method and seed of a run.

    Returns:
        Columns ``method``, ``seed``, ``queries`` (1, 2, ...), ``best`` (NaN until the
        first new valid query).
    """
    frames = []
    for result in load_results(run_dir):
        values = np.array([np.nan if v is None else v for v in query_values(result)], dtype=np.float64)
        best = pd.Series(values, dtype=np.float64).cummax().ffill().to_numpy()  # NaN until the first value
        frames.append(pd.DataFrame({
            "method": result["method"], "seed": result["seed"],
            "queries": np.arange(1, len(values) + 1), "best": best,
        }))
    return pd.concat(frames, ignore_index=True)


def _mean_std(values: list) -> tuple[float, float]:
    array = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
    array = array[~np.isnan(array)]
    if len(array) == 0:
        return float("nan"), float("nan")
    return float(array.mean()), float(array.std())


def summarise_bo(run_dirs: list[Path], checkpoints: tuple[int, ...] = DEFAULT_CHECKPOINTS) -> pd.DataFrame:
    """One row per run and method: the best found after each checkpoint round and at the
    end (mean and std over seeds), its test value, its rank in the space, and the counts of
    invalid and duplicate queries.

    Columns:
        run, space, mode, oracle, method, seeds, batch_size, rounds (finished by every seed),
        ``best@<queries>_mean`` / ``_std`` for each checkpoint round (over the seeds that had
        found a new architecture by then; ``_found`` counts them), final_best_mean/std,
        final_test_mean/std, rank_mean/std, rank_best, rank_among, invalid_mean,
        duplicate_mean, unknown_mean, queries_to_best_median (the query at which a seed first
        found its final best, median over seeds), seconds_per_round (mean over rounds and seeds),
        train_best, train_best_test, train_best_rank.

    Example:
        >>> frame = summarise_bo([Path("runs/enas-onehot")])
        >>> print(summary_markdown(frame))
    """
    rows = []
    for run_dir in run_dirs:
        results = load_results(run_dir)
        by_method: dict[str, list[dict]] = {}
        for result in results:
            by_method.setdefault(result["method"], []).append(result)
        for method, group in by_method.items():
            first = group[0]
            batch_size = first["config"]["batch_size"]
            finished = [len(r["rounds"]) for r in group]
            row = {
                "run": str(run_dir), "space": first["problem"]["space"], "mode": first["problem"]["mode"],
                "oracle": first["problem"]["oracle"], "method": method, "seeds": len(group),
                "batch_size": batch_size, "rounds": min(finished),
            }
            for checkpoint in checkpoints:
                best = [r["rounds"][checkpoint - 1]["best_so_far"] for r in group if len(r["rounds"]) >= checkpoint]
                mean, std = _mean_std(best) if best else (float("nan"), float("nan"))
                row[f"best@{checkpoint * batch_size}_mean"] = mean
                row[f"best@{checkpoint * batch_size}_std"] = std
                row[f"best@{checkpoint * batch_size}_found"] = sum(b is not None for b in best)  # seeds with a find
            last = [r["rounds"][-1] for r in group if r["rounds"]]
            row["final_best_mean"], row["final_best_std"] = _mean_std([r["best_so_far"] for r in last])
            row["final_test_mean"], row["final_test_std"] = _mean_std([r["best_so_far_test"] for r in last])
            row["rank_mean"], row["rank_std"] = _mean_std([r["best_so_far_rank"] for r in last])
            ranks = [r["best_so_far_rank"] for r in last if r["best_so_far_rank"] is not None]
            row["rank_best"] = min(ranks) if ranks else None
            row["rank_among"] = first["problem"].get("rank_among")
            reached = [q for q in (queries_to_best(r) for r in group) if q is not None]
            row["queries_to_best_median"] = float(np.median(reached)) if reached else float("nan")
            seconds = [rec["seconds"] for r in group for rec in r["rounds"] if rec.get("seconds") is not None]
            row["seconds_per_round"] = float(np.mean(seconds)) if seconds else float("nan")
            for status in ("invalid", "duplicate", "unknown"):
                row[f"{status}_mean"] = float(np.mean([sum(rec[f"n_{status}"] for rec in r["rounds"]) for r in group]))
            train = first.get("train_best", {})
            row["train_best"] = train.get("value")
            row["train_best_test"] = train.get("test")
            row["train_best_rank"] = train.get("rank")
            rows.append(row)
    return pd.DataFrame(rows)


def _cell(mean: float, std: float, digits: int = 4) -> str:
    if mean is None or (isinstance(mean, float) and np.isnan(mean)):
        return "–"
    return f"{mean:.{digits}f} ± {std:.{digits}f}"


def _found(row: pd.Series, checkpoint: str) -> str:
    """`` (k/n)`` when only ``k`` of the ``n`` seeds had found a new architecture by then."""
    found = row.get(f"{checkpoint}_found")
    return "" if found is None or pd.isna(found) or int(found) == int(row["seeds"]) else f" ({int(found)}/{row['seeds']})"


def summary_markdown(frame: pd.DataFrame) -> str:
    """The summary as a Markdown table (one row per run and method)."""
    checkpoints = [c[: -len("_mean")] for c in frame.columns if c.startswith("best@") and c.endswith("_mean")]
    # "(k/n)" after a cell: only k of n seeds had found a new architecture by then
    checkpoints = sorted(set(checkpoints), key=lambda c: int(c[len("best@"):]))
    header = ["run", "method", "seeds", *[f"best after {c[len('best@'):]} queries" for c in checkpoints],
              "final best", "its test", "rank (mean)", "best rank", "invalid", "duplicate", "queries to its best (median)", "s/round", "start best (seed 0)"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for _, row in frame.iterrows():
        rank_among = f" / {int(row['rank_among'])}" if pd.notna(row.get("rank_among")) else ""
        cells = [
            Path(row["run"]).name, row["method"], str(row["seeds"]),
            *[_cell(row[f"{c}_mean"], row[f"{c}_std"]) + _found(row, c) for c in checkpoints],
            _cell(row["final_best_mean"], row["final_best_std"]),
            _cell(row["final_test_mean"], row["final_test_std"]),
            "–" if pd.isna(row["rank_mean"]) else f"{row['rank_mean']:.1f} ± {row['rank_std']:.1f}",
            "–" if row["rank_best"] is None or pd.isna(row["rank_best"]) else f"{int(row['rank_best'])}{rank_among}",
            f"{row['invalid_mean']:.1f}", f"{row['duplicate_mean']:.1f}",
            "–" if pd.isna(row["queries_to_best_median"]) else f"{row['queries_to_best_median']:.0f}",
            f"{row['seconds_per_round']:.1f}",
            "–" if row["train_best"] is None else f"{row['train_best']:.4f}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
