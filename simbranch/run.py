"""One run: a scenario and a seed in, a `RunResult` of tidy frames out."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simbranch.mechanisms import install_levers
from simbranch.mechanisms.allocation import allocation_rule
from simbranch.model.branch import Branch
from simbranch.model.records import DAILY_COLUMNS
from simbranch.scenario import Scenario
from simbranch.streams import Streams, uniform

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["KPI_NAMES", "TIER_KPI_PREFIXES", "RunResult", "build_branch", "kpi_names", "run"]

#: The KPIs every run reports, in order (defined in docs/model.md); units are in the names where there is one.
KPI_NAMES: tuple[str, ...] = (
    "requests_arrived", "requests_served", "requests_abandoned", "requests_open_at_end",
    "wait_mean_h", "wait_p90_h", "wait_all_mean_h", "wait_served_mean_h", "service_mean_h", "utilisation",
    "overtime_hours", "proactive_hours", "admin_hours",
    "satisfaction_mean", "nps", "complaints", "sales_count", "proactive_sales", "revenue", "revenue_per_am",
    "client_churn_rate", "am_turnover_rate", "new_hire_quit_12m", "stress_mean", "exhaustion_mean",
    "exhausted_share", "burnout_share", "skill_mean",
    "training_hours", "meeting_hours", "follow_ups", "promotions", "survey_nps", "salary_cost", "time_away_cost",
    "training_cost", "bonus_cost", "wellbeing_cost", "other_cost", "cost_total", "profit", "clients_end",
    "headcount_mean",
)

#: KPIs reported per client tier, named `<prefix><tier>` after the scenario's tiers (`kpi_names`).
TIER_KPI_PREFIXES: tuple[str, ...] = ("satisfaction_", "client_churn_rate_")


def kpi_names(scenario: Scenario | None = None) -> list[str]:
    """Return every KPI a run of `scenario` reports, in order.

    The names are `KPI_NAMES`, then the per-tier KPIs (`TIER_KPI_PREFIXES`) of the scenario's
    client tiers: a scenario with other tiers reports other KPIs, so observed data and tables
    check names against this list rather than a fixed one.

    Parameters
    ----------
    scenario : Scenario, optional
        The scenario whose tiers name the per-tier KPIs; the default scenario if None.

    Returns
    -------
    list of str
        The KPI names, in the order of `RunResult.kpis`.

    Raises
    ------
    AttributeError
        If `scenario` is not a `Scenario` (it has no ``clients.tiers``).

    Examples
    --------
    >>> import simbranch as sb
    >>> names = sb.kpi_names()
    >>> names[:3]
    ['requests_arrived', 'requests_served', 'requests_abandoned']
    >>> [name for name in names if name.startswith("satisfaction_")]
    ['satisfaction_mean', 'satisfaction_mass', 'satisfaction_affluent', 'satisfaction_vip']
    """
    tiers = list((scenario or Scenario()).clients.tiers)
    return [*KPI_NAMES, *(f"{prefix}{tier}" for prefix in TIER_KPI_PREFIXES for tier in tiers)]


@dataclass(frozen=True)
class RunResult:
    """The outcome of one run, as plain pandas frames.

    `run` builds it. `kpis` covers the measured days only (after the warm-up); `daily` has every
    day, warm-up included and flagged, so a reader can see the model settle.

    Parameters
    ----------
    kpis : pandas.Series
        One value per KPI (`kpi_names` of the scenario), over the measured days.
    daily : pandas.DataFrame
        One row per simulated day: ``day``, ``warmup`` and the day's counts and means
        (requests, waits, sales, satisfaction, stress, headcount, costs, ...).
    managers : pandas.DataFrame
        One row per AM who held a position during the run, leavers included: level, specialty,
        hire and leave days, skills, stress, exhaustion, workload and sales.
    clients : pandas.DataFrame
        One row per client who was ever in the book: tier, domain, value, satisfaction, owner
        (``am_id``), join and leave days, requests and sales.
    scenario : Scenario
        The scenario that was run.
    seed : int or None
        The seed, or None when the run was given a `numpy.random.SeedSequence`.
    wall_time_s : float
        How long the run took, in seconds.

    Raises
    ------
    TypeError
        If a field is missing (the fields are not checked otherwise: `run` fills them).

    Examples
    --------
    >>> import simbranch as sb
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> result = sb.run(sb.load_scenario(sb.BASELINE).with_overrides(tiny), seed=1)
    >>> list(result.kpis.index) == sb.kpi_names(result.scenario)
    True
    >>> len(result.daily), len(result.clients) >= 100, result.seed
    (5, True, 1)
    """

    kpis: pd.Series
    daily: pd.DataFrame
    managers: pd.DataFrame
    clients: pd.DataFrame
    scenario: Scenario = field(repr=False)
    seed: int | None
    wall_time_s: float

    def plot(self, kind: str = "daily", **kwargs: Any) -> Figure:
        """Draw a figure of this run (`simbranch.plots.plot_run`).

        Parameters
        ----------
        kind : {"daily", "distributions", "scatter"}, default "daily"
            "daily": the daily series over time, warm-up shaded; "distributions": satisfaction
            and sales across clients and AMs; "scatter": each AM's stress, sales, skill and
            client satisfaction.
        **kwargs
            Passed to the figure: ``lang`` ("en" or "zh"), ``currency``, and for "daily"
            ``columns`` (columns of `daily`) and ``smooth_days``.

        Returns
        -------
        matplotlib.figure.Figure
            The figure, one panel per series.

        Raises
        ------
        ValueError
            If `kind` is not one of the kinds, ``lang`` is not a language of the figures, or a
            column is not one of the run's daily series.
        TypeError
            If a keyword is not one the figure takes.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> result = sb.run(sb.load_scenario(sb.BASELINE).with_overrides(tiny), seed=1)
        >>> figure = result.plot("daily", columns=["wait_mean_h"])
        >>> len(figure.axes)
        1
        """
        from simbranch.plots import plot_run

        return plot_run(self, kind, **kwargs)

    def _repr_html_(self) -> str:
        from simbranch.meanings import readable

        table = readable(self.kpis.to_dict(), currency=self.scenario.branch.currency).to_html(index=False,
                                                                                              escape=True)
        return f"<b>simbranch run</b> (seed {self.seed}, {self.wall_time_s:.2f} s)" + table


def run(scenario: Scenario, seed: int | np.random.SeedSequence = 0) -> RunResult:
    """Simulate `scenario` once with `seed`; the same scenario and seed give the same numbers.

    With the environment variable ``SIMBRANCH_CHECK_INVARIANTS`` set (to anything but "" or "0"),
    the result is checked against `simbranch.invariants` (conservation, ranges, NaN only where a
    value is undefined) and an AssertionError lists what it breaks. The test suite sets it, so that
    every run of the tests is checked, in worker processes too (they inherit the environment).

    Parameters
    ----------
    scenario : Scenario
        The branch and its levers (`load_scenario`, `Scenario.with_overrides`,
        `Scenario.with_policy`).
    seed : int or numpy.random.SeedSequence, default 0
        The seed of every random stream of the run; `compare` passes a `SeedSequence` per
        replication so that policies share their random numbers.

    Returns
    -------
    RunResult
        The KPIs over the measured days, the daily series and the AM and client tables.

    Raises
    ------
    TypeError
        If `scenario` is not a `Scenario` (e.g. a dict or a file name: `load_scenario` reads one).
    ValueError
        If `seed` is negative or not a whole number.
    AssertionError
        With ``SIMBRANCH_CHECK_INVARIANTS`` set, if the result breaks an invariant of the model.

    Examples
    --------
    >>> import simbranch as sb
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
    >>> result = sb.run(scenario, seed=1)
    >>> bool(result.kpis["requests_served"] <= result.kpis["requests_arrived"])
    True
    >>> result.kpis.equals(sb.run(scenario, seed=1).kpis)
    True
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"run() takes a Scenario (see load_scenario), got {type(scenario).__name__}")
    started = time.perf_counter()
    branch = build_branch(scenario, seed)
    branch.run()
    daily = pd.DataFrame(branch.tally.rows, columns=list(DAILY_COLUMNS))
    daily = daily.astype({c: bool if c == "warmup" else daily[c].dtype if len(daily) else float
                          for c in DAILY_COLUMNS})
    result_seed = int(seed) if isinstance(seed, int | np.integer) else None
    result = RunResult(
        kpis=_kpis(branch, daily),
        daily=daily,
        managers=_managers_frame(branch),
        clients=_clients_frame(branch),
        scenario=scenario,
        seed=result_seed,
        wall_time_s=time.perf_counter() - started,
    )
    if os.environ.get("SIMBRANCH_CHECK_INVARIANTS", "") not in ("", "0"):
        from simbranch.invariants import assert_invariants

        assert_invariants(result)
    return result


