"""Reproducibility and common random numbers (docs/model.md, "Stochasticity" and "Common random numbers").

Same scenario + seed gives the same numbers, in this process or a fresh one; different seeds
give different numbers; and two runs that differ only in a lever that does not touch arrivals
see the same arrivals and client needs (common random numbers), so that paired differences
between policies measure the policy and not the luck of the draw.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import simbranch as sb

#: The default branch, shortened so that a run takes a fraction of a second.
SHORT = {
    "branch.horizon_days": 40,
    "branch.warmup_days": 10,
    "clients.count": 400,
    "managers.count": 4,
}

#: Levers that make the client population and the request-type mix independent of service, so
#: that any lever that does not touch arrivals leaves arrivals untouched:
#: no satisfaction-driven churn, no (referral-driven) inflow, no satisfaction-driven complaints,
#: and no client following a leaving AM out of the branch or leaving at a handover (who quits
#: depends on stress, hence on the allocation rule, so with `follow_share > 0` the rules lose
#: different clients, whose later requests then exist under one rule only; every other client
#: keeps its requests, see `test_clients_keep_their_needs_whatever_the_policy`).
FIXED_POPULATION = {
    "clients.churn.enabled": False,
    "clients.inflow.enabled": False,
    "requests.complaints_follow_satisfaction": False,
    "clients.relationships.follow_share": 0.0,
    "clients.relationships.handover_churn": 0.0,
}

ALLOCATION_RULES = ("round_robin", "least_loaded", "crm", "by_tier")
POLICY_DIR = Path(__file__).resolve().parents[1] / "simbranch" / "scenarios" / "policies"


@pytest.fixture(scope="module")
def short() -> sb.Scenario:
    return sb.Scenario().with_overrides(SHORT)


def assert_same_result(a: sb.RunResult, b: sb.RunResult) -> None:
    """Every KPI exactly equal (NaN equal to NaN) and every frame identical."""
    pd.testing.assert_series_equal(a.kpis, b.kpis, check_exact=True)
    pd.testing.assert_frame_equal(a.daily, b.daily, check_exact=True)
    pd.testing.assert_frame_equal(a.managers, b.managers, check_exact=True)
    pd.testing.assert_frame_equal(a.clients, b.clients, check_exact=True)


def test_same_scenario_and_seed_give_identical_results(short):
    """Two runs of the shortened default scenario with seed 42: identical KPIs and frames.

    A third run with another seed in between must not disturb the repeat (no state carried
    from one run to the next inside the process).
    """
    first = sb.run(short, seed=42)
    sb.run(short, seed=43)
    second = sb.run(short, seed=42)
    assert first.kpis.to_dict().keys() == second.kpis.to_dict().keys()
    for name in first.kpis.index:
        x, y = first.kpis[name], second.kpis[name]
        assert x == y or (math.isnan(x) and math.isnan(y)), name
    assert_same_result(first, second)
    assert len(first.daily) > 0 and first.kpis["requests_served"] > 0


def test_different_seeds_give_different_results(short):
    """Seeds 1 and 2 differ in arrivals, waits and the daily path."""
    a, b = sb.run(short, seed=1), sb.run(short, seed=2)
    assert not a.kpis.equals(b.kpis)
    assert a.kpis["wait_mean_h"] != b.kpis["wait_mean_h"]
    assert not np.array_equal(a.daily["arrived"].to_numpy(), b.daily["arrived"].to_numpy())
    assert not np.array_equal(a.clients["requests"].to_numpy(), b.clients["requests"].to_numpy())


def test_seed_sequence_is_accepted_and_equals_its_integer(short):
    """`seed` may be an int or a numpy SeedSequence; SeedSequence(5) is the same as 5.

    Spawned children (what an experiment hands to its replications) are valid seeds too, and
    give results different from the parent's and from each other.
    """
    by_int = sb.run(short, seed=5)
    by_seq = sb.run(short, seed=np.random.SeedSequence(5))
    assert_same_result(by_int, by_seq)
    c0, c1 = np.random.SeedSequence(5).spawn(2)
    k0, k1 = sb.run(short, seed=c0).kpis, sb.run(short, seed=c1).kpis
    assert not k0.equals(by_int.kpis)
    assert not k0.equals(k1)
    pd.testing.assert_series_equal(k0, sb.run(short, seed=np.random.SeedSequence(5).spawn(2)[0]).kpis,
                                   check_exact=True)


def test_allocation_rules_see_the_same_arrivals():
    """Common random numbers: allocation rules change who serves, never who asks.

    The default scenario (full length, every other mechanism on) with the population fixed
    (FIXED_POPULATION), seed 7, under `round_robin`, `least_loaded`, `crm` and `by_tier`:
    the same requests per day, the same requests per client, the same number of requests and
    complaints in the measured window; but a different mean wait, so the rules did act.
    """
    base = sb.Scenario().with_overrides(FIXED_POPULATION)
    runs = {rule: sb.run(base.with_overrides({"allocation.rule": rule}), seed=7) for rule in ALLOCATION_RULES}
    ref = runs[ALLOCATION_RULES[0]]
    for rule, res in runs.items():
        np.testing.assert_array_equal(res.daily["arrived"].to_numpy(), ref.daily["arrived"].to_numpy(),
                                      err_msg=f"{rule}: daily arrivals differ")
        np.testing.assert_array_equal(res.clients["requests"].to_numpy(), ref.clients["requests"].to_numpy(),
                                      err_msg=f"{rule}: requests per client differ")
        assert res.kpis["requests_arrived"] == ref.kpis["requests_arrived"], rule
        assert res.kpis["complaints"] == ref.kpis["complaints"], rule
    waits = [runs[rule].kpis["wait_mean_h"] for rule in ALLOCATION_RULES]
    assert len(set(waits)) == len(waits), f"mean waits should differ between rules: {waits}"


_CHILD = """
import json, sys
import simbranch as sb
sc = sb.Scenario().with_overrides(json.loads(sys.argv[1]))
k = sb.run(sc, seed=int(sys.argv[2])).kpis
print(json.dumps({name: float(v) for name, v in k.items()}))
"""


def test_fresh_process_gives_the_same_kpis(short):
    """A run in a fresh interpreter (`python -c`) gives exactly the in-process KPIs.

    Guards against hidden global state: import-time randomness, caches, a global RNG, or
    anything that depends on what this process ran before. JSON keeps floats exactly
    (shortest repr round-trips) and writes NaN as NaN.
    """
    sb.run(short, seed=3)  # this process has run something else first
    here = sb.run(short, seed=11).kpis
    out = subprocess.run([sys.executable, "-c", _CHILD, json.dumps(SHORT), "11"],
                         capture_output=True, text=True, check=True, timeout=120)
    there = pd.Series(json.loads(out.stdout.strip().splitlines()[-1]), name="value", dtype=float)
    pd.testing.assert_series_equal(here, there.reindex(here.index), check_exact=True)


def test_clients_keep_their_needs_whatever_the_policy():
    """Common random numbers survive churn: every client draws its arrival times and needs from
    its own stream, so a client who stays in the branch under two policies makes the same number
    of requests under both, even with every behaviour on (churn, turnover, inflow) and policies
    that change who leaves. (Policies that cause requests of their own, such as mis-selling
    complaints under commission, add to these; the ones compared here do not.)"""
    sc = sb.Scenario().with_overrides({"branch.horizon_days": 120, "branch.warmup_days": 10,
                                       "requests.complaints_follow_satisfaction": False})
    runs = [sb.run(sc.with_policy(sb.load_policy(POLICY_DIR / f"{name}.toml")), seed=3).clients
            for name in ("crm_routing", "training_quarterly", "wellbeing_support")] + [sb.run(sc, seed=3).clients]
    n = min(len(c) for c in runs)
    stayed = np.logical_and.reduce([c["active"].to_numpy()[:n] for c in runs])
    joined_together = np.logical_and.reduce([c["joined_day"].to_numpy()[:n] == runs[0]["joined_day"].to_numpy()[:n]
                                             for c in runs])
    keep = stayed & joined_together & (runs[0]["joined_day"].to_numpy()[:n] == 0)
    assert keep.sum() > 0.8 * sc.clients.count
    for other in runs[1:]:
        np.testing.assert_array_equal(runs[0]["requests"].to_numpy()[:n][keep], other["requests"].to_numpy()[:n][keep])
    # and the policies did change who left
    assert not all(np.array_equal(runs[0]["active"].to_numpy()[:n], c["active"].to_numpy()[:n]) for c in runs[1:])


def test_every_module_is_declared_model_or_not():
    """The store's fingerprint hashes the model's code only; a new module must say which side it is on,
    or results of a changed model could mix with old ones (or a new plot could orphan every stored run)."""
    from pathlib import Path

    from simbranch.experiment.design import MODEL_SOURCES

    package = Path(sb.__file__).parent
    not_model = {"__init__.py", "analysis", "discover.py", "interop.py", "assumptions.py", "experiment", "cli.py",
                 "plots", "report", "report.py", "demo.py", "trace.py", "validation.py", "invariants.py", "meanings.py",
                 "__main__.py", "py.typed", "terminal.py", "extras.py", "scenarios"}
    entries = {p.name for p in package.iterdir() if p.suffix == ".py" or (p.is_dir() and p.name != "__pycache__")}
    assert set(MODEL_SOURCES) <= entries
    assert entries - {"py.typed"} <= set(MODEL_SOURCES) | not_model, entries - set(MODEL_SOURCES) - not_model
