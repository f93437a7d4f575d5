"""Invariants of a run (simbranch.invariants), degenerate but valid branches, and engine bugs they found.

Every run the test suite makes is checked by `simbranch.invariants` (tests/conftest.py sets
SIMBRANCH_CHECK_INVARIANTS), so the tests here are about the checker itself (it passes sound runs
and catches broken ones), the branches at the edge of what a scenario allows, and regressions.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from helpers import fast_quits

import simbranch as sb
import simbranch.invariants as inv
from simbranch.run import build_branch

SMALL = {"branch.horizon_days": 60, "branch.warmup_days": 10, "clients.count": 600, "managers.count": 4}


@pytest.fixture(scope="module")
def busy() -> sb.RunResult:
    """A short run where everything happens: abandonment, sick days, quits and hires, CRM follow-ups."""
    sc = sb.Scenario().with_overrides({
        **SMALL, "managers.count": 3, "requests.patience.enabled": True, "requests.patience.mean_h": 2.0,
        **fast_quits(3.0, 5),
        "managers.absence.sick_days_per_year": 20, "allocation.rule": "crm", "allocation.follow_up_days": 20,
    })
    res = sb.run(sc, seed=5)
    d = res.daily
    assert res.kpis["requests_abandoned"] > 0 and d["quits"].sum() > 0 and d["hires"].sum() > 0
    assert d["follow_ups"].sum() > 0 and d["absent"].sum() > 0
    return res


def test_sound_runs_pass(busy: sb.RunResult) -> None:
    assert inv.check_invariants(busy) == []
    inv.assert_invariants(busy)


@pytest.mark.parametrize("policy", ["all_measures", "sales_commission", "tiered_allocation"])
def test_sound_runs_pass_under_policies(policy: str) -> None:
    sc = sb.Scenario().with_overrides(SMALL).with_policy(sb.load_policy(f"simbranch/scenarios/policies/{policy}.toml"))
    assert inv.check_invariants(sb.run(sc, seed=2)) == []


# ---------------------------------------------------------------------------- the checker catches breakage


def _with(res: sb.RunResult, frame: str, change) -> sb.RunResult:
    """`res` with one frame changed: `change` edits a copy in place, or returns a new frame."""
    copy = getattr(res, frame).copy()
    new = change(copy)
    return dataclasses.replace(res, **{frame: copy if new is None else new})


def _set(col, row, value):
    def change(frame):
        frame.loc[frame.index[row], col] = value
    return change


def _bump_served(k: pd.Series) -> None:
    k["requests_served"] += 1


def _leaver_hired_after_leaving(m: pd.DataFrame) -> None:
    i = m.index[m["left_day"].notna()][0]
    m.loc[i, "hired_day"] = int(m.loc[i, "left_day"]) + 1


def _client_of_a_leaver(c: pd.DataFrame, managers: pd.DataFrame) -> None:
    leaver = int(managers.loc[managers["left_day"].notna(), "am_id"].iloc[0])
    c.loc[c.index[c["active"]][0], "am_id"] = leaver


BROKEN = {
    "requests not conserved": ("kpis", _bump_served, "requests arrived"),
    "utilisation above 1": ("kpis", lambda k: k.__setitem__("utilisation", 1.2), "utilisation: 1.2 outside [0, 1]"),
    "defined KPI is NaN": ("kpis", lambda k: k.__setitem__("wait_mean_h", math.nan),
                           "kpis wait_mean_h: NaN where it is defined"),
    "negative cost": ("kpis", lambda k: k.__setitem__("training_cost", -1.0), "training_cost: negative"),
    "NaN revenue": ("daily", _set("revenue", 3, math.nan), "daily revenue: NaN on days 3"),
    "infinite stress": ("daily", _set("stress_mean", 2, math.inf), "daily stress_mean: infinite on days 2"),
    "daily utilisation above 1": ("daily", _set("utilisation", 4, 1.5), "daily utilisation: outside [0, 1] on days 4"),
    "a wait without service": ("daily", _set("served", 6, 0), "wait_mean_h: a value on days where it is undefined"),
    "clients appear": ("daily", _set("clients", 5, 10_000), "clients != previous + new_clients - churned"),
    "an AM vanishes": ("daily", _set("headcount", 7, 0), "headcount != previous + hires - quits"),
    "stress above 1": ("managers", _set("stress", 0, 1.5), "managers stress: outside [0, 1]"),
    "left before hired": ("managers", _leaver_hired_after_leaving, "left_day < hired_day"),
    "satisfaction below 0": ("clients", _set("satisfaction", 0, -0.1), "clients satisfaction"),
    "a client lost": ("clients", lambda c: c.iloc[:-1], "rows for"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_checker_catches(busy: sb.RunResult, case: str) -> None:
    frame, change, message = BROKEN[case]
    broken = _with(busy, frame, change)
    problems = inv.check_invariants(broken)
    assert any(message in p for p in problems), problems
    with pytest.raises(AssertionError, match="breaks"):
        inv.assert_invariants(broken)


def test_checker_catches_a_client_of_a_leaver(busy: sb.RunResult) -> None:
    broken = _with(busy, "clients", lambda c: _client_of_a_leaver(c, busy.managers))
    assert any("AM has left" in p for p in inv.check_invariants(broken))


def test_run_checks_invariants_when_asked(monkeypatch: pytest.MonkeyPatch, tiny: dict) -> None:
    """`run` checks its result when SIMBRANCH_CHECK_INVARIANTS is set (not to "0"), and only then."""
    monkeypatch.setattr(inv, "check_invariants", lambda result: ["made up for the test"])
    sc = sb.Scenario().with_overrides(tiny)
    monkeypatch.setenv("SIMBRANCH_CHECK_INVARIANTS", "1")
    with pytest.raises(AssertionError, match="made up for the test"):
        sb.run(sc, seed=0)
    monkeypatch.setenv("SIMBRANCH_CHECK_INVARIANTS", "0")
    sb.run(sc, seed=0)
    monkeypatch.delenv("SIMBRANCH_CHECK_INVARIANTS")
    sb.run(sc, seed=0)


# ---------------------------------------------------------------------------- degenerate but valid branches


def _run(overrides: dict, seed: int = 1) -> sb.RunResult:
    res = sb.run(sb.Scenario().with_overrides(overrides), seed=seed)
    inv.assert_invariants(res)
    return res


def test_one_am() -> None:
    """One AM (the smallest branch allowed: managers.count >= 1) holds every client and serves every
    request; waits and utilisation are ordinary finite numbers."""
    res = _run({"managers.count": 1, "clients.count": 150, "branch.horizon_days": 40, "branch.warmup_days": 5,
                "managers.turnover.enabled": False})
    k = res.kpis
    active = res.clients[res.clients["active"]]
    assert active["am_id"].nunique() == 1 and active["am_id"].notna().all()
    assert k["requests_served"] > 0 and k["headcount_mean"] == 1
    assert 0 < k["utilisation"] <= 1 and math.isfinite(k["wait_mean_h"]) and math.isfinite(k["wait_p90_h"])


def test_no_clients() -> None:
    """No clients (and so no inflow, which is proportional to the initial book): no request arrives.
    Sensible here means: counts, sales and revenue are 0; utilisation is 0 (AMs were available and
    idle: a measured zero, not NaN); the waits and the service time are NaN (no request served: the
    mean of nothing is undefined); satisfaction, NPS and the churn rate are NaN (no client to ask or
    to lose); the AMs' state KPIs are defined; the branch still pays its AMs (profit = -cost)."""
    res = _run({"clients.count": 0, "branch.horizon_days": 20, "branch.warmup_days": 5})
    k = res.kpis
    for name in ("requests_arrived", "requests_served", "requests_abandoned", "requests_open_at_end",
                 "complaints", "sales_count", "revenue", "revenue_per_am", "clients_end"):
        assert k[name] == 0, name
    assert k["utilisation"] == 0
    for name in ("wait_mean_h", "wait_p90_h", "wait_all_mean_h", "service_mean_h", "satisfaction_mean", "nps",
                 "client_churn_rate"):
        assert math.isnan(k[name]), name
    for name in ("stress_mean", "skill_mean", "burnout_share", "headcount_mean"):
        assert math.isfinite(k[name]), name
    assert k["cost_total"] > 0 and k["profit"] == -k["cost_total"]
    assert len(res.clients) == 0 and res.daily["clients"].eq(0).all()


