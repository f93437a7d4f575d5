"""`simbranch compare` and `simbranch main`: the paired table, CSV files, the store, exit codes."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pandas as pd
import pytest

import simbranch as sb
from simbranch import cli, meanings, terminal
from simbranch.cli import main
from simbranch.experiment.design import PRESETS
from simbranch.terminal import kpi_name

compare_module = importlib.import_module("simbranch.experiment.compare")

BASELINE = Path(__file__).resolve().parents[1] / "simbranch" / "scenarios" / "baseline.toml"
TINY = {"branch.horizon_days": 30, "branch.warmup_days": 5, "clients.count": 300, "managers.count": 3}
TINY_ARGS = [arg for path, value in TINY.items() for arg in ("--set", f"{path}={value}")]
PRESET_NAMES = sorted(p.stem for p in PRESETS.glob("*.toml"))
HEADLINE = ["satisfaction_mean", "sales_count", "revenue", "profit", "stress_mean"]


def compare_cli(*args: str) -> list[str]:
    return ["compare", str(BASELINE), *args, *TINY_ARGS]



def bad_input(code: int, err: str, out: str) -> None:
    """Exit 2, one line on stderr, no traceback, nothing on stdout."""
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    assert out == ""


# --------------------------------------------------------------------------- compare


def test_compare_prints_the_paired_table_and_writes_csvs(tmp_path, capsys):
    """Two presets and a policy file, 2 replications: a header, a block per policy with the headline
    KPIs, a legend, and table/summary/paired CSVs equal to what the Python API gives."""
    out_dir = tmp_path / "results"
    code = main(compare_cli("--policy", "crm_routing", "--policy", "sales_commission", "--policy",
                            str(PRESETS / "team_meetings.toml"), "--reps", "2", "--seed", "4",
                            "--executor", "serial", "--out", str(out_dir)))
    out, err = capsys.readouterr()
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("Baseline branch: seed 4, 3 policies x 2 replications")
    assert re.match(r"KPI\s+baseline\s+difference\s+relative\s+95 % CI\s+p adj\.", lines[2])
    for name in ("crm_routing", "sales_commission", "team_meetings"):  # a title line per policy, by its label
        assert lines.count(meanings.label(name)) == 1
    for kpi in HEADLINE:
        assert sum(line.startswith(f"  {kpi_name(kpi, unit=True, currency='CNY')}  ") for line in lines) == 3
    assert "Benjamini-Hochberg" in out
    assert "failed runs" not in out
    assert "Traceback" not in err

    expected = sb.compare(sb.load_scenario(BASELINE).with_overrides(TINY),
                          policies=["crm_routing", "sales_commission", "team_meetings"], replications=2, seed=4,
                          executor="serial", progress=False)
    for name in ("table", "summary", "paired"):
        assert str(out_dir / f"{name}.csv") in out
    assert f"wrote {out_dir / 'report.html'}" in out
    assert "simbranch compare" in (out_dir / "report.html").read_text(encoding="utf-8")
    table = pd.read_csv(out_dir / "table.csv")
    assert len(table) == 4 * 2
    assert set(sb.KPI_NAMES) <= set(table.columns)
    assert list(table["policy"].unique()) == ["baseline", "crm_routing", "sales_commission", "team_meetings"]
    pd.testing.assert_frame_equal(table[list(sb.KPI_NAMES)], expected.table[list(sb.KPI_NAMES)], check_dtype=False)
    paired = pd.read_csv(out_dir / "paired.csv")
    pd.testing.assert_frame_equal(paired, expected.paired(), check_dtype=False)
    summary = pd.read_csv(out_dir / "summary.csv")
    assert set(summary["kpi"]) == set(sb.KPI_NAMES)
    assert len(summary) == 4 * len(sb.KPI_NAMES)


def test_the_printed_numbers_are_the_paired_differences(tmp_path, capsys):
    """Each printed line shows the baseline mean, the difference and CI rounded to the CI's
    precision, and the adjusted p value; large numbers have thousands separators."""
    code = main(compare_cli("--policy", "sales_commission", "--reps", "3", "--executor", "serial",
                            "--names", "code", "--out", str(tmp_path)))
    out, _ = capsys.readouterr()
    assert code == 0
    paired = pd.read_csv(tmp_path / "paired.csv").set_index("kpi")
    money = next(line for line in out.splitlines() if line.startswith("  revenue  "))
    assert meanings.money(paired.loc["revenue", "baseline_mean"], "en", "CNY", unit=False) in money  # 89.8k
    line = next(line for line in out.splitlines() if line.startswith("  sales_count  "))
    row = paired.loc["sales_count"]
    assert f"{row['baseline_mean']:,.0f}" in line
    number = r"([+-]?[\d,]+(?:\.\d+)?)"
    difference = float(re.findall(number, line)[1].replace(",", ""))
    low, high = (float(n.replace(",", "")) for n in re.search(rf"\[{number}, {number}\]", line).groups())
    half = (row["ci_high"] - row["ci_low"]) / 2
    assert difference == pytest.approx(row["difference"], abs=half / 10)
    assert low == pytest.approx(row["ci_low"], abs=half / 10)
    assert high == pytest.approx(row["ci_high"], abs=half / 10)
    assert f"{row['difference'] / row['baseline_mean']:+.1%}" in line  # a count: a relative change makes sense
    p = row["p_adjusted"]
    assert ("<0.001" if p < 0.001 else f"{p:.3f}") in line
    assert line.rstrip().endswith(("better", "worse")) == bool(row["significant"])


def test_policy_all_compares_every_preset(tmp_path, capsys):
    """`--policy all` is every preset, once, even when one is also named on its own."""
    code = main(["compare", str(BASELINE), "--policy", "all", "--policy", "crm_routing", "--reps", "1",
                 "--executor", "serial", "--out", str(tmp_path), "--set", "branch.horizon_days=5",
                 "--set", "branch.warmup_days=0", "--set", "clients.count=100"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert f"{len(PRESET_NAMES)} policies x 1 replication" in out.splitlines()[0]
    table = pd.read_csv(tmp_path / "table.csv")
    assert list(table["policy"]) == ["baseline", *PRESET_NAMES]


def test_unknown_policy_lists_the_presets(capsys):
    """An unknown name: exit 2, one line naming it and every allowed preset, nothing run."""
    code = main(compare_cli("--policy", "crm_rooting", "--executor", "serial"))
    out, err = capsys.readouterr()
    bad_input(code, err, out)
    assert "'crm_rooting'" in err
    assert all(name in err for name in ["all", *PRESET_NAMES])


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--policy", "crm_routing", "--reps", "0"], ["--reps", "allowed: 1 to 100,000"]),
        (["--policy", "crm_routing", "--reps", "many"], ["--reps", "'many'", "auto"]),
        (["--policy", "crm_routing", "--reps", "auto", "--target", "2"], ["--target"]),
        (["--policy", "crm_routing", "--executor", "cluster"], ["--executor", "cluster"]),
        (["--policy", "crm_routing", "--seed", "-3"], ["--seed"]),
        (["--policy", "no/such/policy.toml"], ["no/such/policy.toml", "not found"]),
        (["--policy", "baseline"], ["at least one policy"]),
        ([], ["--policy"]),
    ],
)
def test_bad_arguments_exit_2_with_one_line(args, words, capsys):
    code = main(compare_cli(*args))
    out, err = capsys.readouterr()
    bad_input(code, err, out)
    assert all(word in err for word in words), err


def test_bad_set_is_bad_input(capsys):
    """A `--set` of a field that does not exist, or a bad value: exit 2, the field named, no traceback."""
    code = main(compare_cli("--policy", "crm_routing", "--set", "managers.nonexistent=3"))
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert "managers.nonexistent" in err and "--set" in err and "Traceback" not in err
    code = main(compare_cli("--policy", "crm_routing", "--set", "clients.count"))
    out, err = capsys.readouterr()
    bad_input(code, err, out)
    assert "path=value" in err


def test_two_policies_with_one_name_are_bad_input(tmp_path, capsys):
    """Two different files that name the same policy: exit 2 naming both."""
    copy = tmp_path / "mine.toml"
    copy.write_text((PRESETS / "crm_routing.toml").read_text(encoding="utf-8"), encoding="utf-8")
    code = main(compare_cli("--policy", "crm_routing", "--policy", str(copy)))
    out, err = capsys.readouterr()
    bad_input(code, err, out)
    assert "'crm_routing'" in err and str(copy) in err


def test_store_that_is_not_a_store_is_bad_input(tmp_path, capsys):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n" * 50, encoding="utf-8")
    code = main(compare_cli("--policy", "crm_routing", "--reps", "1", "--executor", "serial",
                            "--store", str(notes)))
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert str(notes) in err and "Traceback" not in err


def test_reps_auto_stops_at_the_target(capsys):
    """`--reps auto` with a loose target stops after the first 5 replications."""
    code = main(compare_cli("--policy", "crm_routing", "--reps", "auto", "--target", "0.5", "--executor", "serial"))
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "1 policy x 5 replications" in out.splitlines()[0]
    code = main(compare_cli("--policy", "crm_routing", "--reps", "auto", "--target", "0.0001", "--max-reps", "6",
                            "--executor", "serial"))
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "1 policy x 6 replications" in out.splitlines()[0]


def test_store_makes_the_second_call_instant(tmp_path, capsys, executed):
    """With --store, the same command again runs nothing and prints the same table."""
    store = tmp_path / "runs.sqlite"
    args = compare_cli("--policy", "crm_routing", "--reps", "2", "--executor", "serial", "--store", str(store))
    assert main(args) == 0
    first = capsys.readouterr().out
    assert sum(len(c) for c in executed) == 4
    assert main(args) == 0
    assert capsys.readouterr().out == first
    assert sum(len(c) for c in executed) == 4


def test_process_pool_prints_what_serial_prints(capsys):
    """The default executor (a local process pool) gives the same table as --executor serial."""
    args = compare_cli("--policy", "crm_routing", "--policy", "sales_commission", "--reps", "2")
    assert main(args) == 0
    pooled = capsys.readouterr().out
    assert main([*args, "--executor", "serial"]) == 0
    assert capsys.readouterr().out == pooled


def test_failed_runs_are_counted_and_exit_1(tmp_path, crm_run_fails, capsys):
    """A run that raises: the table of the others, the number of failed runs with the first error,
    failures.csv, and exit code 1."""
    crm_run_fails(1, "the engine stalled")
    code = main(compare_cli("--policy", "crm_routing", "--reps", "2", "--executor", "serial",
                            "--out", str(tmp_path)))
    out, _ = capsys.readouterr()
    assert code == 1
    assert "failed runs: 1 of 4 (first: crm_routing replication 1: RuntimeError: the engine stalled)" in out
    assert "Client satisfaction" in out
    failures = pd.read_csv(tmp_path / "failures.csv")
    assert list(failures["policy"]) == ["crm_routing"]
    assert len(pd.read_csv(tmp_path / "table.csv")) == 3


def test_rounding_helpers():
    """Differences are rounded to two significant digits of the CI half-width (in percentage points for
    a share), at most one digit more than the registry shows of a value, and written by the registry."""
    assert terminal.places("stress_mean", 0.0021) == 4
    assert terminal.places("stress_mean", 0.000021) == 4  # the registry's 3 digits and one more
    assert terminal.places("revenue", 96_000) == -3
    assert terminal.places("client_churn_rate", 0.0021) == 2  # 0.21 pp
    assert terminal.places("revenue", 0.0) is None
    assert terminal.value("stress_mean", 0.04321, difference=True, decimals=4) == "+0.0432"
    assert terminal.value("revenue", 142_123.0, difference=True, decimals=-3) == "+142,000"
    assert terminal.value("client_churn_rate", 0.012345, difference=True, decimals=2) == "+1.23 pp"
    assert terminal.value("stress_mean", -0.00001, difference=True, decimals=3) == "0.000"
    assert terminal.value("revenue", -8.94e-05, difference=True) == "0"  # no -8.94e-05
    assert terminal.signed(1234.5, None) == "+1,234"
    assert terminal.signed(float("nan"), 2) == "n/a"
    assert cli._p_value(0.0004) == "<0.001"
    assert cli._p_value(0.04567) == "0.046"


# --------------------------------------------------------------------------- main


@pytest.fixture
def tiny_baseline(tmp_path, monkeypatch) -> Path:
    """`main` on a tiny copy of the baseline branch (5 days, 100 clients)."""
    path = tmp_path / "baseline.toml"
    path.write_text('[branch]\nname = "Tiny"\nhorizon_days = 5\nwarmup_days = 0\n[clients]\ncount = 100\n',
                    encoding="utf-8")
    monkeypatch.setattr(cli, "BASELINE", path)
    return path


def test_main_compares_every_preset_with_a_store(tiny_baseline, tmp_path, capsys, executed):
    """`main`: every preset against the baseline on a process pool, the table, the CSVs and the store
    in --out; run again, it simulates nothing and prints the same."""
    out_dir = tmp_path / "main"
    assert main(["main", "--reps", "2", "--out", str(out_dir)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"Tiny: seed 0, {len(PRESET_NAMES)} policies x 2 replications")
    assert all(meanings.label(name) in out.splitlines() for name in PRESET_NAMES)
    for name in ("table", "summary", "paired"):
        assert f"wrote {out_dir / name}.csv" in out
    assert str(out_dir / "results.sqlite") in out
    assert f"report: {(out_dir / 'report.html').resolve()}" in out
    assert sum(len(c) for c in executed) == (len(PRESET_NAMES) + 1) * 2
    assert "Traceback" not in err

    assert main(["main", "--reps", "2", "--out", str(out_dir)]) == 0
    assert capsys.readouterr().out == out
    assert sum(len(c) for c in executed) == (len(PRESET_NAMES) + 1) * 2


def test_main_defaults():
    """`make run` runs `simbranch main`: 10 replications, seed 0, out/main, local process pool."""
    args = cli._parser().parse_args(["main"])
    assert (args.reps, args.seed, args.out) == (10, 0, Path("out") / "main")
    assert cli.EXECUTORS["process"] is None
    assert "simbranch main" in (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
