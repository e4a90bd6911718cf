"""A sweep's progress: one bar per step kind (steps finished of that kind), one bar of cells
with the counts done, running, failed and waiting, and a line for each event (a step done,
failed, retried). Bars are drawn on a terminal only; the lines are always printed.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass

from tqdm import tqdm

from core.sweep.execute import BLOCKED, DONE, FAILED, RUNNING, SKIPPED, SweepExecution


@dataclass(frozen=True)
class CellCounts:
    """Cells by state: done (every step done or skipped), failed (a step failed or blocked),
    running (a step running, or some finished), waiting (nothing started)."""

    done: int
    running: int
    failed: int
    waiting: int

    def __str__(self) -> str:
        return f"cells: {self.done} done, {self.running} running, {self.failed} failed, {self.waiting} waiting"


def cell_counts(execution: SweepExecution) -> CellCounts:
    counts: Counter[str] = Counter()
    for cell in execution.plan.cells:
        states = [execution.state[step.key] for step in execution.plan.steps_of(cell)]
        if any(state in (FAILED, BLOCKED) for state in states):
            counts["failed"] += 1
        elif all(state in (DONE, SKIPPED) for state in states):
            counts["done"] += 1
        elif any(state in (RUNNING, DONE) for state in states):
            counts["running"] += 1
        else:
            counts["waiting"] += 1
    return CellCounts(counts["done"], counts["running"], counts["failed"], counts["waiting"])


class SweepProgress:
    """Draws the bars and prints the events of a :class:`SweepExecution`; pass
    :meth:`update` as its ``on_change``.

    Args:
        kinds: the step kinds of the sweep, in order.
        totals: steps of each kind.
        cells: number of cells.
        bars: draw bars (on a terminal only).
    """

    def __init__(self, kinds: tuple[str, ...], totals: dict[str, int], cells: int, bars: bool = True):
        disable = None if bars else True  # None: tqdm draws only on a terminal
        width = max(len(kind) for kind in (*kinds, "cells"))
        self.bars = {kind: tqdm(total=totals[kind], desc=kind.ljust(width), unit="step", position=i, leave=True,
                                file=sys.stderr, disable=disable, dynamic_ncols=True)
                     for i, kind in enumerate(kinds)}
        self.cells = tqdm(total=cells, desc="cells".ljust(width), unit="cell", position=len(kinds), leave=True,
                          file=sys.stderr, disable=disable, dynamic_ncols=True)
        self.last: CellCounts | None = None

    def update(self, execution: SweepExecution, message: str | None) -> None:
        finished = Counter(step.kind for step in execution.plan.steps
                           if execution.state[step.key] in (DONE, SKIPPED, FAILED, BLOCKED))
        running = Counter(step.kind for step in execution.plan.steps if execution.state[step.key] == RUNNING)
        for kind, bar in self.bars.items():
            bar.n = finished[kind]
            bar.set_postfix_str(f"{running[kind]} running", refresh=False)
            bar.refresh()
        counts = cell_counts(execution)
        self.cells.n = counts.done + counts.failed
        self.cells.set_postfix_str(str(counts).removeprefix("cells: "), refresh=False)
        self.cells.refresh()
        self.last = counts
        if message:
            done = sum(finished.values())
            tqdm.write(f"[{done}/{len(execution.plan.steps)} steps] {message} · {counts}", file=sys.stdout)

    def close(self) -> None:
        for bar in [*self.bars.values(), self.cells]:
            bar.close()

