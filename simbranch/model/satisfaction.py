"""Client satisfaction from the quality delivered against what the client's tier expects
(expectation-disconfirmation; Oliver 1980), not from how often the client is in touch.

Quality of a contact (docs/model.md, "Contact quality"): the AM's competence for the need (the skill
the contact calls on, against what the client's needs complexity requires), specialty, the
relationship with the own AM, motivation, stress (inverted U), exhaustion, survey feedback, and
the cost of sales pressure, which grows with complexity.

Satisfaction moves at three kinds of event:

* a served request: s += learning_rate x (s* - s) - wait penalty, where the target
  s* = anchor + (Q - expected quality of the tier) + disposition + noise, and the wait penalty
  counts only the hours beyond the tier's tolerance;
* a proactive call: the same pull, weighted by how overdue the client was for contact
  (need = min(1, days since the last contact / the tier's expected gap)): a neglected client
  gains, one contacted last week hardly at all;
* each day a client goes without contact beyond the tier's expected gap: s -= neglect rate.

So satisfaction settles where quality meets expectation: more or fewer routine requests change
how often it is sampled, not where it settles.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simbranch.model.managers import relevant_skill

if TYPE_CHECKING:
    from simbranch.model.clients import ClientBook
    from simbranch.model.managers import Manager
    from simbranch.scenario import Scenario

__all__ = ["Satisfaction"]


class Satisfaction:
    """The quality of contacts and how clients' satisfaction responds to it."""

    def __init__(self, scenario: Scenario, book: ClientBook, mean_complexity: float):
        sc = scenario
        self.book = book
        cl, mg = sc.clients, sc.managers
        self.cfg = sat = cl.satisfaction
        self.on = sat.enabled
        tiers = list(cl.tiers.values())
        self.tolerance = [t.wait_tolerance_h for t in tiers]
        self.gap_days = np.array([t.contact_gap_days for t in tiers])
        self.expected = [t.expected_quality for t in tiers]
        self.anchor = sat.initial_mean
        fx = mg.skill_effects
        self.skills_on = fx.enabled
        self.q_base = fx.quality_base
        self.ref = fx.reference
        self.competence = fx.competence_effect
        self.need_per_k = fx.complexity_need
        self.specialty_bonus = fx.specialty_bonus
        self.k_mean = mean_complexity
        self.rel_on = cl.relationships.enabled
        self.rel_quality = cl.relationships.quality_effect
        st = mg.stress
        self.stress_on = st.enabled
        self.stress_opt, self.stress_q = st.optimum, st.quality_effect
        ex = mg.exhaustion
        self.exh_on = ex.enabled
        self.exh_q = ex.quality_effect
        mo = mg.motivation
        self.mot_on = mo.enabled
        self.mot_q, self.m0 = mo.quality_effect, mo.initial
        self.focus, self.phi0 = mg.focus_effect, mg.effort_split
        self.complexity_focus = mg.complexity_focus

    def pressure_weight(self, complexity: float) -> float:
        """How much sales pressure hurts a client of `complexity`, relative to one of mean complexity."""
        cf = self.complexity_focus
        return (1.0 + cf * complexity) / (1.0 + cf * self.k_mean)

    def quality(self, m: Manager, c: int, kind: int) -> float:
        """Expected quality of a contact of `kind` (0 service, 1 sales, 2 complaint) by AM `m` with client `c`."""
        book = self.book
        q = self.q_base
        if self.skills_on:
            competence, specialty = self._fit(m, c, kind)
            q += competence
            q += specialty
        if self.rel_on and m.position == book.am[c]:
            q += self.rel_quality * book.relationship[c]
        if self.stress_on:
            d = m.stress - self.stress_opt
            q -= self.stress_q * d * d
        if self.exh_on:
            q -= self.exh_q * m.exhaustion
        if self.mot_on:
            q += self.mot_q * (m.motivation - self.m0)
        pushed = m.effort_split - self.phi0
        if pushed:
            q -= self.focus * pushed * self.pressure_weight(book.complexity[c])
        return q + m.quality_bonus

    def target(self, m: Manager, c: int, kind: int, z: float) -> float:
        """Where a contact pulls the client's satisfaction: the anchor plus the disconfirmation."""
        book = self.book
        t = self.anchor + self.quality(m, c, kind) - self.expected[book.tier[c]] + book.disposition[c]
        return min(1.0, max(0.0, t + self.cfg.quality_noise_sd * z))

    def after_request(self, m: Manager, c: int, kind: int, wait: float, z: float) -> None:
        """A request of client `c` has been served by `m` after waiting `wait` hours."""
        if not self.on:
            return
        cfg = self.cfg
        s = self.book.satisfaction
        late = wait - self.tolerance[self.book.tier[c]]
        penalty = min(cfg.wait_penalty_max, cfg.wait_penalty_per_h * late) if late > 0.0 else 0.0
        v = s[c] + cfg.learning_rate * (self.target(m, c, kind, z) - s[c]) - penalty
        s[c] = min(1.0, max(0.0, v))

    def overdue(self, c: int, day: int) -> float:
        """Days since the client's last contact, in units of the tier's expected gap."""
        book = self.book
        return (day - book.last_contact_day[c]) / self.gap_days[book.tier[c]]

    def after_call(self, m: Manager, c: int, kind: int, day: int, z: float) -> None:
        """The AM called client `c` unprompted: it counts as much as the client was due for contact."""
        if not self.on:
            return
        need = min(1.0, self.overdue(c, day))
        s = self.book.satisfaction
        v = s[c] + self.cfg.proactive_rate * need * (self.target(m, c, kind, z) - s[c])
        s[c] = min(1.0, max(0.0, v))

    def abandoned(self, c: int) -> None:
        if self.on:
            s = self.book.satisfaction
            s[c] = max(0.0, s[c] - self.cfg.abandon_penalty)

    def let_down(self, c: int, loss: float) -> None:
        """A one-off disappointment (a product that did not fit)."""
        if self.on:
            s = self.book.satisfaction
            s[c] = max(0.0, s[c] - loss)

    def day(self, day: int, ids: np.ndarray) -> None:
        """Clients overdue for contact beyond their tier's expected gap lose a little each day."""
        if not self.on or not len(ids) or self.cfg.neglect_rate_per_day <= 0.0:
            return
        book = self.book
        late = (day - book.last_contact_day[ids]) > self.gap_days[book.tier[ids]]
        neglected = ids[late]
        if len(neglected):
            book.satisfaction[neglected] = np.maximum(0.0, book.satisfaction[neglected] - self.cfg.neglect_rate_per_day)

    def initial(self, tier: int, disposition: float) -> float:
        """A new client's satisfaction: what service of base quality would settle it at."""
        return min(1.0, max(0.0, self.anchor + self.q_base - self.expected[tier] + disposition))

    def settled(self, tier: np.ndarray, disposition: np.ndarray, relationship: np.ndarray,
                lift: np.ndarray | float = 0.0) -> np.ndarray:
        """Where service by the own AM settles clients' satisfaction (not clipped): base quality, the
        relationship's part, and `lift`, what the AM's competence and specialty add to base."""
        expected = np.asarray(self.expected)[tier]
        rel = self.rel_quality * relationship if self.rel_on else 0.0
        return self.anchor + self.q_base - expected + disposition + rel + lift

    def lift(self, m: Manager, c: int) -> float:
        """What AM `m`'s competence and specialty add to base quality for client `c` in a service contact:
        the lasting part of quality, which no policy sets on day 0 (unlike effort, motivation or stress)."""
        if not self.skills_on:
            return 0.0
        competence, specialty = self._fit(m, c, 0)
        return competence + specialty

    def _fit(self, m: Manager, c: int, kind: int) -> tuple[float, float]:
        """How AM `m` fits client `c`'s needs in a contact of `kind`: the competence term (skill against
        the need the client's complexity sets) and the specialty bonus (0 outside the AM's domain)."""
        book = self.book
        need = self.ref + self.need_per_k * (book.complexity[c] - self.k_mean)
        specialty = self.specialty_bonus if m.specialty == book.domain[c] else 0.0
        return self.competence * (relevant_skill(m, kind) - need), specialty
