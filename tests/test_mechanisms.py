"""Each behavioural mechanism of `simbranch.model`, on its own: the working day, effort, strain,
turnover, absence, channels, satisfaction, relationships and the keyed random draws. These check the
equations of docs/model.md directly, on hand-made states, without a whole run."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import simbranch as sb
from simbranch.model.channels import Channels
from simbranch.model.effort import intensity, selling_split
from simbranch.model.managers import Manager
from simbranch.model.proactive import _top_per_group
from simbranch.model.requests import COMPLAINT, SALES, SERVICE
from simbranch.model.strain import Strain
from simbranch.model.turnover import Turnover
from simbranch.model.workday import Workday
from simbranch.run import build_branch
from simbranch.streams import Streams

SC = sb.Scenario()


def am(**state: float) -> Manager:
    m = Manager(0, 0, 0, 0, (0.6, 0.6, 0.6), 0.2, 0.3, 0.6, 0.5, 500, 0)
    m.rng = random.Random(1)
    for name, value in state.items():
        setattr(m, name, value)
    return m


# ---------------------------------------------------------------- the working day


def test_requests_come_first_then_administration_then_proactive_work() -> None:
    """A quiet day: administration and the planned proactive hours fit, no overtime."""
    wd = Workday(SC)
    day = wd.close(am(), requests=2.0, away_h=0.0, overtime_on_requests=0.0, book_size=175)
    admin = SC.managers.workday.admin_fixed_h + SC.managers.workday.admin_per_client_h * 175 / 250
    assert day.admin == pytest.approx(admin)
    assert day.proactive == pytest.approx(SC.managers.workday.proactive_h)
    assert day.overtime == 0.0 and day.admin_left == 0.0
    assert day.worked == pytest.approx(2.0 + admin + SC.managers.workday.proactive_h)


def test_a_full_day_defers_proactive_work_before_administration() -> None:
    """Requests fill the day: administration goes into overtime first, proactive work is mostly
    deferred (only its overtime share made up), and overtime stops at the cap."""
    wd, cfg = Workday(SC), SC.managers.workday
    m = am()
    day = wd.close(m, requests=7.5, away_h=0.0, overtime_on_requests=0.0, book_size=175)
    admin = cfg.admin_fixed_h + cfg.admin_per_client_h * 175 / 250
    assert day.admin == pytest.approx(admin)
    assert day.proactive == pytest.approx(min((cfg.proactive_h - 0.0) * cfg.proactive_overtime_share,
                                              cfg.overtime_cap_h - (admin - 0.5)))
    assert day.overtime <= cfg.overtime_cap_h + 1e-12
    m2 = am()
    swamped = wd.close(m2, requests=8.0, away_h=0.0, overtime_on_requests=cfg.overtime_cap_h, book_size=400)
    assert swamped.overtime == pytest.approx(cfg.overtime_cap_h)
    assert swamped.proactive == 0.0 and swamped.admin == 0.0
    assert m2.admin_backlog == pytest.approx(cfg.admin_fixed_h + cfg.admin_per_client_h * 400 / 250)


def test_administration_left_undone_piles_up_to_its_cap() -> None:
    wd, cfg = Workday(SC), SC.managers.workday
    m = am()
    for _ in range(100):
        wd.close(m, requests=8.0, away_h=0.0, overtime_on_requests=cfg.overtime_cap_h, book_size=175)
    assert m.admin_backlog == pytest.approx(cfg.admin_backlog_max_days * wd.admin_today(175))


def test_workday_off_is_requests_only() -> None:
    wd = Workday(SC.with_overrides({"managers.workday.enabled": False}))
    day = wd.close(am(), requests=3.0, away_h=1.0, overtime_on_requests=0.0, book_size=175)
    assert (day.admin, day.proactive, day.overtime, day.contracted) == (0.0, 0.0, 0.0, 7.0)


# ---------------------------------------------------------------- effort


def test_pay_on_one_measure_draws_effort_from_the_other() -> None:
    assert selling_split(0.5, 0.0, 0.0, 4.0) == 0.5
    commission = selling_split(0.5, 0.15, 0.0, 4.0)
    card = selling_split(0.5, 0.15 * 0.6, 0.15 * 0.4, 4.0)
    assert 0.5 < card < commission < 1.0
    assert selling_split(0.5, 0.0, 0.15, 4.0) < 0.5


def test_effort_intensity_saturates() -> None:
    """Stacked motivators do not add up: the rise for two together is less than the sum of each."""
    e = SC.managers.effort
    one = intensity(0.15, e.intensity_max, e.intensity_scale) - 1
    other = intensity(0.05, e.intensity_max, e.intensity_scale) - 1
    both = intensity(0.20, e.intensity_max, e.intensity_scale) - 1
    assert intensity(0.0, e.intensity_max, e.intensity_scale) == 1.0
    assert 0 < both < one + other
    assert intensity(100.0, e.intensity_max, e.intensity_scale) == pytest.approx(1 + e.intensity_max)


def test_motivation_gains_saturate() -> None:
    strain = Strain(SC)
    ceiling = SC.managers.motivation.ceiling_gain

    def settled(bonus: float) -> float:
        m = am(motivation_bonus=bonus, exhaustion=SC.managers.exhaustion.initial_mean)
        for _ in range(2_000):
            strain.motivation(m)
        return m.motivation - SC.managers.motivation.initial

    assert settled(0.1) + settled(0.1) > settled(0.2) > settled(0.1) > 0
    assert settled(10.0) == pytest.approx(ceiling, rel=1e-3)


# ---------------------------------------------------------------- strain


def test_stress_settles_where_demands_meet_recovery() -> None:
    """A steady working day: stress settles at climate x demands / recovery rate (no noise)."""
    from simbranch.model.workday import DayHours

    strain = Strain(SC)
    st = SC.managers.stress
    m = am(stress=0.0)
    day = DayHours(8.0, 3.0, 0.0, 1.8, 2.0, 0.5, 0.0)
    for _ in range(500):
        strain.working_day(m, day, backlog_h=0.0, noise=0.0)
    demands = st.build_rate * max(0.0, day.worked / 8 - st.load_threshold) + st.overtime_stress * 0.5 \
        + st.background_pressure
    assert m.stress == pytest.approx(st.climate * demands / st.recovery_rate, rel=1e-6)


def test_exhaustion_builds_under_stress_by_susceptibility_and_rest_restores_it() -> None:
    strain = Strain(SC)
    ex = SC.managers.exhaustion
    tough, frail = am(stress=0.5, susceptibility=0.5), am(stress=0.5, susceptibility=2.0)
    for _ in range(300):
        strain.exhaustion(tough, resting=False)
        strain.exhaustion(frail, resting=False)
    assert 0 < tough.exhaustion < frail.exhaustion <= 1
    assert frail.exhaustion >= ex.high_threshold
    before = frail.exhaustion
    frail.stress = 0.0
    for _ in range(20):
        strain.exhaustion(frail, resting=True)
    assert frail.exhaustion < before * (1 - ex.recovery_rate) ** 20  # leave recovers faster than work


# ---------------------------------------------------------------- turnover


def test_quit_hazard_follows_tenure_bands() -> None:
    t = Turnover(SC)
    cfg, D = SC.managers.turnover, SC.branch.days_per_year
    assert t.tenure_hazard(0) == pytest.approx(cfg.hazard_first_3m / D)
    assert t.tenure_hazard(100) == pytest.approx(cfg.hazard_3_12m / D)
    assert t.tenure_hazard(300) == pytest.approx(cfg.hazard_second_year / D)
    assert t.tenure_hazard(5_000) == pytest.approx(cfg.base_rate_per_year / D)


def test_treatment_shifts_the_quit_hazard() -> None:
    t = Turnover(SC)
    e0 = SC.managers.exhaustion.initial_mean
    typical = t.hazard(am(exhaustion=e0))
    assert t.hazard(am(exhaustion=e0 + 0.3)) > typical
    assert t.hazard(am(exhaustion=e0, motivation=0.4)) > typical
    assert t.hazard(am(exhaustion=e0, pay_bonus=0.15)) < typical
    assert t.hazard(am(exhaustion=e0, quit_factor=0.5)) == pytest.approx(0.5 * typical)


def test_an_am_leaves_when_the_cumulative_hazard_reaches_their_threshold() -> None:
    """Inverse-transform sampling of the quit time: with a constant hazard h the mean tenure is 1/h."""
    t = Turnover(SC.with_overrides({f"managers.turnover.{k}": 2.5 for k in
                                    ("hazard_first_3m", "hazard_3_12m", "hazard_second_year", "base_rate_per_year")}))
    days = []
    for seed in range(400):
        m = am(exhaustion=SC.managers.exhaustion.initial_mean, rng=random.Random(seed))
        t.start(m)
        d = 0
        while not t.quits_today(m):
            d += 1
        days.append(d)
    assert np.mean(days) == pytest.approx(250 / 2.5, rel=0.15)  # 400 exponential times: se 5 %


# ---------------------------------------------------------------- channels and satisfaction


def test_channels_send_the_am_only_its_share_of_each_kind() -> None:
    ch = Channels(SC)
    tiers = list(SC.clients.tiers.values())
    for i, t in enumerate(tiers):
        shares = [SC.requests.types.service.share, SC.requests.types.sales.share, SC.requests.types.complaint.share]
        reach = [t.am_share.service, t.am_share.sales, t.am_share.complaint]
        assert ch.rate[i] * 250 * 8 == pytest.approx(t.requests_per_year * sum(np.multiply(shares, reach)))
        u = np.linspace(0, 1, 20_001)[:-1]
        kinds = np.array([ch.kind(i, x, SC.clients.churn.satisfaction_ref) for x in u])
        expected = np.multiply(shares, reach) / sum(np.multiply(shares, reach))
        for kind, share in zip((SERVICE, SALES, COMPLAINT), expected, strict=True):
            assert (kinds == kind).mean() == pytest.approx(share, abs=1e-3)


def test_an_unsolicited_call_counts_by_how_overdue_the_client_is() -> None:
    branch = build_branch(SC.with_overrides({"clients.count": 60, "branch.horizon_days": 0, "branch.warmup_days": 0}))
    book, sat = branch.clients, branch.satisfaction
    c = int(np.flatnonzero(book.tier[: book.n] == 1)[0])  # affluent: expects a call every 63 days
    m = branch.positions[int(book.am[c])]
    gains = {}
    for days in (5, 30, 63, 200):
        book.satisfaction[c], book.last_contact_day[c] = 0.5, -days
        sat.after_call(m, c, SERVICE, 0, 0.0)
        gains[days] = book.satisfaction[c] - 0.5
    assert 0 < gains[5] < gains[30] < gains[63] == pytest.approx(gains[200])
    assert gains[5] < 0.1 * gains[63]


def test_sales_pressure_costs_complex_clients_more() -> None:
    branch = build_branch(SC.with_overrides({"clients.count": 60, "branch.horizon_days": 0, "branch.warmup_days": 0}))
    book, sat = branch.clients, branch.satisfaction
    simple, complex_ = int(np.argmin(book.complexity[: book.n])), int(np.argmax(book.complexity[: book.n]))
    m = branch.positions[0]

    def loss(c: int) -> float:
        m.effort_split = SC.managers.effort_split
        q0 = sat.quality(m, c, SERVICE)
        m.effort_split = SC.managers.effort_split + 0.2
        return q0 - sat.quality(m, c, SERVICE)

    assert loss(complex_) > 2 * loss(simple) > 0


def test_relationship_grows_in_contact_and_fades_without() -> None:
    branch = build_branch(SC.with_overrides({"clients.count": 60, "branch.horizon_days": 0, "branch.warmup_days": 0}))
    book, rel = branch.clients, branch.relationships
    ids = book.active_ids()
    book.relationship[ids] = 0.5
    book.last_contact_day[ids[:30]] = 0
    book.last_contact_day[ids[30:]] = -1_000
    rel.day(0, ids)
    assert (book.relationship[ids[:30]] > 0.5).all() and (book.relationship[ids[30:]] < 0.5).all()
    c = int(ids[0])
    book.relationship[c] = 0.8
    rel.handed_over(c, departure=True)
    assert book.relationship[c] == pytest.approx(0.8 * SC.clients.relationships.departure_retained)


# ---------------------------------------------------------------- keyed draws


def test_keyed_draws_do_not_depend_on_order_or_other_keys() -> None:
    a, b = Streams(3).keyed("x"), Streams(3).keyed("x")
    first = [a.uniform(k, 7) for k in range(50)]
    second = [b.uniform(k, 7) for k in reversed(range(50))][::-1]
    assert first == second
    assert a.uniforms(np.arange(50), 7).tolist() == first
    assert Streams(4).keyed("x").uniform(0, 7) != first[0] and Streams(3).keyed("y").uniform(0, 7) != first[0]
    u = a.uniforms(np.arange(100_000), 1)
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002  # sd of the mean 0.0009
    z = np.array([a.normal(k, 2) for k in range(20_000)])
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03
    assert math.isfinite(a.normal(123, 456))


@given(st.integers(1, 400), st.integers(1, 45), st.integers(0, 2**32 - 1), st.integers(0, 3))
@settings(max_examples=200, deadline=None)
def test_each_am_calls_the_same_clients_as_a_full_sort_would(n: int, ams: int, seed: int, decimals: int) -> None:
    """The day's call lists (each AM's few most overdue, or most promising, clients above a cut) are
    exactly those, and in the order, of sorting every client by AM and value (np.lexsort), ties and
    AMs without calls included; the fast selection only avoids sorting the whole book."""
    rng = np.random.default_rng(seed)
    owners = rng.integers(0, ams, n)
    values = np.round(rng.random(n) * 3.0, decimals)  # rounding makes ties
    quota = rng.integers(0, 6, ams)
    eligible = values >= np.quantile(values, rng.random())
    order = np.lexsort((-values, owners))
    grouped = owners[order]
    starts = np.flatnonzero(np.r_[True, grouped[1:] != grouped[:-1]])
    rank = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    expected = order[(rank < quota[grouped]) & eligible[order]]
    assert np.array_equal(_top_per_group(owners, values, quota, eligible), expected)
