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
import math
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from simbranch.levers import (
    AllocationConfig,
    AssessmentConfig,
    CareersConfig,
    CommunicationConfig,
    IncentivesConfig,
    SurveysConfig,
    TrainingConfig,
    WellbeingConfig,
)
from simbranch.sections import Section, share_field

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


def _check_shares(shares: Mapping[str, float], what: str) -> None:
    if not shares:
        raise ValueError(f"{what} needs at least one entry")
    total = math.fsum(shares.values())
    # Within 1e-9: the engine draws with numpy, which refuses probabilities more than 1.5e-8 from 1.
    if abs(total - 1.0) > 1e-9:
        raise ValueError(f"{what} must sum to 1 (they sum to {total:.10g})")


# --------------------------------------------------------------------------- branch


class BranchConfig(Section):
    name: str = Field("Default branch", max_length=200, description="Label used in reports [text]")
    # At least an hour: rates are per working hour, and a day of 5e-324 h made them infinite (a run that never ends).
    hours_per_day: float = Field(8.0, ge=1.0, le=24.0, description="Working hours per day [h/day]")
    days_per_year: int = Field(
        250, ge=1, le=366, description="Working days per year, used to convert annual rates [days/yr]"
    )
    horizon_days: int = Field(
        250, ge=0, le=25_000, description="Days measured after the warm-up [working days]"
    )
    warmup_days: int = Field(
        60, ge=0, le=25_000, description="Days simulated first and left out of the KPIs [working days]"
    )


# --------------------------------------------------------------------------- clients


class TierConfig(Section):
    share: float = share_field(1.0, "Share of clients in this tier")
    importance: int = Field(
        1, ge=1, le=100, description="Rank of importance; higher is served first and by seniors [rank]"
    )
    value_median: float = Field(
        1_000.0, ge=0.0, le=1e9, description="Median annual revenue potential of a client [currency/yr]"
    )
    value_sigma: float = Field(
        0.8, ge=0.0, le=5.0, description="Log-sd of the lognormal annual value [log units]"
    )
    requests_per_year: float = Field(
        4.0, ge=0.0, le=10_000.0, description="Requests a client makes per year [1/yr]"
    )


def _default_tiers() -> dict[str, TierConfig]:
    return {
        "mass": TierConfig(share=0.70, importance=1, value_median=800.0, value_sigma=0.8,
                           requests_per_year=5.0),
        "affluent": TierConfig(share=0.25, importance=2, value_median=4_000.0, value_sigma=0.7,
                               requests_per_year=10.0),
        "vip": TierConfig(share=0.05, importance=3, value_median=25_000.0, value_sigma=0.6,
                          requests_per_year=20.0),
    }


class ChurnConfig(Section):
    enabled: bool = Field(True, description="Clients leave at a hazard that rises as satisfaction falls [on/off]")
    base_rate_per_year: float = Field(
        0.08, ge=0.0, le=10.0, description="Avoidable churn hazard at the reference satisfaction [1/yr]"
    )
    unavoidable_rate_per_year: float = Field(
        0.015, ge=0.0, le=10.0, description="Churn for reasons no AM controls (moves, deaths) [1/yr]"
    )
    satisfaction_ref: float = share_field(0.78, "Satisfaction at which the avoidable hazard equals its base")
    sensitivity: float = Field(
        4.0, ge=0.0, le=50.0, description="Log-hazard change per unit of satisfaction below the reference [1/unit]"
    )


class InflowConfig(Section):
    enabled: bool = Field(True, description="New clients join the branch [on/off]")
    rate_per_year: float = Field(
        0.095, ge=0.0, le=100.0, description="New clients per year as a share of the initial book [1/yr]"
    )
    referral_sensitivity: float = Field(
        2.0, ge=0.0, le=50.0,
        description="Log-change of the inflow per unit of mean satisfaction above the churn reference [1/unit]",
    )


