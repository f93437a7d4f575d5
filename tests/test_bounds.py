"""Inputs that used to hang or crash are refused up front with a clear answer (issue 17, points 2 and
4): special and huge files are not read, deep nesting is not parsed into a RecursionError, and a huge
replication count is refused before any run spec is built."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import simbranch as sb
from simbranch.cli import main
from simbranch.scenario import MAX_FILE_BYTES, ScenarioError, load_scenario, load_scenario_text

BASELINE = Path(__file__).resolve().parents[1] / "simbranch" / "scenarios" / "baseline.toml"


def _exit_2_one_problem(args: list[str], capsys: pytest.CaptureFixture, message: str) -> None:
    assert main(args) == 2
    _out, err = capsys.readouterr()
    assert message in err and "Traceback" not in err, err


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero on this system")
@pytest.mark.parametrize("command", [["validate"], ["run"]])
def test_a_device_is_not_read(command, capsys):
    """/dev/zero would be read forever (909 MB in 30 s before): refused at once as not a regular file."""
    _exit_2_one_problem([*command, "/dev/zero"], capsys, "is not a regular file")


def test_a_huge_file_is_refused_before_reading_it_all(tmp_path, capsys):
    path = tmp_path / "huge.toml"
    path.write_text("# padding\n" * (MAX_FILE_BYTES // 10 + 10), encoding="utf-8")
    with pytest.raises(ScenarioError, match="is larger than 1,000,000 bytes"):
        load_scenario(path)
    _exit_2_one_problem(["validate", str(path)], capsys, "is larger than 1,000,000 bytes")


def test_deep_nesting_in_a_file_text_or_override(tmp_path, capsys):
    deep = "a = " + "[" * 600 + "]" * 600 + "\n"
    path = tmp_path / "deep.toml"
    path.write_text(deep, encoding="utf-8")
    with pytest.raises(ScenarioError, match="nested too deep"):
        load_scenario(path)
    with pytest.raises(ScenarioError, match="nested too deep"):
        load_scenario_text(deep)
    _exit_2_one_problem(["validate", str(path)], capsys, "nested too deep")
    _exit_2_one_problem(["run", str(BASELINE), "--set", "branch.name=" + "[" * 600 + "]" * 600], capsys,
                        "nested too deep")


@pytest.mark.parametrize("reps", ["99999999999999999999999", "100001", "0"])
def test_replications_are_bounded_before_anything_is_built(reps, capsys):
    _exit_2_one_problem(["compare", str(BASELINE), "--policy", "crm_routing", "--reps", reps], capsys,
                        "allowed: 1 to 100,000")


@pytest.mark.parametrize("value", [10**20, 0, -1, 2.5, "x", True])
def test_compare_refuses_a_wrong_replication_count(value):
    with pytest.raises(ValueError, match="replications must be a whole number from 1 to 100,000"):
        sb.compare(sb.Scenario(), ["crm_routing"], replications=value, executor="serial", progress=False)


def test_auto_replications_need_a_positive_maximum():
    with pytest.raises(ValueError, match="max_replications must be a whole number from 1"):
        sb.compare(sb.Scenario(), ["crm_routing"], replications="auto", max_replications=0, executor="serial",
                   progress=False)


TINY = {"branch.horizon_days": 5, "branch.warmup_days": 1, "clients.count": 60, "managers.count": 2}


@pytest.mark.parametrize("override", ["clients.count=0", "branch.horizon_days=0"])
def test_an_empty_branch_still_gets_its_report(override, tmp_path, capsys):
    """With no clients or no measured day some KPIs are undefined: the report leaves out what it
    cannot draw instead of failing (a KeyError in the trade-off before)."""
    args = ["compare", str(BASELINE), "--policy", "crm_routing", "--reps", "2", "--executor", "serial",
            *[a for k, v in TINY.items() for a in ("--set", f"{k}={v}")], "--set", override, "--out", str(tmp_path)]
    assert main(args) == 0, capsys.readouterr().err
    assert (tmp_path / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_policy_objects_hold_what_a_policy_file_may():
    sc = sb.Scenario().with_overrides(TINY)
    with pytest.raises(ValueError, match="cannot be named 'baseline'"):
        sb.compare(sc, [sb.Policy(name="baseline", levers={"training": {"enabled": True}})], replications=1,
                   executor="serial", progress=False)
    with pytest.raises(ValueError, match="changes 'branch': a policy holds lever sections only"):
        sb.compare(sc, [sb.Policy(name="longer", levers={"branch": {"horizon_days": 3}})], replications=1,
                   executor="serial", progress=False)


def test_api_rough_edges_say_what_is_allowed():
    sc = sb.Scenario().with_overrides(TINY)
    with pytest.raises(ValueError, match="executor='bogus' is not one of"):
        sb.compare(sc, ["crm_routing"], replications=1, executor="bogus", progress=False)
    cmp = sb.compare(sc, ["crm_routing"], replications=2, executor="serial", progress=False)
    for replication in (-1, 2, 1.5):
        with pytest.raises(ValueError, match="replications: 0 to 1"):
            cmp.rerun("baseline", replication)
    with pytest.raises(ValueError, match="no KPI 'nope'"):
        cmp.paired(kpis=["nope"])


@pytest.mark.parametrize("what", ["domains", "tiers"])
def test_more_than_32767_domains_or_tiers_run(what):
    """40,000 domains or tiers once overflowed a 16-bit label (exit 1 while `validate` said ok); they run."""
    n = 40_000
    if what == "domains":
        shares = {f"d{i}": 1 / n for i in range(n)}
        shares["d0"] += 1 - sum(shares.values())
        change = {"clients.domains": shares, "clients.domain_complexity": {}}
    else:
        tier = next(iter(sb.Scenario().clients.tiers.values())).model_dump()
        change = {"clients.tiers": {f"t{i}": {**tier, "share": 1 / n} for i in range(n)}}
    scenario = sb.Scenario().with_overrides({**change, "clients.count": 100, "branch.horizon_days": 3,
                                             "branch.warmup_days": 0})
    result = sb.run(scenario, 1)
    assert result.kpis["requests_arrived"] > 0 and result.kpis["sales_count"] >= 0
