"""Evaluation and incentives (lever 3): pay schemes that move effort, motivation and pressure.

Each scheme has a sales orientation S in [-1, 1] (what its measures pay for: selling minus
service) and a strength P, the expected variable pay as a share of salary: `pay_at_risk` for
bonus schemes, and for commission the rate x the expected sales revenue per AM / mean salary.
While it runs, every AM's

    effort split   phi = phi0 + effort_response * S * P * k
    motivation target bonus  = motivation_response * P * k * (1 + weak_response * max(0, ref - skill))
    daily pressure           = pressure * P * k  (x2 in a tournament)

with k = 1 for individual pay and team_factor for a team bonus (the weak-AM response applies to
individual pay only). Pay is settled at each evaluation: commission = rate x revenue sold;
scorecard bonus = pay at risk x salary x a share that rises with the score; team bonus = pay at
risk x salary x the branch's revenue against the previous period (capped at 2); tournament = the
pool shared by the top quarter on sales.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simbranch.policies.evaluation import Evaluation

if TYPE_CHECKING:
    from simbranch.model.branch import Branch
    from simbranch.model.managers import Manager
    from simbranch.scenario import Scenario

__all__ = ["Incentives", "install"]

SALES_ONLY = {"sales": 1.0, "growth": 0.0, "clients": 0.0, "satisfaction": 0.0, "complaints": 0.0, "follow_up": 0.0}


class Incentives:
    def __init__(self, scenario: Scenario):
        cfg = self.cfg = scenario.incentives
        self.scheme = cfg.scheme
        self.weights = SALES_ONLY if cfg.scheme in ("commission", "tournament") else cfg.weights.normalised()
        orientation = sum(self.weights[k] for k in ("sales", "growth", "clients")) - sum(
            self.weights[k] for k in ("satisfaction", "complaints", "follow_up"))
        k = cfg.team_factor if cfg.scheme == "team_bonus" else 1.0
        strength = (self.commission_share(scenario) if cfg.scheme == "commission" else cfg.pay_at_risk) * k
        self.individual = cfg.scheme != "team_bonus"
        self.effort = scenario.managers.effort_split + cfg.effort_response * orientation * strength
        self.effort = min(1.0, max(0.0, self.effort))
        self.motivation = cfg.motivation_response * strength
        self.pressure = cfg.pressure * strength * (2.0 if cfg.scheme == "tournament" else 1.0)
        self.reference = scenario.managers.skill_effects.reference
        self.evaluation = Evaluation(self.weights)
        self.salary_share = cfg.evaluation_interval_days / scenario.branch.days_per_year
        self.team_revenue = 0.0  # the branch's revenue in the previous period (team bonus)

    @staticmethod
    def commission_share(scenario: Scenario) -> float:
        """Commission as an expected share of pay: rate x expected sales revenue per AM / mean salary,
        from the scenario's book (tiers, request rates, sales share, conversion, sale size)."""
        cl, mg, sales = scenario.clients, scenario.managers, scenario.sales
        share_sales = scenario.requests.types.sales.share
        revenue = sum(cl.count * t.share * t.requests_per_year * share_sales * sales.base_conversion
                      * sales.amount_share * t.value_median * np.exp(t.value_sigma ** 2 / 2)
                      for t in cl.tiers.values()) / mg.count
        salary = sum(lv.share * lv.salary_per_year for lv in mg.levels.values())
        return scenario.incentives.commission_rate * revenue / salary if salary > 0 else 0.0

    def respond(self, branch: Branch, day: int) -> None:
        """Every day: each AM's effort, motivation target and pressure under the scheme."""
        for m in branch.present():
            m.effort_split = self.effort
            weak = max(0.0, self.reference - m.skill_mean()) if self.individual else 0.0
            m.motivation_bonus = self.motivation * (1.0 + self.cfg.weak_response * weak)
            m.pressure = self.pressure

    def settle(self, branch: Branch, day: int) -> None:
        """At the end of each evaluation period: score the AMs and pay them."""
        if (day + 1) % self.cfg.evaluation_interval_days:
            return
        survey = branch.survey_scores if branch.scenario.surveys.feeds_scorecard else None
        measures = self.evaluation.period(branch, survey)
        scores = self.evaluation.scores(measures)
        if scores:
            branch.tally.day_bonus_cost += sum(self.payouts(branch, measures, scores).values())

    def payouts(self, branch: Branch, measures: dict[Manager, dict[str, float]],
                scores: dict[Manager, float]) -> dict[Manager, float]:
        cfg = self.cfg
        salary = {m: branch.level_salary[m.level] * self.salary_share for m in scores}
        if self.scheme == "commission":
            return {m: cfg.commission_rate * measures[m]["sales"] for m in scores}
        pool = {m: cfg.pay_at_risk * salary[m] for m in scores}
        if self.scheme == "team_bonus":
            # the whole team is paid on the branch's result: revenue against the previous period
            revenue = sum(measures[m]["sales"] for m in scores)
            attainment = min(2.0, revenue / self.team_revenue) if self.team_revenue > 0 else 1.0
            self.team_revenue = revenue
            return {m: pool[m] * attainment for m in scores}
        managers = list(scores)
        if self.scheme == "tournament":
            order = sorted(managers, key=lambda m: -scores[m])
            winners = order[: max(1, len(order) // 4)]
            total = sum(pool.values())
            return {m: (total / len(winners) if m in winners else 0.0) for m in managers}
        # scorecard: a share of the pool from 0 to 2 by rank of score, averaging 1
        ranks = np.argsort(np.argsort([scores[m] for m in managers]))
        share = 2.0 * ranks / max(len(managers) - 1, 1) if len(managers) > 1 else np.ones(1)
        return {m: pool[m] * float(s) for m, s in zip(managers, share, strict=True)}


def install(branch: Branch) -> None:
    cfg = branch.scenario.incentives
    if cfg.scheme == "fixed":
        return
    incentives = Incentives(branch.scenario)
    branch.mis_selling = cfg.mis_selling
    branch.mis_selling_penalty = cfg.mis_selling_penalty
    branch.day_start_hooks.append(incentives.respond)
    branch.day_end_hooks.append(incentives.settle)
    branch.levers["incentives"] = incentives
