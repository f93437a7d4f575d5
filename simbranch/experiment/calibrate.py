"""Calibration: fit a branch's uncertain coefficients to what it observed, with honest uncertainty.

History matching in waves, then a posterior from the final emulator (`simbranch.analysis.emulation`
says why this method and not ABC-SMC):

1. Wave 1 runs a Latin hypercube of `points` settings over the prior box (the parameters' ranges),
   each `replications` times. Each run has a seed of its own: common random numbers would give
   every setting the same few seeds' luck, an error shared by the whole design that the emulators
   could not average away and that would shift the posterior (they help where settings are
   compared, in `compare`, not here); with independent seeds the spread of a setting's runs is the
   model's noise there, which the emulators learn too.
2. A Gaussian-process emulator per observed KPI is fitted to all runs so far; settings whose
   implausibility exceeds 3 for some KPI are ruled out. The next wave's points are spread over
   what is not ruled out yet (greedy maximin among accepted candidates), and so on.
3. After the last wave, candidates that every wave's emulator accepts are weighted by the
   Gaussian synthetic likelihood of the final emulator (uniform prior over the box): the
   `posterior`, a frame of parameter draws with weights.
4. The model itself checks the answer: the best point and `check_draws` posterior draws are
   simulated, and `fit` compares the simulated KPIs with the observed ones.

Every run goes through `run_experiment`, so executors (serial, process pool, Dask), the store and
resume work as in `compare`: the design of each wave follows deterministically from the seed and
the runs before it, so the same call after a crash regenerates the same waves and runs only
what the store does not hold.
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simbranch.analysis.emulation import CUTOFF, Emulator, fit_emulator, implausibility, log_likelihood
from simbranch.experiment.compare import provenance, run_experiment
from simbranch.experiment.design import RunSpec, check_seed, model_fingerprint
from simbranch.experiment.executors import ExecutorLike
from simbranch.experiment.observed import Observed
from simbranch.experiment.observed import observed as as_observed
from simbranch.experiment.sweep import _check_values, _Param, _parse
from simbranch.scenario import Scenario

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Calibration", "calibrate", "default_parameters"]

#: Most posterior draws `Calibration.scenarios` makes (as many as a stored comparison on several may note).
MAX_SCENARIO_DRAWS = 100_000
#: Accepted candidates kept for the posterior (and to pick each wave's points from).
POOL = 4000
#: Identifiability: a 90 % posterior interval wider than this share of the prior's is "not pinned down".
WIDE = 0.8
#: |weighted correlation| above which two parameters are "identified only together".
CORRELATED = 0.7
#: Options of `Calibration.plot` beyond ``lang`` and ``currency``, per figure (`calibration_pairs`'s).
_PLOT_OPTIONS = {"pairs": ("max_draws",)}

#: For each KPI a branch is likely to observe, the assumed coefficients that move it most, most
#: influential first: a Morris screening of 35 candidate coefficients over their plausible ranges on
#: the default branch (benchmarks/screen_drivers.py; the mu* table is in docs/calibration.md). The
#: mass tier's request rate leads for many KPIs, but a branch knows its own workload (its CRM
#: counts requests), so it drives only the waits and complaints here, where it is the cause.
_MASS = "clients.tiers.mass"
_SATISFACTION = ("managers.skill_effects.quality_base", f"{_MASS}.expected_quality",
                 "clients.satisfaction.initial_mean", "clients.churn.sensitivity")
_EXHAUSTION = ("managers.exhaustion.build_rate", "managers.exhaustion.recovery_rate",
               "managers.stress.background_pressure", "managers.stress.recovery_rate")
_TURNOVER = ("managers.exhaustion.build_rate", "managers.turnover.motivation_sensitivity",
             "managers.turnover.market_pay_ratio", "managers.turnover.pay_sensitivity")
_WORKLOAD = (f"{_MASS}.requests_per_year", f"{_MASS}.am_share.service")
DRIVERS: dict[str, tuple[str, ...]] = {
    "client_churn_rate": ("clients.churn.sensitivity", "clients.relationships.loyalty_effect",
                          "clients.satisfaction.initial_mean", "managers.skill_effects.quality_base"),
    "nps": _SATISFACTION,
    "satisfaction_mean": _SATISFACTION,
    "am_turnover_rate": _TURNOVER,
    "new_hire_quit_12m": ("managers.exhaustion.build_rate", "managers.exhaustion.recovery_rate",
                          "managers.turnover.market_pay_ratio", "managers.stress.build_rate"),
    "wait_mean_h": _WORKLOAD,
    "wait_p90_h": _WORKLOAD,
    "utilisation": _WORKLOAD[::-1],
    "overtime_hours": _WORKLOAD[::-1],
    "complaints": ("requests.complaint_sensitivity", f"{_MASS}.am_share.complaint", f"{_MASS}.requests_per_year"),
    "sales_count": ("sales.base_conversion", "sales.outreach_conversion", f"{_MASS}.am_share.service"),
    "revenue": ("sales.base_conversion", "sales.amount_share", "sales.outreach_conversion"),
    "exhausted_share": _EXHAUSTION,
    "burnout_share": _EXHAUSTION,
    "exhaustion_mean": _EXHAUSTION,
    "stress_mean": ("managers.stress.background_pressure", "managers.stress.recovery_rate",
                    "managers.stress.build_rate"),
}


def default_parameters(observed: Observed, scenario: Scenario | None = None,
                       max_parameters: int = 6) -> dict[str, tuple[float, float]]:
    """The assumed coefficients that matter for the observed KPIs, with their declared plausible ranges:
    the first driver of each observed KPI in turn, then the second, ... up to `max_parameters`."""
    from simbranch.assumptions import assumed_ranges

    ranges = assumed_ranges(scenario)
    lists = [[p for p in DRIVERS.get(_generic(k), ()) if p in ranges] for k in observed.values]
    chosen: list[str] = []
    for depth in range(max((len(x) for x in lists), default=0)):
        for drivers in lists:
            if depth < len(drivers) and drivers[depth] not in chosen and len(chosen) < max_parameters:
                chosen.append(drivers[depth])
    return {path: ranges[path] for path in chosen}


def _generic(kpi: str) -> str:
    """A per-tier KPI (satisfaction_vip) is driven like its branch-wide one (satisfaction_mean)."""
    from simbranch.meanings import TIER_BASES

    for prefix, generic in TIER_BASES.items():
        if kpi.startswith(prefix) and kpi not in DRIVERS:
            return generic
    return kpi


@dataclass
class Calibration:
    """Result of `calibrate`: the posterior of the parameters, how well it fits, and scenarios to use.

    `posterior`: one row per accepted candidate, a column per parameter (dotted path) and `weight`
    (summing to 1). `fit`: per observed KPI the observed value and sd, the simulated mean and 90 %
    interval over the posterior-predictive runs, the standardised distance z = (simulated mean -
    observed) / sd, and the mean at the best point. `identifiability`: per parameter its prior
    range, posterior mean and 90 % interval, the interval's width as a share of the prior's, and
    the parameters it is strongly correlated with. `design`: every simulated setting (wave, point,
    parameters, mean KPIs); `waves`: per wave the runs and the share of the box still plausible.

    Parameters
    ----------
    base : Scenario
        The scenario calibrated (the branch as far as it is known).
    observed : Observed
        The observed KPIs.
    parameters : dict of str to tuple of float
        The calibrated parameters: dotted path -> (low, high) prior range.
    posterior : pandas.DataFrame
        One row per accepted candidate (above).
    fit : pandas.DataFrame
        Observed against simulated, per KPI (above; `emulator_ok` is the share of check runs the
        emulator predicted within three sd).
    identifiability : pandas.DataFrame
        Per parameter, how well the data pin it down (above).
    design : pandas.DataFrame
        Every simulated setting (above).
    waves : pandas.DataFrame
        Per wave (and the final check) the points, runs and the share of the box still plausible.
    best : dict
        The best point: dotted path -> value.
    seed : int
        The calibration's seed.
    ess : float
        The posterior's effective sample size.
    provenance : dict, optional
        What reproduces the calibration: seed, model fingerprint, package versions, budget.
    emulator : Emulator, optional
        The final wave's emulator (`simbranch.analysis.emulation`).
    warnings : list of str, optional
        What the calibration warned about (few candidates, KPIs left out, a poor fit, ...).

    Raises
    ------
    TypeError
        When a required field is missing. The fields are not checked: `calibrate` builds a
        Calibration.

    Examples
    --------
    >>> import simbranch as sb
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
    >>> observed = {"satisfaction_mean": (0.7, 0.05)}  # KPI: (value, sd)
    >>> prior = {"clients.satisfaction.initial_mean": (0.5, 0.8)}
    >>> cal = sb.calibrate(scenario, observed, prior, waves=1, points=3, replications=1, check_draws=1,
    ...                    best_replications=1, executor="serial", progress=False)
    >>> cal.parameters
    {'clients.satisfaction.initial_mean': (0.5, 0.8)}
    >>> list(cal.fit.index), cal.waves["wave"].tolist()
    (['satisfaction_mean'], [1, 'check'])
    >>> round(float(cal.posterior["weight"].sum()), 6)
    1.0
    """

    base: Scenario = field(repr=False)
    observed: Observed
    parameters: dict[str, tuple[float, float]]
    posterior: pd.DataFrame = field(repr=False)
    fit: pd.DataFrame = field(repr=False)
    identifiability: pd.DataFrame = field(repr=False)
    design: pd.DataFrame = field(repr=False)
    waves: pd.DataFrame = field(repr=False)
    best: dict[str, Any] = field(repr=False)
    seed: int = 0
    ess: float = 0.0
    provenance: dict[str, Any] = field(default_factory=dict, repr=False)
    emulator: Emulator | None = field(default=None, repr=False)
    warnings: list[str] = field(default_factory=list, repr=False)

    def scenario(self) -> Scenario:
        """Return the best point (highest posterior weight) as a Scenario.

        Returns
        -------
        Scenario
            The calibrated scenario: `base` with the values of `best`.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> observed = {"satisfaction_mean": (0.7, 0.05)}  # KPI: (value, sd)
        >>> prior = {"clients.satisfaction.initial_mean": (0.5, 0.8)}
        >>> cal = sb.calibrate(scenario, observed, prior, waves=1, points=3, replications=1, check_draws=1,
        ...                    best_replications=1, executor="serial", progress=False)
        >>> best = cal.scenario()
        >>> best.clients.satisfaction.initial_mean == cal.best["clients.satisfaction.initial_mean"]
        True
        """
        return self.base.with_overrides(self.best, source="calibrated scenario")

    def scenarios(self, n: int = 30, seed: int | None = None) -> list[Scenario]:
        """Return `n` posterior draws (resampled by weight, systematic) as Scenarios, e.g. for `compare`.

        With the default `seed` (the calibration's) and `n` equal to `check_draws` they are the
        settings the fit was checked on: a comparison then runs on draws whose fit was seen.

        Parameters
        ----------
        n : int
            The number of draws.
        seed : int, optional
            The seed of the resampling (default the calibration's).

        Returns
        -------
        list of Scenario
            `base` with each draw's parameter values.

        Raises
        ------
        ValueError
            For an `n` that is not a whole number from 1 to `MAX_SCENARIO_DRAWS` (100,000), or a
            `seed` that is not a whole number from 0 to 2**63 - 1.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> observed = {"satisfaction_mean": (0.7, 0.05)}  # KPI: (value, sd)
        >>> prior = {"clients.satisfaction.initial_mean": (0.5, 0.8)}
        >>> cal = sb.calibrate(scenario, observed, prior, waves=1, points=3, replications=1, check_draws=1,
        ...                    best_replications=1, executor="serial", progress=False)
        >>> draws = cal.scenarios(3)
        >>> len(draws), all(0.5 <= draw.clients.satisfaction.initial_mean <= 0.8 for draw in draws)
        (3, True)
        >>> cmp = sb.compare(draws, ["crm_routing"], replications=1, executor="serial", progress=False)
        >>> cmp.n_scenarios
        3
        """
        if not isinstance(n, int | np.integer) or isinstance(n, bool) or not 1 <= n <= MAX_SCENARIO_DRAWS:
            raise ValueError(f"n must be a whole number from 1 to {MAX_SCENARIO_DRAWS:,} (each draw is a scenario "
                             f"held in memory), got {n!r}")
        rows = _resample(self.posterior["weight"].to_numpy(), n, self.seed if seed is None else check_seed(seed))
        params = _params(self.base, self.parameters)  # once: each draw's values keep their field's type
        return [self.base.with_overrides({p.path: p.value(float(self.posterior.iloc[i][p.path])) for p in params},
                                         source=f"posterior draw {k}")
                for k, i in enumerate(rows)]

    def to_toml(self) -> str:
        """Return the calibrated scenario (best point) as TOML, with the posterior intervals as comments.

        Returns
        -------
        str
            A scenario file's text (`load_scenario_text` reads it; `write` saves it).

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> observed = {"satisfaction_mean": (0.7, 0.05)}  # KPI: (value, sd)
        >>> prior = {"clients.satisfaction.initial_mean": (0.5, 0.8)}
        >>> cal = sb.calibrate(scenario, observed, prior, waves=1, points=3, replications=1, check_draws=1,
        ...                    best_replications=1, executor="serial", progress=False)
        >>> text = cal.to_toml()
        >>> text.startswith("# Calibrated by simbranch.calibrate"), "[branch]" in text
        (True, True)
        """
        lines = [f"# Calibrated by simbranch.calibrate to {self.observed.name or 'the observed KPIs'}"
                 + (f" ({self.observed.source})" if self.observed.source else ""),
                 f"# seed {self.seed}, {int(self.waves['runs'].sum())} runs, effective posterior sample "
                 f"{self.ess:.0f}; best point, with the posterior's 90 % intervals:"]
        for row in self.identifiability.itertuples(index=False):
            lines.append(f"#   {row.parameter} = {self.best[row.parameter]:.6g}  "
                         f"(90 %: {row.q05:.4g} to {row.q95:.4g}; prior {row.low:.4g} to {row.high:.4g}; "
                         f"{row.status})")
        return "\n".join(lines) + "\n\n" + self.scenario().to_toml()

    def write(self, path: str | Path) -> Path:
        """Write the calibrated scenario TOML (`load_scenario` reads it back).

        Parameters
        ----------
        path : str or Path
            The file to write (replaced if it exists).

        Returns
        -------
        Path
            `path`.

        Raises
        ------
        OSError
            When the file cannot be written (e.g. its folder does not exist).

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> observed = {"satisfaction_mean": (0.7, 0.05)}  # KPI: (value, sd)
        >>> prior = {"clients.satisfaction.initial_mean": (0.5, 0.8)}
        >>> cal = sb.calibrate(scenario, observed, prior, waves=1, points=3, replications=1, check_draws=1,
        ...                    best_replications=1, executor="serial", progress=False)
        >>> path = cal.write("calibrated.toml")
        >>> calibrated = sb.load_scenario(path)
        >>> calibrated.clients.satisfaction.initial_mean == cal.best["clients.satisfaction.initial_mean"]
        True
        """
        path = Path(path)
        path.write_text(self.to_toml(), encoding="utf-8")
        return path

    def plot(self, kind: str = "fit", **kwargs: Any) -> Figure:
        """Draw a figure of this calibration (`simbranch.plots`).

        By `kind`: "fit" (observed against simulated, per KPI), "posterior" (each parameter's
        posterior against its prior range), "pairs" (pairs of parameters as weighted posterior
        draws) or "waves".

        Parameters
        ----------
        kind : {"fit", "posterior", "pairs", "waves"}
            The figure.
        **kwargs
            Passed on to `simbranch.plots.plot_calibration`: ``lang`` ("en" or "zh"),
            ``currency``, and for "pairs" the options of `simbranch.plots.calibration_pairs`.

        Returns
        -------
        matplotlib.figure.Figure
            The figure (not shown; save it with ``savefig``).

        Raises
        ------
        ValueError
            For an unknown kind or language.
        TypeError
            For an option the figure of `kind` does not take (naming it and those it takes).

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> observed = {"satisfaction_mean": (0.7, 0.05)}  # KPI: (value, sd)
        >>> prior = {"clients.satisfaction.initial_mean": (0.5, 0.8)}
        >>> cal = sb.calibrate(scenario, observed, prior, waves=1, points=3, replications=1, check_draws=1,
        ...                    best_replications=1, executor="serial", progress=False)
        >>> fig = cal.plot("fit")
        >>> fig.savefig("fit.png")
        >>> len(fig.axes) >= 1
        True
        """
        from simbranch.plots import CALIBRATION_KINDS, plot_calibration

        if kind in CALIBRATION_KINDS:  # an unknown kind is plot_calibration's ValueError
            allowed = ("lang", "currency", *_PLOT_OPTIONS.get(kind, ()))
            unknown = [name for name in kwargs if name not in allowed]
            if unknown:
                raise TypeError(f"the {kind!r} figure of a calibration takes no option "
                                f"{', '.join(map(repr, unknown))}; options: {', '.join(allowed)}")
        return plot_calibration(self, kind, **kwargs)

    def _repr_html_(self) -> str:
        head = (f"<b>simbranch calibration</b> to {escape(self.observed.name or 'observed KPIs')}: "
                f"{len(self.parameters)} parameters, {len(self.observed)} KPIs, "
                f"{int(self.waves['runs'].sum())} runs in {len(self.waves)} waves, "
                f"effective posterior sample {self.ess:.0f}")
        notes = "".join(f"<br><i>{escape(w)}</i>" for w in self.warnings)
        fmt = "{:,.4g}".format
        return (head + notes + "<br><b>Fit</b>" + self.fit.to_html(float_format=fmt)
                + "<b>Parameters</b>" + self.identifiability.to_html(index=False, float_format=fmt))


def calibrate(scenario: Scenario, observed: Any, parameters: Mapping[str, tuple[float, float]] | None = None, *,
              waves: int = 3, points: int | None = None, replications: int = 2, check_draws: int = 20,
              best_replications: int = 10, seed: int = 0, executor: ExecutorLike = None,
              store: str | Path | None = None, progress: bool = True, max_parameters: int = 6,
              observed_runs: int = 1) -> Calibration:
    """Fit `parameters` of `scenario` to `observed` KPIs by history matching with GP emulators.

    Parameters
    ----------
    scenario : Scenario
        The branch as far as it is known (headcount, clients, tiers, levers in force).
    observed : path, Observed or mapping
        The observed KPIs: a TOML file (`load_observed`), an `Observed`, or `{kpi: (value, sd)}`.
    parameters : mapping, optional
        Dotted scenario path -> (low, high) prior range. Default: the declared plausible ranges of
        the assumed coefficients that drive the observed KPIs (`default_parameters`).
    waves, points, replications : int
        History-matching waves; settings simulated per wave (default 10 per parameter, the rule of
        thumb of Loeppky et al. 2009); runs per setting, each on a seed of its own.
    check_draws, best_replications : int
        Posterior draws simulated to check the fit (one run each), and runs of the best point.
    seed : int
        The same seed gives the same calibration.
    executor : {None, "process", "serial"}, concurrent.futures.Executor or distributed.Client
        Where the runs run, as in `compare`.
    store : str or Path, optional
        A result store, as in `compare`: it makes the calibration resumable.
    progress : bool
        Whether to show a progress bar (on standard error).
    max_parameters : int
        Cap on the default parameters.
    observed_runs : int
        How many runs' worth of data each observed value averages: 1 (the default) when it is one
        horizon of one branch, a single realisation whose own randomness the fit must allow for;
        3 when it is the mean of three years and the horizon is one year.

    Returns
    -------
    Calibration
        The posterior, the fit, identifiability, the design and the best point.

    Raises
    ------
    TypeError
        When `scenario` is not a Scenario.
    ScenarioError
        For observed KPIs that break a rule (an unknown KPI, an sd not above 0, a file that cannot
        be read), or a parameter range the scenario refuses (a path that is no field, an end
        out of the field's bounds).
    ValueError
        For waves, replications, check_draws, best_replications, max_parameters, observed_runs or
        a seed that is not a whole number in range; no parameters to calibrate; fewer `points`
        than the parameters + 2; a parameter that is not a range; an unknown executor; observed
        KPIs none of which has a value in enough runs.
    RuntimeError
        When every run of a wave failed (the first error is in the message).
    StoreError
        When the store cannot be opened or written.

    Warns
    -----
    UserWarning
        For what the result should be read with: KPIs left out of the fit, no setting that
        reproduces every observed KPI, a posterior resting on few candidates, or a simulated mean
        more than one sd from the observed value (also kept in `Calibration.warnings`).

    Examples
    --------
    A tiny calibration of one parameter to one KPI, to show the calls (a real one keeps the
    defaults: 3 waves of 10 settings per parameter, 2 runs each, and a horizon of a year):

    >>> import simbranch as sb
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
    >>> observed = {"satisfaction_mean": (0.7, 0.05)}  # KPI: (value, sd)
    >>> prior = {"clients.satisfaction.initial_mean": (0.5, 0.8)}
    >>> cal = sb.calibrate(scenario, observed, prior, waves=1, points=3, replications=1, check_draws=1,
    ...                    best_replications=1, executor="serial", progress=False)
    >>> cal.waves[["wave", "points", "runs"]].to_numpy().tolist()
    [[1, 3, 3], ['check', 2, 2]]
    >>> low, high = cal.parameters["clients.satisfaction.initial_mean"]
    >>> bool(low <= cal.best["clients.satisfaction.initial_mean"] <= high)
    True
    >>> list(cal.identifiability.columns)[:4]
    ['parameter', 'low', 'high', 'mean']
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"calibrate() takes a Scenario (see load_scenario), got {type(scenario).__name__}")
    data = as_observed(observed, scenario)
    seed = check_seed(seed)
    for name, value in (("waves", waves), ("replications", replications), ("check_draws", check_draws),
                        ("best_replications", best_replications), ("max_parameters", max_parameters),
                        ("observed_runs", observed_runs)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    space = dict(parameters) if parameters is not None else default_parameters(data, scenario, max_parameters)
    if not space:
        raise ValueError("no parameters to calibrate: give parameters={'dotted.path': (low, high)}; none of the "
                         f"observed KPIs ({', '.join(data.values)}) has declared drivers")
    params = _params(scenario, space)
    d = len(params)
    n = int(points) if points is not None else 10 * d
    if n < d + 2:
        raise ValueError(f"points must be at least {d + 2} for {d} parameters, got {n}")
    kpis = list(data.values)
    obs = np.array([data.values[k][0] for k in kpis])
    sd = np.array([data.values[k][1] for k in kpis])
    fingerprint = model_fingerprint()
    label = f"calibrate:{seed}"
    notes: list[str] = []

    def simulate(u: np.ndarray, first: int, reps: Sequence[Sequence[int]]) -> pd.DataFrame:
        """Run setting i of `u` (point `first + i`) on replications `reps[i]`."""
        specs = []
        for i, row in enumerate(u):
            values = _at(params, row)
            text = scenario.with_overrides(values, source=f"calibration point {first + i}").canonical_json()
            specs += [RunSpec("baseline", r, seed, text, point=first + i, params=values, fingerprint=fingerprint)
                      for r in reps[i]]
        records = run_experiment(specs, executor, store, progress, experiment=label)
        return _frame(records, kpis)

    from scipy.stats import qmc

    started = time.perf_counter()
    emulators: list[Emulator] = []
    u_all = np.empty((0, d))
    wave_of: list[int] = []
    runs = pd.DataFrame()
    wave_rows: list[dict[str, Any]] = []  # one per wave, then the check's ("wave": "check")
    box = np.array([[0.0, 1.0]] * d)
    pool = np.empty((0, d))
    for wave in range(waves):
        u = qmc.LatinHypercube(d, seed=seed).random(n) if wave == 0 else _spread(pool, u_all, n)
        first = len(u_all)
        new = simulate(u, first, [range((first + i) * replications, (first + i + 1) * replications)
                                  for i in range(len(u))])
        u_all = np.vstack([u_all, u])
        wave_of += [wave + 1] * len(u)
        runs = pd.concat([runs, new], ignore_index=True)
        if wave == 0:
            defined = runs.groupby("point")[kpis].count().gt(0).sum()
            undefined = [k for k in kpis if defined[k] < d + 2]
            if len(undefined) == len(kpis):
                raise ValueError(f"none of the observed KPIs ({', '.join(kpis)}) has a value in enough runs to fit "
                                 "(see the run errors in the store, or lengthen the horizon)")
            if undefined:
                notes.append(f"left out of the fit, undefined in most runs of this scenario: {', '.join(undefined)} "
                             "(e.g. no hires within the horizon for new_hire_quit_12m)")
                keep = [i for i, k in enumerate(kpis) if k not in undefined]
                kpis, obs, sd = [kpis[i] for i in keep], obs[keep], sd[keep]
        emulator = _fit(u_all, runs, kpis, seed)
        emulators.append(emulator)
        pool, box, share = _plausible(emulators, obs, sd, observed_runs, box, seed + wave + 1, d)
        if not len(pool):
            pool = _closest(emulators[-1], obs, sd, observed_runs, seed + wave + 1, d)
            notes.append(f"wave {wave + 1}: no setting in the box reproduces every observed KPI within "
                         f"{CUTOFF:g} sd; the closest settings are used (the model, the ranges or the data "
                         "disagree: see fit)")
        wave_rows.append({"wave": wave + 1, "points": len(u), "runs": len(new), "plausible_share": share})

    loglik = log_likelihood(emulators[-1], pool, obs, sd, observed_runs)
    weights = np.exp(loglik - loglik.max())
    weights /= weights.sum()
    ess = float(1.0 / (weights**2).sum())
    if ess < 50:
        notes.append(f"the posterior rests on few candidates (effective sample {ess:.0f}): the data pin the "
                     "parameters down more tightly than the candidate pool resolves; treat intervals as rough")
    posterior = pd.DataFrame([_at(params, row) for row in pool], columns=[p.path for p in params])
    posterior["weight"] = weights
    posterior = posterior.sort_values("weight", ascending=False, kind="stable").reset_index(drop=True)
    best_u = pool[int(np.argmax(weights))]

    rows = _resample(weights, check_draws, seed)
    # the posterior-predictive check: each draw observed as the branch was (the mean of `observed_runs` runs),
    # each run on a seed of its own, so the check's spread holds the model's noise as well as the parameters'
    base = len(u_all) * replications  # replications the design did not use: fresh seeds
    check = simulate(pool[rows], len(u_all), [range(base + k * observed_runs, base + (k + 1) * observed_runs)
                                              for k in range(len(rows))])
    check = check.groupby("point", as_index=False)[kpis].mean()
    base += len(rows) * observed_runs
    best_runs = simulate(best_u[None, :], len(u_all) + len(rows), [range(base, base + best_replications)])
    total_runs = len(runs) + len(check) * observed_runs + len(best_runs)
    wave_rows.append({"wave": "check", "points": len(rows) + 1, "runs": len(check) * observed_runs + len(best_runs),
                      "plausible_share": np.nan})

    fit = _fit_table(kpis, obs, sd, check, best_runs, emulators[-1], pool[rows], len(u_all), observed_runs)
    missed = fit.index[~fit["within_sd"]].tolist()
    if missed:
        notes.append(f"simulated mean more than one sd from the observed value: {', '.join(missed)}")
    best = _at(params, best_u)
    design = _design_table(u_all, wave_of, runs, params, kpis)
    info = {**provenance(seed), "method": "history matching with GP emulators (scikit-learn)", "waves": waves,
            "points": n, "replications": replications, "observed_runs": observed_runs, "runs": total_runs,
            "wall_time_s": round(time.perf_counter() - started, 1)}
    for note in notes:
        warnings.warn(note, stacklevel=2)
    return Calibration(base=scenario, observed=data, parameters={p.path: (p.low, p.high) for p in params},
                       posterior=posterior, fit=fit, identifiability=_identifiability(posterior, params),
                       design=design, waves=pd.DataFrame(wave_rows), best=best, seed=seed, ess=ess,
                       provenance=info, emulator=emulators[-1], warnings=notes)


def _params(scenario: Scenario, space: Mapping[str, Any]) -> list[_Param]:
    """The calibration's parameters, each a range checked at both ends on the scenario."""
    current = scenario.to_dict()
    params = []
    for path, spec in space.items():
        param = _parse(path, tuple(spec) if isinstance(spec, list) else spec, current)
        if param.kind == "category":
            raise ValueError(f"parameters[{path!r}]: a calibration parameter is a (low, high) range")
        _check_values(scenario, param)
        params.append(param)
    return params


def _at(params: list[_Param], u: np.ndarray) -> dict[str, Any]:
    """The parameter values at `u`, a point of the unit cube."""
    return {p.path: p.value(p.bounds[0] + x * (p.bounds[1] - p.bounds[0])) for p, x in zip(params, u, strict=True)}


def _frame(records: list[dict[str, Any]], kpis: list[str]) -> pd.DataFrame:
    """One row per finished run: point, replication and the observed KPIs (a failed run is left out)."""
    rows = [{"point": r["point"], "replication": r["replication"], **{k: r["kpis"].get(k, math.nan) for k in kpis}}
            for r in records if r["status"] == "ok"]
    frame = pd.DataFrame(rows, columns=["point", "replication", *kpis])
    errors = [r for r in records if r["status"] != "ok"]
    if errors and not rows:
        raise RuntimeError(f"every calibration run failed; the first error:\n{errors[0]['error']}")
    return frame


def _fit(u_all: np.ndarray, runs: pd.DataFrame, kpis: list[str], seed: int) -> Emulator:
    points = sorted(runs["point"].unique())
    index = {p: i for i, p in enumerate(points)}
    return fit_emulator(u_all[points], runs[kpis].to_numpy(), runs["point"].map(index).to_numpy(), kpis, seed)


def _accepted(emulators: list[Emulator], u: np.ndarray, obs: np.ndarray, sd: np.ndarray, runs: int) -> np.ndarray:
    keep = np.ones(len(u), dtype=bool)
    for emulator in emulators:  # every wave's cut: what an earlier wave ruled out stays out
        idx = np.flatnonzero(keep)
        if not len(idx):
            break
        keep[idx] = implausibility(emulator, u[idx], obs, sd, runs).max(axis=1) <= CUTOFF
    return keep


def _plausible(emulators: list[Emulator], obs: np.ndarray, sd: np.ndarray, runs: int, box: np.ndarray,
               seed: int, d: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Up to `POOL` settings no wave rules out (uniform over the box), the box around them for the next
    wave, and the share of the whole prior box they fill."""
    from scipy.stats import qmc

    sampler = qmc.Sobol(d, seed=seed)
    found: list[np.ndarray] = []
    drawn = kept = 0
    volume = float(np.prod(box[:, 1] - box[:, 0]))
    for _ in range(16):
        u = box[:, 0] + sampler.random(4096) * (box[:, 1] - box[:, 0])
        ok = _accepted(emulators, u, obs, sd, runs)
        drawn += len(u)
        kept += int(ok.sum())
        found.append(u[ok])
        if kept >= POOL:
            break
    pool = np.vstack(found)[:POOL]
    share = volume * kept / drawn
    if not len(pool):
        return pool, box, 0.0
    margin = 0.1 * (pool.max(axis=0) - pool.min(axis=0)) + 0.02
    new_box = np.column_stack([np.maximum(box[:, 0], pool.min(axis=0) - margin),
                               np.minimum(box[:, 1], pool.max(axis=0) + margin)])
    return pool, new_box, share


def _closest(emulator: Emulator, obs: np.ndarray, sd: np.ndarray, runs: int, seed: int, d: int) -> np.ndarray:
    """When nothing is plausible: the tenth of a Sobol' sample with the smallest worst implausibility."""
    from scipy.stats import qmc

    u = qmc.Sobol(d, seed=seed).random(4096)
    worst = implausibility(emulator, u, obs, sd, runs).max(axis=1)
    return u[np.argsort(worst, kind="stable")[: len(u) // 10]]


def _spread(pool: np.ndarray, existing: np.ndarray, n: int) -> np.ndarray:
    """`n` points of `pool` spread out (greedy maximin), away from the settings already simulated."""
    if len(pool) <= n:
        return pool.copy()
    nearest = np.full(len(pool), np.inf)
    for x in existing:
        nearest = np.minimum(nearest, ((pool - x) ** 2).sum(axis=1))
    chosen = []
    for _ in range(n):
        i = int(np.argmax(nearest))
        chosen.append(i)
        nearest = np.minimum(nearest, ((pool - pool[i]) ** 2).sum(axis=1))
    return pool[chosen]


def _resample(weights: np.ndarray, n: int, seed: int) -> np.ndarray:
    """Systematic resampling: `n` indices drawn in proportion to `weights` (low variance, seeded)."""
    start = np.random.default_rng(seed).random()
    positions = (start + np.arange(n)) / n
    return np.minimum(np.searchsorted(np.cumsum(weights), positions), len(weights) - 1)


def _fit_table(kpis: list[str], obs: np.ndarray, sd: np.ndarray, check: pd.DataFrame, best: pd.DataFrame,
               emulator: Emulator, u_check: np.ndarray, first: int, runs: int) -> pd.DataFrame:
    """Observed against simulated per KPI; `emulator_ok` is the share of check runs the emulator
    predicted within three sd (its own and the run noise): below about 0.9 it is not to be trusted."""
    sim = check[kpis]
    frame = pd.DataFrame({"observed": obs, "sd": sd, "simulated": sim.mean().to_numpy(),
                          "low": sim.quantile(0.05).to_numpy(), "high": sim.quantile(0.95).to_numpy(),
                          "best": best[kpis].mean().to_numpy()}, index=pd.Index(kpis, name="kpi"))
    frame["z"] = (frame["simulated"] - frame["observed"]) / frame["sd"]
    frame["within_sd"] = frame["z"].abs() <= 1.0
    frame["covered"] = (frame["observed"] >= frame["low"]) & (frame["observed"] <= frame["high"])
    means, variances, noise = emulator.predict(u_check[check["point"].to_numpy() - first])
    errors = (sim.to_numpy() - means) / np.sqrt(variances + noise / runs)
    judged = np.isfinite(errors)
    frame["emulator_ok"] = (np.abs(np.where(judged, errors, 0.0)) <= CUTOFF).sum(axis=0) / np.maximum(
        judged.sum(axis=0), 1)
    return frame


def _identifiability(posterior: pd.DataFrame, params: list[_Param]) -> pd.DataFrame:
    w = posterior["weight"].to_numpy()
    names = [p.path for p in params]
    x = posterior[names].to_numpy(dtype=float)
    mean = w @ x
    cov = ((x - mean) * w[:, None]).T @ (x - mean)
    scale = np.sqrt(np.clip(np.diag(cov), 1e-300, None))
    corr = cov / np.outer(scale, scale)
    rows = []
    for j, p in enumerate(params):
        order = np.argsort(x[:, j], kind="stable")
        cdf = np.cumsum(w[order])
        q05, q50, q95 = (x[order, j][min(np.searchsorted(cdf, q), len(cdf) - 1)] for q in (0.05, 0.5, 0.95))
        share = (q95 - q05) / (0.9 * (p.high - p.low))
        partners = [f"{names[k]} ({corr[j, k]:+.2f})" for k in range(len(params))
                    if k != j and abs(corr[j, k]) >= CORRELATED]
        if share > WIDE:
            status = "not pinned down"
        elif partners:
            status = "pinned down only with " + ", ".join(partner.split(" ")[0] for partner in partners)
        else:
            status = "pinned down"
        rows.append({"parameter": p.path, "low": p.low, "high": p.high, "mean": mean[j], "median": q50,
                     "q05": q05, "q95": q95, "width_share": share, "correlated_with": "; ".join(partners),
                     "status": status})
    return pd.DataFrame(rows)


def _design_table(u_all: np.ndarray, wave_of: list[int], runs: pd.DataFrame, params: list[_Param],
                  kpis: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame([_at(params, row) for row in u_all], columns=[p.path for p in params])
    frame.insert(0, "wave", wave_of)
    frame.insert(0, "point", range(len(u_all)))
    means = runs.groupby("point")[kpis].mean()
    return frame.join(means, on="point")
