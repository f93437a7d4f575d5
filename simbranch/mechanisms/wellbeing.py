"""Mental-health support (lever 7): counselling, stress-management training and the work climate.

Each AM uses the programme with chance `reach` (drawn once per AM). For a user the effect level
e = 1 - exp(-days in programme / ramp_days) grows over weeks (stress-management programmes run
about 7 weeks: Richardson & Rothstein 2008); then

    recovery rate x (1 + recovery_boost e)   (from stress, and from exhaustion),
    stress build-up x (1 - build_reduction e),  sick-day chance x (1 - sick_reduction e)

and the work climate multiplies stress build-up for everyone. Each user costs
`cost_per_user_per_year`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simbranch.model.branch import Branch

__all__ = ["Wellbeing", "install"]


class Wellbeing:
    def __init__(self, branch: Branch):
        self.cfg = branch.scenario.wellbeing
        self.rng = branch.streams.generator("wellbeing")
        self.joined: dict[int, int | None] = {}  # AM id -> day the AM started using it (None: not a user)
        self.daily_cost = self.cfg.cost_per_user_per_year / branch.days_per_year

    def support(self, branch: Branch, day: int) -> None:
        cfg = self.cfg
        users = 0
        for m in branch.present():
            if m.id not in self.joined:
                self.joined[m.id] = day if self.rng.random() < cfg.reach else None
            start = self.joined[m.id]
            e = 0.0 if start is None else 1.0 - math.exp(-(day - start + 1) / cfg.ramp_days)
            users += start is not None
            m.recovery_factor = 1.0 + cfg.recovery_boost * e
            m.build_factor = cfg.climate * (1.0 - cfg.build_reduction * e)
            m.sick_factor = 1.0 - cfg.sick_reduction * e
        branch.tally.day_wellbeing_cost += users * self.daily_cost


def install(branch: Branch) -> None:
    if branch.scenario.wellbeing.enabled:
        wellbeing = Wellbeing(branch)
        branch.levers["wellbeing"] = wellbeing
        branch.day_start_hooks.append(wellbeing.support)
