"""The registry of meanings (`simbranch.meanings`): every KPI, daily column, lever section and preset
policy has its labels in English and Chinese, units, better direction and number format; the
readers (plots' axis units, the trade-off directions) give the answers they gave before the
registry; unknown names fail with a clear message or fall back where asked to.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest

import simbranch as sb
from simbranch import meanings
from simbranch.analysis.tradeoffs import higher_is_better
from simbranch.experiment.compare import SERIES_COLUMNS
from simbranch.model.records import DAILY_COLUMNS
from simbranch.run import TIER_KPI_PREFIXES, kpi_names
from simbranch.scenario import LEVER_SECTIONS

CJK = re.compile(r"[\u4e00-\u9fff]")
PRESETS = Path(sb.__file__).resolve().parent / "scenarios" / "policies"
#: columns of the daily frame that are keys, not measures
DAILY_KEYS = ("day", "warmup")
MEASURED = [*kpi_names(sb.Scenario()), *SERIES_COLUMNS, *(c for c in DAILY_COLUMNS if c not in DAILY_KEYS)]

# ------------------------------------------------------------------ the tables the registry replaced
# Kept as they were before the registry, so that the readers' answers stay the same for every name
# those tables knew: `simbranch.plots._UNITS` and `_FLOWS`, and the direction table of
# `simbranch.analysis.tradeoffs` (LOWER_IS_BETTER, LOWER_IS_BETTER_PREFIXES; larger was better for
# every other name).
OLD_UNITS = {
    "satisfaction_mean": "0-1", "satisfaction": "0-1", "client_satisfaction": "0-1", "stress_mean": "0-1",
    "stress": "0-1", "skill_mean": "0-1", "motivation_mean": "0-1", "motivation": "0-1",
    "burnout_share": "share of AMs", "utilisation": "share of available hours", "nps": "-100 to 100",
    "survey_nps": "-100 to 100", "wait_mean_h": "hours", "wait_p90_h": "hours", "wait_all_mean_h": "hours",
    "service_mean_h": "hours", "training_hours": "hours", "meeting_hours": "hours", "busy_h": "hours",
    "available_h": "hours", "revenue": "currency", "profit": "currency", "cost_total": "currency",
    "cost": "currency", "salary_cost": "currency", "training_cost": "currency", "bonus_cost": "currency",
    "wellbeing_cost": "currency", "other_cost": "currency", "revenue_per_am": "currency per AM-year",
    "client_churn_rate": "per year", "am_turnover_rate": "per year", "headcount": "AMs", "headcount_mean": "AMs",
    "clients": "clients", "clients_end": "clients", "queue_length": "requests", "sales_count": "sales",
    "complaints": "complaints", "requests_arrived": "requests", "requests_served": "requests",
    "requests_abandoned": "requests", "requests_open_at_end": "requests", "follow_ups": "follow-ups",
    "promotions": "promotions", "arrived": "requests", "served": "requests", "abandoned": "requests",
    "exhaustion_mean": "0-1", "exhaustion": "0-1", "exhausted_share": "share of AMs", "wait_served_mean_h": "hours",
    "overtime_hours": "hours", "proactive_hours": "hours", "admin_hours": "hours", "overtime_h": "hours",
    "proactive_h": "hours", "admin_h": "hours", "backlog_h": "hours", "proactive_sales": "sales",
    "proactive_contacts": "calls", "time_away_cost": "currency", "new_hire_quit_12m": "share of new hires",
    "on_leave": "AMs",
}
OLD_FLOWS = {"sales_count", "revenue", "cost", "arrived", "served", "abandoned", "complaints", "churned", "new_clients",
             "overtime_h", "proactive_h", "admin_h", "proactive_sales", "proactive_contacts", "time_away_cost",
             "quits", "hires", "training_hours", "meeting_hours", "follow_ups", "promotions", "salary_cost",
             "training_cost", "bonus_cost", "wellbeing_cost", "other_cost", "busy_h", "available_h"}
OLD_LOWER_IS_BETTER = {
    "requests_abandoned", "requests_open_at_end", "wait_mean_h", "wait_p90_h", "wait_all_mean_h",
    "wait_served_mean_h", "service_mean_h", "overtime_hours", "complaints", "client_churn_rate", "am_turnover_rate",
    "new_hire_quit_12m", "stress_mean", "exhaustion_mean", "exhausted_share", "burnout_share", "salary_cost",
    "time_away_cost", "training_cost", "bonus_cost", "wellbeing_cost", "other_cost", "cost_total", "cost",
    "queue_length",
}
OLD_LOWER_IS_BETTER_PREFIXES = ("client_churn_rate_",)
#: Daily and per-AM columns the old direction table did not list, so called "higher is better" by
#: default, although fewer of them is better; no analysis asked for their direction.
NOW_LOWER = {"abandoned", "overtime_h", "backlog_h", "churned", "vacancies", "quits", "stress", "exhaustion"}


def old_higher_is_better(kpi: str) -> bool:
    return kpi not in OLD_LOWER_IS_BETTER and not kpi.startswith(OLD_LOWER_IS_BETTER_PREFIXES)


def test_every_kpi_and_daily_column_has_every_field_in_both_languages():
    """Every KPI of the default scenario (per-tier ones included), every series a comparison keeps and
    every daily column has a non-empty label and unit in both languages, a Chinese label in Chinese,
    a better direction, a known format and digits."""
    for name in MEASURED:
        m = meanings.measure(name)
        assert m.name == name
        for field in ("label_en", "label_zh", "unit_en", "unit_zh"):
            assert isinstance(getattr(m, field), str) and getattr(m, field).strip(), (name, field)
        assert CJK.search(m.label_zh), (name, m.label_zh)
        assert not CJK.search(m.label_en), (name, m.label_en)
        assert m.label_en != name, f"{name}: the label is the code name"
        assert m.better in ("higher", "lower", "neither")
        assert m.format in meanings.FORMATS
        assert isinstance(m.decimals, int) and 0 <= m.decimals <= 4
        assert m.relative_ok == (m.format in ("count", "money", "hours"))


def test_kpi_labels_tell_kpis_apart():
    """No two KPIs of a run share a label in either language (a legend or table could not tell them apart)."""
    frame = sb.kpis()
    for column in ("label_en", "label_zh"):
        duplicated = frame.loc[frame[column].duplicated(keep=False), ["name", column]]
        assert duplicated.empty, duplicated


def test_kpis_frame_lists_every_kpi_of_a_scenario_in_order():
    """`sb.kpis()` is the registry's frame: one row per KPI of `kpi_names`, per-tier KPIs named after the tiers."""
    assert sb.kpis is meanings.kpis
    frame = sb.kpis()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame["name"]) == kpi_names(sb.Scenario())
    assert list(frame.columns) == ["name", "label_en", "label_zh", "unit_en", "unit_zh", "better", "format",
                                   "decimals", "relative_ok"]
    tiers = {"gold": {"share": 0.3}, "silver": {"share": 0.7}}
    scenario = sb.Scenario().with_overrides({"clients.tiers": tiers})
    custom = meanings.kpis(scenario).set_index("name")
    assert list(custom.index) == kpi_names(scenario)
    assert custom.loc["satisfaction_gold", "label_en"] == "Client satisfaction: tier gold"
    assert custom.loc["satisfaction_gold", "label_zh"] == "客户满意度(gold类客户)"
    assert custom.loc["client_churn_rate_silver", "better"] == "lower"


