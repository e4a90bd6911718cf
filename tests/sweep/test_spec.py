"""The sweep file: what it holds once read, and one clear located error for each mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.sweep.spec import SweepFileError, line_of, load_spec
from tests.sweep.conftest import write_sweep

REPO = Path(__file__).resolve().parents[2]

GOOD = """\
# a comment
steps = ["bo", "train", "evaluate"]

[grid]
spaces = ["nbg-cora", "enas6"]
presets = ["tiny"]
seeds = [0, 1]
eps-scale = [0.01, 0.1]

[train]
epochs = 2
no-stop = true
unidirectional = false

[evaluate]
gp-seeds = 1

[bo]
rounds = 1

[cpus]
train = 2
"""


def test_a_sweep_file_is_read_into_its_grid_flags_and_cpus(tmp_path):
    spec = load_spec(write_sweep(tmp_path, GOOD))
    assert spec.steps == ("train", "evaluate", "bo")  # the order a cell runs them
    assert spec.spaces == ("nbg-cora", "enas6")
    assert spec.encodings == ("onehot", "learned") and spec.presets == ("tiny",) and spec.seeds == (0, 1)
    assert spec.axes == (("eps-scale", (0.01, 0.1)),)
    assert spec.flags_of("train") == (("epochs", 2), ("no-stop", True), ("unidirectional", False))
    assert spec.flags_of("project") == ()
    assert spec.cpus_of("train") == 2 and spec.cpus_of("bo") == 1


def test_line_of_finds_a_key_in_its_table():
    assert line_of(GOOD, "grid", "eps-scale") == 8
    assert line_of(GOOD, "train", "epochs") == 11
    assert line_of(GOOD, None, "steps") == 2
    assert line_of(GOOD, "bo", None) == 18
    assert line_of(GOOD, "bo", "epochs") is None


@pytest.mark.parametrize("text, where, words", [
    ('steps = ["train", "fly"]\n[grid]\nspaces = ["enas6"]\n', ":1:", "unknown step 'fly'"),
    ('steps = ["train"]\n[grid]\nspaces = ["enas6"]\nencodings = ["dense"]\n', ":4:", "unknown encoding"),
    ('steps = ["train"]\n[grid]\nspaces = ["enas6"]\npresets = ["huge"]\n', ":4:", "unknown preset"),
    ('steps = ["train"]\n[grid]\nspaces = ["enas6"]\nseeds = [-1]\n', ":4:", "integers >= 0"),
    ('steps = ["train"]\n[grid]\nspaces = ["enas6"]\n[train]\nspace = "nbg-cora"\n', ":5:", "set by [grid]"),
    ('steps = ["train"]\n[grid]\nspaces = ["enas6"]\n[train]\nepochs = [1, 2]\n', ":5:", "put the list in [grid]"),
    ('steps = ["train"]\n[grid]\nspaces = ["enas6"]\nepochs = 3\n', ":4:", "non-empty list"),
    ('steps = ["train"]\n[grid]\nspaces = ["enas6"]\n[bo]\nrounds = 1\n', ":4:", "not in `steps`"),
    ('steps = ["train"]\n[grid]\nspaces = ["enas6"]\n[cpus]\ntrain = 0\n', ":5:", "integer >= 1"),
    ('steps = ["train"]\n[grid]\nspaces = ["enas6"]\n[evaluat]\n', ":4:", "unknown table 'evaluat'"),
    ('steps = ["train"]\n[grid]\nspaces = ["enas6"]\n[train]\nbatch_size = 3\n', ":5:", "not a flag name"),
    ('steps = ["train"]\n', "", "[grid]"),
    ('steps = ["train"\n[grid]\n', ":2:", "not valid TOML"),
    ('steps = ["train"]\n[grid]\nspaces = ["enas6"]\n[train]\nepochs = 0\n', ":5:", "at least 1"),
    ('steps = ["train"]\n[grid]\nspaces = ["enas6"]\n[train]\nepochs = -3\n', ":5:", "at least 1"),
    ('steps = ["train"]\n[grid]\nspaces = ["enas6"]\n[train]\nlr = "nan"\n', ":5:", "not a finite number"),
    ('steps = ["train"]\n[grid]\nspaces = ["enas6"]\n[train]\nhidden-dim = 1e8\n', ":5:", "at most 4,096"),
    ('steps = ["train"]\n[grid]\nspaces = ["enas6"]\nbatch-size = [0, 32]\n', ":4:", "at least 1"),
    ('steps = ["train", "evaluate"]\n[grid]\nspaces = ["enas6"]\n[evaluate]\nparts = "nope"\n', ":5:",
     "unknown part"),
    ('steps = ["train", "evaluate"]\n[grid]\nspaces = ["enas6"]\n[evaluate]\ngp-seeds = 0\n', ":5:", "at least 1"),
])
def test_each_mistake_is_one_located_error_with_a_fix(tmp_path, text, where, words):
    path = write_sweep(tmp_path, text)
    with pytest.raises(SweepFileError) as caught:
        load_spec(path)
    message = str(caught.value)
    assert message.startswith(f"{path}{where}"), message
    assert words in message and "\n  fix: " in message


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(SweepFileError, match="no such sweep file"):
        load_spec(tmp_path / "nothing.toml")


@pytest.mark.parametrize("name", ["tiny.toml", "nbg-all.toml"])
def test_the_shipped_sweeps_read(name):
    spec = load_spec(REPO / "sweeps" / name)
    assert "train" in spec.steps and spec.spaces


def test_the_shipped_nbg_sweep_covers_every_dataset_and_both_encodings():
    from core.spaces.nas_bench_graph import NBG_DATASETS

    spec = load_spec(REPO / "sweeps" / "nbg-all.toml")
    assert sorted(spec.spaces) == sorted(f"nbg-{dataset}" for dataset in NBG_DATASETS)
    assert spec.encodings == ("onehot", "learned")
    assert {"evaluate", "bo"} <= set(spec.steps)


def test_a_file_nested_thousands_deep_is_one_line(tmp_path):
    path = write_sweep(tmp_path, "steps = " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(SweepFileError, match="nested too deeply"):
        load_spec(path)
