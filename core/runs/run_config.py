"""``config.json`` as a typed, frozen :class:`RunConfig`.

Every ``config.json`` written so far reads back, the shipped demo and study runs included:
fields a run's version did not write take their defaults (the model's node-type count and
size from its space), and unknown fields are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from core.config import Encoding, ModelConfig, ModelName, TrainConfig, from_dict, to_dict
from core.errors import RunFileError, one_line
from core.runs.files import atomic_write_json, fix_for
from core.runs.loaders import load_config
from core.runs.names import CONFIG
from core.spaces import get_space
from core.spaces.node_order import NODE_ORDERS


@dataclass(frozen=True)
class RunConfig:
    """What a run records about itself in ``config.json`` (written once by ``train``).

    Example:
        >>> config = load_run_config(Path("assets/demo/enas6-learned"))
        >>> config.space, config.model.model, config.model.encoding, config.train.epochs
        ('enas6', 'dvae', 'learned', 120)
    """

    space: str  # the search space's name, e.g. "enas6" or "nbg-cora"
    model: ModelConfig  # the model's arguments: the run rebuilds its model from them
    train: TrainConfig  # the optimisation
    node_types: tuple[str, ...] = ()  # node-type names by type id (input, output, operations)
    preset: str | None = None  # the --preset training started from (None: flags only)
    versions: Mapping[str, str] = field(default_factory=dict)  # python, torch, numpy, opembed
    device: str | None = None  # where it trained, e.g. "cpu" or "cuda:0"
    node_order: str = "stored"  # which of each cell's node orders it trained on (core.spaces.node_order);
    # runs from before the canonical order read as "stored"

    @property
    def encoding(self) -> Encoding:
        """How operations enter the model (``ModelConfig.encoding``)."""
        return self.model.encoding

    def to_json(self) -> dict[str, Any]:
        """The ``config.json`` object, in the order ``train`` writes it."""
        return {
            "space": self.space,
            "preset": self.preset,
            "model": to_dict(self.model),
            "train": to_dict(self.train),
            "node_types": list(self.node_types),
            "versions": dict(self.versions),
            "device": self.device,
            "node_order": self.node_order,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], path: Path) -> RunConfig:
        """A config from a ``config.json`` object already checked by :func:`load_config`.

        Raises:
            RunFileError: the ``model`` or ``train`` object is missing or incomplete, or names
                an unknown encoding or model (``path`` is named).
        """
        space = get_space(data["space"])
        model = _object(data, "model", path)
        encodings = get_args(Encoding)
        if model.get("encoding") not in encodings:
            raise RunFileError(path, '"model.encoding" must be ' + " or ".join(f'"{e}"' for e in encodings),
                               fix=fix_for(path))
        models = get_args(ModelName)
        if model.get("model", "dvae") not in models:  # runs from before --model are D-VAE runs
            raise RunFileError(path, '"model.model" must be ' + " or ".join(f'"{m}"' for m in models),
                               fix=fix_for(path))
        node_order = data.get("node_order", "stored")
        if node_order not in NODE_ORDERS:
            raise RunFileError(path, f'"node_order" is {node_order!r}, which {data["space"]} does not know; use '
                               + " or ".join(f'"{o}"' for o in NODE_ORDERS), fix=fix_for(path))
        sized = {"num_node_types": space.num_node_types, "max_nodes": space.max_nodes, **model}
        names = data.get("node_types")
        versions = data.get("versions") if isinstance(data.get("versions"), dict) else {}
        return cls(
            space=data["space"],
            model=_dataclass(ModelConfig, sized, "model", path),
            train=_dataclass(TrainConfig, _object(data, "train", path), "train", path),
            node_types=tuple(names) if _is_names(names) else tuple(space.node_type_names),
            preset=data.get("preset") if isinstance(data.get("preset"), str) else None,
            versions={str(k): str(v) for k, v in versions.items()},
            device=data.get("device") if isinstance(data.get("device"), str) else None,
            node_order=node_order,
        )


def _object(data: dict, key: str, path: Path) -> dict:
    if not isinstance(data.get(key), dict):
        raise RunFileError(path, f'has no "{key}" object', fix=fix_for(path))
    return data[key]


def _dataclass(cls, values: dict, key: str, path: Path):
    try:
        return from_dict(cls, values)
    except TypeError as error:  # a required field is absent
        raise RunFileError(path, f'"{key}" is incomplete ({one_line(error)})', fix=fix_for(path)) from None


def _is_names(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def load_run_config(run_dir: Path) -> RunConfig:
    """The :class:`RunConfig` of a run directory.

    Raises:
        RunDirError: ``run_dir`` is not a folder.
        RunFileError: ``config.json`` is missing, damaged or incomplete.
    """
    return RunConfig.from_json(load_config(run_dir), Path(run_dir) / CONFIG)


def save_run_config(run_dir: Path, config: RunConfig) -> None:
    """Write ``config.json`` atomically."""
    atomic_write_json(Path(run_dir) / CONFIG, config.to_json())
