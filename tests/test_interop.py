"""simbranch.interop: an EMA Workbench model built from the scenario schema, the declared assumption
ranges and the KPIs' meanings, whose experiments give, seed for seed, what `sb.run` gives."""

from __future__ import annotations

import math
import pickle
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import simbranch as sb
from simbranch import meanings
from simbranch.extras import MissingExtra
from simbranch.interop import ema_model, ema_name, experiment_overrides
from simbranch.registry import ALLOCATION_RULES

ema = pytest.importorskip("ema_workbench")

SEED = 3
UNCERTAIN = ["managers.stress.build_rate", "managers.workday.contact_h"]
LEVERS = ["allocation.rule", "training.enabled"]
OUTCOMES = ["profit", "wait_mean_h", "requests_served", "satisfaction_mean", "stress_mean"]


@pytest.fixture
def scenario(tiny):
    """A tiny scenario with 20 measured days, so that the levers and coefficients move the KPIs."""
    return sb.Scenario().with_overrides({**tiny, "branch.horizon_days": 20, "clients.count": 200})


def _allowed_range(path: str) -> tuple[float, float]:
    """The bounds `sb.levers()` shows for a number, read from its text (">= 1 and <= 10000")."""
    allowed = sb.levers(path.split(".")[0]).set_index("path").loc[path, "allowed"]
    low, high = (float(x) for x in re.fullmatch(r">= (\S+) and <= (\S+)", allowed).groups())
    return low, high


def _by_path(parameters) -> dict:
    return {p.variable_name[0]: p for p in parameters}


def _sb_run(scenario, overrides: dict, replication: int = 0) -> pd.Series:
    return sb.run(scenario.with_overrides(overrides), np.random.SeedSequence(SEED, spawn_key=(replication,))).kpis


# --------------------------------------------------------------------------- built from the schema


def test_the_default_uncertainties_are_the_declared_assumption_ranges():
    model = ema_model()
    uncertainties = _by_path(model.uncertainties)
    declared = sb.assumed_ranges()
    assert set(uncertainties) == set(declared)
    for path, (low, high) in declared.items():
        parameter = uncertainties[path]
        assert isinstance(parameter, ema.RealParameter), path
        assert (parameter.lower_bound, parameter.upper_bound) == (low, high), path
        assert parameter.name == ema_name(path) and parameter.name.isidentifier(), path
    assert not list(model.levers)


def test_levers_take_the_choices_and_bounds_of_the_schema():
    paths = ["allocation.rule", "training.enabled", "training.attendees", "training.interval_days",
             "assessment.skill_weight"]
    levers = _by_path(ema_model(levers=paths, uncertainties=[], outcomes=["profit"]).levers)
    rule, enabled, attendees = levers["allocation.rule"], levers["training.enabled"], levers["training.attendees"]
    assert isinstance(rule, ema.CategoricalParameter)
    assert [c.value for c in rule.categories] == list(ALLOCATION_RULES)
    assert isinstance(enabled, ema.BooleanParameter)
    assert {c.value for c in attendees.categories} == {"all", "new_hires", "lowest_assessed"}
    interval, weight = levers["training.interval_days"], levers["assessment.skill_weight"]
    assert isinstance(interval, ema.IntegerParameter) and isinstance(weight, ema.RealParameter)
    assert (interval.lower_bound, interval.upper_bound) == _allowed_range("training.interval_days")
    assert (weight.lower_bound, weight.upper_bound) == _allowed_range("assessment.skill_weight")


def test_an_open_bound_becomes_the_nearest_value_inside():
    lever = _by_path(ema_model(levers=["communication.meeting_length_h"], uncertainties=[],
                               outcomes=["profit"]).levers)["communication.meeting_length_h"]
    assert lever.lower_bound == math.nextafter(0.0, 1.0) and lever.upper_bound == 24.0  # the schema: > 0, <= 24


