"""The branch engine: SimPy clock, arrivals, queues, service, and the daily schedule.

Each client is a Poisson source at its tier's rate, with its own random stream for its
arrival times and needs; a heap holds every client's next arrival. A request goes to its owner's queue
(portfolio rules) or to the branch's pooled queue (pooled rules, or cover for an absent owner)
and is served by an AM; completion and patience are SimPy timeouts with callbacks, so a
request costs two or three events. Once a working day, the daily submodels run: stress,
motivation, skill decay, churn and neglect, quits and hires, sick days, new clients.

With every behavioural switch off and pooled routing this is exactly an M/M/c(+M) queue.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable
from itertools import count
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from simbranch.model.clients import ClientBook
from simbranch.model.managers import Manager, SkillRules, relevant_skill
from simbranch.model.records import Tally
from simbranch.model.requests import (
    ABANDONED,
    COMPLAINT,
    DONE,
    IN_SERVICE,
    SALES,
    WAITING,
    Request,
)
from simbranch.model.staff import StaffIndex
from simbranch.scenario import Scenario
from simbranch.streams import Streams, normal, positive_sampler, scalar_sampler, uniform

if TYPE_CHECKING:
    from simbranch.policies.allocation import AllocationRule

__all__ = ["Branch", "DayHook"]

DayHook = Callable[["Branch", int], None]


def _logit(p: float) -> float:
    return math.log(p / (1.0 - p))


class Branch:
    """One simulated branch. Build it, call `run()`, then read `tally`, `clients`, `all_managers`."""

    def __init__(self, scenario: Scenario, streams: Streams, rule: AllocationRule):
        self.scenario = sc = scenario
        self.streams = streams
        self.env = simpy.Environment()
        br = sc.branch
        self.hours_per_day = br.hours_per_day
        self.days_per_year = br.days_per_year
        self.warmup_days = br.warmup_days
        self.total_days = br.warmup_days + br.horizon_days
        self.warmup_t = br.warmup_days * br.hours_per_day
        self.end_t = self.total_days * br.hours_per_day
        self.day = 0

        # clients and tiers
        cl = sc.clients
        self.tier_names = list(cl.tiers)
        tiers = list(cl.tiers.values())
        hours_per_year = br.days_per_year * br.hours_per_day
        self.tier_rate = [t.requests_per_year / hours_per_year for t in tiers]
        importances = [t.importance for t in tiers]
        lo, hi = min(importances), max(importances)
        self.tier_importance = [1.0 if hi == lo else (i - lo) / (hi - lo) for i in importances]
        self.tier_priority = [-i if sc.requests.priority_by_tier else 0 for i in importances]
        self.tier_shares = np.array([t.share for t in tiers])
        self.tier_value = [(math.log(t.value_median) if t.value_median > 0 else -math.inf, t.value_sigma)
                           for t in tiers]
        types = sc.requests.types
        self.type_shares = [types.service.share, types.sales.share, types.complaint.share]
        mean_hours = sum(s * t.service_time.mean_h for s, t in
                         zip(self.type_shares, (types.service, types.sales, types.complaint), strict=True))
        self.tier_load = [t.requests_per_year * mean_hours for t in tiers]
        self.domain_names = list(cl.domains)
        self.domain_shares = np.array(list(cl.domains.values()))
        self.clients = ClientBook(capacity=int(cl.count * 1.5) + 16)

        # switches and coefficients read on the hot path
        sat = cl.satisfaction
        self.sat_on = sat.enabled
        self.sat = sat
        self.churn = cl.churn
        self.inflow = cl.inflow
        self.complaints_follow = sc.requests.complaints_follow_satisfaction
        self.complaint_k = sc.requests.complaint_sensitivity
        mg = sc.managers
        self.mg = mg
        self.skills = SkillRules.from_config(mg, br.days_per_year)
        self.fx = mg.skill_effects
        self.stress_on = mg.stress.enabled
        self.motivation_on = mg.motivation.enabled
        self.sales_cfg = sc.sales
        self.sale_logit0 = _logit(sc.sales.base_conversion)
        self.level_salary = [lv.salary_per_year for lv in mg.levels.values()]

        # random streams: each client's own stream for its arrivals and needs (see streams.py),
        # and one named stream per other kind of draw
        self.service_sample = [scalar_sampler(t.service_time.dist, t.service_time.mean_h, t.service_time.cv)
                               for t in (types.service, types.sales, types.complaint)]
        pat = sc.requests.patience
        self.patience_sample = scalar_sampler(pat.dist, pat.mean_h, pat.cv) if pat.enabled else None
        self.client_rng: list[random.Random | None] = []  # None once the client has left
        self.arrival_heap: list[tuple[float, int]] = []  # (next arrival time, client)
        self.missell_z = streams.draws("sales.missell.noise", normal)
        self.rng_churn = streams.generator("clients.churn")
        self.rng_inflow = streams.generator("clients.inflow")
        self.rng_absence = streams.generator("managers.absence")
        self.rng_stress = streams.generator("managers.stress")
        self.rng_turnover = streams.generator("managers.turnover")
        self.rng_hiring = streams.generator("managers.hiring")

        # allocation
        self.rule = rule
        self.pooled = rule.pooled
        self.cover_absent = sc.allocation.cover_absent
        self.simple_pick = rule.picks_longest_idle
        self.cap = sc.allocation.portfolio_cap or None
        #: moves on whenever book loads or skills may have changed (rules that cache scores check it)
        self.epoch = 0

        # managers, queues, state
        self.positions: list[Manager | None] = [None] * mg.count
        self.all_managers: list[Manager] = []
        self.vacancies: dict[int, int] = {}  # position -> day the new hire starts
        self.loads = [0.0] * mg.count  # expected hours per year of each position's book
        self.sizes = [0] * mg.count
        self.idle: dict[int, Manager] = {}  # free AMs by position, the longest free first
        self.staff = StaffIndex(self.positions, self.loads, self.sizes, self.tier_load, self.cap, self.experience)
        self.pool: list[tuple[int, int, Request]] = []
        self._seq = count()
        self._ids = count()
        self.tally = Tally()
        self.day_start_hooks: list[DayHook] = []
        self.day_end_hooks: list[DayHook] = []
        # coefficients that levers set when they are installed (neutral values: the core model)
        self.kind_time_factor = [1.0, 1.0, 1.0]  # handling-time multiplier per request kind
        self.mis_selling = 0.0  # complaint chance per unit of selling effort above the default
        self.follow_up_days = sc.allocation.follow_up_days
        self.follow_up_draw = streams.draws(
            "follow_up.time", positive_sampler("exponential", sc.allocation.follow_up_time_h, 1.0))
        self.missell_u = streams.draws("sales.missell", uniform)
        complaint_time = types.complaint.service_time
        self.missell_time = streams.draws(
            "service.complaint.missold",
            positive_sampler(complaint_time.dist, complaint_time.mean_h, complaint_time.cv),
        )
        self.mis_selling_penalty = 0.0
        self.rng_follow_up = streams.generator("follow_up.choice")
        self.follow_up_skipped: dict[int, int] = {}  # client -> day its due call was crowded out
        self.follow_up_z = streams.draws("follow_up.quality", normal)

        self.next_arrival = math.inf
        self._arrival_token = 0

        self.levers: dict[str, Any] = {}  # the installed lever objects, by section name
        self.survey_scores: dict[int, float] = {}  # latest surveyed satisfaction by AM id
        self._populate()

    # ------------------------------------------------------------------ set-up

    def _populate(self) -> None:
        sc, mg = self.scenario, self.mg
        rng = self.streams.generator("init.managers")
        levels = list(mg.levels.values())
        level_p = np.array([lv.share for lv in levels])
        for p in range(mg.count):
            lv = int(rng.choice(len(levels), p=level_p))
            tenure = int(rng.exponential(levels[lv].tenure_years * self.days_per_year)) \
                if levels[lv].tenure_years > 0 else 0
            floor = self.skills.floor_for(tenure)
            skills = np.clip(rng.normal(levels[lv].skill_mean, mg.skill_sd, 3), floor, 1.0)
            specialty = int(rng.choice(len(self.domain_names), p=self.domain_shares))
            self._add_manager(p, lv, specialty, tuple(skills.tolist()), floor, tenure)

        rng = self.streams.generator("init.clients")
        n = sc.clients.count
        tiers = rng.choice(len(self.tier_names), size=n, p=self.tier_shares) if n else np.zeros(0, int)
        domains = rng.choice(len(self.domain_names), size=n, p=self.domain_shares) if n else tiers
        z_value = rng.standard_normal(n)
        disposition = rng.normal(0.0, self.sat.disposition_sd, n)
        since = rng.random(n)
        for i in range(n):
            t = int(tiers[i])
            mu, sigma = self.tier_value[t]
            gap_days = self.days_per_year / max(self.tier_rate[t] * self.days_per_year * self.hours_per_day, 1e-9)
            c = self._add_client(t, int(domains[i]), math.exp(mu + sigma * z_value[i]), float(disposition[i]), 0)
            self.clients.last_contact_day[c] = -int(since[i] * min(gap_days, 10 * self.sat.neglect_days))

    def _add_manager(self, position: int, level: int, specialty: int, skills: tuple[float, float, float],
                     floor: float, tenure: int) -> Manager:
        mg = self.mg
        m = Manager(next(self._ids), position, level, specialty, skills, floor, mg.stress.initial,
                    mg.motivation.initial, mg.effort_split, tenure, self.day)
        m.on_done = lambda ev, m=m: self._done(m)
        m.learn_rate = self.skills.rate_for(tenure)
        self.positions[position] = m
        self.all_managers.append(m)
        self.staff.roster_changed()
        self._make_idle(m)
        m.day_busy_start = 0.0
        return m

    def _add_client(self, tier: int, domain: int, value: float, disposition: float, day: int) -> int:
        s = min(1.0, max(0.0, self.sat.initial_mean + disposition))
        c = self.clients.add(tier, domain, value, disposition, s, -1, day)
        self.client_rng.append(self.streams.client_random(c))
        self._assign(c)
        if self.tier_rate[tier] > 0.0:
            self._next_arrival_of(c, tier)
        return c

    # ------------------------------------------------------------------ the view rules read

    def book_load(self, position: int) -> float:
        return self.loads[position]

    def client_importance(self, client: int) -> float:
        return self.tier_importance[self.clients.tier[client]]

    def client_domain(self, client: int) -> int:
        return int(self.clients.domain[client])

    def experience(self, m: Manager) -> float:
        return m.level * 1e6 + m.tenure_days

    def request_skill(self, m: Manager, request: Request) -> float:
        return relevant_skill(m, request.kind)

    def mean_book_load(self) -> float:
        return self.staff.mean_load(eligible_only=False)

    def present(self) -> list[Manager]:
        """AMs holding a position now (absent or not)."""
        return [m for m in self.positions if m is not None]

    # ------------------------------------------------------------------ ownership

    def _assign(self, c: int) -> None:
        """Give client `c` an owner by the allocation rule (none while every desk is vacant)."""
        m = self.rule.owner_for(c, self)
        if m is None:
            self._move(c, -1)
        else:
            self._move(c, m.position)

    def _move(self, c: int, position: int) -> None:
        book = self.clients
        old = int(book.am[c])
        tier = int(book.tier[c])
        load = self.tier_load[tier]
        book.am[c] = position
        if old == position:
            return
        self.epoch += 1
        if old >= 0:
            self.loads[old] -= load
            self.sizes[old] -= 1
            self.staff.load_changed(old, tier, -1)
        if position >= 0:
            self.loads[position] += load
            self.sizes[position] += 1
            self.staff.load_changed(position, tier, +1)

    def _handover(self, c: int, to: int) -> None:
        """A client changes AM: satisfaction drops by the handover penalty."""
        self._move(c, to)
        if self.sat_on:
            s = self.clients.satisfaction
            s[c] = max(0.0, s[c] - self.sat.handover_penalty)

    # ------------------------------------------------------------------ arrivals

    def _next_arrival_of(self, c: int, tier: int, arm: bool = True) -> None:
        """Schedule client `c`'s next request: each client is a Poisson source at its tier's rate."""
        when = self.env.now - math.log(1.0 - self.client_rng[c].random()) / self.tier_rate[tier]
        heapq.heappush(self.arrival_heap, (when, c))
        if arm and when < self.next_arrival:
            self._arm(when)

    def _arm(self, when: float) -> None:
        """Wake up at the earliest pending arrival (an earlier one supersedes a later wake-up)."""
        self._arrival_token += 1
        self.next_arrival = when
        self.env.timeout(when - self.env.now, self._arrival_token).callbacks.append(self._on_arrival)

    def _on_arrival(self, ev: simpy.Event) -> None:
        if ev.value != self._arrival_token:
            return  # superseded by an earlier arrival
        heap, active, now = self.arrival_heap, self.clients.active, self.env.now
        self.next_arrival = math.inf
        while heap and heap[0][0] <= now:
            c = heapq.heappop(heap)[1]
            if active[c]:  # a client who left makes no more requests
                tier = int(self.clients.tier[c])
                self._client_asks(c, tier)
                self._next_arrival_of(c, tier, arm=False)
        if heap:
            self._arm(heap[0][0])

    def _client_asks(self, c: int, tier: int) -> None:
        """Client `c` makes a request; what it needs is drawn from the client's own stream."""
        r = self.client_rng[c]
        s = float(self.clients.satisfaction[c])
        u = r.random()
        shares = self.type_shares
        if self.complaints_follow:
            pc = min(0.95, shares[2] * math.exp(self.complaint_k * (self.churn.satisfaction_ref - s)))
            rest = shares[0] + shares[1]
            scale = (1.0 - pc) / rest if rest > 0 else 0.0
            kind = COMPLAINT if u < pc else (0 if u < pc + shares[0] * scale else SALES)
        else:
            kind = 0 if u < shares[0] else (SALES if u < shares[0] + shares[1] else COMPLAINT)
        base_time = self.service_sample[kind](r)
        quality_z, sale_u, sale_z = r.gauss(0.0, 1.0), r.random(), r.gauss(0.0, 1.0)
        patience = self.patience_sample(r) if self.patience_sample is not None else math.inf
        self._client_request(c, tier, kind, base_time, quality_z, sale_u, sale_z, patience)

    def _client_request(self, c: int, tier: int, kind: int, base_time: float, quality_z: float,
                        sale_u: float, sale_z: float, patience: float) -> None:
        """A client's request enters the branch: count it, route it, and start its patience clock."""
        now = self.env.now
        book = self.clients
        counted = now >= self.warmup_t
        req = Request(c, tier, kind, now, base_time, quality_z, sale_u, sale_z, int(book.am[c]), counted)
        book.requests[c] += 1
        tally = self.tally
        tally.day_arrived += 1
        if counted:
            tally.arrived += 1
            if kind == COMPLAINT:
                tally.complaints += 1
        if kind == COMPLAINT:
            tally.day_complaints += 1
            owner = self.positions[req.owner] if req.owner >= 0 else None
            if owner is not None:
                owner.complaints += 1
        self._route(req)
        if patience < math.inf and req.status == WAITING:
            self.env.timeout(patience, req).callbacks.append(self._on_patience)

    # ------------------------------------------------------------------ queues and service

    def _push(self, queue: list, req: Request) -> None:
        heapq.heappush(queue, (self.tier_priority[req.tier], next(self._seq), req))

    def _pop(self, queue: list) -> Request | None:
        """The next waiting request; requests of clients who have left are withdrawn on the way."""
        active = self.clients.active
        while queue:
            req = heapq.heappop(queue)[2]
            if req.status != WAITING:
                continue
            if not active[req.client]:
                self._give_up(req)
                continue
            return req
        return None

    def _route(self, req: Request) -> None:
        if not self.pooled and req.owner >= 0:
            m = self.positions[req.owner]
            if m is not None and not m.absent:
                if m.busy:
                    self._push(m.queue, req)
                else:
                    del self.idle[m.position]
                    self._start(m, req)
                return
            if m is not None and not self.cover_absent:
                self._push(m.queue, req)
                return
        self._route_pooled(req)

    def _route_pooled(self, req: Request) -> None:
        """Serve `req` from the branch's shared queue: an idle AM takes it now, or it waits."""
        if self.idle:
            m = next(iter(self.idle.values())) if self.simple_pick else self.rule.server_for(req, self)
            del self.idle[m.position]
            self._start(m, req)
        else:
            self._push(self.pool, req)

    def _start(self, m: Manager, req: Request) -> None:
        now = self.env.now
        req.status = IN_SERVICE
        req.start = now
        duration = req.base_time * self.kind_time_factor[req.kind]
        fx = self.fx
        if fx.enabled:
            f = max(0.25, 1.0 + fx.speed * (fx.reference - m.product))
            if m.specialty == self.clients.domain[req.client]:
                f *= 1.0 - fx.specialty_speed
            duration *= f
        m.busy = True
        m.current = req
        m.busy_since = now
        self.env.timeout(duration).callbacks.append(m.on_done)

    def _done(self, m: Manager) -> None:
        now = self.env.now
        req = m.current
        assert req is not None
        m.busy = False
        m.current = None
        m.busy_total += now - m.busy_since
        req.status = DONE
        m.served += 1
        self._contact(m, req, now)
        self._next_for(m)

    def _next_for(self, m: Manager) -> None:
        if m.absent or self.positions[m.position] is not m:
            return
        req = self._pop(m.queue)
        if req is None and self.pool:
            req = self._pop(self.pool)
        if req is None:
            self._make_idle(m)
        else:
            self._start(m, req)

    def _make_idle(self, m: Manager) -> None:
        self.idle[m.position] = m
        if not self.simple_pick:
            self.rule.became_idle(m, self)

    def _on_patience(self, ev: simpy.Event) -> None:
        req: Request = ev.value
        if req.status != WAITING:
            return
        self._give_up(req)
        if self.sat_on:
            s = self.clients.satisfaction
            s[req.client] = max(0.0, s[req.client] - self.sat.abandon_penalty)

    def _give_up(self, req: Request) -> None:
        """A waiting request leaves unserved: its client ran out of patience or left the branch."""
        req.status = ABANDONED
        if req.proactive:
            return
        tally = self.tally
        tally.day_abandoned += 1
        if req.counted:
            tally.abandoned += 1
            tally.wait_all_sum += self.env.now - req.arrival

    # ------------------------------------------------------------------ one contact's effects

    def quality(self, m: Manager, client: int) -> float:
        """Expected quality of a contact by AM `m` with `client`, before the client's disposition."""
        fx = self.fx
        q = fx.quality_base
        if fx.enabled:
            q += fx.quality_relationship * (m.relationship - fx.reference)
            q += fx.quality_product * (m.product - fx.reference)
            if m.specialty == self.clients.domain[client]:
                q += fx.specialty_bonus
            if m.position == self.clients.am[client]:
                q += fx.continuity_bonus
        if self.stress_on:
            st = self.mg.stress
            d = m.stress - st.optimum
            q -= st.quality_effect * d * d
            if m.burnout:
                q -= st.burnout_quality_loss
        if self.motivation_on:
            q += self.mg.motivation.quality_effect * (m.motivation - self.mg.motivation.initial)
        return q + m.quality_bonus - self.mg.focus_effect * (m.effort_split - self.mg.effort_split)

    def conversion(self, m: Manager, satisfaction: float) -> float:
        """Chance that a sales opportunity handled by `m` converts."""
        sc, fx = self.sales_cfg, self.fx
        z = self.sale_logit0
        if fx.enabled:
            z += sc.sales_skill_effect * (m.sales - fx.reference) + sc.product_skill_effect * (m.product - fx.reference)
        if self.sat_on:
            z += sc.satisfaction_effect * (satisfaction - self.churn.satisfaction_ref)
        z += sc.effort_effect * (m.effort_split - self.mg.effort_split)
        z += sc.motivation_effect * (m.motivation - self.mg.motivation.initial)
        return 1.0 / (1.0 + math.exp(-z))

    def _contact(self, m: Manager, req: Request, now: float) -> None:
        book = self.clients
        c = req.client
        wait = req.start - req.arrival
        s = float(book.satisfaction[c])
        if self.skills.learning:
            self.skills.learn(m, req.kind)
        tally = self.tally
        if req.kind == SALES and req.sale_u < self.conversion(m, s):
            sc = self.sales_cfg
            amount = book.value[c] * sc.amount_share * math.exp(sc.amount_sigma * req.sale_z
                                                                - 0.5 * sc.amount_sigma ** 2)
            book.sales[c] += 1
            book.revenue[c] += amount
            m.sales_count += 1
            m.revenue += amount
            tally.day_sales += 1
            tally.day_revenue += amount
            if req.counted:
                tally.sales += 1
                tally.revenue += amount
            pushed = m.effort_split - self.mg.effort_split
            if pushed > 0.0 < self.mis_selling and self.missell_u() < self.mis_selling * pushed * (1.0 + m.stress):
                # the complaint arrives as its own event, once this contact has finished
                self.env.timeout(0.0, c).callbacks.append(self._mis_sold)
        if self.sat_on:
            sat = self.sat
            target = self.quality(m, c) + book.disposition[c] + sat.quality_noise_sd * req.quality_z
            target = min(1.0, max(0.0, target))
            late = 0.0 if req.proactive else max(0.0, wait - sat.wait_tolerance_h)  # a call the client did not wait for
            penalty = min(sat.wait_penalty_max, sat.wait_penalty_per_h * late)
            book.satisfaction[c] = min(1.0, max(0.0, s + sat.learning_rate * (target - s) - penalty))
        book.last_contact_day[c] = self.day
        if req.proactive:
            tally.day_follow_ups += 1
            return
        tally.day_served += 1
        tally.day_wait_sum += wait
        if req.counted:
            tally.served += 1
            tally.waits.append(wait)
            tally.wait_all_sum += wait
            tally.service_sum += now - req.start

    def _mis_sold(self, ev: simpy.Event) -> None:
        """A product sold under pressure did not fit: the client is let down and complains."""
        c: int = ev.value
        book = self.clients
        if self.sat_on:
            book.satisfaction[c] = max(0.0, book.satisfaction[c] - self.mis_selling_penalty)
        if book.active[c]:
            self._client_request(c, int(book.tier[c]), COMPLAINT, self.missell_time(), self.missell_z(), 1.0, 0.0,
                                 math.inf)

    def _follow_ups(self, d: int) -> None:
        """CRM follow-up: the owner calls each client not contacted for `follow_up_days`, unless
        selling effort crowds it out (the call is made with chance (1 - effort) / (1 - default effort))."""
        book = self.clients
        ids = book.active_ids()
        due = ids[(d - book.last_contact_day[ids]) >= self.follow_up_days]
        if not len(due):
            return
        u = self.rng_follow_up.random(len(due))
        base = 1.0 - self.mg.effort_split
        for c, u_c in zip(due.tolist(), u.tolist(), strict=True):
            p = int(book.am[c])
            m = self.positions[p] if p >= 0 else None
            if m is None:
                continue
            if d - self.follow_up_skipped.get(c, -self.follow_up_days) < self.follow_up_days:
                continue  # skipped in this cycle: due again a full interval later
            if base > 0 and u_c >= (1.0 - m.effort_split) / base:
                self.follow_up_skipped[c] = d  # crowded out by selling: the call is not made
                continue
            book.last_contact_day[c] = d
            req = Request(c, int(book.tier[c]), 0, self.env.now, self.follow_up_draw(),
                          self.follow_up_z() if self.sat_on else 0.0, 1.0, 0.0, p, False)
            req.proactive = True
            self._route(req)

    # ------------------------------------------------------------------ absence

    def update_presence(self, m: Manager) -> None:
        """Set whether an AM is with clients from the reasons to be away (sick, training, meeting)."""
        self.set_absent(m, m.sick_today or m.away_days > 0 or m.in_meeting)

    def _update_presences(self) -> None:
        """Update every AM's presence at the start of a day. All who are away today leave the idle
        set first, so the requests that `set_absent` moves off one absent AM's queue cannot go to a
        colleague who is away today too but whose turn to be updated has not come yet."""
        ams = [m for m in self.positions if m is not None]
        for m in ams:
            if m.sick_today or m.away_days > 0 or m.in_meeting:
                self.idle.pop(m.position, None)
        for m in ams:
            self.update_presence(m)

    def set_absent(self, m: Manager, absent: bool) -> None:
        """Take an AM away from clients (sick, training, meeting) or bring them back."""
        if m.absent == absent:
            return
        m.absent = absent
        if absent:
            self.idle.pop(m.position, None)
            if self.cover_absent and m.queue:
                waiting = [entry[2] for entry in m.queue if entry[2].status == WAITING]
                m.queue.clear()
                for req in waiting:
                    self._route_pooled(req)
        elif not m.busy:
            self._next_for(m)

    # ------------------------------------------------------------------ the daily schedule

    def run(self) -> None:
        """Simulate warm-up plus horizon."""
        # run until the day loop ends: it closes the last day at end_t, which `until=end_t` would not
        self.env.run(until=self.env.process(self._days()))
        self.tally.open_at_end = self._open_at_end()

    def _open_at_end(self) -> int:
        open_ = sum(1 for m in self.positions if m is not None and m.busy and m.current and m.current.counted)
        open_ += sum(1 for m in self.all_managers if m.busy and self.positions[m.position] is not m
                     and m.current and m.current.counted)
        queues = [self.pool] + [m.queue for m in self.all_managers]
        open_ += sum(1 for q in queues for e in q if e[2].status == WAITING and e[2].counted)
        return open_

    def _days(self):
        for d in range(self.total_days):
            self.day = d
            self._day_start(d)
            yield self.env.timeout(self.hours_per_day)
            self._day_end(d)

    def _new_epoch(self) -> None:
        """Skills, levels or loads may have changed outside a contact (a day's boundary, a lever):
        rules caching scores must recompute them, and the AMs' experience order be redrawn."""
        self.epoch += 1
        self.staff.experience_changed()

    def _day_start(self, d: int) -> None:
        self._new_epoch()
        hired = self._hire(d) if d > 0 else []
        if d > 0:
            self._inflow(d)
        ab = self.mg.absence
        base = ab.sick_days_per_year / self.days_per_year
        for m in self.positions:
            if m is None:
                continue
            m.day_away_h = 0.0
            if ab.enabled:
                p = base * m.sick_factor * math.exp(ab.stress_sensitivity * m.stress)
                if m.burnout:
                    p *= ab.burnout_multiplier
                m.sick_today = self.rng_absence.random() < p
                m.sick_days += m.sick_today
        for hook in self.day_start_hooks:
            hook(self, d)
        self._new_epoch()
        self._update_presences()
        for m in hired:
            if not m.absent and not m.busy:  # a new hire at work today takes waiting work
                self._next_for(m)
        if self.follow_up_days:
            self._follow_ups(d)
        rebalance = self.scenario.allocation.rebalance_interval_days
        if rebalance and d > 0 and d % rebalance == 0:
            self._rebalance()
        now = self.env.now
        for m in self.positions:
            if m is not None:
                m.day_busy_start = m.busy_until(now)

    def _day_end(self, d: int) -> None:
        now = self.env.now
        H = self.hours_per_day
        tally = self.tally
        present = self.present()
        pool_hours = sum(e[2].base_time for e in self.pool if e[2].status == WAITING)
        pool_share = pool_hours / len(present) if present else 0.0
        st, mo = self.mg.stress, self.mg.motivation
        busy_sum = avail_sum = 0.0
        for m in present:
            busy = m.busy_until(now) - m.day_busy_start
            busy_sum += busy
            avail_sum += busy if m.absent else max(busy, H - m.day_away_h)
            if not m.absent:
                queued = sum(e[2].base_time for e in m.queue if e[2].status == WAITING)
                load = (busy + queued + pool_share) / max(H - m.day_away_h, 0.25 * H)
            else:
                load = 0.0
            if self.stress_on:
                if not m.absent:
                    m.load_mean += (load - m.load_mean) / st.load_memory_days
                build = st.climate * m.build_factor * st.build_rate * max(0.0, m.load_mean - st.load_threshold)
                pressure = 0.0 if m.absent else st.background_pressure + m.pressure
                noise = st.noise_sd * self.rng_stress.standard_normal()
                m.stress += build + pressure - st.recovery_rate * m.recovery_factor * m.stress + noise
                m.stress = min(1.0, max(0.0, m.stress))
                if m.stress > st.burnout_threshold:
                    m.burnout_days += 1
                    if m.burnout_days >= st.burnout_days:
                        m.burnout = True
                else:
                    m.burnout_days = 0
                if m.burnout and m.stress < st.burnout_recovery:
                    m.burnout = False
                if m.burnout:
                    m.burnout_total_days += 1
            if self.motivation_on:
                target = mo.initial + m.motivation_bonus - (mo.burnout_drop if m.burnout else 0.0)
                target = min(1.0, max(0.0, target))
                m.motivation += mo.adjust_rate * (target - m.motivation)
            self.skills.end_of_day(m)
            m.tenure_days += 1
            if m.away_days > 0:
                m.away_days -= 1
        tally.day_busy = busy_sum
        tally.day_available = avail_sum
        self._new_epoch()
        self._client_day(d)
        for hook in self.day_end_hooks:
            hook(self, d)
        self._new_epoch()
        self._quits(d)
        tally.close_day(self, d)

    def _client_day(self, d: int) -> None:
        book = self.clients
        ids = book.active_ids()
        if len(ids) == 0:
            return
        if self.sat_on:
            neglected = ids[(d - book.last_contact_day[ids]) > self.sat.neglect_days]
            if len(neglected):
                book.satisfaction[neglected] = np.maximum(
                    0.0, book.satisfaction[neglected] - self.sat.neglect_rate_per_day)
        if self.churn.enabled:
            ch = self.churn
            s = book.satisfaction[ids]
            avoidable = ch.base_rate_per_year * np.exp(ch.sensitivity * (ch.satisfaction_ref - s))
            hazard = ch.unavoidable_rate_per_year + avoidable
            p = -np.expm1(-hazard / self.days_per_year)
            gone = ids[self.rng_churn.random(len(ids)) < p]
            for c in gone.tolist():
                self._lose_client(c, d)

    def _lose_client(self, c: int, d: int) -> None:
        self._move(c, -1)
        self.clients.remove(c, d)
        self.client_rng[c] = None  # a client who left draws nothing more: free its stream (~3 KB)
        self.follow_up_skipped.pop(c, None)
        self.tally.day_churned += 1

    def _inflow(self, d: int) -> None:
        inf = self.inflow
        if not inf.enabled or inf.rate_per_year <= 0.0:
            return
        rate = self.scenario.clients.count * inf.rate_per_year / self.days_per_year
        if self.sat_on:
            ids = self.clients.active_ids()
            mean_s = float(self.clients.satisfaction[ids].mean()) if len(ids) else self.sat.initial_mean
            rate *= math.exp(inf.referral_sensitivity * (mean_s - self.churn.satisfaction_ref))
        rng = self.rng_inflow
        for _ in range(int(rng.poisson(rate))):
            t = int(rng.choice(len(self.tier_names), p=self.tier_shares))
            dom = int(rng.choice(len(self.domain_names), p=self.domain_shares))
            mu, sigma = self.tier_value[t]
            self._add_client(t, dom, math.exp(mu + sigma * rng.standard_normal()),
                             float(rng.normal(0.0, self.sat.disposition_sd)), d)
            self.tally.day_new_clients += 1

    def _quits(self, d: int) -> None:
        to = self.mg.turnover
        if not to.enabled:
            return
        st0, m0 = self.mg.stress.initial, self.mg.motivation.initial
        for m in self.present():
            q = to.base_rate_per_year * math.exp(to.stress_sensitivity * (m.stress - st0)
                                                 - to.motivation_sensitivity * (m.motivation - m0))
            if m.tenure_days < self.days_per_year:
                q *= to.first_year_multiplier
            if m.burnout:
                q *= to.burnout_multiplier
            q *= m.quit_factor
            if self.rng_turnover.random() < -math.expm1(-q / self.days_per_year):
                self._quit(m, d)

    def _quit(self, m: Manager, d: int) -> None:
        to = self.mg.turnover
        p = m.position
        m.left_day = d
        m.quit_reason = "burnout" if m.burnout else "quit"
        self.positions[p] = None
        self.staff.roster_changed()
        self.idle.pop(p, None)
        self.vacancies[p] = d + 1 + to.hiring_delay_days
        self.tally.day_quits += 1
        self.tally.day_replacement_cost += to.replacement_cost_share * self.level_salary[m.level]
        rng = self.rng_turnover
        top = max(self.tier_importance)
        for c in self.clients.of_am(p).tolist():
            if self.tier_importance[self.clients.tier[c]] >= top and rng.random() < to.follow_share:
                self._lose_client(c, d)  # a top client follows the leaver
                continue
            self._move(c, -1)
            self._assign(c)
            if self.sat_on:
                s = self.clients.satisfaction
                s[c] = max(0.0, s[c] - self.sat.handover_penalty)
        waiting = [e[2] for e in m.queue if e[2].status == WAITING]
        m.queue.clear()
        for req in waiting:
            req.owner = int(self.clients.am[req.client])
            self._route(req)
        m.absent = True  # finishes a request in progress, then takes no more

    def _hire(self, d: int) -> list[Manager]:
        """Fill the vacancies due today. The new hires take no request until today's presence is
        known (they may be off sick on their first day): `_day_start` sets them to work after."""
        hired = []
        for p, start in sorted(self.vacancies.items()):
            if start > d:
                continue
            del self.vacancies[p]
            to, mg = self.mg.turnover, self.mg
            rng = self.rng_hiring
            skills = np.clip(rng.normal(to.new_hire_skill, to.skill_sd, 3), mg.skill_floor, 1.0)
            specialty = int(rng.choice(len(self.domain_names), p=self.domain_shares))
            m = self._add_manager(p, 0, specialty, tuple(skills.tolist()), mg.skill_floor, 0)
            m.hired_day = d
            self.tally.day_hires += 1
            self.idle.pop(p, None)
            for c in self.clients.of_am(-1).tolist():  # clients left without an AM while every post was vacant
                self._assign(c)
            self._give_book(m)
            hired.append(m)
        return hired

    def _give_book(self, m: Manager) -> None:
        """A new AM takes over clients from the largest books, least important first, up to the mean load."""
        present = self.present()
        target = sum(self.loads[x.position] for x in present) / len(present)
        book, loads = self.clients, self.loads
        donors = [(-loads[x.position], x.position) for x in present if x is not m]  # largest book first
        heapq.heapify(donors)
        pools: dict[int, list[int]] = {}  # each donor's clients, most important first (taken from the end)
        cap = self.cap if self.cap is not None else math.inf
        while loads[m.position] < target and self.sizes[m.position] < cap and donors:
            p = donors[0][1]
            if p not in pools:
                pools[p] = sorted(book.of_am(p).tolist(), key=lambda c: (self.tier_importance[book.tier[c]], c),
                                  reverse=True)
            if loads[p] <= target or not pools[p]:
                break
            self._handover(pools[p].pop(), m.position)
            heapq.heapreplace(donors, (-loads[p], p))

    def _rebalance(self) -> None:
        """Move clients off books more than 10 % above the mean workload, by the allocation rule."""
        present = self.present()
        if len(present) < 2:
            return
        mean = sum(self.loads[m.position] for m in present) / len(present)
        book = self.clients
        for m in present:
            if self.loads[m.position] <= 1.1 * mean:
                continue
            clients = sorted(book.of_am(m.position).tolist(), key=lambda c: (self.tier_importance[book.tier[c]], c))
            while clients and self.loads[m.position] > 1.1 * mean:
                c = clients.pop(0)
                under = [x for x in present if self.loads[x.position] < mean
                         and (self.cap is None or self.sizes[x.position] < self.cap)]
                if not under:
                    break
                self._handover(c, self.rule.assign(c, under, self).position)
