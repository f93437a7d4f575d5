"""Where the branch stops coping: its KPIs as the book per AM grows, staff fixed.

`overload_scan()` runs the default branch (or the scenario given) with a fixed team and more and
more clients per AM, on the same replication seeds at every load, and returns one row per load:
waits, the working week (overtime, proactive hours), strain, turnover, churn and what is still
open at the end. docs/model.md ("Where overload begins") reads its thresholds from this table:
proactive work gives way first, then overtime reaches its cap, then the queue grows.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from simbranch.experiment.executors import ExecutorLike
from simbranch.experiment.sweep import sweep
from simbranch.scenario import Scenario

__all__ = ["LOADS", "overload_scan"]

#: Clients per AM, from a light book to well beyond the heaviest affluent books (150-400).
LOADS = (175, 225, 275, 325, 375, 425, 475, 525)

_KPIS = ("wait_mean_h", "utilisation", "overtime_hours", "proactive_hours", "stress_mean", "exhaustion_mean",
         "exhausted_share", "am_turnover_rate", "client_churn_rate", "satisfaction_mean", "requests_abandoned",
         "requests_open_at_end", "sales_count")


def overload_scan(scenario: Scenario | None = None, per_am: Sequence[int] = LOADS, ams: int | None = None,
                  replications: int = 5, seed: int = 0, executor: ExecutorLike = None,
                  progress: bool = False) -> pd.DataFrame:
    """Mean KPIs over `replications` per book size (`per_am` clients per AM, `ams` AMs: the scenario's
    team unless given), indexed by clients per AM. Hours are per AM and week of five working days;
    the requests open at the end are per AM."""
    base = scenario or Scenario()
    ams = ams or base.managers.count
    base = base.with_overrides({"managers.count": ams})
    runs = sweep(base, {"clients.count": [p * ams for p in per_am]}, method="grid", replications=replications,
                 seed=seed, executor=executor, progress=progress).table
    runs = runs.assign(clients_per_am=runs["clients.count"] // ams)
    table = runs.groupby("clients_per_am")[list(_KPIS)].mean()
    weeks = base.branch.horizon_days / 5.0
    for hours in ("overtime_hours", "proactive_hours"):
        table[hours.replace("_hours", "_h_per_am_week")] = table.pop(hours) / ams / weeks
    table["open_at_end_per_am"] = table.pop("requests_open_at_end") / ams
    return table
