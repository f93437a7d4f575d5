"""Parameter sweeps: a design over scenario paths (grid, Latin hypercube, Sobol', Morris, or your own
points), each point run on the same replication seeds, and sensitivity indices from SALib.

`space` maps a dotted scenario path to what it may take:

- `(low, high)`: a range. Integers when both ends are ints and the scenario holds an int there
  (a float field such as `costs.overhead_per_am_per_year` stays continuous even with int ends).
  An integer range draws each integer with the same chance: the sample runs over
  `[low - 0.5, high + 0.5]` and is rounded half up.
- a list of values: categories (allocation rules, booleans, ...). A unit-interval sample `u`
  picks category `floor(u * k)`; SALib sees them as the range `[0, k)`, and category i as the
  middle of its cell, i + 0.5, where a point must be written in SALib's units (`Sweep.samples`
  of a grid or of your own design).

Replication r of every point (and every policy) uses the same seed: common random numbers, so
two points differ only by their parameters. Before anything runs, every value the space can take
(both ends of each range, every category) is checked on the scenario, then every point of the
design under every policy: a sweep with one bad point fails at once, not hours into the work.

Equal points run once. A design over integer or categorical parameters repeats points: a Saltelli
(Sobol') design crosses two base samples column by column, and where both round to the same integer
or category the crossed point is the base point again (with seed 0, 8 base points over an 8-16 AM
range and two allocation rules give 32 points, 13 of them distinct). These repeats are what the estimator
expects: the indices are those of the model as a function of the sampled coordinates, which is
constant inside a rounding cell, so they are kept in the design, the table and the estimator's
input. Only the simulation is not repeated: with common random numbers a point run again gives
exactly the same numbers, so each distinct point (the same scenario under every policy) runs once
and its equals take its results (`Sweep.distinct_points` says how many ran).

A Morris design samples a categorical parameter on its 4-level grid (level l picks category
floor(l k / 3)), so it can take at most 4 categories, and its trajectories must visit every one:
otherwise `sweep` refuses it (a mu_star would speak for categories never run). Its elementary
effects compare categories in the order listed, so read mu_star and sigma for it; mu's sign
follows that order.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import stat
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from simbranch import meanings
from simbranch.analysis.sensitivity import MIN_MORRIS_TRAJECTORIES
from simbranch.experiment.compare import HEADLINE_KPIS, provenance, run_experiment
from simbranch.experiment.design import RunSpec, check_seed, model_fingerprint, resolve_policies, value_at
from simbranch.experiment.executors import ExecutorLike
from simbranch.experiment.store import records_to_frame
from simbranch.run import KPI_NAMES
from simbranch.scenario import Policy, Scenario, ScenarioError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["METHODS", "Sweep", "read_design", "sweep"]

#: Designs `sweep` can draw (a sweep of your own points, `sweep(..., design=frame)`, has method "design").
METHODS: tuple[str, ...] = ("grid", "lhs", "sobol", "morris")

#: Levels of the Morris grid (sampling and analysis must agree).
MORRIS_LEVELS = 4

_KEYS = ["point", "policy", "replication", "seed"]


@dataclass(frozen=True)
class _Param:
    """One dimension of the space: a continuous or integer range, or a list of categories."""

    path: str
    kind: Literal["float", "int", "category"]
    low: float = 0.0
    high: float = 0.0
    values: tuple[Any, ...] = ()

    @property
    def bounds(self) -> list[float]:
        """The range SALib samples (integer ranges widened by half a step, categories as [0, k))."""
        if self.kind == "float":
            return [self.low, self.high]
        if self.kind == "int":
            return [self.low - 0.5, self.high + 0.5]
        return [0.0, float(len(self.values))]

    def value(self, x: float) -> Any:
        """The parameter value at `x`, a coordinate in `bounds`."""
        if self.kind == "float":
            return float(min(max(x, self.low), self.high))
        if self.kind == "int":
            return int(min(max(math.floor(x + 0.5), self.low), self.high))
        return self.values[self.category(x)]

    def category(self, x: float) -> int:
        """The index of the category at `x`, a coordinate in `bounds` (of a categorical parameter)."""
        return min(max(math.floor(x), 0), len(self.values) - 1)

    def encode(self, value: Any) -> float:
        """The coordinate in `bounds` of an accepted value: itself for a range, i + 0.5 for category i
        (the middle of its cell, which `value` maps back to it)."""
        if self.kind != "category":
            return float(value)
        return float(next(i for i, c in enumerate(self.values) if _same(c, value))) + 0.5

    def accept(self, value: Any) -> Any:
        """`value` as the sweep applies it (an int, a float or the category itself), or a ValueError
        saying why it is not one this parameter takes."""
        value = value.item() if isinstance(value, np.generic) else value
        if self.kind == "category":
            for category in self.values:
                if _same(category, value):
                    return category
            raise ValueError(f"not one of the categories; allowed: {self.describe()}")
        if not _is_number(value) or not math.isfinite(value):
            raise ValueError(f"not a finite number; allowed: {self.describe()}")
        if not self.low <= value <= self.high:
            raise ValueError(f"outside the range; allowed: {self.describe()}")
        if self.kind == "int":
            if not float(value).is_integer():
                raise ValueError(f"not a whole number; allowed: {self.describe()}")
            return int(value)
        return float(value)

    def levels(self, n: int) -> list[Any]:
        """The grid levels: `n` evenly spaced values of a range (integers without repeats), every category."""
        if self.kind == "category":
            return list(self.values)
        points = np.linspace(self.low, self.high, n) if n > 1 else np.array([self.low])
        if self.kind == "float":
            return [float(v) for v in points]
        return list(dict.fromkeys(math.floor(v + 0.5) for v in points))

    def describe(self) -> str:
        if self.kind == "category":
            return "one of " + ", ".join(repr(v) for v in self.values)
        return f"{self.kind} in [{self.low:g}, {self.high:g}]"


@dataclass
class Sweep:
    """Result of `sweep`: the design, one table row per point x policy x replication, sensitivity on demand.

    `table` holds point, policy, replication, seed, one column per parameter (named by its dotted
    path) and every KPI, for the runs that finished; `failures` the runs that raised (run the same
    sweep with the same store again to retry them). `design` has one row per point with the
    values applied (a frame `sweep(..., design=)` takes back). `method` is the design's kind, one
    of `METHODS` or "design" for your own points.

    `problem` is the SALib problem dict of the space: `num_vars`, `names` (the dotted paths, in
    the space's order) and `bounds`, a range as [low, high], an integer range as
    [low - 0.5, high + 0.5] and k categories as [0, k) (category i is the cell [i, i + 1));
    `samples` the design in those units, one row per point (what SALib drew, or for a grid or your
    own design the points encoded, category i as i + 0.5), for use with SALib directly (for
    instance `simbranch.analysis.rbd_fast_indices(sw.problem, sw.samples, y)` on any design).

    Parameters
    ----------
    method : str
        The design's kind: one of `METHODS`, or "design" for your own points.
    space : dict
        The space swept: dotted scenario path -> ``(low, high)`` or a list of categories.
    design : pandas.DataFrame
        One row per point: `point` and the value of each parameter.
    table : pandas.DataFrame
        One row per finished run: point, policy, replication, seed, the parameters and the KPIs.
    failures : pandas.DataFrame
        The runs that raised: point, policy, replication, seed, the parameters and error.
    policies : list of Policy
        The policies every point ran under, the baseline first.
    replications : int
        Replications of every point.
    seed : int
        The sweep's seed (design, replications and the bootstrap of `sensitivity`).
    problem : dict, optional
        The SALib problem of the space (above).
    samples : numpy.ndarray, optional
        The design in SALib's units (above).
    scenario : Scenario, optional
        The scenario the points change.
    provenance : dict, optional
        What reproduces the sweep: seed, model fingerprint, package versions, method and size.
    _params : list, optional
        Internal: the parsed dimensions of the space, in order (`sweep` sets them).
    _same_as : list of int, optional
        Internal: per point, the first point equal to it (itself if none is), whose runs it
        shares (`sweep` sets them).

    Raises
    ------
    TypeError
        When a required field is missing. The fields are not checked: `sweep` builds a Sweep.

    Examples
    --------
    >>> import simbranch as sb
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
    >>> space = {"managers.count": (8, 10), "clients.satisfaction.initial_mean": (0.5, 0.8)}
    >>> sw = sb.sweep(scenario, space, method="grid", n=2, executor="serial", progress=False)
    >>> sw.design
       point  managers.count  clients.satisfaction.initial_mean
    0      0               8                                0.5
    1      1               8                                0.8
    2      2              10                                0.5
    3      3              10                                0.8
    >>> len(sw.table), len(sw.failures)
    (4, 0)
    >>> sw.problem["bounds"]
    [[7.5, 10.5], [0.5, 0.8]]
    """

    method: str
    space: dict[str, Any]
    design: pd.DataFrame = field(repr=False)
    table: pd.DataFrame = field(repr=False)
    failures: pd.DataFrame = field(repr=False)
    policies: list[Policy] = field(repr=False)
    replications: int = 1
    seed: int = 0
    problem: dict[str, Any] = field(default_factory=dict, repr=False)
    samples: np.ndarray | None = field(default=None, repr=False)
    scenario: Scenario | None = field(default=None, repr=False)
    provenance: dict[str, Any] = field(default_factory=dict, repr=False)
    _params: list[_Param] = field(default_factory=list, repr=False)
    #: per point, the first point equal to it (itself if none is), whose runs it shares
    _same_as: list[int] = field(default_factory=list, repr=False)

    @property
    def parameters(self) -> list[str]:
        """The swept parameters: the dotted paths of the space, in its order.

        Returns
        -------
        list of str
            The keys of `space`.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> space = {"managers.count": (8, 10), "clients.satisfaction.initial_mean": (0.5, 0.8)}
        >>> sw = sb.sweep(scenario, space, method="grid", n=2, executor="serial", progress=False)
        >>> sw.parameters
        ['managers.count', 'clients.satisfaction.initial_mean']
        """
        return list(self.space)

    @property
    def distinct_points(self) -> int:
        """How many points of the design differ (each ran once; an equal point shares its runs).

        Returns
        -------
        int
            The number of distinct points, at most `n_points`.

        Examples
        --------
        A Morris design puts a range on a grid of 4 levels, so its 10 trajectories of 2 points
        repeat them:

        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> space = {"clients.satisfaction.initial_mean": (0.5, 0.8)}
        >>> sm = sb.sweep(scenario, space, method="morris", n=10, executor="serial", progress=False)
        >>> sm.n_points, sm.distinct_points
        (20, 4)
        """
        return len(set(self._same_as)) if self._same_as else self.n_points

    @property
    def n_points(self) -> int:
        """The number of points of the design, equal points included.

        Returns
        -------
        int
            The rows of `design`.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> space = {"managers.count": (8, 10), "clients.satisfaction.initial_mean": (0.5, 0.8)}
        >>> sw = sb.sweep(scenario, space, method="grid", n=2, executor="serial", progress=False)
        >>> sw.n_points  # 2 levels of each of 2 parameters
        4
        """
        return len(self.design)

    def point_means(self, kpi: str, policy: str | None = None) -> pd.Series:
        """Return the mean of `kpi` over the replications of each point, in design order.

        Parameters
        ----------
        kpi : str
            The KPI.
        policy : str, optional
            The policy whose runs to average; needed when the sweep ran more than one.

        Returns
        -------
        pandas.Series
            One mean per point, indexed by point and named after `kpi` (NaN where no run has a
            value).

        Raises
        ------
        ValueError
            For a KPI or policy the sweep does not have, or no `policy` for a sweep of several.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> space = {"managers.count": (8, 10), "clients.satisfaction.initial_mean": (0.5, 0.8)}
        >>> sw = sb.sweep(scenario, space, method="grid", n=2, executor="serial", progress=False)
        >>> means = sw.point_means("satisfaction_mean")
        >>> means.index.tolist(), means.name
        ([0, 1, 2, 3], 'satisfaction_mean')
        >>> bool(means[1] > means[0])  # point 1 starts with more satisfied clients than point 0
        True
        """
        rows = self._rows(kpi, policy)
        means = rows.groupby("point")[kpi].mean()
        return means.reindex(self.design["point"]).rename(kpi)

    def sensitivity(self, kpi: str, method: str | None = None, *, policy: str | None = None,
                    num_resamples: int = 1000, conf_level: float = 0.95) -> pd.DataFrame:
        """Sensitivity indices of `kpi` (the per-point mean over replications) from SALib.

        Parameters
        ----------
        kpi : str
            The KPI whose sensitivity to read.
        method : {"sobol", "morris"}, optional
            Defaults to the sweep's own; the estimators need the design they were made for, so a
            grid, LHS or own-design sweep has none.
        policy : str, optional
            One policy's indices; with more than one policy and no `policy`, one block per policy
            with a `policy` column.
        num_resamples, conf_level : int, float
            The bootstrap of the intervals, drawn from a seed derived from the sweep's seed
            (`simbranch.analysis.sensitivity.bootstrap_seed`): the same sweep gives the same numbers.

        Returns
        -------
        DataFrame
            A "sobol" sweep gives first-order and total Sobol' indices with bootstrap CI
            half-widths (parameter, S1, S1_conf, ST, ST_conf), a "morris" sweep elementary-effect
            statistics (parameter, mu, mu_star, mu_star_conf, sigma), as the estimator gives them
            (an index may leave [0, 1]: that is noise, which the warning reports).

        Raises
        ------
        ValueError
            For a sweep whose design was not drawn for the method, an unknown KPI or policy, a
            point without a value (a failed run), a `num_resamples` that is not a whole number
            from 2 to 10,000, or a `conf_level` not between 0 and 1.

        Warns
        -----
        SmallSampleWarning
            When the design is smaller than the method's advised size or the indices show the
            estimator's noise (`simbranch.analysis.sensitivity`: the sizes and why).

        Examples
        --------
        Ten Morris trajectories, the advised least, give elementary-effect statistics:

        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> space = {"clients.satisfaction.initial_mean": (0.5, 0.8)}
        >>> sm = sb.sweep(scenario, space, method="morris", n=10, executor="serial", progress=False)
        >>> indices = sm.sensitivity("satisfaction_mean")
        >>> list(indices.columns)
        ['parameter', 'mu', 'mu_star', 'mu_star_conf', 'sigma']

        A Sobol' design below the advised 64 base points still gives indices, with a warning:

        >>> import warnings
        >>> from simbranch.analysis.sensitivity import SmallSampleWarning
        >>> small = sb.sweep(scenario, space, method="sobol", n=4, executor="serial", progress=False)
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     indices = small.sensitivity("satisfaction_mean")
        >>> list(indices.columns), any(issubclass(w.category, SmallSampleWarning) for w in caught)
        (['parameter', 'S1', 'S1_conf', 'ST', 'ST_conf'], True)
        """
        from simbranch.analysis.sensitivity import check_bootstrap, morris_indices, sobol_indices

        check_bootstrap(num_resamples, conf_level)
        hint = {"sobol": "sweep(..., method='sobol') for variance-based indices (S1, ST)",
                "morris": "sweep(..., method='morris') for elementary-effects screening (mu_star, sigma)"}
        if method is not None and method not in hint:
            raise ValueError(f"no sensitivity method {method!r}; use 'sobol' or 'morris'")
        if (method or self.method) != self.method or self.method not in hint:
            wanted = [hint[method]] if method else list(hint.values())
            what = "your own design" if self.method == "design" else f"design is {self.method!r}"
            raise ValueError(f"sensitivity indices need a design drawn for their estimator, and this sweep's {what}: "
                             "run " + ", or ".join(wanted)
                             + (f"; .pivot() shows how a KPI varies over this {self.method} sweep"
                                if self.method in ("grid", "lhs", "design") else ""))
        method = self.method
        self._kpi(kpi)
        names = [policy] if policy is not None else [p.name for p in self.policies]
        frames = []
        for name in names:
            y = self.point_means(kpi, name)
            missing = np.flatnonzero(~np.isfinite(y.to_numpy(dtype=float)))
            if len(missing):
                shown = ", ".join(str(i) for i in missing[:10]) + (", ..." if len(missing) > 10 else "")
                raise ValueError(f"{kpi!r} has no value at {len(missing)} of {len(y)} points of policy {name!r} "
                                 f"(points {shown}; see .failures); a failed run is retried when the same sweep "
                                 "runs again with the same store")
            label = kpi if len(self.policies) == 1 else f"{kpi} under {name}"
            if method == "sobol":
                frame = sobol_indices(self.problem, y.to_numpy(), num_resamples=num_resamples,
                                      conf_level=conf_level, seed=self.seed, label=label)
            else:
                if self.samples is None:
                    raise ValueError("Morris indices need the design SALib drew, and this sweep has no .samples")
                frame = morris_indices(self.problem, self.samples, y.to_numpy(), num_levels=MORRIS_LEVELS,
                                       num_resamples=num_resamples, conf_level=conf_level, seed=self.seed,
                                       label=label)
            if len(names) > 1:
                frame.insert(0, "policy", name)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def pivot(self, kpi: str, x: str, y: str, *, policy: str | None = None, bins: int | None = None) -> pd.DataFrame:
        """Return the mean `kpi` over parameters `x` (columns) and `y` (rows), over points and replications.

        A numeric parameter with more distinct values than `bins` is cut into `bins` equal
        intervals (empty ones stay, as NaN). By default a grid is not binned and other designs,
        whose points rarely share values, use 10 bins; ``bins=0`` never bins.

        Parameters
        ----------
        kpi : str
            The KPI.
        x, y : str
            Two different parameters of the sweep (dotted paths).
        policy : str, optional
            The policy whose runs to average; needed when the sweep ran more than one.
        bins : int, optional
            The most values of a numeric parameter before it is cut into intervals.

        Returns
        -------
        pandas.DataFrame
            The means, one row per value (or interval) of `y` and one column per value of `x`.

        Raises
        ------
        ValueError
            For a KPI, parameter or policy the sweep does not have, `x` equal to `y`, or no
            `policy` for a sweep of several.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> space = {"managers.count": (8, 10), "clients.satisfaction.initial_mean": (0.5, 0.8)}
        >>> sw = sb.sweep(scenario, space, method="grid", n=2, executor="serial", progress=False)
        >>> means = sw.pivot("satisfaction_mean", x="clients.satisfaction.initial_mean", y="managers.count")
        >>> means.index.tolist(), means.columns.tolist()
        ([8, 10], [0.5, 0.8])
        """
        self._kpi(kpi)
        for path in (x, y):
            if path not in self.space:
                raise ValueError(f"{path!r} is not a parameter of this sweep; parameters: {', '.join(self.space)}")
        if x == y:
            raise ValueError("x and y must be two different parameters")
        rows = self._rows(kpi, policy).copy()
        kinds = {p.path: p for p in self._params}
        for path in (x, y):
            values = rows[path]
            if path in kinds and kinds[path].kind == "category":  # keep the order of the space
                order = list(dict.fromkeys(_label(v) for v in kinds[path].values))
                rows[path] = pd.Categorical(values.map(_label), categories=order)
                continue
            wanted = bins if bins is not None else (0 if self.method == "grid" else 10)
            if wanted and values.nunique() > wanted:
                rows[path] = pd.cut(values, wanted)
        return rows.pivot_table(index=y, columns=x, values=kpi, aggfunc="mean", observed=False, dropna=False)

    def _rows(self, kpi: str, policy: str | None) -> pd.DataFrame:
        self._kpi(kpi)
        names = [p.name for p in self.policies]
        if policy is None:
            if len(names) > 1:
                raise ValueError(f"this sweep ran {len(names)} policies ({', '.join(names)}); choose one with policy=")
            policy = names[0]
        if policy not in names:
            raise ValueError(f"no policy {policy!r} in this sweep; policies: {', '.join(names)}")
        return self.table[self.table["policy"] == policy]

    def _kpi(self, kpi: str) -> None:
        if kpi not in self.table.columns or kpi in self.space or kpi in _KEYS:
            raise ValueError(f"no KPI {kpi!r}; KPIs: {', '.join(KPI_NAMES)}")

    def plot(self, kind: str = "heatmap", kpi: str = "profit", **kwargs: Any) -> Figure:
        """Draw a figure of this sweep (`simbranch.plots`).

        By `kind`:

        - "heatmap": mean `kpi` over parameters `x` and `y` (default the first two; `policy=`,
          `bins=` as in `pivot`) with `plots.heatmap`;
        - "sensitivity": the `sensitivity(kpi)` indices as bars with `plots.sensitivity_bars`.

        Parameters
        ----------
        kind : {"heatmap", "sensitivity"}
            The figure.
        kpi : str
            The KPI shown.
        **kwargs
            Passed on to `simbranch.plots.plot_sweep`: ``lang`` ("en" or "zh"), ``currency`` and
            the options of the kind above.

        Returns
        -------
        matplotlib.figure.Figure
            The figure (not shown; save it with ``savefig``).

        Raises
        ------
        ValueError
            For an unknown kind or language; a KPI, parameter or policy the sweep does not have; a
            heat map of a sweep of one parameter; sensitivity bars of a design not drawn for them.
        TypeError
            For an option the kind does not take.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
        >>> space = {"managers.count": (8, 10), "clients.satisfaction.initial_mean": (0.5, 0.8)}
        >>> sw = sb.sweep(scenario, space, method="grid", n=2, executor="serial", progress=False)
        >>> fig = sw.plot("heatmap", kpi="satisfaction_mean")
        >>> fig.savefig("heatmap.png")
        >>> len(fig.axes) >= 1
        True
        """
        from simbranch.plots import plot_sweep

        return plot_sweep(self, kind, kpi, **kwargs)

    def _repr_html_(self) -> str:
        runs = self.n_points * len(self.policies) * self.replications
        head = (f"<b>simbranch sweep</b> ({escape(self.method)}): {len(self.space)} parameters, "
                f"{self.n_points} points x {len(self.policies)} "
                f"polic{'ies' if len(self.policies) != 1 else 'y'} x {self.replications} "
                f"replication{'s' if self.replications != 1 else ''} = {runs} runs, seed {self.seed}"
                + (f" ({self.distinct_points} distinct points: equal points share their runs)"
                   if self.distinct_points < self.n_points else "")
                + (f", <b>{len(self.failures)} failed runs</b>" if len(self.failures) else ""))
        space = pd.DataFrame({"parameter": [meanings.parameter_label(p.path, default=p.path) for p in self._params],
                              "path": [p.path for p in self._params],
                              "values": [p.describe() for p in self._params]})
        parts = [head, space.to_html(index=False)]
        kpis = [k for k in HEADLINE_KPIS if k in self.table.columns]
        if len(self.table) and kpis:
            means = self.table.groupby(["policy", "point"])[kpis].mean()
            spread = means.groupby("policy").agg(["min", "mean", "max"]).T
            spread = spread.rename(index=lambda k: meanings.label(k, default=k), level=0)
            spread = spread.rename(columns=lambda p: meanings.label(p, default=p))
            spread.index.names = ["KPI", "over points"]
            parts.append(spread.to_html(float_format="{:,.4g}".format))
        return "<br>".join(parts)


def sweep(scenario: Scenario, space: Mapping[str, Any] | None, method: str | None = None, n: int = 64,
          replications: int = 1, policies: Sequence[Policy | str | Path] | None = None, seed: int = 0,
          executor: ExecutorLike = None, store: str | Path | None = None, progress: bool = True,
          design: pd.DataFrame | None = None) -> Sweep:
    """Run `scenario` at every point of a design over `space`, each on the same replication seeds.

    Parameters
    ----------
    scenario : Scenario
        The scenario the points change.
    space : mapping or None
        Dotted scenario path -> `(low, high)` or a list of categories (module docstring). None
        only with `design`: each column's values then make its parameter, a numeric column the
        range from its least to its greatest value (ints if every value is an int), any other the
        list of its distinct values.
    method : {"grid", "lhs", "sobol", "morris"}, optional
        The design to draw (default "lhs"): "grid" (`n` levels per range, every category), "lhs"
        (`n` Latin-hypercube points), "sobol" (Saltelli design for first-order and total indices:
        `n` base points, a power of 2, give n(d + 2) points) or "morris" (`n` trajectories give
        n(d + 1) points on a 4-level grid). Not with `design`.
    n : int
        The design's size (see `method`; not used with `design`).
    replications : int
        Replications of every point.
    policies : sequence of Policy, preset names or files, optional
        Every point runs under the baseline and each policy; the point's values are applied over
        the policy's levers.
    seed : int
        Seeds the design, the replications (replication r of every point and policy shares one)
        and the bootstrap of `Sweep.sensitivity`.
    executor : {None, "process", "serial"}, concurrent.futures.Executor or distributed.Client
        Where the runs run, as in `compare`.
    store : str or Path, optional
        A result store, as in `compare`: a run already in the store is not run again, so a Sobol'
        sweep grown from n to 2n base points (same seed) or given more replications only runs
        what is new.
    progress : bool
        Whether to show a progress bar (on standard error).
    design : DataFrame, optional
        Your own points: one column per parameter of `space` (named by its path), one row per
        point, the values as the sweep applies them (a category itself, not its index); an
        optional `point` column must number the rows 0, 1, ... (`Sweep.design` of another sweep
        is such a frame). The same points give the same table as a drawn design.

    Returns
    -------
    Sweep
        The design, the table of runs and the failures; `method` is "design" for your own points.

    Raises
    ------
    ScenarioError
        A range end or category a field does not allow, or a path that is no field (naming the path
        and value), or a point that fails (a combination, or under a policy: naming the point too),
        all before any run.
    ValueError
        A malformed space, method, size or seed; a `design` column that is no parameter of the
        space, a missing one, or a value the parameter does not take (naming the column, row,
        value and what is allowed); a Morris design that cannot sample, or did not sample, every
        category of a categorical parameter (naming it, and what to do instead); an unknown
        executor; two policies of one name.
    TypeError
        When `scenario` is not a Scenario.
    StoreError
        When the store cannot be opened or written.

    Examples
    --------
    >>> import simbranch as sb
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
    >>> space = {"managers.count": (8, 10), "allocation.rule": ["round_robin", "crm"]}
    >>> sw = sb.sweep(scenario, space, method="lhs", n=4, executor="serial", progress=False)
    >>> sw.n_points, len(sw.table)
    (4, 4)
    >>> sorted(sw.design["allocation.rule"])  # a Latin hypercube draws each category equally often
    ['crm', 'crm', 'round_robin', 'round_robin']
    >>> bool(sw.design["managers.count"].between(8, 10).all())
    True
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"sweep() takes a Scenario (see load_scenario), got {type(scenario).__name__}")
    if design is not None:
        if method not in (None, "design"):
            raise ValueError(f"design= runs your own points and method={method!r} draws a design: give one of them")
        method = "design"
    else:
        method = method or "lhs"
        if method not in METHODS:
            raise ValueError(f"unknown sweep method {method!r}; use one of {', '.join(METHODS)}, "
                             "or give your own points with design=")
    for name, value in (("n", n), ("replications", replications)):
        if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    n, replications, seed = int(n), int(replications), check_seed(seed)
    if design is not None:
        _check_frame(design)
        if space is None:
            space = _design_space(design)
            _check_cells(scenario, design)
    if not isinstance(space, Mapping) or not space:
        raise ValueError("space must map at least one dotted scenario path to (low, high) or a list of values")
    current = scenario.to_dict()
    params = [_parse(path, spec, current) for path, spec in space.items()]
    for param in params:
        _check_values(scenario, param)
    problem: dict[str, Any] = {"num_vars": len(params), "names": [p.path for p in params],
                               "bounds": [p.bounds for p in params]}

    points, samples = _points(method, params, problem, n, seed, design)
    design_frame = pd.DataFrame([{"point": i, **point} for i, point in enumerate(points)],
                                columns=["point", *problem["names"]])

    resolved = resolve_policies(list(policies or []))
    texts = _point_texts(scenario, points, resolved)
    same_as = _same_as(texts)
    fingerprint = model_fingerprint()
    specs = [RunSpec(policy.name, r, seed, texts[i][j], point=i, params=point, fingerprint=fingerprint)
             for r in range(replications) for i, point in enumerate(points) if same_as[i] == i
             for j, policy in enumerate(resolved)]

    records = run_experiment(specs, executor, store, progress, experiment=f"sweep:{method}:{seed}")
    table, failures = _tables(_shared(records, points, same_as), problem["names"], [p.name for p in resolved])
    from importlib.metadata import version

    return Sweep(method=method, space=dict(space), design=design_frame, table=table, failures=failures,
                 policies=resolved, replications=replications, seed=seed, problem=problem, samples=samples,
                 scenario=scenario, provenance={**provenance(seed), "SALib": version("SALib"), "method": method,
                                                "n": n if design is None else len(points)},
                 _params=params, _same_as=same_as)


