"""Invariants of one run: what every `RunResult` must satisfy, whatever the scenario and seed.

`check_invariants(result)` returns the violations in words (an empty list when the run is sound);
`assert_invariants(result)` raises an AssertionError that lists them. With the environment variable
`SIMBRANCH_CHECK_INVARIANTS=1`, `simbranch.run.run` checks every run it makes (the test suite sets
it, so every run of the tests, in worker processes too, is checked).

What is checked:

* Requests are conserved. For the KPI cohort (requests that arrived after the warm-up):
  arrived = served + abandoned + open at the end, exactly; the cohort's arrivals and complaints are
  the measured days' daily counts; its served, abandoned and sales are at most the measured days'
  counts, which also hold warm-up requests finished after the warm-up, and the difference is at
  most what was open when the warm-up ended. Over all requests, day by day: cumulative arrived -
  served - abandoned (requests still open) is never negative; open requests are waiting
  (`queue_length`) or in service (at most one per AM ever employed: a leaver finishes the request
  in hand), and no more requests wait than are open. What AMs served (`managers.served`) is the
  daily served; what clients asked (`clients.requests`) is the daily arrivals; sales and revenue add
  up across the three frames, and nobody sells more often than they had a conversation (requests
  served plus proactive calls); proactive sales are part of the sales.
* Clients are conserved: clients[d] = clients[d-1] + new_clients[d] - churned[d] from the initial
  count; the clients frame has one row per client ever seen, joined and left on the days the daily
  frame says; active clients are the last day's count and `clients_end`; an active client's AM is
  in post, and while any AM is in post every active client has one.
* AMs are conserved: headcount[d] = headcount[d-1] + hires[d] - quits[d]; every position is filled
  or vacant (headcount + vacancies = managers.count); the managers frame has one row per AM ever
  employed (initial + hires), as many leavers as quits, hired and left on the days the daily frame
  says, left_day >= hired_day; absent <= headcount.
* Ranges: skills, skill floors, stress, exhaustion, motivation, satisfaction, utilisation, exhausted
  and burnout shares, new hires' quit share in [0, 1]; NPS in [-100, 100]; counts, hours, costs,
  revenue and rates non-negative; busy hours at
  most available hours; an AM's busy hours at most the hours since their hire; sales at most
  requests served; cost_total = its parts; profit = revenue - cost_total.
* Finiteness: no infinity anywhere. A NaN only where the value is undefined (the mean or ratio of
  nothing), and then always:

  - daily `wait_mean_h`: no request served that day;
  - daily `utilisation`: no AM hours available that day (no AM in post, or all away all day);
  - daily `satisfaction_mean`, `nps`: no active client;
  - daily `stress_mean`, `burnout_share`, `skill_mean`, `motivation_mean`: no AM in post;
  - daily `survey_nps`: allowed on any day (only survey days with answers have one);
  - kpis `wait_mean_h`, `wait_p90_h`: no cohort request (none arrived after the warm-up);
  - kpis `wait_served_mean_h`, `service_mean_h`: no cohort request served;
  - kpis `wait_all_mean_h`: no cohort request served or abandoned;
  - kpis `new_hire_quit_12m`: nobody hired during the run;
  - kpis `satisfaction_<tier>`, `client_churn_rate_<tier>`: no client of the tier on a measured day;
  - kpis `utilisation`: no AM hours available on the measured days;
  - kpis `satisfaction_mean`, `nps`, `stress_mean`, `exhaustion_mean`, `exhausted_share`,
    `burnout_share`, `skill_mean`, `survey_nps`: no measured day with a value (zero horizon, no
    client, no AM, no survey);
  - kpis `headcount_mean`: no measured day;
  - kpis `revenue_per_am`, `am_turnover_rate`: no measured day, or no AM on average;
  - kpis `client_churn_rate`: no measured day, or no client on average;
  - managers `client_satisfaction`: the AM has no active client at the end (or has left).

  A measured zero stays a number: utilisation 0 when AMs were available and idle (no request),
  revenue 0 with no sale. Every other number, in every frame, is finite.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from simbranch.run import RunResult

__all__ = ["assert_invariants", "check_invariants"]

_TOL = 1e-6  # absolute slack for sums of floats (money, hours)

#: Daily columns that may be NaN, and the condition (on the daily frame) under which they must be.
_DAILY_NAN: dict[str, Callable[[dict[str, np.ndarray]], np.ndarray] | None] = {
    "wait_mean_h": lambda d: d["served"] == 0,
    "utilisation": lambda d: d["available_h"] <= 0,
    "satisfaction_mean": lambda d: d["clients"] == 0,
    "nps": lambda d: d["clients"] == 0,
    "stress_mean": lambda d: d["headcount"] == 0,
    "exhaustion_mean": lambda d: d["headcount"] == 0,
    "exhausted_share": lambda d: d["headcount"] == 0,
    "burnout_share": lambda d: d["headcount"] == 0,
    "skill_mean": lambda d: d["headcount"] == 0,
    "motivation_mean": lambda d: d["headcount"] == 0,
    "survey_nps": None,  # only on survey days
}
_UNIT = ("utilisation", "satisfaction_mean", "stress_mean", "exhaustion_mean", "exhausted_share", "burnout_share",
         "skill_mean", "motivation_mean")
_NON_NEGATIVE_DAILY = (
    "arrived", "served", "abandoned", "complaints", "sales_count", "proactive_sales", "revenue", "wait_mean_h",
    "busy_h", "available_h", "overtime_h", "admin_h", "proactive_h", "proactive_contacts", "queue_length",
    "backlog_h", "clients", "new_clients", "churned", "headcount", "absent", "on_leave", "vacancies",
    "quits", "hires", "training_hours", "meeting_hours", "follow_ups", "promotions", "salary_cost", "time_away_cost",
    "training_cost", "bonus_cost", "wellbeing_cost", "other_cost", "cost",
)
_COST_PARTS = ("salary_cost", "training_cost", "bonus_cost", "wellbeing_cost", "other_cost")
_NON_NEGATIVE_KPIS = (
    "requests_arrived", "requests_served", "requests_abandoned", "requests_open_at_end", "wait_mean_h",
    "wait_p90_h", "wait_all_mean_h", "wait_served_mean_h", "service_mean_h", "overtime_hours", "proactive_hours",
    "admin_hours", "complaints", "sales_count", "proactive_sales", "revenue", "revenue_per_am",
    "client_churn_rate", "am_turnover_rate", "training_hours", "meeting_hours", "follow_ups", "promotions",
    "salary_cost", "time_away_cost", "training_cost", "bonus_cost", "wellbeing_cost", "other_cost", "cost_total",
    "clients_end",
    "headcount_mean",
)


def check_invariants(result: RunResult) -> list[str]:
    """Every invariant `result` breaks, in words; an empty list when the run is sound."""
    out: list[str] = []
    daily = _columns(result.daily)
    _check_daily(result, daily, out)
    _check_kpis(result, daily, out)
    totals = {c: float(x.sum()) for c, x in daily.items()}
    _check_managers(result, daily, totals, out)
    _check_clients(result, daily, totals, out)
    return out


def assert_invariants(result: RunResult) -> None:
    """Raise an AssertionError listing the broken invariants of `result`, if any."""
    problems = check_invariants(result)
    if problems:
        sc = result.scenario
        raise AssertionError(f"run of {sc.branch.name!r} (seed {result.seed}) breaks {len(problems)} invariant(s):\n"
                             + "\n".join(f"  - {p}" for p in problems))


# ---------------------------------------------------------------------------- helpers


def _columns(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The frame's columns as float arrays, converted once (pandas per-column access is slow)."""
    values = frame.to_numpy(dtype=float)
    return {c: values[:, i] for i, c in enumerate(frame.columns)} if len(frame) else {c: np.zeros(0) for c in frame}


