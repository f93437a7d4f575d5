"""Scenarios: the validated, frozen description of one branch and its management levers.

A scenario is a tree of frozen pydantic models. Every field has a default, a unit in its
description and a range, so a TOML file only states what differs from the defaults and an
editor can complete it from the JSON Schema (`simbranch schema`). Anything wrong in a file,
an override or a policy raises one `ScenarioError` that names the file, the dotted field path,
the value given and what is allowed.
"""

from __future__ import annotations

import copy
import json
import stat
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from simbranch.core_sections import (
    BranchConfig,
    ClientsConfig,
    CostsConfig,
    ManagersConfig,
    RequestsConfig,
    SalesConfig,
)
from simbranch.lever_sections import (
    AllocationConfig,
    AssessmentConfig,
    CareersConfig,
    CommunicationConfig,
    IncentivesConfig,
    SurveysConfig,
    TrainingConfig,
    WellbeingConfig,
)
from simbranch.sections import Section

__all__ = [
    "LEVER_SECTIONS",
    "Policy",
    "Scenario",
    "ScenarioError",
    "load_policy",
    "load_scenario",
    "load_scenario_text",
    "scenario_json_schema",
]


class ScenarioError(ValueError):
    """A scenario, policy or override that cannot be used, with every problem found.

    `problems` holds one `(path, value, message)` triple per problem; `source` is the file or
    the kind of input ("override", "policy ...") the problems were found in.
    """

    def __init__(self, source: str, problems: list[tuple[str, Any, str]]):
        self.source = source
        self.problems = problems
        lines = [f"{source}: {len(problems)} problem{'s' if len(problems) != 1 else ''}"]
        for path, value, message in problems:
            where = path or "(top level)"
            shown = _show_value(value)
            lines.append(f"  {where}" + (f" = {shown}" if shown is not None else "") + f": {message}")
        # One line per problem: a quoted TOML key (or a key in a message) may hold a line break or an
        # escape sequence; show such characters escaped.
        super().__init__("\n".join(_printable(line) for line in lines))


