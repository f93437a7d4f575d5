"""Comparisons read back from a result store, without running anything.

`compare(..., store=FILE)` notes in the store what it compared (scenario, or every scenario of a
comparison on several, policies, seed, replications). From that note the comparison's runs are
found again by their keys, so a report can be made later, on another machine, from the store
file alone. Runs made by another model version have other keys and are never mixed in.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from simbranch.experiment.compare import SERIES_COLUMNS, Comparison, comparison_from_records
from simbranch.experiment.design import (
    MAX_REPLICATIONS,
    MAX_SEED,
    RunSpec,
    model_fingerprint,
    run_specs,
    scenario_specs,
)
from simbranch.experiment.store import ResultStore, StoreError
from simbranch.scenario import Policy, Scenario, ScenarioError

__all__ = ["load_comparison", "saved_comparisons"]

_PREFIX = "comparison:"


#: Most replications a stored note may claim: what `compare` itself accepts.
MAX_NOTED_REPLICATIONS = MAX_REPLICATIONS
#: Most scenarios a stored note of a comparison on several may hold.
MAX_NOTED_SCENARIOS = 100_000


def _check_note(store: str | Path, name: str, note: Any) -> dict[str, Any]:
    """The note of comparison `name` if it is what `compare` writes, else a StoreError naming the field:
    an object with an integer seed (0 to MAX_SEED), replications (1 to MAX_NOTED_REPLICATIONS), a
    numeric saved_at, a list of valid policies, and a valid scenario (or list of scenarios)."""
    where = f"{store}: note {name!r}"
    if not isinstance(note, dict):
        raise StoreError(f"{where} is a {type(note).__name__}, not the object a comparison writes")
    checks = (("seed", lambda v: isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_SEED,
               f"an integer from 0 to {MAX_SEED}"),
              ("replications", lambda v: isinstance(v, int) and not isinstance(v, bool)
               and 1 <= v <= MAX_NOTED_REPLICATIONS, f"an integer from 1 to {MAX_NOTED_REPLICATIONS:,}"),
              ("saved_at", lambda v: isinstance(v, int | float) and not isinstance(v, bool), "a time in seconds"),
              ("policies", lambda v: isinstance(v, list) and v, "a list of policies"))
    for field, ok, allowed in checks:
        if field not in note:
            raise StoreError(f"{where} has no {field} ({allowed})")
        if not ok(note[field]):
            raise StoreError(f"{where}: {field} = {str(note[field])[:60]!r}; allowed: {allowed}")
    texts = note.get("scenarios", [note.get("scenario")])
    if not isinstance(texts, list) or not texts or len(texts) > MAX_NOTED_SCENARIOS \
            or not all(isinstance(t, str) for t in texts):
        raise StoreError(f"{where}: its scenario is not the scenario text (or list of them) a comparison writes")
    return note


def _note_objects(store: str | Path, name: str, note: dict[str, Any]) -> tuple[list[Policy], list[Scenario]]:
    """The policies and scenarios of a checked note, each validated as a file would be."""
    where = f"{store}: note {name!r}"
    try:
        policies = [Policy.model_validate(p) for p in note["policies"]]
    except ValidationError as exc:
        raise StoreError(f"{where}: a policy is not valid: {_first_error(exc)}") from None
    scenarios = []
    for i, text in enumerate(note.get("scenarios", [note.get("scenario")])):
        try:
            scenarios.append(Scenario.model_validate(json.loads(text)))
        except (ValueError, RecursionError) as exc:  # ValidationError is a ValueError
            reason = _first_error(exc) if isinstance(exc, ValidationError) else "not valid JSON"
            raise StoreError(f"{where}: scenario {i} is not valid: {reason}") from None
    return policies, scenarios


def _first_error(exc: ValidationError) -> str:
    error = exc.errors()[0]
    return f"{'.'.join(map(str, error['loc']))}: {error['msg']}"


def saved_comparisons(store: str | Path) -> pd.DataFrame:
    """The comparisons noted in a store, newest first: name, seed, replications (per scenario), policies,
    saved_at, scenarios (how many: more than 1 for a comparison on several)."""
    with open_for_reading(store) as db:
        notes = {name: _check_note(store, name, note) for name, note in db.meta(_PREFIX).items()}
    rows = [{"name": name.removeprefix(_PREFIX), "seed": note["seed"], "replications": note["replications"],
             "policies": ", ".join(p["name"] for p in note["policies"]),
             "saved_at": pd.Timestamp(note["saved_at"], unit="s"), "scenarios": len(note.get("scenarios", [1]))}
            for name, note in notes.items()]
    frame = pd.DataFrame(rows, columns=["name", "seed", "replications", "policies", "saved_at", "scenarios"])
    return frame.sort_values("saved_at", ascending=False, ignore_index=True)


def load_comparison(store: str | Path, name: str | None = None) -> Comparison:
    """Return a comparison saved in a result store, rebuilt from its stored runs without running any.

    ``compare(..., store=FILE)`` notes in the store what it compared; from that note the runs are
    found again by their keys, so a report can be made later, on another machine, from the store
    file alone. Runs made by another model version have other keys and are never mixed in.

    Parameters
    ----------
    store : str or pathlib.Path
        The result store file that `compare` wrote to.
    name : str, optional
        The comparison's name in the store (`saved_comparisons` lists them); the newest if None.

    Returns
    -------
    Comparison
        The comparison, as `compare` returned it.

    Raises
    ------
    simbranch.experiment.StoreError
        If the file is not a result store, holds no comparison or not that one, its note is not
        one `compare` writes, or it lacks some of the comparison's runs for this model version
        (running the same `compare` with this store completes it).

    Examples
    --------
    >>> import simbranch as sb
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
    >>> ran = sb.compare(scenario, policies=["crm_routing"], replications=2, seed=1, executor="serial",
    ...                  store="runs.sqlite", progress=False)
    >>> loaded = sb.load_comparison("runs.sqlite")
    >>> loaded.table["policy"].unique().tolist()
    ['baseline', 'crm_routing']
    >>> loaded.table["wait_mean_h"].equals(ran.table["wait_mean_h"])
    True
    """
    with open_for_reading(store) as db:
        notes = {key: _check_note(store, key, note) for key, note in db.meta(_PREFIX).items()}
        if not notes:
            other = ("; it holds an optimisation, which sb.load_optimisation reads (its --out folder has the "
                     "report of its front)" if db.meta("optimisation:") else "")
            raise StoreError(f"{store}: holds no comparison (a comparison run with this store notes itself in "
                             f"it){other}")
        if name is None:
            key = max(notes, key=lambda n: notes[n]["saved_at"])
        elif _PREFIX + name in notes:
            key = _PREFIX + name
        else:
            known = ", ".join(n.removeprefix(_PREFIX) for n in notes)
            raise StoreError(f"{store}: no comparison {name!r}; it holds: {known}")
        note = notes[key]
        policies, scenarios = _note_objects(store, key, note)
        try:
            if "scenarios" in note:  # a comparison on several scenarios
                specs = scenario_specs(scenarios, policies, range(note["replications"]), note["seed"],
                                       SERIES_COLUMNS)
            else:
                specs = run_specs(scenarios[0], policies, range(note["replications"]), note["seed"], SERIES_COLUMNS)
        except ScenarioError as exc:  # a noted policy that does not fit the noted scenario
            raise StoreError(f"{store}: the note of comparison {key.removeprefix(_PREFIX)!r} holds a policy that "
                             f"does not fit its scenario: {_misfit(scenarios, policies, exc)}") from None
        records = db.records({s.key for s in specs}, with_series=True)
        others = {fp: n for fp, n in db.fingerprints(f"compare:{note['seed']}").items() if fp != model_fingerprint()}
    if len(records) < len(specs):
        older = (f"; the store holds runs of another model version ({', '.join(sorted(others))}), which are never "
                 "mixed with this one's" if others else "")
        raise StoreError(f"{store}: {len(specs) - len(records)} of the {len(specs)} runs of comparison "
                         f"{key.removeprefix(_PREFIX)!r} are not in the store for this model version "
                         f"({model_fingerprint()}){older}; running the same comparison with this store completes it")
    order = {s.key: i for i, s in enumerate(specs)}
    records.sort(key=lambda r: order[r["key"]])
    check_records_match(store, specs, records)
    return comparison_from_records(scenarios, policies, records, note["seed"])


def _misfit(scenarios: list[Scenario], policies: list[Policy], exc: ScenarioError) -> str:
    """Which policy does not fit which scenario, and its first problem, in words."""
    for scenario in scenarios:
        for policy in policies[1:]:  # the baseline is the scenario itself
            try:
                scenario.with_policy(policy)
            except ScenarioError as problem:
                path, value, what = problem.problems[0]
                return f"{policy.name}: {path} = {value!r}: {what}"
    return str(exc)


def check_records_match(store: str | Path, specs: list[RunSpec], records: list[dict[str, Any]]) -> None:
    """Runs are found by key, a hash of their policy, draw, replication and seed: a run whose own columns
    say otherwise was edited, and would be paired or labelled wrongly."""
    for spec, record in zip(specs, records, strict=True):
        for column in ("policy", "point", "replication", "seed"):
            if record.get(column) != getattr(spec, column):
                raise StoreError(f"{store}: run {spec.key} has {column} = {record.get(column)!r}, but its key is "
                                 f"that of {column} = {getattr(spec, column)!r}: the store was edited by hand")


def open_for_reading(store: str | Path) -> ResultStore:
    """The store, to read what an experiment left there: a StoreError if there is none (opening a missing
    or empty file would make it a store)."""
    if not Path(store).is_file():
        raise StoreError(f"{store}: no such result store")
    if Path(store).stat().st_size == 0:  # opening it would make it a store: a report must not write
        raise StoreError(f"{store}: an empty file, not a result store (nothing was ever stored in it)")
    return ResultStore(store)
