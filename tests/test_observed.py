"""A branch's observed KPIs: the shipped example loads, a mapping works as a file does, and every kind of
bad input is refused with the source, the field path, the value and what is allowed (exit 2 in the CLI)."""

from __future__ import annotations

from pathlib import Path

import pytest

import simbranch as sb
from simbranch.cli import main
from simbranch.experiment.observed import observed

EXAMPLE = Path(__file__).resolve().parents[1] / "simbranch" / "scenarios" / "observed" / "example.toml"


def test_the_example_branch_loads_as_data() -> None:
    obs = sb.load_observed(EXAMPLE)
    assert obs.name.startswith("Riverside") and len(obs) >= 6
    frame = obs.frame
    assert list(frame.columns) == ["value", "sd", "cv"]
    assert set(frame.index) <= set(sb.kpi_names()) and (frame["sd"] > 0).all()
    assert frame.loc["nps", "value"] == 15.0 and frame.loc["nps", "sd"] == 4.0
    assert "Riverside" in obs._repr_html_()


def test_a_mapping_is_read_as_a_file_is() -> None:
    """`{kpi: (value, sd)}` and `{kpi: {"value": v, "sd": s}}` give the same data as the file's entries."""
    a = observed({"nps": (15.0, 4.0), "client_churn_rate": {"value": 0.11, "sd": 0.01}})
    assert a.values == {"nps": (15.0, 4.0), "client_churn_rate": (0.11, 0.01)}
    assert observed(a) is a
    assert observed(EXAMPLE) == sb.load_observed(EXAMPLE)


def test_per_tier_kpis_follow_the_scenarios_tiers() -> None:
    """A tier KPI is a KPI only for a scenario with that tier."""
    assert observed({"satisfaction_vip": (0.85, 0.02)}).values
    with pytest.raises(sb.ScenarioError, match="satisfaction_gold"):
        observed({"satisfaction_gold": (0.85, 0.02)})


@pytest.mark.parametrize(("text", "where", "says"), [
    ('[observed]\nnps = { value = 15.0, sd = -4.0 }\n', "observed.nps.sd = -4.0", "above 0"),
    ('[observed]\nnps = { value = 15.0, sd = 0.0 }\n', "observed.nps.sd = 0.0", "above 0"),
    ('[observed]\nnps = { value = 15.0 }\n', "observed.nps.sd:", "missing"),
    ('[observed]\nnps = { value = "high", sd = 4.0 }\n', "observed.nps.value = 'high'", "finite number"),
    ('[observed]\nnps = { value = nan, sd = 4.0 }\n', "observed.nps.value = nan", "finite number"),
    ('[observed]\nnps = { value = 15.0, sd = 4.0, n = 600 }\n', "observed.nps.n = 600", "allowed: value, sd"),
    ('[observed]\nnps = 15.0\n', "observed.nps = 15.0", "{ value = <number>"),
    ('[observed]\nchurn = { value = 0.1, sd = 0.01 }\n', "observed.churn", "unknown KPI; allowed: requests_arrived"),
    ('[observed]\n', "observed = {}", "no observed KPIs"),
    ('[branch]\nname = "x"\n', "observed:", "missing"),
    ('[branch]\ncity = "x"\n[observed]\nnps = { value = 1.0, sd = 1.0 }\n', "branch.city = 'x'", "allowed: name"),
    ('[kpis]\nnps = 1\n[observed]\nnps = { value = 1.0, sd = 1.0 }\n', "kpis = {table}", "allowed: branch, observed"),
    ('observed = 3\n', "observed = 3", "must be a table"),
])
def test_bad_observed_data_names_the_file_the_field_and_what_is_allowed(tmp_path, text, where, says) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(sb.ScenarioError) as info:
        sb.load_observed(path)
    message = str(info.value)
    assert message.startswith(str(path)) and where in message and says in message, message


def test_every_problem_is_reported_at_once(tmp_path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text('[observed]\nnps = { value = 1.0, sd = -1.0 }\nbogus = { value = 1.0, sd = 1.0 }\n')
    with pytest.raises(sb.ScenarioError) as info:
        sb.load_observed(path)
    assert len(info.value.problems) == 2


def test_the_cli_checks_observed_files(tmp_path, capsys) -> None:
    """`simbranch validate` knows an observed-data file (by its [observed] table or its folder): exit 0 for
    the example, 2 with the file, field and value for a bad one, no traceback; a missing file is bad input."""
    assert main(["validate", str(EXAMPLE)]) == 0
    assert "observed data, 8 KPIs" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text('[observed]\nam_turnover_rate = { value = 0.18, sd = -0.05 }\n', encoding="utf-8")
    assert main(["validate", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "observed.am_turnover_rate.sd = -0.05" in err and "Traceback" not in err
    folder = tmp_path / "observed"
    folder.mkdir()
    assert main(["validate", str(folder / "absent.toml")]) == 2
    assert "file not found" in capsys.readouterr().err
