"""Client churn and the book a branch holds after years of it.

Each day an active client leaves with the chance of the hazard (docs/model.md, "Churn")

    h = unavoidable + base x exp(sensitivity x (s_ref - s) - loyalty x r)     per year,

s the client's satisfaction and r the relationship capital with the AM. Draws are keyed by client
and day, so a client meets the same chance under every policy (common random numbers).

Because the less satisfied leave sooner, a book that has lived under this hazard for years holds
fewer clients of a sour disposition than the stream of new clients brings: each kind of client is
present in proportion to how long it stays. `steady_dispositions` draws the initial book that way,
so that the measured years do not start with a book still being sorted by churn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from simbranch.scenario import Scenario

__all__ = ["ClientChurn"]


class ClientChurn:
    def __init__(self, scenario: Scenario):
        cl = scenario.clients
        self.cfg = cl.churn
        self.on = cl.churn.enabled
        self.loyalty = cl.relationships.loyalty_effect if cl.relationships.enabled else 0.0
        self.days_per_year = scenario.branch.days_per_year

    def hazard(self, satisfaction: np.ndarray, relationship: np.ndarray) -> np.ndarray:
        """Churn hazard per year of clients with these satisfactions and relationships."""
        ch = self.cfg
        avoidable = ch.base_rate_per_year * np.exp(ch.sensitivity * (ch.satisfaction_ref - satisfaction)
                                                   - self.loyalty * relationship)
        return ch.unavoidable_rate_per_year + avoidable

    def leaving(self, satisfaction: np.ndarray, relationship: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Which of the clients leave today, given a uniform draw for each."""
        return u < -np.expm1(-self.hazard(satisfaction, relationship) / self.days_per_year)

    def steady_dispositions(self, candidates: np.ndarray, settled: np.ndarray, relationship: np.ndarray,
                            u: np.ndarray) -> np.ndarray:
        """For each client (row) one disposition among its candidates (columns, drawn as new clients'
        are): the first accepted, each with a chance proportional to the client's expected stay,
        1 / hazard, at the satisfaction it would settle at (`settled`, one per candidate) and its
        relationship (rejection sampling with the uniforms `u`, same shape). Without churn, the first."""
        if not self.on:
            return candidates[:, 0]
        stay = 1.0 / self.hazard(np.clip(settled, 0.0, 1.0), relationship[:, None])
        accept = u < stay / stay.max()
        first = np.where(accept.any(axis=1), accept.argmax(axis=1), stay.argmax(axis=1))
        return candidates[np.arange(len(candidates)), first]
