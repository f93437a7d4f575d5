"""Decisions under uncertainty: `compare` on several scenarios (parameter draws) with its statistics
(expected difference, its CI, the range of the effect across the draws, the probability of beating
the baseline, the share of variance from the parameters), and `robustness` across the assumption
ranges (shares, ranking, sensitivity), with resume from a store and clear errors before any run.

Runs use a small branch (4 AMs, 300 clients, 40 measured days after 10 warm-up days: about 0.07 s
a run) in this process.
"""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest

import simbranch as sb
from simbranch.analysis import paired_differences, share_better
from simbranch.experiment import saved_comparisons
from simbranch.experiment.compare import SERIES_COLUMNS
from simbranch.experiment.design import draw_replication, draw_seed_index, resolve_policies, run_specs, scenario_specs
from simbranch.report import report_html
from simbranch.scenario import Policy

SMALL = sb.Scenario().with_overrides({"clients.count": 300, "managers.count": 4, "branch.horizon_days": 40,
                                      "branch.warmup_days": 10, "assessment.enabled": True,
                                      "assessment.interval_days": 5, "assessment.action": "none"})
FAST = {"executor": "serial", "progress": False}
SEED = 7
#: the same branch's assessments at a lower price per AM: more profit and less cost in every run, nothing
#: else moves (a policy changes lever sections only, so the saving is on a lever's cost)
CHEAPER = Policy(name="cheaper", levers={"assessment": {"cost_per_am": 10.0}})
#: changes nothing: every run is the baseline's
SAME = Policy(name="same", levers={})
#: the draws differ strongly (2, 6 or 12 AMs): the saving scales with the headcount
DRAWS = [SMALL.with_overrides({"managers.count": k}) for k in (2, 6, 12)]
#: two assumed coefficients of the small branch, for robustness
TWO = ["clients.tiers.mass.requests_per_year", "clients.tiers.mass.am_share.sales"]
KPIS = ["profit", "cost_total", "satisfaction_mean", "wait_mean_h"]


@pytest.fixture(scope="module")
def several(tmp_path_factory) -> tuple[sb.Comparison, object]:
    """The baseline, `cheaper`, `same` and crm_routing on the three draws, 2 replications, kept in a store."""
    store = tmp_path_factory.mktemp("several") / "runs.sqlite"
    cmp = sb.compare(DRAWS, [CHEAPER, SAME, "crm_routing"], seed=SEED, store=store, **FAST)
    return cmp, store


# --------------------------------------------------------------------------- one scenario: as before


def test_one_scenario_keeps_its_runs_keys_and_table(executed):
    """One Scenario (or a sequence of one) runs exactly the specs of before (same keys, point -1), and its
    table has no scenario column and holds the numbers of `sb.run` on replication r's seed."""
    cmp = sb.compare(SMALL, [CHEAPER], replications=2, seed=SEED, **FAST)
    again = sb.compare([SMALL], [CHEAPER], replications=2, seed=SEED, **FAST)
    expected = run_specs(SMALL, resolve_policies([CHEAPER]), range(2), SEED, SERIES_COLUMNS)
    assert [s.key for s in executed[0]] == [s.key for s in expected] == [s.key for s in executed[1]]
    assert {s.point for s in executed[0]} == {-1}
    assert "scenario" not in cmp.table and "scenario" not in cmp.daily()
    pd.testing.assert_frame_equal(cmp.table.drop(columns="wall_time_s"), again.table.drop(columns="wall_time_s"))
    assert cmp.n_scenarios == 1 and cmp.scenarios == [SMALL] and list(cmp.paired(kpis=["profit"])) == list(
        paired_differences(cmp.table, ["profit"]))
    direct = sb.run(SMALL.with_policy(CHEAPER), np.random.SeedSequence(SEED, spawn_key=(1,))).kpis
    row = cmp.table[(cmp.table["policy"] == "cheaper") & (cmp.table["replication"] == 1)].iloc[0]
    assert row[list(sb.KPI_NAMES)].astype(float).equals(direct[list(sb.KPI_NAMES)].astype(float))


