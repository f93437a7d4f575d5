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
candidate that was on the search's front by luck drops off it.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simbranch import meanings
from simbranch.analysis.tradeoffs import dominated_by
from simbranch.experiment.compare import (
    Comparison,
    _progress,
    compare,
    comparison_from_records,
    provenance,
    run_experiment,
)
from simbranch.experiment.design import (
    MAX_SEED,
    RunSpec,
    check_replications,
    check_seed,
    run_specs,
    scenario_specs,
)
from simbranch.experiment.executors import ExecutorLike, process_pool
from simbranch.extras import require
from simbranch.run import kpi_names
from simbranch.scenario import LEVER_SECTIONS, Policy, Scenario, ScenarioError

if TYPE_CHECKING:
    import optuna
    from matplotlib.figure import Figure

__all__ = ["DEFAULT_LEVERS", "MAX_FINAL_POINTS", "Optimisation", "optimise"]

#: The levers searched when none are given: one per measure of the article, its switch or its main
#: choice (None: every value the scenario schema allows).
DEFAULT_LEVERS: dict[str, Any] = {
    "allocation.rule": ["round_robin", "by_tier", "by_specialty", "least_loaded", "crm"],
    "training.enabled": None,
    "assessment.enabled": None,
    "incentives.scheme": None,
    "surveys.enabled": None,
    "careers.enabled": None,
    "communication.enabled": None,
    "wellbeing.enabled": None,
}

#: Most candidates re-evaluated with `final_replications` at the end (the front first).
MAX_FINAL_POINTS = 24

#: Generations in a row that propose no new candidate before the search stops (the space is used up).
STALE_GENERATIONS = 10

#: The samplers `optimise` knows.
SAMPLERS = ("nsga2", "tpe")

#: Resamples of the bootstrap interval of a quantile across scenarios.
BOOTSTRAP = 2000

_NUMBER = r"[-+]?(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_CONSTRAINT = re.compile(rf"^\s*(<=|>=)\s*(?:(baseline)\s*(?:([-+])\s*({_NUMBER}))?|({_NUMBER}))\s*$")
_GRAMMAR = "'<= baseline + 200000', '<= baseline', '>= baseline - 0.02', '<= 0.2' or ('<=', 0.2)"


# --------------------------------------------------------------------------- what is optimised


@dataclass(frozen=True)
class _Objective:
    kpi: str
    maximise: bool


@dataclass(frozen=True)
class _Constraint:
    """A bound on a KPI: its value (or, `relative`, its difference from the baseline) `op` `bound`."""

    kpi: str
    op: str
    bound: float
    relative: bool
    text: str

    @property
    def worse_high(self) -> bool:
        return self.op == "<="

    def violation(self, value: float) -> float:
        """How far `value` is beyond the bound (<= 0: the constraint holds), as Optuna's constraints want it."""
        return value - self.bound if self.op == "<=" else self.bound - value


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


# --------------------------------------------------------------------------- the result