class SatisfactionConfig(Section):
    enabled: bool = Field(True, description="Satisfaction moves with service quality and waits [on/off]")
    initial_mean: float = share_field(0.78, "Mean satisfaction of a client at the start")
    disposition_sd: float = Field(
        0.12, ge=0.0, le=1.0,
        description="Sd of clients' lasting disposition (how much higher or lower a client rates a service) [0..1]",
    )
    learning_rate: float = share_field(0.15, "Weight of one contact's quality in the new satisfaction")
    quality_noise_sd: float = Field(
        0.08, ge=0.0, le=1.0, description="Sd of a contact's perceived quality around its mean [0..1 units]"
    )
    wait_tolerance_h: float = Field(
        4.0, ge=0.0, le=1_000.0, description="Wait a client accepts without penalty [h]"
    )
    wait_penalty_per_h: float = Field(
        0.01, ge=0.0, le=1.0, description="Satisfaction lost per hour waited beyond the tolerance [1/h]"
    )
    wait_penalty_max: float = share_field(0.15, "Largest satisfaction loss from one wait")
    abandon_penalty: float = share_field(0.10, "Satisfaction lost when a client gives up waiting")
    neglect_days: int = Field(
        60, ge=1, le=10_000, description="Days without contact after which a client feels neglected [working days]"
    )
    neglect_rate_per_day: float = Field(
        0.001, ge=0.0, le=1.0, description="Satisfaction lost per day of neglect [1/day]"
    )
    handover_penalty: float = share_field(0.05, "Satisfaction lost when a client's AM changes")


class ClientsConfig(Section):
    count: int = Field(1_800, ge=0, le=2_000_000, description="Clients in the book at the start [clients]")
    tiers: dict[str, TierConfig] = Field(
        default_factory=_default_tiers, description="Client tiers by name; shares sum to 1 [table]"
    )
    domains: dict[str, Annotated[float, Field(ge=0.0, le=1.0)]] = Field(
        default_factory=lambda: {"retail": 0.5, "sme": 0.3, "wealth": 0.2},
        description="Industry or need of clients by name, with shares summing to 1 [share]",
    )
    churn: ChurnConfig = Field(default_factory=ChurnConfig, description="Client churn [section]")
    inflow: InflowConfig = Field(default_factory=InflowConfig, description="New clients [section]")
    satisfaction: SatisfactionConfig = Field(
        default_factory=SatisfactionConfig, description="Satisfaction dynamics [section]"
    )

    @field_validator("tiers")
    @classmethod
    def _tier_shares(cls, tiers: dict[str, TierConfig]) -> dict[str, TierConfig]:
        _check_shares({k: t.share for k, t in tiers.items()}, "tier shares")
        return tiers

    @field_validator("domains")
    @classmethod
    def _domain_shares(cls, domains: dict[str, float]) -> dict[str, float]:
        _check_shares(domains, "domain shares")
        return domains


# --------------------------------------------------------------------------- requests


def _check_cv(dist: str | None, cv: float) -> float:
    if dist == "exponential" and cv != 1.0:
        raise ValueError("an exponential time has cv 1; use gamma or lognormal for another cv")
    if dist == "fixed" and cv != 0.0:
        raise ValueError("a fixed time has cv 0")
    if dist in ("lognormal", "gamma") and cv <= 0.0:
        raise ValueError(f"a {dist} time needs cv > 0; use fixed for cv 0")
    return cv


class ServiceTime(Section):
    dist: Literal["exponential", "lognormal", "gamma", "fixed"] = Field(
        "exponential", description="Distribution of a request's base handling time [name]"
    )
    mean_h: float = Field(1.0, gt=0.0, le=1_000.0, description="Mean handling time [h]")
    cv: float = Field(
        1.0, ge=0.0, le=20.0,
        description="Coefficient of variation (sd/mean); must be 1 for exponential, 0 for fixed [ratio]",
    )

    @field_validator("cv")
    @classmethod
    def _cv_fits_dist(cls, cv: float, info: ValidationInfo) -> float:
        return _check_cv(info.data.get("dist"), cv)


class RequestTypeConfig(Section):
    share: float = share_field(1.0, "Share of requests of this type at reference satisfaction")
    service_time: ServiceTime = Field(default_factory=ServiceTime, description="Handling time [section]")


class RequestTypes(Section):
    service: RequestTypeConfig = Field(
        default_factory=lambda: RequestTypeConfig(share=0.55, service_time=ServiceTime(mean_h=1.0)),
        description="Routine service requests [section]",
    )
    sales: RequestTypeConfig = Field(
        default_factory=lambda: RequestTypeConfig(
            share=0.35, service_time=ServiceTime(dist="lognormal", mean_h=1.5, cv=0.6)
        ),
        description="Sales opportunities [section]",
    )
    complaint: RequestTypeConfig = Field(
        default_factory=lambda: RequestTypeConfig(
            share=0.10, service_time=ServiceTime(dist="gamma", mean_h=1.5, cv=0.8)
        ),
        description="Complaints [section]",
    )

    @model_validator(mode="after")
    def _shares(self) -> RequestTypes:
        _check_shares(
            {"service": self.service.share, "sales": self.sales.share, "complaint": self.complaint.share},
            "request type shares",
        )
        return self


