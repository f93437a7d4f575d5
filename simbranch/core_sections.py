"""The core sections of a scenario: the branch's clock, its clients and their requests, its account
managers (AMs), sales and costs. The management levers' sections are in `simbranch.lever_sections`.

Every field has a default, a unit and a range; a behavioural coefficient also names its source
(a study of docs/evidence.md, or "assumption" with a plausible range). docs/model.md gives the
equation each field enters.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from simbranch.sections import ASSUMPTION, Section, param, share_field

__all__ = [
    "AbsenceConfig",
    "AmShare",
    "BranchConfig",
    "ChurnConfig",
    "ClientsConfig",
    "CostsConfig",
    "DecayConfig",
    "EffortConfig",
    "ExhaustionConfig",
    "HiringConfig",
    "InflowConfig",
    "LearningConfig",
    "LevelConfig",
    "ManagersConfig",
    "MotivationConfig",
    "PatienceConfig",
    "RelationshipsConfig",
    "RequestTypeConfig",
    "RequestTypes",
    "RequestsConfig",
    "SalesConfig",
    "SatisfactionConfig",
    "ServiceTime",
    "SkillEffectsConfig",
    "StressConfig",
    "TierConfig",
    "TurnoverConfig",
    "WorkdayConfig",
    "check_shares",
]

A = ASSUMPTION


def check_shares(shares: Mapping[str, float], what: str) -> None:
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
    hours_per_day: float = Field(8.0, ge=1.0, le=24.0, description="Contracted working hours per day [h/day]")
    days_per_year: int = Field(
        250, ge=1, le=366, description="Working days per year, used to convert annual rates [days/yr]"
    )
    horizon_days: int = Field(
        250, ge=0, le=25_000, description="Days measured after the warm-up [working days]"
    )
    warmup_days: int = Field(
        60, ge=0, le=25_000, description="Days simulated first and left out of the KPIs [working days]"
    )
    currency: str = Field(
        "CNY", description="Currency that figures and reports write money in; only a display unit, it changes no "
        "number of a run [ISO 4217 code]"
    )

    @field_validator("currency")
    @classmethod
    def _currency_code(cls, value: str) -> str:
        if len(value) != 3 or not value.isascii() or not value.isalpha() or not value.isupper():
            raise ValueError(f"currency must be a three-letter ISO 4217 code in capitals, such as CNY, USD or EUR; "
                             f"got {value!r}")
        return value


# --------------------------------------------------------------------------- clients


class AmShare(Section):
    """Share of a tier's requests of each kind that reach the client's AM; the rest are handled by
    tellers, the contact centre and digital channels and take no AM time."""

    service: float = share_field(0.2, "Share of service requests that reach the AM", source=A, plausible=(0.05, 0.9))
    sales: float = share_field(0.5, "Share of sales opportunities raised by the client that reach the AM", source=A,
                               plausible=(0.2, 1.0))
    complaint: float = share_field(0.3, "Share of complaints that reach the AM", source=A, plausible=(0.1, 1.0))


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
    requests_per_year: float = param(
        4.0, "Requests a client makes per year through every channel", "1/yr", ge=0.0, le=10_000.0, source=A,
        plausible=(1.0, 40.0))
    am_share: AmShare = Field(default_factory=AmShare, description="Share of requests that reach the AM [section]")
    wait_tolerance_h: float = param(
        8.0, "Wait for a response that a client of this tier accepts without disappointment", "working h",
        ge=0.0, le=1_000.0, source="Maister 1985; assumption for the length", plausible=(1.0, 24.0))
    contact_gap_days: float = param(
        250.0, "Days between contacts with the AM that a client of this tier expects", "working days",
        gt=0.0, le=10_000.0, source=A, plausible=(10.0, 500.0))
    expected_quality: float = share_field(
        0.85, "Quality of a contact that a client of this tier expects (meets expectations)", source=A,
        plausible=(0.75, 0.95))
    complexity: float = share_field(
        0.2, "Mean complexity of this tier's needs (0 simple, 1 most complex)", source=A, plausible=(0.0, 1.0))


def _default_tiers() -> dict[str, TierConfig]:
    return {
        "mass": TierConfig(share=0.70, importance=1, value_median=800.0, value_sigma=0.8, requests_per_year=5.0,
                           am_share=AmShare(service=0.15, sales=0.5, complaint=0.3), wait_tolerance_h=16.0,
                           contact_gap_days=250.0, expected_quality=0.87, complexity=0.2),
        "affluent": TierConfig(share=0.25, importance=2, value_median=4_000.0, value_sigma=0.7, requests_per_year=10.0,
                               am_share=AmShare(service=0.35, sales=0.8, complaint=0.6), wait_tolerance_h=8.0,
                               contact_gap_days=63.0, expected_quality=0.88, complexity=0.45),
        "vip": TierConfig(share=0.05, importance=3, value_median=25_000.0, value_sigma=0.6, requests_per_year=20.0,
                          am_share=AmShare(service=0.7, sales=1.0, complaint=1.0), wait_tolerance_h=4.0,
                          contact_gap_days=21.0, expected_quality=0.88, complexity=0.65),
    }


class ChurnConfig(Section):
    enabled: bool = Field(True, description="Clients leave at a hazard that rises as satisfaction falls [on/off]")
    base_rate_per_year: float = param(
        0.12, "Avoidable churn hazard at the reference satisfaction and no relationship", "1/yr", ge=0.0, le=10.0,
        source="J.D. Power 2012 (9.6 %/yr actual attrition, at the default's relationships), fitted",
        plausible=(0.05, 0.25))
    unavoidable_rate_per_year: float = param(
        0.015, "Churn for reasons no AM controls (moves, deaths)", "1/yr", ge=0.0, le=10.0,
        source="Celent 2003 (1-2 points unavoidable)", plausible=(0.005, 0.03))
    satisfaction_ref: float = share_field(0.78, "Satisfaction at which the avoidable hazard equals its base")
    sensitivity: float = param(
        4.0, "Log-hazard change per unit of satisfaction below the reference", "1/unit", ge=0.0, le=50.0,
        source=A, plausible=(1.0, 10.0))


class InflowConfig(Section):
    enabled: bool = Field(True, description="New clients join the branch [on/off]")
    rate_per_year: float = param(
        0.075, "New clients per year as a share of the initial book, at the churn's reference satisfaction",
        "1/yr", ge=0.0, le=100.0,
        source="J.D. Power 2012 (9.6 % attrition); set so that the default book is about stable: with "
               "referrals at the default's satisfaction (about 0.83, x1.1) it replaces the 8 % churn",
        plausible=(0.05, 0.15))
    referral_sensitivity: float = param(
        2.0, "Log-change of the inflow per unit of mean satisfaction above the churn reference", "1/unit",
        ge=0.0, le=50.0, source=A, plausible=(0.0, 5.0))


class SatisfactionConfig(Section):
    enabled: bool = Field(
        True, description="Satisfaction moves with the quality delivered against the tier's expectations [on/off]")
    initial_mean: float = share_field(
        0.78, "Satisfaction of a client whose expectations are met (the anchor), and at the start", source=A,
        plausible=(0.65, 0.85))
    disposition_sd: float = param(
        0.12, "Sd of clients' lasting disposition (how much higher or lower a client rates the same service)",
        "0..1 units", ge=0.0, le=1.0, source="Temkin NPS spread (secondary)", plausible=(0.05, 0.2))
    learning_rate: float = share_field(
        0.15, "Weight of one served request's disconfirmation in the new satisfaction", source=A,
        plausible=(0.05, 0.3))
    proactive_rate: float = share_field(
        0.15, "Weight of a proactive call for a client overdue for contact (less for one contacted recently)",
        source=A, plausible=(0.05, 0.3))
    quality_noise_sd: float = param(
        0.08, "Sd of a contact's perceived quality around its mean", "0..1 units", ge=0.0, le=1.0, source=A,
        plausible=(0.02, 0.15))
    wait_penalty_per_h: float = param(
        0.01, "Satisfaction lost per hour waited beyond the tier's tolerance", "1/h", ge=0.0, le=1.0,
        source="Hui & Tse 1996; size assumed", plausible=(0.002, 0.03))
    wait_penalty_max: float = share_field(0.15, "Largest satisfaction loss from one wait", source=A,
                                          plausible=(0.05, 0.3))
    abandon_penalty: float = share_field(0.10, "Satisfaction lost when a client gives up waiting", source=A,
                                         plausible=(0.02, 0.2))
    neglect_rate_per_day: float = param(
        0.0006, "Satisfaction lost per day beyond the tier's expected contact gap", "1/day", ge=0.0, le=1.0,
        source=A, plausible=(0.0, 0.002))


class RelationshipsConfig(Section):
    enabled: bool = Field(True, description="Clients build relationship capital with their AM [on/off]")
    build_days: float = param(
        250.0, "Time constant over which the relationship with an AM in regular contact grows", "working days",
        gt=0.0, le=10_000.0, source=A, plausible=(100.0, 750.0))
    decay_days: float = param(
        500.0, "Time constant over which the relationship of a client overdue for contact fades", "working days",
        gt=0.0, le=10_000.0, source=A, plausible=(150.0, 2_000.0))
    initial_years: float = param(
        6.0, "Mean length of the initial clients' relationship with their AM (capped by the AM's tenure)", "yr",
        ge=0.0, le=50.0, source=A, plausible=(1.0, 8.0))
    departure_retained: float = share_field(
        0.1, "Share of the relationship a client keeps when the AM leaves and a colleague takes over", source=A,
        plausible=(0.0, 0.3))
    transfer_retained: float = share_field(
        0.3, "Share kept when the book is rebalanced and the old AM introduces the new one", source=A,
        plausible=(0.1, 0.6))
    quality_effect: float = param(
        0.08, "Quality gained at full relationship capital, when served by the own AM", "1/unit", ge=0.0, le=5.0,
        source="Brown & Lam 2008 (stronger in relationship services); size assumed", plausible=(0.02, 0.15))
    sales_effect: float = param(
        0.8, "Log-odds change of a sale per unit of relationship capital with the AM", "1/unit", ge=0.0, le=10.0,
        source=A, plausible=(0.0, 2.0))
    loyalty_effect: float = param(
        0.8, "Fall of the log churn hazard per unit of relationship capital", "1/unit", ge=0.0, le=10.0,
        source=A, plausible=(0.0, 2.0))
    follow_share: float = share_field(
        0.03, "Chance that a client of the top tier with full relationship capital follows a departing AM "
        "(scaled by relationship capital and tier importance)",
        source="SEI 2007 (42 % of banks lost at least one of a leaver's top-20 clients), fitted",
        plausible=(0.01, 0.1))
    handover_churn: float = share_field(
        0.015, "Extra chance that a top-tier client with full relationship capital leaves when the AM changes "
        "(scaled by relationship capital, and by (1 + tier importance) / 2)", source="SEI 2007; size assumed",
        plausible=(0.0, 0.06))


_DEFAULT_DOMAIN_COMPLEXITY = {"retail": 0.0, "sme": 0.15, "wealth": 0.15}


class ClientsConfig(Section):
    count: int = Field(7_000, ge=0, le=2_000_000, description="Clients in the book at the start [clients]")
    tiers: dict[str, TierConfig] = Field(
        default_factory=_default_tiers, description="Client tiers by name; shares sum to 1 [table]"
    )
    domains: dict[str, Annotated[float, Field(ge=0.0, le=1.0)]] = Field(
        default_factory=lambda: {"retail": 0.5, "sme": 0.3, "wealth": 0.2},
        description="Industry or need of clients by name, with shares summing to 1 [share]",
    )
    domain_complexity: dict[str, Annotated[float, Field(ge=-1.0, le=1.0)]] = Field(
        default_factory=lambda: dict(_DEFAULT_DOMAIN_COMPLEXITY),
        description="Complexity added to the tier's for a client of each domain; a domain not named adds 0 "
        "[0..1 units]",
    )
    complexity_sd: float = param(0.1, "Sd of a client's needs complexity around its tier and domain mean",
                                 "0..1 units", ge=0.0, le=1.0, source=A, plausible=(0.0, 0.25))
    churn: ChurnConfig = Field(default_factory=ChurnConfig, description="Client churn [section]")
    inflow: InflowConfig = Field(default_factory=InflowConfig, description="New clients [section]")
    satisfaction: SatisfactionConfig = Field(
        default_factory=SatisfactionConfig, description="Satisfaction dynamics [section]"
    )
    relationships: RelationshipsConfig = Field(
        default_factory=RelationshipsConfig, description="Relationship capital with the AM [section]"
    )

    @field_validator("tiers")
    @classmethod
    def _tier_shares(cls, tiers: dict[str, TierConfig]) -> dict[str, TierConfig]:
        check_shares({k: t.share for k, t in tiers.items()}, "tier shares")
        return tiers

    @field_validator("domains")
    @classmethod
    def _domain_shares(cls, domains: dict[str, float]) -> dict[str, float]:
        check_shares(domains, "domain shares")
        return domains

    @model_validator(mode="before")
    @classmethod
    def _default_complexity_for_own_domains(cls, data: object) -> object:
        """A scenario with domains of its own keeps only the default complexities of the domains it has
        (a default entry for a domain it dropped is not an error; any other unknown name is)."""
        if not (isinstance(data, dict) and isinstance(data.get("domains"), dict)):
            return data
        given = data.get("domain_complexity", _DEFAULT_DOMAIN_COMPLEXITY)
        if isinstance(given, dict):
            kept = {d: v for d, v in given.items()
                    if d in data["domains"] or _DEFAULT_DOMAIN_COMPLEXITY.get(d, object()) != v}
            data = {**data, "domain_complexity": kept}
        return data

    @model_validator(mode="after")
    def _complexity_domains(self) -> ClientsConfig:
        unknown = [d for d in self.domain_complexity if d not in self.domains]
        if unknown:
            raise ValueError(f"domain_complexity names {unknown[0]!r}, which is not a domain; "
                             f"domains: {', '.join(self.domains)}")
        return self


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
        default_factory=lambda: RequestTypeConfig(share=0.62, service_time=ServiceTime(mean_h=1.0)),
        description="Routine service requests [section]",
    )
    sales: RequestTypeConfig = Field(
        default_factory=lambda: RequestTypeConfig(
            share=0.35, service_time=ServiceTime(dist="lognormal", mean_h=1.5, cv=0.6)
        ),
        description="Sales opportunities raised by the client [section]",
    )
    complaint: RequestTypeConfig = Field(
        default_factory=lambda: RequestTypeConfig(
            share=0.03, service_time=ServiceTime(dist="gamma", mean_h=1.5, cv=0.8)
        ),
        description="Complaints; 3 % of requests is about 0.2 a client a year (EY 2014: 20-34 % of clients "
        "complain in a year) [section]",
    )

    @model_validator(mode="after")
    def _shares(self) -> RequestTypes:
        check_shares(
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
        True, description="Queues serve more important tiers first, with ageing (see priority_head_start_h) [on/off]"
    )
    priority_head_start_h: float = param(
        8.0, "Triage with ageing: head start in the queue of the most important tier over the least (others "
        "in proportion); a request that has waited longer than that goes first whatever its tier", "working h",
        ge=0.0, le=1e6, source=A, plausible=(2.0, 40.0))
    complaints_follow_satisfaction: bool = Field(
        True, description="The complaint share rises as the client's satisfaction falls [on/off]"
    )
    complaint_sensitivity: float = param(
        3.0, "Log-change of the complaint share per unit of satisfaction below the churn reference", "1/unit",
        ge=0.0, le=50.0, source=A, plausible=(1.0, 6.0))
    complexity_time: float = param(
        0.5, "Relative handling-time change per unit of needs complexity above the book's mean", "1/unit",
        ge=0.0, le=5.0, source=A, plausible=(0.0, 1.0))
    patience: PatienceConfig = Field(default_factory=PatienceConfig, description="Abandonment [section]")


# --------------------------------------------------------------------------- managers


class LevelConfig(Section):
    share: float = share_field(1.0, "Share of the initial AMs at this level")
    salary_per_year: float = Field(
        60_000.0, ge=0.0, le=1e8, description="Salary with on-costs of an AM at this level [currency/yr]"
    )
    skill_mean: float = share_field(0.6, "Mean initial skill of AMs at this level")


def _default_levels() -> dict[str, LevelConfig]:
    return {
        "junior": LevelConfig(share=0.5, salary_per_year=55_000.0, skill_mean=0.62),
        "senior": LevelConfig(share=0.35, salary_per_year=75_000.0, skill_mean=0.70),
        "principal": LevelConfig(share=0.15, salary_per_year=100_000.0, skill_mean=0.74),
    }


class SkillEffectsConfig(Section):
    enabled: bool = Field(True, description="Skills change handling time, quality and sales [on/off]")
    reference: float = share_field(0.6, "Skill at which handling time and quality take their base values")
    speed: float = param(
        0.5, "Relative handling-time change per unit of product skill", "1/unit", ge=0.0, le=5.0,
        source="Wright 1936; Dutton & Thomas 1984 (learning curve)", plausible=(0.2, 1.0))
    quality_base: float = share_field(
        0.78, "Quality of a contact by an AM at reference skill, for a client of the book's mean complexity",
        source=A, plausible=(0.65, 0.9))
    competence_effect: float = param(
        0.55, "Quality gained per unit of the AM's competence for the need (the skill a request calls on) "
        "above what the client's complexity requires", "1/unit", ge=0.0, le=5.0,
        source="Brown & Lam 2008 (quality mediates); size assumed", plausible=(0.2, 1.0))
    complexity_need: float = param(
        0.3, "Skill a need requires per unit of complexity above the book's mean", "1/unit", ge=0.0, le=2.0,
        source=A, plausible=(0.1, 0.6))
    specialty_bonus: float = share_field(
        0.04, "Quality added when the client's domain is the AM's specialty", source=A, plausible=(0.0, 0.1))
    specialty_speed: float = share_field(
        0.10, "Handling time saved when the client's domain is the AM's specialty",
        source="Staats & Gino 2012 (specialisation); size assumed", plausible=(0.0, 0.25))


class LearningConfig(Section):
    enabled: bool = Field(True, description="Skills grow with each request handled [on/off]")
    rate_per_contact: float = param(
        0.0009, "Share of the gap to the ceiling closed by one relevant contact", "1/contact", ge=0.0, le=1.0,
        source="Bridge Group 2024 ramp-up (about 5 months), fitted", plausible=(0.0003, 0.003))
    ceiling: float = share_field(1.0, "Skill ceiling")
    novice_multiplier: float = param(
        4.0, "Extra learning rate of a new AM, as a multiple of the base rate (power law of practice)", "ratio",
        ge=0.0, le=100.0, source="Newell & Rosenbloom 1981; size fitted", plausible=(1.0, 8.0))
    novice_days: float = param(
        60.0, "Time constant over which the novice boost fades", "working days", gt=0.0, le=10_000.0,
        source="Bridge Group 2024, fitted", plausible=(30.0, 125.0))
    experience_floor_gain: float = share_field(
        0.3, "Rise of the skill floor that long experience brings (learning curve that levels off)",
        source="Hoffman 1993 (levels over about 3 years); size assumed", plausible=(0.1, 0.4))
    experience_years: float = param(
        1.0, "Time constant of that rise (95 % of it within three)", "yr", gt=0.0, le=100.0,
        source="Hoffman 1993 (output levels over about 3 years); Bridge Group 2024 ramp-up, fitted",
        plausible=(0.5, 3.0))


class DecayConfig(Section):
    enabled: bool = Field(True, description="Skill above the floor fades without use [on/off]")
    half_life_days: float = param(
        200.0, "Half-life of skill above the floor", "working days", gt=0.0, le=100_000.0,
        source="Tatel & Ackerman (half the gain lost in 6.5-13 months)", plausible=(135.0, 270.0))


class WorkdayConfig(Section):
    enabled: bool = Field(
        True,
        description="The AM's working-time budget: administration, proactive work on the book and overtime, "
        "around the client requests [on/off]",
    )
    admin_fixed_h: float = param(
        1.0, "Administration per working day whatever the book (compliance, reporting, mail)", "h/day",
        ge=0.0, le=24.0, source="McKinsey via Backbase (up to 70 % of RM time on administration)",
        plausible=(0.5, 2.5))
    admin_per_client_h: float = param(
        1.2, "Administration per client in the book per year (documentation, reviews, KYC)", "h/client/yr",
        ge=0.0, le=100.0, source="McKinsey via Backbase; American Banker (up to 40 % on maintenance)",
        plausible=(0.5, 3.0))
    proactive_h: float = param(
        2.5, "Hours a day an AM plans for proactive work on the book (reviews, outreach, prospecting)", "h/day",
        ge=0.0, le=24.0, source="McKinsey via Backbase (about 30 % of time with clients); assumption",
        plausible=(1.0, 4.0))
    contact_h: float = param(
        0.75, "Length of one proactive contact, preparation included", "h", gt=0.0, le=24.0, source=A,
        plausible=(0.4, 1.5))
    sales_call_gap_days: float = param(
        10.0, "A client contacted this recently gets no proactive sales call", "working days", ge=0.0, le=1_000.0,
        source=A, plausible=(5.0, 30.0))
    review_min_due: float = param(
        0.5, "Reviews go only to clients at least this far towards their tier's expected contact gap",
        "share of the gap", ge=0.0, le=10.0, source=A, plausible=(0.25, 1.0))
    overtime_cap_h: float = param(
        2.0, "Most hours an AM works beyond the contracted day", "h/day", ge=0.0, le=16.0,
        source="Pace Productivity (bankers average 45.4 h a week); legal caps", plausible=(1.0, 3.0))
    proactive_overtime_share: float = share_field(
        0.3, "Share of the planned proactive work left undone that an AM makes up in overtime (at effort 1)",
        source=A, plausible=(0.0, 0.6))
    overtime_paid: bool = Field(False, description="Overtime is paid (at the premium) rather than unpaid [on/off]")
    overtime_premium: float = param(
        1.5, "Pay per overtime hour as a multiple of the hourly salary, when paid", "ratio", ge=0.0, le=10.0,
        source="common labour rules", plausible=(1.0, 2.0))
    admin_backlog_max_days: float = param(
        10.0, "Administration that can pile up, in days of a day's administration; beyond it, it is dropped", "days",
        ge=0.0, le=1_000.0, source=A, plausible=(3.0, 30.0))


class StressConfig(Section):
    enabled: bool = Field(True, description="Work hours, overtime, backlog and hindrances build stress [on/off]")
    initial: float = share_field(0.3, "Stress of an AM at the start and of a new hire")
    load_threshold: float = param(
        0.9, "Hours worked as a share of the contracted day above which stress builds", "ratio", ge=0.0, le=10.0,
        source="Tan & Netessine 2014 (inverted U); threshold assumed", plausible=(0.7, 1.0))
    build_rate: float = param(
        0.08, "Stress added per unit of workload above the threshold", "1/day", ge=0.0, le=10.0, source=A,
        plausible=(0.05, 0.4))
    overtime_stress: float = param(
        0.01, "Stress added per hour of overtime", "1/h", ge=0.0, le=1.0,
        source="LePine et al. 2005 (hindrance stressors); size assumed", plausible=(0.005, 0.05))
    backlog_stress: float = param(
        0.03, "Stress added per day of work waiting for the AM (own queue and undone administration)", "1/day",
        ge=0.0, le=1.0, source=A, plausible=(0.01, 0.08))
    complaint_stress: float = param(
        0.01, "Stress added per complaint handled", "1/complaint", ge=0.0, le=1.0,
        source="LePine et al. 2005 (hindrance stressors); size assumed", plausible=(0.0, 0.03))
    background_pressure: float = param(
        0.017, "Stress added each working day by the job itself", "1/day", ge=0.0, le=1.0, source=A,
        plausible=(0.01, 0.04))
    recovery_rate: float = share_field(0.08, "Share of stress that fades each working day", source=A,
                                       plausible=(0.04, 0.15))
    leave_recovery_rate: float = share_field(
        0.2, "Share of stress that fades each day of leave or sickness", source=A, plausible=(0.1, 0.4))
    climate: float = Field(
        1.0, ge=0.0, le=10.0, description="Work climate: multiplies how fast stress builds; 1 is typical [ratio]"
    )
    noise_sd: float = param(0.01, "Daily random change of stress", "0..1 units", ge=0.0, le=1.0, source=A,
                            plausible=(0.0, 0.03))
    optimum: float = share_field(0.3, "Stress at which quality peaks (inverted U)",
                                 source="Tan & Netessine 2014; LePine et al. 2005", plausible=(0.15, 0.45))
    quality_effect: float = param(
        0.3, "Quality lost per squared unit of stress away from the optimum", "1/unit^2", ge=0.0, le=10.0,
        source=A, plausible=(0.1, 0.8))


class ExhaustionConfig(Section):
    enabled: bool = Field(
        True, description="Sustained stress builds emotional exhaustion, a slow state that rest lowers [on/off]")
    initial_mean: float = share_field(
        0.4, "Mean exhaustion of the initial AMs (spread by their susceptibility); new hires start at 0",
        source="Amigo et al. 2014", plausible=(0.1, 0.5))
    stress_threshold: float = share_field(
        0.1, "Stress above which exhaustion builds", source=A, plausible=(0.0, 0.3))
    recovery_block: float = share_field(
        0.5, "How much stress impairs recovery from exhaustion: recovery x (1 - this x stress)",
        source="Sonnentag & Fritz 2007 (detachment from work is what recovers); size assumed", plausible=(0.0, 0.9))
    build_rate: float = param(
        0.026, "Exhaustion added per day per unit of stress above the threshold, at susceptibility 1", "1/day",
        ge=0.0, le=10.0, source=A, plausible=(0.01, 0.1))
    recovery_rate: float = share_field(
        0.012, "Share of exhaustion that fades each working day", source=A, plausible=(0.005, 0.03))
    leave_recovery: float = param(
        3.0, "Recovery on a day of leave or sickness, as a multiple of a working day's", "ratio", ge=1.0,
        le=100.0, source=A, plausible=(1.5, 6.0))
    susceptibility_sd: float = param(
        0.7, "Log-sd of AMs' individual susceptibility to exhaustion", "log units", ge=0.0, le=3.0,
        source="Amigo et al. 2014 (spread of exhaustion scores); assumption", plausible=(0.2, 0.8))
    high_threshold: float = share_field(
        0.5, "Exhaustion at or above which an AM counts as highly exhausted (about a third of bank staff)",
        source="Amigo et al. 2014", plausible=(0.4, 0.6))
    burnout_threshold: float = share_field(
        0.8, "Exhaustion at or above which an AM counts as burnt out (severe)", source=A, plausible=(0.7, 0.9))
    quality_effect: float = param(
        0.05, "Quality lost per unit of exhaustion", "1/unit", ge=0.0, le=5.0,
        source="Corbeanu et al. 2023 (performance r -.16 to -.23), fitted", plausible=(0.02, 0.12))
    sales_effect: float = param(
        0.3, "Log-odds of a sale lost per unit of exhaustion", "1/unit", ge=0.0, le=10.0,
        source="Corbeanu et al. 2023 (performance r -.16 to -.23), fitted", plausible=(0.1, 0.8))
    absence_effect: float = param(
        1.5, "Log-change of the daily sick chance per unit of exhaustion", "1/unit", ge=0.0, le=20.0,
        source="Swider & Zimmerman 2010 (R .23 with absenteeism), fitted", plausible=(0.5, 3.0))
    quit_effect: float = param(
        2.0, "Log-change of the quit hazard per unit of exhaustion above the typical (initial mean)", "1/unit",
        ge=0.0, le=20.0,
        source="Swider & Zimmerman 2010 (R .33 with turnover), fitted", plausible=(0.5, 3.0))
    motivation_effect: float = share_field(
        0.3, "Drop of the motivation target per unit of exhaustion above the initial mean", source=A,
        plausible=(0.1, 0.5))


class AbsenceConfig(Section):
    enabled: bool = Field(True, description="AMs take sick days and annual leave [on/off]")
    sick_days_per_year: float = param(
        5.0, "Sick days per year of an AM at zero stress and exhaustion", "days/yr", ge=0.0, le=250.0,
        source="assumption (EU office workers 5-10)", plausible=(2.0, 10.0))
    stress_sensitivity: float = param(
        1.0, "Log-change of the daily sick chance per unit of stress", "1/unit", ge=0.0, le=20.0, source=A,
        plausible=(0.0, 2.0))
    leave_days_per_year: float = param(
        15.0, "Annual leave taken per year", "days/yr", ge=0.0, le=100.0,
        source="China: 5-15 statutory days; EU banks 20-30", plausible=(5.0, 30.0))
    leave_block_days: int = Field(5, ge=1, le=100, description="Length of one block of leave [working days]")


class MotivationConfig(Section):
    enabled: bool = Field(
        True, description="Motivation drifts to a target that pay, careers and exhaustion move [on/off]")
    initial: float = share_field(0.6, "Motivation of an AM at the start and of a new hire")
    adjust_rate: float = share_field(0.02, "Share of the gap to the target closed each day", source=A,
                                     plausible=(0.005, 0.05))
    ceiling_gain: float = share_field(
        0.25, "Most that levers together can add to the motivation target (gains saturate towards it)", source=A,
        plausible=(0.1, 0.4))
    quality_effect: float = param(
        0.15, "Quality gained per unit of motivation above its initial value", "1/unit", ge=0.0, le=5.0, source=A,
        plausible=(0.05, 0.3))


class TurnoverConfig(Section):
    enabled: bool = Field(True, description="AMs quit at a hazard that depends on tenure and treatment [on/off]")
    hazard_first_3m: float = param(
        0.6, "Quit hazard in the first 3 months of tenure (a quarter of a year: 62 working days)", "1/yr",
        ge=0.0, le=1_000.0,
        source="CBA Live 2025 (about 10 % of bankers leave within 3 months)", plausible=(0.2, 0.7))
    hazard_3_12m: float = param(
        0.6, "Quit hazard from month 3 to month 12", "1/yr", ge=0.0, le=1_000.0,
        source="CBA Live 2025 (about half leave within a year)", plausible=(0.3, 0.9))
    hazard_second_year: float = param(
        0.18, "Quit hazard in the second year", "1/yr", ge=0.0, le=1_000.0, source=A, plausible=(0.1, 0.35))
    base_rate_per_year: float = param(
        0.08, "Quit hazard after two years, at typical exhaustion (the initial mean) and initial motivation",
        "1/yr", ge=0.0, le=1_000.0,
        source="Crowe 2023 (bank officers 6.5 %, non-officers 19.8 % a year)", plausible=(0.04, 0.15))
    motivation_sensitivity: float = param(
        2.0, "Log-hazard change per unit of motivation below its initial value", "1/unit", ge=0.0, le=50.0,
        source=A, plausible=(0.5, 4.0))
    pay_sensitivity: float = param(
        2.0, "Log-hazard change per unit of pay below the market (as a share of the market pay)", "1/unit",
        ge=0.0, le=50.0, source="Crowe 2023 (pay: 42 % of leavers' reasons); size assumed", plausible=(0.5, 4.0))
    market_pay_ratio: float = param(
        1.0, "Market pay for the job as a multiple of the branch's salary at the same level", "ratio", gt=0.0,
        le=10.0, source=A, plausible=(0.9, 1.15))
    replacement_cost_share: float = param(
        0.21, "Cost of a departure as a share of annual salary", "ratio", ge=0.0, le=10.0,
        source="Boushey & Glynn 2012", plausible=(0.1, 0.4))


class HiringConfig(Section):
    delay_days: float = param(
        30.0, "Mean working days from a quit until the new hire starts", "working days", ge=0.0, le=10_000.0,
        source="CBA Live 2025 (40-45 calendar days to fill)", plausible=(20.0, 60.0))
    delay_cv: float = param(0.4, "Coefficient of variation of that delay (gamma)", "ratio", ge=0.0, le=5.0,
                            source=A, plausible=(0.0, 0.8))
    expedite_backlog_days: float = param(
        1.0, "Backlog per AM (days of work waiting) at which vacancies are filled faster", "days", ge=0.0,
        le=1_000.0, source=A, plausible=(0.5, 3.0))
    expedite_factor: float = share_field(
        0.5, "Delay of a vacancy opened while the branch is overloaded, as a share of the usual", source=A,
        plausible=(0.3, 1.0))
    new_hire_skill: float = share_field(0.3, "Mean skill of a new hire", source="Bridge Group 2024 ramp-up, fitted",
                                        plausible=(0.2, 0.45))
    skill_sd: float = Field(0.08, ge=0.0, le=1.0, description="Sd of a new hire's skills [0..1 units]")


class EffortConfig(Section):
    pay_response: float = param(
        4.0, "Weight an AM puts on a measure per unit of pay at risk on it (the professional norm weighs "
        "selling and service 1 each)", "1/unit", ge=0.0, le=100.0,
        source="Holmström & Milgrom 1991 (multitasking); size fitted to Lazear 2000", plausible=(2.0, 10.0))
    intensity_max: float = param(
        0.2, "Most that incentives and careers can raise effort (proactive hours, overtime willingness), as a "
        "share above normal", "ratio", ge=0.0, le=5.0, source="Lazear 2000 (about half of +44 % is effort)",
        plausible=(0.2, 0.6))
    intensity_scale: float = param(
        0.15, "Strength of the incentives (pay at risk) at which effort reaches 63 % of its maximum rise", "share",
        gt=0.0, le=10.0, source=A, plausible=(0.05, 0.3))
    effort_stress: float = param(
        0.005, "Daily stress per unit of effort above normal (the cost of effort)", "1/day", ge=0.0, le=1.0,
        source=A, plausible=(0.0, 0.03))


class ManagersConfig(Section):
    count: int = Field(40, ge=1, le=100_000, description="AM positions in the branch [AMs]")
    levels: dict[str, LevelConfig] = Field(
        default_factory=_default_levels,
        description="Career levels from junior to senior, in order; shares sum to 1 [table]",
    )
    skill_floor: float = share_field(0.2, "Skill that never decays")
    skill_sd: float = Field(0.08, ge=0.0, le=1.0, description="Sd of initial skills around the level mean [0..1 units]")
    effort_split: float = share_field(
        0.5, "Share of discretionary effort on selling rather than service, without incentives")
    focus_effect: float = param(
        0.25, "Quality lost per unit of effort shifted from service to selling, for a client of mean complexity",
        "1/unit", ge=0.0, le=5.0, source="Holmström & Milgrom 1991; Kishore et al. 2013; size assumed",
        plausible=(0.05, 0.3))
    complexity_focus: float = param(
        10.0, "How much more sales pressure costs per unit of needs complexity (multiplies the focus loss and "
        "mis-selling by 1 + this x complexity)", "1/unit", ge=0.0, le=20.0,
        source="CFPB/OCC 2016 (complex products sold under pressure); assumption", plausible=(3.0, 20.0))
    skill_effects: SkillEffectsConfig = Field(default_factory=SkillEffectsConfig, description="[section]")
    learning: LearningConfig = Field(default_factory=LearningConfig, description="[section]")
    decay: DecayConfig = Field(default_factory=DecayConfig, description="[section]")
    workday: WorkdayConfig = Field(default_factory=WorkdayConfig, description="Working-time budget [section]")
    stress: StressConfig = Field(default_factory=StressConfig, description="[section]")
    exhaustion: ExhaustionConfig = Field(default_factory=ExhaustionConfig, description="[section]")
    absence: AbsenceConfig = Field(default_factory=AbsenceConfig, description="[section]")
    motivation: MotivationConfig = Field(default_factory=MotivationConfig, description="[section]")
    effort: EffortConfig = Field(default_factory=EffortConfig, description="How incentives move effort [section]")
    turnover: TurnoverConfig = Field(default_factory=TurnoverConfig, description="[section]")
    hiring: HiringConfig = Field(default_factory=HiringConfig, description="Filling vacancies [section]")

    @field_validator("levels")
    @classmethod
    def _level_shares(cls, levels: dict[str, LevelConfig]) -> dict[str, LevelConfig]:
        check_shares({k: lv.share for k, lv in levels.items()}, "level shares")
        return levels


# --------------------------------------------------------------------------- sales, costs


class SalesConfig(Section):
    base_conversion: float = param(
        0.30, "Chance a client's sales opportunity converts at reference skill and satisfaction", "share",
        gt=0.0, lt=1.0, source=A, plausible=(0.15, 0.5))
    outreach_conversion: float = param(
        0.18, "Chance a proactive sales call converts, at reference skill and satisfaction", "share",
        gt=0.0, lt=1.0, source=A, plausible=(0.04, 0.2))
    review_conversion: float = param(
        0.04, "Chance a proactive service review leads to a sale", "share", gt=0.0, lt=1.0, source=A,
        plausible=(0.01, 0.08))
    sales_skill_effect: float = param(
        2.0, "Log-odds change per unit of sales skill", "1/unit", ge=0.0, le=50.0,
        source="Farrell 1999 (sales training and sales: r = .16), fitted", plausible=(1.0, 4.0))
    product_skill_effect: float = param(
        0.7, "Log-odds change per unit of product skill", "1/unit", ge=0.0, le=50.0, source=A,
        plausible=(0.2, 1.5))
    satisfaction_effect: float = param(
        2.0, "Log-odds change per unit of client satisfaction", "1/unit", ge=0.0, le=50.0,
        source="Cooil et al. 2007 (satisfaction and share of wallet); size assumed", plausible=(0.5, 4.0))
    effort_effect: float = param(
        1.0, "Log-odds change per unit of selling effort above the default effort split", "1/unit", ge=0.0,
        le=50.0, source=A, plausible=(0.3, 2.0))
    motivation_effect: float = param(
        1.0, "Log-odds change per unit of motivation above its initial value", "1/unit", ge=0.0, le=50.0,
        source=A, plausible=(0.3, 2.0))
    need_days: float = param(
        250.0, "Days after a purchase over which a client's need for the next product recovers: proactive calls "
        "sell with the chance times the recovered need, and sales calls go to the most value times need",
        "working days", gt=0.0, le=10_000.0,
        source=A, plausible=(60.0, 500.0))
    amount_share: float = param(
        0.20, "Mean sale as a share of the client's annual value", "ratio", ge=0.0, le=100.0, source=A,
        plausible=(0.1, 0.4))
    amount_sigma: float = Field(0.5, ge=0.0, le=5.0, description="Log-sd of a sale's amount [log units]")
    mis_selling: float = param(
        0.2, "Chance a sale does not fit the client, per unit of selling effort above default, x (1 + stress) "
        "x (1 + complexity_focus x complexity) / (same at the mean complexity)", "1/unit", ge=0.0, le=10.0,
        source="CFPB/OCC 2016 (Wells Fargo); size assumed", plausible=(0.1, 0.6))
    mis_selling_penalty: float = share_field(
        0.1, "Satisfaction lost by a client sold a product that does not fit", source=A, plausible=(0.05, 0.2))


class CostsConfig(Section):
    overhead_per_am_per_year: float = Field(
        15_000.0, ge=0.0, le=1e8, description="Desk, systems and management per filled position [currency/yr]"
    )
