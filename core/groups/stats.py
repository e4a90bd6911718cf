"""Statistics over seeds: a mean with its 95 % confidence interval, the difference of two
groups with its interval and test, and a verdict on a claim.

Intervals are Student-t intervals over the seeds (``mean ± t_{n-1, 0.975} · s / sqrt(n)``,
``s`` the sample standard deviation): the seeds are independent trainings, few of them, and
the t interval is exact for normal seeds and honest for few. The difference of two groups
is Welch's (unequal variances, Welch-Satterthwaite degrees of freedom) when the seeds do not
pair, and the paired t over the seeds both groups share when they do. A group of one seed
has no interval and gets no p-value.

Example:
    >>> estimate([1.0, 2.0, 3.0]).mean
    2.0
    >>> compare([1.0, 1.1, 0.9], [2.0, 2.1, 1.9], better="higher").verdict
    'supported'
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import stats

LEVEL = 0.95  # confidence level of every interval
ALPHA = 0.05  # significance level of every verdict
Better = Literal["lower", "higher"]
SUPPORTED, CONTRADICTED, INCONCLUSIVE = "supported", "contradicted", "inconclusive"


@dataclass(frozen=True)
class Estimate:
    """The mean of one group's per-seed values with its 95 % t interval.

    ``low`` and ``high`` are NaN with fewer than 2 values; ``values`` keeps the seeds' own
    figures in seed order."""

    mean: float
    low: float
    high: float
    n: int
    values: tuple[float, ...]

    @property
    def half_width(self) -> float:
        return (self.high - self.low) / 2

    def text(self, digits: int = 3, with_n: bool = True) -> str:
        """``mean ± half-width (n = k)``; ``mean (n = 1)`` without an interval; ``with_n=False``
        leaves the count out (a table with an n column)."""
        if self.n == 0:
            return "—"
        count = f" (n = {self.n})" if with_n else ""
        if self.n < 2:
            return f"{self.mean:.{digits}f}{count}"
        return f"{self.mean:.{digits}f} ± {self.half_width:.{digits}f}{count}"


def estimate(values: Sequence[float], level: float = LEVEL) -> Estimate:
    """The mean and its Student-t interval of ``values`` (NaN and None dropped)."""
    array = np.asarray([v for v in values if v is not None and math.isfinite(v)], dtype=np.float64)
    n = len(array)
    if n == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), 0, ())
    mean = float(array.mean())
    if n < 2:
        return Estimate(mean, float("nan"), float("nan"), 1, tuple(array.tolist()))
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * array.std(ddof=1) / math.sqrt(n))
    return Estimate(mean, mean - half, mean + half, n, tuple(array.tolist()))


@dataclass(frozen=True)
class Comparison:
    """Group B against group A on one measure: ``difference`` is B − A."""

    a: Estimate
    b: Estimate
    difference: float
    low: float
    high: float
    p_value: float | None
    test: str  # "Welch t", "paired t (k pairs)" or "none (n = 1)"
    verdict: str  # supported / contradicted / inconclusive (n = 1) ...

    def difference_text(self, digits: int = 3) -> str:
        if math.isnan(self.difference):
            return "—"
        if math.isnan(self.low):
            return f"{self.difference:+.{digits}f}"
        return f"{self.difference:+.{digits}f} [{self.low:+.{digits}f}, {self.high:+.{digits}f}]"

    def p_text(self) -> str:
        if self.p_value is None or math.isnan(self.p_value):
            return "—"
        return "< 0.001" if self.p_value < 0.001 else f"{self.p_value:.3f}"


def welch(a: np.ndarray, b: np.ndarray, level: float = LEVEL) -> tuple[float, float, float, float]:
    """Welch's two-sample t: ``(difference b − a, low, high, two-sided p)``."""
    difference = float(b.mean() - a.mean())
    var_a, var_b = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    se = math.sqrt(var_a + var_b)
    if se == 0:
        return difference, difference, difference, 1.0 if difference == 0 else 0.0
    dof = (var_a + var_b) ** 2 / (var_a ** 2 / (len(a) - 1) + var_b ** 2 / (len(b) - 1))
    half = float(stats.t.ppf(0.5 + level / 2, dof) * se)
    p_value = float(2 * stats.t.sf(abs(difference) / se, dof))
    return difference, difference - half, difference + half, p_value


