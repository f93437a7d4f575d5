"""The trainer's live demo: controls that rerun two policies on the same clients."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import simbranch as sb
from simbranch.demo import CONTROLS, demo_overrides, side_by_side

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
SMALL = {"branch.horizon_days": 15, "branch.warmup_days": 3, "clients.count": 300, "managers.count": 4}


@pytest.fixture(scope="module")
def scenario() -> sb.Scenario:
    return sb.load_scenario(BASELINE).with_overrides(SMALL)


def test_demo_starts_from_the_scenario_and_runs_both_sides(scenario):
    demo = side_by_side(scenario, seed=2)
    first, second = demo.choices()
    assert first == second
    assert first["allocation"] == scenario.allocation.rule and first["training"] == "none"
    # same choices, same seed: the two sides are the same run
    table = demo.table()
    assert (table["B - A"] == 0).all()
    pd.testing.assert_series_equal(demo.results["A"].kpis, sb.run(scenario, seed=2).kpis)
    assert set(demo.daily()["policy"]) == {"A", "B"}


def test_changing_a_control_reruns_that_side_on_the_same_seed(scenario):
    demo = side_by_side(scenario, seed=2)
    demo._controls[1]["allocation"].value = "crm"
    demo._controls[1]["training"].value = "monthly"
    b = demo.scenarios()[1]
    assert (b.allocation.rule, b.training.enabled, b.training.interval_days) == ("crm", True, 21)
    expected = sb.run(scenario.with_overrides(demo_overrides(demo.choices()[1])), seed=2).kpis
    pd.testing.assert_series_equal(demo.results["B"].kpis, expected)
    pd.testing.assert_series_equal(demo.results["A"].kpis, sb.run(scenario, seed=2).kpis)
    assert demo.table().loc["wait_mean_h", "B - A"] != 0
    assert "same clients" in demo.status.value


def test_seed_box_reruns_both(scenario):
    demo = side_by_side(scenario, seed=2)
    before = demo.results["A"].kpis["revenue"]
    demo.seed_box.value = 3
    assert demo.results["A"].kpis["revenue"] != before
    pd.testing.assert_series_equal(demo.results["A"].kpis, sb.run(scenario, seed=3).kpis)


def test_every_control_reaches_the_scenario(scenario):
    choice = {"allocation": "by_tier", "training": "quarterly", "incentives": "commission", "meetings": "weekly",
              "surveys": True, "careers": True, "wellbeing": True}
    assert set(choice) == set(CONTROLS)
    sc = scenario.with_overrides(demo_overrides(choice))
    assert sc.allocation.rule == "by_tier" and sc.incentives.scheme == "commission"
    assert sc.training.enabled and sc.training.interval_days == 63
    assert sc.communication.enabled and sc.communication.meeting_interval_days == 5
    assert sc.surveys.enabled and sc.careers.enabled and sc.wellbeing.enabled
    off = scenario.with_overrides(demo_overrides({"training": "none", "meetings": "none", "wellbeing": False}))
    assert not off.training.enabled and not off.communication.enabled and not off.wellbeing.enabled


def test_bad_controls_are_named(scenario):
    with pytest.raises(ValueError, match="unknown controls colour"):
        side_by_side(scenario, right={"colour": "red"})
    with pytest.raises(ValueError, match="allocation: 'best' is not one of"):
        side_by_side(scenario, right={"allocation": "best"})


def test_the_charts_and_table_are_redrawn(scenario):
    demo = side_by_side(scenario, seed=2)
    first = demo.chart.value
    assert first[:8] == b"\x89PNG\r\n\x1a\n" and "satisfaction_mean" in demo.kpi_table.value
    demo._controls[1]["allocation"].value = "crm"
    assert demo.chart.value != first
