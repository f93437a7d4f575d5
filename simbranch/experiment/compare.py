"""Comparing policies: every policy on the same replication seeds, statistics on the paired runs."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simbranch.analysis.replications import best, paired_differences, summarise
from simbranch.analysis.warmup import mser5
from simbranch.experiment.design import RunSpec, model_fingerprint, resolve_policies, run_specs
from simbranch.experiment.executors import ExecutorLike, execute_all
from simbranch.experiment.store import ResultStore, records_to_frame
from simbranch.run import KPI_NAMES, RunResult
from simbranch.scenario import Policy, Scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Comparison", "compare", "comparison_from_records", "remember_comparison", "run_experiment"]

#: Daily columns a comparison keeps from every run, for plots over time (`Comparison.daily`).
SERIES_COLUMNS = ("satisfaction_mean", "nps", "sales_count", "revenue", "wait_mean_h", "utilisation", "queue_length",
                  "overtime_h", "proactive_h", "stress_mean", "exhaustion_mean", "exhausted_share", "burnout_share",
                  "skill_mean", "motivation_mean", "headcount", "clients", "cost")

#: KPIs shown by default in summaries and paired tables.
HEADLINE_KPIS = ["satisfaction_mean", "nps", "sales_count", "revenue", "profit", "cost_total", "complaints",
                 "wait_mean_h", "overtime_hours", "stress_mean", "exhausted_share", "am_turnover_rate",
                 "client_churn_rate"]


@dataclass
class Comparison:
    """Result of `compare`: one row per policy x replication in `table`, statistics on demand."""

    scenario: Scenario = field(repr=False)
    policies: list[Policy]
    table: pd.DataFrame = field(repr=False)
    failures: pd.DataFrame = field(repr=False)
    seed: int
    provenance: dict[str, Any] = field(default_factory=dict, repr=False)
    #: one row per policy x replication x day: `day`, `warmup` and the `SERIES_COLUMNS`
    series: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def replications(self) -> int:
        return int(self.table["replication"].nunique()) if len(self.table) else 0

    def summary(self, kpis: Sequence[str] | None = None, level: float = 0.95) -> pd.DataFrame:
        """Per policy and KPI: mean, std, CI half-width, relative half-width, n."""
        return summarise(self.table, list(kpis or HEADLINE_KPIS), level=level)

    def paired(self, baseline: str = "baseline", kpis: Sequence[str] | None = None, level: float = 0.95,
               adjust: str = "fdr_bh") -> pd.DataFrame:
        """Per policy and KPI: mean difference from `baseline` with its CI and adjusted p-value."""
        return paired_differences(self.table, list(kpis or HEADLINE_KPIS), baseline=baseline, level=level,
                                  adjust=adjust)

    def best(self, kpi: str, maximize: bool = True, level: float = 0.95) -> pd.Series:
        """The policy with the best mean `kpi`, and whether it beats the runner-up significantly."""
        return best(self.table, kpi, maximize=maximize, level=level)

    def daily(self, columns: Sequence[str] | None = None, warmup: bool = False) -> pd.DataFrame:
        """Daily series of every policy and replication, long form (policy, replication, day, columns).

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
        return frame[["policy", "replication", "day", "warmup", *cols]].reset_index(drop=True)

    def rerun(self, policy: str = "baseline", replication: int = 0) -> RunResult:
        """One run of the comparison again, with its frames (clients, managers): same seed, same numbers."""
        from simbranch.run import run

        names = [p.name for p in self.policies]
        if policy not in names:
            raise ValueError(f"no policy {policy!r} in this comparison; policies: {', '.join(names)}")
        chosen = self.policies[names.index(policy)]
        sc = self.scenario if policy == "baseline" else self.scenario.with_policy(chosen)
        return run(sc, np.random.SeedSequence(self.seed, spawn_key=(replication,)))

    def warmup_check(self, series: str = "satisfaction_mean", replication: int = 0) -> pd.DataFrame:
        """MSER-5 truncation point of a daily series, per policy, beside the configured warm-up."""
        from simbranch.run import run

        rows = []
        for policy in self.policies:
            sc = self.scenario if policy.name == "baseline" else self.scenario.with_policy(policy)
            daily = run(sc, np.random.SeedSequence(self.seed, spawn_key=(replication,))).daily
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
        head = (f"<b>simbranch comparison</b>: {len(self.policies)} policies x {self.replications} replications, "
                f"seed {self.seed}" + (f", <b>{len(self.failures)} failed runs</b>" if len(self.failures) else ""))
        table = self.paired(kpis=["satisfaction_mean", "sales_count", "profit", "stress_mean"])
        return head + table.to_html(index=False, float_format="{:,.4g}".format)


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


