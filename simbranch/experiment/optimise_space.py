"""What an optimisation is asked: the levers it may set (the search space), the objectives it
pursues and the constraints it must keep, each checked against the scenario and the KPI registry
so that a wrong path, KPI or bound is a ValueError naming it before any run."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from simbranch import meanings
from simbranch.experiment.design import value_at
from simbranch.run import kpi_names
from simbranch.scenario import LEVER_SECTIONS, Scenario

__all__ = ["ARTICLE_LEVERS", "DEFAULT_LEVERS", "INERT_UNDER", "LEVER_SETS", "MAIN_SETTINGS", "Constraint", "Objective",
           "check_across", "constraints_of", "inert_levers", "lever_params", "objectives_of"]

#: The levers searched when none are given: one per measure of the article, its switch or its main
#: choice (None: every value the scenario schema allows).
DEFAULT_LEVERS: dict[str, Any] = {
    "allocation.rule": ["round_robin", "by_tier", "by_specialty", "least_loaded", "crm"],
    "training.enabled": None,
    "assessment.enabled": None,
    "incentives.scheme": None,
    "surveys.enabled": None,
    "careers.enabled": None,
    "communication.enabled": None,
    "wellbeing.enabled": None,
}

_NUMBER = r"[-+]?(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
#: The main setting of each measure beyond its switch, with the range searched (an assumption: from
#: monthly to half-yearly for what recurs, 21 working days a month; from 5 % to 30 % of pay at risk).
MAIN_SETTINGS: dict[str, Any] = {
    "training.interval_days": (21, 126),
    "training.attendees": None,
    "assessment.interval_days": (21, 126),
    "assessment.action": None,
    "incentives.pay_at_risk": (0.05, 0.30),
    "surveys.interval_days": (21, 126),
    "careers.review_interval_days": (63, 252),
    "communication.meeting_interval_days": (5, 21),
}

#: Every lever of the article, each measure's switch or main choice and its main settings:
#: ``levers="article"`` (16 levers; `DEFAULT_LEVERS` are the first 8).
ARTICLE_LEVERS: dict[str, Any] = {**DEFAULT_LEVERS, **MAIN_SETTINGS}

#: Levers that do nothing under another lever's values, beyond a measure's settings while the measure is
#: off (`<measure>.enabled` false): the pay at risk under fixed pay (no scheme runs) or commission (paid
#: at its rate instead; mechanisms/incentives.py).
INERT_UNDER: dict[str, tuple[str, tuple[Any, ...]]] = {
    "incentives.pay_at_risk": ("incentives.scheme", ("fixed", "commission")),
}

#: Names `optimise` takes for a whole set of levers.
LEVER_SETS: dict[str, dict[str, Any]] = {"default": DEFAULT_LEVERS, "article": ARTICLE_LEVERS}

#: A constraint as text: ``<= baseline + 200000``, ``>= 0.8`` and the like.
CONSTRAINT_TEXT = re.compile(rf"^\s*(<=|>=)\s*(?:(baseline)\s*(?:([-+])\s*({_NUMBER}))?|({_NUMBER}))\s*$")
#: How to write a constraint, for messages.
GRAMMAR = "'<= baseline + 200000', '<= baseline', '>= baseline - 0.02', '<= 0.2' or ('<=', 0.2)"


@dataclass(frozen=True)
class Objective:
    """A KPI to maximise (or minimise)."""

    kpi: str
    maximise: bool


@dataclass(frozen=True)
class Constraint:
    """A bound on a KPI: its value (or, `relative`, its difference from the baseline) `op` `bound`."""

    kpi: str
    op: str
    bound: float
    relative: bool
    text: str

    @property
    def worse_high(self) -> bool:
        return self.op == "<="

    def violation(self, value: float) -> float:
        """How far `value` is beyond the bound (<= 0: the constraint holds), as Optuna's constraints want it."""
        return value - self.bound if self.op == "<=" else self.bound - value


