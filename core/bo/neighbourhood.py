"""The canonical mutation neighbourhood of a table's cells, for local search in pool mode.

A cell's neighbours are the table's keys one mutation (:func:`core.bo.mutation.neighbours`)
away from the table's own graph of that key, sorted. So they are a function of the key
alone: the same whatever path (which parent, which isomorphic drawing) reached the cell, and
in the same order on every machine. Neighbours outside the table (valid ENAS cells that its
dataset lacks) are left out: a pool search cannot score them.

:meth:`Neighbourhood.ball` lists the cells within ``depth`` mutations of a list of parents,
breadth first: every parent's one-step neighbours before any two-step one, and within a step
the better parent's first (BANANAS' local candidates, White et al. 2021, made deterministic).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from core.spaces.base import ArchitectureTable, SearchSpace
from core.bo.mutation import neighbours


class Neighbourhood:
    """Cached one-step neighbours of the cells of one table.

    Args:
        space: the search space.
        table: its architectures; a key's graph is its first row's.

    Example:
        >>> hood = Neighbourhood(space, table)
        >>> near = hood.ball([table.keys[0]], depth=2, limit=500)  # one- then two-step neighbours
        >>> set(hood.of(table.keys[0])) <= set(near)
        True
    """

    def __init__(self, space: SearchSpace, table: ArchitectureTable):
        self.space = space
        self.table = table
        self.rows = table.first_rows()
        self._cache: dict[str, tuple[str, ...]] = {}

    def of(self, key: str) -> tuple[str, ...]:
        """The table keys one mutation away from ``key``, sorted (empty for a key outside the table)."""
        found = self._cache.get(key)
        if found is None:
            row = self.rows.get(key)
            children = [] if row is None else neighbours(self.space, self.table.graph(row))
            found = tuple(sorted(child for child, _ in children if child in self.rows and child != key))
            self._cache[key] = found
        return found

    def ball(self, parents: Sequence[str], depth: int, exclude: Iterable[str] = (),
             limit: int | None = None) -> list[str]:
        """The keys within ``depth`` mutations of ``parents``, breadth first (see the module
        docstring), without the parents and without ``exclude``; at most ``limit``.

        Paths may pass through excluded (observed) cells: exclusion only keeps a key out of
        the list.
        """
        excluded = set(exclude)
        reached = set(parents)
        frontier = list(dict.fromkeys(parents))
        found: list[str] = []
        for _ in range(int(depth)):
            step: list[str] = []
            for key in frontier:
                for child in self.of(key):
                    if child in reached:
                        continue
                    reached.add(child)
                    step.append(child)
                    if child not in excluded:
                        found.append(child)
                        if limit is not None and len(found) >= limit:
                            return found  # breadth first: the cells past the limit are never looked at
            frontier = step
        return found
