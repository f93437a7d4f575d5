"""Client allocation (the article's first lever): who owns a client, and who serves a request.

A rule answers two questions through one small class:

- `assign(client, candidates, book)`: which AM owns a new client, or a client whose AM left.
  Portfolio rules route every request to the owner's own queue.
- `pick_server(request, idle, book)`: for pooled rules (`pooled = True`), which of the idle AMs
  takes a request from the branch's shared queue.

These two are the definition of a rule, and all a rule registered from a notebook needs. They
see the candidates as a list, so they cost O(AMs) a call. The built-in rules also answer the
same questions from the branch's indexes in O(log AMs), through `owner_for(client, book)` and
`server_for(request, book)`; the tests check that both ways give the same AM. A subclass that
overrides `assign` or `pick_server` without its indexed twin gets the list-based one.

Rules are registered by name, so a scenario names them in `allocation.rule`; a user adds one
from a notebook with `@register_allocation_rule("my_rule")` on a subclass of `AllocationRule`.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Mapping, Sequence
from itertools import count
from typing import TYPE_CHECKING, ClassVar, Protocol

from simbranch.model.managers import relevant_skill
from simbranch.model.requests import KINDS
from simbranch.model.staff import specialty
from simbranch.registry import ALLOCATION_RULES

if TYPE_CHECKING:
    from simbranch.model.managers import Manager
    from simbranch.model.requests import Request
    from simbranch.model.staff import StaffIndex
    from simbranch.scenario import AllocationConfig

__all__ = [
    "AllocationRule",
    "BookView",
    "allocation_rule",
    "allocation_rule_names",
    "register_allocation_rule",
]


class BookView(Protocol):
    """What a rule may read of the branch (plain values; a rule never changes the branch)."""

    # Read-only properties, so that the branch's own list and dict (and a plain attribute) satisfy them.
    @property
    def positions(self) -> Sequence[Manager | None]:
        """The AM at each position (None while the desk is vacant)."""

    @property
    def idle(self) -> Mapping[int, Manager]:
        """The free AMs by position, the longest free first."""

    @property
    def staff(self) -> StaffIndex:
        """Indexes over the AMs in position: least loaded by group, eligible positions, mean load."""

    @property
    def epoch(self) -> int:
        """Changes whenever book loads or skills may have changed: a rule caching either checks it."""

    def book_load(self, position: int) -> float:
        """Expected hours per year of requests from the AM's clients."""

    def client_importance(self, client: int) -> float:
        """Rank of the client's tier in [0, 1]: 1 for the most important tier, 0 for the least."""

    def client_domain(self, client: int) -> int:
        """Index of the client's domain (industry or need)."""

    def experience(self, m: Manager) -> float:
        """How experienced an AM is: level first, then tenure."""

    def request_skill(self, m: Manager, request: Request) -> float:
        """How well an AM's skills match a request, in [0, 1]."""

    def mean_book_load(self) -> float:
        """Mean book load of the AMs in position."""


