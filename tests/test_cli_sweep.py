"""`simbranch sweep`: a design over parameters, a per-point table, sensitivity indices, clear errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from simbranch import meanings
from simbranch.cli import main, parse_sweep_param

BASELINE = Path(__file__).resolve().parents[1] / "simbranch" / "scenarios" / "baseline.toml"
TINY = ["--set", "branch.horizon_days=10", "--set", "branch.warmup_days=0", "--set", "clients.count=150",
        "--set", "managers.count=3", "--executor", "serial"]


def test_param_syntax() -> None:
    assert parse_sweep_param("managers.count=8:16") == ("managers.count", (8, 16))
    assert parse_sweep_param("training.gain=0.05:0.2") == ("training.gain", (0.05, 0.2))
    assert parse_sweep_param("allocation.rule=crm,by_tier") == ("allocation.rule", ["crm", "by_tier"])
    assert parse_sweep_param("training.enabled=true,false") == ("training.enabled", [True, False])


def test_lhs_sweep_prints_points_and_writes_the_table(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code = main(["sweep", str(BASELINE), "--param", "managers.count=2:4", "--param", "allocation.rule=crm,round_robin",
                 "--method", "lhs", "--n", "3", *TINY, "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "3 points x 1 replications = 3 runs" in out
    assert (tmp_path / "table.csv").exists()


def test_morris_sweep_prints_indices(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code = main(["sweep", str(BASELINE), "--param", "managers.count=2:4",
                 "--param", "costs.overhead_per_am_per_year=0:1000",
                 "--method", "morris", "--n", "2", "--kpi", "wait_mean_h", *TINY, "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert f"sensitivity of {meanings.label('wait_mean_h')} (morris)" in out and "mu_star" in out
    assert (tmp_path / "sensitivity_wait_mean_h.csv").exists()


@pytest.mark.parametrize("args", [
    ["--param", "managers.count=0:3"],            # a point out of range: caught before any run
    ["--param", "managers.nonexistent=1:2"],      # not a field
    ["--param", "managers.count"],                # not PATH=...
    ["--param", "managers.count=a:b"],            # a range of non-numbers
    ["--param", "managers.count=2:4", "--kpi", "happiness"],
])
def test_bad_sweeps_exit_2_without_a_traceback(args: list[str], capsys: pytest.CaptureFixture) -> None:
    code = main(["sweep", str(BASELINE), *args, "--n", "2", *TINY])
    err = capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err


def test_unknown_kpi_fails_before_any_run(executed, capsys: pytest.CaptureFixture) -> None:
    code = main(["sweep", str(BASELINE), "--param", "managers.count=2:4", "--kpi", "happiness", *TINY])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert "unknown KPI 'happiness'" in err and "Traceback" not in err
    assert sum(len(c) for c in executed) == 0


def test_sweep_in_chinese_names_the_kpis_by_their_labels(capsys: pytest.CaptureFixture) -> None:
    """`--lang zh`: the header in Chinese, the KPI columns by their Chinese labels, values by the registry
    (a share as a percentage); `--names code` keeps the code names."""
    args = ["sweep", str(BASELINE), "--param", "managers.count=2:3", "--method", "grid", "--n", "2",
            "--kpi", "satisfaction_mean", "--kpi", "client_churn_rate", *TINY]
    assert main([*args, "--lang", "zh"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "grid 扫描 1 个参数:2 个点 × 每点 1 次重复 = 2 次运行"
    assert lines[1].split() == ["点", "managers.count", "客户满意度(0-1分)", "客户流失率(每年)"]
    assert len(lines) == 5 and all(line.endswith("%") for line in lines[3:])
    assert main([*args, "--names", "code"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split() == ["point", "managers.count", "satisfaction_mean",
                                                                "client_churn_rate"]


def test_a_design_file_runs_its_own_points(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """`--design FILE.csv`: the file's points (a category by name, a boolean as pandas writes it), with the
    space read from the file; a repeated point runs once and the header says so."""
    design = tmp_path / "design.csv"
    design.write_text("managers.count,allocation.rule,training.enabled\n2,crm,True\n3,round_robin,false\n"
                      "2,crm,True\n", encoding="utf-8")
    code = main(["sweep", str(BASELINE), "--design", str(design), "--kpi", "wait_mean_h", *TINY,
                 "--out", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("design sweep of 3 parameters: 3 points x 1 replications = 3 runs (2 distinct points: "
                          "equal points share their runs)")
    table = pd.read_csv(tmp_path / "out" / "table.csv")
    assert table["allocation.rule"].tolist() == ["crm", "round_robin", "crm"]
    assert table["training.enabled"].tolist() == [True, False, True]


@pytest.mark.parametrize(("content", "extra", "shown"), [
    (None, [], "missing.csv': file not found"),
    ("", [], "is empty"),
    ("managers.count,allocation.rule\n", [], "has no rows"),
    ("managers.count,allocation.rule\n2,crm,3\n", [], "row 0 (line 2): 3 values under a header of 2 columns"),
    ("managers.count,allocation.rule\n2,\n", [], "row 0 (line 2), column 'allocation.rule': empty cell"),
    ("managers.count\n3\n0\n", [], "design row 1, column 'managers.count'"),
    ("managers.count\n2\n5\n", ["--param", "managers.count=2:4"],
     "design row 1, column 'managers.count': 5 is outside the range; allowed: int in [2, 4]"),
    ("managers.cuont\n2\n", ["--param", "managers.count=2:4"], "design column 'managers.cuont' is not a parameter"),
    ("managers.count\n2\n", ["--method", "lhs"], "--design runs the file's points, so --method"),
])
def test_a_bad_design_file_exits_2_with_a_clear_message(tmp_path: Path, content: str | None, extra: list[str],
                                                         shown: str, capsys: pytest.CaptureFixture,
                                                         executed: list) -> None:
    design = tmp_path / "missing.csv"
    if content is not None:
        design = tmp_path / "design.csv"
        design.write_text(content, encoding="utf-8")
    code = main(["sweep", str(BASELINE), "--design", str(design), *extra, *TINY])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert err.startswith("simbranch: ") and shown in err and "Traceback" not in err
    assert executed == []


@pytest.mark.parametrize(("kind", "shown"), [
    ("folder", "is a folder, not a CSV file"),
    ("fifo", "is not a regular file (a device, pipe or socket)"),
    ("device", "is not a regular file (a device, pipe or socket)"),
    ("huge", "is larger than 100,000,000 bytes"),
])
def test_a_design_that_is_no_csv_file_is_refused_before_reading(tmp_path: Path, kind: str, shown: str,
                                                                 capsys: pytest.CaptureFixture,
                                                                 executed: list) -> None:
    """A folder, a pipe (reading would block), a device (reading would never end: a link to /dev/zero) or a file
    over the limit (a sparse one: nothing is written) exits 2 at once, naming the file and what it is."""
    import os

    design = tmp_path / "design.csv"
    if kind == "folder":
        design.mkdir()
    elif kind == "fifo":
        os.mkfifo(design)
    elif kind == "device":
        design.symlink_to("/dev/zero")
    else:
        with design.open("wb") as handle:
            handle.truncate(100_000_001)
    code = main(["sweep", str(BASELINE), "--design", str(design), *TINY])
    out, err = capsys.readouterr()
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert f"design file {str(design)!r}" in err and shown in err and "Traceback" not in err
    assert executed == []


def test_no_parameters_and_no_design_exit_2(capsys: pytest.CaptureFixture) -> None:
    assert main(["sweep", str(BASELINE), *TINY]) == 2
    assert "give the parameters to sweep with --param" in capsys.readouterr().err


def test_a_small_sobol_sweep_says_so_on_stderr(capsys: pytest.CaptureFixture) -> None:
    """A Sobol' design below the advised size prints its indices and one warning line per KPI on stderr."""
    code = main(["sweep", str(BASELINE), "--param", "managers.count=2:4", "--param", "allocation.rule=crm,round_robin",
                 "--method", "sobol", "--n", "2", "--kpi", "wait_mean_h", *TINY])
    out, err = capsys.readouterr()
    assert code == 0 and "S1_conf" in out
    warning = [line for line in err.splitlines() if line.startswith("simbranch: warning: ")]
    assert len(warning) == 1
    assert "Sobol' indices of wait_mean_h from n = 2 base points" in warning[0]
    assert "below the advised 64 base points" in warning[0]
