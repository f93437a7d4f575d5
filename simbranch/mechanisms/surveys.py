"""Client satisfaction surveys and feedback (lever 4).

Every `interval_days` a share of active clients is invited; each answers with chance
`response_rate`, giving their satisfaction plus noise. The survey yields a measured NPS and a
score per AM (mean answer of the AM's clients). After `feedback_delay_days` each AM with at least
`min_responses` answers hears their result: with chance `backfire_share` it lowers their service
quality by `backfire_effect` (Kluger & DeNisi: over a third of feedback hurts), otherwise it
raises it by `feedback_effect`, more for AMs below the team's mean. The effect fades with a
half-life. The per-AM scores can replace the true satisfaction in the scorecard.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from simbranch.model.records import nps

if TYPE_CHECKING:
    from simbranch.model.branch import Branch

__all__ = ["Surveys", "install"]


class Surveys:
    def __init__(self, branch: Branch):
        self.cfg = branch.scenario.surveys
        self.rng = branch.streams.generator("surveys")
        self.decay = math.exp(-math.log(2.0) / self.cfg.effect_half_life_days)
        self.effect: dict[int, float] = {}  # feedback effect on quality, by AM id
        self.pending: list[tuple[int, dict[int, tuple[float, int]]]] = []  # (feedback day, results)

    def survey(self, branch: Branch, day: int) -> None:
        cfg = self.cfg
        for m in branch.present():  # effects fade
            e = self.effect.get(m.id, 0.0) * self.decay
            self.effect[m.id] = e
            m.quality_bonus = e
        while self.pending and self.pending[0][0] <= day:
            self._feed_back(branch, self.pending.pop(0)[1])
        if (day + 1) % cfg.interval_days:
            return
        book = branch.clients
        ids = book.active_ids()
        invited = ids[self.rng.random(len(ids)) < cfg.sample_share]
        answered = invited[self.rng.random(len(invited)) < cfg.response_rate]
        if not len(answered):
            return
        answers = np.clip(book.satisfaction[answered] + self.rng.normal(0.0, cfg.noise_sd, len(answered)), 0, 1)
        branch.tally.day_other_cost += cfg.cost_per_response * len(answered)
        branch.tally.day_survey_nps = nps(answers)
        owners = book.am[answered]
        results: dict[int, tuple[float, int]] = {}
        for m in branch.present():
            mine = answers[owners == m.position]
            if len(mine):
                results[m.id] = (float(mine.mean()), len(mine))
        branch.survey_scores = {am: mean for am, (mean, _) in results.items()}
        if cfg.feedback:
            self.pending.append((day + cfg.feedback_delay_days, results))

    def _feed_back(self, branch: Branch, results: dict[int, tuple[float, int]]) -> None:
        cfg = self.cfg
        usable = {am: r for am, r in results.items() if r[1] >= cfg.min_responses}
        if not usable:
            return
        team = float(np.mean([mean for mean, _ in usable.values()]))
        for m in branch.present():
            if m.id not in usable:
                continue
            if self.rng.random() < cfg.backfire_share:
                change = -cfg.backfire_effect
            else:
                below = max(0.0, team - usable[m.id][0])
                change = cfg.feedback_effect * (1.0 + below / cfg.below_team_scale)
            self.effect[m.id] = self.effect.get(m.id, 0.0) + change
            m.quality_bonus = self.effect[m.id]


def install(branch: Branch) -> None:
    if branch.scenario.surveys.enabled:
        surveys = Surveys(branch)
        branch.levers["surveys"] = surveys
        branch.day_end_hooks.append(surveys.survey)