def test_per_tier_kpis_derive_from_their_base_kpi():
    """A per-tier KPI has its base KPI's unit, direction and format, and the tier in its label."""
    assert set(meanings.TIER_BASES) == set(TIER_KPI_PREFIXES)
    for prefix, base in meanings.TIER_BASES.items():
        b = meanings.measure(base)
        for tier, (en, zh) in meanings.TIERS.items():
            m = meanings.measure(f"{prefix}{tier}")
            assert (m.unit_en, m.unit_zh, m.better, m.format, m.decimals, m.relative_ok) == (
                b.unit_en, b.unit_zh, b.better, b.format, b.decimals, b.relative_ok)
            assert m.label_en == f"{b.label_en}: {en}"
            assert m.label_zh.startswith(b.label_zh) and zh in m.label_zh
    assert meanings.label("satisfaction_vip", "zh") == "客户满意度(贵宾客户)"
    assert meanings.label("client_churn_rate_mass") == "Client churn rate: mass clients"


def test_every_lever_section_and_preset_policy_is_described_in_both_languages():
    """The lever sections are those of the scenario, the policies those of simbranch/scenarios/policies/ and the
    baseline; each has a label and a one-line description in English and in Chinese; the English
    description is the policy file's own."""
    presets = sorted(path.stem for path in PRESETS.glob("*.toml"))
    assert presets, PRESETS
    assert set(meanings.LEVERS) == set(LEVER_SECTIONS)
    assert set(meanings.POLICIES) == {"baseline", *presets}
    for table in (meanings.LEVERS, meanings.POLICIES):
        for name, entry in table.items():
            assert entry.name == name
            for field in ("label_en", "label_zh", "description_en", "description_zh"):
                text = getattr(entry, field)
                assert isinstance(text, str) and text.strip() and "\n" not in text, (name, field)
            assert CJK.search(entry.label_zh) and CJK.search(entry.description_zh), name
            assert not CJK.search(entry.label_en + entry.description_en), name
            assert entry.label_en != name, f"{name}: the label is the code name"
            assert meanings.label(name, "zh") == entry.label_zh
            assert meanings.description(name) == entry.description_en
    for name in presets:
        meta = tomllib.loads((PRESETS / f"{name}.toml").read_text(encoding="utf-8"))["policy"]
        assert meta["name"] == name
        assert meanings.description(name) == meta["description"], name
    assert list(meanings.levers()["name"]) == list(meanings.LEVERS)
    assert list(meanings.policies()["name"]) == list(meanings.POLICIES)


