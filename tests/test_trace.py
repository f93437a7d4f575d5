"""The plain-language trace of one AM's day (simbranch.trace)."""

import html
import re

import pandas as pd
import pytest

import simbranch as sb
from simbranch.model.records import DAILY_COLUMNS
from simbranch.run import build_branch
from simbranch.trace import Trace, trace_day

CALLS = ["review call", "sales call"]


@pytest.fixture(scope="module")
def small() -> sb.Scenario:
    return sb.load_scenario("simbranch/scenarios/baseline.toml").with_overrides(
        {"branch.horizon_days": 5, "branch.warmup_days": 2})


@pytest.fixture(scope="module")
def tiny() -> sb.Scenario:
    """Four AMs and 300 clients, no warm-up: a run of a few days takes milliseconds."""
    return sb.Scenario().with_overrides({"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 300,
                                         "managers.count": 4})


def _variants(small: sb.Scenario) -> dict[str, sb.Scenario]:
    """Scenarios that exercise more of the trace: meetings, pooled routing and CRM follow-up, patience and
    absences, and a busy branch that works overtime at closing."""
    meetings = small.with_policy(sb.load_policy("simbranch/scenarios/policies/all_measures.toml"))
    patience = small.with_overrides({"requests.patience.enabled": True, "allocation.cover_absent": False,
                                     "managers.absence.sick_days_per_year": 40})
    busy = small.with_overrides({"managers.count": 30, "managers.workday.overtime_cap_h": 0.5,
                                 "managers.absence.leave_days_per_year": 60})
    return {"baseline": small, "all_measures": meetings, "patience": patience, "busy": busy}


def _step_to(branch, t: float, rows: int) -> None:
    """Run an untraced branch's day loop to time `t`, then on until `rows` days are closed."""
    branch.env.run(until=t)
    while len(branch.tally.rows) < rows:
        branch.env.step()


def _counters(scenario: sb.Scenario, seed: int, day: int) -> dict[int, tuple[int, int, int]]:
    """Each AM's (served, sales, proactive calls) increase over `day` in an untraced run."""
    b = build_branch(scenario, seed)
    b.env.process(b._days())
    H = b.hours_per_day
    if day:
        _step_to(b, day * H, day)

    def now() -> dict[int, tuple[int, int, int]]:
        return {m.id: (m.served, m.sales_count, m.proactive_calls) for m in b.all_managers}

    before = now()
    _step_to(b, (day + 1) * H, day + 1)
    return {am: tuple(x - y for x, y in zip(n, before.get(am, (0, 0, 0)), strict=True))  # type: ignore[misc]
            for am, n in now().items()}


def _manager(t: Trace):
    return next(x for x in t.branch.all_managers if x.id == t.am)


def test_default_day_and_am(small):
    t = trace_day(small)
    assert isinstance(t, Trace)
    assert t.day == small.branch.warmup_days and t.seed == 0
    assert list(t.events.columns) == ["time", "hour", "event", "client", "text"]
    served = {am: n for am, (n, _, _) in _counters(small, 0, t.day).items()}
    in_post = [m.id for m in t.branch.positions if m is not None]
    assert served[t.am] == max(served[i] for i in in_post)  # the busiest AM that day
    ev = t.events
    assert ev["event"].iloc[0] == "start of day" and ev["time"].iloc[0] == "09:00"
    assert ev["event"].iloc[-1] == "end of day" and ev["time"].iloc[-1] == "17:00"
    assert f"AM {t.am} starts the day" in ev["text"].iloc[0]
    assert {"starts", "finishes", "working time"} <= set(ev["event"])
    assert t.to_frame().equals(ev) and t.to_frame() is not ev


