"""Interoperability with the field's tools: an EMA Workbench model of simbranch.

`ema_model` turns simbranch into an `ema_workbench.Model`, so that EMA Workbench's samplers,
scenario discovery (PRIM, CART, feature scoring) and many-objective search work on it as on any
model of that toolkit:

- its **uncertainties** are by default every assumed coefficient with its declared plausible range
  (`simbranch.assumptions.assumed_ranges`), or the scenario paths you choose;
- its **levers** are the scenario paths you choose, with the values the scenario schema allows: the
  choices of a choice field, true and false for a switch, the bounds of a number (a number without
  a bound on one side needs a range from you);
- its **outcomes** are the KPIs, each maximised, minimised or only reported as its meaning says
  (`simbranch.meanings.better`: "higher", "lower" or "neither").

EMA Workbench names a parameter by a Python identifier, so the dotted scenario path
`training.interval_days` is the parameter `training__interval_days` (`ema_name`: every dot becomes
two underscores) and the path itself is the parameter's `variable_name`: the model function gets
dotted overrides, and `experiment_overrides` turns the rows of an experiments frame back into them.

An experiment with values `v` runs, in replication `r`, exactly
``sb.run(scenario.with_overrides(v), numpy.random.SeedSequence(seed, spawn_key=(r,)))``: the seed of
replication r of `sb.compare` and `sb.sweep`. Every experiment shares those seeds (common random
numbers), so two experiments differ by their values, not by their luck, and a point that
`sb.sweep(..., design=frame)` also runs gives the same numbers there.

EMA Workbench is an optional extra (`pip install simbranch[ema]`); this module imports without it
and says what to install when a function needs it.
"""

from __future__ import annotations

import difflib
import functools
import json
import math
import types
import typing
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args, get_origin

import numpy as np
import pandas as pd
from pydantic import BaseModel

from simbranch import meanings
from simbranch.assumptions import assumed_ranges
from simbranch.experiment.design import check_replications, check_seed
from simbranch.experiment.sweep import _check_values, _Param, _parse
from simbranch.extras import require
from simbranch.registry import ALLOCATION_RULES
from simbranch.run import kpi_names
from simbranch.scenario import Scenario, flat_paths

if TYPE_CHECKING:
    import ema_workbench

__all__ = ["ema_model", "ema_name", "experiment_overrides"]

#: What a dot of a scenario path becomes in an EMA Workbench parameter name.
SEPARATOR = "__"

#: Text fields whose allowed values live in a registry rather than in the schema.
_REGISTERED_CHOICES: dict[str, Mapping[str, type]] = {"allocation.rule": ALLOCATION_RULES}

#: A parameter given as a dotted path (range from the declarations or the schema) or as a mapping
#: from dotted path to None (the same), a (low, high) range or a list of values.
ParameterSpec = Sequence[str] | Mapping[str, tuple[float, float] | Sequence[Any] | None]

_KIND_OF_BETTER = {"higher": "MAXIMIZE", "lower": "MINIMIZE", "neither": "INFO"}