def test_better_directions_follow_the_model():
    """Spot checks of what the model means by better."""
    assert meanings.better("profit") == "higher"
    assert meanings.better("satisfaction_mean") == "higher"
    assert meanings.better("nps") == "higher"
    assert meanings.better("sales_count") == "higher"
    for name in ("wait_mean_h", "complaints", "exhausted_share", "cost_total", "client_churn_rate",
                 "am_turnover_rate", "stress_mean", "client_churn_rate_vip"):
        assert meanings.better(name) == "lower", name
    for name in ("requests_arrived", "utilisation", "training_hours", "headcount_mean"):
        assert meanings.better(name) == "neither", name


def test_relative_change_only_where_it_means_something():
    """NPS crosses zero and shares change in percentage points: no relative change for them; counts,
    money and hours have one."""
    for name in ("nps", "survey_nps", "exhausted_share", "utilisation", "client_churn_rate", "satisfaction_mean"):
        assert meanings.measure(name).relative_ok is False, name
    for name in ("profit", "revenue", "complaints", "sales_count", "wait_mean_h"):
        assert meanings.measure(name).relative_ok is True, name


def test_fmt_writes_money_shares_and_changes():
    """Money with thousands separators and no decimals, a share as a percentage, a share's change in
    percentage points, a missing value as such; the same digits in both languages."""
    assert meanings.fmt("profit", 11_034_640.2) == "11,034,640"
    assert meanings.fmt("profit", 11_034_640.2, "zh") == "11,034,640"
    assert meanings.fmt("revenue", -1234.5, difference=True) == "-1,234"
    assert meanings.fmt("exhausted_share", 0.1796) == "18.0%"
    assert meanings.fmt("exhausted_share", 0.1796, "zh") == "18.0%"
    assert meanings.fmt("exhausted_share", 0.012, difference=True) == "+1.2 pp"
    assert meanings.fmt("exhausted_share", -0.012, "zh", difference=True) == "-1.2个百分点"
    assert meanings.fmt("satisfaction_mean", 0.83165) == "0.832"
    assert meanings.fmt("nps", 40.24) == "40.2"
    assert meanings.fmt("wait_mean_h", 0.4478) == "0.45"
    assert meanings.fmt("wait_mean_h", 0.4478, decimals=1) == "0.4"
    assert meanings.fmt("complaints", 754.0) == "754"
    assert meanings.fmt("nps", -0.01) == "0.0"
    assert meanings.fmt("profit", 0.2, difference=True) == "0"
    assert meanings.fmt("survey_nps", float("nan")) == "n/a"
    assert meanings.fmt("survey_nps", None, "zh") == "无数据"


def test_unknown_names_and_languages_fail_clearly():
    """An unknown name raises UnknownName (a LookupError) naming it, unless a fallback is asked for;
    an unknown language raises ValueError."""
    with pytest.raises(meanings.UnknownName, match="'no_such_kpi'"):
        meanings.better("no_such_kpi")
    with pytest.raises(LookupError, match="'no_such_kpi'"):
        meanings.unit("no_such_kpi")
    with pytest.raises(meanings.UnknownName, match="preset policy"):
        meanings.label("my_policy")
    with pytest.raises(meanings.UnknownName, match="lever section"):
        meanings.description("nps")
    with pytest.raises(meanings.UnknownName):
        meanings.fmt("satisfaction_", 0.5)  # a prefix without a tier
    assert meanings.find("no_such_kpi") is None
    assert meanings.find("satisfaction_surveys") is None  # a policy, not the KPI of a tier "surveys"
    assert meanings.label("my_policy", default="my_policy") == "my_policy"
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        meanings.label("nps", "fr")
    with pytest.raises(ValueError, match="unknown language"):
        meanings.fmt("nps", 1.0, "de")