@pytest.mark.parametrize("variant", ["baseline", "all_measures", "patience", "busy"])
def test_events_are_ordered_paired_and_add_up(small, variant):
    sc = _variants(small)[variant]
    seed, day = 3, sc.branch.warmup_days
    counters = _counters(sc, seed, day)
    H = sc.branch.hours_per_day
    first = trace_day(sc, seed, day)
    ams = [m.id for m in first.branch.positions if m is not None]
    for am in [first.am, *ams[::4]]:  # the default AM and a few others
        t = first if am == first.am else trace_day(sc, seed, day, am)
        ev = t.events
        assert ev["hour"].is_monotonic_increasing
        assert ev["hour"].between(0.0, H).all()
        assert (ev["time"] >= "09:00").all() and (ev["time"] <= "17:00").all()
        assert ev["event"].iloc[0] == "start of day" and ev["event"].iloc[-1] == "end of day"
        # every service the AM starts is finished, or still going at the end of the day
        current, carried = None, "Still with client" in ev["text"].iloc[0]
        for kind, client in zip(ev["event"], ev["client"], strict=True):
            if kind == "starts":
                assert current is None
                current = client
            elif kind == "finishes":
                if current is None:
                    assert carried  # yesterday's service, finished this morning
                    carried = False
                else:
                    assert client == current
                current = None
        m = _manager(t)
        if current is not None:
            assert m.busy and m.current.client == current
            assert f"client {current}" in ev["text"].iloc[-1]
        served, sales, calls = counters[am]
        assert (ev["event"] == "finishes").sum() == served
        assert (ev["event"] == "sale").sum() == sales  # from requests and from proactive calls
        assert ev["event"].isin(CALLS).sum() == calls
        assert f"{served} request" in ev["text"].iloc[-1]
        assert f"{calls} proactive call" in ev["text"].iloc[-1]
        # closing: overtime, then the working time, then the calls, all at the closing time
        closing = ev[ev["event"].isin(["overtime", "working time", *CALLS])]
        assert (closing["hour"] == H).all()
        today = ev["text"].iloc[0].split("Today: ")[1]
        away = any(w in today for w in ("off sick", "on annual leave", "training course"))
        assert (ev["event"] == "working time").sum() == (0 if away else 1)  # the day's hours, for AMs at work
        assert "follow-up" not in set(ev["event"])  # follow-up requests are gone: follow-up is a review call


def test_same_seed_same_trace(small):
    a, b = trace_day(small, 5, 3), trace_day(small, 5, 3)
    pd.testing.assert_frame_equal(a.events, b.events)
    assert a.am == b.am


@pytest.mark.parametrize("which", ["small", "busy"])
def test_tracing_does_not_change_the_run(small, which):
    from simbranch.model.branch import Branch
    from simbranch.model.proactive import ProactiveWork
    from simbranch.model.sales import Sales
    from simbranch.model.workday import Workday

    sc = _variants(small)[which] if which == "busy" else small
    sc = sc.with_overrides({"allocation.follow_up_days": 20}) if which == "busy" else sc
    classes = (Branch, ProactiveWork, Sales, Workday)
    engine = [dict(vars(cls)) for cls in classes]
    before = sb.run(sc, 1)
    t = trace_day(sc, 1, 4)
    after = sb.run(sc, 1)
    assert [dict(vars(cls)) for cls in classes] == engine  # only the traced instances are wrapped
    pd.testing.assert_series_equal(before.kpis, after.kpis)
    # the traced branch, carried on to the end, makes exactly the untraced run
    b = t.branch
    _step_to(b, b.end_t, b.total_days)
    daily = pd.DataFrame(b.tally.rows, columns=list(DAILY_COLUMNS))
    pd.testing.assert_frame_equal(daily, before.daily, check_dtype=False)
    for col, attr in [("served", "served"), ("stress", "stress"), ("exhaustion", "exhaustion"),
                      ("proactive_calls", "proactive_calls"), ("sales_count", "sales_count")]:
        assert [getattr(m, attr) for m in b.all_managers] == before.managers[col].tolist(), col


def test_end_of_day_stress_and_exhaustion_are_the_updated_ones(small):
    t = trace_day(small, 0, 3)
    m = _manager(t)
    assert len(t.branch.tally.rows) == 4  # day 3 closed, nothing after it
    assert f"-> {m.stress:.2f}," in t.events["text"].iloc[-1]
    assert re.search(rf"exhaustion \d\.\d\d -> {m.exhaustion:.2f}[ ,]", t.events["text"].iloc[-1])


def test_exhaustion_levels_at_day_end(tiny):
    sc = tiny.with_overrides({"managers.exhaustion.initial_mean": 0.6})
    ex = sc.managers.exhaustion
    states = set()
    for seed in range(10):  # AMs' exhaustion is spread by their susceptibility: a few seeds show all three
        for am in range(sc.managers.count):
            t = trace_day(sc, seed, 1, am)
            m, end = _manager(t), t.events["text"].iloc[-1]
            high = ex.high_threshold <= m.exhaustion < ex.burnout_threshold
            burnt = m.exhaustion >= ex.burnout_threshold
            assert (f"-> {m.exhaustion:.2f} (highly exhausted)" in end) == high
            assert (f"-> {m.exhaustion:.2f} (burnt out)" in end) == burnt
            states.add("burnt out" if burnt else "high" if high else "neither")
        if len(states) == 3:
            break
    assert states == {"burnt out", "high", "neither"}
    off = trace_day(sc.with_overrides({"managers.exhaustion.enabled": False}), 3, 1)
    assert not off.events["text"].str.contains("exhaust").any()