class PatienceConfig(Section):
    enabled: bool = Field(False, description="Clients abandon a request that waits too long [on/off]")
    dist: Literal["exponential", "lognormal", "gamma", "fixed"] = Field(
        "exponential", description="Distribution of patience [name]"
    )
    mean_h: float = Field(16.0, gt=0.0, le=100_000.0, description="Mean patience [h]")
    cv: float = Field(1.0, ge=0.0, le=20.0, description="Coefficient of variation of patience [ratio]")

    @field_validator("cv")
    @classmethod
    def _cv_fits_dist(cls, cv: float, info: ValidationInfo) -> float:
        return _check_cv(info.data.get("dist"), cv)


class RequestsConfig(Section):
    types: RequestTypes = Field(default_factory=RequestTypes, description="Request types [section]")
    priority_by_tier: bool = Field(
        True, description="Queues serve more important tiers first, FIFO within a tier [on/off]"
    )
    complaints_follow_satisfaction: bool = Field(
        True, description="The complaint share rises as the client's satisfaction falls [on/off]"
    )
    complaint_sensitivity: float = Field(
        3.0, ge=0.0, le=50.0,
        description="Log-change of the complaint share per unit of satisfaction below the churn reference [1/unit]",
    )
    patience: PatienceConfig = Field(default_factory=PatienceConfig, description="Abandonment [section]")


# --------------------------------------------------------------------------- managers


class LevelConfig(Section):
    share: float = share_field(1.0, "Share of the initial AMs at this level")
    salary_per_year: float = Field(
        60_000.0, ge=0.0, le=1e8, description="Salary with on-costs of an AM at this level [currency/yr]"
    )
    skill_mean: float = share_field(0.6, "Mean initial skill of AMs at this level")
    tenure_years: float = Field(
        3.0, ge=0.0, le=50.0, description="Mean tenure of initial AMs at this level [yr]"
    )


def _default_levels() -> dict[str, LevelConfig]:
    return {
        "junior": LevelConfig(share=0.5, salary_per_year=55_000.0, skill_mean=0.62, tenure_years=1.5),
        "senior": LevelConfig(share=0.35, salary_per_year=75_000.0, skill_mean=0.70, tenure_years=5.0),
        "principal": LevelConfig(share=0.15, salary_per_year=100_000.0, skill_mean=0.74, tenure_years=10.0),
    }


class SkillEffectsConfig(Section):
    enabled: bool = Field(True, description="Skills change handling time, quality and sales [on/off]")
    reference: float = share_field(0.6, "Skill at which handling time and quality take their base values")
    speed: float = Field(
        0.5, ge=0.0, le=5.0, description="Relative handling-time change per unit of product skill [1/unit]"
    )
    quality_base: float = share_field(0.80, "Quality of a contact by an AM at reference skill, no stress")
    quality_relationship: float = Field(
        0.35, ge=0.0, le=5.0, description="Quality gained per unit of relationship skill [1/unit]"
    )
    quality_product: float = Field(
        0.20, ge=0.0, le=5.0, description="Quality gained per unit of product skill [1/unit]"
    )
    specialty_bonus: float = share_field(0.05, "Quality added when the client's domain is the AM's specialty")
    specialty_speed: float = share_field(0.10, "Handling time saved when the client's domain is the AM's specialty")
    continuity_bonus: float = share_field(
        0.06, "Quality added when the client is served by their own AM (relationship continuity)"
    )


class LearningConfig(Section):
    enabled: bool = Field(True, description="Skills grow with each request handled [on/off]")
    rate_per_contact: float = Field(
        0.0009, ge=0.0, le=1.0, description="Share of the gap to the ceiling closed by one relevant contact [1/contact]"
    )
    ceiling: float = share_field(1.0, "Skill ceiling")
    novice_multiplier: float = Field(
        4.0, ge=0.0, le=100.0,
        description="Extra learning rate of a new AM, as a multiple of the base rate (power law of practice) [ratio]",
    )
    novice_days: float = Field(
        60.0, gt=0.0, le=10_000.0, description="Time constant over which the novice boost fades [working days]"
    )
    experience_floor_gain: float = share_field(
        0.3, "Rise of the skill floor that long experience brings (learning curve that levels off)"
    )
    experience_years: float = Field(
        3.0, gt=0.0, le=100.0, description="Time constant of that rise [yr]"
    )


class DecayConfig(Section):
    enabled: bool = Field(True, description="Skill above the floor fades without use [on/off]")
    half_life_days: float = Field(
        250.0, gt=0.0, le=100_000.0, description="Half-life of skill above the floor [working days]"
    )


