"""Optimising the mix of measures: which levers, at which settings, give the best trade-off between KPIs
under constraints, with the simulation's noise and (given several scenarios) the branch's uncertainty counted.

The search is Optuna's (`pip install simbranch[optimise]`): NSGA-II (default) or TPE, both for several
objectives with constraints, on mixed categorical, integer and real levers natively. Optuna is used
through its ask-and-tell interface, so simbranch itself runs each generation's candidates: as one batch
of runs through the usual executors (serial, a process pool, Dask) and result store, each candidate on
the same replication seeds as the baseline (common random numbers), under the same run keys as
`compare`. An interrupted optimisation therefore resumes from its store without rerunning a stored run,
and the same call twice gives the same result.

Noise. Every candidate runs `replications` paired replications during the search; its objectives are
the means (on several scenarios, the mean or a chosen quantile across the scenarios of each scenario's
mean). A front chosen on a few replications favours lucky candidates, so at the end the non-dominated
feasible candidates, and those within one standard error of the front or of feasibility (up to
`MAX_FINAL_POINTS`), run again with `final_replications` on fresh seeds (the experiment seed
`final_seed`, independent of the seeds that chose them, still paired with the baseline) and the front is
recomputed from those runs alone: the front's numbers carry no selection bias (winner's curse), and a
candidate that was on the search's front by luck drops off it. A front point that another beats beyond
the noise of the paired final runs (as good on every objective, better on one, at 95 %) is kept and
named in `dominated_within_noise_by`.

With a store, the optimisation notes in it what it was asked and which candidates it tried, so that
`load_optimisation` rebuilds the result from the store alone, without Optuna and without running.

The question (levers, objectives, constraints) is checked in `optimise_space`; the result and what
it does (policies, comparison, figure) is `optimisation.Optimisation`; the search is here.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simbranch import meanings
from simbranch.analysis.tradeoffs import dominated_by, dominated_within_noise
from simbranch.experiment.compare import (
    Comparison,
    _progress,
    comparison_from_records,
    provenance,
    run_experiment,
)
from simbranch.experiment.design import (
    MAX_SEED,
    RunSpec,
    as_scenarios,
    check_replications,
    check_seed,
    model_fingerprint,
    run_specs,
    scenario_specs,
)
from simbranch.experiment.executors import ExecutorLike, process_pool
from simbranch.experiment.optimisation import Optimisation, policy_of
from simbranch.experiment.optimise_space import (
    ARTICLE_LEVERS,
    DEFAULT_LEVERS,
    Constraint,
    Objective,
    check_across,
    constraints_of,
    distribution,
    inert_levers,
    lever_params,
    levers_from_note,
    levers_note,
    objectives_of,
    space_size,
)
from simbranch.experiment.saved import check_records_match, open_for_reading
from simbranch.experiment.store import ResultStore, StoreError
from simbranch.extras import require
from simbranch.scenario import Policy, Scenario, ScenarioError

if TYPE_CHECKING:
    import optuna

__all__ = ["ARTICLE_LEVERS", "DEFAULT_LEVERS", "MAX_FINAL_POINTS", "Optimisation", "load_optimisation", "optimise",
           "saved_optimisations"]

#: Most candidates re-evaluated with `final_replications` at the end (the front first).
MAX_FINAL_POINTS = 24

#: Generations in a row that propose no new candidate before the search stops (the space is used up).
STALE_GENERATIONS = 10

#: The samplers `optimise` knows.
SAMPLERS = ("nsga2", "tpe")

#: Resamples of the bootstrap interval of a quantile across scenarios.
BOOTSTRAP = 2000


@dataclass
class _Candidate:
    """One distinct lever setting and what its runs gave (search or final replications)."""

    name: str
    levers: dict[str, Any]
    trial: int
    generation: int
    status: str = "ok"
    error: str = ""
    values: dict[str, float] = field(default_factory=dict)
    se: dict[str, float] = field(default_factory=dict)
    violations: tuple[float, ...] = ()
    violation_se: tuple[float, ...] = ()


# --------------------------------------------------------------------------- the search


def optimise(scenario: Scenario | Sequence[Scenario], levers: Mapping[str, Any] | Sequence[str] | str | None = None,
             objectives: Sequence[str] | Mapping[str, str] = ("profit", "satisfaction_mean"),
             constraints: Mapping[str, Any] | None = None, *, budget_runs: int = 700, replications: int = 3,
             final_replications: int = 20, sampler: str = "nsga2", population: int = 16, seed: int = 0,
             executor: ExecutorLike = None, store: str | Path | None = None, progress: bool = True,
             across: str | float = "mean") -> Optimisation:
    """Search the levers for the Pareto front of `objectives` under `constraints`, noise-aware.

    Optuna's NSGA-II (or TPE) proposes a generation of `population` candidates at a time (ask and
    tell); simbranch runs each new one as a policy (`Policy.from_flat`, named by a hash of its
    settings) on the baseline's replication seeds (common random numbers) through the executor
    and store, one batch per generation, until `budget_runs` runs are used. Then the candidates on
    the front, or within one standard error of it or of feasibility, run again on
    `final_replications` fresh seeds and the front is recomputed from those runs (module
    docstring): no point is on the front by the luck of a few replications.

    Parameters
    ----------
    scenario : Scenario or sequence of Scenario
        The branch, or draws of its uncertain parameters (`Calibration.scenarios(n)`, robustness
        draws): every candidate then runs on every scenario, paired with the baseline within each.
    levers : mapping, sequence of str or {"default", "article"}, optional
        Dotted lever path -> None (every value the schema allows: a choice's options, true and
        false, a number's bounds), ``(low, high)`` (integers when both are ints on an int field)
        or a list of values. Default `DEFAULT_LEVERS`: each measure's switch or main choice (8
        levers); "article": `ARTICLE_LEVERS`, those and each measure's main settings (how often,
        for whom, how much pay at risk: 16 levers, a larger space for the same budget).
    objectives : sequence of str or mapping
        KPIs, each maximised or minimised as `simbranch.meanings.better` says; a mapping
        ``{kpi: "max" | "min"}`` says it for a KPI without a better direction.
    constraints : mapping, optional
        KPI -> ``"<= baseline + 200000"``, ``"<= baseline"``, ``">= 0.8"`` or ``("<=", 0.2)``: a
        bound on the KPI, or on its difference from the baseline (same seeds).
    budget_runs : int
        Most runs of the search (baseline and candidates; a candidate proposed twice runs once).
        The final re-evaluation adds up to ``(MAX_FINAL_POINTS + 1) x final_replications`` per
        scenario. The default, 700, with the default replications, finishes within about 20
        minutes on 2 cores for the default branch and levers (``benchmarks/optimise.py``).
    replications : int
        Replications per scenario of every candidate during the search.
    final_replications : int
        Replications per scenario of the final re-evaluation.
    sampler : {"nsga2", "tpe"}
        Optuna's NSGA-II (a genetic algorithm, `population` per generation) or TPE (Bayesian, its
        first `population` candidates random).
    population : int
        Candidates proposed per generation (one batch of runs).
    seed : int
        Seeds the replications and the sampler; the final replications use `final_seed`, derived
        from it.
    executor : {None, "process", "serial"}, concurrent.futures.Executor or distributed.Client
        Where the runs run, as in `simbranch.compare` (None: one local process pool for the whole
        optimisation).
    store : str or Path, optional
        A result store: runs are kept as they finish, and the same call again runs nothing new.
    progress : bool
        Whether to show a progress bar of the budget used.
    across : "mean" or float
        On several scenarios, what makes one value of the scenarios' means: their mean, or a
        quantile q in (0, 1) on the bad side (0.1: the value the candidate beats in 90 % of the
        scenarios; for a KPI where lower is better and a "<=" constraint, the 0.9 quantile).

    Returns
    -------
    Optimisation
        The front, every candidate, the baseline and the final re-evaluation.

    Raises
    ------
    ValueError
        A lever that is no lever of a policy (naming it and the closest paths), a bad range or
        value list, an unknown KPI, a KPI without a better direction not given as max or min, a
        constraint outside the grammar (naming it), a budget below the baseline plus one
        population, a bad sampler, population, replications, seed or `across`.
    ScenarioError
        A range end or category its field does not allow.
    TypeError
        When `scenario` is neither a Scenario nor a sequence of them.
    simbranch.extras.MissingExtra
        When Optuna is not installed (``pip install simbranch[optimise]``).

    Examples
    --------
    >>> import simbranch as sb
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
    >>> opt = sb.optimise(scenario, {"allocation.rule": ["round_robin", "crm"], "wellbeing.enabled": None},
    ...                   constraints={"cost_total": "<= baseline + 1e9"}, budget_runs=10, replications=2,
    ...                   final_replications=3, population=4, executor="serial", progress=False)
    >>> len(opt.trials)  # the 4 settings of the space, each run on the baseline's 2 seeds
    4
    >>> bool((opt.front["margin_cost_total"] >= 0).all())
    True
    """
    scenarios = as_scenarios(scenario, "optimise")
    seed = check_seed(seed)
    replications = check_replications(replications)
    final_replications = check_replications(final_replications, "final_replications")
    across = check_across(across, len(scenarios))
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {', '.join(SAMPLERS)}, got {sampler!r}")
    if not isinstance(population, int | np.integer) or isinstance(population, bool) or population < 2:
        raise ValueError(f"population must be a whole number of at least 2, got {population!r}")
    params = lever_params(scenarios[0], levers)
    goals = objectives_of(scenarios[0], objectives)
    bounds = constraints_of(scenarios[0], constraints)
    cost = replications * len(scenarios)
    least = cost * (1 + int(population))
    if isinstance(budget_runs, bool) or not isinstance(budget_runs, int | np.integer) or budget_runs < least:
        raise ValueError(f"budget_runs={budget_runs!r} is below the baseline plus one population: {cost} baseline runs "
                         f"+ {population} candidates x {cost} runs = {least}; give at least {least}")
    optuna = _optuna()

    search = _Search(scenarios, params, goals, bounds, across, seed, replications, store, progress)
    with _executor(executor) as pool:
        search.pool = pool
        search.run(optuna, sampler, int(population), int(budget_runs))
        result = search.finish(final_replications, sampler)
    result.executor = executor
    if store is not None:
        _remember(store, search, {"final_replications": final_replications, "sampler": sampler,
                                  "population": int(population), "budget_runs": int(budget_runs)})
    return result


class _Search:
    """The state of one optimisation: its runs (cached by key), candidates and Optuna study."""

    def __init__(self, scenarios: list[Scenario], params: list[Any], goals: list[Objective],
                 bounds: list[Constraint], across: str | float, seed: int, replications: int,
                 store: str | Path | None, progress: bool, offline: bool = False) -> None:
        self.scenarios, self.params, self.goals, self.bounds = scenarios, params, goals, bounds
        self.across, self.seed, self.replications, self.store = across, seed, replications, store
        self.progress = progress
        self.offline = offline  # runs come from the store only (load_optimisation): nothing runs
        self.pool: ExecutorLike = "serial"
        self.records: dict[str, dict[str, Any]] = {}
        self.candidates: dict[str, _Candidate] = {}
        self.ran = 0
        self.used = 0
        self.kpis = list(dict.fromkeys([g.kpi for g in goals] + [b.kpi for b in bounds]))
        self.baseline = Policy(name="baseline", description="the scenario's own levers")

    # ---------------------------------------------------------------- runs

    def specs(self, policies: list[Policy], replications: range, seed: int) -> list[RunSpec]:
        if len(self.scenarios) > 1:
            return scenario_specs(self.scenarios, policies, replications, seed)
        return run_specs(self.scenarios[0], policies, replications, seed)

    def execute(self, policies: list[Policy], replications: range, seed: int, progress: bool = False) -> Comparison:
        """The runs of `policies` (the baseline first), as a Comparison; a run done before in this call or
        held by the store does not run again."""
        specs = self.specs(policies, replications, seed)
        todo = [s for s in specs if s.key not in self.records]
        if todo and self.offline:
            self.stored(todo)
        elif todo:
            def count(_: dict[str, Any]) -> None:
                self.ran += 1

            for record in run_experiment(todo, self.pool, self.store, progress, f"optimise:{self.seed}", count):
                self.records[record["key"]] = record
        records = [self.records[s.key] for s in specs if s.key in self.records]
        several = len(self.scenarios) > 1
        scenario: Scenario | list[Scenario] = self.scenarios if several else self.scenarios[0]
        return comparison_from_records(scenario, policies, records, seed, several=several)

    def stored(self, specs: list[RunSpec]) -> None:
        """Take the runs of `specs` from the store, or a StoreError saying how many are missing."""
        assert self.store is not None
        with open_for_reading(self.store) as db:
            records = db.records({s.key for s in specs})
        if len(records) < len(specs):
            raise StoreError(f"{self.store}: {len(specs) - len(records)} of the optimisation's runs are not in the "
                             f"store for this model version ({model_fingerprint()}); running the same optimise with "
                             "this store completes it")
        order = {s.key: i for i, s in enumerate(specs)}
        records.sort(key=lambda r: order[r["key"]])
        check_records_match(self.store, specs, records)
        self.records.update((r["key"], r) for r in records)

    # ---------------------------------------------------------------- search loop

    def run(self, optuna: Any, sampler: str, population: int, budget: int) -> None:
        study = optuna.create_study(directions=["maximize" if g.maximise else "minimize" for g in self.goals],
                                    sampler=_sampler(optuna, sampler, population, self.seed, bool(self.bounds)))
        distributions = {p.path: distribution(optuna, p) for p in self.params}
        cost = self.replications * len(self.scenarios)
        self.execute([self.baseline], range(self.replications), self.seed)  # runs once, whatever the generations
        self.used = cost
        size = space_size(self.params)
        bar = _progress(budget, self.progress)
        generation, stale = 0, 0
        try:
            if bar is not None:
                bar.update(cost)
            while budget - self.used >= cost and stale < STALE_GENERATIONS and len(self.candidates) < size:
                asked = [study.ask(distributions) for _ in range(population)]
                settings = [{p.path: t.params[p.path] for p in self.params} for t in asked]
                names = [_name(s) for s in settings]
                new = [n for n in dict.fromkeys(names) if n not in self.candidates]
                new = new[:(budget - self.used) // cost]
                fresh = {n: settings[names.index(n)] for n in new}
                first = {n: asked[names.index(n)].number for n in new}
                self.used += cost * self.evaluate(fresh, first, generation)
                for trial, name in zip(asked, names, strict=True):
                    self.tell(optuna, study, trial, self.candidates.get(name))
                stale = 0 if new else stale + 1
                generation += 1
                if bar is not None:
                    bar.update(cost * len(new))
                    bar.set_postfix(generation=generation, candidates=len(self.candidates))
        finally:
            if bar is not None:
                bar.close()

    def replay(self, candidates: list[_Candidate]) -> None:
        """Measure the noted candidates again, generation by generation, as `run` did when Optuna proposed
        them (their runs come from the store)."""
        cost = self.replications * len(self.scenarios)
        self.execute([self.baseline], range(self.replications), self.seed)
        self.used = cost
        for generation in sorted({c.generation for c in candidates}):
            group = sorted((c for c in candidates if c.generation == generation), key=lambda c: c.trial)
            self.used += cost * self.evaluate({c.name: c.levers for c in group}, {c.name: c.trial for c in group},
                                              generation)

    def evaluate(self, settings: dict[str, dict[str, Any]], trials: dict[str, int], generation: int) -> int:
        """Run the new candidates of a generation as one batch, with the baseline, and measure them; return
        how many ran (a setting that the scenario refuses runs nothing)."""
        valid: list[Policy] = []
        for name, levers in settings.items():
            candidate = _Candidate(name, levers, trials[name], generation)
            self.candidates[name] = candidate
            policy = policy_of(name, levers)
            try:
                for scenario in self.scenarios:
                    scenario.with_policy(policy)
                valid.append(policy)
            except ScenarioError as exc:
                candidate.status, candidate.error = "invalid", str(exc)
        if valid:
            table = _with_failures(self.execute([self.baseline, *valid], range(self.replications), self.seed))
            for policy in valid:
                self.measure(self.candidates[policy.name], table)
        return len(valid)

    def measure(self, candidate: _Candidate, table: pd.DataFrame) -> None:
        """The candidate's objectives, their standard errors and its constraints' violations from `table`."""
        rows = table[table["policy"] == candidate.name]
        if rows["_failed"].any() or not len(rows):
            candidate.status = "failed"
            candidate.error = str(rows["error"].dropna().iloc[0]) if "error" in rows and rows["error"].notna().any() \
                else "no run finished"
            return
        values, ses, violations, violation_ses = {}, {}, [], []
        for kpi in self.kpis:
            m, d = _units(table, candidate.name, kpi)
            ses[kpi] = _se(d)
            goal = next((g for g in self.goals if g.kpi == kpi), None)
            if goal is not None:
                values[kpi] = _aggregate(m, self.across, worse_high=not goal.maximise)
        for bound in self.bounds:
            m, d = _units(table, candidate.name, bound.kpi)
            violations.append(bound.violation(_aggregate(d if bound.relative else m, self.across, bound.worse_high)))
            violation_ses.append(ses[bound.kpi])
        if not all(math.isfinite(v) for v in [*values.values(), *violations]):
            candidate.status, candidate.error = "failed", "an objective or constrained KPI is undefined (NaN)"
            return
        candidate.status, candidate.error = "ok", ""
        candidate.values, candidate.se = values, ses
        candidate.violations, candidate.violation_se = tuple(violations), tuple(violation_ses)

    def tell(self, optuna: Any, study: Any, trial: Any, candidate: _Candidate | None) -> None:
        if candidate is None or candidate.status != "ok":
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
            return
        for bound, violation in zip(self.bounds, candidate.violations, strict=True):
            if hasattr(trial, "set_constraint"):  # Optuna 5
                trial.set_constraint(bound.kpi, violation)
            else:  # Optuna 4 reads them through the sampler's constraints_func
                trial.set_user_attr(f"constraint:{bound.kpi}", violation)
        study.tell(trial, [candidate.values[g.kpi] for g in self.goals])

    # ---------------------------------------------------------------- the final front

    def finish(self, final_replications: int, sampler: str) -> Optimisation:
        searched = [c for c in self.candidates.values() if c.status == "ok"]
        chosen = _final_choice(searched, self.goals)
        final_seed = _final_seed(self.seed)
        policies = [policy_of(c.name, c.levers) for c in chosen]
        before = self.ran
        evaluation = self.execute([self.baseline, *policies], range(final_replications), final_seed, self.progress)
        table = _with_failures(evaluation)
        final = {c.name: _Candidate(c.name, c.levers, c.trial, c.generation) for c in chosen}
        for candidate in final.values():
            self.measure(candidate, table)
        feasible = [c for c in final.values() if c.status == "ok" and all(v <= 0 for v in c.violations)]
        on_front = [feasible[i] for i in np.flatnonzero(_nondominated(_signed(feasible, self.goals)))]
        if not on_front:
            warnings.warn(_nothing_feasible(self, list(self.candidates.values()), list(final.values())),
                          UserWarning, stacklevel=3)
        front = self.front_frame(on_front, table)
        return Optimisation(
            scenarios=self.scenarios, levers={p.path: p.describe() for p in self.params},
            objectives={g.kpi: "max" if g.maximise else "min" for g in self.goals},
            constraints={b.kpi: b.text for b in self.bounds}, front=front,
            trials=self.trials_frame({c.name for c in chosen}), baseline=self.baseline_values(table),
            evaluation=evaluation, seed=self.seed, final_seed=final_seed, replications=self.replications,
            final_replications=final_replications, across=self.across, sampler=sampler,
            runs={"search": self.used, "final": (1 + len(chosen)) * final_replications * len(self.scenarios),
                  "ran": self.ran, "ran_final": self.ran - before},
            store=self.store, provenance={**provenance(self.seed), "final_seed": final_seed,
                                          "optuna": _version("optuna")},
            policies={c.name: c.levers for c in self.candidates.values()})

    def baseline_values(self, table: pd.DataFrame) -> pd.Series:
        out = {}
        for kpi in self.kpis:
            m, _ = _units(table, "baseline", kpi)
            goal = next((g for g in self.goals if g.kpi == kpi), None)
            out[kpi] = _aggregate(m, self.across, worse_high=goal is not None and not goal.maximise)
        return pd.Series(out, name="baseline", dtype=float)

    def front_frame(self, front: list[_Candidate], table: pd.DataFrame) -> pd.DataFrame:
        """One row per front point: levers, objectives and differences with intervals, constraint margins."""
        columns = ["policy", *[p.path for p in self.params]]
        for g in self.goals:
            columns += [g.kpi, f"{g.kpi}_ci_low", f"{g.kpi}_ci_high", f"{g.kpi}_difference",
                        f"{g.kpi}_difference_ci_low", f"{g.kpi}_difference_ci_high"]
        for b in self.bounds:
            columns += [f"margin_{b.kpi}", f"margin_{b.kpi}_ci_low", f"margin_{b.kpi}_ci_high"]
        columns += ["feasible", "trial", "dominated_within_noise_by", "inert_levers"]
        rows = []
        current = self.scenarios[0].to_dict()
        for candidate in front:
            row: dict[str, Any] = {"policy": candidate.name, **candidate.levers, "feasible": True,
                                   "trial": candidate.trial,
                                   "inert_levers": ", ".join(inert_levers(candidate.levers, current))}
            for g in self.goals:
                m, d = _units(table, candidate.name, g.kpi)
                row[g.kpi], row[f"{g.kpi}_ci_low"], row[f"{g.kpi}_ci_high"] = self.interval(m, not g.maximise)
                diff = self.interval(d, not g.maximise)
                row[f"{g.kpi}_difference"], row[f"{g.kpi}_difference_ci_low"], row[f"{g.kpi}_difference_ci_high"] = diff
            for b in self.bounds:
                m, d = _units(table, candidate.name, b.kpi)
                value, low, high = self.interval(d if b.relative else m, b.worse_high)
                margins = sorted((-b.violation(low), -b.violation(high)))
                row[f"margin_{b.kpi}"], row[f"margin_{b.kpi}_ci_low"], row[f"margin_{b.kpi}_ci_high"] = (
                    -b.violation(value), margins[0], margins[1])
            rows.append(row)
        beaten = dominated_within_noise({c.name: self.paired(table, c.name) for c in front})
        for row in rows:
            row["dominated_within_noise_by"] = beaten[row["policy"]]
        frame = pd.DataFrame(rows, columns=columns)
        if len(frame):
            first = self.goals[0]
            frame = frame.sort_values(first.kpi, ascending=not first.maximise, kind="stable").reset_index(drop=True)
        return frame

    def paired(self, table: pd.DataFrame, policy: str) -> np.ndarray:
        """The policy's objectives on each unit (replication, or scenario mean), larger better, one row per
        unit in the order of the units: the same rows for every policy of the final runs."""
        ok = table[(table["_failed"] == 0) & (table["policy"] == policy)]
        keys = ["scenario", "replication"] if "scenario" in ok else ["replication"]
        values = ok.set_index(keys)[[g.kpi for g in self.goals]].astype(float).sort_index()
        if "scenario" in ok:
            values = values.groupby(level="scenario").mean()
        return values.to_numpy() * np.array([1.0 if g.maximise else -1.0 for g in self.goals])

    def interval(self, units: np.ndarray, worse_high: bool) -> tuple[float, float, float]:
        """The aggregate of `units` (replications of one scenario, or scenarios' means) with its 95 % interval:
        the t interval of the mean (`simbranch.analysis.ci_half_width`, as `Comparison.summary` and `paired`),
        or for a quantile across scenarios a percentile bootstrap over them."""
        from simbranch.analysis.replications import ci_half_width

        value = _aggregate(units, self.across, worse_high)
        if self.across == "mean":
            half = ci_half_width(units)
            return value, value - half, value + half
        rng = np.random.default_rng(self.seed)
        q = _quantile(float(self.across), worse_high)
        draws = np.quantile(units[rng.integers(0, len(units), (BOOTSTRAP, len(units)))], q, axis=1)
        low, high = np.quantile(draws, [0.025, 0.975])
        return value, float(low), float(high)

    def trials_frame(self, final: set[str]) -> pd.DataFrame:
        rows = []
        for c in sorted(self.candidates.values(), key=lambda c: c.trial):
            row: dict[str, Any] = {"trial": c.trial, "generation": c.generation, "policy": c.name, **c.levers}
            for g in self.goals:
                row[g.kpi] = c.values.get(g.kpi, np.nan)
                row[f"{g.kpi}_se"] = c.se.get(g.kpi, np.nan)
            for b, v in zip(self.bounds, c.violations or [np.nan] * len(self.bounds), strict=True):
                row[f"margin_{b.kpi}"] = -v
            row.update({"feasible": c.status == "ok" and all(v <= 0 for v in c.violations), "status": c.status,
                        "error": c.error, "final": c.name in final})
            rows.append(row)
        columns = ["trial", "generation", "policy", *[p.path for p in self.params],
                   *[x for g in self.goals for x in (g.kpi, f"{g.kpi}_se")], *[f"margin_{b.kpi}" for b in self.bounds],
                   "feasible", "status", "error", "final"]
        return pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------- the store's note

_PREFIX = "optimisation:"

#: Most candidates a stored note may list.
MAX_NOTED_CANDIDATES = 1_000_000


def _question(search: _Search, settings: Mapping[str, Any]) -> dict[str, Any]:
    """What the optimisation was asked, as plain JSON: enough to rebuild it from the store."""
    return {"scenarios": [sc.canonical_json() for sc in search.scenarios], "levers": levers_note(search.params),
            "objectives": {g.kpi: "max" if g.maximise else "min" for g in search.goals},
            "constraints": {b.kpi: b.text for b in search.bounds}, "across": search.across, "seed": search.seed,
            "replications": search.replications, **settings}


def _remember(store: str | Path, search: _Search, settings: Mapping[str, Any]) -> None:
    """Note in the store what this optimisation was asked and which candidates it tried, in the order tried,
    so that `load_optimisation` rebuilds it; a store that can only be read keeps its runs, with a warning
    that this optimisation is not noted (unless it was before)."""
    question = _question(search, settings)
    digest = hashlib.sha256(json.dumps(question, sort_keys=True).encode()).hexdigest()[:16]
    candidates = [[c.trial, c.generation, c.name, c.levers] for c in sorted(search.candidates.values(),
                                                                             key=lambda c: c.trial)]
    with ResultStore(store) as db:
        if db.read_only is not None:
            if f"{_PREFIX}{digest}" not in db.meta(_PREFIX):
                warnings.warn(f"{store}: this optimisation is not noted in the store ({db.read_only}); "
                              "load_optimisation will not find it", UserWarning, stacklevel=3)
            return
        db.set_meta(f"{_PREFIX}{digest}", {"question": question, "candidates": candidates, "saved_at": time.time()})


def saved_optimisations(store: str | Path) -> pd.DataFrame:
    """List the optimisations noted in a result store, newest first.

    Parameters
    ----------
    store : str or pathlib.Path
        The result store file that `optimise` wrote to.

    Returns
    -------
    pandas.DataFrame
        One row per optimisation: name (for `load_optimisation`), levers, objectives,
        constraints, candidates (how many the search tried), seed, saved_at.

    Raises
    ------
    simbranch.experiment.StoreError
        If the file is not a result store or a note is not one `optimise` writes.

    Examples
    --------
    >>> import simbranch as sb
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
    >>> opt = sb.optimise(scenario, {"allocation.rule": ["round_robin", "crm"], "wellbeing.enabled": None},
    ...                   budget_runs=10, replications=2, final_replications=3, population=4,
    ...                   executor="serial", store="runs.sqlite", progress=False)
    >>> saved = sb.saved_optimisations("runs.sqlite")
    >>> row = saved.iloc[0]
    >>> row["levers"], row["objectives"], int(row["candidates"])
    ('allocation.rule, wellbeing.enabled', 'profit (max), satisfaction_mean (max)', 4)
    """
    with open_for_reading(store) as db:
        notes = {name: _check_note(store, name, note) for name, note in db.meta(_PREFIX).items()}
    rows = [{"name": name.removeprefix(_PREFIX), "levers": ", ".join(note["question"]["levers"]),
             "objectives": ", ".join(f"{k} ({v})" for k, v in note["question"]["objectives"].items()),
             "constraints": ", ".join(f"{k} {v}" for k, v in note["question"]["constraints"].items()),
             "candidates": len(note["candidates"]), "seed": note["question"]["seed"],
             "saved_at": pd.Timestamp(note["saved_at"], unit="s")} for name, note in notes.items()]
    frame = pd.DataFrame(rows, columns=["name", "levers", "objectives", "constraints", "candidates", "seed",
                                        "saved_at"])
    return frame.sort_values("saved_at", ascending=False, ignore_index=True)


def load_optimisation(store: str | Path, name: str | None = None) -> Optimisation:
    """Return an optimisation saved in a result store, rebuilt from its stored runs without running any.

    ``optimise(..., store=FILE)`` notes in the store what it was asked (scenarios, levers,
    objectives, constraints, seeds, replications) and the candidates it tried; their runs are
    found again by their keys and measured as the search measured them, so the front, the trials
    and the final re-evaluation come back as `optimise` returned them (without Optuna, on another
    machine, from the store file alone). Runs made by another model version have other keys and
    are never mixed in.

    Parameters
    ----------
    store : str or pathlib.Path
        The result store file that `optimise` wrote to.
    name : str, optional
        The optimisation's name in the store (`saved_optimisations` lists them); the newest if
        None.

    Returns
    -------
    Optimisation
        The optimisation; its ``runs["ran"]`` is 0.

    Raises
    ------
    simbranch.experiment.StoreError
        If the file is not a result store, holds no optimisation or not that one, its note is
        not one `optimise` writes, or some of its runs are not in the store for this model
        version (running the same `optimise` with this store completes it).

    Examples
    --------
    >>> import simbranch as sb
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
    >>> opt = sb.optimise(scenario, {"allocation.rule": ["round_robin", "crm"], "wellbeing.enabled": None},
    ...                   budget_runs=10, replications=2, final_replications=3, population=4,
    ...                   executor="serial", store="runs.sqlite", progress=False)
    >>> loaded = sb.load_optimisation("runs.sqlite")
    >>> loaded.front.equals(opt.front), loaded.runs["ran"]
    (True, 0)
    """
    with open_for_reading(store) as db:
        notes = {key: _check_note(store, key, note) for key, note in db.meta(_PREFIX).items()}
    if not notes:
        raise StoreError(f"{store}: holds no optimisation (an optimisation run with this store notes itself in it)")
    if name is None:
        key = max(notes, key=lambda n: notes[n]["saved_at"])
    elif _PREFIX + str(name) in notes:
        key = _PREFIX + str(name)
    else:
        raise StoreError(f"{store}: no optimisation {name!r}; it holds: "
                         f"{', '.join(n.removeprefix(_PREFIX) for n in notes)}")
    note = notes[key]
    q = note["question"]
    where = f"{store}: note {key!r}"
    try:
        scenarios = [Scenario.model_validate(json.loads(text)) for text in q["scenarios"]]
        params = lever_params(scenarios[0], levers_from_note(q["levers"]))
        goals = objectives_of(scenarios[0], q["objectives"])
        bounds = constraints_of(scenarios[0], q["constraints"])
        across = check_across(q["across"], len(scenarios))
        seed = check_seed(q["seed"])
        replications = check_replications(q["replications"])
        final_replications = check_replications(q["final_replications"], "final_replications")
    except (ValueError, TypeError, RecursionError) as exc:  # pydantic's ValidationError is a ValueError
        raise StoreError(f"{where} is not what optimise writes: {str(exc).splitlines()[0][:300]}") from None
    if q.get("sampler") not in SAMPLERS:
        raise StoreError(f"{where}: sampler = {str(q.get('sampler'))[:60]!r}; allowed: {', '.join(SAMPLERS)}")
    candidates = []
    for i, item in enumerate(note["candidates"]):
        if not (isinstance(item, list) and len(item) == 4 and all(isinstance(x, int) and not isinstance(x, bool)
                                                                   for x in item[:2])
                and isinstance(item[3], dict) and item[2] == _name(item[3])):
            raise StoreError(f"{where}: candidate {i} is not [trial, generation, name, levers] with the name of its "
                             "levers (the note was edited)")
        candidates.append(_Candidate(item[2], item[3], item[0], item[1]))
    search = _Search(scenarios, params, goals, bounds, across, seed, replications, store, False, offline=True)
    search.replay(candidates)
    return search.finish(final_replications, q["sampler"])


def _check_note(store: str | Path, name: str, note: Any) -> dict[str, Any]:
    """The note of optimisation `name` if it has the shape `_remember` writes, else a StoreError naming what
    is wrong (its values are checked as `optimise` checks its arguments, on loading)."""
    where = f"{store}: note {name!r}"
    if not isinstance(note, dict) or not isinstance(note.get("question"), dict):
        raise StoreError(f"{where} is not the object an optimisation writes")
    q = note["question"]
    shapes = (("scenarios", lambda v: isinstance(v, list) and v and all(isinstance(t, str) for t in v),
               "a list of scenario texts"),
              ("levers", lambda v: isinstance(v, dict) and v, "an object of lever paths"),
              ("objectives", lambda v: isinstance(v, dict) and v, "an object of KPIs"),
              ("constraints", lambda v: isinstance(v, dict), "an object of KPIs"),
              ("seed", lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"))
    for field_name, ok, allowed in shapes:
        if not ok(q.get(field_name)):
            raise StoreError(f"{where}: question.{field_name} = {str(q.get(field_name))[:60]!r}; allowed: {allowed}")
    if not isinstance(note.get("candidates"), list) or len(note["candidates"]) > MAX_NOTED_CANDIDATES:
        raise StoreError(f"{where}: candidates is not a list of at most {MAX_NOTED_CANDIDATES:,} candidates")
    if isinstance(note.get("saved_at"), bool) or not isinstance(note.get("saved_at"), int | float):
        raise StoreError(f"{where}: saved_at = {str(note.get('saved_at'))[:60]!r}; allowed: a time in seconds")
    return note


def _optuna() -> Any:
    optuna = require("optuna", "simbranch.optimise", "optimise")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


# --------------------------------------------------------------------------- pieces


class _executor:
    """One local process pool for the whole optimisation when none is given (None or "process"), else
    the executor as given."""

    def __init__(self, executor: ExecutorLike) -> None:
        self.given = executor
        self.pool: Any = None

    def __enter__(self) -> ExecutorLike:
        if self.given is None or self.given == "process":
            self.pool = process_pool()
            return self.pool
        return self.given

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def _sampler(optuna: Any, name: str, population: int, seed: int, constrained: bool) -> optuna.samplers.BaseSampler:
    state = int(np.random.SeedSequence(seed).generate_state(1)[0])  # Optuna's samplers take a 32-bit seed
    constraints = _constraint_values if constrained and not hasattr(optuna.trial.Trial, "set_constraint") else None
    if name == "nsga2":
        return optuna.samplers.NSGAIISampler(population_size=population, seed=state, constraints_func=constraints)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        return optuna.samplers.TPESampler(seed=state, n_startup_trials=population, multivariate=True,
                                          constraints_func=constraints)


def _constraint_values(trial: Any) -> list[float]:
    """Optuna 4's constraints of a trial: each constraint's violation (<= 0: it holds)."""
    return [value for key, value in trial.user_attrs.items() if key.startswith("constraint:")]


def _name(levers: Mapping[str, Any]) -> str:
    """A policy name that is a hash of the settings: the same settings always make the same run keys."""
    text = json.dumps({k: levers[k] for k in sorted(levers)}, sort_keys=True, default=str)
    return "opt-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def _version(package: str) -> str | None:
    """An installed package's version, None without it (`load_optimisation` needs no Optuna)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _final_seed(seed: int) -> int:
    """The final replications' experiment seed: derived from `seed`, different from it, so that the seeds
    that measure the front are not the ones that chose it."""
    digest = hashlib.sha256(f"simbranch.optimise final:{seed}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % MAX_SEED


def _with_failures(cmp: Comparison) -> pd.DataFrame:
    """A comparison's table with a `_failed` flag and the error of each policy's failed runs."""
    table = cmp.table.assign(_failed=0)
    failed = cmp.failures.assign(_failed=1)
    return pd.concat([table, failed], ignore_index=True)


def _units(table: pd.DataFrame, policy: str, kpi: str) -> tuple[np.ndarray, np.ndarray]:
    """The policy's KPI and its paired difference from the baseline, as the units its statistics run
    over: the replications on one scenario, each scenario's mean on several."""
    ok = table[table["_failed"] == 0]
    keys = ["scenario", "replication"] if "scenario" in ok else ["replication"]
    own = ok[ok["policy"] == policy].set_index(keys)[kpi].astype(float)
    base = ok[ok["policy"] == "baseline"].set_index(keys)[kpi].astype(float)
    diff = (own - base.reindex(own.index)).dropna()
    if "scenario" in ok:
        return own.groupby(level="scenario").mean().to_numpy(), diff.groupby(level="scenario").mean().to_numpy()
    return own.to_numpy(), diff.to_numpy()


def _se(units: np.ndarray) -> float:
    """Standard error of the mean of paired differences (0 with one unit: no spread to tell)."""
    return float(np.std(units, ddof=1) / math.sqrt(len(units))) if len(units) > 1 else 0.0


def _quantile(q: float, worse_high: bool) -> float:
    return 1.0 - q if worse_high else q


def _aggregate(units: np.ndarray, across: str | float, worse_high: bool) -> float:
    """The mean of the units, or on several scenarios their quantile on the bad side."""
    if not len(units):
        return float("nan")
    if across == "mean":
        return float(np.mean(units))
    return float(np.quantile(units, _quantile(float(across), worse_high)))


def _signed(candidates: list[_Candidate], goals: list[Objective]) -> np.ndarray:
    """The candidates' objectives with larger better in every column."""
    return np.array([[c.values[g.kpi] * (1 if g.maximise else -1) for g in goals] for c in candidates],
                    dtype=float).reshape(len(candidates), len(goals))


def _nondominated(signed: np.ndarray) -> np.ndarray:
    return np.array([not dominated_by(y, signed).any() for y in signed], dtype=bool)


def _final_choice(candidates: list[_Candidate], goals: list[Objective]) -> list[_Candidate]:
    """What the final replications re-evaluate: the feasible non-dominated candidates, then those one
    standard error from the front or from feasibility (nearest first), at most `MAX_FINAL_POINTS`."""
    candidates = _distinct_results(candidates)
    if not candidates:
        return []
    signed = _signed(candidates, goals)
    se = np.array([[c.se[g.kpi] for g in goals] for c in candidates], dtype=float).reshape(signed.shape)
    feasible = np.array([all(v <= 0 for v in c.violations) for c in candidates], dtype=bool)
    near_feasible = np.array([all(v - s <= 0 for v, s in zip(c.violations, c.violation_se, strict=True))
                              for c in candidates], dtype=bool)
    pool = signed[feasible]
    front = [i for i in range(len(candidates)) if feasible[i] and not dominated_by(signed[i], pool).any()]
    if len(front) > MAX_FINAL_POINTS:
        order = sorted(front, key=lambda i: signed[i, 0])
        front = [order[round(k)] for k in np.linspace(0, len(order) - 1, MAX_FINAL_POINTS)]
    near = [i for i in range(len(candidates)) if i not in front and near_feasible[i]
            and not dominated_by(signed[i] + se[i], pool).any()]
    near.sort(key=lambda i: (int(dominated_by(signed[i], pool).sum()), candidates[i].trial))
    return [candidates[i] for i in (front + near)[:MAX_FINAL_POINTS]]


def _distinct_results(candidates: list[_Candidate]) -> list[_Candidate]:
    """One candidate per distinct result, the first tried: settings that differ only in a lever with no
    effect there (how often to train when training is off) run the same numbers on the same seeds, and
    would stand on the front side by side as if they were choices."""
    seen: dict[tuple[Any, ...], _Candidate] = {}
    for candidate in sorted(candidates, key=lambda c: c.trial):
        seen.setdefault((tuple(sorted(candidate.values.items())), candidate.violations), candidate)
    return list(seen.values())


def _nothing_feasible(search: _Search, searched: list[_Candidate], final: list[_Candidate]) -> str:
    if not search.bounds:
        return "no candidate finished its runs: the front is empty (see the trials' status and error)"
    pool = [c for c in (final or searched) if c.status == "ok"]
    text = ", ".join(f"{b.kpi} {b.text}" for b in search.bounds)
    if not pool:
        return f"no candidate finished its runs; the front is empty (constraints: {text})"
    closest = min(pool, key=lambda c: max(c.violations))
    worst = ", ".join(f"{b.kpi} by {meanings.fmt(b.kpi, v, difference=True) if meanings.find(b.kpi) else v}"
                      for b, v in zip(search.bounds, closest.violations, strict=True) if v > 0)
    return (f"no candidate meets the constraints ({text}) on the final replications: the front is empty. The closest, "
            f"{closest.name}, misses {worst}; loosen a constraint or widen the levers")


