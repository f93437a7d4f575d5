"""The `simbranch` command: what it prints and writes, and its exit codes (0 ok, 2 bad input)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

import simbranch as sb
from simbranch import cli, meanings
from simbranch.cli import main, parse_override


@pytest.fixture
def tiny_args(tiny) -> list[str]:
    """`--set` arguments for a run that takes milliseconds."""
    return [arg for path, value in tiny.items() for arg in ("--set", f"{path}={value}")]


@pytest.fixture
def scenario_file(tmp_path) -> Path:
    path = tmp_path / "branch.toml"
    path.write_text('[branch]\nname = "Riverside"\n', encoding="utf-8")
    return path


def header(path: Path) -> list[str]:
    with path.open(newline="", encoding="utf-8") as f:
        return next(csv.reader(f))


def rows(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))[1:]


# --------------------------------------------------------------------------- run


def test_run_prints_the_kpi_table(scenario_file, tiny_args, capsys):
    """`run` prints a header (branch, seed, horizon) and one line per KPI on stdout, by its label;
    `--names code` by its code name."""
    code = main(["run", str(scenario_file), "--seed", "3", *tiny_args])
    out, err = capsys.readouterr()
    assert code == 0
    first = out.splitlines()[0]
    assert "Riverside" in first and "seed 3" in first and "5 days" in first
    lines = out.splitlines()
    for name in sb.KPI_NAMES:
        assert sum(line.startswith(meanings.label(name) + "  ") for line in lines) == 1, name
    assert "Traceback" not in err
    assert main(["run", str(scenario_file), "--seed", "3", "--names", "code", *tiny_args]) == 0
    lines = capsys.readouterr().out.splitlines()
    for name in sb.KPI_NAMES:
        assert sum(line.startswith(name + " ") for line in lines) == 1, name


def test_run_with_set_and_out_writes_four_csvs(scenario_file, tiny_args, tmp_path, capsys):
    """`run --out DIR` creates DIR and writes kpis, daily, managers and clients CSVs."""
    out_dir = tmp_path / "results" / "run1"
    code = main([
        "run", str(scenario_file), *tiny_args, "--set", "managers.count=4",
        "--set", "managers.stress.enabled=false", "--set", "branch.name=Foo", "--out", str(out_dir),
    ])
    out, _ = capsys.readouterr()
    assert code == 0
    assert out.splitlines()[0].startswith("Foo")
    for name in ("kpis", "daily", "managers", "clients"):
        assert str(out_dir / f"{name}.csv") in out

    assert header(out_dir / "kpis.csv") == ["kpi", "value"]
    assert [r[0] for r in rows(out_dir / "kpis.csv")] == sb.kpi_names(sb.load_scenario(cli.BASELINE))
    daily = rows(out_dir / "daily.csv")
    assert len(daily) == 5
    assert {"day", "satisfaction_mean", "revenue"} <= set(header(out_dir / "daily.csv"))
    managers = header(out_dir / "managers.csv")
    assert {"am_id", "level", "stress", "served", "revenue"} <= set(managers)
    assert len(rows(out_dir / "managers.csv")) >= 4
    clients = header(out_dir / "clients.csv")
    assert {"client_id", "tier", "domain", "satisfaction", "am_id"} <= set(clients)
    assert len(rows(out_dir / "clients.csv")) >= 100


def test_run_csvs_match_the_python_api(scenario_file, tiny, tiny_args, tmp_path, capsys):
    """The CLI runs exactly what `sb.run` runs: same scenario and seed, same KPIs."""
    main(["run", str(scenario_file), "--seed", "7", *tiny_args, "--out", str(tmp_path)])
    capsys.readouterr()
    expected = sb.run(sb.load_scenario(scenario_file).with_overrides(tiny), seed=7).kpis
    written = {name: float(value) if value else float("nan") for name, value in rows(tmp_path / "kpis.csv")}
    assert written == pytest.approx(expected.to_dict(), nan_ok=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("clients.count=100", ("clients.count", 100)),
        ("allocation.portfolio_cap=150", ("allocation.portfolio_cap", 150)),
        ("managers.stress.enabled=false", ("managers.stress.enabled", False)),
        ("managers.stress.recovery_rate=0.2", ("managers.stress.recovery_rate", 0.2)),
        ("branch.name=Foo", ("branch.name", "Foo")),
        ('branch.name="Foo Bar"', ("branch.name", "Foo Bar")),
        ("branch.name=a=b", ("branch.name", "a=b")),
        ("branch.name=", ("branch.name", "")),
    ],
)
def test_set_values_are_read_as_toml_else_text(text, expected):
    """A `--set` value is a TOML value (int, float, bool, quoted text), else plain text."""
    assert parse_override(text) == expected


def test_set_with_a_bad_path_is_bad_input(scenario_file, capsys):
    """`--set` of a field that does not exist exits 2 with the path and no traceback."""
    code = main(["run", str(scenario_file), "--set", "managers.nonexistent=3"])
    _, err = capsys.readouterr()
    assert code == 2
    assert err.startswith("simbranch: ")
    assert "managers.nonexistent" in err and "--set" in err
    assert "Traceback" not in err


def test_set_with_a_bad_value_is_bad_input(scenario_file, capsys):
    """`--set` of a value out of range exits 2 naming the field and the value."""
    code = main(["run", str(scenario_file), "--set", "clients.count=-5"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "clients.count = -5" in err


def test_set_without_equals_is_bad_input(scenario_file, capsys):
    """`--set` without `=` is a usage error: exit 2."""
    code = main(["run", str(scenario_file), "--set", "clients.count"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "path=value" in err


def test_negative_seed_is_bad_input(scenario_file, capsys):
    """A seed below 0 is a usage error: exit 2."""
    assert main(["run", str(scenario_file), "--seed", "-1"]) == 2
    assert "seed" in capsys.readouterr().err


def test_missing_scenario_file_is_bad_input(tmp_path, capsys):
    """A scenario file that does not exist exits 2 naming the file."""
    missing = tmp_path / "nowhere.toml"
    code = main(["run", str(missing)])
    _, err = capsys.readouterr()
    assert code == 2
    assert str(missing) in err and "not found" in err
    assert "Traceback" not in err


def test_unwritable_out_is_bad_input(scenario_file, tiny_args, tmp_path, capsys):
    """`--out` that cannot be a folder (a file is in the way) exits 2 before running."""
    blocker = tmp_path / "taken"
    blocker.write_text("", encoding="utf-8")
    code = main(["run", str(scenario_file), *tiny_args, "--out", str(blocker / "sub")])
    out, err = capsys.readouterr()
    assert code == 2
    assert str(blocker / "sub") in err
    assert out == ""
    assert "Traceback" not in err


def test_internal_error_exits_1_with_a_traceback(scenario_file, monkeypatch, capsys):
    """An unexpected exception is a bug: exit 1, `internal error` and the traceback on stderr."""

    def broken(*args, **kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(sb, "run", broken)
    code = main(["run", str(scenario_file)])
    _, err = capsys.readouterr()
    assert code == 1
    assert "simbranch: internal error: RuntimeError: engine exploded" in err
    assert "Traceback" in err


# --------------------------------------------------------------------------- main


def test_main_runs_the_baseline_file(tmp_path, monkeypatch, capsys):
    """`main` compares the named policies with simbranch/scenarios/baseline.toml and writes its CSVs and
    result store to --out."""
    baseline = tmp_path / "baseline.toml"
    baseline.write_text(
        '[branch]\nname = "Baseline"\nhorizon_days = 5\nwarmup_days = 0\n[clients]\ncount = 100\n'
        '[managers]\ncount = 2\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(cli, "BASELINE", baseline)
    code = main(["main", "--seed", "2", "--reps", "1", "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 0
    assert "Client satisfaction (0-1)" in out
    for name in ("table.csv", "summary.csv", "paired.csv", "results.sqlite"):
        assert (tmp_path / "out" / name).is_file(), name
    assert "not found" not in err


def test_main_falls_back_to_defaults(tmp_path, monkeypatch, capsys):
    """Without simbranch/scenarios/baseline.toml, `main` runs `Scenario()` and says so on stderr."""
    monkeypatch.setattr(cli, "BASELINE", tmp_path / "missing.toml")
    tiny = sb.Scenario().with_overrides(
        {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100, "managers.count": 2}
    )
    monkeypatch.setattr(sb, "Scenario", lambda: tiny)  # keep the test fast
    code = main(["main", "--reps", "1", "--out", str(tmp_path / "out")])
    out, err = capsys.readouterr()
    assert code == 0
    assert "missing.toml not found" in err
    assert "Client satisfaction (0-1)" in out


def test_main_baseline_path_is_next_to_the_package():
    """The baseline is looked up in the repository, not in the working directory."""
    assert Path(cli.__file__).resolve().parent / "scenarios" / "baseline.toml" == cli.BASELINE


# --------------------------------------------------------------------------- validate, schema


def test_validate_ok_files(tmp_path, scenario_file, capsys):
    """`validate` accepts scenarios and policies (in a `policies` folder or with `[policy]`)."""
    in_folder = tmp_path / "policies" / "crm.toml"
    in_folder.parent.mkdir()
    in_folder.write_text('[allocation]\nrule = "crm"\n', encoding="utf-8")
    with_table = tmp_path / "pooled.toml"
    with_table.write_text('[policy]\nname = "pool"\n[allocation]\nrule = "pooled"\n', "utf-8")
    code = main(["validate", str(scenario_file), str(in_folder), str(with_table)])
    out, _ = capsys.readouterr()
    assert code == 0
    assert f"{scenario_file}: ok (scenario)" in out
    assert f"{in_folder}: ok (policy crm)" in out
    assert f"{with_table}: ok (policy pool)" in out


def test_validate_bad_files(tmp_path, scenario_file, capsys):
    """`validate` reports every bad file with its field and exits 2; good files still say ok."""
    bad = tmp_path / "bad.toml"
    bad.write_text("[clients]\ncount = -5\n", encoding="utf-8")
    bad_policy = tmp_path / "policies" / "greedy.toml"
    bad_policy.parent.mkdir()
    bad_policy.write_text("[clients]\ncount = 5\n", encoding="utf-8")
    missing = tmp_path / "missing.toml"
    code = main(["validate", str(bad), str(scenario_file), str(bad_policy), str(missing)])
    out, err = capsys.readouterr()
    assert code == 2
    assert f"{scenario_file}: ok (scenario)" in out
    assert f"{bad}: 1 problem" in err and "clients.count = -5" in err
    assert f"{bad_policy}: 1 problem" in err and "lever sections only" in err
    assert f"{missing}: 1 problem" in err
    assert "Traceback" not in err


def test_schema_prints_valid_json(capsys):
    """`schema` prints the scenario JSON Schema."""
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema == json.loads(json.dumps(sb.scenario.scenario_json_schema()))
    assert {"branch", "clients", "managers", "allocation"} <= set(schema["properties"])


def test_schema_out_writes_a_file(tmp_path, capsys):
    """`schema --out FILE` writes the schema there; an unwritable path exits 2."""
    path = tmp_path / "scenario.schema.json"
    assert main(["schema", "--out", str(path)]) == 0
    assert json.loads(path.read_text(encoding="utf-8"))["title"] == "simbranch scenario"
    assert main(["schema", "--out", str(tmp_path / "no" / "such" / "dir.json")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_version(capsys):
    """`--version` prints the package version and exits 0."""
    assert main(["--version"]) == 0
    assert sb.__version__ in capsys.readouterr().out


def test_no_command_is_bad_input(capsys):
    """Without a command, usage goes to stderr and the exit code is 2."""
    assert main([]) == 2
    assert "usage" in capsys.readouterr().err


def test_format_value():
    """Large values get thousands separators, small ones 3 significant digits, NaN n/a."""
    assert cli.format_value(2_356_648.4) == "2,356,648"
    assert cli.format_value(-18_159.2) == "-18,159"
    assert cli.format_value(12.0) == "12"
    assert cli.format_value(0.60521) == "0.605"
    assert cli.format_value(0.016642) == "0.0166"
    assert cli.format_value(float("nan")) == "n/a"


# --------------------------------------------------------------------------- a real process


def test_subprocess_bad_file_exits_2_without_traceback(tmp_path):
    """Run as a process, a bad scenario file gives exit 2, names file and field, no traceback."""
    bad = tmp_path / "bad.toml"
    bad.write_text("[managers.stress]\nrecovery_rate = 1.5\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "simbranch.cli", "run", str(bad)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert proc.returncode == 2
    assert str(bad) in proc.stderr
    assert "managers.stress.recovery_rate = 1.5" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""


def test_python_dash_m_runs_the_same_command() -> None:
    """`python -m simbranch` is the `simbranch` command: same output, same exit codes."""
    root = Path(__file__).resolve().parents[1]
    ok = subprocess.run([sys.executable, "-m", "simbranch", "validate", "simbranch/scenarios/observed/example.toml"],
                        cwd=root, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "observed data" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "simbranch", "no-such-command"], cwd=root, capture_output=True,
                         text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_a_seed_beyond_the_store_s_integers_is_bad_input(capsys) -> None:
    """2**63 would overflow SQLite's integers when the runs are stored: refused as bad input, exit 2."""
    assert main(["run", "simbranch/scenarios/baseline.toml", "--seed", str(2**63)]) == 2
    assert "out of range" in capsys.readouterr().err


def test_names_with_terminal_escapes_are_shown_escaped(capsys) -> None:
    """A branch or policy name holding ESC, NUL or a right-to-left override reaches the terminal escaped."""
    nasty = "evil\x1b[2J\x00\u202ename"
    sc = sb.Scenario().with_overrides({"branch.name": nasty, "clients.count": 50, "managers.count": 2,
                                       "branch.horizon_days": 2, "branch.warmup_days": 0})
    text = cli.format_kpis(sb.run(sc, seed=1))
    assert "\x1b" not in text and "\x00" not in text and "\u202e" not in text
    assert "\\x1b[2J" in text
    policy = sb.Policy(name=nasty, levers={"training": {"enabled": True}})
    cmp = sb.compare(sc, [policy], replications=2, executor="serial", progress=False)
    shown = cli.format_paired(cmp)
    assert "\x1b" not in shown and "\u202e" not in shown and "\\u202e" in shown
