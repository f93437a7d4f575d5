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

POLICIES = Path(__file__).resolve().parents[1] / "simbranch" / "scenarios" / "policies"
#: The default branch at a third of its size (12 AMs, the same 175 clients per AM): a year in about 0.7 s.
BASE = sb.Scenario().with_overrides({"managers.count": 12, "clients.count": 2_100})
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


def test_training_raises_only_the_trained_skill() -> None:
    """A sales course raises sales skill on average; relationship skill moves only by the
    practice lost during the course (well under a hundredth)."""
    on = run({**ONE_SALES_COURSE, "training.interval_days": 63, "branch.horizon_days": 66}, 0)
    off = run({**ONE_SALES_COURSE, "training.enabled": False, "training.interval_days": 63,
               "branch.horizon_days": 66}, 0)
    assert (present_skill(on, "sales") - present_skill(off, "sales")).mean() > 0.01
    assert abs((present_skill(on, "relationship") - present_skill(off, "relationship")).mean()) < 0.005


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


def test_time_away_from_clients_is_paid_for() -> None:
    """Training or meetings take AMs away from clients: very frequent training (2 of every 5 days,
    everyone at once) leaves clients waiting far longer and pushes out proactive work; daily
    three-hour meetings raise waits and overtime, and their salary shows as `time_away_cost`. Two
    paired seeds; the effects are large (tens of per cent)."""
    heavy = {"training.enabled": True, "training.interval_days": 5, "training.length_days": 2,
             "training.groups": 1}
    meetings = {"communication.enabled": True, "communication.meeting_interval_days": 1,
                "communication.meeting_length_h": 3.0}
    base = kpis({}, range(2))
    trained = kpis(heavy, range(2))
    met = kpis(meetings, range(2))
    assert (trained["wait_mean_h"] > 2 * base["wait_mean_h"]).all()
    assert (trained["proactive_hours"] < 0.8 * base["proactive_hours"]).all()
    assert (met["wait_mean_h"] > base["wait_mean_h"]).all()
    assert (met["overtime_hours"] > base["overtime_hours"]).all()
    assert (met["time_away_cost"] > 0).all() and (base["time_away_cost"] == 0).all()


# ---------------------------------------------------------------- incentives


def test_incentives_are_paid_for() -> None:
    """Bonuses and commissions are costs, and profit is revenue minus all costs."""
    res = run({"incentives.scheme": "scorecard"}, 0).kpis
    assert res["bonus_cost"] > 0
    assert res["profit"] == pytest.approx(res["revenue"] - res["cost_total"])
    assert res["cost_total"] == pytest.approx(res["salary_cost"] + res["training_cost"] + res["bonus_cost"]
                                              + res["wellbeing_cost"] + res["other_cost"])


def test_commission_moves_effort_to_selling() -> None:
    """Pay on sales moves discretionary effort to selling (Holmström & Milgrom): more proactive hours
    and more sales, fewer review calls than sales calls would have been without it (2 paired seeds)."""
    on = kpis({"incentives.scheme": "commission"}, range(2))
    off = kpis({}, range(2))
    assert (on["proactive_hours"] > off["proactive_hours"]).all()
    assert (on["proactive_sales"] > off["proactive_sales"]).all()
    assert (on["sales_count"] > off["sales_count"]).all()


# ---------------------------------------------------------------- surveys, careers, meetings, wellbeing


def test_survey_measures_nps_with_noise() -> None:
    """A survey reports an NPS close to the true one (same branch, sampled with noise): a few hundred
    answers a survey give it a sampling sd of a few points, and answer noise pushes clients across the
    category edges; 20 points is a bound a working survey keeps."""
    k = run({"surveys.enabled": True}, 0).kpis
    assert abs(k["survey_nps"] - k["nps"]) < 20


def test_career_ladder_promotes_and_keeps_people() -> None:
    """A visible career path promotes AMs (so salaries rise) and lowers quitting (4 paired seeds)."""
    ladder = {"careers.enabled": True}
    assert kpis(ladder, range(4))["promotions"].sum() > 0
    assert paired(ladder, range(4), "am_turnover_rate").mean() < 0
    assert paired(ladder, range(4), "salary_cost").mean() > 0


def test_meetings_share_knowledge_towards_the_team_mean() -> None:
    """Weekly meetings move the weaker AMs' skills towards the team's mean: the spread falls, and
    nobody is lifted above the team's mean by sharing."""
    meetings = {"communication.enabled": True, "managers.turnover.enabled": False}
    on = run(meetings, 0).managers
    off = run({"managers.turnover.enabled": False}, 0).managers
    assert on["skill_sales"].std() < off["skill_sales"].std()
    assert on["skill_sales"].max() <= off["skill_sales"].max() + 0.01


def test_stress_support_lowers_stress_and_exhaustion() -> None:
    """Support for everyone lowers stress and exhaustion (2 paired seeds)."""
    support = {"wellbeing.enabled": True, "wellbeing.reach": 1.0}
    assert (paired(support, range(2), "stress_mean") < 0).all()
    assert (paired(support, range(2), "exhaustion_mean") < 0).all()


def test_crm_follow_up_reaches_neglected_clients() -> None:
    """With the CRM's follow-up the AMs' review lists are exact and prompt calls to clients not
    contacted for long: follow-ups are made, and satisfaction rises (paired, 3 seeds)."""
    follow = {"allocation.follow_up_days": 125}
    assert kpis(follow, range(3))["follow_ups"].min() > 0
    assert paired(follow, range(3), "satisfaction_mean").mean() > 0
