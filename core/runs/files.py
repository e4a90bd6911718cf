"""The run directory: names of its files, atomic writes, and one loader per kind of file.

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

Every reader of these files goes through a loader here (:func:`load_config`,
:func:`load_metrics`, :func:`load_history`, :func:`read_latents`, :func:`load_embeddings`,
:func:`load_model`, :func:`load_checkpoint`, :func:`read_json`). A loader turns any failure
to parse (bad JSON, the wrong shape of data, bytes that are not UTF-8, a truncated Parquet or
PyTorch file, a garbled CSV) into a :class:`~core.errors.RunFileError` that reads
``PATH[:LINE]: what is wrong`` plus a ``fix:`` line.

:func:`peek_model`, :func:`check_torch_file` and :func:`check_latents_file` look at a file
without loading it (no torch), for the dashboard's run discovery. Importing this module does not import torch.
"""

from __future__ import annotations

import collections
import io
import json
import math
import os
import pickle
import platform
import re
import secrets
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from .config import ModelConfig, TrainConfig, from_dict
from .errors import RunDirError, RunFileError, one_line

from .run_files import (  # noqa: F401  (re-exported: runs.CONFIG, runs.MODEL, ...)
    BO_DIR, CHECKPOINT, CONFIG, EMBEDDINGS, HISTORY, LATENTS, METRICS, MODEL, PROJECTIONS, SMOOTHNESS,
)

TEMP_SUFFIX = ".tmp"  # atomic writes go through ``.<name>.<random>.tmp`` beside the target


def remove_stale_temp_files(run_dir: Path) -> None:
    """Delete the ``.NAME.*.tmp`` files a killed atomic write left in a run directory or in
    its ``bo/`` and ``projections/`` folders. Every command that writes into a run calls it."""
    run_dir = Path(run_dir)
    if run_dir.is_dir():
        for stale in [*run_dir.glob(f".*{TEMP_SUFFIX}"), *run_dir.glob(f"*/.*{TEMP_SUFFIX}")]:
            stale.unlink(missing_ok=True)


# ---------------------------------------------------------------- atomic writes
def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``.

    The file is created with mode ``0o666`` less the process umask (``0o644`` under the usual
    umask 022), like any file ``open(path, "w")`` makes.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = path.parent / f".{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
        try:  # O_EXCL: never an existing file; the kernel applies the umask to 0o666
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
            break
        except FileExistsError:
            continue
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
    import torch

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


# ---------------------------------------------------------------- what to do about a bad file
def fix_for(path: Path) -> str:
    """The ``fix:`` advice for a damaged run file, by its name."""
    path = Path(path)
    run = path.parent
    advice = {
        CONFIG: "restore config.json from a backup; if the run cannot be recovered, train it again into a new --out",
        MODEL: f"restore {path.name} from a backup, or train the run again into a new --out",
        CHECKPOINT: f"delete {path}: the finished model.pt stays usable, but the run can no longer be "
                    "resumed (train again into a new --out to continue it)",
        HISTORY: f"restore {path.name} from a backup, or delete it (the training curves are then left out)",
        EMBEDDINGS: f"restore {path.name} from a backup, or delete it (the embedding figures are then left out)",
        METRICS: f"delete {path} and run `python -m core evaluate {run}` again",
        LATENTS: f"delete {path} and rewrite it with `python -m core train --space {_space_name(run)} --out {run} "
                 "--resume` (needs checkpoint.pt), or train again into a new --out",
        SMOOTHNESS: f"delete {path} and run `python -m core smoothness {run}` again",
    }
    if path.parent.name == BO_DIR:
        return f"delete {path} and run `python -m core bo {run.parent}` again (that search starts over)"
    return advice.get(path.name, f"restore {path.name} from a backup, or delete it")


def _space_name(run_dir: Path) -> str:
    """The space a run's config.json names, or ``SPACE`` when it cannot be read (for advice only)."""
    try:
        space = json.loads((Path(run_dir) / CONFIG).read_text(encoding="utf-8")).get("space")
    except Exception:  # any damage: the advice keeps a placeholder
        return "SPACE"
    return space if isinstance(space, str) and re.fullmatch(r"[A-Za-z0-9_-]+", space) else "SPACE"


def _missing(path: Path, why: str = "missing") -> RunFileError:
    return RunFileError(path, why, fix=fix_for(path))


