"""The article's levers as mechanisms: off changes nothing, on moves what it acts on, and the
stylised facts of docs/evidence.md hold. Comparisons use paired replications: the same seeds for
both arms, so both see the same clients and requests (common random numbers)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simbranch as sb

POLICIES = Path(__file__).resolve().parents[1] / "scenarios" / "policies"
BASE = sb.Scenario()
SMALL = {"branch.horizon_days": 120, "branch.warmup_days": 20, "clients.count": 600, "managers.count": 4}


@functools.cache
def _run(overrides_json: str, seed: int) -> sb.RunResult:
    return sb.run(BASE.with_overrides(json.loads(overrides_json)), seed=seed)


def run(overrides: dict, seed: int) -> sb.RunResult:
    """A cached run of the default branch with `overrides` (tests share the baseline runs)."""
    return _run(json.dumps(overrides, sort_keys=True), seed)


def kpis(overrides: dict, seeds: range) -> pd.DataFrame:
    return pd.DataFrame([run(overrides, s).kpis for s in seeds])


def paired(overrides: dict, seeds: range, kpi: str, base: dict | None = None) -> np.ndarray:
    """Per-seed difference of a KPI: policy minus baseline."""
    return kpis(overrides, seeds)[kpi].to_numpy() - kpis(base or {}, seeds)[kpi].to_numpy()


def present_skill(res: sb.RunResult, area: str) -> pd.Series:
    m = res.managers[res.managers["left_day"].isna()].set_index("am_id")
    return m[f"skill_{area}"]


# ---------------------------------------------------------------- off changes nothing

OFF_BUT_ODD = {
    "training": {"training.interval_days": 5, "training.gain": 0.9, "training.attendees": "new_hires"},
    "assessment": {"assessment.interval_days": 5, "assessment.action": "none"},
    "incentives": {"incentives.pay_at_risk": 0.9, "incentives.weights.sales": 1.0, "incentives.pressure": 5.0},
    "surveys": {"surveys.interval_days": 5, "surveys.feedback_effect": 0.9},
    "careers": {"careers.review_interval_days": 5, "careers.min_years_at_level": 0.0},
    "communication": {"communication.meeting_interval_days": 1, "communication.knowledge_sharing": 1.0},
    "wellbeing": {"wellbeing.reach": 1.0, "wellbeing.climate": 0.1, "wellbeing.recovery_boost": 9.0},
}


@pytest.mark.parametrize("section", list(OFF_BUT_ODD))
def test_a_lever_that_is_off_changes_nothing(section: str) -> None:
    """With its switch off, a lever's other settings have no effect at all: same seed, same numbers."""
    small = BASE.with_overrides(SMALL)
    base = sb.run(small, seed=4)
    odd = sb.run(small.with_overrides(OFF_BUT_ODD[section]), seed=4)
    pd.testing.assert_frame_equal(base.daily, odd.daily)
    pd.testing.assert_series_equal(base.kpis, odd.kpis)


@pytest.mark.parametrize("path", sorted(POLICIES.glob("*.toml")), ids=lambda p: p.stem)
def test_every_named_policy_loads_runs_and_says_what_it_stands_for(path: Path) -> None:
    """Each named policy holds lever sections only, opens with a comment citing the article, and runs."""
    assert path.read_text().startswith("# Article") or path.read_text().startswith("# The article")
    policy = sb.load_policy(path)
    assert policy.name == path.stem
    res = sb.run(BASE.with_overrides(SMALL).with_policy(policy), seed=1)
    assert res.kpis["requests_arrived"] == (
        res.kpis["requests_served"] + res.kpis["requests_abandoned"] + res.kpis["requests_open_at_end"])


def test_the_named_policies_cover_the_article() -> None:
    names = {p.stem for p in POLICIES.glob("*.toml")}
    assert {"crm_routing", "tiered_allocation", "specialty_allocation", "training_quarterly",
            "targeted_training", "sales_commission", "balanced_scorecard", "satisfaction_surveys",
            "career_ladder", "team_meetings", "wellbeing_support", "all_measures"} <= names


