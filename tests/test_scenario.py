"""The scenario format: defaults, loading, overrides, policies, and every way input can be wrong."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

import simbranch as sb
from simbranch.scenario import BEHAVIOUR_SWITCHES, scenario_json_schema


def write(tmp_path: Path, text: str, name: str = "branch.toml") -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str, name: str = "branch.toml") -> str:
    """Load `text` as a scenario file; it must raise exactly ScenarioError naming the file."""
    path = write(tmp_path, text, name)
    with pytest.raises(sb.ScenarioError) as info:
        sb.load_scenario(path)
    assert type(info.value) is sb.ScenarioError
    message = str(info.value)
    assert str(path) in message
    return message


def override_error(overrides: dict[str, Any]) -> str:
    with pytest.raises(sb.ScenarioError) as info:
        sb.Scenario().with_overrides(overrides)
    assert type(info.value) is sb.ScenarioError
    message = str(info.value)
    assert "override" in message
    return message


def get(sc: sb.Scenario, path: str) -> Any:
    node: Any = sc
    for part in path.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node


# --------------------------------------------------------------------------- defaults


def test_default_scenario_is_valid_and_frozen():
    """`Scenario()` is a complete, valid branch; neither it nor its sections can be changed."""
    sc = sb.Scenario()
    assert sb.Scenario.model_validate(sc.to_dict()) == sc
    with pytest.raises(ValidationError):
        sc.branch = sc.branch
    with pytest.raises(ValidationError):
        sc.clients.count = 5
    with pytest.raises(ValidationError):
        sc.managers.stress.recovery_rate = 0.5
    assert sc.clients.count == 7_000 and sc.managers.count == 40


def _schema_fields(schema: dict[str, Any]):
    """(where, field schema) for every named field of the scenario and of every section."""
    models = {"Scenario": schema, **schema["$defs"]}
    for model_name, model in models.items():
        for field_name, field in model.get("properties", {}).items():
            yield f"{model_name}.{field_name}", field


def _numeric_parts(field: dict[str, Any]) -> list[dict[str, Any]]:
    parts = field.get("anyOf", [field])
    return [p for p in parts if p.get("type") in ("integer", "number")]


def test_schema_every_field_has_a_description_with_a_unit():
    """Every field in the JSON Schema is described, and the description ends with a `[unit]`."""
    missing = [
        where
        for where, field in _schema_fields(scenario_json_schema())
        if not re.search(r"\[[^\[\]]+\]\s*$", field.get("description", ""))
    ]
    assert not missing, f"fields without a '[unit]' description: {missing}"


def test_schema_every_numeric_field_has_bounds():
    """Every number in the JSON Schema has a lower and an upper bound, so editors can check it."""
    unbounded = []
    for where, field in _schema_fields(scenario_json_schema()):
        for part in _numeric_parts(field):
            low = "minimum" in part or "exclusiveMinimum" in part
            high = "maximum" in part or "exclusiveMaximum" in part
            if not (low and high):
                unbounded.append(where)
    assert not unbounded, f"numeric fields without both bounds: {unbounded}"


def test_schema_numeric_values_of_named_tables_have_bounds():
    """Numbers inside named tables (domain shares) are bounded in the schema too."""
    for where, field in _schema_fields(scenario_json_schema()):
        values = field.get("additionalProperties")
        if isinstance(values, dict):
            for part in _numeric_parts(values):
                assert "minimum" in part and "maximum" in part, where


# --------------------------------------------------------------------------- loading


def test_load_scenario_reads_a_toml_file(tmp_path):
    """A file states only what differs from the defaults; the rest keeps its default."""
    path = write(
        tmp_path,
        """
        [branch]
        name = "Riverside"
        horizon_days = 120

        [managers]
        count = 7

        [managers.stress]
        recovery_rate = 0.2

        [allocation]
        rule = "by_tier"
        portfolio_cap = 150
        """,
    )
    sc = sb.load_scenario(path)
    assert sc.branch.name == "Riverside"
    assert sc.branch.horizon_days == 120
    assert sc.managers.count == 7
    assert sc.managers.stress.recovery_rate == 0.2
    assert sc.allocation.rule == "by_tier"
    assert sc.allocation.portfolio_cap == 150
    assert sc.clients == sb.Scenario().clients
    assert sb.load_scenario(str(path)) == sc


def test_empty_file_gives_the_defaults(tmp_path):
    """An empty file is a valid scenario: all defaults."""
    assert sb.load_scenario(write(tmp_path, "")) == sb.Scenario()


def test_with_overrides_returns_a_new_scenario_and_leaves_the_old_one():
    """`with_overrides` takes dotted paths at any depth and never changes the original scenario."""
    sc = sb.Scenario()
    before = sc.canonical_json()
    sc2 = sc.with_overrides({
        "clients.count": 100,
        "managers.stress.enabled": False,
        "clients.tiers.vip.requests_per_year": 30.0,
        "requests.types.sales.service_time.mean_h": 2.0,
        "branch.name": "Foo",
    })
    assert sc2 is not sc
    assert sc.canonical_json() == before
    assert sc2.clients.count == 100
    assert sc2.managers.stress.enabled is False
    assert sc2.clients.tiers["vip"].requests_per_year == 30.0
    assert sc2.requests.types.sales.service_time.mean_h == 2.0
    assert sc2.branch.name == "Foo"
    assert sc2.managers.stress.recovery_rate == sc.managers.stress.recovery_rate


def test_without_behaviour_turns_every_switch_off():
    """`without_behaviour()` switches off every mechanism in BEHAVIOUR_SWITCHES, and only those."""
    sc = sb.Scenario()
    assert all(get(sc, path) is True for path in BEHAVIOUR_SWITCHES)
    plain = sc.without_behaviour()
    assert all(get(plain, path) is False for path in BEHAVIOUR_SWITCHES)
    assert plain.with_overrides({p: True for p in BEHAVIOUR_SWITCHES}) == sc


# --------------------------------------------------------------------------- policies


def test_load_policy_and_with_policy(tmp_path):
    """A policy file holds a `[policy]` name and lever sections; `with_policy` merges the levers."""
    path = write(
        tmp_path,
        """
        [policy]
        name = "crm_test"
        description = "CRM routing with a cap"

        [allocation]
        rule = "crm"
        portfolio_cap = 200
        """,
        name="policies/crm.toml",
    )
    policy = sb.load_policy(path)
    assert isinstance(policy, sb.Policy)
    assert policy.name == "crm_test"
    assert policy.description == "CRM routing with a cap"
    sc = sb.Scenario().with_overrides({"allocation.crm_load_weight": 2.0, "clients.count": 100})
    sc2 = sc.with_policy(policy)
    assert sc2.allocation.rule == "crm"
    assert sc2.allocation.portfolio_cap == 200
    assert sc2.allocation.crm_load_weight == 2.0  # a lever the policy does not set is kept
    assert sc2.clients.count == 100
    assert sc.allocation.rule == "round_robin"


def test_policy_without_a_name_is_named_after_its_file(tmp_path):
    """Without `[policy] name`, the policy takes the file's stem as its name."""
    path = write(tmp_path, '[allocation]\nrule = "pooled"\n', name="pool.toml")
    assert sb.load_policy(path).name == "pool"


