"""Statistics over replications: summaries with confidence intervals, paired differences against a
baseline (common random numbers make these tight), multiplicity control with intervals that agree
with it, and the best policy by multiple comparisons with the best.

One statistical family: a comparison's p-values, adjusted p-values, `significant` and confidence
intervals all come from the same t distribution (same standard error, same degrees of freedom), and
the intervals in `ci_low`/`ci_high` are adjusted for the same multiplicity as the p-values, so that
a row is `significant` exactly when its interval excludes 0 (`adjusted_intervals`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["ADJUSTMENTS", "adjusted_intervals", "best", "check_kpis", "ci_half_width", "family_alpha",
           "multiple_comparisons_with_the_best", "one_sided_p", "paired_differences", "summarise", "t_test"]

#: The multiplicity adjustments `paired_differences` and `paired_over_scenarios` know.
ADJUSTMENTS = ("fdr_bh", "holm", "bonferroni", "none")

#: Columns of a comparison's table that are not KPIs (run keys and bookkeeping).
NOT_KPIS = frozenset({"policy", "scenario", "replication", "spawn_key", "seed", "status", "error", "wall_time_s",
                      "key", "point"})

#: How far (relative to |difference|) an interval's end nearest 0 may sit from 0 and still be put on
#: the side `significant` says. The p-value (t survival function) and the interval's quantile
#: (its inverse) are computed separately, each to about 1e-15 relative, and the adjusted p-value
#: and the adjusted level by different products and quotients of the same numbers: a row whose p
#: equals the adjusted level up to those last digits may land on either side of 0. Six orders of
#: magnitude above that noise, and far below any difference one could read off a table.
ROUNDING = 1e-9


def ci_half_width(values: pd.Series | np.ndarray, level: float = 0.95) -> float:
    """Return the half-width of the t confidence interval of the mean of independent replications.

    Missing and infinite values are left out; fewer than two values left give NaN (no interval).

    Parameters
    ----------
    values : Series or array
        One value per replication.
    level : float
        Confidence level of the interval.

    Returns
    -------
    float
        The half-width t_{n-1}(1/2 + level/2) · sd / sqrt(n), or NaN with fewer than two values.

    Raises
    ------
    ValueError
        If `values` cannot be read as numbers.

    Examples
    --------
    >>> import numpy as np
    >>> from simbranch.analysis import ci_half_width
    >>> waits = np.random.default_rng(0).normal(10.0, 2.0, size=20)
    >>> round(ci_half_width(waits), 1)
    0.8
    >>> ci_half_width(waits, level=0.99) > ci_half_width(waits)
    True
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    if len(x) < 2:
        return float("nan")
    return float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))


def summarise(table: pd.DataFrame, kpis: list[str], by: str = "policy", level: float = 0.95) -> pd.DataFrame:
    """Return per group and KPI the mean, std, CI half-width, relative half-width and n.

    Each value is one replication, the replications independent; missing and infinite values are
    left out.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per run, with the column `by` and one column per KPI (as `Comparison.table`).
    kpis : list of str
        The KPI columns to summarise.
    by : str
        The column whose values are the groups (the policies, by default).
    level : float
        Confidence level of the intervals (`ci_half_width`).

    Returns
    -------
    pandas.DataFrame
        A tidy frame, one row per group and KPI (groups in order of first appearance): `by`, `kpi`,
        `mean`, `std`, `ci_half_width`, `rel_ci` (ci_half_width / abs(mean)) and `n`.

    Raises
    ------
    KeyError
        If `by` or one of `kpis` is not a column of `table`.
    ValueError
        If a KPI column holds values that are not numbers.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from simbranch.analysis import summarise
    >>> rng = np.random.default_rng(0)
    >>> table = pd.DataFrame({"policy": np.repeat(["baseline", "training"], 10),
    ...                       "wait_mean_h": np.r_[rng.normal(5.0, 1.0, 10), rng.normal(4.0, 1.0, 10)]})
    >>> summary = summarise(table, ["wait_mean_h"])
    >>> summary.columns.tolist()
    ['policy', 'kpi', 'mean', 'std', 'ci_half_width', 'rel_ci', 'n']
    >>> summary["mean"].round().tolist(), summary["n"].tolist()
    ([5.0, 4.0], [10, 10])
    """
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