def _days(mask: np.ndarray, limit: int = 5) -> str:
    """The first few days (row numbers = day numbers) where `mask` holds, for a message."""
    days = np.flatnonzero(mask)
    return ", ".join(str(d) for d in days[:limit].tolist()) + (", ..." if len(days) > limit else "")


def _close(a: float, b: float, scale: float = 1.0) -> bool:
    return abs(a - b) <= _TOL * max(1.0, abs(a), abs(b), scale)


# ---------------------------------------------------------------------------- daily


def _check_daily(res: RunResult, d: dict[str, np.ndarray], out: list[str]) -> None:
    sc = res.scenario
    br = sc.branch
    n_days = br.warmup_days + br.horizon_days
    if len(res.daily) != n_days:
        out.append(f"daily: {len(res.daily)} rows for {n_days} simulated days")
        return
    if n_days == 0:
        return
    if not (d["day"] == np.arange(n_days)).all():
        out.append("daily: days are not 0, 1, 2, ... in order")
    if not (d["warmup"] == (np.arange(n_days) < br.warmup_days)).all():
        out.append(f"daily: warm-up flags do not mark exactly the first {br.warmup_days} days")

    # finiteness: NaN only where undefined, and then always
    for col, x in d.items():
        inf = np.isinf(x)
        if inf.any():
            out.append(f"daily {col}: infinite on days {_days(inf)}")
        nan = np.isnan(x)
        if col in _DAILY_NAN:
            rule = _DAILY_NAN[col]
            if rule is None:
                continue
            undefined = rule(d)
            if (nan & ~undefined).any():
                out.append(f"daily {col}: NaN on days where it is defined: {_days(nan & ~undefined)}")
            if (~nan & undefined).any():
                out.append(f"daily {col}: a value on days where it is undefined: {_days(~nan & undefined)}")
        elif nan.any():
            out.append(f"daily {col}: NaN on days {_days(nan)}")

    # ranges (comparisons with NaN are False: undefined values pass)
    for col in _UNIT:
        bad = (d[col] < 0) | (d[col] > 1)
        if bad.any():
            out.append(f"daily {col}: outside [0, 1] on days {_days(bad)}")
    for col in ("nps", "survey_nps"):
        bad = (d[col] < -100) | (d[col] > 100)
        if bad.any():
            out.append(f"daily {col}: outside [-100, 100] on days {_days(bad)}")
    for col in _NON_NEGATIVE_DAILY:
        bad = d[col] < 0
        if bad.any():
            out.append(f"daily {col}: negative on days {_days(bad)}")
    bad = d["busy_h"] > d["available_h"] + _TOL
    if bad.any():
        out.append(f"daily: busy_h > available_h on days {_days(bad)}")
    # the day's hours are measured before the day's quits
    bad = d["available_h"] > (d["headcount"] + d["quits"]) * br.hours_per_day + _TOL
    if bad.any():
        out.append(f"daily: available_h above the hours of the AMs in post on days {_days(bad)}")
    bad = d["absent"] > d["headcount"]
    if bad.any():
        out.append(f"daily: more AMs absent than in post on days {_days(bad)}")
    parts = sum(d[c] for c in _COST_PARTS)
    bad = np.abs(parts - d["cost"]) > _TOL * np.maximum(1.0, np.abs(d["cost"]))
    if bad.any():
        out.append(f"daily: cost is not the sum of its parts on days {_days(bad)}")
    bad = d["complaints"] > d["arrived"]
    if bad.any():
        out.append(f"daily: more complaints than requests on days {_days(bad)}")
    bad = d["time_away_cost"] > d["salary_cost"] + _TOL
    if bad.any():
        out.append(f"daily: salary for time away above the salary cost on days {_days(bad)}")
    bad = d["proactive_sales"] > d["sales_count"]
    if bad.any():
        out.append(f"daily: more proactive sales than sales on days {_days(bad)}")
    bad = d["on_leave"] > d["absent"]
    if bad.any():
        out.append(f"daily: more AMs on leave than absent on days {_days(bad)}")
    bad = d["overtime_h"] > (d["headcount"] + d["quits"]) * sc.managers.workday.overtime_cap_h + _TOL
    if bad.any():
        out.append(f"daily: overtime above the cap on days {_days(bad)}")

    # requests, all of them (warm-up included): what is open is never negative, and is in service or waiting
    open_ = np.cumsum(d["arrived"] - d["served"] - d["abandoned"])
    if (open_ < 0).any():
        out.append(f"daily: more requests served or abandoned than arrived by days {_days(open_ < 0)}")
    bad = d["queue_length"] > open_
    if bad.any():
        out.append(f"daily: more requests waiting than open on days {_days(bad)}")
    # in service: at most one per AM ever employed (a leaver finishes the request they have)
    bad = open_ > d["queue_length"] + len(res.managers)
    if bad.any():
        out.append(f"daily: open requests neither waiting nor in service on days {_days(bad)}")

    # clients
    bad = sc.clients.count + np.cumsum(d["new_clients"] - d["churned"]) != d["clients"]
    if bad.any():
        out.append(f"daily: clients != previous + new_clients - churned on days {_days(bad)}")
    if d["new_clients"][0] != 0:
        out.append("daily: new clients on day 0 (inflow starts on day 1)")

    # AMs
    count = sc.managers.count
    bad = count + np.cumsum(d["hires"] - d["quits"]) != d["headcount"]
    if bad.any():
        out.append(f"daily: headcount != previous + hires - quits on days {_days(bad)}")
    bad = d["headcount"] + d["vacancies"] != count
    if bad.any():
        out.append(f"daily: headcount + vacancies != managers.count ({count}) on days {_days(bad)}")


