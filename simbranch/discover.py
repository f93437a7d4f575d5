"""What there is to choose from: the preset policies, the levers (and every other scenario field)
with their types, defaults, allowed ranges, units and descriptions, and the KPIs.

The same tables back `simbranch policies`, `simbranch levers [SECTION]` and `simbranch kpis` on
the command line and `sb.policies()`, `sb.levers()`, `sb.kpis()` in Python, read from the
scenario's own schema (pydantic) and the registry of meanings, so they cannot drift from what a
scenario file accepts.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any, Literal, get_args, get_origin

import pandas as pd
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from simbranch import meanings

__all__ = ["PUBLIC_MODULES", "kpis", "levers", "policies", "public_api"]

#: The modules whose `__all__` is the public interface (the rest of the package is internal).
PUBLIC_MODULES = ("simbranch", "simbranch.analysis", "simbranch.interop", "simbranch.meanings", "simbranch.plots",
                  "simbranch.report", "simbranch.validation")

_UNIT = re.compile(r"\s*\[([^\]]*)\]\s*$")


def _sections() -> tuple[str, ...]:
    """Every section of a scenario, in the order of a scenario file."""
    from simbranch.scenario import Scenario

    return tuple(Scenario.model_fields)


def policies(lang: str = "en") -> pd.DataFrame:
    """Return the preset policies, one row each, with what each changes.

    The presets are the measures of the source document, shipped as policy files
    (`simbranch.scenario.PRESETS`); this is what ``simbranch policies`` prints.

    Parameters
    ----------
    lang : {"en", "zh"}, default "en"
        Language of the labels and descriptions.

    Returns
    -------
    pandas.DataFrame
        One row per preset, sorted by name, with columns ``name`` (what `compare`, `load_policy`
        and the CLI's ``--policy`` take), ``label``, ``description`` (in `lang`) and ``changes``
        (the levers it sets, as dotted paths).

    Raises
    ------
    ValueError
        If `lang` is not a language of the registry of meanings.

    Examples
    --------
    >>> import simbranch as sb
    >>> "crm_routing" in set(sb.policies()["name"])
    True
    """
    from simbranch.scenario import load_policy, preset_names

    rows = []
    for name in preset_names():
        policy = load_policy(name)
        rows.append({"name": name, "label": meanings.label(name, lang, default=name),
                     "description": _description(name, lang, policy.description),
                     "changes": "; ".join(f"{k} = {v}" for k, v in policy.to_flat().items())})
    return pd.DataFrame(rows, columns=["name", "label", "description", "changes"])


def levers(section: str | None = None, lang: str = "en") -> pd.DataFrame:
    """Return the fields of a scenario's sections, with their types, defaults, ranges and units.

    By default every lever of the article's measures (the lever sections), or every field of one
    `section` (a lever section or any other, e.g. "managers"). This is what ``simbranch levers``
    prints, read from the scenario's schema so that it cannot drift from what a file accepts.

    Parameters
    ----------
    section : str, optional
        A section of the scenario (`simbranch.scenario.Scenario`'s fields); None for every lever
        section.
    lang : {"en", "zh"}, default "en"
        Language of the `label` column (the descriptions are the schema's, in English).

    Returns
    -------
    pandas.DataFrame
        One row per field: `path` (dotted, as `--set` and overrides take it), `section`, `type`,
        `default`, `allowed` (range or choices), `unit`, `kind` ("lever": chosen by a policy;
        "coefficient": how people respond, with a source), `description` and `label` (what the
        field is called in figures and reports, in `lang`; "" for the few with no label).

    Raises
    ------
    ValueError
        If `section` is not a section of the scenario, or `lang` is not "en" or "zh".

    Examples
    --------
    >>> import simbranch as sb
    >>> frame = sb.levers("training")
    >>> "training.interval_days" in set(frame["path"])
    True
    >>> sb.levers("training", lang="zh").set_index("path").loc["training.enabled", "label"]
    '实施培训计划'
    """
    from simbranch import meanings
    from simbranch.scenario import LEVER_SECTIONS, Scenario

    if lang not in meanings.LANGS:
        raise ValueError(f"lang must be one of {', '.join(meanings.LANGS)}, got {lang!r}")

    sections = _sections()
    if section is not None and section not in sections:
        raise ValueError(f"no section {section!r} in a scenario; sections: {', '.join(sections)} "
                         f"(the lever sections: {', '.join(LEVER_SECTIONS)})")
    chosen = [section] if section is not None else list(LEVER_SECTIONS)
    rows: list[dict[str, Any]] = []
    for name in chosen:
        info = Scenario.model_fields[name]
        model = _model_of(info.annotation)
        if model is None:
            rows.append(_row(name, name, info))
            continue
        rows.extend(_rows(model, name, name))
    frame = pd.DataFrame(rows, columns=["path", "section", "type", "default", "allowed", "unit", "kind",
                                        "description"])
    return frame.assign(label=[meanings.parameter_label(path, lang, default="") for path in frame["path"]])


def kpis(lang: str = "en") -> pd.DataFrame:
    """Return every KPI a run reports, with its label, unit, better direction and number format.

    Parameters
    ----------
    lang : {"en", "zh"}, default "en"
        Language of the labels and units.

    Returns
    -------
    pandas.DataFrame
        One row per KPI of the default scenario (its tiers' KPIs included), in report order,
        with columns ``name``, ``label`` and ``unit`` (in `lang`), ``better`` ("higher",
        "lower" or "neither") and ``format``.

    Raises
    ------
    KeyError
        If `lang` is not "en" or "zh".

    Examples
    --------
    >>> import simbranch as sb
    >>> sb.kpis().set_index("name").loc["wait_mean_h", "better"]
    'lower'
    """
    frame = meanings.kpis()
    return pd.DataFrame({"name": frame["name"], "label": frame[f"label_{lang}"], "unit": frame[f"unit_{lang}"],
                         "better": frame["better"], "format": frame["format"]})


def public_api() -> dict[str, Any]:
    """Every public function, class, method and property, by the dotted name a user writes.

    The public interface is the `__all__` of each module in `PUBLIC_MODULES`; a class brings its own
    public methods and properties (not those it inherits, e.g. from pydantic). Constants and
    modules are left out. The documentation's API reference and the docstring checks read this.

    Returns
    -------
    dict of str to object
        From a dotted name ("simbranch.Comparison.paired") to the object, in the order of the
        modules and their `__all__`; an object exported twice keeps its first name.

    Examples
    --------
    >>> from simbranch.discover import public_api
    >>> api = public_api()
    >>> "simbranch.compare" in api and "simbranch.Comparison.paired" in api
    True
    """
    import importlib
    import inspect

    api: dict[str, Any] = {}
    seen: set[int] = set()
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)) or id(obj) in seen:
                continue
            seen.add(id(obj))
            api[f"{module_name}.{name}"] = obj
            if inspect.isclass(obj):
                for attr, value in vars(obj).items():
                    if attr.startswith("_"):
                        continue
                    if isinstance(value, property):
                        api[f"{module_name}.{name}.{attr}"] = value
                    elif inspect.isfunction(getattr(value, "__func__", value)):  # classmethods bound to the class
                        api[f"{module_name}.{name}.{attr}"] = getattr(obj, attr)
    return api


# --------------------------------------------------------------------------- schema walking


def _description(name: str, lang: str, fallback: str) -> str:
    try:
        return meanings.description(name, lang)
    except meanings.UnknownName:
        return fallback


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def _rows(model: type[BaseModel], prefix: str, section: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for name, info in model.model_fields.items():
        path = f"{prefix}.{name}"
        nested = _model_of(info.annotation)
        if nested is not None:
            rows.extend(_rows(nested, path, section))
            continue
        rows.append(_row(path, section, info))
    return rows


def _row(path: str, section: str, info: FieldInfo) -> dict[str, Any]:
    description = info.description or ""
    unit_match = _UNIT.search(description)
    unit = unit_match.group(1) if unit_match else ""
    text = _UNIT.sub("", description)
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    default = info.get_default(call_default_factory=True)
    if isinstance(default, BaseModel):
        default = default.model_dump()
    return {"path": path, "section": section, "type": _type_name(info.annotation), "default": default,
            "allowed": _allowed(info), "unit": unit, "kind": "coefficient" if "source" in extra else "lever",
            "description": text}


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is Literal:
        return "choice"
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_type_name(a) for a in get_args(annotation) if a is not type(None))
    if origin is not None:
        return getattr(origin, "__name__", str(origin))
    return getattr(annotation, "__name__", str(annotation))


def _allowed(info: FieldInfo) -> str:
    if get_origin(info.annotation) is Literal:
        return ", ".join(map(str, get_args(info.annotation)))
    inner = get_args(info.annotation)
    if get_origin(info.annotation) in (list, tuple) and inner and get_origin(inner[0]) is Literal:
        return "any of " + ", ".join(map(str, get_args(inner[0])))
    bounds = {name: getattr(m, name.lower()) for m in info.metadata for name in ("Ge", "Gt", "Le", "Lt")
              if type(m).__name__ == name}
    low = (f">= {bounds['Ge']}" if "Ge" in bounds else f"> {bounds['Gt']}" if "Gt" in bounds else "")
    high = (f"<= {bounds['Le']}" if "Le" in bounds else f"< {bounds['Lt']}" if "Lt" in bounds else "")
    if info.annotation is bool:
        return "true, false"
    return " and ".join(p for p in (low, high) if p)