def check_kpis(table: pd.DataFrame, kpis: Sequence[str]) -> None:
    """A ValueError naming the KPIs of `kpis` that `table` has no column for, and the KPIs it has."""
    missing = [k for k in kpis if k not in table.columns]
    if missing:
        there = [c for c in table.columns if c not in NOT_KPIS]
        raise ValueError(f"no KPI {', '.join(map(repr, missing))} in the table; KPIs: {', '.join(map(str, there))}")


# --------------------------------------------------------------------------- one t distribution


def t_test(mean: float, se: float, df: float) -> float:
    """Two-sided p-value of "expected difference = 0" from an estimate `mean` with standard error `se`
    and `df` degrees of freedom (t distribution), the test whose inversion is the t interval
    mean ± t_{df}(1 - a/2) · se.

    Degenerate cases, chosen so that the test and the interval keep agreeing: no degrees of freedom
    (fewer than two values: no interval) gives p = 1; a standard error of 0 (every value the same:
    the interval is the point `mean`) gives p = 0 when mean != 0 (the point excludes 0) and 1 when
    mean = 0 (it does not).
    """
    if not df >= 1 or not np.isfinite(mean):
        return 1.0
    if se > 0:
        return float(2 * stats.t.sf(abs(mean) / se, df))
    return 0.0 if mean != 0 else 1.0


def one_sided_p(mean: float, se: float, df: float) -> float:
    """One-sided p-value of "expected difference <= 0" against "> 0" (same t distribution as `t_test`;
    degenerate cases likewise: p = 1 without degrees of freedom, and with se = 0 p = 0 when
    mean > 0, else 1)."""
    if not df >= 1 or not np.isfinite(mean):
        return 1.0
    if se > 0:
        return float(stats.t.sf(mean / se, df))
    return 0.0 if mean > 0 else 1.0


def _standard_error(d: np.ndarray) -> tuple[float, float]:
    """Standard error and degrees of freedom of the mean of independent values (NaN, NaN below two)."""
    if len(d) < 2:
        return float("nan"), float("nan")
    return float(d.std(ddof=1) / np.sqrt(len(d))), float(len(d) - 1)


def _half(alpha: float, se: np.ndarray, df: np.ndarray) -> np.ndarray:
    """Half-width of the t interval at level 1 - alpha: t_{df}(1 - alpha/2) · se (NaN without df)."""
    ok = np.isfinite(df) & (df >= 1) & np.isfinite(se)
    out = np.full(len(se), np.nan)
    out[ok] = stats.t.isf(alpha / 2, df[ok]) * se[ok]
    return out


# --------------------------------------------------------------------------- multiplicity


def _adjust(p: np.ndarray, method: str) -> np.ndarray:
    if method == "fdr_bh":
        return stats.false_discovery_control(p, method="bh") if len(p) else p
    if method == "bonferroni":
        return np.minimum(1.0, p * len(p))
    if method == "holm":
        order = np.argsort(p, kind="stable")
        adjusted = np.empty_like(p)
        running = 0.0
        for rank, i in enumerate(order):
            running = max(running, min(1.0, (len(p) - rank) * p[i]))
            adjusted[i] = running
        return adjusted
    if method == "none":
        return p
    raise ValueError(f"unknown adjustment {method!r}; allowed: {', '.join(ADJUSTMENTS)}")


