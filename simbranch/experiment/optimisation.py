"""The result of an optimisation: the Pareto front of lever settings with its intervals, every
candidate tried, the baseline and the final re-evaluation; each front point as a policy, a policy
file, a comparison with the presets and a figure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simbranch import meanings
from simbranch.experiment.compare import Comparison, compare
from simbranch.experiment.executors import ExecutorLike
from simbranch.scenario import Policy, Scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Optimisation"]


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
        margin (``margin_<kpi>``, positive: the bound holds, with its interval), feasible, trial,
        and ``dominated_within_noise_by``: another front point that is as good on every objective
        within the noise and better on one (95 %, paired t intervals on the final replications;
        `simbranch.analysis.tradeoffs.dominated_within_noise`), or "" (its place on the front may
        then be luck: it is kept, and said), and ``inert_levers``: the levers that do nothing at
        that point, comma-separated (its measure is off, or the pay scheme does not use it; see
        `optimise_space.inert_levers`).
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
        return policy_of(name, self.policies[name])

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
        from simbranch.plots import plot_optimisation

        return plot_optimisation(self, kind, presets=presets, lang=lang)

    def _repr_html_(self) -> str:
        head = (f"<b>simbranch optimisation</b> ({escape(self.sampler)}): {len(self.levers)} levers, "
                f"{len(self.trials)} candidates x {self.replications} replications"
                + (f" x {len(self.scenarios)} scenarios ({across_text(self.across)})" if len(self.scenarios) > 1
                   else "")
                + f"; {int(self.trials['final'].sum())} re-evaluated on {self.final_replications} fresh "
                  f"replications, front of {len(self.front)} points; seed {self.seed}")
        if not len(self.front):
            return head + "<br><b>No candidate met the constraints.</b>"
        currency = self.scenarios[0].branch.currency
        shown = self.front[["policy", *self.levers]].astype(object)
        for i, inert in enumerate(self.front.get("inert_levers", pd.Series([""] * len(self.front)))):
            for path in filter(None, str(inert).split(", ")):
                shown.loc[i, path] = "–"  # does nothing at this point
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


def policy_of(name: str, levers: Mapping[str, Any]) -> Policy:
    """A candidate's lever settings as a policy, its description listing them."""
    description = "; ".join(f"{path} = {value!r}" for path, value in levers.items())
    return Policy.from_flat(name, dict(levers), description=f"found by simbranch.optimise: {description}")


def across_text(across: str | float) -> str:
    """How several scenarios' means make one value, in words."""
    return "mean across scenarios" if across == "mean" else f"{float(across):g} quantile across scenarios, bad side"
