"""The end of a sweep: ``summary.csv`` (one row per cell: its settings, each step's status and
wall seconds, and its ``metrics.json``) and ``summary.md`` (the ``python -m core table``
table of the evaluated cells, and the ``bo-summary`` table where the sweep ran BO).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from core import runs
from core.errors import OpEmbedError
from core.sweep.execute import DONE, SKIPPED, SweepExecution
from core.sweep.plan import Cell
from core.sweep.records import read_record

SUMMARY_CSV = "summary.csv"
SUMMARY_MD = "summary.md"


def cell_status(execution: SweepExecution, cell: Cell) -> str:
    """``done`` (every step done or skipped), else the first step state that is not."""
    states = [execution.state[step.key] for step in execution.plan.steps_of(cell)]
    unfinished = [state for state in states if state not in (DONE, SKIPPED)]
    return unfinished[0] if unfinished else DONE


def _metrics(run: Path) -> dict:
    if not (run / runs.METRICS).is_file():
        return {}
    try:
        return runs.load_metrics(run)
    except OpEmbedError:
        return {}


def summary_frame(execution: SweepExecution) -> pd.DataFrame:
    """One row per cell.

    Columns: ``cell``, ``status``, ``space``, ``encoding``, ``preset``, ``seed``, one per
    further grid axis, then per step ``<step>_status`` (done, skipped: complete before this
    invocation, failed, blocked, waiting), ``<step>_seconds`` (wall seconds of the attempt that
    finished it, whichever invocation ran it) and ``<step>_attempts``, then every entry of
    ``metrics.json`` (nested ones as ``seconds.recon`` ...).
    """
    plan = execution.plan
    rows = []
    for cell in plan.cells:
        row: dict[str, object] = {"cell": cell.name, "status": cell_status(execution, cell), "space": cell.space,
                                  "encoding": cell.encoding, "preset": cell.preset, "seed": cell.seed,
                                  **dict(cell.axes)}
        for step in plan.steps_of(cell):
            record = execution.records.get(step.key) or read_record(plan.out, step)
            row[f"{step.kind}_status"] = execution.state[step.key]
            row[f"{step.kind}_seconds"] = None if record is None else record.seconds
            row[f"{step.kind}_attempts"] = None if record is None else record.attempts
        metrics = _metrics(cell.run_dir(plan.out))
        flat = pd.json_normalize({k: v for k, v in metrics.items() if k not in ("run", "space", "encoding")})
        if not flat.empty:
            row.update(flat.iloc[0].to_dict())
        rows.append(row)
    return pd.DataFrame(rows)


def summary_markdown(execution: SweepExecution) -> str:
    """The metrics table of every evaluated cell (``python -m core table``), and the BO
    summary (``python -m core bo-summary``) of every cell whose BO finished."""
    from core.analysis.metrics_table import format_metrics_table

    plan = execution.plan
    metrics = {cell.name: m for cell in plan.cells if (m := _metrics(cell.run_dir(plan.out)))}
    parts = [f"# Sweep {plan.spec.path.name}", ""]
    parts.append(format_metrics_table(metrics) if metrics else "No cell has metrics.json yet.")
    searched = [step for step in plan.steps if step.kind == "bo" and execution.state[step.key] in (DONE, SKIPPED)]
    if searched:
        from core.bo.summary import DEFAULT_CHECKPOINTS, summarise_bo
        from core.bo.summary import summary_markdown as bo_markdown

        rounds = int(searched[0].options["rounds"])
        checkpoints = tuple(sorted({c for c in DEFAULT_CHECKPOINTS if c <= rounds} | {rounds}))
        frame = summarise_bo([step.run_dir(plan.out) for step in searched], checkpoints)
        parts += ["", "## Bayesian optimisation", "", bo_markdown(frame)]
    return "\n".join(parts) + "\n"


def write_summary(execution: SweepExecution) -> tuple[Path, Path, str]:
    """Write ``summary.csv`` and ``summary.md`` into the sweep folder (atomically).

    Returns:
        The two paths and the Markdown text.
    """
    out = execution.plan.out
    csv_path, md_path = out / SUMMARY_CSV, out / SUMMARY_MD
    runs.atomic_write_csv(csv_path, summary_frame(execution))
    markdown = summary_markdown(execution)
    runs.atomic_write_text(md_path, markdown)
    return csv_path, md_path, markdown
