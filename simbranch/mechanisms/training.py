"""Training and assessment (lever 2).

Training: every `interval_days` the attendees are chosen and go, in `groups` one after
another, away from clients for `length_days` each. For each attendee who transfers it (chance
`transfer_share`), each trained skill below the course's ceiling (what it can teach) closes a
share `gain` of its gap to it: x += gain (ceiling - x); a skill at or above it gains nothing, so
repeated courses give less and less. The gain then fades like any skill above the AM's floor,
unless practice keeps it.

Assessment: every `interval_days` each AM gets a score, a weighted mix of tested skill and the
scorecard result (both standardised across the AMs), measured with noise (`noise_sd` in skill
units). The lowest `low_share` are flagged; a flag buys a place on
the next training session, or a development plan that raises the AM's learning rate for a while.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simbranch.mechanisms.evaluation import Evaluation

if TYPE_CHECKING:
    from simbranch.model.branch import Branch
    from simbranch.model.managers import Manager

__all__ = ["Assessment", "Training", "install"]


class Training:
    def __init__(self, branch: Branch):
        self.cfg = branch.scenario.training
        self.rng = branch.streams.generator("training")
        self.ceiling = self.cfg.ceiling
        self.waiting: list[tuple[int, list[Manager]]] = []  # (start day, group) still to attend

    def session(self, branch: Branch, day: int) -> None:
        """On a session day, split the attendees into groups that follow one another."""
        cfg = self.cfg
        if day > 0 and day % cfg.interval_days == 0:
            chosen = self.attendees(branch, day)
            n = min(cfg.groups, len(chosen))
            for g in range(n):
                self.waiting.append((day + g * cfg.length_days, chosen[g::n]))
        while self.waiting and self.waiting[0][0] <= day:
            # those who left, or are sick or on leave on their group's day, miss the course
            group = [m for m in self.waiting.pop(0)[1]
                     if branch.positions[m.position] is m and not (m.sick_today or m.on_leave)]
            self.course(branch, group)

    def course(self, branch: Branch, attendees: list[Manager]) -> None:
        """A group leaves for its course; those who transfer it gain in every trained skill."""
        cfg = self.cfg
        tally = branch.tally
        for m in attendees:
            m.away_days = max(m.away_days, cfg.length_days)
            if self.rng.random() < cfg.transfer_share:
                for area in cfg.areas:
                    x = getattr(m, area)
                    if x < self.ceiling:
                        setattr(m, area, x + cfg.gain * (self.ceiling - x))
        days = cfg.length_days * len(attendees)
        tally.day_training_hours += days * branch.hours_per_day
        tally.day_training_cost += days * cfg.cost_per_attendee_day
        assessment: Assessment | None = branch.levers.get("assessment")
        if assessment is not None:
            assessment.flagged -= {m.id for m in attendees}

    def attendees(self, branch: Branch, day: int) -> list[Manager]:
        cfg = self.cfg
        present = [m for m in branch.present() if not (m.sick_today or m.on_leave)]
        assessment: Assessment | None = branch.levers.get("assessment")
        if cfg.attendees == "all":
            chosen = present
        elif cfg.attendees == "new_hires":
            chosen = [m for m in present if m.tenure_days < cfg.new_hire_days]
        else:
            scored = [m for m in present if assessment is not None and m.id in assessment.scores]
            scored.sort(key=lambda m: (assessment.scores[m.id], m.position))  # type: ignore[union-attr]
            chosen = scored[: max(1, round(cfg.lowest_share * len(present)))] if scored else []
        if assessment is not None and assessment.cfg.action == "training":
            chosen = list(dict.fromkeys([*chosen, *(m for m in present if m.id in assessment.flagged)]))
        if cfg.capacity and len(chosen) > cfg.capacity:
            chosen = sorted(chosen, key=lambda m: (m.skill_mean(), m.position))[: cfg.capacity]
        return chosen


class Assessment:
    def __init__(self, branch: Branch):
        self.cfg = branch.scenario.assessment
        self.rng = branch.streams.generator("assessment")
        self.evaluation = Evaluation(branch.scenario.incentives.weights.normalised())
        self.scores: dict[int, float] = {}
        self.flagged: set[int] = set()
        self.plan_until: dict[int, int] = {}

    def assess(self, branch: Branch, day: int) -> None:
        cfg = self.cfg
        for m in branch.present():  # development plans end
            if self.plan_until.get(m.id, -1) == day:
                m.learn_factor = 1.0
        if (day + 1) % cfg.interval_days:
            return
        present = branch.present()
        if not present:
            return
        card = self.evaluation.scores(self.evaluation.period(branch))
        skill = np.array([m.skill_mean() for m in present])
        results = np.array([card[m] for m in present])
        score = cfg.skill_weight * _standard(skill) + (1 - cfg.skill_weight) * _standard(results)
        score = score + self.rng.normal(0.0, cfg.noise_sd, len(present)) / max(float(skill.std()), 1e-9)
        self.scores = {m.id: float(s) for m, s in zip(present, score, strict=True)}
        n_low = round(cfg.low_share * len(present))
        low = [present[i] for i in np.argsort(score)[:n_low]]
        branch.tally.day_other_cost += cfg.cost_per_am * len(present)
        if cfg.action == "training":
            self.flagged = {m.id for m in low}
        elif cfg.action == "development_plan":
            for m in low:
                m.learn_factor = 1.0 + cfg.plan_learning_boost
                self.plan_until[m.id] = day + cfg.plan_days


def _standard(x: np.ndarray) -> np.ndarray:
    """z-scores across the AMs (zeros when they are all equal), so weights mean what they say."""
    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 0 else np.zeros_like(x)


def install(branch: Branch) -> None:
    sc = branch.scenario
    if sc.assessment.enabled:
        assessment = Assessment(branch)
        branch.levers["assessment"] = assessment
        branch.day_end_hooks.append(assessment.assess)
    if sc.training.enabled:
        training = Training(branch)
        branch.levers["training"] = training
        branch.day_start_hooks.append(training.session)
