"""Robustness of a comparison of policies across the assumption ranges, when there is no data to
calibrate on.

Many of the model's coefficients are assumed, with a declared plausible range
(`simbranch.assumptions.assumed_ranges`). `robustness` draws `n` points of those ranges (a Latin
hypercube or a scrambled Sobol' sequence), runs the baseline and every policy on every draw with
the machinery of `compare` on several scenarios (the same executors, store, resume and progress;
each draw has seeds of its own, shared by the policies of the draw, so policies are paired within
a draw and the draws are independent, in their assumptions and in their noise), and says how far
the conclusions hold:

- per policy and KPI, the share of draws in which it beats the baseline, and the median and
  5-95 % range of its effect across the draws (`shares`, from the per-draw `effects`);
- the ranking of the policies in each draw (`ranking`), the overall best policy (best expected
  value over the draws) and the share of draws in which it is the best (`stability`,
  `best_policy`, `best_share`);
- which assumptions each policy's effect and the ranking depend on most (`sensitivity`).

A draw's effect is its assumptions' effect plus the noise of its own replications, so the shares,
ranges and ranking hold the noise as well as the assumptions (no noise is common to all the
draws): with few replications, a share of draws near 50 % may be noise as much as assumptions, and
`comparison.paired()` gives the expected effect with a CI that counts both.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simbranch.analysis.tradeoffs import higher_is_better
from simbranch.analysis.uncertainty import (
    draw_ranking,
    effect_shares,
    ranking_margin,
    ranking_stability,
    scenario_differences,
)
from simbranch.experiment.compare import Comparison, compare_scenarios, provenance
from simbranch.experiment.design import check_seed, resolve_policies
from simbranch.experiment.executors import ExecutorLike
from simbranch.experiment.sweep import _check_values, _parse
from simbranch.run import kpi_names
from simbranch.scenario import Policy, Scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["METHODS", "Robustness", "robustness"]

#: Samples `robustness` draws.
METHODS: tuple[str, ...] = ("lhs", "sobol")

#: The output whose sensitivity says what the ranking depends on (beside one output per policy's effect).
MARGIN = "ranking margin"


@dataclass
class Robustness:
    """Result of `robustness`: how a comparison of policies holds across the assumption ranges.

    `design` has one row per draw (`draw` and one column per sampled path, the values applied);
    `comparison` is the `Comparison` of every policy on every draw (its `scenario` column is the
    draw; `comparison.paired()` gives the expected effects over the ranges with their intervals);
    `failures` the runs that raised (run the same call with the same store to retry them).

    For the KPIs in `kpis`: `effects` has one row per draw, policy and KPI (`difference`: the mean
    paired difference from the baseline over the draw's replications; `better`: 1 when that beats
    the baseline, 0.5 when equal, else 0); `shares` per policy and KPI the share of draws in which
    the policy beats the baseline (`share_better`), the `median`, `low` and `high` (5 % and 95 %)
    of its effect, `mean` and `n_draws`. For the first KPI (`kpi`): `ranking` has each policy's
    mean and rank in each draw, `stability` per policy its expected value, overall rank, share
    of draws where it is the best and mean rank; `best_policy` is the overall best (best expected
    value) and `best_share` the share of draws in which it is the best. `sensitivity()` says which
    assumptions matter most.

    Parameters
    ----------
    method : str
        The sample: "lhs" or "sobol" (`METHODS`).
    ranges : dict
        The sampled assumptions: dotted path -> ``(low, high)`` or a list of values.
    design : pandas.DataFrame
        One row per draw (above).
    comparison : Comparison
        Every policy on every draw (above).
    kpis : list of str
        The KPIs the conclusions are about; the first ranks the policies.
    effects : pandas.DataFrame
        One row per draw, policy and KPI (above).
    shares : pandas.DataFrame
        Per policy and KPI, how the effect holds across the draws (above).
    ranking : pandas.DataFrame
        Each policy's mean and rank in each draw (above).
    stability : pandas.DataFrame
        Per policy its expected value, overall rank, share of draws where it is the best and
        mean rank (above).
    best_policy : str or None
        The overall best policy (None when no draw has its runs).
    best_share : float
        The share of draws in which `best_policy` is the best.
    replications : int
        Replications of every policy in every draw.
    seed : int
        The study's seed (sample, replications and the bootstrap of `sensitivity`).
    problem : dict, optional
        The SALib problem of the ranges (num_vars, names, bounds).
    samples : numpy.ndarray, optional
        The draws in the problem's units, one row each.
    provenance : dict, optional
        What reproduces the study: seed, model fingerprint, package versions, method and n.

    Raises
    ------
    TypeError
        When a required field is missing. The fields are not checked: `robustness` builds a
        Robustness.

    Examples
    --------
    >>> import simbranch as sb
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
    >>> rob = sb.robustness(scenario, ["crm_routing"], n=3, parameters=["clients.satisfaction.initial_mean"],
    ...                     replications=1, kpi="satisfaction_mean", executor="serial", progress=False)
    >>> rob.design.columns.tolist(), rob.n
    (['draw', 'clients.satisfaction.initial_mean'], 3)
    >>> rob.shares[["policy", "kpi", "n_draws"]].to_numpy().tolist()
    [['crm_routing', 'satisfaction_mean', 3]]
    >>> rob.best_policy in ("baseline", "crm_routing"), 0 <= rob.best_share <= 1
    (True, True)
    """

    method: str
    ranges: dict[str, Any]
    design: pd.DataFrame = field(repr=False)
    comparison: Comparison = field(repr=False)
    kpis: list[str]
    effects: pd.DataFrame = field(repr=False)
    shares: pd.DataFrame = field(repr=False)
    ranking: pd.DataFrame = field(repr=False)
    stability: pd.DataFrame = field(repr=False)
    best_policy: str | None
    best_share: float
    replications: int = 2
    seed: int = 0
    problem: dict[str, Any] = field(default_factory=dict, repr=False)
    samples: np.ndarray | None = field(default=None, repr=False)
    provenance: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def kpi(self) -> str:
        """The KPI of the ranking (the first of `kpis`).

        Returns
        -------
        str
            The KPI's name.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> rob = sb.robustness(scenario, ["crm_routing"], n=3, parameters=["clients.satisfaction.initial_mean"],
        ...                     replications=1, kpi="satisfaction_mean", executor="serial", progress=False)
        >>> rob.kpi
        'satisfaction_mean'
        """
        return self.kpis[0]

    @property
    def n(self) -> int:
        """The number of draws.

        Returns
        -------
        int
            The rows of `design`.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> rob = sb.robustness(scenario, ["crm_routing"], n=3, parameters=["clients.satisfaction.initial_mean"],
        ...                     replications=1, kpi="satisfaction_mean", executor="serial", progress=False)
        >>> rob.n
        3
        """
        return len(self.design)

    @property
    def parameters(self) -> list[str]:
        """The sampled assumptions: the dotted paths of `ranges`, in order.

        Returns
        -------
        list of str
            The keys of `ranges`.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> rob = sb.robustness(scenario, ["crm_routing"], n=3, parameters=["clients.satisfaction.initial_mean"],
        ...                     replications=1, kpi="satisfaction_mean", executor="serial", progress=False)
        >>> rob.parameters
        ['clients.satisfaction.initial_mean']
        """
        return list(self.ranges)

    @property
    def policies(self) -> list[Policy]:
        """The policies compared, the baseline first (those of `comparison`).

        Returns
        -------
        list of Policy
            The baseline, then each policy given.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> rob = sb.robustness(scenario, ["crm_routing"], n=3, parameters=["clients.satisfaction.initial_mean"],
        ...                     replications=1, kpi="satisfaction_mean", executor="serial", progress=False)
        >>> [policy.name for policy in rob.policies]
        ['baseline', 'crm_routing']
        """
        return self.comparison.policies

    @property
    def failures(self) -> pd.DataFrame:
        """The runs that raised, with their draw (`scenario`), policy, replication, seed and error.

        Run the same call with the same store to retry them.

        Returns
        -------
        pandas.DataFrame
            One row per failed run: policy, scenario, replication, spawn_key, seed and error.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> rob = sb.robustness(scenario, ["crm_routing"], n=3, parameters=["clients.satisfaction.initial_mean"],
        ...                     replications=1, kpi="satisfaction_mean", executor="serial", progress=False)
        >>> len(rob.failures)
        0
        >>> list(rob.failures.columns)
        ['policy', 'scenario', 'replication', 'spawn_key', 'seed', 'error']
        """
        return self.comparison.failures

    def sensitivity(self, kpi: str | None = None, *, num_resamples: int = 100, conf_level: float = 0.95,
                    ) -> pd.DataFrame:
        """Return which assumptions the effects and the ranking depend on most (RBD-FAST indices).

        One block of rows per output, in `output`: the effect of each policy on `kpi` (default the
        ranking's KPI; "effect of <policy>", the per-draw paired mean difference from the
        baseline), and, for the ranking's KPI, the "ranking margin" (how far the overall best
        policy is ahead of the best other policy in each draw: > 0 where it stays the best).
        Columns: output, parameter, S1 (the share of the output's variance across the draws that
        the assumption explains alone), S1_conf (bootstrap CI half-width), rank (1 the most
        influential) and n_draws; the rows of each output sorted by S1, largest first.

        Why RBD-FAST (`SALib.analyze.rbd_fast`, via `simbranch.analysis.rbd_fast_indices`): it
        reads a first-order variance share off any sample, Latin hypercube or Sobol' sequence, so
        the draws that made the comparison serve the analysis too; it reads each assumption on
        its own, so 64 draws can rank all 129 assumptions, where Sobol' or Morris designs need
        n(d + 2) or n(d + 1) runs of a design made for them; and the index is the same quantity as
        a Sobol' S1, a share of variance that compares across outputs. It does not see
        interactions. The bootstrap is seeded from the robustness seed (a stream of its own,
        `simbranch.analysis.sensitivity.bootstrap_seed`): two calls give the same numbers. Fewer
        than 64 draws give a `SmallSampleWarning` (the advised size and why: that module). Draws
        whose runs failed are left out (n_draws says how many took part). An output that is the
        same in every draw (a policy that changes nothing) has NaN indices and rank; with few
        draws (under about 16) S1_conf may be NaN (a bootstrap half-sample without variance).

        Each draw runs on seeds of its own, so the per-draw effects carry their replications' noise
        (variance var_e / R) beside what the assumptions do: the noise adds variance that no
        assumption explains, which lowers every S1 alike and widens S1_conf, but does not favour
        one assumption over another. That is the price of draws whose spread counts all the noise
        (`comparison.paired()`); more replications per draw sharpen the indices when the effects
        are small against the noise (a policy whose effect no assumption moves then has S1 near 0
        for every assumption, rather than NaN).

        Parameters
        ----------
        kpi : str, optional
            The KPI of the effects (default the ranking's, `kpi`).
        num_resamples : int
            Bootstrap resamples of S1_conf.
        conf_level : float
            Confidence level of S1_conf.

        Returns
        -------
        pandas.DataFrame
            One row per output and assumption: output, parameter, S1, S1_conf, rank and n_draws.

        Raises
        ------
        ValueError
            For a KPI the runs do not report, a `num_resamples` that is not a whole number from 2
            to 10,000, or a `conf_level` not between 0 and 1.

        Warns
        -----
        SmallSampleWarning
            With fewer than 64 draws (`simbranch.analysis.sensitivity`: the advised size and why).

        Examples
        --------
        With 3 draws the indices come with a warning (64 or more are advised):

        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> rob = sb.robustness(scenario, ["crm_routing"], n=3, parameters=["clients.satisfaction.initial_mean"],
        ...                     replications=1, kpi="satisfaction_mean", executor="serial", progress=False)
        >>> import warnings
        >>> from simbranch.analysis.sensitivity import SmallSampleWarning
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     indices = rob.sensitivity()
        >>> indices["output"].unique().tolist()
        ['effect of crm_routing', 'ranking margin']
        >>> list(indices.columns), any(issubclass(w.category, SmallSampleWarning) for w in caught)
        (['output', 'parameter', 'S1', 'S1_conf', 'rank', 'n_draws'], True)
        """
        from simbranch.analysis.sensitivity import check_bootstrap, rbd_fast_indices

        check_bootstrap(num_resamples, conf_level)
        kpi = kpi or self.kpi
        if kpi not in self.comparison.table.columns:
            raise ValueError(f"no KPI {kpi!r}; KPIs: {', '.join(kpi_names(self.comparison.scenario))}")
        table = self.comparison.table
        effects = scenario_differences(table, [kpi]) if len(table) else pd.DataFrame(
            columns=["policy", "scenario", "difference"])
        outputs: list[tuple[str, pd.Series]] = []
        for policy, frame in effects.groupby("policy", sort=False):
            outputs.append((f"effect of {policy}", frame.set_index("scenario")["difference"]))
        if kpi == self.kpi and self.best_policy is not None and len(self.policies) > 1:
            outputs.append((MARGIN, ranking_margin(self.ranking.rename(columns={"draw": "scenario"}),
                                                   self.best_policy, kpi)))
        x = np.asarray(self.samples, dtype=float)
        frames = []
        for name, y in outputs:
            y = y.reindex(range(self.n))
            ok = np.isfinite(y.to_numpy(dtype=float))
            frame = rbd_fast_indices(self.problem, x[ok], y.to_numpy(dtype=float)[ok], num_resamples=num_resamples,
                                     conf_level=conf_level, seed=self.seed)
            frame = frame.sort_values("S1", ascending=False, kind="stable", ignore_index=True)
            frame.insert(0, "output", name)
            frame["rank"] = np.where(frame["S1"].notna(), np.arange(1, len(frame) + 1), np.nan)
            frame["n_draws"] = int(ok.sum())
            frames.append(frame)
        if not frames:
            return pd.DataFrame(columns=["output", "parameter", "S1", "S1_conf", "rank", "n_draws"])
        return pd.concat(frames, ignore_index=True)

    def plot(self, kind: str = "effects", **kwargs: Any) -> Figure:
        """Draw a figure of this robustness study (`simbranch.plots`).

        By `kind`:

        - "effects": each policy's effect in every draw, with its median, 5-95 % range and the share
          of draws in which it beats the baseline, one panel per KPI (`kpis=`, default `kpis`);
        - "ranking": the share of draws in which each policy is the best, and its mean rank;
        - "sensitivity": the RBD-FAST indices of `sensitivity(kpi=)` for the `top=` (default 10)
          most influential assumptions of each output (`outputs=` picks some).

        Parameters
        ----------
        kind : {"effects", "ranking", "sensitivity"}
            The figure.
        **kwargs
            Passed on to `simbranch.plots.plot_robustness`: ``lang`` ("en" or "zh"), ``currency``
            and the options of the kind above.

        Returns
        -------
        matplotlib.figure.Figure
            The figure (not shown; save it with ``savefig``).

        Raises
        ------
        ValueError
            For an unknown kind, language, KPI or output, or sensitivity bars with no index to
            draw.
        TypeError
            For an option the kind does not take.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> rob = sb.robustness(scenario, ["crm_routing"], n=3, parameters=["clients.satisfaction.initial_mean"],
        ...                     replications=1, kpi="satisfaction_mean", executor="serial", progress=False)
        >>> fig = rob.plot("effects")
        >>> fig.savefig("effects.png")
        >>> len(fig.axes) >= 1
        True
        """
        from simbranch.plots import plot_robustness

        return plot_robustness(self, kind, **kwargs)

    def _repr_html_(self) -> str:
        policies = len(self.policies)
        runs = self.n * policies * self.replications
        head = (f"<b>simbranch robustness</b> ({escape(self.method)}): {len(self.ranges)} assumptions, {self.n} draws "
                f"x {policies} policies x {self.replications} replication{'s' if self.replications != 1 else ''} = "
                f"{runs} runs, seed {self.seed}"
                + (f", <b>{len(self.failures)} failed runs</b>" if len(self.failures) else ""))
        parts = [head]
        if self.best_policy is not None:
            parts.append(f"best on {escape(self.kpi)} (expected over the draws): <b>{escape(self.best_policy)}</b>, "
                         f"the best in {self.best_share:.0%} of the draws")
        parts.append(self.shares.to_html(index=False, float_format="{:,.4g}".format))
        parts.append(self.stability.to_html(index=False, float_format="{:,.4g}".format))
        indices = self.sensitivity()
        if len(indices):
            top = indices[indices["rank"] <= 5]
            parts.append("most influential assumptions (RBD-FAST S1, top 5 per output)"
                         + top.to_html(index=False, float_format="{:,.3g}".format))
        return "<br>".join(parts)


def robustness(scenario: Scenario, policies: Sequence[Policy | str | Path] | None = None, n: int = 64,
               parameters: Mapping[str, Any] | Sequence[str] | None = None, method: str = "lhs",
               replications: int = 2, seed: int = 0, executor: ExecutorLike = None, store: str | Path | None = None,
               progress: bool = True, kpi: str | Sequence[str] = "profit") -> Robustness:
    """Measure how a comparison of policies holds across the plausible ranges of the assumptions.

    Draws `n` points of `parameters` (default: every assumed coefficient's plausible range,
    `simbranch.assumptions.assumed_ranges(scenario)`; or a list of some of those paths; or a
    mapping `{path: (low, high)}` or `{path: [values]}` as `sweep` takes it) with `method`
    "lhs" (a Latin hypercube) or "sobol" (a scrambled Sobol' sequence, `n` a power of 2), both
    from `scipy.stats.qmc` seeded with `seed`. Every draw runs the baseline and each of
    `policies` for `replications` replications, through the machinery of `compare` on several
    scenarios (draw i is scenario i; each draw has seeds of its own, and replication r of every
    policy within a draw has the same seed, `simbranch.experiment.design.draw_seed_index`).
    `executor`, `store` and resume work as in `compare`: the same call again runs nothing that
    is stored.

    `kpi` is the KPI (or a list of KPIs) the conclusions are about; the first one ranks the
    policies. Returns a `Robustness` (see there for the frames).

    Every value a range can take (both ends, every category) is checked alone on the scenario,
    then every draw, under every policy, before anything runs: a draw that breaks a check across
    fields raises `ScenarioError` naming the draw and its values. A run that fails (wide ranges
    can make a branch no model run survives) is reported in `failures`, and the statistics use
    the draws that have their runs.

    Parameters
    ----------
    scenario : Scenario
        The branch.
    policies : sequence of Policy, str or Path
        The policies to compare with the baseline (at least one): `Policy` objects, preset
        names or policy files.
    n : int
        The number of draws (at least 2; 64 or more to rank assumptions; a power of 2 for
        "sobol").
    parameters : mapping or sequence of str, optional
        The assumptions to sample (above; default every declared range).
    method : {"lhs", "sobol"}
        The sample.
    replications : int
        Replications of every policy in every draw.
    seed : int
        Seeds the sample, the replications and the bootstrap of `Robustness.sensitivity`.
    executor : {None, "process", "serial"}, concurrent.futures.Executor or distributed.Client
        Where the runs run, as in `compare`.
    store : str or Path, optional
        A result store, as in `compare`: the same call again runs nothing that is stored.
    progress : bool
        Whether to show a progress bar (on standard error).
    kpi : str or sequence of str
        The KPI, or KPIs, the conclusions are about; the first ranks the policies.

    Returns
    -------
    Robustness
        The draws, the comparison on them, and how its conclusions hold.

    Raises
    ------
    TypeError
        When `scenario` is not a Scenario.
    ValueError
        For an unknown method or KPI; `n` or `replications` not a positive integer, fewer than 2
        draws, or "sobol" with `n` not a power of 2; no policy; an empty mapping, or a path without
        a declared range; a malformed range; a seed that is not a whole number in range; an
        unknown executor.
    ScenarioError
        For a range value a field refuses, a draw that breaks a check across fields (naming the
        draw and its values), or a policy that is no preset and no readable policy file.
    StoreError
        When the store cannot be opened or written.

    Examples
    --------
    >>> import simbranch as sb
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
    >>> rob = sb.robustness(scenario, ["crm_routing"], n=3, parameters=["clients.satisfaction.initial_mean"],
    ...                     replications=1, kpi="satisfaction_mean", executor="serial", progress=False)
    >>> rob.design.shape
    (3, 2)
    >>> rob.comparison.n_scenarios, len(rob.comparison.table)
    (3, 6)
    >>> rob.stability["policy"].iloc[0] == rob.best_policy  # the best expected value first
    True
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"robustness() takes a Scenario (see load_scenario), got {type(scenario).__name__}")
    if method not in METHODS:
        raise ValueError(f"unknown robustness method {method!r}; use one of {', '.join(METHODS)}")
    for name, value in (("n", n), ("replications", replications)):
        if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    n, replications, seed = int(n), int(replications), check_seed(seed)
    if n < 2:
        raise ValueError(f"n must be at least 2 draws (64 or more to rank assumptions), got {n}")
    if method == "sobol" and n & (n - 1):
        low = 1 << (n.bit_length() - 1)
        raise ValueError(f"method='sobol' needs n a power of 2 (the balance of Sobol' points), got {n}: use {low} or "
                         f"{2 * low}, or method='lhs'")
    kpis = [kpi] if isinstance(kpi, str) else list(kpi)
    known = kpi_names(scenario)
    unknown = [k for k in kpis if k not in known]
    if not kpis or unknown:
        raise ValueError(f"no KPI {', '.join(map(repr, unknown)) or '(none given)'}; KPIs: {', '.join(known)}")
    resolved = resolve_policies(list(policies or []))
    if len(resolved) < 2:
        raise ValueError("robustness() compares policies with the baseline: give at least one policy")

    ranges = _ranges(scenario, parameters)
    current = scenario.to_dict()
    params = [_parse(path, spec, current) for path, spec in ranges.items()]
    for param in params:
        _check_values(scenario, param, what="robustness range")
    problem: dict[str, Any] = {"num_vars": len(params), "names": [p.path for p in params],
                               "bounds": [p.bounds for p in params]}
    samples = _sample(method, problem, n, seed)
    points = [{p.path: p.value(x) for p, x in zip(params, row, strict=True)} for row in samples]
    design = pd.DataFrame([{"draw": i, **point} for i, point in enumerate(points)], columns=["draw", *problem["names"]])
    scenarios = [scenario.with_overrides(point, source=f"robustness draw {i} ({_describe(point)})")
                 for i, point in enumerate(points)]

    cmp = compare_scenarios(scenarios, resolved, replications, seed, executor, store, progress,
                            experiment=f"robustness:{method}:{seed}", label="robustness draw")
    table = cmp.table
    effects = scenario_differences(table, kpis) if len(table) else pd.DataFrame(
        columns=["policy", "kpi", "scenario", "difference", "n"])
    effects = effects.assign(better=[_better(d, k) for d, k in zip(effects["difference"], effects["kpi"],
                                                                   strict=True)])
    shares = effect_shares(effects)
    effects = effects.rename(columns={"scenario": "draw"})[["draw", "policy", "kpi", "difference", "n", "better"]]
    ranking = draw_ranking(table, kpis[0]) if len(table) else pd.DataFrame(
        columns=["scenario", "policy", "mean", "rank", "best"])
    stability = ranking_stability(ranking, kpis[0])
    best = str(stability["policy"].iloc[0]) if len(stability) and stability["expected"].notna().any() else None
    best_share = float(stability["share_best"].iloc[0]) if best is not None else float("nan")
    from importlib.metadata import version

    return Robustness(method=method, ranges=dict(ranges), design=design, comparison=cmp, kpis=kpis, effects=effects,
                      shares=shares, ranking=ranking.rename(columns={"scenario": "draw"}), stability=stability,
                      best_policy=best, best_share=best_share, replications=replications, seed=seed, problem=problem,
                      samples=samples, provenance={**provenance(seed), "SALib": version("SALib"), "method": method,
                                                   "n": n})


def _ranges(scenario: Scenario, parameters: Mapping[str, Any] | Sequence[str] | None) -> dict[str, Any]:
    """The space to sample: the declared ranges, some of them, or the ranges given."""
    from simbranch.assumptions import assumed_ranges

    if isinstance(parameters, Mapping):
        if not parameters:
            raise ValueError("parameters is empty: give {path: (low, high)} ranges, a list of assumed paths, or None "
                             "for every assumed range")
        return dict(parameters)
    declared = assumed_ranges(scenario)
    if parameters is None:
        if not declared:
            raise ValueError("the scenario declares no assumed range; give parameters={path: (low, high)}")
        return dict(declared)
    if isinstance(parameters, str):
        parameters = [parameters]
    paths = list(parameters)
    unknown = [p for p in paths if p not in declared]
    if not paths or unknown:
        raise ValueError(f"no declared plausible range for {', '.join(map(repr, unknown)) or '(no path given)'}; "
                         "give {path: (low, high)} for those, or pick from simbranch.assumed_ranges()")
    return {p: declared[p] for p in paths}


def _sample(method: str, problem: dict[str, Any], n: int, seed: int) -> np.ndarray:
    """`n` points of the problem's bounds, one row each (a Latin hypercube or a scrambled Sobol' sequence)."""
    from scipy.stats import qmc

    d = problem["num_vars"]
    engine = qmc.LatinHypercube(d, rng=seed) if method == "lhs" else qmc.Sobol(d, scramble=True, rng=seed)
    unit = engine.random(n)
    low, high = np.array(problem["bounds"], dtype=float).T
    return low + unit * (high - low)


def _describe(point: Mapping[str, Any], limit: int = 6) -> str:
    shown = [f"{k}={v!r}" for k, v in list(point.items())[:limit]]
    more = len(point) - limit
    return ", ".join(shown) + (f", and {more} more" if more > 0 else "")


def _better(difference: float, kpi: str) -> float:
    if not np.isfinite(difference):
        return float("nan")
    if difference == 0:
        return 0.5
    return float((difference > 0) == higher_is_better(kpi))

