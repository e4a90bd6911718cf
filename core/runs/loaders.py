"""One loader per kind of run file (``config.json`` as a dict, ``metrics.json``,
``smoothness.json``, ``bo/*.json``, ``embeddings.json``, ``history.csv``,
``latents.parquet``), each checking the shape of what it reads and naming the file (and
line) of any problem in a :class:`~core.errors.RunFileError`. No torch.
"""

from __future__ import annotations

import io
import math
import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from core.config import ModelConfig, TrainConfig, from_dict
from core.errors import OpEmbedError, RunDirError, RunFileError, one_line
from core.runs.files import (
    fix_for, json_type_name, missing_file, read_json_object, read_text, space_name_for_advice,
)
from core.runs.names import BO_DIR, CONFIG, EMBEDDINGS, HISTORY, LATENTS, METRICS, SMOOTHNESS
from core.spaces import get_space


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
    run_dir = Path(run_dir)
    path = run_dir / CONFIG
    if not run_dir.is_dir():
        if run_dir.exists():
            raise RunDirError(f"{run_dir}: is a file, not a run directory")
        raise RunDirError(f"{run_dir}: no such run directory")
    if not path.exists():
        raise RunFileError(path, "missing; this is not a run directory",
                           fix="train one with `python -m core train --space SPACE --out RUN`")
    config = read_json_object(path, "a run's config")
    if not isinstance(config.get("space"), str):
        raise RunFileError(path, 'has no "space" entry; not a config written by `python -m core train`',
                           fix=fix_for(path))
    for key in ("model", "train"):  # needed where they are used (model_config_of, train_config_of)
        if key in config and not isinstance(config[key], dict):
            raise RunFileError(path, f'its "{key}" entry is a {json_type_name(config[key])}, not an object',
                               fix=fix_for(path))
    try:
        get_space(config["space"])
    except OpEmbedError:
        raise RunFileError(path, f"names an unknown search space {config['space']!r}", fix=fix_for(path)) from None
    return config


def space_name_of(run_dir: Path) -> str:
    """The search space a run was trained on (``config.json``'s ``"space"``), checked like
    :func:`load_config` does, without requiring the model and train objects."""
    return load_config(run_dir)["space"]


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
METRIC_NUMBERS = ("recon_accuracy", "validity", "uniqueness", "novelty", "rmse", "rmse_std", "pearson",
                  "pearson_std", "constrained_recon_accuracy", "constrained_validity", "constrained_uniqueness",
                  "constrained_novelty")
SMOOTHNESS_NUMBERS = ("pearson_edit", "spearman_edit", "pearson_y", "spearman_y", "knn_accuracy_spread",
                      "random_accuracy_spread", "knn_edit_distance", "random_edit_distance")


def _check_numbers(path: Path, data: dict, keys: tuple[str, ...]) -> dict:
    """Each of ``keys`` present in ``data`` is a finite number (or null, a figure not computed)."""
    for key in keys:
        value = data.get(key)
        if value is not None and not is_number(value):
            raise RunFileError(path, f'"{key}" is {one_line(repr(value), 40)}, not a finite number',
                               fix=fix_for(path))
    return data


def load_metrics(run_dir: Path) -> dict:
    """``metrics.json`` of a run (written by ``python -m core evaluate``); its figures checked
    to be finite numbers."""
    path = Path(run_dir) / METRICS
    return _check_numbers(path, read_json_object(path, "evaluation metrics"), METRIC_NUMBERS)


def load_smoothness(run_dir: Path) -> dict:
    """``smoothness.json`` of a run (written by ``python -m core smoothness``); its figures
    checked to be finite numbers."""
    path = Path(run_dir) / SMOOTHNESS
    return _check_numbers(path, read_json_object(path, "smoothness numbers"), SMOOTHNESS_NUMBERS)


