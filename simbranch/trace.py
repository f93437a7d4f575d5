"""A plain-language trace of one AM's working day, for demonstrating the model to a class.

`trace_day(scenario, seed, day, am)` builds the branch of `simbranch.run(scenario, seed)`, runs it
to the end of `day` and returns, in time order, what happened that day to one AM: the requests
of their clients and where each went, the services they gave, the sales they made, how their
clients' satisfaction moved, their absences (sick days, annual leave, courses, meetings), the
overtime they stayed at closing, how the rest of their day went on administration and proactive
work, the review and sales calls they made, and their stress and exhaustion at the end of the day.

Event kinds (`Trace.events["event"]`): "start of day", "absent", "back", "request" (taken at
once), "queued", "re-routed" (a leaver's waiting request), "starts", "finishes", "sale", "no sale",
"cover starts" / "cover ends" (a colleague serves the AM's client), "client gave up", "withdrawn"
(the client left while waiting), "overtime" (the AM stays after closing to clear waiting work),
"working time" (the day's hours on requests, administration and proactive work), "review call" /
"sales call" (proactive calls, a review may be a CRM-prompted follow-up), "client left", "leaves"
(the AM resigns) and "end of day". Work done at closing (overtime, proactive calls) is shown at
the closing time, as the engine does it.

The trace watches the engine by wrapping the methods of the one branch *instance* it builds
(`_route`, `_start`, `_contact`, `_overtime`, `set_absent`, ...) and of that branch's own
mechanism objects (`workday.close`, `proactive._call`, `sales.chance`): the wrappers only call
through and read state, so the traced run is exactly the untraced one, and nothing changes for
any other run.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from simbranch.model.requests import DONE, IN_SERVICE, SALES, SERVICE, WAITING
from simbranch.run import build_branch
from simbranch.scenario import Scenario

if TYPE_CHECKING:
    from simbranch.model.branch import Branch
    from simbranch.model.managers import Manager
    from simbranch.model.requests import Request
    from simbranch.model.workday import DayHours

__all__ = ["Trace", "trace_day"]

#: The clock shown for the start of a working day.
DAY_START_HOUR = 9

COLUMNS = ("time", "hour", "event", "client", "text")

_KIND_NOUN = ("service request", "sales opportunity", "complaint")
_KIND_CALL = ("calls with a service request", "calls with a sales opportunity", "calls with a complaint")


@dataclass(frozen=True, eq=False)
class Trace:
    """What happened to AM `am` on `day`: `events` has one row per event, in time order.

    `trace_day` builds it. ``str(trace)`` prints the day as a story, one line per event, and a
    notebook shows it as a table. The event kinds are listed in this module's documentation.

    Parameters
    ----------
    events : pandas.DataFrame
        One row per event, with columns ``time`` (clock text, the day starting at 09:00),
        ``hour`` (hours since the day's start), ``event`` (short kind), ``client`` (the client
        concerned, or missing) and ``text`` (one plain sentence).
    am : int
        The traced AM's id (``am_id`` of `RunResult.managers`).
    day : int
        The traced day, counted from 0 (warm-up days included).
    seed : int
        The run's seed.
    scenario : Scenario
        The scenario that was run.
    branch : simbranch.model.branch.Branch
        The traced branch, stopped just after the day's end; the engine starts the next day in
        the same step, so its presence flags (``sick_today``, ``on_leave``, ...) are already the
        next day's.

    Raises
    ------
    TypeError
        If a field is missing (the fields are not checked otherwise: `trace_day` fills them).

    Examples
    --------
    >>> import simbranch as sb
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> trace = sb.trace_day(sb.load_scenario(sb.BASELINE).with_overrides(tiny), seed=1)
    >>> trace.events["event"].iloc[[0, -1]].tolist()
    ['start of day', 'end of day']
    >>> print(trace)  # doctest: +ELLIPSIS
    Baseline branch: day 0 (measured) of AM ..., seed 1, ... events
    09:00  AM ... starts the day: ...
    ...
    """

    events: pd.DataFrame
    am: int
    day: int
    seed: int
    scenario: Scenario = field(repr=False)
    branch: Branch = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Return the events as a new DataFrame (a copy: changing it leaves the trace as it is).

        Returns
        -------
        pandas.DataFrame
            One row per event, with columns ``time``, ``hour``, ``event``, ``client`` and ``text``.

        Examples
        --------
        >>> import simbranch as sb
        >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
        >>> trace = sb.trace_day(sb.load_scenario(sb.BASELINE).with_overrides(tiny), seed=1)
        >>> frame = trace.to_frame()
        >>> list(frame.columns), len(frame) == len(trace)
        (['time', 'hour', 'event', 'client', 'text'], True)
        """
        return self.events.copy()

    def __len__(self) -> int:
        return len(self.events)

    def _title(self) -> str:
        part = "warm-up" if self.day < self.scenario.branch.warmup_days else "measured"
        return (f"{self.scenario.branch.name}: day {self.day} ({part}) of AM {self.am}, seed {self.seed}, "
                f"{len(self.events)} events")

    def __str__(self) -> str:
        lines = [self._title()]
        lines += [f"{t}  {x}" for t, x in zip(self.events["time"], self.events["text"], strict=True)]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        cell = "padding:2px 8px;text-align:left;vertical-align:top"
        rows = []
        for t, kind, x in zip(self.events["time"], self.events["event"], self.events["text"], strict=True):
            text = html.escape(x)
            if kind in ("start of day", "end of day"):
                text = f"<b>{text}</b>"
            rows.append(f'<tr><td style="{cell};font-family:monospace">{html.escape(t)}</td>'
                        f'<td style="{cell}">{text}</td></tr>')
        return (f"<p><b>{html.escape(self._title())}</b></p>"
                f'<table><thead><tr><th style="{cell}">time</th><th style="{cell}">what happens</th></tr></thead>'
                f"<tbody>{''.join(rows)}</tbody></table>")


