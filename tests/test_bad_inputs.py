"""Every bad input gives one clear line, exit status 2, and changes nothing on disk.

Each case copies a tiny trained run (nbg-cora subset, hidden 8, 2 epochs), damages one
file or passes one bad flag, runs ``python -m core`` in process, and asserts:

* exit status 2;
* stderr is one ``error:`` line naming the file (or flag), plus at most a ``fix:`` line;
* no traceback;
* no file or folder under the test's folder was created, changed or removed (hashes).

Training and evaluation are replaced by tripwires: a case that slips past validation fails
at once instead of training a model.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import torch

from core import runs
from core.__main__ import main
from core.config import ModelConfig, TrainConfig, to_dict
from core.models.dvae import DVAE
from core.spaces import EnasSpace
from tests.tiny_tables import small_nbg_table

pytestmark = pytest.mark.usefixtures("one_thread")

SPACE = "nbg-cora"
EPOCHS = 2


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory) -> Path:
    """A learned run on 112 nbg-cora architectures: every file a finished run has."""
    from core.training.train import train_run

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    space, table = small_nbg_table(96, 16)
    model_config = ModelConfig(num_node_types=space.num_node_types, max_nodes=space.max_nodes, hidden_dim=8,
                               latent_dim=3, encoding="learned")
    train_config = TrainConfig(epochs=EPOCHS, batch_size=32, lr=3e-3, checkpoint_every=1, monitor_graphs=0)
    run = tmp_path_factory.mktemp("bad-inputs") / "run"
    train_run(space, table, model_config, train_config, run, torch.device("cpu"), progress=False)
    runs.atomic_write_json(run / runs.METRICS, {"space": SPACE, "encoding": "learned", "recon_accuracy": 0.5})
    torch.set_num_threads(threads)
    return run


@pytest.fixture(autouse=True)
def tripwires(monkeypatch):
    """Training or a full evaluation starting means validation let a bad input through."""
    import core.analysis.evaluate
    import core.training.train

    def tripped(*args, **kwargs):
        raise AssertionError("the command started its work: the bad input was not caught")

    monkeypatch.setattr(core.training.train, "train_run", tripped)
    monkeypatch.setattr(core.analysis.evaluate, "reconstruction_accuracy", tripped)


# ---------------------------------------------------------------- damaging files
def truncate(path: Path, keep: float = 0.5) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)


def edit_json(path: Path, change: Callable[[dict], None]) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def edit_model(path: Path, change: Callable[[dict], None]) -> None:
    payload = torch.load(path, weights_only=True)
    change(payload)
    torch.save(payload, path)


def other_space_model(path: Path) -> None:
    """A model.pt of the enas6 space (other node types and node count)."""
    space = EnasSpace(6)
    config = ModelConfig(num_node_types=space.num_node_types, max_nodes=space.max_nodes, hidden_dim=8, latent_dim=3,
                         encoding="learned")
    torch.save({"state_dict": DVAE(config).state_dict(), "model_config": to_dict(config), "space": "enas6",
                "epoch": EPOCHS}, path)


def wider_weights(path: Path) -> None:
    """Weights of a hidden-16 model under a model_config that says hidden 8."""
    def change(payload: dict) -> None:
        config = ModelConfig(**{**payload["model_config"], "hidden_dim": 16})
        payload["state_dict"] = DVAE(config).state_dict()

    edit_model(path, change)


def wider_model(path: Path) -> None:
    """A consistent hidden-16 model, but config.json says hidden 8."""
    def change(payload: dict) -> None:
        config = ModelConfig(**{**payload["model_config"], "hidden_dim": 16})
        payload["state_dict"], payload["model_config"] = DVAE(config).state_dict(), to_dict(config)

    edit_model(path, change)


# ---------------------------------------------------------------- the cases
@dataclasses.dataclass
class Case:
    """One bad input: ``setup(run, tmp)`` damages files and returns the arguments; the
    ``error:`` line must contain ``names``."""

    id: str
    setup: Callable[[Path, Path], list[str]]
    names: str


def train_args(tmp: Path, *extra: str, out: Path | None = None) -> list[str]:
    return ["train", "--space", SPACE, "--preset", "tiny", "--no-progress", "--monitor-graphs", "0",
            "--out", str(out if out is not None else tmp / "new-run"), *extra]


def evaluate_args(run: Path, *extra: str) -> list[str]:
    return ["evaluate", str(run), "--no-progress", "--parts", "recon", "--encode-times", "1", "--decode-times", "1",
            *extra]


def bo_args(run: Path, *extra: str) -> list[str]:
    return ["bo", str(run), "--method", "random-search", "--rounds", "1", "--batch-size", "1", "--seeds", "1",
            "--quiet", "--device", "cpu", *extra]


def export_args(run: Path, tmp: Path, *extra: str, out: Path | None = None) -> list[str]:
    return ["export", str(run), "--format", "html", "--projection", "pca",
            "--out", str(out if out is not None else tmp / "figures"), *extra]


def resume_args(run: Path, tmp: Path, *extra: str) -> list[str]:
    return train_args(tmp, "--resume", *extra, out=run)


def _file_in_the_way(tmp: Path) -> Path:
    write(tmp / "a-file", "not a folder")
    return tmp / "a-file"


def _damage(name: str, how: Callable[[Path], None], command: Callable[[Path, Path], list[str]]):
    def setup(run: Path, tmp: Path) -> list[str]:
        how(run / name)
        return command(run, tmp)

    return setup


def _unlink_model_and_checkpoint(run: Path, tmp: Path) -> list[str]:
    (run / runs.MODEL).unlink()
    (run / runs.CHECKPOINT).unlink()
    return train_args(tmp, out=run)


def _enas_with_bad_byte(run: Path, tmp: Path) -> list[str]:
    good = "[[1], [4, 0], [5, 0, 0], [0, 1, 1, 1], [2, 1, 1, 1, 1], [3, 0, 0, 0, 0, 1]], 0.73\n"
    write(tmp / "data" / "final_structures6.txt", (good + good[:10] + "\xff" + good[10:]).encode("latin-1") +
          good.encode() * 1100)
    return ["train", "--space", "enas6", "--data-dir", str(tmp / "data"), "--preset", "tiny", "--no-progress",
            "--out", str(tmp / "enas-run")]


def _latents_without_mu(path: Path) -> None:
    pd.DataFrame({"key": ["a", "b"], "y": [0.1, 0.2]}).to_parquet(path)


def _bo_result_garbage(run: Path, tmp: Path) -> list[str]:
    write(run / runs.BO_DIR / "random-search-seed0.json", '{"method": "random-search", "seed": 0, "rounds": ')
    return ["bo-summary", str(run)]


def _bo_result_list(run: Path, tmp: Path) -> list[str]:
    write(run / runs.BO_DIR / "random-search-seed0.json", "[]")
    return ["bo-summary", str(run)]


def _latents_edit(change: Callable[[pd.DataFrame], pd.DataFrame]) -> Callable[[Path], None]:
    def damage(path: Path) -> None:
        change(pd.read_parquet(path)).to_parquet(path, index=False)

    return damage


def _one_nan(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[3, "mu_0"] = float("nan")
    return frame


def _one_inf(frame: pd.DataFrame) -> pd.DataFrame:
    frame.loc[5, "mu_1"] = float("inf")
    return frame


def _bo_result_misnamed(run: Path, tmp: Path) -> list[str]:
    write(run / runs.BO_DIR / "random-search-seed0.json",
          json.dumps({"method": "evolution", "seed": 5, "rounds": [{"values": [0.5], "status": ["new"]}]}))
    return ["bo-summary", str(run)]


def _bo_result_string_values(run: Path, tmp: Path) -> list[str]:
    write(run / runs.BO_DIR / "random-search-seed0.json",
          json.dumps({"method": "random-search", "seed": 0, "rounds": [{"values": ["0.5"], "status": ["new"]}]}))
    return ["bo-summary", str(run)]


def _history_bad_csv(path: Path) -> None:
    write(path, "epoch,loss\n1,2.0\n2,3.0,4.0,5.0\n")


def _history_bad_cell(path: Path) -> None:
    write(path, "epoch,loss\n1,2.0\n2,lots\n")


CASES = [
    # ---- train: flags
    Case("train-epochs-0", lambda run, tmp: train_args(tmp, "--epochs", "0"), "--epochs"),
    Case("train-epochs-negative", lambda run, tmp: train_args(tmp, "--epochs", "-3"), "--epochs"),
    Case("train-batch-size-0", lambda run, tmp: train_args(tmp, "--batch-size", "0"), "--batch-size"),
    Case("train-lr-negative", lambda run, tmp: train_args(tmp, "--lr", "-1"), "--lr"),
    Case("train-lr-0", lambda run, tmp: train_args(tmp, "--lr", "0"), "--lr"),
    Case("train-lr-nan", lambda run, tmp: train_args(tmp, "--lr", "nan"), "--lr"),
    Case("train-embedding-dim-0", lambda run, tmp: train_args(tmp, "--embedding-dim", "0"), "--embedding-dim"),
    Case("train-hidden-dim-0", lambda run, tmp: train_args(tmp, "--hidden-dim", "0"), "--hidden-dim"),
    Case("train-latent-dim-0", lambda run, tmp: train_args(tmp, "--latent-dim", "0"), "--latent-dim"),
    Case("train-device-unknown", lambda run, tmp: train_args(tmp, "--device", "tpu"), "--device"),
    Case("train-beta-negative", lambda run, tmp: train_args(tmp, "--beta", "-1"), "--beta"),
    Case("train-grad-clip-negative", lambda run, tmp: train_args(tmp, "--grad-clip", "-0.5"), "--grad-clip"),
    Case("train-stop-at-recon-above-1", lambda run, tmp: train_args(tmp, "--stop-at-recon", "1.5"),
         "--stop-at-recon"),
    Case("train-checkpoint-every-0", lambda run, tmp: train_args(tmp, "--checkpoint-every", "0"),
         "--checkpoint-every"),
    # ---- train: the output folder
    Case("train-out-under-a-file", lambda run, tmp: train_args(tmp, out=_file_in_the_way(tmp) / "run"), "a-file"),
    Case("train-out-is-a-file", lambda run, tmp: train_args(tmp, out=_file_in_the_way(tmp)), "a-file"),
    Case("train-out-not-writable", lambda run, tmp: train_args(tmp, out=tmp / "locked" / "run"), "locked"),
    Case("train-over-a-run-without-model", _unlink_model_and_checkpoint, "already holds a run"),
    Case("train-over-a-finished-run", lambda run, tmp: train_args(tmp, out=run), "already holds a run"),
    # ---- train --resume
    Case("resume-truncated-checkpoint", _damage(runs.CHECKPOINT, truncate, resume_args), "checkpoint.pt"),
    Case("resume-checkpoint-a-list", _damage(runs.CHECKPOINT, lambda p: torch.save([1, 2], p), resume_args),
         "checkpoint.pt"),
    Case("resume-checkpoint-without-epoch",
         _damage(runs.CHECKPOINT, lambda p: torch.save({"model": {}}, p), resume_args), "checkpoint.pt"),
    Case("resume-config-a-list", _damage(runs.CONFIG, lambda p: write(p, "[]"), resume_args), "config.json"),
    Case("resume-config-model-incomplete",
         _damage(runs.CONFIG, lambda p: edit_json(p, lambda c: c["model"].pop("max_nodes")), resume_args),
         "config.json"),
    Case("resume-fewer-epochs-than-done", lambda run, tmp: resume_args(run, tmp, "--epochs", "1"), "--epochs"),
    Case("resume-other-space",
         lambda run, tmp: [a if a != SPACE else "nbg-citeseer" for a in resume_args(run, tmp)], "--space"),
    # ---- train --init-embeddings-from
    Case("warm-start-truncated-embeddings",
         _damage(runs.EMBEDDINGS, truncate, lambda run, tmp: train_args(tmp, "--init-embeddings-from", str(run))),
         "embeddings.json"),
    Case("warm-start-empty-object",
         _damage(runs.EMBEDDINGS, lambda p: write(p, "{}"),
                 lambda run, tmp: train_args(tmp, "--init-embeddings-from", str(run))), "embeddings.json"),
    Case("warm-start-not-utf8",
         _damage(runs.EMBEDDINGS, lambda p: write(p, b'{"node_types": ["\xff"]}'),
                 lambda run, tmp: train_args(tmp, "--init-embeddings-from", str(run))), "embeddings.json:1"),
    Case("warm-start-wrong-width",
         lambda run, tmp: train_args(tmp, "--init-embeddings-from", str(run), "--embedding-dim", "4"),
         "embeddings.json"),
    Case("warm-start-onehot",
         lambda run, tmp: train_args(tmp, "--init-embeddings-from", str(run), "--encoding", "onehot"),
         "--init-embeddings-from"),
    Case("warm-start-no-such-run",
         lambda run, tmp: train_args(tmp, "--init-embeddings-from", str(tmp / "nowhere")), "nowhere"),
    # ---- data files
    Case("enas-file-not-utf8", _enas_with_bad_byte, "final_structures6.txt:2"),
    # ---- evaluate: config.json
    Case("config-a-list", _damage(runs.CONFIG, lambda p: write(p, "[]"), lambda run, tmp: evaluate_args(run)),
         "config.json"),
    Case("config-empty-object", _damage(runs.CONFIG, lambda p: write(p, "{}"), lambda run, tmp: evaluate_args(run)),
         "config.json"),
    Case("config-not-json", _damage(runs.CONFIG, lambda p: write(p, "{oops"), lambda run, tmp: evaluate_args(run)),
         "config.json:1"),
    Case("config-not-utf8", _damage(runs.CONFIG, lambda p: write(p, b'{\n"space": "\xfe"}'),
                                    lambda run, tmp: evaluate_args(run)), "config.json:2"),
    Case("config-unknown-space",
         _damage(runs.CONFIG, lambda p: edit_json(p, lambda c: c.update(space="nbg-nope")),
                 lambda run, tmp: evaluate_args(run)), "config.json"),
    Case("config-model-a-list",
         _damage(runs.CONFIG, lambda p: edit_json(p, lambda c: c.update(model=[])),
                 lambda run, tmp: evaluate_args(run)), "config.json"),
    Case("config-without-train",
         _damage(runs.CONFIG, lambda p: edit_json(p, lambda c: c.pop("train")), lambda run, tmp: evaluate_args(run)),
         "config.json"),
    # ---- evaluate: model.pt
    Case("model-truncated", _damage(runs.MODEL, truncate, lambda run, tmp: evaluate_args(run)), "model.pt"),
    Case("model-garbage", _damage(runs.MODEL, lambda p: write(p, b"\x00garbage" * 64),
                                  lambda run, tmp: evaluate_args(run)), "model.pt"),
    Case("model-a-list", _damage(runs.MODEL, lambda p: torch.save([1], p), lambda run, tmp: evaluate_args(run)),
         "model.pt"),
    Case("model-of-enas6", _damage(runs.MODEL, other_space_model, lambda run, tmp: evaluate_args(run)), "model.pt"),
    Case("model-of-another-nbg-space",
         _damage(runs.MODEL, lambda p: edit_model(p, lambda m: m.update(space="nbg-citeseer")),
                 lambda run, tmp: evaluate_args(run)), "model.pt"),
    Case("model-wider-than-config", _damage(runs.MODEL, wider_model, lambda run, tmp: evaluate_args(run)),
         "model.pt"),
    Case("model-weights-do-not-fit", _damage(runs.MODEL, wider_weights, lambda run, tmp: evaluate_args(run)),
         "model.pt"),
    # ---- evaluate: metrics.json and flags
    Case("evaluate-metrics-not-json",
         _damage(runs.METRICS, lambda p: write(p, '{"recon_accuracy": '), lambda run, tmp: evaluate_args(run)),
         "metrics.json:1"),
    Case("evaluate-encode-times-0", lambda run, tmp: evaluate_args(run, "--encode-times", "0"), "--encode-times"),
    Case("evaluate-parts-unknown", lambda run, tmp: evaluate_args(run, "--parts", "nope"), "--parts"),
    # ---- table
    Case("table-metrics-a-list", _damage(runs.METRICS, lambda p: write(p, "[]"), lambda run, tmp: ["table", str(run)]),
         "metrics.json"),
    Case("table-metrics-not-utf8", _damage(runs.METRICS, lambda p: write(p, b"\xff\xfe{}"),
                                           lambda run, tmp: ["table", str(run)]), "metrics.json:1"),
    # ---- project / smoothness / bo: latents.parquet
    Case("project-truncated-latents",
         _damage(runs.LATENTS, truncate, lambda run, tmp: ["project", str(run), "--method", "pca"]),
         "latents.parquet"),
    Case("project-latents-not-parquet",
         _damage(runs.LATENTS, lambda p: write(p, "key,mu_0\na,1\n"),
                 lambda run, tmp: ["project", str(run), "--method", "pca"]), "latents.parquet"),
    Case("project-latents-without-mu",
         _damage(runs.LATENTS, _latents_without_mu, lambda run, tmp: ["project", str(run), "--method", "pca"]),
         "latents.parquet"),
    Case("project-n-neighbors-0", lambda run, tmp: ["project", str(run), "--n-neighbors", "0"], "--n-neighbors"),
    Case("project-min-dist-negative", lambda run, tmp: ["project", str(run), "--min-dist", "-1"], "--min-dist"),
    Case("smoothness-truncated-latents", _damage(runs.LATENTS, truncate, lambda run, tmp: ["smoothness", str(run)]),
         "latents.parquet"),
    Case("bo-truncated-latents", _damage(runs.LATENTS, truncate, lambda run, tmp: bo_args(run)), "latents.parquet"),
    Case("bo-rounds-0", lambda run, tmp: bo_args(run, "--rounds", "0"), "--rounds"),
    Case("bo-batch-size-0", lambda run, tmp: bo_args(run, "--batch-size", "0"), "--batch-size"),
    Case("bo-summary-result-not-json", _bo_result_garbage, "random-search-seed0.json"),
    Case("bo-summary-result-a-list", _bo_result_list, "random-search-seed0.json"),
    # ---- export
    Case("export-history-not-utf8", _damage(runs.HISTORY, lambda p: write(p, b"epoch,loss\n1,\xff\n"),
                                            lambda run, tmp: export_args(run, tmp)), "history.csv:2"),
    Case("export-history-ragged", _damage(runs.HISTORY, _history_bad_csv, lambda run, tmp: export_args(run, tmp)),
         "history.csv:3"),
    Case("export-history-not-a-number",
         _damage(runs.HISTORY, _history_bad_cell, lambda run, tmp: export_args(run, tmp)), "history.csv:3"),
    Case("export-history-no-epoch",
         _damage(runs.HISTORY, lambda p: write(p, "garbage\n\x01\x02\n"), lambda run, tmp: export_args(run, tmp)),
         "history.csv"),
    Case("export-truncated-embeddings",
         _damage(runs.EMBEDDINGS, truncate, lambda run, tmp: export_args(run, tmp)), "embeddings.json"),
    Case("export-metrics-a-list",
         _damage(runs.METRICS, lambda p: write(p, "[1, 2]"), lambda run, tmp: export_args(run, tmp)), "metrics.json"),
    Case("export-out-under-a-file", lambda run, tmp: export_args(run, tmp, out=_file_in_the_way(tmp) / "figures"),
         "a-file"),
    Case("export-out-not-writable", lambda run, tmp: export_args(run, tmp, out=tmp / "locked" / "figures"),
         "locked"),
    # ---- second round (issue: reliability): argparse, bounds, values
    Case("train-epochs-not-an-int", lambda run, tmp: train_args(tmp, "--epochs", "1.5"), "--epochs"),
    Case("train-model-unknown", lambda run, tmp: train_args(tmp, "--model", "transformer"), "--model"),
    Case("train-encoding-unknown", lambda run, tmp: train_args(tmp, "--encoding", "binary"), "--encoding"),
    Case("train-out-empty", lambda run, tmp: train_args(tmp, out=Path("")), "--out"),
    Case("train-hidden-dim-huge", lambda run, tmp: train_args(tmp, "--hidden-dim", "100000000"), "--hidden-dim"),
    Case("train-latent-dim-huge", lambda run, tmp: train_args(tmp, "--latent-dim", "1000000000"), "--latent-dim"),
    Case("train-embedding-dim-huge", lambda run, tmp: train_args(tmp, "--embedding-dim", "10000000000"),
         "--embedding-dim"),
    Case("train-seed-huge", lambda run, tmp: train_args(tmp, "--seed", str(2**70)), "--seed"),
    Case("train-seeds-repeated", lambda run, tmp: train_args(tmp, "--seeds", "1,1"), "--seeds"),
    Case("train-node-order-unknown", lambda run, tmp: train_args(tmp, "--node-order", "sorted"), "--node-order"),
    Case("evaluate-prior-points-huge", lambda run, tmp: evaluate_args(run, "--prior-points", "100000000000"),
         "--prior-points"),
    Case("project-n-neighbors-huge", lambda run, tmp: ["project", str(run), "--n-neighbors", "100000"],
         "--n-neighbors"),
    Case("project-metric-unknown", lambda run, tmp: ["project", str(run), "--metric", "nope"], "--metric"),
    Case("project-tsne-seed-negative", lambda run, tmp: ["project", str(run), "--method", "tsne", "--seed", "-1"],
         "--seed"),
    Case("project-latents-nan", _damage(runs.LATENTS, _latents_edit(_one_nan),
                                        lambda run, tmp: ["project", str(run), "--method", "pca"]), "latents.parquet"),
    Case("smoothness-latents-inf", _damage(runs.LATENTS, _latents_edit(_one_inf),
                                           lambda run, tmp: ["smoothness", str(run)]), "latents.parquet"),
    Case("bo-latents-nan", _damage(runs.LATENTS, _latents_edit(_one_nan), lambda run, tmp: bo_args(run)),
         "latents.parquet"),
    Case("smoothness-latents-without-y", _damage(runs.LATENTS, _latents_edit(lambda f: f.drop(columns=["y"])),
                                                 lambda run, tmp: ["smoothness", str(run)]), "latents.parquet"),
    Case("smoothness-latents-no-rows", _damage(runs.LATENTS, _latents_edit(lambda f: f.iloc[:0]),
                                               lambda run, tmp: ["smoothness", str(run)]), "latents.parquet"),
    Case("smoothness-latents-boolean-mu",
         _damage(runs.LATENTS, _latents_edit(lambda f: f.assign(mu_0=f["mu_0"] > 0)),
                 lambda run, tmp: ["smoothness", str(run)]), "latents.parquet"),
    Case("bo-init-too-many", lambda run, tmp: bo_args(run, "--init", "200000", "--protocol", "few-label"), "--init"),
    Case("export-history-infinite",
         _damage(runs.HISTORY, lambda p: write(p, "epoch,loss\n1,2.0\n2,inf\n"), lambda run, tmp: export_args(run, tmp)),
         "history.csv:3"),
    Case("bo-summary-result-misnamed", _bo_result_misnamed, "random-search-seed0.json"),
    Case("bo-summary-result-string-values", _bo_result_string_values, "random-search-seed0.json"),
    Case("table-metrics-string-number",
         _damage(runs.METRICS, lambda p: write(p, '{"recon_accuracy": "high"}'), lambda run, tmp: ["table", str(run)]),
         "metrics.json"),
    Case("table-metrics-list-number",
         _damage(runs.METRICS, lambda p: write(p, '{"rmse": [1, 2]}'), lambda run, tmp: ["table", str(run), "--models"]),
         "metrics.json"),
    Case("verdict-groups-differ",
         lambda run, tmp: ["verdict", str(run), str(run.parent / "nowhere")], "nowhere"),
    Case("export-projection-unknown", lambda run, tmp: export_args(run, tmp, "--projection", "umap,nope"),
         "--projection"),
]


# ---------------------------------------------------------------- the check
def snapshot(root: Path) -> dict[str, str]:
    """Every file (its sha256) and folder below ``root``."""
    found = {}
    for path in sorted(root.rglob("*")):
        found[str(path.relative_to(root))] = "folder" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def test_at_least_forty_cases():
    assert len(CASES) >= 40
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input(case, trained_run, tmp_path, capsys, monkeypatch):
    run = tmp_path / "run"
    shutil.copytree(trained_run, run)
    argv = case.setup(run, tmp_path)
    (tmp_path / "locked").mkdir(exist_ok=True)
    real_access = os.access

    def access(path, mode, *args, **kwargs):  # the tests run as root, who may write anywhere
        if Path(path) == tmp_path / "locked" and mode & os.W_OK:
            return False
        return real_access(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    before = snapshot(tmp_path)
    capsys.readouterr()

    code = main(argv)

    err = capsys.readouterr().err
    lines = err.strip("\n").splitlines()
    assert code == 2, err
    assert "Traceback" not in err
    assert 1 <= len(lines) <= 2, err
    assert lines[0].startswith("error: ") and case.names in lines[0], err
    if len(lines) == 2:
        assert lines[1].lstrip().startswith("fix: "), err
    assert snapshot(tmp_path) == before, "a file changed, appeared or vanished"