#: Largest design file read: a million points of ten parameters is about 40 MB of CSV.
MAX_DESIGN_BYTES = 100_000_000


def read_design(path: str | Path) -> pd.DataFrame:
    """Your own design from a CSV file, for `sweep(..., design=)` and `simbranch sweep --design`.

    Parameters
    ----------
    path : str or Path
        A CSV file with a header of parameter paths (and optionally `point`) and one row per point.
        Each cell is read as the command line reads a value: a TOML value (3, 0.5, true, "text")
        or else as text (crm), and True / False (as pandas writes booleans) as booleans.

    Returns
    -------
    DataFrame
        One column per header, one row per point; `sweep` checks the values against the space.

    Raises
    ------
    ValueError
        When the file is missing, not a regular file (a folder, pipe or device) or larger than
        `MAX_DESIGN_BYTES`, cannot be read, is not a table, has no rows or an empty cell (naming it).
    """
    path = Path(path)
    where = f"design file {str(path)!r}"
    try:
        mode, size = path.stat().st_mode, path.stat().st_size
    except FileNotFoundError:
        raise ValueError(f"{where}: file not found") from None
    except OSError as exc:
        raise ValueError(f"{where} cannot be read: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise ValueError(f"{where} is a folder, not a CSV file")
    if not stat.S_ISREG(mode):  # a pipe would block, a device never end
        raise ValueError(f"{where} is not a regular file (a device, pipe or socket); a design is a CSV file")
    if size > MAX_DESIGN_BYTES:
        raise ValueError(f"{where} is larger than {MAX_DESIGN_BYTES:,} bytes; a design of a million points of "
                         "ten parameters is about 40 MB")
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            lines = [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except FileNotFoundError:
        raise ValueError(f"{where}: file not found") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ValueError(f"{where} cannot be read as a CSV table: {reason}") from None
    if not lines:
        raise ValueError(f"{where} is empty; give a header of parameter paths and one row per point")
    header = [name.strip() for name in lines[0][1]]
    if not all(header) or len(set(header)) < len(header):
        raise ValueError(f"{where}: the header {', '.join(header)} needs one distinct, non-empty name per column")
    if len(lines) == 1:
        raise ValueError(f"{where} has no rows; give one row per point under the header")
    columns: dict[str, list[Any]] = {name: [] for name in header}
    for row, (line, cells) in enumerate(lines[1:]):
        if len(cells) != len(header):
            raise ValueError(f"{where}, row {row} (line {line}): {len(cells)} values under a header of "
                             f"{len(header)} columns")
        for name, text in zip(header, cells, strict=True):
            if not text.strip():
                raise ValueError(f"{where}, row {row} (line {line}), column {name!r}: empty cell; every point "
                                 "needs a value of every parameter")
            columns[name].append(_cell(text))
    return pd.DataFrame({name: pd.Series(values, dtype=object) for name, values in columns.items()})


def _parse(path: str, spec: Any, current: Mapping[str, Any] | None) -> _Param:
    """Check one entry of the space; `current` (the scenario as a dict) tells float fields from int ones."""
    if not isinstance(path, str) or not path:
        raise ValueError(f"space keys are dotted scenario paths like 'managers.count', got {path!r}")
    if isinstance(spec, tuple):
        if len(spec) != 2 or not all(_is_number(v) for v in spec):
            raise ValueError(f"space[{path!r}] = {spec!r}: a range is a (low, high) pair of numbers; "
                             "give categories as a list")
        low, high = (v.item() if isinstance(v, np.generic) else v for v in spec)
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise ValueError(f"space[{path!r}] = {spec!r}: a range needs finite low < high")
        whole = isinstance(low, int) and isinstance(high, int) and not isinstance(value_at(current, path), float)
        return _Param(path, "int" if whole else "float", float(low), float(high))
    if isinstance(spec, list | np.ndarray | range):
        values = tuple(v.item() if isinstance(v, np.generic) else v for v in spec)
        if not values:
            raise ValueError(f"space[{path!r}] is an empty list; give at least one value")
        return _Param(path, "category", values=values)
    raise ValueError(f"space[{path!r}] = {spec!r}: give a (low, high) range or a list of values")


def _check_values(scenario: Scenario, param: _Param, what: str = "sweep space") -> None:
    """Both ends of a range and every category, each alone on the scenario: a value out of its field's
    bounds, not allowed, or a path that is no field fails now, even when this design does not draw it
    (a bigger `n` later would, hours into the sweep). Only problems of the parameter's own field count
    here: a check across fields (warm-up shorter than the horizon, ...) depends on the other
    parameters, so it is left to the points themselves."""
    if param.kind == "category":
        values = list(param.values)
    elif param.kind == "int":
        values = [int(param.low), int(param.high)]
    else:
        values = [param.low, param.high]
    for value in values:
        try:
            scenario.with_overrides({param.path: value})
        except ScenarioError as exc:
            own = [p for p in exc.problems if p[0] == param.path or p[0].startswith(param.path + ".")]
            if own:
                raise ScenarioError(f"{what} {param.path} ({param.describe()})", own) from None


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool | np.bool_)


def _points(method: str, params: list[_Param], problem: dict[str, Any], n: int, seed: int,
            design: pd.DataFrame | None) -> tuple[list[dict[str, Any]], np.ndarray]:
    """The design's points (parameter path -> value applied) and the same in SALib's units."""
    if design is not None:
        points = _design_points(design, params)
    elif method == "grid":
        points = [dict(zip(problem["names"], combo, strict=True))
                  for combo in itertools.product(*(p.levels(n) for p in params))]
    else:
        samples = _sample(method, params, problem, n, seed)
        assert samples is not None, "only a grid has no samples, and a grid was built above"
        if method == "morris":
            _check_morris(params, samples, n)
        return [{p.path: p.value(x) for p, x in zip(params, row, strict=True)} for row in samples], samples
    encoded = np.array([[p.encode(point[p.path]) for p in params] for point in points], dtype=float)
    return points, encoded.reshape(len(points), len(params))


def _check_morris(params: list[_Param], samples: np.ndarray, n: int) -> None:
    """Every category of every categorical parameter among the Morris design's points, or a ValueError
    naming the parameter and what to do: an index of a category never sampled would speak for it."""
    for j, param in enumerate(params):
        if param.kind != "category":
            continue
        k = len(param.values)
        if k > MORRIS_LEVELS:
            raise ValueError(f"{param.path} has {k} categories but the Morris grid has {MORRIS_LEVELS} levels, so "
                             f"Morris cannot sample them all: use method='lhs' or 'sobol', or sweep at most "
                             f"{MORRIS_LEVELS} of its categories")
        seen = {param.category(x) for x in samples[:, j]}
        missing = [param.values[i] for i in range(k) if i not in seen]
        if missing:
            raise ValueError(f"the {n} Morris trajectories never sample {', '.join(map(repr, missing))} of "
                             f"{param.path} ({param.describe()}), so its mu_star would speak for categories it never "
                             f"saw: give more trajectories (each visits 2 of the {MORRIS_LEVELS} levels; n >= "
                             f"{max(k, MIN_MORRIS_TRAJECTORIES)} is advised) or use method='lhs'")


def _check_frame(design: Any) -> None:
    if not isinstance(design, pd.DataFrame):
        raise ValueError(f"design must be a DataFrame with one column per parameter path and one row per point "
                         f"(read_design reads one from a CSV file), got {type(design).__name__}")
    if design.empty or not len(design.columns):
        raise ValueError("design has no rows or no columns; give one column per parameter path and one row per point")
    repeated = design.columns[design.columns.duplicated()]
    if len(repeated):
        raise ValueError(f"design has the column {repeated[0]!r} twice; give each parameter one column")


def _check_cells(scenario: Scenario, design: pd.DataFrame) -> None:
    """Each distinct value of each column of a design alone on the scenario (where no space says what
    the columns may hold): a ScenarioError names the first row that holds a value the field refuses."""
    for column in design.columns:
        if column == "point":
            continue
        seen: set[tuple[bool, Any]] = set()
        for row, value in enumerate(design[column]):
            value = _plain(value)
            key = (isinstance(value, bool), _label(value))
            if key in seen:
                continue
            seen.add(key)
            try:
                scenario.with_overrides({str(column): value})
            except ScenarioError as exc:
                own = [p for p in exc.problems if p[0] == column or p[0].startswith(f"{column}.")]
                if own:
                    raise ScenarioError(f"design row {row}, column {column!r}", own) from None


def _design_space(design: pd.DataFrame) -> dict[str, Any]:
    """The space a design spans (for `space=None`): a numeric column's range, another column's values."""
    space: dict[str, Any] = {}
    for column in design.columns:
        if column == "point":
            continue
        values = [v.item() if isinstance(v, np.generic) else v for v in design[column]]
        numbers = all(_is_number(v) and math.isfinite(v) for v in values)
        if numbers and min(values) < max(values):
            ints = all(isinstance(v, int) for v in values)
            low, high = min(values), max(values)
            space[str(column)] = (int(low), int(high)) if ints else (float(low), float(high))
        else:
            distinct: dict[tuple[bool, Any], Any] = {}
            for v in values:  # 1 and True stay apart; lists and tables by their JSON text
                distinct.setdefault((isinstance(v, bool), _label(v)), v)
            space[str(column)] = list(distinct.values())
    return space


def _design_points(design: pd.DataFrame, params: list[_Param]) -> list[dict[str, Any]]:
    """The rows of your own design as points, each value checked against its parameter."""
    names = [p.path for p in params]
    unknown = [c for c in design.columns if c not in names and c != "point"]
    if unknown:
        raise ValueError(f"design column {unknown[0]!r} is not a parameter of the space; columns: "
                         f"{', '.join(names)} (and optionally point)")
    missing = [name for name in names if name not in design.columns]
    if missing:
        raise ValueError(f"design has no column {missing[0]!r}; every parameter of the space needs one "
                         f"({', '.join(names)})")
    if "point" in design.columns and [_plain(v) for v in design["point"]] != list(range(len(design))):
        raise ValueError(f"design column 'point' must number the rows 0 to {len(design) - 1} in order (or be left "
                         "out)")
    points = []
    for row, values in enumerate(design[names].itertuples(index=False, name=None)):
        point = {}
        for param, value in zip(params, values, strict=True):
            try:
                point[param.path] = param.accept(value)
            except ValueError as exc:
                raise ValueError(f"design row {row}, column {param.path!r}: {_plain(value)!r} is {exc}") from None
        points.append(point)
    return points


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _point_texts(scenario: Scenario, points: list[dict[str, Any]], policies: list[Policy]) -> list[list[str]]:
    """Every point's scenario under every policy (canonical JSON), each validated before anything runs."""
    bases = {p.name: scenario if p.name == "baseline" else scenario.with_policy(p) for p in policies}
    texts = []
    for i, point in enumerate(points):
        source = f"sweep point {i} ({', '.join(f'{k}={v!r}' for k, v in point.items())})"
        row = []
        for policy in policies:
            where = source if policy.name == "baseline" else f"{source} under policy {policy.name!r}"
            row.append(bases[policy.name].with_overrides(point, source=where).canonical_json())
        texts.append(row)
    return texts


def _same_as(texts: list[list[str]]) -> list[int]:
    """Per point, the first point whose scenarios (under every policy) are the same as its own."""
    first: dict[tuple[str, ...], int] = {}
    return [first.setdefault(tuple(row), i) for i, row in enumerate(texts)]


def _shared(records: list[dict[str, Any]], points: list[dict[str, Any]], same_as: list[int]) -> list[dict[str, Any]]:
    """The records of the points that ran, and for each equal point a copy under its own number."""
    by_point: dict[int, list[dict[str, Any]]] = {}
    for record in records:
        by_point.setdefault(record["point"], []).append(record)
    out = list(records)
    for i, first in enumerate(same_as):
        if first != i:
            out.extend({**record, "point": i, "params": points[i]} for record in by_point.get(first, []))
    return out


def _cell(text: str) -> Any:
    """A design file's cell as the command line reads a value: TOML, True / False, or else text."""
    text = text.strip()
    if text in ("True", "False"):
        return text == "True"
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except (tomllib.TOMLDecodeError, RecursionError):  # nested too deep for tomllib: the text, which validation refuses
        return text


def _same(category: Any, value: Any) -> bool:
    """Whether a design's value is this category: booleans only equal booleans (True is not 1), numbers
    by value (2 and 2.0), anything else by its text (lists and tables as JSON)."""
    if isinstance(category, bool) or isinstance(value, bool):
        return isinstance(category, bool) and isinstance(value, bool) and category == value
    if _is_number(category) and _is_number(value):
        return bool(category == value)
    return _label(category) == _label(value)


def _sample(method: str, params: list[_Param], problem: dict[str, Any], n: int, seed: int) -> np.ndarray | None:
    """The design in the problem's units (one row per point), or None for a grid."""
    if method == "grid":
        return None
    if method == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(len(params), rng=seed).random(n)
        low, high = np.array(problem["bounds"], dtype=float).T
        return low + unit * (high - low)
    if method == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, n, calc_second_order=False, seed=seed)
    from SALib.sample import morris

    return morris.sample(problem, n, num_levels=MORRIS_LEVELS, seed=seed)


