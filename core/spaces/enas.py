"""The ENAS macro search space, as D-VAE encodes it (``final_structures<L>.txt``).

Each line of the data file is ``[[op], [op, b], [op, b, b], ...], accuracy``: layer ``i``
(0-based) has an operation id and ``i`` skip bits. As a DAG, node 0 is the input, layer
``i`` is node ``i + 1`` and always takes node ``i`` as input; skip bit ``j`` of layer ``i``
adds the edge ``j -> i + 1``. The output node ``L + 1`` takes only node ``L``.

The key of an architecture is D-VAE's flat string: the nested row flattened into
space-separated integers, per layer its op id then its skip bits (``"1 4 0 5 0 0 ..."``).
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

from core.spaces.data_dir import resolve_data_dir
from core.errors import DataFileError
from core.spaces.dvae_lines import LineParts, parse_dvae_line, read_lines
from core.spaces.base import END_TYPE, START_TYPE, ArchitectureTable, SearchSpace
from core.spaces.constraints import DecodeConstraints

ENAS_OPS = ["conv3", "sep3", "conv5", "sep5", "avg3", "max3"]
BURN_IN = 1000  # leading lines of the file the reference protocol leaves out
TRAIN_FRACTION = 0.9
LINE_FORMAT = "[[op], [op, skip], [op, skip, skip], ...], accuracy"
ENAS_LINE_PARTS = LineParts(LINE_FORMAT, node="layer", type_name="op id", bit="skip bit", value="accuracy")


class EnasSpace(SearchSpace):
    """ENAS macro space with ``num_layers`` layers (D-VAE's ``final_structures<L>.txt``).

    Args:
        num_layers: Layers per architecture. Default 6, the dataset D-VAE ships.

    Example:
        >>> space = EnasSpace()
        >>> table = space.load()  # doctest: +SKIP
        >>> space.max_nodes
        8
    """

    op_names = ENAS_OPS
    objective_name = "validation accuracy"
    test_name = None

    def __init__(self, num_layers: int = 6):
        if num_layers < 1:
            raise ValueError(f"num_layers must be at least 1, got {num_layers}")
        self.num_layers = num_layers
        self.name = f"enas{num_layers}"
        self.max_nodes = num_layers + 2
        self.file_name = f"final_structures{num_layers}.txt"

    # -- data -----------------------------------------------------------------------------
    def data_path(self, data_dir: str | Path | None = None) -> Path:
        """Where :meth:`load` reads the data file from."""
        return resolve_data_dir(data_dir) / self.file_name

    def load(self, data_dir: str | Path | None = None) -> ArchitectureTable:
        """Read the data file into a table, split as the reference protocol does: leave out
        the first 1,000 lines, shuffle the rest with ``random.Random(0).shuffle``, first 90 %
        train, the rest test. Rows are stored in that shuffled order.

        Args:
            data_dir: Directory holding the file; resolved with ``resolve_data_dir``.

        Returns:
            The table; ``y`` is the accuracy, ``y_test`` is ``None``.

        Raises:
            DataFileError: The file is missing, malformed (file and line named), or has no
                lines after the first 1,000.
        """
        path = self.data_path(data_dir)
        if not path.is_file():
            if self.num_layers == 6:
                fix = "run `python -m core fetch enas6` or pass --data-dir / set OPEMBED_DATA_DIR"
            else:
                fix = (
                    f"put {self.file_name} into the data directory, or pass --data-dir / "
                    "set OPEMBED_DATA_DIR"
                )
            raise DataFileError(path, "data file not found", fix=fix)
        flat, accuracy = self._parse_file(path)
        if len(accuracy) <= BURN_IN:
            raise DataFileError(
                path,
                f"has {len(accuracy)} architectures; the first {BURN_IN} are left out, "
                "so at least one more is needed",
            )
        flat, accuracy = flat[BURN_IN:], accuracy[BURN_IN:]

        order = list(range(len(accuracy)))
        random.Random(0).shuffle(order)  # the same permutation as shuffling the row list
        order = np.asarray(order)
        flat, accuracy = flat[order], accuracy[order]

        op_ids, adjacency = self._dense_from_flat(flat)
        count = len(accuracy)
        split = np.full(count, "test", dtype=object)
        split[: int(count * TRAIN_FRACTION)] = "train"
        keys = [" ".join(map(str, row)) for row in flat.tolist()]
        return ArchitectureTable(
            keys=keys,
            op_ids=op_ids,
            adjacency=adjacency,
            num_nodes=np.full(count, self.max_nodes, dtype=np.int64),
            y=accuracy,
            y_test=None,
            split=split.astype(str),
        )

    def table_from_keys(self, keys: list[str], y: np.ndarray, split: np.ndarray) -> ArchitectureTable:
        """The table rebuilt from keys alone (a run's ``latents.parquet`` holds every key, its
        accuracy and split, in table order): the shipped enas6 runs need no data download.

        Raises:
            ValueError: a key is not ``num_layers`` ops with their skip bits.
        """
        width = self.num_layers + self.num_layers * (self.num_layers - 1) // 2
        flat = np.array([[int(part) for part in key.split()] for key in keys], dtype=np.int64)
        if flat.ndim != 2 or flat.shape[1] != width:
            raise ValueError(f"an {self.name} key holds {width} integers (ops and skip bits)")
        op_ids, adjacency = self._dense_from_flat(flat)
        return ArchitectureTable(keys=list(keys), op_ids=op_ids, adjacency=adjacency,
                                 num_nodes=np.full(len(keys), self.max_nodes, dtype=np.int64),
                                 y=np.asarray(y, dtype=np.float64), y_test=None, split=np.asarray(split).astype(str))

    def _parse_file(self, path: Path) -> tuple[np.ndarray, np.ndarray]:
        """Every line as a flat row (``A x F`` int64, ``F = L + L(L-1)/2``) and its accuracy
        (``A`` float64). Trailing blank lines are ignored; any other bad line raises."""
        fix = ("fetch the file again with `python -m core fetch enas6`" if self.num_layers == 6
               else f"replace {self.file_name} with a clean copy")
        lines = read_lines(path, LINE_FORMAT, fix)
        flat_rows: list[list[int]] = []
        accuracy: list[float] = []
        for number, line in enumerate(lines, start=1):
            row, value = self._parse_line(line, path, number)
            flat_rows.append(row)
            accuracy.append(value)
        width = self.num_layers + self.num_layers * (self.num_layers - 1) // 2
        flat = np.asarray(flat_rows, dtype=np.int64).reshape(len(flat_rows), width)
        return flat, np.asarray(accuracy, dtype=np.float64)

    def _parse_line(self, line: str, path: Path, number: int) -> tuple[list[int], float]:
        """One line as its flattened row and accuracy; raises ``DataFileError`` on error."""
        layers, value = parse_dvae_line(line, path, number, self.num_layers, len(ENAS_OPS), ENAS_LINE_PARTS)
        return [part for layer in layers for part in layer], value

    def _dense_from_flat(self, flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Node types (``A x N`` int64) and adjacency (``A x N x N`` uint8) of flat rows
        (``A x F``), vectorised over architectures."""
        count, layers, n = len(flat), self.num_layers, self.max_nodes
        op_columns = np.array([i * (i + 1) // 2 for i in range(layers)])  # op of layer i
        op_ids = np.empty((count, n), dtype=np.int64)
        op_ids[:, 0] = START_TYPE
        op_ids[:, 1 : layers + 1] = flat[:, op_columns] + 2
        op_ids[:, layers + 1] = END_TYPE

        adjacency = np.zeros((count, n, n), dtype=np.uint8)
        chain = np.arange(layers + 1)
        adjacency[:, chain, chain + 1] = 1  # node i -> i + 1, output included
        sources = [j for i in range(layers) for j in range(i)]
        targets = [i + 1 for i in range(layers) for _ in range(i)]
        columns = [op_columns[i] + 1 + j for i in range(layers) for j in range(i)]
        if columns:
            adjacency[:, sources, targets] = flat[:, columns]  # skip bit j of layer i: j -> i + 1
        return op_ids, adjacency

    # -- graphs ---------------------------------------------------------------------------
    def key(self, op_ids: np.ndarray, adjacency: np.ndarray, num_nodes: int) -> str:
        """D-VAE's flat string of a graph: per layer (node ``i + 1``) the op id
        ``op_ids[i + 1] - 2``, then the skip bits ``adjacency[j, i + 1]`` for ``j < i``.
        Works for graphs with fewer layers than ``num_layers``.

        Args:
            op_ids: ``N`` node types.
            adjacency: ``N x N`` edges.
            num_nodes: real nodes, input and output included.
        """
        n = int(num_nodes)
        adjacency = np.asarray(adjacency)
        parts: list[int] = []
        for node in range(1, n - 1):  # layer node - 1
            parts.append(int(op_ids[node]) - 2)
            parts.extend(int(bit != 0) for bit in adjacency[: node - 1, node])
        return " ".join(map(str, parts))

    def decode_constraints(self) -> DecodeConstraints:
        """Complete graphs whose every layer reads the layer before it."""
        return DecodeConstraints(min_nodes=self.max_nodes, chain=True)

    def is_valid(self, op_ids: np.ndarray, adjacency: np.ndarray, num_nodes: int) -> bool:
        """D-VAE's ``is_valid_ENAS``: a valid DAG (base rules) in which every node before
        the output feeds the next node, and the output has exactly one predecessor. A graph
        with fewer layers than ``num_layers`` can be valid."""
        if not super().is_valid(op_ids, adjacency, num_nodes):
            return False
        n = int(num_nodes)
        adj = np.asarray(adjacency)[:n, :n]
        chain = np.arange(n - 1)
        if not np.all(adj[chain, chain + 1]):
            return False
        return int(np.count_nonzero(adj[:, n - 1])) == 1
