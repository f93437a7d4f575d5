"""One consistent statistical family (issue 15, point 3).

- A paired table's `ci_low`/`ci_high` are adjusted for the same multiplicity as `p_adjusted`: a row is
  `significant` exactly when its interval excludes 0, for every adjustment, on one scenario
  (`paired_differences`) and over several (`paired_over_scenarios`), over random synthetic tables
  (hypothesis) and through a real small `compare` with `paired(kpis=, policies=)`.
- `best()` is multiple comparisons with the best (Bonferroni over the other policies), with
  `contenders`.
- Bands over time stay inside the values seen and explicit bounds.
- `pareto_front` refuses a KPI with no better direction unless told which way counts.

"Excludes 0" is tested with no tolerance at all: the promise is exact (the module moves an
interval that rounding put a few ulps on the wrong side of 0, see `replications.ROUNDING`), so any
disagreement, however small, fails.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import stats

import simbranch as sb
from simbranch.analysis.bands import band
from simbranch.analysis.replications import (
    ADJUSTMENTS,
    ROUNDING,
    adjusted_intervals,
    best,
    multiple_comparisons_with_the_best,
    paired_differences,
)
from simbranch.analysis.tradeoffs import direction, pareto_front
from simbranch.analysis.uncertainty import best_over_scenarios, paired_over_scenarios

#: A run takes milliseconds: 5 measured days, 100 clients, 3 AMs, no warm-up.
TINY = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100, "managers.count": 3}
SEED = 11
KPIS = ["k0", "k1", "k2"]
#: per policy x KPI effects: zero (drawn most often, so that many rows are null), small, large, negative
EFFECTS = (0.0, 0.0, 0.0, 0.2, 3.0, -1.5)
#: per KPI noise: none (every difference constant: se = 0), small integers (ties), normal
NOISE = ("constant", "ties", "normal")
#: the synthetic tables are small (at most 5 policies x 4 scenarios x 5 replications): a property
#: example takes a few milliseconds, 60 of them a few seconds
PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------- synthetic tables


@st.composite
def tables(draw: st.DrawFn, several: bool) -> pd.DataFrame:
    """A table of policies x (scenarios x) replications with the KPIs k0..k2.

    Common random numbers: every policy of a (scenario, replication) shares its noise, plus (for the
    "normal" KPIs) noise of its own. Some KPIs are constant within a policy (zero variance), some take
    small integer values (ties), effects are often exactly 0, and sometimes a run is missing.
    """
    k = draw(st.integers(2, 5))
    s_count = draw(st.integers(1, 4)) if several else 1
    r_count = draw(st.integers(1, 5))
    noise = draw(st.lists(st.sampled_from(NOISE), min_size=len(KPIS), max_size=len(KPIS)))
    effects = draw(st.lists(st.sampled_from(EFFECTS), min_size=(k - 1) * len(KPIS), max_size=(k - 1) * len(KPIS)))
    spread = draw(st.sampled_from((0.0, 1.0)))  # how much the effects differ between scenarios
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    policies = ["baseline", *(f"p{i}" for i in range(1, k))]
    shared = rng.normal(size=(s_count, r_count, len(KPIS)))
    tilt = rng.normal(size=(s_count, len(KPIS))) * spread
    rows = []
    for i, policy in enumerate(policies):
        for s in range(s_count):
            for r in range(r_count):
                row = {"policy": policy, "scenario": s, "replication": r}
                for j, (kpi, kind) in enumerate(zip(KPIS, noise, strict=True)):
                    effect = effects[(i - 1) * len(KPIS) + j] if i else 0.0
                    value = 10.0 + effect * (1 + tilt[s, j])
                    if kind == "ties":
                        value += float(rng.integers(-2, 3))
                    elif kind == "normal":
                        value += shared[s, r, j] + 0.5 * rng.normal()
                    row[kpi] = value
                rows.append(row)
    table = pd.DataFrame(rows)
    if draw(st.booleans()):  # a failed run (never row 0, so that the baseline keeps a run)
        table = table.drop(index=draw(st.integers(1, len(table) - 1)))
    return table.reset_index(drop=True) if several else table.drop(columns="scenario").reset_index(drop=True)


@st.composite
def families(draw: st.DrawFn, several: bool) -> tuple[pd.DataFrame, list[str], str]:
    """A synthetic table cut to a random subset of its policies (with the baseline), a random subset
    of the KPIs, and an adjustment method."""
    table = draw(tables(several))
    others = sorted(set(table["policy"]) - {"baseline"})
    chosen = draw(st.lists(st.sampled_from(others), min_size=1, unique=True)) if others else []
    kpis = draw(st.lists(st.sampled_from(KPIS), min_size=1, unique=True))
    table = table[table["policy"].isin(["baseline", *chosen])]
    return table, kpis, draw(st.sampled_from(ADJUSTMENTS))


def check_family(paired: pd.DataFrame, level: float, adjust: str) -> None:
    """What every paired table must hold, row for row (exactly, no tolerance but where noted)."""
    assert {"ci_low", "ci_high", "ci_low_raw", "ci_high_raw", "ci_level", "p_adjusted", "significant"} <= set(paired)
    if not len(paired):  # a table whose other policies all failed: an empty family
        return
    excludes = (paired["ci_low"] > 0) | (paired["ci_high"] < 0)
    assert (excludes == paired["significant"]).all(), paired
    assert (paired["significant"] == (paired["p_adjusted"] < 1 - level)).all()
    # rows without an interval (fewer than two pairs or draws) are never significant
    no_interval = paired["ci_low"].isna()
    assert (no_interval == paired["ci_low_raw"].isna()).all()
    assert not paired.loc[no_interval, "significant"].any()
    # one level for the family, the one family_alpha's formula gives (rel 1e-12: one product and quotient)
    m, r, q = len(paired), int(paired["significant"].sum()), 1 - level
    alpha = {"fdr_bh": max(r, 1) * q / m, "bonferroni": q / m, "holm": q / max(m - r, 1), "none": q}[adjust]
    assert paired["ci_level"].to_numpy() == pytest.approx(np.full(m, 1 - alpha), rel=1e-12)
    # the adjusted interval holds the raw one (level >= level); ROUNDING relative: the one-ulp moves of
    # `_agree` and the two quantiles' rounding
    has = ~no_interval
    slack = ROUNDING * paired.loc[has, "difference"].abs() + 1e-300
    assert (paired.loc[has, "ci_low"] <= paired.loc[has, "ci_low_raw"] + slack).all()
    assert (paired.loc[has, "ci_high"] >= paired.loc[has, "ci_high_raw"] - slack).all()


@PROPERTY
@given(families(several=False), st.sampled_from((0.9, 0.95)))
def test_paired_differences_significant_exactly_when_the_interval_excludes_0(family, level):
    table, kpis, adjust = family
    paired = paired_differences(table, kpis, level=level, adjust=adjust)
    assert len(paired) == (table["policy"].nunique() - 1) * len(kpis)
    check_family(paired, level, adjust)


@PROPERTY
@given(families(several=True), st.sampled_from((0.9, 0.95)))
def test_paired_over_scenarios_significant_exactly_when_the_interval_excludes_0(family, level):
    table, kpis, adjust = family
    paired = paired_over_scenarios(table, kpis, level=level, adjust=adjust)
    assert len(paired) == (table["policy"].nunique() - 1) * len(kpis)
    check_family(paired, level, adjust)


# --------------------------------------------------------------------------- the boundary and rounding


#: the threshold of `significant` at level 0.95, as the code computes it: 1 - 0.95 in floating point
#: (0.05000000000000004, not 0.05); the cases below divide it by powers of two only, so that the
#: adjusted p-values (m·p/j, (m - j + 1)·p) land on it exactly
Q = 1 - 0.95


@pytest.mark.parametrize(("adjust", "p_values", "at", "a"), [
    ("bonferroni", [Q / 4, 0.5, 0.7, 0.9], 0, Q / 4),  # p = q/m exactly: p_adj = q, not significant
    ("fdr_bh", [Q / 4, 0.5, 0.7, 0.9], 0, Q / 4),  # no rejection and p_(1) = q/m: the R = 0 level
    ("fdr_bh", [0.001, Q / 2 * 1.5, 0.7, 0.9], 0, Q / 4),  # R = 1: p_(2) = 1.5 q/2 is above 2q/4
    ("holm", [0.001, Q / 4, 0.7, 0.9, 0.95], 1, Q / 4),  # one rejection, p_(2) = q/(m - 1): Holm's level
    ("none", [Q, 0.5, 0.001, 0.9], 0, Q),
])
def test_a_p_value_exactly_at_the_level_touches_0_and_is_not_significant(adjust, p_values, at, a):
    """A row whose p equals the family's level a: p_adjusted = q is not < q, and its interval, built
    from the same t distribution, ends exactly at 0 (which does not exclude 0). The difference is
    the t quantile at p/2 times se, the interval's half-width the quantile at a/2 times se: the same
    number when p = a. (In the R = 1 BH case the row at the boundary is the significant one, p below
    a: its interval excludes 0, and the other rows' do not.)"""
    p = np.array(p_values)
    df = np.full(len(p), 5.0)
    se = np.ones(len(p))
    difference = stats.t.isf(p / 2, df) * se
    family = adjusted_intervals(difference, se, df, p, 0.95, adjust)
    assert family["ci_level"].tolist() == [1 - a] * len(p)
    assert ((family["ci_low"] > 0) == family["significant"]).all()
    if p[at] == a:
        assert not family.loc[at, "significant"] and family.loc[at, "ci_low"] == 0.0
    else:
        assert family.loc[at, "significant"] and family["significant"].sum() == 1


def test_rounding_on_the_wrong_side_of_0_is_moved_and_a_real_disagreement_is_an_error():
    """A difference one ulp beyond the interval's half-width while p says "not significant" (as
    rounding may leave it) gets the interval touching 0; a p-value that does not belong to the
    difference at all is an error, not something to paper over."""
    a = Q
    half = float(stats.t.isf(a / 2, 4))
    family = adjusted_intervals([np.nextafter(half, np.inf)], [1.0], [4.0], [a], 0.95, "none")
    assert family.loc[0, "ci_low"] == 0.0 and not family.loc[0, "significant"]
    family = adjusted_intervals([half], [1.0], [4.0], [a * (1 - 1e-15)], 0.95, "none")
    assert family.loc[0, "ci_low"] > 0 and family.loc[0, "significant"]
    with pytest.raises(RuntimeError, match="disagrees with its adjusted test"):
        adjusted_intervals([10.0], [1.0], [4.0], [0.5], 0.95, "none")


def test_degenerate_rows():
    """Zero variance: the point interval, p 0 (significant) or, with no difference, p 1; one pair: no
    interval and not significant, whatever the difference."""
    table = pd.DataFrame({"policy": ["baseline"] * 3 + ["same"] * 3 + ["plus"] * 3 + ["one"],
                          "replication": [0, 1, 2] * 3 + [0], "x": [1.0, 2, 3, 1, 2, 3, 3, 4, 5, 9]})
    paired = paired_differences(table, ["x"]).set_index("policy")
    assert paired.loc["same", ["ci_low", "ci_high", "p_value"]].tolist() == [0.0, 0.0, 1.0]
    assert paired.loc["plus", ["ci_low", "ci_high", "p_value"]].tolist() == [2.0, 2.0, 0.0]
    assert paired.loc["plus", "significant"] and not paired.loc["same", "significant"]
    assert np.isnan(paired.loc["one", "ci_low"]) and not paired.loc["one", "significant"]
    assert paired.loc["one", "difference"] == 8.0
    check_family(paired.reset_index(), 0.95, "fdr_bh")


def test_an_unknown_adjustment_or_kpi_is_a_clear_error():
    table = pd.DataFrame({"policy": ["baseline", "a"], "replication": [0, 0], "x": [1.0, 2.0]})
    with pytest.raises(ValueError, match="unknown adjustment 'fdr'; allowed: fdr_bh, holm"):
        paired_differences(table, ["x"], adjust="fdr")
    with pytest.raises(ValueError, match=r"no KPI 'y' in the table; KPIs: x"):
        paired_differences(table, ["y"])


# --------------------------------------------------------------------------- a real comparison


@pytest.fixture(scope="module")
def small() -> sb.Comparison:
    """The baseline and three presets on a tiny branch, 3 replications (12 runs, under a second)."""
    scenario = sb.Scenario().with_overrides(TINY)
    return sb.compare(scenario, ["crm_routing", "sales_commission", "team_meetings"], replications=3, seed=SEED,
                      executor="serial", progress=False)


@pytest.fixture(scope="module")
def drawn() -> sb.Comparison:
    """The baseline and two presets on three draws of the tiny branch (3, 4 or 5 AMs), 2 replications each."""
    scenarios = [sb.Scenario().with_overrides({**TINY, "managers.count": n}) for n in (3, 4, 5)]
    return sb.compare(scenarios, ["crm_routing", "sales_commission"], seed=SEED, executor="serial", progress=False)


@pytest.mark.parametrize("adjust", ADJUSTMENTS)
def test_a_comparison_family_is_exactly_the_kpis_and_policies_asked_for(small, adjust):
    """`paired(kpis=, policies=)`: one family over those rows only (the p-values adjusted over them,
    as `paired_differences` of the baseline and those policies gives), with intervals that agree."""
    kpis = ["profit", "sales_count", "wait_mean_h"]
    paired = small.paired(kpis=kpis, policies=["team_meetings", "crm_routing"], adjust=adjust)
    assert list(dict.fromkeys(paired["policy"])) == ["crm_routing", "team_meetings"]
    assert list(paired["kpi"]) == kpis * 2
    alone = paired_differences(small.table[small.table["policy"].isin(["baseline", "crm_routing", "team_meetings"])],
                               kpis, adjust=adjust)
    pd.testing.assert_frame_equal(paired.reset_index(drop=True), alone.reset_index(drop=True))
    check_family(paired, 0.95, adjust)
    check_family(small.paired(adjust=adjust, level=0.9), 0.9, adjust)


def test_paired_refuses_unknown_policies_and_kpis(small):
    with pytest.raises(ValueError, match=r"no policy 'nope' to compare with the baseline 'baseline'; "
                                         r"policies: crm_routing, sales_commission, team_meetings"):
        small.paired(policies=["crm_routing", "nope"])
    with pytest.raises(ValueError, match="no policy 'baseline'"):
        small.paired(policies=["baseline"])
    with pytest.raises(ValueError, match=r"no KPI 'profits' in the table; KPIs: requests_arrived, .*profit"):
        small.paired(kpis=["profit", "profits"])
    with pytest.raises(ValueError, match="no KPI 'nope'"):
        small.best("nope")


@pytest.mark.parametrize("adjust", ADJUSTMENTS)
def test_a_comparison_on_several_scenarios_agrees_too(drawn, adjust):
    kpis = ["profit", "satisfaction_mean", "stress_mean"]
    paired = drawn.paired(kpis=kpis, policies=["sales_commission"], adjust=adjust)
    assert set(paired["policy"]) == {"sales_commission"} and len(paired) == len(kpis)
    assert {"interval_low", "p_better", "n_scenarios", "ci_low_raw", "ci_level"} <= set(paired.columns)
    check_family(paired, 0.95, adjust)
    check_family(drawn.paired(adjust=adjust), 0.95, adjust)


# --------------------------------------------------------------------------- the best policy


def best_table(means: dict[str, float], noise: float = 1.0, n: int = 6, seed: int = 0) -> pd.DataFrame:
    """Policies with the given means over `n` replications with common random numbers and noise."""
    rng = np.random.default_rng(seed)
    shared = rng.normal(size=n) * 3
    return pd.DataFrame([{"policy": p, "replication": r, "x": mu + shared[r] + noise * rng.normal()}
                         for p, mu in means.items() for r in range(n)])


def test_best_is_multiple_comparisons_with_the_best():
    """The leader's one-sided paired t-tests against each other, Bonferroni x (k - 1); contenders
    the policies it cannot be told apart from. Tolerance rel 1e-9: scipy's ttest_rel computes
    the same statistic (float rounding only)."""
    shared = np.array([10.0, 14.0, 9.0, 13.0, 11.0, 12.0])  # common random numbers: every policy moves with it
    off = {"baseline": [-5.1, -4.9, -5.2, -4.8, -5.0, -5.0], "close": [-1.0, 1.0, -0.5, 0.5, -0.2, 0.1],
           "lead": [0.0] * 6, "far": [-15.1, -14.9, -15.0, -15.2, -14.8, -15.0]}
    table = pd.DataFrame([{"policy": p, "replication": r, "x": shared[r] + d[r]}
                          for p, d in off.items() for r in range(6)])
    result = best(table, "x")
    wide = table.pivot(index="replication", columns="policy", values="x")
    one_sided = {o: stats.ttest_rel(wide["lead"], wide[o], alternative="greater").pvalue
                 for o in ("close", "baseline", "far")}
    assert result["policy"] == "lead" and result["runner_up"] == "close"
    assert result["p_value"] == pytest.approx(min(1.0, 3 * max(one_sided.values())), rel=1e-9)
    assert not result["significant"] and result["contenders"] == ["lead", "close"]
    assert result["margin"] == pytest.approx(wide["lead"].mean() - wide["close"].mean(), rel=1e-12)
    # lower is better: the same table read the other way round
    low = best(table, "x", maximize=False)
    assert low["policy"] == "far" and low["significant"] and low["contenders"] == ["far"]


def test_best_with_one_policy_or_a_tie():
    one = best(best_table({"only": 1.0}), "x")
    assert one["policy"] == "only" and not one["significant"] and one["contenders"] == ["only"]
    assert np.isnan(one["p_value"]) and one["runner_up"] is None
    tie = best(best_table({"a": 1.0, "b": 1.0}, noise=0.0), "x")  # identical runs: p = 1
    assert tie["p_value"] == 1.0 and not tie["significant"] and tie["contenders"] == ["a", "b"]


def test_best_over_scenarios_tests_over_the_draws():
    """Over several scenarios the leader's tests are over the draws' mean differences (S - 1 df)."""
    rows = []
    rng = np.random.default_rng(3)
    for s in range(5):
        level = rng.normal() * 5  # the draws differ a lot; the leader is 2 ahead in every one
        for r in range(2):
            rows += [{"policy": p, "scenario": s, "replication": r, "x": level + mu + rng.normal() * 0.3}
                     for p, mu in (("baseline", 0.0), ("lead", 2.0), ("other", 0.5))]
    table = pd.DataFrame(rows)
    result = best_over_scenarios(table, "x")
    d = table.pivot_table(index="scenario", columns="policy", values="x", aggfunc="mean")
    one_sided = {o: stats.ttest_1samp(d["lead"] - d[o], 0.0, alternative="greater").pvalue
                 for o in ("baseline", "other")}
    assert result["policy"] == "lead" and result["significant"] and result["contenders"] == ["lead"]
    assert result["p_value"] == pytest.approx(min(1.0, 2 * max(one_sided.values())), rel=1e-9)
    assert result["p_better"] == 1.0


def test_the_bonferroni_best_is_rarely_wrong_when_no_policy_is_better():
    """Four equal policies, strongly correlated (common random numbers), 5 replications: the leader is
    declared better than all others in at most 1 - level of 2000 experiments. Tolerance: three
    binomial standard errors above 0.05 (sqrt(0.05 * 0.95 / 2000) = 0.0049), so a correct
    procedure fails this by chance less than once in 700; being conservative, it is far below."""
    rng = np.random.default_rng(20240515)
    trials, k, n = 2000, 4, 5
    x = rng.normal(size=(trials, 1, n)) * 3 + rng.normal(size=(trials, k, n))  # trial x policy x replication
    wrong = 0
    for sample in x:
        means = sample.mean(axis=1)
        lead = int(np.argmax(means))
        d = sample[lead] - np.delete(sample, lead, axis=0)
        p = stats.t.sf(d.mean(axis=1) / (d.std(axis=1, ddof=1) / np.sqrt(n)), n - 1)
        wrong += multiple_comparisons_with_the_best(dict(enumerate(p)), 0.95)["significant"]
    assert wrong / trials <= 0.05 + 3 * np.sqrt(0.05 * 0.95 / trials)


@PROPERTY
@given(tables(several=False), st.booleans())
def test_best_is_significant_exactly_when_it_has_no_contender(table, maximize):
    result = best(table, "k0", maximize=maximize)
    assert result["contenders"][0] == result["policy"]
    assert set(result["contenders"]) <= set(table["policy"])
    assert result["significant"] == (len(result["contenders"]) == 1 and table["policy"].nunique() > 1)
    assert result["significant"] == (result["p_value"] < 0.05)


# --------------------------------------------------------------------------- bands over time


def test_a_band_of_non_negative_values_stays_at_or_above_0():
    """Three replications of a daily count, [0, 0, 3]: the t interval would reach -2.6, the band stops at
    0 (the smallest value seen); with an explicit bound the same."""
    frame = pd.DataFrame({"day": [0, 0, 0], "sales": [0.0, 0.0, 3.0]})
    mean, half = 1.0, stats.t.ppf(0.975, 2) * np.sqrt(3.0) / np.sqrt(3)
    assert mean - half < 0
    out = band(frame, "day", "sales")
    assert out.loc[0, "ci_low"] == 0.0 and out.loc[0, "ci_high"] == 3.0 and out.loc[0, "mean"] == 1.0
    bounded = band(frame.assign(sales=[0.5, 0.5, 3.0]), "day", "sales", lower=0.0, upper=2.0)
    assert bounded.loc[0, "ci_low"] == 0.5 and bounded.loc[0, "ci_high"] == 2.0


def test_bands_of_a_comparison_stay_in_range(small):
    """Daily sales never banded below 0, headcount never above the largest headcount seen that day."""
    daily = small.daily(["sales_count", "headcount", "wait_mean_h"])
    for column in ("sales_count", "headcount", "wait_mean_h"):
        out = band(daily, ["policy", "day"], column)
        seen = daily.groupby(["policy", "day"], sort=False)[column].agg(["min", "max"]).reset_index()
        merged = out.merge(seen, on=["policy", "day"])
        has = merged["ci_low"].notna()
        assert (merged.loc[has, "ci_low"] >= merged.loc[has, "min"]).all()
        assert (merged.loc[has, "ci_high"] <= merged.loc[has, "max"]).all()
        assert (merged.loc[has, "ci_low"] <= merged.loc[has, "mean"]).all()
        assert (merged.loc[has, "mean"] <= merged.loc[has, "ci_high"]).all()
        assert (merged.loc[has, "ci_low"] >= 0).all()


@PROPERTY
@given(st.lists(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=6), min_size=1, max_size=5),
       st.sampled_from((0.5, 0.9, 0.99)))