def trace_day(scenario: Scenario, seed: int = 0, day: int | None = None, am: int | None = None) -> Trace:
    """Run `scenario` with `seed` to the end of `day` and trace what happened to AM `am`.

    The run is the one ``simbranch.run(scenario, seed)`` makes, up to that day: the trace only
    watches it, so its numbers are the untraced run's. It is meant for showing the model to a
    class or a manager: one AM's day, event by event, in plain sentences.

    Parameters
    ----------
    scenario : Scenario
        The branch and its levers.
    seed : int, default 0
        The run's seed.
    day : int, optional
        The day to trace, counted from 0 with the warm-up days; by default the first day after
        the warm-up.
    am : int, optional
        The AM to follow (an ``am_id`` of `RunResult.managers`) among those in a position that
        day; by default the AM who served the most requests that day (the first AM in a position
        if nobody served any).

    Returns
    -------
    Trace
        The AM's day, one event a row.

    Raises
    ------
    TypeError
        If `scenario` is not a `Scenario`.
    ValueError
        If the scenario simulates no days, `day` is not a whole number within the run, `am` is
        not a whole number or no AM in a position that day, or no AM holds a position that day.

    Examples
    --------
    >>> import simbranch as sb
    >>> tiny = {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
    >>> scenario = sb.load_scenario(sb.BASELINE).with_overrides(tiny)
    >>> trace = sb.trace_day(scenario, seed=1, day=2, am=0)
    >>> trace.day, trace.am, trace.events["event"].iloc[0]
    (2, 0, 'start of day')
    >>> try:
    ...     sb.trace_day(scenario, day=5)
    ... except ValueError as error:
    ...     print(error)
    day must be a whole number from 0 to 4 (the scenario simulates 5 days: measured days 0-4); got 5
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(f"trace_day() takes a Scenario (see load_scenario), got {type(scenario).__name__}")
    br = scenario.branch
    total = br.warmup_days + br.horizon_days
    if total <= 0:
        raise ValueError("the scenario simulates no days (branch.warmup_days + branch.horizon_days = 0)")
    if day is None:
        day = min(br.warmup_days, total - 1)
    if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day < total:
        parts = f"warm-up days 0-{br.warmup_days - 1}, " if br.warmup_days else ""
        raise ValueError(f"day must be a whole number from 0 to {total - 1} (the scenario simulates {total} days: "
                         f"{parts}measured days {br.warmup_days}-{total - 1}); got {day!r}")
    if am is not None and (isinstance(am, bool) or not isinstance(am, int)):
        raise ValueError(f"am must be an AM id (a whole number), got {am!r}")

    branch, rec = _run_day(scenario, seed, day)
    ids = [m.id for m in rec.ams]
    if am is None:
        served = {m.id: m.served - rec.served0.get(m.id, 0) for m in rec.ams}
        am = max(ids, key=lambda i: served[i]) if ids else None
        if am is None:
            raise ValueError(f"no AM holds a position on day {day}")
    elif am not in ids:
        raise ValueError(f"am {am} is not an AM in a position on day {day}; the AMs that day are "
                         f"{', '.join(map(str, ids)) or 'none'}")
    return Trace(rec.frame(am), am, day, seed, scenario, branch)


def _run_day(scenario: Scenario, seed: int, day: int) -> tuple[Branch, _Recorder]:
    """The branch of `run(scenario, seed)`, watched by a recorder and stopped just after `day`'s end."""
    branch = build_branch(scenario, seed)
    rec = _Recorder(branch, day)
    rec.install()
    env = branch.env
    env.process(branch._days())  # as Branch.run does
    env.run(until=(day + 1) * branch.hours_per_day)  # stops just before that day's end is processed
    while not rec.done:  # ... which one of the next events at the same instant does
        env.step()
    return branch, rec