# ---------------------------------------------------------------- training and assessment

ONE_SALES_COURSE = {"training.enabled": True, "training.areas": ["sales"], "training.groups": 1,
                    "branch.warmup_days": 0, "managers.turnover.enabled": False}


def _course_gain(seed: int, interval: int, horizon: int) -> float:
    on = run({**ONE_SALES_COURSE, "training.interval_days": interval, "branch.horizon_days": horizon}, seed)
    off = run({**ONE_SALES_COURSE, "training.enabled": False, "training.interval_days": interval,
               "branch.horizon_days": horizon}, seed)
    return float((present_skill(on, "sales") - present_skill(off, "sales")).mean())


def test_training_raises_only_the_trained_skill() -> None:
    """A sales course raises sales skill on average; relationship skill moves only by the
    practice lost during the course (well under a hundredth)."""
    on = run({**ONE_SALES_COURSE, "training.interval_days": 63, "branch.horizon_days": 66}, 0)
    off = run({**ONE_SALES_COURSE, "training.enabled": False, "training.interval_days": 63,
               "branch.horizon_days": 66}, 0)
    assert (present_skill(on, "sales") - present_skill(off, "sales")).mean() > 0.01
    assert abs((present_skill(on, "relationship") - present_skill(off, "relationship")).mean()) < 0.005


def test_fact_training_size() -> None:
    """Stylised fact 3 (Arthur, Bennett, Edens & Bell 2003: d ~ .6 on behaviour; docs/evidence.md:
    0.3-0.6 SD): one course moves the trained skill by 0.3-0.6 SD of the AMs' skill spread.

    Five paired seeds of 12 AMs; measured right after the course (day 63). The gain is 62 %
    transfer x 12 % of the gap; the accepted band is widened to 0.25-0.7 for the six-seed sample.
    """
    gains, sds = [], []
    for seed in range(6):
        gains.append(_course_gain(seed, 63, 66))
        off = run({**ONE_SALES_COURSE, "training.enabled": False, "training.interval_days": 63,
                   "branch.horizon_days": 66}, seed)
        sds.append(float(present_skill(off, "sales").std()))
    effect = np.mean(gains) / np.mean(sds)
    assert 0.25 <= effect <= 0.7, effect


def test_fact_decay_without_refreshers() -> None:
    """Stylised fact 2 (Tatel & Ackerman: half of a gain lost in 6.5-13 months; Arthur et al.
    1998): without refreshers, 200 working days (~9.5 months) after a course between a third and
    60 % of its gain remains, i.e. a half-life of 6-13 months of 21 working days.

    Three paired seeds (the remaining share varies by +-0.03 across seeds).
    """
    remaining = [_course_gain(s, 200, 400) / _course_gain(s, 200, 202) for s in range(3)]
    assert 2 ** (-200 / 126) <= np.mean(remaining) <= 2 ** (-200 / 273), remaining


def test_targeted_training_reaches_the_lowest_assessed() -> None:
    """Assessment with targeted training trains fewer AMs than training everyone, at lower cost."""
    policy = sb.load_policy(POLICIES / "targeted_training.toml")
    everyone = sb.load_policy(POLICIES / "training_quarterly.toml")
    targeted = sb.run(BASE.with_policy(policy), seed=2).kpis
    all_ = sb.run(BASE.with_policy(everyone), seed=2).kpis
    assert 0 < targeted["training_hours"] < all_["training_hours"]
    assert targeted["training_cost"] < all_["training_cost"]


def test_development_plans_raise_skill() -> None:
    """Assessment with development plans for the lowest quarter raises mean skill (paired, 3 seeds)."""
    diff = paired({"assessment.enabled": True, "assessment.action": "development_plan"}, range(3), "skill_mean")
    assert diff.mean() > 0


