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
from collections.abc import Callable, Iterable, Mapping, Sequence
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
from simbranch.run import KPI_NAMES, RunResult
from simbranch.scenario import Policy, Scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Comparison", "compare", "compare_scenarios", "comparison_from_records", "remember_comparison",
           "run_experiment"]

#: Daily columns a comparison keeps from every run, for plots over time (`Comparison.daily`).
SERIES_COLUMNS = ("satisfaction_mean", "nps", "sales_count", "revenue", "wait_mean_h", "utilisation", "queue_length",
                  "overtime_h", "proactive_h", "stress_mean", "exhaustion_mean", "exhausted_share", "burnout_share",
                  "skill_mean", "motivation_mean", "headcount", "clients", "cost")

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
        """Replications per scenario."""
        return int(self.table["replication"].nunique()) if len(self.table) else 0

    @property
    def n_scenarios(self) -> int:
        """How many scenarios the policies ran on (1 for a comparison on one scenario)."""
        return len(self.scenarios)

    def summary(self, kpis: Sequence[str] | None = None, level: float = 0.95) -> pd.DataFrame:
        """Per policy and KPI: mean, std, CI half-width, relative half-width, n.

        On several scenarios, `simbranch.analysis.uncertainty.summarise_over_scenarios`: the CI
        counts the spread between scenarios, and the range of the scenarios' means is added.
        """
        if self.n_scenarios > 1:
            return summarise_over_scenarios(self.table, list(kpis or HEADLINE_KPIS), level=level)
        return summarise(self.table, list(kpis or HEADLINE_KPIS), level=level)

    def paired(self, baseline: str = "baseline", kpis: Sequence[str] | None = None, level: float = 0.95,
               adjust: str = "fdr_bh", policies: Sequence[str] | None = None) -> pd.DataFrame:
        """Per policy and KPI: mean difference from `baseline` with its CI and adjusted p-value.

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
        """Per policy, KPI and scenario: the mean paired difference from `baseline` over that scenario's
        replications (the policy's effect under each draw; `paired` summarises these)."""
        table = self.table if "scenario" in self.table else self.table.assign(scenario=0)
        return scenario_differences(table, list(kpis or HEADLINE_KPIS), baseline=baseline)

    def best(self, kpi: str, maximize: bool = True, level: float = 0.95) -> pd.Series:
        """The policy with the best mean `kpi` (the leader), and whether it beats every other policy.

        Multiple comparisons with the best (`simbranch.analysis.replications.best`): the leader's
        one-sided paired tests against each other policy, Bonferroni-adjusted over the k - 1 of
        them. Fields: `policy`, `kpi`, `mean`, `runner_up`, `margin` (over the runner-up),
        `significant` (the leader beats every other policy), `p_value` (the adjusted p of that),
        `contenders` (the leader, then the policies it cannot be told apart from). On several
        scenarios the tests are over the scenarios (`simbranch.analysis.uncertainty.best_over_scenarios`),
        and `p_better` is the share of scenarios in which the leader beats the runner-up."""
        if self.n_scenarios > 1:
            return best_over_scenarios(self.table, kpi, maximize=maximize, level=level)
        return best(self.table, kpi, maximize=maximize, level=level)

    def daily(self, columns: Sequence[str] | None = None, warmup: bool = False) -> pd.DataFrame:
        """Daily series of every policy and replication, long form (policy, replication, day, columns;
        on several scenarios also `scenario` after policy).

        The warm-up days are left out unless `warmup=True`.
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

    def _seed(self, replication: int, scenario: int) -> np.random.SeedSequence:
        """The seed of replication `replication` of scenario `scenario` (each scenario of a comparison on
        several has seeds of its own: `draw_seed_index`)."""
        several = self.n_scenarios > 1 or "scenario" in self.table.columns
        index = draw_seed_index(int(scenario), int(replication)) if several else int(replication)
        return np.random.SeedSequence(self.seed, spawn_key=(index,))

    def rerun(self, policy: str = "baseline", replication: int = 0, scenario: int = 0) -> RunResult:
        """One run of the comparison again, with its frames (clients, managers): same seed, same numbers.

        `scenario` is the index in `scenarios` (on several scenarios; 0 is the first), `replication`
        the replication within it (as in `table`).
        """
        from simbranch.run import run

        names = [p.name for p in self.policies]
        if policy not in names:
            raise ValueError(f"no policy {policy!r} in this comparison; policies: {', '.join(names)}")
        if not isinstance(replication, int | np.integer) or isinstance(replication, bool) \
                or not 0 <= replication < max(self.replications, 1):
            raise ValueError(f"no replication {replication!r} in this comparison; replications: 0 to "
                             f"{self.replications - 1}")
        chosen = self.policies[names.index(policy)]
        base = self._scenario_at(scenario)
        sc = base if policy == "baseline" else base.with_policy(chosen)
        return run(sc, self._seed(replication, scenario))

    def warmup_check(self, series: str = "satisfaction_mean", replication: int = 0, scenario: int = 0) -> pd.DataFrame:
        """MSER-5 truncation point of a daily series, per policy, beside the configured warm-up
        (of scenario `scenario`, the index in `scenarios`)."""
        from simbranch.run import run

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
        """A figure of this comparison (`simbranch.plots`), by `kind`:

        - "forest": differences from the baseline with CIs (`plots.forest` of `paired(kpis=, baseline=, ...)`);
        - "kpis": KPI means per policy with CIs (`plots.kpi_bars` of `summary(kpis=)`);
        - "time": daily series with bands across replications, warm-up shaded (`plots.over_time` of
          `daily(columns=, warmup=True)`; `policies=`, `smooth_days=`);
        - "tradeoff": `y` against `x` (default profit against satisfaction_mean) with the Pareto front;
        - "distributions" / "scatter": clients and AMs of `rerun(policy, replication)` for `policies=`
          (default the baseline and the next policies, 4 in all).
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
    """
    scenarios = _as_scenarios(scenario)
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


def _as_scenarios(value: Any) -> list[Scenario]:
    """The scenarios `compare` was given: one Scenario, or a non-empty sequence of them."""
    if isinstance(value, Scenario):
        return [value]
    if isinstance(value, str | bytes | Path | Mapping) or not isinstance(value, Iterable):
        raise TypeError(f"compare() takes a Scenario or a sequence of Scenarios (see load_scenario), got "
                        f"{type(value).__name__}")
    items = list(value)
    if not items:
        raise ValueError("compare() got an empty sequence of scenarios; give at least one Scenario")
    for i, item in enumerate(items):
        if not isinstance(item, Scenario):
            raise TypeError(f"compare(): item {i} of the scenarios is a {type(item).__name__}, not a Scenario")
    return items


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