def test_directions_are_those_of_the_old_table():
    """`higher_is_better` reads the registry and answers as the table it replaced did for every KPI,
    every name that table listed and every daily or per-AM column, except the few losses that
    table did not list (larger was better by default for them)."""
    names = {*MEASURED, *OLD_LOWER_IS_BETTER, *OLD_UNITS, *meanings.MEASURES,
             *(f"client_churn_rate_{t}" for t in ("gold", "x"))}
    for name in names:
        expected = False if name in NOW_LOWER else old_higher_is_better(name)
        assert higher_is_better(name) is expected, name
    assert NOW_LOWER.isdisjoint(kpi_names(sb.Scenario()))
    assert higher_is_better("a_column_of_my_own") is True  # unknown: larger counts as better, as before


def test_axis_units_are_those_of_the_old_table():
    """Plots' axis units come from the registry and are those the figures showed before, per day for
    the daily columns that are flows; the axes now name the measure by its label, not its code
    name, and money by the scenario's currency (issue 15); a name without a meaning stays as is."""
    from simbranch.plots._base import axis_label

    for name, unit in OLD_UNITS.items():
        assert meanings.unit(name) == unit, name
        assert axis_label(name, "en") == f"{meanings.label(name)} ({unit.replace('currency', 'CNY')})", name
    for name in DAILY_COLUMNS:
        if name not in DAILY_KEYS:
            assert meanings.measure(name).flow == (name in OLD_FLOWS), name
    assert axis_label("sales_count", "en", daily=True) == "Sales (sales per day)"
    assert axis_label("satisfaction_mean", "en", daily=True) == "Client satisfaction (0-1)"
    assert axis_label("satisfaction_vip", "en") == "Client satisfaction: VIP clients (0-1)"
    assert axis_label("profit", "zh") == "利润(元)"
    assert axis_label("revenue_per_am", "en", "USD") == "Revenue per AM (USD per AM-year)"
    assert axis_label("sales_count", "zh", daily=True) == "销售笔数(笔/天)"
    assert axis_label("value", "en") == "value"


def test_money_is_written_as_people_write_it():
    """English with k, M and B, Chinese with 万 and 亿 (元 for CNY, the code after a space for another
    currency); no "1,000k"; changes signed; ticks in their shortest exact form."""
    assert meanings.money(1_234_567) == "1.2M CNY"
    assert meanings.money(350_000, unit=False) == "350k"
    assert meanings.money(35_200) == "35.2k CNY"
    assert meanings.money(850) == "850 CNY"
    assert meanings.money(999_960) == "1.0M CNY"
    assert meanings.money(2.5e9, currency="USD") == "2.5B USD"
    assert meanings.money(350_000, "zh") == "35.0万元"
    assert meanings.money(350_000, "zh", "USD") == "35.0万 USD"
    assert meanings.money(11_034_640.2, "zh") == "1,103.5万元"
    assert meanings.money(1.5e8, "zh") == "1.50亿元"
    assert meanings.money(8_500, "zh") == "8,500元"
    assert meanings.money(99_999_990, "zh") == "1.00亿元"  # not 10,000.0万
    assert meanings.money(-1_234_567, difference=True) == "-1.2M CNY"
    assert meanings.money(35_000, "zh", difference=True) == "+3.5万元"
    assert meanings.money(0.2, difference=True) == "0 CNY"
    assert meanings.money(-8.94e-05, tick=True) == "0"
    assert [meanings.money(v, tick=True) for v in (0, 250_000, 1_000_000, 1_250_000)] == ["0", "250k", "1M", "1.25M"]
    assert [meanings.money(v, "zh", tick=True) for v in (0, 50_000, 1_000_000, 1.5e8)] == ["0", "5万", "100万", "1.5亿"]
    assert meanings.money(float("nan")) == "n/a" and meanings.money(None, "zh") == "无数据"
    assert meanings.fmt("profit", 1_234_567, currency="CNY") == "1.2M CNY"
    assert meanings.fmt("profit", 350_000, "zh", difference=True, currency="CNY") == "+35.0万元"
    assert meanings.fmt("nps", 40.24, currency="CNY") == "40.2"  # only money changes
    with pytest.raises(ValueError, match="unknown language"):
        meanings.money(1.0, "fr")


