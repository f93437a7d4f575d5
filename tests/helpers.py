"""Plain helpers shared by test files (fixtures live in conftest.py)."""

from __future__ import annotations


def fast_quits(rate_per_year: float, delay_days: float | None = None) -> dict[str, float]:
    """Overrides that make every AM quit at `rate_per_year` whatever their tenure (and, with
    `delay_days`, fill a vacancy after that many days, without spread)."""
    out = {f"managers.turnover.{band}": rate_per_year
           for band in ("hazard_first_3m", "hazard_3_12m", "hazard_second_year", "base_rate_per_year")}
    if delay_days is not None:
        out |= {"managers.hiring.delay_days": float(delay_days), "managers.hiring.delay_cv": 0.0}
    return out