def paired(a: np.ndarray, b: np.ndarray, level: float = LEVEL) -> tuple[float, float, float, float]:
    """The paired t over matched values: ``(mean of b − a, low, high, two-sided p)``."""
    differences = b - a
    summary = estimate(differences.tolist(), level)
    sd = differences.std(ddof=1)
    if sd == 0:
        return summary.mean, summary.mean, summary.mean, 1.0 if summary.mean == 0 else 0.0
    t_value = summary.mean / (sd / math.sqrt(len(differences)))
    return summary.mean, summary.low, summary.high, float(2 * stats.t.sf(abs(t_value), len(differences) - 1))


def decide(difference: float, p_value: float | None, better: Better | None, alpha: float = ALPHA) -> str:
    """Supported where B is significantly better than A, contradicted where it is
    significantly worse, inconclusive otherwise (``better``: which way is better; ``None``: a
    difference without a direction, reported as "differs" or "no difference found")."""
    if p_value is None or math.isnan(p_value):
        return INCONCLUSIVE
    if p_value >= alpha:
        return INCONCLUSIVE if better is not None else "no difference found"
    if better is None:
        return "differs"
    improved = difference < 0 if better == "lower" else difference > 0
    return SUPPORTED if improved else CONTRADICTED


def compare(a_values: Sequence[float] | Mapping[int, float], b_values: Sequence[float] | Mapping[int, float],
            better: Better | None, paired_by_seed: bool = False, level: float = LEVEL,
            alpha: float = ALPHA) -> Comparison:
    """B against A on one measure, per seed.

    Args:
        a_values, b_values: one value per model seed (a mapping seed -> value pairs them).
        better: ``"lower"`` or ``"higher"``: the direction the claim says B improves in.
        paired_by_seed: pair the seeds both groups share (needs mappings and ≥ 2 pairs).

    Returns:
        A :class:`Comparison`; a group with fewer than 2 seeds gets ``"inconclusive (n = 1)"``
        and no p-value, never a test.
    """
    def cleaned(values) -> dict:
        items = values.items() if isinstance(values, Mapping) else enumerate(values)
        return {k: float(v) for k, v in items if v is not None and math.isfinite(float(v))}

    a_map, b_map = cleaned(a_values), cleaned(b_values)
    a, b = estimate(list(a_map.values()), level), estimate(list(b_map.values()), level)
    nan = float("nan")
    if a.n == 0 or b.n == 0:
        return Comparison(a, b, nan, nan, nan, None, "none (no values)", f"{INCONCLUSIVE} (no values)")
    if a.n < 2 or b.n < 2:
        return Comparison(a, b, b.mean - a.mean, nan, nan, None, "none (n = 1)", f"{INCONCLUSIVE} (n = 1)")
    shared = sorted(set(a_map) & set(b_map))
    if paired_by_seed and isinstance(a_values, Mapping) and isinstance(b_values, Mapping) and len(shared) >= 2:
        difference, low, high, p_value = paired(np.array([a_map[s] for s in shared]),
                                                np.array([b_map[s] for s in shared]), level)
        test = f"paired t ({len(shared)} pairs)"
    else:
        difference, low, high, p_value = welch(np.array(list(a_map.values())), np.array(list(b_map.values())), level)
        test = "Welch t"
    return Comparison(a, b, difference, low, high, p_value, test, decide(difference, p_value, better, alpha))


def permutation_p(a_rows: np.ndarray, b_rows: np.ndarray, statistic, permutations: int = 2000,
                  seed: int = 0) -> float:
    """Two-sided permutation p of ``statistic(a_rows, b_rows)`` under exchanged group labels
    (all label assignments when there are at most ``permutations`` of them)."""
    from itertools import combinations

    pooled = np.concatenate([a_rows, b_rows])
    n_a, total = len(a_rows), len(a_rows) + len(b_rows)
    observed = statistic(a_rows, b_rows)
    if math.comb(total, n_a) <= permutations:
        splits = [np.array(c) for c in combinations(range(total), n_a)]
    else:
        rng = np.random.default_rng(seed)
        splits = [rng.permutation(total)[:n_a] for _ in range(permutations)]
    count = 0
    for chosen in splits:
        mask = np.zeros(total, dtype=bool)
        mask[chosen] = True
        count += statistic(pooled[mask], pooled[~mask]) >= observed - 1e-12
    return float(count / len(splits))