def test_bad_first_argument_is_refused_before_any_run(executed):
    with pytest.raises(TypeError, match="item 1 of the scenarios is a dict"):
        sb.compare([SMALL, {"managers": {"count": 3}}], [CHEAPER], **FAST)
    with pytest.raises(ValueError, match="empty sequence"):
        sb.compare([], [CHEAPER], **FAST)
    with pytest.raises(TypeError, match="takes a Scenario or a sequence"):
        sb.compare("simbranch/scenarios/baseline.toml", [CHEAPER], **FAST)
    with pytest.raises(ValueError, match="'auto' is for one scenario"):
        sb.compare(DRAWS, [CHEAPER], replications="auto", **FAST)
    assert executed == []


# --------------------------------------------------------------------------- several scenarios


def test_several_scenarios_run_every_policy_on_every_draw_with_own_seeds(several):
    """Every policy x scenario x replication once (2 replications by default), a scenario column, the
    first scenario as `scenario`; replication r of draw s runs, for every policy, on seed index
    draw_seed_index(s, r) (`spawn_key`), and `replication` is the replication within the draw."""
    cmp, _ = several
    t = cmp.table
    assert cmp.n_scenarios == 3 and cmp.scenario == DRAWS[0] and cmp.scenarios == DRAWS and cmp.replications == 2
    assert len(t) == 4 * 3 * 2 and len(cmp.failures) == 0
    assert not t.duplicated(["policy", "scenario", "replication"]).any()
    assert set(t["scenario"]) == {0, 1, 2} and list(t.columns[:4]) == ["policy", "scenario", "replication",
                                                                        "spawn_key"]
    assert set(t["replication"]) == {0, 1}
    assert (t["spawn_key"] == [draw_seed_index(s, r) for s, r in zip(t["scenario"], t["replication"], strict=True)]
            ).all()
    assert t.groupby(["scenario", "replication"])["spawn_key"].nunique().eq(1).all()  # shared by the policies
    assert t.drop_duplicates(["scenario", "replication"])["spawn_key"].is_unique  # and by no other draw
    row = t[(t["policy"] == "crm_routing") & (t["scenario"] == 2) & (t["replication"] == 1)].iloc[0]
    crm = resolve_policies(["crm_routing"])[1]
    direct = sb.run(DRAWS[2].with_policy(crm), np.random.SeedSequence(SEED, spawn_key=(draw_seed_index(2, 1),))).kpis
    assert row["profit"] == direct["profit"] and row["satisfaction_mean"] == direct["satisfaction_mean"]
    assert cmp.rerun("crm_routing", replication=1, scenario=2).kpis["profit"] == row["profit"]
    assert set(cmp.daily()[["scenario"]].drop_duplicates()["scenario"]) == {0, 1, 2}
    assert set(cmp.daily()["replication"]) == {0, 1}


def test_seed_indices_are_distinct_and_do_not_depend_on_the_layout():
    """One seed index per (draw, replication), the same whatever the numbers of draws and replications,
    and invertible; the specs of more replications or more draws keep the keys of the fewer."""
    pairs = [(s, r) for s in range(40) for r in range(40)]
    indices = [draw_seed_index(s, r) for s, r in pairs]
    assert len(set(indices)) == len(pairs) and [draw_replication(i) for i in indices] == pairs
    policies = resolve_policies([CHEAPER])
    few = {s.key for s in scenario_specs(DRAWS[:2], policies, range(2), SEED)}
    more = {s.key for s in scenario_specs(DRAWS, policies, range(5), SEED)}
    assert few < more