def build_branch(scenario: Scenario, seed: int | np.random.SeedSequence = 0) -> Branch:
    """The branch of one run, populated, with its allocation rule and switched-on levers, not yet run."""
    streams = Streams(seed)
    rule = allocation_rule(scenario.allocation.rule)(scenario.allocation, streams.draws("allocation", uniform))
    branch = Branch(scenario, streams, rule)
    install_levers(branch)
    return branch


def _kpis(branch: Branch, daily: pd.DataFrame) -> pd.Series:
    t = branch.tally
    window = daily[~daily["warmup"]]
    years = len(window) / branch.days_per_year
    nan = float("nan")

    def rate(events: float, mean_stock: float) -> float:
        return events / mean_stock / years if years > 0 and mean_stock > 0 else nan

    def mean(col: str) -> float:
        return float(window[col].mean()) if len(window) else nan

    headcount = mean("headcount")
    clients = mean("clients")
    cost = float(window["cost"].sum())
    busy, available = float(window["busy_h"].sum()), float(window["available_h"].sum())
    waits = np.frombuffer(t.waits, dtype=float) if len(t.waits) else np.zeros(0)
    values = {
        "requests_arrived": t.arrived,
        "requests_served": t.served,
        "requests_abandoned": t.abandoned,
        "requests_open_at_end": t.open_at_end,
        "wait_mean_h": float(waits.mean()) if len(waits) else nan,
        "wait_p90_h": float(np.quantile(waits, 0.9)) if len(waits) else nan,
        "wait_all_mean_h": t.wait_all_sum / (t.served + t.abandoned) if t.served + t.abandoned else nan,
        "wait_served_mean_h": t.served_wait_sum / t.served if t.served else nan,
        "service_mean_h": t.service_sum / t.served if t.served else nan,
        "utilisation": busy / available if available > 0 else nan,
        "overtime_hours": float(window["overtime_h"].sum()),
        "proactive_hours": float(window["proactive_h"].sum()),
        "admin_hours": float(window["admin_h"].sum()),
        "satisfaction_mean": mean("satisfaction_mean"),
        "nps": mean("nps"),
        "complaints": t.complaints,
        "sales_count": t.sales,
        "proactive_sales": float(window["proactive_sales"].sum()),
        "revenue": t.revenue,
        "revenue_per_am": t.revenue / headcount / years if years > 0 and headcount > 0 else nan,
        "client_churn_rate": rate(float(window["churned"].sum()), clients),
        "am_turnover_rate": rate(float(window["quits"].sum()), headcount),
        "new_hire_quit_12m": new_hire_quit_share(branch),
        "stress_mean": mean("stress_mean"),
        "exhaustion_mean": mean("exhaustion_mean"),
        "exhausted_share": mean("exhausted_share"),
        "burnout_share": mean("burnout_share"),
        "skill_mean": mean("skill_mean"),
        "training_hours": float(window["training_hours"].sum()),
        "meeting_hours": float(window["meeting_hours"].sum()),
        "follow_ups": float(window["follow_ups"].sum()),
        "promotions": float(window["promotions"].sum()),
        "survey_nps": float(window["survey_nps"].mean()) if window["survey_nps"].notna().any() else nan,
        "salary_cost": float(window["salary_cost"].sum()),
        "time_away_cost": float(window["time_away_cost"].sum()),
        "training_cost": float(window["training_cost"].sum()),
        "bonus_cost": float(window["bonus_cost"].sum()),
        "wellbeing_cost": float(window["wellbeing_cost"].sum()),
        "other_cost": float(window["other_cost"].sum()),
        "cost_total": cost,
        "profit": t.revenue - cost,
        "clients_end": int(daily["clients"].iloc[-1]) if len(daily) else branch.clients.n,
        "headcount_mean": headcount,
    }
    for i, tier in enumerate(branch.tier_names):
        values[f"satisfaction_{tier}"] = t.tier_satisfaction[i] / t.tier_days[i] if t.tier_days[i] else nan
        client_years = t.tier_client_days[i] / branch.days_per_year
        values[f"client_churn_rate_{tier}"] = t.tier_churned[i] / client_years if client_years > 0 else nan
    names = kpi_names(branch.scenario)
    return pd.Series({k: values[k] for k in names}, name="value", dtype=float)


