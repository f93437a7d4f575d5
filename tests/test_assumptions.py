"""The model's coefficients are declared once, with a source and a plausible range (simbranch.assumptions)."""

import math

import pytest

import simbranch as sb


@pytest.fixture(scope="module")
def frame():
    return sb.assumptions()


def test_the_frame_has_one_row_per_declared_coefficient(frame):
    assert list(frame.columns) == ["path", "value", "unit", "description", "source", "assumed", "low", "high",
                                   "section"]
    assert not frame["path"].duplicated().any()
    assert (frame["section"] == frame["path"].str.split(".").str[0]).all()
    assert not frame["description"].str.contains(r"\[[^\[\]]*\]\s*$").any(), "the unit stays in its own column"
    assert (frame["unit"] != "").all()
    for path in ("managers.exhaustion.build_rate", "clients.tiers.vip.expected_quality",
                 "clients.tiers.mass.am_share.service", "incentives.pressure", "surveys.feedback_effect",
                 "training.transfer_share", "wellbeing.sick_reduction", "allocation.memory_sd", "careers.drive"):
        assert path in set(frame["path"]), path
    # every entry of a table gets its own rows
    assert {p.split(".")[2] for p in frame["path"] if p.startswith("clients.tiers.")} == {"mass", "affluent", "vip"}


def test_every_default_lies_in_its_plausible_range(frame):
    ranged = frame[frame["low"].notna()]
    assert len(ranged) == frame["low"].notna().sum() == frame["high"].notna().sum()
    outside = ranged[(ranged["value"] < ranged["low"]) | (ranged["value"] > ranged["high"])]
    assert outside.empty, outside[["path", "value", "low", "high"]].to_string()
    assert (ranged["low"] <= ranged["high"]).all()


def test_every_assumption_has_a_plausible_range(frame):
    says_assumed = frame["source"].str.lower().str.contains("assum")
    missing = frame[says_assumed & (frame["low"].isna() | frame["high"].isna())]
    assert missing.empty, list(missing["path"])
    # an assumption, or a study that gives only the direction while the size is assumed
    assert (frame["assumed"] == says_assumed).all()


def test_sources_of_the_levers_name_their_studies(frame):
    source = dict(zip(frame["path"], frame["source"], strict=True))
    assert "Saks & Belcourt 2006" in source["training.transfer_share"]
    assert "Arthur, Bennett, Edens & Bell 2003" in source["training.gain"]
    assert "Kluger & DeNisi 1996" in source["surveys.backfire_share"]
    assert "vendor benchmarks" in source["surveys.response_rate"]
    assert "Richardson & Rothstein 2008" in source["wellbeing.recovery_boost"]
    assert "Attridge 2016" in source["wellbeing.sick_reduction"]
    assert "Crowe 2023" in source["careers.visibility_effect"]
    # the levers a policy chooses are not assumptions
    for path in ("training.interval_days", "surveys.sample_share", "incentives.commission_rate",
                 "incentives.weights.sales", "wellbeing.cost_per_user_per_year", "allocation.crm_skill_weight"):
        assert path not in source, path


def test_many_coefficients_are_assumed(frame):
    assert frame["assumed"].sum() >= 80
    assert len(sb.assumed_ranges()) == frame["assumed"].sum()


def _values(scenario: sb.Scenario) -> dict:
    frame = sb.assumptions(scenario)
    return dict(zip(frame["path"], frame["value"], strict=True))


def test_assumed_ranges_are_numeric_and_valid_scenario_values():
    """Each end of every range is a value the field allows (its ge/le/gt/lt): a sample can use it."""
    base = sb.Scenario()
    current = _values(base)
    for path, (low, high) in sb.assumed_ranges().items():
        assert isinstance(low, float) and isinstance(high, float), path
        assert math.isfinite(low) and math.isfinite(high) and low <= high, path
        for end in (low, high):
            value = int(end) if isinstance(current[path], int) else end
            assert _values(base.with_overrides({path: value}))[path] == value, path


def test_the_frame_reads_the_scenario_given():
    changed = sb.Scenario().with_overrides({"incentives.pressure": 0.03, "clients.tiers": {"all": {}}})
    frame = sb.assumptions(changed)
    assert frame.set_index("path").loc["incentives.pressure", "value"] == 0.03
    tiers = {p.split(".")[2] for p in frame["path"] if p.startswith("clients.tiers.")}
    assert tiers == {"all"}
    assert "clients.tiers.all.complexity" in sb.assumed_ranges(changed)


def test_the_model_docs_show_the_current_declarations():
    """docs/model.md's parameter appendix is `markdown_table()`, between its markers: regenerate it with
    `simbranch.assumptions.update_docs()` (`make validate` does) when a coefficient, its source or its
    range changes."""
    from pathlib import Path

    from simbranch.assumptions import TABLE_END, TABLE_START, markdown_table

    text = (Path(__file__).resolve().parents[1] / "docs" / "model.md").read_text(encoding="utf-8")
    shown = text.split(TABLE_START, 1)[1].split(TABLE_END, 1)[0].strip()
    assert shown == markdown_table().strip()