def test_each_draw_has_its_own_seeds_and_policies_stay_paired_within_it():
    """Two identical draws give different runs (each draw its own luck), while within a draw a policy
    that changes nothing gives exactly the baseline's numbers (the same seeds)."""
    cmp = sb.compare([SMALL, SMALL], [SAME], replications=1, seed=SEED, **FAST)
    t = cmp.table
    kpis = list(sb.KPI_NAMES)
    base = t[t["policy"] == "baseline"].set_index("scenario")[kpis].astype(float)
    assert base.loc[0, "satisfaction_mean"] != base.loc[1, "satisfaction_mean"]
    assert base.loc[0, "sales_count"] != base.loc[1, "sales_count"] or base.loc[0, "profit"] != base.loc[1, "profit"]
    same = t[t["policy"] == "same"].set_index("scenario")[kpis].astype(float)
    pd.testing.assert_frame_equal(same, base)


def test_more_replications_reuse_the_stored_runs(tmp_path, executed):
    """The seed index of replication r of draw s does not depend on the replications per draw: the same
    call with more replications runs only the new ones, and the store note follows."""
    store = tmp_path / "runs.sqlite"
    sb.compare(DRAWS[:2], [SAME], replications=1, seed=SEED, store=store, **FAST)
    cmp = sb.compare(DRAWS[:2], [SAME], replications=2, seed=SEED, store=store, **FAST)
    assert [len(specs) for specs in executed] == [2 * 2 * 1, 2 * 2 * 1]
    assert cmp.replications == 2 and len(cmp.table) == 2 * 2 * 2
    loaded = sb.load_comparison(store)
    assert loaded.replications == 2
    pd.testing.assert_frame_equal(loaded.table.drop(columns="wall_time_s"), cmp.table.drop(columns="wall_time_s"))


def test_a_policy_that_changes_nothing_has_no_effect_and_even_odds(several):
    """Expected difference exactly 0, its CI and range [0, 0], P(better) 0.5 (ties count half)."""
    cmp, _ = several
    paired = cmp.paired(kpis=KPIS)
    same = paired[paired["policy"] == "same"]
    assert (same["difference"] == 0).all() and (same["ci_low"] == 0).all() and (same["ci_high"] == 0).all()
    assert (same["interval_low"] == 0).all() and (same["interval_high"] == 0).all()
    assert (same["p_better"] == 0.5).all() and not same["significant"].any()


def test_a_policy_with_a_sure_effect_beats_the_baseline_in_every_draw(several):
    """Cheaper assessments: more profit and less cost (lower is better) in every draw: P(better) 1 on both;
    the effect comes from the parameters only (the saving scales with the headcount)."""
    cmp, _ = several
    paired = cmp.paired(kpis=KPIS).set_index(["policy", "kpi"])
    assert paired.loc[("cheaper", "profit"), "p_better"] == 1.0
    assert paired.loc[("cheaper", "cost_total"), "p_better"] == 1.0
    assert paired.loc[("cheaper", "profit"), "difference"] > 0 > paired.loc[("cheaper", "cost_total"), "difference"]
    assert paired.loc[("cheaper", "profit"), "parameter_share"] > 0.9
    assert paired.loc[("cheaper", "satisfaction_mean"), "p_better"] == 0.5
    effects = cmp.scenario_effects(kpis=["profit"])
    saving = effects[effects["policy"] == "cheaper"].set_index("scenario")["difference"]
    assert saving.is_monotonic_increasing  # 2, 6, 12 AMs
    assert share_better([1.0, 0.0, -1.0, np.nan]) == 0.5 and share_better([1.0, 2.0], higher=False) == 0.0


def test_the_range_across_strongly_different_draws_is_wider_than_the_noise_alone(several):
    """Where the draws differ strongly (the assessments' saving for 2, 6 or 12 AMs), the range of the effect
    across them (parameters and noise) is wider than the CI that the replications of any one draw give
    (noise alone; the unadjusted one, at the same level as the range), and the expected difference's CI
    holds the mean of the draws' effects."""
    cmp, _ = several
    paired = cmp.paired(kpis=["profit"]).set_index("policy")
    width = paired.loc["cheaper", "interval_high"] - paired.loc["cheaper", "interval_low"]
    for s in range(3):
        alone = paired_differences(cmp.table[cmp.table["scenario"] == s], ["profit"]).set_index("policy")
        assert width >= alone.loc["cheaper", "ci_high_raw"] - alone.loc["cheaper", "ci_low_raw"]
    effects = cmp.scenario_effects(kpis=["profit"])
    mean = effects[effects["policy"] == "cheaper"]["difference"].mean()
    assert paired.loc["cheaper", "ci_low"] < mean < paired.loc["cheaper", "ci_high"]
    assert mean == pytest.approx(paired.loc["cheaper", "difference"])
    assert paired.loc["cheaper", "n_scenarios"] == 3 and paired.loc["cheaper", "n"] == 6


