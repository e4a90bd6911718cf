"""``python -m core sweep``: bad flags and an absent cluster are one clear error (exit 2,
no traceback), ``--dry-run`` lists what would run, and a file naming an oracle (code) runs
only with ``--trust-oracles``."""

from __future__ import annotations

import os

import pytest

from core.__main__ import main
from tests.sweep.conftest import write_sweep

TINY = """\
steps = ["train", "evaluate"]
[grid]
spaces = ["enas6"]
presets = ["tiny"]
"""


def test_cpus_belong_to_a_cluster_joined_with_address(tmp_path, capsys):
    spec = write_sweep(tmp_path, TINY)
    assert main(["sweep", str(spec), "--address", "auto", "--cpus", "2"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: --cpus:") and "ray start --num-cpus" in err and "Traceback" not in err
    assert main(["sweep", str(spec), "--cpus", "0"]) == 2
    assert "--cpus 0: must be at least 1" in capsys.readouterr().err


def test_a_missing_sweep_file_is_named(tmp_path, capsys):
    assert main(["sweep", str(tmp_path / "none.toml")]) == 2
    assert f"error: {tmp_path / 'none.toml'}: no such sweep file" in capsys.readouterr().err


def test_a_dry_run_lists_the_cells_and_an_absent_cluster_is_one_clear_error(tmp_path, capsys):
    spec = write_sweep(tmp_path, TINY)
    out = tmp_path / "sweep"
    assert main(["sweep", str(spec), "--out", str(out), "--dry-run"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"2 cells in {out}:", "  enas6-onehot-tiny-seed0: train run, evaluate run",
        "  enas6-learned-tiny-seed0: train run, evaluate run"]
    assert not out.exists()  # a dry run writes nothing
    assert main(["sweep", str(spec), "--out", str(out), "--address", "127.0.0.1:1"]) == 2
    err = capsys.readouterr().err
    assert "--address 127.0.0.1:1: no Ray cluster answered" in err and "ray start --head" in err
    assert "Traceback" not in err


class PastTheCheck(Exception):
    """Raised where a sweep would go on to plan its steps (and then start Ray)."""


@pytest.mark.parametrize("table, entry", [("[bo]", 'oracle = "os:system"'), ("[grid]", 'oracle = ["os:system"]')])
def test_a_sweep_file_naming_an_oracle_runs_only_with_trust_oracles(tmp_path, capsys, monkeypatch, table, entry):
    called = []
    monkeypatch.setattr(os, "system", lambda command: called.append(command) or 0)

    def plan_sweep(*args, **kwargs):
        raise PastTheCheck

    monkeypatch.setattr("core.sweep.cli.plan_sweep", plan_sweep)
    in_grid, in_bo = (entry, "") if table == "[grid]" else ("", entry)
    text = f'steps = ["train", "bo"]\n[grid]\nspaces = ["enas6"]\npresets = ["tiny"]\n{in_grid}\n[bo]\nrounds = 1\n{in_bo}\n'
    spec = write_sweep(tmp_path, text)
    line = text.splitlines().index(entry) + 1
    out = tmp_path / "sweep"
    for dry_run in ([], ["--dry-run"]):
        assert main(["sweep", str(spec), "--out", str(out), *dry_run]) == 2
        assert capsys.readouterr().err.splitlines() == [
            f"error: {spec}:{line}: {table} oracle: 'os:system' is code that the sweep's steps would import and run",
            f"  fix: read that code, and run the sweep only if you trust it: python -m core sweep {spec} "
            "--trust-oracles"]
    assert not out.exists() and called == []
    with pytest.raises(PastTheCheck):  # trusted, it goes on (here: no further)
        main(["sweep", str(spec), "--out", str(out), "--dry-run", "--trust-oracles"])
    assert called == []


def test_a_trusted_oracle_name_must_be_registered(tmp_path, capsys):
    text = TINY.replace('"evaluate"]', '"bo"]') + '[bo]\noracle = "no-such-oracle"\n'
    spec = write_sweep(tmp_path, text)
    assert main(["sweep", str(spec), "--trust-oracles", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {spec}:6: [bo] oracle: 'no-such-oracle': no oracle of that name is registered "
                          "under opembed.oracles")
