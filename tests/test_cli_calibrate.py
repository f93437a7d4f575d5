"""`simbranch calibrate` and `simbranch robustness`: what they print and write, and bad input caught before any run.

The branch is made small with --set and the budgets tiny (one wave of 6 settings, one run each), so that
a calibration takes a few seconds: these tests check the interface, not the quality of the fit
(tests/test_calibrate.py does that).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import re
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from helpers import code_names, report_prose

import simbranch as sb
from simbranch import meanings
from simbranch.cli import format_calibration, main
from simbranch.terminal import kpi_name

BASELINE = Path(__file__).resolve().parents[1] / "simbranch" / "scenarios" / "baseline.toml"
SMALL = ["--set", "clients.count=300", "--set", "managers.count=3", "--set", "branch.horizon_days=30",
         "--set", "branch.warmup_days=5"]
TINY_BUDGET = ["--waves", "1", "--points", "6", "--reps", "1", "--check-draws", "3", "--best-reps", "2"]
PARAMS = {"sales.base_conversion": "0.15:0.5", "managers.skill_effects.quality_base": "0.6:0.9"}
OBSERVED = """\
[branch]
name = "Test branch"
description = "two KPIs of a small branch"

[observed]
nps = { value = 0.0, sd = 10.0 }
sales_count = { value = 55.0, sd = 10.0 }
"""


def _observed(folder: Path, text: str = OBSERVED) -> Path:
    path = folder / "observed.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def _text(html: str) -> str:
    """The report without its inline images (base64 may spell anything)."""
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)


@pytest.fixture(scope="module")
def calibrated(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """One CLI calibration of the small branch, with the Calibration object it made."""
    module = importlib.import_module("simbranch.experiment.calibrate")  # the module, not the function

    folder = tmp_path_factory.mktemp("calibrate")
    out = folder / "out"
    made = []
    real = module.calibrate

    def keep(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    params = [x for path, spec in PARAMS.items() for x in ("--param", f"{path}={spec}")]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(module, "calibrate", keep)
        code, stdout, stderr = _run(["calibrate", str(BASELINE), str(_observed(folder)), "--out", str(out), *params,
                                     *TINY_BUDGET, "--seed", "1", "--serial", "--no-progress",
                                     "--store", str(folder / "cal.sqlite"), *SMALL])
    return SimpleNamespace(code=code, out=out, stdout=stdout, stderr=stderr, cal=made[0] if made else None,
                           store=folder / "cal.sqlite")


def test_calibrate_exits_0_and_prints_the_fit_and_the_parameters(calibrated: SimpleNamespace) -> None:
    assert calibrated.code == 0, calibrated.stderr
    assert "Traceback" not in calibrated.stderr
    for word in ("observed ± sd", "simulated mean [90 % interval]", kpi_name("nps", unit=True),
                 kpi_name("sales_count", unit=True), *PARAMS, "status"):
        assert word in calibrated.stdout
    for status in calibrated.cal.identifiability["status"]:
        assert status in calibrated.stdout
    assert calibrated.store.exists()


def test_the_calibration_table_in_chinese(calibrated: SimpleNamespace) -> None:
    """The same calibration for a Chinese reader: the observed KPIs by their Chinese labels, the statuses
    and the table's words in Chinese; `--names code` (names="code") the KPIs' code names."""
    text = format_calibration(calibrated.cal, lang="zh")
    assert "随机种子 1" in text.splitlines()[0] and "观测值 ± 标准差" in text
    for kpi in ("nps", "sales_count"):
        assert re.search(rf"^{re.escape(kpi_name(kpi, 'zh', unit=True))}\s", text, flags=re.MULTILINE), kpi
    assert re.search(r"(已确定|未能确定|仅与以下参数共同确定)", text)
    assert "pinned down" not in text
    assert re.search(r"^sales_count\s", format_calibration(calibrated.cal, names="code"), flags=re.MULTILINE)


def test_calibrate_writes_its_files(calibrated: SimpleNamespace) -> None:
    names = {"calibrated.toml", "posterior.csv", "fit.csv", "identifiability.csv", "design.csv", "report.html"}
    assert names <= {p.name for p in calibrated.out.iterdir()}
    fit = pd.read_csv(calibrated.out / "fit.csv", index_col="kpi")
    assert list(fit.index) == ["nps", "sales_count"]
    assert fit.loc["sales_count", "observed"] == 55.0
    posterior = pd.read_csv(calibrated.out / "posterior.csv")
    assert list(posterior.columns) == [*PARAMS, "weight"]
    assert posterior["weight"].sum() == pytest.approx(1.0)
    assert list(pd.read_csv(calibrated.out / "identifiability.csv")["parameter"]) == list(PARAMS)
    assert len(pd.read_csv(calibrated.out / "design.csv")) == 6


def test_calibrated_scenario_loads_and_is_the_best_point(calibrated: SimpleNamespace) -> None:
    path = calibrated.out / "calibrated.toml"
    loaded = sb.load_scenario(path)
    assert loaded == calibrated.cal.scenario()
    assert loaded.clients.count == 300  # the --set overrides are part of the branch
    code, _, stderr = _run(["validate", str(path)])
    assert code == 0, stderr


def test_calibration_report(calibrated: SimpleNamespace) -> None:
    html = (calibrated.out / "report.html").read_text(encoding="utf-8")
    text = _text(html)
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html and "http" not in text
    assert html.count("data:image/png;base64,") >= 3  # fit, posterior, pairs (and waves)
    for word in ("Test branch", meanings.label("nps"), meanings.label("sales_count"), *PARAMS, "Provenance",
                 calibrated.cal.provenance["model"]):
        assert word in text
    assert not re.search(r"\bnan\b", text, flags=re.IGNORECASE)
    prose = report_prose(html)
    assert not [name for name in code_names() if re.search(rf"\b{name}\b", prose)]


@pytest.mark.parametrize(("args", "observed", "message"), [
    (["--param", "sales.base_conversion=0.1:0.3"], None, "file not found"),                      # no observed file
    (["--param", "sales.base_conversion=0.1:0.3"], "[observed]\nhappiness = { value = 1.0, sd = 1.0 }\n",
     "observed.happiness"),                                                                       # not a KPI
    (["--param", "sales.base_conversion=0.1:0.3"], "[observed]\nnps = { value = 1.0, sd = -2.0 }\n",
     "observed.nps.sd = -2.0"),                                                                   # a negative sd
    (["--param", "sales.base_conversion=a:b"], OBSERVED, "LOW:HIGH"),                            # not a range
    (["--param", "sales.base_conversion=0.3:0.1"], OBSERVED, "LOW must be below HIGH"),
    (["--param", "managers.nonexistent=1:2"], OBSERVED, "no field 'nonexistent'"),               # not a field
    (["--param", "sales.base_conversion=0.5:2"], OBSERVED, "sales.base_conversion = 2.0"),       # out of bounds
    (["--param", "allocation.rule=crm,by_tier"], OBSERVED, "a calibration parameter is a range"),
    (["--param", "sales.base_conversion=0.1:0.3", "--points", "2"], OBSERVED, "--points 2"),
])
def test_bad_calibrations_exit_2_before_any_run(args: list[str], observed: str | None, message: str, tmp_path: Path,
                                                executed: list) -> None:
    path = _observed(tmp_path, observed) if observed is not None else tmp_path / "missing.toml"
    code, stdout, stderr = _run(["calibrate", str(BASELINE), str(path), "--out", str(tmp_path / "out"), *TINY_BUDGET,
                                 *args, "--serial", *SMALL])
    assert code == 2
    assert message in stderr, stderr
    assert "Traceback" not in stderr and stdout == ""
    assert executed == [] and not (tmp_path / "out").exists()


def test_missing_scenario_file_exits_2(tmp_path: Path) -> None:
    code, _, stderr = _run(["calibrate", str(tmp_path / "nope.toml"), str(_observed(tmp_path)), "--out",
                            str(tmp_path / "out")])
    assert code == 2 and "nope.toml" in stderr and "file not found" in stderr and "Traceback" not in stderr


def test_robustness_runs_and_writes_its_report(tmp_path: Path) -> None:
    code, stdout, stderr = _run(["robustness", str(BASELINE), "--policy", "crm_routing", "--n", "4", "--reps", "1",
                                 "--kpi", "profit", "--kpi", "satisfaction_mean", "--workers", "2",
                                 "--out", str(tmp_path), *SMALL])
    assert code == 0, stderr
    assert meanings.label("crm_routing") in stdout and "draws beating baseline" in stdout and "5-95 % range" in stdout
    assert "best on Profit" in stdout
    for name in ("design", "table", "effects", "shares", "stability", "ranking", "sensitivity"):
        assert (tmp_path / f"{name}.csv").exists(), name
    assert len(pd.read_csv(tmp_path / "design.csv")) == 4
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    text = _text(html)
    assert "crm_routing" in text and "satisfaction_mean" in text and "Provenance" in text  # the command
    assert not re.search(r"\bnan\b", text, flags=re.IGNORECASE)
    prose = report_prose(html)
    assert meanings.label("crm_routing") in prose and meanings.label("satisfaction_mean") in prose
    assert not [name for name in code_names() if re.search(rf"\b{name}\b", prose)]


@pytest.mark.parametrize(("args", "message"), [
    (["--kpi", "happiness"], "unknown KPI 'happiness'"),
    (["--param", "managers.count=0:3"], "managers.count = 0"),
    (["--param", "managers.count"], "no declared plausible range"),
    (["--method", "sobol", "--n", "6"], "power of 2"),
    (["--policy", "no_such_policy"], "unknown policy 'no_such_policy'"),
])
def test_bad_robustness_exits_2_before_any_run(args: list[str], message: str, executed: list) -> None:
    code, stdout, stderr = _run(["robustness", str(BASELINE), "--n", "4", "--serial", *args, *SMALL])
    assert code == 2
    assert message in stderr, stderr
    assert "Traceback" not in stderr and stdout == "" and executed == []


def test_files_in_the_wrong_order_exit_2_with_a_hint(tmp_path: Path) -> None:
    code, _, stderr = _run(["calibrate", str(_observed(tmp_path)), str(BASELINE), "--out", str(tmp_path / "out")])
    assert code == 2 and "the scenario comes first" in stderr and "Traceback" not in stderr
