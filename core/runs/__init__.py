"""The run directory: its files, how they are written and read, and :class:`Run`.

A run directory holds::

    config.json       space, model and training configs, library versions (RunConfig)
    model.pt          {"state_dict", "model_config", "space", "epoch"} (load with weights_only=True)
    checkpoint.pt     model + optimiser + scheduler + random states, for --resume
    history.csv       one row per epoch: loss parts (per graph), lr, seconds
    embeddings.json   operation names and embedding vectors at each checkpoint (learned runs)
    metrics.json      written by `python -m core evaluate`
    latents.parquet   key, split, y, y_test, mu_0 .. mu_{d-1} for every architecture
    projections/      cached 2-D projections (umap / pca / tsne)
    smoothness.json   written by `python -m core smoothness`
    bo/               Bayesian-optimisation results
    compact.json      marks a compact seed run: figures kept, model and latents left out (.compact)

Nothing outside this package parses these files. Modules:

* :mod:`.names`: the file names.
* :mod:`.files`: atomic writes, stale temp files, the ``fix:`` advice, text and JSON.
* :mod:`.loaders`: one checked loader per kind of file (no torch).
* :mod:`.model_files`: ``model.pt`` / ``checkpoint.pt`` (torch only inside the loaders).
* :mod:`.run_config`: ``config.json`` as a typed :class:`RunConfig`.
* :mod:`.status`: complete / missing metrics / training / broken, naming the file.
* :mod:`.compact`: a run's compact copy (its figures, no model or latents) for seed groups.
* :mod:`.run`: :class:`Run`, lazy cached access to all of the above, and :func:`load_table`.

A loader turns any failure to parse into a :class:`~core.errors.RunFileError` that reads
``PATH[:LINE]: what is wrong`` plus a ``fix:`` line. Importing this package does not import
torch.
"""

from core.runs.files import (
    TEMP_SUFFIX, atomic_write_bytes, atomic_write_csv, atomic_write_json, atomic_write_parquet, atomic_write_text,
    fix_for, read_json, read_text, remove_stale_temp_files,
)
from core.runs.loaders import (
    check_latents_file, check_parquet, latent_matrix, load_bo_result, load_config, load_embeddings, load_history,
    load_metrics, load_smoothness, model_config_of, read_latent_keys, read_latents, read_projection, space_name_of,
    train_config_of,
)
from core.runs.model_files import (
    CHECKPOINT_KEYS, MODEL_FIELDS_CHECKED, PEEK_LIMIT, atomic_torch_save, check_torch_file, library_versions,
    load_checkpoint, load_model, model_mismatch, peek_model,
)
from core.runs.names import (
    BO_DIR, CHECKPOINT, COMPACT, CONFIG, EMBEDDINGS, HISTORY, LATENTS, METRICS, MODEL, PROJECTIONS, SMOOTHNESS,
)
from core.runs.run import Run, SpaceTables, load_table
from core.runs.run_config import RunConfig, load_run_config, save_run_config
from core.runs.status import (
    BROKEN, COMPACT_STATE, COMPLETE, MISSING_METRICS, RUN_FILES, STATUSES, TRAINING, RunStatus, inside,
    resolved_roots,
)

__all__ = [
    "BO_DIR", "BROKEN", "CHECKPOINT", "COMPACT", "COMPACT_STATE", "CHECKPOINT_KEYS", "COMPLETE", "CONFIG", "EMBEDDINGS", "HISTORY", "LATENTS",
    "METRICS", "MISSING_METRICS", "MODEL", "MODEL_FIELDS_CHECKED", "PEEK_LIMIT", "PROJECTIONS", "RUN_FILES",
    "SMOOTHNESS", "STATUSES", "TEMP_SUFFIX", "TRAINING", "Run", "RunConfig", "RunStatus", "SpaceTables", "atomic_torch_save",
    "atomic_write_bytes", "atomic_write_csv", "atomic_write_json", "atomic_write_parquet", "atomic_write_text",
    "check_latents_file", "check_parquet", "check_torch_file", "fix_for", "inside", "latent_matrix",
    "library_versions", "load_bo_result", "load_checkpoint", "load_config", "load_embeddings", "load_history",
    "load_metrics", "load_model", "load_run_config", "load_smoothness", "load_table", "model_config_of",
    "model_mismatch", "peek_model", "read_json", "read_latent_keys", "read_latents", "read_projection", "remove_stale_temp_files",
    "resolved_roots", "save_run_config", "space_name_of", "train_config_of",
]