def check_across(across: Any, n_scenarios: int) -> str | float:
    """What makes one value of several scenarios' means: "mean", or a quantile (on several scenarios only)."""
    if across == "mean":
        return "mean"
    if isinstance(across, bool) or not isinstance(across, int | float | np.floating) or not 0 < across < 1:
        raise ValueError(f"across must be 'mean' or a quantile between 0 and 1 (exclusive), got {across!r}")
    if n_scenarios < 2:
        raise ValueError(f"across={across!r} is a quantile across scenarios: give several scenarios (e.g. "
                         "Calibration.scenarios(30)), or across='mean'")
    return float(across)


def lever_params(scenario: Scenario, levers: Mapping[str, Any] | Sequence[str] | str | None) -> list[Any]:
    """The levers as the sweep's parameters, each path a lever of a policy and each value allowed."""
    from simbranch.discover import levers as lever_table
    from simbranch.experiment.sweep import _check_values, _parse
    from simbranch.interop import _range

    if levers is None:
        levers = DEFAULT_LEVERS
    elif isinstance(levers, str) and levers in LEVER_SETS:
        levers = LEVER_SETS[levers]
    items = list(levers.items()) if isinstance(levers, Mapping) else [(path, None) for path in _paths(levers)]
    if not items:
        raise ValueError("levers is empty; give at least one dotted lever path (see simbranch.levers())")
    table = lever_table()
    kinds = dict(zip(table["path"], table["kind"], strict=True))
    current = scenario.to_dict()
    params = []
    for path, spec in items:
        if path not in kinds:
            import difflib

            close = difflib.get_close_matches(str(path), list(kinds), n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else "; simbranch.levers() lists them"
            raise ValueError(f"lever {path!r} is no lever of a policy (a field of {', '.join(LEVER_SECTIONS)}){hint}")
        if kinds[path] != "lever":
            raise ValueError(f"{path!r} is an assumed coefficient (how people respond), not a choice a policy makes: "
                             "optimise over levers; explore coefficients with sb.robustness or sb.calibrate")
        param = _parse(path, _range(scenario, path, {}, "lever") if spec is None else spec, current)
        if param.kind == "category" and not all(v is None or isinstance(v, bool | int | float | str)
                                                for v in param.values):
            raise ValueError(f"lever {path!r}: the values to choose from must be text, numbers or booleans")
        _check_values(scenario, param, "lever")
        params.append(param)
    return params


def _paths(levers: Any) -> list[str]:
    if isinstance(levers, str) or not isinstance(levers, Sequence):
        raise ValueError(f"levers must map dotted lever paths to None, (low, high) or a list of values, list the "
                         f"paths, or name a set ({' or '.join(map(repr, LEVER_SETS))}); got {levers!r}")
    return list(levers)


def objectives_of(scenario: Scenario, objectives: Sequence[str] | Mapping[str, str]) -> list[Objective]:
    known = kpi_names(scenario)
    items = list(objectives.items()) if isinstance(objectives, Mapping) else \
        [(kpi, None) for kpi in ([objectives] if isinstance(objectives, str) else list(objectives))]
    if not items:
        raise ValueError("objectives is empty; give at least one KPI (see simbranch.kpis())")
    goals = []
    for kpi, way in items:
        if kpi not in known:
            raise ValueError(f"objective {kpi!r} is no KPI; KPIs: {', '.join(known)}")
        if way is None:
            way = {"higher": "max", "lower": "min"}.get(meanings.better(kpi) if meanings.find(kpi) else "neither")
            if way is None:
                raise ValueError(f"objective {kpi!r} has no better direction (simbranch.meanings.better): say which "
                                 f"way to go, e.g. objectives={{{kpi!r}: 'max'}}")
        if way not in ("max", "min"):
            raise ValueError(f"objective {kpi!r}: the direction must be 'max' or 'min', got {way!r}")
        goals.append(Objective(kpi, way == "max"))
    if len({g.kpi for g in goals}) < len(goals):
        raise ValueError("an objective is named twice; give each KPI once")
    return goals


def constraints_of(scenario: Scenario, constraints: Mapping[str, Any] | None) -> list[Constraint]:
    if constraints is None:
        return []
    if not isinstance(constraints, Mapping):
        raise ValueError(f"constraints must map KPIs to bounds such as {GRAMMAR}; got {constraints!r}")
    known = kpi_names(scenario)
    out = []
    for kpi, spec in constraints.items():
        if kpi not in known:
            raise ValueError(f"constraint on {kpi!r}: no such KPI; KPIs: {', '.join(known)}")
        out.append(constraint_of(kpi, spec))
    return out


def constraint_of(kpi: str, spec: Any) -> Constraint:
    """One constraint from its text or (op, number) pair, or a ValueError naming it and the grammar."""
    problem = f"constraint {kpi!r}: {spec!r} is not a bound; write {GRAMMAR}"
    if isinstance(spec, tuple):
        if len(spec) != 2 or spec[0] not in ("<=", ">=") or isinstance(spec[1], bool) \
                or not isinstance(spec[1], int | float | np.integer | np.floating) or not math.isfinite(spec[1]):
            raise ValueError(problem)
        return Constraint(kpi, spec[0], float(spec[1]), False, f"{spec[0]} {spec[1]}")
    if not isinstance(spec, str):
        raise ValueError(problem)
    match = CONSTRAINT_TEXT.match(spec)
    if match is None:
        raise ValueError(problem)
    op, baseline, sign, offset, number = match.groups()
    if baseline:
        value = float(offset.replace("_", "")) if offset else 0.0
        return Constraint(kpi, op, -value if sign == "-" else value, True, " ".join(spec.split()))
    return Constraint(kpi, op, float(number.replace("_", "")), False, " ".join(spec.split()))


def distribution(optuna: Any, param: Any) -> Any:
    """The lever as an Optuna distribution."""
    if param.kind == "category":
        return optuna.distributions.CategoricalDistribution(list(param.values))
    if param.kind == "int":
        return optuna.distributions.IntDistribution(int(param.low), int(param.high))
    return optuna.distributions.FloatDistribution(param.low, param.high)


def space_size(params: list[Any]) -> float:
    """How many distinct settings there are (infinite with a real lever)."""
    size = 1.0
    for p in params:
        size *= len(p.values) if p.kind == "category" else (p.high - p.low + 1) if p.kind == "int" else math.inf
    return size


def levers_note(params: list[Any]) -> dict[str, dict[str, list[Any]]]:
    """The levers as plain JSON for a store's note: a choice's values, or a range's ends."""
    note: dict[str, dict[str, list[Any]]] = {}
    for p in params:
        if p.kind == "category":
            note[p.path] = {"values": list(p.values)}
        else:
            ends = [int(p.low), int(p.high)] if p.kind == "int" else [float(p.low), float(p.high)]
            note[p.path] = {"range": ends}
    return note


def levers_from_note(note: Mapping[str, Any]) -> dict[str, Any]:
    """`levers_note` read back as `lever_params` takes it (a list of values or a (low, high) tuple);
    a ValueError when it is not what `levers_note` writes."""
    if not isinstance(note, Mapping) or not note:
        raise ValueError("the levers are not the object of lever paths an optimisation notes")
    levers: dict[str, Any] = {}
    for path, spec in note.items():
        if isinstance(spec, Mapping) and isinstance(spec.get("values"), list) and len(spec) == 1:
            levers[path] = list(spec["values"])
        elif isinstance(spec, Mapping) and isinstance(spec.get("range"), list) and len(spec["range"]) == 2 \
                and len(spec) == 1:
            levers[path] = tuple(spec["range"])
        else:
            raise ValueError(f"lever {str(path)[:80]!r}: {str(spec)[:80]!r} is neither {{'values': [...]}} nor "
                             "{'range': [low, high]}")
    return levers



def inert_levers(levers: Mapping[str, Any], scenario: Mapping[str, Any]) -> list[str]:
    """The levers of a setting that do nothing under its other levers (or the scenario's values where a
    switch is not searched): a measure's settings while the measure is off, and `INERT_UNDER`. Their
    values are kept in the policy (harmless) but mean nothing: tables show them as such."""
    def value(path: str) -> Any:
        return levers[path] if path in levers else value_at(scenario, path)

    def does_nothing(path: str) -> bool:
        switch = f"{path.split('.')[0]}.enabled"
        if path != switch and value(switch) is False:
            return True
        return path in INERT_UNDER and value(INERT_UNDER[path][0]) in INERT_UNDER[path][1]

    return [path for path in levers if does_nothing(path)]
