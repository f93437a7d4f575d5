"""What an experiment runs: one `RunSpec` per (policy or design point) x replication, as plain data.

Replication r of every policy gets the same seed, `SeedSequence(seed, spawn_key=(r,))`:
common random numbers across policies, and replication r's seed does not depend on how many
replications there are, so an experiment can be grown later. On several scenarios (draws of
uncertain parameters, `scenario_specs`) each draw has seeds of its own, shared by the policies
within the draw (`draw_seed_index`). A spec's key hashes everything that determines its result
(scenario, seed, replication, model fingerprint), so a store can tell a run it already holds.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from simbranch.scenario import LEVER_SECTIONS, PRESETS, Policy, Scenario, ScenarioError, load_policy

__all__ = [
    "MAX_REPLICATIONS",
    "MAX_SEED",
    "PRESETS",
    "RunSpec",
    "check_replications",
    "check_seed",
    "draw_replication",
    "draw_seed_index",
    "model_fingerprint",
    "resolve_policies",
    "run_specs",
    "scenario_specs",
]

#: Seeds go into the store as SQLite integers (signed 64-bit).
MAX_SEED = 2**63 - 1


#: Most replications (per scenario) an experiment may ask for: far beyond any real need (a
#: comparison settles within a few hundred), low enough that its run specs fit in memory at once.
MAX_REPLICATIONS = 100_000


def check_replications(replications: object, what: str = "replications") -> int:
    """`replications` as an int from 1 to `MAX_REPLICATIONS`, or a ValueError saying what is allowed
    (checked before any run spec is built, so a huge count allocates nothing)."""
    if not isinstance(replications, int | np.integer) or isinstance(replications, bool) \
            or not 1 <= replications <= MAX_REPLICATIONS:
        raise ValueError(f"{what} must be a whole number from 1 to {MAX_REPLICATIONS:,}, got {replications!r}")
    return int(replications)


def value_at(data: Mapping[str, Any] | None, path: str) -> Any:
    """The value at a dotted path of a nested dict (a scenario's `to_dict`), or None where there is none."""
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def as_scenarios(value: Any, caller: str) -> list[Scenario]:
    """The scenarios an experiment was given: one Scenario, or a non-empty sequence of them (draws of a
    branch's uncertain parameters); a TypeError or ValueError naming `caller` otherwise."""
    if isinstance(value, Scenario):
        return [value]
    if isinstance(value, str | bytes | Path | Mapping) or not isinstance(value, Iterable):
        raise TypeError(f"{caller}() takes a Scenario or a sequence of Scenarios (see load_scenario), got "
                        f"{type(value).__name__}")
    items = list(value)
    if not items:
        raise ValueError(f"{caller}() got an empty sequence of scenarios; give at least one Scenario")
    for i, item in enumerate(items):
        if not isinstance(item, Scenario):
            raise TypeError(f"{caller}(): item {i} of the scenarios is a {type(item).__name__}, not a Scenario")
    return items


def check_seed(seed: object) -> int:
    """`seed` as the int every experiment needs, or a ValueError saying why not. None is refused: it
    would make numpy draw fresh entropy for every run, breaking common random numbers and making
    two identical calls differ; a negative, fractional or huge seed is refused too."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        hint = " (None would draw fresh entropy per run: no common random numbers, no reproducibility)" \
            if seed is None else ""
        raise ValueError(f"seed must be a whole number from 0 to {MAX_SEED}, got {seed!r}{hint}")
    if not 0 <= int(seed) <= MAX_SEED:
        raise ValueError(f"seed must be a whole number from 0 to {MAX_SEED}, got {seed!r}")
    return int(seed)


@dataclass(frozen=True)
class RunSpec:
    """One run to do, in plain values that pickle and serialise cheaply."""

    policy: str
    #: the seed's replication index, `SeedSequence(seed, spawn_key=(replication,))` (on several
    #: scenarios `draw_seed_index(point, r)` of the draw's replication r)
    replication: int
    seed: int
    scenario_json: str
    point: int = -1
    params: dict[str, Any] = field(default_factory=dict)
    fingerprint: str = ""
    #: daily columns the worker keeps for plots over time (not part of the key: they do not change the run)
    series: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The run's identity in a store: a hash of everything that decides its numbers (policy, point,
        replication, seed, model fingerprint and scenario), not of what only names or shows them
        (`DISPLAY_ONLY`), so that renaming a branch or showing it in another currency reruns nothing."""
        text = "|".join((self.policy, str(self.point), str(self.replication), str(self.seed),
                         self.fingerprint, _without_display(self.scenario_json)))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


#: Scenario fields that change no number of a run: the branch's name and the currency money is shown in.
DISPLAY_ONLY: tuple[tuple[str, str], ...] = (("branch", "name"), ("branch", "currency"))


def _without_display(scenario_json: str) -> str:
    data = json.loads(scenario_json)
    for section, field_name in DISPLAY_ONLY:
        data.get(section, {}).pop(field_name, None)
    return json.dumps(data, separators=(",", ":"))


#: The code that decides a run's numbers: the fingerprint hashes these (and not the plots,
#: reports, CLI or experiment machinery, which change how results are organised, not what they are).
MODEL_SOURCES = ("model", "mechanisms", "run.py", "scenario.py", "sections.py", "core_sections.py", "lever_sections.py",
                 "streams.py",
                 "registry.py")


@cache
def model_fingerprint() -> str:
    """Package version plus a hash of the model's source: results of another model never mix."""
    from simbranch import __version__

    digest = hashlib.sha256()
    package = Path(str(resources.files("simbranch")))
    for path in sorted(package.rglob("*.py")):
        if path.relative_to(package).parts[0] in MODEL_SOURCES:
            digest.update(path.relative_to(package).as_posix().encode("utf-8"))
            digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}"


