"""Proactive work: the calls an AM makes on their own book in the hours the day leaves them.

Each day an AM at work turns their proactive hours into n = hours / contact_h contacts (the
fraction by a keyed draw) and splits them by their selling effort phi (docs/model.md, "Proactive
work"):

* (1 - phi) n **reviews**: service calls to the clients most overdue for contact, by days since the
  last contact over the tier's expected gap. Without a CRM the AM keeps the list from memory: each
  client's overdueness is seen through a lognormal error (`memory_sd`), so some due clients are
  missed and some are called early. With the CRM's follow-up (`allocation.follow_up_days` > 0) the
  list is exact, and a client not contacted for follow_up_days is due whatever the tier expects.
  Only clients at least half-way to due are reviewed; spare review slots become sales calls.
* phi n **sales calls** to the clients with the most sales potential: annual value, scaled down for
  a client who bought within `sales.need_days`, among clients not contacted in the last 10 days.
  Better prospects come first, so more calls bring less each (diminishing returns).

A call is a contact (satisfaction by `Satisfaction.after_call`, relationship kept up, skills
practised) and may sell: with `Sales.chance` (review or outreach odds) times the client's recovered
need, so a client who bought recently is unlikely to buy again. Every draw is keyed by the
client and how many proactive calls the client has had, so policies that call the same client on
different days still give it the same chances (common random numbers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtri

from simbranch.model.requests import SALES, SERVICE

if TYPE_CHECKING:
    from simbranch.model.branch import Branch
    from simbranch.model.managers import Manager

__all__ = ["ProactiveWork"]


class ProactiveWork:
    def __init__(self, branch: Branch):
        sc = branch.scenario
        wd = sc.managers.workday
        self.contact_h = wd.contact_h
        self.sales_gap, self.min_due = wd.sales_call_gap_days, wd.review_min_due
        self.gap_days = np.array([t.contact_gap_days for t in sc.clients.tiers.values()])
        self.follow_up_days = sc.allocation.follow_up_days
        self.memory_sd = sc.allocation.memory_sd
        self.need_rate = min(1.0 / sc.sales.need_days, 1e6)  # share of the need that recovers a day
        self.count_draw = branch.streams.keyed("proactive.count")
        self.memory_draw = branch.streams.keyed("proactive.memory")
        self.quality_draw = branch.streams.keyed("proactive.quality")
        self.sale_draw = branch.streams.keyed("proactive.sale")
        self.amount_draw = branch.streams.keyed("proactive.amount")
        self.fit_draw = branch.streams.keyed("proactive.fit")

    def calls(self, m: Manager, hours: float, day: int) -> int:
        """How many calls `hours` of proactive work make (the fraction of a call by a keyed draw)."""
        n = hours / self.contact_h
        whole = int(n)
        return whole + (self.count_draw.uniform(m.position << 16 | m.occupant, day) < n - whole)

    def day(self, branch: Branch, day: int, hours: dict[int, float]) -> None:
        """Make today's proactive calls: `hours` maps the position of each AM at work to their hours."""
        plan = {p: self.calls(branch.positions[p], h, day) for p, h in hours.items() if h > 0.0}  # type: ignore[arg-type]
        plan = {p: n for p, n in plan.items() if n > 0}
        if not plan:
            return
        book = branch.clients
        ids = book.active_ids()
        calls = np.zeros(len(branch.positions), np.int64)
        reviews_planned = np.zeros(len(branch.positions), np.int64)
        for p, n in plan.items():
            m = branch.positions[p]
            assert m is not None
            calls[p] = n
            reviews_planned[p] = round((1.0 - m.effort_split) * n)
        owners = book.am[ids]
        ids = ids[(owners >= 0) & (calls[np.maximum(owners, 0)] > 0)]
        if not len(ids):
            return
        owners = book.am[ids]
        since = day - book.last_contact_day[ids]
        due = since / self.gap_days[book.tier[ids]]
        if self.follow_up_days:
            seen = np.where(since >= self.follow_up_days, np.maximum(due, 1.0), due)
        else:
            seen = due * np.exp(self.memory_sd * ndtri(np.clip(self.memory_draw.uniforms(ids, day), 1e-12, 1 - 1e-12)))
        # reviews: each AM's most overdue clients (as the AM sees them), at least half-way to due
        chosen = _top_per_group(owners, seen, reviews_planned, seen >= self.min_due)
        review = np.zeros(len(ids), bool)
        review[chosen] = True
        # sales calls: the rest of the day's calls, to the clients with the most potential
        sells = calls - np.bincount(owners[review], minlength=len(calls))
        potential = book.value[ids] * np.minimum(1.0, (day - book.last_sale_day[ids]) * self.need_rate)
        potential = np.where((since >= self.sales_gap) & ~review, potential, -1.0)
        sold_to = _top_per_group(owners, potential, sells, potential >= 0.0)
        self._make_calls(branch, day, ids[chosen], SERVICE)
        self._make_calls(branch, day, ids[sold_to], SALES)

    def _make_calls(self, branch: Branch, day: int, clients: np.ndarray, kind: int) -> None:
        """Every call of one kind, AM by AM in the order of their lists, with their keyed draws at once."""
        if not len(clients):
            return
        book = branch.clients
        k = book.proactive_n[clients]
        quality_z = ndtri(np.clip(self.quality_draw.uniforms(clients, k), 1e-16, 1 - 1e-16))
        sale_u = self.sale_draw.uniforms(clients, k)
        amount_z = ndtri(np.clip(self.amount_draw.uniforms(clients, k), 1e-16, 1 - 1e-16))
        fit_u = self.fit_draw.uniforms(clients, k)
        prompted = self.follow_up_days
        owners: list[int] = book.am[clients].tolist()
        for i, c in enumerate(clients.tolist()):
            m = branch.positions[owners[i]]
            assert m is not None, "only the clients of AMs at work are called"
            was_due = bool(prompted) and kind == SERVICE and day - book.last_contact_day[c] >= prompted
            self._call(branch, m, c, day, kind, was_due,
                       (float(quality_z[i]), float(sale_u[i]), float(amount_z[i]), float(fit_u[i])))

    def _call(self, branch: Branch, m: Manager, c: int, day: int, kind: int, prompted: bool,
              draws: tuple[float, float, float, float]) -> None:
        """One call: `draws` are the call's quality noise, sale uniform, amount noise and fit uniform."""
        quality_z, sale_u, amount_z, fit_u = draws
        book = branch.clients
        book.proactive_n[c] += 1
        branch.satisfaction.after_call(m, c, kind, day, quality_z)
        if branch.skills.learning:
            branch.skills.learn(m, kind)
        book.last_contact_day[c] = day
        tally = branch.tally
        tally.day_proactive_contacts += 1
        m.proactive_calls += 1
        tally.day_follow_ups += prompted
        need = min(1.0, (day - book.last_sale_day[c]) * self.need_rate)
        if sale_u < need * branch.sales.chance(m, c, 1 if kind == SALES else 2):
            branch.record_sale(m, c, branch.sales.amount(c, amount_z), counted=day >= branch.warmup_days,
                               proactive=True)
            weight = branch.satisfaction.pressure_weight(float(book.complexity[c]))
            if fit_u < branch.sales.misfit_chance(m, weight):
                branch.mis_sold(c)


