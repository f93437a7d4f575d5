"""One run of an experiment, in a worker process: spec in, a flat record of plain values out.

A run that raises is recorded with its error instead of stopping the experiment.
"""

from __future__ import annotations

import platform
import time
import traceback
from typing import Any

import numpy as np
import pandas as pd

from simbranch.experiment.design import RunSpec, scenario_from_spec
from simbranch.registry import ALLOCATION_RULES

__all__ = ["daily_series", "execute"]


def execute(spec: RunSpec, rules: dict[str, type] | None = None) -> dict[str, Any]:
    """Run `spec`; `rules` carries allocation rules registered in the caller (a notebook)."""
    from simbranch.run import run

    for name, cls in (rules or {}).items():
        ALLOCATION_RULES.setdefault(name, cls)
    record: dict[str, Any] = {
        "key": spec.key, "policy": spec.policy, "point": spec.point, "replication": spec.replication,
        "seed": spec.seed, "params": spec.params, "fingerprint": spec.fingerprint,
        "host": platform.node(),
    }
    started = time.perf_counter()
    try:
        result = run(scenario_from_spec(spec), np.random.SeedSequence(spec.seed, spawn_key=(spec.replication,)))
        record.update(status="ok", error="", kpis={k: float(v) for k, v in result.kpis.items()})
        if spec.series:
            record["series"] = daily_series(result.daily, spec.series)
    except Exception:  # a failed run is data: it is recorded, the experiment goes on
        record.update(status="error", error=traceback.format_exc(limit=8), kpis={})
    record["wall_time_s"] = time.perf_counter() - started
    record["provenance"] = {"seed_entropy": spec.seed, "spawn_key": [spec.replication], **_versions()}
    return record


def daily_series(daily: pd.DataFrame, columns: tuple[str, ...]) -> dict[str, list[float | None]]:
    """Daily columns as JSON-ready lists, to 6 significant digits (ample for plots; NaN as None)."""
    out: dict[str, list[float | None]] = {"warmup": [float(v) for v in daily["warmup"]]}
    for col in columns:
        out[col] = [None if v != v else float(f"{v:.6g}") for v in daily[col].tolist()]
    return out


def _versions() -> dict[str, str]:
    """Versions of what produced a run (the model itself is identified by the fingerprint)."""
    global _VERSIONS
    if _VERSIONS is None:
        from importlib.metadata import version

        _VERSIONS = {"python": platform.python_version(),
                     **{name: version(name) for name in ("simbranch", "simpy", "numpy", "scipy", "pandas")}}
    return _VERSIONS


_VERSIONS: dict[str, str] | None = None