# ---------------------------------------------------------------- bo/<method>-seed<S>.json
def load_bo_result(path: Path) -> dict:
    """One Bayesian-optimisation result file (``RUN/bo/<method>-seed<S>.json``), checked for
    ``method``, ``seed`` and ``rounds`` (each round with ``values`` and ``status`` lists)."""
    path = Path(path)
    data = read_json_object(path, "a BO search")
    if not isinstance(data.get("method"), str) or not is_int(data.get("seed")):
        raise RunFileError(path, 'has no "method" and integer "seed"; not written by `python -m core bo`',
                           fix=fix_for(path))
    named = re.fullmatch(r"(.+)-seed(\d+)\.json", path.name)
    if named and (named.group(1) != data["method"] or int(named.group(2)) != data["seed"]):
        raise RunFileError(path, f'says method {data["method"]!r}, seed {data["seed"]}, but its name says '
                                 f"{named.group(1)!r}, seed {int(named.group(2))}", fix=fix_for(path))
    rounds = data.get("rounds")
    if not isinstance(rounds, list) or not all(
            isinstance(r, dict) and isinstance(r.get("values"), list) and isinstance(r.get("status"), list)
            for r in rounds):
        raise RunFileError(path, '"rounds" is not a list of rounds with "values" and "status"', fix=fix_for(path))
    for number, record in enumerate(rounds):
        if len(record["values"]) != len(record["status"]) or not all(
                value is None or is_number(value) for value in record["values"]):
            raise RunFileError(path, f"round {number}: its values are not numbers (or null), one per status",
                               fix=fix_for(path))
    return data


# ---------------------------------------------------------------- embeddings.json
def load_embeddings(run_dir: Path) -> dict:
    """``embeddings.json`` of a learned run: ``{"node_types": [T names], "snapshots":
    [{"epoch": int, "vectors": T x E}, ...]}``, checked for that shape (at least one snapshot,
    every one ``T x E`` with the same ``E``)."""
    path = Path(run_dir) / EMBEDDINGS
    data = read_json_object(path, "embedding snapshots")
    names, snapshots = data.get("node_types"), data.get("snapshots")

    def bad(what: str) -> RunFileError:
        return RunFileError(path, what, fix=fix_for(path))

    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise bad('"node_types" is not a list of operation names')
    if not isinstance(snapshots, list) or not snapshots:
        raise bad('"snapshots" is not a non-empty list')
    width = None
    for number, snapshot in enumerate(snapshots):
        if not isinstance(snapshot, dict) or not is_int(snapshot.get("epoch")):
            raise bad(f"snapshot {number} has no integer \"epoch\"")
        vectors = snapshot.get("vectors")
        if not isinstance(vectors, list) or len(vectors) != len(names) or not all(
                isinstance(row, list) and row and all(is_number(v) for v in row) for row in vectors):
            raise bad(f"snapshot {number} (epoch {snapshot['epoch']}) is not {len(names)} rows of numbers, "
                      "one per operation")
        lengths = {len(row) for row in vectors}
        if len(lengths) != 1 or (width is not None and lengths != {width}):
            raise bad(f"snapshot {number} (epoch {snapshot['epoch']}) has rows of different lengths")
        width = lengths.pop()
    return data


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
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
    for required in ("epoch", "loss"):
        if required not in frame.columns:
            raise RunFileError(path, f"has no \"{required}\" column; not a history written by `python -m core train`",
                               line=1, fix=fix_for(path))
    if frame.empty:  # the header alone: no epoch has finished
        return frame.astype(np.float64)
    for column in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column]):
            continue
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() & frame[column].notna()
        row = int(bad.to_numpy().argmax()) if bad.any() else 0
        raise RunFileError(path, f"column {column!r} holds {one_line(repr(frame[column].iloc[row]), 40)}, "
                                 "not a number", line=row + 2, fix=fix_for(path))
    infinite = np.isinf(frame.to_numpy(dtype=np.float64))
    if infinite.any():
        row, column = (int(i) for i in np.argwhere(infinite)[0])
        raise RunFileError(path, f"column {frame.columns[column]!r} holds an infinite value", line=row + 2,
                           fix=fix_for(path))
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
        raise missing_file(path) from None
    except OSError as error:
        raise RunFileError(path, f"cannot be read ({error.strerror or error})", fix=fix_for(path)) from None
    if size < 12 or head != b"PAR1" or tail[4:] != b"PAR1":
        raise RunFileError(path, f"not a complete Parquet file ({size:,} bytes; truncated or damaged)",
                           fix=fix_for(path))
    footer = int.from_bytes(tail[:4], "little")
    if footer + 12 > size:
        raise RunFileError(path, "not a complete Parquet file (its footer is cut off)", fix=fix_for(path))
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
                               f"{space_name_for_advice(run_dir)} --out {Path(run_dir)} --resume`")
    check_latents_file(path)
    try:
        frame = pd.read_parquet(path)
    except Exception as error:  # pyarrow's errors on a damaged file
        raise RunFileError(path, f"not a readable Parquet file ({one_line(error, 120)})", fix=fix_for(path)) from None
    latent = _check_latent_columns(path, list(frame.columns))
    _check_latent_values(path, frame, latent)
    return frame


