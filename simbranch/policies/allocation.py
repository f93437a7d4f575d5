"""Client allocation (the article's first lever): who owns a client, and who serves a request.

A rule answers two questions through one small class:

- `assign(client, candidates, book)`: which AM owns a new client, or a client whose AM left.
  Portfolio rules route every request to the owner's own queue.
- `pick_server(request, idle, book)`: for pooled rules (`pooled = True`), which of the idle AMs
  takes a request from the branch's shared queue.

Rules are registered by name, so a scenario names them in `allocation.rule`; a user adds one
from a notebook with `@register_allocation_rule("my_rule")` on a subclass of `AllocationRule`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, ClassVar, Protocol

from simbranch.registry import ALLOCATION_RULES

if TYPE_CHECKING:
    from simbranch.model.managers import Manager
    from simbranch.model.requests import Request
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


class AllocationRule:
    """Base rule: assign to the least-loaded candidate, serve with the longest-idle AM."""

    name: ClassVar[str] = ""
    pooled: ClassVar[bool] = False
    #: True when the rule serves pooled requests with the longest-idle AM (set for each subclass):
    #: the engine then skips building the list of idle AMs.
    picks_longest_idle: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        cls.picks_longest_idle = cls.pick_server is AllocationRule.pick_server

    def __init__(self, config: AllocationConfig, uniform: Callable[[], float]):
        self.config = config
        self.uniform = uniform

    def assign(self, client: int, candidates: Sequence[Manager], book: BookView) -> Manager:
        return min(candidates, key=lambda m: (book.book_load(m.position), m.position))

    def pick_server(self, request: Request, idle: Sequence[Manager], book: BookView) -> Manager:
        return idle[0]



def register_allocation_rule(name: str) -> Callable[[type[AllocationRule]], type[AllocationRule]]:
    """Class decorator: make a rule available to scenarios as `allocation.rule = name`."""

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


@register_allocation_rule("least_loaded")
class LeastLoadedAllocation(AllocationRule):
    """Each client goes to the AM whose book asks for the fewest hours (balanced workloads)."""


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
        band = max(1, round(len(ranked) * (1.0 - 0.5 * book.client_importance(client))))
        return super().assign(client, ranked[:band], book)


@register_allocation_rule("by_specialty")
class SpecialtyAllocation(AllocationRule):
    """Clients go to an AM specialised in their domain, unless that AM is much busier than others."""

    overload_tolerance: ClassVar[float] = 1.25

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


@register_allocation_rule("crm")
class CRMRouting(SpecialtyAllocation):
    """CRM routing: clients keep an owner by specialty, and each request goes from one pooled
    queue to the idle AM with the best score of skill match minus workload."""

    pooled = True

    def pick_server(self, request: Request, idle: Sequence[Manager], book: BookView) -> Manager:
        if len(idle) == 1:
            return idle[0]
        loads = [book.book_load(m.position) for m in idle]
        mean = sum(loads) / len(loads) or 1.0
        w_skill, w_load = self.config.crm_skill_weight, self.config.crm_load_weight
        domain = book.client_domain(request.client)
        best, best_score = idle[0], -float("inf")
        for m, load in zip(idle, loads, strict=True):
            match = book.request_skill(m, request) + (0.1 if m.specialty == domain else 0.0)
            if m.position == request.owner:
                match += 0.2  # the client's own AM keeps the relationship
            score = w_skill * match - w_load * load / mean
            if score > best_score:
                best, best_score = m, score
        return best


@register_allocation_rule("pooled")
class PooledFIFO(RoundRobinAllocation):
    """One shared queue served by whichever AM has been idle longest (an M/M/c queue when
    behaviour is off); clients are still dealt to owners in turn for follow-up."""

    pooled = True