def test_explicit_ranges_and_categories_are_used_as_given():
    model = ema_model(uncertainties={"managers.stress.build_rate": (0.1, 0.2), "clients.count": (100, 300)},
                      levers={"training.interval_days": (20, 80), "allocation.rule": ["crm", "pooled"],
                              "training.enabled": None}, outcomes=["profit"])
    uncertainties, levers = _by_path(model.uncertainties), _by_path(model.levers)
    assert isinstance(uncertainties["clients.count"], ema.IntegerParameter)
    assert (uncertainties["managers.stress.build_rate"].lower_bound,
            uncertainties["managers.stress.build_rate"].upper_bound) == (0.1, 0.2)
    assert (levers["training.interval_days"].lower_bound, levers["training.interval_days"].upper_bound) == (20, 80)
    assert [c.value for c in levers["allocation.rule"].categories] == ["crm", "pooled"]
    assert isinstance(levers["training.enabled"], ema.BooleanParameter)


def test_outcomes_are_the_kpis_with_the_kind_their_meaning_says():
    model = ema_model(uncertainties=[])
    kinds = {"higher": ema.ScalarOutcome.MAXIMIZE, "lower": ema.ScalarOutcome.MINIMIZE,
             "neither": ema.ScalarOutcome.INFO}
    outcomes = {o.name: o.kind for o in model.outcomes}
    assert list(outcomes) == sb.kpi_names(sb.Scenario())
    assert all(kind == kinds[meanings.better(name)] for name, kind in outcomes.items())
    assert outcomes["profit"] == ema.ScalarOutcome.MAXIMIZE and outcomes["wait_mean_h"] == ema.ScalarOutcome.MINIMIZE
    assert model.constants["seed"].value == 0


# --------------------------------------------------------------------------- seed for seed equal to sb.run


def test_experiments_equal_sb_run_on_the_same_scenarios_and_seeds(scenario):
    model = ema_model(scenario, uncertainties=UNCERTAIN, levers=LEVERS, outcomes=OUTCOMES, seed=SEED)
    futures = [ema.Scenario(f"s{i}", managers__stress__build_rate=rate, managers__workday__contact_h=hours)
               for i, (rate, hours) in enumerate([(0.1, 0.6), (0.35, 1.4)])]
    policies = [ema.Policy("crm", allocation__rule="crm", training__enabled=True),
                ema.Policy("plain", allocation__rule="round_robin", training__enabled=False)]
    with ema.SequentialEvaluator(model) as evaluator:
        experiments, outcomes = ema.perform_experiments(model, futures, policies, evaluator=evaluator)
    overrides = experiment_overrides(experiments, model)
    assert len(overrides) == 4 and all(set(o) == {*UNCERTAIN, *LEVERS} for o in overrides)
    rows = []
    for i, values in enumerate(overrides):
        expected = _sb_run(scenario, values)
        rows.append([outcomes[k][i] for k in OUTCOMES])
        np.testing.assert_array_equal(rows[-1], expected[OUTCOMES].to_numpy())
    assert len({tuple(row) for row in rows}) == 4  # the experiments differ: the check compares something

    # the same points through sb.sweep(design=) give the same numbers: replication 0 of seed SEED there too
    swept = sb.sweep(scenario, None, design=pd.DataFrame(overrides), seed=SEED, progress=False)
    np.testing.assert_array_equal(swept.table.sort_values("point")["profit"].to_numpy(), outcomes["profit"])


def test_replications_are_aggregated_over_the_replication_seeds(scenario):
    model = ema_model(scenario, uncertainties=UNCERTAIN[:1], outcomes=["profit", "stress_mean"], replications=3,
                      seed=SEED)
    assert isinstance(model, ema.ReplicatorModel)
    with ema.SequentialEvaluator(model) as evaluator:
        experiments, outcomes = ema.perform_experiments(model, scenarios=2, evaluator=evaluator)
    for i, values in enumerate(experiment_overrides(experiments, model)):
        runs = [_sb_run(scenario, values, r) for r in range(3)]
        assert outcomes["profit"][i] == np.mean([k["profit"] for k in runs])
        assert outcomes["stress_mean"][i] == np.mean([k["stress_mean"] for k in runs])


