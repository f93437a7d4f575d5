"""Turnover and hiring: when AMs quit, and how their desks are filled again.

Quitting (docs/model.md, "Quitting") follows a hazard that depends on tenure, piecewise constant
over the first 3 months, months 3-12, the second year and after (CBA Live 2025: about 10 % of new
bankers leave within 3 months and about half within a year), times what the branch does to the AM:

    q = q(tenure) x exp(quit_effect x (E - E0) + motivation_sensitivity x (m0 - m)
                        + pay_sensitivity x (1 - pay / market pay)) x career factor

where E0 is the typical exhaustion (`exhaustion.initial_mean`): the tenure hazards hold for an AM
as exhausted as is typical. Each AM draws, when hired, an Exp(1) threshold from their own stream
and leaves on the day their cumulative hazard reaches it: the same person leaves later under a
policy that treats them better, which pairs the arms of a comparison tightly (common random numbers
for rare events).

Hiring (docs/model.md, "Vacancies and hiring"): a vacancy is filled after a gamma-distributed delay
(mean `delay_days`, CBA Live 2025: 40-45 calendar days), shortened by `expedite_factor` when the
branch is overloaded (work waiting of more than `expedite_backlog_days` per AM). The new hire is
a junior with low skill who learns on the job.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import random

    from simbranch.model.managers import Manager
    from simbranch.scenario import Scenario

__all__ = ["Turnover"]


class Turnover:
    def __init__(self, scenario: Scenario):
        mg = scenario.managers
        self.cfg = cfg = mg.turnover
        self.on = cfg.enabled
        self.hire = mg.hiring
        D = scenario.branch.days_per_year
        self.D = D
        #: (first day after the band, hazard per day) for each tenure band; the last band is open
        self.bands = ((round(D / 4), cfg.hazard_first_3m / D), (D, cfg.hazard_3_12m / D),
                      (2 * D, cfg.hazard_second_year / D), (math.inf, cfg.base_rate_per_year / D))
        self.exh_effect = mg.exhaustion.quit_effect if mg.exhaustion.enabled else 0.0
        self.exh_ref = mg.exhaustion.initial_mean
        self._tenure_cdf: tuple[np.ndarray, np.ndarray] | None = None
        self.m0 = mg.motivation.initial

    def start(self, m: Manager) -> None:
        """A new AM in post: draw the cumulative hazard at which they will leave."""
        m.quit_threshold = -math.log(1.0 - m.rng.random())
        m.cum_hazard = 0.0

    def tenure_hazard(self, tenure_days: int) -> float:
        """Daily quit hazard of an AM with `tenure_days`, before what the branch does to them."""
        for end, h in self.bands:
            if tenure_days < end:
                return h
        return self.bands[-1][1]

    def hazard(self, m: Manager) -> float:
        """Today's quit hazard of AM `m` (per day)."""
        cfg = self.cfg
        log_mult = (self.exh_effect * (m.exhaustion - self.exh_ref)
                    + cfg.motivation_sensitivity * (self.m0 - m.motivation)
                    + cfg.pay_sensitivity * (1.0 - (1.0 + m.pay_bonus) / cfg.market_pay_ratio))
        return self.tenure_hazard(m.tenure_days) * math.exp(log_mult) * m.quit_factor

    def stationary_tenure(self, u: float) -> int:
        """A tenure drawn (by the uniform `u`) from the tenures of a team that has lived under these
        hazards for long: density proportional to the share still in post at each tenure (the age
        distribution of a renewal process), so the initial team is neither all new nor all veterans."""
        if self._tenure_cdf is None:
            days = np.arange(0, 60 * self.D)
            hazard = np.array([self.tenure_hazard(int(d)) for d in days[: 2 * self.D + 1]])
            hazard = np.concatenate([hazard, np.full(len(days) - len(hazard), self.bands[-1][1])])
            still = np.exp(-np.concatenate([[0.0], np.cumsum(hazard)[:-1]]))
            self._tenure_cdf = (days, np.cumsum(still) / still.sum())
        days, cdf = self._tenure_cdf
        return int(np.searchsorted(cdf, u))

    def quits_today(self, m: Manager) -> bool:
        """Add today's hazard; True when the AM's threshold is reached."""
        if not self.on:
            return False
        m.cum_hazard += self.hazard(m)
        return m.cum_hazard >= m.quit_threshold

    def vacancy_delay(self, rng: random.Random, overloaded: bool) -> int:
        """Working days until a desk left today has its new hire."""
        h = self.hire
        mean = h.delay_days * (h.expedite_factor if overloaded else 1.0)
        if mean <= 0.0:
            return 0
        if h.delay_cv <= 0.0:
            return round(mean)
        shape = 1.0 / (h.delay_cv * h.delay_cv)
        return round(rng.gammavariate(shape, mean / shape))