def family_alpha(significant: np.ndarray, method: str, level: float) -> float:
    """The level a (the interval's level is 1 - a) at which every row's t interval excludes 0 exactly
    when the row is `significant` (adjusted p < q, q = 1 - level) under `method`.

    With m rows and R of them significant, and since a t interval at level 1 - a excludes 0 iff the
    row's p < a (same t distribution, same df: |mean| > t(1 - a/2)·se iff 2·sf(|mean|/se) < a):

    - "none": a = q; significant iff p < q.
    - "bonferroni": a = q / m; p_adj = min(1, m·p) < q iff p < q/m.
    - "fdr_bh": a = max(R, 1)·q / m, the false coverage-rate intervals of Benjamini & Yekutieli
      (2005, JASA 100:71), which keep the false coverage rate of the selected intervals below q.
      Proof that they agree: BH's adjusted p is monotone in p's rank (ties share it), so the
      significant rows are the R smallest p. If R >= 1, p_adj(R) = min over j >= R of m·p_(j)/j < q
      for some j >= R; a j > R would make row j significant too, so j = R: p_(R) < R·q/m, and every
      significant row has p <= p_(R) < a. A row of rank i > R has p_adj >= q, so m·p_(i)/i >= q:
      p >= i·q/m > R·q/m = a. If R = 0, p_adj(1) >= q gives m·p_(1) >= q: every p >= q/m = a.
    - "holm": a = q / max(m - R, 1). Significant rows (rank i <= R) have
      (m - i + 1)·p_(i) <= p_adj < q, so p < q/(m - R + 1) <= a (for R = m, a = q and p < q);
      the first other row has p_adj = max(p_adj(R), (m - R)·p_(R+1)) >= q with p_adj(R) < q, so
      p_(R+1) >= q/(m - R) = a, and later rows have larger p.

    At the boundary (p exactly a) the row is not significant (p_adj = q is not < q) and its
    interval touches 0 without excluding it (excluding means low > 0 or high < 0): the strict
    inequalities match. The level is the same for every row of the family.
    """
    q = 1 - level
    m = len(significant)
    r = int(np.sum(significant))
    if method == "fdr_bh":
        return max(r, 1) * q / max(m, 1)
    if method == "bonferroni":
        return q / max(m, 1)
    if method == "holm":
        return q / max(m - r, 1)
    if method == "none":
        return q
    raise ValueError(f"unknown adjustment {method!r}; allowed: {', '.join(ADJUSTMENTS)}")


def _agree(mean: np.ndarray, half: np.ndarray, significant: np.ndarray) -> np.ndarray:
    """`half` with the rows that rounding put on the wrong side of 0 moved to the side `significant`
    says (see `ROUNDING`): a significant row's interval then ends one floating-point step short of
    0; a row that is not significant gets half = |mean|, the interval touching 0. A row further
    from 0 than `ROUNDING` on the wrong side is an error of this module (RuntimeError)."""
    size = np.abs(mean)
    with np.errstate(invalid="ignore"):
        excludes = half < size  # False where the interval is NaN
    wrong = np.isfinite(half) & (excludes != significant)
    if not wrong.any():
        return half
    far = np.abs(half[wrong] - size[wrong]) > ROUNDING * size[wrong]
    if far.any() or (size[wrong] == 0).any():
        raise RuntimeError("a confidence interval disagrees with its adjusted test beyond rounding: "
                           f"differences {mean[wrong].tolist()}, half-widths {half[wrong].tolist()}")
    out = half.copy()
    out[wrong] = np.where(significant[wrong], np.nextafter(size[wrong], 0), size[wrong])
    return out