# ---------------------------------------------------------------- text and JSON
def read_text(path: Path) -> str:
    """A run file's text. Raises :class:`RunFileError` when it is absent, unreadable, or holds
    bytes that are not UTF-8 (the message names the line)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _missing(path) from None
    except IsADirectoryError:
        raise RunFileError(path, "is a folder, not a file", fix=f"remove the folder {path}") from None
    except OSError as error:
        raise RunFileError(path, f"cannot be read ({error.strerror or error})", fix=fix_for(path)) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise RunFileError(path, f"byte 0x{data[error.start]:02x} is not UTF-8 text (a damaged or foreign file)",
                           line=line, fix=fix_for(path)) from None


def read_json(path: Path) -> Any:
    """A JSON file of a run. Raises :class:`RunFileError` (naming the line) on any failure."""
    path = Path(path)
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise RunFileError(path, f"not valid JSON ({error.msg})", line=error.lineno, fix=fix_for(path)) from None
    except RecursionError:
        raise RunFileError(path, "not valid JSON (nested too deeply)", fix=fix_for(path)) from None


def _json_object(path: Path, what: str) -> dict:
    data = read_json(path)
    if not isinstance(data, dict):
        raise RunFileError(path, f"holds a JSON {_json_type(data)}, not a JSON object ({what})", fix=fix_for(path))
    return data


def _json_type(value: Any) -> str:
    names = {list: "list", str: "string", bool: "boolean", int: "number", float: "number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


# ---------------------------------------------------------------- config.json
def load_config(run_dir: Path) -> dict:
    """The run's ``config.json`` as a dict.

    Checks that it is an object naming a known ``"space"``, and that its ``"model"`` and
    ``"train"`` entries, where present, are objects (:func:`model_config_of` and
    :func:`train_config_of` check their fields where they are needed).

    Raises:
        RunDirError: ``run_dir`` is not a folder.
        RunFileError: ``config.json`` is missing, not JSON, or not a run's config.
    """
    from .errors import OpEmbedError

    run_dir = Path(run_dir)
    path = run_dir / CONFIG
    if not run_dir.is_dir():
        if run_dir.exists():
            raise RunDirError(f"{run_dir}: is a file, not a run directory")
        raise RunDirError(f"{run_dir}: no such run directory")
    if not path.exists():
        raise RunFileError(path, "missing; this is not a run directory",
                           fix="train one with `python -m core train --space SPACE --out RUN`")
    config = _json_object(path, "a run's config")
    if not isinstance(config.get("space"), str):
        raise RunFileError(path, 'has no "space" entry; not a config written by `python -m core train`',
                           fix=fix_for(path))
    for key in ("model", "train"):  # needed where they are used (model_config_of, train_config_of)
        if key in config and not isinstance(config[key], dict):
            raise RunFileError(path, f'its "{key}" entry is a {_json_type(config[key])}, not an object',
                               fix=fix_for(path))
    from .spaces import get_space

    try:
        get_space(config["space"])
    except OpEmbedError:
        raise RunFileError(path, f"names an unknown search space {config['space']!r}", fix=fix_for(path)) from None
    return config


def model_config_of(config: dict, path: Path | None = None) -> ModelConfig:
    """The ``ModelConfig`` of a loaded ``config.json`` (``path``: where it came from, for errors)."""
    return _dataclass_of(ModelConfig, config.get("model"), "model", path)


def train_config_of(config: dict, path: Path | None = None) -> TrainConfig:
    """The ``TrainConfig`` of a loaded ``config.json`` (``path``: where it came from, for errors)."""
    return _dataclass_of(TrainConfig, config.get("train"), "train", path)


def _dataclass_of(cls, data: Any, key: str, path: Path | None):
    where = path if path is not None else Path(CONFIG)
    if not isinstance(data, dict):
        raise RunFileError(where, f'has no "{key}" object', fix=fix_for(where))
    try:
        return from_dict(cls, data)
    except TypeError as error:  # a required field is absent
        raise RunFileError(where, f'"{key}" is incomplete ({one_line(error)})', fix=fix_for(where)) from None


# ---------------------------------------------------------------- metrics.json, smoothness.json
def load_metrics(run_dir: Path) -> dict:
    """``metrics.json`` of a run (written by ``python -m core evaluate``)."""
    return _json_object(Path(run_dir) / METRICS, "evaluation metrics")


def load_smoothness(run_dir: Path) -> dict:
    """``smoothness.json`` of a run (written by ``python -m core smoothness``)."""
    return _json_object(Path(run_dir) / SMOOTHNESS, "smoothness numbers")


# ---------------------------------------------------------------- bo/<method>-seed<S>.json
def load_bo_result(path: Path) -> dict:
    """One Bayesian-optimisation result file (``RUN/bo/<method>-seed<S>.json``), checked for
    ``method``, ``seed`` and ``rounds`` (each round with ``values`` and ``status`` lists)."""
    path = Path(path)
    data = _json_object(path, "a BO search")
    if not isinstance(data.get("method"), str) or not _is_int(data.get("seed")):
        raise RunFileError(path, 'has no "method" and integer "seed"; not written by `python -m core bo`',
                           fix=fix_for(path))
    rounds = data.get("rounds")
    if not isinstance(rounds, list) or not all(
            isinstance(r, dict) and isinstance(r.get("values"), list) and isinstance(r.get("status"), list)
            for r in rounds):
        raise RunFileError(path, '"rounds" is not a list of rounds with "values" and "status"', fix=fix_for(path))
    return data


# ---------------------------------------------------------------- embeddings.json
def load_embeddings(run_dir: Path) -> dict:
    """``embeddings.json`` of a learned run: ``{"node_types": [T names], "snapshots":
    [{"epoch": int, "vectors": T x E}, ...]}``, checked for that shape (at least one snapshot,
    every one ``T x E`` with the same ``E``)."""
    path = Path(run_dir) / EMBEDDINGS
    data = _json_object(path, "embedding snapshots")
    names, snapshots = data.get("node_types"), data.get("snapshots")

    def bad(what: str) -> RunFileError:
        return RunFileError(path, what, fix=fix_for(path))

    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise bad('"node_types" is not a list of operation names')
    if not isinstance(snapshots, list) or not snapshots:
        raise bad('"snapshots" is not a non-empty list')
    width = None
    for number, snapshot in enumerate(snapshots):
        if not isinstance(snapshot, dict) or not _is_int(snapshot.get("epoch")):
            raise bad(f"snapshot {number} has no integer \"epoch\"")
        vectors = snapshot.get("vectors")
        if not isinstance(vectors, list) or len(vectors) != len(names) or not all(
                isinstance(row, list) and row and all(_is_number(v) for v in row) for row in vectors):
            raise bad(f"snapshot {number} (epoch {snapshot['epoch']}) is not {len(names)} rows of numbers, "
                      "one per operation")
        lengths = {len(row) for row in vectors}
        if len(lengths) != 1 or (width is not None and lengths != {width}):
            raise bad(f"snapshot {number} (epoch {snapshot['epoch']}) has rows of different lengths")
        width = lengths.pop()
    return data


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# ---------------------------------------------------------------- history.csv
def load_history(run_dir: Path) -> pd.DataFrame:
    """``history.csv`` of a run: one row per epoch, every column numeric, an ``epoch`` column.
    An empty file gives an empty frame (no epoch finished)."""
    path = Path(run_dir) / HISTORY
    text = read_text(path)
    if not text.strip():
        return pd.DataFrame()
    try:
        frame = pd.read_csv(io.StringIO(text))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as error:
        found = re.search(r"line (\d+)", str(error))
        raise RunFileError(path, f"not a valid CSV table ({one_line(error, 120)})",
                           line=int(found.group(1)) if found else None, fix=fix_for(path)) from None
    if "epoch" not in frame.columns:
        raise RunFileError(path, "has no \"epoch\" column; not a history written by `python -m core train`",
                           line=1, fix=fix_for(path))
    for column in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column]):
            continue
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & frame[column].notna()
        row = int(bad.to_numpy().argmax()) if bad.any() else 0
        raise RunFileError(path, f"column {column!r} holds {one_line(repr(frame[column].iloc[row]), 40)}, "
                                 "not a number", line=row + 2, fix=fix_for(path))
    return frame


# ---------------------------------------------------------------- latents.parquet
def check_parquet(path: Path) -> list[str]:
    """The column names of a Parquet file, read from its footer only (cheap). Raises
    :class:`RunFileError` when it is not a complete Parquet file."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(size - 8, 0))
            tail = handle.read(8)
    except FileNotFoundError:
        raise _missing(path) from None
    except OSError as error:
        raise RunFileError(path, f"cannot be read ({error.strerror or error})", fix=fix_for(path)) from None
    if size < 12 or head != b"PAR1" or tail[4:] != b"PAR1":
        raise RunFileError(path, f"not a complete Parquet file ({size:,} bytes; truncated or damaged)",
                           fix=fix_for(path))
    footer = int.from_bytes(tail[:4], "little")
    if footer + 12 > size:
        raise RunFileError(path, "not a complete Parquet file (its footer is cut off)", fix=fix_for(path))
    import pyarrow.parquet as pq

    try:
        return list(pq.read_schema(path).names)
    except Exception as error:  # pyarrow's errors on a damaged footer
        raise RunFileError(path, f"not a readable Parquet file ({one_line(error, 120)})", fix=fix_for(path)) from None