def test_overtime_at_closing(tiny):
    sc = tiny.with_overrides({"clients.count": 600, "managers.count": 2, "managers.workday.overtime_cap_h": 1.0})
    found = 0
    for day in range(sc.branch.horizon_days):
        for am in (0, 1):
            ev = trace_day(sc, 0, day, am).events
            stays = ev[ev["event"] == "overtime"]
            if stays.empty:
                continue
            found += 1
            assert len(stays) == 1
            text = stays["text"].iloc[0]
            match = re.match(rf"AM {am} stays (.+?) after closing to (.+) \(overtime allowed: up to 1 h a day\)\.$",
                             text)
            assert match, text
            stay, todo = match.groups()
            assert _minutes(stay) <= 60
            cleared = re.search(r"clear (\d+) waiting request", todo)
            n = int(cleared.group(1)) if cleared else 0
            after = ev.iloc[ev.index.get_loc(stays.index[0]) + 1:]
            late = after[(after["event"] == "finishes") & after["text"].str.contains("in overtime after closing")]
            assert len(late) == n + ("finish the work with client" in todo)
            assert (after["text"].str.startswith(f"AM {am} stays on for client")).sum() == n
            hours = ev.loc[ev["event"] == "working time", "text"].iloc[0]
            assert f"(+ {stay} after closing)" in hours
    assert found >= 2


def _minutes(text: str) -> int:
    """'1 h 20 min' -> 80."""
    h = re.search(r"(\d+) h", text)
    m = re.search(r"(\d+) min", text)
    return 60 * int(h.group(1) if h else 0) + int(m.group(1) if m else 0)


def test_annual_leave(tiny):
    sc = tiny.with_overrides({"branch.horizon_days": 20, "managers.absence.leave_days_per_year": 100})
    b = build_branch(sc, 0)
    start, am = min((m.leave_starts[0], m.id) for m in b.all_managers)
    block = sc.managers.absence.leave_block_days
    assert start + block < 20
    t = trace_day(sc, 0, start, am)
    ev = t.events
    assert f"Today: on annual leave, {block} days left." in ev["text"].iloc[0]
    assert f"AM {am} is on annual leave, {block} days left, away from clients" in ev["text"].iloc[1]
    assert not ev["event"].isin(["starts", "working time", *CALLS]).any()
    assert "0 requests served, 0 proactive calls" in ev["text"].iloc[-1]
    # back after the block (or after a block that follows on from it)
    for day in range(start + 1, 20):
        ev = trace_day(sc, 0, day, am).events
        if "Today: on annual leave" not in ev["text"].iloc[0]:
            assert ev["text"].iloc[1] == f"AM {am} is back at work after annual leave and available to clients."
            break
    else:
        pytest.fail("the AM never came back from leave")


def test_proactive_calls_and_crm_follow_ups(tiny):
    sc = tiny.with_overrides({"allocation.follow_up_days": 20})
    seed, day = 1, 3
    counters = _counters(sc, seed, day)
    follow_ups = 0
    for am in range(sc.managers.count):
        ev = trace_day(sc, seed, day, am).events
        calls = ev[ev["event"].isin(CALLS)]
        assert len(calls) == counters[am][2]
        heads = rf"AM {am} (calls client \d+ .* for a review|makes a sales call to client \d+)"
        assert calls["text"].str.match(heads).all()
        assert calls["client"].notna().all()
        follow_ups += int(calls["text"].str.contains("a CRM follow-up").sum())
        assert not calls.loc[calls["event"] == "sales call", "text"].str.contains("CRM").any()  # reviews only
    daily = sb.run(sc, seed).daily
    assert follow_ups == int(daily.loc[daily["day"] == day, "follow_ups"].iloc[0]) > 0
    # without the CRM's follow-up, no call is a follow-up
    ev = trace_day(tiny, seed, day).events
    assert ev["event"].isin(CALLS).any() and not ev["text"].str.contains("CRM").any()


def test_bad_day_or_am(small):
    with pytest.raises(ValueError, match="from 0 to 6"):
        trace_day(small, day=7)
    with pytest.raises(ValueError, match="from 0 to 6"):
        trace_day(small, day=-1)
    with pytest.raises(ValueError, match="day"):
        trace_day(small, day=True)
    with pytest.raises(ValueError, match=r"am 99 .* 0, 1, 2"):
        trace_day(small, day=2, am=99)
    with pytest.raises(ValueError, match="am"):
        trace_day(small, am="3")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        trace_day({"branch": {}})  # type: ignore[arg-type]


def test_html_and_text(small):
    t = trace_day(small, 0, 2, 4)
    page = t._repr_html_()
    assert "<table" in page
    for text in t.events["text"]:
        assert html.escape(text) in page
    lines = str(t).splitlines()
    assert len(lines) == len(t.events) + 1
    assert lines[1].startswith("09:00  AM 4 starts the day")