def ema_model(scenario: Scenario | None = None, *, uncertainties: ParameterSpec | None = None,
              levers: ParameterSpec | None = None, outcomes: Sequence[str] | None = None,
              replications: int = 1, seed: int = 0, aggregate: Callable[..., float] = np.mean,
              name: str = "simbranch") -> ema_workbench.Model | ema_workbench.ReplicatorModel:
    """An EMA Workbench model of `scenario`: uncertainties, levers and KPI outcomes from simbranch's schema.

    Parameters
    ----------
    scenario : Scenario, optional
        The scenario every experiment starts from (the default scenario if None); an experiment's
        values are applied to it as dotted overrides.
    uncertainties : sequence of str or mapping, optional
        The uncertain parameters, as dotted scenario paths. None (the default) takes every assumed
        coefficient with its declared plausible range (`simbranch.assumed_ranges`); a list of paths
        takes those, each with its declared range, or else the schema's choices or bounds; a
        mapping gives a path `None` (the same), a `(low, high)` range or a list of values. Ends
        that are both whole numbers make an integer parameter where the scenario holds an integer.
    levers : sequence of str or mapping, optional
        The policy levers, given as `uncertainties` are: by default none. A choice field becomes
        a `CategoricalParameter`, a switch a `BooleanParameter`, a number a `RealParameter` or
        `IntegerParameter` between the schema's bounds; `allocation.rule` takes the registered
        allocation rules.
    outcomes : sequence of str, optional
        The KPIs to report (`simbranch.kpi_names(scenario)`, all of them if None). A KPI whose
        higher value is better is maximised, one whose lower value is better minimised, any other
        (a volume, hours spent) is `INFO`.
    replications : int
        Runs per experiment. With 1, a `Model` whose outcomes hold one value per experiment. With
        more, a `ReplicatorModel` running replications r = 0, 1, ... of every experiment.
    seed : int
        The model's `Constant` "seed": replication r of every experiment runs on
        `numpy.random.SeedSequence(seed, spawn_key=(r,))`, the seed of replication r in
        `simbranch.compare` and `simbranch.sweep`.
    aggregate : callable
        With several replications, what makes one outcome of their values (EMA Workbench's
        convention for a `ReplicatorModel`, and what its optimisation needs): the mean by default,
        or e.g. `numpy.median`, or a module-level function of your own (so that it pickles). Unused
        with one replication. To look at every replication, run the experiments' points with
        `simbranch.sweep(..., design=pd.DataFrame(experiment_overrides(experiments, model)))`.
    name : str
        The model's name (letters and digits, as EMA Workbench requires).

    Returns
    -------
    ema_workbench.Model or ema_workbench.ReplicatorModel
        A model for `perform_experiments`, `optimize` and the rest of EMA Workbench. Its function
        is a `functools.partial` of a module-level function, so it pickles for the
        `MultiprocessingEvaluator`. A parameter's `name` is `ema_name(path)`, its `variable_name`
        the dotted path.

    Raises
    ------
    simbranch.extras.MissingExtra
        When EMA Workbench is not installed (`pip install simbranch[ema]`).
    ValueError
        A path that is no field of a scenario (naming it, with the closest paths), a section given
        as a path, a parameter without a range where neither the declarations nor the schema give
        one (saying what to give), a malformed range, an unknown KPI, or a bad `replications`,
        `seed` or `name`.
    simbranch.ScenarioError
        A range end or category its field does not allow (naming the path and value).
    TypeError
        When `scenario` is not a Scenario or `aggregate` is not callable.

    Examples
    --------
    >>> import simbranch as sb
    >>> from ema_workbench import SequentialEvaluator, perform_experiments
    >>> from simbranch.interop import ema_model
    >>> tiny = sb.Scenario().with_overrides({"branch.horizon_days": 5, "branch.warmup_days": 0,
    ...                                      "clients.count": 100})
    >>> model = ema_model(tiny, uncertainties=["managers.stress.build_rate"],
    ...                   levers=["training.enabled"], outcomes=["profit", "wait_mean_h"])
    >>> [u.name for u in model.uncertainties], [lever.name for lever in model.levers]
    (['managers__stress__build_rate'], ['training__enabled'])
    >>> with SequentialEvaluator(model) as evaluator:
    ...     experiments, outcomes = perform_experiments(model, scenarios=2, policies=1, evaluator=evaluator)
    >>> len(experiments), outcomes["profit"].shape
    (2, (2,))
    """
    ema = _ema()
    scenario = scenario if scenario is not None else Scenario()
    if not isinstance(scenario, Scenario):
        raise TypeError(f"ema_model() takes a Scenario (see load_scenario), got {type(scenario).__name__}")
    replications, seed = check_replications(replications), check_seed(seed)
    if not callable(aggregate):
        raise TypeError(f"aggregate must be a function of the replications' values, such as numpy.mean; "
                        f"got {aggregate!r}")
    if not isinstance(name, str) or not name.isalnum():
        raise ValueError(f"an EMA Workbench model's name has letters and digits only, got {name!r}")
    kpis = _outcome_names(scenario, outcomes)
    function = functools.partial(_simulate, scenario.canonical_json(), tuple(kpis))
    model = ema.ReplicatorModel(name, function) if replications > 1 else ema.Model(name, function)
    declared = assumed_ranges(scenario)
    model.uncertainties = _parameters(ema, scenario, list(declared) if uncertainties is None else uncertainties,
                                      declared, "uncertainty")
    model.levers = _parameters(ema, scenario, levers or [], declared, "lever")
    model.outcomes = [_outcome(ema, kpi, replications, aggregate) for kpi in kpis]
    model.constants = [ema.Constant("seed", seed)]
    if replications > 1:
        model.replications = [{"replication": r} for r in range(replications)]
    return model