def test_fact_time_away_from_clients_is_paid_for() -> None:
    """Training or meetings take AMs away from clients: very frequent training (2 of every 5 days,
    everyone at once) serves fewer requests and makes clients wait far longer; daily three-hour
    meetings raise waits. Two paired seeds; the effects are large (tens of per cent)."""
    heavy = {"training.enabled": True, "training.interval_days": 5, "training.length_days": 2,
             "training.groups": 1}
    meetings = {"communication.enabled": True, "communication.meeting_interval_days": 1,
                "communication.meeting_length_h": 3.0}
    base = kpis({}, range(2))
    trained = kpis(heavy, range(2))
    met = kpis(meetings, range(2))
    assert (trained["requests_served"] < 0.95 * base["requests_served"]).all()
    assert (trained["wait_mean_h"] > 2 * base["wait_mean_h"]).all()
    assert (met["wait_mean_h"] > base["wait_mean_h"]).all()


# ---------------------------------------------------------------- incentives

SEEDS = range(5)


def test_fact_pay_for_output_raises_sales_and_widens_the_spread() -> None:
    """Stylised fact 4 (Lazear 2000: +44 %; Condly et al. 2003: +22 %; Cala/Havranek 2022: smaller):
    sales-based individual pay raises sales by 10-45 % and widens the spread of revenue between AMs.
    Five paired seeds; per-seed gains range roughly 25-35 %, so the mean is tested against the band.
    """
    sales = kpis({"incentives.scheme": "commission"}, SEEDS)["sales_count"] / kpis({}, SEEDS)["sales_count"]
    assert 1.10 <= sales.mean() <= 1.45, sales.mean()
    spread = [run({"incentives.scheme": "commission"}, s).managers["revenue"].std()
              / run({}, s).managers["revenue"].std() for s in SEEDS]
    assert np.mean(spread) > 1.0


def test_fact_sales_only_commission_costs_satisfaction() -> None:
    """Stylised fact 5 (Holmstrom & Milgrom 1991; Kishore et al. 2013; CFPB 2016): with no weight
    on service, sales rise while satisfaction falls and complaints rise. Five paired seeds; each
    difference must hold on average and in at least four of five seeds."""
    policy = {"incentives.scheme": "commission"}
    sat = paired(policy, SEEDS, "satisfaction_mean")
    complaints = paired(policy, SEEDS, "complaints")
    assert sat.mean() < 0 and (sat < 0).sum() >= 4
    assert complaints.mean() > 0 and (complaints > 0).sum() >= 4


def test_fact_balanced_scorecard_keeps_most_of_the_gain() -> None:
    """Stylised fact 5, second half: a balanced scorecard keeps most (over half) of the
    commission's sales gain with less damage to satisfaction. Five paired seeds."""
    base = kpis({}, SEEDS)
    commission = kpis({"incentives.scheme": "commission"}, SEEDS)
    card = kpis({"incentives.scheme": "scorecard"}, SEEDS)
    gain_commission = (commission["sales_count"] - base["sales_count"]).mean()
    gain_card = (card["sales_count"] - base["sales_count"]).mean()
    assert gain_card > 0.5 * gain_commission
    assert card["satisfaction_mean"].mean() > commission["satisfaction_mean"].mean()


def test_incentives_are_paid_for() -> None:
    """Bonuses and commissions are costs, and profit is revenue minus all costs."""
    res = run({"incentives.scheme": "scorecard"}, 0).kpis
    assert res["bonus_cost"] > 0
    assert res["profit"] == pytest.approx(res["revenue"] - res["cost_total"])
    assert res["cost_total"] == pytest.approx(res["salary_cost"] + res["training_cost"] + res["bonus_cost"]
                                              + res["wellbeing_cost"] + res["other_cost"])


# ---------------------------------------------------------------- surveys, careers, meetings, wellbeing


