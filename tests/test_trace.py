"""The plain-language trace of one AM's day (simbranch.trace)."""

import html

import pandas as pd
import pytest

import simbranch as sb
from simbranch.model.records import DAILY_COLUMNS
from simbranch.run import build_branch
from simbranch.trace import Trace, trace_day


@pytest.fixture(scope="module")
def small() -> sb.Scenario:
    return sb.load_scenario("scenarios/baseline.toml").with_overrides(
        {"branch.horizon_days": 5, "branch.warmup_days": 2})


def _variants(small: sb.Scenario) -> dict[str, sb.Scenario]:
    """Scenarios that exercise more of the trace: meetings and pooled routing, patience and absences."""
    meetings = small.with_policy(sb.load_policy("scenarios/policies/all_measures.toml"))
    patience = small.with_overrides({"requests.patience.enabled": True, "allocation.cover_absent": False,
                                     "managers.absence.sick_days_per_year": 40})
    return {"baseline": small, "all_measures": meetings, "patience": patience}


def _step_to(branch, t: float, rows: int) -> None:
    """Run an untraced branch's day loop to time `t`, then on until `rows` days are closed."""
    branch.env.run(until=t)
    while len(branch.tally.rows) < rows:
        branch.env.step()


def _counters(scenario: sb.Scenario, seed: int, day: int) -> dict[int, tuple[int, int]]:
    """Each AM's (served, sales) increase over `day` in an untraced run."""
    b = build_branch(scenario, seed)
    b.env.process(b._days())
    H = b.hours_per_day
    if day:
        _step_to(b, day * H, day)
    before = {m.id: (m.served, m.sales_count) for m in b.all_managers}
    _step_to(b, (day + 1) * H, day + 1)
    return {m.id: (m.served - before.get(m.id, (0, 0))[0], m.sales_count - before.get(m.id, (0, 0))[1])
            for m in b.all_managers}


def test_default_day_and_am(small):
    t = trace_day(small)
    assert isinstance(t, Trace)
    assert t.day == small.branch.warmup_days and t.seed == 0
    assert list(t.events.columns) == ["time", "hour", "event", "client", "text"]
    served = {am: n for am, (n, _) in _counters(small, 0, t.day).items()}
    in_post = [m.id for m in t.branch.positions if m is not None]
    assert served[t.am] == max(served[i] for i in in_post)  # the busiest AM that day
    ev = t.events
    assert ev["event"].iloc[0] == "start of day" and ev["time"].iloc[0] == "09:00"
    assert ev["event"].iloc[-1] == "end of day" and ev["time"].iloc[-1] == "17:00"
    assert f"AM {t.am} starts the day" in ev["text"].iloc[0]
    assert {"starts", "finishes"} <= set(ev["event"])
    assert t.to_frame().equals(ev) and t.to_frame() is not ev


@pytest.mark.parametrize("variant", ["baseline", "all_measures", "patience"])
def test_events_are_ordered_paired_and_add_up(small, variant):
    sc = _variants(small)[variant]
    seed, day = 3, sc.branch.warmup_days
    counters = _counters(sc, seed, day)
    H = sc.branch.hours_per_day
    first = trace_day(sc, seed, day)
    ams = [m.id for m in first.branch.positions if m is not None]
    for am in [first.am, *ams[::3]]:  # the default AM and a few others
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
        m = next(x for x in t.branch.all_managers if x.id == am)
        if current is not None:
            assert m.busy and m.current.client == current
            assert f"client {current}" in ev["text"].iloc[-1]
        served, sales = counters[am]
        assert (ev["event"] == "finishes").sum() == served
        assert (ev["event"] == "sale").sum() == sales
        assert f"{served} request" in ev["text"].iloc[-1]


def test_same_seed_same_trace(small):
    a, b = trace_day(small, 5, 3), trace_day(small, 5, 3)
    pd.testing.assert_frame_equal(a.events, b.events)
    assert a.am == b.am


def test_tracing_does_not_change_the_run(small):
    from simbranch.model.branch import Branch

    engine = dict(vars(Branch))
    before = sb.run(small, 1)
    t = trace_day(small, 1, 4)
    after = sb.run(small, 1)
    assert dict(vars(Branch)) == engine  # only the traced instance is wrapped
    pd.testing.assert_series_equal(before.kpis, after.kpis)
    # the traced branch, carried on to the end, makes exactly the untraced run
    b = t.branch
    _step_to(b, b.end_t, b.total_days)
    daily = pd.DataFrame(b.tally.rows, columns=list(DAILY_COLUMNS))
    pd.testing.assert_frame_equal(daily, before.daily, check_dtype=False)
    assert [m.served for m in b.all_managers] == before.managers["served"].tolist()
    assert [m.stress for m in b.all_managers] == before.managers["stress"].tolist()


def test_end_of_day_stress_is_the_updated_one(small):
    t = trace_day(small, 0, 3)
    m = next(x for x in t.branch.all_managers if x.id == t.am)
    assert len(t.branch.tally.rows) == 4  # day 3 closed, nothing after it
    assert f"-> {m.stress:.2f}," in t.events["text"].iloc[-1]


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