def ema_name(path: str) -> str:
    """The EMA Workbench name of a dotted scenario path: each dot becomes two underscores.

    Parameters
    ----------
    path : str
        A dotted scenario path such as "training.interval_days".

    Returns
    -------
    str
        A Python identifier, as EMA Workbench wants a parameter's name ("training__interval_days").

    Raises
    ------
    ValueError
        When the path would not give an identifier that leads back to it: a part that is empty,
        begins or ends with an underscore, holds two underscores running or is no identifier
        (a client tier named "high-net-worth", say).

    Examples
    --------
    >>> from simbranch.interop import ema_name
    >>> ema_name("clients.tiers.mass.requests_per_year")
    'clients__tiers__mass__requests_per_year'
    """
    parts = str(path).split(".")
    for part in parts:
        if not part.isidentifier() or part.startswith("_") or part.endswith("_") or SEPARATOR in part:
            raise ValueError(f"scenario path {path!r} has no EMA Workbench name: its part {part!r} must be an "
                             "identifier that neither begins nor ends with '_' nor holds '__'")
    return SEPARATOR.join(parts)


def experiment_overrides(experiments: pd.DataFrame,
                         model: ema_workbench.Model | ema_workbench.ReplicatorModel) -> list[dict[str, Any]]:
    """The dotted overrides of every experiment of an EMA Workbench experiments frame.

    Parameters
    ----------
    experiments : pandas.DataFrame
        The experiments `perform_experiments` returned for `model` (or any frame with a column
        per parameter name of the model).
    model : ema_workbench.Model or ema_workbench.ReplicatorModel
        The model from `ema_model` the experiments ran on.

    Returns
    -------
    list of dict
        One dict per row, from dotted path to value (plain Python values, categories as
        themselves): what `Scenario.with_overrides` takes, and, as a frame, a design that
        `simbranch.sweep(..., design=frame)` runs.

    Raises
    ------
    ValueError
        When the frame has no column for one of the model's parameters (naming it).

    Examples
    --------
    >>> import pandas as pd
    >>> from simbranch.interop import ema_model, experiment_overrides
    >>> model = ema_model(levers=["training.enabled"], uncertainties=[], outcomes=["profit"])
    >>> experiment_overrides(pd.DataFrame({"training__enabled": [True, False], "policy": ["a", "b"]}), model)
    [{'training.enabled': True}, {'training.enabled': False}]
    """
    paths = {p.name: p.variable_name[0] for p in [*model.uncertainties, *model.levers]}
    missing = [n for n in paths if n not in experiments.columns]
    if missing:
        raise ValueError(f"the experiments have no column {', '.join(map(repr, missing))} of the model's "
                         f"parameters; columns: {', '.join(map(str, experiments.columns))}")
    return [{paths[n]: _plain(row[n]) for n in paths} for row in experiments.to_dict("records")]


# --------------------------------------------------------------------------- the model's function


