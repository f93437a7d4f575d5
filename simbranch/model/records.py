"""What a run records: running counters for the KPI cohort, and one row per simulated day.

Request KPIs count the cohort of requests that arrived after the warm-up, so that
arrived = served + abandoned + open at the end holds exactly. Waits cover the whole cohort: a
served request waited until its service began, an abandoned one until it was given up, and one
still open at the end has waited until the end so far (censored at the horizon), so waits never
look better because the branch fell behind. State KPIs (satisfaction, stress, skill, ...) are the
mean of the daily values over the measured days.
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from simbranch.model.branch import Branch
    from simbranch.model.workday import DayHours

__all__ = ["DAILY_COLUMNS", "Tally", "nps"]

DAILY_COLUMNS = (
    "day", "warmup", "arrived", "served", "abandoned", "complaints", "sales_count", "proactive_sales", "revenue",
    "wait_mean_h", "busy_h", "available_h", "utilisation", "overtime_h", "admin_h", "proactive_h",
    "proactive_contacts", "queue_length", "backlog_h", "clients", "new_clients", "churned", "satisfaction_mean",
    "nps", "headcount", "absent", "on_leave", "vacancies", "quits", "hires", "stress_mean", "exhaustion_mean",
    "exhausted_share", "burnout_share", "skill_mean", "motivation_mean", "training_hours", "meeting_hours",
    "follow_ups", "promotions", "survey_nps", "salary_cost", "time_away_cost", "training_cost", "bonus_cost",
    "wellbeing_cost", "other_cost", "cost",
)


def nps(satisfaction: np.ndarray) -> float:
    """Net promoter score of clients whose 0-10 recommendation score is round(10 x satisfaction)."""
    if len(satisfaction) == 0:
        return float("nan")
    score = np.rint(10.0 * satisfaction)
    return float(100.0 * (np.mean(score >= 9) - np.mean(score <= 6)))


class Tally:
    """Counters the engine updates as events happen, and the daily rows it closes."""

    def __init__(self, n_tiers: int = 1) -> None:
        # the KPI cohort: requests that arrived after the warm-up
        self.arrived = self.served = self.abandoned = self.complaints = self.sales = 0
        self.open_at_end = 0
        self.revenue = self.service_sum = self.wait_all_sum = self.served_wait_sum = 0.0
        self.waits = array("d")  # every cohort request's wait: served, abandoned, and open (censored)
        # per tier, over the measured days
        self.tier_satisfaction = np.zeros(n_tiers)  # sum of the daily mean satisfaction
        self.tier_days = np.zeros(n_tiers)  # days with clients in the tier
        self.tier_client_days = np.zeros(n_tiers)
        self.tier_churned = np.zeros(n_tiers)
        # today's counters, whatever the cohort
        self.rows: list[tuple[Any, ...]] = []
        self._reset_day()

    def _reset_day(self) -> None:
        self.day_arrived = self.day_served = self.day_abandoned = self.day_complaints = 0
        self.day_sales = self.day_churned = self.day_new_clients = self.day_quits = self.day_hires = 0
        self.day_proactive_sales = self.day_proactive_contacts = 0
        self.day_revenue = self.day_wait_sum = self.day_busy = self.day_available = 0.0
        self.day_overtime = self.day_admin = self.day_proactive_h = self.day_overtime_pay = 0.0
        self.day_course_hours = 0.0  # hours AMs spent on a course today
        self.day_replacement_cost = self.day_training_hours = self.day_meeting_hours = 0.0
        self.day_training_cost = self.day_bonus_cost = self.day_wellbeing_cost = self.day_other_cost = 0.0
        self.day_follow_ups = self.day_promotions = 0
        self.day_survey_nps = float("nan")

    def add_hours(self, hours: DayHours, overtime_pay: float = 0.0) -> None:
        """One AM's working day."""
        self.day_overtime += hours.overtime
        self.day_admin += hours.admin
        self.day_proactive_h += hours.proactive
        self.day_overtime_pay += overtime_pay

    def lost_client(self, tier: int, measured: bool) -> None:
        self.day_churned += 1
        if measured:
            self.tier_churned[tier] += 1

    def close_day(self, branch: Branch, day: int) -> None:
        """Append today's row and reset today's counters."""
        book = branch.clients
        ids = book.active_ids()
        s = book.satisfaction[ids]
        if day >= branch.warmup_days and len(ids):
            tiers = book.tier[ids]
            n = np.bincount(tiers, minlength=len(self.tier_days))
            sums = np.bincount(tiers, weights=s, minlength=len(self.tier_days))
            has = n > 0
            self.tier_satisfaction[has] += sums[has] / n[has]
            self.tier_days += has
            self.tier_client_days += n
        present = branch.present()
        n_present = len(present)
        waiting = [e[2] for e in branch.pool if e[2].status == 0] + [
            e[2] for m in present for e in m.queue if e[2].status == 0]
        per_day = branch.days_per_year
        salaries = sum(branch.level_salary[m.level] for m in present) / per_day
        overhead = n_present * branch.scenario.costs.overhead_per_am_per_year / per_day
        other = self.day_replacement_cost + self.day_other_cost + self.day_overtime_pay
        # salary paid for hours away from clients in meetings and courses (a part of the salary cost)
        hourly = salaries / n_present / branch.hours_per_day if n_present else 0.0
        ex = branch.mg.exhaustion
        exhaustion = [m.exhaustion for m in present]
        self.rows.append((
            day,
            day < branch.warmup_days,
            self.day_arrived,
            self.day_served,
            self.day_abandoned,
            self.day_complaints,
            self.day_sales,
            self.day_proactive_sales,
            self.day_revenue,
            self.day_wait_sum / self.day_served if self.day_served else float("nan"),
            self.day_busy,
            self.day_available,
            self.day_busy / self.day_available if self.day_available > 0 else float("nan"),
            self.day_overtime,
            self.day_admin,
            self.day_proactive_h,
            self.day_proactive_contacts,
            len(waiting),
            sum(r.base_time for r in waiting) + sum(m.admin_backlog for m in present),
            len(ids),
            self.day_new_clients,
            self.day_churned,
            float(s.mean()) if len(s) else float("nan"),
            nps(s),
            n_present,
            sum(1 for m in present if m.absent),
            sum(1 for m in present if m.on_leave),
            len(branch.vacancies),
            self.day_quits,
            self.day_hires,
            float(np.mean([m.stress for m in present])) if present else float("nan"),
            float(np.mean(exhaustion)) if present else float("nan"),
            float(np.mean([e >= ex.high_threshold for e in exhaustion])) if present else float("nan"),
            float(np.mean([m.burnout for m in present])) if present else float("nan"),
            float(np.mean([m.skill_mean() for m in present])) if present else float("nan"),
            float(np.mean([m.motivation for m in present])) if present else float("nan"),
            self.day_training_hours,
            self.day_meeting_hours,
            self.day_follow_ups,
            self.day_promotions,
            self.day_survey_nps,
            salaries + overhead,
            hourly * (self.day_course_hours + self.day_meeting_hours),
            self.day_training_cost,
            self.day_bonus_cost,
            self.day_wellbeing_cost,
            other,
            salaries + overhead + other + self.day_training_cost + self.day_bonus_cost + self.day_wellbeing_cost,
        ))
        self._reset_day()

    def close_run(self, branch: Branch) -> None:
        """At the end: count the cohort's open requests and add their waits, censored at the end."""
        now = branch.env.now
        for req in branch.open_requests():
            if req.counted:
                self.open_at_end += 1
                self.waits.append((req.start if req.status == 1 else now) - req.arrival)