def _top_per_group(groups: np.ndarray, values: np.ndarray, quota: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Positions of each group's `quota[group]` largest eligible values, ordered by group, then value
    (largest first), then position: the order of `np.lexsort((-values, groups))`, without sorting
    every client when only a few per AM are called (`eligible` must hold the values above a cut)."""
    idx = np.flatnonzero(eligible & (quota[groups] > 0))
    if not len(idx):
        return idx
    small = len(quota) < 2**15  # 16-bit labels sort by radix, in linear time
    idx = idx[np.argsort(groups[idx].astype(np.int16 if small else np.int64), kind="stable")]
    grp = groups[idx]
    v = values[idx].astype(np.float64)
    starts = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])
    sizes = np.diff(np.r_[starts, len(idx)])
    want = np.minimum(quota[grp[starts]], sizes)
    group_of = np.repeat(np.arange(len(starts)), sizes)
    picked, round_of = [], []
    for j in range(int(want.max())):  # each round takes every group's largest value left
        hits = np.flatnonzero(v == np.maximum.reduceat(v, starts)[group_of])
        first = hits[np.r_[True, group_of[hits[1:]] != group_of[hits[:-1]]]]
        first = first[want[group_of[first]] > j]
        picked.append(first)
        round_of.append(np.full(len(first), j))
        v[first] = -np.inf
    pos = np.concatenate(picked)
    return idx[pos[np.lexsort((np.concatenate(round_of), group_of[pos]))]]
