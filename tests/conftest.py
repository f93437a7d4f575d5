"""Shared fixtures: keep this file tiny."""

import pytest


@pytest.fixture
def tiny() -> dict[str, int]:
    """Overrides that make a run take milliseconds: 5 measured days, 100 clients, no warm-up."""
    return {"branch.horizon_days": 5, "branch.warmup_days": 0, "clients.count": 100}
