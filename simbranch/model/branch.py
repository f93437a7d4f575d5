"""The branch engine: SimPy clock, arrivals, queues and service, and the day's schedule.

Each client is a Poisson source of the requests that reach their AM (model/channels.py), with its
own random stream for its arrival times and needs; a heap holds every client's next arrival. A
request goes to its owner's queue (portfolio rules) or to the branch's pooled queue (pooled rules,
or cover for an absent owner) and is served by an AM; completion and patience are SimPy timeouts
with callbacks, so a request costs two or three events. Queues serve by triage with ageing: a
request's place is its arrival time less a head start for its tier.

The engine orchestrates the mechanisms, each in its own module: at a served request, contact
quality and satisfaction (satisfaction.py) and sales (sales.py); at closing, overtime on the work
still waiting, the rest of the working day (workday.py), proactive calls (proactive.py), stress,
exhaustion and motivation (strain.py), skills, neglect and relationships (relationships.py),
churn, quits (turnover.py); at the start of a day, hires, new clients, leave and sick days
(absence.py) and the levers' hooks.

With every behavioural switch off and pooled routing this is exactly an M/M/c(+M) queue.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable
from itertools import count
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import simpy

from simbranch.model.absence import Absence
from simbranch.model.channels import Channels
from simbranch.model.churn import ClientChurn
from simbranch.model.clients import ClientBook
from simbranch.model.effort import intensity
from simbranch.model.initial import pick, populate
from simbranch.model.managers import Manager, SkillRules, relevant_skill
from simbranch.model.proactive import ProactiveWork
from simbranch.model.records import Tally
from simbranch.model.relationships import Relationships
from simbranch.model.requests import ABANDONED, COMPLAINT, DONE, IN_SERVICE, SALES, WAITING, Request
from simbranch.model.sales import Sales
from simbranch.model.satisfaction import Satisfaction
from simbranch.model.staff import StaffIndex
from simbranch.model.strain import Strain
from simbranch.model.turnover import Turnover
from simbranch.model.workday import Workday
from simbranch.scenario import Scenario
from simbranch.streams import Streams, normal, positive_sampler, scalar_sampler

if TYPE_CHECKING:
    from simbranch.mechanisms.allocation import AllocationRule

__all__ = ["Branch", "DayHook"]

DayHook = Callable[["Branch", int], None]


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
        importances = [t.importance for t in tiers]
        lo, hi = min(importances), max(importances)
        self.tier_importance = [1.0 if hi == lo else (i - lo) / (hi - lo) for i in importances]
        head_start = sc.requests.priority_head_start_h if sc.requests.priority_by_tier else 0.0
        self.tier_head_start = [head_start * i for i in self.tier_importance]
        self.tier_shares = np.array([t.share for t in tiers])
        self.tier_value = [(math.log(t.value_median) if t.value_median > 0 else -math.inf, t.value_sigma)
                           for t in tiers]
        self.domain_names = list(cl.domains)
        self.domain_shares = np.array(list(cl.domains.values()))
        self.domain_complexity = [cl.domain_complexity.get(d, 0.0) for d in self.domain_names]
        self.tier_complexity = [t.complexity for t in tiers]
        self.mean_complexity = float(self.tier_shares @ np.array(self.tier_complexity)
                                     + self.domain_shares @ np.array(self.domain_complexity))
        self.channels = Channels(sc)
        types = sc.requests.types
        kind_hours = [types.service.service_time.mean_h, types.sales.service_time.mean_h,
                      types.complaint.service_time.mean_h]
        # expected hours a year of a client's requests to the AM, by tier (what allocation balances)
        self.tier_load = [t.requests_per_year * sum(s * r * h for s, r, h in zip(
            self.channels.shares, reach, kind_hours, strict=True)) for t, reach in zip(tiers, self.channels.reach,
                                                                                       strict=True)]
        self.clients = book = ClientBook(capacity=int(cl.count * 1.5) + 16)

        # the mechanisms, each in its own module
        self.sat = cl.satisfaction
        self.sat_on = cl.satisfaction.enabled
        self.churn = cl.churn
        self.inflow = cl.inflow
        self.mg = mg = sc.managers
        self.skills = SkillRules.from_config(mg, br.days_per_year)
        self.fx = mg.skill_effects
        self.complexity_time = sc.requests.complexity_time
        self.satisfaction = Satisfaction(sc, book, self.mean_complexity)
        self.relationships = Relationships(sc, book, self.tier_importance)
        self.churn_model = ClientChurn(sc)
        self.sales = Sales(sc, book)
        self.workday = Workday(sc)
        self.strain = Strain(sc)
        self.absence = Absence(sc)
        self.turnover = Turnover(sc)
        self.level_salary = [lv.salary_per_year for lv in mg.levels.values()]
        wd = mg.workday
        premium = wd.overtime_premium if wd.overtime_paid else 0.0
        self.overtime_rate = [s / (br.days_per_year * br.hours_per_day) * premium for s in self.level_salary]

        # random streams: each client's own stream for its arrivals and needs, each AM's own stream
        # (streams.py), keyed draws for decisions that policies reorder, and named streams for the rest
        self.service_sample = [scalar_sampler(t.service_time.dist, t.service_time.mean_h, t.service_time.cv)
                               for t in (types.service, types.sales, types.complaint)]
        pat = sc.requests.patience
        self.patience_sample = scalar_sampler(pat.dist, pat.mean_h, pat.cv) if pat.enabled else None
        self.client_rng: list[random.Random | None] = []  # None once the client has left
        self.arrival_heap: list[tuple[float, int]] = []  # (next arrival time, client)
        self.churn_draw = streams.keyed("clients.churn")
        self.leaver_draw = streams.keyed("clients.follow")  # keyed by client and handovers so far
        self.handover_draw = streams.keyed("clients.handover")
        self.misfit_draw = streams.keyed("sales.missell")  # keyed by client and sales so far
        self.rng_inflow = streams.generator("clients.inflow")
        self.missell_z = streams.draws("sales.missell.noise", normal)
        complaint_time = types.complaint.service_time
        self.missell_time = streams.draws(
            "service.complaint.missold",
            positive_sampler(complaint_time.dist, complaint_time.mean_h, complaint_time.cv),
        )

        # allocation
        self.rule = rule
        self.pooled = rule.pooled
        self.cover_absent = sc.allocation.cover_absent
        self.simple_pick = rule.picks_longest_idle
        self.cap = sc.allocation.portfolio_cap or None
        self.follow_up_days = sc.allocation.follow_up_days
        #: moves on whenever book loads or skills may have changed (rules that cache scores check it)
        self.epoch = 0

        # managers, queues, state
        self.positions: list[Manager | None] = [None] * mg.count
        self.occupants = [0] * mg.count  # people who have held each desk
        self.all_managers: list[Manager] = []
        self.vacancies: dict[int, int] = {}  # position -> day the new hire starts
        self.loads = [0.0] * mg.count  # expected hours per year of each position's book
        self.sizes = [0] * mg.count
        self.idle: dict[int, Manager] = {}  # free AMs by position, the longest free first
        self.staff = StaffIndex(self.positions, self.loads, self.sizes, self.tier_load, self.cap, self.experience)
        self.pool: list[tuple[float, int, Request]] = []
        self._seq = count()
        self._ids = count()
        self.tally = Tally(len(tiers))
        self.day_start_hooks: list[DayHook] = []
        self.day_end_hooks: list[DayHook] = []
        # coefficients that levers set when they are installed (neutral values: the core model)
        self.kind_time_factor = [1.0, 1.0, 1.0]  # handling-time multiplier per request kind

        self.next_arrival = math.inf
        self._arrival_token = 0
        self._closing: list[int] | None = None  # while AMs work overtime at closing: clients mis-sold

        self.levers: dict[str, Any] = {}  # the installed lever objects, by section name
        self.survey_scores: dict[int, float] = {}  # latest surveyed satisfaction by AM id
        self.proactive = ProactiveWork(self)
        populate(self)

    # ------------------------------------------------------------------ set-up

    def _add_manager(self, position: int, level: int, specialty: int, skills: tuple[float, float, float],
                     floor: float, tenure: int, rng: random.Random) -> Manager:
        mg = self.mg
        m = Manager(next(self._ids), position, level, specialty, skills, floor, mg.stress.initial,
                    mg.motivation.initial, mg.effort_split, tenure, self.day)
        m.on_done = lambda ev, m=m: self._done(m, ev.value)
        m.learn_rate = self.skills.rate_for(tenure)
        m.rng = rng
        m.occupant = self.occupants[position]
        self.occupants[position] += 1
        m.susceptibility = self.strain.susceptibility(rng)
        self.turnover.start(m)
        self.absence.plan_leave(m, self.day)
        self.positions[position] = m
        self.all_managers.append(m)
        self.staff.roster_changed()
        self._make_idle(m)
        m.day_busy_start = 0.0
        return m

    def _add_client(self, tier: int, domain: int, value: float, z_complexity: float, disposition: float,
                    day: int) -> int:
        cl = self.scenario.clients
        k = self.tier_complexity[tier] + self.domain_complexity[domain] + cl.complexity_sd * z_complexity
        s = self.satisfaction.initial(tier, disposition)
        c = self.clients.add(tier, domain, value, min(1.0, max(0.0, k)), disposition, s, day)
        self.client_rng.append(self.streams.client_random(c))
        self._assign(c)
        if self.channels.rate[tier] > 0.0:
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
        self._move(c, -1 if m is None else m.position)

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

    def _handover(self, c: int, to: int, departure: bool, d: int) -> None:
        """A client changes AM: the relationship is mostly lost, and the client may leave over it."""
        book = self.clients
        k = int(book.handovers[c])
        book.handovers[c] = k + 1
        if self.relationships.leaves_at_handover(c, self.handover_draw.uniform(c, k)):
            self._lose_client(c, d)
            return
        self._move(c, to)
        self.relationships.handed_over(c, departure)

    # ------------------------------------------------------------------ arrivals

    def _next_arrival_of(self, c: int, tier: int, arm: bool = True) -> None:
        """Schedule client `c`'s next request: each client is a Poisson source at its tier's rate."""
        r = self.client_rng[c]
        assert r is not None, "only a client still with the branch has a next request"
        when = self.env.now - math.log(1.0 - r.random()) / self.channels.rate[tier]
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
        """Client `c` brings a request to the AM; what it needs is drawn from the client's own stream."""
        r = self.client_rng[c]
        assert r is not None, "only a client still with the branch asks"
        kind = self.channels.kind(tier, r.random(), float(self.clients.satisfaction[c]))
        base_time = self.service_sample[kind](r)
        quality_z, sale_u, sale_z = r.gauss(0.0, 1.0), r.random(), r.gauss(0.0, 1.0)
        patience = self.patience_sample(r) if self.patience_sample is not None else math.inf
        self._client_request(c, tier, kind, base_time, quality_z, sale_u, sale_z, patience)

    def _client_request(self, c: int, tier: int, kind: int, base_time: float, quality_z: float,
                        sale_u: float, sale_z: float, patience: float) -> None:
        """A client's request enters the branch: count it, route it, and start its patience clock."""
        now = self.env.now
        book = self.clients
        counted = self.day >= self.warmup_days  # the day a request arrives is the day whose row counts it
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
        """Triage with ageing: a request's place is its arrival less its tier's head start."""
        heapq.heappush(queue, (req.arrival - self.tier_head_start[req.tier], next(self._seq), req))

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

    def duration(self, m: Manager, req: Request) -> float:
        """How long AM `m` takes over `req`: its base time, shorter with product skill and specialty,
        longer for complex needs."""
        duration = req.base_time * self.kind_time_factor[req.kind]
        fx = self.fx
        if fx.enabled:
            f = 1.0 + fx.speed * (fx.reference - m.product)
            if m.specialty == self.clients.domain[req.client]:
                f *= 1.0 - fx.specialty_speed
            if self.complexity_time:
                f += self.complexity_time * (self.clients.complexity[req.client] - self.mean_complexity)
            duration *= max(0.25, f)
        return duration

    def _start(self, m: Manager, req: Request) -> None:
        now = self.env.now
        req.status = IN_SERVICE
        req.start = now
        req.service = duration = self.duration(m, req)
        m.busy = True
        m.current = req
        m.busy_since = now
        m.busy_end = now + duration
        self.env.timeout(duration, m.service_token).callbacks.append(m.on_done)

    def _done(self, m: Manager, token: int) -> None:
        if token != m.service_token:
            return  # finished earlier, in overtime at closing
        now = self.env.now
        self._finish(m, now)
        m.busy_total += now - m.busy_since
        self._next_for(m)

    def _finish(self, m: Manager, now: float) -> None:
        req = m.current
        assert req is not None
        m.busy = False
        m.current = None
        req.status = DONE
        m.served += 1
        self._contact(m, req, now)

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
        req = cast(Request, ev.value)  # the request whose patience ran out (simpy types a value as Any | None)
        if req.status != WAITING:
            return
        self._give_up(req)
        self.satisfaction.abandoned(req.client)

    def _give_up(self, req: Request) -> None:
        """A waiting request leaves unserved: its client ran out of patience or left the branch."""
        req.status = ABANDONED
        tally = self.tally
        tally.day_abandoned += 1
        if req.counted:
            tally.abandoned += 1
            wait = self.env.now - req.arrival
            tally.wait_all_sum += wait
            tally.waits.append(wait)

    # ------------------------------------------------------------------ one contact's effects

    def _contact(self, m: Manager, req: Request, now: float) -> None:
        book = self.clients
        c = req.client
        wait = req.start - req.arrival
        if self.skills.learning:
            self.skills.learn(m, req.kind)
        if req.kind == SALES and req.sale_u < self.sales.chance(m, c, 0):
            fit_u = self.misfit_draw.uniform(c, int(book.sales[c]))
            self.record_sale(m, c, self.sales.amount(c, req.sale_z), req.counted, proactive=False)
            weight = self.satisfaction.pressure_weight(float(book.complexity[c]))
            if fit_u < self.sales.misfit_chance(m, weight):
                if self._closing is not None:  # served in overtime: the complaint comes once all have gone home
                    self._closing.append(c)
                else:  # the complaint arrives as its own event, once this contact has finished
                    self.env.timeout(0.0, c).callbacks.append(lambda ev: self.mis_sold(ev.value))
        elif req.kind == COMPLAINT:
            m.day_complaints += 1
        self.satisfaction.after_request(m, c, req.kind, wait, req.quality_z)
        book.last_contact_day[c] = self.day
        tally = self.tally
        tally.day_served += 1
        tally.day_wait_sum += wait
        if req.counted:
            tally.served += 1
            tally.waits.append(wait)
            tally.served_wait_sum += wait
            tally.wait_all_sum += wait
            tally.service_sum += req.service

    def record_sale(self, m: Manager, c: int, amount: float, counted: bool, proactive: bool) -> None:
        book, tally = self.clients, self.tally
        book.sales[c] += 1
        book.revenue[c] += amount
        book.last_sale_day[c] = self.day
        m.sales_count += 1
        m.revenue += amount
        tally.day_sales += 1
        tally.day_revenue += amount
        if proactive:
            tally.day_proactive_sales += 1
        if counted:
            tally.sales += 1
            tally.revenue += amount

    def mis_sold(self, c: int) -> None:
        """A product sold under pressure did not fit: the client is let down and complains."""
        book = self.clients
        self.satisfaction.let_down(c, self.scenario.sales.mis_selling_penalty)
        if book.active[c]:
            self._client_request(c, int(book.tier[c]), COMPLAINT, self.missell_time(), self.missell_z(), 1.0, 0.0,
                                 math.inf)

    # ------------------------------------------------------------------ absence

    def update_presence(self, m: Manager) -> None:
        """Set whether an AM is with clients from the reasons to be away (sick, leave, training, meeting)."""
        self.set_absent(m, m.sick_today or m.on_leave or m.away_days > 0 or m.in_meeting)

    def _update_presences(self) -> None:
        """Update every AM's presence at the start of a day. All who are away today leave the idle
        set first, so the requests that `set_absent` moves off one absent AM's queue cannot go to a
        colleague who is away today too but whose turn to be updated has not come yet."""
        ams = [m for m in self.positions if m is not None]
        for m in ams:
            if m.sick_today or m.on_leave or m.away_days > 0 or m.in_meeting:
                self.idle.pop(m.position, None)
        for m in ams:
            self.update_presence(m)

    def set_absent(self, m: Manager, absent: bool) -> None:
        """Take an AM away from clients (sick, leave, training, meeting) or bring them back."""
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
        self.tally.close_run(self)

    def open_requests(self) -> list[Request]:
        """Requests not finished: in service or waiting, in any queue."""
        seen = [m.current for m in self.all_managers if m.busy and m.current is not None]
        queues = [self.pool] + [m.queue for m in self.all_managers]
        return seen + [e[2] for q in queues for e in q if e[2].status == WAITING]

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
        for m in self.positions:
            if m is not None:
                m.day_away_h = 0.0
                m.drive = 0.0
                self.absence.start_day(m, d)
        for hook in self.day_start_hooks:
            hook(self, d)
        eff = self.mg.effort
        for m in self.positions:
            if m is not None:
                m.intensity = intensity(m.drive, eff.intensity_max, eff.intensity_scale)
        self._new_epoch()
        self._update_presences()
        for m in hired:
            if not m.absent and not m.busy:  # a new hire at work today takes waiting work
                self._next_for(m)
        rebalance = self.scenario.allocation.rebalance_interval_days
        if rebalance and d > 0 and d % rebalance == 0:
            self._rebalance(d)
        now = self.env.now
        for m in self.positions:
            if m is not None:
                m.day_busy_start = m.busy_until(now)

    def _day_end(self, d: int) -> None:
        now = self.env.now
        tally = self.tally
        overtime = self._overtime() if self.workday.cap > 0.0 else {}
        proactive: dict[int, float] = {}
        busy_sum = avail_sum = 0.0
        present = self.present()
        pool_h = sum(e[2].base_time for e in self.pool if e[2].status == WAITING)
        pool_share = pool_h / len(present) if present else 0.0
        for m in present:
            busy = m.busy_until(now) - m.day_busy_start
            busy_sum += busy
            at_work = not (m.sick_today or m.on_leave or m.away_days > 0)
            avail_sum += busy if not at_work else max(busy, self.hours_per_day - m.day_away_h)
            noise = m.rng.gauss(0.0, 1.0)
            if at_work:
                hours = self.workday.close(m, busy, m.day_away_h, overtime.get(m.position, 0.0), self.sizes[m.position])
                queued = sum(e[2].base_time for e in m.queue if e[2].status == WAITING)
                self.strain.working_day(m, hours, queued + pool_share + m.admin_backlog, noise)
                proactive[m.position] = hours.proactive
                m.overtime_total += hours.overtime
                m.proactive_total += hours.proactive
                tally.add_hours(hours, hours.overtime * self.overtime_rate[m.level])
            else:
                self.strain.day_away(m, resting=m.sick_today or m.on_leave)
            self.strain.exhaustion(m, resting=m.sick_today or m.on_leave)
            self.strain.motivation(m)
            self.skills.end_of_day(m)
            m.tenure_days += 1
            m.day_complaints = 0
            if m.away_days > 0:
                m.away_days -= 1
                tally.day_course_hours += self.hours_per_day
        tally.day_busy = busy_sum
        tally.day_available = avail_sum
        self.proactive.day(self, d, proactive)
        self._new_epoch()
        self._client_day(d)
        for hook in self.day_end_hooks:
            hook(self, d)
        self._new_epoch()
        self._quits(d)
        tally.close_day(self, d)

    def _overtime(self) -> dict[int, float]:
        """At closing, AMs with work waiting stay on to clear it, within the overtime cap: the request
        in hand first, then their own queue, then the branch's. Returns the hours by position."""
        now, cap = self.env.now, self.workday.cap
        used: dict[int, float] = {}
        self._closing = []
        for m in self.present():
            if m.absent or not (m.busy or m.queue or self.pool):
                continue
            budget = cap
            if m.busy:
                left = m.busy_end - now
                if left > budget:
                    continue  # finishes tomorrow morning
                budget -= left
                m.service_token += 1  # the scheduled completion no longer counts
                m.busy_total += now - m.busy_since
                self._finish(m, now)
            while budget > 0.0:
                queue = m.queue
                req = self._pop(queue)
                if req is None and self.pool:
                    queue = self.pool
                    req = self._pop(queue)
                if req is None:
                    break
                duration = self.duration(m, req)
                if duration > budget:
                    self._push(queue, req)
                    break
                budget -= duration
                req.status = IN_SERVICE
                req.start = now
                req.service = duration
                m.current = req
                m.busy = True
                self._finish(m, now)
            used[m.position] = cap - budget
            if not m.busy and m.position not in self.idle:
                self._next_for(m)
        missold, self._closing = self._closing, None
        for c in missold:
            self.mis_sold(c)
        return used

    def _client_day(self, d: int) -> None:
        book = self.clients
        ids = book.active_ids()
        if len(ids) == 0:
            return
        self.satisfaction.day(d, ids)
        self.relationships.day(d, ids)
        if self.churn_model.on:
            gone = ids[self.churn_model.leaving(book.satisfaction[ids], book.relationship[ids],
                                                self.churn_draw.uniforms(ids, d))]
            for c in gone.tolist():
                self._lose_client(c, d)

    def _lose_client(self, c: int, d: int) -> None:
        self.tally.lost_client(int(self.clients.tier[c]), d >= self.warmup_days)
        self._move(c, -1)
        self.clients.remove(c, d)
        self.client_rng[c] = None  # a client who left draws nothing more: free its stream (~3 KB)

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
            self._add_client(t, dom, math.exp(mu + sigma * rng.standard_normal()), float(rng.standard_normal()),
                             float(rng.normal(0.0, self.sat.disposition_sd)), d)
            self.tally.day_new_clients += 1

    # ------------------------------------------------------------------ quits and hires

    def backlog_days_per_am(self) -> float:
        """Work waiting in the branch's queues, in days of one AM's contracted hours per AM in post."""
        present = self.present()
        if not present:
            return 0.0
        hours = sum(r.base_time for r in self.open_requests() if r.status == WAITING)
        return hours / self.hours_per_day / len(present)

    def _quits(self, d: int) -> None:
        if not self.turnover.on:
            return
        for m in self.present():
            if self.turnover.quits_today(m):
                self._quit(m, d)

    def _quit(self, m: Manager, d: int) -> None:
        p = m.position
        m.left_day = d
        m.quit_reason = "burnout" if m.burnout else "quit"
        overloaded = self.backlog_days_per_am() > self.mg.hiring.expedite_backlog_days
        self.positions[p] = None
        self.staff.roster_changed()
        self.idle.pop(p, None)
        self.vacancies[p] = d + 1 + self.turnover.vacancy_delay(m.rng, overloaded)
        self.tally.day_quits += 1
        self.tally.day_replacement_cost += self.mg.turnover.replacement_cost_share * self.level_salary[m.level]
        for c in self.clients.of_am(p).tolist():
            u = self.leaver_draw.uniform(c, int(self.clients.handovers[c]))
            if self.relationships.follows_leaver(c, u):
                self._lose_client(c, d)  # the client follows the leaver
                continue
            self._move(c, -1)
            to = self.rule.owner_for(c, self)
            self._handover(c, -1 if to is None else to.position, departure=True, d=d)
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
            mg, h = self.mg, self.mg.hiring
            rng = self.streams.am_random(p, self.occupants[p])
            skills = tuple(min(1.0, max(mg.skill_floor, rng.gauss(h.new_hire_skill, h.skill_sd))) for _ in range(3))
            specialty = min(pick(np.cumsum(self.domain_shares).tolist(), rng.random()), len(self.domain_names) - 1)
            m = self._add_manager(p, 0, specialty, skills, mg.skill_floor, 0, rng)  # type: ignore[arg-type]
            m.hired_day = d
            self.tally.day_hires += 1
            self.idle.pop(p, None)
            for c in self.clients.of_am(-1).tolist():  # clients left without an AM while every post was vacant
                self._assign(c)
            self._give_book(m, d)
            hired.append(m)
        return hired

    def _movable_first(self, clients: list[int]) -> list[int]:
        """Clients in the order a book gives them up: least relationship capital at stake first
        (the cost of moving them), less important tiers first among equals."""
        book = self.clients
        return sorted(clients, key=lambda c: (book.relationship[c] * (1.0 + self.tier_importance[book.tier[c]]),
                                              self.tier_importance[book.tier[c]], c))

    def _give_book(self, m: Manager, d: int) -> None:
        """A new AM takes over clients from the largest books, the cheapest to move first, up to the mean load."""
        present = self.present()
        target = sum(self.loads[x.position] for x in present) / len(present)
        book, loads = self.clients, self.loads
        donors = [(-loads[x.position], x.position) for x in present if x is not m]  # largest book first
        heapq.heapify(donors)
        pools: dict[int, list[int]] = {}  # each donor's clients, the cheapest to move last in the list
        cap = self.cap if self.cap is not None else math.inf
        while loads[m.position] < target and self.sizes[m.position] < cap and donors:
            p = donors[0][1]
            if p not in pools:
                pools[p] = self._movable_first(book.of_am(p).tolist())[::-1]
            if loads[p] <= target or not pools[p]:
                break
            self._handover(pools[p].pop(), m.position, departure=False, d=d)
            heapq.heapreplace(donors, (-loads[p], p))

    def _rebalance(self, d: int) -> None:
        """Move clients off books above `allocation.rebalance_margin` x the mean workload, by the
        allocation rule, the cheapest to move (least relationship capital) first."""
        present = self.present()
        if len(present) < 2:
            return
        mean = sum(self.loads[m.position] for m in present) / len(present)
        margin = self.scenario.allocation.rebalance_margin
        book = self.clients
        for m in present:
            if self.loads[m.position] <= margin * mean:
                continue
            clients = self._movable_first(book.of_am(m.position).tolist())
            while clients and self.loads[m.position] > margin * mean:
                c = clients.pop(0)
                under = [x for x in present if self.loads[x.position] < mean
                         and (self.cap is None or self.sizes[x.position] < self.cap)]
                if not under:
                    break
                self._handover(c, self.rule.assign(c, under, self).position, departure=False, d=d)