def test_units_in_the_scenarios_currency():
    """The "currency" unit becomes the scenario's currency when one is given; yuan is 元 in Chinese."""
    assert meanings.unit("profit", currency="CNY") == "CNY"
    assert meanings.unit("profit", "zh", currency="CNY") == "元"
    assert meanings.unit("profit", "zh", currency="EUR") == "EUR"
    assert meanings.unit("revenue_per_am", "zh", currency="CNY") == "元/人·年"
    assert meanings.unit("wait_mean_h", currency="USD") == "hours"
    assert meanings.unit("profit") == "currency"  # without a currency, as before
    assert meanings.currency_unit("USD", "zh") == "USD" and meanings.currency_unit("CNY", "en") == "CNY"


def test_titles_say_which_way_is_better():
    assert meanings.title("satisfaction_mean") == "Client satisfaction (higher is better)"
    assert meanings.title("satisfaction_mean", "zh") == "客户满意度(越高越好)"
    assert meanings.title("wait_mean_h", "zh") == "平均等待时间(越低越好)"
    assert meanings.title("utilisation") == "Utilisation"  # neither way is better


def _leaves(model, prefix=""):
    from pydantic import BaseModel

    for name in type(model).model_fields:
        value, path = getattr(model, name), f"{prefix}{name}"
        if isinstance(value, BaseModel):
            yield from _leaves(value, f"{path}.")
        elif isinstance(value, dict) and value and all(isinstance(v, BaseModel) for v in value.values()):
            for key, entry in value.items():
                yield from _leaves(entry, f"{path}.{key}.")
        else:
            yield path


def test_every_parameter_has_a_label_in_both_languages():
    """Every field of a scenario a sweep, calibration or robustness study can vary has a label in
    English and Chinese (figures name parameters by it, not by their dotted path); the entries of
    named tables (tiers, levels, request types) are named after the entry."""
    paths = [p for p in _leaves(sb.Scenario()) if p not in ("branch.name", "branch.currency")]
    assert len(paths) > 200
    for path in paths:
        en, zh = meanings.parameter_label(path), meanings.parameter_label(path, "zh")
        assert en and en != path and not CJK.search(en), path
        assert CJK.search(zh), (path, zh)
        assert meanings.label(path, "zh") == zh
    assert meanings.parameter_label("clients.tiers.vip.expected_quality") == "Expected service quality: VIP clients"
    assert meanings.parameter_label("clients.tiers.vip.expected_quality", "zh") == "客户期望的服务质量(贵宾客户)"
    assert meanings.parameter_label("clients.tiers.gold.share") == "Share of clients: tier gold"
    assert meanings.parameter_label("managers.levels.senior.salary_per_year", "zh") == "年薪(高级客户经理)"
    assert meanings.parameter_label("no.such.path", default="no.such.path") == "no.such.path"
    with pytest.raises(meanings.UnknownName, match=r"'no\.such\.path'"):
        meanings.parameter_label("no.such.path")


def test_results_display_their_labels_in_a_notebook():
    """A run, a comparison and a sweep show in Jupyter with the registry's labels, not code names."""
    from pathlib import Path

    sc = sb.load_scenario(Path(sb.__file__).resolve().parent / "scenarios" / "baseline.toml").with_overrides(
        {"branch.horizon_days": 5, "branch.warmup_days": 1, "clients.count": 100, "managers.count": 2})
    shown = [sb.run(sc, seed=1)._repr_html_(),
             sb.compare(sc, ["crm_routing"], replications=2, seed=1, executor="serial", progress=False)._repr_html_(),
             sb.sweep(sc, {"training.interval_days": (30, 90)}, method="grid", n=2, executor="serial",
                      progress=False)._repr_html_()]
    for html in shown:
        text = re.sub(r"<[^>]+>", " ", html)
        assert "satisfaction_mean" not in text and "crm_routing" not in text
        assert meanings.label("satisfaction_mean") in text
    assert meanings.label("crm_routing") in shown[1] and meanings.parameter_label("training.interval_days") in shown[2]


def test_readable_takes_a_run_s_kpi_series_as_well_as_a_dict():
    """A Series iterates over its values, not its names: the table is indexed by the KPI names all the same."""
    values = {"wait_mean_h": 0.5, "revenue": 1_234_567.0}
    from_series = meanings.readable(pd.Series(values))
    assert list(from_series.index) == ["wait_mean_h", "revenue"]
    pd.testing.assert_frame_equal(from_series, meanings.readable(values))
