"""Seed groups in the sidebar: which runs form groups (``core.groups``: runs that differ only
in their seed), the run-A / run-B choices (groups first), the member a single-run page shows
for a group, and the selection as labelled groups for the Runs, Operation-embeddings and
Verdict pages."""

from __future__ import annotations


from core.errors import OpEmbedError
from core.reports.labels import model_name
from core.runs import Run
from dashboard.discovery import BROKEN, COMPACT_STATE, STATUSES

GROUP_PREFIX = "group::"  # a run-A / run-B choice that is a seed group: the prefix and its first run's path


def run_groups(runs: list[Run]) -> dict[str, list[Run]]:
    """The seed groups of at least two runs among ``runs`` (``core.groups``: runs that differ
    only in their seed), each keyed ``group::<first run's path>``, members in seed order (a
    repeated seed is kept once)."""
    from core.groups.group import group_key

    found: dict[tuple, dict[int, Run]] = {}
    for run in runs:
        if run.status.broken:
            continue
        try:
            key = group_key(run.config)
        except OpEmbedError:
            continue
        found.setdefault(key, {}).setdefault(run.config.train.seed, run)
    groups = {}
    for members in found.values():
        if len(members) >= 2:
            ordered = [members[seed] for seed in sorted(members)]
            groups[GROUP_PREFIX + str(ordered[0].path)] = ordered
    return groups


def is_group(choice: str | None) -> bool:
    return isinstance(choice, str) and choice.startswith(GROUP_PREFIX)


def members_of(choice: str | None, runs: list[Run]) -> list[Run]:
    """The runs of a run-A / run-B choice among ``runs``: a group's members, or the one run."""
    if is_group(choice):
        return run_groups(runs).get(choice, [])
    return [run for run in runs if str(run.path) == choice][:1]


def representative(members: list[Run]) -> Run | None:
    """The member the single-run pages show for a group: the first (by seed) that has its
    model and latents, best status first."""
    full = [r for r in members if r.status.state not in (COMPACT_STATE, BROKEN)]
    rank = {status: i for i, status in enumerate(STATUSES)}
    return min(full, key=lambda r: rank[r.status.state]) if full else None


def group_label(members: list[Run]) -> str:
    """``enas6 · DVAE-EMB · fast, 120 epochs (5 seeds)``."""
    from core.groups.group import base_name, settings_of

    return f"{base_name(settings_of(members[0].config))} ({len(members)} seeds)"


def default_groups(runs: list[Run]) -> tuple[str | None, str | None]:
    """A one-hot and a learned seed group of one space and model (enas6 first), or ``(None, None)``."""
    groups = run_groups(runs)
    pairs = []
    for a_key, a in groups.items():
        for b_key, b in groups.items():
            fixed, learned = a[0].config, b[0].config
            if fixed.encoding == "onehot" and learned.encoding == "learned" and fixed.space == learned.space \
                    and fixed.model.model == learned.model.model:
                pairs.append((fixed.space != "enas6", -min(len(a), len(b)), a_key, b_key))
    return (min(pairs)[2], min(pairs)[3]) if pairs else (None, None)


def choices(runs: list[Run]) -> list[str]:
    """What run A and run B can be: the seed groups, then every run but compact seed copies."""
    return [*run_groups(runs), *(str(r.path) for r in runs if r.status.state != COMPACT_STATE)]


def labelled_groups(chosen: list[str], runs: list[Run]) -> dict[str, list[Run]]:
    """The chosen runs and groups as legend label -> members (a single run is a group of
    one), labelled by the papers' model names where they tell them apart."""
    members = [members_of(choice, runs) for choice in chosen]
    members = [[r for r in m if not r.status.broken] for m in members]
    members = [m for m in members if m]
    names = [model_name(m[0]) for m in members]
    labels = [name if len(set(names)) == len(names) else group_label(m) for name, m in zip(names, members)]
    return {f"{label} (n = {len(m)})" if len(m) > 1 else label: m for label, m in zip(labels, members)}