def test_a_band_is_the_t_interval_cut_to_the_values_seen(groups, level):
    """min <= ci_low <= mean <= ci_high <= max per group, and where the t interval fits it is that
    interval (rel 1e-9 + 1e-6 absolute: the same formula, the mean summed in another order)."""
    frame = pd.DataFrame([{"g": i, "v": v} for i, values in enumerate(groups) for v in values])
    out = band(frame, "g", "v", level)
    for i, values in enumerate(groups):
        row = out.iloc[i]
        x = np.array(values)
        if len(x) < 2:
            assert np.isnan(row["ci_low"]) and np.isnan(row["ci_high"])
            continue
        assert x.min() <= row["ci_low"] <= row["mean"] <= row["ci_high"] <= x.max()
        half = stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
        assert row["ci_low"] == pytest.approx(max(x.mean() - half, x.min()), rel=1e-9, abs=1e-6)
        assert row["ci_high"] == pytest.approx(min(x.mean() + half, x.max()), rel=1e-9, abs=1e-6)


# --------------------------------------------------------------------------- directions


def summary_of(points: dict[str, tuple[float, float]], x: str, y: str) -> pd.DataFrame:
    return pd.DataFrame([{"policy": p, "kpi": k, "mean": v} for p, (vx, vy) in points.items()
                         for k, v in ((x, vx), (y, vy))])


