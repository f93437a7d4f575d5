"""Analytic cases that the engine must reproduce before any behaviour is trusted."""

from __future__ import annotations

from simbranch.scenario import Scenario

__all__ = ["mmc_scenario"]

#: Clients in an M/M/c case: many, so that the superposed arrival stream is Poisson at the given rate.
_MMC_CLIENTS = 1_000


def mmc_scenario(servers: int, arrival_rate_per_h: float, service_rate_per_h: float,
                 patience_rate_per_h: float | None = None, horizon_days: int = 250,
                 warmup_days: int = 20, hours_per_day: float = 8.0) -> Scenario:
    """Return an M/M/c (or, with patience, M/M/c+M) branch: behaviour off, one pooled FIFO queue.

    Arrivals are Poisson at `arrival_rate_per_h`, handling is exponential with rate
    `service_rate_per_h`, and with `patience_rate_per_h` each waiting client abandons after an
    exponential patience. Every request is a plain service request of one tier, and every request
    reaches an AM (no other channel); the working day has no administration, proactive work or
    overtime. Queueing theory gives this system's waits and utilisation exactly, so the engine
    must reproduce them before any behaviour on top of it is trusted (docs/validation.md).

    Parameters
    ----------
    servers : int
        The number of AMs, c.
    arrival_rate_per_h : float
        Arrivals per working hour (from 1,000 clients, so that their superposed stream is Poisson).
    service_rate_per_h : float
        Services one AM completes per hour of handling.
    patience_rate_per_h : float, optional
        With it, each waiting client abandons after an exponential patience of this rate (M/M/c+M);
        None (the default) or 0 for clients who wait as long as it takes.
    horizon_days : int, default 250
        Working days measured.
    warmup_days : int, default 20
        Working days simulated first and left out of the KPIs.
    hours_per_day : float, default 8.0
        Working hours per day.

    Returns
    -------
    Scenario
        The branch, named "M/M/c" or "M/M/c+M".

    Raises
    ------
    ValueError
        If `servers` is below 1, or a rate is not positive.
    ScenarioError
        If a value is outside what a scenario allows (e.g. a negative horizon, or so many
        arrivals per client that the tier's request rate is out of range).

    Examples
    --------
    >>> import simbranch as sb
    >>> from simbranch.validation import mmc_scenario
    >>> scenario = mmc_scenario(2, arrival_rate_per_h=1.0, service_rate_per_h=0.8, horizon_days=5, warmup_days=0)
    >>> scenario.branch.name, scenario.managers.count, scenario.allocation.rule
    ('M/M/2', 2, 'pooled')
    >>> utilisation = sb.run(scenario, seed=1).kpis["utilisation"]  # about 1.0 / (2 x 0.8) over a long run
    >>> bool(0 < utilisation < 1)
    True
    """
    if servers < 1:
        raise ValueError("servers must be at least 1")
    if arrival_rate_per_h <= 0 or service_rate_per_h <= 0:
        raise ValueError("arrival and service rates must be positive")
    days_per_year = 250
    per_client_year = arrival_rate_per_h * hours_per_day * days_per_year / _MMC_CLIENTS
    base = Scenario().without_behaviour()
    overrides = {
        "branch.name": f"M/M/{servers}" + ("+M" if patience_rate_per_h else ""),
        "branch.hours_per_day": hours_per_day,
        "branch.days_per_year": days_per_year,
        "branch.horizon_days": horizon_days,
        "branch.warmup_days": warmup_days,
        "clients.count": _MMC_CLIENTS,
        "clients.tiers": {"all": {"share": 1.0, "importance": 1, "value_median": 1000.0,
                                  "requests_per_year": per_client_year,
                                  "am_share": {"service": 1.0, "sales": 1.0, "complaint": 1.0}}},
        "requests.types": {
            "service": {"share": 1.0, "service_time": {"dist": "exponential", "mean_h": 1.0 / service_rate_per_h}},
            "sales": {"share": 0.0},
            "complaint": {"share": 0.0},
        },
        "requests.priority_by_tier": False,
        "requests.patience": (
            {"enabled": True, "dist": "exponential", "mean_h": 1.0 / patience_rate_per_h}
            if patience_rate_per_h else {"enabled": False}
        ),
        "managers.count": servers,
        "allocation.rule": "pooled",
    }
    return base.with_overrides(overrides, source="mmc_scenario")