def resolve_policies(policies: list[Policy | str | Path] | None) -> list[Policy]:
    """Policy objects from objects, file paths or preset names; the baseline always comes first."""
    resolved = [Policy(name="baseline", description="the scenario's own levers")]
    for item in policies or []:
        policy = item if isinstance(item, Policy) else load_policy(item)  # a file, or a preset's name
        if isinstance(item, Policy):
            _check_policy_object(policy)
        if policy.name == "baseline":
            continue  # a policy file named baseline is the scenario's own levers, as the CLI says
        if any(p.name == policy.name for p in resolved):
            raise ValueError(f"two policies are named {policy.name!r}; policy names must be unique")
        resolved.append(policy)
    return resolved


def _check_policy_object(policy: Policy) -> None:
    """A Policy built in Python holds what a policy file may: lever sections only, under a name other
    than "baseline" (which stands for the scenario's own levers and would be silently dropped)."""
    if policy.name == "baseline" and policy.levers:
        raise ValueError("a policy that changes levers cannot be named 'baseline' (the name of the scenario's own "
                         "levers, against which the others are compared); give it another name")
    others = [key for key in policy.levers if key not in LEVER_SECTIONS]
    if others:
        raise ValueError(f"policy {policy.name!r} changes {', '.join(map(repr, others))}: a policy holds lever "
                         f"sections only ({', '.join(LEVER_SECTIONS)}); change the scenario itself for the rest "
                         "(with_overrides, or --set on the command line)")


def run_specs(scenario: Scenario, policies: list[Policy], replications: range, seed: int,
              series: tuple[str, ...] = ()) -> list[RunSpec]:
    """Every (policy, replication) run of a comparison, replication-major so early results cover all policies."""
    fingerprint = model_fingerprint()
    scenarios = {p.name: (scenario if p.name == "baseline" else scenario.with_policy(p)).canonical_json()
                 for p in policies}
    return [RunSpec(p.name, r, seed, scenarios[p.name], fingerprint=fingerprint, series=series)
            for r in replications for p in policies]


def draw_seed_index(scenario: int, replication: int) -> int:
    """The replication index of the seed of replication `replication` of scenario (draw) `scenario` in a
    comparison on several scenarios: the run's seed is `SeedSequence(seed, spawn_key=(index,))`.

    The index is the Cantor pairing (s + r)(s + r + 1) / 2 + r of s = `scenario` and r = `replication`:
    one distinct index for every (scenario, replication), so every draw has seeds of its own (the
    draws are independent), shared by the policies of the draw (common random numbers within it).
    It is a function of s and r alone, not of how many scenarios or replications there are, so a
    spec's key does not change when a comparison is given more replications per scenario or more
    scenarios (appended at the end): the runs already stored are reused, as with one scenario. (The
    plainer s * R + r would tie every key to R, and s + S * r to S.) `draw_replication` inverts it.
    """
    if scenario < 0 or replication < 0:
        raise ValueError(f"scenario and replication must be non-negative, got {scenario!r} and {replication!r}")
    w = scenario + replication
    return w * (w + 1) // 2 + replication


def draw_replication(index: int) -> tuple[int, int]:
    """The (scenario, replication) whose seed index is `index` (the inverse of `draw_seed_index`)."""
    if index < 0:
        raise ValueError(f"a seed index is non-negative, got {index!r}")
    w = (math.isqrt(8 * index + 1) - 1) // 2
    replication = index - w * (w + 1) // 2
    return w - replication, replication


def scenario_specs(scenarios: list[Scenario], policies: list[Policy], replications: range, seed: int,
                   series: tuple[str, ...] = (), label: str = "scenario") -> list[RunSpec]:
    """Every (scenario, policy, replication) run of a comparison on several scenarios, as `RunSpec`s.

    Scenario i is the spec's `point`. Replication r of scenario i runs on seed index
    `draw_seed_index(i, r)` (the spec's `replication`): every draw has seeds of its own, and the
    policies of a draw share them (paired within the draw). Independent draws are what lets the
    spread of the effect across them count all the noise: with seeds shared across draws, the luck
    of seed r would move the effect in every draw alike, and the spread across draws would miss it.
    Replication-major, then scenario, then policy, so early results cover every scenario. Every
    scenario is checked under every policy first: one that a policy's levers make invalid raises
    `ScenarioError` naming it (`label` and its index) and the policy, before anything runs.
    """
    fingerprint = model_fingerprint()
    texts: list[list[str]] = []
    for i, scenario in enumerate(scenarios):
        row = []
        for p in policies:
            try:
                row.append((scenario if p.name == "baseline" else scenario.with_policy(p)).canonical_json())
            except ScenarioError as exc:
                raise ScenarioError(f"{label} {i} under {exc.source}", exc.problems) from None
        texts.append(row)
    return [RunSpec(p.name, draw_seed_index(i, r), seed, texts[i][j], point=i, fingerprint=fingerprint,
                    series=series)
            for r in replications for i in range(len(scenarios)) for j, p in enumerate(policies)]


def scenario_from_spec(spec: RunSpec) -> Scenario:
    return Scenario.model_validate(json.loads(spec.scenario_json))
