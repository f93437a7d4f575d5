"""The client book: every client's tier, domain, value, satisfaction and AM, held as NumPy columns.

Columns make the daily mechanisms (churn, neglect, snapshots) one vectorised step over the
book, and per-tier member lists make picking the client of an arrival O(1).
"""

from __future__ import annotations

import numpy as np

__all__ = ["ClientBook"]


class ClientBook:
    """Growable column store of clients; ids are row numbers and are never reused."""

    def __init__(self, n_tiers: int, capacity: int = 1024):
        capacity = max(capacity, 16)
        self.n = 0
        self.tier = np.zeros(capacity, np.int16)
        self.domain = np.zeros(capacity, np.int16)
        self.value = np.zeros(capacity)
        self.disposition = np.zeros(capacity)
        self.satisfaction = np.zeros(capacity)
        self.am = np.full(capacity, -1, np.int32)
        self.active = np.zeros(capacity, bool)
        self.joined_day = np.zeros(capacity, np.int32)
        self.left_day = np.full(capacity, -1, np.int32)
        self.last_contact_day = np.zeros(capacity, np.int32)
        self.requests = np.zeros(capacity, np.int32)
        self.sales = np.zeros(capacity, np.int32)
        self.revenue = np.zeros(capacity)
        # per tier: the active members, and each member's position in its tier list
        self.members: list[list[int]] = [[] for _ in range(n_tiers)]
        self._slot = np.zeros(capacity, np.int64)

    _COLUMNS = (
        "tier", "domain", "value", "disposition", "satisfaction", "am", "active", "joined_day",
        "left_day", "last_contact_day", "requests", "sales", "revenue", "_slot",
    )

    def _grow(self) -> None:
        new = 2 * len(self.tier)
        for name in self._COLUMNS:
            old = getattr(self, name)
            fill = -1 if name in ("am", "left_day") else 0
            col = np.full(new, fill, old.dtype)
            col[: len(old)] = old
            setattr(self, name, col)

    def add(self, tier: int, domain: int, value: float, disposition: float, satisfaction: float,
            am: int, day: int) -> int:
        """Add an active client and return its id."""
        if self.n == len(self.tier):
            self._grow()
        c = self.n
        self.n += 1
        self.tier[c] = tier
        self.domain[c] = domain
        self.value[c] = value
        self.disposition[c] = disposition
        self.satisfaction[c] = satisfaction
        self.am[c] = am
        self.active[c] = True
        self.joined_day[c] = day
        self.last_contact_day[c] = day
        members = self.members[tier]
        self._slot[c] = len(members)
        members.append(c)
        return c

    def remove(self, c: int, day: int) -> None:
        """Mark client `c` as gone (churned) on `day`."""
        self.active[c] = False
        self.left_day[c] = day
        members = self.members[self.tier[c]]
        slot = int(self._slot[c])
        last = members.pop()
        if last != c:
            members[slot] = last
            self._slot[last] = slot

    def count_by_tier(self) -> list[int]:
        return [len(m) for m in self.members]

    def active_ids(self) -> np.ndarray:
        return np.flatnonzero(self.active[: self.n])

    def of_am(self, position: int) -> np.ndarray:
        """Active clients whose AM is at `position`."""
        n = self.n
        return np.flatnonzero(self.active[:n] & (self.am[:n] == position))
