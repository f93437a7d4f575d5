"""`simbranch optimise`: the front table, the files it writes, the store, and bad input refused before any run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import simbranch as sb
from simbranch import meanings
from simbranch.cli import main

BASELINE = Path(__file__).resolve().parents[1] / "simbranch" / "scenarios" / "baseline.toml"
TINY = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
TINY_ARGS = [arg for path, value in TINY.items() for arg in ("--set", f"{path}={value}")]
LEVERS = ["--lever", "allocation.rule=round_robin,crm", "--lever", "wellbeing.enabled"]
SMALL = ["--budget-runs", "10", "--reps", "2", "--final-reps", "3", "--population", "4", "--serial"]


def optimise_cli(*args: str) -> list[str]:
    return ["optimise", str(BASELINE), *args, *TINY_ARGS]


def bad_input(code: int, err: str, out: str) -> None:
    """Exit 2, one line on stderr, no traceback, nothing on stdout."""
    assert code == 2
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    assert out == ""


def test_front_table_files_and_a_second_run_from_the_store(tmp_path, capsys, executed):
    """The table shows the baseline and each front point with the numbers of `sb.optimise`; --out writes the
    frames, one policy file per point (which load_policy reads), the figure and the report; the same command
    with the same store runs nothing."""
    store = tmp_path / "runs.sqlite"
    constraint = "cost_total<=baseline+1000000"
    args = optimise_cli(*LEVERS, "--constraint", constraint, *SMALL, "--store", str(store), "--preset",
                        "crm_routing", "--no-progress")
    assert main([*args, "--out", str(tmp_path / "out")]) == 0
    out, err = capsys.readouterr()
    ran = sum(len(c) for c in executed)
    assert ran > 0
    assert f"the optimisation is noted in {str(store)!r}" in err
    assert len(sb.load_optimisation(store).front) >= 1

    opt = sb.optimise(sb.load_scenario(BASELINE).with_overrides(TINY),
                      {"allocation.rule": ["round_robin", "crm"], "wellbeing.enabled": None},
                      constraints={"cost_total": "<= baseline + 1000000"}, budget_runs=10, replications=2,
                      final_replications=3, population=4, executor="serial", store=store, progress=False)
    assert sum(len(c) for c in executed) == ran  # the API with the same store: every run was there
    assert len(opt.front) >= 1
    lines = out.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("point"))
    for label in ("allocation.rule", "wellbeing.enabled", meanings.label("profit"), "margin: Total cost"):
        assert label in lines[head]
    assert lines[head + 2].split()[0] == "Baseline"
    currency = opt.scenarios[0].branch.currency
    for i, row in enumerate(opt.front.itertuples()):
        cells = lines[head + 3 + i].split()
        assert cells[:3] == [str(i + 1), row._2, str(row._3)]  # the point, allocation.rule, wellbeing.enabled
        assert meanings.fmt("profit", row.profit, currency=currency, unit=False) in cells
    assert lines[head + 3 + len(opt.front)] == ""

    folder = tmp_path / "out"
    front = pd.read_csv(folder / "front.csv")
    assert list(front["policy"]) == list(opt.front["policy"])
    assert len(pd.read_csv(folder / "trials.csv")) == len(opt.trials)
    for i in range(len(opt.front)):
        assert sb.load_policy(folder / f"policy-{i + 1}.toml").to_flat() == opt.policy(i).to_flat()
    assert not (folder / f"policy-{len(opt.front) + 1}.toml").exists()
    assert (folder / "front.png").read_bytes()[:4] == b"\x89PNG"
    report = (folder / "report.html").read_text(encoding="utf-8")
    assert opt.front["policy"].iloc[0] in report and "crm_routing" in report

    assert main([*args, "--out", str(tmp_path / "again")]) == 0
    again = capsys.readouterr().out
    assert sum(len(c) for c in executed) == ran  # the search, the final runs and the report's comparison
    assert "0 of them run now" in again
    assert again.splitlines()[3:len(opt.front) + 6] == lines[3:len(opt.front) + 6]


def test_chinese_table(capsys):
    assert main(optimise_cli(*LEVERS, *SMALL, "--no-progress", "--lang", "zh")) == 0
    out = capsys.readouterr().out
    assert "前沿共" in out and meanings.label("profit", "zh") in out and "差值" in out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--lever", "managers.count=2:4"], ["--lever managers.count=2:4", "no lever of a policy"]),
        (["--lever", "allocation.rull=crm"], ["--lever allocation.rull=crm", "allocation.rule"]),
        (["--lever", "clients.churn.sensitivity"], ["--lever clients.churn.sensitivity", "no lever of a policy"]),
        (["--lever", "allocation.memory_sd"], ["--lever allocation.memory_sd", "not a choice a policy makes"]),
        (["--lever", "training.interval_days=180:30"], ["--lever training.interval_days=180:30", "LOW must be below"]),
        (["--lever", "training.interval_days=0:10"], ["--lever training.interval_days=0:10", "greater than or equal "
                                                      "to 1"]),
        (["--lever", "allocation.rule=crm,fastest"], ["--lever allocation.rule=crm,fastest", "fastest"]),
        (["--lever", "training.interval_days=30:x"], ["--lever", "LOW:HIGH"]),
        (["--lever", "wellbeing.enabled", "--lever", "wellbeing.enabled"], ["--lever wellbeing.enabled", "twice"]),
        (["--objective", "proft"], ["--objective proft", "unknown KPI", "profit", "satisfaction_mean"]),
        (["--objective", "profit:up"], ["--objective", "KPI:max or KPI:min"]),
        (["--objective", "requests_arrived"], ["--objective requests_arrived", "requests_arrived:max"]),
        (["--constraint", "cost_total<baseline"], ["--constraint", "KPI<=BOUND", "baseline+N"]),
        (["--constraint", "cost_total<=base+3"], ["--constraint", "'base+3' is not a bound", "baseline-N"]),
        (["--constraint", "costs<=baseline"], ["--constraint costs <= baseline", "unknown KPI", "cost_total"]),
        (["--constraint", "cost_total<=baseline", "--constraint", "cost_total<=0"], ["cost_total", "twice"]),
        (["--budget-runs", "9"], ["--budget-runs 9", "at least 10", "--population"]),
        (["--budget-runs", "0"], ["--budget-runs", "less than 1"]),
        (["--population", "1"], ["--population 1", "at least 2"]),
        (["--reps", "0"], ["--reps", "allowed: 1 to"]),
        (["--sampler", "random"], ["--sampler", "nsga2", "tpe"]),
        (["--preset", "crm_rooting"], ["'crm_rooting'", "crm_routing"]),
        (["--lang", "fr"], ["--lang", "en", "zh"]),
    ],
)
def test_bad_input_exits_2_with_one_line_before_any_run(args, words, capsys, executed):
    code = main(optimise_cli(*SMALL, *args))
    out, err = capsys.readouterr()
    bad_input(code, err, out)
    assert all(word in err for word in words), err
    assert executed == []


def test_the_legend_says_which_point_is_beaten_beyond_the_noise_and_which_levers_do_nothing():
    """A front point that another beats beyond the noise gets a line under the table, in either language; a lever
    that does nothing at a point shows as "–" (in the table and the notebook view), with a line saying why."""
    import dataclasses

    from simbranch.cli import format_front

    opt = sb.optimise(sb.load_scenario(BASELINE).with_overrides(TINY), {"wellbeing.enabled": None}, budget_runs=6,
                      replications=2, final_replications=3, population=2, executor="serial", progress=False)
    first = opt.front.iloc[0]
    second = first.copy()
    second["policy"], second["dominated_within_noise_by"] = "opt-second", first["policy"]
    second["inert_levers"] = "wellbeing.enabled"  # as a lever that does nothing there is shown
    shown = dataclasses.replace(opt, front=pd.DataFrame([first, second]).reset_index(drop=True))
    rows = {line.split()[0]: line.split() for line in format_front(shown).splitlines() if line[:2] in ("1 ", "2 ")}
    assert rows["2"][1] == "–" and rows["1"][1] in ("True", "False")
    assert any(line.startswith("–: the lever does nothing at that point") for line in format_front(shown).splitlines())
    assert "<td>–</td>" in shown._repr_html_()
    assert ("point 2: point 1 is as good on every objective within the noise and better on one (95 %): point 2's own "
            "edge may be luck") in format_front(shown).splitlines()
    chinese = format_front(shown, "zh").splitlines()
    assert any(line.startswith("第 2 个点:第 1 个点在每个目标上都不比它差") for line in chinese)
    flagged = int((opt.front["dominated_within_noise_by"] != "").sum())
    assert sum("within the noise" in line for line in format_front(opt).splitlines()) == flagged


def test_lever_article_searches_every_measure_with_its_main_settings():
    """`--lever article` is the 16 levers of ARTICLE_LEVERS; a lever given on its own narrows its range."""
    from simbranch.cli import _optimise_levers
    from simbranch.experiment.optimise_space import ARTICLE_LEVERS

    sc = sb.load_scenario(BASELINE)
    assert _optimise_levers(sc, [("article", None)]) == ARTICLE_LEVERS and len(ARTICLE_LEVERS) == 16
    narrowed = _optimise_levers(sc, [("training.interval_days", (40, 60)), ("article", None)])
    assert narrowed == {**ARTICLE_LEVERS, "training.interval_days": (40, 60)}
    assert _optimise_levers(sc, [("article", None), ("training.interval_days", (40, 60))]) == narrowed