@dataclass
class Optimisation:
    """Result of `optimise`: the Pareto front of lever settings, every candidate tried, the baseline.

    Parameters
    ----------
    scenarios : list of Scenario
        The scenario, or the scenarios (draws) every candidate ran on.
    levers : dict
        The levers searched: dotted path -> the values they could take, as text.
    objectives : dict
        KPI -> "max" or "min".
    constraints : dict
        KPI -> the constraint as given.
    front : pandas.DataFrame
        The Pareto front on the final replications: policy, the lever settings, per objective its
        value with ``_ci_low``/``_ci_high`` and its difference from the baseline
        (``_difference``, ``_difference_ci_low``, ``_difference_ci_high``), per constraint its
        margin (``margin_<kpi>``, positive: the bound holds, with its interval) and feasible.
    trials : pandas.DataFrame
        Every distinct candidate the search ran: trial, generation, policy, the lever settings,
        the objectives and constraint margins on the search replications, feasible, status, error
        and final (re-evaluated at the end).
    baseline : pandas.Series
        The baseline's value of each objective and constrained KPI on the final replications.
    evaluation : Comparison
        The final re-evaluation: the baseline and the re-evaluated candidates on `final_seed`.
    seed : int
        The search's seed (its replications and the sampler).
    final_seed : int
        The seed of the final replications (`compare` reuses it).
    replications : int
        Replications per scenario of every candidate during the search.
    final_replications : int
        Replications per scenario of the final re-evaluation.
    across : str or float
        "mean", or the quantile (on the bad side) across scenarios.
    sampler : str
        "nsga2" or "tpe".
    runs : dict, optional
        Runs the search and the final re-evaluation needed, and those run now (the rest came from
        the store).
    store : str or Path, optional
        The result store.
    executor : object, optional
        The executor given to `optimise` (`compare` uses it too).
    provenance : dict, optional
        Seed, model fingerprint, package versions (Optuna's too).
    policies : dict, optional
        Internal: the lever settings of every candidate by policy name.

    Raises
    ------
    TypeError
        When a required field is missing. The fields are not checked: `optimise` builds it.

    Examples
    --------
    >>> import simbranch as sb
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
    >>> opt = sb.optimise(scenario, {"allocation.rule": ["round_robin", "crm"], "wellbeing.enabled": None},
    ...                   budget_runs=10, replications=2, final_replications=3, population=4,
    ...                   executor="serial", progress=False)
    >>> len(opt.trials), list(opt.objectives)
    (4, ['profit', 'satisfaction_mean'])
    >>> bool(opt.front["feasible"].all())
    True
    """

    scenarios: list[Scenario] = field(repr=False)
    levers: dict[str, str]
    objectives: dict[str, str]
    constraints: dict[str, str]
    front: pd.DataFrame = field(repr=False)
    trials: pd.DataFrame = field(repr=False)
    baseline: pd.Series = field(repr=False)
    evaluation: Comparison = field(repr=False)
    seed: int
    final_seed: int
    replications: int
    final_replications: int
    across: str | float
    sampler: str
    runs: dict[str, int] = field(default_factory=dict)
    store: str | Path | None = field(default=None, repr=False)
    executor: ExecutorLike = field(default=None, repr=False)
    provenance: dict[str, Any] = field(default_factory=dict, repr=False)
    policies: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    def policy(self, i: int = 0) -> Policy:
        """Return front point `i` as a Policy (its name a hash of its lever settings).

        Parameters
        ----------
        i : int
            The row of `front`.

        Returns
        -------
        Policy
            The lever settings of that point, for `compare`, `Scenario.with_policy` or a file.

        Raises
        ------
        ValueError
            If the front has no row `i`.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> opt = sb.optimise(scenario, {"allocation.rule": ["round_robin", "crm"], "wellbeing.enabled": None},
        ...                   budget_runs=10, replications=2, final_replications=3, population=4,
        ...                   executor="serial", progress=False)
        >>> policy = opt.policy(0)
        >>> policy.name == opt.front["policy"].iloc[0]
        True
        >>> sorted(policy.to_flat())
        ['allocation.rule', 'wellbeing.enabled']
        """
        if not isinstance(i, int | np.integer) or isinstance(i, bool) or not 0 <= i < len(self.front):
            raise ValueError(f"no front point {i!r}; the front has {len(self.front)} points"
                             + (f" (0 to {len(self.front) - 1})" if len(self.front) else ""))
        name = str(self.front["policy"].iloc[int(i)])
        return _policy(name, self.policies[name])

    def write_policy(self, i: int, path: str | Path) -> Path:
        """Write front point `i` as a policy TOML file that `load_policy` reads.

        Parameters
        ----------
        i : int
            The row of `front`.
        path : str or Path
            The file to write (its folder must exist).

        Returns
        -------
        Path
            The file written.

        Raises
        ------
        ValueError
            If the front has no row `i`.
        OSError
            If the file cannot be written.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> opt = sb.optimise(scenario, {"allocation.rule": ["round_robin", "crm"], "wellbeing.enabled": None},
        ...                   budget_runs=10, replications=2, final_replications=3, population=4,
        ...                   executor="serial", progress=False)
        >>> written = opt.write_policy(0, "best.toml")
        >>> sb.load_policy(written).to_flat() == opt.policy(0).to_flat()
        True
        """
        import tomli_w

        policy = self.policy(i)
        text = tomli_w.dumps({"policy": {"name": policy.name, "description": policy.description}, **policy.levers})
        target = Path(path)
        target.write_text(f"# Found by simbranch.optimise (seed {self.seed}); objectives: "
                          f"{', '.join(f'{k} ({v})' for k, v in self.objectives.items())}\n{text}", encoding="utf-8")
        return target

    def compare(self, points: Sequence[int] | None = None, presets: Sequence[Policy | str | Path] = (),
                replications: int | None = None, executor: ExecutorLike = "same", progress: bool = False
                ) -> Comparison:
        """Compare front points (and presets) with the baseline, as `simbranch.compare` does.

        The runs use `final_seed`, so with the optimisation's store the front points' runs are
        those of the final re-evaluation (nothing runs again); `simbranch.report.write_report`
        takes the result.

        Parameters
        ----------
        points : sequence of int, optional
            Rows of `front` (default all of them).
        presets : sequence of Policy, str or Path
            Policies to compare as well: preset names, policy files or Policy objects.
        replications : int, optional
            Replications per scenario (default `final_replications`).
        executor : object
            Where the runs run, as in `simbranch.compare`; "same" (default) uses the optimisation's.
        progress : bool
            Whether to show a progress bar.

        Returns
        -------
        Comparison
            The baseline, the chosen points and the presets on the optimisation's scenario(s).

        Raises
        ------
        ValueError
            For a row the front does not have, a bad replications count, or two policies of one
            name.
        ScenarioError
            For a preset that is no preset name and no readable policy file.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> opt = sb.optimise(scenario, {"allocation.rule": ["round_robin", "crm"], "wellbeing.enabled": None},
        ...                   budget_runs=10, replications=2, final_replications=3, population=4,
        ...                   executor="serial", progress=False)
        >>> cmp = opt.compare([0], presets=["crm_routing"])
        >>> [p.name for p in cmp.policies] == ["baseline", opt.policy(0).name, "crm_routing"]
        True
        """
        chosen = range(len(self.front)) if points is None else points
        policies: list[Policy | str | Path] = [self.policy(i) for i in chosen]
        policies += list(presets)
        scenario: Scenario | list[Scenario] = self.scenarios if len(self.scenarios) > 1 else self.scenarios[0]
        return compare(scenario, policies, replications=replications or self.final_replications,
                       seed=self.final_seed, executor=self.executor if executor == "same" else executor,
                       store=self.store, progress=progress)

    def plot(self, kind: str = "front", presets: Comparison | None = None, lang: str = "en") -> Figure:
        """Draw the trade-off between the first two objectives, with the front and the baseline.

        Every candidate of the search is a grey dot (its search replications); the front points
        are in colour with their intervals (final replications), joined by a line; the baseline
        is a star; presets, given a `Comparison` of them, are placed at the baseline plus their
        paired differences.

        Parameters
        ----------
        kind : {"front"}
            The figure.
        presets : Comparison, optional
            A comparison of preset policies against the baseline, to show for reference.
        lang : {"en", "zh"}
            Language of the figure.

        Returns
        -------
        matplotlib.figure.Figure
            One panel.

        Raises
        ------
        ValueError
            For another kind or language, or fewer than two objectives.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> opt = sb.optimise(scenario, {"allocation.rule": ["round_robin", "crm"], "wellbeing.enabled": None},
        ...                   budget_runs=10, replications=2, final_replications=3, population=4,
        ...                   executor="serial", progress=False)
        >>> fig = opt.plot("front")
        >>> len(fig.axes)
        1
        """
        if kind != "front":
            raise ValueError(f"unknown kind {kind!r}; an optimisation draws 'front'")
        if len(self.objectives) < 2:
            raise ValueError("the front figure needs two objectives; with one, read `front` and `trials`")
        return _front_figure(self, presets, lang=lang)

    def _repr_html_(self) -> str:
        head = (f"<b>simbranch optimisation</b> ({escape(self.sampler)}): {len(self.levers)} levers, "
                f"{len(self.trials)} candidates x {self.replications} replications"
                + (f" x {len(self.scenarios)} scenarios ({_across_text(self.across)})" if len(self.scenarios) > 1
                   else "")
                + f"; {int(self.trials['final'].sum())} re-evaluated on {self.final_replications} fresh "
                  f"replications, front of {len(self.front)} points; seed {self.seed}")
        if not len(self.front):
            return head + "<br><b>No candidate met the constraints.</b>"
        currency = self.scenarios[0].branch.currency
        shown = self.front[["policy", *self.levers]].copy()
        for kpi in self.objectives:
            shown[meanings.label(kpi, default=kpi)] = [
                f"{meanings.fmt(kpi, v, currency=currency)} "
                f"({meanings.fmt(kpi, d, difference=True, currency=currency)})"
                for v, d in zip(self.front[kpi], self.front[f"{kpi}_difference"], strict=True)]
        for kpi in self.constraints:
            shown[f"margin: {meanings.label(kpi, default=kpi)}"] = [
                meanings.fmt(kpi, m, difference=True, currency=currency) for m in self.front[f"margin_{kpi}"]]
        return (head + "<br>value (difference from the baseline); margin: how far within its bound"
                + shown.to_html(index=False, escape=True))


