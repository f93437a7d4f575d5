"""Comparing policies: every policy on the same replication seeds, statistics on the paired runs.

On one scenario, the statistics are over replications (`simbranch.analysis.replications`). On
several scenarios (draws of uncertain parameters, e.g. `Calibration.scenarios(30)`), every policy
runs on every scenario; each scenario has replication seeds of its own, shared by the policies
within it, and the statistics count both the parameter uncertainty and the noise
(`simbranch.analysis.uncertainty`).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simbranch import meanings
from simbranch.analysis.replications import best, check_kpis, paired_differences, summarise
from simbranch.analysis.uncertainty import (
    best_over_scenarios,
    paired_over_scenarios,
    scenario_differences,
    summarise_over_scenarios,
)
from simbranch.analysis.warmup import mser5
from simbranch.experiment.design import (
    RunSpec,
    as_scenarios,
    check_replications,
    check_seed,
    draw_replication,
    draw_seed_index,
    model_fingerprint,
    resolve_policies,
    run_specs,
    scenario_specs,
)
from simbranch.experiment.executors import ExecutorLike, execute_all
from simbranch.experiment.store import ResultStore, records_to_frame
from simbranch.model.records import DAILY_COLUMNS
from simbranch.run import KPI_NAMES, RunResult, kpi_names
from simbranch.scenario import Policy, Scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Comparison", "compare", "compare_scenarios", "comparison_from_records", "remember_comparison",
           "run_experiment"]

#: Daily columns a comparison keeps from every run, for plots over time (`Comparison.daily`).
SERIES_COLUMNS = ("satisfaction_mean", "nps", "sales_count", "revenue", "wait_mean_h", "utilisation", "queue_length",
                  "overtime_h", "proactive_h", "stress_mean", "exhaustion_mean", "exhausted_share", "burnout_share",
                  "skill_mean", "motivation_mean", "headcount", "clients", "cost")
#: Daily series whose warm-up `Comparison.warmup_check` reads: every column of a run's daily frame
#: but the day and the warm-up flag.
WARMUP_SERIES = tuple(c for c in DAILY_COLUMNS if c not in ("day", "warmup"))

#: KPIs shown by default in summaries and paired tables.
HEADLINE_KPIS = ["satisfaction_mean", "nps", "sales_count", "revenue", "profit", "cost_total", "complaints",
                 "wait_mean_h", "overtime_hours", "stress_mean", "exhausted_share", "am_turnover_rate",
                 "client_churn_rate"]

#: Replications per scenario when `compare` gets several scenarios and no `replications`. The point
#: of several scenarios is the spread of the effect across them, which one replication per draw
#: already shows (the draws have seeds of their own, so their spread holds the noise too, and the
#: expected difference's CI over the draws counts it); two is the fewest that tell the noise
#: within a draw from the spread between draws (`parameter_share`). 30 draws then cost as much as
#: 60 replications of one scenario; 30 per draw would cost 900. More draws narrow the CI of the
#: expected difference more than more replications per draw do.
SCENARIO_REPLICATIONS = 2

#: Replications of `compare` on one scenario when none are given.
REPLICATIONS = 30


@dataclass
class Comparison:
    """Result of `compare`: one row per policy x replication in `table`, statistics on demand.

    On several scenarios, `scenarios` holds them (`scenario` is the first), `table` has a
    `scenario` column (the index in `scenarios`) and one row per policy x scenario x replication,
    `replication` being the replication within the scenario (0 to `replications` - 1) and
    `spawn_key` the run's seed index (`SeedSequence(seed, spawn_key=(spawn_key,))`,
    `simbranch.experiment.design.draw_seed_index`: each scenario has seeds of its own, shared by
    the policies within it); `summary`, `paired` and `best` count the spread between the
    scenarios as well as the noise (`simbranch.analysis.uncertainty`).

    Parameters
    ----------
    scenario : Scenario
        The scenario the policies ran on (the first one, on several).
    policies : list of Policy
        The policies compared, the baseline first.
    table : pandas.DataFrame
        One row per finished run: policy, replication, seed, status, error, wall_time_s, key and
        one column per KPI (on several scenarios also `scenario` and `spawn_key`).
    failures : pandas.DataFrame
        The runs that raised: policy, replication, seed and error (on several scenarios also
        scenario and spawn_key); run the same comparison with the same store to retry them.
    seed : int
        The experiment's seed.
    provenance : dict, optional
        What reproduces the experiment: seed, model fingerprint, Python and package versions.
    series : pandas.DataFrame, optional
        One row per policy x replication x day: `day`, `warmup` and the `SERIES_COLUMNS`
        (`daily` reads it).
    scenarios : list of Scenario, optional
        Every scenario compared on (the parameter draws); by default ``[scenario]``.

    Raises
    ------
    TypeError
        When a required field is missing. The fields are not checked: `compare` and
        `load_comparison` build a Comparison from the runs.

    Examples
    --------
    >>> import simbranch as sb
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
    >>> cmp = sb.compare(scenario, ["crm_routing"], replications=2, executor="serial", progress=False)
    >>> [policy.name for policy in cmp.policies]
    ['baseline', 'crm_routing']
    >>> cmp.table[["policy", "replication"]].to_numpy().tolist()
    [['baseline', 0], ['baseline', 1], ['crm_routing', 0], ['crm_routing', 1]]
    >>> len(cmp.failures), cmp.n_scenarios
    (0, 1)
    """

    scenario: Scenario = field(repr=False)
    policies: list[Policy]
    table: pd.DataFrame = field(repr=False)
    failures: pd.DataFrame = field(repr=False)
    seed: int
    provenance: dict[str, Any] = field(default_factory=dict, repr=False)
    #: one row per policy x replication x day: `day`, `warmup` and the `SERIES_COLUMNS`
    series: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    #: every scenario compared on (the parameter draws); `[scenario]` for a comparison on one
    scenarios: list[Scenario] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if not self.scenarios:
            self.scenarios = [self.scenario]

    @property
    def replications(self) -> int:
        """The number of replications per scenario.

        Returns
        -------
        int
            Replications per scenario (0 when no run finished).

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> cmp = sb.compare(scenario, ["crm_routing"], replications=2, executor="serial", progress=False)
        >>> cmp.replications
        2
        """
        return int(self.table["replication"].nunique()) if len(self.table) else 0

    @property
    def n_scenarios(self) -> int:
        """How many scenarios the policies ran on (1 for a comparison on one scenario).

        Returns
        -------
        int
            The length of `scenarios`.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> cmp = sb.compare(scenario, ["crm_routing"], replications=2, executor="serial", progress=False)
        >>> cmp.n_scenarios
        1
        >>> several = sb.compare([scenario, scenario.with_overrides({"clients.count": 120})], ["crm_routing"],
        ...                      replications=1, executor="serial", progress=False)
        >>> several.n_scenarios
        2
        """
        return len(self.scenarios)

    def summary(self, kpis: Sequence[str] | None = None, level: float = 0.95) -> pd.DataFrame:
        """Return per policy and KPI the mean, std, CI half-width, relative half-width and n.

        On several scenarios, `simbranch.analysis.uncertainty.summarise_over_scenarios`: the CI
        counts the spread between scenarios, and the range of the scenarios' means is added.

        Parameters
        ----------
        kpis : sequence of str, optional
            The KPIs to summarise (default `HEADLINE_KPIS`).
        level : float
            Confidence level of the intervals.

        Returns
        -------
        pandas.DataFrame
            One row per policy and KPI: policy, kpi, mean, std, ci_half_width, rel_ci (the
            half-width as a share of the mean) and n (the runs with a value); on several
            scenarios also n_scenarios, interval_low, interval_high (the range of the scenarios'
            means) and parameter_share.

        Raises
        ------
        ValueError
            For a KPI the table has no column for (naming it and the KPIs there are), or a
            `level` not between 0 and 1.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> cmp = sb.compare(scenario, ["crm_routing"], replications=2, executor="serial", progress=False)
        >>> summary = cmp.summary(["satisfaction_mean", "sales_count"])
        >>> summary[["policy", "kpi", "n"]].to_numpy().tolist()
        [['baseline', 'satisfaction_mean', 2], ['baseline', 'sales_count', 2],
         ['crm_routing', 'satisfaction_mean', 2], ['crm_routing', 'sales_count', 2]]
        >>> bool((summary["mean"] > 0).all())
        True
        """
        chosen = [kpis] if isinstance(kpis, str) else list(kpis or HEADLINE_KPIS)
        check_kpis(self.table, chosen)
        if not 0 < level < 1:
            raise ValueError(f"level must be between 0 and 1, got {level!r}")
        if self.n_scenarios > 1:
            return summarise_over_scenarios(self.table, chosen, level=level)
        return summarise(self.table, chosen, level=level)

    def paired(self, baseline: str = "baseline", kpis: Sequence[str] | None = None, level: float = 0.95,
               adjust: str = "fdr_bh", policies: Sequence[str] | None = None) -> pd.DataFrame:
        """Return per policy and KPI the mean difference from `baseline`, its CI and adjusted p-value.

        The rows form one family: the `policies` (names other than the baseline; default all of
        them) times the `kpis` (default `HEADLINE_KPIS`), and nothing else. The p-values are
        adjusted over that family (`adjust`: "fdr_bh", "holm", "bonferroni" or "none"), and
        `ci_low`/`ci_high` are the intervals adjusted for it (at level `ci_level`), so that a row
        is `significant` exactly when its interval excludes 0; `ci_low_raw`/`ci_high_raw` are the
        unadjusted `level` intervals (`simbranch.analysis.replications.adjusted_intervals`). A
        caller that shows some policies and KPIs asks for exactly those, so that what it shows is
        the family that was adjusted for.

        On several scenarios, `simbranch.analysis.uncertainty.paired_over_scenarios`: the same
        columns (`difference` the expected difference over the scenarios, with its CI) and
        `interval_low`/`interval_high` (the range of the effect across the scenarios: parameter
        uncertainty and noise), `p_better` (the probability of beating the baseline),
        `parameter_share` and `n_scenarios`. A KPI or policy the comparison does not have is a
        ValueError naming it and what there is.

        Parameters
        ----------
        baseline : str
            The policy the others are compared with.
        kpis : str or sequence of str, optional
            The KPIs of the family (default `HEADLINE_KPIS`).
        level : float
            Confidence level of the unadjusted intervals; 1 - level is the family's error rate.
        adjust : {"fdr_bh", "holm", "bonferroni", "none"}
            The multiplicity adjustment over the family: Benjamini-Hochberg false discovery rate,
            Holm or Bonferroni family-wise error rate, or none.
        policies : str or sequence of str, optional
            The policies of the family, other than the baseline (default all of them).

        Returns
        -------
        pandas.DataFrame
            One row per policy and KPI: policy, kpi, baseline_mean, difference, ci_low, ci_high,
            ci_low_raw, ci_high_raw, ci_level, relative (difference / baseline_mean), p_value, n
            (pairs), p_adjusted and significant; on several scenarios also interval_low,
            interval_high, p_better, parameter_share and n_scenarios.

        Raises
        ------
        ValueError
            For a KPI or policy the comparison does not have, a baseline without runs, an unknown
            `adjust`, or a `level` not between 0 and 1.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> cmp = sb.compare(scenario, ["crm_routing"], replications=2, executor="serial", progress=False)
        >>> paired = cmp.paired(kpis=["satisfaction_mean", "sales_count"])
        >>> paired[["policy", "kpi", "n"]].to_numpy().tolist()
        [['crm_routing', 'satisfaction_mean', 2], ['crm_routing', 'sales_count', 2]]
        >>> inside = (paired["ci_low"] <= paired["difference"]) & (paired["difference"] <= paired["ci_high"])
        >>> bool(inside.all())
        True
        """
        chosen = [kpis] if isinstance(kpis, str) else list(kpis or HEADLINE_KPIS)
        check_kpis(self.table, chosen)
        table = self._family_table(baseline, policies)
        if self.n_scenarios > 1:
            return paired_over_scenarios(table, chosen, baseline=baseline, level=level, adjust=adjust)
        return paired_differences(table, chosen, baseline=baseline, level=level, adjust=adjust)

    def _family_table(self, baseline: str, policies: Sequence[str] | None) -> pd.DataFrame:
        """The runs of the baseline and of `policies` (all the policies when None): the rows of one family."""
        if policies is None:
            return self.table
        names = [policies] if isinstance(policies, str) else list(policies)
        allowed = [p.name for p in self.policies if p.name != baseline]
        unknown = [name for name in names if name not in allowed]
        if unknown:
            raise ValueError(f"no policy {', '.join(map(repr, unknown))} to compare with the baseline {baseline!r}; "
                             f"policies: {', '.join(allowed) or 'none'}")
        return self.table[self.table["policy"].isin([baseline, *names])]

    def scenario_effects(self, baseline: str = "baseline", kpis: Sequence[str] | None = None) -> pd.DataFrame:
        """Return per policy, KPI and scenario the mean paired difference from `baseline`.

        The mean is over that scenario's replications: the policy's effect under each draw
        (`paired` summarises these).

        Parameters
        ----------
        baseline : str
            The policy the others are compared with.
        kpis : sequence of str, optional
            The KPIs (default `HEADLINE_KPIS`).

        Returns
        -------
        pandas.DataFrame
            One row per policy, KPI and scenario: policy, kpi, scenario (the index in
            `scenarios`), difference and n (the pairs; 0 and a NaN difference where a scenario has
            no complete pair).

        Raises
        ------
        ValueError
            For a KPI the comparison does not have, or a baseline without runs.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> cmp = sb.compare(scenario, ["crm_routing"], replications=2, executor="serial", progress=False)
        >>> effects = cmp.scenario_effects(kpis=["satisfaction_mean"])
        >>> effects[["policy", "kpi", "scenario", "n"]].to_numpy().tolist()
        [['crm_routing', 'satisfaction_mean', 0, 2]]
        """
        table = self.table if "scenario" in self.table else self.table.assign(scenario=0)
        return scenario_differences(table, list(kpis or HEADLINE_KPIS), baseline=baseline)

    def best(self, kpi: str, maximize: bool = True, level: float = 0.95) -> pd.Series:
        """Return the policy with the best mean `kpi` (the leader), and whether it beats every other.

        Multiple comparisons with the best (`simbranch.analysis.replications.best`): the leader's
        one-sided paired tests against each other policy, Bonferroni-adjusted over the k - 1 of
        them. Fields: `policy`, `kpi`, `mean`, `runner_up`, `margin` (over the runner-up),
        `significant` (the leader beats every other policy), `p_value` (the adjusted p of that),
        `contenders` (the leader, then the policies it cannot be told apart from). On several
        scenarios the tests are over the scenarios (`simbranch.analysis.uncertainty.best_over_scenarios`),
        and `p_better` is the share of scenarios in which the leader beats the runner-up.

        Parameters
        ----------
        kpi : str
            The KPI to rank the policies by.
        maximize : bool
            Whether more is better; False for a KPI such as wait_mean_h, where the lowest mean
            leads.
        level : float
            1 - level is the error rate of the verdict (`significant`, `contenders`).

        Returns
        -------
        pandas.Series
            The fields above (and `p_better` on several scenarios).

        Raises
        ------
        ValueError
            For a KPI the comparison does not have; on several scenarios also for a `level` not
            between 0 and 1.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> cmp = sb.compare(scenario, ["crm_routing"], replications=2, executor="serial", progress=False)
        >>> verdict = cmp.best("satisfaction_mean")
        >>> list(verdict.index)
        ['policy', 'kpi', 'mean', 'runner_up', 'margin', 'significant', 'p_value', 'contenders']
        >>> verdict["contenders"][0] == verdict["policy"]
        True
        """
        if self.n_scenarios > 1:
            return best_over_scenarios(self.table, kpi, maximize=maximize, level=level)
        return best(self.table, kpi, maximize=maximize, level=level)

    def daily(self, columns: Sequence[str] | None = None, warmup: bool = False) -> pd.DataFrame:
        """Return the daily series of every policy and replication, in long form.

        Columns: policy (on several scenarios also `scenario` after it), replication, day, warmup
        and the series. The warm-up days are left out unless ``warmup=True``.

        Parameters
        ----------
        columns : sequence of str, optional
            The series to return (default every one of `SERIES_COLUMNS` the comparison kept).
        warmup : bool
            Whether to keep the warm-up days.

        Returns
        -------
        pandas.DataFrame
            One row per policy, replication and day (empty when the comparison kept no series,
            e.g. one rebuilt from a store of runs stored without them).

        Raises
        ------
        ValueError
            For a column that is not one of the kept daily series.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> cmp = sb.compare(scenario, ["crm_routing"], replications=2, executor="serial", progress=False)
        >>> daily = cmp.daily(["satisfaction_mean"])
        >>> list(daily.columns)
        ['policy', 'replication', 'day', 'warmup', 'satisfaction_mean']
        >>> len(daily)  # 2 policies x 2 replications x 5 days
        20
        """
        frame = self.series
        if not len(frame):
            return frame
        if not warmup:
            frame = frame[~frame["warmup"]]
        cols = list(columns) if columns is not None else [c for c in SERIES_COLUMNS if c in frame]
        unknown = [c for c in cols if c not in frame]
        if unknown:
            raise ValueError(f"no daily series {', '.join(map(repr, unknown))}; kept: {', '.join(SERIES_COLUMNS)}")
        keys = ["policy", "scenario"] if "scenario" in frame else ["policy"]
        return frame[[*keys, "replication", "day", "warmup", *cols]].reset_index(drop=True)

    def _scenario_at(self, scenario: int) -> Scenario:
        if not isinstance(scenario, int | np.integer) or not 0 <= scenario < self.n_scenarios:
            raise ValueError(f"no scenario {scenario!r} in this comparison; scenarios: 0 to {self.n_scenarios - 1}")
        return self.scenarios[int(scenario)]

    def _check_replication(self, replication: int) -> None:
        """A ValueError unless `replication` is one of this comparison's: another would run a seed
        that no run of the comparison used."""
        if not isinstance(replication, int | np.integer) or isinstance(replication, bool) \
                or not 0 <= replication < max(self.replications, 1):
            raise ValueError(f"no replication {replication!r} in this comparison; replications: 0 to "
                             f"{self.replications - 1}")

    def _seed(self, replication: int, scenario: int) -> np.random.SeedSequence:
        """The seed of replication `replication` of scenario `scenario` (each scenario of a comparison on
        several has seeds of its own: `draw_seed_index`)."""
        several = self.n_scenarios > 1 or "scenario" in self.table.columns
        index = draw_seed_index(int(scenario), int(replication)) if several else int(replication)
        return np.random.SeedSequence(self.seed, spawn_key=(index,))

    def rerun(self, policy: str = "baseline", replication: int = 0, scenario: int = 0) -> RunResult:
        """Run one run of the comparison again, with its frames (clients, managers).

        Same seed, same numbers: the run's KPIs are its row of `table`. `scenario` is the index
        in `scenarios` (on several scenarios; 0 is the first), `replication` the replication
        within it (as in `table`).

        Parameters
        ----------
        policy : str
            The policy's name.
        replication : int
            The replication (0 to `replications` - 1).
        scenario : int
            The index of the scenario in `scenarios`.

        Returns
        -------
        RunResult
            The run, with its KPIs, daily series and the frames of clients and managers.

        Raises
        ------
        ValueError
            For a policy, replication or scenario the comparison does not have.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> cmp = sb.compare(scenario, ["crm_routing"], replications=2, executor="serial", progress=False)
        >>> result = cmp.rerun("crm_routing", replication=1)
        >>> row = cmp.table[(cmp.table["policy"] == "crm_routing") & (cmp.table["replication"] == 1)]
        >>> float(result.kpis["satisfaction_mean"]) == float(row["satisfaction_mean"].iloc[0])
        True
        >>> len(result.clients) > 0
        True
        """
        from simbranch.run import run

        names = [p.name for p in self.policies]
        if policy not in names:
            raise ValueError(f"no policy {policy!r} in this comparison; policies: {', '.join(names)}")
        self._check_replication(replication)
        chosen = self.policies[names.index(policy)]
        base = self._scenario_at(scenario)
        sc = base if policy == "baseline" else base.with_policy(chosen)
        return run(sc, self._seed(replication, scenario))

    def warmup_check(self, series: str = "satisfaction_mean", replication: int = 0, scenario: int = 0) -> pd.DataFrame:
        """Return the MSER-5 truncation point of a daily series per policy, beside the warm-up.

        Each policy's run of replication `replication` of scenario `scenario` (the index in
        `scenarios`) runs again, and MSER-5 (`simbranch.analysis.mser5`) says from which day the
        series has settled; the configured warm-up (`branch.warmup_days`) is long enough when it
        covers that.

        Parameters
        ----------
        series : str
            A column of a run's daily frame (`RunResult.daily`).
        replication : int
            The replication whose seed the runs use.
        scenario : int
            The index of the scenario in `scenarios`.

        Returns
        -------
        pandas.DataFrame
            One row per policy: policy, series, mser5_days, warmup_days and warmup_long_enough.

        Raises
        ------
        ValueError
            For a series the daily frame has no column for, or a replication or scenario the
            comparison does not have (as `rerun`).

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> cmp = sb.compare(scenario, ["crm_routing"], replications=2, executor="serial", progress=False)
        >>> check = cmp.warmup_check("satisfaction_mean")
        >>> list(check.columns)
        ['policy', 'series', 'mser5_days', 'warmup_days', 'warmup_long_enough']
        >>> check["policy"].tolist()
        ['baseline', 'crm_routing']
        """
        from simbranch.run import run

        if series not in WARMUP_SERIES:
            raise ValueError(f"no daily series {series!r}; series: {', '.join(WARMUP_SERIES)}")
        self._check_replication(replication)
        base = self._scenario_at(scenario)
        rows = []
        for policy in self.policies:
            sc = base if policy.name == "baseline" else base.with_policy(policy)
            daily = run(sc, self._seed(replication, scenario)).daily
            rows.append({"policy": policy.name, "series": series, "mser5_days": mser5(daily[series].to_numpy()),
                         "warmup_days": sc.branch.warmup_days})
        frame = pd.DataFrame(rows)
        frame["warmup_long_enough"] = frame["mser5_days"] <= frame["warmup_days"]
        return frame

    def plot(self, kind: str = "forest", **kwargs: Any) -> Figure:
        """Draw a figure of this comparison (`simbranch.plots`).

        By `kind`:

        - "forest": differences from the baseline with CIs (`plots.forest` of `paired(kpis=, baseline=, ...)`);
        - "kpis": KPI means per policy with CIs (`plots.kpi_bars` of `summary(kpis=)`);
        - "time": daily series with bands across replications, warm-up shaded (`plots.over_time` of
          `daily(columns=, warmup=True)`; `policies=`, `smooth_days=`);
        - "tradeoff": `y` against `x` (default profit against satisfaction_mean) with the Pareto front;
        - "distributions" / "scatter": clients and AMs of `rerun(policy, replication)` for `policies=`
          (default the baseline and the next policies, 4 in all).

        Parameters
        ----------
        kind : {"forest", "kpis", "time", "tradeoff", "distributions", "scatter"}
            The figure.
        **kwargs
            Passed on to `simbranch.plots.plot_comparison`: ``lang`` ("en" or "zh"), ``currency``
            and the options of the kind above.

        Returns
        -------
        matplotlib.figure.Figure
            The figure (not shown; save it with ``savefig``).

        Raises
        ------
        ValueError
            For an unknown kind or language, or a KPI, policy or series the comparison does not
            have.
        TypeError
            For an option the kind does not take.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> cmp = sb.compare(scenario, ["crm_routing"], replications=2, executor="serial", progress=False)
        >>> fig = cmp.plot("forest", kpis=["satisfaction_mean", "sales_count"])
        >>> fig.savefig("forest.png")
        >>> len(fig.axes) >= 1
        True
        """
        from simbranch.plots import plot_comparison

        return plot_comparison(self, kind, **kwargs)

    def _repr_html_(self) -> str:
        runs = (f"{self.n_scenarios} scenarios x {self.replications} replications" if self.n_scenarios > 1
                else f"{self.replications} replications")
        head = (f"<b>simbranch comparison</b>: {len(self.policies)} policies x {runs}, "
                f"seed {self.seed}" + (f", <b>{len(self.failures)} failed runs</b>" if len(self.failures) else ""))
        table = self.paired(kpis=["satisfaction_mean", "sales_count", "profit", "stress_mean"])
        if not len(table):
            return head
        currency = self.scenario.branch.currency

        def value(kpi: str, x: float, difference: bool = True) -> str:
            return meanings.fmt(kpi, x, difference=difference, currency=currency)

        shown = pd.DataFrame({
            "measure": [meanings.label(p, default=p) for p in table["policy"]],
            "KPI": [meanings.label(k) for k in table["kpi"]],
            "baseline": [value(k, x, False) for k, x in zip(table["kpi"], table["baseline_mean"], strict=True)],
            "difference": [value(k, x) for k, x in zip(table["kpi"], table["difference"], strict=True)],
            "adjusted 95 % interval": [f"[{value(k, lo)}, {value(k, hi)}]" for k, lo, hi in
                                       zip(table["kpi"], table["ci_low"], table["ci_high"], strict=True)],
            "significant": ["yes" if s else "" for s in table["significant"]]})
        if self.n_scenarios > 1:
            shown["P(better)"] = [f"{p:.0%}" if p == p else "" for p in table["p_better"]]
            head += ("<br>difference: expected over the scenarios, with its interval; P(better): the share of "
                     "scenarios where the measure beats the baseline")
        return head + shown.to_html(index=False, escape=True)


def run_experiment(specs: list[RunSpec], executor: ExecutorLike = None, store: str | Path | None = None,
                   progress: bool = True, experiment: str = "",
                   on_record: Callable[[dict[str, Any]], None] | None = None) -> list[dict[str, Any]]:
    """Run the specs not already in the store; return the records of all of them.

    With a store, finished runs stream into it and are not kept in memory while the experiment
    runs (memory stays flat however many runs there are); the records are read back at the end.
    """
    db = ResultStore(store) if store is not None else None
    try:
        series = any(s.series for s in specs)
        done = db.keys(with_series=series) if db is not None else set()
        todo = [s for s in specs if s.key not in done]
        if db is not None and todo:
            db.require_writable(f"cannot store the {len(todo)} runs still to do")  # a full disk: before, not after
        records: dict[str, dict[str, Any]] = {}
        failed = 0
        bar = _progress(len(todo), progress)
        results = execute_all(todo, executor)
        try:
            for record in results:
                if db is not None:
                    db.add(record, experiment)
                else:
                    records[record["key"]] = record
                if on_record is not None:
                    on_record(record)
                failed += record["status"] != "ok"
                if bar is not None:
                    bar.update(1)
                    if failed:
                        bar.set_postfix(failed=failed)
        finally:
            results.close()  # a store error (disk full) stops the pool now, not when the error is let go
            if bar is not None:
                bar.close()
        if db is not None:
            records = {r["key"]: r for r in db.records({s.key for s in specs}, with_series=series)}
        return [records[s.key] for s in specs if s.key in records]
    finally:
        if db is not None:
            db.close()


def _checked_auto_kpis(auto_kpis: Sequence[str] | str, scenario: Scenario) -> list[str]:
    """`auto_kpis` as a list of KPIs a run of `scenario` reports (one name is a list of one), or a
    ValueError naming those it does not and the KPIs it does: checked before any run."""
    chosen = [auto_kpis] if isinstance(auto_kpis, str) else list(auto_kpis)
    known = kpi_names(scenario)
    unknown = [k for k in chosen if k not in known]
    if not chosen or unknown:
        what = f"no KPI {', '.join(map(repr, unknown))}" if unknown else "no KPI given"
        raise ValueError(f"auto_kpis: {what}; KPIs: {', '.join(known)}")
    return chosen


def _progress(total: int, enabled: bool) -> Any:
    if not enabled or total == 0:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="run", desc="simbranch", file=sys.stderr, leave=False)


def compare(scenario: Scenario | Sequence[Scenario], policies: Sequence[Policy | str | Path] | None = None,
            replications: int | str | None = None, seed: int = 0, executor: ExecutorLike = None,
            store: str | Path | None = None, progress: bool = True, target_rel_ci: float = 0.02,
            auto_kpis: Sequence[str] = ("satisfaction_mean", "sales_count"), max_replications: int = 200,
            ) -> Comparison:
    """Run the baseline and each policy on the same replication seeds (common random numbers).

    `scenario` is one `Scenario`, or a sequence of them: draws of uncertain parameters (e.g.
    `Calibration.scenarios(30)`; they may differ in any field, and a sequence of one is the same
    as that scenario). Each policy then runs on each scenario, and each scenario has seeds of its
    own: replication r of scenario s uses `SeedSequence(seed, spawn_key=(draw_seed_index(s, r),))`
    for every policy, so policies are paired within a scenario (common random numbers) and the
    scenarios are independent draws of parameters and noise alike. (With seeds shared across the
    scenarios, the luck of seed r would shift the effect in every scenario alike, and the spread
    across them would miss that noise.) `table` gets a `scenario` column (and `spawn_key`, the
    seed index), and `paired()` gives the expected difference with its CI, the range of the
    effect across the scenarios, and the probability of beating the baseline
    (`simbranch.analysis.uncertainty`). The seed index depends on s and r alone, so the same call
    with more replications, or with more scenarios appended, reuses the runs a store holds.

    `replications` are per scenario: by default 30 on one scenario and `SCENARIO_REPLICATIONS`
    (2) on several (the spread across the draws is the point; 30 draws x 30 replications would
    cost 900 runs per policy). `replications="auto"` (one scenario only) adds replications until every
    policy's `auto_kpis` have a 95 % CI half-width within `target_rel_ci` of their mean
    (sequential procedure after Hoad, Robinson & Davies 2010), up to `max_replications`.

    Parameters
    ----------
    scenario : Scenario or sequence of Scenario
        The branch, or draws of its uncertain parameters.
    policies : sequence of Policy, str or Path, optional
        The policies to compare with the baseline (the scenario's own levers, which always runs,
        first): `Policy` objects, preset names (`simbranch.policies`) or policy files.
    replications : int or "auto", optional
        Replications per scenario (default 30 on one scenario, `SCENARIO_REPLICATIONS` on
        several), or "auto" (one scenario only).
    seed : int
        The experiment's seed: replication r of every policy runs on the same seed derived from it.
    executor : {None, "process", "serial"}, concurrent.futures.Executor or distributed.Client
        Where the runs run: None or "process" for a local process pool over every core, "serial"
        for this process, or an executor or Dask client of your own.
    store : str or Path, optional
        An SQLite result store (`ResultStore`): finished runs are kept there as they come, and
        the same call again runs only what it does not hold (resume after a crash, or more
        replications later).
    progress : bool
        Whether to show a progress bar (on standard error).
    target_rel_ci : float
        With ``replications="auto"``: the CI half-width wanted, as a share of the mean.
    auto_kpis : sequence of str
        With ``replications="auto"``: the KPIs whose CI must be that narrow.
    max_replications : int
        With ``replications="auto"``: the most replications to run.

    Returns
    -------
    Comparison
        Every run in `table` (the runs that raised in `failures`), statistics on demand.

    Raises
    ------
    TypeError
        When `scenario` is neither a Scenario nor a sequence of Scenarios.
    ValueError
        For an empty sequence of scenarios; replications, max_replications or a seed that is not a
        whole number in range; "auto" on several scenarios; with ``replications="auto"``, an
        `auto_kpis` the runs do not report (checked before any run); an unknown executor; two
        policies of one name, or a `Policy` that changes more than levers.
    ScenarioError
        For a policy that is no preset and no readable policy file, or that the scenario refuses.
    StoreError
        When the store cannot be opened or written (not a store, a newer schema, a full disk).

    Examples
    --------
    >>> import simbranch as sb
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
    >>> cmp = sb.compare(scenario, ["crm_routing"], replications=2, executor="serial", progress=False)
    >>> cmp.table.groupby("policy").size().to_dict()
    {'baseline': 2, 'crm_routing': 2}
    >>> cmp.paired(kpis=["satisfaction_mean"])[["policy", "kpi", "n"]].to_numpy().tolist()
    [['crm_routing', 'satisfaction_mean', 2]]

    With a store, the same call again runs nothing and gives the same numbers:

    >>> first = sb.compare(scenario, ["crm_routing"], replications=2, executor="serial", store="runs.db",
    ...                    progress=False)
    >>> again = sb.compare(scenario, ["crm_routing"], replications=2, executor="serial", store="runs.db",
    ...                    progress=False)
    >>> again.table["satisfaction_mean"].equals(first.table["satisfaction_mean"])
    True
    """
    scenarios = as_scenarios(scenario, "compare")
    seed = check_seed(seed)
    resolved = resolve_policies(list(policies or []))
    if len(scenarios) > 1:
        if replications is None:
            replications = SCENARIO_REPLICATIONS
        if replications == "auto":
            raise ValueError("replications='auto' is for one scenario; on several scenarios give a number of "
                             f"replications per scenario (default {SCENARIO_REPLICATIONS})")
        replications = check_replications(replications)
        cmp = compare_scenarios(scenarios, resolved, int(replications), seed, executor, store, progress,
                                series=SERIES_COLUMNS)
        if store is not None:
            remember_comparison(store, scenarios, resolved, seed, int(replications))
        return cmp
    scenario = scenarios[0]
    if replications is None:
        replications = REPLICATIONS
    if replications == "auto":
        check_replications(max_replications, "max_replications")
        auto_kpis = _checked_auto_kpis(auto_kpis, scenario)
    else:
        replications = check_replications(replications)
    experiment = f"compare:{seed}"
    if replications == "auto":
        records, done, n = [], 0, min(5, max_replications)
        while True:
            records += run_experiment(run_specs(scenario, resolved, range(done, n), seed, SERIES_COLUMNS), executor,
                                      store, progress, experiment)
            done = n
            table = _table(records)
            worst = summarise(table, list(auto_kpis))["rel_ci"].max() if len(table) else 0.0
            if not (worst > target_rel_ci) or n >= max_replications:
                break
            n = min(max_replications, max(n + 2, math.ceil(n * min(4.0, (worst / target_rel_ci) ** 2))))
    elif isinstance(replications, int) and not isinstance(replications, bool) and replications >= 1:
        records = run_experiment(run_specs(scenario, resolved, range(replications), seed, SERIES_COLUMNS), executor,
                                 store, progress, experiment)
    else:
        raise ValueError(f"replications must be a positive integer or 'auto', got {replications!r}")
    if store is not None:
        remember_comparison(store, scenario, resolved, seed, max(r["replication"] for r in records) + 1
                            if records else 0)
    return comparison_from_records(scenario, resolved, records, seed)


def compare_scenarios(scenarios: Sequence[Scenario], policies: list[Policy], replications: int, seed: int,
                      executor: ExecutorLike = None, store: str | Path | None = None, progress: bool = True,
                      series: tuple[str, ...] = (), experiment: str = "", label: str = "scenario") -> Comparison:
    """Every policy (resolved, baseline first) on every scenario, `replications` each, as a `Comparison`.

    The machinery of `compare` on several scenarios for other experiments (`robustness`): the same
    run keys and seeds (each scenario its own, shared by its policies: `scenario_specs`),
    executors, store and resume, but daily `series` only when asked for, and no note in the store
    (`load_comparison` does not list it). `label` names a scenario in errors.
    """
    scenarios = list(scenarios)
    specs = scenario_specs(scenarios, policies, range(replications), seed, series, label=label)
    records = run_experiment(specs, executor, store, progress, experiment or f"compare:{seed}")
    return comparison_from_records(scenarios, policies, records, seed, several=True)


def comparison_from_records(scenario: Scenario | Sequence[Scenario], policies: list[Policy],
                            records: list[dict[str, Any]], seed: int, several: bool | None = None) -> Comparison:
    """A `Comparison` of run records (fresh, or read back from a store).

    `scenario` is the scenario, or the list of scenarios of a comparison on several (the records'
    `point` is the index in it, and their `replication` the seed index `draw_seed_index`, which
    gives back the replication within the scenario); `several` forces the one or the other layout
    (by default: more than one scenario).
    """
    scenarios = [scenario] if isinstance(scenario, Scenario) else list(scenario)
    several = len(scenarios) > 1 if several is None else several
    table = _table(records, several)
    keys = (["policy", "scenario", "replication", "spawn_key", "seed", "error"] if several
            else ["policy", "replication", "seed", "error"])
    failures = table[table["status"] != "ok"][keys] if len(table) else table
    return Comparison(scenario=scenarios[0], policies=policies,
                      table=table[table["status"] == "ok"].reset_index(drop=True) if len(table) else table,
                      failures=failures.reset_index(drop=True), seed=seed, provenance=provenance(seed),
                      series=_series(records, several), scenarios=scenarios)


def remember_comparison(store: str | Path, scenario: Scenario | Sequence[Scenario], policies: list[Policy], seed: int,
                        replications: int) -> None:
    """Note in the store what this comparison was (scenario, policies, seed, replications), so that
    `load_comparison` and `simbranch report` can rebuild it from the store alone.

    A comparison on several scenarios notes all of them (`scenarios`, besides the first as
    `scenario`), so that it comes back with its scenario layout.
    """
    import hashlib
    import time

    scenarios = [scenario] if isinstance(scenario, Scenario) else list(scenario)
    texts = [sc.canonical_json() for sc in scenarios]
    names = ",".join(p.name for p in policies)
    digest = hashlib.sha256(f"{seed}|{names}|{'|'.join(texts)}".encode()).hexdigest()[:16]
    note: dict[str, Any] = {"seed": seed, "replications": replications, "scenario": texts[0]}
    if len(texts) > 1:
        note["scenarios"] = texts
    with ResultStore(store) as db:
        noted = db.meta(f"comparison:{digest}").get(f"comparison:{digest}")
        if db.read_only is not None and noted is not None and noted["replications"] == replications:
            return  # noted before (a full disk lets the store be read, not written)
        db.set_meta(f"comparison:{digest}", {
            **note, "policies": [p.model_dump(mode="json") for p in policies], "saved_at": time.time()})


def _within(record: dict[str, Any]) -> int:
    """The replication within its scenario of a run of a comparison on several scenarios."""
    scenario, replication = draw_replication(int(record["replication"]))
    if scenario != record["point"]:
        raise ValueError(f"run {record['key']} of scenario {record['point']} has the seed index "
                         f"{record['replication']} of scenario {scenario}: not a run of a comparison on several "
                         "scenarios")
    return replication


def _table(records: list[dict[str, Any]], several: bool = False) -> pd.DataFrame:
    """Rows by replication, then policy in the order given (baseline first); on several scenarios, by
    policy, scenario (the records' `point`, renamed `scenario`) and replication within the scenario
    (the records' `replication` is the seed index: kept as `spawn_key`)."""
    frame = records_to_frame(records)
    if len(frame):
        order = {name: i for i, name in enumerate(dict.fromkeys(frame["policy"]))}
        if several:
            frame.insert(frame.columns.get_loc("replication") + 1, "spawn_key", frame["replication"])
            frame["replication"] = [_within(r) for r in records]
            frame = frame.assign(_order=frame["policy"].map(order)).sort_values(["_order", "point", "replication"],
                                                                                kind="stable")
            frame = frame.drop(columns=["_order"]).rename(columns={"point": "scenario"}).reset_index(drop=True)
        else:
            frame = frame.assign(_order=frame["policy"].map(order)).sort_values(["_order", "replication"],
                                                                                kind="stable")
            frame = frame.drop(columns=["point", "_order"]).reset_index(drop=True)
        for kpi in KPI_NAMES:  # a table of runs that all failed still has the KPI columns
            if kpi not in frame:
                frame[kpi] = np.nan
    return frame


def _series(records: list[dict[str, Any]], several: bool = False) -> pd.DataFrame:
    """The daily series of the successful runs as one long frame, in the order of the table."""
    frames = []
    order = {name: i for i, name in enumerate(dict.fromkeys(r["policy"] for r in records))}

    def within(rec: dict[str, Any]) -> int:
        return _within(rec) if several else rec["replication"]

    for rec in sorted(records, key=lambda r: (order[r["policy"]], r["point"] if several else 0, within(r))):
        data = rec.get("series")
        if rec["status"] != "ok" or not data:
            continue
        frame = pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in data.items()})
        frame.insert(0, "day", np.arange(len(frame)))
        frame.insert(0, "replication", within(rec))
        if several:
            frame.insert(0, "scenario", rec["point"])
        frame.insert(0, "policy", rec["policy"])
        frames.append(frame)
    if not frames:
        keys = ["policy", "scenario"] if several else ["policy"]
        return pd.DataFrame(columns=[*keys, "replication", "day", "warmup", *SERIES_COLUMNS])
    frame = pd.concat(frames, ignore_index=True)
    frame["warmup"] = frame["warmup"].astype(bool)
    return frame


def provenance(seed: int) -> dict[str, Any]:
    """What is needed to reproduce an experiment: seed, model fingerprint, package versions."""
    import platform
    from importlib.metadata import version

    packages = {name: version(name) for name in ("simpy", "numpy", "scipy", "pandas", "pydantic")}
    return {"seed": seed, "model": model_fingerprint(), "python": platform.python_version(), **packages}
