"""Statistics over replications: summaries with confidence intervals, paired differences against a
baseline (common random numbers make these tight), multiplicity control, and the best policy."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["best", "ci_half_width", "paired_differences", "summarise"]


def ci_half_width(values: pd.Series | np.ndarray, level: float = 0.95) -> float:
    """Half-width of the t confidence interval of the mean of independent replications."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) < 2:
        return float("nan")
    return float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))


def summarise(table: pd.DataFrame, kpis: list[str], by: str = "policy", level: float = 0.95) -> pd.DataFrame:
    """Per group and KPI: mean, std, CI half-width, relative half-width and n (a tidy frame)."""
    rows = []
    for group, frame in table.groupby(by, sort=False):
        for kpi in kpis:
            x = frame[kpi].to_numpy(dtype=float)
            x = x[np.isfinite(x)]
            mean = float(x.mean()) if len(x) else float("nan")
            half = ci_half_width(x, level)
            std = float(x.std(ddof=1)) if len(x) > 1 else float("nan")
            rows.append({by: group, "kpi": kpi, "mean": mean, "std": std, "ci_half_width": half,
                         "rel_ci": abs(half / mean) if mean else float("nan"), "n": len(x)})
    return pd.DataFrame(rows)


def paired_differences(table: pd.DataFrame, kpis: list[str], baseline: str = "baseline",
                       level: float = 0.95, adjust: str = "fdr_bh") -> pd.DataFrame:
    """Per policy and KPI: mean difference from the baseline over matching replications, its CI,
    the paired t-test p-value, and that p-value adjusted over all policies x KPIs compared
    (Benjamini-Hochberg false discovery rate by default, or Holm / Bonferroni family-wise)."""
    base = table[table["policy"] == baseline].set_index("replication")
    if base.empty:
        raise ValueError(f"no runs of the baseline policy {baseline!r} in the table")
    rows = []
    for policy, frame in table[table["policy"] != baseline].groupby("policy", sort=False):
        frame = frame.set_index("replication")
        common = frame.index.intersection(base.index)
        for kpi in kpis:
            d = (frame.loc[common, kpi] - base.loc[common, kpi]).to_numpy(dtype=float)
            d = d[np.isfinite(d)]
            mean = float(d.mean()) if len(d) else float("nan")
            if len(d) > 1 and d.std(ddof=1) > 0:
                p = float(stats.ttest_1samp(d, 0.0).pvalue)
            else:
                p = 0.0 if len(d) > 1 and mean != 0 else 1.0
            base_mean = float(base.loc[common, kpi].mean())
            rows.append({"policy": policy, "kpi": kpi, "baseline_mean": base_mean, "difference": mean,
                         "ci_low": mean - ci_half_width(d, level), "ci_high": mean + ci_half_width(d, level),
                         "relative": mean / base_mean if base_mean else float("nan"), "p_value": p, "n": len(d)})
    result = pd.DataFrame(rows)
    if len(result):
        result["p_adjusted"] = _adjust(result["p_value"].to_numpy(), adjust)
        result["significant"] = result["p_adjusted"] < 1 - level
    return result


def _adjust(p: np.ndarray, method: str) -> np.ndarray:
    if method == "fdr_bh":
        return stats.false_discovery_control(p, method="bh")
    if method == "bonferroni":
        return np.minimum(1.0, p * len(p))
    if method == "holm":
        order = np.argsort(p)
        adjusted = np.empty_like(p)
        running = 0.0
        for rank, i in enumerate(order):
            running = max(running, min(1.0, (len(p) - rank) * p[i]))
            adjusted[i] = running
        return adjusted
    if method == "none":
        return p
    raise ValueError(f"unknown adjustment {method!r}; allowed: fdr_bh, holm, bonferroni, none")


def best(table: pd.DataFrame, kpi: str, maximize: bool = True, level: float = 0.95) -> pd.Series:
    """The policy with the best mean KPI, and whether it beats the runner-up significantly
    (paired over replications, so common random numbers count)."""
    means = table.groupby("policy")[kpi].mean().sort_values(ascending=not maximize)
    winner, runner_up = means.index[0], (means.index[1] if len(means) > 1 else None)
    out = {"policy": winner, "kpi": kpi, "mean": float(means.iloc[0]), "runner_up": runner_up,
           "margin": float(abs(means.iloc[0] - means.iloc[1])) if runner_up is not None else float("nan"),
           "significant": False}
    if runner_up is not None:
        diff = paired_differences(table[table["policy"].isin([winner, runner_up])], [kpi], baseline=runner_up,
                                  level=level, adjust="none")
        out["significant"] = bool(diff["significant"].iloc[0])
        out["p_value"] = float(diff["p_value"].iloc[0])
    return pd.Series(out)