class AllocationRule:
    """Base rule: assign to the least-loaded candidate, serve with the longest-idle AM.

    A rule answers two questions: which AM owns a client (`assign`), and, for a pooled rule
    (``pooled = True``: one shared queue), which free AM takes a request (`pick_server`). A user's
    rule subclasses this one, overrides one or both, and is registered by name with
    `register_allocation_rule`, so that a scenario can name it in ``allocation.rule``. The engine
    asks through `owner_for` and `server_for`, which the built-in rules answer from the branch's
    indexes; for a user's rule they call `assign` and `pick_server` with the candidates as a list.
    A rule reads the branch (a `BookView`) and never changes it.

    Parameters
    ----------
    config : simbranch.lever_sections.AllocationConfig
        The scenario's ``allocation`` section (portfolio cap, CRM weights, ...).
    uniform : callable
        Called with no argument, returns a uniform number in [0, 1) from the run's own
        allocation stream: a rule that draws at random uses it, so that runs stay reproducible.

    Attributes
    ----------
    name : str
        The name the rule is registered under ("" for this base class).
    pooled : bool
        True for a rule with one shared queue served by whichever AM `pick_server` chooses; False
        (the default) for a portfolio rule, where a request waits for the client's own AM.

    Raises
    ------
    AttributeError
        Not here (nothing is checked): when the rule is used, if `config` lacks a field it reads.

    Examples
    --------
    A populated branch, not yet run, is the book a rule reads:

    >>> import simbranch as sb
    >>> from simbranch.run import build_branch
    >>> scenario = sb.Scenario().with_overrides({"clients.count": 100, "managers.count": 4})
    >>> branch = build_branch(scenario, seed=1)
    >>> rule = sb.AllocationRule(scenario.allocation, uniform=lambda: 0.5)
    >>> owner = rule.owner_for(client=0, book=branch)
    >>> loads = [branch.book_load(p) for p in range(4)]
    >>> owner.position == loads.index(min(loads))
    True
    """

    name: ClassVar[str] = ""
    pooled: ClassVar[bool] = False
    #: True when the rule serves pooled requests with the longest-idle AM (set for each subclass):
    #: the engine then takes the first free AM itself and tells the rule nothing.
    picks_longest_idle: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        # an indexed twin answers for the list-based method it was written for, not an override
        if "assign" in cls.__dict__ and "owner_for" not in cls.__dict__:
            cls.owner_for = AllocationRule.owner_for  # type: ignore[method-assign]
        if "pick_server" in cls.__dict__ and "server_for" not in cls.__dict__:
            cls.server_for = AllocationRule.server_for  # type: ignore[method-assign]
            cls.became_idle = AllocationRule.became_idle  # type: ignore[method-assign]
        cls.picks_longest_idle = (cls.pick_server is AllocationRule.pick_server
                                  and cls.server_for is AllocationRule.server_for)

    def __init__(self, config: AllocationConfig, uniform: Callable[[], float]):
        self.config = config
        self.uniform = uniform

    def assign(self, client: int, candidates: Sequence[Manager], book: BookView) -> Manager:
        """Choose the AM who owns a new client, or a client whose AM left.

        The base rule takes the candidate whose book asks for the fewest hours a year (the
        lowest position on a tie). Overriding this method is how a user's rule decides
        ownership; portfolio rules then route every request to the owner's own queue.

        Parameters
        ----------
        client : int
            The client's index in the book (`BookView.client_importance` and
            `BookView.client_domain` describe it).
        candidates : sequence of Manager
            The AMs in a position who may take the client (below the portfolio cap, or all if
            none is), never empty.
        book : BookView
            What the rule may read of the branch: positions, book loads, client tiers and domains.

        Returns
        -------
        Manager
            One of `candidates`.

        Raises
        ------
        ValueError
            If `candidates` is empty (the engine never calls it so).

        Examples
        --------
        >>> import simbranch as sb
        >>> from simbranch.run import build_branch
        >>> scenario = sb.Scenario().with_overrides({"clients.count": 100, "managers.count": 4})
        >>> branch = build_branch(scenario, seed=1)
        >>> rule = sb.AllocationRule(scenario.allocation, uniform=lambda: 0.5)
        >>> first_two = list(branch.positions[:2])
        >>> chosen = rule.assign(0, first_two, branch)
        >>> chosen.position == min(first_two, key=lambda m: branch.book_load(m.position)).position
        True
        """
        return min(candidates, key=lambda m: (book.book_load(m.position), m.position))

    def pick_server(self, request: Request, idle: Sequence[Manager], book: BookView) -> Manager:
        """Choose which free AM takes a request from the shared queue (pooled rules only).

        The base rule takes the AM who has been free the longest, the first of `idle`. A pooled
        rule (``pooled = True``) overrides this to route by skill, specialty or load, as the
        built-in "crm" rule does.

        Parameters
        ----------
        request : simbranch.model.requests.Request
            The request: its ``client``, ``kind`` (0 service, 1 sales, 2 complaint) and
            ``owner`` (the position of the client's AM).
        idle : sequence of Manager
            The free AMs, the longest free first; never empty.
        book : BookView
            What the rule may read of the branch.

        Returns
        -------
        Manager
            One of `idle`.

        Raises
        ------
        IndexError
            If `idle` is empty (the engine never calls it so).

        Examples
        --------
        >>> import simbranch as sb
        >>> from simbranch.model.requests import SERVICE, Request
        >>> from simbranch.run import build_branch
        >>> scenario = sb.Scenario().with_overrides({"clients.count": 100, "managers.count": 4})
        >>> branch = build_branch(scenario, seed=1)
        >>> request = Request(client=0, tier=0, kind=SERVICE, arrival=0.0, base_time=1.0, quality_z=0.0,
        ...                   sale_u=0.5, sale_z=0.0, owner=2, counted=True)
        >>> idle = list(branch.idle.values())
        >>> sb.AllocationRule(scenario.allocation, uniform=lambda: 0.5).pick_server(request, idle, branch) is idle[0]
        True
        """
        return idle[0]

    def owner_for(self, client: int, book: BookView) -> Manager | None:
        """Return the owner for a client: `assign` among the eligible AMs, or None if no desk is held.

        The eligible AMs are those below the portfolio cap, or all if none is. This is what the
        engine calls; the built-in rules answer it from the branch's indexes in O(log AMs)
        instead of a list, and a subclass that overrides `assign` alone gets this list-based one.

        Parameters
        ----------
        client : int
            The client's index in the book.
        book : BookView
            What the rule may read of the branch.

        Returns
        -------
        Manager or None
            The AM who takes the client; None if every position is vacant.

        Raises
        ------
        AttributeError
            If `book` is not a `BookView` (it lacks ``staff`` or ``positions``).

        Examples
        --------
        >>> import simbranch as sb
        >>> from simbranch.run import build_branch
        >>> scenario = sb.Scenario().with_overrides({"clients.count": 100, "managers.count": 4})
        >>> branch = build_branch(scenario, seed=1)
        >>> rule = sb.AllocationRule(scenario.allocation, uniform=lambda: 0.5)
        >>> rule.owner_for(0, branch) is rule.assign(0, list(branch.positions), branch)
        True
        """
        eligible = book.staff.eligible()
        if not eligible:
            return None
        positions = book.positions
        return self.assign(client, [positions[p] for p in eligible], book)  # type: ignore[misc]

    def server_for(self, request: Request, book: BookView) -> Manager:
        """Return the free AM who takes a pooled request: `pick_server` among the free AMs.

        This is what the engine calls, only when at least one AM is free; the built-in "crm"
        rule answers from heaps of the free AMs instead of a list, and a subclass that overrides
        `pick_server` alone gets this list-based one.

        Parameters
        ----------
        request : simbranch.model.requests.Request
            The request to serve.
        book : BookView
            What the rule may read of the branch (``book.idle``: the free AMs by position).

        Returns
        -------
        Manager
            A free AM.

        Raises
        ------
        IndexError
            If no AM is free (the engine never calls it so).

        Examples
        --------
        >>> import simbranch as sb
        >>> from simbranch.model.requests import SERVICE, Request
        >>> from simbranch.run import build_branch
        >>> scenario = sb.Scenario().with_overrides({"clients.count": 100, "managers.count": 4})
        >>> branch = build_branch(scenario, seed=1)
        >>> request = Request(client=0, tier=0, kind=SERVICE, arrival=0.0, base_time=1.0, quality_z=0.0,
        ...                   sale_u=0.5, sale_z=0.0, owner=2, counted=True)
        >>> rule = sb.AllocationRule(scenario.allocation, uniform=lambda: 0.5)
        >>> rule.server_for(request, branch) is next(iter(branch.idle.values()))
        True
        """
        return self.pick_server(request, list(book.idle.values()), book)

    def became_idle(self, m: Manager, book: BookView) -> None:
        """Note that an AM has become free (for rules that choose among free AMs themselves).

        The engine calls it only for pooled rules that do not simply take the longest-free AM,
        so that a rule keeping its own index of the free AMs (the "crm" rule's heaps) can add
        the AM. The base rule keeps nothing and does nothing.

        Parameters
        ----------
        m : Manager
            The AM who has just become free.
        book : BookView
            What the rule may read of the branch.

        Raises
        ------
        Exception
            Never in the base rule; a subclass that keeps state may raise from its own code.

        Examples
        --------
        >>> import simbranch as sb
        >>> from simbranch.run import build_branch
        >>> scenario = sb.Scenario().with_overrides({"clients.count": 100, "managers.count": 4})
        >>> branch = build_branch(scenario, seed=1)
        >>> rule = sb.AllocationRule(scenario.allocation, uniform=lambda: 0.5)
        >>> rule.became_idle(branch.positions[0], branch) is None
        True
        """

    @staticmethod
    def _holder(book: BookView, position: int | None) -> Manager | None:
        return None if position is None else book.positions[position]



