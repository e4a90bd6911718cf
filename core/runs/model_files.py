"""PyTorch run files: ``model.pt`` and ``checkpoint.pt``, read with ``weights_only=True``
and checked against the run's ``config.json``, or peeked at without torch (the settings
a model file holds, for run discovery); and the library versions a run records.

Torch is imported inside the functions that need it, so that importing :mod:`core.runs`
(run discovery, the dashboard's run list) stays free of it.
"""

from __future__ import annotations

import collections
import io
import pickle
import platform
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from core import __version__
from core.config import ModelConfig, from_dict
from core.errors import RunFileError, one_line
from core.runs.files import atomic_write_bytes, fix_for, missing_file
from core.runs.loaders import is_int, load_config
from core.runs.names import CHECKPOINT, MODEL
from core.spaces import get_space


def atomic_torch_save(path: Path, obj: Any) -> None:
    import torch  # only here: importing core.runs stays free of torch

    buffer = io.BytesIO()
    torch.save(obj, buffer)
    atomic_write_bytes(path, buffer.getvalue())


# ---------------------------------------------------------------- model.pt and checkpoint.pt
PEEK_LIMIT = 64 << 20  # bytes of data.pkl that peek_model reads at most (a model's is a few kB)


class _Opaque:
    """Whatever a PyTorch file pickles besides plain data (tensors, storages): never built."""

    def __new__(cls, *args, **kwargs):
        return super().__new__(cls)

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        pass


class _SkeletonUnpickler(pickle.Unpickler):
    """Reads the plain-data skeleton of a ``torch.save`` pickle without torch and without
    running any code: every class but ``OrderedDict`` becomes an inert placeholder."""

    def find_class(self, module: str, name: str):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        return _Opaque

    def persistent_load(self, pid):
        return None


def _torch_archive(path: Path) -> zipfile.ZipFile:
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise missing_file(path) from None
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        size = path.stat().st_size if path.exists() else 0
        raise RunFileError(path, f"not a complete PyTorch file ({size:,} bytes; truncated or damaged: "
                                 f"{one_line(error, 80)})", fix=fix_for(path)) from None
    return archive


def peek_model(path: Path) -> dict:
    """What a ``model.pt`` says about itself (``space``, ``model_config``, ``epoch``), read
    without torch and without loading the weights. Raises :class:`RunFileError` when it is not
    a complete PyTorch file holding those entries. Cheap: the weights are not read."""
    path = Path(path)
    with _torch_archive(path) as archive:
        names = [n for n in archive.namelist() if n.endswith("data.pkl")]
        if not names:
            raise RunFileError(path, "not a PyTorch file (no data.pkl inside)", fix=fix_for(path))
        if archive.getinfo(names[0]).file_size > PEEK_LIMIT:
            raise RunFileError(path, "not a model saved by `python -m core train` (its data.pkl is too large)",
                               fix=fix_for(path))
        try:
            payload = _SkeletonUnpickler(io.BytesIO(archive.read(names[0]))).load()
        except Exception as error:  # a damaged member: zlib, CRC or pickle errors
            raise RunFileError(path, f"damaged PyTorch file ({one_line(error, 80)})", fix=fix_for(path)) from None
    return _check_model_payload(path, payload)


def _check_model_payload(path: Path, payload: Any) -> dict:
    if not isinstance(payload, dict):
        raise RunFileError(path, f"holds a {type(payload).__name__}, not a model saved by `python -m core train`",
                           fix=fix_for(path))
    for key, kind in (("state_dict", dict), ("model_config", dict), ("space", str)):
        if not isinstance(payload.get(key), kind):
            raise RunFileError(path, f'has no "{key}" entry; not a model saved by `python -m core train`',
                               fix=fix_for(path))
    return payload


MODEL_FIELDS_CHECKED = ("num_node_types", "max_nodes", "hidden_dim", "latent_dim", "bidirectional", "vertex_ids",
                        "encoding", "embedding_dim", "model", "gcn_levels", "gcn_order", "messages", "graph_state",
                        "edge_reads_initial")


def model_mismatch(payload: dict, config: dict) -> str | None:
    """Why a model file's ``space`` / ``model_config`` disagree with its run's ``config.json``,
    or ``None`` when they agree (fields absent from either side are not compared)."""
    if payload.get("space") != config.get("space"):
        return f"holds a model of space {payload.get('space')!r}, but config.json says {config.get('space')!r}"
    saved, expected = payload.get("model_config") or {}, config.get("model") or {}
    for name in MODEL_FIELDS_CHECKED:
        if name in saved and name in expected and saved[name] != expected[name]:
            return f"holds a model with {name} {saved[name]!r}, but config.json says {expected[name]!r}"
    return None


