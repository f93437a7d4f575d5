"""The trainer's live demo: controls that rerun two policies on the same clients."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

import simbranch as sb
from simbranch import meanings
from simbranch.demo import CONTROLS, DEMO_KPIS, DEMO_SERIES, FIGURE_KPIS, choice_label, demo_overrides, side_by_side

BASELINE = Path(__file__).resolve().parents[1] / "simbranch" / "scenarios" / "baseline.toml"
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
    assert first[:8] == b"\x89PNG\r\n\x1a\n" and "Client satisfaction (0-1)" in demo.kpi_table.value
    assert "satisfaction_mean" not in demo.kpi_table.value
    demo._controls[1]["allocation"].value = "crm"
    assert demo.chart.value != first


@pytest.fixture(scope="module")
def crm_demo(scenario):
    return side_by_side(scenario, seed=2, right={"allocation": "crm", "training": "quarterly"})


def test_the_controls_show_words_and_keep_the_codes(scenario):
    demo = side_by_side(scenario, seed=2, right={"allocation": "crm"})
    allocation = demo._controls[1]["allocation"]
    assert allocation.value == "crm" and allocation.label == "CRM routing"
    assert ("sales commission", "commission") in demo._controls[0]["incentives"].options
    assert choice_label("training", "quarterly", "zh") == "每季度" and choice_label("surveys", True) == "on"
    assert choice_label("allocation", "my_own_rule") == "my_own_rule"  # a rule the demo has no words for
    zh = side_by_side(scenario, seed=2, lang="zh")
    assert zh._controls[0]["allocation"].description == "客户分配" and "两边客户相同" in zh.status.value
    assert "客户满意度(0-1分)" in zh.kpi_table.value


def test_the_readable_table_names_kpis_by_label_with_units(crm_demo):
    table = crm_demo.readable_table()
    numbers = crm_demo.table()
    assert list(table.columns) == ["A", "B", "B − A"] and len(table) == len(DEMO_KPIS)
    assert "Mean wait (hours)" in table.index and "Profit (CNY)" in table.index and "Complaints" in table.index
    assert not set(DEMO_KPIS) & set(table.index)
    wait = table.loc["Mean wait (hours)"]
    assert wait["B − A"] == meanings.fmt("wait_mean_h", numbers.loc["wait_mean_h", "B - A"], difference=True)
    assert table.loc["Emotionally exhausted AMs (share of AMs)", "A"].endswith("%")
    assert "平均等待时间(小时)" in crm_demo.readable_table("zh").index
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        crm_demo.readable_table("fr")


def _texts(fig: Figure) -> list[str]:
    """Every text a reader sees in `fig`: titles, labels, ticks, legends and the cells of tables."""
    cells = [cell.get_text() for ax in fig.get_axes() for table in ax.tables for cell in table.get_celld().values()]
    return [t.get_text().strip() for t in [*fig.findobj(Text), *cells] if t.get_text().strip()]


def test_the_static_figure_shows_both_sides_with_labels_and_units(crm_demo, tmp_path):
    """The figure for where widgets do not render: a matplotlib Figure (no pyplot), every KPI and series
    panel titled by its label, axes with units, the difference said better or worse, the settings of
    both sides; no code name anywhere."""
    fig = crm_demo.figure()
    assert isinstance(fig, Figure)
    axes = [ax for ax in fig.get_axes() if ax.axison]
    titles = [ax.get_title() for ax in axes]
    assert titles == [meanings.label(k) for k in FIGURE_KPIS] + [meanings.label(c) for c in DEMO_SERIES]
    kpi_axes, series_axes = axes[:len(FIGURE_KPIS)], axes[len(FIGURE_KPIS):]
    for ax, kpi in zip(kpi_axes, FIGURE_KPIS, strict=True):
        unit, change = ax.get_xlabel().split("\n")
        assert unit == meanings.unit(kpi, currency="CNY") and change.startswith("B − A: ")
        assert [t.get_text() for t in ax.get_yticklabels()] == ["Policy A", "Policy B"]
    assert kpi_axes[FIGURE_KPIS.index("wait_mean_h")].get_xlabel().endswith(", better")  # CRM: no queue
    for ax in series_axes:
        assert ax.get_xlabel() == "Working day" and ax.get_ylabel()
    assert series_axes[DEMO_SERIES.index("sales_count")].get_ylabel() == "sales per day"
    fig.savefig(tmp_path / "handout.png")  # drawn: the tick labels are made
    assert (tmp_path / "handout.png").read_bytes()[:4] == b"\x89PNG"
    texts = _texts(fig)
    assert {"CRM routing", "in turn", "quarterly", "Policy A", "Policy B"} <= set(texts)
    codes = set(FIGURE_KPIS) | set(DEMO_SERIES) | {"crm", "round_robin"}
    assert not codes & set(texts)


def test_the_static_figure_in_chinese(crm_demo):
    fig = crm_demo.figure(lang="zh", kpis=["profit"], series=["wait_mean_h"])
    axes = [ax for ax in fig.get_axes() if ax.axison]
    assert [ax.get_title() for ax in axes] == ["利润", "平均等待时间"]
    assert axes[0].get_xlabel().startswith("元\nB − A:") and axes[1].get_ylabel() == "小时"
    assert {"使用CRM系统自动分配", "政策A", "预热期(不计入KPI)"} <= set(_texts(fig))
    with pytest.raises(ValueError, match="unknown language"):
        crm_demo.figure(lang="fr")


def test_a_kpi_undefined_in_the_runs_has_no_bar_and_says_so(crm_demo):
    assert pd.isna(crm_demo.results["A"].kpis["new_hire_quit_12m"])  # nobody hired in 15 days
    fig = crm_demo.figure(kpis=["new_hire_quit_12m"], series=["headcount"])
    assert fig.get_axes()[0].get_xlabel() == "share of new hires\nB − A: n/a"
