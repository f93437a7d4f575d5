"""Trade-offs between two KPIs: which policies are dominated (another policy is at least as good on
both and better on one) and which form the Pareto front. `simbranch.plots.tradeoff` draws it."""

from __future__ import annotations

import pandas as pd

from simbranch import meanings

__all__ = ["higher_is_better", "pareto_front"]


def higher_is_better(kpi: str) -> bool:
    """Whether a larger value of `kpi` is better, as `simbranch.meanings.better` says: False for
    waits, stress, costs, losses and the like. A KPI with no better direction ("neither", such as
    requests arrived or hours in training) and a name the registry does not know count larger as
    better, so that shares of draws "better" and dominance read as "larger" for them."""
    found = meanings.find(kpi)
    return found is None or found.better != "lower"


def pareto_front(summary: pd.DataFrame, x: str, y: str, maximize: tuple[bool, bool] = (True, True)) -> pd.DataFrame:
    """Dominance between policies on the means of two KPIs.

    `summary` is long, as `Comparison.summary()` gives it (policy, kpi, mean, ...). A policy is
    dominated when another one is at least as good on both KPIs and strictly better on one
    (better = larger where `maximize` says so, else smaller); the others form the Pareto front.
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
    rows = summary[summary["kpi"].isin([x, y])]
    means = rows.pivot_table(index="policy", columns="kpi", values="mean", aggfunc="first", sort=False)
    means = means.reindex(list(dict.fromkeys(rows["policy"])))[[x, y]].astype(float).dropna()
    sx, sy = (1.0 if m else -1.0 for m in maximize)
    points = [(name, sx * float(px), sy * float(py)) for name, px, py in means.itertuples()]
    dominated_by = [[other for other, ox, oy in points if ox >= px and oy >= py and (ox > px or oy > py)]
                    for _, px, py in points]
    return pd.DataFrame({"policy": list(means.index), x: means[x].to_numpy(), y: means[y].to_numpy(),
                         "dominated": [bool(d) for d in dominated_by], "dominated_by": dominated_by})
