"""Start-up grows linearly with the team: filling a branch of n AMs rebuilds the staff index a
constant number of times, not once per AM (which made 16,000 AMs take 276 s; issue 17, point 1).
`benchmarks/startup.py` measures the times up to the schema's maxima."""

from __future__ import annotations

import simbranch as sb
from simbranch.model.staff import StaffIndex
from simbranch.run import build_branch


def test_filling_a_branch_rebuilds_the_staff_index_a_constant_number_of_times(monkeypatch):
    """Every hire marks the index stale (O(1)); it is rebuilt (O(AMs)) only when next asked, so the
    rebuilds do not grow with the team: counted, not timed, so a busy machine cannot fail it."""
    counts = {}
    for ams in (50, 400):
        calls = []
        refresh = StaffIndex._refresh
        monkeypatch.setattr(StaffIndex, "_refresh", lambda self, calls=calls, refresh=refresh: (calls.append(1),
                                                                                                 refresh(self)))
        sc = sb.Scenario().with_overrides({"managers.count": ams, "clients.count": 20 * ams,
                                           "branch.horizon_days": 0, "branch.warmup_days": 0})
        build_branch(sc, 0)
        counts[ams] = len(calls)
        monkeypatch.setattr(StaffIndex, "_refresh", refresh)
    assert counts[50] == counts[400] <= 2, counts
