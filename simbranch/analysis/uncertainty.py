"""Statistics of policies compared on several scenarios: what a policy does to a branch whose
parameters are uncertain, counting that uncertainty and the simulation's own noise.

The scenarios are draws of the uncertain parameters (a calibration's posterior, or a sample of the
declared assumption ranges); `simbranch.compare` runs every policy on every draw, each draw on
seeds of its own (`simbranch.experiment.design.draw_seed_index`), and within a draw replication r
of every policy on the same seed. For one policy and one KPI this gives an S x R layout of paired
differences from the baseline,

    D[s, r] = KPI(policy, scenario s, replication r) - KPI(baseline, scenario s, replication r),

and `d_s`, the mean of D[s, r] over the replications: the policy's effect under draw s, as R
replications estimate it. The statistics read D as a one-way random-effects layout, replications
nested in draws,

    D[s, r] = mu + a_s + e_sr,

where `a_s` is how the effect depends on the parameters (variance `var_a`: parameter
uncertainty) and `e_sr` the noise of replication r in draw s (independent across draws and
replications, since no two draws share a seed). The d_s are then independent draws of the effect
with variance var_a + var_e / R, parameter uncertainty and noise together: their spread (the
`interval`, `p_better`) and the t interval of their mean count both, and nothing is left out
that the draws have in common. Only the complete rows of the layout are used: a scenario where a
run of the policy or of the baseline failed is left out (`n_scenarios` says how many took part).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from simbranch.analysis.replications import (
    _leader_series,
    _ranked,
    _with_family,
    check_kpis,
    one_sided_p,
    t_test,
)
from simbranch.analysis.tradeoffs import higher_is_better

__all__ = ["best_over_scenarios", "draw_ranking", "effect_shares", "paired_over_scenarios", "ranking_margin",
           "ranking_stability", "scenario_differences", "share_better", "summarise_over_scenarios"]

_KEYS = ("policy", "scenario", "replication")


def share_better(effects: np.ndarray | pd.Series | Sequence[float], higher: bool = True) -> float:
    """Return the share of `effects` that are better than no effect, ties counting half.

    Better is > 0 when `higher`, else < 0; an effect of exactly 0 counts half. NaN values are left
    out, and NaN is returned when none is left.

    Callers take `higher` from `simbranch.analysis.tradeoffs.higher_is_better`, which is True for a
    KPI with no better direction ("neither" in `simbranch.meanings.better`, such as requests
    arrived or hours in training): for such a KPI the share is the share of effects that are
    larger (> 0), which says nothing about better or worse.

    Parameters
    ----------
    effects : array, Series or sequence of float
        Effects of a policy on a KPI (differences from the baseline), e.g. one per scenario.
    higher : bool
        Whether a higher value of the KPI is better.

    Returns
    -------
    float
        The share, from 0 to 1; NaN without any effect.

    Raises
    ------
    ValueError
        If `effects` cannot be read as numbers.

    Examples
    --------
    >>> from simbranch.analysis import share_better
    >>> share_better([1.0, -2.0, 0.0, 3.0]), share_better([1.0, -2.0, 0.0, 3.0], higher=False)
    (0.625, 0.375)
    """
    x = np.asarray(effects, dtype=float)
    x = x[np.isfinite(x)]
    if not len(x):
        return float("nan")
    better = (x > 0) if higher else (x < 0)
    return float((better.sum() + 0.5 * (x == 0).sum()) / len(x))


def _grid(table: pd.DataFrame, policy: str, kpi: str) -> pd.DataFrame:
    """The KPI of one policy as a scenario x replication frame (NaN where a run is missing)."""
    rows = table[table["policy"] == policy]
    return rows.set_index(["scenario", "replication"])[kpi].astype(float).unstack("replication")


def _complete(grid: pd.DataFrame) -> pd.DataFrame:
    """The rows (scenarios) with a value in every replication that has any value."""
    grid = grid.dropna(axis=1, how="all")
    return grid.dropna(axis=0, how="any")


def _over_draws(m: np.ndarray, level: float) -> dict[str, float]:
    """Mean of a complete S x R layout (independent draws x replications) with its CI, p-value (mean = 0)
    and the variance components.

    The draws' means are independent, so the CI is the t interval of their mean: SE^2 = var(row
    means) / S with S - 1 degrees of freedom (`se`, `df`), which holds the parameter uncertainty
    and all the noise; the p-value is the t-test with the same SE and df
    (`simbranch.analysis.replications.t_test`). With one draw the CI is NaN (and p = 1). `within`
    is the pooled variance of the replications within a draw (E[Var(D | parameters)], NaN with
    one replication) and `between` var_a = max(0, var(row means) - within / R) (one-way
    random-effects ANOVA: (MS_A - MS_W) / R; NaN with one draw or one replication).
    """
    nan = float("nan")
    s_count, r_count = m.shape
    out = {"mean": nan, "half": nan, "se": nan, "df": nan, "p_value": 1.0, "between": nan, "within": nan,
           "n": float(m.size)}
    if not m.size:
        return out
    rows = m.mean(axis=1)
    grand = float(rows.mean())
    out["mean"] = grand
    if s_count >= 2:
        out["se"] = math.sqrt(float(rows.var(ddof=1)) / s_count)
        out["df"] = float(s_count - 1)
        out["half"] = float(stats.t.ppf(0.5 + level / 2, s_count - 1) * out["se"])
        out["p_value"] = t_test(grand, out["se"], out["df"])
    if r_count >= 2:
        out["within"] = float(m.var(axis=1, ddof=1).mean())  # MS_W: replications within a draw
        if s_count >= 2:
            out["between"] = max(0.0, float(rows.var(ddof=1)) - out["within"] / r_count)  # (MS_A - MS_W) / R
    return out


def _interval(means: np.ndarray, level: float) -> tuple[float, float]:
    if len(means) < 2:
        return float("nan"), float("nan")
    low, high = np.quantile(means, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def _share(between: float, within: float) -> float:
    total = between + within
    return between / total if total > 0 else float("nan")


def _check(table: pd.DataFrame, kpis: Sequence[str], level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")
    missing = [c for c in _KEYS if c not in table.columns]
    if missing:
        raise ValueError(f"the table needs columns {', '.join(_KEYS)} and the KPIs (as Comparison.table of several "
                         f"scenarios has them); missing {', '.join(map(repr, missing))}")
    check_kpis(table, kpis)


def scenario_differences(table: pd.DataFrame, kpis: Sequence[str], baseline: str = "baseline") -> pd.DataFrame:
    """Per policy, KPI and scenario: the paired mean difference from `baseline` over that scenario's
    replications (`difference`, the policy's effect under that draw) and the number of pairs `n`.

    Pairs are the runs of the policy and the baseline with the same scenario and replication (the
    same seed: within a draw, policies share their seeds); a scenario without a complete pair has
    NaN and n = 0.
    """
    _check(table, kpis, 0.95)
    if not (table["policy"] == baseline).any():
        raise ValueError(f"no runs of the baseline policy {baseline!r} in the table")
    frames = []
    for policy in dict.fromkeys(table.loc[table["policy"] != baseline, "policy"]):
        for kpi in kpis:
            d = _grid(table, policy, kpi) - _grid(table, baseline, kpi)
            frames.append(pd.DataFrame({"policy": policy, "kpi": kpi, "scenario": d.index.to_numpy(),
                                        "difference": d.mean(axis=1).to_numpy(dtype=float),
                                        "n": d.notna().sum(axis=1).to_numpy(dtype=int)}))
    if not frames:
        return pd.DataFrame(columns=["policy", "kpi", "scenario", "difference", "n"])
    return pd.concat(frames, ignore_index=True)


#: Columns of `paired_over_scenarios`, before the family's (`simbranch.analysis.replications._with_family`).
_PAIRED = ["policy", "kpi", "baseline_mean", "difference", "ci_low", "ci_high", "interval_low", "interval_high",
           "p_better", "parameter_share", "relative", "p_value", "n", "n_scenarios"]


def paired_over_scenarios(table: pd.DataFrame, kpis: Sequence[str], baseline: str = "baseline",
                          level: float = 0.95, adjust: str = "fdr_bh") -> pd.DataFrame:
    """Return per policy and KPI the effect of the policy when the branch's parameters are uncertain.

    The effect on the baseline, with the scenarios draws of the uncertain parameters and the
    simulation's noise counted too.

    `table` has one row per (policy, scenario, replication) with the KPIs, as `Comparison.table`
    of a comparison on several scenarios. All its policies but the baseline and all `kpis` form
    one family for the multiplicity adjustment. Columns, with D, d_s and the model of the
    module's docstring:

    - `baseline_mean`: the baseline's mean over the runs used;
    - `difference`: the expected difference, mean of D over draws and replications (= mean of d_s);
    - `ci_low`, `ci_high`: the confidence interval of that expected difference at level
      `ci_level`, adjusted for the family as the p-values are, so that the row is `significant`
      exactly when it excludes 0 (`simbranch.analysis.replications.adjusted_intervals`; BH: the
      false coverage-rate intervals of Benjamini & Yekutieli): the t interval of the mean of the
      d_s, SE^2 = var_s(d_s) / S with S - 1 degrees of freedom. The d_s are independent (each
      draw has seeds of its own), so it counts the parameter uncertainty and the noise. It
      narrows as draws are added (and a little as replications are): it says how well the
      average effect is known, not how much the effect may vary. NaN with one scenario;
    - `ci_low_raw`, `ci_high_raw`: the same t interval at the unadjusted `level`;
    - `interval_low`, `interval_high`: the central `level` range of the effect across the draws,
      the empirical (1 - level) / 2 and (1 + level) / 2 quantiles of d_s: the uncertainty about this
      policy's effect on this branch. It holds the parameter uncertainty (how the effect varies
      over what is not known of the branch) and the replication noise of each d_s (var_e / R). It
      does not shrink with more draws (and is no test: it is not adjusted);
    - `p_better`: the probability that the policy beats the baseline, the share of draws whose
      d_s is better (> 0, or < 0 for a KPI where lower is better, as
      `simbranch.analysis.tradeoffs.higher_is_better` says), a draw with d_s exactly 0 counting
      half. For a KPI with no better direction ("neither" in `simbranch.meanings.better`, such as
      requests arrived) it is the share of draws where the policy's KPI is larger;
    - `parameter_share`: the share of the variance of one run's difference D that comes from the
      parameters rather than from the noise, by the law of total variance
      Var(D) = Var(E[D | parameters]) + E[Var(D | parameters)]: var_a / (var_a + within), with
      within the mean over draws of the variance of D[s, r] over the replications (MS_W), and
      var_a = max(0, var_s(d_s) - within / R) (one-way random-effects ANOVA: d_s carries 1/R of the
      noise). NaN with one replication or one scenario;
    - `relative`: difference / baseline_mean; `p_value`: two-sided t-test of difference = 0 (same SE and
      degrees of freedom as the CI); `n`: pairs used (n_scenarios x replications), `n_scenarios`:
      the draws with every replication's pair (a draw with a failed run is left out);
    - `p_adjusted` over all rows (`adjust` as in `simbranch.analysis.paired_differences`);
      `significant`: p_adjusted < 1 - level.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per run with `policy`, `scenario`, `replication` and one column per KPI; within a
        scenario, replication r of every policy ran on the same seed.
    kpis : sequence of str
        The KPI columns to compare.
    baseline : str
        The policy the others are compared with.
    level : float
        The family's confidence level, also the level of the central range `interval_low`,
        `interval_high`.
    adjust : {"fdr_bh", "holm", "bonferroni", "none"}
        The multiplicity adjustment over all policies x KPIs.

    Returns
    -------
    pandas.DataFrame
        One row per policy (but the baseline) and KPI, with `policy`, `kpi` and the columns above,
        in the order `baseline_mean`, `difference`, `ci_low`, `ci_high`, `ci_low_raw`,
        `ci_high_raw`, `ci_level`, `interval_low`, `interval_high`, `p_better`,
        `parameter_share`, `relative`, `p_value`, `n`, `n_scenarios`, `p_adjusted`, `significant`.

    Raises
    ------
    ValueError
        If `table` lacks one of the columns `policy`, `scenario`, `replication` or a KPI, has no
        run of `baseline`, or `level` is not between 0 and 1 or `adjust` not one of
        `simbranch.analysis.replications.ADJUSTMENTS`.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from simbranch.analysis import paired_over_scenarios
    >>> rng = np.random.default_rng(0)
    >>> runs = pd.MultiIndex.from_product([["baseline", "training"], range(8), range(3)],
    ...                                   names=["policy", "scenario", "replication"])
    >>> table = runs.to_frame(index=False)
    >>> s = table["scenario"].to_numpy()
    >>> branch = rng.normal(5.0, 1.0, 8)  # each drawn branch's mean wait under the baseline
    >>> effect = rng.normal(-1.0, 0.3, 8)  # and what training does to it there
    >>> table["wait_mean_h"] = (branch[s] + (table["policy"] == "training") * effect[s]
    ...                         + rng.normal(0.0, 0.1, len(table)))
    >>> row = paired_over_scenarios(table, ["wait_mean_h"]).iloc[0]
    >>> int(row["n_scenarios"]), int(row["n"]), round(float(row["difference"]), 1)
    (8, 24, -1.2)
    >>> float(row["p_better"]), bool(row["significant"]), bool(row["parameter_share"] > 0.5)
    (1.0, True, True)
    """
    _check(table, kpis, level)
    if not (table["policy"] == baseline).any():
        raise ValueError(f"no runs of the baseline policy {baseline!r} in the table")
    rows = []
    for policy in dict.fromkeys(table.loc[table["policy"] != baseline, "policy"]):
        for kpi in kpis:
            base = _grid(table, baseline, kpi)
            d = _complete(_grid(table, policy, kpi) - base)
            m = d.to_numpy(dtype=float)
            est = _over_draws(m, level)
            means = m.mean(axis=1) if m.size else np.array([])
            low, high = _interval(means, level)
            base_mean = float(base.loc[d.index, d.columns].to_numpy(dtype=float).mean()) if m.size else float("nan")
            rows.append({"policy": policy, "kpi": kpi, "baseline_mean": base_mean, "difference": est["mean"],
                         "interval_low": low, "interval_high": high,
                         "p_better": share_better(means, higher_is_better(kpi)),
                         "parameter_share": _share(est["between"], est["within"]),
                         "relative": est["mean"] / base_mean if base_mean else float("nan"),
                         "p_value": est["p_value"], "n": int(m.size), "n_scenarios": int(m.shape[0]),
                         "_se": est["se"], "_df": est["df"]})
    return _with_family(rows, _PAIRED, level, adjust)


def summarise_over_scenarios(table: pd.DataFrame, kpis: Sequence[str], level: float = 0.95) -> pd.DataFrame:
    """Return per policy and KPI over several scenarios the columns of `simbranch.analysis.summarise` and more.

    `mean` is the mean over draws and replications; `std` the standard deviation of single runs
    (over draws and replications); `ci_half_width` the half-width of the `level` CI of the mean,
    the t interval over the independent draws' means as in `paired_over_scenarios` (parameters
    and noise); `rel_ci` = ci_half_width / abs(mean); `n` the runs used; `n_scenarios` the draws
    with every replication; `interval_low`, `interval_high` the central `level` range of the
    draws' means; `parameter_share` the share of a run's variance due to the parameters.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per run with `policy`, `scenario`, `replication` and one column per KPI, as
        `Comparison.table` of a comparison on several scenarios.
    kpis : sequence of str
        The KPI columns to summarise.
    level : float
        Confidence level of the intervals, and of the central range of the draws' means.

    Returns
    -------
    pandas.DataFrame
        One row per policy and KPI: `policy`, `kpi`, `mean`, `std`, `ci_half_width`, `rel_ci`,
        `n`, `n_scenarios`, `interval_low`, `interval_high` and `parameter_share`.

    Raises
    ------
    ValueError
        If `table` lacks one of the columns `policy`, `scenario`, `replication` or a KPI, or
        `level` is not between 0 and 1.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from simbranch.analysis import summarise_over_scenarios
    >>> rng = np.random.default_rng(0)
    >>> runs = pd.MultiIndex.from_product([["baseline"], range(8), range(3)],
    ...                                   names=["policy", "scenario", "replication"])
    >>> table = runs.to_frame(index=False)
    >>> branch = rng.normal(5.0, 1.0, 8)  # each drawn branch's mean wait
    >>> table["wait_mean_h"] = branch[table["scenario"].to_numpy()] + rng.normal(0.0, 0.1, len(table))
    >>> row = summarise_over_scenarios(table, ["wait_mean_h"]).iloc[0]
    >>> int(row["n"]), int(row["n_scenarios"]), bool(row["parameter_share"] > 0.9)
    (24, 8, True)
    >>> bool(row["interval_low"] < row["mean"] < row["interval_high"])
    True
    """
    _check(table, kpis, level)
    rows = []
    for policy in dict.fromkeys(table["policy"]):
        for kpi in kpis:
            m = _complete(_grid(table, policy, kpi)).to_numpy(dtype=float)
            est = _over_draws(m, level)
            low, high = _interval(m.mean(axis=1) if m.size else np.array([]), level)
            mean = est["mean"]
            rows.append({"policy": policy, "kpi": kpi, "mean": mean,
                         "std": float(m.std(ddof=1)) if m.size > 1 else float("nan"),
                         "ci_half_width": est["half"], "rel_ci": abs(est["half"] / mean) if mean else float("nan"),
                         "n": int(m.size), "n_scenarios": int(m.shape[0]), "interval_low": low,
                         "interval_high": high, "parameter_share": _share(est["between"], est["within"])})
    return pd.DataFrame(rows)


def best_over_scenarios(table: pd.DataFrame, kpi: str, maximize: bool = True, level: float = 0.95) -> pd.Series:
    """The policy with the best mean `kpi` over draws and replications, and whether it beats every
    other policy, counting the parameter uncertainty and the noise.

    As `simbranch.analysis.best` (multiple comparisons with the best, Bonferroni over the k - 1
    other policies; fields policy, kpi, mean, runner_up, margin, significant, p_value,
    contenders), with the leader's one-sided test against each other policy over the draws: the
    d_s of the difference (leader - other, signed so that > 0 is the leader being better) are
    independent across draws, and the t-test of their mean has SE^2 = var_s(d_s) / S with S - 1
    degrees of freedom, as `paired_over_scenarios`. Only draws where both policies have every
    replication take part. `p_better`: the share of draws in which the leader's mean is better
    than the runner-up's (ties half).
    """
    _check(table, [kpi], level)
    means = _ranked(table, kpi, maximize)
    leader = means.index[0]
    sign = 1.0 if maximize else -1.0
    one_sided = {}
    for other in means.index[1:]:
        m = _complete(sign * (_grid(table, leader, kpi) - _grid(table, other, kpi))).to_numpy(dtype=float)
        est = _over_draws(m, level)
        one_sided[other] = one_sided_p(est["mean"], est["se"], est["df"])
    out = _leader_series(means, kpi, one_sided, level)
    out["p_better"] = float("nan")
    if out["runner_up"] is not None:
        pair = table[table["policy"].isin([leader, out["runner_up"]])]
        effects = scenario_differences(pair, [kpi], baseline=out["runner_up"])["difference"]
        out["p_better"] = share_better(effects, maximize)
    return pd.Series(out)


# --------------------------------------------------------------------------- robustness across draws


def effect_shares(effects: pd.DataFrame, range_level: float = 0.90) -> pd.DataFrame:
    """How stable each policy's effect is across draws, per policy and KPI.

    `effects` is `scenario_differences(...)` (policy, kpi, scenario, difference). Columns:
    `share_better` (share of draws in which the policy beats the baseline, ties half, the KPI's
    better direction from `higher_is_better`; for a KPI with no better direction, such as
    requests arrived, the share of draws where the policy's KPI is larger), `median`, `low` and `high` (the central
    `range_level` range of the per-draw effects: 5 % and 95 % by default), `mean`, and `n_draws`
    (draws with an effect; a draw whose runs failed has none).
    """
    if not 0 < range_level < 1:
        raise ValueError(f"range_level must be between 0 and 1, got {range_level!r}")
    rows = []
    for (policy, kpi), frame in effects.groupby(["policy", "kpi"], sort=False):
        x = frame["difference"].to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        low, median, high = (np.quantile(x, [(1 - range_level) / 2, 0.5, (1 + range_level) / 2]) if len(x)
                             else (float("nan"),) * 3)
        rows.append({"policy": policy, "kpi": kpi, "share_better": share_better(x, higher_is_better(str(kpi))),
                     "median": float(median), "low": float(low), "high": float(high),
                     "mean": float(x.mean()) if len(x) else float("nan"), "n_draws": len(x)})
    return pd.DataFrame(rows, columns=["policy", "kpi", "share_better", "median", "low", "high", "mean", "n_draws"])


def draw_ranking(table: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """The ranking of the policies (the baseline among them) in each draw, on `kpi`.

    One row per draw (`scenario`) and policy: `mean` (of `kpi` over the draw's replications, which
    the policies of the draw run on the same seeds), `rank` (1 the best in the KPI's better
    direction; tied policies share the mean of their ranks) and `best` (1 for the best policy of
    the draw, 1/k for each of k policies tied at the top, else 0). Only draws where every policy has a value
    in every replication take part.
    """
    _check(table, [kpi], 0.95)
    policies = list(dict.fromkeys(table["policy"]))
    grids = {p: _grid(table, p, kpi) for p in policies}
    columns = sorted(set().union(*(g.columns for g in grids.values())))
    index = sorted(set().union(*(g.index for g in grids.values())))
    cube = np.stack([grids[p].reindex(index=index, columns=columns).to_numpy(dtype=float) for p in policies])
    complete = np.isfinite(cube).all(axis=(0, 2)) if cube.size else np.zeros(0, dtype=bool)
    means = cube[:, complete, :].mean(axis=2).T  # draws x policies
    draws = np.asarray(index)[complete]
    signed = means if higher_is_better(kpi) else -means
    ranks = pd.DataFrame(signed).rank(axis=1, ascending=False, method="average").to_numpy()
    top = signed == signed.max(axis=1, keepdims=True) if len(signed) else np.zeros_like(signed, dtype=bool)
    best = top / np.maximum(top.sum(axis=1, keepdims=True), 1)
    return pd.DataFrame({"scenario": np.repeat(draws, len(policies)), "policy": np.tile(policies, len(draws)),
                         "mean": means.ravel(), "rank": ranks.ravel(), "best": best.ravel()})


def ranking_stability(ranking: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """Per policy, how its place in the ranking holds across draws (`ranking` is `draw_ranking(table, kpi)`).

    Columns: `expected` (mean of the policy's `kpi` over the draws), `overall_rank` (its rank by
    `expected`, 1 the best: the overall best policy is rank 1), `share_best` (share of draws in
    which it is the best, ties shared), `mean_rank` (its mean rank over the draws), `n_draws`.
    Sorted by overall rank.
    """
    grouped = ranking.groupby("policy", sort=False)
    frame = pd.DataFrame({"expected": grouped["mean"].mean(), "share_best": grouped["best"].mean(),
                          "mean_rank": grouped["rank"].mean(), "n_draws": grouped["mean"].count()})
    signed = frame["expected"] if higher_is_better(kpi) else -frame["expected"]
    frame.insert(1, "overall_rank", signed.rank(ascending=False, method="min"))
    frame = frame.reset_index().sort_values(["overall_rank", "mean_rank"], kind="stable", ignore_index=True)
    return frame[["policy", "expected", "overall_rank", "share_best", "mean_rank", "n_draws"]]


def ranking_margin(ranking: pd.DataFrame, policy: str, kpi: str) -> pd.Series:
    """Per draw (index `scenario`), how far `policy` is ahead of the best other policy on `kpi`, in the
    KPI's better direction: > 0 where it is the best of the draw, < 0 where another one is. The
    output whose sensitivity says which assumptions decide whether the best policy stays best."""
    wide = ranking.pivot(index="scenario", columns="policy", values="mean")
    if policy not in wide:
        raise ValueError(f"no policy {policy!r} in the ranking; policies: {', '.join(map(str, wide.columns))}")
    sign = 1.0 if higher_is_better(kpi) else -1.0
    others = wide.drop(columns=policy)
    if others.shape[1] == 0:
        raise ValueError("a ranking margin needs at least two policies")
    return (sign * (wide[policy] - (others.max(axis=1) if sign > 0 else others.min(axis=1)))).rename("margin")