def register_allocation_rule(name: str) -> Callable[[type[AllocationRule]], type[AllocationRule]]:
    """Make an allocation rule available to scenarios as ``allocation.rule = name`` (a class decorator).

    This is how a user adds a rule from a notebook: decorate a subclass of `AllocationRule`, then
    name the rule in a scenario or a policy. A name already registered is replaced. Experiments
    run in worker processes receive the user's rules they use.

    Parameters
    ----------
    name : str
        The name a scenario gives in ``allocation.rule``.

    Returns
    -------
    callable
        The decorator: it registers the class under `name`, sets its ``name`` attribute and
        returns the class unchanged.

    Raises
    ------
    TypeError
        From the decorator, if what it decorates is not a subclass of `AllocationRule`.

    Examples
    --------
    >>> import simbranch as sb
    >>> @sb.register_allocation_rule("first_am")
    ... class FirstAM(sb.AllocationRule):
    ...     '''Every client goes to the AM in the first position.'''
    ...     def assign(self, client, candidates, book):
    ...         return min(candidates, key=lambda m: m.position)
    >>> scenario = sb.Scenario().with_overrides({
    ...     "branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100,
    ...     "allocation.rule": "first_am", "managers.turnover.enabled": False})
    >>> clients = sb.run(scenario, seed=1).clients
    >>> clients.loc[clients["active"], "am_id"].nunique()
    1
    """

    def register(cls: type[AllocationRule]) -> type[AllocationRule]:
        if not (isinstance(cls, type) and issubclass(cls, AllocationRule)):
            raise TypeError("an allocation rule must subclass simbranch.AllocationRule")
        cls.name = name
        ALLOCATION_RULES[name] = cls
        return cls

    return register


