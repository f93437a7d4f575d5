"""sb.optimise: it finds a known best, keeps its constraints, reproduces itself, resumes from a store,
refuses bad input clearly, writes policies that load, and optimises across several scenarios."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import simbranch as sb
from simbranch.analysis.tradeoffs import pareto_front
from simbranch.experiment.store import ResultStore

TINY = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
SMALL_SPACE = {"allocation.rule": ["round_robin", "crm"], "wellbeing.enabled": None}


@pytest.fixture(scope="module")
def tiny():
    return sb.load_scenario(sb.BASELINE).with_overrides(TINY)


def _small(scenario, **kwargs):
    options = {"budget_runs": 10, "replications": 2, "final_replications": 3, "population": 4,
               "executor": "serial", "progress": False}
    return sb.optimise(scenario, SMALL_SPACE, **{**options, **kwargs})


def _policies(trials: pd.DataFrame, paths: list[str]) -> list[sb.Policy]:
    return [sb.Policy.from_flat(row["policy"], {p: row[p] for p in paths}) for _, row in trials.iterrows()]


def test_recovers_the_exhaustive_front_of_a_small_grid(tmp_path):
    """A 3 x 4 grid (a categorical and an integer lever) that the budget covers: the optimiser's front is
    the Pareto front of every grid point run on the same (final) seeds. Longer training costs profit and
    takes AMs off work, so the front holds the shortest training, under the rules that lead on profit
    or on satisfaction."""
    scenario = sb.load_scenario(sb.BASELINE).with_overrides(
        {"branch.horizon_days": 10, "branch.warmup_days": 0, "clients.count": 120, "training.enabled": True,
         "training.interval_days": 5})
    levers = {"allocation.rule": ["round_robin", "least_loaded", "crm"], "training.length_days": (1, 4)}
    store = tmp_path / "runs.db"
    opt = sb.optimise(scenario, levers, budget_runs=3 * 20, replications=3, final_replications=6, population=6,
                      executor="serial", store=store, progress=False)
    assert len(opt.trials) == 12  # every point of the grid was tried
    grid = sb.compare(scenario, _policies(opt.trials, list(levers)), replications=6, seed=opt.final_seed,
                      executor="serial", store=store, progress=False)
    summary = grid.summary(["profit", "satisfaction_mean"])
    summary = summary[summary["policy"] != "baseline"]
    exhaustive = pareto_front(summary, "profit", "satisfaction_mean")
    best = set(exhaustive.loc[~exhaustive["dominated"], "policy"])
    assert set(opt.front["policy"]) == best
    assert 1 in set(opt.front["training.length_days"])
    means = summary.pivot_table(index="policy", columns="kpi", values="mean")
    for row in opt.front.itertuples():
        assert row.profit == pytest.approx(means.loc[row.policy, "profit"])


def test_every_front_point_meets_the_constraints_on_the_final_runs(tiny):
    opt = _small(tiny, constraints={"cost_total": "<= baseline", "exhausted_share": ("<=", 0.5)})
    assert len(opt.front)
    table = opt.evaluation.table
    base = table[table["policy"] == "baseline"].set_index("replication")
    for row in opt.front.itertuples():
        own = table[table["policy"] == row.policy].set_index("replication")
        assert (own["cost_total"] - base["cost_total"]).mean() <= 0
        assert own["exhausted_share"].mean() <= 0.5
        assert row.margin_cost_total >= 0 and row.margin_exhausted_share >= 0
        assert row.margin_cost_total_ci_low <= row.margin_cost_total <= row.margin_cost_total_ci_high


def test_an_infeasible_constraint_gives_an_empty_front_and_says_why(tiny):
    with pytest.warns(UserWarning, match="no candidate meets the constraints"):
        opt = _small(tiny, constraints={"profit": ">= baseline + 1e12"})
    assert opt.front.empty
    assert not opt.trials["feasible"].any()
    assert "No candidate met the constraints" in opt._repr_html_()


def test_same_seed_same_front_a_store_runs_nothing_and_a_pool_agrees(tiny, tmp_path):
    store = tmp_path / "runs.db"
    first = _small(tiny, store=store)
    assert first.runs["ran"] > 0
    with ResultStore(store) as db:
        stored = len(db.keys())
    again = _small(tiny, store=store)
    assert again.runs["ran"] == 0
    with ResultStore(store) as db:
        assert len(db.keys()) == stored
    from simbranch.experiment.executors import process_pool

    with process_pool(max_workers=2) as pool:
        pooled = _small(tiny, executor=pool)
    for other in (again, pooled):
        pd.testing.assert_frame_equal(other.front, first.front)
        pd.testing.assert_frame_equal(other.trials, first.trials)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"levers": {"training.intervall_days": (20, 60)}}, r"'training.intervall_days' is no lever.*training.interval"),
    ({"levers": {"managers.count": (8, 12)}}, "no lever of a policy"),
    ({"levers": {"training.gain": (0.1, 0.3)}}, "assumed coefficient"),
    ({"objectives": ["profits"]}, "objective 'profits' is no KPI"),
    ({"objectives": ["requests_arrived"]}, "no better direction"),
    ({"constraints": {"cost_totl": "<= baseline"}}, "constraint on 'cost_totl': no such KPI"),
    ({"constraints": {"cost_total": "at most baseline"}}, "constraint 'cost_total': 'at most baseline' is not"),
    ({"constraints": {"cost_total": ("<", 3)}}, "constraint 'cost_total'"),
    ({"budget_runs": 9}, "budget_runs=9 is below the baseline plus one population.*at least 10"),
    ({"sampler": "cmaes"}, "sampler must be one of nsga2, tpe"),
    ({"across": 0.1}, "quantile across scenarios: give several scenarios"),
])
def test_bad_input_is_a_clear_value_error(tiny, kwargs, message):
    levers = kwargs.pop("levers", SMALL_SPACE)
    options = {"budget_runs": 10, "replications": 2, "population": 4, "executor": "serial", "progress": False}
    with pytest.raises(ValueError, match=message):
        sb.optimise(tiny, levers, **{**options, **kwargs})


def test_a_front_point_written_as_a_policy_loads_with_its_levers(tiny, tmp_path):
    opt = _small(tiny)
    for i, row in opt.front.iterrows():
        path = opt.write_policy(i, tmp_path / f"point{i}.toml")
        loaded = sb.load_policy(path)
        assert loaded.name == row["policy"]
        assert loaded.to_flat() == {p: row[p] for p in SMALL_SPACE}
        assert tiny.with_policy(loaded) == tiny.with_policy(opt.policy(i))


def test_several_scenarios_optimise_the_mean_or_a_quantile_across_them(tiny):
    draws = [tiny, tiny.with_overrides({"clients.count": 150})]
    opt = _small(draws, budget_runs=20)
    assert len(opt.front)
    policies = [opt.policy(i) for i in range(len(opt.front))]
    check = sb.compare(draws, policies, replications=3, seed=opt.final_seed, executor="serial", progress=False)
    per_draw = check.table.groupby(["policy", "scenario"])["profit"].mean()
    for row in opt.front.itertuples():
        assert row.profit == pytest.approx(per_draw.loc[row.policy].mean())
    robust = _small(draws, budget_runs=20, across=0.25)
    for row in robust.front.itertuples():
        means = robust.evaluation.table.groupby(["policy", "scenario"])["profit"].mean().loc[row.policy]
        assert row.profit == pytest.approx(np.quantile(means, 0.25))  # profit: higher is better, the low side


def test_the_figure_and_the_comparison_of_the_front(tiny):
    opt = _small(tiny)
    presets = sb.compare(tiny, ["crm_routing"], replications=2, executor="serial", progress=False)
    fig = opt.plot("front", presets=presets, lang="zh")
    assert len(fig.axes) == 1
    cmp = opt.compare(presets=["crm_routing"])
    assert [p.name for p in cmp.policies] == ["baseline", *opt.front["policy"], "crm_routing"]
    front = cmp.table[cmp.table["policy"].isin(opt.front["policy"])].groupby("policy")["profit"].mean()
    assert front.to_dict() == pytest.approx(opt.front.set_index("policy")["profit"].to_dict())


def test_without_optuna_it_names_the_extra(tiny, monkeypatch):
    from simbranch.extras import MissingExtra

    monkeypatch.setitem(__import__("sys").modules, "optuna", None)
    with pytest.raises(MissingExtra, match=r"pip install simbranch\[optimise\]"):
        _small(tiny)


def test_settings_that_differ_only_in_an_inert_lever_stand_once_on_the_front(tiny):
    """With training off, how often it would run changes no number (same seeds): one point, not several."""
    levers = {"training.enabled": [False], "training.interval_days": [30, 60, 90, 120]}
    opt = sb.optimise(tiny, levers, budget_runs=12, replications=2, final_replications=2, population=4,
                      executor="serial", progress=False)
    assert opt.trials["status"].eq("ok").sum() == 4
    assert len(opt.front) == 1


def _frames_equal(a, b) -> None:
    pd.testing.assert_frame_equal(a.front, b.front)
    pd.testing.assert_frame_equal(a.trials, b.trials)
    pd.testing.assert_series_equal(a.baseline, b.baseline)
    pd.testing.assert_frame_equal(a.evaluation.table.drop(columns="wall_time_s", errors="ignore"),
                                  b.evaluation.table.drop(columns="wall_time_s", errors="ignore"))


def test_an_optimisation_loads_from_its_store_without_optuna_or_runs(tiny, tmp_path, monkeypatch):
    """The note names what was asked and tried; the runs come back by key and are measured again as the search
    measured them: the same front, trials and final runs, with Optuna gone and nothing run."""
    store = tmp_path / "runs.db"
    one = _small(tiny, store=store)
    draws = [tiny, tiny.with_overrides({"clients.count": 150})]
    several = _small(draws, budget_runs=20, across=0.25, store=store,
                     constraints={"exhausted_share": "<= baseline + 0.5"})
    saved = sb.saved_optimisations(store)
    assert len(saved) == 2 and saved["candidates"].tolist() == [len(several.trials), len(one.trials)]
    monkeypatch.setitem(__import__("sys").modules, "optuna", None)
    import importlib.metadata as metadata

    installed = metadata.version

    def version(name: str) -> str:  # Optuna not installed at all: no metadata either
        if name == "optuna":
            raise metadata.PackageNotFoundError(name)
        return installed(name)

    monkeypatch.setattr(metadata, "version", version)
    module = __import__("sys").modules["simbranch.experiment.optimise"]  # the package's `optimise` is the function
    monkeypatch.setattr(module, "run_experiment", None)  # any run would fail
    newest = sb.load_optimisation(store)
    _frames_equal(newest, several)
    assert newest.runs["ran"] == 0 and newest.runs["search"] == several.runs["search"]
    assert newest.across == 0.25 and newest.constraints == several.constraints
    assert newest.provenance["optuna"] is None
    _frames_equal(sb.load_optimisation(store, saved["name"].iloc[1]), one)


def test_a_store_that_lacks_runs_or_holds_an_edited_note_says_so(tiny, tmp_path):
    import sqlite3

    from simbranch.experiment import StoreError

    empty = tmp_path / "empty.db"
    with ResultStore(empty):
        pass
    with pytest.raises(StoreError, match="holds no optimisation"):
        sb.load_optimisation(empty)
    store = tmp_path / "runs.db"
    _small(tiny, store=store)
    with pytest.raises(StoreError, match="no optimisation 'nope'; it holds: "):
        sb.load_optimisation(store, "nope")
    with pytest.raises(StoreError, match=r"holds no comparison .*it holds an optimisation, which sb\.load_opt"):
        sb.load_comparison(store)
    with ResultStore(store) as db:
        (name, note), = db.meta("optimisation:").items()
        edited = {**note, "candidates": [[*note["candidates"][0][:3], {"wellbeing.enabled": "maybe"}]]}
        db.set_meta(name, edited)
    with pytest.raises(StoreError, match=r"candidate 0 is not .* the name of its levers"):
        sb.load_optimisation(store)
    with ResultStore(store) as db:
        db.set_meta(name, {**note, "question": {**note["question"], "objectives": {"profits": "max"}}})
    with pytest.raises(StoreError, match="is not what optimise writes: objective 'profits' is no KPI"):
        sb.load_optimisation(store)
    with ResultStore(store) as db:
        db.set_meta(name, note)
    with sqlite3.connect(store) as db:
        db.execute("DELETE FROM runs WHERE rowid IN (SELECT rowid FROM runs ORDER BY rowid DESC LIMIT 3)")
    with pytest.raises(StoreError, match="3 of the optimisation's runs are not in the store"):
        sb.load_optimisation(store)


def test_dask_gives_the_serial_front(tiny):
    """A Dask `distributed.Client` on a local cluster of 2 worker processes: the same candidates and front."""
    distributed = pytest.importorskip("distributed")
    serial = _small(tiny)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        dasked = _small(tiny, executor=client)
    pd.testing.assert_frame_equal(dasked.front, serial.front)
    pd.testing.assert_frame_equal(dasked.trials, serial.trials)


def test_a_front_point_only_luckily_better_is_found_beyond_the_noise():
    """B is clearly worse than A on profit and better on satisfaction by less than the noise: both are on the
    Pareto front of the means, but only A beats the other beyond the noise. A clear trade-off and a tie flag
    nobody; fewer than two units compare nothing."""
    from simbranch.analysis.tradeoffs import dominated_by, dominated_within_noise

    rng = np.random.default_rng(4)
    a = np.column_stack([rng.normal(10.0, 1.0, 20), rng.normal(0.80, 0.01, 20)])
    luck = np.column_stack([a[:, 0] - 2.0 + rng.normal(0, 0.1, 20), a[:, 1] + 1e-4 + rng.normal(0, 0.01, 20)])
    clear = np.column_stack([a[:, 0] - 2.0 + rng.normal(0, 0.1, 20), a[:, 1] + 0.05 + rng.normal(0, 0.001, 20)])
    means = np.array([a.mean(0), luck.mean(0)])
    assert not dominated_by(means[1], means[:1]).any() and not dominated_by(means[0], means[1:]).any()  # both on it
    assert dominated_within_noise({"A": a, "B": luck}) == {"A": "", "B": "A"}
    assert dominated_within_noise({"A": a, "C": clear}) == {"A": "", "C": ""}
    assert dominated_within_noise({"A": a, "A2": a.copy()}) == {"A": "", "A2": ""}
    assert dominated_within_noise({"A": a[:1], "B": luck[:1]}) == {"A": "", "B": ""}


def test_the_front_says_which_points_are_beaten_beyond_the_noise(tiny):
    from simbranch.analysis.tradeoffs import dominated_within_noise

    opt = _small(tiny, budget_runs=20)
    table = opt.evaluation.table
    paired = {}
    for name in opt.front["policy"]:
        rows = table[table["policy"] == name].sort_values("replication")
        paired[name] = np.column_stack([rows["profit"], rows["satisfaction_mean"]])  # both: higher is better
    assert opt.front["dominated_within_noise_by"].tolist() == [dominated_within_noise(paired)[n]
                                                                for n in opt.front["policy"]]


def test_levers_article_is_every_measure_with_its_main_settings(tiny):
    """levers="article": the 8 default levers and each measure's main settings, every range valid on the branch."""
    from simbranch.experiment.optimise_space import ARTICLE_LEVERS, DEFAULT_LEVERS

    opt = sb.optimise(
        tiny, "article", budget_runs=10, replications=2, final_replications=2, population=4, executor="serial",
        progress=False)
    assert list(opt.levers) == list(ARTICLE_LEVERS) and list(ARTICLE_LEVERS)[:8] == list(DEFAULT_LEVERS)
    assert opt.levers["training.interval_days"] == "int in [21, 126]"
    assert set(opt.trials.columns) >= set(ARTICLE_LEVERS)
    with pytest.raises(ValueError, match="or name a set \\('default' or 'article'\\)"):
        sb.optimise(tiny, "articles", budget_runs=10, executor="serial", progress=False)


