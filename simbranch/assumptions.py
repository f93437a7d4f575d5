"""The model's coefficients and where they come from, read from the scenario schema.

Every behavioural coefficient is declared once, in its section's field (`simbranch.sections.param`),
with its unit, its `source` (a study of docs/evidence.md, or "assumption") and, when assumed, a
`plausible` range. This module only reads those declarations, so the docs, a sensitivity study
and a calibration all use the same numbers and nobody copies a range by hand:

- `assumptions()` lists every field that declares a source, one row per dotted path (each entry
  of the `clients.tiers` and `managers.levels` tables gets its own rows);
- `assumed_ranges()` gives the plausible range of every assumed coefficient: the space a
  sensitivity study or a calibration samples, with paths that `Scenario.with_overrides` takes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd
from pydantic import BaseModel

from simbranch.scenario import Scenario
from simbranch.sections import ASSUMPTION

__all__ = ["assumed_ranges", "assumptions"]

COLUMNS = ["path", "value", "unit", "description", "source", "assumed", "low", "high", "section"]

_UNIT = re.compile(r"\s*\[([^\[\]]*)\]\s*$")


def _is_assumed(source: str) -> bool:
    return source.lower().startswith(ASSUMPTION)


def _declared(model: BaseModel, prefix: str = "") -> Iterator[dict[str, Any]]:
    """One row per field of `model` and its sub-sections (and table entries) that declares a source."""
    for name, info in type(model).model_fields.items():
        path = f"{prefix}{name}"
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            yield from _declared(value, f"{path}.")
            continue
        if isinstance(value, dict) and any(isinstance(v, BaseModel) for v in value.values()):
            for key, entry in value.items():  # a table of named sections: clients.tiers, managers.levels
                yield from _declared(entry, f"{path}.{key}.")
            continue
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        source = extra.get("source")
        if source is None:
            continue
        described = _UNIT.search(info.description or "")
        low, high = extra.get("plausible", (math.nan, math.nan))
        yield {
            "path": path,
            "value": value,
            "unit": described.group(1) if described else "",
            "description": _UNIT.sub("", info.description or ""),
            "source": source,
            "assumed": _is_assumed(str(source)),
            "low": float(low),
            "high": float(high),
            "section": path.split(".", 1)[0],
        }


def assumptions(scenario: Scenario | None = None) -> pd.DataFrame:
    """Every coefficient of `scenario` (the default scenario if None) that declares a source: its
    dotted path, value, unit, description, source, whether it is assumed, its plausible range
    (`low`, `high`; NaN when none is declared) and its top-level section."""
    rows = list(_declared(scenario if scenario is not None else Scenario()))
    return pd.DataFrame(rows, columns=COLUMNS)


def assumed_ranges(scenario: Scenario | None = None) -> dict[str, tuple[float, float]]:
    """Dotted path -> plausible (low, high) of every assumed coefficient: what a sensitivity study or
    a calibration samples (paths as `Scenario.with_overrides` takes them)."""
    frame = assumptions(scenario)
    frame = frame[frame["assumed"] & frame["low"].notna() & frame["high"].notna()]
    return {row.path: (row.low, row.high) for row in frame.itertuples(index=False)}
