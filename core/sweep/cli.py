"""``python -m core sweep SWEEP.toml``: its flags and its entry point.

Example:
    python -m core sweep sweeps/tiny.toml --cpus 2
    python -m core sweep sweeps/nbg-all.toml --address auto --out /shared/runs/nbg-all
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

from core import runs
from core.errors import OpEmbedError
from core.sweep.completion import is_complete
from core.sweep.execute import SweepExecution
from core.sweep.plan import SweepPlan, plan_sweep
from core.sweep.records import SPEC_COPY, check_cell_settings
from core.sweep.spec import check_oracles, load_spec
from core.cli.validation import check_output_dir, require_at_least

DEFAULT_ROOT = Path("runs") / "sweeps"


def add_sweep_arguments(parser: argparse.ArgumentParser) -> None:
    """Flags of ``python -m core sweep``."""
    parser.add_argument("spec", type=Path, metavar="SWEEP.toml", help="the sweep file (see sweeps/tiny.toml)")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder of the sweep's runs, one per cell (default: runs/sweeps/<file name>)")
    parser.add_argument("--address", default=None,
                        help="join a running Ray cluster: auto (the one started on this machine), HOST:PORT, or "
                             "ray://HOST:10001 (Ray Client); default: start Ray here for this sweep")
    parser.add_argument("--cpus", type=int, default=None,
                        help="CPUs of the Ray started here (default: all of this machine's); not with --address")
    parser.add_argument("--dry-run", action="store_true", help="list the cells and which steps would run, then stop")
    parser.add_argument("--trust-oracles", action="store_true",
                        help="run a sweep file that names an oracle: code (module:function or a registered name) "
                             "its bo steps import and run; without this flag such a file is refused")
    parser.add_argument("--no-progress", action="store_true", help="no bars (the event lines are still printed)")


def skipped_steps(plan: SweepPlan) -> set[str]:
    """Keys of the steps whose outputs are complete and whose upstream steps are all skipped
    too (a step after one that runs again runs again)."""
    skipped: set[str] = set()
    for step in plan.steps:  # a cell's steps come in dependency order
        upstream = [f"{step.cell.name}/{kind}" for kind in step.after]
        if all(key in skipped for key in upstream) and is_complete(step, plan.out):
            skipped.add(step.key)
    return skipped


def _check_untrained(plan: SweepPlan) -> None:
    """Without a train step, every cell must already be trained."""
    from core.sweep.completion import train_complete

    if "train" in plan.spec.steps:
        return
    for cell in plan.cells:
        run = cell.run_dir(plan.out)
        if not train_complete(run, {}):
            raise OpEmbedError(f"{run}: not a trained run, and the sweep has no train step\n"
                               f'  fix: add "train" to steps in {plan.spec.path}, or point --out at the trained runs')


def sweep_main(args: argparse.Namespace) -> None:
    """Run ``python -m core sweep``.

    Raises:
        OpEmbedError: a bad sweep file or flag, or an oracle named without ``--trust-oracles``
            (before anything runs), no Ray cluster at
            ``--address``, or, at the end, steps that failed twice (after the summary is written).
    """
    from core.sweep.progress import cell_counts
    from core.sweep.summary import write_summary

    require_at_least("--cpus", args.cpus, 1)
    if args.cpus is not None and args.address is not None:
        raise OpEmbedError("--cpus: a cluster joined with --address uses its own CPUs\n"
                           "  fix: leave --cpus out, or set them with `ray start --num-cpus N` on each machine")
    spec = load_spec(args.spec)
    check_oracles(spec, trusted=args.trust_oracles)
    out = Path(os.path.abspath((args.out or DEFAULT_ROOT / spec.path.stem).expanduser()))
    check_output_dir(out, "--out")
    plan = plan_sweep(spec, out)
    for line in plan.left_out:
        print(f"left out {line}", flush=True)
    _check_untrained(plan)
    for step in plan.steps:
        if step.kind == "train":
            check_cell_settings(out, step.cell, step.argv)
    skipped = skipped_steps(plan)
    if args.dry_run:
        print(_dry_run_text(plan, skipped))
        return
    out.mkdir(parents=True, exist_ok=True)
    runs.atomic_write_text(out / SPEC_COPY, spec.text)

    execution = SweepExecution(plan, skipped)
    if len(skipped) == len(plan.steps):  # nothing to run: no Ray
        print(f"sweep {spec.path}: all {len(plan.steps)} steps of {len(plan.cells)} cells are complete, skipped; "
              f"runs in {out}", flush=True)
    else:
        _run(execution, args.address, args.cpus, bars=not args.no_progress)

    csv_path, md_path, markdown = write_summary(execution)
    print(markdown)
    print(f"{cell_counts(execution)}; summary: {csv_path}, {md_path}")
    failed = {key: record for key, record in execution.records.items() if record.status == "failed"}
    if failed:
        raise OpEmbedError(
            f"{out}: {len(failed)} step(s) failed twice: "
            + "; ".join(f"{key} (log {record.log})" for key, record in failed.items())
            + "\n  fix: read the logs, then run the same command again: finished steps are skipped")


def _run(execution: SweepExecution, address: str | None, cpus: int | None, bars: bool) -> None:
    """Start or join Ray, run the steps that are not skipped with their progress, and leave Ray."""
    from core.sweep.execute import cluster_cpus, connect, disconnect
    from core.sweep.progress import SweepProgress

    plan, spec = execution.plan, execution.plan.spec
    connect(address, cpus)
    try:
        available = cluster_cpus()
        for kind in spec.steps:
            if spec.cpus_of(kind) > available:
                raise spec.error("cpus", kind, f"{spec.cpus_of(kind)} CPUs per task, but the cluster has {available}",
                                 fix=f"set {kind} = {available} or fewer")
        skipped = sum(state == "skipped" for state in execution.state.values())
        print(f"sweep {spec.path}: {len(plan.cells)} cells, {len(plan.steps)} steps ({skipped} complete, skipped) "
              f"on {available} CPUs; runs in {plan.out}", flush=True)
        progress = SweepProgress(spec.steps, dict(Counter(step.kind for step in plan.steps)), len(plan.cells), bars)
        execution.on_change = progress.update
        try:
            execution.run()
        finally:
            progress.close()
    except KeyboardInterrupt:
        print("sweep interrupted: finished steps are kept; run the same command again to finish the rest "
              "(training resumes from its last checkpoint)", file=sys.stderr)
        raise
    finally:
        disconnect()


def _dry_run_text(plan: SweepPlan, skipped: set[str]) -> str:
    lines = [f"{len(plan.cells)} cells in {plan.out}:"]
    for cell in plan.cells:
        states = ", ".join(f"{step.kind} {'skip' if step.key in skipped else 'run'}" for step in plan.steps_of(cell))
        lines.append(f"  {cell.name}: {states}")
    return "\n".join(lines)
