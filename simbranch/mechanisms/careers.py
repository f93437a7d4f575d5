"""Career path (levers 5 and 9): promotion reviews on a visible ladder.

Every `review_interval_days` the AMs below the top level who have spent `min_years_at_level`
there are eligible; the best `top_share` of them by evaluation score are promoted, as long as
no more than `max_senior_share` of positions sit above the first level. Promotion raises the
level (salary follows the level) and motivation. While an AM's path is open their quit hazard is
multiplied by exp(-visibility_effect) and their drive (effort intensity, model/effort.py) rises by
`drive`, as much as that share of pay at risk would; an eligible AM passed over at two reviews in a
row is blocked: their hazard is multiplied by exp(+blocked_effect) and the drive is gone until they
are promoted. At the top level the path has ended and both are left as they are.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from simbranch.mechanisms.evaluation import Evaluation

if TYPE_CHECKING:
    from simbranch.model.branch import Branch
    from simbranch.model.managers import Manager

__all__ = ["Careers", "install"]


class Careers:
    def __init__(self, branch: Branch):
        self.cfg = branch.scenario.careers
        self.top_level = len(branch.mg.levels) - 1
        self.min_days = self.cfg.min_years_at_level * branch.days_per_year
        self.evaluation = Evaluation(branch.scenario.incentives.weights.normalised())
        self.passed_over: dict[int, int] = {}

    def review(self, branch: Branch, day: int) -> None:
        cfg = self.cfg
        for m in branch.present():
            self._path_effect(m)
        if (day + 1) % cfg.review_interval_days:
            return
        scores = self.evaluation.scores(self.evaluation.period(branch))
        eligible = [m for m in scores if m.level < self.top_level and day - m.level_since >= self.min_days]
        if not eligible:
            return
        senior = sum(1 for m in branch.present() if m.level > 0)
        room = math.floor(cfg.max_senior_share * len(branch.positions)) - senior
        n_promote = round(cfg.top_share * len(eligible))
        ranked = sorted(eligible, key=lambda m: (-scores[m], m.position))
        for i, m in enumerate(ranked):
            first_promotion = m.level == 0
            if i < n_promote and (room > 0 or not first_promotion):
                room -= first_promotion
                m.level += 1
                m.level_since = day
                m.motivation = min(1.0, m.motivation + cfg.motivation_boost)
                self.passed_over.pop(m.id, None)
                branch.tally.day_promotions += 1
            else:
                self.passed_over[m.id] = self.passed_over.get(m.id, 0) + 1
            self._path_effect(m)

    def drive(self, branch: Branch, day: int) -> None:
        """Every morning: an open path motivates effort."""
        for m in branch.present():
            if m.level < self.top_level and self.passed_over.get(m.id, 0) < 2:
                m.drive += self.cfg.drive

    def _path_effect(self, m: Manager) -> None:
        if m.level >= self.top_level:
            m.quit_factor = 1.0
        elif self.passed_over.get(m.id, 0) >= 2:
            m.quit_factor = math.exp(self.cfg.blocked_effect)
        else:
            m.quit_factor = math.exp(-self.cfg.visibility_effect)


def install(branch: Branch) -> None:
    if branch.scenario.careers.enabled:
        careers = Careers(branch)
        branch.levers["careers"] = careers
        branch.day_end_hooks.append(careers.review)
        branch.day_start_hooks.append(careers.drive)
