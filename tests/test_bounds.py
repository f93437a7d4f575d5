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
