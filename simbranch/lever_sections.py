"""The lever sections of a scenario: the article's management measures, each off by default.

A policy file holds only these sections. Every field has a default, a unit in its
description and a range; a behavioural coefficient also names its source (a study of
docs/evidence.md, or "assumption" with a plausible range; `simbranch.assumptions` lists them).
`docs/model.md` gives the equation each one enters.
"""

from __future__ import annotations

from typing import Any, Literal, get_args

from pydantic import Field, field_validator, model_validator

from simbranch.registry import ALLOCATION_RULES
from simbranch.sections import ASSUMPTION, Section, param, share_field

__all__ = [
    "AllocationConfig",
    "AssessmentConfig",
    "CareersConfig",
    "CommunicationConfig",
    "IncentivesConfig",
    "ScorecardWeights",
    "SurveysConfig",
    "TrainingConfig",
    "WellbeingConfig",
]

SkillArea = Literal["sales", "relationship", "product"]

# Behavioural coefficients (how AMs and clients respond, effect sizes) are declared with `param` or
# `share_field` and name their source (docs/evidence.md) or ASSUMPTION with a plausible range;
# what a policy chooses (intervals, lengths, shares trained or surveyed, caps, weights, costs,
# switches, rule names) is a lever, declared with a plain Field and no source.
A = ASSUMPTION


def _days(default: int, what: str, low: int = 1) -> Any:
    return Field(default, ge=low, le=10_000, description=f"{what} [working days]")


# ------------------------------------------------------------------ 1 client allocation


class AllocationConfig(Section):
    rule: str = Field(
        "round_robin",
        min_length=1,
        description=(
            "How clients and requests reach AMs: random, round_robin, by_tier, by_specialty, "
            "least_loaded, crm, pooled, or a rule registered with register_allocation_rule [name]"
        ),
    )
    portfolio_cap: int = Field(
        0, ge=0, le=1_000_000, description="Most clients one AM may hold; 0 = no cap [clients]"
    )
    cover_absent: bool = Field(
        True, description="Colleagues serve the requests of an absent AM's clients [on/off]"
    )
    rebalance_interval_days: int = Field(
        0, ge=0, le=10_000, description="Days between rebalancing books by expected workload; 0 = never [working days]"
    )
    follow_up_days: int = Field(
        0, ge=0, le=10_000,
        description="CRM follow-up: the AM's review list is exact, and a client not contacted for this long is due "
        "for a call whatever the tier expects; 0 = off (the AM keeps the list from memory) [working days]",
    )
    memory_sd: float = param(
        0.7, "Without the CRM's follow-up, how far an AM's sense of which clients are due for a call is off "
        "(log-sd of the error on each client's overdueness)", "log units", ge=0.0, le=5.0, source=A,
        plausible=(0.3, 1.2))
    crm_skill_weight: float = Field(
        1.0, ge=0.0, le=100.0, description="CRM routing: weight of skill match in an AM's score [1/unit]"
    )
    crm_load_weight: float = Field(
        0.5, ge=0.0, le=100.0, description="CRM routing: weight of an AM's book workload in its score [1/unit]"
    )
    crm_specialty_bonus: float = param(
        0.1, "CRM routing: skill-match bonus of an AM in the client's domain", "skill units", ge=0.0, le=1.0,
        source=A, plausible=(0.0, 0.3))
    crm_owner_bonus: float = param(
        0.2, "CRM routing: skill-match bonus of the client's own AM (who keeps the relationship)", "skill units",
        ge=0.0, le=1.0, source=A, plausible=(0.0, 0.5))
    specialty_tolerance: float = param(
        1.25, "By specialty and CRM ownership: a specialist takes the client unless its book load is above this "
        "multiple of the mean", "ratio", ge=1.0, le=10.0, source=A, plausible=(1.0, 2.0))
    rebalance_margin: float = param(
        1.1, "Rebalancing: books above this multiple of the mean load give up clients until they are at it",
        "ratio", ge=1.0, le=10.0, source=A, plausible=(1.0, 1.5))

    @field_validator("rule")
    @classmethod
    def _known_rule(cls, rule: str) -> str:
        names = list(ALLOCATION_RULES)
        if rule not in names:
            raise ValueError(f"unknown allocation rule; allowed: {', '.join(names)}")
        return rule


# ------------------------------------------------------------------ 2 training and assessment


