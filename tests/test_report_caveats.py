"""The report's automatic caveats: each fires where its condition holds and stays quiet where it does not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simbranch as sb
from simbranch.report.caveats import _end_trend, _material, caveats

BASELINE = Path(__file__).resolve().parents[1] / "simbranch" / "scenarios" / "baseline.toml"
TINY = {"branch.horizon_days": 10, "branch.warmup_days": 2, "clients.count": 300, "managers.count": 3}


def _texts(cmp: sb.Comparison, lang: str = "en") -> list[str]:
    return [c.unescape() for c in caveats(cmp, cmp.paired(), lang, "CNY")]


@pytest.fixture(scope="module")
def tiny() -> sb.Comparison:
    sc = sb.load_scenario(BASELINE).with_overrides(TINY)
    return sb.compare(sc, ["wellbeing_support", "crm_routing"], replications=2, seed=2, executor="serial",
                      progress=False)


def test_few_replications_short_horizon_and_noise_only(tiny):
    texts = " ".join(_texts(tiny))
    assert "Only 2 replications" in texts and "a year on profit cannot be told from noise" in texts
    assert "The effects of mental-health support build up over months" in texts  # wellbeing, 10 days measured
    assert "Mental-health support" in texts  # the measure it concerns, by its label
    assert "the simulation's own noise" in texts
    assert "overloaded" not in texts


def test_slow_levers_measured_for_a_year_need_no_caveat():
    sc = sb.load_scenario(BASELINE).with_overrides({**TINY, "branch.days_per_year": 10})
    cmp = sb.compare(sc, ["wellbeing_support"], replications=2, seed=2, executor="serial", progress=False)
    assert not any("build up over months" in t for t in _texts(cmp))


def test_an_overloaded_branch_is_said_so_in_both_languages():
    """Two AMs for 1,500 clients: every hour is busy and requests wait for hours."""
    sc = sb.load_scenario(BASELINE).with_overrides({**TINY, "clients.count": 1500, "managers.count": 2})
    cmp = sb.compare(sc, ["crm_routing"], replications=2, seed=1, executor="serial", progress=False)
    assert any("The branch is overloaded today: utilisation 9" in t for t in _texts(cmp))  # 99 % here
    assert any("网点目前负荷过重" in t for t in _texts(cmp, "zh"))


def _series(slope: float, noise: float, reps: int = 4, days: int = 60, level: float = 0.8) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = [{"replication": r, "day": d, "satisfaction_mean": level + slope * d + rng.normal(0, noise)}
            for r in range(reps) for d in range(days)]
    return pd.DataFrame(rows)


def test_a_series_still_rising_at_the_end_is_found_and_a_flat_one_is_not():
    """A rise of 0.002 a day (0.06 over the last 30 days, against a floor of 0.02 on a 0-1 score) with
    noise 0.005 gives slopes far beyond the 1 % level over 4 replications; a flat noisy series, or a
    significant but immaterial drift (0.0001 a day: 0.003 over 30 days), is left alone."""
    change = _end_trend(_series(0.002, 0.005), "satisfaction_mean")
    assert change is not None and change[1] == 30 and change[0] == pytest.approx(0.06, rel=0.2)
    assert _end_trend(_series(0.0, 0.005), "satisfaction_mean") is None
    assert _end_trend(_series(0.0001, 0.0001), "satisfaction_mean") is None


def test_material_changes():
    assert _material("satisfaction_mean", 0.03, 0.8) and not _material("satisfaction_mean", 0.01, 0.8)
    assert _material("profit", 3e5, 1e7) and not _material("profit", 1e5, 1e7)  # 2 % of the level
    assert not _material("profit", float("nan"), 1e7)


def test_a_policy_of_many_measures_is_said_to_rest_on_the_model_alone():
    """all_measures changes the 8 measures at once: the evidence bounds each alone, not the combination; a policy
    of one measure (CRM routing) or two (targeted training: training and assessment) needs no such caveat."""
    from simbranch import meanings

    sc = sb.load_scenario(BASELINE).with_overrides(TINY)
    cmp = sb.compare(sc, ["all_measures", "crm_routing", "targeted_training"], replications=2, seed=3,
                     executor="serial", progress=False)
    combined = [t for t in _texts(cmp) if "Several measures changed at once" in t]
    assert combined == [f"Several measures changed at once by {meanings.label('all_measures')} (8) (how many in "
                        "brackets). The evidence holds each measure's effect on its own to the studies (see the "
                        "validation page); no study measured these combinations, so how the measures add up is the "
                        "model's alone: they share the same AMs' time, stress and skills, and the combined effect is "
                        "only as sure as those mechanisms."]
    chinese = f"同时改变多项措施的政策:{meanings.label('all_measures', 'zh')} (8)"
    assert any(t.startswith(chinese) for t in _texts(cmp, "zh"))


def test_a_comparison_of_single_measures_has_no_combination_caveat(tiny):
    assert not any("Several measures changed at once" in t for t in _texts(tiny))