def new_hire_quit_share(branch: Branch) -> float:
    """Kaplan-Meier estimate of the share of AMs hired during the run who leave within a year
    (`days_per_year` working days) of their hire; NaN when nobody was hired. Follow-up ends at the
    end of the run (censored); beyond the longest follow-up the estimate stays at its last value."""
    hires = [m for m in branch.all_managers if m.occupant > 0]
    if not hires:
        return float("nan")
    end = branch.total_days
    times = np.array([(m.left_day if m.left_day >= 0 else end) - m.hired_day for m in hires], dtype=float)
    left = np.array([m.left_day >= 0 for m in hires])
    from scipy.stats import CensoredData, ecdf

    if not left.any():
        return 0.0
    sample = CensoredData(uncensored=times[left], right=times[~left])
    sf = ecdf(sample).sf
    return float(1.0 - sf.evaluate(min(float(branch.days_per_year), float(times.max()))))


def _managers_frame(branch: Branch) -> pd.DataFrame:
    levels = list(branch.mg.levels)
    book = branch.clients
    active = book.active[:book.n]
    owners, sat = book.am[:book.n][active], book.satisfaction[:book.n][active]
    counts = np.bincount(owners[owners >= 0], minlength=len(branch.positions))
    sums = np.bincount(owners[owners >= 0], weights=sat[owners >= 0], minlength=len(branch.positions))
    rows = []
    for m in branch.all_managers:
        rows.append({
            "am_id": m.id, "position": m.position, "level": levels[m.level],
            "specialty": branch.domain_names[m.specialty], "hired_day": m.hired_day,
            "left_day": m.left_day if m.left_day >= 0 else pd.NA, "leave_reason": m.quit_reason or pd.NA,
            "tenure_days": m.tenure_days, "skill_sales": m.sales, "skill_relationship": m.relationship,
            "skill_product": m.product, "skill_floor": m.floor, "skill_mean": m.skill_mean(), "stress": m.stress,
            "motivation": m.motivation, "exhaustion": m.exhaustion, "susceptibility": m.susceptibility,
            "burnout": m.burnout, "burnout_days": m.burnout_total_days, "exhausted_days": m.exhausted_days,
            "overtime_h": m.overtime_total, "proactive_h": m.proactive_total,
            "served": m.served, "proactive_calls": m.proactive_calls, "sales_count": m.sales_count,
            "revenue": m.revenue,
            "sick_days": m.sick_days, "clients_end": branch.sizes[m.position]
            if branch.positions[m.position] is m else 0,
            "client_satisfaction": sums[m.position] / counts[m.position]
            if branch.positions[m.position] is m and counts[m.position] else np.nan,
            "busy_h": m.busy_total,
        })
    frame = pd.DataFrame(rows)
    if len(frame):
        frame["left_day"] = frame["left_day"].astype("Int64")
    return frame