def adjusted_intervals(difference: np.ndarray, se: np.ndarray, df: np.ndarray, p_value: np.ndarray,
                       level: float = 0.95, adjust: str = "fdr_bh") -> pd.DataFrame:
    """Return the family's multiplicity-adjusted p-values and intervals, one row per input row.

    `difference`, `se`, `df` and `p_value` are per row the estimate, its standard error, the
    degrees of freedom and the two-sided p-value of `t_test` (the same t distribution). Columns:

    - `p_adjusted`: `p_value` adjusted over all rows (`adjust`: "fdr_bh" Benjamini-Hochberg,
      "holm", "bonferroni" or "none"); `significant`: p_adjusted < 1 - level;
    - `ci_low`, `ci_high`: the t interval at level `ci_level` = 1 - a, with a from `family_alpha`
      (BH: the false coverage-rate adjusted intervals; Bonferroni and Holm: simultaneous). Such a
      row's interval excludes 0 (low > 0 or high < 0) exactly when it is `significant`;
    - `ci_low_raw`, `ci_high_raw`: the unadjusted `level` t intervals (each row on its own).

    Rows without degrees of freedom (fewer than two values) have NaN intervals and p = 1, so they
    are neither significant nor excluding 0; rows with se = 0 have the point interval [d, d].

    Parameters
    ----------
    difference : array
        The estimate of each row (a mean difference).
    se : array
        Its standard error.
    df : array
        Its degrees of freedom (NaN without any).
    p_value : array
        Its two-sided p-value of "expected difference = 0", by the t-test with the same `se` and `df`.
    level : float
        The family's confidence level; 1 - level is the false discovery rate or family-wise error
        rate controlled.
    adjust : {"fdr_bh", "holm", "bonferroni", "none"}
        The multiplicity adjustment.

    Returns
    -------
    pandas.DataFrame
        Columns `ci_low`, `ci_high`, `ci_low_raw`, `ci_high_raw`, `ci_level`, `p_adjusted` and
        `significant`, one row per input row, in their order.

    Raises
    ------
    ValueError
        If `difference`, `se`, `df` and `p_value` are not flat arrays of one length, `level` is
        not between 0 and 1, or `adjust` is not one of `ADJUSTMENTS`.
    RuntimeError
        If `p_value` is not the t-test of `difference`, `se` and `df` (the intervals cannot then
        agree with the tests).

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> from simbranch.analysis import adjusted_intervals
    >>> difference, se, df = np.array([1.0, 0.1]), np.array([0.2, 0.2]), np.array([9.0, 9.0])
    >>> p_value = 2 * stats.t.sf(np.abs(difference) / se, df)
    >>> family = adjusted_intervals(difference, se, df, p_value, adjust="bonferroni")
    >>> family["significant"].tolist(), family["ci_level"].round(3).tolist()
    ([True, False], [0.975, 0.975])
    >>> ((family["ci_low"] > 0) | (family["ci_high"] < 0)).tolist()
    [True, False]
    """
    difference, se, df, p = (np.asarray(a, dtype=float) for a in (difference, se, df, p_value))
    shapes = {"difference": difference.shape, "se": se.shape, "df": df.shape, "p_value": p.shape}
    if len(set(shapes.values())) > 1 or difference.ndim != 1:
        raise ValueError("difference, se, df and p_value must be flat arrays of one length (a value per row); "
                         f"got shapes {', '.join(f'{name} {shape}' for name, shape in shapes.items())}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")
    adjusted = _adjust(p, adjust)
    significant = adjusted < 1 - level
    alpha = family_alpha(significant, adjust, level)
    raw = _half(1 - level, se, df)
    half = raw if alpha == 1 - level else _half(alpha, se, df)
    half = _agree(difference, half, significant)
    return pd.DataFrame({"ci_low": difference - half, "ci_high": difference + half,
                         "ci_low_raw": difference - raw, "ci_high_raw": difference + raw,
                         "ci_level": np.full(len(p), level if alpha == 1 - level else 1 - alpha),
                         "p_adjusted": adjusted, "significant": significant})


def _with_family(rows: list[dict[str, Any]], columns: list[str], level: float, adjust: str) -> pd.DataFrame:
    """`rows` (each with difference, p_value and the private _se, _df) as a frame with the family's
    columns (`adjusted_intervals`) after `ci_high`, and p_adjusted, significant at the end."""
    _adjust(np.zeros(0), adjust)  # an unknown adjustment is an error even when there is nothing to adjust
    frame = pd.DataFrame(rows, columns=[*columns, "_se", "_df"])
    family = adjusted_intervals(frame["difference"], frame["_se"], frame["_df"], frame["p_value"], level, adjust)
    frame = frame.drop(columns=["_se", "_df"])
    for name in family.columns:
        frame[name] = family[name].to_numpy()
    at = columns.index("ci_low")
    order = [*columns[:at], "ci_low", "ci_high", "ci_low_raw", "ci_high_raw", "ci_level",
             *(c for c in columns[at:] if c not in ("ci_low", "ci_high")), "p_adjusted", "significant"]
    return frame[order]