def _check_latent_columns(path: Path, columns: list[str]) -> list[str]:
    latent = [c for c in columns if re.fullmatch(r"mu_\d+", c)]
    if "key" not in columns or not latent:
        raise RunFileError(path, "lacks the \"key\" and mu_0 .. mu_{d-1} columns; not latents written by training",
                           fix=fix_for(path))
    expected = [f"mu_{i}" for i in range(len(latent))]
    if sorted(latent, key=lambda c: int(c[3:])) != expected:
        raise RunFileError(path, f"its latent columns are not mu_0 .. mu_{len(latent) - 1}", fix=fix_for(path))
    return latent


def check_latents_file(path: Path) -> list[str]:
    """The ``mu_*`` columns of a ``latents.parquet``, read from its footer only (cheap).
    Raises :class:`RunFileError` when it is truncated, not Parquet, or lacks those columns."""
    return _check_latent_columns(Path(path), check_parquet(path))


def read_latents(run_dir: Path) -> pd.DataFrame:
    """``latents.parquet`` of a run: ``key``, ``split``, ``y``, (``y_test``), ``mu_0 .. mu_{d-1}``.

    Raises:
        RunFileError: it is missing (it is written at the end of training), truncated, not
            Parquet, lacks those columns, or holds non-numbers in them.
    """
    path = Path(run_dir) / LATENTS
    if not path.exists():
        raise RunFileError(path, "missing; it is written at the end of training",
                           fix=f"let training finish, or continue it with `python -m core train --space "
                               f"{_space_name(run_dir)} --out {Path(run_dir)} --resume`")
    check_latents_file(path)
    try:
        frame = pd.read_parquet(path)
    except Exception as error:  # pyarrow's errors on a damaged file
        raise RunFileError(path, f"not a readable Parquet file ({one_line(error, 120)})", fix=fix_for(path)) from None
    latent = _check_latent_columns(path, list(frame.columns))
    for column in latent:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            raise RunFileError(path, f"column {column} holds {frame[column].dtype}, not numbers", fix=fix_for(path))
    return frame


