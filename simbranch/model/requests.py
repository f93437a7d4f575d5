"""Requests: what a client asks of the branch, with every random need drawn when it arrives.

Drawing the base handling time, patience, sale chance and perceived-quality noise at arrival,
each from its own stream, is what gives common random numbers: the same client need meets
different AMs under different policies, not different needs.
"""

from __future__ import annotations

__all__ = ["ABANDONED", "COMPLAINT", "DONE", "IN_SERVICE", "KINDS", "SALES", "SERVICE", "WAITING", "Request"]

#: Request kinds, in the order of `RequestTypes`' fields.
KINDS = ("service", "sales", "complaint")
SERVICE, SALES, COMPLAINT = 0, 1, 2

WAITING, IN_SERVICE, DONE, ABANDONED = 0, 1, 2, 3


class Request:
    """One request. `counted` marks client requests that arrived after the warm-up (the KPI cohort)."""

    __slots__ = (
        "arrival", "base_time", "client", "counted", "kind", "owner", "quality_z", "sale_u", "sale_z", "service",
        "start", "status", "tier",
    )

    def __init__(self, client: int, tier: int, kind: int, arrival: float, base_time: float,
                 quality_z: float, sale_u: float, sale_z: float, owner: int, counted: bool):
        self.client = client
        self.tier = tier
        self.kind = kind
        self.arrival = arrival
        self.base_time = base_time
        self.quality_z = quality_z
        self.sale_u = sale_u
        self.sale_z = sale_z
        self.owner = owner
        self.counted = counted
        self.status = WAITING
        self.start = -1.0
        self.service = 0.0  # handling time, once started