# ---------------------------------------------------------------------------- kpis


def _check_kpis(res: RunResult, d: dict[str, np.ndarray], out: list[str]) -> None:
    from simbranch.run import kpi_names

    sc = res.scenario
    names = kpi_names(sc)
    if list(res.kpis.index) != names:
        out.append("kpis: not kpi_names(scenario) in order")
        return
    k = dict(zip(names, res.kpis.to_numpy(dtype=float).tolist(), strict=True))
    n_days = len(res.daily)
    measured = d["warmup"] == 0
    w = {c: x[measured] for c, x in d.items()}  # the measured days
    n_window = int(measured.sum())

    def defined(col: str) -> bool:
        return bool(n_window and not np.isnan(w[col]).all())

    served, abandoned = k["requests_served"], k["requests_abandoned"]
    headcount_mean = float(w["headcount"].mean()) if n_window else math.nan
    clients_mean = float(w["clients"].mean()) if n_window else math.nan
    hired = bool(int(d["hires"].sum())) if n_days else False
    undefined = {
        "wait_mean_h": k["requests_arrived"] == 0,
        "wait_p90_h": k["requests_arrived"] == 0,
        "wait_served_mean_h": served == 0,
        "service_mean_h": served == 0,
        "new_hire_quit_12m": not hired,
        "wait_all_mean_h": served + abandoned == 0,
        "utilisation": not (n_window and float(w["available_h"].sum()) > 0),
        "satisfaction_mean": not defined("satisfaction_mean"),
        "nps": not defined("nps"),
        "stress_mean": not defined("stress_mean"),
        "exhaustion_mean": not defined("exhaustion_mean"),
        "exhausted_share": not defined("exhausted_share"),
        "burnout_share": not defined("burnout_share"),
        "skill_mean": not defined("skill_mean"),
        "headcount_mean": n_window == 0,
        "revenue_per_am": not (n_window and headcount_mean > 0),
        "am_turnover_rate": not (n_window and headcount_mean > 0),
        "client_churn_rate": not (n_window and clients_mean > 0),
        "survey_nps": not defined("survey_nps"),
    }
    for tier, seen in _tiers_seen(res).items():
        undefined[f"satisfaction_{tier}"] = undefined[f"client_churn_rate_{tier}"] = not seen
    for name, v in k.items():
        if math.isinf(v):
            out.append(f"kpis {name}: infinite")
        elif math.isnan(v) and not undefined.get(name, False):
            out.append(f"kpis {name}: NaN where it is defined")
        elif not math.isnan(v) and undefined.get(name, False):
            out.append(f"kpis {name}: {v} where it is undefined (NaN expected)")

    # the cohort of requests: those that arrived after the warm-up
    arrived, open_end = k["requests_arrived"], k["requests_open_at_end"]
    if arrived != served + abandoned + open_end:
        out.append(f"kpis: requests arrived {arrived:g} != served {served:g} + abandoned {abandoned:g} "
                   f"+ open at the end {open_end:g}")
    if n_window:
        ws = {c: float(x.sum()) for c, x in w.items()}
        if arrived != ws["arrived"]:
            out.append(f"kpis: requests_arrived {arrived:g} != measured days' arrivals {ws['arrived']:g}")
        if k["complaints"] != ws["complaints"]:
            out.append(f"kpis: complaints {k['complaints']:g} != measured days' complaints {ws['complaints']:g}")
        warm = ~measured
        carried = float((d["arrived"][warm] - d["served"][warm] - d["abandoned"][warm]).sum())
        extra = ws["served"] + ws["abandoned"] - served - abandoned
        if not 0 <= extra <= carried:
            out.append(f"kpis: measured days finished {extra:g} requests beyond the cohort's, "
                       f"with {carried:g} open at the end of the warm-up")
        if served > ws["served"] or abandoned > ws["abandoned"]:
            out.append("kpis: the cohort served or abandoned more than the measured days did")
        if k["sales_count"] > ws["sales_count"] or k["revenue"] > ws["revenue"] + _TOL * max(1.0, ws["revenue"]):
            out.append("kpis: the cohort's sales exceed the measured days' sales")
        if not _close(k["cost_total"], ws["cost"]):
            out.append(f"kpis: cost_total {k['cost_total']:g} != measured days' cost {ws['cost']:g}")
    elif arrived or served or abandoned or k["sales_count"] or k["cost_total"]:
        out.append("kpis: requests, sales or costs counted with no measured day")
    if n_window and k["sales_count"] > served + float(w["proactive_contacts"].sum()) + float(
            d["proactive_contacts"][~measured].sum()):
        out.append(f"kpis: {k['sales_count']:g} sales from {served:g} served requests and the proactive calls")
    if k["proactive_sales"] > (float(w["sales_count"].sum()) if n_window else 0.0):
        out.append("kpis: more proactive sales than sales")
    if k["complaints"] > arrived:
        out.append("kpis: more complaints than requests")

    # ranges (comparisons with NaN are False: undefined values pass)
    for name in _NON_NEGATIVE_KPIS:
        if k[name] < 0:
            out.append(f"kpis {name}: negative ({k[name]:g})")
    for name in ("utilisation", "satisfaction_mean", "stress_mean", "exhaustion_mean", "exhausted_share",
                 "burnout_share", "skill_mean", "new_hire_quit_12m", *(f"satisfaction_{t}" for t in sc.clients.tiers)):
        if k[name] < 0 or k[name] > 1:
            out.append(f"kpis {name}: {k[name]:g} outside [0, 1]")
    for name in ("nps", "survey_nps"):
        if k[name] < -100 or k[name] > 100:
            out.append(f"kpis {name}: {k[name]:g} outside [-100, 100]")
    if k["headcount_mean"] > sc.managers.count:
        out.append(f"kpis headcount_mean {k['headcount_mean']:g} above managers.count")
    for name in (f"client_churn_rate_{t}" for t in sc.clients.tiers):
        if k[name] < 0:
            out.append(f"kpis {name}: negative ({k[name]:g})")
    parts = sum(k[p] for p in _COST_PARTS)
    if not _close(parts, k["cost_total"]):
        out.append(f"kpis: cost_total {k['cost_total']:g} != the sum of its parts {parts:g}")
    if not _close(k["profit"], k["revenue"] - k["cost_total"], abs(k["revenue"]) + abs(k["cost_total"])):
        out.append("kpis: profit != revenue - cost_total")
    end = int(d["clients"][-1]) if n_days else sc.clients.count
    if k["clients_end"] != end:
        out.append(f"kpis clients_end {k['clients_end']:g} != the last day's clients {end}")