class TrainingConfig(Section):
    enabled: bool = Field(False, description="Run a training programme [on/off]")
    areas: list[SkillArea] = Field(
        default_factory=lambda: list(get_args(SkillArea)),  # every area, in the order of SkillArea
        min_length=1,
        description="Content of each session: sales technique, relationship management, product knowledge [names]",
    )
    interval_days: int = _days(63, "Days between sessions (63 = quarterly)")
    length_days: int = _days(2, "Days an attendee spends away from clients per session")
    attendees: Literal["all", "new_hires", "lowest_assessed"] = Field(
        "all", description="Who attends: everyone, AMs in their first months, or the lowest assessed [name]"
    )
    new_hire_days: int = _days(125, "Tenure below which an AM counts as a new hire")
    lowest_share: float = share_field(0.25, "Share of AMs with the lowest assessment who attend")
    capacity: int = Field(0, ge=0, le=100_000, description="Most attendees per session; 0 = no limit [AMs]")
    groups: int = Field(
        3, ge=1, le=1_000,
        description="Attendees go in this many groups, one after another, so clients are never left alone [groups]",
    )
    ceiling: float = share_field(
        0.85, "Skill a course can bring an AM to (what it teaches); beyond it only practice and experience "
        "help, so repeated courses give less and less", source="assumption; Arthur et al. 1998 (diminishing "
        "returns of repeated training)", plausible=(0.7, 1.0))
    gain: float = share_field(
        0.2, "Share of the gap to the course's ceiling closed for an attendee who transfers",
        source="Arthur, Bennett, Edens & Bell 2003 (d about .6 on trained behaviour), fitted: one course moves "
        "the trained skill by 0.3-0.6 SD", plausible=(0.1, 0.3))
    transfer_share: float = share_field(
        0.62, "Share of attendees who apply the training on the job",
        source="Saks & Belcourt 2006 (62 % apply training at first; 44 % after 6 months, 34 % after a year)",
        plausible=(0.34, 0.8))
    cost_per_attendee_day: float = Field(
        400.0, ge=0.0, le=1e7, description="Course cost per attendee and day, salary excluded [currency]"
    )


class AssessmentConfig(Section):
    enabled: bool = Field(False, description="Assess AMs periodically [on/off]")
    interval_days: int = _days(63, "Days between assessments")
    noise_sd: float = param(0.05, "Sd of the measurement error of a score", "0..1", ge=0.0, le=1.0, source=A,
                            plausible=(0.02, 0.1))
    skill_weight: float = share_field(0.5, "Weight of tested skill in the score; the rest is the scorecard result")
    low_share: float = share_field(0.25, "Share of AMs with the lowest scores flagged for action")
    action: Literal["none", "training", "development_plan"] = Field(
        "development_plan",
        description="What a low score triggers: nothing, a place on the next training, or a coached plan [name]",
    )
    plan_learning_boost: float = param(
        1.0, "Extra learning rate during a development plan, as a multiple", "ratio", ge=0.0, le=20.0, source=A,
        plausible=(0.25, 2.0))
    plan_days: int = _days(60, "Length of a development plan")
    cost_per_am: float = Field(150.0, ge=0.0, le=1e6, description="Cost of assessing one AM once [currency]")


# ------------------------------------------------------------------ 3 evaluation and incentives


class ScorecardWeights(Section):
    sales: float = Field(0.4, ge=0.0, le=1.0, description="Weight of revenue sold in the period [weight]")
    growth: float = Field(0.1, ge=0.0, le=1.0, description="Weight of revenue growth on the previous period [weight]")
    clients: float = Field(0.1, ge=0.0, le=1.0, description="Weight of the number of clients held [weight]")
    satisfaction: float = Field(0.25, ge=0.0, le=1.0, description="Weight of the clients' satisfaction [weight]")
    complaints: float = Field(0.1, ge=0.0, le=1.0, description="Weight of few complaints [weight]")
    follow_up: float = Field(0.05, ge=0.0, le=1.0, description="Weight of clients contacted recently [weight]")

    @model_validator(mode="after")
    def _not_all_zero(self) -> ScorecardWeights:
        if sum(self.model_dump().values()) <= 0.0:
            raise ValueError("at least one scorecard weight must be positive")
        return self

    def normalised(self) -> dict[str, float]:
        w = self.model_dump()
        total = sum(w.values())
        return {k: v / total for k, v in w.items()}

    def sales_orientation(self) -> float:
        """How much the card pays for selling rather than service, in [-1, 1]."""
        w = self.normalised()
        return w["sales"] + w["growth"] + w["clients"] - w["satisfaction"] - w["complaints"] - w["follow_up"]


