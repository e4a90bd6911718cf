"""``python -m core bench --gpu-check`` from end to end on the CPU: the dry run passes every
stage and writes them all to JSON; a planted mismatch exits 1 naming the model and the
quantity; ``--device cuda`` without CUDA is one line, exit status 2."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch

from core.__main__ import main
from core.bench.gpu_check import parity
from core.bench.gpu_check.settings import DRY_RUN

from .planted import plant

pytestmark = pytest.mark.usefixtures("one_thread")

STAGES = {"parity", "paper_epoch", "train_to_target"}


def dry_run(tmp_path, *extra: str) -> tuple[int, dict | None]:
    """The CPU dry run with no ENAS data (an empty data directory): nbg-cora alone."""
    out = tmp_path / "gpu-check.json"
    code = main(["bench", "--gpu-check", "--device", "cpu", "--dry-run", "--data-dir", str(tmp_path / "data"),
                 "--json", str(out), *extra])
    return code, json.loads(out.read_text()) if out.exists() else None


def test_the_cpu_dry_run_passes_and_writes_every_stage(tmp_path, capsys):
    code, result = dry_run(tmp_path)
    printed = capsys.readouterr().out
    assert code == 0 and result["passed"] and result["failures"] == []
    assert set(result["stages"]) == STAGES and all(stage["passed"] for stage in result["stages"].values())
    assert result["dry_run"] and result["sizes"]["parity_graphs"] == DRY_RUN.parity_graphs
    assert result["device"] == "cpu" and result["torch"] == torch.__version__ and result["device_name"]
    assert result["tolerances"] == {"loss_rtol": 1e-4, "loss_atol": 1e-5, "grad_rtol": 1e-3, "grad_floor": 1e-6,
                                    "decode_share": 0.99}
    assert result["spaces_left_out"][0].startswith("enas6: left out")
    parity_stage = result["stages"]["parity"]
    assert parity_stage["spaces"] == ["nbg-cora"] and len(parity_stage["rows"]) == len(parity.parity_cases())
    epoch = result["stages"]["paper_epoch"]
    assert (epoch["space"], epoch["graphs"], epoch["steps"], epoch["batch_size"]) == ("nbg-cora", 64, 2, 32)
    assert epoch["graphs_per_s"] == pytest.approx(64 / epoch["seconds_per_epoch"])
    assert epoch["steps_per_s"] == pytest.approx(2 / epoch["seconds_per_epoch"]) and epoch["peak_memory_mb"] > 0
    train = result["stages"]["train_to_target"]
    assert (train["space"], train["target"], train["epochs"], len(train["history"])) == ("nbg-cora", None, 1, 1)
    assert train["space_note"].startswith("enas6: left out") and train["trained_decode_identical"] == 1.0
    assert "| nbg-cora | GCN-EMB |" in printed and "gpu-check passed" in printed


def test_a_planted_mismatch_exits_1_naming_the_model_and_the_quantity(tmp_path, monkeypatch, capsys):
    plant(monkeypatch, "loss")
    with pytest.raises(SystemExit) as stop:
        dry_run(tmp_path)
    assert stop.value.code == 1
    captured = capsys.readouterr()
    failed = [line for line in captured.err.splitlines() if line.startswith("FAIL ")]
    assert len(failed) == 1 and failed[0].startswith("FAIL nbg-cora GCN-EMB (--model gcn --encoding learned): loss ")
    assert "| nbg-cora | GCN-EMB |" in captured.out and "gpu-check FAILED" in captured.out
    result = json.loads((tmp_path / "gpu-check.json").read_text())  # written before the exit
    assert not result["passed"] and result["failures"] == [failed[0][len("FAIL "):]]
    assert not result["stages"]["parity"]["passed"]
    assert result["stages"]["paper_epoch"]["passed"] and result["stages"]["train_to_target"]["passed"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="a CUDA device is present")
def test_device_cuda_without_cuda_is_one_line_exit_2(tmp_path, capsys):
    code = main(["bench", "--gpu-check", "--device", "cuda", "--json", str(tmp_path / "out.json")])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == "" and not (tmp_path / "out.json").exists()
    assert captured.err.startswith("error: --device cuda: no CUDA device") and captured.err.count("\n") == 1


def test_dry_run_without_gpu_check_is_a_usage_error(capsys):
    assert main(["bench", "--dry-run"]) == 2
    assert capsys.readouterr().err.startswith("error: --dry-run: only --gpu-check has a dry run")


def test_the_training_stage_fails_when_the_target_is_missed_or_trained_decodes_differ(monkeypatch):
    from core.bench.gpu_check import training
    from core.bench.gpu_check.run import check_tables
    from core.bench.gpu_check.settings import TOLERANCES

    space, table, order = check_tables(None)[0][-1]  # nbg-cora, shipped with the package
    monkeypatch.setattr(training, "decode_agreement", lambda *args: 0.5)
    sizes = dataclasses.replace(DRY_RUN, train_target=1.01)  # the tiny preset's 2 epochs never reach it
    stage = training.train_stage(space, table, order, torch.device("cpu"), sizes, TOLERANCES, cap_minutes=1.0)
    assert not stage["passed"] and not stage["reached"] and stage["epochs"] == 2
    missed, differ = stage["failures"]
    assert missed.startswith("train: nbg-cora DVAE-EMB (tiny) did not reach 101% greedy reconstruction in 1.0 min")
    assert differ.startswith("train: nbg-cora DVAE-EMB trained: decode: 50.00% of 16 greedy decodes identical")


@pytest.mark.parametrize("flags,message", [(["--budget-minutes", "0"], "error: --budget-minutes 0"),
                                           (["--json", "."], "error: --json .: is a folder")])
def test_bad_flags_are_one_error_before_anything_runs(flags, message, capsys):
    assert main(["bench", "--gpu-check", "--device", "cpu", "--dry-run", *flags]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.startswith(message)


def test_enas6_comes_first_where_its_data_file_is(enas_data_dir):
    from core.bench.gpu_check.run import check_tables

    tables, absent = check_tables(str(enas_data_dir))
    assert [(space.name, len(table), order) for space, table, order in tables] == \
        [("enas6", 19_020, "stored"), ("nbg-cora", 26_206, "canonical")]
    assert absent == []


def test_a_stage_that_raises_fails_and_the_next_stages_still_run(tmp_path, monkeypatch, capsys):
    from core.bench.gpu_check import run

    def out_of_memory(*args):
        raise RuntimeError("CUDA out of memory.\nTried to allocate 2.00 GiB")

    monkeypatch.setattr(run, "paper_epoch_stage", out_of_memory)
    with pytest.raises(SystemExit) as stop:
        dry_run(tmp_path)
    assert stop.value.code == 1
    assert "FAIL paper epoch: RuntimeError: CUDA out of memory. Tried to allocate 2.00 GiB\n" in capsys.readouterr().err
    stages = json.loads((tmp_path / "gpu-check.json").read_text())["stages"]
    assert stages["parity"]["passed"] and stages["train_to_target"]["passed"]
    assert stages["paper_epoch"] == {"passed": False, "error": "RuntimeError: CUDA out of memory. Tried to allocate "
                                     "2.00 GiB", "failures": ["paper epoch: RuntimeError: CUDA out of memory. Tried "
                                                              "to allocate 2.00 GiB"]}
