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

    Every way of building a scenario or a policy (`load_scenario`, `load_scenario_text`,
    `load_policy`, `Scenario.with_overrides`, `Scenario.with_policy`, observed data) collects all
    the problems of its input and raises them together, so a user fixes a file in one pass. The
    message has one line per problem: the dotted field path, the value given and what is allowed
    (the first `MAX_SHOWN_PROBLEMS`, then how many more: a file of 100,000 unknown tables would
    otherwise print megabytes; `problems` holds them all). It is a `ValueError`, so code that
    catches bad values catches it too.

    Parameters
    ----------
    source : str
        The file or the kind of input the problems were found in ("override", "policy ...").
    problems : list of tuple of (str, object, str)
        One ``(path, value, message)`` triple per problem: the dotted field path ("" for the whole
        input), the value given and what is wrong with it.

    Raises
    ------
    ValueError
        If an entry of `problems` is not a triple (it cannot be unpacked into path, value, message).
    TypeError
        If `problems` is not iterable.

    Examples
    --------
    >>> import simbranch as sb
    >>> try:
    ...     sb.Scenario().with_overrides({"clients.count": -5})
    ... except sb.ScenarioError as error:
    ...     print(error.source, error.problems[0][:2])
    override ('clients.count', -5)
    """

    def __init__(self, source: str, problems: list[tuple[str, Any, str]]):
        self.source = source
        self.problems = problems
        lines = [f"{source}: {len(problems)} problem{'s' if len(problems) != 1 else ''}"]
        for path, value, message in problems[:MAX_SHOWN_PROBLEMS]:
            where = path or "(top level)"
            shown = _show_value(value)
            lines.append(f"  {where}" + (f" = {shown}" if shown is not None else "") + f": {message}")
        if len(problems) > MAX_SHOWN_PROBLEMS:
            lines.append(f"  ... and {len(problems) - MAX_SHOWN_PROBLEMS:,} more problems of the same input")
        # One line per problem: a quoted TOML key (or a key in a message) may hold a line break or an
        # escape sequence; show such characters escaped.
        super().__init__("\n".join(_printable(line) for line in lines))


#: Problems a `ScenarioError` message lists one per line before it says how many more there are.
MAX_SHOWN_PROBLEMS = 100


def _printable(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _show_value(value: Any) -> str | None:
    if value is _MISSING:
        return None
    if isinstance(value, Mapping):
        return "{table}" if value else "{}"
    try:
        text = repr(value)
    except RecursionError:  # a list nested hundreds deep: its repr would exhaust the stack
        return f"(a {type(value).__name__} nested too deep to show)"
    except Exception:  # an object whose repr fails must not hide the problem found with it
        return f"(a {type(value).__name__} that cannot be shown)"
    return text if len(text) <= 80 else text[:77] + "..."


_MISSING = object()


# --------------------------------------------------------------------------- levers


#: Sections a policy file may hold: the management levers of the source document.
LEVER_SECTIONS: tuple[str, ...] = (
    "allocation", "training", "assessment", "incentives", "surveys", "careers", "communication", "wellbeing",
)


class Scenario(Section):
    """One branch and its levers: the validated, frozen input of a run.

    Build one with `load_scenario` (a TOML file), `load_scenario_text`, or ``Scenario()`` for the
    defaults; derive others with `with_overrides` and `with_policy`, which validate again and raise
    a `ScenarioError` that names every problem. Each section is a frozen pydantic model whose
    fields have a default, a unit and a range (`simbranch.levers` lists them), so a file states
    only what differs from the defaults. The levers must fit together: targeted training needs
    assessment, and assessment that sends AMs to training needs training.

    Parameters
    ----------
    branch : BranchConfig or dict, optional
        Clock and horizon: working hours per day, days per year, measured and warm-up days.
    clients : ClientsConfig or dict, optional
        The client book: count, tiers, domains, churn, inflow, satisfaction and relationships.
    requests : RequestsConfig or dict, optional
        Request types, their service times, priorities, complaints and patience.
    managers : ManagersConfig or dict, optional
        Account managers: count, levels, skills, workday, stress, exhaustion, absence,
        motivation, turnover and hiring.
    sales : SalesConfig or dict, optional
        Sales conversion.
    costs : CostsConfig or dict, optional
        Costs beyond salaries.
    allocation : AllocationConfig or dict, optional
        Lever 1: client allocation (the rule, a portfolio cap, cover, rebalancing, CRM follow-up).
    training : TrainingConfig or dict, optional
        Lever 2: training.
    assessment : AssessmentConfig or dict, optional
        Lever 2: periodic assessment.
    incentives : IncentivesConfig or dict, optional
        Lever 3: evaluation and incentives.
    surveys : SurveysConfig or dict, optional
        Lever 4: client surveys.
    careers : CareersConfig or dict, optional
        Lever 5: career path.
    communication : CommunicationConfig or dict, optional
        Lever 6: communication.
    wellbeing : WellbeingConfig or dict, optional
        Lever 7: mental-health support.

    Raises
    ------
    pydantic.ValidationError
        If a value is of the wrong type or out of its range, a key is unknown, or the levers do
        not fit together (`load_scenario` and `with_overrides` raise these as a `ScenarioError`).

    Examples
    --------
    >>> import simbranch as sb
    >>> scenario = sb.Scenario(clients={"count": 500})
    >>> scenario.clients.count, scenario.managers.count
    (500, 40)
    >>> scenario.changes()
    {'clients.count': 500}
    """

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
        """Return every value as a plain nested dict (TOML and JSON friendly).

        Returns
        -------
        dict of str to object
            One entry per section, each a dict of its fields; only plain values (str, numbers,
            bools, lists, dicts), so it can be written as TOML or JSON and validated back.

        Examples
        --------
        >>> import simbranch as sb
        >>> data = sb.Scenario().to_dict()
        >>> data["managers"]["count"], sb.Scenario.model_validate(data) == sb.Scenario()
        (40, True)
        """
        return self.model_dump(mode="json")

    def changes(self) -> dict[str, Any]:
        """Return the values that differ from the defaults, by dotted path.

        They are what makes this scenario itself: what a report shows and ``to_toml(minimal=True)``
        writes. A table of named entries (``clients.tiers``, ``managers.levels``) that differs in
        its names is given whole.

        Returns
        -------
        dict of str to object
            From a dotted path ("clients.count") to its value, in the order of the scenario's
            fields; empty for the default scenario.

        Examples
        --------
        >>> import simbranch as sb
        >>> sb.Scenario().with_overrides({"clients.count": 500, "training.enabled": True}).changes()
        {'clients.count': 500, 'training.enabled': True}
        """
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
        """Return the scenario as TOML text that `load_scenario` reads back unchanged.

        Parameters
        ----------
        minimal : bool, default False
            Keep only the values that differ from the defaults (what a hand-written file would
            hold) rather than every value.

        Returns
        -------
        str
            The TOML text, one table per section.

        Raises
        ------
        TypeError
            Only if a value had no TOML form, which no field of a validated scenario has.

        Examples
        --------
        >>> import simbranch as sb
        >>> print(sb.Scenario().with_overrides({"clients.count": 500}).to_toml(minimal=True))
        [clients]
        count = 500
        <BLANKLINE>
        >>> text = sb.Scenario().to_toml()
        >>> sb.load_scenario_text(text) == sb.Scenario()
        True
        """
        import tomli_w

        data = self.to_dict()
        if minimal:
            data = _difference(data, Scenario().to_dict())
        return tomli_w.dumps(data)

    def canonical_json(self) -> str:
        """Return a stable text form of the scenario, for hashing and provenance.

        The field order is kept rather than sorted: the order of named tables such as tiers and
        levels is meaningful, so two scenarios that differ in it are different scenarios.

        Returns
        -------
        str
            Compact JSON of `to_dict`, the same for equal scenarios.

        Examples
        --------
        >>> import simbranch as sb
        >>> sb.Scenario().canonical_json() == sb.Scenario().canonical_json()
        True
        >>> sb.Scenario().canonical_json()[:10]
        '{"branch":'
        """
        return json.dumps(self.to_dict(), separators=(",", ":"))

    def with_overrides(self, overrides: Mapping[str, Any], *, source: str = "override") -> Scenario:
        """Return a new scenario with ``{"dotted.path": value}`` changes applied and validated again.

        This is how ``--set`` on the command line, sweeps and calibrations change a scenario: the
        paths are those `simbranch.levers` lists, and the scenario itself is left unchanged (it is
        frozen).

        Parameters
        ----------
        overrides : mapping of str to object
            From a dotted field path ("clients.count") to its new value; a whole table may be
            given as a dict. A NumPy scalar is taken as its Python number.
        source : str, default "override"
            What the overrides are called in an error message.

        Returns
        -------
        Scenario
            The changed scenario.

        Raises
        ------
        ScenarioError
            If a path names no field, or a value is of the wrong type, out of its range, or leaves
            the levers not fitting together; every problem is listed.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = sb.Scenario().with_overrides({"clients.count": 100, "branch.horizon_days": 5})
        >>> tiny.clients.count, tiny.branch.horizon_days
        (100, 5)
        >>> try:
        ...     sb.Scenario().with_overrides({"clients.cont": 100})
        ... except sb.ScenarioError as error:
        ...     print(error)
        override: 1 problem
          clients.cont = 100: no field 'cont' in clients; allowed: count, ...
        """
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
        """Return a new scenario with the policy's lever sections merged over this one's.

        The policy sets only the lever fields it names; every other value, the scenario's own
        lever settings included, stays as it is.

        Parameters
        ----------
        policy : Policy
            The lever settings to apply (`load_policy` reads one, or a preset by its name).

        Returns
        -------
        Scenario
            The scenario under the policy.

        Raises
        ------
        ScenarioError
            If the merged levers do not validate (a wrong value, an unknown field, or levers that
            do not fit together), naming the policy and its file.

        Examples
        --------
        >>> import simbranch as sb
        >>> policy = sb.Policy(name="train", levers={"training": {"enabled": True}})
        >>> sb.Scenario().with_policy(policy).changes()
        {'training.enabled': True}
        """
        data = self.to_dict()
        _deep_merge(data, policy.levers)
        return _validate(data, f"policy {policy.name!r}" + (f" ({policy.source})" if policy.source else ""))

    def without_behaviour(self) -> Scenario:
        """Return the same branch with every behavioural mechanism switched off.

        Without churn, inflow, satisfaction, relationships, skill effects, learning, decay, the
        workday, stress, exhaustion, absence, motivation and turnover (`BEHAVIOUR_SWITCHES`), the
        branch is a plain queueing system: the analytic cases of `simbranch.validation` start
        from it.

        Returns
        -------
        Scenario
            The scenario with each switch of `BEHAVIOUR_SWITCHES` set to False.

        Examples
        --------
        >>> import simbranch as sb
        >>> plain = sb.Scenario().without_behaviour()
        >>> plain.managers.stress.enabled, len(plain.changes())
        (False, 14)
        """
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
    """A named set of lever settings, merged over a scenario with `Scenario.with_policy`.

    A policy holds only lever sections (`LEVER_SECTIONS`: allocation, training, assessment,
    incentives, surveys, careers, communication, wellbeing), so the same policy applies to any
    branch. `load_policy` reads one from a file or a preset name and checks that its levers
    validate; a policy built here is checked when it is applied.

    Parameters
    ----------
    name : str
        The policy's name, as tables, figures and reports show it.
    levers : dict of str to object, optional
        The lever settings as nested sections, ``{"training": {"enabled": True}}``; empty for the
        scenario's own levers (the baseline).
    description : str, optional
        What the policy does, in a sentence.
    source : str, optional
        The file it was read from ("" if built in code).

    Raises
    ------
    pydantic.ValidationError
        If `name`, `description` or `source` is not text, or `levers` is not a dict.

    Examples
    --------
    >>> import simbranch as sb
    >>> policy = sb.Policy(name="train", levers={"training": {"enabled": True}})
    >>> policy
    Policy 'train': training.enabled = True
    >>> policy.apply(sb.Scenario()).training.enabled
    True
    """

    model_config = ConfigDict(frozen=True)

    name: str
    levers: dict[str, Any] = Field(default_factory=dict)
    description: str = ""
    source: str = ""

    def apply(self, scenario: Scenario) -> Scenario:
        """Return `scenario` under this policy (the same as ``scenario.with_policy(policy)``).

        Parameters
        ----------
        scenario : Scenario
            The branch to apply the levers to.

        Returns
        -------
        Scenario
            A new scenario with this policy's lever sections merged over the scenario's.

        Raises
        ------
        ScenarioError
            If the merged levers do not validate.

        Examples
        --------
        >>> import simbranch as sb
        >>> policy = sb.load_policy("crm_routing")
        >>> policy.apply(sb.Scenario()).allocation.rule
        'crm'
        """
        return scenario.with_policy(self)

    def to_flat(self) -> dict[str, Any]:
        """Return the levers as dotted paths, the flat form ``--set``, sweeps, EMA Workbench and SALib use.

        Returns
        -------
        dict of str to object
            From a dotted lever path to its value, ``{"training.enabled": True, ...}``;
            `from_flat` turns it back into a policy.

        Examples
        --------
        >>> import simbranch as sb
        >>> sb.Policy(name="p", levers={"training": {"enabled": True, "interval_days": 21}}).to_flat()
        {'training.enabled': True, 'training.interval_days': 21}
        """
        return flat_paths(self.levers)

    @classmethod
    def from_flat(cls, name: str, levers: Mapping[str, Any], description: str = "") -> Policy:
        """Build a policy from dotted lever paths, the form `to_flat` gives.

        Parameters
        ----------
        name : str
            The policy's name.
        levers : mapping of str to object
            From a dotted lever path ("training.enabled") to its value.
        description : str, optional
            What the policy does.

        Returns
        -------
        Policy
            The policy with the paths nested into sections (not yet validated against a scenario:
            `Scenario.with_policy` does that).

        Raises
        ------
        ValueError
            If a path runs through another path's value ("training" and "training.enabled").
        pydantic.ValidationError
            If `name` or `description` is not text.

        Examples
        --------
        >>> import simbranch as sb
        >>> policy = sb.Policy.from_flat("p", {"training.enabled": True})
        >>> policy == sb.Policy(name="p", levers={"training": {"enabled": True}})
        True
        """
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
    """Read and validate a scenario TOML file.

    The file states only what differs from the defaults (`Scenario.to_toml` writes one back).
    Everything wrong in it is reported at once, each problem with its dotted path, the value
    given and what is allowed.

    Parameters
    ----------
    path : str or pathlib.Path
        The TOML file; `BASELINE` is the default branch shipped with simbranch.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        If the file is missing, not a regular file, larger than `MAX_FILE_BYTES`, not UTF-8, not
        valid TOML, or holds an unknown key or a value of the wrong type or out of its range.

    Examples
    --------
    >>> import simbranch as sb
    >>> scenario = sb.load_scenario(sb.BASELINE)
    >>> scenario.managers.count > 0
    True
    >>> tiny = scenario.with_overrides({"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100})
    >>> tiny.clients.count
    100
    """
    source = str(path)
    return _validate(_read_toml(path), source)


def load_scenario_text(text: str, source: str = "<text>") -> Scenario:
    """Validate a scenario given as TOML text.

    The text form of `load_scenario`, for a scenario held in a notebook cell, a web form or a
    database rather than a file; a leading byte-order mark is ignored.

    Parameters
    ----------
    text : str
        The scenario's TOML.
    source : str, default "<text>"
        What the text is called in error messages.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        If the text is longer than `MAX_FILE_BYTES` characters, is not valid TOML, or holds an
        unknown key or a value of the wrong type or out of its range.

    Examples
    --------
    >>> import simbranch as sb
    >>> scenario = sb.load_scenario_text('''
    ... [clients]
    ... count = 100
    ... ''')
    >>> scenario.changes()
    {'clients.count': 100}
    >>> try:
    ...     sb.load_scenario_text("[clients]\\ncount = 'many'", source="my cell")
    ... except sb.ScenarioError as error:
    ...     print(error)
    my cell: 1 problem
      clients.count = 'many': Input should be a valid integer
    """
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
    """Read a policy TOML file, or a preset policy by its name.

    A policy file holds lever sections only (`LEVER_SECTIONS`), plus an optional ``[policy]``
    table with a ``name`` and a ``description``; without a name, the policy is named after the
    file. A name without a suffix that is not a file is a preset (`preset_names` lists them,
    `simbranch.policies` describes them). The levers are checked over the default scenario, so a
    policy that loads applies to any branch.

    Parameters
    ----------
    path : str or pathlib.Path
        The policy file, or a preset's name ("crm_routing").

    Returns
    -------
    Policy
        The policy, with `source` set to its file.

    Raises
    ------
    ScenarioError
        If it is neither a file nor a preset name, the file cannot be read or is not valid TOML,
        holds a section that is not a lever section, a ``[policy]`` key other than name and
        description, or a lever value that does not validate.

    Examples
    --------
    >>> import simbranch as sb
    >>> policy = sb.load_policy("crm_routing")
    >>> policy.name, policy.to_flat()["allocation.rule"]
    ('crm_routing', 'crm')
    >>> from pathlib import Path
    >>> _ = Path("weekly.toml").write_text('[communication]\\nenabled = true\\nmeeting_interval_days = 5\\n')
    >>> sb.load_policy("weekly.toml")
    Policy 'weekly': communication.enabled = True; communication.meeting_interval_days = 5
    """
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
            try:
                base[key] = copy.deepcopy(value)
            except Exception:  # nested too deep to copy (RecursionError), a generator: validation refuses it
                base[key] = value

