"""The schedule without Ray: which steps are ready, a failure retried once then reported with
its log, the steps after it blocked, the other cells going on; the counts and the summary."""

from __future__ import annotations

from core.sweep.execute import BLOCKED, DONE, FAILED, RUNNING, SKIPPED, WAITING, StepOutcome, SweepExecution
from core.sweep.plan import Cell, Step, SweepPlan
from core.sweep.progress import cell_counts
from core.sweep.records import log_path, read_record
from core.sweep.summary import summary_frame

A = Cell("a", "enas6", "onehot", "tiny", 0)
B = Cell("b", "enas6", "learned", "tiny", 0)


def make_plan(out) -> SweepPlan:
    steps = []
    for cell in (A, B):
        steps += [Step(cell, "train", ("train",), (), 1, {}), Step(cell, "evaluate", ("evaluate",), ("train",), 1, {}),
                  Step(cell, "bo", ("bo",), ("evaluate",), 1, {})]
    return SweepPlan(spec=None, out=out, cells=(A, B), steps=tuple(steps))


def started(execution: SweepExecution, key: str) -> None:
    execution.attempts[key] += 1
    execution.state[key] = RUNNING


def test_steps_are_ready_once_what_they_wait_for_is_done_later_steps_first(tmp_path):
    execution = SweepExecution(make_plan(tmp_path), skipped={"a/train"})
    assert [s.key for s in execution.ready()] == ["a/evaluate", "b/train"]
    started(execution, "a/evaluate")
    execution._finish(execution.steps["a/evaluate"], StepOutcome(0, 2.5, "host"), "")
    assert [s.key for s in execution.ready()] == ["a/bo", "b/train"]
    assert read_record(tmp_path, execution.steps["a/evaluate"]).seconds == 2.5


def test_a_failure_is_retried_once_then_reported_and_blocks_its_cell_only(tmp_path):
    messages = []
    execution = SweepExecution(make_plan(tmp_path), skipped=set(),
                               on_change=lambda execution, message: messages.append(message))
    train = execution.steps["a/train"]
    started(execution, "a/train")
    execution._finish(train, StepOutcome(-9, 1.0, "host"), "")
    assert execution.state["a/train"] == WAITING and "killed by SIGKILL" in messages[-1]
    assert "trying once more" in messages[-1]
    started(execution, "a/train")
    execution._finish(train, StepOutcome(2, 1.0, "host"), "")
    assert execution.state["a/train"] == FAILED
    assert execution.state["a/evaluate"] == BLOCKED and execution.state["a/bo"] == BLOCKED
    assert f"Log: {log_path(tmp_path, train)}" in messages[-1] and "after 2 attempts (exit status 2)" in messages[-1]
    record = read_record(tmp_path, train)
    assert record.status == FAILED and record.attempts == 2 and record.exit_code == 2
    assert [s.key for s in execution.ready()] == ["b/train"]  # the other cell goes on


def test_a_lost_task_counts_as_a_failure(tmp_path):
    execution = SweepExecution(make_plan(tmp_path), skipped=set())
    for _ in range(2):
        started(execution, "b/train")
        execution._finish(execution.steps["b/train"], None, "the node died")
    assert execution.state["b/train"] == FAILED and read_record(tmp_path, execution.steps["b/train"]).exit_code is None


def test_cell_counts_and_the_summary_rows(tmp_path):
    execution = SweepExecution(make_plan(tmp_path), skipped={"a/train", "a/evaluate"})
    assert str(cell_counts(execution)) == "cells: 0 done, 0 running, 0 failed, 2 waiting"
    started(execution, "a/bo")
    execution._finish(execution.steps["a/bo"], StepOutcome(0, 4.0, "host"), "")
    started(execution, "b/train")
    assert str(cell_counts(execution)) == "cells: 1 done, 1 running, 0 failed, 0 waiting"
    frame = summary_frame(execution)
    assert list(frame["cell"]) == ["a", "b"] and list(frame["status"]) == [DONE, RUNNING]
    assert list(frame["train_status"]) == [SKIPPED, RUNNING] and frame.loc[0, "bo_seconds"] == 4.0