def test_no_arrivals() -> None:
    """Clients who never ask (every tier's requests_per_year = 0) and AMs with no time for proactive
    calls (no working-day budget): no request, utilisation 0, the waits NaN, but satisfaction is
    defined (there are clients) and, with no contact, it can only fall (neglect beyond the tier's
    expected contact gap, here 20 days); churn goes on."""
    tiers = {f"clients.tiers.{t}.{field}": value for t in ("mass", "affluent", "vip")
             for field, value in (("requests_per_year", 0.0), ("contact_gap_days", 20.0))}
    res = _run({**tiers, "clients.count": 300, "branch.horizon_days": 120, "branch.warmup_days": 0,
                "managers.workday.enabled": False})
    k, d = res.kpis, res.daily
    assert k["requests_arrived"] == 0 and k["requests_served"] == 0 and k["revenue"] == 0
    assert k["utilisation"] == 0 and math.isnan(k["wait_mean_h"]) and math.isnan(k["service_mean_h"])
    assert math.isfinite(k["satisfaction_mean"]) and math.isfinite(k["nps"])
    assert d["satisfaction_mean"].iloc[-1] < d["satisfaction_mean"].iloc[0]
    assert d["churned"].sum() > 0 and (res.clients["requests"] == 0).all()


def test_zero_horizon_after_warmup() -> None:
    """horizon_days = 0: the warm-up is simulated (its rows are in `daily`, flagged), nothing is
    measured. Every count and cost KPI is 0; every mean and rate is NaN (no measured day: the mean of
    nothing); clients_end is the book at the end of the warm-up."""
    res = _run({"branch.horizon_days": 0, "branch.warmup_days": 5, "clients.count": 100})
    k, d = res.kpis, res.daily
    assert len(d) == 5 and d["warmup"].all()
    for name in ("requests_arrived", "requests_served", "requests_open_at_end", "sales_count", "revenue",
                 "cost_total", "training_hours", "profit"):
        assert k[name] == 0, name
    for name in ("wait_mean_h", "utilisation", "satisfaction_mean", "nps", "stress_mean", "skill_mean",
                 "headcount_mean", "revenue_per_am", "client_churn_rate", "am_turnover_rate"):
        assert math.isnan(k[name]), name
    assert k["clients_end"] == d["clients"].iloc[-1] == res.clients["active"].sum()
    nothing = _run({"branch.horizon_days": 0, "branch.warmup_days": 0, "clients.count": 100})
    assert len(nothing.daily) == 0 and nothing.kpis["clients_end"] == 100
    assert len(nothing.managers) == nothing.scenario.managers.count