def test_fact_feedback_helps_on_average() -> None:
    """Stylised fact 7 (Kluger & DeNisi 1996: d = .41, over a third of feedback events hurt):
    survey feedback raises clients' satisfaction on average though some feedback backfires.
    Five paired seeds against surveys without feedback; the gain is small (~0.005) but its
    per-seed sd is ~0.002, so the mean is positive with a wide margin."""
    without = {"surveys.enabled": True, "surveys.feedback": False}
    gain = paired({"surveys.enabled": True}, range(4), "satisfaction_mean", base=without)
    assert gain.mean() > 0


def test_survey_measures_nps_with_noise() -> None:
    """A survey reports an NPS close to the true one (same branch, sampled with noise).

    About 100 answers per survey give the measured NPS a sampling sd of ~8 points, and answer noise
    pushes clients across the category edges, measured as 1-10 points below the true NPS over six
    seeds: 20 points is a bound a working survey keeps."""
    k = run({"surveys.enabled": True}, 0).kpis
    assert abs(k["survey_nps"] - k["nps"]) < 20


def test_career_ladder_promotes_and_keeps_people() -> None:
    """A visible career path promotes AMs (so salaries rise) and lowers quitting.
    Five paired seeds at a high quit hazard, so that there are quits to lower."""
    # quits are frequent and free of the stress spiral, so the path's effect on the hazard shows
    churny = {"managers.turnover.base_rate_per_year": 0.4, "managers.turnover.stress_sensitivity": 0.0,
              "managers.turnover.burnout_multiplier": 1.0}
    ladder = {**churny, "careers.enabled": True}
    assert kpis(ladder, range(4))["promotions"].sum() > 0
    assert paired(ladder, range(4), "am_turnover_rate", base=churny).mean() < 0


def test_meetings_share_knowledge() -> None:
    """Weekly meetings move weaker AMs' skills towards the team's best (mean skill up, spread down)."""
    meetings = {"communication.enabled": True, "managers.turnover.enabled": False}
    on = run(meetings, 0).managers
    off = run({"managers.turnover.enabled": False}, 0).managers
    assert on["skill_sales"].mean() > off["skill_sales"].mean()
    assert on["skill_sales"].std() < off["skill_sales"].std()


def test_fact_stress_support() -> None:
    """Stylised fact 6 (Richardson & Rothstein 2008: d = 0.53 for stress-management programmes):
    support reaching every AM cuts stress by about half an SD of the AMs' stress spread (accepted
    0.3-0.8 SD over five paired seeds) and changes sales by only a few per cent.

    The spread is the cross-sectional SD of AMs' stress at the end of a run, as a strain study
    measures it; with 12 AMs one run's SD is noisy (0.04-0.2), so the median over seeds is used."""
    support = {"wellbeing.enabled": True, "wellbeing.reach": 1.0}
    cut = -paired(support, SEEDS, "stress_mean").mean()
    spread = np.median([run({}, s).managers.loc[lambda m: m["left_day"].isna(), "stress"].std() for s in SEEDS])
    assert 0.3 <= cut / spread <= 0.8, cut / spread
    sales = kpis(support, SEEDS)["sales_count"] / kpis({}, SEEDS)["sales_count"]
    assert abs(sales.mean() - 1.0) < 0.05


def test_stress_support_lowers_turnover_where_stress_drives_quitting() -> None:
    """Less stress means fewer quits (Swider & Zimmerman 2010): with stress-driven quitting made
    strong, support lowers turnover. At the default sensitivity the effect exists but is too small
    to see in a few seeds (see docs/model.md)."""
    stressed = {"managers.turnover.stress_sensitivity": 6.0, "managers.stress.climate": 2.0}
    support = {**stressed, "wellbeing.enabled": True, "wellbeing.reach": 1.0}
    assert paired(support, range(4), "am_turnover_rate", base=stressed).mean() < 0


def test_crm_follow_up_reaches_neglected_clients() -> None:
    """CRM follow-up calls clients not contacted for long, which raises satisfaction (paired, 3 seeds)."""
    follow = {"allocation.follow_up_days": 60}
    assert kpis(follow, range(3))["follow_ups"].min() > 0
    assert paired(follow, range(3), "satisfaction_mean").mean() > 0
