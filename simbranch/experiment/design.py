"""What an experiment runs: one `RunSpec` per (policy or design point) x replication, as plain data.

Replication r of every policy gets the same seed, `SeedSequence(seed, spawn_key=(r,))`:
common random numbers across policies, and replication r's seed does not depend on how many
replications there are, so an experiment can be grown later. A spec's key hashes everything
that determines its result (scenario, seed, replication, model fingerprint), so a store can
tell a run it already holds.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from simbranch.scenario import Policy, Scenario, load_policy

__all__ = ["PRESETS", "RunSpec", "model_fingerprint", "resolve_policies", "run_specs"]

#: Folder of the named policies of the source document (`scenarios/policies` in the repository).
PRESETS = Path(__file__).resolve().parents[2] / "scenarios" / "policies"


@dataclass(frozen=True)
class RunSpec:
    """One run to do, in plain values that pickle and serialise cheaply."""

    policy: str
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
        text = "|".join((self.policy, str(self.point), str(self.replication), str(self.seed),
                         self.fingerprint, self.scenario_json))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


#: The code that decides a run's numbers: the fingerprint hashes these (and not the plots,
#: reports, CLI or experiment machinery, which change how results are organised, not what they are).
MODEL_SOURCES = ("model", "policies", "run.py", "scenario.py", "sections.py", "core_sections.py", "levers.py",
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
        if isinstance(item, Policy):
            policy = item
        else:
            path = Path(item)
            if not path.suffix and not path.exists():
                path = PRESETS / f"{item}.toml"
            policy = load_policy(path)
        if policy.name == "baseline":
            continue
        if any(p.name == policy.name for p in resolved):
            raise ValueError(f"two policies are named {policy.name!r}; policy names must be unique")
        resolved.append(policy)
    return resolved


def run_specs(scenario: Scenario, policies: list[Policy], replications: range, seed: int,
              series: tuple[str, ...] = ()) -> list[RunSpec]:
    """Every (policy, replication) run of a comparison, replication-major so early results cover all policies."""
    fingerprint = model_fingerprint()
    scenarios = {p.name: (scenario if p.name == "baseline" else scenario.with_policy(p)).canonical_json()
                 for p in policies}
    return [RunSpec(p.name, r, seed, scenarios[p.name], fingerprint=fingerprint, series=series)
            for r in replications for p in policies]


def scenario_from_spec(spec: RunSpec) -> Scenario:
    return Scenario.model_validate(json.loads(spec.scenario_json))