def allocation_rule_names() -> list[str]:
    return list(ALLOCATION_RULES)


def allocation_rule(name: str) -> type[AllocationRule]:
    return ALLOCATION_RULES[name]


@register_allocation_rule("random")
class RandomAllocation(AllocationRule):
    """Each client goes to an AM drawn at random."""

    def assign(self, client: int, candidates: Sequence[Manager], book: BookView) -> Manager:
        return candidates[min(int(self.uniform() * len(candidates)), len(candidates) - 1)]

    def owner_for(self, client: int, book: BookView) -> Manager | None:
        eligible = book.staff.eligible()
        if not eligible:
            return None
        return book.positions[eligible[min(int(self.uniform() * len(eligible)), len(eligible) - 1)]]


@register_allocation_rule("round_robin")
class RoundRobinAllocation(AllocationRule):
    """Clients are dealt to AMs in turn, by position."""

    def __init__(self, config: AllocationConfig, uniform: Callable[[], float]):
        super().__init__(config, uniform)
        self._last = -1

    def assign(self, client: int, candidates: Sequence[Manager], book: BookView) -> Manager:
        after = [m for m in candidates if m.position > self._last]
        chosen = min(after or candidates, key=lambda m: m.position)
        self._last = chosen.position
        return chosen

    def owner_for(self, client: int, book: BookView) -> Manager | None:
        p = book.staff.next_after(self._last)
        if p is None:
            return None
        self._last = p
        return book.positions[p]


