"""The article's management levers, one module per lever family, each behind a small protocol."""

from simbranch.policies.allocation import (
    AllocationRule,
    allocation_rule,
    allocation_rule_names,
    register_allocation_rule,
)

__all__ = ["AllocationRule", "allocation_rule", "allocation_rule_names", "register_allocation_rule"]