def test_policy_with_a_non_lever_section_is_refused(tmp_path):
    """A policy may only change levers: a `[clients]` section raises ScenarioError naming it."""
    path = write(tmp_path, '[policy]\nname = "x"\n[clients]\ncount = 5\n', name="bad.toml")
    with pytest.raises(sb.ScenarioError) as info:
        sb.load_policy(path)
    assert type(info.value) is sb.ScenarioError
    assert str(path) in str(info.value)
    assert "clients" in str(info.value)
    assert "allocation" in str(info.value)  # says what is allowed


def test_policy_with_bad_lever_values_is_refused(tmp_path):
    """The levers of a policy are validated when it is loaded."""
    path = write(tmp_path, '[allocation]\nrule = "magic"\n', name="magic.toml")
    with pytest.raises(sb.ScenarioError) as info:
        sb.load_policy(path)
    assert "allocation.rule" in str(info.value)
    assert "'magic'" in str(info.value)


# --------------------------------------------------------------------------- bad files


def test_unknown_key_lists_the_allowed_keys(tmp_path):
    """A misspelt key is refused, and the message lists the keys of that section."""
    msg = load_error(tmp_path, '[branch]\nnmae = "x"\n')
    assert "branch.nmae" in msg
    assert "'x'" in msg
    assert "horizon_days" in msg and "warmup_days" in msg


def test_unknown_top_level_key(tmp_path):
    """A key outside every section is refused too."""
    msg = load_error(tmp_path, "horizon = 5\n")
    assert "horizon = 5" in msg
    assert "branch" in msg and "allocation" in msg


def test_misspelt_nested_section(tmp_path):
    """A misspelt section deep in the tree is refused with its dotted path."""
    msg = load_error(tmp_path, "[managers.stres]\nenabled = false\n")
    assert "managers.stres" in msg
    assert "stress" in msg and "turnover" in msg


@pytest.mark.parametrize(
    ("text", "path", "shown"),
    [
        ('[clients]\ncount = "many"\n', "clients.count", "'many'"),
        ('[managers.stress]\nrecovery_rate = "high"\n', "managers.stress.recovery_rate", "'high'"),
        ("[clients]\ncount = 100.5\n", "clients.count", "100.5"),
        ('[branch]\nname = 5\n', "branch.name", "5"),
        ('[managers.stress]\nenabled = "no"\n', "managers.stress.enabled", "'no'"),
    ],
    ids=["string-for-int", "string-for-float", "float-for-int", "int-for-text", "text-for-bool"],
)
def test_wrong_type(tmp_path, text, path, shown):
    """A value of the wrong type is refused, not coerced."""
    msg = load_error(tmp_path, text)
    assert f"{path} = {shown}" in msg


