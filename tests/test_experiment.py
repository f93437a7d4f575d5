"""Experiments: `compare` with common random numbers on every executor, its statistics, automatic
replications, failed runs, user rules in worker processes, and the MSER-5 warm-up check.

Runs use a tiny branch (3 AMs, 300 clients, 30 measured days: about 0.15 s a run).
"""

from __future__ import annotations

import concurrent.futures as cf
import importlib
import multiprocessing

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import simbranch as sb
from simbranch.analysis import mser5
from simbranch.experiment.design import PRESETS
from simbranch.registry import ALLOCATION_RULES

# `simbranch.experiment.compare` the attribute is the function; this is the module.
compare_module = importlib.import_module("simbranch.experiment.compare")

TINY = sb.Scenario().with_overrides(
    {"branch.horizon_days": 30, "branch.warmup_days": 5, "clients.count": 300, "managers.count": 3}
)
KPIS = list(sb.KPI_NAMES)
POLICIES = ["crm_routing", "sales_commission"]
SEED = 3


# --------------------------------------------------------------------------- user rules and helpers


@sb.register_allocation_rule("test_exploding")
class ExplodingRule(sb.AllocationRule):
    """Least-loaded assignment that raises when the portfolio cap is the magic 123."""

    def assign(self, client, candidates, book):
        if self.config.portfolio_cap == 123:
            raise ValueError("exploding rule: portfolio cap 123")
        return super().assign(client, candidates, book)


class FirstAMRule(sb.AllocationRule):
    """Every client goes to the AM in the first position (registered inside a test only)."""

    def assign(self, client, candidates, book):
        return min(candidates, key=lambda m: m.position)


@pytest.fixture(autouse=True)
def restore_rules():
    """Rules a test registers vanish after it."""
    saved = dict(ALLOCATION_RULES)
    yield
    ALLOCATION_RULES.clear()
    ALLOCATION_RULES.update(saved)



