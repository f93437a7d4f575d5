"""Absence: annual leave, planned in blocks, and sick days, more of them under stress and exhaustion.

Leave (docs/model.md, "Absence"): in each year of the run an AM takes `leave_days_per_year` in blocks
of `leave_block_days`, starting on days drawn uniformly within the year from the AM's own stream (a
new hire plans the rest of their first year pro rata); blocks that would overlap follow each other.
Sick days: each working day not on leave, an AM is off sick with chance

    p = sick_days_per_year / D x sick_factor x exp(stress_sensitivity x sigma + absence_effect x E)

Leave and sickness are rest: stress and exhaustion recover faster (`Strain.day_away`). Colleagues
cover an absent AM's clients when `allocation.cover_absent`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simbranch.model.managers import Manager
    from simbranch.scenario import Scenario

__all__ = ["Absence"]


class Absence:
    def __init__(self, scenario: Scenario):
        self.cfg = cfg = scenario.managers.absence
        self.on = cfg.enabled
        self.days_per_year = scenario.branch.days_per_year
        self.sick_base = cfg.sick_days_per_year / self.days_per_year
        self.exh_effect = scenario.managers.exhaustion.absence_effect if scenario.managers.exhaustion.enabled else 0.0

    def plan_leave(self, m: Manager, day: int) -> None:
        """Plan the AM's blocks of leave for the rest of the year that `day` falls in (once a year);
        blocks that would overlap are moved back to follow each other, within the year."""
        cfg, D = self.cfg, self.days_per_year
        year = day // D
        if not self.on or cfg.leave_days_per_year <= 0.0 or m.leave_year == year:
            return
        m.leave_year = year
        year_end = (year + 1) * D
        days = cfg.leave_days_per_year * (year_end - day) / D
        block = cfg.leave_block_days
        n = int(days // block) + (m.rng.random() < (days % block) / block)
        last = year_end - block
        starts = sorted(day + int(m.rng.random() * max(1, last - day + 1)) for _ in range(n))
        previous = -block
        for start in starts:
            start = max(start, previous + block)
            if start >= year_end:
                break
            m.leave_starts.append(start)
            previous = start

    def start_day(self, m: Manager, day: int) -> None:
        """Whether the AM is on leave or off sick today."""
        if not self.on:
            return
        self.plan_leave(m, day)  # at a new year (once a year)
        while m.leave_starts and m.leave_starts[0] <= day:
            m.leave_until = max(m.leave_until, m.leave_starts.pop(0) + self.cfg.leave_block_days - 1)
        m.on_leave = m.leave_until >= day
        u = m.rng.random()  # drawn every day, so that a day of leave does not shift later draws
        p = self.sick_base * m.sick_factor * math.exp(self.cfg.stress_sensitivity * m.stress
                                                      + self.exh_effect * m.exhaustion)
        m.sick_today = not m.on_leave and u < p
        m.sick_days += m.sick_today