def test_table_where_a_number_belongs(tmp_path):
    """A table given for a scalar field is refused."""
    msg = load_error(tmp_path, "[branch.horizon_days]\ndays = 5\n")
    assert "branch.horizon_days = {table}" in msg


def test_scalar_where_a_section_belongs(tmp_path):
    """A scalar given for a section is refused with a hint that a table is expected."""
    msg = load_error(tmp_path, "clients = 5\n")
    assert "clients = 5" in msg
    assert "table" in msg


@pytest.mark.parametrize(
    ("text", "path", "shown"),
    [
        ("[clients]\ncount = -5\n", "clients.count", "-5"),
        ("[managers.stress]\nrecovery_rate = 1.5\n", "managers.stress.recovery_rate", "1.5"),
        ("[managers]\ncount = 0\n", "managers.count", "0"),
        ("[managers.stress]\nrecovery_rate = nan\n", "managers.stress.recovery_rate", "nan"),
        ("[sales]\namount_share = inf\n", "sales.amount_share", "inf"),
        ("[sales]\namount_share = -inf\n", "sales.amount_share", "-inf"),
    ],
    ids=["negative-count", "share-above-1", "zero-managers", "nan", "inf", "minus-inf"],
)
def test_out_of_range(tmp_path, text, path, shown):
    """Values outside their range, NaN and infinities are refused."""
    msg = load_error(tmp_path, text)
    assert f"{path} = {shown}" in msg


@pytest.mark.parametrize(
    ("text", "path", "what"),
    [
        ("[clients.tiers.mass]\nshare = 0.5\n", "clients.tiers", "tier shares"),
        ("[clients.domains]\nretail = 0.5\nsme = 0.4\n", "clients.domains", "domain shares"),
        ("[requests.types.service]\nshare = 0.9\n", "requests.types", "request type shares"),
        ("[managers.levels.junior]\nshare = 0.1\n", "managers.levels", "level shares"),
    ],
    ids=["tiers", "domains", "request-types", "levels"],
)
def test_shares_must_sum_to_one(tmp_path, text, path, what):
    """Shares of tiers, domains, request types and levels must each sum to 1; the sum is shown."""
    msg = load_error(tmp_path, text)
    assert path in msg
    assert f"{what} must sum to 1" in msg
    assert re.search(r"sum to \d", msg.split("must sum to 1", 1)[1])


def test_shares_that_sum_to_one_are_accepted(tmp_path):
    """Replacing a whole table of shares is fine when the new shares sum to 1."""
    path = write(tmp_path, "[clients.domains]\nretail = 0.25\nsme = 0.75\n")
    assert sb.load_scenario(path).clients.domains == {"retail": 0.25, "sme": 0.75}


def test_unknown_allocation_rule_lists_the_rules(tmp_path):
    """An unknown allocation rule is refused, and the message lists the rules there are."""
    msg = load_error(tmp_path, '[allocation]\nrule = "magic"\n')
    assert "allocation.rule = 'magic'" in msg
    allowed = msg.split("allowed:", 1)[1]
    builtin = ("random", "round_robin", "by_tier", "by_specialty", "least_loaded", "crm", "pooled")
    assert all(rule in allowed for rule in builtin)


def test_exponential_service_time_needs_cv_1(tmp_path):
    """An exponential service time with cv != 1 is refused, at the service time's path."""
    msg = load_error(tmp_path, "[requests.types.service.service_time]\ncv = 0.5\n")
    assert "requests.types.service.service_time" in msg
    assert "exponential" in msg


def test_exponential_cv_error_shows_the_value(tmp_path):
    """The cv error names the field `...service_time.cv` and the value given."""
    msg = load_error(tmp_path, "[requests.types.service.service_time]\ncv = 0.5\n")
    assert "requests.types.service.service_time.cv = 0.5" in msg


def test_broken_toml_syntax(tmp_path):
    """A file that is not TOML is refused with the parser's line and column."""
    msg = load_error(tmp_path, '[branch\nname = "x"\n')
    assert "not valid TOML" in msg
    assert "line 1" in msg


def test_missing_file(tmp_path):
    """A file that does not exist raises ScenarioError (not FileNotFoundError)."""
    path = tmp_path / "nowhere.toml"
    with pytest.raises(sb.ScenarioError) as info:
        sb.load_scenario(path)
    assert type(info.value) is sb.ScenarioError
    assert str(path) in str(info.value)
    assert "not found" in str(info.value)