def _printable(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _show_value(value: Any) -> str | None:
    if value is _MISSING:
        return None
    if isinstance(value, Mapping):
        return "{table}" if value else "{}"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


_MISSING = object()


# --------------------------------------------------------------------------- levers


#: Sections a policy file may hold: the management levers of the source document.
LEVER_SECTIONS: tuple[str, ...] = (
    "allocation", "training", "assessment", "incentives", "surveys", "careers", "communication", "wellbeing",
)


class Scenario(Section):
    """One branch and its levers. Build with `load_scenario` or `Scenario()` for the defaults."""

    branch: BranchConfig = Field(default_factory=BranchConfig, description="Clock and horizon [section]")
    clients: ClientsConfig = Field(default_factory=ClientsConfig, description="The client book [section]")
    requests: RequestsConfig = Field(default_factory=RequestsConfig, description="Requests [section]")
    managers: ManagersConfig = Field(default_factory=ManagersConfig, description="Account managers [section]")
    sales: SalesConfig = Field(default_factory=SalesConfig, description="Sales conversion [section]")
    costs: CostsConfig = Field(default_factory=CostsConfig, description="Costs [section]")
    allocation: AllocationConfig = Field(
        default_factory=AllocationConfig, description="Lever 1: client allocation [section]"
    )
    training: TrainingConfig = Field(default_factory=TrainingConfig, description="Lever 2: training [section]")
    assessment: AssessmentConfig = Field(
        default_factory=AssessmentConfig, description="Lever 2: periodic assessment [section]"
    )
    incentives: IncentivesConfig = Field(
        default_factory=IncentivesConfig, description="Lever 3: evaluation and incentives [section]"
    )
    surveys: SurveysConfig = Field(default_factory=SurveysConfig, description="Lever 4: client surveys [section]")
    careers: CareersConfig = Field(default_factory=CareersConfig, description="Lever 5: career path [section]")
    communication: CommunicationConfig = Field(
        default_factory=CommunicationConfig, description="Lever 6: communication [section]"
    )
    wellbeing: WellbeingConfig = Field(
        default_factory=WellbeingConfig, description="Lever 7: mental-health support [section]"
    )

    @model_validator(mode="after")
    def _levers_fit_together(self) -> Scenario:
        if self.training.enabled and self.training.attendees == "lowest_assessed" and not self.assessment.enabled:
            raise ValueError(
                "training.attendees = 'lowest_assessed' needs assessment.enabled = true (someone must assess)"
            )
        if self.assessment.enabled and self.assessment.action == "training" and not self.training.enabled:
            raise ValueError("assessment.action = 'training' needs training.enabled = true")
        return self

    def to_dict(self) -> dict[str, Any]:
        """Plain nested dict of every value (TOML/JSON friendly)."""
        return self.model_dump(mode="json")

    def changes(self) -> dict[str, Any]:
        """The values that differ from the defaults, by dotted path (what makes this scenario itself)."""
        return flat_paths(_difference(self.to_dict(), Scenario().to_dict()))

    def __repr__(self) -> str:
        b = self.branch
        head = (f"Scenario {b.name!r}: {self.managers.count:,} AMs, {self.clients.count:,} clients, "
                f"{b.horizon_days} working days measured after {b.warmup_days} warm-up days")
        changed = self.changes()
        if not changed:
            return head + "; every other value the default"
        shown = [f"  {path} = {value!r}" for path, value in list(changed.items())[:_REPR_ROWS]]
        more = [f"  ... and {len(changed) - _REPR_ROWS} more (to_toml(minimal=True) lists them)"] \
            if len(changed) > _REPR_ROWS else []
        return "\n".join([f"{head}; {len(changed)} values differ from the defaults:", *shown, *more])

    def _repr_html_(self) -> str:
        from html import escape

        from simbranch.discover import levers

        changed = self.changes()
        known = {}
        for section in dict.fromkeys(path.split(".")[0] for path in changed):
            known.update({r.path: (r.default, r.unit, r.description) for r in levers(section).itertuples()})
        rows = "".join(
            f"<tr><td><code>{escape(path)}</code></td><td>{escape(repr(value))}</td>"
            f"<td>{escape(repr(known.get(path, ('', '', ''))[0]))}</td><td>{escape(known.get(path, ('', '', ''))[1])}"
            f"</td><td style='text-align:left'>{escape(known.get(path, ('', '', ''))[2])}</td></tr>"
            for path, value in changed.items())
        table = (f"<table><tr><th>changed</th><th>value</th><th>default</th><th>unit</th><th>what it is</th></tr>"
                 f"{rows}</table>" if changed else "<p>Every value is the default.</p>")
        head = escape(repr(self).splitlines()[0].split(";")[0])
        return (f"<b>{head}</b>{table}<details><summary>every value (TOML)</summary>"
                f"<pre>{escape(self.to_toml())}</pre></details>")

    def to_toml(self, minimal: bool = False) -> str:
        """The scenario as TOML that `load_scenario` reads back unchanged; `minimal` keeps only
        the values that differ from the defaults."""
        import tomli_w

        data = self.to_dict()
        if minimal:
            data = _difference(data, Scenario().to_dict())
        return tomli_w.dumps(data)

    def canonical_json(self) -> str:
        """A stable text form used for hashing and provenance (field order kept: the order of
        named tables such as tiers and levels is meaningful)."""
        return json.dumps(self.to_dict(), separators=(",", ":"))

    def with_overrides(self, overrides: Mapping[str, Any], *, source: str = "override") -> Scenario:
        """A new scenario with `{"dotted.path": value}` changes applied and validated again."""
        data = self.to_dict()
        problems: list[tuple[str, Any, str]] = []
        for path, value in overrides.items():
            problem = _set_dotted(data, path, value)
            if problem:
                problems.append((path if isinstance(path, str) else repr(path), value, problem))
        if problems:
            raise ScenarioError(source, problems)
        return _validate(data, source)

    def with_policy(self, policy: Policy) -> Scenario:
        """A new scenario with the policy's lever sections merged over this one's."""
        data = self.to_dict()
        _deep_merge(data, policy.levers)
        return _validate(data, f"policy {policy.name!r}" + (f" ({policy.source})" if policy.source else ""))

    def without_behaviour(self) -> Scenario:
        """The same branch with every behavioural mechanism switched off."""
        return self.with_overrides({path: False for path in BEHAVIOUR_SWITCHES})


#: Every switch of a behavioural mechanism in the core model (all on in the defaults).
BEHAVIOUR_SWITCHES: tuple[str, ...] = (
    "clients.churn.enabled",
    "clients.inflow.enabled",
    "clients.satisfaction.enabled",
    "clients.relationships.enabled",
    "requests.complaints_follow_satisfaction",
    "managers.skill_effects.enabled",
    "managers.learning.enabled",
    "managers.decay.enabled",
    "managers.workday.enabled",
    "managers.stress.enabled",
    "managers.exhaustion.enabled",
    "managers.absence.enabled",
    "managers.motivation.enabled",
    "managers.turnover.enabled",
)


class Policy(BaseModel):
    """A named set of lever settings, merged over a scenario with `Scenario.with_policy`."""

    model_config = ConfigDict(frozen=True)

    name: str
    levers: dict[str, Any] = Field(default_factory=dict)
    description: str = ""
    source: str = ""

    def apply(self, scenario: Scenario) -> Scenario:
        return scenario.with_policy(self)

    def to_flat(self) -> dict[str, Any]:
        """The levers as dotted paths ({"training.enabled": True, ...}), the flat form that
        `--set`, sweeps, EMA Workbench and SALib use."""
        return flat_paths(self.levers)

    @classmethod
    def from_flat(cls, name: str, levers: Mapping[str, Any], description: str = "") -> Policy:
        """A policy from dotted lever paths (`to_flat`'s form): `Policy.from_flat("p", {"training.enabled":
        True})` equals `Policy(name="p", levers={"training": {"enabled": True}})`."""
        nested: dict[str, Any] = {}
        for path, value in levers.items():
            *parents, leaf = str(path).split(".")
            node = nested
            for part in parents:
                node = node.setdefault(part, {})
                if not isinstance(node, dict):
                    raise ValueError(f"lever path {path!r} runs through {part!r}, which already has a value")
            node[leaf] = value
        return cls(name=name, levers=nested, description=description)

    def __repr__(self) -> str:
        from simbranch import meanings

        label = meanings.label(self.name, default="")
        head = f"Policy {self.name!r}" + (f" ({label})" if label and label != self.name else "")
        flat = self.to_flat()
        return head + (": " + "; ".join(f"{k} = {v!r}" for k, v in flat.items()) if flat else ": the scenario's "
                       "own levers")

    def _repr_html_(self) -> str:
        from html import escape

        rows = "".join(f"<tr><td><code>{escape(k)}</code></td><td>{escape(repr(v))}</td></tr>"
                       for k, v in self.to_flat().items())
        text = f"<b>{escape(repr(self).split(':')[0])}</b>"
        if self.description:
            text += f": {escape(self.description)}"
        return text + (f"<table><tr><th>lever</th><th>value</th></tr>{rows}</table>" if rows else "")


# --------------------------------------------------------------------------- loading


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file."""
    source = str(path)
    return _validate(_read_toml(path), source)


def load_scenario_text(text: str, source: str = "<text>") -> Scenario:
    """Validate a scenario given as TOML text (`source` names it in error messages)."""
    if len(text) > MAX_FILE_BYTES:
        raise ScenarioError(source, [("", _MISSING, f"is longer than {MAX_FILE_BYTES:,} characters; a scenario "
                                                    "is a few KB")])
    return _validate(parse_toml(text.removeprefix("\ufeff"), source), source)


def _package_folder(name: str) -> Path:
    """A folder of data shipped inside the package, found through `importlib.resources`: in a wheel
    installed into site-packages, an editable install and a source checkout alike (a path relative to
    the repository would point outside site-packages once simbranch is installed)."""
    found = resources.files("simbranch") / name
    if not isinstance(found, Path):  # the package is not on the file system (e.g. imported from a zip)
        raise RuntimeError(f"simbranch's data folder {name!r} is not on the file system ({found}); install "
                           "simbranch with pip so that its scenario files are unpacked")
    return found.resolve()


#: The scenario files shipped with simbranch (package data, `simbranch/scenarios/` in the repository):
#: `baseline.toml`, `policies/` (the presets), `validation/` (analytic queueing cases) and
#: `observed/example.toml` (a fictional branch's observed KPIs).
SCENARIOS = _package_folder("scenarios")
#: The default branch, `simbranch/scenarios/baseline.toml` (`load_scenario(BASELINE)`).
BASELINE = SCENARIOS / "baseline.toml"
#: Folder of the named policies of the source document (`simbranch/scenarios/policies`).
PRESETS = SCENARIOS / "policies"


def preset_names() -> list[str]:
    """The names of the preset policies (`load_policy` and `compare` take them)."""
    return sorted(path.stem for path in PRESETS.glob("*.toml"))


def load_policy(path: str | Path) -> Policy:
    """Read a policy TOML file (lever sections only, plus an optional `[policy]` name/description), or
    a preset by its name (`load_policy("crm_routing")`; `preset_names()` lists them)."""
    if not Path(path).suffix and not Path(path).exists():
        if (PRESETS / f"{path}.toml").is_file():
            path = PRESETS / f"{path}.toml"
        else:
            raise ScenarioError(str(path), [("", _MISSING, "neither a policy file nor a preset name; presets: "
                                             + ", ".join(preset_names()))])
    source = str(path)
    data = _read_toml(path)
    meta = data.pop("policy", {})
    problems: list[tuple[str, Any, str]] = []
    if not isinstance(meta, dict):
        problems.append(("policy", meta, "must be a table with name and description"))
        meta = {}
    for key in meta:
        if key not in ("name", "description"):
            problems.append((f"policy.{key}", meta[key], "unknown key; allowed: name, description"))
    for key in ("name", "description"):
        if key in meta and not isinstance(meta[key], str):
            problems.append((f"policy.{key}", meta[key], "must be text"))
    for key in data:
        if key not in LEVER_SECTIONS:
            allowed = ", ".join((*LEVER_SECTIONS, "policy"))
            problems.append((key, data[key], f"a policy holds lever sections only; allowed: {allowed}"))
    if problems:
        raise ScenarioError(source, problems)
    policy = Policy(
        name=meta.get("name") or Path(path).stem,
        levers=data,
        description=meta.get("description", ""),
        source=source,
    )
    Scenario().with_policy(policy)  # the levers must validate on their own
    return policy


def scenario_json_schema() -> dict[str, Any]:
    """JSON Schema of the scenario format, for editors and other tools."""
    schema = Scenario.model_json_schema()
    schema["title"] = "simbranch scenario"
    return schema


#: Largest scenario, policy or observed-data file read: a scenario with every field written out is
#: about 12 KB, so 1 MB is far above any real one and small enough to refuse before reading more.
MAX_FILE_BYTES = 1_000_000


def read_file_bytes(path: str | Path) -> bytes:
    """The bytes of a scenario, policy or observed-data file, read only if it is a regular file of at
    most `MAX_FILE_BYTES` (a device such as /dev/zero, a pipe or a huge file is refused before
    reading, with a ScenarioError naming the file)."""
    source, p = str(path), Path(path)
    try:
        mode = p.stat().st_mode
        if stat.S_ISDIR(mode):
            raise ScenarioError(source, [("", _MISSING, "is a directory, not a TOML file")])
        if not stat.S_ISREG(mode):
            raise ScenarioError(source, [("", _MISSING, "is not a regular file (a device, pipe or socket); "
                                                        "a scenario is a TOML file")])
        with p.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError(source, [("", _MISSING, "file not found")]) from None
    except OSError as exc:
        raise ScenarioError(source, [("", _MISSING, f"cannot be read: {exc.strerror}")]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(source, [("", _MISSING, f"is larger than {MAX_FILE_BYTES:,} bytes; a scenario file "
                                                    "is a few KB")])
    return raw


def parse_toml(text: str, source: str) -> dict[str, Any]:
    """TOML text as a dict, or a ScenarioError naming `source` (invalid TOML, or nested so deep that
    no scenario could be: tomllib would exhaust Python's recursion limit)."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(source, [("", _MISSING, f"is not valid TOML: {exc}")]) from None
    except RecursionError:
        raise ScenarioError(source, [("", _MISSING, "is nested too deep to be a scenario")]) from None


def _read_toml(path: str | Path) -> dict[str, Any]:
    source = str(path)
    raw = read_file_bytes(path)
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark, as some Windows editors write, is fine
    except UnicodeDecodeError:
        raise ScenarioError(source, [("", _MISSING, "is not UTF-8 text; a scenario is a TOML file")]) from None
    return parse_toml(text, source)


def _validate(data: Mapping[str, Any], source: str) -> Scenario:
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(source, _problems(exc, data)) from None


def _problems(exc: ValidationError, data: Mapping[str, Any]) -> list[tuple[str, Any, str]]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = [str(part) for part in err["loc"]]
        path = ".".join(loc)
        message = err["msg"].removeprefix("Value error, ")
        value = err.get("input", _MISSING)
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(loc[:-1])
            message = "unknown key"
            if loc == ["policy"]:  # a policy file given where a scenario belongs
                message += " ([policy] makes this a policy file: give it to load_policy or --policy)"
            message += f"; allowed: {', '.join(allowed)}" if allowed else ""
        elif err["type"] in ("model_type", "model_attributes_type", "dict_type"):
            message = "must be a table (a [section] in TOML)"
        problems.append((path, value, message))
    return problems


def _model_at_value(annotation: Any) -> type[BaseModel] | None:
    """The section type of the values of a `dict[str, Section]` annotation."""
    args = getattr(annotation, "__args__", ())
    value = args[-1] if args else None
    return value if isinstance(value, type) and issubclass(value, BaseModel) else None


def _allowed_keys(loc: list[str]) -> list[str]:
    model: Any = Scenario
    for part in loc:
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = model.model_fields.get(part)
            if field is None:
                return []
            model = field.annotation
        else:  # a dict of sections: `part` is a user key, step into the value type
            model = _model_at_value(model)
            if model is None:
                return []
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def _set_dotted(data: dict[str, Any], path: str, value: Any) -> str | None:
    """Set `path` in nested `data`; return a message if the path does not name a field."""
    if not isinstance(path, str) or not path or any(not p for p in path.split(".")):
        return "not a dotted field path like 'clients.count'"
    parts = path.split(".")
    node: Any = data
    walked: list[str] = []
    for part in parts[:-1]:
        if isinstance(node, dict) and part in node and not isinstance(node[part], dict):
            value_path = ".".join([*walked, part])
            return f"{value_path!r} is a value, not a table, so it has no field {parts[len(walked) + 1]!r}"
        if not isinstance(node, dict) or part not in node:
            return _no_such(walked, part, node)
        node = node[part]
        walked.append(part)
    leaf = parts[-1]
    if not isinstance(node, dict):
        return _no_such(walked, leaf, node)
    if leaf not in node and _allowed_keys(walked):
        return _no_such(walked, leaf, node)
    if hasattr(value, "item") and type(value).__module__ == "numpy" and getattr(value, "ndim", None) == 0:
        value = value.item()  # a NumPy scalar (np.arange, a frame's cell) is its Python number
    try:
        node[leaf] = copy.deepcopy(value)
    except Exception:  # a generator, a lock, ...: validation refuses it as a wrong type
        node[leaf] = value
    return None


def _no_such(walked: list[str], part: str, node: Any) -> str:
    where = ".".join(walked) or "the top level"
    keys = _allowed_keys(walked) or (sorted(node) if isinstance(node, dict) else [])
    return f"no field {part!r} in {where}" + (f"; allowed: {', '.join(keys)}" if keys else "")


#: Rows of a scenario's text repr before "... and N more".
_REPR_ROWS = 25


def flat_paths(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested dict as dotted paths; an empty dict stays a value."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping) and value:
            out.update(flat_paths(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def _difference(data: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """The part of `data` that differs from `defaults`; tables of named entries are kept whole."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        default = defaults.get(key, _MISSING)
        if value == default:
            continue
        if isinstance(value, dict) and isinstance(default, dict) and set(value) == set(default):
            out[key] = _difference(value, default)
        else:
            out[key] = value
    return out


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> None:
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _deep_merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)