def test_pareto_front_refuses_a_kpi_without_a_better_direction():
    """requests_arrived is a volume ("neither"): no dominance without `maximize`; with it, as told.
    Without `maximize`, a KPI where lower is better counts smaller as better."""
    assert direction("requests_arrived") == "neither" and direction("wait_mean_h") == "lower"
    summary = summary_of({"baseline": (1, 1), "a": (2, 2)}, "requests_arrived", "profit")
    with pytest.raises(ValueError, match=r"no better direction for 'requests_arrived'.*give maximize"):
        pareto_front(summary, "requests_arrived", "profit")
    front = pareto_front(summary, "requests_arrived", "profit", maximize=(True, True)).set_index("policy")
    assert front["dominated"].to_dict() == {"baseline": True, "a": False}
    waits = pareto_front(summary_of({"baseline": (1, 1), "a": (2, 2)}, "wait_mean_h", "profit"), "wait_mean_h",
                         "profit").set_index("policy")
    assert not waits["dominated"].any(), "a waits longer but earns more: neither dominates"
    with pytest.raises(ValueError, match="no better direction for 'my_column'"):
        pareto_front(summary_of({"baseline": (1, 1)}, "my_column", "profit"), "my_column", "profit")


def test_p_better_of_a_kpi_without_a_direction_is_the_share_of_draws_where_it_is_larger():
    """requests_arrived larger in 2 of 3 draws, equal in none: p_better 2/3, whatever "better" means."""
    rows = [{"policy": p, "scenario": s, "replication": 0, "requests_arrived": 100.0 + (p == "a") * d}
            for s, d in enumerate((5.0, -3.0, 1.0)) for p in ("baseline", "a")]
    paired = paired_over_scenarios(pd.DataFrame(rows), ["requests_arrived"])
    assert paired.loc[0, "p_better"] == pytest.approx(2 / 3, rel=1e-12)