def test_binary_file(tmp_path):
    """Bytes that are not UTF-8 are refused as not a TOML file."""
    path = tmp_path / "blob.toml"
    path.write_bytes(b"\xff\xfe\x00\x81binary\x00")
    with pytest.raises(sb.ScenarioError) as info:
        sb.load_scenario(path)
    assert type(info.value) is sb.ScenarioError
    assert str(path) in str(info.value)
    assert "UTF-8" in str(info.value)


def test_directory_instead_of_a_file(tmp_path):
    """A directory is refused as not a TOML file."""
    with pytest.raises(sb.ScenarioError) as info:
        sb.load_scenario(tmp_path)
    assert type(info.value) is sb.ScenarioError
    assert str(tmp_path) in str(info.value)
    assert "directory" in str(info.value)


def test_every_problem_is_reported_at_once(tmp_path):
    """All problems in a file are listed together, not just the first."""
    msg = load_error(tmp_path, "[clients]\ncount = -1\n[managers]\ncount = 0\n")
    assert "2 problems" in msg
    assert "clients.count = -1" in msg and "managers.count = 0" in msg


# --------------------------------------------------------------------------- bad overrides


@pytest.mark.parametrize(
    ("path", "missing"),
    [("managers.nonexistent", "nonexistent"), ("nope.x", "nope")],
)
def test_override_of_a_path_that_does_not_exist(path, missing):
    """An override path that names no field is refused, with the allowed keys."""
    msg = override_error({path: 3})
    assert f"{path} = 3" in msg
    assert repr(missing) in msg
    assert "allowed" in msg


def test_override_of_a_scalar_with_a_table():
    """A table given for a scalar in an override is refused."""
    msg = override_error({"clients.count": {"a": 1}})
    assert "clients.count = {table}" in msg


def test_override_values_are_validated():
    """Overrides go through the same validation as files."""
    msg = override_error({"managers.stress.recovery_rate": -0.1})
    assert "managers.stress.recovery_rate = -0.1" in msg


@given(st.floats(min_value=0.0, max_value=1.0))
def test_any_recovery_rate_in_range_validates(rate):
    """Any float in [0, 1] is a valid stress recovery rate."""
    sc = sb.Scenario().with_overrides({"managers.stress.recovery_rate": rate})
    assert sc.managers.stress.recovery_rate == rate


@given(
    st.one_of(
        st.floats(max_value=0.0, exclude_max=True),
        st.floats(min_value=1.0, exclude_min=True),
        st.just(math.nan),
    )
)
def test_any_recovery_rate_out_of_range_raises(rate):
    """Any float below 0, above 1 (infinities included) or NaN raises ScenarioError."""
    with pytest.raises(sb.ScenarioError) as info:
        sb.Scenario().with_overrides({"managers.stress.recovery_rate": rate})
    assert type(info.value) is sb.ScenarioError
    assert "managers.stress.recovery_rate" in str(info.value)


# --------------------------------------------------------------------------- user rules


def test_user_registered_allocation_rule_is_valid_and_runs(isolated_rules):
    """A rule registered from a notebook is a valid `allocation.rule`, and the engine uses it."""
    calls = []

    @sb.register_allocation_rule("my_rule")
    class FirstAM(sb.AllocationRule):
        """Every client goes to the AM in the first position."""

        def assign(self, client, candidates, book):
            calls.append(client)
            return min(candidates, key=lambda m: m.position)

    tiny = {
        "branch.horizon_days": 5,
        "branch.warmup_days": 0,
        "clients.count": 50,
        "managers.count": 3,
    }
    with pytest.raises(sb.ScenarioError):
        sb.Scenario().with_overrides({**tiny, "allocation.rule": "my_rul"})
    sc = sb.Scenario().with_overrides({**tiny, "allocation.rule": "my_rule"})
    result = sb.run(sc, seed=1)
    assert calls, "the engine never asked the user rule"
    assert len(result.kpis) == len(sb.kpi_names(result.scenario))
    owners = result.clients["am_id"].dropna().unique()
    assert len(owners) == 1


def test_registered_rule_must_subclass_allocation_rule(isolated_rules):
    """Registering something that is not an AllocationRule is a TypeError."""
    with pytest.raises(TypeError):
        sb.register_allocation_rule("nope")(type("Nope", (), {}))


def test_numpy_scalars_are_numbers_in_overrides():
    """A value taken from np.arange or a frame is a NumPy scalar; it counts as its Python number."""
    import numpy as np

    sc = sb.Scenario().with_overrides({"clients.count": np.int64(500), "training.enabled": np.bool_(True)})
    assert sc.clients.count == 500 and type(sc.clients.count) is int and sc.training.enabled is True
    with pytest.raises(sb.ScenarioError, match=r"clients\.count"):
        sb.Scenario().with_overrides({"clients.count": np.array([1, 2])})