def test_everyone_in_training_at_once() -> None:
    """All AMs on the same course (one group, everyone): on those days nobody is with clients, so
    the days' available hours are 0 and their utilisation NaN (undefined, not 0 or 1); requests
    wait and are served once the AMs are back; no AM starts a request while away."""
    sc = sb.Scenario().with_overrides({
        "clients.count": 300, "managers.count": 3, "branch.horizon_days": 30, "branch.warmup_days": 0,
        "training.enabled": True, "training.interval_days": 10, "training.length_days": 5, "training.groups": 1,
        "training.attendees": "all", "managers.absence.enabled": False, "managers.turnover.enabled": False,
    })
    starts = _starts_while_away(sc, seed=1)
    assert starts == []
    res = sb.run(sc, seed=1)
    inv.assert_invariants(res)
    d = res.daily.set_index("day")
    away = [11, 12, 13, 14, 21, 22, 23, 24]  # sessions on days 10 and 20; on their first day AMs finish what they had
    assert (d.loc[away, "absent"] == 3).all() and d.loc[away, "utilisation"].isna().all()
    assert (d.loc[away, "served"] == 0).all() and d.loc[14, "queue_length"] > d.loc[9, "queue_length"]
    assert res.kpis["training_hours"] == 2 * 5 * 3 * sc.branch.hours_per_day
    assert res.kpis["requests_served"] > 0.9 * res.kpis["requests_arrived"]
    assert 0 < res.kpis["utilisation"] <= 1 and math.isfinite(res.kpis["wait_mean_h"])


def test_every_am_quits_and_nobody_is_hired() -> None:
    """Every AM leaves (quit hazard at its maximum) and no replacement comes within the horizon:
    from the last leaver on, headcount is 0, the AM state columns and (from the day after) the
    utilisation are NaN on those days (no AM: undefined), requests pile up in the shared queue and
    are open at the end, every active client is without an AM; the KPIs over the staffed days stay
    defined."""
    res = _run({"clients.count": 300, "managers.count": 3, "branch.horizon_days": 60, "branch.warmup_days": 0,
                **fast_quits(40.0, 10_000)})
    k, d = res.kpis, res.daily
    empty = d[d["headcount"] == 0]  # headcount is counted after the day's quits; the day's hours before them
    assert len(empty) > 20 and d["headcount"].iloc[-1] == 0 and d["hires"].sum() == 0
    assert empty[["stress_mean", "skill_mean", "motivation_mean"]].isna().all().all()
    assert empty["utilisation"].iloc[1:].isna().all()
    # the first empty day was worked before its quits; after it a leaver finishes the request in hand, no more
    assert empty["served"].iloc[1:].sum() <= len(res.managers)
    assert empty["queue_length"].is_monotonic_increasing
    assert k["requests_open_at_end"] > 0 and k["requests_open_at_end"] == d["queue_length"].iloc[-1]
    assert res.clients.loc[res.clients["active"], "am_id"].isna().all()
    assert res.managers["left_day"].notna().all()
    for name in ("utilisation", "stress_mean", "am_turnover_rate", "headcount_mean", "satisfaction_mean"):
        assert math.isfinite(k[name]), name


