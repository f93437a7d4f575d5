"""The client book: every client's tier, domain, needs, value, satisfaction, relationship and AM,
held as NumPy columns.

Columns make the daily mechanisms (neglect, relationships, churn, proactive contact plans,
snapshots) one vectorised step over the book.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ClientBook"]


class ClientBook:
    """Growable column store of clients; ids are row numbers and are never reused."""

    def __init__(self, capacity: int = 1024):
        capacity = max(capacity, 16)
        self.n = 0
        self.tier = np.zeros(capacity, np.int32)
        self.domain = np.zeros(capacity, np.int32)
        self.value = np.zeros(capacity)
        self.complexity = np.zeros(capacity)
        self.disposition = np.zeros(capacity)
        self.satisfaction = np.zeros(capacity)
        self.relationship = np.zeros(capacity)
        self.am = np.full(capacity, -1, np.int32)
        self.active = np.zeros(capacity, bool)
        self.joined_day = np.zeros(capacity, np.int32)
        self.left_day = np.full(capacity, -1, np.int32)
        self.last_contact_day = np.zeros(capacity, np.int32)
        self.last_sale_day = np.full(capacity, -1_000_000, np.int32)
        self.proactive_n = np.zeros(capacity, np.int64)  # proactive contacts so far (keys their draws)
        self.handovers = np.zeros(capacity, np.int64)  # changes of AM so far (keys their draws)
        self.requests = np.zeros(capacity, np.int32)
        self.sales = np.zeros(capacity, np.int32)
        self.revenue = np.zeros(capacity)

    _COLUMNS = (
        "tier", "domain", "value", "complexity", "disposition", "satisfaction", "relationship", "am", "active",
        "joined_day", "left_day", "last_contact_day", "last_sale_day", "proactive_n", "handovers", "requests",
        "sales", "revenue",
    )

    def _grow(self) -> None:
        new = 2 * len(self.tier)
        for name in self._COLUMNS:
            old = getattr(self, name)
            fill = -1 if name in ("am", "left_day") else -1_000_000 if name == "last_sale_day" else 0
            col = np.full(new, fill, old.dtype)
            col[: len(old)] = old
            setattr(self, name, col)

    def add(self, tier: int, domain: int, value: float, complexity: float, disposition: float,
            satisfaction: float, day: int) -> int:
        """Add an active client without an AM and return its id."""
        if self.n == len(self.tier):
            self._grow()
        c = self.n
        self.n += 1
        self.tier[c] = tier
        self.domain[c] = domain
        self.value[c] = value
        self.complexity[c] = complexity
        self.disposition[c] = disposition
        self.satisfaction[c] = satisfaction
        self.am[c] = -1
        self.active[c] = True
        self.joined_day[c] = day
        self.last_contact_day[c] = day
        return c

    def remove(self, c: int, day: int) -> None:
        """Mark client `c` as gone (churned) on `day`."""
        self.active[c] = False
        self.left_day[c] = day

    def active_ids(self) -> np.ndarray:
        return np.flatnonzero(self.active[: self.n])

    def of_am(self, position: int) -> np.ndarray:
        """Active clients whose AM is at `position`."""
        n = self.n
        return np.flatnonzero(self.active[:n] & (self.am[:n] == position))