def _simulate(scenario_json: str, kpis: tuple[str, ...], seed: int, replication: int = 0,
              **values: Any) -> dict[str, float]:
    """One run of an experiment: the scenario with `values` (dotted path -> value) applied, on the seed of
    replication `replication`. Module-level, so a `functools.partial` of it pickles for worker processes."""
    from simbranch.run import run

    scenario = Scenario.model_validate(json.loads(scenario_json))
    if values:
        scenario = scenario.with_overrides({path: _plain(v) for path, v in values.items()},
                                           source="EMA Workbench experiment")
    result = run(scenario, np.random.SeedSequence(seed, spawn_key=(replication,)))
    return {kpi: float(result.kpis[kpi]) for kpi in kpis}


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


# --------------------------------------------------------------------------- EMA Workbench objects


def _ema() -> types.ModuleType:
    """ema_workbench, imported without its notice that ipyparallel (an evaluator we do not use) is missing."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="ipyparallel not installed", category=UserWarning)
        return require("ema_workbench", "simbranch.interop", "ema", package="ema-workbench")


def _outcome(ema: types.ModuleType, kpi: str, replications: int, aggregate: Callable[..., float]) -> Any:
    kind = getattr(ema.ScalarOutcome, _KIND_OF_BETTER[meanings.better(kpi)])
    return ema.ScalarOutcome(kpi, kind=kind, function=aggregate if replications > 1 else None)


def _outcome_names(scenario: Scenario, outcomes: Sequence[str] | None) -> list[str]:
    known = kpi_names(scenario)
    if outcomes is None:
        return known
    chosen = [outcomes] if isinstance(outcomes, str) else list(outcomes)
    unknown = [k for k in chosen if k not in known]
    if unknown or not chosen:
        problem = f"unknown: {', '.join(map(repr, unknown))}" if unknown else "none given"
        raise ValueError(f"outcomes must be KPIs of the scenario; {problem} (the KPIs: {', '.join(known)})")
    return list(dict.fromkeys(chosen))


def _parameters(ema: types.ModuleType, scenario: Scenario, spec: ParameterSpec,
                declared: Mapping[str, tuple[float, float]], what: str) -> list[Any]:
    """The EMA Workbench parameters of `spec`, each checked on the scenario at both ends (or every category)."""
    items: Iterable[tuple[str, Any]]
    if isinstance(spec, Mapping):
        items = spec.items()
    elif isinstance(spec, str) or not isinstance(spec, Sequence):
        raise ValueError(f"give the {what} parameters as a list of dotted scenario paths or a mapping from path "
                         f"to None, (low, high) or a list of values; got {spec!r}")
    else:
        items = ((path, None) for path in spec)
    current = scenario.to_dict()
    parameters = []
    for path, values in items:
        param = _parse(path, _range(scenario, path, declared, what) if values is None else values, current)
        _check_values(scenario, param, what)
        parameters.append(_parameter(ema, param))
    return parameters


def _parameter(ema: types.ModuleType, param: _Param) -> Any:
    name = ema_name(param.path)
    if param.kind == "float":
        return ema.RealParameter(name, param.low, param.high, variable_name=param.path)
    if param.kind == "int":
        return ema.IntegerParameter(name, int(param.low), int(param.high), variable_name=param.path)
    if len(param.values) == 2 and all(isinstance(v, bool) for v in param.values) and len(set(param.values)) == 2:
        return ema.BooleanParameter(name, variable_name=param.path)
    return ema.CategoricalParameter(name, list(param.values), variable_name=param.path)


# --------------------------------------------------------------------------- ranges from the schema


def _range(scenario: Scenario, path: str, declared: Mapping[str, tuple[float, float]], what: str) -> Any:
    """What `path` may take when no range is given: its declared plausible range, or else the schema's
    choices, true and false, or bounds (a list of categories or a (low, high) pair, as `_parse` takes)."""
    annotation, metadata = _leaf(scenario, path, what)
    whole = annotation is int
    if path in declared:
        low, high = declared[path]
        return (int(low), int(high)) if whole and float(low).is_integer() and float(high).is_integer() else (low, high)
    if path in _REGISTERED_CHOICES:
        return list(_REGISTERED_CHOICES[path])
    if get_origin(annotation) is Literal:
        return list(get_args(annotation))
    if annotation is bool:
        return [False, True]
    if annotation in (int, float):
        return _bounds(path, annotation, metadata, what)
    raise ValueError(f"{what} {path!r} is a {getattr(annotation, '__name__', annotation)} field with no range in "
                     f"the schema; give the values it may take as a list, e.g. {{{path!r}: [...]}}")


def _bounds(path: str, annotation: type, metadata: list[Any], what: str) -> tuple[float, float]:
    """The schema's closed range of a number: an open bound moves to the nearest value inside (the next
    integer, or the next float)."""
    found = {type(m).__name__: getattr(m, type(m).__name__.lower()) for m in metadata
             if type(m).__name__ in ("Ge", "Gt", "Le", "Lt")}
    step = {int: lambda x, up: x + (1 if up else -1),
            float: lambda x, up: math.nextafter(x, math.inf if up else -math.inf)}[annotation]
    low = found["Ge"] if "Ge" in found else step(found["Gt"], True) if "Gt" in found else None
    high = found["Le"] if "Le" in found else step(found["Lt"], False) if "Lt" in found else None
    if low is None or high is None:
        side = "lower" if low is None else "upper"
        raise ValueError(f"{what} {path!r} has no {side} bound in the schema: give its range, "
                         f"e.g. {{{path!r}: (low, high)}}")
    return (int(low), int(high)) if annotation is int else (float(low), float(high))


def _leaf(scenario: Scenario, path: str, what: str) -> tuple[Any, list[Any]]:
    """The type (without None) and the constraints of the field at dotted `path`, walking sections,
    tables of sections (clients.tiers.<tier>) and tables of numbers (clients.domains.<domain>)."""
    if not isinstance(path, str) or not path:
        raise ValueError(f"{what} parameters are dotted scenario paths like 'training.interval_days', got {path!r}")
    node: Any = scenario
    annotation: Any = None
    metadata: list[Any] = []
    for part in path.split("."):
        if isinstance(node, BaseModel) and part in type(node).model_fields:
            info = type(node).model_fields[part]
            annotation, metadata, node = info.annotation, list(info.metadata), getattr(node, part)
        elif isinstance(node, dict) and part in node:
            annotation, metadata = _value_type(annotation)
            node = node[part]
        else:
            raise ValueError(_no_field(scenario, path, what))
    if isinstance(node, BaseModel) or (isinstance(node, dict) and node):
        raise ValueError(f"{what} {path!r} is a section of the scenario, not a field: name one of its fields, "
                         f"such as {next(iter(flat_paths({path: _as_data(node)})))!r}")
    return _without_none(annotation), metadata


def _value_type(annotation: Any) -> tuple[Any, list[Any]]:
    """The type of a table's values (dict[str, X]) and its constraints, when X is Annotated."""
    args = get_args(annotation)
    value = args[1] if len(args) == 2 else None
    if get_origin(value) is Annotated:
        inner, *extras = get_args(value)
        return inner, [m for extra in extras for m in getattr(extra, "metadata", [extra])]
    return value, []


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _as_data(node: Any) -> Any:
    if isinstance(node, BaseModel):
        return node.model_dump()
    return {k: _as_data(v) for k, v in node.items()} if isinstance(node, dict) else node


def _no_field(scenario: Scenario, path: str, what: str) -> str:
    paths = list(flat_paths(scenario.to_dict()))
    close = difflib.get_close_matches(path, paths, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(map(repr, close))}?" if close else "; see simbranch.levers() for the paths"
    return f"{what} {path!r} is no field of a scenario{hint}"