def _clients_frame(branch: Branch) -> pd.DataFrame:
    b = branch.clients
    n = b.n
    am = b.am[:n]
    pos_ids = [m.id if m is not None else -1 for m in branch.positions]
    am_id = np.array([pos_ids[p] if p >= 0 else -1 for p in am.tolist()], dtype=np.int64)
    frame = pd.DataFrame({
        "client_id": np.arange(n),
        "tier": pd.Categorical.from_codes(b.tier[:n], branch.tier_names),
        "domain": pd.Categorical.from_codes(b.domain[:n], branch.domain_names),
        "value": b.value[:n],
        "complexity": b.complexity[:n],
        "satisfaction": b.satisfaction[:n],
        "relationship": b.relationship[:n],
        "active": b.active[:n],
        "am_id": pd.array(np.where(am_id >= 0, am_id, 0), dtype="Int64"),
        "joined_day": b.joined_day[:n],
        "left_day": pd.array(b.left_day[:n], dtype="Int64"),
        "requests": b.requests[:n],
        "proactive_calls": b.proactive_n[:n],
        "sales_count": b.sales[:n],
        "revenue": b.revenue[:n],
    })
    frame.loc[am_id < 0, "am_id"] = pd.NA
    frame.loc[frame["left_day"] < 0, "left_day"] = pd.NA
    return frame

