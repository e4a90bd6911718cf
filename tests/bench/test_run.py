"""The bench's figures are internally consistent (no timing assertions: the machine is shared)."""

from __future__ import annotations

import pytest
import torch

from core.bench.run import BenchCase, _full_length, _model, format_table, run_bench

pytestmark = pytest.mark.usefixtures("one_thread")


TINY = BenchCase("tiny", hidden_dim=16, latent_dim=4, batch_size=8)


def test_full_length_model_decodes_to_the_last_node():
    model = _full_length(_model(TINY, torch.device("cpu")).eval())
    decoded = model.decode(torch.randn(64, 4), stochastic=True, generator=torch.Generator().manual_seed(0))
    assert (decoded.num_nodes == model.config.max_nodes).all()


def test_run_bench_rows_are_consistent():
    result = run_bench(torch.device("cpu"), ["fp32"], steps=1, repeats=1, decode_batch=32, evaluate=False,
                       cases=[TINY])
    row = result["rows"][0]
    assert row["ratio_to_gemm"] == pytest.approx(row["achieved_gflops"] / result["gemm_gflops_fp32"])
    assert row["s_per_epoch_enas6"] == pytest.approx(17118 / 8 * row["ms_per_step"] / 1e3, rel=1e-6)
    assert row["gflop_per_graph"] > 0 and row["decode_greedy_gflop_per_graph"] > 0
    assert row["decode_greedy_mean_nodes"] == 8.0 and row["decode_stochastic_mean_nodes"] == 8.0
    assert "| tiny | fp32 |" in format_table(result)


def test_bench_models_times_every_model_and_encoding_it_takes(monkeypatch):
    import dataclasses

    from core.bench import models as bench_models
    from core.config import PRESETS
    from core.models.registry import MODELS

    tiny = dataclasses.replace(PRESETS["fast"], hidden_dim=8, latent_dim=4, batch_size=4)
    monkeypatch.setitem(PRESETS, "fast", tiny)
    rows = bench_models.model_speed_rows(steps=1, repeats=1, decode_batch=8)
    assert [(row["model"], row["encoding"]) for row in rows] == \
        [(name, encoding) for name, spec in MODELS.items() for encoding in spec.names]
    for row in rows:
        assert row["s_per_epoch_enas6"] == pytest.approx(17118 / 4 * row["ms_per_step"] / 1e3, rel=1e-6)
        assert row["decode_graphs_per_s"] > 0 and 2 <= row["decode_mean_nodes"] <= 8
    table = bench_models.format_model_table(rows, 1)
    assert "| DVAE-EMB-ATT | dvae-att | learned |" in table and "| DeepGMG | deepgmg | onehot |" in table


def test_bench_prints_and_writes_the_help_start_time(tmp_path, monkeypatch, capsys):
    import argparse
    import json

    from core.bench import run as bench

    monkeypatch.setattr(bench, "help_start_seconds", lambda: 0.25)
    monkeypatch.setattr(bench, "run_bench", lambda *args: {"rows": []})
    monkeypatch.setattr(bench, "format_table", lambda result: "")
    args = argparse.Namespace(models=False, device="cpu", precision="fp32", steps=1, repeats=1, decode_batch=8,
                              no_evaluate=True, gp_seeds=1, json=tmp_path / "bench.json")
    bench.bench_main(args)
    assert "`python -m core --help` answers in 0.25 s" in capsys.readouterr().out
    assert json.loads(args.json.read_text())["help_start_seconds"] == 0.25
