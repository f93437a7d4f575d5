"""Communication (lever 6): regular team meetings, knowledge sharing and faster escalation.

Every `meeting_interval_days` the AMs at work (not sick, on leave or on a course) meet for
`meeting_length_h` at the start of the day, away from clients. At each meeting every AM below the
team's mean in a skill closes a share `knowledge_sharing` of the gap to that mean (experience
sharing: colleagues pass on what the team knows, which lifts the weaker towards the team, not
beyond it); AMs at or above the mean gain nothing. Escalation channels cut the handling time of
complaints by `escalation_speedup`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simbranch.model.managers import SKILL_AREAS
from simbranch.model.requests import COMPLAINT

if TYPE_CHECKING:
    import simpy

    from simbranch.model.branch import Branch
    from simbranch.model.managers import Manager

__all__ = ["Meetings", "install"]


class Meetings:
    def __init__(self, branch: Branch):
        self.cfg = branch.scenario.communication
        self.branch = branch
        self.attendees: list[Manager] = []

    def meet(self, branch: Branch, day: int) -> None:
        cfg = self.cfg
        if day % cfg.meeting_interval_days:
            return
        present = [m for m in branch.present() if not (m.sick_today or m.on_leave) and m.away_days == 0]
        if not present:
            return
        for area in SKILL_AREAS:
            mean = sum(getattr(m, area) for m in present) / len(present)
            for m in present:
                x = getattr(m, area)
                if x < mean:
                    setattr(m, area, x + cfg.knowledge_sharing * (mean - x))
        for m in present:
            m.in_meeting = True
            m.day_away_h += cfg.meeting_length_h
        self.attendees = present
        branch.tally.day_meeting_hours += cfg.meeting_length_h * len(present)
        branch.env.timeout(cfg.meeting_length_h).callbacks.append(self.end)

    def end(self, _: simpy.Event) -> None:
        for m in self.attendees:
            m.in_meeting = False
            if self.branch.positions[m.position] is m:
                self.branch.update_presence(m)
        self.attendees = []


def install(branch: Branch) -> None:
    cfg = branch.scenario.communication
    if cfg.enabled:
        meetings = Meetings(branch)
        branch.levers["communication"] = meetings
        branch.day_start_hooks.append(meetings.meet)
        branch.kind_time_factor[COMPLAINT] *= 1.0 - cfg.escalation_speedup