# --------------------------------------------------------------------------- the search


def optimise(scenario: Scenario | Sequence[Scenario], levers: Mapping[str, Any] | Sequence[str] | None = None,
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
    levers : mapping or sequence of str, optional
        Dotted lever path -> None (every value the schema allows: a choice's options, true and
        false, a number's bounds), ``(low, high)`` (integers when both are ints on an int field)
        or a list of values. Default `DEFAULT_LEVERS`: each measure's switch or main choice.
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
    scenarios = _scenarios(scenario)
    seed = check_seed(seed)
    replications = check_replications(replications)
    final_replications = check_replications(final_replications, "final_replications")
    across = _check_across(across, len(scenarios))
    if sampler not in SAMPLERS:
        raise ValueError(f"sampler must be one of {', '.join(SAMPLERS)}, got {sampler!r}")
    if not isinstance(population, int | np.integer) or isinstance(population, bool) or population < 2:
        raise ValueError(f"population must be a whole number of at least 2, got {population!r}")
    params = _levers(scenarios[0], levers)
    goals = _objectives(scenarios[0], objectives)
    bounds = _constraints(scenarios[0], constraints)
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
    return result


class _Search:
    """The state of one optimisation: its runs (cached by key), candidates and Optuna study."""

    def __init__(self, scenarios: list[Scenario], params: list[Any], goals: list[_Objective],
                 bounds: list[_Constraint], across: str | float, seed: int, replications: int,
                 store: str | Path | None, progress: bool) -> None:
        self.scenarios, self.params, self.goals, self.bounds = scenarios, params, goals, bounds
        self.across, self.seed, self.replications, self.store = across, seed, replications, store
        self.progress = progress
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
        if todo:
            def count(_: dict[str, Any]) -> None:
                self.ran += 1

            for record in run_experiment(todo, self.pool, self.store, progress, f"optimise:{self.seed}", count):
                self.records[record["key"]] = record
        records = [self.records[s.key] for s in specs if s.key in self.records]
        several = len(self.scenarios) > 1
        scenario: Scenario | list[Scenario] = self.scenarios if several else self.scenarios[0]
        return comparison_from_records(scenario, policies, records, seed, several=several)

    # ---------------------------------------------------------------- search loop

    def run(self, optuna: Any, sampler: str, population: int, budget: int) -> None:
        study = optuna.create_study(directions=["maximize" if g.maximise else "minimize" for g in self.goals],
                                    sampler=_sampler(optuna, sampler, population, self.seed, bool(self.bounds)))
        distributions = {p.path: _distribution(optuna, p) for p in self.params}
        cost = self.replications * len(self.scenarios)
        self.execute([self.baseline], range(self.replications), self.seed)  # runs once, whatever the generations
        self.used = cost
        size = _space_size(self.params)
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

    def evaluate(self, settings: dict[str, dict[str, Any]], trials: dict[str, int], generation: int) -> int:
        """Run the new candidates of a generation as one batch, with the baseline, and measure them; return
        how many ran (a setting that the scenario refuses runs nothing)."""
        valid: list[Policy] = []
        for name, levers in settings.items():
            candidate = _Candidate(name, levers, trials[name], generation)
            self.candidates[name] = candidate
            policy = _policy(name, levers)
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
        policies = [_policy(c.name, c.levers) for c in chosen]
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
        from importlib.metadata import version

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
                                          "optuna": version("optuna")},
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
        columns += ["feasible", "trial"]
        rows = []
        for candidate in front:
            row: dict[str, Any] = {"policy": candidate.name, **candidate.levers, "feasible": True,
                                   "trial": candidate.trial}
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
        frame = pd.DataFrame(rows, columns=columns)
        if len(frame):
            first = self.goals[0]
            frame = frame.sort_values(first.kpi, ascending=not first.maximise, kind="stable").reset_index(drop=True)
        return frame

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


# --------------------------------------------------------------------------- checking the input


def _optuna() -> Any:
    optuna = require("optuna", "simbranch.optimise", "optimise")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def _scenarios(value: Any) -> list[Scenario]:
    if isinstance(value, Scenario):
        return [value]
    if isinstance(value, str | bytes | Path | Mapping) or not isinstance(value, Iterable):
        raise TypeError(f"optimise() takes a Scenario or a sequence of Scenarios (see load_scenario), got "
                        f"{type(value).__name__}")
    items = list(value)
    if not items:
        raise ValueError("optimise() got an empty sequence of scenarios; give at least one Scenario")
    for i, item in enumerate(items):
        if not isinstance(item, Scenario):
            raise TypeError(f"optimise(): item {i} of the scenarios is a {type(item).__name__}, not a Scenario")
    return items


def _check_across(across: Any, n_scenarios: int) -> str | float:
    if across == "mean":
        return "mean"
    if isinstance(across, bool) or not isinstance(across, int | float | np.floating) or not 0 < across < 1:
        raise ValueError(f"across must be 'mean' or a quantile between 0 and 1 (exclusive), got {across!r}")
    if n_scenarios < 2:
        raise ValueError(f"across={across!r} is a quantile across scenarios: give several scenarios (e.g. "
                         "Calibration.scenarios(30)), or across='mean'")
    return float(across)


def _levers(scenario: Scenario, levers: Mapping[str, Any] | Sequence[str] | None) -> list[Any]:
    """The levers as the sweep's parameters, each path a lever of a policy and each value allowed."""
    from simbranch.discover import levers as lever_table
    from simbranch.experiment.sweep import _check_values, _parse
    from simbranch.interop import _range

    if levers is None:
        levers = DEFAULT_LEVERS
    items = list(levers.items()) if isinstance(levers, Mapping) else [(path, None) for path in _paths(levers)]
    if not items:
        raise ValueError("levers is empty; give at least one dotted lever path (see simbranch.levers())")
    table = lever_table()
    kinds = dict(zip(table["path"], table["kind"], strict=True))
    current = scenario.to_dict()
    params = []
    for path, spec in items:
        if path not in kinds:
            import difflib

            close = difflib.get_close_matches(str(path), list(kinds), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else "; simbranch.levers() lists them"
            raise ValueError(f"lever {path!r} is no lever of a policy (a field of {', '.join(LEVER_SECTIONS)}){hint}")
        if kinds[path] != "lever":
            raise ValueError(f"{path!r} is an assumed coefficient (how people respond), not a choice a policy makes: "
                             "optimise over levers; explore coefficients with sb.robustness or sb.calibrate")
        param = _parse(path, _range(scenario, path, {}, "lever") if spec is None else spec, current)
        if param.kind == "category" and not all(v is None or isinstance(v, bool | int | float | str)
                                                for v in param.values):
            raise ValueError(f"lever {path!r}: the values to choose from must be text, numbers or booleans")
        _check_values(scenario, param, "lever")
        params.append(param)
    return params


def _paths(levers: Any) -> list[str]:
    if isinstance(levers, str) or not isinstance(levers, Sequence):
        raise ValueError(f"levers must map dotted lever paths to None, (low, high) or a list of values, or list the "
                         f"paths; got {levers!r}")
    return list(levers)


def _objectives(scenario: Scenario, objectives: Sequence[str] | Mapping[str, str]) -> list[_Objective]:
    known = kpi_names(scenario)
    items = list(objectives.items()) if isinstance(objectives, Mapping) else \
        [(kpi, None) for kpi in ([objectives] if isinstance(objectives, str) else list(objectives))]
    if not items:
        raise ValueError("objectives is empty; give at least one KPI (see simbranch.kpis())")
    goals = []
    for kpi, way in items:
        if kpi not in known:
            raise ValueError(f"objective {kpi!r} is no KPI; KPIs: {', '.join(known)}")
        if way is None:
            way = {"higher": "max", "lower": "min"}.get(meanings.better(kpi) if meanings.find(kpi) else "neither")
            if way is None:
                raise ValueError(f"objective {kpi!r} has no better direction (simbranch.meanings.better): say which "
                                 f"way to go, e.g. objectives={{{kpi!r}: 'max'}}")
        if way not in ("max", "min"):
            raise ValueError(f"objective {kpi!r}: the direction must be 'max' or 'min', got {way!r}")
        goals.append(_Objective(kpi, way == "max"))
    if len({g.kpi for g in goals}) < len(goals):
        raise ValueError("an objective is named twice; give each KPI once")
    return goals


def _constraints(scenario: Scenario, constraints: Mapping[str, Any] | None) -> list[_Constraint]:
    if constraints is None:
        return []
    if not isinstance(constraints, Mapping):
        raise ValueError(f"constraints must map KPIs to bounds such as {_GRAMMAR}; got {constraints!r}")
    known = kpi_names(scenario)
    out = []
    for kpi, spec in constraints.items():
        if kpi not in known:
            raise ValueError(f"constraint on {kpi!r}: no such KPI; KPIs: {', '.join(known)}")
        out.append(_constraint(kpi, spec))
    return out


def _constraint(kpi: str, spec: Any) -> _Constraint:
    """One constraint from its text or (op, number) pair, or a ValueError naming it and the grammar."""
    problem = f"constraint {kpi!r}: {spec!r} is not a bound; write {_GRAMMAR}"
    if isinstance(spec, tuple):
        if len(spec) != 2 or spec[0] not in ("<=", ">=") or isinstance(spec[1], bool) \
                or not isinstance(spec[1], int | float | np.integer | np.floating) or not math.isfinite(spec[1]):
            raise ValueError(problem)
        return _Constraint(kpi, spec[0], float(spec[1]), False, f"{spec[0]} {spec[1]}")
    if not isinstance(spec, str):
        raise ValueError(problem)
    match = _CONSTRAINT.match(spec)
    if match is None:
        raise ValueError(problem)
    op, baseline, sign, offset, number = match.groups()
    if baseline:
        value = float(offset.replace("_", "")) if offset else 0.0
        return _Constraint(kpi, op, -value if sign == "-" else value, True, " ".join(spec.split()))
    return _Constraint(kpi, op, float(number.replace("_", "")), False, " ".join(spec.split()))


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


def _distribution(optuna: Any, param: Any) -> Any:
    if param.kind == "category":
        return optuna.distributions.CategoricalDistribution(list(param.values))
    if param.kind == "int":
        return optuna.distributions.IntDistribution(int(param.low), int(param.high))
    return optuna.distributions.FloatDistribution(param.low, param.high)


def _space_size(params: list[Any]) -> float:
    """How many distinct settings there are (infinite with a real lever)."""
    size = 1.0
    for p in params:
        size *= len(p.values) if p.kind == "category" else (p.high - p.low + 1) if p.kind == "int" else math.inf
    return size


def _name(levers: Mapping[str, Any]) -> str:
    """A policy name that is a hash of the settings: the same settings always make the same run keys."""
    text = json.dumps({k: levers[k] for k in sorted(levers)}, sort_keys=True, default=str)
    return "opt-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def _policy(name: str, levers: Mapping[str, Any]) -> Policy:
    description = "; ".join(f"{path} = {value!r}" for path, value in levers.items())
    return Policy.from_flat(name, dict(levers), description=f"found by simbranch.optimise: {description}")


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


def _signed(candidates: list[_Candidate], goals: list[_Objective]) -> np.ndarray:
    """The candidates' objectives with larger better in every column."""
    return np.array([[c.values[g.kpi] * (1 if g.maximise else -1) for g in goals] for c in candidates],
                    dtype=float).reshape(len(candidates), len(goals))


def _nondominated(signed: np.ndarray) -> np.ndarray:
    return np.array([not dominated_by(y, signed).any() for y in signed], dtype=bool)


def _final_choice(candidates: list[_Candidate], goals: list[_Objective]) -> list[_Candidate]:
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


def _across_text(across: str | float) -> str:
    return "mean across scenarios" if across == "mean" else f"{float(across):g} quantile across scenarios, bad side"


# --------------------------------------------------------------------------- the figure


_WORDS = {
    "trials": ("candidates tried (search replications)", "搜索中的候选方案"),
    "front": ("Pareto front (final replications, 95 % intervals)", "帕累托前沿(最终重复,95%区间)"),
    "baseline": ("baseline", "基准"),
    "presets": ("preset policies (baseline + paired difference)", "预设政策(基准 + 配对差)"),
    "title": ("Optimised lever settings: {y} against {x}", "优化后的措施组合:{y} 与 {x}"),
}


def _front_figure(opt: Optimisation, presets: Comparison | None, *, lang: str = "en") -> Figure:
    from matplotlib.lines import Line2D

    from simbranch.plots._base import (
        BASELINE_COLOR,
        DOMINATED_COLOR,
        axis_label,
        better_text,
        check_lang,
        currency_of,
        drawn,
        format_axis,
        legend,
        new_figure,
        policy_label,
    )

    check_lang(lang)
    x, y = list(opt.objectives)[:2]
    say = {k: (en if lang == "en" else zh) for k, (en, zh) in _WORDS.items()}

    @drawn
    def draw(*, lang: str) -> Figure:
        currency = currency_of(opt.scenarios[0])
        fig, (ax,) = new_figure(1, panel=(7.6, 5.6), lang=lang)
        ok = opt.trials[opt.trials["status"] == "ok"]
        ax.scatter(ok[x], ok[y], s=14, color=DOMINATED_COLOR, zorder=1)
        handles = [Line2D([], [], color=DOMINATED_COLOR, marker="o", lw=0, label=say["trials"])]
        front = opt.front.sort_values(x)
        if len(front):
            ax.errorbar(front[x], front[y], fmt="o-", color="#1f77b4", ms=7, capsize=3, zorder=3,
                        xerr=[front[x] - front[f"{x}_ci_low"], front[f"{x}_ci_high"] - front[x]],
                        yerr=[front[y] - front[f"{y}_ci_low"], front[f"{y}_ci_high"] - front[y]])
            handles.append(Line2D([], [], color="#1f77b4", marker="o", label=say["front"]))
        ax.plot([opt.baseline[x]], [opt.baseline[y]], marker="*", ms=16, color=BASELINE_COLOR, lw=0, zorder=4)
        handles.append(Line2D([], [], color=BASELINE_COLOR, marker="*", ms=12, lw=0, label=say["baseline"]))
        if presets is not None:
            paired = presets.paired(kpis=[x, y], adjust="none")
            moved = paired.pivot_table(index="policy", columns="kpi", values="difference", sort=False)
            for name, row in moved.iterrows():
                px, py = opt.baseline[x] + row[x], opt.baseline[y] + row[y]
                ax.plot([px], [py], marker="D", ms=7, color="#d62728", lw=0, zorder=3)
                ax.annotate(policy_label(name, lang), (px, py), fontsize=8, xytext=(4, 4), textcoords="offset points")
            handles.append(Line2D([], [], color="#d62728", marker="D", lw=0, label=say["presets"]))
        sep = ", " if lang == "en" else ","
        ax.set_xlabel(f"{axis_label(x, lang, currency)}{sep}{better_text(x, lang, opt.objectives[x] == 'max')}")
        ax.set_ylabel(f"{axis_label(y, lang, currency)}{sep}{better_text(y, lang, opt.objectives[y] == 'max')}")
        format_axis(ax.xaxis, x, lang)
        format_axis(ax.yaxis, y, lang)
        ax.grid(alpha=0.3)
        ax.margins(0.1)
        ax.set_title(say["title"].format(x=axis_label(x, lang, currency), y=axis_label(y, lang, currency)),
                     fontsize=11)
        legend(fig, handles)
        return fig

    return draw(lang=lang)