class IncentivesConfig(Section):
    scheme: Literal["fixed", "commission", "scorecard", "team_bonus", "tournament"] = Field(
        "fixed",
        description=(
            "Pay scheme: fixed salary; individual sales commission; balanced-scorecard bonus; team bonus on "
            "the branch's revenue; tournament (the top quarter by sales share the pool) [name]"
        ),
    )
    evaluation_interval_days: int = _days(63, "Days between evaluations and payouts")
    weights: ScorecardWeights = Field(default_factory=ScorecardWeights, description="Scorecard weights [section]")
    commission_rate: float = Field(
        0.05, ge=0.0, le=1.0,
        description="Commission: share of an AM's sales revenue paid to the AM; 5 % is about 15 % of pay "
        "in the default branch by the ex-ante estimate, like the bonus schemes' pay at risk [share]",
    )
    pay_at_risk: float = share_field(0.15, "Bonus schemes: expected variable pay as a share of salary")
    motivation_response: float = param(
        1.0, "Rise of the motivation target per unit of pay at risk", "1/unit", ge=0.0, le=20.0,
        source="assumption; direction from Lazear 2000 (performance pay: +44 % output, about half from effort), "
        "sized with the sales effects to stay inside it", plausible=(0.25, 1.5))
    weak_response: float = param(
        1.5, "Extra motivation response of AMs below the reference skill under individual pay", "1/unit",
        ge=0.0, le=20.0,
        source="assumption; direction from Kishore et al. 2013 (commission lifts weaker salespeople most)",
        plausible=(0.0, 3.0))
    team_factor: float = share_field(
        0.5, "Strength of a team bonus's individual effects relative to individual pay",
        source="assumption (free-riding in a team; Condly et al. 2003 found team schemes stronger on average)",
        plausible=(0.2, 1.0))
    pressure: float = param(
        0.02, "Daily stress added per unit of pay at risk (x2 in a tournament)", "1/day", ge=0.0, le=10.0,
        source=A, plausible=(0.01, 0.05))


# ------------------------------------------------------------------ 4 satisfaction surveys


class SurveysConfig(Section):
    enabled: bool = Field(False, description="Survey clients periodically [on/off]")
    interval_days: int = _days(63, "Days between surveys")
    sample_share: float = share_field(0.3, "Share of active clients invited")
    response_rate: float = share_field(
        0.2, "Share of invited clients who answer",
        source="vendor benchmarks (e-mail satisfaction surveys: 10-30 % answer; secondary)", plausible=(0.1, 0.3))
    noise_sd: float = param(0.1, "Sd of an answer around the true satisfaction", "0..1", ge=0.0, le=1.0, source=A,
                            plausible=(0.05, 0.2))
    feedback: bool = Field(True, description="Results are fed back to each AM [on/off]")
    feedback_delay_days: int = _days(10, "Days from survey to feedback", low=0)
    min_responses: int = Field(3, ge=1, le=100_000, description="Fewest answers for an AM to get feedback [answers]")
    feedback_effect: float = param(
        0.04, "Quality gained from useful feedback, more for AMs below the team", "0..1", ge=0.0, le=1.0,
        source="assumption; Kluger & DeNisi 1996 give the direction (d = .41 on average), not the size",
        plausible=(0.01, 0.08))
    backfire_share: float = share_field(
        0.33, "Chance that feedback lowers performance instead",
        source="Kluger & DeNisi 1996 (over a third of feedback interventions lowered performance)",
        plausible=(0.25, 0.45))
    backfire_effect: float = param(0.03, "Quality lost when feedback backfires", "0..1", ge=0.0, le=1.0, source=A,
                                   plausible=(0.01, 0.06))
    effect_half_life_days: float = param(
        90.0, "Half-life of a feedback effect", "working days", gt=0.0, le=10_000.0, source=A,
        plausible=(30.0, 250.0))
    below_team_scale: float = param(
        0.1, "How far an AM's survey score is below the team's mean when feedback's effect on that AM doubles",
        "satisfaction", gt=0.0, le=1.0, source=A, plausible=(0.05, 0.2))
    feeds_scorecard: bool = Field(
        False,
        description="The incentive scorecard measures satisfaction by the survey, not the true value [on/off]",
    )
    cost_per_response: float = Field(15.0, ge=0.0, le=1e5, description="Cost of one answer [currency]")