def _check_latent_values(path: Path, frame: pd.DataFrame, latent: list[str]) -> None:
    """Rows, the columns every reader needs, numbers where numbers belong, finite latent
    means and string keys (a key may repeat where the space's data repeats it: ENAS does)."""
    for column in ("split", "y"):
        if column not in frame.columns:
            raise RunFileError(path, f'lacks the "{column}" column; not latents written by training', fix=fix_for(path))
    if frame.empty:
        raise RunFileError(path, "holds no rows; not latents written by training", fix=fix_for(path))
    for column in (*latent, "y"):
        dtype = frame[column].dtype
        if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            raise RunFileError(path, f"column {column} holds {dtype}, not numbers", fix=fix_for(path))
    values = frame[latent].to_numpy(dtype=np.float64)
    if not np.isfinite(values).all():
        row = int(np.argwhere(~np.isfinite(values))[0][0])
        raise RunFileError(path, f"row {row} (key {one_line(frame['key'].iloc[row], 60)}) has a latent mean that is "
                                 "NaN or infinite", fix=fix_for(path))
    keys = frame["key"]
    if not pd.api.types.is_string_dtype(keys) and not keys.map(lambda k: isinstance(k, str)).all():
        raise RunFileError(path, 'column "key" does not hold strings', fix=fix_for(path))


def latent_matrix(frame: pd.DataFrame) -> np.ndarray:
    """The ``A x d`` numpy array of the ``mu_*`` columns of a latents frame."""
    columns = sorted((c for c in frame.columns if c.startswith("mu_")), key=lambda c: int(c[3:]))
    return frame[columns].to_numpy()


def read_latent_keys(run_dir: Path) -> pd.DataFrame:
    """The ``key``, ``split`` and ``y`` columns of a run's ``latents.parquet`` only (the
    architectures, in table order, without the latent means: cheap).

    Raises:
        RunFileError: as :func:`read_latents`.
    """
    path = Path(run_dir) / LATENTS
    if not path.exists():
        raise missing_file(path)
    check_latents_file(path)
    try:
        return pd.read_parquet(path, columns=["key", "split", "y"])
    except Exception as error:  # pyarrow's errors on a damaged file, or a column missing
        raise RunFileError(path, f"not a readable Parquet file ({one_line(error, 120)})", fix=fix_for(path)) from None


def read_projection(path: Path) -> pd.DataFrame | None:
    """A cached 2-D projection (``projections/*.parquet``: ``key``, ``x``, ``y``), or
    ``None`` when it is absent, damaged or not such a frame: a cache is recomputed, never
    reported."""
    try:
        frame = pd.read_parquet(path)
    except Exception:  # absent, or pyarrow's errors on a damaged file
        return None
    return frame if list(frame.columns) == ["key", "x", "y"] else None