def _tiers_seen(res: RunResult) -> dict[str, bool]:
    """For each tier, whether any of its clients was active at the close of a measured day."""
    br = res.scenario.branch
    n_days = br.warmup_days + br.horizon_days
    c = res.clients
    out = {tier: False for tier in res.scenario.clients.tiers}
    if not len(c) or br.horizon_days == 0:
        return out
    joined = c["joined_day"].to_numpy(dtype=float)
    left = c["left_day"].to_numpy(dtype=float, na_value=n_days)
    seen = np.maximum(joined, br.warmup_days) < np.minimum(left, n_days)
    for tier in out:
        out[tier] = bool(seen[(c["tier"] == tier).to_numpy()].any())
    return out


# ---------------------------------------------------------------------------- managers

_MANAGER_UNIT = ("skill_sales", "skill_relationship", "skill_product", "skill_mean", "stress", "exhaustion",
                 "motivation", "skill_floor")
_MANAGER_COUNTS = ("tenure_days", "burnout_days", "exhausted_days", "served", "proactive_calls", "sales_count",
                   "revenue", "sick_days", "clients_end", "busy_h", "overtime_h", "proactive_h", "hired_day")


def _numeric(frame: pd.DataFrame, cols: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Columns as float arrays, missing values as NaN, converted in one go."""
    out = {}
    for c in cols:
        col = frame[c]
        if isinstance(col.dtype, np.dtype):  # plain NumPy column: no missing values to map
            out[c] = col.to_numpy().astype(float, copy=False)
        else:
            out[c] = col.to_numpy(dtype=float, na_value=np.nan)
    return out




def _check_managers(res: RunResult, d: dict[str, np.ndarray], tot: dict[str, float], out: list[str]) -> None:
    m, sc = res.managers, res.scenario
    br = sc.branch
    n_days = br.warmup_days + br.horizon_days
    n_hires = int(tot["hires"])
    expected = sc.managers.count + n_hires
    if len(m) != expected:
        out.append(f"managers: {len(m)} rows for {sc.managers.count} initial AMs + hires = {expected}")
    if not len(m):
        return
    x = _numeric(m, ("am_id", "left_day", "client_satisfaction", *_MANAGER_UNIT, *_MANAGER_COUNTS))
    ids = x["am_id"]
    if len(np.unique(ids)) != len(ids):
        out.append("managers: am_id not unique")
    for col in _MANAGER_UNIT:
        if not np.isfinite(x[col]).all():
            out.append(f"managers {col}: not finite")
        elif ((x[col] < 0) | (x[col] > 1)).any():
            out.append(f"managers {col}: outside [0, 1] for AMs {ids[(x[col] < 0) | (x[col] > 1)][:5].tolist()}")
    for col in _MANAGER_COUNTS:
        if not np.isfinite(x[col]).all():
            out.append(f"managers {col}: not finite")
        elif (x[col] < 0).any():
            out.append(f"managers {col}: negative for AMs {ids[x[col] < 0][:5].tolist()}")
    if not set(m["level"].unique()) <= set(sc.managers.levels):
        out.append(f"managers: unknown levels {sorted(set(m['level']) - set(sc.managers.levels))}")
    if (x["sales_count"] > x["served"] + x["proactive_calls"]).any():
        out.append("managers: an AM with more sales than requests served and proactive calls")
    gone = ~np.isnan(x["left_day"])
    if (m["leave_reason"].notna().to_numpy() != gone).any():
        out.append("managers: leave_reason and left_day disagree (one given without the other)")
    lv = x["left_day"][gone].astype(int)
    hired = x["hired_day"].astype(int)
    if (lv < hired[gone]).any():
        out.append(f"managers: left_day < hired_day for AMs {ids[gone][lv < hired[gone]][:5].tolist()}")
    if ((hired < 0) | (hired >= max(n_days, 1))).any() or ((lv < 0) | (lv >= max(n_days, 1))).any():
        out.append("managers: hired_day or left_day outside the run")
    elif n_days:
        if len(lv) != int(tot["quits"]):
            out.append(f"managers: {len(lv)} leavers but {int(tot['quits'])} quits in the daily frame")
        elif (np.bincount(lv, minlength=n_days) != d["quits"]).any():
            out.append("managers: leavers' left_day do not match the daily quits")
        new = hired[len(hired) - n_hires:] if n_hires else np.zeros(0, int)
        if (np.bincount(new, minlength=n_days) != d["hires"]).any():
            out.append("managers: new hires' hired_day do not match the daily hires")
        in_post = int(d["headcount"][-1])
        if int((~gone).sum()) != in_post:
            out.append(f"managers: {int((~gone).sum())} AMs without a left_day but headcount {in_post} at the end")
        # what AMs did adds up to what the daily frame counted
        if x["served"].sum() != tot["served"]:
            out.append(f"managers: served {x['served'].sum():g} != daily served {tot['served']:g}")
        if x["proactive_calls"].sum() != tot["proactive_contacts"]:
            out.append("managers: proactive calls do not add up to the daily proactive contacts")
        if x["sales_count"].sum() != tot["sales_count"]:
            out.append("managers: sales_count does not add up to the daily sales")
        if not _close(float(x["revenue"].sum()), tot["revenue"]):
            out.append("managers: revenue does not add up to the daily revenue")
    if (x["busy_h"] > (n_days - hired) * br.hours_per_day + _TOL).any():
        out.append("managers: an AM busy for longer than since their hire")
    if (x["sick_days"] > np.maximum(n_days - hired, 0)).any():
        out.append("managers: an AM sick on more days than employed")
    if (x["clients_end"][gone] != 0).any():
        out.append("managers: a leaver with clients at the end")
    cs = x["client_satisfaction"]
    has_book = ~gone & (x["clients_end"] > 0)
    if (np.isnan(cs) == has_book).any():
        out.append("managers client_satisfaction: NaN for an AM with clients, or a value for one without")
    if ((cs < 0) | (cs > 1)).any():
        out.append("managers client_satisfaction: outside [0, 1]")


# ---------------------------------------------------------------------------- clients


def _check_clients(res: RunResult, d: dict[str, np.ndarray], tot: dict[str, float], out: list[str]) -> None:
    c, m, sc = res.clients, res.managers, res.scenario
    br = sc.branch
    n_days = br.warmup_days + br.horizon_days
    if len(c) != sc.clients.count + int(tot["new_clients"]):
        out.append(f"clients: {len(c)} rows for {sc.clients.count} initial clients + {int(tot['new_clients'])} new")
    if not len(c):
        return
    x = _numeric(c, ("client_id", "value", "satisfaction", "am_id", "joined_day", "left_day", "requests",
                     "proactive_calls", "sales_count", "revenue"))
    if not (x["client_id"] == np.arange(len(c))).all():
        out.append("clients: client_id is not 0, 1, 2, ...")
    s = x["satisfaction"]
    if not np.isfinite(s).all() or ((s < 0) | (s > 1)).any():
        out.append("clients satisfaction: not finite or outside [0, 1]")
    for col in ("value", "requests", "sales_count", "revenue"):
        if not np.isfinite(x[col]).all() or (x[col] < 0).any():
            out.append(f"clients {col}: not finite or negative")
    if (x["sales_count"] > x["requests"] + x["proactive_calls"]).any():
        out.append("clients: a client with more sales than requests and proactive calls")
    active = c["active"].to_numpy(dtype=bool)
    if (np.isnan(x["left_day"]) != active).any():
        out.append("clients: left_day and active disagree")
    joined = x["joined_day"].astype(int)
    lv = x["left_day"][~active].astype(int)
    if (lv < joined[~active]).any():
        out.append("clients: left_day < joined_day")
    if ((joined < 0) | (joined >= max(n_days, 1))).any() or ((lv < 0) | (lv >= max(n_days, 1))).any():
        out.append("clients: joined_day or left_day outside the run")
    elif n_days:
        if int(active.sum()) != int(d["clients"][-1]):
            out.append(f"clients: {int(active.sum())} active but {int(d['clients'][-1])} on the last day")
        if (np.bincount(lv, minlength=n_days) != d["churned"]).any():
            out.append("clients: left_day do not match the daily churned")
        if (np.bincount(joined[sc.clients.count:], minlength=n_days) != d["new_clients"]).any():
            out.append("clients: joined_day of new clients do not match the daily new_clients")
        if x["requests"].sum() != tot["arrived"]:
            out.append(f"clients: {x['requests'].sum():g} requests but {tot['arrived']:g} arrivals")
        if x["proactive_calls"].sum() != tot["proactive_contacts"]:
            out.append("clients: proactive calls do not add up to the daily proactive contacts")
        if x["sales_count"].sum() != tot["sales_count"]:
            out.append("clients: sales_count does not add up to the daily sales")
        if not _close(float(x["revenue"].sum()), tot["revenue"]):
            out.append("clients: revenue does not add up to the daily revenue")
    # an active client's AM is in post; the AMs' books add up
    am = x["am_id"][active]
    owned = am[~np.isnan(am)]
    in_post = _numeric(m, ("am_id", "left_day")) if len(m) else {"am_id": np.zeros(0), "left_day": np.zeros(0)}
    in_post_ids = in_post["am_id"][np.isnan(in_post["left_day"])]
    if not np.isin(owned, in_post_ids).all():
        out.append("clients: an active client's AM has left")
    if len(m) and m["clients_end"].sum() != len(owned):
        out.append(f"clients: AMs' books hold {int(m['clients_end'].sum())} clients, {len(owned)} active have an AM")
    if len(in_post_ids) and len(owned) < len(am):
        out.append(f"clients: {len(am) - len(owned)} active clients without an AM while AMs are in post")
