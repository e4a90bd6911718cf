"""The run directory: names of its files, atomic writes, and loading a trained model back.

A run directory holds::

    config.json       space, model and training configs, library versions
    model.pt          {"state_dict", "model_config", "space", "epoch"} (load with weights_only=True)
    checkpoint.pt     model + optimiser + scheduler + random states, for --resume
    history.csv       one row per epoch: loss parts (per graph), lr, seconds
    embeddings.json   operation names and embedding vectors at each checkpoint (learned runs)
    metrics.json      written by `python -m core evaluate`
    latents.parquet   key, split, y, y_test, mu_0 .. mu_{d-1} for every architecture
    projections/      cached 2-D projections (umap / pca / tsne)
    smoothness.json   written by `python -m core smoothness`
    bo/               Bayesian-optimisation results
"""

from __future__ import annotations

import io
import json
import os
import platform
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from .config import ModelConfig, TrainConfig, from_dict
from .errors import RunDirError

from .run_files import (  # noqa: F401  (re-exported: runs.CONFIG, runs.MODEL, ...)
    BO_DIR, CHECKPOINT, CONFIG, EMBEDDINGS, HISTORY, LATENTS, METRICS, MODEL, PROJECTIONS, SMOOTHNESS,
)


# ---------------------------------------------------------------- atomic writes
def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, data: Any, compact: bool = False) -> None:
    """Write ``data`` as JSON atomically: indented, or ``compact`` (no whitespace, for large records)."""
    if compact:
        text = json.dumps(data, separators=(",", ":"), default=_json_default)
    else:
        text = json.dumps(data, indent=2, default=_json_default)
    atomic_write_text(path, text + "\n")


def atomic_torch_save(path: Path, obj: Any) -> None:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    atomic_write_bytes(path, buffer.getvalue())


def atomic_write_parquet(path: Path, frame: pd.DataFrame) -> None:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    atomic_write_bytes(path, buffer.getvalue())


def atomic_write_csv(path: Path, frame: pd.DataFrame) -> None:
    atomic_write_text(path, frame.to_csv(index=False))


def _json_default(value: Any):
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def read_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


# ---------------------------------------------------------------- versions
def library_versions() -> dict[str, str]:
    import numpy

    versions = {"python": platform.python_version(), "torch": torch.__version__, "numpy": numpy.__version__}
    from . import __version__

    versions["opembed"] = __version__
    return versions


# ---------------------------------------------------------------- loading
def load_config(run_dir: Path) -> dict:
    """The run's ``config.json`` as a dict, or a :class:`RunDirError` saying what is missing."""
    run_dir = Path(run_dir)
    path = run_dir / CONFIG
    if not run_dir.is_dir():
        raise RunDirError(f"{run_dir}: no such run directory")
    if not path.exists():
        raise RunDirError(f"{path}: missing; this is not a run directory (train one with `python -m core train`)")
    try:
        return read_json(path)
    except json.JSONDecodeError as error:
        raise RunDirError(f"{path}:{error.lineno}: not valid JSON ({error.msg})") from None


def load_model(run_dir: Path, device: str | torch.device = "cpu"):
    """Rebuild the trained model of a run. Returns ``(model, config_dict)``."""
    from .models.dvae import DVAE

    run_dir = Path(run_dir)
    config = load_config(run_dir)
    path = run_dir / MODEL
    if not path.exists():
        raise RunDirError(
            f"{path}: missing; the run has no trained model yet "
            f"(train it with `python -m core train ... --out {run_dir}`, or --resume it)"
        )
    payload = torch.load(path, map_location=device, weights_only=True)
    model = DVAE(from_dict(ModelConfig, payload["model_config"]))
    model.load_state_dict(payload["state_dict"])
    model.to(device).eval()
    return model, config


def train_config_of(config: dict) -> TrainConfig:
    return from_dict(TrainConfig, config["train"])


def model_config_of(config: dict) -> ModelConfig:
    return from_dict(ModelConfig, config["model"])


def read_latents(run_dir: Path) -> pd.DataFrame:
    path = Path(run_dir) / LATENTS
    if not path.exists():
        raise RunDirError(f"{path}: missing; it is written at the end of training")
    return pd.read_parquet(path)


def latent_matrix(frame: pd.DataFrame):
    """The ``A x d`` numpy array of the ``mu_*`` columns of a latents frame."""
    columns = sorted((c for c in frame.columns if c.startswith("mu_")), key=lambda c: int(c[3:]))
    return frame[columns].to_numpy()
