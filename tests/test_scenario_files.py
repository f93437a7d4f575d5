"""The shipped scenario files load, describe a plausible branch, and the validation cases are
exactly what `mmc_scenario` builds."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import simbranch as sb

SCENARIOS = Path(__file__).resolve().parents[1] / "simbranch" / "scenarios"


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")) + sorted(SCENARIOS.glob("validation/*.toml")),
                         ids=lambda p: p.name)
def test_scenario_file_loads(path: Path) -> None:
    sb.load_scenario(path)


def test_baseline_is_a_plausible_branch() -> None:
    """A business area of about 40 AMs (enough for turnover to show in a year), a book per AM within
    the evidence's ranges (affluent 150-400, private banking 50-80: anything from 50 to 400), a year
    measured after a warm-up, no lever on; and it is the default scenario, written out."""
    sc = sb.load_scenario(SCENARIOS / "baseline.toml")
    assert 30 <= sc.managers.count <= 60
    assert 50 <= sc.clients.count / sc.managers.count <= 400
    assert sc.with_overrides({"branch.name": "Default branch"}) == sb.Scenario()
    assert sc.branch.horizon_days == sc.branch.days_per_year
    assert sc.branch.warmup_days > 0
    assert sc.allocation.rule in ("random", "round_robin")


def test_toml_round_trip() -> None:
    """`to_toml` writes a file that reads back as the same scenario."""
    sc = sb.Scenario().with_overrides({"allocation.portfolio_cap": 200, "branch.name": "Round trip"})
    assert sb.load_scenario_text(sc.to_toml()) == sc


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("validation/*.toml")), ids=lambda p: p.name)
def test_validation_case_is_mmc_scenario(path: Path) -> None:
    """Each validation file states its queue in its header and equals `mmc_scenario` of it."""
    header = path.read_text().splitlines()[1]
    args = re.search(r"mmc_scenario\(([^)]*)\)", header).group(1)
    numbers = [float(x) for x in args.split(",")]
    expected = sb.validation.mmc_scenario(int(numbers[0]), *numbers[1:])
    assert sb.load_scenario(path) == expected


def test_load_policy_takes_a_preset_name() -> None:
    """`load_policy("crm_routing")` is the preset file; a name that is neither says what presets there are."""
    from simbranch.scenario import PRESETS, preset_names

    assert sb.load_policy("crm_routing") == sb.load_policy(PRESETS / "crm_routing.toml")
    assert "crm_routing" in preset_names()
    with pytest.raises(sb.ScenarioError, match="presets: all_measures"):
        sb.load_policy("crm_routin")
