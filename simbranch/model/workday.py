"""The AM's working day: a budget of hours shared by requests, administration, proactive work and
overtime (docs/model.md, "Working day").

Requests come first: the engine serves them as they arrive, all day, and an AM with work waiting at
closing stays on to clear it, within the overtime cap. What the day has left goes to
administration, which must be done (compliance, documentation: a fixed part and a part per client
in the book), then to the proactive work the AM planned (reviews, outreach, prospecting), which is
the first thing to give way when the day is full. What is left undone:

* administration carries over to the next day (up to `admin_backlog_max_days` of it), done in
  overtime first;
* planned proactive work is made up in overtime only in part, `proactive_overtime_share` x effort
  intensity of the shortfall; the rest is deferred, and with it the sales and contacts it brings.

Overtime is capped at `overtime_cap_h` a day; paid at `overtime_premium` times the hourly salary
when `overtime_paid`, and in any case felt as stress (`managers.stress.overtime_stress`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simbranch.model.managers import Manager
    from simbranch.scenario import Scenario

__all__ = ["DayHours", "Workday"]


@dataclass(slots=True)
class DayHours:
    """How one AM's working day was spent, in hours."""

    contracted: float  # hours at work for clients today (the day less meetings)
    requests: float  # serving requests within the contracted hours
    requests_overtime: float  # clearing waiting requests after closing
    admin: float  # administration, in and out of hours
    proactive: float  # proactive work on the book, in and out of hours
    overtime: float  # hours beyond the contracted ones, whatever they went to
    admin_left: float  # administration carried over to tomorrow

    @property
    def worked(self) -> float:
        """Every hour worked today, in and out of the contracted day."""
        return self.requests + self.requests_overtime + self.admin + self.proactive


class Workday:
    def __init__(self, scenario: Scenario):
        self.cfg = cfg = scenario.managers.workday
        self.on = cfg.enabled
        self.hours = scenario.branch.hours_per_day
        self.per_client_day = cfg.admin_per_client_h / scenario.branch.days_per_year
        self.cap = cfg.overtime_cap_h if cfg.enabled else 0.0

    def admin_today(self, book_size: int) -> float:
        """Administration a working day brings for an AM holding `book_size` clients."""
        return self.cfg.admin_fixed_h + self.per_client_day * book_size

    def close(self, m: Manager, requests: float, away_h: float, overtime_on_requests: float,
              book_size: int) -> DayHours:
        """Share out the rest of an AM's day once requests (and the overtime spent clearing them) are known."""
        if not self.on:
            return DayHours(max(0.0, self.hours - away_h), requests, 0.0, 0.0, 0.0, 0.0, 0.0)
        cfg = self.cfg
        contracted = max(0.0, self.hours - away_h)
        free = max(0.0, contracted - requests)
        today = self.admin_today(book_size)
        due = today + m.admin_backlog
        admin_in = min(due, free)
        free -= admin_in
        target = cfg.proactive_h * m.intensity
        proactive_in = min(target, free)
        budget = max(0.0, self.cap - overtime_on_requests)
        admin_out = min(due - admin_in, budget)
        budget -= admin_out
        left = due - admin_in - admin_out
        m.admin_backlog = min(left, cfg.admin_backlog_max_days * today)
        willing = min(1.0, cfg.proactive_overtime_share * m.intensity)
        proactive_out = min((target - proactive_in) * willing, budget)
        overtime = overtime_on_requests + admin_out + proactive_out
        return DayHours(contracted, requests, overtime_on_requests, admin_in + admin_out,
                        proactive_in + proactive_out, overtime, m.admin_backlog)