def compare(scenario: Scenario, policies: Sequence[Policy | str | Path] | None = None,
            replications: int | str = 30, seed: int = 0, executor: ExecutorLike = None,
            store: str | Path | None = None, progress: bool = True, target_rel_ci: float = 0.02,
            auto_kpis: Sequence[str] = ("satisfaction_mean", "sales_count"), max_replications: int = 200,
            ) -> Comparison:
    """Run the baseline and each policy on the same replication seeds (common random numbers).

    `replications="auto"` adds replications until every policy's `auto_kpis` have a 95 % CI
    half-width within `target_rel_ci` of their mean (sequential procedure after Hoad, Robinson &
    Davies 2010), up to `max_replications`.
    """
    resolved = resolve_policies(list(policies or []))
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


def comparison_from_records(scenario: Scenario, policies: list[Policy], records: list[dict[str, Any]],
                            seed: int) -> Comparison:
    """A `Comparison` of run records (fresh, or read back from a store)."""
    table = _table(records)
    failures = table[table["status"] != "ok"][["policy", "replication", "seed", "error"]] if len(table) else table
    return Comparison(scenario=scenario, policies=policies, table=table[table["status"] == "ok"].reset_index(drop=True)
                      if len(table) else table, failures=failures.reset_index(drop=True), seed=seed,
                      provenance=provenance(seed), series=_series(records))


def remember_comparison(store: str | Path, scenario: Scenario, policies: list[Policy], seed: int,
                        replications: int) -> None:
    """Note in the store what this comparison was (scenario, policies, seed, replications), so that
    `load_comparison` and `simbranch report` can rebuild it from the store alone."""
    import hashlib
    import time

    scenario_json = scenario.canonical_json()
    names = ",".join(p.name for p in policies)
    digest = hashlib.sha256(f"{seed}|{names}|{scenario_json}".encode()).hexdigest()[:16]
    with ResultStore(store) as db:
        noted = db.meta(f"comparison:{digest}").get(f"comparison:{digest}")
        if db.read_only is not None and noted is not None and noted["replications"] == replications:
            return  # noted before (a full disk lets the store be read, not written)
        db.set_meta(f"comparison:{digest}", {
            "seed": seed, "replications": replications, "scenario": scenario_json,
            "policies": [p.model_dump(mode="json") for p in policies], "saved_at": time.time()})


def _table(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Rows by replication, then policy in the order given (baseline first)."""
    frame = records_to_frame(records)
    if len(frame):
        order = {name: i for i, name in enumerate(dict.fromkeys(frame["policy"]))}
        frame = frame.assign(_order=frame["policy"].map(order)).sort_values(["_order", "replication"], kind="stable")
        frame = frame.drop(columns=["point", "_order"]).reset_index(drop=True)
        for kpi in KPI_NAMES:  # a table of runs that all failed still has the KPI columns
            if kpi not in frame:
                frame[kpi] = np.nan
    return frame


def _series(records: list[dict[str, Any]]) -> pd.DataFrame:
    """The daily series of the successful runs as one long frame, in the order of the table."""
    frames = []
    order = {name: i for i, name in enumerate(dict.fromkeys(r["policy"] for r in records))}
    for rec in sorted(records, key=lambda r: (order[r["policy"]], r["replication"])):
        data = rec.get("series")
        if rec["status"] != "ok" or not data:
            continue
        frame = pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in data.items()})
        frame.insert(0, "day", np.arange(len(frame)))
        frame.insert(0, "replication", rec["replication"])
        frame.insert(0, "policy", rec["policy"])
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["policy", "replication", "day", "warmup", *SERIES_COLUMNS])
    frame = pd.concat(frames, ignore_index=True)
    frame["warmup"] = frame["warmup"].astype(bool)
    return frame


def provenance(seed: int) -> dict[str, Any]:
    """What is needed to reproduce an experiment: seed, model fingerprint, package versions."""
    import platform
    from importlib.metadata import version

    packages = {name: version(name) for name in ("simpy", "numpy", "scipy", "pandas", "pydantic")}
    return {"seed": seed, "model": model_fingerprint(), "python": platform.python_version(), **packages}
