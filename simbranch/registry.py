"""Names users can put in a scenario for pluggable parts (allocation rules), and the classes behind them.

A plain dictionary with no imports, so that the scenario layer can validate a name and the
policies layer can register a class without either importing the other.
"""

from __future__ import annotations

__all__ = ["ALLOCATION_RULES"]

#: Allocation rule name -> class (a subclass of simbranch.mechanisms.allocation.AllocationRule).
ALLOCATION_RULES: dict[str, type] = {}
