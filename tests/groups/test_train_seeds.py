"""`train --seeds` trains a seed group, one run per seed, and skips finished seeds."""

from __future__ import annotations

import pytest
import torch

from core import runs
from core.__main__ import main
from core.groups import find_runs, group_runs
from core.spaces.nas_bench_graph import NasBenchGraphSpace
from tests.tiny_tables import small_nbg_table


@pytest.fixture(scope="module")
def small_table():
    return small_nbg_table(48, 8)[1]


@pytest.fixture
def small_cora(monkeypatch, small_table):
    table = small_table
    monkeypatch.setattr(NasBenchGraphSpace, "load", lambda self, data_dir=None: table)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


ARGS = ["train", "--space", "nbg-cora", "--preset", "tiny", "--epochs", "1", "--monitor-graphs", "0",
        "--monitor-prior-points", "0", "--no-progress", "--device", "cpu"]


def test_seeds_train_one_run_each_and_form_one_group(small_cora, tmp_path, capsys):
    out = tmp_path / "group"
    assert main([*ARGS, "--seeds", "3,1", "--out", str(out)]) == 0
    [group] = group_runs(find_runs([out]))
    assert group.seeds == (1, 3) and [p.name for p in group.runs] == ["seed1", "seed3"]
    one = runs.load_model(out / "seed1", "cpu")[0].state_dict()
    three = runs.load_model(out / "seed3", "cpu")[0].state_dict()
    assert any(not torch.equal(one[k], three[k]) for k in one)  # different seeds, different weights
    stamp = (out / "seed1" / runs.MODEL).stat().st_mtime_ns
    capsys.readouterr()
    assert main([*ARGS, "--seeds", "1,3,4", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "seed 1: finished already" in printed and "seed 3: finished already" in printed
    assert (out / "seed1" / runs.MODEL).stat().st_mtime_ns == stamp
    assert group_runs(find_runs([out]))[0].seeds == (1, 3, 4)


def test_an_unfinished_seed_needs_resume_and_nothing_is_written(small_cora, tmp_path, capsys):
    out = tmp_path / "group"
    (out / "seed2").mkdir(parents=True)
    (out / "seed2" / runs.CONFIG).write_text("{}")
    assert main([*ARGS, "--seeds", "1,2", "--out", str(out)]) == 2
    assert "seed2: already holds an unfinished run of seed 2" in capsys.readouterr().err
    assert not (out / "seed1").exists()


@pytest.mark.parametrize("text", ["", "1,1", "a,b", "-1"])
def test_bad_seed_lists_are_one_line(tmp_path, capsys, text):
    assert main([*ARGS, "--seeds", text, "--out", str(tmp_path / "g")]) == 2
    assert "--seeds" in capsys.readouterr().err
