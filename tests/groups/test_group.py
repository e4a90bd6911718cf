"""Seed groups are read off config.json: runs that differ only in their seed."""

from __future__ import annotations

import pytest

from core.errors import OpEmbedError
from core.groups import find_runs, group_runs
from tests.groups.synthetic import write_group, write_seed_run


def test_runs_that_differ_only_in_seed_form_one_group(tmp_path):
    write_group(tmp_path / "onehot", "onehot", [(40, 0.3)] * 3)
    write_group(tmp_path / "learned", "learned", [(40, 0.3)] * 2)
    groups = group_runs(find_runs([tmp_path]))
    assert [(g.name, g.seeds) for g in groups] == [
        ("enas6 · DVAE-EMB · fast, 60 epochs", (0, 1)), ("enas6 · D-VAE · fast, 60 epochs", (0, 1, 2))]


def test_another_setting_makes_another_group_named_by_what_differs(tmp_path):
    write_seed_run(tmp_path / "a", 0)
    write_seed_run(tmp_path / "b", 1)
    write_seed_run(tmp_path / "c", 0, epochs=80)
    write_seed_run(tmp_path / "d", 2, preset="cpu", epochs=80)
    groups = group_runs(find_runs([tmp_path]))
    assert sorted(g.seeds for g in groups) == [(0,), (0, 1), (2,)]
    assert {g.name for g in groups} == {"enas6 · D-VAE · fast, 60 epochs", "enas6 · D-VAE · fast, 80 epochs",
                                        "enas6 · D-VAE · cpu, 80 epochs"}


def test_a_repeated_seed_is_kept_once_and_reported(tmp_path):
    write_seed_run(tmp_path / "a", 0)
    write_seed_run(tmp_path / "b", 0)
    [group] = group_runs(find_runs([tmp_path]))
    assert group.seeds == (0,) and [p.name for p in group.duplicates] == ["b"]


def test_the_shipped_pairs_are_groups_of_their_own():
    groups = group_runs(find_runs(["assets/demo"]))
    spaces = sorted((g.space, g.encoding) for g in groups)
    assert ("enas6", "learned") in spaces and ("enas6", "onehot") in spaces
    assert all(0 in g.seeds for g in groups)


def test_a_path_without_runs_is_one_line(tmp_path):
    with pytest.raises(OpEmbedError, match="holds no run"):
        find_runs([tmp_path])
    with pytest.raises(OpEmbedError, match="no such run or folder"):
        find_runs([tmp_path / "nope"])