class StressConfig(Section):
    enabled: bool = Field(True, description="Workload builds stress, rest lowers it [on/off]")
    initial: float = share_field(0.3, "Stress of an AM at the start")
    load_threshold: float = Field(
        0.75, ge=0.0, le=10.0,
        description="Sustained load (work hours / available hours) above which stress builds [ratio]",
    )
    load_memory_days: float = Field(
        5.0, ge=1.0, le=1_000.0,
        description="Time constant of the running mean of daily load that stress responds to [working days]",
    )
    build_rate: float = Field(
        0.1, ge=0.0, le=10.0, description="Stress added per unit of load above the threshold [1/day]"
    )
    background_pressure: float = Field(
        0.024, ge=0.0, le=1.0, description="Stress added each working day by the job itself [1/day]"
    )
    recovery_rate: float = share_field(0.08, "Share of stress that fades each day")
    climate: float = Field(
        1.0, ge=0.0, le=10.0, description="Work climate: multiplies how fast stress builds; 1 is typical [ratio]"
    )
    noise_sd: float = Field(0.01, ge=0.0, le=1.0, description="Daily random change of stress [0..1 units]")
    optimum: float = share_field(0.3, "Stress at which quality peaks (inverted U)")
    quality_effect: float = Field(
        0.5, ge=0.0, le=10.0, description="Quality lost per squared unit of stress away from the optimum [1/unit^2]"
    )
    burnout_threshold: float = share_field(0.7, "Stress above which days count towards burnout")
    burnout_days: int = Field(
        10, ge=1, le=10_000, description="Consecutive days above the threshold that make a burnout [working days]"
    )
    burnout_recovery: float = share_field(0.5, "Stress below which a burnt-out AM recovers")
    burnout_quality_loss: float = share_field(0.08, "Quality lost while burnt out")


class AbsenceConfig(Section):
    enabled: bool = Field(True, description="AMs take sick days, more of them when stressed [on/off]")
    sick_days_per_year: float = Field(
        6.0, ge=0.0, le=250.0, description="Sick days per year of an AM at zero stress [days/yr]"
    )
    stress_sensitivity: float = Field(
        1.0, ge=0.0, le=20.0, description="Log-change of the daily sick chance per unit of stress [1/unit]"
    )
    burnout_multiplier: float = Field(
        1.5, ge=1.0, le=100.0, description="Sick chance multiplier while burnt out [ratio]"
    )


class MotivationConfig(Section):
    enabled: bool = Field(True, description="Motivation drifts to a target lowered by burnout [on/off]")
    initial: float = share_field(0.6, "Motivation of an AM at the start and of a new hire")
    adjust_rate: float = share_field(0.02, "Share of the gap to the target closed each day")
    burnout_drop: float = share_field(0.3, "Drop of the motivation target while burnt out")
    quality_effect: float = Field(
        0.2, ge=0.0, le=5.0, description="Quality gained per unit of motivation above its initial value [1/unit]"
    )


class TurnoverConfig(Section):
    enabled: bool = Field(True, description="AMs quit; vacancies are filled after a delay [on/off]")
    base_rate_per_year: float = Field(
        0.08, ge=0.0, le=20.0, description="Quit hazard at initial stress and motivation after the first year [1/yr]"
    )
    stress_sensitivity: float = Field(
        1.5, ge=0.0, le=50.0, description="Log-hazard change per unit of stress above its initial value [1/unit]"
    )
    motivation_sensitivity: float = Field(
        2.0, ge=0.0, le=50.0, description="Log-hazard change per unit of motivation below its initial value [1/unit]"
    )
    first_year_multiplier: float = Field(
        2.0, ge=0.0, le=100.0, description="Hazard multiplier in an AM's first year [ratio]"
    )
    burnout_multiplier: float = Field(
        2.0, ge=1.0, le=100.0, description="Hazard multiplier while burnt out [ratio]"
    )
    hiring_delay_days: int = Field(
        30, ge=0, le=10_000, description="Days from a quit until the new hire starts [working days]"
    )
    new_hire_skill: float = share_field(0.3, "Mean skill of a new hire")
    skill_sd: float = Field(0.08, ge=0.0, le=1.0, description="Sd of a new hire's skills [0..1 units]")
    follow_share: float = share_field(
        0.07, "Chance that each of a leaver's top-tier clients follows the AM out of the branch"
    )
    replacement_cost_share: float = Field(
        0.21, ge=0.0, le=10.0, description="Cost of a departure as a share of annual salary [ratio]"
    )


