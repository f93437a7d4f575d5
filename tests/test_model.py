"""The core model: every mechanism can be switched off, allocation rules keep their promises,
requests and people are conserved, and states stay in their ranges."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from helpers import fast_quits

import simbranch as sb
from simbranch.mechanisms.allocation import allocation_rule_names
from simbranch.run import build_branch
from simbranch.scenario import BEHAVIOUR_SWITCHES

SMALL = {
    "branch.horizon_days": 120,
    "branch.warmup_days": 20,
    "clients.count": 600,
    "managers.count": 4,
}


@pytest.fixture(scope="module")
def small() -> sb.Scenario:
    return sb.Scenario().with_overrides(SMALL)


@pytest.fixture(scope="module")
def small_run(small: sb.Scenario) -> sb.RunResult:
    return sb.run(small, seed=3)


def test_run_reports_every_kpi(small_run: sb.RunResult) -> None:
    """A run reports every core KPI (defined in docs/model.md), each a finite number for a normal branch."""
    for name in (
        "requests_arrived", "requests_served", "requests_abandoned", "requests_open_at_end",
        "wait_mean_h", "wait_p90_h", "service_mean_h", "utilisation", "satisfaction_mean", "nps",
        "complaints", "sales_count", "revenue", "revenue_per_am", "client_churn_rate",
        "am_turnover_rate", "stress_mean", "burnout_share", "skill_mean", "training_hours",
        "cost_total", "profit",
    ):
        assert name in small_run.kpis.index
        assert math.isfinite(small_run.kpis[name]), name
    assert list(small_run.kpis.index) == sb.kpi_names(small_run.scenario)
    assert list(small_run.kpis.index[:len(sb.KPI_NAMES)]) == list(sb.KPI_NAMES)


def test_warmup_days_are_marked_and_left_out(small: sb.Scenario, small_run: sb.RunResult) -> None:
    """The daily frame has one row per simulated day; warm-up rows are flagged and not in the KPIs."""
    daily = small_run.daily
    assert len(daily) == small.branch.warmup_days + small.branch.horizon_days
    assert daily["warmup"].sum() == small.branch.warmup_days
    window = daily[~daily["warmup"]]
    assert small_run.kpis["cost_total"] == pytest.approx(window["cost"].sum())


def _check_invariants(res: sb.RunResult) -> None:
    k = res.kpis
    assert k["requests_arrived"] == k["requests_served"] + k["requests_abandoned"] + k["requests_open_at_end"]
    for col in ("satisfaction",):
        assert res.clients[col].between(0, 1).all()
    for col in ("skill_sales", "skill_relationship", "skill_product", "stress", "motivation"):
        assert res.managers[col].between(0, 1).all(), col
    assert 0 <= k["utilisation"] <= 1
    assert k["revenue"] >= 0 and k["cost_total"] >= 0
    # NaN only where nothing was measured: no request served, no AM available, no survey that day
    numeric = res.daily.drop(columns=["wait_mean_h", "utilisation", "survey_nps"]).select_dtypes("number")
    assert np.isfinite(numeric.to_numpy(dtype=float)).all()
    # people are conserved: clients at the end = initial + joined - churned
    daily = res.daily
    start = res.scenario.clients.count
    assert daily["clients"].iloc[-1] == start + daily["new_clients"].sum() - daily["churned"].sum()
    assert res.clients["active"].sum() == daily["clients"].iloc[-1]
    # AMs: every quit leaves a vacancy until a hire fills it
    assert len(res.managers) == res.scenario.managers.count + daily["hires"].sum()
    assert daily["headcount"].iloc[-1] + daily["vacancies"].iloc[-1] == res.scenario.managers.count


@pytest.mark.parametrize("rule", ["random", "round_robin", "least_loaded", "by_tier", "by_specialty", "crm", "pooled"])
def test_every_allocation_rule_runs_and_conserves(small: sb.Scenario, rule: str) -> None:
    """Every rule the article names runs; requests, clients and AMs are conserved; states stay in range."""
    res = sb.run(small.with_overrides({"allocation.rule": rule}), seed=11)
    _check_invariants(res)


def test_conservation_with_patience_and_turnover_pressure(small: sb.Scenario) -> None:
    """With abandonment and a stressed, leaving workforce the books still balance."""
    sc = small.with_overrides({
        "requests.patience.enabled": True, "requests.patience.mean_h": 2.0,
        "managers.count": 3, **fast_quits(3.0, 5),
    })
    res = sb.run(sc, seed=5)
    assert res.kpis["requests_abandoned"] > 0
    assert res.daily["quits"].sum() > 0 and res.daily["hires"].sum() > 0
    _check_invariants(res)


def test_builtin_rules_are_registered() -> None:
    assert {"random", "round_robin", "least_loaded", "by_tier", "by_specialty", "crm", "pooled"} <= set(
        allocation_rule_names())


def _owners(res: sb.RunResult) -> pd.DataFrame:
    clients = res.clients[res.clients["active"] & res.clients["am_id"].notna()]
    managers = res.managers.set_index("am_id")
    owners = managers.loc[clients["am_id"].astype(int)]
    return pd.DataFrame({
        "tier": clients["tier"].astype(str).to_numpy(),
        "domain": clients["domain"].astype(str).to_numpy(),
        "level": owners["level"].to_numpy(),
        "specialty": owners["specialty"].to_numpy(),
        "am_id": clients["am_id"].astype(int).to_numpy(),
    })


def test_by_specialty_matches_domains(small: sb.Scenario) -> None:
    """Specialty allocation gives far more clients an AM of their domain than dealing in turn.

    Same seed, so the same AMs and clients; with 3 domains, dealing in turn matches about a third
    by chance, specialty allocation most (it gives way only when a specialist is overloaded).
    """
    sc = small.with_overrides({"managers.count": 6})
    base = _owners(sb.run(sc, seed=2))
    spec = _owners(sb.run(sc.with_overrides({"allocation.rule": "by_specialty"}), seed=2))
    share = lambda o: float((o["domain"] == o["specialty"]).mean())  # noqa: E731
    assert share(spec) > share(base) + 0.2


def test_by_tier_gives_important_clients_to_experienced_ams(small: sb.Scenario) -> None:
    """Under tier allocation no VIP client is owned by one of the least experienced AMs."""
    sc = small.with_overrides({"managers.count": 8, "allocation.rule": "by_tier",
                               "managers.turnover.enabled": False})
    res = sb.run(sc, seed=4)
    owners = _owners(res)
    managers = res.managers.set_index("am_id")
    level_rank = {name: i for i, name in enumerate(sc.managers.levels)}
    experience = managers["level"].map(level_rank) * 1e6 + managers["tenure_days"]
    vip_owner_exp = experience.loc[owners.loc[owners["tier"] == "vip", "am_id"]]
    # the top tier may only go to the top half of AMs by experience (band = 1 - 0.5 x importance)
    assert (vip_owner_exp >= experience.median()).all()


def test_least_loaded_balances_books(small: sb.Scenario) -> None:
    """Least-loaded allocation spreads expected workload (hours a year of the book's requests to the
    AM, by tier) more evenly than random allocation."""
    sc = small.with_overrides({"managers.count": 6, "managers.turnover.enabled": False,
                               "clients.churn.enabled": False, "clients.inflow.enabled": False})
    tier_load = dict(zip(sc.clients.tiers, build_branch(sc).tier_load, strict=True))
    spread = {}
    for rule in ("random", "least_loaded"):
        res = sb.run(sc.with_overrides({"allocation.rule": rule}), seed=9)
        active = res.clients[res.clients["active"]]
        load = active["tier"].astype(str).map(tier_load).groupby(active["am_id"]).sum()
        spread[rule] = load.std()
    assert spread["least_loaded"] < 0.5 * spread["random"]


def test_portfolio_cap_is_respected(small: sb.Scenario) -> None:
    """No AM holds more clients than the cap when the branch has room for everyone."""
    sc = small.with_overrides({"managers.count": 5, "allocation.portfolio_cap": 150,
                               "allocation.rule": "by_specialty"})
    res = sb.run(sc, seed=1)
    present = res.managers[res.managers["left_day"].isna()]
    assert res.clients["active"].sum() <= 5 * 150  # room for everyone, so the cap can hold
    assert present["clients_end"].max() <= 150


def test_pooled_routing_cuts_waits(small: sb.Scenario) -> None:
    """Pooling the queue (one line, many servers) waits less than per-AM queues (queueing theory)."""
    waits = {}
    for rule in ("round_robin", "pooled"):
        waits[rule] = sb.run(small.with_overrides({"allocation.rule": rule}), seed=6).kpis["wait_mean_h"]
    assert waits["pooled"] < 0.5 * waits["round_robin"]


def test_user_rule_from_a_notebook(small: sb.Scenario, isolated_rules: None) -> None:
    """A rule registered by a user is accepted by a scenario and used by the run."""
    calls = []

    @sb.register_allocation_rule("everyone_to_the_first_am")
    class FirstAM(sb.AllocationRule):
        def assign(self, client, candidates, book):
            calls.append(client)
            return min(candidates, key=lambda m: m.position)

    sc = small.with_overrides({"allocation.rule": "everyone_to_the_first_am",
                               "managers.turnover.enabled": False})
    res = sb.run(sc, seed=1)
    assert calls
    owners = res.clients.loc[res.clients["active"], "am_id"]
    assert owners.nunique() == 1


# ---------------------------------------------------------------- switches


def test_all_behaviour_off_freezes_every_state(small: sb.Scenario) -> None:
    """With every behavioural switch off, no state moves: skills, stress, motivation, satisfaction,
    the client book and the staff are as they started."""
    sc = small.without_behaviour()
    res = sb.run(sc, seed=8)
    d = res.daily
    assert d["churned"].sum() == 0 and d["new_clients"].sum() == 0
    assert d["quits"].sum() == 0 and d["hires"].sum() == 0 and d["absent"].sum() == 0
    assert d["stress_mean"].nunique() == 1 and d["skill_mean"].nunique() == 1
    assert d["motivation_mean"].nunique() == 1 and d["satisfaction_mean"].nunique() == 1


@pytest.mark.parametrize("switch", BEHAVIOUR_SWITCHES)
def test_each_switch_changes_something(switch: str) -> None:
    """Switching any one mechanism off changes the run (it is wired in), with the same seed.

    The branch is under pressure (3 AMs, a harsh climate, a high quit hazard) so that every
    mechanism, burnout and quitting included, acts within the short horizon.
    """
    stressed = sb.Scenario().with_overrides({
        **SMALL, "managers.count": 3, "managers.stress.climate": 4.0,
        "managers.turnover.base_rate_per_year": 2.0,
    })
    on = sb.run(stressed, seed=21)
    assert on.daily["quits"].sum() > 0 and on.daily["burnout_share"].max() > 0
    off = sb.run(stressed.with_overrides({switch: False}), seed=21)
    assert not on.daily.equals(off.daily), switch


def test_stress_off_keeps_stress_at_its_initial_value(small: sb.Scenario) -> None:
    res = sb.run(small.with_overrides({"managers.stress.enabled": False}), seed=2)
    assert (res.managers["stress"] == small.managers.stress.initial).all()


def test_exhaustion_off_means_nobody_exhausted(small: sb.Scenario) -> None:
    res = sb.run(small.with_overrides({"managers.exhaustion.enabled": False}), seed=2)
    assert (res.managers["exhaustion"] == 0).all()
    assert res.kpis["exhausted_share"] == 0 and res.kpis["burnout_share"] == 0


def test_churn_off_means_no_client_leaves_except_with_their_am(small: sb.Scenario) -> None:
    sc = small.with_overrides({"clients.churn.enabled": False, "managers.turnover.enabled": False})
    res = sb.run(sc, seed=2)
    assert res.daily["churned"].sum() == 0


# ---------------------------------------------------------------- directions of effect


def test_more_ams_less_waiting(small: sb.Scenario) -> None:
    """Adding AMs to the same book lowers waits and utilisation (same seed: same clients, needs)."""
    few = sb.run(small, seed=13).kpis
    many = sb.run(small.with_overrides({"managers.count": 6}), seed=13).kpis
    assert many["wait_mean_h"] < few["wait_mean_h"]
    assert many["utilisation"] < few["utilisation"]


def test_new_hires_learn_on_the_job() -> None:
    """A new hire's skills rise towards the team's with experience (learning by doing)."""
    # quit hazards so high that the initial team (drawn as a team long under them) is all new, and
    # no quits during the run: four novices learning
    sc = sb.Scenario().with_overrides({
        "clients.count": 600, "managers.count": 4, "branch.warmup_days": 0, "branch.horizon_days": 150,
        **fast_quits(200.0), "managers.turnover.enabled": False, "managers.hiring.new_hire_skill": 0.3,
        "managers.levels": {"junior": {"share": 1.0, "skill_mean": 0.3}},
    })
    res = sb.run(sc, seed=1)
    start = 0.3
    assert (res.managers[["skill_sales", "skill_relationship", "skill_product"]].mean(axis=1) > start + 0.1).all()
    frozen = sb.run(sc.with_overrides({"managers.learning.enabled": False, "managers.decay.enabled": False}), seed=1)
    assert frozen.kpis["skill_mean"] < res.kpis["skill_mean"]


def test_unused_skill_decays_towards_the_floor() -> None:
    """Without practice (no learning), skill above the floor halves in one half-life."""
    half_life = 50
    sc = sb.Scenario().with_overrides({
        "clients.count": 100, "managers.count": 2, "branch.warmup_days": 0, "branch.horizon_days": half_life,
        "managers.learning.enabled": False, "managers.decay.half_life_days": float(half_life),
        "managers.turnover.enabled": False,
    })
    res = sb.run(sc, seed=1)
    floor = sc.managers.skill_floor
    start = sb.run(sc.with_overrides({"branch.horizon_days": 0}), seed=1).managers
    above_start = start["skill_sales"] - floor
    above_end = res.managers["skill_sales"] - floor
    assert np.allclose(above_end, above_start / 2, rtol=1e-9)


def test_worse_climate_raises_stress_and_turnover() -> None:
    """A harsher work climate (stress builds faster) raises stress; averaged over 4 paired seeds."""
    sc = sb.Scenario().with_overrides({**SMALL, "clients.count": 800})
    harsh = sc.with_overrides({"managers.stress.climate": 4.0})
    base_stress = np.mean([sb.run(sc, seed=s).kpis["stress_mean"] for s in range(4)])
    harsh_stress = np.mean([sb.run(harsh, seed=s).kpis["stress_mean"] for s in range(4)])
    assert harsh_stress > base_stress


def test_low_satisfaction_raises_churn_and_complaints() -> None:
    """Worse service quality lowers satisfaction, which raises churn and complaints (paired seeds)."""
    sc = sb.Scenario().with_overrides(SMALL)
    poor = sc.with_overrides({"managers.skill_effects.quality_base": 0.5})
    k_base = pd.DataFrame([sb.run(sc, seed=s).kpis for s in range(3)]).mean()
    k_poor = pd.DataFrame([sb.run(poor, seed=s).kpis for s in range(3)]).mean()
    assert k_poor["satisfaction_mean"] < k_base["satisfaction_mean"] - 0.05
    assert k_poor["client_churn_rate"] > k_base["client_churn_rate"]
    assert k_poor["complaints"] > k_base["complaints"]


def test_degenerate_branches_run() -> None:
    """A branch with no clients, or a zero horizon after the warm-up, runs and reports sensibly."""
    empty = sb.run(sb.Scenario().with_overrides({"clients.count": 0, "clients.inflow.enabled": False,
                                                "branch.horizon_days": 10}), seed=1)
    assert empty.kpis["requests_arrived"] == 0
    assert empty.kpis["cost_total"] > 0
    zero = sb.run(sb.Scenario().with_overrides({"branch.horizon_days": 0, "branch.warmup_days": 5,
                                               "clients.count": 100}), seed=1)
    assert zero.kpis["requests_arrived"] == 0
    one = sb.run(sb.Scenario().with_overrides({"managers.count": 1, "clients.count": 100,
                                              "branch.horizon_days": 20}), seed=1)
    _check_invariants(one)
