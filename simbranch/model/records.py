"""What a run records: running counters for the KPI cohort, and one row per simulated day.

Request KPIs count the cohort of requests that arrived after the warm-up, so that
arrived = served + abandoned + open at the end holds exactly. State KPIs (satisfaction,
stress, skill, ...) are the mean of the daily values over the measured days.
"""

from __future__ import annotations

from array import array
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from simbranch.model.branch import Branch

__all__ = ["DAILY_COLUMNS", "Tally", "nps"]

DAILY_COLUMNS = (
    "day", "warmup", "arrived", "served", "abandoned", "complaints", "sales_count", "revenue",
    "wait_mean_h", "busy_h", "available_h", "utilisation", "queue_length", "clients",
    "new_clients", "churned", "satisfaction_mean", "nps", "headcount", "absent", "vacancies",
    "quits", "hires", "stress_mean", "burnout_share", "skill_mean", "motivation_mean",
    "training_hours", "meeting_hours", "follow_ups", "promotions", "survey_nps", "salary_cost", "training_cost",
    "bonus_cost",
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

    def __init__(self) -> None:
        # the KPI cohort: requests that arrived after the warm-up
        self.arrived = self.served = self.abandoned = self.complaints = self.sales = 0
        self.open_at_end = 0
        self.revenue = self.service_sum = self.wait_all_sum = 0.0
        self.waits = array("d")
        # today's counters, whatever the cohort
        self.rows: list[tuple[Any, ...]] = []
        self._reset_day()

    def _reset_day(self) -> None:
        self.day_arrived = self.day_served = self.day_abandoned = self.day_complaints = 0
        self.day_sales = self.day_churned = self.day_new_clients = self.day_quits = self.day_hires = 0
        self.day_revenue = self.day_wait_sum = self.day_busy = self.day_available = 0.0
        self.day_replacement_cost = self.day_training_hours = self.day_meeting_hours = 0.0
        self.day_training_cost = self.day_bonus_cost = self.day_wellbeing_cost = self.day_other_cost = 0.0
        self.day_follow_ups = self.day_promotions = 0
        self.day_survey_nps = float("nan")

    def close_day(self, branch: Branch, day: int) -> None:
        """Append today's row and reset today's counters."""
        book = branch.clients
        ids = book.active_ids()
        s = book.satisfaction[ids]
        present = branch.present()
        n_present = len(present)
        queue = sum(1 for e in branch.pool if e[2].status == 0) + sum(
            1 for m in present for e in m.queue if e[2].status == 0)
        per_day = branch.days_per_year
        salaries = sum(branch.level_salary[m.level] for m in present) / per_day
        overhead = n_present * branch.scenario.costs.overhead_per_am_per_year / per_day
        self.rows.append((
            day,
            day < branch.warmup_days,
            self.day_arrived,
            self.day_served,
            self.day_abandoned,
            self.day_complaints,
            self.day_sales,
            self.day_revenue,
            self.day_wait_sum / self.day_served if self.day_served else float("nan"),
            self.day_busy,
            self.day_available,
            self.day_busy / self.day_available if self.day_available > 0 else float("nan"),
            queue,
            len(ids),
            self.day_new_clients,
            self.day_churned,
            float(s.mean()) if len(s) else float("nan"),
            nps(s),
            n_present,
            sum(1 for m in present if m.absent),
            len(branch.vacancies),
            self.day_quits,
            self.day_hires,
            float(np.mean([m.stress for m in present])) if present else float("nan"),
            float(np.mean([m.burnout for m in present])) if present else float("nan"),
            float(np.mean([m.skill_mean() for m in present])) if present else float("nan"),
            float(np.mean([m.motivation for m in present])) if present else float("nan"),
            self.day_training_hours,
            self.day_meeting_hours,
            self.day_follow_ups,
            self.day_promotions,
            self.day_survey_nps,
            salaries + overhead,
            self.day_training_cost,
            self.day_bonus_cost,
            self.day_wellbeing_cost,
            self.day_replacement_cost + self.day_other_cost,
            salaries + overhead + self.day_replacement_cost + self.day_training_cost + self.day_bonus_cost
            + self.day_wellbeing_cost + self.day_other_cost,
        ))
        self._reset_day()