@register_allocation_rule("least_loaded")
class LeastLoadedAllocation(AllocationRule):
    """Each client goes to the AM whose book asks for the fewest hours (balanced workloads)."""

    def owner_for(self, client: int, book: BookView) -> Manager | None:
        return self._holder(book, book.staff.least_loaded())


@register_allocation_rule("by_tier")
class TierAllocation(AllocationRule):
    """Important clients go to experienced AMs.

    AMs are ranked by experience; a client whose tier has importance rank r (1 for the most
    important tier, 0 for the least) may go to the most experienced (1 - r/2) of them: the top
    tier to the top half, the lowest to anyone. Within that band the least loaded AM takes the
    client, so workloads stay balanced.
    """

    def assign(self, client: int, candidates: Sequence[Manager], book: BookView) -> Manager:
        ranked = sorted(candidates, key=lambda m: (-book.experience(m), m.position))
        size = max(1, round(len(ranked) * (1.0 - 0.5 * book.client_importance(client))))
        return super().assign(client, ranked[:size], book)

    def owner_for(self, client: int, book: BookView) -> Manager | None:
        share = 1.0 - 0.5 * book.client_importance(client)
        return self._holder(book, book.staff.least_loaded_experienced(share))


@register_allocation_rule("by_specialty")
class SpecialtyAllocation(AllocationRule):
    """Clients go to an AM specialised in their domain, unless that AM is much busier than others."""

    def __init__(self, config: AllocationConfig, uniform: Callable[[], float]):
        super().__init__(config, uniform)
        self.overload_tolerance = config.specialty_tolerance

    def assign(self, client: int, candidates: Sequence[Manager], book: BookView) -> Manager:
        best = super().assign(client, candidates, book)
        domain = book.client_domain(client)
        specialists = [m for m in candidates if m.specialty == domain]
        if not specialists:
            return best
        chosen = super().assign(client, specialists, book)
        mean = sum(book.book_load(m.position) for m in candidates) / len(candidates)
        if book.book_load(chosen.position) <= self.overload_tolerance * mean:
            return chosen
        return best

    def owner_for(self, client: int, book: BookView) -> Manager | None:
        st = book.staff
        best = st.least_loaded()
        if best is None:
            return None
        chosen = st.least_loaded(specialty(book.client_domain(client)))
        if chosen is not None and book.book_load(chosen) <= self.overload_tolerance * st.mean_load():
            return book.positions[chosen]
        return book.positions[best]


