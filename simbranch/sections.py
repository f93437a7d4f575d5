"""The base of every scenario section, shared by the core sections and the lever sections."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Section", "share_field"]


class Section(BaseModel):
    """A scenario section: frozen, unknown keys rejected, strict types, no NaN or infinity."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True, allow_inf_nan=False)


def share_field(default: float, what: str) -> Any:
    """A field holding a share in [0, 1]."""
    return Field(default, ge=0.0, le=1.0, description=f"{what} [share, 0..1]")