# ------------------------------------------------------------------ 5/9 career path


class CareersConfig(Section):
    enabled: bool = Field(False, description="A visible career path with promotion reviews [on/off]")
    review_interval_days: int = _days(125, "Days between promotion reviews")
    min_years_at_level: float = Field(
        2.0, ge=0.0, le=50.0, description="Time at a level before an AM can be promoted [yr]"
    )
    top_share: float = share_field(0.5, "Share of eligible AMs, by evaluation score, promoted at a review")
    max_senior_share: float = share_field(0.7, "Most AMs above the first level, as a share of positions")
    motivation_boost: float = share_field(0.1, "Motivation gained on promotion", source=A, plausible=(0.03, 0.2))
    visibility_effect: float = param(
        0.3, "Fall of the log quit hazard while an AM's path is open", "1/unit", ge=0.0, le=5.0,
        source="assumption, sized from Crowe 2023 (career development 45 % of bank leavers' reasons): an open "
        "path cuts the quit hazard by about half that share", plausible=(0.1, 0.6))
    drive: float = param(
        0.03, "Effort drive of an AM whose path is open, in units of pay at risk (model/effort.py)", "share",
        ge=0.0, le=5.0, source=A, plausible=(0.0, 0.1))
    blocked_effect: float = param(
        0.2, "Rise of the log quit hazard for an eligible AM passed over at two reviews in a row", "1/unit",
        ge=0.0, le=5.0, source="assumption; direction from Crowe 2023 (career development the top reason for "
        "leaving a bank)", plausible=(0.05, 0.5))


# ------------------------------------------------------------------ 6 communication


class CommunicationConfig(Section):
    enabled: bool = Field(False, description="Regular team meetings [on/off]")
    meeting_interval_days: int = _days(5, "Days between meetings (5 = weekly)")
    meeting_length_h: float = Field(
        1.0, gt=0.0, le=24.0, description="Length of a meeting, away from clients, at the start of the day [h]"
    )
    knowledge_sharing: float = share_field(
        0.02, "Share of the gap to the team's mean in each skill closed per meeting by an AM below the mean",
        source="assumption; direction from Mesmer-Magnus & DeChurch 2009 (information sharing raises team "
        "performance, rho about .4)", plausible=(0.005, 0.05))
    escalation_speedup: float = share_field(0.15, "Handling time of complaints saved by faster escalation",
                                            source=A, plausible=(0.05, 0.3))


# ------------------------------------------------------------------ 7 mental health

_STRESS_MANAGEMENT = ("Richardson & Rothstein 2008 (stress management: d = 0.53 on strain), fitted with "
                      "recovery_boost and build_reduction: full reach cuts stress by about 0.5 SD")


class WellbeingConfig(Section):
    enabled: bool = Field(
        False, description="Mental-health support: counselling and stress-management training [on/off]"
    )
    reach: float = share_field(0.6, "Share of AMs who use the programme", source=A, plausible=(0.2, 1.0))
    recovery_boost: float = param(
        0.08, "Extra daily recovery from stress for a user, as a multiple", "ratio", ge=0.0, le=10.0,
        source=_STRESS_MANAGEMENT, plausible=(0.04, 0.15))
    build_reduction: float = share_field(
        0.1, "Cut in how fast stress builds for a user (stress-management skills)", source=_STRESS_MANAGEMENT,
        plausible=(0.05, 0.2))
    sick_reduction: float = share_field(
        0.15, "Cut in a user's sick days (EAP: lost time 66 -> 40 h/month pre/post, no control: taken at under "
        "half)", source="Attridge 2016 (EAP users' lost time 66 -> 40 h a month, before-after without "
        "control), taken at under half", plausible=(0.05, 0.4))
    ramp_days: float = param(
        35.0, "Time constant over which the programme takes effect", "working days", gt=0.0, le=1_000.0,
        source="Richardson & Rothstein 2008 (programmes ran 7.4 weeks on average)", plausible=(20.0, 60.0))
    climate: float = param(
        1.0, "Multiplier on how fast stress builds for everyone (<1: better climate)", "ratio", gt=0.0, le=10.0,
        source="assumption (1: the programme leaves the climate as it is)", plausible=(0.8, 1.0))
    cost_per_user_per_year: float = Field(
        600.0, ge=0.0, le=1e6, description="Programme cost per user per year [currency/yr]"
    )