def latent_matrix(frame: pd.DataFrame):
    """The ``A x d`` numpy array of the ``mu_*`` columns of a latents frame."""
    columns = sorted((c for c in frame.columns if c.startswith("mu_")), key=lambda c: int(c[3:]))
    return frame[columns].to_numpy()


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
        raise _missing(path) from None
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
                        "encoding", "embedding_dim")


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
    from .models.dvae import DVAE
    from .spaces import get_space

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
        model = DVAE(model_config)
        model.load_state_dict(payload["state_dict"])
    except (RuntimeError, ValueError, TypeError, KeyError) as error:  # shape mismatches, missing weights
        raise RunFileError(path, f"its weights do not fit its model settings ({one_line(error, 120)})",
                           fix=fix_for(path)) from None
    model.to(device).eval()
    return model, config


def _torch_load(path: Path, device, what: str) -> Any:
    """``torch.load(path, weights_only=True)``, any failure a :class:`RunFileError`."""
    import torch

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
    if not _is_int(state["epoch"]) or state["epoch"] < 0:
        raise RunFileError(path, f"its epoch {state['epoch']!r} is not a count of epochs", fix=fix_for(path))
    return state


# ---------------------------------------------------------------- versions
def library_versions() -> dict[str, str]:
    import numpy
    import torch

    versions = {"python": platform.python_version(), "torch": torch.__version__, "numpy": numpy.__version__}
    from . import __version__

    versions["opembed"] = __version__
    return versions