#: Columns of `paired_differences`, before the family's (see `_with_family`).
_PAIRED = ["policy", "kpi", "baseline_mean", "difference", "ci_low", "ci_high", "relative", "p_value", "n"]


def paired_differences(table: pd.DataFrame, kpis: Sequence[str], baseline: str = "baseline",
                       level: float = 0.95, adjust: str = "fdr_bh") -> pd.DataFrame:
    """Return per policy and KPI the paired mean difference from the baseline, with adjusted CI and p.

    Per policy and KPI: mean difference from the baseline over matching replications, its
    multiplicity-adjusted CI, the paired t-test p-value and that p-value adjusted over all
    policies x KPIs compared (one family: Benjamini-Hochberg false discovery rate by default, or
    Holm / Bonferroni family-wise, or "none").

    Parameters
    ----------
    table : pandas.DataFrame
        One row per run with `policy`, `replication` and one column per KPI (as
        `Comparison.table`); replication r of every policy ran on the same seed.
    kpis : sequence of str
        The KPI columns to compare.
    baseline : str
        The policy the others are compared with.
    level : float
        The family's confidence level; 1 - level is the error rate controlled.
    adjust : {"fdr_bh", "holm", "bonferroni", "none"}
        The multiplicity adjustment over all policies x KPIs.

    Returns
    -------
    pandas.DataFrame
        One row per policy (but the baseline) and KPI, with `policy`, `kpi` and:
        `baseline_mean`; `difference` (mean of the paired differences d over the replications
        both have); `ci_low`, `ci_high`: the t interval of that mean at level `ci_level`, the level
        adjusted for the family so that the row is `significant` exactly when its interval excludes
        0 (`adjusted_intervals`; BH: the false coverage-rate intervals of Benjamini & Yekutieli);
        `ci_low_raw`, `ci_high_raw`: the unadjusted `level` interval; `relative` = difference /
        baseline_mean; `p_value`: two-sided paired t-test of difference = 0 (SE = sd(d)/sqrt(n),
        n - 1 degrees of freedom, as the intervals); `n`: pairs; `p_adjusted`; `significant`:
        p_adjusted < 1 - level. Fewer than two pairs: NaN intervals, p = 1; all pairs equal: the
        point interval, p 0 (or 1 when the difference is 0).

    Raises
    ------
    ValueError
        If a KPI is not a column of `table`, `table` has no run of `baseline`, `level` is not
        between 0 and 1 or `adjust` is not one of `ADJUSTMENTS`.
    KeyError
        If `table` has no `policy` or `replication` column.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from simbranch.analysis import paired_differences
    >>> rng = np.random.default_rng(0)
    >>> common = rng.normal(5.0, 1.0, size=10)  # common random numbers: the replications' shared noise
    >>> table = pd.DataFrame({"policy": np.repeat(["baseline", "training"], 10),
    ...                       "replication": np.tile(np.arange(10), 2),
    ...                       "wait_mean_h": np.r_[common, common - 1.0 + rng.normal(0.0, 0.1, 10)]})
    >>> row = paired_differences(table, ["wait_mean_h"]).iloc[0]
    >>> row["policy"], round(float(row["difference"]), 1), int(row["n"]), bool(row["significant"])
    ('training', -1.0, 10, True)
    >>> bool(row["ci_low"] < row["difference"] < row["ci_high"] < 0)
    True
    """
    check_kpis(table, kpis)
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
            se, df = _standard_error(d)
            base_mean = float(base.loc[common, kpi].mean())
            rows.append({"policy": policy, "kpi": kpi, "baseline_mean": base_mean, "difference": mean,
                         "relative": mean / base_mean if base_mean else float("nan"),
                         "p_value": t_test(mean, se, df), "n": len(d), "_se": se, "_df": df})
    return _with_family(rows, _PAIRED, level, adjust)