def test_summary_and_best_count_the_draws(several):
    cmp, _ = several
    summary = cmp.summary(kpis=["profit"]).set_index("policy")
    assert {"mean", "ci_half_width", "interval_low", "interval_high", "n_scenarios"} <= set(summary.columns)
    assert summary.loc["baseline", "n"] == 6
    best = cmp.best("profit")
    assert best["policy"] in {"cheaper", "crm_routing"} and 0 <= best["p_better"] <= 1


def test_resume_runs_nothing_and_the_store_gives_the_comparison_back(several, executed):
    """The same call on the same store runs nothing; `load_comparison` rebuilds the comparison on
    several scenarios (scenarios, table, series) and the report shows it."""
    cmp, store = several
    again = sb.compare(DRAWS, [CHEAPER, SAME, "crm_routing"], seed=SEED, store=store, **FAST)
    assert executed == [[]]
    pd.testing.assert_frame_equal(again.table.drop(columns="wall_time_s"), cmp.table.drop(columns="wall_time_s"))
    loaded = sb.load_comparison(store)
    assert loaded.scenarios == DRAWS and loaded.n_scenarios == 3
    pd.testing.assert_frame_equal(loaded.table.drop(columns="wall_time_s"), cmp.table.drop(columns="wall_time_s"))
    pd.testing.assert_frame_equal(loaded.series, cmp.series)
    assert saved_comparisons(store)["scenarios"].tolist() == [3]
    html = report_html(loaded)
    assert "3 scenarios" in html and "P(better)" in html and "managers.count" in html
    assert "P(better)" in cmp._repr_html_()


# --------------------------------------------------------------------------- robustness


@pytest.fixture(scope="module")
def robust(tmp_path_factory) -> tuple[sb.Robustness, object]:
    store = tmp_path_factory.mktemp("robust") / "runs.sqlite"
    rob = sb.robustness(SMALL, ["crm_routing", CHEAPER], n=8, parameters=TWO, store=store, kpi=["profit", "nps"],
                        **FAST)
    return rob, store


def test_robustness_reports_shares_ranking_and_sensitivity(robust):
    rob, _ = robust
    assert rob.n == 8 and list(rob.design.columns) == ["draw", *TWO] and rob.kpis == ["profit", "nps"]
    low, high = sb.assumed_ranges(SMALL)[TWO[0]]
    assert rob.design[TWO[0]].between(low, high).all()
    assert len(rob.comparison.table) == 8 * 3 * 2 and len(rob.failures) == 0
    assert set(rob.shares["policy"]) == {"crm_routing", "cheaper"} and set(rob.shares["kpi"]) == {"profit", "nps"}
    assert rob.shares["share_better"].between(0, 1).all() and (rob.shares["n_draws"] == 8).all()
    cheaper = rob.shares.set_index(["policy", "kpi"]).loc[("cheaper", "profit")]
    assert cheaper["share_better"] == 1.0 and cheaper["low"] <= cheaper["median"] <= cheaper["high"]
    assert set(rob.effects.columns) >= {"draw", "policy", "kpi", "difference", "better"}
    assert len(rob.ranking) == 8 * 3 and set(rob.ranking.groupby("draw")["best"].sum()) == {1.0}
    assert rob.stability["share_best"].between(0, 1).all() and abs(rob.stability["share_best"].sum() - 1) < 1e-12
    assert rob.best_policy == rob.stability["policy"].iloc[0] and 0 <= rob.best_share <= 1
    indices = rob.sensitivity()
    assert set(indices["output"]) == {"effect of crm_routing", "effect of cheaper", "ranking margin"}
    for _, block in indices.groupby("output"):
        assert sorted(block["parameter"]) == sorted(TWO)
    assert "robustness" in rob._repr_html_()


