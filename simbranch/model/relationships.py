"""Relationship capital between a client and their AM: built by shared history, lost at a handover.

Each client holds r in [0, 1] with the current AM (docs/model.md, "Relationships"). Each day a
client in regular contact (last contact within the tier's expected gap) builds it,
r += (1 - r) / build_days; a client overdue for contact lets it fade, r -= r / decay_days.

It pays: the own AM's contacts gain quality (quality_effect x r), sales convert better (trust,
sales_effect x r on the log-odds), and the client is less likely to leave (churn hazard
x exp(-loyalty_effect x r)).

It is lost when the AM changes. When an AM leaves, each client follows them out of the branch with
chance follow_share x r x tier importance (SEI 2007: leavers take top clients), and a client who
stays leaves anyway with chance handover_churn x r x (1 + tier importance) / 2 (the more valuable,
the more easily lured away); the rest keep `departure_retained` of r with the colleague who takes
over. A book rebalanced on purpose keeps `transfer_retained` of r and risks
the same handover churn, so moving clients has a cost that rebalancing weighs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from simbranch.model.clients import ClientBook
    from simbranch.scenario import Scenario

__all__ = ["Relationships"]


class Relationships:
    def __init__(self, scenario: Scenario, book: ClientBook, tier_importance: list[float]):
        self.cfg = cfg = scenario.clients.relationships
        self.on = cfg.enabled
        self.book = book
        self.gap_days = np.array([t.contact_gap_days for t in scenario.clients.tiers.values()])
        self.importance = tier_importance
        self.grow = 1.0 / cfg.build_days
        self.fade = 1.0 / cfg.decay_days

    def initial(self, age_days: float) -> float:
        """Relationship capital after `age_days` of regular contact with the same AM."""
        return -float(np.expm1(-age_days * self.grow)) if self.on else 0.0

    def day(self, day: int, ids: np.ndarray) -> None:
        if not self.on or not len(ids):
            return
        book = self.book
        r = book.relationship[ids]
        in_touch = (day - book.last_contact_day[ids]) <= self.gap_days[book.tier[ids]]
        book.relationship[ids] = np.where(in_touch, r + (1.0 - r) * self.grow, r * (1.0 - self.fade))

    def follows_leaver(self, c: int, u: float) -> bool:
        """Whether client `c` follows their departing AM out of the branch (`u` a uniform draw)."""
        if not self.on:
            return False
        book = self.book
        return u < self.cfg.follow_share * book.relationship[c] * self.importance[book.tier[c]]

    def leaves_at_handover(self, c: int, u: float) -> bool:
        """Whether client `c`, handed to a new AM, leaves the branch rather than start again: more
        likely the more relationship it loses and the more valuable it is (top tier twice the bottom's)."""
        if not self.on:
            return False
        book = self.book
        value = 0.5 + 0.5 * self.importance[book.tier[c]]
        return u < self.cfg.handover_churn * book.relationship[c] * value

    def handed_over(self, c: int, departure: bool) -> None:
        """Client `c` has a new AM: keep the share of the relationship a handover keeps."""
        cfg = self.cfg
        self.book.relationship[c] *= cfg.departure_retained if departure else cfg.transfer_retained
