"""Oracles: what a queried architecture scores.

An oracle maps a canonical key to ``(value, test)``: ``value`` is the search objective
(higher is better), ``test`` the value reported beside it (``None`` where the space has
none), or ``None`` when it cannot score the key.

* :class:`LookupOracle` from a table (``nbg-*``: the bench's ``valid_perf`` and ``perf``;
  ``enas6`` pool mode: the dataset's recorded accuracy).
* :class:`FunctionOracle` wraps a user function ``key -> accuracy`` named on the command
  line (:func:`load_oracle`): as ``module:function``, or by a name registered under the
  entry-point group ``opembed.oracles`` (:func:`registered_oracles`).

An oracle given by name or ``module:function`` is code: ``bo`` imports and runs it. A sweep
file that names one runs only with ``sweep --trust-oracles`` (:func:`core.sweep.spec.check_oracles`).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from importlib.metadata import entry_points

import numpy as np

from core.errors import OpEmbedError
from core.spaces.base import ArchitectureTable

Evaluation = tuple[float, float | None]  # (search value, test value)


class LookupOracle:
    """Scores keys by looking them up.

    Args:
        lookup: ``key -> (value, test) | None``, e.g. ``NasBenchGraphSpace.lookup``.
        name: what the result files call this oracle.
    """

    def __init__(self, lookup: Callable[[str], Evaluation | None], name: str):
        self.lookup = lookup
        self.name = name

    def __call__(self, key: str) -> Evaluation | None:
        found = self.lookup(key)
        if found is None:
            return None
        value, test = found
        return float(value), None if test is None else float(test)

    @staticmethod
    def from_table(table: ArchitectureTable, name: str = "dataset") -> "LookupOracle":
        """Every row of ``table`` (the first row of a repeated key wins)."""
        values: dict[str, Evaluation] = {
            key: (float(table.y[row]), None if table.y_test is None else float(table.y_test[row]))
            for key, row in table.first_rows().items()
        }
        return LookupOracle(values.get, name)


class FunctionOracle:
    """A user function ``key -> accuracy`` (a float, a ``(value, test)`` pair, or ``None``
    for a key it cannot score).

    Args:
        function: the function.
        name: its ``module:function`` spec.
    """

    def __init__(self, function: Callable[[str], object], name: str):
        self.function = function
        self.name = name

    def __call__(self, key: str) -> Evaluation | None:
        result = self.function(key)
        if result is None:
            return None
        value, test = result if isinstance(result, (tuple, list)) else (result, None)
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise OpEmbedError(f"oracle {self.name} returned {result!r} for {key!r}; expected a number") from None
        if not math.isfinite(value):
            return None
        return value, None if test is None else float(test)


ORACLE_GROUP = "opembed.oracles"  # the entry-point group naming oracles (the project itself registers none)


def registered_oracles() -> dict[str, str]:
    """Every oracle registered under the entry-point group ``opembed.oracles``: name ->
    ``module:function``. Imports none of them.

    A package registers one in its ``pyproject.toml``::

        [project.entry-points."opembed.oracles"]
        my-bench = "my_package.scores:accuracy"
    """
    return {point.name: point.value for point in entry_points(group=ORACLE_GROUP)}


def oracle_target(spec: str) -> str:
    """The ``module:function`` an ``--oracle`` value names: ``spec`` itself when it holds a
    colon, else the target of the oracle registered under that name. Imports nothing.

    Raises:
        OpEmbedError: a name no entry point registers (one line naming those that are).
    """
    if ":" in spec:
        return spec
    registered = registered_oracles()
    if spec not in registered:
        names = ", ".join(sorted(registered)) or "none"
        raise OpEmbedError(f"--oracle {spec!r}: no oracle of that name (registered under {ORACLE_GROUP}: {names}); "
                           "give a registered name or module:function")
    return registered[spec].split("[")[0].strip()  # an entry point's value may end in [extras]


def load_oracle(spec: str) -> FunctionOracle:
    """Import the oracle ``spec`` names: a name registered under ``opembed.oracles``
    (:func:`registered_oracles`), or ``module:function`` (the module importable, e.g. on
    ``PYTHONPATH``). Either is code, imported and run here.

    Raises:
        OpEmbedError: an unregistered name, a malformed spec, a module that cannot be
            imported, or one with no callable of that name.

    Example:
        >>> oracle = load_oracle("my_evaluator:accuracy")  # doctest: +SKIP
        >>> oracle("0 1 0 ...")  # doctest: +SKIP
        (0.7512, None)
    """
    target = oracle_target(spec)
    named = f"--oracle {spec!r}" + ("" if target == spec else f" (registered as {target!r})")
    module_name, sep, function_name = target.partition(":")
    if not sep or not module_name or not function_name:
        raise OpEmbedError(f"{named}: expected module:function, e.g. my_evaluator:accuracy")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise OpEmbedError(
            f"{named}: cannot import module {module_name!r} ({error}); "
            "put it on PYTHONPATH or in the working directory"
        ) from None
    function = module
    for part in function_name.split("."):
        function = getattr(function, part, None)
        if function is None:
            raise OpEmbedError(f"{named}: module {module_name!r} has no {function_name!r}")
    if not callable(function):
        raise OpEmbedError(f"{named}: {function_name!r} is not callable")
    return FunctionOracle(function, spec)


RANK_TOLERANCE = 1e-9  # values closer than this tie (the bench holds float noise: 0.81666...68 and ...65)


def rank_among(values: np.ndarray, value: float | None) -> int | None:
    """1-based rank of ``value`` among ``values`` (higher is better): 1 + how many are larger
    by more than :data:`RANK_TOLERANCE`, so tied cells share a rank."""
    if value is None:
        return None
    return int(np.count_nonzero(np.asarray(values) > value + RANK_TOLERANCE)) + 1


def rank_threshold(values: np.ndarray, k: int) -> float | None:
    """The smallest value whose :func:`rank_among` is at most ``k`` (a top-``k`` cell), or
    ``None`` for no values."""
    ordered = np.sort(np.asarray(values, dtype=np.float64))[::-1]
    if len(ordered) == 0:
        return None
    return float(ordered[min(int(k), len(ordered)) - 1] - RANK_TOLERANCE)