# --------------------------------------------------------------------------- the recorder


class _Recorder:
    """Wrappers around one branch's methods that note, during one day, what each AM meets."""

    def __init__(self, branch: Branch, day: int):
        self.b = branch
        self.day = day
        self.t0 = day * branch.hours_per_day
        self.on = False
        self.done = False
        self.events: list[dict[str, Any]] = []
        self.ams: list[Manager] = []  # the AMs in a position once the day has started
        self.served0: dict[int, int] = {}
        self.sales0: dict[int, int] = {}
        self.calls0: dict[int, int] = {}
        self.book0: dict[int, int] = {}
        self.was_away: dict[int, str] = {}  # why each AM away yesterday was away (leave, sickness)
        self.last_started: Manager | None = None
        self.leaving: Manager | None = None  # inside `_quit`
        self.mis_sold: float | None = None  # inside `mis_sold`: the client's satisfaction before it
        self.let_down: float | None = None  # the satisfaction before the latest mis-sale was felt
        self.patience = False  # inside `_on_patience`
        self.in_hand: dict[int, Request] | None = None  # inside `_overtime`: the request each position had in hand
        self.cleared: Counter[int] = Counter()  # waiting requests each AM served in overtime
        self.chance = float("nan")  # what `sales.chance` last returned
        self.levels = list(branch.mg.levels)
        ex = branch.scenario.managers.exhaustion
        self.exh = ex if ex.enabled else None

    def install(self) -> None:
        """Wrap the engine's methods on this branch instance and on its own mechanism objects."""
        b = self.b
        targets: list[tuple[object, str]] = [
            (b, name) for name in ("_day_start", "_day_end", "_route", "_start", "_contact", "_give_up",
                                   "_on_patience", "_overtime", "set_absent", "_quit", "_lose_client", "mis_sold")]
        targets += [(b.workday, "close"), (b.proactive, "_call"), (b.sales, "chance")]
        for obj, name in targets:
            make: Callable[[Callable[..., Any]], Callable[..., Any]] = getattr(self, "w" + name.lstrip("_"))
            setattr(obj, name, make(getattr(obj, name)))

    # ------------------------------------------------------------------ helpers

    def add(self, event: str, text: str, ams: set[int], client: int | None = None) -> dict[str, Any]:
        e = {"hour": self.b.env.now - self.t0, "event": event, "client": client, "text": text, "ams": ams}
        self.events.append(e)
        return e

    def who(self, c: int, lower: bool = False) -> str:
        """'Client 12 (VIP, wealth)': the client with their tier and domain."""
        b = self.b
        name = "client" if lower else "Client"
        return f"{name} {c} ({_label(b.tier_names[b.clients.tier[c]])}, {_label(b.domain_names[b.clients.domain[c]])})"

    def owner(self, req: Request) -> Manager | None:
        return self.b.positions[req.owner] if req.owner >= 0 else None

    def owner_ids(self, req: Request, exclude: Manager | None = None) -> set[int]:
        """The client's AM, whom a request concerns unless the branch serves one shared queue."""
        o = self.owner(req)
        if self.b.pooled or o is None or o is exclude:
            return set()
        return {o.id}

    def sat(self, c: int) -> float:
        return float(self.b.clients.satisfaction[c])

    def sat_text(self, c: int, s0: float, s1: float | None = None) -> str:
        """How client `c`'s satisfaction moved from `s0` to `s1` (by default, to now)."""
        if not self.b.sat_on:
            return ""
        return f" Client {c}'s satisfaction {s0:.2f} -> {self.sat(c) if s1 is None else s1:.2f}."

    def away(self, m: Manager) -> str:
        """Why an AM is away from clients today, in words."""
        reasons = []
        if m.on_leave:
            left = m.leave_until - self.day + 1
            reasons.append(f"on annual leave{f', {left} days left' if left > 1 else ', last day'}")
        if m.sick_today:
            reasons.append("off sick")
        if m.away_days > 0:
            course_left = f", {m.away_days} days left" if m.away_days > 1 else ", last day"
            reasons.append(f"away on a training course{course_left}")
        if m.in_meeting:
            reasons.append("in the team meeting")
        return " and ".join(reasons) or "away"

    def exhaustion_state(self, exhaustion: float) -> str:
        """'burnt out', 'highly exhausted' or '' by the scenario's thresholds ('' without exhaustion)."""
        ex = self.exh
        if ex is None:
            return ""
        if exhaustion >= ex.burnout_threshold:
            return "burnt out"
        return "highly exhausted" if exhaustion >= ex.high_threshold else ""

    def exhaustion_text(self, before: float, after: float | None = None) -> str:
        """'exhaustion 0.52 (highly exhausted), ' or, over the day, 'exhaustion 0.52 -> 0.53 (...), '."""
        if self.exh is None:
            return ""
        now = before if after is None else after
        state = self.exhaustion_state(now)
        value = f"{before:.2f}" if after is None else f"{before:.2f} -> {after:.2f}"
        return f"exhaustion {value}" + (f" ({state})" if state else "") + ", "

    @staticmethod
    def waiting(queue: list) -> int:
        return sum(1 for e in queue if e[2].status == WAITING)

    @staticmethod
    def ahead(queue: list, req: Request) -> int | None:
        """Requests waiting before `req` in `queue`, or None if `req` is not in it."""
        key = next(((e[0], e[1]) for e in queue if e[2] is req), None)
        if key is None:
            return None
        return sum(1 for e in queue if e[2].status == WAITING and (e[0], e[1]) < key)

    @staticmethod
    def place(queue: list, req: Request) -> str:
        """Where `req` stands in `queue`: how many go before it, and how many earlier ones it overtakes."""
        key = next(((e[0], e[1]) for e in queue if e[2] is req), None)
        if key is None:
            return "position unknown"
        waiting = [e for e in queue if e[2].status == WAITING and e[2] is not req]
        ahead = sum(1 for e in waiting if (e[0], e[1]) < key)
        passed = sum(1 for e in waiting if (e[0], e[1]) > key)
        return f"{ahead} ahead" + (f", before {passed} earlier request{'s' if passed != 1 else ''} of a lower tier"
                                   if passed else "")

    # ------------------------------------------------------------------ the day

    def wday_start(self, orig: Callable[[int], None]) -> Callable[[int], None]:
        def day_start(d: int) -> None:
            if d != self.day:
                return orig(d)
            b = self.b
            self.on = True
            carried = {m.id: m.current.client for m in b.all_managers if m.busy and m.current is not None}
            queued = {m.id: self.waiting(m.queue) for m in b.all_managers}  # overnight, before anyone starts
            self.served0 = {m.id: m.served for m in b.all_managers}
            self.sales0 = {m.id: m.sales_count for m in b.all_managers}
            self.calls0 = {m.id: m.proactive_calls for m in b.all_managers}
            # yesterday's reasons: `orig` sets today's
            self.was_away = {m.id: "annual leave" if m.on_leave else "being off sick"
                             for m in b.all_managers if m.on_leave or m.sick_today}
            pool = self.waiting(b.pool)
            books = {m.id: b.sizes[m.position] for m in b.positions if m is not None}
            i = len(self.events)
            orig(d)
            self.ams = [m for m in b.positions if m is not None]
            self.book0 = {m.id: b.sizes[m.position] for m in self.ams}
            self.events[i:i] = [
                {"hour": 0.0, "event": "start of day", "client": None, "ams": {m.id},
                 "text": self.start_text(m, carried.get(m.id), queued.get(m.id, 0), pool, books.get(m.id))}
                for m in self.ams]
            return None

        return day_start

    def start_text(self, m: Manager, carried: int | None, q: int, pool: int, book: int | None) -> str:
        b = self.b
        tenure = m.tenure_days / b.days_per_year
        years = f"{tenure:.1f} years" if tenure >= 1 else f"{m.tenure_days} days"
        parts = [f"AM {m.id} starts the day: {self.levels[m.level]}, {_label(b.domain_names[m.specialty])} "
                 f"specialist, {years} in the job."]
        parts.append(f"Stress {m.stress:.2f}, {self.exhaustion_text(m.exhaustion)}motivation {m.motivation:.2f}.")
        parts.append(f"Skills: sales {m.sales:.2f}, relationship {m.relationship:.2f}, product {m.product:.2f}.")
        queue = f"{q} request{'s' if q != 1 else ''} waiting in their queue" if q else "nobody waiting in their queue"
        size = b.sizes[m.position]
        moved = f" ({book} yesterday)" if book is not None and book != size else ""
        parts.append(f"{size} clients in the book{moved}; {queue}"
                     + (f" ({pool} in the branch's shared queue)" if pool else "") + ".")
        if carried is not None:
            parts.append(f"Still with client {carried} from yesterday.")
        if m.hired_day == self.day and m.tenure_days == 0:
            parts.append("Today: first day in the job (new hire), with clients taken over from colleagues.")
        elif m.absent:
            parts.append(f"Today: {self.away(m)}" + (f" ({m.day_away_h:g} h)" if m.in_meeting else "") + ".")
        else:
            parts.append("Today: at work with clients.")
        return " ".join(parts)

    def wday_end(self, orig: Callable[[int], None]) -> Callable[[int], None]:
        def day_end(d: int) -> None:
            if d != self.day:
                return orig(d)
            b = self.b
            now = b.env.now
            before = {m.id: (m.stress, m.exhaustion, m.motivation, m.level, m.busy_until(now) - m.day_busy_start)
                      for m in self.ams}
            orig(d)
            for m in self.ams:
                self.add("end of day", self.end_text(m, *before[m.id]), {m.id})
            self.on = False
            self.done = True
            return None

        return day_end

    def end_text(self, m: Manager, stress: float, exhaustion: float, motivation: float, level: int,
                 busy: float) -> str:
        """The AM's day in numbers, what changed in their state, and what is left for tomorrow."""
        b = self.b
        served = m.served - self.served0.get(m.id, 0)
        sales = m.sales_count - self.sales0.get(m.id, 0)
        calls = m.proactive_calls - self.calls0.get(m.id, 0)
        mot = f"{motivation:.2f} -> {m.motivation:.2f}" if abs(m.motivation - motivation) >= 0.005 \
            else f"{m.motivation:.2f}"
        text = (f"AM {m.id} ends the day: stress {stress:.2f} -> {m.stress:.2f}, "
                f"{self.exhaustion_text(exhaustion, m.exhaustion)}motivation {mot}, "
                f"{served} request{'s' if served != 1 else ''} served, "
                + (f"{calls} proactive call{'s' if calls != 1 else ''}, " if b.workday.on else "")
                + f"{sales} sale{'s' if sales != 1 else ''}, busy {busy:.1f} h of {b.hours_per_day:g}.")
        old, new = self.exhaustion_state(exhaustion), self.exhaustion_state(m.exhaustion)
        if new != old:
            text += f" Now {new}." if new else f" No longer {old}."
        if m.level != level:
            text += f" Promoted to {self.levels[m.level]}."
        in_post = b.positions[m.position] is m
        if m.busy and m.current is not None:
            text += (f" Still with client {m.current.client}, to finish tomorrow." if in_post else
                     f" Has left the branch, once the work with client {m.current.client} is finished.")
        elif not in_post:
            text += " Has left the branch."
        q = self.waiting(m.queue) if in_post else 0
        if q:
            text += f" {q} request{'s' if q != 1 else ''} wait{'' if q != 1 else 's'} in the queue overnight."
        if in_post and b.sizes[m.position] != self.book0.get(m.id):
            text += f" Book: {self.book0.get(m.id)} -> {b.sizes[m.position]} clients."
        return text

    # ------------------------------------------------------------------ closing: overtime, working time, calls

    def wovertime(self, orig: Callable[[], dict[int, float]]) -> Callable[[], dict[int, float]]:
        def overtime() -> dict[int, float]:
            if not self.on:
                return orig()
            b = self.b
            self.in_hand = {m.position: m.current for m in b.present() if m.busy and m.current is not None}
            self.cleared.clear()
            i = len(self.events)
            try:
                used = orig()
            finally:
                in_hand, self.in_hand = self.in_hand, None
            stays = [(b.positions[p], h) for p, h in used.items() if h > 0.0]
            # before the work it tells of, which `orig` has just recorded
            self.events[i:i] = [
                {"hour": b.env.now - self.t0, "event": "overtime", "client": None, "ams": {m.id},
                 "text": self.overtime_text(m, h, in_hand.get(m.position))}
                for m, h in stays if m is not None]
            return used

        return overtime

    def overtime_text(self, m: Manager, hours: float, in_hand: Request | None) -> str:
        """'AM 3 stays 1 h 20 min after closing to finish ... and clear 2 waiting requests ...'."""
        todo = []
        if in_hand is not None and in_hand.status == DONE:
            todo.append(f"finish the work with client {in_hand.client}")
        n = self.cleared[m.id]
        if n:
            todo.append(f"clear {n} waiting request{'s' if n != 1 else ''}")
        return (f"AM {m.id} stays {_h_min(hours)} after closing to {' and '.join(todo) or 'clear waiting work'} "
                f"(overtime allowed: up to {_h_min(self.b.workday.cap)} a day).")

    def wclose(self, orig: Callable[..., DayHours]) -> Callable[..., DayHours]:
        def close(m: Manager, requests: float, away_h: float, overtime_on_requests: float,
                  book_size: int) -> DayHours:
            hours = orig(m, requests, away_h, overtime_on_requests, book_size)
            if self.on and self.b.workday.on:
                self.add("working time", self.hours_text(m, hours), {m.id})
            return hours

        return close

    def hours_text(self, m: Manager, h: DayHours) -> str:
        """How the AM's day was spent: requests, administration, proactive work, overtime, backlog."""
        planned = self.b.workday.cfg.proactive_h * m.intensity
        late = f" (+ {_h_min(h.requests_overtime)} after closing)" if h.requests_overtime > 0.0 else ""
        text = (f"AM {m.id}'s working time today: requests {_h_min(h.requests)}{late}, administration "
                f"{_h_min(h.admin)}, proactive work {_h_min(h.proactive)} of the {_h_min(planned)} planned; "
                f"{_h_min(h.worked)} worked, "
                + (f"{_h_min(h.overtime)} of it overtime." if h.overtime > 0.0 else "no overtime."))
        if h.admin_left > 0.0:
            text += f" {_h_min(h.admin_left)} of administration is carried over to tomorrow."
        return text

    def wcall(self, orig: Callable[..., None]) -> Callable[..., None]:
        def call(branch: Branch, m: Manager, c: int, day: int, kind: int, prompted: bool, draws: Any) -> None:
            if not self.on:
                return orig(branch, m, c, day, kind, prompted, draws)
            book = self.b.clients
            s0, sales0, revenue0 = self.sat(c), int(book.sales[c]), float(book.revenue[c])
            since = day - int(book.last_contact_day[c])
            need = min(1.0, (day - book.last_sale_day[c]) * self.b.proactive.need_rate)  # as `_call` weighs the chance
            at = len(self.events)
            e = self.add("review call" if kind == SERVICE else "sales call", "", {m.id}, c)
            self.let_down = None
            orig(branch, m, c, day, kind, prompted, draws)
            s1 = self.sat(c) if self.let_down is None else self.let_down  # before a mis-sale's complaint
            chance = need * self.chance
            e["text"] = self.call_text(m, c, kind, prompted, since)
            if book.sales[c] > sales0:
                e["text"] += "." + self.sat_text(c, s0, s1)
                revenue = float(book.revenue[c]) - revenue0
                sale = f"Sale on the call: {revenue:,.0f} of revenue (chance was {chance:.0%})."
                # right after the call, before any complaint the sale brought
                self.events.insert(at + 1, {**e, "event": "sale", "text": sale, "ams": {m.id}})
            else:
                e["text"] += f". No sale (chance was {chance:.0%})." + self.sat_text(c, s0, s1)
            return None

        return call

    def call_text(self, m: Manager, c: int, kind: int, prompted: bool, since: int) -> str:
        """The head of a proactive call's sentence, without the closing full stop."""
        who = self.who(c, lower=True)
        days = f"{since} day{'s' if since != 1 else ''} after the last contact"
        if kind == SERVICE:
            text = f"AM {m.id} calls {who} for a review, {days}"
            if prompted:
                text += (f"; a CRM follow-up (the CRM flags clients not contacted for {self.b.follow_up_days} "
                         f"days)")
            return text
        return f"AM {m.id} makes a sales call to {who}, {days}"

    def wchance(self, orig: Callable[[Manager, int, int], float]) -> Callable[[Manager, int, int], float]:
        def chance(m: Manager, c: int, what: int) -> float:
            p = orig(m, c, what)
            self.chance = p
            return p

        return chance

    # ------------------------------------------------------------------ requests and service

    def wroute(self, orig: Callable[[Request], None]) -> Callable[[Request], None]:
        def route(req: Request) -> None:
            if not self.on:
                return orig(req)
            b = self.b
            owner = self.owner(req)
            absent = owner is not None and owner.absent
            reason = self.away(owner) if owner is not None and absent else ""
            e = self.add("request", "", set(), req.client)
            self.last_started = None
            orig(req)
            c = req.client
            who = self.who(c)
            if self.leaving is not None:
                head = f"{who}'s waiting {_KIND_NOUN[req.kind]} is re-routed as AM {self.leaving.id} leaves"
                e["event"] = "re-routed"
            elif self.mis_sold is not None:
                head = f"{who} complains: a product sold under pressure did not suit them"
                if b.sat_on:
                    head += f" (satisfaction {self.mis_sold:.2f} -> {self.sat(c):.2f})"
            else:
                head = f"{who} {_KIND_CALL[req.kind]}"
            ams = self.owner_ids(req)
            if self.leaving is not None:
                ams.add(self.leaving.id)
            taker = self.last_started if req.status == IN_SERVICE else None
            if taker is not None:
                ams.add(taker.id)
            own = owner if owner is not None and self.ahead(owner.queue, req) is not None else None
            in_own = own is not None
            n = self.place(own.queue if own is not None else b.pool, req) if req.status == WAITING else ""
            wait = f"waits in AM {own.id}'s queue ({n})" if own is not None else f"waits in the shared queue ({n})"
            if own is not None:
                ams.add(own.id)
            if taker is not None:
                outcome = f"AM {taker.id} is free and takes it at once"
            elif req.status == WAITING:
                outcome = f"it {wait}"
                if e["event"] == "request":
                    e["event"] = "queued"
            else:
                outcome = "it is not served"
            if b.pooled:
                tail = f"; the branch serves one shared queue: {outcome}."
                if taker is None and req.status == WAITING:
                    tail = f"; no AM is free, so {outcome}."
            elif owner is None:
                tail = f"; the client has no AM at the moment, so it goes to the shared queue: {outcome}."
            elif absent and in_own:
                tail = f"; AM {owner.id} is {reason}, so it {wait} until they are back."
            elif absent:
                tail = f"; AM {owner.id} is {reason}, so it goes to the shared queue: {outcome}."
            elif taker is owner:
                tail = f"; AM {owner.id} is free and takes it at once."
            elif in_own:
                tail = f"; AM {owner.id} is busy, so it {wait}."
            else:
                tail = f"; {outcome}."
            e["text"] = head + tail
            e["ams"] = ams
            return None

        return route

    def wstart(self, orig: Callable[[Manager, Request], None]) -> Callable[[Manager, Request], None]:
        def start(m: Manager, req: Request) -> None:
            orig(m, req)
            if not self.on:
                return
            self.last_started = m
            if self.b.env.now - self.t0 < self.b.hours_per_day:
                self.starts(m, req, f"AM {m.id} starts with client {req.client}")
            else:  # after the overtime, or a complaint at closing: the service runs into tomorrow's hours
                self.starts(m, req, f"At closing, AM {m.id} takes up client {req.client}",
                            " The work goes on tomorrow morning.")

        return start

    def starts(self, m: Manager, req: Request, head: str, tail: str = "") -> None:
        """Note that `m` starts serving `req` (for the client's AM too, when `m` covers for them)."""
        waited = req.start - req.arrival
        c = req.client
        cover = self.owner_ids(req, exclude=m)
        if waited < 1.0 / 60.0:
            text = f"{head} ({_KIND_NOUN[req.kind]}) straight away"
        else:
            since = " (working hours, since yesterday)" if req.arrival < self.t0 else ""
            text = f"{head} ({_KIND_NOUN[req.kind]}), who waited {_hours(waited)}{since}"
        if cover:
            text += f", covering for AM {next(iter(cover))}, whose client it is"
        text += "." + tail
        self.add("starts", text, {m.id}, c)
        if cover:
            self.add("cover starts", text, cover, c)

    def wcontact(self, orig: Callable[[Manager, Request, float], None]) -> Callable[[Manager, Request, float], None]:
        def contact(m: Manager, req: Request, now: float) -> None:
            if not self.on:
                return orig(m, req, now)
            b = self.b
            c = req.client
            book = b.clients
            in_hand = self.in_hand
            overtime = in_hand is not None
            if in_hand is not None and req is not in_hand.get(m.position):  # a waiting request, served after closing
                self.cleared[m.id] += 1
                self.starts(m, req, f"AM {m.id} stays on for client {c}")
            s0, sales0, revenue0 = self.sat(c), int(book.sales[c]), float(book.revenue[c])
            orig(m, req, now)
            cover = self.owner_ids(req, exclude=m)
            late = ", in overtime after closing" if overtime else ""
            text = f"AM {m.id} finishes with client {c} after {_hours(req.service)}{late}."
            if m.absent and b.positions[m.position] is m:
                text = text[:-1] + f" (begun before they were {self.away(m)}: absence does not stop work in hand)."
            if req.kind != SALES:
                text += self.sat_text(c, s0)
            events = [("finishes", text)]
            if req.kind == SALES:
                chance = self.chance  # what `_contact` used: the skills after this contact's learning
                if book.sales[c] > sales0:
                    events.append(("sale", f"Sale: {float(book.revenue[c]) - revenue0:,.0f} of revenue "
                                           f"(chance was {chance:.0%})." + self.sat_text(c, s0)))
                else:
                    events.append(("no sale", f"No sale (chance was {chance:.0%})." + self.sat_text(c, s0)))
            for kind, x in events:
                self.add(kind, x, {m.id}, c)
            if cover:
                joined = " ".join(x for _, x in events)
                self.add("cover ends", f"Covering for AM {next(iter(cover))}: {joined}", cover, c)
            return None

        return contact

    def wgive_up(self, orig: Callable[[Request], None]) -> Callable[[Request], None]:
        def give_up(req: Request) -> None:
            if not self.on or self.patience:
                return orig(req)
            # not a patience timeout: the client has left the branch, so its waiting request goes
            self.add("withdrawn", f"The waiting {_KIND_NOUN[req.kind]} of client {req.client} is withdrawn: "
                                  f"the client has left the branch.", self.owner_ids(req), req.client)
            return orig(req)

        return give_up

    def won_patience(self, orig: Callable[[Any], None]) -> Callable[[Any], None]:
        def on_patience(ev: Any) -> None:
            req: Request = ev.value
            if not self.on or req.status != WAITING:
                return orig(ev)
            b = self.b
            owner = self.owner(req)
            own = owner if owner is not None and self.ahead(owner.queue, req) is not None else None
            c = req.client
            s0 = self.sat(c)
            self.patience = True
            try:
                orig(ev)
            finally:
                self.patience = False
            ams = self.owner_ids(req)
            if own is not None:
                ams.add(own.id)
            where = f"AM {own.id}'s queue" if own is not None else "the shared queue"
            text = (f"Client {c} gives up after waiting {_hours(b.env.now - req.arrival)} in {where}; "
                    f"the {_KIND_NOUN[req.kind]} goes unserved." + self.sat_text(c, s0))
            self.add("client gave up", text, ams, c)
            return None

        return on_patience

    def wmis_sold(self, orig: Callable[[int], None]) -> Callable[[int], None]:
        def mis_sold(c: int) -> None:
            if not self.on:
                return orig(c)
            self.mis_sold = self.let_down = self.sat(c)
            try:
                return orig(c)
            finally:
                self.mis_sold = None

        return mis_sold

    # ------------------------------------------------------------------ presence, leavers, churn

    def wset_absent(self, orig: Callable[[Manager, bool], None]) -> Callable[[Manager, bool], None]:
        def set_absent(m: Manager, absent: bool) -> None:
            if not self.on or m.absent == absent:
                return orig(m, absent)
            b = self.b
            if absent:
                e = self.add("absent", f"AM {m.id} is {self.away(m)}, away from clients", {m.id})
                q = self.waiting(m.queue)
                orig(m, absent)
                if q and not m.queue:
                    e["text"] += ("; the request waiting for them moves to the shared queue" if q == 1 else
                                  f"; the {q} requests waiting for them move to the shared queue")
                elif q:
                    e["text"] += f"; {q} request{'s' if q != 1 else ''} wait{'' if q != 1 else 's'} for their return"
                e["text"] += "."
            else:
                if b.env.now > self.t0:
                    back = "back from the team meeting"
                elif m.id in self.was_away:
                    back = f"back at work after {self.was_away[m.id]}"
                else:
                    back = "back at work"
                self.add("back", f"AM {m.id} is {back} and available to clients.", {m.id})
                orig(m, absent)
            return None

        return set_absent

    def wquit(self, orig: Callable[[Manager, int], None]) -> Callable[[Manager, int], None]:
        def quit_(m: Manager, d: int) -> None:
            if not self.on:
                return orig(m, d)
            b = self.b
            why = "burns out and resigns" if m.burnout else "resigns"
            self.add("leaves", f"AM {m.id} {why} (stress {m.stress:.2f}, {self.exhaustion_text(m.exhaustion)}"
                               f"motivation {m.motivation:.2f}); their {b.sizes[m.position]} clients go to "
                               f"colleagues.", {m.id})
            self.leaving = m
            try:
                return orig(m, d)
            finally:
                self.leaving = None

        return quit_

    def wlose_client(self, orig: Callable[[int, int], None]) -> Callable[[int, int], None]:
        def lose_client(c: int, d: int) -> None:
            if not self.on:
                return orig(c, d)
            b = self.b
            p = int(b.clients.am[c])
            m = b.positions[p] if p >= 0 else None
            if self.leaving is not None:
                text = f"{self.who(c)} follows AM {self.leaving.id} out of the branch."
                ams = {self.leaving.id}
            else:
                sat = f" (satisfaction {self.sat(c):.2f})" if b.sat_on else ""
                text = f"{self.who(c)} leaves the branch{sat}."
                ams = {m.id} if m is not None else set()
            self.add("client left", text, ams, c)
            return orig(c, d)

        return lose_client

    # ------------------------------------------------------------------ the result

    def frame(self, am: int) -> pd.DataFrame:
        rows = [e for e in self.events if am in e["ams"]]
        start = DAY_START_HOUR * 60
        hours = [float(e["hour"]) for e in rows]
        frame = pd.DataFrame({
            "time": [_clock(start + round(h * 60)) for h in hours],
            "hour": pd.array(hours, dtype="float64"),
            "event": [e["event"] for e in rows],
            "client": pd.array([e["client"] for e in rows], dtype="Int64"),
            "text": [e["text"] for e in rows],
        }, columns=list(COLUMNS))
        return frame


def _clock(minutes: int) -> str:
    h, m = divmod(minutes, 60)
    return f"{h:02d}:{m:02d}"


def _hours(h: float) -> str:
    """A duration as a reader says it: minutes below an hour, else hours with one decimal."""
    if h < 1.0:
        minutes = round(h * 60.0)
        return "less than a minute" if minutes < 1 else f"{minutes} min"
    return f"{h:.1f} h"


def _h_min(h: float) -> str:
    """Working time as a reader says it: '45 min', '2 h', '1 h 20 min'."""
    hours, minutes = divmod(round(h * 60.0), 60)
    if not hours:
        return f"{minutes} min"
    return f"{hours} h" + (f" {minutes} min" if minutes else "")


def _label(name: str) -> str:
    """A tier or domain name as a reader expects it: short names are acronyms (VIP, SME)."""
    return name.upper() if len(name) <= 3 else name
