"""Account managers: their state and the per-contact and daily rules that change it.

An AM holds three skills in [0, 1] (sales technique, relationship management, product
knowledge), a specialty domain, a floor below which skill never decays (it rises with
experience), stress and exhaustion, motivation, an effort split between selling and service and
an effort intensity, and the counters the run reports. The functions here are the submodels of docs/model.md; the engine
(`branch.py`) decides when they are called.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simbranch.model.requests import Request
    from simbranch.scenario import ManagersConfig

__all__ = ["Manager", "SkillRules", "relevant_skill"]

SALES, RELATIONSHIP, PRODUCT = "sales", "relationship", "product"
SKILL_AREAS = (SALES, RELATIONSHIP, PRODUCT)


class Manager:
    """One AM in one position. Plain attributes: the engine and policies read and write them."""

    __slots__ = (
        "absent",
        "admin_backlog",
        "away_days",
        "build_factor",
        "burnout",
        "burnout_total_days",
        "busy",
        "busy_end",
        "busy_since",
        "busy_total",
        "complaints",
        "cum_hazard",
        "current",
        "day_away_h",
        "day_busy_start",
        "day_complaints",
        "drive",
        "effort_split",
        "exhausted_days",
        "exhaustion",
        "floor",
        "hired_day",
        "id",
        "in_meeting",
        "intensity",
        "learn_factor",
        "learn_rate",
        "leave_starts",
        "leave_until",
        "leave_year",
        "left_day",
        "level",
        "level_since",
        "motivation",
        "motivation_bonus",
        "occupant",
        "on_done",
        "on_leave",
        "overtime_total",
        "pay_bonus",
        "position",
        "pressure",
        "proactive_calls",
        "proactive_total",
        "product",
        "quality_bonus",
        "queue",
        "quit_factor",
        "quit_reason",
        "quit_threshold",
        "recovery_factor",
        "relationship",
        "revenue",
        "rng",
        "sales",
        "sales_count",
        "score",
        "served",
        "service_token",
        "sick_days",
        "sick_factor",
        "sick_today",
        "specialty",
        "stress",
        "susceptibility",
        "tenure_days",
    )

    def __init__(self, id: int, position: int, level: int, specialty: int, skills: tuple[float, float, float],
                 floor: float, stress: float, motivation: float, effort_split: float,
                 tenure_days: int, hired_day: int):
        self.id = id
        self.position = position
        self.level = level
        self.specialty = specialty
        self.sales, self.relationship, self.product = skills
        self.floor = floor
        self.stress = stress
        self.motivation = motivation
        self.effort_split = effort_split
        self.tenure_days = tenure_days
        self.hired_day = hired_day
        self.left_day = -1
        self.quit_reason = ""
        self.burnout = False  # exhaustion at or above the burnout threshold
        self.burnout_total_days = 0
        self.exhaustion = 0.0
        self.exhausted_days = 0  # days highly exhausted
        self.susceptibility = 1.0  # individual susceptibility to exhaustion
        self.absent = False
        # why an AM is away from clients (presence = none of these)
        self.sick_today = False
        self.on_leave = False
        self.leave_starts: list[int] = []  # first days of the blocks of annual leave still to come
        self.leave_until = -1  # last day of the block of leave under way
        self.leave_year = -1  # the last year whose leave is planned
        self.away_days = 0  # whole days left away (training)
        self.in_meeting = False
        self.day_away_h = 0.0  # hours away from clients today on a working day (meetings)
        # modifiers the levers set; neutral values leave the core model unchanged
        self.quality_bonus = 0.0
        self.pressure = 0.0
        self.motivation_bonus = 0.0
        self.build_factor = 1.0
        self.recovery_factor = 1.0
        self.sick_factor = 1.0
        self.quit_factor = 1.0
        self.learn_factor = 1.0
        self.intensity = 1.0  # effort relative to normal (incentives, careers): proactive hours, overtime
        self.pay_bonus = 0.0  # expected variable pay as a share of salary (incentives)
        self.drive = 0.0  # what the levers do to motivate effort today (pay at risk, career path), summed
        self.score = float("nan")  # last evaluation score
        self.level_since = hired_day - tenure_days
        self.complaints = 0  # complaints from the AM's clients
        self.learn_rate = 0.0
        self.busy = False
        self.current: Request | None = None
        self.busy_since = 0.0
        self.busy_end = 0.0
        self.service_token = 0  # moves on when a service is finished early (in overtime at closing)
        self.busy_total = 0.0
        self.day_busy_start = 0.0
        self.queue: list[Any] = []
        self.on_done: Any = None
        self.served = 0
        self.sales_count = 0
        self.revenue = 0.0
        self.sick_days = 0
        self.day_complaints = 0  # complaints handled today
        self.admin_backlog = 0.0  # hours of administration left undone
        self.overtime_total = 0.0
        self.proactive_total = 0.0
        self.proactive_calls = 0
        self.occupant = 0  # how many people held this desk before (keys the AM's own stream)
        self.rng: Any = None  # the AM's own random stream (streams.am_random)
        self.quit_threshold = float("inf")  # cumulative quit hazard at which the AM leaves (Exp(1))
        self.cum_hazard = 0.0

    def busy_until(self, now: float) -> float:
        """Busy hours accumulated up to `now`, including a service in progress."""
        return self.busy_total + (now - self.busy_since if self.busy else 0.0)

    def skill_mean(self) -> float:
        return (self.sales + self.relationship + self.product) / 3.0


def relevant_skill(m: Manager, kind: int) -> float:
    """The skill that a request of `kind` (0 service, 1 sales, 2 complaint) calls on most."""
    if kind == 0:
        return 0.5 * (m.product + m.relationship)
    if kind == 1:
        return 0.5 * (m.sales + m.product)
    return m.relationship


@dataclass(frozen=True)
class SkillRules:
    """Per-contact and daily skill rules, with every coefficient taken from the scenario once."""

    learning: bool
    rate: float
    novice_multiplier: float
    novice_days: float
    ceiling: float
    experience_gain: float
    experience_days: float
    skill_floor: float
    decay: bool
    decay_factor: float

    @classmethod
    def from_config(cls, cfg: ManagersConfig, days_per_year: int) -> SkillRules:
        return cls(
            learning=cfg.learning.enabled,
            rate=cfg.learning.rate_per_contact,
            novice_multiplier=cfg.learning.novice_multiplier,
            novice_days=cfg.learning.novice_days,
            ceiling=cfg.learning.ceiling,
            experience_gain=cfg.learning.experience_floor_gain,
            experience_days=cfg.learning.experience_years * days_per_year,
            skill_floor=cfg.skill_floor,
            decay=cfg.decay.enabled,
            decay_factor=math.exp(-math.log(2.0) / cfg.decay.half_life_days),
        )

    def floor_for(self, tenure_days: int) -> float:
        """Skill that no longer decays after `tenure_days` of experience (learning curve)."""
        if not self.learning or self.experience_days <= 0.0:
            return self.skill_floor
        return self.skill_floor + self.experience_gain * (1.0 - math.exp(-tenure_days / self.experience_days))

    def rate_for(self, tenure_days: int) -> float:
        """Learning rate per contact: fastest for novices, levelling off (power law of practice)."""
        return self.rate * (1.0 + self.novice_multiplier * math.exp(-tenure_days / self.novice_days))

    def learn(self, m: Manager, kind: int) -> None:
        """Learning by doing: each contact closes a share of the gap to the ceiling in the areas used."""
        r, c = m.learn_rate * m.learn_factor, self.ceiling
        if kind == 0:
            m.product += r * (c - m.product)
            m.relationship += r * (c - m.relationship)
        elif kind == 1:
            m.sales += r * (c - m.sales)
            m.product += r * (c - m.product)
        else:
            m.relationship += r * (c - m.relationship)

    def end_of_day(self, m: Manager) -> None:
        """Decay of the part of each skill above the AM's floor, and the floor's rise with experience."""
        if self.learning:
            m.floor = max(m.floor, self.floor_for(m.tenure_days))
            m.learn_rate = self.rate_for(m.tenure_days)
        if self.decay:
            f, k = m.floor, self.decay_factor
            if m.sales > f:
                m.sales = f + (m.sales - f) * k
            if m.relationship > f:
                m.relationship = f + (m.relationship - f) * k
            if m.product > f:
                m.product = f + (m.product - f) * k
