"""Indexes over the AMs in position, so that allocating a client never scans the whole team.

The allocation rules of docs/model.md §7.5 ask for "the least loaded AM" of some group (the
whole team, one specialty, the most experienced share of the team), for "the next position
after the last one dealt", or for a uniform draw among the AMs who may take a client. Answered
by scanning, each new client costs O(AMs) and a leaver's book O(clients); here each answer costs
O(log AMs).

- Least loaded: one lazy min-heap of `(load, position, version)` per group. A change of load
  pushes a fresh entry and bumps the position's version; stale entries are dropped when they
  reach the top, and a heap is rebuilt when stale entries outnumber live ones three to one.
- The portfolio cap (§7.5): "eligible" AMs are those below the cap, or everyone when nobody
  is. Each group keeps a second heap holding only AMs below the cap.
- Groups are built on first use and dropped when the team changes (a hire or a leaver).
- The most experienced share: the AMs in experience order, with a prefix-minimum tree of
  `(load, position)` over them (and one over those below the cap, whose ranks are kept in a
  sorted list, to find where the top share of them ends). The order is redrawn when
  experience may have changed (a new day, a promotion, the roster): the engine calls
  `experience_changed`.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right, insort
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simbranch.model.managers import Manager

__all__ = ["ALL", "PrefixMin", "StaffIndex", "specialty"]

ALL = ("all",)


def specialty(domain: int) -> tuple[str, int]:
    """The group of AMs specialised in `domain`."""
    return ("specialty", domain)


_NONE = (float("inf"), -1)


class PrefixMin:
    """Minimum of the first k values of an array, with point updates: a segment tree, O(log n) each."""

    def __init__(self, values: list[tuple[float, int]]):
        self.size = size = 1 << max(0, len(values) - 1).bit_length()
        self.tree = tree = [_NONE] * (2 * size)
        tree[size:size + len(values)] = values
        for i in range(size - 1, 0, -1):
            tree[i] = min(tree[2 * i], tree[2 * i + 1])

    def set(self, i: int, value: tuple[float, int]) -> None:
        tree = self.tree
        i += self.size
        tree[i] = value
        i >>= 1
        while i:
            tree[i] = min(tree[2 * i], tree[2 * i + 1])
            i >>= 1

    def first(self, k: int) -> tuple[float, int]:
        """The least of values[0:k] (`(inf, -1)` if there is none)."""
        tree, best = self.tree, _NONE
        lo, hi = self.size, self.size + k
        while lo < hi:
            if lo & 1:
                best = min(best, tree[lo])
                lo += 1
            if hi & 1:
                hi -= 1
                best = min(best, tree[hi])
            lo >>= 1
            hi >>= 1
        return best


class _Group:
    __slots__ = ("all", "members", "room")

    def __init__(self, members: list[int]):
        self.members = members
        self.all: list[tuple[float, int, int]] = []
        self.room: list[tuple[float, int, int]] = []


class StaffIndex:
    """Who holds a position and how loaded each book is, for O(log n) allocation queries.

    It shares the engine's `positions`, `loads` and `sizes` lists (read only), ranks AMs by the
    engine's own `experience(m)`, and is told of every change: `load_changed(p, tier, delta)`
    when a client joins or leaves position p's book, `roster_changed()` when an AM is hired or
    leaves, `experience_changed()` when levels or tenures may have moved.
    """

    def __init__(self, positions: list[Manager | None], loads: list[float], sizes: list[int],
                 tier_load: list[float], cap: int | None, experience: Callable[[Manager], float]):
        self.positions = positions
        self.experience = experience
        self.loads = loads
        self.sizes = sizes
        self.tier_load = tier_load
        self.cap = cap
        self.version = [0] * len(positions)
        self._groups: dict[Hashable, _Group] = {}
        self._member_of: list[list[_Group]] = [[] for _ in positions]
        self._present: list[int] | None = None
        self._room: list[int] = []  # sorted positions held and below the cap (with a cap only)
        # clients per tier in each position's book, in all books held, and in those below the cap:
        # mean loads from integer counts, with no drift from adding and removing floats
        self._book_tiers = [[0] * len(tier_load) for _ in positions]
        self._tier_count = [0] * len(tier_load)
        self._room_tier_count = [0] * len(tier_load)
        # experience order (built when first asked for, dropped when experience may have changed)
        self._rank: dict[int, int] | None = None  # position -> rank, 0 the most experienced
        self._ranked_all: PrefixMin | None = None
        self._ranked_room: PrefixMin | None = None
        self._room_ranks: list[int] = []  # sorted ranks of the AMs below the cap
        self._stale = False  # the roster changed since the groups and counts were built

    # ------------------------------------------------------------------ changes

    def roster_changed(self) -> None:
        """An AM was hired or left: the groups and counts are rebuilt when next needed (O(1) now, so
        that filling a branch of n AMs costs O(n), not O(n^2))."""
        self._stale = True
        self._rank = None

    def _refresh(self) -> None:
        """Forget every group and the list of positions held, and recount, after roster changes."""
        self._stale = False
        self._groups.clear()
        self._member_of = [[] for _ in self.positions]
        self._present = None
        self._recount()

    def experience_changed(self) -> None:
        """Levels or tenures may have moved: forget the experience order."""
        self._rank = None

    def load_changed(self, position: int, tier: int, delta: int) -> None:
        """`delta` clients of `tier` joined (+1) or left (-1) the book at `position` (whose
        `loads` and `sizes` entries the engine has already updated)."""
        if position < 0:
            return
        if self._stale:
            self._refresh()
        self._book_tiers[position][tier] += delta
        if self.positions[position] is None:
            return  # a vacant desk's book is being handed out: not part of the team's counts
        self._tier_count[tier] += delta
        cap = self.cap
        rank = self._rank[position] if self._rank is not None else -1
        if cap is not None:
            size = self.sizes[position]
            before = size - delta
            if before < cap:
                self._room_tier_count[tier] += delta
            if before < cap <= size:  # reached the cap
                self._room.remove(position)
                self._add_room_counts(position, -1)
                if rank >= 0:
                    self._room_ranks.remove(rank)
            elif size < cap <= before:  # back below it
                insort(self._room, position)
                self._add_room_counts(position, +1)
                if rank >= 0:
                    insort(self._room_ranks, rank)
        self.version[position] += 1
        for group in self._member_of[position]:
            self._push(group, position)
        if rank >= 0:
            key = (self.loads[position], position)
            self._ranked_all.set(rank, key)  # type: ignore[union-attr]
            if cap is not None:
                self._ranked_room.set(rank, key if self.sizes[position] < cap else _NONE)  # type: ignore[union-attr]

    # ------------------------------------------------------------------ queries

    def present(self) -> list[int]:
        """Positions held now, in position order."""
        if self._stale:
            self._refresh()
        if self._present is None:
            self._present = [p for p, m in enumerate(self.positions) if m is not None]
        return self._present

    def eligible(self) -> list[int]:
        """Positions that may take a client, in position order: below the cap, or all if none is."""
        if self._stale:
            self._refresh()
        return self._room if self._room else self.present()

    def mean_load(self, eligible_only: bool = True) -> float:
        """Mean book load of the eligible AMs (or of every AM in position)."""
        if self._stale:
            self._refresh()
        if eligible_only and self._room:
            counts, n = self._room_tier_count, len(self._room)
        else:
            counts, n = self._tier_count, len(self.present())
        if not n:
            return 0.0
        return sum(k * load for k, load in zip(counts, self.tier_load, strict=True)) / n

    def least_loaded(self, key: Hashable = ALL, room: bool | None = None) -> int | None:
        """Position of the least-loaded AM of a group (ties: lowest position), or None if empty.

        `room=None` takes the eligible AMs (below the cap if anyone is); `room=True` only those
        below the cap; `room=False` all.
        """
        if self._stale:
            self._refresh()
        if room is None:
            room = bool(self._room)
        group = self._groups.get(key)
        if group is None:
            group = self._build(key)
        heap = group.room if room else group.all
        version = self.version
        while heap:
            _, p, v = heap[0]
            if v == version[p]:
                return p
            heapq.heappop(heap)
        return None

    def next_after(self, last: int) -> int | None:
        """The first eligible position after `last`, cyclically (round-robin dealing)."""
        eligible = self.eligible()
        if not eligible:
            return None
        i = bisect_right(eligible, last)
        return eligible[i] if i < len(eligible) else eligible[0]

    def least_loaded_experienced(self, share: float) -> int | None:
        """The least-loaded of the most experienced `max(1, round(n x share))` eligible AMs (n of
        them; ties: lowest position), or None if no desk is held."""
        if self._stale:
            self._refresh()
        if self._rank is None:
            self._rank_by_experience()
        if self._room:
            ranks = self._room_ranks
            end = ranks[max(1, round(len(ranks) * share)) - 1] + 1  # the top share of those below the cap
            _, p = self._ranked_room.first(end)  # type: ignore[union-attr]
        else:
            n = len(self.present())
            if not n:
                return None
            _, p = self._ranked_all.first(max(1, round(n * share)))  # type: ignore[union-attr]
        return p

    def _rank_by_experience(self) -> None:
        held = [m for m in self.positions if m is not None]
        held.sort(key=lambda m: (-self.experience(m), m.position))  # as TierAllocation.assign ranks
        ranking = [m.position for m in held]
        self._rank = {p: i for i, p in enumerate(ranking)}
        loads, sizes, cap = self.loads, self.sizes, self.cap
        keys = [(loads[p], p) for p in ranking]
        self._ranked_all = PrefixMin(keys)
        below = [cap is not None and sizes[p] < cap for p in ranking]
        self._ranked_room = PrefixMin([k if b else _NONE for k, b in zip(keys, below, strict=True)])
        self._room_ranks = [i for i, b in enumerate(below) if b]

    # ------------------------------------------------------------------ internals

    def _members(self, key: Hashable) -> list[int]:
        if key == ALL:
            return list(self.present())
        match key:
            case ("specialty", domain):
                return [p for p in self.present() if (m := self.positions[p]) is not None and m.specialty == domain]
        raise KeyError(key)

    def _build(self, key: Hashable) -> _Group:
        group = _Group(self._members(key))
        self._groups[key] = group
        for p in group.members:
            self._member_of[p].append(group)
        self._fill(group)
        return group

    def _fill(self, group: _Group) -> None:
        loads, version, sizes, cap = self.loads, self.version, self.sizes, self.cap
        group.all = [(loads[p], p, version[p]) for p in group.members]
        heapq.heapify(group.all)
        group.room = [e for e in group.all if cap is not None and sizes[e[1]] < cap]
        heapq.heapify(group.room)

    def _push(self, group: _Group, p: int) -> None:
        entry = (self.loads[p], p, self.version[p])
        heapq.heappush(group.all, entry)
        if self.cap is not None and self.sizes[p] < self.cap:
            heapq.heappush(group.room, entry)
        if len(group.all) > 4 * len(group.members) + 32:
            self._fill(group)  # mostly stale entries: start afresh

    def _add_room_counts(self, position: int, sign: int) -> None:
        for tier, count in enumerate(self._book_tiers[position]):
            self._room_tier_count[tier] += sign * count

    def _recount(self) -> None:
        """Recount the team's clients and the AMs below the cap after a roster change (O(AMs))."""
        cap, n_tiers = self.cap, len(self.tier_load)
        held = self.present()
        self._room = [p for p in held if cap is not None and self.sizes[p] < cap]
        self._tier_count = [sum(self._book_tiers[p][t] for p in held) for t in range(n_tiers)]
        self._room_tier_count = [sum(self._book_tiers[p][t] for p in self._room) for t in range(n_tiers)]
