"""One run directory as an object: :class:`Run` reads each file once, on first use, through
the loaders of :mod:`core.runs`, and says what state the run is in.

A damaged file raises :class:`~core.errors.RunFileError` naming it; an absent optional file
reads as ``None``. The data directory is resolved once, when the run is opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from core.spaces.data_dir import resolve_data_dir
from core.errors import DataFileError, OpEmbedError
from core.runs.loaders import (
    latent_matrix, load_embeddings, load_history, load_metrics, load_smoothness, read_latent_keys, read_latents,
)
from core.runs.model_files import load_model
from core.runs.names import EMBEDDINGS, HISTORY, LATENTS, METRICS, MODEL, SMOOTHNESS
from core.runs.run_config import RunConfig, load_run_config
from core.runs.status import RUN_FILES, RunStatus, inspect_run, resolved_roots
from core.spaces import ArchitectureTable, SearchSpace, get_space
from core.spaces.node_order import node_ordered_table


def load_table(space: SearchSpace, data_dir: Path | None = None, run_dirs: Sequence[Path] = (),
               node_order: str = "stored") -> ArchitectureTable:
    """The space's table from its data, each cell in ``node_order``
    (:func:`core.spaces.node_order.node_ordered_table`); where the data file is missing and the
    space can rebuild its graphs from keys (ENAS), from the ``latents.parquet`` of the first of
    ``run_dirs`` that holds one. So the shipped enas6 runs open without a download.

    Raises:
        DataFileError: the data is missing and no run can stand in for it.
        RunFileError: the standing-in ``latents.parquet`` is damaged.
    """
    try:
        return node_ordered_table(space, space.load(data_dir), node_order, data_dir)
    except DataFileError:
        if not hasattr(space, "table_from_keys"):
            raise
        for run_dir in run_dirs:
            if (Path(run_dir) / LATENTS).is_file():
                frame = read_latent_keys(run_dir)
                table = space.table_from_keys(list(frame["key"]), frame["y"].to_numpy(), frame["split"].to_numpy())
                return node_ordered_table(space, table, node_order, data_dir)
        raise


class SpaceTables:
    """Search spaces' tables, each loaded once and shared by the runs of that space.

    Args:
        data_dir: where the data files live (resolved once).
    """

    def __init__(self, data_dir: str | Path | None = None):
        self.data_dir = resolve_data_dir(data_dir)
        self._loaded: dict[str, ArchitectureTable] = {}

    def load(self, space_name: str, run_dirs: Sequence[Path] = (), node_order: str = "stored") -> ArchitectureTable:
        """The table of ``space_name`` in ``node_order`` (``run_dirs``: see :func:`load_table`)."""
        key = space_name if node_order == "stored" else f"{space_name}:{node_order}"
        if key not in self._loaded:
            self._loaded[key] = load_table(get_space(space_name), self.data_dir, run_dirs, node_order)
        return self._loaded[key]


class Run:
    """A run directory, opened lazily.

    Args:
        path: the run directory.
        name: its display name (default: the folder's name).
        source: where it was found, ``"runs"`` or ``"demo"``.
        data_dir: where the space's data file lives (resolved once: ``--data-dir``, else
            ``$OPEMBED_DATA_DIR``, else the user cache).
        roots: resolved folders whose files may be read (default: the run's parent);
            a run file that links out of them makes the run broken.
        table_runs: runs whose keys may stand in for a missing data file (default: this one).
        tables: the tables shared with other runs (default: this run's own).

    Example:
        >>> run = Run.open("assets/demo/enas6-learned")
        >>> run.status.state, run.config.space, run.latents.shape
        ('complete', 'enas6', (19020, 59))
    """

    def __init__(self, path: str | Path, name: str | None = None, source: str = "runs",
                 data_dir: str | Path | None = None, roots: Sequence[Path] | None = None,
                 table_runs: Sequence[Path] | None = None, tables: SpaceTables | None = None):
        self.path = Path(path)
        self.name = name or self.path.name
        self.source = source
        self.data_dir = resolve_data_dir(data_dir)
        self.roots = tuple(roots) if roots is not None else resolved_roots([self.path.parent])
        self.table_runs = tuple(Path(p) for p in table_runs) if table_runs is not None else (self.path,)
        self.tables = tables if tables is not None else SpaceTables(self.data_dir)

    @classmethod
    def open(cls, path: str | Path, **options) -> Run:
        """The run in ``path`` (nothing is read until asked for; ``options``: see :class:`Run`)."""
        return cls(path, **options)

    def __repr__(self) -> str:
        return f"Run({str(self.path)!r}, name={self.name!r})"

    # -- files --------------------------------------------------------------------------------
    def file(self, name: str) -> Path:
        """The path of a run file (``core.runs.names``)."""
        return self.path / name

    def has(self, name: str) -> bool:
        return self.file(name).exists()

    def version(self) -> int:
        """The newest modification time (ns) of the run's files, read now: it changes
        whenever a file of the run is written (a cache key)."""
        return max((self.mtime(name) for name in (*RUN_FILES, SMOOTHNESS)), default=-1)

    def mtime(self, name: str) -> int:
        """Modification time (ns) of a run file, -1 when absent: part of cache keys."""
        try:
            return self.file(name).stat().st_mtime_ns
        except OSError:
            return -1

    # -- what it is ---------------------------------------------------------------------------
    @cached_property
    def _inspected(self) -> tuple[RunStatus, RunConfig | None]:
        return inspect_run(self.path, self.name, self.roots)

    @property
    def status(self) -> RunStatus:
        """Complete, missing metrics, training or broken (with the file and a fix)."""
        return self._inspected[0]

    @cached_property
    def config(self) -> RunConfig:
        """``config.json``. Raises ``RunFileError`` when it is missing or damaged."""
        inspected = self.__dict__.get("_inspected")  # the status read it already
        return inspected[1] if inspected and inspected[1] else load_run_config(self.path)

    @property
    def space_name(self) -> str | None:
        """The space's name, or ``None`` when ``config.json`` does not read."""
        return self._config_or_none().space if self._config_or_none() else None

    @property
    def encoding(self) -> str | None:
        """The encoding (``ModelConfig.encoding``), or ``None`` when ``config.json`` does not read."""
        return self._config_or_none().encoding if self._config_or_none() else None

    def _config_or_none(self) -> RunConfig | None:
        try:
            return self.config
        except OpEmbedError:
            return None

    @cached_property
    def encoder(self):
        """The model's operation encoding (``core.models.encodings``, the encoder's torch-free
        half): its display name ("D-VAE", "DVAE-EMB"), whether it saves embeddings, its snapshots."""
        from core.models.encodings import encoding_class

        return encoding_class(self.config.encoding)

    @cached_property
    def space(self) -> SearchSpace:
        return get_space(self.config.space)

    @cached_property
    def table(self) -> ArchitectureTable:
        """The space's table (this run's keys stand in for a missing ENAS data file)."""
        return self.tables.load(self.config.space, self.table_runs, self.config.node_order)

    # -- what it holds ------------------------------------------------------------------------
    @cached_property
    def history(self) -> pd.DataFrame | None:
        """``history.csv``, or ``None`` when it is absent or no epoch has finished."""
        frame = load_history(self.path) if self.has(HISTORY) else None
        return frame if frame is not None and len(frame) else None

    @cached_property
    def metrics(self) -> dict | None:
        return load_metrics(self.path) if self.has(METRICS) else None

    @cached_property
    def smoothness(self) -> dict | None:
        return load_smoothness(self.path) if self.has(SMOOTHNESS) else None

    @cached_property
    def embeddings(self) -> dict | None:
        """``embeddings.json``: ``{"node_types", "snapshots": [{"epoch", "vectors"}]}``."""
        return load_embeddings(self.path) if self.has(EMBEDDINGS) else None

    @cached_property
    def latents(self) -> pd.DataFrame | None:
        """``latents.parquet``: ``key``, ``split``, ``y``, (``y_test``), ``mu_0 .. mu_{d-1}``."""
        return read_latents(self.path) if self.has(LATENTS) else None

    def latent_of(self, key: str) -> np.ndarray | None:
        """The latent mean (``latent_dim``, float32) of one architecture, or ``None``."""
        frame = self.latents
        if frame is None:
            return None
        rows = np.flatnonzero(frame["key"].to_numpy() == key)
        return None if len(rows) == 0 else latent_matrix(frame.iloc[rows[:1]])[0].astype(np.float32)

    def latent_spread(self) -> float:
        """RMS distance of the latent means from their mean (1 without latents): the scale
        of great-circle radii."""
        if self.latents is None:
            return 1.0
        mu = latent_matrix(self.latents)
        return float(np.sqrt(((mu - mu.mean(0)) ** 2).sum(1).mean()))

    def read_all(self) -> Run:
        """Read every file of the run now (config, history, metrics, smoothness, embeddings,
        latents), so that a damaged one raises ``RunFileError`` before any work is written."""
        for part in ("config", "history", "metrics", "smoothness", "embeddings", "latents"):
            getattr(self, part)
        return self

    @cached_property
    def model(self):
        """The trained model (CPU, eval mode), or ``None`` when ``model.pt`` is absent.
        Raises ``RunFileError`` when it is damaged or does not fit the run."""
        return load_model(self.path, "cpu")[0] if self.has(MODEL) else None
