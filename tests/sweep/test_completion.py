"""When a step's outputs count as complete (and a sweep run again skips it), on hand-made run
folders."""

from __future__ import annotations

import json
import os
from pathlib import Path

from core import runs
from core.sweep.cli import skipped_steps
from core.sweep.completion import is_complete
from core.sweep.plan import Cell, Step, SweepPlan

CELL = Cell("enas6-learned-tiny-seed0", "enas6", "learned", "tiny", 0)
EVALUATE = {"parts": "recon,prior,gp", "constrained": False, "encode_times": 1, "decode_times": 1, "gp_seeds": 1}
BO = {"method": "random-search", "seeds": 2, "rounds": 3}


def step(kind: str, options: dict | None = None, after: tuple[str, ...] = ()) -> Step:
    return Step(cell=CELL, kind=kind, argv=(kind,), after=after, cpus=1, options=options or {})


def trained(out: Path) -> Path:
    run = out / CELL.name
    run.mkdir(parents=True)
    for name in (runs.CONFIG, runs.MODEL, runs.CHECKPOINT, runs.LATENTS):
        (run / name).write_bytes(b"x")
    return run


def test_train_is_complete_with_its_model_and_latents_and_no_half_written_file(tmp_path):
    assert not is_complete(step("train"), tmp_path)
    run = trained(tmp_path)
    assert is_complete(step("train"), tmp_path)
    (run / ".checkpoint.pt.a1b2.tmp").write_bytes(b"half")
    assert not is_complete(step("train"), tmp_path)
    (run / ".checkpoint.pt.a1b2.tmp").unlink()
    (run / runs.LATENTS).unlink()  # killed after the last checkpoint, before the latents
    assert not is_complete(step("train"), tmp_path)


def test_evaluate_is_complete_with_every_part_at_the_same_settings(tmp_path):
    run = trained(tmp_path)
    metrics = {"recon_accuracy": 0.5, "validity": 1.0, "eval_config": {"encode_times": 1, "decode_times": 1,
                                                                       "gp_seeds": 1, "num_prior_points": 10}}
    (run / runs.METRICS).write_text(json.dumps(metrics))
    assert not is_complete(step("evaluate", EVALUATE), tmp_path)  # no gp part yet
    (run / runs.METRICS).write_text(json.dumps({**metrics, "rmse": 0.9}))
    assert is_complete(step("evaluate", EVALUATE), tmp_path)
    assert not is_complete(step("evaluate", {**EVALUATE, "gp_seeds": 10}), tmp_path)  # other settings
    assert not is_complete(step("evaluate", {**EVALUATE, "constrained": True}), tmp_path)
    (run / runs.METRICS).write_text("{oops")
    assert not is_complete(step("evaluate", EVALUATE), tmp_path)


def test_bo_is_complete_when_every_seed_has_its_rounds(tmp_path):
    run = trained(tmp_path)
    (run / runs.BO_DIR).mkdir()

    def result(seed: int, rounds: int) -> None:
        data = {"method": "random-search", "seed": seed, "rounds": [{"values": [], "status": []}] * rounds}
        (run / runs.BO_DIR / f"random-search-seed{seed}.json").write_text(json.dumps(data))

    result(0, 3)
    assert not is_complete(step("bo", BO), tmp_path)  # seed 1 missing
    result(1, 2)
    assert not is_complete(step("bo", BO), tmp_path)  # seed 1 has 2 of 3 rounds
    result(1, 3)
    assert is_complete(step("bo", BO), tmp_path)
    assert not is_complete(step("bo", {**BO, "method": "all"}), tmp_path)


def test_smoothness_and_project(tmp_path):
    from core.analysis.projection import projection_path

    run = trained(tmp_path)
    assert not is_complete(step("smoothness"), tmp_path)
    (run / runs.SMOOTHNESS).write_text("{}")
    assert is_complete(step("smoothness"), tmp_path)
    options = {"method": "pca", "n_neighbors": 15, "min_dist": 0.1, "metric": "euclidean", "seed": 0}
    assert not is_complete(step("project", options), tmp_path)
    path = projection_path(run, "pca", {k: v for k, v in options.items() if k != "method"})
    path.parent.mkdir()
    path.write_bytes(b"x")
    assert is_complete(step("project", options), tmp_path)
    os.utime(path, (1, 1))  # older than the latents: stale
    assert not is_complete(step("project", options), tmp_path)


def test_a_step_after_one_that_runs_again_runs_again(tmp_path):
    run = trained(tmp_path)
    (run / runs.BO_DIR).mkdir()
    for seed in range(2):
        data = {"method": "random-search", "seed": seed, "rounds": [{"values": [], "status": []}] * 3}
        (run / runs.BO_DIR / f"random-search-seed{seed}.json").write_text(json.dumps(data))
    steps = (step("train"), step("evaluate", EVALUATE, ("train",)), step("bo", BO, ("evaluate",)))
    plan = SweepPlan(spec=None, out=tmp_path, cells=(CELL,), steps=steps)
    assert skipped_steps(plan) == {f"{CELL.name}/train"}  # bo is complete, but evaluate runs first


def test_bo_all_in_decode_mode_needs_no_dvae_local(tmp_path):
    """dvae-local never decodes, so `bo --method all --mode decode` writes none of its files."""
    run = trained(tmp_path)
    (run / runs.BO_DIR).mkdir()
    methods = ("dvae", "random-prior", "random-search", "evolution")
    for method in methods:
        data = {"method": method, "seed": 0, "rounds": [{"values": [], "status": []}]}
        (run / runs.BO_DIR / f"{method}-seed0.json").write_text(json.dumps(data))
    every = {"method": "all", "seeds": 1, "rounds": 1}
    assert is_complete(step("bo", {**every, "mode": "decode"}), tmp_path)
    assert not is_complete(step("bo", {**every, "mode": None}), tmp_path)  # pool mode: dvae-local too
