"""A trained run under another space with the same architectures (``python -m core relabel``).

NAS-Bench-Graph's datasets (``nbg-cora``, ``nbg-citeseer``, ``nbg-pubmed`` ...) hold the same
26,206 architectures in the same order, with the same training split; only the accuracies
differ. A VAE never reads the accuracies (its loss is a function of the graphs alone; the
tests train with ``y = NaN`` and get the same weights), so a model trained on one of them *is*
the model training on another would give, weight for weight. Relabelling copies the run
under the other space's labels instead of training again:

* ``config.json``: the same model and training configs, ``space`` the new one, and
  ``relabelled_from`` naming the source run and its space;
* ``model.pt``, ``history.csv`` and ``embeddings.json``: copied byte for byte;
* ``latents.parquet``: the same latent means, with ``split``, ``y`` and ``y_test`` the new
  space's;
* ``metrics.json``: the label-free parts only (reconstruction, prior validity, uniqueness,
  novelty, their constrained versions). The GP figures depend on the labels: run
  ``python -m core evaluate OUT --parts gp`` for them.

Projections, smoothness figures and BO results are not copied: they are recomputed with the
new labels by their own commands.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from core.errors import OpEmbedError, RunDirError
from core.runs.files import atomic_write_bytes, atomic_write_json, atomic_write_parquet, remove_stale_temp_files
from core.runs.loaders import load_config, load_metrics, read_latents
from core.runs.names import CONFIG, EMBEDDINGS, HISTORY, LATENTS, METRICS, MODEL
from core.runs.run import load_table
from core.spaces import get_space
from core.cli.validation import check_output_dir, run_entries

LABEL_FREE_METRICS = ("recon_accuracy", "validity", "uniqueness", "novelty", "num_prior_decodes",
                      "constrained_recon_accuracy", "constrained_validity", "constrained_uniqueness",
                      "constrained_novelty")
GRAPH_FIELDS = ("keys", "op_ids", "adjacency", "num_nodes", "split")


def relabel_run(source: Path, space_name: str, out: Path, data_dir: Path | None = None) -> Path:
    """Write ``out``: the run ``source`` under the labels of ``space_name``.

    Args:
        source: a finished run (``config.json``, ``model.pt``, ``latents.parquet``).
        space_name: the space whose labels the copy takes; it must hold the same
            architectures as the source's space, in the same order, with the same split.
        out: the new run directory (absent or empty).
        data_dir: where the spaces' data files live.

    Returns:
        ``out``.

    Raises:
        OpEmbedError: the spaces differ in their architectures, or ``out`` holds run files.
        RunDirError / RunFileError: the source lacks a file or has a damaged one.
    """
    source, out = Path(source), Path(out)
    config = load_config(source)
    for name in (MODEL, LATENTS):
        if not (source / name).is_file():
            raise RunDirError(f"{source / name}: missing; relabel copies a finished run "
                              f"(finish it with `python -m core train ... --out {source} --resume`)")
    latents = read_latents(source)
    old_space, new_space = get_space(config["space"]), get_space(space_name)
    old_table = load_table(old_space, data_dir, (source,))
    new_table = load_table(new_space, data_dir)
    _check_same_architectures(old_table, new_table, old_space.name, new_space.name)
    if list(latents["key"]) != list(new_table.keys):
        raise RunDirError(f"{source / LATENTS}: its rows are not the architectures of {old_space.name} in order "
                          "(re-encode the run)")
    metrics = load_metrics(source) if (source / METRICS).exists() else None
    _check_out(out)

    out.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(out)
    atomic_write_json(out / CONFIG, {**config, "space": new_space.name,
                                     "relabelled_from": {"run": str(source), "space": old_space.name}})
    for name in (MODEL, HISTORY, EMBEDDINGS):  # the order train writes them in
        if (source / name).is_file():
            atomic_write_bytes(out / name, (source / name).read_bytes())
    if metrics is not None:
        kept = {key: metrics[key] for key in LABEL_FREE_METRICS if key in metrics}
        atomic_write_json(out / METRICS, {"run": str(out), "space": new_space.name,
                                          "encoding": metrics.get("encoding"), **kept,
                                          "eval_config": metrics.get("eval_config"),
                                          "relabelled_from": str(source)})
    frame = latents.copy()
    frame["y"] = np.asarray(new_table.y, dtype=np.float64)
    frame["y_test"] = None if new_table.y_test is None else np.asarray(new_table.y_test, dtype=np.float64)
    atomic_write_parquet(out / LATENTS, frame)  # last, as train writes it: its presence marks a finished run
    return out


def _check_same_architectures(old, new, old_name: str, new_name: str) -> None:
    """That two tables hold the same graphs in the same order with the same split (the latents'
    ``split`` column stays as it is)."""
    for field in GRAPH_FIELDS:
        a, b = getattr(old, field), getattr(new, field)
        same = list(a) == list(b) if field == "keys" else np.array_equal(np.asarray(a), np.asarray(b))
        if not same:
            raise OpEmbedError(
                f"relabel {old_name} -> {new_name}: the two spaces differ in their architectures ({field}); "
                "a trained model can only take the labels of a space with the same architectures in the same "
                "order\n  fix: relabel between NAS-Bench-Graph datasets (nbg-cora, nbg-citeseer, nbg-pubmed ...), "
                "or train a model on the space")


def _check_out(out: Path) -> None:
    """``out`` can be written and holds no run files."""
    check_output_dir(out, "--out")
    found = run_entries(out)
    if found:
        raise OpEmbedError(f"--out {out}: already holds run files ({', '.join(found)}); relabel writes a new run\n"
                           "  fix: choose an empty or new folder")