def load_model(run_dir: Path, device="cpu"):
    """Rebuild the trained model of a run. Returns ``(model, config_dict)``.

    The model file is checked against the run: its space and model settings must be those of
    ``config.json``, fit the space (operation types, nodes), and its weights must fit them.

    Raises:
        RunFileError: ``config.json`` or ``model.pt`` is missing, damaged, or they disagree.
    """
    from core.models.registry import build_model  # torch: imported only when a model is loaded

    run_dir = Path(run_dir)
    config = load_config(run_dir)
    path = run_dir / MODEL
    if not path.exists():
        raise RunFileError(path, "missing; the run has no trained model yet",
                           fix=f"train it with `python -m core train ... --out {run_dir}`, or --resume it")
    payload = _torch_load(path, device, "model file")
    payload = _check_model_payload(path, payload)
    mismatch = model_mismatch(payload, config)
    if mismatch:
        raise RunFileError(path, mismatch, fix=fix_for(path))
    try:
        model_config = from_dict(ModelConfig, payload["model_config"])
    except TypeError as error:
        raise RunFileError(path, f"its model_config is incomplete ({one_line(error)})", fix=fix_for(path)) from None
    space = get_space(config["space"])
    for name, expected in (("num_node_types", space.num_node_types), ("max_nodes", space.max_nodes)):
        if getattr(model_config, name) != expected:
            raise RunFileError(path, f"has {name} {getattr(model_config, name)}, but space {space.name} has "
                                     f"{expected}", fix=fix_for(path))
    try:
        model = build_model(model_config)
        model.load_state_dict(payload["state_dict"])
    except (RuntimeError, ValueError, TypeError, KeyError) as error:  # shape mismatches, missing weights
        raise RunFileError(path, f"its weights do not fit its model settings ({one_line(error, 120)})",
                           fix=fix_for(path)) from None
    model.to(device).eval()
    return model, config


def _torch_load(path: Path, device, what: str) -> Any:
    """``torch.load(path, weights_only=True)``, any failure a :class:`RunFileError`."""
    import torch  # only here: importing core.runs stays free of torch

    check_torch_file(path)  # a truncated file: said plainly, before torch's own message
    try:
        return torch.load(path, map_location=device, weights_only=True)
    except pickle.UnpicklingError as error:
        if "weights only" in str(error).lower():
            problem = f"holds objects that are not weights; refused (a foreign {what}, not one saved by OpEmbed)"
        else:
            problem = f"damaged PyTorch {what} ({one_line(error, 100)})"
        raise RunFileError(path, problem, fix=fix_for(path)) from None
    except Exception as error:  # zlib / CRC errors of a damaged member, storage errors
        raise RunFileError(path, f"damaged PyTorch {what} ({one_line(error, 100)})", fix=fix_for(path)) from None


CHECKPOINT_KEYS = ("model", "optimizer", "scheduler", "shuffle_rng", "noise_rng", "history", "snapshots", "epoch")


def check_torch_file(path: Path) -> None:
    """Raise :class:`RunFileError` unless ``path`` is a complete PyTorch (zip) file. Cheap:
    only the archive's directory is read."""
    with _torch_archive(path) as archive:
        if not any(n.endswith("data.pkl") for n in archive.namelist()):
            raise RunFileError(path, "not a PyTorch file (no data.pkl inside)", fix=fix_for(path))


def load_checkpoint(run_dir: Path, device="cpu") -> dict:
    """``checkpoint.pt`` of a run (for ``--resume``), checked for its entries.

    Raises:
        RunFileError: it is missing, truncated, damaged or lacks an entry.
    """
    path = Path(run_dir) / CHECKPOINT
    if not path.exists():
        raise RunFileError(path, "missing; nothing to resume", fix="start without --resume, into a new --out")
    state = _torch_load(path, device, "checkpoint")
    if not isinstance(state, dict):
        raise RunFileError(path, f"holds a {type(state).__name__}, not a training checkpoint", fix=fix_for(path))
    absent = [key for key in CHECKPOINT_KEYS if key not in state]
    if absent:
        raise RunFileError(path, f"lacks {', '.join(absent)}; not a checkpoint written by `python -m core train`",
                           fix=fix_for(path))
    if not is_int(state["epoch"]) or state["epoch"] < 0:
        raise RunFileError(path, f"its epoch {state['epoch']!r} is not a count of epochs", fix=fix_for(path))
    return state


# ---------------------------------------------------------------- versions
def library_versions() -> dict[str, str]:
    import torch  # only here: importing core.runs stays free of torch

    versions = {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__,
                "opembed": __version__}
    return versions
