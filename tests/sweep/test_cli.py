"""``python -m core sweep``: bad flags and an absent cluster are one clear error (exit 2,
no traceback), and ``--dry-run`` lists what would run."""

from __future__ import annotations

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