def test_the_model_pickles_and_runs_in_worker_processes(scenario):
    model = ema_model(scenario, uncertainties=UNCERTAIN, levers=LEVERS[:1], outcomes=["profit"], seed=SEED)
    assert pickle.loads(pickle.dumps(model.function)).args == model.function.args
    with ema.MultiprocessingEvaluator(model, n_processes=2) as evaluator:
        experiments, outcomes = ema.perform_experiments(model, scenarios=2, policies=1, evaluator=evaluator)
    for i, values in enumerate(experiment_overrides(experiments, model)):
        assert outcomes["profit"][i] == _sb_run(scenario, values)["profit"]


# --------------------------------------------------------------------------- clear errors


def test_without_ema_workbench_the_message_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ema_workbench", None)
    with pytest.raises(MissingExtra, match=re.escape("needs ema-workbench: pip install simbranch[ema]")):
        ema_model()


def test_the_module_imports_without_ema_workbench():
    code = ("import sys; sys.modules['ema_workbench'] = None; import simbranch.interop as i; "
            "print(i.ema_name('training.enabled'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "training__enabled"


@pytest.mark.parametrize(("levers", "says"), [
    (["training.enabeld"], "lever 'training.enabeld' is no field of a scenario; did you mean 'training.enabled'"),
    (["training"], "lever 'training' is a section of the scenario, not a field"),
    (["branch.currency"], "lever 'branch.currency' is a str field with no range in the schema; give the values"),
    ("training.enabled", "as a list of dotted scenario paths"),
])
def test_a_bad_lever_gets_an_error_naming_it(levers, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        ema_model(levers=levers, uncertainties=[], outcomes=["profit"])


def test_a_range_the_schema_refuses_names_the_path():
    with pytest.raises(sb.ScenarioError, match=r"training\.interval_days = 0"):
        ema_model(levers={"training.interval_days": (0, 5)}, uncertainties=[], outcomes=["profit"])


def test_a_number_without_a_bound_asks_for_a_range():
    from annotated_types import Ge

    from simbranch.interop import _bounds

    with pytest.raises(ValueError, match=re.escape("lever 'x.y' has no upper bound in the schema: give its range")):
        _bounds("x.y", float, [Ge(0.0)], "lever")


@pytest.mark.parametrize(("kwargs", "error", "says"), [
    ({"outcomes": ["profits"]}, ValueError, "unknown: 'profits'"),
    ({"replications": 0}, ValueError, "replications must be a whole number"),
    ({"seed": None}, ValueError, "seed must be a whole number"),
    ({"replications": 2, "aggregate": "mean"}, TypeError, "aggregate must be a function"),
    ({"name": "sim-branch"}, ValueError, "letters and digits only, got 'sim-branch'"),
])
def test_bad_arguments_say_what_is_allowed(kwargs, error, says):
    with pytest.raises(error, match=re.escape(says)):
        ema_model(uncertainties=[], **kwargs)


def test_experiment_overrides_needs_a_column_per_parameter():
    model = ema_model(levers=["training.enabled"], uncertainties=["clients.count"], outcomes=["profit"])
    with pytest.raises(ValueError, match="no column 'clients__count'"):
        experiment_overrides(pd.DataFrame({"training__enabled": [True]}), model)


def test_ema_name_refuses_a_path_it_could_not_lead_back_from():
    assert ema_name("clients.tiers.mass.wait_tolerance_h") == "clients__tiers__mass__wait_tolerance_h"
    for path in ("clients.tiers.high-net-worth.complexity", "a.b__c", "a._b", ""):
        with pytest.raises(ValueError, match="has no EMA Workbench name"):
            ema_name(path)
