"""A compact seed run keeps every figure the groups read, reads as `compact`, and its BO
records give the same race figures as the full ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core import runs
from core.__main__ import main
from core.bo.race import race_frame
from core.groups.measures import bo_regret
from core.runs.status import inspect_run

DEMO = "assets/demo/enas6-learned"
DEMO_DIR = Path(DEMO)


@pytest.fixture(scope="module")
def compact(tmp_path_factory):
    out = tmp_path_factory.mktemp("compact") / "seed0"
    assert main(["compact", DEMO, "--out", str(out)]) == 0
    return out


def test_the_figures_are_kept_and_the_bulk_left_out(compact):
    for name in (runs.CONFIG, runs.HISTORY, runs.METRICS, runs.EMBEDDINGS, runs.SMOOTHNESS):
        assert (compact / name).read_bytes() == (DEMO_DIR / name).read_bytes()
    assert not any((compact / name).exists() for name in (runs.MODEL, runs.LATENTS, runs.PROJECTIONS))
    size = sum(p.stat().st_size for p in compact.rglob("*") if p.is_file())
    full = sum(p.stat().st_size for p in DEMO_DIR.rglob("*") if p.is_file())
    bulk = sum(p.stat().st_size for name in (runs.MODEL, runs.LATENTS, runs.CHECKPOINT, runs.PROJECTIONS)
               for p in [DEMO_DIR / name, *(DEMO_DIR / name).rglob("*")] if p.is_file())
    assert bulk > full / 2  # what a seed copy leaves out is most of a run
    # and nothing more: the rest of the run, a "compact" mark per BO file, and compact.json
    assert size <= (full - bulk) * 1.02 + (compact / runs.COMPACT).stat().st_size


def test_a_compact_run_reads_as_compact_not_broken(compact):
    status, config = inspect_run(compact, "seed0", [compact.parent.resolve()])
    assert status.state == runs.COMPACT_STATE and config.space == "enas6"


def test_compact_bo_records_give_the_same_race(compact):
    full, small = race_frame([DEMO_DIR]), race_frame([compact])
    columns = ["method", "budget", "seeds", "best_mean", "regret_mean", "rank_mean", "p_value"]
    assert full[columns].equals(small[columns])
    assert bo_regret(compact, 100) == bo_regret(DEMO_DIR, 100)
    record = runs.load_bo_result(compact / "bo" / "dvae-seed0.json")
    assert "points" not in record["rounds"][0] and record["rounds"][0]["keys"]


def test_compact_refuses_a_full_run_as_out(tmp_path, capsys):
    target = tmp_path / "full"
    target.mkdir()
    shutil.copy(DEMO_DIR / runs.MODEL, target / runs.MODEL)
    assert main(["compact", DEMO, "--out", str(target)]) == 2
    assert "holds a full run (model.pt)" in capsys.readouterr().err
    assert sorted(p.name for p in target.iterdir()) == [runs.MODEL]
