"""Channels: which of a client's requests reach their AM, and of what kind.

A client of tier t asks for something `requests_per_year` times a year through every channel; a
share `am_share[kind]` of each kind reaches the AM (docs/model.md, "Channels"), and the rest is
handled by tellers, the contact centre and digital channels and takes no AM time. The engine
simulates only the requests that reach the AM: each client is a Poisson source at the rate

    lambda_t = requests_per_year x sum_k share_k x am_share_t[k] / (D x H)   per working hour,

and a request's kind is drawn with chances proportional to share_k(s) x am_share_t[k], where the
complaint share rises as the client's satisfaction s falls (`complaints_follow_satisfaction`). (The
rate is fixed at the reference mix: a less satisfied client brings more complaints to the AM in
place of other requests, not more requests.)
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from simbranch.model.requests import COMPLAINT, SALES, SERVICE

if TYPE_CHECKING:
    from simbranch.scenario import Scenario

__all__ = ["Channels"]


class Channels:
    def __init__(self, scenario: Scenario):
        sc = scenario
        types = sc.requests.types
        self.shares = (types.service.share, types.sales.share, types.complaint.share)
        self.reach = [(t.am_share.service, t.am_share.sales, t.am_share.complaint) for t in sc.clients.tiers.values()]
        hours_per_year = sc.branch.days_per_year * sc.branch.hours_per_day
        #: requests that reach the AM per client and working hour, by tier
        self.rate = [t.requests_per_year * sum(s * r for s, r in zip(self.shares, reach, strict=True)) / hours_per_year
                     for t, reach in zip(sc.clients.tiers.values(), self.reach, strict=True)]
        self.follow = sc.requests.complaints_follow_satisfaction
        self.sensitivity = sc.requests.complaint_sensitivity
        self.s_ref = sc.clients.churn.satisfaction_ref

    def kind(self, tier: int, u: float, satisfaction: float) -> int:
        """The kind of a request that reaches the AM, from a uniform draw `u`."""
        service, sales, complaint = self.shares
        if self.follow:
            pc = min(0.95, complaint * math.exp(self.sensitivity * (self.s_ref - satisfaction)))
            rest = service + sales
            scale = (1.0 - pc) / rest if rest > 0 else 0.0
            service, sales, complaint = service * scale, sales * scale, pc
        r_service, r_sales, r_complaint = self.reach[tier]
        w_service, w_sales, w_complaint = service * r_service, sales * r_sales, complaint * r_complaint
        total = w_service + w_sales + w_complaint
        if total <= 0.0:
            return SERVICE
        u *= total
        if u < w_complaint:
            return COMPLAINT
        return SERVICE if u < w_complaint + w_service else SALES
