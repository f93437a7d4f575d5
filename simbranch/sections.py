"""The base of every scenario section, shared by the core sections and the lever sections.

Every number a scenario holds is declared once, here in a section's fields, with its unit and
range. A behavioural coefficient also says where its default comes from (`source`: a study, or
"assumption") and, when assumed, the range of values that would still be plausible
(`plausible`). `simbranch.assumptions` reads these declarations for the docs, sensitivity
analysis and calibration, so nobody copies ranges by hand.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["ASSUMPTION", "Section", "param", "share_field"]

#: The `source` of a default that no study gives: a value chosen to be plausible.
ASSUMPTION = "assumption"


class Section(BaseModel):
    """A scenario section: frozen, unknown keys rejected, strict types, no NaN or infinity."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)


def share_field(default: float, what: str, *, source: str | None = None,
                plausible: tuple[float, float] | None = None) -> Any:
    """A field holding a share in [0, 1]."""
    return param(default, what, "share, 0..1", ge=0.0, le=1.0, source=source, plausible=plausible)


def param(default: Any, what: str, unit: str, *, ge: float | None = None, le: float | None = None,
          gt: float | None = None, lt: float | None = None, source: str | None = None,
          plausible: tuple[float, float] | None = None) -> Any:
    """A scenario field: `what` it is, its `unit`, its allowed range and, for a behavioural
    coefficient, its `source` (a study or `ASSUMPTION`) and its `plausible` range (required for an
    assumption: the values a sensitivity study or a calibration should explore)."""
    if source == ASSUMPTION and plausible is None:
        raise ValueError(f"an assumed default needs a plausible range: {what}")
    extra: dict[str, Any] = {}
    if source is not None:
        extra["source"] = source
    if plausible is not None:
        lo, hi = plausible
        if not lo <= default <= hi:
            raise ValueError(f"default {default} outside its plausible range {plausible}: {what}")
        extra["plausible"] = [lo, hi]
    return Field(default, ge=ge, le=le, gt=gt, lt=lt, description=f"{what} [{unit}]",
                 json_schema_extra=extra or None)
