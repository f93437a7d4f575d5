"""Trade-offs between two KPIs: which policies are dominated (another policy is at least as good on
both and better on one) and which form the Pareto front. `simbranch.plots.tradeoff` draws it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from simbranch import meanings

__all__ = ["direction", "dominated_by", "higher_is_better", "pareto_front"]


def direction(kpi: str) -> str:
    """Which way `kpi` is better: "higher", "lower", or "neither" (a volume or an input, such as
    requests arrived or hours in training, and a name `simbranch.meanings` does not know)."""
    found = meanings.find(kpi)
    return "neither" if found is None else found.better


def higher_is_better(kpi: str) -> bool:
    """Whether a larger value of `kpi` counts as better, as `simbranch.meanings.better` says: False
    for waits, stress, costs, losses and the like.

    Kept for the shares of draws "better" (`simbranch.analysis.uncertainty.share_better`,
    `p_better`, `share_better`) and the rankings: a KPI with no better direction ("neither", such as
    requests arrived or hours in training) and a name the registry does not know answer True, so
    that for them "better" reads as "larger". Where a direction must be right, use `direction`
    (`pareto_front` refuses such a KPI unless told which way to go)."""
    return direction(kpi) != "lower"


def pareto_front(summary: pd.DataFrame, x: str, y: str, maximize: tuple[bool, bool] | None = None) -> pd.DataFrame:
    """Dominance between policies on the means of two KPIs.

    `summary` is long, as `Comparison.summary()` gives it (policy, kpi, mean, ...). A policy is
    dominated when another one is at least as good on both KPIs and strictly better on one
    (better = larger where `maximize` says so, else smaller); the others form the Pareto front.
    Without `maximize`, each KPI's better direction comes from `simbranch.meanings.better`
    (`direction`): larger is better for profit, smaller for waits. A KPI with no better direction
    ("neither", such as requests arrived, or a name the registry does not know) is then a
    ValueError: dominance on it would be a guess; give `maximize` to say which way counts.
    This compares means only: the confidence intervals say whether a dominance is clear.
    Policies without a finite mean of both KPIs are left out.

    Returns one row per policy in the order of `summary`: policy, `x` (its mean), `y` (its mean),
    `dominated` (bool) and `dominated_by` (the list of policies that dominate it).
    """
    if x == y:
        raise ValueError(f"x and y must be two different KPIs, got {x!r} twice")
    for column in ("policy", "kpi", "mean"):
        if column not in summary.columns:
            raise ValueError(f"the summary needs columns policy, kpi, mean (as Comparison.summary() gives); "
                             f"no {column!r}")
    present = list(dict.fromkeys(summary["kpi"]))
    for kpi in (x, y):
        if kpi not in present:
            raise ValueError(f"no KPI {kpi!r} in the summary; KPIs: {', '.join(map(str, present))}")
    signs = _signs(x, y, maximize)
    rows = summary[summary["kpi"].isin([x, y])]
    means = rows.pivot_table(index="policy", columns="kpi", values="mean", aggfunc="first", sort=False)
    # a KPI undefined in every run (satisfaction with no clients) is an all-NaN column that pivot_table drops
    means = means.reindex(index=list(dict.fromkeys(rows["policy"])), columns=[x, y]).astype(float).dropna()
    signed = means.to_numpy(float) * np.array(signs)
    names = list(means.index)
    dominators = [[names[j] for j in np.flatnonzero(dominated_by(point, signed))] for point in signed]
    return pd.DataFrame({"policy": names, x: means[x].to_numpy(), y: means[y].to_numpy(),
                         "dominated": [bool(d) for d in dominators], "dominated_by": dominators})


def dominated_by(point: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Which rows of `others` dominate `point`: at least as good in every column and better in one, with
    larger better in every column (negate a column where smaller is better). The one definition of
    dominance, for `pareto_front`'s two KPIs and `simbranch.optimise`'s objectives."""
    return np.all(others >= point, axis=1) & np.any(others > point, axis=1)


def dominated_within_noise(paired: dict[str, np.ndarray], level: float = 0.95) -> dict[str, str]:
    """For each point, another that beats it beyond the noise, or "" when none does.

    `paired[name]` holds a point's values on the same units for every point (replications on common
    seeds, or scenarios), one row per unit and one column per objective, larger better in every column.
    Point i beats point j beyond the noise when, in the paired differences i - j, no objective is
    better for j at `level` (the t interval of the mean difference does not lie below 0) and one is
    better for i at `level` (its interval lies above 0). Two points on a Pareto front of means can
    differ on one objective by less than the noise: the one that is only luckily better there, and
    clearly worse elsewhere, is found here. Points with fewer than two shared units, or of other
    shapes, are never compared.
    """
    from scipy import stats

    found: dict[str, str] = {}
    for j, own in paired.items():
        found[j] = ""
        for i, other in paired.items():
            if i == j or other.shape != own.shape or own.ndim != 2 or own.shape[0] < 2:
                continue
            d = other - own
            n = d.shape[0]
            half = stats.t.ppf(0.5 + level / 2, n - 1) * d.std(axis=0, ddof=1) / np.sqrt(n)
            mean = d.mean(axis=0)
            if np.all(mean + half >= 0) and np.any(mean - half > 0):
                found[j] = i
                break
    return found


def _signs(x: str, y: str, maximize: tuple[bool, bool] | None) -> tuple[float, float]:
    """+1 where larger is better, -1 where smaller is: from `maximize`, or else from the KPIs' meanings."""
    if maximize is not None:
        mx, my = maximize
        return (1.0 if mx else -1.0, 1.0 if my else -1.0)
    ways = {kpi: direction(kpi) for kpi in (x, y)}
    unclear = [kpi for kpi, way in ways.items() if way == "neither"]
    if unclear:
        raise ValueError(f"no better direction for {' and '.join(map(repr, unclear))} (simbranch.meanings.better: "
                         "'neither', or not a KPI it knows), so dominance on it is not defined; give "
                         f"maximize=(bool, bool) to say whether larger counts as better for {x!r} and {y!r}")
    return (1.0 if ways[x] == "higher" else -1.0, 1.0 if ways[y] == "higher" else -1.0)