# --------------------------------------------------------------------------- the best policy


def multiple_comparisons_with_the_best(one_sided: Mapping[str, float], level: float = 0.95) -> dict[str, Any]:
    """Make the leader's one-sided p-values into a verdict: multiple comparisons with the best.

    Bonferroni form: the leader's one-sided p-values against each of the k - 1 other policies
    (`one_sided`, "leader not better" as the null) made into a verdict.

    Returns `p_value` = min(1, (k - 1) · max p), the adjusted p of the leader beating every other
    policy; `significant` = p_value < 1 - level; and `contenders`: the policies whose adjusted
    test, min(1, (k - 1) · p) < 1 - level, does not reject (the leader's advantage over them is
    not established), in the order given. Why this holds whatever the correlation between the
    policies (Hsu 1996, ch. 4, with the Bonferroni critical value): let i* be a policy with the
    largest true mean. Declaring a leader L != i* the best, or leaving i* out of the contenders,
    both need L's test against i* to reject, a test whose null (mu_L <= mu_i*) is true; whoever L
    turns out to be, that event lies in the union of the k - 1 events "the test of L against i*
    rejects at (1 - level)/(k - 1)" for the k - 1 policies L != i*, of probability at most
    1 - level. So `significant` is wrong at most 1 - level of the time, and the leader with the contenders
    holds a best policy at least `level` of the time. With no other policy, p_value is NaN,
    significant False.

    Parameters
    ----------
    one_sided : mapping of str to float
        For each other policy, the one-sided p-value of "the leader is not better than it"
        (`one_sided_p`).
    level : float
        Confidence level: 1 - level bounds the chance of a wrong verdict.

    Returns
    -------
    dict
        `p_value` (float), `significant` (bool) and `contenders` (list of str), as above.

    Raises
    ------
    TypeError
        If `one_sided` is not a mapping.
    ValueError
        If a p-value is not a number from 0 to 1, or `level` is not between 0 and 1.

    Examples
    --------
    >>> from simbranch.analysis import multiple_comparisons_with_the_best
    >>> verdict = multiple_comparisons_with_the_best({"sales_commission": 0.001, "crm_routing": 0.2})
    >>> verdict["p_value"], verdict["significant"], verdict["contenders"]
    (0.4, False, ['crm_routing'])
    """
    if not isinstance(one_sided, Mapping):
        raise TypeError(f"one_sided must map each other policy to its p-value, got a {type(one_sided).__name__}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, got {level!r}")
    bad = {name: p for name, p in one_sided.items()
           if isinstance(p, bool) or not isinstance(p, int | float | np.integer | np.floating) or not 0 <= p <= 1}
    if bad:
        name, p = next(iter(bad.items()))
        raise ValueError(f"a p-value is a number from 0 to 1; got {p!r} for {name!r}"
                         + (f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""))
    q = 1 - level
    others = len(one_sided)
    if not others:
        return {"p_value": float("nan"), "significant": False, "contenders": []}
    adjusted = {name: min(1.0, others * p) for name, p in one_sided.items()}
    p_value = max(adjusted.values())
    return {"p_value": float(p_value), "significant": bool(p_value < q),
            "contenders": [name for name, p in adjusted.items() if not p < q]}


def _ranked(table: pd.DataFrame, kpi: str, maximize: bool) -> pd.Series:
    """Mean `kpi` per policy, best first (ties in order of first appearance)."""
    return table.groupby("policy", sort=False)[kpi].mean().sort_values(ascending=not maximize, kind="stable")


