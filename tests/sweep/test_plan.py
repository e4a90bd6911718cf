"""Cells, their names, each step's command and what it waits for; flags read by the
commands' own parsers."""

from __future__ import annotations

import pytest

from core.sweep import plan as plan_module
from core.sweep.plan import cell_name, cells_of, dependencies, flag_argv, plan_sweep, read_commands, step_argv
from core.sweep.spec import SweepFileError, load_spec
from core.sweep.step_process import parse_commands
from tests.sweep.conftest import write_sweep

GRID = """\
steps = ["train", "evaluate", "project", "bo"]
[grid]
spaces = ["nbg-cora", "enas6"]
encodings = ["learned"]
presets = ["tiny"]
seeds = [0, 3]
eps-scale = [0.01, 0.1]
[train]
epochs = 2
no-stop = true
[evaluate]
gp-seeds = 1
[bo]
rounds = 1
method = "random-search"
"""


def test_cells_are_every_combination_named_from_their_settings(tmp_path):
    cells = cells_of(load_spec(write_sweep(tmp_path, GRID)))
    assert len(cells) == 2 * 1 * 1 * 2 * 2
    assert [c.name for c in cells[:4]] == [
        "nbg-cora-learned-tiny-eps-scale0.01-seed0", "nbg-cora-learned-tiny-eps-scale0.01-seed3",
        "nbg-cora-learned-tiny-eps-scale0.1-seed0", "nbg-cora-learned-tiny-eps-scale0.1-seed3"]
    assert cells[-1].space == "enas6" and cells[-1].axes == (("eps-scale", 0.1),) and cells[-1].seed == 3


def test_cell_names_of_switches_and_odd_characters():
    assert cell_name("enas6", "onehot", "fast", 1, (("unidirectional", True),)) == "enas6-onehot-fast-unidirectional-seed1"
    assert cell_name("enas6", "onehot", "fast", 1, (("unidirectional", False),)) == "enas6-onehot-fast-no-unidirectional-seed1"
    assert cell_name("enas6", "onehot", "fast", 0, (("schedule", "a/b c"),)) == "enas6-onehot-fast-schedulea_b_c-seed0"


def test_flags_become_the_command_line():
    assert flag_argv((("epochs", 2), ("lr", 0.003), ("no-stop", True), ("unidirectional", False), ("x", "umap"))) == [
        "--epochs", "2", "--lr", "0.003", "--no-stop", "--x", "umap"]


def test_each_step_is_its_command_on_the_cell_run(tmp_path):
    spec = load_spec(write_sweep(tmp_path, GRID))
    cell = cells_of(spec)[1]
    run = str(tmp_path / "out" / cell.name)
    assert step_argv(spec, cell, "train", tmp_path / "out") == [
        "train", "--space", "nbg-cora", "--encoding", "learned", "--preset", "tiny", "--seed", "3",
        "--eps-scale", "0.01", "--epochs", "2", "--no-stop", "--out", run, "--no-progress"]
    assert step_argv(spec, cell, "evaluate", tmp_path / "out") == ["evaluate", run, "--gp-seeds", "1", "--no-progress"]
    assert step_argv(spec, cell, "bo", tmp_path / "out") == [
        "bo", run, "--rounds", "1", "--method", "random-search", "--quiet"]
    assert step_argv(spec, cell, "project", tmp_path / "out") == ["project", run]


def test_what_each_step_waits_for():
    every = ("train", "evaluate", "project", "smoothness", "bo")
    assert dependencies("train", every) == ()
    assert dependencies("evaluate", every) == ("train",)
    assert dependencies("smoothness", every) == ("train",)
    assert dependencies("bo", every) == ("evaluate",)
    assert dependencies("bo", ("train", "bo")) == ("train",)
    assert dependencies("bo", ("bo",)) == ()


@pytest.fixture
def parse_here(monkeypatch):
    """Read the commands in this process (the sweep does it in a child process, tested once
    below, since the sweep itself never imports ``core.__main__``)."""
    monkeypatch.setattr(plan_module, "read_commands", parse_commands)


def test_the_child_process_reads_commands_as_this_process_does(tmp_path):
    commands = [["train", "--space", "enas6", "--out", str(tmp_path), "--epochs", "2"], ["bo", str(tmp_path)],
                ["evaluate", str(tmp_path), "--gp-seed", "1"]]
    read = read_commands(commands)
    assert read == parse_commands(commands)
    assert read[0]["options"]["epochs"] == 2 and read[1]["options"]["rounds"] == 10  # defaults filled in
    assert read[2] == {"error": "unrecognized arguments: --gp-seed 1"}  # no abbreviations


def test_the_plan_reads_every_command_with_its_own_parser(tmp_path, parse_here):
    plan = plan_sweep(load_spec(write_sweep(tmp_path, GRID)), tmp_path / "out")
    assert len(plan.steps) == 8 * 4
    bo = next(step for step in plan.steps if step.kind == "bo")
    assert bo.after == ("evaluate",) and bo.cpus == 1
    assert bo.options["rounds"] == 1 and bo.options["method"] == "random-search"
    assert bo.options["seeds"] == 10  # the command's default, filled in by its parser
    project = next(step for step in plan.steps if step.kind == "project")
    assert project.options["method"] == "umap"


@pytest.mark.parametrize("change, line, words", [
    (("epochs = 2", "epoch = 2"), 9, "unrecognized arguments: --epoch"),
    (('method = "random-search"', 'method = "grid"'), 15, "--method: invalid choice: 'grid'"),
    (("eps-scale = [0.01, 0.1]", 'eps-scale = [0.01, "x"]'), 7, "--eps-scale: invalid float value: 'x'"),
])
def test_a_flag_a_command_refuses_is_reported_at_its_line(tmp_path, parse_here, change, line, words):
    path = write_sweep(tmp_path, GRID.replace(*change))
    with pytest.raises(SweepFileError) as caught:
        plan_sweep(load_spec(path), tmp_path / "out")
    assert str(caught.value).startswith(f"{path}:{line}:") and words in str(caught.value)


def test_an_unknown_space_is_reported_at_its_line(tmp_path):
    path = write_sweep(tmp_path, GRID.replace('"enas6"]', '"nbg-nope"]'))
    with pytest.raises(SweepFileError, match=r":3: \[grid\] spaces: .*nbg-nope"):
        plan_sweep(load_spec(path), tmp_path / "out")


def test_a_model_axis_leaves_out_the_encodings_a_model_does_not_take(tmp_path, parse_here):
    grid = GRID.replace('spaces = ["nbg-cora", "enas6"]', 'spaces = ["nbg-cora"]') \
        .replace('encodings = ["learned"]', 'encodings = ["onehot", "learned"]') \
        .replace("eps-scale = [0.01, 0.1]", 'model = ["gcn", "dvae-att"]').replace("seeds = [0, 3]", "seeds = [0]")
    plan = plan_sweep(load_spec(write_sweep(tmp_path, grid)), tmp_path / "out")
    assert [dict(cell.axes)["model"] + "/" + cell.encoding for cell in plan.cells] == \
        ["gcn/onehot", "gcn/learned", "dvae-att/learned"]
    assert plan.left_out == ("nbg-cora-onehot-tiny-modeldvae-att-seed0: --model dvae-att takes --encoding learned only",)
    train = next(step for step in plan.steps if step.kind == "train" and step.cell.encoding == "learned"
                 and dict(step.cell.axes)["model"] == "dvae-att")
    assert train.argv[train.argv.index("--model") + 1] == "dvae-att" and train.options["model"] == "dvae-att"