def test_clients_left_without_an_am_get_one_from_the_next_hire() -> None:
    """Regression: when every post fell vacant, the leavers' clients (and new clients meanwhile)
    had no AM, and new hires only took clients from colleagues' books, so they stayed without an AM
    for good (their requests went to the shared queue; follow-ups skipped them). Now a new hire
    takes them on. Reproducer before the fix: 3 AMs, climate 4, quit rate 2/yr, seed 0: 560 of 567
    active clients without an AM at the end while an AM was in post."""
    res = _run({"clients.count": 300, "managers.count": 3, "branch.horizon_days": 120, "branch.warmup_days": 0,
                **fast_quits(20.0, 20)})
    d = res.daily
    assert (d["headcount"] == 0).any() and d["headcount"].iloc[-1] > 0
    assert res.clients.loc[res.clients["active"], "am_id"].notna().all()


# ---------------------------------------------------------------------------- absent AMs start nothing at 09:00


def _starts_while_away(sc: sb.Scenario, seed: int) -> list[tuple[int, int]]:
    """(day, AM id) of every request started at the very start of a day by an AM who is away that day."""
    b = build_branch(sc, seed)
    H = b.hours_per_day
    starts: list[tuple[float, int, object]] = []
    start, day_start = b._start, b._day_start

    def recording_start(m, req):
        starts.append((b.env.now, b.day, m))
        start(m, req)

    away: dict[int, set[int]] = {}

    def recording_day_start(d):
        day_start(d)
        away[d] = {m.id for m in b.positions if m is not None and m.absent}

    b._start = recording_start
    b._day_start = recording_day_start
    b.run()
    return [(d, m.id) for t, d, m in starts if t == d * H and m.id in away.get(d, ())]


def test_reported_case_no_sick_am_serves_at_nine() -> None:
    """Regression (tracing helper): with 40 sick days a year, on day 5 of seed 0 AM 3, off sick, started
    AM 2's client at 09:00: presence was updated one AM at a time, and AM 2's queue went to the shared
    pool while AM 3 still counted as idle."""
    sc = sb.load_scenario("simbranch/scenarios/baseline.toml").with_overrides({
        "managers.absence.sick_days_per_year": 40, "branch.horizon_days": 20, "branch.warmup_days": 0})
    assert _starts_while_away(sc, seed=0) == []


@pytest.mark.parametrize("levers", [
    {},
    {"allocation.rule": "pooled"},
    {"communication.enabled": True, "communication.meeting_interval_days": 3},
    {"training.enabled": True, "training.interval_days": 10, "training.groups": 2},
    {**fast_quits(4.0, 1)},
], ids=["portfolio", "pooled", "meetings", "training", "new hires"])
def test_no_absent_am_starts_a_request_at_the_start_of_a_day(levers: dict) -> None:
    """Nobody away today (sick, on a course, in the morning meeting) starts a request as the day
    starts, whatever moves requests at that moment: cover for absent colleagues, the pool, a new
    hire's first day (a new hire may be off sick on day one: before the fix they took a waiting
    request before their presence was drawn, 266 times in 12 runs like the 'new hires' case)."""
    sc = sb.Scenario().with_overrides({
        "clients.count": 900, "managers.count": 4, "branch.horizon_days": 60, "branch.warmup_days": 0,
        "managers.absence.sick_days_per_year": 60, **levers})
    assert [x for seed in range(3) for x in _starts_while_away(sc, seed)] == []


def test_churned_clients_release_their_stream() -> None:
    """A client who left draws nothing more: their random stream is dropped (about 3 KB each), so
    the engine's memory follows the active book, not every client ever seen."""
    b = build_branch(sb.Scenario().with_overrides({**SMALL, "clients.churn.base_rate_per_year": 1.0}), 0)
    b.run()
    active = b.clients.active[: b.clients.n]
    assert (~active).sum() > 0
    assert [r is not None for r in b.client_rng] == active.tolist()
    assert np.isfinite(b.clients.satisfaction[: b.clients.n]).all()