def _leader_series(means: pd.Series, kpi: str, one_sided: dict[str, float], level: float) -> dict[str, Any]:
    """The fields `best` and `best_over_scenarios` share, from the means (best first) and the leader's
    one-sided p-values against the others (in the order of `means`)."""
    leader = means.index[0]
    runner_up = means.index[1] if len(means) > 1 else None
    verdict = multiple_comparisons_with_the_best(one_sided, level)
    return {"policy": leader, "kpi": kpi, "mean": float(means.iloc[0]), "runner_up": runner_up,
            "margin": float(abs(means.iloc[0] - means.iloc[1])) if runner_up is not None else float("nan"),
            "significant": verdict["significant"], "p_value": verdict["p_value"],
            "contenders": [leader, *verdict["contenders"]]}


def best(table: pd.DataFrame, kpi: str, maximize: bool = True, level: float = 0.95) -> pd.Series:
    """Return the policy with the best mean `kpi`, and whether it beats every other policy.

    By multiple comparisons with the best, paired over replications so that common random numbers
    count. The leader is the policy with the highest mean (lowest when not `maximize`). For each other
    policy j, the paired differences d_r = ±(leader_r - j_r) over the replications both have (sign
    so that d > 0 is the leader being better) give a one-sided t-test of "the leader is not
    better than j" (SE = sd(d)/sqrt(n), n - 1 degrees of freedom), and the k - 1 tests are
    Bonferroni-adjusted (`multiple_comparisons_with_the_best`: valid however the policies
    correlate). Fields: `policy` (the leader), `kpi`, `mean`, `runner_up` (second best mean),
    `margin` (abs(leader's mean - runner-up's)), `significant` (the leader beats every other policy
    after adjustment), `p_value` (min(1, (k - 1) · the largest one-sided p)), and `contenders`
    (the leader, then the policies it cannot be told apart from, best mean first). With one
    policy: significant False, p_value NaN, contenders [that policy].

    Parameters
    ----------
    table : pandas.DataFrame
        One row per run with `policy`, `replication` and the KPI (as `Comparison.table`).
    kpi : str
        The KPI column the policies are ranked by.
    maximize : bool
        Whether a higher value is better.
    level : float
        Confidence level of the verdict.

    Returns
    -------
    pandas.Series
        The fields `policy`, `kpi`, `mean`, `runner_up`, `margin`, `significant`, `p_value` and
        `contenders`.

    Raises
    ------
    ValueError
        If `kpi` is not a column of `table`.
    KeyError
        If `table` has no `policy` or `replication` column.
    IndexError
        If `table` has no rows.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from simbranch.analysis import best
    >>> rng = np.random.default_rng(0)
    >>> common = rng.normal(5.0, 1.0, size=10)  # common random numbers: the replications' shared noise
    >>> table = pd.DataFrame({"policy": np.repeat(["baseline", "training", "crm_routing"], 10),
    ...                       "replication": np.tile(np.arange(10), 3),
    ...                       "wait_mean_h": np.r_[common, common - 1.0 + rng.normal(0.0, 0.1, 10),
    ...                                            common - 0.9 + rng.normal(0.0, 0.1, 10)]})
    >>> leader = best(table, "wait_mean_h", maximize=False)
    >>> leader["policy"], leader["runner_up"], bool(leader["significant"]), leader["contenders"]
    ('training', 'crm_routing', True, ['training'])
    """
    check_kpis(table, [kpi])
    means = _ranked(table, kpi, maximize)
    leader = means.index[0]
    lead = table[table["policy"] == leader].set_index("replication")[kpi]
    sign = 1.0 if maximize else -1.0
    one_sided = {}
    for other in means.index[1:]:
        versus = table[table["policy"] == other].set_index("replication")[kpi]
        common = lead.index.intersection(versus.index)
        d = sign * (lead.loc[common] - versus.loc[common]).to_numpy(dtype=float)
        d = d[np.isfinite(d)]
        se, df = _standard_error(d)
        one_sided[other] = one_sided_p(float(d.mean()) if len(d) else float("nan"), se, df)
    return pd.Series(_leader_series(means, kpi, one_sided, level))
