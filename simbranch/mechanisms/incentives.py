"""Evaluation and incentives (lever 3): pay schemes that move effort, motivation and pressure.

Each scheme has a strength P, the expected variable pay as a share of salary (`pay_at_risk` for
bonus schemes; for commission the rate x the expected sales revenue per AM / mean salary, an ex
ante estimate from the scenario), scaled by `team_factor` for a team bonus, and pays on measures of
the scorecard: selling (sales, growth, clients) and service (satisfaction, complaints, follow-up);
commission and tournaments pay on sales only. While it runs, every AM's

    effort split   phi = selling_split(phi0, P x w_selling, P x w_service)   (model/effort.py)
    drive          += P x a               (effort intensity, saturating; model/effort.py)
    motivation target bonus  = motivation_response x P x (1 + weak_response x max(0, ref - skill))
    daily pressure           = pressure x P  (x2 in a tournament)
    expected pay             = salary x (1 + P)  (lowers quitting through pay against the market)

where a = (sales + product skill) / 2 / the reference skill for individual pay (an able AM earns
more from an hour of selling and puts in more: Lazear 2000) and 1 for a team bonus, and the weak-AM
response to motivation for individual pay only (Kishore et al. 2013). Pay is settled at each
evaluation: commission = rate x revenue sold; scorecard bonus = pay at risk x salary x a share that
rises with the score; team bonus = pay at risk x salary x the branch's revenue against the
previous period (capped at 2); tournament = the pool shared by the top quarter on sales.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simbranch.mechanisms.evaluation import Evaluation
from simbranch.model.effort import selling_split

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
        selling = sum(self.weights[k] for k in ("sales", "growth", "clients"))
        service = sum(self.weights[k] for k in ("satisfaction", "complaints", "follow_up"))
        k = cfg.team_factor if cfg.scheme == "team_bonus" else 1.0
        self.pay_share = self.commission_share(scenario) if cfg.scheme == "commission" else cfg.pay_at_risk
        strength = self.pay_share * k
        self.individual = cfg.scheme != "team_bonus"
        mg = scenario.managers
        self.effort = selling_split(mg.effort_split, strength * selling, strength * service, mg.effort.pay_response)
        self.strength = strength
        self.motivation = cfg.motivation_response * strength
        self.pressure = cfg.pressure * strength * (2.0 if cfg.scheme == "tournament" else 1.0)
        self.reference = scenario.managers.skill_effects.reference
        self.evaluation = Evaluation(self.weights)
        self.salary_share = cfg.evaluation_interval_days / scenario.branch.days_per_year
        self.team_revenue = 0.0  # the branch's revenue in the previous period (team bonus)

    @staticmethod
    def commission_share(scenario: Scenario) -> float:
        """Commission as an expected share of pay: rate x expected sales revenue per AM / mean salary,
        an ex-ante estimate from the scenario: the sales opportunities that reach AMs at the base
        conversion, plus planned sales calls at the outreach conversion to clients of the book's mean
        value."""
        cl, mg, sales = scenario.clients, scenario.managers, scenario.sales
        share_sales = scenario.requests.types.sales.share
        wd = mg.workday
        mean_value = {name: t.value_median * np.exp(t.value_sigma ** 2 / 2) for name, t in cl.tiers.items()}
        requests = sum(cl.count * t.share * t.requests_per_year * share_sales * t.am_share.sales
                       * sales.base_conversion * sales.amount_share * mean_value[name]
                       for name, t in cl.tiers.items())
        calls = (wd.proactive_h / wd.contact_h * scenario.branch.days_per_year * mg.effort_split * mg.count
                 if wd.enabled else 0.0)
        book_value = sum(t.share * mean_value[name] for name, t in cl.tiers.items())
        outreach = calls * sales.outreach_conversion * sales.amount_share * book_value
        salary = sum(lv.share * lv.salary_per_year for lv in mg.levels.values())
        revenue = (requests + outreach) / mg.count
        return scenario.incentives.commission_rate * revenue / salary if salary > 0 else 0.0

    def respond(self, branch: Branch, day: int) -> None:
        """Every day: each AM's effort split and drive, motivation target, pressure and expected pay."""
        for m in branch.present():
            m.effort_split = self.effort
            m.drive += self.strength * (self.ability(m) if self.individual else 1.0)
            weak = max(0.0, self.reference - m.skill_mean()) if self.individual else 0.0
            m.motivation_bonus = self.motivation * (1.0 + self.cfg.weak_response * weak)
            m.pressure = self.pressure
            m.pay_bonus = self.pay_share

    def ability(self, m: Manager) -> float:
        """How much an hour of selling pays this AM against one at the reference skill: under pay for
        individual output the able put in more effort, the less able less (Lazear 2000)."""
        return 0.5 * (m.sales + m.product) / self.reference if self.reference > 0 else 1.0

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
    branch.day_start_hooks.append(incentives.respond)
    branch.day_end_hooks.append(incentives.settle)
    branch.levers["incentives"] = incentives
