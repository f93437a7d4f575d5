"""The branch on day 0: a going concern, as a branch that has been in business for years would be.

The team (docs/model.md, "Initialisation"): each desk's tenure is drawn from the tenures of a team
long under the quit hazards (`Turnover.stationary_tenure`), the newest AMs are the juniors and the
longest-serving the principals, in the scenario's level shares; skills by level, never below the
floor that the tenure has built; exhaustion spread around its typical level by each AM's
susceptibility. The book: tiers, domains, values and needs drawn with their shares; each client's
owner by the allocation rule; the last contact spread over the tier's expected gap; the last
purchase an exponential time ago with the mean of `sales.need_days` (so the book starts with needs
partly met, as a book long served does, not every need open at once); a relationship
as long as the client has been with the AM (at most the AM's tenure); and a disposition drawn as
churn leaves a book (`ClientChurn.steady_dispositions`), with the satisfaction that its own AM's
service settles it at (base quality, the AM's competence and specialty for the client's needs, the
relationship; not the parts a policy sets, effort and motivation). Every draw comes from the AMs'
own streams and the stream `init.clients`, so the initial branch is the same under every policy.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from simbranch.model.branch import Branch

__all__ = ["pick", "populate"]


def populate(branch: Branch) -> None:
    """Fill an empty branch with its initial team and book."""
    _team(branch)
    _book(branch)


def pick(cumulative: list[float], u: float) -> int:
    """Index drawn from cumulative shares with a uniform `u`."""
    for i, edge in enumerate(cumulative):
        if u < edge:
            return i
    return len(cumulative) - 1


def _team(b: Branch) -> None:
    mg = b.mg
    levels = list(mg.levels.values())
    domain_cum = np.cumsum(b.domain_shares).tolist()
    rngs = [b.streams.am_random(p, 0) for p in range(mg.count)]
    tenures = [b.turnover.stationary_tenure(rng.random()) for rng in rngs]
    order = sorted(range(mg.count), key=lambda p: (tenures[p], p))
    bounds = np.cumsum([lv.share for lv in levels]) * mg.count
    level_of = {p: min(int(np.searchsorted(bounds, rank, side="right")), len(levels) - 1)
                for rank, p in enumerate(order)}
    for p, rng in enumerate(rngs):
        lv, tenure = level_of[p], tenures[p]
        floor = b.skills.floor_for(tenure)
        skills = tuple(min(1.0, max(floor, rng.gauss(levels[lv].skill_mean, mg.skill_sd))) for _ in range(3))
        specialty = min(pick(domain_cum, rng.random()), len(b.domain_names) - 1)
        m = b._add_manager(p, lv, specialty, skills, floor, tenure, rng)  # type: ignore[arg-type]
        m.exhaustion = b.strain.initial_exhaustion(m.susceptibility)


def _book(b: Branch) -> None:
    sc = b.scenario
    rng = b.streams.generator("init.clients")
    n = sc.clients.count
    tiers = rng.choice(len(b.tier_names), size=n, p=b.tier_shares) if n else np.zeros(0, int)
    domains = rng.choice(len(b.domain_names), size=n, p=b.domain_shares) if n else tiers
    z_value = rng.standard_normal(n)
    z_complexity = rng.standard_normal(n)
    candidates = rng.normal(0.0, b.sat.disposition_sd, (n, 8))
    accept_u = rng.random((n, 8))
    since = rng.random(n)
    age = rng.exponential(1.0, n)
    since_sale = rng.exponential(1.0, n)
    years = sc.clients.relationships.initial_years * b.days_per_year
    book = b.clients
    lift = np.zeros(n)
    for i in range(n):
        t = int(tiers[i])
        mu, sigma = b.tier_value[t]
        c = b._add_client(t, int(domains[i]), math.exp(mu + sigma * z_value[i]), float(z_complexity[i]), 0.0, 0)
        book.last_contact_day[c] = -int(since[i] * b.satisfaction.gap_days[t])
        book.last_sale_day[c] = -int(since_sale[i] * sc.sales.need_days)
        am = b.positions[book.am[c]] if book.am[c] >= 0 else None
        if am is not None:
            book.relationship[c] = b.relationships.initial(min(age[i] * years, am.tenure_days))
            lift[i] = b.satisfaction.lift(am, c)
    if n:  # the book a branch holds after years of churn: clients who would leave sooner are rarer
        ids = np.arange(n)
        settled = b.satisfaction.settled(tiers[:, None], candidates, book.relationship[ids][:, None],
                                         lift[:, None])
        book.disposition[ids] = b.churn_model.steady_dispositions(candidates, settled, book.relationship[ids],
                                                                  accept_u)
        book.satisfaction[ids] = np.clip(b.satisfaction.settled(tiers, book.disposition[ids],
                                                                book.relationship[ids], lift), 0.0, 1.0)