class ManagersConfig(Section):
    count: int = Field(12, ge=1, le=100_000, description="AM positions in the branch [AMs]")
    levels: dict[str, LevelConfig] = Field(
        default_factory=_default_levels,
        description="Career levels from junior to senior, in order; shares sum to 1 [table]",
    )
    skill_floor: float = share_field(0.2, "Skill that never decays")
    skill_sd: float = Field(0.08, ge=0.0, le=1.0, description="Sd of initial skills around the level mean [0..1 units]")
    effort_split: float = share_field(0.5, "Share of effort on selling rather than service, without incentives")
    focus_effect: float = Field(
        0.25, ge=0.0, le=5.0,
        description="Quality lost per unit of effort shifted from service to selling (multitasking) [1/unit]",
    )
    skill_effects: SkillEffectsConfig = Field(default_factory=SkillEffectsConfig, description="[section]")
    learning: LearningConfig = Field(default_factory=LearningConfig, description="[section]")
    decay: DecayConfig = Field(default_factory=DecayConfig, description="[section]")
    stress: StressConfig = Field(default_factory=StressConfig, description="[section]")
    absence: AbsenceConfig = Field(default_factory=AbsenceConfig, description="[section]")
    motivation: MotivationConfig = Field(default_factory=MotivationConfig, description="[section]")
    turnover: TurnoverConfig = Field(default_factory=TurnoverConfig, description="[section]")

    @field_validator("levels")
    @classmethod
    def _level_shares(cls, levels: dict[str, LevelConfig]) -> dict[str, LevelConfig]:
        _check_shares({k: lv.share for k, lv in levels.items()}, "level shares")
        return levels


# --------------------------------------------------------------------------- sales, costs


class SalesConfig(Section):
    base_conversion: float = Field(
        0.30, gt=0.0, lt=1.0,
        description="Chance a sales opportunity converts at reference skill and satisfaction [share]",
    )
    sales_skill_effect: float = Field(
        3.0, ge=0.0, le=50.0, description="Log-odds change per unit of sales skill [1/unit]"
    )
    product_skill_effect: float = Field(
        1.0, ge=0.0, le=50.0, description="Log-odds change per unit of product skill [1/unit]"
    )
    satisfaction_effect: float = Field(
        2.0, ge=0.0, le=50.0, description="Log-odds change per unit of client satisfaction [1/unit]"
    )
    effort_effect: float = Field(
        1.0, ge=0.0, le=50.0,
        description="Log-odds change per unit of selling effort above the default effort split [1/unit]",
    )
    motivation_effect: float = Field(
        2.0, ge=0.0, le=50.0, description="Log-odds change per unit of motivation above its initial value [1/unit]"
    )
    amount_share: float = Field(
        0.20, ge=0.0, le=100.0, description="Mean sale as a share of the client's annual value [ratio]"
    )
    amount_sigma: float = Field(0.5, ge=0.0, le=5.0, description="Log-sd of a sale's amount [log units]")


class CostsConfig(Section):
    overhead_per_am_per_year: float = Field(
        15_000.0, ge=0.0, le=1e8, description="Desk, systems and management per filled position [currency/yr]"
    )


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
    "requests.complaints_follow_satisfaction",
    "managers.skill_effects.enabled",
    "managers.learning.enabled",
    "managers.decay.enabled",
    "managers.stress.enabled",
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


# --------------------------------------------------------------------------- loading


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario TOML file."""
    source = str(path)
    return _validate(_read_toml(path), source)


def load_scenario_text(text: str, source: str = "<text>") -> Scenario:
    """Validate a scenario given as TOML text (`source` names it in error messages)."""
    try:
        data = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(source, [("", _MISSING, f"is not valid TOML: {exc}")]) from None
    return _validate(data, source)


def load_policy(path: str | Path) -> Policy:
    """Read a policy TOML file: lever sections only, plus an optional `[policy]` name/description."""
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


def _read_toml(path: str | Path) -> dict[str, Any]:
    source = str(path)
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(source, [("", _MISSING, "file not found")]) from None
    except IsADirectoryError:
        raise ScenarioError(source, [("", _MISSING, "is a directory, not a TOML file")]) from None
    except OSError as exc:
        raise ScenarioError(source, [("", _MISSING, f"cannot be read: {exc.strerror}")]) from None
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark, as some Windows editors write, is fine
    except UnicodeDecodeError:
        raise ScenarioError(source, [("", _MISSING, "is not UTF-8 text; a scenario is a TOML file")]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(source, [("", _MISSING, f"is not valid TOML: {exc}")]) from None


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

