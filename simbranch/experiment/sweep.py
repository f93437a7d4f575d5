"""Parameter sweeps: a design over scenario paths (grid, Latin hypercube, Sobol', Morris), each point
run on the same replication seeds, and sensitivity indices from SALib.

`space` maps a dotted scenario path to what it may take:

- `(low, high)`: a range. Integers when both ends are ints and the scenario holds an int there
  (a float field such as `costs.overhead_per_am_per_year` stays continuous even with int ends).
  An integer range draws each integer with the same chance: the sample runs over
  `[low - 0.5, high + 0.5]` and is rounded half up.
- a list of values: categories (allocation rules, booleans, ...). A unit-interval sample `u`
  picks category `floor(u * k)`; SALib sees them as the range `[0, k)`.

Replication r of every point (and every policy) uses the same seed: common random numbers, so
two points differ only by their parameters. Before anything runs, every value the space can take
(both ends of each range, every category) is checked on the scenario, then every point of the
design under every policy: a sweep with one bad point fails at once, not hours into the work.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from simbranch import meanings
from simbranch.experiment.compare import HEADLINE_KPIS, provenance, run_experiment
from simbranch.experiment.design import RunSpec, check_seed, model_fingerprint, resolve_policies
from simbranch.experiment.executors import ExecutorLike
from simbranch.experiment.store import records_to_frame
from simbranch.run import KPI_NAMES
from simbranch.scenario import Policy, Scenario, ScenarioError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["METHODS", "Sweep", "sweep"]

#: Designs `sweep` can draw.
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
        return self.values[min(max(math.floor(x), 0), len(self.values) - 1)]

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
    values applied. `problem` and `samples` are the SALib problem and the sample it drew (in the
    problem's units; None for a grid), for use with SALib directly.
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

    @property
    def parameters(self) -> list[str]:
        return list(self.space)

    @property
    def n_points(self) -> int:
        return len(self.design)

    def point_means(self, kpi: str, policy: str | None = None) -> pd.Series:
        """Mean of `kpi` over the replications of each point, in design order (NaN where no run has a value)."""
        rows = self._rows(kpi, policy)
        means = rows.groupby("point")[kpi].mean()
        return means.reindex(self.design["point"]).rename(kpi)

    def sensitivity(self, kpi: str, method: str | None = None, *, policy: str | None = None,
                    num_resamples: int = 1000, conf_level: float = 0.95) -> pd.DataFrame:
        """Sensitivity indices of `kpi` (the per-point mean over replications) from SALib.

        A "sobol" sweep gives first-order and total Sobol' indices with bootstrap CI half-widths
        (parameter, S1, S1_conf, ST, ST_conf); a "morris" sweep gives elementary-effect statistics
        (parameter, mu, mu_star, mu_star_conf, sigma). `method` defaults to the sweep's own; the
        estimators need the design they were made for, so a grid or LHS sweep has none. With more
        than one policy and no `policy`, one block per policy with a `policy` column.
        """
        from simbranch.analysis.sensitivity import morris_indices, sobol_indices

        hint = {"sobol": "sweep(..., method='sobol') for variance-based indices (S1, ST)",
                "morris": "sweep(..., method='morris') for elementary-effects screening (mu_star, sigma)"}
        if method is not None and method not in hint:
            raise ValueError(f"no sensitivity method {method!r}; use 'sobol' or 'morris'")
        if (method or self.method) != self.method or self.method not in hint:
            wanted = [hint[method]] if method else list(hint.values())
            raise ValueError(f"sensitivity indices need a design drawn for their estimator, and this sweep's design is "
                             f"{self.method!r}: run " + ", or ".join(wanted)
                             + (f"; .pivot() shows how a KPI varies over this {self.method} sweep"
                                if self.method in ("grid", "lhs") else ""))
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
            if method == "sobol":
                frame = sobol_indices(self.problem, y.to_numpy(), num_resamples=num_resamples,
                                      conf_level=conf_level, seed=self.seed)
            else:
                frame = morris_indices(self.problem, self.samples, y.to_numpy(), num_levels=MORRIS_LEVELS,
                                       num_resamples=num_resamples, conf_level=conf_level, seed=self.seed)
            if len(names) > 1:
                frame.insert(0, "policy", name)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def pivot(self, kpi: str, x: str, y: str, *, policy: str | None = None, bins: int | None = None) -> pd.DataFrame:
        """Mean `kpi` over parameters `x` (columns) and `y` (rows), over all points and replications.

        A numeric parameter with more distinct values than `bins` is cut into `bins` equal
        intervals (empty ones stay, as NaN). By default a grid is not binned and other designs,
        whose points rarely share values, use 10 bins; `bins=0` never bins.
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
        """A figure of this sweep (`simbranch.plots`), by `kind`:

        - "heatmap": mean `kpi` over parameters `x` and `y` (default the first two; `policy=`,
          `bins=` as in `pivot`) with `plots.heatmap`;
        - "sensitivity": the `sensitivity(kpi)` indices as bars with `plots.sensitivity_bars`.
        """
        from simbranch.plots import plot_sweep

        return plot_sweep(self, kind, kpi, **kwargs)

    def _repr_html_(self) -> str:
        runs = self.n_points * len(self.policies) * self.replications
        head = (f"<b>simbranch sweep</b> ({escape(self.method)}): {len(self.space)} parameters, "
                f"{self.n_points} points x {len(self.policies)} "
                f"polic{'ies' if len(self.policies) != 1 else 'y'} x {self.replications} "
                f"replication{'s' if self.replications != 1 else ''} = {runs} runs, seed {self.seed}"
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


def sweep(scenario: Scenario, space: Mapping[str, Any], method: str = "lhs", n: int = 64, replications: int = 1,
          policies: Sequence[Policy | str | Path] | None = None, seed: int = 0, executor: ExecutorLike = None,
          store: str | Path | None = None, progress: bool = True) -> Sweep:
    """Run `scenario` at every point of a design over `space`, each on the same replication seeds.

    `method`: "grid" (`n` levels per range, every category), "lhs" (`n` Latin-hypercube points),
    "sobol" (Saltelli design for first-order and total indices: `n` base points, a power of 2,
    give n(d + 2) points) or "morris" (`n` trajectories give n(d + 1) points). With `policies`
    every point runs under the baseline and each policy; the point's values are applied over the
    policy's levers. The space and every point are validated first: a range end or category a field
    does not allow, or a path that is no field, raises `ScenarioError` naming the path and value, and a
    point that fails (a combination, or under a policy) names the point too, all before any run.
    `executor`, `store` and resume work as in `compare`: a run already in the store is not run
    again, so a Sobol' sweep grown from n to 2n base points (same seed) or given more replications
    only runs what is new.
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"sweep() takes a Scenario (see load_scenario), got {type(scenario).__name__}")
    if method not in METHODS:
        raise ValueError(f"unknown sweep method {method!r}; use one of {', '.join(METHODS)}")
    for name, value in (("n", n), ("replications", replications)):
        if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}")
    n, replications, seed = int(n), int(replications), check_seed(seed)
    if not isinstance(space, Mapping) or not space:
        raise ValueError("space must map at least one dotted scenario path to (low, high) or a list of values")
    current = scenario.to_dict()
    params = [_parse(path, spec, current) for path, spec in space.items()]
    for param in params:
        _check_values(scenario, param)
    problem = {"num_vars": len(params), "names": [p.path for p in params], "bounds": [p.bounds for p in params]}

    samples = _sample(method, params, problem, n, seed)
    if samples is None:
        points = [dict(zip(problem["names"], combo, strict=True))
                  for combo in itertools.product(*(p.levels(n) for p in params))]
    else:
        points = [{p.path: p.value(x) for p, x in zip(params, row, strict=True)} for row in samples]
    design = pd.DataFrame([{"point": i, **point} for i, point in enumerate(points)],
                          columns=["point", *problem["names"]])

    resolved = resolve_policies(list(policies or []))
    bases = {p.name: scenario if p.name == "baseline" else scenario.with_policy(p) for p in resolved}
    fingerprint = model_fingerprint()
    texts: list[list[str]] = []
    for i, point in enumerate(points):  # validate every point under every policy before running anything
        source = f"sweep point {i} ({', '.join(f'{k}={v!r}' for k, v in point.items())})"
        row = []
        for policy in resolved:
            where = source if policy.name == "baseline" else f"{source} under policy {policy.name!r}"
            row.append(bases[policy.name].with_overrides(point, source=where).canonical_json())
        texts.append(row)
    specs = [RunSpec(policy.name, r, seed, texts[i][j], point=i, params=point, fingerprint=fingerprint)
             for r in range(replications) for i, point in enumerate(points) for j, policy in enumerate(resolved)]

    records = run_experiment(specs, executor, store, progress, experiment=f"sweep:{method}:{seed}")
    table, failures = _tables(records, problem["names"], [p.name for p in resolved])
    from importlib.metadata import version

    return Sweep(method=method, space=dict(space), design=design, table=table, failures=failures, policies=resolved,
                 replications=replications, seed=seed, problem=problem, samples=samples, scenario=scenario,
                 provenance={**provenance(seed), "SALib": version("SALib"), "method": method, "n": n},
                 _params=params)


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
        whole = isinstance(low, int) and isinstance(high, int) and not isinstance(_lookup(current, path), float)
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


def _lookup(data: Mapping[str, Any] | None, path: str) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


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