def kpi_frame(table: pd.DataFrame) -> pd.DataFrame:
    """Keys and KPIs, sorted, for comparing tables from different executors or stores."""
    frame = table[["policy", "replication", *KPIS]]
    return frame.sort_values(["policy", "replication"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def serial() -> sb.Comparison:
    """The reference comparison: two presets and the baseline, 4 replications, in this process."""
    return sb.compare(TINY, policies=POLICIES, replications=4, seed=SEED, executor="serial", progress=False)


# --------------------------------------------------------------------------- what compare returns


def test_table_has_one_row_per_policy_and_replication_with_every_kpi(serial):
    """`table` has a row for each policy x replication, every KPI as a column, no failures."""
    table = serial.table
    assert len(table) == 3 * 4
    assert set(zip(table["policy"], table["replication"], strict=True)) == {
        (p, r) for p in ["baseline", *POLICIES] for r in range(4)
    }
    assert set(KPIS) <= set(table.columns)
    assert table[["requests_arrived", "satisfaction_mean", "revenue", "profit"]].notna().all().all()
    assert (table["status"] == "ok").all()
    assert serial.failures.empty
    assert serial.replications == 4
    assert serial.seed == SEED
    assert {"seed", "model", "numpy", "simpy"} <= set(serial.provenance)


def test_baseline_first_and_named_baseline(serial):
    """The scenario's own levers take part first, as the policy named `baseline`."""
    assert [p.name for p in serial.policies] == ["baseline", *POLICIES]
    assert serial.policies[0].levers == {}


def test_table_and_summary_keep_the_policy_order_baseline_first():
    """Rows follow the order of `policies` (baseline first) even when a name sorts before 'baseline'."""
    cmp = sb.compare(TINY, policies=["team_meetings", "all_measures"], replications=2, executor="serial",
                     progress=False)
    order = ["baseline", "team_meetings", "all_measures"]
    assert list(cmp.table["policy"].unique()) == order
    assert list(cmp.summary()["policy"].unique()) == order
    assert list(cmp.paired()["policy"].unique()) == order[1:]


def test_policies_as_preset_names_files_and_objects(tmp_path):
    """Preset names, policy files and Policy objects are accepted together, in that order, and their
    levers take effect."""
    own_file = tmp_path / "cap.toml"
    own_file.write_text('[policy]\nname = "capped"\n[allocation]\nportfolio_cap = 120\n', encoding="utf-8")
    obj = sb.Policy(name="weekly_meetings", levers={"communication": {"enabled": True, "meeting_interval_days": 5}})
    cmp = sb.compare(TINY, policies=["crm_routing", PRESETS / "wellbeing_support.toml", str(own_file), obj],
                     replications=2, seed=SEED, executor="serial", progress=False)
    names = ["baseline", "crm_routing", "wellbeing_support", "capped", "weekly_meetings"]
    assert [p.name for p in cmp.policies] == names
    assert sorted(cmp.table["policy"].unique()) == sorted(names)
    assert len(cmp.table) == len(names) * 2
    meetings = cmp.table.set_index(["policy", "replication"])["meeting_hours"]
    assert meetings[("weekly_meetings", 1)] > 0
    assert meetings[("baseline", 1)] == 0


def test_a_compared_run_is_the_run_of_its_scenario_and_seed():
    """Row (policy, r) of the table is `sb.run(scenario.with_policy(policy), SeedSequence(seed, spawn_key=(r,)))`."""
    policy = sb.load_policy(PRESETS / "team_meetings.toml")
    cmp = sb.compare(TINY, policies=[policy], replications=2, seed=SEED, executor="serial", progress=False)
    table = cmp.table.set_index(["policy", "replication"])
    for name, sc in (("baseline", TINY), ("team_meetings", TINY.with_policy(policy))):
        direct = sb.run(sc, np.random.SeedSequence(SEED, spawn_key=(1,))).kpis
        row = table.loc[(name, 1), sb.kpi_names(TINY)].astype(float).to_numpy()
        assert row == pytest.approx(direct.to_numpy(dtype=float), nan_ok=True), name


def test_duplicate_policies_and_bad_replications_are_refused():
    """Two policies with one name, or replications that are not a positive whole number: ValueError."""
    with pytest.raises(ValueError, match="crm_routing"):
        sb.compare(TINY, policies=["crm_routing", "crm_routing"], replications=1, executor="serial",
                   progress=False)
    with pytest.raises(ValueError, match="replications"):
        sb.compare(TINY, policies=POLICIES, replications=0, executor="serial", progress=False)


def test_common_random_numbers_across_policies():
    """Replication r has the same seed under every policy: with the feedbacks from service to demand
    switched off (churn, inflow, complaints that follow satisfaction, and complaints after
    mis-selling, which are requests of their own), every policy sees the same requests."""
    sc = TINY.with_overrides({
        "clients.churn.enabled": False, "clients.inflow.enabled": False,
        "requests.complaints_follow_satisfaction": False, "sales.mis_selling": 0.0,
    })
    presets = sorted(p.stem for p in PRESETS.glob("*.toml"))
    assert len(presets) >= 12
    cmp = sb.compare(sc, policies=presets, replications=3, seed=SEED, executor="serial", progress=False)
    arrived = cmp.table.pivot(index="replication", columns="policy", values="requests_arrived")
    assert arrived.shape == (3, len(presets) + 1)
    for r, row in arrived.iterrows():
        assert row.nunique() == 1, f"replication {r}: {row.to_dict()}"
    assert arrived.iloc[:, 0].nunique() == 3  # ... and replications differ from each other
    assert (cmp.table["seed"] == SEED).all()
    # the policies do change what happens to those requests
    waits = cmp.table.pivot(index="replication", columns="policy", values="wait_mean_h")
    assert (waits["crm_routing"] != waits["baseline"]).all()


# --------------------------------------------------------------------------- executors


@pytest.mark.parametrize("kind", ["process_pool", "threads"])
def test_every_executor_gives_the_same_table(serial, kind):
    """The default local process pool and a thread pool give the serial run's table exactly."""
    if kind == "process_pool":
        cmp = sb.compare(TINY, policies=POLICIES, replications=4, seed=SEED, executor=None, progress=False)
    else:
        with cf.ThreadPoolExecutor(max_workers=2) as pool:
            cmp = sb.compare(TINY, policies=POLICIES, replications=4, seed=SEED, executor=pool, progress=False)
    pd.testing.assert_frame_equal(kpi_frame(cmp.table), kpi_frame(serial.table))
    assert cmp.failures.empty


def test_dask_cluster_gives_the_same_table(serial):
    """A Dask `distributed.Client` on a local cluster of 2 worker processes: the same table."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        cmp = sb.compare(TINY, policies=POLICIES, replications=4, seed=SEED, executor=client, progress=False)
    pd.testing.assert_frame_equal(kpi_frame(cmp.table), kpi_frame(serial.table))
    assert cmp.failures.empty


def test_user_rule_reaches_spawned_worker_processes():
    """A rule registered only in this process reaches worker processes that do not share its memory
    (spawned, not forked: they import this module afresh, where the rule is not registered), and
    gives the same results there."""
    policy = sb.Policy(name="first_am", levers={"allocation": {"rule": "test_first_am"}})
    context = multiprocessing.get_context("spawn")
    with cf.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        sb.register_allocation_rule("test_first_am")(FirstAMRule)
        remote = sb.compare(TINY, policies=[policy], replications=2, seed=SEED, executor=pool, progress=False)
    local = sb.compare(TINY, policies=[policy], replications=2, seed=SEED, executor="serial", progress=False)
    assert remote.failures.empty, remote.failures["error"].tolist()
    pd.testing.assert_frame_equal(kpi_frame(remote.table), kpi_frame(local.table))
    table = local.table.set_index("policy")
    assert not np.array_equal(table.loc["first_am", "wait_mean_h"], table.loc["baseline", "wait_mean_h"])


def test_an_unused_unpicklable_rule_does_not_break_the_process_pool():
    """A rule the experiment does not use (here one no process pool could pickle) cannot stop it."""

    @sb.register_allocation_rule("test_local_rule")
    class LocalRule(sb.AllocationRule):
        pass

    cmp = sb.compare(TINY, policies=POLICIES, replications=2, seed=SEED, executor=None, progress=False)
    assert len(cmp.table) == 6


# --------------------------------------------------------------------------- statistics


def test_summary_is_the_t_interval_of_the_table(serial):
    """summary(): mean, std, t CI half-width, relative half-width and n, as computed by hand."""
    kpis = ["satisfaction_mean", "revenue", "wait_mean_h", "stress_mean"]
    summary = serial.summary(kpis).set_index(["policy", "kpi"])
    assert len(summary) == 3 * len(kpis)
    for (policy, kpi), row in summary.iterrows():
        x = serial.table.loc[serial.table["policy"] == policy, kpi].to_numpy(dtype=float)
        n = len(x)
        half = stats.t.ppf(0.975, n - 1) * x.std(ddof=1) / np.sqrt(n)
        assert row["n"] == n == 4
        assert row["mean"] == pytest.approx(x.mean(), rel=1e-12)
        assert row["std"] == pytest.approx(x.std(ddof=1), rel=1e-12)
        assert row["ci_half_width"] == pytest.approx(half, rel=1e-12)
        assert row["rel_ci"] == pytest.approx(half / abs(x.mean()), rel=1e-12)
    wider = serial.summary(kpis, level=0.99).set_index(["policy", "kpi"])
    assert (wider["ci_half_width"] > summary["ci_half_width"]).all()
    assert set(serial.summary()["kpi"]) <= set(KPIS)


def test_paired_differences_by_hand_with_bh_adjustment(serial):
    """paired(): mean paired difference, its raw t CI, the paired t-test p, BH-adjusted p values, and the
    CI adjusted with them (Benjamini-Yekutieli: level 1 - max(R, 1) q / m). Tolerances: rel 1e-9 on
    numbers computed by the same formulas in another order (float rounding only)."""
    kpis = ["satisfaction_mean", "sales_count", "revenue", "wait_mean_h", "stress_mean"]
    paired = serial.paired(kpis=kpis)
    assert list(paired.columns[:2]) == ["policy", "kpi"]
    assert set(paired["policy"]) == set(POLICIES)
    assert len(paired) == len(POLICIES) * len(kpis)
    base = serial.table[serial.table["policy"] == "baseline"].set_index("replication")
    p_values, diffs = [], []
    for _, row in paired.iterrows():
        pol = serial.table[serial.table["policy"] == row["policy"]].set_index("replication")
        d = (pol[row["kpi"]] - base[row["kpi"]]).to_numpy(dtype=float)
        diffs.append(d)
        half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
        p = stats.ttest_1samp(d, 0.0).pvalue
        p_values.append(p)
        assert row["n"] == 4
        assert row["baseline_mean"] == pytest.approx(base[row["kpi"]].mean(), rel=1e-12)
        assert row["difference"] == pytest.approx(d.mean(), rel=1e-9, abs=1e-12)
        assert row["ci_low_raw"] == pytest.approx(d.mean() - half, rel=1e-9, abs=1e-12)
        assert row["ci_high_raw"] == pytest.approx(d.mean() + half, rel=1e-9, abs=1e-12)
        assert row["p_value"] == pytest.approx(p, rel=1e-9)
    adjusted = stats.false_discovery_control(np.array(p_values), method="bh")
    assert paired["p_adjusted"].to_numpy() == pytest.approx(adjusted, rel=1e-12)
    assert (paired["significant"] == (adjusted < 0.05)).all()
    assert (paired["p_adjusted"] >= paired["p_value"] - 1e-15).all()
    rejected = int((adjusted < 0.05).sum())
    alpha = max(rejected, 1) * 0.05 / len(paired)
    assert paired["ci_level"].to_numpy() == pytest.approx(np.full(len(paired), 1 - alpha), rel=1e-12)
    for (_, row), d in zip(paired.iterrows(), diffs, strict=True):
        half = stats.t.ppf(1 - alpha / 2, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
        assert row["ci_low"] == pytest.approx(d.mean() - half, rel=1e-9, abs=1e-12)
        assert row["ci_high"] == pytest.approx(d.mean() + half, rel=1e-9, abs=1e-12)
    excludes = (paired["ci_low"] > 0) | (paired["ci_high"] < 0)
    assert (excludes == paired["significant"]).all()
    # Holm and no adjustment are there too; without adjustment the intervals are the raw ones
    holm = serial.paired(kpis=kpis, adjust="holm")["p_adjusted"]
    assert (holm >= paired["p_value"] - 1e-15).all()
    none = serial.paired(kpis=kpis, adjust="none")
    assert none["p_adjusted"].to_numpy() == pytest.approx(p_values)
    assert (none["ci_low"] == none["ci_low_raw"]).all() and (none["ci_level"] == 0.95).all()


def test_common_random_numbers_tighten_the_paired_interval(serial):
    """The paired CI of a difference is narrower than the two separate CIs would suggest (both unadjusted,
    at the same level)."""
    paired = serial.paired(kpis=["satisfaction_mean"]).set_index("policy")
    summary = serial.summary(["satisfaction_mean"]).set_index("policy")["ci_half_width"]
    half = (paired["ci_high_raw"] - paired["ci_low_raw"]) / 2
    unpaired = np.hypot(summary.loc[POLICIES].to_numpy(), summary["baseline"])
    assert (half.loc[POLICIES].to_numpy() < unpaired).all()


def test_best_policy_and_its_paired_test(serial):
    """best(): the highest (or lowest) mean, the runner-up, the margin, and multiple comparisons with the
    best: the leader's one-sided paired t-tests against the two others, Bonferroni-adjusted (x 2).
    Tolerance rel 1e-9: the same t-tests by scipy's ttest_rel (float rounding only)."""
    for kpi, maximize in (("sales_count", True), ("wait_mean_h", False)):
        result = serial.best(kpi, maximize=maximize)
        means = serial.table.groupby("policy")[kpi].mean().sort_values(ascending=not maximize)
        assert result["policy"] == means.index[0]
        assert result["runner_up"] == means.index[1]
        assert result["mean"] == pytest.approx(means.iloc[0])
        assert result["margin"] == pytest.approx(abs(means.iloc[0] - means.iloc[1]))
        pick = serial.table.set_index("replication")
        a = pick.loc[pick["policy"] == means.index[0], kpi].sort_index()
        one_sided = {}
        for other in means.index[1:]:
            b = pick.loc[pick["policy"] == other, kpi].sort_index()
            one_sided[other] = stats.ttest_rel(a, b, alternative="greater" if maximize else "less").pvalue
        p = min(1.0, 2 * max(one_sided.values()))
        assert result["p_value"] == pytest.approx(p, rel=1e-9)
        assert result["significant"] == (p < 0.05)
        assert result["contenders"] == [means.index[0], *(o for o in means.index[1:] if not 2 * one_sided[o] < 0.05)]


# --------------------------------------------------------------------------- automatic replications


def test_auto_replications_stop_when_the_target_is_met(executed):
    """A loose relative-CI target is met by the first 5 replications: the procedure stops there."""
    cmp = sb.compare(TINY, policies=["crm_routing"], replications="auto", target_rel_ci=0.5, seed=SEED,
                     executor="serial", progress=False)
    assert cmp.replications == 5
    assert (cmp.summary(["satisfaction_mean", "sales_count"])["rel_ci"] <= 0.5).all()
    assert sum(len(c) for c in executed) == 2 * 5


def test_auto_replications_respect_the_cap():
    """A target that cannot be met stops at `max_replications`, with the target still missed."""
    cmp = sb.compare(TINY, policies=["crm_routing"], replications="auto", target_rel_ci=1e-5,
                     max_replications=7, seed=SEED, executor="serial", progress=False)
    assert cmp.replications == 7
    assert len(cmp.table) == 2 * 7
    assert (cmp.summary(["sales_count"])["rel_ci"] > 1e-5).all()


def test_auto_replications_run_each_replication_once(executed):
    """Each step of the procedure runs only the replications it adds."""
    sb.compare(TINY, policies=["crm_routing"], replications="auto", target_rel_ci=1e-5, max_replications=7,
               seed=SEED, executor="serial", progress=False)
    assert sum(len(c) for c in executed) == 2 * 7


def test_auto_replications_respect_a_cap_below_the_first_step():
    """A cap below the first step (5 replications) is respected too."""
    cmp = sb.compare(TINY, policies=["crm_routing"], replications="auto", target_rel_ci=1e-5,
                     max_replications=3, seed=SEED, executor="serial", progress=False)
    assert cmp.replications == 3


# --------------------------------------------------------------------------- failed runs


def test_a_failing_run_is_recorded_and_the_rest_complete(crm_run_fails):
    """A run that raises is in `failures` (policy, replication, seed, error text); the others finish
    and the statistics use them."""
    crm_run_fails(1, "simulated crash in replication 1")
    cmp = sb.compare(TINY, policies=POLICIES, replications=3, seed=SEED, executor="serial", progress=False)
    assert len(cmp.failures) == 1
    failure = cmp.failures.iloc[0]
    assert (failure["policy"], failure["replication"], failure["seed"]) == ("crm_routing", 1, SEED)
    assert "RuntimeError: simulated crash in replication 1" in failure["error"]
    assert len(cmp.table) == 3 * 3 - 1
    assert set(cmp.table["status"]) == {"ok"}
    paired = cmp.paired(kpis=["satisfaction_mean"]).set_index("policy")["n"]
    assert paired.to_dict() == {"crm_routing": 2, "sales_commission": 3}


def test_a_raising_user_rule_fails_its_runs_in_the_process_pool():
    """A user rule that raises (in worker processes) fails only the runs of the policy that meets its
    condition; runs of another policy with the same user rule complete."""
    explodes = sb.Policy(name="explodes", levers={"allocation": {"rule": "test_exploding", "portfolio_cap": 123}})
    calm = sb.Policy(name="calm", levers={"allocation": {"rule": "test_exploding", "portfolio_cap": 500}})
    cmp = sb.compare(TINY, policies=[explodes, calm], replications=3, seed=SEED, executor=None, progress=False)
    assert sorted(cmp.failures["policy"]) == ["explodes"] * 3
    assert sorted(cmp.failures["replication"]) == [0, 1, 2]
    assert (cmp.failures["seed"] == SEED).all()
    assert cmp.failures["error"].str.contains("ValueError: exploding rule: portfolio cap 123").all()
    assert sorted(cmp.table["policy"].unique()) == ["baseline", "calm"]
    assert len(cmp.table) == 6


# --------------------------------------------------------------------------- warm-up


def test_warmup_check_gives_mser5_per_policy(serial):
    """warmup_check(): one row per policy with the MSER-5 truncation and the configured warm-up."""
    check = serial.warmup_check()
    assert list(check["policy"]) == ["baseline", *POLICIES]
    assert {"mser5_days", "warmup_days", "warmup_long_enough"} <= set(check.columns)
    days = TINY.branch.horizon_days + TINY.branch.warmup_days
    assert check["mser5_days"].between(0, days // 2).all()
    assert (check["mser5_days"] % 5 == 0).all()
    assert (check["warmup_days"] == 5).all()
    assert (check["warmup_long_enough"] == (check["mser5_days"] <= 5)).all()


@pytest.mark.parametrize("seed", range(5))
def test_mser5_finds_a_clear_initial_transient(seed):
    """50 points at 10 then 500 points of N(0, 1): MSER-5 truncates at 50, within one batch (5)."""
    rng = np.random.default_rng(seed)
    series = np.concatenate([np.full(50, 10.0), rng.normal(0.0, 1.0, 500)])
    assert abs(mser5(series) - 50) <= 5


def test_mser5_edge_cases():
    """No transient in a constant-then-noise-free series, and too short a series gives 0."""
    assert mser5([1.0] * 100) == 0
    assert mser5([5.0, 1.0, 2.0]) == 0
    assert mser5(np.r_[np.full(20, 10.0), np.zeros(200), [np.nan] * 5]) == 20



@pytest.mark.parametrize("seed", [None, -1, 1.5, "abc", True, 2**63])
def test_a_seed_that_is_not_a_whole_number_in_range_is_refused_before_any_run(seed) -> None:
    """None would draw fresh entropy per run (no common random numbers, two calls differ); the rest
    would fail in every run or overflow the store. Each is a clear ValueError, up front."""
    from simbranch.experiment.calibrate import calibrate

    sc = sb.Scenario().with_overrides({"clients.count": 50, "managers.count": 2, "branch.horizon_days": 2,
                                       "branch.warmup_days": 0})
    for call in (lambda: sb.compare(sc, replications=1, seed=seed, executor="serial", progress=False),
                 lambda: sb.sweep(sc, {"sales.base_conversion": (0.2, 0.3)}, n=2, seed=seed, executor="serial",
                                  progress=False),
                 lambda: sb.robustness(sc, n=2, parameters={"sales.base_conversion": (0.2, 0.3)}, seed=seed,
                                       executor="serial", progress=False),
                 lambda: calibrate(sc, {"sales_count": (5.0, 1.0)}, {"sales.base_conversion": (0.2, 0.3)},
                                   seed=seed, executor="serial", progress=False)):
        with pytest.raises(ValueError, match="seed must be a whole number"):
            call()


def test_a_numpy_integer_seed_is_a_seed() -> None:
    sc = sb.Scenario().with_overrides({"clients.count": 50, "managers.count": 2, "branch.horizon_days": 2,
                                       "branch.warmup_days": 0})
    a = sb.compare(sc, replications=1, seed=np.int64(7), executor="serial", progress=False)
    b = sb.compare(sc, replications=1, seed=7, executor="serial", progress=False)
    pd.testing.assert_frame_equal(a.table.drop(columns=["wall_time_s"], errors="ignore"),
                                  b.table.drop(columns=["wall_time_s"], errors="ignore"))