@register_allocation_rule("crm")
class CRMRouting(SpecialtyAllocation):
    """CRM routing: clients keep an owner by specialty, and each request goes from one pooled
    queue to the free AM with the best score of skill match minus workload:

        score = w_skill x (match + b_s x [specialty] + b_o x [own AM]) - w_load x load / mean load

    (b_s `allocation.crm_specialty_bonus`, b_o `allocation.crm_owner_bonus`).

    `match` is the skill the request calls on (`relevant_skill`), `mean load` the mean book
    load of the AMs in position; ties go to the AM free longest.

    `server_for` finds the same AM as `pick_server` without scoring every free AM: for each
    request kind it keeps a heap of the free AMs by `w_skill x match - w_load x load / mean`,
    and one per kind and specialty. The best AM is the top of the kind's heap, the top of the
    heap of the client's domain, or the client's own AM, whichever scores best. Scores depend on
    skills and loads, which change only at the day's boundaries or when books change (the
    engine then moves `book.epoch` on), and for the AM serving a contact, who is busy: the heaps
    are rebuilt when the epoch has moved, and an AM's entries are pushed when it becomes free.
    """

    pooled = True

    def __init__(self, config: AllocationConfig, uniform: Callable[[], float]):
        super().__init__(config, uniform)
        self.w_skill, self.w_load = config.crm_skill_weight, config.crm_load_weight
        self.specialty_bonus, self.owner_bonus = config.crm_specialty_bonus, config.crm_owner_bonus
        self._epoch = -1
        self._mean = 1.0
        self._seq = count()
        self._idle_seq: dict[int, int] = {}  # position -> when it last became free
        self._by_kind: list[list[tuple[float, int, int]]] = [[] for _ in KINDS]
        self._by_kind_domain: list[dict[int, list[tuple[float, int, int]]]] = [{} for _ in KINDS]

    def score(self, m: Manager, request: Request, domain: int, book: BookView, mean: float) -> float:
        match = relevant_skill(m, request.kind)
        if m.specialty == domain:
            match += self.specialty_bonus
        if m.position == request.owner:
            match += self.owner_bonus
        return self.w_skill * match - self.w_load * book.book_load(m.position) / mean

    def pick_server(self, request: Request, idle: Sequence[Manager], book: BookView) -> Manager:
        if len(idle) == 1:
            return idle[0]
        mean = book.mean_book_load() or 1.0
        domain = book.client_domain(request.client)
        best, best_score = idle[0], -float("inf")
        for m in idle:
            score = self.score(m, request, domain, book, mean)
            if score > best_score:
                best, best_score = m, score
        return best

    def became_idle(self, m: Manager, book: BookView) -> None:
        seq = next(self._seq)
        self._idle_seq[m.position] = seq
        if self._epoch == book.epoch:
            self._push(m, seq, book)

    def server_for(self, request: Request, book: BookView) -> Manager:
        idle = book.idle
        if len(idle) == 1:
            return next(iter(idle.values()))
        if self._epoch != book.epoch:
            self._rebuild(book)
        domain = book.client_domain(request.client)
        kind = request.kind
        found = [self._top(self._by_kind[kind], idle), self._top(self._by_kind_domain[kind].get(domain), idle)]
        owner = idle.get(request.owner)
        if owner is not None:
            found.append((owner, self._idle_seq[owner.position]))
        best, best_key = None, None
        for m, seq in found:
            if m is None:
                continue
            key = (-self.score(m, request, domain, book, self._mean), seq)
            if best_key is None or key < best_key:
                best, best_key = m, key
        assert best is not None
        return best

    def _top(self, heap: list[tuple[float, int, int]] | None,
             idle: Mapping[int, Manager]) -> tuple[Manager | None, int]:
        """The best free AM of a heap, dropping entries of AMs no longer free since they were pushed."""
        while heap:
            _, seq, p = heap[0]
            m = idle.get(p)
            if m is not None and self._idle_seq[p] == seq:
                return m, seq
            heapq.heappop(heap)
        return None, -1

    def _push(self, m: Manager, seq: int, book: BookView) -> None:
        load_term = self.w_load * book.book_load(m.position) / self._mean
        for kind in range(len(KINDS)):
            entry = (load_term - self.w_skill * relevant_skill(m, kind), seq, m.position)
            heapq.heappush(self._by_kind[kind], entry)
            heapq.heappush(self._by_kind_domain[kind].setdefault(m.specialty, []), entry)

    def _rebuild(self, book: BookView) -> None:
        self._epoch = book.epoch
        self._mean = book.mean_book_load() or 1.0
        self._by_kind = [[] for _ in KINDS]
        self._by_kind_domain = [{} for _ in KINDS]
        for p, m in book.idle.items():
            self._push(m, self._idle_seq[p], book)


@register_allocation_rule("pooled")
class PooledFIFO(RoundRobinAllocation):
    """One shared queue served by whichever AM has been idle longest (an M/M/c queue when
    behaviour is off); clients are still dealt to owners in turn for follow-up."""

    pooled = True
