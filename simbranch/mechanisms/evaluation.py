"""Performance evaluation (the article's assessment criteria, lever 8): one scorecard that
incentives, careers and assessments share.

For each AM the period's measures are sales (revenue sold), growth (on the previous period),
clients (book size), satisfaction (of the AM's own clients: true, or as surveyed), complaints
(from the AM's clients, per client, counted against) and follow-up (share of the AM's clients
contacted within their tier's expected contact gap). Each is standardised across the AMs present (a z-score)
and the score is their weighted sum.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from simbranch.model.branch import Branch
    from simbranch.model.managers import Manager

__all__ = ["MEASURES", "Evaluation"]

MEASURES = ("sales", "growth", "clients", "satisfaction", "complaints", "follow_up")


@dataclass
class Evaluation:
    """Period-by-period scorecard; keeps, per AM, what the last period ended with."""

    weights: dict[str, float]
    _revenue: dict[int, float] = field(default_factory=dict)
    _previous: dict[int, float] = field(default_factory=dict)
    _complaints: dict[int, int] = field(default_factory=dict)

    def period(self, branch: Branch, survey: dict[int, float] | None = None) -> dict[Manager, dict[str, float]]:
        """The raw measures of each AM present for the period that ends now, and start a new period."""
        book = branch.clients
        n = book.n
        active = book.active[:n]
        owner = book.am[:n]
        recent = (branch.day - book.last_contact_day[:n]) <= branch.satisfaction.gap_days[book.tier[:n]]
        out: dict[Manager, dict[str, float]] = {}
        for m in branch.present():
            mine = active & (owner == m.position)
            n_mine = int(mine.sum())
            revenue = m.revenue - self._revenue.get(m.id, 0.0)
            previous = self._previous.get(m.id, revenue)
            complaints = m.complaints - self._complaints.get(m.id, 0)
            satisfaction = (survey or {}).get(m.id)
            if satisfaction is None:
                satisfaction = float(book.satisfaction[:n][mine].mean()) if n_mine else float("nan")
            out[m] = {
                "sales": revenue,
                "growth": (revenue - previous) / max(previous, 1.0),
                "clients": float(n_mine),
                "satisfaction": satisfaction,
                "complaints": -complaints / max(n_mine, 1),
                "follow_up": float(recent[mine].mean()) if n_mine else 0.0,
            }
            self._revenue[m.id] = m.revenue
            self._previous[m.id] = revenue
            self._complaints[m.id] = m.complaints
        return out

    def scores(self, measures: dict[Manager, dict[str, float]]) -> dict[Manager, float]:
        """Weighted sum of the standardised measures; also stored on each AM as `score`."""
        if not measures:
            return {}
        managers = list(measures)
        total = np.zeros(len(managers))
        for name, weight in self.weights.items():
            if weight == 0.0:
                continue
            x = np.array([measures[m][name] for m in managers], dtype=float)
            x = np.where(np.isfinite(x), x, np.nanmean(x) if np.isfinite(x).any() else 0.0)
            sd = x.std()
            total += weight * ((x - x.mean()) / sd if sd > 0 else np.zeros_like(x))
        for m, score in zip(managers, total.tolist(), strict=True):
            m.score = score
        return dict(zip(managers, total.tolist(), strict=True))