def test_the_levers_said_to_do_nothing_change_no_number(tiny):
    """What inert_levers declares inert is inert: changing it leaves every KPI of a run equal (same seed); a
    lever of a measure that is on, or the pay at risk of a scorecard, is not declared inert and does change them."""
    from simbranch.experiment.optimise_space import inert_levers

    current = tiny.to_dict()
    cases = [({"training.enabled": False}, "training.interval_days", (30, 90)),
             ({"incentives.scheme": "fixed"}, "incentives.pay_at_risk", (0.05, 0.3)),
             ({"incentives.scheme": "commission"}, "incentives.pay_at_risk", (0.05, 0.3)),
             ({}, "careers.review_interval_days", (63, 252))]  # careers off in the scenario itself
    for fixed, path, (low, high) in cases:
        assert inert_levers({**fixed, path: low}, current) == [path], path
        runs = [sb.run(tiny.with_overrides({**fixed, path: v}), seed=5).kpis for v in (low, high)]
        assert runs[0].equals(runs[1]), path
    live = {"incentives.scheme": "scorecard", "incentives.pay_at_risk": 0.05}
    assert inert_levers(live, current) == []
    assert not sb.run(tiny.with_overrides(live), seed=5).kpis.equals(
        sb.run(tiny.with_overrides({**live, "incentives.pay_at_risk": 0.3}), seed=5).kpis)


def test_the_front_lists_each_points_inert_levers(tiny):
    from simbranch.experiment.optimise_space import inert_levers

    opt = sb.optimise(tiny, {"training.enabled": None, "training.interval_days": [30, 90],
                             "incentives.scheme": ["fixed", "scorecard"], "incentives.pay_at_risk": [0.05, 0.3]},
                      budget_runs=40, replications=2, final_replications=2, population=8, executor="serial",
                      progress=False)
    current = tiny.to_dict()
    for row in opt.front.to_dict("records"):
        levers = {path: row[path] for path in opt.levers}
        assert row["inert_levers"] == ", ".join(inert_levers(levers, current))