def _tables(records: list[dict[str, Any]], paths: list[str], policies: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The table of finished runs and the frame of failed ones, sorted by point, policy, replication."""
    frame = records_to_frame(records)
    if not len(frame):
        return (pd.DataFrame(columns=[*_KEYS, *paths, *KPI_NAMES]),
                pd.DataFrame(columns=[*_KEYS, *paths, "error"]))
    frame = frame.rename(columns={f"param:{p}": p for p in paths})
    order = {name: i for i, name in enumerate(policies)}
    frame = frame.sort_values(["point", "policy", "replication"], key=lambda s: s.map(order) if s.name == "policy"
                              else s, kind="stable").reset_index(drop=True)
    ok = frame["status"] == "ok"
    kpis = [*KPI_NAMES, *(c for c in frame.columns
                          if c not in KPI_NAMES and c not in {*_KEYS, *paths, "status", "error", "wall_time_s", "key"})]
    table = frame[ok].reindex(columns=[*_KEYS, *paths, *kpis]).reset_index(drop=True)
    failures = frame[~ok].reindex(columns=[*_KEYS, *paths, "error"]).reset_index(drop=True)
    return table, failures


def _label(value: Any) -> Any:
    """A hashable label for a category value (lists and tables become their JSON text)."""
    return json.dumps(value) if isinstance(value, list | dict) else value