def test_robustness_is_deterministic_and_resumes_from_its_store(robust, executed):
    """The same call again runs nothing (the store has every run) and gives the same numbers."""
    rob, store = robust
    again = sb.robustness(SMALL, ["crm_routing", CHEAPER], n=8, parameters=TWO, store=store, kpi=["profit", "nps"],
                          **FAST)
    assert executed == [[]]
    for name in ("design", "effects", "shares", "ranking", "stability"):
        pd.testing.assert_frame_equal(getattr(again, name), getattr(rob, name))
    pd.testing.assert_frame_equal(again.sensitivity(), rob.sensitivity())
    assert (again.best_policy, again.best_share) == (rob.best_policy, rob.best_share)


def test_robustness_figures(robust):
    rob, _ = robust
    for kind in ("effects", "ranking", "sensitivity"):
        assert rob.plot(kind).axes
    with pytest.raises(ValueError, match="unknown plot kind"):
        rob.plot("pie")


def test_a_bad_range_or_draw_fails_before_any_run(tmp_path, executed):
    """A range end a field does not allow names the range; a draw that breaks a check across fields
    names the draw and its values; nothing runs and no store is made."""
    store = tmp_path / "runs.sqlite"
    with pytest.raises(sb.ScenarioError, match=r"(?s)^robustness range managers\.count \(.*managers\.count = 0"):
        sb.robustness(SMALL, ["crm_routing"], n=4, parameters={"managers.count": (0, 5)}, store=store, **FAST)
    trained = SMALL.with_overrides({"training.enabled": True})
    space = {"training.attendees": ["lowest_assessed", "all"], "assessment.enabled": [True, False]}
    with pytest.raises(sb.ScenarioError) as info:
        sb.robustness(trained, ["crm_routing"], n=8, parameters=space, store=store, **FAST)
    assert str(info.value).startswith("robustness draw ") and "training.attendees='lowest_assessed'" in str(info.value)
    assert "needs assessment.enabled = true" in str(info.value)
    with pytest.raises(ValueError, match="power of 2"):
        sb.robustness(SMALL, ["crm_routing"], n=6, method="sobol", parameters=TWO, **FAST)
    with pytest.raises(ValueError, match="no declared plausible range"):
        sb.robustness(SMALL, ["crm_routing"], parameters=["managers.count"], **FAST)
    with pytest.raises(ValueError, match="at least one policy"):
        sb.robustness(SMALL, [], parameters=TWO, **FAST)
    assert executed == [] and not store.exists()


def test_failed_runs_are_reported_and_the_rest_still_counts(monkeypatch):
    """Runs of crm_routing that raise (here: in draws with many requests) are in `failures`; the shares
    and the ranking use the draws that have their runs, and nothing crashes."""
    run_module = importlib.import_module("simbranch.run")
    real_run = run_module.run

    def flaky(scenario, seed):
        if scenario.allocation.rule == "crm" and scenario.clients.tiers["mass"].requests_per_year > 20:
            raise RuntimeError("boom")
        return real_run(scenario, seed)

    monkeypatch.setattr(run_module, "run", flaky)
    rob = sb.robustness(SMALL, ["crm_routing", CHEAPER], n=8, parameters=TWO, method="sobol", replications=1, **FAST)
    bad = int((rob.design[TWO[0]] > 20).sum())
    assert 0 < bad < 8 and len(rob.failures) == bad and set(rob.failures["policy"]) == {"crm_routing"}
    shares = rob.shares.set_index(["policy", "kpi"])
    assert shares.loc[("crm_routing", "profit"), "n_draws"] == 8 - bad
    assert shares.loc[("cheaper", "profit"), "n_draws"] == 8
    assert rob.ranking["draw"].nunique() == 8 - bad
    assert (rob.sensitivity()["n_draws"] <= 8).all()
