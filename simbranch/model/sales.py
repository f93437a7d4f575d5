"""Sales: the chance that a conversation ends in a sale, its amount, and whether it fits.

Three kinds of conversation can sell (docs/model.md, "Sales"): a sales opportunity the client
raises (base chance `base_conversion`), a proactive sales call (`outreach_conversion`) and a
proactive service review (`review_conversion`). Each converts with the logistic chance

    logit p = logit p0 + sales_skill (x_sales - ref) + product_skill (x_prod - ref)
              + satisfaction (s - s_ref) + relationship r + effort (phi - phi0)
              + motivation (m - m0) - exhaustion E

and sells `amount_share` of the client's annual value times a lognormal factor of mean 1.
A sale made with selling effort above the default may not fit the client (mis-selling): chance
mis_selling x (phi - phi0) x (1 + stress) x the complexity weight of the client's needs; the client
is let down and complains.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simbranch.model.clients import ClientBook
    from simbranch.model.managers import Manager
    from simbranch.scenario import Scenario

__all__ = ["Sales"]


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


class Sales:
    def __init__(self, scenario: Scenario, book: ClientBook):
        sc = scenario
        self.cfg = cfg = sc.sales
        self.book = book
        mg = sc.managers
        self.skills_on = mg.skill_effects.enabled
        self.ref = mg.skill_effects.reference
        self.sat_on = sc.clients.satisfaction.enabled
        self.s_ref = sc.clients.churn.satisfaction_ref
        self.rel_on = sc.clients.relationships.enabled
        self.rel_effect = sc.clients.relationships.sales_effect
        self.exh_on = mg.exhaustion.enabled
        self.exh_effect = mg.exhaustion.sales_effect
        self.phi0 = mg.effort_split
        self.m0 = mg.motivation.initial
        #: base log-odds of: a client's sales opportunity, a proactive sales call, a proactive review
        self.logit0 = (_logit(cfg.base_conversion), _logit(cfg.outreach_conversion), _logit(cfg.review_conversion))

    def chance(self, m: Manager, c: int, what: int) -> float:
        """Chance that a conversation of type `what` (0 request, 1 sales call, 2 review) with client `c` sells."""
        cfg, book = self.cfg, self.book
        z = self.logit0[what]
        if self.skills_on:
            z += cfg.sales_skill_effect * (m.sales - self.ref) + cfg.product_skill_effect * (m.product - self.ref)
        if self.sat_on:
            z += cfg.satisfaction_effect * (book.satisfaction[c] - self.s_ref)
        if self.rel_on and m.position == book.am[c]:
            z += self.rel_effect * book.relationship[c]
        if self.exh_on:
            z -= self.exh_effect * m.exhaustion
        z += cfg.effort_effect * (m.effort_split - self.phi0) + cfg.motivation_effect * (m.motivation - self.m0)
        return 1.0 / (1.0 + math.exp(-z))

    def amount(self, c: int, z: float) -> float:
        cfg = self.cfg
        sigma = cfg.amount_sigma
        return float(self.book.value[c]) * cfg.amount_share * math.exp(sigma * z - 0.5 * sigma * sigma)

    def misfit_chance(self, m: Manager, pressure_weight: float) -> float:
        """Chance that a sale by `m` does not fit the client (0 unless selling effort is above default)."""
        pushed = m.effort_split - self.phi0
        if pushed <= 0.0:
            return 0.0
        return self.cfg.mis_selling * pushed * (1.0 + m.stress) * pressure_weight
